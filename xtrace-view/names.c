// SPDX-License-Identifier: GPL-2.0
/*
 * The decoder of xtrace-view (DESIGN.md §5): each known tracepoint is one entry of
 * specs[], a view kind, a name and the fields of its key arguments, read straight
 * from the record at the offsets its recorded format gives; anything else is named
 * by its tracepoint, with the kernel's own rendering of its fields. An event is
 * decoded once, into a struct decode (names.h), for every printer and analysis.
 */
#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event-parse.h>
#include <trace-seq.h>

#include "xtrace.h"
#include "names.h"
#include "kvm-reasons.h"

/* How an event's arguments are written. */
enum kind {
	K_UNSET,	/* no such event in the recording's formats */
	K_GENERIC,	/* system:event [the kernel's rendering] */
	K_NUM,		/* LABEL [decimal f0] */
	K_HEX,		/* LABEL [0x f0] */
	K_STR,		/* LABEL [string f0] */
	K_SOFTIRQ,	/* LABEL [softirq name of f0] */
	K_VECTOR,	/* irq_vectors:X_entry -> LABEL [X] */
	K_SWITCH,	/* LABEL [f0:f1 -> f2:f3] */
	K_ARROW,	/* LABEL [f0 -> f1] */
	K_MIGRATE,	/* LABEL [f0 f1->f2] */
	K_SYSCALL,	/* LABEL [syscall name of f0] */
	K_KVM_ENTRY,	/* LABEL [pid f0 vm] */
	K_KVM_EXIT,	/* LABEL [pid reason vm/vcpu] */
	K_KVM_HC,	/* LABEL [nr vm/vcpu] */
	K_MARKER,	/* MARKER [text], FLUSH [text] */
};

#define MARK_LEN	((int)sizeof(XTRACE_MARK) - 1)	/* the recorder's marks' prefix */

struct spec {
	const char *sys, *name;
	enum kind kind;
	enum view_kind vk;
	const char *label;
	const char *f[4];
};

static const struct spec specs[] = {
	{ "irq", "irq_handler_entry", K_STR, VK_IRQ_ENTER, "INTERRUPT_ENTER", { "name" } },
	{ "irq", "irq_handler_exit", K_NUM, VK_IRQ_EXIT, "INTERRUPT_EXIT", { "irq" } },
	{ "irq", "softirq_entry", K_SOFTIRQ, VK_IRQ_ENTER, "SOFTIRQ_ENTER", { "vec" } },
	{ "irq", "softirq_exit", K_SOFTIRQ, VK_IRQ_EXIT, "SOFTIRQ_EXIT", { "vec" } },
	{ "irq", "softirq_raise", K_SOFTIRQ, VK_OTHER, "SOFTIRQ_RAISE", { "vec" } },
	{ "timer", "hrtimer_start", K_HEX, VK_OTHER, "HRTIMER_START", { "hrtimer" } },
	{ "timer", "hrtimer_cancel", K_HEX, VK_OTHER, "HRTIMER_CANCEL", { "hrtimer" } },
	{ "timer", "hrtimer_expire_entry", K_HEX, VK_OTHER, "HRTIMER_EXPIRE", { "hrtimer" } },
	{ "timer", "hrtimer_expire_exit", K_HEX, VK_OTHER, "HRTIMER_EXPIRE_DONE", { "hrtimer" } },
	{ "timer", "timer_start", K_HEX, VK_OTHER, "TIMER_START", { "timer" } },
	{ "timer", "timer_cancel", K_HEX, VK_OTHER, "TIMER_CANCEL", { "timer" } },
	{ "timer", "timer_expire_entry", K_HEX, VK_OTHER, "TIMER_EXPIRE", { "timer" } },
	{ "timer", "timer_expire_exit", K_HEX, VK_OTHER, "TIMER_EXPIRE_DONE", { "timer" } },
	{ "sched", "sched_wakeup", K_NUM, VK_OTHER, "SCHED_WAKEUP", { "pid" } },
	{ "sched", "sched_wakeup_new", K_NUM, VK_OTHER, "SCHED_WAKEUP_NEW", { "pid" } },
	{ "sched", "sched_waking", K_NUM, VK_OTHER, "SCHED_WAKING", { "pid" } },
	{ "sched", "sched_switch", K_SWITCH, VK_SWITCH, "CONTEXT_SWITCH",
	  { "prev_comm", "prev_pid", "next_comm", "next_pid" } },
	{ "sched", "sched_process_fork", K_ARROW, VK_OTHER, "PROCESS_FORK",
	  { "parent_pid", "child_pid" } },
	{ "sched", "sched_process_exec", K_STR, VK_OTHER, "PROCESS_EXEC", { "filename" } },
	{ "sched", "sched_process_exit", K_NUM, VK_OTHER, "PROCESS_EXIT", { "pid" } },
	{ "sched", "sched_migrate_task", K_MIGRATE, VK_OTHER, "SCHED_MIGRATE",
	  { "pid", "orig_cpu", "dest_cpu" } },
	{ "raw_syscalls", "sys_enter", K_SYSCALL, VK_SYS_ENTER, "SYSCALL_ENTER", { "id" } },
	{ "raw_syscalls", "sys_exit", K_SYSCALL, VK_SYS_EXIT, "SYSCALL_EXIT", { "id" } },
	{ "syscalls", "sys_enter_read", K_NUM, VK_OTHER, "FILE_READ", { "fd" } },
	{ "syscalls", "sys_enter_pread64", K_NUM, VK_OTHER, "FILE_READ", { "fd" } },
	{ "syscalls", "sys_enter_write", K_NUM, VK_OTHER, "FILE_WRITE", { "fd" } },
	{ "syscalls", "sys_enter_pwrite64", K_NUM, VK_OTHER, "FILE_WRITE", { "fd" } },
	{ "syscalls", "sys_enter_close", K_NUM, VK_OTHER, "FILE_CLOSE", { "fd" } },
	{ "kvm", "kvm_entry", K_KVM_ENTRY, VK_KVM_ENTRY, "KVM_ENTER_VM_PID", { "vcpu_id" } },
	{ "kvm", "kvm_exit", K_KVM_EXIT, VK_KVM_EXIT, "KVM_EXIT_VM_PID", { "exit_reason" } },
	{ "kvm", "kvm_hypercall", K_KVM_HC, VK_KVM_HC, "KVM_HOST_HC_ENTER", { "nr" } },
	{ "ftrace", "print", K_MARKER, VK_MARKER, "MARKER", { "buf" } },
};

