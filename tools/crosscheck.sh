#!/usr/bin/env bash
# crosscheck.sh BUILD - make crosscheck: run each boot-sector guest under
# QEMU with SeaBIOS and under chapter 07, and compare what each printed on
# the serial port and the status it ended with through port 0xf4.
#
# Two machines written apart (QEMU's 16550 and PC firmware, kvm-steps'
# COM1 in common/serial.c) should agree on what a guest prints; where they
# do not, one of them is wrong, or the guest relies on something the two
# machines are free to do differently (the line prints the diff).
#
# The guests: guest-asm/real/*.bin that carry the boot signature, and the
# test guests of tests/guests/ that fit in 510 bytes, padded and signed
# here, all run under chapter 07; and guest-asm/long/*.bin that are boot
# sectors already (switch.asm climbs to long mode itself), run under
# chapter 08 --real-mode, which gives the vCPU the CPUID that climb needs.
# A guest is compared only if it ends through port 0xf4 under kvm-steps
# (under QEMU, a guest that halts never ends).
#
# CROSSCHECK_QEMU names another QEMU binary (the tests use a stand-in).
# QEMU runs with -accel tcg, its own CPU emulator, the machine least like
# KVM; CROSSCHECK_ACCEL=kvm runs it on KVM instead. The debug-exit device
# at 0xf4 makes QEMU exit with (byte << 1) | 1; that is undone here.
#
# Exit status: 0 when every guest compared agrees (or differs only in a
# way listed in known_difference below, with its reason), or when QEMU is not
# installed (one line says so: the comparison was skipped, not passed);
# 1 when a guest differs; 2 when the build is missing.
set -u
build=${1:-build}
ch07=$build/bin/07-io-exits
accel=${CROSSCHECK_ACCEL:-tcg}
limit=${CROSSCHECK_TIMEOUT:-30}   # seconds QEMU gets for one guest
kvm_limit=${CROSSCHECK_KVM_TIMEOUT:-2} # and chapter 07 (--timeout)

qemu=$(command -v "${CROSSCHECK_QEMU:-qemu-system-x86_64}" || true)
if [ -z "$qemu" ]; then
	echo "crosscheck: SKIPPED: ${CROSSCHECK_QEMU:-qemu-system-x86_64} is not installed; install it with" \
		"'sudo apt-get install -y qemu-system-x86' and run make crosscheck again"
	exit 0
fi
if [ ! -x "$ch07" ]; then
	echo "crosscheck: $ch07 is missing: run make first" >&2
	exit 2
fi
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kvm-steps-crosscheck.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# What each guest reads from its serial port. A guest reading past the end
# of it would get 0x04 under kvm-steps but wait forever under QEMU.
input_for() {
	case $1 in
	hello) printf 'reader\n' ;;
	io-sizes) printf 'z' ;;
	read-eof) printf 'a' ;;
	string-io) printf 'hello' ;;
	esac
}

# A boot sector: the image itself if it is one, else the image padded to
# 510 bytes and signed. Prints its path, or nothing if it cannot be one.
boot_sector() {
	local bin=$1 name=$2 size
	size=$(stat -c %s "$bin")
	if [ "$size" -eq 512 ] && [ "$(od -An -tx1 -j510 -N2 "$bin" | tr -d ' ')" = 55aa ]; then
		echo "$bin"
	elif [ "$size" -le 510 ]; then
		{ cat "$bin"; head -c $((510 - size)) /dev/zero; printf '\125\252'; } >"$tmp/$name.img"
		echo "$tmp/$name.img"
	fi
}

# Differences that are known and explained: the guest relies on something
# the two machines are free to do differently. They are shown, not failed.
known_difference() {
	case $1 in
	string-io) echo "the guest reads COM1's receive register without polling the line" \
		"status; kvm-steps waits for each byte (common/serial.h), a 16550 returns" \
		"the last byte again until the next arrives" ;;
	read-eof) echo "the guest reads COM1 past the end of its input; kvm-steps then" \
		"answers 0x04 (EOT, its convention: README), a 16550 with nothing received" \
		"answers what its receive register holds" ;;
	unknown-port) echo "port 0x61 is the PC's system control port on QEMU (its timer" \
		"bits toggle); kvm-steps has no device there and reads all ones" ;;
	esac
}

