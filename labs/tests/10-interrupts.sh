# labs/tests/10-interrupts.sh - the graded tests of lab 10 (labs/grade.sh).
#
# The stage: offer_interrupt(), wait_for_interrupt() and tick_timer_arm().
# Graded extras (the book lists them under "Graded extras"):
#   poll       the 8259A's poll command: OCW3 with bit 2 set (0x0c) makes
#              the next read of port 0x20 answer 0x80 + the IRQ pending
#              highest, which goes in service as with an INTA, or 0 if
#              none is; a guest with IF = 0 polls its ticks
#   readback   the 8254's read-back command: a control word 0xc0-0xff
#              latches the count (bit 5 clear) and the status byte (bit 4
#              clear) of the counters its bits 3-1 pick; the status reads
#              first: the output, null count, access mode, mode, BCD

graded 25 "the default guest: 100 ticks, its input echoed by interrupt, its output exactly, exit 0"
printf 'reader\n' >"$TMP_DIR/in"
STDIN=$TMP_DIR/in run 10-interrupts
expect_status 0
expect_out "$EXPECTED/10-interrupts.out"
# (a 101st tick may come between the guest's 100th and its cli)
expect_err_match 'delivered: IRQ0 10[01] IRQ4 8$'
end

graded 15 "an IRQ held while IF = 0 goes in after sti, through KVM_EXIT_IRQ_WINDOW_OPEN"
run 10-interrupts --stats "$TGUESTS/irq-window.bin"
expect_status 0
expect_out_text "held: IRR 01 with IF 0, the handler ran 0 times
after sti: the handler ran 1 time, past the STI shadow"
expect_err_match '^stats: interrupt window: requested on [1-9][0-9]* KVM_RUNs, KVM_EXIT_IRQ_WINDOW_OPEN [1-9][0-9]*$'
end

graded 10 "a masked IRQ is never injected; unmasked, it is"
run 10-interrupts "$TGUESTS/irq-mask.bin"
expect_status 0
expect_out_text "masked: IRR 01, the handler ran 0 times
unmasked: the handler ran"
end

graded 10 "one interrupt at a time, in the PIC's order: priorities, specific and rotating EOI"
printf 'wxyz' >"$TMP_DIR/in"
STDIN=$TMP_DIR/in run 10-interrupts "$TGUESTS/irq-pic.bin"
expect_status 0
expect_out_text "IRR 11 ISR 00; in IRQ0's handler ISR 01, after its specific EOI 00; order 04 40 04 40"
end

graded 10 "a guest busy in a loop with no exit still gets its ticks: the tick signal kicks KVM_RUN"
run 10-interrupts --timeout 3 --stats "$TGUESTS/irq-busy.bin"
expect_status 0
expect_out_text "10 ticks while busy"
expect_err_match '^stats: HLT with interrupts on: 0 waits, .* KVM_RUN kicked by the tick signal [1-9][0-9]* times$'
end

graded 10 "HLT with IF = 1 sleeps until the next tick: 20 ticks at 100 Hz take 0.2 s"
irq_lab_started=$(date +%s%N)
run 10-interrupts --stats "$TGUESTS/irq-mode3.bin"
irq_lab_ms=$((($(date +%s%N) - irq_lab_started) / 1000000))
expect_status 0
expect_out_text "20 ticks"
# Asleep in HLT for most of it: 50 ms at least even on a slow backend.
expect_err_match '^stats: HLT with interrupts on: [1-9][0-9]* waits, ([5-9][0-9]|[1-9][0-9]{2,})\.[0-9]+ ms asleep;'
[ -n "$TEST_SKIP" ] || [ "$irq_lab_ms" -ge 199 ] || fail "20 ticks at 100 Hz came in $irq_lab_ms ms, not 200"
end

graded 10 "a guest that never sends EOI: one tick, then the line that nothing can wake it, status 70"
run 10-interrupts "$TGUESTS/irq-noeoi.bin"
expect_status 70
expect_out_text "tick"
expect_err_has "no interrupt can wake it: PIC programmed, in service IRQ0,"
end

graded 10 "HLT with IF = 1 and the PIC never programmed: status 70 at once; with IF = 0: status 0"
run 10-interrupts "$TGUESTS/irq-unprogrammed.bin"
expect_status 70
expect_err_has "no interrupt can wake it: PIC never programmed (ICW1-ICW4)"
run 10-interrupts "$TGUESTS/irq-cli-halt.bin"
expect_status 0
expect_err_has "the guest halted with interrupts disabled: exit status 0"
end

extra poll 10 "the poll command answers 0x80 + IRQ0 for each tick, with IF = 0, and puts it in service"
run 10-interrupts "$TGUESTS/lab-poll.bin"
expect_status 5
expect_out_text "polled 5 ticks: 80 80 80 80 80, ISR 00"
expect_err_has "delivered: IRQ0 5"
end

extra readback 10 "the PIT's read-back command latches counter 0's status (0x34: low then high byte, mode 2) and count"
run 10-interrupts "$TGUESTS/lab-readback.bin"
expect_status 7
expect_out_text "status 34, count below 1235: yes"
expect_err_lacks "read-back command"
end
