/* gen-recording: write a large, realistic xtrace recording without tracing anything.
 *
 *   gen-recording -o DIR -n HOSTNAME -c CPUS -e EVENTS [-s SEED] [-t START_UTC_NS]
 *                 [-r RATE_PER_CPU_PER_S] [-g] [-q]
 *
 * DIR is a data directory in the real on-disk format (docs/data-directory.md):
 * xtrace.meta (written with the library's xtrace_meta_write()), clock, tasks,
 * syscalls, formats/ (header_page, header_event and the event formats copied from
 * this machine's tracefs) and cpuN.xtd: frames of 64 sub-buffers of the kernel's
 * ring-buffer layout, zstd level 1 with checksums. Event IDs and field offsets
 * are read from the copied format files, never assumed.
 *
 * EVENTS events in all, spread evenly over the CPUs. Per CPU: syscall enter/exit
 * pairs, sched wakeup + switch, irq handler entry/exit, kvm exit/entry pairs
 * (vCPU threads; not with -g, a guest), and a rare marker (ftrace/print). Gaps
 * between events are uniform in [0, 2/RATE] (default RATE 1000000 per CPU per s),
 * with an occasional idle gap of 150-400 ms (about 5% of the time), so time-extend
 * records (type_len 30) appear as the kernel writes them. Trace-clock time starts
 * at 0; the clock file maps it to START_UTC_NS (default: now) with two samples.
 * Deterministic for a given SEED. Prints "EVENTS PAGES RAW_BYTES DISK_BYTES"
 * unless -q.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include "xtrace.h"
#include "xtrace-local.h"

/* task names are cut to the kernel's 16 bytes, as the kernel cuts them */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#define TRACEFS		"/sys/kernel/tracing/events"
#define PAGE_SIZE_RB	4096
#define PAGE_HDR	16			/* u64 timestamp, u64 commit (64-bit kernel) */
#define PAGE_DATA	(PAGE_SIZE_RB - PAGE_HDR)
#define FRAME_PAGES	64
#define TS_BITS		27
#define TS_MASK		((1u << TS_BITS) - 1)
#define TYPE_TIME_EXTEND 30
#define MAX_SMALL_DATA	(28 * 4)

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "gen-recording: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

/* ------------------------------------------------------------ formats */

struct field {
	char name[32];
	int off, size;
};

struct format {
	const char *sys, *name;
	int id;
	int size;			/* fixed part of the record */
	int nf;
	struct field f[24];
};

enum { EV_SWITCH, EV_WAKEUP, EV_IRQ_ENTRY, EV_IRQ_EXIT, EV_SYS_ENTER, EV_SYS_EXIT,
       EV_KVM_ENTRY, EV_KVM_EXIT, EV_PRINT, NR_EV };

static struct format fmts[NR_EV] = {
	[EV_SWITCH] = { "sched", "sched_switch" },
	[EV_WAKEUP] = { "sched", "sched_wakeup" },
	[EV_IRQ_ENTRY] = { "irq", "irq_handler_entry" },
	[EV_IRQ_EXIT] = { "irq", "irq_handler_exit" },
	[EV_SYS_ENTER] = { "raw_syscalls", "sys_enter" },
	[EV_SYS_EXIT] = { "raw_syscalls", "sys_exit" },
	[EV_KVM_ENTRY] = { "kvm", "kvm_entry" },
	[EV_KVM_EXIT] = { "kvm", "kvm_exit" },
	[EV_PRINT] = { "ftrace", "print" },
};

static char *slurp(const char *path, size_t *len)
{
	size_t cap = 8192, n = 0;
	char *buf = malloc(cap);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t r;

	if (fd < 0 || !buf)
		die("cannot read %s: %s", path, strerror(errno));
	/* tracefs files report size 0: read until EOF */
	while ((r = read(fd, buf + n, cap - n - 1)) > 0) {
		n += r;
		if (n + 1 == cap && !(buf = realloc(buf, cap *= 2)))
			die("out of memory");
	}
	if (r < 0)
		die("cannot read %s: %s", path, strerror(errno));
	close(fd);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static void spill(const char *path, const void *buf, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, buf, len) != (ssize_t)len || close(fd))
		die("cannot write %s: %s", path, strerror(errno));
}

