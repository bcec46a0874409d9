; rom-jump-hole.asm - jump to 0xa0000, where there is no memory: the CPU
; cannot fetch an instruction from there. KVM reports it as an emulation
; failure (KVM_EXIT_INTERNAL_ERROR) or, on some backends, otherwise; the
; monitor's answer is status 70, never a hang.
bits 16
org 0xf000

start:
    call setup
    jmp 0xa000:0x0000   ; into the hole

%include "rom16.inc"
