/* fuzz-gen.c - random real-mode guests for make fuzz (tools/fuzz.sh).
 *
 *   fuzz-gen SEED FIRST COUNT DIR [rom|irq|bzimage]   writes DIR/FIRST.bin ... one per guest
 *
 * With "rom", each guest is a ROM image for chapter 09 instead: the same
 * kind of random code, with pieces added that reach its MMIO devices, the
 * hole, and the ROM itself (reads and writes of 1, 2, 4 and 8 bytes at
 * 0xb8000, 0xd0000, 0xa0000, 0xc0000, 0xf0000, through CS into the ROM),
 * and 16 bytes at the end, at the reset vector, that jump to its start.
 * With "irq", ROM images for chapter 10: the same again, with pieces that
 * program its PIC and PIT with likely and unlikely values (ICW sequences,
 * masks, EOIs and OCW3 commands, control words, counts from 1 up), read
 * them back, fill in IVT entries, and wait in "sti; hlt".
 * Without either, the guests are exactly those of earlier versions, and
 * "rom" gives those of its own: the numbers drawn for them do not change.
 *
 * With "bzimage", each file is a kernel image for chapter 15's
 * --dry-run instead: a bzImage as far as a loader looks (the setup
 * header of lx_mkbz in tests/cases/59-linux.sh), then one to eight
 * mutations: a random byte in the header, a field set to an edge value
 * (0, 1, all ones, just past a limit), the file cut short; a quarter of
 * the images are random bytes of a random size instead.
 *
 * Guest N depends only on SEED and N, so any failure can be made again
 * from those two numbers alone. A quarter of the guests are plain random
 * bytes; the rest are random bytes mixed with the instructions that lead
 * somewhere interesting for a monitor: port I/O of every size and
 * direction at COM1, the exit port and ports nobody owns, string I/O with
 * random counts, segment loads that reach past guest RAM (MMIO exits),
 * far jumps, software interrupts, HLT, and moves to CR0 and the
 * descriptor-table registers that send the CPU into states the guest
 * cannot survive. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define GUEST_MAX 512
#define RESET_STUB 16 /* ROM images: the bytes at 0xfffffff0 */

static int rom_mode; /* chapter 09's ROM images, with MMIO pieces */
static int irq_mode; /* chapter 10's: ROM images with PIC and PIT pieces too */
static int bzimage_mode; /* chapter 15's kernel images */

/* splitmix64: a tiny generator with good output from any seed, and the
 * same numbers on every machine (rand() promises neither). */
static uint64_t next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned below(uint64_t *state, unsigned n)
{
	return (unsigned)(next(state) % n);
}

struct guest {
	uint8_t bytes[GUEST_MAX];
	size_t len;
};

static void emit(struct guest *g, const uint8_t *code, size_t len)
{
	for (size_t i = 0; i < len && g->len < GUEST_MAX; i++)
		g->bytes[g->len++] = code[i];
}

static uint16_t pick_port(uint64_t *st)
{
	static const uint16_t ports[] = {
		0x3f8, 0x3f9, 0x3fa, 0x3fb, 0x3fc, 0x3fd, 0x3fe, 0x3ff, /* COM1 */
		0x3f7, 0xf3, 0xf5,        /* next to COM1 and the exit port */
		0x80, 0x61, 0x2f8, 0x70, 0x0, 0xffff,
	};

	if (below(st, 16) == 0)
		return 0xf4;              /* the exit port: ends the run, so rarely */
	if (below(st, 4) == 0)
		return (uint16_t)next(st); /* anywhere */
	return ports[below(st, sizeof(ports) / sizeof(ports[0]))];
}

