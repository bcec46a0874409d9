#!/bin/sh
# tour.sh BINDIR INPUT [NN] - run the chapter programs in order, each under
# a heading, or only chapter NN. The chapter 07 guest asks for a name:
# INPUT is typed for it, so the tour runs by itself.
set -u
bin=$1 input=$2 only=${3:-}
found=0
for prog in "$bin"/[0-9][0-9]-*; do
	[ -x "$prog" ] || continue
	name=${prog##*/}
	case $name in "$only"*) ;; *) continue ;; esac
	found=1
	echo "==== chapter $name ===================================================="
	case $name in
	07-*)
		echo "\$ echo $input | $prog"
		echo "$input" | "$prog"
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
	echo "make run: no chapter '$only' in $bin: give CH=01 to CH=09" >&2
	exit 64
fi
exit 0
