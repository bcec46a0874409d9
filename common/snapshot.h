/* snapshot.h - chapter 14's file and stream format: the whole state of a
 * VM as a sequence of records, each with its type, its length and a
 * CRC32 of its contents, after a header with a magic and a version.
 *
 *   header   "KVMSTEPS"  u32 version  u32 header size  u32 flags  u32 CRC32
 *   record   u32 type  u32 length  u32 CRC32  u32 number   length bytes
 *   ...
 *   record   "END "  (u32 records before it)
 *
 * Every number is little-endian. The records that hold KVM's own state
 * carry the kernel's structures as the x86 KVM ABI lays them out
 * (include/uapi/asm/kvm.h: struct kvm_regs, kvm_sregs, ...), each behind
 * a u32 vCPU index and a u32 of padding where they are a vCPU's. The
 * reader checks every length against what its type allows before it
 * looks inside, every CRC32, and that nothing is missing, and collects
 * the lot in a struct snapshot: nothing reaches KVM until all of it has
 * been read and found whole. A file and a migration stream are the same
 * format; a stream also has ROND records between pre-copy rounds, and
 * PAGE records that send a page again. */
#ifndef KVM_STEPS_SNAPSHOT_H
#define KVM_STEPS_SNAPSHOT_H

#include <linux/kvm.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SNAP_MAGIC          "KVMSTEPS"
#define SNAP_VERSION        1
#define SNAP_HEADER_SIZE    24
#define SNAP_RECORD_HEADER  16
#define SNAP_PAGE_SIZE      4096u
#define SNAP_MAX_RECORD     (4u << 20)  /* no record is longer: 4 MiB */
#define SNAP_MAX_VCPUS      1           /* chapter 14's machine has one */
#define SNAP_MAX_REGIONS    4
#define SNAP_MAX_REGION     (16u << 20) /* no region is larger: 16 MiB */
#define SNAP_MAX_MSRS       256
#define SNAP_MAX_XSAVE      (64u << 10) /* KVM_CAP_XSAVE2's size, at most */
#define SNAP_DEVICES_SIZE   16          /* the UART's registers and IRQ4 */
#define SNAP_VGA_SIZE       0x8000u
#define SNAP_FLAG_STREAM    1u          /* header flags: a migration stream */

