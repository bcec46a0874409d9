#!/usr/bin/env bash
# fuzz.sh BUILD SEED COUNT [TIMEOUT] - run COUNT random real-mode guests
# (tests/fuzz/fuzz-gen.c, guest N made from SEED and N alone) through
# BUILD/bin/07-io-exits with --timeout TIMEOUT, standard input /dev/null.
#
# A run fails if the program is killed by a signal, a sanitizer reports,
# it outlives its own timeout, or its status does not match what it said
# (the exit port's byte, 0 after HLT, 70 after a crash report, 124 after a
# timeout: anything else, 64-74 included, is a bug). Each failing guest is
# kept in build/fuzz-failures/ with a .txt saying why and how to replay it.
# (make fuzz SEED=1 COUNT=10000; make test runs a short one.)
# FUZZ_PROGRAM names another chapter to run them through: 08-long-mode
# enters each one in 64-bit mode at 0x100000 (its own RAM and layout);
# 09-mmio gets ROM images that reach its MMIO devices and the hole;
# 10-interrupts, ROM images that program its PIC and PIT and wait in HLT;
# 15-linux gets mutated bzImage headers (fuzz-gen ... bzimage), each run
# with --dry-run and a small initramfs: its parser and its placement are
# the code that reads outside input. A run there must end with status 0
# and the two lines of a layout, or with status 66 (a kernel or initramfs
# refused) or 64 (a command line longer than the header allows) and
# exactly one line; anything else is a bug.
# 13-debug gets byte streams for its GDB stub instead: COUNT random and
# mutated packet streams into the framer and gdb_handle() with a fake
# target, in one process (BUILD/tests/fuzz-gdb, tests/fuzz/fuzz-gdb.c:
# under ASan and UBSan in build/san, checking every reply's framing and
# checksum and every request made of the target), then FUZZ_GDB_SOCKET
# (default 5) streams over the socket to 13-debug --gdb, made of what
# cannot change the guest: each run must end with the guest's own output
# and status 0, as if no debugger had been there.
# 14-migrate gets snapshot files instead: a base one that it saves first
# (--lines 10 --save, --after 0.5), then COUNT mutations of it into its
# reader in one process (BUILD/tests/fuzz-snapshot, tests/fuzz/
# fuzz-snapshot.c, under ASan and UBSan in build/san: each input must be
# read whole or refused in one line), then FUZZ_SNAPSHOT_RESTORE (default
# 5) mutations that the reader takes whole (contents changed, every CRC32
# made right) restored by 14-migrate --restore FILE --timeout 2: each must
# end with a status the program documents for what KVM and the guest then
# do (0, 1 the guest's own check, 65 KVM refused the state, 70, 71, 124),
# and no sanitizer report.
set -u
prog=${FUZZ_PROGRAM:-07-io-exits}

