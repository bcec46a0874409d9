; firmware.asm - the guest of chapter 09: a 4 KiB firmware ROM that tries
; every kind of guest-physical address the machine has, then ends the run.
;
; The monitor puts this image at the very top of a 64 KiB read-only slot
; that ends at 4 GiB, and the same bytes again at the top of 1 MiB
; (0xf0000-0xfffff). The vCPU starts from its reset state: CS selector
; 0xf000 with base 0xffff0000, IP 0xfff0, so the first instruction is
; fetched at 0xfffffff0, from the last 16 bytes of this image. Like a PC
; BIOS, those bytes jump to the copy below 1 MiB, where real mode can
; reach everything else.
;
; What it prints on COM1 (one line each, ending in LF only):
;   the ROM read at both addresses, after a write to each was dropped;
;   RAM below 640 KiB and above 1 MiB, written and read back;
;   the hole at 0xa0000, where no device answers: all ones;
;   the VGA text screen at 0xb8000, written and read with 1, 2, 4 and 8 bytes;
;   the virtio-mmio registers at 0xd0000, and 16 rings of its doorbell.
;
; Assemble: nasm -f bin -o firmware.bin firmware.asm

bits 16
org 0xf000              ; the image's offset in the ROM's last 64 KiB segment

COM1         equ 0x3f8  ; serial port 1: the transmit register
EXIT_PORT    equ 0xf4   ; kvm-steps: OUT of a byte here ends the run
ROM_SEG      equ 0xf000 ; segment of the ROM's copy below 1 MiB (base 0xf0000)
HIGH_SEG     equ 0xffff ; FFFF:0010 is 0x100000, the first byte above 1 MiB
HOLE_SEG     equ 0xa000 ; 0xa0000: no memory and no device
VGA_SEG      equ 0xb800 ; 0xb8000: the VGA text screen
VIRTIO_SEG   equ 0xd000 ; 0xd0000: the virtio-mmio registers
QUEUE_NOTIFY equ 0x50   ; virtio-mmio's doorbell register
ATTR         equ 0x1f   ; a VGA attribute: white (0xf) on blue (0x1)
ROW          equ 160    ; bytes per screen row: 80 cells of 2 bytes
SAVED        equ 0x600  ; RAM where the first ROM reads are kept
SCRATCH      equ 0x610  ; RAM for the 8-byte values
RINGS        equ 16     ; how many times to ring the doorbell

; ---- reached from the reset vector, CS base still 0xffff0000 -----------
high_start:
    cli                 ; no interrupts: there are no handlers
    mov eax, [cs:signature] ; read the ROM below 4 GiB: memory, no exit
    mov [SAVED], eax    ; keep it in RAM (DS base is 0 at reset)
    mov byte [cs:signature], 0 ; write it: KVM_EXIT_MMIO, dropped
    mov eax, [cs:signature] ; read it again: unchanged
    mov [SAVED + 4], eax
    jmp ROM_SEG:start   ; far jump: CS = 0xf000, base 0xf0000, the copy

; ---- from here on, real mode as every boot loader knows it ----------------
start:
    xor ax, ax
    mov ds, ax          ; DS = 0: data addresses are physical
    mov ss, ax          ; the stack in RAM, below 0x7c00
    mov sp, 0x7c00
    cld                 ; string instructions walk forwards

    ; The ROM, through its copy below 1 MiB.
    mov byte [cs:signature], 0 ; a write to the copy: also dropped
    mov si, msg_rom
    call puts
    mov eax, [SAVED]    ; what the first read below 4 GiB saw
    call put4
    mov si, msg_then
    call puts
    mov eax, [SAVED + 4] ; after the write there
    call put4
    mov si, msg_alias
    call puts
    mov eax, [cs:signature] ; after the write here
    call put4
    call newline

    ; RAM on both sides of the hole.
    mov dword [0x500], 0x600dcafe ; below 640 KiB: no exit
    mov si, msg_low
    call puts
    mov eax, [0x500]
    call puthex32
    call newline
    mov ax, HIGH_SEG
    mov es, ax
    mov dword [es:0x10], 0x12345678 ; 0x100000: no exit either
    mov si, msg_high
    call puts
    mov eax, [es:0x10]
    call puthex32
    call newline

    ; The hole: nobody answers.
    mov ax, HOLE_SEG
    mov es, ax
    mov dword [es:0], 0 ; KVM_EXIT_MMIO, no device: dropped, reported
    mov si, msg_hole
    call puts
    mov eax, [es:0]     ; KVM_EXIT_MMIO, no device: all ones, reported
    call puthex32
    call newline

    ; The VGA text screen: a title on row 0, one exit per cell.
    mov ax, VGA_SEG
    mov es, ax
    mov si, title
    xor di, di          ; row 0, column 0
.title:
    cs lodsb            ; AL = next character of the title, from the ROM
    test al, al
    jz .sizes
    mov ah, ATTR        ; AX = attribute:character, one cell
    mov [es:di], ax     ; a 2-byte write: KVM_EXIT_MMIO (or the ring)
    add di, 2
    jmp .title
