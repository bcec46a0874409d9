/* x86.h - every architectural bit kvm-steps touches, by name.
 *
 * Values are from the Intel SDM, Volume 3A (2.5 Control Registers, 2.2.1
 * Extended Feature Enable Register, 3.4.5 Segment Descriptors, 4.5 4-Level
 * Paging) and the AMD64 APM Volume 2. tests/unit checks each one against
 * its bit number, because a wrong constant reads exactly like a right one. */
#ifndef KVM_STEPS_X86_H
#define KVM_STEPS_X86_H

#include <stdint.h>

#define BIT(n) (1ull << (n))

/* RFLAGS */
#define X86_RFLAGS_CF    BIT(0)   /* carry */
#define X86_RFLAGS_FIXED BIT(1)   /* reserved, always reads as 1 */
#define X86_RFLAGS_PF    BIT(2)   /* parity */
#define X86_RFLAGS_AF    BIT(4)   /* auxiliary carry */
#define X86_RFLAGS_ZF    BIT(6)   /* zero */
#define X86_RFLAGS_SF    BIT(7)   /* sign */
#define X86_RFLAGS_TF    BIT(8)   /* trap: single-step */
#define X86_RFLAGS_IF    BIT(9)   /* interrupts enabled */
#define X86_RFLAGS_DF    BIT(10)  /* direction: string ops count down */
#define X86_RFLAGS_OF    BIT(11)  /* overflow */

/* CR0 */
#define X86_CR0_PE BIT(0)   /* protection enable */
#define X86_CR0_MP BIT(1)   /* monitor coprocessor */
#define X86_CR0_EM BIT(2)   /* x87 emulation */
#define X86_CR0_TS BIT(3)   /* task switched */
#define X86_CR0_ET BIT(4)   /* extension type, hard-wired to 1 */
#define X86_CR0_NE BIT(5)   /* native x87 error reporting */
#define X86_CR0_WP BIT(16)  /* supervisor writes honour read-only pages */
#define X86_CR0_AM BIT(18)  /* alignment mask */
#define X86_CR0_NW BIT(29)  /* not write-through */
#define X86_CR0_CD BIT(30)  /* cache disable */
#define X86_CR0_PG BIT(31)  /* paging */

/* CR4 */
#define X86_CR4_VME        BIT(0)   /* virtual-8086 mode extensions */
#define X86_CR4_PVI        BIT(1)   /* protected-mode virtual interrupts */
#define X86_CR4_TSD        BIT(2)   /* RDTSC only at CPL 0 */
#define X86_CR4_DE         BIT(3)   /* debugging extensions */
#define X86_CR4_PSE        BIT(4)   /* 4 MiB pages in 32-bit paging */
#define X86_CR4_PAE        BIT(5)   /* physical address extension */
#define X86_CR4_MCE        BIT(6)   /* machine-check enable */
#define X86_CR4_PGE        BIT(7)   /* global pages */
#define X86_CR4_PCE        BIT(8)   /* RDPMC at any CPL */
#define X86_CR4_OSFXSR     BIT(9)   /* OS supports FXSAVE/FXRSTOR (SSE) */
#define X86_CR4_OSXMMEXCPT BIT(10)  /* OS handles SIMD exceptions */
#define X86_CR4_UMIP       BIT(11)  /* user-mode instruction prevention */
#define X86_CR4_LA57       BIT(12)  /* five-level paging */
#define X86_CR4_VMXE       BIT(13)  /* VMX enable */
#define X86_CR4_FSGSBASE   BIT(16)  /* RDFSBASE and friends */
#define X86_CR4_OSXSAVE    BIT(18)  /* XSAVE and XCR0 */
#define X86_CR4_SMEP       BIT(20)  /* supervisor-mode execution prevention */
#define X86_CR4_SMAP       BIT(21)  /* supervisor-mode access prevention */

/* IA32_EFER (MSR 0xc0000080) */
#define X86_EFER_SCE BIT(0)   /* SYSCALL enable */
#define X86_EFER_LME BIT(8)   /* long mode enable (software sets it) */
#define X86_EFER_LMA BIT(10)  /* long mode active (the CPU sets it) */
#define X86_EFER_NXE BIT(11)  /* no-execute pages */
#define X86_MSR_EFER 0xc0000080u

/* Segment descriptor access byte and flags, as in struct kvm_segment's
 * type, s, dpl, present, db, l and g fields. */
#define X86_SEG_TYPE_ACCESSED  0x1   /* the CPU sets it on first load */
#define X86_SEG_TYPE_RW        0x2   /* data: writable; code: readable */
#define X86_SEG_TYPE_CODE      0x8   /* executable (else data) */
#define X86_SEG_TYPE_DATA_RW   0x3   /* data, read/write, accessed */
#define X86_SEG_TYPE_CODE_RX   0xb   /* code, execute/read, accessed */

