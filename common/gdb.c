/* gdb.c - see gdb.h; chapter 13 explains the protocol. */
#include "gdb.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the registers: gdb's amd64 layout ------------------------------------ */

/* Names in gdb's order, and the size of each in bytes. */
static const struct {
	const char *name;
	unsigned size;
	const char *type;
} regs[GDB_NREGS] = {
	{ "rax", 8, "int64" }, { "rbx", 8, "int64" }, { "rcx", 8, "int64" },
	{ "rdx", 8, "int64" }, { "rsi", 8, "int64" }, { "rdi", 8, "int64" },
	{ "rbp", 8, "data_ptr" }, { "rsp", 8, "data_ptr" },
	{ "r8", 8, "int64" }, { "r9", 8, "int64" }, { "r10", 8, "int64" },
	{ "r11", 8, "int64" }, { "r12", 8, "int64" }, { "r13", 8, "int64" },
	{ "r14", 8, "int64" }, { "r15", 8, "int64" },
	{ "rip", 8, "code_ptr" }, { "eflags", 4, "int32" },
	{ "cs", 4, "int32" }, { "ss", 4, "int32" }, { "ds", 4, "int32" },
	{ "es", 4, "int32" }, { "fs", 4, "int32" }, { "gs", 4, "int32" },
	{ "st0", 10, "i387_ext" }, { "st1", 10, "i387_ext" }, { "st2", 10, "i387_ext" },
	{ "st3", 10, "i387_ext" }, { "st4", 10, "i387_ext" }, { "st5", 10, "i387_ext" },
	{ "st6", 10, "i387_ext" }, { "st7", 10, "i387_ext" },
	{ "fctrl", 4, "int" }, { "fstat", 4, "int" }, { "ftag", 4, "int" },
	{ "fiseg", 4, "int" }, { "fioff", 4, "int" }, { "foseg", 4, "int" },
	{ "fooff", 4, "int" }, { "fop", 4, "int" },
	{ "xmm0", 16, "uint128" }, { "xmm1", 16, "uint128" }, { "xmm2", 16, "uint128" },
	{ "xmm3", 16, "uint128" }, { "xmm4", 16, "uint128" }, { "xmm5", 16, "uint128" },
	{ "xmm6", 16, "uint128" }, { "xmm7", 16, "uint128" }, { "xmm8", 16, "uint128" },
	{ "xmm9", 16, "uint128" }, { "xmm10", 16, "uint128" }, { "xmm11", 16, "uint128" },
	{ "xmm12", 16, "uint128" }, { "xmm13", 16, "uint128" }, { "xmm14", 16, "uint128" },
	{ "xmm15", 16, "uint128" }, { "mxcsr", 4, "int" },
};

size_t gdb_reg_offset(unsigned n)
{
	size_t at = 0;

	for (unsigned i = 0; i < n && i < GDB_NREGS; i++)
		at += regs[i].size;
	return at;
}

size_t gdb_reg_size(unsigned n)
{
	return n < GDB_NREGS ? regs[n].size : 0;
}

void gdb_reg_put(uint8_t *buf, unsigned n, uint64_t value)
{
	size_t at = gdb_reg_offset(n), size = gdb_reg_size(n);

	for (size_t i = 0; i < size; i++)
		buf[at + i] = i < 8 ? (uint8_t)(value >> (8 * i)) : 0;
}

uint64_t gdb_reg_get(const uint8_t *buf, unsigned n)
{
	size_t at = gdb_reg_offset(n), size = gdb_reg_size(n);
	uint64_t value = 0;

	for (size_t i = 0; i < size && i < 8; i++)
		value |= (uint64_t)buf[at + i] << (8 * i);
	return value;
}

/* ---- hex ---------------------------------------------------------------- */

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool gdb_hex_decode(const char *hex, size_t digits, uint8_t *out)
{
	if (digits % 2)
		return false;
	for (size_t i = 0; i < digits; i += 2) {
		int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

void gdb_hex_encode(const uint8_t *in, size_t len, char *out)
{
	static const char digits[] = "0123456789abcdef";

	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 15];
	}
	out[2 * len] = '\0';
}