/* Parse "ID: N" and "field:DECL;\toffset:O;\tsize:S;" lines. */
static void parse_format(struct format *f, const char *text)
{
	const char *p = strstr(text, "\nID: ");

	if (!p || sscanf(p + 5, "%d", &f->id) != 1)
		die("%s/%s: no ID in its format", f->sys, f->name);
	for (p = text; (p = strstr(p, "field:")); p++) {
		const char *semi = strchr(p, ';'), *name;
		struct field *fl;
		int off, size;

		if (!semi)
			break;
		if (sscanf(semi, ";%*[ \t]offset:%d;%*[ \t]size:%d;", &off, &size) != 2)
			continue;
		for (name = semi; name > p && name[-1] != ' ' && name[-1] != '\t'; name--)
			;
		if (f->nf == (int)(sizeof(f->f) / sizeof(f->f[0])))
			die("%s/%s: too many fields", f->sys, f->name);
		fl = &f->f[f->nf++];
		snprintf(fl->name, sizeof(fl->name), "%.*s", (int)strcspn(name, "[;"), name);
		fl->off = off;
		fl->size = size;
		if (off + size > f->size)
			f->size = off + size;
	}
}

static const struct field *field(int ev, const char *name)
{
	struct format *f = &fmts[ev];

	for (int i = 0; i < f->nf; i++)
		if (!strcmp(f->f[i].name, name))
			return &f->f[i];
	die("%s/%s: the format has no field '%s'", f->sys, f->name, name);
}

/* Field handles resolved once: {offset, size}. */
struct fh {
	int off, size;
};

static struct fh fh(int ev, const char *name)
{
	const struct field *f = field(ev, name);

	return (struct fh){ f->off, f->size };
}

static inline void put(uint8_t *rec, struct fh h, uint64_t v)
{
	switch (h.size) {	/* little-endian host, little-endian file */
	case 1: rec[h.off] = v; break;
	case 2: { uint16_t x = v; memcpy(rec + h.off, &x, 2); break; }
	case 4: { uint32_t x = v; memcpy(rec + h.off, &x, 4); break; }
	default: memcpy(rec + h.off, &v, h.size < 8 ? h.size : 8); break;
	}
}

static inline void put_str(uint8_t *rec, struct fh h, const char *s)
{
	size_t n = strlen(s);

	memcpy(rec + h.off, s, n < (size_t)h.size ? n : (size_t)h.size - 1);
}

static struct {
	struct fh type, flags, pid;
	struct fh sw_prev_comm, sw_prev_pid, sw_prev_prio, sw_prev_state;
	struct fh sw_next_comm, sw_next_pid, sw_next_prio;
	struct fh wk_comm, wk_pid, wk_prio, wk_target;
	struct fh irq_irq, irq_name, irqx_irq, irqx_ret;
	struct fh se_id, se_args, sx_id, sx_ret;
	struct fh ke_vcpu, ke_rip, kx_reason, kx_rip, kx_isa, kx_info1, kx_info2, kx_vcpu;
	struct fh pr_ip, pr_buf;
} F;

