; lab-datamatch.asm - for lab 09's extra "datamatch": rings the virtio-mmio
; doorbell (QueueNotify, 0xd0050) four times for queue 0 and three times
; for queue 1, then exits with 6. With the extra and --ioeventfd, only
; queue 0's rings go through the eventfd; queue 1's exit to the monitor.
bits 16
org 0xf000

start:
    call setup
    mov ax, 0xd000
    mov es, ax
    mov cx, 4
.queue0:
    mov dword [es:0x50], 0 ; queue 0
    loop .queue0
    mov cx, 3
.queue1:
    mov dword [es:0x50], 1 ; queue 1
    loop .queue1
    mov al, 6
    jmp exit

%include "rom16.inc"
