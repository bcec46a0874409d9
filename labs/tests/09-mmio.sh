# labs/tests/09-mmio.sh - the graded tests of lab 09 (labs/grade.sh).
#
# The stage: add_memory_map(), mmio_access() and drain_coalesced().
# Graded extras (the book lists them under "Graded extras"):
#   cursor     the VGA's CRT controller at ports 0x3d4 (index) and 0x3d5
#              (data), registers 0x0e and 0x0f the cursor location; when
#              the run ends, "the cursor is at row R, column C"
#   datamatch  with --ioeventfd, only QueueNotify writes of queue 0 go
#              through the eventfd (KVM_IOEVENTFD_FLAG_DATAMATCH); other
#              queues' writes exit to the monitor as before

graded 25 "the ROM runs from the reset vector: the guest's output exactly, exit 0"
run 09-mmio
expect_status 0
expect_out "$EXPECTED/09-mmio.out"
expect_err_has "the guest wrote 0 to the exit port 0xf4: exit status 0"
end

graded 15 "both ROM slots read as memory; a write to each exits and is dropped"
run 09-mmio
expect_status 0
expect_out_has "ROM below 4 GiB reads KVM9, after a write KVM9; its copy at 0xf0000 after a write KVM9"
expect_err_has "write of 1 byte to the ROM at guest-physical 0xfffff2"
expect_err_has "write of 1 byte to the ROM at guest-physical 0xff2"
end

graded 15 "the screen takes and gives back 1, 2, 4 and 8 bytes, aligned or not"
run 09-mmio "$TGUESTS/rom-sizes.bin"
expect_status 9
expect_out_has "000000A1 0000B2C3 000000D4 0000E5F6 0123456789ABCDEF"
expect_out_has "0123456789ABCDEF FFFF3344"
end

graded 10 "each virtio-mmio register answers as the specification says"
run 09-mmio "$TGUESTS/rom-sizes.bin"
expect_status 9
expect_out_has "74726976 00000002 00000000 534D564B 00000000 00000000 74726976"
end

graded 15 "nobody's addresses: all ones at every size, writes dropped, one line each"
run 09-mmio "$TGUESTS/rom-unknown.bin"
expect_status 3
expect_out_text "000000FF 0000FFFF FFFFFFFF FFFFFFFFFFFFFFFF
FFFFFFFF FFFFFFFF FFFFFFFF"
expect_err_has "no device at guest-physical 0xa0008: read of 8 bytes, at guest rip 0x"
expect_err_has "no device at guest-physical 0xa0004: write of 4 bytes, at guest rip 0x"
end

graded 10 "--coalesced-mmio: the screen writes come from the ring, 28 MMIO exits of 87"
run 09-mmio --stats --coalesced-mmio
expect_status 0
expect_out "$EXPECTED/09-mmio.out"
expect_err_has "stats:   KVM_EXIT_MMIO                          28"
expect_err_has "stats: coalesced MMIO: 59 writes taken from the ring"
expect_err_has "  |bwddqqqq  "
end

# How full the ring gets before an exit depends on the kernel (book
# chapter 09, ring_count in tests/lib.sh): 299 and one exit on Linux 6.12.
ring_count 300
graded 10 "a full ring: every write from the ring but those that found it full (299 and one exit on Linux 6.12), in the guest's order"
run 09-mmio --stats --coalesced-mmio "$TGUESTS/rom-ring.bin"
expect_status 0
expect_err_has "stats: KVM_EXIT_MMIO by device: vga-text $RING_EXITS,"
expect_err_has "stats: coalesced MMIO: $RING_TAKEN writes taken from the ring"
expect_err_has "  |************************************************************                    |"
end

extra cursor 10 "the CRT controller keeps the cursor location, and the screen says where it is"
run 09-mmio "$TGUESTS/lab-cursor.bin"
expect_status 5
expect_out_text "00000000 000000A5"
expect_err_has "the cursor is at row 2, column 5"
expect_err_lacks "unknown port 0x3d"
end

extra datamatch 10 "with --ioeventfd, queue 0's doorbell goes through the eventfd, queue 1's exits"
run 09-mmio --ioeventfd "$TGUESTS/lab-datamatch.bin"
expect_status 6
expect_err_has "virtio-mmio: QueueNotify written 7 times: 3 by an exit, 4 through the eventfd"
run 09-mmio --ioeventfd --trace "$TGUESTS/lab-datamatch.bin"
expect_err_has "flags 0x1, datamatch 0x0}) = 0"
end
