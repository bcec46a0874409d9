/* fuzz-gdb.c - random and mutated byte streams into chapter 13's GDB stub
 * (common/gdb.c), for make fuzz FUZZ_PROGRAM=13-debug (tools/fuzz.sh).
 *
 *   fuzz-gdb SEED FIRST COUNT FAILDIR   feed streams FIRST ... FIRST+COUNT-1
 *                                       to the framer and gdb_handle(),
 *                                       with a fake target; a failing one
 *                                       is kept as FAILDIR/gdb-seedS-N.bin
 *   fuzz-gdb --replay FILE              feed one stream from a file
 *   fuzz-gdb --socket SEED N            write stream N to standard output,
 *                                       made only of what cannot change
 *                                       the guest (for the runs over the
 *                                       socket to 13-debug --gdb)
 *
 * It is built with the sanitizers in build/san: a read past a buffer is
 * a report there. Beyond that it checks, after every byte: the framer's
 * payload never longer than GDB_PACKET_MAX and NUL-terminated; every
 * byte the stub writes is '+', '-' or a packet $...#CC whose checksum is
 * right; the target is never asked for more than GDB_MEM_MAX bytes, for a
 * range that wraps past 2^64, or for a breakpoint of an unknown type or
 * kind. Stream N depends only on SEED and N (splitmix64, as fuzz-gen.c).
 *
 * A stream is pieces: well-formed packets of every command with random
 * and edge-case arguments, the same packets mutated (a byte changed, cut
 * short, a checksum wrong, a $ or # inserted), plain random bytes, 0x03,
 * + and -, and now and then a payload longer than GDB_PACKET_MAX. */
#include "gdb.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define STREAM_MAX (64 * 1024)

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

/* ---- making a stream ------------------------------------------------------ */

struct stream {
	uint8_t bytes[STREAM_MAX];
	size_t len;
};

static void put(struct stream *s, const void *p, size_t n)
{
	if (n > STREAM_MAX - s->len)
		n = STREAM_MAX - s->len;
	memcpy(s->bytes + s->len, p, n);
	s->len += n;
}

/* A number as the stub may see one: small, near a limit, huge, or random. */
static uint64_t edge(uint64_t *st)
{
	static const uint64_t edges[] = {
		0, 1, 2, 4, 8, 9, 0x10, 0x38, 0x39, 0x500, 0x7ff, 0x800, 0x801, 0x1000, 0xfff0,
		0xff07d, 0xfffff, 0xa0000, 0xfffffff0, 0x10000000, 0xffffffffffffffffull,
		0xfffffffffffffff0ull, 0x8000000000000000ull,
	};

	if (below(st, 4) == 0)
		return next(st) >> below(st, 64);
	return edges[below(st, sizeof(edges) / sizeof(edges[0]))];
}

static size_t hex_of(uint64_t *st, char *out, size_t room)
{
	size_t n = below(st, 8) + 1, at = 0;

	for (size_t i = 0; i < n && at + 1 < room; i++) {
		static const char d[] = "0123456789abcdefABCDEF";
		out[at++] = d[below(st, sizeof(d) - 1)];
	}
	out[at] = '\0';
	return at;
}

/* One command's payload. safe: only those that leave the guest as it
 * would be without a debugger (no k, no M, G or P, no c or s to another
 * address). */
