; linux-entry.asm - a made-up "kernel" for chapter 15: a bzImage as far
; as a loader looks (a boot sector, the setup header at 0x1f1, one setup
; sector), whose protected-mode part, loaded at 1 MiB and entered at
; code32_start, prints what the loader gave it and stops. It checks the
; 32-bit boot protocol's entry state (Documentation/arch/x86/boot.rst,
; "32-bit boot protocol") and the zero page the loader built, on COM1,
; then writes 0 to the exit port. Its header is that of a 2.15 kernel
; with a 64-bit entry too (XLF_KERNEL_64): at code32_start + 0x200, the
; 64-bit boot protocol's entry prints that it was taken, and how.
;
; What it prints (tests/cases/59-linux.sh and labs/tests/15-linux.sh
; read it):
;   entry32: cs 0010 ds 0018 es 0018 ss 0018 esi 00007000 if 0 pg 0
;   zero page: flag aa55 HdrS loader ff loadflags 81 heap fe00
;   cmdline 00020000: <the command line>
;   e820 3: 00000000+0009fc00 1, 0009fc00+00060400 2, 00100000+0ff00000 1
;   initrd 0ffff000+00000009
;   rtc: <status D> <status B> <hh:mm:ss yy-mm-dd, BCD> (all ff: no clock)
; or, entered at the 64-bit entry:
;   entry64: cs 0010 ds 0018 efer.lma 1 pg 1 rsi 00007000 if 0

PM_BASE     equ 0x100000
COM1        equ 0x3f8
EXIT_PORT   equ 0xf4
SETUP_SECTS equ 1

section setup start=0 vstart=0
bits 16
	times 0x1f1 db 0xff          ; the boot sector's rest: 0xff, as since 6.1.88
	db SETUP_SECTS               ; 0x1f1 setup_sects
	dw 0                         ; 0x1f2 root_flags
	dd (pm_end - pm_start) / 16  ; 0x1f4 syssize, in 16-byte paragraphs
	dw 0, 0, 0                   ; 0x1f8 ram_size, vid_mode, root_dev
	dw 0xaa55                    ; 0x1fe boot_flag
	db 0xeb, hdr_end - 0x202     ; 0x200 jump over the header
	db "HdrS"                    ; 0x202 header
	dw 0x020f                    ; 0x206 version 2.15
	dd 0                         ; 0x208 realmode_swtch
	dw 0, 0                      ; 0x20c start_sys_seg, kernel_version
	db 0                         ; 0x210 type_of_loader: the loader's to fill
	db 0x01                      ; 0x211 loadflags: LOADED_HIGH
	dw 0                         ; 0x212 setup_move_size
	dd PM_BASE                   ; 0x214 code32_start
	dd 0, 0                      ; 0x218 ramdisk_image, ramdisk_size
	dd 0                         ; 0x220 bootsect_kludge
	dw 0                         ; 0x224 heap_end_ptr
	db 0, 0                      ; 0x226 ext_loader_ver, ext_loader_type
	dd 0                         ; 0x228 cmd_line_ptr
	dd 0x7fffffff                ; 0x22c initrd_addr_max
	dd 0x200000                  ; 0x230 kernel_alignment
	db 0, 0                      ; 0x234 relocatable_kernel, min_alignment
	dw 0x0001                    ; 0x236 xloadflags: XLF_KERNEL_64
	dd 2047                      ; 0x238 cmdline_size
	dd 0                         ; 0x23c hardware_subarch
	dq 0                         ; 0x240 hardware_subarch_data
	dd 0, 0                      ; 0x248 payload_offset, payload_length
	dq 0                         ; 0x250 setup_data
	dq PM_BASE                   ; 0x258 pref_address
	dd 0x100000                  ; 0x260 init_size: 1 MiB
	dd 0                         ; 0x264 handover_offset
	dd 0                         ; 0x268 kernel_info_offset
hdr_end:
	times (SETUP_SECTS + 1) * 512 - ($ - $$) db 0

section pm follows=setup vstart=PM_BASE
pm_start:
bits 32
	jmp entry32                  ; code32_start: past the 64-bit entry

