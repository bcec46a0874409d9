; rom-loop.asm - writes the screen's first cell forever: a guest that
; never stops. The monitor's --timeout must stop it (status 124), with
; coalesced MMIO on or off.
bits 16
org 0xf000

start:
    call setup
    mov ax, 0xb800
    mov es, ax
.again:
    inc byte [es:0]     ; read, then write, the first character: two exits
    jmp .again

%include "rom16.inc"
