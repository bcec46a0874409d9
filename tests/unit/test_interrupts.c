/* test_interrupts.c - KVM-free unit tests of chapter 10's chips in
 * common/: the 8259A PIC (common/pic.c: the ICW sequences, the mask,
 * priorities and fully nested mode, the kinds of EOI, rotation, edges and
 * lost edges, automatic EOI, the OCW3 reads) and the 8254 PIT
 * (common/pit.c: the control word, the count and the latch, the modes,
 * and the arithmetic of pit_update() and pit_next_edge() on given times). */
#include "check.h"
#include "pic.h"
#include "pit.h"

#include <math.h>

/* ---- the PIC ---------------------------------------------------------- */

static void cmd(struct pic *pic, uint8_t v)
{
	pic_write(pic, 0, 1, v);
}

static void data(struct pic *pic, uint8_t v)
{
	pic_write(pic, 1, 1, v);
}

/* As a PC BIOS programs the master: ICW1 0x11, ICW2, ICW3 0x04, ICW4 0x01. */
static void pic_setup(struct pic *pic, uint8_t base, uint8_t mask)
{
	pic_init(pic);
	cmd(pic, 0x11);
	data(pic, base);
	data(pic, 0x04);
	data(pic, 0x01);
	data(pic, mask);
}

/* The IRQ pic_pending() names, or PIC_IRQS for none. */
static unsigned pending(const struct pic *pic)
{
	unsigned irq = 99;

	return pic_pending(pic, &irq) ? irq : PIC_IRQS;
}

static void test_pic_power_on(void)
{
	struct pic pic;

	pic_init(&pic);
	CHECK_EQ("pic: at power-on every IRQ is masked", 0xff, pic_read(&pic, 1, 1));
	CHECK_EQ("pic: at power-on the chip is not initialised", 0, pic.initialised);
	pic_pulse(&pic, 0);
	CHECK_EQ("pic: an edge before initialisation is kept in IRR", 0x01, pic.irr);
	pic.imr = 0;
	CHECK_EQ("pic: ...but nothing reaches the CPU before ICW1-ICW4, mask or not",
		 PIC_IRQS, pending(&pic));
}

static void test_pic_icw(void)
{
	struct pic pic;

	pic_init(&pic);
	cmd(&pic, 0x11);
	CHECK_EQ("pic: ICW1 clears the mask", 0x00, pic.imr);
	CHECK_EQ("pic: ICW1 waits for ICW2", PIC_WANT_ICW2, pic.step);
	data(&pic, 0x27);
	CHECK_EQ("pic: ICW2 is the vector of IRQ0, its low 3 bits ignored", 0x20, pic.vector_base);
	CHECK_EQ("pic: in cascade mode ICW3 follows ICW2", PIC_WANT_ICW3, pic.step);
	data(&pic, 0x04);
	CHECK_EQ("pic: ICW1 bit 0 asked for ICW4: it follows ICW3", PIC_WANT_ICW4, pic.step);
	CHECK_EQ("pic: not initialised before ICW4", 0, pic.initialised);
	data(&pic, 0x01);
	CHECK_EQ("pic: ICW4 ends the sequence", 1, pic.initialised);
	CHECK_EQ("pic: ICW4 0x01 is no automatic EOI", 0, pic.auto_eoi);
	data(&pic, 0xee);
	CHECK_EQ("pic: after ICW4, a write to 0x21 is the mask (OCW1)", 0xee, pic.imr);
	CHECK_EQ("pic: a read of 0x21 gives the mask back", 0xee, pic_read(&pic, 1, 1));

	pic_init(&pic);
	cmd(&pic, 0x13);                /* single, ICW4 */
	data(&pic, 0x08);
	CHECK_EQ("pic: single mode (ICW1 bit 1): no ICW3, ICW4 next", PIC_WANT_ICW4, pic.step);
	data(&pic, 0x01);
	data(&pic, 0xfb);
	CHECK_EQ("pic: single mode: the third data write is the mask", 0xfb, pic.imr);
	CHECK_EQ("pic: single mode: the vector", 0x08, pic.vector_base);

	pic_init(&pic);
	cmd(&pic, 0x12);                /* single, no ICW4 */
	data(&pic, 0x70);
	CHECK_EQ("pic: without ICW4 (ICW1 bit 0 clear), ICW2 ends the sequence", 1, pic.initialised);
	data(&pic, 0x7f);
	CHECK_EQ("pic: ...and the next data write is the mask", 0x7f, pic.imr);

	pic_setup(&pic, 0x20, 0x00);
	pic_pulse(&pic, 3);
	CHECK_EQ("pic: an unmasked request is pending", 3, pending(&pic));
	(void)pic_ack(&pic);
	pic_pulse(&pic, 5);
	data(&pic, 0xff);
	cmd(&pic, 0x11);
	CHECK_EQ("pic: ICW1 again clears ISR", 0, pic.isr);
	CHECK_EQ("pic: ICW1 again clears IRR", 0, pic.irr);
	CHECK_EQ("pic: ICW1 again clears the mask", 0, pic.imr);
	CHECK_EQ("pic: ICW1 again restarts the sequence", PIC_WANT_ICW2, pic.step);
}

