#!/usr/bin/env bash
# tests/run.sh BUILD [BUILD...] - run every test in tests/cases/ against
# each build tree (build, build/san), then print "N passed, N failed".
# A BUILD written DIR:COMMAND is built by COMMAND just before its tests
# run (make test builds the sanitized tree so, after the plain tests).
# A tree named *tsan* (build/tsan, ThreadSanitizer) holds the threaded
# chapters only: there, only the files that say "# Also under
# ThreadSanitizer" in their opening comment run.
set -u
cd "$(dirname "$0")/.." || exit 2
# TESTS_ONLY=kvm|host may come in the environment (make test-vm does so);
# it is this run's alone: tests/lib.sh clears it for everyone else who
# reads it (a grader started by a test must run every one of its tests).
only=${TESTS_ONLY:-}
. tests/lib.sh
TESTS_ONLY=$only
export -n TESTS_ONLY

# The programs print the fds they get: give them a clean table, whatever
# the caller left open.
for fd in /proc/$$/fd/*; do
	fd=${fd##*/}
	[ "$fd" -gt 2 ] 2>/dev/null && [ "$fd" -lt 255 ] && eval "exec $fd>&-" 2>/dev/null
done

# Can KVM be used here? If not, every KVM test is skipped, loudly.
# (KVM_STEPS_KVM_NODE, KVM_STEPS_VM_SH and TEST_FILES let 16-vm.sh try this
# file's own logic: another device node, a stand-in machine, fewer files.)
KVM_NODE=${KVM_STEPS_KVM_NODE:-/dev/kvm}
VM_SH=${KVM_STEPS_VM_SH:-tools/vm.sh}
KVM_UNUSABLE=""
if [ ! -e "$KVM_NODE" ]; then
	KVM_UNUSABLE="$KVM_NODE does not exist"
elif [ ! -r "$KVM_NODE" ] || [ ! -w "$KVM_NODE" ]; then
	KVM_UNUSABLE="$KVM_NODE is not readable and writable by $(id -un)"
fi
# Without a usable /dev/kvm, the KVM tests run in the emulated AMD machine
# (make test-vm) instead, unless KVM_STEPS_NO_VM=1 asks for skips.
IN_VM=""
if [ -n "$KVM_UNUSABLE" ] && [ -z "${TESTS_ONLY:-}" ] && [ -z "${KVM_STEPS_NO_VM:-}" ] &&
	"$VM_SH" --check; then
	echo "NOTE: $KVM_UNUSABLE: the KVM tests run in the emulated AMD machine instead (make test-vm; book appendix E)"
	IN_VM=1
	TESTS_ONLY=host
elif [ -n "$KVM_UNUSABLE" ]; then
	echo "NOTE: KVM tests will be skipped: $KVM_UNUSABLE (README, Troubleshooting)"
fi

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=99"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# A ThreadSanitizer report ("WARNING: ThreadSanitizer: data race") fails
# its test (tests/lib.sh's end), and the status says so too.
export TSAN_OPTIONS="halt_on_error=0:exitcode=99:second_deadlock_stack=1"

for build in "$@"; do
	case $build in
	*:*)
		build_cmd=${build#*:} build=${build%%:*}
		if ! sh -c "$build_cmd"; then
			FAILED=$((FAILED + 1))
			echo "FAIL building $build ($build_cmd): its tests are not run"
			continue
		fi ;;
	esac
	case $build in
	*tsan*) VARIANT="[tsan] " ;;
	*san*) VARIANT="[asan+ubsan] " ;;
	*) VARIANT="" ;;
	esac
	BIN=$build/bin
	TGUESTS=$build/tests/guests
	UNIT=$build/tests/unit
	BUILD_DIR=$build
	case $VARIANT in
	"[tsan] ") echo "== tests on $build (ThreadSanitizer: the test files of the threaded chapters)" ;;
	*) echo "== tests on $build ${VARIANT:+(AddressSanitizer, UndefinedBehaviorSanitizer, LeakSanitizer)}" ;;
	esac
	for file in ${TEST_FILES:-tests/cases/*.sh}; do
		# Where only the KVM tests run, a file with none is not read at all.
		[ "${TESTS_ONLY:-}" = kvm ] && ! grep -q needs_kvm "$file" && continue
		# build/tsan holds the threaded chapters only: the files that
		# test them say so in a line of their opening comment.
		[ "$VARIANT" = "[tsan] " ] && ! grep -q '^# Also under ThreadSanitizer' "$file" && continue
		started=$SECONDS
		. "$file"
		# TEST_TIMES=1: how long each file took (make test-vm sets it).
		[ -n "${TEST_TIMES:-}" ] && echo "-- $file: $((SECONDS - started)) s"
	done
done

if [ -n "$IN_VM" ]; then
	# Every build was made above, before its host tests: only the folders.
	dirs=""
	for build in "$@"; do dirs="$dirs ${build%%:*}"; done
	echo "== the KVM tests, in the emulated AMD machine (tools/vm.sh)"
	"$VM_SH" "TESTS_ONLY=kvm tests/run.sh$dirs" | tee "$TMP_DIR/vm.log"
	if ! add_counts "$TMP_DIR/vm.log"; then
		echo "FAIL the emulated AMD machine did not run the KVM tests (see above)"
		FAILED=$((FAILED + 1))
	fi
fi

echo
echo "backend: $BACKEND${IN_VM:+ here, kvm_amd in the emulated AMD machine}"
[ "$SKIPPED" -gt 0 ] && echo "$SKIPPED test(s) skipped: ${KVM_UNUSABLE:-see SKIP lines above}"
print_counts
[ "$FAILED" -eq 0 ]
