; outs.asm - the per-exit benchmark guest: COUNT one-byte OUTs to COM1's
; transmit register (each one a KVM_EXIT_IO), then OUT 0 to the exit port.
; The count is set when it is assembled: nasm -f bin -DCOUNT=10000 ...
; bench/bench.sh runs it with two counts and divides the difference in
; time by the difference in exits, so that start-up costs cancel out.

bits 16
org 0x7c00

%ifndef COUNT
%define COUNT 10000
%endif

COM1      equ 0x3f8     ; serial transmit register: stdout, /dev/null here
EXIT_PORT equ 0xf4      ; OUT of a byte here ends the run

start:
    mov ecx, COUNT      ; ECX: OUTs still to do (32 bits: counts past 65535)
    mov dx, COM1
    mov al, '.'         ; the byte sent each time
    test ecx, ecx
    jz .done
.again:
    out dx, al          ; one exit to the monitor
    dec ecx
    jnz .again
.done:
    mov al, 0
    out EXIT_PORT, al   ; exit status 0
    hlt                 ; not reached under kvm-steps
