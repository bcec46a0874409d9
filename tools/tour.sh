#!/bin/sh
# tour.sh BINDIR INPUT [NN] - run the chapter programs in order, each under
# a heading, or only chapter NN. The chapter 07 guest asks for a name:
# INPUT is typed for it, so the tour runs by itself; chapters 10 and 11
# get the same line and echo it by interrupt. Chapter 15 boots the
# made-up kernel of its tests (tests/guests/linux-entry.asm, built with
# the programs), which prints what the boot protocol handed it: make
# linux boots Debian's kernel to a shell. Chapter 14's guest is migrated
# to a second process halfway through its run.
set -u
bin=$1 input=$2 only=${3:-}
# CH=7 and CH=07 both mean chapter 07 (leading zeros dropped: no octal).
case $only in
"" | *[!0-9]*) ;;
*) n=$(echo "$only" | sed 's/^0*//'); only=$(printf '%02d' "${n:-0}") ;;
esac
found=0
for prog in "$bin"/[0-9][0-9]-*; do
	[ -x "$prog" ] || continue
	name=${prog##*/}
	case $name in "$only"*) ;; *) continue ;; esac
	found=1
	echo "==== chapter $name ===================================================="
	case $name in
	07-* | 10-* | 11-*)
		echo "\$ echo $input | $prog"
		echo "$input" | "$prog"
		;;
	14-*)
		echo "\$ $prog --migrate    (the guest moves to a second process as it runs)"
		"$prog" --migrate </dev/null
		;;
	15-*)
		kernel=$(dirname "$bin")/tests/guests/linux-entry.bin
		echo "\$ $prog --kernel $kernel    (make linux boots Debian's kernel)"
		"$prog" --kernel "$kernel" </dev/null
		;;
	*)
		echo "\$ $prog"
		"$prog" </dev/null
		;;
	esac
	status=$?
	echo "(exit status $status)"
	echo
	[ "$status" -eq 0 ] || exit "$status"
done
if [ "$found" -eq 0 ]; then
	known=$(cd "$bin" && ls -d [0-9][0-9]-* 2>/dev/null | cut -c1-2 | tr '\n' ' ')
	echo "make run: no chapter '$only' in $bin: give CH=NN with NN one of: ${known% }" >&2
	exit 64
fi
exit 0
