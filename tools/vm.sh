#!/bin/sh
# vm.sh [COMMAND] - the emulated AMD machine (book/appendix-e-no-kvm.md).
#
# QEMU's own CPU emulator (TCG, no KVM needed on this host) with -cpu max
# offers its guest an AMD CPU with SVM and nested paging. A Debian kernel
# booted on it loads kvm_amd, and its /dev/kvm is backed by (emulated)
# SVM. The guest's root file system is this machine's own root, shared
# read-only over 9p with a tmpfs overlay for writes, so every program and
# build of this tree (plain or sanitized) runs there at the same path.
#
# vm.sh --check makes the machine ready (tools, kernel, initramfs) and
# boots nothing: status 0 when it can run here, 69 with the reason if not.
# Without COMMAND: a shell in the machine (Ctrl-A x leaves it). With it:
# COMMAND runs in the tree's folder with build/bin on PATH, the machine
# powers off, and vm.sh exits with COMMAND's status.
#
# Downloads and the initramfs are kept in .cache/vm/ (ignored by git).
# VM_OUT=DIR shares DIR writable, as /vm-out in the machine: the one way
# for a command there to hand files back (make book-vm uses it).
# VM_MEM (MiB, default 2048) and VM_CPUS (default 1) size the machine:
# under TCG a second vCPU made each process start 1.7 times slower here.
# Exit status: COMMAND's, or 69 when the machine cannot be made here,
# 70 when it did not report a status (it crashed or was stopped).
set -u
tree=$(cd "$(dirname "$0")/.." && pwd)
cache=$tree/.cache/vm
mem=${VM_MEM:-2048}
cpus=${VM_CPUS:-1}

say() { echo "vm: $*" >&2; }
die() { echo "vm: $*" >&2; exit 69; }

# The tools: QEMU, a static busybox for the initramfs, cpio to pack it.
"$tree/tools/require.sh" qemu-system-x86_64 busybox cpio dpkg-deb apt-get || exit 69
busybox=$(command -v busybox)
case $(LC_ALL=C file -b "$busybox" 2>/dev/null || echo static) in
*dynamic*) die "$busybox is linked dynamically; the initramfs needs busybox-static: sudo apt-get install -y busybox-static" ;;
esac

# The kernel: the one the distribution's kernel meta-package points at
# now, fetched with apt-get download and unpacked with dpkg-deb (never
# installed). Debian: linux-image-amd64; Ubuntu: linux-image-generic.
mkdir -p "$cache" || die "cannot create $cache"
kdir=$(ls -d "$cache"/kernel-* 2>/dev/null | tail -n 1)
if [ -z "$kdir" ] || [ ! -f "$kdir/ok" ]; then
	image=""
	for meta in linux-image-amd64 linux-image-generic; do
		image=$(apt-cache depends "$meta" 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1)
		[ -n "$image" ] && break
	done
	if [ -z "$image" ] && [ "$(id -u)" = 0 ]; then
		say "reading the package lists (apt-get update)"
		apt-get update -qq >/dev/null 2>&1
		image=$(apt-cache depends linux-image-amd64 2>/dev/null |
			sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*\)$/\1/p' | head -n 1)
	fi
	[ -n "$image" ] || die "no kernel package found (apt-cache depends linux-image-amd64): run sudo apt-get update"
	release=${image#linux-image-}
	release=${release%-unsigned}
	kdir=$cache/kernel-$release
	rm -rf "$kdir" && mkdir -p "$kdir/deb" "$kdir/root"
	say "fetching $image (about 70 MB, once; kept in .cache/vm/)"
	# Ubuntu keeps the modules in a package of their own.
	packages=$image
	apt-cache show "linux-modules-$release" >/dev/null 2>&1 && packages="$packages linux-modules-$release"
	(cd "$kdir/deb" && apt-get download $packages >/dev/null 2>&1) ||
		die "apt-get download $packages failed: check the network or the package lists (sudo apt-get update)"
	for deb in "$kdir"/deb/*.deb; do
		dpkg-deb -x "$deb" "$kdir/root" || die "cannot unpack $deb"
	done
	rm -rf "$kdir/deb"
	ls "$kdir"/root/boot/vmlinuz-* >/dev/null 2>&1 || die "no vmlinuz in $image"
	touch "$kdir/ok"
fi
vmlinuz=$(ls "$kdir"/root/boot/vmlinuz-* | head -n 1)
[ -r "$vmlinuz" ] || die "$vmlinuz is not readable (chmod a+r it, or rm -rf $cache)"
release=${vmlinuz##*/vmlinuz-}
moddir=$kdir/root/lib/modules/$release

# A module's file, uncompressed into $work if it is shipped compressed.
# Module names are spelt with _ or - alike (kvm_amd is kvm-amd.ko).
module_file() {
	dash=$(echo "$1" | tr '_' '-')
	f=$(find "$moddir/kernel" \( -name "$1.ko*" -o -name "$dash.ko*" \) | head -n 1)
	[ -n "$f" ] || return 1
	case $f in
	*.xz) xz -dc "$f" >"$work/$1.ko" ;;
	*.zst) zstd -qdc "$f" >"$work/$1.ko" ;;
	*.gz) gzip -dc "$f" >"$work/$1.ko" ;;
	*) cp "$f" "$work/$1.ko" ;;
	esac
	echo "$work/$1.ko"
}

