/* virtio_mmio.c - see virtio_mmio.h. */
#include "virtio_mmio.h"

#include <string.h>

void virtio_mmio_init(struct virtio_mmio *dev)
{
	memset(dev, 0, sizeof(*dev));
}

static int well_formed(struct virtio_mmio *dev, uint64_t offset, unsigned size)
{
	if (size == 4 && offset % 4 == 0)
		return 1;
	dev->bad_accesses++;
	return 0;
}

uint64_t virtio_mmio_read(void *opaque, uint64_t offset, unsigned size)
{
	struct virtio_mmio *dev = opaque;

	if (!well_formed(dev, offset, size))
		return 0;
	switch (offset) {
	case VIRTIO_MMIO_MAGIC_VALUE:
		return VIRTIO_MMIO_MAGIC;
	case VIRTIO_MMIO_VERSION:
		return VIRTIO_MMIO_VERSION_1X;
	case VIRTIO_MMIO_DEVICE_ID:
		return 0;
	case VIRTIO_MMIO_VENDOR_ID:
		return VIRTIO_MMIO_VENDOR;
	default:
		return 0; /* QueueNotify is write-only; the rest is not here */
	}
}

void virtio_mmio_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	struct virtio_mmio *dev = opaque;

	if (!well_formed(dev, offset, size))
		return;
	if (offset == VIRTIO_MMIO_QUEUE_NOTIFY) {
		dev->notifies++;
		dev->last_notify = (uint32_t)value;
	}
	/* writes to the read-only registers and elsewhere change nothing */
}