static void test_pic_mask_and_ack(void)
{
	struct pic pic;

	pic_setup(&pic, 0x20, 0xfe);
	pic_pulse(&pic, 4);
	CHECK_EQ("pic: a masked request (IMR bit 4) is not pending", PIC_IRQS, pending(&pic));
	CHECK_EQ("pic: ...but it stays in IRR", 0x10, pic.irr);
	CHECK_EQ("pic: OCW3 aside, a read of 0x20 gives IRR, masked bits too", 0x10, pic_read(&pic, 0, 1));
	data(&pic, 0xee);
	CHECK_EQ("pic: unmasked, the request in IRR is pending", 4, pending(&pic));
	CHECK_EQ("pic: INTA gives the vector: ICW2 + the IRQ", 0x24, pic_ack(&pic));
	CHECK_EQ("pic: INTA moves the request from IRR...", 0x00, pic.irr);
	CHECK_EQ("pic: ...to ISR", 0x10, pic.isr);
	CHECK_EQ("pic: INTA counts the delivery", 1, pic.delivered[4]);
	CHECK_EQ("pic: nothing more is pending", PIC_IRQS, pending(&pic));
	CHECK_EQ("pic: INTA with nothing pending gives IRQ7's vector (spurious)", 0x27, pic_ack(&pic));
	CHECK_EQ("pic: ...and puts nothing in service", 0x10, pic.isr);
	CHECK_EQ("pic: ...nor counts IRQ7 as delivered", 0, pic.delivered[7]);
}

static void test_pic_priority(void)
{
	struct pic pic;

	pic_setup(&pic, 0x08, 0x00);
	pic_pulse(&pic, 5);
	pic_pulse(&pic, 3);
	CHECK_EQ("pic: of IRQ3 and IRQ5, IRQ3 goes first (lower number, higher priority)", 3, pending(&pic));
	CHECK_EQ("pic: its vector is ICW2 + 3", 0x0b, pic_ack(&pic));
	CHECK_EQ("pic: fully nested: IRQ5 waits while IRQ3 is in service", PIC_IRQS, pending(&pic));
	pic_pulse(&pic, 3);
	CHECK_EQ("pic: so does IRQ3 itself, raised again", PIC_IRQS, pending(&pic));
	pic_pulse(&pic, 1);
	CHECK_EQ("pic: IRQ1, higher than IRQ3, interrupts it", 1, pending(&pic));
	(void)pic_ack(&pic);
	CHECK_EQ("pic: now IRQ1 and IRQ3 are in service", 0x0a, pic.isr);
	cmd(&pic, PIC_EOI);
	CHECK_EQ("pic: a non-specific EOI ends the highest in service, IRQ1", 0x08, pic.isr);
	CHECK_EQ("pic: IRQ3 still holds back IRQ3 and IRQ5", PIC_IRQS, pending(&pic));
	cmd(&pic, PIC_EOI);
	CHECK_EQ("pic: the second EOI ends IRQ3", 0x00, pic.isr);
	CHECK_EQ("pic: then IRQ3 (raised again) goes before IRQ5", 3, pending(&pic));
	CHECK_EQ("pic: two EOIs counted", 2, pic.eois);
	cmd(&pic, PIC_EOI);
	CHECK_EQ("pic: an EOI with nothing in service is counted as spurious", 1, pic.spurious_eois);
	CHECK_EQ("pic: ...and changes nothing", 2, pic.eois);
	/* A masked request never passes, even one above everything in service. */
	(void)pic_ack(&pic);            /* IRQ3 in service */
	pic_pulse(&pic, 0);
	data(&pic, 0x01);
	CHECK_EQ("pic: a masked IRQ0 does not interrupt IRQ3", PIC_IRQS, pending(&pic));
	data(&pic, 0x00);
	CHECK_EQ("pic: unmasked, it does", 0, pending(&pic));
}

