// SPDX-License-Identifier: GPL-2.0
/*
 * The slices of a view's window for the exports: one pass that pairs begin and end
 * events per CPU (an exit with the next entry, an entry with the next exit: the guest
 * running; interrupt, softirq and syscall entry with exit; a context switch with the
 * next: the task; a hypercall with its return), plus instants (markers, other events)
 * and the spans where the kernel lost events.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spans.h"

const char *const span_kind_names[NR_SPAN_KINDS] = {
	"exit", "guest", "irq", "softirq", "syscall", "task", "hypercall", "marker", "event",
	"lost",
};

const char *span_title(const struct span *s, char *buf, size_t size, size_t *len)
{
	int n;

	if (s->k == S_EXIT) {
		n = snprintf(buf, size, "exit %s", s->name);
		*len = n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
		return buf;
	}
	*len = span_instant(s) || s->k == S_LOST ? strcspn(s->name, " ") : strlen(s->name);
	return s->name;
}

struct slot {
	bool open;
	int64_t tod;
	int pid, vcpu;
	char name[64];
	char vm[64];
	char text[256];
};

struct cpu_state {
	struct slot s[NR_SLOTS];
	int64_t first, last;		/* the CPU's first and latest event */
};

struct pass {
	struct decode d;		/* the event */
	struct decode x;		/* a hypercall's return or lost events before it */
	struct view *v;
	span_fn fn;
	void *ctx;
};

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

static void open_slot(struct slot *o, int64_t tod, const char *name, const struct decode *d)
{
	o->open = true;
	o->tod = tod;
	o->pid = d->pid;
	o->vcpu = d->vcpu;
	snprintf(o->name, sizeof(o->name), "%s", name);
	snprintf(o->vm, sizeof(o->vm), "%s", d->vm ? d->vm : "");
	snprintf(o->text, sizeof(o->text), "%.*s", (int)d->len, d->text);
}

static void close_slot(struct pass *ps, struct cpu_state *c, int src, int cpu, enum span_kind k,
		       int64_t tod)
{
	struct slot *o = &c->s[k];
	struct span s = {
		.src = src, .cpu = cpu, .k = k, .tod = o->tod, .dur = xtrace_time_sub(tod, o->tod),
		.name = o->name, .text = o->text, .pid = o->pid,
		.vm = o->vm[0] ? o->vm : NULL, .vcpu = o->vcpu,
	};

	if (!o->open)
		return;
	o->open = false;
	ps->fn(ps->ctx, &s);
}

static void instant(struct pass *ps, int src, int cpu, enum span_kind k, int64_t tod,
		    int64_t dur, const struct decode *d, const char *name)
{
	char text[1024];
	struct span s = {
		.src = src, .cpu = cpu, .k = k, .tod = tod, .dur = dur, .name = name,
		.text = text, .pid = d->pid, .vm = d->vm, .vcpu = d->has_vcpu ? d->vcpu : -1,
	};

	snprintf(text, sizeof(text), "%.*s", (int)d->len, d->text);
	if (!name)
		s.name = text;
	ps->fn(ps->ctx, &s);
}

/* "prev:1 -> next:2" (a context switch's args): the task switched to, in @buf */
static void next_task(char *buf, size_t size, const struct decode *d, bool prev)
{
	const char *a = d->args, *arrow = NULL;
	size_t n = d->args_len;

	for (size_t i = 0; i + 4 <= n; i++)
		if (!memcmp(a + i, " -> ", 4))
			arrow = a + i;
	if (!arrow) {
		snprintf(buf, size, "%d", d->pid);
		return;
	}
	if (prev)
		snprintf(buf, size, "%.*s", (int)(arrow - a), a);
	else
		snprintf(buf, size, "%.*s", (int)(a + n - arrow - 4), arrow + 4);
}

/* the pid in "comm:pid", -1 if none */
static int task_pid(const char *task)
{
	const char *c = strrchr(task, ':');

	return c ? atoi(c + 1) : -1;
}

/*
 * open slice @k at @tod; one still open (its end lost, or a nested interrupt) ends
 * there, so that every begin event makes a slice
 */
static void begin(struct pass *ps, struct cpu_state *c, int src, int cpu, enum span_kind k,
		  int64_t tod, const char *name, const struct decode *d)
{
	close_slot(ps, c, src, cpu, k, tod);
	open_slot(&c->s[k], tod, name, d);
}

