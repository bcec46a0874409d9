#!/bin/sh
# require.sh PROGRAM... - make sure the build tools are here. What is
# missing is installed with apt-get when that needs no password (root, or
# sudo without one); otherwise one line says the exact command to run.
set -u
missing=""
for tool in "$@"; do
	command -v "$tool" >/dev/null 2>&1 || missing="$missing $tool"
done
[ -z "$missing" ] && exit 0

packages=""
for tool in $missing; do
	case $tool in
	cc | gcc) packages="$packages gcc libc6-dev" ;;
	qemu-system-x86_64) packages="$packages qemu-system-x86" ;;
	busybox) packages="$packages busybox-static" ;;
	dpkg-deb) packages="$packages dpkg" ;;
	apt-get) packages="$packages apt" ;;
	*) packages="$packages $tool" ;;
	esac
done

if [ "$(id -u)" = 0 ]; then
	as=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
	as="sudo -n"
else
	echo "kvm-steps needs$missing: install with: sudo apt-get install -y$packages" >&2
	exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "kvm-steps needs$missing: install$packages with your package manager" >&2
	exit 1
fi
echo "kvm-steps: installing$packages (apt-get)" >&2
$as env DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null &&
	$as env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq$packages >/dev/null ||
	{ echo "kvm-steps needs$missing: apt-get failed; install with: sudo apt-get install -y$packages" >&2; exit 1; }
exit 0