static size_t command(uint64_t *st, char *out, size_t room, int safe)
{
	char hex[64];
	unsigned pick = below(st, safe ? 17 : 25);
	int n = 0;

	switch (pick) {
	case 0: n = snprintf(out, room, "?"); break;
	case 1: n = snprintf(out, room, "g"); break;
	case 2: n = snprintf(out, room, "p%llx", (unsigned long long)edge(st)); break;
	case 3: n = snprintf(out, room, "m%llx,%llx", (unsigned long long)edge(st),
			     (unsigned long long)edge(st)); break;
	case 4: n = snprintf(out, room, "%c%llx,%llx,%llx", below(st, 2) ? 'Z' : 'z',
			     (unsigned long long)below(st, 7), (unsigned long long)edge(st),
			     (unsigned long long)edge(st)); break;
	case 5: n = snprintf(out, room, "qSupported:swbreak+;hwbreak+"); break;
	case 6: n = snprintf(out, room, "qXfer:features:read:target.xml:%llx,%llx",
			     (unsigned long long)edge(st), (unsigned long long)edge(st)); break;
	case 7: n = snprintf(out, room, "qAttached"); break;
	case 8: n = snprintf(out, room, "qC"); break;
	case 9: n = snprintf(out, room, "qfThreadInfo"); break;
	case 10: n = snprintf(out, room, "H%c0", below(st, 2) ? 'g' : 'c'); break;
	case 11: n = snprintf(out, room, "T1"); break;
	case 12: n = snprintf(out, room, "vCont?"); break;
	case 13: n = snprintf(out, room, "QStartNoAckMode"); break;
	case 14: n = snprintf(out, room, "%c", below(st, 2) ? 's' : 'c'); break;
	case 15: n = snprintf(out, room, "D"); break;
	case 16: hex_of(st, hex, sizeof(hex)); n = snprintf(out, room, "q%s", hex); break;
	/* the rest change the guest: never over the socket */
	case 17: n = snprintf(out, room, "k"); break;
	case 18: n = snprintf(out, room, "vKill;1"); break;
	case 19: hex_of(st, hex, sizeof(hex));
		n = snprintf(out, room, "M%llx,%llx:%s", (unsigned long long)edge(st),
			     (unsigned long long)edge(st), hex); break;
	case 20: hex_of(st, hex, sizeof(hex));
		n = snprintf(out, room, "P%llx=%s", (unsigned long long)edge(st), hex); break;
	case 21: {
		size_t len = below(st, 4) ? 2 * GDB_REGS_BYTES : below(st, 2 * GDB_REGS_BYTES + 8);

		if (len + 2 > room)
			len = room - 2;
		out[0] = 'G';
		for (size_t i = 0; i < len; i++)
			out[1 + i] = "0123456789abcdefx"[below(st, below(st, 8) ? 16 : 17)];
		out[1 + len] = '\0';
		n = (int)(1 + len);
		break;
	}
	case 22: n = snprintf(out, room, "%c%llx", below(st, 2) ? 's' : 'c',
			      (unsigned long long)edge(st)); break;
	case 23: n = snprintf(out, room, "%c", (char)(0x21 + below(st, 0x5e))); break;
	default: n = snprintf(out, room, "X%llx,0:", (unsigned long long)edge(st)); break;
	}
	if (n < 0)
		n = 0;
	return (size_t)n < room ? (size_t)n : room - 1;
}

static const char *unsafe_first = "kMGPXR!";

static void make_stream(struct stream *s, uint64_t seed, uint64_t n, int safe)
{
	uint64_t st = seed * 0x100000001b3ull ^ n ^ (safe ? 0x5afe : 0);
	unsigned pieces = 1 + below(&st, 40);
	static char payload[GDB_PACKET_MAX + 512];

	s->len = 0;
	next(&st);
	for (unsigned i = 0; i < pieces && s->len < STREAM_MAX - 64; i++) {
		unsigned kind = below(&st, 20);
		size_t len;
		uint8_t sum = 0;
		char tail[4];

		if (kind < 12) {                  /* a packet, maybe mutated */
			len = command(&st, payload, sizeof(payload), safe);
			if (kind >= 8 && len > 0) {  /* a byte of it changed */
				size_t at = below(&st, (unsigned)len);

				payload[at] = (char)next(&st);
				if (safe && (payload[at] == '$' || payload[at] == '#'))
					payload[at] = '.';
			}
			/* over the socket: the first letter must stay harmless */
			if (safe && len > 0 && (strchr(unsafe_first, payload[0]) || payload[0] == '\0' ||
						((payload[0] == 'c' || payload[0] == 's') && len > 1)))
				payload[0] = '?';
			for (size_t j = 0; j < len; j++)
				sum = (uint8_t)(sum + (uint8_t)payload[j]);
			if (kind == 11)
				sum = (uint8_t)(sum + 1 + below(&st, 255)); /* a wrong checksum */
			put(s, "$", 1);
			put(s, payload, len);
			snprintf(tail, sizeof(tail), "#%02x", sum);
			if (kind == 10 && !safe)          /* cut short */
				put(s, tail, below(&st, 3));
			else
				put(s, tail, 3);
		} else if (kind < 15) {           /* random bytes */
			len = below(&st, 64);
			for (size_t j = 0; j < len; j++) {
				uint8_t b = (uint8_t)next(&st);

				put(s, &b, 1);
			}
		} else if (kind < 17) {           /* an interrupt, + or - */
			static const uint8_t b[] = { 0x03, '+', '-' };

			put(s, &b[below(&st, 3)], 1);
		} else if (kind < 19) {           /* a payload too long */
			len = GDB_PACKET_MAX + below(&st, 300);
			put(s, "$", 1);
			for (size_t j = 0; j < len; j++)
				put(s, "m", 1);
			put(s, "#00", 3);
		} else {                          /* QStartNoAckMode, which changes the rules */
			put(s, "$QStartNoAckMode#b0", 19);
		}
	}
}

