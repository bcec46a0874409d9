# kvm-steps: build the chapter programs, run them, test them.
#
#   make              build everything into build/
#   make run          the tour: every chapter in order (CH=NN for one)
#   make test         build from clean and run every test, twice: plain and
#                     under AddressSanitizer + UndefinedBehaviorSanitizer;
#                     the threaded chapters' tests a third time, under
#                     ThreadSanitizer
#   make diff CH=NN   what chapter NN adds over chapter NN-1
#   make book         rewrite the book's excerpts and outputs from the sources
#   make crosscheck   run the boot-sector guests under QEMU too, compare
#   make lab CH=NN    a student tree with chapter NN's stage cut out (labs/)
#   make grade CH=NN  chapter NN's graded tests, with points: Score: X/Y
#   make bench        time chapter 07 against the raw KVM floor and QEMU,
#                     chapter 09's MMIO writes against chapter 07's port I/O,
#                     one timer interrupt of chapter 10, end to end, and
#                     chapter 11's ticks against chapter 10's
#   make vm           a shell in the emulated AMD machine (kvm_amd under
#                     QEMU's TCG, no KVM needed here); CMD="..." runs one
#   make test-vm      every KVM test, both builds (and the threaded
#                     chapters' under ThreadSanitizer), in that machine
#   make clean        remove build/
#
# Builds are quiet: one short line per file ("CC build/obj/common/kvm.o");
# V=1 prints the full command lines.

CC ?= cc
NASM ?= nasm
BUILD ?= build

# SAN=1 builds a second tree with the sanitizers, for the test suite.
# TSAN=1 builds a third with ThreadSanitizer, for the chapters that run
# threads (make TSAN=1 threaded: those programs, the test guests and chapter
# 13's guest symbols only).
ifeq ($(SAN),1)
BUILD := build/san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
else ifeq ($(TSAN),1)
BUILD := build/tsan
SANFLAGS := -fsanitize=thread -fno-omit-frame-pointer
endif

CFLAGS ?= -O2 -g
WARNINGS := \
	-Wall \
	-Werror \
	-Wextra \
	-Wmissing-prototypes \
	-Wstrict-prototypes
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -pthread $(WARNINGS) $(CFLAGS) $(SANFLAGS) -Icommon -I$(BUILD)/gen
ALL_LDFLAGS := $(LDFLAGS) $(SANFLAGS) -pthread

# Quiet builds, as the kernel's: $(call say,CC,$@) prints "  CC      file"
# and hides the command that follows it on the same recipe line; make -s
# prints neither (the test for -s is the kernel's too).
ifeq ($(V),1)
say =
else ifneq ($(findstring s,$(firstword -$(MAKEFLAGS))),)
say = @
else
say = @printf '  %-7s %s\n' '$(1)' '$(2)';
endif

CHAPTERS := \
	01-open-kvm \
	02-create-vm \
	03-add-memory \
	04-create-vcpu \
	05-set-registers \
	06-run \
	07-io-exits \
	08-long-mode \
	09-mmio \
	10-interrupts \
	11-irqchip \
	12-smp \
	13-debug \
	14-migrate \
	15-linux

# The chapters whose programs run threads: make test runs their tests
# under ThreadSanitizer too (build/tsan).
THREADED_CHAPTERS := \
	12-smp \
	13-debug \
	14-migrate

COMMON := \
	bus \
	gdb \
	guest \
	io \
	irqchip \
	kvm \
	names \
	options \
	pc \
	pic \
	pit \
	run \
	serial \
	smp \
	snapshot \
	util \
	vga \
	virtio_mmio

# Guests built into the programs: guest-asm/{real,long,rom}/NAME.asm -> guest_NAME[].
EMBEDDED_GUESTS := \
	compute \
	count \
	debug \
	firmware \
	hello \
	hello64 \
	switch \
	smp \
	timer \
	uart

