/* names.c - see names.h. The tables list what kvm-steps uses or can meet;
 * <linux/kvm.h> is the full list. */
#include "names.h"

#include <stddef.h>
#include <linux/kvm.h>

#define NAME(x) { (unsigned long)(x), #x }

struct name {
	unsigned long value;
	const char *name;
};

static const char *lookup(const struct name *table, size_t n, unsigned long value)
{
	for (size_t i = 0; i < n; i++)
		if (table[i].value == value)
			return table[i].name;
	return NULL;
}

static const struct name ioctls[] = {
	NAME(KVM_CHECK_EXTENSION),
	NAME(KVM_CLEAR_DIRTY_LOG),
	NAME(KVM_CREATE_IRQCHIP),
	NAME(KVM_CREATE_PIT2),
	NAME(KVM_CREATE_VCPU),
	NAME(KVM_CREATE_VM),
	NAME(KVM_ENABLE_CAP),
	NAME(KVM_GET_API_VERSION),
	NAME(KVM_GET_CLOCK),
	NAME(KVM_GET_DEBUGREGS),
	NAME(KVM_GET_DIRTY_LOG),
	NAME(KVM_GET_FPU),
	NAME(KVM_GET_IRQCHIP),
	NAME(KVM_GET_LAPIC),
	NAME(KVM_GET_MP_STATE),
	NAME(KVM_GET_MSRS),
	NAME(KVM_GET_MSR_INDEX_LIST),
	NAME(KVM_GET_PIT2),
	NAME(KVM_GET_REGS),
	NAME(KVM_GET_SREGS),
	NAME(KVM_GET_SUPPORTED_CPUID),
	NAME(KVM_GET_VCPU_EVENTS),
	NAME(KVM_GET_VCPU_MMAP_SIZE),
	NAME(KVM_GET_XCRS),
	NAME(KVM_GET_XSAVE),
	NAME(KVM_GET_XSAVE2),
	NAME(KVM_INTERRUPT),
	NAME(KVM_IOEVENTFD),
	NAME(KVM_IRQFD),
	NAME(KVM_IRQ_LINE_STATUS),
	NAME(KVM_REGISTER_COALESCED_MMIO),
	NAME(KVM_RESET_DIRTY_RINGS),
	NAME(KVM_RUN),
	NAME(KVM_SET_CLOCK),
	NAME(KVM_SET_CPUID2),
	NAME(KVM_SET_DEBUGREGS),
	NAME(KVM_SET_FPU),
	NAME(KVM_SET_IRQCHIP),
	NAME(KVM_SET_LAPIC),
	NAME(KVM_SET_MP_STATE),
	NAME(KVM_SET_MSRS),
	NAME(KVM_SET_PIT2),
	NAME(KVM_SET_REGS),
	NAME(KVM_SET_SREGS),
	NAME(KVM_SET_TSS_ADDR),
	NAME(KVM_SET_USER_MEMORY_REGION),
	NAME(KVM_SET_VCPU_EVENTS),
	NAME(KVM_SET_XCRS),
	NAME(KVM_SET_XSAVE),
};

const char *kvm_ioctl_name(unsigned long request)
{
	return lookup(ioctls, sizeof(ioctls) / sizeof(ioctls[0]), request);
}

struct exit_name {
	uint32_t reason;
	const char *name;
	const char *meaning;
};

