; loop.asm - never stops, never exits to the host: only a timeout ends it.
bits 16
org 0x7c00
spin:
    jmp spin
