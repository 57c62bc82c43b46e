// SPDX-License-Identifier: GPL-2.0
/*
 * gs-bench: the guest services' figures, run in a guest (bench/gs-bench.sh boots the TCG
 * guest for it): the round trip of kvmrt_gs_ping() and the time from kvmrt_gs_xtrace_flush(2)
 * until it returns, which is when the host's recorders have saved their buffers (the host
 * agent answers after their flush) and the guest's own have too. Median and p99 of N calls.
 *
 *   gs-bench [N [ping]]  prints "ping N median_us p99_us" and (without "ping")
 *                        "flush2 N median_us p99_us"
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kvmrt_gs.h"

static double now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int measure(const char *what, int n, double *t)
{
	int failed = 0;

	for (int i = 0; i < n; i++) {
		double t0 = now_us();
		long ret = !strcmp(what, "ping") ? kvmrt_gs_ping(i) :
			   kvmrt_gs_xtrace_flush(KVMRT_GS_XTRACE_CPU_ALL);

		t[i] = now_us() - t0;
		if (ret && failed++ < 3)
			fprintf(stderr, "gs-bench: %s %d: %s (%s)\n", what, i, strerror(-ret),
				kvmrt_gs_last_error());
	}
	qsort(t, n, sizeof(*t), cmp);
	printf("%s %d %.1f %.1f%s\n", what, n, t[n / 2], t[(int)(n * 0.99)],
	       failed ? " (some failed)" : "");
	return failed;
}

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 1000;
	double *t;
	int failed;

	if (n < 1 || !(t = calloc(n, sizeof(*t))))
		return 2;
	if (!kvmrt_gs_ping_available() || !kvmrt_gs_xtrace_flush_available()) {
		fprintf(stderr, "gs-bench: ping or xtrace_flush not available: %s\n",
			kvmrt_gs_last_error());
		return 1;
	}
	failed = measure("ping", n, t);
	if (argc <= 2 || strcmp(argv[2], "ping"))
		failed += measure("flush2", n, t);
	free(t);
	return failed ? 1 : 0;
}
