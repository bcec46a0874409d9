/* irqchip.h - chapter 11's stage, for the chapters after it: the PC's
 * interrupt controllers and timer inside KVM (KVM_CREATE_IRQCHIP,
 * KVM_CREATE_PIT2, before any vCPU), COM1's interrupt pin on IRQ4 through
 * KVM_IRQ_LINE_STATUS, SIGIO to bring the monitor back for input while a
 * vCPU sleeps in the kernel's HLT, and the chips' state read back at the
 * end. Chapter 11 writes each of these out. */
#ifndef KVM_STEPS_IRQCHIP_H
#define KVM_STEPS_IRQCHIP_H

#include "kvm.h"
#include "serial.h"

#include <stdbool.h>

/* The capabilities (dies with 69 if one is missing), then the PIC pair,
 * the IOAPIC and the PIT, with the kernel answering port 0x61 too. */
void irqchip_create(struct kvm_vm *vm);

/* COM1's interrupt pin, wired through MCR's OUT2 to GSI 4. */
struct com1_irq {
	struct kvm_vm *vm;
	bool level;               /* the level last given to KVM */
	unsigned long calls;      /* KVM_IRQ_LINE_STATUS calls */
	unsigned long masked;     /* rising edges no chip took (status -1) */
};

/* After an access to COM1 or new input: one call when the pin's level
 * changed, two when it fell and rose again inside one exit. */
void com1_irq_update(struct com1_irq *line, struct serial *com1);

/* SIGIO when standard input becomes readable sets run->immediate_exit
 * (and ends a KVM_RUN of the thread it is delivered to); standard input's
 * flags are put back at exit. */
void input_signal(struct kvm_run *run);

/* The master PIC (KVM_GET_IRQCHIP) and the PIT's counter 0
 * (KVM_GET_PIT2), a line each on stderr. */
void irqchip_show(struct kvm_vm *vm);

#endif
