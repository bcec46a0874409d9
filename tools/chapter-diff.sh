#!/usr/bin/env bash
# chapter-diff.sh [--full] NN - what chapter NN adds over chapter NN-1,
# generated from the sources (make diff CH=NN [FULL=1]).
#
# A plain diff of the two main.c files is mostly deletions: what chapter
# NN-1 wrote out in full is, in chapter NN, one call into common/. So the
# diff is taken function by function:
#
#   1. where chapter NN-1's stage went: its functions that hold the stage
#      (its "// LAB BEGIN:" regions) and the helpers of common/ that are
#      that stage now ("// LAB BEGIN NN-1:"), with the line of chapter NN
#      that calls them;
#   2. the functions only chapter NN has, in full, as added lines: the
#      new stage and what shows it;
#   3. main() and the other functions both have, as diff -u;
#   4. the rest of the file (comments, includes, definitions), as diff -u;
#   5. the names of chapter NN-1's functions that chapter NN no longer has.
#
# --full prints the plain diff -u of the two files instead.
set -u
cd "$(dirname "$0")/.." || exit 2
usage="make diff CH=NN: give a chapter from 02 to the last, for example CH=07 (FULL=1 for the plain diff)"

full=""
if [ "${1:-}" = --full ]; then
	full=1
	shift
fi
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

if [ -n "$full" ]; then
	echo "# What chapter ${new#chapters/} adds over chapter ${old#chapters/}: the whole diff"
	echo "# diff -u $old/main.c $new/main.c"
	echo
	diff -u --label "$old/main.c" --label "$new/main.c" "$old/main.c" "$new/main.c"
	[ $? -le 1 ] || exit 70
	exit 0
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kvm-steps-diff.XXXXXX") || exit 70
trap 'rm -rf "$WORK"' EXIT

# split FILE DIR: each top-level function of FILE into DIR/fn.NAME (with
# the comment right above it), the rest into DIR/rest, the function names
# in order into DIR/order. ANCHOR lines, the book's markers, are dropped.
split_c() {
	mkdir -p "$2"
	awk -v dir="$2" '
		/^[ \t]*\/\/ ANCHOR(_END)?:/ { next }
		!infn && /^[A-Za-z_][^;]*\(/ && !/;[ \t]*$/ && !/^#/ {
			s = $0; sub(/\(.*/, "", s); k = split(s, w, /[^A-Za-z0-9_]+/)
			name = w[k]; infn = 1
			body = pending $0 "\n"; pending = ""
			next
		}
		infn {
			body = body $0 "\n"
			if ($0 ~ /^}/) {
				infn = 0
				printf "%s", body > (dir "/fn." name)
				close(dir "/fn." name)
				print name > (dir "/order")
			}
			next
		}
		/^[ \t]*(\/\*|\*|\/\/)/ { pending = pending $0 "\n"; next }
		{ rest = rest pending $0 "\n"; pending = "" }
		END { printf "%s%s", rest, pending > (dir "/rest"); close(dir "/order") }
	' "$1"
	touch "$2/order"
}

# The functions of FILE that hold a "// LAB BEGIN" region marked MARK
# (":" for a chapter's own, " NN:" for a helper of common/).
stage_functions() {
	awk -v mark="// LAB BEGIN$2" '
		/^[A-Za-z_][^;]*\(/ && !/;[ \t]*$/ && !/^#/ {
			s = $0; sub(/\(.*/, "", s); k = split(s, w, /[^A-Za-z0-9_]+/); fn = w[k]
		}
		index($0, mark) { print fn }
	' "$1" | uniq
}

split_c "$old/main.c" "$WORK/old"
split_c "$new/main.c" "$WORK/new"

echo "# What chapter ${new#chapters/} adds over chapter ${old#chapters/}"
echo "# (the plain diff -u of the two main.c files: make diff CH=$this FULL=1)"

# 1. Where the previous stage went.
echo
echo "## Chapter $prev's stage is now one call into common/"
echo
old_stage=$(stage_functions "$old/main.c" ":" | tr '\n' ' ')
helpers=""
for c in common/*.c; do
	for fn in $(stage_functions "$c" " $prev:"); do
		helpers="$helpers $fn:$c"
	done
done
if [ -z "$helpers" ]; then
	echo "(no helper in common/ is marked as chapter $prev's stage: // LAB BEGIN $prev:)"
else
	echo "Chapter $prev wrote out its stage in: $(printf '%s() ' $old_stage | sed 's/ $//')"
	echo "Its body is now, in common/, for every later chapter:"
	for h in $helpers; do
		fn=${h%%:*} file=${h#*:}
		echo "  $fn()  in $file"
		grep -n "\b$fn(" "$new/main.c" | while IFS=: read -r line text; do
			echo "      called at $new/main.c:$line:$(printf '%s' "$text" | sed 's/^[ \t]*/ /')"
		done
	done
fi

# 2. What only chapter NN has.
echo
echo "## Only in chapter $this: the new stage, and what shows it"
while read -r fn; do
	[ -f "$WORK/old/fn.$fn" ] && continue
	echo
	echo "@@ $fn() @@"
	sed 's/^/+/' "$WORK/new/fn.$fn"
done <"$WORK/new/order"

# 3. Functions both have.
echo
echo "## In both chapters, as they changed"
while read -r fn; do
	[ -f "$WORK/old/fn.$fn" ] || continue
	if ! cmp -s "$WORK/old/fn.$fn" "$WORK/new/fn.$fn"; then
		echo
		diff -u --label "$fn() in chapter $prev" --label "$fn() in chapter $this" \
			"$WORK/old/fn.$fn" "$WORK/new/fn.$fn"
	fi
done <"$WORK/new/order"

# 4. Everything outside functions.
if ! cmp -s "$WORK/old/rest" "$WORK/new/rest"; then
	echo
	echo "## The rest of the file: comments, includes, definitions"
	echo
	diff -u --label "chapter $prev" --label "chapter $this" "$WORK/old/rest" "$WORK/new/rest"
fi

# 5. What chapter NN no longer has.
gone=""
while read -r fn; do
	[ -f "$WORK/new/fn.$fn" ] || gone="$gone $fn()"
done <"$WORK/old/order"
if [ -n "$gone" ]; then
	echo
	echo "## Chapter $prev's own functions that chapter $this does not have"
	echo
	echo "$gone" | sed 's/^ //' | fold -s -w 76
	echo "(its stage, now in common/ as above, and how it showed what it did)"
fi
exit 0
