# xtrace-probe (a program of PROGS in the Makefile): its tests compare it with Debian's
# cyclictest (tests/integration/t-probe.sh); bench/perturbation.sh runs it under a load.
EXTRA_DEPS_TEST += rt-tests
