# 16-vm.sh - tests/run.sh without a usable KVM device: the KVM tests go to
# the emulated AMD machine (tools/vm.sh, book appendix E) and its counts
# are added to the host's; where the machine cannot be made, they are
# skipped, loudly. A stand-in takes the machine's place, and a device node
# that does not exist the place of /dev/kvm. Once, on the plain build.

if [ -z "$VARIANT" ]; then
	vm_stub=$TMP_DIR/vm-stub.sh
	cat >"$vm_stub" <<'STUB'
#!/bin/sh
# A stand-in for tools/vm.sh: --check answers STUB_CHECK; a command is
# only echoed, with counts as a machine's run would end.
if [ "$1" = --check ]; then
	[ "${STUB_CHECK:-0}" = 0 ] || echo "vm: no machine here (the stand-in says so)" >&2
	exit "${STUB_CHECK:-0}"
fi
echo "stand-in machine ran: $*"
echo "backend: kvm_amd"
echo "5 passed, 1 failed"
echo "[    7.123456] reboot: Power down"
exit 1
STUB
	chmod +x "$vm_stub"
	vm_files="tests/cases/05-unit.sh tests/cases/20-io.sh"
	# What these files pass without KVM: the baseline the counts build on.
	host_passed=$(TESTS_ONLY=host TEST_FILES=$vm_files tests/run.sh "$BUILD_DIR" 2>/dev/null |
		tail -n 1 | sed -n 's/^\([0-9]*\) passed, 0 failed$/\1/p')

	begin "tests without /dev/kvm: the KVM tests run in the emulated AMD machine, its counts added"
	KVM_STEPS_KVM_NODE=$TMP_DIR/no-kvm KVM_STEPS_VM_SH=$vm_stub TEST_FILES=$vm_files \
		tests/run.sh "$BUILD_DIR" >"$TMP_DIR/out" 2>"$TMP_DIR/err"
	STATUS=$? OUT=$(cat "$TMP_DIR/out")
	expect_status 1
	expect_out_has "NOTE: $TMP_DIR/no-kvm does not exist: the KVM tests run in the emulated AMD machine instead"
	expect_out_has "stand-in machine ran: TESTS_ONLY=kvm tests/run.sh $BUILD_DIR"
	# 05-unit's tests here; 20-io's, which need KVM, left to the machine.
	expect_out_lacks "SKIP "
	expect_out_lacks "PASS io:"
	expect_out_has "backend: $BACKEND here, kvm_amd in the emulated AMD machine"
	[ -n "$host_passed" ] || fail "the baseline run (TESTS_ONLY=host) did not pass"
	[ "$(tail -n 1 "$TMP_DIR/out")" = "$((host_passed + 5)) passed, 1 failed" ] ||
		fail "the last line should add the machine's 5 and 1 to the host's $host_passed: $(tail -n 1 "$TMP_DIR/out")"
	end

	begin "tests without /dev/kvm and no machine to be had: the KVM tests are skipped, loudly"
	STUB_CHECK=69 KVM_STEPS_KVM_NODE=$TMP_DIR/no-kvm KVM_STEPS_VM_SH=$vm_stub TEST_FILES=$vm_files \
		tests/run.sh "$BUILD_DIR" >"$TMP_DIR/out" 2>"$TMP_DIR/err"
	STATUS=$? OUT=$(cat "$TMP_DIR/out") ERR=$(cat "$TMP_DIR/err")
	expect_status 0
	expect_err_has "vm: no machine here (the stand-in says so)"
	expect_out_has "NOTE: KVM tests will be skipped: $TMP_DIR/no-kvm does not exist"
	expect_out_lacks "stand-in machine ran"
	skips=$(grep -c '^SKIP io:' "$TMP_DIR/out")
	[ "$skips" -gt 0 ] || fail "no KVM test of 20-io.sh was skipped"
	[ "$(tail -n 1 "$TMP_DIR/out")" = "$host_passed passed, 0 failed, $skips skipped" ] ||
		fail "expected $host_passed passed, 0 failed, $skips skipped: $(tail -n 1 "$TMP_DIR/out")"
	end
fi
