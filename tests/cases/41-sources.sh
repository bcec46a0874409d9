# 41-sources.sh - the list of claims the book makes about the kernel,
# QEMU and the CPU (book/sources-checked.md) holds what a script can hold:
# every row names the book or code file it is about (and that file still
# has the text the row points at), a version and a file of the source
# that settles it, and a verdict; every chapter has rows; and no claim
# found false comes back in the book or in a code comment. Then the
# checker is tried on lists and trees broken on purpose. Once, not per build.

if [ -z "$VARIANT" ]; then
	begin "sources: book/sources-checked.md exists and book/README.md links it"
	[ -f book/sources-checked.md ] || fail "book/sources-checked.md is missing"
	grep -qF '](sources-checked.md)' book/README.md ||
		fail "book/README.md does not link sources-checked.md"
	end

	begin "sources: every row names its place, a versioned source file and a verdict; every chapter has rows"
	tools/sources-check.sh rows >"$TMP_DIR/sources" 2>&1 || fail "$(cat "$TMP_DIR/sources")"
	end

	begin "sources: no claim the list found false is back in book/, chapters/, common/, guest-asm/ or labs/"
	tools/sources-check.sh phrases >"$TMP_DIR/sources" 2>&1 || fail "$(cat "$TMP_DIR/sources")"
	end

	begin "sources checker: a bad row, a missing file, a stale place, a missing version or verdict fails"
	bad=$TMP_DIR/sources-bad.md
	for row in \
		'| a claim | `book/no-such-file.md` § Exercises | Linux v6.12 `virt/kvm/kvm_main.c` | true |' \
		'| a claim | `book/06-run.md` § A heading that is not there | Linux v6.12 `virt/kvm/kvm_main.c` | true |' \
		'| a claim | book/06-run.md | Linux v6.12 `virt/kvm/kvm_main.c` | true |' \
		'| a claim | `book/06-run.md` § Exercises | the kernel, `virt/kvm/kvm_main.c` | true |' \
		'| a claim | `book/06-run.md` § Exercises | Linux v6.12 kvm_main.c | true |' \
		'| a claim | `book/06-run.md` § Exercises | Linux v6.12 `virt/kvm/kvm_main.c` | probably |' \
		'| a claim | `book/06-run.md` § Exercises | Linux v6.12 `virt/kvm/kvm_main.c` |'; do
		{ cat book/sources-checked.md; echo; echo "$row"; } >"$bad"
		if tools/sources-check.sh rows "$bad" "$PWD" >"$TMP_DIR/sources" 2>&1; then
			fail "the checker passed a list with the row: $row"
		elif [ "$(wc -l <"$TMP_DIR/sources")" -ne 1 ]; then
			fail "for the row $row, expected one problem, got:
$(cat "$TMP_DIR/sources")"
		fi
	done
	grep -vF '`book/07-io-exits.md`' book/sources-checked.md >"$bad"
	tools/sources-check.sh rows "$bad" "$PWD" >"$TMP_DIR/sources" 2>&1 &&
		fail "the checker passed a list with no row for book/07-io-exits.md"
	grep -qF 'no row for book/07-io-exits.md' "$TMP_DIR/sources" ||
		fail "the checker did not name the chapter without rows: $(cat "$TMP_DIR/sources")"
	end

	begin "sources checker: a false phrase fails, wrapped across lines or in a C comment, and only there"
	tree=$TMP_DIR/sources-tree
	mkdir -p "$tree/book" "$tree/chapters/99-x"
	cp book/sources-checked.md "$tree/book/"
	printf 'Fine so far. Then, when the first\nVM is created, nothing.\n' >"$tree/book/99-x.md"
	printf '/* The argument is the machine type: 0, the\n * only one x86 has. */\nint x;\n' >"$tree/chapters/99-x/main.c"
	if tools/sources-check.sh phrases "$tree/book/sources-checked.md" "$tree" >"$TMP_DIR/sources" 2>&1; then
		fail "the checker passed a tree with two false phrases"
	fi
	grep -qF "book/99-x.md says 'when the first VM is created'" "$TMP_DIR/sources" ||
		fail "the wrapped phrase in book/99-x.md was not found: $(cat "$TMP_DIR/sources")"
	grep -qF "chapters/99-x/main.c says 'the only one x86 has'" "$TMP_DIR/sources" ||
		fail "the phrase in a C comment was not found: $(cat "$TMP_DIR/sources")"
	[ "$(wc -l <"$TMP_DIR/sources")" -eq 2 ] ||
		fail "expected exactly two problems, got: $(cat "$TMP_DIR/sources")"
	end
fi