static void test_pic_specific_eoi(void)
{
	struct pic pic;

	pic_setup(&pic, 0x20, 0x00);
	pic_pulse(&pic, 6);
	(void)pic_ack(&pic);
	pic_pulse(&pic, 2);
	(void)pic_ack(&pic);
	CHECK_EQ("pic: IRQ2 and IRQ6 in service", 0x44, pic.isr);
	cmd(&pic, PIC_EOI_SPECIFIC + 6);
	CHECK_EQ("pic: specific EOI 0x66 ends IRQ6, though IRQ2 is higher", 0x04, pic.isr);
	cmd(&pic, PIC_EOI_SPECIFIC + 5);
	CHECK_EQ("pic: specific EOI of an IRQ not in service changes nothing", 0x04, pic.isr);
	CHECK_EQ("pic: ...and is counted as spurious", 1, pic.spurious_eois);
	cmd(&pic, PIC_EOI_SPECIFIC + 2);
	CHECK_EQ("pic: specific EOI 0x62 ends IRQ2", 0x00, pic.isr);
}

static void test_pic_rotation(void)
{
	struct pic pic;

	pic_setup(&pic, 0x20, 0x00);
	CHECK_EQ("pic: after initialisation IRQ7 has the lowest priority", 7, pic.lowest);
	pic_pulse(&pic, 0);
	(void)pic_ack(&pic);
	cmd(&pic, 0xa0);                /* rotate on non-specific EOI */
	CHECK_EQ("pic: a rotating EOI (0xa0) ends IRQ0...", 0x00, pic.isr);
	CHECK_EQ("pic: ...and makes it the lowest priority", 0, pic.lowest);
	pic_pulse(&pic, 0);
	pic_pulse(&pic, 7);
	CHECK_EQ("pic: after the rotation IRQ7 goes before IRQ0", 7, pending(&pic));
	pic_pulse(&pic, 1);
	CHECK_EQ("pic: ...and IRQ1 before both: it is the highest now", 1, pending(&pic));

	cmd(&pic, 0xc3);                /* set priority: IRQ3 the lowest */
	CHECK_EQ("pic: OCW2 0xc3 sets the lowest priority to IRQ3", 3, pic.lowest);
	pic_pulse(&pic, 4);
	CHECK_EQ("pic: ...so IRQ4 is the highest, before IRQ0, IRQ1 and IRQ7", 4, pending(&pic));
	(void)pic_ack(&pic);
	CHECK_EQ("pic: with IRQ4 in service, IRQ0 (lower now) waits", PIC_IRQS, pending(&pic));
	cmd(&pic, 0xe4);                /* rotate on specific EOI of 4 */
	CHECK_EQ("pic: OCW2 0xe4 ends IRQ4...", 0x00, pic.isr);
	CHECK_EQ("pic: ...and makes it the lowest", 4, pic.lowest);
	pic_pulse(&pic, 5);
	CHECK_EQ("pic: then IRQ5 is the highest", 5, pending(&pic));
	cmd(&pic, 0xc7);
	CHECK_EQ("pic: OCW2 0xc7 restores the power-on order: IRQ0 first", 0, pending(&pic));
	cmd(&pic, 0x40);
	CHECK_EQ("pic: OCW2 0x40 (no operation) changes no priority", 7, pic.lowest);
	cmd(&pic, 0x80);
	CHECK_EQ("pic: OCW2 0x80 (rotate in automatic-EOI mode, on) is no EOI", 7, pic.lowest);
}

