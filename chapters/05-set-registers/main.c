/* Chapter 05: point the vCPU at the guest.
 *
 * After reset the vCPU would start at the reset vector, where this VM has
 * no memory. Two ioctl pairs change that: KVM_GET_SREGS/KVM_SET_SREGS for
 * the segment and control registers, KVM_GET_REGS/KVM_SET_REGS for the
 * general ones, RIP and RFLAGS. The kernel copies them into the vCPU in
 * kvm_arch_vcpu_ioctl_set_sregs() and kvm_arch_vcpu_ioctl_set_regs()
 * (arch/x86/kvm/x86.c in Linux 6.12; arch/x86/kvm/regs.c in later
 * mainline kernels and in 6.12.112 and later); they reach the CPU at the
 * next VM entry. */
#include "guest.h"
#include "guest_compute.h"
#include "kvm.h"
#include "options.h"
#include "util.h"
#include "x86.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>

struct snapshot {
	struct kvm_sregs sregs;
	struct kvm_regs regs;
};

static void take_snapshot(int vcpu_fd, struct snapshot *s)
{
	if (ioctl(vcpu_fd, KVM_GET_SREGS, &s->sregs) < 0 ||
	    ioctl(vcpu_fd, KVM_GET_REGS, &s->regs) < 0)
		die(EXIT_KVM_ERROR, "reading the vCPU's registers failed: %s",
		    strerror(errno));
}

// ANCHOR: set-registers
static void point_at_guest(int vcpu_fd, uint16_t cs, uint16_t ip)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	// LAB BEGIN: read the special registers (KVM_GET_SREGS), give CS selector cs and base cs * 16, write them back (KVM_SET_SREGS); then set the general registers (KVM_SET_REGS): all zero but RIP = ip, RSP = ip and RFLAGS = X86_RFLAGS_FIXED. Die with EXIT_KVM_ERROR if an ioctl fails.
	/* Read first, change only CS, write back: the other segments and the
	 * hidden parts of CS (limit, access rights) keep their reset values,
	 * which are already right for real mode. */
	if (ioctl(vcpu_fd, KVM_GET_SREGS, &sregs) < 0)
		die(EXIT_KVM_ERROR, "KVM_GET_SREGS failed: %s", strerror(errno));
	sregs.cs.selector = cs;
	sregs.cs.base = (uint64_t)cs << 4; /* real mode: base = selector * 16 */
	if (ioctl(vcpu_fd, KVM_SET_SREGS, &sregs) < 0)
		die(EXIT_KVM_ERROR, "KVM_SET_SREGS failed: %s", strerror(errno));

	/* The general registers: everything zero but where to run and the
	 * stack, which grows down from just below the guest. */
	memset(&regs, 0, sizeof(regs));
	regs.rip = ip;
	regs.rsp = ip;
	regs.rflags = X86_RFLAGS_FIXED; /* bit 1 must be 1; IF=0: no interrupts */
	if (ioctl(vcpu_fd, KVM_SET_REGS, &regs) < 0)
		die(EXIT_KVM_ERROR, "KVM_SET_REGS failed: %s", strerror(errno));
	// LAB END
}
// ANCHOR_END: set-registers

static void show_row(const char *label, unsigned long long before,
		     unsigned long long after, const char *note)
{
	char a[24], b[24];

	snprintf(a, sizeof(a), "0x%llx", before);
	snprintf(b, sizeof(b), "0x%llx", after);
	printf("  %-12s %-12s %-*s%s\n", label, a, *note ? 12 : 0, b, note);
}

static void show_change(const struct snapshot *a, const struct snapshot *b)
{
	printf("  %-12s %-12s %s\n", "", "before", "after");
	show_row("cs.selector", a->sregs.cs.selector, b->sregs.cs.selector, "");
	show_row("cs.base", a->sregs.cs.base, b->sregs.cs.base, "");
	show_row("rip", a->regs.rip, b->regs.rip, "");
	show_row("rsp", a->regs.rsp, b->regs.rsp, "");
	show_row("rflags", a->regs.rflags, b->regs.rflags, "");
	show_row("cr0", a->sregs.cr0, b->sregs.cr0, " (unchanged: still real mode)");
	show_row("first fetch", a->sregs.cs.base + a->regs.rip,
		 b->sregs.cs.base + b->regs.rip, " <- cs.base + rip");
}

int main(int argc, char **argv)
{
	struct snapshot before, after;
	struct options opts;
	struct kvm_vcpu vcpu;
	struct kvm_vm vm;
	struct kvm kvm;

	prog_init(argv[0]);
	options_parse(&opts, argc, argv, OPT_GUEST,
		      "Chapter 05: point the vCPU at the guest.",
		      "is loaded at guest-physical 0x7c00");

	printf("Chapter 05: point the vCPU at the guest.\n\n");
	kvm_open(&kvm, opts.device);
	vm_create(&vm, &kvm);
	vm_add_memory(&vm, 0, REAL_MODE_RAM_SIZE);
	guest_load(opts.guest, guest_compute, sizeof(guest_compute),
		   vm.mem + REAL_MODE_LOAD_ADDRESS,
		   REAL_MODE_RAM_SIZE - REAL_MODE_LOAD_ADDRESS, "0x7c00 to 0xfffff");
	vcpu_create(&vcpu, &vm, 0);
	printf("device fd %d, VM fd %d, 1 MiB of RAM with the guest at 0x7c00, "
	       "vCPU fd %d (chapters 01-04)\n\n", kvm.fd, vm.fd, vcpu.fd);

	take_snapshot(vcpu.fd, &before);
	point_at_guest(vcpu.fd, 0, REAL_MODE_LOAD_ADDRESS);
	take_snapshot(vcpu.fd, &after);

	printf("ioctl(%d, KVM_GET_SREGS), then KVM_SET_SREGS with CS = 0000\n", vcpu.fd);
	printf("ioctl(%d, KVM_SET_REGS) with RIP = RSP = 0x%x, RFLAGS = 0x%llx\n\n",
	       vcpu.fd, REAL_MODE_LOAD_ADDRESS, (unsigned long long)X86_RFLAGS_FIXED);
	show_change(&before, &after);
	printf("\nthe next KVM_RUN fetches from guest-physical 0x%x, the guest's first byte "
	       "(0x%02x).\n", REAL_MODE_LOAD_ADDRESS, vm.mem[REAL_MODE_LOAD_ADDRESS]);

	vcpu_close(&vcpu);
	vm_close(&vm);
	kvm_close(&kvm);
	return 0;
}