/* ---- the fake target, and the checks ----------------------------------------- */

static const char *failure;           /* why the stream failed, or NULL */
static uint8_t fake_regs[GDB_REGS_BYTES];
static uint8_t fake_mem[0x2000];      /* linear 0x1000-0x2fff */

static void fail_with(const char *why)
{
	if (!failure)
		failure = why;
}

static void get_regs(void *ctx, uint8_t regs[GDB_REGS_BYTES])
{
	(void)ctx;
	memcpy(regs, fake_regs, GDB_REGS_BYTES);
}

static bool set_regs(void *ctx, const uint8_t regs[GDB_REGS_BYTES])
{
	(void)ctx;
	memcpy(fake_regs, regs, GDB_REGS_BYTES);
	return true;
}

static bool mem_range(uint64_t addr, size_t len)
{
	if (len == 0 || len > GDB_MEM_MAX)
		fail_with("the target was asked for 0 bytes, or more than GDB_MEM_MAX");
	if (addr + len < addr)
		fail_with("the target was asked for a range that wraps past 2^64");
	return addr >= 0x1000 && addr < 0x3000 && len <= 0x3000 - addr;
}

static bool read_mem(void *ctx, uint64_t addr, uint8_t *buf, size_t len)
{
	(void)ctx;
	if (!mem_range(addr, len))
		return false;
	memcpy(buf, fake_mem + (addr - 0x1000), len);
	return true;
}

static bool write_mem(void *ctx, uint64_t addr, const uint8_t *buf, size_t len)
{
	(void)ctx;
	if (!mem_range(addr, len))
		return false;
	memcpy(fake_mem + (addr - 0x1000), buf, len);
	return true;
}

static int breakpoint(void *ctx, bool insert, unsigned type, uint64_t addr, unsigned kind)
{
	(void)ctx;
	(void)insert;
	if (type > GDB_WATCH_ACCESS || kind > 8)
		fail_with("the target was asked for a breakpoint of an unknown type or kind");
	return (int)(addr % 3) - 1;           /* done, not supported, refused: all three */
}

/* What the stub wrote, checked as it comes: +, -, or whole packets. */
static int wire[2];
static char out_packet[2 * GDB_PACKET_MAX];
static size_t out_len;
static int out_state;                 /* 0 between, 1 payload, 2-3 checksum */
static uint8_t out_sum, out_theirs;
static unsigned long long packets, replies; /* for the summary */

