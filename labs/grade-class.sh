#!/usr/bin/env bash
# labs/grade-class.sh - grade a whole class: one lab, many student folders,
# one table (make grade-class CH=NN CLASS=folder).
#
#   labs/grade-class.sh [--extras] [--jobs N] [--out FILE] NN FOLDER...
#
# Each FOLDER is one student's lab tree, as make lab wrote it and the
# student filled it in. Each is built with its own Makefile and graded by
# labs/grade.sh with the tests of this tree (never the student's copy).
# Folders are graded N at a time (default: the number of CPUs). The table
# goes to standard output, one row per student with the points of each
# test; FILE (default grades-NN-name.csv here) gets the same as CSV. Each
# student's full grading report is kept beside it, in FILE's name with
# .logs/STUDENT.txt.
#
# Grading runs the students' code as you: do it in a VM or container you
# can throw away.
#
# Exit status: 0 every folder was graded (whatever the scores); 1 a folder
# could not be graded; 64 bad command line.
set -u
here=$PWD
cd "$(dirname "$0")/.." || exit 64
ROOT=$PWD

usage_die() {
	echo "grade-class: $*" >&2
	exit 64
}

extras="" jobs=$(nproc 2>/dev/null || echo 2) out=""
while [ $# -gt 0 ]; do
	case $1 in
	--extras) extras=--extras; shift ;;
	--jobs) [ $# -ge 2 ] && [ "$2" -gt 0 ] 2>/dev/null || usage_die "--jobs needs a number above 0"
		jobs=$2; shift 2 ;;
	--out) [ $# -ge 2 ] || usage_die "--out needs a file"; out=$2; shift 2 ;;
	-*) usage_die "unknown option '$1' (labs/grade-class.sh [--extras] [--jobs N] [--out FILE] NN FOLDER...)" ;;
	*) break ;;
	esac
done
[ $# -ge 2 ] || usage_die "give a chapter and the student folders: labs/grade-class.sh NN FOLDER... (make grade-class CH=NN CLASS=folder)"
num=$1
shift
chapter=""
for dir in chapters/[0-9][0-9]-*/; do
	dir=${dir%/}
	case ${dir#chapters/} in "$num"-*) chapter=${dir#chapters/} ;; esac
done
[ -n "$chapter" ] || usage_die "no chapter '$num': give CH=NN with NN one of: $(cd chapters && printf '%s ' [0-9][0-9]-* | sed -E 's/-[^ ]*//g')"

[ -n "$out" ] || out=grades-$chapter.csv
case $out in /*) ;; *) out=$here/$out ;; esac
logs=${out%.csv}.logs
folders=()
for f in "$@"; do
	case $f in /*) ;; *) f=$here/$f ;; esac
	f=${f%/}
	[ -d "$f" ] || usage_die "$f is not a folder (each student's lab tree is one folder)"
	# Not a lab tree (this script's own .logs folder, say): not a student.
	[ "$f" = "$logs" ] && continue
	if [ ! -d "$f/chapters/$chapter" ]; then
		echo "grade-class: skipping $f: it has no chapters/$chapter, so it is no lab tree" >&2
		continue
	fi
	folders+=("$f")
done
[ ${#folders[@]} -gt 0 ] || usage_die "none of the folders is a lab tree (make lab CH=$num writes one)"
mkdir -p "$logs" || usage_die "cannot create $logs"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kvm-steps-class.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT

# The test guests once, before the students run side by side.
labs/grade.sh --prepare "$num" || exit 1

# Grade every folder, jobs at a time: results in WORK/N.tsv, report in N.log.
for i in "${!folders[@]}"; do
	printf '%s\0%s\0' "$i" "${folders[$i]}"
done | xargs -0 -n 2 -P "$jobs" sh -c '
	# $0 this tree, $1 --extras or nothing, $2 the work folder, $3 the
	# chapter; then from xargs $4 the index and $5 the student folder.
	"$0/labs/grade.sh" --src "$5" $1 --results "$2/$4.tsv" "$3" >"$2/$4.log" 2>&1
	echo $? >"$2/$4.status"' "$ROOT" "$extras" "$WORK" "$num"
status=0

# The tests' names, in order, from the first complete results.
names=()
for i in "${!folders[@]}"; do
	if [ -s "$WORK/$i.tsv" ]; then
		mapfile -t names < <(grep -v '^Score	' "$WORK/$i.tsv" | cut -f1)
		break
	fi
done

csv_field() {
	local s=${1//\"/\"\"}
	printf '"%s"' "$s"
}

{
	printf 'student,score,max'
	for n in "${names[@]}"; do printf ',%s' "$(csv_field "$n")"; done
	printf ',note\n'
} >"$out"

printf '%-20s %9s' student score
for k in "${!names[@]}"; do printf ' %4s' "t$((k + 1))"; done
printf '  note\n'
for i in "${!folders[@]}"; do
	student=${folders[$i]##*/}
	cp "$WORK/$i.log" "$logs/$student.txt"
	st=$(cat "$WORK/$i.status" 2>/dev/null || echo 1)
	note=""
	if [ "$st" -gt 1 ] || [ ! -s "$WORK/$i.tsv" ]; then
		note="not graded: $(head -n 1 "$WORK/$i.log")"
		status=1
	elif grep -q '^the program does not build' "$WORK/$i.log"; then
		note="does not build"
	fi
	score=$(sed -n 's/^Score	//p' "$WORK/$i.tsv" 2>/dev/null)
	got=${score%%	*} max=${score##*	}
	printf '%-20s %9s' "$student" "${got:--}/${max:--}"
	mapfile -t points < <(grep -v '^Score	' "$WORK/$i.tsv" 2>/dev/null | cut -f2)
	for k in "${!names[@]}"; do printf ' %4s' "${points[$k]:--}"; done
	printf '  %s\n' "$note"
	{
		csv_field "$student"
		printf ',%s,%s' "${got:-}" "${max:-}"
		for k in "${!names[@]}"; do printf ',%s' "${points[$k]:-}"; done
		printf ',%s\n' "$(csv_field "$note")"
	} >>"$out"
done
echo
for k in "${!names[@]}"; do
	echo "t$((k + 1)): ${names[$k]}"
done
echo "table: $out (CSV); each student's report: $logs/"
exit "$status"
