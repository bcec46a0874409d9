/* snapshot.c - see snapshot.h; chapter 14 explains the format. */
#include "snapshot.h"

#include "util.h"

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- little-endian numbers, CRC32 --------------------------------------- */

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

uint32_t snap_crc32(uint32_t crc, const void *data, size_t len)
{
	static uint32_t table[256];
	const uint8_t *p = data;

	if (table[1] == 0) /* filled once: entry 1 of the table is never 0 */
		for (uint32_t i = 0; i < 256; i++) {
			uint32_t c = i;

			for (int k = 0; k < 8; k++)
				c = c & 1 ? 0xedb88320u ^ (c >> 1) : c >> 1;
			table[i] = c;
		}
	crc = ~crc;
	while (len--)
		crc = table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

const char *snap_type_name(uint32_t type, char buf[8])
{
	for (int i = 0; i < 4; i++) {
		char c = (char)(type >> (8 * i));

		buf[i] = c >= 0x20 && c < 0x7f ? c : '?';
	}
	buf[4] = '\0';
	return buf;
}

const char *snap_piece_name(enum snap_piece piece)
{
	static const char *const names[SNAP_VCPU_PIECES] = {
		"general registers (REGS)", "XSAVE area (XSAV)", "XCRs (XCRS)",
		"special registers (SREG)", "MSRs (MSRS)", "local APIC (LAPC)",
		"pending events (EVNT)", "MP state (MPST)", "debug registers (DBGR)",
	};

	return piece < SNAP_VCPU_PIECES ? names[piece] : "?";
}

/* ---- writing ------------------------------------------------------------ */

static void emit(struct snap_writer *w, const void *data, size_t len)
{
	if (w->err || len == 0)
		return;
	if (!write_all(w->fd, data, len))
		w->err = errno ? errno : EIO;
	else
		w->bytes += len;
}

void snap_writer_init(struct snap_writer *w, int fd, uint32_t flags)
{
	uint8_t header[SNAP_HEADER_SIZE];

	memset(w, 0, sizeof(*w));
	w->fd = fd;
	memcpy(header, SNAP_MAGIC, 8);
	put32(header + 8, SNAP_VERSION);
	put32(header + 12, SNAP_HEADER_SIZE);
	put32(header + 16, flags);
	put32(header + 20, snap_crc32(0, header, 20));
	emit(w, header, sizeof(header));
}

void snap_write(struct snap_writer *w, uint32_t type, const void *head, size_t hlen,
		const void *body, size_t blen)
{
	uint8_t rec[SNAP_RECORD_HEADER];
	uint32_t crc = snap_crc32(snap_crc32(0, head, hlen), body, blen);

	put32(rec, type);
	put32(rec + 4, (uint32_t)(hlen + blen));
	put32(rec + 8, crc);
	put32(rec + 12, w->records++);
	emit(w, rec, sizeof(rec));
	emit(w, head, hlen);
	emit(w, body, blen);
}

void snap_write_vcpu(struct snap_writer *w, uint32_t type, uint32_t vcpu,
		     const void *data, size_t len)
{
	uint8_t head[8] = { 0 };

	put32(head, vcpu);
	snap_write(w, type, head, sizeof(head), data, len);
}

void snap_write_shape(struct snap_writer *w, const struct snap_shape *shape)
{
	uint8_t buf[8 + SNAP_MAX_REGIONS * 24];
	size_t len = 8;

	put32(buf, shape->vcpus);
	put32(buf + 4, shape->regions);
	for (uint32_t i = 0; i < shape->regions && i < SNAP_MAX_REGIONS; i++) {
		const struct snap_region *r = &shape->region[i];

		put64(buf + len, r->gpa);
		put64(buf + len + 8, r->size);
		put32(buf + len + 16, r->slot);
		put32(buf + len + 20, r->flags);
		len += 24;
	}
	snap_write(w, SNAP_MACH, buf, len, NULL, 0);
}

void snap_write_pages(struct snap_writer *w, uint32_t region, uint32_t first,
		      uint32_t count, const uint8_t *pages)
{
	uint8_t head[16] = { 0 };

	put32(head, region);
	put32(head + 4, first);
	put32(head + 8, count);
	snap_write(w, SNAP_PAGE, head, sizeof(head), pages, (size_t)count * SNAP_PAGE_SIZE);
}

void snap_write_end(struct snap_writer *w)
{
	uint8_t buf[4];

	put32(buf, w->records);
	snap_write(w, SNAP_END, buf, sizeof(buf), NULL, 0);
}

/* ---- reading ------------------------------------------------------------ */

static bool fail(struct snap_reader *r, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static bool fail(struct snap_reader *r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(r->err, sizeof(r->err), fmt, ap);
	va_end(ap);
	return false;
}

/* Read len bytes; got says how many came before the end. */
static bool read_exact(struct snap_reader *r, void *buf, size_t len, size_t *got)
{
	uint8_t *p = buf;

	*got = 0;
	while (*got < len) {
		ssize_t n = read(r->fd, p + *got, len - *got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return fail(r, "%s: cannot read at offset %llu: %s", r->name,
				    (unsigned long long)(r->offset + *got), strerror(errno));
		if (n == 0)
			return false;
		*got += (size_t)n;
	}
	r->offset += len;
	return true;
}

void snap_init(struct snapshot *s)
{
	memset(s, 0, sizeof(*s));
}

void snap_free(struct snapshot *s)
{
	for (int i = 0; i < SNAP_MAX_REGIONS; i++) {
		free(s->memory[i]);
		free(s->seen[i]);
		s->memory[i] = s->seen[i] = NULL;
	}
}

void snap_reader_init(struct snap_reader *r, int fd, const char *name)
{
	memset(r, 0, sizeof(*r));
	r->fd = fd;
	r->name = name;
	r->buf = malloc(SNAP_MAX_RECORD);
	if (r->buf == NULL)
		die(EXIT_KVM_ERROR, "cannot allocate %u bytes to read %s", SNAP_MAX_RECORD, name);
}

void snap_reader_close(struct snap_reader *r)
{
	free(r->buf);
	r->buf = NULL;
}

bool snap_read_header(struct snap_reader *r, struct snapshot *s)
{
	uint8_t h[SNAP_HEADER_SIZE];
	size_t got;

	if (!read_exact(r, h, sizeof(h), &got)) {
		if (r->err[0])
			return false;
		if (got == 0)
			return fail(r, "%s is empty: no kvm-steps snapshot in it", r->name);
		if (memcmp(h, SNAP_MAGIC, got < 8 ? got : 8) != 0)
			return fail(r, "%s is not a kvm-steps snapshot: its first bytes are not "
				    "'%s' (a file made by --save, or a migration stream)",
				    r->name, SNAP_MAGIC);
		return fail(r, "%s is truncated: it ends after %zu bytes, inside the "
			    "%d-byte header", r->name, got, SNAP_HEADER_SIZE);
	}
	if (memcmp(h, SNAP_MAGIC, 8) != 0)
		return fail(r, "%s is not a kvm-steps snapshot: its first bytes are not '%s' "
			    "(a file made by --save, or a migration stream)", r->name, SNAP_MAGIC);
	if (get32(h + 20) != snap_crc32(0, h, 20))
		return fail(r, "%s: the header fails its CRC32 (stored 0x%08x, computed "
			    "0x%08x): the file is corrupted", r->name, get32(h + 20),
			    snap_crc32(0, h, 20));
	if (get32(h + 8) != SNAP_VERSION)
		return fail(r, "%s is a snapshot of format version %u; this program reads "
			    "version %d only: restore it with the program that saved it",
			    r->name, get32(h + 8), SNAP_VERSION);
	if (get32(h + 12) != SNAP_HEADER_SIZE)
		return fail(r, "%s: the header says it is %u bytes, but version %d's is %d: "
			    "the file is corrupted", r->name, get32(h + 12), SNAP_VERSION,
			    SNAP_HEADER_SIZE);
	if (get32(h + 16) & ~SNAP_FLAG_STREAM)
		return fail(r, "%s: the header has flags 0x%x that version %d does not "
			    "define: the file is corrupted", r->name, get32(h + 16), SNAP_VERSION);
	s->flags = get32(h + 16);
	s->bytes = r->offset;
	return true;
}

/* The shape, checked for sense before anything is allocated for it. */
static bool take_shape(struct snap_reader *r, struct snapshot *s, const uint8_t *p,
		       uint32_t len, const char *where)
{
	struct snap_shape shape = { 0 };

	if (s->have_shape)
		return fail(r, "%s: a second MACH record: the file is corrupted", where);
	if (len < 8)
		return fail(r, "%s: MACH is %u bytes, less than its 8-byte start", where, len);
	shape.vcpus = get32(p);
	shape.regions = get32(p + 4);
	if (shape.vcpus < 1 || shape.vcpus > SNAP_MAX_VCPUS)
		return fail(r, "%s: the machine has %u vCPUs; this format holds 1 to %d",
			    where, shape.vcpus, SNAP_MAX_VCPUS);
	if (shape.regions < 1 || shape.regions > SNAP_MAX_REGIONS)
		return fail(r, "%s: the machine has %u memory regions; this format holds 1 "
			    "to %d", where, shape.regions, SNAP_MAX_REGIONS);
	if (len != 8 + 24 * shape.regions)
		return fail(r, "%s: MACH is %u bytes, but %u regions take %u", where, len,
			    shape.regions, 8 + 24 * shape.regions);
	for (uint32_t i = 0; i < shape.regions; i++) {
		struct snap_region *g = &shape.region[i];
		const uint8_t *q = p + 8 + 24 * i;

		g->gpa = get64(q);
		g->size = get64(q + 8);
		g->slot = get32(q + 16);
		g->flags = get32(q + 20);
		if (g->size == 0 || g->size > SNAP_MAX_REGION || g->size % SNAP_PAGE_SIZE ||
		    g->gpa % SNAP_PAGE_SIZE || g->gpa + g->size < g->gpa)
			return fail(r, "%s: region %u (0x%llx, %llu bytes) is not whole pages of "
				    "at most %u MiB: the file is corrupted", where, i,
				    (unsigned long long)g->gpa, (unsigned long long)g->size,
				    SNAP_MAX_REGION >> 20);
	}
	s->shape = shape;
	s->have_shape = true;
	for (uint32_t i = 0; i < shape.regions; i++) {
		s->memory[i] = calloc(1, shape.region[i].size);
		s->seen[i] = calloc(1, shape.region[i].size / SNAP_PAGE_SIZE);
		if (s->memory[i] == NULL || s->seen[i] == NULL)
			die(EXIT_KVM_ERROR, "cannot allocate %llu bytes for region %u of %s",
			    (unsigned long long)shape.region[i].size, i, r->name);
	}
	return true;
}

static bool take_pages(struct snap_reader *r, struct snapshot *s, const uint8_t *p,
		       uint32_t len, const char *where)
{
	uint32_t region, first, count;
	uint64_t pages;

	if (!s->have_shape)
		return fail(r, "%s: a PAGE record before the MACH record that says what "
			    "memory the machine has: the file is corrupted", where);
	if (len < 16)
		return fail(r, "%s: PAGE is %u bytes, less than its 16-byte start", where, len);
	region = get32(p);
	first = get32(p + 4);
	count = get32(p + 8);
	if (region >= s->shape.regions)
		return fail(r, "%s: pages for region %u, but the machine has %u", where,
			    region, s->shape.regions);
	pages = s->shape.region[region].size / SNAP_PAGE_SIZE;
	if (count == 0)
		return fail(r, "%s: a PAGE record of 0 pages: the file is corrupted", where);
	if (first >= pages || count > pages - first)
		return fail(r, "%s: pages %u to %llu of region %u, which has %llu", where,
			    first, (unsigned long long)first + count - 1, region,
			    (unsigned long long)pages);
	if ((uint64_t)len != 16 + (uint64_t)count * SNAP_PAGE_SIZE)
		return fail(r, "%s: PAGE is %u bytes, but %u pages take %llu", where, len,
			    count, 16 + (unsigned long long)count * SNAP_PAGE_SIZE);
	memcpy(s->memory[region] + (size_t)first * SNAP_PAGE_SIZE, p + 16,
	       (size_t)count * SNAP_PAGE_SIZE);
	memset(s->seen[region] + first, 1, count);
	s->pages += count;
	return true;
}

/* A vCPU's record: the index and the padding, then the piece: exactly
 * size bytes of it, or (size 0) what the piece's own checks allow. The
 * vCPU it is for, or NULL with err set. */
static struct snap_vcpu *take_vcpu(struct snap_reader *r, struct snapshot *s,
				   const uint8_t *p, uint32_t len, const char *where,
				   enum snap_piece piece, size_t size)
{
	uint32_t vcpu;
	struct snap_vcpu *v;

	if (!s->have_shape)
		return fail(r, "%s: a vCPU's state before the MACH record: the file is "
			    "corrupted", where), NULL;
	if (len < 8)
		return fail(r, "%s: %u bytes, less than the vCPU index before the %s",
			    where, len, snap_piece_name(piece)), NULL;
	vcpu = get32(p);
	if (vcpu >= s->shape.vcpus)
		return fail(r, "%s: the %s of vCPU %u, but the machine has %u", where,
			    snap_piece_name(piece), vcpu, s->shape.vcpus), NULL;
	v = &s->vcpu[vcpu];
	if (v->have & 1u << piece)
		return fail(r, "%s: vCPU %u's %s a second time: the file is corrupted",
			    where, vcpu, snap_piece_name(piece)), NULL;
	if (size && len - 8 != size)
		return fail(r, "%s: the %s is %u bytes; KVM's structure is %zu", where,
			    snap_piece_name(piece), len - 8, size), NULL;
	v->have |= 1u << piece;
	return v;
}

/* The XSAVE area: KVM_GET_XSAVE's 4 KiB, or KVM_GET_XSAVE2's larger size. */
static bool take_xsave(struct snap_reader *r, struct snapshot *s, const uint8_t *p,
		       uint32_t len, const char *where)
{
	struct snap_vcpu *v;

	if (len >= 8 && (len - 8 < sizeof(struct kvm_xsave) || len - 8 > SNAP_MAX_XSAVE ||
			 (len - 8) % 64))
		return fail(r, "%s: an XSAVE area of %u bytes: KVM's is %zu to %u, a "
			    "multiple of 64", where, len - 8, sizeof(struct kvm_xsave),
			    SNAP_MAX_XSAVE);
	v = take_vcpu(r, s, p, len, where, SNAP_P_XSAVE, 0);
	if (v == NULL)
		return false;
	v->xsave_size = len - 8;
	memcpy(v->xsave, p + 8, len - 8);
	return true;
}

/* The MSRs: a u32 count and padding, then struct kvm_msr_entry each. */
static bool take_msrs(struct snap_reader *r, struct snapshot *s, const uint8_t *p,
		      uint32_t len, const char *where)
{
	struct snap_vcpu *v;
	uint32_t count;

	if (len < 16)
		return fail(r, "%s: MSRS is %u bytes, less than its count", where, len);
	count = get32(p + 8);
	if (count > SNAP_MAX_MSRS)
		return fail(r, "%s: %u MSRs; this format holds at most %d", where, count,
			    SNAP_MAX_MSRS);
	if (len != 16 + count * sizeof(struct kvm_msr_entry))
		return fail(r, "%s: MSRS is %u bytes, but %u MSRs take %zu", where, len,
			    count, 16 + count * sizeof(struct kvm_msr_entry));
	v = take_vcpu(r, s, p, len, where, SNAP_P_MSRS, 0);
	if (v == NULL)
		return false;
	v->msrs.count = count;
	memcpy(v->msrs.entry, p + 16, count * sizeof(struct kvm_msr_entry));
	return true;
}

/* A vCPU's piece of fixed size, into the field at offset within it. */
static bool take_piece(struct snap_reader *r, struct snapshot *s, const uint8_t *p,
		       uint32_t len, const char *where, enum snap_piece piece,
		       size_t offset, size_t size)
{
	struct snap_vcpu *v = take_vcpu(r, s, p, len, where, piece, size);

	if (v == NULL)
		return false;
	memcpy((uint8_t *)v + offset, p + 8, size);
	return true;
}

#define PIECE(piece, field) take_piece(r, s, p, len, where, piece, \
	offsetof(struct snap_vcpu, field), sizeof(((struct snap_vcpu *)0)->field))

/* A VM-wide record of exactly size bytes, once. */
static bool take_fixed(struct snap_reader *r, const uint8_t *p, uint32_t len,
		       const char *where, const char *what, bool *have, void *dst,
		       size_t size)
{
	if (*have)
		return fail(r, "%s: the %s a second time: the file is corrupted", where, what);
	if (len != size)
		return fail(r, "%s: the %s is %u bytes; it should be %zu", where, what, len, size);
	memcpy(dst, p, size);
	*have = true;
	return true;
}

bool snap_read_record(struct snap_reader *r, struct snapshot *s, uint32_t *type)
{
	uint8_t h[SNAP_RECORD_HEADER];
	char where[160], tn[8];
	uint32_t len, crc, number;
	uint64_t at = r->offset;
	const uint8_t *p = r->buf;
	size_t got;

	if (r->ended)
		return fail(r, "%s: read past its END record", r->name);
	if (!read_exact(r, h, sizeof(h), &got)) {
		if (r->err[0])
			return false;
		return fail(r, "%s is truncated: it ends at offset %llu, %s record %u%s",
			    r->name, (unsigned long long)(at + got),
			    got ? "inside the header of" : "before", r->expect,
			    got ? "" : " (no END record)");
	}
	*type = get32(h);
	len = get32(h + 4);
	crc = get32(h + 8);
	number = get32(h + 12);
	snprintf(where, sizeof(where), "%s, record %u ('%s') at offset %llu", r->name,
		 r->expect, snap_type_name(*type, tn), (unsigned long long)at);
	if (number != r->expect)
		return fail(r, "%s: it calls itself record %u: records are missing, repeated "
			    "or out of order", where, number);
	if (len > SNAP_MAX_RECORD)
		return fail(r, "%s: %u bytes long, more than any record (%u): the file is "
			    "corrupted", where, len, SNAP_MAX_RECORD);
	if (!read_exact(r, r->buf, len, &got)) {
		if (r->err[0])
			return false;
		return fail(r, "%s is truncated: record %u ('%s') at offset %llu wants %u "
			    "bytes, and %zu are left", r->name, r->expect, tn,
			    (unsigned long long)at, len, got);
	}
	if (snap_crc32(0, r->buf, len) != crc)
		return fail(r, "%s: its contents fail their CRC32 (stored 0x%08x, computed "
			    "0x%08x): the file is corrupted", where, crc,
			    snap_crc32(0, r->buf, len));
	r->expect++;
	s->records++;
	s->bytes = r->offset;

	switch (*type) {
	case SNAP_MACH:
		return take_shape(r, s, p, len, where);
	case SNAP_PAGE:
		return take_pages(r, s, p, len, where);
	case SNAP_ROND:
		if (len != 8)
			return fail(r, "%s: ROND is %u bytes; it should be 8", where, len);
		s->rounds++;
		return true;
	case SNAP_REGS:
		return PIECE(SNAP_P_REGS, regs);
	case SNAP_SREG:
		return PIECE(SNAP_P_SREGS, sregs);
	case SNAP_XSAV:
		return take_xsave(r, s, p, len, where);
	case SNAP_XCRS:
		return PIECE(SNAP_P_XCRS, xcrs);
	case SNAP_MSRS:
		return take_msrs(r, s, p, len, where);
	case SNAP_LAPC:
		return PIECE(SNAP_P_LAPIC, lapic);
	case SNAP_EVNT:
		return PIECE(SNAP_P_EVENTS, events);
	case SNAP_MPST:
		return PIECE(SNAP_P_MP, mp);
	case SNAP_DBGR:
		return PIECE(SNAP_P_DEBUG, debugregs);
	case SNAP_CHIP: {
		uint32_t id;

		if (len != sizeof(struct kvm_irqchip))
			return fail(r, "%s: CHIP is %u bytes; struct kvm_irqchip is %zu", where,
				    len, sizeof(struct kvm_irqchip));
		id = get32(p);
		if (id > KVM_IRQCHIP_IOAPIC)
			return fail(r, "%s: chip %u: KVM has chips 0 (the master PIC), 1 (the "
				    "slave PIC) and 2 (the IOAPIC)", where, id);
		if (s->have_chips & 1u << id)
			return fail(r, "%s: chip %u a second time: the file is corrupted", where, id);
		memcpy(&s->chip[id], p, len);
		s->have_chips |= 1u << id;
		return true;
	}
	case SNAP_PIT2:
		return take_fixed(r, p, len, where, "PIT (PIT2)", &s->have_pit, &s->pit,
				  sizeof(s->pit));
	case SNAP_CLCK:
		return take_fixed(r, p, len, where, "clock (CLCK)", &s->have_clock, &s->clock,
				  sizeof(s->clock));
	case SNAP_DEVS:
		return take_fixed(r, p, len, where, "monitor's devices (DEVS)", &s->have_devices,
				  s->devices, sizeof(s->devices));
	case SNAP_VGA:
		return take_fixed(r, p, len, where, "text screen (VGA)", &s->have_vga, s->vga,
				  sizeof(s->vga));
	case SNAP_END:
		if (len != 4)
			return fail(r, "%s: END is %u bytes; it should be 4", where, len);
		if (get32(p) != number)
			return fail(r, "%s: END counts %u records before it, but %u came: the "
				    "file is corrupted", where, get32(p), number);
		r->ended = true;
		return true;
	default:
		return fail(r, "%s: a record type format version %d does not have: the file "
			    "is corrupted, or newer than this program", where, SNAP_VERSION);
	}
}

bool snap_read_all(struct snap_reader *r, struct snapshot *s)
{
	uint32_t type;

	if (!snap_read_header(r, s))
		return false;
	while (!r->ended)
		if (!snap_read_record(r, s, &type))
			return false;
	return true;
}

bool snap_complete(const struct snapshot *s, char *err, size_t size)
{
	static const char *const chips[3] = { "master PIC", "slave PIC", "IOAPIC" };

	if (!s->have_shape) {
		snprintf(err, size, "it has no MACH record: what machine it is, it does not say");
		return false;
	}
	for (uint32_t i = 0; i < s->shape.regions; i++) {
		uint64_t pages = s->shape.region[i].size / SNAP_PAGE_SIZE;

		for (uint64_t pg = 0; pg < pages; pg++)
			if (!s->seen[i][pg]) {
				snprintf(err, size, "page %llu of region %u (guest-physical 0x%llx) "
					 "never came", (unsigned long long)pg, i,
					 (unsigned long long)(s->shape.region[i].gpa +
							      pg * SNAP_PAGE_SIZE));
				return false;
			}
	}
	for (uint32_t v = 0; v < s->shape.vcpus; v++)
		for (int piece = 0; piece < SNAP_VCPU_PIECES; piece++)
			if (!(s->vcpu[v].have & 1u << piece)) {
				snprintf(err, size, "vCPU %u's %s never came", v,
					 snap_piece_name((enum snap_piece)piece));
				return false;
			}
	for (int id = 0; id < 3; id++)
		if (!(s->have_chips & 1u << id)) {
			snprintf(err, size, "the %s (CHIP %d) never came", chips[id], id);
			return false;
		}
	if (!s->have_pit || !s->have_clock || !s->have_devices || !s->have_vga) {
		snprintf(err, size, "the %s never came", !s->have_pit ? "PIT (PIT2)" :
			 !s->have_clock ? "clock (CLCK)" : !s->have_devices ?
			 "monitor's devices (DEVS)" : "text screen (VGA)");
		return false;
	}
	return true;
}

bool snap_same_shape(const struct snapshot *s, const struct snap_shape *shape,
		     char *err, size_t size)
{
	if (s->shape.vcpus != shape->vcpus) {
		snprintf(err, size, "it is of a machine with %u vCPU%s; this one has %u",
			 s->shape.vcpus, s->shape.vcpus == 1 ? "" : "s", shape->vcpus);
		return false;
	}
	if (s->shape.regions != shape->regions) {
		snprintf(err, size, "it is of a machine with %u memory regions; this one has %u",
			 s->shape.regions, shape->regions);
		return false;
	}
	for (uint32_t i = 0; i < shape->regions; i++) {
		const struct snap_region *a = &s->shape.region[i], *b = &shape->region[i];

		if (a->gpa != b->gpa || a->size != b->size || a->slot != b->slot ||
		    a->flags != b->flags) {
			snprintf(err, size, "its region %u is %llu KiB at 0x%llx (slot %u, flags "
				 "0x%x); this machine's is %llu KiB at 0x%llx (slot %u, flags 0x%x)",
				 i, (unsigned long long)(a->size >> 10), (unsigned long long)a->gpa,
				 a->slot, a->flags, (unsigned long long)(b->size >> 10),
				 (unsigned long long)b->gpa, b->slot, b->flags);
			return false;
		}
	}
	return true;
}