static void load_formats(const char *dir)
{
	char path[4096];
	const char *hdrs[] = { "header_page", "header_event" };

	snprintf(path, sizeof(path), "%s/formats", dir);
	if (mkdir(path, 0755))
		die("mkdir %s: %s", path, strerror(errno));
	for (int i = 0; i < 2; i++) {
		size_t len;
		char *b;

		snprintf(path, sizeof(path), TRACEFS "/%s", hdrs[i]);
		b = slurp(path, &len);
		snprintf(path, sizeof(path), "%s/formats/%s", dir, hdrs[i]);
		spill(path, b, len);
		free(b);
	}
	for (int e = 0; e < NR_EV; e++) {
		struct format *f = &fmts[e];
		size_t len;
		char *b;

		snprintf(path, sizeof(path), TRACEFS "/%s/%s/format", f->sys, f->name);
		b = slurp(path, &len);
		parse_format(f, b);
		snprintf(path, sizeof(path), "%s/formats/%s", dir, f->sys);
		if (mkdir(path, 0755) && errno != EEXIST)
			die("mkdir %s: %s", path, strerror(errno));
		snprintf(path, sizeof(path), "%s/formats/%s/%s", dir, f->sys, f->name);
		spill(path, b, len);
		free(b);
	}
	F.type = fh(EV_SWITCH, "common_type");
	F.flags = fh(EV_SWITCH, "common_flags");
	F.pid = fh(EV_SWITCH, "common_pid");
	F.sw_prev_comm = fh(EV_SWITCH, "prev_comm");
	F.sw_prev_pid = fh(EV_SWITCH, "prev_pid");
	F.sw_prev_prio = fh(EV_SWITCH, "prev_prio");
	F.sw_prev_state = fh(EV_SWITCH, "prev_state");
	F.sw_next_comm = fh(EV_SWITCH, "next_comm");
	F.sw_next_pid = fh(EV_SWITCH, "next_pid");
	F.sw_next_prio = fh(EV_SWITCH, "next_prio");
	F.wk_comm = fh(EV_WAKEUP, "comm");
	F.wk_pid = fh(EV_WAKEUP, "pid");
	F.wk_prio = fh(EV_WAKEUP, "prio");
	F.wk_target = fh(EV_WAKEUP, "target_cpu");
	F.irq_irq = fh(EV_IRQ_ENTRY, "irq");
	F.irq_name = fh(EV_IRQ_ENTRY, "name");
	F.irqx_irq = fh(EV_IRQ_EXIT, "irq");
	F.irqx_ret = fh(EV_IRQ_EXIT, "ret");
	F.se_id = fh(EV_SYS_ENTER, "id");
	F.se_args = fh(EV_SYS_ENTER, "args");
	F.sx_id = fh(EV_SYS_EXIT, "id");
	F.sx_ret = fh(EV_SYS_EXIT, "ret");
	F.ke_vcpu = fh(EV_KVM_ENTRY, "vcpu_id");
	F.ke_rip = fh(EV_KVM_ENTRY, "rip");
	F.kx_reason = fh(EV_KVM_EXIT, "exit_reason");
	F.kx_rip = fh(EV_KVM_EXIT, "guest_rip");
	F.kx_isa = fh(EV_KVM_EXIT, "isa");
	F.kx_info1 = fh(EV_KVM_EXIT, "info1");
	F.kx_info2 = fh(EV_KVM_EXIT, "info2");
	F.kx_vcpu = fh(EV_KVM_EXIT, "vcpu_id");
	F.pr_ip = fh(EV_PRINT, "ip");
	F.pr_buf = fh(EV_PRINT, "buf");
	/* every event shares the common fields' layout: check rather than assume */
	for (int e = 0; e < NR_EV; e++) {
		const struct field *t = field(e, "common_type"), *p = field(e, "common_pid");

		if (t->off != F.type.off || p->off != F.pid.off)
			die("%s/%s: common fields at other offsets", fmts[e].sys, fmts[e].name);
	}
}

/* ------------------------------------------------------------ random */