static void test_pic_edges(void)
{
	struct pic pic;

	pic_setup(&pic, 0x20, 0x00);
	pic_set_irq(&pic, 4, true);
	CHECK_EQ("pic: a rising edge sets the IRR bit", 0x10, pic.irr);
	(void)pic_ack(&pic);
	cmd(&pic, PIC_EOI);
	pic_set_irq(&pic, 4, true);
	CHECK_EQ("pic: a line that stays high makes no second request", PIC_IRQS, pending(&pic));
	CHECK_EQ("pic: one edge counted", 1, pic.raised[4]);
	pic_set_irq(&pic, 4, false);
	CHECK_EQ("pic: a falling edge leaves IRR alone", 0x00, pic.irr);
	pic_set_irq(&pic, 4, true);
	CHECK_EQ("pic: low, then high again: a new request", 4, pending(&pic));
	CHECK_EQ("pic: two edges counted", 2, pic.raised[4]);

	pic_setup(&pic, 0x20, 0x00);
	pic_pulse(&pic, 0);
	CHECK_EQ("pic: a pulse is an edge: IRR bit 0", 0x01, pic.irr);
	CHECK_EQ("pic: ...and leaves the line low", 0x00, pic.lines & 0x01);
	pic_pulse(&pic, 0);
	pic_pulse(&pic, 0);
	CHECK_EQ("pic: three edges before INTA are one request", 0x01, pic.irr);
	CHECK_EQ("pic: ...and two lost", 2, pic.lost[0]);
	(void)pic_ack(&pic);
	CHECK_EQ("pic: ...and one delivery", 1, pic.delivered[0]);
	pic_pulse(&pic, 0);
	CHECK_EQ("pic: an edge while the IRQ is in service is kept in IRR, not lost", 0, pic.lost[0] - 2);
	CHECK_EQ("pic: ...and waits for the EOI", PIC_IRQS, pending(&pic));
	cmd(&pic, PIC_EOI);
	CHECK_EQ("pic: after the EOI it goes in", 0, pending(&pic));
}

static void test_pic_auto_eoi(void)
{
	struct pic pic;

	pic_init(&pic);
	cmd(&pic, 0x11);
	data(&pic, 0x20);
	data(&pic, 0x04);
	data(&pic, PIC_ICW4_8086 | PIC_ICW4_AEOI);
	data(&pic, 0x00);
	CHECK_EQ("pic: ICW4 bit 1 is automatic EOI", 1, pic.auto_eoi);
	pic_pulse(&pic, 0);
	CHECK_EQ("pic: automatic EOI: INTA still gives the vector", 0x20, pic_ack(&pic));
	CHECK_EQ("pic: automatic EOI: nothing stays in service", 0x00, pic.isr);
	pic_pulse(&pic, 0);
	CHECK_EQ("pic: automatic EOI: the next tick goes in with no EOI", 0, pending(&pic));
	cmd(&pic, 0x11);
	CHECK_EQ("pic: ICW1 turns automatic EOI off until ICW4 says again", 0, pic.auto_eoi);
}

