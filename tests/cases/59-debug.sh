# 59-debug.sh - chapter 13: KVM_SET_GUEST_DEBUG and the GDB stub. The
# default run (its output, and the backend's probe line); --step against
# the guest's own labels; --breakpoint at fib_loop and its refusals; real
# gdb in batch mode (break, continue, registers, stepi, memory, a register
# set, watch, hbreak, detach, kill, Ctrl-C with tests/guests/debug-spin.asm);
# a raw client on the socket (bash's /dev/tcp, packets framed here):
# malformed packets, bad checksums, 20 in a row, absurd lengths, unknown
# commands, a second client, a client that vanishes; --gdb's bad ports, a
# port in use, --gdb with --step. Every program run is bounded by
# timeout(1); in every socket test the guest's output and status must be
# those of a run without a debugger. Addresses come from the guest's nasm
# map (build/guests/rom/debug.map), never from here. The option errors
# are also rows of tests/faults.md.
#
# Also under ThreadSanitizer: make test runs this file a third time, on
# build/tsan (tests/run.sh runs the files that carry this line there).
#
# What depends on the backend ($BACKEND), as the probe line says it:
#   kvm_pvm  int3 does not stop (under USE_SW_BP the #BP goes to the
#            guest: in the probe its own handler ran, KVM_EXIT_HLT),
#            debug-register breakpoints stop, watchpoints do not stop:
#            breakpoints are debug registers, gdb's watch is its own
#            single-stepping (set can-use-hw-watchpoints 0)
#   kvm_amd  in the emulated AMD machine (QEMU's TCG, KVM_STEPS_VM set):
#            nothing stops but a single step (TCG's SVM does not intercept
#            an int3 and does not raise #DB for DR0-DR3): --breakpoint is
#            refused, gdb's break is refused, watch is gdb's single-stepping
#            there too. kvm_amd on a real AMD CPU was not run; there the
#            tests follow whatever the probe line says.
# The tests that need breakpoints to stop exist only where the probe
# says they do; the rest (stepi, registers, memory, detach, kill, Ctrl-C,
# watch, every socket test) run on every backend.

[ -x "$BIN/13-debug" ] || return 0

# The guest's labels, from nasm's map (the build being tested has one; the
# ThreadSanitizer tree builds it too: make TSAN=1 threaded).
DBG_MAP=$BUILD_DIR/guests/rom/debug.map
DBG_ELF=$BUILD_DIR/guests/rom/debug.elf
dbg_addr() {
	awk -v name="$1" '$3 == name { print "0x" tolower($2); exit }' "$DBG_MAP" 2>/dev/null | sed 's/^0x0*/0x/'
}
DBG_START16=$(dbg_addr start16)
DBG_LONG=$(dbg_addr long_start)
DBG_FIB=$(dbg_addr fib_loop)
DBG_EXIT=$(dbg_addr exit_now)
DBG_EXPECTED=tests/expected/13-debug.out
# Under the emulated machine everything is slower: give a reply longer.
# And a run driven by gdb longer (watch by single-stepping takes about
# 700 of gdb's round trips): the guard of each, past TIMEOUT_GUARD there.
DBG_WAIT=2 DBG_GUARD=$TIMEOUT_GUARD
[ -n "${KVM_STEPS_VM:-}" ] && DBG_WAIT=10 DBG_GUARD=240

begin "debug: the guest's map names start16, long_start, fib_loop and exit_now"
for dbg_label in start16 long_start fib_loop exit_now; do
	[ -n "$(dbg_addr "$dbg_label")" ] || fail "no $dbg_label in $DBG_MAP"
done
[ -s "$DBG_ELF" ] || fail "no $DBG_ELF for gdb's file command"
end

# ---- the default run, and the probe ------------------------------------

# What the probe must find, by backend.
case $BACKEND in
kvm_pvm) DBG_PROBE="int3 does not stop, debug-register breakpoints stop, watchpoints do not stop" ;;
kvm_amd)
	if [ -n "${KVM_STEPS_VM:-}" ]; then
		DBG_PROBE="int3 does not stop, debug-register breakpoints do not stop, watchpoints do not stop"
	else
		DBG_PROBE=""
	fi ;;
*) DBG_PROBE="" ;;
esac

