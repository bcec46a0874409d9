/* snapshot-edit.c - makes the bad snapshot files of chapter 14's tests
 * (tests/cases/59-migrate.sh) out of a good one that 14-migrate --save
 * wrote: it reads IN record by record, changes what it is told to, and
 * writes OUT.
 *
 *   snapshot-edit [--keep-crc] [--keep-numbers] IN OUT [EDIT...]
 *   snapshot-edit --list IN      a line for each record: its number, its
 *                                type, its offset and its length (so that
 *                                a test can say where a record lies, which
 *                                depends on the backend's XSAVE and MSRs)
 *
 * An EDIT names a record as TYPE or TYPE:K, the K-th record of that type
 * counted from 0 (PAGE:1 is the second PAGE record; MACH is MACH:0; END
 * and VGA may be given without their trailing space):
 *
 *   drop REC          leave the record out
 *   dup REC           write it twice
 *   number REC N      its number field says N
 *   length REC N      its length field says N (its contents stay as they are)
 *   type REC NAME     its type becomes NAME (four characters, or fewer)
 *   set REC OFF VAL   the u32 at byte OFF of its contents becomes VAL
 *   flip REC OFF      the byte at OFF of its contents is inverted
 *   trim REC N        N bytes are cut from the end of its contents
 *   version N         the header says format version N
 *
 * Unless told otherwise, what it writes is consistent everywhere the
 * edits do not reach: each record's CRC32 is computed again over its
 * new contents (and the header's over the new header), the records are
 * numbered again 0, 1, 2, ... in the order written, and END counts the
 * records before it, so that the reader's deeper checks are what
 * refuses the file. --keep-crc writes the CRC32s as they were read
 * (a flipped byte is then caught by its CRC); --keep-numbers keeps the
 * numbers read. A record given a number by "number" keeps that one.
 * The format's constants come from common/snapshot.h, the CRC32 from
 * common/snapshot.c. Status 0, or 64 and one line for a bad command
 * line, 65 for an IN that is not a snapshot it can walk, 74 for OUT. */
#include "snapshot.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RECORDS 4096
#define MAX_EDITS 16

struct record {
	uint32_t type, len, crc, number;
	uint8_t *data;
};

enum what { DROP, DUP, NUMBER, LENGTH, TYPE, SET, FLIP, TRIM, VERSION };

struct edit {
	enum what what;
	uint32_t type, nth;           /* the record: its type and which of them */
	uint64_t a, b;                /* the numbers that follow */
	uint32_t new_type;
	bool done;
};

static const char *me = "snapshot-edit";

static void usage(const char *fmt, const char *arg)
{
	fprintf(stderr, "%s: ", me);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (usage: snapshot-edit [--keep-crc] [--keep-numbers] IN OUT "
		"[drop|dup REC] [number|length|trim REC N] [type REC NAME] [set REC OFF VAL] "
		"[flip REC OFF] [version N])\n");
	exit(64);
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

/* "PIT2", "END" (padded with spaces): the type as the file has it. */
static uint32_t type_of(const char *name)
{
	char t[4] = { ' ', ' ', ' ', ' ' };
	size_t n = strlen(name);

	if (n == 0 || n > 4)
		usage("'%s' is not a record type (four characters at most: MACH, PAGE, END)", name);
	memcpy(t, name, n);
	return SNAP_TYPE(t[0], t[1], t[2], t[3]);
}

static uint64_t number(const char *text)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(text, &end, 0);
	if (errno || end == text || *end)
		usage("'%s' is not a number", text);
	return v;
}

/* REC: TYPE or TYPE:K. */
static void parse_rec(struct edit *e, const char *text)
{
	char name[8];
	const char *colon = strchr(text, ':');
	size_t n = colon ? (size_t)(colon - text) : strlen(text);

	if (n >= sizeof(name))
		usage("'%s' is not a record (TYPE or TYPE:K)", text);
	memcpy(name, text, n);
	name[n] = '\0';
	e->type = type_of(name);
	e->nth = colon ? (uint32_t)number(colon + 1) : 0;
}

