# 80-stats.sh - --stats on chapters 06 and 07: exits counted by reason and
# port, time inside KVM_RUN and in the monitor, printed however a run ends.

# The number on the "stats:" line whose label is $1 ("KVM_EXIT_IO",
# "out port 0x3f8"), or nothing.
stat_count() {
	printf '%s\n' "$ERR" | sed -n -E "s/^stats: +$1 +([0-9]+)\$/\\1/p"
}
# The milliseconds on the time line that starts with $1 ("inside KVM_RUN").
stat_ms() {
	printf '%s\n' "$ERR" | sed -n -E "s/^stats: +$1[^0-9]* ([0-9]+\\.[0-9]+) ms.*/\\1/p"
}
expect_count() {
	[ -n "$TEST_SKIP" ] && return 0
	local got
	got=$(stat_count "$1")
	[ "$got" = "$2" ] || fail "--stats: '$1' should count $2, counts '${got:-nothing}':
$ERR"
}
# expect_ms LABEL OP MS: the time on LABEL's line compares so with MS.
expect_ms() {
	[ -n "$TEST_SKIP" ] && return 0
	local got
	got=$(stat_ms "$1")
	if [ -z "$got" ] || ! awk -v g="$got" -v l="$3" -v op="$2" \
		'BEGIN { exit !(op == ">=" ? g >= l : g <= l) }'; then
		fail "--stats: '$1' should be $2 $3 ms, is '${got:-missing}':
$ERR"
	fi
}

OUTS=$BUILD_DIR/bench/guests/outs-10000.bin

