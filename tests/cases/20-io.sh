# 20-io.sh - chapter 07's port I/O, one guest per behaviour. What goes
# wrong (unknown ports, endless guests, the exit status) is in
# tests/faults.md, run by 60-faults.sh.

begin "io: OUT and IN of sizes 1, 2 and 4 reach consecutive byte ports"
needs_kvm
printf 'z' >"$TMP_DIR/in"
STDIN=$TMP_DIR/in run 07-io-exits "$TGUESTS/io-sizes.bin"
expect_status 0
expect_out_text "A5B5AB06100
z2"
end

begin "io: string I/O (REP OUTSB/INSB/OUTSW/OUTSD) moves every item"
needs_kvm
printf 'hello' >"$TMP_DIR/in"
STDIN=$TMP_DIR/in run 07-io-exits "$TGUESTS/string-io.bin"
expect_status 7
expect_out_text "string out
helloxyzpq"
end

begin "io: with LCR.DLAB set, writes to 0x3f8 set the divisor and print nothing"
needs_kvm
run 07-io-exits "$TGUESTS/dlab.bin"
expect_status 0
expect_out_text "ok 0000000C"
end

# --trace shows the values a reader wants, not pointers: what the monitor
# answered an IN with, the registers the GET ioctls returned, the bytes of
# an OUT as characters too.
begin "io: --trace shows the answer to an IN, before the KVM_RUN that hands it over"
needs_kvm
printf 'z' >"$TMP_DIR/in"
STDIN=$TMP_DIR/in run 07-io-exits --trace "$TGUESTS/io-sizes.bin"
expect_status 0
# in ax, dx at 0x3f8: the received byte, then the interrupt enable register
expect_err_has 'trace: answer to in from port 0x3f8, size 2, count 1, data 7a 02 "z."'
# The answer comes after its exit and before the next KVM_RUN.
grep -A 1 '^trace: answer to in from port 0x3f8' "$TMP_DIR/err" | tail -n 1 |
	grep -q 'KVM_RUN) = 0' || fail "the answer line is not followed by KVM_RUN:
$(grep -B 1 -A 1 '^trace: answer' "$TMP_DIR/err" | head -n 6)"
end

begin "io: --trace shows OUT bytes in hex and as characters"
needs_kvm
echo reader >"$TMP_DIR/in"
STDIN=$TMP_DIR/in run 07-io-exits --trace
expect_status 0
expect_err_has 'trace: exit KVM_EXIT_IO: out to port 0x3f8, size 1, count 1, data 48 "H"'
expect_err_has 'trace: exit KVM_EXIT_IO: out to port 0x3f8, size 1, count 1, data 0a "\n"'
# the line status the guest polls before each byte: empty, data ready
expect_err_has 'trace: answer to in from port 0x3fd, size 1, count 1, data 61 "a"'
end

begin "io: --trace shows the registers KVM_GET_REGS and KVM_GET_SREGS returned"
needs_kvm
run 06-run --trace
expect_status 0
expect_err_has 'KVM_GET_REGS, {rax 0x13ba, '
expect_err_has 'KVM_GET_SREGS, {cs={sel 0xf000 base 0xffff0000} cr0=0x'
expect_err_lacks 'KVM_GET_REGS, 0x'
expect_err_lacks 'KVM_GET_SREGS, 0x'
end

# How many items one exit carries is the backend's choice (this one may
# split a REP INSB into single bytes); the bytes are not.
begin "io: --trace shows the bytes string I/O reads, as characters"
needs_kvm
printf 'hello' >"$TMP_DIR/in"
STDIN=$TMP_DIR/in run 07-io-exits --trace "$TGUESTS/string-io.bin"
expect_status 7
expect_err_match 'answer to in from port 0x3f8, size 1, count [0-9]+, data 68 ([0-9a-f ]+ )?"h'
end
