#!/usr/bin/env bash
# book.sh - keep book/*.md true to the code.
#
#   tools/book.sh update FILE...      rewrite every excerpt and output block
#                                     from the current sources and programs
#   tools/book.sh update-includes FILE...   only the excerpts (make lab
#                                     shows a lab tree's cut code so)
#   tools/book.sh check KIND FILE     check one kind of thing in one file;
#                                     prints what is wrong, exits 1 if any
#
# KIND is one of:
#   includes  <!-- include: PATH:ANCHOR --> (or PATH alone, the whole file)
#             followed by a fenced block that must hold exactly the source
#             lines between "ANCHOR: name" and "ANCHOR_END: name", without
#             the ANCHOR lines and the "LAB BEGIN"/"LAB END" lines
#   outputs   <!-- output: COMMAND --> followed by a ```text block that must
#             equal what `sh -c COMMAND` prints now, run from the repository
#             root, both normalised by tests/lib.sh normalise(). An output
#             that differs by KVM backend is marked with the backend that
#             printed it, <!-- output@kvm_amd: COMMAND -->, and is checked
#             (and rewritten by update) only where that backend runs:
#             kvm_amd in the emulated AMD machine (make test-vm, make
#             book-vm), the others on a host that has them
#   commands  each command in a ```sh block exists: build/bin programs and
#             other paths in the repository, make targets in the Makefile,
#             tools on PATH (or in EXTERNAL_TOOLS below)
#   links     each [text](target) between book files and to repository
#             files resolves, and so does each #heading it names
#
# Run from anywhere; paths in the book are relative to the repository root.
# BOOK_BIN=DIR runs the commands of output blocks with build/bin/ replaced
# by DIR/ (the test suite uses it to check the sanitized build too).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2
. tests/lib.sh # normalise(), and a TMP_DIR removed on exit

# Tools the book shows that a reader installs separately (not needed to
# build or test kvm-steps), with the Debian package that has them.
EXTERNAL_TOOLS="perf:linux-perf trace-cmd:trace-cmd qemu-system-x86_64:qemu-system-x86 git:git strace:strace gdb:gdb"

problems=0
problem() {
	echo "$*"
	problems=$((problems + 1))
}

