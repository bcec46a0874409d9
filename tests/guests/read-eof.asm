; read-eof.asm - reads three bytes from COM1 and prints each in hex, then
; exits with status 5. At the end of standard input kvm-steps answers 0x04
; (EOT, what Ctrl-D types), so with "a" as input it prints "61 04 04".
bits 16
org 0x7c00
    cli                 ; no interrupts: this guest has no handlers for them
    xor ax, ax
    mov ds, ax          ; DS = 0 for lib16.inc
    mov cx, 3           ; three bytes
next:
    mov dx, COM1
    in al, dx           ; a byte from standard input (0x04 once it ended)
    call puthex8        ; two hex digits
    mov al, ' '
    cmp cx, 1
    jne .sep
    mov al, 10          ; after the last one a newline instead of a space
.sep:
    call putc
    loop next           ; CX -= 1, again until it is 0
    mov al, 5
    jmp exit            ; status 5

; puthex8: send AL as two upper-case hex digits.
puthex8:
    push eax
    shl eax, 24         ; bring AL to the top: puthex32's first two digits
    push cx
    mov cx, 2
.digit:
    rol eax, 4          ; the next nibble to the bottom
    push eax
    and al, 0x0f
    add al, '0'
    cmp al, '9'
    jbe .out
    add al, 'A' - '0' - 10
.out:
    call putc
    pop eax
    loop .digit
    pop cx
    pop eax
    ret

%include "lib16.inc"