static void test_pic_ocw3(void)
{
	struct pic pic;

	pic_setup(&pic, 0x20, 0x00);
	pic_pulse(&pic, 0);
	(void)pic_ack(&pic);
	pic_pulse(&pic, 0);
	pic_pulse(&pic, 6);
	cmd(&pic, PIC_OCW3_READ_ISR);
	CHECK_EQ("pic: after OCW3 0x0b a read of 0x20 gives ISR", 0x01, pic_read(&pic, 0, 1));
	CHECK_EQ("pic: ...and keeps giving it", 0x01, pic_read(&pic, 0, 1));
	CHECK_EQ("pic: OCW3 leaves the mask as it was", 0x00, pic_read(&pic, 1, 1));
	cmd(&pic, PIC_OCW3_READ_IRR);
	CHECK_EQ("pic: after OCW3 0x0a a read of 0x20 gives IRR", 0x41, pic_read(&pic, 0, 1));
	cmd(&pic, PIC_OCW3_READ_ISR);
	cmd(&pic, 0x08);                /* OCW3 with no read command */
	CHECK_EQ("pic: OCW3 0x08 (no read command) keeps the register chosen", 0x01, pic_read(&pic, 0, 1));
	cmd(&pic, 0x11);
	data(&pic, 0x20);
	data(&pic, 0x04);
	data(&pic, 0x01);
	CHECK_EQ("pic: ICW1 makes port 0x20 read IRR again", 0x00, pic_read(&pic, 0, 1) | pic.read_isr);
}

static void test_pic_names(void)
{
	char buf[PIC_NAMES_SIZE], small[4];

	CHECK_STR("pic: names of IRQ bits", "IRQ0 IRQ4", pic_irq_names(0x11, buf, sizeof(buf)));
	CHECK_STR("pic: no bits: none", "none", pic_irq_names(0, buf, sizeof(buf)));
	CHECK_STR("pic: all eight fit in PIC_NAMES_SIZE",
		  "IRQ0 IRQ1 IRQ2 IRQ3 IRQ4 IRQ5 IRQ6 IRQ7", pic_irq_names(0xff, buf, sizeof(buf)));
	CHECK_STR("pic: a buffer too small gets ?", "?", pic_irq_names(0xff, small, sizeof(small)));
}

/* ---- the PIT ---------------------------------------------------------- */

/* The PIT at time now, with counter 0 given control word cw and count
 * (low byte, then high). */
static void pit_program(struct pit *pit, double now, uint8_t cw, uint16_t count)
{
	pit_update(pit, now);
	pit_write(pit, 3, 1, cw);
	pit_write(pit, 0, 1, count & 0xff);
	pit_write(pit, 0, 1, count >> 8);
}

/* The time, after start, at which `clocks` input clocks and half of one
 * more have passed: far from any rounding edge. */
static double at_clock(double start, double clocks)
{
	return start + (clocks + 0.5) / PIT_HZ;
}

/* A 16-bit read of counter n, low byte first. */
static unsigned read16(struct pit *pit, unsigned n)
{
	unsigned low = (unsigned)pit_read(pit, n, 1);

	return low | (unsigned)pit_read(pit, n, 1) << 8;
}

static void test_pit_power_on(void)
{
	struct pit pit;

	pit_init(&pit, 5.0);
	CHECK_EQ("pit: at power-on counter 0 does not run: no edges", 0, pit_update(&pit, 100.0));
	CHECK_EQ("pit: ...and none to come", 1, pit_next_edge(&pit) < 0);
	CHECK_EQ("pit: ...and no rate", 1, pit_rate(&pit) == 0);
	CHECK_EQ("pit: the control port reads 0xff", 0xff, pit_read(&pit, 3, 1));
}

