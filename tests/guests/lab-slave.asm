; lab-slave.asm - lab 11, extra slave: programs the slave 8259A (ports
; 0xa0-0xa1) as a PC BIOS does, with IRQ8 at vector 0x70, and masks IRQ8,
; IRQ10, IRQ13 and IRQ15 (0xa5); the master gets vector 0x20 and opens
; only IRQ2, the cascade. Exits with 8 at once. With the extra written,
; the monitor's closing lines show the slave as KVM_GET_IRQCHIP reads it:
;   the kernel's PIC (KVM_GET_IRQCHIP, slave): vectors 0x70-0x77,
;   masked IRQ8 IRQ10 IRQ13 IRQ15, in service none, requests none
bits 16
org 0xf000

%include "chip16.inc"

SLAVE_CMD  equ 0xa0
SLAVE_DATA equ 0xa1

start:
    call setup
    mov ah, 0x20
    mov al, 0xfb        ; the master: only IRQ2, the cascade, open
    call pic_init
    mov al, 0x11        ; ICW1: edge, cascade, ICW4 follows
    out SLAVE_CMD, al
    mov al, 0x70        ; ICW2: IRQ8 at vector 0x70
    out SLAVE_DATA, al
    mov al, 0x02        ; ICW3: this slave hangs on the master's input 2
    out SLAVE_DATA, al
    mov al, 0x01        ; ICW4: 8086 mode
    out SLAVE_DATA, al
    mov al, 0xa5        ; OCW1: IRQ8, IRQ10, IRQ13, IRQ15 masked
    out SLAVE_DATA, al
    mov al, 8
    jmp exit

%include "rom16.inc"
