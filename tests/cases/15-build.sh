# 15-build.sh - what a reader sees first: quiet builds (one short line a
# file, V=1 for the command lines), --help that wraps evenly, make run
# taking CH=7 as CH=07, make book saying what it did. Once, on the plain
# build.

if [ -z "$VARIANT" ]; then
	# No KVM needed: left out where only the KVM tests run.
	if [ "$TESTS_ONLY" != kvm ]; then
		begin "build: make prints one short line a file; V=1 prints the command lines; -s nothing"
		qb=$TMP_DIR/quiet-build
		make --no-print-directory BUILD="$qb" "$qb/obj/common/util.o" "$qb/tests/guests/loop.bin" \
			>"$TMP_DIR/out" 2>"$TMP_DIR/err"
		STATUS=$? OUT=$(cat "$TMP_DIR/out") ERR=$(cat "$TMP_DIR/err")
		expect_status 0
		expect_out_match "^  CC      $qb/obj/common/util.o$"
		expect_out_match "^  NASM    $qb/tests/guests/loop.bin$"
		grep -vE '^  [A-Z]+ +[^ ]+$' "$TMP_DIR/out" >"$TMP_DIR/other"
		[ -s "$TMP_DIR/other" ] && fail "lines other than '  WHAT    file':
$(head -n 5 "$TMP_DIR/other")"
		rm -rf "$qb"
		make --no-print-directory V=1 BUILD="$qb" "$qb/obj/common/util.o" "$qb/tests/guests/loop.bin" \
			>"$TMP_DIR/out" 2>"$TMP_DIR/err"
		STATUS=$? OUT=$(cat "$TMP_DIR/out")
		expect_status 0
		expect_out_match '-Werror .* -c -o .*/obj/common/util.o common/util.c$'
		expect_out_match '^nasm -f bin .* -o .*/tests/guests/loop.bin tests/guests/loop.asm$'
		expect_out_lacks "  CC      "
		rm -rf "$qb"
		make -s --no-print-directory BUILD="$qb" "$qb/obj/common/util.o" >"$TMP_DIR/out" 2>"$TMP_DIR/err"
		STATUS=$?
		expect_status 0
		[ -s "$TMP_DIR/out" ] && fail "make -s printed:
$(head -n 5 "$TMP_DIR/out")"
		rm -rf "$qb"
		end

		# The first results come once the plain tree is built: the sanitized
		# one is built by tests/run.sh after the plain tests.
		begin "build: make test builds the sanitized trees after the plain tests, not before"
		make -n --no-print-directory test >"$TMP_DIR/out" 2>"$TMP_DIR/err"
		STATUS=$? OUT=$(cat "$TMP_DIR/out")
		expect_status 0
		expect_out_match '^tests/run.sh build "build/san:.*SAN=1 all" "build/tsan:.*TSAN=1 threaded"$'
		expect_out_lacks "== tests on"
		grep -n 'SAN=1' "$TMP_DIR/out" | grep -v 'tests/run.sh' >"$TMP_DIR/early"
		[ -s "$TMP_DIR/early" ] && fail "the sanitized tree is built before the tests run:
$(cat "$TMP_DIR/early")"
		end
	fi

	begin "build: make run CH=7 runs chapter 07, as CH=07 does; CH=x names the chapters"
	needs_kvm
	if [ -z "$TEST_SKIP" ]; then
		make -s --no-print-directory run CH=7 >"$TMP_DIR/out" 2>"$TMP_DIR/err"
		STATUS=$? OUT=$(cat "$TMP_DIR/out")
		expect_status 0
		expect_out_has "==== chapter 07-io-exits"
		expect_out_has "Nice to meet you, reader. Goodbye!"
		expect_out_lacks "==== chapter 06"
		make -s --no-print-directory run CH=x >"$TMP_DIR/out" 2>"$TMP_DIR/err"
		STATUS=$? ERR=$(cat "$TMP_DIR/err")
		expect_status 2
		expect_err_has "make run: no chapter 'x' in build/bin: give CH=NN with NN one of: 01 02"
	fi
	end

	# The book's commands run the test guests (chapter 06 runs loop.bin):
	# make run, the first command a reader types, builds them.
	# No KVM needed: left out where only the KVM tests run.
	if [ "$TESTS_ONLY" != kvm ]; then
		begin "build: make run builds the guests the book's commands use"
		make -n --no-print-directory BUILD="$TMP_DIR/run-build" run >"$TMP_DIR/out" 2>"$TMP_DIR/err"
		STATUS=$? OUT=$(cat "$TMP_DIR/out")
		expect_status 0
		for guest in tests/guests/loop.bin tests/guests/string-io.bin tests/guests/mmio-write.bin guests/real/first.bin; do
			expect_out_has "-o $TMP_DIR/run-build/$guest "
		done
		end

		begin "build: make run, the tour, runs every chapter to exit status 0 (chapter 15 on its made-up kernel)"
		needs_kvm
		if [ -z "$TEST_SKIP" ]; then
			timeout -k 5 120 make -s --no-print-directory run >"$TMP_DIR/out" 2>"$TMP_DIR/err"
			STATUS=$? OUT=$(cat "$TMP_DIR/out")
		fi
		expect_status 0
		for tour_prog in build/bin/[0-9][0-9]-*; do
			expect_out_has "==== chapter ${tour_prog##*/} "
		done
		expect_out_has "15-linux --kernel build/tests/guests/linux-entry.bin    (make linux boots Debian's kernel)"
		end

		begin "build: make book says what it did, also when nothing changed"
		make -s --no-print-directory book >"$TMP_DIR/out" 2>"$TMP_DIR/err"
		STATUS=$? OUT=$(cat "$TMP_DIR/out")
		expect_status 0
		expect_out_match '^book: [0-9]+ file\(s\), [0-9]+ excerpt\(s\) taken again from the sources, [0-9]+ output\(s\) from the programs; 0 file\(s\) changed: the book was up to date$'
		end
	fi
fi

for chapter in "$BIN"/[0-9][0-9]-*; do
	chapter=${chapter##*/}
	begin "build: $chapter --help: no line over 78 columns, wrapped text under its option's"
	run "$chapter" --help
	expect_status 0
	awk 'length > 78 { print "line " NR " is " length " columns: " $0 }' "$TMP_DIR/out" >"$TMP_DIR/wide"
	[ -s "$TMP_DIR/wide" ] && fail "$(cat "$TMP_DIR/wide")"
	# An option's text starts at column 23; a line that goes on with it
	# starts there too, never further left or right.
	# (A text wrapped by hand as well breaks into lines indented by one space.)
	awk '/^ [^ ]/ { print "line " NR ": " $0; next } /^  -|^  GUEST/ { opt = 1; next } opt && /^ +[^ ]/ { match($0, /^ +/); if (RLENGTH != 22) print "line " NR ": " $0; next } { opt = 0 }' \
		"$TMP_DIR/out" >"$TMP_DIR/ragged"
	[ -s "$TMP_DIR/ragged" ] && fail "continuation lines not at column 23:
$(cat "$TMP_DIR/ragged")"
	end
done
