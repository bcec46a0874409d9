# 10-chapters.sh - each chapter program, run as a reader runs it, prints
# what tests/expected/ holds (host addresses and per-host numbers aside).

for chapter in 01-open-kvm 02-create-vm 03-add-memory 04-create-vcpu 05-set-registers 06-run; do
	begin "chapter $chapter prints its expected output and exits 0"
	needs_kvm
	run "$chapter"
	expect_status 0
	expect_out "tests/expected/$chapter.out"
	end
done

begin "chapter 07-io-exits greets, reads a line, answers it, exits 0 through port 0xf4"
needs_kvm
echo reader >"$TMP_DIR/in"
STDIN=$TMP_DIR/in run 07-io-exits
expect_status 0
expect_out tests/expected/07-io-exits.out
expect_err_has "the guest wrote 0 to the exit port 0xf4: exit status 0"
end

begin "chapter 07-io-exits at end of input greets a stranger"
needs_kvm
run 07-io-exits
expect_status 0
expect_out_has "Nice to meet you, stranger. Goodbye!"
end

begin "chapter 01 names the backend module loaded on this host"
needs_kvm
run 01-open-kvm
expect_out_has "backend: "
for module in kvm_intel kvm_amd kvm_pvm; do
	if [ -e "/sys/module/$module" ]; then
		expect_out_has "backend: $module (/sys/module/$module)"
	fi
done
end

begin "chapter 06 --trace names every ioctl and the exit on standard error"
needs_kvm
run 06-run --trace
expect_status 0
for name in KVM_GET_API_VERSION KVM_CREATE_VM KVM_SET_USER_MEMORY_REGION KVM_CREATE_VCPU KVM_SET_SREGS KVM_SET_REGS KVM_RUN "exit KVM_EXIT_HLT"; do
	expect_err_has "$name"
done
end

begin "chapter 07 --stats counts exits by reason"
needs_kvm
run 07-io-exits --stats
expect_status 0
expect_err_has "KVM_EXIT_IO"
expect_err_has "inside KVM_RUN"
end

for chapter in 01-open-kvm 02-create-vm 03-add-memory 04-create-vcpu 05-set-registers 06-run 07-io-exits; do
	begin "chapter $chapter --help prints usage and exit statuses, exits 0"
	run "$chapter" --help
	expect_status 0
	expect_out_has "usage: $chapter"
	expect_out_has "exit status:"
	expect_out_has "69   no usable KVM device"
	end
done
