/* Chapter 09: MMIO, and the PC's memory map: RAM, a hole with devices in
 * it, and ROM.
 *
 * Guest-physical addresses need not all be RAM. Here the VM gets four
 * memory slots laid out as a PC's: RAM below 640 KiB, RAM from 1 MiB,
 * and a 64 KiB firmware ROM just below 4 GiB, mapped again at 0xf0000 the
 * way a PC's chipset shows the top of its BIOS below 1 MiB. Both ROM
 * slots are read-only (KVM_MEM_READONLY): the guest reads them as memory,
 * and a write to them ends KVM_RUN with KVM_EXIT_MMIO. Between 640 KiB
 * and 1 MiB there is no memory at all, and two devices live there: a VGA
 * text screen at 0xb8000 and a virtio-mmio doorbell at 0xd0000. The
 * guest's accesses there fault in the kernel (an EPT violation or
 * misconfiguration on Intel, a nested page fault on AMD), KVM's
 * instruction emulator decodes the instruction, finds no in-kernel
 * device on KVM_MMIO_BUS, and fills in run->mmio for us.
 *
 * No register is set from the host: the vCPU starts from its reset state,
 * CS base 0xffff0000 and IP 0xfff0, and fetches its first instruction at
 * 0xfffffff0, inside the ROM, as a PC does.
 *
 * Standard output carries only what the guest prints on COM1; this
 * program's own lines, the memory map and the screen go to standard error. */
#include "bus.h"
#include "guest.h"
#include "guest_firmware.h"
#include "io.h"
#include "kvm.h"
#include "options.h"
#include "run.h"
#include "serial.h"
#include "util.h"
#include "vga.h"
#include "virtio_mmio.h"
#include "x86.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>

// ANCHOR: memory-map
/* The PC's memory map, as far as this machine has one. */
#define LOW_RAM_BASE    0x0u
#define LOW_RAM_SIZE    0xa0000u      /* 640 KiB: "conventional memory" */
#define HIGH_RAM_BASE   0x100000u     /* from 1 MiB: "extended memory" */
#define HIGH_RAM_SIZE   0x100000u     /* 1 MiB of it */
#define ROM_SIZE        0x10000u      /* 64 KiB of firmware */
#define ROM_BASE        (0x100000000ull - ROM_SIZE) /* 0xffff0000: the top of 4 GiB */
#define ROM_ALIAS_BASE  (0x100000u - ROM_SIZE)      /* 0xf0000: the top of 1 MiB */

enum { SLOT_LOW_RAM, SLOT_HIGH_RAM, SLOT_ROM, SLOT_ROM_ALIAS, SLOTS };

struct region {
	const char *what;
	uint32_t slot, flags;   /* flags: 0, or KVM_MEM_READONLY */
	uint64_t gpa, size;
	uint8_t *host;          /* where this process sees it */
};
// ANCHOR_END: memory-map

/* The machine: its memory, its devices, and what the two ways round an
 * exit need (the coalesced ring, the doorbell's eventfd). */
struct machine {
	struct region regions[SLOTS];
	struct io_bus io;             /* the bus, COM1 and the exit port (chapter 07) */
	struct vga_text vga;
	struct virtio_mmio doorbell;
	struct kvm_vcpu *vcpu;        /* for the ROM's report: the guest's RIP */
	unsigned rom_reports;
	struct kvm_coalesced_mmio_ring *ring; /* NULL without --coalesced-mmio */
	uint32_t ring_entries;
	int eventfd;                  /* -1 without --ioeventfd */
	unsigned long coalesced;      /* writes taken from the ring */
	unsigned long mmio_exits[BUS_DEVICES + 1]; /* per device; the last: nobody */
};

// ANCHOR: capabilities
/* What this chapter asks of KVM beyond chapters 01-08. Asked on the VM fd:
 * the answer may depend on the kind of VM (an SEV-ES guest, whose state
 * the host cannot see, has no read-only memory). */
struct caps {
	int readonly;   /* KVM_CAP_READONLY_MEM: 1 if KVM_MEM_READONLY works */
	int ring_page;  /* KVM_CAP_COALESCED_MMIO: the ring's page in kvm_run, 0 if none */
	int ioeventfd;  /* KVM_CAP_IOEVENTFD: 1 if KVM_IOEVENTFD works */
};

