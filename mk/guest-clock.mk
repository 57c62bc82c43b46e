# kvmrt-guest-clock: a guest's chrony set-up for the host's clock through ptp_kvm
# (docs/clocks.md). It runs inside guests: no libvirt, only common/ and libxtrace.

GUEST_CLOCK := bin/kvmrt-guest-clock

$(GUEST_CLOCK): $(B)/kvmrt/kvmrt-guest-clock.o $(B)/common/tool.o $(B)/common/tool-log.o $(B)/common/sbuf.o \
		$(B)/common/rmtree.o $(LIB_A)
	@mkdir -p bin
	$(QUIET_LINK)$(CC) -o $@ $^ $(XT_LIBS)

EXTRA_BINS      += $(GUEST_CLOCK)
EXTRA_OBJS      += $(B)/kvmrt/kvmrt-guest-clock.o
