/* pic.c - see pic.h; chapter 10 explains it. */
#include "pic.h"

#include "util.h"

#include <stdio.h>
#include <string.h>

#define PIC_MISUSE_REPORTS 5

void pic_init(struct pic *pic)
{
	memset(pic, 0, sizeof(*pic));
	pic->imr = 0xff;
	pic->lowest = 7;
}

static void misuse(struct pic *pic, const char *what)
{
	if (pic->reports++ < PIC_MISUSE_REPORTS)
		warn("8259A PIC: %s", what);
}

/* The n-th IRQ in priority order: 0 is the highest. */
static unsigned by_priority(const struct pic *pic, unsigned n)
{
	return (pic->lowest + 1 + n) % PIC_IRQS;
}

/* The highest-priority IRQ whose bit is set in bits, or PIC_IRQS. */
static unsigned highest(const struct pic *pic, uint8_t bits)
{
	for (unsigned n = 0; n < PIC_IRQS; n++)
		if (bits & (1u << by_priority(pic, n)))
			return by_priority(pic, n);
	return PIC_IRQS;
}

// ANCHOR: pending
bool pic_pending(const struct pic *pic, unsigned *irq)
{
	uint8_t requests = pic->irr & (uint8_t)~pic->imr;
	unsigned want, busy;

	if (!pic->initialised || requests == 0)
		return false;
	want = highest(pic, requests);
	busy = highest(pic, pic->isr);
	/* Fully nested: only a request of higher priority than everything
	 * in service interrupts it. Positions count from the highest. */
	for (unsigned n = 0; n < PIC_IRQS; n++) {
		unsigned at = by_priority(pic, n);

		if (at == busy)
			return false;
		if (at == want) {
			*irq = want;
			return true;
		}
	}
	return false;
}

uint8_t pic_ack(struct pic *pic)
{
	unsigned irq;

	if (!pic_pending(pic, &irq)) {
		/* What the chip does when the request went away before INTA:
		 * the vector of IRQ7, with nothing put in service. */
		return (uint8_t)(pic->vector_base + 7);
	}
	pic->irr &= (uint8_t)~(1u << irq);
	if (!pic->auto_eoi)
		pic->isr |= (uint8_t)(1u << irq);
	pic->delivered[irq]++;
	return (uint8_t)(pic->vector_base + irq);
}
// ANCHOR_END: pending

// ANCHOR: set-irq
void pic_set_irq(struct pic *pic, unsigned irq, bool level)
{
	uint8_t bit = (uint8_t)(1u << (irq % PIC_IRQS));

	if (level && !(pic->lines & bit)) {   /* a rising edge */
		pic->raised[irq % PIC_IRQS]++;
		if (pic->irr & bit)
			pic->lost[irq % PIC_IRQS]++;  /* IRR holds one request, not a count */
		pic->irr |= bit;
	}
	if (level)
		pic->lines |= bit;
	else
		pic->lines &= (uint8_t)~bit;
}
// ANCHOR_END: set-irq

void pic_pulse(struct pic *pic, unsigned irq)
{
	pic_set_irq(pic, irq, true);
	pic_set_irq(pic, irq, false);
}

static void end_of_interrupt(struct pic *pic, uint8_t ocw2)
{
	unsigned irq;
	bool rotate = ocw2 & 0x80, specific = ocw2 & 0x40, eoi = ocw2 & 0x20;

	if (!eoi) {
		if (rotate && specific)          /* 0xc0 + n: set priority */
			pic->lowest = ocw2 & 7;
		else if (specific)
			misuse(pic, "OCW2 0x40-0x47 (no operation) written to port 0x20");
		/* 0x80 and 0x00: rotation in automatic-EOI mode, on and off;
		 * this model rotates only on an EOI. */
		return;
	}
	irq = specific ? (ocw2 & 7u) : highest(pic, pic->isr);
	if (irq == PIC_IRQS || !(pic->isr & (1u << irq))) {
		pic->spurious_eois++;
		return;                          /* nothing of that in service */
	}
	pic->isr &= (uint8_t)~(1u << irq);
	pic->eois++;
	if (rotate)
		pic->lowest = (uint8_t)irq;
}

// ANCHOR: ports
void pic_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	struct pic *pic = opaque;
	uint8_t v = (uint8_t)value;

	(void)size;
	if (offset == 0 && (v & PIC_ICW1)) {         /* ICW1: start again */
		if (v & PIC_ICW1_LEVEL)
			misuse(pic, "ICW1 asks for level-triggered inputs; this PIC "
			       "is edge-triggered, as a PC's BIOS sets it");
		pic->icw1 = v;
		pic->imr = 0;
		pic->isr = 0;
		pic->irr = 0;
		pic->lowest = 7;
		pic->read_isr = false;
		pic->auto_eoi = false;
		pic->step = PIC_WANT_ICW2;
	} else if (offset == 0 && (v & 0x18) == PIC_OCW3) {
		if ((v & 0x03) == 0x02)
			pic->read_isr = false;
		else if ((v & 0x03) == 0x03)
			pic->read_isr = true;
	} else if (offset == 0) {
		end_of_interrupt(pic, v);                /* OCW2 */
	} else if (pic->step == PIC_WANT_ICW2) {
		pic->vector_base = v & 0xf8;
		pic->step = (pic->icw1 & PIC_ICW1_SINGLE) ? PIC_WANT_ICW4 : PIC_WANT_ICW3;
		if (pic->step == PIC_WANT_ICW4 && !(pic->icw1 & PIC_ICW1_ICW4))
			pic->step = PIC_READY, pic->initialised = true;
	} else if (pic->step == PIC_WANT_ICW3) {
		/* Which inputs have a slave: this machine has none to wire. */
		pic->step = (pic->icw1 & PIC_ICW1_ICW4) ? PIC_WANT_ICW4 : PIC_READY;
		pic->initialised = pic->step == PIC_READY;
	} else if (pic->step == PIC_WANT_ICW4) {
		if (!(v & PIC_ICW4_8086))
			misuse(pic, "ICW4 without bit 0 asks for 8080 mode, which has no "
			       "vectors; this PIC works in 8086 mode regardless");
		pic->auto_eoi = v & PIC_ICW4_AEOI;
		pic->step = PIC_READY;
		pic->initialised = true;
	} else {
		pic->imr = v;                            /* OCW1 */
	}
}

uint64_t pic_read(void *opaque, uint64_t offset, unsigned size)
{
	const struct pic *pic = opaque;

	(void)size;
	if (offset == 1)
		return pic->imr;
	return pic->read_isr ? pic->isr : pic->irr;
}
// ANCHOR_END: ports

const char *pic_irq_names(uint8_t bits, char *buf, unsigned size)
{
	size_t at = 0;

	if (size < PIC_NAMES_SIZE) {
		snprintf(buf, size, "?");
		return buf;
	}
	for (unsigned irq = 0; irq < PIC_IRQS; irq++)
		if (bits & (1u << irq))
			at += (size_t)sprintf(buf + at, "%sIRQ%u", at ? " " : "", irq);
	if (at == 0)
		sprintf(buf, "none");
	return buf;
}
