#!/bin/sh
# linux-boot.sh BIN - one boot of chapter 15 (make bench, part 5; book
# chapter 15): Debian's kernel and the busybox initramfs (tools/linux.sh
# fetches and builds them), "exit 3" typed into the shell, --stats on.
# Prints the seconds from the start to the shell's first line ("kvm-steps:
# Linux ... is up") and to the end, and what --stats counted: exits, the
# console's bytes (writes to 0x3f8) and the exits per console byte, all
# of them and those at the console's ports (0x3f8-0x3ff) alone.
# Exit status: 0; 69 without a kernel; 1 when the boot did not end with
# the shell's status 3. LINUX_BOOT_TIMEOUT (default 600 s) bounds it.
set -u
tree=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:?usage: bench/linux-boot.sh BIN}
files=$("$tree/tools/linux.sh" "$bin" -p) || exit 69
kernel=$(echo "$files" | sed -n 1p) initrd=$(echo "$files" | sed -n 2p)
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
start=$(date +%s.%N)
{ printf 'exit 3\n' | "$bin/15-linux" --kernel "$kernel" --initrd "$initrd" --stats \
	--timeout "${LINUX_BOOT_TIMEOUT:-600}" 2>"$tmp/err"; echo $? >"$tmp/status"; } |
	while IFS= read -r line; do
		case $line in *"kvm-steps: Linux "*" is up on "*) date +%s.%N >"$tmp/up" ;; esac
	done
end=$(date +%s.%N)
status=$(cat "$tmp/status")
if [ "$status" != 3 ] || [ ! -s "$tmp/up" ]; then
	echo "linux-boot: the boot did not reach the shell and its exit (status $status):" >&2
	grep -v '^stats:' "$tmp/err" | tail -n 3 >&2
	exit 1
fi
awk -v start="$start" -v up="$(cat "$tmp/up")" -v end="$end" '
	/^stats: [0-9]+ exits to the monitor/ { exits = $2 }
	/^stats:     out port 0x3f8 / { bytes = $NF }
	/^stats:     (in|out) port 0x3f[89a-f] / { console += $NF }
	END {
		printf "linux: shell after %.1f s, end after %.1f s; %d exits, %d console bytes: %.2f exits per byte, %.2f at the console ports\n",
			up - start, end - start, exits, bytes, exits / bytes, console / bytes
	}' "$tmp/err"
