// SPDX-License-Identifier: GPL-2.0
/*
 * xtrace-view's lines: every event of the view in time order, decoded once
 * (names.h) and written as text, "TIME HOST CPU EVENT [args]" or the --fields
 * asked for, or as JSON, one object a line. Before an event come the lines the
 * view adds: LOST_EVENTS where the kernel lost events, KVM_HOST_HC_EXIT where a
 * hypercall returns.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <event-parse.h>

#include "view.h"

/* The most a field takes in a text line (the event and its args: their length). */
#define TIME_MAX	48
#define NUM_MAX		24
#define NAME_MAX_	64
#define LINE_TEXT	4096	/* the default line's event text, -v's fields: cut at 4095 */

const char *const field_names[NR_FIELDS] = {
	"tod", "rel", "delta", "host", "cpu", "pid", "comm", "event", "args",
};

static char *put_u(char *p, unsigned long long v, int width)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (n < width)
		tmp[n++] = '0';
	while (n)
		*p++ = tmp[--n];
	return p;
}

static char *put_rel(char *p, int64_t t, bool sign)
{
	unsigned long long m = t < 0 ? -(unsigned long long)t : (unsigned long long)t;

	if (t < 0)
		*p++ = '-';
	else if (sign)
		*p++ = '+';
	p = put_u(p, m / 1000000000ULL, 1);
	*p++ = '.';
	return put_u(p, m % 1000000000ULL, 9);
}

struct timefmt {
	enum time_fmt fmt;
	long long cached_sec;
	char cached[32];
	size_t cached_len;
};

static char *put_time(struct timefmt *tf, const struct xtrace_event *ev, int64_t start, char *p)
{
	long long sec, ns;

	switch (tf->fmt) {
	case T_RAW:
		return put_u(p, ev->ts, 1);
	case T_REL:
		return put_rel(p, xtrace_time_sub(ev->tod, start), false);
	default:
		break;
	}
	sec = ev->tod / 1000000000LL;
	ns = ev->tod % 1000000000LL;
	if (ns < 0) {
		ns += 1000000000LL;
		sec--;
	}
	if (sec != tf->cached_sec) {
		time_t s = sec;
		struct tm tm;

		tf->cached_sec = sec;
		gmtime_r(&s, &tm);
		if (tf->fmt == T_UTC)
			tf->cached_len = strftime(tf->cached, sizeof(tf->cached), "%Y-%m-%dT%H:%M:%S",
						  &tm);
		else if (tf->fmt == T_SHORT)
			tf->cached_len = snprintf(tf->cached, sizeof(tf->cached), "%02d", tm.tm_sec);
		else
			tf->cached_len = snprintf(tf->cached, sizeof(tf->cached), "%lld", sec);
	}
	memcpy(p, tf->cached, tf->cached_len);
	p += tf->cached_len;
	*p++ = '.';
	return put_u(p, ns, 9);
}

struct line {
	struct timefmt tf;
	int64_t prev;			/* --fields delta: the previous line's time */
	const int *fields;
	int nr_fields;
	bool whole;			/* the default line: the event's text as decoded */
	struct decode d;		/* the event */
	struct decode x;		/* a line the view adds before it */
	bool uncertain;			/* near the last event of another system */
	char vfields[DECODE_TEXT];	/* -F json -v: the event's fields, before their escape */
};

/* --fields delta: the time since the previous line's, 0 on the first */
static inline int64_t delta(const struct line *ln, const struct xtrace_event *ev)
{
	return ln->prev == INT64_MIN ? 0 : xtrace_time_sub(ev->tod, ln->prev);
}

/* A signed decimal, as %lld writes it */
static char *put_i(char *p, long long v)
{
	if (v < 0)
		*p++ = '-';
	return put_u(p, v < 0 ? -(unsigned long long)v : (unsigned long long)v, 1);
}

/* @len bytes of @s as a JSON string at @p, the end of a line in @out's buffer */
static char *put_str(struct out *out, char *p, const char *s, size_t len)
{
	out->len = p - out->buf;
	out_json_str(out, s, len);
	return out->buf + out->len;
}

/* a field's "key": and the longest number or time that follows it */
#define JSON_FIELD_MAX	(16 + TIME_MAX + 2 * NUM_MAX)

