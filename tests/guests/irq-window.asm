; irq-window.asm - the interrupt window (chapter 10). With IF = 0 the
; guest waits until the PIC shows IRQ0 requested (IRR bit 0), so the
; monitor holds an interrupt it cannot inject and asks KVM for the window.
; Only after sti, and past the one instruction the STI shadow covers, does
; the handler run: it keeps the IP it interrupted, which the guest checks.
; After sti the guest makes no exit of its own until the handler has run:
; the interrupt can only have come through KVM_EXIT_IRQ_WINDOW_OPEN.
; Prints
;   held: IRR 01 with IF 0, the handler ran 0 times
;   after sti: the handler ran 1 time, past the STI shadow
; and exits with status 0. The PIT's counter 0 in mode 0: one tick only.
bits 16
org 0xf000

WHERE equ 0x502         ; word: the IP the handler interrupted

start:
    call setup          ; (the reset vector did cli: IF = 0 from here)
    mov word [TICKS], 0
    mov word [WHERE], 0
    mov bl, IRQ_BASE
    mov ax, irq_where
    call set_vector
    mov al, 0xfe        ; IRQ0 only
    call pic_init
    mov al, 0x30        ; counter 0, low then high byte, mode 0
    mov cx, 1193        ; one edge, 1 ms from now
    call pit_start
.wait:                  ; each OUT and IN is an exit: the monitor looks
    mov al, OCW3_IRR    ; at the PIT, sees the edge, and has to wait
    out PIC_CMD, al
    in al, PIC_CMD
    test al, 0x01
    jz .wait
    mov si, msg_held
    call puts
    call puthex8        ; IRR
    mov si, msg_ran
    call puts
    mov al, [TICKS]
    add al, '0'
    call putc
    mov si, msg_times
    call puts
    sti                 ; IF = 1, but not for the next instruction...
shadow:
    nop                 ; ...this one: the STI shadow
past:                   ; KVM leaves the guest at the first boundary
    mov ecx, 1000000    ; where it can take the interrupt (on VMX and SVM;
.spin:                  ; kvm_pvm takes a few hundred instructions more):
    cmp word [TICKS], 0 ; spin, with no exit of the guest's own, until
    jne .got            ; the handler has run, or long enough to say it
    dec ecx             ; never did
    jnz .spin
.got:
    cli
    mov si, msg_after
    call puts
    mov al, [TICKS]
    add al, '0'
    call putc
    mov si, msg_time
    call puts
    mov ax, [WHERE]
    mov si, msg_past
    cmp ax, past        ; the interrupt came at past or later...
    jb .say
    cmp ax, done        ; ...and before the check
    ja .say
    mov si, msg_ok
.say:
    call puts
done:
    mov al, 0
    jmp exit

irq_where:              ; counts, and keeps the IP it interrupted
    push bp
    mov bp, sp
    push ax
    mov ax, [bp + 2]    ; FLAGS, CS, IP were pushed: IP is on top
    mov [WHERE], ax
    inc word [TICKS]
    mov al, PIC_EOI
    out PIC_CMD, al
    pop ax
    pop bp
    iret

msg_held:  db "held: IRR ", 0
msg_ran:   db " with IF 0, the handler ran ", 0
msg_times: db " times", 10, 0
msg_after: db "after sti: the handler ran ", 0
msg_time:  db " time, ", 0
msg_ok:    db "past the STI shadow", 10, 0
msg_past:  db "at the wrong place", 10, 0

%include "irq16.inc"
%include "rom16.inc"
