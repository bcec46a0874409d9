# labs/tests/06-run.sh - the graded tests of lab 06 (labs/grade.sh).
#
# The stage: run_once().
# Graded extras (the book lists them under "Graded extras"):
#   exit-counts   count exits by reason; print "exits by reason: NAME N, ..."
#                 on standard output when the run ends, whatever ended it
#                 (reasons in the order first seen)
#   halt-address  after KVM_EXIT_HLT print "  it halted with cs:ip =
#                 SSSS:OOOO, just past its hlt at guest-physical 0xADDR"

graded 40 "runs the built-in guest to its HLT: rax = 5050, status 0"
run 06-run
expect_status 0
expect_out_has "returned 0 with exit_reason 5: KVM_EXIT_HLT"
expect_out_has "rax = 5050 (0x13ba)"
end

graded 20 "KVM_RUN goes through kvm_ioctl(): --trace shows it and the exit"
run 06-run --trace
expect_status 0
expect_err_has "KVM_RUN) = 0"
expect_err_has "exit KVM_EXIT_HLT"
end

graded 20 "a guest that never stops is stopped by --timeout, status 124"
run 06-run --timeout 0.2 "$TGUESTS/loop.bin"
expect_status 124
expect_err_has "still running after 0.2 seconds and was stopped"
end

graded 20 "port I/O, which chapter 06 does not handle, ends with one clear report, status 70"
run 06-run "$TGUESTS/io-sizes.bin"
expect_status 70
expect_err_has "KVM_EXIT_IO"
end

extra exit-counts 5 "the built-in guest: exits by reason: KVM_EXIT_HLT 1"
run 06-run
expect_status 0
expect_out_match '^exits by reason: KVM_EXIT_HLT 1$'
end

extra exit-counts 5 "a guest doing port I/O: exits by reason: KVM_EXIT_IO 1"
run 06-run "$TGUESTS/io-sizes.bin"
expect_status 70
expect_out_match '^exits by reason: KVM_EXIT_IO 1$'
end

extra halt-address 10 "says where the guest halted: just past its HLT"
run 06-run
expect_status 0
# Where the built-in guest's HLT (byte f4) is, from the guest itself.
hlt_at=$(od -An -v -tx1 "$GUESTS/real/compute.bin" | tr -s ' \n' '\n\n' | grep -v '^$' |
	grep -n -m 1 '^f4$' | cut -d: -f1)
hlt_at=$((0x7c00 + ${hlt_at:-1} - 1))
expect_out_has "$(printf '  it halted with cs:ip = 0000:%04x, just past its hlt at guest-physical 0x%x' \
	$((hlt_at + 1)) "$hlt_at")"
end
