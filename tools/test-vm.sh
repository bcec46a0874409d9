#!/usr/bin/env bash
# test-vm.sh BUILD... - make test-vm: the KVM tests of each build tree in
# the emulated AMD machine (tools/vm.sh). Under TCG a machine keeps one
# host core busy, so the work is cut into pieces that run side by side:
# each build's test files are dealt into VM_SHARDS machines (default: as
# many as VM_JOBS), and VM_JOBS machines (default: the number of cores)
# run at once. A machine has one CPU (VM_CPUS), but those of build/tsan,
# the threaded chapters', have two. Each machine's report is shown whole
# when all are done, in order; the last line adds them up, as
# tests/run.sh's does. TEST_FILES, as for tests/run.sh, runs only those.
#
# While they run, a line every VM_PROGRESS seconds (default 120) says how
# far each has got, so a log cut short still shows where the time went.
# TEST_VM_DEADLINE (seconds since the epoch, as date +%s) is a hard stop:
# a machine still running then is stopped, and counted as a failure that
# names it, so that the run always ends with its count.
set -u
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh # add_counts, print_counts, and a TMP_DIR removed on exit

logs=$TMP_DIR
jobs=${VM_JOBS:-$(nproc 2>/dev/null || echo 1)}
[ "$jobs" -ge 1 ] 2>/dev/null || jobs=1
shards=${VM_SHARDS:-$jobs}
[ "$shards" -ge 1 ] 2>/dev/null || shards=1
progress=${VM_PROGRESS:-120}
deadline=${TEST_VM_DEADLINE:-0}

# Ready the machine once (downloads, initramfs) before starting several.
tools/vm.sh --check || exit 69

# The files, heaviest first as measured in the machine (TEST_TIMES=1,
# seconds a build under TCG, on a 2-core host), then dealt out in turn: shard 1 takes the 1st,
# shard 2 the 2nd, ..., and back (a snake, so no shard gets every
# heaviest of its round). Files not named here weigh 5.
weight() {
	case ${1##*/} in
	40-book.sh) echo 160 ;;
	63-fuzz.sh) echo 145 ;;
	80-bench.sh) echo 150 ;;
	80-crosscheck.sh) echo 100 ;;
	59-linux.sh) echo 90 ;;
	60-faults.sh) echo 130 ;; # with 61-no-root.sh, which goes with it
	70-labs.sh) echo 85 ;;
	58-smp.sh) echo 65 ;;
	59-debug.sh) echo 60 ;;
	59-migrate.sh) echo 75 ;;
	57-irqchip.sh) echo 30 ;;
	56-interrupts.sh) echo 20 ;;
	55-mmio.sh | 80-stats.sh) echo 17 ;;
	62-fds.sh) echo 13 ;;
	*) echo 5 ;;
	esac
}
# 61-no-root.sh uses 60-faults.sh's fixtures: it goes where that goes.
all_files=${TEST_FILES:-$(echo tests/cases/*.sh)}
together=0
case " $all_files " in *"/60-faults.sh "*) case " $all_files " in *"/61-no-root.sh "*) together=1 ;; esac ;; esac
files=$(for f in $all_files; do
	[ "$together" = 1 ] && case $f in */61-no-root.sh) continue ;; esac
	echo "$(weight "$f") $f"
done | sort -k1,1nr -k2 | awk '{ print $2 }')
# A ThreadSanitizer tree runs only the files that say so (tests/run.sh):
# its machines are dealt those alone.
tsan_files=$(for f in $files; do grep -q '^# Also under ThreadSanitizer' "$f" && echo "$f"; done)
shard_files() { # shard_files K [tsan]: the files of shard K (1-based)
	if [ "${2:-}" = tsan ]; then echo "$tsan_files"; else echo "$files"; fi | awk -v k="$1" -v n="$shards" -v together="$together" '
		{ i = (NR - 1) % (2 * n); s = i < n ? i + 1 : 2 * n - i; if (s == k) print }
		s == k && together && /\/60-faults\.sh$/ { f = $0; sub(/60-faults\.sh$/, "61-no-root.sh", f); print f }' |
		sort | tr '\n' ' ' # each machine runs its files in the usual order
}