static const char *const softirq_names[] = {
	"hi", "timer", "net_tx", "net_rx", "block", "irq_poll", "tasklet", "sched", "hrtimer", "rcu",
};

struct evinfo {
	enum kind kind;
	enum view_kind vk;
	const char *label;
	size_t label_len;		/* in the text: K_GENERIC's is "system:event", uncut */
	char vector[48];
	char tracepoint[80];		/* system:event */
	struct tep_event *event;
	struct tep_format_field *f[4];
	struct tep_format_field *isa, *vcpu;	/* kvm_exit: optional fields */
	signed char selected;		/* event filter: -1 not decided yet */
};

#define REASON_SLOTS 512

struct reason {
	bool used;
	unsigned long long key;
	char name[40];
};

struct pending_hc {
	int pid;
	unsigned long long nr;
};

struct namer {
	struct tep_handle *tep;
	const char *(*syscall)(const void *ctx, long nr);
	const void *ctx;
	struct evinfo *info;		/* by type id, every event of the formats */
	int nr_info;
	int type_off, type_size;	/* common_type, common_pid; size 0: none */
	int pid_off, pid_size;
	bool native;			/* recorded in this machine's byte order */
	struct trace_seq seq;
	struct reason reasons[REASON_SLOTS];
	struct xtrace_vms vms;		/* the recording's vms file (libxtrace reads it) */
	int last_tid;			/* one-entry cache of vm_thread() */
	const struct xtrace_vm_thread *last_thread;
	char *const *patterns;		/* --event: NULL = everything */
	bool have_vms;			/* a vms file was read */
};

static void classify(struct evinfo *ei, struct tep_event *e);

