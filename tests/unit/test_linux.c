/* test_linux.c - KVM-free unit tests of chapter 15's boot protocol code:
 * the setup header's checks, where the initramfs goes, the zero page and
 * the MP table it builds, against the kernel's own structures
 * (<asm/bootparam.h>, from the distribution's kernel headers) and the
 * numbers in Documentation/arch/x86/boot.rst. The code under test is the
 * chapter's own: its main.c is included, with its main() renamed. */
#include "check.h"

int chapter15_main(int argc, char **argv);
#define main chapter15_main
#include "../../chapters/15-linux/main.c"
#undef main

/* A bzImage as far as the header goes: setup_sects sectors of setup, the
 * header at 0x1f1, and pm bytes of "kernel" after the setup. */
static size_t fake_bzimage(uint8_t *buf, size_t room, uint16_t version, size_t pm)
{
	struct setup_header h = { 0 };
	size_t setup = (4 + 1) * 512, size = setup + pm;

	if (size > room)
		return 0;
	memset(buf, 0xff, 512);              /* since 6.1.88: the sector's rest is 0xff */
	memset(buf + 512, 0, size - 512);
	h.setup_sects = 4;
	h.boot_flag = 0xaa55;
	h.jump = 0x66eb;                     /* jmp short: 0x202 + 0x66 ends the header */
	h.header = 0x53726448;               /* "HdrS" */
	h.version = version;
	h.loadflags = LOADED_HIGH;
	h.code32_start = 0x100000;
	h.syssize = (uint32_t)(pm / 16);
	h.initrd_addr_max = 0x7fffffff;
	h.cmdline_size = 2047;
	h.init_size = 0x800000;
	memcpy(buf + 0x1f1, &h, sizeof(h));
	buf[0x201] = 0x66;
	return size;
}

static void test_layout(void)
{
	/* boot.rst, "The real-mode kernel header": the fields' offsets. */
	CHECK_EQ("linux: the setup header is at 0x1f1 of the zero page",
		 0x1f1, offsetof(struct boot_params, hdr));
	CHECK_EQ("linux: boot_flag is at 0x1fe", 0x1fe,
		 0x1f1 + offsetof(struct setup_header, boot_flag));
	CHECK_EQ("linux: the HdrS magic is at 0x202", 0x202,
		 0x1f1 + offsetof(struct setup_header, header));
	CHECK_EQ("linux: type_of_loader is at 0x210", 0x210,
		 0x1f1 + offsetof(struct setup_header, type_of_loader));
	CHECK_EQ("linux: loadflags is at 0x211", 0x211,
		 0x1f1 + offsetof(struct setup_header, loadflags));
	CHECK_EQ("linux: code32_start is at 0x214", 0x214,
		 0x1f1 + offsetof(struct setup_header, code32_start));
	CHECK_EQ("linux: ramdisk_image is at 0x218", 0x218,
		 0x1f1 + offsetof(struct setup_header, ramdisk_image));
	CHECK_EQ("linux: cmd_line_ptr is at 0x228", 0x228,
		 0x1f1 + offsetof(struct setup_header, cmd_line_ptr));
	CHECK_EQ("linux: cmdline_size is at 0x238", 0x238,
		 0x1f1 + offsetof(struct setup_header, cmdline_size));
	CHECK_EQ("linux: init_size is at 0x260", 0x260,
		 0x1f1 + offsetof(struct setup_header, init_size));
	CHECK_EQ("linux: e820_entries is at 0x1e8", 0x1e8,
		 offsetof(struct boot_params, e820_entries));
	CHECK_EQ("linux: e820_table is at 0x2d0", 0x2d0,
		 offsetof(struct boot_params, e820_table));
	CHECK_EQ("linux: the zero page is 4 KiB", 4096, sizeof(struct boot_params));
	CHECK_EQ("linux: an e820 entry is 20 bytes", 20, sizeof(struct boot_e820_entry));
	CHECK_EQ("linux: LOADED_HIGH is loadflags bit 0", 1, LOADED_HIGH);
	CHECK_EQ("linux: CAN_USE_HEAP is loadflags bit 7", 0x80, CAN_USE_HEAP);
}

