; ticks.asm - make bench's guest for chapter 10: a ROM image that programs
; the PIC and the PIT for 1000 interrupts a second, takes COUNT timer
; interrupts (IRQ0), then OUTs 0 to the exit port from the last tick's
; handler (so exactly COUNT are taken; with COUNT 0 it never enables
; interrupts). Between ticks it sleeps in HLT, or, assembled with -DBUSY,
; spins in a loop that makes no exit, so that each tick must be fetched
; by the monitor's tick signal.
; bench/bench.sh takes the difference in time between COUNT and 0 ticks,
; divided by COUNT: what one tick costs, end to end.
;   nasm -f bin -DCOUNT=200 [-DBUSY] -o ticks.bin ticks.asm

bits 16
org 0xf000

%ifndef COUNT
%define COUNT 200
%endif
PIC_CMD   equ 0x20      ; the master 8259A's command port
PIC_DATA  equ 0x21      ;   and its data port
PIC_EOI   equ 0x20      ; OCW2: non-specific end of interrupt
IRQ_BASE  equ 0x20      ; the vector of IRQ0
PIT_CH0   equ 0x40      ; the 8254's counter 0, wired to IRQ0
PIT_CTRL  equ 0x43      ;   and its control port
PIT_COUNT equ 1193      ; 1193182 Hz / 1193 = 1000.15 Hz
EXIT_PORT equ 0xf4      ; OUT of a byte here ends the run
TICKS     equ 0x500     ; word in RAM: IRQ0s taken

start:
    xor ax, ax
    mov ds, ax          ; DS = 0: the IVT and TICKS
    mov ss, ax
    mov sp, 0x7c00      ; a stack in RAM for the interrupt's FLAGS, CS, IP
    mov word [TICKS], 0
    mov word [IRQ_BASE * 4], irq0     ; IVT entry of vector 0x20: offset...
    mov word [IRQ_BASE * 4 + 2], 0xf000 ; ...and segment, the ROM's copy
    mov al, 0x11        ; ICW1: edge-triggered, cascade, ICW4 follows
    out PIC_CMD, al
    mov al, IRQ_BASE    ; ICW2: IRQ0 is vector 0x20
    out PIC_DATA, al
    mov al, 0x04        ; ICW3: a slave on input 2
    out PIC_DATA, al
    mov al, 0x01        ; ICW4: 8086 mode
    out PIC_DATA, al
    mov al, 0xfe        ; OCW1: every IRQ masked but IRQ0
    out PIC_DATA, al
    mov al, 0x34        ; PIT counter 0: low then high byte, mode 2, binary
    out PIT_CTRL, al
    mov ax, PIT_COUNT
    out PIT_CH0, al     ; low byte...
    mov al, ah
    out PIT_CH0, al     ; ...high byte: the counter starts
%if COUNT > 0
    sti                 ; the ticks come in from here
.wait:
%ifndef BUSY
    hlt                 ; sleep until the next interrupt
%endif
    jmp .wait           ; the handler ends the run at the COUNTth tick
%endif
done:                   ; with interrupts off (never enabled, or in irq0)
    mov al, 0
    out EXIT_PORT, al   ; status 0: the run ends
    hlt

irq0:                   ; the tick: count it; the last one ends the run
    inc word [TICKS]    ; from here, so that no tick comes after it
    cmp word [TICKS], COUNT
    jae done
    push ax
    mov al, PIC_EOI     ; EOI, or the PIC holds back the next tick
    out PIC_CMD, al
    pop ax
    iret

    times 0xff0 - ($ - $$) db 0xff ; erased flash up to the reset vector
    cli
    jmp 0xf000:start    ; 0xfffffff0: the first instruction
    times 0x1000 - ($ - $$) db 0xff
