/* test_uart.c - KVM-free unit tests of COM1 as the 16550A of chapters 10
 * and 11 (common/serial.c, serial_by_interrupt()): IIR's causes and their
 * priority, THRE raised and cleared, IER read back, the interrupt pin and
 * its falls (serial_irq(), serial_irq_fell()), the line status, and input
 * taken without waiting (serial_take_input()). OUT2 is not serial.c's:
 * the chapters gate the pin with it (com1_update() in chapter 11).
 *
 * A byte written to THR goes to standard output, where the "ok" lines go:
 * the tests write '\n', an empty line that 05-unit.sh passes over. */
#include "check.h"
#include "serial.h"

#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

static void uart_init(struct serial *s)
{
	serial_init(s);
	serial_by_interrupt(s);
}

/* A byte waiting in the receive register, as serial_take_input() leaves it. */
static void uart_receive(struct serial *s, uint8_t byte)
{
	s->rx = byte;
	s->rx_full = true;
}

static void test_without_interrupts(void)
{
	struct serial s;

	serial_init(&s); /* chapters 07-09: no serial_by_interrupt() */
	serial_write(&s, UART_IER, UART_IER_RDI | UART_IER_THRI);
	CHECK_EQ("uart: without interrupts (07-09), IIR says none even with IER set",
		 UART_IIR_NO_INT, serial_read(&s, UART_IIR));
	CHECK_EQ("uart: ...and the pin stays low", 0, serial_irq(&s));
}

static void test_nothing_pending(void)
{
	struct serial s;

	uart_init(&s);
	CHECK_EQ("uart: IER 0: IIR 0x01, no interrupt pending", 0x01, serial_read(&s, UART_IIR));
	CHECK_EQ("uart: IER 0: the pin is low", 0, serial_irq(&s));
	uart_receive(&s, 'a');
	CHECK_EQ("uart: a byte waiting with RDI off is no interrupt: IIR 0x01", 0x01,
		 serial_read(&s, UART_IIR));
	CHECK_EQ("uart: ...and the pin stays low", 0, serial_irq(&s));
}

static void test_thre(void)
{
	struct serial s;

	uart_init(&s);
	serial_write(&s, UART_IER, UART_IER_THRI);
	CHECK_EQ("uart: turning THRI on, the transmitter empty, raises the pin at once", 1,
		 serial_irq(&s));
	CHECK_EQ("uart: ...no fall on the way up", 0, serial_irq_fell(&s));
	CHECK_EQ("uart: IIR names THRE (0x02)", 0x02, serial_read(&s, UART_IIR));
	CHECK_EQ("uart: that read cleared THRE: the pin is low", 0, serial_irq(&s));
	CHECK_EQ("uart: ...and serial_irq_fell() says it fell", 1, serial_irq_fell(&s));
	CHECK_EQ("uart: ...once", 0, serial_irq_fell(&s));
	CHECK_EQ("uart: IIR again: none (0x01)", 0x01, serial_read(&s, UART_IIR));

	serial_write(&s, UART_IER, UART_IER_THRI);
	CHECK_EQ("uart: writing THRI again while it is on raises nothing", 0x01,
		 serial_read(&s, UART_IIR));

	serial_write(&s, UART_THR, '\n');
	CHECK_EQ("uart: a byte written to THR, sent at once, raises THRE again", 0x02,
		 serial_read(&s, UART_IIR));
	serial_irq_fell(&s);
	serial_write(&s, UART_THR, '\n');
	CHECK_EQ("uart: THR written with the pin low: it rises, and no fall is reported", 0,
		 serial_irq_fell(&s));

	/* The pin high (THRE pending), then a THR write: it falls (written,
	 * not empty) and rises (sent) inside one access; an edge-triggered PIC
	 * must be shown both. */
	serial_write(&s, UART_THR, '\n');
	CHECK_EQ("uart: THR written with THRE pending: the pin is high after", 1, serial_irq(&s));
	CHECK_EQ("uart: ...and serial_irq_fell() reports the fall in between", 1,
		 serial_irq_fell(&s));

	serial_write(&s, UART_IER, 0);
	CHECK_EQ("uart: IER 0 with THRE pending: the pin falls", 0, serial_irq(&s));
	CHECK_EQ("uart: ...and the fall is reported", 1, serial_irq_fell(&s));
	CHECK_EQ("uart: ...IIR says none", 0x01, serial_read(&s, UART_IIR));
}

static void test_priority(void)
{
	struct serial s;

	uart_init(&s);
	serial_write(&s, UART_IER, UART_IER_RDI | UART_IER_THRI);
	uart_receive(&s, 'a');
	CHECK_EQ("uart: received data and THRE pending: IIR names received data (0x04)", 0x04,
		 serial_read(&s, UART_IIR));
	CHECK_EQ("uart: ...reading IIR clears neither: 0x04 again", 0x04,
		 serial_read(&s, UART_IIR));
	CHECK_EQ("uart: RBR gives the byte", 'a', serial_read(&s, UART_RBR));
	CHECK_EQ("uart: with THRE still pending the pin stays high", 1, serial_irq(&s));
	CHECK_EQ("uart: ...no fall: a driver that stops here waits for an edge that never comes",
		 0, serial_irq_fell(&s));
	CHECK_EQ("uart: now IIR names THRE", 0x02, serial_read(&s, UART_IIR));
	CHECK_EQ("uart: then none", 0x01, serial_read(&s, UART_IIR));
	CHECK_EQ("uart: RBR read again gives the same byte, stale, as the chip's", 'a',
		 serial_read(&s, UART_RBR));

	uart_init(&s);
	serial_write(&s, UART_IER, UART_IER_RDI);
	uart_receive(&s, 'b');
	CHECK_EQ("uart: RDI alone: the pin is high while a byte waits", 1, serial_irq(&s));
	serial_read(&s, UART_RBR);
	CHECK_EQ("uart: reading the byte lowers it", 0, serial_irq(&s));
	CHECK_EQ("uart: ...and the fall is reported", 1, serial_irq_fell(&s));
}

