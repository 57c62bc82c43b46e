// SPDX-License-Identifier: GPL-2.0
/*
 * Exports of a (filtered) view: --format perfetto, Chrome's trace-event JSON
 * that ui.perfetto.dev opens (one process per system, one track per CPU; VM
 * exits, guest runs, interrupts and system calls as slices; markers and FLUSH
 * as instants), and --format html, a self-contained timeline page of the same
 * slices (systems and CPUs as rows) drawn by its own script.
 *
 * Both come from one pass that pairs begin and end events per CPU: an exit with
 * the next entry, an entry with the next exit (the guest running), interrupt
 * entry with exit, syscall entry with exit.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <event-parse.h>

#include "tool.h"
#include "view.h"

#define HTML_MAX_ITEMS	200000

enum span_kind { S_EXIT, S_GUEST, S_IRQ, S_SYSCALL, S_MARK, S_EVENT, NR_SPAN_KINDS };

static const char *const kind_names[NR_SPAN_KINDS] = {
	"exit", "guest", "irq", "syscall", "marker", "event",
};

struct open_span {
	int64_t tod;
	char name[64];
	bool open;
};

struct cpu_state {
	struct open_span s[4];		/* S_EXIT .. S_SYSCALL */
	bool seen;
};

typedef void (*span_fn)(void *ctx, int source, int cpu, enum span_kind k, int64_t tod,
			int64_t dur, const char *name, const char *args);

/*
 * A slice's name: one word of @s (@len bytes), up to a space or a ']', at most
 * @size - 1 bytes (an interrupt "ahci[0000:00:17.0]" is "ahci[0000:00:17.0").
 */
static void one_word(char *buf, size_t size, const char *s, size_t len)
{
	size_t n = 0;

	while (n < len && s[n] && s[n] != ' ' && s[n] != ']')
		n++;
	snprintf(buf, size, "%.*s", (int)(n < size ? n : size - 1), s);
}

static void open_span(struct open_span *o, int64_t tod, const char *name)
{
	o->open = true;
	o->tod = tod;
	snprintf(o->name, sizeof(o->name), "%s", name);
}

static void close_span(struct open_span *o, span_fn fn, void *ctx, int src, int cpu,
		       enum span_kind k, int64_t tod)
{
	if (o->open)
		fn(ctx, src, cpu, k, o->tod, xtrace_time_sub(tod, o->tod), o->name, NULL);
	o->open = false;
}

struct pass {
	struct decode d;		/* the event */
	struct decode x;		/* a hypercall's return before it */
	char text[1024];		/* an instant's text */
};

/* An instant's text: the event's, cut at 1023 bytes. */
static const char *instant(struct pass *ps, const struct decode *d)
{
	snprintf(ps->text, sizeof(ps->text), "%.*s", (int)d->len, d->text);
	return ps->text;
}

