# 80-crosscheck.sh - tools/crosscheck.sh (make crosscheck) without QEMU:
# it says it skipped, and with a stand-in for QEMU that runs chapter 07
# itself, it finds every guest the same, or the one difference planted.

# A stand-in QEMU: runs the -drive image under chapter 07 (chapter 08
# --real-mode for switch.bin) and exits as
# QEMU's isa-debug-exit does, (status << 1) | 1. With FAKE_QEMU_PLANT=NAME
# it prints one byte more for the guest NAME.
make_fake_qemu() {
	mkdir -p "$TMP_DIR/fake"
	cat >"$TMP_DIR/fake/qemu-system-x86_64" <<FAKE
#!/usr/bin/env bash
[ "\$1" = --version ] && { echo "stand-in QEMU for the tests"; exit 0; }
for arg; do case \$arg in file=*) image=\${arg#file=}; image=\${image%%,*} ;; esac; done
case \$image in
*/switch.*) # the long-mode boot sector runs under chapter 08, as crosscheck.sh does
	"$PWD/$BIN/08-long-mode" --real-mode --timeout 5 "\$image" 2>/dev/null |
		sed '1,/^climbs to long mode itself\$/d'
	status=\${PIPESTATUS[0]} ;;
*)	"$PWD/$BIN/07-io-exits" --timeout 5 "\$image" 2>/dev/null
	status=\$? ;;
esac
case \$image in *"/\${FAKE_QEMU_PLANT:-none}."*) printf '!' ;; esac
exit \$(( (status << 1) | 1 ))
FAKE
	chmod +x "$TMP_DIR/fake/qemu-system-x86_64"
}

# The summary counts at least $1 guests the same (other engineers add guests).
expect_summary_same_at_least() {
	[ -n "$TEST_SKIP" ] && return 0
	local n
	n=$(printf '%s\n' "$OUT" | sed -n -E 's/^crosscheck: ([0-9]+) same, .*/\1/p')
	[ "${n:-0}" -ge "$1" ] || fail "crosscheck: expected at least $1 guests the same, got '${n:-none}':
$OUT"
}

crosscheck() {
	[ -n "$TEST_SKIP" ] && return 0
	CROSSCHECK_KVM_TIMEOUT=0.2 tools/crosscheck.sh "$BUILD_DIR" >"$TMP_DIR/out" 2>"$TMP_DIR/err"
	STATUS=$? OUT=$(cat "$TMP_DIR/out") ERR=$(cat "$TMP_DIR/err")
}

begin "crosscheck: without QEMU, one line says it was skipped and how to install it, status 0"
CROSSCHECK_QEMU=no-such-qemu crosscheck
expect_status 0
expect_out_text "crosscheck: SKIPPED: no-such-qemu is not installed; install it with 'sudo apt-get install -y qemu-system-x86' and run make crosscheck again"
end

begin "crosscheck: a QEMU that behaves as chapter 07 finds every guest the same"
needs_kvm
make_fake_qemu
CROSSCHECK_QEMU=$TMP_DIR/fake/qemu-system-x86_64 crosscheck
expect_status 0
expect_out_has "  hello          same: 102 bytes of output, status 0"
expect_out_has "  string-io      same: "
expect_out_has "  loop           skipped: does not end through port 0xf4"
expect_out_has "  switch         same: "
expect_out_has " same, 0 differ, 0 differ as expected, "
expect_summary_same_at_least 5
end

begin "crosscheck: an output that differs is shown with its diff, status 1"
needs_kvm
make_fake_qemu
FAKE_QEMU_PLANT=dlab CROSSCHECK_QEMU=$TMP_DIR/fake/qemu-system-x86_64 crosscheck
expect_status 1
expect_out_has "  dlab           DIFFERS: 07-io-exits status 0, QEMU status 0"
expect_out_has "+!\$"
expect_out_has " same, 1 differ, 0 differ as expected, "
expect_summary_same_at_least 4
end