/* A JSON object on a line, written straight into @out's buffer as emit_text() does. */
static void emit_json(struct view *v, struct out *out, struct line *ln,
		      const struct xtrace_event *ev, struct source *s, const struct decode *d,
		      bool verbose)
{
	char *p = out_room(out, out->buf + out->len, 1);
	const char *c;

	*p++ = '{';
	for (int i = 0; i < ln->nr_fields; i++) {
		int f = ln->fields[i];

		p = out_room(out, p, JSON_FIELD_MAX);
		if (i)
			*p++ = ',';
		*p++ = '"';
		p = stpcpy(p, f == FLD_TOD ? "time" : field_names[f]);
		p = mempcpy(p, "\":", 2);
		switch (f) {
		case FLD_TOD:
			*p++ = '"';
			p = put_time(&ln->tf, ev, v->start, p);
			p = mempcpy(p, "\",\"ns\":", 7);
			p = put_i(p, ev->tod);
			break;
		case FLD_REL:
			p = put_rel(p, xtrace_time_sub(ev->tod, v->start), false);
			break;
		case FLD_DELTA:
			p = put_rel(p, delta(ln, ev), false);
			break;
		case FLD_HOST:
			p = put_str(out, p, s->host, strlen(s->host));
			break;
		case FLD_CPU:
			p = put_i(p, ev->cpu);
			break;
		case FLD_PID:
			p = put_i(p, d->pid);
			break;
		case FLD_COMM:
			c = tep_data_comm_from_pid(xtrace_rec_tep(s->rec), d->pid);
			p = put_str(out, p, c, strlen(c));
			break;
		case FLD_EVENT:
			p = put_str(out, p, d->text, d->label_len);
			if (!v->o->nr_fields) {
				p = out_room(out, p, 14);
				p = mempcpy(p, ",\"tracepoint\":", 14);
				p = put_str(out, p, d->tracepoint, strlen(d->tracepoint));
			}
			break;
		case FLD_ARGS:
			p = put_str(out, p, d->args, d->args_len);
			break;
		}
	}
	out->len = p - out->buf;
	if (verbose) {
		size_t n = namer_fields(s->namer, ev, ln->vfields, sizeof(ln->vfields));

		out_write(out, ",\"fields\":", 10);
		out_json_str(out, ln->vfields, n);
	}
	if (ln->uncertain)
		out_write(out, ",\"uncertain\":true", 17);
	out_write(out, "}\n", 2);
}

/*
 * A text line: the fields, space-separated; args in brackets, which --fields leaves
 * out when they are empty just after the event's name.
 */
static void emit_text(struct view *v, struct out *out, struct line *ln,
		      const struct xtrace_event *ev, struct source *s, const struct decode *d,
		      bool verbose)
{
	const int *flds = ln->fields;
	char *p = out->buf + out->len;
	const char *comm;
	size_t n;

	for (int i = 0; i < ln->nr_fields; i++) {
		int f = flds[i];
		bool after_event = i && flds[i - 1] == FLD_EVENT;

		if (f == FLD_ARGS && after_event && (ln->whole || !d->args_len))
			continue;	/* written with the event, or nothing to write */
		if (i)
			*p++ = ' ';
		switch (f) {
		case FLD_TOD:
			p = out_room(out, p, TIME_MAX);
			p = put_time(&ln->tf, ev, v->start, p);
			break;
		case FLD_REL:
			p = out_room(out, p, NUM_MAX * 2);
			p = put_rel(p, xtrace_time_sub(ev->tod, v->start), false);
			break;
		case FLD_DELTA:
			p = out_room(out, p, NUM_MAX * 2);
			p = put_rel(p, delta(ln, ev), true);
			break;
		case FLD_HOST:
			p = out_room(out, p, NAME_MAX_);
			p = stpcpy(p, s->host);
			break;
		case FLD_CPU:
			p = out_room(out, p, NUM_MAX);
			p = put_u(p, ev->cpu, 1);
			break;
		case FLD_PID:
			p = out_room(out, p, NUM_MAX);
			p = put_i(p, d->pid);
			break;
		case FLD_COMM:
			/* a recording's tasks file is untrusted: a comm is cut at 63 bytes */
			comm = tep_data_comm_from_pid(xtrace_rec_tep(s->rec), d->pid);
			n = strnlen(comm, NAME_MAX_ - 1);
			p = out_room(out, p, n);
			p = mempcpy(p, comm, n);
			break;
		case FLD_EVENT:
			if (ln->whole && i + 1 < ln->nr_fields && flds[i + 1] == FLD_ARGS) {
				/* "LABEL [args]" as decoded, brackets and all */
				n = d->len < LINE_TEXT ? d->len : LINE_TEXT - 1;
				p = out_room(out, p, n);
				p = mempcpy(p, d->text, n);
				break;
			}
			p = out_room(out, p, d->label_len);
			p = mempcpy(p, d->text, d->label_len);
			break;
		case FLD_ARGS:
			p = out_room(out, p, d->args_len + 2);
			*p++ = '[';
			p = mempcpy(p, d->args, d->args_len);
			*p++ = ']';
			break;
		}
		p = out_room(out, p, 1);
	}
	if (verbose) {
		p = out_room(out, p, 2 + LINE_TEXT);
		*p++ = ' ';
		*p++ = ' ';
		p += namer_fields(s->namer, ev, p, LINE_TEXT);
	}
	if (ln->uncertain && v->o->mark_uncertain) {
		p = out_room(out, p, 2);
		p = mempcpy(p, " ?", 2);
	}
	p = out_room(out, p, 1);
	*p++ = '\n';
	out->len = p - out->buf;
}

