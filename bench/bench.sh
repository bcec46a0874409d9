#!/usr/bin/env bash
# bench.sh BUILD - make bench: what chapter 07 costs beyond KVM itself, and
# how much quicker it starts than QEMU. One run measures everything, each
# time a median over repeated runs (bench/timeit.c), the commands of one
# comparison taking turns so that a busy machine weighs on all of them alike.
#
#   1. whole run: chapter 07 with its greeting guest (a line of input piped
#      in, output to /dev/null), against bench/raw.c, the floor: the same
#      KVM requests and the same guest with nothing else around them.
#   2. per exit: a guest doing 10,000 OUTs to COM1 (output to /dev/null),
#      under chapter 07's run loop and under the floor's; the cost of one
#      exit is the difference in CPU time against the same guest doing 0
#      OUTs, divided by 10,000, so that start-up cancels out.
#   3. one device write in chapter 09: 10,000 4-byte writes to the VGA
#      screen (each a KVM_EXIT_MMIO, or with --coalesced-mmio an entry in
#      the ring) and to the virtio-mmio doorbell (each an exit, or with
#      --ioeventfd a signal on an eventfd), less the same ROM making 0,
#      divided by 10,000; each beside one port I/O exit of part 2, as a
#      ratio of CPU times measured in this run.
#   4. one timer interrupt in chapter 10, end to end: a guest that takes
#      200 ticks at 1000 Hz asleep in HLT, less the same guest taking 0,
#      divided by 200, in CPU time, beside one port I/O exit of part 2;
#      with the exits per tick and the monitor's time per tick that
#      --stats counts, for that guest and for one that spins between
#      ticks (each tick then a kick by the tick signal); and the kernel's
#      own exits per tick where perf can count the kvm:kvm_exit tracepoint.
#   5. QEMU, if installed: the same boot-sector image booted by SeaBIOS,
#      from start to the guest's OUT to port 0xf4.
#   6. chapter 11 against chapter 10: chapter 10's guest, timer.asm (100
#      ticks of the PIT at 100 Hz, 5 lines on COM1), under the PIC and PIT
#      in user space (10-interrupts) and in the kernel (11-irqchip): exits
#      per tick from one --stats run each, and CPU time per tick, the run
#      less the same program's start-up (a ROM that ends at once), / 100.
#   7. chapter 12: the cost of a kick (bench/kick.c: a signal with
#      immediate_exit to a vCPU thread whose guest spins, or sleeps in the
#      kernel's HLT; and KVM_RUN with immediate_exit already set), and the
#      whole run of 12-smp's own guest with --cpus 1, 2 and 4, each CPU
#      adding 20,000 to the shared counter: as ratios to --cpus 1.
#   8. chapter 15: Debian's kernel to the shell prompt and to its exit
#      (bench/linux-boot.sh), where the backend runs kernel code natively
#      (in the emulated AMD machine: make vm CMD="bench/linux-boot.sh
#      build/bin"); exits per console byte, there and with the made-up
#      kernel that polls COM1.
#   9. chapter 13: one single-step exit. 13-debug --step against the plain
#      run of the same program and guest (debug.asm), in CPU time: the
#      difference divided by the instructions stepped (the count its own
#      --step run reports) is what stepping adds per instruction, beside
#      one port I/O exit of part 2 and as a ratio of the two whole runs.
#  10. chapter 14: live migration of its guest, count.asm, writing 0, 4
#      and 64 pages a tick (and 4 with the dirty ring): the rounds, the
#      pages sent against the machine's, the downtime; one run each, as
#      ratios to --rate 0 and of the ring to the bitmap.
#
# BENCH_RUNS (default 31), BENCH_TICK_RUNS (default 9: each run of part 4
# is 0.2 s of guest time), BENCH_IRQCHIP_RUNS (default 5, part 6: each
# run takes a second of PIT time) and BENCH_QEMU_RUNS (default 5) set the runs;
# BENCH_QEMU names the QEMU binary (default qemu-system-x86_64).
# Absolute times depend on the host, above all on its KVM backend; the
# ratios are the point.
set -u
build=${1:-build}
runs=${BENCH_RUNS:-31}
tick_runs=${BENCH_TICK_RUNS:-9}
[ "$runs" -lt "$tick_runs" ] && tick_runs=$runs
qemu_runs=${BENCH_QEMU_RUNS:-5}
bin=$build/bin
timeit=$build/bench/timeit
raw=$build/bench/raw
hello=$build/guests/real/hello.bin
outs_n=10000
outs_big=$build/bench/guests/outs-$outs_n.bin
outs_zero=$build/bench/guests/outs-0.bin
tmp=$(mktemp -d "${TMPDIR:-/tmp}/kvm-steps-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

mmio_dir=$build/bench/guests
timer=$build/guests/rom/timer.bin
irqchip_runs=${BENCH_IRQCHIP_RUNS:-5}
[ "$runs" -lt "$irqchip_runs" ] && irqchip_runs=$runs
kick=$build/bench/kick
for f in "$timeit" "$raw" "$kick" "$bin/12-smp" "$bin/13-debug" "$bin/14-migrate" "$hello" "$outs_big" "$outs_zero" "$bin/07-io-exits" "$bin/09-mmio" \
	"$bin/10-interrupts" "$bin/11-irqchip" "$timer" \
	"$mmio_dir/mmio-vga-$outs_n.bin" "$mmio_dir/mmio-vga-0.bin" \
	"$mmio_dir/mmio-doorbell-$outs_n.bin" "$mmio_dir/mmio-doorbell-0.bin" "$bin/10-interrupts" \
	"$mmio_dir/ticks-hlt-200.bin" "$mmio_dir/ticks-hlt-0.bin" "$mmio_dir/ticks-busy-200.bin"; do
	if [ ! -e "$f" ]; then
		echo "bench: $f is missing: run make first" >&2
		exit 2
	fi
done
if ! "$bin/01-open-kvm" >"$tmp/ch01" 2>&1; then
	echo "bench: KVM cannot be used here, nothing to measure:" >&2
	cat "$tmp/ch01" >&2
	exit 69
fi

# Medians in microseconds, one per command, into the named variables:
# VAR the wall-clock time, VAR_cpu the CPU time (user + system).
# usage: measure RUNS INPUT "VAR STATUS CMD ARGS..." ...
measure() {
	local runs=$1 input=$2 spec args=() vars=() i=0
	shift 2
	for spec in "$@"; do
		read -r -a words <<<"$spec"
		vars+=("${words[0]}")
		[ ${#args[@]} -gt 0 ] && args+=(--)
		args+=("${words[@]:1}")
	done
	if ! "$timeit" "$runs" "$input" "${args[@]}" >"$tmp/times"; then
		echo "bench: a command failed; nothing more is measured" >&2
		exit 1
	fi
	while read -r median min max n cpu; do
		printf -v "${vars[$i]}" '%s' "$median"
		printf -v "${vars[$i]}_cpu" '%s' "$cpu"
		printf '    %-32s median %10.1f us (min %.1f, max %.1f, %d runs), CPU %.1f us\n' \
			"${labels[$i]}" "$median" "$min" "$max" "$n" "$cpu"
		i=$((i + 1))
	done <"$tmp/times"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
times_quicker() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", a / b }'; }
# verdict VALUE OP LIMIT: "met" or "MISSED" for the target VALUE OP LIMIT.
verdict() { awk -v v="$1" -v l="$3" -v op="$2" 'BEGIN {
	ok = op == "<=" ? v <= l : v >= l; print ok ? "met" : "MISSED" }'; }

backend=$(sed -n 's/^backend: //p' "$tmp/ch01")
case $backend in
kvm_intel*) kind="VT-x: guest code runs natively on the CPU" ;;
kvm_amd*) kind="SVM: guest code runs natively on the CPU" ;;
*) kind="a software backend: guest instructions are emulated and every exit is slow, so absolute times mean little; compare the ratios" ;;
esac
cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
echo "make bench on $(uname -n): ${cpu:-unknown CPU}, $(nproc) cores, Linux $(uname -r)"
echo "KVM backend: $backend"
echo "  $kind"
load_start=$(cut -d' ' -f1 /proc/loadavg)
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

echo reader >"$tmp/input"

echo "1. whole run, chapter 07's greeting guest, input piped, output to /dev/null"
labels=("07-io-exits" "raw (the floor: bench/raw.c)")
measure "$runs" "$tmp/input" "t_ch07 0 $bin/07-io-exits" "t_raw 0 $raw"
whole=$(ratio "$t_ch07" "$t_raw")
echo "    ratio 07-io-exits / floor: $whole wall-clock  (target <= 1.30: $(verdict "$whole" "<=" 1.30)); $(ratio "$t_ch07_cpu" "$t_raw_cpu") in CPU time"
echo

echo "2. cost of one I/O exit: $outs_n OUTs to COM1 less 0 OUTs, output to /dev/null"
labels=("07-io-exits, $outs_n OUTs" "raw loop, $outs_n OUTs" "07-io-exits, 0 OUTs" "raw loop, 0 OUTs")
measure "$runs" /dev/null "b_ch07 0 $bin/07-io-exits $outs_big" "b_raw 0 $raw $outs_big" \
	"z_ch07 0 $bin/07-io-exits $outs_zero" "z_raw 0 $raw $outs_zero"
# The cost of an exit is the CPU time it takes (the guest's time inside
# KVM_RUN is counted as user or system time): unlike the wall clock, other
# processes on the machine hardly change it. The wall-clock figures are shown too.
per_exit_us() { awk -v b="$1" -v z="$2" -v n="$outs_n" 'BEGIN { printf "%.3f", (b - z) / n }'; }
e_ch07=$(per_exit_us "$b_ch07_cpu" "$z_ch07_cpu")
e_raw=$(per_exit_us "$b_raw_cpu" "$z_raw_cpu")
w_ch07=$(per_exit_us "$b_ch07" "$z_ch07")
w_raw=$(per_exit_us "$b_raw" "$z_raw")
per_exit=$(ratio "$e_ch07" "$e_raw")
echo "    per exit, CPU time: 07-io-exits $e_ch07 us, raw loop $e_raw us"
echo "    ratio 07-io-exits / raw loop: $per_exit  (target <= 1.05: $(verdict "$per_exit" "<=" 1.05))"
echo "    (wall clock: 07-io-exits $w_ch07 us, raw loop $w_raw us, ratio $(ratio "$w_ch07" "$w_raw"))"
if "$bin/07-io-exits" --stats "$outs_big" >/dev/null 2>"$tmp/stats"; then
	echo "    where one run's time goes (07-io-exits --stats, $outs_n OUTs):"
	sed -n 's/^stats: /      /p' "$tmp/stats"
fi
echo

echo "3. one device write in chapter 09, $outs_n 4-byte writes less 0, beside one port I/O exit (part 2)"
labels=("plain MMIO exit, VGA, $outs_n" "plain MMIO exit, VGA, 0"
	"--coalesced-mmio, VGA, $outs_n" "--coalesced-mmio, VGA, 0"
	"plain MMIO exit, doorbell, $outs_n" "plain MMIO exit, doorbell, 0"
	"--ioeventfd, doorbell, $outs_n" "--ioeventfd, doorbell, 0")
m=$bin/09-mmio
measure "$runs" /dev/null \
	"m_exit 0 $m $mmio_dir/mmio-vga-$outs_n.bin" "m_exit0 0 $m $mmio_dir/mmio-vga-0.bin" \
	"m_coal 0 $m --coalesced-mmio $mmio_dir/mmio-vga-$outs_n.bin" \
	"m_coal0 0 $m --coalesced-mmio $mmio_dir/mmio-vga-0.bin" \
	"m_bell 0 $m $mmio_dir/mmio-doorbell-$outs_n.bin" "m_bell0 0 $m $mmio_dir/mmio-doorbell-0.bin" \
	"m_evfd 0 $m --ioeventfd $mmio_dir/mmio-doorbell-$outs_n.bin" \
	"m_evfd0 0 $m --ioeventfd $mmio_dir/mmio-doorbell-0.bin"
e_mexit=$(per_exit_us "$m_exit_cpu" "$m_exit0_cpu")
e_mcoal=$(per_exit_us "$m_coal_cpu" "$m_coal0_cpu")
e_mbell=$(per_exit_us "$m_bell_cpu" "$m_bell0_cpu")
e_mevfd=$(per_exit_us "$m_evfd_cpu" "$m_evfd0_cpu")
echo "    per write, CPU time: MMIO exit $e_mexit us (VGA), $e_mbell us (doorbell);" \
	"coalesced $e_mcoal us; ioeventfd $e_mevfd us; port I/O exit (part 2) $e_ch07 us"
r_mexit=$(ratio "$e_mexit" "$e_ch07")
r_mcoal=$(ratio "$e_mcoal" "$e_ch07")
r_mevfd=$(ratio "$e_mevfd" "$e_ch07")
echo "    against one port I/O exit: MMIO exit ${r_mexit}x, coalesced MMIO ${r_mcoal}x, ioeventfd ${r_mevfd}x"
echo "    (coalesced: one exit per 170 writes, when the ring is full; ioeventfd: none)"
echo

ticks_n=200
echo "4. one timer interrupt in chapter 10: $ticks_n ticks at 1000 Hz less 0, beside one port I/O exit (part 2)"
labels=("asleep in HLT, $ticks_n ticks" "asleep in HLT, 0 ticks")
measure "$tick_runs" /dev/null "k_hlt 0 $bin/10-interrupts $mmio_dir/ticks-hlt-$ticks_n.bin" \
	"k_hlt0 0 $bin/10-interrupts $mmio_dir/ticks-hlt-0.bin"
e_tick=$(awk -v b="$k_hlt_cpu" -v z="$k_hlt0_cpu" -v n="$ticks_n" 'BEGIN { printf "%.3f", (b - z) / n }')
r_tick=$(ratio "$e_tick" "$e_ch07")
echo "    per tick, CPU time: $e_tick us, ${r_tick}x one port I/O exit ($e_ch07 us)"
# tick_stats GUEST: one run under --stats, and what it says per tick:
# exits to the monitor, KVM_INTERRUPTs, kicks, and the monitor's time
# (less its sleep in the waits) per tick.
tick_stats() {
	"$bin/10-interrupts" --stats "$1" </dev/null >/dev/null 2>"$tmp/tstats" || return 1
	awk -v n="$ticks_n" '
		/^stats: KVM_INTERRUPT: / { inj = $3 }
		/^stats: HLT with interrupts on: / { waits = $6; asleep = $8; kicks = $(NF - 1) }
		/^stats: [0-9]+ exits to the monitor/ { exits = $2 }
		/^stats: +in the monitor \(exits\)/ { mon = $6 }
		END {
			printf "%.2f exits to the monitor, %.2f KVM_INTERRUPT, %.2f HLT waits, %.2f kicks by the tick signal; the monitor %.2f us awake\n",
				exits / n, inj / n, waits / n, kicks / n, (mon - asleep) * 1000 / n
		}' "$tmp/tstats"
}
echo "    per tick, from --stats (one run each):"
echo "      asleep in HLT:  $(tick_stats "$mmio_dir/ticks-hlt-$ticks_n.bin")"
echo "      busy in a loop: $(tick_stats "$mmio_dir/ticks-busy-$ticks_n.bin")"
# The kernel's own exits (VM exits KVM handled without returning to user
# space, as well as those it returned): perf counts the tracepoint if it
# may; a backend that does not fire it counts 0.
kernel_exits=""
if command -v perf >/dev/null 2>&1 &&
	perf stat -x, -e kvm:kvm_exit -o "$tmp/perf" "$bin/10-interrupts" \
		"$mmio_dir/ticks-hlt-$ticks_n.bin" </dev/null >/dev/null 2>&1; then
	kernel_exits=$(awk -F, '/kvm:kvm_exit/ { print $1 }' "$tmp/perf")
fi
case $kernel_exits in
"" | *[!0-9]*) echo "    kernel exits per tick: not counted (perf, or its kvm:kvm_exit tracepoint, is not available to this user)" ;;
0) echo "    kernel exits per tick: not counted (perf counted no kvm:kvm_exit: $backend does not fire that tracepoint)" ;;
*) echo "    kernel exits per tick (perf, kvm:kvm_exit, asleep in HLT): $(awk -v k="$kernel_exits" -v n="$ticks_n" 'BEGIN { printf "%.2f", k / n }')" ;;
esac
echo

