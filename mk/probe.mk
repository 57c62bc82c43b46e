# xtrace-probe (a program of PROGS in the Makefile): its tests compare it with Debian's
# cyclictest (tests/integration/t-probe.sh); bench/perturbation.sh runs it under a load.
EXTRA_DEPS_TEST += rt-tests

# in a guest, a miss also flushes the host through guest services (kvmrt-gs/, mk/gs.mk)
$(B)/xtrace-probe/%.o: XT_CFLAGS += -Ikvmrt-gs
xtrace-probe_OBJS += $(GS_A)
