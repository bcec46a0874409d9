; irq-noeoi.asm - a guest that never sends EOI (chapter 10). Its IRQ0
; handler prints "tick" and returns without writing 0x20 to port 0x20, so
; IRQ0 stays in service and holds back every later tick: the guest gets
; one interrupt, then halts with nothing that can wake it. The monitor
; says so (status 70) instead of sleeping forever.
bits 16
org 0xf000

start:
    call setup
    mov bl, IRQ_BASE
    mov ax, irq_tick
    call set_vector
    mov al, 0xfe        ; IRQ0 only
    call pic_init
    mov al, 0x34        ; counter 0, mode 2, 1 kHz
    mov cx, 1193
    call pit_start
    sti
.sleep:
    hlt
    jmp .sleep

irq_tick:               ; no EOI: the bug under test
    push si
    mov si, msg_tick
    call puts
    pop si
    iret

msg_tick: db "tick", 10, 0

%include "irq16.inc"
%include "rom16.inc"
