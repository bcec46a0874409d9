; irq-oneshot.asm - the PIT's mode 0, interrupt on terminal count
; (chapter 10): one rising edge of counter 0's output, so one IRQ0, and
; no more. The handler prints "tick" and sends its EOI; the guest halts
; again with nothing left that can wake it (the monitor: "PIT counter 0
; stopped", status 70).
bits 16
org 0xf000

start:
    call setup
    mov bl, IRQ_BASE
    mov ax, irq_tick
    call set_vector
    mov al, 0xfe
    call pic_init
    mov al, 0x30        ; counter 0, low then high byte, mode 0
    mov cx, 1193        ; 1 ms
    call pit_start
    sti
.sleep:
    hlt
    jmp .sleep

irq_tick:
    push ax
    push si
    mov si, msg_tick
    call puts
    mov al, PIC_EOI
    out PIC_CMD, al
    pop si
    pop ax
    iret

msg_tick: db "tick", 10, 0

%include "irq16.inc"
%include "rom16.inc"
