/* Chapter 13: debugging the guest from the host: single-step,
 * breakpoints, and a GDB stub that real gdb attaches to.
 *
 * The machine is chapter 12's (the PC's memory map and ROM, the irqchip
 * and the PIT in the kernel, COM1, a thread for the vCPU), with one vCPU
 * and one new request of KVM: KVM_SET_GUEST_DEBUG. With it the monitor
 * asks KVM to stop the guest for the monitor, not for the guest itself:
 *
 *   KVM_GUESTDBG_SINGLESTEP  after every instruction (RFLAGS.TF, which
 *                            KVM sets and hides from the guest)
 *   KVM_GUESTDBG_USE_SW_BP   at an int3 (0xcc) the monitor wrote into
 *                            guest memory: #BP is intercepted
 *   KVM_GUESTDBG_USE_HW_BP   when the debug registers DR0-DR3 match an
 *                            instruction fetch or a data access (DR7)
 *
 * Each stop comes back from KVM_RUN as KVM_EXIT_DEBUG, with the exception
 * (1 for #DB, 3 for #BP), the linear RIP and DR6, which says why.
 *
 * --step prints every instruction the guest executes. --breakpoint stops
 * at an address, shows the registers and goes on. --gdb PORT waits for
 * gdb on 127.0.0.1 and lets it drive: registers, memory, breakpoints,
 * watchpoints, step, continue, Ctrl-C. The protocol's wire side (packets,
 * checksums, commands) is common/gdb.c; what each command asks of KVM is
 * here.
 *
 * Not every KVM can do all three: what the backend really does is found
 * out first, on a scratch VM, and said in one line.
 *
 * Standard output carries only what the guest prints on COM1; this
 * program's own lines go to standard error. */
#include "gdb.h"
#include "guest_debug.h"
#include "io.h"
#include "irqchip.h"
#include "kvm.h"
#include "options.h"
#include "pc.h"
#include "run.h"
#include "serial.h"
#include "smp.h"
#include "util.h"
#include "x86.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#define EXIT_KILLED 137         /* gdb's kill: as a shell reports SIGKILL */
#define DB_VECTOR 1             /* #DB: single-step, debug registers */
#define BP_VECTOR 3             /* #BP: int3 */
#define INT3 0xcc
#define DR6_BS (1u << 14)       /* DR6: the stop was a single step */
#define DR7_GE (1u << 9)        /* DR7: exact breakpoints (ignored by modern CPUs, set by all) */
#define MAX_BPS 32              /* breakpoints and watchpoints at once */
#define NDR 4                   /* DR0-DR3 */

/* What this KVM really does, found out on a scratch VM (probe()). */
struct backend {
	bool sw_bp;     /* an int3 comes back as KVM_EXIT_DEBUG, exception 3 */
	bool hw_bp;     /* a debug register stops an instruction fetch */
	bool watch;     /* a debug register stops a data write */
};

/* A breakpoint or watchpoint: an int3 in memory, or a debug register. */
struct bp {
	bool used;
	unsigned type;          /* GDB_BP_SW ... GDB_WATCH_ACCESS */
	uint64_t addr;
	unsigned len;           /* watchpoints: 1, 2, 4 or 8 bytes */
	int dr;                 /* its debug register, or -1 for an int3 */
	uint8_t saved;          /* the byte the int3 replaced */
	bool planted;           /* in memory or DR7 now */
};

struct machine {
	struct pc pc;
	struct kvm_vm *vm;
	struct smp smp;
	struct com1_irq com1;
	struct kvm_vcpu *vcpu;
	struct backend backend;
	const struct options *opts;
	/* The debugger's state. */
	struct bp bp[MAX_BPS];
	bool single_step;       /* the guest is being stepped (--step, or gdb's s) */
	bool stepping_over;     /* one step with every breakpoint lifted */
	bool step_then_stop;    /* ...and report it (gdb's s) rather than go on */
	uint64_t last_pc;       /* --step: where the previous instruction began */
	unsigned long steps, stops;
	/* The gdb connection. */
	struct gdb gdb;
	bool attached;
	bool first_stop_done;
	uint8_t in[GDB_PACKET_MAX];
	size_t in_at, in_len;
};

/* ---- what this KVM can do ---------------------------------------------- */

// ANCHOR: probe
/* Run one instruction stream on a scratch VM with one kind of guest
 * debugging on; true if KVM_RUN came back as KVM_EXIT_DEBUG with the
 * given exception. The code, at 0x1000: nop; int3 (or nop); mov [0x2000],
 * al; hlt. The IVT's #BP entry points at a hlt, so an int3 that KVM gives
 * to the guest instead ends with KVM_EXIT_HLT, never a loop. */
static bool probe_one(struct kvm *kvm, uint32_t control, const uint64_t dr[8],
		      bool with_int3, uint32_t exception)
{
	static const uint8_t code[] = { 0x90, 0xcc, 0xa2, 0x00, 0x20, 0xf4 };
	struct kvm_guest_debug debug = { .control = control };
	struct kvm_vcpu vcpu;
	struct kvm_vm vm;
	bool stopped;

	vm_create(&vm, kvm);
	vm_add_memory(&vm, 0, 0x10000);
	memcpy(vm.mem + 0x1000, code, sizeof(code));
	if (!with_int3)
		vm.mem[0x1001] = 0x90;
	vm.mem[0x1100] = 0xf4;            /* the #BP handler: hlt */
	vm.mem[3 * 4] = 0x00;             /* IVT entry 3: 0000:1100 */
	vm.mem[3 * 4 + 1] = 0x11;
	vcpu_create(&vcpu, &vm, 0);
	vcpu_setup_real_mode(&vcpu, 0, 0x1000);
	// LAB BEGIN: the new request, on the scratch vCPU made above: copy dr[0..7] into debug.arch.debugreg (debug.control already holds control), then KVM_SET_GUEST_DEBUG with &debug on vcpu.fd and one KVM_RUN, both with kvm_ioctl() (not kvm_ioctl_or_die(): a KVM that refuses is an answer, "no"). stopped is true only if both returned 0 and the exit is KVM_EXIT_DEBUG with vcpu.run->debug.arch.exception equal to exception (BP_VECTOR for an int3, DB_VECTOR for a debug register); anything else (KVM_EXIT_HLT when the int3 went to the guest, KVM_EXIT_INTERNAL_ERROR, no stop at all) is false.
	memcpy(debug.arch.debugreg, dr, sizeof(debug.arch.debugreg));
	stopped = kvm_ioctl(vcpu.fd, KVM_SET_GUEST_DEBUG, &debug) == 0 &&
		  kvm_ioctl(vcpu.fd, KVM_RUN, NULL) == 0 &&
		  vcpu.run->exit_reason == KVM_EXIT_DEBUG &&
		  vcpu.run->debug.arch.exception == exception;
	// LAB END
	vcpu_close(&vcpu);
	vm_close(&vm);
	return stopped;
}

