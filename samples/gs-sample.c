// SPDX-License-Identifier: GPL-2.0
/*
 * gs-sample: the guide's use of the KVM-RT guest services from a guest application. It
 * checks what the host offers, pings it with a cookie, and when a "deadline" is missed
 * (here: a cycle longer than its budget) logs a message on the host and flushes both
 * systems' xtrace buffers so the moment is saved on each side.
 *
 *   gs-sample [CYCLES [BUDGET_US]]    build: cc gs-sample.c $(pkg-config --cflags --libs kvmrt_gs)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <kvmrt_gs.h>

static long long now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

int main(int argc, char **argv)
{
	int cycles = argc > 1 ? atoi(argv[1]) : 10;
	long long budget = argc > 2 ? atoll(argv[2]) : 1000;
	char msg[128];

	if (!kvmrt_gs_available()) {
		fprintf(stderr, "gs-sample: KVM-RT guest services are not available\n");
		return 1;
	}
	printf("ping %s, log_msg %s, xtrace_flush %s, xtrace_log_data %s\n",
	       kvmrt_gs_ping_available() ? "yes" : "no",
	       kvmrt_gs_log_msg_available() ? "yes" : "no",
	       kvmrt_gs_xtrace_flush_available() ? "yes" : "no",
	       kvmrt_gs_xtrace_log_data_available() ? "yes" : "no");
	for (int i = 0; i < cycles; i++) {
		long long t0 = now_us(), took;
		long ret;

		/* the cycle's work: here a ping whose cookie is the cycle's number */
		if (kvmrt_gs_ping_available()) {
			ret = kvmrt_gs_ping(i);
			if (ret)
				fprintf(stderr, "gs-sample: ping %d: %s\n", i, strerror(-ret));
		}
		took = now_us() - t0;
		if (took <= budget)
			continue;
		/* a missed deadline: say so on the host, keep both systems' traces of it */
		snprintf(msg, sizeof(msg), "gs-sample: cycle %d took %lld us (budget %lld)", i,
			 took, budget);
		if (kvmrt_gs_xtrace_log_data_available())
			kvmrt_gs_xtrace_log_data(&took, sizeof(took));
		if (kvmrt_gs_log_msg_available())
			kvmrt_gs_log_msg(msg);
		if (kvmrt_gs_xtrace_flush_available())
			kvmrt_gs_xtrace_flush(KVMRT_GS_XTRACE_CPU_VM);
		printf("%s\n", msg);
	}
	return 0;
}
