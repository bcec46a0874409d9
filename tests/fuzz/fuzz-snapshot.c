/* fuzz-snapshot.c - mutated snapshots into chapter 14's reader
 * (common/snapshot.c), for make fuzz FUZZ_PROGRAM=14-migrate
 * (tools/fuzz.sh).
 *
 *   fuzz-snapshot SEED FIRST COUNT FAILDIR [BASE]
 *                 mutations FIRST ... FIRST+COUNT-1 of BASE (a file that
 *                 14-migrate --save wrote; without it, a snapshot of the
 *                 same machine made here with the writer, all zeros) into
 *                 snap_read_all(), snap_complete() and snap_same_shape();
 *                 a failing one is kept as FAILDIR/snapshot-seedS-N.bin
 *   fuzz-snapshot --replay FILE
 *                 one file into the reader
 *   fuzz-snapshot --restorable SEED N BASE OUT
 *                 writes to OUT a mutation of BASE that the reader takes
 *                 whole (only the contents of records changed, every CRC32
 *                 made right again), for 14-migrate --restore OUT: what KVM
 *                 then does with it is the program's to report
 *
 * It is built with the sanitizers in build/san: a read past a buffer, an
 * overflow or a leak is a report there. Beyond that each input must end
 * either whole (END read) or with a message of one line that names the
 * input. Mutation N depends only on SEED and N (splitmix64, as
 * fuzz-gen.c): bit flips, a cut at any offset, a piece of the file copied
 * over another or left out, a record's length, number or type changed,
 * and the fields the reader checks inside MACH, PAGE, MSRS, a vCPU's
 * index, CHIP and END set to edge values; half of them with every CRC32
 * made right again afterwards, so that the checks behind the CRC32s are
 * reached. */
#include "snapshot.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_RECORDS 256