begin "stats: 10,000 OUTs are counted exactly, by reason and by port"
needs_kvm
run 07-io-exits --stats "$OUTS"
expect_status 0
expect_err_has "stats: 10001 exits to the monitor"
expect_count KVM_EXIT_IO 10001
expect_count "out port 0x3f8" 10000
expect_count "out port 0xf4" 1
[ -n "$TEST_SKIP" ] || [ ${#OUT} -eq 10000 ] || fail "the guest's 10000 bytes did not all reach stdout (${#OUT})"
end

begin "stats: inside KVM_RUN plus in the monitor make the total, per exit shown"
needs_kvm
run 07-io-exits --stats "$OUTS"
expect_status 0
if [ -z "$TEST_SKIP" ]; then
	inside=$(stat_ms "inside KVM_RUN") monitor=$(stat_ms "in the monitor") total=$(stat_ms "total")
	awk -v i="$inside" -v m="$monitor" -v t="$total" \
		'BEGIN { d = i + m - t; exit !(t > 0 && d < 0.002 && d > -0.002) }' ||
		fail "--stats: $inside ms + $monitor ms should make $total ms:
$ERR"
	# 10,000 exits to user space cannot take less than a microsecond each.
	expect_ms "inside KVM_RUN" ">=" 10
fi
expect_err_has "us per exit"
end

begin "stats: chapter 07's stdout is the guest's alone; the hello guest's ports add up"
needs_kvm
echo reader >"$TMP_DIR/in"
STDIN=$TMP_DIR/in run 07-io-exits --stats
expect_status 0
expect_out tests/expected/07-io-exits.out
if [ -z "$TEST_SKIP" ]; then
	io=$(stat_count KVM_EXIT_IO)
	ports=$(printf '%s\n' "$ERR" | sed -n -E 's/^stats: +(in|out) port 0x[0-9a-f]+ +([0-9]+)$/\2/p' |
		awk '{ s += $1 } END { print s + 0 }')
	[ -n "$io" ] && [ "$io" -gt 100 ] && [ "$io" = "$ports" ] ||
		fail "--stats: KVM_EXIT_IO ($io) should be the sum of the port lines ($ports):
$ERR"
	expect_count "in port 0x3f8" 7 # "reader" and its newline, one IN each
	expect_count "out port 0xf4" 1
fi
end

begin "stats: chapter 06 counts its one KVM_EXIT_HLT, stdout unchanged"
needs_kvm
run 06-run --stats
expect_status 0
expect_out tests/expected/06-run.out
expect_err_has "stats: 1 exit to the monitor"
expect_count KVM_EXIT_HLT 1
expect_ms "inside KVM_RUN" ">=" 0.001
end

begin "stats: a timed-out guest's time is inside KVM_RUN, the interrupted call counted"
needs_kvm
run 07-io-exits --stats --timeout 0.3 "$TGUESTS/loop.bin"
expect_status 124
expect_err_has "stats: 0 exits to the monitor, and 1 KVM_RUN interrupted by a signal"
expect_ms "inside KVM_RUN" ">=" 250
expect_ms "in the monitor" "<=" 50
end

begin "stats: time waiting for standard input is counted apart"
needs_kvm
if [ -z "$TEST_SKIP" ]; then
	# Two seconds' wait, of which at least 400 ms must show: the
	# program's start, slow on a loaded machine (more than 600 ms under
	# ASan with a load of 6 on 2 cores, seen), comes out of the same time.
	(sleep 2; echo reader) | timeout -k 5 "$TIMEOUT_GUARD" "$BIN/07-io-exits" --stats \
		>"$TMP_DIR/out" 2>"$TMP_DIR/err"
	STATUS=$? OUT=$(cat "$TMP_DIR/out") ERR=$(cat "$TMP_DIR/err")
fi
expect_status 0
expect_out tests/expected/07-io-exits.out
if [ -z "$TEST_SKIP" ]; then
	wait_ms=$(printf '%s\n' "$ERR" | sed -n -E 's/.*waiting for standard input ([0-9.]+) ms$/\1/p')
	awk -v w="$wait_ms" 'BEGIN { exit !(w >= 400) }' ||
		fail "--stats: the two-second wait for input should show, got '${wait_ms:-nothing}':
$ERR"
	expect_ms "total" "<=" 300
fi
end

begin "stats: a run that ends in an error still prints its numbers, once"
needs_kvm
if [ -z "$TEST_SKIP" ]; then
	timeout -k 5 "$TIMEOUT_GUARD" "$BIN/07-io-exits" --stats "$OUTS" </dev/null \
		>/dev/full 2>"$TMP_DIR/err"
	STATUS=$? ERR=$(cat "$TMP_DIR/err")
fi
expect_status 74
expect_err_has "cannot write the guest's output"
if [ -z "$TEST_SKIP" ]; then
	n=$(printf '%s\n' "$ERR" | grep -c 'exits to the monitor')
	[ "$n" -eq 1 ] || fail "--stats: expected the numbers once, got them $n times:
$ERR"
fi
end

begin "stats: without --stats nothing of it is printed"
needs_kvm
run 07-io-exits "$OUTS"
expect_status 0
expect_err_lacks "stats:"
end

begin "stats: chapter 08 counts its exits the same way; stdout as without --stats"
needs_kvm
run 08-long-mode
expect_status 0
plain_out=$OUT
run 08-long-mode --stats
expect_status 0
[ -n "$TEST_SKIP" ] || [ "$OUT" = "$plain_out" ] || fail "08-long-mode: --stats changed standard output"
expect_count "out port 0xf4" 1
if [ -z "$TEST_SKIP" ]; then
	all=$(printf '%s\n' "$ERR" | sed -n -E 's/^stats: ([0-9]+) exits? to the monitor.*/\1/p')
	reasons=$(printf '%s\n' "$ERR" | sed -n -E 's/^stats:   [A-Z(][A-Za-z_ ()]+ +([0-9]+)$/\1/p' |
		awk '{ s += $1 } END { print s + 0 }')
	[ -n "$all" ] && [ "$all" -gt 0 ] && [ "$all" = "$reasons" ] ||
		fail "--stats: the exits ($all) should be the sum of the reason lines ($reasons):
$ERR"
fi
expect_err_has "inside KVM_RUN"
end
