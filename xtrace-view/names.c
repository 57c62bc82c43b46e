// SPDX-License-Identifier: GPL-2.0
/*
 * The xtrace names of events (DESIGN.md §5): each known tracepoint maps to a
 * name and one key argument read straight from the record at the offsets its
 * recorded format gives; anything else prints as its tracepoint name and the
 * kernel's own rendering of its fields.
 */
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event-parse.h>
#include <trace-seq.h>

#include "names.h"
#include "kvm-reasons.h"

enum kind {
	K_UNSET,
	K_GENERIC,
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

struct spec {
	const char *sys, *name;
	enum kind kind;
	const char *label;
	const char *f[4];
};

static const struct spec specs[] = {
	{ "irq", "irq_handler_entry", K_STR, "INTERRUPT_ENTER", { "name" } },
	{ "irq", "irq_handler_exit", K_NUM, "INTERRUPT_EXIT", { "irq" } },
	{ "irq", "softirq_entry", K_SOFTIRQ, "SOFTIRQ_ENTER", { "vec" } },
	{ "irq", "softirq_exit", K_SOFTIRQ, "SOFTIRQ_EXIT", { "vec" } },
	{ "irq", "softirq_raise", K_SOFTIRQ, "SOFTIRQ_RAISE", { "vec" } },
	{ "timer", "hrtimer_start", K_HEX, "HRTIMER_START", { "hrtimer" } },
	{ "timer", "hrtimer_cancel", K_HEX, "HRTIMER_CANCEL", { "hrtimer" } },
	{ "timer", "hrtimer_expire_entry", K_HEX, "HRTIMER_EXPIRE", { "hrtimer" } },
	{ "timer", "hrtimer_expire_exit", K_HEX, "HRTIMER_EXPIRE_DONE", { "hrtimer" } },
	{ "timer", "timer_start", K_HEX, "TIMER_START", { "timer" } },
	{ "timer", "timer_cancel", K_HEX, "TIMER_CANCEL", { "timer" } },
	{ "timer", "timer_expire_entry", K_HEX, "TIMER_EXPIRE", { "timer" } },
	{ "timer", "timer_expire_exit", K_HEX, "TIMER_EXPIRE_DONE", { "timer" } },
	{ "sched", "sched_wakeup", K_NUM, "SCHED_WAKEUP", { "pid" } },
	{ "sched", "sched_wakeup_new", K_NUM, "SCHED_WAKEUP_NEW", { "pid" } },
	{ "sched", "sched_waking", K_NUM, "SCHED_WAKING", { "pid" } },
	{ "sched", "sched_switch", K_SWITCH, "CONTEXT_SWITCH",
	  { "prev_comm", "prev_pid", "next_comm", "next_pid" } },
	{ "sched", "sched_process_fork", K_ARROW, "PROCESS_FORK", { "parent_pid", "child_pid" } },
	{ "sched", "sched_process_exec", K_STR, "PROCESS_EXEC", { "filename" } },
	{ "sched", "sched_process_exit", K_NUM, "PROCESS_EXIT", { "pid" } },
	{ "sched", "sched_migrate_task", K_MIGRATE, "SCHED_MIGRATE",
	  { "pid", "orig_cpu", "dest_cpu" } },
	{ "raw_syscalls", "sys_enter", K_SYSCALL, "SYSCALL_ENTER", { "id" } },
	{ "raw_syscalls", "sys_exit", K_SYSCALL, "SYSCALL_EXIT", { "id" } },
	{ "syscalls", "sys_enter_read", K_NUM, "FILE_READ", { "fd" } },
	{ "syscalls", "sys_enter_pread64", K_NUM, "FILE_READ", { "fd" } },
	{ "syscalls", "sys_enter_write", K_NUM, "FILE_WRITE", { "fd" } },
	{ "syscalls", "sys_enter_pwrite64", K_NUM, "FILE_WRITE", { "fd" } },
	{ "syscalls", "sys_enter_close", K_NUM, "FILE_CLOSE", { "fd" } },
	{ "kvm", "kvm_entry", K_KVM_ENTRY, "KVM_ENTER_VM_PID", { "vcpu_id" } },
	{ "kvm", "kvm_exit", K_KVM_EXIT, "KVM_EXIT_VM_PID", { "exit_reason" } },
	{ "kvm", "kvm_hypercall", K_KVM_HC, "KVM_HOST_HC_ENTER", { "nr" } },
	{ "ftrace", "print", K_MARKER, "MARKER", { "buf" } },
};

static const char *const softirq_names[] = {
	"hi", "timer", "net_tx", "net_rx", "block", "irq_poll", "tasklet", "sched", "hrtimer", "rcu",
};

struct evinfo {
	enum kind kind;
	const char *label;
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

struct vm_thread {
	int tid, pid, vcpu;
	int line;			/* order in the file: later lines win */
};

struct vm_proc {
	int pid;
	char name[64];
};

struct pending_hc {
	int pid;
	unsigned long long nr;
};

struct namer {
	struct xtrace_rec *rec;
	struct tep_handle *tep;
	struct evinfo *info;
	int nr_info;
	struct trace_seq seq;
	struct reason reasons[REASON_SLOTS];
	struct vm_thread *threads;	/* sorted by tid */
	int nr_threads;
	struct vm_proc *vms;
	int nr_vms;
	int last_tid;			/* one-entry cache of vm_lookup() */
	const struct vm_thread *last_thread;
	struct pending_hc *hcs;		/* hypercalls waiting for their vCPU's next entry */
	int nr_hcs, cap_hcs;
	char *const *patterns;		/* --event: NULL = everything */
	bool have_vms;			/* a vms file was read */
};

struct namer *namer_new(struct xtrace_rec *rec)
{
	struct namer *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->rec = rec;
	n->tep = xtrace_rec_tep(rec);
	trace_seq_init(&n->seq);
	return n;
}

void namer_free(struct namer *n)
{
	if (!n)
		return;
	trace_seq_destroy(&n->seq);
	free(n->info);
	free(n->threads);
	free(n->vms);
	free(n->hcs);
	free(n);
}

static int cmp_thread(const void *a, const void *b)
{
	const struct vm_thread *x = a, *y = b;

	if (x->tid != y->tid)
		return (x->tid > y->tid) - (x->tid < y->tid);
	return (x->line > y->line) - (x->line < y->line);
}

int namer_load_vms(struct namer *n, const char *dir)
{
	char path[4096], line[256];
	int nt = 0, ct = 0, nv = 0, cv = 0;
	FILE *f;

	snprintf(path, sizeof(path), "%s/vms", dir);
	f = fopen(path, "re");
	if (!f)
		return -1;
	free(n->threads);
	free(n->vms);
	n->threads = NULL;
	n->vms = NULL;
	while (fgets(line, sizeof(line), f)) {
		struct vm_thread t;
		char name[64];
		int pid;

		if (sscanf(line, "thread %d %d %d", &t.tid, &t.pid, &t.vcpu) == 3) {
			if (nt == ct) {
				struct vm_thread *p = realloc(n->threads, (ct = ct * 2 + 16) * sizeof(*p));

				if (!p)
					break;
				n->threads = p;
			}
			t.line = nt;
			n->threads[nt++] = t;
		} else if (sscanf(line, "vm %d %63s", &pid, name) == 2) {
			int i;

			/* later lines win */
			for (i = 0; i < nv && n->vms[i].pid != pid; i++)
				;
			if (i == nv) {
				if (nv == cv) {
					struct vm_proc *p = realloc(n->vms, (cv = cv * 2 + 4) * sizeof(*p));

					if (!p)
						break;
					n->vms = p;
				}
				nv++;
			}
			n->vms[i].pid = pid;
			snprintf(n->vms[i].name, sizeof(n->vms[i].name), "%s", name);
		}
	}
	fclose(f);
	/* by tid, and for one tid the latest line last: keep that one (later lines win) */
	if (nt)
		qsort(n->threads, nt, sizeof(*n->threads), cmp_thread);
	{
		int k = 0;

		for (int i = 0; i < nt; i++) {
			if (k && n->threads[k - 1].tid == n->threads[i].tid)
				k--;
			n->threads[k++] = n->threads[i];
		}
		nt = k;
	}
	n->nr_threads = nt;
	n->nr_vms = nv;
	n->have_vms = true;
	n->last_tid = -1;
	n->last_thread = NULL;
	return nv;
}

static const struct vm_thread *vm_thread(struct namer *n, int tid)
{
	int lo = 0, hi = n->nr_threads;

	if (tid == n->last_tid)
		return n->last_thread;
	n->last_tid = tid;
	n->last_thread = NULL;
	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (n->threads[mid].tid == tid) {
			n->last_thread = &n->threads[mid];
			break;
		}
		if (n->threads[mid].tid < tid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return n->last_thread;
}

const char *namer_vm(struct namer *n, int tid, int *vcpu)
{
	const struct vm_thread *t = vm_thread(n, tid);

	if (vcpu)
		*vcpu = t ? t->vcpu : -1;
	if (!t)
		return NULL;
	for (int i = 0; i < n->nr_vms; i++)
		if (n->vms[i].pid == t->pid)
			return n->vms[i].name;
	return NULL;
}

int namer_nr_vms(const struct namer *n)
{
	return n->have_vms ? n->nr_vms : -1;
}

const char *namer_vm_name(const struct namer *n, int i, int *pid)
{
	if (i < 0 || i >= n->nr_vms)
		return NULL;
	if (pid)
		*pid = n->vms[i].pid;
	return n->vms[i].name;
}

void namer_set_event_filter(struct namer *n, char *const *patterns)
{
	n->patterns = patterns;
}

static void classify(struct namer *n, struct evinfo *ei, int id)
{
	struct tep_event *e = tep_find_event(n->tep, id);

	ei->event = e;
	ei->kind = K_GENERIC;
	ei->selected = -1;
	if (!e)
		return;
	snprintf(ei->tracepoint, sizeof(ei->tracepoint), "%s:%s", e->system, e->name);
	ei->label = ei->tracepoint;
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
			ei->label = s->label;
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
		ei->label = entry ? "INTERRUPT_ENTER" : "INTERRUPT_EXIT";
	}
}

static struct evinfo *lookup(struct namer *n, int id)
{
	if (id < n->nr_info && id >= 0 && n->info[id].kind != K_UNSET)
		return &n->info[id];
	if (id < 0 || id > 1 << 20)
		return NULL;
	if (id >= n->nr_info) {
		int nr = id + 64;
		struct evinfo *ni = realloc(n->info, nr * sizeof(*ni));

		if (!ni)
			return NULL;
		memset(ni + n->nr_info, 0, (nr - n->nr_info) * sizeof(*ni));
		n->info = ni;
		n->nr_info = nr;
	}
	if (n->info[id].kind == K_UNSET)
		classify(n, &n->info[id], id);
	return &n->info[id];
}

static unsigned long long num(const struct tep_format_field *f, const void *data)
{
	unsigned long long v = 0;

	tep_read_number_field((struct tep_format_field *)f, data, &v);
	return v;
}

static long long snum(const struct tep_format_field *f, const void *data)
{
	unsigned long long v = num(f, data);

	if (!(f->flags & TEP_FIELD_IS_SIGNED))
		return v;
	switch (f->size) {
	case 1: return (int8_t)v;
	case 2: return (int16_t)v;
	case 4: return (int32_t)v;
	default: return (long long)v;
	}
}

/* A string field, fixed-size or dynamic (__data_loc / __rel_loc); cut at @max. */
static int str(const struct tep_format_field *f, const struct tep_record *r, const char **s)
{
	const char *data = r->data;
	int off = f->offset, len = f->size;

	if (f->flags & TEP_FIELD_IS_DYNAMIC) {
		unsigned int v = num(f, data);

		off = v & 0xffff;
		len = v >> 16;
		if (f->flags & TEP_FIELD_IS_RELATIVE)
			off += f->offset + f->size;
	} else if (!len && (f->flags & TEP_FIELD_IS_ARRAY)) {
		len = r->size - off;	/* char buf[]: to the end of the record */
	}
	if (off < 0 || len < 0 || off > r->size || len > r->size - off)
		len = 0;
	*s = data + off;
	return strnlen(data + off, len);
}

static const char *exit_reason(struct namer *n, const struct evinfo *ei,
			       const struct tep_record *rec)
{
	unsigned long long isa = ei->isa ? num(ei->isa, rec->data) : 0;
	unsigned long long reason = num(ei->f[0], rec->data) & 0xffffffffULL;
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
	trace_seq_reset(&n->seq);
	tep_print_event(n->tep, &n->seq, (struct tep_record *)rec, "%s", TEP_PRINT_INFO);
	trace_seq_terminate(&n->seq);
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

/* A hypercall waits for its vCPU thread's next kvm_entry: that is its return. */
static void hc_push(struct namer *n, int pid, unsigned long long nr)
{
	for (int i = 0; i < n->nr_hcs; i++)
		if (n->hcs[i].pid == pid) {
			n->hcs[i].nr = nr;
			return;
		}
	if (n->nr_hcs == n->cap_hcs) {
		int cap = n->cap_hcs * 2 + 8;
		struct pending_hc *p = realloc(n->hcs, cap * sizeof(*p));

		if (!p)
			return;
		n->hcs = p;
		n->cap_hcs = cap;
	}
	n->hcs[n->nr_hcs++] = (struct pending_hc){ pid, nr };
}

static struct evinfo *lookup(struct namer *n, int id);

static inline struct evinfo *info_of(struct namer *n, const struct xtrace_event *ev)
{
	return lookup(n, tep_data_type(n->tep, ev->record));
}

size_t namer_hc_exit(struct namer *n, const struct xtrace_event *ev, char *buf, size_t len)
{
	struct evinfo *ei;
	int pid, vcpu, ret;
	const char *vm;

	ei = info_of(n, ev);
	if (!ei || (ei->kind != K_KVM_ENTRY && ei->kind != K_KVM_HC))
		return 0;
	pid = tep_data_pid(n->tep, ev->record);
	if (ei->kind == K_KVM_HC) {
		hc_push(n, pid, num(ei->f[0], ev->record->data));
		return 0;
	}
	for (int i = 0; i < n->nr_hcs; i++) {
		unsigned long long nr = n->hcs[i].nr;

		if (n->hcs[i].pid != pid)
			continue;
		n->hcs[i] = n->hcs[--n->nr_hcs];
		vm = namer_vm(n, pid, &vcpu);
		vcpu = (int)num(ei->f[0], ev->record->data);
		if (vm)
			ret = snprintf(buf, len, "KVM_HOST_HC_EXIT [%llu %s/%d]", nr, vm, vcpu);
		else
			ret = snprintf(buf, len, "KVM_HOST_HC_EXIT [%llu]", nr);
		return ret < 0 ? 0 : (size_t)ret < len ? (size_t)ret : len - 1;
	}
	return 0;
}

enum view_kind namer_kind(struct namer *n, const struct xtrace_event *ev)
{
	struct evinfo *ei = info_of(n, ev);

	if (!ei || !ei->event)
		return VK_OTHER;
	switch (ei->kind) {
	case K_KVM_ENTRY: return VK_KVM_ENTRY;
	case K_KVM_EXIT: return VK_KVM_EXIT;
	case K_KVM_HC: return VK_KVM_HC;
	case K_MARKER: return VK_MARKER;
	case K_SWITCH: return VK_SWITCH;
	case K_SYSCALL: return ei->label[8] == 'E' && ei->label[9] == 'N' ? VK_SYS_ENTER : VK_SYS_EXIT;
	case K_STR:
	case K_NUM:
	case K_VECTOR:
		if (!strcmp(ei->label, "INTERRUPT_ENTER"))
			return VK_IRQ_ENTER;
		if (!strcmp(ei->label, "INTERRUPT_EXIT"))
			return VK_IRQ_EXIT;
		return VK_OTHER;
	case K_SOFTIRQ:
		if (!strcmp(ei->label, "SOFTIRQ_ENTER"))
			return VK_IRQ_ENTER;
		if (!strcmp(ei->label, "SOFTIRQ_EXIT"))
			return VK_IRQ_EXIT;
		return VK_OTHER;
	default:
		return VK_OTHER;
	}
}

const char *namer_tracepoint(struct namer *n, const struct xtrace_event *ev)
{
	struct evinfo *ei = info_of(n, ev);

	return ei && ei->event ? ei->tracepoint : "unknown";
}

bool namer_match_name(char *const *patterns, const char *name)
{
	for (int i = 0; patterns && patterns[i]; i++)
		if (!fnmatch(patterns[i], name, 0))
			return true;
	return false;
}

bool namer_selected(struct namer *n, const struct xtrace_event *ev)
{
	struct evinfo *ei;
	char tmp[256];

	if (!n->patterns)
		return true;
	ei = info_of(n, ev);
	if (!ei || !ei->event)
		return namer_match_name(n->patterns, "UNKNOWN_EVENT");
	if (ei->kind == K_MARKER) {
		/* MARKER, FLUSH, PAUSE, RESUME: the label depends on the text */
		size_t l = namer_format(n, ev, tmp, sizeof(tmp));

		tmp[strcspn(tmp, " ")] = '\0';
		(void)l;
		return namer_match_name(n->patterns, tmp) ||
		       namer_match_name(n->patterns, ei->tracepoint);
	}
	if (ei->selected < 0)
		ei->selected = namer_match_name(n->patterns, ei->label) ||
			       namer_match_name(n->patterns, ei->tracepoint);
	return ei->selected;
}

const char *namer_label_id(struct namer *n, int id, bool *selected)
{
	struct evinfo *ei = lookup(n, id);

	if (!ei || !ei->event) {
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

	if (len <= 7 || strncmp(text, "xtrace:", 7))
		return "MARKER";
	text += 7;
	len -= 7;
	for (w = 0; w < len && text[w] != ' ' && text[w] != '\n' && text[w]; w++)
		;
	snprintf(word, wlen, "%.*s", (int)w, text);
	return word;
}

bool namer_hc_exit_selected(struct namer *n)
{
	return !n->patterns || namer_match_name(n->patterns, "KVM_HOST_HC_EXIT");
}

size_t namer_format(struct namer *n, const struct xtrace_event *ev, char *buf, size_t len)
{
	const struct tep_record *r = ev->record;
	const void *d = r->data;
	struct evinfo *ei = lookup(n, tep_data_type(n->tep, (struct tep_record *)r));
	const char *s1, *s2;
	int l1, l2, ret = 0;

	if (!ei || !ei->event)
		return snprintf(buf, len, "UNKNOWN_EVENT [type %d]",
				tep_data_type(n->tep, (struct tep_record *)r));
	switch (ei->kind) {
	case K_NUM:
		ret = snprintf(buf, len, "%s [%lld]", ei->label, snum(ei->f[0], d));
		break;
	case K_HEX:
		ret = snprintf(buf, len, "%s [0x%llx]", ei->label, num(ei->f[0], d));
		break;
	case K_STR:
		l1 = str(ei->f[0], r, &s1);
		ret = snprintf(buf, len, "%s [%.*s]", ei->label, l1, s1);
		break;
	case K_SOFTIRQ: {
		unsigned long long v = num(ei->f[0], d);

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
			       snum(ei->f[1], d), l2, s2, snum(ei->f[3], d));
		break;
	case K_ARROW:
		ret = snprintf(buf, len, "%s [%lld -> %lld]", ei->label, snum(ei->f[0], d),
			       snum(ei->f[1], d));
		break;
	case K_MIGRATE:
		ret = snprintf(buf, len, "%s [%lld %lld->%lld]", ei->label, snum(ei->f[0], d),
			       snum(ei->f[1], d), snum(ei->f[2], d));
		break;
	case K_SYSCALL: {
		long long nr = snum(ei->f[0], d);
		const char *name = xtrace_rec_syscall_name(n->rec, nr);

		if (name)
			ret = snprintf(buf, len, "%s [%s]", ei->label, name);
		else
			ret = snprintf(buf, len, "%s [%lld]", ei->label, nr);
		break;
	}
	case K_KVM_ENTRY: {
		int pid = tep_data_pid(n->tep, (struct tep_record *)r);
		const char *vm = namer_vm(n, pid, NULL);
		unsigned long long vcpu = num(ei->f[0], d);

		if (vm)
			ret = snprintf(buf, len, "%s [%d %llu %s]", ei->label, pid, vcpu, vm);
		else
			ret = snprintf(buf, len, "%s [%d %llu]", ei->label, pid, vcpu);
		break;
	}
	case K_KVM_EXIT: {
		int pid = tep_data_pid(n->tep, (struct tep_record *)r), vcpu;
		const char *vm = namer_vm(n, pid, &vcpu);

		if (ei->vcpu)
			vcpu = (int)num(ei->vcpu, d);
		if (vm)
			ret = snprintf(buf, len, "%s [%d %s %s/%d]", ei->label, pid,
				       exit_reason(n, ei, r), vm, vcpu);
		else
			ret = snprintf(buf, len, "%s [%d %s]", ei->label, pid, exit_reason(n, ei, r));
		break;
	}
	case K_KVM_HC: {
		int pid = tep_data_pid(n->tep, (struct tep_record *)r), vcpu;
		const char *vm = namer_vm(n, pid, &vcpu);
		unsigned long long nr = num(ei->f[0], d);

		if (vm)
			ret = snprintf(buf, len, "%s [%llu %s/%d]", ei->label, nr, vm, vcpu);
		else
			ret = snprintf(buf, len, "%s [%llu]", ei->label, nr);
		break;
	}
	case K_MARKER:
		l1 = str(ei->f[0], r, &s1);
		while (l1 && (s1[l1 - 1] == '\n' || s1[l1 - 1] == ' '))
			l1--;
		if (l1 > 7 && !strncmp(s1, "xtrace:", 7)) {
			/* the recorder's own marks: FLUSH [#n], PAUSE, RESUME */
			int w;

			s1 += 7;
			l1 -= 7;
			w = strcspn(s1, " ");
			w = w > l1 ? l1 : w;
			if (w == l1)
				ret = snprintf(buf, len, "%.*s", w, s1);
			else
				ret = snprintf(buf, len, "%.*s [%.*s]", w, s1, l1 - w - 1, s1 + w + 1);
		} else {
			ret = snprintf(buf, len, "MARKER [%.*s]", l1, s1);
		}
		return one_line(buf, ret, len);
	default:
		trace_seq_reset(&n->seq);
		tep_print_event(n->tep, &n->seq, (struct tep_record *)r, "%s", TEP_PRINT_INFO);
		trace_seq_terminate(&n->seq);
		ret = snprintf(buf, len, "%s:%s [%s]", ei->event->system, ei->event->name,
			       n->seq.buffer);
		return one_line(buf, ret, len);
	}
	if (ret < 0)
		ret = 0;
	return (size_t)ret < len ? (size_t)ret : len - 1;
}

size_t namer_fields(struct namer *n, const struct xtrace_event *ev, char *buf, size_t len)
{
	struct tep_record *r = ev->record;
	struct evinfo *ei = lookup(n, tep_data_type(n->tep, r));
	int pid = tep_data_pid(n->tep, r), ret;

	if (!ei || !ei->event)
		return snprintf(buf, len, "pid=%d", pid) >= (int)len ? len - 1 : strlen(buf);
	trace_seq_reset(&n->seq);
	tep_print_fields(&n->seq, r->data, r->size, ei->event);
	trace_seq_terminate(&n->seq);
	ret = snprintf(buf, len, "%s-%d %s:%s %s", tep_data_comm_from_pid(n->tep, pid), pid,
		       ei->event->system, ei->event->name, n->seq.buffer);
	return one_line(buf, ret, len);
}
