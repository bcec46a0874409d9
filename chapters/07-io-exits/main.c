/* Chapter 07: give the guest a serial port and a way out.
 *
 * An IN or OUT instruction on a port that no device inside the kernel
 * owns ends KVM_RUN with KVM_EXIT_IO. In the kernel, the exit handler for
 * I/O instructions (handle_io() in arch/x86/kvm/vmx/vmx.c, io_interception()
 * in svm/svm.c) calls kvm_fast_pio() or the emulator; both end in
 * emulator_pio_in_out(), which looks for an in-kernel device on the PIO bus
 * and, finding none, fills in run->io and returns to user space. For an OUT
 * the bytes are already in the kvm_run mapping; for an IN, the bytes we put
 * there are copied into the guest's register or memory at the next KVM_RUN.
 *
 * Standard output carries only what the guest prints; this program's own
 * lines go to standard error. */
#include "guest.h"
#include "guest_hello.h"
#include "kvm.h"
#include "options.h"
#include "run.h"
#include "serial.h"
#include "util.h"

#include <stdio.h>

#define EXIT_PORT 0xf4          /* OUT of a byte here ends the run */
#define UNKNOWN_PORT_REPORTS 20 /* lines about unknown ports, at most */

static struct serial com1;
static unsigned unknown_reports;

// ANCHOR: unknown-port
static void report_unknown_port(struct kvm_vcpu *vcpu, const struct kvm_run *run)
{
	struct kvm_regs regs;

	/* One line each, but a guest polling a missing device in a loop
	 * must not bury everything else. */
	if (unknown_reports > UNKNOWN_PORT_REPORTS)
		return;
	if (++unknown_reports > UNKNOWN_PORT_REPORTS) {
		warn("more accesses to unknown ports follow; they are not reported");
		return;
	}
	vcpu_regs_get(vcpu, &regs);
	warn("unknown port 0x%x: %s of size %u, count %u, at guest rip 0x%llx; %s",
	     run->io.port, run->io.direction == KVM_EXIT_IO_OUT ? "out" : "in",
	     run->io.size, run->io.count, (unsigned long long)regs.rip,
	     run->io.direction == KVM_EXIT_IO_OUT ? "ignored" : "it reads all ones");
}
// ANCHOR_END: unknown-port

// ANCHOR: handle-io
/* Handle a KVM_EXIT_IO. Returns true if the guest wrote to the exit port,
 * with the byte it wrote in *status. */
static bool handle_io(struct kvm_vcpu *vcpu, int *status)
{
	struct kvm_run *run = vcpu->run;
	// LAB BEGIN: check run->io.size is 1, 2 or 4 and that count * size bytes at run->io.data_offset lie inside the vcpu->run_size bytes of the mapping (else die with EXIT_KVM_ERROR). Then for each of the count items, and each byte b of an item, port + b is one byte-wide port: COM1_BASE..+7 goes to serial_write/serial_read(&com1, offset, ...), an OUT to EXIT_PORT sets *status and returns true, an IN from it reads 0xff, and any other port reads 0xff and is reported once per exit with report_unknown_port().
	uint64_t bytes = (uint64_t)run->io.size * run->io.count;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool out = run->io.direction == KVM_EXIT_IO_OUT;
	bool unknown = false;

	/* The kernel put the data inside the mapping; check, don't trust. */
	if (run->io.size != 1 && run->io.size != 2 && run->io.size != 4)
		die(EXIT_KVM_ERROR, "KVM_EXIT_IO has size %u; a port access is "
		    "1, 2 or 4 bytes", run->io.size);
	if (run->io.data_offset > vcpu->run_size ||
	    bytes > vcpu->run_size - run->io.data_offset)
		die(EXIT_KVM_ERROR, "KVM_EXIT_IO describes %u x %u bytes at offset "
		    "%llu, outside the %zu bytes of struct kvm_run", run->io.count,
		    run->io.size, (unsigned long long)run->io.data_offset,
		    vcpu->run_size);

	/* count > 1 is string I/O (REP OUTSB, REP INSW, ...): count items of
	 * size bytes each, one after the other in the data area. */
	for (uint32_t i = 0; i < run->io.count; i++) {
		uint8_t *item = data + (uint64_t)i * run->io.size;

		/* An access of 2 or 4 bytes at port P touches ports P, P+1, ...
		 * one byte each, lowest byte first, as the ISA bus splits it. */
		for (unsigned b = 0; b < run->io.size; b++) {
			unsigned port = (run->io.port + b) & 0xffff;

			if (port >= COM1_BASE && port < COM1_BASE + COM1_SIZE) {
				if (out)
					serial_write(&com1, port - COM1_BASE, item[b]);
				else
					item[b] = serial_read(&com1, port - COM1_BASE);
			} else if (port == EXIT_PORT) {
				if (out) {
					*status = item[b];
					return true;
				}
				item[b] = 0xff;
			} else {
				/* Nothing here: writes vanish, reads float high,
				 * as on a PC bus with no device answering. */
				unknown = true;
				if (!out)
					item[b] = 0xff;
			}
		}
	}
	if (unknown)
		report_unknown_port(vcpu, run);
	return false;
	// LAB END
}
// ANCHOR_END: handle-io

