# 70-labs.sh - the classroom labs (labs/, book/instructors.md): make lab
# writes student trees that build and fail until the stage is written, make
# grade gives the solution full marks and an untouched skeleton less, every
# graded extra fails on the untouched chapter and passes with its reference
# solution, and make grade-class grades many folders into one table.
#
# The lab trees, the extras and the class are checked once, on the plain
# build; the sanitized pass grades the solution with its own programs.

LAB_CHAPTERS=()
for dir in chapters/[0-9][0-9]-*/; do
	dir=${dir%/}
	LAB_CHAPTERS+=("${dir#chapters/}")
done

# Every chapter's grade in this tree, with this build's programs: full marks.
labs_grade_this_tree() {
	for chapter in "${LAB_CHAPTERS[@]}"; do
		begin "labs: make grade CH=${chapter%%-*} gives this tree full marks"
		needs_kvm
		if [ -z "$TEST_SKIP" ]; then
			labs/grade.sh --bin "$BIN" "${chapter%%-*}" >"$TMP_DIR/out" 2>"$TMP_DIR/err"
			STATUS=$? OUT=$(cat "$TMP_DIR/out") ERR=$(cat "$TMP_DIR/err")
			expect_status 0
			expect_out_match '^Score: ([0-9]+)/\1$'
		fi
		end
	done
}

if [ -n "$VARIANT" ]; then
	labs_grade_this_tree
	return 0 2>/dev/null
fi

# In the emulated AMD machine: each chapter's graded tests against this
# tree's programs, on kvm_amd. Writing and compiling the lab trees depends
# on no backend and, compiled under TCG, would take most of an hour: make
# test does it on the host.
if [ -n "${KVM_STEPS_VM:-}" ]; then
	labs_grade_this_tree
	return 0 2>/dev/null
fi

begin "labs: a grader started with TESTS_ONLY=kvm in its environment still runs every test"
needs_kvm
if [ -z "$TEST_SKIP" ]; then
	# Lab 07's bounds-check test fails unless the program really ran.
	TESTS_ONLY=kvm labs/grade.sh --bin "$BIN" 07 >"$TMP_DIR/out" 2>"$TMP_DIR/err"
	STATUS=$? OUT=$(cat "$TMP_DIR/out")
	expect_status 0
	expect_out_match '^Score: 100/100$'
fi
end

LABS=$TMP_DIR/labs
labs_started=$(date +%s)

