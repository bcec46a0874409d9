#!/usr/bin/env bash
# labs/lab.sh - write classroom lab trees: the project with a chapter's new
# stage cut out (make lab CH=NN, make labs).
#
#   labs/lab.sh OUTDIR NN     write OUTDIR/NN-name, the lab of chapter NN
#   labs/lab.sh OUTDIR all    one lab tree per chapter
#
# A lab tree for chapter NN is a copy of this project without
# labs/solutions/ (the reference solutions of the graded extras), with a
# README.md of its own and the book up to chapter NN: the book's excerpts
# are taken again from the lab tree's sources, so the code the student is
# to write shows as its TODO; later chapters (the labs after this one) and
# the instructors' guide are left out, and links to them become text. In it,
# chapter NN and every later chapter have each "// LAB BEGIN: what" ...
# "// LAB END" region of their main.c replaced by a TODO saying what to
# write and a call to lab_todo(), which compiles and, when reached, prints
# "chapter NN: this stage is not written yet: ..." and exits with status 78.
# Earlier chapters stay whole: they are the labs done before this one.
# common/ holds each stage again as the helper later chapters call
# (kvm_open() for 01, ..., io_handle() for 07), marked "// LAB BEGIN NN:"
# with its chapter's number: the helpers of chapter NN and later are cut
# the same way, those of earlier chapters stay, since chapters up to NN
# call them. The graded tests run chapter NN's own program, whose stage is
# cut, so nothing else in the tree can make them pass by accident.
#
# The cut chapters are compiled with the build's own warnings (-Werror):
# names that only the cut code used (a parameter, a local, a static helper)
# get a (void) cast beside the TODO, so the skeleton builds as it is.
#
# Environment (the Makefile sets them): LAB_CC, the compiler; LAB_CFLAGS,
# the build's flags without -I; LAB_GEN, the folder of generated headers.
#
# Exit status: 0 written; 1 a chapter's markers or skeleton are broken;
# 64 bad command line (unknown chapter); 73 the lab folder exists already.
set -u
cd "$(dirname "$0")/.." || exit 1
ROOT=$PWD
export LC_ALL=C

usage_die() {
	echo "lab: $*" >&2
	exit 64
}

