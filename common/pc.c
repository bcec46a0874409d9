/* pc.c - see pc.h; chapter 09 explains each step. */
#include "pc.h"

#include "guest.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

void pc_init(struct pc *pc)
{
	memset(pc, 0, sizeof(*pc));
	io_init(&pc->io);
	vga_init(&pc->vga);
}

static uint8_t *map_anonymous(uint64_t size, const char *what)
{
	void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (mem == MAP_FAILED)
		die(EXIT_KVM_ERROR, "cannot map %llu bytes for the %s: %s",
		    (unsigned long long)size, what, strerror(errno));
	return mem;
}

void pc_add_memory(struct kvm_vm *vm, struct pc *pc)
{
	int readonly = kvm_ioctl(vm->fd, KVM_CHECK_EXTENSION, (void *)KVM_CAP_READONLY_MEM);
	uint8_t *rom;

	if (readonly <= 0)
		die(EXIT_NO_KVM, "this KVM has no read-only memory (KVM_CAP_READONLY_MEM is "
		    "%d): the firmware ROM at 0x%llx cannot be mapped as a PC maps it",
		    readonly, PC_ROM_BASE);
	rom = map_anonymous(PC_ROM_SIZE, "firmware ROM");
	pc->regions[PC_SLOT_LOW_RAM] = (struct pc_region){
		"RAM, 640 KiB", PC_SLOT_LOW_RAM, 0, 0, PC_LOW_RAM_SIZE,
		map_anonymous(PC_LOW_RAM_SIZE, "RAM below 640 KiB") };
	pc->regions[PC_SLOT_HIGH_RAM] = (struct pc_region){
		"RAM, 1 MiB", PC_SLOT_HIGH_RAM, 0, PC_HIGH_RAM_BASE, PC_HIGH_RAM_SIZE,
		map_anonymous(PC_HIGH_RAM_SIZE, "RAM above 1 MiB") };
	pc->regions[PC_SLOT_ROM] = (struct pc_region){
		"ROM, 64 KiB, read-only: the reset vector", PC_SLOT_ROM,
		KVM_MEM_READONLY, PC_ROM_BASE, PC_ROM_SIZE, rom };
	pc->regions[PC_SLOT_ROM_ALIAS] = (struct pc_region){
		"ROM again, read-only: the same 64 KiB", PC_SLOT_ROM_ALIAS,
		KVM_MEM_READONLY, PC_ROM_ALIAS_BASE, PC_ROM_SIZE, rom };
	for (int i = 0; i < PC_SLOTS; i++) {
		struct pc_region *r = &pc->regions[i];
		struct kvm_userspace_memory_region slot = {
			.slot = r->slot,
			.flags = r->flags,
			.guest_phys_addr = r->gpa,
			.memory_size = r->size,
			.userspace_addr = (uintptr_t)r->host,
		};

		kvm_ioctl_or_die(vm->fd, KVM_SET_USER_MEMORY_REGION, &slot);
	}
}

size_t pc_load_rom(struct pc *pc, const char *path, const uint8_t *builtin,
		   size_t builtin_size)
{
	uint8_t *rom = pc->regions[PC_SLOT_ROM].host;
	size_t size = guest_load(path, builtin, builtin_size, rom, PC_ROM_SIZE,
				 "the ROM, 0xffff0000 to 0xffffffff");

	memmove(rom + PC_ROM_SIZE - size, rom, size);
	memset(rom, 0xff, PC_ROM_SIZE - size);
	if (mprotect(rom, PC_ROM_SIZE, PROT_READ) < 0)
		die(EXIT_KVM_ERROR, "cannot make the ROM read-only in this process: %s",
		    strerror(errno));
	return size;
}

static uint64_t rom_read(void *opaque, uint64_t offset, unsigned size)
{
	const struct pc *pc = opaque;
	const uint8_t *rom = pc->regions[PC_SLOT_ROM].host;
	uint64_t value = 0;

	for (unsigned i = 0; i < size; i++)
		value |= (uint64_t)rom[offset + i] << (8 * i);
	return value;
}

static void rom_write(struct pc *pc, uint64_t gpa, unsigned size)
{
	struct kvm_regs regs;

	if (pc->rom_reports > UNKNOWN_ADDRESS_REPORTS)
		return;
	if (++pc->rom_reports > UNKNOWN_ADDRESS_REPORTS) {
		warn("more writes to the ROM follow; they are not reported");
		return;
	}
	vcpu_regs_get(pc->vcpu, &regs);
	warn("write of %u byte%s to the ROM at guest-physical 0x%llx, at guest rip "
	     "0x%llx: the slot is read-only; the write is dropped", size,
	     size == 1 ? "" : "s", (unsigned long long)gpa, (unsigned long long)regs.rip);
}

static void rom_write_high(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	(void)value;
	rom_write(opaque, PC_ROM_BASE + offset, size);
}

