; mmio-read.asm - reads a word where the VM has no memory. Guest RAM ends at
; 1 MiB (0x100000); segment 0xffff reaches 0xffff0 + offset, so FFFF:0010 is
; guest-physical 0x100000, the first byte past it. With no memory slot and
; no device there, KVM hands the read to user space as KVM_EXIT_MMIO, which
; chapter 07 does not handle: one line with the address, the direction and
; the size, then the registers; status 70.
bits 16
org 0x7c00
    cli                 ; no interrupts: this guest has no handlers for them
    mov ax, 0xffff
    mov es, ax          ; ES base = 0xffff0
    mov ax, [es:0x0010] ; a 2-byte read at guest-physical 0x100000
    hlt                 ; never reached under kvm-steps
