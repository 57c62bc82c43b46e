// SPDX-License-Identifier: LGPL-2.1
/*
 * One system's trace clock mapped onto a reference clock from two-way
 * exchanges (docs/clocks.md). Each exchange says: the reference read @sent,
 * then the system read its trace clock @remote, then the reference read
 * @received; so the true mapping ref(t) = t + offset + drift * (t - t0) passes
 * between sent and received at t = remote. Every exchange cuts the plane of
 * (offset, drift) along two lines; what is left of a box of plausible clocks
 * (|drift| <= 500 ppm) is a convex polygon, the lines consistent with every
 * exchange (the convex-hull method of Duda et al., as Trace Compass has it).
 * We take the line through the middle of that set at both ends of the span,
 * and half its width there as the bound: any consistent line is within it.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reader.h"
#include "sbuf.h"
#include "xtrace-remote.h"

#define MAX_DRIFT_PPM	500.0	/* the kernel's and chrony's limit on a clock's frequency error */
#define BOX_NS		1e12	/* offsets searched around the first exchange's */
#define MAX_SLACK_NS	1e12

/* ceil() and llround() without libm, for values well within int64 */
static int64_t ceil_ns(double x)
{
	int64_t i = (int64_t)x;

	return (double)i < x ? i + 1 : i;
}

static int64_t round_ns(double x)
{
	return (int64_t)(x < 0 ? x - 0.5 : x + 0.5);
}

struct pt {
	double o, d;		/* offset (ns) at t0, drift (ppm) */
};

struct hull {
	struct pt *a, *b;	/* the polygon, and room to clip it into */
	size_t cap;
};

/* Keep the part of the polygon where a * o + b * d <= c (Sutherland-Hodgman). */
static size_t clip(const struct pt *in, size_t n, struct pt *out, double a, double b, double c)
{
	size_t m = 0;

	for (size_t i = 0; i < n; i++) {
		const struct pt *p = &in[i], *q = &in[(i + 1) % n];
		double vp = a * p->o + b * p->d - c, vq = a * q->o + b * q->d - c;

		if (vp <= 0)
			out[m++] = *p;
		if ((vp < 0 && vq > 0) || (vp > 0 && vq < 0)) {
			double t = vp / (vp - vq);

			out[m].o = p->o + t * (q->o - p->o);
			out[m++].d = p->d + t * (q->d - p->d);
		}
	}
	return m;
}

/*
 * The set of lines within @slack ns of every exchange; its vertices in h->a.
 * @lo, @hi: per exchange, the band (ns, relative to the base offset) at @u
 * (its trace time from t0, in ms so that drift in ppm gives ns).
 */
static size_t polygon(struct hull *h, const double *lo, const double *hi, const double *u,
		      size_t n, double slack)
{
	size_t m = 4;

	h->a[0] = (struct pt){ -BOX_NS, -MAX_DRIFT_PPM };
	h->a[1] = (struct pt){ BOX_NS, -MAX_DRIFT_PPM };
	h->a[2] = (struct pt){ BOX_NS, MAX_DRIFT_PPM };
	h->a[3] = (struct pt){ -BOX_NS, MAX_DRIFT_PPM };
	for (size_t i = 0; i < n && m; i++) {
		/* o + d u <= hi + slack, and o + d u >= lo - slack */
		m = clip(h->a, m, h->b, 1, u[i], hi[i] + slack);
		m = clip(h->b, m, h->a, -1, -u[i], -(lo[i] - slack));
	}
	return m;
}

/* The band of the set's lines at @u: its lowest and highest value. */
static void band(const struct pt *v, size_t m, double u, double *min, double *max)
{
	*min = INFINITY;
	*max = -INFINITY;
	for (size_t i = 0; i < m; i++) {
		double y = v[i].o + v[i].d * u;

		if (y < *min)
			*min = y;
		if (y > *max)
			*max = y;
	}
}

int xtrace_clock_fit(const struct xtrace_clock_pair *p, size_t n, uint64_t start, uint64_t end,
		     struct xtrace_clock_fit *f)
{
	double *lo = NULL, *hi = NULL, *u = NULL, slack = 0, ys0, ys1, ye0, ye1, us, ue, ys, ye;
	struct hull h = { 0 };
	size_t m;
	int ret = 0;

