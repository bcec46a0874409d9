; irq-aeoi.asm - the PIC's automatic EOI (ICW4 bit 1; chapter 10): the
; IRQ leaves the in-service register as the CPU takes it, so a handler
; that sends no EOI still gets every tick. Five ticks at 1 kHz, then
; prints "auto-EOI: 5 ticks, ISR 00" and exits with status 0.
bits 16
org 0xf000

start:
    call setup
    mov word [TICKS], 0
    mov bl, IRQ_BASE
    mov ax, irq_no_eoi
    call set_vector
    mov al, 0x11        ; ICW1: edge, cascade, ICW4 follows
    out PIC_CMD, al
    mov al, IRQ_BASE    ; ICW2
    out PIC_DATA, al
    mov al, 0x04        ; ICW3
    out PIC_DATA, al
    mov al, 0x03        ; ICW4: 8086 mode, automatic EOI
    out PIC_DATA, al
    mov al, 0xfe        ; OCW1: IRQ0 only
    out PIC_DATA, al
    mov al, 0x34        ; counter 0, mode 2, 1 kHz
    mov cx, 1193
    call pit_start
    sti
.sleep:
    hlt
    cmp word [TICKS], 5
    jb .sleep
    cli
    mov si, msg_ticks
    call puts
    mov al, OCW3_ISR
    out PIC_CMD, al
    in al, PIC_CMD
    call puthex8
    call newline
    mov al, 0
    jmp exit

irq_no_eoi:             ; counts; the PIC needs no EOI in this mode
    inc word [TICKS]
    iret

msg_ticks: db "auto-EOI: 5 ticks, ISR ", 0

%include "irq16.inc"
%include "rom16.inc"
