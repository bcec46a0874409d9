/* test_gdb.c - KVM-free unit tests of chapter 13's GDB stub, its wire
 * side (common/gdb.c): the framer byte by byte (a good packet, a bad
 * checksum, one too long, 0x03, + and -, noise, a $ that starts again),
 * the acknowledgements, and gdb_handle() against a fake target: every
 * command, its malformed variants, and every reply a well-formed packet
 * whose checksum is right. The stub writes to a pipe the test reads. */
#include "check.h"
#include "gdb.h"

#include <fcntl.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- a fake target ------------------------------------------------------- */

struct fake {
	uint8_t regs[GDB_REGS_BYTES];
	uint8_t mem[0x1000];          /* linear 0x1000-0x1fff; nothing else */
	bool refuse_regs;
	int bp_result;                /* what breakpoint() answers */
	unsigned bp_calls, bp_type, bp_kind;
	bool bp_insert;
	uint64_t bp_addr;
	size_t biggest_read;          /* the most any read_mem asked for */
};

static void fake_get_regs(void *ctx, uint8_t regs[GDB_REGS_BYTES])
{
	memcpy(regs, ((struct fake *)ctx)->regs, GDB_REGS_BYTES);
}

static bool fake_set_regs(void *ctx, const uint8_t regs[GDB_REGS_BYTES])
{
	struct fake *f = ctx;

	if (f->refuse_regs)
		return false;
	memcpy(f->regs, regs, GDB_REGS_BYTES);
	return true;
}

static bool fake_read(void *ctx, uint64_t addr, uint8_t *buf, size_t len)
{
	struct fake *f = ctx;

	if (len > f->biggest_read)
		f->biggest_read = len;
	if (addr < 0x1000 || addr >= 0x2000 || len > 0x2000 - addr)
		return false;
	memcpy(buf, f->mem + (addr - 0x1000), len);
	return true;
}

static bool fake_write(void *ctx, uint64_t addr, const uint8_t *buf, size_t len)
{
	struct fake *f = ctx;

	if (addr < 0x1000 || addr >= 0x2000 || len > 0x2000 - addr)
		return false;
	memcpy(f->mem + (addr - 0x1000), buf, len);
	return true;
}

static int fake_breakpoint(void *ctx, bool insert, unsigned type, uint64_t addr, unsigned kind)
{
	struct fake *f = ctx;

	f->bp_calls++;
	f->bp_insert = insert;
	f->bp_type = type;
	f->bp_addr = addr;
	f->bp_kind = kind;
	return f->bp_result;
}

/* ---- the stub on a pipe ----------------------------------------------------- */

static struct gdb g;
static struct fake fake;
static int wire[2];                   /* the stub writes [1], the test reads [0] */
static char sent[16384];              /* what it wrote, since the last look */
static unsigned bad_replies;          /* packets framed wrong or summed wrong */

static void stub_open(void)
{
	struct gdb_target t = { &fake, fake_get_regs, fake_set_regs, fake_read, fake_write,
				fake_breakpoint };

	if (wire[0] == 0 && (pipe(wire) < 0 || fcntl(wire[0], F_SETFL, O_NONBLOCK) < 0)) {
		perror("pipe");
		exit(2);
	}
	memset(&fake, 0, sizeof(fake));
	for (unsigned i = 0; i < sizeof(fake.mem); i++)
		fake.mem[i] = (uint8_t)i;
	for (unsigned n = 0; n < 16; n++)
		gdb_reg_put(fake.regs, GDB_RAX + n, 0x1111111111111111ull * (n + 1));
	gdb_reg_put(fake.regs, GDB_RIP, 0xff07d);
	gdb_reg_put(fake.regs, GDB_EFLAGS, 0x202);
	gdb_init(&g, wire[1], &t);
}

/* Everything the stub wrote since the last call, NUL-terminated. */
static const char *wrote(void)
{
	ssize_t n = read(wire[0], sent, sizeof(sent) - 1);

	sent[n > 0 ? n : 0] = '\0';
	return sent;
}

/* The payload of the one packet in what the stub wrote ("+" first if
 * want_ack), checked: framed, summed right; NULL if not. */
