; lab-queues.asm - lab 11, extra doorbell2: two queues on one doorbell.
; A 4-byte write of N to QueueNotify (0xd0050) rings queue N. With the
; extra written, queue 0's writes go through the first eventfd, answered
; on IRQ5, and queue 1's through a second one (KVM_IOEVENTFD_FLAG_DATAMATCH,
; datamatch 1), answered on IRQ6 by its own irqfd; the untouched chapter
; answers every ring on IRQ5. Rings queue 0, 1, 1, 0, each time sleeping
; until one of the two answers, then prints
;   IRQ5 2, IRQ6 2
; (the untouched chapter: IRQ5 4, IRQ6 0) and exits with 6.
bits 16
org 0xf000

%include "chip16.inc"

DONE5 equ 0x500         ; word: IRQ5s taken
DONE6 equ 0x502         ; word: IRQ6s taken

start:
    call setup
    mov word [DONE5], 0
    mov word [DONE6], 0
    mov bl, 0x25
    mov ax, irq5
    call set_vector
    mov bl, 0x26
    mov ax, irq6
    call set_vector
    mov ah, 0x20
    mov al, 0x9f        ; IRQ5 and IRQ6 open
    call pic_init
    mov ax, VIRTIO_SEG
    mov es, ax
    xor eax, eax
    call ring           ; queue 0
    inc eax
    call ring           ; queue 1
    call ring           ; queue 1
    dec eax
    call ring           ; queue 0

    mov si, msg5
    call puts
    mov al, [DONE5]
    add al, '0'
    call putc
    mov si, msg6
    call puts
    mov al, [DONE6]
    add al, '0'
    call putc
    call newline
    mov al, 6
    jmp exit

; ring: write EAX (the queue) to QueueNotify, then sleep until IRQ5 or
; IRQ6 answers; interrupts off again after.
ring:
    push bx
    mov bx, [DONE5]
    add bx, [DONE6]
    mov [es:QUEUE_NOTIFY], eax
.wait:
    sti
    hlt                 ; sti's shadow covers hlt: no wake-up is lost
    cli
    push ax
    mov ax, [DONE5]
    add ax, [DONE6]
    cmp ax, bx
    pop ax
    je .wait
    pop bx
    ret

irq5:
    push ax
    inc word [DONE5]
    mov al, PIC_EOI
    out PIC_CMD, al
    pop ax
    iret

irq6:
    push ax
    inc word [DONE6]
    mov al, PIC_EOI
    out PIC_CMD, al
    pop ax
    iret

msg5: db "IRQ5 ", 0
msg6: db ", IRQ6 ", 0

%include "rom16.inc"
