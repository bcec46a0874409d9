; count.asm - the guest of chapter 14: a firmware ROM that keeps counting
; timer ticks and writing to memory, so that a save, a restore or a
; migration in the middle of its run has something to lose.
;
; It starts at the reset vector (f000:fff0, the last 16 bytes of this
; 8 KiB image, as in chapter 09) and stays in real mode, with one trick:
; "unreal mode". It turns protected mode on just long enough to load DS
; and ES from a flat descriptor (base 0, limit 4 GiB), and off again. A
; segment register keeps the limit it was loaded with until it is loaded
; in protected mode again, so from then on 32-bit addresses reach the RAM
; above 1 MiB from real-mode code. (Real mode rather than protected mode
; because its interrupts are simplest, and on a software KVM backend that
; emulates the guest's kernel-mode instructions, KVM's x86 emulator takes
; a real-mode IRET only.) The descriptor cache that holds the limit is
; part of what KVM_GET_SREGS returns, so a restored guest is in unreal
; mode too. It programs the kernel's PIC and PIT (chapter 11) for IRQ0 at
; 100 Hz, and sleeps in HLT between ticks.
;
; Each tick, the handler adds the tick's number to the first dword of
; RATE pages of the 256 at 0x100000 (one after another, round the 1 MiB),
; and the same number to TOTAL: each write dirties a page, which a
; migration must send again. Every 10 ticks the main loop prints a line.
; After LINES lines it adds up the 256 dwords: if memory came through
; intact, they sum to TOTAL. It says which, and ends the run through the
; exit port: status 0 if intact, 1 if not.
;
; What the monitor tells it, in RAM before the run (0 means the default):
;   0x4f0 dword: LINES, how many lines (default 30: 3 s of PIT time)
;   0x4f4 dword: RATE, pages written each tick, 0 to 256, with bit 31 set
;                to say the monitor gave it (bit 31 clear: the default, 4)
;
; What it prints on COM1 (each line ends in LF):
;   count: 100 Hz, a line every 10 ticks, 30 lines; 4 pages of 256 written a tick
;   count: line 1 of 30, 10 ticks      (and so on, to line 30, 300 ticks)
;   count: the 256 pages add up to what was written: memory intact
; The lines name the ticks a line was due at, not how many came by the
; time it was printed: the output is the same on every host, however
; late a tick is taken.
;
; Assemble: nasm -f bin -o count.bin count.asm

bits 16
org 0xe000              ; the image's offset in the ROM's last 64 KiB segment

COM1        equ 0x3f8   ; serial port 1: the transmit register
EXIT_PORT   equ 0xf4    ; kvm-steps: OUT of a byte here ends the run
PIC_CMD     equ 0x20    ; the master 8259A's command port
PIC_DATA    equ 0x21    ;   and its data port
PIC2_DATA   equ 0xa1    ; the slave's data port
PIC_EOI     equ 0x20    ; OCW2: non-specific end of interrupt
IRQ_BASE    equ 0x20    ; the vector of IRQ0
PIT_CH0     equ 0x40    ; the 8254's counter 0, wired to IRQ0
PIT_CTRL    equ 0x43    ;   and its control port
PIT_COUNT   equ 11932   ; 1193182 Hz / 11932 = 99.998 Hz
TICKS_LINE  equ 10      ; a line every this many ticks
ROM_SEG     equ 0xf000  ; the real-mode segment of the ROM below 1 MiB
ROM_LINEAR  equ 0xf0000 ;   and where it starts
FLAT        equ 0x08    ; GDT selector: flat data, base 0, limit 4 GiB
STACK_TOP   equ 0x7c00  ; the stack, in RAM below 0x7c00
PAGES       equ 0x100000 ; the pages written, from 1 MiB...
PAGE_COUNT  equ 256     ; ...this many, 4 KiB each

