#!/usr/bin/env bash
# valgrind.sh BUILD - every chapter program under valgrind's memcheck, on
# the runs a reader makes and on the ways a run can fail: zero memory
# errors, no leak, and no descriptor left open that the program opened.
# Logs go to BUILD/valgrind/; one line per run, then a summary; status 1
# if any run was not clean. (make valgrind)
set -u
build=${1:-build}
bin=$build/bin guests=$build/tests/guests
logs=$build/valgrind
rm -rf "$logs"
mkdir -p "$logs"

vg_version=$(valgrind --version)
echo "valgrind: $vg_version, memcheck, --leak-check=full --track-fds=yes, on $bin"

runs=0 clean=0 n=0
# check STDIN STDOUT PROGRAM [ARGS...]: one run under memcheck; STDOUT
# "-" keeps the output in the log directory.
check() {
	local stdin=$1 stdout=$2 prog=$3 log status errors fds shown why=""
	shift 3
	n=$((n + 1))
	log=$logs/$n-$prog.log
	shown=""
	[ "$stdout" = - ] && stdout=$logs/$n.out || shown=" >$stdout"
	timeout -k 5 120 valgrind --tool=memcheck --error-exitcode=99 \
		--leak-check=full --errors-for-leak-kinds=definite,possible \
		--track-fds=yes --log-file="$log" \
		"$bin/$prog" "$@" <"$stdin" >"$stdout" 2>"$logs/$n.err"
	status=$?
	runs=$((runs + 1))
	errors=$(sed -n 's/.*ERROR SUMMARY: \([0-9]*\) errors.*/\1/p' "$log" | tail -n 1)
	# Each open descriptor is listed; those the program did not open
	# are marked as inherited. Any other was opened and never closed.
	fds=$(awk '/Open (file|AF_UNIX socket|AF_INET socket) descriptor [0-9]+/ { if (fd != "") n++; fd = $0; next }
		/<inherited from parent>/ { fd = ""; next }
		END { if (fd != "") n++; print n + 0 }' "$log")
	[ -n "$errors" ] || why="no ERROR SUMMARY in the log"
	[ "${errors:-1}" = 0 ] || why="$why${why:+; }$errors memcheck error(s)"
	[ "$fds" = 0 ] || why="$why${why:+; }$fds descriptor(s) left open"
	[ "$status" = 99 ] && why="$why${why:+; }memcheck's error status 99"
	if [ "$status" -gt 128 ] && [ "$status" != 124 ]; then
		why="$why${why:+; }killed by a signal (status $status)"
	fi
	if [ -z "$why" ]; then
		clean=$((clean + 1))
		printf 'valgrind: clean  %s %s%s (status %d)\n' "$prog" "$*" "$shown" "$status"
	else
		printf 'valgrind: FAILED %s %s%s (status %d): %s; see %s\n' "$prog" "$*" \
			"$shown" "$status" "$why" "$log"
	fi
}

printf 'reader\n' >"$logs/name"
# The runs a reader makes: every chapter, as the tour runs it.
for prog in "$bin"/[0-9][0-9]-*; do
	prog=${prog##*/}
	[ "$prog" = 07-io-exits ] || check /dev/null - "$prog"
done
check "$logs/name" - 07-io-exits
check /dev/null - 07-io-exits --trace --stats
check /dev/null - 06-run --trace --stats
# Every test guest under chapter 07, and the crashes under chapter 06.
for guest in "$guests"/*.bin; do
	check /dev/null - 07-io-exits --timeout 1 "$guest"
done
check /dev/null - 06-run "$guests/triple-fault.bin"
check /dev/null - 06-run "$guests/mmio-write.bin"
check /dev/null - 06-run --timeout 0.5 "$guests/loop.bin"
# Chapter 08's broken states: refused by KVM (a die() path), or crashes.
if [ -x "$bin/08-long-mode" ]; then
	check /dev/null - 08-long-mode --real-mode
	for part in no-pae cs-d no-pml4 gdt-data; do
		check /dev/null - 08-long-mode --break "$part"
	done
fi
# Chapter 09: every way round an exit, and every ROM test guest.
if [ -x "$bin/09-mmio" ]; then
	check /dev/null - 09-mmio --trace --stats --coalesced-mmio --ioeventfd
	for guest in "$guests"/rom-*.bin "$guests"/lab-*.bin; do
		check /dev/null - 09-mmio --timeout 1 --coalesced-mmio "$guest"
	done
	check /dev/null - 09-mmio "$logs/no-such-guest.bin"
fi
# The ways out through die(): bad command line, no KVM, bad guest image.
check /dev/null - 07-io-exits --frobnicate
check /dev/null - 01-open-kvm --device /dev/null
check /dev/null - 03-add-memory "$logs"
check /dev/null - 07-io-exits "$logs/no-such-guest.bin"
# Standard output that fails while the guest prints (status 74).
check /dev/null /dev/full 07-io-exits --timeout 5 "$guests/print-forever.bin"

echo "valgrind: $runs runs, $clean clean, $((runs - clean)) not"
[ "$clean" -eq "$runs" ]
