; halt-cli.asm - prints "halting", then halts with interrupts off. On a real
; CPU nothing could wake it again; KVM without an in-kernel interrupt
; controller hands the HLT to user space (KVM_EXIT_HLT), and kvm-steps
; ends the run with status 0.
bits 16
org 0x7c00
    cli                 ; interrupts off: only NMI or reset would end the halt
    xor ax, ax
    mov ds, ax          ; DS = 0 for puts
    mov si, text
    call puts           ; "halting" and a newline
    hlt                 ; KVM_EXIT_HLT: the run ends, status 0
    jmp $               ; never reached under kvm-steps

text: db "halting", 10, 0

%include "lib16.inc"
