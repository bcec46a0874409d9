; hello64.asm - the guest of chapter 08: it starts in 64-bit long mode, set
; up for it by the host, and shows that it is there: it prints through COM1
; with 64-bit registers, reads back the control registers the host set, and
; proves that paging is on by reading memory above 1 MiB through a second,
; higher-half mapping of it. It ends the run through port 0xf4, status 0.
;
; Flat binary, loaded at guest-physical 0x100000 (1 MiB) and entered there
; with RIP = 0x100000, RSP = 0x400000, paging on (common/guest.h, book
; chapter 08). Assemble: nasm -f bin -o hello64.bin hello64.asm

bits 64                 ; the CPU is in 64-bit mode from the first byte
org 0x100000            ; where chapter 08 loads and enters it

DATA_SEL   equ 0x10     ; GDT entry 2, the data descriptor the host wrote
SCRATCH    equ 0x200000 ; 2 MiB: RAM above the first MiB, past this image
HIGH_ALIAS equ 0xffff800000000000 ; the host maps the first GiB here too
MSR_EFER   equ 0xc0000080 ; the model-specific register that holds EFER
MAGIC      equ 0x0123456789abcdef ; eight different bytes, easy to recognise

start:
    mov ax, DATA_SEL    ; load the data segment registers again, this time
    mov ds, ax          ; from the descriptor in the GDT in guest memory:
    mov es, ax          ; the host set them already, but a wrong descriptor
    mov ss, ax          ; in the table would fault here, not later

    ; The greeting goes out in one string instruction that reads it
    ; through the higher-half alias: KVM walks this guest's page tables to
    ; find the bytes, and hands them over in one KVM_EXIT_IO with count > 1
    ; or in several (how many per exit is up to KVM).
    mov rsi, HIGH_ALIAS + hello ; a 64-bit immediate: no 32-bit mode has this
    mov ecx, hello_len  ; RCX = how many bytes
    mov dx, COM1        ; OUTSB sends [RSI] to port DX, RSI += 1,
    rep outsb           ; and REP repeats it RCX times

    lea rsi, [rel cr0_is] ; RIP-relative addressing: a 64-bit mode feature
    call puts
    mov rax, cr0        ; what the host put in CR0, read by the guest
    call puthex64
    lea rsi, [rel cr3_is]
    call puts
    mov rax, cr3        ; where the PML4 is
    call puthex64
    lea rsi, [rel cr4_is]
    call puts
    mov rax, cr4
    call puthex64
    lea rsi, [rel efer_is]
    call puts
    mov ecx, MSR_EFER   ; RDMSR reads the MSR numbered ECX
    rdmsr               ; into EDX (high half) and EAX (low half)
    shl rdx, 32         ; join them into one 64-bit value in RAX
    or rax, rdx
    call puthex64
    lea rsi, [rel newline]
    call puts

; ANCHOR: alias
    ; Paging: write 8 bytes at virtual 0x200000, read them back at virtual
    ; 0xffff800000200000. Only page tables can make two addresses one place.
    mov rax, MAGIC      ; a 64-bit constant in a 64-bit register
    mov rdi, SCRATCH
    mov [rdi], rax      ; through the identity mapping (PML4[0])
    mov rbx, HIGH_ALIAS + SCRATCH
    mov r8, [rbx]       ; through the alias (PML4[256]), into a register
    cmp r8, rax         ; only 64-bit mode has R8-R15
    jne .differ
; ANCHOR_END: alias
    lea rsi, [rel same]
    call puts
    mov rax, r8
    call puthex64
    lea rsi, [rel paging_on]
    call puts
    mov al, 0           ; all is well: exit status 0
    jmp exit
.differ:
    lea rsi, [rel differ]
    call puts
    mov al, 1           ; status 1: the two mappings disagree
    jmp exit

%include "lib64.inc"

hello:     db "Hello from the guest, running in 64-bit long mode!", 13, 10
hello_len  equ $ - hello
cr0_is:    db "cr0 ", 0
cr3_is:    db "  cr3 ", 0
cr4_is:    db "  cr4 ", 0
efer_is:   db "  efer ", 0
newline:   db 13, 10, 0
same:      db "0x200000 and 0xffff800000200000 both read ", 0
paging_on: db ": paging is on", 13, 10, 0
differ:    db "0x200000 and 0xffff800000200000 differ: the page tables are wrong", 13, 10, 0
