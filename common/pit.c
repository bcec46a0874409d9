/* pit.c - see pit.h; chapter 10 explains it. */
#include "pit.h"

#include "util.h"

#include <string.h>

#define PIT_MISUSE_REPORTS 5

void pit_init(struct pit *pit, double now)
{
	memset(pit, 0, sizeof(*pit));
	pit->now = now;
	for (int i = 0; i < PIT_COUNTERS; i++) {
		pit->counter[i].count = 65536;
		pit->counter[i].rw = PIT_RW_BOTH;
	}
}

static bool periodic(const struct pit_counter *c)
{
	return c->mode == 2 || c->mode == 3;
}

/* Input clocks since the count was loaded. */
static uint64_t clocks(const struct pit_counter *c, double now)
{
	double elapsed = now - c->started;

	return elapsed > 0 ? (uint64_t)(elapsed * PIT_HZ) : 0;
}

/* What the counter holds now, as a read of its port shows it. */
static uint16_t current(const struct pit_counter *c, double now)
{
	uint64_t n = clocks(c, now);

	if (!c->armed)
		return (uint16_t)c->count;
	if (c->mode == 2)                 /* count down to 1, reload */
		return (uint16_t)(c->count - n % c->count);
	if (c->mode == 3 && c->count >= 2) /* down by 2, twice a period */
		return (uint16_t)(c->count - 2 * (n % (c->count / 2)));
	return (uint16_t)(c->count - n);  /* mode 0 and the rest: on past 0 */
}

// ANCHOR: update
uint64_t pit_update(struct pit *pit, double now)
{
	struct pit_counter *c = &pit->counter[0];
	uint64_t due, edges;

	pit->now = now;
	if (!c->armed)
		return 0;
	due = clocks(c, now) / c->count;  /* whole periods since the load */
	if (c->mode == 0)
		due = due > 0;                /* one edge, at the terminal count */
	else if (!periodic(c))
		due = 0;
	edges = due - c->periods;
	c->periods = due;
	return edges;
}

double pit_next_edge(const struct pit *pit)
{
	const struct pit_counter *c = &pit->counter[0];

	if (!c->armed || (c->mode == 0 && c->periods > 0) || (c->mode != 0 && !periodic(c)))
		return -1;
	/* Half a clock into the clock the edge comes at: pit_update() at
	 * this time must count the edge, and the exact instant, rounded
	 * through started + ... - started, can land a hair short of it. */
	return c->started + ((double)(c->periods + 1) * c->count + 0.5) / PIT_HZ;
}
// ANCHOR_END: update

double pit_rate(const struct pit *pit)
{
	const struct pit_counter *c = &pit->counter[0];

	return c->armed && periodic(c) ? (double)PIT_HZ / c->count : 0;
}

static void misuse(struct pit *pit, const char *what)
{
	if (pit->reports++ < PIT_MISUSE_REPORTS)
		warn("8254 PIT: %s", what);
}

static void control_word(struct pit *pit, uint8_t v)
{
	unsigned which = v >> 6, rw = (v >> 4) & 3, mode = (v >> 1) & 7;
	struct pit_counter *c;

	if (which == 3) {
		misuse(pit, "the read-back command (control word 0xc0-0xff) is not "
		       "modelled; latch a counter with control word 0x00, 0x40 or 0x80");
		return;
	}
	c = &pit->counter[which];
	if (rw == PIT_RW_LATCH) {
		if (!c->latched) {        /* a second latch before the read is ignored */
			c->latch = current(c, pit->now);
			c->latched = true;
			c->read_msb_next = false;
		}
		return;
	}
	if (mode > 5)
		mode -= 4;                /* 6 and 7 are 2 and 3 again */
	if (v & 1)
		misuse(pit, "BCD counting (control word bit 0) is not modelled; "
		       "the count is taken as binary");
	if (which == 0 && mode != 0 && mode != 2 && mode != 3)
		misuse(pit, "counter 0 in mode 1, 4 or 5 makes no interrupt on this "
		       "machine (no gate input); use mode 2 or 3 for a clock");
	c->mode = (uint8_t)mode;
	c->rw = (uint8_t)rw;
	c->armed = false;                 /* stopped until a count is written */
	c->write_msb_next = false;
	c->read_msb_next = false;
	c->latched = false;
}

static void load(struct pit *pit, struct pit_counter *c, uint16_t value)
{
	c->count = value ? value : 65536;
	c->started = pit->now;
	c->periods = 0;
	c->armed = true;
}

// ANCHOR: ports
void pit_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	struct pit *pit = opaque;
	uint8_t v = (uint8_t)value;
	struct pit_counter *c;

	(void)size;
	if (offset == 3) {
		control_word(pit, v);
		return;
	}
	c = &pit->counter[offset];
	if (c->rw == PIT_RW_LSB) {
		load(pit, c, v);
	} else if (c->rw == PIT_RW_MSB) {
		load(pit, c, (uint16_t)(v << 8));
	} else if (!c->write_msb_next) {  /* PIT_RW_BOTH: low byte first */
		c->low_byte = v;
		c->write_msb_next = true;
	} else {
		load(pit, c, (uint16_t)(c->low_byte | v << 8));
		c->write_msb_next = false;
	}
}

uint64_t pit_read(void *opaque, uint64_t offset, unsigned size)
{
	struct pit *pit = opaque;
	struct pit_counter *c;
	uint16_t value;
	bool msb;

	(void)size;
	if (offset == 3)
		return 0xff;                  /* the control port cannot be read */
	c = &pit->counter[offset];
	value = c->latched ? c->latch : current(c, pit->now);
	if (c->rw == PIT_RW_BOTH) {
		msb = c->read_msb_next;
		c->read_msb_next = !msb;
	} else {
		msb = c->rw == PIT_RW_MSB;
	}
	if (c->latched && (c->rw != PIT_RW_BOTH || msb))
		c->latched = false;       /* the latch is read out */
	return msb ? value >> 8 : value & 0xff;
}
// ANCHOR_END: ports
