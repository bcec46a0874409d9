; timer.asm - the guest of chapter 10: a firmware ROM that takes
; interrupts. It fills in the real-mode interrupt vector table, programs
; the 8259A PIC and the 8254 PIT the way a PC's BIOS does, enables COM1's
; received-data interrupt, and then sleeps in HLT between interrupts:
; IRQ0 ticks at 100 Hz, IRQ4 brings each typed byte, which it echoes.
; After 100 ticks (one second of PIT time) it reports and ends the run
; through the exit port with status 0.
;
; Like chapter 09's firmware, the vCPU starts at the reset vector
; 0xfffffff0 in the last 16 bytes of this image, which jump to the copy of
; the ROM below 1 MiB (segment 0xf000).
;
; What it prints on COM1 (lines end in LF only):
;   timer: PIC vectors 0x20-0x27, PIT 100 Hz (count 11932, mode 2), COM1 on IRQ4
;   timer: 25 ticks, 0.25 s            (and at 50, 75, 100)
;   timer: 100 ticks; N bytes typed, echoed by interrupt
; and each byte of standard input as it comes (the end of input, 0x04,
; is not echoed).
;
; Assemble: nasm -f bin -o timer.bin timer.asm

bits 16
org 0xf000              ; the image's offset in the ROM's last 64 KiB segment

COM1        equ 0x3f8   ; serial port 1: receive/transmit register
COM1_IER    equ 0x3f9   ;   interrupt enable register
COM1_MCR    equ 0x3fc   ;   modem control register
COM1_LSR    equ 0x3fd   ;   line status register
LSR_DR      equ 0x01    ;   LSR bit 0: a received byte is waiting
IER_RDI     equ 0x01    ;   IER bit 0: interrupt when a byte arrives
MCR_OUT2    equ 0x08    ;   MCR bit 3: on a PC, connects the UART's IRQ to the PIC
EOT         equ 0x04    ; what COM1 gives at the end of input
EXIT_PORT   equ 0xf4    ; kvm-steps: OUT of a byte here ends the run
PIC_CMD     equ 0x20    ; the master 8259A's command port
PIC_DATA    equ 0x21    ;   and its data port
PIC_EOI     equ 0x20    ; OCW2: non-specific end of interrupt
IRQ_BASE    equ 0x20    ; the vector of IRQ0 (a PC BIOS uses 0x08)
PIT_CH0     equ 0x40    ; the 8254's counter 0, wired to IRQ0
PIT_CTRL    equ 0x43    ;   and its control port
PIT_COUNT   equ 11932   ; 1193182 Hz / 11932 = 99.998 Hz
TICKS_END   equ 100     ; stop after this many ticks
REPORT      equ 25      ; a line every this many ticks
ROM_SEG     equ 0xf000  ; segment of the ROM's copy below 1 MiB

; Variables, in RAM below the stack (DS = 0 throughout).
TICKS       equ 0x500   ; word: IRQ0s taken
TYPED       equ 0x502   ; word: bytes echoed
NEXT        equ 0x504   ; word: the tick count of the next report

start:
    xor ax, ax
    mov ds, ax          ; DS = 0: addresses are physical below 64 KiB
    mov es, ax
    mov ss, ax
    mov sp, 0x7c00      ; the stack in RAM, under 0x7c00
    cld
    mov word [TICKS], 0
    mov word [TYPED], 0
    mov word [NEXT], REPORT

; ANCHOR: ivt
    ; The IVT: 256 entries of 4 bytes at 0, offset then segment. Every
    ; vector of the PIC gets a handler; IRQ0 and IRQ4 get their own.
    mov di, IRQ_BASE * 4
    mov cx, 8
.vector:
    mov word [di], irq_other ; offset...
    mov word [di + 2], ROM_SEG ; ...and segment: the ROM's copy
    add di, 4
    loop .vector
    mov word [(IRQ_BASE + 0) * 4], irq0
    mov word [(IRQ_BASE + 4) * 4], irq4

