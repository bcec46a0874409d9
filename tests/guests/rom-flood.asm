; rom-flood.asm - 100 reads of an address nobody owns (0xa0000), as a
; driver polling a device that is not there would make. The monitor
; reports 20 and then says more follow; the guest exits with 4.
bits 16
org 0xf000

start:
    call setup
    mov ax, 0xa000
    mov es, ax
    mov cx, 100
.poll:
    mov al, [es:0]      ; KVM_EXIT_MMIO each time, no device
    loop .poll
    mov al, 4
    jmp exit

%include "rom16.inc"
