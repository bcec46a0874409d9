# 62-fds.sh - no program leaves open a descriptor it did not inherit, on
# the way out of a run that worked or of one that failed. fdcheck.so
# (tests/fdcheck/fdcheck.c), preloaded, lists the descriptors at start and
# at exit; a new one is named on standard error and the status becomes 98.

FDCHECK_SO=$BUILD_DIR/tests/fdcheck.so
# A sanitizer runtime wants to be the first library loaded; fdcheck.so,
# which allocates nothing, may come before it.
fds_asan_options=$ASAN_OPTIONS:verify_asan_link_order=0

fds_run() {
	LD_PRELOAD=$FDCHECK_SO ASAN_OPTIONS=$fds_asan_options run "$@"
}

begin "fds: the check catches a program that leaks a descriptor (control)"
STATUS=0
LD_PRELOAD=$FDCHECK_SO "$BUILD_DIR/tests/fdcheck-leaky" 2>"$TMP_DIR/err"
STATUS=$?
ERR=$(cat "$TMP_DIR/err")
expect_status 98
expect_err_has "(/dev/null) was opened by the program and is still open at exit"
end

begin "fds: the check passes a program that closes what it opens (control)"
LD_PRELOAD=$FDCHECK_SO "$BUILD_DIR/tests/fdcheck-leaky" close 2>"$TMP_DIR/err"
STATUS=$?
ERR=$(cat "$TMP_DIR/err")
expect_status 0
expect_err_lacks "fdcheck:"
end

for chapter in "$BIN"/[0-9][0-9]-*; do
	chapter=${chapter##*/}
	begin "fds: chapter $chapter closes every descriptor it opens"
	needs_kvm
	if [ "$chapter" = 15-linux ]; then
		# a kernel it boots: the made-up one, which ends at once
		fds_run "$chapter" --kernel "$TGUESTS/linux-entry.bin"
	else
		fds_run "$chapter"
	fi
	expect_status 0
	expect_err_lacks "fdcheck:"
	end
done

# name|status|program and arguments: the ways out that are not success
while IFS='|' read -r fds_name fds_status fds_args; do
	[ -n "$fds_name" ] || continue
	begin "fds: nothing left open when $fds_name (status $fds_status)"
	case $fds_status in 64 | 69) ;; *) needs_kvm ;; esac
	# shellcheck disable=SC2086 # the arguments are words
	fds_run $fds_args
	expect_status "$fds_status"
	expect_err_lacks "fdcheck:"
	end
done <<EOF_CASES
the command line is bad|64|07-io-exits --frobnicate
the device is not KVM|69|07-io-exits --device /dev/null
the guest image is refused after KVM was opened|66|07-io-exits $TMP_DIR
the guest triple-faults|70|07-io-exits $TGUESTS/triple-fault.bin
the guest reads memory that does not exist|70|06-run $TGUESTS/mmio-read.bin
the guest is stopped by the timeout|124|07-io-exits --timeout 0.2 $TGUESTS/loop.bin
the guest picks its status|3|07-io-exits $TGUESTS/unknown-port.bin
$([ -x "$BIN/08-long-mode" ] && echo "KVM refuses the registers (die in KVM_SET_SREGS)|71|08-long-mode --break no-pae")
$([ -x "$BIN/10-interrupts" ] && echo "the guest halts with nothing that can wake it (chapter 10's tick timer made)|70|10-interrupts $TGUESTS/irq-noeoi.bin")
$([ -x "$BIN/10-interrupts" ] && echo "the timeout stops a guest while the tick timer runs|124|10-interrupts --timeout 0.2 $TGUESTS/rom-loop.bin")
$([ -x "$BIN/11-irqchip" ] && echo "KVM refuses the irqchip after the vCPU (die in KVM_CREATE_IRQCHIP)|71|11-irqchip --break late-irqchip")
$([ -x "$BIN/11-irqchip" ] && echo "a line no chip has (die after KVM_IRQ_LINE_STATUS, the eventfd open)|71|11-irqchip --break bad-line")
$([ -x "$BIN/11-irqchip" ] && echo "the vCPU sleeps in the kernel's HLT until the timeout|124|11-irqchip --timeout 0.3 $TGUESTS/chip-cli-hlt.bin")
EOF_CASES

begin "fds: nothing left open when standard output fails while the guest prints (status 74)"
needs_kvm
if [ -z "$TEST_SKIP" ]; then
	LD_PRELOAD=$FDCHECK_SO ASAN_OPTIONS=$fds_asan_options timeout -k 5 "$TIMEOUT_GUARD" \
		"$BIN/07-io-exits" --timeout 5 "$TGUESTS/print-forever.bin" </dev/null >/dev/full 2>"$TMP_DIR/err"
	STATUS=$?
	ERR=$(cat "$TMP_DIR/err")
fi
expect_status 74
expect_err_lacks "fdcheck:"
end
