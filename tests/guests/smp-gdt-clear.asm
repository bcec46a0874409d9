; smp-gdt-clear.asm - a GDT in ROM whose descriptors have the accessed
; bit clear. Loading a segment then makes the CPU set the bit in the
; descriptor: a write to read-only memory. On VT-x and SVM the write
; faults on the read-only slot and KVM emulates the instruction; the
; emulator cannot write the descriptor back to the read-only slot
; either, and leaves RIP where it was: the guest faults again, for ever,
; inside KVM_RUN, with no exit (Linux 6.12; kvm_amd does so at mov ds).
; The kvm_pvm backend loops too, at the far jump. So nothing is printed
; and only --timeout ends the run. (guest-asm/rom/smp.asm and PC
; firmware set the accessed bits in their ROM tables for this reason.)
; The BSP alone: were its segments loaded, it would say so and spin.
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
