; lab-thre.asm - lab 10's extra "thre": output by interrupt. With IER
; bit 1 (ETBEI) set, COM1 raises IRQ4 whenever its transmit holding
; register is empty: at once when the bit is set (the register is empty),
; and again each time a byte written to it has gone out. IIR says why
; (0x02: THRE; reading IIR then clears that interrupt). The guest writes
; a line one byte per interrupt from its IRQ4 handler, sleeping in HLT
; between them, and turns ETBEI off when the next finds the line's end;
; then it prints how many IRQ4s it took and exits with status 8:
;   sent by interrupt
;   19 interrupts               (18 bytes, and the one that found the end)
; If IRQ4 never comes, the guest halts with nothing to wake it (70).
bits 16
org 0xf000

COM1_IIR   equ 0x3fa
IER_THRI   equ 0x02     ; IER bit 1: interrupt when THR is empty
IIR_THRE   equ 0x02     ; IIR: the interrupt is "THR empty"
NEXT       equ 0x502    ; word: the next byte of the line to send
DONE       equ 0x504    ; byte: 1 once the line is out

start:
    call setup
    mov word [TICKS], 0 ; here: IRQ4s taken
    mov word [NEXT], line
    mov byte [DONE], 0
    mov bl, IRQ_BASE + 4
    mov ax, irq4
    call set_vector
    mov al, 0xef        ; IRQ4 only
    call pic_init
    mov dx, COM1_MCR
    mov al, 0x08        ; OUT2: COM1's interrupt reaches the PIC
    out dx, al
    mov dx, COM1_IER
    mov al, IER_THRI    ; THR is empty now: the first IRQ4 comes
    out dx, al
    sti
.sleep:
    hlt
    cmp byte [DONE], 1
    jne .sleep
    cli
    mov ax, [TICKS]     ; (under 100)
    mov bl, 10
    div bl              ; AL tens, AH ones
    add ax, 0x3030
    push ax
    call putc
    pop ax
    mov al, ah
    call putc
    mov si, msg
    call puts
    mov al, 8
    jmp exit

irq4:
    push ax
    push dx
    push si
    inc word [TICKS]
    mov dx, COM1_IIR
    in al, dx           ; why: reading it clears a THRE interrupt
    and al, 0x0f
    cmp al, IIR_THRE
    jne .eoi
    mov si, [NEXT]
    cs lodsb            ; the next byte of the line
    test al, al
    jz .last
    mov [NEXT], si
    mov dx, 0x3f8
    out dx, al          ; THR: when it has gone out, the next IRQ4
    jmp .eoi
.last:
    mov dx, COM1_IER
    mov al, 0           ; the line is out: no more THRE interrupts
    out dx, al
    mov byte [DONE], 1
.eoi:
    mov al, PIC_EOI
    out PIC_CMD, al
    pop si
    pop dx
    pop ax
    iret

line: db "sent by interrupt", 10, 0
msg:  db " interrupts", 10, 0

%include "irq16.inc"
%include "rom16.inc"
