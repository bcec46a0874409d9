#!/usr/bin/env bash
# dirty-plot.sh - chapter 14's picture: the pages each pre-copy round of
# 14-migrate --migrate sends, as a text bar chart (book/14-migrate.md).
#
#   tools/dirty-plot.sh record BIN OPTIONS...   run BIN/14-migrate --migrate
#                                  once with each OPTIONS (one argument
#                                  each, such as "--rate 4" or "--dirty
#                                  ring --rate 4") and print what a plot
#                                  needs: a header naming the backend, then
#                                  each run's round, stop-and-copy and
#                                  summary lines, each behind its options
#   tools/dirty-plot.sh plot FILE  the bar chart of a recording ("-" is
#                                  standard input): a bar a round, one #
#                                  for every 8 pages, and each run's
#                                  downtime and pages in all (the rounds'
#                                  and the stop-and-copy's, added up)
#
# A recording is kept because no two runs send the same pages: when a
# round ends depends on the host's timing. The book shows the plot of
# recordings made on each backend (book/data/14-rounds-*.txt), which its
# test redraws; `record ... | plot -` draws a fresh one.
#
# Exit status: 0; 64 for a bad command line; 66 when FILE cannot be read
# or holds no run; 69 when BIN/14-migrate is not there; 70 when a run
# printed no round (its own lines are shown).
set -u

usage() {
	echo "usage: tools/dirty-plot.sh record BIN OPTIONS... | plot FILE" >&2
	exit 64
}

record() {
	local bin=$1 opts backend
	shift
	[ $# -gt 0 ] || usage
	[ -x "$bin/14-migrate" ] || { echo "dirty-plot.sh: no $bin/14-migrate: run make first" >&2; exit 69; }
	backend=unknown
	for module in kvm_intel kvm_amd kvm_pvm; do
		[ -e "/sys/module/$module" ] && backend=$module
	done
	out=$(mktemp "${TMPDIR:-/tmp}/dirty-plot.XXXXXX") || exit 70 # global: the trap reads it
	trap 'rm -f "$out"' EXIT
	echo "# 14-migrate --migrate, recorded by tools/dirty-plot.sh on $backend ($(uname -r)), $(date -u +%Y-%m-%d)"
	for opts in "$@"; do
		# Word splitting of OPTIONS is meant: each is a few options.
		# shellcheck disable=SC2086
		"$bin/14-migrate" --migrate $opts >/dev/null 2>"$out"
		grep -q ': round 0: ' "$out" || {
			echo "dirty-plot.sh: 14-migrate --migrate $opts printed no round:" >&2
			cat "$out" >&2
			exit 70
		}
		grep -E '^14-migrate: (round [0-9]+:|after [0-9]+ rounds|stop-and-copy:|moved in|the dirty ring:)' "$out" |
			sed -E 's/ and 1 vCPU .*; the guest was paused/ and the state; the guest was paused/' |
			sed "s|^|$opts \| |"
	done
}

plot() {
	local file=$1
	if [ "$file" != - ] && [ ! -r "$file" ]; then
		echo "dirty-plot.sh: cannot read $file" >&2
		exit 66
	fi
	awk -F' [|] ' '
		function bar(n,   s) { s = ""; while (n >= 8) { s = s "#"; n -= 8 } if (n > 0) s = s "+"; return s }
		function flush() {
			if (run == "") return
			printf "14-migrate --migrate %s\n", run
			total = last
			for (i = 0; i < rounds; i++) {
				printf "  round %-2d %5d %s\n", i, sent[i], bar(sent[i])
				total += sent[i]
			}
			printf "  stop     %5d %s  downtime %s ms\n", last, bar(last), downtime
			printf "  in all   %5d pages in %d rounds%s\n", total, rounds, gaveup
			if (ring != "") printf "  ring     entries: %s\n", ring
			printf "\n"
			run = ""; ring = ""
		}
		/^#/ { sub(/^# /, ""); header = $0; next }
		NF < 2 { next }
		$1 != run { flush(); run = $1; rounds = 0; gaveup = ""; runs++ }
		$2 ~ /: round [0-9]+: [0-9]+ pages/ {
			s = $2; sub(/.*: round [0-9]+: /, "", s); sub(/ pages.*/, "", s)
			sent[rounds++] = s + 0
		}
		$2 ~ /: after [0-9]+ rounds/ { gaveup = ", the last still over the threshold" }
		$2 ~ /: stop-and-copy: / {
			s = $2; sub(/.*stop-and-copy: /, "", s); sub(/ pages.*/, "", s); last = s + 0
			d = $2; sub(/.*paused for /, "", d); sub(/ ms.*/, "", d); downtime = d
		}
		$2 ~ /: the dirty ring: / {
			r = $2; sub(/.*entries, /, "", r); ring = r
		}
		END {
			if (runs == 0) exit 1
			flush()
			print "(" header "; one # for 8 pages, + for the rest)"
		}
	' "$file" || { echo "dirty-plot.sh: no run in $file" >&2; exit 66; }
}

case ${1:-} in
record) shift; [ $# -ge 2 ] || usage; record "$@" ;;
plot) [ $# -eq 2 ] || usage; plot "$2" ;;
*) usage ;;
esac