static const char *reply_of(const char *bytes, bool want_ack)
{
	static char payload[8192];
	size_t len = strlen(bytes);
	unsigned theirs;
	uint8_t sum = 0;

	if (want_ack) {
		if (bytes[0] != '+')
			goto bad;
		bytes++;
		len--;
	}
	if (len < 4 || bytes[0] != '$' || bytes[len - 3] != '#' ||
	    sscanf(bytes + len - 2, "%2x", &theirs) != 1 || len - 4 >= sizeof(payload))
		goto bad;
	for (size_t i = 1; i < len - 3; i++) {
		if (bytes[i] == '$' || bytes[i] == '#')
			goto bad;
		sum = (uint8_t)(sum + (uint8_t)bytes[i]);
	}
	if (sum != theirs)
		goto bad;
	memcpy(payload, bytes + 1, len - 4);
	payload[len - 4] = '\0';
	return payload;
bad:
	bad_replies++;
	return NULL;
}

/* Handle one payload; its reply (a packet) or NULL if none or a bad one. */
static enum gdb_action last_action;
static const char *ask(const char *payload)
{
	const char *out;

	last_action = gdb_handle(&g, payload, strlen(payload));
	out = wrote();
	if (out[0] == '\0')
		return "(no reply)";
	return reply_of(out, false);
}

/* Push a string through the framer; the last event it gave. */
static enum gdb_event push_all(struct gdb_framer *f, const char *bytes, size_t len)
{
	enum gdb_event e = GDB_NOTHING;

	for (size_t i = 0; i < len; i++)
		e = gdb_framer_push(f, (uint8_t)bytes[i]);
	return e;
}

/* ---- the framer -------------------------------------------------------------- */

static void test_framer(void)
{
	static struct gdb_framer f;
	static char big[GDB_PACKET_MAX + 16];
	enum gdb_event e;
	unsigned sum = 0;

	memset(&f, 0, sizeof(f));
	CHECK_EQ("gdb framer: a good packet: nothing until its last digit", GDB_NOTHING,
		 push_all(&f, "$qC#b", 5));
	CHECK_EQ("gdb framer: ...then GDB_PACKET", GDB_PACKET, gdb_framer_push(&f, '4'));
	CHECK_STR("gdb framer: ...its payload, NUL-terminated", "qC", f.buf);
	CHECK_EQ("gdb framer: ...and its length", 2, f.len);
	CHECK_EQ("gdb framer: upper-case checksum digits are taken", GDB_PACKET,
		 push_all(&f, "$m0,1#FA", 8));
	CHECK_EQ("gdb framer: a wrong checksum is GDB_BAD_CHECKSUM", GDB_BAD_CHECKSUM,
		 push_all(&f, "$qC#b5", 6));
	CHECK_EQ("gdb framer: a checksum that is not hex is GDB_BAD_CHECKSUM at once", GDB_BAD_CHECKSUM,
		 push_all(&f, "$qC#x", 5));
	CHECK_EQ("gdb framer: ...and the byte after it is outside a packet again", GDB_ACK,
		 gdb_framer_push(&f, '+'));
	CHECK_EQ("gdb framer: a bad second digit too", GDB_BAD_CHECKSUM, push_all(&f, "$qC#bz", 6));
	CHECK_EQ("gdb framer: the next packet after a bad one is good", GDB_PACKET,
		 push_all(&f, "$qC#b4", 6));
	CHECK_EQ("gdb framer: 0x03 outside a packet is GDB_INTERRUPT", GDB_INTERRUPT,
		 gdb_framer_push(&f, 0x03));
	CHECK_EQ("gdb framer: + is GDB_ACK", GDB_ACK, gdb_framer_push(&f, '+'));
	CHECK_EQ("gdb framer: - is GDB_NACK", GDB_NACK, gdb_framer_push(&f, '-'));
	CHECK_EQ("gdb framer: noise between packets is passed over", GDB_NOTHING,
		 push_all(&f, "hello\r\n#00", 10));
	CHECK_EQ("gdb framer: ...and the packet after it is good", GDB_PACKET,
		 push_all(&f, "$qC#b4", 6));
	/* 0x03 inside a payload is a byte of it: its sum is 0x03 */
	CHECK_EQ("gdb framer: 0x03 inside a packet is payload, not an interrupt", GDB_PACKET,
		 push_all(&f, "$\003#03", 5));
	CHECK_EQ("gdb framer: ...of one byte", 1, f.len);
	CHECK_EQ("gdb framer: a $ inside a packet starts it again", GDB_PACKET,
		 push_all(&f, "$m10,$qC#b4", 11));
	CHECK_STR("gdb framer: ...with the new payload only", "qC", f.buf);
	CHECK_EQ("gdb framer: an empty packet", GDB_PACKET, push_all(&f, "$#00", 4));
	CHECK_EQ("gdb framer: ...has length 0", 0, f.len);

	/* exactly GDB_PACKET_MAX bytes fit; one more is too long */
	big[0] = '$';
	memset(big + 1, 'A', GDB_PACKET_MAX);
	for (unsigned i = 0; i < GDB_PACKET_MAX; i++)
		sum += 'A';
	snprintf(big + 1 + GDB_PACKET_MAX, 8, "#%02x", sum & 0xff);
	e = push_all(&f, big, strlen(big));
	CHECK_EQ("gdb framer: a packet of GDB_PACKET_MAX bytes is taken", GDB_PACKET, e);
	CHECK_EQ("gdb framer: ...all of it", GDB_PACKET_MAX, f.len);
	big[0] = '$';
	memset(big + 1, 'A', GDB_PACKET_MAX + 1);
	snprintf(big + 2 + GDB_PACKET_MAX, 8, "#%02x", (sum + 'A') & 0xff);
	e = push_all(&f, big, strlen(big));
	CHECK_EQ("gdb framer: one byte more is GDB_TOO_LONG (checksum right or not)", GDB_TOO_LONG, e);
	CHECK_EQ("gdb framer: ...the buffer never holds more than GDB_PACKET_MAX", GDB_PACKET_MAX, f.len);
	CHECK_EQ("gdb framer: ...and is NUL-terminated", 0, f.buf[GDB_PACKET_MAX]);
	CHECK_EQ("gdb framer: after a packet too long, a good one is good", GDB_PACKET,
		 push_all(&f, "$qC#b4", 6));
	f.state = 99;
	CHECK_EQ("gdb framer: a state it never sets is reset to outside", GDB_NOTHING,
		 gdb_framer_push(&f, 'x'));
	CHECK_EQ("gdb framer: ...and the next packet is good", GDB_PACKET, push_all(&f, "$qC#b4", 6));
}