static uint64_t next(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t below(uint64_t *state, uint64_t n)
{
	return n ? (uint32_t)(next(state) % n) : 0;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

/* ---- the input: bytes, and where its records are ------------------------ */

struct input {
	uint8_t *bytes;
	size_t len, room;
	unsigned records;
	size_t at[MAX_RECORDS];       /* each record's header */
};

/* Where each record is, as far as the lengths lead and fit. */
static void index_records(struct input *in)
{
	size_t off = SNAP_HEADER_SIZE;

	in->records = 0;
	while (off + SNAP_RECORD_HEADER <= in->len && in->records < MAX_RECORDS) {
		uint32_t len = get32(in->bytes + off + 4);

		if (len > in->len - off - SNAP_RECORD_HEADER)
			break;
		in->at[in->records++] = off;
		off += SNAP_RECORD_HEADER + len;
	}
}

/* Every CRC32 right again, the header's and each record's that fits. */
static void fix_crcs(struct input *in)
{
	if (in->len >= SNAP_HEADER_SIZE)
		put32(in->bytes + 20, snap_crc32(0, in->bytes, 20));
	index_records(in);
	for (unsigned i = 0; i < in->records; i++) {
		uint8_t *h = in->bytes + in->at[i];

		put32(h + 8, snap_crc32(0, h + SNAP_RECORD_HEADER, get32(h + 4)));
	}
}

/* The machine of 14-migrate (chapter 09's map), for the made-up base
 * and for snap_same_shape(). */
static struct snap_shape machine(void)
{
	struct snap_shape s = { .vcpus = 1, .regions = 3 };

	s.region[0] = (struct snap_region){ .gpa = 0, .size = 0xa0000, .slot = 0 };
	s.region[1] = (struct snap_region){ .gpa = 0x100000, .size = 0x100000, .slot = 1 };
	s.region[2] = (struct snap_region){ .gpa = 0xffff0000, .size = 0x10000, .slot = 2,
					    .flags = KVM_MEM_READONLY };
	return s;
}

static int scratch_fd(void)
{
	int fd = memfd_create("fuzz-snapshot", MFD_CLOEXEC);

	if (fd < 0) {
		FILE *f = tmpfile();

		if (f == NULL || (fd = dup(fileno(f))) < 0) {
			fprintf(stderr, "fuzz-snapshot: no scratch file: %s\n", strerror(errno));
			exit(71);
		}
		fclose(f);
	}
	return fd;
}

/* A snapshot of 14-migrate's machine, every byte of its state zero, by
 * the writer itself. */
static void made_up(struct input *in)
{
	static uint8_t zeros[SNAP_MAX_XSAVE];
	static uint8_t pages[0x100000];
	struct snap_shape shape = machine();
	struct snap_writer w;
	uint8_t head[16] = { 0 };
	int fd = scratch_fd();
	off_t end;

	snap_writer_init(&w, fd, 0);
	snap_write_shape(&w, &shape);
	for (uint32_t i = 0; i < shape.regions; i++)
		for (uint32_t pg = 0; pg < shape.region[i].size / SNAP_PAGE_SIZE; pg += 64)
			snap_write_pages(&w, i, pg, 64 < shape.region[i].size / SNAP_PAGE_SIZE - pg
					 ? 64 : (uint32_t)(shape.region[i].size / SNAP_PAGE_SIZE - pg),
					 pages);
	snap_write_vcpu(&w, SNAP_REGS, 0, zeros, sizeof(struct kvm_regs));
	snap_write_vcpu(&w, SNAP_SREG, 0, zeros, sizeof(struct kvm_sregs));
	snap_write_vcpu(&w, SNAP_XSAV, 0, zeros, sizeof(struct kvm_xsave));
	snap_write_vcpu(&w, SNAP_XCRS, 0, zeros, sizeof(struct kvm_xcrs));
	put32(head + 8, 2);
	snap_write(&w, SNAP_MSRS, head, sizeof(head), zeros, 2 * sizeof(struct kvm_msr_entry));
	snap_write_vcpu(&w, SNAP_LAPC, 0, zeros, sizeof(struct kvm_lapic_state));
	snap_write_vcpu(&w, SNAP_EVNT, 0, zeros, sizeof(struct kvm_vcpu_events));
	snap_write_vcpu(&w, SNAP_MPST, 0, zeros, sizeof(struct kvm_mp_state));
	snap_write_vcpu(&w, SNAP_DBGR, 0, zeros, sizeof(struct kvm_debugregs));
	for (uint32_t id = 0; id < 3; id++) {
		struct kvm_irqchip chip = { .chip_id = id };

		snap_write(&w, SNAP_CHIP, &chip, sizeof(chip), NULL, 0);
	}
	snap_write(&w, SNAP_PIT2, zeros, sizeof(struct kvm_pit_state2), NULL, 0);
	snap_write(&w, SNAP_CLCK, zeros, sizeof(struct kvm_clock_data), NULL, 0);
	snap_write(&w, SNAP_DEVS, zeros, SNAP_DEVICES_SIZE, NULL, 0);
	snap_write(&w, SNAP_VGA, zeros, SNAP_VGA_SIZE, NULL, 0);
	snap_write_end(&w);
	end = lseek(fd, 0, SEEK_END);
	if (w.err || end < 0) {
		fprintf(stderr, "fuzz-snapshot: cannot make the base snapshot: %s\n",
			strerror(w.err ? w.err : errno));
		exit(71);
	}
	in->len = (size_t)end;
	in->room = in->len + 64;
	in->bytes = malloc(in->room);
	if (in->bytes == NULL || pread(fd, in->bytes, in->len, 0) != (ssize_t)in->len) {
		fprintf(stderr, "fuzz-snapshot: cannot read the base snapshot back\n");
		exit(71);
	}
	close(fd);
}

static void load(struct input *in, const char *path)
{
	FILE *f = fopen(path, "rb");
	long size;

	if (f == NULL || fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) < 0) {
		fprintf(stderr, "fuzz-snapshot: cannot open %s: %s\n", path, strerror(errno));
		exit(66);
	}
	in->len = (size_t)size;
	in->room = in->len + 64;
	in->bytes = malloc(in->room);
	if (in->bytes == NULL || fread(in->bytes, 1, in->len, f) != in->len) {
		fprintf(stderr, "fuzz-snapshot: cannot read %s\n", path);
		exit(66);
	}
	fclose(f);
}

/* ---- feeding the reader -------------------------------------------------- */

static const char *failure;           /* why the input failed, or NULL */
static unsigned long long whole, complete, refused; /* for the summary */

/* One input into the reader as 14-migrate --restore reads a file; true
 * if every check held. what: its first refusal, for --replay. */
static bool feed(const uint8_t *bytes, size_t len, char *what, size_t size)
{
	static struct snapshot s;
	struct snap_shape shape = machine();
	struct snap_reader r;
	int fd = scratch_fd();
	char err[256];
	bool ok;

	failure = NULL;
	what[0] = '\0';
	if (len && write(fd, bytes, len) != (ssize_t)len) {
		fprintf(stderr, "fuzz-snapshot: cannot write the scratch file: %s\n", strerror(errno));
		exit(71);
	}
	lseek(fd, 0, SEEK_SET);
	snap_init(&s);
	snap_reader_init(&r, fd, "the input");
	ok = snap_read_all(&r, &s);
	if (ok) {
		whole++;
		if (!r.ended)
			failure = "snap_read_all() said whole, but no END was read";
		err[0] = '\0';
		if (snap_complete(&s, err, sizeof(err)) && snap_same_shape(&s, &shape, err, sizeof(err)))
			complete++;
		else if (err[0] == '\0' || strchr(err, '\n'))
			failure = "snap_complete() or snap_same_shape() refused without one line";
		snprintf(what, size, "whole%s%s", err[0] ? "; " : "", err);
	} else {
		refused++;
		if (r.err[0] == '\0')
			failure = "the reader refused it with no message";
		else if (strchr(r.err, '\n'))
			failure = "the reader's message is more than one line";
		else if (strncmp(r.err, "the input", 9) != 0)
			failure = "the reader's message does not name the input";
		snprintf(what, size, "%s", r.err);
	}
	snap_reader_close(&r);
	snap_free(&s);
	close(fd);
	return failure == NULL;
}

/* ---- mutations ---------------------------------------------------------- */

/* A u32 as the reader may meet one: small, near a limit, huge, random. */
static uint32_t edge(uint64_t *st, uint32_t near)
{
	const uint32_t edges[] = {
		0, 1, 2, 3, 4, 7, 8, 16, 24, 32, 56, 64, 255, 256, 257, 4095, 4096, 4097,
		near - 1, near, near + 1, SNAP_MAX_RECORD, SNAP_MAX_RECORD + 1, 0x7fffffff,
		0x80000000u, 0xfffffff0u, 0xffffffffu,
	};

	if (below(st, 5) == 0)
		return (uint32_t)next(st);
	return edges[below(st, sizeof(edges) / sizeof(edges[0]))];
}

/* A field the reader looks at inside the record at h, set to an edge. */
static void inner_field(uint64_t *st, uint8_t *h)
{
	uint32_t type = get32(h), len = get32(h + 4);
	uint8_t *p = h + SNAP_RECORD_HEADER;
	uint32_t off;

	switch (type) {
	case SNAP_MACH: /* vcpus, regions, or a region's gpa/size/slot/flags */
		off = below(st, 2) ? 4 * below(st, 2) : 8 + 4 * below(st, (len - 8) / 4 + 1);
		break;
	case SNAP_PAGE: /* region, first, count */
		off = 4 * below(st, 3);
		break;
	case SNAP_MSRS: /* the vCPU index, or the count */
		off = below(st, 2) ? 8 : 0;
		break;
	case SNAP_END: case SNAP_CHIP: case SNAP_ROND:
		off = 0;
		break;
	default:        /* a vCPU's index, or anywhere */
		off = below(st, 2) ? 0 : 4 * below(st, len / 4 + 1);
		break;
	}
	if (len >= 4 && off <= len - 4)
		put32(p + off, edge(st, get32(p + off)));
}

/* Mutation n of base into in; fix: every CRC32 made right afterwards. */
static void mutate(struct input *in, const struct input *base, uint64_t seed, uint64_t n,
		   bool *fix)
{
	uint64_t st = seed * 0x100000001b3ull ^ (n * 0x9e3779b97f4a7c15ull);
	unsigned steps;

	next(&st);
	memcpy(in->bytes, base->bytes, base->len);
	in->len = base->len;
	*fix = below(&st, 2);
	steps = 1 + below(&st, below(&st, 4) ? 2 : 6);
	for (unsigned i = 0; i < steps; i++) {
		unsigned kind = below(&st, 10);
		uint8_t *h;

		index_records(in);
		h = in->records ? in->bytes + in->at[below(&st, in->records)] : NULL;
		if (kind == 0 && in->len) {             /* bits flipped */
			unsigned flips = 1 + below(&st, 8);

			for (unsigned f = 0; f < flips; f++) {
				/* mostly in the headers: that is where the reader branches */
				size_t at = h && below(&st, 2) ? (size_t)(h - in->bytes) +
					    below(&st, SNAP_RECORD_HEADER) : below(&st, in->len);

				in->bytes[at] ^= (uint8_t)(1u << below(&st, 8));
			}
		} else if (kind == 1) {                 /* cut short */
			in->len = h && below(&st, 2) ? (size_t)(h - in->bytes) + below(&st, 40)
						     : below(&st, in->len + 1);
			if (in->len > base->len)
				in->len = base->len;
		} else if (kind == 2 && in->len > 64) { /* a piece copied over another */
			size_t from = below(&st, in->len), to = below(&st, in->len);
			size_t count = 1 + below(&st, below(&st, 2) ? 64 : 8192);

			if (count > in->len - from)
				count = in->len - from;
			if (count > in->len - to)
				count = in->len - to;
			memmove(in->bytes + to, in->bytes + from, count);
		} else if (kind == 3 && in->records > 1) { /* a record left out */
			unsigned r = below(&st, in->records);
			size_t at = in->at[r];
			size_t end = r + 1 < in->records ? in->at[r + 1] : in->len;

			memmove(in->bytes + at, in->bytes + end, in->len - end);
			in->len -= end - at;
		} else if (kind == 4 && h) {            /* a length */
			put32(h + 4, edge(&st, get32(h + 4)));
		} else if (kind == 5 && h) {            /* a number */
			put32(h + 12, edge(&st, get32(h + 12)));
		} else if (kind == 6 && h) {            /* a type: another one, or none */
			static const uint32_t types[] = {
				SNAP_MACH, SNAP_PAGE, SNAP_ROND, SNAP_REGS, SNAP_SREG, SNAP_XSAV,
				SNAP_XCRS, SNAP_MSRS, SNAP_LAPC, SNAP_EVNT, SNAP_MPST, SNAP_DBGR,
				SNAP_CHIP, SNAP_PIT2, SNAP_CLCK, SNAP_DEVS, SNAP_VGA, SNAP_END,
				SNAP_TYPE('J', 'U', 'N', 'K'),
			};

			put32(h, types[below(&st, sizeof(types) / sizeof(types[0]))]);
		} else if (kind == 7 && in->len >= SNAP_HEADER_SIZE) { /* the header's fields */
			put32(in->bytes + 8 + 4 * below(&st, 3), edge(&st, 1));
		} else if (h) {                         /* a field inside a record */
			inner_field(&st, h);
		}
	}
	if (*fix)
		fix_crcs(in);
}

/* For --restorable: only contents change (state records mostly, now and
 * then a page), and every CRC32 is made right. */
static void mutate_contents(struct input *in, const struct input *base, uint64_t *st,
			    char *how, size_t size)
{
	unsigned r, tries = 0;
	uint8_t *h;
	uint32_t type, len, changes;
	char tn[8];

	memcpy(in->bytes, base->bytes, base->len);
	in->len = base->len;
	index_records(in);
	do {
		r = below(st, in->records);
		h = in->bytes + in->at[r];
		type = get32(h);
		len = get32(h + 4);
	} while ((type == SNAP_END || type == SNAP_MACH || len < 16 ||
		  (type == SNAP_PAGE && below(st, 8))) && ++tries < 1000);
	changes = 1 + below(st, 4);
	for (uint32_t c = 0; c < changes; c++) {
		/* past a vCPU's index, a PAGE's start, a chip's id */
		uint32_t skip = type == SNAP_MSRS || type == SNAP_PAGE ? 16 : 8;
		uint32_t at = skip + below(st, len - skip);

		if (below(st, 2))
			h[SNAP_RECORD_HEADER + at] ^= (uint8_t)(1u << below(st, 8));
		else
			h[SNAP_RECORD_HEADER + at] = (uint8_t)next(st);
	}
	fix_crcs(in);
	snprintf(how, size, "record %u ('%s', %u bytes): %u byte(s) changed", r,
		 snap_type_name(type, tn), len, changes);
}

static unsigned long long number(const char *text, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || end == text || *end) {
		fprintf(stderr, "fuzz-snapshot: %s '%s' is not a whole number\n", what, text);
		exit(64);
	}
	return v;
}

