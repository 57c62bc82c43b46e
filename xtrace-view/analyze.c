// SPDX-License-Identifier: GPL-2.0
/*
 * The analyses: --summary (per system: events by name, span, lost events) and
 * --kvm (per VM and vCPU: exits by reason with count, total, min/mean/p50/p99/
 * max time from exit to the next entry of the vCPU thread, the worst cases;
 * hypercall round trips; in a merged view, the guest around the longest exits).
 *
 * Neither needs the global time order: every CPU stream is read on its own, on
 * as many threads as there are CPUs, and the results are added up. --kvm pairs
 * an exit with the next entry of the same thread on the same CPU; when a vCPU
 * thread turns out to have run on several CPUs, that system is read again in
 * time order (one stream over its CPUs), so the pairs are always exact.
 * Memory: per stream a frame buffer, per (vCPU thread, reason) one histogram.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <event-parse.h>

#include "view.h"
#include "hist.h"
#include "kvm-reasons.h"

#define MAX_TOP		100
#define GUEST_MARGIN	20000	/* ns shown before and after a long exit in the guest */
#define GUEST_LINES	12

/* ------------------------------------------------------------- per system */

struct label {
	char name[64];
};

/* What the workers need of one system, computed before they start (read-only). */
struct sys_info {
	int nr_ids;
	int16_t *label_of;		/* event id -> label index, -1: not selected */
	struct label *labels;
	int nr_labels;
	const struct namer *namer;	/* the workers call namer_facts() only */
	bool kvm;			/* the recording has kvm_exit or kvm_hypercall */
};

static int add_label(struct sys_info *si, const char *name)
{
	for (int i = 0; i < si->nr_labels; i++)
		if (!strcmp(si->labels[i].name, name))
			return i;
	if (!(si->nr_labels & 31)) {
		struct label *l = realloc(si->labels, (si->nr_labels + 32) * sizeof(*l));

		if (!l)
			return -1;
		si->labels = l;
	}
	snprintf(si->labels[si->nr_labels].name, sizeof(si->labels[0].name), "%s", name);
	return si->nr_labels++;
}

static int sys_info_init(struct sys_info *si, struct source *s)
{
	struct tep_handle *tep = xtrace_rec_tep(s->rec);
	struct tep_event **all = tep_list_events(tep, TEP_EVENT_SORT_ID);

	memset(si, 0, sizeof(*si));
	si->namer = s->namer;
	si->kvm = namer_has_kind(s->namer, VK_KVM_EXIT) || namer_has_kind(s->namer, VK_KVM_HC);
	if (!all)
		return -ENOMEM;
	for (int i = 0; all[i]; i++)
		if (all[i]->id >= si->nr_ids)
			si->nr_ids = all[i]->id + 1;
	si->label_of = malloc((si->nr_ids ? si->nr_ids : 1) * sizeof(*si->label_of));
	if (!si->label_of)
		return -ENOMEM;
	for (int i = 0; i < si->nr_ids; i++)
		si->label_of[i] = -1;
	/* labels in the order of the event ids: the order of equal counts */
	for (int i = 0; all[i]; i++) {
		bool sel;
		const char *l = namer_label_id(s->namer, all[i]->id, &sel);

		if (l && sel)
			si->label_of[all[i]->id] = add_label(si, l);
	}
	return 0;
}

static void sys_info_free(struct sys_info *si)
{
	free(si->label_of);
	free(si->labels);
}

/* ------------------------------------------------------------- the work */

struct worst {
	uint64_t dur;
	int64_t tod;			/* of the exit */
	int cpu;
};

struct kstat {				/* one (vCPU thread, exit reason or hypercall) */
	int pid, vcpu;
	bool hc;
	unsigned long long key;		/* isa << 32 | reason, or the hypercall's nr */
	struct hist h;
	struct worst worst[MAX_TOP];
	int nr_worst;
};

struct kopen {				/* an exit or hypercall waiting for its entry */
	int pid, vcpu, cpu;
	int64_t exit_tod, hc_tod;
	unsigned long long key, nr;
	bool exit, hc;
};

struct kpid {				/* where a vCPU thread was seen */
	int pid, cpu;
	bool several;
};

struct task {
	struct view *v;
	int source;
	struct xtrace_cpuset cpus;
	bool kvm;
	/* results */
	int err;
	unsigned int damage;
	uint64_t *counts;		/* per label */
	uint64_t extra[8];		/* FLUSH, PAUSE, RESUME, other xtrace marks */
	uint64_t events, lost;
	bool lost_unknown;
	int64_t first, last;
	struct kstat *ks;
	int nr_ks, cap_ks;
	struct kopen *ko;
	int nr_ko, cap_ko;
	struct kpid *kp;
	int nr_kp, cap_kp;
	uint64_t unpaired;
};

