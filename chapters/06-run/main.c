/* Chapter 06: run the guest.
 *
 * KVM_RUN on the vCPU fd enters the guest and returns when the guest does
 * something KVM leaves to us; struct kvm_run says what. In the kernel:
 * kvm_vcpu_ioctl() -> kvm_arch_vcpu_ioctl_run() -> vcpu_run() ->
 * vcpu_enter_guest() -> the vendor's run hook (VMLAUNCH/VMRESUME on Intel,
 * VMRUN on AMD) ... a VM exit ... the vendor's fastpath (HLT among the
 * exits it takes, with host interrupts still off) or else its exit
 * handler; either handles the exit in the kernel and re-enters, or
 * returns to us. */
#include "guest.h"
#include "guest_compute.h"
#include "kvm.h"
#include "names.h"
#include "options.h"
#include "run.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#define EXPECTED_SUM 5050 /* 1 + 2 + ... + 100, what compute.asm leaves in AX */

// ANCHOR: run-once
/* Enter the guest until KVM_RUN returns with an exit for us. */
static enum run_result run_once(struct kvm_vcpu *vcpu)
{
	// LAB BEGIN: call KVM_RUN on vcpu->fd (through kvm_ioctl, so --trace sees it) until it returns 0: then return RUN_EXITED. EINTR or EAGAIN mean a signal came: return RUN_TIMED_OUT if timeout_expired(), else enter again. Any other error: die with EXIT_KVM_ERROR.
	for (;;) {
		if (kvm_ioctl(vcpu->fd, KVM_RUN, NULL) == 0)
			return RUN_EXITED;
		/* EINTR: a signal arrived while the guest ran (or immediate_exit
		 * was set); EAGAIN: the kernel asks us to try again. */
		if (errno != EINTR && errno != EAGAIN)
			die(EXIT_KVM_ERROR, "KVM_RUN failed: %s", strerror(errno));
		if (timeout_expired())
			return RUN_TIMED_OUT;
	}
	// LAB END
}
// ANCHOR_END: run-once

// ANCHOR: result
/* The guest halted: read back what it computed. */
static int show_result(struct kvm_vcpu *vcpu, bool builtin)
{
	struct kvm_regs regs;

	vcpu_regs_get(vcpu, &regs);
	printf("the guest halted. ioctl(%d, KVM_GET_REGS): rax = %llu (0x%llx)\n",
	       vcpu->fd, (unsigned long long)regs.rax, (unsigned long long)regs.rax);
	if (!builtin)
		return EXIT_HALTED;
	if ((regs.rax & 0xffff) != EXPECTED_SUM) {
		warn("the built-in guest should leave %d in AX, but AX is %llu",
		     EXPECTED_SUM, (unsigned long long)(regs.rax & 0xffff));
		return EXIT_CRASHED;
	}
	printf("  1 + 2 + ... + 100 = %d: the guest computed it, the host read it back\n",
	       EXPECTED_SUM);
	return EXIT_HALTED;
}
// ANCHOR_END: result

// ANCHOR: run-loop
static int run_guest(struct kvm_vcpu *vcpu, const struct options *opts)
{
	printf("ioctl(%d, KVM_RUN) ...\n", vcpu->fd);
	for (;;) {
		if (run_once(vcpu) == RUN_TIMED_OUT)
			return timeout_report(vcpu, opts->timeout);

		struct kvm_run *run = vcpu->run;
		printf("  returned 0 with exit_reason %u: %s\n", run->exit_reason,
		       kvm_exit_name(run->exit_reason) ? kvm_exit_name(run->exit_reason)
						       : "(unknown)");
		switch (run->exit_reason) {
		case KVM_EXIT_HLT:
			return show_result(vcpu, opts->guest == NULL);
		default:
			/* Anything else is for later chapters: say what it was. */
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
		      "Chapter 06: run the guest.",
		      "is loaded at guest-physical 0x7c00 and run from 0000:7c00 in real mode");
	if (opts.stats)
		stats_enable();

	printf("Chapter 06: run the guest.\n\n");
	kvm_open(&kvm, opts.device);
	vm_create(&vm, &kvm);
	vm_add_memory(&vm, 0, REAL_MODE_RAM_SIZE);
	guest_load(opts.guest, guest_compute, sizeof(guest_compute),
		   vm.mem + REAL_MODE_LOAD_ADDRESS,
		   REAL_MODE_RAM_SIZE - REAL_MODE_LOAD_ADDRESS, "0x7c00 to 0xfffff");
	vcpu_create(&vcpu, &vm, 0);
	vcpu_setup_real_mode(&vcpu, 0, REAL_MODE_LOAD_ADDRESS);
	printf("device fd %d, VM fd %d, 1 MiB of RAM with %s at 0x7c00,\n"
	       "vCPU fd %d set to start at 0000:7c00 in real mode (chapters 01-05)\n\n",
	       kvm.fd, vm.fd, opts.guest ? opts.guest : "compute.asm", vcpu.fd);

	timeout_start(&vcpu, opts.timeout);
	status = run_guest(&vcpu, &opts);
	stats_print(stderr);

	vcpu_close(&vcpu);
	vm_close(&vm);
	kvm_close(&kvm);
	return status;
}
