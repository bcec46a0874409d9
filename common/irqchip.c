/* irqchip.c - see irqchip.h; chapter 11 explains each step. */
#include "irqchip.h"

#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void irqchip_create(struct kvm_vm *vm)
{
	static const struct { long cap; const char *name; } needed[] = {
		{ KVM_CAP_IRQCHIP, "KVM_CAP_IRQCHIP" },
		{ KVM_CAP_PIT2, "KVM_CAP_PIT2" },
		{ KVM_CAP_IRQ_INJECT_STATUS, "KVM_CAP_IRQ_INJECT_STATUS" },
	};
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };

	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		int have = kvm_ioctl(vm->fd, KVM_CHECK_EXTENSION, (void *)needed[i].cap);

		if (have <= 0)
			die(EXIT_NO_KVM, "this KVM lacks %s (it answers %d): the interrupt "
			    "controller cannot be in the kernel", needed[i].name, have);
	}
	kvm_ioctl_or_die(vm->fd, KVM_CREATE_IRQCHIP, NULL);
	kvm_ioctl_or_die(vm->fd, KVM_CREATE_PIT2, &pit);
}

static void com1_line(struct com1_irq *line, bool level)
{
	struct kvm_irq_level irq = { .irq = COM1_IRQ, .level = level };

	kvm_ioctl_or_die(line->vm->fd, KVM_IRQ_LINE_STATUS, &irq);
	line->level = level;
	line->calls++;
	if (level && irq.status < 0)
		line->masked++;   /* no chip took it: masked everywhere (chapter 11) */
}

void com1_irq_update(struct com1_irq *line, struct serial *com1)
{
	// LAB BEGIN 11: chapter 11's stage as the helper later chapters call: the pin is serial_irq(com1) gated by MCR's OUT2; if serial_irq_fell() says it fell and it is high now and was high, give KVM level 0 first; then, if the level differs from line->level, give KVM the new level (KVM_IRQ_LINE_STATUS on GSI 4; a rising edge no chip took, status below 0, counts in line->masked).
	bool level = serial_irq(com1) && (com1->mcr & UART_MCR_OUT2);

	if (serial_irq_fell(com1) && level && line->level)
		com1_line(line, false);
	if (level != line->level)
		com1_line(line, level);
	// LAB END
}

static struct kvm_run *volatile sigio_run;
static int stdin_flags = -1;

static void on_sigio(int sig)
{
	(void)sig;
	if (sigio_run)
		__atomic_store_n(&sigio_run->immediate_exit, 1, __ATOMIC_SEQ_CST);
}

static void stdin_restore(void)
{
	if (stdin_flags >= 0)
		fcntl(STDIN_FILENO, F_SETFL, stdin_flags);
}

void input_signal(struct kvm_run *run)
{
	struct sigaction sa = { .sa_handler = on_sigio };
	int flags = fcntl(STDIN_FILENO, F_GETFL);

	sigemptyset(&sa.sa_mask);
	sigaction(SIGIO, &sa, NULL);
	sigio_run = run;
	if (flags < 0 || fcntl(STDIN_FILENO, F_SETOWN, getpid()) < 0)
		return;
	if (fcntl(STDIN_FILENO, F_SETFL, flags | O_ASYNC) == 0) {
		stdin_flags = flags;
		atexit(stdin_restore);
	}
}

static const char *irq_names(unsigned bits, char *buf, size_t size)
{
	size_t at = 0;

	snprintf(buf, size, "none");
	for (unsigned irq = 0; irq < 8; irq++)
		if (bits & (1u << irq))
			at += (size_t)snprintf(buf + at, size - at, "%sIRQ%u", at ? " " : "", irq);
	return buf;
}

void irqchip_show(struct kvm_vm *vm)
{
	struct kvm_irqchip chip = { .chip_id = KVM_IRQCHIP_PIC_MASTER };
	struct kvm_pit_state2 pit;
	char imr[48], irr[48], isr[48];
	uint32_t count;

	kvm_ioctl_or_die(vm->fd, KVM_GET_IRQCHIP, &chip);
	fprintf(stderr, "%s: the kernel's PIC (KVM_GET_IRQCHIP, master): vectors "
		"0x%02x-0x%02x, masked %s, in service %s, requests %s\n", progname,
		chip.chip.pic.irq_base, chip.chip.pic.irq_base + 7,
		irq_names(chip.chip.pic.imr, imr, sizeof(imr)),
		irq_names(chip.chip.pic.isr, isr, sizeof(isr)),
		irq_names(chip.chip.pic.irr, irr, sizeof(irr)));
	kvm_ioctl_or_die(vm->fd, KVM_GET_PIT2, &pit);
	count = pit.channels[0].count ? pit.channels[0].count : 65536;
	if (pit.channels[0].mode > 5)
		fprintf(stderr, "%s: the kernel's PIT (KVM_GET_PIT2): counter 0 never "
			"programmed\n", progname);
	else
		fprintf(stderr, "%s: the kernel's PIT (KVM_GET_PIT2): counter 0 in mode %u, "
			"count %u: %.3f Hz\n", progname, pit.channels[0].mode, count,
			1193182.0 / count);
}
