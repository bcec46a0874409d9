; irq-misuse.asm - what the monitor's PIC and PIT do not model, each
; named in one line on standard error (chapter 10): level-triggered
; inputs (ICW1 bit 3), 8080 mode (ICW4 bit 0 clear), OCW2 0x40 (no
; operation), the PIT's read-back command (control word 0xc2), BCD
; counting (bit 0), and counter 0 in mode 1 (no gate input, no IRQ0).
; The guest goes on after each; prints "done" and exits with status 11.
bits 16
org 0xf000

start:
    call setup
    mov al, 0x19        ; ICW1: level-triggered, cascade, ICW4 follows
    out PIC_CMD, al
    mov al, IRQ_BASE    ; ICW2
    out PIC_DATA, al
    mov al, 0x04        ; ICW3
    out PIC_DATA, al
    mov al, 0x00        ; ICW4: 8080 mode
    out PIC_DATA, al
    mov al, 0xff        ; OCW1: all masked
    out PIC_DATA, al
    mov al, 0x40        ; OCW2: no operation
    out PIC_CMD, al
    mov al, 0xc2        ; the 8254's read-back command: counter 0's count and status
    out PIT_CTRL, al
    mov al, 0x35        ; counter 0, low then high byte, mode 2, BCD
    out PIT_CTRL, al
    mov al, 0x32        ; counter 0, low then high byte, mode 1
    out PIT_CTRL, al
    mov si, msg
    call puts
    mov al, 11
    jmp exit

msg: db "done", 10, 0

%include "irq16.inc"
%include "rom16.inc"
