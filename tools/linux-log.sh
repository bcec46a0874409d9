#!/bin/sh
# linux-log.sh - a Linux boot log from 15-linux (standard input) as the
# book shows it (book/15-linux.md, "Run it"): the same from boot to boot.
# The times in brackets go; the numbers that change with the machine's
# speed or the moment (cycle counts, MHz, BogoMIPS, the loops per jiffy,
# sched_clock's offsets, the audit time stamp, the program's own timings
# in --stats) become N; the commands piped in, which the kernel's tty
# echoes wherever the driver happens to be when it opens the port, are
# dropped where they stand alone on a line, and so are the lines a busy
# host adds (how long one timer interrupt took, a clock watchdog's check
# skipped). The tree's path becomes .cache/.
sed -E \
	-e 's/\r$//' \
	-e 's|/[^ ]*/\.cache/|.cache/|g' \
	-e 's/^\[ *[0-9]+\.[0-9]+\] //' \
	-e 's/(sched offset of) [0-9]+/\1 N/' \
	-e 's/(max_cycles:) 0x[0-9a-f]+/\1 0x.../' \
	-e 's/(max_idle_ns:) [0-9]+/\1 N/' \
	-e 's/(Detected) [0-9.]+ MHz/\1 N MHz/' \
	-e 's/[0-9]+\.[0-9]+ BogoMIPS \(lpj=[0-9]+\)/N BogoMIPS (lpj=N)/' \
	-e 's/\([0-9]+\.[0-9]+ BogoMIPS\)/(N BogoMIPS)/' \
	-e 's/(Marking stable) \([^)]*\)->\([^)]*\)/\1 (N)->(N)/' \
	-e 's/audit\([0-9]+\.[0-9]+:/audit(N:/' \
	-e 's/^(stats: .*) +[0-9]+\.[0-9]+ ms +[0-9.]+% +[0-9.]+ us per exit$/\1 N ms/' \
	-e 's/^(stats: setup before the first KVM_RUN) .*/\1 N ms/' |
	grep -v -x -e 'uname -r' -e 'exit 3' -e 'hrtimer: interrupt took [0-9]* ns' \
		-e 'clocksource: Long readout interval, skipping watchdog check: .*'
