/* test_mmio.c - KVM-free unit tests of chapter 09's rooms in common/: the
 * device bus (which device owns which bytes, overlaps refused), the VGA
 * text memory and its drawing, and the virtio-mmio registers. */
#include "bus.h"
#include "check.h"
#include "util.h"
#include "vga.h"
#include "virtio_mmio.h"

#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static uint64_t dummy_read(void *opaque, uint64_t offset, unsigned size)
{
	(void)opaque, (void)size;
	return offset;
}

static void dummy_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	(void)opaque, (void)offset, (void)size, (void)value;
}

static void test_bus_find(void)
{
	static struct bus bus;
	const struct bus_device *d;

	bus_init(&bus);
	bus_register(&bus, BUS_MMIO, &(struct bus_device){ .name = "a", .base = 0x1000,
		.size = 0x100, .read = dummy_read, .write = dummy_write });
	bus_register(&bus, BUS_PIO, &(struct bus_device){ .name = "p", .base = 0x1000,
		.size = 1, .read = dummy_read, .write = dummy_write });
	d = bus_find(&bus, BUS_MMIO, 0x1000, 8);
	CHECK_STR("bus: the first 8 bytes of a window are its device's", "a", d ? d->name : NULL);
	d = bus_find(&bus, BUS_MMIO, 0x10f8, 8);
	CHECK_STR("bus: so are its last 8", "a", d ? d->name : NULL);
	CHECK_EQ("bus: 8 bytes that run one past the end belong to nobody", 0,
		 bus_find(&bus, BUS_MMIO, 0x10f9, 8) != NULL);
	CHECK_EQ("bus: the byte before the window belongs to nobody", 0,
		 bus_find(&bus, BUS_MMIO, 0xfff, 1) != NULL);
	CHECK_EQ("bus: an address near 2^64 wraps nothing", 0,
		 bus_find(&bus, BUS_MMIO, ~0ull - 2, 8) != NULL);
	d = bus_find(&bus, BUS_PIO, 0x1000, 1);
	CHECK_STR("bus: ports and MMIO are separate spaces, as KVM_PIO_BUS and KVM_MMIO_BUS",
		  "p", d ? d->name : NULL);
	CHECK_EQ("bus: ...so port 0x1001 is nobody's", 0, bus_find(&bus, BUS_PIO, 0x1001, 1) != NULL);
}

/* bus_register() refuses overlaps with status 71: in a child. */
static void test_bus_overlap(void)
{
	int wstatus;
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		static struct bus bus;

		freopen("/dev/null", "w", stderr);
		bus_init(&bus);
		bus_register(&bus, BUS_MMIO, &(struct bus_device){ .name = "a", .base = 0x1000,
			.size = 0x100, .read = dummy_read, .write = dummy_write });
		bus_register(&bus, BUS_MMIO, &(struct bus_device){ .name = "b", .base = 0x10ff,
			.size = 0x10, .read = dummy_read, .write = dummy_write });
		_exit(0);
	}
	waitpid(pid, &wstatus, 0);
	CHECK_EQ("bus: two devices that share a byte are refused with status 71",
		 EXIT_KVM_ERROR, WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1);
}

static void test_vga(void)
{
	static struct vga_text vga;
	char buf[4096];
	FILE *f;
	size_t n;

	vga_init(&vga);
	CHECK_EQ("vga: a blank cell is a space on light grey", 0x0720, vga_read(&vga, 0, 2));
	vga_write(&vga, 0, 8, 0x1f441f431f421f41ull);
	CHECK_EQ("vga: 8 bytes written, 4 read from the middle", 0x1f431f42, vga_read(&vga, 2, 4));
	CHECK_EQ("vga: little-endian: the character is the even byte", 'A', vga_read(&vga, 0, 1));
	vga_write(&vga, 2 * (VGA_COLUMNS * 1 + 79), 2, 0x1f00 | 'Z');
	CHECK_EQ("vga: row 1, column 79 is at offset 2 * (80 * 1 + 79)", 'Z',
		 vga.mem[2 * (80 + 79)]);
	f = tmpfile();
	vga_draw(&vga, f);
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	CHECK_EQ("vga: the drawing shows row 0", 1, strstr(buf, "  |ABCD    ") != NULL);
	CHECK_EQ("vga: ...and row 1 ends in Z at the frame", 1, strstr(buf, "Z|\n") != NULL);
	CHECK_EQ("vga: ...then says the rest is blank", 1,
		 strstr(buf, "(the rows below are blank)") != NULL);
}

static void test_virtio_mmio(void)
{
	struct virtio_mmio dev;

	virtio_mmio_init(&dev);
	CHECK_EQ("virtio-mmio: MagicValue is \"virt\"", 0x74726976,
		 virtio_mmio_read(&dev, VIRTIO_MMIO_MAGIC_VALUE, 4));
	CHECK_EQ("virtio-mmio: Version 2, virtio 1.x", 2, virtio_mmio_read(&dev, VIRTIO_MMIO_VERSION, 4));
	CHECK_EQ("virtio-mmio: DeviceID 0, a placeholder", 0, virtio_mmio_read(&dev, VIRTIO_MMIO_DEVICE_ID, 4));
	CHECK_EQ("virtio-mmio: VendorID", VIRTIO_MMIO_VENDOR, virtio_mmio_read(&dev, VIRTIO_MMIO_VENDOR_ID, 4));
	virtio_mmio_write(&dev, VIRTIO_MMIO_QUEUE_NOTIFY, 4, 3);
	CHECK_EQ("virtio-mmio: a QueueNotify write is counted", 1, dev.notifies);
	CHECK_EQ("virtio-mmio: ...with its queue index", 3, dev.last_notify);
	CHECK_EQ("virtio-mmio: QueueNotify is write-only: reads 0", 0,
		 virtio_mmio_read(&dev, VIRTIO_MMIO_QUEUE_NOTIFY, 4));
	virtio_mmio_write(&dev, VIRTIO_MMIO_QUEUE_NOTIFY, 2, 3);
	CHECK_EQ("virtio-mmio: a 2-byte write to QueueNotify does nothing", 1, dev.notifies);
	CHECK_EQ("virtio-mmio: a 1-byte read of MagicValue reads 0", 0,
		 virtio_mmio_read(&dev, VIRTIO_MMIO_MAGIC_VALUE, 1));
	CHECK_EQ("virtio-mmio: ...and both are counted as bad", 2, dev.bad_accesses);
	CHECK_EQ("virtio-mmio: the offsets are the specification's", 0x50,
		 VIRTIO_MMIO_QUEUE_NOTIFY);
}

int main(int argc, char **argv)
{
	(void)argc;
	prog_init(argv[0]);
	test_bus_find();
	test_bus_overlap();
	test_vga();
	test_virtio_mmio();
	return check_failures ? 1 : 0;
}
