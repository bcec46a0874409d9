; chip-cli-hlt.asm - HLT with interrupts off. Without an irqchip in the
; kernel (chapters 06-09) that ended the run; with one, the vCPU sleeps
; in the kernel and nothing can wake it: only the monitor's --timeout
; ends the run. Prints "halting with interrupts off".
bits 16
org 0xf000

%include "chip16.inc"

start:
    call setup
    mov si, msg
    call puts
    cli
    hlt
    jmp start

msg: db "halting with interrupts off", 10, 0

%include "rom16.inc"