/* ---- acknowledgements ---------------------------------------------------------- */

static void test_acknowledge(void)
{
	stub_open();
	CHECK_EQ("gdb ack: a good packet is to be handled", 1, gdb_acknowledge(&g, GDB_PACKET));
	CHECK_STR("gdb ack: ...and gets '+'", "+", wrote());
	CHECK_EQ("gdb ack: a bad checksum is not handled", 0, gdb_acknowledge(&g, GDB_BAD_CHECKSUM));
	CHECK_STR("gdb ack: ...and gets '-'", "-", wrote());
	CHECK_EQ("gdb ack: a packet too long is not handled", 0, gdb_acknowledge(&g, GDB_TOO_LONG));
	CHECK_STR("gdb ack: ...it gets '+' and E01", "+$E01#a6", wrote());
	CHECK_EQ("gdb ack: - ...", 0, gdb_acknowledge(&g, GDB_NACK));
	CHECK_STR("gdb ack: ...sends the last packet again", "$E01#a6", wrote());
	CHECK_EQ("gdb ack: + is nothing to handle", 0, gdb_acknowledge(&g, GDB_ACK));
	CHECK_EQ("gdb ack: 0x03 is not handled here", 0, gdb_acknowledge(&g, GDB_INTERRUPT));
	CHECK_STR("gdb ack: ...and neither writes anything", "", wrote());
	CHECK_EQ("gdb ack: counted: 1 packet, 1 bad checksum, 1 too long", 0x010101,
		 g.packets << 16 | g.bad_checksums << 8 | g.too_long);
	stub_open();
	CHECK_EQ("gdb ack: a - before any reply sends nothing", 0, gdb_acknowledge(&g, GDB_NACK));
	CHECK_STR("gdb ack: ...nothing at all", "", wrote());
	CHECK_STR("gdb ack: QStartNoAckMode: OK", "OK", ask("QStartNoAckMode"));
	CHECK_EQ("gdb ack: ...no_ack is on", 1, g.no_ack);
	CHECK_EQ("gdb ack: then a good packet is still handled", 1, gdb_acknowledge(&g, GDB_PACKET));
	CHECK_EQ("gdb ack: ...a bad one still not", 0, gdb_acknowledge(&g, GDB_BAD_CHECKSUM));
	CHECK_STR("gdb ack: ...and neither gets + or -", "", wrote());
	CHECK_EQ("gdb ack: a packet too long still gets E01", 0, gdb_acknowledge(&g, GDB_TOO_LONG));
	CHECK_STR("gdb ack: ...alone, without '+'", "$E01#a6", wrote());
}

