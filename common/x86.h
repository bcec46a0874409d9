/* x86.h - every architectural bit kvm-steps touches, by name.
 *
 * Values are from the Intel SDM, Volume 3A (2.5 Control Registers, 2.2.1
 * Extended Feature Enable Register, 3.4.5 Segment Descriptors, 4.5 4-Level
 * Paging) and the AMD64 APM Volume 2. tests/unit checks each one against
 * its bit number, because a wrong constant reads exactly like a right one. */
#ifndef KVM_STEPS_X86_H
#define KVM_STEPS_X86_H

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
#define X86_SEG_TYPE_DATA_RW   0x3   /* data, read/write, accessed */
#define X86_SEG_TYPE_CODE_RX   0xb   /* code, execute/read, accessed */

/* Paging-structure entry bits (4-level paging) */
#define X86_PTE_P  BIT(0)   /* present */
#define X86_PTE_RW BIT(1)   /* writable */
#define X86_PTE_US BIT(2)   /* user accessible */
#define X86_PTE_PS BIT(7)   /* page size: this entry maps a large page */
#define X86_PTE_NX BIT(63)  /* no execute (needs EFER.NXE) */

/* The reset vector: where a freshly reset x86 CPU fetches first. */
#define X86_RESET_VECTOR 0xfffffff0ull

#endif
