# xtrace: one build for everything.  make [V=1] | install [PREFIX=… DESTDIR=…] |
# deps | check | check-mem | check-asan | fuzz [FUZZ_SECONDS=…] | bench | clean
VERSION    := 0.1.0
PREFIX     ?= /usr/local
prefix     ?= $(PREFIX)
DESTDIR    ?=
CC         ?= cc
CFLAGS     ?= -O2 -g
WERROR     ?= -Werror
PKG_CONFIG ?= pkg-config

.DEFAULT_GOAL := all

ifndef V
Q          := @
QUIET_CC    = @echo '   CC     $@';
QUIET_LINK  = @echo '   LINK   $@';
QUIET_AR    = @echo '   AR     $@';
QUIET_GEN   = @echo '   GEN    $@';
endif

PKGS        := libtracefs libtraceevent libzstd libssh zlib
PKG_CFLAGS  := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS    := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null || echo -ltracefs -ltraceevent -lzstd -lssh -lz)
CUNIT_LIBS  := $(shell $(PKG_CONFIG) --libs cunit 2>/dev/null || echo -lcunit)

XT_CFLAGS   := -std=gnu11 -D_GNU_SOURCE -Wall -Wextra $(WERROR) -fPIC -fvisibility=default \
	       -Ilibxtrace/include -Ilibxtrace -Icommon -Itests/cunit -Ibuild $(PKG_CFLAGS) -MMD -MP $(CFLAGS)
XT_LIBS     := $(PKG_LIBS) -lpthread

B := build
NPROC := $(shell nproc 2>/dev/null || echo 2)	# make check builds with this many jobs

