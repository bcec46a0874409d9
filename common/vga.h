/* vga.h - the text screen of a PC's VGA card, as a memory-mapped device.
 *
 * In colour text mode (mode 3, what a PC BIOS sets up at boot) the card
 * shows 80 columns by 25 rows from the memory it decodes at guest-physical
 * 0xb8000-0xbffff (the Graphics Controller's Miscellaneous register,
 * memory map select 11: 32 KiB). Each cell is two bytes: the character
 * (code page 437) at the even address, its attribute at the odd one: bits
 * 3-0 the foreground colour, 6-4 the background, 7 blink. Row r, column
 * c is at 0xb8000 + 2 * (80 * r + c). The 32 KiB hold 8 such screens
 * ("pages"); the card shows page 0 here, and this device leaves out the
 * CRT controller's ports (0x3d4/0x3d5) that move the start and the cursor.
 *
 * The state is the card's memory, nothing else: a read returns what was
 * written. The monitor draws page 0 as text when the run ends. */
#ifndef KVM_STEPS_VGA_H
#define KVM_STEPS_VGA_H

#include <stdint.h>
#include <stdio.h>

#define VGA_TEXT_BASE    0xb8000u
#define VGA_TEXT_WINDOW  0x8000u  /* 32 KiB decoded */
#define VGA_COLUMNS      80
#define VGA_ROWS         25
#define VGA_BLANK_ATTR   0x07     /* light grey on black */

struct vga_text {
	uint8_t mem[VGA_TEXT_WINDOW];
};

/* Every cell of every page a space on light grey, as after a BIOS clears
 * the screen (the card's memory is undefined at power-on). */
void vga_init(struct vga_text *vga);

/* The bus's read and write (bus.h): size 1 to 8, little-endian. */
uint64_t vga_read(void *vga, uint64_t offset, unsigned size);
void vga_write(void *vga, uint64_t offset, unsigned size, uint64_t value);

/* Page 0 as text in a frame, down to its last row that is not blank;
 * characters outside printable ASCII are shown as '.'. */
void vga_draw(const struct vga_text *vga, FILE *out);

#endif
