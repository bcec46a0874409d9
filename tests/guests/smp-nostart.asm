; smp-nostart.asm - the BSP never sends INIT or SIPI: it waits for APs
; that never start. The APs stay in KVM_MP_STATE_UNINITIALIZED, asleep
; inside KVM_RUN, until --timeout ends the run and the monitor kicks them.
%include "smp32.inc"

bsp_main:
    mov esi, ROM_LINEAR + s_bsp
    call say
    mov ecx, [CPUS]
    dec ecx
.wait:
    pause
    cmp [STARTED], ecx  ; never, with 2 CPUs or more
    jb .wait
    mov esi, ROM_LINEAR + s_all
    call say
    mov al, 0
    out EXIT_PORT, al
    jmp spin

ap_main:
    mov esi, ROM_LINEAR + s_ap
    call say            ; never printed: no AP is started
    jmp spin

s_bsp: db "no INIT, no SIPI: waiting for the others", 10, 0
s_all: db "every other CPU started", 10, 0
s_ap:  db "started", 10, 0

SMP_END
