# labs/tests/13-debug.sh - the graded tests of lab 13 (labs/grade.sh).
#
# The stage: the probe of what this KVM can stop at (probe_one(),
# probe()), the request itself (set_guest_debug()), int3s in guest memory
# (plant(), lift()), gdb's c and s (serve()), and KVM_EXIT_DEBUG
# (debug_exit()). The addresses come from nasm's map of the guest
# (build/guests/rom/debug.map), never from here; the gdb sessions load
# its labels (build/guests/rom/debug.elf).
#
# Not every KVM stops at every kind of breakpoint, so the tests grade what
# the program does on this one, and what this KVM must do is written down:
#   kvm_pvm            int3 does not stop, debug-register breakpoints
#                      stop, watchpoints do not stop (measured here)
#   kvm_amd in the     none of the three stops (measured there). The
#   emulated machine   cause is most likely QEMU's TCG underneath, not
#                      kvm_amd: it was not traced further. Single steps
#                      stop, but some of their traps are lost, so one
#                      step line may hold several instructions.
#   kvm_amd, kvm_intel all three stop: KVM intercepts #BP and #DB and
#   on hardware        loads DR0-DR7 (read in the sources, not run here)
# A test of breakpoints checks them where the program's probe says they
# stop, and checks that they are refused where it says they do not; the
# first test holds the probe to the backend.
#
# Graded extras (the book lists them under "Graded extras"):
#   monitor    gdb's "monitor regs" (qRcmd): the stub answers with CR0,
#              CR3, CR4 and EFER as console output ('O' packets, hex),
#              then OK
#   step-from  --step-from ADDRESS: run at full speed to ADDRESS (a
#              breakpoint there, or silent single steps where this KVM
#              stops at no breakpoint), then single-step from there,
#              with step lines only from ADDRESS on

DEBUG_MAP=$GUESTS/rom/debug.map
DEBUG_ELF=$GUESTS/rom/debug.elf
GUEST_OUT="debug.asm: in 64-bit mode, counting
fib: 0 1 1 2 3 5 8 13 21 34"
# A gdb session ends in about a second here, and in tens of seconds in
# the emulated machine, where gdb itself runs under TCG.
GDB_GUARD=${GDB_GUARD:-120}

# label NAME: the address of one of the guest's labels, as 0x... in hex.
label() {
	local hex
	hex=$(awk -v name="$1" '$3 == name { print $2; exit }' "$DEBUG_MAP" 2>/dev/null)
	[ -n "$hex" ] && printf '0x%x' "0x$hex"
}
START16=$(label start16) LONG_START=$(label long_start) FIB_LOOP=$(label fib_loop)
FIB_DONE=$(label fib_done) EXIT_NOW=$(label exit_now)
[ -n "$START16" ] && [ -n "$LONG_START" ] && [ -n "$FIB_LOOP" ] && [ -n "$FIB_DONE" ] &&
	[ -n "$EXIT_NOW" ] || {
	echo "grade: no labels in $DEBUG_MAP (make $DEBUG_ELF makes it)" >&2
	exit 1
}
# As gdb prints a 64-bit address.
gdb_addr() { printf '0x%016x' "$1"; }

# What the program's probe said in the last run: what this KVM stops at.
probe_says() {
	grep -m 1 'KVM_CAP_SET_GUEST_DEBUG2 says' "$TMP_DIR/err" | grep -qF -- "$1"
}
can_int3() { probe_says "int3 stops"; }
can_dr() { probe_says "debug-register breakpoints stop"; }
can_break() { can_int3 || can_dr; }
can_watch() { probe_says "watchpoints stop"; }