static struct caps check_capabilities(struct kvm_vm *vm, const struct options *opts)
{
	struct caps c = {
		.readonly = kvm_ioctl(vm->fd, KVM_CHECK_EXTENSION, (void *)KVM_CAP_READONLY_MEM),
		.ring_page = kvm_ioctl(vm->fd, KVM_CHECK_EXTENSION, (void *)KVM_CAP_COALESCED_MMIO),
		.ioeventfd = kvm_ioctl(vm->fd, KVM_CHECK_EXTENSION, (void *)KVM_CAP_IOEVENTFD),
	};

	if (c.readonly <= 0)
		die(EXIT_NO_KVM, "this KVM has no read-only memory (KVM_CAP_READONLY_MEM is "
		    "%d): the firmware ROM at 0x%llx cannot be mapped as a PC maps it",
		    c.readonly, ROM_BASE);
	if (opts->coalesced_mmio && c.ring_page <= 0)
		die(EXIT_NO_KVM, "--coalesced-mmio: this KVM has no coalesced MMIO "
		    "(KVM_CAP_COALESCED_MMIO is %d); run without it", c.ring_page);
	if (opts->ioeventfd && c.ioeventfd <= 0)
		die(EXIT_NO_KVM, "--ioeventfd: this KVM has no ioeventfd "
		    "(KVM_CAP_IOEVENTFD is %d); run without it", c.ioeventfd);
	return c;
}
// ANCHOR_END: capabilities

static uint8_t *map_anonymous(uint64_t size, const char *what)
{
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (mem == MAP_FAILED)
		die(EXIT_KVM_ERROR, "cannot map %llu bytes for the %s: %s",
		    (unsigned long long)size, what, strerror(errno));
	return mem;
}

// ANCHOR: add-slots
/* Four slots where chapter 03 had one. KVM keeps them in a tree ordered
 * by address (a memslot is found by walking it by guest frame number,
 * after a look at the slot used last); any address no slot covers is
 * MMIO. The two ROM slots share one buffer: a write the guest cannot make
 * through either, the host could make to both at once. */
static void add_memory_map(struct kvm_vm *vm, struct machine *m)
{
	uint8_t *rom = map_anonymous(ROM_SIZE, "firmware ROM");

	// LAB BEGIN: fill m->regions[] as the memory map above says, each with a what, its slot number, flags, gpa, size and host memory: SLOT_LOW_RAM and SLOT_HIGH_RAM from map_anonymous(), flags 0; SLOT_ROM at ROM_BASE and SLOT_ROM_ALIAS at ROM_ALIAS_BASE, both KVM_MEM_READONLY and both the one buffer rom. Then hand each to KVM with KVM_SET_USER_MEMORY_REGION (kvm_ioctl_or_die()).
	m->regions[SLOT_LOW_RAM] = (struct region){
		"RAM, 640 KiB", SLOT_LOW_RAM, 0, LOW_RAM_BASE, LOW_RAM_SIZE,
		map_anonymous(LOW_RAM_SIZE, "RAM below 640 KiB") };
	m->regions[SLOT_HIGH_RAM] = (struct region){
		"RAM, 1 MiB", SLOT_HIGH_RAM, 0, HIGH_RAM_BASE, HIGH_RAM_SIZE,
		map_anonymous(HIGH_RAM_SIZE, "RAM above 1 MiB") };
	m->regions[SLOT_ROM] = (struct region){
		"ROM, 64 KiB, read-only: the reset vector", SLOT_ROM,
		KVM_MEM_READONLY, ROM_BASE, ROM_SIZE, rom };
	m->regions[SLOT_ROM_ALIAS] = (struct region){
		"ROM again, read-only: the same 64 KiB", SLOT_ROM_ALIAS,
		KVM_MEM_READONLY, ROM_ALIAS_BASE, ROM_SIZE, rom };

	for (int i = 0; i < SLOTS; i++) {
		struct region *r = &m->regions[i];
		struct kvm_userspace_memory_region slot = {
			.slot = r->slot,
			.flags = r->flags,
			.guest_phys_addr = r->gpa,
			.memory_size = r->size,
			.userspace_addr = (uintptr_t)r->host,
		};

		kvm_ioctl_or_die(vm->fd, KVM_SET_USER_MEMORY_REGION, &slot);
	}
	// LAB END
}
// ANCHOR_END: add-slots