begin "debug: chapter 13 prints its expected output, exit 0, and says what the backend's guest debugging does"
needs_kvm
run 13-debug
expect_status 0
expect_out "$DBG_EXPECTED"
expect_err_match '^13-debug: KVM_CAP_SET_GUEST_DEBUG2 says 0x[0-9a-f]+; tried on a scratch VM: int3 (stops \(KVM_EXIT_DEBUG, #BP\)|does not stop), debug-register breakpoints (stop|do not stop), watchpoints (stop|do not stop)$'
[ -n "$DBG_PROBE" ] && expect_err_has "tried on a scratch VM: $DBG_PROBE"
if [ "$BACKEND" = kvm_pvm ]; then
	expect_err_has "13-debug: this KVM cannot stop at an int3: breakpoints use the debug registers instead, 4 at most"
	expect_err_has "13-debug: this KVM does not stop at data writes: the stub refuses gdb's hardware watchpoints; after \"set can-use-hw-watchpoints 0\" gdb watches by single-stepping"
fi
expect_err_has "13-debug: the guest wrote 0 to the exit port 0xf4: exit status 0"
# What this backend can do, for the tests below.
DBG_BP=""
DBG_WATCH=""
grep -qE 'int3 stops|debug-register breakpoints stop' "$TMP_DIR/err" && DBG_BP=1
grep -qE 'watchpoints stop' "$TMP_DIR/err" && DBG_WATCH=1
[ -n "$DBG_BP" ] || [ -n "$TEST_SKIP" ] ||
	expect_err_has "13-debug: this KVM stops at no breakpoint: gdb can read and write registers and memory and step, and its breakpoints are refused"
end

# ---- --step --------------------------------------------------------------

begin "debug: --step: one line per instruction from the reset vector to the OUT at exit_now, the guest's output and status unchanged"
needs_kvm
TIMEOUT_GUARD=$DBG_GUARD run 13-debug --step
expect_status 0
expect_out "$DBG_EXPECTED"
if [ -z "$TEST_SKIP" ]; then
	grep '^step [0-9]*: ' "$TMP_DIR/err" >"$TMP_DIR/steps"
	dbg_n=$(wc -l <"$TMP_DIR/steps")
	dbg_first=$(head -n 1 "$TMP_DIR/steps")
	dbg_last=$(tail -n 1 "$TMP_DIR/steps")
	[ "$dbg_first" = "step 1: 0xfffffff0: jumped to $DBG_START16" ] ||
		fail "the first step: expected 'step 1: 0xfffffff0: jumped to $DBG_START16', got '$dbg_first'"
	[ "$dbg_last" = "step $dbg_n: $DBG_EXIT: OUT to the exit port, KVM_EXIT_IO before its single step" ] ||
		fail "the last step: expected 'step $dbg_n: $DBG_EXIT: OUT to the exit port, KVM_EXIT_IO before its single step', got '$dbg_last'"
	grep -q "^step 2: $DBG_START16: fa\$" "$TMP_DIR/steps" || fail "no 'step 2: $DBG_START16: fa' (cli, start16's first instruction)"
	grep -q "^step [0-9]*: $DBG_LONG: " "$TMP_DIR/steps" || fail "no step at long_start ($DBG_LONG)"
	dbg_fibs=$(grep -c "^step [0-9]*: $DBG_FIB: " "$TMP_DIR/steps")
	[ "$dbg_fibs" -eq 10 ] || fail "fib_loop ($DBG_FIB) stepped $dbg_fibs times, not 10"
	# every line is one of the three forms, numbered 1, 2, 3, ...
	awk -v n=0 '{ n++; if ($2 != n ":") { print "line " NR " is numbered " $2; exit 1 } }' "$TMP_DIR/steps" >"$TMP_DIR/bad" ||
		fail "the steps are not numbered in order: $(cat "$TMP_DIR/bad")"
	grep -vE '^step [0-9]+: 0x[0-9a-f]+: (([0-9a-f]{2} )*[0-9a-f]{2}|jumped to 0x[0-9a-f]+|OUT to the exit port, KVM_EXIT_IO before its single step)$' \
		"$TMP_DIR/steps" >"$TMP_DIR/bad"
	[ -s "$TMP_DIR/bad" ] && fail "step lines of no known form:
$(head -n 5 "$TMP_DIR/bad")"
	expect_err_has "13-debug: $dbg_n instructions single-stepped"
fi
end

# ---- --breakpoint --------------------------------------------------------

begin "debug: --breakpoint at fib_loop: 10 stops, rbx 0 1 1 2 3 5 8 13 21 34, the output unchanged (where breakpoints stop; refused in one line elsewhere)"
needs_kvm
run 13-debug --breakpoint "$DBG_FIB"
if [ -n "$DBG_BP" ]; then
	expect_status 0
	expect_out "$DBG_EXPECTED"
	dbg_rbx=$(sed -n "s/^13-debug: breakpoint at $DBG_FIB: rax 0x[0-9a-f]* rbx \(0x[0-9a-f]*\) .*/\1/p" "$TMP_DIR/err" |
		while read -r v; do printf '%d ' "$v"; done)
	[ "$dbg_rbx" = "0 1 1 2 3 5 8 13 21 34 " ] || fail "rbx at the stops: expected '0 1 1 2 3 5 8 13 21 34', got '$dbg_rbx'"
	expect_err_match "^13-debug: breakpoint at $DBG_FIB \((an int3 in guest memory, KVM_GUESTDBG_USE_SW_BP|a debug register, KVM_GUESTDBG_USE_HW_BP)\)\$"
