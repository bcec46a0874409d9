; debug-spin.asm - chapter 13's Ctrl-C guest: says one line, then counts
; in EAX forever without an exit, so only an interrupt from gdb (0x03 on
; the socket, SIGIO in the monitor) can stop it; tests/cases/59-debug.sh
; then wants RIP inside the loop (0xf000-0xffff, the ROM below 1 MiB).
bits 16
org 0xf000

start:
    call setup
    mov si, msg
    call puts
    xor eax, eax
spin_loop:
    inc eax             ; busy, no exit: KVM_RUN returns only when kicked
    jmp spin_loop

msg: db "debug-spin: spinning until gdb interrupts", 10, 0

%include "rom16.inc"
