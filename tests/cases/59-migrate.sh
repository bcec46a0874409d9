# 59-migrate.sh - chapter 14: the whole state of a VM, saved, restored and
# moved. The uninterrupted run (its lines, --lines and --rate); --save
# after a time and on SIGUSR2, then --restore: the two outputs together
# must be the uninterrupted run's, byte for byte, at rates 0, 4 and 64,
# and the same file restored twice gives the same output twice; a save
# that comes after the guest ended writes nothing; --migrate by the dirty
# bitmap and the dirty ring, at the default rate and bandwidth and with
# --bandwidth 0: the output continuous, the rounds, the stop-and-copy and
# the downtime on standard error; --rate 64 by the bitmap, which does not
# converge and stops the guest after 8 rounds; every bad snapshot file
# (made from a good one by tests/snapshot-edit.c), each refused with its
# one line and status 65 before KVM is opened; the option errors (64) and
# a --save file that cannot be made (74, before the guest runs). The
# option errors and a few bad files are also rows of tests/faults.md.
#
# Also under ThreadSanitizer: make test runs this file a third time, on
# build/tsan (tests/run.sh runs the files that carry this line there).
#
# What depends on the backend ($BACKEND):
#   kvm_pvm  --migrate --dirty ring --rate 64 overflows the ring (measured:
#            the vCPU does not leave KVM_RUN at the ring's soft limit and
#            KVM pushes past its end): the program must then say so in
#            its one line and end with 71, or succeed; never hang
#   kvm_amd  (the emulated AMD machine) the same run must succeed
# Everything else must hold on every backend.

[ -x "$BIN/14-migrate" ] || return 0

MIG_EDIT=$BUILD_DIR/tests/snapshot-edit
MIG_DIR=$TMP_DIR/migrate
mkdir -p "$MIG_DIR"
MIG_INTACT="count: the 256 pages add up to what was written: memory intact"

# mig_ref NAME ARGS...: the uninterrupted run with ARGS, kept as
# $MIG_DIR/NAME.out for the tests below (which fail without it).
mig_ref() {
	local name=$1
	shift
	run 14-migrate "$@"
	[ -n "$TEST_SKIP" ] || cp "$TMP_DIR/out" "$MIG_DIR/$name.out"
}

# mig_same FILE WANT: FILE's bytes are WANT's, else what differs.
mig_same() {
	[ -n "$TEST_SKIP" ] && return 0
	if [ ! -s "$2" ]; then
		fail "no uninterrupted run to compare with ($2): its test failed above"
	elif ! cmp -s "$1" "$2"; then
		fail "the output is not the uninterrupted run's ($2), byte for byte (- expected, + actual):
$(diff -u "$2" "$1" | head -n 30)"
	fi
}

# ---- the uninterrupted runs ---------------------------------------------

begin "migrate: the uninterrupted run: status 0, 30 lines of ticks, then memory intact (tests/expected/14-migrate.out)"
needs_kvm
mig_ref full
expect_status 0
expect_out tests/expected/14-migrate.out
expect_out_has "count: 100 Hz, a line every 10 ticks, 30 lines; 4 pages of 256 written a tick"
expect_out_count "count: line " 30
expect_out_has "count: line 30 of 30, 300 ticks"
expect_out_has "$MIG_INTACT"
[ -n "$TEST_SKIP" ] || [ "$(wc -l <"$TMP_DIR/out")" -eq 32 ] ||
	fail "standard output has $(wc -l <"$TMP_DIR/out") lines, not 32 (the guest's first line, 30 of ticks, memory intact)"
expect_err_has "14-migrate: running count.asm from the reset vector"
expect_err_has "14-migrate: the guest wrote 0 to the exit port 0xf4: exit status 0"
expect_err_lines 2
end