/* The record types: four ASCII characters, read as a little-endian u32. */
#define SNAP_TYPE(a, b, c, d) ((uint32_t)(a) | (uint32_t)(b) << 8 | \
			       (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
enum snap_type {
	SNAP_MACH = SNAP_TYPE('M', 'A', 'C', 'H'), /* the machine's shape */
	SNAP_PAGE = SNAP_TYPE('P', 'A', 'G', 'E'), /* pages of one region */
	SNAP_ROND = SNAP_TYPE('R', 'O', 'N', 'D'), /* a pre-copy round ended */
	SNAP_REGS = SNAP_TYPE('R', 'E', 'G', 'S'), /* struct kvm_regs */
	SNAP_SREG = SNAP_TYPE('S', 'R', 'E', 'G'), /* struct kvm_sregs */
	SNAP_XSAV = SNAP_TYPE('X', 'S', 'A', 'V'), /* the XSAVE area */
	SNAP_XCRS = SNAP_TYPE('X', 'C', 'R', 'S'), /* struct kvm_xcrs */
	SNAP_MSRS = SNAP_TYPE('M', 'S', 'R', 'S'), /* u32 count, then entries */
	SNAP_LAPC = SNAP_TYPE('L', 'A', 'P', 'C'), /* struct kvm_lapic_state */
	SNAP_EVNT = SNAP_TYPE('E', 'V', 'N', 'T'), /* struct kvm_vcpu_events */
	SNAP_MPST = SNAP_TYPE('M', 'P', 'S', 'T'), /* struct kvm_mp_state */
	SNAP_DBGR = SNAP_TYPE('D', 'B', 'G', 'R'), /* struct kvm_debugregs */
	SNAP_CHIP = SNAP_TYPE('C', 'H', 'I', 'P'), /* struct kvm_irqchip */
	SNAP_PIT2 = SNAP_TYPE('P', 'I', 'T', '2'), /* struct kvm_pit_state2 */
	SNAP_CLCK = SNAP_TYPE('C', 'L', 'C', 'K'), /* struct kvm_clock_data */
	SNAP_DEVS = SNAP_TYPE('D', 'E', 'V', 'S'), /* the monitor's COM1 */
	SNAP_VGA  = SNAP_TYPE('V', 'G', 'A', ' '), /* the text screen's memory */
	SNAP_END  = SNAP_TYPE('E', 'N', 'D', ' '), /* the last record */
};

/* The pieces of a vCPU's state, in the order KVM wants them back. */
enum snap_piece {
	SNAP_P_REGS, SNAP_P_XSAVE, SNAP_P_XCRS, SNAP_P_SREGS, SNAP_P_MSRS,
	SNAP_P_LAPIC, SNAP_P_EVENTS, SNAP_P_MP, SNAP_P_DEBUG, SNAP_VCPU_PIECES
};

struct snap_region {
	uint64_t gpa, size;
	uint32_t slot, flags;
};

/* What the machine is: the reader refuses a file for another shape. */
struct snap_shape {
	uint32_t vcpus;
	uint32_t regions;
	struct snap_region region[SNAP_MAX_REGIONS];
};

struct snap_msrs {
	uint32_t count;
	struct kvm_msr_entry entry[SNAP_MAX_MSRS];
};

struct snap_vcpu {
	unsigned have;               /* 1 << enum snap_piece, for each read */
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	uint32_t xsave_size;
	uint8_t xsave[SNAP_MAX_XSAVE];
	struct kvm_xcrs xcrs;
	struct snap_msrs msrs;
	struct kvm_lapic_state lapic;
	struct kvm_vcpu_events events;
	struct kvm_mp_state mp;
	struct kvm_debugregs debugregs;
};

/* Everything a file or a stream holds, once read. */
struct snapshot {
	uint32_t flags;              /* the header's */
	bool have_shape;
	struct snap_shape shape;
	uint8_t *memory[SNAP_MAX_REGIONS];  /* each region's bytes */
	uint8_t *seen[SNAP_MAX_REGIONS];    /* a byte per page: sent at least once */
	struct snap_vcpu vcpu[SNAP_MAX_VCPUS];
	unsigned have_chips;         /* 1 << chip_id for each CHIP */
	struct kvm_irqchip chip[3];  /* PIC master, PIC slave, IOAPIC */
	bool have_pit, have_clock, have_devices, have_vga;
	struct kvm_pit_state2 pit;
	struct kvm_clock_data clock;
	uint8_t devices[SNAP_DEVICES_SIZE];
	uint8_t vga[SNAP_VGA_SIZE];
	/* What came, for the report. */
	unsigned long records, pages, rounds;
	uint64_t bytes;
};

/* ---- writing ------------------------------------------------------------ */

/* A writer sends to fd; the first failed write is kept (err) and every
 * call after it does nothing. */
struct snap_writer {
	int fd;
	int err;
	uint32_t records;
	uint64_t bytes;
};

void snap_writer_init(struct snap_writer *w, int fd, uint32_t flags);
/* One record: its contents are head (hlen bytes) then body (blen), either
 * of which may be empty. */
void snap_write(struct snap_writer *w, uint32_t type, const void *head, size_t hlen,
		const void *body, size_t blen);
/* A vCPU's record: the u32 index and padding, then the structure. */
void snap_write_vcpu(struct snap_writer *w, uint32_t type, uint32_t vcpu,
		     const void *data, size_t len);
void snap_write_shape(struct snap_writer *w, const struct snap_shape *shape);
/* count pages of region, from page first: their bytes are at pages. */
void snap_write_pages(struct snap_writer *w, uint32_t region, uint32_t first,
		      uint32_t count, const uint8_t *pages);
void snap_write_end(struct snap_writer *w);

/* ---- reading ------------------------------------------------------------ */

/* A reader takes bytes from fd. Each call that fails puts one line in err
 * (what, where: the record's number and offset, and what to do) and
 * returns false; the snapshot is then not to be used. */
struct snap_reader {
	int fd;
	const char *name;            /* the file's name, or "the stream" */
	uint64_t offset;             /* bytes read so far */
	uint32_t expect;             /* the next record's number */
	bool ended;                  /* END was read */
	uint8_t *buf;                /* one record's contents */
	char err[320];
};

/* Allocates the snapshot's buffers; snap_free() gives them back. */
void snap_init(struct snapshot *s);
void snap_free(struct snapshot *s);
void snap_reader_init(struct snap_reader *r, int fd, const char *name);
void snap_reader_close(struct snap_reader *r);
/* The header. At the very start of an empty input it returns false with
 * err empty: nothing was sent at all. */
bool snap_read_header(struct snap_reader *r, struct snapshot *s);
/* One record, checked and kept in s. *type says which; after END,
 * r->ended is set and snap_complete() says whether anything is missing. */
bool snap_read_record(struct snap_reader *r, struct snapshot *s, uint32_t *type);
/* Header, then records to END. */
bool snap_read_all(struct snap_reader *r, struct snapshot *s);
/* Whether s holds a whole machine: every page of every region, every
 * piece of every vCPU, the three chips, the PIT, the clock, the devices.
 * On false, err says the first thing missing. */
bool snap_complete(const struct snapshot *s, char *err, size_t size);
/* Whether s's machine is shape; on false, err says how it differs. */
bool snap_same_shape(const struct snapshot *s, const struct snap_shape *shape,
		     char *err, size_t size);

/* The record type as text ("REGS"), and the piece's name ("MSRs"). */
const char *snap_type_name(uint32_t type, char buf[8]);
const char *snap_piece_name(enum snap_piece piece);
/* CRC-32 (IEEE 802.3, as zlib's crc32()), continuing from crc. */
uint32_t snap_crc32(uint32_t crc, const void *data, size_t len);

#endif
