/* test_snapshot.c - KVM-free unit tests of chapter 14's file and stream
 * format (common/snapshot.c): the CRC32 against its check value; the
 * writer and the reader in memory (a scratch file), a round trip of every
 * record type; and each check of the reader (the header, its version and
 * flags, each type's lengths, the CRC32s, the numbering, MACH's sense,
 * PAGE's bounds, a vCPU's index, duplicates, END's count) and of
 * snap_complete() and snap_same_shape(), each by the message it gives. */
#include "check.h"
#include "snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* A small machine: one vCPU, RAM of 2 pages at 0, ROM of 1 page at 1 MiB. */
static struct snap_shape small(void)
{
	struct snap_shape s = { .vcpus = 1, .regions = 2 };

	s.region[0] = (struct snap_region){ .gpa = 0, .size = 2 * SNAP_PAGE_SIZE, .slot = 0 };
	s.region[1] = (struct snap_region){ .gpa = 0x100000, .size = SNAP_PAGE_SIZE, .slot = 2,
					    .flags = 2 };
	return s;
}

static int scratch(void)
{
	int fd = memfd_create("test_snapshot", MFD_CLOEXEC);

	if (fd < 0) {
		perror("memfd_create");
		exit(2);
	}
	return fd;
}

/* What a snapshot of the small machine holds: recognisable bytes. */
static uint8_t ram[2 * SNAP_PAGE_SIZE], rom[SNAP_PAGE_SIZE];
static struct snap_vcpu vin;
static struct kvm_irqchip chips[3];
static struct kvm_pit_state2 pit;
static struct kvm_clock_data clk;
static uint8_t devs[SNAP_DEVICES_SIZE], vga[SNAP_VGA_SIZE];

static void fill(void)
{
	for (size_t i = 0; i < sizeof(ram); i++)
		ram[i] = (uint8_t)(i * 7 + 1);
	memset(rom, 0xf4, sizeof(rom));
	memset(&vin, 0, sizeof(vin));
	vin.regs.rip = 0x7c00;
	vin.regs.rax = 42;
	vin.sregs.cr0 = 0x10;
	vin.xsave_size = sizeof(struct kvm_xsave);
	vin.xsave[0] = 0x7f;
	vin.xcrs.nr_xcrs = 1;
	vin.msrs.count = 2;
	vin.msrs.entry[0] = (struct kvm_msr_entry){ .index = 0x10, .data = 12345 };
	vin.msrs.entry[1] = (struct kvm_msr_entry){ .index = 0x1b, .data = 0xfee00900 };
	vin.lapic.regs[0x20] = 5;
	vin.events.exception.nr = 3;
	vin.mp.mp_state = KVM_MP_STATE_HALTED;
	vin.debugregs.dr7 = 0x400;
	for (uint32_t id = 0; id < 3; id++) {
		memset(&chips[id], 0, sizeof(chips[id]));
		chips[id].chip_id = id;
		chips[id].chip.dummy[1] = (char)(id + 1);
	}
	pit.channels[0].count = 11932;
	clk.clock = 99;
	devs[0] = 1;
	devs[8] = 0x10;
	memset(vga, 0x07, sizeof(vga));
}

/* What is left out or changed, for the files the tests make. */
enum { W_ALL, W_NO_REGS, W_NO_PAGE1, W_NO_CHIP2, W_NO_PIT, W_NO_VGA, W_NO_MACH };

/* The small machine's whole snapshot, into fd; skip leaves a piece out.
 * Returns the records written. */
