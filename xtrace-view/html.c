// SPDX-License-Identifier: GPL-2.0
/*
 * --format html: one self-contained page (no file or network beside it) with an
 * interactive canvas timeline of the window's slices (spans.c). The page's markup, style
 * and script are xtrace-view/timeline.html, built in (mk/view-html.mk); this file adds
 * the data at its "<!--XTRACE-DATA-->" line:
 *
 *   XT = { title, start_s, start_ns, from, to, n, limit, strings: [...],
 *          groups: [{ name, bound, rows: [{ label, vcpu }] }] }
 *   <script id="xt-bin"> base64 of n items as five little-endian columns:
 *          float64 tod (ns from the start), float64 dur (ns), uint32 row << 4 | kind
 *          (enum span_kind), uint32 name, uint32 text (indexes into strings)
 *
 * sorted by row, lane (kind's) and time, so the script finds a lane's visible part by
 * binary search. Rows: each CPU of each system that had an event; a guest's CPU rows
 * each come under a row of the host's VM exits, guest runs and hypercalls of that
 * vCPU's thread (the vms file), so the two read as one picture.
 *
 * The page holds at most HTML_MAX_ITEMS items; above that it is refused, with a
 * pointer to the window options and to --format perfetto-proto.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"
#include "spans.h"

#define HTML_MAX_ITEMS	2000000
#define HTML_TEXT	200		/* the longest event line kept for the hover */
#define MAX_VCPU_ROWS	1024

static const char page[] =
#include "xtrace-view/timeline-page.h"
;

struct hitem {
	double tod, dur;
	uint32_t rk;			/* row << 4 | kind */
	uint32_t name, text;
	uint8_t lane;
};

struct hrow {
	int src, cpu;			/* cpu: a CPU row's; vcpu rows: the vCPU */
	bool vcpu;
	char vm[64];
};

struct strtab {
	char **s;
	uint32_t nr, cap;
	uint32_t *hash;			/* open addressing: index + 1, 0 empty */
	uint32_t hcap;
};

struct html {
	struct view *v;
	struct hitem *items;
	size_t nr, cap;
	size_t over;			/* items past the limit */
	struct hrow *rows;
	int nr_rows, cap_rows;
	int *cpu_row;			/* per system and CPU: its row, -1 */
	int ncpu;
	struct strtab st;
	int err;
};

static uint32_t str_hash(const char *s)
{
	uint32_t h = 2166136261u;

	while (*s)
		h = (h ^ (unsigned char)*s++) * 16777619u;
	return h;
}

/* the index of @s in @t, added if new; UINT32_MAX when out of memory */
static uint32_t intern(struct strtab *t, const char *s)
{
	uint32_t h, i;

	if (t->nr * 2 >= t->hcap) {
		uint32_t ncap = t->hcap ? t->hcap * 2 : 4096;
		uint32_t *nh = calloc(ncap, sizeof(*nh));

		if (!nh)
			return UINT32_MAX;
		for (uint32_t k = 0; k < t->nr; k++) {
			for (i = str_hash(t->s[k]) & (ncap - 1); nh[i]; i = (i + 1) & (ncap - 1))
				;
			nh[i] = k + 1;
		}
		free(t->hash);
		t->hash = nh;
		t->hcap = ncap;
	}
	h = str_hash(s);
	for (i = h & (t->hcap - 1); t->hash[i]; i = (i + 1) & (t->hcap - 1))
		if (!strcmp(t->s[t->hash[i] - 1], s))
			return t->hash[i] - 1;
	if (t->nr == t->cap && TOOL_GROW(t->s, t->cap * 2 + 1024))
		return UINT32_MAX;
	if (t->nr == t->cap)
		t->cap = t->cap * 2 + 1024;
	t->s[t->nr] = strdup(s);
	if (!t->s[t->nr])
		return UINT32_MAX;
	t->hash[i] = t->nr + 1;
	return t->nr++;
}

static void strtab_free(struct strtab *t)
{
	for (uint32_t i = 0; i < t->nr; i++)
		free(t->s[i]);
	free(t->s);
	free(t->hash);
}

static int new_row(struct html *h, int src, int cpu, bool vcpu, const char *vm)
{
	struct hrow *r;

	if (h->nr_rows == h->cap_rows) {
		if (TOOL_GROW(h->rows, h->cap_rows * 2 + 16))
			return -1;
		h->cap_rows = h->cap_rows * 2 + 16;
	}
	r = &h->rows[h->nr_rows];
	r->src = src;
	r->cpu = cpu;
	r->vcpu = vcpu;
	snprintf(r->vm, sizeof(r->vm), "%s", vm ? vm : "");
	return h->nr_rows++;
}

