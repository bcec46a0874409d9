# 50-long-mode.sh - chapter 08: both roads to 64-bit mode, the state the
# host built read back by the guest, and each --break reported by the
# part of the machine that notices it.

begin "chapter 08-long-mode builds tables, GDT and registers, runs the 64-bit guest, exits 0"
needs_kvm
run 08-long-mode
expect_status 0
expect_out tests/expected/08-long-mode.out
expect_err_has "the guest wrote 0 to the exit port 0xf4: exit status 0"
expect_err_lines 1
end

begin "long mode: the guest reads back CR0, CR3, CR4 and EFER as the host set them"
needs_kvm
run 08-long-mode
expect_out_has "cr0 0000000080000031  cr3 0000000000002000  cr4 0000000000000020  efer 0000000000000500"
expect_out_has "0x200000 and 0xffff800000200000 both read 0123456789ABCDEF: paging is on"
end

begin "long mode: --real-mode runs switch.asm, which climbs from real mode to long mode itself"
needs_kvm
run 08-long-mode --real-mode
expect_status 0
expect_out tests/expected/08-long-mode-real.out
expect_err_lines 1
end

begin "long mode: the switch guest given as a file runs the same with --real-mode"
needs_kvm
run 08-long-mode --real-mode "$BUILD_DIR/guests/long/switch.bin"
expect_status 0
expect_out_has "Hello from 64-bit long mode, reached by the guest itself."
expect_out_has "efer 0000000000000500"
end

begin "long mode: hello64 given as a file runs the same as the built-in one"
needs_kvm
run 08-long-mode "$BUILD_DIR/guests/long/hello64.bin"
expect_status 0
expect_out_has "paging is on"
end

begin "long mode: --trace shows the CPUID and register ioctls, EFER 0x500 in KVM_SET_SREGS"
needs_kvm
run 08-long-mode --trace
expect_status 0
expect_err_has "KVM_GET_SUPPORTED_CPUID"
expect_err_has "KVM_SET_CPUID2"
expect_err_has "cs={sel 0x0008 base 0x0} cr0=0x80000031 cr3=0x2000 cr4=0x20 efer=0x500"
expect_err_has "KVM_SET_REGS, {rip 0x100000, rsp 0x400000, rflags 0x2"
expect_err_has "exit KVM_EXIT_IO: out to port 0x3f8, size 1, count "
expect_err_has "exit KVM_EXIT_IO: out to port 0xf4, size 1, count 1, data 00"
end

for part in no-pae:"CR4.PAE is clear" no-lma:"EFER.LMA is clear" no-pe:"CR0.PG is set without CR0.PE"; do
	begin "long mode: --break ${part%%:*}: KVM_SET_SREGS refuses it with EINVAL, named, status 71"
	needs_kvm
	run 08-long-mode --break "${part%%:*}"
	expect_status 71
	expect_err_has "--break ${part%%:*}: "
	expect_err_has "KVM_SET_SREGS on vcpu 0 failed: Invalid argument: KVM refused a state no CPU can be in: "
	expect_err_has "${part#*:}"
	expect_err_lines 2
	case $OUT in *"running the guest"*) fail "the guest ran: $OUT" ;; esac
	end
done

# CS.L and CS.D both set is a state VM entry refuses on VT-x (a VM-entry
# check on guest segment registers) and SVM (VMRUN's consistency checks):
# KVM_EXIT_FAIL_ENTRY. kvm_pvm has no VM entry to fail and runs the guest.
begin "long mode: --break cs-d on $BACKEND: $(case $BACKEND in
	kvm_intel | kvm_amd) echo "VM entry fails, KVM_EXIT_FAIL_ENTRY, status 70" ;;
	kvm_pvm) echo "no VM entry checks it: the guest runs, and the program says so" ;;
	*) echo "entry fails, or the program says the backend did not check" ;;
	esac)"
needs_kvm
run 08-long-mode --break cs-d
expect_err_has "--break cs-d: CS.D set beside CS.L, on purpose"
cs_d_failed() {
	expect_status 70
	expect_err_has "KVM_EXIT_FAIL_ENTRY"
	expect_err_has "hardware_entry_failure_reason"
	expect_err_has "CS has L=1 and D=1"
}
cs_d_ran() {
	expect_status 0
	expect_err_has "--break cs-d went unnoticed: this host's KVM backend did not check it; on VT-x and SVM"
}
case $BACKEND in
kvm_amd)
	cs_d_failed
	expect_err_has "SVM: VMRUN found the guest state invalid"
	;;
