#!/bin/sh
# chapter-diff.sh NN - what chapter NN adds over chapter NN-1: a diff -u of
# the two programs' main.c, generated from the sources (make diff CH=NN).
set -u
cd "$(dirname "$0")/.." || exit 2
usage="make diff CH=NN: give a chapter from 02 to the last, for example CH=07"

ch=${1:-}
case $ch in
"") echo "chapter-diff: no chapter given: $usage" >&2; exit 64 ;;
*[!0-9]*) echo "chapter-diff: '$ch' is not a chapter number: $usage" >&2; exit 64 ;;
esac
# 7 and 07 both mean chapter 07 (leading zeros dropped: no octal).
n=$(echo "$ch" | sed 's/^0*//')
n=${n:-0}
this=$(printf '%02d' "$n")
prev=$(printf '%02d' $((n - 1)))
new=$(ls -d chapters/"$this"-*/ 2>/dev/null | head -n 1)
old=$(ls -d chapters/"$prev"-*/ 2>/dev/null | head -n 1)
if [ -z "$new" ]; then
	echo "chapter-diff: there is no chapter $this in chapters/: $usage" >&2
	exit 64
fi
if [ "$n" -le 1 ] || [ -z "$old" ]; then
	echo "chapter-diff: chapter $this has no chapter before it to compare with: $usage" >&2
	exit 64
fi
new=${new%/} old=${old%/}
echo "# What chapter ${new#chapters/} adds over chapter ${old#chapters/}"
echo "# diff -u $old/main.c $new/main.c"
echo "# (lines with - are only in chapter $prev, lines with + only in chapter $this;"
echo "#  stages both share are single calls into common/, described in the book)"
echo
diff -u --label "$old/main.c" --label "$new/main.c" "$old/main.c" "$new/main.c"
status=$?
[ "$status" -le 1 ] || exit 70
exit 0
