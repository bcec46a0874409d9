# 59-linux.sh - chapter 15: the boot protocol's checks on made-up kernels
# (no KVM, no download), then a real boot of Debian's kernel and the
# project's busybox initramfs: to a shell whose commands run and whose
# status comes back, on a backend that can run it in bounded time; on
# kvm_pvm, which emulates every kernel-mode instruction, how far the boot
# gets in 20 s, said plainly, and never that it booted.

[ -x "$BIN/15-linux" ] || return 0

LX=$TMP_DIR/linux
mkdir -p "$LX"

. tests/mkbzimage.sh # lx_put, lx_mkbz

lx_mkbz "$LX/good" 020f
lx_mkbz "$LX/old" 0205
lx_mkbz "$LX/zimage" 020f 00
lx_mkbz "$LX/huge" 020f 01 8192 10000000
head -c 2000 "$LX/good" >"$LX/cut-setup"
head -c $((5 * 512 + 4096)) "$LX/good" >"$LX/cut-kernel"
cp "$LX/good" "$LX/no-magic" && lx_put "$LX/no-magic" 0x202 58
cp "$LX/good" "$LX/no-flag" && lx_put "$LX/no-flag" 0x1fe 00 00
head -c 60000000 /dev/zero >"$LX/big-initrd"
printf 'just text\n' >"$LX/text"

begin "linux: --dry-run reads a good header, lays out memory and stops before KVM"
run 15-linux --kernel "$LX/good" --dry-run --device /nonexistent
expect_status 0
expect_err_has "boot protocol 2.15, setup 2560 bytes, kernel 8192 bytes for 0x100000 (init_size 0x800000)"
expect_err_has "RAM 256 MiB; zero page 0x7000, command line 0x20000 \"console=ttyS0 panic=-1 pci=off\", kernel 0x100000"
end

begin "linux: an initramfs goes as high as RAM allows, page aligned"
printf 'initramfs' >"$LX/small-initrd"
run 15-linux --kernel "$LX/good" --initrd "$LX/small-initrd" --mem 64 --dry-run
expect_status 0
expect_err_has "initramfs 0x3fff000 (9 bytes)"
end

# Each bad kernel: one line, status 66, before KVM is opened.
for bad in "no-flag:no boot signature 0xaa55 at 0x1fe (0x0000): not a Linux kernel image" \
	"no-magic:no \"HdrS\" at 0x202: a boot sector, but not a bzImage" \
	"old:boot protocol 2.05 is too old: this loader needs 2.06 (Linux 2.6.22) or later" \
	"zimage:a zImage (its kernel is loaded at 0x10000): only bzImages are booted here" \
	"cut-setup:truncated: its setup alone claims 2560 bytes, the file has 2000" \
	"cut-kernel:truncated: the header says the kernel has 8192 bytes after the setup, the file has 4096" \
	"text:10 bytes: too small for a setup header (it ends past 0x208)"; do
	name=${bad%%:*} line=${bad#*:}
	begin "linux: a kernel that is $name is refused in one line, status 66"
	run 15-linux --kernel "$LX/$name" --device /nonexistent
	expect_status 66
	expect_err_has "the kernel $LX/$name cannot be booted: $line"
	expect_err_lines 1
	end
done

begin "linux: a kernel that needs more RAM to unpack than --mem gives is refused"
run 15-linux --kernel "$LX/huge" --mem 128 --device /nonexistent
expect_status 66
expect_err_has "needs 0x10000000 bytes from 1 MiB to unpack itself (init_size): more than --mem 128 gives"
end

begin "linux: an initramfs that does not fit is refused"
run 15-linux --kernel "$LX/good" --initrd "$LX/big-initrd" --mem 64 --device /nonexistent
expect_status 66
expect_err_has "big-initrd: the initramfs (60000000 bytes) does not fit between the kernel (up to 0x900000 while it unpacks) and 0x4000000"
expect_err_has "give more --mem"
end

begin "linux: a command line longer than the kernel's cmdline_size is refused"
run 15-linux --kernel "$LX/good" --append "$(head -c 3000 /dev/zero | tr '\0' x)" --device /nonexistent
expect_status 64
expect_err_has "--append: the command line has 3000 bytes; this kernel takes 2047 at most (cmdline_size)"
end

begin "linux: no --kernel, a missing kernel, a bad --mem: one line each"
run 15-linux
expect_status 64
expect_err_has "no kernel: give --kernel BZIMAGE"
run 15-linux --kernel "$LX/no-such"
expect_status 66
expect_err_has "cannot open the kernel $LX/no-such: No such file or directory"
run 15-linux --kernel "$LX/good" --mem 5
expect_status 64
expect_err_has "--mem: 5 MiB is out of range: give 32 to 3072"
end

# The real kernel: the emulated AMD machine's (tools/vm.sh fetches it).
# Its initramfs is made on the host, before the machine runs the tests.
lx_files=$(tools/linux.sh "$BIN" -p 2>"$LX/fetch.err")
LX_KERNEL=$(echo "$lx_files" | sed -n 1p) LX_INITRD=$(echo "$lx_files" | sed -n 2p)

begin "linux: Debian's kernel: the setup header of a real bzImage (protocol 2.15, a 64-bit entry)"
if [ -z "$LX_KERNEL" ]; then
	TEST_SKIP="no kernel could be fetched: $(tail -n 1 "$LX/fetch.err")"
fi
run 15-linux --kernel "$LX_KERNEL" --initrd "$LX_INITRD" --dry-run
expect_status 0
expect_err_match "boot protocol 2\.[1-9][0-9], setup [0-9]+ bytes, kernel [0-9]+ bytes for 0x100000 \(init_size 0x[0-9a-f]+\), a 64-bit entry too"
end

if [ "$BACKEND" = kvm_pvm ]; then
	begin "linux: on kvm_pvm the boot is stopped after 20 s, and the program says how far it got"
	needs_kvm
	[ -z "$LX_KERNEL" ] && TEST_SKIP="no kernel could be fetched"
	TIMEOUT_GUARD=60 run 15-linux --kernel "$LX_KERNEL" --initrd "$LX_INITRD" --timeout 20
	expect_status 124
	expect_err_has "the guest was still running after 20 s and was stopped (--timeout)"
	expect_err_match "vcpu 0 was in (64-bit mode|32-bit protected mode) at RIP 0x[0-9a-f]+"
	expect_out_lacks "is up on"
	end
else
	for cpus in 1 2; do
		begin "linux: Debian's kernel boots to a shell on $cpus vCPU(s); its commands run; exit's status comes back"
		needs_kvm
		[ -z "$LX_KERNEL" ] && TEST_SKIP="no kernel could be fetched"
		printf 'echo "sum=$((40 + 2))"\ngrep -c ^processor /proc/cpuinfo\nexit 7\n' >"$LX/cmds"
		STDIN=$LX/cmds TIMEOUT_GUARD=600 run 15-linux --kernel "$LX_KERNEL" --initrd "$LX_INITRD" \
			--cpus $cpus --timeout 500 --append "console=ttyS0 panic=-1 pci=off quiet"
		expect_status 7
		expect_out_has "kvm-steps: Linux"
		expect_out_has "is up on $cpus CPU(s)"
		expect_out_has "sum=42"
		expect_err_has "the guest wrote 7 to the exit port 0xf4: exit status 7"
		end
	done
fi
