/* kvm.c - see kvm.h. Each stage here is the code its chapter teaches,
 * without the chapter's commentary on standard output. */
#include "kvm.h"

#include "names.h"
#include "run.h"
#include "util.h"
#include "x86.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

bool kvm_trace;

/* A handful of fds is all a program here ever has. */
static struct {
	int fd;
	char role[16];
	const struct kvm_run *run; /* for vCPU fds: what KVM_RUN fills in */
	size_t run_size;
} roles[24];

/* Chapter 12: with several vCPUs, each exit line of the trace names its
 * vCPU (set per thread, for the KVM_RUN being traced). */
static int vcpus_known;

/* die() can come at any step: close every KVM fd still open, so that a
 * program that fails leaves no descriptor behind (tests/cases/62-fds.sh). */
static void close_known_fds(void)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		if (roles[i].role[0] != '\0') {
			close(roles[i].fd);
			roles[i].role[0] = '\0';
		}
	}
}

void kvm_fd_role(int fd, const char *role)
{
	die_set_cleanup(close_known_fds);
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		if (roles[i].role[0] == '\0' || roles[i].fd == fd) {
			roles[i].fd = fd;
			snprintf(roles[i].role, sizeof(roles[i].role), "%s", role);
			roles[i].run = NULL;
			return;
		}
	}
}

const char *kvm_fd_role_of(int fd)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (roles[i].role[0] != '\0' && roles[i].fd == fd)
			return roles[i].role;
	return "fd";
}

void kvm_fd_run(int fd, const struct kvm_run *run, size_t size)
{
	vcpus_known++;
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		if (roles[i].role[0] != '\0' && roles[i].fd == fd) {
			roles[i].run = run;
			roles[i].run_size = size;
		}
	}
}

static const struct kvm_run *run_of(int fd, size_t *size)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++) {
		if (roles[i].role[0] != '\0' && roles[i].fd == fd) {
			*size = roles[i].run_size;
			return roles[i].run;
		}
	}
	return NULL;
}

