/* Chapter 10: interrupts from user space: a PIC and a timer in the
 * monitor, KVM_INTERRUPT, and the interrupt window.
 *
 * The machine is chapter 09's (the PC's memory map, the ROM at the reset
 * vector, COM1 and the exit port), with no interrupt controller inside
 * KVM: this program plays the PC's 8259A PIC (common/pic.c) and 8254 PIT
 * (common/pit.c) itself, at their real ports, as QEMU did before KVM had
 * its own (seed 001: kvm_main_loop_cpu() calling process_irqchip_events()
 * when the irqchip is not in the kernel).
 *
 * The stage is the wire between the PIC and the CPU. Before each KVM_RUN
 * the monitor asks the PIC whether it has an interrupt for the CPU. If so,
 * and if the guest can take one now (struct kvm_run's
 * ready_for_interrupt_injection and if_flag, as KVM left them at the last
 * exit), the monitor does the CPU's interrupt-acknowledge cycle itself and
 * hands the vector to KVM_INTERRUPT; KVM delivers it on the next VM entry.
 * If the guest cannot take one (IF is 0, or an STI or MOV SS has just
 * run), the monitor sets request_interrupt_window and KVM comes back with
 * KVM_EXIT_IRQ_WINDOW_OPEN as soon as the guest can.
 *
 * Time: the PIT's counter 0 ticks on the host's clock. A guest busy in a
 * loop makes no exit, so a host timer signal kicks the vCPU out of
 * KVM_RUN when the next tick is due (immediate_exit closes the race with
 * a signal that comes just before KVM_RUN). A guest that runs HLT with
 * interrupts enabled is waiting for an interrupt: the monitor sleeps until
 * the next tick or the next byte of input, then injects. HLT with
 * interrupts disabled still ends the run.
 *
 * Standard output carries only what the guest prints on COM1; this
 * program's own lines go to standard error. */
#include "bus.h"
#include "guest_timer.h"
#include "io.h"
#include "kvm.h"
#include "options.h"
#include "pc.h"
#include "pic.h"
#include "pit.h"
#include "run.h"
#include "serial.h"
#include "util.h"
#include "x86.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* The machine: chapter 09's PC, and the two chips this chapter adds. */
struct machine {
	struct pc pc;
	struct pic pic;               /* IRQ0 from the PIT, IRQ4 from COM1 */
	struct pit pit;
	struct kvm_vcpu *vcpu;
	timer_t tick_timer;           /* kicks the vCPU when a tick is due */
	double tick_armed_for;        /* the edge it is armed for, or -1 */
	uint8_t checked[256 / 8];     /* vectors whose IVT entry was looked at */
	/* What --stats shows. */
	unsigned long injected[PIC_IRQS];
	unsigned long windows;        /* KVM_RUNs with request_interrupt_window */
	unsigned long window_exits;   /* KVM_EXIT_IRQ_WINDOW_OPEN */
	unsigned long halts;          /* HLTs with IF = 1: waits */
	unsigned long kicks;          /* KVM_RUNs ended by the tick signal */
	unsigned long ticks;          /* rising edges of the PIT's output */
	double waited;                /* seconds asleep in those waits */
};

// ANCHOR: kick
/* The tick signal's handler. If the vCPU is inside KVM_RUN, the signal
 * alone makes KVM return -EINTR (it checks for pending signals before
 * each entry and after each exit, and a signal interrupts the guest).
 * If the monitor is between two KVM_RUNs, immediate_exit makes the next
 * one return -EINTR at once instead of entering the guest, so a tick due
 * just before KVM_RUN is not missed until the next exit. */
static struct kvm_run *volatile kicked_run;

static void on_tick(int sig)
{
	(void)sig;
	if (kicked_run)
		kicked_run->immediate_exit = 1;
}

#define TICK_SIGNAL (SIGRTMIN + 0)

static void tick_timer_create(struct machine *m)
{
	struct sigevent ev = { .sigev_notify = SIGEV_SIGNAL };
	struct sigaction sa = { .sa_handler = on_tick };

	sigemptyset(&sa.sa_mask);
	if (sigaction(TICK_SIGNAL, &sa, NULL) < 0)
		die(EXIT_KVM_ERROR, "cannot set the tick signal's handler: %s", strerror(errno));
	ev.sigev_signo = TICK_SIGNAL;
	if (timer_create(CLOCK_MONOTONIC, &ev, &m->tick_timer) < 0)
		die(EXIT_KVM_ERROR, "cannot create the tick timer: %s", strerror(errno));
	kicked_run = m->vcpu->run;
	m->tick_armed_for = -1;
}

