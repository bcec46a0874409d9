/* Chapter 12: several vCPUs, one thread each, started the way a PC starts
 * its processors.
 *
 * The machine is chapter 11's (the PC's memory map and ROM, the irqchip
 * and the PIT in the kernel, COM1 on IRQ4), with --cpus N vCPUs. Each is
 * one KVM_CREATE_VCPU and one host thread that runs its own KVM_RUN loop,
 * as qemu-kvm did (seed 001: pc_cpus_init() -> qemu_init_vcpu() ->
 * kvm_init_vcpu() -> pthread_create(ap_main_loop) -> kvm_main_loop_cpu())
 * and QEMU does today (kvm_vcpu_thread_fn()). The threads meet in two
 * places: the devices, behind one lock (QEMU's big lock), and the end of
 * the run, when one vCPU's exit must stop all the others.
 *
 * Only vCPU 0, the bootstrap processor, starts at the reset vector. The
 * others are application processors: their local APICs (in the kernel,
 * chapter 11) hold them in KVM_MP_STATE_UNINITIALIZED, asleep inside
 * KVM_RUN, until the bootstrap processor's guest code sends them INIT and
 * a STARTUP IPI (SIPI), whose vector says where each begins, in real mode.
 *
 * Standard output carries only what the guest prints on COM1; this
 * program's own lines go to standard error. */
#include "guest_smp.h"
#include "io.h"
#include "irqchip.h"
#include "kvm.h"
#include "names.h"
#include "options.h"
#include "pc.h"
#include "run.h"
#include "serial.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* What the firmware learns from the monitor, at fixed RAM addresses (see
 * guest-asm/rom/smp.asm), and what it leaves there. */
#define FW_CPUS     0x4f0   /* dword: how many CPUs */
#define FW_FLAGS    0x4f4   /* dword: bit 0, add without LOCK */
#define FW_COUNTER  0x504   /* dword: the shared counter */
#define FW_COUNT    20000   /* what each CPU adds, in the built-in guest */

#define SIG_KICK SIGUSR1    /* the kick: a signal to one vCPU's thread */

struct machine;

/* One vCPU and the thread that runs it. Only that thread touches the vCPU
 * while it runs; others reach it by a kick. */
struct cpu {
	struct kvm_vcpu vcpu;
	pthread_t thread;
	struct machine *m;
	unsigned index;
	bool running;                 /* the thread was created */
	/* Its own counts, for --stats: no lock needed. */
	unsigned long exits_io, exits_mmio, interrupted, again;
};

struct machine {
	struct pc pc;                 /* chapter 09's machine */
	struct kvm_vm *vm;
	struct com1_irq com1;         /* chapter 11's IRQ4 */
	unsigned cpus;
	struct cpu cpu[MAX_CPUS];
	/* The big lock: held by a thread while it touches a device or
	 * writes its output, so no device state races and no line tears. */
	pthread_mutex_t big_lock;
	/* The end of the run: the first vCPU to end it sets status. */
	pthread_mutex_t stop_lock;
	pthread_cond_t stop_cond;
	bool stopping;                /* read and written atomically */
	int status;
	unsigned stopped_by;
};

static const char *mp_state_name(uint32_t state)
{
	switch (state) {
	case KVM_MP_STATE_RUNNABLE: return "KVM_MP_STATE_RUNNABLE";
	case KVM_MP_STATE_UNINITIALIZED: return "KVM_MP_STATE_UNINITIALIZED";
	case KVM_MP_STATE_INIT_RECEIVED: return "KVM_MP_STATE_INIT_RECEIVED";
	case KVM_MP_STATE_HALTED: return "KVM_MP_STATE_HALTED";
	case KVM_MP_STATE_SIPI_RECEIVED: return "KVM_MP_STATE_SIPI_RECEIVED";
	default: return "(another state)";
	}
}

/* KVM_GET_MP_STATE, by the vCPU's own thread or once no thread runs:
 * the ioctl takes the vCPU's mutex, which KVM_RUN holds. */
static uint32_t mp_state(struct kvm_vcpu *vcpu)
{
	struct kvm_mp_state mp = { 0 };

	kvm_ioctl_or_die(vcpu->fd, KVM_GET_MP_STATE, &mp);
	return mp.mp_state;
}