; What the monitor sets, and the guest's own variables, in RAM (DS = 0).
LINES       equ 0x4f0   ; dword: lines to print (0: DEFAULT_LINES)
RATE        equ 0x4f4   ; dword: pages written a tick, bit 31 set (clear: DEFAULT_RATE)
TICKS       equ 0x500   ; dword: IRQ0s taken
TOTAL       equ 0x504   ; dword: everything added to the pages
NEXT_PAGE   equ 0x508   ; dword: the page the next write goes to
DUE         equ 0x50c   ; dword: the tick count the next line is due at
LINE        equ 0x510   ; dword: lines printed
DEFAULT_LINES equ 30
DEFAULT_RATE  equ 4

; ANCHOR: unreal
start16:
    cli
    xor ax, ax
    mov ss, ax
    mov sp, STACK_TOP
    lgdt [cs:gdt_descriptor]
    mov eax, cr0
    or al, 1            ; CR0.PE: protected mode, for three instructions
    mov cr0, eax
    mov bx, FLAT
    mov ds, bx          ; DS and ES: base 0, limit 4 GiB, from the GDT
    mov es, bx
    and al, 0xfe        ; CR0.PE off: real mode again
    mov cr0, eax
    xor ax, ax
    mov ds, ax          ; a real-mode load sets the base (0) and keeps
    mov es, ax          ; the limit: 4 GiB, "unreal mode"
    cld
; ANCHOR_END: unreal
    cmp dword [LINES], 0 ; the monitor's numbers, or the defaults
    jne .lines_given
    mov dword [LINES], DEFAULT_LINES
.lines_given:
    btr dword [RATE], 31 ; bit 31: the monitor gave a rate (cleared here)
    jc .rate_given
    mov dword [RATE], DEFAULT_RATE
.rate_given:
    cmp dword [RATE], PAGE_COUNT
    jbe .rate_ok
    mov dword [RATE], PAGE_COUNT
.rate_ok:
    xor eax, eax
    mov [TICKS], eax
    mov [TOTAL], eax
    mov [NEXT_PAGE], eax
    mov [LINE], eax
    mov dword [DUE], TICKS_LINE
    mov edi, PAGES      ; the pages start at 0, so that their sum is TOTAL's
    mov ecx, PAGE_COUNT * 1024
    a32 rep stosd       ; ES:EDI, a 32-bit address: above 1 MiB

    ; The IVT: the PIC's eight vectors, IRQ0 the tick, the others
    ; answered with an EOI and nothing else.
    mov di, IRQ_BASE * 4
    mov cx, 8
.vector:
    mov word [di], irq_other
    mov word [di + 2], ROM_SEG
    add di, 4
    loop .vector
    mov word [IRQ_BASE * 4], irq0

    ; The PIC and the PIT, as chapter 10's guest programs them.
    mov al, 0x11        ; ICW1: edge-triggered, cascade, ICW4 follows
    out PIC_CMD, al
    mov al, IRQ_BASE    ; ICW2: IRQ0 is vector 0x20
    out PIC_DATA, al
    mov al, 0x04        ; ICW3: a slave on input 2
    out PIC_DATA, al
    mov al, 0x01        ; ICW4: 8086 mode, EOI by the handler
    out PIC_DATA, al
    mov al, 0xfe        ; OCW1: only IRQ0
    out PIC_DATA, al
    mov al, 0xff        ; and nothing from the slave
    out PIC2_DATA, al
    mov al, 0x34        ; counter 0, low byte then high, mode 2, binary
    out PIT_CTRL, al
    mov ax, PIT_COUNT
    out PIT_CH0, al
    mov al, ah
    out PIT_CH0, al     ; the counter starts

    mov si, msg_hello
    call puts
    mov eax, [LINES]
    call putdec
    mov si, msg_lines
    call puts
    mov eax, [RATE]
    call putdec
    mov si, msg_rate
    call puts

; ANCHOR: sleep
    ; Sleep until a line is due. STI takes effect after the next
    ; instruction, so no tick can come between it and HLT and be missed.
.sleep:
    cli
    mov eax, [TICKS]
    cmp eax, [DUE]
    jae .line
    sti
    hlt
    jmp .sleep
