; beyond-ram.asm - write one byte just past the end of guest RAM, where
; there is no memory and no device: KVM_EXIT_MMIO. Appendix A of the book
; runs it to show how a monitor reports an exit it does not handle.
;
; Flat binary, loaded at guest-physical 0x7c00 and entered at 0000:7c00 in
; real mode. Assemble: nasm -f bin -o beyond-ram.bin beyond-ram.asm

bits 16
org 0x7c00

start:
    mov ax, 0xffff      ; segment 0xffff: base 0xffff * 16 = 0xffff0
    mov ds, ax
    mov byte [0x10], 42 ; 0xffff0 + 0x10 = 0x100000, the first byte past
                        ; the 1 MiB of RAM: no memslot covers it, so KVM
                        ; exits to the monitor with KVM_EXIT_MMIO
    hlt                 ; reached only if the monitor completes the write
