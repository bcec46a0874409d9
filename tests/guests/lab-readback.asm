; lab-readback.asm - lab 10's extra "readback": the 8254's read-back
; command. A control word of 11 in bits 7-6 is not a counter's: bits 3-1
; pick counters (bit 1 counter 0), bit 5 clear latches their counts and
; bit 4 clear their status bytes. A latched status reads first: bit 7 the
; output, bit 6 "null count" (a count written, not yet loaded), bits 5-4
; the access mode, 3-1 the mode, 0 BCD. The guest programs counter 0 in
; mode 2 with a count of 0x1234, latches its status and count with 0xc2,
; reads the status (the output bit masked) and the count, and prints
; "status 34, count below 1235: yes" and exits with status 7. Where the
; command is not modelled the status reads as the count's low byte.
bits 16
org 0xf000

start:
    call setup
    mov al, 0x34        ; counter 0, low then high byte, mode 2, binary
    mov cx, 0x1234
    call pit_start
    mov al, 0xc2        ; read-back: latch count and status of counter 0
    out PIT_CTRL, al
    in al, PIT_CH0      ; the status byte first
    and al, 0x7f        ; the output pin's state depends on the moment
    mov si, msg_status
    call puts
    call puthex8
    in al, PIT_CH0      ; then the count: low byte...
    mov bl, al
    in al, PIT_CH0      ; ...and high byte
    mov bh, al
    mov si, msg_count
    call puts
    cmp bx, 0x1235      ; a count of 0x1234 counts 0x1234 down to 1
    jb .below
    mov si, msg_no
    jmp .said
.below:
    mov si, msg_yes
.said:
    call puts
    mov al, 7
    jmp exit

msg_status: db "status ", 0
msg_count:  db ", count below 1235: ", 0
msg_yes:    db "yes", 10, 0
msg_no:     db "no", 10, 0

%include "irq16.inc"
%include "rom16.inc"
