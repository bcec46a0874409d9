/* Chapter 08: a 64-bit guest, entered directly from the host.
 *
 * A PC starts in real mode; a boot loader climbs to 64-bit long mode by
 * building page tables and a GDT and setting CR4.PAE, EFER.LME and CR0.PG
 * in that order (guest-asm/long/switch.asm does that). A monitor can skip
 * the climb: it writes the same tables into guest memory itself and hands
 * KVM the registers of a CPU that is already at the top. KVM checks the
 * state in kvm_arch_vcpu_ioctl_set_sregs() (arch/x86/kvm/x86.c in Linux
 * 6.12, regs.c in later kernels; it refuses an impossible state with
 * EINVAL) and loads it into the VMCS or
 * VMCB; the CPU checks it again at VM entry, and a state it rejects comes
 * back as KVM_EXIT_FAIL_ENTRY.
 *
 * Standard output shows what was built, then carries what the guest
 * prints; the program's own closing line goes to standard error. */
#include "guest.h"
#include "guest_hello64.h"
#include "guest_switch.h"
#include "io.h"
#include "kvm.h"
#include "options.h"
#include "run.h"
#include "serial.h"
#include "util.h"
#include "x86.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The GDT: entry 0 must be null; 1 is 64-bit code, 2 is data. */
enum { GDT_NULL, GDT_CODE64, GDT_DATA, GDT_ENTRIES };
#define CODE64_SELECTOR X86_SELECTOR(GDT_CODE64, 0)  /* 0x08 */
#define DATA_SELECTOR   X86_SELECTOR(GDT_DATA, 0)    /* 0x10 */

/* --break: one part of the state set wrong, to see who notices. */
enum breakage { BREAK_NONE, BREAK_NO_PAE, BREAK_NO_LMA, BREAK_NO_PE,
		BREAK_CS_D, BREAK_NO_PML4, BREAK_GDT_DATA };

static const struct {
	const char *name;
	enum breakage what;
	const char *does;
} breakages[] = {
	{ "no-pae", BREAK_NO_PAE, "CR4.PAE left clear" },
	{ "no-lma", BREAK_NO_LMA, "EFER.LMA left clear" },
	{ "no-pe", BREAK_NO_PE, "CR0.PE left clear (paging without protection)" },
	{ "cs-d", BREAK_CS_D, "CS.D set beside CS.L" },
	{ "no-pml4", BREAK_NO_PML4, "PML4[0] not present: the guest's own code is unmapped" },
	{ "gdt-data", BREAK_GDT_DATA, "the data descriptor in the GDT marked not present" },
};

static enum breakage parse_breakage(const char *name)
{
	if (name == NULL)
		return BREAK_NONE;
	for (size_t i = 0; i < sizeof(breakages) / sizeof(breakages[0]); i++)
		if (strcmp(name, breakages[i].name) == 0)
			return breakages[i].what;
	die(EXIT_USAGE, "--break: unknown part '%s': give one of no-pae, no-lma, "
	    "no-pe, cs-d, no-pml4, gdt-data (see %s --help)", name, progname);
}

// ANCHOR: cpuid
/* Until the monitor says otherwise, the vCPU's CPUID instruction reports
 * next to nothing, and KVM holds the guest to it: a WRMSR that sets
 * EFER.LME faults with #GP on a CPU without long mode (CPUID leaf
 * 0x80000001, EDX bit 29). KVM_GET_SUPPORTED_CPUID lists what this host's
 * KVM can offer; KVM_SET_CPUID2 gives all of it to the vCPU, as QEMU's
 * "-cpu host" does. A guest that switches itself needs it. In Linux 6.12,
 * entering long mode from the host with KVM_SET_SREGS does not; kernels
 * with the 2026 EFER check (mainline, 6.12.112 and later) refuse LME and
 * LMA there too without long mode in CPUID, so this comes first. */
