; mmio-write.asm - writes a doubleword where the VM has no memory:
; guest-physical 0x100004, just past the 1 MiB of RAM (see mmio-read.asm).
; KVM_EXIT_MMIO with is_write set; chapter 07 reports it, status 70.
bits 16
org 0x7c00
    cli                 ; no interrupts: this guest has no handlers for them
    mov ax, 0xffff
    mov es, ax          ; ES base = 0xffff0
    mov eax, 0x12345678 ; the value to write (its bytes go in the exit's data)
    mov [es:0x0014], eax ; a 4-byte write at guest-physical 0x100004
    hlt                 ; never reached under kvm-steps