echo "test-vm: the KVM tests of $* in the emulated AMD machine, each in $shards" \
	"piece(s), $jobs machine(s) at a time"
started=$(date +%s)
n=0
names=()
# How far each machine has got, now and then, until all are done.
report() {
	for i in $(seq 1 "$n"); do
		[ -f "$logs/$i" ] || continue
		if [ -f "$logs/$i.status" ]; then
			state="done"
		else
			done_file=$(sed -n 's/^-- \(.*\): [0-9]* s$/\1/p' "$logs/$i" | tail -n 1)
			state="running, last file done: ${done_file:-none yet}"
		fi
		echo "test-vm: $(($(date +%s) - started)) s: ${names[$i]}: $(grep -c '^PASS' "$logs/$i") passed," \
			"$(grep -c '^FAIL' "$logs/$i") failed, $state"
	done
}
last=$(date +%s)
wait_for_fewer() { # wait_for_fewer N: until fewer than N machines run, reporting
	while [ "$(jobs -rp | wc -l)" -ge "$1" ]; do
		sleep 1
		if [ $(($(date +%s) - last)) -ge "$progress" ]; then
			report
			last=$(date +%s)
		fi
	done
}

for build in "$@"; do
	# build/tsan holds the threaded chapters: their machine has two
	# CPUs, so that two vCPU threads can run at once there too.
	case $build in
	*tsan*) vm_cpus=${VM_CPUS:-2} ;;
	*) vm_cpus=${VM_CPUS:-1} ;;
	esac
	for k in $(seq 1 "$shards"); do
		case $build in
		*tsan*) mine=$(shard_files "$k" tsan) ;;
		*) mine=$(shard_files "$k") ;;
		esac
		[ -n "$mine" ] || continue
		wait_for_fewer "$jobs"    # a free core first
		n=$((n + 1))
		names[$n]="$build ($k of $shards)"
		limit=0
		if [ "$deadline" -gt 0 ]; then
			limit=$((deadline - $(date +%s)))
			[ "$limit" -gt 0 ] || limit=1
		fi
		(
			if [ "$limit" -gt 0 ]; then
				# timeout signals its whole process group: QEMU too.
				VM_CPUS=$vm_cpus timeout -k 10 "$limit" tools/vm.sh \
					"TESTS_ONLY=kvm TEST_TIMES=1 TEST_FILES='$mine' tests/run.sh $build"
			else
				VM_CPUS=$vm_cpus tools/vm.sh \
					"TESTS_ONLY=kvm TEST_TIMES=1 TEST_FILES='$mine' tests/run.sh $build"
			fi
			echo $? >"$logs/$n.status"
		) </dev/null >"$logs/$n" 2>&1 &
	done
done
wait_for_fewer 1
wait


backend=""
for i in $(seq 1 "$n"); do
	cat "$logs/$i"
	status=$(cat "$logs/$i.status" 2>/dev/null || echo "")
	if [ "$status" = 124 ] || [ "$status" = 137 ]; then
		echo "FAIL the machine for ${names[$i]} was stopped at the deadline" \
			"(TEST_VM_DEADLINE), $(($(date +%s) - started)) s after the start"
		FAILED=$((FAILED + 1))
		add_counts "$logs/$i" || true
	elif ! add_counts "$logs/$i"; then
		echo "FAIL the machine for ${names[$i]} ended without its count (see above)"
		FAILED=$((FAILED + 1))
	fi
	backend=$(sed -n 's/^backend: \([a-z_]*\).*/\1/p' "$logs/$i" | tail -n 1)
done

echo
echo "test-vm: $(($(date +%s) - started)) s in all"
echo "backend: ${backend:-unknown} (the emulated AMD machine)"
print_counts
[ "$FAILED" -eq 0 ]
