/* run.c - see run.h. */
#include "run.h"

#include "names.h"
#include "util.h"
#include "x86.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static void stats_wait_begin(void);
static void stats_wait_end(void);

/* ---- timeout ---------------------------------------------------------- */

static struct kvm_run *volatile timed_run;
static volatile sig_atomic_t expired;
static struct itimerval paused_at;

// ANCHOR: on-alarm
static void on_alarm(int sig)
{
	(void)sig;
	expired = 1;
	/* If the monitor is between two KVM_RUNs, the next one returns EINTR
	 * at once instead of entering the guest. */
	if (timed_run)
		timed_run->immediate_exit = 1;
}
// ANCHOR_END: on-alarm

static void set_timer(const struct itimerval *when)
{
	setitimer(ITIMER_REAL, when, NULL);
}

void timeout_start(struct kvm_vcpu *vcpu, double seconds)
{
	struct sigaction sa;
	struct itimerval when;

	expired = 0;
	if (seconds <= 0)
		return;
	timed_run = vcpu->run;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART, though KVM_RUN comes back with EINTR either way: KVM
	 * returns -EINTR itself, and the kernel restarts only -ERESTART*. */
	sa.sa_flags = 0;
	sigaction(SIGALRM, &sa, NULL);
	memset(&when, 0, sizeof(when));
	when.it_value.tv_sec = (time_t)seconds;
	when.it_value.tv_usec = (suseconds_t)((seconds - (double)(time_t)seconds) * 1e6);
	if (when.it_value.tv_sec == 0 && when.it_value.tv_usec == 0)
		when.it_value.tv_usec = 1;
	set_timer(&when);
}

void timeout_stop(void)
{
	static const struct itimerval off;

	set_timer(&off);  /* no new SIGALRM from here on... */
	timed_run = NULL; /* ...and none that was pending can reach the mapping */
	memset(&paused_at, 0, sizeof(paused_at)); /* nor timeout_resume() rearm it */
}

void timeout_pause(void)
{
	static const struct itimerval off;

	stats_wait_begin();
	getitimer(ITIMER_REAL, &paused_at);
	set_timer(&off);
}

void timeout_resume(void)
{
	if (paused_at.it_value.tv_sec || paused_at.it_value.tv_usec)
		set_timer(&paused_at);
	stats_wait_end();
}

bool timeout_expired(void)
{
	return expired != 0;
}

int timeout_report(struct kvm_vcpu *vcpu, double seconds)
{
	warn("the guest was still running after %g second%s and was stopped: "
	     "it may loop forever; give it more time with --timeout SECONDS",
	     seconds, seconds == 1 ? "" : "s");
	vcpu_dump(vcpu, stderr);
	return EXIT_TIMEOUT;
}

/* ---- stats -------------------------------------------------------------- */

#define STATS_REASONS 64 /* exit reasons below this are counted one by one */
#define STATS_PORTS 16   /* distinct (port, direction) pairs counted apart */

static struct {
	bool on, printed;
	unsigned long exits[STATS_REASONS];
	unsigned long exits_other;  /* exit reasons past the table */
	unsigned long interrupted;  /* KVM_RUNs that returned an error (EINTR) */
	struct {
		uint16_t port;
		uint8_t direction;
		unsigned long count;
	} ports[STATS_PORTS];
	unsigned long ports_other;  /* KVM_EXIT_IOs past the port table */
	double enabled_at;          /* when the program started counting */
	double first_run_at;        /* when the first KVM_RUN began, 0 before */
	double in_kvm_run;          /* seconds inside KVM_RUN, all calls */
	double waiting;             /* seconds waiting for standard input */
	double wait_began;          /* when the current wait began, 0 if none */
} stats;