begin "migrate: --lines 10 and --rate 0 change what the guest does: 10 lines, no page written, memory intact"
needs_kvm
mig_ref lines10-rate0 --lines 10 --rate 0
expect_status 0
expect_out_has "count: 100 Hz, a line every 10 ticks, 10 lines; 0 pages of 256 written a tick"
expect_out_count "count: line " 10
expect_out_has "count: line 10 of 10, 100 ticks"
expect_out_lacks "count: line 11 "
expect_out_has "$MIG_INTACT"
end

begin "migrate: --lines 10 at the default rate, and --rate 64 (30 lines): the guest says so, memory intact"
needs_kvm
mig_ref lines10 --lines 10
expect_status 0
expect_out_has "10 lines; 4 pages of 256 written a tick"
expect_out_has "$MIG_INTACT"
mig_ref rate64 --rate 64
expect_status 0
expect_out_has "30 lines; 64 pages of 256 written a tick"
expect_out_count "count: line " 30
expect_out_has "$MIG_INTACT"
end

# ---- save, then restore -------------------------------------------------

# mig_save_restore NAME REF ARGS...: --save NAME ARGS (ARGS has --after),
# then --restore NAME; the outputs together must be REF's.
mig_save_restore() {
	local name=$1 ref=$2 file=$MIG_DIR/$1
	shift 2
	run 14-migrate --save "$file" "$@"
	expect_status 0
	expect_err_match "^14-migrate: saved to $file after [0-9.]+ s: 1 vCPU \(registers, special registers, XSAVE [0-9]+ bytes, XCRs, [0-9]+ MSRs.*, local APIC, events, KVM_MP_STATE_[A-Z]+, debug registers\), the PICs and the IOAPIC, the PIT, the clock, COM1, the screen; 1728 KiB of memory; 21 records, [0-9]+ bytes\$"
	[ -n "$TEST_SKIP" ] && return 0
	[ -s "$file" ] || fail "--save wrote no $file"
	[ -e "$file.tmp" ] && fail "$file.tmp was left behind"
	cp "$TMP_DIR/out" "$MIG_DIR/$name.first"
	run 14-migrate --restore "$file"
	expect_status 0
	expect_err_match "^14-migrate: restored from $file: 21 records, every CRC32 good; put back in KVM's order: .*, [0-9]+ MSRs, local APIC, the TSC deadline MSR \\(if saved\\), events, MP state, debug registers\$"
	expect_err_has "14-migrate: the guest wrote 0 to the exit port 0xf4: exit status 0"
	expect_err_lacks "running count.asm"
	cp "$TMP_DIR/out" "$MIG_DIR/$name.second"
	cat "$MIG_DIR/$name.first" "$MIG_DIR/$name.second" >"$MIG_DIR/$name.both"
	mig_same "$MIG_DIR/$name.both" "$MIG_DIR/$ref.out"
	# the guest had printed some lines, not all: the cut is inside the run
	grep -q "count: line " "$MIG_DIR/$name.first" || fail "the save's output has no line of ticks: it saved before the guest ran"
	grep -q "count: line " "$MIG_DIR/$name.second" || fail "the restore's output has no line of ticks"
}

begin "migrate: --save FILE --after 1.2, then --restore FILE: status 0 both, the two outputs together are the uninterrupted run's, byte for byte; the save line names the file and the pieces; no FILE.tmp left"
needs_kvm
mig_save_restore saved full --after 1.2
end

begin "migrate: the same file restored a second time: the same output again"
needs_kvm
run 14-migrate --restore "$MIG_DIR/saved"
expect_status 0
mig_same "$TMP_DIR/out" "$MIG_DIR/saved.second"
end

begin "migrate: save and restore at --rate 0 (--lines 10): the output continues exactly"
needs_kvm
mig_save_restore saved-rate0 lines10-rate0 --lines 10 --rate 0 --after 0.5
end

begin "migrate: save and restore at --rate 64: the output continues exactly, memory intact"
needs_kvm
mig_save_restore saved-rate64 rate64 --rate 64 --after 1.2
end