static bool stopping(struct machine *m)
{
	return __atomic_load_n(&m->stopping, __ATOMIC_SEQ_CST);
}

// ANCHOR: request-stop
/* A vCPU ends the run: the first one's status wins; the main thread,
 * waiting on stop_cond, then stops the others. */
static void request_stop(struct machine *m, unsigned index, int status)
{
	pthread_mutex_lock(&m->stop_lock);
	if (!stopping(m)) {
		m->status = status;
		m->stopped_by = index;
		__atomic_store_n(&m->stopping, true, __ATOMIC_SEQ_CST);
	}
	pthread_cond_signal(&m->stop_cond);
	pthread_mutex_unlock(&m->stop_lock);
}
// ANCHOR_END: request-stop

// ANCHOR: kick
/* Getting a vCPU out of KVM_RUN. The thread may be inside it, with the
 * guest running or asleep in the kernel's HLT; or between two KVM_RUNs.
 * immediate_exit covers the second case: the next KVM_RUN returns EINTR
 * at once. The signal covers the first: KVM checks for a pending signal
 * before each entry and leaves the guest when one comes, returning EINTR.
 * Set immediate_exit first: if the signal came first, a thread that had
 * just passed its check of stopping could enter KVM_RUN after the signal
 * was handled, with nothing left to bring it out. */
static void on_kick(int sig)
{
	(void)sig; /* the signal's arrival is all it takes */
}

static void kick(struct cpu *c)
{
	// LAB BEGIN: get c's vCPU out of KVM_RUN: first set c->vcpu.run->immediate_exit to 1 (__atomic_store_n, __ATOMIC_SEQ_CST), then send SIG_KICK to c->thread with pthread_kill(); in that order, so that a thread about to enter KVM_RUN returns at once.
	__atomic_store_n(&c->vcpu.run->immediate_exit, 1, __ATOMIC_SEQ_CST);
	pthread_kill(c->thread, SIG_KICK);
	// LAB END
}
// ANCHOR_END: kick

// ANCHOR: vcpu-thread
static void *vcpu_thread(void *arg)
{
	struct cpu *c = arg;
	struct machine *m = c->m;
	struct kvm_run *run = c->vcpu.run;
	int status;

	if (c->index == 0) {          /* SIGIO, for input, comes to the BSP */
		sigset_t io;

		sigemptyset(&io);
		sigaddset(&io, SIGIO);
		pthread_sigmask(SIG_UNBLOCK, &io, NULL);
	}
	// LAB BEGIN: until stopping(m): on vcpu 0 only, under m->big_lock, serial_take_input() and com1_irq_update() for COM1. KVM_RUN (kvm_ioctl()); EINTR (a kick or SIGIO): count it in c->interrupted, set run->immediate_exit back to 0 and go round; EAGAIN (an INIT or SIPI taken): count it in c->again, and with kvm_trace say "trace: vcpu N: KVM_RUN returned EAGAIN: now " and its mp_state_name(mp_state()); another error: warn "vcpu N: KVM_RUN failed: ...", request_stop(m, c->index, EXIT_KVM_ERROR) and leave the loop. Then, under m->big_lock: KVM_EXIT_IO counted in c->exits_io and given to io_handle() (when it ends the run: serial_flush(), warn "vcpu N wrote S to the exit port 0xf4: exit status S", request_stop()), then com1_irq_update(); KVM_EXIT_MMIO counted in c->exits_mmio, to pc_handle_mmio(); any other exit: serial_flush(), warn "vcpu N stopped:" and request_stop() with vcpu_report_unhandled()'s status.
	while (!stopping(m)) {
		if (c->index == 0) {      /* COM1 interrupts go to the BSP */
			pthread_mutex_lock(&m->big_lock);
			serial_take_input(&m->pc.io.com1);
			com1_irq_update(&m->com1, &m->pc.io.com1);
			pthread_mutex_unlock(&m->big_lock);
		}
		if (kvm_ioctl(c->vcpu.fd, KVM_RUN, NULL) < 0) {
			if (errno == EINTR) {  /* kicked, or SIGIO */
				c->interrupted++;
				__atomic_store_n(&run->immediate_exit, 0, __ATOMIC_SEQ_CST);
				continue;      /* the loop's test says which */
			}
			if (errno == EAGAIN) { /* an AP's INIT or SIPI came */
				c->again++;
				if (kvm_trace)
					fprintf(stderr, "trace: vcpu %u: KVM_RUN returned EAGAIN: "
						"now %s\n", c->index, mp_state_name(mp_state(&c->vcpu)));
				continue;
			}
			warn("vcpu %u: KVM_RUN failed: %s", c->index, strerror(errno));
			request_stop(m, c->index, EXIT_KVM_ERROR);
			break;
		}

		pthread_mutex_lock(&m->big_lock);
		if (stopping(m)) {
			/* Another vCPU ended the run while this one waited for
			 * the lock: its exit is not handled (no late output). */
			pthread_mutex_unlock(&m->big_lock);
			break;
		}
		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			c->exits_io++;
			if (io_handle(&c->vcpu, &m->pc.io, &status)) {
				serial_flush();
				warn("vcpu %u wrote %d to the exit port 0x%x: exit status %d",
				     c->index, status, EXIT_PORT, status);
				request_stop(m, c->index, status);
			}
			com1_irq_update(&m->com1, &m->pc.io.com1);
			break;
		case KVM_EXIT_MMIO:
			c->exits_mmio++;
			pc_handle_mmio(&m->pc, &c->vcpu);
			break;
		default:
			serial_flush();
			warn("vcpu %u stopped:", c->index);
			request_stop(m, c->index, vcpu_report_unhandled(&c->vcpu));
			break;
		}
		pthread_mutex_unlock(&m->big_lock);
	}
	// LAB END
	return NULL;
}
// ANCHOR_END: vcpu-thread

