/* options.c - see options.h. */
#include "options.h"

#include "kvm.h"
#include "util.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define HELP_WIDTH 78  /* no line of --help is longer */
#define HELP_INDENT 22 /* where the text of an option starts */

/* Words of text, wrapped at HELP_WIDTH: the first line goes on from
 * column at (where the caller's label ended), the next ones start at
 * column indent. */
static void wrap(FILE *out, const char *text, int at, int indent)
{
	const char *p = text;
	bool fresh = true; /* nothing written on this line yet */

	while (*p) {
		int len = 0;

		while (*p == ' ')
			p++;
		while (p[len] && p[len] != ' ')
			len++;
		if (len == 0)
			break;
		if (!fresh && at + 1 + len > HELP_WIDTH) {
			fprintf(out, "\n%*s", indent, "");
			at = indent;
			fresh = true;
		}
		if (!fresh) {
			fputc(' ', out);
			at++;
		}
		fprintf(out, "%.*s", len, p);
		at += len;
		p += len;
		fresh = false;
	}
	fputc('\n', out);
}

/* One option of --help: its name, then what it does, wrapped evenly. */
static void help_item(FILE *out, const char *name, const char *text)
{
	fprintf(out, "  %-*s", HELP_INDENT - 2, name);
	wrap(out, text, HELP_INDENT, HELP_INDENT);
}

