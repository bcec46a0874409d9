/* test_long.c - KVM-free unit tests of chapter 08: the long-mode bits
 * against the manuals, the page tables it builds (walked here the way the
 * CPU walks them, with this file's own code and the manuals' numbers), the
 * GDT descriptors it writes (decoded here), and the register state it
 * hands KVM. The code under test is the chapter's own: its main.c is
 * included, with its main() renamed, not a copy of it. */
#include "check.h"

int chapter08_main(int argc, char **argv);
#define main chapter08_main
#include "../../chapters/08-long-mode/main.c"
#undef main

/* ---- the bits, against Intel SDM Vol. 3A and Vol. 2A ----------------- */

static void test_bits(void)
{
	/* 2.5 Control Registers, Figure 2-7 */
	CHECK_EQ("x86: CR0.PE is bit 0", 1ull << 0, X86_CR0_PE);
	CHECK_EQ("x86: CR0.MP is bit 1", 1ull << 1, X86_CR0_MP);
	CHECK_EQ("x86: CR0.NE is bit 5", 1ull << 5, X86_CR0_NE);
	CHECK_EQ("x86: CR0.WP is bit 16", 1ull << 16, X86_CR0_WP);
	CHECK_EQ("x86: CR0.PG is bit 31", 1ull << 31, X86_CR0_PG);
	CHECK_EQ("x86: CR4.PSE is bit 4", 1ull << 4, X86_CR4_PSE);
	CHECK_EQ("x86: CR4.PAE is bit 5", 1ull << 5, X86_CR4_PAE);
	CHECK_EQ("x86: CR4.PGE is bit 7", 1ull << 7, X86_CR4_PGE);
	CHECK_EQ("x86: CR4.OSFXSR is bit 9 (not 8)", 1ull << 9, X86_CR4_OSFXSR);
	CHECK_EQ("x86: CR4.OSXMMEXCPT is bit 10", 1ull << 10, X86_CR4_OSXMMEXCPT);
	CHECK_EQ("x86: CR4.LA57 is bit 12", 1ull << 12, X86_CR4_LA57);
	CHECK_EQ("x86: CR4.OSXSAVE is bit 18", 1ull << 18, X86_CR4_OSXSAVE);
	/* 2.2.1 Extended Feature Enable Register, Figure 2-4 */
	CHECK_EQ("x86: EFER.SCE is bit 0", 1ull << 0, X86_EFER_SCE);
	CHECK_EQ("x86: EFER.LME is bit 8", 1ull << 8, X86_EFER_LME);
	CHECK_EQ("x86: EFER.LMA is bit 10", 1ull << 10, X86_EFER_LMA);
	CHECK_EQ("x86: EFER.NXE is bit 11", 1ull << 11, X86_EFER_NXE);
	/* 4.5 4-Level Paging, Tables 4-15 to 4-20 */
	CHECK_EQ("paging: P is bit 0", 1ull << 0, X86_PTE_P);
	CHECK_EQ("paging: R/W is bit 1", 1ull << 1, X86_PTE_RW);
	CHECK_EQ("paging: U/S is bit 2", 1ull << 2, X86_PTE_US);
	CHECK_EQ("paging: PWT is bit 3", 1ull << 3, X86_PTE_PWT);
	CHECK_EQ("paging: PCD is bit 4", 1ull << 4, X86_PTE_PCD);
	CHECK_EQ("paging: A is bit 5", 1ull << 5, X86_PTE_A);
	CHECK_EQ("paging: D is bit 6", 1ull << 6, X86_PTE_D);
	CHECK_EQ("paging: PS is bit 7", 1ull << 7, X86_PTE_PS);
	CHECK_EQ("paging: XD is bit 63", 1ull << 63, X86_PTE_NX);
	CHECK_EQ("paging: an entry's address is bits 51:12", 0x000ffffffffff000ull,
		 X86_PTE_ADDR_MASK);
	CHECK_EQ("paging: the PML4 index is bits 47:39", 39, X86_PML4_SHIFT);
	CHECK_EQ("paging: the PDPT index is bits 38:30", 30, X86_PDPT_SHIFT);
	CHECK_EQ("paging: the PD index is bits 29:21", 21, X86_PD_SHIFT);
	CHECK_EQ("paging: the PT index is bits 20:12", 12, X86_PT_SHIFT);
	CHECK_EQ("paging: a PD entry with PS maps 2 MiB", 2ull << 20, X86_LARGE_PAGE_SIZE);
	CHECK_EQ("paging: 512 entries fill a 4 KiB table", 4096,
		 X86_PT_ENTRIES * sizeof(uint64_t));
	/* 3.4.5 Segment Descriptors, Figure 3-8 */
	CHECK_EQ("gdt: the type field starts at bit 40", 40, X86_DESC_TYPE_SHIFT);
	CHECK_EQ("gdt: S is bit 44", 1ull << 44, X86_DESC_S);
	CHECK_EQ("gdt: DPL is bits 46:45", 45, X86_DESC_DPL_SHIFT);
	CHECK_EQ("gdt: P is bit 47", 1ull << 47, X86_DESC_P);
	CHECK_EQ("gdt: AVL is bit 52", 1ull << 52, X86_DESC_AVL);
	CHECK_EQ("gdt: L is bit 53", 1ull << 53, X86_DESC_L);
	CHECK_EQ("gdt: D/B is bit 54", 1ull << 54, X86_DESC_DB);
	CHECK_EQ("gdt: G is bit 55", 1ull << 55, X86_DESC_G);
	CHECK_EQ("gdt: selector of entry 1 at RPL 0 is 0x08", 0x08, CODE64_SELECTOR);
	CHECK_EQ("gdt: selector of entry 2 at RPL 0 is 0x10", 0x10, DATA_SELECTOR);
	CHECK_EQ("gdt: code type execute/read/accessed is 0xb", 0xb,
		 X86_SEG_TYPE_CODE | X86_SEG_TYPE_RW | X86_SEG_TYPE_ACCESSED);
	/* Vol. 2A, CPUID leaf 80000001H, EDX */
	CHECK_EQ("cpuid: 0x80000001 EDX bit 29 is long mode", 1ull << 29, X86_CPUID_EDX_LM);
	CHECK_EQ("cpuid: 0x80000001 EDX bit 26 is 1 GiB pages", 1ull << 26,
		 X86_CPUID_EDX_PAGE1GB);
}

