; chip-sleep.asm - sleeps in HLT, with nothing but COM1's received-data
; interrupt to wake it: no timer is programmed. With the irqchip in the
; kernel, HLT sleeps in the kernel; a byte that arrives on standard input
; later must bring the monitor back to raise IRQ4 (SIGIO does). Prints
;   woken by x
; for the byte x, and exits with 0.
bits 16
org 0xf000

%include "chip16.inc"

GOT  equ 0x500          ; byte: what came
FLAG equ 0x501          ; byte: 1 once it did

start:
    call setup
    mov byte [FLAG], 0
    mov bl, 0x24        ; IRQ4's vector
    mov ax, irq4
    call set_vector
    mov ah, 0x20
    mov al, 0xef        ; only IRQ4 open
    call pic_init
    mov dx, COM1_MCR
    mov al, MCR_OUT2
    out dx, al
    mov dx, COM1_IER
    mov al, IER_RDI
    out dx, al
    sti
.wait:
    hlt                 ; asleep in the kernel
    cmp byte [FLAG], 0
    je .wait
    cli
    mov dx, COM1_IER
    xor al, al
    out dx, al
    mov si, msg_woken
    call puts
    mov al, [GOT]
    call putc
    call newline
    xor al, al
    jmp exit

irq4:
    push ax
    push dx
.again:
    mov dx, COM1_IIR
    in al, dx
    test al, IIR_NONE
    jnz .eoi
    mov dx, COM1
    in al, dx           ; the byte (the only cause enabled)
    cmp byte [FLAG], 0
    jne .again          ; the first one is kept
    mov [GOT], al
    mov byte [FLAG], 1
    jmp .again
.eoi:
    mov al, PIC_EOI
    out PIC_CMD, al
    pop dx
    pop ax
    iret

msg_woken: db "woken by ", 0

%include "rom16.inc"