else
	expect_status 64
	expect_err_has "13-debug: --breakpoint $DBG_FIB: this KVM stops at neither an int3 nor a debug register"
	expect_out_text ""
fi
end

for dbg_bad in "0x30000000|no guest memory there" "0xa0000|no guest memory there" "xyz|is not an address"; do
	dbg_arg=${dbg_bad%%|*} dbg_why=${dbg_bad#*|}
	begin "debug: --breakpoint $dbg_arg is refused in one line, status 64 ($dbg_why)"
	# xyz is refused before KVM is opened; the others need the guest's memory
	[ "$dbg_arg" = xyz ] || needs_kvm
	run 13-debug --breakpoint "$dbg_arg"
	expect_status 64
	expect_err_has "13-debug: --breakpoint"
	expect_err_has "$dbg_why"
	[ "$(grep -c -- '--breakpoint' "$TMP_DIR/err")" -eq 1 ] || fail "not one line about --breakpoint"
	[ "$dbg_arg" = xyz ] && expect_err_lines 1
	expect_out_text ""
	end
done

begin "debug: a 5th --breakpoint is refused in one line, status 64"
run 13-debug --breakpoint 0xff000 --breakpoint 0xff001 --breakpoint 0xff007 --breakpoint 0xff00a --breakpoint 0xff00c
expect_status 64
expect_err_has "13-debug: --breakpoint: 0xff00c is one too many: give at most 4"
expect_err_lines 1
end

# ---- --gdb's options -------------------------------------------------------

for dbg_port in 0 70000 abc; do
	begin "debug: --gdb $dbg_port is refused in one line, status 64"
	run 13-debug --gdb "$dbg_port"
	expect_status 64
	expect_err_has "13-debug: --gdb: '$dbg_port' is not a TCP port: give 1 to 65535"
	expect_err_lines 1
	end
done

for dbg_other in --step "--breakpoint 0xff000"; do
	begin "debug: --gdb with ${dbg_other%% *} is refused in one line, status 64"
	run 13-debug --gdb 1234 $dbg_other
	expect_status 64
	expect_err_has "13-debug: --gdb with ${dbg_other%% *}: give one or the other"
	expect_err_lines 1
	end
done

# ---- helpers for the gdb tests ------------------------------------------------

# dbg_port: a port nothing listens on (in DBG_PORT).
dbg_port() {
	local i
	for ((i = 0; i < 20; i++)); do
		DBG_PORT=$((20000 + RANDOM % 40000))
		(exec 3<>"/dev/tcp/127.0.0.1/$DBG_PORT") 2>/dev/null || return 0
	done
}

# dbg_start [ARGS...]: 13-debug --gdb PORT ARGS in the background, and
# wait until it listens. dbg_finish waits for its end: STATUS, OUT, ERR.
dbg_start() {
	local i
	dbg_port
	RAN="$BIN/13-debug --gdb $DBG_PORT $*"
	timeout -v -k 5 "$DBG_GUARD" "$BIN/13-debug" --gdb "$DBG_PORT" "$@" </dev/null \
		>"$TMP_DIR/out" 2>"$TMP_DIR/err" &
	DBG_PID=$!
	for ((i = 0; i < DBG_GUARD * 20; i++)); do
		grep -q "waiting for gdb on 127.0.0.1:$DBG_PORT " "$TMP_DIR/err" && return 0
		kill -0 "$DBG_PID" 2>/dev/null || break
		sleep 0.05
	done
	fail "13-debug --gdb $DBG_PORT never said it was waiting for gdb:
$(cat "$TMP_DIR/err")"
	return 1
}

dbg_finish() {
	[ -n "$TEST_SKIP" ] && return 0
	# A monitor nobody reached waits for ever: say so, and end it.
	if ! grep -q "^13-debug: gdb connected" "$TMP_DIR/err" && kill -0 "$DBG_PID" 2>/dev/null; then
		fail "no client reached 127.0.0.1:$DBG_PORT (see gdb's output, or the connect above); the monitor was stopped"
		kill "$DBG_PID" 2>/dev/null
	fi
	wait "$DBG_PID"
	STATUS=$?
	if { [ "$STATUS" -eq 124 ] || [ "$STATUS" -eq 137 ]; } &&
		grep -q '^timeout: sending signal' "$TMP_DIR/err"; then
		sed -i '/^timeout: sending signal/d' "$TMP_DIR/err"
		fail "13-debug --gdb did not finish within $DBG_GUARD s: it hung and was stopped"
	fi
	{ OUT=$(<"$TMP_DIR/out"); } 2>/dev/null
	{ ERR=$(<"$TMP_DIR/err"); } 2>/dev/null
}

# dbg_wait_err TEXT: wait (a while) until the monitor's stderr has TEXT.
dbg_wait_err() {
	local i
	for ((i = 0; i < DBG_WAIT * 20; i++)); do
		grep -qF -- "$1" "$TMP_DIR/err" && return 0
		sleep 0.05
	done
	fail "the monitor never said '$1'"
	return 1
}

# dbg_gdb COMMAND...: gdb in batch mode on the guest's symbols, attached
# to the monitor, each argument one -ex command; its output in GDB_OUT.
# (--foreground: a SIGINT for gdb must reach gdb alone, and once.)
dbg_gdb_args() {
	DBG_GDB=(timeout --foreground -k 5 "$DBG_GUARD" gdb -batch -nx -ex "set pagination off"
		-ex "file $DBG_ELF" -ex "target remote 127.0.0.1:$DBG_PORT")
	local c
	for c in "$@"; do
		DBG_GDB+=(-ex "$c")
	done
}
dbg_gdb() {
	dbg_gdb_args "$@"
	"${DBG_GDB[@]}" </dev/null >"$TMP_DIR/gdb" 2>&1
	GDB_STATUS=$?
	GDB_OUT=$(<"$TMP_DIR/gdb")
}

expect_gdb_has() {
	[ -n "$TEST_SKIP" ] && return 0
	case $GDB_OUT in *"$1"*) ;; *) fail "gdb's output lacks '$1'; it was:
