; first.asm - the smallest guest that prints: a template for your own.
; Copy it, change the message or the code between start and the exit, and
; run it with: nasm -f bin -o my.bin my.asm && build/bin/07-io-exits my.bin
;
; The monitor loads the image at guest-physical 0x7c00 and starts it at
; 0000:7c00 in real mode (README, "Guest conventions").

; ANCHOR: template
bits 16                 ; real mode runs 16-bit code: tell nasm so
org 0x7c00              ; the image sits at 0x7c00: labels count from there

start:
    ; CS is 0 and IP 0x7c00. KVM's reset state leaves DS, ES, SS, FS
    ; and GS at selector 0, base 0, and SP is 0x7c00; a BIOS promises
    ; less, so a guest that also boots under QEMU sets what it uses.
    xor ax, ax
    mov ds, ax          ; DS:SI is where lodsb reads the message
    mov ss, ax          ; SS:SP is the stack, just below the image
    mov sp, 0x7c00

    mov si, msg         ; the address of msg: 0x7c00 + its offset
    mov dx, 0x3f8       ; COM1's data register: OUT prints a byte
.next:
    lodsb               ; al = [ds:si], si = si + 1
    test al, al         ; the 0 at the end of msg?
    jz .done
    out dx, al          ; this monitor's COM1 is always ready; on a real
    jmp .next           ; 16550 poll 0x3fd first (hello.asm does)
.done:
    mov al, 0
    out 0xf4, al        ; the exit port: the run ends, status 0
    hlt                 ; never reached here; HLT would end it too

msg: db "Hello from my first guest", 13, 10, 0
; ANCHOR_END: template
