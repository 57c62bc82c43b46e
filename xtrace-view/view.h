/* SPDX-License-Identifier: GPL-2.0 */
/* xtrace-view's parts: options, the systems shown, output, analyses and exports. */
#ifndef _XTRACE_VIEW_VIEW_H
#define _XTRACE_VIEW_VIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "xtrace.h"
#include "names.h"

#define PROG "xtrace-view"

enum time_fmt { T_UTC, T_SHORT, T_EPOCH, T_REL, T_RAW };
enum out_fmt { F_TEXT, F_JSON, F_PERFETTO, F_HTML, F_PERFETTO_PROTO };

/* --fields */
enum field {
	FLD_TOD, FLD_REL, FLD_DELTA, FLD_HOST, FLD_CPU, FLD_PID, FLD_COMM, FLD_EVENT, FLD_ARGS,
	NR_FIELDS
};

struct view_opts {
	char **dirs;
	int nr_dirs;
	enum time_fmt time;
	bool time_set;			/* -t given */
	enum out_fmt format;
	struct xtrace_cpuset cpus;
	bool have_cpus;
	bool verbose, info, quiet;
	bool summary, kvm;
	/* filters */
	char **hosts;			/* NULL-terminated globs, NULL = every system */
	char **events;			/* NULL-terminated globs, NULL = every event */
	int *pids;
	int nr_pids;
	const char *from_s, *to_s, *around_s;	/* as given: resolved once the start is known */
	int64_t from, to;		/* UTC ns; INT64_MIN / INT64_MAX = open */
	bool no_skip;			/* --no-skip: read every frame (for tests) */
	int fields[NR_FIELDS];		/* --fields, in order */
	int nr_fields;			/* 0: the default line */
	int top;			/* --kvm: worst cases kept per reason */
	bool mark_uncertain;		/* --mark-uncertain */
};

/* One system (recording) of the view. */
struct source {
	struct xtrace_rec *rec;
	struct namer *namer;
	char host[64];
	bool selected;			/* --host */
	uint64_t lost;
	bool lost_unknown;
	int64_t bound;			/* ns: its clock's bound in its merge, -1 unknown */
};

struct view {
	struct view_opts *o;
	struct xtrace_set set;
	struct source *src;
	int nr;
	int64_t start;			/* earliest recording start (UTC ns): "rel" and +offsets */
};

/* out.c: buffered standard output */
struct out {
	char buf[1 << 16];
	size_t len;
	bool failed;			/* a write failed: the caller reports -EIO */
};

/** out_flush - write what @o holds to standard output */
void out_flush(struct out *o);
/** out_write - append @len bytes of @s (flushing when the buffer is full) */
void out_write(struct out *o, const char *s, size_t len);
/** out_printf - append formatted text, of any length */
void out_printf(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** out_json_str - append @len bytes of @s as a JSON string, quotes included */
void out_json_str(struct out *o, const char *s, size_t len);

/**
 * out_room - room for @n more bytes (at most the buffer's size) at @p, the end of a
 * line being written straight into @o's buffer: @p, or after a flush of everything
 * before @p, the buffer's start
 */
static inline char *out_room(struct out *o, char *p, size_t n)
{
	if ((size_t)(o->buf + sizeof(o->buf) - p) >= n)
		return p;
	o->len = p - o->buf;
	out_flush(o);
	return o->buf;
}

/* time.c: parsing times and windows, formatting durations */
int parse_time(const char *s, int64_t start, int64_t *tod);
int parse_window(const char *s, int64_t start, int64_t *from, int64_t *to);
int parse_duration(const char *s, int64_t *ns);
void format_tod(int64_t tod, char *buf, size_t len);
/* format_tod() gives seconds: no system read has a time of day (xtrace-view.c) */
void set_untimed(void);

/**
 * view_iter - (iter.c) the iterator the filters ask for: a merged directory's order when
 * nothing is filtered by time or system, else the heap over the selected systems,
 * seeked to --from (whole frames before it skipped). *@map (to free) maps the
 * iterator's source index to the view's.
 */
struct xtrace_iter *view_iter(struct view *v, int **map);

/* --pid: whether an event of task @pid is shown (every one when no --pid is given) */
static inline bool view_pid_wanted(const struct view_opts *o, int pid)
{
	if (!o->nr_pids)
		return true;
	for (int i = 0; i < o->nr_pids; i++)
		if (o->pids[i] == pid)
			return true;
	return false;
}

/* print.c: the events, one a line (text or JSON) */
extern const char *const field_names[NR_FIELDS];
int print_events(struct view *v);

/* analyze.c */
int run_summary(struct view *v);
int run_kvm(struct view *v);

/* export.c, perfetto-proto.c, html.c */
int run_perfetto(struct view *v);
int run_perfetto_proto(struct view *v);
int run_html(struct view *v);

#endif
