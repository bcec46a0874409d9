# labs/tests/02-create-vm.sh - the graded tests of lab 02 (labs/grade.sh).
#
# The stage: create_vm().
# Graded extras (the book lists them under "Graded extras"):
#   two-vms      a second VM after the first: its own KVM_CREATE_VM line
#                and fd_show() line, closed before the first
#   vm-memslots  ask the VM fd (not /dev/kvm) for KVM_CAP_NR_MEMSLOTS and
#                print "ioctl(VMFD, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS)
#                = N: memory slots this VM can have"

graded 40 "creates a VM: KVM_CREATE_VM returns a new fd, status 0"
run 02-create-vm
expect_status 0
expect_out_match '^ioctl\([0-9]+, KVM_CREATE_VM, 0\) = [0-9]+$'
end

graded 30 "the new fd is a VM: an anonymous inode, anon_inode:kvm-vm"
run 02-create-vm
expect_status 0
expect_out_match ' -> anon_inode:kvm-vm$'
end

graded 30 "the VM fd takes the VM's ioctls: KVM_SET_TSS_ADDR, or the note that it is not offered"
run 02-create-vm
expect_status 0
expect_out_match '^(ioctl\([0-9]+, KVM_SET_TSS_ADDR, 0xfffbd000\) = 0|  KVM_CAP_SET_TSS_ADDR: not offered, nothing to set)$'
end

extra two-vms 10 "two VMs: two KVM_CREATE_VM lines, two anon_inode:kvm-vm fds"
run 02-create-vm
expect_status 0
expect_out_count "KVM_CREATE_VM, 0) = " 2
expect_out_count " -> anon_inode:kvm-vm" 2
end

extra vm-memslots 10 "KVM_CHECK_EXTENSION on the VM fd: KVM_CAP_NR_MEMSLOTS"
run 02-create-vm
expect_status 0
vm_fd=$(sed -nE 's/^ioctl\([0-9]+, KVM_CREATE_VM, 0\) = ([0-9]+)$/\1/p' "$TMP_DIR/out" | head -n 1)
expect_out_match "^ioctl\\(${vm_fd:-VMFD}, KVM_CHECK_EXTENSION, KVM_CAP_NR_MEMSLOTS\\) = [1-9][0-9]*: memory slots this VM can have\$"
end
