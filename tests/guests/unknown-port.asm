; unknown-port.asm - ports nobody owns: OUT is ignored, IN reads all ones,
; and the guest goes on. Prints "000000FF 0000FFFF", "FFFFFFFF", exits 3.
bits 16
org 0x7c00
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7c00

    mov al, 0x12
    out 0x80, al        ; the POST-code port: no device here
    in al, 0x61         ; a byte from a port with nothing behind it
    movzx eax, al
    call puthex32       ; 000000FF
    mov al, ' '
    call putc
    mov dx, 0x2f8       ; COM2 is not there either: a word read
    in ax, dx
    movzx eax, ax
    call puthex32       ; 0000FFFF
    mov al, 10
    call putc
    mov dx, 0x2f8
    in eax, dx
    call puthex32       ; FFFFFFFF
    mov al, 10
    call putc
    mov al, 3
    jmp exit

%include "lib16.inc"