static void probe(struct kvm *kvm, struct backend *b)
{
	uint64_t none[8] = { 0 }, fetch[8] = { 0 }, write[8] = { 0 };
	bool trace = kvm_trace;

	kvm_trace = false;                /* the scratch VM's ioctls are not the run's */
	// LAB BEGIN: three tries of probe_one(), one for each field of *b. b->sw_bp: control KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP, the debug registers none, with the int3, expecting BP_VECTOR. b->hw_bp: KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP, no int3, expecting DB_VECTOR, with fetch[0] (DR0) = 0x1002, the address of the mov, and fetch[7] (DR7) = L0 (bit 0) | DR7_GE, R/W0 and LEN0 left 00 (an instruction fetch). b->watch: the same control, no int3, DB_VECTOR, with write[1] (DR1) = 0x2000, the byte the mov writes, and write[7] = L1 (bit 2) | R/W1 = 01 (a write: bit 20) | DR7_GE, LEN1 00 (1 byte).
	fetch[0] = 0x1002;                /* DR0: the mov's address */
	fetch[7] = 1u << 0 | DR7_GE;      /* L0, R/W0 = 00 (fetch), LEN0 = 00 */
	write[1] = 0x2000;                /* DR1: the byte the mov writes */
	write[7] = 1u << 2 | 1u << 20 | DR7_GE; /* L1, R/W1 = 01 (write), LEN1 = 00 (1 byte) */
	b->sw_bp = probe_one(kvm, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_SW_BP, none,
			     true, BP_VECTOR);
	b->hw_bp = probe_one(kvm, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP, fetch,
			     false, DB_VECTOR);
	b->watch = probe_one(kvm, KVM_GUESTDBG_ENABLE | KVM_GUESTDBG_USE_HW_BP, write,
			     false, DB_VECTOR);
	// LAB END
	kvm_trace = trace;
}
// ANCHOR_END: probe

static void show_backend(const struct backend *b, int mask)
{
	fprintf(stderr, "%s: KVM_CAP_SET_GUEST_DEBUG2 says 0x%x; tried on a scratch VM: "
		"int3 %s, debug-register breakpoints %s, watchpoints %s\n", progname,
		mask > 0 ? (unsigned)mask : 0u,
		b->sw_bp ? "stops (KVM_EXIT_DEBUG, #BP)" : "does not stop",
		b->hw_bp ? "stop" : "do not stop", b->watch ? "stop" : "do not stop");
	if (!b->sw_bp && b->hw_bp)
		fprintf(stderr, "%s: this KVM cannot stop at an int3: breakpoints use the "
			"debug registers instead, %d at most\n", progname, NDR);
	if (!b->sw_bp && !b->hw_bp)
		fprintf(stderr, "%s: this KVM stops at no breakpoint: gdb can read and write "
			"registers and memory and step, and its breakpoints are refused\n",
			progname);
	if (!b->watch)
		fprintf(stderr, "%s: this KVM does not stop at data writes: the stub refuses "
			"gdb's hardware watchpoints; after \"set can-use-hw-watchpoints 0\" gdb "
			"watches by single-stepping (slow, but right)\n", progname);
}

/* ---- guest memory, by linear address ------------------------------------ */

// ANCHOR: translate
/* The guest-physical address of a linear one, as the guest's own page
 * tables say: KVM_TRANSLATE walks them for us. With paging off the two
 * are the same, and KVM says so too. */
static bool translate(struct machine *m, uint64_t linear, uint64_t *gpa)
{
	struct kvm_translation t = { .linear_address = linear };

	if (kvm_ioctl(m->vcpu->fd, KVM_TRANSLATE, &t) < 0 || !t.valid)
		return false;
	*gpa = t.physical_address;
	return true;
}
// ANCHOR_END: translate

/* The host's copy of guest-physical memory at gpa, len bytes of one slot;
 * NULL where there is none (the VGA hole, beyond RAM). */
static uint8_t *host_of(struct machine *m, uint64_t gpa, size_t len, bool *rom)
{
	for (int i = 0; i < PC_SLOTS; i++) {
		struct pc_region *r = &m->pc.regions[i];

		if (gpa >= r->gpa && gpa - r->gpa < r->size && len <= r->size - (gpa - r->gpa)) {
			*rom = r->flags & KVM_MEM_READONLY;
			return r->host + (gpa - r->gpa);
		}
	}
	return NULL;
}

/* Copy len bytes at a linear address out of the guest (write false) or
 * into it (write true), page by page: each page may be anywhere. The
 * ROM is read-only to the guest (KVM_MEM_READONLY) and to this process
 * (mprotect); a debugger may write it all the same, as a hardware
 * debugger writes flash: the protection is lifted for the copy. */
