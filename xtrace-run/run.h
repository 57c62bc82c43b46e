/* SPDX-License-Identifier: GPL-2.0 */
/* xtrace-run's parts: the local recorder (xtrace-run.c), systems over ssh (run-remote.c). */
#ifndef _XTRACE_RUN_H
#define _XTRACE_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "xtrace.h"
#include "xtrace-remote.h"

#define PROG "xtrace-run"

struct collect;

/* What the command line said (main fills it; the run may set rec.dir to its system's part). */
struct run_opts {
	struct xtrace_recorder_opts rec;
	char **argv;
	int verbose;	/* -1 quiet, 0 normal, 1 verbose */
	bool list_events;
	bool keep_running;
	bool any_cpu;		/* --any-cpu: not kept off a kvmrt shield's CPUs */
	bool serve;		/* --serve: no command; requests on stdin (remote end) */
	char *dir_alloc;	/* the default -o, made by main */

	/* --remote: a recording of several systems in one directory */
	const char **remotes;
	int nr_remotes;
	const char *on;		/* --on: the system that runs the command */
	struct xtrace_ssh_opts ssh;
	bool no_merge, keep_remote, raw_clocks;
	bool no_wait;		/* --no-wait: the command starts without the slow systems */
	int fetch_jobs;		/* --fetch-jobs: fetches at once; 0: the default */
	uint64_t fetch_rate;	/* --fetch-rate: bytes/s over all fetches; 0: no limit */

	/* --send DIR, --remove DIR: what a collector runs here when there is no SFTP */
	const char *send_dir;
	const char *remove_dir;
};

/*
 * housekeeping.c: housekeeping_cpus() reads under @sysfs the CPUs a kvmrt shield
 * leaves to the host into @hk (1 when a shield is in place, 0 when none,
 * -errno); housekeeping_enter() keeps this process and the threads it makes
 * there (1; 0 without a shield; -errno), housekeeping_leave() gives the command
 * back the affinity xtrace-run had (in the child, before exec).
 */
int housekeeping_cpus(const char *sysfs, struct xtrace_idset *hk);
int housekeeping_enter(int verbose);
void housekeeping_leave(void);

/* A run: its options, and the state it builds as it goes. */
struct run {
	struct run_opts o;
	char *stdin_buf;	/* --serve: a partial request line */
	size_t stdin_len;
	char *abs_dir;		/* what xtrace-ctl status shows and -d matches */
	const char *top;	/* -o with --remote: DIR/<host>/ for each, DIR/merged */
	char *local_dir;
	struct collect *col;
};

/*
 * run-remote.c: --remote. collect_begin() makes the directory and starts a
 * thread per remote system, which connects and starts its recorder while the
 * local one starts (-1: give up, nothing left running); collect_ready() waits
 * until the --on system records and, unless --no-wait, every other has either
 * started or failed (-1: the --on system cannot record; then collect_abort());
 * collect_spawn() starts the command on the --on system; collect_poll() reports
 * what the systems did (returns true once the remote command ended, its status
 * in *status); collect_flush_send()/_wait() flush every remote at once;
 * collect_end() stops and fetches them all at once, merges and reports.
 */
int collect_begin(struct run *run);
int collect_ready(struct run *run);
int collect_spawn(struct run *run);
bool collect_poll(struct run *run, int *status);
void collect_signal(struct run *run, int sig);
void collect_flush_send(struct run *run);
void collect_flush_wait(struct run *run);
int collect_end(struct run *run, int status);
void collect_abort(struct run *run);

/*
 * clock-sync.c: clock exchanges with each remote recorder while it records.
 * clock_sync_poll() makes a burst when one is due (@edge: now, a longer one:
 * at the start and before the stop); clock_sync_save() keeps them with its
 * fetched recording @ldir (file "clocksync"), @peer: our host name.
 */
struct clock_sync;
struct clock_sync *clock_sync_new(void);
void clock_sync_poll(struct clock_sync *cs, struct xtrace_rrec *rr, bool edge);
int clock_sync_save(struct clock_sync *cs, const struct xtrace_rrec *rr, const char *ldir,
		    const char *peer, int verbose);
void clock_sync_free(struct clock_sync *cs);

/* run-flush.c: "flush-all", this recorder and every --remote system; as xtrace_recorder_flush() */
int flush_every_system(struct xtrace_recorder *r, struct run *run,
		       const struct xtrace_cpuset *cpus);

/* send.c: --send (a directory stream on stdout, then remove on request) and --remove */
int run_send(struct run *run);

#endif