/* ---- the commands ------------------------------------------------------------------ */

static void test_registers(void)
{
	char want[2 * GDB_REGS_BYTES + 1], hex[2 * GDB_REGS_BYTES + 2];
	const char *r;

	CHECK_EQ("gdb regs: rip is at byte 128", 128, gdb_reg_offset(GDB_RIP));
	CHECK_EQ("gdb regs: eflags at 136, 4 bytes", 136 << 8 | 4,
		 gdb_reg_offset(GDB_EFLAGS) << 8 | gdb_reg_size(GDB_EFLAGS));
	CHECK_EQ("gdb regs: st0 at 164, 10 bytes", 164 << 8 | 10,
		 gdb_reg_offset(GDB_ST0) << 8 | gdb_reg_size(GDB_ST0));
	CHECK_EQ("gdb regs: xmm0 at 276, 16 bytes", 276 << 8 | 16,
		 gdb_reg_offset(GDB_XMM0) << 8 | gdb_reg_size(GDB_XMM0));
	CHECK_EQ("gdb regs: mxcsr ends the 536 bytes", GDB_REGS_BYTES,
		 gdb_reg_offset(GDB_MXCSR) + gdb_reg_size(GDB_MXCSR));
	CHECK_EQ("gdb regs: there is no register 57", 0, gdb_reg_size(GDB_NREGS));

	stub_open();
	gdb_hex_encode(fake.regs, GDB_REGS_BYTES, want);
	r = ask("g");
	CHECK_EQ("gdb g: 1072 hex digits", 2 * GDB_REGS_BYTES, r ? strlen(r) : 0);
	CHECK_STR("gdb g: ...the target's registers, little-endian", want, r);
	CHECK_EQ("gdb g: ...the guest stays stopped", GDB_STAY, last_action);

	CHECK_STR("gdb p: p10 is rip", "7df00f0000000000", ask("p10"));
	CHECK_STR("gdb p: p11 is eflags, 4 bytes", "02020000", ask("p11"));
	CHECK_STR("gdb p: p0 is rax", "1111111111111111", ask("p0"));
	CHECK_STR("gdb p: p39 (57) is no register: E00", "E00", ask("p39"));
	CHECK_STR("gdb p: p without a number: E00", "E00", ask("p"));
	CHECK_STR("gdb p: p with junk after it: E00", "E00", ask("p10x"));
	CHECK_STR("gdb p: a number of 17 digits: E00", "E00", ask("p00000000000000010"));

	CHECK_STR("gdb P: P10 sets rip", "OK", ask("P10=0010000000000000"));
	CHECK_EQ("gdb P: ...the target has it", 0x1000, gdb_reg_get(fake.regs, GDB_RIP));
	CHECK_STR("gdb P: too few digits: E00", "E00", ask("P10=00"));
	CHECK_STR("gdb P: too many digits: E00", "E00", ask("P11=0000000000"));
	CHECK_STR("gdb P: digits that are not hex: E00", "E00", ask("P11=zz000000"));
	CHECK_STR("gdb P: no '=': E00", "E00", ask("P1100000000"));
	CHECK_STR("gdb P: no register 57: E00", "E00", ask("P39=00000000"));
	fake.refuse_regs = true;
	CHECK_STR("gdb P: the target refuses: E00", "E00", ask("P11=02000000"));
	fake.refuse_regs = false;

	gdb_reg_put(fake.regs, GDB_RBX, 0x1234);
	gdb_hex_encode(fake.regs, GDB_REGS_BYTES, want);
	gdb_reg_put(fake.regs, GDB_RBX, 0);
	snprintf(hex, sizeof(hex), "G%s", want);
	CHECK_STR("gdb G: all 536 bytes: OK", "OK", ask(hex));
	CHECK_EQ("gdb G: ...the target has them", 0x1234, gdb_reg_get(fake.regs, GDB_RBX));
	hex[strlen(hex) - 2] = '\0';
	CHECK_STR("gdb G: one byte short: E00", "E00", ask(hex));
	snprintf(hex, sizeof(hex), "G%s", want);
	hex[5] = 'q';
	CHECK_STR("gdb G: a digit that is not hex: E00", "E00", ask(hex));
	CHECK_STR("gdb G: nothing: E00", "E00", ask("G"));
	snprintf(hex, sizeof(hex), "G%s", want);
	fake.refuse_regs = true;
	CHECK_STR("gdb G: the target refuses: E00", "E00", ask(hex));
}