static bool guest_copy(struct machine *m, uint64_t addr, uint8_t *buf, size_t len, bool write)
{
	while (len > 0) {
		size_t chunk = 4096 - (addr & 4095);
		uint64_t gpa;
		uint8_t *host;
		bool rom = false;

		if (chunk > len)
			chunk = len;
		if (!translate(m, addr, &gpa) || (host = host_of(m, gpa, chunk, &rom)) == NULL)
			return false;
		if (!write) {
			memcpy(buf, host, chunk);
		} else if (rom) {
			uint8_t *base = m->pc.regions[PC_SLOT_ROM].host;

			if (mprotect(base, PC_ROM_SIZE, PROT_READ | PROT_WRITE) < 0)
				return false;
			memcpy(host, buf, chunk);
			mprotect(base, PC_ROM_SIZE, PROT_READ);
		} else {
			memcpy(host, buf, chunk);
		}
		addr += chunk;
		buf += chunk;
		len -= chunk;
	}
	return true;
}

/* ---- breakpoints, and the request that arms them ------------------------- */

// ANCHOR: set-guest-debug
/* Tell KVM what to stop at: single steps, int3s, the debug registers.
 * Called whenever one of them changes, before the next KVM_RUN. */
static void set_guest_debug(struct machine *m)
{
	struct kvm_guest_debug debug = { .control = KVM_GUESTDBG_ENABLE };
	uint64_t dr7 = 0;
	bool int3s = false;

	// LAB BEGIN: fill debug and hand it to KVM. For each entry of m->bp[] that is used and planted: an int3 (b->dr < 0) only needs KVM_GUESTDBG_USE_SW_BP in debug.control; a debug register n = b->dr gets debug.arch.debugreg[n] = b->addr and, in DR7, its enable bit L (bit 2n), its R/W field at bit 16 + 4n (00 an instruction fetch, for GDB_BP_SW and GDB_BP_HW; 01 a write, GDB_WATCH_WRITE; 11 a read or write, GDB_WATCH_ACCESS) and its LEN field at bit 18 + 4n (b->len 1: 00, 2: 01, 4: 11, 8: 10). If any register is armed: KVM_GUESTDBG_USE_HW_BP and debugreg[7] = DR7 | DR7_GE. If m->single_step or m->stepping_over: KVM_GUESTDBG_SINGLESTEP. Then KVM_SET_GUEST_DEBUG on m->vcpu->fd with kvm_ioctl_or_die(). Every call says all of it again: what is not in debug is turned off.
	for (int i = 0; i < MAX_BPS; i++) {
		struct bp *b = &m->bp[i];

		if (!b->used || !b->planted)
			continue;
		if (b->dr < 0) {
			int3s = true;
			continue;
		}
		/* DR7: L bit (2n), R/W (16 + 4n: 00 fetch, 01 write, 11
		 * read or write), LEN (18 + 4n: 00 1, 01 2, 11 4, 10 8 bytes). */
		unsigned rw = b->type == GDB_WATCH_WRITE ? 1 : b->type == GDB_WATCH_ACCESS ? 3 : 0;
		unsigned len = b->len == 2 ? 1 : b->len == 4 ? 3 : b->len == 8 ? 2 : 0;

		debug.arch.debugreg[b->dr] = b->addr;
		dr7 |= 1u << (2 * b->dr) | (uint64_t)rw << (16 + 4 * b->dr) |
		       (uint64_t)len << (18 + 4 * b->dr);
	}
	if (int3s)
		debug.control |= KVM_GUESTDBG_USE_SW_BP;
	if (dr7) {
		debug.control |= KVM_GUESTDBG_USE_HW_BP;
		debug.arch.debugreg[7] = dr7 | DR7_GE;
	}
	if (m->single_step || m->stepping_over)
		debug.control |= KVM_GUESTDBG_SINGLESTEP;
	kvm_ioctl_or_die(m->vcpu->fd, KVM_SET_GUEST_DEBUG, &debug);
	// LAB END
}
// ANCHOR_END: set-guest-debug

// ANCHOR: plant
/* Put a breakpoint into effect: an int3 replaces the instruction's first
 * byte (kept, to put back), or a debug register is armed. */
static bool plant(struct machine *m, struct bp *b)
{
	uint8_t int3 = INT3;

	// LAB BEGIN: put b into effect, once: if b->planted already, return true. An int3 (b->dr < 0): read the guest's byte at b->addr into b->saved, then write INT3 there, both with guest_copy() (a linear address; it writes the ROM too); return false if either fails. A debug register needs nothing here: set_guest_debug() arms it. Then set b->planted and return true.
	if (b->planted)
		return true;
	if (b->dr < 0) {
		if (!guest_copy(m, b->addr, &b->saved, 1, false) ||
		    !guest_copy(m, b->addr, &int3, 1, true))
			return false;
	}
	b->planted = true;
	return true;
	// LAB END
}

/* Take it out of effect: the original byte back, or the register free. */
static void lift(struct machine *m, struct bp *b)
{
	// LAB BEGIN: undo plant(): nothing if b is not planted; for an int3 (b->dr < 0), write b->saved back at b->addr with guest_copy(); then clear b->planted.
	if (!b->planted)
		return;
	if (b->dr < 0)
		guest_copy(m, b->addr, &b->saved, 1, true);
	b->planted = false;
	// LAB END
}
// ANCHOR_END: plant

static void plant_all(struct machine *m)
{
	for (int i = 0; i < MAX_BPS; i++)
		if (m->bp[i].used)
			plant(m, &m->bp[i]);
}

static void lift_all(struct machine *m)
{
	for (int i = 0; i < MAX_BPS; i++)
		if (m->bp[i].used)
			lift(m, &m->bp[i]);
}

/* A free debug register, or -1. */
static int free_dr(const struct machine *m)
{
	for (int dr = 0; dr < NDR; dr++) {
		bool taken = false;

		for (int i = 0; i < MAX_BPS; i++)
			if (m->bp[i].used && m->bp[i].dr == dr)
				taken = true;
		if (!taken)
			return dr;
	}
	return -1;
}

/* Add or remove one (gdb's Z and z, and --breakpoint): 0 done, 1 not
 * supported by this KVM, -1 refused (no register free, no memory there,
 * an unaligned watchpoint). */