/* One piece of a guest: an instruction, or a few random bytes. */
static void piece(struct guest *g, uint64_t *st)
{
	uint16_t port = pick_port(st), word = (uint16_t)next(st);
	uint32_t dword = (uint32_t)next(st);
	uint8_t code[16];

	switch (below(st, irq_mode ? 32 : rom_mode ? 26 : 20)) {
	case 0: case 1: case 2: {                   /* random bytes */
		unsigned n = 1 + below(st, 8);

		for (unsigned i = 0; i < n; i++)
			code[i] = (uint8_t)next(st);
		emit(g, code, n);
		break;
	}
	case 3: case 4: {                           /* mov dx, port; out dx, al/ax/eax */
		static const uint8_t outs[][2] = { { 0xee }, { 0xef }, { 0x66, 0xef } };
		unsigned k = below(st, 3);

		emit(g, (uint8_t[]){ 0xba, (uint8_t)port, (uint8_t)(port >> 8) }, 3);
		emit(g, outs[k], k == 2 ? 2 : 1);
		break;
	}
	case 5: case 6: {                           /* mov dx, port; in al/ax/eax, dx */
		static const uint8_t ins[][2] = { { 0xec }, { 0xed }, { 0x66, 0xed } };
		unsigned k = below(st, 3);

		emit(g, (uint8_t[]){ 0xba, (uint8_t)port, (uint8_t)(port >> 8) }, 3);
		emit(g, ins[k], k == 2 ? 2 : 1);
		break;
	}
	case 7:                                     /* out imm8, al / in al, imm8 */
		emit(g, (uint8_t[]){ below(st, 2) ? 0xe6 : 0xe4, (uint8_t)port }, 2);
		break;
	case 8: {                                   /* mov cx, n; mov dx, port; rep ins/outs */
		static const uint8_t ops[] = { 0x6c, 0x6d, 0x6e, 0x6f };
		uint16_t count = (uint16_t)(below(st, 4) ? below(st, 40) : word);

		emit(g, (uint8_t[]){ 0xb9, (uint8_t)count, (uint8_t)(count >> 8) }, 3);
		emit(g, (uint8_t[]){ 0xba, (uint8_t)port, (uint8_t)(port >> 8) }, 3);
		if (below(st, 3) == 0)
			emit(g, (uint8_t[]){ 0x66 }, 1); /* dword items */
		emit(g, (uint8_t[]){ 0xf3, ops[below(st, 4)] }, 2);
		break;
	}
	case 9: {                                   /* mov ax, imm; mov ds/es/ss, ax */
		static const uint8_t sregs[] = { 0xd8, 0xc0, 0xd0 };
		uint16_t seg = below(st, 2) ? (uint16_t)(0xf000 | word) : word;

		emit(g, (uint8_t[]){ 0xb8, (uint8_t)seg, (uint8_t)(seg >> 8) }, 3);
		emit(g, (uint8_t[]){ 0x8e, sregs[below(st, 3)] }, 2);
		break;
	}
	case 10:                                    /* mov ax, [imm] / mov [imm], ax, via ES */
		emit(g, (uint8_t[]){ 0x26, below(st, 2) ? 0xa1 : 0xa3, (uint8_t)word,
				     (uint8_t)(word >> 8) }, 4);
		break;
	case 11:                                    /* hlt, cli, sti */
		emit(g, (uint8_t[]){ (uint8_t[]){ 0xf4, 0xfa, 0xfb }[below(st, 3)] }, 1);
		break;
	case 12:                                    /* jmp short anywhere near */
		emit(g, (uint8_t[]){ 0xeb, (uint8_t)next(st) }, 2);
		break;
	case 13:                                    /* jmp far seg:off */
		emit(g, (uint8_t[]){ 0xea, (uint8_t)word, (uint8_t)(word >> 8),
				     (uint8_t)dword, (uint8_t)(dword >> 8) }, 5);
		break;
	case 14:                                    /* int n */
		emit(g, (uint8_t[]){ 0xcd, (uint8_t)next(st) }, 2);
		break;
	case 15:                                    /* lidt / lgdt [imm] */
		emit(g, (uint8_t[]){ 0x0f, 0x01, below(st, 2) ? 0x1e : 0x16,
				     (uint8_t)word, (uint8_t)(word >> 8) }, 5);
		break;
	case 16:                                    /* mov eax, imm32; mov cr0, eax */
		emit(g, (uint8_t[]){ 0x66, 0xb8, (uint8_t)dword, (uint8_t)(dword >> 8),
				     (uint8_t)(dword >> 16), (uint8_t)(dword >> 24),
				     0x0f, 0x22, 0xc0 }, 9);
		break;
	case 17:                                    /* ud2, or a few bytes of int3 */
		emit(g, below(st, 2) ? (uint8_t[]){ 0x0f, 0x0b } : (uint8_t[]){ 0xcc, 0xcc }, 2);
		break;
	case 18:                                    /* mov al, imm; out 0xf4, al: an exit */
		if (below(st, 4) == 0)
			emit(g, (uint8_t[]){ 0xb0, (uint8_t)next(st), 0xe6, 0xf4 }, 4);
		break;
	case 20: case 21: case 22: case 23: case 24: { /* mov ax, seg; mov es, ax; an access */
		static const uint16_t segs[] = { 0xb800, 0xd000, 0xa000, 0xc000, 0xf000,
						 0xbfff, 0xffff, 0x0000 };
		static const uint16_t offs[] = { 0x0000, 0x0004, 0x0008, 0x000c, 0x0050,
						 0x0051, 0x7ffe, 0xfffc };
		uint16_t seg = below(st, 8) ? segs[below(st, 8)] : word;
		uint16_t off = below(st, 4) ? offs[below(st, 8)] : (uint16_t)dword;
		static const uint8_t ops[][4] = {
			{ 0x26, 0xa0 },             /* mov al, [es:off] */
			{ 0x26, 0xa1 },             /* mov ax, [es:off] */
			{ 0x66, 0x26, 0xa1 },       /* mov eax, [es:off] */
			{ 0x26, 0xa2 },             /* mov [es:off], al */
			{ 0x26, 0xa3 },             /* mov [es:off], ax */
			{ 0x66, 0x26, 0xa3 },       /* mov [es:off], eax */
			{ 0x26, 0x0f, 0x6f, 0x06 }, /* movq mm0, [es:off] */
			{ 0x26, 0x0f, 0x7f, 0x06 }, /* movq [es:off], mm0 */
		};
		static const uint8_t lens[] = { 2, 2, 3, 2, 2, 3, 4, 4 };
		unsigned k = below(st, 8);

		emit(g, (uint8_t[]){ 0xb8, (uint8_t)seg, (uint8_t)(seg >> 8), 0x8e, 0xc0 }, 5);
		emit(g, ops[k], lens[k]);
		emit(g, (uint8_t[]){ (uint8_t)off, (uint8_t)(off >> 8) }, 2);
		break;
	}
	case 25:                                    /* mov [cs:off], al: a write to the ROM */
		emit(g, (uint8_t[]){ 0x2e, 0xa2, (uint8_t)word, (uint8_t)(word >> 8) }, 4);
		break;
	case 26: {                                  /* the PIC: ICW1-ICW4 and a mask */
		static const uint8_t icw1[] = { 0x11, 0x13, 0x12, 0x19, 0x10 };
		static const uint8_t icw2[] = { 0x20, 0x08, 0x70, 0x00, 0xf8 };
		static const uint8_t icw4[] = { 0x01, 0x03, 0x00, 0x1d };
		static const uint8_t mask[] = { 0x00, 0xfe, 0xee, 0xff };
		uint8_t v[5] = {
			below(st, 4) ? icw1[below(st, 5)] : (uint8_t)(next(st) | 0x10),
			below(st, 4) ? icw2[below(st, 5)] : (uint8_t)next(st),
			0x04,
			below(st, 4) ? icw4[below(st, 4)] : (uint8_t)next(st),
			below(st, 4) ? mask[below(st, 4)] : (uint8_t)next(st),
		};

		for (unsigned i = 0; i < 5; i++)      /* mov al, v; out 0x20 or 0x21, al */
			emit(g, (uint8_t[]){ 0xb0, v[i], 0xe6, i ? 0x21 : 0x20 }, 4);
		break;
	}
	case 27: {                                  /* the PIT: a control word and a count */
		static const uint8_t cws[] = { 0x34, 0x36, 0x30, 0x14, 0x24, 0xb6, 0x00, 0xc2 };
		static const uint16_t counts[] = { 1193, 11932, 1, 2, 0, 100, 3 };
		uint8_t cw = below(st, 4) ? cws[below(st, 8)] : (uint8_t)next(st);
		uint16_t count = below(st, 4) ? counts[below(st, 7)] : word;
		uint8_t counter = (uint8_t)(0x40 + (cw >> 6 == 3 ? 0 : cw >> 6));

		emit(g, (uint8_t[]){ 0xb0, cw, 0xe6, 0x43 }, 4);
		emit(g, (uint8_t[]){ 0xb0, (uint8_t)count, 0xe6, counter }, 4);
		emit(g, (uint8_t[]){ 0xb0, (uint8_t)(count >> 8), 0xe6, counter }, 4);
		break;
	}
	case 28:                                    /* sti; hlt: wait for an interrupt */
		emit(g, (uint8_t[]){ 0xfb, 0xf4 }, 2);
		break;
	case 29: {                                  /* OCW2 or OCW3 */
		static const uint8_t ocw[] = { 0x20, 0x60, 0x64, 0xa0, 0xe0, 0xc3, 0xc7,
					       0x0a, 0x0b, 0x0c, 0x40, 0x80 };
		uint8_t v = below(st, 4) ? ocw[below(st, 12)] : (uint8_t)next(st);

		emit(g, (uint8_t[]){ 0xb0, v, 0xe6, 0x20 }, 4);
		break;
	}
	case 30:                                    /* in al, 0x20-0x21 or 0x40-0x43 */
		emit(g, (uint8_t[]){ 0xe4, (uint8_t[]){ 0x20, 0x21, 0x40, 0x41, 0x42,
							0x43 }[below(st, 6)] }, 2);
		break;
	case 31: {                                  /* mov word [ds:off], imm: an IVT entry */
		uint16_t off = (uint16_t)(below(st, 0x100) * 2);

		emit(g, (uint8_t[]){ 0xc7, 0x06, (uint8_t)off, (uint8_t)(off >> 8),
				     (uint8_t)word, (uint8_t)(word >> 8) }, 6);
		break;
	}
	default: {                                  /* a short loop back */
		uint8_t back = (uint8_t)(0x100 - 2 - below(st, 12));

		emit(g, (uint8_t[]){ 0xe2, back }, 2);  /* loop: CX times, then on */
		break;
	}
	}
}

