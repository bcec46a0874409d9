# labs/tests/03-add-memory.sh - the graded tests of lab 03 (labs/grade.sh).
#
# The stage: add_memory().
# Graded extras (the book lists them under "Graded extras"):
#   more-bytes   show the guest's first 32 bytes, two lines of 16
#   second-slot  a second slot: slot 1, 64 KiB at guest-physical 0x100000,
#                printed as "  slot 1: guest-physical 0x100000-0x10ffff is
#                host address 0x... onwards"

graded 30 "hands 1 MiB to the VM as slot 0 at guest-physical 0, status 0"
run 03-add-memory
expect_status 0
expect_out_match '^ioctl\([0-9]+, KVM_SET_USER_MEMORY_REGION, \{slot 0, flags 0, guest_phys_addr 0x0,$'
expect_out_match '^      memory_size 0x100000, userspace_addr host address 0x[0-9a-f]+\}\) = 0$'
expect_out_match '^  slot 0: guest-physical 0x0-0xfffff is host address 0x[0-9a-f]+ onwards$'
end

graded 30 "the built-in guest's first bytes are at guest-physical 0x7c00"
run 03-add-memory
expect_status 0
expect_out_has "guest-physical 0x07c00: 31 c0 "
end

graded 40 "a guest image from the command line lands at 0x7c00 too"
printf '\336\255\276\357' >"$TMP_DIR/deadbeef.bin"
run 03-add-memory "$TMP_DIR/deadbeef.bin"
expect_status 0
expect_out_match '^  guest-physical 0x07c00: de ad be ef$'
end

extra more-bytes 10 "32 bytes of the guest, in two lines of 16"
head -c 40 /dev/zero | tr '\0' '\141' >"$TMP_DIR/forty.bin"
run 03-add-memory "$TMP_DIR/forty.bin"
expect_status 0
expect_out_match '^  guest-physical 0x07c00:( 61){16}$'
expect_out_match '^  guest-physical 0x07c10:( 61){16}$'
expect_out_lacks "0x07c20"
end

extra second-slot 10 "slot 1: 64 KiB at guest-physical 0x100000"
run 03-add-memory
expect_status 0
expect_out_match '^  slot 0: guest-physical 0x0-0xfffff is host address 0x[0-9a-f]+ onwards$'
expect_out_match '^  slot 1: guest-physical 0x100000-0x10ffff is host address 0x[0-9a-f]+ onwards$'
end
