#!/bin/sh
# linux.sh BIN [ARGS...] - chapter 15 with a kernel and an initramfs: the
# kernel the emulated AMD machine boots (Debian's current one, fetched by
# tools/vm.sh --check into .cache/vm/), the initramfs tools/linux-initrd.sh
# makes (.cache/linux/). Prints the two paths with -p instead of running.
set -u
tree=$(cd "$(dirname "$0")/.." && pwd)
bin=$1
shift
"$tree/tools/vm.sh" --check >&2 || exit 69
kernel=$(ls "$tree"/.cache/vm/kernel-*/root/boot/vmlinuz-* 2>/dev/null | tail -n 1)
[ -r "$kernel" ] || { echo "linux: no kernel in .cache/vm/ (tools/vm.sh --check fetches it)" >&2; exit 69; }
initrd=$tree/.cache/linux/initrd.cpio.gz
mkdir -p "$tree/.cache/linux"
if [ ! -s "$initrd" ] || [ "$tree/tools/linux-initrd.sh" -nt "$initrd" ]; then
	"$tree/tools/linux-initrd.sh" "$initrd" || exit 69
fi
if [ "${1:-}" = -p ]; then
	echo "$kernel"
	echo "$initrd"
	exit 0
fi
if [ -d /sys/module/kvm_pvm ] && [ -z "${KVM_STEPS_VM:-}" ]; then
	echo "linux: this host's KVM is kvm_pvm, which emulates every kernel-mode instruction: the kernel would take about half an hour to unpack itself. make linux-vm boots it in the emulated AMD machine instead (a minute or two); carrying on here anyway (Ctrl-A x ends it)." >&2
fi
exec "$bin/15-linux" --kernel "$kernel" --initrd "$initrd" "$@"
