/* Chapter 11: the interrupt controller moves into the kernel:
 * KVM_CREATE_IRQCHIP, the PIT, KVM_IRQ_LINE, irqfd, and an
 * interrupt-driven UART.
 *
 * The machine is chapter 10's, but the PIC and the PIT are no longer this
 * program's: KVM_CREATE_IRQCHIP gives the VM the PC's two 8259As and an
 * IOAPIC inside the kernel (arch/x86/kvm/i8259.c, ioapic.c) and each vCPU
 * a local APIC (lapic.c); KVM_CREATE_PIT2 adds the 8254 (i8254.c). Their
 * ports are registered on the kernel's KVM_PIO_BUS, so the guest's OUTs
 * to 0x20 or 0x43 never leave the kernel; the PIT ticks on a kernel
 * hrtimer; HLT sleeps in the kernel until an interrupt comes. The guest
 * programs them exactly as in chapter 10 and cannot tell the difference.
 *
 * What stays in user space is COM1, now a 16550A that raises its
 * interrupts as the chip does (common/serial.c): the monitor computes the
 * UART's interrupt pin after each access and drives IRQ4 with
 * KVM_IRQ_LINE_STATUS when it changes. And one device needs no user
 * space at all: a doorbell whose write the kernel turns into an eventfd
 * signal (KVM_IOEVENTFD, chapter 09) and whose completion interrupt the
 * kernel raises when that eventfd is signalled (KVM_IRQFD): one eventfd,
 * both ends in the kernel.
 *
 * Standard output carries only what the guest prints on COM1; this
 * program's own lines go to standard error. */
#include "bus.h"
#include "guest_uart.h"
#include "io.h"
#include "kvm.h"
#include "options.h"
#include "pc.h"
#include "run.h"
#include "serial.h"
#include "util.h"
#include "virtio_mmio.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define PIC_IRQ_BASE_NONE 0xff  /* not read yet */
#define DOORBELL_GSI 5          /* the completion's line: IRQ5 */
#define PIT_IRQ 0
#define KVM_DEFAULT_GSIS 24     /* the default routing: IOAPIC pins 0-23 */
#define BAD_LINE 99             /* --break bad-line */

enum breakage { BREAK_NONE, BREAK_LATE_IRQCHIP, BREAK_BAD_LINE };

struct machine {
	struct pc pc;
	struct virtio_mmio doorbell;
	struct kvm_vm *vm;
	struct kvm_vcpu *vcpu;
	int eventfd;                 /* the doorbell's: ioeventfd and irqfd */
	bool com1_line;              /* the level IRQ4 was last given */
	unsigned long line_calls;    /* KVM_IRQ_LINE_STATUS calls */
	unsigned long line_raised;   /* ...that raised the line */
	unsigned long line_coalesced; /* ...whose rising edge found IRR set */
	double started;              /* when the first KVM_RUN began */
};

static enum breakage parse_breakage(const char *name)
{
	if (name == NULL)
		return BREAK_NONE;
	if (strcmp(name, "late-irqchip") == 0)
		return BREAK_LATE_IRQCHIP;
	if (strcmp(name, "bad-line") == 0)
		return BREAK_BAD_LINE;
	die(EXIT_USAGE, "--break: unknown part '%s': give late-irqchip or bad-line "
	    "(see %s --help)", name, progname);
}

// ANCHOR: capabilities
/* What this chapter asks of KVM. All are x86 KVM's since Linux 2.6.x;
 * asked anyway, as a monitor must, on the VM fd. */
static void check_capabilities(struct kvm_vm *vm)
{
	static const struct { long cap; const char *name, *what; } needed[] = {
		{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP", "an interrupt controller in the kernel" },
		{ KVM_CAP_PIT2, "KVM_CAP_PIT2", "a PIT in the kernel" },
		{ KVM_CAP_IRQ_INJECT_STATUS, "KVM_CAP_IRQ_INJECT_STATUS",
		  "KVM_IRQ_LINE_STATUS" },
		{ KVM_CAP_IRQFD, "KVM_CAP_IRQFD", "irqfd" },
		{ KVM_CAP_IOEVENTFD, "KVM_CAP_IOEVENTFD", "ioeventfd" },
	};

	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		int have = kvm_ioctl(vm->fd, KVM_CHECK_EXTENSION, (void *)needed[i].cap);

		if (have <= 0)
			die(EXIT_NO_KVM, "this KVM has no %s (%s is %d): chapter 11 needs it; "
			    "chapter 10 runs the same guest with the chips in user space",
			    needed[i].what, needed[i].name, have);
	}
}
// ANCHOR_END: capabilities

