/* Chapter 14: the whole state of a VM: save, restore, and live migration
 * with dirty-page tracking.
 *
 * The machine is chapter 12's with one vCPU on its own thread: the PC's
 * memory map and ROM (chapter 09), the PIC, IOAPIC, local APIC and PIT in
 * the kernel (chapter 11), COM1 and the VGA screen in this program. Its
 * state lives in three places. The CPU's registers and the kernel's
 * chips are KVM's, and come out through KVM_GET_* ioctls on the vCPU and
 * the VM; guest memory is this process's own (chapter 03); the devices
 * of this program are structures in it. All of that together is the VM.
 *
 * --save FILE stops the guest and writes all of it to FILE; --restore
 * FILE builds the same machine in a new process, puts it all back in the
 * order KVM requires, and the guest goes on where it stopped. --migrate
 * moves the guest to a second process while it runs: the memory goes
 * first, in rounds, while KVM tracks which pages the guest writes
 * meanwhile (the dirty bitmap, KVM_GET_DIRTY_LOG, or the dirty ring,
 * KVM_CAP_DIRTY_LOG_RING); when a round is small, the guest stops, the
 * last pages and the state go, and the other process runs it.
 *
 * Standard output carries only what the guest prints on COM1; this
 * program's own lines go to standard error. */
#include "guest_count.h"
#include "io.h"
#include "irqchip.h"
#include "kvm.h"
#include "options.h"
#include "pc.h"
#include "run.h"
#include "serial.h"
#include "snapshot.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FW_LINES 0x4f0          /* the guest's numbers: see count.asm */
#define FW_RATE  0x4f4
#define RAM_REGIONS 2           /* regions 0 and 1 are RAM, 2 the ROM */
#define MAX_PAGES 256           /* pages in the largest region */
#define MAX_ROUNDS 8            /* pre-copy gives up after this many */
#define RUN_PAGES 64            /* pages in one PAGE record, at most */
#define DOWNTIME_TARGET 0.010   /* stop-and-copy when a round fits in 10 ms */
#define SIG_KICK SIGUSR1
#define SIG_SAVE SIGUSR2
#define PAUSED -1               /* the vCPU thread's status: paused, not ended */
#define RING_EMPTY_FULLS 100    /* full exits in a row with no entry: an overflow */
#define MSR_IA32_TSC_DEADLINE 0x6e0 /* the local APIC timer's deadline (SDM vol. 4) */

struct machine {
	struct pc pc;
	struct kvm *kvm;
	struct kvm_vm *vm;
	struct kvm_vcpu vcpu;
	struct com1_irq com1;
	pthread_t thread;
	bool thread_running;
	pthread_mutex_t lock;        /* the devices, the ring, the end */
	pthread_cond_t ended_cond;
	bool pause;                  /* atomic: asked to pause */
	bool ended;                  /* the thread is done; status says why */
	int status;                  /* PAUSED, or the run's status */
	/* Dirty tracking (--migrate). */
	bool ring;                   /* the dirty ring, else the bitmap */
	bool manual;                 /* KVM_CLEAR_DIRTY_LOG re-protects */
	struct kvm_dirty_gfn *ring_gfns;
	uint32_t ring_entries, ring_bytes, ring_next;
	unsigned long ring_full_exits, ring_harvested;
	unsigned long ring_seen;     /* ring_harvested at the last full exit */
	unsigned ring_empty_fulls;   /* full exits in a row with nothing taken */
	uint8_t dirty[RAM_REGIONS][MAX_PAGES]; /* a byte a page: to send again */
};

static struct snap_shape machine_shape(const struct pc *pc)
{
	struct snap_shape shape = { .vcpus = 1, .regions = 3 };

	for (int i = 0; i < 3; i++)
		shape.region[i] = (struct snap_region){
			.gpa = pc->regions[i].gpa, .size = pc->regions[i].size,
			.slot = pc->regions[i].slot, .flags = pc->regions[i].flags };
	return shape;
}

static double now(void)
{
	return stats_clock();
}

static void sleep_for(double seconds)
{
	struct timespec t = { (time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9) };

	while (seconds > 0 && nanosleep(&t, &t) < 0 && errno == EINTR)
		;
}

/* ---- the vCPU's thread: run, and pause on request --------------------- */

static bool pause_asked(struct machine *m)
{
	return __atomic_load_n(&m->pause, __ATOMIC_SEQ_CST);
}

static void on_kick(int sig)
{
	(void)sig;
}

/* The dirty ring's new entries into m->dirty, each given back to KVM;
 * then KVM_RESET_DIRTY_RINGS, which write-protects those pages again.
 * Under m->lock: the vCPU's thread calls it too, on a full ring. */
static unsigned long ring_harvest(struct machine *m);

static int handle_exit(struct machine *m)
{
	struct kvm_run *run = m->vcpu.run;
	int status;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (io_handle(&m->vcpu, &m->pc.io, &status)) {
			serial_flush();
			warn("the guest wrote %d to the exit port 0x%x: exit status %d",
			     status, EXIT_PORT, status);
			return status;
		}
		com1_irq_update(&m->com1, &m->pc.io.com1);
		return -1;
	case KVM_EXIT_MMIO:
		pc_handle_mmio(&m->pc, &m->vcpu);
		return -1;
	case KVM_EXIT_DIRTY_RING_FULL:
		/* The ring is at its soft limit: KVM will not enter the guest
		 * again until the entries are taken and the ring is reset. */
		m->ring_full_exits++;
		/* The main thread may have taken the entries (and reset the
		 * ring) between this exit and this lock: then there is nothing
		 * left here, and the next KVM_RUN finds the ring no longer full. */
		if (ring_harvest(m) > 0 || m->ring_harvested != m->ring_seen) {
			m->ring_seen = m->ring_harvested;
			m->ring_empty_fulls = 0;
			return -1;
		}
		if (++m->ring_empty_fulls < RING_EMPTY_FULLS)
			return -1;
		/* Full exit after full exit, and no entry to take, by either
		 * thread: the ring ran past its end (KVM let the vCPU push more
		 * than it holds). Going on would be the same exit forever. */
		serial_flush();
		warn("KVM_EXIT_DIRTY_RING_FULL, but the ring has no dirty entry at %u: it "
		     "overflowed (%u entries); nothing can be harvested, so the run ends",
		     m->ring_next, m->ring_entries);
		return EXIT_KVM_ERROR;
	default:
		serial_flush();
		return vcpu_report_unhandled(&m->vcpu);
	}
}

static void end_thread(struct machine *m, int status)
{
	pthread_mutex_lock(&m->lock);
	m->status = status;
	m->ended = true;
	pthread_cond_signal(&m->ended_cond);
	pthread_mutex_unlock(&m->lock);
}

// ANCHOR: vcpu-thread
/* KVM_RUN until the guest ends the run or the main thread asks for a
 * pause. A pause is taken between two KVM_RUNs, after the last exit was
 * handled: then one more KVM_RUN, with immediate_exit set, finishes the
 * instruction that exit left half done (an IN has its data only now, an
 * OUT or an MMIO access moves RIP past itself) and returns EINTR before
 * the guest runs another instruction. Only after that is the vCPU's
 * state whole: saved before it, the destination would run the same IN
 * again, or find RIP still on an OUT it never finishes. */
