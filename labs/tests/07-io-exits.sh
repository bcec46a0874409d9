# labs/tests/07-io-exits.sh - the graded tests of lab 07 (labs/grade.sh).
#
# The stage: handle_io().
# Graded extras (the book lists them under "Graded extras"):
#   com2      a second serial port, COM2 at 0x2f8-0x2ff: a second struct
#             serial, its output on standard output like COM1's
#   debugcon  port 0xe9, the debug console of QEMU and Bochs: an OUT writes
#             the byte to standard error, an IN reads 0xe9

graded 30 "greets, reads a line and answers it: the guest's output exactly"
echo reader >"$TMP_DIR/in"
STDIN=$TMP_DIR/in run 07-io-exits
expect_status 0
expect_out "$EXPECTED/07-io-exits.out"
end

graded 15 "the byte the guest writes to port 0xf4 is the exit status"
run 07-io-exits "$TGUESTS/string-io.bin"
expect_status 7
expect_err_has "the guest wrote 7 to the exit port 0xf4: exit status 7"
end

graded 15 "OUT and IN of sizes 1, 2 and 4 reach consecutive byte ports"
printf 'z' >"$TMP_DIR/in"
STDIN=$TMP_DIR/in run 07-io-exits "$TGUESTS/io-sizes.bin"
expect_status 0
expect_out_text "A5B5AB06100
z2"
end

graded 15 "string I/O (REP OUTSB/INSB/OUTSW/OUTSD) moves every item"
printf 'hello' >"$TMP_DIR/in"
STDIN=$TMP_DIR/in run 07-io-exits "$TGUESTS/string-io.bin"
expect_status 7
expect_out_text "string out
helloxyzpq"
end

graded 15 "unknown ports: one line each, reads give all ones, the guest goes on"
run 07-io-exits "$TGUESTS/unknown-port.bin"
expect_status 3
expect_err_has "unknown port 0x80: out of size 1, count 1, at guest rip 0x"
expect_err_has "unknown port 0x61: in of size 1, count 1, at guest rip 0x"
end

# The kernel always describes data inside struct kvm_run, so only a
# stand-in can show that the program checks rather than trusts it:
# tests/shims/bad-exit-io.c, preloaded, changes the first KVM_EXIT_IO to
# a size of 3, a count far past the mapping, or an offset just past it.
graded 10 "a KVM_EXIT_IO whose data lies outside struct kvm_run (size 3, huge count, offset past the end) is refused: status 71"
echo reader >"$TMP_DIR/in"
for bad in size count offset; do
	BAD_EXIT_IO=$bad LD_PRELOAD=$BAD_EXIT_IO_SO ASAN_OPTIONS=$ASAN_OPTIONS:verify_asan_link_order=0 \
		STDIN=$TMP_DIR/in run 07-io-exits
	[ "$STATUS" -eq 71 ] || fail "BAD_EXIT_IO=$bad LD_PRELOAD=build/tests/bad-exit-io.so: expected status 71 (EXIT_KVM_ERROR), got $STATUS; check run->io.size, count and data_offset against vcpu->run_size before touching the data"
done
end

extra com2 10 "COM2 at 0x2f8: the guest finds it and prints through it"
run 07-io-exits "$TGUESTS/lab-com2.bin"
expect_status 0
expect_out_text "COM2 ok"
expect_err_lacks "unknown port 0x2f"
end

extra debugcon 10 "port 0xe9: reads 0xe9, what the guest writes goes to standard error"
run 07-io-exits "$TGUESTS/lab-debugcon.bin"
expect_status 0
expect_out_text "ok"
expect_err_has "to the debug console"
expect_err_lacks "unknown port 0xe9"
end