// ANCHOR: create-irqchip
/* The chips, before any vCPU: KVM_CREATE_IRQCHIP makes the PIC pair and
 * the IOAPIC and sets up the default routing (GSI n: PIC input n for n
 * below 16, IOAPIC pin n for n below 24), and each vCPU created after it
 * gets a local APIC. After a vCPU exists KVM refuses with EINVAL: that
 * vCPU was made without a local APIC. KVM_CREATE_PIT2 needs the PIC;
 * KVM_PIT_SPEAKER_DUMMY has the kernel answer port 0x61 (the speaker and
 * counter 2's gate) too, as QEMU asks. */
static void create_irqchip(struct kvm_vm *vm, bool after_vcpu)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };

	// LAB BEGIN: ask the VM fd for KVM_CREATE_IRQCHIP, which takes no argument (kvm_ioctl(vm->fd, KVM_CREATE_IRQCHIP, NULL)). If it fails, die with EXIT_KVM_ERROR: "KVM_CREATE_IRQCHIP failed: " and strerror(errno), followed, when after_vcpu is set and errno is EINVAL, by ": a vCPU exists already; the irqchip must come first, so that each vCPU is made with its local APIC". Then make the PIT with KVM_CREATE_PIT2 and pit (kvm_ioctl_or_die()).
	if (kvm_ioctl(vm->fd, KVM_CREATE_IRQCHIP, NULL) < 0)
		die(EXIT_KVM_ERROR, "KVM_CREATE_IRQCHIP failed: %s%s", strerror(errno),
		    after_vcpu && errno == EINVAL ? ": a vCPU exists already; the irqchip "
		    "must come first, so that each vCPU is made with its local APIC" : "");
	kvm_ioctl_or_die(vm->fd, KVM_CREATE_PIT2, &pit);
	// LAB END
}
// ANCHOR_END: create-irqchip

// ANCHOR: irq-line
/* One call: GSI 4 (the kernel's PIC input 4 and IOAPIC pin 4) to level.
 * The status KVM_IRQ_LINE_STATUS gives back, in the same union as irq: 1
 * or more, the chips took it; 0, the request was already pending (an
 * edge the PIC could not count) or is masked; -1, no chip has that line. */
static void com1_line(struct machine *m, bool level)
{
	struct kvm_irq_level line = { .irq = COM1_IRQ, .level = level };

	// LAB BEGIN: hand line to KVM_IRQ_LINE_STATUS on the VM fd (kvm_ioctl_or_die()) and keep level in m->com1_line. Count the call in m->line_calls; when level is 1, count it in m->line_raised too, and in m->line_coalesced if the status KVM gave back in line.status is 0. A negative status: die with EXIT_KVM_ERROR, "KVM_IRQ_LINE_STATUS for IRQ4: status N: no interrupt controller has that line".
	kvm_ioctl_or_die(m->vm->fd, KVM_IRQ_LINE_STATUS, &line);
	m->com1_line = level;
	m->line_calls++;
	if (level) {
		m->line_raised++;
		if (line.status == 0)
			m->line_coalesced++;
	}
	if (line.status < 0)
		die(EXIT_KVM_ERROR, "KVM_IRQ_LINE_STATUS for IRQ%d: status %d: no "
		    "interrupt controller has that line", COM1_IRQ, line.status);
	// LAB END
}

/* COM1's interrupt pin, wired as chapter 10 wires it (through MCR's
 * OUT2), after each exit: a call only when the level changed, or two
 * when the pin fell and rose again inside the exit (a THR write), so
 * the PIC, which counts rising edges, sees this one. */
static void com1_update(struct machine *m)
{
	struct serial *com1 = &m->pc.io.com1;

	// LAB BEGIN: the level of IRQ4 is the UART's pin (serial_irq(com1)) gated by MCR's OUT2 (com1->mcr & UART_MCR_OUT2). Ask serial_irq_fell(com1) every time (the asking clears it): if the pin fell during the exit while the level is 1 and the line is high (m->com1_line), lower the line first with com1_line(m, false), so that the PIC, which counts rising edges, sees this one. Then, if the level differs from m->com1_line, com1_line(m, level).
	bool level = serial_irq(com1) && (com1->mcr & UART_MCR_OUT2);

	if (serial_irq_fell(com1) && level && m->com1_line)
		com1_line(m, false);
	if (level != m->com1_line)
		com1_line(m, level);
	// LAB END
}
// ANCHOR_END: irq-line

/* --break bad-line: a line past the default routing's 24. KVM takes the
 * call (the ioctl returns 0) and says in status that nobody got it. */
