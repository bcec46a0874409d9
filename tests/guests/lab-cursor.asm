; lab-cursor.asm - for lab 09's extra "cursor": puts the VGA cursor at row
; 2, column 5 through the CRT controller (index port 0x3d4, data port
; 0x3d5; register 0x0e is the cursor location's high byte, 0x0f its low
; byte, counted in cells from the top left: 2 * 80 + 5 = 165 = 0x00a5),
; reads both back, prints them, and exits with 5. Without the extra, both
; ports are nobody's and read 0xff.
bits 16
org 0xf000

CRTC_INDEX equ 0x3d4
CRTC_DATA  equ 0x3d5

start:
    call setup
    mov dx, CRTC_INDEX
    mov al, 0x0e        ; select Cursor Location High
    out dx, al
    mov dx, CRTC_DATA
    mov al, 0x00        ; 165 >> 8
    out dx, al
    mov dx, CRTC_INDEX
    mov al, 0x0f        ; select Cursor Location Low
    out dx, al
    mov dx, CRTC_DATA
    mov al, 0xa5        ; 165 & 0xff
    out dx, al

    mov dx, CRTC_INDEX
    mov al, 0x0e
    out dx, al
    mov dx, CRTC_DATA
    in al, dx           ; read the high byte back
    movzx eax, al
    call puthex32
    call space
    mov dx, CRTC_INDEX
    mov al, 0x0f
    out dx, al
    mov dx, CRTC_DATA
    in al, dx           ; and the low byte
    movzx eax, al
    call puthex32
    call newline
    mov al, 5
    jmp exit

%include "rom16.inc"