static void usage(FILE *out, unsigned features, const char *purpose,
		  const char *guest_note)
{
	char line[512], prefix[64];
	char default_timeout[160];

	snprintf(prefix, sizeof(prefix), "usage: %s ", progname);
	snprintf(line, sizeof(line), "[--device PATH]%s%s%s%s%s%s%s%s%s",
		 features & OPT_RUN ? " [--trace] [--stats] [--timeout SECONDS]" : "",
		 features & OPT_LONG ? " [--break PART] [--real-mode]" : "",
		 features & OPT_MMIO ? " [--coalesced-mmio] [--ioeventfd]" : "",
		 features & OPT_IRQCHIP ? " [--break PART]" : "",
		 features & OPT_SMP ? " [--cpus N] [--no-lock]" : "",
		 features & OPT_DEBUG ? " [--step] [--breakpoint ADDR]... [--gdb PORT]" : "",
		 features & OPT_LINUX ? " --kernel BZIMAGE [--initrd FILE] [--append TEXT] "
		 "[--mem MiB] [--cpus N] [--dry-run]" : "",
		 features & OPT_MIGRATE ? " [--save FILE | --restore FILE | --migrate] "
		 "[--after SECONDS] [--dirty log|ring] [--bandwidth MiB] [--lines N] "
		 "[--rate PAGES]" : "",
		 features & OPT_GUEST ? " [GUEST.bin]" : "");
	fputs(prefix, out);
	wrap(out, line, (int)strlen(prefix), (int)strlen(prefix));
	wrap(out, purpose, 0, 0); /* chapters 10 and 11 say more than a line */
	fputc('\n', out);
	help_item(out, "--device PATH", "the KVM device (default " KVM_DEFAULT_DEVICE ")");
	if (features & OPT_RUN) {
		help_item(out, "--trace", "print every KVM ioctl and exit on standard error");
		help_item(out, "--stats", "at the end: exits by reason; time in and out of KVM_RUN");
		snprintf(default_timeout, sizeof(default_timeout),
			 "stop a guest that runs longer (default %g, 0 for never; time "
			 "spent waiting for standard input does not count)",
			 DEFAULT_TIMEOUT_SECONDS);
		help_item(out, "--timeout SECONDS", default_timeout);
	}
	if (features & OPT_LONG) {
		help_item(out, "--break PART", "get one part of the 64-bit state wrong on "
			  "purpose, to see how KVM or the CPU reports it: no-pae, no-lma, "
			  "no-pe (KVM_SET_SREGS refuses them), cs-d (VM entry fails on "
			  "VT-x and SVM), no-pml4, gdt-data (the guest faults)");
		help_item(out, "--real-mode", "load the guest at 0x7c00 and start it in "
			  "real mode, as chapter 07 does, for a guest that switches to long "
			  "mode itself (guest-asm/long/switch.asm)");
	}
	if (features & OPT_MMIO) {
		help_item(out, "--coalesced-mmio", "queue the guest's writes to the VGA text screen "
			  "in the coalesced MMIO ring (KVM_REGISTER_COALESCED_MMIO) instead of an "
			  "exit each; the monitor drains the ring");
		help_item(out, "--ioeventfd", "let the kernel take writes to the virtio-mmio "
			  "doorbell (QueueNotify, 0xd0050) and signal an eventfd (KVM_IOEVENTFD), "
			  "with no exit");
	}
	if (features & OPT_IRQCHIP)
		help_item(out, "--break PART", "ask KVM for something it refuses, to see how it "
			  "says so: late-irqchip (KVM_CREATE_IRQCHIP after the vCPU), bad-line "
			  "(KVM_IRQ_LINE_STATUS on a line no chip has)");
	if (features & OPT_LINUX) {
		char text[200];

		help_item(out, "--kernel BZIMAGE", "the Linux kernel to boot: a bzImage, boot "
			  "protocol 2.06 or later (make linux fetches Debian's)");
		help_item(out, "--initrd FILE", "an initramfs (a cpio archive, compressed or not), "
			  "placed high in RAM");
		help_item(out, "--append TEXT", "the kernel's command line (default \""
			  DEFAULT_APPEND "\")");
		snprintf(text, sizeof(text), "RAM in MiB (default %d, %d to %d)",
			 DEFAULT_MEM_MIB, MIN_MEM_MIB, MAX_MEM_MIB);
		help_item(out, "--mem MiB", text);
		snprintf(text, sizeof(text), "how many vCPUs, one thread each; more than one "
			 "gets an MP table (default 1, 1 to %d)", MAX_CPUS);
		help_item(out, "--cpus N", text);
		help_item(out, "--dry-run", "check the kernel and the initramfs, show where "
			  "everything goes, and stop before KVM is opened");
	}
	if (features & OPT_SMP) {
		char cpus[160];

		snprintf(cpus, sizeof(cpus), "how many vCPUs, one thread each (default %d, "
			 "1 to %d)", DEFAULT_CPUS, MAX_CPUS);
		help_item(out, "--cpus N", cpus);
		help_item(out, "--no-lock", "tell the guest (at 0x4f4) to add to its shared "
			  "counter without the LOCK prefix, to see the total come out wrong");
	}
	if (features & OPT_DEBUG) {
		help_item(out, "--step", "single-step the guest (KVM_GUESTDBG_SINGLESTEP): one "
			  "line per instruction executed, its address and bytes");
		help_item(out, "--breakpoint ADDR", "stop at this linear address (up to 4 "
			  "times), show the registers and go on");
		help_item(out, "--gdb PORT", "wait for gdb on 127.0.0.1:PORT before the first "
			  "instruction (in gdb: target remote :PORT); no timeout unless "
			  "--timeout is given");
	}
	if (features & OPT_MIGRATE) {
		char text[200];

		help_item(out, "--save FILE", "stop the guest after --after SECONDS, or when "
			  "SIGUSR2 comes, and write its whole state to FILE");
		help_item(out, "--restore FILE", "take the machine from FILE, as --save wrote "
			  "it, and let the guest go on where it stopped");
		help_item(out, "--migrate", "move the running guest to a second process after "
			  "--after SECONDS (default 1): pre-copy rounds of dirty pages, then "
			  "stop-and-copy");
		help_item(out, "--after SECONDS", "when to save or migrate (0.01 to 86400)");
		help_item(out, "--dirty log|ring", "how --migrate finds the pages written: the "
			  "dirty bitmap (KVM_GET_DIRTY_LOG; default) or the dirty ring "
			  "(KVM_CAP_DIRTY_LOG_RING)");
		snprintf(text, sizeof(text), "the migration's speed in MiB/s (default %d, 0 for "
			 "as fast as the socket goes)", DEFAULT_BANDWIDTH_MIB);
		help_item(out, "--bandwidth MiB", text);
		help_item(out, "--lines N", "the built-in guest prints N lines, one every 10 "
			  "ticks of 100 Hz (default 30; 1 to 100000)");
		help_item(out, "--rate PAGES", "the built-in guest writes to PAGES pages of its "
			  "256 each tick (default 4; 0 to 256)");
	}
	help_item(out, "--help", "print this and exit");
	if (features & OPT_GUEST) {
		char text[512];

		snprintf(text, sizeof(text), "a flat guest image (nasm -f bin) to run "
			 "instead of the built-in one%s%s", guest_note ? ", which " : "",
			 guest_note ? guest_note : "");
		help_item(out, "GUEST.bin", text);
	}
	fprintf(out, "\nexit status:\n");
	if (features & OPT_RUN) {
		if (features & OPT_MIGRATE)
			fprintf(out, "  0    the guest wrote 0 to the exit port 0xf4, or --save wrote "
				"the state\n");
		else if (features & (OPT_IRQCHIP | OPT_SMP | OPT_DEBUG)) /* HLT sleeps in the kernel: it ends no run */
			fprintf(out, "  0    the guest wrote 0 to the exit port 0xf4 (HLT ends no run)\n");
		else
			fprintf(out, "  0    the guest halted (HLT)\n");
		fprintf(out, "  N    the guest wrote byte N to the exit port 0xf4\n");
	} else {
		fprintf(out, "  0    every step worked\n");
	}
	fprintf(out, "  %d   bad command line\n", EXIT_USAGE);
	if (features & OPT_MIGRATE)
		fprintf(out, "  %d   the --restore file or the migration stream is not a "
			"whole snapshot\n       of this machine\n", EXIT_BAD_SNAPSHOT);
	if (features & OPT_GUEST)
		fprintf(out, "  %d   the guest image is missing, unreadable, empty, text or too big\n",
			EXIT_BAD_GUEST);
	fprintf(out, "  %d   no usable KVM device%s\n", EXIT_NO_KVM,
		features & OPT_DEBUG ? ", or no listening on the --gdb port" : "");
	if (features & OPT_RUN)
		fprintf(out, "  %d   the guest crashed or stopped in a way this program does not handle\n",
			EXIT_CRASHED);
	fprintf(out, "  %d   KVM refused a request\n", EXIT_KVM_ERROR);
	if (features & OPT_RUN) {
		fprintf(out, "  %d   standard output could not be written%s\n", EXIT_OUTPUT,
			features & OPT_MIGRATE ? ", the --save file either, or the\n"
			"       migration stream broke" : "");
		fprintf(out, "  %d  the guest ran past --timeout\n", EXIT_TIMEOUT);
	}
	if (features & OPT_DEBUG)
		fprintf(out, "  137  gdb killed the guest (its kill command)\n");

}

