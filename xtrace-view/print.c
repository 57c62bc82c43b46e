// SPDX-License-Identifier: GPL-2.0
/*
 * xtrace-view's lines: every event of the view in time order, as text,
 * "TIME HOST CPU EVENT [args]" or the --fields asked for, or as JSON, one
 * object a line.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <event-parse.h>

#include "view.h"

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

struct timefmt {
	enum time_fmt fmt;
	long long cached_sec;
	char cached[32];
	size_t cached_len;
};

static char *put_time(struct timefmt *tf, const struct xtrace_event *ev, int64_t start, char *p)
{
	long long sec, ns;
	int64_t t;

	switch (tf->fmt) {
	case T_RAW:
		return put_u(p, ev->ts, 1);
	case T_REL:
		t = ev->tod - start;
		if (t < 0) {
			*p++ = '-';
			t = -t;
		}
		p = put_u(p, t / 1000000000LL, 1);
		*p++ = '.';
		return put_u(p, t % 1000000000LL, 9);
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

static bool pid_wanted(const struct view_opts *o, int pid)
{
	for (int i = 0; i < o->nr_pids; i++)
		if (o->pids[i] == pid)
			return true;
	return false;
}

const char *const field_names[NR_FIELDS] = {
	"tod", "rel", "delta", "host", "cpu", "pid", "comm", "event", "args",
};

/* "LABEL [args]" -> the label's length, and the args (without brackets) */
static size_t split_event(const char *text, size_t len, const char **args, size_t *alen)
{
	const char *br = memchr(text, '[', len);

	if (!br || br == text || br[-1] != ' ' || text[len - 1] != ']') {
		*args = text + len;
		*alen = 0;
		return len;
	}
	*args = br + 1;
	*alen = text + len - 1 - (br + 1);
	return br - 1 - text;
}

static char *put_rel(char *p, int64_t t, bool sign)
{
	if (t < 0) {
		*p++ = '-';
		t = -t;
	} else if (sign) {
		*p++ = '+';
	}
	p = put_u(p, t / 1000000000LL, 1);
	*p++ = '.';
	return put_u(p, t % 1000000000LL, 9);
}

struct line {
	struct timefmt tf;
	int64_t prev;			/* --fields delta: the previous line's time */
	char text[8192];		/* "LABEL [args]" */
};

/* One output line (or JSON object) for @ev whose event text is @text. */
static void emit(struct view *v, struct out *out, struct line *ln, const struct xtrace_event *ev,
		 struct source *s, const char *text, size_t tlen, bool verbose)
{
	struct view_opts *o = v->o;
	static const int def[] = { FLD_TOD, FLD_HOST, FLD_CPU, FLD_EVENT, FLD_ARGS };
	const int *flds = o->nr_fields ? o->fields : def;
	int nf = o->nr_fields ? o->nr_fields : 5;
	const char *args;
	size_t alen, llen;
	char *p, *head;
	int pid = -1;