# gdb_run COMMANDS [ARGS...]: 13-debug --gdb PORT [ARGS] on a free port,
# and gdb in batch mode, with the guest's labels, connected to it, running
# what the function COMMANDS prints; it runs once the program waits for
# gdb, so it may choose by what the program said (its probe). The
# program's output goes where run() puts it (OUT, ERR, STATUS); gdb's in
# $TMP_DIR/gdb.
gdb_run() {
	local cmds=$1 port pid tries=0
	shift
	[ -n "$TEST_SKIP" ] && return 0
	: >"$TMP_DIR/gdb"
	: >"$TMP_DIR/session.gdb"
	if ! command -v gdb >/dev/null 2>&1; then
		fail "gdb is not installed here: the tests of the stub need it (Debian: apt-get install gdb)"
		return 0
	fi
	while :; do
		port=$((20000 + RANDOM % 40000))
		RAN="$BIN/13-debug --gdb $port${*:+ $*}" RAN_STDIN=/dev/null
		timeout -v -k 5 "$GDB_GUARD" "$BIN/13-debug" --gdb "$port" "$@" </dev/null \
			>"$TMP_DIR/out" 2>"$TMP_DIR/err" &
		pid=$!
		# It listens, or it ended (an unwritten stage, a port in use).
		while kill -0 "$pid" 2>/dev/null && ! grep -q 'waiting for gdb on' "$TMP_DIR/err"; do
			sleep 0.05
		done
		grep -q 'waiting for gdb on' "$TMP_DIR/err" && break
		wait "$pid"
		STATUS=$?
		tries=$((tries + 1))
		grep -q 'cannot listen on' "$TMP_DIR/err" && [ "$tries" -lt 5 ] && continue
		{ OUT=$(<"$TMP_DIR/out"); } 2>/dev/null
		{ ERR=$(<"$TMP_DIR/err"); } 2>/dev/null
		fail "13-debug --gdb $port ended before it waited for gdb (status $STATUS)"
		return 0
	done
	{
		echo "set pagination off"
		echo "set confirm off"
		echo "file $DEBUG_ELF"
		echo "target remote 127.0.0.1:$port"
		"$cmds"
	} >"$TMP_DIR/session.gdb"
	timeout -k 5 "$GDB_GUARD" gdb -batch -nx -x "$TMP_DIR/session.gdb" </dev/null >"$TMP_DIR/gdb" 2>&1
	# gdb never got through: the program would wait for it to the end.
	if ! grep -q 'gdb connected' "$TMP_DIR/err"; then
		kill "$pid" 2>/dev/null
		fail "gdb could not connect to 127.0.0.1:$port: $(grep -m 1 -i 'remote\|connect\|unreachable' "$TMP_DIR/gdb")"
	fi
	wait "$pid"
	STATUS=$?
	if { [ "$STATUS" -eq 124 ] || [ "$STATUS" -eq 137 ]; } &&
		grep -q '^timeout: sending signal' "$TMP_DIR/err"; then
		sed -i '/^timeout: sending signal/d' "$TMP_DIR/err"
		fail "13-debug did not finish within $GDB_GUARD s of gdb's session: it hung and was stopped"
	fi
	{ OUT=$(<"$TMP_DIR/out"); } 2>/dev/null
	{ ERR=$(<"$TMP_DIR/err"); } 2>/dev/null
}

# gdb printed a line matching the extended regular expression.
expect_gdb_match() {
	[ -n "$TEST_SKIP" ] && return 0
	grep -qE -- "$1" "$TMP_DIR/gdb" || fail "gdb printed no line matching /$1/; its commands were:
$(sed -n '5,$p' "$TMP_DIR/session.gdb" 2>/dev/null)
and it printed:
$(tail -n 30 "$TMP_DIR/gdb")"
}

# gdb printed exactly N lines matching the regular expression.
expect_gdb_count() {
	[ -n "$TEST_SKIP" ] && return 0
	local n
	n=$(grep -cE -- "$1" "$TMP_DIR/gdb")
	[ "$n" -eq "$2" ] || fail "gdb should have printed $2 line(s) matching /$1/, not $n; it printed:
$(tail -n 30 "$TMP_DIR/gdb")"
}

graded 15 "the default run: the guest's output exactly, the probe says what this KVM ($BACKEND) stops at, exit 0"
run 13-debug
expect_status 0
expect_out_text "$GUEST_OUT"
expect_err_match "^13-debug: KVM_CAP_SET_GUEST_DEBUG2 says 0x[0-9a-f]+; tried on a scratch VM: int3 (stops \(KVM_EXIT_DEBUG, #BP\)|does not stop), debug-register breakpoints (stop|do not stop), watchpoints (stop|do not stop)$"
case $BACKEND in
kvm_pvm) expect_err_has "tried on a scratch VM: int3 does not stop, debug-register breakpoints stop, watchpoints do not stop" ;;
kvm_amd | kvm_intel)
	if [ -n "${KVM_STEPS_VM:-}" ]; then # the emulated machine: TCG underneath
		expect_err_has "tried on a scratch VM: int3 does not stop, debug-register breakpoints do not stop, watchpoints do not stop"
	else
		expect_err_has "tried on a scratch VM: int3 stops (KVM_EXIT_DEBUG, #BP), debug-register breakpoints stop, watchpoints stop"
	fi
	;;