$GDB_OUT" ;; esac
}
expect_gdb_lacks() {
	[ -n "$TEST_SKIP" ] && return 0
	case $GDB_OUT in *"$1"*) fail "gdb's output should not have '$1'; it was:
$GDB_OUT" ;; esac
}

# dbg_gdb_test NAME: begin a test that needs KVM and gdb; false if it is
# not to run. gdb is a tool these tests need, as nasm is one the build
# needs: tools/require.sh installs it (once, for the first test that
# runs), or its one line says how, and each gdb test fails with it.
DBG_GDB_CHECKED="" DBG_NO_GDB=""
dbg_gdb_test() {
	begin "debug: gdb: $1"
	needs_kvm
	[ -n "$TEST_SKIP" ] && return 1
	if [ -z "$DBG_GDB_CHECKED" ]; then
		DBG_GDB_CHECKED=1
		tools/require.sh gdb 2>"$TMP_DIR/require" || DBG_NO_GDB=$(cat "$TMP_DIR/require")
	fi
	[ -n "$DBG_NO_GDB" ] && fail "gdb is needed and missing: $DBG_NO_GDB"
	[ -z "$DBG_NO_GDB" ]
}

# ---- real gdb ---------------------------------------------------------------

if dbg_gdb_test "continue with no breakpoint: the guest runs to its end, output and status those of a run without gdb"; then
	dbg_start && dbg_gdb continue
	dbg_finish
	expect_status 0
	expect_out "$DBG_EXPECTED"
	expect_gdb_has "[Inferior 1 (Remote target) exited normally]"
	expect_err_has "13-debug: gdb connected"
	# still attached at the end: the stub's counts (what gdb sends it knows)
	expect_err_match '^13-debug: gdb: [1-9][0-9]* packets, 0 with bad checksums, 0 too long, 0 unknown$'
fi
end

if dbg_gdb_test "stops before the first instruction; stepi, registers, memory (x/ at 0x500), detach: the guest runs to its end"; then
	dbg_start && dbg_gdb 'printf "rip=%#x\n", $rip' stepi 'printf "rip=%#x cs=%#x\n", $rip, $cs' \
		'x/2xg 0x500' 'info registers eflags' detach
	dbg_finish
	expect_status 0
	expect_out "$DBG_EXPECTED"
	# real mode: gdb's rip is the linear PC, CS base + IP (0xffff0000 +
	# 0xfff0 at the reset; the stub adds the base, so breakpoints match)
	expect_gdb_has "rip=0xfffffff0"
	expect_gdb_has "rip=$(printf '%#x' $((DBG_START16))) cs=0xf000"
	expect_gdb_has "0x500:	0x0000000000000000	0x0000000000000000"
	expect_gdb_has "eflags "
	expect_gdb_has "[Inferior 1 (Remote target) detached]"
	expect_err_has "13-debug: gdb detached: breakpoints taken out, the guest runs on"
