; irq-nohandler.asm - an IRQ whose vector has no handler (chapter 10).
; The PIC sends IRQ0 to vector 0x20, but the guest never fills in that
; entry of the interrupt vector table: it stays 0000:0000, and the CPU
; jumps to address 0. There the guest has put "mov al, 42; out 0xf4, al"
; (over the entry of vector 0, which it does not use), so the run ends
; with status 42: proof that the CPU ran whatever was at address 0.
bits 16
org 0xf000

start:
    call setup
    mov dword [0], 0xf4e62ab0 ; b0 2a: mov al, 42; e6 f4: out 0xf4, al
    mov al, 0xfe        ; IRQ0 only
    call pic_init
    mov al, 0x34        ; counter 0, mode 2, 1 kHz
    mov cx, 1193
    call pit_start
    sti
.sleep:
    hlt
    jmp .sleep

%include "irq16.inc"
%include "rom16.inc"