static inline uint64_t rnd(uint64_t *s)	/* splitmix64 */
{
	uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

static inline uint32_t below(uint64_t *s, uint32_t n)
{
	return (uint32_t)(((rnd(s) >> 32) * n) >> 32);
}

/* ------------------------------------------------------- ring buffer */

struct cpu_out {
	int cpu, fd;
	uint8_t *frame;			/* FRAME_PAGES sub-buffers */
	int npages;			/* pages begun in this frame */
	uint8_t *page;			/* the page being filled, NULL if none */
	size_t used;			/* data bytes in it */
	uint64_t last_ts;
	struct xt_frame_writer fw;	/* libxtrace's frames, into fd */
	uint64_t events, pages, bytes_raw, bytes_disk;
};

static void page_close(struct cpu_out *o)
{
	uint64_t commit = o->used;

	if (!o->page)
		return;
	memcpy(o->page + 8, &commit, 8);
	o->page = NULL;
}

static void frame_flush(struct cpu_out *o)
{
	long w;

	page_close(o);
	if (!o->npages)
		return;
	o->fw.fd = o->fd;
	w = xt_frame_write_pages(&o->fw, (const char *)o->frame, o->npages, PAGE_SIZE_RB);
	if (w < 0)
		die("cpu%d: write: %s", o->cpu, strerror(-w));
	o->pages += o->npages;
	o->bytes_raw += (uint64_t)o->npages * PAGE_SIZE_RB;
	o->bytes_disk += w;
	o->npages = 0;
}

static void page_open(struct cpu_out *o, uint64_t ts)
{
	page_close(o);
	if (o->npages == FRAME_PAGES)
		frame_flush(o);
	o->page = o->frame + (size_t)o->npages++ * PAGE_SIZE_RB;
	memset(o->page, 0, PAGE_SIZE_RB);
	memcpy(o->page, &ts, 8);
	o->used = 0;
	o->last_ts = ts;
}

static inline void put32(struct cpu_out *o, uint32_t v)
{
	memcpy(o->page + PAGE_HDR + o->used, &v, 4);
	o->used += 4;
}

/* Append one event of @len payload bytes at @ts, as the kernel would. */
static void emit(struct cpu_out *o, uint64_t ts, const uint8_t *rec, size_t len)
{
	size_t len4 = (len + 3) & ~(size_t)3;
	size_t need = len4 <= MAX_SMALL_DATA ? 4 + len4 : 8 + len4;
	uint64_t delta = o->page ? ts - o->last_ts : 0;
	size_t ext = delta > TS_MASK ? 8 : 0;

	if (!o->page || o->used + ext + need > PAGE_DATA) {
		page_open(o, ts);
		delta = 0;
		ext = 0;
	}
	if (ext) {
		put32(o, TYPE_TIME_EXTEND | (uint32_t)(delta & TS_MASK) << 5);
		put32(o, (uint32_t)(delta >> TS_BITS));
		delta = 0;
	}
	if (len4 <= MAX_SMALL_DATA) {
		put32(o, (uint32_t)(len4 / 4) | (uint32_t)delta << 5);
	} else {
		put32(o, (uint32_t)delta << 5);	/* type_len 0: length in array[0] */
		put32(o, (uint32_t)len4 + 4);
	}
	memcpy(o->page + PAGE_HDR + o->used, rec, len);
	o->used += len4;
	o->last_ts = ts;
	o->events++;
}

/* ------------------------------------------------------------ the mix */

struct task {
	int pid, tgid, prio;
	char comm[16];
};

struct sysc {
	int nr;
	const char *name;
	int weight;
};

static const struct sysc syscalls[] = {
	{ 0, "read", 18 }, { 1, "write", 14 }, { 39, "getpid", 10 }, { 202, "futex", 14 },
	{ 16, "ioctl", 12 }, { 230, "clock_nanosleep", 10 }, { 7, "poll", 6 },
	{ 232, "epoll_wait", 6 }, { 257, "openat", 3 }, { 3, "close", 3 }, { 9, "mmap", 2 },
	{ 228, "clock_gettime", 2 },
};
#define NR_SYSC (sizeof(syscalls) / sizeof(syscalls[0]))

/* VMX exit reasons of a busy guest */
static const uint32_t vmx_reasons[] = { 1, 1, 1, 12, 12, 30, 30, 48, 32, 32, 10, 7, 52 };
#define NR_REASONS (sizeof(vmx_reasons) / sizeof(vmx_reasons[0]))

#define TASKS_PER_CPU 5

struct gen {
	bool guest;
	int cpus;
	uint64_t mean_gap;		/* ns */
	struct task *tasks;		/* TASKS_PER_CPU per CPU: [0] swapper/N, [1] vCPU or kworker, ... */
	int sysc_cum[NR_SYSC];
	int sysc_total;
};

static void make_tasks(struct gen *g, const char *dir)
{
	char path[4096];
	FILE *f;

	g->tasks = calloc((size_t)g->cpus * TASKS_PER_CPU, sizeof(*g->tasks));
	if (!g->tasks)
		die("out of memory");
	for (int c = 0; c < g->cpus; c++) {
		struct task *t = &g->tasks[c * TASKS_PER_CPU];

		t[0] = (struct task){ 0, 0, 120, "" };
		snprintf(t[0].comm, 16, "swapper/%d", c);
		if (g->guest) {
			t[1] = (struct task){ 1000 + c, 1000, 9, "" };	/* SCHED_FIFO 90 */
			snprintf(t[1].comm, 16, "rt-app-%d", c);
			t[2] = (struct task){ 1500 + c, 1500, 120, "" };
			snprintf(t[2].comm, 16, "stress-ng");
		} else {
			t[1] = (struct task){ 4001 + c, 4000, 120, "" };
			snprintf(t[1].comm, 16, "CPU %d/KVM", c);
			t[2] = (struct task){ 4000, 4000, 120, "" };
			snprintf(t[2].comm, 16, "qemu-system-x86");
		}
		t[3] = (struct task){ 20 + 6 * c, 20 + 6 * c, 120, "" };
		snprintf(t[3].comm, 16, "kworker/%d:1", c);
		t[4] = (struct task){ 700 + c, 700, 120, "" };
		snprintf(t[4].comm, 16, c % 2 ? "sshd" : "systemd-journal");
	}
	snprintf(path, sizeof(path), "%s/" XT_TASKS_FILE, dir);
	f = fopen(path, "we");
	if (!f)
		die("cannot write %s", path);
	fprintf(f, "0 0 swapper\n");
	for (int i = 0; i < g->cpus * TASKS_PER_CPU; i++)
		if (g->tasks[i].pid)
			fprintf(f, "%d %d %s\n", g->tasks[i].pid, g->tasks[i].tgid, g->tasks[i].comm);
	if (fclose(f))
		die("cannot write %s", path);
}

struct cpu_state {
	struct cpu_out *o;
	uint64_t seed, ts, left;
	struct task *tasks;
	int cur;			/* index into tasks */
	uint8_t rec[256];
	uint32_t markers;
};

static inline void next_ts(struct gen *g, struct cpu_state *s)
{
	uint64_t r = rnd(&s->seed);

	s->ts += ((r >> 32) * (2 * g->mean_gap)) >> 32;
	/* about 5% of the time idle, in gaps of 150-400 ms: time extends */
	if ((r & 0xffffffff) < (uint64_t)(0.05 * g->mean_gap / 275e6 * 4294967296.0))
		s->ts += 150000000 + below(&s->seed, 250000000);
}

static inline uint8_t *rec_begin(struct cpu_state *s, int ev, size_t len)
{
	memset(s->rec, 0, len);
	put(s->rec, F.type, fmts[ev].id);
	put(s->rec, F.pid, s->tasks[s->cur].pid);
	return s->rec;
}

/* Emit one event; returns false once the CPU has all its events. */
static inline bool out(struct gen *g, struct cpu_state *s, size_t len)
{
	if (!s->left)
		return false;
	next_ts(g, s);
	emit(s->o, s->ts, s->rec, len);
	s->left--;
	return s->left > 0;
}

static bool switch_to(struct gen *g, struct cpu_state *s, int cpu, int next);

static bool gen_syscall(struct gen *g, struct cpu_state *s, int cpu)
{
	int w = below(&s->seed, g->sysc_total), i = 0;
	uint64_t ret;
	uint8_t *r;

	while (g->sysc_cum[i] <= w)
		i++;
	/* the idle task makes no syscalls */
	if (s->cur == 0 && !switch_to(g, s, cpu, 1 + below(&s->seed, TASKS_PER_CPU - 1)))
		return false;
	r = rec_begin(s, EV_SYS_ENTER, fmts[EV_SYS_ENTER].size);
	put(r, F.se_id, syscalls[i].nr);
	/* programs reuse their fds and buffers: a few argument sets per task and syscall */
	{
		int nr = syscalls[i].nr, pid = s->tasks[s->cur].pid, k = below(&s->seed, 4);
		uint64_t args[3] = { 3 + (nr * 7 + pid + k) % 8,
				     0x7ffc00000000ULL + (uint64_t)pid * 0x10000 + k * 0x1000,
				     k & 1 ? 4096 : 64 };

		for (int a = 0; a < 3; a++)
			put(r, (struct fh){ F.se_args.off + 8 * a, 8 }, args[a]);
		ret = nr == 39 ? (uint64_t)pid : (nr == 0 || nr == 1) ? args[2] : 0;
	}
	if (!out(g, s, fmts[EV_SYS_ENTER].size))
		return false;
	r = rec_begin(s, EV_SYS_EXIT, fmts[EV_SYS_EXIT].size);
	put(r, F.sx_id, syscalls[i].nr);
	put(r, F.sx_ret, ret);
	return out(g, s, fmts[EV_SYS_EXIT].size);
}

/* wake @next (unless it is the idle task) and switch to it */
static bool switch_to(struct gen *g, struct cpu_state *s, int cpu, int next)
{
	struct task *p = &s->tasks[s->cur], *n = &s->tasks[next];
	uint8_t *r;

	if (next) {	/* nobody wakes the idle task */
		r = rec_begin(s, EV_WAKEUP, fmts[EV_WAKEUP].size);
		put_str(r, F.wk_comm, n->comm);
		put(r, F.wk_pid, n->pid);
		put(r, F.wk_prio, n->prio);
		put(r, F.wk_target, cpu);
		if (!out(g, s, fmts[EV_WAKEUP].size))
			return false;
	}
	r = rec_begin(s, EV_SWITCH, fmts[EV_SWITCH].size);
	put_str(r, F.sw_prev_comm, p->comm);
	put(r, F.sw_prev_pid, p->pid);
	put(r, F.sw_prev_prio, p->prio);
	put(r, F.sw_prev_state, s->cur == 0 ? 0 : 1);	/* R or S */
	put_str(r, F.sw_next_comm, n->comm);
	put(r, F.sw_next_pid, n->pid);
	put(r, F.sw_next_prio, n->prio);
	s->cur = next;
	return out(g, s, fmts[EV_SWITCH].size);
}

static bool gen_sched(struct gen *g, struct cpu_state *s, int cpu)
{
	int next = below(&s->seed, TASKS_PER_CPU);

	if (next == s->cur)
		next = (next + 1) % TASKS_PER_CPU;
	return switch_to(g, s, cpu, next);
}

static bool gen_irq(struct gen *g, struct cpu_state *s, int cpu)
{
	static const char *const host_irqs[] = { "nvme0q1", "eth0-TxRx-0", "eth0-TxRx-1", "ahci" };
	static const char *const guest_irqs[] = { "virtio0-input.0", "virtio1-req.0",
						  "virtio0-output.0", "virtio2-config" };
	int k = below(&s->seed, 4), irq = 24 + 4 * (cpu % 8) + k;
	const char *name = g->guest ? guest_irqs[k] : host_irqs[k];
	size_t base = fmts[EV_IRQ_ENTRY].size, nl = strlen(name) + 1;
	uint8_t *r = rec_begin(s, EV_IRQ_ENTRY, base + nl);

	put(r, F.flags, 0x9);			/* irqs off, hardirq */
	put(r, F.irq_irq, irq);
	put(r, F.irq_name, (uint32_t)nl << 16 | (uint32_t)base);	/* __data_loc: len << 16 | offset */
	memcpy(r + base, name, nl);
	if (!out(g, s, base + nl))
		return false;
	r = rec_begin(s, EV_IRQ_EXIT, fmts[EV_IRQ_EXIT].size);
	put(r, F.flags, 0x9);
	put(r, F.irqx_irq, irq);
	put(r, F.irqx_ret, 1);
	return out(g, s, fmts[EV_IRQ_EXIT].size);
}

static bool gen_kvm(struct gen *g, struct cpu_state *s, int cpu)
{
	uint32_t reason = vmx_reasons[below(&s->seed, NR_REASONS)];
	/* a guest exits at a few places per reason */
	uint64_t rip = 0xffffffff81000000ULL + reason * 0x10000 + below(&s->seed, 8) * 0x40;
	uint8_t *r;

	if (s->cur != 1 && !switch_to(g, s, cpu, 1))	/* the vCPU thread runs the guest */
		return false;
	r = rec_begin(s, EV_KVM_EXIT, fmts[EV_KVM_EXIT].size);
	put(r, F.kx_reason, reason);
	put(r, F.kx_rip, rip);
	put(r, F.kx_isa, 1);			/* VMX */
	put(r, F.kx_info1, reason == 48 ? 0x181 : 0);
	put(r, F.kx_info2, reason == 48 ? rnd(&s->seed) & 0xfffff000 : 0);
	put(r, F.kx_vcpu, cpu);
	if (!out(g, s, fmts[EV_KVM_EXIT].size))
		return false;
	r = rec_begin(s, EV_KVM_ENTRY, fmts[EV_KVM_ENTRY].size);
	put(r, F.ke_vcpu, cpu);
	put(r, F.ke_rip, rip);
	return out(g, s, fmts[EV_KVM_ENTRY].size);
}

static bool gen_marker(struct gen *g, struct cpu_state *s)
{
	size_t base = fmts[EV_PRINT].size;
	char text[64];
	int n = snprintf(text, sizeof(text), "bench cycle %u", ++s->markers);
	uint8_t *r = rec_begin(s, EV_PRINT, base + n + 1);

	put(r, F.pr_ip, 0);
	memcpy(r + base, text, n + 1);
	return out(g, s, base + n + 1);
}

static void gen_cpu(struct gen *g, struct cpu_state *s, int cpu)
{
	/* per mille: host syscalls 450, kvm 300, sched 130, irq 119, marker 1 */
	static const int host_mix[] = { 450, 750, 880, 999, 1000 };
	static const int guest_mix[] = { 600, 600, 820, 999, 1000 };
	const int *mix = g->guest ? guest_mix : host_mix;
	bool more = true;

	while (more) {
		int w = below(&s->seed, 1000);

		if (w < mix[0])
			more = gen_syscall(g, s, cpu);
		else if (w < mix[1])
			more = gen_kvm(g, s, cpu);
		else if (w < mix[2])
			more = gen_sched(g, s, cpu);
		else if (w < mix[3])
			more = gen_irq(g, s, cpu);
		else
			more = gen_marker(g, s);
	}
}

/* ------------------------------------------------------------ main */

static void usage(void)
{
	fprintf(stderr, "usage: gen-recording -o DIR -n HOSTNAME -c CPUS -e EVENTS [-s SEED] "
		"[-t START_UTC_NS] [-r RATE_PER_CPU_PER_S] [-g] [-q]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	const char *dir = NULL, *host = NULL;
	uint64_t events = 0, seed = 1, rate = 1000000, max_ts = 0;
	int64_t start = 0;
	struct gen g = { 0 };
	struct xtrace_meta m = { 0 };
	struct utsname u;
	struct timespec now;
	uint64_t tot_pages = 0, tot_raw = 0, tot_disk = 0;
	char path[4096], cpus[32], cmd[1024], *events_list;
	bool quiet = false;
	int c;
	FILE *f;

	while ((c = getopt(argc, argv, "o:n:c:e:s:t:r:gq")) != -1) {
		switch (c) {
		case 'o': dir = optarg; break;
		case 'n': host = optarg; break;
		case 'c': g.cpus = atoi(optarg); break;
		case 'e': events = strtoull(optarg, NULL, 0); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 't': start = strtoll(optarg, NULL, 0); break;
		case 'r': rate = strtoull(optarg, NULL, 0); break;
		case 'g': g.guest = true; break;
		case 'q': quiet = true; break;
		default: usage();
		}
	}
	if (!dir || !host || g.cpus < 1 || g.cpus > XTRACE_MAX_CPUS || !events || !rate ||
	    optind != argc)
		usage();
	if (!start) {
		clock_gettime(CLOCK_REALTIME, &now);
		start = now.tv_sec * 1000000000LL + now.tv_nsec;
	}
	g.mean_gap = 1000000000ULL / rate ? 1000000000ULL / rate : 1;
	for (size_t i = 0; i < NR_SYSC; i++)
		g.sysc_cum[i] = (g.sysc_total += syscalls[i].weight);

	/* DIR must not exist, or be empty (an empty one is replaced) */
	if (rmdir(dir) && errno != ENOENT)
		die("%s: %s", dir, errno == ENOTEMPTY || errno == EEXIST ?
		    "exists and is not empty" : strerror(errno));
	if (mkdir(dir, 0755))
		die("cannot create %s: %s", dir, strerror(errno));
	load_formats(dir);
	make_tasks(&g, dir);

	snprintf(path, sizeof(path), "%s/" XT_SYSCALLS_FILE, dir);
	f = fopen(path, "we");
	if (!f)
		die("cannot write %s", path);
	fprintf(f, "# nr name (x86_64)\n");
	for (size_t i = 0; i < NR_SYSC; i++)
		fprintf(f, "%d %s\n", syscalls[i].nr, syscalls[i].name);
	if (fclose(f))
		die("cannot write %s", path);

	m.cpu = calloc(g.cpus, sizeof(*m.cpu));
	if (!m.cpu)
		die("out of memory");
	{
		struct cpu_out o = { 0 };

		o.frame = malloc((size_t)FRAME_PAGES * PAGE_SIZE_RB);
		if (!o.frame || xt_frame_writer_init(&o.fw, -1, XT_FRAME_MAGIC, 1,
						     (size_t)FRAME_PAGES * PAGE_SIZE_RB))
			die("out of memory");
		for (int cpu = 0; cpu < g.cpus; cpu++) {
			struct cpu_state s = { .o = &o };

			o.cpu = cpu;
			o.npages = 0;
			o.page = NULL;
			o.events = o.pages = o.bytes_raw = o.bytes_disk = 0;
			snprintf(path, sizeof(path), "%s/" XT_CPU_FILE_FMT, dir, cpu);
			o.fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
			if (o.fd < 0)
				die("cannot create %s: %s", path, strerror(errno));
			if (xt_cpufile_write_header(o.fd, cpu, PAGE_SIZE_RB))
				die("cannot write %s", path);
			s.seed = seed * 0x100000001B3ULL + cpu * 0x9E3779B97F4A7C15ULL + 1;
			s.left = events / g.cpus + ((uint64_t)cpu < events % g.cpus);
			s.tasks = &g.tasks[cpu * TASKS_PER_CPU];
			/* CPUs start within the first 50 us */
			s.ts = 1000 + below(&s.seed, 50000);
			if (s.left)
				gen_cpu(&g, &s, cpu);
			frame_flush(&o);
			if (close(o.fd))
				die("cannot write %s: %s", path, strerror(errno));
			if (s.ts > max_ts)
				max_ts = s.ts;
			m.cpu[cpu] = (struct xtrace_cpu_meta){
				.recorded = true, .events = o.events, .pages = o.pages,
				.bytes_raw = o.bytes_raw, .bytes_disk = o.bytes_disk,
			};
			tot_pages += o.pages;
			tot_raw += o.bytes_raw;
			tot_disk += o.bytes_disk;
		}
		xt_frame_writer_free(&o.fw);
		free(o.frame);
	}
	max_ts += 1000;

	snprintf(path, sizeof(path), "%s/" XT_CLOCK_FILE, dir);
	f = fopen(path, "we");
	if (!f)
		die("cannot write %s", path);
	fprintf(f, "# trace_clock_ns utc_ns error_ns flags\n0 %lld 25 0\n%llu %lld 25 0\n",
		(long long)start, (unsigned long long)max_ts, (long long)(start + max_ts));
	if (fclose(f))
		die("cannot write %s", path);

	uname(&u);
	snprintf(cpus, sizeof(cpus), g.cpus > 1 ? "0-%d" : "%d", g.cpus - 1);
	if (asprintf(&events_list, "irq:irq_handler_entry,irq:irq_handler_exit,%s"
		     "raw_syscalls:sys_enter,raw_syscalls:sys_exit,sched:sched_switch,sched:sched_wakeup",
		     g.guest ? "" : "kvm:kvm_entry,kvm:kvm_exit,") < 0)
		die("out of memory");
	snprintf(cmd, sizeof(cmd), "gen-recording -n %s -c %d -e %llu -s %llu -r %llu%s", host,
		 g.cpus, (unsigned long long)events, (unsigned long long)seed,
		 (unsigned long long)rate, g.guest ? " -g" : "");
	m.major = XTRACE_FORMAT_MAJOR;
	m.minor = XTRACE_FORMAT_MINOR;
	m.tool = "gen-recording (xtrace bench)";
	m.hostname = (char *)host;
	m.kernel = u.release;
	m.arch = u.machine;
	m.nr_cpus = g.cpus;
	m.long_size = 8;
	m.page_size = PAGE_SIZE_RB;
	m.timestamp = "tod";
	m.trace_clock = "boot";
	m.mode = "stream";
	m.buffer_kb = 4096;
	m.cpus = cpus;
	m.events = events_list;
	m.command = cmd;
	m.exit_status = 0;
	m.start_tod = start;
	m.end_tod = start + max_ts;
	m.complete = true;
	m.recorder_pid = getpid();
	m.instance = "none (generated)";
	m.chrony_start = m.chrony_end = "unavailable (generated by gen-recording)";
	m.chrony_error_ns = -1;
	c = xtrace_meta_write(dir, &m);
	if (c)
		die("cannot write %s/" XT_META_FILE ": %s", dir, strerror(-c));
	if (!quiet)
		printf("%llu %llu %llu %llu\n", (unsigned long long)events,
		       (unsigned long long)tot_pages, (unsigned long long)tot_raw,
		       (unsigned long long)tot_disk);
	free(events_list);
	free(m.cpu);
	free(g.tasks);
	return 0;
}
