; irq-busy.asm - a guest busy in a loop that makes no exit (chapter 10):
; with IF = 1 it waits for 10 ticks of the PIT at 1 kHz by watching its
; own counter, and never halts or touches a port meanwhile. Only the
; monitor's tick signal, which kicks the vCPU out of KVM_RUN, lets a tick
; in. Prints "10 ticks while busy" and exits with status 0.
bits 16
org 0xf000

start:
    call setup
    mov word [TICKS], 0
    mov bl, IRQ_BASE
    mov ax, irq_count
    call set_vector
    mov al, 0xfe        ; IRQ0 only
    call pic_init
    mov al, 0x34        ; counter 0, mode 2, 1 kHz
    mov cx, 1193
    call pit_start
    sti
.busy:                  ; no exit here: memory only
    cmp word [TICKS], 10
    jb .busy
    cli
    mov si, msg
    call puts
    mov al, 0
    jmp exit

msg: db "10 ticks while busy", 10, 0

%include "irq16.inc"
%include "rom16.inc"