; ANCHOR_END: ivt
; ANCHOR: pic
    ; The PIC, as a PC BIOS programs it (but with IRQ0 at vector 0x20,
    ; clear of the CPU's own exceptions).
    mov al, 0x11        ; ICW1: edge-triggered, cascade, ICW4 follows
    out PIC_CMD, al
    mov al, IRQ_BASE    ; ICW2: IRQ0 is vector 0x20, IRQ7 0x27
    out PIC_DATA, al
    mov al, 0x04        ; ICW3: a slave on input 2 (a PC's wiring)
    out PIC_DATA, al
    mov al, 0x01        ; ICW4: 8086 mode, EOI by the handler
    out PIC_DATA, al
    mov al, 0xee        ; OCW1: mask everything but IRQ0 and IRQ4
    out PIC_DATA, al

; ANCHOR_END: pic
; ANCHOR: pit
    ; The PIT's counter 0: a rate generator at 100 Hz.
    mov al, 0x34        ; counter 0, low byte then high, mode 2, binary
    out PIT_CTRL, al
    mov ax, PIT_COUNT
    out PIT_CH0, al     ; low byte...
    mov al, ah
    out PIT_CH0, al     ; ...high byte: the counter starts

; ANCHOR_END: pit
; ANCHOR: com1
    ; COM1: an interrupt for each byte received.
    mov dx, COM1_MCR
    mov al, MCR_OUT2 | 0x03 ; OUT2, and DTR and RTS as a driver sets them
    out dx, al
    mov dx, COM1_IER
    mov al, IER_RDI
    out dx, al

; ANCHOR_END: com1
    mov si, msg_hello
    call puts

; ANCHOR: sleep
    sti                 ; from here on, the PIC's interrupts come in
.sleep:
    hlt                 ; wait for the next interrupt...
    mov ax, [TICKS]     ; ...then see whether a report is due
    cmp ax, [NEXT]
    jb .sleep
    cli                 ; a report is one line: no echo in the middle
    call report
    add word [NEXT], REPORT
    cmp word [TICKS], TICKS_END
    jae .done
    sti
    jmp .sleep

; ANCHOR_END: sleep
.done:
    mov si, msg_end     ; interrupts stay off: nothing more is echoed
    call puts
    mov ax, [TYPED]
    call putdec
    mov si, msg_typed
    call puts
    mov al, 0
    out EXIT_PORT, al   ; status 0: the run ends
    hlt

; report: "timer: N ticks, S.CC s" for the tick count in NEXT.
report:
    mov si, msg_timer
    call puts
    mov ax, [NEXT]
    call putdec
    mov si, msg_ticks
    call puts
    mov ax, [NEXT]      ; 100 ticks a second: seconds, then hundredths
    xor dx, dx
    mov bx, 100
    div bx
    push dx
    call putdec
    mov al, '.'
    call putc
    pop ax
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

; ANCHOR: handlers
; ---- the interrupt handlers ----------------------------------------------
; The CPU pushed FLAGS, CS and IP and cleared IF; IRET restores them.

irq0:                   ; the PIT's tick
    push ax
    inc word [TICKS]
    mov al, PIC_EOI     ; tell the PIC IRQ0 is done, or it holds back
    out PIC_CMD, al     ; every IRQ of the same or lower priority
    pop ax
    iret

irq4:                   ; COM1: a byte arrived
    push ax
    push dx
    mov dx, COM1_LSR
    in al, dx
    test al, LSR_DR     ; is it really there?
    jz .eoi
    mov dx, COM1
    in al, dx           ; take it: the UART lowers its IRQ
    cmp al, EOT         ; the end of input is not echoed
    je .eoi
    out dx, al          ; echo it
    inc word [TYPED]
.eoi:
    mov al, PIC_EOI
    out PIC_CMD, al
    pop dx
    pop ax
    iret

irq_other:              ; an IRQ nobody asked for: done at once
    push ax
    mov al, PIC_EOI
    out PIC_CMD, al
    pop ax
    iret

; ANCHOR_END: handlers
; ---- output --------------------------------------------------------------

putc:                   ; AL to COM1
    push dx
    mov dx, COM1
    out dx, al
    pop dx
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
    div bx              ; DX = the lowest digit, AX the rest
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

msg_hello:   db "timer: PIC vectors 0x20-0x27, PIT 100 Hz (count 11932, mode 2), "
             db "COM1 on IRQ4", 10, 0
msg_timer:   db "timer: ", 0
msg_ticks:   db " ticks, ", 0
msg_seconds: db " s", 10, 0
msg_end:     db "timer: 100 ticks; ", 0
msg_typed:   db " bytes typed, echoed by interrupt", 10, 0

    times 0xff0 - ($ - $$) db 0xff ; erased flash up to the reset vector

; ---- 0xfffffff0: the reset vector, the first bytes the CPU fetches -----
reset:
    cli                 ; no interrupts until the IVT is filled in
    jmp ROM_SEG:start   ; to the copy below 1 MiB
    times 0x1000 - ($ - $$) db 0xff ; to the end of the 4 KiB image
