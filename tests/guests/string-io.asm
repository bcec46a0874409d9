; string-io.asm - REP OUTS and REP INS: KVM_EXIT_IO with count > 1 on
; hosts that batch them, count 1 on hosts that emulate each iteration.
; With "hello" on standard input it prints "string out", then "hello",
; "xyz" and "pq" on one line, and exits with status 7.
bits 16
org 0x7c00
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7c00
    cld

    mov si, text        ; REP OUTSB: 11 bytes to THR
    mov cx, text_len
    mov dx, 0x3f8
    rep outsb

    mov di, 0x7e00      ; REP INSB: 5 bytes from RBR into memory at 0x7e00
    mov cx, 5
    rep insb
    mov si, 0x7e00      ; and back out again
    mov cx, 5
    rep outsb

    mov si, words       ; REP OUTSW: the low byte of each word is THR,
    mov cx, 3           ; the high byte IER: prints "xyz"
    rep outsw

    mov si, dwords      ; REP OUTSD: THR, IER, FCR, LCR: prints "pq"
    mov cx, 2
    rep outsd

    mov al, 10
    call putc
    mov al, 7
    jmp exit

text:   db "string out", 10
text_len equ $ - text
words:  db 'x', 1, 'y', 2, 'z', 3
dwords: db 'p', 0, 0, 3, 'q', 0, 0, 3

%include "lib16.inc"