// ANCHOR: start-threads
static void start_threads(struct machine *m)
{
	struct sigaction sa = { .sa_handler = on_kick };
	sigset_t blocked;
	int err;

	// LAB BEGIN: install on_kick() for SIG_KICK with sigaction(), sa_flags 0 (no SA_RESTART: KVM_RUN must return EINTR); block SIGIO in this thread (pthread_sigmask()), so the threads inherit the mask; then one pthread_create() of vcpu_thread() per vCPU, with &m->cpu[i]. If one fails: warn "cannot start the thread of vcpu N: ...", request_stop(m, i, EXIT_KVM_ERROR) and return; else set m->cpu[i].running.
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0;              /* with SA_RESTART too, KVM_RUN gives EINTR (chapter 06) */
	sigaction(SIG_KICK, &sa, NULL);
	/* The threads inherit this mask: SIGIO blocked (the BSP's thread
	 * unblocks it), and blocked here too, so the main thread, which
	 * never runs a vCPU, never takes it. */
	sigemptyset(&blocked);
	sigaddset(&blocked, SIGIO);
	pthread_sigmask(SIG_BLOCK, &blocked, NULL);
	for (unsigned i = 0; i < m->cpus; i++) {
		struct cpu *c = &m->cpu[i];

		err = pthread_create(&c->thread, NULL, vcpu_thread, c);
		if (err != 0) {
			warn("cannot start the thread of vcpu %u: %s", i, strerror(err));
			request_stop(m, i, EXIT_KVM_ERROR);
			return;
		}
		c->running = true;
	}
	// LAB END
}
// ANCHOR_END: start-threads

// ANCHOR: wait-and-stop
/* The main thread runs no vCPU: it waits for the end of the run or the
 * timeout, then stops every thread and waits for each. Returns true if
 * the timeout came first. */