// ANCHOR: load-rom
/* A ROM image is placed so that it ends at the ROM's end: its last 16
 * bytes are what the CPU fetches at 0xfffffff0, whatever its size. The
 * rest of the ROM reads 0xff, as erased flash does. */
static size_t load_rom(struct machine *m, const char *path)
{
	uint8_t *rom = m->regions[SLOT_ROM].host;
	size_t size = guest_load(path, guest_firmware, sizeof(guest_firmware), rom,
				 ROM_SIZE, "the ROM, 0xffff0000 to 0xffffffff");

	memmove(rom + ROM_SIZE - size, rom, size);
	memset(rom, 0xff, ROM_SIZE - size);
	/* From here on nobody writes the ROM, the host included. */
	if (mprotect(rom, ROM_SIZE, PROT_READ) < 0)
		die(EXIT_KVM_ERROR, "cannot make the ROM read-only in this process: %s",
		    strerror(errno));
	return size;
}
// ANCHOR_END: load-rom

/* The ROM's window on the bus. KVM reads a read-only slot as memory, so
 * only writes come here; a ROM ignores them. */
static uint64_t rom_read(void *opaque, uint64_t offset, unsigned size)
{
	const struct machine *m = opaque;
	const uint8_t *rom = m->regions[SLOT_ROM].host;
	uint64_t value = 0;

	for (unsigned i = 0; i < size; i++)
		value |= (uint64_t)rom[offset + i] << (8 * i);
	return value;
}

static void rom_write(struct machine *m, uint64_t gpa, unsigned size)
{
	struct kvm_regs regs;

	if (m->rom_reports > UNKNOWN_ADDRESS_REPORTS)
		return;
	if (++m->rom_reports > UNKNOWN_ADDRESS_REPORTS) {
		warn("more writes to the ROM follow; they are not reported");
		return;
	}
	vcpu_regs_get(m->vcpu, &regs);
	warn("write of %u byte%s to the ROM at guest-physical 0x%llx, at guest rip "
	     "0x%llx: the slot is read-only; the write is dropped", size,
	     size == 1 ? "" : "s", (unsigned long long)gpa, (unsigned long long)regs.rip);
}

static void rom_write_high(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	struct machine *m = opaque;

	(void)value;
	rom_write(m, ROM_BASE + offset, size);
}

static void rom_write_alias(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	struct machine *m = opaque;

	(void)value;
	rom_write(m, ROM_ALIAS_BASE + offset, size);
}

// ANCHOR: devices
/* The MMIO devices, on the same bus as COM1 and the exit port. */
static void add_devices(struct machine *m)
{
	struct bus *bus = &m->io.bus;

	vga_init(&m->vga);
	virtio_mmio_init(&m->doorbell);
	bus_register(bus, BUS_MMIO, &(struct bus_device){
		.name = "vga-text", .base = VGA_TEXT_BASE, .size = VGA_TEXT_WINDOW,
		.opaque = &m->vga, .read = vga_read, .write = vga_write });
	bus_register(bus, BUS_MMIO, &(struct bus_device){
		.name = "virtio-mmio", .base = VIRTIO_MMIO_BASE, .size = VIRTIO_MMIO_WINDOW,
		.opaque = &m->doorbell, .read = virtio_mmio_read, .write = virtio_mmio_write });
	bus_register(bus, BUS_MMIO, &(struct bus_device){
		.name = "rom", .base = ROM_BASE, .size = ROM_SIZE,
		.opaque = m, .read = rom_read, .write = rom_write_high });
	bus_register(bus, BUS_MMIO, &(struct bus_device){
		.name = "rom-alias", .base = ROM_ALIAS_BASE, .size = ROM_SIZE,
		.opaque = m, .read = rom_read, .write = rom_write_alias });
}
// ANCHOR_END: devices

// ANCHOR: mmio-access
/* One access to an address that is not RAM, from an exit or from the
 * coalesced ring: the device that owns all its bytes reads or writes it;
 * nobody's address reads all ones and drops writes, as on a PC bus where
 * no device answers, and is reported. data holds the bytes, little-endian:
 * for a write what the guest wrote, for a read what it will get. */
