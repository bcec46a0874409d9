#!/bin/busybox sh
# vm-init.sh - /init of the emulated AMD machine (tools/vm.sh packs it).
# Loads the modules (9p to reach the host's files, kvm_amd for /dev/kvm),
# lays the host's root read-only under a tmpfs overlay, and runs the
# command of /etc/vm.cmd there, or a shell. The command's exit status goes
# out on the second serial port; then the machine powers off.
/bin/busybox mkdir -p /proc /sys /dev /usr/bin /sbin /usr/sbin
/bin/busybox --install -s
export PATH=/bin:/sbin:/usr/bin:/usr/sbin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

fail() {
	echo "vm: $*" >/dev/console
	echo 70 >/dev/ttyS1
	poweroff -f
}

for m in /modules/*.ko; do
	insmod "$m" 2>/dev/null || fail "could not load the module ${m##*/}"
done
# devtmpfs makes the node from a kernel thread: give it a moment.
n=0
while [ ! -e /dev/kvm ] && [ $n -lt 50 ]; do
	sleep 0.1
	n=$((n + 1))
done
[ -e /dev/kvm ] || fail "kvm_amd is loaded but /dev/kvm is missing (does the CPU offer SVM?)"

# The loopback interface, down until asked for: chapter 13's --gdb
# listens on 127.0.0.1 only, and its tests connect there.
ip link set lo up 2>/dev/null || ifconfig lo 127.0.0.1 up 2>/dev/null ||
	fail "could not bring up the loopback interface lo"

mkdir -p /lower /rw /root
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose,ro hostroot /lower ||
	fail "could not mount the host's root over 9p"
mount -t tmpfs -o size=75% tmpfs /rw
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/lower,upperdir=/rw/upper,workdir=/rw/work overlay /root ||
	fail "could not lay the overlay over the host's root"
# Copy the files the tests start most (tools/vm.sh lists them) into the
# overlay's tmpfs: loading them from 9p each time is slow.
while read -r file; do
	[ -f "/lower$file" ] && cp "/lower$file" "/root$file" 2>/dev/null
done </etc/vm.hot
mount -t proc proc /root/proc
mount -t sysfs sysfs /root/sys
mount -t devtmpfs devtmpfs /root/dev
mkdir -p /root/dev/pts /root/dev/shm
mount -t devpts devpts /root/dev/pts
mount -t tmpfs tmpfs /root/dev/shm
# Bash's process substitution needs /dev/fd; devtmpfs has none.
ln -sf /proc/self/fd /root/dev/fd
ln -sf /proc/self/fd/0 /root/dev/stdin
ln -sf /proc/self/fd/1 /root/dev/stdout
ln -sf /proc/self/fd/2 /root/dev/stderr

. /etc/vm.conf
# Fresh /tmp and /run, unless the tree lies below one of them (a clone in
# /tmp): a tmpfs there would hide it. The overlay takes the writes anyway.
for dir in /tmp /run; do
	case $VM_TREE/ in
	"$dir"/*) ;;
	*) mount -t tmpfs tmpfs "/root$dir" ;;
	esac
done
if [ -n "${VM_OUT:-}" ]; then
	mkdir -p /root/vm-out
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 vmout /root/vm-out ||
		fail "could not mount the VM_OUT folder over 9p"
fi
[ -n "${VM_CRLF:-}" ] || stty -F /dev/console -onlcr
[ -n "${VM_SIZE:-}" ] && stty -F /dev/console rows "${VM_SIZE% *}" cols "${VM_SIZE#* }"
env_path=$VM_TREE/build/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
set -- env -i PATH="$env_path" HOME=/root TERM="$VM_TERM" LANG=C.UTF-8 KVM_STEPS_VM=kvm_amd

if [ -f /etc/vm.cmd ]; then
	cp /etc/vm.cmd /root/tmp/.vm-cmd
	# A command from a terminal reads it; any other reads nothing, as it
	# would on the host (the console never ends, so a read would hang).
	if [ -n "${VM_TTY:-}" ]; then
		setsid cttyhack chroot /root "$@" /bin/bash -c "cd '$VM_TREE' && . /tmp/.vm-cmd"
	else
		# (No cttyhack here: it would make the console standard input again.)
		setsid chroot /root "$@" /bin/bash -c "cd '$VM_TREE' && . /tmp/.vm-cmd" </dev/null
	fi
	status=$?
else
	echo "vm: kvm_amd is loaded; the tree is at $VM_TREE, its programs on PATH; exit or Ctrl-A x leaves"
	setsid cttyhack chroot /root "$@" /bin/bash -c "cd '$VM_TREE' && exec /bin/bash -i"
	status=$?
fi
echo "$status" >/dev/ttyS1
sync
# The command's output ends the console; the kernel's "Power down" need not.
echo 0 >/proc/sys/kernel/printk
poweroff -f
