// SPDX-License-Identifier: GPL-2.0
/*
 * The timer probe: how late a timer wakes this thread, in the three ways the paper measured.
 *   periodic  clock_nanosleep(TIMER_ABSTIME) to the next point of a fixed grid (cyclictest)
 *   signal    a periodic POSIX timer whose signal the thread waits for (sigwaitinfo)
 *   oneshot   a one-shot POSIX timer, re-armed for one interval later after each expiry
 * A cycle's latency is the time read after waking minus the time the timer was due.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <time.h>

#include "xtrace.h"
#include "tool.h"
#include "probe.h"

#define NS	1000000000LL

static struct timespec ts_of(int64_t ns)
{
	return (struct timespec){ .tv_sec = ns / NS, .tv_nsec = ns % NS };
}

static int run_periodic(struct probe *p)
{
	int64_t interval = p->o.interval_ns, start = xtrace_now_ns(CLOCK_MONOTONIC);
	int64_t next = start + interval;
	uint64_t cycle = 0;

	while (!probe_done(p, cycle, start)) {
		struct timespec ts = ts_of(next);
		int64_t lat;
		int ret;

		ret = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
		if (ret == EINTR)
			continue;
		if (ret)
			return tool_error("clock_nanosleep: %s", strerror(ret));
		lat = xtrace_now_ns(CLOCK_MONOTONIC) - next;
		cycle++;
		probe_cycle(p, cycle, lat, false);
		next = probe_next_after(next + interval, interval);
	}
	return 0;
}

/* expirations that came during an alert would be measured against the new grid */
static void drain(const sigset_t *set)
{
	struct timespec zero = { 0 };

	while (sigtimedwait(set, NULL, &zero) > 0)
		;
}

/* signal and oneshot: a POSIX timer on CLOCK_MONOTONIC that sends SIGRTMIN to this thread */
static int run_posix(struct probe *p)
{
	struct sigevent sev = { .sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGRTMIN };
	int64_t interval = p->o.interval_ns, start = xtrace_now_ns(CLOCK_MONOTONIC);
	int64_t next = start + interval;
	bool oneshot = p->o.mode == MODE_ONESHOT;
	struct itimerspec its = { 0 };
	uint64_t cycle = 0;
	sigset_t set;
	timer_t tid;
	int ret = 0;

	sigemptyset(&set);
	sigaddset(&set, SIGRTMIN);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (timer_create(CLOCK_MONOTONIC, &sev, &tid))
		return tool_error("cannot create a POSIX timer: %s", strerror(errno));
	its.it_value = ts_of(next);
	if (!oneshot)
		its.it_interval = ts_of(interval);
	if (timer_settime(tid, TIMER_ABSTIME, &its, NULL)) {
		ret = tool_error("cannot arm the POSIX timer: %s", strerror(errno));
		goto out;
	}
	while (!probe_done(p, cycle, start)) {
		siginfo_t si;
		int64_t lat;
		bool resync;

		if (sigwaitinfo(&set, &si) < 0) {
			if (errno == EINTR)
				continue;
			ret = tool_error("sigwaitinfo: %s", strerror(errno));
			break;
		}
		lat = xtrace_now_ns(CLOCK_MONOTONIC) - next;
		cycle++;
		resync = probe_cycle(p, cycle, lat, false);
		if (oneshot) {
			/* re-armed here, in the handler: due one interval from now */
			next = xtrace_now_ns(CLOCK_MONOTONIC) + interval;
		} else {
			/* expirations the timer had to merge were missed cycles, not latency */
			next += (1 + (si.si_overrun > 0 ? si.si_overrun : 0)) * interval;
			if (!resync)
				continue;
			next = probe_next_after(next, interval);
			its.it_interval = ts_of(interval);
			drain(&set);
		}
		its.it_value = ts_of(next);
		if (timer_settime(tid, TIMER_ABSTIME, &its, NULL)) {
			ret = tool_error("cannot arm the POSIX timer: %s", strerror(errno));
			break;
		}
	}
out:
	timer_delete(tid);
	return ret;
}

int run_timer(struct probe *p)
{
	return p->o.mode == MODE_PERIODIC ? run_periodic(p) : run_posix(p);
}