/* One output line (or JSON object) for @ev as decoded in @d. */
static void emit(struct view *v, struct out *out, struct line *ln, const struct xtrace_event *ev,
		 struct source *s, const struct decode *d, bool verbose)
{
	if (v->o->format == F_JSON)
		emit_json(v, out, ln, ev, s, d, verbose);
	else
		emit_text(v, out, ln, ev, s, d, verbose);
	ln->prev = ev->tod;
}

int print_events(struct view *v)
{
	static const int def[] = { FLD_TOD, FLD_HOST, FLD_CPU, FLD_EVENT, FLD_ARGS };
	struct view_opts *o = v->o;
	struct out *out = malloc(sizeof(*out));
	struct line *ln = malloc(sizeof(*ln));
	struct hc_wait *hc = calloc(v->nr ? v->nr : 1, sizeof(*hc));
	struct xtrace_iter *it = NULL;
	struct xtrace_event *ev;
	unsigned int damage;
	int ret = -ENOMEM, *map = NULL, prev_si = -1;
	int64_t prev_tod = 0;
	bool bounds = false;

	if (!out || !ln || !hc)
		goto out;
	out->len = 0;
	out->failed = false;
	ln->tf = (struct timefmt){ .fmt = o->time, .cached_sec = -1 };
	ln->prev = INT64_MIN;
	ln->fields = o->nr_fields ? o->fields : def;
	ln->nr_fields = o->nr_fields ? o->nr_fields : 5;
	/* the default line prints each event's text whole ("MARKER []" included) */
	ln->whole = !o->nr_fields && o->format == F_TEXT && !o->events && !o->nr_pids;
	/* the uncertain flag: shown in JSON and with --mark-uncertain, known in a merge's view */
	ln->uncertain = false;
	for (int i = 0; i < v->nr && (o->format == F_JSON || o->mark_uncertain); i++)
		bounds |= v->src[i].bound >= 0;
	it = view_iter(v, &map);
	if (!it) {
		ret = -errno;
		goto out;
	}
	while ((ret = xtrace_iter_next(it, &ev)) > 0) {
		int si = map[ev->source];
		struct source *s = &v->src[si];
		struct decode *d = &ln->d;
		unsigned long long nr;

		if (ev->tod > o->to)
			break;	/* in time order: nothing later is wanted */
		if (bounds) {
			/* its order against the event before it, of another system, is a guess */
			ln->uncertain = prev_si >= 0 && prev_si != si && s->bound >= 0 &&
					v->src[prev_si].bound >= 0 &&
					xtrace_time_sub(ev->tod, prev_tod) <=
					xtrace_time_add(s->bound, v->src[prev_si].bound);
			prev_si = si;
			prev_tod = ev->tod;
		}
		if (ev->tod < o->from || !s->selected)
			continue;
		namer_facts(s->namer, ev, d);
		if (!view_pid_wanted(o, d->pid))
			continue;
		if (ev->missed || ev->missed_unknown) {
			/* the kernel says events were lost just before this one */
			s->lost += ev->missed;
			s->lost_unknown |= ev->missed_unknown;
			namer_lost(s->namer, ev, &ln->x);
			if (namer_selected(s->namer, ev, &ln->x))
				emit(v, out, ln, ev, s, &ln->x, false);
		}
		if (hc_wait_event(&hc[si], d, &nr)) {
			/* the hypercall's return, at its vCPU's next entry */
			namer_hc_exit(s->namer, d, nr, &ln->x);
			if (namer_selected(s->namer, ev, &ln->x))
				emit(v, out, ln, ev, s, &ln->x, false);
		}
		if (!namer_selected(s->namer, ev, d))
			continue;
		namer_text(s->namer, ev, d);
		emit(v, out, ln, ev, s, d, o->verbose);
	}
	out_flush(out);
	damage = xtrace_iter_damage(it);
	ret = out->failed ? -EIO : damage ? -EBADMSG : 0;
out:
	xtrace_iter_free(it);
	for (int i = 0; hc && i < v->nr; i++)
		hc_wait_free(&hc[i]);
	free(hc);
	free(map);
	free(out);
	free(ln);
	return ret;
}