static noreturn void usage_error(const char *fmt, const char *arg)
{
	stdout_flush(); /* a failure is kept for the report */
	fprintf(stderr, "%s: ", progname);
	fprintf(stderr, fmt, arg);
	fprintf(stderr, " (see %s --help)\n", progname);
	exit(EXIT_USAGE);
}

/* getopt_long() returned '?'. Which word was wrong depends on the kind:
 * for a short option (-x) optopt is the letter, and optind may still point
 * at the same word (-xy); for a long option given an argument it takes
 * none (--help=1), optopt is that option's value; for an unknown long
 * option optopt is 0 and the word is the one just consumed. */
static noreturn void unknown_option(char **argv, int letter)
{
	char shortopt[3] = { '-', (char)letter, '\0' };

	if (letter > 0 && letter < 128)
		usage_error("unknown option '%s'", shortopt);
	if (letter != 0)
		usage_error("option '%s' takes no argument", argv[optind - 1]);
	usage_error("unknown option '%s'", argv[optind - 1]);
}

static double parse_seconds(const char *text)
{
	char *end;
	double value;

	errno = 0;
	value = strtod(text, &end);
	if (end == text || *end != '\0' || errno != 0 || !isfinite(value))
		usage_error("--timeout: '%s' is not a number of seconds (say --timeout 2.5)", text);
	if (value < 0 || value > 86400)
		usage_error("--timeout: %s is out of range: give 0 (never) to 86400 seconds", text);
	return value;
}

