# labs/tests/12-smp.sh - the graded tests of lab 12 (labs/grade.sh).
#
# The stage: vcpu_thread()'s KVM_RUN loop, kick(), start_threads() and
# wait_and_stop(). Every stop path must end every thread: a run that
# hangs is stopped at GRADE_HANG_SECONDS and loses its points.
# Graded extras (the book lists them under "Graded extras"):
#   bootcpu    --boot-cpu N: KVM_SET_BOOT_CPU_ID before the vCPUs are
#              made, so vCPU N starts at the reset vector and vCPU 0 waits
#              for INIT and SIPI like any application processor
#   prefix     --prefix: each line the guest prints on COM1 comes out with
#              "vcpu N| " in front, N the vCPU whose OUT began the line

graded 20 "the default guest on 2 vCPUs: its output exactly, the monitor's check, exit 0"
run 12-smp
expect_status 0
expect_out "$EXPECTED/12-smp.out"
expect_err_has "the shared counter at 0x504 reads 40000: 2 CPUs x 20000, none lost"
expect_err_has "every thread kicked out of KVM_RUN and joined; vcpu 0 ended the run"
end

graded 15 "1 and 4 vCPUs: the totals 20000 and 80000, one hello per CPU"
run 12-smp --cpus 1
expect_status 0
expect_out_has "cpu 0: 1 CPUs added 1 to the counter 20000 times each: total 20000, expected 20000"
run 12-smp --cpus 4
expect_status 0
expect_out_has "cpu 0: 4 CPUs added 1 to the counter 20000 times each: total 80000, expected 80000"
expect_out_count "hello from APIC ID" 4
end

graded 15 "an AP writes the exit port while the others spin: its status, every thread joined"
run 12-smp --cpus 4 "$TGUESTS/smp-ap-exit.bin"
expect_status 43
expect_err_has "vcpu 3 wrote 43 to the exit port 0xf4: exit status 43"
expect_err_has "every thread kicked out of KVM_RUN and joined; vcpu 3 ended the run"
end

graded 15 "an AP crashes while the BSP spins: status 70, the AP named, every thread joined"
run 12-smp --cpus 2 "$TGUESTS/smp-ap-crash.bin"
expect_status 70
expect_err_has "vcpu 1 stopped:"
expect_err_has "every thread kicked out of KVM_RUN and joined; vcpu 1 ended the run"
end

graded 15 "--timeout with 4 vCPUs spinning in the guest: status 124, every thread kicked and joined"
run 12-smp --cpus 4 --timeout 0.5 "$TGUESTS/smp-spin.bin"
expect_status 124
expect_err_has "the guest was still running after 0.5 seconds and was stopped"
expect_err_has "every thread kicked out of KVM_RUN and joined; the timeout ended the run"
end

graded 10 "APs never started: --timeout kicks them out of KVM_RUN, still UNINITIALIZED"
run 12-smp --cpus 4 --timeout 0.5 "$TGUESTS/smp-nostart.bin"
expect_status 124
expect_err_has "at the end: vcpu 0 KVM_MP_STATE_RUNNABLE, vcpu 1 KVM_MP_STATE_UNINITIALIZED, vcpu 2 KVM_MP_STATE_UNINITIALIZED, vcpu 3 KVM_MP_STATE_UNINITIALIZED"
end

graded 10 "--no-lock loses an addition when both CPUs read before either writes; LOCK XADD loses none"
run 12-smp --no-lock "$TGUESTS/smp-lost.bin"
expect_status 1
expect_out_has "total 1, expected 2"
run 12-smp "$TGUESTS/smp-lost.bin"
expect_status 0
expect_out_has "total 2, expected 2"
end

extra bootcpu 10 "--boot-cpu 1: vCPU 1 starts at the reset vector, vCPU 0 waits for its SIPI"
run 12-smp --boot-cpu 1
expect_status 0
expect_out_has "cpu 1: hello from APIC ID 1, the bootstrap processor: INIT, SIPI, SIPI to the others"
expect_out_has "cpu 0: hello from APIC ID 0, started by SIPI vector 0xff at 0xff000"
expect_err_has "before the threads start: vcpu 0 KVM_MP_STATE_UNINITIALIZED, vcpu 1 KVM_MP_STATE_RUNNABLE"
expect_err_has "vcpu 1 wrote 0 to the exit port 0xf4: exit status 0"
run 12-smp --cpus 2 --boot-cpu 2
expect_status 64
expect_err_has "--boot-cpu: 2 is not one of the 2 vCPUs: give 0 to 1"
end

extra prefix 10 "--prefix: every line of the guest's output begins with the vCPU that printed it"
run 12-smp --prefix --cpus 4
expect_status 0
expect_out_has "vcpu 0| cpu 0: hello from APIC ID 0, the bootstrap processor"
expect_out_has "vcpu 3| cpu 3: hello from APIC ID 3, started by SIPI"
expect_out_has "vcpu 0| cpu 0: 4 CPUs added 1 to the counter 20000 times each: total 80000"
[ -n "$TEST_SKIP" ] || ! grep -vE '^vcpu ([0-9]+)\| cpu \1: ' "$TMP_DIR/out" | grep -q . ||
	fail "lines without their own vCPU's prefix:
$(grep -vE '^vcpu ([0-9]+)\| cpu \1: ' "$TMP_DIR/out")"
run 12-smp --prefix --cpus 2 "$TGUESTS/smp-ap-exit.bin"
expect_status 41
expect_out_has "vcpu 1| cpu 1: the last CPU: 40 + my APIC ID to the exit port"
end