echo "5. QEMU booting the same image ($hello) with SeaBIOS, start to exit"
qemu=$(command -v "${BENCH_QEMU:-qemu-system-x86_64}" || true)
if [ -z "$qemu" ]; then
	echo "    skipped: ${BENCH_QEMU:-qemu-system-x86_64} is not installed"
	echo "    (sudo apt-get install -y qemu-system-x86, then make bench again)"
else
	qemu_args=(-display none -serial stdio -monitor none -no-reboot
		-device isa-debug-exit,iobase=0xf4,iosize=0x01
		-drive "file=$hello,format=raw")
	# The guest's OUT of 0 to port 0xf4 makes QEMU exit (0 << 1) | 1 = 1.
	timeout 60 "$qemu" -accel kvm "${qemu_args[@]}" <"$tmp/input" \
		>"$tmp/qemu.out" 2>"$tmp/qemu.err"
	if [ $? -eq 1 ] && grep -q Goodbye "$tmp/qemu.out"; then
		accel=kvm
	else
		accel=tcg
	fi
	echo "    $("$qemu" --version | head -n 1); -accel $accel$([ $accel = tcg ] && echo ' (KVM did not work for QEMU here)')"
	labels=("07-io-exits ${hello##*/}" "qemu -accel $accel" "qemu -accel $accel -nodefaults")
	specs=("q_ch07 0 $bin/07-io-exits $hello" "q_qemu 1 $qemu -accel $accel ${qemu_args[*]}"
		"q_lean 1 $qemu -nodefaults -accel $accel ${qemu_args[*]}")
	if [ $accel = kvm ]; then
		labels+=("qemu -accel tcg (no KVM at all)")
		specs+=("q_tcg 1 $qemu -accel tcg ${qemu_args[*]}")
	fi
	measure "$qemu_runs" "$tmp/input" "${specs[@]}"
	quick=$(times_quicker "$q_qemu" "$q_ch07")
	echo "    07-io-exits is ${quick}x quicker than qemu -accel $accel (target >= 100: $(verdict "$quick" ">=" 100))"
	echo "    07-io-exits is $(times_quicker "$q_lean" "$q_ch07")x quicker than qemu -accel $accel -nodefaults"
	if [ $accel = kvm ]; then
		echo "    07-io-exits is $(times_quicker "$q_tcg" "$q_ch07")x quicker than qemu -accel tcg"
		case $backend in kvm_intel* | kvm_amd*) ;; *)
			echo "    (on this software KVM backend QEMU with KVM is slower than QEMU's own emulator, TCG)" ;;
		esac
	fi