static unsigned parse_mem(const char *text)
{
	char *end;
	long mib;

	errno = 0;
	mib = strtol(text, &end, 10);
	if (end == text || *end != '\0' || errno != 0)
		usage_error("--mem: '%s' is not a size in MiB (say --mem 256)", text);
	if (mib < MIN_MEM_MIB || mib > MAX_MEM_MIB) {
		fprintf(stderr, "%s: --mem: %ld MiB is out of range: give %d to %d (see %s "
			"--help)\n", progname, mib, MIN_MEM_MIB, MAX_MEM_MIB, progname);
		exit(EXIT_USAGE);
	}
	return (unsigned)mib;
}

static unsigned parse_cpus(const char *text)
{
	char *end;
	long value;

	errno = 0;
	value = strtol(text, &end, 10);
	if (end == text || *end != '\0' || errno != 0)
		usage_error("--cpus: '%s' is not a number of vCPUs (say --cpus 4)", text);
	if (value < 1 || value > MAX_CPUS) {
		char range[32];

		snprintf(range, sizeof(range), "%.12s", text);
		fprintf(stderr, "%s: --cpus: %s is out of range: give 1 to %d (see %s --help)\n",
			progname, range, MAX_CPUS, progname);
		exit(EXIT_USAGE);
	}
	return (unsigned)value;
}

static unsigned parse_port(const char *text)
{
	char *end;
	long port;

	errno = 0;
	port = strtol(text, &end, 10);
	if (end == text || *end != '\0' || errno != 0 || port < 1 || port > 65535)
		usage_error("--gdb: '%s' is not a TCP port: give 1 to 65535 (gdb's own "
			    "habit is 1234)", text);
	return (unsigned)port;
}

/* A whole number from low to high, for option name. */
static unsigned parse_count(const char *name, const char *text, long low, long high,
			    const char *example)
{
	char *end;
	long value;

	errno = 0;
	value = strtol(text, &end, 10);
	if (end == text || *end != '\0' || errno != 0 || value < low || value > high) {
		char shown[24];

		snprintf(shown, sizeof(shown), "%.16s", text);
		fprintf(stderr, "%s: %s: '%s' is not a number from %ld to %ld (say %s %s) "
			"(see %s --help)\n", progname, name, shown, low, high, name, example,
			progname);
		exit(EXIT_USAGE);
	}
	return (unsigned)value;
}

static uint64_t parse_address(const char *text)
{
	char *end;
	unsigned long long address;

	errno = 0;
	address = strtoull(text, &end, 0);
	if (end == text || *end != '\0' || errno != 0 || text[0] == '-')
		usage_error("--breakpoint: '%s' is not an address (say --breakpoint 0xff073)", text);
	return (uint64_t)address;
}