static int breakpoint(void *ctx, bool insert, unsigned type, uint64_t addr, unsigned kind)
{
	struct machine *m = ctx;
	bool data = type >= GDB_WATCH_WRITE;
	struct bp *b = NULL;

	for (int i = 0; i < MAX_BPS; i++)
		if (m->bp[i].used && m->bp[i].type == type && m->bp[i].addr == addr)
			b = &m->bp[i];
	if (!insert) {
		if (b == NULL)
			return -1;
		lift(m, b);
		b->used = false;
		set_guest_debug(m);
		return 0;
	}
	if (b != NULL)
		return 0;                 /* there already */
	if (type == GDB_WATCH_READ)
		return 1;                 /* x86 debug registers watch writes, or all accesses */
	if (type == GDB_BP_SW && !m->backend.sw_bp && !m->backend.hw_bp) {
		/* Not "unsupported" (an empty reply): gdb would then write
		 * the int3 itself, and this KVM would hand it to the guest. */
		warn("a breakpoint at 0x%llx refused: this KVM stops at neither an int3 "
		     "nor a debug register", (unsigned long long)addr);
		return -1;
	}
	if ((data && !m->backend.watch) || (type == GDB_BP_HW && !m->backend.hw_bp))
		return 1;
	if (data && ((kind != 1 && kind != 2 && kind != 4 && kind != 8) || addr % kind))
		return -1;                /* a debug register covers an aligned 1, 2, 4 or 8 */
	for (int i = 0; i < MAX_BPS && b == NULL; i++)
		if (!m->bp[i].used)
			b = &m->bp[i];
	if (b == NULL)
		return -1;
	*b = (struct bp){ .used = true, .type = type, .addr = addr, .len = data ? kind : 1,
			  .dr = -1 };
	if (type != GDB_BP_SW || !m->backend.sw_bp) {
		b->dr = free_dr(m);
		if (b->dr < 0) {
			b->used = false;
			return -1;
		}
	}
	if (!plant(m, b)) {
		b->used = false;
		return -1;
	}
	set_guest_debug(m);
	return 0;
}

static struct bp *bp_at(struct machine *m, uint64_t pc)
{
	for (int i = 0; i < MAX_BPS; i++)
		if (m->bp[i].used && m->bp[i].type <= GDB_BP_HW && m->bp[i].addr == pc)
			return &m->bp[i];
	return NULL;
}

/* ---- registers, in gdb's layout ---------------------------------------- */

// ANCHOR: registers
/* What gdb is given as RIP: the linear address of the next instruction,
 * CS's base plus RIP, which is what its breakpoints and its "x/i $pc"
 * mean. In 64-bit mode the base is not used (it is 0 here anyway); in
 * real mode it is CS * 16, and RIP alone (IP) would be an offset that
 * matches no breakpoint gdb has set. */
static uint64_t pc_base(const struct kvm_sregs *s)
{
	return s->cs.l && (s->efer & X86_EFER_LMA) ? 0 : s->cs.base;
}

static void get_regs(void *ctx, uint8_t out[GDB_REGS_BYTES])
{
	struct machine *m = ctx;
	struct kvm_regs r;
	struct kvm_sregs s;
	struct kvm_fpu f;
	uint16_t ftag = 0;

	vcpu_regs_get(m->vcpu, &r);
	vcpu_sregs_get(m->vcpu, &s);
	kvm_ioctl_or_die(m->vcpu->fd, KVM_GET_FPU, &f);
	memset(out, 0, GDB_REGS_BYTES);
	{
		const uint64_t v[16] = { r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi, r.rbp, r.rsp,
					 r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14, r.r15 };

		for (unsigned n = 0; n < 16; n++)
			gdb_reg_put(out, GDB_RAX + n, v[n]);
	}
	gdb_reg_put(out, GDB_RIP, pc_base(&s) + r.rip);
	gdb_reg_put(out, GDB_EFLAGS, r.rflags);
	gdb_reg_put(out, GDB_CS, s.cs.selector);
	gdb_reg_put(out, GDB_SS, s.ss.selector);
	gdb_reg_put(out, GDB_DS, s.ds.selector);
	gdb_reg_put(out, GDB_ES, s.es.selector);
	gdb_reg_put(out, GDB_FS, s.fs.selector);
	gdb_reg_put(out, GDB_GS, s.gs.selector);
	for (unsigned i = 0; i < 8; i++)
		memcpy(out + gdb_reg_offset(GDB_ST0 + i), f.fpr[i], 10);
	/* KVM keeps the abridged tag (FXSAVE's: one bit per register, 1 if
	 * it holds a value); gdb wants the full one, two bits each: 00
	 * valid, 11 empty (zero and special are not told apart here). */
	for (unsigned i = 0; i < 8; i++)
		if (!(f.ftwx & (1u << i)))
			ftag |= (uint16_t)(3u << (2 * i));
	gdb_reg_put(out, GDB_FCTRL, f.fcw);
	gdb_reg_put(out, GDB_FSTAT, f.fsw);
	gdb_reg_put(out, GDB_FTAG, ftag);
	gdb_reg_put(out, GDB_FIOFF, f.last_ip);
	gdb_reg_put(out, GDB_FOOFF, f.last_dp);
	gdb_reg_put(out, GDB_FOP, f.last_opcode);
	for (unsigned i = 0; i < 16; i++)
		memcpy(out + gdb_reg_offset(GDB_XMM0 + i), f.xmm[i], 16);
	gdb_reg_put(out, GDB_MXCSR, f.mxcsr);
}

/* gdb's new values. The segment registers are shown, not set: a selector
 * means a descriptor the guest's own GDT holds, which only the guest
 * loads. A change there is refused; the rest is given to KVM. */