static FILE *open_or_die(const char *path, const char *mode, int status)
{
	FILE *f = fopen(path, mode);

	if (f == NULL) {
		fprintf(stderr, "%s: cannot open %s: %s\n", me, path, strerror(errno));
		exit(status);
	}
	return f;
}

static void write_or_die(FILE *f, const void *p, size_t n, const char *path)
{
	if (n && fwrite(p, 1, n, f) != n) {
		fprintf(stderr, "%s: cannot write %s: %s\n", me, path, strerror(errno));
		exit(74);
	}
}

int main(int argc, char **argv)
{
	static struct record rec[MAX_RECORDS];
	struct edit edits[MAX_EDITS];
	unsigned nedits = 0, nrec = 0;
	bool keep_crc = false, keep_numbers = false, list = false;
	uint8_t header[SNAP_HEADER_SIZE];
	const char *in, *out;
	uint32_t written = 0;
	FILE *f;
	int i = 1;

	for (; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--keep-crc") == 0)
			keep_crc = true;
		else if (strcmp(argv[i], "--keep-numbers") == 0)
			keep_numbers = true;
		else if (strcmp(argv[i], "--list") == 0)
			list = true;
		else
			usage("unknown option '%s'", argv[i]);
	}
	if (argc - i < (list ? 1 : 2))
		usage("%s", list ? "give IN" : "give IN and OUT");
	in = argv[i++];
	out = list ? NULL : argv[i++];
	while (i < argc) {
		struct edit *e = &edits[nedits];
		const char *w = argv[i++];
		int args;

		if (nedits == MAX_EDITS)
			usage("more than %s edits", "16");
		memset(e, 0, sizeof(*e));
		if (strcmp(w, "drop") == 0) e->what = DROP, args = 1;
		else if (strcmp(w, "dup") == 0) e->what = DUP, args = 1;
		else if (strcmp(w, "number") == 0) e->what = NUMBER, args = 2;
		else if (strcmp(w, "length") == 0) e->what = LENGTH, args = 2;
		else if (strcmp(w, "type") == 0) e->what = TYPE, args = 2;
		else if (strcmp(w, "set") == 0) e->what = SET, args = 3;
		else if (strcmp(w, "flip") == 0) e->what = FLIP, args = 2;
		else if (strcmp(w, "trim") == 0) e->what = TRIM, args = 2;
		else if (strcmp(w, "version") == 0) e->what = VERSION, args = 1;
		else usage("'%s' is not an edit", w);
		if (argc - i < args)
			usage("'%s' needs more arguments", w);
		if (e->what == VERSION) {
			e->a = number(argv[i++]);
		} else {
			parse_rec(e, argv[i++]);
			if (e->what == TYPE)
				e->new_type = type_of(argv[i++]);
			else if (args >= 2)
				e->a = number(argv[i++]);
			if (args == 3)
				e->b = number(argv[i++]);
		}
		nedits++;
	}

	/* Read IN whole: the header, then each record as its length says. */
	f = open_or_die(in, "rb", 65);
	if (fread(header, 1, sizeof(header), f) != sizeof(header) ||
	    memcmp(header, SNAP_MAGIC, 8) != 0) {
		fprintf(stderr, "%s: %s does not start with a snapshot header\n", me, in);
		return 65;
	}
	for (;;) {
		uint8_t h[SNAP_RECORD_HEADER];
		size_t got = fread(h, 1, sizeof(h), f);
		struct record *r = &rec[nrec];

		if (got == 0)
			break;
		if (got != sizeof(h) || nrec == MAX_RECORDS) {
			fprintf(stderr, "%s: %s ends inside a record's header, or has more than "
				"%d records\n", me, in, MAX_RECORDS);
			return 65;
		}
		r->type = get32(h);
		r->len = get32(h + 4);
		r->crc = get32(h + 8);
		r->number = get32(h + 12);
		if (r->len > SNAP_MAX_RECORD || (r->data = malloc(r->len + 1)) == NULL ||
		    fread(r->data, 1, r->len, f) != r->len) {
			fprintf(stderr, "%s: %s: record %u is cut short or too long\n", me,
				in, nrec);
			return 65;
		}
		nrec++;
	}
	fclose(f);
	if (list) {
		uint64_t at = SNAP_HEADER_SIZE;

		for (unsigned n = 0; n < nrec; n++) {
			char name[8];

			printf("%u %s %llu %u\n", rec[n].number, snap_type_name(rec[n].type, name),
			       (unsigned long long)at, rec[n].len);
			at += SNAP_RECORD_HEADER + rec[n].len;
		}
		return 0;
	}

	for (unsigned e = 0; e < nedits; e++)
		if (edits[e].what == VERSION) {
			put32(header + 8, (uint32_t)edits[e].a);
			edits[e].done = true;
		}
	if (!keep_crc)
		put32(header + 20, snap_crc32(0, header, 20));

	f = open_or_die(out, "wb", 74);
	write_or_die(f, header, sizeof(header), out);
	for (unsigned n = 0; n < nrec; n++) {
		struct record r = rec[n];
		unsigned copies = 1, k = 0;
		bool numbered = false;
		uint32_t real_len;

		/* which of its type this record is */
		for (unsigned m = 0; m < n; m++)
			k += rec[m].type == r.type;
		real_len = r.len;
		for (unsigned e = 0; e < nedits; e++) {
			struct edit *d = &edits[e];

			if (d->what == VERSION || d->type != r.type || d->nth != k)
				continue;
			d->done = true;
			switch (d->what) {
			case DROP: copies = 0; break;
			case DUP: copies = 2; break;
			case NUMBER: r.number = (uint32_t)d->a; numbered = true; break;
			case LENGTH: r.len = (uint32_t)d->a; break;
			case TYPE: r.type = d->new_type; break;
			case SET:
				if (d->a + 4 > real_len)
					usage("set: the offset is past the record's contents%s", "");
				put32(r.data + d->a, (uint32_t)d->b);
				break;
			case FLIP:
				if (d->a >= real_len)
					usage("flip: the offset is past the record's contents%s", "");
				r.data[d->a] ^= 0xff;
				break;
			case TRIM:
				if (d->a > real_len)
					usage("trim: that cuts more than the record has%s", "");
				real_len -= (uint32_t)d->a;
				r.len = real_len;
				break;
			case VERSION: break;
			}
		}
		for (unsigned c = 0; c < copies; c++) {
			uint8_t h[SNAP_RECORD_HEADER];
			uint32_t number = r.number;

			if (!keep_numbers && !numbered)
				number = written;
			if (!keep_numbers && r.type == SNAP_END && real_len == 4)
				put32(r.data, number);
			put32(h, r.type);
			put32(h + 4, r.len);
			put32(h + 8, keep_crc ? r.crc : snap_crc32(0, r.data, real_len));
			put32(h + 12, number);
			write_or_die(f, h, sizeof(h), out);
			write_or_die(f, r.data, real_len, out);
			written++;
		}
	}
	if (fclose(f) != 0) {
		fprintf(stderr, "%s: cannot write %s: %s\n", me, out, strerror(errno));
		return 74;
	}
	for (unsigned e = 0; e < nedits; e++)
		if (!edits[e].done) {
			char name[8];

			fprintf(stderr, "%s: %s has no record %s:%u to edit\n", me, in,
				snap_type_name(edits[e].type, name), edits[e].nth);
			return 64;
		}
	for (unsigned n = 0; n < nrec; n++)
		free(rec[n].data);
	return 0;
}
