/* vga.c - see vga.h. */
#include "vga.h"

#include <string.h>

void vga_init(struct vga_text *vga)
{
	for (size_t i = 0; i < VGA_TEXT_WINDOW; i += 2) {
		vga->mem[i] = ' ';
		vga->mem[i + 1] = VGA_BLANK_ATTR;
	}
}

/* The bus never gives an offset and size that leave the window (bus_find()
 * checks), so these need no check of their own. */
uint64_t vga_read(void *opaque, uint64_t offset, unsigned size)
{
	const struct vga_text *vga = opaque;
	uint64_t value = 0;

	for (unsigned i = 0; i < size; i++)
		value |= (uint64_t)vga->mem[offset + i] << (8 * i);
	return value;
}

void vga_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	struct vga_text *vga = opaque;

	for (unsigned i = 0; i < size; i++)
		vga->mem[offset + i] = (uint8_t)(value >> (8 * i));
}

static char shown(uint8_t c)
{
	return c >= 0x20 && c < 0x7f ? (char)c : '.';
}

void vga_draw(const struct vga_text *vga, FILE *out)
{
	char line[VGA_COLUMNS + 1], frame[VGA_COLUMNS + 1];
	int last = -1;

	for (int r = 0; r < VGA_ROWS; r++)
		for (int c = 0; c < VGA_COLUMNS; c++)
			if (vga->mem[2 * (r * VGA_COLUMNS + c)] != ' ')
				last = r;
	memset(frame, '-', VGA_COLUMNS);
	frame[VGA_COLUMNS] = '\0';
	fprintf(out, "the screen (VGA text, %dx%d at 0x%x), as the guest left it:\n",
		VGA_COLUMNS, VGA_ROWS, VGA_TEXT_BASE);
	fprintf(out, "  +%s+\n", frame);
	for (int r = 0; r <= last; r++) {
		for (int c = 0; c < VGA_COLUMNS; c++)
			line[c] = shown(vga->mem[2 * (r * VGA_COLUMNS + c)]);
		line[VGA_COLUMNS] = '\0';
		fprintf(out, "  |%s|\n", line);
	}
	if (last < VGA_ROWS - 1)
		fprintf(out, "  |%-*s|\n", VGA_COLUMNS, last < 0 ? "(blank)" :
			"(the rows below are blank)");
	fprintf(out, "  +%s+\n", frame);
}
