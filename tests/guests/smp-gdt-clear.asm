; smp-gdt-clear.asm - a GDT in ROM whose descriptors have the accessed
; bit clear. Loading a segment then makes the CPU set the bit in the
; descriptor: a write to read-only memory. On VT-x and SVM that write is
; a fault on the read-only slot that KVM turns into KVM_EXIT_MMIO to the
; ROM (dropped: the bit stays clear, and the next load writes again); the
; kvm_pvm backend never gets past it. The BSP alone: it loads its
; segments, says so, and spins until --timeout ends the run (so that
; every backend ends the same way, and only what it printed differs).
%define GDT_NOT_ACCESSED
%include "smp32.inc"

bsp_main:
    mov esi, ROM_LINEAR + s_bsp
    call say
    jmp spin

ap_main:
    jmp spin

s_bsp: db "segments loaded from a GDT in ROM with the accessed bits clear", 10, 0

SMP_END