static void test_registers(void)
{
	struct serial s;

	uart_init(&s);
	serial_write(&s, UART_IER, 0x03);
	CHECK_EQ("uart: IER reads back 0x03", 0x03, serial_read(&s, UART_IER));
	serial_write(&s, UART_IER, 0xff);
	CHECK_EQ("uart: IER bits 7-4 read 0 (a 16550A has none there)", 0x0f,
		 serial_read(&s, UART_IER));
	serial_write(&s, UART_LCR, UART_LCR_DLAB | 0x03);
	serial_write(&s, UART_IER, 0x00);
	CHECK_EQ("uart: with DLAB, offset 1 is the divisor's high byte, not IER", 0x0f,
		 s.ier);
	serial_write(&s, UART_LCR, 0x03);
	CHECK_EQ("uart: ...IER kept 0x0f", 0x0f, serial_read(&s, UART_IER));

	uart_init(&s);
	serial_write(&s, UART_FCR, 0x01);
	CHECK_EQ("uart: FIFOs on: IIR bits 7-6 set, none pending (0xc1)", 0xc1,
		 serial_read(&s, UART_IIR));
	serial_write(&s, UART_IER, UART_IER_THRI);
	CHECK_EQ("uart: FIFOs on: THRE is 0xc2", 0xc2, serial_read(&s, UART_IIR));
	serial_write(&s, UART_IER, UART_IER_RDI);
	uart_receive(&s, 'c');
	CHECK_EQ("uart: FIFOs on: received data is 0xc4", 0xc4, serial_read(&s, UART_IIR));

	uart_init(&s);
	CHECK_EQ("uart: LSR, nothing received: transmitter empty, no data (0x60)", 0x60,
		 serial_read(&s, UART_LSR));
	uart_receive(&s, 'd');
	CHECK_EQ("uart: LSR with a byte waiting: data ready too (0x61)", 0x61,
		 serial_read(&s, UART_LSR));

	/* OUT2 gates the pin on a PC board, outside the UART: serial.c keeps
	 * MCR for the chapter to look at, and its pin does not depend on it. */
	uart_init(&s);
	serial_write(&s, UART_MCR, 0);
	serial_write(&s, UART_IER, UART_IER_THRI);
	CHECK_EQ("uart: the UART's own pin is high with MCR's OUT2 off", 1, serial_irq(&s));
	serial_write(&s, UART_MCR, UART_MCR_OUT2 | 0xe0);
	CHECK_EQ("uart: MCR keeps OUT2, bits 7-5 read 0", UART_MCR_OUT2, serial_read(&s, UART_MCR));
	CHECK_EQ("uart: ...and the pin is the same with OUT2 on", 1, serial_irq(&s));
}

/* serial_take_input() on a pipe as standard input: a byte when one is
 * there, never a wait, one EOT at the end, then nothing. */
static void test_take_input(void)
{
	struct serial s;
	int fds[2], saved = dup(STDIN_FILENO);

	if (saved < 0 || pipe(fds) != 0) {
		CHECK_EQ("uart: a pipe for standard input", 0, 1);
		return;
	}
	dup2(fds[0], STDIN_FILENO);
	close(fds[0]);
	uart_init(&s);
	CHECK_EQ("uart: nothing typed yet: nothing taken, no wait", 0, serial_take_input(&s));
	CHECK_EQ("uart: ...and no data ready", 0, s.rx_full);
	CHECK_EQ("uart: a byte typed is taken", 1, write(fds[1], "xy", 2) == 2 &&
		 serial_take_input(&s));
	CHECK_EQ("uart: ...into the receive register", 'x', s.rx);
	CHECK_EQ("uart: while it is full, nothing more is taken", 0, serial_take_input(&s));
	CHECK_EQ("uart: RBR gives it", 'x', serial_read(&s, UART_RBR));
	CHECK_EQ("uart: then the next", 1, serial_take_input(&s) && s.rx == 'y');
	serial_read(&s, UART_RBR);
	close(fds[1]);
	CHECK_EQ("uart: at the end of input one byte comes", 1, serial_take_input(&s));
	CHECK_EQ("uart: ...the EOT (0x04)", UART_EOT, s.rx);
	serial_read(&s, UART_RBR);
	CHECK_EQ("uart: then nothing, ever", 0, serial_take_input(&s));
	CHECK_EQ("uart: ...and input is not wanted any more", 0, serial_wants_input(&s));
	CHECK_EQ("uart: three bytes were received", 3, s.received);
	dup2(saved, STDIN_FILENO);
	close(saved);
}

int main(void)
{
	test_without_interrupts();
	test_nothing_pending();
	test_thre();
	test_priority();
	test_registers();
	test_take_input();
	fflush(stdout);
	return check_failures ? 1 : 0;
}