static int hexval(int c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void check_output(void)
{
	uint8_t buf[8192];
	ssize_t n;

	while ((n = read(wire[0], buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			int c = buf[i], d;

			switch (out_state) {
			case 0:
				if (c == '$') {
					out_state = 1, out_len = 0, out_sum = 0;
				} else if (c != '+' && c != '-') {
					fail_with("the stub wrote a byte outside a packet that is not + or -");
				}
				break;
			case 1:
				if (c == '#') {
					out_state = 2;
				} else if (c == '$' || out_len >= GDB_PACKET_MAX) {
					fail_with("a reply with '$' inside, or longer than GDB_PACKET_MAX");
					out_state = 0;
				} else {
					out_packet[out_len++] = (char)c;
					out_sum = (uint8_t)(out_sum + c);
				}
				break;
			default:
				d = hexval(c);
				if (d < 0) {
					fail_with("a reply's checksum is not two lower-case hex digits");
					out_state = 0;
				} else if (out_state == 2) {
					out_theirs = (uint8_t)(d << 4), out_state = 3;
				} else {
					if ((uint8_t)(out_theirs | d) != out_sum)
						fail_with("a reply's checksum is wrong");
					out_state = 0;
					replies++;
				}
			}
		}
	}
}

/* Feed one stream as 13-debug's serve() does; true if it passed. */
static bool feed(const uint8_t *bytes, size_t len)
{
	static struct gdb g;
	struct gdb_target t = { NULL, get_regs, set_regs, read_mem, write_mem, breakpoint };
	unsigned bad = 0;

	failure = NULL;
	out_state = 0;
	memset(fake_regs, 0, sizeof(fake_regs));
	for (size_t i = 0; i < sizeof(fake_mem); i++)
		fake_mem[i] = (uint8_t)(i * 7);
	gdb_init(&g, wire[1], &t);
	for (size_t i = 0; i < len && !failure; i++) {
		enum gdb_event e = gdb_framer_push(&g.framer, bytes[i]);

		if (g.framer.len > GDB_PACKET_MAX)
			fail_with("the framer's payload is longer than GDB_PACKET_MAX");
		if (e == GDB_BAD_CHECKSUM && ++bad >= 20) {
			gdb_send(&g, "E01");  /* 13-debug closes the connection here */
			break;
		}
		if (e == GDB_PACKET) {
			bad = 0;
			if (g.framer.buf[g.framer.len] != '\0')
				fail_with("a packet's payload is not NUL-terminated");
		}
		if (gdb_acknowledge(&g, e)) {
			switch (gdb_handle(&g, g.framer.buf, g.framer.len)) {
			case GDB_CONTINUE:
			case GDB_STEP:
				gdb_send(&g, "S05"); /* the guest stopped again at once */
				break;
			case GDB_KILL:
			case GDB_DETACH:
				i = len;              /* the session ends */
				break;
			case GDB_STAY:
				break;
			}
		}
		if (e != GDB_NOTHING)
			check_output();
	}
	packets += g.packets;
	check_output();
	if (!failure && out_state != 0)
		fail_with("the stub's output ended inside a packet");
	return failure == NULL;
}

static unsigned long long number(const char *text, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(text, &end, 10);
	if (errno || end == text || *end) {
		fprintf(stderr, "fuzz-gdb: %s '%s' is not a whole number\n", what, text);
		exit(64);
	}
	return v;
}

int main(int argc, char **argv)
{
	static struct stream s;
	unsigned long long seed, first, count, failed = 0;

	signal(SIGPIPE, SIG_IGN);
	if (argc == 4 && strcmp(argv[1], "--socket") == 0) {
		make_stream(&s, number(argv[2], "SEED"), number(argv[3], "N"), 1);
		return fwrite(s.bytes, 1, s.len, stdout) == s.len ? 0 : 74;
	}
	if (pipe(wire) < 0 || fcntl(wire[0], F_SETFL, O_NONBLOCK) < 0 ||
	    fcntl(wire[1], F_SETFL, O_NONBLOCK) < 0) {
		perror("fuzz-gdb: pipe");
		return 71;
	}
	fcntl(wire[1], F_SETPIPE_SZ, 1 << 20);
	if (argc == 3 && strcmp(argv[1], "--replay") == 0) {
		FILE *f = fopen(argv[2], "rb");

		if (!f) {
			fprintf(stderr, "fuzz-gdb: cannot open %s: %s\n", argv[2], strerror(errno));
			return 66;
		}
		s.len = fread(s.bytes, 1, sizeof(s.bytes), f);
		fclose(f);
		if (!feed(s.bytes, s.len)) {
			printf("fuzz-gdb: %s FAILED: %s\n", argv[2], failure);
			return 1;
		}
		printf("fuzz-gdb: %s: %zu bytes, every check held\n", argv[2], s.len);
		return 0;
	}
	if (argc != 5) {
		fprintf(stderr, "usage: fuzz-gdb SEED FIRST COUNT FAILDIR | --replay FILE | --socket SEED N\n");
		return 64;
	}
	seed = number(argv[1], "SEED");
	first = number(argv[2], "FIRST");
	count = number(argv[3], "COUNT");
	for (unsigned long long i = first; i < first + count; i++) {
		char path[4096];
		FILE *f;

		make_stream(&s, seed, i, 0);
		if (feed(s.bytes, s.len))
			continue;
		failed++;
		snprintf(path, sizeof(path), "%s/gdb-seed%llu-%llu.bin", argv[4], seed, i);
		f = fopen(path, "wb");
		if (f) {
			fwrite(s.bytes, 1, s.len, f);
			fclose(f);
		}
		printf("fuzz-gdb: stream %llu of seed %llu FAILED: %s (kept as %s; replay: fuzz-gdb --replay %s)\n",
		       i, seed, failure, path, path);
	}
	printf("fuzz-gdb: %llu streams of seed %llu: %llu packets handled, %llu replies checked, %llu streams failed\n",
	       count, seed, packets, replies, failed);
	return failed ? 1 : 0;
}
