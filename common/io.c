/* io.c - see io.h; chapter 07 explains each step, chapter 09 the bus. */
#include "io.h"

#include "util.h"

#include <stdio.h>

static uint64_t com1_read(void *opaque, uint64_t offset, unsigned size)
{
	(void)size; /* port devices are reached one byte at a time */
	return serial_read(opaque, (unsigned)offset);
}

static void com1_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	(void)size;
	serial_write(opaque, (unsigned)offset, (uint8_t)value);
}

static uint64_t exit_port_read(void *opaque, uint64_t offset, unsigned size)
{
	(void)opaque, (void)offset, (void)size;
	return 0xff; /* nothing to read: the bus floats high */
}

static void exit_port_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	struct io_bus *io = opaque;

	(void)offset, (void)size;
	io->exit_requested = true;
	io->exit_status = (uint8_t)value;
}

void io_init(struct io_bus *io)
{
	bus_init(&io->bus);
	serial_init(&io->com1);
	io->exit_requested = false;
	io->exit_status = 0;
	bus_register(&io->bus, BUS_PIO, &(struct bus_device){
		.name = "com1", .base = COM1_BASE, .size = COM1_SIZE,
		.opaque = &io->com1, .read = com1_read, .write = com1_write });
	bus_register(&io->bus, BUS_PIO, &(struct bus_device){
		.name = "exit-port", .base = EXIT_PORT, .size = 1,
		.opaque = io, .read = exit_port_read, .write = exit_port_write });
}

bool io_handle(struct kvm_vcpu *vcpu, struct io_bus *io, int *status)
{
	// LAB BEGIN 07: chapter 07's stage as the helper later chapters call: handle one KVM_EXIT_IO as chapter 07's handle_io() does, each byte port found on io->bus (bus_find(), BUS_PIO) and given to its device's read or write; true, with *status = io->exit_status, once a write sets io->exit_requested; a byte no device owns reads 0xff, and the exit is reported once with bus_report_unknown().
	struct kvm_run *run = vcpu->run;
	uint64_t bytes = (uint64_t)run->io.size * run->io.count;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;
	bool unknown = false;

	if (run->io.size != 1 && run->io.size != 2 && run->io.size != 4)
		die(EXIT_KVM_ERROR, "KVM_EXIT_IO has size %u; a port access is "
		    "1, 2 or 4 bytes", run->io.size);
	if (run->io.data_offset > vcpu->run_size ||
	    bytes > vcpu->run_size - run->io.data_offset)
		die(EXIT_KVM_ERROR, "KVM_EXIT_IO describes %u x %u bytes at offset "
		    "%llu, outside the %zu bytes of struct kvm_run", run->io.count,
		    run->io.size, (unsigned long long)run->io.data_offset,
		    vcpu->run_size);

	for (uint32_t i = 0; i < run->io.count; i++) {
		uint8_t *item = data + (uint64_t)i * run->io.size;

		/* Each byte of the item is one port, as the ISA bus splits it. */
		for (unsigned b = 0; b < run->io.size; b++) {
			unsigned port = (run->io.port + b) & 0xffff;
			const struct bus_device *dev = bus_find(&io->bus, BUS_PIO, port, 1);

			if (dev == NULL) {
				unknown = true;
				if (!out)
					item[b] = 0xff;
			} else if (out) {
				dev->write(dev->opaque, port - dev->base, 1, item[b]);
				if (io->exit_requested) {
					io->exit_requested = false; /* the next run starts afresh */
					*status = io->exit_status;
					return true;
				}
			} else {
				item[b] = (uint8_t)dev->read(dev->opaque, port - dev->base, 1);
			}
		}
	}
	if (unknown) {
		char what[16], detail[24];

		snprintf(what, sizeof(what), "port 0x%x", run->io.port);
		snprintf(detail, sizeof(detail), ", count %u", run->io.count);
		bus_report_unknown(&io->bus, BUS_PIO, vcpu, what, out, run->io.size, detail);
	}
	return false;
	// LAB END
}