void options_parse(struct options *opts, int argc, char **argv, unsigned features,
		   const char *purpose, const char *guest_note)
{
	enum { O_DEVICE = 256, O_HELP, O_STATS, O_TIMEOUT, O_TRACE, O_BREAK, O_REAL_MODE,
	       O_COALESCED, O_IOEVENTFD, O_CPUS, O_NO_LOCK, O_KERNEL, O_INITRD, O_APPEND,
	       O_MEM, O_DRY_RUN, O_STEP, O_GDB, O_BREAKPOINT, O_SAVE, O_RESTORE, O_MIGRATE,
	       O_AFTER, O_DIRTY, O_BANDWIDTH, O_LINES, O_RATE };
	/* Every option, and the features that offer it (0: every program). */
	static const struct {
		struct option option;
		unsigned features;
	} known[] = {
		{ { "after", required_argument, NULL, O_AFTER }, OPT_MIGRATE },
		{ { "append", required_argument, NULL, O_APPEND }, OPT_LINUX },
		{ { "bandwidth", required_argument, NULL, O_BANDWIDTH }, OPT_MIGRATE },
		{ { "break", required_argument, NULL, O_BREAK }, OPT_LONG | OPT_IRQCHIP },
		{ { "breakpoint", required_argument, NULL, O_BREAKPOINT }, OPT_DEBUG },
		{ { "coalesced-mmio", no_argument, NULL, O_COALESCED }, OPT_MMIO },
		{ { "cpus", required_argument, NULL, O_CPUS }, OPT_SMP | OPT_LINUX },
		{ { "device", required_argument, NULL, O_DEVICE }, 0 },
		{ { "dirty", required_argument, NULL, O_DIRTY }, OPT_MIGRATE },
		{ { "dry-run", no_argument, NULL, O_DRY_RUN }, OPT_LINUX },
		{ { "gdb", required_argument, NULL, O_GDB }, OPT_DEBUG },
		{ { "help", no_argument, NULL, O_HELP }, 0 },
		{ { "initrd", required_argument, NULL, O_INITRD }, OPT_LINUX },
		{ { "ioeventfd", no_argument, NULL, O_IOEVENTFD }, OPT_MMIO },
		{ { "kernel", required_argument, NULL, O_KERNEL }, OPT_LINUX },
		{ { "lines", required_argument, NULL, O_LINES }, OPT_MIGRATE },
		{ { "mem", required_argument, NULL, O_MEM }, OPT_LINUX },
		{ { "migrate", no_argument, NULL, O_MIGRATE }, OPT_MIGRATE },
		{ { "no-lock", no_argument, NULL, O_NO_LOCK }, OPT_SMP },
		{ { "rate", required_argument, NULL, O_RATE }, OPT_MIGRATE },
		{ { "real-mode", no_argument, NULL, O_REAL_MODE }, OPT_LONG },
		{ { "restore", required_argument, NULL, O_RESTORE }, OPT_MIGRATE },
		{ { "save", required_argument, NULL, O_SAVE }, OPT_MIGRATE },
		{ { "stats", no_argument, NULL, O_STATS }, OPT_RUN },
		{ { "step", no_argument, NULL, O_STEP }, OPT_DEBUG },
		{ { "timeout", required_argument, NULL, O_TIMEOUT }, OPT_RUN },
		{ { "trace", no_argument, NULL, O_TRACE }, OPT_RUN },
	};
	struct option table[sizeof(known) / sizeof(known[0]) + 1];
	bool timeout_given = false;
	size_t n = 0;
	int c;

	opts->device = KVM_DEFAULT_DEVICE;
	opts->guest = NULL;
	opts->timeout = DEFAULT_TIMEOUT_SECONDS;
	opts->trace = false;
	opts->stats = false;
	opts->breaks = NULL;
	opts->real_mode = false;
	opts->coalesced_mmio = false;
	opts->ioeventfd = false;
	opts->cpus = features & OPT_LINUX ? 1 : DEFAULT_CPUS;
	opts->no_lock = false;
	opts->kernel = NULL;
	opts->initrd = NULL;
	opts->append = DEFAULT_APPEND;
	opts->mem_mib = DEFAULT_MEM_MIB;
	opts->dry_run = false;
	if (features & OPT_LINUX)
		opts->timeout = 0; /* a shell waits for its user */

	opts->step = false;
	opts->gdb_port = 0;
	opts->breakpoints = 0;
	opts->save = opts->restore = NULL;
	opts->migrate = opts->dirty_ring = opts->dirty_given = opts->rate_given = false;
	opts->after = -1;
	opts->bandwidth = DEFAULT_BANDWIDTH_MIB;
	opts->lines = opts->rate = 0;

	/* This program's options: those offered to every program, and those
	 * of its features. */
	for (size_t i = 0; i < sizeof(known) / sizeof(known[0]); i++)
		if (known[i].features == 0 || (known[i].features & features))
			table[n++] = known[i].option;
	memset(&table[n], 0, sizeof(table[n]));

	opterr = 0; /* getopt's own messages are two lines; ours are one */
	while ((c = getopt_long(argc, argv, ":", table, NULL)) != -1) {
		switch (c) {
		case O_BREAK:
			opts->breaks = optarg;
			break;
		case O_REAL_MODE:
			opts->real_mode = true;
			break;
		case O_COALESCED:
			opts->coalesced_mmio = true;
			break;
		case O_IOEVENTFD:
			opts->ioeventfd = true;
			break;
		case O_CPUS:
			opts->cpus = parse_cpus(optarg);
			break;
		case O_NO_LOCK:
			opts->no_lock = true;
			break;
		case O_KERNEL:
			opts->kernel = optarg;
			break;
		case O_INITRD:
			opts->initrd = optarg;
			break;
		case O_APPEND:
			opts->append = optarg;
			break;
		case O_MEM:
			opts->mem_mib = parse_mem(optarg);
			break;
		case O_DRY_RUN:
			opts->dry_run = true;
			break;
		case O_STEP:
			opts->step = true;
			break;
		case O_GDB:
			opts->gdb_port = parse_port(optarg);
			break;
		case O_BREAKPOINT:
			if (opts->breakpoints == MAX_BREAKPOINTS)
				usage_error("--breakpoint: %s is one too many: give at most 4", optarg);
			opts->breakpoint[opts->breakpoints++] = parse_address(optarg);
			break;
		case O_SAVE:
		case O_RESTORE:
			if (optarg[0] == '\0')
				usage_error("%s needs a file name", argv[optind - 1]);
			*(c == O_SAVE ? &opts->save : &opts->restore) = optarg;
			break;
		case O_MIGRATE:
			opts->migrate = true;
			break;
		case O_AFTER: {
			char *end;

			errno = 0;
			opts->after = strtod(optarg, &end);
			if (end == optarg || *end != '\0' || errno != 0 ||
			    !isfinite(opts->after) || opts->after < 0.01 || opts->after > 86400)
				usage_error("--after: '%s' is not a number of seconds from 0.01 "
					    "to 86400 (say --after 1.5)", optarg);
			break;
		}
		case O_DIRTY:
			if (strcmp(optarg, "log") != 0 && strcmp(optarg, "ring") != 0)
				usage_error("--dirty: '%s' is not a way to track dirty pages: give "
					    "log (the bitmap) or ring (the dirty ring)", optarg);
			opts->dirty_ring = strcmp(optarg, "ring") == 0;
			opts->dirty_given = true;
			break;
		case O_BANDWIDTH:
			opts->bandwidth = parse_count("--bandwidth", optarg, 0, 100000, "16");
			break;
		case O_LINES:
			opts->lines = parse_count("--lines", optarg, 1, 100000, "60");
			break;
		case O_RATE:
			opts->rate = parse_count("--rate", optarg, 0, 256, "64");
			opts->rate_given = true;
			break;
		case O_DEVICE:
			if (optarg[0] == '\0')
				usage_error("--device needs a path%s", "");
			opts->device = optarg;
			break;
		case O_HELP:
			usage(stdout, features, purpose, guest_note);
			exit(stdout_flush() == 0 ? 0 : EXIT_OUTPUT);
		case O_STATS:
			opts->stats = true;
			break;
		case O_TIMEOUT:
			opts->timeout = parse_seconds(optarg);
			timeout_given = true;
			break;
		case O_TRACE:
			opts->trace = true;
			kvm_trace = true;
			break;
		case ':':
			usage_error("%s needs an argument", argv[optind - 1]);
		default:
			unknown_option(argv, optopt);
		}
	}
	if ((features & OPT_MIGRATE) && (!!opts->save + !!opts->restore + opts->migrate) > 1)
		usage_error("give one of --save, --restore and --migrate%s", "");
	if ((features & OPT_MIGRATE) && opts->after >= 0 && !opts->save && !opts->migrate)
		usage_error("--after says when to save or migrate: give --save FILE or "
			    "--migrate with it%s", "");
	if ((features & OPT_MIGRATE) && (opts->dirty_given || opts->bandwidth !=
					 DEFAULT_BANDWIDTH_MIB) && !opts->migrate)
		usage_error("--dirty and --bandwidth are --migrate's: give --migrate with "
			    "them%s", "");
	if ((features & OPT_MIGRATE) && opts->restore && (opts->lines || opts->rate_given))
		usage_error("--lines and --rate set up a guest that starts; a restored one "
			    "has its own in the saved RAM%s", "");
	if (opts->gdb_port && !timeout_given)
		opts->timeout = 0;  /* a debugger's user takes their time */
	if (optind < argc) {
		if (!(features & OPT_GUEST))
			usage_error("unexpected argument '%s': this program takes no guest image", argv[optind]);
		if (argc - optind > 1)
			usage_error("one guest image at most, but '%s' follows it", argv[optind + 1]);
		opts->guest = argv[optind];
	}
}