begin "migrate: --save FILE with no --after saves on SIGUSR2 (--lines 10, sent 0.5 s after its first line), and the restore continues exactly"
needs_kvm
if [ -z "$TEST_SKIP" ]; then
	mig_file=$MIG_DIR/on-signal
	# Not under timeout(1), which would take the signal itself: the
	# program is the background job, and this loop is its guard.
	"$BIN/14-migrate" --lines 10 --save "$mig_file" </dev/null \
		>"$MIG_DIR/signal.out" 2>"$MIG_DIR/signal.err" &
	mig_pid=$!
	# Its standard output is a file, so the guest's lines come out only
	# at the end: wait for the program's own first line (standard error
	# is not buffered), then half a second, five lines of ticks.
	for ((mig_i = 0; mig_i < TIMEOUT_GUARD * 100; mig_i++)); do
		grep -q "running count.asm" "$MIG_DIR/signal.err" && break
		sleep 0.01
	done
	sleep 0.5
	kill -USR2 "$mig_pid" 2>/dev/null || fail "14-migrate ended before its first line of ticks could be waited for"
	for ((mig_i = 0; mig_i < TIMEOUT_GUARD * 20; mig_i++)); do
		kill -0 "$mig_pid" 2>/dev/null || break
		sleep 0.05
	done
	if kill -0 "$mig_pid" 2>/dev/null; then
		kill -KILL "$mig_pid"
		fail "14-migrate --save did not finish within $TIMEOUT_GUARD s of SIGUSR2: it hung and was stopped"
	fi
	wait "$mig_pid"
	STATUS=$?
	cp "$MIG_DIR/signal.out" "$TMP_DIR/out"
	cp "$MIG_DIR/signal.err" "$TMP_DIR/err"
	ERR=$(cat "$TMP_DIR/err")
	expect_status 0
	expect_err_match "^14-migrate: saved to $mig_file after [0-9.]+ s: "
	# (A slow machine may take the signal after the guest's last line and
	# before its exit: the restore then prints the end. The save's line
	# above says it saved; the two outputs together say the rest.)
	cp "$MIG_DIR/signal.out" "$MIG_DIR/signal.first"
	run 14-migrate --restore "$mig_file"
	expect_status 0
	cat "$MIG_DIR/signal.first" "$TMP_DIR/out" >"$MIG_DIR/signal.both"
	mig_same "$MIG_DIR/signal.both" "$MIG_DIR/lines10.out"
fi
end

begin "migrate: a save whose --after comes after the guest ended writes no file, and says so; the guest's own status"
needs_kvm
run 14-migrate --lines 10 --save "$MIG_DIR/too-late" --after 5
expect_status 0
expect_err_has "14-migrate: the guest ended before the save: $MIG_DIR/too-late was not written"
expect_out_has "$MIG_INTACT"
if [ -z "$TEST_SKIP" ]; then
	[ -e "$MIG_DIR/too-late" ] && fail "$MIG_DIR/too-late was written"
	[ -e "$MIG_DIR/too-late.tmp" ] && fail "$MIG_DIR/too-late.tmp was left behind"
fi
end

# ---- live migration -----------------------------------------------------

# mig_migrate REF ARGS...: --migrate ARGS; the output must be REF's, the
# source and the destination say what they did.
mig_migrate() {
	local ref=$1
	shift
	run 14-migrate --migrate "$@"
	expect_status 0
	mig_same "$TMP_DIR/out" "$MIG_DIR/$ref.out"
	expect_err_has "14-migrate: round 0: 432 pages sent in "
	expect_err_match "^14-migrate: round 1: [0-9]+ pages sent in [0-9.]+ ms, the guest running\$"
	expect_err_match "^14-migrate: stop-and-copy: [0-9]+ pages and 1 vCPU \(.*, the screen; the guest was paused for [0-9.]+ ms \(the downtime\)\$"
	expect_err_match "^14-migrate: moved in [0-9]+ rounds and [0-9.]+ s: [0-9]+ pages "
	expect_err_match "^14-migrate \(destination\): [0-9]+ records in [0-9]+ rounds, [0-9]+ pages \(of them [0-9]+ sent again\)"
	expect_err_has "14-migrate (destination): the guest runs here now"
	expect_err_has "14-migrate (destination): the guest wrote 0 to the exit port 0xf4: exit status 0"
}

