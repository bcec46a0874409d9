# 60-faults.sh - every row of tests/faults.md is a test: bad input and
# faulty guests get their documented status and their one clear line.
# The table says what each column means; this file only carries it out.

FAULTS_TABLE=tests/faults.md
FAULTS_UID=$(id -u nobody 2>/dev/null || echo 65534)
FAULTS_GID=$(id -g nobody 2>/dev/null || echo 65534)
FAULTS_FRAGMENT_RE='^[^`]*`([^`]*)`(.*)$'
FAULTS_PORT="" # a row's {port}, chosen for the rows that name it

# The fixtures every row may name: {tmp}, {guests}, {kvm}. Made once per
# suite, in a directory the unprivileged user can reach.
faults_fixtures() {
	FT=$TMP_DIR/faults
	[ -d "$FT" ] && return 0
	chmod 711 "$TMP_DIR"
	mkdir -p "$FT/guests" "$FT/bin"
	chmod 755 "$FT" "$FT/guests" "$FT/bin"
	: >"$FT/plain"
	printf '\364' >"$FT/denied" # one HLT, were anyone allowed to read it
	chmod 000 "$FT/denied"
	mkfifo "$FT/fifo"
	head -c 1016833 /dev/zero >"$FT/too-big.bin"
	cp guest-asm/real/hello.asm "$FT/hello.asm" # a source, passed as if assembled
	chmod 644 "$FT/hello.asm"
	# Chapter 14's: a snapshot cut inside its header (the magic, then
	# half of the version).
	printf 'KVMSTEPS\001\000' >"$FT/snap-cut"
	chmod 644 "$FT/snap-cut"
	# Chapter 15's made-up kernels (tests/mkbzimage.sh): a good one, and
	# one for each refusal of the boot protocol's checks.
	. tests/mkbzimage.sh
	lx_mkbz "$FT/bz-good" 020f
	lx_mkbz "$FT/bz-old" 0205
	lx_mkbz "$FT/bz-zimage" 020f 00
	lx_mkbz "$FT/bz-huge" 020f 01 8192 10000000
	lx_mkbz "$FT/bz-tight" 020f 01 8192 01f00000
	lx_mkbz "$FT/bz-short-cmdline" 020f 01 8192 00800000 00000010
	head -c $((5 * 512 + 4096)) "$FT/bz-good" >"$FT/bz-cut"
	printf 'just text\n' >"$FT/bz-tiny"
	chmod 644 "$FT"/bz-*
	cp "$TGUESTS"/*.bin "$FT/guests/"
	chmod 644 "$FT/guests"/*.bin
	FAULTS_KVM=/dev/kvm
	FAULTS_KVM_DENIED=$FT/denied # not root: no mknod, a file will do
	FAULTS_KVM_PROBLEM=""
	if [ "$(id -u)" = 0 ] && [ -c /dev/kvm ]; then
		# A second node for the same device, that only nobody may open:
		# what a user in the kvm group has, without changing /dev/kvm.
		FAULTS_KVM=$FT/kvm
		# shellcheck disable=SC2046 # major and minor, two words
		if ! mknod "$FAULTS_KVM" c $(stat -c '0x%t 0x%T' /dev/kvm) ||
			! chown "$FAULTS_UID:$FAULTS_GID" "$FAULTS_KVM" ||
			! chmod 600 "$FAULTS_KVM"; then
			FAULTS_KVM_PROBLEM="cannot make a KVM device node for nobody in $FT (mknod needs CAP_MKNOD)"
		fi
		# and one only root may open, as /dev/kvm is on many hosts
		FAULTS_KVM_DENIED=$FT/kvm-root-only
		# shellcheck disable=SC2046
		if ! mknod -m 600 "$FAULTS_KVM_DENIED" c $(stat -c '0x%t 0x%T' /dev/kvm); then
			FAULTS_KVM_PROBLEM="cannot make a KVM device node in $FT (mknod needs CAP_MKNOD)"
		fi
	fi
}

faults_expand() {
	local word=$1
	word=${word//\{tmp\}/$FT}
	word=${word//\{guests\}/$FT/guests}
	word=${word//\{kvm\}/$FAULTS_KVM}
	word=${word//\{kvm-denied\}/$FAULTS_KVM_DENIED}
	word=${word//\{port\}/$FAULTS_PORT}
	printf '%s' "$word"
}

# A TCP port nothing listens on, for a row's {port} (chapter 13's --gdb).
faults_port() {
	local i
	for ((i = 0; i < 20; i++)); do
		FAULTS_PORT=$((20000 + RANDOM % 40000))
		(exec 3<>"/dev/tcp/127.0.0.1/$FAULTS_PORT") 2>/dev/null || return 0
	done
}

# stdin "gdb: `BYTES`": the program runs with standard input /dev/null;
# once it listens on {port}, a client connects, sends BYTES and closes.
faults_gdb_client() {
	local pid i fd
	"${FAULTS_CMD[@]}" </dev/null &
	pid=$!
	for ((i = 0; i < TIMEOUT_GUARD * 20; i++)); do
		grep -q "waiting for gdb on 127.0.0.1:$FAULTS_PORT " "$TMP_DIR/err" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.05
	done
	if exec {fd}<>"/dev/tcp/127.0.0.1/$FAULTS_PORT"; then
		printf "$(<"$TMP_DIR/faults-in")" >&"$fd" 2>/dev/null
		exec {fd}>&-
	fi
	wait "$pid"
}

# The backquoted texts of a cell, into FRAGS; FRAG_MODE is "any" when they
# are joined by "or", "all" otherwise.
faults_fragments() {
	local rest=$1
	FRAGS=() FRAG_MODE=all
	while [[ $rest =~ $FAULTS_FRAGMENT_RE ]]; do
		FRAGS+=("$(faults_expand "${BASH_REMATCH[1]}")")
		rest=${BASH_REMATCH[2]}
		[[ $rest == " or "* ]] && FRAG_MODE=any
	done
}

faults_with_stdin() {
	case $1 in
	"gdb: "*) faults_gdb_client ;;
	closed) "${FAULTS_CMD[@]}" <&- ;;
	/dev/null) "${FAULTS_CMD[@]}" </dev/null ;;
	*) "${FAULTS_CMD[@]}" <"$TMP_DIR/faults-in" ;;
	esac
}

# Run FAULTS_CMD with the row's stdin and stdout; sets STATUS, OUT, ERR.
faults_launch() {
	local stdin=$1 stdout=$2
	: >"$TMP_DIR/out"
	case $stdout in
	captured) faults_with_stdin "$stdin" >"$TMP_DIR/out" 2>"$TMP_DIR/err" ;;
	closed) faults_with_stdin "$stdin" >&- 2>"$TMP_DIR/err" ;;
	/dev/full) faults_with_stdin "$stdin" >/dev/full 2>"$TMP_DIR/err" ;;
	"pipe closed early")
		faults_with_stdin "$stdin" 2>"$TMP_DIR/err" | head -c 1 >/dev/null
		return "${PIPESTATUS[0]}" ;;
	"pipe with no reader")
		# The reader closes its end and says so before the program
		# starts, so every write fails with EPIPE: no race.
		local ready status
		coproc FAULTS_READER { exec 0<&-; echo closed; sleep 30; }
		read -r ready <&"${FAULTS_READER[0]}"
		faults_with_stdin "$stdin" >&"${FAULTS_READER[1]}" 2>"$TMP_DIR/err"
		status=$?
		kill "$FAULTS_READER_PID" 2>/dev/null
		wait "$FAULTS_READER_PID" 2>/dev/null
		return "$status" ;;
	*) fail "unknown stdout '$stdout' in $FAULTS_TABLE"; return 0 ;;
	esac
}

faults_row() {
	local name=$1 as=$2 stdin=$3 stdout=$4 command=$5 status=$6 err=$7 lines=$8 out=$9
	local words=() prog exe frag found
	begin "faults: $name"
	case $status in 64 | 69) ;; *) needs_kvm ;; esac
	[ -n "$TEST_SKIP" ] && { end; return; }
	[[ $command == *"{port}"* ]] && faults_port
	case $stdin in "gdb: "*) [ "$stdout" = captured ] || fail "a gdb: row must capture stdout" ;; esac

	faults_fragments "$command"
	[ "${#FRAGS[@]}" -eq 1 ] || { fail "the command must be one \`...\`: $command"; end; return; }
	read -r -a words <<<"${FRAGS[0]}"
	prog=${words[0]}
	exe=$BIN/$prog
	FAULTS_CMD=()
	for frag in "${words[@]:1}"; do
		FAULTS_CMD+=("$(faults_expand "$frag")")
	done
	if [ "$as" = unprivileged ] && [ "$(id -u)" = 0 ]; then
		# nobody may not reach the build tree: give it its own copy
		cp "$exe" "$FT/bin/$prog" && chmod 755 "$FT/bin/$prog"
		exe=$FT/bin/$prog
		FAULTS_CMD=(setpriv --reuid="$FAULTS_UID" --regid="$FAULTS_GID" --clear-groups -- "$exe" "${FAULTS_CMD[@]}")
		if [[ $command == *"{kvm"* ]] && [ -n "$FAULTS_KVM_PROBLEM" ]; then
			fail "$FAULTS_KVM_PROBLEM"
		fi
	elif [ "$as" != you ] && [ "$as" != unprivileged ]; then
		fail "unknown 'as' value '$as' in $FAULTS_TABLE"
	else
		FAULTS_CMD=("$exe" "${FAULTS_CMD[@]}")
	fi
	FAULTS_CMD=(timeout -k 5 "$TIMEOUT_GUARD" "${FAULTS_CMD[@]}")
	case $stdin in
	closed | /dev/null) ;;
	"gdb: "*) faults_fragments "$stdin"; printf '%s' "${FRAGS[0]:-}" >"$TMP_DIR/faults-in" ;;
	*) faults_fragments "$stdin"; printf "${FRAGS[0]:-}" >"$TMP_DIR/faults-in" ;;
	esac

	faults_launch "$stdin" "$stdout"
	STATUS=$?
	OUT=$(cat "$TMP_DIR/out")
	ERR=$(cat "$TMP_DIR/err")
	if [ "$STATUS" -eq 124 ] && [ -z "$ERR" ]; then
		fail "$prog did not finish within $TIMEOUT_GUARD s (hung)"
	fi

	expect_status "$status"
	faults_fragments "$err"
	[ "${#FRAGS[@]}" -gt 0 ] || fail "no \`text\` for standard error in the row"
	if [ "$FRAG_MODE" = any ]; then
		found=""
		for frag in "${FRAGS[@]}"; do
			case $ERR in *"$frag"*) found=1 ;; esac
		done
		[ -n "$found" ] || fail "standard error has none of: ${FRAGS[*]}; it was:
$ERR"
	else
		for frag in "${FRAGS[@]}"; do
			expect_err_has "$frag"
		done
	fi
	[ "$lines" = - ] || expect_err_lines "$lines"
	if [ "$out" != - ]; then
		faults_fragments "$out"
		for frag in "${FRAGS[@]}"; do
			expect_out_has "$frag"
		done
	fi
	end
}

faults_fixtures
faults_rows=0
while IFS= read -r faults_line; do
	case $faults_line in
	"| case |"* | "|---"* | "") continue ;;
	"| "*) ;;
	*) continue ;;
	esac
	faults_line=${faults_line#| }
	faults_line=${faults_line% |}
	IFS=$'\037' read -r -a faults_cells <<<"${faults_line// | /$'\037'}"
	if [ "${#faults_cells[@]}" -ne 9 ]; then
		begin "faults: a row of $FAULTS_TABLE has 9 cells"
		fail "${#faults_cells[@]} cells in: $faults_line"
		end
		continue
	fi
	faults_rows=$((faults_rows + 1))
	faults_row "${faults_cells[@]}"
done <"$FAULTS_TABLE"

begin "faults: $FAULTS_TABLE holds at least 25 cases"
[ "$faults_rows" -ge 25 ] || fail "only $faults_rows rows were read"
end