fi
end

if dbg_gdb_test "kill: the run ends with status 137, the guest's output not begun"; then
	dbg_start && dbg_gdb stepi kill
	dbg_finish
	expect_status 137
	expect_out_text ""
	expect_gdb_has "[Inferior 1 (Remote target) killed]"
	expect_err_has "13-debug: gdb killed the guest: exit status 137"
fi
end

# watch: hardware where the probe says data writes stop, gdb's own
# single-stepping elsewhere; both must stop at the value's changes.
if [ -n "$DBG_WATCH" ]; then dbg_watch_how="hardware"; else dbg_watch_how="can-use-hw-watchpoints 0: gdb single-steps"; fi
if dbg_gdb_test "watch *(long *)0x500 ($dbg_watch_how) stops at 0 -> 1 and 1 -> 2 with rbx 1 and 2, then the guest runs to its end"; then
	dbg_watch_set=()
	[ -z "$DBG_WATCH" ] && dbg_watch_set=("set can-use-hw-watchpoints 0")
	dbg_start && dbg_gdb "${dbg_watch_set[@]}" 'watch *(long *)0x500' continue 'printf "rbx=%d\n", $rbx' \
		continue 'printf "rbx=%d\n", $rbx' delete continue
	dbg_finish
	expect_status 0
	expect_out "$DBG_EXPECTED"
	expect_gdb_has "Old value = 0
New value = 1"
	expect_gdb_has "Old value = 1
New value = 2"
	expect_gdb_has "rbx=1"
	expect_gdb_has "rbx=2"
	if [ -n "$DBG_WATCH" ]; then
		expect_gdb_has "Hardware watchpoint 1: *(long *)0x500"
	else
		expect_gdb_has "Watchpoint 1: *(long *)0x500"
		expect_gdb_lacks "Hardware watchpoint"
	fi
	expect_gdb_has "[Inferior 1 (Remote target) exited normally]"
fi
end

if [ -n "$DBG_BP" ]; then
	if dbg_gdb_test "break fib_loop, continue x3, rbx 1, stepi, x/2xg 0x500, break exit_now, set \$rax = 5: exited with code 05, status 5"; then
		dbg_start && dbg_gdb "break fib_loop" continue continue continue 'printf "rbx=%d\n", $rbx' \
			stepi 'printf "rip=%#x\n", $rip' "x/2xg 0x500" "delete 1" "break exit_now" continue \
			'set $rax = 5' continue
		dbg_finish
		expect_status 5
		expect_out "$DBG_EXPECTED"
		expect_gdb_has "Breakpoint 1 at $DBG_FIB"
		expect_gdb_has "Breakpoint 1, $(printf '0x%016x' "$DBG_FIB") in fib_loop ()"
		expect_gdb_has "rbx=1"
		# the mov of rbx to FIB_LAST is 8 bytes (48 89 1c 25 00 05 00 00)
		expect_gdb_has "rip=$(printf '%#x' $((DBG_FIB + 8)))"
		expect_gdb_has "0x500:	0x0000000000000001	0x0000000000000000"
		expect_gdb_has "Breakpoint 2, $(printf '0x%016x' "$DBG_EXIT") in exit_now ()"
		expect_gdb_has "[Inferior 1 (Remote target) exited with code 05]"
		expect_err_has "13-debug: the guest wrote 5 to the exit port 0xf4: exit status 5"
	fi
	end

	if dbg_gdb_test "hbreak exit_now stops there with the guest's output all out; continue: exited normally"; then
		dbg_start && dbg_gdb "hbreak exit_now" continue 'printf "rip=%#x rax=%d\n", $rip, $rax' continue
		dbg_finish
		expect_status 0
		expect_out "$DBG_EXPECTED"
		expect_gdb_has "Hardware assisted breakpoint 1 at $DBG_EXIT"
		expect_gdb_has "rip=$DBG_EXIT rax=0"
		expect_gdb_has "[Inferior 1 (Remote target) exited normally]"
	fi
	end

	if dbg_gdb_test "detach at a breakpoint: breakpoints taken out, the guest runs to its end, status 0"; then
		dbg_start && dbg_gdb "break fib_loop" continue detach
		dbg_finish
		expect_status 0
		expect_out "$DBG_EXPECTED"
		expect_gdb_has "Breakpoint 1, "
		expect_gdb_has "[Inferior 1 (Remote target) detached]"
		expect_err_has "13-debug: gdb detached: breakpoints taken out, the guest runs on"
	fi
	end