static void vcpu_give_cpuid(struct kvm *kvm, struct kvm_vcpu *vcpu)
{
	struct kvm_cpuid2 *cpuid = NULL;
	uint32_t nent = 64, lm = 0;

	/* The kernel says E2BIG until the array is long enough. */
	for (;;) {
		struct kvm_cpuid2 *bigger = realloc(cpuid, sizeof(*cpuid) +
						    nent * sizeof(cpuid->entries[0]));

		if (bigger == NULL)
			die(EXIT_KVM_ERROR, "no memory for %u CPUID entries", nent);
		cpuid = bigger;
		/* Zeroed: the kernel is handed no uninitialised bytes (the
		 * header's padding), and tools that cannot see the kernel
		 * fill the entries in (valgrind) see them defined. */
		memset(cpuid, 0, sizeof(*cpuid) + nent * sizeof(cpuid->entries[0]));
		cpuid->nent = nent;
		if (kvm_ioctl(kvm->fd, KVM_GET_SUPPORTED_CPUID, cpuid) == 0)
			break;
		if (errno != E2BIG || nent >= 4096)
			die(EXIT_KVM_ERROR, "KVM_GET_SUPPORTED_CPUID on kvm fd %d failed: %s",
			    kvm->fd, strerror(errno));
		nent *= 2;
	}
	for (uint32_t i = 0; i < cpuid->nent; i++)
		if (cpuid->entries[i].function == X86_CPUID_EXT_FEATURES)
			lm = cpuid->entries[i].edx & X86_CPUID_EDX_LM;
	if (!lm) {
		free(cpuid);
		die(EXIT_NO_KVM, "this host's KVM offers no long mode (CPUID 0x80000001 "
		    "EDX bit 29 is 0): a 64-bit guest cannot run here");
	}
	kvm_ioctl_or_die(vcpu->fd, KVM_SET_CPUID2, cpuid);
	free(cpuid);
}
// ANCHOR_END: cpuid

/* A 4 KiB page of guest RAM as a table of 512 entries. */
static uint64_t *table_at(struct kvm_vm *vm, uint64_t gpa)
{
	uint64_t *table = vm_gpa_to_hva(vm, gpa, X86_PAGE_SIZE);

	if (table == NULL)
		die(EXIT_KVM_ERROR, "page table at 0x%llx lies outside guest RAM",
		    (unsigned long long)gpa);
	return table;
}

// ANCHOR: page-tables
/* Four-level paging, the only kind long mode has (without LA57): CR3 ->
 * PML4 -> PDPT -> PD, and a PD entry with PS set maps a 2 MiB page, so no
 * fourth level of page tables is needed. Three pages, 12 KiB, map 1 GiB.
 * 2 MiB pages exist on every 64-bit CPU; 1 GiB pages (PS in a PDPT entry)
 * are optional (CPUID 0x80000001 EDX bit 26), and where the host's KVM
 * does not offer them, PS in a PDPT entry is a reserved bit that faults.
 *
 * The first GiB is mapped twice: at virtual = physical, so that the
 * addresses the host uses (RIP, RSP, the GDT) mean the same to the guest,
 * and from LONG_MODE_HIGH_ALIAS, where kernels keep their direct map, so
 * the guest can prove that its addresses really are translated. Returns
 * the value for CR3. */
static uint64_t build_page_tables(struct kvm_vm *vm)
{
	uint64_t *pml4 = table_at(vm, LONG_MODE_PML4_ADDRESS);
	uint64_t *pdpt = table_at(vm, LONG_MODE_PDPT_ADDRESS);
	uint64_t *pd = table_at(vm, LONG_MODE_PD_ADDRESS);

	// LAB BEGIN: zero the three tables. Point PML4 entries 0 and X86_PT_INDEX(LONG_MODE_HIGH_ALIAS, X86_PML4_SHIFT) at the PDPT, PDPT entry 0 at the PD (each: address | X86_PTE_P | X86_PTE_RW), and fill all 512 PD entries with 2 MiB pages: entry i maps guest-physical i * X86_LARGE_PAGE_SIZE (add X86_PTE_PS). Return the PML4's address, the value for CR3.
	memset(pml4, 0, X86_PAGE_SIZE);
	memset(pdpt, 0, X86_PAGE_SIZE);
	memset(pd, 0, X86_PAGE_SIZE);

	/* Present and writable; not user-accessible: the guest runs at CPL 0. */
	pml4[X86_PT_INDEX(0ull, X86_PML4_SHIFT)] =
		LONG_MODE_PDPT_ADDRESS | X86_PTE_P | X86_PTE_RW;
	pml4[X86_PT_INDEX(LONG_MODE_HIGH_ALIAS, X86_PML4_SHIFT)] =
		LONG_MODE_PDPT_ADDRESS | X86_PTE_P | X86_PTE_RW;
	pdpt[0] = LONG_MODE_PD_ADDRESS | X86_PTE_P | X86_PTE_RW;
	for (uint64_t i = 0; i < X86_PT_ENTRIES; i++)
		pd[i] = i * X86_LARGE_PAGE_SIZE | X86_PTE_P | X86_PTE_RW | X86_PTE_PS;

	/* CR3 holds the PML4's physical address; its low 12 bits (cache
	 * control, PCID) stay 0. */
	return LONG_MODE_PML4_ADDRESS;
	// LAB END
}
// ANCHOR_END: page-tables

