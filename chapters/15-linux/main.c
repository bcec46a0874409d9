/* Chapter 15: boot Linux: an unmodified bzImage and an initramfs, to a
 * shell.
 *
 * Everything before this chapter built the machine; this one hands it to
 * a real kernel through the Linux x86 boot protocol
 * (Documentation/arch/x86/boot.rst). A bzImage is two programs in one
 * file: a real-mode setup (what a BIOS boot loader would run) and the
 * protected-mode kernel behind it, compressed. A loader that starts the
 * kernel itself skips the setup: it reads the setup header, builds what
 * the setup would have built (the zero page, struct boot_params, with the
 * memory map and the command line), places the protected-mode part at
 * 1 MiB and the initramfs high in RAM, and enters the 32-bit entry point
 * in flat protected mode with ESI pointing at the zero page.
 *
 * The devices are the ones Linux needs and no more: chapter 11's irqchip
 * and PIT in the kernel, its interrupt-driven 16550A on COM1 as the
 * console, a keyboard controller whose only use is the reset line (how a
 * PC reboots), unclaimed ports reading all ones. vCPUs run on chapter
 * 12's threads; with more than one, an MP table tells Linux about them.
 *
 * Standard output and input are the guest's console (COM1); this
 * program's own lines go to standard error. On a terminal the console is
 * raw, as a serial line is: Ctrl-A x ends the run. */
#include "bus.h"
#include "io.h"
#include "irqchip.h"
#include "kvm.h"
#include "options.h"
#include "run.h"
#include "serial.h"
#include "smp.h"
#include "util.h"
#include "x86.h"

#include <asm/bootparam.h>  /* struct boot_params, struct setup_header: the kernel's own */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

// ANCHOR: layout
/* Where things go in guest-physical memory (boot.rst, "the 32-bit boot
 * protocol": the loader chooses, the kernel is told). */
#define BOOT_GDT        0x6000u    /* the four descriptors the entry wants */
#define ZERO_PAGE       0x7000u    /* struct boot_params: 4 KiB */
#define CMDLINE         0x20000u   /* the command line, NUL-terminated */
#define MPTABLE         0x9fc00u   /* the MP table, in the last KiB below 640 KiB */
#define KERNEL_LOAD     0x100000u  /* the protected-mode kernel: at 1 MiB */
#define LOW_RAM_END     0x9fc00u   /* e820: RAM below, reserved from here... */
#define BIOS_END        0x100000u  /* ...to 1 MiB, as on a PC */
#define E820_RAM        1          /* E820_TYPE_RAM in arch/x86/include/asm/e820/types.h */
#define E820_RESERVED   2          /* E820_TYPE_RESERVED */
#define BOOT_CS         0x10       /* __BOOT_CS: the entry's code selector */
#define BOOT_DS         0x18       /* __BOOT_DS: its data selector */
#define MIN_PROTOCOL    0x0206     /* 2.06 (Linux 2.6.22): cmdline_size exists */
#define MAX_KERNEL      (64u << 20) /* no bzImage is bigger than this */
// ANCHOR_END: layout

/* ---- the kernel image: the setup header, checked ----------------------- */

struct kernel {
	const char *path;
	uint8_t *file;
	size_t size;
	struct setup_header hdr;  /* the header as the image has it */
	size_t setup_size;        /* the real-mode part: (setup_sects + 1) * 512 */
	const uint8_t *pm;        /* the protected-mode part, after it */
	size_t pm_size;
};

/* A short reason in why, false: the image is not one this loader can
 * boot. Every offset is checked against size before it is read. */