	if (out->len > sizeof(out->buf) - 12288)
		out_flush(out);
	llen = split_event(text, tlen, &args, &alen);
	head = p = out->buf + out->len;
	if (o->format == F_JSON) {
		char num[64];
		bool first = true;

		*p++ = '{';
		out->len = p - out->buf;
		for (int i = 0; i < nf; i++) {
			int f = flds[i];

			if (!first)
				out_write(out, ",", 1);
			first = false;
			out_printf(out, "\"%s\":", f == FLD_TOD ? "time" : field_names[f]);
			switch (f) {
			case FLD_TOD:
				p = put_time(&ln->tf, ev, v->start, num);
				out_json_str(out, num, p - num);
				out_printf(out, ",\"ns\":%lld", (long long)ev->tod);
				break;
			case FLD_REL:
				p = put_rel(num, ev->tod - v->start, false);
				out_write(out, num, p - num);
				break;
			case FLD_DELTA:
				p = put_rel(num, ln->prev == INT64_MIN ? 0 : ev->tod - ln->prev, false);
				out_write(out, num, p - num);
				break;
			case FLD_HOST:
				out_json_str(out, s->host, strlen(s->host));
				break;
			case FLD_CPU:
				out_printf(out, "%d", ev->cpu);
				break;
			case FLD_PID:
				out_printf(out, "%d", tep_data_pid(xtrace_rec_tep(s->rec), ev->record));
				break;
			case FLD_COMM: {
				const char *c = tep_data_comm_from_pid(xtrace_rec_tep(s->rec),
						tep_data_pid(xtrace_rec_tep(s->rec), ev->record));

				out_json_str(out, c, strlen(c));
				break;
			}
			case FLD_EVENT:
				out_json_str(out, text, llen);
				if (!o->nr_fields) {
					const char *tp = namer_tracepoint(s->namer, ev);

					out_write(out, ",\"tracepoint\":", 14);
					out_json_str(out, tp, strlen(tp));
				}
				break;
			case FLD_ARGS:
				out_json_str(out, args, alen);
				break;
			}
		}
		if (verbose) {
			char *fb = malloc(8192);

			if (fb) {
				size_t n = namer_fields(s->namer, ev, fb, 8192);

				out_write(out, ",\"fields\":", 10);
				out_json_str(out, fb, n);
				free(fb);
			}
		}
		out_write(out, "}\n", 2);
		ln->prev = ev->tod;
		return;
	}
	for (int i = 0; i < nf; i++) {
		int f = flds[i];

		if (i && !(f == FLD_ARGS && i && flds[i - 1] == FLD_EVENT && !alen))
			*p++ = ' ';
		switch (f) {
		case FLD_TOD:
			p = put_time(&ln->tf, ev, v->start, p);
			break;
		case FLD_REL:
			p = put_rel(p, ev->tod - v->start, false);
			break;
		case FLD_DELTA:
			p = put_rel(p, ln->prev == INT64_MIN ? 0 : ev->tod - ln->prev, true);
			break;
		case FLD_HOST:
			p = stpcpy(p, s->host);
			break;
		case FLD_CPU:
			p = put_u(p, ev->cpu, 1);
			break;
		case FLD_PID:
			pid = tep_data_pid(xtrace_rec_tep(s->rec), ev->record);
			if (pid < 0) {
				*p++ = '-';
				pid = -pid;
			}
			p = put_u(p, pid, 1);
			break;
		case FLD_COMM: {
			const char *comm;
			size_t cl;

			/* a recording's tasks file is untrusted: a comm is cut at 63 bytes */
			pid = tep_data_pid(xtrace_rec_tep(s->rec), ev->record);
			comm = tep_data_comm_from_pid(xtrace_rec_tep(s->rec), pid);
			cl = strnlen(comm, 63);
			memcpy(p, comm, cl);
			p += cl;
			break;
		}
		case FLD_EVENT:
			memcpy(p, text, llen);
			p += llen;
			break;
		case FLD_ARGS:
			if (!alen && i && flds[i - 1] == FLD_EVENT)
				break;
			*p++ = '[';
			memcpy(p, args, alen);
			p += alen;
			*p++ = ']';
			break;
		}
	}
	if (verbose) {
		size_t room = out->buf + sizeof(out->buf) - p - 2;

		*p++ = ' ';
		*p++ = ' ';
		p += namer_fields(s->namer, ev, p, room > 4096 ? 4096 : room);
	}
	*p++ = '\n';
	out->len = p - out->buf;
	(void)head;
	ln->prev = ev->tod;
}