struct pool {
	struct task *tasks;
	int nr;
	int next;
	pthread_mutex_t lock;
	struct sys_info *si;
};

static void *grow(void *p, int *cap, size_t size)
{
	int c = *cap * 2 + 16;
	void *n = realloc(p, c * size);

	if (n)
		*cap = c;
	return n;
}

static struct kstat *kstat_of(struct task *t, int pid, int vcpu, bool hc, unsigned long long key)
{
	for (int i = t->nr_ks - 1; i >= 0; i--) {
		struct kstat *k = &t->ks[i];

		if (k->pid == pid && k->key == key && k->hc == hc)
			return k;
	}
	if (t->nr_ks == t->cap_ks) {
		struct kstat *n = grow(t->ks, &t->cap_ks, sizeof(*n));

		if (!n)
			return NULL;
		t->ks = n;
	}
	memset(&t->ks[t->nr_ks], 0, sizeof(t->ks[0]));
	t->ks[t->nr_ks].pid = pid;
	t->ks[t->nr_ks].vcpu = vcpu;
	t->ks[t->nr_ks].hc = hc;
	t->ks[t->nr_ks].key = key;
	return &t->ks[t->nr_ks++];
}

static struct kopen *kopen_of(struct task *t, int pid)
{
	for (int i = 0; i < t->nr_ko; i++)
		if (t->ko[i].pid == pid)
			return &t->ko[i];
	if (t->nr_ko == t->cap_ko) {
		struct kopen *n = grow(t->ko, &t->cap_ko, sizeof(*n));

		if (!n)
			return NULL;
		t->ko = n;
	}
	memset(&t->ko[t->nr_ko], 0, sizeof(t->ko[0]));
	t->ko[t->nr_ko].pid = pid;
	return &t->ko[t->nr_ko++];
}

static void seen_on(struct task *t, int pid, int cpu)
{
	for (int i = 0; i < t->nr_kp; i++) {
		if (t->kp[i].pid != pid)
			continue;
		if (t->kp[i].cpu != cpu)
			t->kp[i].several = true;
		return;
	}
	if (t->nr_kp == t->cap_kp) {
		struct kpid *n = grow(t->kp, &t->cap_kp, sizeof(*n));

		if (!n)
			return;
		t->kp = n;
	}
	t->kp[t->nr_kp++] = (struct kpid){ pid, cpu, false };
}

/* a duration as a time difference, saturated */
static inline int64_t dur_ns(uint64_t dur)
{
	return dur > INT64_MAX ? INT64_MAX : (int64_t)dur;
}

static void add_worst(struct kstat *k, int top, uint64_t dur, int64_t tod, int cpu)
{
	int i;

	if (!top || (k->nr_worst == top && dur <= k->worst[top - 1].dur))
		return;
	if (k->nr_worst < top)
		k->nr_worst++;
	for (i = k->nr_worst - 1; i > 0 && k->worst[i - 1].dur < dur; i--)
		k->worst[i] = k->worst[i - 1];
	k->worst[i] = (struct worst){ dur, tod, cpu };
}

static void pair(struct task *t, struct kopen *o, bool hc, int64_t now)
{
	int64_t at = hc ? o->hc_tod : o->exit_tod;
	struct kstat *k = kstat_of(t, o->pid, o->vcpu, hc, hc ? o->nr : o->key);
	uint64_t dur = now >= at ? (uint64_t)now - (uint64_t)at : 0;

	if (!k || hist_add(&k->h, dur)) {
		t->err = -ENOMEM;
		return;
	}
	add_worst(k, t->v->o->top, dur, at, o->cpu);
}

static void kvm_event(struct task *t, const struct decode *d, const struct xtrace_event *ev)
{
	struct kopen *o;

	if (d->kind != VK_KVM_EXIT && d->kind != VK_KVM_ENTRY && d->kind != VK_KVM_HC)
		return;
	seen_on(t, d->pid, ev->cpu);
	o = kopen_of(t, d->pid);
	if (!o) {
		t->err = -ENOMEM;
		return;
	}
	if (d->kind == VK_KVM_EXIT) {
		if (o->exit)
			t->unpaired++;	/* an exit without its entry (lost or cut off) */
		o->exit = true;
		o->exit_tod = ev->tod;
		o->key = d->exit_key;
		o->cpu = ev->cpu;
		if (d->has_vcpu)
			o->vcpu = d->vcpu;
	} else if (d->kind == VK_KVM_HC) {
		o->hc = true;
		o->hc_tod = ev->tod;
		o->nr = d->nr;
	} else {
		o->vcpu = d->vcpu;
		if (o->exit)
			pair(t, o, false, ev->tod);
		if (o->hc)
			pair(t, o, true, ev->tod);
		o->exit = o->hc = false;
	}
}

