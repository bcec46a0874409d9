#!/usr/bin/env bash
# tools/sources-check.sh [rows|phrases|all] [LIST [ROOT]] - check the list
# of claims the book makes about the kernel, QEMU and the CPU
# (book/sources-checked.md), as tests/cases/41-sources.sh does:
#
#   rows     every table row has four cells; its "where" names a file of
#            ROOT, in backquotes, then "§" and text that file contains; its
#            source names a version and a file in backquotes; its verdict
#            is true, fixed or open; every chapter and appendix of ROOT's
#            book has at least one row
#   phrases  no phrase of the list's "Phrases that must not come back"
#            block is in ROOT's book (but the list), chapters/, common/,
#            guest-asm/, tests/faults.md or labs/
#
# Prints one line per problem and exits 1 if there is any, 0 if none.
# LIST defaults to book/sources-checked.md, ROOT to the repository.
set -u
what=${1:-all}
root=${3:-$(cd "$(dirname "$0")/.." && pwd)}
list=${2:-$root/book/sources-checked.md}
problems=0

problem() {
	echo "${list#"$root"/}: $*"
	problems=$((problems + 1))
}

# The file as one line: comment leaders (" * ", "//", ";") dropped, line
# breaks and runs of blanks read as one space, so a phrase is found
# however it was wrapped.
flat() {
	sed -E 's/^[[:space:]]*(\*|\/\/|;+)[[:space:]]?//' "$1" | tr '\n\t' '  ' | tr -s ' '
}

cache=$(mktemp -d "${TMPDIR:-/tmp}/sources-check.XXXXXX")
trap 'rm -rf "$cache"' EXIT

flat_cached() { # PATH under root: the name of its flat copy
	local name=$cache/${1//\//_}
	[ -f "$name" ] || flat "$root/$1" >"$name"
	echo "$name"
}

versions='(Linux (v6\.12|6\.12\.[0-9]+|mainline)|QEMU ([0-9a-f]{8}|master)|kvmtool master|Firecracker [0-9a-f]{8}|host|Intel SDM|AMD APM)'

check_rows() {
	local line n=0 where path text source verdict cells covered=""
	while IFS= read -r line; do
		n=$((n + 1))
		case $line in
		'| claim |'* | '|---'*) continue ;;
		'| '*) ;;
		*) continue ;;
		esac
		line=${line#| }
		line=${line% |}
		IFS=$'\x1f' read -r -a cells <<<"${line// | /$'\x1f'}"
		if [ "${#cells[@]}" -ne 4 ]; then
			problem "line $n: ${#cells[@]} cells, not 4 (claim | where | source | verdict)"
			continue
		fi
		where=${cells[1]} source=${cells[2]} verdict=${cells[3]}
		if [[ $where =~ ^\`([^\`]+)\`\ §\ (.+)$ ]]; then
			path=${BASH_REMATCH[1]} text=${BASH_REMATCH[2]}
			if [ ! -f "$root/$path" ]; then
				problem "line $n: where: no file $path"
			elif ! grep -qF -- "$text" "$(flat_cached "$path")"; then
				problem "line $n: where: $path has no '$text'"
			fi
			covered="$covered $path"
		else
			problem "line $n: where is not \`FILE\` § TEXT: $where"
		fi
		[[ $source =~ $versions ]] ||
			problem "line $n: source names no version (Linux v6.12, Linux 6.12.N, Linux mainline, QEMU COMMIT, QEMU master, kvmtool master, Firecracker COMMIT, host, Intel SDM, AMD APM): $source"
		[[ $source =~ \`[^\`]+\` ]] ||
			problem "line $n: source names no file in backquotes: $source"
		case $verdict in
		true | fixed | open) ;;
		*) problem "line $n: verdict is '$verdict', not true, fixed or open" ;;
		esac
	done <"$list"
	local md
	for md in "$root"/book/[0-9][0-9]-*.md "$root"/book/appendix-*.md; do
		[ -f "$md" ] || continue
		md=${md#"$root"/}
		case " $covered " in
		*" $md "*) ;;
		*) problem "no row for $md: add its claims" ;;
		esac
	done
}

check_phrases() {
	local phrases file phrase files
	phrases=$(awk '/^## Phrases that must not come back/ { on = 1; next }
		on && /^```text/ { inblock = 1; next }
		inblock && /^```/ { exit }
		inblock && NF { print }' "$list")
	if [ -z "$phrases" ]; then
		problem "no phrases block under '## Phrases that must not come back'"
		return
	fi
	files=$(cd "$root" && find book chapters common guest-asm labs tests/faults.md \
		-type f \( -name '*.md' -o -name '*.c' -o -name '*.h' -o -name '*.asm' -o -name '*.sh' \) \
		2>/dev/null | sort)
	printf '%s\n' "$phrases" >"$cache/phrases"
	for file in $files; do
		[ "$root/$file" -ef "$list" ] && continue
		flat_cached "$file" >/dev/null
		grep -oF -f "$cache/phrases" "$(flat_cached "$file")" | sort -u >"$cache/found"
		while IFS= read -r phrase; do
			problem "$file says '$phrase', which the list found false"
		done <"$cache/found"
	done
}

if [ ! -f "$list" ]; then
	echo "sources-check: no list $list" >&2
	exit 1
fi
case $what in
rows) check_rows ;;
phrases) check_phrases ;;
all) check_rows; check_phrases ;;
*) echo "usage: tools/sources-check.sh [rows|phrases|all] [LIST [ROOT]]" >&2; exit 64 ;;
esac
[ "$problems" -eq 0 ]