static bool wait_and_stop(struct machine *m, double timeout)
{
	struct timespec until;
	bool timed_out = false;

	// LAB BEGIN: the time to give up: now (CLOCK_MONOTONIC) plus timeout seconds. Under m->stop_lock, wait on m->stop_cond until stopping(m), with pthread_cond_wait() when timeout <= 0, else pthread_cond_timedwait() to that time; if it times out with no stop requested, set timed_out, m->status = EXIT_TIMEOUT and m->stopping (__atomic_store_n). Then kick() every vCPU whose thread is running, and only then pthread_join() each.
	clock_gettime(CLOCK_MONOTONIC, &until);
	until.tv_sec += (time_t)timeout;
	until.tv_nsec += (long)((timeout - (double)(time_t)timeout) * 1e9);
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&m->stop_lock);
	while (!stopping(m) && !timed_out)
		if (timeout <= 0)
			pthread_cond_wait(&m->stop_cond, &m->stop_lock);
		else if (pthread_cond_timedwait(&m->stop_cond, &m->stop_lock, &until) == ETIMEDOUT)
			timed_out = !stopping(m);
	if (timed_out) {
		m->status = EXIT_TIMEOUT;
		__atomic_store_n(&m->stopping, true, __ATOMIC_SEQ_CST);
	}
	pthread_mutex_unlock(&m->stop_lock);

	for (unsigned i = 0; i < m->cpus; i++)
		if (m->cpu[i].running)
			kick(&m->cpu[i]);
	for (unsigned i = 0; i < m->cpus; i++)
		if (m->cpu[i].running)
			pthread_join(m->cpu[i].thread, NULL);
	// LAB END
	return timed_out;
}
// ANCHOR_END: wait-and-stop

static void show_mp_states(struct machine *m, const char *when)
{
	uint32_t state[MAX_CPUS];

	for (unsigned i = 0; i < m->cpus; i++) /* asked first: --trace prints too */
		state[i] = mp_state(&m->cpu[i].vcpu);
	fprintf(stderr, "%s: %s:", progname, when);
	for (unsigned i = 0; i < m->cpus; i++)
		fprintf(stderr, "%s vcpu %u %s", i ? "," : "", i, mp_state_name(state[i]));
	fprintf(stderr, "\n");
}

/* The built-in guest's result, read from its RAM and checked here too. */
static int check_count(struct machine *m, const struct options *opts, int status)
{
	uint32_t counter, want = m->cpus * FW_COUNT;

	memcpy(&counter, m->pc.regions[PC_SLOT_LOW_RAM].host + FW_COUNTER, sizeof(counter));
	if (counter == want) {
		fprintf(stderr, "%s: the shared counter at 0x%x reads %u: %u CPUs x %u, "
			"none lost\n", progname, FW_COUNTER, counter, m->cpus, FW_COUNT);
		return status;
	}
	fprintf(stderr, "%s: the shared counter at 0x%x reads %u, not %u: %u "
		"additions lost%s\n", progname, FW_COUNTER, counter, want, want - counter,
		opts->no_lock ? ": --no-lock: a read, an add and a write on two CPUs at "
		"once keep only one of the two additions" : "");
	return status;
}

static void show_stats(struct machine *m)
{
	for (unsigned i = 0; i < m->cpus; i++) {
		struct cpu *c = &m->cpu[i];

		fprintf(stderr, "stats: vcpu %u: KVM_EXIT_IO %lu, KVM_EXIT_MMIO %lu, KVM_RUN "
			"ended by a signal %lu, EAGAIN (INIT or SIPI taken) %lu\n", i,
			c->exits_io, c->exits_mmio, c->interrupted, c->again);
	}
	fprintf(stderr, "stats: COM1's IRQ4 given to KVM %lu times; the lines below add "
		"up all %u threads' KVM_RUNs\n", m->com1.calls, m->cpus);
}