struct namer *namer_new(struct tep_handle *tep, const char *(*syscall)(const void *ctx, long nr),
			const void *ctx)
{
	struct namer *n = calloc(1, sizeof(*n));
	int nr = tep_get_events_count(tep);
	struct tep_format_field *f;
	struct tep_event *e;

	if (!n)
		return NULL;
	n->tep = tep;
	n->syscall = syscall;
	n->ctx = ctx;
	n->native = tep_is_file_bigendian(tep) == tep_is_local_bigendian(tep);
	trace_seq_init(&n->seq);
	/* every event type is classified here: decoding changes nothing but caches */
	for (int i = 0; i < nr; i++) {
		e = tep_get_event(tep, i);
		if (e && e->id >= n->nr_info && e->id < 1 << 20)
			n->nr_info = e->id + 1;
	}
	n->info = calloc(n->nr_info ? n->nr_info : 1, sizeof(*n->info));
	if (!n->info) {
		namer_free(n);
		return NULL;
	}
	for (int i = 0; i < nr; i++) {
		e = tep_get_event(tep, i);
		if (e && e->id >= 0 && e->id < n->nr_info)
			classify(&n->info[e->id], e);
	}
	/* the common fields as libtraceevent finds them: in its first event */
	e = nr ? tep_get_event(tep, 0) : NULL;
	f = e ? tep_find_common_field(e, "common_type") : NULL;
	if (f) {
		n->type_off = f->offset;
		n->type_size = f->size;
	}
	f = e ? tep_find_common_field(e, "common_pid") : NULL;
	if (f) {
		n->pid_off = f->offset;
		n->pid_size = f->size;
	}
	return n;
}

void namer_free(struct namer *n)
{
	if (!n)
		return;
	trace_seq_destroy(&n->seq);
	free(n->info);
	xtrace_vms_free(&n->vms);
	free(n);
}

int namer_load_vms(struct namer *n, const char *dir)
{
	xtrace_vms_free(&n->vms);
	n->have_vms = false;
	n->last_tid = -1;
	n->last_thread = NULL;
	if (xtrace_vms_read(dir, &n->vms)) {
		xtrace_vms_free(&n->vms);
		return -1;
	}
	n->have_vms = true;
	return n->vms.nr_vms;
}

static const struct xtrace_vm_thread *vm_thread(struct namer *n, int tid)
{
	if (tid != n->last_tid) {
		n->last_tid = tid;
		n->last_thread = xtrace_vms_thread(&n->vms, tid);
	}
	return n->last_thread;
}

const char *namer_vm(struct namer *n, int tid, int *vcpu)
{
	const struct xtrace_vm_thread *t = vm_thread(n, tid);

	if (vcpu)
		*vcpu = t ? t->vcpu : -1;
	return t ? xtrace_vms_name(&n->vms, t->pid) : NULL;
}

int namer_nr_vms(const struct namer *n)
{
	return n->have_vms ? n->vms.nr_vms : -1;
}

const char *namer_vm_name(const struct namer *n, int i, int *pid)
{
	if (i < 0 || i >= n->vms.nr_vms)
		return NULL;
	if (pid)
		*pid = n->vms.vms[i].pid;
	return n->vms.vms[i].name;
}

void namer_set_event_filter(struct namer *n, char *const *patterns)
{
	n->patterns = patterns;
}

static void classify(struct evinfo *ei, struct tep_event *e)
{
	ei->event = e;
	ei->kind = K_GENERIC;
	ei->vk = VK_OTHER;
	ei->selected = -1;
	snprintf(ei->tracepoint, sizeof(ei->tracepoint), "%s:%s", e->system, e->name);
	ei->label = ei->tracepoint;
	ei->label_len = strlen(e->system) + 1 + strlen(e->name);
	for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		const struct spec *s = &specs[i];
		bool ok = true;

		if (strcmp(s->sys, e->system) || strcmp(s->name, e->name))
			continue;
		for (int f = 0; f < 4 && s->f[f]; f++) {
			ei->f[f] = tep_find_field(e, s->f[f]);
			if (!ei->f[f])
				ok = false;
		}
		/* a kernel whose format lacks a field we read falls back to the generic form */
		if (ok) {
			ei->kind = s->kind;
			ei->vk = s->vk;
			ei->label = s->label;
			ei->label_len = strlen(s->label);
		}
		if (s->kind == K_KVM_EXIT) {
			ei->isa = tep_find_field(e, "isa");
			ei->vcpu = tep_find_field(e, "vcpu_id");
		}
		return;
	}
	if (!strcmp(e->system, "irq_vectors")) {
		size_t len = strlen(e->name);
		bool entry = len > 6 && !strcmp(e->name + len - 6, "_entry");
		bool exit = len > 5 && !strcmp(e->name + len - 5, "_exit");

		if (!entry && !exit)
			return;
		len -= entry ? 6 : 5;
		if (len == 11 && !strncmp(e->name, "local_timer", 11))
			snprintf(ei->vector, sizeof(ei->vector), "apic_timer");
		else
			snprintf(ei->vector, sizeof(ei->vector), "%.*s", (int)len, e->name);
		ei->kind = K_VECTOR;
		ei->vk = entry ? VK_IRQ_ENTER : VK_IRQ_EXIT;
		ei->label = entry ? "INTERRUPT_ENTER" : "INTERRUPT_EXIT";
		ei->label_len = strlen(ei->label);
	}
}

