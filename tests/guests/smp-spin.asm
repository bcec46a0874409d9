; smp-spin.asm - every CPU says it is there and spins in the guest
; forever: only --timeout ends the run, and every vCPU must be kicked out
; of KVM_RUN while it runs guest code.
%include "smp32.inc"

bsp_main:
    mov esi, ROM_LINEAR + s_bsp
    call say
    call start_aps
    jmp spin

ap_main:
    mov esi, ROM_LINEAR + s_ap
    call say
    jmp spin

s_bsp: db "INIT, SIPI, SIPI to the others, then spin", 10, 0
s_ap:  db "started, spin", 10, 0

SMP_END
