/* io.c - see io.h; chapter 07 explains each step. */
#include "io.h"

#include "util.h"

#include <stdio.h>

void io_init(struct io_bus *bus)
{
	serial_init(&bus->com1);
	bus->unknown_reports = 0;
}

static void report_unknown(struct kvm_vcpu *vcpu, struct io_bus *bus,
			   const struct kvm_run *run)
{
	struct kvm_regs regs;

	if (bus->unknown_reports > UNKNOWN_PORT_REPORTS)
		return;
	if (++bus->unknown_reports > UNKNOWN_PORT_REPORTS) {
		warn("more accesses to unknown ports follow; they are not reported");
		return;
	}
	vcpu_regs_get(vcpu, &regs);
	warn("unknown port 0x%x: %s of size %u, count %u, at guest rip 0x%llx; %s",
	     run->io.port, run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
	     run->io.size, run->io.count, (unsigned long long)regs.rip,
	     run->io.direction == KVM_EXIT_IO_OUT ? "ignored" : "it reads all ones");
}

bool io_handle(struct kvm_vcpu *vcpu, struct io_bus *bus, int *status)
{
	// LAB BEGIN 07: chapter 07's stage as the helper later chapters call: handle one KVM_EXIT_IO as chapter 07's handle_io() does, with bus->com1 for COM1 and report_unknown(vcpu, bus, run) for ports nobody owns; true, with *status set, when the guest writes to EXIT_PORT.
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

		for (unsigned b = 0; b < run->io.size; b++) {
			unsigned port = (run->io.port + b) & 0xffff;

			if (port >= COM1_BASE && port < COM1_BASE + COM1_SIZE) {
				if (out)
					serial_write(&bus->com1, port - COM1_BASE, item[b]);
				else
					item[b] = serial_read(&bus->com1, port - COM1_BASE);
			} else if (port == EXIT_PORT) {
				if (out) {
					*status = item[b];
					return true;
				}
				item[b] = 0xff;
			} else {
				unknown = true;
				if (!out)
					item[b] = 0xff;
			}
		}
	}
	if (unknown)
		report_unknown(vcpu, bus, run);
	return false;
	// LAB END
}
