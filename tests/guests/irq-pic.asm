; irq-pic.asm - the 8259A's registers and priorities (chapter 10), with
; two sources: IRQ0 from the PIT at 100 Hz and IRQ4 from COM1, one per
; byte of standard input (the test gives it four; IRQ4's handler turns
; COM1's interrupt off, and each round on again; IRQ0's masks IRQ0, and
; each round unmasks it). In each of four
; rounds the guest, with IF = 0, waits until IRR holds both requests,
; then does sti and notes the order the handlers run in:
;   round 1  at power-on priority (IRQ0 highest): 0 then 4; IRQ0's handler
;            reads ISR before and after a specific EOI (0x60)
;   round 2  after OCW2 0xc3 (IRQ3 the lowest, so IRQ4 the highest): 4, 0
;   round 3  after OCW2 0xc7 (IRQ7 the lowest again): 0, 4; IRQ0's handler
;            ends with a rotating EOI (0xa0): IRQ0 becomes the lowest
;   round 4  no command: 4 then 0, from that rotation
; Prints "IRR 11 ISR 00; in IRQ0's handler ISR 01, after its specific EOI
; 00; order 04 40 04 40" and exits with status 0.
bits 16
org 0xf000

EOI0      equ 0x502     ; byte: the OCW2 IRQ0's handler sends
SLOT      equ 0x504     ; word: where the next digit goes
LIMIT     equ 0x50c     ; word: SLOT may not reach it (two digits a round)
ORDER     equ 0x510     ; the order the handlers ran in, as digits
SEEN_IRR  equ 0x506     ; byte: IRR when both were requested (round 1)
SEEN_ISR  equ 0x507     ; byte: ISR then
ISR_IN    equ 0x508     ; byte: ISR in IRQ0's handler (round 1)
ISR_AFTER equ 0x509     ; byte: and after its EOI
ROUND     equ 0x50a     ; byte: 1 to 4

start:
    call setup
    mov word [SLOT], ORDER
    mov byte [ROUND], 1
    mov byte [EOI0], 0x60 ; round 1: the specific EOI of IRQ0
    mov bl, IRQ_BASE
    mov ax, irq0
    call set_vector
    mov bl, IRQ_BASE + 4
    mov ax, irq4
    call set_vector
    mov al, 0xee        ; IRQ0 and IRQ4
    call pic_init
    mov dx, COM1_MCR
    mov al, 0x08        ; OUT2: COM1's interrupt reaches the PIC
    out dx, al
    mov al, 0x34        ; counter 0, mode 2, 100 Hz: a tick comes
    mov cx, 11932       ; long after both handlers are done
    call pit_start

    call both           ; round 1
    mov [SEEN_IRR], al
    mov al, OCW3_ISR
    out PIC_CMD, al
    in al, PIC_CMD
    mov [SEEN_ISR], al
    call take_two

    mov byte [EOI0], PIC_EOI
    mov al, 0xc3        ; round 2: IRQ3 the lowest
    out PIC_CMD, al
    call both
    call take_two

    mov al, 0xc7        ; round 3: IRQ7 the lowest, as after ICW1
    out PIC_CMD, al
    mov byte [EOI0], 0xa0 ; IRQ0 ends with a rotating EOI
    call both
    call take_two

    mov byte [EOI0], PIC_EOI
    call both           ; round 4: IRQ0 the lowest since its EOI
    call take_two

    mov si, msg_irr
    call puts
    mov al, [SEEN_IRR]
    call puthex8
    mov si, msg_isr
    call puts
    mov al, [SEEN_ISR]
    call puthex8
    mov si, msg_in
    call puts
    mov al, [ISR_IN]
    call puthex8
    mov si, msg_after
    call puts
    mov al, [ISR_AFTER]
    call puthex8
    mov si, msg_order
    call puts
    mov si, ORDER
    mov cx, 8
.order:
    mov al, [si]
    call putc
    inc si
    test cx, 1          ; a space after each pair but the last
    jz .next
    cmp cx, 1
    je .next
    mov al, ' '
    call putc
.next:
    loop .order
    call newline
    mov al, 0
    jmp exit

; both: with IF = 0, wait until IRR holds IRQ0 and IRQ4; AL = IRR.
both:
    cli
    mov al, 0xee        ; IRQ0 unmasked again (its handler masks it: one
    out PIC_DATA, al    ; IRQ0 a round, however slowly the handlers run)
    mov dx, COM1_IER
    mov al, 0x01        ; an interrupt when a byte arrives (IRQ4's handler
    out dx, al          ; turns it off: one IRQ4 a round)
.poll:
    mov al, OCW3_IRR
    out PIC_CMD, al
    in al, PIC_CMD
    mov ah, al
    and ah, 0x11
    cmp ah, 0x11
    jne .poll
    ret

; take_two: let both in, then wait until both handlers have run.
take_two:
    mov bx, [SLOT]
    add bx, 2           ; where SLOT will be then
    mov [LIMIT], bx     ; a third interrupt, if one came, is not noted
    sti
.wait:
    cmp [SLOT], bx
    jb .wait
    cli
    inc byte [ROUND]
    ret

irq0:
    push ax
    push bx
    mov bx, [SLOT]
    cmp bx, [LIMIT]
    jae .noted
    mov byte [bx], '0'
    inc word [SLOT]
.noted:
    cmp byte [ROUND], 1
    jne .eoi
    mov al, OCW3_ISR
    out PIC_CMD, al
    in al, PIC_CMD
    mov [ISR_IN], al
.eoi:
    mov al, 0xef        ; IRQ0 masked until the next round: a tick that
    out PIC_DATA, al    ; came meanwhile would go before IRQ4 in round 1
    mov al, [EOI0]
    out PIC_CMD, al
    cmp byte [ROUND], 1
    jne .done
    in al, PIC_CMD      ; OCW3 still selects ISR
    mov [ISR_AFTER], al
.done:
    mov al, OCW3_IRR
    out PIC_CMD, al
    pop bx
    pop ax
    iret

irq4:
    push ax
    push bx
    push dx
    mov bx, [SLOT]
    cmp bx, [LIMIT]
    jae .noted
    mov byte [bx], '4'
    inc word [SLOT]
.noted:
    mov dx, COM1_IER
    mov al, 0           ; no IRQ4 for the next byte until the next round:
    out dx, al          ; it would go before IRQ0 in rounds 2 and 4
    mov dx, COM1
    in al, dx           ; take the byte
    mov al, PIC_EOI
    out PIC_CMD, al
    pop dx
    pop bx
    pop ax
    iret

msg_irr:   db "IRR ", 0
msg_isr:   db " ISR ", 0
msg_in:    db "; in IRQ0's handler ISR ", 0
msg_after: db ", after its specific EOI ", 0
msg_order: db "; order ", 0

%include "irq16.inc"
%include "rom16.inc"