/* The event type @id's classification, NULL if the recording has no such event. */
static inline struct evinfo *info_of(const struct namer *n, int id)
{
	if (id < 0 || id >= n->nr_info || n->info[id].kind == K_UNSET)
		return NULL;
	return &n->info[id];
}

bool namer_has_kind(const struct namer *n, enum view_kind k)
{
	for (int i = 0; i < n->nr_info; i++)
		if (n->info[i].kind != K_UNSET && n->info[i].vk == k)
			return true;
	return false;
}

/*
 * Whether @size bytes at @off lie whole within record @r: the view's own reads of a field go
 * through this (xtrace_field_data()'s check for a fixed field, inline: it is on every event's
 * path). A recording is untrusted: a record may be shorter than its event's format says, and
 * a field outside it reads as 0 (or -1 for a common field).
 */
static inline bool whole(const struct tep_record *r, int off, int size)
{
	return off >= 0 && size > 0 && off <= r->size && size <= r->size - off;
}

/* A common field (type, pid) as libtraceevent reads it; -1 if the formats or the record lack it. */
static inline int common(const struct namer *n, const struct tep_record *r, int off, int size)
{
	const char *p = (const char *)r->data + off;

	if (!whole(r, off, size))
		return -1;
	if (n->native && size == 2) {
		uint16_t v;

		memcpy(&v, p, 2);
		return v;
	}
	if (n->native && size == 4) {
		int32_t v;

		memcpy(&v, p, 4);
		return v;
	}
	return (int)tep_read_number(n->tep, p, size);
}

/* A number field; the same value as tep_read_number_field(), straight from the record. */
static inline unsigned long long num(const struct namer *n, const struct tep_format_field *f,
				     const struct tep_record *r)
{
	const char *p = (const char *)r->data + f->offset;

	if (!whole(r, f->offset, f->size))
		return 0;
	if (n->native) {
		switch (f->size) {
		case 1:
			return *(const uint8_t *)p;
		case 2: {
			uint16_t v;

			memcpy(&v, p, 2);
			return v;
		}
		case 4: {
			uint32_t v;

			memcpy(&v, p, 4);
			return v;
		}
		case 8: {
			uint64_t v;

			memcpy(&v, p, 8);
			return v;
		}
		default:
			return 0;
		}
	}
	switch (f->size) {
	case 1: case 2: case 4: case 8:
		return tep_read_number(n->tep, p, f->size);
	default:
		return 0;
	}
}

static long long snum(const struct namer *n, const struct tep_format_field *f,
		       const struct tep_record *r)
{
	unsigned long long v = num(n, f, r);

	if (!(f->flags & TEP_FIELD_IS_SIGNED))
		return v;
	switch (f->size) {
	case 1: return (int8_t)v;
	case 2: return (int16_t)v;
	case 4: return (int32_t)v;
	default: return (long long)v;
	}
}

/* A string field, fixed-size or dynamic (__data_loc / __rel_loc), within the record. */
static int str(const struct tep_format_field *f, const struct tep_record *r, const char **s)
{
	unsigned int len = 0;
	const char *p;

	if (!(f->flags & TEP_FIELD_IS_DYNAMIC) && !f->size && (f->flags & TEP_FIELD_IS_ARRAY) &&
	    f->offset >= 0 && f->offset <= r->size) {
		/* char buf[]: to the end of the record */
		*s = (const char *)r->data + f->offset;
		return strnlen(*s, r->size - f->offset);
	}
	p = xtrace_field_data(f, r, &len);
	*s = p ? p : "";
	return p ? strnlen(p, len) : 0;
}

