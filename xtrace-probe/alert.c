// SPDX-License-Identifier: GPL-2.0
/*
 * A missed deadline: mark every recorder of this system with the cycle and the latency, then
 * flush them all, through libxtrace's control channel (xtrace_ctl_alert(): the marks land in
 * every trace before any recorder starts to flush). "flush-all" asks an xtrace-run that
 * records other systems (--remote) to flush them too; a recorder that does not know it gets
 * a plain "flush".
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xtrace.h"
#include "tool.h"
#include "probe.h"
#include "kvmrt_gs.h"

#define ALERT_TIMEOUT_MS	30000
/* -T: a miss within this of the last flush is marked, not flushed again */
#define REFLUSH_NS		1000000000LL

int64_t probe_next_after(int64_t next, int64_t interval)
{
	int64_t now = xtrace_now_ns(CLOCK_MONOTONIC);

	if (now >= next)
		next += ((now - next) / interval + 1) * interval;
	return next;
}

static bool unknown_request(const char *reply)
{
	const char *text;

	return reply && xtrace_reply_parse(reply, &text) == 0 && strstr(text, "unknown command");
}

/* Mark only (-T, soon after a flush, or --no-flush). Returns the recorders marked. */
static int mark_all(const char *mark)
{
	struct xtrace_ctl_peer *peers;
	int nr, n = 0;

	if (xtrace_ctl_list(&peers, &nr, NULL))
		return 0;
	for (int i = 0; i < nr; i++)
		n += xtrace_ctl_mark(peers[i].pid, mark) > 0;
	xtrace_ctl_peers_free(peers, nr);
	return n;
}

/*
 * In a guest whose host offers guest services (kvmrt-gs), flush the host's recorders too, every
 * host CPU (the guest's own recorders, flushed just before, get one more FLUSH). Returns what
 * to add to the miss's message.
 */
static const char *flush_host(struct probe *p)
{
	static char msg[160];
	long ret;

	if (p->o.no_flush)
		return "";
	ret = kvmrt_gs_xtrace_flush(KVMRT_GS_XTRACE_CPU_ALL);
	if (ret == -ENODEV)
		return "";		/* not a guest with guest services */
	if (ret == -EOPNOTSUPP)
		return "; the host offers this VM no xtrace_flush";
	if (ret) {
		snprintf(msg, sizeof(msg), "; the host's flush failed: %s", kvmrt_gs_last_error());
		return msg;
	}
	p->st.host_flushes++;
	return "; the host's recorders flushed too (guest services)";
}

static void alert(struct probe *p, uint64_t cycle, int64_t lat_ns, bool flush)
{
	int64_t limit = p->o.break_ns ? p->o.break_ns : p->o.mark_ns;
	struct xtrace_ctl_result *res;
	int nr, flushed = 0, marked = 0;
	const char *host;
	char mark[200];

	snprintf(mark, sizeof(mark),
		 "xtrace-probe %s: deadline missed: cycle %" PRIu64 " latency %.3f us > %.3f us",
		 p->what, cycle, lat_ns / 1000.0, limit / 1000.0);
	if (!flush) {
		marked = mark_all(mark);
		if (!p->o.quiet)
			tool_msg("deadline missed at cycle %" PRIu64 ": latency %.1f us (> %.0f us); marked %d recorders",
				 cycle, lat_ns / 1000.0, limit / 1000.0, marked);
		return;
	}
	nr = xtrace_ctl_alert(mark, "flush-all", ALERT_TIMEOUT_MS, &res);
	if (nr < 0) {
		tool_error("cannot reach the recorders in '%s': %s", xtrace_ctl_dir(),
			   strerror(-nr));
		nr = 0;
	}
	for (int i = 0; i < nr; i++) {
		const char *text;

		if (unknown_request(res[i].reply)) {
			free(res[i].reply);
			res[i].ret = xtrace_ctl_request(res[i].path, "flush", &res[i].reply,
							ALERT_TIMEOUT_MS);
		}
		marked += res[i].marked > 0;
		if (!res[i].ret && xtrace_reply_parse(res[i].reply, &text) == 1)
			flushed++;
		else
			tool_error("recorder %d: flush failed: %s", (int)res[i].pid,
				   res[i].ret ? strerror(-res[i].ret) :
				   res[i].reply ? res[i].reply : "no answer");
	}
	xtrace_ctl_results_free(res, nr);
	host = flush_host(p);
	p->st.alerts++;
	p->st.recorders = flushed;
	p->last_flush_ns = xtrace_now_ns(CLOCK_MONOTONIC);
	if (p->o.quiet)
		return;
	if (!nr)
		tool_msg("deadline missed at cycle %" PRIu64 ": latency %.1f us (> %.0f us); no recorder runs here to mark or flush%s",
			 cycle, lat_ns / 1000.0, limit / 1000.0, host);
	else
		tool_msg("deadline missed at cycle %" PRIu64 ": latency %.1f us (> %.0f us); marked %d and flushed %d of %d recorders%s",
			 cycle, lat_ns / 1000.0, limit / 1000.0, marked, flushed, nr, host);
}

/* A cycle's latency against -b and -T; returns probe_cycle()'s answer */
static bool probe_check(struct probe *p, uint64_t cycle, int64_t lat_ns)
{
	int64_t limit = p->o.break_ns ? p->o.break_ns : p->o.mark_ns;
	bool flush;

	if (!limit || lat_ns <= limit)
		return false;
	if (!p->st.misses++) {
		p->st.first_miss_cycle = cycle;
		p->st.first_miss_ns = lat_ns;
	}
	flush = !p->o.no_flush &&
		(p->o.break_ns || !p->st.alerts ||
		 xtrace_now_ns(CLOCK_MONOTONIC) - p->last_flush_ns > REFLUSH_NS);
	alert(p, cycle, lat_ns, flush);
	if (p->o.break_ns)
		p->broke = true;
	return true;
}

bool probe_cycle(struct probe *p, uint64_t cycle, int64_t lat_ns, bool lost)
{
	if (cycle <= p->o.warmup)
		return false;
	if (lost)
		p->st.lost++;
	else
		stats_add(&p->st, lat_ns);
	return probe_check(p, cycle, lat_ns);
}

bool probe_done(struct probe *p, uint64_t cycle, int64_t start_ns)
{
	if (probe_stop || p->broke)
		return true;
	if (p->o.loops && cycle >= p->o.loops + p->o.warmup)
		return true;
	return p->o.duration_ns && xtrace_now_ns(CLOCK_MONOTONIC) - start_ns >= p->o.duration_ns;
}
