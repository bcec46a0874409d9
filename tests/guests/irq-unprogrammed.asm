; irq-unprogrammed.asm - HLT with interrupts enabled, but the PIC was
; never programmed (chapter 10): no interrupt can ever come, so the
; monitor must not sleep forever. Prints "waiting" and halts with IF = 1.
bits 16
org 0xf000

start:
    call setup
    mov si, msg
    call puts
    sti
.sleep:
    hlt
    jmp .sleep

msg: db "waiting", 10, 0

%include "irq16.inc"
%include "rom16.inc"