/* The event's info in n->seq as its format prints it, or its raw fields if that would overread. */
static void print_info(struct namer *n, const struct evinfo *ei, const struct tep_record *r)
{
	trace_seq_reset(&n->seq);
	if (xtrace_event_printable(ei->event, r))
		tep_print_event(n->tep, &n->seq, (struct tep_record *)r, "%s", TEP_PRINT_INFO);
	else
		tep_print_fields(&n->seq, r->data, r->size, ei->event);
	trace_seq_terminate(&n->seq);
}

static const char *exit_reason(struct namer *n, const struct evinfo *ei,
			       const struct tep_record *r)
{
	unsigned long long isa = ei->isa ? num(n, ei->isa, r) : 0;
	unsigned long long reason = num(n, ei->f[0], r) & 0xffffffffULL;
	unsigned long long key = (isa << 32) | reason;
	struct reason *slot = &n->reasons[(key * 0x9E3779B97F4A7C15ULL) >> 55];
	const char *at, *end, *name;

	if (slot->used && slot->key == key)
		return slot->name;
	/* the uapi tables (VMX, SVM) by the format's isa field */
	name = kvm_exit_reason_name((int)isa, reason);
	if (name) {
		slot->used = true;
		slot->key = key;
		snprintf(slot->name, sizeof(slot->name), "%s%s", name,
			 isa == KVM_ISA_VMX && (reason & 0x80000000ULL) ? "+FAILED_VMENTRY" : "");
		return slot->name;
	}
	/* else the recorded format's own __print_symbolic table (an unknown isa or code) */
	print_info(n, ei, r);
	at = strstr(n->seq.buffer, "reason ");
	slot->used = true;
	slot->key = key;
	if (!at) {
		snprintf(slot->name, sizeof(slot->name), "%llu", key & 0xffffffffULL);
		return slot->name;
	}
	at += 7;
	end = strstr(at, " rip ");
	if (!end)
		end = at + strcspn(at, " ");
	snprintf(slot->name, sizeof(slot->name), "%.*s", (int)(end - at), at);
	for (char *c = slot->name; *c; c++)
		if (*c == ' ')
			*c = '_';
	return slot->name;
}

/* One event, one line: the kernel's own renderings may hold newlines. */
static size_t one_line(char *buf, int ret, size_t len)
{
	size_t n;

	if (ret < 0)
		return 0;
	n = (size_t)ret < len ? (size_t)ret : len - 1;
	for (size_t i = 0; i < n; i++)
		if (buf[i] == '\n' || buf[i] == '\r')
			buf[i] = ' ';
	return n;
}

void namer_facts(const struct namer *n, const struct xtrace_event *ev, struct decode *d)
{
	const struct tep_record *r = ev->record;
	const struct evinfo *ei;

	d->type = common(n, r, n->type_off, n->type_size);
	d->pid = common(n, r, n->pid_off, n->pid_size);
	d->have_text = false;
	d->vcpu = -1;
	d->has_vcpu = false;
	ei = info_of(n, d->type);
	d->kind = ei ? ei->vk : VK_OTHER;
	switch (ei ? ei->kind : K_UNSET) {
	case K_KVM_ENTRY:
		d->vcpu = (int)num(n, ei->f[0], r);
		d->has_vcpu = true;
		break;
	case K_KVM_EXIT: {
		unsigned long long isa = ei->isa ? num(n, ei->isa, r) : 0;

		d->exit_key = isa << 32 | (num(n, ei->f[0], r) & 0xffffffffULL);
		if (ei->vcpu) {
			d->vcpu = (int)num(n, ei->vcpu, r);
			d->has_vcpu = true;
		}
		break;
	}
	case K_KVM_HC:
		d->nr = num(n, ei->f[0], r);
		break;
	case K_MARKER:
		d->mark_len = str(ei->f[0], r, &d->mark);
		break;
	default:
		break;
	}
}

/* "LABEL [args]" split as the view always has: at its first '[' after a space, if it ends in ']' */
static void split_text(struct decode *d)
{
	char *br = memchr(d->text, '[', d->len);

	if (!d->len || !br || br == d->text || br[-1] != ' ' || d->text[d->len - 1] != ']') {
		d->label_len = d->len;
		d->args = d->text + d->len;
		d->args_len = 0;
		d->brackets = false;
		return;
	}
	d->label_len = br - 1 - d->text;
	d->args = br + 1;
	d->args_len = d->text + d->len - 1 - (br + 1);
	d->brackets = true;
}