# Bytes made visible, one output line per line: \r shows as \r, a line
# end as $.
visible() { LC_ALL=C sed -n l "$1"; }

same=0 differs=0 known=0 skipped=0
echo "crosscheck: $("$qemu" --version | head -n 1), -accel $accel, SeaBIOS; against $ch07"
for bin in "$build"/guests/real/*.bin "$build"/tests/guests/*.bin "$build"/guests/long/*.bin; do
	[ -e "$bin" ] || continue
	name=$(basename "$bin" .bin)
	monitor=("$ch07")
	case $bin in
	*/guests/long/*)
		# 64-bit images are not boot sectors; only one that is goes.
		if [ "$(stat -c %s "$bin")" -ne 512 ] ||
			[ "$(od -An -tx1 -j510 -N2 "$bin" | tr -d ' ')" != 55aa ]; then
			continue
		fi
		monitor=("$build/bin/08-long-mode" --real-mode) ;;
	esac
	image=$(boot_sector "$bin" "$name")
	if [ -z "$image" ]; then
		printf '  %-14s skipped: %s bytes, no boot sector\n' "$name" "$(stat -c %s "$bin")"
		skipped=$((skipped + 1))
		continue
	fi
	input_for "$name" >"$tmp/in"

	timeout -k 5 "$limit" "${monitor[@]}" --timeout "$kvm_limit" "$image" <"$tmp/in" >"$tmp/kvm.out" 2>"$tmp/kvm.err"
	kvm_status=$?
	if [ "${monitor[0]}" != "$ch07" ]; then
		# Chapter 08 tells what it set up before the guest's output
		# starts; its last line is fixed. (Were it reworded, the guest
		# would differ here, loudly, not pass by mistake.)
		sed -i '1,/^climbs to long mode itself$/d' "$tmp/kvm.out"
	fi
	if ! grep -q "to the exit port 0xf4" "$tmp/kvm.err"; then
		printf '  %-14s skipped: does not end through port 0xf4 under %s (status %d)\n' \
			"$name" "${monitor[*]##*/}" "$kvm_status"
		skipped=$((skipped + 1))
		continue
	fi

	timeout -k 5 "$limit" "$qemu" -accel "$accel" -display none -monitor none \
		-serial stdio -no-reboot -device isa-debug-exit,iobase=0xf4,iosize=0x01 \
		-drive "file=$image,format=raw" <"$tmp/in" >"$tmp/qemu.out" 2>"$tmp/qemu.err"
	qemu_status=$?
	if [ "$qemu_status" -eq 124 ] || [ $((qemu_status & 1)) -eq 0 ]; then
		qemu_ended="did not end through port 0xf4 (status $qemu_status$([ "$qemu_status" -eq 124 ] && echo ", stopped after $limit s"))"
		qemu_status=-1
	else
		qemu_status=$((qemu_status >> 1))
		qemu_ended="status $qemu_status"
	fi

	if [ "$qemu_status" -eq "$kvm_status" ] && cmp -s "$tmp/kvm.out" "$tmp/qemu.out"; then
		printf '  %-14s same: %d bytes of output, status %d\n' "$name" \
			"$(stat -c %s "$tmp/kvm.out")" "$kvm_status"
		same=$((same + 1))
	else
		why=$(known_difference "$name")
		if [ -n "$why" ]; then
			printf '  %-14s differs, as expected: %s\n' "$name" "$why"
			known=$((known + 1))
		else
			printf '  %-14s DIFFERS: 07-io-exits status %d, QEMU %s\n' "$name" \
				"$kvm_status" "$qemu_ended"
			differs=$((differs + 1))
		fi
		diff -u --label 07-io-exits --label qemu <(visible "$tmp/kvm.out") \
			<(visible "$tmp/qemu.out") | sed 's/^/      /'
		grep -v "host doesn't support requested feature" "$tmp/qemu.err" | head -n 5 | sed 's/^/      qemu: /'
	fi
done
echo "crosscheck: $same same, $differs differ, $known differ as expected, $skipped skipped"
[ "$differs" -eq 0 ]
