#!/usr/bin/env bash
# gdb-session.sh [BIN] - one real gdb session against chapter 13's stub,
# as the book shows it: 13-debug --gdb on a free port of 127.0.0.1, gdb
# -batch with the commands below (each echoed before its output, as a
# reader would type it), then the monitor's exit status.
#
# Prints gdb's output (standard output and standard error, in order) and
# a last line "13-debug: exit status N". The port is chosen here, so it
# changes from run to run; it is printed as PORT. The monitor's own lines
# are not shown (the book shows them elsewhere).
#
# Exit status: 0 when the session ran (whatever gdb said), 69 if gdb or
# 13-debug cannot be run here (one line says why), 70 if the stub never
# listened. The book shows its output (book/13-debug.md, "A gdb
# session"), and tests/cases/40-book.sh checks it against both builds.
set -u
bin=${1:-build/bin}
bin=${bin%/}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
elf=build/guests/rom/debug.elf
tools/require.sh gdb || exit 69 # installs it where it can, else says how
[ -x "$bin/13-debug" ] || { echo "gdb-session.sh: no $bin/13-debug: run make first" >&2; exit 69; }
[ -f "$elf" ] || { echo "gdb-session.sh: no $elf: run make first" >&2; exit 69; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/gdb-session.XXXXXX")
trap 'rm -rf "$tmp"; [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null' EXIT

# A port nobody listens on: try a few from a range the kernel does not
# hand out by itself (ip_local_port_range starts at 32768).
for port in $(shuf -i 20000-30000 -n 20); do
	"$bin/13-debug" --gdb "$port" --timeout 120 >"$tmp/guest" 2>"$tmp/monitor" &
	pid=$!
	# Up to 30 s for the stub to say it listens (or to fail to bind): its
	# probe of the backend is slow under TCG (the emulated AMD machine).
	for _ in $(seq 300); do
		grep -q 'waiting for gdb' "$tmp/monitor" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	grep -q 'waiting for gdb' "$tmp/monitor" && break
	wait "$pid" 2>/dev/null
	pid=""
done
if [ -z "${pid:-}" ]; then
	echo "gdb-session.sh: 13-debug --gdb never listened:" >&2
	cat "$tmp/monitor" >&2
	exit 70
fi

# The session: each command echoed first, as the reader types it.
cat >"$tmp/commands" <<EOF
file $elf
target remote :$port
break fib_loop
continue
continue
continue
print \$rbx
stepi
x/2xg 0x500
info registers rip
delete 1
break exit_now
continue
set \$rax = 5
continue
EOF
args=()
while IFS= read -r cmd; do
	args+=(-ex "echo (gdb) $cmd\\n" -ex "$cmd")
done <"$tmp/commands"
timeout -k 5 120 gdb -nx -batch -q "${args[@]}" >"$tmp/gdb" 2>&1 </dev/null
# The monitor ends with the guest; one that gdb never reached still waits
# in accept(), where --timeout does not count yet: give it 10 s.
for _ in $(seq 100); do
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
kill "$pid" 2>/dev/null
wait "$pid"
status=$?
pid=""
sed "s/:$port\b/:PORT/g" "$tmp/gdb"
echo "13-debug: exit status $status"
