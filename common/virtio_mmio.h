/* virtio_mmio.h - the first registers of a virtio-mmio transport, with
 * no device behind it: a doorbell to ring.
 *
 * The register layout is the virtio 1.x specification's (OASIS, "Virtio
 * Over MMIO", 4.2.2): 32-bit registers, little-endian, accessed 4 bytes
 * at a time at 4-byte-aligned offsets. This device keeps five:
 *
 *   0x000 MagicValue   read-only  0x74726976, the bytes "virt"
 *   0x004 Version      read-only  2 (virtio 1.x, not the legacy 1)
 *   0x008 DeviceID     read-only  0: the specification's placeholder, a
 *                                 slot at a well-known address with no
 *                                 function (a driver ignores it)
 *   0x00c VendorID     read-only  VIRTIO_MMIO_VENDOR
 *   0x050 QueueNotify  write-only the driver writes a queue's index to
 *                                 say "there is work in that queue"
 *
 * Every other offset of the 0x200-byte window reads 0 and ignores
 * writes, as do writes to the read-only registers; an access of the wrong
 * size or alignment reads 0 and is ignored too (the specification forbids
 * it for the registers; the device-specific space from 0x100, which may
 * be read in narrower pieces, is empty here). QueueNotify is the
 * register that real monitors hand to the kernel with KVM_IOEVENTFD
 * (QEMU's virtio_mmio_ioeventfd_assign(), kvmtool's
 * virtio_mmio_init_ioeventfd()): a write to it then completes inside the
 * kernel, with a signal on an eventfd and no exit. */
#ifndef KVM_STEPS_VIRTIO_MMIO_H
#define KVM_STEPS_VIRTIO_MMIO_H

#include <stdint.h>

#define VIRTIO_MMIO_BASE         0xd0000u /* in the PC's option-ROM hole */
#define VIRTIO_MMIO_WINDOW       0x200u
#define VIRTIO_MMIO_MAGIC_VALUE  0x000
#define VIRTIO_MMIO_VERSION      0x004
#define VIRTIO_MMIO_DEVICE_ID    0x008
#define VIRTIO_MMIO_VENDOR_ID    0x00c
#define VIRTIO_MMIO_QUEUE_NOTIFY 0x050

#define VIRTIO_MMIO_MAGIC   0x74726976u /* "virt" */
#define VIRTIO_MMIO_VERSION_1X 2u
#define VIRTIO_MMIO_VENDOR  0x534d564bu /* "KVMS", for kvm-steps */

struct virtio_mmio {
	unsigned long notifies;   /* QueueNotify writes that reached the monitor */
	uint32_t last_notify;     /* the last queue index written */
	unsigned long bad_accesses; /* of the wrong size or alignment */
};

void virtio_mmio_init(struct virtio_mmio *dev);

/* The bus's read and write (bus.h). */
uint64_t virtio_mmio_read(void *dev, uint64_t offset, unsigned size);
void virtio_mmio_write(void *dev, uint64_t offset, unsigned size, uint64_t value);

#endif
