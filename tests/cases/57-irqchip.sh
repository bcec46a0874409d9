# 57-irqchip.sh - chapter 11: the PIC, IOAPIC, local APIC and PIT in the
# kernel. The default guest; chapter 10's guest unchanged under the
# kernel's chips; what never exits any more (HLT, the PIC's and PIT's
# ports); COM1's interrupt identification cause by cause and OUT2; the
# doorbell answered by an irqfd; the chip state read back; input that
# wakes a guest asleep in the kernel's HLT; cli; hlt; --break; --trace.
# Faulty guests are rows of tests/faults.md.
#
# Backends: every check here is of arch/x86/kvm's own devices (i8259.c,
# i8254.c, irq_comm.c, x86.c's KVM_GET_MP_STATE), code that kvm_intel,
# kvm_amd and kvm_pvm share, so each must give the same result. The one
# thing that differs, how soon an interrupt made pending while IF=0 comes
# in after sti (VT-x and SVM open an interrupt window at once; kvm_pvm
# here took none within a spin of 64 loops), is kept out: the guests wait
# for their interrupts with "sti; hlt".

[ -x "$BIN/11-irqchip" ] || return 0

begin "irqchip: chapter 11's guest prints its expected output and ends through the exit port, status 0"
needs_kvm
echo reader >"$TMP_DIR/in"
STDIN=$TMP_DIR/in run 11-irqchip
expect_status 0
expect_out tests/expected/11-irqchip.out
expect_err_has "the guest wrote 0 to the exit port 0xf4: exit status 0"
end

begin "irqchip: chapter 10's guest gives chapter 10's output byte for byte under the kernel's chips"
needs_kvm
if [ -z "$TEST_SKIP" ]; then
	run 10-interrupts "$BUILD_DIR/guests/rom/timer.bin"
	ten_status=$STATUS
	cp "$TMP_DIR/out" "$TMP_DIR/out.10"
	STDIN=$TMP_DIR/in run 10-interrupts "$BUILD_DIR/guests/rom/timer.bin"
	cp "$TMP_DIR/out" "$TMP_DIR/out.10-typed"
	run 11-irqchip "$BUILD_DIR/guests/rom/timer.bin"
	expect_status "$ten_status"
	cmp -s "$TMP_DIR/out.10" "$TMP_DIR/out" ||
		fail "nothing typed: chapter 11's output differs from chapter 10's:
$(diff "$TMP_DIR/out.10" "$TMP_DIR/out" | head -n 20)"
	STDIN=$TMP_DIR/in run 11-irqchip "$BUILD_DIR/guests/rom/timer.bin"
	expect_status 0
	expect_out_has "reader"
	cmp -s "$TMP_DIR/out.10-typed" "$TMP_DIR/out" ||
		fail "'reader' typed: chapter 11's output differs from chapter 10's:
$(diff "$TMP_DIR/out.10-typed" "$TMP_DIR/out" | head -n 20)"
fi
end

begin "irqchip: the same guest makes no KVM_EXIT_HLT and no exit at the PIC's or the PIT's ports (chapter 10's do)"
needs_kvm
run 10-interrupts --stats "$BUILD_DIR/guests/rom/timer.bin"
# The control: in chapter 10 the monitor is the PIC and the PIT.
for port in 0x20 0x21 0x40 0x43; do
	expect_err_match "^stats: +out port $port +[1-9][0-9]*$"
done
expect_err_match "^stats: +KVM_EXIT_HLT +[1-9][0-9]*$"
run 11-irqchip --stats "$BUILD_DIR/guests/rom/timer.bin"
expect_status 0
for port in 0x20 0x21 0x40 0x43; do
	expect_err_lacks "port $port "
done
expect_err_lacks "KVM_EXIT_HLT  "
expect_err_has "stats: the PIT ticked about"
expect_err_has "none of them an exit; KVM_EXIT_HLT never comes (HLT sleeps in the kernel)"
end