// ANCHOR: segments
/* The two segments, in the form KVM_SET_SREGS takes them. In 64-bit mode
 * the CPU ignores base and limit of CS, DS, ES and SS; what matters is
 * that CS is code with L=1 (64-bit) and D=0 (the one combination the
 * architecture allows with L=1), and that every segment is present. The
 * type's accessed bit is set because VT-x insists on it for a usable
 * segment, and so that the CPU never has to write it into the GDT. */
static struct kvm_segment code64_segment(void)
{
	return (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = CODE64_SELECTOR,
		.type = X86_SEG_TYPE_CODE_RX, .present = 1, .dpl = 0,
		.db = 0, .s = 1, .l = 1, .g = 1,
	};
}

static struct kvm_segment data_segment(void)
{
	return (struct kvm_segment){
		.base = 0, .limit = 0xffffffff, .selector = DATA_SELECTOR,
		.type = X86_SEG_TYPE_DATA_RW, .present = 1, .dpl = 0,
		.db = 1, .s = 1, .l = 0, .g = 1,
	};
}
// ANCHOR_END: segments

// ANCHOR: gdt
/* The 8-byte GDT descriptor that describes the segment s. KVM_SET_SREGS
 * fills the CPU's hidden segment cache directly, so the guest runs without
 * reading the GDT at all, until it loads a selector itself (a far jump, an
 * interrupt, MOV to DS): then the CPU reads the descriptor from guest
 * memory. Encoding both from one struct keeps the two in agreement. */
static uint64_t descriptor_of(const struct kvm_segment *s)
{
	/* The limit field is 20 bits; with G=1 it counts 4 KiB pages. */
	uint64_t limit = s->g ? s->limit >> X86_PAGE_SHIFT : s->limit;
	uint64_t base = s->base;

	return (limit & X86_DESC_LIMIT_LOW_MASK) |
	       (base & 0xffffff) << X86_DESC_BASE_LOW_SHIFT |
	       (uint64_t)(s->type & 0xf) << X86_DESC_TYPE_SHIFT |
	       (s->s ? X86_DESC_S : 0) |
	       (uint64_t)(s->dpl & 3) << X86_DESC_DPL_SHIFT |
	       (s->present ? X86_DESC_P : 0) |
	       (limit >> 16 & 0xf) << X86_DESC_LIMIT_HIGH_SHIFT |
	       (s->avl ? X86_DESC_AVL : 0) |
	       (s->l ? X86_DESC_L : 0) |
	       (s->db ? X86_DESC_DB : 0) |
	       (s->g ? X86_DESC_G : 0) |
	       (base >> 24 & 0xff) << X86_DESC_BASE_HIGH_SHIFT;
}

static void build_gdt(struct kvm_vm *vm, uint64_t *gdt_out)
{
	struct kvm_segment code = code64_segment(), data = data_segment();
	uint64_t *gdt = vm_gpa_to_hva(vm, LONG_MODE_GDT_ADDRESS,
				      GDT_ENTRIES * sizeof(uint64_t));

	if (gdt == NULL)
		die(EXIT_KVM_ERROR, "the GDT at 0x%x lies outside guest RAM",
		    LONG_MODE_GDT_ADDRESS);
	gdt[GDT_NULL] = 0; /* selector 0 means "no segment" */
	gdt[GDT_CODE64] = descriptor_of(&code);
	gdt[GDT_DATA] = descriptor_of(&data);
	memcpy(gdt_out, gdt, GDT_ENTRIES * sizeof(uint64_t));
}
// ANCHOR_END: gdt