/*
 * The text is written (snprintf()'s @ret): cut it, keep it on one line if its
 * arguments are free text (@lines), and split it into label and args.
 */
static void text_done(struct decode *d, int ret, size_t label_len, bool brackets, bool lines)
{
	size_t at = label_len + 2, len = sizeof(d->text) - 1;

	if (ret < 0)
		len = 0;
	else if ((size_t)ret < sizeof(d->text))
		len = ret;
	d->len = len;
	if (lines)
		one_line(d->text, ret, sizeof(d->text));
	d->key = d->text + (brackets && at < len ? at : len);
	d->key_len = brackets && at < len ? (size_t)ret - at - 1 : 0;
	if (d->key + d->key_len > d->text + len)
		d->key_len = d->text + len - d->key;
	if ((size_t)ret != len || memchr(d->text, '[', label_len < len ? label_len : len)) {
		/* cut, or a recorder's mark (XTRACE_MARK) whose label holds a '[' */
		split_text(d);
		return;
	}
	d->label_len = label_len;
	d->brackets = brackets;
	d->args = d->text + (brackets ? at : len);
	d->args_len = brackets ? len - at - 1 : 0;
}

void namer_text(struct namer *n, const struct xtrace_event *ev, struct decode *d)
{
	const struct tep_record *r = ev->record;
	char *buf = d->text;
	size_t len = sizeof(d->text);
	const struct evinfo *ei;
	const char *s1, *s2;
	int l1, l2, ret = 0;

	if (d->have_text)
		return;
	d->have_text = true;
	d->vm = NULL;
	d->reason = NULL;
	ei = info_of(n, d->type);
	if (!ei) {
		d->tracepoint = "unknown";
		ret = snprintf(buf, len, "UNKNOWN_EVENT [type %d]", d->type);
		text_done(d, ret, 13, true, false);
		return;
	}
	d->tracepoint = ei->tracepoint;
	switch (ei->kind) {
	case K_NUM:
		ret = snprintf(buf, len, "%s [%lld]", ei->label, snum(n, ei->f[0], r));
		break;
	case K_HEX:
		ret = snprintf(buf, len, "%s [0x%llx]", ei->label, num(n, ei->f[0], r));
		break;
	case K_STR:
		l1 = str(ei->f[0], r, &s1);
		ret = snprintf(buf, len, "%s [%.*s]", ei->label, l1, s1);
		break;
	case K_SOFTIRQ: {
		unsigned long long v = num(n, ei->f[0], r);

		if (v < sizeof(softirq_names) / sizeof(softirq_names[0]))
			ret = snprintf(buf, len, "%s [%s]", ei->label, softirq_names[v]);
		else
			ret = snprintf(buf, len, "%s [%llu]", ei->label, v);
		break;
	}
	case K_VECTOR:
		ret = snprintf(buf, len, "%s [%s]", ei->label, ei->vector);
		break;
	case K_SWITCH:
		l1 = str(ei->f[0], r, &s1);
		l2 = str(ei->f[2], r, &s2);
		ret = snprintf(buf, len, "%s [%.*s:%lld -> %.*s:%lld]", ei->label, l1, s1,
			       snum(n, ei->f[1], r), l2, s2, snum(n, ei->f[3], r));
		break;
	case K_ARROW:
		ret = snprintf(buf, len, "%s [%lld -> %lld]", ei->label, snum(n, ei->f[0], r),
			       snum(n, ei->f[1], r));
		break;
	case K_MIGRATE:
		ret = snprintf(buf, len, "%s [%lld %lld->%lld]", ei->label, snum(n, ei->f[0], r),
			       snum(n, ei->f[1], r), snum(n, ei->f[2], r));
		break;
	case K_SYSCALL: {
		long long nr = snum(n, ei->f[0], r);
		const char *name = n->syscall ? n->syscall(n->ctx, nr) : NULL;

		if (name)
			ret = snprintf(buf, len, "%s [%s]", ei->label, name);
		else
			ret = snprintf(buf, len, "%s [%lld]", ei->label, nr);
		break;
	}
	case K_KVM_ENTRY:
		d->vm = namer_vm(n, d->pid, NULL);
		if (d->vm)
			ret = snprintf(buf, len, "%s [%d %llu %s]", ei->label, d->pid,
				       num(n, ei->f[0], r), d->vm);
		else
			ret = snprintf(buf, len, "%s [%d %llu]", ei->label, d->pid,
				       num(n, ei->f[0], r));
		break;
	case K_KVM_EXIT:
		d->vm = namer_vm(n, d->pid, &d->vcpu);
		if (ei->vcpu)
			d->vcpu = (int)num(n, ei->vcpu, r);
		d->reason = exit_reason(n, ei, r);
		if (d->vm)
			ret = snprintf(buf, len, "%s [%d %s %s/%d]", ei->label, d->pid, d->reason,
				       d->vm, d->vcpu);
		else
			ret = snprintf(buf, len, "%s [%d %s]", ei->label, d->pid, d->reason);
		break;
	case K_KVM_HC:
		d->vm = namer_vm(n, d->pid, &d->vcpu);
		if (d->vm)
			ret = snprintf(buf, len, "%s [%llu %s/%d]", ei->label, d->nr, d->vm,
				       d->vcpu);
		else
			ret = snprintf(buf, len, "%s [%llu]", ei->label, d->nr);
		break;
	case K_MARKER:
		s1 = d->mark;
		l1 = d->mark_len;
		while (l1 && (s1[l1 - 1] == '\n' || s1[l1 - 1] == ' '))
			l1--;
		if (l1 > MARK_LEN && !strncmp(s1, XTRACE_MARK, MARK_LEN)) {
			/* the recorder's own marks: FLUSH [#n], PAUSE, RESUME */
			int w;

			s1 += MARK_LEN;
			l1 -= MARK_LEN;
			w = strcspn(s1, " ");
			w = w > l1 ? l1 : w;
			if (w == l1)
				ret = snprintf(buf, len, "%.*s", w, s1);
			else
				ret = snprintf(buf, len, "%.*s [%.*s]", w, s1, l1 - w - 1, s1 + w + 1);
			text_done(d, ret, w, w != l1, true);
		} else {
			ret = snprintf(buf, len, "MARKER [%.*s]", l1, s1);
			text_done(d, ret, 6, true, true);
		}
		return;
	default:
		print_info(n, ei, r);
		ret = snprintf(buf, len, "%s:%s [%s]", ei->event->system, ei->event->name,
			       n->seq.buffer);
		text_done(d, ret, ei->label_len, true, true);
		return;
	}
	text_done(d, ret, ei->label_len, true, false);
}

