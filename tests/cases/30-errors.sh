# 30-errors.sh - bad input gets one clear line and its documented status.

begin "errors: a missing device says how to get KVM, status 69"
run 06-run --device /nonexistent/kvm
expect_status 69
expect_err_has "cannot open /nonexistent/kvm: No such file or directory"
expect_err_has "modprobe kvm_intel or kvm_amd"
expect_err_lines 1
end

begin "errors: /dev/null as the device is not KVM, status 69"
run 01-open-kvm --device /dev/null
expect_status 69
expect_err_has "/dev/null is not a KVM device"
expect_err_lines 1
end

begin "errors: a regular file as the device is refused, status 69"
: >"$TMP_DIR/plain"
run 07-io-exits --device "$TMP_DIR/plain"
expect_status 69
expect_err_has "is not a character device"
expect_err_lines 1
end

begin "errors: a missing guest image, status 66"
needs_kvm
run 07-io-exits "$TMP_DIR/no-such-guest.bin"
expect_status 66
expect_err_has "cannot open guest image $TMP_DIR/no-such-guest.bin: No such file or directory"
expect_err_lines 1
end

begin "errors: an empty guest image, status 66"
needs_kvm
: >"$TMP_DIR/empty.bin"
run 06-run "$TMP_DIR/empty.bin"
expect_status 66
expect_err_has "guest image $TMP_DIR/empty.bin is empty"
expect_err_lines 1
end

begin "errors: a guest bigger than guest memory is refused with the sizes, status 66"
needs_kvm
head -c 1100000 /dev/zero >"$TMP_DIR/big.bin"
run 07-io-exits "$TMP_DIR/big.bin"
expect_status 66
expect_err_has "is 1100000 bytes; only 1016832 fit in guest memory (0x7c00 to 0xfffff)"
expect_err_lines 1
end

begin "errors: a directory as the guest image, status 66"
needs_kvm
run 03-add-memory "$TMP_DIR"
expect_status 66
expect_err_has "is not a regular file"
expect_err_lines 1
end

begin "errors: an unknown option, status 64"
run 07-io-exits --frobnicate
expect_status 64
expect_err_has "unknown option '--frobnicate'"
expect_err_lines 1
end

begin "errors: an option without its argument, status 64"
run 07-io-exits --timeout
expect_status 64
expect_err_has "--timeout needs an argument"
expect_err_lines 1
end

begin "errors: a malformed --timeout, status 64"
run 06-run --timeout 2x
expect_status 64
expect_err_has "--timeout: '2x' is not a number of seconds"
expect_err_lines 1
end

begin "errors: an out-of-range --timeout, status 64"
run 06-run --timeout -1
expect_status 64
expect_err_has "out of range"
expect_err_lines 1
end

begin "errors: two guest images, status 64"
run 07-io-exits a.bin b.bin
expect_status 64
expect_err_has "one guest image at most"
expect_err_lines 1
end

begin "errors: a guest image given to a chapter that takes none, status 64"
run 02-create-vm guest.bin
expect_status 64
expect_err_has "this program takes no guest image"
end
