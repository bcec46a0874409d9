; rom-unknown.asm - addresses where chapter 09 has neither memory nor a
; device: reads of 1, 2, 4 and 8 bytes give all ones, writes vanish, the
; guest goes on. Prints "FF FFFF FFFFFFFF FFFFFFFFFFFFFFFF", then the
; 4-byte reads of 0xc0000, 0xefffc and 0xd01fe (the last two bytes of the
; virtio-mmio window and two past it, in one page: one access, which
; belongs to no device as a whole), and exits with 3.
bits 16
org 0xf000

start:
    call setup
    mov ax, 0xa000
    mov es, ax          ; 0xa0000: the start of the hole
    mov byte [es:0], 0x12 ; a write of each size, all dropped
    mov word [es:2], 0x1234
    mov dword [es:4], 0x12345678
    mov al, [es:0]      ; 1 byte
    movzx eax, al
    call puthex32
    call space
    mov ax, [es:2]      ; 2 bytes
    movzx eax, ax
    call puthex32
    call space
    mov eax, [es:4]     ; 4 bytes
    call puthex32
    call space
    movq mm0, [es:8]    ; 8 bytes
    movq [0x600], mm0
    mov eax, [0x604]
    call puthex32
    mov eax, [0x600]
    call puthex32
    call newline
    mov ax, 0xc000
    mov es, ax
    mov eax, [es:0]     ; 0xc0000: where a VGA BIOS would be
    call puthex32
    call space
    mov ax, 0xe000
    mov es, ax
    mov eax, [es:0xfffc] ; 0xefffc, the hole's last 4 bytes
    call puthex32
    call space
    mov ax, 0xd000
    mov es, ax
    mov eax, [es:0x1fe] ; 0xd01fe: half in virtio-mmio's window, half past it
    call puthex32
    call newline
    mov al, 3
    jmp exit

%include "rom16.inc"