void namer_decode(struct namer *n, const struct xtrace_event *ev, struct decode *d)
{
	namer_facts(n, ev, d);
	namer_text(n, ev, d);
}

bool hc_wait_event(struct hc_wait *w, const struct decode *d, unsigned long long *nr)
{
	if (d->kind == VK_KVM_HC) {
		for (int i = 0; i < w->nr; i++)
			if (w->p[i].pid == d->pid) {
				w->p[i].nr = d->nr;
				return false;
			}
		if (w->nr == w->cap) {
			int cap = w->cap * 2 + 8;
			struct pending_hc *p = realloc(w->p, cap * sizeof(*p));

			if (!p)
				return false;
			w->p = p;
			w->cap = cap;
		}
		w->p[w->nr++] = (struct pending_hc){ d->pid, d->nr };
		return false;
	}
	if (d->kind != VK_KVM_ENTRY)
		return false;
	for (int i = 0; i < w->nr; i++) {
		if (w->p[i].pid != d->pid)
			continue;
		*nr = w->p[i].nr;
		w->p[i] = w->p[--w->nr];
		return true;
	}
	return false;
}

void hc_wait_free(struct hc_wait *w)
{
	free(w->p);
	w->p = NULL;
	w->nr = w->cap = 0;
}

void namer_hc_exit(struct namer *n, const struct decode *entry, unsigned long long nr,
		   struct decode *d)
{
	const struct evinfo *ei = info_of(n, entry->type);
	int ret;

	d->kind = VK_KVM_HC_EXIT;
	d->type = entry->type;
	d->pid = entry->pid;
	d->vcpu = entry->vcpu;
	d->has_vcpu = entry->has_vcpu;
	d->nr = nr;
	d->have_text = true;
	d->tracepoint = ei ? ei->tracepoint : "unknown";
	d->vm = namer_vm(n, entry->pid, NULL);
	d->reason = NULL;
	if (d->vm)
		ret = snprintf(d->text, sizeof(d->text), "KVM_HOST_HC_EXIT [%llu %s/%d]", nr, d->vm,
			       d->vcpu);
	else
		ret = snprintf(d->text, sizeof(d->text), "KVM_HOST_HC_EXIT [%llu]", nr);
	text_done(d, ret, 16, true, false);
}

