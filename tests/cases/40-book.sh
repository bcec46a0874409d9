# 40-book.sh - the book cannot drift from the code: for every book/*.md,
# each excerpt matches its source, each shown output is what the program
# prints now, each shell command exists, each link resolves. Then the
# checker itself is tried on files broken on purpose, and make diff.
# Outputs are checked against both builds; the rest once.

# Both do nothing in a test that is skipped or left out (TESTS_ONLY).
book_check() { # KIND FILE: run the checker, fail the test with its report
	[ -n "$TEST_SKIP" ] && return 0
	if ! tools/book.sh check "$1" "$2" >"$TMP_DIR/book" 2>&1; then
		fail "$(cat "$TMP_DIR/book")"
	fi
}

book_fails() { # KIND FILE WHAT: the checker must reject FILE
	[ -n "$TEST_SKIP" ] && return 0
	if tools/book.sh check "$1" "$2" >"$TMP_DIR/book" 2>&1; then
		fail "tools/book.sh check $1 passed a file with $3:
$(cat "$TMP_DIR/book")"
	fi
}

begin "book: there is a book with a README, chapters 00 to 07 and appendices A to C"
for f in README 00-introduction 01-open-kvm 02-create-vm 03-add-memory \
	04-create-vcpu 05-set-registers 06-run 07-io-exits \
	appendix-a-exit-reasons appendix-b-glossary appendix-c-sources; do
	[ -f "book/$f.md" ] || fail "book/$f.md is missing"
done
end

begin "book: each chapter has its program, and Exercises as its last section"
# Chapters 01-07 must have theirs (checked above); a later chapter's program
# may land before its book chapter, but a book chapter must match a program.
for md in book/[0-9][0-9]-*.md; do
	name=${md#book/}
	name=${name%.md}
	case $name in
	00-introduction) ;;
	*) [ -d "chapters/$name" ] || fail "$md has no program chapters/$name" ;;
	esac
	last=$(grep -E '^## ' "$md" | tail -n 1)
	[ "$last" = "## Exercises" ] || fail "$md: the last section is '$last', not '## Exercises'"
done
end

begin "book: the contents in book/README.md link every chapter and appendix"
for md in book/[0-9][0-9]-*.md book/appendix-*.md; do
	grep -qF "](${md#book/})" book/README.md || fail "book/README.md does not link ${md#book/}"
done
end

begin "book: every exercise says how to check the answer (*Check:*)"
for md in book/[0-9][0-9]-*.md; do
	# The numbered items of "## Exercises", up to any ### subsection.
	awk -v md="$md" '
		/^## Exercises[ \t]*$/ { on = 1; next }
		on && /^###? / { on = 0 }
		on && /^[0-9]+\. / { if (item != "" && !ok) print md ": exercise " item " has no *Check:*"; item = $1; ok = 0 }
		on && /\*Check:\*/ { ok = 1 }
		END { if (item != "" && !ok) print md ": exercise " item " has no *Check:*" }
		END { if (item == "") print md ": no numbered exercises" }
	' "$md" >"$TMP_DIR/exercises"
	[ -s "$TMP_DIR/exercises" ] && fail "$(cat "$TMP_DIR/exercises")"
done
end