/* A hex number of at most 16 digits from *p up to a stop character;
 * *p is left on the stop character. */
static bool hex_number(const char **p, const char *end, uint64_t *value)
{
	unsigned digits = 0;
	int d;

	*value = 0;
	while (*p < end && (d = hex_digit(**p)) >= 0) {
		if (++digits > 16)
			return false;
		*value = *value << 4 | (uint64_t)d;
		(*p)++;
	}
	return digits > 0;
}

/* ---- framing ------------------------------------------------------------- */

enum { OUTSIDE, PAYLOAD, SUM1, SUM2 };

enum gdb_event gdb_framer_push(struct gdb_framer *f, uint8_t byte)
{
	// ANCHOR: framer
	switch (f->state) {
	case OUTSIDE:
		if (byte == '$') {            /* a packet begins */
			f->state = PAYLOAD;
			f->len = 0;
			f->sum = 0;
			f->overflow = false;
			return GDB_NOTHING;
		}
		if (byte == 0x03)
			return GDB_INTERRUPT;
		if (byte == '+')
			return GDB_ACK;
		if (byte == '-')
			return GDB_NACK;
		return GDB_NOTHING;           /* noise between packets */
	case PAYLOAD:
		if (byte == '#') {
			f->state = SUM1;
			return GDB_NOTHING;
		}
		if (byte == '$') {            /* a new start: the old one was cut */
			f->len = 0;
			f->sum = 0;
			f->overflow = false;
			return GDB_NOTHING;
		}
		f->sum = (uint8_t)(f->sum + byte);
		if (f->len < GDB_PACKET_MAX)
			f->buf[f->len++] = (char)byte;
		else
			f->overflow = true;   /* counted in the sum, not kept */
		return GDB_NOTHING;
	case SUM1:
	case SUM2: {
		int d = hex_digit((char)byte);

		if (d < 0) {                  /* not a checksum: drop the packet */
			f->state = OUTSIDE;
			return GDB_BAD_CHECKSUM;
		}
		if (f->state == SUM1) {
			f->theirs = (uint8_t)(d << 4);
			f->state = SUM2;
			return GDB_NOTHING;
		}
		f->theirs |= (uint8_t)d;
		f->state = OUTSIDE;
		f->buf[f->len] = '\0';
		if (f->overflow)
			return GDB_TOO_LONG;
		return f->theirs == f->sum ? GDB_PACKET : GDB_BAD_CHECKSUM;
	}
	default:
		f->state = OUTSIDE;
		return GDB_NOTHING;
	}
	// ANCHOR_END: framer
}

/* ---- sending --------------------------------------------------------------- */

/* The socket is non-blocking (a Ctrl-C must be read without waiting):
 * a client slow to read gets up to 10 s per packet before it is called
 * gone. */
static void write_all(struct gdb *g, const char *bytes, size_t len)
{
	while (len > 0 && !g->broken && g->fd >= 0) {
		ssize_t n = write(g->fd, bytes, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			struct pollfd p = { .fd = g->fd, .events = POLLOUT };

			if (poll(&p, 1, 10000) > 0)
				continue;
		}
		if (n <= 0) {
			g->broken = true;
			return;
		}
		bytes += n;
		len -= (size_t)n;
	}
}

void gdb_send(struct gdb *g, const char *payload)
{
	size_t len = strlen(payload);
	uint8_t sum = 0;

	if (len > GDB_PACKET_MAX)
		len = GDB_PACKET_MAX;     /* never: replies are sized to fit */
	for (size_t i = 0; i < len; i++)
		sum = (uint8_t)(sum + (uint8_t)payload[i]);
	g->last[0] = '$';
	memcpy(g->last + 1, payload, len);
	snprintf(g->last + 1 + len, sizeof(g->last) - 1 - len, "#%02x", sum);
	g->last_len = len + 4;
	write_all(g, g->last, g->last_len);
}

