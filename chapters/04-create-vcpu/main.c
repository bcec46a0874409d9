/* Chapter 04: create a vCPU, and map the structure it reports through.
 *
 * KVM_CREATE_VCPU on the VM fd returns a vCPU fd; the kernel builds the
 * vCPU in kvm_vm_ioctl_create_vcpu() (virt/kvm/kvm_main.c), and on x86
 * kvm_arch_vcpu_create() and kvm_vcpu_reset() give it the state an x86 CPU
 * has after power-on. mmap of the vCPU fd shares struct kvm_run with the
 * kernel: each time KVM_RUN returns, it says there why the guest stopped. */
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
#include <sys/mman.h>
#include <unistd.h>

// ANCHOR: create-vcpu
static int create_vcpu(int vm_fd, int id, int mmap_size, struct kvm_run **run)
{
	int vcpu_fd;
	void *p;

	// LAB BEGIN: create vCPU id with KVM_CREATE_VCPU on vm_fd, then mmap mmap_size bytes of the vCPU fd (read-write, shared) and store the address in *run. Die with EXIT_KVM_ERROR on failure. Return the vCPU fd.
	/* The argument is the vCPU's id, which is also its APIC ID on x86. */
	vcpu_fd = ioctl(vm_fd, KVM_CREATE_VCPU, id);
	if (vcpu_fd < 0)
		die(EXIT_KVM_ERROR, "KVM_CREATE_VCPU failed: %s", strerror(errno));

	/* Shared, not private: the kernel writes into these pages and we must
	 * see its writes. The size is KVM_GET_VCPU_MMAP_SIZE (chapter 01). */
	p = mmap(NULL, (size_t)mmap_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		 vcpu_fd, 0);
	if (p == MAP_FAILED)
		die(EXIT_KVM_ERROR, "cannot map struct kvm_run: %s", strerror(errno));
	*run = p;
	// LAB END
	printf("ioctl(%d, KVM_CREATE_VCPU, %d) = %d\n", vm_fd, id, vcpu_fd);
	return vcpu_fd;
}
// ANCHOR_END: create-vcpu

// ANCHOR: reset-state
static void show_reset_state(int vcpu_fd)
{
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(vcpu_fd, KVM_GET_SREGS, &sregs) < 0 ||
	    ioctl(vcpu_fd, KVM_GET_REGS, &regs) < 0)
		die(EXIT_KVM_ERROR, "reading the vCPU's registers failed: %s",
		    strerror(errno));

	printf("the vCPU as reset left it (KVM_GET_SREGS, KVM_GET_REGS):\n");
	printf("  cs.selector 0x%04x  cs.base 0x%08llx  cs.limit 0x%x\n",
	       sregs.cs.selector, (unsigned long long)sregs.cs.base, sregs.cs.limit);
	printf("  rip 0x%04llx  rflags 0x%llx (only bit 1, which is always set)\n",
	       (unsigned long long)regs.rip, (unsigned long long)regs.rflags);
	printf("  cr0 0x%08llx: PE=%d PG=%d, so real mode; CD=%d NW=%d, caches off; ET=%d\n",
	       (unsigned long long)sregs.cr0, !!(sregs.cr0 & X86_CR0_PE),
	       !!(sregs.cr0 & X86_CR0_PG), !!(sregs.cr0 & X86_CR0_CD),
	       !!(sregs.cr0 & X86_CR0_NW), !!(sregs.cr0 & X86_CR0_ET));
	/* Real mode would compute CS*16 + IP = 0xffff0. But after reset the
	 * hidden base of CS is 0xffff0000, not 0xf0000, and the CPU adds the
	 * base, so the first fetch is 16 bytes below 4 GiB, where a PC keeps
	 * its firmware. The first far jump loads a normal real-mode base. */
	printf("  first fetch: cs.base + rip = 0x%llx + 0x%llx = 0x%llx, the reset vector:\n"
	       "  16 bytes below 4 GiB, where a PC's firmware ROM answers. This VM has\n"
	       "  nothing there; chapter 05 points the vCPU at our guest instead.\n",
	       (unsigned long long)sregs.cs.base, (unsigned long long)regs.rip,
	       (unsigned long long)(sregs.cs.base + regs.rip));
}
// ANCHOR_END: reset-state

int main(int argc, char **argv)
{
	struct options opts;
	struct kvm_run *run;
	struct kvm_vm vm;
	struct kvm kvm;
	int vcpu_fd;

	prog_init(argv[0]);
	options_parse(&opts, argc, argv, OPT_GUEST,
		      "Chapter 04: create a vCPU, and map the structure it reports through.",
		      "is loaded at guest-physical 0x7c00");

	printf("Chapter 04: create a vCPU, and map the structure it reports through.\n\n");
	kvm_open(&kvm, opts.device);
	vm_create(&vm, &kvm);
	vm_add_memory(&vm, 0, REAL_MODE_RAM_SIZE);
	guest_load(opts.guest, guest_compute, sizeof(guest_compute),
		   vm.mem + REAL_MODE_LOAD_ADDRESS,
		   REAL_MODE_RAM_SIZE - REAL_MODE_LOAD_ADDRESS, "0x7c00 to 0xfffff");
	printf("device fd %d, VM fd %d, 1 MiB of RAM with the guest at 0x7c00 "
	       "(chapters 01-03)\n\n", kvm.fd, vm.fd);

	vcpu_fd = create_vcpu(vm.fd, 0, kvm.vcpu_mmap_size, &run);
	fd_show(vcpu_fd);
	printf("mmap(NULL, %d, PROT_READ | PROT_WRITE, MAP_SHARED, %d, 0) = host address %p\n",
	       kvm.vcpu_mmap_size, vcpu_fd, (void *)run);
	printf("  page 0 is struct kvm_run: why KVM_RUN returned, and its details;\n"
	       "  page %d holds the data of port I/O; page %d the coalesced MMIO ring\n\n",
	       KVM_PIO_PAGE_OFFSET, KVM_COALESCED_MMIO_PAGE_OFFSET);

	show_reset_state(vcpu_fd);

	munmap(run, (size_t)kvm.vcpu_mmap_size);
	close(vcpu_fd);
	vm_close(&vm);
	kvm_close(&kvm);
	return 0;
}
