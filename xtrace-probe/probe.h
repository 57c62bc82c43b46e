/* SPDX-License-Identifier: GPL-2.0 */
/*
 * xtrace-probe's parts: options and the run (xtrace-probe.c), the timer probe (timer.c), the
 * network probe and its responder (net.c), the statistics and their output (stats.c), and
 * what a missed deadline does to the recorders (alert.c).
 */
#ifndef _XTRACE_PROBE_H
#define _XTRACE_PROBE_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#define PROG "xtrace-probe"

/* Exit status when a deadline was missed (-b, -T); 1 stays "the probe failed", 2 usage. */
#define PROBE_MISSED	3

/* Latencies are kept per microsecond up to this (100 ms), for the percentiles. */
#define STATS_BUCKETS	100000

enum probe_mode { MODE_PERIODIC, MODE_SIGNAL, MODE_ONESHOT };

struct probe_opts {
	const char *kind;		/* "timer" or "net" */
	enum probe_mode mode;
	int64_t interval_ns;
	uint64_t loops;			/* 0: until -D or a signal */
	uint64_t warmup;		/* cycles run first and not measured */
	int64_t duration_ns;		/* 0: no limit */
	int cpu;			/* -1: not pinned */
	int prio;			/* 0: not SCHED_FIFO */
	bool mlock;
	int hist_us;			/* -h: print the histogram up to this, 0: none */
	int64_t break_ns;		/* -b: mark, flush and stop above this */
	int64_t mark_ns;		/* -T: mark, flush and go on above this */
	bool no_flush;			/* --no-flush: mark only */
	bool json;
	bool quiet;
	/* net */
	bool respond;
	const char *host;		/* the responder (net probe); bind address (responder) */
	int port;
	int64_t timeout_ns;		/* a reply later than this is lost */
};

struct stats {
	uint64_t *hist;			/* STATS_BUCKETS, per microsecond */
	uint64_t overflow;		/* at or above STATS_BUCKETS us */
	uint64_t count;
	int64_t min, max;		/* ns */
	double sum;			/* ns */
	uint64_t lost;			/* net: requests without a timely reply */
	uint64_t misses;		/* above -b or -T */
	uint64_t first_miss_cycle;
	int64_t first_miss_ns;
	int alerts;			/* misses that marked and flushed the recorders */
	int host_flushes;		/* of them, the host flushed too (guest services) */
	int recorders;			/* recorders the last alert reached */
};

struct probe {
	struct probe_opts o;
	struct stats st;
	int64_t last_flush_ns;		/* CLOCK_MONOTONIC of the last alert's flush */
	const char *what;		/* "timer", "net" */
	bool broke;			/* stopped by -b */
};

extern volatile sig_atomic_t probe_stop;

/*
 * The first point after now of the grid of period @interval through @next: the time an alert
 * or an overrun took is not latency, the next cycle is due on the grid again.
 */
int64_t probe_next_after(int64_t next, int64_t interval);
/* After each cycle: true when the run should end (-l, -D, a signal, -b). */
bool probe_done(struct probe *p, uint64_t cycle, int64_t start_ns);

int stats_init(struct stats *st);
void stats_free(struct stats *st);
void stats_add(struct stats *st, int64_t ns);
void stats_print(const struct probe *p);

/*
 * A cycle's latency (@lost: a request without an answer in time, @lat_ns its timeout): into
 * the statistics and against -b and -T, unless the cycle is one of --warmup's. On a miss, mark
 * every recorder of this system with the cycle and the latency, flush them all (through
 * libxtrace's control channel) and say so. Returns true when the probe should resynchronise
 * (time passed in the alert).
 */
bool probe_cycle(struct probe *p, uint64_t cycle, int64_t lat_ns, bool lost);

int run_timer(struct probe *p);
int run_net(struct probe *p);
int run_responder(struct probe *p);

#endif
