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
	bool serve;		/* --serve: no command; requests on stdin (remote end) */
	char *dir_alloc;	/* the default -o, made by main */

	/* --remote: a recording of several systems in one directory */
	const char **remotes;
	int nr_remotes;
	const char *on;		/* --on: the system that runs the command */
	struct xtrace_ssh_opts ssh;
	bool no_merge, keep_remote, correct_clocks;
	bool no_wait;		/* --no-wait: the command starts without the slow systems */
	int fetch_jobs;		/* --fetch-jobs: fetches at once; 0: the default */
	uint64_t fetch_rate;	/* --fetch-rate: bytes/s over all fetches; 0: no limit */

	/* --send DIR, --remove DIR: what a collector runs here when there is no SFTP */
	const char *send_dir;
	const char *remove_dir;
};

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

/* send.c: --send (a directory stream on stdout, then remove on request) and --remove */
int run_send(struct run *run);

#endif
