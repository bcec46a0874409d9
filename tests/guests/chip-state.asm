; chip-state.asm - leaves the kernel's PIC in a state nobody else would:
; IRQ0 at vector 0x40, the mask 0xd9 (IRQ1, IRQ2 and IRQ5 open), and IRQ5
; in service: the doorbell is rung, its completion (an irqfd) is taken,
; and the handler ends the run through the exit port, status 5, without
; an EOI. What the monitor reads back with KVM_GET_IRQCHIP must say:
;   vectors 0x40-0x47, masked IRQ0 IRQ3 IRQ4 IRQ6 IRQ7, in service IRQ5,
;   requests none, edge-triggered
; Prints "ringing", then "IRQ5" from the handler.
bits 16
org 0xf000

%include "chip16.inc"

start:
    call setup
    mov bl, 0x45        ; IRQ5's vector, with IRQ0 at 0x40
    mov ax, irq5
    call set_vector
    mov ah, 0x40
    mov al, 0xd9        ; 1101 1001: IRQ1, IRQ2, IRQ5 open
    call pic_init
    mov si, msg_ring
    call puts
    mov ax, VIRTIO_SEG
    mov es, ax
    mov dword [es:QUEUE_NOTIFY], 0 ; ring: the kernel signals the eventfd
    sti
.wait:
    hlt                 ; until IRQ5 comes
    jmp .wait

irq5:                   ; the completion: no EOI, so IRQ5 stays in service
    mov si, msg_irq5
    call puts
    mov al, 5
    jmp exit

msg_ring: db "ringing", 10, 0
msg_irq5: db "IRQ5", 10, 0

%include "rom16.inc"