	memset(f, 0, sizeof(*f));
	if (!n)
		return -EINVAL;
	if (end < start) {
		uint64_t t = start;

		start = end;
		end = t;
	}
	f->t0 = start + (end - start) / 2;
	f->base = xtrace_time_sub(xtrace_time_add(p[0].sent, (p[0].received - p[0].sent) / 2),
			     (int64_t)p[0].remote);
	f->nr_pairs = (int)(n > INT32_MAX ? INT32_MAX : n);
	lo = malloc(n * sizeof(*lo));
	hi = malloc(n * sizeof(*hi));
	u = malloc(n * sizeof(*u));
	h.cap = 2 * n + 8;
	h.a = malloc(h.cap * sizeof(*h.a));
	h.b = malloc(h.cap * sizeof(*h.b));
	if (!lo || !hi || !u || !h.a || !h.b) {
		ret = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		int64_t r = (int64_t)p[i].remote;

		if (p[i].received < p[i].sent) {
			ret = -EINVAL;
			goto out;
		}
		lo[i] = (double)(p[i].sent - r - f->base);
		hi[i] = (double)(p[i].received - r - f->base);
		u[i] = (double)(int64_t)(p[i].remote - f->t0) * 1e-6;
	}
	m = polygon(&h, lo, hi, u, n, 0);
	if (!m) {
		/*
		 * No line fits them all: the clock did not run at one rate (slewed
		 * by chrony, or a wrong exchange). The smallest slack that lets
		 * one through, by bisection; the bound grows by it.
		 */
		double a = 0, b = 1000;

		while (!polygon(&h, lo, hi, u, n, b)) {
			a = b;
			b *= 2;
			if (b > MAX_SLACK_NS) {
				ret = -EDOM;
				goto out;
			}
		}
		while (b - a > 1) {
			double c = (a + b) / 2;

			if (polygon(&h, lo, hi, u, n, c))
				b = c;
			else
				a = c;
		}
		slack = b;
		m = polygon(&h, lo, hi, u, n, slack);
	}
	us = (double)(int64_t)(start - f->t0) * 1e-6;
	ue = (double)(int64_t)(end - f->t0) * 1e-6;
	band(h.a, m, us, &ys0, &ys1);
	band(h.a, m, ue, &ye0, &ye1);
	ys = (ys0 + ys1) / 2;
	ye = (ye0 + ye1) / 2;
	if (ue > us) {
		f->drift_ppm = (ye - ys) / (ue - us);
		f->offset = ys - f->drift_ppm * us;
	} else {
		double dmin = INFINITY, dmax = -INFINITY;

		for (size_t i = 0; i < m; i++) {
			dmin = h.a[i].d < dmin ? h.a[i].d : dmin;
			dmax = h.a[i].d > dmax ? h.a[i].d : dmax;
		}
		f->drift_ppm = (dmin + dmax) / 2;
		f->offset = ys;
	}
	f->slack = ceil_ns(slack);
	f->bound = ceil_ns((ys1 - ys0 > ye1 - ye0 ? ys1 - ys0 : ye1 - ye0) / 2) + f->slack;
out:
	free(lo);
	free(hi);
	free(u);
	free(h.a);
	free(h.b);
	return ret;
}

int64_t xtrace_clock_fit_map(const struct xtrace_clock_fit *f, uint64_t trace)
{
	double d = f->offset + f->drift_ppm * (double)(int64_t)(trace - f->t0) * 1e-6;

	return xtrace_time_add(xtrace_time_add((int64_t)trace, f->base), round_ns(d));
}

/* ------------------------------------------------------ the exchanges file */

int xtrace_clocksync_write(const char *dir, const char *peer, const struct xtrace_clock_pair *p,
			   size_t n)
{
	char *path = xt_path(dir, XT_CLOCKSYNC_FILE);
	struct sbuf sb = { 0 };
	int ret;

	if (!path)
		return -ENOMEM;
	sb_printf(&sb, "# xtrace clock exchanges: the collector's CLOCK_REALTIME when it asked, this system's trace clock when it answered, the collector's CLOCK_REALTIME when the answer came (ns)\npeer=%s\n",
		  peer ? peer : "");
	for (size_t i = 0; i < n; i++)
		sb_printf(&sb, "x %" PRId64 " %" PRIu64 " %" PRId64 "\n", p[i].sent, p[i].remote,
			  p[i].received);
	ret = sb.err ? sb.err : xt_write_file(path, sb.buf, sb.len);
	free(sb.buf);
	free(path);
	return ret;
}