static void mmio_access(struct machine *m, uint64_t gpa, unsigned len, bool write,
			uint8_t *data, bool from_ring)
{
	struct bus *bus = &m->io.bus;
	const struct bus_device *dev;
	uint64_t value = 0;

	// LAB BEGIN: find the device with bus_find(bus, BUS_MMIO, gpa, len). For a write, gather the len bytes of data into value (data[0] the lowest) and give it to dev->write(dev->opaque, gpa - dev->base, len, value); for a read, value = dev->read(...) and spread it back into data[0..7] (bytes past len 0). With no device, a read gives len bytes of 0xff and a write is dropped, and bus_report_unknown(bus, BUS_MMIO, m->vcpu, "guest-physical 0x...", write, len, "") says so. An access that is not from the ring counts one exit in m->mmio_exits[device index], or in m->mmio_exits[BUS_DEVICES] for nobody.
	dev = bus_find(bus, BUS_MMIO, gpa, len);
	if (write)
		for (unsigned i = 0; i < len; i++)
			value |= (uint64_t)data[i] << (8 * i);
	if (dev == NULL) {
		char what[40];

		snprintf(what, sizeof(what), "guest-physical 0x%llx", (unsigned long long)gpa);
		bus_report_unknown(bus, BUS_MMIO, m->vcpu, what, write, len, "");
		if (!write)
			value = len == 8 ? ~0ull : (1ull << (8 * len)) - 1;
	} else if (write) {
		dev->write(dev->opaque, gpa - dev->base, len, value);
	} else {
		value = dev->read(dev->opaque, gpa - dev->base, len);
	}
	if (!write)
		for (unsigned i = 0; i < 8; i++)
			data[i] = i < len ? (uint8_t)(value >> (8 * i)) : 0;
	if (!from_ring)
		m->mmio_exits[dev ? (size_t)(dev - bus->devices[BUS_MMIO]) : BUS_DEVICES]++;
	// LAB END

	if (kvm_trace) {
		stdout_flush(); /* a failure is kept for the report */
		fprintf(stderr, "trace: %s %s 0x%llx", from_ring ? "coalesced" : "mmio",
			write ? "write to" : "read from", (unsigned long long)gpa);
		if (dev)
			fprintf(stderr, " (%s +0x%llx)", dev->name,
				(unsigned long long)(gpa - dev->base));
		else
			fprintf(stderr, " (no device)");
		fprintf(stderr, ", %u byte%s%s 0x%llx\n", len, len == 1 ? "" : "s",
			write ? ", value" : ": gives", (unsigned long long)value);
	}
}
// ANCHOR_END: mmio-access

// ANCHOR: handle-mmio
/* KVM_EXIT_MMIO: run->mmio says what the guest's instruction does. For a
 * read, the bytes left in run->mmio.data reach the guest's register at
 * the next KVM_RUN, which finishes the instruction. */
static void handle_mmio(struct kvm_vcpu *vcpu, struct machine *m)
{
	struct kvm_run *run = vcpu->run;

	if (run->mmio.len == 0 || run->mmio.len > sizeof(run->mmio.data))
		die(EXIT_KVM_ERROR, "KVM_EXIT_MMIO of %u bytes at 0x%llx: the data field "
		    "holds 1 to 8", run->mmio.len, (unsigned long long)run->mmio.phys_addr);
	mmio_access(m, run->mmio.phys_addr, run->mmio.len, run->mmio.is_write,
		    run->mmio.data, false);
}
// ANCHOR_END: handle-mmio

// ANCHOR: coalesced
/* KVM_REGISTER_COALESCED_MMIO: the kernel no longer exits for a write to
 * the zone. It appends the write to a ring in one page of the vCPU's
 * kvm_run mapping (which page: KVM_CHECK_EXTENSION's answer for
 * KVM_CAP_COALESCED_MMIO) and lets the guest go on; reads still exit.
 * Right for memory whose writes nobody sees until it is read, such as a
 * screen; wrong for a register whose write must do something at once. */
static void setup_coalesced(struct kvm_vm *vm, struct kvm_vcpu *vcpu, struct machine *m,
			    int ring_page)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct kvm_coalesced_mmio_zone zone = {
		.addr = VGA_TEXT_BASE,
		.size = VGA_TEXT_WINDOW,
		.pio = 0,               /* MMIO, not port I/O */
	};

	if ((size_t)ring_page * page + page > vcpu->run_size)
		die(EXIT_KVM_ERROR, "the coalesced MMIO ring is said to be at page %d of the "
		    "kvm_run mapping, which has %zu bytes", ring_page, vcpu->run_size);
	kvm_ioctl_or_die(vm->fd, KVM_REGISTER_COALESCED_MMIO, &zone);
	m->ring = (struct kvm_coalesced_mmio_ring *)((uint8_t *)vcpu->run + ring_page * page);
	/* The kernel's KVM_COALESCED_MMIO_MAX, from the same page size. */
	m->ring_entries = (uint32_t)((page - sizeof(*m->ring)) / sizeof(m->ring->coalesced_mmio[0]));
}