int print_events(struct view *v)
{
	struct view_opts *o = v->o;
	struct out *out = malloc(sizeof(*out));
	struct line *ln = malloc(sizeof(*ln));
	struct xtrace_iter *it;
	struct xtrace_event *ev;
	unsigned int damage;
	bool plain = !o->nr_fields && o->format == F_TEXT && !o->events && !o->nr_pids;
	int ret, *map = NULL;

	if (!out || !ln) {
		free(out);
		free(ln);
		return -ENOMEM;
	}
	out->len = 0;
	out->failed = false;
	ln->tf = (struct timefmt){ .fmt = o->time, .cached_sec = -1 };
	ln->prev = INT64_MIN;
	it = view_iter(v, &map);
	if (!it) {
		free(out);
		free(ln);
		free(map);
		return -errno;
	}
	while ((ret = xtrace_iter_next(it, &ev)) > 0) {
		struct source *s = &v->src[map[ev->source]];
		size_t n;

		if (ev->tod > o->to)
			break;	/* in time order: nothing later is wanted */
		if (ev->tod < o->from || !s->selected)
			continue;
		if (plain) {
			/* the common case: TIME HOST CPU EVENT [key], straight into the buffer */
			char *p, *head;
			size_t room;

			if (out->len > sizeof(out->buf) - 12288)
				out_flush(out);
			head = p = out->buf + out->len;
			p = put_time(&ln->tf, ev, v->start, p);
			*p++ = ' ';
			p = stpcpy(p, s->host);
			*p++ = ' ';
			p = put_u(p, ev->cpu, 1);
			*p++ = ' ';
			if (ev->missed || ev->missed_unknown) {
				/* the kernel says events were lost just before this one */
				size_t hl = p - head;

				if (ev->missed_unknown)
					p = stpcpy(p, "LOST_EVENTS [unknown]\n");
				else {
					p = stpcpy(p, "LOST_EVENTS [");
					p = put_u(p, ev->missed, 1);
					p = stpcpy(p, "]\n");
				}
				s->lost += ev->missed;
				s->lost_unknown |= ev->missed_unknown;
				memmove(p, head, hl);
				p += hl;
			}
			room = out->buf + sizeof(out->buf) - p - 2;
			n = namer_hc_exit(s->namer, ev, p, room > 4096 ? 4096 : room);
			if (n) {
				/* the hypercall's return, synthesised at its vCPU's next entry */
				size_t hl = p - head;

				p += n;
				*p++ = '\n';
				memmove(p, head, hl);
				p += hl;
				room = out->buf + sizeof(out->buf) - p - 2;
			}
			p += namer_format(s->namer, ev, p, room > 4096 ? 4096 : room);
			if (o->verbose) {
				*p++ = ' ';
				*p++ = ' ';
				room = out->buf + sizeof(out->buf) - p - 2;
				p += namer_fields(s->namer, ev, p, room > 4096 ? 4096 : room);
			}
			*p++ = '\n';
			out->len = p - out->buf;
			continue;
		}
		if (o->nr_pids && !pid_wanted(o, tep_data_pid(xtrace_rec_tep(s->rec), ev->record)))
			continue;
		if (ev->missed || ev->missed_unknown) {
			s->lost += ev->missed;
			s->lost_unknown |= ev->missed_unknown;
			if (!o->events || namer_match_name(o->events, "LOST_EVENTS")) {
				n = ev->missed_unknown ? (size_t)snprintf(ln->text, sizeof(ln->text),
									  "LOST_EVENTS [unknown]") :
				    (size_t)snprintf(ln->text, sizeof(ln->text), "LOST_EVENTS [%u]",
						     ev->missed);
				emit(v, out, ln, ev, s, ln->text, n, false);
			}
		}
		n = namer_hc_exit(s->namer, ev, ln->text, sizeof(ln->text));
		if (n && namer_hc_exit_selected(s->namer))
			emit(v, out, ln, ev, s, ln->text, n, false);
		if (!namer_selected(s->namer, ev))
			continue;
		n = namer_format(s->namer, ev, ln->text, sizeof(ln->text));
		emit(v, out, ln, ev, s, ln->text, n, o->verbose);
	}
	out_flush(out);
	damage = xtrace_iter_damage(it);
	xtrace_iter_free(it);
	free(map);
	ret = out->failed ? -EIO : (damage ? -EBADMSG : 0);
	free(out);
	free(ln);
	return ret;
}
