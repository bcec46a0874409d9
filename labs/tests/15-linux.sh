# labs/tests/15-linux.sh - the graded tests of lab 15 (labs/grade.sh).
#
# The stage: kernel_parse()'s checks, zero_page_build() and
# enter_kernel(). The kernels are made up, so that grading needs no
# download and ends in a second on any backend: the headers of
# tests/mkbzimage.sh for the checks, and tests/guests/linux-entry.asm, a
# "kernel" whose protected-mode part prints the state it was entered in
# and the zero page it was given.
# Graded extras (the book lists them under "Graded extras"):
#   entry64    a kernel whose header has XLF_KERNEL_64 is entered at its
#              64-bit entry, code32_start + 0x200: long mode, paging on
#              with identity-mapped page tables, RSI the zero page
#   rtc        a CMOS clock at ports 0x70 (index) and 0x71 (data): status
#              B 0x02 (24-hour, BCD), status D 0x80, the host's UTC time
#              and date in BCD, so Linux stops saying "Unable to read
#              current time from RTC"

. tests/mkbzimage.sh
LAB15=$TMP_DIR/lab15
mkdir -p "$LAB15"
lx_mkbz "$LAB15/good" 020f
lx_mkbz "$LAB15/old" 0205
lx_mkbz "$LAB15/zimage" 020f 00
head -c 2000 "$LAB15/good" >"$LAB15/cut-setup"
head -c $((5 * 512 + 4096)) "$LAB15/good" >"$LAB15/cut-kernel"
cp "$LAB15/good" "$LAB15/no-magic" && lx_put "$LAB15/no-magic" 0x202 58
cp "$LAB15/good" "$LAB15/no-flag" && lx_put "$LAB15/no-flag" 0x1fe 00 00
printf 'just text\n' >"$LAB15/text"
printf 'initramfs' >"$LAB15/initrd"
# The made-up kernel without its 64-bit entry (xloadflags 0): the stage's
# tests run it so, and a loader that takes the 64-bit entry (extra
# entry64) still enters it at the 32-bit one.
cp "$TGUESTS/linux-entry.bin" "$LAB15/entry32.img"
lx_put "$LAB15/entry32.img" 0x236 00 00

graded 15 "kernel_parse(): a good header is read: protocol, setup and kernel sizes, entry, init_size"
run 15-linux --kernel "$LAB15/good" --dry-run
expect_status 0
expect_err_has "boot protocol 2.15, setup 2560 bytes, kernel 8192 bytes for 0x100000 (init_size 0x800000)"
end

graded 10 "kernel_parse(): the header alone is read, not the first sector (its rest is 0xff, as since 6.1.88)"
run 15-linux --kernel "$TGUESTS/linux-entry.bin" --dry-run
expect_status 0
expect_err_match "boot protocol 2\.15, setup 1024 bytes, kernel [0-9]+ bytes for 0x100000 \(init_size 0x100000\), a 64-bit entry too"
end

graded 20 "kernel_parse(): each image this loader cannot boot is refused in one line, status 66"
for bad in "no-flag:no boot signature 0xaa55 at 0x1fe (0x0000): not a Linux kernel image" \
	"no-magic:no \"HdrS\" at 0x202: a boot sector, but not a bzImage" \
	"old:boot protocol 2.05 is too old: this loader needs 2.06 (Linux 2.6.22) or later" \
	"zimage:a zImage (its kernel is loaded at 0x10000): only bzImages are booted here" \
	"cut-setup:truncated: its setup alone claims 2560 bytes, the file has 2000" \
	"cut-kernel:truncated: the header says the kernel has 8192 bytes after the setup, the file has 4096" \
	"text:10 bytes: too small for a setup header (it ends past 0x208)"; do
	run 15-linux --kernel "$LAB15/${bad%%:*}" --dry-run
	expect_status 66
	expect_err_has "the kernel $LAB15/${bad%%:*} cannot be booted: ${bad#*:}"
	expect_err_lines 1
done
end

graded 25 "enter_kernel(): the kernel starts at code32_start in flat 32-bit protected mode, ESI the zero page, interrupts and paging off"
run 15-linux --kernel "$LAB15/entry32.img" --timeout 10
expect_status 0
expect_out_has "entry32: cs 0010 ds 0018 es 0018 ss 0018 esi 00007000 if 0 pg 0"
expect_err_has "the guest wrote 0 to the exit port 0xf4: exit status 0"
end

graded 30 "zero_page_build(): the header copied, the loader's fields, the command line, the e820 map and the initramfs"
run 15-linux --kernel "$LAB15/entry32.img" --initrd "$LAB15/initrd" --mem 64 --append "console=ttyS0 lab15" --timeout 10
expect_status 0
expect_out_has "zero page: flag aa55 HdrS loader ff loadflags 81 heap fe00"
expect_out_has "cmdline 00020000: console=ttyS0 lab15"
expect_out_has "e820 3: 00000000+0009fc00 1, 0009fc00+00060400 2, 00100000+03f00000 1"
expect_out_has "initrd 03fff000+00000009"
end

extra entry64 10 "a kernel with XLF_KERNEL_64 is entered at code32_start + 0x200, in long mode with paging on, RSI the zero page"
run 15-linux --kernel "$TGUESTS/linux-entry.bin" --timeout 10
expect_status 0
expect_out_has "entry64: cs 0010 ds 0018 efer.lma 1 pg 1 rsi 00007000 if 0"
run 15-linux --kernel "$LAB15/entry32.img" --timeout 10
expect_out_has "entry32: cs 0010"
end

extra rtc 10 "a CMOS clock at 0x70/0x71: status D 80, status B 02, today's UTC date in BCD"
run 15-linux --kernel "$LAB15/entry32.img" --timeout 10
expect_status 0
expect_out_match "^rtc: 80 02 [0-2][0-9]:[0-5][0-9]:[0-5][0-9] $(date -u +%y-%m-%d) $"
end