// ANCHOR: parse-header
static bool kernel_parse(struct kernel *k, const uint8_t *file, size_t size,
			 char *why, size_t n)
{
	const size_t hdr_at = offsetof(struct boot_params, hdr); /* 0x1f1 */
	size_t hdr_end;
	uint32_t magic;

	// LAB BEGIN: copy the setup header from the image into k->hdr (from 0x1f1 up to 0x202 + the byte at 0x201, never past the struct or the file; first refuse a file under 0x208 bytes), then refuse, with a reason in why and false, an image without boot_flag 0xaa55, without "HdrS" at 0x202, with a version below MIN_PROTOCOL, or without LOADED_HIGH; set k->setup_size ((setup_sects, 4 if 0, + 1) * 512), k->pm and k->pm_size, refuse a file shorter than its setup or than syssize * 16 bytes after it, and return true.
	memset(&k->hdr, 0, sizeof(k->hdr));
	if (size < 0x202 + 4 + 2) {
		snprintf(why, n, "%zu bytes: too small for a setup header (it ends past 0x208)",
			 size);
		return false;
	}
	/* The header's own length: the 2-byte jump at 0x200 skips it, so
	 * 0x202 + its offset byte is where the setup code begins. Copy the
	 * header, never the whole first sector: since 6.1.88 the rest of
	 * that sector is 0xff, which is not a zero page. */
	hdr_end = 0x202 + file[0x201];
	if (hdr_end > hdr_at + sizeof(k->hdr))
		hdr_end = hdr_at + sizeof(k->hdr);
	if (hdr_end > size)
		hdr_end = size;
	memcpy(&k->hdr, file + hdr_at, hdr_end - hdr_at);
	memcpy(&magic, file + 0x202, sizeof(magic));
	if (k->hdr.boot_flag != 0xaa55) {
		snprintf(why, n, "no boot signature 0xaa55 at 0x1fe (0x%04x): not a Linux "
			 "kernel image", k->hdr.boot_flag);
		return false;
	}
	if (magic != 0x53726448) {          /* "HdrS" */
		snprintf(why, n, "no \"HdrS\" at 0x202: a boot sector, but not a bzImage "
			 "(a kernel before 1.3.73, or another system's)");
		return false;
	}
	if (k->hdr.version < MIN_PROTOCOL) {
		snprintf(why, n, "boot protocol %u.%02u is too old: this loader needs %u.%02u "
			 "(Linux 2.6.22) or later", k->hdr.version >> 8, k->hdr.version & 0xff,
			 MIN_PROTOCOL >> 8, MIN_PROTOCOL & 0xff);
		return false;
	}
	if (!(k->hdr.loadflags & LOADED_HIGH)) {
		snprintf(why, n, "a zImage (its kernel is loaded at 0x10000): only bzImages "
			 "are booted here");
		return false;
	}
	k->setup_size = (size_t)((k->hdr.setup_sects ? k->hdr.setup_sects : 4) + 1) * 512;
	if (k->setup_size >= size) {
		snprintf(why, n, "truncated: its setup alone claims %zu bytes, the file has %zu",
			 k->setup_size, size);
		return false;
	}
	k->pm = file + k->setup_size;
	k->pm_size = size - k->setup_size;
	if ((uint64_t)k->hdr.syssize * 16 > k->pm_size) {
		snprintf(why, n, "truncated: the header says the kernel has %llu bytes after "
			 "the setup, the file has %zu", (unsigned long long)k->hdr.syssize * 16,
			 k->pm_size);
		return false;
	}
	return true;
	// LAB END
}
// ANCHOR_END: parse-header

/* ---- the zero page ------------------------------------------------------ */

struct layout {
	uint64_t mem;             /* bytes of RAM, from 0 */
	uint64_t initrd_addr;     /* 0 without an initramfs */
	uint32_t initrd_size;
	uint32_t cmdline_size;    /* with its NUL */
	unsigned cpus;
};

/* Where the kernel decompresses itself: init_size bytes from its
 * run-time start, which is not always where it was loaded (boot.rst,
 * init_size): a relocatable kernel runs at pref_address if it was loaded
 * below it, aligned to kernel_alignment (Debian's at 16 MiB); one that is
 * not relocatable runs at pref_address. Kernels before 2.10 have no
 * pref_address and run where they are loaded. The end, never below the
 * loaded image's. */
// ANCHOR: window
static void kernel_window(const struct kernel *k, uint64_t *start, uint64_t *end)
{
	uint64_t at = KERNEL_LOAD, align = k->hdr.kernel_alignment;

	if (k->hdr.version >= 0x020a && k->hdr.pref_address != 0) {
		if (!k->hdr.relocatable_kernel || at < k->hdr.pref_address)
			at = k->hdr.pref_address;
		if (k->hdr.relocatable_kernel && align != 0 && (align & (align - 1)) == 0 &&
		    at <= UINT64_MAX - align)
			at = (at + align - 1) & ~(align - 1);
	}
	*start = at;
	*end = at > UINT64_MAX - k->hdr.init_size ? UINT64_MAX : at + k->hdr.init_size;
	if (*end < KERNEL_LOAD + k->pm_size)
		*end = KERNEL_LOAD + k->pm_size;
}
// ANCHOR_END: window