.line:
    inc dword [LINE]
    call report
    add dword [DUE], TICKS_LINE
    mov eax, [LINE]
    cmp eax, [LINES]
    jb .sleep
; ANCHOR_END: sleep

; ANCHOR: check
    ; The end: add up the pages. Interrupts are off: the sum holds still.
    xor eax, eax
    mov esi, PAGES
    mov cx, PAGE_COUNT
.add:
    add eax, [esi]      ; a 32-bit address: unreal mode's limit allows it
    add esi, 4096
    loop .add
    cmp eax, [TOTAL]
    jne .lost
    mov si, msg_intact
    call puts
    mov al, 0
    out EXIT_PORT, al   ; status 0: memory came through
    hlt
.lost:
    mov si, msg_lost
    call puts
    mov al, 1
    out EXIT_PORT, al   ; status 1: a page was lost on the way
    hlt
; ANCHOR_END: check

; report: "count: line L of N, T ticks", T the tick the line was due at.
report:
    mov si, msg_line
    call puts
    mov eax, [LINE]
    call putdec
    mov si, msg_of
    call puts
    mov eax, [LINES]
    call putdec
    mov al, ','
    call putc
    mov al, ' '
    call putc
    mov eax, [DUE]
    call putdec
    mov si, msg_ticks
    call puts
    ret

; ANCHOR: tick
; ---- the tick: count it, and write to RATE pages -----------------------
irq0:                   ; the CPU pushed FLAGS, CS and IP and cleared IF
    push eax
    push cx
    push edx
    inc dword [TICKS]
    mov eax, [TICKS]
    mov cx, [RATE]      ; at most 256
    jcxz .eoi           ; a rate of 0: no page written
.write:
    mov edx, [NEXT_PAGE]
    shl edx, 12         ; page number to byte offset
    add [edx + PAGES], eax ; one write: the page is dirty
    add [TOTAL], eax
    mov edx, [NEXT_PAGE]
    inc edx
    and edx, PAGE_COUNT - 1
    mov [NEXT_PAGE], edx
    loop .write
.eoi:
    mov al, PIC_EOI     ; tell the PIC IRQ0 is done
    out PIC_CMD, al
    pop edx
    pop cx
    pop eax
    iret
; ANCHOR_END: tick

irq_other:              ; an IRQ nobody asked for: done at once
    push ax
    mov al, PIC_EOI
    out PIC_CMD, al
    pop ax
    iret

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

putdec:                 ; EAX in decimal
    push eax
    push ebx
    push cx
    push edx
    mov ebx, 10
    xor cx, cx
.divide:
    xor edx, edx
    div ebx             ; EDX = the lowest digit, EAX the rest
    push dx
    inc cx
    test eax, eax
    jnz .divide
.print:
    pop ax
    add al, '0'
    call putc
    loop .print
    pop edx
    pop cx
    pop ebx
    pop eax
    ret

msg_hello:  db "count: 100 Hz, a line every 10 ticks, ", 0
msg_lines:  db " lines; ", 0
msg_rate:   db " pages of 256 written a tick", 10, 0
msg_line:   db "count: line ", 0
msg_of:     db " of ", 0
msg_ticks:  db " ticks", 10, 0
msg_intact: db "count: the 256 pages add up to what was written: memory intact", 10, 0
msg_lost:   db "count: the 256 pages do not add up to what was written: memory was lost", 10, 0

; ---- the table, in ROM: nothing here is written ------------------------
align 8
gdt:
    dq 0                    ; the null descriptor
    dq 0x00cf93000000ffff   ; 0x08: flat data, present, accessed
gdt_end:
gdt_descriptor:
    dw gdt_end - gdt - 1
    dd gdt + ROM_LINEAR     ; the GDT's linear address

; ---- the reset vector: the image's last 16 bytes -------------------------
    times 0x1ff0 - ($ - $$) db 0
reset:
    jmp ROM_SEG:start16
    times 0x2000 - ($ - $$) db 0