/* Play the queued writes, oldest first. The kernel writes an entry, then
 * moves last; the monitor reads last, then the entries, then moves first:
 * the ring is full when last + 1 == first, and then the next write exits
 * as plain KVM_EXIT_MMIO. Called after every KVM_RUN, before the exit is
 * handled: the queued writes came before the access that exited. */
static void drain_coalesced(struct machine *m)
{
	struct kvm_coalesced_mmio_ring *ring = m->ring;

	if (ring == NULL)
		return;
	// LAB BEGIN: while ring->first differs from ring->last (read last with __atomic_load_n, __ATOMIC_ACQUIRE), check both are below m->ring_entries and the entry at first has len 1 to 8 and pio 0 (else die with EXIT_KVM_ERROR); give it to mmio_access() as a write from the ring, count it in m->coalesced, and move first on by one, modulo m->ring_entries (__atomic_store_n, __ATOMIC_RELEASE).
	for (;;) {
		uint32_t first = ring->first;
		uint32_t last = __atomic_load_n(&ring->last, __ATOMIC_ACQUIRE);
		struct kvm_coalesced_mmio *entry;

		if (first == last)
			break;
		if (first >= m->ring_entries || last >= m->ring_entries)
			die(EXIT_KVM_ERROR, "the coalesced MMIO ring says first %u, last %u: "
			    "outside its %u entries", first, last, m->ring_entries);
		entry = &ring->coalesced_mmio[first];
		if (entry->len == 0 || entry->len > sizeof(entry->data) || entry->pio)
			die(EXIT_KVM_ERROR, "coalesced MMIO entry %u: %u bytes at 0x%llx%s: "
			    "not a write this program asked to be queued", first, entry->len,
			    (unsigned long long)entry->phys_addr, entry->pio ? ", port I/O" : "");
		mmio_access(m, entry->phys_addr, entry->len, true, entry->data, true);
		m->coalesced++;
		__atomic_store_n(&ring->first, (first + 1) % m->ring_entries, __ATOMIC_RELEASE);
	}
	// LAB END
}
// ANCHOR_END: coalesced

// ANCHOR: ioeventfd
/* KVM_IOEVENTFD: a 4-byte write to QueueNotify is matched inside the
 * kernel, on its KVM_MMIO_BUS, before any exit is considered: the
 * kernel adds 1 to the eventfd's counter and the guest goes on. A real
 * monitor has a thread waiting on the eventfd; this one reads the count
 * when the run ends. */
static void setup_ioeventfd(struct kvm_vm *vm, struct machine *m)
{
	struct kvm_ioeventfd doorbell = {
		.addr = VIRTIO_MMIO_BASE + VIRTIO_MMIO_QUEUE_NOTIFY,
		.len = 4,           /* only writes of exactly 4 bytes match */
		.flags = 0,         /* MMIO (no KVM_IOEVENTFD_FLAG_PIO); any value
				     * (no KVM_IOEVENTFD_FLAG_DATAMATCH) */
	};

	m->eventfd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (m->eventfd < 0)
		die(EXIT_KVM_ERROR, "eventfd() for the doorbell failed: %s", strerror(errno));
	kvm_fd_role(m->eventfd, "eventfd");
	doorbell.fd = m->eventfd;
	kvm_ioctl_or_die(vm->fd, KVM_IOEVENTFD, &doorbell);
}

/* How many doorbell writes the kernel took: reading an eventfd returns
 * its counter and sets it to 0 (EAGAIN when it is 0 already). */
static unsigned long doorbell_signals(struct machine *m)
{
	uint64_t count = 0;

	if (m->eventfd < 0)
		return 0;
	if (read(m->eventfd, &count, sizeof(count)) != (ssize_t)sizeof(count)) {
		if (errno != EAGAIN)
			warn("cannot read the doorbell's eventfd: %s", strerror(errno));
		return 0;
	}
	return (unsigned long)count;
}
// ANCHOR_END: ioeventfd