/* A ROM image ends at 4 GiB: its last 16 bytes are at 0xfffffff0, CS base
 * 0xffff0000, IP 0xfff0. There: a near jump back to the image's first
 * byte (CS unchanged), then random bytes. */
static void add_reset_stub(struct guest *g, uint64_t *st)
{
	size_t code = g->len > GUEST_MAX - RESET_STUB ? GUEST_MAX - RESET_STUB : g->len;
	uint16_t start = (uint16_t)(0x10000 - (code + RESET_STUB));
	uint16_t rel = (uint16_t)(start - (0xfff0 + 3));

	g->len = code;
	emit(g, (uint8_t[]){ 0xe9, (uint8_t)rel, (uint8_t)(rel >> 8) }, 3);
	while (g->len < code + RESET_STUB)
		g->bytes[g->len++] = (uint8_t)next(st);
}

static void make_guest(struct guest *g, uint64_t seed, uint64_t index)
{
	uint64_t st = seed * 0x2545f4914f6cdd1dull ^ index;
	size_t size;

	next(&st); /* mix the seed and index in before the first use */
	size = 1 + below(&st, GUEST_MAX);
	if (rom_mode && size > GUEST_MAX - RESET_STUB)
		size = GUEST_MAX - RESET_STUB;
	g->len = 0;
	if (below(&st, 4) == 0) {
		while (g->len < size)
			g->bytes[g->len++] = (uint8_t)next(&st);
	} else {
		while (g->len < size)
			piece(g, &st);
	}
	if (rom_mode)
		add_reset_stub(g, &st);
}