esac
expect_err_has "the guest wrote 0 to the exit port 0xf4: exit status 0"
end

graded 20 "--step: one line per instruction at the guest's addresses: the reset vector's jump, start16, long_start, the OUT at exit_now last, the count"
run 13-debug --step
expect_status 0
expect_out_text "$GUEST_OUT"
expect_err_match "^step 1: 0xfffffff0: jumped to $START16\$"
expect_err_match "^step 2: $START16: fa\$"
expect_err_match "^step [0-9]+: $LONG_START: 66 b8 10 00\$"
if [ -z "$TEST_SKIP" ]; then
	grep '^step ' "$TMP_DIR/err" >"$TMP_DIR/steps"
	steps=$(wc -l <"$TMP_DIR/steps")
	[ "$steps" -gt 100 ] || fail "only $steps step lines: the guest runs hundreds of instructions"
	# Numbered 1, 2, 3, ... in order, each an address and its bytes or its jump.
	awk '$0 !~ /^step [0-9]+: 0x[0-9a-f]+: (([0-9a-f][0-9a-f] )*[0-9a-f][0-9a-f]|jumped to 0x[0-9a-f]+|OUT to the exit port, KVM_EXIT_IO before its single step)$/ || $2 != NR ":" { print; exit 1 }' \
		"$TMP_DIR/steps" >"$TMP_DIR/bad" || fail "a step line out of order or out of shape: $(cat "$TMP_DIR/bad")"
	tail -n 1 "$TMP_DIR/steps" | grep -qx "step $steps: $EXIT_NOW: OUT to the exit port, KVM_EXIT_IO before its single step" ||
		fail "the last step line should be the OUT at exit_now ($EXIT_NOW): $(tail -n 1 "$TMP_DIR/steps")"
	# Every stop but the last lies in the guest's code; fib_loop's first
	# instruction is stopped at in each of its 10 rounds, or run in one
	# step with the jump back to it where traps are lost.
	fib=$(grep -cE "^step [0-9]+: $FIB_LOOP: " "$TMP_DIR/steps")
	[ "$fib" -ge 1 ] && [ "$fib" -le 10 ] || fail "fib_loop ($FIB_LOOP) began $fib step lines, not 1 to 10"
fi
expect_err_has "13-debug: ${steps:-N} instructions single-stepped"
expect_err_has "the guest wrote 0 to the exit port 0xf4: exit status 0"
end

graded 15 "--breakpoint fib_loop --breakpoint exit_now: a stop with the registers at each round, or refused where this KVM stops at none"
run 13-debug --breakpoint "$FIB_LOOP" --breakpoint "$EXIT_NOW"
if [ -n "$TEST_SKIP" ]; then
	:
elif can_break; then
	expect_status 0
	expect_out_text "$GUEST_OUT"
	if can_int3; then
		expect_err_has "13-debug: breakpoint at $FIB_LOOP (an int3 in guest memory, KVM_GUESTDBG_USE_SW_BP)"
	else
		expect_err_has "13-debug: breakpoint at $FIB_LOOP (a debug register, KVM_GUESTDBG_USE_HW_BP)"
	fi
	# Round i: rbx the i-th number, r13 how many are left.
	i=0
	for rbx in 0x0 0x1 0x1 0x2 0x3 0x5 0x8 0xd 0x15 0x22; do
		expect_err_match "^13-debug: breakpoint at $FIB_LOOP: rax 0x[0-9a-f]+ rbx $rbx rcx 0x[0-9a-f]+ rdx 0x[0-9a-f]+ rsp 0x90000 r12 0x[0-9a-f]+ r13 $(printf '0x%x' $((10 - i)))\$"
		i=$((i + 1))
	done
	n=$(grep -c "^13-debug: breakpoint at $FIB_LOOP: " "$TMP_DIR/err")
	[ "$n" -eq 10 ] || fail "$n stops at fib_loop, not 10: each round stops once"
	expect_err_match "^13-debug: breakpoint at $EXIT_NOW: rax 0x0 rbx 0x37 .* r13 0x0\$"
	expect_err_has "the guest wrote 0 to the exit port 0xf4: exit status 0"
else
	expect_status 64
	expect_err_has "13-debug: --breakpoint $FIB_LOOP: this KVM stops at neither an int3 nor a debug register"