static bool set_regs(void *ctx, const uint8_t in[GDB_REGS_BYTES])
{
	struct machine *m = ctx;
	uint8_t now[GDB_REGS_BYTES];
	struct kvm_regs r;
	struct kvm_sregs s;
	struct kvm_fpu f;

	get_regs(ctx, now);
	for (unsigned n = GDB_CS; n <= GDB_GS; n++)
		if (gdb_reg_get(in, n) != gdb_reg_get(now, n)) {
			warn("gdb asked to change a segment register to 0x%llx: refused (a "
			     "selector names a descriptor; only the guest loads one)",
			     (unsigned long long)gdb_reg_get(in, n));
			return false;
		}
	vcpu_regs_get(m->vcpu, &r);
	r.rax = gdb_reg_get(in, GDB_RAX);
	r.rbx = gdb_reg_get(in, GDB_RBX);
	r.rcx = gdb_reg_get(in, GDB_RCX);
	r.rdx = gdb_reg_get(in, GDB_RDX);
	r.rsi = gdb_reg_get(in, GDB_RSI);
	r.rdi = gdb_reg_get(in, GDB_RDI);
	r.rbp = gdb_reg_get(in, GDB_RBP);
	r.rsp = gdb_reg_get(in, GDB_RSP);
	r.r8 = gdb_reg_get(in, GDB_R8);
	r.r9 = gdb_reg_get(in, GDB_R8 + 1);
	r.r10 = gdb_reg_get(in, GDB_R8 + 2);
	r.r11 = gdb_reg_get(in, GDB_R8 + 3);
	r.r12 = gdb_reg_get(in, GDB_R8 + 4);
	r.r13 = gdb_reg_get(in, GDB_R8 + 5);
	r.r14 = gdb_reg_get(in, GDB_R8 + 6);
	r.r15 = gdb_reg_get(in, GDB_R15);
	vcpu_sregs_get(m->vcpu, &s);
	r.rip = gdb_reg_get(in, GDB_RIP) - pc_base(&s);
	r.rflags = (r.rflags & ~0xffffffffull) | gdb_reg_get(in, GDB_EFLAGS) | X86_RFLAGS_FIXED;
	vcpu_regs_set(m->vcpu, &r);
	if (memcmp(in + gdb_reg_offset(GDB_ST0), now + gdb_reg_offset(GDB_ST0),
		   GDB_REGS_BYTES - gdb_reg_offset(GDB_ST0)) != 0) {
		kvm_ioctl_or_die(m->vcpu->fd, KVM_GET_FPU, &f);
		for (unsigned i = 0; i < 8; i++)
			memcpy(f.fpr[i], in + gdb_reg_offset(GDB_ST0 + i), 10);
		f.fcw = (uint16_t)gdb_reg_get(in, GDB_FCTRL);
		f.fsw = (uint16_t)gdb_reg_get(in, GDB_FSTAT);
		f.ftwx = 0;
		for (unsigned i = 0; i < 8; i++)
			if (((gdb_reg_get(in, GDB_FTAG) >> (2 * i)) & 3) != 3)
				f.ftwx |= (uint8_t)(1u << i);
		f.last_ip = gdb_reg_get(in, GDB_FIOFF);
		f.last_dp = gdb_reg_get(in, GDB_FOOFF);
		f.last_opcode = (uint16_t)gdb_reg_get(in, GDB_FOP);
		for (unsigned i = 0; i < 16; i++)
			memcpy(f.xmm[i], in + gdb_reg_offset(GDB_XMM0 + i), 16);
		f.mxcsr = (uint32_t)gdb_reg_get(in, GDB_MXCSR);
		kvm_ioctl_or_die(m->vcpu->fd, KVM_SET_FPU, &f);
	}
	return true;
}
// ANCHOR_END: registers

static bool read_mem(void *ctx, uint64_t addr, uint8_t *buf, size_t len)
{
	return guest_copy(ctx, addr, buf, len, false);
}

static bool write_mem(void *ctx, uint64_t addr, const uint8_t *buf, size_t len)
{
	uint8_t copy[GDB_MEM_MAX];

	if (len > sizeof(copy))
		return false;
	memcpy(copy, buf, len);
	return guest_copy(ctx, addr, copy, len, true);
}

/* ---- the gdb connection ----------------------------------------------------- */

// ANCHOR: listen
/* Listen on 127.0.0.1 only (a debugger can read and write all of the
 * guest: it is not offered to the network), wait for one gdb, and stop
 * listening: a second client finds the port closed. */
static int gdb_accept(unsigned port)
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int one = 1, fd, conn;

	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die(EXIT_NO_KVM, "--gdb: cannot make a socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(fd, 1) < 0) {
		int err = errno;

		close(fd);
		die(EXIT_NO_KVM, "--gdb %u: cannot listen on 127.0.0.1:%u: %s; give "
		    "another port", port, port, strerror(err));
	}
	fprintf(stderr, "%s: waiting for gdb on 127.0.0.1:%u (in gdb: target remote "
		":%u); the guest has not started\n", progname, port, port);
	do
		conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	while (conn < 0 && errno == EINTR);
	close(fd);
	if (conn < 0)
		die(EXIT_NO_KVM, "--gdb %u: accept failed: %s", port, strerror(errno));
	setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* Ctrl-C in gdb sends one byte while the guest runs: SIGIO, as for
	 * standard input in chapter 11, brings the vCPU's thread out of
	 * KVM_RUN to read it. */
	fcntl(conn, F_SETOWN, getpid());
	fcntl(conn, F_SETFL, fcntl(conn, F_GETFL) | O_ASYNC | O_NONBLOCK);
	fprintf(stderr, "%s: gdb connected\n", progname);
	return conn;
}
// ANCHOR_END: listen

static bool stopping(struct machine *m)
{
	return __atomic_load_n(&m->smp.stopping, __ATOMIC_SEQ_CST);
}

static void show_gdb_counts(const struct machine *m)
{
	fprintf(stderr, "%s: gdb: %lu packets, %lu with bad checksums, %lu too long, "
		"%lu unknown\n", progname, m->gdb.packets, m->gdb.bad_checksums,
		m->gdb.too_long, m->gdb.errors);
}

/* Forget the debugger: every breakpoint out, single-stepping off, the
 * connection closed. The guest runs on as if it had never been there. */
static void detach(struct machine *m, const char *why)
{
	lift_all(m);
	memset(m->bp, 0, sizeof(m->bp));
	m->single_step = m->stepping_over = false;
	if (!m->opts->step)
		set_guest_debug(m);
	close(m->gdb.fd);
	m->gdb.fd = -1;
	m->attached = false;
	fprintf(stderr, "%s: %s: breakpoints taken out, the guest runs on\n", progname, why);
	show_gdb_counts(m);
}

