# labs/tests/01-open-kvm.sh - the graded tests of lab 01 (labs/grade.sh).
#
# The stage: open_device() and check_api_version().
# Graded extras (the book lists them under "Graded extras"):
#   readonly-mem  the capability table gets a row for KVM_CAP_READONLY_MEM
#   device-mode   after the "a character device" line, a line
#                 "  mode 0NNN, owner USER:GROUP" from the same fstat()

graded 20 "opens the device read-write and finds a character device, 10:232"
run 01-open-kvm
expect_status 0
expect_out_match '^open\("/dev/kvm", O_RDWR \| O_CLOEXEC\) = [0-9]+$'
expect_out_has "a character device, major 10 minor 232"
end

graded 20 "asks KVM_GET_API_VERSION and gets 12"
run 01-open-kvm
expect_status 0
expect_out_match '^ioctl\([0-9]+, KVM_GET_API_VERSION\) = 12$'
end

graded 15 "a device path that names nothing: one line saying to check it, status 69"
run 01-open-kvm --device /nonexistent/kvm
expect_status 69
expect_err_has "cannot open /nonexistent/kvm: No such file or directory"
expect_err_has "check the path given to --device"
expect_err_lines 1
end

graded 15 "a regular file as the device is refused in one line, status 69"
: >"$TMP_DIR/plain"
run 01-open-kvm --device "$TMP_DIR/plain"
expect_status 69
expect_err_has "is not a character device"
expect_err_lines 1
end

graded 15 "/dev/null is a character device but not KVM: one line, status 69"
run 01-open-kvm --device /dev/null
expect_status 69
expect_err_has "/dev/null is not a KVM device"
expect_err_lines 1
end

graded 15 "goes on to the capabilities, the mmap size and the backend, status 0"
run 01-open-kvm
expect_status 0
expect_out_match '^  KVM_CAP_USER_MEMORY +1 '
expect_out_match '^ioctl\([0-9]+, KVM_GET_VCPU_MMAP_SIZE\) = [1-9][0-9]*$'
expect_out_has "backend: "
end

extra readonly-mem 10 "the capability table has a row for KVM_CAP_READONLY_MEM"
run 01-open-kvm
expect_status 0
expect_out_match '^  KVM_CAP_READONLY_MEM +[0-9]+  [a-z].+'
end

extra device-mode 10 "the device's mode and owner follow the character-device line"
run 01-open-kvm
expect_status 0
mode_owner=$(stat -L -c '0%a, owner %U:%G' /dev/kvm)
expect_out_has "a character device, major 10 minor 232 (KVM registers itself as misc device 10:232)
  mode $mode_owner"
end
