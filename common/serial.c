/* serial.c - see serial.h. */
#include "serial.h"

#include "run.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

void serial_init(struct serial *s)
{
	memset(s, 0, sizeof(*s));
	s->lcr = 0x03; /* 8 data bits, no parity, one stop bit */
	s->dll = 0x01; /* divisor 1: 115200 baud */
}

void serial_flush(void)
{
	int err = stdout_flush();

	if (err)
		die(EXIT_OUTPUT, "cannot write the guest's output to standard "
		    "output: %s%s", strerror(err), stdout_hint(err));
}

static uint8_t receive(struct serial *s)
{
	unsigned char c;
	ssize_t n;

	if (s->input_ended)
		return UART_EOT;
	serial_flush(); /* a prompt must be seen before we wait for the answer */
	timeout_pause();
	do
		n = read(STDIN_FILENO, &c, 1);
	while (n < 0 && errno == EINTR);
	timeout_resume();
	if (n == 1)
		return c;
	s->input_ended = true;
	if (n < 0)
		warn("cannot read standard input for the guest (port 0x3f8): %s; "
		     "the guest reads 0x04 (EOT) from now on", strerror(errno));
	return UART_EOT;
}

void serial_by_interrupt(struct serial *s)
{
	s->by_interrupt = true;
}

bool serial_wants_input(const struct serial *s)
{
	if (s->input_needs_irq && !((s->ier & UART_IER_RDI) && (s->mcr & UART_MCR_OUT2)))
		return false;
	return s->by_interrupt && !s->rx_full && !s->input_ended;
}

// ANCHOR: take-input
bool serial_take_input(struct serial *s)
{
	struct pollfd in = { .fd = STDIN_FILENO, .events = POLLIN };
	unsigned char c;
	ssize_t n;

	if (!serial_wants_input(s) || poll(&in, 1, 0) <= 0)
		return false;             /* full, ended, or nothing typed yet */
	n = read(STDIN_FILENO, &c, 1);
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return false;
	if (n == 1 && s->input_filter) {
		int keep = s->input_filter(s->filter_opaque, c);

		if (keep < 0)
			return false;
		c = (unsigned char)keep;
	}
	if (n == 1) {
		s->rx = c;
	} else {                          /* the end of input: one EOT, then no more */
		if (n < 0)
			warn("cannot read standard input for the guest (port 0x3f8): %s; "
			     "the guest gets 0x04 (EOT)", strerror(errno));
		s->rx = UART_EOT;
		s->input_ended = true;
	}
	s->rx_full = true;
	s->received++;
	return true;
}

bool serial_irq(const struct serial *s)
{
	return s->by_interrupt && (((s->ier & UART_IER_RDI) && s->rx_full) ||
	       ((s->ier & UART_IER_THRI) && s->thr_empty_irq));
}
// ANCHOR_END: take-input

bool serial_irq_fell(struct serial *s)
{
	bool fell = s->irq_fell;

	s->irq_fell = false;
	return fell;
}

/* After a change that may lower the pin: was it high before? */
static void pin_check(struct serial *s, bool was_high)
{
	if (was_high && !serial_irq(s))
		s->irq_fell = true;
}

static uint8_t receive_by_interrupt(struct serial *s)
{
	bool was_high = serial_irq(s);

	s->rx_full = false;
	pin_check(s, was_high);
	return s->rx;
}

static uint8_t line_status(const struct serial *s)
{
	if (s->by_interrupt)
		return (s->rx_full ? UART_LSR_DR : 0) | UART_LSR_THRE | UART_LSR_TEMT;
	return UART_LSR_DR | UART_LSR_THRE | UART_LSR_TEMT;
}

// ANCHOR: interrupt-id
/* IIR: the pending interrupt of the highest priority (received data
 * before THRE); reading it while it names THRE clears that one. */
static uint8_t interrupt_id(struct serial *s)
{
	uint8_t fifo = (s->fcr & 1) ? UART_IIR_FIFO : 0;

	if (!s->by_interrupt)             /* chapters 07-09: no interrupts */
		return fifo | UART_IIR_NO_INT;
	if ((s->ier & UART_IER_RDI) && s->rx_full)
		return fifo | UART_IIR_RDI;
	if ((s->ier & UART_IER_THRI) && s->thr_empty_irq) {
		s->thr_empty_irq = false;
		s->irq_fell = true; /* nothing else pending: RDI came first */
		return fifo | UART_IIR_THRI;
	}
	return fifo | UART_IIR_NO_INT;
}
// ANCHOR_END: interrupt-id

// ANCHOR: serial-read
uint8_t serial_read(struct serial *s, unsigned offset)
{
	bool dlab = s->lcr & UART_LCR_DLAB;

	switch (offset) {
	case UART_RBR:
		if (dlab)
			return s->dll;
		return s->by_interrupt ? receive_by_interrupt(s) : receive(s);
	case UART_IER:
		return dlab ? s->dlm : s->ier;
	case UART_IIR:
		return interrupt_id(s);
	case UART_LCR:
		return s->lcr;
	case UART_MCR:
		return s->mcr;
	case UART_LSR:
		return line_status(s);
	case UART_MSR:
		return UART_MSR_DCD | UART_MSR_DSR | UART_MSR_CTS;
	default:
		return s->scr;
	}
}
// ANCHOR_END: serial-read

void serial_write(struct serial *s, unsigned offset, uint8_t value)
{
	bool dlab = s->lcr & UART_LCR_DLAB;

	switch (offset) {
	case UART_THR:
		if (dlab) {
			s->dll = value;
		} else {
			bool was_high = serial_irq(s);

			s->sent++;
			s->thr_empty_irq = false; /* written: not empty... */
			pin_check(s, was_high);
			if (putchar(value) == EOF) {
				stdout_failed(errno);
				serial_flush();
			}
			s->thr_empty_irq = true; /* ...until sent, at once */
		}
		break;
	case UART_IER:
		if (dlab) {
			s->dlm = value;
		} else {
			/* Turning THRE on with the transmitter empty (it always
			 * is) raises that interrupt at once. */
			bool was_high = serial_irq(s);

			if ((value & UART_IER_THRI) && !(s->ier & UART_IER_THRI))
				s->thr_empty_irq = true;
			s->ier = value & 0x0f;
			pin_check(s, was_high);
		}
		break;
	case UART_FCR:
		s->fcr = value;
		break;
	case UART_LCR:
		s->lcr = value;
		break;
	case UART_MCR:
		s->mcr = value & 0x1f;
		break;
	case UART_LSR:
	case UART_MSR:
		break; /* read-only on a 16550: writes are ignored */
	default:
		s->scr = value;
		break;
	}
}
