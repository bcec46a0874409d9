/* Chapter 02: create a virtual machine.
 *
 * KVM_CREATE_VM on the /dev/kvm fd returns a new fd that stands for one
 * VM: its memory map, its I/O buses, its vCPUs to come. The kernel builds
 * it in kvm_dev_ioctl_create_vm() -> kvm_create_vm() (virt/kvm/kvm_main.c),
 * which calls kvm_arch_init_vm() for the x86 parts. */
#include "kvm.h"
#include "options.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

// ANCHOR: create-vm
static int create_vm(int kvm_fd)
{
	int vm_fd;

	// LAB BEGIN: create the VM with KVM_CREATE_VM on kvm_fd (machine type 0); on failure die with EXIT_KVM_ERROR naming the ioctl and strerror(errno). Return the new fd.
	/* The argument is the machine type: 0, KVM_X86_DEFAULT_VM, the
	 * ordinary VM (6.12 also has types 1 to 4, for private memory and
	 * AMD's SEV, SEV-ES and SNP guests). */
	vm_fd = ioctl(kvm_fd, KVM_CREATE_VM, 0);
	if (vm_fd < 0)
		die(EXIT_KVM_ERROR, "KVM_CREATE_VM failed: %s", strerror(errno));
	// LAB END
	printf("ioctl(%d, KVM_CREATE_VM, 0) = %d\n", kvm_fd, vm_fd);
	return vm_fd;
}
// ANCHOR_END: create-vm

// ANCHOR: tss
static void set_tss_address(int kvm_fd, int vm_fd)
{
	/* Intel CPUs without "unrestricted guest" run real-mode guests in
	 * vm86 mode, which needs a task-state segment: three pages of guest
	 * address space nothing else uses. Other CPUs ignore it. */
	if (ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_SET_TSS_ADDR) <= 0) {
		printf("  KVM_CAP_SET_TSS_ADDR: not offered, nothing to set\n");
		return;
	}
	if (ioctl(vm_fd, KVM_SET_TSS_ADDR, KVM_TSS_ADDRESS) < 0)
		die(EXIT_KVM_ERROR, "KVM_SET_TSS_ADDR failed: %s", strerror(errno));
	printf("ioctl(%d, KVM_SET_TSS_ADDR, 0x%lx) = 0\n", vm_fd, KVM_TSS_ADDRESS);
	printf("  three pages below 4 GiB for the task state Intel's real mode may need\n");
}
// ANCHOR_END: tss

int main(int argc, char **argv)
{
	struct options opts;
	struct kvm kvm;
	int vm_fd;

	prog_init(argv[0]);
	options_parse(&opts, argc, argv, 0, "Chapter 02: create a virtual machine.", NULL);

	printf("Chapter 02: create a virtual machine.\n\n");
	kvm_open(&kvm, opts.device);
	printf("opened %s as fd %d, API version %d (chapter 01)\n", opts.device, kvm.fd,
	       KVM_STABLE_API_VERSION);
	fd_show(kvm.fd);
	printf("\n");

	vm_fd = create_vm(kvm.fd);
	fd_show(vm_fd);
	printf("  an anonymous inode: a file with no name on any disk, whose ioctls\n"
	       "  the kernel sends to kvm_vm_ioctl(); closing the last fd frees the VM\n\n");
	set_tss_address(kvm.fd, vm_fd);

	close(vm_fd);
	kvm_close(&kvm);
	return 0;
}
