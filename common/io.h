/* io.h - KVM_EXIT_IO handling as chapter 07 teaches it, for the chapters
 * after it: COM1 (serial.h) and the exit port, as two devices on the
 * monitor's port bus (bus.h), and a report for any other port. */
#ifndef KVM_STEPS_IO_H
#define KVM_STEPS_IO_H

#include "bus.h"
#include "kvm.h"
#include "serial.h"

#include <stdbool.h>

#define EXIT_PORT 0xf4          /* OUT of a byte here ends the run */
#define UNKNOWN_PORT_REPORTS UNKNOWN_ADDRESS_REPORTS /* lines about unknown ports, at most */

/* The monitor's devices: the bus, and the state of the two devices every
 * chapter from 07 on has. Chapter 09 registers more on bus. */
struct io_bus {
	struct bus bus;
	struct serial com1;
	bool exit_requested;  /* the guest wrote to the exit port... */
	int exit_status;      /* ...this byte */
};

/* An empty bus, then COM1 at 0x3f8-0x3ff and the exit port at 0xf4 on it. */
void io_init(struct io_bus *io);

/* Handle the KVM_EXIT_IO in vcpu->run. Returns true if the guest wrote to
 * the exit port, with the byte it wrote in *status. */
bool io_handle(struct kvm_vcpu *vcpu, struct io_bus *io, int *status);

#endif
