/* bus.c - see bus.h. */
#include "bus.h"

#include "util.h"

#include <stdio.h>
#include <string.h>

static const char *const space_names[BUS_SPACES] = {
	[BUS_PIO] = "port", [BUS_MMIO] = "MMIO",
};

void bus_init(struct bus *bus)
{
	memset(bus, 0, sizeof(*bus));
}

void bus_register(struct bus *bus, enum bus_space space, const struct bus_device *dev)
{
	struct bus_device *list = bus->devices[space];

	if (dev->size == 0 || dev->base + dev->size < dev->base)
		die(EXIT_KVM_ERROR, "device %s: an empty or wrapping %s window at 0x%llx",
		    dev->name, space_names[space], (unsigned long long)dev->base);
	for (unsigned i = 0; i < bus->count[space]; i++)
		if (dev->base < list[i].base + list[i].size &&
		    list[i].base < dev->base + dev->size)
			die(EXIT_KVM_ERROR, "device %s at %s 0x%llx overlaps device %s "
			    "at 0x%llx: give each its own addresses", dev->name,
			    space_names[space], (unsigned long long)dev->base,
			    list[i].name, (unsigned long long)list[i].base);
	if (bus->count[space] == BUS_DEVICES)
		die(EXIT_KVM_ERROR, "device %s: the %s bus holds %d devices at most",
		    dev->name, space_names[space], BUS_DEVICES);
	list[bus->count[space]++] = *dev;
}

const struct bus_device *bus_find(const struct bus *bus, enum bus_space space,
				  uint64_t addr, unsigned len)
{
	for (unsigned i = 0; i < bus->count[space]; i++) {
		const struct bus_device *d = &bus->devices[space][i];

		/* Written so that no sum can wrap: addr near 2^64 is a guest's
		 * choice, not ours. */
		if (addr >= d->base && addr - d->base < d->size &&
		    len <= d->size - (addr - d->base))
			return d;
	}
	return NULL;
}

// ANCHOR: report
void bus_report_unknown(struct bus *bus, enum bus_space space, struct kvm_vcpu *vcpu,
			const char *what, bool write, unsigned size, const char *detail)
{
	struct kvm_regs regs;

	if (bus->quiet) {
		bus->unclaimed++;
		return;
	}
	if (bus->unknown_reports[space] > UNKNOWN_ADDRESS_REPORTS)
		return;
	if (++bus->unknown_reports[space] > UNKNOWN_ADDRESS_REPORTS) {
		warn("more accesses to unknown %s follow; they are not reported",
		     space == BUS_PIO ? "ports" : "addresses");
		return;
	}
	vcpu_regs_get(vcpu, &regs);
	if (space == BUS_PIO)
		warn("unknown %s: %s of size %u%s, at guest rip 0x%llx; %s", what,
		     write ? "out" : "in", size, detail, (unsigned long long)regs.rip,
		     write ? "ignored" : "it reads all ones");
	else
		warn("no device at %s: %s of %u byte%s%s, at guest rip 0x%llx; %s", what,
		     write ? "write" : "read", size, size == 1 ? "" : "s", detail,
		     (unsigned long long)regs.rip,
		     write ? "the write is dropped" : "it reads all ones");
}
// ANCHOR_END: report
