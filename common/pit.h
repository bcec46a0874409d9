/* pit.h - the PC's timer, an Intel 8254 PIT, played by the monitor
 * (chapter 10; chapter 11 uses KVM's, arch/x86/kvm/i8254.c).
 *
 * Three 16-bit down-counters clocked at 1193182 Hz (the PC's 14.31818 MHz
 * crystal divided by 12); the output of counter 0 is wired to IRQ0. Port
 * 0x43 takes a control word: bits 7-6 the counter (3: the read-back
 * command, which this model does not have), bits 5-4 how its count is
 * written and read (01 low byte, 10 high byte, 11 low then high; 00
 * latches the count for reading), bits 3-1 the mode, bit 0 BCD (not
 * modelled: binary only). Ports 0x40-0x42 take each counter's count; 0
 * means 65536.
 *
 * Modes, as far as a guest uses them for a clock:
 *   mode 2, rate generator: the output pulses once every count clocks,
 *     forever; 1193182 / count interrupts a second.
 *   mode 3, square wave: the output is high for half the count and low
 *     for the other half; one rising edge, so one IRQ0, per period too.
 *   mode 0, interrupt on terminal count: one rising edge count clocks
 *     after the count is written, then none.
 * Modes 1, 4 and 5 need the gate input or make no edge on IRQ0; they are
 * accepted and make no interrupt, and the program says so once.
 *
 * The counters do not run on their own: pit_update() is told what time
 * it is (seconds, CLOCK_MONOTONIC) and says how many periods of counter 0
 * ended since it was last asked. Reads of the count are computed from the
 * same clock. One thread uses it. */
#ifndef KVM_STEPS_PIT_H
#define KVM_STEPS_PIT_H

#include <stdbool.h>
#include <stdint.h>

#define PIT_BASE 0x40           /* counters at 0x40-0x42, control at 0x43 */
#define PIT_PORTS 4
#define PIT_COUNTERS 3
#define PIT_HZ 1193182          /* the input clock */
#define PIT_IRQ 0               /* counter 0's output */

#define PIT_RW_LATCH 0
#define PIT_RW_LSB 1
#define PIT_RW_MSB 2
#define PIT_RW_BOTH 3

struct pit_counter {
	uint32_t count;       /* the count written, 1 to 65536 */
	uint8_t mode;         /* 0 to 5 */
	uint8_t rw;           /* PIT_RW_LSB, _MSB or _BOTH */
	bool armed;           /* a whole count was written: the counter runs */
	bool write_msb_next;  /* PIT_RW_BOTH: the low byte came */
	bool read_msb_next;
	bool latched;         /* a latch command froze a value to read */
	uint16_t latch;
	uint8_t low_byte;     /* the low byte written, until the high one comes */
	double started;       /* when the count was loaded */
	uint64_t periods;     /* counter 0: periods already given to IRQ0 */
};

struct pit {
	struct pit_counter counter[PIT_COUNTERS];
	double now;           /* the time of the last pit_update() */
	unsigned reports;
};

void pit_init(struct pit *pit, double now);

/* The bus's read and write (bus.h) for ports 0x40-0x43, one byte each.
 * They use the time of the last pit_update(). */
uint64_t pit_read(void *pit, uint64_t offset, unsigned size);
void pit_write(void *pit, uint64_t offset, unsigned size, uint64_t value);

/* It is now: how many rising edges counter 0's output made since the last
 * call (0 if it is not running). */
uint64_t pit_update(struct pit *pit, double now);

/* When counter 0's next rising edge is due, or a negative number if none
 * will come. */
double pit_next_edge(const struct pit *pit);

/* Counter 0's rate in Hz, 0 if it makes no periodic interrupt. */
double pit_rate(const struct pit *pit);

#endif