# chip-uart.bin prints 13 bytes it read from COM1 (the list is in the
# guest's header); uart_field N is the Nth.
uart_field() {
	awk -v n="$1" 'NR == 2 { print $n }' "$TMP_DIR/out"
}
uart_expect() { # WHAT N VALUE [N VALUE...]
	local what=$1
	shift
	while [ $# -gt 0 ]; do
		[ "$(uart_field "$1")" = "$2" ] ||
			fail "$what: value $1 read should be $2, not '$(uart_field "$1")'; the guest printed:
$OUT"
		shift 2
	done
}

begin "irqchip: UART IIR says 0x01 (none) with nothing enabled, and again once every cause is served"
needs_kvm
run 11-irqchip "$TGUESTS/chip-uart.bin"
expect_status 11
[ -n "$TEST_SKIP" ] || uart_expect "IIR" 1 01 10 01
end

begin "irqchip: UART turning THRI on with the transmitter empty raises THRE at once (IIR 0x02)"
needs_kvm
run 11-irqchip "$TGUESTS/chip-uart.bin"
[ -n "$TEST_SKIP" ] || uart_expect "IIR after IER = 0x02" 3 02
end

begin "irqchip: UART reading IIR while it says THRE clears THRE; a byte written to THR raises it again"
needs_kvm
run 11-irqchip "$TGUESTS/chip-uart.bin"
expect_out_has "**"
[ -n "$TEST_SKIP" ] || uart_expect "IIR" 3 02 4 01 5 02
end

begin "irqchip: UART received data (IIR 0x04) comes before THRE, reading IIR clears neither, the byte read lets THRE through"
needs_kvm
run 11-irqchip "$TGUESTS/chip-uart.bin"
[ -n "$TEST_SKIP" ] || uart_expect "IIR, RBR, IIR" 6 04 7 04 8 04 9 02
end

begin "irqchip: UART IER reads back what was written, bits 7-4 as 0"
needs_kvm
run 11-irqchip "$TGUESTS/chip-uart.bin"
[ -n "$TEST_SKIP" ] || uart_expect "IER" 2 02 12 0F
end

begin "irqchip: UART LSR says no data once the byte is read, the transmitter empty; FIFOs on set IIR bits 7-6"
needs_kvm
run 11-irqchip "$TGUESTS/chip-uart.bin"
[ -n "$TEST_SKIP" ] || uart_expect "LSR, IIR" 11 60 13 C1
end

begin "irqchip: MCR's OUT2 gates COM1's pin: no IRQ4 while it is off, one once it is on, one KVM_IRQ_LINE_STATUS rise"
needs_kvm
run 11-irqchip --stats "$TGUESTS/chip-out2.bin"
expect_status 12
expect_out_text "OUT2 off: 0 IRQ4, on: 1 IRQ4"
expect_err_has "stats: KVM_IRQ_LINE_STATUS for IRQ4: 2 calls, 1 rising edges, 0 of them found the request pending already"
end

begin "irqchip: the doorbell's 8 completions come by irqfd, and QueueNotify makes no MMIO exit (an ioeventfd)"
needs_kvm
run 11-irqchip --stats
expect_status 0
expect_out_has "uart: doorbell rung 8 times, 8 completions on IRQ5"
expect_err_lacks "KVM_EXIT_MMIO"
end

begin "irqchip: the chip state shown is the chip's: vector base, mask and the IRQ the guest left in service"
needs_kvm
run 11-irqchip "$TGUESTS/chip-state.bin"
expect_status 5
expect_out_text "ringing
IRQ5"
expect_err_has "11-irqchip: the kernel's PIC (KVM_GET_IRQCHIP, master): vectors 0x40-0x47, masked IRQ0 IRQ3 IRQ4 IRQ6 IRQ7, in service IRQ5, requests none, edge-triggered"
expect_err_has "counter 0 never programmed (mode 0xff, the kernel's reset value): no ticks"
end

begin "irqchip: the default guest's PIC and PIT, as it programmed them, read back from the kernel"
needs_kvm
run 11-irqchip
expect_err_has "the kernel's PIC (KVM_GET_IRQCHIP, master): vectors 0x20-0x27, masked IRQ1 IRQ2 IRQ3 IRQ6 IRQ7, in service none,"
expect_err_has "the kernel's PIT (KVM_GET_PIT2): counter 0 in mode 2, count 11932: 99.998 Hz"
end

begin "irqchip: input that comes later wakes a guest asleep in the kernel's HLT (SIGIO), with no timer running"
needs_kvm
if [ -z "$TEST_SKIP" ]; then
	(sleep 0.3; printf x) | timeout -k 5 "$TIMEOUT_GUARD" "$BIN/11-irqchip" --timeout 5 \
		"$TGUESTS/chip-sleep.bin" >"$TMP_DIR/out" 2>"$TMP_DIR/err"
	STATUS=$? OUT=$(cat "$TMP_DIR/out") ERR=$(cat "$TMP_DIR/err")
	expect_status 0
	expect_out_text "woken by x"
	expect_err_lacks "still running"
fi
end

begin "irqchip: cli; hlt sleeps in the kernel until --timeout (status 124), which says the vCPU is halted"
needs_kvm
run 11-irqchip --timeout 0.5 "$TGUESTS/chip-cli-hlt.bin"
expect_status 124
expect_out_text "halting with interrupts off"
expect_err_has "the guest was still running after 0.5 seconds and was stopped"
expect_err_has "the vCPU is asleep in the kernel's HLT (KVM_GET_MP_STATE: KVM_MP_STATE_HALTED) with interrupts disabled, so nothing can wake it"
end

begin "irqchip: --break late-irqchip: KVM refuses KVM_CREATE_IRQCHIP after a vCPU, in one line, status 71"
needs_kvm
run 11-irqchip --break late-irqchip
expect_status 71
expect_err_has "11-irqchip: KVM_CREATE_IRQCHIP failed: Invalid argument: a vCPU exists already; the irqchip must come first"
expect_err_lines 1
end

begin "irqchip: --break bad-line: KVM_IRQ_LINE_STATUS on line 99 returns 0 with status -1, one line, status 71"
needs_kvm
run 11-irqchip --break bad-line
expect_status 71
expect_err_has "11-irqchip: KVM_IRQ_LINE_STATUS for line 99: status -1: no interrupt controller has that line (the default routing has GSIs 0-23)"
expect_err_lines 1
end

begin "irqchip: --trace shows the chips made before the vCPU, IRQ4's line with its status, and one eventfd for ioeventfd and irqfd"
needs_kvm
run 11-irqchip --trace
expect_status 0
expect_err_has "KVM_CREATE_IRQCHIP) = 0"
expect_err_has "KVM_CREATE_PIT2, {flags 0x1}) = 0"
expect_err_has "KVM_IRQ_LINE_STATUS, {irq 4, level 1} -> status 1) = 0"
expect_err_has "KVM_IRQ_LINE_STATUS, {irq 4, level 0} -> status "
expect_err_match "KVM_IRQFD, \{fd [0-9]+, gsi 5, flags 0x0\}\) = 0"
if [ -z "$TEST_SKIP" ]; then
	chip=$(grep -n 'KVM_CREATE_IRQCHIP)' "$TMP_DIR/err" | head -n 1 | cut -d: -f1)
	vcpu=$(grep -n 'KVM_CREATE_VCPU' "$TMP_DIR/err" | head -n 1 | cut -d: -f1)
	[ -n "$chip" ] && [ -n "$vcpu" ] && [ "$chip" -lt "$vcpu" ] ||
		fail "KVM_CREATE_IRQCHIP (line ${chip:-none}) must come before KVM_CREATE_VCPU (line ${vcpu:-none})"
	notify=$(sed -nE 's/.*KVM_IOEVENTFD, \{addr 0xd0050, len 4, fd ([0-9]+),.*/\1/p' "$TMP_DIR/err" | head -n 1)
	irqfd=$(sed -nE 's/.*KVM_IRQFD, \{fd ([0-9]+), gsi 5,.*/\1/p' "$TMP_DIR/err")
	[ -n "$notify" ] && [ "$notify" = "$irqfd" ] ||
		fail "the doorbell's ioeventfd (fd '${notify}') and IRQ5's irqfd (fd '${irqfd}') should be one eventfd"
fi
expect_err_lacks "exit KVM_EXIT_HLT"
expect_err_lacks "exit KVM_EXIT_MMIO"
end

begin "irqchip: chapter 11 --help names --break's parts and says HLT ends no run"
run 11-irqchip --help
expect_status 0
expect_out_has "usage: 11-irqchip [--device PATH] [--trace] [--stats] [--timeout SECONDS]"
expect_out_has "late-irqchip (KVM_CREATE_IRQCHIP after the vCPU),"
expect_out_has "bad-line (KVM_IRQ_LINE_STATUS on a line no chip has)"
expect_out_has "  0    the guest wrote 0 to the exit port 0xf4 (HLT ends no run)"
expect_out_lacks "the guest halted (HLT)"
expect_out_has "71   KVM refused a request"
end
