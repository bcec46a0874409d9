; debug.asm - the guest of chapter 13: a firmware ROM that climbs from the
; reset vector straight to 64-bit long mode and counts, so that a
; debugger has something to stop in.
;
; It starts where every PC starts (chapter 09): CS:IP f000:fff0 in real
; mode, at the last 16 bytes of this 16 KiB image. It loads a GDT, turns
; on protected mode (CR0.PE), and there, as the SDM's "Initializing
; IA-32e Mode" asks, points CR3 at page tables that lie in this ROM, sets
; CR4.PAE, EFER.LME and CR0.PG: the CPU is in long mode at the next far
; jump. In 64-bit code it prints the first ten Fibonacci numbers on COM1,
; keeping each one in RAM at FIB_LAST as it goes (a place to watch), and
; ends the run through the exit port with status 0.
;
; Everything the CPU would write lies in RAM: the GDT's descriptors and
; the page-table entries in this ROM come with their accessed and dirty
; bits already set, so the CPU has nothing to write back into ROM.
;
; The labels are the debugger's handles: the build writes their addresses
; (nasm's map file, -dMAP=FILE) into an ELF file of symbols that gdb loads
; (build/guests/rom/debug.elf), so "break fib_loop" means this code. The
; 16 KiB image sits at 0xfc000 below 1 MiB (and again below 4 GiB): with
; org 0xfc000 each label's value is its linear address, the address gdb and
; KVM_SET_GUEST_DEBUG use. Paging maps the first 2 MiB to themselves, so
; in long mode a label's linear address is its physical address too.
;
; What it prints on COM1:
;   debug.asm: in 64-bit mode, counting
;   fib: 0 1 1 2 3 5 8 13 21 34
;
; Assemble: nasm -f bin -o debug.bin debug.asm

%ifdef MAP
[map symbols MAP]
%endif

bits 16
org 0xfc000             ; the linear address of the image's first byte

COM1        equ 0x3f8   ; serial port 1: the transmit register
EXIT_PORT   equ 0xf4    ; kvm-steps: OUT of a byte here ends the run
ROM_SEG     equ 0xf000  ; the real-mode segment of the ROM below 1 MiB
CODE64      equ 0x08    ; GDT selectors: 64-bit code,
DATA        equ 0x10    ; flat data,
CODE32      equ 0x18    ; and 32-bit code, for the step between
FIB_LAST    equ 0x500   ; qword in RAM: the number printed last
FIB_COUNT   equ 10      ; how many numbers
STACK_TOP   equ 0x90000 ; the stack, in RAM below 640 KiB

; ---- the page tables, first in the image: 4 KiB aligned -----------------
pml4:
    dq pdpt + 0x23          ; present, writable, accessed
    times 511 dq 0
pdpt:
    dq pd + 0x23
    times 511 dq 0
pd:
    dq 0x0000000000e3       ; 2 MiB at 0: present, writable, accessed, dirty, large
    times 511 dq 0


; ---- real mode, CS 0xf000: through protected mode to long mode ---------
; ANCHOR: climb
start16:
    cli
    lgdt [cs:gdt_descriptor - $$ + 0xc000] ; CS base 0xf0000: the image starts at offset 0xc000
    mov eax, cr0
    or al, 1            ; CR0.PE: protected mode, paging still off
    mov cr0, eax
    jmp dword CODE32:start32 ; a far jump loads CS: 32-bit code

bits 32
start32:
    mov eax, cr4
    or eax, 1 << 5      ; CR4.PAE: long mode's page tables are PAE's
    mov cr4, eax
    mov eax, pml4       ; the top table, in this ROM
    mov cr3, eax
    mov ecx, 0xc0000080 ; EFER
    rdmsr
    or eax, 1 << 8      ; EFER.LME: long mode enable
    wrmsr
    mov eax, cr0
    or eax, 1 << 31     ; CR0.PG: paging on, and with LME, long mode is active
    mov cr0, eax
    jmp CODE64:long_start ; a far jump loads CS: a 64-bit code segment
; ANCHOR_END: climb

; ---- long mode ---------------------------------------------------------
bits 64
long_start:
    mov ax, DATA
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov rsp, STACK_TOP
    lea rsi, [rel msg_hello]
    call puts

; ANCHOR: fib
    lea rsi, [rel msg_fib]
    call puts
    xor ebx, ebx        ; rbx: this number (0)
    mov r12d, 1         ; r12: the next one (1)
    mov r13d, FIB_COUNT ; r13: how many are left
fib_loop:
    mov [FIB_LAST], rbx ; a write to RAM: a watchpoint's target
    mov rax, rbx
    call put_number
    lea rax, [rbx + r12] ; the one after the next
    mov rbx, r12
    mov r12, rax
    dec r13
    jz fib_done
    mov al, ' '
    call putc
    jmp fib_loop
fib_done:
    mov al, 10
    call putc
; ANCHOR_END: fib
    xor eax, eax        ; status 0
exit_now:
    out EXIT_PORT, al   ; the run ends here, with AL as its status
    hlt

; putc: AL to COM1.
putc:
    mov dx, COM1
    out dx, al
    ret

; puts: the NUL-terminated string at RSI.
puts:
    lodsb
    test al, al
    jz .done
    call putc
    jmp puts
.done:
    ret

; put_number: RAX in decimal.
put_number:
    mov rcx, rsp        ; the digits go on the stack, last first
    mov edi, 10
.digit:
    xor edx, edx
    div rdi             ; rax = rax / 10, rdx = the digit
    add dl, '0'
    dec rsp
    mov [rsp], dl
    test rax, rax
    jnz .digit
.print:
    mov al, [rsp]
    inc rsp
    call putc
    cmp rsp, rcx
    jne .print
    ret

msg_hello: db "debug.asm: in 64-bit mode, counting", 10, 0
msg_fib:   db "fib: ", 0

; ---- the tables, in ROM: nothing here is written ------------------------
align 8
gdt:
    dq 0                    ; the null descriptor
    dq 0x00af9b000000ffff   ; 0x08: 64-bit code (L=1), present, accessed
    dq 0x00cf93000000ffff   ; 0x10: flat data, present, accessed
    dq 0x00cf9b000000ffff   ; 0x18: flat 32-bit code, present, accessed
gdt_end:
gdt_descriptor:
    dw gdt_end - gdt - 1
    dd gdt                  ; the linear address: org makes labels linear

; ---- the reset vector: the image's last 16 bytes -------------------------
    times 0x3ff0 - ($ - $$) db 0
bits 16
reset:
    jmp ROM_SEG:(start16 - 0xf0000)
    times 0x4000 - ($ - $$) db 0
