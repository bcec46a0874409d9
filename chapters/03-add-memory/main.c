/* Chapter 03: give the VM memory, and put a guest in it.
 *
 * Guest RAM is ordinary memory of this process. KVM_SET_USER_MEMORY_REGION
 * tells the VM that a range of guest-physical addresses is backed by a
 * range of our virtual addresses; the kernel records it as a memory slot
 * in kvm_vm_ioctl_set_memory_region() -> kvm_set_memory_region(). After
 * that, a byte we write at host address A is the byte the guest reads at
 * the guest-physical address that maps to A: there is only one copy. */
#include "guest.h"
#include "guest_compute.h"
#include "kvm.h"
#include "options.h"
#include "util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

// ANCHOR: add-memory
static uint8_t *add_memory(int vm_fd, uint64_t gpa, uint64_t size)
{
	struct kvm_userspace_memory_region region;
	void *mem;

	// LAB BEGIN: map size bytes of anonymous, private, read-write memory, then hand it to the VM as slot 0 at guest-physical gpa with KVM_SET_USER_MEMORY_REGION. Die with EXIT_KVM_ERROR if either fails. Return the host address.
	/* Private and anonymous: zero-filled pages that exist only once the
	 * guest or we touch them. NORESERVE: a big guest costs nothing up
	 * front. The address must be page-aligned, and mmap's always is. */
	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		die(EXIT_KVM_ERROR, "cannot map %llu bytes of guest memory: %s",
		    (unsigned long long)size, strerror(errno));

	region = (struct kvm_userspace_memory_region){
		.slot = 0,                      /* our name for this range */
		.flags = 0,                     /* writable, no dirty logging */
		.guest_phys_addr = gpa,         /* where the guest sees it */
		.memory_size = size,            /* a multiple of the page size */
		.userspace_addr = (uintptr_t)mem, /* where we see it */
	};
	if (ioctl(vm_fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		die(EXIT_KVM_ERROR, "KVM_SET_USER_MEMORY_REGION failed: %s",
		    strerror(errno));
	// LAB END
	printf("mmap(NULL, 0x%llx, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS"
	       " | MAP_NORESERVE, -1, 0)\n  = host address %p\n",
	       (unsigned long long)size, mem);
	printf("ioctl(%d, KVM_SET_USER_MEMORY_REGION, {slot %u, flags %u, guest_phys_addr "
	       "0x%llx,\n      memory_size 0x%llx, userspace_addr host address %p}) = 0\n",
	       vm_fd, region.slot, region.flags,
	       (unsigned long long)region.guest_phys_addr,
	       (unsigned long long)region.memory_size, mem);
	printf("  slot 0: guest-physical 0x%llx-0x%llx is host address %p onwards\n\n",
	       (unsigned long long)gpa, (unsigned long long)(gpa + size - 1), mem);
	return mem;
}
// ANCHOR_END: add-memory

// ANCHOR: show-bytes
/* The first bytes at gpa, read through the same mapping the guest uses. */
static void show_guest_bytes(const uint8_t *mem, uint64_t mem_gpa, uint64_t gpa,
			     size_t count)
{
	const uint8_t *p = mem + (gpa - mem_gpa);

	for (size_t i = 0; i < count; i++) {
		if (i % 16 == 0)
			printf("%s  guest-physical 0x%05llx:", i ? "\n" : "",
			       (unsigned long long)(gpa + i));
		printf(" %02x", p[i]);
	}
	printf("\n");
}
// ANCHOR_END: show-bytes

int main(int argc, char **argv)
{
	struct options opts;
	struct kvm_vm vm;
	struct kvm kvm;
	uint8_t *mem;
	size_t size;

	prog_init(argv[0]);
	options_parse(&opts, argc, argv, OPT_GUEST,
		      "Chapter 03: give the VM memory, and put a guest in it.",
		      "is loaded at guest-physical 0x7c00");

	printf("Chapter 03: give the VM memory, and put a guest in it.\n\n");
	kvm_open(&kvm, opts.device);
	vm_create(&vm, &kvm);
	printf("opened %s (fd %d) and created a VM (fd %d) (chapters 01, 02)\n\n",
	       opts.device, kvm.fd, vm.fd);

	mem = add_memory(vm.fd, 0, REAL_MODE_RAM_SIZE);
	vm.mem = mem; /* so vm_close() unmaps it */
	vm.mem_gpa = 0;
	vm.mem_size = REAL_MODE_RAM_SIZE;

	size = guest_load(opts.guest, guest_compute, sizeof(guest_compute),
			  mem + REAL_MODE_LOAD_ADDRESS,
			  REAL_MODE_RAM_SIZE - REAL_MODE_LOAD_ADDRESS, "0x7c00 to 0xfffff");
	printf("copied the guest (%zu bytes, %s) to host address %p,\n"
	       "  which is guest-physical 0x%x: the guest will find it there\n",
	       size, opts.guest ? opts.guest : "built in: guest-asm/real/compute.asm",
	       (void *)(mem + REAL_MODE_LOAD_ADDRESS), REAL_MODE_LOAD_ADDRESS);
	show_guest_bytes(mem, 0, REAL_MODE_LOAD_ADDRESS, size < 16 ? size : 16);
	if (!opts.guest)
		printf("  31 c0 is xor ax, ax: compute.asm's first instruction\n");

	vm_close(&vm);
	kvm_close(&kvm);
	return 0;
}
