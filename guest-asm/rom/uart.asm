; uart.asm - the guest of chapter 11: chapter 10's machine driven the way
; an operating system drives it, with every device on an interrupt. The
; PIC, the PIT and their programming are chapter 10's (timer.asm); what
; is new is on the guest's side of COM1 and a doorbell:
;
;   COM1 output by interrupt: puts() only fills a ring in RAM and enables
;   the UART's transmitter-empty interrupt (IER bit 1); the IRQ4 handler
;   reads IIR to learn why it was called, and on THRE sends up to 16 bytes
;   (a 16550A's transmit FIFO), or turns the interrupt off when the ring is
;   empty. Input comes by the received-data interrupt, as in chapter 10.
;
;   A doorbell with a completion interrupt: a 4-byte write to the
;   virtio-mmio QueueNotify register (0xd0050) rings it, and the "device"
;   answers on IRQ5. The monitor wires both inside KVM (KVM_IOEVENTFD and
;   KVM_IRQFD on one eventfd), so neither the ring nor the answer is an exit.
;
; It runs 100 ticks of 10 ms, then waits for the ring to drain and ends
; the run through the exit port with status 0.
;
; What it prints on COM1 (lines end in LF only):
;   uart: IER reads back 0x01, IIR 0xc1: a 16550A, its FIFOs on (IIR bits 7-6 set)
;   (IIR 0xc4 instead when a byte of input came first)
;   uart: PIC vectors 0x20-0x27, PIT 100 Hz (count 11932, mode 2), COM1 on IRQ4, doorbell on IRQ5
;   uart: doorbell rung 8 times, 8 completions on IRQ5
;   uart: 25 ticks, 0.25 s            (and at 50, 75, 100)
;   uart: 100 ticks; N bytes typed, echoed by interrupt
; and each byte of standard input as it comes (not the EOT at its end).
;
; Assemble: nasm -f bin -o uart.bin uart.asm

bits 16
org 0xf000              ; the image's offset in the ROM's last 64 KiB segment

COM1        equ 0x3f8   ; serial port 1: receive/transmit register
COM1_IER    equ 0x3f9   ;   interrupt enable register
COM1_IIR    equ 0x3fa   ;   interrupt identification (read) / FIFO control (write)
COM1_MCR    equ 0x3fc   ;   modem control register
IER_RDI     equ 0x01    ;   IER bit 0: interrupt when a byte arrives
IER_THRI    equ 0x02    ;   IER bit 1: interrupt when the transmitter is empty
IIR_NONE    equ 0x01    ;   IIR bit 0: no interrupt pending
IIR_ID      equ 0x0e    ;   IIR bits 3-1: which one
IIR_RDI     equ 0x04    ;     received data available
IIR_THRI    equ 0x02    ;     transmitter holding register empty
FCR_FIFO    equ 0x07    ;   FCR: FIFOs on, both cleared
MCR_OUT2    equ 0x08    ;   MCR bit 3: on a PC, connects the UART's IRQ to the PIC
TX_FIFO     equ 16      ; bytes a 16550A takes per THRE interrupt
EOT         equ 0x04    ; what COM1 gives at the end of input
EXIT_PORT   equ 0xf4    ; kvm-steps: OUT of a byte here ends the run
PIC_CMD     equ 0x20    ; the master 8259A's command port
PIC_DATA    equ 0x21    ;   and its data port
PIC_EOI     equ 0x20    ; OCW2: non-specific end of interrupt
IRQ_BASE    equ 0x20    ; the vector of IRQ0
PIT_CH0     equ 0x40    ; the 8254's counter 0, wired to IRQ0
PIT_CTRL    equ 0x43    ;   and its control port
PIT_COUNT   equ 11932   ; 1193182 Hz / 11932 = 99.998 Hz
TICKS_END   equ 100     ; stop after this many ticks
REPORT      equ 25      ; a line every this many ticks
RINGS       equ 8       ; how many times the doorbell is rung
VIRTIO_SEG  equ 0xd000  ; 0xd0000: the virtio-mmio registers
QUEUE_NOTIFY equ 0x50   ;   the doorbell
ROM_SEG     equ 0xf000  ; segment of the ROM's copy below 1 MiB

; Variables, in RAM (DS = 0 throughout).
TICKS       equ 0x500   ; word: IRQ0s taken
TYPED       equ 0x502   ; word: bytes echoed
NEXT        equ 0x504   ; word: the tick count of the next report
DONE        equ 0x506   ; word: IRQ5s taken (doorbell completions)
HEAD        equ 0x508   ; byte: where puts() writes next in the ring
TAIL        equ 0x509   ; byte: where the THRE handler reads next
TX_ON       equ 0x50a   ; byte: 1 while the THRE interrupt is enabled
IN_HEAD     equ 0x50b   ; byte: where the IRQ4 handler puts the next byte typed
IN_TAIL     equ 0x50c   ; byte: where the main loop takes the next one to echo
RING        equ 0x600   ; 256 bytes: the output ring
IN_RING     equ 0x700   ; 256 bytes: the input ring

start:
    xor ax, ax
    mov ds, ax
    mov ss, ax
    mov sp, 0x7c00
    cld
    mov di, TICKS       ; zero the variables
    mov cx, 7
    rep stosw           ; (ES is still 0 from the reset state)
    mov word [NEXT], REPORT

    ; The IVT: every PIC vector to irq_other, then the three we use.
    mov di, IRQ_BASE * 4
    mov cx, 8
.vector:
    mov word [di], irq_other
    mov word [di + 2], ROM_SEG
    add di, 4
    loop .vector
    mov word [(IRQ_BASE + 0) * 4], irq0
    mov word [(IRQ_BASE + 4) * 4], irq4
    mov word [(IRQ_BASE + 5) * 4], irq5

    ; The PIC and the PIT, exactly as chapter 10's timer.asm.
    mov al, 0x11        ; ICW1: edge-triggered, cascade, ICW4 follows
    out PIC_CMD, al
    mov al, IRQ_BASE    ; ICW2: IRQ0 is vector 0x20
    out PIC_DATA, al
    mov al, 0x04        ; ICW3: a slave on input 2
    out PIC_DATA, al
    mov al, 0x01        ; ICW4: 8086 mode
    out PIC_DATA, al
    mov al, 0xce        ; OCW1: IRQ0, IRQ4 and IRQ5 open
    out PIC_DATA, al
    mov al, 0x34        ; counter 0, low then high byte, mode 2
    out PIT_CTRL, al
    mov ax, PIT_COUNT
    out PIT_CH0, al
    mov al, ah
    out PIT_CH0, al

    ; COM1: FIFOs on, OUT2, received-data interrupt on; read IER and IIR
    ; back, as a driver's probe does.
    mov dx, COM1_IIR
    mov al, FCR_FIFO
    out dx, al
    mov dx, COM1_MCR
    mov al, MCR_OUT2 | 0x03
    out dx, al
    mov dx, COM1_IER
    mov al, IER_RDI
    out dx, al
    in al, dx
    mov bl, al          ; BL = IER as read back
    mov dx, COM1_IIR
    in al, dx
    mov bh, al          ; BH = IIR

    sti                 ; from here on, output goes by interrupt
    mov si, msg_ier
    call puts
    mov al, bl
    call puthex8
    mov si, msg_iir
    call puts
    mov al, bh
    call puthex8
    mov si, msg_16550
    call puts
    mov si, msg_hello
    call puts

; ANCHOR: doorbell
    ; The doorbell: ring, sleep until its IRQ5 answers, eight times.
    mov ax, VIRTIO_SEG
    mov es, ax
    xor cx, cx
.ring:
    inc cx
    mov dword [es:QUEUE_NOTIFY], 0 ; ring: a 4-byte write, taken in the kernel
.answer:
    hlt                 ; wait for an interrupt...
    cmp [DONE], cx      ; ...until it is the doorbell's
    jb .answer
    cmp cx, RINGS
    jb .ring
; ANCHOR_END: doorbell
    mov si, msg_rung
    call puts
    mov ax, [DONE]
    call putdec
    mov si, msg_completions
    call puts

.sleep:
    hlt                 ; wait for the next interrupt...
    call echo           ; ...echo what was typed, between lines...
.due:
    mov ax, [TICKS]
    cmp ax, [NEXT]      ; ...then see whether a report is due
    jb .sleep
    call report         ; print it, by interrupt: the ticks go on meanwhile
    add word [NEXT], REPORT
    cmp word [NEXT], TICKS_END ; every report is made, even when ticks
    jbe .due            ; came faster than the lines went out (a slow host)

    call echo
    mov si, msg_end
    call puts
    mov ax, [TYPED]
    call putdec
    mov si, msg_typed
    call puts
.drain:
    cmp byte [TX_ON], 0 ; until the handler has sent the last byte
    je .exit
    hlt
    jmp .drain
.exit:
    cli
    mov al, 0
    out EXIT_PORT, al   ; status 0: the run ends
    hlt

; report: "uart: N ticks, S.CC s" for the tick count in NEXT.
report:
    mov si, msg_uart
    call puts
    mov ax, [NEXT]
    call putdec
    mov si, msg_ticks
    call puts
    mov ax, [NEXT]
    xor dx, dx
    mov bx, 100
    div bx              ; AX seconds, DX hundredths
    call putdec
    mov al, '.'
    call putc
    mov ax, dx
    cmp ax, 10
    jae .two
    push ax
    mov al, '0'
    call putc
    pop ax
.two:
    call putdec
    mov si, msg_seconds
    call puts
    ret

; ---- the interrupt handlers ----------------------------------------------

irq0:                   ; the PIT's tick
    push ax
    inc word [TICKS]
    mov al, PIC_EOI
    out PIC_CMD, al
    pop ax
    iret

irq5:                   ; the doorbell's completion
    push ax
    inc word [DONE]
    mov al, PIC_EOI
    out PIC_CMD, al
    pop ax
    iret

; ANCHOR: irq4
irq4:                   ; COM1: IIR says why, until it says nothing
    push ax
    push bx
    push cx
    push dx
.again:                 ; as Linux's 8250 driver, until IIR says none: a
    mov dx, COM1_IIR    ; cause left pending keeps the pin high, and an
    in al, dx           ; edge-triggered PIC would never see it again
    test al, IIR_NONE
    jnz .eoi
    and al, IIR_ID
    cmp al, IIR_RDI
    je .receive
    cmp al, IIR_THRI
    je .transmit
    jmp .eoi
.receive:
    mov dx, COM1
    in al, dx           ; take the byte: that cause is gone
    cmp al, EOT         ; the end of input is not echoed
    je .again
    mov bl, [IN_HEAD]   ; keep it for the main loop to echo: an echo
    inc bl              ; from here could land in the middle of a line
    cmp bl, [IN_TAIL]
    je .again           ; the input ring is full: the byte is dropped
    dec bl
    xor bh, bh
    mov [IN_RING + bx], al
    inc byte [IN_HEAD]
    inc word [TYPED]
    jmp .again
.transmit:              ; reading IIR cleared THRE; refill the FIFO
    mov cx, TX_FIFO     ; up to 16 bytes, as a 16550A's FIFO takes them
    mov dx, COM1
.more:
    mov bl, [TAIL]
    cmp bl, [HEAD]
    je .empty
    xor bh, bh
    mov al, [RING + bx]
    out dx, al          ; into the transmitter
    inc byte [TAIL]
    loop .more
    jmp .again
.empty:                 ; nothing left: no more THRE interrupts
    mov dx, COM1_IER
    mov al, IER_RDI
    out dx, al
    mov byte [TX_ON], 0
    jmp .again
.eoi:
    mov al, PIC_EOI
    out PIC_CMD, al
    pop dx
    pop cx
    pop bx
    pop ax
    iret
; ANCHOR_END: irq4

irq_other:              ; an IRQ nobody asked for: done at once
    push ax
    mov al, PIC_EOI
    out PIC_CMD, al
    pop ax
    iret

; echo: send what the IRQ4 handler took in; interrupts on.
echo:
    push ax
    push bx
.next:
    mov bl, [IN_TAIL]
    cmp bl, [IN_HEAD]
    je .done
    xor bh, bh
    mov al, [IN_RING + bx]
    inc byte [IN_TAIL]
    call putc
    jmp .next
.done:
    pop bx
    pop ax
    ret

; ---- output through the ring ----------------------------------------------

; ring_put: AL into the output ring; interrupts off; the ring has room.
ring_put:
    push bx
    mov bl, [HEAD]
    inc bl
    cmp bl, [TAIL]
    je .full
    dec bl
    xor bh, bh
    mov [RING + bx], al
    inc byte [HEAD]
.full:
    pop bx
    ret

; tx_start: enable the THRE interrupt if it is off; the UART raises it at
; once, its transmitter being empty. Interrupts off.
tx_start:
    cmp byte [TX_ON], 0
    jne .on
    mov byte [TX_ON], 1
    push ax
    push dx
    mov dx, COM1_IER
    mov al, IER_RDI | IER_THRI
    out dx, al
    pop dx
    pop ax
.on:
    ret

; putc: AL to COM1 by interrupt; called with interrupts on. Sleeps while
; the ring is full.
putc:
    push bx
.wait:
    cli
    mov bl, [HEAD]
    inc bl
    cmp bl, [TAIL]
    jne .room
    sti                 ; full: let the THRE handler empty some
    hlt
    jmp .wait
.room:
    call ring_put
    call tx_start
    sti
    pop bx
    ret

puts:                   ; the zero-terminated string at CS:SI
    push ax
.next:
    cs lodsb
    test al, al
    jz .end
    call putc
    jmp .next
.end:
    pop ax
    ret

putdec:                 ; AX in decimal
    push ax
    push bx
    push cx
    push dx
    mov bx, 10
    xor cx, cx
.divide:
    xor dx, dx
    div bx
    push dx
    inc cx
    test ax, ax
    jnz .divide
.print:
    pop ax
    add al, '0'
    call putc
    loop .print
    pop dx
    pop cx
    pop bx
    pop ax
    ret

puthex8:                ; AL as "0x" and two hex digits
    push ax
    push cx
    mov ah, al
    mov al, '0'
    call putc
    mov al, 'x'
    call putc
    mov cx, 2
.digit:
    rol ah, 4
    mov al, ah
    and al, 0x0f
    add al, '0'
    cmp al, '9'
    jbe .out
    add al, 'a' - '0' - 10
.out:
    call putc
    loop .digit
    pop cx
    pop ax
    ret

msg_ier:     db "uart: IER reads back ", 0
msg_iir:     db ", IIR ", 0
msg_16550:   db ": a 16550A, its FIFOs on (IIR bits 7-6 set)", 10, 0
msg_hello:   db "uart: PIC vectors 0x20-0x27, PIT 100 Hz (count 11932, mode 2), "
             db "COM1 on IRQ4, doorbell on IRQ5", 10, 0
msg_rung:    db "uart: doorbell rung 8 times, ", 0
msg_completions: db " completions on IRQ5", 10, 0
msg_uart:    db "uart: ", 0
msg_ticks:   db " ticks, ", 0
msg_seconds: db " s", 10, 0
msg_end:     db "uart: 100 ticks; ", 0
msg_typed:   db " bytes typed, echoed by interrupt", 10, 0

    times 0xff0 - ($ - $$) db 0xff ; erased flash up to the reset vector

; ---- 0xfffffff0: the reset vector ---------------------------------------
reset:
    cli
    jmp ROM_SEG:start
    times 0x1000 - ($ - $$) db 0xff
