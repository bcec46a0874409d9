#!/usr/bin/env bash
# tests/run.sh BUILD [BUILD...] - run every test in tests/cases/ against
# each build tree (build, build/san), then print "N passed, N failed".
# A BUILD written DIR:COMMAND is built by COMMAND just before its tests
# run (make test builds the sanitized tree so, after the plain tests).
set -u
cd "$(dirname "$0")/.." || exit 2
. tests/lib.sh

# The programs print the fds they get: give them a clean table, whatever
# the caller left open.
for fd in /proc/$$/fd/*; do
	fd=${fd##*/}
	[ "$fd" -gt 2 ] 2>/dev/null && [ "$fd" -lt 255 ] && eval "exec $fd>&-" 2>/dev/null
done

# Can KVM be used here? If not, every KVM test is skipped, loudly.
KVM_UNUSABLE=""
if [ ! -e /dev/kvm ]; then
	KVM_UNUSABLE="/dev/kvm does not exist"
elif [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	KVM_UNUSABLE="/dev/kvm is not readable and writable by $(id -un)"
fi
if [ -n "$KVM_UNUSABLE" ]; then
	echo "NOTE: KVM tests will be skipped: $KVM_UNUSABLE (README, Troubleshooting)"
fi

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=99"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"

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
	*san*) VARIANT="[asan+ubsan] " ;;
	*) VARIANT="" ;;
	esac
	BIN=$build/bin
	TGUESTS=$build/tests/guests
	UNIT=$build/tests/unit
	BUILD_DIR=$build
	echo "== tests on $build ${VARIANT:+(AddressSanitizer, UndefinedBehaviorSanitizer, LeakSanitizer)}"
	for file in tests/cases/*.sh; do
		. "$file"
	done
done

echo
if [ "$SKIPPED" -gt 0 ]; then
	echo "$SKIPPED test(s) skipped: ${KVM_UNUSABLE:-see SKIP lines above}"
	echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
else
	echo "$PASSED passed, $FAILED failed"
fi
[ "$FAILED" -eq 0 ]