// ANCHOR: run-loop
static int run_guest(struct kvm_vcpu *vcpu, const struct options *opts)
{
	int status;

	for (;;) {
		if (vcpu_run(vcpu) == RUN_TIMED_OUT)
			return timeout_report(vcpu, opts->timeout);

		switch (vcpu->run->exit_reason) {
		case KVM_EXIT_IO:
			if (handle_io(vcpu, &status)) {
				serial_flush();
				warn("the guest wrote %d to the exit port 0x%x: exit status %d",
				     status, EXIT_PORT, status);
				return status;
			}
			break; /* handled: enter the guest again */
		case KVM_EXIT_HLT:
			serial_flush();
			warn("the guest halted: exit status 0");
			return EXIT_HALTED;
		default:
			serial_flush();
			return vcpu_report_unhandled(vcpu);
		}
	}
}
// ANCHOR_END: run-loop

int main(int argc, char **argv)
{
	struct options opts;
	struct kvm_vcpu vcpu;
	struct kvm_vm vm;
	struct kvm kvm;
	int status;

	prog_init(argv[0]);
	options_parse(&opts, argc, argv, OPT_GUEST | OPT_RUN,
		      "Chapter 07: give the guest a serial port and a way out.",
		      "is loaded at guest-physical 0x7c00 and run from 0000:7c00 "
		      "in real mode; COM1 (0x3f8) is standard input and output, "
		      "OUT to port 0xf4 ends the run with that byte as status");
	if (opts.stats)
		stats_enable();
	if (opts.trace)
		setvbuf(stdout, NULL, _IONBF, 0); /* keep the trace in step */
	serial_init(&com1);

	kvm_open(&kvm, opts.device);
	vm_create(&vm, &kvm);
	vm_add_memory(&vm, 0, REAL_MODE_RAM_SIZE);
	guest_load(opts.guest, guest_hello, sizeof(guest_hello),
		   vm.mem + REAL_MODE_LOAD_ADDRESS,
		   REAL_MODE_RAM_SIZE - REAL_MODE_LOAD_ADDRESS, "0x7c00 to 0xfffff");
	vcpu_create(&vcpu, &vm, 0);
	vcpu_setup_real_mode(&vcpu, 0, REAL_MODE_LOAD_ADDRESS);
	warn("running %s at 0000:7c00 (chapters 01-06); COM1 0x3f8 is stdin/stdout, "
	     "port 0xf4 ends the run", opts.guest ? opts.guest : "hello.asm");

	timeout_start(&vcpu, opts.timeout);
	status = run_guest(&vcpu, &opts);
	serial_flush();
	stats_print(stderr);

	vcpu_close(&vcpu);
	vm_close(&vm);
	kvm_close(&kvm);
	return status;
}