/* ---- chapter 15: mutated bzImage headers -------------------------------- */

#define BZ_SETUP (5 * 512) /* 4 setup sectors and the boot sector */
#define BZ_MAX (BZ_SETUP + 8192)

static void put(uint8_t *b, size_t at, uint64_t value, unsigned bytes)
{
	for (unsigned i = 0; i < bytes; i++)
		b[at + i] = (uint8_t)(value >> (8 * i));
}

/* An edge value for a field of the given width: 0, 1, all ones, the
 * largest positive, a random one, or the one given plus or minus one. */
static uint64_t edge(uint64_t *st, unsigned bytes, uint64_t near)
{
	uint64_t ones = bytes == 8 ? ~0ull : (1ull << (8 * bytes)) - 1;

	switch (below(st, 7)) {
	case 0: return 0;
	case 1: return 1;
	case 2: return ones;
	case 3: return ones >> 1;
	case 4: return next(st) & ones;
	case 5: return (near + 1) & ones;
	default: return (near - 1) & ones;
	}
}

static size_t make_bzimage(uint8_t *b, uint64_t seed, uint64_t index)
{
	/* The header's fields a loader reads: offset, width, a good value. */
	static const struct { uint16_t at; uint8_t bytes; uint32_t good; } fields[] = {
		{ 0x1f1, 1, 4 },          /* setup_sects */
		{ 0x1f4, 4, 8192 / 16 },  /* syssize */
		{ 0x1fe, 2, 0xaa55 },     /* boot_flag */
		{ 0x201, 1, 0x66 },       /* the jump's offset: the header's length */
		{ 0x202, 4, 0x53726448 }, /* "HdrS" */
		{ 0x206, 2, 0x020f },     /* version */
		{ 0x211, 1, 0x01 },       /* loadflags: LOADED_HIGH */
		{ 0x214, 4, 0x100000 },   /* code32_start */
		{ 0x22c, 4, 0x7fffffff }, /* initrd_addr_max */
		{ 0x230, 4, 0x200000 },   /* kernel_alignment */
		{ 0x234, 1, 1 },          /* relocatable_kernel */
		{ 0x238, 4, 2047 },       /* cmdline_size */
		{ 0x258, 8, 0x1000000 },  /* pref_address: where a relocatable one runs */
		{ 0x260, 4, 0x800000 },   /* init_size */
	};
	uint64_t st = seed * 0x2545f4914f6cdd1dull ^ index ^ 0xb21ae5ull;
	size_t pm, size;
	unsigned n;

	next(&st);
	if (below(&st, 4) == 0) {
		size = below(&st, BZ_MAX + 1);
		for (size_t i = 0; i < size; i++)
			b[i] = (uint8_t)next(&st);
		return size;
	}
	pm = 16 * below(&st, (BZ_MAX - BZ_SETUP) / 16 + 1);
	size = BZ_SETUP + pm;
	memset(b, below(&st, 2) ? 0xff : 0, 512); /* since 6.1.88: all 0xff */
	memset(b + 512, 0, size - 512);
	b[0x200] = 0xeb;
	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		put(b, fields[i].at, fields[i].good, fields[i].bytes);
	put(b, 0x1f4, pm / 16, 4);
	n = 1 + below(&st, 8);
	while (n--) {
		unsigned f = below(&st, sizeof(fields) / sizeof(fields[0]));

		switch (below(&st, 4)) {
		case 0: /* a random byte anywhere in the header */
			b[0x1f1 + below(&st, 0x270 - 0x1f1)] = (uint8_t)next(&st);
			break;
		case 1: /* the file cut short */
			size = below(&st, (unsigned)size + 1);
			break;
		default: /* a field at an edge */
			put(b, fields[f].at, edge(&st, fields[f].bytes, fields[f].good),
			    fields[f].bytes);
			break;
		}
	}
	return size;
}

