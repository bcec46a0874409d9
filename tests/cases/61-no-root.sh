# 61-no-root.sh - the programs need no root: every chapter, run as nobody
# against a KVM device node nobody may open, prints its expected output.
# (When the tests do not run as root, they already run unprivileged, on
# /dev/kvm.) Uses the fixtures of 60-faults.sh: $FT, $FAULTS_KVM.

faults_fixtures
for chapter in "$BIN"/[0-9][0-9]-*; do
	chapter=${chapter##*/}
	begin "no root: chapter $chapter works for a user who may open the KVM device"
	needs_kvm
	if [ -n "$TEST_SKIP" ]; then
		end
		continue
	fi
	# Chapter 15 boots a kernel: the made-up one (tests/guests/linux-entry.asm).
	norootargs=()
	[ "$chapter" = 15-linux ] && norootargs=(--kernel "$FT/guests/linux-entry.bin")
	norootcmd=("$BIN/$chapter" --device "$FAULTS_KVM" "${norootargs[@]}")
	if [ "$(id -u)" = 0 ]; then
		[ -n "$FAULTS_KVM_PROBLEM" ] && fail "$FAULTS_KVM_PROBLEM"
		cp "$BIN/$chapter" "$FT/bin/$chapter" && chmod 755 "$FT/bin/$chapter"
		norootcmd=(setpriv --reuid="$FAULTS_UID" --regid="$FAULTS_GID" --clear-groups --
			"$FT/bin/$chapter" --device "$FAULTS_KVM" "${norootargs[@]}")
		# the program itself must not be able to open /dev/kvm, or
		# this would prove nothing
		if setpriv --reuid="$FAULTS_UID" --regid="$FAULTS_GID" --clear-groups -- \
			sh -c 'exec 3<>/dev/kvm' 2>/dev/null; then
			fail "nobody may open /dev/kvm here: the test cannot show that a node of its own suffices"
		fi
	fi
	printf 'reader\n' >"$TMP_DIR/in"
	timeout -k 5 "$TIMEOUT_GUARD" "${norootcmd[@]}" <"$TMP_DIR/in" >"$TMP_DIR/out.raw" 2>"$TMP_DIR/err"
	STATUS=$?
	# the device's path appears in the output: the expected files say /dev/kvm
	sed "s#$FAULTS_KVM#/dev/kvm#g" "$TMP_DIR/out.raw" >"$TMP_DIR/out"
	OUT=$(cat "$TMP_DIR/out")
	ERR=$(cat "$TMP_DIR/err")
	expect_status 0
	expect_out "tests/expected/$chapter.out"
	end
done