static void test_memory(void)
{
	static char big[2 * GDB_MEM_MAX + 64];
	const char *r;

	stub_open();
	CHECK_STR("gdb m: 4 bytes at 0x1010", "10111213", ask("m1010,4"));
	CHECK_STR("gdb m: upper-case hex is taken", "fafbfcfd", ask("m1FFA,4"));
	r = ask("m1000,800");
	CHECK_EQ("gdb m: GDB_MEM_MAX bytes: 4096 digits", 2 * GDB_MEM_MAX, r ? strlen(r) : 0);
	CHECK_STR("gdb m: one byte more than GDB_MEM_MAX: E00", "E00", ask("m1000,801"));
	CHECK_STR("gdb m: 0x10000000 bytes: E00", "E00", ask("m1000,10000000"));
	CHECK_EQ("gdb m: ...the target was never asked for more than GDB_MEM_MAX", GDB_MEM_MAX,
		 fake.biggest_read);
	CHECK_STR("gdb m: no memory there: E14", "E14", ask("m5000,4"));
	CHECK_STR("gdb m: 0 bytes: the empty reply", "", ask("m1000,0"));
	CHECK_STR("gdb m: wrapping past 2^64: E00", "E00", ask("mffffffffffffffff,10"));
	CHECK_STR("gdb m: no length: E00", "E00", ask("m1000"));
	CHECK_STR("gdb m: no address: E00", "E00", ask("m,4"));
	CHECK_STR("gdb m: an address that is not hex: E00", "E00", ask("mzz,4"));
	CHECK_STR("gdb m: junk after the length: E00", "E00", ask("m1000,4;"));
	CHECK_STR("gdb m: an address of 17 digits: E00", "E00", ask("m10000000000000000,4"));

	CHECK_STR("gdb M: 2 bytes at 0x1100", "OK", ask("M1100,2:abcd"));
	CHECK_EQ("gdb M: ...the target has them", 0xabcd, fake.mem[0x100] << 8 | fake.mem[0x101]);
	CHECK_STR("gdb M: too little data: E00", "E00", ask("M1100,2:ab"));
	CHECK_STR("gdb M: too much data: E00", "E00", ask("M1100,1:abcd"));
	CHECK_STR("gdb M: data that is not hex: E00", "E00", ask("M1100,2:zzzz"));
	CHECK_STR("gdb M: no ':': E00", "E00", ask("M1100,2abcd"));
	CHECK_STR("gdb M: 0 bytes: E00", "E00", ask("M1100,0:"));
	CHECK_STR("gdb M: 0x10000000 bytes: E00", "E00", ask("M1100,10000000:00"));
	CHECK_STR("gdb M: no memory there: E14", "E14", ask("M5000,1:00"));
	snprintf(big, sizeof(big), "M1000,800:");
	memset(big + strlen(big), '0', 2 * GDB_MEM_MAX);
	CHECK_STR("gdb M: GDB_MEM_MAX bytes: OK", "OK", ask(big));
}