/* Arm the host timer for the PIT's next rising edge, on the same clock
 * the PIT counts with (stats_clock(): CLOCK_MONOTONIC), once per edge. */
static void tick_timer_arm(struct machine *m)
{
	double at = pit_next_edge(&m->pit);
	struct itimerspec when = { 0 };

	if (at == m->tick_armed_for)
		return;
	m->tick_armed_for = at;
	if (at >= 0) {
		when.it_value.tv_sec = (time_t)at;
		when.it_value.tv_nsec = (long)((at - (double)(time_t)at) * 1e9);
		if (when.it_value.tv_sec == 0 && when.it_value.tv_nsec == 0)
			when.it_value.tv_nsec = 1;
	}
	timer_settime(m->tick_timer, TIMER_ABSTIME, &when, NULL); /* 0: disarmed */
}
// ANCHOR_END: kick

/* The chips' ports, on chapter 07's bus beside COM1 and the exit port. */
static void add_chips(struct machine *m)
{
	struct bus *bus = &m->pc.io.bus;

	pic_init(&m->pic);
	pit_init(&m->pit, stats_clock());
	serial_by_interrupt(&m->pc.io.com1);
	bus_register(bus, BUS_PIO, &(struct bus_device){
		.name = "pic", .base = PIC_MASTER_BASE, .size = PIC_PORTS,
		.opaque = &m->pic, .read = pic_read, .write = pic_write });
	bus_register(bus, BUS_PIO, &(struct bus_device){
		.name = "pit", .base = PIT_BASE, .size = PIT_PORTS,
		.opaque = &m->pit, .read = pit_read, .write = pit_write });
}

/* COM1's interrupt pin reaches the PIC only with MCR's OUT2 set: on a PC
 * that output enables the driver between the UART and IRQ4. */
static bool com1_irq(const struct serial *com1)
{
	return serial_irq(com1) && (com1->mcr & UART_MCR_OUT2);
}

// ANCHOR: devices-update
/* Bring the devices up to now: the PIT's edges since the last look go to
 * IRQ0; a byte of input, if COM1 has room and one is there, raises IRQ4
 * (if the guest enabled that interrupt in IER and MCR's OUT2, which on a
 * PC connects the UART's interrupt pin to the PIC). Called before every
 * KVM_RUN and in every wait. */
static void devices_update(struct machine *m)
{
	struct serial *com1 = &m->pc.io.com1;
	uint64_t edges = pit_update(&m->pit, stats_clock());

	m->ticks += edges;
	for (uint64_t i = 0; i < edges; i++)
		pic_pulse(&m->pic, PIT_IRQ); /* edges past the first are lost in IRR */
	/* Twice: a byte the guest has just read lowers the line, and only a
	 * line seen low can make the rising edge of the next byte. */
	pic_set_irq(&m->pic, COM1_IRQ, com1_irq(com1));
	if (serial_take_input(com1))
		pic_set_irq(&m->pic, COM1_IRQ, com1_irq(com1));
}
// ANCHOR_END: devices-update

/* Before injecting a vector for the first time, look at its real-mode
 * IVT entry (segment:offset, 4 bytes at IDTR base + 4 * vector): an empty
 * entry or one past the IVT's limit is a guest bug the CPU will not name. */
static void check_vector(struct machine *m, uint8_t vector, unsigned irq)
{
	struct kvm_sregs sregs;
	uint64_t at;
	uint32_t entry;

	if (m->checked[vector / 8] & (1u << (vector % 8)))
		return;
	m->checked[vector / 8] |= (uint8_t)(1u << (vector % 8));
	vcpu_sregs_get(m->vcpu, &sregs);
	if (sregs.cr0 & X86_CR0_PE)
		return; /* an IDT of gates: the guest's own business */
	at = sregs.idt.base + 4u * vector;
	if (4u * vector + 3 > sregs.idt.limit) {
		warn("IRQ%u is vector 0x%02x, past the end of the guest's interrupt vector "
		     "table (IDTR limit 0x%x): the CPU cannot deliver it; program the PIC's "
		     "ICW2 with a vector inside the table", irq, vector, sregs.idt.limit);
		return;
	}
	if (at + 4 > PC_LOW_RAM_SIZE)
		return;
	memcpy(&entry, m->pc.regions[PC_SLOT_LOW_RAM].host + at, sizeof(entry));
	if (entry == 0)
		warn("IRQ%u is vector 0x%02x, whose entry in the interrupt vector table "
		     "(at 0x%llx) is 0000:0000: the guest has no handler there, and the "
		     "CPU will run whatever is at address 0", irq, vector,
		     (unsigned long long)at);
}