static void run_task(struct task *t, const struct sys_info *si)
{
	struct view_opts *o = t->v->o;
	struct source *s = &t->v->src[t->source];
	struct xtrace_iter *it = xtrace_iter_new(&s->rec, 1, &t->cpus);
	struct xtrace_event *ev;
	struct decode *d = malloc(sizeof(*d));
	char word[32];

	t->first = INT64_MAX;
	t->last = INT64_MIN;
	if (!it || !d) {
		t->err = it ? -ENOMEM : -errno;
		xtrace_iter_free(it);
		free(d);
		return;
	}
	if (!t->kvm) {
		t->counts = calloc(si->nr_labels ? si->nr_labels : 1, sizeof(*t->counts));
		if (!t->counts) {
			t->err = -ENOMEM;
			goto out;
		}
	}
	if (o->from != INT64_MIN && !o->no_skip)
		t->err = xtrace_iter_seek(it, o->from);
	while (!t->err && xtrace_iter_next(it, &ev) > 0) {
		if (ev->tod > o->to)
			break;
		if (ev->tod < o->from)
			continue;
		namer_facts(si->namer, ev, d);
		if (!view_pid_wanted(o, d->pid))
			continue;
		if (t->kvm) {
			kvm_event(t, d, ev);
			continue;
		}
		t->lost += ev->missed;
		t->lost_unknown |= ev->missed_unknown;
		if (d->type < 0 || d->type >= si->nr_ids || si->label_of[d->type] < 0)
			continue;
		if (d->kind == VK_MARKER) {
			/* FLUSH, PAUSE, RESUME apart from MARKER */
			if (namer_marker_label(d->mark, d->mark_len, word, sizeof(word)) != word) {
				t->counts[si->label_of[d->type]]++;
			} else {
				static const char *const marks[] = { "FLUSH", "PAUSE", "RESUME" };
				int m;

				for (m = 0; m < 3 && strcmp(word, marks[m]); m++)
					;
				t->extra[m]++;
			}
		} else {
			t->counts[si->label_of[d->type]]++;
		}
		if (ev->tod < t->first)
			t->first = ev->tod;
		if (ev->tod > t->last)
			t->last = ev->tod;
		t->events++;
	}
out:
	/* exits still waiting for their entry when the stream (or the window) ended */
	for (int i = 0; i < t->nr_ko; i++)
		t->unpaired += t->ko[i].exit;
	t->damage = xtrace_iter_damage(it);
	xtrace_iter_free(it);
	free(d);
}

static void *worker(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		struct task *t;

		pthread_mutex_lock(&p->lock);
		t = p->next < p->nr ? &p->tasks[p->next++] : NULL;
		pthread_mutex_unlock(&p->lock);
		if (!t)
			return NULL;
		run_task(t, &p->si[t->source]);
	}
}

static void task_free(struct task *t)
{
	free(t->counts);
	for (int i = 0; i < t->nr_ks; i++)
		hist_free(&t->ks[i].h);
	free(t->ks);
	free(t->ko);
	free(t->kp);
}

/* Run @nr tasks on up to one thread per online CPU. */
static int run_pool(struct task *tasks, int nr, struct sys_info *si)
{
	struct pool p = { .tasks = tasks, .nr = nr, .si = si };
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	int nth = ncpu < 1 ? 1 : ncpu > 64 ? 64 : (int)ncpu;
	pthread_t th[64];
	int started = 0;

	if (nth > nr)
		nth = nr;
	pthread_mutex_init(&p.lock, NULL);
	for (int i = 1; i < nth; i++)
		if (!pthread_create(&th[started], NULL, worker, &p))
			started++;
	worker(&p);
	for (int i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&p.lock);
	return 0;
}

/* One task per recorded, selected CPU of every selected system. */
static int make_tasks(struct view *v, struct task **out, bool kvm)
{
	struct task *t = NULL;
	int n = 0;

	for (int i = 0; i < v->nr; i++) {
		const struct xtrace_meta *m = xtrace_rec_meta(v->src[i].rec);

		if (!v->src[i].selected)
			continue;
		for (int c = 0; c < m->nr_cpus; c++) {
			struct task *nt;

			if (!m->cpu[c].recorded || (v->o->have_cpus &&
						    !xtrace_cpuset_has(&v->o->cpus, c)))
				continue;
			nt = realloc(t, (n + 1) * sizeof(*t));
			if (!nt) {
				free(t);
				return -ENOMEM;
			}
			t = nt;
			memset(&t[n], 0, sizeof(t[n]));
			t[n].v = v;
			t[n].source = i;
			t[n].kvm = kvm;
			xtrace_cpuset_add(&t[n].cpus, c);
			n++;
		}
	}
	*out = t;
	return n;
}