void gdb_init(struct gdb *g, int fd, const struct gdb_target *target)
{
	memset(g, 0, sizeof(*g));
	g->fd = fd;
	g->target = *target;
	snprintf(g->stop_reply, sizeof(g->stop_reply), "S05");
}

bool gdb_acknowledge(struct gdb *g, enum gdb_event event)
{
	switch (event) {
	case GDB_PACKET:
		g->packets++;
		if (!g->no_ack)
			write_all(g, "+", 1);
		return true;
	case GDB_BAD_CHECKSUM:
		g->bad_checksums++;
		if (!g->no_ack)
			write_all(g, "-", 1);   /* gdb sends it again */
		return false;
	case GDB_TOO_LONG:
		g->too_long++;
		if (!g->no_ack)
			write_all(g, "+", 1);   /* taken, and refused: */
		gdb_send(g, "E01");         /* sending it again would not help */
		return false;
	case GDB_NACK:
		if (g->last_len > 0)
			write_all(g, g->last, g->last_len);
		return false;
	default:
		return false;
	}
}

/* ---- the target description ------------------------------------------------ */

/* The XML gdb reads with qXfer:features:read: an x86-64 CPU with the
 * registers of gdb's "core" and "sse" features, in the 'g' order. */
static size_t target_xml(char *out, size_t size)
{
	size_t at = 0;

	at += (size_t)snprintf(out + at, size - at,
		"<?xml version=\"1.0\"?><!DOCTYPE target SYSTEM \"gdb-target.dtd\">"
		"<target version=\"1.0\"><architecture>i386:x86-64</architecture>"
		"<feature name=\"org.gnu.gdb.i386.core\">");
	for (unsigned n = 0; n < GDB_NREGS && at < size; n++) {
		if (n == GDB_XMM0)
			at += (size_t)snprintf(out + at, size - at,
				"</feature><feature name=\"org.gnu.gdb.i386.sse\">");
		if (at < size)
			at += (size_t)snprintf(out + at, size - at,
				"<reg name=\"%s\" bitsize=\"%u\" type=\"%s\" regnum=\"%u\"%s/>",
				regs[n].name, regs[n].size * 8, regs[n].type, n,
				n >= GDB_FCTRL && n < GDB_XMM0 ? " group=\"float\"" : "");
	}
	if (at < size)
		at += (size_t)snprintf(out + at, size - at, "</feature></target>");
	return at < size ? at : size - 1;
}

/* ---- the commands ------------------------------------------------------------ */

static bool starts(const char *p, size_t len, const char *word)
{
	size_t n = strlen(word);

	return len >= n && memcmp(p, word, n) == 0;
}

/* qXfer:features:read:target.xml:OFFSET,LENGTH */
static void reply_xfer(struct gdb *g, const char *p, const char *end)
{
	static char xml[8192];
	static size_t xml_len;
	static char reply[GDB_PACKET_MAX + 1];
	uint64_t offset, length;

	if (xml_len == 0)
		xml_len = target_xml(xml, sizeof(xml));
	if (!hex_number(&p, end, &offset) || p >= end || *p != ',') {
		gdb_send(g, "E00");
		return;
	}
	p++;
	if (!hex_number(&p, end, &length) || p != end) {
		gdb_send(g, "E00");
		return;
	}
	if (offset >= xml_len) {
		gdb_send(g, "l");         /* nothing more */
		return;
	}
	if (length > GDB_PACKET_MAX - 1)
		length = GDB_PACKET_MAX - 1;
	if (length > xml_len - offset)
		length = xml_len - offset;
	reply[0] = offset + length == xml_len ? 'l' : 'm';
	memcpy(reply + 1, xml + offset, (size_t)length);
	reply[1 + length] = '\0';
	gdb_send(g, reply);
}