/* The next byte event from gdb; false when the connection ended (or the
 * run is stopping). wait: block until something comes. */
static bool gdb_next(struct machine *m, bool wait, enum gdb_event *event)
{
	for (;;) {
		if (m->in_at < m->in_len) {
			*event = gdb_framer_push(&m->gdb.framer, m->in[m->in_at++]);
			return true;
		}
		ssize_t n = read(m->gdb.fd, m->in, sizeof(m->in));

		if (n > 0) {
			m->in_at = 0;
			m->in_len = (size_t)n;
			continue;
		}
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			detach(m, n == 0 ? "gdb closed the connection" : "the connection to gdb failed");
			return false;
		}
		if (!wait || stopping(m)) {
			*event = GDB_NOTHING;
			return true;
		}
		struct pollfd p = { .fd = m->gdb.fd, .events = POLLIN };

		poll(&p, 1, 200);         /* a kick (the timeout) ends it too */
	}
}

// ANCHOR: serve
/* The guest is stopped: say why, then do what gdb asks until it
 * resumes the guest. Returns -1 to go on running, or the run's status. */
static int serve(struct machine *m, const char *why)
{
	enum gdb_event event;
	unsigned bad = 0;

	snprintf(m->gdb.stop_reply, sizeof(m->gdb.stop_reply), "%s", why);
	if (m->first_stop_done)
		gdb_send(&m->gdb, why);   /* the reply to the c or s that ran it */
	m->first_stop_done = true;
	m->stops++;
	lift_all(m);                      /* gdb sees the guest's own bytes */
	while (m->attached && !stopping(m)) {
		if (!gdb_next(m, true, &event))
			break;
		if (event == GDB_BAD_CHECKSUM && ++bad >= 20) {
			gdb_send(&m->gdb, "E01");
			detach(m, "20 packets with bad checksums in a row: the connection is closed");
			break;
		}
		if (!gdb_acknowledge(&m->gdb, event))
			continue;
		bad = 0;
		switch (gdb_handle(&m->gdb, m->gdb.framer.buf, m->gdb.framer.len)) {
		case GDB_STAY:
			if (m->gdb.broken)
				detach(m, "gdb stopped reading");
			continue;
		case GDB_CONTINUE:
		case GDB_STEP: {
			struct kvm_regs r;
			bool step = m->gdb.framer.buf[0] == 's';

			// LAB BEGIN: gdb's c or s: resume the guest. If gdb gave an address (m->gdb.resume_at), the vCPU's RIP becomes m->gdb.resume_addr (vcpu_regs_get(), vcpu_regs_set()). m->single_step is true for s (step says which), false for c. If a breakpoint stands at the guest's linear RIP (bp_at(), CS base + RIP from vcpu_sregs_get()), one step must pass it with every breakpoint out: m->single_step false, m->stepping_over true, m->step_then_stop = step; otherwise every breakpoint goes back into effect (plant_all()). KVM is told (set_guest_debug()), and serve() returns -1: the vCPU's thread goes back into KVM_RUN, and the next stop (debug_exit()) sends gdb its reply.
			struct kvm_sregs sr;

			vcpu_regs_get(m->vcpu, &r);
			vcpu_sregs_get(m->vcpu, &sr);
			if (m->gdb.resume_at) {       /* a linear address, as gdb's RIP */
				r.rip = m->gdb.resume_addr - pc_base(&sr);
				vcpu_regs_set(m->vcpu, &r);
			}
			m->single_step = step;
			if (bp_at(m, pc_base(&sr) + r.rip)) {
				/* A breakpoint where the guest stands (gdb keeps
				 * them in when told to): one step with none in,
				 * then all of them, then on as asked. */
				m->single_step = false;
				m->stepping_over = true;
				m->step_then_stop = step;
			} else {
				plant_all(m);
			}
			set_guest_debug(m);
			return -1;
			// LAB END
		}
		case GDB_KILL:
			fprintf(stderr, "%s: gdb killed the guest: exit status %d\n", progname,
				EXIT_KILLED);
			close(m->gdb.fd);
			m->gdb.fd = -1;
			m->attached = false;
			show_gdb_counts(m);
			return EXIT_KILLED;
		case GDB_DETACH:
			detach(m, "gdb detached");
			return -1;
		}
	}
	if (m->attached)
		return -1;                /* the run is stopping: the loop ends it */
	plant_all(m);                     /* detach() emptied the table: nothing */
	return -1;
}
// ANCHOR_END: serve

/* ---- the run ----------------------------------------------------------------- */

static void show_regs_line(struct machine *m, uint64_t pc)
{
	struct kvm_regs r;

	vcpu_regs_get(m->vcpu, &r);
	fprintf(stderr, "%s: breakpoint at 0x%llx: rax 0x%llx rbx 0x%llx rcx 0x%llx rdx "
		"0x%llx rsp 0x%llx r12 0x%llx r13 0x%llx\n", progname,
		(unsigned long long)pc, (unsigned long long)r.rax, (unsigned long long)r.rbx,
		(unsigned long long)r.rcx, (unsigned long long)r.rdx, (unsigned long long)r.rsp,
		(unsigned long long)r.r12, (unsigned long long)r.r13);
}

// ANCHOR: step-line
/* --step: the instruction that just ran began at last_pc; the vCPU is
 * now at pc. If pc follows it, the instruction is the bytes between; if
 * not, it was a jump, a call or a return, and its end is not known. */
