; rom-ring.asm - 300 writes to the VGA text screen with no exit between
; them, to fill the coalesced MMIO ring: with --coalesced-mmio the ring
; takes writes until it is full, the next write exits, and the monitor
; drains the ring before it handles that exit. Prints "ring" and halts.
bits 16
org 0xf000

start:
    call setup
    mov ax, 0xb800
    mov es, ax
    xor di, di
    mov cx, 300
    mov ax, 0x1f2a      ; '*' white on blue
.cell:
    mov [es:di], ax     ; one cell: 2 bytes
    add di, 2
    loop .cell
    mov si, done
    call puts
    hlt

done: db "ring", 10, 0

%include "rom16.inc"
