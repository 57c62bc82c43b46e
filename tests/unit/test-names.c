// SPDX-License-Identifier: GPL-2.0
/*
 * xtrace-view's decoder (names.c) against a table of events: records built
 * field by field at the offsets of the kernel's formats (as this machine's
 * tracefs shows them), each decoded into its kind, text, label, args, VM,
 * vCPU and exit reason; then hypercall returns, lost events, the --event
 * filter and texts too long for the line.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <CUnit/CUnit.h>
#include <event-parse.h>

/* the view's own file: the unit binary does not link the program */
#include "../../xtrace-view/names.c"

int add_names_suite(void);
char *tu_mkdtemp(void);
int tu_rm_rf(const char *path);
int tu_write_file(const char *dir, const char *name, const void *buf, size_t len);

#define COMMON \
	"format:\n" \
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n" \
	"\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;\n" \
	"\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;\n" \
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"

struct fmt {
	const char *sys, *text;
};

static const struct fmt formats[] = {
	{ "irq", "name: irq_handler_entry\nID: 225\n" COMMON
	  "\tfield:int irq;\toffset:8;\tsize:4;\tsigned:1;\n"
	  "\tfield:__data_loc char[] name;\toffset:12;\tsize:4;\tsigned:0;\n\n"
	  "print fmt: \"irq=%d name=%s\", REC->irq, __get_str(name)\n" },
	{ "irq", "name: softirq_entry\nID: 223\n" COMMON
	  "\tfield:unsigned int vec;\toffset:8;\tsize:4;\tsigned:0;\n\n"
	  "print fmt: \"vec=%u\", REC->vec\n" },
	{ "irq", "name: softirq_raise\nID: 224\n" COMMON
	  "\tfield:unsigned int vec;\toffset:8;\tsize:4;\tsigned:0;\n\n"
	  "print fmt: \"vec=%u\", REC->vec\n" },
	{ "irq_vectors", "name: local_timer_entry\nID: 165\n" COMMON
	  "\tfield:int vector;\toffset:8;\tsize:4;\tsigned:1;\n\n"
	  "print fmt: \"vector=%d\", REC->vector\n" },
	{ "raw_syscalls", "name: sys_enter\nID: 443\n" COMMON
	  "\tfield:long id;\toffset:8;\tsize:8;\tsigned:1;\n"
	  "\tfield:unsigned long args[6];\toffset:16;\tsize:48;\tsigned:0;\n\n"
	  "print fmt: \"NR %ld\", REC->id\n" },
	{ "raw_syscalls", "name: sys_exit\nID: 442\n" COMMON
	  "\tfield:long id;\toffset:8;\tsize:8;\tsigned:1;\n"
	  "\tfield:long ret;\toffset:16;\tsize:8;\tsigned:1;\n\n"
	  "print fmt: \"NR %ld = %ld\", REC->id, REC->ret\n" },
	{ "sched", "name: sched_switch\nID: 372\n" COMMON
	  "\tfield:char prev_comm[16];\toffset:8;\tsize:16;\tsigned:0;\n"
	  "\tfield:pid_t prev_pid;\toffset:24;\tsize:4;\tsigned:1;\n"
	  "\tfield:int prev_prio;\toffset:28;\tsize:4;\tsigned:1;\n"
	  "\tfield:long prev_state;\toffset:32;\tsize:8;\tsigned:1;\n"
	  "\tfield:char next_comm[16];\toffset:40;\tsize:16;\tsigned:0;\n"
	  "\tfield:pid_t next_pid;\toffset:56;\tsize:4;\tsigned:1;\n"
	  "\tfield:int next_prio;\toffset:60;\tsize:4;\tsigned:1;\n\n"
	  "print fmt: \"prev_pid=%d next_pid=%d\", REC->prev_pid, REC->next_pid\n" },
	{ "sched", "name: sched_process_exec\nID: 365\n" COMMON
	  "\tfield:__data_loc char[] filename;\toffset:8;\tsize:4;\tsigned:0;\n"
	  "\tfield:pid_t pid;\toffset:12;\tsize:4;\tsigned:1;\n"
	  "\tfield:pid_t old_pid;\toffset:16;\tsize:4;\tsigned:1;\n\n"
	  "print fmt: \"filename=%s pid=%d\", __get_str(filename), REC->pid\n" },
	{ "sched", "name: sched_migrate_task\nID: 370\n" COMMON
	  "\tfield:char comm[16];\toffset:8;\tsize:16;\tsigned:0;\n"
	  "\tfield:pid_t pid;\toffset:24;\tsize:4;\tsigned:1;\n"
	  "\tfield:int prio;\toffset:28;\tsize:4;\tsigned:1;\n"
	  "\tfield:int orig_cpu;\toffset:32;\tsize:4;\tsigned:1;\n"
	  "\tfield:int dest_cpu;\toffset:36;\tsize:4;\tsigned:1;\n\n"
	  "print fmt: \"pid=%d\", REC->pid\n" },
	{ "timer", "name: hrtimer_start\nID: 460\n" COMMON
	  "\tfield:void * hrtimer;\toffset:8;\tsize:8;\tsigned:0;\n"
	  "\tfield:void * function;\toffset:16;\tsize:8;\tsigned:0;\n\n"
	  "print fmt: \"hrtimer=%p\", REC->hrtimer\n" },
	{ "kvm", "name: kvm_entry\nID: 115\n" COMMON
	  "\tfield:unsigned int vcpu_id;\toffset:8;\tsize:4;\tsigned:0;\n"
	  "\tfield:unsigned long rip;\toffset:16;\tsize:8;\tsigned:0;\n\n"
	  "print fmt: \"vcpu %u, rip 0x%lx\", REC->vcpu_id, REC->rip\n" },
	{ "kvm", "name: kvm_exit\nID: 103\n" COMMON
	  "\tfield:unsigned int exit_reason;\toffset:8;\tsize:4;\tsigned:0;\n"
	  "\tfield:unsigned long guest_rip;\toffset:16;\tsize:8;\tsigned:0;\n"
	  "\tfield:u32 isa;\toffset:24;\tsize:4;\tsigned:0;\n"
	  "\tfield:u64 info1;\toffset:32;\tsize:8;\tsigned:0;\n"
	  "\tfield:unsigned int vcpu_id;\toffset:56;\tsize:4;\tsigned:0;\n\n"
	  "print fmt: \"vcpu %u reason %s rip 0x%lx\", REC->vcpu_id, "
	  "__print_symbolic(REC->exit_reason, { 4660, \"MY REASON\" }), REC->guest_rip\n" },
	{ "kvm", "name: kvm_hypercall\nID: 114\n" COMMON
	  "\tfield:unsigned long nr;\toffset:8;\tsize:8;\tsigned:0;\n"
	  "\tfield:unsigned long a0;\toffset:16;\tsize:8;\tsigned:0;\n\n"
	  "print fmt: \"nr 0x%lx a0 0x%lx\", REC->nr, REC->a0\n" },
	{ "ftrace", "name: print\nID: 5\n" COMMON
	  "\tfield:unsigned long ip;\toffset:8;\tsize:8;\tsigned:0;\n"
	  "\tfield:char buf[];\toffset:16;\tsize:0;\tsigned:0;\n\n"
	  "print fmt: \"%ps: %s\", (void *)REC->ip, REC->buf\n" },
	{ "test", "name: thing\nID: 900\n" COMMON
	  "\tfield:int a;\toffset:8;\tsize:4;\tsigned:1;\n\n"
	  "print fmt: \"a=%d\\nnext line\", REC->a\n" },
};