static uint32_t write_small(int fd, int skip, uint32_t flags)
{
	struct snap_writer w;
	struct snap_shape shape = small();
	uint8_t head[16] = { 0 };
	uint32_t round[2] = { 0, 3 };

	snap_writer_init(&w, fd, flags);
	if (skip != W_NO_MACH)
		snap_write_shape(&w, &shape);
	snap_write_pages(&w, 0, 0, 1, ram);
	if (skip != W_NO_PAGE1)
		snap_write_pages(&w, 0, 1, 1, ram + SNAP_PAGE_SIZE);
	snap_write_pages(&w, 1, 0, 1, rom);
	if (flags & SNAP_FLAG_STREAM) {          /* a round, and a page sent again */
		snap_write(&w, SNAP_ROND, round, sizeof(round), NULL, 0);
		snap_write_pages(&w, 0, 0, 1, ram);
	}
	if (skip != W_NO_REGS)
		snap_write_vcpu(&w, SNAP_REGS, 0, &vin.regs, sizeof(vin.regs));
	snap_write_vcpu(&w, SNAP_SREG, 0, &vin.sregs, sizeof(vin.sregs));
	snap_write_vcpu(&w, SNAP_XSAV, 0, vin.xsave, vin.xsave_size);
	snap_write_vcpu(&w, SNAP_XCRS, 0, &vin.xcrs, sizeof(vin.xcrs));
	memcpy(head + 8, &vin.msrs.count, 4);
	snap_write(&w, SNAP_MSRS, head, sizeof(head), vin.msrs.entry,
		   vin.msrs.count * sizeof(vin.msrs.entry[0]));
	snap_write_vcpu(&w, SNAP_LAPC, 0, &vin.lapic, sizeof(vin.lapic));
	snap_write_vcpu(&w, SNAP_EVNT, 0, &vin.events, sizeof(vin.events));
	snap_write_vcpu(&w, SNAP_MPST, 0, &vin.mp, sizeof(vin.mp));
	snap_write_vcpu(&w, SNAP_DBGR, 0, &vin.debugregs, sizeof(vin.debugregs));
	for (int id = 0; id < 3; id++)
		if (!(skip == W_NO_CHIP2 && id == 2))
			snap_write(&w, SNAP_CHIP, &chips[id], sizeof(chips[id]), NULL, 0);
	if (skip != W_NO_PIT)
		snap_write(&w, SNAP_PIT2, &pit, sizeof(pit), NULL, 0);
	snap_write(&w, SNAP_CLCK, &clk, sizeof(clk), NULL, 0);
	snap_write(&w, SNAP_DEVS, devs, sizeof(devs), NULL, 0);
	if (skip != W_NO_VGA)
		snap_write(&w, SNAP_VGA, vga, sizeof(vga), NULL, 0);
	snap_write_end(&w);
	if (w.err) {
		printf("not ok - snapshot: the writer failed: %s\n", strerror(w.err));
		check_failures++;
	}
	return w.records;
}

/* ---- raw files, for the reader's checks --------------------------------- */

static uint8_t raw[1 << 16];
static size_t raw_len;

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void raw_header(uint32_t version, uint32_t size, uint32_t flags, bool good_crc)
{
	memcpy(raw, SNAP_MAGIC, 8);
	put32(raw + 8, version);
	put32(raw + 12, size);
	put32(raw + 16, flags);
	put32(raw + 20, snap_crc32(0, raw, 20) ^ (good_crc ? 0 : 1));
	raw_len = SNAP_HEADER_SIZE;
}

/* A record at the end of raw: number is its number, crc_off spoils its CRC. */
static void raw_record(uint32_t type, const void *data, uint32_t len, uint32_t number,
		       uint32_t crc_off)
{
	uint8_t *h = raw + raw_len;

	put32(h, type);
	put32(h + 4, len);
	put32(h + 8, snap_crc32(0, data, len) ^ crc_off);
	put32(h + 12, number);
	memcpy(h + SNAP_RECORD_HEADER, data, len);
	raw_len += SNAP_RECORD_HEADER + len;
}

/* The small machine's MACH contents. */
static uint32_t mach(uint8_t *buf, uint32_t vcpus, uint32_t regions, uint64_t size0)
{
	memset(buf, 0, 8 + 24 * 2);
	put32(buf, vcpus);
	put32(buf + 4, regions);
	put32(buf + 8 + 8, (uint32_t)size0);           /* region 0: gpa 0 */
	put32(buf + 8 + 8 + 4, (uint32_t)(size0 >> 32));
	put32(buf + 32, 0x100000);                     /* region 1 */
	put32(buf + 32 + 8, SNAP_PAGE_SIZE);
	put32(buf + 32 + 16, 2);
	put32(buf + 32 + 20, 2);
	return 8 + 24 * 2;
}