// ANCHOR: long-mode-sregs
/* The special registers of a CPU already in 64-bit mode. Real hardware
 * sets EFER.LMA itself when CR0.PG is turned on with EFER.LME set; KVM
 * takes the finished state and wants LMA given too. */
static void long_mode_sregs(struct kvm_sregs *sregs, uint64_t cr3)
{
	// LAB BEGIN: set CR0 to PE | ET | NE | PG, CR3 to cr3, CR4 to PAE, EFER to LME | LMA (the X86_* constants); CS to code64_segment(), DS, ES, FS, GS and SS to data_segment(); the GDT to base LONG_MODE_GDT_ADDRESS, limit GDT_ENTRIES * 8 - 1; the IDT to base 0, limit 0.
	sregs->cr0 = X86_CR0_PE    /* protected mode: segments are descriptors */
		   | X86_CR0_ET    /* hard-wired to 1 on every CPU since the 486 */
		   | X86_CR0_NE    /* x87 errors as exceptions; VT-x requires it */
		   | X86_CR0_PG;   /* paging: with EFER.LME, 4-level paging */
	sregs->cr3 = cr3;
	sregs->cr4 = X86_CR4_PAE;  /* 64-bit page-table entries; long mode needs them */
	sregs->efer = X86_EFER_LME | X86_EFER_LMA;

	sregs->cs = code64_segment();
	sregs->ds = sregs->es = sregs->fs = sregs->gs = sregs->ss = data_segment();

	/* The GDT the guest will read when it loads a selector. The limit is
	 * the offset of its last byte. */
	sregs->gdt.base = LONG_MODE_GDT_ADDRESS;
	sregs->gdt.limit = GDT_ENTRIES * sizeof(uint64_t) - 1;
	/* No IDT: any exception is a triple fault, which ends the run with
	 * a clear report instead of a jump into zeroed memory. */
	sregs->idt.base = 0;
	sregs->idt.limit = 0;
	// LAB END
}
// ANCHOR_END: long-mode-sregs

// ANCHOR: sregs-einval
/* KVM_SET_SREGS says only EINVAL. These are the rules KVM checks before it
 * takes the registers (kvm_is_valid_sregs() and kvm_is_valid_cr0() in
 * arch/x86/kvm/x86.c, Linux 6.12), which are the architecture's: the first
 * one that sregs breaks, in words, or NULL. Later kernels (regs.c) also
 * check EFER against reserved bits and CPUID, which this does not. */
static const char *sregs_rule_broken(const struct kvm_sregs *s)
{
	bool lme = s->efer & X86_EFER_LME, lma = s->efer & X86_EFER_LMA;
	bool pg = s->cr0 & X86_CR0_PG;

	if (s->cr0 >> 32)
		return "CR0 bits 63:32 are reserved and must be 0";
	if (pg && !(s->cr0 & X86_CR0_PE))
		return "CR0.PG is set without CR0.PE: paging needs protected mode";
	if ((s->cr0 & X86_CR0_NW) && !(s->cr0 & X86_CR0_CD))
		return "CR0.NW is set without CR0.CD";
	if (lme && pg && !(s->cr4 & X86_CR4_PAE))
		return "EFER.LME and CR0.PG are set, so this is long mode, but "
		       "CR4.PAE is clear: long mode translates with 64-bit "
		       "(PAE) page-table entries only";
	if (lme && pg && !lma)
		return "EFER.LME and CR0.PG are set but EFER.LMA is clear: a real "
		       "CPU sets LMA itself as paging comes on; KVM takes the "
		       "finished state and wants LMA given";
	if (!(lme && pg) && lma)
		return "EFER.LMA is set, but EFER.LME and CR0.PG are not both set";
	if (!(lme && pg) && s->cs.l)
		return "CS.L (64-bit code) is set outside long mode";
	return NULL;
}
// ANCHOR_END: sregs-einval

/* KVM_EXIT_FAIL_ENTRY: the CPU's own checks of the guest state (Intel SDM
 * Vol. 3C, chapter "VM Entries", "Checks on the Guest State Area"; AMD
 * APM Vol. 2, 15.5.1, the consistency checks of VMRUN) go further than
 * KVM_SET_SREGS's. These are the long-mode rules among them that a
 * monitor most easily breaks. */