static void step_line(struct machine *m, uint64_t pc)
{
	uint8_t bytes[15];
	uint64_t len = pc - m->last_pc;
	char hex[3 * 15 + 1] = "";

	m->steps++;
	if (len >= 1 && len <= 15 && guest_copy(m, m->last_pc, bytes, (size_t)len, false)) {
		for (uint64_t i = 0; i < len; i++)
			snprintf(hex + 3 * i, sizeof(hex) - 3 * i, "%02x ", bytes[i]);
		hex[3 * len - 1] = '\0';
		fprintf(stderr, "step %lu: 0x%llx: %s\n", m->steps,
			(unsigned long long)m->last_pc, hex);
	} else {
		fprintf(stderr, "step %lu: 0x%llx: jumped to 0x%llx\n", m->steps,
			(unsigned long long)m->last_pc, (unsigned long long)pc);
	}
	m->last_pc = pc;
}
// ANCHOR_END: step-line

// ANCHOR: debug-exit
/* KVM_EXIT_DEBUG: why it stopped, from the exception and DR6. */
static int debug_exit(struct machine *m)
{
	struct kvm_debug_exit_arch *d = &m->vcpu->run->debug.arch;
	char why[64];
	struct bp *hit = NULL;

	// LAB BEGIN: KVM_EXIT_DEBUG: d->exception is DB_VECTOR (a single step or a debug register) or BP_VECTOR (an int3), d->pc the linear RIP, d->dr6 why. First, if m->stepping_over: the one step past a breakpoint is done: clear it, plant_all(), set_guest_debug(); unless m->step_then_stop or --step (m->opts->step), return -1 (go on), else clear m->step_then_stop and carry on below. The breakpoint hit: for DB_VECTOR without DR6_BS in d->dr6, the used entry of m->bp[] with a debug register (dr >= 0) whose bit (1 << dr) is set in DR6; for BP_VECTOR, bp_at(m, d->pc); else none. With gdb (m->attached): return serve(m, why) with why "T05watch:ADDR;" or "T05awatch:ADDR;" (ADDR the entry's address in hex) for a GDB_WATCH_WRITE or GDB_WATCH_ACCESS entry, "T05swbreak:;" for GDB_BP_SW, "T05hwbreak:;" for GDB_BP_HW, "S05" for none. Without gdb: with --step, step_line(m, d->pc), and return -1 if no breakpoint was hit. A breakpoint hit (--breakpoint): show_regs_line(m, d->pc), count it in m->stops, lift_all(), set m->stepping_over (m->step_then_stop false), set_guest_debug(), return -1: the next stop is one instruction on, every breakpoint out of the way. An int3 that is no breakpoint of ours: warn "the guest ran an int3 at 0xADDR that is not a breakpoint of this program" and return EXIT_CRASHED. Any other stop: return -1.
	if (m->stepping_over) {           /* the step past a breakpoint is done */
		m->stepping_over = false;
		plant_all(m);
		set_guest_debug(m);
		if (!m->step_then_stop && !m->opts->step)
			return -1;
		m->step_then_stop = false;
	}
	if (d->exception == DB_VECTOR && !(d->dr6 & DR6_BS)) {
		for (int i = 0; i < MAX_BPS; i++)
			if (m->bp[i].used && m->bp[i].dr >= 0 && (d->dr6 & (1u << m->bp[i].dr)))
				hit = &m->bp[i];
	} else if (d->exception == BP_VECTOR) {
		hit = bp_at(m, d->pc);
	}
	if (m->attached) {
		if (hit && hit->type >= GDB_WATCH_WRITE)
			snprintf(why, sizeof(why), "T05%s:%llx;", hit->type == GDB_WATCH_WRITE ?
				 "watch" : "awatch", (unsigned long long)hit->addr);
		else if (hit)
			snprintf(why, sizeof(why), "T05%s:;", hit->type == GDB_BP_SW ?
				 "swbreak" : "hwbreak");
		else
			snprintf(why, sizeof(why), "S05");
		return serve(m, why);
	}
	if (m->opts->step) {
		step_line(m, d->pc);
		if (!hit)
			return -1;
	}
	if (hit) {                        /* --breakpoint: show, step past it, go on */
		show_regs_line(m, d->pc);
		m->stops++;
		lift_all(m);
		m->stepping_over = true;
		m->step_then_stop = false;
		set_guest_debug(m);
		return -1;
	}
	if (d->exception == BP_VECTOR) {
		warn("the guest ran an int3 at 0x%llx that is not a breakpoint of this "
		     "program", (unsigned long long)d->pc);
		return EXIT_CRASHED;
	}
	return -1;
	// LAB END
}
// ANCHOR_END: debug-exit

static void before_run(struct smp *smp, unsigned index)
{
	struct machine *m = smp->opaque;
	enum gdb_event event;
	int status = -1;

	(void)index;
	serial_take_input(&m->pc.io.com1);
	com1_irq_update(&m->com1, &m->pc.io.com1);
	if (!m->attached)
		return;
	if (!m->first_stop_done) {        /* gdb's first look: before any instruction */
		status = serve(m, "S05");
	} else {
		/* Running: only a Ctrl-C (0x03) is expected; anything else
		 * is framed and dropped. */
		while (m->attached && gdb_next(m, false, &event) && event != GDB_NOTHING)
			if (event == GDB_INTERRUPT) {
				status = serve(m, "S02"); /* SIGINT */
				break;
			}
	}
	if (status >= 0)
		smp_request_stop(smp, 0, status);
}

static int vcpu_exit(struct smp *smp, unsigned index)
{
	struct machine *m = smp->opaque;
	struct kvm_run *run = m->vcpu->run;
	int status;

	(void)index;
	switch (run->exit_reason) {
	case KVM_EXIT_DEBUG:
		return debug_exit(m);
	case KVM_EXIT_IO:
		if (io_handle(m->vcpu, &m->pc.io, &status)) {
			serial_flush();
			if (m->opts->step)    /* its step never comes: the run ends first */
				fprintf(stderr, "step %lu: 0x%llx: OUT to the exit port, KVM_EXIT_IO "
					"before its single step\n", ++m->steps,
					(unsigned long long)m->last_pc);
			warn("the guest wrote %d to the exit port 0x%x: exit status %d",
			     status, EXIT_PORT, status);
			if (m->attached) {    /* gdb: "exited with code N" */
				char reply[8];

				snprintf(reply, sizeof(reply), "W%02x", status & 0xff);
				gdb_send(&m->gdb, reply);
			}
			return status;
		}
		com1_irq_update(&m->com1, &m->pc.io.com1);
		return -1;
	case KVM_EXIT_MMIO:
		pc_handle_mmio(&m->pc, m->vcpu);
		return -1;
	default:
		serial_flush();
		if (m->attached)
			gdb_send(&m->gdb, "X0b");   /* ended by a signal: SIGSEGV */
		return vcpu_report_unhandled(m->vcpu);
	}
}

