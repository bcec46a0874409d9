; print-forever.asm - prints "y" and a newline to COM1 again and again,
; like yes(1). Used to check what happens when standard output goes away
; while a guest prints: a broken pipe, a closed descriptor, a full disk.
bits 16
org 0x7c00
    cli                 ; no interrupts: this guest has no handlers for them
    mov dx, 0x3f8       ; COM1's transmit register
again:
    mov al, 'y'
    out dx, al          ; one KVM_EXIT_IO per byte
    mov al, 10
    out dx, al
    jmp again           ; for ever: only the host can stop it