// ANCHOR: inject
/* The wire from the PIC to the CPU's INTR pin, before each KVM_RUN. */
static void offer_interrupt(struct machine *m)
{
	struct kvm_run *run = m->vcpu->run;
	unsigned irq;

	// LAB BEGIN: clear run->request_interrupt_window. If the PIC has an interrupt (pic_pending()) and the guest can take one (run->ready_for_interrupt_injection and run->if_flag both set), acknowledge it with pic_ack(), check_vector() it, count it in m->injected[irq] and hand the vector to KVM_INTERRUPT (kvm_ioctl_or_die()). If an interrupt is still pending after that, or was pending but could not be taken, set run->request_interrupt_window to 1 and count it in m->windows.
	run->request_interrupt_window = 0;
	if (!pic_pending(&m->pic, &irq))
		return;
	if (run->ready_for_interrupt_injection && run->if_flag) {
		/* The CPU's INTA cycle, done here: the PIC moves the IRQ from
		 * its IRR to its ISR and names the vector. */
		struct kvm_interrupt interrupt = { .irq = pic_ack(&m->pic) };

		check_vector(m, (uint8_t)interrupt.irq, irq);
		m->injected[irq]++;
		kvm_ioctl_or_die(m->vcpu->fd, KVM_INTERRUPT, &interrupt);
		if (!pic_pending(&m->pic, &irq))
			return;
		/* One more waits: it can go in once this one is delivered. */
	}
	run->request_interrupt_window = 1;
	m->windows++;
	// LAB END
	if (kvm_trace)
		fprintf(stderr, "trace: IRQ%u waits: the guest cannot take it (if_flag %u, "
			"ready_for_interrupt_injection %u): request_interrupt_window = 1\n",
			irq, run->if_flag, run->ready_for_interrupt_injection);
}
// ANCHOR_END: inject

/* A halted guest waits for an interrupt that can still come: a request
 * the PIC can deliver, or a source that can still make one (IRQ0 while
 * the PIT runs, IRQ4 while input may come), unmasked and above
 * everything in service. Else it would sleep forever: say why. */
static bool can_wake(struct machine *m)
{
	struct serial *com1 = &m->pc.io.com1;
	struct pic saved = m->pic;
	unsigned irq;
	bool yes;

	if (pit_next_edge(&m->pit) >= 0)
		saved.irr |= 1u << PIT_IRQ;
	if (serial_wants_input(com1) && (com1->ier & UART_IER_RDI) &&
	    (com1->mcr & UART_MCR_OUT2)) /* com1_irq() once a byte comes */
		saved.irr |= 1u << COM1_IRQ;
	yes = pic_pending(&saved, &irq);
	return yes;
}

static int sleeps_forever(struct machine *m)
{
	char isr[PIC_NAMES_SIZE], imr[PIC_NAMES_SIZE];

	serial_flush();
	warn("the guest halted with interrupts enabled, and no interrupt can wake it: "
	     "PIC %s, in service %s, masked %s, PIT counter 0 %s; it would sleep "
	     "forever: exit status %d",
	     m->pic.initialised ? "programmed" : "never programmed (ICW1-ICW4)",
	     pic_irq_names(m->pic.isr, isr, sizeof(isr)),
	     pic_irq_names(m->pic.imr, imr, sizeof(imr)),
	     pit_next_edge(&m->pit) >= 0 ? "running" : "stopped", EXIT_CRASHED);
	if (m->pic.isr)
		warn("an interrupt in service holds back every request of the same or "
		     "lower priority until the guest writes an EOI (0x20 to port 0x20)");
	return EXIT_CRASHED;
}