/* The same fields where they sit in an 8-byte GDT descriptor (SDM Vol. 3A,
 * 3.4.5, Figure 3-8): limit 15:0 in bits 0-15, base 23:0 in bits 16-39,
 * the access byte in bits 40-47, limit 19:16 in bits 48-51, the flags in
 * bits 52-55, base 31:24 in bits 56-63. */
#define X86_DESC_LIMIT_LOW_MASK  0xffffull       /* limit bits 15:0 */
#define X86_DESC_BASE_LOW_SHIFT  16              /* base bits 23:0 */
#define X86_DESC_TYPE_SHIFT      40              /* 4-bit type */
#define X86_DESC_S               BIT(44)         /* code or data (else system) */
#define X86_DESC_DPL_SHIFT       45              /* 2-bit privilege level */
#define X86_DESC_P               BIT(47)         /* present */
#define X86_DESC_LIMIT_HIGH_SHIFT 48             /* limit bits 19:16 */
#define X86_DESC_AVL             BIT(52)         /* free for software */
#define X86_DESC_L               BIT(53)         /* 64-bit code segment */
#define X86_DESC_DB              BIT(54)         /* default operand size 32 */
#define X86_DESC_G               BIT(55)         /* limit counts 4 KiB units */
#define X86_DESC_BASE_HIGH_SHIFT 56              /* base bits 31:24 */

/* A selector: descriptor index, table indicator (0: GDT), requested
 * privilege level (SDM Vol. 3A, 3.4.2). */
#define X86_SELECTOR(index, rpl) ((uint16_t)((index) << 3 | (rpl)))

/* Paging-structure entry bits (4-level paging, SDM Vol. 3A, 4.5, Tables
 * 4-15 to 4-19) */
#define X86_PTE_P   BIT(0)   /* present */
#define X86_PTE_RW  BIT(1)   /* writable */
#define X86_PTE_US  BIT(2)   /* user accessible */
#define X86_PTE_PWT BIT(3)   /* page-level write-through */
#define X86_PTE_PCD BIT(4)   /* page-level cache disable */
#define X86_PTE_A   BIT(5)   /* accessed: the CPU sets it */
#define X86_PTE_D   BIT(6)   /* dirty (in an entry that maps a page) */
#define X86_PTE_PS  BIT(7)   /* page size: this entry maps a large page */
#define X86_PTE_NX  BIT(63)  /* no execute (needs EFER.NXE) */
/* Bits 51:12 of an entry (and of CR3) are a physical address. */
#define X86_PTE_ADDR_MASK 0x000ffffffffff000ull

/* 4-level paging splits a 48-bit virtual address into four 9-bit table
 * indexes and a 12-bit offset. */
#define X86_PAGE_SHIFT      12
#define X86_PAGE_SIZE       (1ull << X86_PAGE_SHIFT)        /* 4 KiB */
#define X86_PT_ENTRIES      512                             /* 8-byte entries per 4 KiB table */
#define X86_PT_INDEX_BITS   9
#define X86_PML4_SHIFT      39   /* bits 47:39 index the PML4 */
#define X86_PDPT_SHIFT      30   /* bits 38:30 index the PDPT */
#define X86_PD_SHIFT        21   /* bits 29:21 index the page directory */
#define X86_PT_SHIFT        12   /* bits 20:12 index the page table */
#define X86_LARGE_PAGE_SIZE (1ull << X86_PD_SHIFT)          /* 2 MiB: a PD entry with PS */
#define X86_PT_INDEX(va, shift) (((va) >> (shift)) & (X86_PT_ENTRIES - 1))

/* CPUID leaf 0x80000001 (extended features), EDX (SDM Vol. 2A, CPUID) */
#define X86_CPUID_EXT_FEATURES 0x80000001u
#define X86_CPUID_EDX_PAGE1GB  BIT(26)  /* 1 GiB pages (PS in a PDPT entry) */
#define X86_CPUID_EDX_LM       BIT(29)  /* Intel 64 / AMD64: long mode */

/* The reset vector: where a freshly reset x86 CPU fetches first. */
#define X86_RESET_VECTOR 0xfffffff0ull

/* The state of a CPU after RESET or INIT (Intel SDM Vol. 3A, the table
 * "IA-32 and Intel 64 Processor States Following Power-up, Reset, or
 * INIT"; AMD APM Vol. 2, 14.1.3 "Processor Initialization State"): CS
 * selector 0xf000 with base 0xffff0000, IP 0xfff0 (together the reset
 * vector above), EFER zero, CR0 with ET set and PE, PG and the rest
 * clear. CR0.CD and NW are set by RESET but kept as they were by INIT
 * (so does KVM's kvm_vcpu_reset() in arch/x86/kvm/x86.c). */
#define X86_RESET_CS_SELECTOR 0xf000u
#define X86_RESET_CS_BASE     0xffff0000ull
#define X86_RESET_RIP         0xfff0ull
#define X86_INIT_CR0_KEPT     (X86_CR0_NW | X86_CR0_CD)               /* INIT keeps these */

#endif
