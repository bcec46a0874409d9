; io-sizes.asm - port I/O of 1, 2 and 4 bytes, both directions.
; An access of N bytes at port P reaches ports P..P+N-1, one byte each.
; With "z" on standard input it prints "A5B5AB06100" and "z2", exits 0.
bits 16
org 0x7c00
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7c00
    cld

    mov dx, 0x3f8       ; word out: 'A' to THR (0x3f8), 5 to IER (0x3f9)
    mov ax, 0x0541
    out dx, ax
    mov dx, 0x3f9       ; byte in from IER: the 5 written above
    in al, dx
    add al, '0'
    call putc           ; prints '5'

    mov dx, 0x3f8       ; dword out: THR 'B', IER 2, FCR 0, LCR 3
    mov eax, 0x03000242
    out dx, eax
    mov dx, 0x3fc       ; MCR 0: a BIOS may have left OUT2 set in it
    mov al, 0
    out dx, al
    mov dx, 0x3ff       ; the scratch register keeps what it is given
    mov al, 0x5a
    out dx, al
    mov dx, 0x3fc       ; dword in: MCR, LSR, MSR, SCR = 00 61 b0 5a
    in eax, dx
    call puthex32       ; prints 5AB06100
    mov al, 10
    call putc

    mov dx, 0x3f8       ; word in: RBR (a byte of stdin) and IER (2)
    in ax, dx
    call putc           ; the byte from stdin
    mov al, ah
    add al, '0'
    call putc           ; '2'
    mov al, 10
    call putc
    mov al, 0
    jmp exit

%include "lib16.inc"