fi

echo
echo "6. chapter 11 against chapter 10: the same guest ($timer), 100 ticks at 100 Hz"
# Exits: one --stats run each. All of them, and those that are not the
# guest's own COM1 and exit-port accesses (the same 232 under both).
stats_exits() { # PROGRAM: "TOTAL NOT_COM1 TICKS"
	"$1" --stats "$timer" </dev/null 2>"$tmp/tick-stats" >"$tmp/tick-out" || return 1
	awk -v out="$tmp/tick-out" '
		/^stats: [0-9]+ exits? to the monitor/ { total = $2 }
		/^stats:     (in|out) port 0x(3f[89a-f]|f4) / { com += $NF }
		END {
			while ((getline line < out) > 0)
				if (line ~ /^timer: [0-9]+ ticks;/) { split(line, w, " "); ticks = w[2] }
			print total + 0, total - com, ticks + 0
		}' "$tmp/tick-stats"
}
if ! read -r x10 n10 t10 < <(stats_exits "$bin/10-interrupts") ||
	! read -r x11 n11 t11 < <(stats_exits "$bin/11-irqchip") ||
	[ "$t10" -eq 0 ] || [ "$t11" -eq 0 ]; then
	echo "bench: timer.bin did not run to its end under 10-interrupts and 11-irqchip" >&2
	exit 1