kvm_intel)
	cs_d_failed
	expect_err_has "VT-x: invalid guest state"
	;;
kvm_pvm) cs_d_ran ;;
*) if [ "$STATUS" -eq 70 ]; then cs_d_failed; else cs_d_ran; fi ;;
esac
end

# A triple fault is KVM_EXIT_SHUTDOWN on every backend here. VT-x
# (handle_triple_fault() in arch/x86/kvm/vmx/vmx.c) and kvm_pvm leave the
# registers as the fault left them; SVM resets the vCPU first
# (shutdown_interception() in arch/x86/kvm/svm/svm.c), and the program
# must say that what it shows is the reset state, not the crash.
for part in no-pml4 gdt-data; do
	begin "long mode: --break $part on $BACKEND: a triple fault, KVM_EXIT_SHUTDOWN, status 70, $(
		[ "$BACKEND" = kvm_amd ] && echo "told as a vCPU reset" || echo "the state at the fault shown")"
	needs_kvm
	run 08-long-mode --break "$part"
	expect_status 70
	expect_err_has "--break $part: "
	expect_err_has "the guest stopped with KVM_EXIT_SHUTDOWN"
	case $BACKEND in
	kvm_amd)
		expect_err_has "the registers below are NOT the state at the fault: they are the state of a vCPU just after INIT"
		expect_err_has "shutdown_interception() in arch/x86/kvm/svm/svm.c"
		expect_err_has "rip 0x000000000000fff0"
		expect_err_has "efer   0x0000000000000000 []"
		;;
	*)
		expect_err_has "efer   0x0000000000000500 [LME LMA]"
		expect_err_lacks "NOT the state at the fault"
		;;
	esac
	case $OUT in *"Hello from the guest"*) fail "the guest printed: $OUT" ;; esac
	end
done

begin "long mode: an endless 64-bit guest is stopped by --timeout, status 124"
needs_kvm
printf '\353\376' >"$TMP_DIR/spin64.bin" # jmp $: EB FE
run 08-long-mode --timeout 0.3 "$TMP_DIR/spin64.bin"
expect_status 124
expect_err_has "still running after 0.3 seconds and was stopped"
expect_err_has "rip 0x0000000000100000"
expect_err_has "L(64-bit)"
end

begin "long mode: a guest that would reach into the stack is refused with the sizes, status 66"
needs_kvm
head -c 3080193 /dev/zero >"$TMP_DIR/big64.bin"
run 08-long-mode "$TMP_DIR/big64.bin"
expect_status 66
expect_err_has "is 3080193 bytes; only 3080192 fit in guest memory (0x100000 to 0x3effff; the 64 KiB below 0x400000 are the stack)"
expect_err_lines 1
end

begin "long mode: a guest of exactly the room left runs: it jumps to its last byte, HLT"
needs_kvm
# E9 rel32: jmp to offset 3080191 (rel32 = 3080191 - 5 = 0x2efffa), zeros, F4.
{ printf '\351\372\377\056\000'; head -c 3080186 /dev/zero; printf '\364'; } >"$TMP_DIR/full64.bin"
run 08-long-mode "$TMP_DIR/full64.bin"
expect_status 0
expect_err_has "the guest halted: exit status 0"
end

begin "long mode: an unknown --break part, status 64"
run 08-long-mode --break everything
expect_status 64
expect_err_has "--break: unknown part 'everything': give one of no-pae, no-lma, no-pe, cs-d, no-pml4, gdt-data"
expect_err_lines 1
end

begin "long mode: --break with --real-mode, status 64"
run 08-long-mode --real-mode --break no-pae
expect_status 64
expect_err_has "--break and --real-mode do not go together"
expect_err_lines 1
end

begin "long mode: --help names --break, --real-mode and the exit statuses, exits 0"
run 08-long-mode --help
expect_status 0
expect_out_has "usage: 08-long-mode"
expect_out_has "--break PART"
expect_out_has "--real-mode"
expect_out_has "69   no usable KVM device"
expect_out_has "124  the guest ran past --timeout"
end

begin "long mode: REP INSB and REP OUTSB in 64-bit mode move bytes through the page tables"
needs_kvm
printf 'hello' >"$TMP_DIR/in"
STDIN=$TMP_DIR/in run 08-long-mode "$BUILD_DIR/guests/long/echo64.bin"
expect_status 42
case $OUT in
*"running the guest: 64-bit mode from its first instruction
hello") ;;
*) fail "standard output should end with the guest's 'hello'; it was:
$OUT" ;;
esac
expect_err_has "the guest wrote 42 to the exit port 0xf4: exit status 42"
end