/* Where the initramfs goes: as high as the kernel allows (initrd_addr_max)
 * and RAM ends, page aligned, and clear of where the kernel decompresses
 * itself (kernel_window()). 0, and why, if it cannot. */
// ANCHOR: place-initrd
static uint64_t initrd_place(const struct kernel *k, uint64_t mem, uint64_t size,
			     char *why, size_t n)
{
	uint64_t top = mem, kernel_start, kernel_end, addr;

	if ((uint64_t)k->hdr.initrd_addr_max + 1 < top)
		top = (uint64_t)k->hdr.initrd_addr_max + 1;
	kernel_window(k, &kernel_start, &kernel_end);
	if (size > top || ((top - size) & ~0xfffull) < kernel_end) {
		snprintf(why, n, "the initramfs (%llu bytes) does not fit between the kernel "
			 "(up to 0x%llx while it unpacks) and 0x%llx: give more --mem",
			 (unsigned long long)size, (unsigned long long)kernel_end,
			 (unsigned long long)top);
		return 0;
	}
	addr = (top - size) & ~0xfffull;
	return addr;
}
// ANCHOR_END: place-initrd

/* What the boot protocol asks the loader to fill in, on top of the
 * header copied from the image. */
// ANCHOR: zero-page
static void zero_page_build(struct boot_params *bp, const struct kernel *k,
			    const struct layout *l)
{
	// LAB BEGIN: fill *bp as boot.rst says a loader does: all zero, then the header copied from k->hdr, type_of_loader 0xff, loadflags with CAN_USE_HEAP set and KEEP_SEGMENTS clear, heap_end_ptr 0xfe00, cmd_line_ptr CMDLINE, ramdisk_image and ramdisk_size from l, vid_mode 0xffff, and an e820 map of three entries: RAM from 0 to LOW_RAM_END, reserved from there to BIOS_END, RAM from BIOS_END to l->mem.
	struct boot_e820_entry map[] = {
		{ 0, LOW_RAM_END, E820_RAM },                    /* 639 KiB */
		{ LOW_RAM_END, BIOS_END - LOW_RAM_END, E820_RESERVED }, /* the EBDA, VGA, BIOS */
		{ BIOS_END, l->mem - BIOS_END, E820_RAM },       /* from 1 MiB */
	};

	memset(bp, 0, sizeof(*bp));
	bp->hdr = k->hdr;
	bp->hdr.type_of_loader = 0xff;       /* "undefined": no loader ID assigned */
	bp->hdr.loadflags |= CAN_USE_HEAP;   /* heap_end_ptr is valid */
	bp->hdr.loadflags &= (uint8_t)~KEEP_SEGMENTS; /* the kernel loads its own */
	bp->hdr.heap_end_ptr = 0xfe00;       /* the setup's heap, were it run */
	bp->hdr.cmd_line_ptr = CMDLINE;
	bp->hdr.ramdisk_image = (uint32_t)l->initrd_addr;
	bp->hdr.ramdisk_size = l->initrd_size;
	bp->hdr.vid_mode = 0xffff;           /* "normal": no video mode change */
	memcpy(bp->e820_table, map, sizeof(map));
	bp->e820_entries = sizeof(map) / sizeof(map[0]);
	// LAB END
}
// ANCHOR_END: zero-page

/* ---- the MP table: how Linux learns of more than one CPU ----------------- */

static uint8_t checksum(const uint8_t *p, size_t n)
{
	uint8_t sum = 0;

	while (n--)
		sum += *p++;
	return (uint8_t)-sum;
}

/* Intel's MultiProcessor Specification 1.4: a floating pointer ("_MP_")
 * that Linux finds by scanning the last KiB below 640 KiB, and a table
 * ("PCMP") listing each processor, the ISA bus, the IOAPIC and how the 16
 * ISA IRQs reach its pins (KVM's default routing: IRQ n, pin n). Returns
 * its size. */