fi
per_tick() { awk -v a="$1" -v t="$2" 'BEGIN { printf "%.2f", a / t }'; }
echo "    exits: 10-interrupts $x10 ($n10 beyond the guest's COM1 and exit port), 11-irqchip $x11 ($n11)"
echo "    exits per tick: 10-interrupts $(per_tick "$x10" "$t10") ($(per_tick "$n10" "$t10") beyond COM1)," \
	"11-irqchip $(per_tick "$x11" "$t11") ($(per_tick "$n11" "$t11") beyond COM1)"
labels=("10-interrupts timer.bin" "10-interrupts, start-up only" "11-irqchip timer.bin"
	"11-irqchip, start-up only")
measure "$irqchip_runs" /dev/null "k10 0 $bin/10-interrupts $timer" \
	"k10z 0 $bin/10-interrupts $mmio_dir/mmio-vga-0.bin" \
	"k11 0 $bin/11-irqchip $timer" "k11z 0 $bin/11-irqchip $mmio_dir/mmio-vga-0.bin"
c10=$(awk -v a="$k10_cpu" -v z="$k10z_cpu" -v t="$t10" 'BEGIN { printf "%.1f", (a - z) / t }')
c11=$(awk -v a="$k11_cpu" -v z="$k11z_cpu" -v t="$t11" 'BEGIN { printf "%.1f", (a - z) / t }')
r_irq=$(ratio "$c11" "$c10")
echo "    CPU time per tick (the run less its start-up, / $t10; the guest's COM1 output in both):" \
	"10-interrupts $c10 us, 11-irqchip $c11 us: ${r_irq}x"
