; lab-com2.asm - the test guest of lab 07's graded extra "com2": is there a
; second UART at 0x2f8? Its scratch register (0x2ff) keeps what is written
; to it, where a port with nothing behind it reads all ones. If COM2 is
; there, prints "COM2 ok" through it and exits 0; if not, says so through
; COM1 and exits 1.
bits 16
org 0x7c00
COM2 equ 0x2f8
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7c00

    mov dx, COM2 + 7    ; the scratch register
    mov al, 0xa5
    out dx, al          ; a UART keeps it ...
    in al, dx           ; ... and gives it back
    cmp al, 0xa5
    jne .missing

    mov si, found
.next:
    lodsb               ; AL = [DS:SI], SI += 1
    test al, al
    jz .done
    mov dx, COM2        ; the transmit register of COM2
    out dx, al
    jmp .next
.done:
    xor al, al          ; status 0
    jmp exit

.missing:
    mov si, missing
    call puts           ; through COM1
    mov al, 1
    jmp exit

found:   db "COM2 ok", 10, 0
missing: db "no COM2 at 0x2f8", 10, 0

%include "lib16.inc"
