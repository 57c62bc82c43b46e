// SPDX-License-Identifier: GPL-2.0
/*
 * Clock exchanges with the remote recorders while they record (docs/clocks.md):
 * a burst every second over each one's ssh channel, each exchange our
 * CLOCK_REALTIME, "sync" answered with the recorder's trace clock (read inside
 * the running "xtrace-run --serve", no process started), our CLOCK_REALTIME
 * again; the fastest round trips of a burst kept, and saved with the fetched
 * recording (file "clocksync") for the merge to fit its clock.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "run.h"
#include "tool.h"

#define PERIOD_NS	1000000000LL	/* between bursts */
#define BURST		16		/* exchanges in a burst ... */
#define KEEP		4		/* ... and the fastest kept */
#define BURST_EDGE	64		/* at the start and the end of the recording */
#define KEEP_EDGE	16
#define REPLY_MS	2000

struct sync_sys {
	char *spec;
	struct xtrace_clock_pair *p;
	size_t n;
	int64_t next;			/* CLOCK_MONOTONIC ns of its next burst */
	int64_t best_rtt;
	bool off;			/* it does not answer "sync" (an older xtrace-run) */
};

struct clock_sync {
	struct sync_sys *sys;
	int nr;
};

struct clock_sync *clock_sync_new(void)
{
	return calloc(1, sizeof(struct clock_sync));
}

void clock_sync_free(struct clock_sync *cs)
{
	if (!cs)
		return;
	for (int i = 0; i < cs->nr; i++) {
		free(cs->sys[i].spec);
		free(cs->sys[i].p);
	}
	free(cs->sys);
	free(cs);
}

static struct sync_sys *find(struct clock_sync *cs, const char *spec, bool add)
{
	struct sync_sys *s;

	for (int i = 0; i < cs->nr; i++)
		if (!strcmp(cs->sys[i].spec, spec))
			return &cs->sys[i];
	if (!add || TOOL_GROW(cs->sys, cs->nr + 1))
		return NULL;
	s = &cs->sys[cs->nr];
	memset(s, 0, sizeof(*s));
	s->spec = strdup(spec);
	if (!s->spec)
		return NULL;
	s->best_rtt = INT64_MAX;
	cs->nr++;
	return s;
}

/* One exchange: 0, or -errno (-ENOTSUP: no "sync" there; -EPROTO: another answer) */
static int exchange(struct xtrace_rchan *ch, struct xtrace_clock_pair *p)
{
	char line[128];
	unsigned long long t;
	int ret;

	p->sent = xtrace_now_ns(CLOCK_REALTIME);
	ret = xtrace_rchan_write(ch, "sync\n");
	if (ret)
		return ret;
	ret = xtrace_rchan_readline(ch, line, sizeof(line), REPLY_MS);
	p->received = xtrace_now_ns(CLOCK_REALTIME);
	if (ret < 0)
		return ret;
	if (sscanf(line, "sync %llu", &t) != 1)
		return strncmp(line, "err ", 4) ? -EPROTO : -ENOTSUP;
	p->remote = t;
	return 0;
}

static int by_rtt(const void *a, const void *b)
{
	const struct xtrace_clock_pair *x = a, *y = b;
	int64_t rx = x->received - x->sent, ry = y->received - y->sent;

	return rx < ry ? -1 : rx > ry;
}

void clock_sync_poll(struct clock_sync *cs, struct xtrace_rrec *rr, bool edge)
{
	struct xtrace_clock_pair burst[BURST_EDGE];
	int64_t mono = xtrace_now_ns(CLOCK_MONOTONIC);
	int want = edge ? BURST_EDGE : BURST, keep = edge ? KEEP_EDGE : KEEP, got = 0;
	struct sync_sys *s;

	if (!cs || !rr->spec || rr->state != XTRACE_RREC_RECORDING || !rr->ch)
		return;
	s = find(cs, rr->spec, true);
	if (!s || s->off || (!edge && mono < s->next))
		return;
	s->next = mono + PERIOD_NS;
	for (int i = 0; i < want; i++) {
		int ret = exchange(rr->ch, &burst[got]);

		if (ret == -ENOTSUP) {
			s->off = true;	/* an xtrace-run without exchanges */
			break;
		}
		if (ret)
			break;
		got++;
	}
	qsort(burst, got, sizeof(burst[0]), by_rtt);
	if (got > keep)
		got = keep;
	if (TOOL_GROW(s->p, s->n + got))
		return;
	memcpy(s->p + s->n, burst, got * sizeof(*burst));
	s->n += got;
	if (got && burst[0].received - burst[0].sent < s->best_rtt)
		s->best_rtt = burst[0].received - burst[0].sent;
}

int clock_sync_save(struct clock_sync *cs, const struct xtrace_rrec *rr, const char *ldir,
		    const char *peer, int verbose)
{
	struct sync_sys *s = cs && rr->spec ? find(cs, rr->spec, false) : NULL;
	int ret;

	if (!s || !s->n)
		return 0;
	ret = xtrace_clocksync_write(ldir, peer, s->p, s->n);
	if (ret)
		tool_error("%s: cannot keep its clock exchanges in %s: %s", rr->spec, ldir,
			   strerror(-ret));
	else if (verbose > 0)
		tool_msg("%s: %zu clock exchanges kept, the fastest round trip %.1f us", rr->spec,
			 s->n, s->best_rtt / 1000.0);
	return ret;
}
