# labs/tests/08-long-mode.sh - the graded tests of lab 08 (labs/grade.sh).
#
# The stage: build_page_tables() and long_mode_sregs().
# Graded extras (the book lists them under "Graded extras"):
#   4k-pages  map all of guest RAM (4 MiB) with 4 KiB pages: PD entries 0
#             and 1 point at two page tables at 0x5000 and 0x6000; the
#             header says "(4-level, 4 KiB pages)" and the walk shows the
#             PT: "PML4[0] -> PDPT[0] -> PD[0] -> PT[256] -> physical 0x100000"
#   ro-alias  the higher-half alias read-only: its PML4 entry without RW
#             (0x0000000000003001); the guest only reads through it

graded 30 "the 64-bit guest runs from its first instruction and exits 0"
run 08-long-mode
expect_status 0
expect_out_has "Hello from the guest, running in 64-bit long mode!"
expect_err_has "the guest wrote 0 to the exit port 0xf4: exit status 0"
end

graded 20 "the guest reads back CR0, CR3, CR4 and EFER as the host set them"
run 08-long-mode
expect_status 0
expect_out_has "cr0 0000000080000031  cr3 0000000000002000  cr4 0000000000000020  efer 0000000000000500"
end

graded 20 "paging is on: 0x200000 and its higher-half alias are one place"
run 08-long-mode
expect_status 0
expect_out_has "0x200000 and 0xffff800000200000 both read 0123456789ABCDEF: paging is on"
end

graded 15 "KVM_SET_SREGS gets 64-bit code in CS, the tables in CR3, LME and LMA in EFER"
run 08-long-mode --trace
expect_status 0
expect_err_has "cs={sel 0x0008 base 0x0} cr0=0x80000031 cr3=0x2000 cr4=0x20 efer=0x500"
end

graded 15 "the tables take the guest's first address to physical 0x100000, the alias 0x200000"
run 08-long-mode
expect_status 0
expect_out_match '^  virtual 0x0000000000100000: PML4\[0\] -> PDPT\[0\] -> PD\[0\] -> (PT\[[0-9]+\] -> )?physical 0x100000$'
expect_out_match '^  virtual 0xffff800000200000: PML4\[256\] -> PDPT\[0\] -> PD\[1\] -> (PT\[[0-9]+\] -> )?physical 0x200000$'
end

extra 4k-pages 10 "4 KiB pages: the walk goes through a PT, and the guest still runs"
run 08-long-mode
expect_status 0
expect_out_has "page tables (4-level, 4 KiB pages), built in guest memory:"
expect_out_has "  virtual 0x0000000000100000: PML4[0] -> PDPT[0] -> PD[0] -> PT[256] -> physical 0x100000"
expect_out_has "  virtual 0xffff800000200000: PML4[256] -> PDPT[0] -> PD[1] -> PT[0] -> physical 0x200000"
expect_out_match '^  PD\[0\] +0x0000000000005003 '
expect_out_has "paging is on"
end

extra ro-alias 10 "the higher-half alias is read-only, and the guest still reads through it"
run 08-long-mode
expect_status 0
expect_out_match '^  PML4\[256\] +0x0000000000003001 '
expect_out_has "paging is on"
end
