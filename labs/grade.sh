#!/usr/bin/env bash
# labs/grade.sh - grade one chapter's lab: run its named tests, print each
# with its points, then "Score: X/Y" (make grade CH=NN).
#
#   labs/grade.sh [OPTIONS] NN
#     --src DIR      grade the tree in DIR (a student's lab tree); default:
#                    the tree this script is in. Its chapter NN is built
#                    with its own Makefile (make -C DIR build/bin/NN-name).
#     --bin DIR      take the chapter program from DIR instead; build nothing
#     --extras       grade the stage and every graded extra
#     --extra NAME   grade only the graded extra NAME
#     --results FILE also write "test<TAB>points<TAB>max" lines to FILE
#     --prepare      only build the test guests (grade-class does it once)
#
# The tests always come from the tree this script is in: labs/tests/NN-name.sh
# (or, for a chapter that has none yet, one test comparing the program's
# output with tests/expected/NN-name.out), so a student's copy of the tests
# cannot change a grade. Test guests come from this tree's build/.
#
# Exit status: 0 full marks; 1 below full marks; 64 bad command line
# (unknown chapter or extra); 69 no usable /dev/kvm, so nothing to grade.
set -u
cd "$(dirname "$0")/.." || exit 64
ROOT=$PWD

usage_die() {
	echo "grade: $*" >&2
	exit 64
}

SRC=$ROOT BIN_DIR="" MODE=stage ONLY="" RESULTS="" PREPARE=""
while [ $# -gt 0 ]; do
	case $1 in
	--src) [ $# -ge 2 ] || usage_die "--src needs a folder"; SRC=$(cd "$2" 2>/dev/null && pwd) ||
		usage_die "--src: no folder $2"; shift 2 ;;
	--bin) [ $# -ge 2 ] || usage_die "--bin needs a folder"; BIN_DIR=$2; shift 2 ;;
	--extras) MODE=extras; shift ;;
	--extra) [ $# -ge 2 ] || usage_die "--extra needs a name"; MODE=one; ONLY=$2; shift 2 ;;
	--results) [ $# -ge 2 ] || usage_die "--results needs a file"; RESULTS=$2; shift 2 ;;
	--prepare) PREPARE=1; shift ;;
	-*) usage_die "unknown option '$1' (labs/grade.sh [--src DIR] [--bin DIR] [--extras | --extra NAME] [--results FILE] NN)" ;;
	*) break ;;
	esac