static void test_parse(void)
{
	static uint8_t buf[64 * 1024];
	struct kernel k;
	char why[256];
	size_t size = fake_bzimage(buf, sizeof(buf), 0x020f, 8192);

	CHECK_EQ("linux: a good header is taken", 1, kernel_parse(&k, buf, size, why, sizeof(why)));
	CHECK_EQ("linux: the setup is (setup_sects + 1) * 512 bytes", 5 * 512, k.setup_size);
	CHECK_EQ("linux: the protected-mode part is what follows it", 8192, k.pm_size);
	CHECK_EQ("linux: the header is copied as the image has it", 0x020f, k.hdr.version);
	CHECK_EQ("linux: the 0xff after the header is not copied (6.1.88)", 0,
		 k.hdr.kernel_info_offset);

	buf[0x201] = 0x10;                    /* a short header: only 0x1f1-0x212 */
	CHECK_EQ("linux: a header that ends early is taken", 1,
		 kernel_parse(&k, buf, size, why, sizeof(why)));
	CHECK_EQ("linux: fields past a short header's end read 0", 0, k.hdr.code32_start);
	buf[0x201] = 0x66;

	buf[0x1fe] = 0;
	CHECK_EQ("linux: no 0xaa55: refused", 0, kernel_parse(&k, buf, size, why, sizeof(why)));
	CHECK_EQ("linux: ...saying so", 0, strstr(why, "0xaa55") == NULL);
	buf[0x1fe] = 0x55;

	buf[0x202] = 'X';
	CHECK_EQ("linux: no HdrS: refused", 0, kernel_parse(&k, buf, size, why, sizeof(why)));
	CHECK_EQ("linux: ...saying so", 0, strstr(why, "HdrS") == NULL);
	buf[0x202] = 'H';

	size = fake_bzimage(buf, sizeof(buf), 0x0205, 8192);
	CHECK_EQ("linux: protocol 2.05 is too old", 0, kernel_parse(&k, buf, size, why, sizeof(why)));
	CHECK_EQ("linux: ...and the line says 2.06", 0, strstr(why, "2.06") == NULL);

	size = fake_bzimage(buf, sizeof(buf), 0x020f, 8192);
	buf[0x211] = 0;                      /* loadflags: a zImage */
	CHECK_EQ("linux: a zImage is refused", 0, kernel_parse(&k, buf, size, why, sizeof(why)));
	buf[0x211] = LOADED_HIGH;

	CHECK_EQ("linux: a file cut inside the setup is refused", 0,
		 kernel_parse(&k, buf, 5 * 512, why, sizeof(why)));
	CHECK_EQ("linux: a file cut inside the kernel is refused (syssize)", 0,
		 kernel_parse(&k, buf, 5 * 512 + 4096, why, sizeof(why)));
	CHECK_EQ("linux: ...saying truncated", 0, strstr(why, "truncated") == NULL);
	CHECK_EQ("linux: 100 bytes are refused", 0, kernel_parse(&k, buf, 100, why, sizeof(why)));
}

