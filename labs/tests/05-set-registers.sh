# labs/tests/05-set-registers.sh - the graded tests of lab 05 (labs/grade.sh).
#
# The stage: point_at_guest().
# Graded extras (the book lists them under "Graded extras"):
#   start-07c0  start at 07c0:0000 instead of 0000:7c00: the same first
#               byte through another segment:offset pair; RSP stays 0x7c00
#   ds-ss       rows for ds.selector, ds.base, ss.selector, ss.base in the
#               before/after table, after cs.base

graded 40 "the first fetch after the change is the guest's first byte, 0x7c00"
run 05-set-registers
expect_status 0
expect_out_match '^  first fetch +0xfffffff0 +0x7c00 +<- cs.base \+ rip$'
expect_out_has "the guest's first byte (0x31)"
end

graded 20 "RFLAGS is 0x2: only the fixed bit, interrupts off"
run 05-set-registers
expect_status 0
expect_out_match '^  rflags +0x2 +0x2$'
end

graded 20 "the stack starts just below the guest: RSP = 0x7c00"
run 05-set-registers
expect_status 0
expect_out_match '^  rsp +0x0 +0x7c00$'
end

graded 20 "CR0 is unchanged: still real mode"
run 05-set-registers
expect_status 0
expect_out_match '^  cr0 +(0x[0-9a-f]+) +\1 +\(unchanged: still real mode\)$'
end

extra start-07c0 10 "starts at 07c0:0000: CS 0x7c0, base 0x7c00, RIP 0"
run 05-set-registers
expect_status 0
expect_out_match '^  cs.selector +0xf000 +0x7c0$'
expect_out_match '^  cs.base +0xffff0000 +0x7c00$'
expect_out_match '^  rip +0xfff0 +0x0$'
expect_out_match '^  first fetch +0xfffffff0 +0x7c00 '
end

extra ds-ss 10 "the table shows DS and SS too"
run 05-set-registers
expect_status 0
expect_out_match '^  ds.selector +0x0 +0x0$'
expect_out_match '^  ds.base +0x0 +0x0$'
expect_out_match '^  ss.selector +0x0 +0x0$'
expect_out_match '^  ss.base +0x0 +0x0$'
end
