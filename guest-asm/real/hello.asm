; hello.asm - the guest of chapter 07: greet, ask a name, read a line from
; the serial port, answer it, and end the run through the exit port.
;
; Flat binary, loaded at guest-physical 0x7c00 and entered at 0000:7c00 in
; real mode. It fits in one 512-byte sector and carries the boot signature,
; so the same image boots under QEMU with SeaBIOS too (make crosscheck).
; It polls the UART's line status before each byte, as code for a real
; 16550 must; under kvm-steps the status always says "ready".
;
; Assemble: nasm -f bin -o hello.bin hello.asm

bits 16
org 0x7c00

COM1      equ 0x3f8     ; serial port 1: transmit/receive register
COM1_LSR  equ 0x3fd     ; its line status register
LSR_DR    equ 0x01      ; line status bit 0: a received byte is waiting
LSR_THRE  equ 0x20      ; line status bit 5: ready to take a byte to send
EXIT_PORT equ 0xf4      ; kvm-steps: OUT of a byte here ends the run
NAME      equ 0x7e00    ; the name is kept just past this 512-byte sector
NAME_MAX  equ 64        ; and is at most this long; the rest is dropped

start:
    cli                 ; no interrupts: this guest has no handlers for them
    xor ax, ax          ; a BIOS may leave any values in the segment
    mov ds, ax          ; registers: make data, extra and stack segments 0,
    mov es, ax          ; so an address is just the offset
    mov ss, ax
    mov sp, 0x7c00      ; the stack grows down from just below the code
    cld                 ; string instructions walk forwards through memory

    mov si, greeting    ; SI: the string to print
    call puts
    mov si, question
    call puts

    mov di, NAME        ; DI: where the next byte of the name goes
.next:
    call getc           ; AL = the next byte from standard input
    cmp al, 0x0a        ; newline ends the line
    je .got
    cmp al, 0x0d        ; so does carriage return (a raw terminal)
    je .got
    cmp al, 0x04        ; and EOT: kvm-steps sends it at end of input
    je .got
    cmp di, NAME + NAME_MAX
    jae .next           ; no room left: read on to the end, keep nothing
    stosb               ; store AL at [ES:DI], DI += 1
    jmp .next

.got:
    mov si, answer
    call puts
    mov cx, di          ; CX = the name's length: DI - NAME
    sub cx, NAME
    jz .nobody          ; nothing typed: greet a stranger instead
    call wait_thre      ; (a real UART takes the burst into its FIFO)
    mov si, NAME        ; send the whole name with one string instruction:
    mov dx, COM1        ; OUTSB copies [DS:SI] to port DX, SI += 1, and REP
    rep outsb           ; repeats it CX times (KVM emulates string I/O; it
                        ; may report it item by item or several at once)
    jmp .done
.nobody:
    mov si, stranger
    call puts
.done:
    mov si, goodbye
    call puts

    mov al, 0           ; exit status 0
    out EXIT_PORT, al   ; ends the run under kvm-steps (and under QEMU with
                        ; -device isa-debug-exit,iobase=0xf4)
    cli                 ; anywhere else, stop here for good
.halt:
    hlt
    jmp .halt

; puts: send the zero-terminated string at DS:SI to COM1.
puts:
    lodsb               ; AL = [DS:SI], SI += 1
    test al, al         ; the zero byte ends the string
    jz .end
    call putc
    jmp puts
.end:
    ret

; putc: send AL to COM1 once the transmitter can take it.
putc:
    push ax
    call wait_thre
    pop ax
    mov dx, COM1
    out dx, al          ; one byte out: KVM_EXIT_IO, size 1, count 1
    ret

; wait_thre: return once the line status says the transmitter is ready.
wait_thre:
    mov dx, COM1_LSR
.poll:
    in al, dx           ; one byte in: KVM_EXIT_IO, direction in
    test al, LSR_THRE
    jz .poll
    ret

; getc: wait until a byte has arrived, then return it in AL.
getc:
    mov dx, COM1_LSR
.poll:
    in al, dx
    test al, LSR_DR
    jz .poll
    mov dx, COM1
    in al, dx           ; the byte itself
    ret

greeting: db "Hello from the guest, running in real mode!", 13, 10, 0
question: db "What is your name? ", 0
answer:   db 13, 10, "Nice to meet you, ", 0
stranger: db "stranger", 0
goodbye:  db ". Goodbye!", 13, 10, 0

times 510 - ($ - $$) db 0   ; pad to byte 510 of the sector
dw 0xaa55                   ; the boot signature (bytes 55 aa)