// ANCHOR: wait
/* HLT with IF = 1: the guest waits for an interrupt. Sleep until the
 * PIT's next edge or a byte of input, whichever comes first, until the
 * PIC has something to deliver. Returns false if the timeout ran out. */
static bool wait_for_interrupt(struct machine *m, int *status)
{
	struct serial *com1 = &m->pc.io.com1;
	struct kvm_run *run = m->vcpu->run;
	double began = stats_clock();
	unsigned irq;

	m->halts++;
	serial_flush(); /* what the guest printed is seen before it sleeps */
	for (;;) {
		struct pollfd in = { .fd = STDIN_FILENO, .events = POLLIN };
		double next = pit_next_edge(&m->pit), now;
		struct timespec wait, *forever = NULL;

		/* A tick that came while the monitor was here has done its job
		 * by waking it: the next KVM_RUN need not return at once. */
		run->immediate_exit = 0;
		devices_update(m);
		if (pic_pending(&m->pic, &irq))
			break;
		if (!can_wake(m)) {
			*status = sleeps_forever(m);
			return false;
		}
		now = stats_clock();
		if (next >= 0) {
			double left = next > now ? next - now : 0;

			wait.tv_sec = (time_t)left;
			wait.tv_nsec = (long)((left - (double)wait.tv_sec) * 1e9);
			forever = &wait;
		}
		/* A signal (the timeout's) ends the wait early; so does input. */
		if (ppoll(&in, serial_wants_input(com1) ? 1 : 0, forever, NULL) < 0 &&
		    errno != EINTR)
			die(EXIT_KVM_ERROR, "waiting for the next interrupt: ppoll: %s",
			    strerror(errno));
		if (timeout_expired()) {
			*status = -1;
			return false;
		}
	}
	m->waited += stats_clock() - began;
	return true;
}
// ANCHOR_END: wait

// ANCHOR: run-loop
static int run_guest(struct machine *m, const struct options *opts)
{
	struct kvm_vcpu *vcpu = m->vcpu;
	struct kvm_run *run = vcpu->run;
	int status;

	for (;;) {
		devices_update(m);
		offer_interrupt(m);
		tick_timer_arm(m);
		if (kvm_ioctl(vcpu->fd, KVM_RUN, NULL) < 0) {
			if (errno != EINTR && errno != EAGAIN)
				die(EXIT_KVM_ERROR, "KVM_RUN failed: %s", strerror(errno));
			run->immediate_exit = 0; /* kicked: look at the devices again */
			if (timeout_expired())
				return timeout_report(vcpu, opts->timeout);
			m->kicks++;
			continue;
		}

		switch (run->exit_reason) {
		case KVM_EXIT_IRQ_WINDOW_OPEN:
			m->window_exits++; /* the guest can take the interrupt now */
			break;
		case KVM_EXIT_HLT:
			if (!run->if_flag) {
				serial_flush();
				warn("the guest halted with interrupts disabled: exit status 0");
				return EXIT_HALTED;
			}
			if (!wait_for_interrupt(m, &status))
				return status < 0 ? timeout_report(vcpu, opts->timeout) : status;
			break;
		case KVM_EXIT_IO:
			if (io_handle(vcpu, &m->pc.io, &status)) {
				serial_flush();
				warn("the guest wrote %d to the exit port 0x%x: exit status %d",
				     status, EXIT_PORT, status);
				return status;
			}
			break;
		case KVM_EXIT_MMIO:
			pc_handle_mmio(&m->pc, vcpu);
			break;
		default:
			serial_flush();
			return vcpu_report_unhandled(vcpu);
		}
	}
}
// ANCHOR_END: run-loop

/* ---- what the program shows ------------------------------------------ */