double stats_clock(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void stats_at_exit(void)
{
	/* A run that ended through die() still gets its numbers. */
	stats_print(stderr);
}

void stats_enable(void)
{
	memset(&stats, 0, sizeof(stats));
	stats.on = true;
	stats.enabled_at = stats_clock();
	atexit(stats_at_exit);
}

bool stats_enabled(void)
{
	return stats.on;
}

static void count_port(const struct kvm_run *run)
{
	for (size_t i = 0; i < STATS_PORTS; i++) {
		if (stats.ports[i].count == 0) {
			stats.ports[i].port = run->io.port;
			stats.ports[i].direction = run->io.direction;
		}
		if (stats.ports[i].port == run->io.port &&
		    stats.ports[i].direction == run->io.direction) {
			stats.ports[i].count++;
			return;
		}
	}
	stats.ports_other++;
}

/* Several vCPU threads record into one table (chapter 12). */
static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;

static void stats_record_locked(double started, double ended, const struct kvm_run *run);

void stats_record(double started, double ended, const struct kvm_run *run)
{
	pthread_mutex_lock(&stats_lock);
	stats_record_locked(started, ended, run);
	pthread_mutex_unlock(&stats_lock);
}

static void stats_record_locked(double started, double ended, const struct kvm_run *run)
{
	if (stats.first_run_at == 0)
		stats.first_run_at = started;
	stats.in_kvm_run += ended - started;
	if (!run) {
		stats.interrupted++;
		return;
	}
	if (run->exit_reason < STATS_REASONS)
		stats.exits[run->exit_reason]++;
	else
		stats.exits_other++;
	if (run->exit_reason == KVM_EXIT_IO)
		count_port(run);
}

static void stats_wait_begin(void)
{
	if (stats.on)
		stats.wait_began = stats_clock();
}

static void stats_wait_end(void)
{
	if (stats.on && stats.wait_began != 0)
		stats.waiting += stats_clock() - stats.wait_began;
	stats.wait_began = 0;
}

/* "stats:   KVM_EXIT_IO      214", the label indented by depth. */
static void stats_count(FILE *out, int depth, const char *label, unsigned long n)
{
	fprintf(out, "stats: %*s%-*s %10lu\n", 2 * depth, "", 32 - 2 * depth, label, n);
}

/* "stats:   inside KVM_RUN ...   12.345 ms  67.8%  9.87 us per exit" */
static void stats_share(FILE *out, const char *what, double seconds, double whole,
			unsigned long exits)
{
	fprintf(out, "stats:   %-30s %10.3f ms %6.1f%%", what, seconds * 1e3,
		whole > 0 ? 100 * seconds / whole : 0.0);
	if (exits)
		fprintf(out, " %9.2f us per exit", seconds / (double)exits * 1e6);
	fprintf(out, "\n");
}

void stats_print(FILE *out)
{
	double ended = stats_clock(), running, monitor;
	unsigned long all = stats.exits_other;

	if (!stats.on || stats.printed)
		return;
	stats.printed = true;
	stdout_flush(); /* a failure is kept for the report */
	for (size_t i = 0; i < STATS_REASONS; i++)
		all += stats.exits[i];

	fprintf(out, "stats: %lu exit%s to the monitor", all, all == 1 ? "" : "s");
	if (stats.interrupted)
		fprintf(out, ", and %lu KVM_RUN%s interrupted by a signal",
			stats.interrupted, stats.interrupted == 1 ? "" : "s");
	fprintf(out, "\n");
	for (size_t i = 0; i < STATS_REASONS; i++) {
		const char *name = kvm_exit_name((uint32_t)i);

		if (stats.exits[i])
			stats_count(out, 1, name ? name : "(unknown)", stats.exits[i]);
		if (i != KVM_EXIT_IO)
			continue;
		for (size_t p = 0; p < STATS_PORTS && stats.ports[p].count; p++) {
			char label[32];

			snprintf(label, sizeof(label), "%s port 0x%x",
				 stats.ports[p].direction == KVM_EXIT_IO_OUT ? "out" : "in",
				 stats.ports[p].port);
			stats_count(out, 2, label, stats.ports[p].count);
		}
		if (stats.ports_other)
			stats_count(out, 2, "other ports", stats.ports_other);
	}
	if (stats.exits_other)
		stats_count(out, 1, "(other reasons)", stats.exits_other);

	if (stats.first_run_at == 0) {
		fprintf(out, "stats: the guest never ran: no time to split\n");
		return;
	}
	/* From the first KVM_RUN to now: the kernel's share and ours. Time
	 * spent waiting for the user to type is neither. */
	running = ended - stats.first_run_at - stats.waiting;
	monitor = running - stats.in_kvm_run;
	if (monitor < 0)
		monitor = 0;
	fprintf(out, "stats: from the first KVM_RUN to the end, input waits aside:\n");
	stats_share(out, "inside KVM_RUN (kernel, guest)", stats.in_kvm_run, running, all);
	stats_share(out, "in the monitor (exits)", monitor, running, all);
	stats_share(out, "total", running, running, all);
	fprintf(out, "stats: setup before the first KVM_RUN %.3f ms, waiting for "
		"standard input %.3f ms\n", (stats.first_run_at - stats.enabled_at) * 1e3,
		stats.waiting * 1e3);
}

/* ---- running ------------------------------------------------------------ */

enum run_result vcpu_run(struct kvm_vcpu *vcpu)
{
	// LAB BEGIN 06: chapter 06's stage as the helper later chapters call: KVM_RUN through kvm_ioctl() until it returns 0, then RUN_EXITED; on EINTR or EAGAIN, RUN_TIMED_OUT if timeout_expired(), else enter again; any other error dies with EXIT_KVM_ERROR.
	for (;;) {
		if (kvm_ioctl(vcpu->fd, KVM_RUN, NULL) == 0)
			return RUN_EXITED;
		if (errno != EINTR && errno != EAGAIN)
			die(EXIT_KVM_ERROR, "KVM_RUN on vcpu %d failed: %s", vcpu->id,
			    strerror(errno));
		if (timeout_expired())
			return RUN_TIMED_OUT;
		/* another signal: enter the guest again */
	}
	// LAB END
}

/* ---- reports ------------------------------------------------------------ */

static void dump_segment(FILE *out, const char *name, const struct kvm_segment *s)
{
	fprintf(out, "  %-3s selector 0x%04x base 0x%016llx limit 0x%08x "
		"type 0x%x %s dpl %u %s%s%s%s\n", name, s->selector,
		(unsigned long long)s->base, s->limit, s->type,
		s->s ? "code/data" : "system", s->dpl,
		s->present ? "present" : "not-present",
		s->l ? " L(64-bit)" : "", s->db ? " D/B(32-bit)" : "",
		s->g ? " G(4K units)" : "");
}

static void dump_bits(FILE *out, const char *name, unsigned long long value,
		      const char *const *names, int count)
{
	fprintf(out, "  %-6s 0x%016llx [", name, value);
	for (int bit = 0, first = 1; bit < count; bit++) {
		if ((value & BIT(bit)) && names[bit]) {
			fprintf(out, "%s%s", first ? "" : " ", names[bit]);
			first = 0;
		}
	}
	fprintf(out, "]\n");
}

void vcpu_dump(struct kvm_vcpu *vcpu, FILE *out)
{
	static const char *const rflags_names[] = {
		[0] = "CF", [1] = "1", [2] = "PF", [4] = "AF", [6] = "ZF",
		[7] = "SF", [8] = "TF", [9] = "IF", [10] = "DF", [11] = "OF",
	};
	static const char *const cr0_names[] = {
		[0] = "PE", [1] = "MP", [2] = "EM", [3] = "TS", [4] = "ET",
		[5] = "NE", [16] = "WP", [18] = "AM", [29] = "NW", [30] = "CD",
		[31] = "PG",
	};
	static const char *const cr4_names[] = {
		[0] = "VME", [1] = "PVI", [2] = "TSD", [3] = "DE", [4] = "PSE",
		[5] = "PAE", [6] = "MCE", [7] = "PGE", [8] = "PCE", [9] = "OSFXSR",
		[10] = "OSXMMEXCPT", [11] = "UMIP", [12] = "LA57", [13] = "VMXE",
		[16] = "FSGSBASE", [18] = "OSXSAVE", [20] = "SMEP", [21] = "SMAP",
	};
	static const char *const efer_names[] = {
		[0] = "SCE", [8] = "LME", [10] = "LMA", [11] = "NXE",
	};
	struct kvm_regs r;
	struct kvm_sregs s;

	stdout_flush(); /* a failure is kept for the report */
	if (kvm_ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0 ||
	    kvm_ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0) {
		fprintf(out, "  (registers unavailable: %s)\n", strerror(errno));
		return;
	}
	fprintf(out, "  rax 0x%016llx rbx 0x%016llx rcx 0x%016llx rdx 0x%016llx\n",
		r.rax, r.rbx, r.rcx, r.rdx);
	fprintf(out, "  rsi 0x%016llx rdi 0x%016llx rsp 0x%016llx rbp 0x%016llx\n",
		r.rsi, r.rdi, r.rsp, r.rbp);
	fprintf(out, "  r8  0x%016llx r9  0x%016llx r10 0x%016llx r11 0x%016llx\n",
		r.r8, r.r9, r.r10, r.r11);
	fprintf(out, "  r12 0x%016llx r13 0x%016llx r14 0x%016llx r15 0x%016llx\n",
		r.r12, r.r13, r.r14, r.r15);
	fprintf(out, "  rip 0x%016llx\n", r.rip);
	dump_bits(out, "rflags", r.rflags, rflags_names, 12);
	dump_segment(out, "cs", &s.cs);
	dump_segment(out, "ds", &s.ds);
	dump_segment(out, "es", &s.es);
	dump_segment(out, "ss", &s.ss);
	dump_bits(out, "cr0", s.cr0, cr0_names, 32);
	fprintf(out, "  cr2    0x%016llx\n", s.cr2);
	fprintf(out, "  cr3    0x%016llx\n", s.cr3);
	dump_bits(out, "cr4", s.cr4, cr4_names, 22);
	dump_bits(out, "efer", s.efer, efer_names, 12);
	fprintf(out, "  gdt base 0x%016llx limit 0x%04x, idt base 0x%016llx limit 0x%04x\n",
		s.gdt.base, s.gdt.limit, s.idt.base, s.idt.limit);
}

/* The bytes of a port access: hex, then as characters ('.' for those
 * that do not print), the first 16 of them. */
static void trace_bytes(const struct kvm_run *run, size_t run_size)
{
	const uint8_t *data = (const uint8_t *)run + run->io.data_offset;
	uint64_t n = (uint64_t)run->io.size * run->io.count;
	unsigned shown = n < 16 ? (unsigned)n : 16;

	if (run->io.data_offset > run_size || n > run_size - run->io.data_offset)
		return; /* not inside the mapping: nothing to show */
	fprintf(stderr, ", data");
	for (unsigned i = 0; i < shown; i++)
		fprintf(stderr, " %02x", data[i]);
	fprintf(stderr, "%s \"", n > 16 ? " ..." : "");
	for (unsigned i = 0; i < shown; i++) {
		if (data[i] == '\n')
			fprintf(stderr, "\\n");
		else if (data[i] == '\r')
			fprintf(stderr, "\\r");
		else if (data[i] == '"' || data[i] == '\\')
			fprintf(stderr, "\\%c", data[i]);
		else
			fputc(data[i] >= 0x20 && data[i] < 0x7f ? data[i] : '.', stderr);
	}
	fprintf(stderr, "%s\"", n > 16 ? "..." : "");
}

_Thread_local const char *trace_who;

void trace_answer(const struct kvm_run *run, size_t run_size)
{
	if (!kvm_trace || run->exit_reason != KVM_EXIT_IO ||
	    run->io.direction != KVM_EXIT_IO_IN)
		return;
	fprintf(stderr, "trace: %s%sanswer to in from port 0x%x, size %u, count %u",
		trace_who ? trace_who : "", trace_who ? ": " : "", run->io.port, run->io.size, run->io.count);
	trace_bytes(run, run_size);
	fprintf(stderr, "\n");
}

void trace_exit(const struct kvm_run *run, size_t run_size)
{
	const char *name = kvm_exit_name(run->exit_reason);

	if (!kvm_trace)
		return;
	stdout_flush(); /* a failure is kept for the report */
	fprintf(stderr, "trace: %s%sexit %s", trace_who ? trace_who : "",
		trace_who ? ": " : "", name ? name : "(unknown)");
	if (run->exit_reason == KVM_EXIT_IO) {
		fprintf(stderr, ": %s port 0x%x, size %u, count %u",
			run->io.direction == KVM_EXIT_IO_OUT ? "out to" : "in from",
			run->io.port, run->io.size, run->io.count);
		if (run->io.direction == KVM_EXIT_IO_OUT)
			trace_bytes(run, run_size);
	} else if (run->exit_reason == KVM_EXIT_MMIO) {
		fprintf(stderr, ": %s 0x%llx, %u bytes",
			run->mmio.is_write ? "write to" : "read from",
			(unsigned long long)run->mmio.phys_addr, run->mmio.len);
	}
	fprintf(stderr, "\n");
}

static void explain_fail_entry(const struct kvm_run *run)
{
	unsigned long long why = run->fail_entry.hardware_entry_failure_reason;
	const char *meaning;

	/* On VT-x this is the VM-exit reason with bit 31 set (Intel SDM Vol.
	 * 3C, 27.8 "VM-Entry Failures During or After Loading Guest State"
	 * and Appendix C); on SVM it is the VMEXIT code, -1 for invalid state. */
	if (why == ~0ull || why == 0xffffffffull)
		meaning = "SVM: VMRUN found the guest state invalid";
	else if ((why & 0xffff) == 33)
		meaning = "VT-x: invalid guest state (control registers, segments or EFER disagree)";
	else if ((why & 0xffff) == 34)
		meaning = "VT-x: MSR loading failed";
	else if ((why & 0xffff) == 41)
		meaning = "VT-x: machine-check event during entry";
	else
		meaning = "see the CPU vendor's list of VM-entry failure reasons";
	fprintf(stderr, "  hardware_entry_failure_reason 0x%llx: %s, on host cpu %u\n",
		why, meaning, run->fail_entry.cpu);
}

/* Does the vCPU hold the state of a CPU just after RESET or INIT
 * (common/x86.h)? No guest that crashed is in it by chance: CS would have
 * to be the reset vector's real-mode segment, with paging, protection
 * and EFER all off. */
static bool vcpu_was_reset(struct kvm_vcpu *vcpu)
{
	struct kvm_regs r;
	struct kvm_sregs s;

	if (kvm_ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0 ||
	    kvm_ioctl(vcpu->fd, KVM_GET_SREGS, &s) < 0)
		return false;
	return r.rip == X86_RESET_RIP && s.cs.selector == X86_RESET_CS_SELECTOR &&
	       s.cs.base == X86_RESET_CS_BASE && s.efer == 0 &&
	       (s.cr0 & ~(unsigned long long)X86_INIT_CR0_KEPT) == X86_CR0_ET;
}

int vcpu_report_unhandled(struct kvm_vcpu *vcpu)
{
	const struct kvm_run *run = vcpu->run;
	const char *name = kvm_exit_name(run->exit_reason);

	stdout_flush(); /* a failure is kept for the report */
	if (name)
		warn("the guest stopped with %s (%u): %s", name, run->exit_reason,
		     kvm_exit_meaning(run->exit_reason));
	else
		warn("the guest stopped with exit reason %u, which this program "
		     "does not know", run->exit_reason);

	switch (run->exit_reason) {
	case KVM_EXIT_SHUTDOWN:
		fprintf(stderr, "  a triple fault: the guest hit an exception it had no working "
			"handler for (no IDT, a bad stack, or a page fault inside the handler)\n");
		if (vcpu_was_reset(vcpu)) {
			fprintf(stderr, "  the registers below are NOT the state at the fault: they are "
				"the state of a vCPU just after INIT (cs:ip f000:fff0, paging and "
				"protection off, efer 0). This KVM backend INITs the vCPU before it "
				"reports the shutdown, as KVM on AMD SVM does (shutdown_interception() "
				"in arch/x86/kvm/svm/svm.c calls kvm_vcpu_reset(): the VMCB is "
				"undefined after a shutdown intercept). The state at the fault is "
				"gone; guest memory is as the guest left it, and --trace shows the "
				"exits that led here\n");
		}
		break;
	case KVM_EXIT_FAIL_ENTRY:
		explain_fail_entry(run);
		break;
	case KVM_EXIT_INTERNAL_ERROR: {
		const char *sub = kvm_internal_error_name(run->internal.suberror);

		fprintf(stderr, "  suberror %u (%s)", run->internal.suberror,
			sub ? sub : "unknown");
		if (run->internal.suberror == KVM_INTERNAL_ERROR_EMULATION)
			fprintf(stderr, ": KVM could not emulate an instruction; a guest "
				"that crashed, ran off into memory it has not got, or fetched "
				"from a device often ends this way (on software KVM backends "
				"a triple fault can arrive as this too)");
		fprintf(stderr, "\n  data:");
		for (uint32_t i = 0; i < run->internal.ndata && i < 16; i++)
			fprintf(stderr, " 0x%llx", (unsigned long long)run->internal.data[i]);
		fprintf(stderr, "\n");
		break;
	}
	case KVM_EXIT_MMIO:
		fprintf(stderr, "  %s of %u bytes at guest-physical 0x%llx, where there is no "
			"memory and no device\n", run->mmio.is_write ? "write" : "read",
			run->mmio.len, (unsigned long long)run->mmio.phys_addr);
		break;
	case KVM_EXIT_IO:
		fprintf(stderr, "  %s port 0x%x, size %u, count %u: this program handles no "
			"port I/O (chapter 07 does)\n",
			run->io.direction == KVM_EXIT_IO_OUT ? "out to" : "in from",
			run->io.port, run->io.size, run->io.count);
		break;
	default:
		break;
	}
	fprintf(stderr, "  registers:\n");
	vcpu_dump(vcpu, stderr);
	return EXIT_CRASHED;
}