fi
end


# The gdb sessions. Where this KVM stops at no breakpoint, gdb's break
# would write an int3 into the guest itself, and the guest would die of
# it: there the sessions single-step from the reset vector instead.
session_break() {
	if can_break; then
		cat <<EOF
break fib_loop
continue
continue
continue
print \$rbx
print \$r13
x/2xb fib_loop
stepi
x/2xg 0x500
info registers rip
EOF
	else
		cat <<EOF
info registers rip
stepi
info registers rip
x/1xb $START16
set \$rbx = 0x1234
stepi
print/x \$rbx
x/2xg 0x500
EOF
	fi
}

graded 25 "gdb: break fib_loop, continue 3 times: rbx 1, r13 8, the guest's own bytes; stepi; x/2xg 0x500; rip (steps and registers where no breakpoint stops)"
gdb_run session_break
if [ -z "$TEST_SKIP" ] && can_break; then
	expect_gdb_count "^Breakpoint 1, $(gdb_addr "$FIB_LOOP") in fib_loop \(\)\$" 3
	expect_gdb_match '^\$1 = 1$'
	expect_gdb_match '^\$2 = 8$'
	expect_gdb_match "<fib_loop>:[[:space:]]+0x48[[:space:]]+0x89\$"
	expect_gdb_match "^$(gdb_addr $((FIB_LOOP + 8))) in fib_loop \(\)\$"
	expect_gdb_match '^0x500:[[:space:]]+0x0000000000000001[[:space:]]+0x0000000000000000$'
	expect_gdb_match "^rip +$(printf '0x%x' $((FIB_LOOP + 8))) +$(printf '0x%x' $((FIB_LOOP + 8))) <fib_loop\+8>\$"
elif [ -z "$TEST_SKIP" ]; then
	# Real mode: gdb's rip is the linear PC, CS base + IP (0xffff0000 +
	# 0xfff0 at the reset vector, 0xf0000 + IP in the ROM below 1 MiB).
	expect_gdb_match '^rip +0xfffffff0 +0xfffffff0$'
	expect_gdb_match "^rip +$(printf '0x%x' $((START16))) +"
	expect_gdb_match "^$START16 <start16>:[[:space:]]+0xfa\$"
	expect_gdb_match '^\$1 = 0x1234$'
	expect_gdb_match '^0x500:[[:space:]]+0x0000000000000000[[:space:]]+0x0000000000000000$'
fi
expect_status 0
expect_out_text "$GUEST_OUT"
end

session_exit() {
	if can_break; then
		# gdb leaves its breakpoints to the stub between stops, so
		# exit_now's is put back by the stub's resume, not by gdb.
		echo "set breakpoint always-inserted on"
		echo "break fib_loop"
		echo "break exit_now"
		echo "continue"
		echo "delete 1"
		echo "continue"
	else
		# Still in real mode at the reset vector: exit_now's OUT (e6 f4)
		# means the same in 16-bit code. gdb's $pc is linear (CS base +
		# IP), and CS's base is 0xffff0000 there: the ROM's copy below
		# 4 GiB, where exit_now is at the same offset as below 1 MiB.
		printf 'set $pc = 0x%x\n' $((0xffff0000 + EXIT_NOW - 0xf0000))
	fi
	echo 'print $rax'
	echo 'set $rax = 5'
	echo 'continue'
}

graded 10 "gdb: at exit_now, set \$rax = 5 and continue: gdb sees the exit code 05, the monitor exits 5"
gdb_run session_exit
[ -z "$TEST_SKIP" ] && can_break &&
	expect_gdb_match "^Breakpoint 2, $(gdb_addr "$EXIT_NOW") in exit_now \(\)\$"
expect_gdb_match '^\$1 = 0$'
expect_gdb_match '^\[Inferior 1 \(Remote target\) exited with code 05\]$'
expect_status 5
expect_err_has "the guest wrote 5 to the exit port 0xf4: exit status 5"
[ -z "$TEST_SKIP" ] && can_break && expect_out_text "$GUEST_OUT"
end

session_watch() {
	# Where no data write stops, gdb would try the debug registers
	# and give up: it is told to watch by single steps.
	can_watch || echo "set can-use-hw-watchpoints 0"
	echo 'watch *(long *)0x500'
	echo 'continue'
	echo 'continue'
	echo 'continue'
}