static const struct exit_name exits[] = {
	{ KVM_EXIT_UNKNOWN, "KVM_EXIT_UNKNOWN", "no exit reason was set (vcpu_run() starts with this one; VT-x also gives it for an ENCLS leaf it does not handle)" },
	{ KVM_EXIT_EXCEPTION, "KVM_EXIT_EXCEPTION", "the guest raised an exception KVM intercepted and cannot handle itself (VT-x: handle_exception_nmi()); run->ex has its vector and error code" },
	{ KVM_EXIT_IO, "KVM_EXIT_IO", "the guest ran IN or OUT on a port no in-kernel device owns" },
	{ KVM_EXIT_HYPERCALL, "KVM_EXIT_HYPERCALL", "the guest made a hypercall the kernel hands to user space" },
	{ KVM_EXIT_DEBUG, "KVM_EXIT_DEBUG", "a breakpoint or single step set with KVM_SET_GUEST_DEBUG was hit" },
	{ KVM_EXIT_HLT, "KVM_EXIT_HLT", "the guest ran HLT and no in-kernel interrupt controller will wake it" },
	{ KVM_EXIT_MMIO, "KVM_EXIT_MMIO", "the guest read or wrote a guest-physical address with no memory behind it" },
	{ KVM_EXIT_IRQ_WINDOW_OPEN, "KVM_EXIT_IRQ_WINDOW_OPEN", "the guest can take an interrupt now (asked for by user space)" },
	{ KVM_EXIT_SHUTDOWN, "KVM_EXIT_SHUTDOWN", "the guest triple-faulted: an exception while delivering a double fault" },
	{ KVM_EXIT_FAIL_ENTRY, "KVM_EXIT_FAIL_ENTRY", "the CPU refused to enter the guest with the state it was given" },
	{ KVM_EXIT_INTR, "KVM_EXIT_INTR", "a signal interrupted KVM_RUN" },
	{ KVM_EXIT_SET_TPR, "KVM_EXIT_SET_TPR", "the guest wrote the task-priority register (user-space APIC)" },
	{ KVM_EXIT_TPR_ACCESS, "KVM_EXIT_TPR_ACCESS", "the guest touched the TPR while TPR reporting is on" },
	{ KVM_EXIT_NMI, "KVM_EXIT_NMI", "a non-maskable interrupt arrived (unused on x86)" },
	{ KVM_EXIT_INTERNAL_ERROR, "KVM_EXIT_INTERNAL_ERROR", "KVM itself could not go on, often an instruction it could not emulate" },
	{ KVM_EXIT_OSI, "KVM_EXIT_OSI", "a PowerPC OSI hypercall" },
	{ KVM_EXIT_PAPR_HCALL, "KVM_EXIT_PAPR_HCALL", "a PowerPC PAPR hypercall" },
	{ KVM_EXIT_WATCHDOG, "KVM_EXIT_WATCHDOG", "a PowerPC watchdog expired" },
	{ KVM_EXIT_EPR, "KVM_EXIT_EPR", "a PowerPC external proxy interrupt" },
	{ KVM_EXIT_SYSTEM_EVENT, "KVM_EXIT_SYSTEM_EVENT", "the guest asked for a shutdown, reset or crash report" },
	{ KVM_EXIT_S390_STSI, "KVM_EXIT_S390_STSI", "an s390 STSI instruction" },
	{ KVM_EXIT_IOAPIC_EOI, "KVM_EXIT_IOAPIC_EOI", "end of interrupt for a user-space I/O APIC" },
	{ KVM_EXIT_HYPERV, "KVM_EXIT_HYPERV", "a Hyper-V enlightenment needs user space" },
	{ KVM_EXIT_X86_RDMSR, "KVM_EXIT_X86_RDMSR", "the guest read an MSR user space asked to handle" },
	{ KVM_EXIT_X86_WRMSR, "KVM_EXIT_X86_WRMSR", "the guest wrote an MSR user space asked to handle" },
	{ KVM_EXIT_DIRTY_RING_FULL, "KVM_EXIT_DIRTY_RING_FULL", "the dirty-page ring is full and must be harvested" },
	{ KVM_EXIT_X86_BUS_LOCK, "KVM_EXIT_X86_BUS_LOCK", "the guest took a split lock (bus lock detection)" },
};

static const struct exit_name *find_exit(uint32_t reason)
{
	for (size_t i = 0; i < sizeof(exits) / sizeof(exits[0]); i++)
		if (exits[i].reason == reason)
			return &exits[i];
	return NULL;
}

const char *kvm_exit_name(uint32_t reason)
{
	const struct exit_name *e = find_exit(reason);

	return e ? e->name : NULL;
}

const char *kvm_exit_meaning(uint32_t reason)
{
	const struct exit_name *e = find_exit(reason);

	return e ? e->meaning : "an exit reason this program does not know";
}

static const struct name suberrors[] = {
	NAME(KVM_INTERNAL_ERROR_EMULATION),
	NAME(KVM_INTERNAL_ERROR_SIMUL_EX),
	NAME(KVM_INTERNAL_ERROR_DELIVERY_EV),
	NAME(KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON),
};

const char *kvm_internal_error_name(uint32_t suberror)
{
	return lookup(suberrors, sizeof(suberrors) / sizeof(suberrors[0]), suberror);
}

static const struct name caps[] = {
	NAME(KVM_CAP_ADJUST_CLOCK),
	NAME(KVM_CAP_COALESCED_MMIO),
	NAME(KVM_CAP_DEBUGREGS),
	NAME(KVM_CAP_DIRTY_LOG_RING),
	NAME(KVM_CAP_DIRTY_LOG_RING_ACQ_REL),
	NAME(KVM_CAP_IMMEDIATE_EXIT),
	NAME(KVM_CAP_IOEVENTFD),
	NAME(KVM_CAP_IRQCHIP),
	NAME(KVM_CAP_IRQFD),
	NAME(KVM_CAP_IRQ_INJECT_STATUS),
	NAME(KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2),
	NAME(KVM_CAP_MAX_VCPUS),
	NAME(KVM_CAP_NR_MEMSLOTS),
	NAME(KVM_CAP_NR_VCPUS),
	NAME(KVM_CAP_PIT2),
	NAME(KVM_CAP_READONLY_MEM),
	NAME(KVM_CAP_SET_GUEST_DEBUG),
	NAME(KVM_CAP_SET_TSS_ADDR),
	NAME(KVM_CAP_USER_MEMORY),
	NAME(KVM_CAP_VCPU_EVENTS),
	NAME(KVM_CAP_XCRS),
	NAME(KVM_CAP_XSAVE),
	NAME(KVM_CAP_XSAVE2),
};

const char *kvm_cap_name(long cap)
{
	return lookup(caps, sizeof(caps) / sizeof(caps[0]), (unsigned long)cap);
}