static int prepare(struct view *v, struct sys_info **si)
{
	*si = calloc(v->nr ? v->nr : 1, sizeof(**si));
	if (!*si)
		return -ENOMEM;
	for (int i = 0; i < v->nr; i++) {
		int ret = sys_info_init(&(*si)[i], &v->src[i]);

		if (ret)
			return ret;
	}
	return 0;
}

static void unprepare(struct view *v, struct sys_info *si)
{
	for (int i = 0; si && i < v->nr; i++)
		sys_info_free(&si[i]);
	free(si);
}

static void fmt_ns(char *buf, size_t len, uint64_t ns)
{
	xtrace_format_ns(buf, len, (int64_t)ns);
}

/* ------------------------------------------------------------- --summary */

/* The output written: -EIO if it could not be, -EBADMSG if damaged data was skipped. */
static int finish_output(struct out *out, unsigned int damage, int ret)
{
	out_flush(out);
	if (out->failed)
		return -EIO;
	return !ret && damage ? -EBADMSG : ret;
}

static void release(struct view *v, struct sys_info *si, struct out *out, struct task *tasks,
		    int nt)
{
	for (int k = 0; k < (nt > 0 ? nt : 0); k++)
		task_free(&tasks[k]);
	free(tasks);
	unprepare(v, si);
	free(out);
}

int run_summary(struct view *v)
{
	struct out *out = calloc(1, sizeof(*out));
	struct sys_info *si = NULL;
	struct task *tasks = NULL;
	bool json = v->o->format == F_JSON;
	unsigned int damage = 0;
	int nt, ret;

	if (!out)
		return -ENOMEM;
	ret = prepare(v, &si);
	nt = ret ? ret : make_tasks(v, &tasks, false);
	if (nt < 0) {
		ret = nt;
		goto done;
	}
	run_pool(tasks, nt, si);
	if (json)
		out_printf(out, "{\"systems\":[");
	for (int i = 0, first_sys = 1; i < v->nr; i++) {
		const struct xtrace_meta *m = xtrace_rec_meta(v->src[i].rec);
		struct sys_info *s = &si[i];
		uint64_t *counts = calloc(s->nr_labels + 3 + 1, sizeof(*counts));
		uint64_t events = 0, lost = 0, mlost = xtrace_meta_lost(m);
		int64_t first = INT64_MAX, last = INT64_MIN;
		bool unknown = false;
		int *order, no = 0;
		static const char *const marks[] = { "FLUSH", "PAUSE", "RESUME", "XTRACE_MARK" };
		char a[64], b[64], sp[32];

		if (!v->src[i].selected)
			continue;
		order = calloc(s->nr_labels + 4, sizeof(*order));
		if (!counts || !order) {
			free(counts);
			free(order);
			ret = -ENOMEM;
			goto done;
		}
		for (int k = 0; k < nt; k++) {
			struct task *t = &tasks[k];

			if (t->source != i)
				continue;
			if (t->err && !ret)
				ret = t->err;
			damage += t->damage;
			for (int l = 0; l < s->nr_labels; l++)
				counts[l] += t->counts ? t->counts[l] : 0;
			for (int l = 0; l < 4; l++)
				counts[s->nr_labels + l] += t->extra[l];
			events += t->events;
			lost += t->lost;
			unknown |= t->lost_unknown;
			if (t->events && t->first < first)
				first = t->first;
			if (t->events && t->last > last)
				last = t->last;
		}
		/* by count, largest first */
		for (int l = 0; l < s->nr_labels + 4; l++)
			if (counts[l])
				order[no++] = l;
		for (int x = 1; x < no; x++)
			for (int y = x; y > 0 && counts[order[y]] > counts[order[y - 1]]; y--) {
				int tmp = order[y];

				order[y] = order[y - 1];
				order[y - 1] = tmp;
			}
		if (events) {
			format_tod(first, a, sizeof(a));
			format_tod(last, b, sizeof(b));
			fmt_ns(sp, sizeof(sp), xtrace_time_sub(last, first));
		} else {
			strcpy(a, "-");
			strcpy(b, "-");
			strcpy(sp, "0");
		}
		if (json) {
			out_printf(out, "%s{\"system\":", first_sys ? "" : ",");
			out_json_str(out, v->src[i].host, strlen(v->src[i].host));
			out_printf(out, ",\"hostname\":");
			out_json_str(out, m->hostname ? m->hostname : "", m->hostname ?
				     strlen(m->hostname) : 0);
			out_printf(out, ",\"events\":%llu,\"first_ns\":%lld,\"last_ns\":%lld,\"span_ns\":%lld,\"lost\":%llu,\"lost_unknown\":%s,\"lost_recorded\":%llu,\"counts\":{",
				   (unsigned long long)events,
				   events ? (long long)first : 0, events ? (long long)last : 0,
				   events ? (long long)xtrace_time_sub(last, first) : 0,
				   (unsigned long long)lost,
				   unknown ? "true" : "false", (unsigned long long)mlost);
			for (int x = 0; x < no; x++) {
				int k = order[x];
				const char *name = k < s->nr_labels ? s->labels[k].name :
						   marks[k - s->nr_labels];

				out_printf(out, "%s", x ? "," : "");
				out_json_str(out, name, strlen(name));
				out_printf(out, ":%llu", (unsigned long long)counts[order[x]]);
			}
			out_printf(out, "}}");
		} else {
			if (m->mode && !strcmp(m->mode, "overwrite"))
				/* a flight recorder's gaps are its older events, overwritten */
				out_printf(out, "%ssystem %s: %llu events from %s to %s (%s); %llu%s older events overwritten (flight recorder), %llu lost\n",
					   first_sys ? "" : "\n", v->src[i].host,
					   (unsigned long long)events, a, b, sp,
					   (unsigned long long)lost, unknown ? "+" : "",
					   (unsigned long long)mlost);
			else
				out_printf(out, "%ssystem %s: %llu events from %s to %s (%s); lost %llu%s (recorder counted %llu)\n",
					   first_sys ? "" : "\n",
					   v->src[i].host, (unsigned long long)events, a, b, sp,
					   (unsigned long long)lost,
					   unknown ? " and an unknown number" : "",
					   (unsigned long long)mlost);
			out_printf(out, "  %12s  %6s  %s\n", "COUNT", "%", "EVENT");
			for (int x = 0; x < no; x++) {
				int k = order[x];
				const char *name = k < s->nr_labels ? s->labels[k].name :
						   marks[k - s->nr_labels];

				out_printf(out, "  %12llu  %6.2f  %s\n",
					   (unsigned long long)counts[order[x]],
					   events ? 100.0 * counts[order[x]] / events : 0, name);
			}
		}
		first_sys = 0;
		free(counts);
		free(order);
	}
	if (json)
		out_printf(out, "]}\n");
	ret = finish_output(out, damage, ret);
done:
	release(v, si, out, tasks, nt);
	return ret;
}