begin "labs: make labs writes one tree per chapter, each chapter's stage cut out"
needs_kvm
make -s --no-print-directory labs LAB="$LABS" >"$TMP_DIR/out" 2>"$TMP_DIR/err"
STATUS=$? OUT=$(cat "$TMP_DIR/out") ERR=$(cat "$TMP_DIR/err")
expect_status 0
for chapter in "${LAB_CHAPTERS[@]}"; do
	tree=$LABS/$chapter num=${chapter%%-*}
	main=$tree/chapters/$chapter/main.c
	[ -f "$main" ] || { fail "no $main"; continue; }
	grep -q '// LAB BEGIN' "$main" && fail "$main still has a LAB region"
	grep -q "lab_todo(\"$num\"" "$main" || fail "$main has no lab_todo(\"$num\", ...)"
	grep -q "TODO (chapter $num lab)" "$main" || fail "$main has no TODO comment"
	[ -f "$tree/LAB.md" ] || fail "$tree has no LAB.md"
	[ -e "$tree/labs/solutions" ] && fail "$tree has the extras' reference solutions"
	# LAB.md names the functions to write and the sections to read.
	grep -qE "^- \`[a-z_0-9]+\(\)\` in \`chapters/$chapter/main.c\`$" "$tree/LAB.md" ||
		fail "$tree/LAB.md does not name the function to write"
	grep -qE ', line [0-9]+' "$tree/LAB.md" && fail "$tree/LAB.md points at a line number"
	if [ -f "book/$chapter.md" ]; then
		grep -qF "Read first, in [book/$chapter.md](book/$chapter.md), before you write:" "$tree/LAB.md" ||
			fail "$tree/LAB.md does not name the sections to read"
	fi
	# Its own README, not the project's; the book up to this chapter, its
	# excerpts of the cut code showing the TODO; no later chapter, no guide
	# for instructors, no link into what is not there.
	grep -q "^# kvm-steps, lab $num: $chapter$" "$tree/README.md" || fail "$tree/README.md is not the lab's own"
	grep -qF "make grade CH=$num" "$tree/README.md" || fail "$tree/README.md does not say make grade CH=$num"
	[ -e "$tree/book/instructors.md" ] && fail "$tree has the instructors' guide"
	for md in "$tree"/book/[0-9][0-9]-*.md; do
		name=${md##*/}
		[ "${name%%-*}" \> "$num" ] && fail "$tree has $name, a later chapter's book"
	done
	if [ -f "book/$chapter.md" ]; then
		[ -f "$tree/book/$chapter.md" ] || fail "$tree has no book/$chapter.md"
		grep -q "TODO (chapter $num lab)" "$tree/book/$chapter.md" ||
			fail "$tree/book/$chapter.md does not show the cut code as its TODO"
	fi
	for md in "$tree"/book/*.md "$tree/README.md" "$tree/LAB.md"; do
		for kind in links includes; do
			(cd "$tree" && tools/book.sh check "$kind" "${md#"$tree"/}") >"$TMP_DIR/book" 2>&1 ||
				fail "$tree: $(cat "$TMP_DIR/book")"
		done
	done
	# The helpers in common/ that are this stage or a later one are cut;
	# those of earlier stages stay.
	for stage in $(sed -nE 's|^[ \t]*// LAB BEGIN ([0-9][0-9]):.*|\1|p' common/*.c | sort -u); do
		if [ "$stage" \< "$num" ]; then
			grep -q "// LAB BEGIN $stage:" "$tree"/common/*.c ||
				fail "$tree/common: chapter $stage's helper should be whole"
		else
			grep -q "// LAB BEGIN $stage:" "$tree"/common/*.c &&
				fail "$tree/common: chapter $stage's helper should be cut"
			grep -q "lab_todo(\"$stage\"" "$tree"/common/*.c ||
				fail "$tree/common: no lab_todo(\"$stage\", ...) for chapter $stage's helper"
		fi
	done
	# Earlier chapters are the labs before: whole.
	for earlier in "${LAB_CHAPTERS[@]}"; do
		[ "${earlier%%-*}" \< "$num" ] || break
		cmp -s "chapters/$earlier/main.c" "$tree/chapters/$earlier/main.c" ||
			fail "$tree: chapter $earlier should be whole"
	done
done
end

begin "labs: make lab refuses to overwrite a student's tree, status 73"
needs_kvm
make -s --no-print-directory lab CH="${LAB_CHAPTERS[0]%%-*}" LAB="$LABS" >"$TMP_DIR/out" 2>"$TMP_DIR/err"
STATUS=$? ERR=$(cat "$TMP_DIR/err")
expect_status 2
expect_err_has "exists already (a student's work?)"
expect_err_has "Error 73"
end

begin "labs: make grade CH=99 and make lab CH=99 say so in one line, status 2"
for goal in grade lab; do
	make -s --no-print-directory "$goal" CH=99 >"$TMP_DIR/out" 2>"$TMP_DIR/err"
	STATUS=$? ERR=$(cat "$TMP_DIR/err")
	expect_status 2
	expect_err_has "make $goal: no chapter '99': give CH=NN with NN one of"
	expect_err_lines 1
done
end

begin "labs: make grade CH=NN EXTRA=nope names the chapter's extras, status 64"
needs_kvm
labs/grade.sh --bin "$BIN" --extra nope "${LAB_CHAPTERS[0]%%-*}" >"$TMP_DIR/out" 2>"$TMP_DIR/err"
STATUS=$? ERR=$(cat "$TMP_DIR/err")
expect_status 64
expect_err_has "has no graded extra 'nope'; its extras: "
expect_err_lines 1
end

begin "labs: a broken LAB marker stops make lab with the file and line"
printf 'int f(void)\n{\n\t// LAB BEGIN: write f\n\treturn 1;\n}\n' >"$TMP_DIR/broken.c"
awk -v chapter=99 -v path=chapters/99-x/main.c -v casts=/dev/null \
	-f labs/cut.awk "$TMP_DIR/broken.c" >/dev/null 2>"$TMP_DIR/err"
STATUS=$? ERR=$(cat "$TMP_DIR/err")
expect_status 1
expect_err_has "lab: chapters/99-x/main.c:5: LAB BEGIN without a LAB END"
end

# Each skeleton, two at a time: its chapters and common/ build with
# -Werror, chapter NN's program stops at the TODO with status 78, and it
# grades below full marks.
for chapter in "${LAB_CHAPTERS[@]}"; do
	printf '%s\0' "$chapter"
done | xargs -0 -n 1 -P 2 bash -c '
	tree=$0/$1 num=${1%%-*} r=$0/$1.result
	{
		# This tree'"'"'s objects and guests, copied with their times: what
		# make lab left as it was keeps its time too (tar keeps it), so
		# make compiles exactly the files make lab cut, and the rest is
		# what this build compiled from the same sources.
		mkdir -p "$tree/build"
		cp -Rp build/obj build/gen build/guests "$tree/build/"
		make -s --no-print-directory -C "$tree" programs >"$r.build" 2>&1
		echo "build $?"
		# (chapter 15 boots a kernel: the made-up one, whose header its
		# cut kernel_parse() is the first to read)
		timeout 20 "$tree/build/bin/$1" $([ "$1" = 15-linux ] && echo --kernel build/tests/guests/linux-entry.bin) \
			</dev/null >/dev/null 2>"$r.stderr"
		echo "run $?"
		labs/grade.sh --src "$tree" "$num" >"$r.grade" 2>&1
		echo "grade $?"
	} >"$r"' "$LABS"
for chapter in "${LAB_CHAPTERS[@]}"; do
	num=${chapter%%-*} r=$LABS/$chapter.result
	begin "labs: the skeleton of chapter $num builds with -Werror, stops at its TODO (status 78) and grades below full marks"
	needs_kvm
	if [ -z "$TEST_SKIP" ]; then
		grep -qx 'build 0' "$r" || fail "make programs failed in the skeleton:
$(head -n 20 "$r.build")"
		grep -qx 'run 78' "$r" || fail "build/bin/$chapter: expected status 78, got: $(grep '^run' "$r")"
		# Its last words: one line saying which stage to write.
		tail -n 1 "$r.stderr" | grep -q "^$chapter: chapter $num: this stage is not written yet: [a-z_0-9]*() in chapters/$chapter/main.c: " ||
			fail "build/bin/$chapter did not end with the line naming the missing stage:
$(cat "$r.stderr")"
		grep -qx 'grade 1' "$r" || fail "grade.sh: expected status 1: $(grep '^grade' "$r")"
		cp "$r.grade" "$TMP_DIR/out"
		expect_out_match '^Score: [0-9]+/[0-9]+$'
		grep -qE '^Score: ([0-9]+)/\1$' "$r.grade" && fail "the skeleton got full marks"
	fi
	end
done

labs_grade_this_tree

begin "labs: make grade in a lab tree scores it, and full marks once the stage is written"
needs_kvm
if [ -z "$TEST_SKIP" ]; then
	chapter=${LAB_CHAPTERS[1]:-${LAB_CHAPTERS[0]}}
	num=${chapter%%-*} tree=$TMP_DIR/student
	cp -R "$LABS/$chapter" "$tree"
	make -s --no-print-directory -C "$tree" grade CH="$num" >"$TMP_DIR/out" 2>"$TMP_DIR/err"
	STATUS=$?
	expect_status 2
	grep -qE '^Score: [0-9]+/[0-9]+$' "$TMP_DIR/out" && ! grep -qE '^Score: ([0-9]+)/\1$' "$TMP_DIR/out" ||
		fail "untouched: expected a score below full marks:
$(tail -n 5 "$TMP_DIR/out")"
	# The student writes the stage: here, the solution's chapter.
	cp "chapters/$chapter/main.c" "$tree/chapters/$chapter/main.c"
	make -s --no-print-directory -C "$tree" grade CH="$num" >"$TMP_DIR/out" 2>"$TMP_DIR/err"
	STATUS=$?
	expect_status 0
	expect_out_match '^Score: ([0-9]+)/\1$'
	make -s --no-print-directory grade CH="$num" >"$TMP_DIR/out" 2>"$TMP_DIR/err"
	STATUS=$?
	expect_status 0
	expect_out_match '^Score: ([0-9]+)/\1$'
fi
end

begin "labs: every graded extra has a reference solution, and every solution its tests"
for chapter in "${LAB_CHAPTERS[@]}"; do
	tests=labs/tests/$chapter.sh
	[ -f "$tests" ] || continue
	for name in $(sed -nE 's/^extra ([a-z0-9-]+) .*/\1/p' "$tests" | sort -u); do
		[ -f "labs/solutions/$chapter/$name.patch" ] ||
			fail "extra $name of $chapter has no labs/solutions/$chapter/$name.patch"
	done
done
for patch in labs/solutions/*/*.patch; do
	[ -e "$patch" ] || continue
	chapter=${patch#labs/solutions/} name=${patch##*/}
	chapter=${chapter%%/*} name=${name%.patch}
	grep -qE "^extra $name " "labs/tests/$chapter.sh" 2>/dev/null ||
		fail "$patch has no tests (no 'extra $name' in labs/tests/$chapter.sh)"
done
end

begin "labs: every graded extra is described under its book chapter's Graded extras"
for chapter in "${LAB_CHAPTERS[@]}"; do
	tests=labs/tests/$chapter.sh md=book/$chapter.md
	[ -f "$tests" ] || continue
	# A chapter's program may land before its book chapter.
	[ -f "$md" ] || continue
	sed -n '/^### Graded extras$/,$p' "$md" >"$TMP_DIR/extras.md"
	[ -s "$TMP_DIR/extras.md" ] || { fail "$md has no '### Graded extras' section"; continue; }
	for name in $(sed -nE 's/^extra ([a-z0-9-]+) .*/\1/p' "$tests" | sort -u); do
		grep -qF -- "- **$name**: " "$TMP_DIR/extras.md" ||
			fail "$md: Graded extras does not describe '$name' (- **$name**: ...)"
	done
	grep -qF "make grade CH=${chapter%%-*} EXTRAS=1" "$TMP_DIR/extras.md" ||
		fail "$md: Graded extras does not give the command to grade them"
done
end

# Each extra, two at a time: graded alone on this tree it fails; on a copy
# with its reference solution applied it passes, and the stage still does.
EXTRAS_DIR=$TMP_DIR/extras
mkdir -p "$EXTRAS_DIR"
for patch in labs/solutions/*/*.patch; do
	[ -e "$patch" ] && printf '%s\0' "$patch"
done | xargs -0 -n 1 -P 2 bash -c '
	patch=$2 chapter=${2#labs/solutions/} name=${2##*/}
	chapter=${chapter%%/*} name=${name%.patch} num=${chapter%%-*}
	copy=$0/$chapter-$name r=$0/$chapter-$name.result
	{
		labs/grade.sh --bin "$1" --extra "$name" "$num" >"$r.untouched" 2>&1
		echo "untouched $?"
		mkdir -p "$copy/build/obj"
		for f in *; do
			case $f in build | lab) ;; *) cp -Rp "$f" "$copy/" ;; esac
		done
		# Times kept, so only the patched chapter is compiled again.
		cp -Rp build/obj/common "$copy/build/obj/" && cp -Rp build/gen build/guests "$copy/build/"
		patch -s -p1 -d "$copy" <"$patch" >"$r.patch" 2>&1
		echo "patch $?"
		labs/grade.sh --src "$copy" --extra "$name" "$num" >"$r.solved" 2>&1
		echo "solved $?"
		labs/grade.sh --bin "$copy/build/bin" "$num" >"$r.stage" 2>&1
		echo "stage $?"
	} >"$r"' "$EXTRAS_DIR" "$BIN"
for patch in labs/solutions/*/*.patch; do
	[ -e "$patch" ] || continue
	chapter=${patch#labs/solutions/} name=${patch##*/}
	chapter=${chapter%%/*} name=${name%.patch}
	r=$EXTRAS_DIR/$chapter-$name.result
	begin "labs: extra $name of chapter ${chapter%%-*} fails untouched and passes with $patch"
	needs_kvm
	if [ -z "$TEST_SKIP" ]; then
		grep -qx 'untouched 1' "$r" || fail "graded on this tree, expected status 1:
$(tail -n 15 "$r.untouched")"
		grep -q '^PASS' "$r.untouched" && fail "one of its tests passes on this tree:
$(grep '^PASS' "$r.untouched")"
		grep -qx 'patch 0' "$r" || fail "the patch does not apply:
$(cat "$r.patch")"
		grep -qx 'solved 0' "$r" || fail "with the patch, expected full marks:
$(tail -n 25 "$r.solved")"
		grep -qx 'stage 0' "$r" || fail "with the patch, the stage's own tests fail:
$(tail -n 25 "$r.stage")"
	fi
	end
done

# Lab 07's instructions require the bounds check on run->io; a solution
# that leaves it out must lose that test's points, and only those.
begin "labs: lab 07 without the bounds check on run->io loses the bounds test, keeps the rest"
needs_kvm
if [ -z "$TEST_SKIP" ] && [ -f chapters/07-io-exits/main.c ]; then
	copy=$TMP_DIR/no-bounds
	mkdir -p "$copy/build/obj"
	for f in *; do
		case $f in build | lab) ;; *) cp -Rp "$f" "$copy/" ;; esac
	done
	cp -Rp build/obj/common "$copy/build/obj/" && cp -Rp build/gen build/guests "$copy/build/"
	# The check, from its comment to the die() it guards, becomes nothing
	# but a use of the variable it needed (-Werror would refuse it unused).
	sed -i "/check, don't trust/,/vcpu->run_size);/c\\	(void)bytes;" "$copy/chapters/07-io-exits/main.c"
	grep -q 'run_size - run->io.data_offset' "$copy/chapters/07-io-exits/main.c" &&
		fail "the bounds check is still in the patched copy"
	labs/grade.sh --src "$copy" 07 >"$TMP_DIR/out" 2>"$TMP_DIR/err"
	STATUS=$? OUT=$(cat "$TMP_DIR/out") ERR=$(cat "$TMP_DIR/err")
	expect_status 1
	expect_out_match '^FAIL +0/10 +a KVM_EXIT_IO whose data lies outside struct kvm_run'
	expect_out_match '^Score: 90/100$'
	# The failure says what ran, and how to run it again.
	expect_out_match '^      ran: echo reader \| build/bin/07-io-exits$'
	expect_out_match '^      guest: the built-in one, guest-asm/real/hello.asm$'
fi
end

begin "labs: an untouched lab says 'not written yet' first, once per test, and what ran"
needs_kvm
if [ -z "$TEST_SKIP" ] && [ -f "$LABS/07-io-exits.result.grade" ]; then
	cp "$LABS/07-io-exits.result.grade" "$TMP_DIR/out"
	OUT=$(cat "$TMP_DIR/out")
	# The line after each FAIL is the unwritten stage; nothing else
	# (no diff, no output repeated) but what ran and the guest.
	awk '/^FAIL/ { getline next_line; if (next_line !~ /^      not written yet: handle_io\(\) in chapters\/07-io-exits\/main.c stopped the program \(status 78\)/) { print "after: " $0; print "came: " next_line } }' \
		"$TMP_DIR/out" >"$TMP_DIR/bad"
	[ -s "$TMP_DIR/bad" ] && fail "a FAIL not followed by 'not written yet':
$(cat "$TMP_DIR/bad")"
	expect_out_lacks "standard output differs"
	expect_out_lacks "exit status: expected"
	expect_out_match '^      ran: printf .%s. hello \| build/bin/07-io-exits build/tests/guests/string-io.bin$'
	expect_out_match '^      guest: tests/guests/string-io.asm$'
fi
end

begin "labs: the grader stops a hung program within GRADE_HANG_SECONDS and says so; zero bytes draw no bash warning"
needs_kvm
if [ -z "$TEST_SKIP" ]; then
	fake=$TMP_DIR/fake-bin
	mkdir -p "$fake"
	# A program that prints a zero byte, then hangs.
	printf '#!/bin/sh\nprintf "x\\000y\\n"\nexec sleep 60\n' >"$fake/06-run"
	chmod +x "$fake/06-run"
	started=$(date +%s)
	GRADE_HANG_SECONDS=1 labs/grade.sh --bin "$fake" 06 >"$TMP_DIR/out" 2>"$TMP_DIR/err"
	STATUS=$? OUT=$(cat "$TMP_DIR/out") ERR=$(cat "$TMP_DIR/err")
	took=$(($(date +%s) - started))
	expect_status 1
	[ "$took" -le 20 ] || fail "grading 4 hung tests at 1 s each took $took s"
	expect_out_has "06-run did not finish within 1 s: it hung and was stopped"
	expect_out_match '^      ran: .*/fake-bin/06-run --timeout 0.2 .*loop.bin$'
	expect_out_lacks "null byte"
	expect_err_lacks "null byte"
fi
end

begin "labs: make grade-class grades every student folder into one table"
needs_kvm
if [ -z "$TEST_SKIP" ]; then
	chapter=${LAB_CHAPTERS[1]:-${LAB_CHAPTERS[0]}}
	num=${chapter%%-*}
	class=$TMP_DIR/class
	mkdir -p "$class"
	for student in ada bob cy; do
		cp -R "$LABS/$chapter" "$class/$student"
	done
	cp "chapters/$chapter/main.c" "$class/ada/chapters/$chapter/main.c"
	echo "this does not compile" >>"$class/cy/chapters/$chapter/main.c"
	make -s --no-print-directory grade-class CH="$num" CLASS="$class" >"$TMP_DIR/out" 2>"$TMP_DIR/err"
	STATUS=$? OUT=$(cat "$TMP_DIR/out") ERR=$(cat "$TMP_DIR/err")
	expect_status 0
	csv=$class/grades-$num.csv
	if [ -f "$csv" ]; then
		max=$(sed -nE 's/^"ada",([0-9]+),([0-9]+),.*/\2/p' "$csv")
		grep -qE "^\"ada\",$max,$max," "$csv" || fail "ada (the solution) should have full marks:
$(cat "$csv")"
		grep -qE '^"bob",[0-9]+,[0-9]+,' "$csv" && ! grep -qE "^\"bob\",$max," "$csv" ||
			fail "bob (the untouched skeleton) should be graded below full marks:
$(cat "$csv")"
		grep -qE '^"cy",0,[0-9]+,.*"does not build"$' "$csv" || fail "cy (does not compile) should have 0 and 'does not build':
$(cat "$csv")"
		[ "$(wc -l <"$csv")" -eq 4 ] || fail "$csv should have a header and 3 rows:
$(cat "$csv")"
		[ -f "$class/grades-$num.logs/cy.txt" ] || fail "no report kept for cy"
	else
		fail "no table $csv; stdout was:
$OUT"
	fi
	expect_out_match '^ada +[0-9]+/[0-9]+ '
fi
end

echo "(the labs' checks on the plain build took $(($(date +%s) - labs_started)) s)"
