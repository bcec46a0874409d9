#!/bin/sh
# linux-initrd.sh OUT - the initramfs chapter 15 boots: a static busybox
# and an /init that mounts /proc, /sys and /dev, starts a shell on the
# console (COM1, ttyS0), and when the shell exits hands its status to the
# monitor through the exit port (port 0xf4, written through /dev/port)
# and reboots (the keyboard controller's reset, which ends the run).
set -eu
out=$1
tree=$(cd "$(dirname "$0")/.." && pwd)
"$tree/tools/require.sh" busybox cpio >&2 || exit 69
busybox=$(command -v busybox)
case $(LC_ALL=C file -b "$busybox" 2>/dev/null || echo static) in
*dynamic*) echo "linux-initrd: $busybox is linked dynamically; the initramfs needs busybox-static: sudo apt-get install -y busybox-static" >&2; exit 69 ;;
esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bin" "$work/proc" "$work/sys" "$work/dev" "$work/tmp" "$work/etc"
cp "$busybox" "$work/bin/busybox"
cat >"$work/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "kvm-steps: Linux $(uname -r) is up on $(grep -c ^processor /proc/cpuinfo) CPU(s); exit leaves the shell and ends the run"
PS1='~ # ' setsid cttyhack sh
status=$?
# The shell's status, to the monitor: one byte to port 0xf4.
printf "\\$(printf %o "$status")" | dd of=/dev/port bs=1 seek=244 count=1 2>/dev/null
reboot -f
INIT
chmod +x "$work/init"
# The same bytes every time from the same busybox: fixed times, inode
# numbers and order, no name or time in the gzip header.
find "$work" -exec touch -h -d @0 {} +
(cd "$work" && find . | LC_ALL=C sort | cpio -o -H newc --quiet --reproducible | gzip -1 -n) >"$out.tmp"
mv "$out.tmp" "$out"