static int spans(struct view *v, span_fn fn, void *ctx, struct cpu_state **states)
{
	struct view_opts *o = v->o;
	struct xtrace_iter *it;
	struct xtrace_event *ev;
	struct cpu_state *cs;
	struct hc_wait *hc;
	struct pass *ps;
	char word[64], vm[64];
	int64_t last = INT64_MIN;
	int *map = NULL, ret, ncpu = 0;
	unsigned int damage;

	for (int i = 0; i < v->nr; i++)
		if (xtrace_rec_meta(v->src[i].rec)->nr_cpus > ncpu)
			ncpu = xtrace_rec_meta(v->src[i].rec)->nr_cpus;
	cs = calloc((size_t)(v->nr ? v->nr : 1) * (ncpu ? ncpu : 1), sizeof(*cs));
	if (!cs)
		return -ENOMEM;
	*states = cs;
	hc = calloc(v->nr ? v->nr : 1, sizeof(*hc));
	ps = malloc(sizeof(*ps));
	it = hc && ps ? view_iter(v, &map) : NULL;
	if (!it) {
		ret = hc && ps ? -errno : -ENOMEM;
		free(hc);
		free(ps);
		return ret;
	}
	while ((ret = xtrace_iter_next(it, &ev)) > 0) {
		int si = map[ev->source];
		struct source *s = &v->src[si];
		struct cpu_state *c = &cs[si * ncpu + ev->cpu];
		struct decode *d = &ps->d;
		unsigned long long nr;

		if (ev->tod > o->to)
			break;
		if (ev->tod < o->from || !s->selected)
			continue;
		namer_facts(s->namer, ev, d);
		if (o->nr_pids) {
			int i;

			for (i = 0; i < o->nr_pids && o->pids[i] != d->pid; i++)
				;
			if (i == o->nr_pids)
				continue;
		}
		c->seen = true;
		last = ev->tod;
		if (hc_wait_event(&hc[si], d, &nr)) {
			namer_hc_exit(s->namer, d, nr, &ps->x);
			if (namer_selected(s->namer, ev, &ps->x))
				fn(ctx, si, ev->cpu, S_MARK, ev->tod, 0, "KVM_HOST_HC_EXIT",
				   instant(ps, &ps->x));
		}
		if (!namer_selected(s->namer, ev, d))
			continue;
		namer_text(s->namer, ev, d);
		switch (d->kind) {
		case VK_KVM_EXIT:
			close_span(&c->s[S_GUEST], fn, ctx, si, ev->cpu, S_GUEST, ev->tod);
			one_word(word, sizeof(word), d->reason, strlen(d->reason));
			open_span(&c->s[S_EXIT], ev->tod, word);
			break;
		case VK_KVM_ENTRY:
			close_span(&c->s[S_EXIT], fn, ctx, si, ev->cpu, S_EXIT, ev->tod);
			/* the guest by its VM's name, else by the vCPU thread */
			one_word(vm, sizeof(vm), d->vm ? d->vm : "", d->vm ? strlen(d->vm) : 0);
			if (!vm[0])
				snprintf(vm, sizeof(vm), "%d", d->pid);
			snprintf(word, sizeof(word), "guest %.*s", (int)sizeof(word) - 7, vm);
			open_span(&c->s[S_GUEST], ev->tod, word);
			break;
		case VK_IRQ_ENTER:
			one_word(word, sizeof(word), d->key, d->key_len);
			open_span(&c->s[S_IRQ], ev->tod, word);
			break;
		case VK_IRQ_EXIT:
			close_span(&c->s[S_IRQ], fn, ctx, si, ev->cpu, S_IRQ, ev->tod);
			break;
		case VK_SYS_ENTER:
			one_word(word, sizeof(word), d->key, d->key_len);
			open_span(&c->s[S_SYSCALL], ev->tod, word);
			break;
		case VK_SYS_EXIT:
			close_span(&c->s[S_SYSCALL], fn, ctx, si, ev->cpu, S_SYSCALL, ev->tod);
			break;
		case VK_MARKER:
			fn(ctx, si, ev->cpu, S_MARK, ev->tod, 0, instant(ps, d), NULL);
			break;
		default:
			fn(ctx, si, ev->cpu, S_EVENT, ev->tod, 0, instant(ps, d), NULL);
			break;
		}
	}
	/* what is still open at the end of the window runs to its last event */
	for (int i = 0; i < v->nr; i++)
		for (int c = 0; c < ncpu; c++)
			for (int k = 0; k < 4; k++)
				close_span(&cs[i * ncpu + c].s[k], fn, ctx, i, c, k, last);
	damage = xtrace_iter_damage(it);
	xtrace_iter_free(it);
	for (int i = 0; i < v->nr; i++)
		hc_wait_free(&hc[i]);
	free(hc);
	free(ps);
	free(map);
	return ret < 0 ? ret : damage ? -EBADMSG : 0;
}

/* ------------------------------------------------------------- perfetto */

struct pf {
	struct view *v;
	struct out *out;
	bool first;
};

static void pf_ts(struct out *o, int64_t ns)
{
	/* microseconds with ns precision, from the view's start */
	int64_t a = ns < 0 ? -ns : ns;

	out_printf(o, "%s%lld.%03lld", ns < 0 ? "-" : "", (long long)(a / 1000),
		   (long long)(a % 1000));
}

static void pf_span(void *ctx, int src, int cpu, enum span_kind k, int64_t tod, int64_t dur,
		    const char *name, const char *args)
{
	struct pf *p = ctx;
	struct out *o = p->out;

	out_printf(o, "%s\n{\"pid\":%d,\"tid\":%d,\"ts\":", p->first ? "" : ",", src + 1, cpu);
	p->first = false;
	pf_ts(o, xtrace_time_sub(tod, p->v->start));
	if (k == S_MARK || k == S_EVENT) {
		out_printf(o, ",\"ph\":\"i\",\"s\":\"t\",\"cat\":\"%s\",\"name\":", kind_names[k]);
		out_json_str(o, name, strcspn(name, " "));
		out_printf(o, ",\"args\":{\"text\":");
		out_json_str(o, args ? args : name, strlen(args ? args : name));
		out_printf(o, "}}");
		return;
	}
	out_printf(o, ",\"ph\":\"X\",\"dur\":");
	pf_ts(o, dur);
	out_printf(o, ",\"cat\":\"%s\",\"name\":", kind_names[k]);
	if (k == S_EXIT) {
		char n[80];

		snprintf(n, sizeof(n), "exit %s", name);
		out_json_str(o, n, strlen(n));
	} else {
		out_json_str(o, name, strlen(name));
	}
	out_printf(o, "}");
}