static void rom_write_alias(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	(void)value;
	rom_write(opaque, PC_ROM_ALIAS_BASE + offset, size);
}

void pc_add_devices(struct pc *pc)
{
	struct bus *bus = &pc->io.bus;

	bus_register(bus, BUS_MMIO, &(struct bus_device){
		.name = "vga-text", .base = VGA_TEXT_BASE, .size = VGA_TEXT_WINDOW,
		.opaque = &pc->vga, .read = vga_read, .write = vga_write });
	bus_register(bus, BUS_MMIO, &(struct bus_device){
		.name = "rom", .base = PC_ROM_BASE, .size = PC_ROM_SIZE,
		.opaque = pc, .read = rom_read, .write = rom_write_high });
	bus_register(bus, BUS_MMIO, &(struct bus_device){
		.name = "rom-alias", .base = PC_ROM_ALIAS_BASE, .size = PC_ROM_SIZE,
		.opaque = pc, .read = rom_read, .write = rom_write_alias });
}

void pc_handle_mmio(struct pc *pc, struct kvm_vcpu *vcpu)
{
	// LAB BEGIN 09: chapter 09's stage as the helper later chapters call: check run->mmio.len is 1 to 8 (else die with EXIT_KVM_ERROR), find the device with bus_find(bus, BUS_MMIO, ...), write the gathered little-endian value to it or read one into run->mmio.data (bytes past len 0); nobody's address reads all ones, drops writes and is reported with bus_report_unknown(); --trace prints one line per access as chapter 09 does.
	struct kvm_run *run = vcpu->run;
	struct bus *bus = &pc->io.bus;
	const struct bus_device *dev;
	uint64_t gpa = run->mmio.phys_addr, value = 0;
	unsigned len = run->mmio.len;
	bool write = run->mmio.is_write;

	if (len == 0 || len > sizeof(run->mmio.data))
		die(EXIT_KVM_ERROR, "KVM_EXIT_MMIO of %u bytes at 0x%llx: the data field "
		    "holds 1 to 8", len, (unsigned long long)gpa);
	pc->mmio_exits++;
	dev = bus_find(bus, BUS_MMIO, gpa, len);
	if (write)
		for (unsigned i = 0; i < len; i++)
			value |= (uint64_t)run->mmio.data[i] << (8 * i);
	if (dev == NULL) {
		char what[40];

		snprintf(what, sizeof(what), "guest-physical 0x%llx", (unsigned long long)gpa);
		bus_report_unknown(bus, BUS_MMIO, vcpu, what, write, len, "");
		if (!write)
			value = len == 8 ? ~0ull : (1ull << (8 * len)) - 1;
	} else if (write) {
		dev->write(dev->opaque, gpa - dev->base, len, value);
	} else {
		value = dev->read(dev->opaque, gpa - dev->base, len);
	}
	if (!write)
		for (unsigned i = 0; i < 8; i++)
			run->mmio.data[i] = i < len ? (uint8_t)(value >> (8 * i)) : 0;
	if (kvm_trace) {
		stdout_flush();
		fprintf(stderr, "trace: mmio %s 0x%llx (%s), %u byte%s%s 0x%llx\n",
			write ? "write to" : "read from", (unsigned long long)gpa,
			dev ? dev->name : "no device", len, len == 1 ? "" : "s",
			write ? ", value" : ": gives", (unsigned long long)value);
	}
	// LAB END
}

void pc_show_memory_map(const struct pc *pc)
{
	const struct bus *bus = &pc->io.bus;
	uint64_t at = 0;

	/* The slots are in address order but for the ROM alias below 1 MiB. */
	static const int order[PC_SLOTS] = {
		PC_SLOT_LOW_RAM, PC_SLOT_ROM_ALIAS, PC_SLOT_HIGH_RAM, PC_SLOT_ROM };

	fprintf(stderr, "%s: the memory map (guest-physical, chapter 09): %d slots, and "
		"MMIO where there is no slot:\n", progname, PC_SLOTS);
	for (int i = 0; i <= PC_SLOTS; i++) {
		const struct pc_region *r = i < PC_SLOTS ? &pc->regions[order[i]] : NULL;
		uint64_t next = r ? r->gpa : 0x100000000ull;

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
		if (!r)
			break;
		fprintf(stderr, "  0x%08llx-0x%08llx  slot %u  %s\n", (unsigned long long)r->gpa,
			(unsigned long long)(r->gpa + r->size - 1), r->slot, r->what);
		at = r->gpa + r->size;
	}
}

void pc_close(struct pc *pc)
{
	for (int i = 0; i < PC_SLOTS; i++)
		if (i != PC_SLOT_ROM_ALIAS && pc->regions[i].host)
			munmap(pc->regions[i].host, pc->regions[i].size);
}
