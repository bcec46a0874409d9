# tests/lib.sh - the little test framework every tests/cases/*.sh uses.
#
#   begin "what it checks"      start a test (needs_kvm: skip it without KVM)
#   $BACKEND                    the KVM backend tested: kvm_intel, kvm_amd,
#                               kvm_pvm, or unknown; a test whose outcome
#                               depends on it says what each must do
#   TESTS_ONLY=kvm|host         run only the tests that need KVM, or only
#                               the others (make test-vm splits the suite
#                               so); the rest are neither run nor counted
#   run PROG [ARGS...]          run $BIN/PROG; stdin from $STDIN (default
#                               /dev/null); sets OUT, ERR, STATUS
#   expect_status N             the exit status
#   expect_out FILE             stdout, normalised, equals FILE
#   expect_out_has TEXT         stdout contains TEXT (err_: stderr)
#   expect_out_match RE         a line of stdout matches the regex RE
#   expect_out_lacks TEXT       stdout does not contain TEXT
#   expect_out_count TEXT N     exactly N lines of stdout contain TEXT
#   expect_err_match RE         a line of stderr matches the regex RE
#   expect_err_lines N          stderr has exactly N lines
#   end                         PASS or FAIL, with what differed
#
# Every program runs under timeout(1): a hang fails its test, never the
# suite. In a sanitizer build, any sanitizer report fails the test.

: "${TIMEOUT_GUARD:=30}"
PASSED=0 FAILED=0 SKIPPED=0
OUT="" ERR="" STATUS=0
TEST_NAME="" TEST_FAIL="" TEST_SKIP="" TEST_KVM=""
TESTS_ONLY="" # only tests/run.sh sets it, after reading this file
# The module that serves /dev/kvm here (chapter 01 names it the same way).
BACKEND=unknown
for module in kvm_intel kvm_amd kvm_pvm; do
	[ -e "/sys/module/$module" ] && BACKEND=$module
done
# How this kernel decides that the coalesced MMIO ring is full (book
# chapter 09): "new" from Linux 6.12 on ((last + 1) % 170 == first),
# "old" before (the unsigned (first - last - 1) % 170 == 0, which Debian's
# 6.1 in the emulated AMD machine still has). 6.11 was not checked.
RING_CHECK=new
case $(uname -r) in [0-5].* | 6.[0-9].* | 6.1[01].*) RING_CHECK=old ;; esac

# ring_count WRITES: how WRITES writes in a row to a coalesced zone come
# out on this kernel, with a monitor that drains the ring at every exit:
# RING_EXITS exits and RING_TAKEN writes taken from the ring.
ring_count() {
	local n=$1 first=0 last=0 i full
	RING_EXITS=0 RING_TAKEN=0
	for ((i = 0; i < n; i++)); do
		if [ "$RING_CHECK" = old ]; then
			full=$(((((first - last - 1) & 0xffffffff) % 170) == 0))
		else
			full=$((((last + 1) % 170) == first))
		fi
		if [ "$full" = 1 ]; then
			RING_EXITS=$((RING_EXITS + 1)) first=$last
		else
			RING_TAKEN=$((RING_TAKEN + 1)) last=$(((last + 1) % 170))
		fi
	done
}

TMP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/kvm-steps-test.XXXXXX")
trap 'rm -rf "$TMP_DIR"' EXIT

# Host addresses (also in --trace lines) and per-host numbers vary;
# everything else must match.
# The backend paragraph (chapter 01) too, unless KEEP_BACKEND is set: an
# output the book marks with its backend (output@kvm_amd) keeps it.
normalise() {
	local backend_rule='/^backend: /,$c\
backend: (this host)'
	[ -n "${KEEP_BACKEND:-}" ] && backend_rule='$!b'
	sed -E \
		-e 's/host address 0x[0-9a-f]+/host address 0x.../g' \
		-e 's/userspace_addr 0x[0-9a-f]+/userspace_addr 0x.../g' \
		-e 's/(KVM_[A-Z_]+), 0x[0-9a-f]{9,}\)/\1, 0x...)/g' \
		-e 's/^(  KVM_CAP_[A-Z0-9_]+ +)[0-9]+ /\1N /' \
		-e "$backend_rule"
}