/* The record of one event: "field=value" set at the field's offset; strings as the kernel */
struct rec {
	unsigned char data[10240];
	int size;
	struct tep_record r;
	struct xtrace_event ev;
};

static struct tep_handle *tep;
static struct namer *namer;
static char *vms_dir;

static const char *syscall_name(const void *ctx, long nr)
{
	(void)ctx;
	return nr == 0 ? "read" : nr == 1 ? "write" : NULL;
}

static void set_num(struct rec *r, const struct tep_format_field *f, unsigned long long v)
{
	memcpy(r->data + f->offset, &v, f->size < 8 ? f->size : 8);	/* little-endian */
}

/* @sys:@name (type @id if NULL) of @pid with the "field=value" of @fields */
static struct xtrace_event *make(struct rec *r, const char *sys, const char *name, int id,
				 int pid, const char *const *fields)
{
	struct tep_event *e = sys ? tep_find_event_by_name(tep, sys, name) : NULL;
	uint16_t type = e ? e->id : id;

	memset(r, 0, sizeof(*r));
	memcpy(r->data, &type, 2);
	memcpy(r->data + 4, &pid, 4);
	r->size = 8;
	for (const struct tep_format_field *f = e ? e->format.fields : NULL; f; f = f->next)
		if (f->offset + f->size > r->size)
			r->size = f->offset + f->size;
	for (int i = 0; fields && fields[i]; i++) {
		const char *eq = strchr(fields[i], '=');
		char fname[32];
		const struct tep_format_field *f;
		const char *v = eq + 1;

		snprintf(fname, sizeof(fname), "%.*s", (int)(eq - fields[i]), fields[i]);
		f = tep_find_field(e, fname);
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		if (f->flags & TEP_FIELD_IS_DYNAMIC) {
			size_t len = strlen(v) + 1;

			set_num(r, f, (unsigned long long)len << 16 | r->size);
			memcpy(r->data + r->size, v, len);
			r->size += len;
		} else if (f->flags & TEP_FIELD_IS_ARRAY) {
			size_t len = strlen(v);

			if (!f->size) {		/* char buf[]: the rest of the record */
				memcpy(r->data + f->offset, v, len + 1);
				r->size = f->offset + len + 1;
			} else {
				memcpy(r->data + f->offset, v,
				       len < (size_t)f->size ? len : (size_t)f->size);
			}
		} else {
			set_num(r, f, strtoull(v, NULL, 0));
		}
	}
	r->r.data = r->data;
	r->r.size = r->size;
	r->ev.record = &r->r;
	return &r->ev;
}