static void test_pit_mode2(void)
{
	struct pit pit;
	double t0 = 1000.25, period = 11932.0 / PIT_HZ;

	pit_init(&pit, 0);
	pit_update(&pit, t0);
	pit_write(&pit, 3, 1, 0x34);
	CHECK_EQ("pit: control word 0x34 is counter 0, mode 2", 2, pit.counter[0].mode);
	CHECK_EQ("pit: ...low byte then high byte", PIT_RW_BOTH, pit.counter[0].rw);
	pit_write(&pit, 0, 1, 11932 & 0xff);
	CHECK_EQ("pit: the low byte alone does not start the counter", 0, pit.counter[0].armed);
	CHECK_EQ("pit: ...so no edge is due", 1, pit_next_edge(&pit) < 0);
	pit_write(&pit, 0, 1, 11932 >> 8);
	CHECK_EQ("pit: the high byte starts it", 1, pit.counter[0].armed);
	CHECK_EQ("pit: the count", 11932, pit.counter[0].count);
	CHECK_EQ("pit: 1193182 / 11932 Hz, in mHz", 99998, (unsigned)lround(pit_rate(&pit) * 1000));
	CHECK_EQ("pit: the first edge is one period after the load, within a clock", 1,
		 fabs(pit_next_edge(&pit) - (t0 + period)) < 1.0 / PIT_HZ);
	CHECK_EQ("pit: half a period on: no edge", 0, pit_update(&pit, t0 + period / 2));
	CHECK_EQ("pit: one period and a clock on: one edge", 1, pit_update(&pit, at_clock(t0, 11932)));
	CHECK_EQ("pit: asked again at the same time: none more", 0, pit_update(&pit, at_clock(t0, 11932)));
	CHECK_EQ("pit: ten and a half periods on: nine more", 9, pit_update(&pit, t0 + 10.5 * period));
	CHECK_EQ("pit: the next edge is the eleventh, within a clock", 1,
		 fabs(pit_next_edge(&pit) - (t0 + 11 * period)) < 1.0 / PIT_HZ);
}

/* The monitor arms its host timer for pit_next_edge() and, when it
 * fires, asks pit_update() at about that time: the edge must be counted
 * then, however the floating-point sums round, or the kick is wasted. */
static void test_pit_next_edge_counts(void)
{
	struct pit pit;
	unsigned missed = 0, extra = 0;

	pit_init(&pit, 0);
	pit_program(&pit, 12345.678901, 0x34, 11932);
	for (int i = 0; i < 1000; i++) {
		uint64_t edges = pit_update(&pit, pit_next_edge(&pit));

		missed += edges == 0;
		extra += edges > 1;
	}
	CHECK_EQ("pit: pit_update() at pit_next_edge() counts that edge, 1000 times in a row", 0, missed);
	CHECK_EQ("pit: ...and never two", 0, extra);
	CHECK_EQ("pit: ...1000 periods given out", 1000, pit.counter[0].periods);
}

static void test_pit_mode0(void)
{
	struct pit pit;
	double t0 = 50.0;

	pit_init(&pit, 0);
	pit_program(&pit, t0, 0x30, 1193);
	CHECK_EQ("pit: control word 0x30 is mode 0", 0, pit.counter[0].mode);
	CHECK_EQ("pit: mode 0: the edge is due count clocks after the load, within a clock", 1,
		 fabs(pit_next_edge(&pit) - (t0 + 1193.0 / PIT_HZ)) < 1.0 / PIT_HZ);
	CHECK_EQ("pit: mode 0: no edge before the terminal count", 0, pit_update(&pit, at_clock(t0, 1191)));
	CHECK_EQ("pit: mode 0: one edge, five counts later", 1, pit_update(&pit, at_clock(t0, 5 * 1193)));
	CHECK_EQ("pit: mode 0: never another", 0, pit_update(&pit, t0 + 100.0));
	CHECK_EQ("pit: mode 0: none to come", 1, pit_next_edge(&pit) < 0);
	CHECK_EQ("pit: mode 0 is no periodic interrupt", 1, pit_rate(&pit) == 0);
	pit_program(&pit, t0 + 200.0, 0x30, 1193);
	CHECK_EQ("pit: mode 0: a new count starts it again", 1, pit_next_edge(&pit) > 0);
}

