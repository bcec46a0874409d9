; smp.asm - the guest of chapter 12: a firmware ROM for a machine with
; several processors, started the way a PC starts them.
;
; Every vCPU but the first (the bootstrap processor, BSP) waits inside
; KVM until its local APIC receives INIT and then a STARTUP IPI (SIPI).
; The BSP starts at the reset vector as in chapters 09-11, switches to
; 32-bit protected mode (its local APIC's registers are at 0xfee00000,
; out of real mode's reach), says hello, and wakes the others with
; INIT, SIPI, SIPI through its APIC's interrupt command register. The
; SIPI's vector 0xff sends each application processor (AP) to 0xff000
; in real mode, CS 0xff00 and IP 0: the first byte of this 4 KiB image,
; in the ROM's copy below 1 MiB. Each AP switches to protected mode too,
; says hello under a spinlock (so lines never mix), and adds 1 to one
; shared counter COUNT times with LOCK XADD; the BSP does the same, waits
; until every AP has finished, prints the total and ends the run through
; the exit port: status 0 if the total is CPUs x COUNT, else 1.
;
; From the monitor, at fixed RAM addresses (as a PC's firmware learns
; the machine from its chipset; QEMU tells SeaBIOS through fw_cfg):
;   0x4f0  dword: how many CPUs the machine has (1 to 255)
;   0x4f4  dword: bit 0 set: add without the LOCK prefix (--no-lock), to
;          show that the count then comes out wrong
;
; What it prints on COM1 (the APs' lines in the order they get the lock):
;   cpu 0: hello from APIC ID 0, the bootstrap processor: INIT, SIPI, SIPI to the others
;   cpu 1: hello from APIC ID 1, started by SIPI vector 0xff at 0xff000
;   cpu 0: 2 CPUs added 1 to the counter 20000 times each: total 40000, expected 40000
;
; Assemble: nasm -f bin -o smp.bin smp.asm

bits 16
org 0xf000              ; the image's offset in the ROM's last 64 KiB segment

COM1        equ 0x3f8   ; serial port 1: the transmit register
EXIT_PORT   equ 0xf4    ; kvm-steps: OUT of a byte here ends the run
APIC        equ 0xfee00000 ; the local APIC's registers (each CPU sees its own)
APIC_ID     equ 0x20    ;   its ID, in bits 31-24
APIC_ICR_LO equ 0x300   ;   interrupt command register: writing it sends an IPI
APIC_ICR_HI equ 0x310   ;   destination, bits 31-24 (unused with a shorthand)
ICR_INIT    equ 0x000c4500 ; to all but self (bits 19-18 = 11), assert (14), INIT (10-8 = 101)
ICR_SIPI    equ 0x000c4600 ; the same, STARTUP (10-8 = 110); vector in bits 7-0
ICR_BUSY    equ 0x1000  ;   bit 12: delivery status, 1 while the IPI is being sent
SIPI_VECTOR equ 0xff    ; the AP starts at vector * 4096 = 0xff000
IMAGE_BASE  equ 0xff000 ; where this 4 KiB image lies below 1 MiB
ROM_SEG     equ 0xf000  ; the BSP's real-mode segment (base 0xf0000)
CODE32      equ 0x08    ; GDT selectors: flat 4 GiB code...
DATA32      equ 0x10    ; ...and data
COUNT       equ 20000   ; how many times each CPU adds 1

CPUS        equ 0x4f0   ; dword, from the monitor: how many CPUs
FLAGS       equ 0x4f4   ; dword, from the monitor: bit 0 = no LOCK
PRINT_LOCK  equ 0x500   ; dword: the print lock, 0 free, 1 taken
COUNTER     equ 0x504   ; dword: the shared counter
DONE        equ 0x508   ; dword: APs that have finished

; ANCHOR: ap-start
; ---- 0xff000, IP 0: where each AP begins, after its SIPI ---------------
ap_start:
    cli
    lgdt [cs:gdt_descriptor - $$] ; CS base is 0xff000: offsets from the image start
    mov eax, cr0
    or al, 1            ; CR0.PE: protected mode
    mov cr0, eax
    jmp dword CODE32:(0xf0000 + ap32) ; a far jump loads CS from the GDT
; ANCHOR_END: ap-start

; ---- the BSP, from the reset vector -------------------------------------
bsp_start:
    cli
    lgdt [cs:gdt_descriptor] ; CS base 0xf0000: the same table
    mov eax, cr0
    or al, 1
    mov cr0, eax
    jmp dword CODE32:(0xf0000 + bsp32)

bits 32
bsp32:
    call flat_segments
    mov esp, 0x80000    ; the BSP's stack
    mov dword [COUNTER], 0
    mov dword [DONE], 0
    mov dword [PRINT_LOCK], 0
    call lock_take
    call hello_prefix
    mov esi, msg_bsp
    call puts
    call lock_give

; ANCHOR: wake-aps
    ; Wake the others: INIT, then STARTUP twice (the second for CPUs
    ; that missed the first), each sent to all but this CPU.
    mov dword [APIC + APIC_ICR_HI], 0
    mov dword [APIC + APIC_ICR_LO], ICR_INIT
    call icr_wait
    mov dword [APIC + APIC_ICR_LO], ICR_SIPI | SIPI_VECTOR
    call icr_wait
    mov dword [APIC + APIC_ICR_LO], ICR_SIPI | SIPI_VECTOR
    call icr_wait
; ANCHOR_END: wake-aps

    call add_count      ; the BSP counts too
    mov ecx, [CPUS]
    dec ecx             ; the APs
.wait:
    cmp [DONE], ecx     ; until every AP has finished
    jae .all
    pause
    jmp .wait
.all:
    call lock_take
    mov esi, msg_cpu0
    call puts
    mov eax, [CPUS]
    call putdec
    mov esi, msg_added
    call puts
    mov eax, [COUNTER]
    call putdec
    mov esi, msg_expected
    call puts
    mov eax, [CPUS]
    imul eax, eax, COUNT
    call putdec
    mov al, 10
    call putc
    call lock_give
    mov eax, [CPUS]
    imul eax, eax, COUNT
    cmp eax, [COUNTER]
    setne al            ; status 0 if right, 1 if not
    out EXIT_PORT, al
    hlt

ap32:
    call flat_segments
    mov eax, [APIC + APIC_ID]
    shr eax, 24         ; this CPU's APIC ID: its own stack below the BSP's
    inc eax
    shl eax, 12
    mov esp, 0x80000
    sub esp, eax
    call lock_take
    call hello_prefix
    mov esi, msg_ap
    call puts
    call lock_give
    call add_count
    lock inc dword [DONE] ; tell the BSP
.sleep:
    hlt                 ; nothing more to do: sleep (the run ends from the BSP)
    jmp .sleep

; ---- helpers (32-bit) ----------------------------------------------------

flat_segments:          ; DS, ES, SS: the flat data segment
    mov ax, DATA32
    mov ds, ax
    mov es, ax
    mov ss, ax
    ret

; ANCHOR: icr-wait
icr_wait:               ; until the APIC has sent the IPI
    test dword [APIC + APIC_ICR_LO], ICR_BUSY
    jz .sent
    pause
    jmp icr_wait
.sent:
    ret
; ANCHOR_END: icr-wait

; ANCHOR: add-count
add_count:              ; COUNT times: counter += 1, locked or not
    mov ecx, COUNT
    test dword [FLAGS], 1
    jnz .unlocked
.locked:
    mov eax, 1
    lock xadd [COUNTER], eax ; one indivisible read-add-write
    dec ecx
    jnz .locked
    ret
.unlocked:
    mov eax, [COUNTER]  ; read...
    inc eax             ; ...add...
    mov [COUNTER], eax  ; ...write: another CPU may have written between
    dec ecx
    jnz .unlocked
    ret
; ANCHOR_END: add-count

lock_take:              ; spin until PRINT_LOCK was 0, leaving it 1
    push eax
.try:
    mov eax, 1
    xchg eax, [PRINT_LOCK]    ; XCHG with memory is always locked
    test eax, eax
    jz .got
.spin:
    pause               ; tell the CPU this is a spin loop
    cmp dword [PRINT_LOCK], 0
    jne .spin
    jmp .try
.got:
    pop eax
    ret

lock_give:
    mov dword [PRINT_LOCK], 0 ; a plain store releases on x86
    ret

hello_prefix:           ; "cpu N: hello from APIC ID N"
    mov esi, msg_cpu
    call puts
    mov eax, [APIC + APIC_ID]
    shr eax, 24
    push eax
    call putdec
    mov esi, msg_hello
    call puts
    pop eax
    call putdec
    ret

putc:                   ; AL to COM1
    push edx
    mov dx, COM1
    out dx, al
    pop edx
    ret

puts:                   ; the zero-terminated string at ESI (linear)
    push eax
.next:
    lodsb
    test al, al
    jz .end
    call putc
    jmp .next
.end:
    pop eax
    ret

putdec:                 ; EAX in decimal
    push eax
    push ebx
    push ecx
    push edx
    mov ebx, 10
    xor ecx, ecx
.divide:
    xor edx, edx
    div ebx
    push edx
    inc ecx
    test eax, eax
    jnz .divide
.print:
    pop eax
    add al, '0'
    call putc
    loop .print
    pop edx
    pop ecx
    pop ebx
    pop eax
    ret

; ---- data: addresses as the flat segments see them (0xf0000 + label) -----
; (labels count from 0xf000: add 0xf0000 for the linear address)
msg_cpu      equ 0xf0000 + s_cpu
msg_hello    equ 0xf0000 + s_hello
msg_bsp      equ 0xf0000 + s_bsp
msg_ap       equ 0xf0000 + s_ap
msg_cpu0     equ 0xf0000 + s_cpu0
msg_added    equ 0xf0000 + s_added
msg_expected equ 0xf0000 + s_expected

s_cpu:       db "cpu ", 0
s_hello:     db ": hello from APIC ID ", 0
s_bsp:       db ", the bootstrap processor: INIT, SIPI, SIPI to the others", 10, 0
s_ap:        db ", started by SIPI vector 0xff at 0xff000", 10, 0
s_cpu0:      db "cpu 0: ", 0
s_added:     db " CPUs added 1 to the counter 20000 times each: total ", 0
s_expected:  db ", expected ", 0

; ANCHOR: rom-gdt
; The descriptors' accessed bit (bit 40) is set already: a CPU loading a
; segment whose bit is clear writes it into the GDT, and this GDT is ROM.
; (With the bits clear, kvm_pvm and kvm_amd in the emulated AMD machine
; both loop on that write inside KVM_RUN, with no exit, until --timeout.)
; PC firmware sets it in its ROM tables for the same reason.
align 8
gdt:
    dq 0                        ; 0x00: the null descriptor
    dq 0x00cf9b000000ffff       ; 0x08: code, base 0, limit 4 GiB, 32-bit, accessed
    dq 0x00cf93000000ffff       ; 0x10: data, base 0, limit 4 GiB, accessed
gdt_descriptor:
    dw 3 * 8 - 1                ; limit
    dd 0xf0000 + gdt            ; linear base (the ROM's copy below 1 MiB)
; ANCHOR_END: rom-gdt

bits 16
    times 0xff0 - ($ - $$) db 0xff ; erased flash up to the reset vector

; ---- 0xfffffff0: the reset vector (the BSP only) ----------------------------
reset:
    jmp ROM_SEG:bsp_start
    times 0x1000 - ($ - $$) db 0xff