# --one BIN TIMEOUT GUEST FAILDIR SEED: check one guest (run by xargs).
if [ "${1:-}" = --one ]; then
	bin=$2 limit=$3 guest=$4 faildir=$5 seed=$6
	n=$(basename "$guest" .bin)
	err=$(mktemp) || exit 2
	# The guard: well past the program's own timeout, then SIGKILL.
	guard=$(awk -v t="$limit" 'BEGIN { print t + 10 }')
	if [ "$prog" = 15-linux ]; then
		replay="$bin/$prog --dry-run --kernel $faildir/seed$seed-$n.bin --initrd $faildir/initrd.img"
		timeout -s KILL "$guard" "$bin/$prog" --dry-run --kernel "$guest" \
			--initrd "$(dirname "$guest")/initrd.img" </dev/null >/dev/null 2>"$err"
	else
		replay="$bin/$prog --timeout $limit $faildir/seed$seed-$n.bin </dev/null"
		timeout -s KILL "$guard" "$bin/$prog" --timeout "$limit" "$guest" \
			</dev/null >/dev/null 2>"$err"
	fi
	status=$?
	lines=$(wc -l <"$err")
	why=""
	if grep -q -e 'runtime error:' -e 'Sanitizer' "$err"; then
		why="a sanitizer reported"
	elif [ "$prog" = 15-linux ]; then
		if [ "$status" -eq 0 ] && [ "$lines" -eq 2 ] && grep -q ': boot protocol ' "$err"; then
			:
		elif [ "$status" -eq 66 ] && [ "$lines" -eq 1 ]; then
			:
		elif [ "$status" -eq 64 ] && [ "$lines" -eq 1 ] && grep -q -- '--append: ' "$err"; then
			:
		elif [ "$status" -eq 137 ]; then
			why="still running ${guard}s after start: a --dry-run hung"
		elif [ "$status" -gt 128 ]; then
			why="killed by signal $((status - 128))"
		else
			why="status $status with $lines line(s) on standard error: a layout is status 0 and two lines, a refusal 66 (or 64, --append) and one"
		fi
	elif grep -q "the guest wrote $status to the exit port 0xf4: exit status $status\$" "$err"; then
		: # any status 1-255, those of signals included, if the guest chose it
	elif [ "$status" -eq 0 ] && grep -q -e 'the guest halted: exit status 0$' \
		-e 'the guest halted with interrupts disabled: exit status 0$' "$err"; then
		:
	elif [ "$status" -eq 70 ] && grep -q -e 'the guest stopped with ' \
		-e 'no interrupt can wake it: .*: exit status 70$' "$err"; then
		:
	elif [ "$status" -eq 124 ] && grep -q 'the guest was still running after' "$err"; then
		:
	elif [ "$status" -eq 137 ]; then
		why="still running ${guard}s after start: it outlived --timeout $limit"
	elif [ "$status" -gt 128 ]; then
		why="killed by signal $((status - 128))"
	else
		why="status $status does not match what the program said"
	fi
	# what happened, for the summary: the kind of ending
	case $prog:$status in
	15-linux:0) kind=laid-out ;; 15-linux:66) kind=refused ;; 15-linux:64) kind=cmdline-refused ;;
	*:0) kind=halt ;; *:70) kind=crash ;; *:124) kind=timeout ;; *) kind=exit-port ;;
	esac
	if [ -n "$why" ]; then
		kind=FAILED
		mkdir -p "$faildir"
		cp "$guest" "$faildir/seed$seed-$n.bin"
		[ "$prog" = 15-linux ] && cp "$(dirname "$guest")/initrd.img" "$faildir/initrd.img"
		{
			echo "guest $n of seed $seed: $why"
			echo "replay: $replay"
			echo "status: $status"
			echo "standard error:"
			cat "$err"
		} >"$faildir/seed$seed-$n.txt"
		echo "fuzz: guest $n FAILED: $why (build/fuzz-failures/seed$seed-$n.txt)" >&2
	fi
	echo "$kind"
	rm -f "$err"
	exit 0
fi

build=${1:?usage: fuzz.sh BUILD SEED COUNT [TIMEOUT]}
seed=${2:?usage: fuzz.sh BUILD SEED COUNT [TIMEOUT]}
count=${3:?usage: fuzz.sh BUILD SEED COUNT [TIMEOUT]}
limit=${4:-0.2}
case $seed$count in *[!0-9]*)
	echo "fuzz: SEED and COUNT must be whole numbers (make fuzz SEED=1 COUNT=10000)" >&2
	exit 64 ;;
