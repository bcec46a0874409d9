; irq-mode3.asm - the PIT's mode 3, square wave (chapter 10): one rising
; edge, so one IRQ0, a period. At count 11932 that is 100 Hz; the guest
; sleeps in HLT for 20 ticks (0.2 s of PIT time), prints "20 ticks" and
; exits with status 0.
bits 16
org 0xf000

start:
    call setup
    mov word [TICKS], 0
    mov bl, IRQ_BASE
    mov ax, irq_count
    call set_vector
    mov al, 0xfe
    call pic_init
    mov al, 0x36        ; counter 0, low then high byte, mode 3
    mov cx, 11932       ; 99.998 Hz
    call pit_start
    sti
.sleep:
    hlt
    cmp word [TICKS], 20
    jb .sleep
    cli
    mov si, msg
    call puts
    mov al, 0
    jmp exit

msg: db "20 ticks", 10, 0

%include "irq16.inc"
%include "rom16.inc"
