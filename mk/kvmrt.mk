# kvmrt: KVM-RT host configuration tools and host inspection commands
# (docs/kvmrt.md). A static library build/kvmrt/libkvmrt.a and one thin main
# per program; CUnit tests in tests/kvmrt -> build/tests/unit/kvmrt-unit.

# The top Makefile's "all" comes after the mk/*.mk files: keep it the default.
.DEFAULT_GOAL := all

KVMRT_PKGS    := libvirt libxml-2.0 inih
KVMRT_CFLAGS  := $(shell $(PKG_CONFIG) --cflags $(KVMRT_PKGS) 2>/dev/null || \
		   echo -I/usr/include/libxml2)
KVMRT_LIBS    := $(shell $(PKG_CONFIG) --libs $(KVMRT_PKGS) 2>/dev/null || \
		   echo -lvirt -lxml2 -linih)

KVMRT_LIB_OBJS := $(B)/common/sbuf.o $(addprefix $(B)/kvmrt/, util.o config.o topology.o placement.o \
		  validate.o domxml.o virt.o hostinfo.o hostcheck.o shield.o kvmrt-tool.o \
		  cpuset.o passthrough.o)
KVMRT_A        := $(B)/kvmrt/libkvmrt.a

KVMRT_PROGS := kvmrt-validate-config kvmrt-show-config kvmrt-import kvmrt-sync-config \
	       kvmrt-edit-config kvmrt-validate-host kvmrt-stat kvmrt-boot kvmrt-shutdown cpu-topology \
	       irq-affinity task-affinity
KVMRT_BINS  := $(addprefix bin/, $(KVMRT_PROGS))
KVMRT_MAIN_OBJS := $(addprefix $(B)/kvmrt/, $(addsuffix .o, $(KVMRT_PROGS)))

KVMRT_UNIT_OBJS := $(addprefix $(B)/tests/kvmrt/, main.o test-idset.o test-config.o \
		   test-topology.o test-validate.o test-domxml.o test-virt.o test-hostinfo.o test-hostcheck.o test-shield.o \
		   test-guide14.o \
		   sysfs-gen.o) $(B)/tests/cunit/tu.o $(B)/common/rmtree.o $(B)/common/tool.o
KVMRT_UNIT      := $(B)/tests/unit/kvmrt-unit
KVMRT_HELPERS   := $(B)/tests/kvmrt/virt-helper $(B)/tests/kvmrt/mksysfs

$(B)/kvmrt/%.o $(B)/tests/kvmrt/%.o: XT_CFLAGS += -Ikvmrt $(KVMRT_CFLAGS)
$(B)/tests/kvmrt/%.o: XT_CFLAGS += -DKVMRT_TEST_DIR='"$(CURDIR)/tests/kvmrt"'

$(KVMRT_A): $(KVMRT_LIB_OBJS)
	@mkdir -p $(dir $@)
	$(QUIET_AR)rm -f $@ && $(AR) rcs $@ $^

$(KVMRT_BINS): bin/%: $(B)/kvmrt/%.o $(KVMRT_A) $(LIB_A) $(B)/common/tool.o
	@mkdir -p bin
	$(QUIET_LINK)$(CC) -o $@ $^ $(KVMRT_LIBS)

$(KVMRT_UNIT): $(KVMRT_UNIT_OBJS) $(KVMRT_A) $(LIB_A)
	@mkdir -p $(dir $@)
	$(QUIET_LINK)$(CC) -o $@ $^ $(KVMRT_LIBS) $(CUNIT_LIBS)

$(B)/tests/kvmrt/virt-helper: %: %.o $(KVMRT_A) $(LIB_A)
	$(QUIET_LINK)$(CC) -o $@ $^ $(KVMRT_LIBS)

$(B)/tests/kvmrt/mksysfs: %: %.o $(B)/tests/kvmrt/sysfs-gen.o
	$(QUIET_LINK)$(CC) -o $@ $^

# the kvmrt systemd service, its programs under the prefix of make install
SYSTEMD_UNITDIR ?= $(prefix)/lib/systemd/system

install: install-kvmrt
install-kvmrt: kvmrt/kvmrt.service.in
	install -d $(DESTDIR)$(SYSTEMD_UNITDIR)
	sed -e 's|@PREFIX@|$(prefix)|g' $< > $(DESTDIR)$(SYSTEMD_UNITDIR)/kvmrt.service

kvmrt: $(KVMRT_BINS)
kvmrt-check: $(KVMRT_BINS) $(KVMRT_UNIT) $(KVMRT_HELPERS)

EXTRA_BINS       += $(KVMRT_BINS)
EXTRA_CHECK      += $(KVMRT_UNIT) $(KVMRT_HELPERS)
EXTRA_DEPS_BUILD += libvirt-dev libxml2-dev libinih-dev pkg-config
EXTRA_DEPS_TEST  += libxml2-utils util-linux libvirt-daemon libvirt-daemon-driver-qemu \
		    qemu-system-x86 systemd
EXTRA_OBJS       += $(KVMRT_LIB_OBJS) $(KVMRT_MAIN_OBJS) $(KVMRT_UNIT_OBJS) \
		    $(addsuffix .o, $(KVMRT_HELPERS))

.PHONY: kvmrt kvmrt-check install-kvmrt