static void *vcpu_thread(void *arg)
{
	struct machine *m = arg;
	struct kvm_run *run = m->vcpu.run;
	int status = PAUSED;

	// LAB BEGIN: until pause_asked(m): KVM_RUN (kvm_ioctl()); EINTR (a kick) sets run->immediate_exit back to 0 (__atomic_store_n) and goes round, EAGAIN goes round, another error warns "KVM_RUN failed: ..." and ends with EXIT_KVM_ERROR; an exit goes to handle_exit() under m->lock, and a status of 0 or more ends the run with it. When a pause was asked (status still PAUSED): set immediate_exit to 1 and call KVM_RUN once more, which must fail with EINTR (if it does not, warn "KVM_RUN with immediate_exit set did not return EINTR: ..." and end with EXIT_KVM_ERROR). Last, end_thread(m, status).
	while (!pause_asked(m)) {
		if (kvm_ioctl(m->vcpu.fd, KVM_RUN, NULL) < 0) {
			if (errno == EINTR) {
				__atomic_store_n(&run->immediate_exit, 0, __ATOMIC_SEQ_CST);
				continue;
			}
			if (errno == EAGAIN)
				continue;
			warn("KVM_RUN failed: %s", strerror(errno));
			status = EXIT_KVM_ERROR;
			break;
		}
		pthread_mutex_lock(&m->lock);
		status = handle_exit(m);
		pthread_mutex_unlock(&m->lock);
		if (status >= 0)
			break;
		status = PAUSED;
	}
	if (status == PAUSED) {
		__atomic_store_n(&run->immediate_exit, 1, __ATOMIC_SEQ_CST);
		if (kvm_ioctl(m->vcpu.fd, KVM_RUN, NULL) == 0 || errno != EINTR) {
			warn("KVM_RUN with immediate_exit set did not return EINTR: %s",
			     strerror(errno));
			status = EXIT_KVM_ERROR;
		}
	}
	end_thread(m, status);
	// LAB END
	return NULL;
}
// ANCHOR_END: vcpu-thread

static void start_vcpu(struct machine *m)
{
	struct sigaction sa = { .sa_handler = on_kick };
	sigset_t blocked;
	int err;

	sigemptyset(&sa.sa_mask);
	sigaction(SIG_KICK, &sa, NULL);
	/* The thread inherits this mask: SIG_SAVE goes to the main thread. */
	sigemptyset(&blocked);
	sigaddset(&blocked, SIG_SAVE);
	pthread_sigmask(SIG_BLOCK, &blocked, NULL);
	err = pthread_create(&m->thread, NULL, vcpu_thread, m);
	pthread_sigmask(SIG_UNBLOCK, &blocked, NULL);
	if (err != 0)
		die(EXIT_KVM_ERROR, "cannot start the vCPU's thread: %s", strerror(err));
	m->thread_running = true;
}

// ANCHOR: pause
/* Ask for the pause, kick the thread out of KVM_RUN (chapter 12: the
 * flag, then immediate_exit, then the signal) and wait for it to end.
 * Returns the thread's status: PAUSED, or the guest's own end if that
 * came first. */