begin "migrate: --migrate by the dirty bitmap (default rate and bandwidth): status 0, the output the uninterrupted run's, the rounds, the stop-and-copy, the downtime"
needs_kvm
mig_migrate full
expect_err_has "dirty pages from the dirty bitmap, at 8 MiB/s"
end

begin "migrate: --migrate --dirty ring (default rate and bandwidth): the same, and the ring's own line"
needs_kvm
mig_migrate full --dirty ring
expect_err_has "dirty pages from the dirty ring, at 8 MiB/s"
expect_err_match "^14-migrate: the dirty ring: 1024 entries, [1-9][0-9]* harvested, [0-9]+ KVM_EXIT_DIRTY_RING_FULL\$"
end

begin "migrate: --migrate --bandwidth 0 (--lines 10, --after 0.3): as fast as the socket goes, the output continuous"
needs_kvm
mig_migrate lines10 --bandwidth 0 --lines 10 --after 0.3
expect_err_has "at the socket's own speed"
end

begin "migrate: --migrate --rate 64 by the bitmap does not converge: after 8 rounds the guest is stopped anyway, status 0, the output the uninterrupted run's"
needs_kvm
# 60 lines (6 s of PIT time), so that 8 rounds come before the guest's
# end however slow the machine (under TCG in CI, 8 rounds took 1.5 s and
# 30 lines were not enough). Its output, as count.asm writes it:
if [ -z "$TEST_SKIP" ]; then
	{
		echo "count: 100 Hz, a line every 10 ticks, 60 lines; 64 pages of 256 written a tick"
		for ((mig_i = 1; mig_i <= 60; mig_i++)); do
			echo "count: line $mig_i of 60, $((mig_i * 10)) ticks"
		done
		echo "$MIG_INTACT"
	} >"$MIG_DIR/rate64-60.out"
fi
mig_migrate rate64-60 --rate 64 --lines 60
expect_err_match "^14-migrate: after 8 rounds the guest still writes [0-9]+ pages a round, more than [0-9]+: stopping it anyway\$"
expect_err_has "14-migrate: round 7: "
expect_err_lacks "14-migrate: round 8: "
end

begin "migrate: --migrate --dirty ring --rate 64: on kvm_pvm it succeeds or ends 71 with the one overflow line, never hangs; elsewhere it succeeds"
needs_kvm
run 14-migrate --migrate --dirty ring --rate 64
if [ -z "$TEST_SKIP" ] && [ "$BACKEND" = kvm_pvm ] && [ "$STATUS" -eq 71 ]; then
	expect_err_match "^14-migrate: KVM_EXIT_DIRTY_RING_FULL, but the ring has no dirty entry at [0-9]+: it overflowed \(1024 entries\); nothing can be harvested, so the run ends\$"
	[ "$(grep -c 'it overflowed' "$TMP_DIR/err")" -eq 1 ] || fail "the overflow is said more than once"
	expect_err_has "14-migrate: the guest ended during pre-copy: nothing to move"
else
	expect_status 0
	mig_same "$TMP_DIR/out" "$MIG_DIR/rate64.out"
	expect_err_has "14-migrate (destination): the guest runs here now"
	expect_err_lacks "it overflowed"
fi
end

# ---- bad files: one line, status 65, KVM never opened ------------------