static void test_initrd_and_zero_page(void)
{
	static uint8_t buf[64 * 1024];
	static struct boot_params bp;
	struct kernel k;
	struct layout l = { .mem = 256u << 20, .cpus = 1 };
	char why[256];
	uint64_t at;
	size_t size = fake_bzimage(buf, sizeof(buf), 0x020f, 8192);

	kernel_parse(&k, buf, size, why, sizeof(why));
	at = initrd_place(&k, l.mem, 1000000, why, sizeof(why));
	CHECK_EQ("linux: the initramfs ends at or below the end of RAM", 1, at + 1000000 <= l.mem);
	CHECK_EQ("linux: ...page aligned", 0, at & 0xfff);
	CHECK_EQ("linux: ...as high as it can go", 1, l.mem - (at + 1000000) < 4096);
	k.hdr.initrd_addr_max = 0x37ffffff;  /* an old kernel's limit, below 1 GiB */
	at = initrd_place(&k, 2048ull << 20, 4096, why, sizeof(why));
	CHECK_EQ("linux: ...and below initrd_addr_max", 1, at + 4096 <= 0x38000000ull);
	k.hdr.initrd_addr_max = 0x7fffffff;
	CHECK_EQ("linux: an initramfs bigger than RAM does not fit", 0,
		 initrd_place(&k, l.mem, l.mem, why, sizeof(why)));
	CHECK_EQ("linux: one that would overlap the unpacking kernel does not", 0,
		 initrd_place(&k, 16u << 20, 10u << 20, why, sizeof(why)));

	/* A relocatable kernel loaded below its pref_address unpacks itself
	 * from there (boot.rst, init_size): Debian's at 16 MiB. */
	{
		uint64_t start, end;

		k.hdr.relocatable_kernel = 1;
		k.hdr.kernel_alignment = 0x200000;
		k.hdr.pref_address = 0x1000000;
		kernel_window(&k, &start, &end);
		CHECK_EQ("linux: a relocatable kernel runs at its pref_address", 0x1000000, start);
		CHECK_EQ("linux: ...and needs init_size from there", 0x1000000 + 0x800000, end);
		CHECK_EQ("linux: an initramfs is kept out of that window", 0,
			 initrd_place(&k, 32u << 20, 9u << 20, why, sizeof(why)));
		k.hdr.pref_address = 0x1100000; /* not aligned: rounded up */
		kernel_window(&k, &start, &end);
		CHECK_EQ("linux: ...aligned up to kernel_alignment", 0x1200000, start);
		k.hdr.relocatable_kernel = 0;
		k.hdr.pref_address = 0;
		kernel_window(&k, &start, &end);
		CHECK_EQ("linux: without pref_address it runs where it is loaded", 0x100000, start);
	}

	l.initrd_addr = 0xfef4000;
	l.initrd_size = 1096375;
	l.cmdline_size = 20;
	zero_page_build(&bp, &k, &l);
	CHECK_EQ("linux: type_of_loader 0xff (undefined)", 0xff, bp.hdr.type_of_loader);
	CHECK_EQ("linux: loadflags keep LOADED_HIGH and add CAN_USE_HEAP",
		 LOADED_HIGH | CAN_USE_HEAP, bp.hdr.loadflags & (LOADED_HIGH | CAN_USE_HEAP));
	CHECK_EQ("linux: cmd_line_ptr", CMDLINE, bp.hdr.cmd_line_ptr);
	CHECK_EQ("linux: ramdisk_image", 0xfef4000, bp.hdr.ramdisk_image);
	CHECK_EQ("linux: ramdisk_size", 1096375, bp.hdr.ramdisk_size);
	CHECK_EQ("linux: three e820 entries", 3, bp.e820_entries);
	CHECK_EQ("linux: e820 0: RAM from 0", 0, bp.e820_table[0].addr);
	CHECK_EQ("linux: e820 0: to 639 KiB", LOW_RAM_END, bp.e820_table[0].size);
	CHECK_EQ("linux: e820 0: type RAM", E820_RAM, bp.e820_table[0].type);
	CHECK_EQ("linux: e820 1: reserved up to 1 MiB", BIOS_END,
		 bp.e820_table[1].addr + bp.e820_table[1].size);
	CHECK_EQ("linux: e820 1: type reserved", E820_RESERVED, bp.e820_table[1].type);
	CHECK_EQ("linux: e820 2: RAM from 1 MiB to the end", l.mem,
		 bp.e820_table[2].addr + bp.e820_table[2].size);
	CHECK_EQ("linux: the zero page's header is the image's", 0x020f, bp.hdr.version);
}

static void test_mptable(void)
{
	static uint8_t mp[1024];
	size_t len = mptable_build(mp, MPTABLE, 4);
	uint8_t sum = 0;
	uint16_t base_len, entries;

	for (int i = 0; i < 16; i++)
		sum += mp[i];
	CHECK_EQ("linux: MP floating pointer: _MP_", 0, memcmp(mp, "_MP_", 4));
	CHECK_EQ("linux: MP floating pointer: its bytes sum to 0", 0, sum);
	CHECK_EQ("linux: MP floating pointer: points at the table", MPTABLE + 16,
		 mp[4] | mp[5] << 8 | mp[6] << 16 | (uint32_t)mp[7] << 24);
	CHECK_EQ("linux: MP table: PCMP", 0, memcmp(mp + 16, "PCMP", 4));
	memcpy(&base_len, mp + 16 + 4, 2);
	memcpy(&entries, mp + 16 + 34, 2);
	sum = 0;
	for (unsigned i = 0; i < base_len; i++)
		sum += mp[16 + i];
	CHECK_EQ("linux: MP table: its bytes sum to 0", 0, sum);
	CHECK_EQ("linux: MP table: 4 CPUs, a bus, an IOAPIC, 15 IRQs", 4 + 1 + 1 + 15, entries);
	CHECK_EQ("linux: MP table: the first entry is the BSP", 0x03, mp[16 + 44 + 3]);
	CHECK_EQ("linux: MP table: the second CPU is APIC ID 1, not the BSP", 0x0101,
		 mp[16 + 44 + 20 + 1] << 8 | mp[16 + 44 + 20 + 3]);
	CHECK_EQ("linux: MP table: it fits below 640 KiB", 1, MPTABLE + len <= 0xa0000);
}

int main(int argc, char **argv)
{
	(void)argc;
	prog_init(argv[0]);
	test_layout();
	test_parse();
	test_initrd_and_zero_page();
	test_mptable();
	return check_failures ? 1 : 0;
}