static void test_breakpoints(void)
{
	stub_open();
	CHECK_STR("gdb Z0: done: OK", "OK", ask("Z0,ff07d,1"));
	CHECK_EQ("gdb Z0: ...the target was asked: insert, type 0, 0xff07d, kind 1", 1,
		 fake.bp_calls == 1 && fake.bp_insert && fake.bp_type == 0 && fake.bp_addr == 0xff07d &&
		 fake.bp_kind == 1);
	CHECK_STR("gdb z0: done: OK", "OK", ask("z0,ff07d,1"));
	CHECK_EQ("gdb z0: ...the target was asked to remove it", 0, fake.bp_insert);
	CHECK_STR("gdb Z2: a write watchpoint of 8 bytes", "OK", ask("Z2,500,8"));
	CHECK_EQ("gdb Z2: ...type 2, kind 8", 2 << 8 | 8, fake.bp_type << 8 | fake.bp_kind);
	CHECK_STR("gdb Z4: an access watchpoint", "OK", ask("Z4,500,4"));
	fake.bp_result = 1;
	CHECK_STR("gdb Z1: not supported here: the empty reply", "", ask("Z1,ff07d,1"));
	fake.bp_result = -1;
	CHECK_STR("gdb Z1: refused: E00", "E00", ask("Z1,ff07d,1"));
	fake.bp_calls = 0;
	CHECK_STR("gdb Z5: no such type: the empty reply", "", ask("Z5,ff07d,1"));
	CHECK_STR("gdb Z: no address: E00", "E00", ask("Z0"));
	CHECK_STR("gdb Z: no kind: E00", "E00", ask("Z0,ff07d"));
	CHECK_STR("gdb Z: no comma after the type: read as type 0xff07d, none: the empty reply", "", ask("Z0ff07d,1"));
	CHECK_STR("gdb Z: a kind above 8: E00", "E00", ask("Z2,500,10"));
	CHECK_STR("gdb Z: a condition after the kind: E00", "E00", ask("Z0,ff07d,1;X1,0"));
	CHECK_STR("gdb Z: an address that is not hex: E00", "E00", ask("Z0,zz,1"));
	CHECK_EQ("gdb Z: ...none of them reached the target", 0, fake.bp_calls);
}

