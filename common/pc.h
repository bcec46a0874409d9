/* pc.h - chapter 09's machine, for the chapters after it: the PC's memory
 * map in four slots (RAM below 640 KiB, RAM from 1 MiB, a 64 KiB ROM at
 * the top of 4 GiB and again at the top of 1 MiB, both KVM_MEM_READONLY),
 * the VGA text screen in the hole, the ROM's writes reported, and
 * KVM_EXIT_MMIO handled through the device bus. Chapter 09 writes each of
 * these out; chapter 09's virtio-mmio doorbell, coalesced ring and
 * ioeventfd stay in chapter 09, which teaches them. */
#ifndef KVM_STEPS_PC_H
#define KVM_STEPS_PC_H

#include "io.h"
#include "kvm.h"
#include "vga.h"

#include <stddef.h>
#include <stdint.h>

#define PC_LOW_RAM_SIZE   0xa0000u    /* 640 KiB at 0 */
#define PC_HIGH_RAM_BASE  0x100000u   /* from 1 MiB... */
#define PC_HIGH_RAM_SIZE  0x100000u   /* ...1 MiB of it */
#define PC_ROM_SIZE       0x10000u    /* 64 KiB of firmware */
#define PC_ROM_BASE       (0x100000000ull - PC_ROM_SIZE) /* 0xffff0000 */
#define PC_ROM_ALIAS_BASE (0x100000u - PC_ROM_SIZE)      /* 0xf0000 */

enum { PC_SLOT_LOW_RAM, PC_SLOT_HIGH_RAM, PC_SLOT_ROM, PC_SLOT_ROM_ALIAS, PC_SLOTS };

struct pc_region {
	const char *what;
	uint32_t slot, flags;
	uint64_t gpa, size;
	uint8_t *host;
};

struct pc {
	struct pc_region regions[PC_SLOTS];
	struct io_bus io;             /* the bus, COM1 and the exit port */
	struct vga_text vga;
	struct kvm_vcpu *vcpu;        /* set by the chapter: RIPs in reports */
	unsigned rom_reports;
	unsigned long mmio_exits;
};

/* The bus with COM1 and the exit port, the screen cleared. */
void pc_init(struct pc *pc);
/* The four slots, given to KVM (chapter 09's add_memory_map()). Dies if
 * KVM has no read-only memory. */
void pc_add_memory(struct kvm_vm *vm, struct pc *pc);
/* The ROM image (a file, or the built-in one) placed to end at 4 GiB, the
 * rest 0xff, then read-only in this process too. Returns its size. */
size_t pc_load_rom(struct pc *pc, const char *path, const uint8_t *builtin,
		   size_t builtin_size);
/* The screen and the two ROM windows on the MMIO bus. */
void pc_add_devices(struct pc *pc);
/* KVM_EXIT_MMIO: the access given to its device, as chapter 09 does. */
void pc_handle_mmio(struct pc *pc, struct kvm_vcpu *vcpu);
/* The map, slot by slot, with the devices in the holes, on stderr. */
void pc_show_memory_map(const struct pc *pc);
/* Unmap the memory. */
void pc_close(struct pc *pc);

#endif
