// SPDX-License-Identifier: GPL-2.0
/*
 * "flush-all": what xtrace-probe asks of every recorder on a missed deadline. A recorder of
 * this system alone flushes as for "flush"; one that records other systems too (--remote)
 * flushes them all at once, as when its command fails.
 */
#include "run.h"

int flush_every_system(struct xtrace_recorder *r, struct run *run,
		       const struct xtrace_cpuset *cpus)
{
	int ret;

	if (run->col)
		collect_flush_send(run);
	ret = xtrace_recorder_flush(r, cpus);
	if (run->col)
		collect_flush_wait(run);
	return ret;
}
