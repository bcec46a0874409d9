; triple-fault.asm - an exception with no way to deliver it. The guest
; enters protected mode with an interrupt table of limit 0, so no vector
; fits in it: the #UD raised by UD2 becomes a #GP, the #GP a double fault,
; and failing to deliver the double fault is a triple fault: the CPU shuts
; down. KVM reports KVM_EXIT_SHUTDOWN (a software KVM backend may give up
; with KVM_EXIT_INTERNAL_ERROR instead); the program exits with status 70.
; (In real mode many hosts do not check the IVT limit, so the guest goes
; to protected mode, where every CPU and KVM backend checks the IDT's.)
bits 16
org 0x7c00
    cli                 ; no interrupts: only the exception matters here
    xor ax, ax
    mov ds, ax          ; DS = 0, so the labels below are addressed as is
    lgdt [gdt_ptr]      ; a GDT with one 32-bit code segment
    lidt [idt_zero]     ; an interrupt table of limit 0: nothing fits in it
    mov eax, cr0
    or eax, 1           ; CR0.PE (bit 0): protected mode
    mov cr0, eax
    jmp 0x08:pm32       ; load CS from GDT entry 1: 32-bit code from here

bits 32
pm32:
    ud2                 ; #UD: vector 6, outside the IDT: #GP, #DF, shutdown
    hlt                 ; never reached: a halt here would mean no fault came

align 8
gdt:
    dq 0                ; entry 0: the null descriptor
    dq 0x00cf9a000000ffff ; entry 1: base 0, limit 4 GiB (G), 32-bit (D),
                        ; present, DPL 0, code, execute/read (type 0xa)
gdt_ptr:
    dw gdt_ptr - gdt - 1 ; limit: two 8-byte entries, minus one
    dd gdt              ; base: the table's guest-physical address
idt_zero:
    dw 0                ; limit 0: even vector 0 (8 bytes) does not fit
    dd 0                ; base 0