/* ------------------------------------------------------------- --kvm */

static const char *reason_name(unsigned long long key, char *buf, size_t len)
{
	const char *n = kvm_exit_reason_name((int)(key >> 32), key & 0xffffffffULL);

	if (n)
		return n;
	snprintf(buf, len, "reason_%llu", key & 0xffffffffULL);
	return buf;
}

static int cmp_kstat(const void *a, const void *b)
{
	const struct kstat *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	if (x->hc != y->hc)
		return x->hc ? 1 : -1;
	/* most time first */
	if (x->h.sum != y->h.sum)
		return x->h.sum > y->h.sum ? -1 : 1;
	return x->key < y->key ? -1 : x->key > y->key;
}

/* Add task results of one system into @all (merging equal pid/key). */
static int collect(struct task *t, struct kstat **all, int *nr, int *cap, int top)
{
	for (int i = 0; i < t->nr_ks; i++) {
		struct kstat *k = &t->ks[i], *a = NULL;

		for (int j = 0; j < *nr; j++)
			if ((*all)[j].pid == k->pid && (*all)[j].key == k->key &&
			    (*all)[j].hc == k->hc)
				a = &(*all)[j];
		if (!a) {
			if (*nr == *cap) {
				struct kstat *n = grow(*all, cap, sizeof(*n));

				if (!n)
					return -ENOMEM;
				*all = n;
			}
			a = &(*all)[(*nr)++];
			memset(a, 0, sizeof(*a));
			a->pid = k->pid;
			a->vcpu = k->vcpu;
			a->hc = k->hc;
			a->key = k->key;
		}
		if (hist_merge(&a->h, &k->h))
			return -ENOMEM;
		for (int w = 0; w < k->nr_worst; w++)
			add_worst(a, top, k->worst[w].dur, k->worst[w].tod, k->worst[w].cpu);
	}
	return 0;
}

/* The guest system of VM @vm in this view, or -1. */
static int guest_of(struct view *v, int host, const char *vm)
{
	if (!vm)
		return -1;
	for (int i = 0; i < v->nr; i++) {
		const struct xtrace_meta *m = xtrace_rec_meta(v->src[i].rec);

		if (i == host)
			continue;
		if (!strcmp(vm, xtrace_rec_name(v->src[i].rec)) || !strcmp(vm, v->src[i].host) ||
		    (m->hostname && (!strcmp(vm, m->hostname) ||
				     !strncmp(vm, m->hostname, strcspn(m->hostname, ".")))))
			return i;
	}
	return -1;
}