struct tcase {
	const char *sys, *name;
	int pid;
	const char *fields[6];
	enum view_kind kind;
	const char *text, *label, *args;	/* args NULL: no brackets */
	const char *vm, *reason;
	int vcpu;
};

/* an event, its decode: kind, text, label and args (NULL: no brackets) */
#define EV(s, n, p, k, t, l, a, ...) \
	{ .sys = s, .name = n, .pid = p, .kind = k, .text = t, .label = l, .args = a, \
	  .fields = { __VA_ARGS__ } }
/* a KVM event, with its VM, exit reason and vCPU */
#define KV(s, n, p, k, t, l, a, v, r, c, ...) \
	{ .sys = s, .name = n, .pid = p, .kind = k, .text = t, .label = l, .args = a, \
	  .vm = v, .reason = r, .vcpu = c, .fields = { __VA_ARGS__ } }

static const struct tcase cases[] = {
	EV("irq", "irq_handler_entry", 0, VK_IRQ_ENTER, "INTERRUPT_ENTER [ahci[0000:00:17.0]]",
	   "INTERRUPT_ENTER", "ahci[0000:00:17.0]", "irq=24", "name=ahci[0000:00:17.0]"),
	EV("irq", "softirq_entry", 0, VK_IRQ_ENTER, "SOFTIRQ_ENTER [timer]", "SOFTIRQ_ENTER",
	   "timer", "vec=1"),
	EV("irq", "softirq_raise", 0, VK_OTHER, "SOFTIRQ_RAISE [12]", "SOFTIRQ_RAISE", "12",
	   "vec=12"),
	EV("irq_vectors", "local_timer_entry", 0, VK_IRQ_ENTER, "INTERRUPT_ENTER [apic_timer]",
	   "INTERRUPT_ENTER", "apic_timer", "vector=236"),
	EV("raw_syscalls", "sys_enter", 42, VK_SYS_ENTER, "SYSCALL_ENTER [read]", "SYSCALL_ENTER",
	   "read", "id=0"),
	EV("raw_syscalls", "sys_exit", 42, VK_SYS_EXIT, "SYSCALL_EXIT [999]", "SYSCALL_EXIT", "999",
	   "id=999", "ret=-1"),
	EV("sched", "sched_switch", 42, VK_SWITCH, "CONTEXT_SWITCH [bash:42 -> swapper/0:0]",
	   "CONTEXT_SWITCH", "bash:42 -> swapper/0:0", "prev_comm=bash", "prev_pid=42",
	   "next_comm=swapper/0", "next_pid=0"),
	EV("sched", "sched_process_exec", 7, VK_OTHER, "PROCESS_EXEC [/bin/ls]", "PROCESS_EXEC",
	   "/bin/ls", "filename=/bin/ls", "pid=7", "old_pid=7"),
	EV("sched", "sched_migrate_task", 7, VK_OTHER, "SCHED_MIGRATE [7 0->-1]", "SCHED_MIGRATE",
	   "7 0->-1", "pid=7", "orig_cpu=0", "dest_cpu=-1"),
	EV("timer", "hrtimer_start", 0, VK_OTHER, "HRTIMER_START [0xffff888012345678]",
	   "HRTIMER_START", "0xffff888012345678", "hrtimer=0xffff888012345678"),
	/* vCPU threads of VM vm1 (the vms file) */
	KV("kvm", "kvm_entry", 4001, VK_KVM_ENTRY, "KVM_ENTER_VM_PID [4001 0 vm1]",
	   "KVM_ENTER_VM_PID", "4001 0 vm1", "vm1", NULL, 0, "vcpu_id=0"),
	KV("kvm", "kvm_exit", 4001, VK_KVM_EXIT, "KVM_EXIT_VM_PID [4001 EPT_VIOLATION vm1/0]",
	   "KVM_EXIT_VM_PID", "4001 EPT_VIOLATION vm1/0", "vm1", "EPT_VIOLATION", 0,
	   "exit_reason=48", "isa=1", "vcpu_id=0"),
	KV("kvm", "kvm_exit", 4002, VK_KVM_EXIT,
	   "KVM_EXIT_VM_PID [4002 INVALID_STATE+FAILED_VMENTRY vm1/1]", "KVM_EXIT_VM_PID",
	   "4002 INVALID_STATE+FAILED_VMENTRY vm1/1", "vm1", "INVALID_STATE+FAILED_VMENTRY", 1,
	   "exit_reason=0x80000021", "isa=1", "vcpu_id=1"),
	/* no VM known: the vCPU of the event, no VM name */
	KV("kvm", "kvm_exit", 5000, VK_KVM_EXIT, "KVM_EXIT_VM_PID [5000 io]", "KVM_EXIT_VM_PID",
	   "5000 io", NULL, "io", 3, "exit_reason=0x7b", "isa=2", "vcpu_id=3"),
	/* a code the tables lack: the format's own __print_symbolic name, spaces as '_' */
	KV("kvm", "kvm_exit", 5000, VK_KVM_EXIT, "KVM_EXIT_VM_PID [5000 MY_REASON]",
	   "KVM_EXIT_VM_PID", "5000 MY_REASON", NULL, "MY_REASON", 3, "exit_reason=4660",
	   "isa=7", "vcpu_id=3"),
	/* a hypercall's vCPU is the thread's (the vms file: its later line) */
	KV("kvm", "kvm_hypercall", 4002, VK_KVM_HC, "KVM_HOST_HC_ENTER [5 vm1/1]",
	   "KVM_HOST_HC_ENTER", "5 vm1/1", "vm1", NULL, 1, "nr=5"),
	/* markers: free text on one line; the recorder's own marks by their name */
	EV("ftrace", "print", 1, VK_MARKER, "MARKER [hello world]", "MARKER", "hello world",
	   "buf=hello\nworld\n"),
	EV("ftrace", "print", 1, VK_MARKER, "MARKER []", "MARKER", "", "buf="),
	EV("ftrace", "print", 1, VK_MARKER, "FLUSH [#3]", "FLUSH", "#3", "buf=xtrace:FLUSH #3\n"),
	EV("ftrace", "print", 1, VK_MARKER, "PAUSE", "PAUSE", NULL, "buf=xtrace:PAUSE\n"),
	EV("ftrace", "print", 1, VK_MARKER, "AB CD [rest]", "AB CD", "rest",
	   "buf=xtrace:AB\nCD rest"),
	/* a label with a '[' is all label, as the view has always split its lines */
	EV("ftrace", "print", 1, VK_MARKER, "A[B [rest]", "A[B [rest]", NULL,
	   "buf=xtrace:A[B rest"),
	EV("ftrace", "print", 1, VK_MARKER, "A [B [rest]", "A", "B [rest",
	   "buf=xtrace:A\n[B rest"),
	/* no entry in the table: the tracepoint and the kernel's rendering, on one line */
	EV("test", "thing", 9, VK_OTHER, "test:thing [a=5 next line]", "test:thing",
	   "a=5 next line", "a=5"),
	/* a type the formats lack */
	EV(NULL, "77", 9, VK_OTHER, "UNKNOWN_EVENT [type 77]", "UNKNOWN_EVENT", "type 77", NULL),
};