// ANCHOR: mptable
static size_t mptable_build(uint8_t *at, uint32_t gpa, unsigned cpus)
{
	uint8_t *p = at + 16 + 44;            /* the pointer, the header, then entries */
	uint16_t entries = 0;
	uint32_t base_len;
	uint8_t ioapic_id = (uint8_t)cpus;    /* IDs after the CPUs' */

	memset(at, 0, 1024);
	for (unsigned i = 0; i < cpus; i++, entries++, p += 20) {
		p[0] = 0;                         /* a processor */
		p[1] = (uint8_t)i;                /* its local APIC ID */
		p[2] = 0x14;                      /* local APIC version */
		p[3] = 0x01 | (i == 0 ? 0x02 : 0); /* enabled; the BSP */
		p[4] = 0x00; p[5] = 0x06;         /* CPU signature: family 6 */
		p[8] = 0x01; p[9] = 0x02;         /* features: FPU, APIC (bit 9) */
	}
	memcpy(p, "\x01\x00ISA   ", 8);       /* bus 0: ISA */
	p += 8, entries++;
	p[0] = 2, p[1] = ioapic_id, p[2] = 0x11, p[3] = 0x01; /* the IOAPIC, enabled */
	memcpy(p + 4, &(uint32_t){ 0xfec00000 }, 4);
	p += 8, entries++;
	for (unsigned irq = 0; irq < 16; irq++, entries++, p += 8) {
		if (irq == 2) {                   /* the cascade: no device has it */
			p -= 8, entries--;
			continue;
		}
		p[0] = 3;                         /* an I/O interrupt assignment */
		p[1] = 0;                         /* INT */
		p[2] = 0, p[3] = 0;               /* conforming polarity and trigger */
		p[4] = 0;                         /* source bus: ISA */
		p[5] = (uint8_t)irq;              /* source IRQ */
		p[6] = ioapic_id;
		p[7] = (uint8_t)irq;              /* pin: KVM routes GSI n to pin n */
	}
	base_len = (uint32_t)(p - (at + 16));
	/* The table's header. */
	memcpy(at + 16, "PCMP", 4);
	memcpy(at + 16 + 4, &(uint16_t){ (uint16_t)base_len }, 2);
	at[16 + 6] = 4;                       /* spec revision 1.4 */
	memcpy(at + 16 + 8, "KVMSTEPS", 8);
	memcpy(at + 16 + 16, "CHAPTER15   ", 12);
	memcpy(at + 16 + 34, &entries, 2);
	memcpy(at + 16 + 36, &(uint32_t){ 0xfee00000 }, 4); /* the local APICs */
	at[16 + 7] = checksum(at + 16, base_len);
	/* The floating pointer, in front of it. */
	memcpy(at, "_MP_", 4);
	memcpy(at + 4, &(uint32_t){ gpa + 16 }, 4);
	at[8] = 1;                            /* its length: 16 bytes */
	at[9] = 4;                            /* revision 1.4 */
	at[10] = checksum(at, 16);
	return 16 + base_len;
}
// ANCHOR_END: mptable

/* ---- reading the files -------------------------------------------------- */

