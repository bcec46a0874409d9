# 80-bench.sh - what make bench relies on, checked (not timed): the floor
# program runs the same guests to the same result as chapter 07, and the
# timer refuses a command that fails.

begin "bench: the floor (bench/raw.c) runs the greeting guest as chapter 07 does"
needs_kvm
echo reader >"$TMP_DIR/in"
STDIN=$TMP_DIR/in run ../bench/raw
expect_status 0
expect_out tests/expected/07-io-exits.out
expect_err_lines 0
end

begin "bench: the floor greets a stranger at end of input, like chapter 07"
needs_kvm
run ../bench/raw "$BUILD_DIR/guests/real/hello.bin"
expect_status 0
expect_out_has "Nice to meet you, stranger. Goodbye!"
end

begin "bench: the per-exit guest sends exactly its count under the floor and chapter 07"
needs_kvm
for count in 0 10000; do
	run ../bench/raw "$BUILD_DIR/bench/guests/outs-$count.bin"
	expect_status 0
	[ -n "$TEST_SKIP" ] || [ ${#OUT} -eq "$count" ] ||
		fail "raw: outs-$count.bin printed ${#OUT} bytes"
	run 07-io-exits "$BUILD_DIR/bench/guests/outs-$count.bin"
	expect_status 0
	[ -n "$TEST_SKIP" ] || [ ${#OUT} -eq "$count" ] ||
		fail "07-io-exits: outs-$count.bin printed ${#OUT} bytes"
done
end

begin "bench: the floor ends with status 70 on an exit it does not handle"
needs_kvm
run ../bench/raw "$TGUESTS/io-sizes.bin"
expect_status 70
end

begin "bench: timeit prints median, min, max, runs and CPU time for each command"
run ../bench/timeit 3 /dev/null 0 true -- 3 sh -c "exit 3"
expect_status 0
if [ -z "$TEST_SKIP" ]; then
	lines=$(printf '%s\n' "$OUT" | grep -cE '^[0-9]+\.[0-9] [0-9]+\.[0-9] [0-9]+\.[0-9] 3 [0-9]+\.[0-9]$')
	[ "$lines" -eq 2 ] || fail "timeit: expected two lines 'MEDIAN MIN MAX 3 CPU', got:
$OUT"
fi
end

begin "bench: timeit stops when a command exits with another status"
run ../bench/timeit 3 /dev/null 0 false
expect_status 1
expect_err_has "false exited with status 1"
end

begin "bench: make bench's script runs through (one run each), says what it skipped"
needs_kvm
if [ -z "$TEST_SKIP" ]; then
	# The emulated machine boots Linux in part 8 (52 s in CI's) and
	# migrates four times in part 10: it gets longer.
	bench_limit=120
	[ -n "${KVM_STEPS_VM:-}" ] && bench_limit=300
	BENCH_RUNS=1 BENCH_QEMU=no-such-qemu timeout -k 5 "$bench_limit" \
		bench/bench.sh "$BUILD_DIR" \
		>"$TMP_DIR/out" 2>"$TMP_DIR/err"
	STATUS=$? OUT=$(cat "$TMP_DIR/out") ERR=$(cat "$TMP_DIR/err")
fi
expect_status 0
expect_out_has "KVM backend: "
expect_out_has "ratio 07-io-exits / floor: "
expect_out_has "ratio 07-io-exits / raw loop: "
expect_out_has "10001 exits to the monitor"
expect_out_has "4. one timer interrupt in chapter 10"
expect_out_match "^    per tick, CPU time: -?[0-9]+\.[0-9]+ us, -?[0-9]+\.[0-9]+x one port I/O exit"
# The shape of the per-tick line, not its numbers: a bench is not a timed
# test. Where the guest keeps up with 1000 Hz (kvm_pvm on a quiet host)
# it reads two exits, one KVM_INTERRUPT and one wait a tick; under TCG
# (kvm_amd in the emulated machine), or under a sanitizer on a loaded
# host (CI, stop 20), ticks come while the guest still runs: fewer waits.
expect_out_match "^      asleep in HLT:  [0-9]+\.[0-9][0-9] exits to the monitor, [0-9]+\.[0-9][0-9] KVM_INTERRUPT, [0-9]+\.[0-9][0-9] HLT waits"
# Part 9: the single-step exit of chapter 13, from the count --step reports.
expect_out_has "9. chapter 13: one single-step exit"
expect_out_match "^    [0-9]+ instructions stepped; --step less the plain run, per instruction: -?[0-9]+\.[0-9]+ us of CPU time"
expect_out_match "^    one single-step exit is -?[0-9]+\.[0-9]+x one port I/O exit"
expect_out_match "^  single step  -?[0-9]+\.[0-9]+x a port I/O exit"
# Part 10: chapter 14's migrations, one run each: the shape of each line,
# never its numbers (how many rounds and pages depend on the timing).
expect_out_has "10. chapter 14: live migration of count.asm at 8 MiB/s"
for opts in "--dirty log --rate 0" "--dirty log --rate 4" "--dirty log --rate 64" "--dirty ring --rate 4"; do
	expect_out_match "^    $opts +[0-9]+ rounds, +[0-9]+ pages sent \([0-9]+\.[0-9]+x the machine\), downtime +[0-9]+\.[0-9] ms\$"
done
expect_out_match "^    the machine has [0-9]+ pages \(RAM and ROM\)"
expect_out_match "^    against --rate 0: --rate 4 [0-9]+\.[0-9]+x the pages and [0-9]+\.[0-9]+x the downtime, --rate 64 [0-9]+\.[0-9]+x and [0-9]+\.[0-9]+x\$"
expect_out_match "^    the dirty ring against the bitmap, --rate 4: [0-9]+\.[0-9]+x the pages, [0-9]+\.[0-9]+x the downtime"
expect_out_match "^  migration    downtime [0-9.]+, [0-9.]+, [0-9.]+ ms at --rate 0, 4, 64 \(the ring at 4: [0-9.]+ ms\); pages sent [0-9.]+x, [0-9.]+x, [0-9.]+x the machine's [0-9]+\$"
expect_out_has "skipped: no-such-qemu is not installed"
expect_out_has "sudo apt-get install -y qemu-system-x86"
end

begin "bench: chapter 09's write guests make exactly their count of writes, each way"
needs_kvm
if [ -x "$BIN/09-mmio" ]; then
	for count in 0 10000; do
		run 09-mmio --stats "$BUILD_DIR/bench/guests/mmio-vga-$count.bin"
		expect_status 0
		expect_err_has "stats: KVM_EXIT_MMIO by device: vga-text $count, virtio-mmio 0,"
		run 09-mmio --stats --coalesced-mmio "$BUILD_DIR/bench/guests/mmio-vga-$count.bin"
		expect_status 0
		# Linux 6.12 holds 169 in the ring, every 170th write exits; older
		# kernels fill it sooner (ring_count in tests/lib.sh, book chapter 09)
		ring_count "$count"
		expect_err_has "stats: KVM_EXIT_MMIO by device: vga-text $RING_EXITS,"
		expect_err_has "stats: coalesced MMIO: $RING_TAKEN writes taken from the ring"
		run 09-mmio --stats "$BUILD_DIR/bench/guests/mmio-doorbell-$count.bin"
		expect_status 0
		expect_err_has "virtio-mmio: QueueNotify written $count times: $count by an exit, 0 through the eventfd"
		run 09-mmio --stats --ioeventfd "$BUILD_DIR/bench/guests/mmio-doorbell-$count.bin"
		expect_status 0
		expect_err_has "stats: KVM_EXIT_MMIO by device: vga-text 0, virtio-mmio 0,"
		expect_err_has "virtio-mmio: QueueNotify written $count times: 0 by an exit, $count through the eventfd"
	done
fi
end

begin "bench: chapter 10's tick guests take exactly their count of timer interrupts, asleep and busy"
needs_kvm
if [ -x "$BIN/10-interrupts" ]; then
	for guest in hlt-0 hlt-200 busy-0 busy-200; do
		count=${guest#*-}
		run 10-interrupts --stats "$BUILD_DIR/bench/guests/ticks-$guest.bin"
		expect_status 0
		expect_err_has "stats: KVM_INTERRUPT: $count interrupts injected (IRQ0 $count, IRQ4 0, others 0)"
		# An EOI for each tick but the last, whose handler ends the run;
		# and the guest's 5 PIC writes, 3 PIT writes and its exit.
		exits=$((count > 0 ? count + 8 : 9))
		expect_err_match "^stats:   KVM_EXIT_IO +$exits\$"
		case $guest in
		busy-*) expect_err_has "stats: HLT with interrupts on: 0 waits" ;;
		esac
	done
fi
end
begin "bench: the kick timer gets each vCPU out of KVM_RUN: spinning, asleep in HLT, immediate_exit"
needs_kvm
run ../bench/kick 20
expect_status 0
if [ -z "$TEST_SKIP" ]; then
	cases=$(printf '%s\n' "$OUT" | awk 'NF == 5 && $5 == 20 && $2 > 0 && $3 <= $2 && $2 <= $4 { print $1 }' | tr '\n' ' ')
	[ "$cases" = "spin halt ready " ] || fail "kick: expected lines 'CASE MEDIAN MIN MAX 20' for spin, halt, ready, got:
$OUT"
fi
end

begin "bench: the kick timer refuses a bad round count in one line, status 64"
run ../bench/kick 0
expect_status 64
expect_err_lines 1
end