done
[ $# -eq 1 ] || usage_die "give one chapter number: labs/grade.sh NN (make grade CH=NN)"

CHAPTER=""
for dir in chapters/[0-9][0-9]-*/; do
	dir=${dir%/}
	case ${dir#chapters/} in "$1"-*) CHAPTER=${dir#chapters/} ;; esac
done
if [ -z "$CHAPTER" ]; then
	known=$(cd chapters && printf '%s ' [0-9][0-9]-* | sed -E 's/-[^ ]*//g')
	usage_die "no chapter '$1': give CH=NN with NN one of: ${known% }"
fi
NUM=${CHAPTER%%-*}

if [ ! -e /dev/kvm ] || [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
	echo "grade: /dev/kvm is missing or not readable and writable by $(id -un): the labs run guests, so nothing can be graded here (README, Troubleshooting)" >&2
	exit 69
fi

TESTS=labs/tests/$CHAPTER.sh
if [ "$MODE" = one ] && ! grep -qE "^extra $ONLY " "$TESTS" 2>/dev/null; then
	names=$(sed -nE 's/^extra ([a-z0-9-]+) .*/\1/p' "$TESTS" 2>/dev/null | sort -u | tr '\n' ' ')
	usage_die "chapter $CHAPTER has no graded extra '$ONLY'; its extras: ${names:-none}"
fi

. tests/lib.sh
KVM_UNUSABLE="" VARIANT=""
# Every graded run ends in well under a second: one still running after
# GRADE_HANG_SECONDS has hung, and its test says so then, not later.
TIMEOUT_GUARD=${GRADE_HANG_SECONDS:-5}
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:exitcode=99"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
# The programs print the fds they get: give them a clean table.
for fd in /proc/$$/fd/*; do
	fd=${fd##*/}
	[ "$fd" -gt 2 ] 2>/dev/null && [ "$fd" -lt 255 ] && eval "exec $fd>&-" 2>/dev/null
done

# The test guests, built here (not in the student's tree), and the program
# under test. Only the guests are asked for: a chapter that does not
# compile must cost its tests, not stop the grading.
guests=()
for asm in tests/guests/*.asm guest-asm/real/*.asm guest-asm/rom/*.asm; do
	case $asm in
	tests/*) bin=build/tests/guests/${asm#tests/guests/} ;;
	*) bin=build/guests/${asm#guest-asm/} ;;
	esac
	guests+=("${bin%.asm}.bin")
done
guests+=(build/tests/bad-exit-io.so) # preloaded by a test of lab 07
guests+=(build/guests/rom/debug.elf) # the labels gdb loads in lab 13
make -s --no-print-directory "${guests[@]}" >"$TMP_DIR/root-build" 2>&1 || {
	echo "grade: cannot build the test guests in $ROOT:" >&2
	head -n 20 "$TMP_DIR/root-build" >&2
	exit 1
}
[ -n "$PREPARE" ] && exit 0
TGUESTS=$ROOT/build/tests/guests
BAD_EXIT_IO_SO=$ROOT/build/tests/bad-exit-io.so
GUESTS=$ROOT/build/guests
EXPECTED=$ROOT/tests/expected
BUILD_ERRORS=""
if [ -n "$BIN_DIR" ]; then
	BIN=$BIN_DIR
else
	BIN=$SRC/build/bin
	if ! make -s --no-print-directory -C "$SRC" "build/bin/$CHAPTER" >"$TMP_DIR/build" 2>&1; then
		BUILD_ERRORS=$(grep -v '^make' "$TMP_DIR/build" | head -n 20)
	fi
fi

echo "== grading chapter $CHAPTER in $SRC$([ "$MODE" = extras ] && echo ", with its graded extras")$([ "$MODE" = one ] && echo ", extra $ONLY")"
if [ -n "$BUILD_ERRORS" ]; then
	echo "the program does not build, so every test fails:"
	printf '%s\n' "$BUILD_ERRORS" | sed 's/^/    /'
fi

SCORE=0 MAX=0 TEST_POINTS=0 TEST_SELECTED=0
[ -n "$RESULTS" ] && : >"$RESULTS"

start_test() {
	begin "$2"
	TEST_POINTS=$1 TEST_SELECTED=$3
	if [ "$TEST_SELECTED" = 0 ] || [ -n "$BUILD_ERRORS" ]; then
		TEST_SKIP=x # run and expect_* do nothing
	fi
}

# graded POINTS "what it checks": a test of the chapter's stage.
graded() {
	start_test "$1" "$2" "$([ "$MODE" = one ] && echo 0 || echo 1)"
}

# extra NAME POINTS "what it checks": a test of the graded extra NAME.
extra() {
	local selected=0
	if [ "$MODE" = extras ] || { [ "$MODE" = one ] && [ "$1" = "$ONLY" ]; }; then
		selected=1
	fi
	start_test "$2" "extra $1: $3" "$selected"
}

# A path as the student sees it: inside this tree or theirs, relative.
short_path() {
	local p=$1
	p=${p//$SRC\//}
	p=${p//$ROOT\//}
	printf '%s' "$p"
}

# What ran, as a command the student can paste: the input typed for it
# (echo WORD | or printf), the program, its arguments; and the guest.
what_ran() {
	local input="" content arg guest="" builtin
	if [ -n "$RAN_STDIN" ] && [ "$RAN_STDIN" != /dev/null ] && [ -f "$RAN_STDIN" ]; then
		IFS= read -r -d '' content <"$RAN_STDIN"
		if [[ $content =~ ^[A-Za-z0-9._-]+$'\n'$ ]]; then
			input="echo ${content%$'\n'} | "
		else
			input="printf '%s' $(printf '%q' "$content") | "
		fi
	fi
	echo "ran: $input$(short_path "$RAN")"
	for arg in $RAN; do
		case $arg in *.bin) guest=$arg ;; esac
	done
	if [ -n "$guest" ]; then
		guest=$(short_path "$guest")
		case $guest in
		build/tests/guests/*) guest="tests/guests/${guest#build/tests/guests/}" ;;
		build/guests/*) guest="guest-asm/${guest#build/guests/}" ;;
		esac
		echo "guest: ${guest%.bin}.asm"
	else
		builtin=$(sed -nE 's/^#include "guest_([a-z0-9_]+)\.h"$/\1/p' "chapters/$CHAPTER/main.c" | head -n 1)
		[ -n "$builtin" ] && echo "guest: the built-in one, $(ls guest-asm/*/"$builtin".asm 2>/dev/null | head -n 1)"
	fi
}