int run_perfetto(struct view *v)
{
	struct out *out = calloc(1, sizeof(*out));
	struct pf p = { .v = v, .out = out, .first = true };
	struct cpu_state *cs = NULL;
	int ret, ncpu = 0;

	if (!out)
		return -ENOMEM;
	out_printf(out, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[");
	ret = spans(v, pf_span, &p, &cs);
	for (int i = 0; i < v->nr; i++)
		if (xtrace_rec_meta(v->src[i].rec)->nr_cpus > ncpu)
			ncpu = xtrace_rec_meta(v->src[i].rec)->nr_cpus;
	/* one process per system, one thread (track) per CPU */
	for (int i = 0; i < v->nr && cs; i++) {
		if (!v->src[i].selected)
			continue;
		out_printf(out, "%s\n{\"ph\":\"M\",\"pid\":%d,\"name\":\"process_name\",\"args\":{\"name\":",
			   p.first ? "" : ",", i + 1);
		p.first = false;
		out_json_str(out, v->src[i].host, strlen(v->src[i].host));
		out_printf(out, "}}");
		for (int c = 0; c < ncpu; c++)
			if (cs[i * ncpu + c].seen)
				out_printf(out, ",\n{\"ph\":\"M\",\"pid\":%d,\"tid\":%d,\"name\":\"thread_name\",\"args\":{\"name\":\"CPU %d\"}}",
					   i + 1, c, c);
	}
	out_printf(out, "\n]}\n");
	out_flush(out);
	if (out->failed)
		ret = -EIO;
	free(cs);
	free(out);
	return ret;
}

/* ------------------------------------------------------------- html */

struct item {
	int row;
	int64_t tod, dur;
	enum span_kind k;
	char name[48];
};

struct html {
	struct view *v;
	struct item *items;
	size_t nr, cap;
	size_t dropped;
	int ncpu;
};

static void html_span(void *ctx, int src, int cpu, enum span_kind k, int64_t tod, int64_t dur,
		      const char *name, const char *args)
{
	struct html *h = ctx;
	struct item *it;

	(void)args;
	if (k == S_EVENT || k == S_SYSCALL)
		return;	/* the picture: guest vs exits, interrupts, markers */
	if (h->nr == HTML_MAX_ITEMS) {
		h->dropped++;
		return;
	}
	if (h->nr == h->cap) {
		size_t cap = h->cap * 2 + 1024;
		struct item *n = realloc(h->items, cap * sizeof(*n));

		if (!n) {
			h->dropped++;
			return;
		}
		h->items = n;
		h->cap = cap;
	}
	it = &h->items[h->nr++];
	it->row = src * h->ncpu + cpu;
	it->tod = tod;
	it->dur = dur;
	it->k = k;
	snprintf(it->name, sizeof(it->name), "%s", name);
}

static const char html_head[] =
"<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>xtrace timeline</title>\n<style>\nbody{font:12px sans-serif;margin:8px}\n#tl{position:relative}\n.row{position:relative;height:22px;border-bottom:1px solid #ddd;margin-left:110px}\n.row .lbl{position:absolute;left:-110px;width:105px;text-align:right;line-height:22px}\n.item{position:absolute;top:3px;height:16px;min-width:1px}\n.guest{background:#8c8}.exit{background:#d44;top:1px;height:20px}\n.irq{background:#48c;top:12px;height:8px}\n.marker{background:#000;width:2px;top:0;height:22px}\n#legend span{display:inline-block;padding:0 6px;margin-right:6px}\n</style></head><body>\n<h3 id=\"title\"></h3>\n<div id=\"legend\"><span class=\"guest\">guest running</span><span class=\"exit\">VM exit</span><span class=\"irq\">interrupt</span><span class=\"marker\" style=\"color:#fff\">marker</span></div>\n<div id=\"tl\"></div>\n<script>\n";

static const char html_tail[] =
"</script>\n<script>\n"
"(function(){\n"
"var tl=document.getElementById('tl'),span=DATA.to-DATA.from||1;\n"
"document.getElementById('title').textContent=DATA.title;\n"
"var rows=[];\n"
"DATA.rows.forEach(function(r,i){var d=document.createElement('div');d.className='row';\n"
" d.setAttribute('data-row',r);var l=document.createElement('span');l.className='lbl';\n"
" l.textContent=r;d.appendChild(l);tl.appendChild(d);rows[i]=d;});\n"
"DATA.items.forEach(function(it){var d=document.createElement('div');\n"
" d.className='item '+DATA.kinds[it[1]];\n"
" d.style.left=(100*(it[2]-DATA.from)/span)+'%';\n"
" if(it[3]>0)d.style.width=(100*it[3]/span)+'%';\n"
" d.title=it[4]+' at +'+(it[2]/1e9).toFixed(9)+'s'+(it[3]>0?' for '+it[3]+' ns':'');\n"
" rows[it[0]].appendChild(d);});\n"
"document.body.setAttribute('data-items',DATA.items.length);\n"
"})();\n</script>\n</body></html>\n";

int run_html(struct view *v)
{
	struct out *out = calloc(1, sizeof(*out));
	struct html h = { .v = v };
	struct cpu_state *cs = NULL;
	int64_t from = INT64_MAX, to = INT64_MIN;
	int *rowmap = NULL, nrows = 0, ret;
	char a[64], b[64];

	if (!out)
		return -ENOMEM;
	for (int i = 0; i < v->nr; i++)
		if (xtrace_rec_meta(v->src[i].rec)->nr_cpus > h.ncpu)
			h.ncpu = xtrace_rec_meta(v->src[i].rec)->nr_cpus;
	ret = spans(v, html_span, &h, &cs);
	if (ret && ret != -EBADMSG)
		goto done;
	for (size_t i = 0; i < h.nr; i++) {
		if (h.items[i].tod < from)
			from = h.items[i].tod;
		if (h.items[i].tod + h.items[i].dur > to)
			to = h.items[i].tod + h.items[i].dur;
	}
	if (v->o->from != INT64_MIN)
		from = v->o->from;
	if (v->o->to != INT64_MAX)
		to = v->o->to;
	if (from > to)
		from = to = v->start;
	rowmap = calloc((size_t)(v->nr ? v->nr : 1) * (h.ncpu ? h.ncpu : 1), sizeof(*rowmap));
	if (!rowmap) {
		ret = -ENOMEM;
		goto done;
	}
	out_write(out, html_head, sizeof(html_head) - 1);
	format_tod(from, a, sizeof(a));
	format_tod(to, b, sizeof(b));
	out_printf(out, "var DATA={\"title\":\"xtrace: %s to %s UTC%s\",\"from\":%lld,\"to\":%lld,\"kinds\":[\"exit\",\"guest\",\"irq\",\"syscall\",\"marker\",\"event\"],\"rows\":[",
		   a, b, h.dropped ? " (cut: narrow the window)" : "",
		   (long long)(from - v->start), (long long)(to - v->start));
	/* rows: every CPU of every selected system that had an event */
	for (int i = 0; i < v->nr; i++)
		for (int c = 0; c < h.ncpu; c++) {
			char r[96];

			if (!v->src[i].selected || !cs[i * h.ncpu + c].seen)
				continue;
			snprintf(r, sizeof(r), "%s CPU %d", v->src[i].host, c);
			out_printf(out, "%s", nrows ? "," : "");
			out_json_str(out, r, strlen(r));
			rowmap[i * h.ncpu + c] = nrows++;
		}
	out_printf(out, "],\"items\":[");
	for (size_t i = 0; i < h.nr; i++) {
		struct item *it = &h.items[i];

		out_printf(out, "%s\n[%d,%d,%lld,%lld,", i ? "," : "", rowmap[it->row], it->k,
			   (long long)xtrace_time_sub(it->tod, v->start), (long long)it->dur);
		out_json_str(out, it->name, strlen(it->name));
		out_printf(out, "]");
	}
	out_printf(out, "]};\n");
	out_write(out, html_tail, sizeof(html_tail) - 1);
	out_flush(out);
	if (out->failed)
		ret = -EIO;
	if (h.dropped && !v->o->quiet)
		tool_msg("warning: the timeline holds the first %d slices; %zu more left out (narrow the window with --from/--to or --around)",
			 HTML_MAX_ITEMS, h.dropped);
done:
	free(rowmap);
	free(h.items);
	free(cs);
	free(out);
	return ret;
}