echo "    wall clock per tick: 10-interrupts $(per_tick "$k10" "$t10") us, 11-irqchip $(per_tick "$k11" "$t11") us" \
	"(the PIT's 10 ms set the pace of both)"
echo "    (on $backend; the chips in the kernel save the exits, not the guest's own work)"
echo
echo "7. chapter 12: kicking a vCPU out of KVM_RUN, and 12-smp's guest on 1, 2 and 4 vCPUs"
if ! "$kick" 200 >"$tmp/kick"; then
	echo "bench: bench/kick failed; nothing more is measured" >&2
	exit 1
fi
while read -r what median min max n; do
	case $what in
	spin) label="kick, guest spinning" ;;
	halt) label="kick, guest asleep in HLT" ;;
	ready) label="KVM_RUN, immediate_exit set" ;;
	esac
	printf '    %-32s median %10.1f us (min %.1f, max %.1f, %d rounds)\n' "$label" "$median" "$min" "$max" "$n"
	printf -v "k_$what" '%s' "$median"
done <"$tmp/kick"
echo "    (a kick: immediate_exit set and SIGUSR1 sent, until the vCPU's thread has KVM_RUN's EINTR)"
labels=("12-smp --cpus 1" "12-smp --cpus 2" "12-smp --cpus 4")
measure "$runs" /dev/null "s_1 0 $bin/12-smp --cpus 1" "s_2 0 $bin/12-smp --cpus 2" \
	"s_4 0 $bin/12-smp --cpus 4"
