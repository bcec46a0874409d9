; chip-stall.asm - a UART driver's classic mistake: the IRQ4 handler
; reads IIR once. Received data and THRE are pending together (standard
; input at its end puts the EOT in the receive register); IIR names RDI,
; the handler takes the byte and sends the EOI, and THRE stays pending:
; the UART's pin never goes low, so the edge-triggered PIC never sees
; another rising edge, and the guest waits in HLT for a THRE interrupt
; that never comes. Prints "stall: RDI and THRE pending, IIR read once",
; then nothing; only --timeout ends the run.
bits 16
org 0xf000

%include "chip16.inc"

SENT equ 0x500          ; byte: THRE interrupts taken

start:
    call setup
    mov byte [SENT], 0
    mov bl, 0x24
    mov ax, irq4
    call set_vector
    mov ah, 0x20
    mov al, 0xef        ; only IRQ4 open
    call pic_init
    mov si, msg         ; printed before the interrupts are on:
    call puts           ; each byte written would raise THRE again
    mov dx, COM1_MCR
    mov al, MCR_OUT2
    out dx, al
    mov dx, COM1_IER
    mov al, IER_RDI | IER_THRI
    out dx, al          ; both causes at once: one rising edge
    sti
.wait:
    hlt
    cmp byte [SENT], 0  ; a THRE interrupt would end the wait
    je .wait
    xor al, al
    jmp exit

irq4:                   ; the mistake: one look at IIR
    push ax
    push dx
    mov dx, COM1_IIR
    in al, dx
    and al, IIR_ID
    cmp al, IIR_THRI
    jne .receive
    inc byte [SENT]
    jmp .eoi
.receive:
    mov dx, COM1
    in al, dx           ; RDI handled; THRE still pending, unseen
.eoi:
    mov al, PIC_EOI
    out PIC_CMD, al
    pop dx
    pop ax
    iret

msg: db "stall: RDI and THRE pending, IIR read once", 10, 0

%include "rom16.inc"
