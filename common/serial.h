/* serial.h - COM1, the 16550A UART at ports 0x3f8-0x3ff, as far as a
 * guest without interrupts can see it: writes to the transmit register go
 * to standard output, reads of the receive register come from standard
 * input, and the line status always says "transmitter empty, data ready".
 *
 * One difference from the chip: reading the receive register waits for a
 * byte instead of returning a stale one, so a guest need not poll. At the
 * end of standard input each read returns 0x04 (EOT, what Ctrl-D types). */
#ifndef KVM_STEPS_SERIAL_H
#define KVM_STEPS_SERIAL_H

#include <stdbool.h>
#include <stdint.h>

#define COM1_BASE 0x3f8
#define COM1_SIZE 8

/* Register offsets from the base port. With LCR.DLAB set, offsets 0 and 1
 * are the divisor latch instead of RBR/THR and IER. */
#define UART_RBR 0  /* receive buffer (read) */
#define UART_THR 0  /* transmit holding (write) */
#define UART_IER 1  /* interrupt enable */
#define UART_IIR 2  /* interrupt identification (read) */
#define UART_FCR 2  /* FIFO control (write) */
#define UART_LCR 3  /* line control */
#define UART_MCR 4  /* modem control */
#define UART_LSR 5  /* line status */
#define UART_MSR 6  /* modem status */
#define UART_SCR 7  /* scratch */

#define UART_LCR_DLAB 0x80 /* divisor latch access */
#define UART_MCR_OUT2 0x08 /* on a PC: connects the interrupt pin to the PIC */
#define UART_LSR_DR   0x01 /* data ready */
#define UART_LSR_THRE 0x20 /* transmit holding register empty */
#define UART_LSR_TEMT 0x40 /* transmitter empty */
#define UART_IIR_NO_INT 0x01 /* no interrupt pending */
#define UART_IIR_FIFO   0xc0 /* FIFOs enabled */
#define UART_MSR_CTS  0x10 /* clear to send */
#define UART_MSR_DSR  0x20 /* data set ready */
#define UART_MSR_DCD  0x80 /* data carrier detect */
#define UART_EOT      0x04 /* what a read returns at the end of input */
#define UART_IER_RDI  0x01 /* interrupt when received data is available */
#define UART_IIR_RDI  0x04 /* the interrupt: received data available */
#define UART_IER_THRI 0x02 /* interrupt when the transmit register is empty */
#define UART_IIR_THRI 0x02 /* the interrupt: transmit register empty */
#define COM1_IRQ      4    /* COM1's interrupt line, on a PC */

struct serial {
	uint8_t ier, lcr, mcr, scr, fcr, dll, dlm;
	bool input_ended;
	/* Chapter 10 on: input by interrupt (serial_by_interrupt()). */
	bool by_interrupt;
	bool rx_full;      /* a byte waits in the receive register */
	bool thr_empty_irq; /* the THRE interrupt is pending (chapter 11) */
	bool irq_fell;     /* the interrupt pin went low since the last look */
	uint8_t rx;        /* that byte (the last one, once read) */
	unsigned long received;
	unsigned long sent;        /* bytes written to THR */
	/* Chapter 15: each byte of input first goes through this, which
	 * returns it (or another) to deliver, or -1 to drop it. */
	int (*input_filter)(void *opaque, unsigned char c);
	void *filter_opaque;
	/* Chapter 15: take no input until IER bit 0 and MCR's OUT2 are set. */
	bool input_needs_irq;
};

void serial_init(struct serial *s);
uint8_t serial_read(struct serial *s, unsigned offset);
void serial_write(struct serial *s, unsigned offset, uint8_t value);

/* Chapter 10 on: the receive side as the chip has it, for a guest that
 * takes its input by interrupt. A read of the receive register never
 * waits: it gives the byte that arrived and empties the register (reading
 * it again gives the same byte, stale, as the chip does); the line status
 * says data ready only while a byte waits; with IER bit 0 set, the
 * interrupt line is high while one does, and IIR says why (0x04).
 * The transmit side (chapter 11 on): a byte written is sent at once, so
 * the transmitter is always empty again; with IER bit 1 set, that raises
 * the THRE interrupt (IIR 0x02), after each byte written and when the bit
 * is turned on; reading IIR while it says THRE clears it, as on the chip.
 * Received data comes first in IIR: it has the higher priority.
 * serial_take_input() brings the next byte from standard input when the
 * register is empty and one is ready, without waiting; at the end of
 * input one 0x04 (EOT) arrives, then nothing. */
void serial_by_interrupt(struct serial *s);
bool serial_take_input(struct serial *s);
/* Whether the monitor should watch standard input: the register is empty
 * and input has not ended. */
bool serial_wants_input(const struct serial *s);
/* The UART's interrupt output: IER asks for it and its cause is there. */
bool serial_irq(const struct serial *s);
/* Whether that pin went low since the last call, even if it is high
 * again: a byte written to THR clears THRE and, sent at once, sets it
 * again, all in one exit. An edge-triggered PIC must see the fall too. */
bool serial_irq_fell(struct serial *s);

/* Send what the guest printed; exits with status 74 if that fails. */
void serial_flush(void);

#endif
