; irq-cli-halt.asm - HLT with interrupts disabled still ends the run
; (chapter 10), even with the PIC programmed and the PIT ticking: nothing
; can wake a CPU halted with IF = 0. Prints "halting" and halts; status 0.
bits 16
org 0xf000

start:
    call setup
    mov bl, IRQ_BASE
    mov ax, irq_count
    call set_vector
    mov al, 0xfe
    call pic_init
    mov al, 0x34        ; counter 0, mode 2, 1 kHz
    mov cx, 1193
    call pit_start
    mov si, msg
    call puts
    cli
    hlt
    mov al, 1           ; not reached: the run ended at the HLT
    jmp exit

msg: db "halting", 10, 0

%include "irq16.inc"
%include "rom16.inc"