static int suite_init(void)
{
	static const char vms[] =
		"# xtrace vms\nvm 4000 vm1\nthread 4000 4000 -1\nthread 4001 4000 0\n"
		"thread 4002 4000 7\nthread 4002 4000 1\n";

	tep = tep_alloc();
	if (!tep)
		return -1;
	tep_set_file_bigendian(tep, TEP_LITTLE_ENDIAN);
	tep_set_long_size(tep, 8);
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (tep_parse_event(tep, formats[i].text, strlen(formats[i].text), formats[i].sys))
			return -1;
	namer = namer_new(tep, syscall_name, NULL);
	vms_dir = tu_mkdtemp();
	if (!namer || !vms_dir || tu_write_file(vms_dir, "vms", vms, strlen(vms)))
		return -1;
	return namer_load_vms(namer, vms_dir) == 1 ? 0 : -1;
}

static int suite_clean(void)
{
	namer_free(namer);
	tep_free(tep);
	if (vms_dir)
		tu_rm_rf(vms_dir);
	free(vms_dir);
	return 0;
}

static void check_case(const struct tcase *c, struct decode *d, struct rec *r)
{
	struct xtrace_event *ev = make(r, c->sys, c->name, c->sys ? 0 : atoi(c->name), c->pid,
				       c->fields);

	namer_decode(namer, ev, d);
	if (strcmp(d->text, c->text))
		fprintf(stderr, "\n  %s:%s: '%s', want '%s' ", c->sys, c->name, d->text, c->text);
	CU_ASSERT_EQUAL(d->kind, c->kind);
	CU_ASSERT_EQUAL(d->pid, c->pid);
	CU_ASSERT_STRING_EQUAL(d->text, c->text);
	CU_ASSERT_EQUAL(d->len, strlen(c->text));
	CU_ASSERT_EQUAL(d->label_len, strlen(c->label));
	CU_ASSERT_NSTRING_EQUAL(d->text, c->label, strlen(c->label));
	CU_ASSERT_EQUAL(d->brackets, c->args != NULL);
	CU_ASSERT_EQUAL(d->args_len, c->args ? strlen(c->args) : 0);
	if (c->args) {
		CU_ASSERT_NSTRING_EQUAL(d->args, c->args, strlen(c->args));
	}
	if (c->vm) {
		CU_ASSERT_STRING_EQUAL(d->vm ? d->vm : "(null)", c->vm);
	} else {
		CU_ASSERT_PTR_NULL(d->vm);
	}
	if (c->reason) {
		CU_ASSERT_STRING_EQUAL(d->reason ? d->reason : "(null)", c->reason);
	}
	if (c->kind >= VK_KVM_ENTRY && c->kind <= VK_KVM_HC) {
		CU_ASSERT_EQUAL(d->vcpu, c->vcpu);
	}
}

