; dlab.asm - program the UART as a BIOS does: with LCR.DLAB set, ports
; 0x3f8/0x3f9 are the baud divisor, and bytes written there are not sent.
; Prints "ok" and the divisor read back, "000C", then exits 0.
bits 16
org 0x7c00
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7c00

    mov dx, 0x3fb
    mov al, 0x80        ; LCR: DLAB on
    out dx, al
    mov dx, 0x3f8
    mov al, 0x0c        ; divisor low byte: 9600 baud (not printed!)
    out dx, al
    mov dx, 0x3f9
    mov al, 0x00        ; divisor high byte
    out dx, al
    mov dx, 0x3f8       ; read the divisor back while DLAB is on
    in al, dx
    mov bl, al
    mov dx, 0x3fb
    mov al, 0x03        ; LCR: 8 bits, no parity, 1 stop, DLAB off
    out dx, al
    mov si, ok
    call puts
    movzx eax, bl
    call puthex32
    mov al, 10
    call putc
    mov al, 0
    jmp exit

ok: db "ok ", 0

%include "lib16.inc"