# add_counts FILE: add the last "N passed, N failed[, N skipped]" line of
# FILE, a report of tests/run.sh, to PASSED, FAILED and SKIPPED; status 1
# if it has none. (make test-vm, make test's fallback and .ci/run add up
# the runs they start with it.)
add_counts() {
	local line
	line=$(grep -E '^[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?$' "$1" | tail -n 1)
	[ -n "$line" ] || return 1
	set -- $line
	PASSED=$((PASSED + $1)) FAILED=$((FAILED + $3))
	[ $# -ge 6 ] && SKIPPED=$((SKIPPED + $5))
	return 0
}

# The closing line: "N passed, N failed", and ", N skipped" if any were.
print_counts() {
	if [ "$SKIPPED" -gt 0 ]; then
		echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
	else
		echo "$PASSED passed, $FAILED failed"
	fi
}

begin() {
	TEST_NAME="$VARIANT$1" TEST_FAIL="" TEST_SKIP="" TEST_KVM=""
	TEST_SHOWN_OUT="" TEST_SHOWN_ERR="" TEST_HUNG="" RAN="" RAN_STDIN=""
	# Not a KVM test (it calls no needs_kvm): with TESTS_ONLY=kvm, left out.
	[ "$TESTS_ONLY" = kvm ] && TEST_SKIP="-"
	return 0
}

needs_kvm() {
	TEST_KVM=1 TEST_SKIP=""
	if [ "$TESTS_ONLY" = host ]; then
		TEST_SKIP="-"
	elif [ -n "$KVM_UNUSABLE" ]; then
		TEST_SKIP="$KVM_UNUSABLE"
	fi
	return 0
}

fail() {
	TEST_FAIL="$TEST_FAIL$*
"
}

# What the last run() ran, for a failure to show (labs/grade.sh does):
# RAN the command line, RAN_STDIN the file on its standard input.
RAN="" RAN_STDIN=""

run() {
	local prog=$1
	shift
	[ -n "$TEST_SKIP" ] && return 0
	RAN="$BIN/$prog${*:+ $*}" RAN_STDIN=${STDIN:-/dev/null}
	# -v: timeout says on stderr when it stops a hung program, which is
	# how a hang is told from a guest stopped by the program's --timeout.
	timeout -v -k 5 "$TIMEOUT_GUARD" "$BIN/$prog" "$@" <"${STDIN:-/dev/null}" \
		>"$TMP_DIR/out" 2>"$TMP_DIR/err"
	STATUS=$?
	# (timeout(1) exits 124, or 137 after -k: only then can it have spoken.)
	if { [ "$STATUS" -eq 124 ] || [ "$STATUS" -eq 137 ]; } &&
		grep -q '^timeout: sending signal' "$TMP_DIR/err"; then
		sed -i '/^timeout: sending signal/d' "$TMP_DIR/err"
		fail "$prog did not finish within $TIMEOUT_GUARD s: it hung and was stopped"
		TEST_HUNG=1
	fi
	# A guest may print zero bytes; the shell's variables cannot hold them.
	# Bash drops them itself, with a warning kept out of sight; no program
	# is started for it (under the emulated machine each start costs).
	{ OUT=$(<"$TMP_DIR/out"); } 2>/dev/null
	{ ERR=$(<"$TMP_DIR/err"); } 2>/dev/null
	return 0
}

# The text a failure shows of stdout or stderr, in SHOWN: all of it the
# first time in a test, then only a pointer to it, so a failure reads once.
shown_out() {
	if [ -n "$TEST_SHOWN_OUT" ]; then SHOWN="(standard output as above)"; else TEST_SHOWN_OUT=1 SHOWN=$OUT; fi
}
shown_err() {
	if [ -n "$TEST_SHOWN_ERR" ]; then SHOWN="(standard error as above)"; else TEST_SHOWN_ERR=1 SHOWN=$ERR; fi
}

expect_status() {
	[ -n "$TEST_SKIP" ] && return 0
	[ "$STATUS" -eq "$1" ] || fail "exit status: expected $1, got $STATUS"
}

expect_out() {
	[ -n "$TEST_SKIP" ] && return 0
	local want=$1
	if ! diff -u <(normalise <"$want") <(normalise <"$TMP_DIR/out") >"$TMP_DIR/diff"; then
		fail "standard output differs from $want (- expected, + actual):
$(head -n 40 "$TMP_DIR/diff")"
	fi
}

expect_out_text() {
	[ -n "$TEST_SKIP" ] && return 0
	[ "$OUT" = "$1" ] || fail "standard output: expected
  '$1'
got
  '$OUT'"
}

expect_out_has() {
	[ -n "$TEST_SKIP" ] && return 0
	case $OUT in *"$1"*) ;; *) shown_out; fail "standard output lacks '$1'; it was:
$SHOWN" ;; esac
}

# stdout has a line matching the extended regular expression.
expect_out_match() {
	[ -n "$TEST_SKIP" ] && return 0
	grep -qE -- "$1" "$TMP_DIR/out" || fail "standard output has no line matching /$1/; it ended:
$(tail -n 40 "$TMP_DIR/out")"
}

expect_out_lacks() {
	[ -n "$TEST_SKIP" ] && return 0
	case $OUT in *"$1"*) shown_out; fail "standard output should not contain '$1'; it was:
$SHOWN" ;; esac
}

# stdout has exactly N lines containing TEXT.
expect_out_count() {
	[ -n "$TEST_SKIP" ] && return 0
	local n
	n=$(grep -cF -- "$1" "$TMP_DIR/out")
	[ "$n" -eq "$2" ] || { shown_out; fail "standard output should have $2 line(s) with '$1', not $n; it was:
$SHOWN"; }
}

expect_err_has() {
	[ -n "$TEST_SKIP" ] && return 0
	case $ERR in *"$1"*) ;; *) shown_err; fail "standard error lacks '$1'; it was:
$SHOWN" ;; esac
}

# stderr has a line matching the extended regular expression.
expect_err_match() {
	[ -n "$TEST_SKIP" ] && return 0
	grep -qE -- "$1" "$TMP_DIR/err" || { shown_err; fail "standard error has no line matching /$1/; it was:
$SHOWN"; }
}

expect_err_lacks() {
	[ -n "$TEST_SKIP" ] && return 0
	case $ERR in *"$1"*) shown_err; fail "standard error should not contain '$1'; it was:
$SHOWN" ;; esac
}

expect_err_lines() {
	[ -n "$TEST_SKIP" ] && return 0
	local n
	n=$(wc -l <"$TMP_DIR/err")
	[ "$n" -eq "$1" ] || { shown_err; fail "standard error: expected $1 line(s), got $n:
$SHOWN"; }
}

end() {
	if [ "$TEST_SKIP" = "-" ]; then # left out by TESTS_ONLY
		OUT="" ERR="" STATUS=0
		return
	fi
	if [ -n "$TEST_SKIP" ]; then
		SKIPPED=$((SKIPPED + 1))
		echo "SKIP $TEST_NAME ($TEST_SKIP)"
		return
	fi
	case $ERR in
	*"runtime error:"* | *"Sanitizer"* | *"LeakSanitizer"*)
		fail "a sanitizer reported:
$ERR" ;;
	esac
	if [ -z "$TEST_FAIL" ]; then
		PASSED=$((PASSED + 1))
		echo "PASS $TEST_NAME"
	else
		FAILED=$((FAILED + 1))
		echo "FAIL $TEST_NAME"
		printf '%s' "$TEST_FAIL" | sed 's/^/    /'
	fi
	OUT="" ERR="" STATUS=0
	: >"$TMP_DIR/out"
	: >"$TMP_DIR/err"
}