static void test_table(void)
{
	struct decode *d = malloc(sizeof(*d));
	struct rec *r = malloc(sizeof(*r));

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tcase *c = &cases[i];
		char tp[80];

		check_case(c, d, r);
		snprintf(tp, sizeof(tp), "%s:%s", c->sys, c->name);
		CU_ASSERT_STRING_EQUAL(d->tracepoint, c->sys ? tp : "unknown");
	}
	free(d);
	free(r);
}

static void test_facts(void)
{
	struct decode *d = malloc(sizeof(*d));
	struct rec *r = malloc(sizeof(*r));
	static const char *const exit_svm[] = { "exit_reason=0x81", "isa=2", "vcpu_id=3", NULL };
	static const char *const hc[] = { "nr=42", NULL };
	static const char *const mark[] = { "buf=xtrace:FLUSH #1\n", NULL };

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	/* what the analyses read, without a text */
	namer_facts(namer, make(r, "kvm", "kvm_exit", 0, 151, exit_svm), d);
	CU_ASSERT_EQUAL(d->kind, VK_KVM_EXIT);
	CU_ASSERT_EQUAL(d->exit_key, 2ULL << 32 | 0x81);
	CU_ASSERT(d->has_vcpu);
	CU_ASSERT_EQUAL(d->vcpu, 3);
	CU_ASSERT_FALSE(d->have_text);
	namer_facts(namer, make(r, "kvm", "kvm_hypercall", 0, 151, hc), d);
	CU_ASSERT_EQUAL(d->kind, VK_KVM_HC);
	CU_ASSERT_EQUAL(d->nr, 42);
	CU_ASSERT_FALSE(d->has_vcpu);
	namer_facts(namer, make(r, "ftrace", "print", 0, 1, mark), d);
	CU_ASSERT_EQUAL(d->kind, VK_MARKER);
	CU_ASSERT_EQUAL(d->mark_len, strlen(mark[0]) - 4);
	CU_ASSERT_NSTRING_EQUAL(d->mark, "xtrace:FLUSH #1\n", d->mark_len);
	CU_ASSERT(namer_has_kind(namer, VK_KVM_EXIT));
	CU_ASSERT(namer_has_kind(namer, VK_MARKER));
	CU_ASSERT_FALSE(namer_has_kind(namer, VK_LOST));
	free(d);
	free(r);
}