/* Read raw whole; the message it gives (or "whole"). */
static const char *read_raw(char *msg, size_t size)
{
	static struct snapshot s;
	struct snap_reader r;
	int fd = scratch();

	if (raw_len && write(fd, raw, raw_len) != (ssize_t)raw_len)
		exit(2);
	lseek(fd, 0, SEEK_SET);
	snap_init(&s);
	snap_reader_init(&r, fd, "f");
	if (snap_read_all(&r, &s))
		snprintf(msg, size, "whole");
	else
		snprintf(msg, size, "%s", r.err);
	snap_reader_close(&r);
	snap_free(&s);
	close(fd);
	return msg;
}

/* raw's message has want in it. */
static void expect_refusal(const char *what, const char *want)
{
	char msg[400], name[200];

	read_raw(msg, sizeof(msg));
	snprintf(name, sizeof(name), "snapshot: %s", what);
	if (strstr(msg, want)) {
		printf("ok - %s\n", name);
	} else {
		printf("not ok - %s: expected a message with \"%s\", got \"%s\"\n", name, want, msg);
		check_failures++;
	}
}

/* raw = a header and a MACH of the small machine, then one record. */
static void with_one(uint32_t type, const void *data, uint32_t len)
{
	uint8_t m[64];

	raw_header(SNAP_VERSION, SNAP_HEADER_SIZE, 0, true);
	raw_record(SNAP_MACH, m, mach(m, 1, 2, 2 * SNAP_PAGE_SIZE), 0, 0);
	raw_record(type, data, len, 1, 0);
}