static void raise_bad_line(struct machine *m)
{
	struct kvm_irq_level line = { .irq = BAD_LINE, .level = 1 };

	kvm_ioctl_or_die(m->vm->fd, KVM_IRQ_LINE_STATUS, &line);
	die(EXIT_KVM_ERROR, "KVM_IRQ_LINE_STATUS for line %d: status %d: no interrupt "
	    "controller has that line (the default routing has GSIs 0-%d); KVM "
	    "returned 0, and only the status says it went nowhere", BAD_LINE,
	    line.status, KVM_DEFAULT_GSIS - 1);
}

// ANCHOR: irqfd
/* The doorbell and its completion, on one eventfd. KVM_IOEVENTFD (chapter
 * 09): a 4-byte write to QueueNotify adds 1 to the eventfd. KVM_IRQFD:
 * when the eventfd is signalled, the kernel reads it back to 0 and pulses
 * GSI 5 (raise, then lower: an edge for the PIC). The guest rings, and
 * IRQ5 answers, without an exit or a line of this program in between. A
 * real device puts a thread or the kernel's vhost between the two; this
 * one is the shortest possible device. */
static void setup_doorbell(struct machine *m)
{
	// LAB BEGIN: make m->eventfd with eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK) (if it fails, die with EXIT_KVM_ERROR, "eventfd() for the doorbell failed: " and strerror(errno)) and name it for --trace with kvm_fd_role(m->eventfd, "eventfd"). Give it to KVM twice, on the VM fd (kvm_ioctl_or_die()): KVM_IOEVENTFD with a struct kvm_ioeventfd for 4-byte writes to VIRTIO_MMIO_BASE + VIRTIO_MMIO_QUEUE_NOTIFY, and KVM_IRQFD with a struct kvm_irqfd for GSI DOORBELL_GSI.
	struct kvm_ioeventfd notify = {
		.addr = VIRTIO_MMIO_BASE + VIRTIO_MMIO_QUEUE_NOTIFY,
		.len = 4,
	};
	struct kvm_irqfd irqfd = { .gsi = DOORBELL_GSI };

	m->eventfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (m->eventfd < 0)
		die(EXIT_KVM_ERROR, "eventfd() for the doorbell failed: %s", strerror(errno));
	kvm_fd_role(m->eventfd, "eventfd");
	notify.fd = m->eventfd;
	kvm_ioctl_or_die(m->vm->fd, KVM_IOEVENTFD, &notify);
	irqfd.fd = (uint32_t)m->eventfd;
	kvm_ioctl_or_die(m->vm->fd, KVM_IRQFD, &irqfd);
	// LAB END
}
// ANCHOR_END: irqfd

// ANCHOR: sigio
/* Input while the vCPU sleeps in the kernel's HLT: nothing would bring
 * the monitor back to take it. With O_ASYNC, the kernel sends SIGIO when
 * standard input becomes readable, which ends KVM_RUN (-EINTR); the
 * handler sets immediate_exit for the case the monitor was between two
 * KVM_RUNs. Standard input that is a file, or /dev/null, sends no SIGIO,
 * but is always ready: it is taken before every KVM_RUN. */
static struct kvm_run *volatile sigio_run;
static int stdin_flags = -1;

static void on_sigio(int sig)
{
	(void)sig;
	if (sigio_run)
		sigio_run->immediate_exit = 1;
}

static void stdin_restore(void)
{
	if (stdin_flags >= 0)
		fcntl(STDIN_FILENO, F_SETFL, stdin_flags);
}

static void input_signal(struct kvm_vcpu *vcpu)
{
	struct sigaction sa = { .sa_handler = on_sigio };
	int flags = fcntl(STDIN_FILENO, F_GETFL);

	sigemptyset(&sa.sa_mask);
	sigaction(SIGIO, &sa, NULL);
	sigio_run = vcpu->run;
	if (flags < 0 || fcntl(STDIN_FILENO, F_SETOWN, getpid()) < 0)
		return;
	if (fcntl(STDIN_FILENO, F_SETFL, flags | O_ASYNC) == 0) {
		stdin_flags = flags;   /* put back at exit: the file is shared */
		atexit(stdin_restore);
	}
}
// ANCHOR_END: sigio

/* The timeout, with what the kernel's chips know: a vCPU halted in the
 * kernel (KVM_GET_MP_STATE) is a guest waiting for an interrupt. */