static void test_pit_other_modes(void)
{
	struct pit pit;

	pit_init(&pit, 0);
	pit_program(&pit, 1.0, 0x36, 1000);
	CHECK_EQ("pit: control word 0x36 is mode 3", 3, pit.counter[0].mode);
	CHECK_EQ("pit: mode 3: one edge a period, like mode 2", 4, pit_update(&pit, at_clock(1.0, 4000)));
	pit_program(&pit, 2.0, 0x3c, 1000);
	CHECK_EQ("pit: mode 6 is mode 2", 2, pit.counter[0].mode);
	pit_program(&pit, 2.0, 0x3e, 1000);
	CHECK_EQ("pit: mode 7 is mode 3", 3, pit.counter[0].mode);
	pit_program(&pit, 3.0, 0x32, 1000);
	CHECK_EQ("pit: mode 1 (needs the gate): no edge on IRQ0", 0, pit_update(&pit, 4.0));
	CHECK_EQ("pit: mode 1: none to come", 1, pit_next_edge(&pit) < 0);
	pit_program(&pit, 5.0, 0x38, 1000);
	CHECK_EQ("pit: mode 4: no edge on IRQ0 either", 0, pit_update(&pit, 6.0));
	pit_program(&pit, 7.0, 0x35, 0x1000);
	CHECK_EQ("pit: a BCD control word still sets mode 2", 2, pit.counter[0].mode);
	CHECK_EQ("pit: ...and the count is taken as binary", 0x1000, pit.counter[0].count);
	pit_program(&pit, 8.0, 0x34, 0);
	CHECK_EQ("pit: count 0 is 65536", 65536, pit.counter[0].count);
	CHECK_EQ("pit: ...18.2 Hz, in mHz", 18207, (unsigned)lround(pit_rate(&pit) * 1000));
	pit_init(&pit, 0);
	pit_write(&pit, 3, 1, 0xb4);    /* counter 2, mode 2 */
	pit_write(&pit, 2, 1, 100);
	pit_write(&pit, 2, 1, 0);
	CHECK_EQ("pit: counter 2 runs...", 1, pit.counter[2].armed);
	CHECK_EQ("pit: ...but only counter 0's output is IRQ0", 0, pit_update(&pit, 10.0));
	pit_write(&pit, 3, 1, 0xc2);    /* read-back: not modelled */
	CHECK_EQ("pit: the read-back command changes no counter", 1,
		 pit.counter[2].armed && pit.counter[2].mode == 2 && !pit.counter[0].armed);
}

static void test_pit_access_modes(void)
{
	struct pit pit;

	pit_init(&pit, 0);
	pit_update(&pit, 1.0);
	pit_write(&pit, 3, 1, 0x14);    /* counter 0, low byte only, mode 2 */
	pit_write(&pit, 0, 1, 100);
	CHECK_EQ("pit: low byte only: one write loads the count", 100, pit.counter[0].count);
	CHECK_EQ("pit: ...and starts the counter", 1, pit.counter[0].armed);
	pit_write(&pit, 3, 1, 0x24);    /* high byte only */
	CHECK_EQ("pit: a control word stops the counter until a count comes", 0, pit.counter[0].armed);
	pit_write(&pit, 0, 1, 0x01);
	CHECK_EQ("pit: high byte only: the count is the byte * 256", 256, pit.counter[0].count);
	pit_update(&pit, at_clock(1.0, 6));
	CHECK_EQ("pit: high byte only: a read gives the high byte", 0, pit_read(&pit, 0, 1));
	pit_write(&pit, 3, 1, 0x14);
	pit_write(&pit, 0, 1, 200);
	pit_update(&pit, at_clock(pit.counter[0].started, 50));
	CHECK_EQ("pit: low byte only: a read gives the low byte", 150, pit_read(&pit, 0, 1));
	CHECK_EQ("pit: ...every time", 150, pit_read(&pit, 0, 1));
}

