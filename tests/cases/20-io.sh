# 20-io.sh - chapter 07's port I/O, one guest per behaviour.

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

begin "io: the byte written to port 0xf4 is the exit status"
needs_kvm
STDIN=/dev/null run 07-io-exits "$TGUESTS/string-io.bin"
expect_status 7
expect_err_has "the guest wrote 7 to the exit port 0xf4: exit status 7"
end

begin "io: unknown ports are reported in one line each, read all ones, guest goes on"
needs_kvm
run 07-io-exits "$TGUESTS/unknown-port.bin"
expect_status 3
expect_out_text "000000FF 0000FFFF
FFFFFFFF"
expect_err_has "unknown port 0x80: out of size 1, count 1, at guest rip 0x"
expect_err_has "unknown port 0x61: in of size 1, count 1, at guest rip 0x"
expect_err_has "unknown port 0x2f8: in of size 2, count 1"
expect_err_has "unknown port 0x2f8: in of size 4, count 1"
end

begin "io: with LCR.DLAB set, writes to 0x3f8 set the divisor and print nothing"
needs_kvm
run 07-io-exits "$TGUESTS/dlab.bin"
expect_status 0
expect_out_text "ok 0000000C"
end

begin "io: a guest that never stops is stopped by --timeout with status 124"
needs_kvm
run 07-io-exits --timeout 0.3 "$TGUESTS/loop.bin"
expect_status 124
expect_err_has "still running after 0.3 seconds and was stopped"
expect_err_has "rip 0x0000000000007c00"
end

begin "io: chapter 06 stops an endless guest too"
needs_kvm
run 06-run --timeout 0.2 "$TGUESTS/loop.bin"
expect_status 124
expect_err_has "still running after 0.2 seconds"
end

begin "io: chapter 06 reports port I/O it does not handle, status 70"
needs_kvm
run 06-run "$TGUESTS/io-sizes.bin"
expect_status 70
expect_err_has "KVM_EXIT_IO"
expect_err_has "out to port 0x3f8, size 2, count 1"
end