/* ---- the page tables, walked as the CPU walks them -------------------- */

enum { WALK_OK, WALK_NOT_CANONICAL, WALK_NOT_PRESENT, WALK_OUTSIDE_RAM };

/* Translate va through the 4-level tables at cr3 in ram: SDM 4.5.4, with
 * the numbers written out here rather than taken from x86.h. */
static int walk(const uint8_t *ram, uint64_t ram_size, uint64_t cr3, uint64_t va,
		uint64_t *pa, int *levels)
{
	static const unsigned shift[4] = { 39, 30, 21, 12 };
	uint64_t table = cr3 & 0x000ffffffffff000ull, entry = 0;
	uint64_t top = va >> 47;

	/* Bits 63:47 must all equal bit 47. */
	if (top != 0 && top != 0x1ffff)
		return WALK_NOT_CANONICAL;
	for (int level = 0; level < 4; level++) {
		uint64_t at = table + ((va >> shift[level]) & 511) * 8;

		if (at + 8 > ram_size)
			return WALK_OUTSIDE_RAM;
		memcpy(&entry, ram + at, 8);
		*levels = level + 1;
		if (!(entry & 1))
			return WALK_NOT_PRESENT;
		/* PS in a PDPT entry (1 GiB) or a PD entry (2 MiB) ends the walk */
		if ((level == 1 || level == 2) && (entry & 0x80)) {
			uint64_t size = 1ull << shift[level];

			*pa = (entry & 0x000ffffffffff000ull & ~(size - 1)) | (va & (size - 1));
			return WALK_OK;
		}
		table = entry & 0x000ffffffffff000ull;
	}
	*pa = table | (va & 0xfff);
	return WALK_OK;
}