static int pause_vcpu(struct machine *m)
{
	__atomic_store_n(&m->pause, true, __ATOMIC_SEQ_CST);
	__atomic_store_n(&m->vcpu.run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	pthread_kill(m->thread, SIG_KICK);
	pthread_join(m->thread, NULL);
	m->thread_running = false;
	return m->status;
}
// ANCHOR_END: pause

/* Wait until the guest ends, or until seconds have passed (0: no limit),
 * or (when save_signal) SIGUSR2 comes. True if the guest ended. */
static volatile sig_atomic_t save_signalled;

static void on_save_signal(int sig)
{
	(void)sig;
	save_signalled = 1;
}

static bool wait_for(struct machine *m, double seconds)
{
	double until = now() + seconds;
	bool ended;

	for (;;) {
		pthread_mutex_lock(&m->lock);
		ended = m->ended;
		pthread_mutex_unlock(&m->lock);
		if (ended)
			return true;
		if (save_signalled || (seconds > 0 && now() >= until))
			return false;
		sleep_for(0.002);
	}
}

/* ---- the state: out of KVM ---------------------------------------------- */

// ANCHOR: msr-list
/* The MSRs to save: those KVM lists (KVM_GET_MSR_INDEX_LIST on /dev/kvm:
 * every MSR it saves and restores for a vCPU), asked one at a time:
 * KVM_GET_MSRS returns how many it read and stops at the first one it
 * cannot, which this vCPU's CPUID may not have. Those are left out. */
static void save_msrs(struct machine *m, struct snap_msrs *out, unsigned *skipped)
{
	struct kvm_msr_list probe = { .nmsrs = 0 };
	struct kvm_msr_list *list;
	struct { struct kvm_msrs head; struct kvm_msr_entry entry; } one;

	if (kvm_ioctl(m->kvm->fd, KVM_GET_MSR_INDEX_LIST, &probe) < 0 && errno != E2BIG)
		die(EXIT_KVM_ERROR, "KVM_GET_MSR_INDEX_LIST failed: %s", strerror(errno));
	list = calloc(1, sizeof(*list) + probe.nmsrs * sizeof(list->indices[0]));
	if (list == NULL)
		die(EXIT_KVM_ERROR, "cannot allocate the list of %u MSRs", probe.nmsrs);
	list->nmsrs = probe.nmsrs;
	kvm_ioctl_or_die(m->kvm->fd, KVM_GET_MSR_INDEX_LIST, list);
	out->count = 0;
	*skipped = 0;
	for (uint32_t i = 0; i < list->nmsrs && out->count < SNAP_MAX_MSRS; i++) {
		memset(&one, 0, sizeof(one));
		one.head.nmsrs = 1;
		one.entry.index = list->indices[i];
		if (kvm_ioctl(m->vcpu.fd, KVM_GET_MSRS, &one) == 1)
			out->entry[out->count++] = one.entry;
		else
			(*skipped)++;
	}
	free(list);
}
// ANCHOR_END: msr-list

static uint32_t xsave_size(struct machine *m)
{
	int size = kvm_ioctl(m->vm->fd, KVM_CHECK_EXTENSION, (void *)KVM_CAP_XSAVE2);

	if (kvm_ioctl(m->vm->fd, KVM_CHECK_EXTENSION, (void *)KVM_CAP_XSAVE) <= 0)
		die(EXIT_NO_KVM, "this KVM has no KVM_CAP_XSAVE: the FPU and vector "
		    "registers cannot be saved whole");
	if (size < (int)sizeof(struct kvm_xsave))
		return sizeof(struct kvm_xsave);
	if (size > (int)SNAP_MAX_XSAVE)
		die(EXIT_KVM_ERROR, "KVM_CAP_XSAVE2 says %d bytes of XSAVE state; this "
		    "format holds at most %u", size, SNAP_MAX_XSAVE);
	return (uint32_t)size;
}

// ANCHOR: save-vcpu
/* One vCPU, every piece: what KVM keeps of the CPU. Asked only of a
 * vCPU that no thread runs: each ioctl takes the vCPU's mutex, which
 * KVM_RUN holds. The events and the MP state first: KVM_GET_MP_STATE is
 * not a plain read, it first takes a pending INIT or SIPI
 * (kvm_apic_accept_events()), which changes the registers; read after
 * them, the registers would be the ones from before. */
static void save_vcpu(struct machine *m, struct snap_vcpu *v, unsigned *skipped)
{
	int fd = m->vcpu.fd;

	// LAB BEGIN: fill v from the vCPU with kvm_ioctl_or_die() on fd, the events and the MP state first: KVM_GET_VCPU_EVENTS into v->events, KVM_GET_MP_STATE into v->mp, then KVM_GET_REGS into v->regs, the XSAVE area (v->xsave_size = xsave_size(m); KVM_GET_XSAVE2 into v->xsave if that is more than sizeof(struct kvm_xsave), else KVM_GET_XSAVE), KVM_GET_XCRS into v->xcrs, KVM_GET_SREGS into v->sregs, the MSRs with save_msrs(m, &v->msrs, skipped), KVM_GET_LAPIC into v->lapic and KVM_GET_DEBUGREGS into v->debugregs. Then set every bit of v->have below SNAP_VCPU_PIECES.
	kvm_ioctl_or_die(fd, KVM_GET_VCPU_EVENTS, &v->events);
	kvm_ioctl_or_die(fd, KVM_GET_MP_STATE, &v->mp);
	kvm_ioctl_or_die(fd, KVM_GET_REGS, &v->regs);
	v->xsave_size = xsave_size(m);
	kvm_ioctl_or_die(fd, v->xsave_size > sizeof(struct kvm_xsave) ? KVM_GET_XSAVE2
			 : KVM_GET_XSAVE, v->xsave);
	kvm_ioctl_or_die(fd, KVM_GET_XCRS, &v->xcrs);
	kvm_ioctl_or_die(fd, KVM_GET_SREGS, &v->sregs);
	save_msrs(m, &v->msrs, skipped);
	kvm_ioctl_or_die(fd, KVM_GET_LAPIC, &v->lapic);
	kvm_ioctl_or_die(fd, KVM_GET_DEBUGREGS, &v->debugregs);
	v->have = (1u << SNAP_VCPU_PIECES) - 1;
	// LAB END
}
// ANCHOR_END: save-vcpu

/* The monitor's own device state: COM1's registers and IRQ4's level. */
static void save_devices(const struct machine *m, uint8_t out[SNAP_DEVICES_SIZE])
{
	const struct serial *s = &m->pc.io.com1;

	memset(out, 0, SNAP_DEVICES_SIZE);
	out[0] = s->ier;
	out[1] = s->lcr;
	out[2] = s->mcr;
	out[3] = s->scr;
	out[4] = s->fcr;
	out[5] = s->dll;
	out[6] = s->dlm;
	out[7] = s->rx;
	out[8] = (uint8_t)(s->rx_full | s->thr_empty_irq << 1 | s->input_ended << 2 |
			   s->irq_fell << 3 | m->com1.level << 4);
}

static void restore_devices(struct machine *m, const uint8_t in[SNAP_DEVICES_SIZE])
{
	struct serial *s = &m->pc.io.com1;

	s->ier = in[0];
	s->lcr = in[1];
	s->mcr = in[2];
	s->scr = in[3];
	s->fcr = in[4];
	s->dll = in[5];
	s->dlm = in[6];
	s->rx = in[7];
	s->rx_full = in[8] & 1;
	s->thr_empty_irq = in[8] >> 1 & 1;
	s->input_ended = in[8] >> 2 & 1;
	s->irq_fell = in[8] >> 3 & 1;
	/* The level the kernel's chips last saw: their own state has it. */
	m->com1.level = in[8] >> 4 & 1;
}

// ANCHOR: save-vm
/* What KVM keeps of the VM rather than of a vCPU: the three chips, the
 * PIT, the clock. */
static void save_vm(struct machine *m, struct snapshot *s)
{
	for (uint32_t id = 0; id < 3; id++) {
		s->chip[id].chip_id = id;
		kvm_ioctl_or_die(m->vm->fd, KVM_GET_IRQCHIP, &s->chip[id]);
	}
	s->have_chips = 7;
	kvm_ioctl_or_die(m->vm->fd, KVM_GET_PIT2, &s->pit);
	kvm_ioctl_or_die(m->vm->fd, KVM_GET_CLOCK, &s->clock);
	s->have_pit = s->have_clock = true;
}
// ANCHOR_END: save-vm

/* The whole state of a paused machine into s (its memory: pointers to
 * the machine's own, not copies). */
static void save_all(struct machine *m, struct snapshot *s, unsigned *skipped)
{
	save_vcpu(m, &s->vcpu[0], skipped);
	save_vm(m, s);
	save_devices(m, s->devices);
	memcpy(s->vga, m->pc.vga.mem, sizeof(s->vga));
	s->have_devices = s->have_vga = true;
}

/* Every record but memory and END. */
static void write_state(struct snap_writer *w, const struct snapshot *s)
{
	const struct snap_vcpu *v = &s->vcpu[0];
	struct { uint32_t count, pad; } msrs = { v->msrs.count, 0 };
	uint8_t head[16] = { 0 };

	snap_write_vcpu(w, SNAP_REGS, 0, &v->regs, sizeof(v->regs));
	snap_write_vcpu(w, SNAP_SREG, 0, &v->sregs, sizeof(v->sregs));
	snap_write_vcpu(w, SNAP_XSAV, 0, v->xsave, v->xsave_size);
	snap_write_vcpu(w, SNAP_XCRS, 0, &v->xcrs, sizeof(v->xcrs));
	memcpy(head + 8, &msrs.count, 4);
	snap_write(w, SNAP_MSRS, head, sizeof(head), v->msrs.entry,
		   v->msrs.count * sizeof(v->msrs.entry[0]));
	snap_write_vcpu(w, SNAP_LAPC, 0, &v->lapic, sizeof(v->lapic));
	snap_write_vcpu(w, SNAP_EVNT, 0, &v->events, sizeof(v->events));
	snap_write_vcpu(w, SNAP_MPST, 0, &v->mp, sizeof(v->mp));
	snap_write_vcpu(w, SNAP_DBGR, 0, &v->debugregs, sizeof(v->debugregs));
	for (int id = 0; id < 3; id++)
		snap_write(w, SNAP_CHIP, &s->chip[id], sizeof(s->chip[id]), NULL, 0);
	snap_write(w, SNAP_PIT2, &s->pit, sizeof(s->pit), NULL, 0);
	snap_write(w, SNAP_CLCK, &s->clock, sizeof(s->clock), NULL, 0);
	snap_write(w, SNAP_DEVS, s->devices, SNAP_DEVICES_SIZE, NULL, 0);
	snap_write(w, SNAP_VGA, s->vga, SNAP_VGA_SIZE, NULL, 0);
}

static const char *mp_name(uint32_t state)
{
	switch (state) {
	case KVM_MP_STATE_RUNNABLE: return "KVM_MP_STATE_RUNNABLE";
	case KVM_MP_STATE_HALTED: return "KVM_MP_STATE_HALTED";
	case KVM_MP_STATE_UNINITIALIZED: return "KVM_MP_STATE_UNINITIALIZED";
	case KVM_MP_STATE_INIT_RECEIVED: return "KVM_MP_STATE_INIT_RECEIVED";
	case KVM_MP_STATE_SIPI_RECEIVED: return "KVM_MP_STATE_SIPI_RECEIVED";
	default: return "another MP state";
	}
}

static void describe(const struct snapshot *s, unsigned skipped, char *buf, size_t size)
{
	const struct snap_vcpu *v = &s->vcpu[0];
	char left_out[64] = "";

	if (skipped)
		snprintf(left_out, sizeof(left_out), " (%u more listed, not readable here)",
			 skipped);
	snprintf(buf, size, "1 vCPU (registers, special registers, XSAVE %u bytes, XCRs, "
		 "%u MSRs%s, local APIC, events, %s, debug registers), the PICs and the "
		 "IOAPIC, the PIT, the clock, COM1, the screen", v->xsave_size,
		 v->msrs.count, left_out, mp_name(v->mp.mp_state));
}

// ANCHOR: save-file
/* --save writes to FILE.tmp, renamed to FILE only when all of it is
 * written: a save that fails leaves no half file. FILE.tmp is made
 * before the guest runs, so that a FILE that cannot be written is said
 * at once, not after the run. */
static char save_tmp[4096];

static void save_tmp_remove(void)
{
	if (save_tmp[0])
		unlink(save_tmp);
}

static int save_open(const char *path)
{
	int fd;

	if (snprintf(save_tmp, sizeof(save_tmp), "%s.tmp", path) >= (int)sizeof(save_tmp))
		die(EXIT_USAGE, "--save: the file name is too long");
	fd = open(save_tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		save_tmp[0] = '\0';
		die(EXIT_IO_ERROR, "cannot save to %s: %s", path, strerror(errno));
	}
	atexit(save_tmp_remove);  /* a run that ends otherwise leaves none */
	return fd;
}

static void save_file(struct machine *m, int fd, const char *path, double at)
{
	static struct snapshot s;
	struct snap_writer w;
	char what[400];
	unsigned skipped;
	struct snap_shape shape = machine_shape(&m->pc);
	const char *tmp = save_tmp;

	save_all(m, &s, &skipped);
	snap_writer_init(&w, fd, 0);
	snap_write_shape(&w, &shape);
	for (uint32_t i = 0; i < shape.regions; i++)
		snap_write_pages(&w, i, 0, (uint32_t)(shape.region[i].size / SNAP_PAGE_SIZE),
				 m->pc.regions[i].host);  /* paused: nothing writes them now */
	write_state(&w, &s);
	snap_write_end(&w);
	if (w.err == 0 && fsync(fd) < 0)
		w.err = errno;
	if (close(fd) < 0 && w.err == 0)
		w.err = errno;
	if (w.err || rename(tmp, path) < 0)
		die(EXIT_IO_ERROR, "cannot save to %s: %s", path,
		    strerror(w.err ? w.err : errno));
	save_tmp[0] = '\0';      /* renamed: nothing to remove */
	describe(&s, skipped, what, sizeof(what));
	fprintf(stderr, "%s: saved to %s after %.2f s: %s; %llu KiB of memory; %u records, "
		"%llu bytes\n", progname, path, at, what,
		(unsigned long long)((PC_LOW_RAM_SIZE + PC_HIGH_RAM_SIZE + PC_ROM_SIZE) >> 10),
		w.records, (unsigned long long)w.bytes);
}
// ANCHOR_END: save-file

/* ---- the state: back into KVM ------------------------------------------- */

static noreturn void refused(const char *what, const char *source)
{
	die(EXIT_BAD_SNAPSHOT, "KVM refused the saved %s from %s (%s): the state is not "
	    "one this KVM takes; was it saved by another KVM, or changed?", what, source,
	    strerror(errno));
}

// ANCHOR: restore-order
/* KVM_SET_MSRS for count entries; dies naming the first MSR KVM refuses
 * (it sets them in turn and returns how many it set). */
static void set_msrs(int fd, const struct kvm_msr_entry *entry, uint32_t count,
		     const char *source)
{
	struct {
		struct kvm_msrs head;
		struct kvm_msr_entry entry[SNAP_MAX_MSRS];
	} msrs;
	int set;

	memset(&msrs.head, 0, sizeof(msrs.head));
	msrs.head.nmsrs = count;
	memcpy(msrs.entry, entry, count * sizeof(msrs.entry[0]));
	set = kvm_ioctl(fd, KVM_SET_MSRS, &msrs);
	if (set < 0)
		refused("MSRs", source);
	if ((uint32_t)set < count)
		die(EXIT_BAD_SNAPSHOT, "KVM took %d of the %u saved MSRs from %s: it refuses "
		    "MSR 0x%x (with the value 0x%llx)", set, count, source,
		    entry[set].index, (unsigned long long)entry[set].data);
}

/* The machine from s, into KVM in an order that loses nothing. The API
 * document sets none; the code does:
 *   the VM first: the chips (KVM_SET_IRQCHIP; the PIT's timer needs the
 *   IOAPIC), the PIT (KVM_SET_PIT2), the clock (KVM_SET_CLOCK);
 *   the vCPU's CPUID was given when it was made (machine_create()): the
 *   XCRs and MSRs it may take depend on it;
 *   then the vCPU: the general registers; the XSAVE area and the XCRs;
 *   the special registers, which carry the APIC base and so the local
 *   APIC's mode; the MSRs, but for the TSC deadline; the local APIC,
 *   after its base; the TSC deadline, which KVM drops without an error
 *   unless the local APIC's timer is in TSC-deadline mode already; the
 *   pending events; the MP state, after the events (an INIT is refused
 *   while the events say one is blocked); the debug registers. */
static void restore_state(struct machine *m, const struct snapshot *s, const char *source)
{
	const struct snap_vcpu *v = &s->vcpu[0];
	int fd = m->vcpu.fd;
	struct kvm_clock_data clock = { .clock = s->clock.clock };
	struct kvm_msr_entry msrs[SNAP_MAX_MSRS], deadline = { 0 };
	uint32_t count = 0;
	bool have_deadline = false;

	for (int id = 0; id < 3; id++)
		if (kvm_ioctl(m->vm->fd, KVM_SET_IRQCHIP, (void *)&s->chip[id]) < 0)
			refused(id == KVM_IRQCHIP_IOAPIC ? "IOAPIC" : "PIC", source);
	if (kvm_ioctl(m->vm->fd, KVM_SET_PIT2, (void *)&s->pit) < 0)
		refused("PIT", source);
	if (kvm_ioctl(m->vm->fd, KVM_SET_CLOCK, &clock) < 0)
		refused("clock", source);
	for (uint32_t i = 0; i < v->msrs.count; i++)
		if (v->msrs.entry[i].index == MSR_IA32_TSC_DEADLINE) {
			deadline = v->msrs.entry[i];
			have_deadline = true;
		} else {
			msrs[count++] = v->msrs.entry[i];
		}

	// LAB BEGIN: put v back into the vCPU (fd), in this order, calling refused(WHAT, source) when an ioctl fails: KVM_SET_REGS (v->regs, "general registers"); KVM_SET_XSAVE (it takes v->xsave whatever its size, "XSAVE area"); KVM_SET_XCRS ("XCRs"); KVM_SET_SREGS ("special registers"); set_msrs(fd, msrs, count, source) (every MSR but the TSC deadline); KVM_SET_LAPIC ("local APIC"); then, if have_deadline, set_msrs(fd, &deadline, 1, source); KVM_SET_VCPU_EVENTS ("pending events"), KVM_SET_MP_STATE ("MP state"), KVM_SET_DEBUGREGS ("debug registers").
	if (kvm_ioctl(fd, KVM_SET_REGS, (void *)&v->regs) < 0)
		refused("general registers", source);
	if (kvm_ioctl(fd, KVM_SET_XSAVE, (void *)v->xsave) < 0)
		refused("XSAVE area", source);
	if (kvm_ioctl(fd, KVM_SET_XCRS, (void *)&v->xcrs) < 0)
		refused("XCRs", source);
	if (kvm_ioctl(fd, KVM_SET_SREGS, (void *)&v->sregs) < 0)
		refused("special registers", source);
	set_msrs(fd, msrs, count, source);
	if (kvm_ioctl(fd, KVM_SET_LAPIC, (void *)&v->lapic) < 0)
		refused("local APIC", source);
	if (have_deadline)
		set_msrs(fd, &deadline, 1, source);
	if (kvm_ioctl(fd, KVM_SET_VCPU_EVENTS, (void *)&v->events) < 0)
		refused("pending events", source);
	if (kvm_ioctl(fd, KVM_SET_MP_STATE, (void *)&v->mp) < 0)
		refused("MP state", source);
	if (kvm_ioctl(fd, KVM_SET_DEBUGREGS, (void *)&v->debugregs) < 0)
		refused("debug registers", source);
	// LAB END
}
// ANCHOR_END: restore-order

/* Memory and the devices: this program's own, copied in. The ROM is
 * read-only in this process too (chapter 09): opened for the copy. */
static void restore_memory(struct machine *m, const struct snapshot *s)
{
	uint8_t *rom = m->pc.regions[PC_SLOT_ROM].host;

	memcpy(m->pc.regions[PC_SLOT_LOW_RAM].host, s->memory[0], PC_LOW_RAM_SIZE);
	memcpy(m->pc.regions[PC_SLOT_HIGH_RAM].host, s->memory[1], PC_HIGH_RAM_SIZE);
	if (mprotect(rom, PC_ROM_SIZE, PROT_READ | PROT_WRITE) < 0)
		die(EXIT_KVM_ERROR, "cannot open the ROM for the restore: %s", strerror(errno));
	memcpy(rom, s->memory[2], PC_ROM_SIZE);
	mprotect(rom, PC_ROM_SIZE, PROT_READ);
	restore_devices(m, s->devices);
	memcpy(m->pc.vga.mem, s->vga, sizeof(s->vga));
}

/* A file or a stream read whole: complete, and this machine's. */
static void check_snapshot(const struct snapshot *s, const char *source)
{
	struct pc pc;
	struct snap_shape shape;
	char err[256];

	/* The shape, from the map chapter 09's machine has, before it exists. */
	memset(&pc, 0, sizeof(pc));
	pc.regions[0] = (struct pc_region){ .slot = PC_SLOT_LOW_RAM, .gpa = 0, .size = PC_LOW_RAM_SIZE };
	pc.regions[1] = (struct pc_region){ .slot = PC_SLOT_HIGH_RAM, .gpa = PC_HIGH_RAM_BASE,
					    .size = PC_HIGH_RAM_SIZE };
	pc.regions[2] = (struct pc_region){ .slot = PC_SLOT_ROM, .flags = KVM_MEM_READONLY,
					    .gpa = PC_ROM_BASE, .size = PC_ROM_SIZE };
	shape = machine_shape(&pc);
	if (!snap_complete(s, err, sizeof(err)))
		die(EXIT_BAD_SNAPSHOT, "cannot restore from %s: it is not whole: %s", source, err);
	if (!snap_same_shape(s, &shape, err, sizeof(err)))
		die(EXIT_BAD_SNAPSHOT, "cannot restore from %s: it is for another machine: %s",
		    source, err);
}

/* ---- the machine -------------------------------------------------------- */

static void enable_ring(struct machine *m);

static void machine_create(struct machine *m, struct kvm *kvm, struct kvm_vm *vm,
			   const struct options *opts)
{
	kvm_open(kvm, opts->device);
	vm_create(vm, kvm);
	m->kvm = kvm;
	m->vm = m->com1.vm = vm;
	if (m->ring)
		enable_ring(m);  /* before any vCPU: each gets its ring when made */
	irqchip_create(vm);
	pc_init(&m->pc);
	pc_add_memory(vm, &m->pc);
	pc_load_rom(&m->pc, NULL, guest_count, sizeof(guest_count));
	pc_add_devices(&m->pc);
	serial_by_interrupt(&m->pc.io.com1);
	vcpu_create(&m->vcpu, vm, 0);
	/* The same CPUID on both sides: it is part of the machine's shape
	 * (the MSRs and the XSAVE area a vCPU has depend on it), and is given,
	 * not saved. */
	vcpu_set_cpuid(kvm, &m->vcpu, 0);
	m->pc.vcpu = &m->vcpu;
	pthread_mutex_init(&m->lock, NULL);
	pthread_cond_init(&m->ended_cond, NULL);
}

static void machine_close(struct machine *m)
{
	if (m->ring_gfns)
		munmap(m->ring_gfns, m->ring_bytes);
	vcpu_close(&m->vcpu);
	vm_close(m->vm);
	pc_close(&m->pc);
	kvm_close(m->kvm);
}

/* ---- dirty pages: the bitmap -------------------------------------------- */

// ANCHOR: log-start
/* Dirty logging on, for the two RAM slots, while the guest runs: the
 * same KVM_SET_USER_MEMORY_REGION, with KVM_MEM_LOG_DIRTY_PAGES added
 * (a change of flags only: KVM keeps the memory, and write-protects it,
 * so that the guest's first write to each page afterwards is seen).
 * With KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2, asked first, KVM_GET_DIRTY_LOG
 * only reads the bitmap, and KVM_CLEAR_DIRTY_LOG re-protects exactly the
 * pages about to be sent; with KVM_DIRTY_LOG_INITIALLY_SET too, the
 * bitmap starts full instead of every page being write-protected at once.
 * The ROM is never written: it is not logged. */
static void log_start(struct machine *m)
{
	int manual = kvm_ioctl(m->vm->fd, KVM_CHECK_EXTENSION,
			       (void *)KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2);

	if (!m->ring && manual > 0) {
		struct kvm_enable_cap cap = {
			.cap = KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2,
			.args = { (uint64_t)manual & (KVM_DIRTY_LOG_MANUAL_PROTECT_ENABLE |
						      KVM_DIRTY_LOG_INITIALLY_SET) },
		};

		kvm_ioctl_or_die(m->vm->fd, KVM_ENABLE_CAP, &cap);
		m->manual = true;
	}
	for (int i = 0; i < RAM_REGIONS; i++) {
		struct pc_region *r = &m->pc.regions[i];
		struct kvm_userspace_memory_region slot = {
			.slot = r->slot,
			.flags = r->flags | KVM_MEM_LOG_DIRTY_PAGES,
			.guest_phys_addr = r->gpa,
			.memory_size = r->size,
			.userspace_addr = (uintptr_t)r->host,
		};

		kvm_ioctl_or_die(m->vm->fd, KVM_SET_USER_MEMORY_REGION, &slot);
	}
}
// ANCHOR_END: log-start

// ANCHOR: log-sync
/* The pages written since the last call, into m->dirty. The bitmap has
 * a bit per page of the slot, in 64-bit words. */
static void log_sync(struct machine *m)
{
	uint64_t bitmap[MAX_PAGES / 64];

	for (int i = 0; i < RAM_REGIONS; i++) {
		uint32_t pages = (uint32_t)(m->pc.regions[i].size / SNAP_PAGE_SIZE);
		struct kvm_dirty_log log = { .slot = m->pc.regions[i].slot,
					     .dirty_bitmap = bitmap };

		// LAB BEGIN: KVM_GET_DIRTY_LOG for log (kvm_ioctl_or_die() on m->vm->fd): without manual protection (m->manual false) it copies the bitmap and clears it, and write-protects those pages again, all in one. With m->manual, KVM_GET_DIRTY_LOG only copies it: then hand the same bitmap to KVM_CLEAR_DIRTY_LOG (struct kvm_clear_dirty_log: slot, first_page 0, num_pages pages, dirty_bitmap) to clear and re-protect those pages. Then each bit set: m->dirty[i][page] = 1.
		memset(bitmap, 0, sizeof(bitmap));
		kvm_ioctl_or_die(m->vm->fd, KVM_GET_DIRTY_LOG, &log);
		if (m->manual) {
			struct kvm_clear_dirty_log clear = {
				.slot = log.slot, .first_page = 0, .num_pages = pages,
				.dirty_bitmap = bitmap,
			};

			kvm_ioctl_or_die(m->vm->fd, KVM_CLEAR_DIRTY_LOG, &clear);
		}
		for (uint32_t pg = 0; pg < pages; pg++)
			if (bitmap[pg / 64] >> (pg % 64) & 1)
				m->dirty[i][pg] = 1;
		// LAB END
	}
}
// ANCHOR_END: log-sync

/* ---- dirty pages: the ring ---------------------------------------------- */

// ANCHOR: ring-enable
/* The dirty ring, instead of the bitmap: one ring per vCPU, in pages the
 * vCPU's fd maps at KVM_DIRTY_LOG_PAGE_OFFSET, where KVM writes an entry
 * (slot, page) for each page the vCPU dirties. It is turned on for the VM
 * before any vCPU exists, with its size in bytes: a power of two, larger
 * than the entries KVM keeps in reserve (64, and on Intel the 512 of the
 * PML buffer). A page is written to the ring once until the ring is reset
 * (it is write-protected again only then), so RING_ENTRIES, above this
 * machine's 416 pages of RAM and the reserve, is never filled: the vCPU
 * exits with KVM_EXIT_DIRTY_RING_FULL only when a guest outruns the
 * harvest, and this program then takes the entries and goes on. */
#define RING_ENTRIES 1024
static void enable_ring(struct machine *m)
{
	int acq_rel = kvm_ioctl(m->vm->fd, KVM_CHECK_EXTENSION,
				(void *)KVM_CAP_DIRTY_LOG_RING_ACQ_REL);
	int max = kvm_ioctl(m->vm->fd, KVM_CHECK_EXTENSION, (void *)KVM_CAP_DIRTY_LOG_RING);
	struct kvm_enable_cap cap = { .cap = KVM_CAP_DIRTY_LOG_RING };
	uint32_t bytes = RING_ENTRIES * sizeof(struct kvm_dirty_gfn);

	if (acq_rel > 0) {      /* the same ring, with its ordering spelled out */
		cap.cap = KVM_CAP_DIRTY_LOG_RING_ACQ_REL;
		max = acq_rel;
	}
	if (max <= 0)
		die(EXIT_NO_KVM, "this KVM has no dirty ring (KVM_CAP_DIRTY_LOG_RING is %d): "
		    "use --dirty log, the bitmap", max);
	if ((uint32_t)max < bytes)
		die(EXIT_NO_KVM, "this KVM's dirty ring holds at most %d bytes; this program "
		    "needs %u: use --dirty log, the bitmap", max, bytes);
	cap.args[0] = bytes;
	if (kvm_ioctl(m->vm->fd, KVM_ENABLE_CAP, &cap) < 0)
		die(EXIT_KVM_ERROR, "KVM_ENABLE_CAP(%s, %u bytes) failed: %s",
		    cap.cap == KVM_CAP_DIRTY_LOG_RING ? "KVM_CAP_DIRTY_LOG_RING"
		    : "KVM_CAP_DIRTY_LOG_RING_ACQ_REL", bytes, strerror(errno));
	m->ring_bytes = bytes;
	m->ring_entries = RING_ENTRIES;
}

static void map_ring(struct machine *m)
{
	long page = sysconf(_SC_PAGESIZE);
	void *ring = mmap(NULL, m->ring_bytes, PROT_READ | PROT_WRITE, MAP_SHARED,
			  m->vcpu.fd, (off_t)KVM_DIRTY_LOG_PAGE_OFFSET * page);

	if (ring == MAP_FAILED)
		die(EXIT_KVM_ERROR, "cannot map the vCPU's dirty ring: %s", strerror(errno));
	m->ring_gfns = ring;
}
// ANCHOR_END: ring-enable

// ANCHOR: ring-harvest
static unsigned long ring_harvest(struct machine *m)
{
	unsigned long taken = 0;

	// LAB BEGIN: from entry m->ring_next (modulo m->ring_entries) on: load the entry's flags with __atomic_load_n(..., __ATOMIC_ACQUIRE); stop at the first without KVM_DIRTY_GFN_F_DIRTY. For each dirty one, if its slot is a RAM slot (below RAM_REGIONS) and its offset a page of it, set m->dirty[slot][offset]; then store KVM_DIRTY_GFN_F_RESET in its flags (__atomic_store_n(..., __ATOMIC_RELEASE)) and count it. If any were taken, add them to m->ring_harvested and call KVM_RESET_DIRTY_RINGS on the VM fd (kvm_ioctl_or_die(), no argument).
	for (;;) {
		struct kvm_dirty_gfn *e = &m->ring_gfns[m->ring_next % m->ring_entries];
		uint32_t flags = __atomic_load_n(&e->flags, __ATOMIC_ACQUIRE);

		if (!(flags & KVM_DIRTY_GFN_F_DIRTY))
			break;
		if (e->slot < RAM_REGIONS &&
		    e->offset < m->pc.regions[e->slot].size / SNAP_PAGE_SIZE)
			m->dirty[e->slot][e->offset] = 1;
		__atomic_store_n(&e->flags, KVM_DIRTY_GFN_F_RESET, __ATOMIC_RELEASE);
		m->ring_next++;
		taken++;
	}
	if (taken) {
		m->ring_harvested += taken;
		kvm_ioctl_or_die(m->vm->fd, KVM_RESET_DIRTY_RINGS, NULL);
	}
	// LAB END
	return taken;
}
// ANCHOR_END: ring-harvest

/* The pages written since the last look, whichever way they are found. */
static void dirty_sync(struct machine *m)
{
	pthread_mutex_lock(&m->lock);
	if (m->ring)
		ring_harvest(m);
	else
		log_sync(m);
	pthread_mutex_unlock(&m->lock);
}

/* ---- live migration: the source ----------------------------------------- */

struct sender {
	struct snap_writer w;
	double started;              /* of the migration, for the pace */
	double bytes_per_s;          /* 0: no limit */
	uint64_t paced;              /* bytes sent under the pace */
	unsigned long pages;         /* pages sent in all */
};

/* Hold the pace: bytes so far must not be ahead of the bandwidth. */
static void pace(struct sender *tx)
{
	double due;

	if (tx->bytes_per_s <= 0)
		return;
	due = tx->started + (double)tx->paced / tx->bytes_per_s;
	if (due > now())
		sleep_for(due - now());
}

/* Pages go out from a copy: the guest runs on and may write a page while
 * it is sent, and the record's CRC32 and its bytes must be of the same
 * page. A page written after the copy is dirty again: the next round has
 * it. */
static void send_pages(struct sender *tx, uint32_t region, uint32_t first, uint32_t count,
		       const uint8_t *memory)
{
	static uint8_t copy[RUN_PAGES * SNAP_PAGE_SIZE];

	memcpy(copy, memory + (size_t)first * SNAP_PAGE_SIZE, (size_t)count * SNAP_PAGE_SIZE);
	snap_write_pages(&tx->w, region, first, count, copy);
	tx->paced += (uint64_t)count * SNAP_PAGE_SIZE;
	tx->pages += count;
	pace(tx);
}

/* The pages marked in m->dirty, in runs, each mark cleared before its
 * page is read: a write after the read marks it again, for the next
 * round. Returns how many were sent. */
static unsigned long send_dirty(struct machine *m, struct sender *tx)
{
	unsigned long sent = 0;

	for (uint32_t i = 0; i < RAM_REGIONS; i++) {
		uint32_t pages = (uint32_t)(m->pc.regions[i].size / SNAP_PAGE_SIZE);

		for (uint32_t pg = 0; pg < pages;) {
			uint32_t n = 0;

			while (pg + n < pages && n < RUN_PAGES && m->dirty[i][pg + n]) {
				m->dirty[i][pg + n] = 0;
				n++;
			}
			if (n == 0) {
				pg++;
				continue;
			}
			send_pages(tx, i, pg, n, m->pc.regions[i].host);
			sent += n;
			pg += n;
		}
	}
	return sent;
}

static void send_round_end(struct sender *tx, uint32_t round, unsigned long pages)
{
	uint32_t r[2] = { round, (uint32_t)pages };

	snap_write(&tx->w, SNAP_ROND, r, sizeof(r), NULL, 0);
}

// ANCHOR: precopy
/* Pre-copy, while the guest runs: round 0 sends every page; each round
 * after it sends the pages written during the one before. When a round
 * is small enough to send within the downtime target, or after
 * MAX_ROUNDS, the guest is paused and the rest goes: the last dirty
 * pages, then the vCPU's and the VM's state. Returns the status with
 * which the source ends: the destination's. */
static int migrate(struct machine *m, const struct options *opts, int sock, pid_t child)
{
	static struct snapshot s;
	struct sender tx = { .bytes_per_s = opts->bandwidth * 1048576.0 };
	struct snap_shape shape = machine_shape(&m->pc);
	double threshold = tx.bytes_per_s > 0 ? tx.bytes_per_s * DOWNTIME_TARGET / SNAP_PAGE_SIZE
					      : RUN_PAGES;
	unsigned long pages;
	unsigned skipped, round;
	double t, paused, resumed;
	char reply = 0, what[400];
	int status, child_status;

	if (threshold < 1)
		threshold = 1;
	tx.started = now();
	snap_writer_init(&tx.w, sock, SNAP_FLAG_STREAM);
	snap_write_shape(&tx.w, &shape);
	log_start(m);
	dirty_sync(m);               /* what came before round 0: all sent anyway */
	memset(m->dirty, 0, sizeof(m->dirty));
	for (round = 0; ; round++) {
		t = now();
		if (round == 0) {
			pages = 0;
			for (uint32_t i = 0; i < shape.regions; i++) {
				uint32_t n = (uint32_t)(shape.region[i].size / SNAP_PAGE_SIZE);

				for (uint32_t pg = 0; pg < n; pg += RUN_PAGES)
					send_pages(&tx, i, pg, n - pg < RUN_PAGES ? n - pg : RUN_PAGES,
						   m->pc.regions[i].host);
				pages += n;
			}
		} else {
			pages = send_dirty(m, &tx);
		}
		send_round_end(&tx, round, pages);
		if (tx.w.err)
			break;
		fprintf(stderr, "%s: round %u: %lu pages sent in %.1f ms, the guest running\n",
			progname, round, pages, (now() - t) * 1e3);
		if (round > 0 && pages <= threshold)
			break;
		if (round + 1 == MAX_ROUNDS) {
			fprintf(stderr, "%s: after %d rounds the guest still writes %lu pages a "
				"round, more than %.0f: stopping it anyway\n", progname,
				MAX_ROUNDS, pages, threshold);
			break;
		}
		dirty_sync(m);
		pthread_mutex_lock(&m->lock);
		if (m->ended) {          /* the guest ended meanwhile */
			pthread_mutex_unlock(&m->lock);
			break;
		}
		pthread_mutex_unlock(&m->lock);
	}

	/* Stop-and-copy: the guest paused, the last pages, the state. */
	paused = now();
	status = pause_vcpu(m);
	serial_flush();              /* what the guest printed here goes first */
	if (status != PAUSED) {
		fprintf(stderr, "%s: the guest ended during pre-copy: nothing to move; the "
			"destination is stopped\n", progname);
		kill(child, SIGTERM);    /* before it reads a stream cut short */
		close(sock);
		waitpid(child, &child_status, 0);
		return status;
	}
	dirty_sync(m);
	pages = send_dirty(m, &tx);
	save_all(m, &s, &skipped);
	write_state(&tx.w, &s);
	snap_write_end(&tx.w);
	if (tx.w.err)
		die(EXIT_IO_ERROR, "the migration stream broke: %s: the destination has not "
		    "got the guest, and this process stops it", strerror(tx.w.err));
	if (read(sock, &reply, 1) != 1 || reply != 'R') {
		waitpid(child, &child_status, 0);
		die(EXIT_IO_ERROR, "the destination did not take the guest (it ended with "
		    "status %d): see its line above", WIFEXITED(child_status) ?
		    WEXITSTATUS(child_status) : 128 + WTERMSIG(child_status));
	}
	resumed = now();
	describe(&s, skipped, what, sizeof(what));
	fprintf(stderr, "%s: stop-and-copy: %lu pages and %s; the guest was paused for "
		"%.1f ms (the downtime)\n", progname, pages, what, (resumed - paused) * 1e3);
	fprintf(stderr, "%s: moved in %u rounds and %.2f s: %lu pages (%lu KiB; the "
		"machine has %llu), %llu bytes in %u records\n", progname, round + 1,
		resumed - tx.started, tx.pages, tx.pages * 4,
		(unsigned long long)((PC_LOW_RAM_SIZE + PC_HIGH_RAM_SIZE + PC_ROM_SIZE) /
				     SNAP_PAGE_SIZE), (unsigned long long)tx.w.bytes,
		tx.w.records);
	if (m->ring)
		fprintf(stderr, "%s: the dirty ring: %u entries, %lu harvested, %lu "
			"KVM_EXIT_DIRTY_RING_FULL\n", progname, m->ring_entries,
			m->ring_harvested, m->ring_full_exits);
	close(sock);
	if (waitpid(child, &child_status, 0) < 0)
		die(EXIT_KVM_ERROR, "cannot wait for the destination: %s", strerror(errno));
	return WIFEXITED(child_status) ? WEXITSTATUS(child_status)
				       : 128 + WTERMSIG(child_status);
}
// ANCHOR_END: precopy

/* ---- running: the source, a restore, the destination -------------------- */

/* The guest's numbers (count.asm): 0 lines is its default, 30; a rate
 * is given with bit 31 set, so that 0 pages can be asked for too. */
static void set_guest_numbers(struct machine *m, const struct options *opts)
{
	uint32_t fw[2] = { opts->lines, opts->rate_given ? opts->rate | 0x80000000u : 0 };

	memcpy(m->pc.regions[PC_SLOT_LOW_RAM].host + FW_LINES, fw, sizeof(fw));
}

/* The run, once the vCPU's thread is going: to the end, or the timeout. */
static int run_to_end(struct machine *m, double timeout)
{
	if (wait_for(m, timeout)) {
		pause_vcpu(m);   /* the thread has ended: this joins it */
		return m->status;
	}
	if (pause_vcpu(m) != PAUSED)
		return m->status;
	serial_flush();
	return timeout_report(&m->vcpu, timeout);
}

/* A snapshot from fd, read whole and checked: one line and status 65 on
 * anything wrong, before KVM is asked for anything. */
static void read_snapshot(struct snapshot *s, int fd, const char *name)
{
	struct snap_reader r;

	snap_init(s);
	snap_reader_init(&r, fd, name);
	if (!snap_read_all(&r, s))
		die(EXIT_BAD_SNAPSHOT, "cannot restore: %s", r.err);
	snap_reader_close(&r);
	check_snapshot(s, name);
}

static int destination(const struct options *opts, int sock)
{
	static struct machine m;
	static struct snapshot s;
	struct snap_reader r;
	struct kvm_vm vm;
	struct kvm kvm;
	double started;
	int status;

	progname = "14-migrate (destination)";
	snap_init(&s);
	snap_reader_init(&r, sock, "the migration stream");
	if (!snap_read_header(&r, &s)) {
		if (r.err[0] == '\0' || strstr(r.err, " is empty"))
			exit(0);     /* the source's guest ended first: nothing came */
		die(EXIT_BAD_SNAPSHOT, "%s", r.err);
	}
	started = now();
	while (!r.ended) {
		uint32_t type;

		if (!snap_read_record(&r, &s, &type))
			die(EXIT_BAD_SNAPSHOT, "%s", r.err);
	}
	snap_reader_close(&r);
	check_snapshot(&s, "the migration stream");
	fprintf(stderr, "%s: %lu records in %lu rounds, %lu pages (of them %lu sent again), "
		"%llu bytes in %.2f s\n", progname, s.records, s.rounds, s.pages,
		s.pages - (PC_LOW_RAM_SIZE + PC_HIGH_RAM_SIZE + PC_ROM_SIZE) / SNAP_PAGE_SIZE,
		(unsigned long long)s.bytes, now() - started);
	machine_create(&m, &kvm, &vm, opts);
	restore_memory(&m, &s);
	restore_state(&m, &s, "the migration stream");
	snap_free(&s);
	start_vcpu(&m);
	if (write(sock, "R", 1) != 1)
		warn("cannot tell the source the guest runs here: %s", strerror(errno));
	fprintf(stderr, "%s: the guest runs here now\n", progname);
	status = run_to_end(&m, opts->timeout);
	serial_flush();
	machine_close(&m);
	close(sock);
	return status;
}

int main(int argc, char **argv)
{
	static struct machine m;
	static struct snapshot s;
	struct options opts;
	struct kvm_vm vm;
	struct kvm kvm;
	int sock[2] = { -1, -1 };
	pid_t child = -1;
	int status, save_fd = -1;

	prog_init(argv[0]);
	options_parse(&opts, argc, argv, OPT_RUN | OPT_MIGRATE,
		      "Chapter 14: the whole state of a VM: save, restore, live migration.",
		      NULL);
	if (opts.stats)
		stats_enable();
	if (opts.trace)
		setvbuf(stdout, NULL, _IONBF, 0);
	m.ring = opts.dirty_ring;

	// ANCHOR: fork
	/* --migrate: the destination is a second process, made now, before
	 * this one has any KVM file descriptor: a VM belongs to the process
	 * that made it (its memory map), and a child could not use this one's.
	 * The two talk over a socket pair: the stream one way, one byte back. */
	if (opts.migrate) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sock) < 0)
			die(EXIT_KVM_ERROR, "socketpair() for the migration failed: %s",
			    strerror(errno));
		fflush(NULL);
		child = fork();
		if (child < 0)
			die(EXIT_KVM_ERROR, "fork() of the destination failed: %s", strerror(errno));
		if (child == 0) {
			close(sock[0]);
			exit(destination(&opts, sock[1]));
		}
		close(sock[1]);
	}
	// ANCHOR_END: fork

	if (opts.save)
		save_fd = save_open(opts.save);
	if (opts.restore) {
		int fd = open(opts.restore, O_RDONLY | O_CLOEXEC);

		if (fd < 0)
			die(EXIT_BAD_SNAPSHOT, "cannot restore from %s: %s", opts.restore,
			    strerror(errno));
		read_snapshot(&s, fd, opts.restore);
		close(fd);
	}

	machine_create(&m, &kvm, &vm, &opts);
	if (m.ring)
		map_ring(&m);
	if (opts.restore) {
		restore_memory(&m, &s);
		restore_state(&m, &s, opts.restore);
		fprintf(stderr, "%s: restored from %s: %lu records, every CRC32 good; put back "
			"in KVM's order: the chips, the PIT, the clock; registers, XSAVE, XCRs, "
			"special registers, %u MSRs, local APIC, the TSC deadline MSR (if "
			"saved), events, MP state, debug registers\n", progname, opts.restore,
			s.records, s.vcpu[0].msrs.count);
		snap_free(&s);
	} else {
		set_guest_numbers(&m, &opts);
		fprintf(stderr, "%s: running count.asm from the reset vector: the PIT in the "
			"kernel at 100 Hz, COM1 is stdout, port 0xf4 ends the run\n", progname);
	}
	if (opts.save) {
		struct sigaction sa = { .sa_handler = on_save_signal };

		sigemptyset(&sa.sa_mask);
		sigaction(SIG_SAVE, &sa, NULL);
	}

	start_vcpu(&m);
	if (opts.save) {
		double at, started = now();
		bool ended = wait_for(&m, opts.after > 0 ? opts.after : 0);

		at = now() - started;
		if (!ended && pause_vcpu(&m) == PAUSED) {
			serial_flush();
			save_file(&m, save_fd, opts.save, at);
			status = 0;
		} else {
			serial_flush();
			close(save_fd);
			fprintf(stderr, "%s: the guest ended before the save: %s was not written\n",
				progname, opts.save);
			status = m.status;
		}
	} else if (opts.migrate) {
		double wait = opts.after > 0 ? opts.after : 1.0;

		if (wait_for(&m, wait)) {
			serial_flush();
			fprintf(stderr, "%s: the guest ended before the migration\n", progname);
			close(sock[0]);
			waitpid(child, NULL, 0);
			status = m.status;
		} else {
			char speed[40] = "the socket's own speed";

			if (opts.bandwidth)
				snprintf(speed, sizeof(speed), "%u MiB/s", opts.bandwidth);
			fprintf(stderr, "%s: migrating to process %d after %.2f s, dirty pages "
				"from %s, at %s\n", progname, (int)child, wait,
				m.ring ? "the dirty ring" : "the dirty bitmap", speed);
			status = migrate(&m, &opts, sock[0], child);
		}
	} else {
		status = run_to_end(&m, opts.timeout);
	}
	serial_flush();
	stats_print(stderr);
	if (m.thread_running)
		pause_vcpu(&m);
	machine_close(&m);
	return status;
}
