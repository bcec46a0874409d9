/* kvm.h - handles for the three kinds of KVM file descriptor and the
 * stages chapters 01 to 05 teach, as single calls for the chapters after.
 *
 *   /dev/kvm fd  --KVM_CREATE_VM-->  VM fd  --KVM_CREATE_VCPU-->  vCPU fd
 *                                                                  |
 *                                                   mmap: struct kvm_run
 *
 * Names follow the kernel's KVM selftests: the object, then the verb. Each
 * function either does its job or prints one line and exits, so a chapter
 * reads as the list of steps it takes. */
#ifndef KVM_STEPS_KVM_H
#define KVM_STEPS_KVM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdnoreturn.h>
#include <linux/kvm.h>

/* The one API version KVM has had since Linux 2.6.22. */
#define KVM_STABLE_API_VERSION 12

/* The KVM device, unless --device names another. */
#define KVM_DEFAULT_DEVICE "/dev/kvm"

/* Where Intel CPUs without "unrestricted guest" keep the three pages of
 * task state they need to run real mode in vm86 mode: just below 4 GiB,
 * far from any RAM these guests have. */
#define KVM_TSS_ADDRESS 0xfffbd000ul

struct kvm {
	int fd;               /* the /dev/kvm file descriptor */
	const char *path;     /* which device it came from */
	int vcpu_mmap_size;   /* bytes to mmap for each vCPU's struct kvm_run */
};

struct kvm_vm {
	int fd;               /* the VM file descriptor */
	struct kvm *kvm;
	uint8_t *mem;         /* host address of guest RAM (one slot, slot 0) */
	uint64_t mem_gpa;     /* guest-physical address where it starts */
	uint64_t mem_size;    /* its size in bytes */
};

struct kvm_vcpu {
	int fd;               /* the vCPU file descriptor */
	int id;
	struct kvm_vm *vm;
	struct kvm_run *run;  /* shared with the kernel through mmap */
	size_t run_size;
};

/* --trace: when true, every KVM ioctl and exit is printed on stderr. */
extern bool kvm_trace;

/* ioctl() on a KVM fd; with --trace prints the call, its decoded argument
 * and result, and for KVM_RUN the exit; with --stats counts KVM_RUN's
 * exits and time. Returns what ioctl() returned, errno untouched. */
int kvm_ioctl(int fd, unsigned long request, void *arg);

/* kvm_ioctl(), and on failure print which ioctl failed and exit. */
int kvm_ioctl_or_die(int fd, unsigned long request, void *arg);

/* Remember what an fd is ("kvm", "vm", "vcpu 0") for traces and errors. */
void kvm_fd_role(int fd, const char *role);
const char *kvm_fd_role_of(int fd);
/* ...and for a vCPU fd, its struct kvm_run, so KVM_RUN's exits can be
 * traced and counted. */
void kvm_fd_run(int fd, const struct kvm_run *run, size_t size);

/* Forget an fd given a role above, and close it (-1: nothing to do). */
void kvm_fd_close(int fd);

/* Chapter 01's error explanations for a device that cannot be used. */
noreturn void kvm_die_open(const char *path, int err);
noreturn void kvm_die_not_kvm(const char *path, int err);

/* Chapter 01: open the device, insist on API version 12. */
void kvm_open(struct kvm *kvm, const char *path);
void kvm_close(struct kvm *kvm);

/* Chapter 02: KVM_CREATE_VM (and the TSS address Intel may need). */
void vm_create(struct kvm_vm *vm, struct kvm *kvm);
void vm_close(struct kvm_vm *vm);

/* Chapter 03: size bytes of anonymous memory as guest RAM at gpa, slot 0. */
void vm_add_memory(struct kvm_vm *vm, uint64_t gpa, uint64_t size);

/* Host pointer to len bytes of guest RAM at gpa, or NULL if any of them
 * lies outside it. */
void *vm_gpa_to_hva(const struct kvm_vm *vm, uint64_t gpa, uint64_t len);

/* Chapter 04: KVM_CREATE_VCPU and the mmap of its struct kvm_run. */
void vcpu_create(struct kvm_vcpu *vcpu, struct kvm_vm *vm, int id);
void vcpu_close(struct kvm_vcpu *vcpu);

/* Register access; each prints the failing ioctl and exits on error. */
void vcpu_regs_get(struct kvm_vcpu *vcpu, struct kvm_regs *regs);
void vcpu_regs_set(struct kvm_vcpu *vcpu, const struct kvm_regs *regs);
void vcpu_sregs_get(struct kvm_vcpu *vcpu, struct kvm_sregs *sregs);
void vcpu_sregs_set(struct kvm_vcpu *vcpu, const struct kvm_sregs *sregs);

/* Chapter 05: start in real mode at cs:ip, the stack just below it. */
/* KVM_SET_CPUID2 with all the host's KVM offers (KVM_GET_SUPPORTED_CPUID),
 * as chapter 08's vcpu_give_cpuid() does, with apic_id where CPUID reports
 * the APIC ID (leaf 1 EBX bits 31-24, leaves 0xb and 0x1f EDX: Linux
 * checks them against the MP table) and the "running on a hypervisor"
 * bit (leaf 1 ECX bit 31: Linux then reads KVM's leaves at 0x40000000
 * and uses kvmclock instead of calibrating its clocks against the PIT,
 * which an emulated machine does badly), as chapter 15 explains. Long
 * mode is there if the host has it. */
void vcpu_set_cpuid(struct kvm *kvm, struct kvm_vcpu *vcpu, unsigned apic_id);
void vcpu_setup_real_mode(struct kvm_vcpu *vcpu, uint16_t cs, uint16_t ip);

#endif