else
	if dbg_gdb_test "break fib_loop where nothing stops at a breakpoint: refused (gdb writes no int3 of its own), detach, the guest runs to its end"; then
		dbg_start && dbg_gdb "break fib_loop" continue detach
		dbg_finish
		expect_status 0
		expect_out "$DBG_EXPECTED"
		expect_gdb_has "Cannot insert breakpoint 1"
		expect_gdb_has "[Inferior 1 (Remote target) detached]"
	fi
	end
fi

if dbg_gdb_test "Ctrl-C: debug-spin.bin spins; continue, then SIGINT to gdb: stopped with SIGINT, registers readable, kill"; then
	if dbg_start "$TGUESTS/debug-spin.bin"; then
		dbg_gdb_args continue 'printf "rip=%#x rax=%#lx\n", $rip, $rax' kill
		"${DBG_GDB[@]}" </dev/null >"$TMP_DIR/gdb" 2>&1 &
		dbg_gdb_pid=$!
		# the guest is running once its line is out
		for ((i = 0; i < DBG_WAIT * 20; i++)); do
			grep -q "spinning" "$TMP_DIR/out" && break
			sleep 0.05
		done
		sleep 0.3
		kill -INT "$dbg_gdb_pid"
		wait "$dbg_gdb_pid"
		GDB_OUT=$(<"$TMP_DIR/gdb")
	fi
	dbg_finish
	expect_status 137
	expect_out_text "debug-spin: spinning until gdb interrupts"
	expect_gdb_has "Program received signal SIGINT, Interrupt."
	# the loop ran: EAX counted up from 0 (gdb's $eax is signed: after a
	# few seconds under TCG it was negative, so rax, in hex)
	expect_gdb_lacks "rax=0x0"$'\n'
	expect_gdb_has " rax=0x"
	expect_gdb_has "[Inferior 1 (Remote target) killed]"
	dbg_rip=$(sed -n 's/^rip=\(0x[0-9a-f]*\) .*/\1/p' "$TMP_DIR/gdb")
	# gdb's rip is the linear PC (CS base + IP): inside the ROM's copy
	# below 1 MiB or the one below 4 GiB
	{ [ -n "$dbg_rip" ] && { { [ $((dbg_rip)) -ge $((0xf0000)) ] && [ $((dbg_rip)) -le $((0xfffff)) ]; } ||
		[ $((dbg_rip)) -ge $((0xffff0000)) ]; }; } ||
		fail "rip at the SIGINT: expected a linear address inside the ROM (0xf0000-0xfffff or from 0xffff0000), got '$dbg_rip'"
fi
end

# ---- a raw client: packets framed here ------------------------------------------

