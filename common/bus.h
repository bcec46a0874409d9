/* bus.h - the monitor's device bus: which device answers an address.
 *
 * A device is an address range and a read and a write function, as in
 * kvmtool (kvm__register_pio(), kvm__register_mmio()) and crosvm's Bus.
 * There are two address spaces, kept apart as the kernel keeps them in
 * kvm->buses[] (created by kvm_create_vm() in virt/kvm/kvm_main.c):
 * BUS_PIO is the twin of KVM_PIO_BUS, the 64 KiB of I/O ports IN and OUT
 * reach; BUS_MMIO the twin of KVM_MMIO_BUS, guest-physical addresses that
 * are not RAM. The kernel looks for an in-kernel device on its bus first
 * (kvm_io_bus_write(), kvm_io_bus_read()); only an access none of them
 * takes reaches user space, as KVM_EXIT_IO or KVM_EXIT_MMIO, and lands here.
 *
 * This room owns the tables of devices and the count of reports about
 * addresses nobody owns. Devices own their own state (their opaque
 * pointer); the bus never looks inside it. One thread uses it. */
#ifndef KVM_STEPS_BUS_H
#define KVM_STEPS_BUS_H

#include "kvm.h"

#include <stdbool.h>
#include <stdint.h>

enum bus_space {
	BUS_PIO,   /* I/O ports: KVM_PIO_BUS's twin */
	BUS_MMIO,  /* guest-physical addresses: KVM_MMIO_BUS's twin */
	BUS_SPACES,
};

#define BUS_DEVICES 8           /* per address space, at most */
#define UNKNOWN_ADDRESS_REPORTS 20 /* lines about addresses nobody owns, at most */

/* One device's window. offset is from base; size is 1, 2, 4 or 8 bytes,
 * values little-endian, as x86 puts them on the bus. */
struct bus_device {
	const char *name;
	uint64_t base, size;
	void *opaque; /* the device's own state, given back to read and write */
	uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
	void (*write)(void *opaque, uint64_t offset, unsigned size, uint64_t value);
};

struct bus {
	struct bus_device devices[BUS_SPACES][BUS_DEVICES];
	unsigned count[BUS_SPACES];
	unsigned unknown_reports[BUS_SPACES]; /* lines printed so far, per space */
	bool quiet;               /* chapter 15: count unknown accesses, print nothing */
	unsigned long unclaimed;  /* accesses nobody owned, counted when quiet */
};

void bus_init(struct bus *bus);

/* Add a device. Two devices may not overlap in one space: the program
 * that tries stops with a line naming both (status 71). */
void bus_register(struct bus *bus, enum bus_space space, const struct bus_device *dev);

/* The device whose window holds all len bytes at addr, or NULL. */
const struct bus_device *bus_find(const struct bus *bus, enum bus_space space,
				  uint64_t addr, unsigned len);

/* An access nobody owns: one line with the address, size, direction and
 * the guest's RIP, "reads all ones" or "ignored"; after
 * UNKNOWN_ADDRESS_REPORTS of them in a space, one line saying more
 * follow, then silence, so a guest polling a missing device in a loop
 * cannot bury everything else. what is "port 0x80" or "guest-physical
 * 0xa0000"; detail (may be "") follows the size, as ", count 1". */
void bus_report_unknown(struct bus *bus, enum bus_space space, struct kvm_vcpu *vcpu,
			const char *what, bool write, unsigned size, const char *detail);

#endif
