; lab-debugcon.asm - the test guest of lab 07's graded extra "debugcon":
; port 0xe9 is the debug console of QEMU and Bochs. Reading it gives 0xe9,
; which is how a guest knows the console is there; bytes written to it go
; to the monitor's standard error. Writes a line to it, then prints "ok"
; through COM1 and exits 0; without the console, says so and exits 1.
bits 16
org 0x7c00
DEBUGCON equ 0xe9
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7c00

    in al, DEBUGCON     ; the console answers its own port number
    cmp al, DEBUGCON
    jne .missing

    mov si, line
.next:
    lodsb               ; AL = [DS:SI], SI += 1
    test al, al
    jz .done
    out DEBUGCON, al    ; one byte to the debug console
    jmp .next
.done:
    mov si, ok
    call puts           ; through COM1
    xor al, al          ; status 0
    jmp exit

.missing:
    mov si, missing
    call puts
    mov al, 1
    jmp exit

line:    db "a line to the debug console", 10, 0
ok:      db "ok", 10, 0
missing: db "no debug console at 0xe9", 10, 0

%include "lib16.inc"