static void test_hc_and_lost(void)
{
	struct decode *d = malloc(sizeof(*d)), *x = malloc(sizeof(*x));
	struct rec *r = malloc(sizeof(*r));
	static const char *const hc[] = { "nr=5", NULL };
	static const char *const entry0[] = { "vcpu_id=0", NULL };
	struct hc_wait w = { 0 };
	unsigned long long nr = 0;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(x);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	/* 4001 makes hypercall 5; 4002's entry is not its return; 4001's next entry is */
	namer_facts(namer, make(r, "kvm", "kvm_hypercall", 0, 4001, hc), d);
	CU_ASSERT_FALSE(hc_wait_event(&w, d, &nr));
	namer_facts(namer, make(r, "kvm", "kvm_entry", 0, 4002, entry0), d);
	CU_ASSERT_FALSE(hc_wait_event(&w, d, &nr));
	namer_facts(namer, make(r, "kvm", "kvm_entry", 0, 4001, entry0), d);
	CU_ASSERT_TRUE(hc_wait_event(&w, d, &nr));
	CU_ASSERT_EQUAL(nr, 5);
	namer_hc_exit(namer, d, nr, x);
	CU_ASSERT_EQUAL(x->kind, VK_KVM_HC_EXIT);
	CU_ASSERT_STRING_EQUAL(x->text, "KVM_HOST_HC_EXIT [5 vm1/0]");
	CU_ASSERT_EQUAL(x->label_len, 16);
	CU_ASSERT_STRING_EQUAL(x->tracepoint, "kvm:kvm_entry");
	CU_ASSERT_EQUAL(x->pid, 4001);
	/* returned once */
	CU_ASSERT_FALSE(hc_wait_event(&w, d, &nr));
	hc_wait_free(&w);

	r->ev.missed = 12;
	namer_lost(namer, &r->ev, x);
	CU_ASSERT_EQUAL(x->kind, VK_LOST);
	CU_ASSERT_STRING_EQUAL(x->text, "LOST_EVENTS [12]");
	CU_ASSERT_EQUAL(x->args_len, 2);
	CU_ASSERT_EQUAL(x->pid, 4001);
	CU_ASSERT_STRING_EQUAL(x->tracepoint, "kvm:kvm_entry");
	r->ev.missed_unknown = true;
	namer_lost(namer, &r->ev, x);
	CU_ASSERT_STRING_EQUAL(x->text, "LOST_EVENTS [unknown]");
	free(d);
	free(x);
	free(r);
}

