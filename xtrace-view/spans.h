/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The slices of a (filtered) view that the exports draw: one pass over the window that
 * pairs begin and end events per CPU (spans.c), for --format perfetto, perfetto-proto
 * and html.
 */
#ifndef _XTRACE_VIEW_SPANS_H
#define _XTRACE_VIEW_SPANS_H

#include <stdint.h>

#include "view.h"

/* Slices first (one open slot per CPU each), then instants and shaded spans. */
enum span_kind {
	S_EXIT,			/* a VM exit: kvm_exit to the next kvm_entry, named by its reason */
	S_GUEST,		/* the guest running: kvm_entry to the next kvm_exit */
	S_IRQ,			/* a hard interrupt (or APIC vector) */
	S_SOFTIRQ,
	S_SYSCALL,
	S_TASK,			/* the task on the CPU, from sched_switch to the next */
	S_HC,			/* a hypercall, to its return at the vCPU's next entry */
	NR_SLOTS,
	S_MARK = NR_SLOTS,	/* MARKER, FLUSH, PAUSE, RESUME, a lone hypercall return */
	S_EVENT,		/* any other event, as an instant */
	S_LOST,			/* events lost: from the CPU's previous event to this one */
	NR_SPAN_KINDS
};

extern const char *const span_kind_names[NR_SPAN_KINDS];

/* One slice or instant; the strings are borrowed for the callback's duration. */
struct span {
	int src, cpu;			/* the view's system, its CPU */
	enum span_kind k;
	int64_t tod, dur;		/* UTC ns; dur 0 for an instant */
	const char *name;		/* "exit EPT_VIOLATION"-less: the reason, task "comm:pid" */
	const char *text;		/* the opening event's line ("LABEL [args]") */
	int pid;			/* the opening event's pid; S_TASK: the task's */
	const char *vm;			/* KVM slices: the vCPU thread's VM, or NULL */
	int vcpu;			/* and its vCPU, -1 if unknown */
};

typedef void (*span_fn)(void *ctx, const struct span *s);

/* whether @s is drawn as an instant (a mark or another event), not a slice */
static inline bool span_instant(const struct span *s)
{
	return s->k == S_MARK || s->k == S_EVENT;
}

/**
 * span_title - the name an export gives @s: "exit REASON" for a VM exit (made in @buf,
 * @size bytes), the label of an instant or a lost span (its line's first word), else its
 * name; *@len its length. The result is @buf or @s->name.
 */
const char *span_title(const struct span *s, char *buf, size_t size, size_t *len);

/* the most CPUs of any system of @v (at least 1): the stride of per-system, per-CPU arrays */
static inline int view_max_cpus(const struct view *v)
{
	int ncpu = 1;

	for (int i = 0; i < v->nr; i++)
		if (xtrace_rec_meta(v->src[i].rec)->nr_cpus > ncpu)
			ncpu = xtrace_rec_meta(v->src[i].rec)->nr_cpus;
	return ncpu;
}

/**
 * view_spans - call @fn for every slice and instant of @v's window, slices when they
 * close (so not in start order), those still open at the end cut at the last event;
 * *@seen (to free, v->nr * view_max_cpus(@v) counts) tells how many events each CPU of
 * each system had in the window (those the filters select).
 * Returns 0, -EBADMSG for a damaged recording (after every readable event), -errno.
 */
int view_spans(struct view *v, span_fn fn, void *ctx, uint64_t **seen);

#endif