static void test_page_tables(void)
{
	uint8_t *ram = calloc(1, LONG_MODE_RAM_SIZE);
	struct kvm_vm vm = { .fd = -1, .mem = ram, .mem_gpa = 0, .mem_size = LONG_MODE_RAM_SIZE };
	uint64_t cr3, pa = 0, entry, user = 0, reserved = 0;
	int levels = 0;

	memset(ram, 0xee, LONG_MODE_RAM_SIZE); /* the tables must not rely on zeroed RAM */
	cr3 = build_page_tables(&vm);
	CHECK_EQ("paging: CR3 is the PML4's address, low 12 bits clear", LONG_MODE_PML4_ADDRESS, cr3);

	CHECK_EQ("paging: the entry point 0x100000 is mapped",
		 WALK_OK, walk(ram, vm.mem_size, cr3, LONG_MODE_LOAD_ADDRESS, &pa, &levels));
	CHECK_EQ("paging: ...to physical 0x100000 (identity)", 0x100000, pa);
	CHECK_EQ("paging: ...by a 2 MiB page: PML4, PDPT, PD, no page table", 3, levels);
	CHECK_EQ("paging: the last stack byte 0x3fffff is mapped",
		 WALK_OK, walk(ram, vm.mem_size, cr3, LONG_MODE_STACK_TOP - 1, &pa, &levels));
	CHECK_EQ("paging: ...to itself", LONG_MODE_STACK_TOP - 1, pa);
	CHECK_EQ("paging: virtual 0 is mapped to physical 0",
		 WALK_OK, walk(ram, vm.mem_size, cr3, 0, &pa, &levels));
	CHECK_EQ("paging: the last byte of the first GiB is mapped",
		 WALK_OK, walk(ram, vm.mem_size, cr3, 0x3fffffff, &pa, &levels));
	CHECK_EQ("paging: ...to itself", 0x3fffffff, pa);
	CHECK_EQ("paging: the second GiB is not mapped (PDPT[1] not present)",
		 WALK_NOT_PRESENT, walk(ram, vm.mem_size, cr3, 0x40000000, &pa, &levels));
	CHECK_EQ("paging: 512 GiB up is not mapped (PML4[1] not present)",
		 WALK_NOT_PRESENT, walk(ram, vm.mem_size, cr3, 1ull << 39, &pa, &levels));
	CHECK_EQ("paging: the higher-half alias of 0x200000 is mapped",
		 WALK_OK, walk(ram, vm.mem_size, cr3, LONG_MODE_HIGH_ALIAS + 0x200000, &pa, &levels));
	CHECK_EQ("paging: ...to physical 0x200000, like virtual 0x200000", 0x200000, pa);
	CHECK_EQ("paging: the alias of the entry point reaches the same byte",
		 WALK_OK, walk(ram, vm.mem_size, cr3, LONG_MODE_HIGH_ALIAS + 0x100000, &pa, &levels));
	CHECK_EQ("paging: ...physical 0x100000", 0x100000, pa);
	CHECK_EQ("paging: a non-canonical address is not translated", WALK_NOT_CANONICAL,
		 walk(ram, vm.mem_size, cr3, 0x0000800000000000ull, &pa, &levels));

	/* Every entry: supervisor only, no bits above the 4 MiB of RAM's
	 * reach that the architecture reserves (51:40 here), no XD. */
	for (uint64_t gpa = LONG_MODE_PML4_ADDRESS; gpa < LONG_MODE_PD_ADDRESS + 4096; gpa += 8) {
		memcpy(&entry, ram + gpa, 8);
		if (entry & 1) {
			user |= entry & X86_PTE_US;
			reserved |= entry & 0xfff0000000000000ull;
		}
	}
	CHECK_EQ("paging: no entry lets user mode in", 0, user);
	CHECK_EQ("paging: no entry sets bits 63:52", 0, reserved);
	memcpy(&entry, ram + LONG_MODE_PD_ADDRESS + 511 * 8, 8);
	CHECK_EQ("paging: PD[511] maps 0x3fe00000, present, writable, 2 MiB",
		 0x3fe00000ull | 0x83, entry);
	free(ram);
}

/* ---- the GDT, decoded ------------------------------------------------- */

struct decoded {
	uint64_t base, limit;
	unsigned type, s, dpl, p, avl, l, db, g;
};

/* SDM 3.4.5, Figure 3-8, with the positions written out. */
static struct decoded decode(uint64_t d)
{
	struct decoded x;

	x.limit = (d & 0xffff) | ((d >> 48) & 0xf) << 16;
	x.base = ((d >> 16) & 0xffffff) | ((d >> 56) & 0xff) << 24;
	x.type = (d >> 40) & 0xf;
	x.s = (d >> 44) & 1;
	x.dpl = (d >> 45) & 3;
	x.p = (d >> 47) & 1;
	x.avl = (d >> 52) & 1;
	x.l = (d >> 53) & 1;
	x.db = (d >> 54) & 1;
	x.g = (d >> 55) & 1;
	if (x.g)
		x.limit = x.limit << 12 | 0xfff; /* 4 KiB units, last byte included */
	return x;
}

