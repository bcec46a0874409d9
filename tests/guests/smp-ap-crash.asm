; smp-ap-crash.asm - an AP crashes while the others spin: the last CPU
; (APIC ID CPUS-1) loads an empty IDT and executes INT3, so the #BP
; finds no gate (#GP), the #GP none (#DF), the #DF none: a triple fault,
; which KVM reports as KVM_EXIT_SHUTDOWN (or, on some backends,
; KVM_EXIT_INTERNAL_ERROR): an exit the monitor does not handle.
%include "smp32.inc"

bsp_main:
    mov esi, ROM_LINEAR + s_bsp
    call say
    call start_aps
    jmp spin

ap_main:
    call apic_id
    inc eax
    cmp eax, [CPUS]
    je .crash
    mov esi, ROM_LINEAR + s_spin
    call say
    jmp spin
.crash:
    mov esi, ROM_LINEAR + s_crash
    call say
    lidt [ROM_LINEAR + empty_idt]
    int3
    jmp spin            ; not reached

s_bsp:   db "INIT, SIPI, SIPI to the others, then spin", 10, 0
s_spin:  db "spin", 10, 0
s_crash: db "an empty IDT, then INT3: a triple fault", 10, 0
empty_idt:
    dw 0                ; limit 0: no gate at all
    dd 0

SMP_END
