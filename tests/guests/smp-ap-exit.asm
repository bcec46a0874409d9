; smp-ap-exit.asm - the run ends from an AP: the last CPU (APIC ID CPUS-1)
; writes 40 + its ID to the exit port while every other CPU, the BSP
; too, spins in the guest. With one CPU the BSP is the last and does it.
%include "smp32.inc"

bsp_main:
    mov esi, ROM_LINEAR + s_bsp
    call say
    cmp dword [CPUS], 1
    je last
    call start_aps
    jmp spin

ap_main:
    call apic_id
    inc eax
    cmp eax, [CPUS]
    je last
    mov esi, ROM_LINEAR + s_spin
    call say
    jmp spin

last:
    mov esi, ROM_LINEAR + s_last
    call say
    call apic_id
    add al, 40
    out EXIT_PORT, al
    jmp spin            ; not reached: the monitor stops every CPU

s_bsp:  db "INIT, SIPI, SIPI to the others, then spin", 10, 0
s_spin: db "spin", 10, 0
s_last: db "the last CPU: 40 + my APIC ID to the exit port", 10, 0

SMP_END
