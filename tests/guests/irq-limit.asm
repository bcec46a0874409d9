; irq-limit.asm - an IRQ whose vector lies past the end of the interrupt
; vector table (chapter 10). The guest shrinks the table with lidt to 32
; entries (limit 0x7f: vectors 0x00-0x1f) and leaves the PIC's IRQ0 at
; vector 0x20. What the CPU does then depends on the backend (the tests
; say what each does); to make it visible, vector 13 (#GP) has a handler
; that exits with status 13, and address 0 (where a zero entry would
; lead) holds "mov al, 42; out 0xf4, al".
bits 16
org 0xf000

start:
    call setup
    mov dword [0], 0xf4e62ab0 ; mov al, 42; out 0xf4, al
    mov bl, 13
    mov ax, on_gp
    call set_vector
    lidt [cs:ivt32]     ; 32 entries only
    mov al, 0xfe        ; IRQ0 only
    call pic_init
    mov al, 0x34        ; counter 0, mode 2, 1 kHz
    mov cx, 1193
    call pit_start
    sti
.sleep:
    hlt
    jmp .sleep

on_gp:
    mov al, 13
    jmp exit

ivt32: dw 32 * 4 - 1    ; the limit
       dd 0             ; the base

%include "irq16.inc"
%include "rom16.inc"