void namer_lost(struct namer *n, const struct xtrace_event *ev, struct decode *d)
{
	const struct evinfo *ei = info_of(n, common(n, ev->record, n->type_off,
						    n->type_size));
	int ret;

	d->kind = VK_LOST;
	d->type = -1;
	d->pid = common(n, ev->record, n->pid_off, n->pid_size);
	d->vcpu = -1;
	d->has_vcpu = false;
	d->have_text = true;
	d->tracepoint = ei ? ei->tracepoint : "unknown";
	d->vm = NULL;
	d->reason = NULL;
	if (ev->missed_unknown)
		ret = snprintf(d->text, sizeof(d->text), "LOST_EVENTS [unknown]");
	else
		ret = snprintf(d->text, sizeof(d->text), "LOST_EVENTS [%u]", ev->missed);
	text_done(d, ret, 11, true, false);
}

bool namer_match_name(char *const *patterns, const char *name)
{
	for (int i = 0; patterns && patterns[i]; i++)
		if (!fnmatch(patterns[i], name, 0))
			return true;
	return false;
}

bool namer_selected(struct namer *n, const struct xtrace_event *ev, struct decode *d)
{
	struct evinfo *ei;

	if (!n->patterns)
		return true;
	if (d->kind == VK_LOST)
		return namer_match_name(n->patterns, "LOST_EVENTS");
	if (d->kind == VK_KVM_HC_EXIT)
		return namer_match_name(n->patterns, "KVM_HOST_HC_EXIT");
	ei = info_of(n, d->type);
	if (!ei)
		return namer_match_name(n->patterns, "UNKNOWN_EVENT");
	if (ei->kind == K_MARKER) {
		/* MARKER, FLUSH, PAUSE, RESUME: the label is in the text, to its first space */
		char word[256];
		size_t w;

		namer_text(n, ev, d);
		w = strcspn(d->text, " ");
		w = w < sizeof(word) ? w : sizeof(word) - 1;
		memcpy(word, d->text, w);
		word[w] = '\0';
		return namer_match_name(n->patterns, word) ||
		       namer_match_name(n->patterns, ei->tracepoint);
	}
	if (ei->selected < 0)
		ei->selected = namer_match_name(n->patterns, ei->label) ||
			       namer_match_name(n->patterns, ei->tracepoint);
	return ei->selected;
}

const char *namer_label_id(struct namer *n, int id, bool *selected)
{
	struct evinfo *ei = info_of(n, id);

	if (!ei) {
		*selected = !n->patterns;
		return NULL;
	}
	if (ei->selected < 0)
		ei->selected = !n->patterns || namer_match_name(n->patterns, ei->label) ||
			       namer_match_name(n->patterns, ei->tracepoint);
	*selected = ei->selected;
	return ei->kind == K_MARKER ? "MARKER" : ei->label;
}

const char *namer_marker_label(const char *text, size_t len, char *word, size_t wlen)
{
	size_t w;

	if (len <= MARK_LEN || strncmp(text, XTRACE_MARK, MARK_LEN))
		return "MARKER";
	text += MARK_LEN;
	len -= MARK_LEN;
	for (w = 0; w < len && text[w] != ' ' && text[w] != '\n' && text[w]; w++)
		;
	snprintf(word, wlen, "%.*s", (int)w, text);
	return word;
}

size_t namer_fields(struct namer *n, const struct xtrace_event *ev, char *buf, size_t len)
{
	struct tep_record *r = ev->record;
	struct evinfo *ei = info_of(n, tep_data_type(n->tep, r));
	int pid = tep_data_pid(n->tep, r), ret;

	if (!ei)
		return snprintf(buf, len, "pid=%d", pid) >= (int)len ? len - 1 : strlen(buf);
	trace_seq_reset(&n->seq);
	tep_print_fields(&n->seq, r->data, r->size, ei->event);
	trace_seq_terminate(&n->seq);
	ret = snprintf(buf, len, "%s-%d %s:%s %s", tep_data_comm_from_pid(n->tep, pid), pid,
		       ei->event->system, ei->event->name, n->seq.buffer);
	return one_line(buf, ret, len);
}
