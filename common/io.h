/* io.h - KVM_EXIT_IO handling as chapter 07 teaches it, for the chapters
 * after it: COM1 (serial.h), the exit port, and a report for any other. */
#ifndef KVM_STEPS_IO_H
#define KVM_STEPS_IO_H

#include "kvm.h"
#include "serial.h"

#include <stdbool.h>

#define EXIT_PORT 0xf4          /* OUT of a byte here ends the run */
#define UNKNOWN_PORT_REPORTS 20 /* lines about unknown ports, at most */

struct io_bus {
	struct serial com1;
	unsigned unknown_reports; /* how many unknown-port lines were printed */
};

void io_init(struct io_bus *bus);

/* Handle the KVM_EXIT_IO in vcpu->run. Returns true if the guest wrote to
 * the exit port, with the byte it wrote in *status. */
bool io_handle(struct kvm_vcpu *vcpu, struct io_bus *bus, int *status);

#endif