static const char *entry_rule_broken(const struct kvm_sregs *s)
{
	const struct kvm_segment *data[] = { &s->ds, &s->es, &s->fs, &s->gs, &s->ss };

	if (s->cs.l && s->cs.db)
		return "CS has L=1 and D=1: in long mode that combination is reserved "
		       "(SDM 3.4.5: L=1 needs D=0)";
	if (!(s->cs.type & X86_SEG_TYPE_CODE))
		return "CS is not a code segment";
	for (size_t i = 0; i < sizeof(data) / sizeof(data[0]); i++)
		if (data[i]->present && !(data[i]->type & X86_SEG_TYPE_ACCESSED))
			return "a data segment's type lacks the accessed bit, which "
			       "VT-x requires of every usable segment";
	return NULL;
}

static void apply_breakage(enum breakage brk, struct kvm_vm *vm, struct kvm_sregs *sregs)
{
	uint64_t *gdt, *pml4;

	switch (brk) {
	case BREAK_NONE:
		break;
	case BREAK_NO_PAE:
		sregs->cr4 &= ~X86_CR4_PAE;
		break;
	case BREAK_NO_LMA:
		sregs->efer &= ~X86_EFER_LMA;
		break;
	case BREAK_NO_PE:
		sregs->cr0 &= ~X86_CR0_PE;
		break;
	case BREAK_CS_D:
		sregs->cs.db = 1;
		break;
	case BREAK_NO_PML4:
		pml4 = table_at(vm, LONG_MODE_PML4_ADDRESS);
		pml4[0] &= ~X86_PTE_P;
		break;
	case BREAK_GDT_DATA:
		gdt = vm_gpa_to_hva(vm, LONG_MODE_GDT_ADDRESS, GDT_ENTRIES * sizeof(uint64_t));
		gdt[GDT_DATA] &= ~X86_DESC_P;
		break;
	}
}

// ANCHOR: enter-long-mode
/* Hand KVM the 64-bit state; RIP, RSP and RFLAGS go with KVM_SET_REGS. */
static void enter_long_mode(struct kvm_vcpu *vcpu, const struct kvm_sregs *sregs)
{
	struct kvm_regs regs;

	if (kvm_ioctl(vcpu->fd, KVM_SET_SREGS, (void *)sregs) < 0) {
		const char *why = sregs_rule_broken(sregs);

		if (errno != EINVAL || why == NULL)
			die(EXIT_KVM_ERROR, "KVM_SET_SREGS on vcpu %d failed: %s",
			    vcpu->id, strerror(errno));
		die(EXIT_KVM_ERROR, "KVM_SET_SREGS on vcpu %d failed: %s: KVM "
		    "refused a state no CPU can be in: %s", vcpu->id,
		    strerror(errno), why);
	}

	memset(&regs, 0, sizeof(regs));
	regs.rip = LONG_MODE_LOAD_ADDRESS;  /* the image's first byte */
	regs.rsp = LONG_MODE_STACK_TOP;     /* pushes go below the top of RAM,
					     * into 64 KiB no image may use */
	regs.rflags = X86_RFLAGS_FIXED;     /* IF=0: no interrupts */
	vcpu_regs_set(vcpu, &regs);
}
// ANCHOR_END: enter-long-mode

/* ---- what the program shows ------------------------------------------ */

static void show_flags(unsigned long long value, const char *const *names, int count)
{
	for (int bit = 0; bit < count; bit++)
		if ((value & BIT(bit)) && names[bit])
			printf(" %s", names[bit]);
}

static void show_entry(const char *name, uint64_t entry, const char *points)
{
	static const char *const pte_names[] = {
		[0] = "P", [1] = "RW", [2] = "US", [3] = "PWT", [4] = "PCD",
		[5] = "A", [6] = "D", [7] = "PS",
	};

	printf("  %-10s 0x%016llx  %-28s", name, (unsigned long long)entry, points);
	show_flags(entry, pte_names, 8);
	printf("\n");
}

