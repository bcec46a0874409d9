#!/usr/bin/env bash
# test-vm.sh BUILD... - make test-vm: the KVM tests of each build tree in
# the emulated AMD machine (tools/vm.sh), one machine per build, side by
# side: under TCG a machine keeps one host core busy, so two builds on two
# cores take the time of one. Each machine's report is shown whole when
# it is done, in the order given; the last line adds them up, as
# tests/run.sh's does. VM_JOBS (default: the number of cores) caps how
# many machines run at once. A machine has one CPU (VM_CPUS), but that of
# build/tsan, the threaded chapters', has two. TEST_FILES, as for
# tests/run.sh, runs only those files.
set -u
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh # add_counts, print_counts, and a TMP_DIR removed on exit

logs=$TMP_DIR
jobs=${VM_JOBS:-$(nproc 2>/dev/null || echo 1)}
[ "$jobs" -ge 1 ] 2>/dev/null || jobs=1

# Ready the machine once (downloads, initramfs) before starting several.
tools/vm.sh --check || exit 69

echo "test-vm: the KVM tests of $* in the emulated AMD machine, $jobs at a time"
n=0
for build in "$@"; do
	n=$((n + 1))
	# build/tsan holds the threaded chapters: their machine has two
	# CPUs, so that two vCPU threads can run at once there too.
	case $build in
	*tsan*) vm_cpus=${VM_CPUS:-2} ;;
	*) vm_cpus=${VM_CPUS:-1} ;;
	esac
	# TEST_FILES="tests/cases/58-smp.sh ..." runs only those files there.
	VM_CPUS=$vm_cpus tools/vm.sh "TESTS_ONLY=kvm TEST_TIMES=1${TEST_FILES:+ TEST_FILES='$TEST_FILES'} tests/run.sh $build" \
		</dev/null >"$logs/$n" 2>&1 &
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		sleep 1
	done
done
wait

n=0 backend=""
for build in "$@"; do
	n=$((n + 1))
	cat "$logs/$n"
	if ! add_counts "$logs/$n"; then
		echo "FAIL the machine for $build ended without its count (see above)"
		FAILED=$((FAILED + 1))
	fi
	backend=$(sed -n 's/^backend: \([a-z_]*\).*/\1/p' "$logs/$n" | tail -n 1)
done

echo
echo "backend: ${backend:-unknown} (the emulated AMD machine)"
print_counts
[ "$FAILED" -eq 0 ]
