; smp-lost.asm - a lost update, every time: with --no-lock (bit 0 of the
; dword at 0x4f4) the BSP and one AP each add 1 to a counter by a read,
; an add and a write, and a handshake between the read and the write
; makes both read before either writes: both write 1, and one addition
; is lost on any host, however many CPUs it has. Without --no-lock both
; use LOCK XADD, and the handshake cannot lose anything: the total is 2.
; The BSP prints the total and ends the run with status 0 if it is 2,
; else 1. Run it with --cpus 2.
%include "smp32.inc"

FLAGS   equ 0x4f4       ; dword, from the monitor: bit 0 = no LOCK
COUNTER equ 0x520       ; dword: the shared counter
READ    equ 0x524       ; dword: CPUs that have read the counter
DONE    equ 0x528       ; dword: 1 once the AP has written

bsp_main:
    mov dword [COUNTER], 0
    mov dword [READ], 0
    mov dword [DONE], 0
    call start_aps
    call add_one
.wait:
    pause
    cmp dword [DONE], 1
    jne .wait
    mov esi, ROM_LINEAR + s_total
    call say_total
    cmp dword [COUNTER], 2
    setne al
    out EXIT_PORT, al
    jmp spin

ap_main:
    call add_one
    mov dword [DONE], 1
    jmp spin

; add_one: counter += 1, with the other CPU between the read and the write.
add_one:
    test dword [FLAGS], 1
    jnz .unlocked
    lock inc dword [READ]
    call both_read
    mov eax, 1
    lock xadd [COUNTER], eax
    ret
.unlocked:
    mov eax, [COUNTER]  ; read...
    lock inc dword [READ]
    call both_read      ; ...the other CPU reads the same value...
    inc eax             ; ...add...
    mov [COUNTER], eax  ; ...write: both write 1
    ret

both_read:
    pause
    cmp dword [READ], 2
    jb both_read
    ret

say_total:              ; "cpu 0: 2 CPUs added 1 each: total T, expected 2"
    call lock_take
    mov esi, ROM_LINEAR + s_total
    call puts
    mov eax, [COUNTER]
    call putdec
    mov esi, ROM_LINEAR + s_expected
    call puts
    call lock_give
    ret

s_total:    db "cpu 0: 2 CPUs added 1 each, the read and the write apart: total ", 0
s_expected: db ", expected 2", 10, 0

SMP_END
