; jump-outside.asm - jumps to where the VM has no memory: FFFF:0010 is
; guest-physical 0x100000, one byte past the 1 MiB of RAM. The CPU cannot
; fetch an instruction from there; KVM has nothing to emulate and stops the
; guest (KVM_EXIT_INTERNAL_ERROR on most hosts, KVM_EXIT_MMIO on some, a
; triple fault on others). Chapter 07 reports it, status 70.
bits 16
org 0x7c00
    cli                 ; no interrupts: this guest has no handlers for them
    jmp 0xffff:0x0010   ; far jump: CS base 0xffff0, IP 0x10