# Every .c file of a program's folder is part of it; add files without touching this.
objs_of   = $(patsubst %.c,$(B)/%.o,$(sort $(wildcard $(1)/*.c)))
# common/: the string builder and the recursive remove, shared with libkvmrt and the tests
LIB_OBJS := $(call objs_of,libxtrace) $(B)/common/sbuf.o $(B)/common/rmtree.o
LIB_A    := lib/libxtrace.a
LIB_SO   := lib/libxtrace.so.$(VERSION)

PROGS    := xtrace-run xtrace-ctl xtrace-multi-merge xtrace-view xtrace-probe
BINS     := $(addprefix bin/, $(PROGS))

TOOL_OBJS := $(B)/common/tool.o $(B)/common/tool-log.o $(B)/common/tool-ssh.o
$(foreach p,$(PROGS),$(eval $(p)_OBJS := $(call objs_of,$(p)) $(TOOL_OBJS)))

UNIT_OBJS := $(call objs_of,tests/unit) $(B)/tests/cunit/tu.o	# tu.c: both unit binaries' runner
UNIT_BIN  := $(B)/tests/unit/xtrace-unit

HELPERS   := $(addprefix $(B)/tests/helpers/, syscall-burst clock-touch)
SAMPLES   := $(addprefix $(B)/samples/, count-events)
GEN       := $(B)/tests/helpers/gen-recording	# recordings in the on-disk format (bench, tests)

ALL_OBJS := $(LIB_OBJS) $(sort $(foreach p,$(PROGS),$($(p)_OBJS))) $(UNIT_OBJS) \
	    $(addsuffix .o,$(HELPERS) $(SAMPLES) $(GEN))

# Components beside xtrace add themselves here (mk/*.mk): programs to build and install
# (EXTRA_BINS), test binaries and helpers (EXTRA_CHECK; unit binaries named
# build/tests/unit/*-unit are run by tests/run-all.sh), Debian packages (EXTRA_DEPS_BUILD,
# EXTRA_DEPS_TEST) and objects whose dependency files to read (EXTRA_OBJS).
EXTRA_BINS       :=
EXTRA_CHECK      :=
EXTRA_DEPS_BUILD :=
EXTRA_DEPS_TEST  :=
EXTRA_OBJS       :=
include $(wildcard mk/*.mk)
ALL_OBJS += $(EXTRA_OBJS)

all: $(BINS) $(LIB_SO) lib/xtrace.pc $(SAMPLES) $(EXTRA_BINS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(CC) $(XT_CFLAGS) -c -o $@ $<

# System call names of the build architecture (recorded into each recording).
$(B)/syscalls-table.h:
	@mkdir -p $(B)
	$(QUIET_GEN)echo '#include <sys/syscall.h>' | $(CC) -dM -E - | \
		awk '$$1 == "#define" && $$2 ~ /^__NR_/ && $$3 ~ /^[0-9]+$$/ \
		{ sub("__NR_", "", $$2); printf "\t[%s] = \"%s\",\n", $$3, $$2 }' > $@.tmp && mv $@.tmp $@
$(B)/libxtrace/syscalls.o: $(B)/syscalls-table.h

$(LIB_A): $(LIB_OBJS)
	@mkdir -p lib
	$(QUIET_AR)rm -f $@ && $(AR) rcs $@ $^

$(LIB_SO): $(LIB_OBJS)
	@mkdir -p lib
	$(QUIET_LINK)$(CC) -shared -Wl,-soname,libxtrace.so.0 -o $@ $^ $(XT_LIBS)
	$(Q)ln -sf libxtrace.so.$(VERSION) lib/libxtrace.so.0 && ln -sf libxtrace.so.0 lib/libxtrace.so

lib/xtrace.pc: libxtrace/xtrace.pc.in Makefile
	@mkdir -p lib
	$(QUIET_GEN)sed -e 's|@PREFIX@|$(prefix)|; s|@VERSION@|$(VERSION)|' $< > $@

.SECONDEXPANSION:
$(BINS): bin/%: $$(%_OBJS) $(LIB_A)
	@mkdir -p bin
	$(QUIET_LINK)$(CC) -o $@ $^ $(XT_LIBS)

$(UNIT_BIN): $(UNIT_OBJS) $(LIB_A)
	$(QUIET_LINK)$(CC) -o $@ $^ $(XT_LIBS) $(CUNIT_LIBS)

$(HELPERS): %: %.o
	$(QUIET_LINK)$(CC) -o $@ $^

$(SAMPLES) $(GEN): %: %.o $(LIB_A)
	$(QUIET_LINK)$(CC) -o $@ $^ $(XT_LIBS)

# ---------------------------------------------------------------- install
install: all
	install -d $(DESTDIR)$(prefix)/bin $(DESTDIR)$(prefix)/lib/pkgconfig \
		$(DESTDIR)$(prefix)/include
	install -m 755 $(BINS) $(EXTRA_BINS) $(DESTDIR)$(prefix)/bin/
	install -m 644 $(LIB_A) $(DESTDIR)$(prefix)/lib/
	install -m 755 $(LIB_SO) $(DESTDIR)$(prefix)/lib/
	ln -sf libxtrace.so.$(VERSION) $(DESTDIR)$(prefix)/lib/libxtrace.so.0
	ln -sf libxtrace.so.0 $(DESTDIR)$(prefix)/lib/libxtrace.so
	install -m 644 libxtrace/include/xtrace.h libxtrace/include/xtrace-remote.h \
		$(DESTDIR)$(prefix)/include/
	sed -e 's|@PREFIX@|$(prefix)|; s|@VERSION@|$(VERSION)|' libxtrace/xtrace.pc.in \
		> $(DESTDIR)$(prefix)/lib/pkgconfig/xtrace.pc

# ---------------------------------------------------------------- deps
# Debian packages the build, the tests and the benchmarks need. A no-op when present.
DEPS_BUILD := gcc make pkg-config libtraceevent-dev libtracefs-dev libzstd-dev libssh-dev \
	      libcunit1-dev libinih-dev zlib1g-dev
DEPS_TEST  := valgrind zstd util-linux procps strace chrony openssh-server openssh-client \
	      chromium dropbear-bin clang trace-cmd
DEPS_BENCH := trace-cmd linux-perf
deps:
	$(Q)scripts/deps.sh $(DEPS_BUILD) $(DEPS_TEST) $(EXTRA_DEPS_BUILD) $(EXTRA_DEPS_TEST)
deps-bench:
	$(Q)scripts/deps.sh $(DEPS_BENCH)

# ---------------------------------------------------------------- tests
# every test: tests/run-all.sh, then the tests that boot the QEMU test guest (tests/vm/)
check: deps
	$(Q)$(MAKE) --no-print-directory -j$(NPROC) check-build
	$(Q)rc=0; tests/run-all.sh || rc=1; echo; tests/vm/run-vm-tests.sh || rc=1; exit $$rc

# everything the tests run
check-build: all $(UNIT_BIN) $(HELPERS) $(GEN) fuzz-build $(EXTRA_CHECK)

check-unit: all $(UNIT_BIN) $(EXTRA_CHECK)
	$(Q)for u in $(B)/tests/unit/*-unit; do $$u || exit 1; done

check-mem: deps
	$(Q)$(MAKE) --no-print-directory check-build
	$(Q)XTRACE_VALGRIND=1 tests/run-all.sh

# the tests on an ASan + UBSan build of HEAD, in a temporary clone (scripts/check-asan.sh)
check-asan: deps
	$(Q)scripts/check-asan.sh

# ---------------------------------------------------------------- fuzzing
# libFuzzer harnesses (tests/fuzz/): the library built again by clang, with ASan, UBSan and
# coverage, into build/fuzz/. make check runs each for a few seconds (tests/integration/
# t-fuzz.sh); make fuzz runs each for FUZZ_SECONDS, its corpus kept in build/fuzz/corpus/.
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 3600
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
		-fno-omit-frame-pointer
FUZZ_CFLAGS  := -std=gnu11 -D_GNU_SOURCE -Wall -Wextra $(WERROR) -g -O1 $(FUZZ_SAN) \
		-Ilibxtrace/include -Ilibxtrace -Icommon -Ibuild -Itests/fuzz $(PKG_CFLAGS) -MMD -MP
FUZZ_DATA    := -DXT_FUZZ_DATA='"$(CURDIR)/tests/data/kvm-svm"'
FUZZ_NAMES   := meta formats stream order tracedat
FUZZ_BINS    := $(addprefix $(B)/fuzz/fuzz-,$(FUZZ_NAMES))
FUZZ_OBJS    := $(patsubst $(B)/%,$(B)/fuzz/%,$(LIB_OBJS)) $(B)/fuzz/tests/fuzz/fuzz-common.o
SEEDS        := $(B)/tests/fuzz/mkseeds	# the seed corpus, from recordings (normal build)

$(B)/fuzz/%.o: %.c
	@mkdir -p $(dir $@)
	$(QUIET_CC)$(FUZZ_CC) $(FUZZ_CFLAGS) $(FUZZ_DATA) -fsanitize=fuzzer-no-link -c -o $@ $<
$(B)/fuzz/libxtrace/syscalls.o: $(B)/syscalls-table.h

$(FUZZ_BINS): $(B)/fuzz/fuzz-%: $(B)/fuzz/tests/fuzz/fuzz-%.o $(FUZZ_OBJS)
	$(QUIET_LINK)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ $(XT_LIBS)

$(B)/tests/fuzz/%.o: XT_CFLAGS += -Itests/fuzz $(FUZZ_DATA)
$(SEEDS): $(B)/tests/fuzz/mkseeds.o $(B)/tests/fuzz/fuzz-common.o $(LIB_A)
	$(QUIET_LINK)$(CC) -o $@ $^ $(XT_LIBS)

fuzz-build: $(FUZZ_BINS) $(SEEDS) $(GEN)

fuzz: deps
	$(Q)$(MAKE) --no-print-directory fuzz-build
	$(Q)FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $(B)/fuzz/corpus

ALL_OBJS += $(FUZZ_OBJS) $(addprefix $(B)/fuzz/tests/fuzz/fuzz-,$(addsuffix .o,$(FUZZ_NAMES))) \
	    $(B)/tests/fuzz/mkseeds.o $(B)/tests/fuzz/fuzz-common.o

# The README's main job: a host and a QEMU TCG guest, a missed deadline in the guest, both
# systems' buffers of that moment in one view (samples/demo-guest.sh). Where QEMU cannot run
# the guest, the loopback demo instead (systems that share this kernel: samples/demo.sh).
demo: deps
	$(Q)$(MAKE) --no-print-directory all $(VM_TINY)
	$(Q)samples/demo-guest.sh; rc=$$?; [ $$rc != 3 ] && exit $$rc; \
		echo "== QEMU cannot run here: the loopback demo instead (make demo-loopback)"; \
		samples/demo.sh

demo-loopback: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)samples/demo.sh

bench: deps deps-bench all $(GEN)
	$(Q)bench/run.sh

clean:
	rm -rf $(B) bin lib tests/out demo-out

-include $(ALL_OBJS:.o=.d)

.PHONY: all install deps deps-bench check check-build check-unit check-mem check-asan demo \
	demo-loopback bench \
	clean fuzz fuzz-build
