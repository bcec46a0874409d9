/* pic.h - the PC's interrupt controller, an Intel 8259A, played by the
 * monitor (chapter 10). Chapter 11 hands the same job to KVM's own copy
 * (arch/x86/kvm/i8259.c); the guest cannot tell them apart.
 *
 * A PC has two 8259As, the master at ports 0x20-0x21 and a slave wired to
 * the master's input 2; this machine has the master only, so IRQ 0-7 and
 * no cascade. What the chip does, in the order a guest meets it:
 *
 *   Initialisation: a write to port 0x20 with bit 4 set is ICW1 (bit 0:
 *   ICW4 follows; bit 1: single, no ICW3; bit 3: level-triggered, which
 *   this model refuses to pretend and reports). Then port 0x21 takes ICW2
 *   (the vector of IRQ0: bits 7-3, so a multiple of 8), ICW3 unless
 *   single, and ICW4 if asked (bit 0: 8086 mode; bit 1: automatic EOI).
 *   Initialisation clears the mask and everything in service.
 *   OCW1: after that, a write to 0x21 is the mask (IMR): bit n set, IRQ n
 *   is not delivered. A read of 0x21 gives it back.
 *   OCW2: a write to 0x20 with bits 4-3 = 00. 0x20 is the non-specific
 *   EOI (the highest-priority IRQ in service is done), 0x60 + n the
 *   specific EOI of IRQ n, 0xa0 and 0xe0 + n the same with rotation (the
 *   IRQ just finished becomes the lowest priority), 0xc0 + n sets the
 *   lowest priority to IRQ n without an EOI.
 *   OCW3: a write to 0x20 with bits 4-3 = 01. 0x0a makes the next reads of
 *   0x20 give the IRR, 0x0b the ISR.
 *
 *   IRR, the requests: bit n is set on a rising edge of input n (this
 *   model is edge-triggered, as a PC's BIOS programs it). ISR, in service:
 *   when the CPU takes the interrupt, the highest-priority request moves
 *   from IRR to ISR, and stays there until the guest's EOI. Meanwhile a
 *   request of the same or lower priority is held back (fully nested
 *   mode), so a guest that never sends EOI gets one interrupt of each kind
 *   and no more.
 *
 * The chip's output, INTR, is what pic_pending() computes; pic_ack() is
 * the CPU's INTA cycle, which the monitor does for the CPU just before it
 * hands the vector to KVM_INTERRUPT. One thread uses it. */
#ifndef KVM_STEPS_PIC_H
#define KVM_STEPS_PIC_H

#include <stdbool.h>
#include <stdint.h>

#define PIC_MASTER_BASE 0x20    /* command port; data port at 0x21 */
#define PIC_PORTS 2
#define PIC_IRQS 8

#define PIC_ICW1       0x10     /* port 0x20, bit 4: the start of initialisation */
#define PIC_ICW1_ICW4  0x01     /*   ICW4 follows */
#define PIC_ICW1_SINGLE 0x02    /*   no slave: ICW3 does not follow */
#define PIC_ICW1_LEVEL 0x08     /*   level-triggered inputs */
#define PIC_ICW4_8086  0x01     /* 8086 mode: ICW2 is the vector of IRQ0 */
#define PIC_ICW4_AEOI  0x02     /* automatic EOI: nothing stays in service */
#define PIC_OCW3       0x08     /* port 0x20, bits 4-3 = 01: OCW3 */
#define PIC_OCW3_READ_IRR 0x0a  /* the next read of 0x20 gives IRR */
#define PIC_OCW3_READ_ISR 0x0b  /* ... or ISR */
#define PIC_EOI        0x20     /* OCW2: non-specific EOI */
#define PIC_EOI_SPECIFIC 0x60   /* OCW2: specific EOI, + the IRQ */

enum pic_init_step { PIC_READY, PIC_WANT_ICW2, PIC_WANT_ICW3, PIC_WANT_ICW4 };

struct pic {
	uint8_t irr;          /* requests waiting */
	uint8_t isr;          /* in service: taken by the CPU, no EOI yet */
	uint8_t imr;          /* masked: 1 = not delivered */
	uint8_t lines;        /* the inputs' levels, for edge detection */
	uint8_t vector_base;  /* ICW2: the vector of IRQ0 */
	uint8_t lowest;       /* the IRQ with the lowest priority (7 after init) */
	enum pic_init_step step;
	uint8_t icw1;
	bool auto_eoi;        /* ICW4 bit 1 */
	bool read_isr;        /* OCW3: port 0x20 reads ISR instead of IRR */
	bool initialised;     /* ICW1..ICW4 done at least once */
	/* What the monitor shows at the end: the guest's use of the chip. */
	unsigned long raised[PIC_IRQS];    /* rising edges seen per input */
	unsigned long lost[PIC_IRQS];      /* edges that found IRR set already */
	unsigned long delivered[PIC_IRQS]; /* taken by the CPU (pic_ack()) */
	unsigned long eois;
	unsigned long spurious_eois;       /* EOI with nothing in service */
	unsigned reports;                  /* lines about misuse, at most a few */
};

/* Power-on: not initialised, everything masked, no vector. A guest must
 * program the chip before any IRQ reaches the CPU. */
void pic_init(struct pic *pic);

/* The bus's read and write (bus.h) for ports 0x20-0x21, one byte each. */
uint64_t pic_read(void *pic, uint64_t offset, unsigned size);
void pic_write(void *pic, uint64_t offset, unsigned size, uint64_t value);

/* A device drives input irq to level (true: high). A rising edge sets the
 * request bit. pic_pulse() is a rising edge and the fall after it, as the
 * PIT's output makes once a period. */
void pic_set_irq(struct pic *pic, unsigned irq, bool level);
void pic_pulse(struct pic *pic, unsigned irq);

/* INTR: is there a request, not masked, of higher priority than anything
 * in service? Then *irq is it. */
bool pic_pending(const struct pic *pic, unsigned *irq);

/* INTA: the CPU takes the interrupt pic_pending() named. Moves it from
 * IRR to ISR (not with automatic EOI) and returns its vector. */
uint8_t pic_ack(struct pic *pic);

/* The IRQs whose bits are set, as "IRQ0 IRQ4", or "none"; buf holds at
 * least PIC_NAMES_SIZE bytes. */
#define PIC_NAMES_SIZE 40
const char *pic_irq_names(uint8_t bits, char *buf, unsigned size);

#endif
