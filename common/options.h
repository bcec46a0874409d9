/* options.h - the command line every chapter program shares. */
#ifndef KVM_STEPS_OPTIONS_H
#define KVM_STEPS_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

/* Which options a chapter takes beyond --help and --device. */
enum {
	OPT_GUEST = 1 << 0, /* an optional guest image path */
	OPT_RUN = 1 << 1,   /* --trace, --timeout, --stats: it runs a guest */
	OPT_LONG = 1 << 2,  /* chapter 08: --break PART, --real-mode */
	OPT_MMIO = 1 << 3,  /* chapter 09: --coalesced-mmio, --ioeventfd */
	OPT_IRQCHIP = 1 << 4, /* chapter 11: --break PART */
	OPT_SMP = 1 << 5,   /* chapter 12: --cpus N, --no-lock */
	OPT_LINUX = 1 << 6, /* chapter 15: --kernel, --initrd, --append, --mem, --cpus, --dry-run */
	OPT_DEBUG = 1 << 7, /* chapter 13: --step, --breakpoint, --gdb */
	OPT_MIGRATE = 1 << 8, /* chapter 14: --save, --restore, --migrate, ... */
};

#define DEFAULT_TIMEOUT_SECONDS 10.0
#define DEFAULT_CPUS 2
#define MAX_CPUS 16           /* --cpus: at most this (and what KVM allows) */
#define MAX_BREAKPOINTS 4      /* --breakpoint: at most this many */
#define DEFAULT_MEM_MIB 256   /* --mem */
#define DEFAULT_BANDWIDTH_MIB 8 /* --bandwidth: MiB/s */
#define MIN_MEM_MIB 32
#define MAX_MEM_MIB 3072      /* below the IOAPIC and local APIC at 0xfec00000 */
/* Chapter 15's kernel command line: the console on COM1; a panic reboots
 * at once (which ends the run); no PCI bus to look for (this machine has
 * none, and finding that out costs Linux some 33,000 port accesses). */
#define DEFAULT_APPEND "console=ttyS0 panic=-1 pci=off"

struct options {
	const char *device;  /* --device, default /dev/kvm */
	const char *guest;   /* guest image path, NULL for the built-in one */
	double timeout;      /* --timeout in seconds, 0 for none */
	bool trace;          /* --trace */
	bool stats;          /* --stats */
	const char *breaks;  /* --break PART, NULL when not given */
	bool real_mode;      /* --real-mode */
	bool coalesced_mmio; /* --coalesced-mmio */
	bool ioeventfd;      /* --ioeventfd */
	unsigned cpus;       /* --cpus N, DEFAULT_CPUS if not given */
	bool no_lock;        /* --no-lock */
	const char *kernel;  /* --kernel BZIMAGE */
	const char *initrd;  /* --initrd FILE, NULL for none */
	const char *append;  /* --append "COMMAND LINE" */
	unsigned mem_mib;    /* --mem MiB */
	bool dry_run;        /* --dry-run */
	bool step;           /* --step */
	unsigned gdb_port;   /* --gdb PORT, 0 when not given */
	unsigned breakpoints; /* how many --breakpoint ADDRESS */
	uint64_t breakpoint[MAX_BREAKPOINTS];
	const char *save;     /* --save FILE */
	const char *restore;  /* --restore FILE */
	bool migrate;         /* --migrate */
	double after;         /* --after SECONDS, -1 when not given */
	bool dirty_ring;      /* --dirty ring (else log) */
	bool dirty_given;     /* --dirty was given */
	unsigned bandwidth;   /* --bandwidth MiB/s, 0 for no limit */
	unsigned lines;       /* --lines N, 0 when not given */
	unsigned rate;        /* --rate PAGES, 0 when not given */
	bool rate_given;
};

/* Parse argv. purpose is one line saying what the program shows, guest_note
 * says what the built-in guest does (or NULL). --help prints the usage and
 * exits 0; a bad option prints one line and exits 64. */
void options_parse(struct options *opts, int argc, char **argv, unsigned features,
		   const char *purpose, const char *guest_note);

#endif