.sizes:
    ; Row 2: one write of each size, then one read of each.
    mov byte [es:2*ROW], 'b'              ; 1 byte: a character alone
    mov byte [es:2*ROW+1], ATTR           ; 1 byte: its attribute
    mov word [es:2*ROW+2], ATTR << 8 | 'w' ; 2 bytes: one cell
    mov dword [es:2*ROW+4], (ATTR << 8 | 'd') * 0x10001 ; 4 bytes: two cells
    mov dword [SCRATCH], (ATTR << 8 | 'q') * 0x10001
    mov dword [SCRATCH + 4], (ATTR << 8 | 'q') * 0x10001
    movq mm0, [SCRATCH] ; an MMX register: 8 bytes from RAM, no exit
    movq [es:2*ROW+8], mm0 ; 8 bytes: four cells, one exit
    mov si, msg_vga
    call puts
    mov al, [es:2*ROW]  ; read back 1 byte
    movzx eax, al
    call puthex32
    mov si, msg_2
    call puts
    mov ax, [es:2*ROW+2] ; 2 bytes
    movzx eax, ax
    call puthex32
    mov si, msg_4
    call puts
    mov eax, [es:2*ROW+4] ; 4 bytes
    call puthex32
    mov si, msg_8
    call puts
    movq mm1, [es:2*ROW+8] ; 8 bytes, one exit
    movq [SCRATCH], mm1 ; to RAM, to print it in two halves
                        ; (no EMMS after: nothing here uses the x87 again,
                        ; and KVM's instruction emulator, which runs this
                        ; code on software backends, has no EMMS)
    mov eax, [SCRATCH + 4] ; the high half first
    call puthex32
    mov eax, [SCRATCH]
    call puthex32
    call newline

    ; virtio-mmio: four registers, then the doorbell.
    mov ax, VIRTIO_SEG
    mov es, ax
    mov si, msg_magic
    call puts
    mov eax, [es:0x000] ; MagicValue: "virt"
    call put4
    mov si, msg_version
    call puts
    mov eax, [es:0x004] ; Version: 2
    call puthex32
    mov si, msg_device
    call puts
    mov eax, [es:0x008] ; DeviceID: 0, a placeholder
    call puthex32
    mov si, msg_vendor
    call puts
    mov eax, [es:0x00c] ; VendorID: "KVMS"
    call put4
    call newline
    mov cx, RINGS
.ring:
    mov dword [es:QUEUE_NOTIFY], 0 ; queue 0 has work: an exit, or the eventfd
    loop .ring
    mov si, msg_rang
    call puts

    mov al, 0           ; exit status 0
    out EXIT_PORT, al   ; ends the run
.halt:
    hlt                 ; never reached under kvm-steps
    jmp .halt

; puts: send the zero-terminated string at CS:SI (in the ROM) to COM1.
puts:
    push ax
.next:
    cs lodsb            ; AL = [CS:SI], SI += 1
    test al, al
    jz .end
    call putc
    jmp .next
.end:
    pop ax
    ret

; putc: send AL to COM1 (kvm-steps' COM1 is always ready to send).
putc:
    push dx
    mov dx, COM1
    out dx, al          ; KVM_EXIT_IO, size 1
    pop dx
    ret

newline:
    push ax
    mov al, 10
    call putc
    pop ax
    ret

; put4: send the four bytes of EAX as characters, lowest first.
put4:
    push eax
    push cx
    mov cx, 4
.byte:
    call putc           ; AL: the lowest byte left
    shr eax, 8
    loop .byte
    pop cx
    pop eax
    ret

; puthex32: send EAX as eight upper-case hex digits.
puthex32:
    push eax
    push cx
    mov cx, 8           ; eight nibbles, the highest first
.digit:
    rol eax, 4          ; bring the next nibble to the bottom
    push eax
    and al, 0x0f
    add al, '0'
    cmp al, '9'
    jbe .out
    add al, 'A' - '0' - 10
.out:
    call putc
    pop eax
    loop .digit
    pop cx
    pop eax
    ret

signature:   db "KVM9"
msg_rom:     db "ROM below 4 GiB reads ", 0
msg_then:    db ", after a write ", 0
msg_alias:   db "; its copy at 0xf0000 after a write ", 0
msg_low:     db "RAM at 0x500 reads ", 0
msg_high:    db "RAM at 0x100000 reads ", 0
msg_hole:    db "no device at 0xa0000 reads ", 0
msg_vga:     db "VGA at 0xb8000+320 reads 1 byte ", 0
msg_2:       db ", 2 bytes ", 0
msg_4:       db ", 4 bytes ", 0
msg_8:       db ", 8 bytes ", 0
msg_magic:   db "virtio-mmio at 0xd0000: magic ", 0
msg_version: db ", version ", 0
msg_device:  db ", device ", 0
msg_vendor:  db ", vendor ", 0
msg_rang:    db "doorbell rung 16 times", 10, 0
title:       db "kvm-steps chapter 09: this screen is memory at 0xb8000", 0

    times 0xff0 - ($ - $$) db 0xff ; erased flash up to the reset vector

; ---- 0xfffffff0: the reset vector, the first bytes the CPU fetches -----
reset:
    jmp near high_start ; a near jump keeps CS base 0xffff0000
    times 0x1000 - ($ - $$) db 0xff ; to the end of the 4 KiB image