/* the row of @vm's vCPU @vcpu on system @src, made when first seen; -1 */
static int vcpu_row(struct html *h, int src, const char *vm, int vcpu)
{
	int n = 0;

	for (int i = 0; i < h->nr_rows; i++) {
		struct hrow *r = &h->rows[i];

		if (!r->vcpu)
			continue;
		if (r->src == src && r->cpu == vcpu && !strcmp(r->vm, vm))
			return i;
		n++;
	}
	return n < MAX_VCPU_ROWS ? new_row(h, src, vcpu, true, vm) : -1;
}

/* the lanes a row's slices are drawn in (the page's LANE_OF) */
static uint8_t lane_of(enum span_kind k)
{
	static const uint8_t lanes[NR_SPAN_KINDS] = {
		[S_TASK] = 0, [S_EXIT] = 1, [S_GUEST] = 1, [S_HC] = 2, [S_SYSCALL] = 3,
		[S_IRQ] = 4, [S_SOFTIRQ] = 5, [S_EVENT] = 6, [S_LOST] = 7, [S_MARK] = 8,
	};

	return lanes[k];
}

static void add_item(struct html *h, int row, const struct span *s)
{
	struct hitem *it;
	char text[HTML_TEXT + 1];

	if (h->err)
		return;
	if (h->nr >= HTML_MAX_ITEMS) {
		h->over++;
		return;
	}
	if (h->nr == h->cap) {
		if (TOOL_GROW(h->items, h->cap * 2 + 4096)) {
			h->err = -ENOMEM;
			return;
		}
		h->cap = h->cap * 2 + 4096;
	}
	it = &h->items[h->nr];
	it->tod = (double)xtrace_time_sub(s->tod, h->v->start);
	it->dur = (double)s->dur;
	it->rk = (uint32_t)row << 4 | s->k;
	it->lane = lane_of(s->k);
	snprintf(text, sizeof(text), "%s", s->text);
	it->name = intern(&h->st, s->name);
	it->text = intern(&h->st, text);
	if (it->name == UINT32_MAX || it->text == UINT32_MAX) {
		h->err = -ENOMEM;
		return;
	}
	h->nr++;
}

static void html_span(void *ctx, const struct span *s)
{
	struct html *h = ctx;
	int *cr = &h->cpu_row[s->src * h->ncpu + s->cpu];

	if (*cr < 0)
		*cr = new_row(h, s->src, s->cpu, false, NULL);
	if (*cr < 0) {
		h->err = -ENOMEM;
		return;
	}
	add_item(h, *cr, s);
	/* a vCPU thread's KVM slices also go to the row of that vCPU */
	if (s->vm && s->vcpu >= 0 && (s->k == S_EXIT || s->k == S_GUEST || s->k == S_HC)) {
		int r = vcpu_row(h, s->src, s->vm, s->vcpu);

		if (r >= 0)
			add_item(h, r, s);
	}
}

static int cmp_item(const void *a, const void *b)
{
	const struct hitem *x = a, *y = b;

	if (x->rk >> 4 != y->rk >> 4)
		return (x->rk >> 4) < (y->rk >> 4) ? -1 : 1;
	if (x->lane != y->lane)
		return x->lane < y->lane ? -1 : 1;
	if (x->tod != y->tod)
		return x->tod < y->tod ? -1 : 1;
	return 0;
}

/* @s as a JSON string that is safe inside a <script> element */
static void out_js_str(struct out *o, const char *s)
{
	out_write(o, "\"", 1);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			out_printf(o, "\\%c", c);
		else if (c < 0x20 || c == '<' || c == '>' || c == '&')
			out_printf(o, "\\u%04x", c);
		else
			out_write(o, s, 1);
	}
	out_write(o, "\"", 1);
}

/* whether a system of the view other than @self is named @vm (a guest in the view) */
static bool guest_in_view(const struct view *v, int self, const char *vm)
{
	for (int i = 0; i < v->nr; i++)
		if (i != self && v->src[i].selected && !strcmp(v->src[i].host, vm))
			return true;
	return false;
}

static void out_b64(struct out *o, const uint8_t *p, size_t n, uint8_t *carry, int *nc)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < n; i++) {
		carry[(*nc)++] = p[i];
		if (*nc == 3) {
			char q[4] = {
				tab[carry[0] >> 2], tab[(carry[0] & 3) << 4 | carry[1] >> 4],
				tab[(carry[1] & 15) << 2 | carry[2] >> 6], tab[carry[2] & 63],
			};

			out_write(o, q, 4);
			*nc = 0;
		}
	}
}