static void test_filter(void)
{
	static char *pat[] = { "SYSCALL_*", "FLUSH", "kvm:kvm_exit", "KVM_HOST_HC_EXIT", NULL };
	static const char *const sys[] = { "id=1", NULL };
	static const char *const sw[] = { "prev_pid=1", NULL };
	static const char *const flush[] = { "buf=xtrace:FLUSH #2", NULL };
	static const char *const mark[] = { "buf=FLUSH", NULL };
	static const char *const exit[] = { "exit_reason=1", NULL };
	struct decode *d = malloc(sizeof(*d));
	struct rec *r = malloc(sizeof(*r));
	bool sel;

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	namer_set_event_filter(namer, pat);
	/* by the view's name, by the tracepoint; a marker by the name in its text */
	namer_facts(namer, make(r, "raw_syscalls", "sys_enter", 0, 1, sys), d);
	CU_ASSERT_TRUE(namer_selected(namer, &r->ev, d));
	namer_facts(namer, make(r, "sched", "sched_switch", 0, 1, sw), d);
	CU_ASSERT_FALSE(namer_selected(namer, &r->ev, d));
	namer_facts(namer, make(r, "kvm", "kvm_exit", 0, 1, exit), d);
	CU_ASSERT_TRUE(namer_selected(namer, &r->ev, d));
	namer_facts(namer, make(r, "ftrace", "print", 0, 1, flush), d);
	CU_ASSERT_TRUE(namer_selected(namer, &r->ev, d));
	CU_ASSERT_TRUE(d->have_text);
	namer_facts(namer, make(r, "ftrace", "print", 0, 1, mark), d);
	CU_ASSERT_FALSE(namer_selected(namer, &r->ev, d));
	namer_facts(namer, make(r, NULL, NULL, 77, 1, NULL), d);
	CU_ASSERT_FALSE(namer_selected(namer, &r->ev, d));
	namer_lost(namer, &r->ev, d);
	CU_ASSERT_FALSE(namer_selected(namer, &r->ev, d));
	d->kind = VK_KVM_HC_EXIT;
	CU_ASSERT_TRUE(namer_selected(namer, &r->ev, d));
	CU_ASSERT_STRING_EQUAL(namer_label_id(namer, 443, &sel), "SYSCALL_ENTER");
	CU_ASSERT_TRUE(sel);
	CU_ASSERT_STRING_EQUAL(namer_label_id(namer, 5, &sel), "MARKER");
	CU_ASSERT_PTR_NULL(namer_label_id(namer, 77, &sel));
	namer_set_event_filter(namer, NULL);
	free(d);
	free(r);
}

static void test_long(void)
{
	struct decode *d = malloc(sizeof(*d));
	struct rec *r = malloc(sizeof(*r));
	char *buf = malloc(DECODE_TEXT + 100);
	const char *f[] = { buf, NULL };

	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	CU_ASSERT_PTR_NOT_NULL_FATAL(buf);
	/* a text cut at DECODE_TEXT - 1 bytes is all label; the key argument is still known */
	strcpy(buf, "buf=");
	memset(buf + 4, 'x', DECODE_TEXT);
	buf[DECODE_TEXT + 4] = '\0';
	namer_decode(namer, make(r, "ftrace", "print", 0, 1, f), d);
	CU_ASSERT_EQUAL(d->len, DECODE_TEXT - 1);
	CU_ASSERT_EQUAL(strlen(d->text), DECODE_TEXT - 1);
	CU_ASSERT_EQUAL(d->label_len, DECODE_TEXT - 1);
	CU_ASSERT_FALSE(d->brackets);
	CU_ASSERT_EQUAL(d->args_len, 0);
	CU_ASSERT_EQUAL(d->key_len, DECODE_TEXT - 1 - 8);
	CU_ASSERT_EQUAL(d->key, d->text + 8);
	free(buf);
	free(d);
	free(r);
}

int add_names_suite(void)
{
	CU_pSuite s = CU_add_suite("names", suite_init, suite_clean);

	if (!s ||
	    !CU_add_test(s, "a table of events decoded", test_table) ||
	    !CU_add_test(s, "the facts the analyses read", test_facts) ||
	    !CU_add_test(s, "hypercall returns and lost events", test_hc_and_lost) ||
	    !CU_add_test(s, "--event by name, tracepoint and marker text", test_filter) ||
	    !CU_add_test(s, "a text longer than the line", test_long))
		return -1;
	return 0;
}
