/* raw.c - THE FLOOR: the least a program can do to run a kvm-steps
 * real-mode guest on KVM. It is not a chapter and teaches nothing; make
 * bench times it beside chapter 07 so that the chapter's cost can be told
 * apart from what KVM itself costs.
 *
 * It makes the same KVM requests chapter 07 makes, in the same order:
 *   open /dev/kvm, KVM_GET_API_VERSION, KVM_GET_VCPU_MMAP_SIZE,
 *   KVM_CREATE_VM, KVM_CHECK_EXTENSION(KVM_CAP_SET_TSS_ADDR),
 *   KVM_SET_TSS_ADDR, mmap 1 MiB + KVM_SET_USER_MEMORY_REGION,
 *   KVM_CREATE_VCPU, mmap struct kvm_run, KVM_GET_SREGS, KVM_SET_SREGS,
 *   KVM_SET_REGS, then KVM_RUN until the guest ends,
 * and gives the guest the same devices, as thinly as they can be given:
 * one-byte accesses only (string I/O of one-byte items too), OUT to 0x3f8
 * goes to standard output through stdio, IN from 0x3f8 reads standard
 * input (0x04 at its end), IN from 0x3fd says "ready", OUT to 0xf4 ends
 * the run with that byte as status, HLT ends it with 0. Anything else:
 * status 70. No options, no messages, no checks a correct guest would
 * not need, no timeout.
 *
 * usage: raw [GUEST.bin]   (the built-in guest is chapter 07's hello.asm) */
#include "guest_hello.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#define RAM_SIZE 0x100000
#define LOAD_AT 0x7c00

static int fail(const char *what)
{
	perror(what);
	return 71;
}

int main(int argc, char **argv)
{
	struct kvm_userspace_memory_region region;
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	struct kvm_run *run;
	uint8_t *mem;
	int kvm, vm, vcpu, run_size;

	kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0 || ioctl(kvm, KVM_GET_API_VERSION, NULL) != 12)
		return fail("/dev/kvm");
	run_size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, NULL);
	vm = ioctl(kvm, KVM_CREATE_VM, 0);
	if (run_size < 0 || vm < 0)
		return fail("KVM_CREATE_VM");
	if (ioctl(kvm, KVM_CHECK_EXTENSION, KVM_CAP_SET_TSS_ADDR) > 0 &&
	    ioctl(vm, KVM_SET_TSS_ADDR, 0xfffbd000ul) < 0)
		return fail("KVM_SET_TSS_ADDR");

	mem = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		return fail("mmap");
	if (argc > 1) {
		FILE *f = fopen(argv[1], "rb");

		if (!f || fread(mem + LOAD_AT, 1, RAM_SIZE - LOAD_AT, f) == 0)
			return fail(argv[1]);
		fclose(f);
	} else {
		memcpy(mem + LOAD_AT, guest_hello, sizeof(guest_hello));
	}
	region = (struct kvm_userspace_memory_region){
		.slot = 0, .guest_phys_addr = 0, .memory_size = RAM_SIZE,
		.userspace_addr = (uintptr_t)mem,
	};
	if (ioctl(vm, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return fail("KVM_SET_USER_MEMORY_REGION");

	vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	if (vcpu < 0)
		return fail("KVM_CREATE_VCPU");
	run = mmap(NULL, (size_t)run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	if (run == MAP_FAILED)
		return fail("mmap kvm_run");
	if (ioctl(vcpu, KVM_GET_SREGS, &sregs) < 0)
		return fail("KVM_GET_SREGS");
	sregs.cs.selector = 0;
	sregs.cs.base = 0;
	if (ioctl(vcpu, KVM_SET_SREGS, &sregs) < 0)
		return fail("KVM_SET_SREGS");
	memset(&regs, 0, sizeof(regs));
	regs.rip = LOAD_AT;
	regs.rsp = LOAD_AT;
	regs.rflags = 2;
	if (ioctl(vcpu, KVM_SET_REGS, &regs) < 0)
		return fail("KVM_SET_REGS");

	// ANCHOR: raw-loop
	for (;;) {
		if (ioctl(vcpu, KVM_RUN, NULL) < 0)
			return fail("KVM_RUN");
		if (run->exit_reason == KVM_EXIT_HLT) {
			fflush(stdout);
			return 0;
		}
		if (run->exit_reason != KVM_EXIT_IO || run->io.size != 1)
			return 70;
		uint8_t *data = (uint8_t *)run + run->io.data_offset;

		for (uint32_t i = 0; i < run->io.count; i++) {
			if (run->io.direction == KVM_EXIT_IO_OUT) {
				if (run->io.port == 0x3f8) {
					putchar(data[i]);
				} else if (run->io.port == 0xf4) {
					fflush(stdout);
					return data[i];
				}
			} else if (run->io.port == 0x3fd) {
				data[i] = 0x61;
			} else if (run->io.port == 0x3f8) {
				int c = getchar();

				data[i] = c == EOF ? 0x04 : (uint8_t)c;
			} else {
				data[i] = 0xff;
			}
		}
	}
	// ANCHOR_END: raw-loop
}