static void reply_query(struct gdb *g, const char *p, size_t len)
{
	const char *end = p + len;

	if (starts(p, len, "qSupported")) {
		gdb_send(g, "PacketSize=1000;qXfer:features:read+;swbreak+;hwbreak+;"
			 "QStartNoAckMode+");
	} else if (starts(p, len, "qXfer:features:read:target.xml:")) {
		reply_xfer(g, p + strlen("qXfer:features:read:target.xml:"), end);
	} else if (starts(p, len, "qXfer:")) {
		gdb_send(g, "E00");      /* no other annex */
	} else if (starts(p, len, "qAttached")) {
		gdb_send(g, "1");        /* attached to a running machine: quit detaches */
	} else if (len == 2 && p[1] == 'C') {
		gdb_send(g, "QC1");      /* one thread: the vCPU */
	} else if (starts(p, len, "qfThreadInfo")) {
		gdb_send(g, "m1");
	} else if (starts(p, len, "qsThreadInfo")) {
		gdb_send(g, "l");
	} else if (starts(p, len, "QStartNoAckMode")) {
		gdb_send(g, "OK");       /* acknowledged under the old rule, then none */
		g->no_ack = true;
	} else {
		gdb_send(g, "");         /* not supported: gdb copes */
	}
}

/* m ADDR,LEN and M ADDR,LEN:HEX */
static void reply_memory(struct gdb *g, const char *p, const char *end, bool write)
{
	static uint8_t bytes[GDB_MEM_MAX];
	static char hex[2 * GDB_MEM_MAX + 1];
	uint64_t addr, len;

	if (!hex_number(&p, end, &addr) || p >= end || *p != ',') {
		gdb_send(g, "E00");
		return;
	}
	p++;
	if (!hex_number(&p, end, &len) || len == 0 || len > GDB_MEM_MAX ||
	    addr + len < addr) {
		gdb_send(g, len == 0 && !write ? "" : "E00");
		return;
	}
	if (!write) {
		if (p != end) {
			gdb_send(g, "E00");
			return;
		}
		if (!g->target.read_mem(g->target.ctx, addr, bytes, (size_t)len)) {
			gdb_send(g, "E14");   /* EFAULT: no memory there */
			return;
		}
		gdb_hex_encode(bytes, (size_t)len, hex);
		gdb_send(g, hex);
		return;
	}
	if (p >= end || *p != ':' || (size_t)(end - p - 1) != 2 * len ||
	    !gdb_hex_decode(p + 1, (size_t)(2 * len), bytes)) {
		gdb_send(g, "E00");
		return;
	}
	gdb_send(g, g->target.write_mem(g->target.ctx, addr, bytes, (size_t)len) ? "OK" : "E14");
}

/* p N and P N=HEX */
static void reply_register(struct gdb *g, const char *p, const char *end, bool write)
{
	static uint8_t all[GDB_REGS_BYTES];
	char hex[2 * 16 + 1];
	uint64_t n;
	size_t size;

	if (!hex_number(&p, end, &n) || n >= GDB_NREGS) {
		gdb_send(g, "E00");
		return;
	}
	size = gdb_reg_size((unsigned)n);
	g->target.get_regs(g->target.ctx, all);
	if (!write) {
		if (p != end) {
			gdb_send(g, "E00");
			return;
		}
		gdb_hex_encode(all + gdb_reg_offset((unsigned)n), size, hex);
		gdb_send(g, hex);
		return;
	}
	if (p >= end || *p != '=' || (size_t)(end - p - 1) != 2 * size ||
	    !gdb_hex_decode(p + 1, 2 * size, all + gdb_reg_offset((unsigned)n))) {
		gdb_send(g, "E00");
		return;
	}
	gdb_send(g, g->target.set_regs(g->target.ctx, all) ? "OK" : "E00");
}

