# 63-fuzz.sh - a short make fuzz in every test run: random real-mode
# guests through chapter 07 (the sanitized build too), none may crash,
# hang, draw a sanitizer report or end with a status it did not explain.
# FUZZ_COUNT guests (default 150), FUZZ_ROM_COUNT ROM images (100) and
# FUZZ_IRQ_COUNT ROM images that program chapter 10's PIC and PIT (60)
# of seed FUZZ_SEED (default: 1); 20 of each in the emulated AMD machine,
# where 120 took 207 s under TCG. FUZZ_BZIMAGE_COUNT (default 100)
# mutated bzImage headers go through chapter 15's --dry-run, which needs
# no KVM: its parser reads outside input. FUZZ_GDB_COUNT (default 1000)
# random and mutated packet streams go into chapter 13's GDB stub with a
# fake target (tests/fuzz/fuzz-gdb.c, no KVM), then FUZZ_GDB_SOCKET (5;
# 2 in the emulated machine) over the socket to 13-debug --gdb, which
# needs KVM: there the guest's output and status must stay its own.
# FUZZ_SNAPSHOT_COUNT (default 300; 40 in the emulated machine) mutated
# snapshots of one that 14-migrate saves go into chapter 14's reader
# (tests/fuzz/fuzz-snapshot.c), then FUZZ_SNAPSHOT_RESTORE (3; 1 in the
# emulated machine) that the reader takes whole are restored by
# 14-migrate --restore: each must end with a status it documents.
if [ -n "${KVM_STEPS_VM:-}" ]; then
	: "${FUZZ_COUNT:=20}" "${FUZZ_ROM_COUNT:=20}" "${FUZZ_IRQ_COUNT:=20}" "${FUZZ_BZIMAGE_COUNT:=20}"
	: "${FUZZ_GDB_SOCKET:=2}" "${FUZZ_SNAPSHOT_COUNT:=40}" "${FUZZ_SNAPSHOT_RESTORE:=1}"
fi

# fuzz_run PROGRAM COUNT: tools/fuzz.sh through PROGRAM; fails the test
# unless every guest ended as the program said it would.
fuzz_run() {
	FUZZ_PROGRAM=$1 FUZZ_FAILURES=$BUILD_DIR/fuzz-failures tools/fuzz.sh "$BUILD_DIR" \
		"${FUZZ_SEED:-1}" "$2" 0.1 >"$TMP_DIR/out" 2>"$TMP_DIR/err"
	STATUS=$?
	OUT=$(cat "$TMP_DIR/out")
	ERR=$(cat "$TMP_DIR/err")
	[ "$STATUS" -eq 0 ] || fail "tools/fuzz.sh exited $STATUS:
$OUT
$ERR"
	expect_out_has "through $BUILD_DIR/bin/$1"
	expect_out_has "fuzz: no crash, no sanitizer report, no hang, every status as reported"
}

begin "fuzz: ${FUZZ_COUNT:-150} random guests of seed ${FUZZ_SEED:-1} end cleanly, each as it says"
needs_kvm
[ -n "$TEST_SKIP" ] || fuzz_run 07-io-exits "${FUZZ_COUNT:-150}"
end

begin "fuzz: ${FUZZ_ROM_COUNT:-100} random ROM images of seed ${FUZZ_SEED:-1} reach chapter 09's MMIO and end cleanly"
needs_kvm
[ -n "$TEST_SKIP" ] || fuzz_run 09-mmio "${FUZZ_ROM_COUNT:-100}"
end

begin "fuzz: ${FUZZ_IRQ_COUNT:-60} random ROM images of seed ${FUZZ_SEED:-1} program chapter 10's PIC and PIT and end cleanly"
needs_kvm
[ -n "$TEST_SKIP" ] || fuzz_run 10-interrupts "${FUZZ_IRQ_COUNT:-60}"
end

begin "fuzz: ${FUZZ_BZIMAGE_COUNT:-100} mutated bzImage headers of seed ${FUZZ_SEED:-1}: chapter 15's --dry-run lays each out or refuses it in one line"
if [ -x "$BIN/15-linux" ]; then
	fuzz_run 15-linux "${FUZZ_BZIMAGE_COUNT:-100}"
	expect_out_match '^fuzz: [0-9]+ runs in [0-9]+ s: .*[0-9]+ laid-out'
	expect_out_match '^fuzz: [0-9]+ runs in [0-9]+ s: .*[0-9]+ refused'
fi
end

begin "fuzz: ${FUZZ_GDB_COUNT:-1000} packet streams of seed ${FUZZ_SEED:-1} through chapter 13's GDB stub, ${FUZZ_GDB_SOCKET:-5} over the socket: every reply well-formed, the guest intact"
needs_kvm
if [ -z "$TEST_SKIP" ] && [ -x "$BIN/13-debug" ]; then
	FUZZ_GDB_SOCKET=${FUZZ_GDB_SOCKET:-5} fuzz_run 13-debug "${FUZZ_GDB_COUNT:-1000}"
	expect_out_match '^fuzz-gdb: [0-9]+ streams of seed [0-9]+: [1-9][0-9]* packets handled, [1-9][0-9]* replies checked, 0 streams failed$'
fi
end

begin "fuzz: ${FUZZ_SNAPSHOT_COUNT:-300} mutated snapshots of seed ${FUZZ_SEED:-1} through chapter 14's reader, ${FUZZ_SNAPSHOT_RESTORE:-3} restored: each read whole or refused in one line, each restore ends as documented"
needs_kvm
if [ -z "$TEST_SKIP" ] && [ -x "$BIN/14-migrate" ]; then
	FUZZ_SNAPSHOT_RESTORE=${FUZZ_SNAPSHOT_RESTORE:-3} fuzz_run 14-migrate "${FUZZ_SNAPSHOT_COUNT:-300}"
	expect_out_match '^fuzz-snapshot: [0-9]+ mutations of seed [0-9]+ \([1-9][0-9]* with their CRC32s made right\): [1-9][0-9]* refused in one line, [1-9][0-9]* read whole \([0-9]+ of them complete, of this machine\), 0 failed$'
fi
end