static uint8_t *read_file(const char *path, const char *what, size_t max, size_t *size)
{
	struct stat st;
	uint8_t *buf;
	size_t got = 0;
	/* O_NONBLOCK: a named pipe is refused below, not waited on. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		die(EXIT_BAD_GUEST, "cannot open the %s %s: %s", what, path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		die(EXIT_BAD_GUEST, "the %s %s is not a regular file", what, path);
	if ((uint64_t)st.st_size > max)
		die(EXIT_BAD_GUEST, "the %s %s has %lld bytes: more than the %zu this loader "
		    "takes", what, path, (long long)st.st_size, max);
	if (st.st_size == 0)
		die(EXIT_BAD_GUEST, "the %s %s is empty", what, path);
	buf = malloc((size_t)st.st_size);
	if (buf == NULL)
		die(EXIT_KVM_ERROR, "out of memory reading %s", path);
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);

		if (n <= 0)
			die(EXIT_BAD_GUEST, "cannot read the %s %s: %s", what, path,
			    n < 0 ? strerror(errno) : "it got shorter while being read");
		got += (size_t)n;
	}
	close(fd);
	*size = got;
	return buf;
}

/* ---- the vCPUs: CPUID and the 32-bit entry ------------------------------ */

static void flat(struct kvm_segment *s, uint16_t selector, uint8_t type)
{
	*s = (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = selector, .type = type,
		.present = 1, .dpl = 0, .db = 1, .s = 1, .l = 0, .g = 1,
	};
}

// ANCHOR: enter
/* The 32-bit boot protocol's entry state: protected mode, paging off,
 * CS a flat 4 GiB code segment with selector __BOOT_CS, DS, ES and SS
 * flat data with __BOOT_DS, a GDT that has both, interrupts off, ESI the
 * zero page; EBP, EDI and EBX 0. The kernel sets up everything else. */
static void enter_kernel(struct kvm_vcpu *vcpu, uint8_t *ram, const struct kernel *k)
{
	static const uint64_t gdt[4] = {
		0, 0,
		0x00cf9b000000ffffull,    /* 0x10: code, base 0, 4 GiB, 32-bit */
		0x00cf93000000ffffull,    /* 0x18: data, base 0, 4 GiB */
	};
	struct kvm_sregs sregs;
	struct kvm_regs regs = { 0 };

	// LAB BEGIN: write gdt to ram at BOOT_GDT and point the GDTR at it; with vcpu_sregs_get()/vcpu_sregs_set(), make CS a flat 32-bit code segment (flat(), selector BOOT_CS, type 0xb) and DS, ES, FS, GS and SS flat data (BOOT_DS, type 3), CR0 PE alone (keep ET), CR4 and EFER 0; with vcpu_regs_set(), RIP k->hdr.code32_start, RSI ZERO_PAGE, RFLAGS X86_RFLAGS_FIXED (IF clear), every other register 0.
	memcpy(ram + BOOT_GDT, gdt, sizeof(gdt));
	vcpu_sregs_get(vcpu, &sregs);
	flat(&sregs.cs, BOOT_CS, 0xb);
	flat(&sregs.ds, BOOT_DS, 0x3);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.gdt.base = BOOT_GDT;
	sregs.gdt.limit = sizeof(gdt) - 1;
	sregs.cr0 = X86_CR0_PE | (sregs.cr0 & X86_CR0_ET);
	sregs.cr4 = 0;
	sregs.efer = 0;
	vcpu_sregs_set(vcpu, &sregs);
	regs.rip = k->hdr.code32_start;      /* normally 0x100000, where it is loaded */
	regs.rsi = ZERO_PAGE;
	regs.rflags = X86_RFLAGS_FIXED;       /* IF clear */
	vcpu_regs_set(vcpu, &regs);
	// LAB END
}
// ANCHOR_END: enter

/* ---- the devices Linux needs and no more -------------------------------- */

struct machine;
static void how_far(struct machine *m, const struct kernel *k);

struct machine {
	struct io_bus io;             /* COM1 and the exit port (chapter 07) */
	struct com1_irq com1;         /* IRQ4 (chapter 11) */
	struct smp smp;               /* the vCPU threads (chapter 12) */
	uint8_t *ram;
	uint64_t mem;
	bool ctrl_a;                  /* the console's Ctrl-A was typed */
	bool console_quit;            /* ...then x */
	bool reset;                   /* the guest asked for a reset */
	unsigned long unclaimed;      /* port accesses nobody answers */
};

/* The keyboard controller, as far as a reboot needs it: a write of 0xfe
 * to its command port (0x64) pulses the CPU's reset line. Reads give all
 * ones, as from no device: Linux's probe sees a full output buffer it
 * cannot empty and decides at once that there is no controller (a status
 * of 0 would have it wait out a timeout on each command). */
static uint64_t i8042_read(void *opaque, uint64_t offset, unsigned size)
{
	(void)opaque, (void)offset, (void)size;
	return 0xff;
}

static void i8042_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	struct machine *m = opaque;

	(void)size;
	if (offset == 4 && (value & 0xff) == 0xfe)
		m->reset = true;
}

/* Port 0x80, the POST code port: Linux writes it as a delay (io_delay). */
static uint64_t sink_read(void *opaque, uint64_t offset, unsigned size)
{
	(void)opaque, (void)offset, (void)size;
	return 0xff;
}

static void sink_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
	(void)opaque, (void)offset, (void)size, (void)value;
}

/* Ctrl-A x on the console ends the run, as in QEMU; Ctrl-A Ctrl-A sends
 * one Ctrl-A. Everything else goes to the guest. */