static int timed_out(struct machine *m, double seconds)
{
	struct kvm_mp_state mp;
	struct kvm_regs regs;

	int status = timeout_report(m->vcpu, seconds);

	if (kvm_ioctl(m->vcpu->fd, KVM_GET_MP_STATE, &mp) == 0 &&
	    mp.mp_state == KVM_MP_STATE_HALTED) {
		vcpu_regs_get(m->vcpu, &regs);
		warn("the vCPU is asleep in the kernel's HLT (KVM_GET_MP_STATE: "
		     "KVM_MP_STATE_HALTED)%s: with the irqchip in the kernel, HLT never "
		     "comes back to user space; end the run through the exit port",
		     regs.rflags & 0x200 ? ", waiting for an interrupt that never came"
		     : " with interrupts disabled, so nothing can wake it");
	}
	return status;
}

// ANCHOR: run-loop
static int run_guest(struct machine *m, const struct options *opts)
{
	struct kvm_vcpu *vcpu = m->vcpu;
	struct kvm_run *run = vcpu->run;
	int status;

	for (;;) {
		/* The one device left in user space, brought up to date. */
		serial_take_input(&m->pc.io.com1);
		com1_update(m);
		if (m->started == 0)
			m->started = stats_clock();
		if (kvm_ioctl(vcpu->fd, KVM_RUN, NULL) < 0) {
			if (errno != EINTR && errno != EAGAIN)
				die(EXIT_KVM_ERROR, "KVM_RUN failed: %s", strerror(errno));
			run->immediate_exit = 0;
			if (timeout_expired())
				return timed_out(m, opts->timeout);
			continue; /* SIGIO: input came */
		}

		switch (run->exit_reason) {
		case KVM_EXIT_IO:
			if (io_handle(vcpu, &m->pc.io, &status)) {
				serial_flush();
				warn("the guest wrote %d to the exit port 0x%x: exit status %d",
				     status, EXIT_PORT, status);
				return status;
			}
			break; /* com1_update() follows, before the next entry */
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

static const char *irq_names(unsigned bits, char *buf, size_t size)
{
	size_t at = 0;

	buf[0] = '\0';
	for (unsigned irq = 0; irq < 8; irq++)
		if (bits & (1u << irq))
			at += (size_t)snprintf(buf + at, size - at, "%sIRQ%u", at ? " " : "", irq);
	if (at == 0)
		snprintf(buf, size, "none");
	return buf;
}

// ANCHOR: get-irqchip
/* The kernel's chips, read back: KVM_GET_IRQCHIP for the master PIC
 * (struct kvm_pic_state, what i8259.c keeps for each 8259A) and
 * KVM_GET_PIT2 for the PIT's counter 0. */
static void show_chips(struct machine *m)
{
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_PIC_MASTER };
	struct kvm_pit_state2 pit;
	char imr[48], irr[48], isr[48];

	kvm_ioctl_or_die(m->vm->fd, KVM_GET_IRQCHIP, &chip);
	fprintf(stderr, "%s: the kernel's PIC (KVM_GET_IRQCHIP, master): vectors "
		"0x%02x-0x%02x, masked %s, in service %s, requests %s, %s-triggered\n",
		progname, chip.chip.pic.irq_base, chip.chip.pic.irq_base + 7,
		irq_names(chip.chip.pic.imr, imr, sizeof(imr)),
		irq_names(chip.chip.pic.isr, isr, sizeof(isr)),
		irq_names(chip.chip.pic.irr, irr, sizeof(irr)),
		chip.chip.pic.elcr ? "some level" : "edge");
	kvm_ioctl_or_die(m->vm->fd, KVM_GET_PIT2, &pit);
	if (pit.channels[0].mode > 5) { /* i8254.c's kvm_pit_reset() leaves 0xff */
		fprintf(stderr, "%s: the kernel's PIT (KVM_GET_PIT2): counter 0 never "
			"programmed (mode 0x%x, the kernel's reset value): no ticks\n",
			progname, pit.channels[0].mode);
		return;
	}
	fprintf(stderr, "%s: the kernel's PIT (KVM_GET_PIT2): counter 0 in mode %u, "
		"count %u: %.3f Hz\n", progname, pit.channels[0].mode,
		pit.channels[0].count ? pit.channels[0].count : 65536,
		1193182.0 / (pit.channels[0].count ? pit.channels[0].count : 65536));
}
// ANCHOR_END: get-irqchip

static void show_stats(const struct machine *m, double seconds, double rate)
{
	double ticks = seconds * rate;

	fprintf(stderr, "stats: KVM_IRQ_LINE_STATUS for IRQ4: %lu calls, %lu rising edges, "
		"%lu of them found the request pending already\n", m->line_calls,
		m->line_raised, m->line_coalesced);
	fprintf(stderr, "stats: the PIT ticked about %.0f times in %.3f s, none of them an "
		"exit; KVM_EXIT_HLT never comes (HLT sleeps in the kernel)\n", ticks, seconds);
	fprintf(stderr, "stats: COM1 bytes received %lu\n", m->pc.io.com1.received);
}

int main(int argc, char **argv)
{
	static struct machine m; /* the screen: not on the stack */
	struct kvm_pit_state2 pit;
	struct options opts;
	struct kvm_vcpu vcpu;
	struct kvm_vm vm;
	struct kvm kvm;
	enum breakage brk;
	double seconds;
	int status;
	size_t size;

	prog_init(argv[0]);
	options_parse(&opts, argc, argv, OPT_GUEST | OPT_RUN | OPT_IRQCHIP,
		      "Chapter 11: the irqchip in the kernel, KVM_IRQ_LINE, irqfd, a UART.",
		      "is a ROM image of up to 64 KiB, placed to end at 4 GiB (and at 1 MiB) "
		      "as in chapter 09; the kernel's PIC is at ports 0x20-0x21 and 0xa0-0xa1, "
		      "its PIT at 0x40-0x43 (IRQ0); COM1 at 0x3f8 raises IRQ4 for received data "
		      "and an empty transmitter; a 4-byte write to 0xd0050 is answered on "
		      "IRQ5; OUT to port 0xf4 ends the run (HLT does not: it waits in the kernel)");
	brk = parse_breakage(opts.breaks);
	if (opts.stats)
		stats_enable();
	if (opts.trace)
		setvbuf(stdout, NULL, _IONBF, 0);
	m.eventfd = -1;

	kvm_open(&kvm, opts.device);
	vm_create(&vm, &kvm);
	m.vm = &vm;
	check_capabilities(&vm);
	if (brk == BREAK_LATE_IRQCHIP)
		vcpu_create(&vcpu, &vm, 0);
	create_irqchip(&vm, brk == BREAK_LATE_IRQCHIP);
	pc_init(&m.pc);
	pc_add_memory(&vm, &m.pc);
	size = pc_load_rom(&m.pc, opts.guest, guest_uart, sizeof(guest_uart));
	pc_add_devices(&m.pc);
	virtio_mmio_init(&m.doorbell);
	bus_register(&m.pc.io.bus, BUS_MMIO, &(struct bus_device){
		.name = "virtio-mmio", .base = VIRTIO_MMIO_BASE, .size = VIRTIO_MMIO_WINDOW,
		.opaque = &m.doorbell, .read = virtio_mmio_read, .write = virtio_mmio_write });
	serial_by_interrupt(&m.pc.io.com1);
	setup_doorbell(&m);
	vcpu_create(&vcpu, &vm, 0);
	m.vcpu = m.pc.vcpu = &vcpu;
	if (brk == BREAK_BAD_LINE)
		raise_bad_line(&m);
	input_signal(&vcpu);
	fprintf(stderr, "%s: the irqchip is in the kernel: PIC, IOAPIC and a local APIC "
		"(KVM_CREATE_IRQCHIP), the PIT (KVM_CREATE_PIT2); COM1 drives IRQ4 with "
		"KVM_IRQ_LINE_STATUS; the doorbell at 0x%x is an ioeventfd, its IRQ%d an "
		"irqfd\n", progname, VIRTIO_MMIO_BASE + VIRTIO_MMIO_QUEUE_NOTIFY, DOORBELL_GSI);
	fprintf(stderr, "%s: running %s (%zu bytes, the ROM's last) from the reset vector; "
		"COM1 0x3f8 is stdin/stdout, port 0xf4 ends the run\n", progname,
		opts.guest ? opts.guest : "uart.asm", size);

	timeout_start(&vcpu, opts.timeout);
	status = run_guest(&m, &opts);
	seconds = stats_clock() - m.started;
	serial_flush();
	sigio_run = NULL;
	show_chips(&m);
	if (opts.stats) {
		kvm_ioctl_or_die(vm.fd, KVM_GET_PIT2, &pit);
		show_stats(&m, seconds, pit.channels[0].mode > 5 ? 0 : /* never programmed */
			   pit.channels[0].count ? 1193182.0 / pit.channels[0].count
			   : 1193182.0 / 65536);
	}
	stats_print(stderr);

	kvm_fd_close(m.eventfd);
	vcpu_close(&vcpu);
	vm_close(&vm);
	pc_close(&m.pc);
	kvm_close(&kvm);
	return status;
}