static unsigned long long number(const char *text, const char *what)
{
	char *end;
	unsigned long long n;

	errno = 0;
	n = strtoull(text, &end, 10);
	if (end == text || *end != '\0' || errno != 0 || text[0] == '-') {
		fprintf(stderr, "fuzz-gen: %s '%s' is not a whole number\n", what, text);
		exit(64);
	}
	return n;
}

int main(int argc, char **argv)
{
	unsigned long long seed, first, count;
	struct guest g;
	char path[4096];

	static uint8_t bz[BZ_MAX];

	if (argc == 6 && strcmp(argv[5], "rom") == 0)
		rom_mode = 1;
	else if (argc == 6 && strcmp(argv[5], "irq") == 0)
		rom_mode = irq_mode = 1;
	else if (argc == 6 && strcmp(argv[5], "bzimage") == 0)
		bzimage_mode = 1;
	else if (argc != 5) {
		fprintf(stderr, "usage: fuzz-gen SEED FIRST COUNT DIR [rom|irq|bzimage]\n");
		return 64;
	}
	seed = number(argv[1], "SEED");
	first = number(argv[2], "FIRST");
	count = number(argv[3], "COUNT");
	for (unsigned long long i = first; i < first + count; i++) {
		FILE *f;
		const uint8_t *bytes = g.bytes;
		size_t len;

		if (bzimage_mode) {
			len = make_bzimage(bz, seed, i);
			bytes = bz;
		} else {
			make_guest(&g, seed, i);
			len = g.len;
		}
		snprintf(path, sizeof(path), "%s/%llu.bin", argv[4], i);
		f = fopen(path, "wb");
		if (!f || fwrite(bytes, 1, len, f) != len || fclose(f) != 0) {
			fprintf(stderr, "fuzz-gen: cannot write %s\n", path);
			return 74;
		}
	}
	return 0;
}