static void reader_checks(void)
{
	static uint8_t buf[16 + 2 * SNAP_PAGE_SIZE];
	uint8_t m[64];
	uint32_t end = 1;

	/* the header */
	raw_len = 0;
	expect_refusal("an empty input is said to be empty", "f is empty: no kvm-steps snapshot in it");
	memcpy(raw, "\177ELF\2\1\1\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 24);
	raw_len = 24;
	expect_refusal("a foreign file is not a snapshot", "f is not a kvm-steps snapshot: its first bytes are not 'KVMSTEPS'");
	raw_len = 3;
	expect_refusal("three foreign bytes are not a snapshot", "is not a kvm-steps snapshot");
	raw_header(SNAP_VERSION, SNAP_HEADER_SIZE, 0, true);
	raw_len = 10;
	expect_refusal("a header cut short", "f is truncated: it ends after 10 bytes, inside the 24-byte header");
	raw_header(SNAP_VERSION, SNAP_HEADER_SIZE, 0, false);
	expect_refusal("a header whose CRC32 is wrong", "f: the header fails its CRC32 (stored 0x");
	raw_header(2, SNAP_HEADER_SIZE, 0, true);
	expect_refusal("version 2", "f is a snapshot of format version 2; this program reads version 1 only");
	raw_header(SNAP_VERSION, 32, 0, true);
	expect_refusal("a header size not version 1's", "f: the header says it is 32 bytes, but version 1's is 24");
	raw_header(SNAP_VERSION, SNAP_HEADER_SIZE, 6, true);
	expect_refusal("header flags version 1 does not define", "f: the header has flags 0x6 that version 1 does not define");
	raw_header(SNAP_VERSION, SNAP_HEADER_SIZE, 0, true);
	expect_refusal("a header and nothing after it", "f is truncated: it ends at offset 24, before record 0 (no END record)");

	/* records: headers, lengths, CRCs, numbers */
	raw_len = SNAP_HEADER_SIZE + 5;
	expect_refusal("a record header cut short", "f is truncated: it ends at offset 29, inside the header of record 0");
	raw_header(SNAP_VERSION, SNAP_HEADER_SIZE, 0, true);
	raw_record(SNAP_MACH, m, mach(m, 1, 2, 2 * SNAP_PAGE_SIZE), 0, 0);
	raw_len -= 10;
	expect_refusal("a record cut short", "f is truncated: record 0 ('MACH') at offset 24 wants 56 bytes, and 46 are left");
	raw_header(SNAP_VERSION, SNAP_HEADER_SIZE, 0, true);
	raw_record(SNAP_MACH, m, mach(m, 1, 2, 2 * SNAP_PAGE_SIZE), 0, 4);
	expect_refusal("a record whose CRC32 is wrong", "f, record 0 ('MACH') at offset 24: its contents fail their CRC32");
	raw_header(SNAP_VERSION, SNAP_HEADER_SIZE, 0, true);
	raw_record(SNAP_MACH, m, mach(m, 1, 2, 2 * SNAP_PAGE_SIZE), 1, 0);
	expect_refusal("a record numbered 1 first", "f, record 0 ('MACH') at offset 24: it calls itself record 1: records are missing, repeated or out of order");
	raw_header(SNAP_VERSION, SNAP_HEADER_SIZE, 0, true);
	raw_record(SNAP_MACH, m, 0, 0, 0);
	put32(raw + SNAP_HEADER_SIZE + 4, SNAP_MAX_RECORD + 1);
	expect_refusal("a record longer than 4 MiB", "f, record 0 ('MACH') at offset 24: 4194305 bytes long, more than any record (4194304)");
	with_one(SNAP_TYPE('J', 'U', 'N', 'K'), m, 4);
	expect_refusal("an unknown record type", "record 1 ('JUNK') at offset 96: a record type format version 1 does not have");
	with_one(SNAP_END, &end, 4);
	raw_record(SNAP_END, &end, 4, 2, 0);
	expect_refusal("a record after END is never read: END ends the input", "whole");

	/* MACH */
	raw_header(SNAP_VERSION, SNAP_HEADER_SIZE, 0, true);
	raw_record(SNAP_MACH, m, 4, 0, 0);
	expect_refusal("MACH shorter than its start", "MACH is 4 bytes, less than its 8-byte start");
	raw_header(SNAP_VERSION, SNAP_HEADER_SIZE, 0, true);
	raw_record(SNAP_MACH, m, mach(m, 2, 2, 2 * SNAP_PAGE_SIZE), 0, 0);
	expect_refusal("MACH with 2 vCPUs", "the machine has 2 vCPUs; this format holds 1 to 1");
	raw_header(SNAP_VERSION, SNAP_HEADER_SIZE, 0, true);
	raw_record(SNAP_MACH, m, mach(m, 0, 2, 2 * SNAP_PAGE_SIZE), 0, 0);
	expect_refusal("MACH with 0 vCPUs", "the machine has 0 vCPUs");
	raw_header(SNAP_VERSION, SNAP_HEADER_SIZE, 0, true);
	raw_record(SNAP_MACH, m, mach(m, 1, 5, 2 * SNAP_PAGE_SIZE), 0, 0);
	expect_refusal("MACH with 5 regions", "the machine has 5 memory regions; this format holds 1 to 4");
	raw_header(SNAP_VERSION, SNAP_HEADER_SIZE, 0, true);
	raw_record(SNAP_MACH, m, mach(m, 1, 1, 2 * SNAP_PAGE_SIZE), 0, 0);
	expect_refusal("MACH whose length is not its regions'", "MACH is 56 bytes, but 1 regions take 32");
	raw_header(SNAP_VERSION, SNAP_HEADER_SIZE, 0, true);
	raw_record(SNAP_MACH, m, mach(m, 1, 2, 100), 0, 0);
	expect_refusal("a region that is not whole pages", "region 0 (0x0, 100 bytes) is not whole pages of at most 16 MiB");
	raw_header(SNAP_VERSION, SNAP_HEADER_SIZE, 0, true);
	raw_record(SNAP_MACH, m, mach(m, 1, 2, 32ull << 20), 0, 0);
	expect_refusal("a region of 32 MiB", "region 0 (0x0, 33554432 bytes) is not whole pages of at most 16 MiB");
	raw_header(SNAP_VERSION, SNAP_HEADER_SIZE, 0, true);
	raw_record(SNAP_MACH, m, mach(m, 1, 2, 0), 0, 0);
	expect_refusal("a region of 0 bytes", "region 0 (0x0, 0 bytes) is not whole pages");
	raw_header(SNAP_VERSION, SNAP_HEADER_SIZE, 0, true);
	mach(m, 1, 2, SNAP_PAGE_SIZE);
	put32(m + 32, 0xfffff000);                      /* region 1 wraps past 2^64 */
	put32(m + 36, 0xffffffff);
	put32(m + 40, 0x2000);
	raw_record(SNAP_MACH, m, 56, 0, 0);
	expect_refusal("a region that wraps past 2^64", "region 1 (0xfffffffffffff000, 8192 bytes) is not whole pages");
	with_one(SNAP_MACH, m, mach(m, 1, 2, 2 * SNAP_PAGE_SIZE));
	expect_refusal("a second MACH", "record 1 ('MACH') at offset 96: a second MACH record: the file is corrupted");

	/* PAGE */
	raw_header(SNAP_VERSION, SNAP_HEADER_SIZE, 0, true);
	memset(buf, 0, sizeof(buf));
	put32(buf + 8, 1);
	raw_record(SNAP_PAGE, buf, 16 + SNAP_PAGE_SIZE, 0, 0);
	expect_refusal("a PAGE before MACH", "a PAGE record before the MACH record that says what memory the machine has");
	with_one(SNAP_PAGE, buf, 8);
	expect_refusal("a PAGE shorter than its start", "PAGE is 8 bytes, less than its 16-byte start");
	put32(buf, 2);
	with_one(SNAP_PAGE, buf, 16 + SNAP_PAGE_SIZE);
	expect_refusal("a PAGE of region 2 of 2", "pages for region 2, but the machine has 2");
	put32(buf, 0);
	put32(buf + 4, 1);
	put32(buf + 8, 2);
	with_one(SNAP_PAGE, buf, 16 + 2 * SNAP_PAGE_SIZE);
	expect_refusal("pages 1 and 2 of a region of 2", "pages 1 to 2 of region 0, which has 2");
	put32(buf + 4, 0);
	put32(buf + 8, 0);
	with_one(SNAP_PAGE, buf, 16);
	/* (the message's last page is first + count - 1: for 0 pages it wraps) */
	expect_refusal("a PAGE of 0 pages", "record 1 ('PAGE') at offset 96: a PAGE record of 0 pages");
	put32(buf + 8, 0xffffffffu);
	put32(buf + 4, 1);
	with_one(SNAP_PAGE, buf, 16);
	expect_refusal("a PAGE count that would wrap", "pages 1 to 4294967295 of region 0, which has 2");
	put32(buf + 4, 0);
	put32(buf + 8, 2);
	with_one(SNAP_PAGE, buf, 16 + SNAP_PAGE_SIZE);
	expect_refusal("a PAGE of 2 pages with 1 page of bytes", "PAGE is 4112 bytes, but 2 pages take 8208");

	/* a vCPU's pieces */
	memset(buf, 0, sizeof(buf));
	raw_header(SNAP_VERSION, SNAP_HEADER_SIZE, 0, true);
	raw_record(SNAP_REGS, buf, 8 + sizeof(struct kvm_regs), 0, 0);
	expect_refusal("REGS before MACH", "a vCPU's state before the MACH record");
	with_one(SNAP_REGS, buf, 4);
	expect_refusal("REGS shorter than its vCPU index", "4 bytes, less than the vCPU index before the general registers (REGS)");
	put32(buf, 1);
	with_one(SNAP_REGS, buf, 8 + sizeof(struct kvm_regs));
	expect_refusal("REGS of vCPU 1 on a machine of 1", "the general registers (REGS) of vCPU 1, but the machine has 1");
	put32(buf, 0);
	with_one(SNAP_REGS, buf, 8 + sizeof(struct kvm_regs) - 8);
	expect_refusal("REGS 8 bytes short", "the general registers (REGS) is 136 bytes; KVM's structure is 144");
	with_one(SNAP_SREG, buf, 8 + sizeof(struct kvm_sregs) + 4);
	expect_refusal("SREG 4 bytes long", "the special registers (SREG) is 316 bytes; KVM's structure is 312");
	with_one(SNAP_LAPC, buf, 8 + 16);
	expect_refusal("LAPC too short", "the local APIC (LAPC) is 16 bytes; KVM's structure is 1024");
	with_one(SNAP_EVNT, buf, 8);
	expect_refusal("EVNT empty", "the pending events (EVNT) is 0 bytes");
	with_one(SNAP_MPST, buf, 8 + 8);
	expect_refusal("MPST 8 bytes", "the MP state (MPST) is 8 bytes; KVM's structure is 4");
	with_one(SNAP_DBGR, buf, 8 + 4);
	expect_refusal("DBGR 4 bytes", "the debug registers (DBGR) is 4 bytes");
	with_one(SNAP_XCRS, buf, 8 + 4);
	expect_refusal("XCRS 4 bytes", "the XCRs (XCRS) is 4 bytes");
	with_one(SNAP_XSAV, buf, 8 + 1024);
	expect_refusal("an XSAVE area of 1 KiB", "an XSAVE area of 1024 bytes: KVM's is 4096 to 65536, a multiple of 64");
	with_one(SNAP_XSAV, buf, 8 + 4096 + 8);
	expect_refusal("an XSAVE area not a multiple of 64", "an XSAVE area of 4104 bytes");
	with_one(SNAP_MSRS, buf, 12);
	expect_refusal("MSRS shorter than its count", "MSRS is 12 bytes, less than its count");
	put32(buf + 8, SNAP_MAX_MSRS + 1);
	with_one(SNAP_MSRS, buf, 16);
	expect_refusal("257 MSRs", "257 MSRs; this format holds at most 256");
	put32(buf + 8, 2);
	with_one(SNAP_MSRS, buf, 16 + 16);
	expect_refusal("MSRS of 2 with the bytes of 1", "MSRS is 32 bytes, but 2 MSRs take 48");
	put32(buf + 8, 0);
	with_one(SNAP_REGS, buf, 8 + sizeof(struct kvm_regs));
	raw_record(SNAP_REGS, buf, 8 + sizeof(struct kvm_regs), 2, 0);
	expect_refusal("REGS twice", "vCPU 0's general registers (REGS) a second time");

	/* the VM's records */
	with_one(SNAP_CHIP, buf, 16);
	expect_refusal("CHIP too short", "CHIP is 16 bytes; struct kvm_irqchip is 520");
	put32(buf, 3);
	with_one(SNAP_CHIP, buf, sizeof(struct kvm_irqchip));
	expect_refusal("chip 3", "chip 3: KVM has chips 0 (the master PIC), 1 (the slave PIC) and 2 (the IOAPIC)");
	put32(buf, 1);
	with_one(SNAP_CHIP, buf, sizeof(struct kvm_irqchip));
	raw_record(SNAP_CHIP, buf, sizeof(struct kvm_irqchip), 2, 0);
	expect_refusal("chip 1 twice", "chip 1 a second time");
	with_one(SNAP_PIT2, buf, 8);
	expect_refusal("PIT2 too short", "the PIT (PIT2) is 8 bytes; it should be 112");
	with_one(SNAP_CLCK, buf, sizeof(struct kvm_clock_data));
	raw_record(SNAP_CLCK, buf, sizeof(struct kvm_clock_data), 2, 0);
	expect_refusal("CLCK twice", "the clock (CLCK) a second time");
	with_one(SNAP_DEVS, buf, 8);
	expect_refusal("DEVS too short", "the monitor's devices (DEVS) is 8 bytes; it should be 16");
	with_one(SNAP_VGA, buf, 8);
	expect_refusal("VGA too short", "the text screen (VGA) is 8 bytes; it should be 32768");
	with_one(SNAP_ROND, buf, 4);
	expect_refusal("ROND of 4 bytes", "ROND is 4 bytes; it should be 8");
	with_one(SNAP_END, buf, 8);
	expect_refusal("END of 8 bytes", "END is 8 bytes; it should be 4");
	end = 5;
	with_one(SNAP_END, &end, 4);
	expect_refusal("END that counts 5 records of 1", "END counts 5 records before it, but 1 came");
}

/* ---- the round trip, snap_complete(), snap_same_shape() ----------------- */

/* The small machine written with skip, read back into s. */
static bool read_small(struct snapshot *s, int skip, uint32_t flags, uint32_t *records,
		       char *err, size_t size)
{
	struct snap_reader r;
	int fd = scratch();
	bool ok;

	*records = write_small(fd, skip, flags);
	lseek(fd, 0, SEEK_SET);
	snap_init(s);
	snap_reader_init(&r, fd, "the stream");
	ok = snap_read_all(&r, s);
	snprintf(err, size, "%s", r.err);
	snap_reader_close(&r);
	close(fd);
	return ok;
}

static void expect_incomplete(int skip, const char *what, const char *want)
{
	static struct snapshot s;
	char err[320], name[200];
	uint32_t records;

	snprintf(name, sizeof(name), "snapshot: snap_complete() without %s", what);
	if (!read_small(&s, skip, 0, &records, err, sizeof(err))) {
		printf("not ok - %s: the reader refused it: %s\n", name, err);
		check_failures++;
		return;
	}
	err[0] = '\0';
	CHECK_EQ(name, 0, snap_complete(&s, err, sizeof(err)));
	snprintf(name, sizeof(name), "snapshot: snap_complete() without %s says so", what);
	CHECK_STR(name, want, err);
	snap_free(&s);
}

static void round_trip(void)
{
	static struct snapshot s;
	struct snap_shape shape = small(), other;
	uint32_t records;
	char err[320];
	bool ok;

	fill();
	ok = read_small(&s, W_ALL, 0, &records, err, sizeof(err));
	CHECK_EQ("snapshot: the small machine's file is read whole", 1, ok);
	if (!ok)
		printf("# the reader said: %s\n", err);
	CHECK_EQ("snapshot: 21 records written", 21, records);
	CHECK_EQ("snapshot: 21 records read", 21, s.records);
	CHECK_EQ("snapshot: 3 pages read", 3, s.pages);
	CHECK_EQ("snapshot: a file's flags are 0", 0, s.flags);
	CHECK_EQ("snapshot: it is complete", 1, snap_complete(&s, err, sizeof(err)));
	CHECK_EQ("snapshot: it is of the small machine", 1, snap_same_shape(&s, &shape, err, sizeof(err)));
	CHECK_EQ("snapshot: MACH: 2 regions", 2, s.shape.regions);
	CHECK_EQ("snapshot: MACH: region 1 at 1 MiB", 0x100000, s.shape.region[1].gpa);
	CHECK_EQ("snapshot: MACH: region 1's slot", 2, s.shape.region[1].slot);
	CHECK_EQ("snapshot: MACH: region 1's flags", 2, s.shape.region[1].flags);
	CHECK_EQ("snapshot: PAGE: the RAM came back", 0, memcmp(s.memory[0], ram, sizeof(ram)));
	CHECK_EQ("snapshot: PAGE: the ROM came back", 0, memcmp(s.memory[1], rom, sizeof(rom)));
	CHECK_EQ("snapshot: REGS: rip", 0x7c00, s.vcpu[0].regs.rip);
	CHECK_EQ("snapshot: REGS: rax", 42, s.vcpu[0].regs.rax);
	CHECK_EQ("snapshot: SREG: cr0", 0x10, s.vcpu[0].sregs.cr0);
	CHECK_EQ("snapshot: XSAV: its size", sizeof(struct kvm_xsave), s.vcpu[0].xsave_size);
	CHECK_EQ("snapshot: XSAV: its first byte", 0x7f, s.vcpu[0].xsave[0]);
	CHECK_EQ("snapshot: XCRS", 1, s.vcpu[0].xcrs.nr_xcrs);
	CHECK_EQ("snapshot: MSRS: the count", 2, s.vcpu[0].msrs.count);
	CHECK_EQ("snapshot: MSRS: the second's index", 0x1b, s.vcpu[0].msrs.entry[1].index);
	CHECK_EQ("snapshot: MSRS: the second's value", 0xfee00900, s.vcpu[0].msrs.entry[1].data);
	CHECK_EQ("snapshot: LAPC", 5, s.vcpu[0].lapic.regs[0x20]);
	CHECK_EQ("snapshot: EVNT", 3, s.vcpu[0].events.exception.nr);
	CHECK_EQ("snapshot: MPST", KVM_MP_STATE_HALTED, s.vcpu[0].mp.mp_state);
	CHECK_EQ("snapshot: DBGR", 0x400, s.vcpu[0].debugregs.dr7);
	CHECK_EQ("snapshot: every vCPU piece came", (1u << SNAP_VCPU_PIECES) - 1, s.vcpu[0].have);
	CHECK_EQ("snapshot: CHIP: all three", 7, s.have_chips);
	CHECK_EQ("snapshot: CHIP: the IOAPIC's bytes", 3, s.chip[2].chip.dummy[1]);
	CHECK_EQ("snapshot: PIT2", 11932, s.pit.channels[0].count);
	CHECK_EQ("snapshot: CLCK", 99, s.clock.clock);
	CHECK_EQ("snapshot: DEVS", 0x10, s.devices[8]);
	CHECK_EQ("snapshot: VGA", 0, memcmp(s.vga, vga, sizeof(vga)));
	other = shape;
	other.region[0].size = 4 * SNAP_PAGE_SIZE;
	CHECK_EQ("snapshot: snap_same_shape() refuses a region of another size", 0,
		 snap_same_shape(&s, &other, err, sizeof(err)));
	CHECK_STR("snapshot: snap_same_shape() says how the region differs",
		  "its region 0 is 8 KiB at 0x0 (slot 0, flags 0x0); this machine's is 16 KiB at 0x0 (slot 0, flags 0x0)",
		  err);
	other = shape;
	other.vcpus = 2;
	snap_same_shape(&s, &other, err, sizeof(err));
	CHECK_STR("snapshot: snap_same_shape() says the vCPUs differ",
		  "it is of a machine with 1 vCPU; this one has 2", err);
	other = shape;
	other.regions = 3;
	snap_same_shape(&s, &other, err, sizeof(err));
	CHECK_STR("snapshot: snap_same_shape() says the regions differ",
		  "it is of a machine with 2 memory regions; this one has 3", err);
	snap_free(&s);

	/* a stream: ROND and a page sent again */
	ok = read_small(&s, W_ALL, SNAP_FLAG_STREAM, &records, err, sizeof(err));
	CHECK_EQ("snapshot: a stream with ROND and a page sent again is read whole", 1, ok);
	CHECK_EQ("snapshot: a stream's flag", SNAP_FLAG_STREAM, s.flags);
	CHECK_EQ("snapshot: a stream's rounds", 1, s.rounds);
	CHECK_EQ("snapshot: a stream's pages, one twice", 4, s.pages);
	CHECK_EQ("snapshot: a stream is complete", 1, snap_complete(&s, err, sizeof(err)));
	snap_free(&s);

	expect_incomplete(W_NO_REGS, "REGS", "vCPU 0's general registers (REGS) never came");
	expect_incomplete(W_NO_PAGE1, "page 1", "page 1 of region 0 (guest-physical 0x1000) never came");
	expect_incomplete(W_NO_CHIP2, "the IOAPIC", "the IOAPIC (CHIP 2) never came");
	expect_incomplete(W_NO_PIT, "the PIT", "the PIT (PIT2) never came");
	expect_incomplete(W_NO_VGA, "the screen", "the text screen (VGA) never came");
	/* without MACH the reader refuses the first PAGE already */
	ok = read_small(&s, W_NO_MACH, 0, &records, err, sizeof(err));
	CHECK_EQ("snapshot: without MACH the reader refuses the first PAGE", 0, ok);
	snap_free(&s);
	snap_init(&s);
	snap_complete(&s, err, sizeof(err));
	CHECK_STR("snapshot: snap_complete() of nothing says MACH is missing",
		  "it has no MACH record: what machine it is, it does not say", err);
}

int main(void)
{
	char tn[8];

	CHECK_EQ("snapshot: CRC32 of \"123456789\" is 0xcbf43926", 0xcbf43926,
		 snap_crc32(0, "123456789", 9));
	CHECK_EQ("snapshot: CRC32 continues: \"1234\" then \"56789\"", 0xcbf43926,
		 snap_crc32(snap_crc32(0, "1234", 4), "56789", 5));
	CHECK_EQ("snapshot: CRC32 of nothing is 0", 0, snap_crc32(0, "", 0));
	CHECK_STR("snapshot: the type END is 'END '", "END ", snap_type_name(SNAP_END, tn));
	CHECK_STR("snapshot: an unprintable type is shown with ?", "A?B?",
		  snap_type_name(SNAP_TYPE('A', 1, 'B', 0x80), tn));
	CHECK_STR("snapshot: the name of the MSRs piece", "MSRs (MSRS)", snap_piece_name(SNAP_P_MSRS));
	CHECK_EQ("snapshot: MACH is the bytes 'MACH' little-endian", 0x4843414d, SNAP_MACH);
	round_trip();
	reader_checks();
	return check_failures ? 1 : 0;
}