COMMON_OBJS := $(COMMON:%=$(BUILD)/obj/common/%.o)
PROGRAMS := $(CHAPTERS:%=$(BUILD)/bin/%)
GUEST_SRCS := $(sort $(wildcard guest-asm/real/*.asm guest-asm/long/*.asm guest-asm/rom/*.asm))
GUEST_BINS := $(GUEST_SRCS:guest-asm/%.asm=$(BUILD)/guests/%.bin)
GUEST_HEADERS := $(EMBEDDED_GUESTS:%=$(BUILD)/gen/guest_%.h)
# Chapter 13's guest's labels, for gdb (see the rule below).
DEBUG_SYMBOLS := $(BUILD)/guests/rom/debug.elf
TEST_GUEST_SRCS := $(sort $(wildcard tests/guests/*.asm))
TEST_GUEST_BINS := $(TEST_GUEST_SRCS:tests/guests/%.asm=$(BUILD)/tests/guests/%.bin)
UNIT_SRCS := $(sort $(wildcard tests/unit/*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/tests/unit/%)
# The descriptor-leak check (tests/cases/62-fds.sh) and its control, and
# the random-guest maker of make fuzz.
FDCHECK := $(BUILD)/tests/fdcheck.so $(BUILD)/tests/fdcheck-leaky
# Preloaded by lab 07's grader: a KVM_EXIT_IO whose data lies outside
# struct kvm_run, which the program must refuse.
BAD_EXIT_IO := $(BUILD)/tests/bad-exit-io.so
# Chapter 09's tests of a KVM that lacks a capability (tests/capless/).
CAPLESS := $(BUILD)/tests/capless.so
FUZZ_GEN := $(BUILD)/tests/fuzz-gen
# make fuzz FUZZ_PROGRAM=13-debug: packet streams into chapter 13's GDB
# stub, linked with common/gdb.o (and the sanitizers, in build/san).
FUZZ_GDB := $(BUILD)/tests/fuzz-gdb
# make fuzz FUZZ_PROGRAM=14-migrate: mutated snapshots into chapter 14's
# reader, linked with common/snapshot.o and util.o (the sanitizers too, in
# build/san).
FUZZ_SNAPSHOT := $(BUILD)/tests/fuzz-snapshot
# Chapter 14's tests make their bad snapshot files with it
# (tests/cases/59-migrate.sh): threaded builds it too, for build/tsan.
SNAPSHOT_EDIT := $(BUILD)/tests/snapshot-edit
# make bench: the raw floor program, the timer, the many-OUTs guest at two counts,
# chapter 09's write guests, chapter 10's tick guests and the kick timer of
# chapter 12.
BENCH_OUTS_COUNTS := 0 10000
# Chapter 10's timer guest: this many ticks at 1000 Hz.
BENCH_TICKS_COUNTS := 0 200
BENCH_BINS := $(BUILD)/bench/kick $(BUILD)/bench/raw $(BUILD)/bench/timeit \
	$(BENCH_OUTS_COUNTS:%=$(BUILD)/bench/guests/outs-%.bin) \
	$(BENCH_OUTS_COUNTS:%=$(BUILD)/bench/guests/mmio-doorbell-%.bin) \
	$(BENCH_OUTS_COUNTS:%=$(BUILD)/bench/guests/mmio-vga-%.bin) \
	$(BENCH_TICKS_COUNTS:%=$(BUILD)/bench/guests/ticks-busy-%.bin) \
	$(BENCH_TICKS_COUNTS:%=$(BUILD)/bench/guests/ticks-hlt-%.bin)

.PHONY: all clean crosscheck diff programs require run test threaded
.DEFAULT_GOAL := all
.SECONDARY:
.DELETE_ON_ERROR:

all: programs $(GUEST_BINS) $(DEBUG_SYMBOLS) $(TEST_GUEST_BINS) $(UNIT_BINS) $(BENCH_BINS) $(FDCHECK) $(FUZZ_GEN) \
	$(FUZZ_GDB) $(FUZZ_SNAPSHOT) $(SNAPSHOT_EDIT) $(BAD_EXIT_IO) $(CAPLESS)

programs: $(PROGRAMS)

threaded: $(THREADED_CHAPTERS:%=$(BUILD)/bin/%) $(DEBUG_SYMBOLS) $(TEST_GUEST_BINS) $(SNAPSHOT_EDIT)

# Installs nasm or gcc if they are missing, or says how to.
require:
	@tools/require.sh $(CC) $(NASM)

$(BUILD)/obj/common/%.o: common/%.c common/*.h | require
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/obj/chapters/%.o: chapters/%/main.c common/*.h $(GUEST_HEADERS) | require
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/bin/%: $(BUILD)/obj/chapters/%.o $(COMMON_OBJS)
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(ALL_LDFLAGS) -o $@ $^ -lm

$(BUILD)/guests/%.bin: guest-asm/%.asm | require
	@mkdir -p $(@D)
	$(call say,NASM,$@)$(NASM) -f bin -I$(<D)/ -o $@ $<

$(BUILD)/gen/guest_%.h: $(BUILD)/guests/real/%.bin
	@mkdir -p $(@D)
	$(call say,GEN,$@)tools/bin2c.sh guest_$* $< $@

$(BUILD)/gen/guest_%.h: $(BUILD)/guests/long/%.bin
	@mkdir -p $(@D)
	$(call say,GEN,$@)tools/bin2c.sh guest_$* $< $@

$(BUILD)/gen/guest_%.h: $(BUILD)/guests/rom/%.bin
	@mkdir -p $(@D)
	$(call say,GEN,$@)tools/bin2c.sh guest_$* $< $@

# Chapter 13's guest, again with its labels: nasm's map file (-dMAP) made
# into an ELF file of symbols at the same addresses (tools/gdb-symbols.sh),
# for gdb's "file build/guests/rom/debug.elf" and "break fib_loop".
$(DEBUG_SYMBOLS): guest-asm/rom/debug.asm tools/gdb-symbols.sh | require
	@mkdir -p $(@D)
	$(call say,SYMS,$@)$(NASM) -f bin -I$(<D)/ -dMAP=$(@:.elf=.map) -o $(@:.elf=.map.bin) $< && \
		tools/gdb-symbols.sh $(@:.elf=.map) $(@:.elf=.map.bin) $@

# Long-mode guests share guest-asm/long/lib64.inc.
$(filter $(BUILD)/guests/long/%,$(GUEST_BINS)): guest-asm/long/lib64.inc

$(BUILD)/tests/guests/%.bin: tests/guests/%.asm | require
	@mkdir -p $(@D)
	$(call say,NASM,$@)$(NASM) -f bin -I$(<D)/ -o $@ $<

$(BUILD)/tests/unit/%: tests/unit/%.c $(COMMON_OBJS) common/*.h
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(COMMON_OBJS) -lm

# test_long tests chapter 08's own code: it includes the chapter's main.c.
$(BUILD)/tests/unit/test_long: chapters/08-long-mode/main.c $(GUEST_HEADERS)
$(BUILD)/tests/unit/test_linux: chapters/15-linux/main.c

$(BUILD)/bench/raw: bench/raw.c $(BUILD)/gen/guest_hello.h | require
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $<

$(BUILD)/bench/kick: bench/kick.c | require
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $<

$(BUILD)/bench/timeit: bench/timeit.c | require
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $<

$(BUILD)/bench/guests/outs-%.bin: bench/guests/outs.asm | require
	@mkdir -p $(@D)
	$(call say,NASM,$@)$(NASM) -f bin -DCOUNT=$* -o $@ $<

# Chapter 09's: COUNT writes to the VGA screen, or to the virtio-mmio doorbell.
$(BUILD)/bench/guests/mmio-vga-%.bin: bench/guests/mmio.asm | require
	@mkdir -p $(@D)
	$(call say,NASM,$@)$(NASM) -f bin -DCOUNT=$* -o $@ $<

$(BUILD)/bench/guests/mmio-doorbell-%.bin: bench/guests/mmio.asm | require
	@mkdir -p $(@D)
	$(call say,NASM,$@)$(NASM) -f bin -DCOUNT=$* -DDOORBELL -o $@ $<

# Chapter 10's: COUNT timer interrupts, asleep in HLT or busy in a loop.
$(BUILD)/bench/guests/ticks-hlt-%.bin: bench/guests/ticks.asm | require
	@mkdir -p $(@D)
	$(call say,NASM,$@)$(NASM) -f bin -DCOUNT=$* -o $@ $<

$(BUILD)/bench/guests/ticks-busy-%.bin: bench/guests/ticks.asm | require
	@mkdir -p $(@D)
	$(call say,NASM,$@)$(NASM) -f bin -DCOUNT=$* -DBUSY -o $@ $<

# Built without the sanitizers: it is loaded into programs that may have them.
$(BUILD)/tests/fdcheck.so: tests/fdcheck/fdcheck.c | require
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) -std=c11 $(WARNINGS) $(CFLAGS) -fPIC -shared -o $@ $<

$(BAD_EXIT_IO): tests/shims/bad-exit-io.c | require
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) -std=c11 $(WARNINGS) $(CFLAGS) -fPIC -shared -o $@ $< -ldl

$(CAPLESS): tests/capless/capless.c | require
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) -std=c11 $(WARNINGS) $(CFLAGS) -fPIC -shared -o $@ $< -ldl

$(BUILD)/tests/fdcheck-leaky: tests/fdcheck/leaky.c | require
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) -std=c11 $(WARNINGS) $(CFLAGS) -o $@ $<

$(FUZZ_GEN): tests/fuzz/fuzz-gen.c | require
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) -std=c11 $(WARNINGS) $(CFLAGS) -o $@ $<

$(FUZZ_GDB): tests/fuzz/fuzz-gdb.c $(BUILD)/obj/common/gdb.o common/gdb.h
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< $(BUILD)/obj/common/gdb.o

$(FUZZ_SNAPSHOT): tests/fuzz/fuzz-snapshot.c $(BUILD)/obj/common/snapshot.o \
		$(BUILD)/obj/common/util.o common/snapshot.h common/util.h
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< \
		$(BUILD)/obj/common/snapshot.o $(BUILD)/obj/common/util.o

$(SNAPSHOT_EDIT): tests/snapshot-edit.c $(BUILD)/obj/common/snapshot.o \
		$(BUILD)/obj/common/util.o common/snapshot.h
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(ALL_CFLAGS) $(ALL_LDFLAGS) -o $@ $< \
		$(BUILD)/obj/common/snapshot.o $(BUILD)/obj/common/util.o

# make fuzz SEED=1 COUNT=10000 [FUZZ_TIMEOUT=0.2] [FUZZ_PROGRAM=08-long-mode]:
# random guests through the sanitized chapter 07 (or another); failures
# are kept in build/fuzz-failures/. FUZZ_PROGRAM=13-debug: COUNT packet
# streams into its GDB stub, and a few over its socket. FUZZ_PROGRAM=
# 14-migrate: COUNT mutated snapshots into its reader, and a few that pass
# it restored by the program.
SEED ?= 1
COUNT ?= 1000
FUZZ_TIMEOUT ?= 0.2
FUZZ_PROGRAM ?= 07-io-exits
.PHONY: fuzz
fuzz:
	@$(MAKE) --no-print-directory SAN=1 all
	@FUZZ_PROGRAM=$(FUZZ_PROGRAM) tools/fuzz.sh build/san $(SEED) $(COUNT) $(FUZZ_TIMEOUT)

# make valgrind: every chapter program under memcheck, zero errors.
.PHONY: valgrind
valgrind: all
	@tools/require.sh valgrind
	@tools/valgrind.sh $(BUILD)

# The tour. The chapter 07 guest asks a name: the tour answers for you
# (chapter 10's guest echoes the same line, by interrupt).
# The guests are built too, for the book's commands that run them.
RUN_INPUT ?= reader
run: programs $(GUEST_BINS) $(TEST_GUEST_BINS)
	@tools/tour.sh $(BUILD)/bin "$(RUN_INPUT)" $(CH)

# The sanitized trees are built after the plain tests ran, so the first
# results come as soon as the plain build is done. (Named through
# SAN_BUILD and TSAN_BUILD, not $(MAKE), on the line that runs the tests:
# make -n test must not run them.) build/tsan holds only the threaded
# chapters: tests/run.sh runs there only the test files that say so.
SAN_BUILD = $(MAKE) --no-print-directory SAN=1 all
TSAN_BUILD = $(MAKE) --no-print-directory TSAN=1 threaded
test:
	rm -rf build
	@$(MAKE) --no-print-directory all
	@tests/run.sh build "build/san:$(SAN_BUILD)" "build/tsan:$(TSAN_BUILD)"

diff:
	@tools/chapter-diff.sh $(if $(filter-out 0,$(FULL)),--full) $(CH)

# Chapter 15 boots Linux: Debian's kernel (fetched as the emulated AMD
# machine fetches it) and a busybox initramfs (tools/linux-initrd.sh), to a
# shell on the console; exit ends the run with the shell's status. Ctrl-A x
# ends it too. make linux-vm does it inside the emulated AMD machine (type
# Ctrl-A twice there: QEMU takes one). ARGS="--cpus 2" passes options.
.PHONY: linux linux-vm
linux: programs
	@tools/linux.sh $(BUILD)/bin $(ARGS)

linux-vm: programs
	@tools/vm.sh "tools/linux.sh build/bin $(ARGS)"

# The emulated AMD machine (tools/vm.sh, book appendix E): QEMU's TCG with
# -cpu max offers SVM, a Debian kernel there loads kvm_amd. Downloads are
# kept in .cache/vm/. make vm CMD="08-long-mode --break cs-d" runs one
# command there and exits with its status.
.PHONY: vm test-vm
vm: all
	@tools/vm.sh $${CMD:+"$$CMD"}

# The book's outputs marked output@kvm_amd, rewritten in the machine.
.PHONY: book-vm
book-vm: all
	@rm -rf .cache/vm/out && mkdir -p .cache/vm/out
	@VM_OUT=.cache/vm/out tools/vm.sh "BOOK_BACKEND_ONLY=1 tools/book.sh update && cp book/*.md /vm-out/"
	@for f in .cache/vm/out/*.md; do \
		cmp -s "$$f" "book/$${f##*/}" || { cp "$$f" book/ && echo "book: updated book/$${f##*/} (kvm_amd)"; }; \
	done

# VM_BUILDS names the trees to test there (default all three).
VM_BUILDS ?= build build/san build/tsan
test-vm:
	@$(MAKE) --no-print-directory all
	@$(if $(filter build/san,$(VM_BUILDS)),$(MAKE) --no-print-directory SAN=1 all)
	@$(if $(filter build/tsan,$(VM_BUILDS)),$(MAKE) --no-print-directory TSAN=1 threaded)
	@tools/test-vm.sh $(VM_BUILDS)

# The book's excerpts and shown outputs, taken again from the sources and
# the programs; make test fails when they drift (tests/cases/40-book.sh).
.PHONY: book
book: all
	@tools/book.sh update

crosscheck: all
	@tools/crosscheck.sh $(BUILD)

# Not a test: it takes a minute or two and prints numbers.
.PHONY: bench
bench: all
	@bench/bench.sh $(BUILD)

# Classroom labs (book/instructors.md, labs/):
#   make lab CH=NN [LAB=dir]   write dir/NN-name, chapter NN's stage cut out
#   make labs [LAB=dir]        one such tree per chapter
#   make grade CH=NN           the chapter's graded tests; EXTRAS=1 adds the
#                              graded extras, EXTRA=name grades one extra
#   make grade-class CH=NN CLASS=dir [OUT=file] [JOBS=n]   every student
#                              folder in dir, one table (CSV in OUT, default
#                              dir/grades-NN.csv), n folders at a time
LAB ?= lab
CLASS ?=
LAB_GOALS := $(filter lab grade grade-class,$(MAKECMDGOALS))
CHAPTER_NUMBERS := $(foreach c,$(CHAPTERS),$(firstword $(subst -, ,$(c))))
ifneq ($(LAB_GOALS),)
ifeq ($(filter $(CH),$(CHAPTER_NUMBERS) $(if $(filter lab,$(LAB_GOALS)),all)),)
$(error make $(firstword $(LAB_GOALS)): no chapter '$(CH)': give CH=NN with NN one of $(CHAPTER_NUMBERS))
endif
endif
LAB_ENV = LAB_CC="$(CC)" LAB_CFLAGS="$(filter-out -I%,$(ALL_CFLAGS))" \
	LAB_GEN="$(abspath $(BUILD)/gen)"

.PHONY: lab
lab: $(GUEST_HEADERS)
	@$(LAB_ENV) labs/lab.sh "$(LAB)" $(CH)

.PHONY: labs
labs: $(GUEST_HEADERS)
	@$(LAB_ENV) labs/lab.sh "$(LAB)" all

.PHONY: grade
grade:
	@labs/grade.sh $(if $(filter-out 0,$(EXTRAS)),--extras) \
		$(if $(EXTRA),--extra "$(EXTRA)") $(CH)

.PHONY: grade-class
grade-class:
	@test -n "$(CLASS)" || { echo "make grade-class: give CLASS=folder, the folder of student lab trees" >&2; exit 64; }
	@labs/grade-class.sh $(if $(filter-out 0,$(EXTRAS)),--extras) $(if $(JOBS),--jobs $(JOBS)) \
		--out "$(or $(OUT),$(CLASS)/grades-$(CH).csv)" $(CH) "$(CLASS)"/*/

clean:
	rm -rf build
