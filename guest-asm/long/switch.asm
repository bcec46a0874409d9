; switch.asm - the other road to long mode: this guest starts in real mode,
; like a boot sector, and climbs to 64-bit mode itself the way a boot
; loader does: page tables, GDT, CR4.PAE, EFER.LME, CR0.PG, a far jump.
; Then it prints, from 64-bit code, the registers it set, and ends the
; run through port 0xf4 with status 0.
;
; Flat binary, loaded at guest-physical 0x7c00 and entered at 0000:7c00 in
; real mode: run it with 08-long-mode --real-mode, which sets no long-mode
; state but gives the vCPU a CPUID that lists long mode. Chapter 07's
; program gives it no CPUID at all, and KVM then refuses the WRMSR that
; sets EFER.LME (#GP, with no handler: the run ends in a crash). It fits
; in one 512-byte sector and carries the boot signature, so it boots under
; QEMU with SeaBIOS too. Assemble: nasm -f bin -o switch.bin switch.asm

bits 16
org 0x7c00

PML4      equ 0x1000    ; three 4 KiB tables in free conventional memory,
PDPT      equ 0x2000    ; below this sector and its stack
PD        equ 0x3000
PTE_P     equ 1 << 0    ; page-table entry: present
PTE_RW    equ 1 << 1    ;   writable
PTE_PS    equ 1 << 7    ;   in a PD entry: maps a 2 MiB page
LARGE     equ 0x200000  ; 2 MiB
CR0_PE    equ 1 << 0    ; protected mode
CR0_NW    equ 1 << 29   ; not write-through (with CD: no caching at all)
CR0_CD    equ 1 << 30   ; cache disable
CR0_PG    equ 1 << 31   ; paging
CR4_PAE   equ 1 << 5    ; 64-bit page-table entries, required by long mode
MSR_EFER  equ 0xc0000080
EFER_LME  equ 1 << 8    ; long mode enable: paging on will mean long mode
CODE_SEL  equ 0x08      ; GDT entry 1
DATA_SEL  equ 0x10      ; GDT entry 2

start:
    cli                 ; no interrupts: there is no IDT for any mode here
    jmp 0:.flat         ; some BIOSes enter at 07c0:0000: make CS 0
.flat:
    xor ax, ax
    mov ds, ax          ; DS = ES = SS = 0: an address is its offset
    mov es, ax
    mov ss, ax
    mov sp, 0x7c00      ; the stack grows down from below this sector
    cld                 ; string instructions count upwards

    mov si, hello16
    call puts16         ; still real mode: 16-bit code, BIOS-free output

    ; The page tables: zero three pages, then link PML4[0] -> PDPT,
    ; PDPT[0] -> PD, and fill the PD with 512 entries of 2 MiB: the first
    ; GiB, virtual = physical. Entries are 8 bytes; every address here is
    ; below 4 GiB, so each high dword stays 0.
    mov di, PML4
    xor eax, eax
    mov cx, 3 * 4096 / 4
    rep stosd           ; [ES:DI] = EAX, DI += 4, CX times
    mov dword [PML4], PDPT | PTE_P | PTE_RW
    mov dword [PDPT], PD | PTE_P | PTE_RW
    mov di, PD
    mov eax, PTE_P | PTE_RW | PTE_PS ; the first 2 MiB page, at 0
    mov cx, 512
.pde:
    mov [di], eax       ; the entry's low dword: address and flags
    add eax, LARGE      ; the next page starts 2 MiB further
    add di, 8           ; the next entry
    loop .pde

; ANCHOR: climb
    lgdt [gdtr]         ; the GDT below: the far jump will read it
    mov eax, cr4
    or eax, CR4_PAE     ; 1. PAE: long mode uses 64-bit entries
    mov cr4, eax
    mov eax, PML4
    mov cr3, eax        ; 2. CR3: where the PML4 is
    mov ecx, MSR_EFER
    rdmsr               ; EDX:EAX = EFER
    or eax, EFER_LME    ; 3. LME: turning paging on will enter long mode
    wrmsr
    mov eax, cr0
    and eax, ~(CR0_CD | CR0_NW) ; caches on: reset leaves them disabled
    or eax, CR0_PE | CR0_PG ; 4. protection and paging at once: the CPU
    mov cr0, eax        ;    sets EFER.LMA now (compatibility mode)
    jmp CODE_SEL:long64 ; 5. load CS from the GDT: L=1, 64-bit mode
; ANCHOR_END: climb

; puts16: send the zero-terminated string at DS:SI to COM1, in real mode.
puts16:
    lodsb               ; AL = [DS:SI], SI += 1
    test al, al
    jz .end
    mov dx, COM1
    out dx, al
    jmp puts16
.end:
    ret

bits 64                 ; from here on, the assembler writes 64-bit code
long64:
    mov ax, DATA_SEL    ; data segments from the GDT too
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov rsp, 0x7c00     ; the same stack, now with a 64-bit pointer

    lea rsi, [rel hello64]
    call puts
    lea rsi, [rel cr0_is]
    call puts
    mov rax, cr0
    call puthex64
    lea rsi, [rel efer_is]
    call puts
    mov ecx, MSR_EFER
    rdmsr
    shl rdx, 32         ; EDX:EAX -> RAX
    or rax, rdx
    call puthex64       ; LMA (bit 10) is set: the CPU set it
    lea rsi, [rel newline]
    call puts
    mov al, 0           ; exit status 0
    jmp exit

%include "lib64.inc"

align 8
gdt:
    dq 0                  ; entry 0: the null descriptor
    dq 0x00af9b000000ffff ; entry 1: code, present, DPL 0, type 0xb, L=1 D=0 G=1
    dq 0x00cf93000000ffff ; entry 2: data, present, DPL 0, type 0x3, D/B=1 G=1
gdtr:
    dw gdtr - gdt - 1     ; limit: the offset of the GDT's last byte
    dd gdt                ; base: its linear address

hello16: db "Hello from real mode. Switching to long mode...", 13, 10, 0
hello64: db "Hello from 64-bit long mode, reached by the guest itself.", 13, 10, 0
cr0_is:  db "cr0 ", 0
efer_is: db "  efer ", 0
newline: db 13, 10, 0

times 510 - ($ - $$) db 0   ; pad to byte 510 of the sector
dw 0xaa55                   ; the boot signature