int xtrace_clocksync_read(const char *dir, struct xtrace_clock_pair **pairs, size_t *n,
			  char **peer)
{
	char *path = xt_path(dir, XT_CLOCKSYNC_FILE), *buf, *line, *save;
	struct xtrace_clock_pair *p = NULL;
	size_t cap = 0, k = 0;
	int ret;

	*pairs = NULL;
	*n = 0;
	if (peer)
		*peer = NULL;
	if (!path)
		return -ENOMEM;
	ret = xt_read_file(path, &buf, NULL);
	free(path);
	if (ret)
		return ret == -ENOENT ? 0 : ret;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct xtrace_clock_pair x;

		if (*line == '#')
			continue;
		if (!strncmp(line, "peer=", 5)) {
			if (peer && !*peer && !(*peer = strdup(line + 5))) {
				ret = -ENOMEM;
				break;
			}
			continue;
		}
		if (sscanf(line, "x %" SCNd64 " %" SCNu64 " %" SCNd64, &x.sent, &x.remote,
			   &x.received) != 3 || x.received < x.sent) {
			/* a torn last line is no damage */
			if (!strtok_r(NULL, "\n", &save))
				break;
			ret = -EBADMSG;
			break;
		}
		if (k == cap) {
			size_t c = cap ? cap * 2 : 64;
			struct xtrace_clock_pair *np = realloc(p, c * sizeof(*np));

			if (!np) {
				ret = -ENOMEM;
				break;
			}
			p = np;
			cap = c;
		}
		p[k++] = x;
	}
	free(buf);
	if (ret) {
		free(p);
		if (peer) {
			free(*peer);
			*peer = NULL;
		}
		return ret;
	}
	*pairs = p;
	*n = k;
	return 0;
}

/* ------------------------------------------------- a merged system's clock */

static int64_t offset_of(const struct xtrace_clock_sample *x)
{
	return (int64_t)((uint64_t)x->tod - x->trace);
}