[ $# -eq 2 ] || usage_die "usage: labs/lab.sh OUTDIR NN|all (make lab CH=NN [LAB=dir], make labs)"
out=$1 want=$2
: "${LAB_CC:=cc}" "${LAB_CFLAGS:=-std=c11 -D_GNU_SOURCE -Wall -Werror -Wextra -Wmissing-prototypes -Wstrict-prototypes -O2}"
: "${LAB_GEN:=$ROOT/build/gen}"

chapters=()
for dir in chapters/[0-9][0-9]-*/; do
	dir=${dir%/}
	chapters+=("${dir#chapters/}")
done
[ ${#chapters[@]} -gt 0 ] || usage_die "no chapters/NN-name folders in $ROOT"

if [ "$want" = all ]; then
	selected=("${chapters[@]}")
else
	selected=()
	for c in "${chapters[@]}"; do
		[ "${c%%-*}" = "$want" ] && selected=("$c")
	done
	[ ${#selected[@]} -eq 1 ] ||
		usage_die "no chapter '$want': give CH=NN with NN one of: ${chapters[*]%%-*} (or CH=all)"
fi
[ -d "$LAB_GEN" ] || usage_die "$LAB_GEN does not exist: run make first (make lab does)"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/kvm-steps-lab.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT

# The files a lab tree starts from, NUL-separated, relative to ROOT.
list_files() {
	if git -C "$ROOT" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
		git -C "$ROOT" ls-files -z --cached
	else
		find . \( -path ./build -o -path ./lab -o -path ./.git \) -prune \
			-o -type f -printf '%P\0'
	fi
}

# compile TREE FILE: the build's compile of one file, messages on stdout.
# A full compile, not -fsyntax-only: GCC finds an unused static function
# only once it generates code.
compile() {
	(cd "$1" && $LAB_CC $LAB_CFLAGS -Icommon -I"$LAB_GEN" -c -o /dev/null "$2" 2>&1)
}

# cut TREE FILE NUM FROM: replace the LAB regions of TREE/FILE, a path in
# the tree. A chapter's main.c: NUM is its number and FROM empty, and every
# region is cut. A file of common/: NUM empty, FROM the lab's chapter, and
# the regions marked with a chapter from FROM on are cut.
cut_file() {
	local tree=$1 rel=$2 num=$3 from=$4
	local file=$tree/$rel orig=$WORK/orig.c casts=$WORK/casts dump=$WORK/regions
	local msgs line name k picked starts

	cp -p "$file" "$orig"
	# make labs cuts the same file the same way in many trees: once is
	# enough. What is cut depends on the file and on which of its regions.
	local owners key
	owners=$(grep -o '// LAB BEGIN [0-9][0-9]:' "$orig" | cut -c14-15 | sort -u |
		awk -v from="$from" '$1 >= from' | tr '\n' ' ')
	key=$({ cat "$orig"; echo "$rel $num $owners"; } | cksum | tr ' ' -)
	if [ -e "$WORK/cache/$key" ]; then
		if [ -s "$WORK/cache/$key" ]; then cp "$WORK/cache/$key" "$file"; fi
		return 0
	fi
	mkdir -p "$WORK/cache"
	cut_once "$@" || return 1
	if grep -q 'lab_todo("' "$file"; then
		cp "$file" "$WORK/cache/$key"
	else
		: >"$WORK/cache/$key" # nothing cut: the file stays as it was
	fi
}

cut_once() {
	local tree=$1 rel=$2 num=$3 from=$4
	local file=$tree/$rel orig=$WORK/orig.c casts=$WORK/casts dump=$WORK/regions
	local msgs line name k picked starts owners

	: >"$casts"
	for pass in 1 2; do
		rm -rf "$dump" && mkdir -p "$dump"
		awk -v chapter="$num" -v from="$from" -v path="$rel" -v casts="$casts" \
			-v dump="$dump" -f "$ROOT/labs/cut.awk" "$orig" >"$file" || return 1
		# Nothing of this lab here: the file as it was, time and all.
		grep -q 'lab_todo("' "$file" || { cp -p "$orig" "$file"; return 0; }
		grep -q '^#include "util.h"' "$file" ||
			sed -i '0,/^#include "/s//#include "util.h"\n&/' "$file"
		msgs=$(compile "$tree" "$rel") && return 0
		[ "$pass" = 2 ] && break
		# Which names did only the cut code use? Give each a cast in the
		# first region after its declaration that mentions it, and not in
		# the function of that name: a static function whose only caller
		# was cut is still unused with a cast in its own body (chapter
		# 11's com1_line(), whose body sets the field m->com1_line).
		mapfile -t starts < <(grep -n 'lab_todo("' "$file" | cut -d: -f1)
		mapfile -t owners < <(todo_functions "$file")
		while IFS=' ' read -r line name; do
			picked=""
			for k in "${!starts[@]}"; do
				[ "${owners[$k]:-}" = "$name()" ] && continue
				if [ "${starts[$k]}" -gt "$line" ] &&
					grep -qw -- "$name" "$dump/region.$((k + 1))"; then
					picked=$((k + 1))
					break
				fi
			done
			if [ -z "$picked" ]; then
				for k in "${!starts[@]}"; do
					[ "${owners[$k]:-}" = "$name()" ] && continue
					grep -qw -- "$name" "$dump/region.$((k + 1))" &&
						{ picked=$((k + 1)); break; }
				done
			fi
			[ -n "$picked" ] || break
			echo "$picked $name" >>"$casts"
		done < <(printf '%s\n' "$msgs" |
			sed -nE "s/^[^:]+:([0-9]+):[0-9]+: (warning|error): [^']*'([A-Za-z_][A-Za-z0-9_]*)'.*\[-W[^]]*unused-.*/\1 \3/p" |
			sort -u)
		sort -u -o "$casts" "$casts"
		[ -s "$casts" ] || break
	done
	echo "lab: the skeleton of $rel does not compile with the build's warnings:" >&2
	printf '%s\n' "$msgs" | head -n 30 >&2
	return 1
}

# The book as far as this lab: chapters up to NN, the introduction, the
# appendices; the excerpts taken again from the tree's own (cut) sources.
copy_book() {
	local tree=$1 num=${2%%-*} f name target
	mkdir -p "$tree/book"
	for f in "$ROOT"/book/*.md; do
		name=${f##*/}
		case $name in
		instructors.md) continue ;;
		[0-9][0-9]-*) [ "${name%%-*}" \> "$num" ] && continue ;;
		esac
		cp -p "$f" "$tree/book/$name"
	done
	(cd "$tree" && tools/book.sh update-includes book/*.md >/dev/null) || return 1
}

# Links that name what the tree lacks (a later chapter, the guide for
# instructors) become their text: a student's tree has no dead links.
unlink_missing() {
	local tree=$1 f target
	for f in "$tree"/book/*.md "$tree/README.md" "$tree/LAB.md"; do
		(cd "$tree" && tools/book.sh check links "${f#"$tree"/}") |
			sed -nE 's/^[^:]+: link \(([^)]*)\): .*/\1/p' | sort -u |
			while IFS= read -r target; do
				T=$target perl -0pi -e 's/\[([^\]]*)\]\(\Q$ENV{T}\E\)/$1/g' "$f"
			done
	done
}

# The function each TODO of FILE is in, one "name()" a line, in order.
todo_functions() {
	awk '
		/^[A-Za-z_][^;]*\(/ && !/;[ \t]*$/ {
			s = $0; sub(/\(.*/, "", s); n = split(s, w, /[^A-Za-z0-9_]+/); fn = w[n]
		}
		/lab_todo\("/ { print fn "()" }
	' "$1"
}

# The tree's README: what this is, the commands, the book, and the parts
# of the project's README a student needs while writing the stage.
write_readme() {
	local tree=$1 chapter=$2 num=${2%%-*}
	{
		echo "# kvm-steps, lab $num: $chapter"
		echo
		echo "This is a lab tree of kvm-steps, a book and a codebase that build a"
		echo "hypervisor on Linux KVM one stage at a time. The stage of chapter $num"
		echo "is cut out: you write it. Start with [LAB.md](LAB.md): what to write,"
		echo "where, and which sections of the book to read first."
		echo
		echo "## Commands"
		echo
		echo "\`\`\`sh"
		printf '%-28s # %s\n' "make" "build; warnings are errors" \
			"build/bin/$chapter" "run your program" \
			"make grade CH=$num" "the graded tests, each with its points, then Score: X/Y"
		echo "\`\`\`"
		echo
		echo "\`make test\` is the project's own test suite: in a lab tree it fails"
		echo "until every cut chapter is written again. \`make grade CH=$num\` is the"
		echo "one that marks this lab."
		echo
		echo "## The book"
		echo
		echo "[book/](book/README.md) holds the chapters up to this one, the"
		echo "introduction and the appendices. Chapter $num is"
		echo "[book/$chapter.md](book/$chapter.md); its excerpts of the code you"
		echo "write show the TODO, as your tree has it. Later chapters are the labs"
		echo "after this one and are not here."
		# What a student looks up while writing: from the project's README.
		awk '/^## / { on = ($0 ~ /^## (Guest conventions|Exit statuses|Troubleshooting)$/); if (on) print "" } on' \
			"$ROOT/README.md"
	} >"$tree/README.md"
}

# The student's guide at the top of the tree.
write_guide() {
	local tree=$1 chapter=$2 num=${2%%-*}
	local rel=chapters/$2/main.c md=book/$2.md id
	{
		echo "# Lab $num: $chapter"
		echo
		echo "This tree is kvm-steps with the stage of chapter $num cut out of"
		echo "\`$rel\`. Write it where the TODOs say, in:"
		echo
		todo_functions "$tree/$rel" | while read -r name; do
			echo "- \`$name\` in \`$rel\`"
		done
		echo
		if [ -f "$tree/$md" ]; then
			# The sections up to "The code" say what the stage is and
			# where the code goes; the rest is for once it runs.
			echo "Read first, in [$md]($md), before you write:"
			echo
			awk '/^```/ { fence = !fence; next } !fence && /^## / { sub(/^## +/, ""); print }' "$tree/$md" |
				while IFS= read -r heading; do
					id=$(printf '%s' "$heading" | tr 'A-Z' 'a-z' | sed -E 's/[^a-z0-9 _-]//g; s/ /-/g')
					echo "- [$heading]($md#$id)"
					if [ "$heading" = "The code" ]; then
						echo
						echo "and once it runs:"
						echo
					fi
				done
			echo
		fi
		echo "Until you do, the program stops at the first TODO it reaches with"
		echo "\"chapter $num: this stage is not written yet: ...\" and exit status 78."
		echo
		echo "\`\`\`sh"
		printf '%-28s # %s\n' "make" "build; warnings are errors" \
			"build/bin/$chapter" "run your program" \
			"make grade CH=$num" "the graded tests, each with its points, then Score: X/Y" \
			"make grade CH=$num EXTRAS=1" "the graded extras too, once the stage works"
		echo "\`\`\`"
		echo
		echo "Chapters before $num are whole: they are the labs before this one."
		echo "Later chapters are cut too, since they are the labs after it, and"
		echo "so are the helpers in \`common/\` that hold this stage or a later"
		echo "one. The grader runs \`build/bin/$chapter\`, so only the code you"
		echo "write in \`$rel\` can make its tests pass."
		if grep -q '^# Graded extras' "$tree/labs/tests/$chapter.sh" 2>/dev/null; then
			echo
			echo "## Graded extras"
			echo
			echo "Once the stage works, each is worth 10 more points; their tests are"
			echo "in \`labs/tests/$chapter.sh\`."
			echo
			# The list from the head of the tests file, as it is there.
			sed -n '/^# Graded extras/,/^[^#]/p' "$tree/labs/tests/$chapter.sh" |
				sed -n 's/^#   /    /p'
		fi
	} >"$tree/LAB.md"
}

status=0
mkdir -p "$out" || exit 73
for chapter in "${selected[@]}"; do
	tree=$out/$chapter
	if [ -e "$tree" ]; then
		echo "lab: $tree exists already (a student's work?): remove it or give LAB=another/folder" >&2
		exit 73
	fi
	mkdir -p "$tree" || exit 73
	list_files | grep -zvE '^(book/|labs/solutions/|README\.md$)' |
		(cd "$ROOT" && xargs -0 -r sh -c 'for f; do [ -e "$f" ] && printf "%s\0" "$f"; done' sh) |
		tar -C "$ROOT" --null -T - -cf - | tar -C "$tree" -xf - || exit 1
	cut=0
	for later in "${chapters[@]}"; do
		[ "${later%%-*}" \< "${chapter%%-*}" ] && continue
		# A later chapter without markers stays whole; this one must have them.
		if [ "$later" != "$chapter" ] && ! grep -q '// LAB BEGIN:' "$tree/chapters/$later/main.c"; then
			continue
		fi
		cut_file "$tree" "chapters/$later/main.c" "${later%%-*}" "" || { status=1; continue 2; }
		cut=$((cut + 1))
	done
	# The helpers in common/ that are this stage or a later one.
	for file in "$tree"/common/*.c; do
		grep -q '// LAB BEGIN [0-9][0-9]:' "$file" || continue
		cut_file "$tree" "common/${file##*/}" "" "${chapter%%-*}" || { status=1; continue 2; }
	done
	copy_book "$tree" "$chapter" || { echo "lab: cannot copy the book into $tree" >&2; status=1; continue; }
	write_guide "$tree" "$chapter"
	write_readme "$tree" "$chapter"
	unlink_missing "$tree"
	echo "lab: wrote $tree (chapter ${chapter%%-*} cut$([ "$cut" -gt 1 ] && echo ", and the $((cut - 1)) chapter(s) after it")); read $tree/LAB.md"
done
exit "$status"