int main(int argc, char **argv)
{
	static struct input base, in;
	unsigned long long seed, first, count, failed = 0, fixed = 0;
	char what[400];

	prog_init(argv[0]);
	if (argc == 3 && strcmp(argv[1], "--replay") == 0) {
		load(&in, argv[2]);
		if (!feed(in.bytes, in.len, what, sizeof(what))) {
			printf("fuzz-snapshot: %s FAILED: %s (the reader said: %s)\n", argv[2],
			       failure, what);
			return 1;
		}
		printf("fuzz-snapshot: %s: %zu bytes, every check held: %s\n", argv[2], in.len, what);
		return 0;
	}
	if (argc == 6 && strcmp(argv[1], "--restorable") == 0) {
		uint64_t st;
		FILE *f;

		seed = number(argv[2], "SEED");
		first = number(argv[3], "N");
		load(&base, argv[4]);
		in.bytes = malloc(base.room);
		in.room = base.room;
		if (in.bytes == NULL)
			return 71;
		st = seed * 0x100000001b3ull ^ (first * 0x9e3779b97f4a7c15ull) ^ 0x7e57;
		for (int tries = 0; tries < 100; tries++) {
			char said[400];

			mutate_contents(&in, &base, &st, what, sizeof(what));
			complete = 0;
			if (feed(in.bytes, in.len, said, sizeof(said)) && complete == 1)
				break;
		}
		if (complete != 1) {
			fprintf(stderr, "fuzz-snapshot: no mutation of %s that the reader takes\n",
				argv[4]);
			return 1;
		}
		f = fopen(argv[5], "wb");
		if (f == NULL || fwrite(in.bytes, 1, in.len, f) != in.len || fclose(f) != 0) {
			fprintf(stderr, "fuzz-snapshot: cannot write %s: %s\n", argv[5], strerror(errno));
			return 74;
		}
		printf("%s\n", what);
		return 0;
	}
	if (argc != 5 && argc != 6) {
		fprintf(stderr, "usage: fuzz-snapshot SEED FIRST COUNT FAILDIR [BASE] | --replay FILE "
			"| --restorable SEED N BASE OUT\n");
		return 64;
	}
	seed = number(argv[1], "SEED");
	first = number(argv[2], "FIRST");
	count = number(argv[3], "COUNT");
	if (argc == 6)
		load(&base, argv[5]);
	else
		made_up(&base);
	if (!feed(base.bytes, base.len, what, sizeof(what)) || complete != 1) {
		printf("fuzz-snapshot: the base snapshot itself is not whole: %s\n", what);
		return 1;
	}
	whole = complete = refused = 0;
	in.bytes = malloc(base.room);
	in.room = base.room;
	if (in.bytes == NULL)
		return 71;
	for (unsigned long long i = first; i < first + count; i++) {
		char path[4096];
		bool fix;
		FILE *f;

		mutate(&in, &base, seed, i, &fix);
		fixed += fix;
		if (feed(in.bytes, in.len, what, sizeof(what)))
			continue;
		failed++;
		snprintf(path, sizeof(path), "%s/snapshot-seed%llu-%llu.bin", argv[4], seed, i);
		f = fopen(path, "wb");
		if (f) {
			fwrite(in.bytes, 1, in.len, f);
			fclose(f);
		}
		printf("fuzz-snapshot: mutation %llu of seed %llu FAILED: %s (kept as %s; replay: "
		       "fuzz-snapshot --replay %s)\n", i, seed, failure, path, path);
	}
	printf("fuzz-snapshot: %llu mutations of seed %llu (%llu with their CRC32s made right): "
	       "%llu refused in one line, %llu read whole (%llu of them complete, of this "
	       "machine), %llu failed\n", count, seed, fixed, refused, whole, complete, failed);
	return failed ? 1 : 0;
}
