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