echo "    each CPU adds 20,000: --cpus N does N times the work of --cpus 1"
echo "    wall clock against --cpus 1: --cpus 2 $(ratio "$s_2" "$s_1")x, --cpus 4 $(ratio "$s_4" "$s_1")x" \
	"(1.0 would be perfect scaling, N would be none: $(nproc) host CPUs here)"
echo "    CPU time against --cpus 1: --cpus 2 $(ratio "$s_2_cpu" "$s_1_cpu")x, --cpus 4 $(ratio "$s_4_cpu" "$s_1_cpu")x"
# 8. Chapter 15: Debian's kernel to the shell. On a backend that runs
# kernel-mode code natively; kvm_pvm emulates it (the kernel would take
# half an hour to unpack itself), so there the command that measures it
# in the emulated AMD machine is printed instead. The made-up kernel
# (tests/guests/linux-entry.asm), polling COM1, gives the floor of exits
# per console byte on any backend.
echo
echo "8. chapter 15: Linux to the shell, and exits per console byte"
linux_made_up=$("$bin/15-linux" --stats \
	--kernel "$build/tests/guests/linux-entry.bin" 2>&1 >/dev/null |
	awk '/^stats:     out port 0x3f8 / { b = $NF } /^stats: [0-9]+ exits to the monitor/ { e = $2 }
	     END { if (b) printf "%.2f exits per byte (%d exits, %d bytes)", e / b, e, b }')
echo "    the made-up kernel, COM1 polled: ${linux_made_up:-not measured}"
case $backend in
kvm_pvm*)
	linux_boot="not measured on kvm_pvm (kernel-mode code emulated: about half an hour to unpack); measure it with: make vm CMD=\"bench/linux-boot.sh build/bin\""
	echo "    Debian's kernel: $linux_boot" ;;