# dbg_sum TEXT: the protocol's checksum, two hex digits.
dbg_sum() {
	local s=0 i c
	for ((i = 0; i < ${#1}; i++)); do
		printf -v c '%d' "'${1:i:1}"
		s=$(((s + c) & 255))
	done
	printf '%02x' "$s"
}
dbg_frame() { printf '$%s#%s' "$1" "$(dbg_sum "$1")"; }

dbg_connect() {
	exec {DBG_FD}<>"/dev/tcp/127.0.0.1/$DBG_PORT" || { fail "cannot connect to 127.0.0.1:$DBG_PORT"; return 1; }
	dbg_wait_err "13-debug: gdb connected"
}
dbg_close() { exec {DBG_FD}>&-; }

# dbg_read N: up to N bytes, as they come, within DBG_WAIT s; in REPLY_RAW.
# DBG_EOF=1 if the monitor closed the connection.
dbg_read() {
	local chunk rc
	REPLY_RAW="" DBG_EOF=""
	while [ "${#REPLY_RAW}" -lt "$1" ]; do
		IFS= read -r -d '' -t "$DBG_WAIT" -N $(($1 - ${#REPLY_RAW})) -u "$DBG_FD" chunk
		rc=$?
		REPLY_RAW+=$chunk
		[ "$rc" -eq 0 ] && continue
		[ "$rc" -eq 1 ] && DBG_EOF=1
		break
	done
}

# dbg_ask BYTES WANT WHAT: send BYTES, expect exactly WANT back.
dbg_ask() {
	printf '%s' "$1" >&"$DBG_FD"
	dbg_read "${#2}"
	[ "$REPLY_RAW" = "$2" ] || fail "$3: sent '${1:0:60}', expected '$2', got '$REPLY_RAW'"
}

# dbg_packet PAYLOAD REPLY WHAT: a well-framed packet, its '+' and reply.
dbg_packet() { dbg_ask "$(dbg_frame "$1")" "+$(dbg_frame "$2")" "$3"; }

# dbg_intact: the end every socket test wants: the client gone, the guest
# ran to its end with its own output and status.
dbg_intact() {
	dbg_finish
	expect_status 0
	expect_out "$DBG_EXPECTED"
	expect_err_has "13-debug: the guest wrote 0 to the exit port 0xf4: exit status 0"
}

begin "debug: socket: well-formed packets get '+' and right answers (?, qSupported, qC, qAttached, qfThreadInfo, H, T, p, m)"
needs_kvm
if [ -z "$TEST_SKIP" ] && dbg_start && dbg_connect; then
	dbg_packet "?" "S05" "the first stop"
	dbg_packet "qSupported:swbreak+;hwbreak+" "PacketSize=1000;qXfer:features:read+;swbreak+;hwbreak+;QStartNoAckMode+" "qSupported"
	dbg_packet "qC" "QC1" "qC"
	dbg_packet "qAttached" "1" "qAttached"
	dbg_packet "qfThreadInfo" "m1" "qfThreadInfo"
	dbg_packet "Hg0" "OK" "Hg0"
	dbg_packet "T1" "OK" "T1"
	# rip (register 16) at the reset: the linear 0xfffffff0, little-endian
	dbg_packet "p10" "f0ffffff00000000" "p 16 (rip)"
	# the ROM's last 16 bytes hold the reset jump: ea, then the offset of start16
	dbg_packet "mfffffff0,1" "ea" "m at the reset vector"
	dbg_packet "m500,8" "0000000000000000" "m 0x500"
	dbg_close
fi
dbg_intact
expect_err_has "13-debug: gdb closed the connection: breakpoints taken out, the guest runs on"
end

begin "debug: socket: malformed packets are answered E00 or '-', and the guest is not harmed"
needs_kvm
if [ -z "$TEST_SKIP" ] && dbg_start && dbg_connect; then
	dbg_ask '$m500,8#zz' "-" "a checksum that is not hex"
	dbg_packet "m" "E00" "m without an address"
	dbg_packet "mzz,4" "E00" "m with an address that is not hex"
	dbg_packet "m500" "E00" "m without a length"
	dbg_packet "m500,4x" "E00" "m with junk after the length"
	dbg_packet "m11111111111111111,4" "E00" "m with an address of 17 digits"
	dbg_packet "mffffffffffffffff,10" "E00" "m that wraps past the top"
	dbg_packet "M500,2:zz" "E00" "M with data that is not hex"
	dbg_packet "M500,2:00" "E00" "M with too little data"
	dbg_packet "p999" "E00" "p of no register"
	dbg_packet "P10=00" "E00" "P with too few bytes"
	dbg_packet "G00" "E00" "G with too few bytes"
	dbg_packet "Z0,ff000" "E00" "Z0 without a kind"
	dbg_packet "Z9,ff000,1" "" "Z of no type"
	dbg_packet "Z3,500,8" "" "Z3 (read watchpoints: none on x86)"
	dbg_packet "Z0,ff000,1;X1,0" "E00" "Z0 with a condition"
	dbg_packet "z0,ff000,1" "E00" "z0 of a breakpoint never set"
	dbg_packet "cxyz" "E00" "c with an address that is not hex"
	dbg_packet "qXfer:features:read:target.xml:zz" "E00" "qXfer with a bad offset"
	dbg_packet "qXfer:features:read:other.xml:0,10" "E00" "qXfer of another annex"
	dbg_packet "?" "S05" "a good packet after them all"
	dbg_close
fi
dbg_intact
end

begin "debug: socket: unknown commands get the empty reply"
needs_kvm
if [ -z "$TEST_SKIP" ] && dbg_start && dbg_connect; then
	dbg_packet "!" "" "! (extended mode)"
	dbg_packet "vCont?" "" "vCont?"
	dbg_packet "qNoSuchQuery" "" "an unknown query"
	dbg_packet "X500,0:" "" "X (binary writes)"
	dbg_packet "" "" "an empty packet"
	dbg_close
fi
dbg_intact
end

begin "debug: socket: a bad checksum gets '-', the last reply is sent again for a '-'"
needs_kvm
if [ -z "$TEST_SKIP" ] && dbg_start && dbg_connect; then
	dbg_ask '$?#00' "-" "? with checksum 00"
	dbg_packet "qC" "QC1" "qC"
	dbg_ask "-" "$(dbg_frame QC1)" "a '-' after qC"
	dbg_close
fi
dbg_intact
end

begin "debug: socket: 20 bad checksums in a row: E01, the connection closed, the guest runs to its end"
needs_kvm
if [ -z "$TEST_SKIP" ] && dbg_start && dbg_connect; then
	for ((i = 0; i < 19; i++)); do
		dbg_ask '$g#00' "-" "bad checksum $((i + 1))"
	done
	# the 20th gets no '-': E01, and the connection is closed
	dbg_ask '$g#00' "$(dbg_frame E01)" "the 20th bad checksum"
	dbg_read 1
	[ -n "$DBG_EOF" ] || fail "the connection is still open after 20 bad checksums (read '$REPLY_RAW')"
	dbg_close
fi
dbg_intact
expect_err_has "13-debug: 20 packets with bad checksums in a row: the connection is closed: breakpoints taken out, the guest runs on"
end

begin "debug: socket: absurd lengths: m of 0x10000000 bytes is E00, a 10000-byte packet is E01, M of 0x10000000 bytes is E00"
needs_kvm
if [ -z "$TEST_SKIP" ] && dbg_start && dbg_connect; then
	dbg_packet "m500,10000000" "E00" "m of 0x10000000 bytes"
	dbg_packet "m500,801" "E00" "m of 2049 bytes, one more than GDB_MEM_MAX"
	dbg_packet "M500,10000000:00" "E00" "M of 0x10000000 bytes"
	printf -v dbg_long '%*s' 10000 ''
	dbg_long=${dbg_long// /A}
	# 10000 'A's sum to 10000 * 65 modulo 256
	dbg_ask "\$$dbg_long#$(printf '%02x' $((10000 * 65 % 256)))" "+$(dbg_frame E01)" "a 10000-byte packet"
	dbg_packet "m500,1" "00" "a good packet after it"
	dbg_close
fi
dbg_intact
end

begin "debug: socket: noise, lone '+', 0x03 while stopped and a '\$' restart are passed over"
needs_kvm
if [ -z "$TEST_SKIP" ] && dbg_start && dbg_connect; then
	printf 'noise+++\003\003' >&"$DBG_FD"
	dbg_ask "\$m5\$$(dbg_frame qC)" "+$(dbg_frame QC1)" "a packet cut by a new '\$'"
	dbg_close
fi
dbg_intact
end

begin "debug: socket: QStartNoAckMode: OK, then replies come without '+'"
needs_kvm
if [ -z "$TEST_SKIP" ] && dbg_start && dbg_connect; then
	dbg_packet "QStartNoAckMode" "OK" "QStartNoAckMode"
	dbg_ask "$(dbg_frame qC)" "$(dbg_frame QC1)" "qC without acknowledgement"
	dbg_ask "\$?#00$(dbg_frame qC)" "$(dbg_frame QC1)" "a bad checksum gets no '-', then qC"
	dbg_close
fi
dbg_intact
end

begin "debug: socket: a second client while one is attached finds the port closed; the first goes on"
needs_kvm
if [ -z "$TEST_SKIP" ] && dbg_start && dbg_connect; then
	if (exec 3<>"/dev/tcp/127.0.0.1/$DBG_PORT") 2>/dev/null; then
		fail "a second client could connect to 127.0.0.1:$DBG_PORT"
	fi
	dbg_packet "qC" "QC1" "the first client, after the second tried"
	dbg_close
fi
dbg_intact
end

begin "debug: socket: a client that vanishes mid-packet: the monitor says gdb closed the connection, the guest runs to its end"
needs_kvm
if [ -z "$TEST_SKIP" ] && dbg_start && dbg_connect; then
	dbg_packet "?" "S05" "the first stop"
	printf '$m500,' >&"$DBG_FD"
	dbg_close
fi
dbg_intact
expect_err_has "13-debug: gdb closed the connection: breakpoints taken out, the guest runs on"
end

begin "debug: --gdb on a port in use: one line, status 69; the first monitor is not harmed"
needs_kvm
if [ -z "$TEST_SKIP" ] && dbg_start; then
	timeout -k 5 "$TIMEOUT_GUARD" "$BIN/13-debug" --gdb "$DBG_PORT" </dev/null >"$TMP_DIR/out2" 2>"$TMP_DIR/err2"
	dbg_status2=$?
	[ "$dbg_status2" -eq 69 ] || fail "the second --gdb $DBG_PORT: exit status $dbg_status2, not 69"
	grep -qF "13-debug: --gdb $DBG_PORT: cannot listen on 127.0.0.1:$DBG_PORT: Address already in use; give another port" "$TMP_DIR/err2" ||
		fail "the second --gdb $DBG_PORT said:
$(cat "$TMP_DIR/err2")"
	[ "$(grep -vc 'KVM_CAP_SET_GUEST_DEBUG2\|^13-debug: this KVM\|^13-debug: running ' "$TMP_DIR/err2")" -eq 1 ] ||
		fail "not one line past the probe's and the start's:
$(cat "$TMP_DIR/err2")"
	grep -q 'Sanitizer\|runtime error:' "$TMP_DIR/err2" && fail "a sanitizer reported: $(cat "$TMP_DIR/err2")"
	dbg_connect && dbg_close
fi
dbg_intact
end
