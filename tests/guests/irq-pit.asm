; irq-pit.asm - the 8254 PIT's counts, as a guest reads them (chapter 10),
; on counter 2 (on a PC the speaker's: no IRQ) and counter 0 (the PIC is
; never programmed, so its IRQ0 goes nowhere). The guest checks each
; claim itself and prints one line per claim, "yes" or "NO":
;   mode 0 counts down: yes          two latched reads, the second lower
;   a latch holds its count: yes     a count latched, then read 1000 clocks
;                                    later (timed on counter 0's latched counts), is 1000
;                                    above the live count
;   mode 2 stays within 1..1000: yes 20 latched reads of count 1000
;   mode 3 counts by twos: yes       20 latched reads of count 1000: even, 2..1000
;   count 0 is 65536: yes            just loaded with 0, it reads above 0xf000
;   port 0x43 reads 0xff: yes
; then exits with status 0.
bits 16
org 0xf000

start:
    call setup
    ; counter 0 as a clock for what follows: mode 2, the longest period
    mov al, 0x34
    mov cx, 0           ; 65536
    call pit_start

    ; 1. mode 0: latched reads go down
    mov al, 0xb0        ; counter 2, low then high byte, mode 0
    mov cx, 0xffff
    call c2_start
    call c2_latched
    mov dx, bx          ; the first read
    mov cx, 20
.delay:
    in al, PIC_DATA     ; an exit each: time passes
    loop .delay
    call c2_latched
    mov si, msg_mode0
    cmp bx, dx
    call verdict_below  ; yes if BX < DX

    ; 2. a latch holds: latch, wait 1000 clocks, read it and the live count
    mov al, 0xb0
    mov cx, 0xffff
    call c2_start
    mov al, 0x80        ; latch counter 2
    out PIT_CTRL, al
    call c0_latched
    mov di, bx          ; counter 0 now
.wait:
    call c0_latched
    mov ax, di
    sub ax, bx          ; clocks since (mode 2 counts down; a reload wraps)
    cmp ax, 1000
    jb .wait
    call c2_read        ; the latched count...
    mov dx, bx
    call c2_read        ; ...and the live one, 1000 clocks on at least
    mov ax, dx
    sub ax, bx
    mov si, msg_latch
    cmp ax, 1000
    call verdict_ae

    ; 3. mode 2 stays within 1..count
    mov al, 0xb4        ; counter 2, mode 2
    mov cx, 1000
    call c2_start
    mov si, msg_mode2
    mov cx, 20
    xor dx, dx          ; DX = 1 once a read is out of range
.m2:
    push cx
    call c2_latched     ; (a live read of two bytes can tear: see c0_latched)
    pop cx
    cmp bx, 1
    jb .m2bad
    cmp bx, 1000
    jbe .m2ok
.m2bad:
    mov dx, 1
.m2ok:
    loop .m2
    cmp dx, 1
    call verdict_below  ; yes if DX < 1

    ; 4. mode 3 counts by twos
    mov al, 0xb6        ; counter 2, mode 3
    mov cx, 1000
    call c2_start
    mov si, msg_mode3
    mov cx, 20
    xor dx, dx
.m3:
    push cx
    call c2_latched
    pop cx
    test bx, 1
    jnz .m3bad
    cmp bx, 2
    jb .m3bad
    cmp bx, 1000
    jbe .m3ok
.m3bad:
    mov dx, 1
.m3ok:
    loop .m3
    cmp dx, 1
    call verdict_below

    ; 5. count 0 is 65536
    mov al, 0xb0
    mov cx, 0
    call c2_start
    call c2_latched
    mov si, msg_zero
    cmp bx, 0xf000
    call verdict_ae

    ; 6. the control port cannot be read
    in al, PIT_CTRL
    mov si, msg_ctrl
    cmp al, 0xff
    call verdict_ae

    mov al, 0
    jmp exit

; c2_start: counter 2 gets control word AL and count CX (low, high).
c2_start:
    out PIT_CTRL, al
    mov al, cl
    out PIT_CH2, al
    mov al, ch
    out PIT_CH2, al
    ret

; c2_latched: latch counter 2 and read the count into BX.
c2_latched:
    mov al, 0x80        ; counter 2, latch
    out PIT_CTRL, al
    ; fall through
; c2_read: counter 2's count (latched, or live) into BX, low byte first.
c2_read:
    in al, PIT_CH2
    mov bl, al
    in al, PIT_CH2
    mov bh, al
    ret

; c0_latched: counter 0's count, latched, into BX. (A live read of two
; bytes can be off by 256: the count may go down between them.)
c0_latched:
    mov al, 0x00        ; counter 0, latch
    out PIT_CTRL, al
    in al, PIT_CH0
    mov bl, al
    in al, PIT_CH0
    mov bh, al
    ret

; verdict_below / verdict_ae: print the claim at SI, then "yes" if the
; flags of the last cmp say below (CF = 1) / above or equal (CF = 0).
verdict_below:
    jb yes
    jmp no
verdict_ae:
    jae yes
no:
    call puts
    mov si, msg_no
    call puts
    ret
yes:
    call puts
    mov si, msg_yes
    call puts
    ret

msg_mode0: db "mode 0 counts down: ", 0
msg_latch: db "a latch holds its count: ", 0
msg_mode2: db "mode 2 stays within 1..1000: ", 0
msg_mode3: db "mode 3 counts by twos: ", 0
msg_zero:  db "count 0 is 65536: ", 0
msg_ctrl:  db "port 0x43 reads 0xff: ", 0
msg_yes:   db "yes", 10, 0
msg_no:    db "NO", 10, 0

%include "irq16.inc"
%include "rom16.inc"