*)
	if linux_boot=$(bench/linux-boot.sh "$bin" 2>&1); then
		echo "    Debian's kernel: ${linux_boot#linux: }"
	else
		echo "    Debian's kernel: not measured: $(echo "$linux_boot" | tail -n 1)"
	fi ;;
esac
# 9. Chapter 13: what a single step costs. Both runs start the same way
# (the probe of the backend on scratch VMs, the machine, the ROM), so the
# difference is the steps: one KVM_EXIT_DEBUG each, KVM_SET_GUEST_DEBUG
# only when a breakpoint changes (never here), and the line on standard
# error, which timeit sends to /dev/null.
echo
echo "9. chapter 13: one single-step exit, 13-debug --step against the plain run of debug.asm"
if ! "$bin/13-debug" --step >/dev/null 2>"$tmp/steps"; then
	echo "bench: 13-debug --step failed; nothing more is measured" >&2
	exit 1
fi
steps_n=$(sed -n 's/^13-debug: \([0-9][0-9]*\) instructions single-stepped$/\1/p' "$tmp/steps")
if [ -z "$steps_n" ] || [ "$steps_n" -eq 0 ]; then
	echo "bench: 13-debug --step did not say how many instructions it stepped" >&2
	exit 1
fi
labels=("13-debug --step" "13-debug (plain)")
measure "$runs" /dev/null "d_step 0 $bin/13-debug --step" "d_plain 0 $bin/13-debug"
e_step=$(awk -v a="$d_step_cpu" -v b="$d_plain_cpu" -v n="$steps_n" 'BEGIN { printf "%.3f", (a - b) / n }')
w_step=$(awk -v a="$d_step" -v b="$d_plain" -v n="$steps_n" 'BEGIN { printf "%.3f", (a - b) / n }')
r_step=$(ratio "$e_step" "$e_ch07")
r_step_run=$(ratio "$d_step_cpu" "$d_plain_cpu")
echo "    $steps_n instructions stepped; --step less the plain run, per instruction: $e_step us of CPU time" \
	"($w_step us wall clock)"
echo "    one single-step exit is ${r_step}x one port I/O exit (part 2, $e_ch07 us);" \
	"the whole run --step ${r_step_run}x the plain one in CPU time, $(ratio "$d_step" "$d_plain")x by wall clock"
# 10. Chapter 14: live migration of its own guest (count.asm), which
# writes --rate pages of 256 each tick of 100 Hz, to a second process at
# the default 8 MiB/s: the pre-copy rounds, the downtime (the guest
# paused, from the pause to the destination's word that it runs there)
# and the pages sent in all, against the 432 pages the machine has. One
# run each: a migration is a second or two of guest time, and what it
# sends depends on when each round ends, so these are one sample, not a
# median. The dirty ring only at --rate 4: where a backend lets the ring
# overflow at a high rate (book chapter 14), the run ends with status 71.
echo
echo "10. chapter 14: live migration of count.asm at 8 MiB/s, one run each: downtime and pages sent"
migrate_one() { # NAME OPTIONS...: m_NAME_rounds, m_NAME_pages, m_NAME_down
	local name=$1 rounds pages down machine
	shift
	if ! "$bin/14-migrate" --migrate "$@" >/dev/null 2>"$tmp/migrate"; then
		echo "bench: 14-migrate --migrate $* failed:" >&2
		cat "$tmp/migrate" >&2
		exit 1
	fi
	rounds=$(sed -n 's/^14-migrate: moved in \([0-9][0-9]*\) rounds .*/\1/p' "$tmp/migrate")
	# The pages the destination says it received: every round's and the
	# stop-and-copy's.
	pages=$(sed -n 's/^14-migrate (destination): [0-9]* records in [0-9]* rounds, \([0-9][0-9]*\) pages .*/\1/p' "$tmp/migrate")
	machine=$(sed -n 's/^14-migrate: moved in .*the machine has \([0-9][0-9]*\)).*/\1/p' "$tmp/migrate")
	down=$(sed -n 's/^14-migrate: stop-and-copy: .* paused for \([0-9.][0-9.]*\) ms (the downtime)$/\1/p' "$tmp/migrate")
	if [ -z "$rounds" ] || [ -z "$pages" ] || [ -z "$machine" ] || [ -z "$down" ]; then
		echo "bench: 14-migrate --migrate $* did not say its rounds, pages and downtime:" >&2
		cat "$tmp/migrate" >&2
		exit 1
	fi
	printf -v "m_${name}_rounds" '%s' "$rounds"
	printf -v "m_${name}_pages" '%s' "$pages"
	printf -v "m_${name}_down" '%s' "$down"
	m_machine=$machine
	printf '    %-32s %d rounds, %5d pages sent (%sx the machine), downtime %7.1f ms\n' \
		"$*" "$rounds" "$pages" "$(ratio "$pages" "$machine")" "$down"
}
migrate_one log0 --dirty log --rate 0
migrate_one log4 --dirty log --rate 4
migrate_one log64 --dirty log --rate 64
migrate_one ring4 --dirty ring --rate 4
echo "    the machine has $m_machine pages (RAM and ROM); round 0 sends them all, each round after it what was written meanwhile"
echo "    against --rate 0: --rate 4 $(ratio "$m_log4_pages" "$m_log0_pages")x the pages and" \
	"$(ratio "$m_log4_down" "$m_log0_down")x the downtime, --rate 64 $(ratio "$m_log64_pages" "$m_log0_pages")x and" \
	"$(ratio "$m_log64_down" "$m_log0_down")x"