static void test_resume_and_the_rest(void)
{
	static char xml[16384];
	size_t xml_len = 0;
	const char *r;
	unsigned regs = 0;

	stub_open();
	CHECK_STR("gdb ?: S05 at the start", "S05", ask("?"));
	CHECK_STR("gdb c: no reply (the next stop is)", "(no reply)", ask("c"));
	CHECK_EQ("gdb c: GDB_CONTINUE", GDB_CONTINUE, last_action);
	CHECK_EQ("gdb c: ...from where the guest is", 0, g.resume_at);
	CHECK_STR("gdb s ADDR: no reply", "(no reply)", ask("sff07d"));
	CHECK_EQ("gdb s ADDR: GDB_STEP", GDB_STEP, last_action);
	CHECK_EQ("gdb s ADDR: ...from 0xff07d", 0xff07d, g.resume_at ? g.resume_addr : 0);
	CHECK_STR("gdb c: an address that is not hex: E00", "E00", ask("cxyz"));
	CHECK_EQ("gdb c: ...and the guest stays", GDB_STAY, last_action);
	CHECK_STR("gdb s: junk after the address: E00", "E00", ask("s10;"));
	CHECK_STR("gdb k: no reply", "(no reply)", ask("k"));
	CHECK_EQ("gdb k: GDB_KILL", GDB_KILL, last_action);
	CHECK_STR("gdb vKill: OK", "OK", ask("vKill;1"));
	CHECK_EQ("gdb vKill: GDB_KILL", GDB_KILL, last_action);
	CHECK_STR("gdb D: OK", "OK", ask("D"));
	CHECK_EQ("gdb D: GDB_DETACH", GDB_DETACH, last_action);
	CHECK_STR("gdb vCont?: the empty reply (gdb falls back to c and s)", "", ask("vCont?"));
	CHECK_STR("gdb H: OK", "OK", ask("Hg0"));
	CHECK_STR("gdb T: OK", "OK", ask("T1"));
	CHECK_STR("gdb qSupported", "PacketSize=1000;qXfer:features:read+;swbreak+;hwbreak+;QStartNoAckMode+",
		  ask("qSupported:multiprocess+;swbreak+"));
	CHECK_STR("gdb qAttached: 1", "1", ask("qAttached"));
	CHECK_STR("gdb qC: QC1", "QC1", ask("qC"));
	CHECK_STR("gdb qfThreadInfo: m1", "m1", ask("qfThreadInfo"));
	CHECK_STR("gdb qsThreadInfo: l", "l", ask("qsThreadInfo"));
	CHECK_STR("gdb an unknown query: the empty reply", "", ask("qTStatus"));
	CHECK_STR("gdb qXfer of another annex: E00", "E00", ask("qXfer:features:read:other.xml:0,100"));
	CHECK_STR("gdb qXfer with a bad offset: E00", "E00", ask("qXfer:features:read:target.xml:zz,100"));
	CHECK_STR("gdb qXfer without a length: E00", "E00", ask("qXfer:features:read:target.xml:0"));
	CHECK_STR("gdb qXfer past the end: l", "l", ask("qXfer:features:read:target.xml:ffffff,100"));
	/* the whole description, 0x100 bytes at a time */
	for (int i = 0; i < 100; i++) {
		char q[80];

		snprintf(q, sizeof(q), "qXfer:features:read:target.xml:%zx,100", xml_len);
		r = ask(q);
		if (r == NULL || (r[0] != 'm' && r[0] != 'l') || xml_len + strlen(r) >= sizeof(xml))
			break;
		memcpy(xml + xml_len, r + 1, strlen(r) - 1);
		xml_len += strlen(r) - 1;
		xml[xml_len] = '\0';
		if (r[0] == 'l')
			break;
		CHECK_EQ("gdb qXfer: an 'm' chunk is as long as asked", 0x101, strlen(r));
	}
	for (const char *p = xml; (p = strstr(p, "<reg ")) != NULL; p++)
		regs++;
	CHECK_EQ("gdb target.xml: 57 registers", GDB_NREGS, regs);
	CHECK_EQ("gdb target.xml: i386:x86-64", 1, strstr(xml, "<architecture>i386:x86-64</architecture>") != NULL);
	CHECK_EQ("gdb target.xml: the core feature and the sse one", 1,
		 strstr(xml, "org.gnu.gdb.i386.core") != NULL && strstr(xml, "org.gnu.gdb.i386.sse") != NULL);
	CHECK_EQ("gdb target.xml: rip is register 16, a code pointer", 1,
		 strstr(xml, "<reg name=\"rip\" bitsize=\"64\" type=\"code_ptr\" regnum=\"16\"/>") != NULL);
	CHECK_EQ("gdb target.xml: it ends </target>", 1,
		 xml_len > 9 && strcmp(xml + xml_len - 9, "</target>") == 0);
	CHECK_STR("gdb the empty packet: the empty reply", "", ask(""));
	g.errors = 0;
	CHECK_STR("gdb an unknown command: the empty reply", "", ask("!"));
	CHECK_STR("gdb another: the empty reply", "", ask("X1000,0:"));
	CHECK_EQ("gdb unknown commands are counted", 2, g.errors);
	CHECK_EQ("gdb every reply above was a packet with a right checksum", 0, bad_replies);
}

static void test_hex(void)
{
	uint8_t b[4] = { 0 };
	char hex[9];

	CHECK_EQ("gdb hex: decode", 1, gdb_hex_decode("0aFf", 4, b) && b[0] == 0x0a && b[1] == 0xff);
	CHECK_EQ("gdb hex: an odd count is refused", 0, gdb_hex_decode("0a0", 3, b));
	CHECK_EQ("gdb hex: a digit that is not hex is refused", 0, gdb_hex_decode("0g", 2, b));
	gdb_hex_encode((const uint8_t[]){ 0xde, 0xad, 0x00, 0x01 }, 4, hex);
	CHECK_STR("gdb hex: encode, lower case", "dead0001", hex);
}

/* A reply to a gone client: the stub notes it and writes no more. */
static void test_broken(void)
{
	int p[2];

	stub_open();
	if (pipe(p) < 0)
		return;
	close(p[0]);
	g.fd = p[1];
	ask("?");
	CHECK_EQ("gdb: a write to a client that is gone marks the connection broken", 1, g.broken);
	close(p[1]);
	g.fd = wire[1];
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	test_framer();
	test_acknowledge();
	test_registers();
	test_memory();
	test_breakpoints();
	test_resume_and_the_rest();
	test_hex();
	test_broken();
	fflush(stdout);
	return check_failures ? 1 : 0;
}