static void test_pit_reads(void)
{
	struct pit pit;
	double t0 = 300.0;

	pit_init(&pit, 0);
	pit_program(&pit, t0, 0x34, 1000);
	pit_update(&pit, at_clock(t0, 250));
	CHECK_EQ("pit: mode 2: 250 clocks after a load of 1000 the count is 750", 750, read16(&pit, 0));
	pit_update(&pit, at_clock(t0, 1999));
	CHECK_EQ("pit: mode 2: it reloads: 1999 clocks on, the count is 1", 1, read16(&pit, 0));
	pit_update(&pit, at_clock(t0, 2000));
	CHECK_EQ("pit: mode 2: and at 2000, 1000 again (it never reads 0)", 1000, read16(&pit, 0));

	pit_program(&pit, t0, 0x36, 1000);
	pit_update(&pit, at_clock(t0, 100));
	CHECK_EQ("pit: mode 3: down by 2 a clock: 100 clocks on, 800", 800, read16(&pit, 0));
	pit_update(&pit, at_clock(t0, 600));
	CHECK_EQ("pit: mode 3: twice a period: 600 clocks on, 800 again", 800, read16(&pit, 0));

	pit_program(&pit, t0, 0x30, 1000);
	pit_update(&pit, at_clock(t0, 1100));
	CHECK_EQ("pit: mode 0: past the terminal count it goes on down, from 0xffff", 65436,
		 read16(&pit, 0));

	pit_program(&pit, t0, 0x34, 1000);
	pit_update(&pit, at_clock(t0, 100));
	pit_write(&pit, 3, 1, 0x00);    /* latch counter 0 */
	pit_update(&pit, at_clock(t0, 500));
	CHECK_EQ("pit: a latched count is the count at the latch, read later", 900, read16(&pit, 0));
	CHECK_EQ("pit: once both bytes are read the reads are live again", 500, read16(&pit, 0));
	pit_write(&pit, 3, 1, 0x00);
	pit_update(&pit, at_clock(t0, 600));
	CHECK_EQ("pit: a latch, then the low byte", 500 & 0xff, pit_read(&pit, 0, 1));
	pit_write(&pit, 3, 1, 0x00);    /* ignored: the latch is not read out */
	pit_update(&pit, at_clock(t0, 700));
	CHECK_EQ("pit: a second latch before the high byte is read is ignored", 500 >> 8,
		 pit_read(&pit, 0, 1));
	CHECK_EQ("pit: then live: 700 clocks on, 300", 300, read16(&pit, 0));
	pit_write(&pit, 3, 1, 0x00);
	pit_write(&pit, 3, 1, 0x00);
	pit_update(&pit, at_clock(t0, 800));
	CHECK_EQ("pit: two latches in a row: the first one's count", 300, read16(&pit, 0));
	pit_write(&pit, 3, 1, 0x00);
	pit_write(&pit, 3, 1, 0x34);
	CHECK_EQ("pit: a control word drops a latch not read", 0, pit.counter[0].latched);

	pit_init(&pit, 0);
	pit_update(&pit, t0);
	pit_write(&pit, 3, 1, 0x10);    /* counter 0, low byte only, mode 0 */
	pit_write(&pit, 0, 1, 200);
	pit_write(&pit, 3, 1, 0x00);
	pit_update(&pit, at_clock(t0, 50));
	CHECK_EQ("pit: low byte only: a latch is read out by one read", 200, pit_read(&pit, 0, 1));
	CHECK_EQ("pit: ...then live", 150, pit_read(&pit, 0, 1));
}

int main(void)
{
	test_pic_power_on();
	test_pic_icw();
	test_pic_mask_and_ack();
	test_pic_priority();
	test_pic_specific_eoi();
	test_pic_rotation();
	test_pic_edges();
	test_pic_auto_eoi();
	test_pic_ocw3();
	test_pic_names();
	test_pit_power_on();
	test_pit_mode2();
	test_pit_next_edge_counts();
	test_pit_mode0();
	test_pit_other_modes();
	test_pit_access_modes();
	test_pit_reads();
	return check_failures ? 1 : 0;
}