// ANCHOR: run-loop
static int run_guest(struct kvm_vcpu *vcpu, struct machine *m, const struct options *opts)
{
	int status;

	for (;;) {
		if (vcpu_run(vcpu) == RUN_TIMED_OUT) {
			drain_coalesced(m);
			return timeout_report(vcpu, opts->timeout);
		}
		drain_coalesced(m);

		switch (vcpu->run->exit_reason) {
		case KVM_EXIT_MMIO:
			handle_mmio(vcpu, m);
			break; /* handled: enter the guest again */
		case KVM_EXIT_IO:
			if (io_handle(vcpu, &m->io, &status)) {
				serial_flush();
				warn("the guest wrote %d to the exit port 0x%x: exit status %d",
				     status, EXIT_PORT, status);
				return status;
			}
			break;
		case KVM_EXIT_HLT:
			serial_flush();
			warn("the guest halted: exit status 0");
			return EXIT_HALTED;
		default:
			serial_flush();
			return vcpu_report_unhandled(vcpu);
		}
	}
}
// ANCHOR_END: run-loop

/* ---- what the program shows ------------------------------------------ */

/* The map, from the slots and the bus: each slot, each stretch with no
 * memory, and the devices in those stretches. */
static void show_memory_map(const struct machine *m)
{
	const struct region *sorted[SLOTS];
	const struct bus *bus = &m->io.bus;
	uint64_t at = 0;

	for (int i = 0; i < SLOTS; i++)
		sorted[i] = &m->regions[i];
	for (int i = 1; i < SLOTS; i++)
		for (int j = i; j > 0 && sorted[j]->gpa < sorted[j - 1]->gpa; j--) {
			const struct region *t = sorted[j];

			sorted[j] = sorted[j - 1];
			sorted[j - 1] = t;
		}
	fprintf(stderr, "%s: the memory map (guest-physical): %d slots, and MMIO where "
		"there is no slot:\n", progname, SLOTS);
	for (int i = 0; i <= SLOTS; i++) {
		uint64_t next = i < SLOTS ? sorted[i]->gpa : 0x100000000ull;

		if (next > at) {
			fprintf(stderr, "  0x%08llx-0x%08llx          no memory: KVM_EXIT_MMIO\n",
				(unsigned long long)at, (unsigned long long)(next - 1));
			for (unsigned d = 0; d < bus->count[BUS_MMIO]; d++) {
				const struct bus_device *dev = &bus->devices[BUS_MMIO][d];

				if (dev->base >= at && dev->base < next)
					fprintf(stderr, "    0x%08llx-0x%08llx          %s\n",
						(unsigned long long)dev->base,
						(unsigned long long)(dev->base + dev->size - 1),
						dev->name);
			}
		}
		if (i == SLOTS)
			break;
		fprintf(stderr, "  0x%08llx-0x%08llx  slot %u  %s\n",
			(unsigned long long)sorted[i]->gpa,
			(unsigned long long)(sorted[i]->gpa + sorted[i]->size - 1),
			sorted[i]->slot, sorted[i]->what);
		at = sorted[i]->gpa + sorted[i]->size;
	}
}

// ANCHOR: reset-state
/* Nothing is set: read back where the vCPU will start, and say so. */
static void show_reset_state(struct kvm_vcpu *vcpu)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	vcpu_sregs_get(vcpu, &sregs);
	vcpu_regs_get(vcpu, &regs);
	fprintf(stderr, "%s: no register set from the host: the vCPU starts from its "
		"reset state, CS selector 0x%04x base 0x%llx, RIP 0x%llx: the first fetch "
		"is at 0x%llx\n", progname, sregs.cs.selector,
		(unsigned long long)sregs.cs.base, (unsigned long long)regs.rip,
		(unsigned long long)(sregs.cs.base + regs.rip));
	if (sregs.cs.base + regs.rip != X86_RESET_VECTOR)
		warn("this KVM's reset state does not point at 0x%llx, where every x86 "
		     "CPU starts: the ROM will not run as it should", X86_RESET_VECTOR);
}
// ANCHOR_END: reset-state

static void show_devices(struct machine *m, unsigned long signals)
{
	unsigned long all = m->doorbell.notifies + signals;

	fprintf(stderr, "%s: virtio-mmio: QueueNotify written %lu time%s: %lu by an exit, "
		"%lu through the eventfd\n", progname, all, all == 1 ? "" : "s",
		m->doorbell.notifies, signals);
	if (m->doorbell.bad_accesses)
		fprintf(stderr, "%s: virtio-mmio: %lu accesses of the wrong size or alignment "
			"read 0 and were ignored (its registers take 4 aligned bytes)\n",
			progname, m->doorbell.bad_accesses);
}