/* Z TYPE,ADDR,KIND and z TYPE,ADDR,KIND */
static void reply_breakpoint(struct gdb *g, const char *p, const char *end, bool insert)
{
	uint64_t type, addr, kind;
	int done;

	if (!hex_number(&p, end, &type) || type > GDB_WATCH_ACCESS || p >= end || *p != ',') {
		gdb_send(g, type > GDB_WATCH_ACCESS ? "" : "E00");
		return;
	}
	p++;
	if (!hex_number(&p, end, &addr) || p >= end || *p != ',') {
		gdb_send(g, "E00");
		return;
	}
	p++;
	/* Conditions after the kind (;X...) are not supported: refuse them
	 * rather than ignore them. */
	if (!hex_number(&p, end, &kind) || p != end || kind > 8) {
		gdb_send(g, "E00");
		return;
	}
	done = g->target.breakpoint(g->target.ctx, insert, (unsigned)type, addr, (unsigned)kind);
	gdb_send(g, done == 0 ? "OK" : done > 0 ? "" : "E00");
}

/* c [ADDR] and s [ADDR] */
static bool resume_address(struct gdb *g, const char *p, const char *end)
{
	g->resume_at = false;
	if (p == end)
		return true;
	if (!hex_number(&p, end, &g->resume_addr) || p != end)
		return false;
	g->resume_at = true;
	return true;
}

// ANCHOR: handle
enum gdb_action gdb_handle(struct gdb *g, const char *payload, size_t len)
{
	static uint8_t all[GDB_REGS_BYTES];
	static char hex[2 * GDB_REGS_BYTES + 1];
	const char *end = payload + len;

	if (len == 0) {
		gdb_send(g, "");
		return GDB_STAY;
	}
	switch (payload[0]) {
	case '?':                     /* why did the guest stop? */
		gdb_send(g, g->stop_reply);
		return GDB_STAY;
	case 'g':                     /* every register */
		g->target.get_regs(g->target.ctx, all);
		gdb_hex_encode(all, sizeof(all), hex);
		gdb_send(g, hex);
		return GDB_STAY;
	case 'G':
		if (len - 1 != 2 * GDB_REGS_BYTES || !gdb_hex_decode(payload + 1, len - 1, all)) {
			gdb_send(g, "E00");
			return GDB_STAY;
		}
		gdb_send(g, g->target.set_regs(g->target.ctx, all) ? "OK" : "E00");
		return GDB_STAY;
	case 'p':
	case 'P':
		reply_register(g, payload + 1, end, payload[0] == 'P');
		return GDB_STAY;
	case 'm':
	case 'M':
		reply_memory(g, payload + 1, end, payload[0] == 'M');
		return GDB_STAY;
	case 'Z':
	case 'z':
		reply_breakpoint(g, payload + 1, end, payload[0] == 'Z');
		return GDB_STAY;
	case 'c':
	case 's':
		if (!resume_address(g, payload + 1, end)) {
			gdb_send(g, "E00");
			return GDB_STAY;
		}
		return payload[0] == 'c' ? GDB_CONTINUE : GDB_STEP;
	case 'k':                     /* kill: no reply */
		return GDB_KILL;
	case 'D':                     /* detach */
		gdb_send(g, "OK");
		return GDB_DETACH;
	case 'H':                     /* set the thread: there is one */
	case 'T':                     /* is it alive? it is */
		gdb_send(g, "OK");
		return GDB_STAY;
	case 'q':
	case 'Q':
		reply_query(g, payload, len);
		return GDB_STAY;
	case 'v':
		if (starts(payload, len, "vKill")) {
			gdb_send(g, "OK");
			return GDB_KILL;
		}
		gdb_send(g, "");      /* vCont and the rest: gdb falls back to c and s */
		return GDB_STAY;
	default:
		g->errors++;
		gdb_send(g, "");      /* the protocol's "unknown": an empty reply */
		return GDB_STAY;
	}
}
// ANCHOR_END: handle