static void show_page_tables(struct kvm_vm *vm, uint64_t cr3)
{
	const uint64_t *pml4 = table_at(vm, cr3 & X86_PTE_ADDR_MASK);
	const uint64_t *pd = table_at(vm, LONG_MODE_PD_ADDRESS);
	unsigned high = (unsigned)X86_PT_INDEX(LONG_MODE_HIGH_ALIAS, X86_PML4_SHIFT);
	char name[16], points[40];

	printf("page tables (4-level, 2 MiB pages), built in guest memory:\n");
	printf("  %-10s 0x%016llx  the PML4's guest-physical address\n", "CR3",
	       (unsigned long long)cr3);
	show_entry("PML4[0]", pml4[0], "-> PDPT, virtual 0 - 512 GiB");
	snprintf(name, sizeof(name), "PML4[%u]", high);
	show_entry(name, pml4[high], "-> PDPT, virtual 0xffff8...");
	show_entry("PDPT[0]", table_at(vm, LONG_MODE_PDPT_ADDRESS)[0], "-> PD, 1 GiB");
	for (unsigned i = 0; i < X86_PT_ENTRIES; i++) {
		if (i == 2) {
			printf("  %-10s ...\n", "");
			i = X86_PT_ENTRIES - 1;
		}
		snprintf(name, sizeof(name), "PD[%u]", i);
		snprintf(points, sizeof(points), "2 MiB page at 0x%llx",
			 (unsigned long long)(pd[i] & X86_PTE_ADDR_MASK));
		show_entry(name, pd[i], points);
	}
}

/* Follow a virtual address through the tables, as the CPU does. */
static void show_walk(struct kvm_vm *vm, uint64_t cr3, uint64_t va)
{
	uint64_t pml4e = table_at(vm, cr3 & X86_PTE_ADDR_MASK)[X86_PT_INDEX(va, X86_PML4_SHIFT)];
	uint64_t pdpte = table_at(vm, pml4e & X86_PTE_ADDR_MASK)[X86_PT_INDEX(va, X86_PDPT_SHIFT)];
	uint64_t pde = table_at(vm, pdpte & X86_PTE_ADDR_MASK)[X86_PT_INDEX(va, X86_PD_SHIFT)];
	uint64_t pa = (pde & X86_PTE_ADDR_MASK & ~(X86_LARGE_PAGE_SIZE - 1)) |
		      (va & (X86_LARGE_PAGE_SIZE - 1));

	printf("  virtual 0x%016llx: PML4[%llu] -> PDPT[%llu] -> PD[%llu] -> "
	       "physical 0x%llx\n", (unsigned long long)va,
	       (unsigned long long)X86_PT_INDEX(va, X86_PML4_SHIFT),
	       (unsigned long long)X86_PT_INDEX(va, X86_PDPT_SHIFT),
	       (unsigned long long)X86_PT_INDEX(va, X86_PD_SHIFT),
	       (unsigned long long)pa);
}

static void show_gdt(const uint64_t *gdt)
{
	struct kvm_segment seg[GDT_ENTRIES] = {
		[GDT_CODE64] = code64_segment(), [GDT_DATA] = data_segment(),
	};

	printf("GDT at 0x%x, limit 0x%x:\n", LONG_MODE_GDT_ADDRESS,
	       (unsigned)(GDT_ENTRIES * sizeof(uint64_t) - 1));
	printf("  0x%02x  0x%016llx  null: selector 0 means no segment\n", 0,
	       (unsigned long long)gdt[GDT_NULL]);
	for (unsigned i = GDT_CODE64; i < GDT_ENTRIES; i++)
		printf("  0x%02x  0x%016llx  %s: P=%u DPL=%u type 0x%x L=%u D/B=%u G=%u\n",
		       i * 8, (unsigned long long)gdt[i],
		       seg[i].type & X86_SEG_TYPE_CODE ? "code" : "data",
		       seg[i].present, seg[i].dpl, seg[i].type, seg[i].l, seg[i].db, seg[i].g);
}

