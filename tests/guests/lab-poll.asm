; lab-poll.asm - lab 10's extra "poll": the 8259A's poll command. OCW3
; with bit 2 set (0x0c) makes the next read of port 0x20 the chip's
; answer to an INTA of its own: 0x80 + the IRQ if one is pending (which
; then goes in service, as INTA puts it), else 0. The guest never sets
; IF: it polls for 5 ticks of the PIT at 1 kHz, sends each its EOI, and
; prints "polled 5 ticks: 80 80 80 80 80, ISR 00", then exits with
; status 5. If the chip never answers (2000 polls, each an exit, with
; ticks due every millisecond), it prints "the poll command never
; answered" and exits with status 1.
bits 16
org 0xf000

start:
    call setup
    mov word [TICKS], 0
    mov al, 0xfe        ; IRQ0 only
    call pic_init
    mov al, 0x34        ; counter 0, mode 2, 1 kHz
    mov cx, 1193
    call pit_start
    mov si, msg_polled
    mov di, 0x600       ; the answers, one byte each
    mov cx, 20000       ; polls at most
.poll:
    mov al, 0x0c        ; OCW3: poll
    out PIC_CMD, al
    in al, PIC_CMD
    test al, 0x80
    jz .again
    mov [di], al
    inc di
    mov al, PIC_EOI
    out PIC_CMD, al
    inc word [TICKS]
    cmp word [TICKS], 5
    je .done
.again:
    loop .poll
    mov si, msg_never
    call puts
    mov al, 1
    jmp exit
.done:
    call puts
    mov si, 0x600
    mov cx, 5
.answer:
    mov al, [si]
    call puthex8
    inc si
    cmp cx, 1
    je .last
    call space
.last:
    loop .answer
    mov si, msg_isr
    call puts
    mov al, OCW3_ISR
    out PIC_CMD, al
    in al, PIC_CMD
    call puthex8
    call newline
    mov al, 5
    jmp exit

msg_polled: db "polled 5 ticks: ", 0
msg_isr:    db ", ISR ", 0
msg_never:  db "the poll command never answered", 10, 0

%include "irq16.inc"
%include "rom16.inc"