graded 10 "gdb: a watchpoint on FIB_LAST (0x500) from the reset vector: 0 to 1, 1 to 2, 2 to 3 (debug registers, or single steps)"
gdb_run session_watch
for change in "0 1" "1 2" "2 3"; do
	if [ -z "$TEST_SKIP" ] && ! grep -A 1 -x "Old value = ${change% *}" "$TMP_DIR/gdb" | grep -qx "New value = ${change#* }"; then
		fail "gdb did not see FIB_LAST change from ${change% *} to ${change#* }; it printed:
$(tail -n 30 "$TMP_DIR/gdb")"
		break
	fi
done
if [ -z "$TEST_SKIP" ] && can_watch; then
	expect_gdb_match '^Hardware watchpoint 2: \*\(long \*\)0x500$'
	expect_gdb_count "^$(gdb_addr $((FIB_LOOP + 8))) in fib_loop \(\)\$" 3
fi
expect_status 0
expect_out_text "$GUEST_OUT"
end

session_detach() {
	if can_break; then
		echo "break fib_loop"
		echo "continue"
		echo "continue"
	else
		echo "stepi 5"
	fi
	echo "detach"
}

graded 5 "gdb detaches with the guest stopped: breakpoints out, the guest runs to its end, exit 0"
gdb_run session_detach
expect_gdb_match '^\[Inferior 1 \(Remote target\) detached\]$'
expect_err_has "13-debug: gdb detached: breakpoints taken out, the guest runs on"
expect_err_has "the guest wrote 0 to the exit port 0xf4: exit status 0"
expect_status 0
expect_out_text "$GUEST_OUT"
end

session_monitor() {
	echo "monitor regs"
	# Past the climb to long mode (20 instructions), wherever the steps end.
	echo "stepi 40"
	echo "monitor regs"
	echo "monitor nonsense"
}

extra monitor 10 "gdb's monitor regs: CR0, CR3, CR4 and EFER at the reset vector and in long mode, one line each time"
gdb_run session_monitor
# At reset CR0 holds CD, NW and ET; the climb adds PE and PG, CR3 the
# guest's PML4, CR4.PAE, EFER.LME and LMA.
expect_gdb_match '^cr0 0x60000010 cr3 0x0 cr4 0x0 efer 0x0$'
expect_gdb_match "^cr0 0xe0000011 cr3 $(label pml4) cr4 0x20 efer 0x500\$"
expect_gdb_match "^monitor: unknown command 'nonsense'; this stub knows: regs\$"
expect_status 0
expect_out_text "$GUEST_OUT"
end

extra step-from 10 "--step-from fib_done: no step line before it, the first at fib_done, the OUT at exit_now last; a bad address refused"
run 13-debug --step-from "$FIB_DONE"
expect_status 0
expect_out_text "$GUEST_OUT"
if [ -z "$TEST_SKIP" ]; then
	if can_break; then
		expect_err_match "^13-debug: --step-from $FIB_DONE: a breakpoint there \((an int3|a debug register)\), then single steps\$"
	else
		expect_err_has "13-debug: --step-from $FIB_DONE: this KVM stops at no breakpoint: single steps from the start, shown from there"
	fi
	grep '^step ' "$TMP_DIR/err" >"$TMP_DIR/steps"
	steps=$(wc -l <"$TMP_DIR/steps")
	[ "$steps" -ge 2 ] && [ "$steps" -le 20 ] || fail "$steps step lines: from fib_done to the exit there are a few"
	head -n 1 "$TMP_DIR/steps" | grep -qx "step 1: $FIB_DONE: b0 0a" ||
		fail "the first step line should be fib_done's mov al, 10: $(head -n 1 "$TMP_DIR/steps")"
	tail -n 1 "$TMP_DIR/steps" | grep -qx "step $steps: $EXIT_NOW: OUT to the exit port, KVM_EXIT_IO before its single step" ||
		fail "the last step line should be the OUT at exit_now ($EXIT_NOW): $(tail -n 1 "$TMP_DIR/steps")"
	expect_err_has "13-debug: reached $FIB_DONE: single-stepping from here"
	expect_err_has "13-debug: $steps instructions single-stepped from $FIB_DONE"
fi
run 13-debug --step-from nowhere
expect_status 64
expect_err_has "13-debug: --step-from: 'nowhere' is not an address"
expect_err_lines 1
run 13-debug --step-from "$FIB_DONE" --step
expect_status 64
expect_err_has "13-debug: --step-from with --step: give one or the other"
end
