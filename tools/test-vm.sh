#!/usr/bin/env bash
# test-vm.sh BUILD... - make test-vm: the KVM tests of each build tree in
# the emulated AMD machine (tools/vm.sh), one machine per build, side by
# side: under TCG a machine keeps one host core busy, so two builds on two
# cores take the time of one. Each machine's report is shown whole when
# it is done, in the order given; the last line adds them up, as
# tests/run.sh's does. VM_JOBS (default: the number of cores) caps how
# many machines run at once.
set -u
cd "$(dirname "$0")/.." || exit 2

logs=$(mktemp -d) || exit 2
trap 'rm -rf "$logs"' EXIT
jobs=${VM_JOBS:-$(nproc 2>/dev/null || echo 1)}
[ "$jobs" -ge 1 ] 2>/dev/null || jobs=1

# Ready the machine once (downloads, initramfs) before starting several.
tools/vm.sh --check || exit 69

echo "test-vm: the KVM tests of $* in the emulated AMD machine, $jobs at a time"
n=0
for build in "$@"; do
	n=$((n + 1))
	tools/vm.sh "TESTS_ONLY=kvm TEST_TIMES=1 tests/run.sh $build" </dev/null >"$logs/$n" 2>&1 &
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		sleep 1
	done
done
wait

passed=0 failed=0 skipped=0 n=0 backend=""
for build in "$@"; do
	n=$((n + 1))
	cat "$logs/$n"
	# (The machine's kernel may say "reboot: Power down" after it.)
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$logs/$n" | tail -n 1)
	case $line in
	[0-9]*" passed, "[0-9]*" failed"*)
		set -- $line
		passed=$((passed + $1)) failed=$((failed + $3))
		[ -n "${6:-}" ] && skipped=$((skipped + $5))
		;;
	*)
		echo "FAIL the machine for $build ended without its count (see above)"
		failed=$((failed + 1))
		;;
	esac
	backend=$(sed -n 's/^backend: \([a-z_]*\).*/\1/p' "$logs/$n" | tail -n 1)
done

echo
echo "backend: ${backend:-unknown} (the emulated AMD machine)"
if [ "$skipped" -gt 0 ]; then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
[ "$failed" -eq 0 ]