esac
faildir=${FUZZ_FAILURES:-build/fuzz-failures}
work=$(mktemp -d "${TMPDIR:-/tmp}/kvm-steps-fuzz.XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT

[ -x "$build/bin/$prog" ] || { echo "fuzz: no program $build/bin/$prog: give FUZZ_PROGRAM=07-io-exits or another chapter that runs guests" >&2; exit 64; }
if [ "$prog" = 13-debug ]; then
	[ -x "$build/tests/fuzz-gdb" ] || { echo "fuzz: no $build/tests/fuzz-gdb: make it first (make SAN=1 all)" >&2; exit 64; }
	expected=$(cd "$(dirname "$0")/.." && pwd)/tests/expected/13-debug.out
	sockets=${FUZZ_GDB_SOCKET:-5}
	started=$(date +%s)
	echo "fuzz: $count packet streams of seed $seed through the GDB stub ($build/tests/fuzz-gdb), then $sockets over the socket through $build/bin/$prog --gdb"
	mkdir -p "$faildir"
	"$build/tests/fuzz-gdb" "$seed" 0 "$count" "$faildir" >"$work/stub" 2>&1
	status=$?
	cat "$work/stub"
	failed=0
	if [ "$status" -ne 0 ] || grep -q -e 'runtime error:' -e 'Sanitizer' "$work/stub"; then
		echo "fuzz: the stub failed on some streams (status $status): see above"
		failed=1
	fi
	for ((n = 0; n < sockets; n++)); do
		"$build/tests/fuzz-gdb" --socket "$seed" "$n" >"$work/stream" || exit 2
		port=""
		for ((i = 0; i < 20; i++)); do
			port=$((20000 + RANDOM % 40000))
			(exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
		done
		timeout -s KILL 60 "$build/bin/$prog" --gdb "$port" --timeout 20 </dev/null \
			>"$work/out" 2>"$work/err" &
		monitor=$!
		for ((i = 0; i < 600; i++)); do
			grep -q "waiting for gdb on 127.0.0.1:$port " "$work/err" && break
			kill -0 "$monitor" 2>/dev/null || break
			sleep 0.05
		done
		# The replies are not read: a client that closes with replies
		# unread, or that stops reading, is one more thing the monitor
		# must take (it detaches, and the guest runs on). Only this
		# shell holds the socket, so closing it ends the connection.
		if exec {sock}<>"/dev/tcp/127.0.0.1/$port"; then
			cat "$work/stream" >&"$sock" 2>/dev/null
			exec {sock}>&-
		fi
		wait "$monitor"
		status=$?
		# how the debugger left, for the summary
		case $(cat "$work/err") in
		*"gdb detached:"*) echo detached ;;
		*"gdb closed the connection:"*) echo closed ;;
		*"the connection to gdb failed:"*) echo reset ;;
		*"gdb stopped reading:"*) echo stopped-reading ;;
		*"bad checksums in a row"*) echo bad-checksums ;;
		*) echo attached-to-the-end ;;
		esac >>"$work/kinds"
		why=""
		if grep -q -e 'runtime error:' -e 'Sanitizer' "$work/err"; then
			why="a sanitizer reported"
		elif [ "$status" -ne 0 ]; then
			why="status $status, not 0"
		elif ! cmp -s "$expected" "$work/out"; then
			why="the guest's output is not tests/expected/13-debug.out"
		fi
		if [ -n "$why" ]; then
			failed=1
			cp "$work/stream" "$faildir/gdb-socket-seed$seed-$n.bin"
			{
				echo "socket stream $n of seed $seed: $why"
				echo "replay: $build/bin/$prog --gdb 1234 & then send $faildir/gdb-socket-seed$seed-$n.bin to 127.0.0.1:1234"
				echo "        (remade by: $build/tests/fuzz-gdb --socket $seed $n)"
				echo "status: $status"
				echo "standard error:"
				cat "$work/err"
			} >"$faildir/gdb-socket-seed$seed-$n.txt"
			echo "fuzz: socket stream $n FAILED: $why ($faildir/gdb-socket-seed$seed-$n.txt)"
		fi
	done
	summary=$(sort "$work/kinds" 2>/dev/null | uniq -c | awk '{ printf "%s%s %s", sep, $1, $2; sep = ", " }')
	echo "fuzz: $count streams and $sockets socket runs in $(( $(date +%s) - started )) s${summary:+; the socket runs: $summary}"
	[ "$failed" -eq 0 ] || exit 1
	echo "fuzz: no crash, no sanitizer report, no hang, every status as reported"
	exit 0
fi

