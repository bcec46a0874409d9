; echo64.asm - a 64-bit guest for chapter 08 (entered at 0x100000 in long
; mode), used by tests/cases/50-long-mode.sh: string I/O in both directions
; through the page tables. It lives here, not in tests/guests/, because the
; guests there are also run as real-mode boot sectors (make crosscheck).
; REP INSB stores five bytes of standard input at 3 MiB (identity
; mapping); REP OUTSB sends them back from the same place through the
; higher-half alias.
; Exit status 42 through port 0xf4.
; Assemble: nasm -f bin -o echo64.bin echo64.asm
bits 64
org 0x100000

COM1       equ 0x3f8
EXIT_PORT  equ 0xf4
BUFFER     equ 0x300000             ; 3 MiB: above 1 MiB, below the stack
HIGH_ALIAS equ 0xffff800000000000   ; chapter 08 maps the first GiB here too

    mov rdi, BUFFER     ; INSB stores at [RDI], RDI += 1
    mov dx, COM1        ; from port DX
    mov ecx, 5          ; RCX times
    rep insb            ; KVM writes the bytes into guest memory for us
    mov rsi, HIGH_ALIAS + BUFFER ; the same bytes, another virtual address
    mov ecx, 5
    rep outsb           ; OUTSB sends [RSI], RSI += 1, RCX times
    mov al, 42
    out EXIT_PORT, al   ; exit status 42
    hlt                 ; not reached under kvm-steps