static void guest_line(struct view *v, struct out *out, int g, const struct xtrace_event *ev,
		       int n, bool json)
{
	struct source *s = &v->src[g];
	struct decode *d = malloc(sizeof(*d));
	char t[64];
	int len;

	if (!d)
		return;
	namer_decode(s->namer, ev, d);
	len = d->len < 512 ? (int)d->len : 511;	/* the text, cut at 511 bytes */
	format_tod(ev->tod, t, sizeof(t));
	if (json) {
		out_printf(out, "%s{\"time\":\"%s\",\"ns\":%lld,\"event\":", n ? "," : "", t,
			   (long long)ev->tod);
		out_json_str(out, d->text, len);
		out_printf(out, "}");
	} else {
		out_printf(out, "          %s %s %d %.*s\n", t, s->host, ev->cpu, len, d->text);
	}
	free(d);
}

/*
 * What guest @g's CPU @cpu did around an exit from @at to @end: its last
 * GUEST_LINES/2 events before @at (within GUEST_MARGIN) and its first ones after.
 */
static void guest_window(struct view *v, struct out *out, int g, int cpu, int64_t at,
			 int64_t end, bool json)
{
	struct source *s = &v->src[g];
	struct xtrace_cpuset cs = { { 0 } };
	struct xtrace_iter *it;
	struct xtrace_event *ev;
	struct xtrace_rec *one = s->rec;
	int n = 0;

	xtrace_cpuset_add(&cs, cpu);
	/* before: a first pass keeps the count, a second prints the last few */
	for (int pass = 0, before = 0; pass < 2; pass++) {
		int k = 0;

		it = xtrace_iter_new(&one, 1, &cs);
		if (!it || xtrace_iter_seek(it, at - GUEST_MARGIN)) {
			xtrace_iter_free(it);
			return;
		}
		while (xtrace_iter_next(it, &ev) > 0 && ev->tod < at) {
			if (pass && k >= before - GUEST_LINES / 2)
				guest_line(v, out, g, ev, n++, json);
			k++;
		}
		before = k;
		if (pass) {
			/* the exit itself and after: up to the entry and the margin */
			int after = 0;

			do {
				if (ev->tod < at || ev->tod > end + GUEST_MARGIN)
					break;
				guest_line(v, out, g, ev, n++, json);
			} while (++after < GUEST_LINES / 2 && xtrace_iter_next(it, &ev) > 0);
		}
		xtrace_iter_free(it);
	}
	if (!n && !json)
		out_printf(out, "          (no event of %s CPU %d in this window)\n", s->host, cpu);
}

static void print_stat(struct out *out, const struct kstat *k, const char *name, bool json,
		       int top)
{
	char c[5][24], w[64];

	if (json) {
		out_printf(out, "{\"%s\":", k->hc ? "nr" : "reason");
		if (k->hc)
			out_printf(out, "%llu", k->key);
		else
			out_json_str(out, name, strlen(name));
		out_printf(out, ",\"count\":%llu,\"total_ns\":%llu,\"min_ns\":%llu,\"mean_ns\":%llu,\"p50_ns\":%llu,\"p99_ns\":%llu,\"max_ns\":%llu,\"worst\":[",
			   (unsigned long long)k->h.count, (unsigned long long)k->h.sum,
			   (unsigned long long)k->h.min,
			   (unsigned long long)(k->h.count ? k->h.sum / k->h.count : 0),
			   (unsigned long long)hist_percentile(&k->h, 50),
			   (unsigned long long)hist_percentile(&k->h, 99),
			   (unsigned long long)k->h.max);
		for (int i = 0; i < k->nr_worst && i < top; i++) {
			format_tod(k->worst[i].tod, w, sizeof(w));
			out_printf(out, "%s{\"time\":\"%s\",\"ns\":%lld,\"cpu\":%d,\"dur_ns\":%llu}",
				   i ? "," : "", w, (long long)k->worst[i].tod, k->worst[i].cpu,
				   (unsigned long long)k->worst[i].dur);
		}
		out_printf(out, "]}");
		return;
	}
	fmt_ns(c[0], sizeof(c[0]), k->h.sum);
	fmt_ns(c[1], sizeof(c[1]), k->h.min);
	fmt_ns(c[2], sizeof(c[2]), k->h.count ? k->h.sum / k->h.count : 0);
	fmt_ns(c[3], sizeof(c[3]), hist_percentile(&k->h, 50));
	fmt_ns(c[4], sizeof(c[4]), hist_percentile(&k->h, 99));
	fmt_ns(w, sizeof(w), k->h.max);
	out_printf(out, "    %-24s %10llu %11s %10s %10s %10s %10s %10s", name,
		   (unsigned long long)k->h.count, c[0], c[1], c[2], c[3], c[4], w);
	for (int i = 0; i < k->nr_worst && i < top; i++) {
		format_tod(k->worst[i].tod, w, sizeof(w));
		out_printf(out, "%s%s", i ? ", " : "  ", w);
	}
	out_printf(out, "\n");
}