; The 64-bit entry: code32_start + 0x200 (boot.rst, "64-bit boot
; protocol"): long mode, paging on with the loaded kernel, the zero
; page, the command line and the stack identity-mapped. 32-bit code
; cannot run here, so the few routines it needs are written again.
	times 0x200 - ($ - pm_start) db 0xcc
bits 64
entry64:
	mov rbp, rsi
	mov rsp, 0x90000             ; no stack is promised: take one low
	mov edi, msg_entry64
	call puts64
	mov eax, cs
	call hex16_64
	mov edi, msg_ds
	call puts64
	mov eax, ds
	call hex16_64
	mov edi, msg_lma
	call puts64
	mov ecx, 0xc0000080          ; EFER
	rdmsr
	shr eax, 10                  ; LMA
	and eax, 1
	add al, '0'
	call putc64
	mov edi, msg_pg
	call puts64
	mov rax, cr0
	shr rax, 31
	and eax, 1
	add al, '0'
	call putc64
	mov edi, msg_rsi
	call puts64
	mov rax, rbp
	call hex32_64
	mov edi, msg_if
	call puts64
	pushfq
	pop rax
	shr eax, 9
	and eax, 1
	add al, '0'
	call putc64
	mov al, 10
	call putc64
	xor eax, eax
	out EXIT_PORT, al
	hlt
	jmp $

putc64:
	push rax
	push rdx
	mov ah, al
	mov dx, COM1 + 5
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	mov al, ah
	mov dx, COM1
	out dx, al
	pop rdx
	pop rax
	ret

puts64:
	push rax
.next:
	mov al, [rdi]
	test al, al
	jz .done
	call putc64
	inc rdi
	jmp .next
.done:
	pop rax
	ret

hex32_64:
	push rcx
	mov ecx, 8
	jmp hex_64
hex16_64:
	push rcx
	mov ecx, 4
	shl eax, 16
hex_64:
	push rbx
	mov ebx, eax
.loop:
	rol ebx, 4
	mov al, bl
	and al, 0x0f
	add al, '0'
	cmp al, '9'
	jbe .put
	add al, 'a' - '9' - 1
.put:
	call putc64
	loop .loop
	pop rbx
	pop rcx
	ret


bits 32
entry32:
	; The protocol promises no stack (Linux makes its own in the zero
	; page's scratch field): take one below 640 KiB.
	mov esp, 0x90000
	mov ebp, esi                 ; the zero page, kept
	mov edi, msg_entry32
	call puts
	mov eax, cs
	call hex16
	mov edi, msg_ds
	call puts
	mov eax, ds
	call hex16
	mov edi, msg_es
	call puts
	mov eax, es
	call hex16
	mov edi, msg_ss
	call puts
	mov eax, ss
	call hex16
	mov edi, msg_esi
	call puts
	mov eax, ebp
	call hex32
	mov edi, msg_if
	call puts
	pushfd
	pop eax
	shr eax, 9                   ; EFLAGS.IF
	and eax, 1
	call digit
	mov edi, msg_pg
	call puts
	mov eax, cr0
	shr eax, 31                  ; CR0.PG
	call digit
	call newline
	call zero_page
	call rtc
	xor eax, eax
	out EXIT_PORT, al
	hlt
	jmp $

; The zero page at EBP: the header fields the loader sets, the command
; line, the e820 map, the initramfs.
zero_page:
	mov edi, msg_zp
	call puts
	movzx eax, word [ebp + 0x1fe]
	call hex16
	mov al, ' '
	call putc
	mov eax, [ebp + 0x202]       ; "HdrS", as four characters
	mov ecx, 4
.magic:
	call putc
	shr eax, 8
	loop .magic
	mov edi, msg_loader
	call puts
	movzx eax, byte [ebp + 0x210]
	call hex8
	mov edi, msg_loadflags
	call puts
	movzx eax, byte [ebp + 0x211]
	call hex8
	mov edi, msg_heap
	call puts
	movzx eax, word [ebp + 0x224]
	call hex16
	call newline
	mov edi, msg_cmdline
	call puts
	mov eax, [ebp + 0x228]
	call hex32
	mov al, ':'
	call putc
	mov al, ' '
	call putc
	mov edi, [ebp + 0x228]
	call puts
	call newline
	mov edi, msg_e820
	call puts
	movzx ebx, byte [ebp + 0x1e8] ; e820_entries
	mov eax, ebx
	call digit
	mov al, ':'
	call putc
	lea esi, [ebp + 0x2d0]       ; e820_table: addr, size (8 bytes each), type
	cmp ebx, 8
	jbe .entries
	mov ebx, 8                   ; never more than 8 shown
.entries:
	test ebx, ebx
	jz .e820_done
	mov al, ' '
	call putc
	mov eax, [esi]
	call hex32
	mov al, '+'
	call putc
	mov eax, [esi + 8]
	call hex32
	mov al, ' '
	call putc
	mov eax, [esi + 16]
	call digit
	add esi, 20
	dec ebx
	jz .e820_done
	mov al, ','
	call putc
	jmp .entries
.e820_done:
	call newline
	mov edi, msg_initrd
	call puts
	mov eax, [ebp + 0x218]
	call hex32
	mov al, '+'
	call putc
	mov eax, [ebp + 0x21c]
	call hex32
	call newline
	ret

; The CMOS clock, as Linux reads it (index at port 0x70, data at 0x71):
; status D (0x80: the battery is good), status B (0x02: 24-hour, BCD),
; the time and the date as they come, BCD. Without a clock every read
; gives ff.
rtc:
	mov edi, msg_rtc
	call puts
	mov esi, rtc_regs
.next:
	mov al, [esi]
	cmp al, 0xff
	je .done
	out 0x70, al
	in al, 0x71
	movzx eax, al
	call hex8
	mov al, [esi + 1]
	call putc
	add esi, 2
	jmp .next
.done:
	call newline
	ret

; index, then the character printed after its value
rtc_regs: db 0x0d, ' ', 0x0b, ' ', 0x04, ':', 0x02, ':', 0x00, ' '
	  db 0x09, '-', 0x08, '-', 0x07, ' ', 0xff

; putc AL to COM1, waiting for THR empty (LSR bit 5).
putc:
	push eax
	push edx
	mov ah, al
	mov dx, COM1 + 5
.wait:
	in al, dx
	test al, 0x20
	jz .wait
	mov al, ah
	mov dx, COM1
	out dx, al
	pop edx
	pop eax
	ret

; puts: the NUL-terminated string at EDI (at most 256 bytes).
puts:
	push eax
	push ecx
	mov ecx, 256
.next:
	mov al, [edi]
	test al, al
	jz .done
	call putc
	inc edi
	loop .next
.done:
	pop ecx
	pop eax
	ret

newline:
	push eax
	mov al, 10
	call putc
	pop eax
	ret

; digit: EAX 0-9 as one character (other values as '?').
digit:
	push eax
	cmp eax, 9
	ja .big
	add al, '0'
	jmp .out
.big:
	mov al, '?'
.out:
	call putc
	pop eax
	ret

; hex32, hex16, hex8: EAX in 8, 4 or 2 hex digits.
hex32:
	push ecx
	mov ecx, 8
	jmp hex
hex16:
	push ecx
	mov ecx, 4
	shl eax, 16
	jmp hex
hex8:
	push ecx
	mov ecx, 2
	shl eax, 24
hex:
	push eax
	push ebx
	mov ebx, eax
.loop:
	rol ebx, 4
	mov al, bl
	and al, 0x0f
	add al, '0'
	cmp al, '9'
	jbe .put
	add al, 'a' - '9' - 1
.put:
	call putc
	loop .loop
	pop ebx
	pop eax
	pop ecx
	ret

msg_entry32:   db "entry32: cs ", 0
msg_ds:        db " ds ", 0
msg_es:        db " es ", 0
msg_ss:        db " ss ", 0
msg_esi:       db " esi ", 0
msg_if:        db " if ", 0
msg_pg:        db " pg ", 0
msg_zp:        db "zero page: flag ", 0
msg_loader:    db " loader ", 0
msg_loadflags: db " loadflags ", 0
msg_heap:      db " heap ", 0
msg_cmdline:   db "cmdline ", 0
msg_e820:      db "e820 ", 0
msg_initrd:    db "initrd ", 0
msg_rtc:       db "rtc: ", 0
msg_entry64:   db "entry64: cs ", 0
msg_lma:       db " efer.lma ", 0
msg_rsi:       db " rsi ", 0

	align 16, db 0
pm_end:
