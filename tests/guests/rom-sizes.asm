; rom-sizes.asm - every access size at each MMIO device of chapter 09, and
; each virtio-mmio register. Prints one line per check, exits with 9.
;   VGA text (0xb8000): writes of 1, 2, 4 and 8 bytes, aligned and not,
;     read back with each size; the window's last 8 bytes; 4 bytes that
;     cross out of the window at 0xbfffe (half the screen's, half nobody's).
;   virtio-mmio (0xd0000): MagicValue, Version, DeviceID, VendorID,
;     QueueNotify (write-only: reads 0), an offset with no register (0),
;     a write to MagicValue (ignored), and accesses of the wrong size or
;     alignment (read 0).
bits 16
org 0xf000

start:
    call setup
    mov ax, 0xb800
    mov es, ax          ; ES: the VGA text screen

    ; 1 byte written, 1 byte read
    mov byte [es:0x10], 0xa1
    mov al, [es:0x10]
    movzx eax, al
    call puthex32       ; 000000A1
    call space
    ; 2 bytes at an odd address: the attribute of one cell, the character of the next
    mov word [es:0x21], 0xb2c3
    mov ax, [es:0x21]
    movzx eax, ax
    call puthex32       ; 0000B2C3
    call space
    ; 4 bytes at offset 3, read back as 1 + 2 + 1 bytes
    mov dword [es:0x33], 0xd4e5f607
    mov al, [es:0x36]   ; the top byte alone
    movzx eax, al
    call puthex32       ; 000000D4
    call space
    mov ax, [es:0x34]   ; the middle two
    movzx eax, ax
    call puthex32       ; 0000E5F6
    call space
    ; 8 bytes, through an MMX register, read back as two dwords
    mov dword [0x600], 0x89abcdef
    mov dword [0x604], 0x01234567
    movq mm0, [0x600]
    movq [es:0x40], mm0
    mov eax, [es:0x44]
    call puthex32       ; 01234567
    mov eax, [es:0x40]
    call puthex32       ; 89ABCDEF
    call newline

    ; the window's last 8 bytes, 0xbfff8-0xbffff: still the screen's
    movq [es:0x7ff8], mm0
    movq mm1, [es:0x7ff8]
    movq [0x608], mm1
    mov eax, [0x60c]
    call puthex32       ; 01234567
    mov eax, [0x608]
    call puthex32       ; 89ABCDEF
    call space
    ; 4 bytes at 0xbfffe: two inside the window, two past its end
    mov dword [es:0x7ffe], 0x11223344
    mov eax, [es:0x7ffe]
    call puthex32       ; FFFF3344: the upper half is nobody's
    call newline

    ; virtio-mmio
    mov ax, 0xd000
    mov es, ax
    mov eax, [es:0x000] ; MagicValue
    call puthex32       ; 74726976
    call space
    mov eax, [es:0x004] ; Version
    call puthex32       ; 00000002
    call space
    mov eax, [es:0x008] ; DeviceID
    call puthex32       ; 00000000
    call space
    mov eax, [es:0x00c] ; VendorID
    call puthex32       ; 534D564B
    call space
    mov dword [es:0x050], 7 ; QueueNotify: queue 7
    mov eax, [es:0x050] ; write-only: reads 0
    call puthex32       ; 00000000
    call space
    mov eax, [es:0x100] ; no register here
    call puthex32       ; 00000000
    call space
    mov dword [es:0x000], 0 ; MagicValue is read-only
    mov eax, [es:0x000]
    call puthex32       ; 74726976
    call newline
    mov ax, [es:0x000]  ; 2 bytes: the wrong size
    movzx eax, ax
    call puthex32       ; 00000000
    call space
    mov eax, [es:0x002] ; 4 bytes, not aligned
    call puthex32       ; 00000000
    call space
    mov al, [es:0x004]  ; 1 byte
    movzx eax, al
    call puthex32       ; 00000000
    call space
    movq mm2, [es:0x008] ; 8 bytes
    movq [0x610], mm2
    mov eax, [0x610]
    or eax, [0x614]
    call puthex32       ; 00000000
    call newline

    mov al, 9
    jmp exit

%include "rom16.inc"