static void forget_fd(int fd)
{
	for (size_t i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (roles[i].role[0] != '\0' && roles[i].fd == fd)
			roles[i].role[0] = '\0';
}

static void trace_segment(const char *name, const struct kvm_segment *s)
{
	fprintf(stderr, "%s={sel 0x%04x base 0x%llx}", name, s->selector,
		(unsigned long long)s->base);
}

static void trace_sregs(const struct kvm_sregs *s)
{
	fprintf(stderr, ", {");
	trace_segment("cs", &s->cs);
	fprintf(stderr, " cr0=0x%llx cr3=0x%llx cr4=0x%llx efer=0x%llx ...}",
		(unsigned long long)s->cr0, (unsigned long long)s->cr3,
		(unsigned long long)s->cr4, (unsigned long long)s->efer);
}

/* The argument of the ioctls kvm-steps makes, as the trace shows it: what
 * went in, or for the ioctls that fill a structure (KVM_GET_REGS,
 * KVM_GET_SREGS) and succeeded, what came back, as strace shows it. */
static _Thread_local uint32_t traced_line; /* KVM_IRQ_LINE_STATUS's irq, before the call */

static void trace_arg(unsigned long request, void *arg, int ret)
{
	if (request == KVM_CHECK_EXTENSION) {
		const char *cap = kvm_cap_name((long)arg);

		if (cap)
			fprintf(stderr, ", %s", cap);
		else
			fprintf(stderr, ", %ld", (long)arg);
	} else if (request == KVM_CREATE_VCPU || request == KVM_SET_TSS_ADDR) {
		fprintf(stderr, ", 0x%lx", (unsigned long)arg);
	} else if (request == KVM_SET_USER_MEMORY_REGION) {
		const struct kvm_userspace_memory_region *r = arg;

		fprintf(stderr, ", {slot %u, flags 0x%x, guest_phys_addr 0x%llx, "
			"memory_size 0x%llx, userspace_addr 0x%llx}", r->slot, r->flags,
			(unsigned long long)r->guest_phys_addr,
			(unsigned long long)r->memory_size,
			(unsigned long long)r->userspace_addr);
	} else if (request == KVM_REGISTER_COALESCED_MMIO) {
		const struct kvm_coalesced_mmio_zone *z = arg;

		fprintf(stderr, ", {addr 0x%llx, size 0x%x}", (unsigned long long)z->addr, z->size);
	} else if (request == KVM_IOEVENTFD) {
		const struct kvm_ioeventfd *e = arg;

		fprintf(stderr, ", {addr 0x%llx, len %u, fd %d, flags 0x%x, datamatch 0x%llx}",
			(unsigned long long)e->addr, e->len, e->fd, e->flags,
			(unsigned long long)e->datamatch);
	} else if (request == KVM_IRQ_LINE_STATUS) {
		const struct kvm_irq_level *l = arg;

		/* irq and status share a union: the line is gone by now. */
		fprintf(stderr, ", {irq %u, level %u}", traced_line, l->level);
		if (ret == 0)
			fprintf(stderr, " -> status %d", l->status);
	} else if (request == KVM_IRQFD) {
		const struct kvm_irqfd *f = arg;

		fprintf(stderr, ", {fd %u, gsi %u, flags 0x%x}", f->fd, f->gsi, f->flags);
	} else if (request == KVM_CREATE_PIT2) {
		fprintf(stderr, ", {flags 0x%x}", ((const struct kvm_pit_config *)arg)->flags);
	} else if (request == KVM_INTERRUPT) {
		fprintf(stderr, ", {irq 0x%x}", ((const struct kvm_interrupt *)arg)->irq);
	} else if (request == KVM_SET_REGS) {
		const struct kvm_regs *r = arg;

		fprintf(stderr, ", {rip 0x%llx, rsp 0x%llx, rflags 0x%llx, ...}",
			(unsigned long long)r->rip, (unsigned long long)r->rsp,
			(unsigned long long)r->rflags);
	} else if (request == KVM_GET_REGS && ret == 0) {
		const struct kvm_regs *r = arg;

		fprintf(stderr, ", {rax 0x%llx, rbx 0x%llx, rcx 0x%llx, rdx 0x%llx, "
			"rsi 0x%llx, rdi 0x%llx, rsp 0x%llx, rbp 0x%llx, rip 0x%llx, "
			"rflags 0x%llx, ...}",
			(unsigned long long)r->rax, (unsigned long long)r->rbx,
			(unsigned long long)r->rcx, (unsigned long long)r->rdx,
			(unsigned long long)r->rsi, (unsigned long long)r->rdi,
			(unsigned long long)r->rsp, (unsigned long long)r->rbp,
			(unsigned long long)r->rip, (unsigned long long)r->rflags);
	} else if (request == KVM_SET_SREGS || (request == KVM_GET_SREGS && ret == 0)) {
		trace_sregs(arg);
	} else if (arg != NULL) {
		fprintf(stderr, ", %p", arg);
	}
}

int kvm_ioctl(int fd, unsigned long request, void *arg)
{
	bool timed = request == KVM_RUN && stats_enabled();
	double started = timed ? stats_clock() : 0;
	const struct kvm_run *run = NULL;
	size_t run_size = 0;
	int ret, saved;

	if (request == KVM_RUN) {
		run = run_of(fd, &run_size);
		trace_who = vcpus_known > 1 ? kvm_fd_role_of(fd) : NULL;
		if (kvm_trace && run) {
			flockfile(stderr);
			trace_answer(run, run_size); /* what this KVM_RUN hands the guest */
			funlockfile(stderr);
		}
	}
	if (request == KVM_IRQ_LINE_STATUS)
		traced_line = ((const struct kvm_irq_level *)arg)->irq;
	ret = ioctl(fd, request, arg);
	saved = errno;
	if (timed)
		stats_record(started, stats_clock(), ret == 0 && run ? run : NULL);

	if (kvm_trace) {
		const char *name = kvm_ioctl_name(request);

		stdout_flush(); /* a failure is kept for the report */
		flockfile(stderr); /* one thread's lines together (chapter 12) */
		if (name)
			fprintf(stderr, "trace: ioctl(%s fd %d, %s", kvm_fd_role_of(fd), fd, name);
		else
			fprintf(stderr, "trace: ioctl(%s fd %d, 0x%lx", kvm_fd_role_of(fd), fd, request);
		trace_arg(request, arg, ret);
		if (ret < 0)
			fprintf(stderr, ") = -1 %s\n", strerror(saved));
		else
			fprintf(stderr, ") = %d\n", ret);
		if (ret == 0 && run)
			trace_exit(run, run_size);
		funlockfile(stderr);
	}
	errno = saved;
	return ret;
}

int kvm_ioctl_or_die(int fd, unsigned long request, void *arg)
{
	int ret = kvm_ioctl(fd, request, arg);

	if (ret < 0) {
		const char *name = kvm_ioctl_name(request);

		die(EXIT_KVM_ERROR, "%s on %s fd %d failed: %s",
		    name ? name : "ioctl", kvm_fd_role_of(fd), fd, strerror(errno));
	}
	return ret;
}

void kvm_die_open(const char *path, int err)
{
	struct stat st;
	struct group *kvm_group;

	switch (err) {
	case ENOENT:
		/* A path the user typed that names nothing is most likely a
		 * typo; only a missing /dev/kvm says the machine lacks KVM. */
		if (strcmp(path, KVM_DEFAULT_DEVICE) != 0)
			die(EXIT_NO_KVM, "cannot open %s: %s: check the path given "
			    "to --device%s", path, strerror(err),
			    access(KVM_DEFAULT_DEVICE, F_OK) == 0 ?
			    " (" KVM_DEFAULT_DEVICE " exists: leave --device out to use it)" :
			    " (the KVM device is normally " KVM_DEFAULT_DEVICE ")");
		die(EXIT_NO_KVM, "cannot open %s: %s: KVM is not available here: "
		    "load the module (modprobe kvm_intel or kvm_amd), turn on "
		    "VT-x/AMD-V in the firmware, or on a cloud VM enable nested "
		    "virtualization (README, Troubleshooting)", path, strerror(err));
	case EACCES:
	case EPERM:
		kvm_group = NULL;
		if (stat(path, &st) == 0)
			kvm_group = getgrgid(st.st_gid);
		if (kvm_group && strcmp(kvm_group->gr_name, "kvm") == 0)
			die(EXIT_NO_KVM, "cannot open %s: %s: join the kvm group "
			    "(sudo usermod -aG kvm $USER), then log out and in again",
			    path, strerror(err));
		die(EXIT_NO_KVM, "cannot open %s: %s: the device is not open to "
		    "your user; give it to the kvm group (sudo groupadd -f kvm && "
		    "sudo chgrp kvm %s && sudo chmod 660 %s && sudo usermod -aG "
		    "kvm $USER), then log out and in again",
		    path, strerror(err), path, path);
	default:
		die(EXIT_NO_KVM, "cannot open %s: %s: pass the KVM device with "
		    "--device (normally /dev/kvm)", path, strerror(err));
	}
}

void kvm_die_not_kvm(const char *path, int err)
{
	die(EXIT_NO_KVM, "%s is not a KVM device (KVM_GET_API_VERSION: %s): "
	    "pass the KVM device with --device (normally /dev/kvm)",
	    path, strerror(err));
}

void kvm_open(struct kvm *kvm, const char *path)
{
	// LAB BEGIN 01: chapter 01's stage as the helper later chapters call: kvm->path = path; open path read-write and close-on-exec (kvm_die_open() if that fails) and give the fd the role "kvm" (kvm_fd_role); refuse anything but a character device; insist on KVM_STABLE_API_VERSION (kvm_die_not_kvm() if the ioctl fails); store KVM_GET_VCPU_MMAP_SIZE in kvm->vcpu_mmap_size.
	struct stat st;
	int version;

	kvm->path = path;
	kvm->fd = open(path, O_RDWR | O_CLOEXEC);
	if (kvm->fd < 0)
		kvm_die_open(path, errno);
	kvm_fd_role(kvm->fd, "kvm");
	if (fstat(kvm->fd, &st) < 0 || !S_ISCHR(st.st_mode)) {
		close(kvm->fd);
		die(EXIT_NO_KVM, "%s is not a character device, so not a KVM "
		    "device: pass the KVM device with --device (normally /dev/kvm)",
		    path);
	}
	version = kvm_ioctl(kvm->fd, KVM_GET_API_VERSION, NULL);
	if (version < 0) {
		int err = errno;

		close(kvm->fd);
		kvm_die_not_kvm(path, err);
	}
	if (version != KVM_STABLE_API_VERSION) {
		close(kvm->fd);
		die(EXIT_NO_KVM, "%s speaks KVM API version %d; kvm-steps needs "
		    "version %d, the only stable one", path, version,
		    KVM_STABLE_API_VERSION);
	}
	kvm->vcpu_mmap_size = kvm_ioctl_or_die(kvm->fd, KVM_GET_VCPU_MMAP_SIZE, NULL);
	// LAB END
}

void kvm_fd_close(int fd)
{
	if (fd < 0)
		return;
	forget_fd(fd);
	close(fd);
}

void kvm_close(struct kvm *kvm)
{
	if (kvm->fd >= 0) {
		forget_fd(kvm->fd);
		close(kvm->fd);
	}
	kvm->fd = -1;
}

void vm_create(struct kvm_vm *vm, struct kvm *kvm)
{
	// LAB BEGIN 02: chapter 02's stage as the helper later chapters call: zero *vm and set vm->kvm; KVM_CREATE_VM through kvm_ioctl_or_die(); the fd's role is "vm"; if KVM_CAP_SET_TSS_ADDR is offered, KVM_SET_TSS_ADDR with KVM_TSS_ADDRESS.
	memset(vm, 0, sizeof(*vm));
	vm->kvm = kvm;
	/* The argument is the machine type; 0 is the default on x86. */
	vm->fd = kvm_ioctl_or_die(kvm->fd, KVM_CREATE_VM, NULL);
	kvm_fd_role(vm->fd, "vm");
	if (kvm_ioctl(kvm->fd, KVM_CHECK_EXTENSION, (void *)KVM_CAP_SET_TSS_ADDR) > 0)
		kvm_ioctl_or_die(vm->fd, KVM_SET_TSS_ADDR, (void *)KVM_TSS_ADDRESS);
	// LAB END
}

void vm_close(struct kvm_vm *vm)
{
	if (vm->mem)
		munmap(vm->mem, vm->mem_size);
	vm->mem = NULL;
	if (vm->fd >= 0) {
		forget_fd(vm->fd);
		close(vm->fd);
	}
	vm->fd = -1;
}

void vm_add_memory(struct kvm_vm *vm, uint64_t gpa, uint64_t size)
{
	// LAB BEGIN 03: chapter 03's stage as the helper later chapters call: map size bytes of anonymous private memory, hand them to the VM as slot 0 at gpa (KVM_SET_USER_MEMORY_REGION through kvm_ioctl_or_die()), and record the address, gpa and size in vm->mem, vm->mem_gpa, vm->mem_size.
	struct kvm_userspace_memory_region region;
	void *mem;

	mem = mmap(NULL, size, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (mem == MAP_FAILED)
		die(EXIT_KVM_ERROR, "cannot map %llu bytes of guest memory: %s",
		    (unsigned long long)size, strerror(errno));
	region = (struct kvm_userspace_memory_region){
		.slot = 0,
		.flags = 0,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)mem,
	};
	kvm_ioctl_or_die(vm->fd, KVM_SET_USER_MEMORY_REGION, &region);
	vm->mem = mem;
	vm->mem_gpa = gpa;
	vm->mem_size = size;
	// LAB END
}

void *vm_gpa_to_hva(const struct kvm_vm *vm, uint64_t gpa, uint64_t len)
{
	if (gpa < vm->mem_gpa || gpa - vm->mem_gpa > vm->mem_size ||
	    len > vm->mem_size - (gpa - vm->mem_gpa))
		return NULL;
	return vm->mem + (gpa - vm->mem_gpa);
}

void vcpu_create(struct kvm_vcpu *vcpu, struct kvm_vm *vm, int id)
{
	// LAB BEGIN 04: chapter 04's stage as the helper later chapters call: zero *vcpu, set vcpu->vm and vcpu->id; KVM_CREATE_VCPU through kvm_ioctl_or_die(); the fd's role is "vcpu ID"; map vm->kvm->vcpu_mmap_size bytes of it, shared, into vcpu->run (size in vcpu->run_size) and tell kvm_fd_run() about it.
	char role[16];
	void *run;

	memset(vcpu, 0, sizeof(*vcpu));
	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = kvm_ioctl_or_die(vm->fd, KVM_CREATE_VCPU, (void *)(uintptr_t)id);
	snprintf(role, sizeof(role), "vcpu %d", id);
	kvm_fd_role(vcpu->fd, role);
	vcpu->run_size = (size_t)vm->kvm->vcpu_mmap_size;
	run = mmap(NULL, vcpu->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
		   vcpu->fd, 0);
	if (run == MAP_FAILED)
		die(EXIT_KVM_ERROR, "cannot map struct kvm_run of vcpu %d: %s",
		    id, strerror(errno));
	vcpu->run = run;
	kvm_fd_run(vcpu->fd, run, vcpu->run_size);
	// LAB END
}

void vcpu_close(struct kvm_vcpu *vcpu)
{
	timeout_stop(); /* its signal handler writes to vcpu->run */
	if (vcpu->run)
		munmap(vcpu->run, vcpu->run_size);
	vcpu->run = NULL;
	if (vcpu->fd >= 0) {
		forget_fd(vcpu->fd);
		close(vcpu->fd);
	}
	vcpu->fd = -1;
}

void vcpu_regs_get(struct kvm_vcpu *vcpu, struct kvm_regs *regs)
{
	kvm_ioctl_or_die(vcpu->fd, KVM_GET_REGS, regs);
}

void vcpu_regs_set(struct kvm_vcpu *vcpu, const struct kvm_regs *regs)
{
	kvm_ioctl_or_die(vcpu->fd, KVM_SET_REGS, (void *)regs);
}

void vcpu_sregs_get(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs)
{
	kvm_ioctl_or_die(vcpu->fd, KVM_GET_SREGS, sregs);
}

void vcpu_sregs_set(struct kvm_vcpu *vcpu, const struct kvm_sregs *sregs)
{
	kvm_ioctl_or_die(vcpu->fd, KVM_SET_SREGS, (void *)sregs);
}

void vcpu_setup_real_mode(struct kvm_vcpu *vcpu, uint16_t cs, uint16_t ip)
{
	// LAB BEGIN 05: chapter 05's stage as the helper later chapters call: CS selector cs and base cs * 16 (vcpu_sregs_get(), vcpu_sregs_set()); the general registers all zero but RIP = ip, RSP = ip and RFLAGS = X86_RFLAGS_FIXED (vcpu_regs_set()).
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	/* In real mode a segment's base is its selector times 16; KVM keeps
	 * both, and the CPU uses the base, so both are set. */
	vcpu_sregs_get(vcpu, &sregs);
	sregs.cs.selector = cs;
	sregs.cs.base = (uint64_t)cs << 4;
	vcpu_sregs_set(vcpu, &sregs);

	memset(&regs, 0, sizeof(regs));
	regs.rip = ip;
	regs.rsp = ip;          /* the stack grows down from the load address */
	regs.rflags = X86_RFLAGS_FIXED; /* bit 1 is reserved and always 1 */
	vcpu_regs_set(vcpu, &regs);
	// LAB END
}

void vcpu_set_cpuid(struct kvm *kvm, struct kvm_vcpu *vcpu, unsigned apic_id)
{
	struct kvm_cpuid2 *cpuid = NULL;
	uint32_t nent = 64;

	for (;;) {                    /* E2BIG until the array is long enough */
		struct kvm_cpuid2 *bigger = realloc(cpuid, sizeof(*cpuid) +
						    nent * sizeof(cpuid->entries[0]));

		if (bigger == NULL)
			die(EXIT_KVM_ERROR, "no memory for %u CPUID entries", nent);
		cpuid = bigger;
		memset(cpuid, 0, sizeof(*cpuid) + nent * sizeof(cpuid->entries[0]));
		cpuid->nent = nent;
		if (kvm_ioctl(kvm->fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
			break;
		if (errno != E2BIG || nent >= 4096)
			die(EXIT_KVM_ERROR, "KVM_GET_SUPPORTED_CPUID on kvm fd %d failed: %s",
			    kvm->fd, strerror(errno));
		nent *= 2;
	}
	for (uint32_t i = 0; i < cpuid->nent; i++) {
		struct kvm_cpuid_entry2 *e = &cpuid->entries[i];

		if (e->function == 1) {
			e->ebx = (e->ebx & 0x00ffffffu) | apic_id << 24;
			e->ecx |= 1u << 31;
		}
		if (e->function == 0xb || e->function == 0x1f)
			e->edx = apic_id;
	}
	kvm_ioctl_or_die(vcpu->fd, KVM_SET_CPUID2, cpuid);
	free(cpuid);
}