int main(int argc, char **argv)
{
	static struct machine m; /* the screen and the threads: not on the stack */
	struct options opts;
	struct kvm_vm vm;
	struct kvm kvm;
	uint32_t fw[2];
	int max_vcpus, nr_vcpus;
	size_t size;

	prog_init(argv[0]);
	options_parse(&opts, argc, argv, OPT_GUEST | OPT_RUN | OPT_SMP,
		      "Chapter 12: several vCPUs, one thread each, started by INIT and SIPI.",
		      "is a ROM image of up to 64 KiB, placed to end at 4 GiB (and at 1 MiB) "
		      "as in chapter 09; vCPU 0 starts at the reset vector, the others wait "
		      "for INIT and SIPI from its local APIC; the number of CPUs is at 0x4f0; "
		      "COM1 (0x3f8) is standard input and output, OUT to port 0xf4 ends the run");
	if (opts.stats)
		stats_enable();
	if (opts.trace)
		setvbuf(stdout, NULL, _IONBF, 0);
	m.cpus = opts.cpus;
	pthread_mutex_init(&m.big_lock, NULL);
	pthread_mutex_init(&m.stop_lock, NULL);
	{
		pthread_condattr_t attr;

		pthread_condattr_init(&attr);
		pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
		pthread_cond_init(&m.stop_cond, &attr);
		pthread_condattr_destroy(&attr);
	}

	kvm_open(&kvm, opts.device);
	vm_create(&vm, &kvm);
	m.vm = m.com1.vm = &vm;
	max_vcpus = kvm_ioctl(vm.fd, KVM_CHECK_EXTENSION, (void *)KVM_CAP_MAX_VCPUS);
	nr_vcpus = kvm_ioctl(vm.fd, KVM_CHECK_EXTENSION, (void *)KVM_CAP_NR_VCPUS);
	if (max_vcpus > 0 && opts.cpus > (unsigned)max_vcpus)
		die(EXIT_USAGE, "--cpus %u: this KVM allows %d vCPUs in a VM "
		    "(KVM_CAP_MAX_VCPUS)", opts.cpus, max_vcpus);
	irqchip_create(&vm);
	pc_init(&m.pc);
	pc_add_memory(&vm, &m.pc);
	size = pc_load_rom(&m.pc, opts.guest, guest_smp, sizeof(guest_smp));
	pc_add_devices(&m.pc);
	serial_by_interrupt(&m.pc.io.com1);
	fw[0] = m.cpus;
	fw[1] = opts.no_lock ? 1 : 0;
	memcpy(m.pc.regions[PC_SLOT_LOW_RAM].host + FW_CPUS, fw, sizeof(fw));

	// ANCHOR: create-vcpus
	for (unsigned i = 0; i < m.cpus; i++) {
		m.cpu[i].m = &m;
		m.cpu[i].index = i;
		vcpu_create(&m.cpu[i].vcpu, &vm, (int)i); /* vCPU i, APIC ID i */
	}
	m.pc.vcpu = &m.cpu[0].vcpu; /* the ROM's reports name the BSP's RIP */
	// ANCHOR_END: create-vcpus
	fprintf(stderr, "%s: %u vCPU%s, one thread each (KVM_CAP_MAX_VCPUS %d, "
		"KVM_CAP_NR_VCPUS %d)%s\n", progname, m.cpus, m.cpus == 1 ? "" : "s",
		max_vcpus, nr_vcpus,
		nr_vcpus > 0 && m.cpus > (unsigned)nr_vcpus ? "; more vCPUs than the "
		"host's CPUs: they take turns" : "");
	show_mp_states(&m, "before the threads start");
	input_signal(m.cpu[0].vcpu.run);
	fprintf(stderr, "%s: running %s (%zu bytes, the ROM's last) from the reset vector "
		"on vcpu 0; COM1 0x3f8 is stdin/stdout, port 0xf4 ends the run\n", progname,
		opts.guest ? opts.guest : "smp.asm", size);

	start_threads(&m);
	if (wait_and_stop(&m, opts.timeout)) {
		serial_flush();
		warn("the guest was still running after %g second%s and was stopped: "
		     "it may loop forever; give it more time with --timeout SECONDS",
		     opts.timeout, opts.timeout == 1 ? "" : "s");
		for (unsigned i = 0; i < m.cpus; i++) {
			fprintf(stderr, "vcpu %u:\n", i);
			vcpu_dump(&m.cpu[i].vcpu, stderr);
		}
	}
	serial_flush();
	if (m.status == EXIT_TIMEOUT)
		fprintf(stderr, "%s: every thread kicked out of KVM_RUN and joined; the "
			"timeout ended the run\n", progname);
	else
		fprintf(stderr, "%s: every thread kicked out of KVM_RUN and joined; vcpu %u "
			"ended the run\n", progname, m.stopped_by);
	show_mp_states(&m, "at the end");
	if (opts.guest == NULL && m.status != EXIT_TIMEOUT)
		check_count(&m, &opts, m.status);
	irqchip_show(&vm);
	if (opts.stats)
		show_stats(&m);
	stats_print(stderr);

	for (unsigned i = 0; i < m.cpus; i++)
		vcpu_close(&m.cpu[i].vcpu);
	vm_close(&vm);
	pc_close(&m.pc);
	kvm_close(&kvm);
	return m.status;
}
