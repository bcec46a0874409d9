/* gdb.h - the GDB remote serial protocol, the wire side of chapter 13's
 * stub: packets framed and checked, commands parsed and answered. No KVM
 * here: the chapter gives it a target (registers, memory, breakpoints)
 * and is told what the debugger wants done next. Everything that comes
 * off the socket passes through gdb_framer_push() and gdb_handle(), and
 * both are fuzzed (make fuzz, tests/cases/63-fuzz.sh).
 *
 * A packet is $PAYLOAD#CC, CC the sum of the payload's bytes modulo 256
 * in two hex digits; the receiver answers + (taken) or - (send it again),
 * until QStartNoAckMode turns that off. A lone 0x03 byte is an interrupt
 * (Ctrl-C in gdb). The register layout is gdb's amd64 one (57 registers,
 * 536 bytes in a 'g' reply), as the target description says. */
#ifndef KVM_STEPS_GDB_H
#define KVM_STEPS_GDB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GDB_PACKET_MAX 4096   /* the PacketSize we announce (hex 1000) */
#define GDB_MEM_MAX 2048      /* bytes one m packet may ask for: its reply is twice that */
#define GDB_NREGS 57          /* rax ... mxcsr */
#define GDB_REGS_BYTES 536

/* gdb's register numbers the chapter fills in. */
enum {
	GDB_RAX, GDB_RBX, GDB_RCX, GDB_RDX, GDB_RSI, GDB_RDI, GDB_RBP, GDB_RSP,
	GDB_R8, GDB_R15 = GDB_R8 + 7, GDB_RIP, GDB_EFLAGS,
	GDB_CS, GDB_SS, GDB_DS, GDB_ES, GDB_FS, GDB_GS,
	GDB_ST0, GDB_FCTRL = GDB_ST0 + 8, GDB_FSTAT, GDB_FTAG, GDB_FISEG, GDB_FIOFF,
	GDB_FOSEG, GDB_FOOFF, GDB_FOP, GDB_XMM0, GDB_MXCSR = GDB_XMM0 + 16,
};

/* Where register n lies in the 536 bytes, and how many bytes it has. */
size_t gdb_reg_offset(unsigned n);
size_t gdb_reg_size(unsigned n);
/* Register n as a little-endian value of its size (at most 8 bytes). */
void gdb_reg_put(uint8_t *regs, unsigned n, uint64_t value);
uint64_t gdb_reg_get(const uint8_t *regs, unsigned n);

/* ---- framing ------------------------------------------------------------ */

enum gdb_event {
	GDB_NOTHING,       /* the byte was taken; no packet yet */
	GDB_PACKET,        /* a whole packet, checksum right: f->buf, f->len */
	GDB_BAD_CHECKSUM,  /* a whole packet whose checksum is wrong */
	GDB_TOO_LONG,      /* a packet longer than GDB_PACKET_MAX, dropped */
	GDB_INTERRUPT,     /* 0x03 outside a packet */
	GDB_ACK,           /* + */
	GDB_NACK,          /* -: send the last reply again */
};

struct gdb_framer {
	int state;                 /* outside, in the payload, checksum digit 1 or 2 */
	char buf[GDB_PACKET_MAX + 1]; /* the payload, NUL-terminated */
	size_t len;
	bool overflow;
	uint8_t sum, theirs;
};

/* Feed one byte from the socket; says what, if anything, it completed. */
enum gdb_event gdb_framer_push(struct gdb_framer *f, uint8_t byte);

/* ---- the target and the commands ---------------------------------------- */

/* Breakpoint and watchpoint kinds, as Z and z number them. */
enum { GDB_BP_SW, GDB_BP_HW, GDB_WATCH_WRITE, GDB_WATCH_READ, GDB_WATCH_ACCESS };

/* What the chapter does for the stub; ctx is its own. */
struct gdb_target {
	void *ctx;
	void (*get_regs)(void *ctx, uint8_t regs[GDB_REGS_BYTES]);
	bool (*set_regs)(void *ctx, const uint8_t regs[GDB_REGS_BYTES]);
	/* Linear addresses, as gdb gives them; false if any byte has none. */
	bool (*read_mem)(void *ctx, uint64_t addr, uint8_t *buf, size_t len);
	bool (*write_mem)(void *ctx, uint64_t addr, const uint8_t *buf, size_t len);
	/* 0: done; 1: this kind is not supported here (gdb then does
	 * without: software watchpoints, say); -1: it failed. */
	int (*breakpoint)(void *ctx, bool insert, unsigned type, uint64_t addr, unsigned kind);
};

/* What the debugger asked for, once a packet is handled. */
enum gdb_action {
	GDB_STAY,      /* answered; the guest stays stopped */
	GDB_CONTINUE,  /* c: run until the next stop */
	GDB_STEP,      /* s: one instruction */
	GDB_KILL,      /* k or vKill: end the run */
	GDB_DETACH,    /* D: answered OK; forget the debugger, run on */
};

struct gdb {
	int fd;                    /* the connection; -1 when none */
	struct gdb_framer framer;
	struct gdb_target target;
	bool no_ack;               /* QStartNoAckMode was accepted */
	bool broken;               /* a write failed: the client is gone */
	char last[GDB_PACKET_MAX + 8]; /* the last packet sent, framed, for a - */
	size_t last_len;
	char stop_reply[64];       /* what ? answers: why the guest stopped last */
	uint64_t resume_addr;      /* c ADDR or s ADDR: where to go on from */
	bool resume_at;            /* ...if an address was given */
	unsigned long packets, bad_checksums, too_long, errors;
};

/* A fresh protocol state on fd, the guest stopped with "S05" (SIGTRAP). */
void gdb_init(struct gdb *g, int fd, const struct gdb_target *target);
/* Send payload as one packet (and keep it for a resend). */
void gdb_send(struct gdb *g, const char *payload);
/* Answer the byte events the framer gives: + for a good packet, - for a
 * bad checksum, the last packet again for a -. Returns true for a packet
 * to handle. */
bool gdb_acknowledge(struct gdb *g, enum gdb_event event);
/* Handle one packet's payload: the reply is sent, except for the packets
 * that resume the guest (their reply is the next stop). */
enum gdb_action gdb_handle(struct gdb *g, const char *payload, size_t len);

/* Hex helpers, bounds-checked: they return false on a bad digit. */
bool gdb_hex_decode(const char *hex, size_t digits, uint8_t *out);
void gdb_hex_encode(const uint8_t *in, size_t len, char *out);

#endif
