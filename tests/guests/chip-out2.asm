; chip-out2.asm - MCR's OUT2 gates COM1's interrupt on its way to the PIC,
; as on a PC: with THRE pending and enabled, no IRQ4 is taken while OUT2
; is off, and exactly one once it is on. Each look waits for the
; doorbell's completion (IRQ5, an irqfd) with "sti; hlt": the doorbell is
; rung after the UART's line was set, and IRQ4 comes before IRQ5 in the
; PIC's priorities, so by then a pending IRQ4 has been taken, on any
; backend (a spin after sti would count on an interrupt-window exit
; coming at once, which not every backend gives). Prints
;   OUT2 off: 0 IRQ4, on: 1 IRQ4
; and exits with 12.
bits 16
org 0xf000

%include "chip16.inc"

TAKEN equ 0x500         ; word: IRQ4s taken
DONE  equ 0x502         ; word: doorbell completions taken

start:
    call setup
    mov word [TAKEN], 0
    mov word [DONE], 0
    mov bl, 0x24        ; IRQ4's vector
    mov ax, irq4
    call set_vector
    mov bl, 0x25        ; IRQ5's: the doorbell's completion
    mov ax, irq5
    call set_vector
    mov ah, 0x20        ; IRQ0 at vector 0x20
    mov al, 0xcf        ; IRQ4 and IRQ5 open
    call pic_init

    mov dx, COM1_MCR
    xor al, al
    out dx, al          ; OUT2 off
    mov dx, COM1_IER
    mov al, IER_THRI
    out dx, al          ; THRE pending and enabled: the UART's pin is high
    call ring
    mov bx, [TAKEN]     ; BX: taken with OUT2 off

    mov dx, COM1_MCR
    mov al, MCR_OUT2
    out dx, al          ; the pin reaches the PIC now
    call ring
    mov cx, [TAKEN]     ; CX: taken once it is on

    mov dx, COM1_IER
    xor al, al
    out dx, al          ; quiet, before printing
    mov si, msg_off
    call puts
    mov al, bl
    add al, '0'
    call putc
    mov si, msg_on
    call puts
    mov al, cl
    add al, '0'
    call putc
    mov si, msg_irq4
    call puts
    call newline
    mov al, 12
    jmp exit

; ring: the doorbell, then sleep until its completion; interrupts off
; again after.
ring:
    push ax
    push es
    mov ax, [DONE]
    push ax
    mov ax, VIRTIO_SEG
    mov es, ax
    mov dword [es:QUEUE_NOTIFY], 0
    pop ax
.wait:
    sti
    hlt                 ; sti's shadow covers hlt: no wake-up is lost
    cli
    cmp [DONE], ax
    je .wait
    pop es
    pop ax
    ret

irq5:
    push ax
    inc word [DONE]
    mov al, PIC_EOI
    out PIC_CMD, al
    pop ax
    iret

irq4:                   ; as a driver: IIR until it says none
    push ax
    push dx
    inc word [TAKEN]
    mov dx, COM1_IIR
.again:
    in al, dx           ; THRE: this read clears it
    test al, IIR_NONE
    jz .again
    mov al, PIC_EOI
    out PIC_CMD, al
    pop dx
    pop ax
    iret

msg_off:  db "OUT2 off: ", 0
msg_on:   db " IRQ4, on: ", 0
msg_irq4: db " IRQ4", 0

%include "rom16.inc"
