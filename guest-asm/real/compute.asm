; compute.asm - the guest of chapters 03 to 06: add up 1 + 2 + ... + 100
; and halt, leaving the sum (5050, 0x13ba) in AX for the host to read.
;
; Flat binary, loaded at guest-physical 0x7c00 and entered at 0000:7c00 in
; real mode, like a boot sector. Assemble: nasm -f bin -o compute.bin compute.asm

bits 16                 ; real mode: 16-bit instructions and registers
org 0x7c00              ; labels are addresses where the code is loaded

start:
    xor ax, ax          ; AX holds the running sum: start at 0
    mov cx, 100         ; CX is the next number to add, counting down
.add:
    add ax, cx          ; sum += CX
    loop .add           ; CX -= 1, and go round again while CX is not 0
    hlt                 ; stop: with no interrupt controller in the kernel,
                        ; KVM_RUN returns to the host with KVM_EXIT_HLT
    jmp start           ; not reached: were the CPU woken, start over

times 510 - ($ - $$) db 0   ; pad to byte 510 of the 512-byte sector
dw 0xaa55                   ; the boot signature a BIOS looks for (bytes 55 aa)
