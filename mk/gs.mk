# kvmrt-gs: the KVM-RT guest services (docs/guest-services.md). The guest library
# lib/libkvmrt_gs.{a,so} (header kvmrt-gs/kvmrt_gs.h, lib/kvmrt_gs.pc), the guest command
# bin/kvmrt-gs, the host agent bin/kvmrt-gsd (systemd unit kvmrt-gs/kvmrt-gsd.service); CUnit
# tests build/tests/unit/gs-unit, a libFuzzer harness build/fuzz/fuzz-gs, the sample
# build/samples/gs-sample and the bench program build/bench/gs-bench.
.DEFAULT_GOAL := all

GS_VERSION  := 1.0.0
GS_LIB_OBJS := $(B)/kvmrt-gs/gs-proto.o $(B)/kvmrt-gs/libkvmrt_gs.o
GS_A        := lib/libkvmrt_gs.a
GS_SO       := lib/libkvmrt_gs.so.$(GS_VERSION)
GS_PC       := lib/kvmrt_gs.pc
GS_BINS     := bin/kvmrt-gs bin/kvmrt-gsd
GS_UNIT     := $(B)/tests/unit/gs-unit
GS_FUZZ     := $(B)/fuzz/fuzz-gs
GS_SAMPLE   := $(B)/samples/gs-sample
GS_BENCH    := $(B)/bench/gs-bench
GS_UNIT_OBJS := $(B)/tests/gs/test-gs.o $(B)/tests/cunit/tu.o $(B)/kvmrt-gs/gs-host.o

$(B)/kvmrt-gs/%.o $(B)/tests/gs/%.o $(B)/samples/gs-sample.o $(B)/bench/gs-bench.o: \
	XT_CFLAGS += -Ikvmrt-gs -Ikvmrt
# the configuration's guest_services attribute (kvmrt/config.c) parses with gs-proto
$(B)/kvmrt/config.o $(B)/kvmrt/validate.o $(B)/kvmrt/domxml.o: XT_CFLAGS += -Ikvmrt-gs
$(B)/kvmrt/libkvmrt.a: $(B)/kvmrt-gs/gs-proto.o

$(GS_A): $(GS_LIB_OBJS)
	@mkdir -p lib
	$(QUIET_AR)rm -f $@ && $(AR) rcs $@ $^

$(GS_SO): $(GS_LIB_OBJS)
	@mkdir -p lib
	$(QUIET_LINK)$(CC) -shared -Wl,-soname,libkvmrt_gs.so.1 -o $@ $^ -lpthread
	$(Q)ln -sf libkvmrt_gs.so.$(GS_VERSION) lib/libkvmrt_gs.so.1 && \
		ln -sf libkvmrt_gs.so.1 lib/libkvmrt_gs.so

$(GS_PC): kvmrt-gs/kvmrt_gs.pc.in mk/gs.mk
	@mkdir -p lib
	$(QUIET_GEN)sed -e 's|@PREFIX@|$(prefix)|; s|@VERSION@|$(GS_VERSION)|' $< > $@

# the guest's command: the library and the messages, nothing of libxtrace's dependencies
bin/kvmrt-gs: $(B)/kvmrt-gs/kvmrt-gs.o $(GS_A) $(B)/common/tool.o
	@mkdir -p bin
	$(QUIET_LINK)$(CC) -o $@ $^ -lpthread

bin/kvmrt-gsd: $(B)/kvmrt-gs/kvmrt-gsd.o $(B)/kvmrt-gs/gs-host.o $(B)/kvmrt/libkvmrt.a $(TOOL_OBJS) $(LIB_A)
	@mkdir -p bin
	$(QUIET_LINK)$(CC) -o $@ $^ $(KVMRT_LIBS) $(XT_LIBS)

$(GS_UNIT): $(GS_UNIT_OBJS) $(GS_A) $(LIB_A)
	@mkdir -p $(dir $@)
	$(QUIET_LINK)$(CC) -o $@ $^ $(XT_LIBS) $(CUNIT_LIBS)

$(GS_SAMPLE) $(GS_BENCH): %: %.o $(GS_A)
	$(QUIET_LINK)$(CC) -o $@ $^ -lpthread

# the wire protocol under libFuzzer (tests/fuzz/fuzz-gs.c); t-gs-fuzz.sh runs it bounded
$(B)/fuzz/kvmrt-gs/%.o $(B)/fuzz/tests/fuzz/fuzz-gs.o: FUZZ_CFLAGS += -Ikvmrt-gs
$(GS_FUZZ): $(B)/fuzz/tests/fuzz/fuzz-gs.o $(B)/fuzz/kvmrt-gs/gs-proto.o
	$(QUIET_LINK)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^

gs: $(GS_BINS) $(GS_SO) $(GS_A) $(GS_PC)
gs-install: $(GS_BINS) $(GS_SO) $(GS_A) $(GS_PC)
	install -d $(DESTDIR)$(prefix)/bin $(DESTDIR)$(prefix)/lib/pkgconfig \
		$(DESTDIR)$(prefix)/include $(DESTDIR)$(prefix)/lib/systemd/system
	install -m 755 $(GS_SO) $(DESTDIR)$(prefix)/lib/
	install -m 644 $(GS_A) $(DESTDIR)$(prefix)/lib/
	ln -sf libkvmrt_gs.so.$(GS_VERSION) $(DESTDIR)$(prefix)/lib/libkvmrt_gs.so.1
	ln -sf libkvmrt_gs.so.1 $(DESTDIR)$(prefix)/lib/libkvmrt_gs.so
	install -m 644 kvmrt-gs/kvmrt_gs.h $(DESTDIR)$(prefix)/include/
	sed -e 's|@PREFIX@|$(prefix)|; s|@VERSION@|$(GS_VERSION)|' kvmrt-gs/kvmrt_gs.pc.in \
		> $(DESTDIR)$(prefix)/lib/pkgconfig/kvmrt_gs.pc
	sed -e 's|@PREFIX@|$(prefix)|g' \
		kvmrt-gs/kvmrt-gsd.service > $(DESTDIR)$(prefix)/lib/systemd/system/kvmrt-gsd.service
	chmod 644 $(DESTDIR)$(prefix)/lib/systemd/system/kvmrt-gsd.service
install: gs-install

all: $(GS_SO) $(GS_A) $(GS_PC) $(GS_SAMPLE)
EXTRA_BINS  += $(GS_BINS)
EXTRA_CHECK += $(GS_UNIT) $(GS_FUZZ) $(GS_BENCH)
EXTRA_OBJS  += $(GS_LIB_OBJS) $(B)/kvmrt-gs/kvmrt-gs.o $(B)/kvmrt-gs/kvmrt-gsd.o $(GS_UNIT_OBJS) \
	       $(GS_SAMPLE).o $(GS_BENCH).o $(B)/fuzz/tests/fuzz/fuzz-gs.o $(B)/fuzz/kvmrt-gs/gs-proto.o

.PHONY: gs gs-install