if [ "$prog" = 14-migrate ]; then
	[ -x "$build/tests/fuzz-snapshot" ] || { echo "fuzz: no $build/tests/fuzz-snapshot: make it first (make SAN=1 all)" >&2; exit 64; }
	restores=${FUZZ_SNAPSHOT_RESTORE:-5}
	started=$(date +%s)
	echo "fuzz: $count mutated snapshots of seed $seed through $build/bin/$prog: first its reader alone ($build/tests/fuzz-snapshot), then $restores restored by $prog --restore"
	mkdir -p "$faildir"
	failed=0
	if ! timeout -s KILL 60 "$build/bin/$prog" --lines 10 --save "$work/base" --after 0.5 \
		</dev/null >/dev/null 2>"$work/err" || [ ! -s "$work/base" ]; then
		echo "fuzz: the base snapshot could not be saved:"
		cat "$work/err"
		exit 1
	fi
	"$build/tests/fuzz-snapshot" "$seed" 0 "$count" "$faildir" "$work/base" >"$work/reader" 2>&1
	status=$?
	cat "$work/reader"
	if [ "$status" -ne 0 ] || grep -q -e 'runtime error:' -e 'Sanitizer' "$work/reader"; then
		echo "fuzz: the reader failed on some snapshots (status $status): see above"
		failed=1
	fi
	for ((n = 0; n < restores; n++)); do
		if ! "$build/tests/fuzz-snapshot" --restorable "$seed" "$n" "$work/base" \
			"$work/m$n" >"$work/how" 2>&1; then
			echo "fuzz: no restorable mutation $n: $(cat "$work/how")"
			failed=1
			continue
		fi
		timeout -s KILL 30 "$build/bin/$prog" --restore "$work/m$n" --timeout 2 \
			</dev/null >/dev/null 2>"$work/err"
		status=$?
		why=""
		if grep -q -e 'runtime error:' -e 'Sanitizer' "$work/err"; then
			why="a sanitizer reported"
		else
			case $status in
			0 | 1 | 65 | 70 | 71 | 124) ;;
			137) why="still running 30 s after start: it outlived --timeout 2" ;;
			*) why="status $status, not one the program documents for a restore" ;;
			esac
		fi
		echo "$status" >>"$work/kinds"
		if [ -n "$why" ]; then
			failed=1
			cp "$work/m$n" "$faildir/snapshot-restore-seed$seed-$n.bin"
			{
				echo "restorable mutation $n of seed $seed: $why"
				echo "mutation: $(cat "$work/how")"
				echo "replay: $build/bin/$prog --restore $faildir/snapshot-restore-seed$seed-$n.bin --timeout 2"
				echo "status: $status"
				echo "standard error:"
				cat "$work/err"
			} >"$faildir/snapshot-restore-seed$seed-$n.txt"
			echo "fuzz: restore $n FAILED: $why ($faildir/snapshot-restore-seed$seed-$n.txt)"
		fi
	done
	summary=$(sort -n "$work/kinds" 2>/dev/null | uniq -c | awk '{ printf "%s%s ended %s", sep, $1, $2; sep = ", " }')
	echo "fuzz: $count snapshots and $restores restores in $(( $(date +%s) - started )) s${summary:+; the restores: $summary}"
	[ "$failed" -eq 0 ] || exit 1
	echo "fuzz: no crash, no sanitizer report, no hang, every status as reported"
	exit 0
fi

# Chapter 09 runs ROM images: the same random code, with MMIO pieces and a
# reset vector at the end (tests/fuzz/fuzz-gen.c, "rom"); chapter 10 runs
# ROM images with PIC and PIT pieces too ("irq"). Chapter 15 reads kernel
# images: mutated bzImage headers ("bzimage"), and one small initramfs for
# all of them.
case $prog in 09-mmio) kind=rom ;; 10-interrupts) kind=irq ;; 15-linux) kind=bzimage ;; *) kind="" ;; esac
"$build/tests/fuzz-gen" "$seed" 0 "$count" "$work" $kind || exit 2
[ "$prog" = 15-linux ] && head -c 65536 /dev/zero >"$work/initrd.img"
self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
jobs=$(nproc 2>/dev/null || echo 2)
started=$(date +%s)
how="--timeout $limit"
[ "$prog" = 15-linux ] && how="--dry-run, bzImage headers"
echo "fuzz: $count random guests of seed $seed through $build/bin/$prog $how, $jobs at a time"
find "$work" -name '*.bin' -print0 | sort -zV |
	xargs -0 -P "$jobs" -I{} "$self" --one "$build/bin" "$limit" {} "$faildir" "$seed" >"$work/kinds"
failed=$(grep -c FAILED "$work/kinds")
summary=$(sort "$work/kinds" | uniq -c | awk '{ printf "%s%s %s", sep, $1, $2; sep = ", " }')
echo "fuzz: $(wc -l <"$work/kinds") runs in $(( $(date +%s) - started )) s: $summary"
ran=$(wc -l <"$work/kinds")
if [ "$ran" -ne "$count" ]; then
	echo "fuzz: only $ran of $count guests were run to the end: see the messages above"
	exit 1
fi
if [ "$failed" -gt 0 ]; then
	echo "fuzz: $failed guest(s) failed; kept in $faildir/ with how to replay each"
	exit 1
fi
echo "fuzz: no crash, no sanitizer report, no hang, every status as reported"