static int console_filter(void *opaque, unsigned char c)
{
	struct machine *m = opaque;

	if (m->ctrl_a) {
		m->ctrl_a = false;
		if (c == 'x' || c == 'X') {
			m->console_quit = true;
			return -1;
		}
		return c;
	}
	if (c == 0x01) {
		m->ctrl_a = true;
		return -1;
	}
	return c;
}

static struct termios saved_tty;
static bool tty_raw;

static void tty_restore(void)
{
	if (tty_raw)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved_tty);
}

/* A terminal as a serial line: no echo, no line editing, no signals from
 * Ctrl-C (the guest gets it); put back at exit. */
static void tty_make_raw(void)
{
	struct termios raw;

	if (!isatty(STDIN_FILENO) || tcgetattr(STDIN_FILENO, &saved_tty) < 0)
		return;
	raw = saved_tty;
	cfmakeraw(&raw);
	raw.c_oflag |= OPOST | ONLCR;   /* the program's own lines stay readable */
	if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0) {
		tty_raw = true;
		atexit(tty_restore);
	}
}

/* Input: before any vCPU enters the guest (a byte the guest has just
 * read makes room for the next at once), and every 10 ms in the main
 * thread, for the time every vCPU sleeps in the kernel's HLT. */
static void take_input(struct smp *smp, unsigned index)
{
	struct machine *m = smp->opaque;

	serial_take_input(&m->io.com1);
	com1_irq_update(&m->com1, &m->io.com1);
	if (m->console_quit)
		smp_request_stop(smp, index, 0);
}

static void before_run(struct smp *smp, unsigned index)
{
	take_input(smp, index);
}

static void idle(struct smp *smp)
{
	take_input(smp, 0);
}

static int handle_exit(struct smp *smp, unsigned index)
{
	struct machine *m = smp->opaque;
	struct kvm_vcpu *vcpu = &smp->cpu[index].vcpu;
	struct kvm_run *run = vcpu->run;
	int status;

	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (io_handle(vcpu, &m->io, &status)) {
			serial_flush();
			warn("the guest wrote %d to the exit port 0x%x: exit status %d",
			     status, EXIT_PORT, status);
			return status;
		}
		com1_irq_update(&m->com1, &m->io.com1);
		if (m->reset) {
			serial_flush();
			warn("the guest reset the machine through the keyboard controller "
			     "(0xfe to port 0x64), as Linux reboots a PC: exit status 0");
			return 0;
		}
		return -1;
	case KVM_EXIT_MMIO:
		/* No device is memory-mapped here: reads give all ones. */
		if (!run->mmio.is_write)
			memset(run->mmio.data, 0xff, sizeof(run->mmio.data));
		m->unclaimed++;
		return -1;
	case KVM_EXIT_SHUTDOWN:
		serial_flush();
		warn("vcpu %u: KVM_EXIT_SHUTDOWN: the guest triple-faulted (or reset the CPU "
		     "that way, as Linux's last reboot method does): exit status 0", index);
		return 0;
	case KVM_EXIT_SYSTEM_EVENT:
		serial_flush();
		warn("vcpu %u: KVM_EXIT_SYSTEM_EVENT type %u (%s): exit status 0", index,
		     run->system_event.type,
		     run->system_event.type == KVM_SYSTEM_EVENT_SHUTDOWN ? "power off" :
		     run->system_event.type == KVM_SYSTEM_EVENT_RESET ? "reset" : "other");
		return 0;
	default:
		serial_flush();
		warn("vcpu %u stopped:", index);
		return vcpu_report_unhandled(vcpu);
	}
}

static void add_devices(struct machine *m)
{
	bus_register(&m->io.bus, BUS_PIO, &(struct bus_device){
		.name = "i8042", .base = 0x60, .size = 5,
		.opaque = m, .read = i8042_read, .write = i8042_write });
	bus_register(&m->io.bus, BUS_PIO, &(struct bus_device){
		.name = "post-code", .base = 0x80, .size = 1,
		.opaque = m, .read = sink_read, .write = sink_write });
	serial_by_interrupt(&m->io.com1);
	m->io.com1.input_filter = console_filter;
	/* Input waits in standard input until Linux's 8250 driver has the port
	 * open (IER asks for received-data interrupts, MCR's OUT2 connects
	 * them): what a serial line sends before that, the driver's start-up
	 * throws away with the FIFO it clears. */
	m->io.com1.input_needs_irq = true;
	m->io.com1.filter_opaque = m;
	m->io.bus.quiet = true; /* Linux probes many ports nobody has: counted, not told */
}

