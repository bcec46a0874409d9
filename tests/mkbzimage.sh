# tests/mkbzimage.sh - made-up kernel images for chapter 15's tests
# (59-linux.sh, and tests/faults.md's fixtures in 60-faults.sh): a bzImage
# as far as a loader looks, written with dd, so that no test needs a
# download to check the boot protocol's refusals.

# lx_put FILE OFFSET BYTE...: write bytes (hex) into FILE at OFFSET.
lx_put() {
	local file=$1 at=$2 b bytes=""
	shift 2
	for b in "$@"; do bytes="$bytes\\$(printf '%03o' "0x$b")"; done
	printf "$bytes" | dd of="$file" bs=1 seek=$((at)) conv=notrunc status=none
}

# lx_mkbz FILE VERSION(hex, e.g. 020f) [LOADFLAGS] [PM_BYTES] [INIT_SIZE(hex)]
# [CMDLINE_SIZE(hex)]: 4 setup sectors after the boot sector, the setup
# header at 0x1f1, PM_BYTES of "kernel" after; cmdline_size 2047 unless
# given.
lx_mkbz() {
	local f=$1 v=$2 lf=${3:-01} pm=${4:-8192} is=${5:-00800000} cs=${6:-000007ff} sys
	head -c $((5 * 512 + pm)) /dev/zero >"$f"
	lx_put "$f" 0x1f1 04                                   # setup_sects
	lx_put "$f" 0x1fe 55 aa                                # boot_flag
	lx_put "$f" 0x200 eb 66                                # jump: the header ends at 0x268
	lx_put "$f" 0x202 48 64 72 53                          # "HdrS"
	lx_put "$f" 0x206 "${v:2:2}" "${v:0:2}"                # version
	lx_put "$f" 0x211 "$lf"                                # loadflags
	lx_put "$f" 0x214 00 00 10 00                          # code32_start 0x100000
	sys=$(printf '%08x' $((pm / 16)))
	lx_put "$f" 0x1f4 "${sys:6:2}" "${sys:4:2}" "${sys:2:2}" "${sys:0:2}" # syssize
	lx_put "$f" 0x22c ff ff ff 7f                          # initrd_addr_max
	lx_put "$f" 0x238 "${cs:6:2}" "${cs:4:2}" "${cs:2:2}" "${cs:0:2}" # cmdline_size
	lx_put "$f" 0x260 "${is:6:2}" "${is:4:2}" "${is:2:2}" "${is:0:2}" # init_size
}