static void show_sregs(const struct kvm_sregs *s)
{
	static const char *const cr0_names[] = {
		[0] = "PE", [1] = "MP", [2] = "EM", [3] = "TS", [4] = "ET",
		[5] = "NE", [16] = "WP", [18] = "AM", [29] = "NW", [30] = "CD",
		[31] = "PG",
	};
	static const char *const cr4_names[] = {
		[4] = "PSE", [5] = "PAE", [7] = "PGE", [9] = "OSFXSR",
	};
	static const char *const efer_names[] = {
		[0] = "SCE", [8] = "LME", [10] = "LMA", [11] = "NXE",
	};

	printf("KVM_SET_SREGS:\n");
	printf("  cr0   0x%08llx  ", (unsigned long long)s->cr0);
	show_flags(s->cr0, cr0_names, 32);
	printf("\n  cr3   0x%08llx   the PML4\n", (unsigned long long)s->cr3);
	printf("  cr4   0x%08llx  ", (unsigned long long)s->cr4);
	show_flags(s->cr4, cr4_names, 10);
	printf("\n  efer  0x%08llx  ", (unsigned long long)s->efer);
	show_flags(s->efer, efer_names, 12);
	printf("\n  cs    selector 0x%02x, type 0x%x, L=%u D=%u: 64-bit code\n",
	       s->cs.selector, s->cs.type, s->cs.l, s->cs.db);
	printf("  ds es fs gs ss  selector 0x%02x, type 0x%x\n", s->ds.selector, s->ds.type);
	printf("  gdt   base 0x%llx limit 0x%x;  idt base 0x%llx limit 0x%x: none\n",
	       (unsigned long long)s->gdt.base, s->gdt.limit,
	       (unsigned long long)s->idt.base, s->idt.limit);
	printf("KVM_SET_REGS: rip 0x%x, rsp 0x%x, rflags 0x%llx\n\n",
	       LONG_MODE_LOAD_ADDRESS, LONG_MODE_STACK_TOP,
	       (unsigned long long)X86_RFLAGS_FIXED);
}

// ANCHOR: run-loop
/* sregs: what the host set for long mode, NULL in --real-mode. */
static int run_guest(struct kvm_vcpu *vcpu, struct io_bus *bus, const struct options *opts,
		     const struct kvm_sregs *sregs)
{
	int status;

	for (;;) {
		if (vcpu_run(vcpu) == RUN_TIMED_OUT)
			return timeout_report(vcpu, opts->timeout);

		switch (vcpu->run->exit_reason) {
		case KVM_EXIT_IO:
			if (io_handle(vcpu, bus, &status)) {
				serial_flush();
				warn("the guest wrote %d to the exit port 0x%x: exit status %d",
				     status, EXIT_PORT, status);
				return status;
			}
			break;
		case KVM_EXIT_HLT:
			serial_flush();
			warn("the guest halted: exit status 0");
			return EXIT_HALTED;
		case KVM_EXIT_FAIL_ENTRY:
			serial_flush();
			status = vcpu_report_unhandled(vcpu);
			if (sregs && entry_rule_broken(sregs))
				fprintf(stderr, "  the state this program set breaks a rule of "
					"VM entry: %s\n", entry_rule_broken(sregs));
			return status;
		default:
			serial_flush();
			return vcpu_report_unhandled(vcpu);
		}
	}
}
// ANCHOR_END: run-loop

/* The host's road: tables, GDT and registers for 64-bit mode. */
static void setup_long_mode(struct kvm_vm *vm, struct kvm_vcpu *vcpu,
			    struct kvm_sregs *sregs, enum breakage brk)
{
	uint64_t gdt[GDT_ENTRIES], cr3;

	cr3 = build_page_tables(vm);
	show_page_tables(vm, cr3);
	show_walk(vm, cr3, LONG_MODE_LOAD_ADDRESS);
	show_walk(vm, cr3, LONG_MODE_HIGH_ALIAS + 0x200000);
	printf("\n");
	build_gdt(vm, gdt);
	show_gdt(gdt);
	printf("\n");

	/* Read first: long mode names no value for TR, LDTR or the APIC base,
	 * and their reset values are ones VM entry accepts. */
	vcpu_sregs_get(vcpu, sregs);
	long_mode_sregs(sregs, cr3);
	show_sregs(sregs);
	if (brk != BREAK_NONE) {
		for (size_t i = 0; i < sizeof(breakages) / sizeof(breakages[0]); i++)
			if (breakages[i].what == brk)
				warn("--break %s: %s, on purpose", breakages[i].name,
				     breakages[i].does);
		apply_breakage(brk, vm, sregs);
	}
	enter_long_mode(vcpu, sregs);
	printf("running the guest: 64-bit mode from its first instruction\n");
}

