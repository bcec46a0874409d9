; chip-uart.asm - COM1's interrupt identification, cause by cause, with
; interrupts off (the pin's values are read in IIR, not taken): run with
; standard input at its end (/dev/null), so that one byte, the EOT, waits
; in the receive register from the start. Each value is kept in RAM and
; printed at the end: a byte written to COM1 would raise THRE again.
; Prints one line, the values in this order, and exits with 11:
;   IIR, nothing enabled                         01
;   IER read back after writing THRI (0x02)      02
;   IIR: THRE, raised as THRI is turned on       02
;   IIR again: the read cleared THRE             01
;   (a byte written to THR: '*')
;   IIR: THRE again, the byte sent at once       02
;   (another byte, then IER = RDI | THRI)
;   IIR: received data comes first               04
;   IIR again: reading it clears neither         04
;   RBR: the byte, EOT                           04
;   IIR: now THRE                                02
;   IIR: nothing left                            01
;   LSR: no data ready, transmitter empty        60
;   IER after writing 0xff: bits 7-4 read 0      0F
;   IIR with IER 0 and the FIFOs on (FCR 1)      C1
bits 16
org 0xf000

%include "chip16.inc"

VALUES equ 0x600        ; the bytes read, in order
COUNT  equ 13

start:
    call setup
    mov di, VALUES      ; ES = 0 from the reset state: stosb into RAM
    cli
    mov dx, COM1_IER
    xor al, al
    out dx, al          ; IER 0
    mov dx, COM1_IIR
    out dx, al          ; FCR 0: FIFOs off, IIR bits 7-6 clear
    in al, dx
    stosb               ; 01

    mov dx, COM1_IER
    mov al, IER_THRI
    out dx, al          ; THRI on, with the transmitter empty
    in al, dx
    stosb               ; 02: IER reads back
    mov dx, COM1_IIR
    in al, dx
    stosb               ; 02: THRE at once
    in al, dx
    stosb               ; 01: cleared by the read

    mov al, '*'
    call putc           ; THR written: empty again at once
    mov dx, COM1_IIR
    in al, dx
    stosb               ; 02

    mov al, '*'
    call putc           ; THRE pending again, unread
    mov dx, COM1_IER
    mov al, IER_RDI | IER_THRI
    out dx, al          ; THRI was on already: nothing new raised
    mov dx, COM1_IIR
    in al, dx
    stosb               ; 04: received data first
    in al, dx
    stosb               ; 04: still
    mov dx, COM1
    in al, dx
    stosb               ; 04: the EOT
    mov dx, COM1_IIR
    in al, dx
    stosb               ; 02: THRE's turn
    in al, dx
    stosb               ; 01
    mov dx, COM1_LSR
    in al, dx
    stosb               ; 60

    mov dx, COM1_IER
    mov al, 0xff
    out dx, al
    in al, dx
    stosb               ; 0F
    xor al, al
    out dx, al          ; IER 0: no interrupt from here on
    mov dx, COM1_IIR
    mov al, 0x01
    out dx, al          ; FCR: FIFOs on
    in al, dx
    stosb               ; C1

    call newline
    mov si, VALUES
    mov cx, COUNT
.print:
    lodsb
    call puthex8
    call space
    loop .print
    call newline
    mov al, 11
    jmp exit

%include "rom16.inc"