# Why a test failed: an unwritten stage first and alone; else what ran,
# then what differed.
explain_failure() {
	local todo
	todo=$(grep -m 1 -o 'chapter [0-9]*: this stage is not written yet: [a-z_0-9]*() in [^:]*' <<<"$ERR")
	if [ "$STATUS" = 78 ] && [ -n "$todo" ]; then
		echo "not written yet: ${todo#*not written yet: } stopped the program (status 78); write it where its TODO says"
		what_ran
		return
	fi
	what_ran
	printf '%s' "$TEST_FAIL" | head -n 14
}

end() {
	if [ "$TEST_SELECTED" = 1 ]; then
		MAX=$((MAX + TEST_POINTS))
		[ -n "$BUILD_ERRORS" ] && fail "the program does not build"
		case $ERR in
		*"runtime error:"* | *"Sanitizer"*) fail "a sanitizer reported:
$ERR" ;;
		esac
		if [ -z "$TEST_FAIL" ]; then
			SCORE=$((SCORE + TEST_POINTS))
			printf 'PASS %3d/%-3d %s\n' "$TEST_POINTS" "$TEST_POINTS" "$TEST_NAME"
			got=$TEST_POINTS
		else
			printf 'FAIL %3d/%-3d %s\n' 0 "$TEST_POINTS" "$TEST_NAME"
			[ -n "$BUILD_ERRORS" ] || explain_failure | sed 's/^/      /'
			got=0
		fi
		[ -n "$RESULTS" ] && printf '%s\t%d\t%d\n' "$TEST_NAME" "$got" "$TEST_POINTS" >>"$RESULTS"
	fi
	OUT="" ERR="" STATUS=0 TEST_SKIP="" TEST_FAIL=""
	: >"$TMP_DIR/out"
	: >"$TMP_DIR/err"
}

if [ -f "$TESTS" ]; then
	. "$TESTS"
else
	# A chapter without graded tests yet: its whole output, as make test
	# checks it, is the one test. Run as tests/expected/ was made (and as
	# 61-no-root.sh runs every chapter): with "reader" typed, which the
	# chapters that read input (07, 10, 11) echo or answer.
	graded 10 "chapter $CHAPTER prints tests/expected/$CHAPTER.out and exits 0"
	printf 'reader\n' >"$TMP_DIR/reader"
	STDIN=$TMP_DIR/reader run "$CHAPTER"
	expect_status 0
	expect_out "$EXPECTED/$CHAPTER.out"
	end
fi

[ -n "$RESULTS" ] && printf 'Score\t%d\t%d\n' "$SCORE" "$MAX" >>"$RESULTS"
echo "Score: $SCORE/$MAX"
[ "$MAX" -gt 0 ] && [ "$SCORE" -eq "$MAX" ]