/* A boot stopped by the timeout: where the BSP was, in words. */
static void how_far(struct machine *m, const struct kernel *k)
{
	struct kvm_vcpu *vcpu = &m->smp.cpu[0].vcpu;
	uint64_t start, end;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	const char *mode;

	kernel_window(k, &start, &end);
	if (start > KERNEL_LOAD)
		start = KERNEL_LOAD;          /* the image as loaded, then the window */
	vcpu_sregs_get(vcpu, &sregs);
	vcpu_regs_get(vcpu, &regs);
	mode = (sregs.efer & X86_EFER_LMA) ? "64-bit mode" :
	       (sregs.cr0 & X86_CR0_PE) ? "32-bit protected mode" : "real mode";
	if (regs.rip >= start && regs.rip < end)
		warn("vcpu 0 was in %s at RIP 0x%llx, inside the 0x%llx-0x%llx the kernel "
		     "is loaded and unpacks itself in: the decompressor (or the kernel's first "
		     "steps) was still running; the console had %s", mode,
		     (unsigned long long)regs.rip, (unsigned long long)start,
		     (unsigned long long)end,
		     m->io.com1.sent ? "printed" : "printed nothing yet");
	else
		warn("vcpu 0 was in %s at RIP 0x%llx%s; the console had %s", mode,
		     (unsigned long long)regs.rip,
		     regs.rip >= 0xffffffff80000000ull ? ", in the kernel proper (its "
		     "virtual addresses)" : "", m->io.com1.sent ? "printed" : "printed nothing yet");
}