static int push_step(struct xt_clock_step **v, int *n, int64_t at, int64_t size)
{
	struct xt_clock_step *nv = realloc(*v, (*n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[(*n)++] = (struct xt_clock_step){ at, size };
	return 0;
}

/* Its clock mapped by the exchanges' line over its span; 1 if there are none to use. */
static int map_by_exchanges(struct xtrace_rec *rec, struct xtrace_merge_source *s)
{
	const struct xtrace_clock *clk = &rec->clock;
	struct xtrace_clock_pair *p = NULL;
	struct xtrace_clock_sample *ns;
	struct xtrace_clock_fit f;
	uint64_t start, end, mid;
	size_t np = 0, hint = 0;
	int64_t own_s, own_e;
	int ret = xtrace_clocksync_read(rec->dir, &p, &np, NULL);

	if (ret) {
		xt_log(XTRACE_LOG_WARNING, "'%s': its clock exchanges are damaged (%s): not used",
		       rec->dir, strerror(-ret));
		return 1;
	}
	if (!np)
		return 1;
	start = end = p[0].remote;
	for (size_t i = 0; i < np; i++) {
		start = p[i].remote < start ? p[i].remote : start;
		end = p[i].remote > end ? p[i].remote : end;
	}
	if (clk->nr_samples) {
		start = clk->samples[0].trace < start ? clk->samples[0].trace : start;
		end = clk->samples[clk->nr_samples - 1].trace > end ?
		      clk->samples[clk->nr_samples - 1].trace : end;
	}
	ret = xtrace_clock_fit(p, np, start, end, &f);
	free(p);
	if (ret) {
		xt_log(XTRACE_LOG_WARNING, "'%s': no clock mapping fits its exchanges (%s): not used",
		       rec->dir, strerror(-ret));
		return 1;
	}
	ns = calloc(2, sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	ns[0].trace = start;
	ns[0].tod = xtrace_clock_fit_map(&f, start);
	ns[0].err = (uint32_t)(f.bound > UINT32_MAX ? UINT32_MAX : f.bound);
	ns[1] = ns[0];
	ns[1].trace = end;
	ns[1].tod = xtrace_clock_fit_map(&f, end);
	/* what it changes of the system's own clock: at the middle, and its rate */
	mid = start + (end - start) / 2;
	own_s = xtrace_clock_to_tod(clk, start, &hint);
	own_e = xtrace_clock_to_tod(clk, end, &hint);
	hint = 0;
	s->clock_offset = xtrace_time_sub(xtrace_clock_fit_map(&f, mid),
				     xtrace_clock_to_tod(clk, mid, &hint));
	s->drift_ppb = end > start ?
		       (int64_t)((double)((ns[1].tod - own_e) - (ns[0].tod - own_s)) * 1e9 /
				 (double)(end - start)) : 0;
	s->clock_bound = f.bound;
	s->exchanges = f.nr_pairs;
	free(s->clock_basis);
	s->clock_basis = strdup(f.slack ? "exchanges (no line fits them all)" : "exchanges");
	return xt_rec_set_clock(rec, ns, end > start ? 2 : 1);
}

int xt_clock_correct(struct xtrace_rec *rec, const struct xtrace_merge_opts *o, bool reference,
		     struct xtrace_merge_source *s, struct xt_clock_step **steps, int *nr_steps)
{
	const struct xtrace_clock *clk = &rec->clock;
	const struct xtrace_clock_sample *old = clk->samples;
	size_t n = clk->nr_samples;
	struct xtrace_clock_check cc[4];
	struct xtrace_clock_sample *ns;
	int64_t shift = 0, cum = 0, b;
	const char *basis;
	int nc, ret;

	*steps = NULL;
	*nr_steps = 0;
	s->clock_bound = s->clock_error < 0 ? -1 : s->clock_error + s->sample_error;
	s->clock_offset = s->drift_ppb = 0;
	s->exchanges = 0;
	if (rec->mapped) {
		s->clock_basis = strdup("an earlier merge");
		return s->clock_basis ? 0 : -ENOMEM;
	}
	for (size_t i = 1; i < n && clk->ns_units; i++) {
		if (!xtrace_clock_is_step(clk, &old[i - 1], &old[i]))
			continue;
		ret = push_step(steps, nr_steps, old[i].tod,
				offset_of(&old[i]) - offset_of(&old[i - 1]));
		if (ret)
			return ret;
	}
	if (o->raw_clocks || !clk->ns_units) {
		s->clock_basis = strdup("raw (as recorded)");
		return s->clock_basis ? 0 : -ENOMEM;
	}
	ret = map_by_exchanges(rec, s);
	if (ret <= 0)
		return ret;
	/* no exchanges: its own clock, shifted by the ssh checks if there are any */
	nc = xtrace_clockcheck_read(rec->dir, cc, 4, NULL);
	if (nc > 0) {
		shift = -xtrace_clock_checks_offset(cc, nc, &b);
		s->clock_bound = b + s->sample_error;
		s->exchanges = nc;
		basis = "ssh checks";
	} else if (reference) {
		s->clock_bound = s->sample_error;
		basis = "reference";
	} else {
		basis = s->clock_error < 0 ? "own clock (error unknown)" : "own clock (chrony)";
	}
	s->clock_offset = shift;
	s->clock_basis = strdup(basis);
	if (!s->clock_basis)
		return -ENOMEM;
	if (!n)
		return 0;
	ns = malloc(n * sizeof(*ns));
	if (!ns)
		return -ENOMEM;
	memcpy(ns, old, n * sizeof(*ns));
	/* both sides of a step on one clock: the one after it, or the one before */
	if (o->step_before) {
		for (size_t i = 1; i < n; i++) {
			if (xtrace_clock_is_step(clk, &old[i - 1], &old[i]))
				cum -= offset_of(&old[i]) - offset_of(&old[i - 1]);
			ns[i].tod = xtrace_time_add(ns[i].tod, cum);
		}
	} else {
		for (size_t i = n - 1; i > 0; i--) {
			if (xtrace_clock_is_step(clk, &old[i - 1], &old[i]))
				cum += offset_of(&old[i]) - offset_of(&old[i - 1]);
			ns[i - 1].tod = xtrace_time_add(ns[i - 1].tod, cum);
		}
	}
	for (size_t i = 0; i < n; i++) {
		ns[i].tod = xtrace_time_add(ns[i].tod, shift);
		ns[i].flags &= ~XTRACE_SAMPLE_STEP;
	}
	return xt_rec_set_clock(rec, ns, n);
}

int xt_clockmap_write(const char *dir, const struct xtrace_rec *rec)
{
	static const char head[] =
		"# the merge's mapping of this clock (trace_clock_ns utc_ns error_ns flags)\n";
	char *path = xt_path(dir, XT_CLOCKMAP_FILE);
	int fd, ret = 0;

	if (!path)
		return -ENOMEM;
	if (!rec->mapped) {
		ret = unlink(path) && errno != ENOENT ? -errno : 0;
		free(path);
		return ret;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	free(path);
	if (fd < 0)
		return -errno;
	ret = xt_write_all(fd, head, sizeof(head) - 1);
	for (size_t i = 0; i < rec->clock.nr_samples && !ret; i++)
		ret = xt_clock_append(fd, &rec->clock.samples[i]);
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

int xt_clockmap_load(struct xtrace_rec *rec)
{
	struct xtrace_clock clk = { 0 };
	char *path;
	int ret;

	if (rec->tdat)
		return 0;	/* a trace.dat's times come from its own options */
	path = xt_path(rec->dir, XT_CLOCKMAP_FILE);
	if (!path)
		return -ENOMEM;
	ret = xt_clock_read_file(path, &clk);
	free(path);
	if (ret)
		return ret == -ENOENT ? 0 : ret;
	return xt_rec_set_clock(rec, clk.samples, clk.nr_samples);
}