int main(int argc, char **argv)
{
	struct kvm_sregs sregs;
	struct options opts;
	struct kvm_vcpu vcpu;
	struct io_bus bus;
	struct kvm_vm vm;
	struct kvm kvm;
	enum breakage brk;
	size_t size;
	int status;

	prog_init(argv[0]);
	options_parse(&opts, argc, argv, OPT_GUEST | OPT_RUN | OPT_LONG,
		      "Chapter 08: a 64-bit guest, entered directly from the host.",
		      "is loaded at guest-physical 0x100000 and entered there in "
		      "64-bit mode, paging on (with --real-mode: at 0x7c00, in real "
		      "mode); COM1 (0x3f8) is standard input and output, OUT to port "
		      "0xf4 ends the run");
	brk = parse_breakage(opts.breaks);
	if (brk != BREAK_NONE && opts.real_mode)
		die(EXIT_USAGE, "--break and --real-mode do not go together: with "
		    "--real-mode the guest sets up long mode itself (see %s --help)", progname);
	if (opts.stats)
		stats_enable();
	if (opts.trace)
		setvbuf(stdout, NULL, _IONBF, 0);
	io_init(&bus);

	printf("Chapter 08: a 64-bit guest, entered directly from the host.\n\n");
	kvm_open(&kvm, opts.device);
	vm_create(&vm, &kvm);
	vm_add_memory(&vm, 0, LONG_MODE_RAM_SIZE);
	if (opts.real_mode)
		size = guest_load(opts.guest, guest_switch, sizeof(guest_switch),
				  vm.mem + REAL_MODE_LOAD_ADDRESS,
				  REAL_MODE_RAM_SIZE - REAL_MODE_LOAD_ADDRESS, "0x7c00 to 0xfffff");
	else
		size = guest_load(opts.guest, guest_hello64, sizeof(guest_hello64),
				  vm.mem + LONG_MODE_LOAD_ADDRESS,
				  LONG_MODE_IMAGE_ROOM, "0x100000 to 0x3effff; the 64 KiB "
				  "below 0x400000 are the stack");
	vcpu_create(&vcpu, &vm, 0);
	printf("device fd %d, VM fd %d, 4 MiB of RAM at guest-physical 0, %s (%zu bytes)\n"
	       "at 0x%x, vCPU fd %d (chapters 01-04)\n\n", kvm.fd, vm.fd,
	       opts.guest ? opts.guest : opts.real_mode ? "switch.asm" : "hello64.asm", size,
	       opts.real_mode ? REAL_MODE_LOAD_ADDRESS : LONG_MODE_LOAD_ADDRESS, vcpu.fd);

	vcpu_give_cpuid(&kvm, &vcpu);
	printf("KVM_GET_SUPPORTED_CPUID, then KVM_SET_CPUID2: the vCPU's CPUID now reports\n"
	       "what this host's KVM offers, long mode (leaf 0x80000001, EDX bit 29) included\n\n");

	if (opts.real_mode) {
		vcpu_setup_real_mode(&vcpu, 0, REAL_MODE_LOAD_ADDRESS);
		printf("--real-mode: no page tables, no GDT, no 64-bit registers from the host;\n"
		       "the vCPU starts at 0000:7c00 in real mode (chapter 05) and the guest\n"
		       "climbs to long mode itself\n");
	} else {
		setup_long_mode(&vm, &vcpu, &sregs, brk);
	}

	timeout_start(&vcpu, opts.timeout);
	status = run_guest(&vcpu, &bus, &opts, opts.real_mode ? NULL : &sregs);
	serial_flush();
	if (brk != BREAK_NONE && status == EXIT_HALTED)
		warn("--break %s went unnoticed: this host's KVM backend did not check "
		     "it%s", opts.breaks, brk == BREAK_CS_D ? "; on VT-x and SVM the "
		     "CPU refuses it at VM entry (KVM_EXIT_FAIL_ENTRY)" : "");
	stats_print(stderr);

	vcpu_close(&vcpu);
	vm_close(&vm);
	kvm_close(&kvm);
	return status;
}