MIG_GOOD=$MIG_DIR/saved
# mig_at TYPE[:K]: the offset of that record in the good file (where
# records lie depends on the backend's XSAVE size and MSR count).
mig_at() {
	local want=${1%%:*} nth=${1#*:} n t off len k=0
	[ "$nth" = "$1" ] && nth=0
	while read -r n t off len; do
		if [ "$t" = "$want" ]; then
			[ "$k" -eq "$nth" ] && { echo "$off"; return; }
			k=$((k + 1))
		fi
	done < <("$MIG_EDIT" --list "$MIG_GOOD")
}

# mig_bad NAME TEXT EDIT...: NAME made from the good file by EDIT (or,
# with no EDIT, already made), restored: status 65 and one line that has
# TEXT, nothing on standard output, and no sign of the guest or of KVM.
mig_bad() {
	local name=$1 text=$2 file=$MIG_DIR/bad-$1
	shift 2
	needs_kvm
	[ -n "$TEST_SKIP" ] && return 0
	if [ ! -s "$MIG_GOOD" ]; then
		fail "no good snapshot to make $name from: the save test failed above"
		return 0
	fi
	if [ $# -gt 0 ] && ! "$MIG_EDIT" "$@" >"$MIG_DIR/edit.err" 2>&1; then
		fail "snapshot-edit $*: $(cat "$MIG_DIR/edit.err")"
		return 0
	fi
	run 14-migrate --restore "$file"
	expect_status 65
	expect_err_has "14-migrate: cannot restore"
	expect_err_has "$text"
	expect_err_lines 1
	expect_out_text ""
	expect_err_lacks "running count.asm"
}

begin "migrate: an empty file is refused in one line, status 65"
[ -d "$MIG_DIR" ] && : >"$MIG_DIR/bad-empty"
mig_bad empty "cannot restore: $MIG_DIR/bad-empty is empty: no kvm-steps snapshot in it"
end

begin "migrate: a file that is not a snapshot (a nasm source) is refused in one line, status 65"
cp guest-asm/rom/count.asm "$MIG_DIR/bad-foreign"
mig_bad foreign "cannot restore: $MIG_DIR/bad-foreign is not a kvm-steps snapshot: its first bytes are not 'KVMSTEPS' (a file made by --save, or a migration stream)"
end

begin "migrate: a file cut inside its header is refused in one line, status 65"
[ -s "$MIG_GOOD" ] && head -c 12 "$MIG_GOOD" >"$MIG_DIR/bad-cut-header"
mig_bad cut-header "cannot restore: $MIG_DIR/bad-cut-header is truncated: it ends after 12 bytes, inside the 24-byte header"
end

begin "migrate: a file cut inside a record is refused in one line that says which record and what is left, status 65"
[ -s "$MIG_GOOD" ] && head -c 100000 "$MIG_GOOD" >"$MIG_DIR/bad-cut-record"
mig_bad cut-record "cannot restore: $MIG_DIR/bad-cut-record is truncated: record 1 ('PAGE') at offset 120 wants 655376 bytes, and 99864 are left"
end

begin "migrate: a file cut between two records (no END) is refused in one line, status 65"
[ -s "$MIG_GOOD" ] && head -c "$(mig_at END)" "$MIG_GOOD" >"$MIG_DIR/bad-no-end"
mig_bad no-end "$MIG_DIR/bad-no-end is truncated: it ends at offset $(mig_at END), before record 20 (no END record)"
end

begin "migrate: a flipped byte in a page fails its record's CRC32: one line, status 65"
mig_bad crc "$MIG_DIR/bad-crc, record 2 ('PAGE') at offset $(mig_at PAGE:1): its contents fail their CRC32 (stored 0x" \
	--keep-crc "$MIG_GOOD" "$MIG_DIR/bad-crc" flip PAGE:1 5000
expect_err_has "): the file is corrupted"
end

begin "migrate: a flipped byte in the header fails the header's CRC32: one line, status 65"
mig_bad header-crc "$MIG_DIR/bad-header-crc: the header fails its CRC32" \
	--keep-crc "$MIG_GOOD" "$MIG_DIR/bad-header-crc" version 3
end

begin "migrate: a file of format version 2 (its header's CRC32 right) is refused in one line, status 65"
mig_bad v2 "$MIG_DIR/bad-v2 is a snapshot of format version 2; this program reads version 1 only: restore it with the program that saved it" \
	"$MIG_GOOD" "$MIG_DIR/bad-v2" version 2
end

begin "migrate: a record left out, the others' numbers kept: record 4 calls itself 5, one line, status 65"
mig_bad order "$MIG_DIR/bad-order, record 4 ('SREG') at offset $(mig_at REGS): it calls itself record 5: records are missing, repeated or out of order" \
	--keep-numbers "$MIG_GOOD" "$MIG_DIR/bad-order" drop REGS
end

begin "migrate: a record numbered out of order (the CHIP numbered 99) is refused in one line, status 65"
mig_bad renumbered "record 13 ('CHIP') at offset $(mig_at CHIP): it calls itself record 99" \
	"$MIG_GOOD" "$MIG_DIR/bad-renumbered" number CHIP 99
end

begin "migrate: a record longer than 4 MiB is refused before it is read, one line, status 65"
mig_bad long "$MIG_DIR/bad-long, record 19 ('VGA ') at offset $(mig_at VGA): 4194305 bytes long, more than any record (4194304): the file is corrupted" \
	"$MIG_GOOD" "$MIG_DIR/bad-long" length VGA 4194305
end

begin "migrate: a record of a type version 1 does not have is refused in one line, status 65"
mig_bad type "$MIG_DIR/bad-type, record 18 ('JUNK') at offset $(mig_at DEVS): a record type format version 1 does not have: the file is corrupted, or newer than this program" \
	"$MIG_GOOD" "$MIG_DIR/bad-type" type DEVS JUNK
end

begin "migrate: a record of a wrong length for its type (the local APIC 4 bytes short) is refused in one line, status 65"
mig_bad lapic-size "record 9 ('LAPC') at offset $(mig_at LAPC): the local APIC (LAPC) is 1020 bytes; KVM's structure is 1024" \
	"$MIG_GOOD" "$MIG_DIR/bad-lapic-size" trim LAPC 4
end

begin "migrate: a file without its local APIC (no LAPC record): 'never came', one line, status 65"
mig_bad no-lapic "cannot restore from $MIG_DIR/bad-no-lapic: it is not whole: vCPU 0's local APIC (LAPC) never came" \
	"$MIG_GOOD" "$MIG_DIR/bad-no-lapic" drop LAPC
end

begin "migrate: a file with a page missing (the last of region 1): 'never came', one line, status 65"
mig_bad no-page "cannot restore from $MIG_DIR/bad-no-page: it is not whole: page 255 of region 1 (guest-physical 0x1ff000) never came" \
	"$MIG_GOOD" "$MIG_DIR/bad-no-page" set PAGE:1 8 255 trim PAGE:1 4096
end

begin "migrate: a file without the IOAPIC (the third CHIP left out): 'never came', one line, status 65"
mig_bad no-ioapic "it is not whole: the IOAPIC (CHIP 2) never came" \
	"$MIG_GOOD" "$MIG_DIR/bad-no-ioapic" drop CHIP:2
end

begin "migrate: a file for a machine with 2 vCPUs is refused in one line, status 65"
mig_bad two-vcpus "$MIG_DIR/bad-two-vcpus, record 0 ('MACH') at offset 24: the machine has 2 vCPUs; this format holds 1 to 1" \
	"$MIG_GOOD" "$MIG_DIR/bad-two-vcpus" set MACH 0 2
end

begin "migrate: a file for a machine whose region 1 is 512 KiB, its pages consistent: 'for another machine', one line, status 65"
mig_bad other-machine "cannot restore from $MIG_DIR/bad-other-machine: it is for another machine: its region 1 is 512 KiB at 0x100000 (slot 1, flags 0x0); this machine's is 1024 KiB at 0x100000 (slot 1, flags 0x0)" \
	"$MIG_GOOD" "$MIG_DIR/bad-other-machine" set MACH 40 0x80000 set PAGE:1 8 128 trim PAGE:1 524288
end

begin "migrate: a page past its region (PAGE's first page 200 of 256, 256 pages) is refused in one line, status 65"
mig_bad page-bounds "record 2 ('PAGE') at offset $(mig_at PAGE:1): pages 200 to 455 of region 1, which has 256" \
	"$MIG_GOOD" "$MIG_DIR/bad-page-bounds" set PAGE:1 4 200
end

begin "migrate: a second MACH record is refused in one line, status 65"
mig_bad two-mach "$MIG_DIR/bad-two-mach, record 1 ('MACH') at offset 120: a second MACH record: the file is corrupted" \
	"$MIG_GOOD" "$MIG_DIR/bad-two-mach" dup MACH
end

begin "migrate: a vCPU's piece twice (REGS repeated) is refused in one line, status 65"
mig_bad two-regs "record 5 ('REGS') at offset $(mig_at SREG): vCPU 0's general registers (REGS) a second time: the file is corrupted" \
	"$MIG_GOOD" "$MIG_DIR/bad-two-regs" dup REGS
end

begin "migrate: END that counts the wrong number of records is refused in one line, status 65"
mig_bad end-count "record 20 ('END ') at offset $(mig_at END): END counts 7 records before it, but 20 came: the file is corrupted" \
	--keep-numbers "$MIG_GOOD" "$MIG_DIR/bad-end-count" set END 0 7
end

begin "migrate: a file that does not exist is refused in one line, status 65"
mig_bad missing "cannot restore from $MIG_DIR/bad-missing: No such file or directory"
end

begin "migrate: a directory is refused in one line, status 65"
mkdir -p "$MIG_DIR/bad-dir"
mig_bad dir "cannot restore: $MIG_DIR/bad-dir: cannot read at offset 0: Is a directory"
end

# ---- the command line ------------------------------------------------------

for mig_bad_opts in \
	"--save F --restore F|give one of --save, --restore and --migrate (see 14-migrate --help)" \
	"--restore F --migrate|give one of --save, --restore and --migrate" \
	"--after 1|--after says when to save or migrate: give --save FILE or --migrate with it" \
	"--dirty ring|--dirty and --bandwidth are --migrate's: give --migrate with them" \
	"--bandwidth 4|--dirty and --bandwidth are --migrate's: give --migrate with them" \
	"--restore F --lines 10|--lines and --rate set up a guest that starts; a restored one has its own in the saved RAM" \
	"--restore F --rate 4|--lines and --rate set up a guest that starts; a restored one has its own in the saved RAM" \
	"--save F --after 0|--after: '0' is not a number of seconds from 0.01 to 86400 (say --after 1.5)" \
	"--save F --after soon|--after: 'soon' is not a number of seconds from 0.01 to 86400" \
	"--lines 0|--lines: '0' is not a number from 1 to 100000 (say --lines 60)" \
	"--rate 257|--rate: '257' is not a number from 0 to 256 (say --rate 64)" \
	"--migrate --bandwidth -1|--bandwidth: '-1' is not a number from 0 to 100000" \
	"--migrate --dirty bitmap|--dirty: 'bitmap' is not a way to track dirty pages: give log (the bitmap) or ring (the dirty ring)"; do
	mig_args=${mig_bad_opts%%|*} mig_why=${mig_bad_opts#*|}
	begin "migrate: $mig_args is refused in one line, status 64, before anything runs"
	# shellcheck disable=SC2086 # the options, word by word
	run 14-migrate ${mig_args//F/$MIG_DIR/usage-file}
	expect_status 64
	expect_err_has "14-migrate: $mig_why"
	expect_err_lines 1
	expect_out_text ""
	[ -e "$MIG_DIR/usage-file.tmp" ] && fail "$MIG_DIR/usage-file.tmp was made"
	end
done

begin "migrate: --save to a directory that does not exist: status 74, one line, before the guest runs"
needs_kvm
run 14-migrate --save "$MIG_DIR/no-such-dir/f" --after 1
expect_status 74
expect_err_has "14-migrate: cannot save to $MIG_DIR/no-such-dir/f: No such file or directory"
expect_err_lines 1
expect_err_lacks "running count.asm"
expect_out_text ""
end