static void show_chips(const struct machine *m)
{
	char isr[PIC_NAMES_SIZE], imr[PIC_NAMES_SIZE];
	double rate = pit_rate(&m->pit);

	if (!m->pic.initialised) {
		fprintf(stderr, "%s: PIC: never programmed; no interrupt was delivered\n",
			progname);
	} else {
		fprintf(stderr, "%s: PIC: vectors 0x%02x-0x%02x, masked %s, in service %s; "
			"delivered:", progname, m->pic.vector_base, m->pic.vector_base + 7,
			pic_irq_names(m->pic.imr, imr, sizeof(imr)),
			pic_irq_names(m->pic.isr, isr, sizeof(isr)));
		bool any = false;

		for (unsigned irq = 0; irq < PIC_IRQS; irq++)
			if (m->pic.delivered[irq]) {
				fprintf(stderr, " IRQ%u %lu", irq, m->pic.delivered[irq]);
				any = true;
			}
		fprintf(stderr, "%s\n", any ? "" : " nothing");
	}
	if (rate > 0)
		fprintf(stderr, "%s: PIT: counter 0 in mode %u, count %u: %.3f Hz\n", progname,
			m->pit.counter[0].mode, m->pit.counter[0].count, rate);
	else
		fprintf(stderr, "%s: PIT: counter 0 makes no periodic interrupt\n", progname);
}

static void show_stats(const struct machine *m)
{
	unsigned long all = 0;

	for (unsigned irq = 0; irq < PIC_IRQS; irq++)
		all += m->injected[irq];
	fprintf(stderr, "stats: KVM_INTERRUPT: %lu interrupts injected (IRQ0 %lu, IRQ4 %lu, "
		"others %lu)\n", all, m->injected[0], m->injected[4],
		all - m->injected[0] - m->injected[4]);
	fprintf(stderr, "stats: interrupt window: requested on %lu KVM_RUNs, "
		"KVM_EXIT_IRQ_WINDOW_OPEN %lu\n", m->windows, m->window_exits);
	fprintf(stderr, "stats: HLT with interrupts on: %lu waits, %.3f ms asleep; "
		"KVM_RUN kicked by the tick signal %lu times\n", m->halts, m->waited * 1e3,
		m->kicks);
	fprintf(stderr, "stats: PIT ticks %lu, of which lost in IRR (a tick came before "
		"the last was taken) %lu; COM1 bytes received %lu\n", m->ticks,
		m->pic.lost[PIT_IRQ], m->pc.io.com1.received);
}

int main(int argc, char **argv)
{
	static struct machine m; /* the screen and the tables: not on the stack */
	struct options opts;
	struct kvm_vcpu vcpu;
	struct kvm_vm vm;
	struct kvm kvm;
	int status;
	size_t size;

	prog_init(argv[0]);
	options_parse(&opts, argc, argv, OPT_GUEST | OPT_RUN,
		      "Chapter 10: interrupts from user space: a PIC, a timer, KVM_INTERRUPT.",
		      "is a ROM image of up to 64 KiB, placed to end at 4 GiB (and at 1 MiB) "
		      "as in chapter 09; the PIC is at ports 0x20-0x21, the PIT at "
		      "0x40-0x43 (IRQ0), COM1 at 0x3f8 raises IRQ4 for each byte of "
		      "standard input, OUT to port 0xf4 ends the run");
	if (opts.stats)
		stats_enable();
	if (opts.trace)
		setvbuf(stdout, NULL, _IONBF, 0);

	kvm_open(&kvm, opts.device);
	vm_create(&vm, &kvm);
	pc_init(&m.pc);
	pc_add_memory(&vm, &m.pc);
	size = pc_load_rom(&m.pc, opts.guest, guest_timer, sizeof(guest_timer));
	pc_add_devices(&m.pc);
	add_chips(&m);
	vcpu_create(&vcpu, &vm, 0);
	m.vcpu = m.pc.vcpu = &vcpu;
	tick_timer_create(&m);
	fprintf(stderr, "%s: no irqchip in the kernel: this program is the PIC (ports "
		"0x20-0x21) and the PIT (0x40-0x43); interrupts go in with KVM_INTERRUPT\n",
		progname);
	fprintf(stderr, "%s: running %s (%zu bytes, the ROM's last) from the reset vector; "
		"COM1 0x3f8 is stdin/stdout, port 0xf4 ends the run\n", progname,
		opts.guest ? opts.guest : "timer.asm", size);

	timeout_start(&vcpu, opts.timeout);
	status = run_guest(&m, &opts);
	serial_flush();
	timer_delete(m.tick_timer);
	kicked_run = NULL;
	show_chips(&m);
	if (opts.stats)
		show_stats(&m);
	stats_print(stderr);

	vcpu_close(&vcpu);
	vm_close(&vm);
	pc_close(&m.pc);
	kvm_close(&kvm);
	return status;
}