static void show_stats(const struct machine *m, unsigned long signals)
{
	const struct bus *bus = &m->io.bus;

	fprintf(stderr, "stats: KVM_EXIT_MMIO by device:");
	for (unsigned d = 0; d < bus->count[BUS_MMIO]; d++)
		fprintf(stderr, " %s %lu,", bus->devices[BUS_MMIO][d].name, m->mmio_exits[d]);
	fprintf(stderr, " no device %lu\n", m->mmio_exits[BUS_DEVICES]);
	fprintf(stderr, "stats: coalesced MMIO: %lu writes taken from the ring, without an "
		"exit each%s\n", m->coalesced, m->ring ? "" : " (off: --coalesced-mmio)");
	fprintf(stderr, "stats: ioeventfd: %lu doorbell writes signalled on the eventfd, "
		"without an exit each%s\n", signals, m->eventfd >= 0 ? "" : " (off: --ioeventfd)");
}

int main(int argc, char **argv)
{
	static struct machine m; /* 32 KiB of screen: not on the stack */
	struct options opts;
	struct kvm_vcpu vcpu;
	struct kvm_vm vm;
	struct kvm kvm;
	unsigned long signals;
	struct caps caps;
	int status;
	size_t size;

	prog_init(argv[0]);
	options_parse(&opts, argc, argv, OPT_GUEST | OPT_RUN | OPT_MMIO,
		      "Chapter 09: MMIO, and the PC's memory map: RAM, a hole with devices, ROM.",
		      "is a ROM image of up to 64 KiB, placed to end at 4 GiB (and "
		      "at 1 MiB), its last 16 bytes at the reset vector 0xfffffff0; "
		      "COM1 (0x3f8) is standard input and output, OUT to port 0xf4 "
		      "ends the run, the VGA text screen at 0xb8000 is drawn at the end");
	if (opts.stats)
		stats_enable();
	if (opts.trace)
		setvbuf(stdout, NULL, _IONBF, 0);
	m.eventfd = -1;
	io_init(&m.io);

	kvm_open(&kvm, opts.device);
	vm_create(&vm, &kvm);
	caps = check_capabilities(&vm, &opts);
	add_memory_map(&vm, &m);
	size = load_rom(&m, opts.guest);
	add_devices(&m);
	fprintf(stderr, "%s: KVM_CAP_READONLY_MEM %d, KVM_CAP_COALESCED_MMIO %d (the page of "
		"its ring in kvm_run), KVM_CAP_IOEVENTFD %d\n", progname, caps.readonly,
		caps.ring_page, caps.ioeventfd);
	show_memory_map(&m);
	vcpu_create(&vcpu, &vm, 0);
	m.vcpu = &vcpu;
	if (opts.coalesced_mmio)
		setup_coalesced(&vm, &vcpu, &m, caps.ring_page);
	if (opts.ioeventfd)
		setup_ioeventfd(&vm, &m);
	show_reset_state(&vcpu);
	fprintf(stderr, "%s: running %s (%zu bytes, the ROM's last); COM1 0x3f8 is "
		"stdin/stdout, port 0xf4 ends the run%s%s\n", progname,
		opts.guest ? opts.guest : "firmware.asm", size,
		opts.coalesced_mmio ? "; screen writes are coalesced" : "",
		opts.ioeventfd ? "; the doorbell is an ioeventfd" : "");

	timeout_start(&vcpu, opts.timeout);
	status = run_guest(&vcpu, &m, &opts);
	serial_flush();
	drain_coalesced(&m); /* what the guest wrote last, before the screen is drawn */
	signals = doorbell_signals(&m);
	vga_draw(&m.vga, stderr);
	show_devices(&m, signals);
	if (opts.stats)
		show_stats(&m, signals);
	stats_print(stderr);

	kvm_fd_close(m.eventfd);
	vcpu_close(&vcpu);
	vm_close(&vm);
	for (int i = 0; i < SLOTS; i++)
		if (i != SLOT_ROM_ALIAS) /* the same buffer as SLOT_ROM */
			munmap(m.regions[i].host, m.regions[i].size);
	kvm_close(&kvm);
	return status;
}