echo "    the dirty ring against the bitmap, --rate 4: $(ratio "$m_ring4_pages" "$m_log4_pages")x the pages," \
	"$(ratio "$m_ring4_down" "$m_log4_down")x the downtime (one run each: rounds end where the timing puts them)"
echo
echo "summary ($backend):"
echo "  whole run    ${whole}x the floor, wall clock (target <= 1.30: $(verdict "$whole" "<=" 1.30));" \
	"$(ratio "$t_ch07_cpu" "$t_raw_cpu")x in CPU time"
echo "  per exit     ${per_exit}x the raw loop, CPU time (target <= 1.05: $(verdict "$per_exit" "<=" 1.05));" \
	"$(ratio "$w_ch07" "$w_raw")x by wall clock"
echo "  MMIO write  ${r_mexit}x a port I/O exit by MMIO exit, ${r_mcoal}x coalesced, ${r_mevfd}x by ioeventfd (CPU time)"
echo "  timer tick   ${r_tick}x a port I/O exit, end to end, asleep in HLT (CPU time: $e_tick us)"
echo "  irqchip      chapter 11 $(per_tick "$x11" "$t11") exits per tick against chapter 10's $(per_tick "$x10" "$t10");" \
	"CPU per tick ${r_irq}x ($c11 us against $c10 us)"
echo "  kick         spinning ${k_spin} us, asleep in HLT ${k_halt} us, immediate_exit alone ${k_ready} us (medians)"
echo "  12-smp       --cpus 2 $(ratio "$s_2" "$s_1")x, --cpus 4 $(ratio "$s_4" "$s_1")x the wall clock of --cpus 1, each CPU doing the same work"
echo "  Linux        ${linux_boot#linux: }"
echo "  single step  ${r_step}x a port I/O exit, CPU time ($e_step us an instruction, $steps_n stepped);" \
	"--step ${r_step_run}x the plain run"
echo "  migration    downtime $m_log0_down, $m_log4_down, $m_log64_down ms at --rate 0, 4, 64 (the ring at 4: $m_ring4_down ms);" \
	"pages sent $(ratio "$m_log0_pages" "$m_machine")x, $(ratio "$m_log4_pages" "$m_machine")x, $(ratio "$m_log64_pages" "$m_machine")x the machine's $m_machine"
if [ -n "${quick:-}" ]; then
	echo "  QEMU         ${quick}x quicker than -accel $accel, wall clock (target >= 100: $(verdict "$quick" ">=" 100))"
else
	echo "  QEMU         not measured: not installed"
fi
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
if awk -v a="$load_start" -v b="$(cut -d' ' -f1 /proc/loadavg)" -v n="$(nproc)" \
	'BEGIN { exit !(a > n / 2 || b > n / 2) }'; then
	echo "(other work ran on this machine meanwhile: wall-clock times are disturbed;" \
		"run make bench again on a quiet machine)"
fi