int main(int argc, char **argv)
{
	static struct machine m;
	struct options opts;
	struct kvm_vm vm;
	struct kvm kvm;
	int mask;
	size_t size;
	bool timed_out;

	prog_init(argv[0]);
	options_parse(&opts, argc, argv, OPT_GUEST | OPT_RUN | OPT_DEBUG,
		      "Chapter 13: stop the guest where the host wants: single steps, "
		      "breakpoints, watchpoints, and a GDB stub.",
		      "is a ROM image of up to 64 KiB, placed to end at 4 GiB (and at 1 MiB) "
		      "as in chapter 09, started at the reset vector on one vCPU; COM1 (0x3f8) "
		      "is standard input and output, OUT to port 0xf4 ends the run");
	m.opts = &opts;
	if (opts.trace)
		setvbuf(stdout, NULL, _IONBF, 0);
	if (opts.gdb_port && (opts.step || opts.breakpoints))
		die(EXIT_USAGE, "--gdb with %s: give one or the other (gdb has its own %s)",
		    opts.step ? "--step" : "--breakpoint", opts.step ? "stepi" : "break");

	kvm_open(&kvm, opts.device);
	mask = kvm_ioctl(kvm.fd, KVM_CHECK_EXTENSION, (void *)KVM_CAP_SET_GUEST_DEBUG);
	if (mask <= 0)
		die(EXIT_NO_KVM, "this KVM has no KVM_SET_GUEST_DEBUG (KVM_CAP_SET_GUEST_DEBUG "
		    "is %d): the host cannot debug its guest", mask);
	mask = kvm_ioctl(kvm.fd, KVM_CHECK_EXTENSION, (void *)KVM_CAP_SET_GUEST_DEBUG2);
	probe(&kvm, &m.backend);
	show_backend(&m.backend, mask);
	if (opts.stats)                   /* from here: the scratch VM's runs are not the guest's */
		stats_enable();

	vm_create(&vm, &kvm);
	m.vm = m.com1.vm = &vm;
	irqchip_create(&vm);
	pc_init(&m.pc);
	pc_add_memory(&vm, &m.pc);
	size = pc_load_rom(&m.pc, opts.guest, guest_debug, sizeof(guest_debug));
	pc_add_devices(&m.pc);
	serial_by_interrupt(&m.pc.io.com1);
	smp_init(&m.smp, &vm, 1, &m);
	m.vcpu = m.pc.vcpu = &m.smp.cpu[0].vcpu;
	vcpu_set_cpuid(&kvm, m.vcpu, 0);  /* long mode, for guests that climb there */
	m.smp.before_run = before_run;
	m.smp.on_exit = vcpu_exit;
	input_signal(m.vcpu->run);

	/* The first instruction's address: the reset vector. */
	m.last_pc = 0xfffffff0u;
	for (unsigned i = 0; i < opts.breakpoints; i++) {
		uint8_t byte;

		/* A debug register would take any address: refuse one where
		 * the guest has no memory, as an int3 must. */
		if (!guest_copy(&m, opts.breakpoint[i], &byte, 1, false))
			die(EXIT_USAGE, "--breakpoint 0x%llx: no guest memory there",
			    (unsigned long long)opts.breakpoint[i]);
		if (!m.backend.sw_bp && !m.backend.hw_bp)
			die(EXIT_USAGE, "--breakpoint 0x%llx: this KVM stops at neither an int3 "
			    "nor a debug register (see the line above)",
			    (unsigned long long)opts.breakpoint[i]);
		if (breakpoint(&m, true, GDB_BP_SW, opts.breakpoint[i], 1) != 0)
			die(EXIT_USAGE, "--breakpoint 0x%llx: no debug register left",
			    (unsigned long long)opts.breakpoint[i]);
		fprintf(stderr, "%s: breakpoint at 0x%llx (%s)\n", progname,
			(unsigned long long)opts.breakpoint[i],
			m.bp[i].dr < 0 ? "an int3 in guest memory, KVM_GUESTDBG_USE_SW_BP" :
			"a debug register, KVM_GUESTDBG_USE_HW_BP");
	}
	m.single_step = opts.step;
	set_guest_debug(&m);
	fprintf(stderr, "%s: running %s (%zu bytes, the ROM's last) from the reset vector%s\n",
		progname, opts.guest ? opts.guest : "debug.asm", size,
		opts.step ? ", one KVM_EXIT_DEBUG per instruction" : "");
	if (opts.gdb_port) {
		struct gdb_target target = { &m, get_regs, set_regs, read_mem, write_mem,
					     breakpoint };

		gdb_init(&m.gdb, gdb_accept(opts.gdb_port), &target);
		m.attached = true;
	}

	smp_start(&m.smp);
	timed_out = smp_wait_and_stop(&m.smp, opts.timeout);
	serial_flush();
	if (timed_out) {
		warn("the guest was still running after %g second%s and was stopped: "
		     "it may loop forever; give it more time with --timeout SECONDS",
		     opts.timeout, opts.timeout == 1 ? "" : "s");
		vcpu_dump(m.vcpu, stderr);
	}
	if (m.attached) {
		close(m.gdb.fd);
		show_gdb_counts(&m);
	}
	if (opts.step)
		fprintf(stderr, "%s: %lu instructions single-stepped\n", progname, m.steps);
	if (opts.stats)
		fprintf(stderr, "stats: stops shown %lu, single steps %lu\n", m.stops, m.steps);
	stats_print(stderr);

	smp_close(&m.smp);
	vm_close(&vm);
	pc_close(&m.pc);
	kvm_close(&kvm);
	return m.smp.status;
}