static void check_segment(const char *what, const struct kvm_segment *s, uint64_t d)
{
	struct decoded x = decode(d);
	char name[128];

#define SAME(field, value)                                                       \
	snprintf(name, sizeof(name), "gdt: %s descriptor decodes to the same " #field, what); \
	CHECK_EQ(name, value, x.field)
	SAME(base, s->base);
	SAME(limit, s->limit);
	SAME(type, s->type);
	SAME(s, s->s);
	SAME(dpl, s->dpl);
	SAME(p, s->present);
	SAME(l, s->l);
	SAME(db, s->db);
	SAME(g, s->g);
#undef SAME
}

static void test_gdt(void)
{
	uint8_t *ram = calloc(1, LONG_MODE_RAM_SIZE);
	struct kvm_vm vm = { .fd = -1, .mem = ram, .mem_gpa = 0, .mem_size = LONG_MODE_RAM_SIZE };
	struct kvm_segment code = code64_segment(), data = data_segment();
	struct kvm_segment odd = { .base = 0x12345678, .limit = 0xabcde, .type = 0x2,
				   .s = 1, .dpl = 3, .present = 1, .avl = 1 };
	uint64_t gdt[GDT_ENTRIES], in_ram[GDT_ENTRIES];

	build_gdt(&vm, gdt);
	memcpy(in_ram, ram + LONG_MODE_GDT_ADDRESS, sizeof(in_ram));
	CHECK_EQ("gdt: entry 0 is null", 0, in_ram[0]);
	CHECK_EQ("gdt: the 64-bit code descriptor is 0x00af9b000000ffff",
		 0x00af9b000000ffffull, in_ram[GDT_CODE64]);
	CHECK_EQ("gdt: the data descriptor is 0x00cf93000000ffff",
		 0x00cf93000000ffffull, in_ram[GDT_DATA]);
	CHECK_EQ("gdt: what the program shows is what is in guest RAM", 0,
		 memcmp(gdt, in_ram, sizeof(gdt)));
	check_segment("code", &code, in_ram[GDT_CODE64]);
	check_segment("data", &data, in_ram[GDT_DATA]);
	check_segment("byte-granular", &odd, descriptor_of(&odd));
	CHECK_EQ("gdt: a base is split 23:0 and 31:24", 0x12345678, decode(descriptor_of(&odd)).base);
	CHECK_EQ("gdt: AVL is carried", 1, decode(descriptor_of(&odd)).avl);
	free(ram);
}

/* ---- the registers ---------------------------------------------------- */

static void test_sregs(void)
{
	struct kvm_sregs good, bad;
	const char *why;

	memset(&good, 0, sizeof(good));
	long_mode_sregs(&good, LONG_MODE_PML4_ADDRESS);
	CHECK_EQ("sregs: CR0 is PE | ET | NE | PG = 0x80000031", 0x80000031, good.cr0);
	CHECK_EQ("sregs: CR3 points at the PML4", LONG_MODE_PML4_ADDRESS, good.cr3);
	CHECK_EQ("sregs: CR4 is PAE = 0x20", 0x20, good.cr4);
	CHECK_EQ("sregs: EFER is LME | LMA = 0x500", 0x500, good.efer);
	CHECK_EQ("sregs: CS is selector 0x08", 0x08, good.cs.selector);
	CHECK_EQ("sregs: CS.L = 1", 1, good.cs.l);
	CHECK_EQ("sregs: CS.D = 0", 0, good.cs.db);
	CHECK_EQ("sregs: SS is selector 0x10", 0x10, good.ss.selector);
	CHECK_EQ("sregs: SS is present", 1, good.ss.present);
	CHECK_EQ("sregs: the GDT limit covers 3 descriptors", 23, good.gdt.limit);
	CHECK_EQ("sregs: no IDT", 0, good.idt.limit);
	CHECK_EQ("sregs: KVM's rules find nothing wrong", 0, sregs_rule_broken(&good) != NULL);
	CHECK_EQ("sregs: the VM-entry rules find nothing wrong", 0, entry_rule_broken(&good) != NULL);

	bad = good;
	apply_breakage(BREAK_NO_PAE, NULL, &bad);
	why = sregs_rule_broken(&bad);
	CHECK_EQ("sregs: --break no-pae is named as CR4.PAE", 1, why && strstr(why, "CR4.PAE is clear"));
	bad = good;
	apply_breakage(BREAK_NO_LMA, NULL, &bad);
	why = sregs_rule_broken(&bad);
	CHECK_EQ("sregs: --break no-lma is named as EFER.LMA", 1, why && strstr(why, "EFER.LMA is clear"));
	bad = good;
	apply_breakage(BREAK_NO_PE, NULL, &bad);
	why = sregs_rule_broken(&bad);
	CHECK_EQ("sregs: --break no-pe is named as CR0.PE", 1, why && strstr(why, "without CR0.PE"));
	bad = good;
	apply_breakage(BREAK_CS_D, NULL, &bad);
	CHECK_EQ("sregs: CS.D beside CS.L passes KVM_SET_SREGS's rules", 0,
		 sregs_rule_broken(&bad) != NULL);
	why = entry_rule_broken(&bad);
	CHECK_EQ("sregs: ...and is named by the VM-entry rules", 1, why && strstr(why, "L=1 and D=1"));
	bad = good;
	bad.efer = 0;
	bad.cr0 = X86_CR0_PE;
	why = sregs_rule_broken(&bad);
	CHECK_EQ("sregs: CS.L outside long mode is named", 1, why && strstr(why, "CS.L"));
	bad = good;
	bad.ds.type = X86_SEG_TYPE_RW;
	why = entry_rule_broken(&bad);
	CHECK_EQ("sregs: a data segment without the accessed bit is named", 1,
		 why && strstr(why, "accessed bit"));
}

int main(int argc, char **argv)
{
	(void)argc;
	prog_init(argv[0]);
	test_bits();
	test_page_tables();
	test_gdt();
	test_sregs();
	return check_failures ? 1 : 0;
}