# The modules to load, each after what it depends on (the depends= field
# of the module's own .modinfo section). One that has no file must be
# built into the kernel (modules.builtin), or the machine cannot work.
order=""
add_module() {
	case " $order " in *" $1 "*) return 0 ;; esac
	if ! f=$(module_file "$1"); then
		dash=$(echo "$1" | tr '_' '-')
		grep -qE "/($1|$dash)\.ko" "$moddir/modules.builtin" 2>/dev/null && return 0
		rm -rf "$work"
		die "the kernel $release has no module $1: rm -rf $cache and try again, or report it"
	fi
	for dep in $(tr '\0' '\n' <"$f" | sed -n 's/^depends=//p' | tr ',' ' '); do
		add_module "$(echo "$dep" | tr '-' '_')"
	done
	case " $order " in *" $1 "*) ;; *) order="$order $1" ;; esac
}

# The initramfs: busybox, the modules, the init script. Made once per kernel.
initrd=$cache/initrd-$release.cpio.gz
if [ ! -s "$initrd" ] || [ "$tree/tools/vm-init.sh" -nt "$initrd" ] || [ "$0" -nt "$initrd" ]; then
	work=$(mktemp -d) || die "mktemp failed"
	mkdir -p "$work/root/bin" "$work/root/modules"
	for m in virtio_pci 9pnet_virtio 9p overlay kvm_amd; do
		add_module "$m"
	done
	n=0
	for m in $order; do
		n=$((n + 1))
		mv "$work/$m.ko" "$work/root/modules/$(printf %02d $n)-$m.ko"
	done
	cp "$busybox" "$work/root/bin/busybox"
	cp "$tree/tools/vm-init.sh" "$work/root/init"
	chmod 755 "$work/root/init"
	(cd "$work/root" && find . | cpio -o -H newc --quiet | gzip -1) >"$initrd.tmp" &&
		mv "$initrd.tmp" "$initrd" || { rm -rf "$work"; die "cannot write $initrd"; }
	rm -rf "$work"
	say "initramfs for $release made ($(echo $order | wc -w) modules)"
fi

[ "${1:-}" = --check ] && exit 0

# What to run, in a second small archive the kernel unpacks over the first.
run=$(mktemp -d) || die "mktemp failed"
trap 'rm -rf "$run"' EXIT
mkdir -p "$run/root/etc"
{
	echo "VM_TREE='$tree'"
	echo "VM_TERM='${TERM:-vt100}'"
	if [ -t 0 ] && command -v stty >/dev/null 2>&1; then
		echo "VM_SIZE='$(stty size 2>/dev/null)'"
	fi
	[ -t 1 ] && echo "VM_CRLF=1"
	[ -t 0 ] && echo "VM_TTY=1"
	[ -n "${VM_OUT:-}" ] && echo "VM_OUT=1"
} >"$run/root/etc/vm.conf"
if [ $# -gt 0 ]; then
	printf '%s\n' "$*" >"$run/root/etc/vm.cmd"
fi
# The files every test starts again and again: the shell tools, the
# chapter programs and the shared libraries they load. The machine copies
# them into its tmpfs before it runs anything, since a program started
# from the 9p share loads 1.75 times slower (measured: /bin/true with libc
# and ld.so copied or not).
for tool in bash sh sed grep diff cmp awk timeout cat mktemp head tail wc tr od \
	sort env sleep rm mkdir cp mv ls chmod cut tee xargs id stat readlink \
	dirname basename seq date make nasm ndisasm; do
	command -v "$tool" 2>/dev/null
done >"$run/tools"
ls "$tree"/build/bin/* "$tree"/build/san/bin/* "$tree"/build/bench/raw 2>/dev/null >>"$run/tools"
while read -r file; do
	readlink -f "$file"
	ldd "$file" 2>/dev/null | awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
		while read -r lib; do readlink -f "$lib"; done
done <"$run/tools" | sort -u >"$run/root/etc/vm.hot"
(cd "$run/root" && find . | cpio -o -H newc --quiet) >"$run/cmd.cpio"
# The kernel reads the next archive only from a 4-byte boundary: pad.
size=$(wc -c <"$initrd")
{ cat "$initrd"; head -c $(((4 - size % 4) % 4)) /dev/zero; cat "$run/cmd.cpio"; } >"$run/initrd"
: >"$run/status"

[ $# -eq 0 ] && say "the emulated AMD machine: a shell with /dev/kvm (kvm_amd); Ctrl-A x leaves it"

# -cpu max under TCG: an AMD CPU with SVM and NPT. The second serial port
# carries the command's exit status back; the first is the console.
set -- qemu-system-x86_64 -accel tcg -cpu max -m "$mem" -smp "$cpus" \
	-display none -no-reboot -serial mon:stdio -serial "file:$run/status" \
	-kernel "$vmlinuz" -initrd "$run/initrd" \
	-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
	-append "console=ttyS0 panic=-1 quiet loglevel=3"
if [ -n "${VM_OUT:-}" ]; then
	out=$(cd "$VM_OUT" && pwd) || die "VM_OUT=$VM_OUT is not a folder"
	set -- "$@" -virtfs "local,path=$out,mount_tag=vmout,security_model=none"
fi
# Standard input that is no terminal (a pipe, a file, or none at all, as
# under CI) is not handed to the console: the command reads nothing.
[ -t 0 ] || exec </dev/null
if [ -t 1 ]; then
	"$@"
else
	# Not a terminal: the console's CR LF becomes LF (the kernel's own
	# lines keep CR), so the last line ("N passed, N failed") reads as a
	# line; line by line, so a log shows progress as it happens.
	"$@" | sed -u 's/\r$//'
fi
status=$(tr -dc '0-9' <"$run/status")
if [ -z "$status" ]; then
	say "the machine stopped before its command did (Ctrl-A x, or a crash above): no exit status, 70"
	exit 70
fi
exit "$status"
