; irq-mask.asm - a masked IRQ is never delivered (chapter 10). IRQ0 is
; masked in the PIC's IMR while the PIT ticks at 1 kHz and IF = 1: the
; guest sees the request in IRR and makes a few hundred exits, each a
; chance for the monitor to inject, and the handler never runs. Once the
; guest clears the mask bit, it does. Prints
;   masked: IRR 01, the handler ran 0 times
;   unmasked: the handler ran
; and exits with status 0.
bits 16
org 0xf000

start:
    call setup
    mov word [TICKS], 0
    mov bl, IRQ_BASE
    mov ax, irq_count
    call set_vector
    mov al, 0xff        ; every IRQ masked
    call pic_init
    mov al, 0x34        ; counter 0, low then high byte, mode 2
    mov cx, 1193        ; 1 kHz
    call pit_start
    sti
.wait:
    mov al, OCW3_IRR
    out PIC_CMD, al
    in al, PIC_CMD
    test al, 0x01
    jz .wait
    mov cx, 300         ; 300 more exits, with IRQ0 requested
.more:
    in al, PIC_CMD
    loop .more
    mov bl, al
    mov si, msg_masked
    call puts
    mov al, bl
    call puthex8
    mov si, msg_ran
    call puts
    mov ax, [TICKS]
    add al, '0'
    call putc
    mov si, msg_times
    call puts
    mov al, 0xfe        ; OCW1: IRQ0 unmasked
    out PIC_DATA, al
    mov cx, 1000
.wait2:                 ; the request in IRR goes in at once
    cmp word [TICKS], 0
    jne .ran
    in al, PIC_DATA
    loop .wait2
    mov si, msg_never
    call puts
    mov al, 1
    jmp exit
.ran:
    cli
    mov si, msg_ran2
    call puts
    mov al, 0
    jmp exit

msg_masked: db "masked: IRR ", 0
msg_ran:    db ", the handler ran ", 0
msg_times:  db " times", 10, 0
msg_ran2:   db "unmasked: the handler ran", 10, 0
msg_never:  db "unmasked: the handler never ran", 10, 0

%include "irq16.inc"
%include "rom16.inc"