int main(int argc, char **argv)
{
	static struct machine m;
	struct options opts;
	struct kernel k;
	struct layout l = { 0 };
	struct boot_params *bp;
	struct kvm_vm vm;
	struct kvm kvm;
	uint8_t *initrd = NULL;
	size_t initrd_size = 0, cmdlen;
	uint64_t window_start, window_end;
	char why[256];
	bool timed_out;

	prog_init(argv[0]);
	options_parse(&opts, argc, argv, OPT_RUN | OPT_LINUX,
		      "Chapter 15: boot Linux: an unmodified bzImage and an initramfs, to a shell.",
		      NULL);
	if (opts.stats)
		stats_enable();
	if (opts.kernel == NULL)
		die(EXIT_USAGE, "no kernel: give --kernel BZIMAGE (make linux fetches Debian's "
		    "and builds an initramfs, then runs this)");
	cmdlen = strlen(opts.append) + 1;

	/* Everything about the files is checked before KVM is opened. */
	k.path = opts.kernel;
	k.file = read_file(opts.kernel, "kernel", MAX_KERNEL, &k.size);
	if (!kernel_parse(&k, k.file, k.size, why, sizeof(why)))
		die(EXIT_BAD_GUEST, "the kernel %s cannot be booted: %s", opts.kernel, why);
	if (cmdlen > (k.hdr.cmdline_size ? k.hdr.cmdline_size + 1 : 256))
		die(EXIT_USAGE, "--append: the command line has %zu bytes; this kernel takes "
		    "%u at most (cmdline_size)", cmdlen - 1, k.hdr.cmdline_size);
	l.mem = (uint64_t)opts.mem_mib << 20;
	l.cpus = opts.cpus;
	l.cmdline_size = (uint32_t)cmdlen;
	kernel_window(&k, &window_start, &window_end);
	if (window_end > l.mem) {
		if (window_start == KERNEL_LOAD)
			die(EXIT_BAD_GUEST, "the kernel %s needs 0x%x bytes from 1 MiB to unpack "
			    "itself (init_size): more than --mem %u gives", opts.kernel,
			    k.hdr.init_size, opts.mem_mib);
		die(EXIT_BAD_GUEST, "the kernel %s unpacks itself at 0x%llx (pref_address) in "
		    "0x%x bytes (init_size): RAM up to 0x%llx, more than --mem %u gives",
		    opts.kernel, (unsigned long long)window_start, k.hdr.init_size,
		    (unsigned long long)window_end, opts.mem_mib);
	}
	if (opts.initrd) {
		initrd = read_file(opts.initrd, "initramfs", (size_t)l.mem, &initrd_size);
		l.initrd_size = (uint32_t)initrd_size;
		l.initrd_addr = initrd_place(&k, l.mem, initrd_size, why, sizeof(why));
		if (l.initrd_addr == 0)
			die(EXIT_BAD_GUEST, "%s: %s", opts.initrd, why);
	}
	fprintf(stderr, "%s: %s: boot protocol %u.%02u, setup %zu bytes, kernel %zu bytes "
		"for 0x%x (init_size 0x%x)%s\n", progname, opts.kernel, k.hdr.version >> 8,
		k.hdr.version & 0xff, k.setup_size, k.pm_size, k.hdr.code32_start,
		k.hdr.init_size, k.hdr.xloadflags & XLF_KERNEL_64 ? ", a 64-bit entry too" : "");
	fprintf(stderr, "%s: RAM %u MiB; zero page 0x%x, command line 0x%x \"%s\", kernel "
		"0x%x", progname, opts.mem_mib, ZERO_PAGE, CMDLINE, opts.append, KERNEL_LOAD);
	if (initrd)
		fprintf(stderr, ", initramfs 0x%llx (%zu bytes)", (unsigned long long)l.initrd_addr,
			initrd_size);
	fprintf(stderr, "\n");
	if (opts.dry_run) {
		free(initrd);
		free(k.file);
		return 0;
	}

	kvm_open(&kvm, opts.device);
	vm_create(&vm, &kvm);
	irqchip_create(&vm);
	m.mem = l.mem;
	m.ram = mmap(NULL, l.mem, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (m.ram == MAP_FAILED)
		die(EXIT_KVM_ERROR, "cannot map %u MiB for the guest: %s", opts.mem_mib,
		    strerror(errno));
	kvm_ioctl_or_die(vm.fd, KVM_SET_USER_MEMORY_REGION,
			 &(struct kvm_userspace_memory_region){ .slot = 0, .guest_phys_addr = 0,
				 .memory_size = l.mem, .userspace_addr = (uintptr_t)m.ram });

	// ANCHOR: load
	bp = (struct boot_params *)(m.ram + ZERO_PAGE);
	zero_page_build(bp, &k, &l);
	memcpy(m.ram + CMDLINE, opts.append, cmdlen);
	memcpy(m.ram + KERNEL_LOAD, k.pm, k.pm_size);
	if (initrd)
		memcpy(m.ram + l.initrd_addr, initrd, initrd_size);
	if (l.cpus > 1)
		mptable_build(m.ram + MPTABLE, MPTABLE, l.cpus);
	// ANCHOR_END: load

	io_init(&m.io);
	m.com1.vm = &vm;
	add_devices(&m);
	m.smp.before_run = before_run;
	m.smp.on_exit = handle_exit;
	m.smp.idle = idle;
	smp_init(&m.smp, &vm, opts.cpus, &m);
	for (unsigned i = 0; i < opts.cpus; i++)
		vcpu_set_cpuid(&kvm, &m.smp.cpu[i].vcpu, i); /* chapter 08's, with APIC IDs: Linux checks them against the MP table */
	enter_kernel(&m.smp.cpu[0].vcpu, m.ram, &k);
	tty_make_raw();
	fprintf(stderr, "%s: booting %s on %u vCPU%s; the console is COM1%s\n", progname,
		opts.kernel, opts.cpus, opts.cpus == 1 ? "" : "s",
		tty_raw ? "; Ctrl-A x ends the run" : "");

	smp_start(&m.smp);
	timed_out = smp_wait_and_stop(&m.smp, opts.timeout);
	serial_flush();
	tty_restore();
	if (timed_out) {
		warn("the guest was still running after %g s and was stopped (--timeout)",
		     opts.timeout);
		how_far(&m, &k);
		vcpu_dump(&m.smp.cpu[0].vcpu, stderr);
	} else if (m.console_quit) {
		warn("Ctrl-A x: the run was ended from the console: exit status 0");
	}
	if (opts.stats)
		fprintf(stderr, "stats: port accesses no device answered: %lu\n",
			m.unclaimed + m.io.bus.unclaimed);
	stats_print(stderr);

	smp_close(&m.smp);
	vm_close(&vm);
	munmap(m.ram, l.mem);
	kvm_close(&kvm);
	free(initrd);
	free(k.file);
	return m.smp.status;
}