for md in book/*.md; do
	if [ -z "$VARIANT" ]; then
		begin "book: $md: every excerpt matches the current source"
		book_check includes "$md"
		end
		begin "book: $md: every command in a sh block exists"
		book_check commands "$md"
		end
		begin "book: $md: every link resolves"
		book_check links "$md"
		end
	fi
	begin "book: $md: every output shown is what the program prints now"
	needs_kvm
	if [ -z "$TEST_SKIP" ]; then
		BOOK_BIN=$BIN book_check outputs "$md"
	fi
	end
done

if [ -z "$VARIANT" ]; then
	# The checker, tried on files broken on purpose.
	selftest=$TMP_DIR/book-selftest
	mkdir -p "$selftest"
	{
		echo "# A page"
		echo
		echo "## Part"
		echo
		echo "<!-- include: guest-asm/real/compute.asm -->"
		echo '```nasm'
		grep -v 'ANCHOR' guest-asm/real/compute.asm
		echo '```'
		echo
		echo "<!-- include: chapters/06-run/main.c:run-once -->"
		echo '```c'
		sed -n '/ANCHOR: run-once/,/ANCHOR_END: run-once/p' chapters/06-run/main.c |
			grep -vE 'ANCHOR|LAB (BEGIN|END)'
		echo '```'
		echo
		echo "<!-- output: echo host address 0x1234; echo two -->"
		echo '```text'
		echo "host address 0x7fff0000"
		echo "two"
		echo '```'
		echo
		echo '```sh'
		echo 'make diff CH=07 | less'
		echo 'build/bin/06-run --trace 2>&1 | grep KVM_RUN'
		echo '```'
		echo
		echo "See [the part](#part), [the other page](other.md#a-heading) and [this](page.md#part)."
	} >"$selftest/page.md"
	printf '# A heading\n' >"$selftest/other.md"

	begin "book checker: a correct page passes every check"
	book_check includes "$selftest/page.md"
	book_check commands "$selftest/page.md"
	book_check links "$selftest/page.md"
	needs_kvm
	[ -z "$TEST_SKIP" ] && book_check outputs "$selftest/page.md"
	end

	begin "book checker: a stale excerpt fails"
	sed 's/^\tfor (;;) {$/\twhile (1) {/' "$selftest/page.md" >"$selftest/stale.md"
	cmp -s "$selftest/page.md" "$selftest/stale.md" && fail "the test could not break the excerpt"
	book_fails includes "$selftest/stale.md" "a stale excerpt"
	end

	begin "book checker: an unknown anchor or file fails"
	sed 's/main.c:run-once/main.c:no-such-anchor/' "$selftest/page.md" >"$selftest/anchor.md"
	book_fails includes "$selftest/anchor.md" "an unknown anchor"
	sed 's|real/compute.asm|real/no-such-guest.asm|' "$selftest/page.md" >"$selftest/file.md"
	book_fails includes "$selftest/file.md" "an unknown file"
	end

	begin "book checker: a code block typed in without an include marker fails"
	{ cat "$selftest/page.md"; printf '\n```c\nint main(void) { return 0; }\n```\n'; } >"$selftest/typed.md"
	book_fails includes "$selftest/typed.md" "a hand-typed C block"
	end

	begin "book checker: an include without its fenced block fails"
	sed '/include: guest-asm/{n;s/^```nasm$/(text)/}' "$selftest/page.md" >"$selftest/nofence.md"
	book_fails includes "$selftest/nofence.md" "an include with no block"
	end

	begin "book checker: a changed output fails, a varying host address does not"
	needs_kvm
	sed 's/^two$/three/' "$selftest/page.md" >"$selftest/output.md"
	[ -z "$TEST_SKIP" ] && book_fails outputs "$selftest/output.md" "a wrong output"
	end

	begin "book checker: an unknown program, make target or tool fails"
	sed 's/make diff CH=07/make no-such-target/' "$selftest/page.md" >"$selftest/target.md"
	book_fails commands "$selftest/target.md" "an unknown make target"
	sed 's|build/bin/06-run|build/bin/99-nothing|' "$selftest/page.md" >"$selftest/prog.md"
	book_fails commands "$selftest/prog.md" "an unknown program"
	sed 's/| less/| no-such-tool-here/' "$selftest/page.md" >"$selftest/tool.md"
	book_fails commands "$selftest/tool.md" "an unknown tool"
	end

	begin "book checker: a broken link or heading fails"
	sed 's|(#part)|(#no-such-part)|' "$selftest/page.md" >"$selftest/heading.md"
	book_fails links "$selftest/heading.md" "a link to a missing heading"
	sed 's|(other.md#a-heading)|(missing.md)|' "$selftest/page.md" >"$selftest/link.md"
	book_fails links "$selftest/link.md" "a link to a missing file"
	sed 's|(other.md#a-heading)|(other.md#b-heading)|' "$selftest/page.md" >"$selftest/link2.md"
	book_fails links "$selftest/link2.md" "a link to a missing heading in another file"
	{ cat "$selftest/page.md"; printf '\n[ref]: missing.md\n'; } >"$selftest/link3.md"
	book_fails links "$selftest/link3.md" "a reference-style link to a missing file"
	end

	begin "book checker: a real chapter with one excerpt line changed fails"
	awk '/^<!-- include:/ { inc = 1 } inc && /^```c$/ { getline; print "/* edited */ " $0; inc = 0; next } { print }' \
		book/06-run.md >"$selftest/06-edited.md"
	cmp -s book/06-run.md "$selftest/06-edited.md" && fail "the test could not edit an excerpt"
	book_fails includes "$selftest/06-edited.md" "an edited excerpt"
	end

	begin "book checker: a real chapter with one output line changed fails"
	needs_kvm
	awk '/^<!-- output:/ { out = 1 } out && /^```text$/ { print; getline; print $0 " (edited)"; out = 0; next } { print }' \
		book/06-run.md >"$selftest/06-output.md"
	[ -z "$TEST_SKIP" ] && book_fails outputs "$selftest/06-output.md" "an edited output"
	end

	# The updater and make diff need no KVM: not run where only the KVM
	# tests are (TESTS_ONLY=kvm).
	if [ "$TESTS_ONLY" != kvm ]; then
		begin "book updater: it repairs a stale excerpt and adds a block a marker lacks"
		cp "$selftest/stale.md" "$selftest/repair.md"
		printf '\n<!-- include: chapters/07-io-exits/main.c:run-loop -->\n\nText.\n' >>"$selftest/repair.md"
		tools/book.sh update "$selftest/repair.md" >"$TMP_DIR/book" 2>&1 || fail "tools/book.sh update failed: $(cat "$TMP_DIR/book")"
		book_check includes "$selftest/repair.md"
		grep -qx '```c' "$selftest/repair.md" || fail "no c block was added"
		[ "$(grep -c '^```c$' "$selftest/repair.md")" -eq 2 ] || fail "expected 2 c blocks after the update"
		end

		begin "make diff CH=07 shows the new stage, and where chapter 06's went"
		make --no-print-directory -s diff CH=07 >"$TMP_DIR/out" 2>"$TMP_DIR/err"
		STATUS=$?
		OUT=$(cat "$TMP_DIR/out")
		expect_status 0
		expect_out_has "# What chapter 07-io-exits adds over chapter 06-run"
		# Chapter 06's stage: its run_once() is vcpu_run() in common/, called here.
		expect_out_has "Chapter 06 wrote out its stage in: run_once()"
		expect_out_match '^  vcpu_run\(\)  in common/run.c$'
		expect_out_match '^      called at chapters/07-io-exits/main.c:[0-9]+: .*vcpu_run\(vcpu\)'
		# The new stage in full, as added lines; not shown as deleted code.
		expect_out_has "+static bool handle_io(struct kvm_vcpu *vcpu, int *status)"
		expect_out_has "+	// LAB BEGIN: check run->io.size is 1, 2 or 4"
		expect_out_lacks "-static enum run_result run_once("
		expect_out_has "--- main() in chapter 06"
		end

		begin "make diff: for every chapter, far fewer lines read as deleted than in the plain diff"
		# Chapters 02-08: each is the one before plus a stage, as designed.
		for dir in chapters/0[2-8]-*/; do
			num=${dir#chapters/}
			num=${num%%-*}
			tools/chapter-diff.sh "$num" >"$TMP_DIR/out" 2>"$TMP_DIR/err" || fail "chapter $num: status $?"
			deleted=$(grep -c '^-[^-]' "$TMP_DIR/out")
			plain=$(tools/chapter-diff.sh --full "$num" | grep -c '^-[^-]')
			[ $((deleted * 3)) -lt $((plain * 2)) ] ||
				fail "chapter $num: $deleted lines shown as deleted, against $plain in the plain diff"
			grep -q '^  [a-z_0-9]*()  in common/' "$TMP_DIR/out" ||
				fail "chapter $num: no helper of common/ named as the previous chapter's stage"
		done
		end

		begin "make diff CH=07 FULL=1 is the plain diff -u of the two programs"
		make --no-print-directory -s diff CH=07 FULL=1 >"$TMP_DIR/out" 2>"$TMP_DIR/err"
		STATUS=$?
		OUT=$(cat "$TMP_DIR/out")
		expect_status 0
		expect_out_has "--- chapters/06-run/main.c"
		expect_out_has "+++ chapters/07-io-exits/main.c"
		end

		for bad in "" 01 99 seven; do
			begin "make diff with CH='$bad' says what to give in one line, status 64"
			tools/chapter-diff.sh $bad >"$TMP_DIR/out" 2>"$TMP_DIR/err"
			STATUS=$?
			ERR=$(cat "$TMP_DIR/err")
			expect_status 64
			expect_err_lines 1
			expect_err_has "make diff CH=NN"
			[ -s "$TMP_DIR/out" ] && fail "nothing should go to standard output"
			end
		done
	fi
fi
