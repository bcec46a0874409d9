# labs/tests/11-irqchip.sh - the graded tests of lab 11 (labs/grade.sh).
#
# The stage: create_irqchip(), com1_line(), com1_update() and
# setup_doorbell().
# Graded extras (the book lists them under "Graded extras"):
#   doorbell2  a second queue on the doorbell: 4-byte writes of 1 to
#              QueueNotify go to an eventfd of their own
#              (KVM_IOEVENTFD_FLAG_DATAMATCH, datamatch 1), answered on
#              IRQ6 by its own irqfd; writes of 0 stay queue 0's, on IRQ5
#   slave      the closing lines show the slave 8259A too, as
#              KVM_GET_IRQCHIP reads it (KVM_IRQCHIP_PIC_SLAVE), its
#              inputs named IRQ8 to IRQ15

echo reader >"$TMP_DIR/reader"

graded 25 "the default guest runs on the kernel's chips: its output exactly, exit 0 through the exit port"
STDIN=$TMP_DIR/reader run 11-irqchip
expect_status 0
expect_out "$EXPECTED/11-irqchip.out"
expect_err_has "the guest wrote 0 to the exit port 0xf4: exit status 0"
end

graded 10 "chapter 10's guest: its output, and no exit for HLT, the PIC or the PIT"
STDIN=$TMP_DIR/reader run 11-irqchip --stats "$GUESTS/rom/timer.bin"
expect_status 0
expect_out "$EXPECTED/10-interrupts.out"
for port in 0x20 0x21 0x40 0x43; do
	expect_err_lacks "port $port "
done
expect_err_lacks "KVM_EXIT_HLT  "
end

graded 15 "MCR's OUT2 gates IRQ4: none while it is off, one when it is on, the line raised once and lowered once"
run 11-irqchip --stats "$TGUESTS/chip-out2.bin"
expect_status 12
expect_out_text "OUT2 off: 0 IRQ4, on: 1 IRQ4"
expect_err_has "stats: KVM_IRQ_LINE_STATUS for IRQ4: 2 calls, 1 rising edges"
end

graded 10 "each byte typed is one rising edge of IRQ4: 8 bytes (reader, the newline, the EOT), 16 calls"
STDIN=$TMP_DIR/reader run 11-irqchip --stats "$GUESTS/rom/timer.bin"
expect_status 0
expect_err_has "stats: KVM_IRQ_LINE_STATUS for IRQ4: 16 calls, 8 rising edges, 0 of them found the request pending already"
end

graded 15 "the doorbell: 8 rings answered on IRQ5 by the irqfd, no MMIO exit, one eventfd for both"
run 11-irqchip --stats
expect_status 0
expect_out_has "uart: doorbell rung 8 times, 8 completions on IRQ5"
expect_err_lacks "KVM_EXIT_MMIO"
run 11-irqchip --trace
expect_status 0
if [ -z "$TEST_SKIP" ]; then
	notify=$(sed -nE 's/.*KVM_IOEVENTFD, \{addr 0xd0050, len 4, fd ([0-9]+),.*/\1/p' "$TMP_DIR/err" | head -n 1)
	irqfd=$(sed -nE 's/.*KVM_IRQFD, \{fd ([0-9]+), gsi 5,.*/\1/p' "$TMP_DIR/err")
	[ -n "$notify" ] && [ "$notify" = "$irqfd" ] ||
		fail "KVM_IOEVENTFD on 0xd0050 (fd '$notify') and KVM_IRQFD on GSI 5 (fd '$irqfd') should share one eventfd"
fi
end

graded 10 "the chips are the kernel's: a guest's vector base, mask and IRQ left in service, read back"
run 11-irqchip "$TGUESTS/chip-state.bin"
expect_status 5
expect_err_has "the kernel's PIC (KVM_GET_IRQCHIP, master): vectors 0x40-0x47, masked IRQ0 IRQ3 IRQ4 IRQ6 IRQ7, in service IRQ5, requests none, edge-triggered"
end

graded 5 "a byte typed later wakes a guest asleep in the kernel's HLT"
if [ -z "$TEST_SKIP" ]; then
	RAN="(sleep 0.3; printf x) | $BIN/11-irqchip --timeout 3 $TGUESTS/chip-sleep.bin" RAN_STDIN=""
	(sleep 0.3; printf x) | timeout -k 5 "$TIMEOUT_GUARD" "$BIN/11-irqchip" --timeout 3 \
		"$TGUESTS/chip-sleep.bin" >"$TMP_DIR/out" 2>"$TMP_DIR/err"
	STATUS=$?
	{ OUT=$(<"$TMP_DIR/out"); } 2>/dev/null
	{ ERR=$(<"$TMP_DIR/err"); } 2>/dev/null
	expect_status 0
	expect_out_text "woken by x"
fi
end

graded 10 "KVM_CREATE_IRQCHIP after the vCPU (--break late-irqchip): one clear line, status 71"
run 11-irqchip --break late-irqchip
expect_status 71
expect_err_has "KVM_CREATE_IRQCHIP failed: Invalid argument: a vCPU exists already; the irqchip must come first"
expect_err_lines 1
end

extra doorbell2 10 "queue 1's rings come back on IRQ6 through their own eventfd and irqfd; queue 0's stay on IRQ5"
run 11-irqchip "$TGUESTS/lab-queues.bin"
expect_status 6
expect_out_text "IRQ5 2, IRQ6 2"
run 11-irqchip --stats --trace "$TGUESTS/lab-queues.bin"
expect_err_has "flags 0x1, datamatch 0x1}) = 0"
expect_err_match "KVM_IRQFD, \{fd [0-9]+, gsi 6, flags 0x0\}\) = 0"
expect_err_lacks "exit KVM_EXIT_MMIO"
end

extra slave 10 "the slave 8259A is shown as the guest left it: vectors 0x70-0x77, IRQ8 IRQ10 IRQ13 IRQ15 masked"
run 11-irqchip "$TGUESTS/lab-slave.bin"
expect_status 8
expect_err_has "the kernel's PIC (KVM_GET_IRQCHIP, slave): vectors 0x70-0x77, masked IRQ8 IRQ10 IRQ13 IRQ15, in service none, requests none, edge-triggered"
expect_err_has "the kernel's PIC (KVM_GET_IRQCHIP, master): vectors 0x20-0x27, masked IRQ0 IRQ1 IRQ3 IRQ4 IRQ5 IRQ6 IRQ7,"
end
