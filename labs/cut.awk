# cut.awk - replace each "// LAB BEGIN: what" ... "// LAB END" region of
# one chapter's main.c by a TODO comment and a call to lab_todo(), which
# compiles and stops the program at run time (see labs/lab.sh).
#
#   awk -v chapter=05 -v path=chapters/05-set-registers/main.c \
#       -v casts=CASTS [-v dump=DIR] -f labs/cut.awk main.c
#
# In common/, a stage that later chapters call as a helper is marked with
# its chapter's number, "// LAB BEGIN 05: what" ... "// LAB END": with
# -v from=NN only the regions of chapter NN and later are cut, the others
# kept as they are, and a file with nothing to cut is no error.
#
# The file CASTS lists "REGION NAME" lines: names the cut code used and nothing
# else does (a parameter, a local, a static helper), which get a (void)
# cast in region REGION (1 for the first cut) so -Werror's unused warnings
# stay quiet until the student uses them. With dump=DIR, the lines of cut
# region K are also written to DIR/region.K. Errors go to stderr, status 1.

function fail(msg) {
	printf("lab: %s:%d: %s\n", path, FNR, msg) > "/dev/stderr"
	failed = 1
	exit 1
}

# Words of text as lines of at most width characters, each prefixed.
function wrap(text, width, first, rest,    n, w, i, line, out, prefix) {
	n = split(text, w, /[ \t]+/)
	out = ""
	line = ""
	prefix = first
	for (i = 1; i <= n; i++) {
		if (w[i] == "")
			continue
		if (line != "" && length(prefix line " " w[i]) > width) {
			out = out prefix line "\n"
			prefix = rest
			line = w[i]
		} else {
			line = line == "" ? w[i] : line " " w[i]
		}
	}
	return out prefix line
}

# A C string literal holding s, split into adjacent literals over lines.
function cstring(s, indent,    n, w, i, line, out) {
	gsub(/\\/, "\\\\", s)
	gsub(/"/, "\\\"", s)
	n = split(s, w, / /)
	out = ""
	line = ""
	for (i = 1; i <= n; i++) {
		if (line != "" && length(line " " w[i]) > 56) {
			out = out "\"" line " \"\n" indent
			line = w[i]
		} else {
			line = line == "" ? w[i] : line " " w[i]
		}
	}
	return out "\"" line "\""
}

BEGIN {
	while ((getline line < casts) > 0) {
		split(line, f, / /)
		cast[f[1]] = cast[f[1]] "(void)" f[2] "; "
	}
}

# The function being read: its name, from a definition at column 0.
/^[A-Za-z_][^;]*\(/ && !/;[ \t]*$/ {
	s = $0
	sub(/\(.*/, "", s)
	n = split(s, w, /[^A-Za-z0-9_]+/)
	func_name = w[n]
}

/^[ \t]*\/\/ LAB BEGIN( [0-9][0-9])?:/ {
	if (inside)
		fail("LAB BEGIN inside another LAB region (no LAB END before it)")
	inside = 1
	# Whose stage: the marker's number, else this chapter's.
	owner = chapter
	if (match($0, /LAB BEGIN [0-9][0-9]:/))
		owner = substr($0, RSTART + 10, 2)
	if (from != "" && owner < from) {
		keep = 1 # an earlier chapter's stage: stays as it is
		print
		next
	}
	keep = 0
	region++
	indent = $0
	sub(/[^ \t].*/, "", indent)
	what = $0
	sub(/^[ \t]*\/\/ LAB BEGIN( [0-9][0-9])?:[ \t]*/, "", what)
	sub(/[ \t]+$/, "", what)
	if (what == "")
		fail("LAB BEGIN says nothing about what to write")
	where = func_name "() in " path
	note = what
	gsub(/\*\//, "* /", note)
	print indent "/* TODO (chapter " owner " lab): write this stage here."
	print wrap(note, 76, indent " * ", indent " * ")
	print indent " * Then delete the lab_todo() call below, which stops the program"
	print indent " * here until you do. Check your work with: make grade CH=" owner " */"
	if (region in cast) {
		print indent "/* Names for your code to use; the casts only keep the compiler"
		print indent " * quiet about them until it does. */"
		c = cast[region]
		sub(/ $/, "", c)
		print indent c
	}
	print indent "lab_todo(\"" owner "\", " cstring(where, indent "         ") ","
	print indent "         " cstring(what, indent "         ") ");"
	next
}

/^[ \t]*\/\/ LAB END[ \t]*$/ {
	if (!inside)
		fail("LAB END without a LAB BEGIN before it")
	inside = 0
	if (keep)
		print
	next
}

/\/\/ LAB (BEGIN|END)/ {
	fail("malformed LAB marker (want \"// LAB BEGIN: what to write\" or \"// LAB END\")")
}

inside && !keep && dump != "" {
	print > (dump "/region." region)
}

!inside || keep {
	print
}

END {
	if (failed)
		exit 1
	if (inside)
		fail("LAB BEGIN without a LAB END")
	if (region == 0 && from == "")
		fail("no \"// LAB BEGIN: what to write\" marker: nothing to cut")
}
