; mmio.asm - make bench's guest for chapter 09: a ROM image that makes
; COUNT 4-byte writes to one device register, then OUT 0 to the exit port.
; Assembled twice per count: -DDOORBELL writes virtio-mmio's QueueNotify
; (0xd0050), where --ioeventfd keeps the write in the kernel; otherwise it
; writes the VGA screen's first two cells (0xb8000), where --coalesced-mmio
; queues it in the ring. bench/bench.sh takes the difference in time
; between COUNT and 0 writes, divided by COUNT: one write's cost.
;   nasm -f bin -DCOUNT=10000 [-DDOORBELL] -o mmio.bin mmio.asm

bits 16
org 0xf000

%ifndef COUNT
%define COUNT 10000
%endif
%ifdef DOORBELL
SEG_DEVICE equ 0xd000   ; virtio-mmio
REGISTER   equ 0x50     ; QueueNotify
%else
SEG_DEVICE equ 0xb800   ; the VGA text screen
REGISTER   equ 0        ; its first two cells
%endif
EXIT_PORT equ 0xf4      ; OUT of a byte here ends the run

start:
    mov ax, SEG_DEVICE
    mov es, ax          ; ES: the device's window
    mov ecx, COUNT      ; ECX: writes still to do (32 bits: counts past 65535)
    xor eax, eax        ; the value written: queue 0, or two NUL cells
    test ecx, ecx
    jz .done
.again:
    mov [es:REGISTER], eax ; one 4-byte write: an exit, the ring or the eventfd
    a32 loop .again     ; ECX -= 1 (the 32-bit count), again until 0
.done:
    out EXIT_PORT, al   ; AL = 0: exit status 0
    cli
.halt:
    hlt
    jmp .halt

    times 0xff0 - ($ - $$) db 0xff ; erased flash up to the reset vector
    jmp 0xf000:start    ; 0xfffffff0: the first instruction
    times 0x1000 - ($ - $$) db 0xff