static void one_event(struct pass *ps, int si, struct cpu_state *c, struct xtrace_event *ev)
{
	struct decode *d = &ps->d;
	char word[64], vm[64];
	int cpu = ev->cpu;

	switch (d->kind) {
	case VK_KVM_EXIT:
		close_slot(ps, c, si, cpu, S_GUEST, ev->tod);
		one_word(word, sizeof(word), d->reason, strlen(d->reason));
		begin(ps, c, si, cpu, S_EXIT, ev->tod, word, d);
		break;
	case VK_KVM_ENTRY:
		close_slot(ps, c, si, cpu, S_EXIT, ev->tod);
		/* the guest by its VM's name, else by the vCPU thread */
		one_word(vm, sizeof(vm), d->vm ? d->vm : "", d->vm ? strlen(d->vm) : 0);
		if (!vm[0])
			snprintf(vm, sizeof(vm), "%d", d->pid);
		snprintf(word, sizeof(word), "guest %.*s", (int)sizeof(word) - 7, vm);
		begin(ps, c, si, cpu, S_GUEST, ev->tod, word, d);
		break;
	case VK_KVM_HC:
		snprintf(word, sizeof(word), "hypercall %llu", d->nr);
		begin(ps, c, si, cpu, S_HC, ev->tod, word, d);
		break;
	case VK_IRQ_ENTER: {
		enum span_kind k = d->label_len >= 7 && !memcmp(d->text, "SOFTIRQ", 7) ?
				   S_SOFTIRQ : S_IRQ;

		one_word(word, sizeof(word), d->key, d->key_len);
		begin(ps, c, si, cpu, k, ev->tod, word, d);
		break;
	}
	case VK_IRQ_EXIT:
		close_slot(ps, c, si, cpu,
			   d->label_len >= 7 && !memcmp(d->text, "SOFTIRQ", 7) ? S_SOFTIRQ : S_IRQ,
			   ev->tod);
		break;
	case VK_SYS_ENTER:
		one_word(word, sizeof(word), d->key, d->key_len);
		begin(ps, c, si, cpu, S_SYSCALL, ev->tod, word, d);
		break;
	case VK_SYS_EXIT:
		close_slot(ps, c, si, cpu, S_SYSCALL, ev->tod);
		break;
	case VK_SWITCH:
		if (!c->s[S_TASK].open && c->first < ev->tod) {
			/* the task that ran before the window's first switch on this CPU */
			next_task(word, sizeof(word), d, true);
			open_slot(&c->s[S_TASK], c->first, word, d);
			c->s[S_TASK].pid = task_pid(word);
		}
		close_slot(ps, c, si, cpu, S_TASK, ev->tod);
		next_task(word, sizeof(word), d, false);
		open_slot(&c->s[S_TASK], ev->tod, word, d);
		c->s[S_TASK].pid = task_pid(word);
		break;
	case VK_MARKER:
		instant(ps, si, cpu, S_MARK, ev->tod, 0, d, NULL);
		break;
	default:
		instant(ps, si, cpu, S_EVENT, ev->tod, 0, d, NULL);
		break;
	}
}

int view_spans(struct view *v, span_fn fn, void *ctx, uint64_t **seen)
{
	struct pass *ps = calloc(1, sizeof(*ps));
	struct view_opts *o = v->o;
	struct xtrace_iter *it = NULL;
	struct cpu_state *cs;
	struct xtrace_event *ev;
	struct hc_wait *hc;
	int64_t last = INT64_MIN;
	int *map = NULL, ret, ncpu = view_max_cpus(v);
	unsigned int damage;
	size_t nc;

	nc = (size_t)(v->nr ? v->nr : 1) * ncpu;
	cs = calloc(nc, sizeof(*cs));
	hc = calloc(v->nr ? v->nr : 1, sizeof(*hc));
	*seen = calloc(nc, sizeof(**seen));
	if (ps && cs && hc && *seen)
		it = view_iter(v, &map);
	if (!it) {
		ret = ps && cs && hc && *seen ? -errno : -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < nc; i++)
		cs[i].first = cs[i].last = INT64_MIN;
	ps->v = v;
	ps->fn = fn;
	ps->ctx = ctx;
	while ((ret = xtrace_iter_next(it, &ev)) > 0) {
		int si = map[ev->source];
		struct source *s = &v->src[si];
		struct cpu_state *c;
		struct decode *d = &ps->d;
		unsigned long long nr;

		if (ev->tod > o->to)
			break;
		if (ev->tod < o->from || !s->selected || ev->cpu < 0 || ev->cpu >= ncpu)
			continue;
		c = &cs[si * ncpu + ev->cpu];
		namer_facts(s->namer, ev, d);
		if (!view_pid_wanted(o, d->pid))
			continue;
		(*seen)[si * ncpu + ev->cpu]++;
		last = ev->tod;
		if (ev->missed || ev->missed_unknown) {
			namer_lost(s->namer, ev, &ps->x);
			if (namer_selected(s->namer, ev, &ps->x))
				instant(ps, si, ev->cpu, S_LOST,
					c->last == INT64_MIN ? ev->tod : c->last,
					c->last == INT64_MIN ? 0 :
					xtrace_time_sub(ev->tod, c->last), &ps->x, NULL);
		}
		c->last = ev->tod;
		if (c->first == INT64_MIN)
			c->first = ev->tod;
		if (hc_wait_event(&hc[si], d, &nr)) {
			namer_hc_exit(s->namer, d, nr, &ps->x);
			if (!namer_selected(s->namer, ev, &ps->x))
				;
			else if (c->s[S_HC].open)
				close_slot(ps, c, si, ev->cpu, S_HC, ev->tod);
			else
				instant(ps, si, ev->cpu, S_MARK, ev->tod, 0, &ps->x,
					"KVM_HOST_HC_EXIT");
		}
		if (!namer_selected(s->namer, ev, d))
			continue;
		namer_text(s->namer, ev, d);
		one_event(ps, si, c, ev);
	}
	/* what is still open at the end of the window runs to its last event */
	for (int i = 0; i < v->nr; i++)
		for (int c = 0; c < ncpu; c++)
			for (int k = 0; k < NR_SLOTS; k++)
				close_slot(ps, &cs[i * ncpu + c], i, c, k, last);
	damage = xtrace_iter_damage(it);
	if (ret >= 0 && damage)
		ret = -EBADMSG;
out:
	xtrace_iter_free(it);
	for (int i = 0; hc && i < v->nr; i++)
		hc_wait_free(&hc[i]);
	free(hc);
	free(cs);
	free(ps);
	free(map);
	return ret < 0 ? ret : 0;
}