int run_kvm(struct view *v)
{
	struct out *out = calloc(1, sizeof(*out));
	bool json = v->o->format == F_JSON;
	struct sys_info *si = NULL;
	struct task *tasks = NULL;
	unsigned int damage = 0;
	int nt, ret, top = v->o->top, first_sys = 1;

	if (!out)
		return -ENOMEM;
	ret = prepare(v, &si);
	nt = ret ? ret : make_tasks(v, &tasks, true);
	if (nt < 0) {
		ret = nt;
		goto done;
	}
	/* only systems with kvm events have anything to say */
	for (int k = 0; k < nt; k++)
		if (!si[tasks[k].source].kvm)
			tasks[k].source = -1 - tasks[k].source;
	{
		int w = 0;

		for (int k = 0; k < nt; k++)
			if (tasks[k].source >= 0)
				tasks[w++] = tasks[k];
		nt = w;
	}
	run_pool(tasks, nt, si);
	/* a vCPU thread that ran on several CPUs: read its system again in time order */
	for (int i = 0; i < v->nr; i++) {
		bool again = false;
		struct xtrace_cpuset all = { { 0 } };

		for (int k = 0; k < nt; k++) {
			if (tasks[k].source != i)
				continue;
			for (int a = 0; a < tasks[k].nr_kp && !again; a++)
				for (int b = 0; b < nt && !again; b++) {
					if (tasks[b].source != i || b == k)
						continue;
					for (int c = 0; c < tasks[b].nr_kp; c++)
						if (tasks[b].kp[c].pid == tasks[k].kp[a].pid)
							again = true;
				}
			for (int c = 0; c < XTRACE_MAX_CPUS / 64; c++)
				all.bits[c] |= tasks[k].cpus.bits[c];
		}
		if (!again)
			continue;
		for (int k = 0; k < nt; k++) {
			if (tasks[k].source != i)
				continue;
			task_free(&tasks[k]);
			memset(&tasks[k], 0, sizeof(tasks[k]));
			tasks[k].source = -1;
		}
		{
			struct task *nt2 = realloc(tasks, (nt + 1) * sizeof(*tasks));

			if (!nt2) {
				ret = -ENOMEM;
				goto done;
			}
			tasks = nt2;
			memset(&tasks[nt], 0, sizeof(tasks[nt]));
			tasks[nt].v = v;
			tasks[nt].source = i;
			tasks[nt].kvm = true;
			tasks[nt].cpus = all;
			run_task(&tasks[nt], &si[i]);
			nt++;
		}
	}
	if (json)
		out_printf(out, "{\"systems\":[");
	for (int i = 0; i < v->nr; i++) {
		struct kstat *all = NULL;
		int nr = 0, cap = 0;
		uint64_t unpaired = 0;

		if (!v->src[i].selected)
			continue;
		for (int k = 0; k < nt; k++) {
			if (tasks[k].source != i)
				continue;
			if (tasks[k].err && !ret)
				ret = tasks[k].err;
			damage += tasks[k].damage;
			unpaired += tasks[k].unpaired;
			if (collect(&tasks[k], &all, &nr, &cap, top) && !ret)
				ret = -ENOMEM;
		}
		if (!nr) {
			free(all);
			continue;
		}
		qsort(all, nr, sizeof(*all), cmp_kstat);
		if (json) {
			out_printf(out, "%s{\"system\":", first_sys ? "" : ",");
			out_json_str(out, v->src[i].host, strlen(v->src[i].host));
			out_printf(out, ",\"unpaired_exits\":%llu,\"vcpus\":[",
				   (unsigned long long)unpaired);
		} else {
			out_printf(out, "%sKVM on %s: time from each VM exit to the vCPU's next entry (percentiles within 0.8%%)\n",
				   first_sys ? "" : "\n",
				   v->src[i].host);
		}
		first_sys = 0;
		for (int a = 0, nthr = 0; a < nr; ) {
			int pid = all[a].pid, vcpu = all[a].vcpu, b, nhc = 0, nex = 0;
			const char *vm = namer_vm(v->src[i].namer, pid, NULL);
			const char *comm = xtrace_rec_comm(v->src[i].rec, pid);
			struct hist tot = { 0 };
			char buf[32], tb[24];
			int g;

			for (b = a; b < nr && all[b].pid == pid; b++) {
				if (all[b].hc) {
					nhc++;
				} else {
					nex++;
					hist_merge(&tot, &all[b].h);
				}
			}
			fmt_ns(tb, sizeof(tb), tot.sum);
			if (json) {
				out_printf(out, "%s{\"vm\":", nthr ? "," : "");
				out_json_str(out, vm ? vm : "", vm ? strlen(vm) : 0);
				out_printf(out, ",\"vcpu\":%d,\"pid\":%d,\"exits\":%llu,\"total_ns\":%llu,\"reasons\":[",
					   vcpu, pid, (unsigned long long)tot.count,
					   (unsigned long long)tot.sum);
			} else {
				out_printf(out, "\n  VM %s vCPU %d (thread %d%s%s): %llu exits, %s outside the guest\n",
					   vm ? vm : "?", vcpu, pid,
					   comm ? " " : "", comm ? comm : "",
					   (unsigned long long)tot.count, tb);
				if (nex)
					out_printf(out, "    %-24s %10s %11s %10s %10s %10s %10s %10s  %s\n",
						   "EXIT REASON", "COUNT", "TOTAL", "MIN", "MEAN", "P50",
						   "P99", "MAX", "WORST AT");
			}
			for (int x = a, c = 0; x < b; x++) {
				if (all[x].hc)
					continue;
				if (json && c++)
					out_printf(out, ",");
				print_stat(out, &all[x], reason_name(all[x].key, buf, sizeof(buf)),
					   json, top);
			}
			if (json)
				out_printf(out, "],\"hypercalls\":[");
			else if (nhc)
				out_printf(out, "    %-24s %10s %11s %10s %10s %10s %10s %10s  %s\n",
					   "HYPERCALL (entry->exit)", "COUNT", "TOTAL", "MIN", "MEAN",
					   "P50", "P99", "MAX", "WORST AT");
			for (int x = a, c = 0; x < b; x++) {
				const char *hn;

				if (!all[x].hc)
					continue;
				if (json && c++)
					out_printf(out, ",");
				hn = kvm_hypercall_name(all[x].key);
				snprintf(buf, sizeof(buf), "%llu%s%s", all[x].key, hn ? " " : "",
					 hn ? hn : "");
				print_stat(out, &all[x], buf, json, top);
			}
			if (json)
				out_printf(out, "],\"guest\":[");
			/* the guest's side of the longest exits, when the guest is in this view */
			g = guest_of(v, i, vm);
			if (g >= 0 && vcpu >= 0) {
				struct worst longest[MAX_TOP];
				int nl = 0;

				for (int x = a; x < b; x++)
					for (int w = 0; !all[x].hc && w < all[x].nr_worst; w++) {
						uint64_t dur = all[x].worst[w].dur;
						int at;

						if (nl == top && dur <= longest[nl - 1].dur)
							continue;
						if (nl < top)
							nl++;
						for (at = nl - 1; at > 0 && longest[at - 1].dur <
						     all[x].worst[w].dur; at--)
							longest[at] = longest[at - 1];
						longest[at] = all[x].worst[w];
					}
				if (!json && nl)
					out_printf(out, "    guest %s CPU %d during the %d longest exits (+-%d us):\n",
						   v->src[g].host, vcpu, nl,
						   GUEST_MARGIN / 1000);
				for (int l = 0; l < nl; l++) {
					int64_t at, end;
					char t[64], d[24];

					format_tod(longest[l].tod, t, sizeof(t));
					fmt_ns(d, sizeof(d), longest[l].dur);
					if (json) {
						out_printf(out, "%s{\"exit\":\"%s\",\"dur_ns\":%llu,\"events\":[",
							   l ? "," : "", t,
							   (unsigned long long)longest[l].dur);
					} else {
						out_printf(out, "      exit at %s for %s:\n", t, d);
					}
					at = longest[l].tod;
					end = xtrace_time_add(at, dur_ns(longest[l].dur));
					guest_window(v, out, g, vcpu, at, end, json);
					if (json)
						out_printf(out, "]}");
				}
			}
			if (json)
				out_printf(out, "]}");
			hist_free(&tot);
			nthr++;
			a = b;
		}
		if (json)
			out_printf(out, "]}");
		else if (unpaired)
			out_printf(out, "\n  %llu exits had no entry after them (lost events, or the end of the recording or window)\n",
				   (unsigned long long)unpaired);
		for (int x = 0; x < nr; x++)
			hist_free(&all[x].h);
		free(all);
	}
	if (json)
		out_printf(out, "]}\n");
	else if (first_sys)
		out_printf(out, "no KVM exits in %s\n", v->nr > 1 ? "these recordings" :
			   "this recording");
	ret = finish_output(out, damage, ret);
done:
	release(v, si, out, tasks, nt);
	return ret;
}
