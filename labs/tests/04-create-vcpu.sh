# labs/tests/04-create-vcpu.sh - the graded tests of lab 04 (labs/grade.sh).
#
# The stage: create_vcpu().
# Graded extras (the book lists them under "Graded extras"):
#   second-vcpu  a second vCPU, id 1: its KVM_CREATE_VCPU line and fd_show()
#   run-fields   after the mmap, read struct kvm_run and print "  before any
#                KVM_RUN: exit_reason 0 (KVM_EXIT_UNKNOWN), immediate_exit 0"

graded 35 "creates vCPU 0: an anonymous inode, anon_inode:kvm-vcpu:0"
run 04-create-vcpu
expect_status 0
expect_out_match '^ioctl\([0-9]+, KVM_CREATE_VCPU, 0\) = [0-9]+$'
expect_out_match ' -> anon_inode:kvm-vcpu:0$'
end

graded 35 "maps the vCPU's struct kvm_run, shared"
run 04-create-vcpu
expect_status 0
expect_out_match '^mmap\(NULL, [1-9][0-9]*, PROT_READ \| PROT_WRITE, MAP_SHARED, [0-9]+, 0\) = host address 0x[0-9a-f]+$'
end

graded 30 "reads the reset state: the first fetch is the reset vector 0xfffffff0"
run 04-create-vcpu
expect_status 0
expect_out_has "= 0xfffffff0, the reset vector"
end

extra second-vcpu 10 "a second vCPU, id 1: anon_inode:kvm-vcpu:1"
run 04-create-vcpu
expect_status 0
expect_out_match '^ioctl\([0-9]+, KVM_CREATE_VCPU, 1\) = [0-9]+$'
expect_out_match ' -> anon_inode:kvm-vcpu:1$'
end

extra run-fields 10 "struct kvm_run read before any KVM_RUN"
run 04-create-vcpu
expect_status 0
expect_out_match '^  before any KVM_RUN: exit_reason 0 \(KVM_EXIT_UNKNOWN\), immediate_exit 0$'
end