static void out_b64_end(struct out *o, uint8_t *carry, int nc)
{
	static const char tab[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char q[4] = { '=', '=', '=', '=' };

	if (!nc)
		return;
	if (nc == 1)
		carry[1] = 0;
	q[0] = tab[carry[0] >> 2];
	q[1] = tab[(carry[0] & 3) << 4 | carry[1] >> 4];
	if (nc == 2)
		q[2] = tab[(carry[1] & 15) << 2];
	out_write(o, q, 4);
}

static void put_le(uint8_t *b, uint64_t v, int n)
{
	for (int i = 0; i < n; i++)
		b[i] = (uint8_t)(v >> (8 * i));
}

static void write_columns(struct out *o, const struct html *h)
{
	uint8_t carry[3], b[8];
	int nc = 0;

	for (int col = 0; col < 5; col++)
		for (size_t i = 0; i < h->nr; i++) {
			const struct hitem *it = &h->items[i];
			uint64_t u;

			switch (col) {
			case 0:
			case 1: {
				double d = col ? it->dur : it->tod;

				memcpy(&u, &d, sizeof(u));
				put_le(b, u, 8);
				out_b64(o, b, 8, carry, &nc);
				continue;
			}
			case 2:
				put_le(b, it->rk, 4);
				break;
			case 3:
				put_le(b, it->name, 4);
				break;
			default:
				put_le(b, it->text, 4);
				break;
			}
			out_b64(o, b, 4, carry, &nc);
		}
	out_b64_end(o, carry, nc);
}

/*
 * a system's clock bound: the merge's mapping of its clock (by exchanges, ssh checks or
 * chrony's error: what the uncertain order is judged by), else chrony's when it was
 * recorded, or what the merge that holds it knows (its error plus the sampling's); -1 and
 * *@sample the sampling's alone, or -1
 */
static int64_t clock_bound(const struct view *v, int i, int64_t *sample)
{
	int64_t bound = xtrace_rec_meta(v->src[i].rec)->chrony_error_ns;

	*sample = -1;
	for (int d = 0; d < v->o->nr_dirs; d++) {
		struct xtrace_merge_meta mm;

		if (xtrace_dir_is_merged(v->o->dirs[d]) != 1 ||
		    xtrace_merge_meta_read(v->o->dirs[d], &mm))
			continue;
		for (int k = 0; k < mm.nr_sources; k++) {
			const struct xtrace_merge_source *ms = &mm.sources[k];

			if (strcmp(ms->name, v->src[i].host))
				continue;
			if (ms->clock_error >= 0)
				bound = ms->clock_error + ms->sample_error;
			else
				*sample = ms->sample_error;
		}
		xtrace_merge_meta_free(&mm);
	}
	return v->src[i].bound >= 0 ? v->src[i].bound : bound;
}

/* the rows in page order: its map from collected row to page row in @order */
static void write_groups(struct out *o, struct html *h, int *order)
{
	struct view *v = h->v;
	int next = 0, ncols = h->ncpu;
	bool first_group = true;

	for (int r = 0; r < h->nr_rows; r++)
		if (h->rows[r].vcpu && h->rows[r].cpu >= ncols)
			ncols = h->rows[r].cpu + 1;

	for (int i = 0; i < v->nr; i++) {
		const struct xtrace_meta *m = xtrace_rec_meta(v->src[i].rec);
		bool any = false, first = true;
		int64_t bound, sample;

		for (int r = 0; r < h->nr_rows; r++)
			any |= h->rows[r].src == i;
		/* a guest's rows: any host's vCPU rows of a VM by its name */
		for (int r = 0; r < h->nr_rows; r++)
			any |= h->rows[r].vcpu && !strcmp(h->rows[r].vm, v->src[i].host) &&
			       h->rows[r].src != i;
		if (!v->src[i].selected || !any)
			continue;
		out_printf(o, "%s{\"name\":", first_group ? "" : ",");
		first_group = false;
		out_js_str(o, v->src[i].host);
		bound = clock_bound(v, i, &sample);
		out_printf(o, ",\"cpus\":%d,\"bound\":%lld,\"sample\":%lld,\"rows\":[", m->nr_cpus,
			   (long long)bound, (long long)sample);
		/* a vCPU's row above the guest's CPU of its number (vCPUs past them: at the end) */
		for (int c = 0; c < ncols; c++) {
			int cr = c < h->ncpu ? h->cpu_row[i * h->ncpu + c] : -1;

			for (int r = 0; r < h->nr_rows; r++) {
				struct hrow *hr = &h->rows[r];
				char l[160];

				if (!hr->vcpu || hr->cpu != c || hr->src == i ||
				    strcmp(hr->vm, v->src[i].host) || order[r] >= 0)
					continue;
				snprintf(l, sizeof(l), "%s: %s vCPU %d", v->src[hr->src].host, hr->vm, c);
				out_printf(o, "%s{\"label\":", first ? "" : ",");
				out_js_str(o, l);
				out_printf(o, ",\"vcpu\":1}");
				first = false;
				order[r] = next++;
			}
			if (cr >= 0) {
				out_printf(o, "%s{\"label\":\"CPU %d\",\"vcpu\":0}", first ? "" : ",", c);
				first = false;
				order[cr] = next++;
			}
		}
		/* this system's vCPU rows of VMs that are not in the view */
		for (int r = 0; r < h->nr_rows; r++) {
			struct hrow *hr = &h->rows[r];
			char l[160];

			if (!hr->vcpu || hr->src != i || order[r] >= 0 ||
			    guest_in_view(v, i, hr->vm))
				continue;
			snprintf(l, sizeof(l), "%s vCPU %d", hr->vm, hr->cpu);
			out_printf(o, "%s{\"label\":", first ? "" : ",");
			out_js_str(o, l);
			out_printf(o, ",\"vcpu\":1}");
			first = false;
			order[r] = next++;
		}
		out_printf(o, "]}");
	}
}

int run_html(struct view *v)
{
	static const char mark[] = "<!--XTRACE-DATA-->";
	struct out *out = calloc(1, sizeof(*out));
	struct html h = { .v = v };
	const char *cut = strstr(page, mark);
	int64_t from = INT64_MAX, to = INT64_MIN;
	uint64_t *seen = NULL, events = 0;
	int *order = NULL, ret;
	char a[64], b[64];

	if (!out)
		return -ENOMEM;
	h.ncpu = view_max_cpus(v);
	h.cpu_row = malloc((size_t)(v->nr ? v->nr : 1) * h.ncpu * sizeof(*h.cpu_row));
	if (!h.cpu_row || !cut) {
		ret = -ENOMEM;
		goto done;
	}
	for (int i = 0; i < (v->nr ? v->nr : 1) * h.ncpu; i++)
		h.cpu_row[i] = -1;
	ret = view_spans(v, html_span, &h, &seen);
	if (h.err)
		ret = h.err;
	if (ret && ret != -EBADMSG)
		goto done;
	for (int i = 0; i < (v->nr ? v->nr : 1) * h.ncpu; i++)
		events += seen[i];
	if (h.over) {
		tool_error("the window holds %zu slices and marks, more than the timeline's limit of %d: narrow it with --from/--to or --around, or write Perfetto's trace (-F perfetto-proto) for ui.perfetto.dev",
			   h.nr + h.over, HTML_MAX_ITEMS);
		ret = -E2BIG;
		goto done;
	}
	for (size_t i = 0; i < h.nr; i++) {
		int64_t t = (int64_t)h.items[i].tod + v->start;

		if (t < from)
			from = t;
		if (t + (int64_t)h.items[i].dur > to)
			to = t + (int64_t)h.items[i].dur;
	}
	if (v->o->from != INT64_MIN)
		from = v->o->from;
	if (v->o->to != INT64_MAX)
		to = v->o->to;
	if (from > to)
		from = to = v->start;
	order = malloc((h.nr_rows ? h.nr_rows : 1) * sizeof(*order));
	if (!order) {
		ret = -ENOMEM;
		goto done;
	}
	for (int r = 0; r < h.nr_rows; r++)
		order[r] = -1;
	out_write(out, page, cut - page);
	format_tod(from, a, sizeof(a));
	format_tod(to, b, sizeof(b));
	out_printf(out, "<script>\nvar XT={\"title\":\"%s to %s UTC\",\"start_s\":%lld,\"start_ns\":%lld,\"from\":%lld,\"to\":%lld,\"n\":%zu,\"events\":%llu,\"limit\":%d,\"groups\":[",
		   a, b, (long long)(v->start / 1000000000), (long long)(v->start % 1000000000),
		   (long long)xtrace_time_sub(from, v->start),
		   (long long)xtrace_time_sub(to, v->start), h.nr,
		   (unsigned long long)events, HTML_MAX_ITEMS);
	write_groups(out, &h, order);
	/* the page's row numbers, then its order */
	for (size_t i = 0; i < h.nr; i++) {
		int r = order[h.items[i].rk >> 4];

		h.items[i].rk = (uint32_t)(r < 0 ? 0xfffffff : r) << 4 | (h.items[i].rk & 15);
	}
	qsort(h.items, h.nr, sizeof(*h.items), cmp_item);
	out_printf(out, "],\"strings\":[");
	for (uint32_t i = 0; i < h.st.nr; i++) {
		if (i)
			out_write(out, ",", 1);
		out_js_str(out, h.st.s[i]);
	}
	out_printf(out, "]};\n</script>\n<script type=\"application/octet-stream\" id=\"xt-bin\">");
	write_columns(out, &h);
	out_printf(out, "</script>\n");
	cut += sizeof(mark) - 1;
	out_write(out, cut, page + sizeof(page) - 1 - cut);
	out_flush(out);
	if (out->failed)
		ret = -EIO;
done:
	free(order);
	free(seen);
	free(h.items);
	free(h.rows);
	free(h.cpu_row);
	strtab_free(&h.st);
	free(out);
	return ret;
}