# extract PATH [ANCHOR]: the lines an include shows, on stdout; 1 if the
# file or anchor does not exist.
extract() {
	local path=$1 anchor=${2:-}
	[ -f "$path" ] || return 1
	awk -v anchor="$anchor" '
		function marker(line) {
			return line ~ /^[ \t]*(\/\/|;|#|\/\*)[ \t]*ANCHOR(_END)?:/ ||
			       line ~ /^[ \t]*(\/\/|;)[ \t]*LAB (BEGIN|END)/
		}
		anchor == "" { if (!marker($0)) print; next }
		!inside && $0 ~ "^[ \t]*(//|;|#|/[*])[ \t]*ANCHOR:[ \t]*" anchor "[ \t]*([*]/)?[ \t]*$" {
			inside = 1; found = 1; next
		}
		inside && $0 ~ "^[ \t]*(//|;|#|/[*])[ \t]*ANCHOR_END:[ \t]*" anchor "[ \t]*([*]/)?[ \t]*$" {
			inside = 0; closed = 1; exit
		}
		inside { if (!marker($0)) print }
		END { if (anchor != "" && (!found || !closed)) exit 1 }
	' "$path"
}

# run_output COMMAND: what the command prints, as the book shows it.
run_output() {
	local cmd=$1
	if [ -n "${BOOK_BIN:-}" ]; then
		cmd=${cmd//build\/bin\//$BOOK_BIN/}
	fi
	# What the command does not redirect itself from standard error is
	# kept aside: not shown, but searched for sanitizer reports.
	# The guard is generous: chapter 15's boot log in the emulated AMD
	# machine takes 15 s on a quiet host, one to six minutes on a busy one.
	timeout -k 5 900 sh -c "$cmd" 2>"$TMP_DIR/stderr"
	return 0
}

# blocks FILE: one record per marked block, tab-separated:
#   KIND <tab> ARGUMENT <tab> MARKER_LINE <tab> FENCE_OPEN_LINE <tab> FENCE_CLOSE_LINE
# KIND is include or output; FENCE_* are 0 when no fenced block follows.
blocks() {
	awk '
		function flush() { if (kind != "") print kind "\t" arg "\t" mline "\t" op "\t" cl; kind = "" }
		/^<!-- (include|output(@[a-z0-9_]+)?): .* -->[ \t]*$/ && !infence {
			flush()
			kind = $0
			sub(/^<!-- /, "", kind)
			sub(/: .*$/, "", kind)
			arg = $0
			sub(/^<!-- (include|output(@[a-z0-9_]+)?): /, "", arg)
			sub(/ -->[ \t]*$/, "", arg)
			mline = NR; op = 0; cl = 0; want = 1
			next
		}
		/^```/ {
			if (!infence) {
				infence = 1
				if (want && NR == mline + 1) op = NR
				else if (want) flush()
				want = 0
			} else {
				infence = 0
				if (kind != "" && op && !cl) { cl = NR; flush() }
			}
			next
		}
		want && !infence { flush(); want = 0 }
		END { flush() }
	' "$1"
}

fence_body() { # FILE OPEN CLOSE
	sed -n "$(($2 + 1)),$(($3 - 1))p" "$1"
}

check_includes() {
	local file=$1 n=0 kind arg mline open close path anchor
	while IFS=$'\t' read -r kind arg mline open close; do
		[ "$kind" = include ] || continue
		n=$((n + 1))
		if [ "$open" = 0 ] || [ "$close" = 0 ]; then
			problem "$file:$mline: include $arg: no fenced block right after it"
			continue
		fi
		path=${arg%%:*}
		anchor=""
		[ "$path" != "$arg" ] && anchor=${arg#*:}
		if [ ! -f "$path" ]; then
			problem "$file:$mline: include $arg: no file $path"
			continue
		fi
		if ! extract "$path" "$anchor" >"$TMP_DIR/want"; then
			problem "$file:$mline: include $arg: no anchor '$anchor' (with its ANCHOR_END) in $path"
			continue
		fi
		fence_body "$file" "$open" "$close" >"$TMP_DIR/have"
		if ! diff -u "$TMP_DIR/have" "$TMP_DIR/want" >"$TMP_DIR/diff"; then
			problem "$file:$mline: include $arg is stale (- in the book, + in the source; make book rewrites it):"
			sed -n '3,40p' "$TMP_DIR/diff"
		fi
	done < <(blocks "$file")
	# Code is never typed into the book: a C or nasm block must be an
	# excerpt, right after its include marker.
	while IFS=: read -r line _; do
		problem "$file:$line: a code block with no include marker before it: take the code from the source with <!-- include: PATH:ANCHOR -->"
	done < <(awk '
		/^```/ {
			if (!fence && $0 ~ /^```(c|h|nasm|asm)[ \t]*$/ && prev !~ /^<!-- include: .* -->[ \t]*$/) print NR ":"
			fence = !fence
		}
		{ prev = $0 }
	' "$file")
	echo "$n excerpt(s) checked"
}

# other_backend KIND: true for an output marked with a backend not this one.
other_backend() {
	case $1 in
	output@*) [ "${1#output@}" != "$BACKEND" ] ;;
	*) false ;;
	esac
}

check_outputs() {
	local file=$1 n=0 other=0 kind arg mline open close
	while IFS=$'\t' read -r kind arg mline open close; do
		case $kind in output | output@*) ;; *) continue ;; esac
		if other_backend "$kind"; then
			other=$((other + 1))
			continue
		fi
		n=$((n + 1))
		if [ "$open" = 0 ] || [ "$close" = 0 ]; then
			problem "$file:$mline: output $arg: no fenced block right after it"
			continue
		fi
		run_output "$arg" </dev/null >"$TMP_DIR/now"
		if grep -qE 'runtime error:|Sanitizer' "$TMP_DIR/stderr" "$TMP_DIR/now"; then
			problem "$file:$mline: output of '$arg': a sanitizer reported:"
			grep -hE -A 5 'runtime error:|Sanitizer' "$TMP_DIR/stderr" "$TMP_DIR/now" | head -n 20
		fi
		local KEEP_BACKEND=""
		[ "$kind" != output ] && KEEP_BACKEND=1
		fence_body "$file" "$open" "$close" | normalise >"$TMP_DIR/have"
		normalise <"$TMP_DIR/now" >"$TMP_DIR/want"
		if ! diff -u "$TMP_DIR/have" "$TMP_DIR/want" >"$TMP_DIR/diff"; then
			problem "$file:$mline: output of '$arg' differs (- in the book, + printed now; make book rewrites it):"
			sed -n '3,40p' "$TMP_DIR/diff"
		fi
	done < <(blocks "$file")
	if [ "$other" -gt 0 ]; then
		echo "$n output(s) checked on $BACKEND; $other printed by another backend, checked where it runs"
	else
		echo "$n output(s) checked on $BACKEND"
	fi
}

# The commands of ```sh blocks, one per line: continuation lines joined,
# comments and a leading "$ " dropped.
sh_commands() {
	awk '
		/^```/ { if (insh) { insh = 0; next } if ($0 ~ /^```(sh|bash|shell)[ \t]*$/) { insh = 1; line = ""; next } }
		insh {
			s = $0
			sub(/^\$ /, "", s)
			if (s ~ /\\$/) { sub(/\\$/, "", s); line = line s " "; next }
			line = line s
			sub(/(^|[ \t])#.*$/, "", line)
			if (line ~ /[^ \t]/) print NR "\t" line
			line = ""
		}
	' "$1"
}

make_target_exists() {
	grep -qE "^$1:" Makefile || grep -qE "^\.PHONY:.*[ \t]$1([ \t]|$)" Makefile
}

check_word() { # FILE LINE WORD REST...
	local file=$1 lineno=$2 word=$3 target
	shift 3
	case $word in
	make)
		for target in "$@"; do
			case $target in
			-*|*=*|'>'*|'<'*|'2>'*) continue ;;
			esac
			make_target_exists "$target" ||
				problem "$file:$lineno: make $target: no such target in the Makefile"
		done
		return ;;
	*/*)
		word=${word#./}
		if [ -e "$word" ]; then
			[ -x "$word" ] || [ -d "$word" ] ||
				problem "$file:$lineno: $word is not executable"
		elif [[ $word == build/* ]]; then
			problem "$file:$lineno: $word does not exist (after make, it should)"
		elif [[ $word != /* ]]; then
			problem "$file:$lineno: $word: no such file in the repository"
		elif [[ $word != /sys/* && $word != /proc/* && $word != /dev/* ]]; then
			command -v "$word" >/dev/null 2>&1 ||
				problem "$file:$lineno: $word: no such program"
		fi
		return ;;
	esac
	command -v "$word" >/dev/null 2>&1 && return
	local entry
	for entry in $EXTERNAL_TOOLS; do
		[ "${entry%%:*}" = "$word" ] && return
	done
	problem "$file:$lineno: '$word' is not a command here, a make target or a known external tool"
}

check_commands() {
	local file=$1 n=0 lineno line segment words word
	while IFS=$'\t' read -r lineno line; do
		# Quoted text is an argument, never a command: drop it, then
		# split on pipes and command separators; check each first word.
		line=$(sed -e "s/'[^']*'/Q/g" -e 's/"[^"]*"/Q/g' <<<"$line")
		line=${line//&&/;}
		line=${line//||/;}
		line=${line//|/;}
		IFS=';' read -r -a segments <<<"$line"
		for segment in "${segments[@]}"; do
			read -r -a words <<<"$segment"
			while [ "${#words[@]}" -gt 0 ]; do
				word=${words[0]}
				case $word in
				*=*|sudo|env|time|exec|'('|'{'|'!') words=("${words[@]:1}") ;;
				*) break ;;
				esac
			done
			[ "${#words[@]}" -gt 0 ] || continue
			word=${words[0]}
			word=${word#(}
			[ -n "$word" ] || continue
			n=$((n + 1))
			check_word "$file" "$lineno" "$word" "${words[@]:1}"
		done
	done < <(sh_commands "$file")
	echo "$n command(s) checked"
}

# GitHub's heading ids: lower case, punctuation dropped, spaces to hyphens.
heading_ids() {
	awk '
		/^```/ { fence = !fence; next }
		!fence && /^#+ / {
			h = $0
			sub(/^#+ +/, "", h)
			h = tolower(h)
			gsub(/[^a-z0-9 _-]/, "", h)
			gsub(/ /, "-", h)
			print h
		}
	' "$1"
}

check_links() {
	local file=$1 n=0 dir target path frag
	dir=$(dirname "$file")
	while IFS= read -r target; do
		case $target in
		http://*|https://*|mailto:*) continue ;;
		esac
		n=$((n + 1))
		path=${target%%#*}
		frag=""
		[ "$path" != "$target" ] && frag=${target#*#}
		if [ -z "$path" ]; then
			path=$file
		else
			path=$dir/$path
		fi
		if [ ! -e "$path" ]; then
			problem "$file: link ($target): no file $path"
			continue
		fi
		if [ -n "$frag" ] && [[ $path == *.md ]]; then
			heading_ids "$path" | grep -qxF -- "$frag" ||
				problem "$file: link ($target): no heading #$frag in $path"
		fi
	done < <(awk '/^```/ { fence = !fence; next } !fence' "$file" |
		sed 's/`[^`]*`//g' |
		sed -E 's/^ {0,3}\[[^]]+\]: +([^ ]+).*$/](\1)/' |
		grep -oE '\]\([^) ]+\)' | sed -E 's/^\]\(//; s/\)$//')
	echo "$n link(s) checked"
}

UPDATED=0 EXCERPTS=0 OUTPUTS=0 INCLUDES_ONLY=""
update_file() {
	local file=$1 kind arg mline open close path anchor out lang
	out=$TMP_DIR/updated
	cp "$file" "$out"
	# Work from the end of the file, so earlier line numbers stay valid.
	while IFS=$'\t' read -r kind arg mline open close; do
		[ "$kind" = output ] && [ -n "$INCLUDES_ONLY" ] && continue
		if [ "$kind" = include ]; then EXCERPTS=$((EXCERPTS + 1)); else OUTPUTS=$((OUTPUTS + 1)); fi
		if [ "$open" != 0 ] && [ "$close" = 0 ]; then
			echo "$file:$mline: $kind $arg: its fenced block is never closed" >&2
			problems=$((problems + 1))
			continue
		fi
		other_backend "$kind" && continue
		# BOOK_BACKEND_ONLY=1 (make book-vm): only what this backend printed.
		[ -n "${BOOK_BACKEND_ONLY:-}" ] && [ "${kind#output@}" = "$kind" ] && continue
		if [ "$kind" = include ]; then
			path=${arg%%:*}
			anchor=""
			[ "$path" != "$arg" ] && anchor=${arg#*:}
			if ! extract "$path" "$anchor" >"$TMP_DIR/new"; then
				echo "$file:$mline: include $arg: no such file or anchor" >&2
				problems=$((problems + 1))
				continue
			fi
		else
			run_output "$arg" </dev/null >"$TMP_DIR/new"
			local KEEP_BACKEND=""
			[ "$kind" != output ] && KEEP_BACKEND=1
			# Keep the block when only normalised values differ, so a
			# rerun does not churn host addresses.
			if [ "$open" != 0 ] &&
				[ "$(fence_body "$out" "$open" "$close" | normalise)" = "$(normalise <"$TMP_DIR/new")" ]; then
				continue
			fi
		fi
		if [ "$open" = 0 ]; then
			# A marker with no block yet: add one, in the right language.
			case $kind:$arg in
			include:*.c | include:*.c:* | include:*.h | include:*.h:*) lang=c ;;
			include:*.asm | include:*.asm:* | include:*.inc | include:*.inc:*) lang=nasm ;;
			include:*.sh | include:*.sh:*) lang=sh ;;
			*) lang=text ;;
			esac
			{
				head -n "$mline" "$out"
				echo '```'"$lang"
				cat "$TMP_DIR/new"
				echo '```'
				tail -n "+$((mline + 1))" "$out"
			} >"$out.next"
			mv "$out.next" "$out"
			continue
		fi
		{
			head -n "$open" "$out"
			cat "$TMP_DIR/new"
			tail -n "+$close" "$out"
		} >"$out.next"
		mv "$out.next" "$out"
	done < <(blocks "$file" | sort -t$'\t' -k3,3nr)
	if ! cmp -s "$file" "$out"; then
		cp "$out" "$file"
		echo "book: updated $file"
		UPDATED=$((UPDATED + 1))
	fi
}

case ${1:-} in
update | update-includes)
	[ "$1" = update-includes ] && INCLUDES_ONLY=1
	shift
	[ $# -gt 0 ] || set -- book/*.md
	for f in "$@"; do update_file "$f"; done
	# Say what was done, also when it was nothing.
	if [ -z "$INCLUDES_ONLY" ]; then
		echo "book: $# file(s), $EXCERPTS excerpt(s) taken again from the sources, $OUTPUTS output(s) from the programs; $UPDATED file(s) changed$([ "$UPDATED" = 0 ] && echo ": the book was up to date")"
	fi
	[ "$problems" -eq 0 ] ;;
check)
	[ $# -eq 3 ] || { echo "usage: tools/book.sh check includes|outputs|commands|links FILE" >&2; exit 64; }
	[ -f "$3" ] || { echo "book.sh: no file $3" >&2; exit 66; }
	case $2 in
	includes) check_includes "$3" ;;
	outputs) check_outputs "$3" ;;
	commands) check_commands "$3" ;;
	links) check_links "$3" ;;
	*) echo "book.sh: unknown check '$2': includes, outputs, commands or links" >&2; exit 64 ;;
	esac
	[ "$problems" -eq 0 ] ;;
*)
	echo "usage: tools/book.sh update [FILE...] | update-includes [FILE...] | check KIND FILE" >&2
	exit 64 ;;
esac
