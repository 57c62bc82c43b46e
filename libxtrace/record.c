// SPDX-License-Identifier: LGPL-2.1
/*
 * The recorder: a private tracefs instance, one reader thread per CPU that
 * moves raw ring-buffer sub-buffers into zstd frames on disk, and the files a
 * reader on another machine needs to decode them.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <time.h>
#include <tracefs.h>
#include <unistd.h>

#include "xtrace-local.h"
#include "sbuf.h"

/* vms.c: which qemu process and thread is which VM and vCPU (the "vms" file) */
#define XT_REC_FORMAT_MINOR	1	/* a recording's format: 1.1 added the vms file */
__hidden int xt_vms_save(const char *dir, bool at_end);

#define DEFAULT_BUFFER_KB	4096
#define FRAME_PAGES		64		/* sub-buffers per zstd frame */
#define SAMPLE_PERIOD_NS	5000000000LL	/* clock samples while streaming */
#define SAMPLE_PERIOD_OVW_NS	60000000000LL	/* flight recorder: also at each flush */
#define WAKE_PERCENT		"25"		/* reader wakes when a buffer is this full */
#define LOCK_FILE		"trace_marker"	/* flock()ed while the recorder lives */

struct cpu_reader {
	struct xtrace_recorder *r;
	int cpu;
	int fd;				/* trace_pipe_raw */
	int pipe[2];			/* full sub-buffers are spliced through it */
	struct tracefs_cpu *tcpu;
	int out;			/* cpuN.xtd */
	off_t out_len;
	struct xt_frame_writer fw;	/* frames into out */
	char *pages;
	int nr_pages;
	pthread_mutex_t lock;		/* the thread's drain vs. a flush */
	pthread_t thread;
	bool thread_started;
	pid_t tid;
	int err;
	uint64_t written_pages, bytes_raw, bytes_disk;
};

struct xtrace_recorder {
	char *dir;
	bool made_dir;
	struct tracefs_instance *inst;
	char *marker_path;
	int lock_fd;
	struct xt_guard guard;		/* stops tracing if this process dies */
	struct xtrace_meta meta;
	struct xtrace_cpuset cpus;
	int nr_cpus;
	int page_size;
	int level;
	int nice;
	enum xtrace_mode mode;
	struct cpu_reader *readers;
	int clock_fd;
	int clockid;
	int64_t next_sample;
	int stop_fd;
	bool tracing, stopped;
	bool traced;			/* tracing was on once: the directory is a recording */
	pthread_mutex_t start_lock;
	pthread_cond_t start_cond;
	int threads_ready;
	int failed;
	struct xtrace_cpuset paused;
};

/* ------------------------------------------------------------ frames */

static uint64_t page_commit(struct xtrace_recorder *r, const char *page)
{
	uint64_t commit;

	if (r->meta.long_size == 8)
		memcpy(&commit, page + 8, 8);
	else {
		uint32_t c32;

		memcpy(&c32, page + 8, 4);
		commit = c32;
	}
	return commit;
}

static uint64_t page_ts(const char *page)
{
	uint64_t ts;

	memcpy(&ts, page, 8);
	return ts;
}

/* Compress the batched sub-buffers into one frame and append it to the CPU's file. */
static int write_frame(struct cpu_reader *rd)
{
	struct xtrace_recorder *r = rd->r;
	long w;

	if (!rd->nr_pages)
		return 0;
	w = xt_frame_write_pages(&rd->fw, rd->pages, rd->nr_pages, r->page_size);
	if (w < 0) {
		/* leave the file ending on its last whole frame */
		if (ftruncate(rd->out, rd->out_len) == 0)
			lseek(rd->out, rd->out_len, SEEK_SET);
		return (int)w;
	}
	rd->out_len += w;
	rd->written_pages += rd->nr_pages;
	rd->bytes_raw += (uint64_t)rd->nr_pages * r->page_size;
	rd->bytes_disk += w;
	rd->nr_pages = 0;
	return 0;
}

/*
 * Save what the CPU's buffer holds up to now: read sub-buffers (oldest first)
 * until the buffer is empty or one starts after the moment drain() was called,
 * writing a frame every FRAME_PAGES. Under a heavy load the kernel keeps
 * filling the buffer as we read, so "empty" may never come; stopping at "now"
 * is what makes a flight recorder's flush keep the moment it was asked for.
 * The cap only guards against a clock that never passes "now".
 */
/*
 * Take the full sub-buffers the kernel has ready, up to a frame's worth, in two
 * system calls: splice() them into a pipe (page references, no copy), then one
 * read() from it. Returns the bytes now in rd->pages past rd->nr_pages, 0 if
 * none, or -errno; -ENOSYS if splicing is not possible here.
 */
static ssize_t take_full(struct cpu_reader *rd)
{
	struct xtrace_recorder *r = rd->r;
	size_t room = (size_t)(FRAME_PAGES - rd->nr_pages) * r->page_size;
	char *dst = rd->pages + (size_t)rd->nr_pages * r->page_size;
	ssize_t n, got = 0;

	if (rd->pipe[0] < 0)
		return -ENOSYS;
	n = splice(rd->fd, NULL, rd->pipe[1], NULL, room, SPLICE_F_NONBLOCK | SPLICE_F_MOVE);
	if (n < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	while (got < n) {
		ssize_t m = read(rd->pipe[0], dst + got, n - got);

		if (m < 0 && errno == EINTR)
			continue;
		if (m <= 0)
			return m < 0 ? -errno : -EIO;
		got += m;
	}
	return got;
}

static int drain(struct cpu_reader *rd, bool partial)
{
	struct xtrace_recorder *r = rd->r;
	long max = 4 * (long)(r->meta.buffer_kb * 1024 / r->page_size) + 64;
	uint64_t until = xt_clock_now(r->clockid);
	bool past = false;
	int ret = 0;

	if (rd->err)
		return rd->err;
	for (long n = 0; n < max && !past && !ret; ) {
		char *slot = rd->pages + (size_t)rd->nr_pages * r->page_size;
		ssize_t got = take_full(rd);
		int pages;

		if (got < 0 && got != -ENOSYS) {
			ret = got;
			break;
		}
		if (got <= 0) {
			/*
			 * No full sub-buffer: the one the kernel is writing is left for
			 * later, unless this drain must save everything (a flush, the stop,
			 * or a quiet second); read() hands it out.
			 */
			if (!partial && got == 0)
				break;
			got = tracefs_cpu_read(rd->tcpu, slot, true);
			if (got <= 0)
				break;
			if (got < r->page_size)
				memset(slot + got, 0, r->page_size - got);
			got = r->page_size;
		}
		pages = got / r->page_size;
		for (int i = 0; i < pages; i++, n++) {
			char *page = slot + (size_t)i * r->page_size;

			/* an empty sub-buffer carries nothing, not even a lost-events flag */
			if (!page_commit(r, page)) {
				memmove(page, page + r->page_size,
					(size_t)(pages - i - 1) * r->page_size);
				pages--;
				i--;
				continue;
			}
			/* stop at the moment drain() was called: a busy CPU never empties */
			if (page_ts(page) > until)
				past = true;
		}
		rd->nr_pages += pages;
		if (rd->nr_pages == FRAME_PAGES)
			ret = write_frame(rd);
	}
	if (!ret)
		ret = write_frame(rd);
	if (ret) {
		rd->err = ret;
		xt_log(XTRACE_LOG_ERROR, "cpu%d: cannot write '%s/" XT_CPU_FILE_FMT "': %s",
		       rd->cpu, r->dir, rd->cpu, strerror(-ret));
	}
	return ret;
}

static void *reader_thread(void *arg)
{
	struct cpu_reader *rd = arg;
	struct xtrace_recorder *r = rd->r;
	int ret;

	rd->tid = gettid();
	if (r->nice)
		setpriority(PRIO_PROCESS, rd->tid, r->nice);
	pthread_mutex_lock(&r->start_lock);
	r->threads_ready++;
	pthread_cond_broadcast(&r->start_cond);
	pthread_mutex_unlock(&r->start_lock);

	for (;;) {
		struct pollfd p[2] = { { rd->fd, POLLIN, 0 }, { r->stop_fd, POLLIN, 0 } };

		int n = poll(p, 2, 1000);

		if (n < 0 && errno != EINTR)
			break;
		if (p[1].revents)
			break;
		pthread_mutex_lock(&rd->lock);
		/* a quiet second: save the partly filled page too, so data reaches the disk */
		ret = drain(rd, n == 0);
		pthread_mutex_unlock(&rd->lock);
		if (ret)
			break;
	}
	/* tracing is off now: save the rest */
	pthread_mutex_lock(&rd->lock);
	drain(rd, true);
	pthread_mutex_unlock(&rd->lock);
	return NULL;
}

/* ------------------------------------------------------- decoding files */

static int copy_tracefs_file(const char *tdir, const char *rel, const char *dst)
{
	char *src;
	int ret;

	if (asprintf(&src, "%s/%s", tdir, rel) < 0)
		return -ENOMEM;
	ret = xt_copy_file(src, dst);
	free(src);
	return ret;
}

static int save_format(struct xtrace_recorder *r, const char *tdir, const char *sys,
		       const char *ev)
{
	char *rel = NULL, *dst = NULL, *d = NULL;
	int ret = -ENOMEM;

	if (asprintf(&d, "%s/" XT_FORMATS_DIR "/%s", r->dir, sys) < 0 ||
	    asprintf(&dst, "%s/%s", d, ev) < 0 ||
	    asprintf(&rel, "events/%s/%s/format", sys, ev) < 0)
		goto out;
	ret = xt_mkdir_p(d, 0755);
	if (!ret)
		ret = copy_tracefs_file(tdir, rel, dst);
out:
	free(rel);
	free(dst);
	free(d);
	return ret;
}

static int save_formats(struct xtrace_recorder *r, const char *tdir, char **events)
{
	static const char *const always[] = { "print", "bprint", "bputs", "raw_data" };
	char *d;
	int ret;

	if (asprintf(&d, "%s/" XT_FORMATS_DIR, r->dir) < 0)
		return -ENOMEM;
	ret = xt_mkdir_p(d, 0755);
	if (!ret) {
		char *hp = xt_path(d, "header_page"), *he = xt_path(d, "header_event");

		ret = (!hp || !he) ? -ENOMEM : copy_tracefs_file(tdir, "events/header_page", hp);
		if (!ret)
			ret = copy_tracefs_file(tdir, "events/header_event", he);
		free(hp);
		free(he);
	}
	free(d);
	for (size_t i = 0; i < ARRAY_SIZE(always) && !ret; i++) {
		/* marker events: always in the buffer, present on every kernel we know */
		if (save_format(r, tdir, "ftrace", always[i]) && !strcmp(always[i], "print"))
			ret = -ENOENT;
	}
	for (char **e = events; *e && !ret; e++) {
		char *sys = strdup(*e), *ev;

		if (!sys)
			return -ENOMEM;
		ev = strchr(sys, ':');
		*ev++ = '\0';
		ret = save_format(r, tdir, sys, ev);
		free(sys);
	}
	return ret;
}

/* Every task now running: "pid tgid comm" lines. */
static int append_tasks(struct sbuf *sb, int pid, int tgid, const char *comm)
{
	sb_printf(sb, "%d %d %.*s\n", pid, tgid, 31, comm);
	return sb->err;
}

static int scan_proc(struct sbuf *sb)
{
	DIR *proc = opendir("/proc");
	struct dirent *pe;

	if (!proc)
		return -errno;
	while ((pe = readdir(proc))) {
		char path[300];
		DIR *task;
		struct dirent *te;
		int tgid = atoi(pe->d_name);

		if (tgid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task", tgid);
		task = opendir(path);
		if (!task)
			continue;
		while ((te = readdir(task))) {
			int pid = atoi(te->d_name);
			char comm[64] = "", *buf;

			if (pid <= 0)
				continue;
			snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", tgid, pid);
			if (xt_read_file(path, &buf, NULL))
				continue;
			snprintf(comm, sizeof(comm), "%s", buf);
			free(buf);
			comm[strcspn(comm, "\n")] = '\0';
			if (append_tasks(sb, pid, tgid, comm))
				break;
		}
		closedir(task);
	}
	closedir(proc);
	return 0;
}

/* The kernel's own pid->comm cache catches tasks that came and went while we recorded. */
static void scan_saved_cmdlines(struct xtrace_recorder *r, struct sbuf *sb)
{
	char *cmd = tracefs_instance_file_read(NULL, "saved_cmdlines", NULL);
	char *tg = tracefs_instance_file_read(NULL, "saved_tgids", NULL);
	char *line, *save;

	(void)r;
	for (line = cmd ? strtok_r(cmd, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		char comm[32] = "";
		int pid, tgid = 0;

		if (sscanf(line, "%d %31[^\n]", &pid, comm) != 2)
			continue;
		/* saved_tgids: "pid tgid" lines */
		if (tg) {
			char key[24], *at;

			snprintf(key, sizeof(key), "\n%d ", pid);
			at = strstr(tg, key);
			if (!at && !strncmp(tg, key + 1, strlen(key + 1)))
				at = tg - 1;
			if (at)
				tgid = atoi(at + strlen(key));
		}
		append_tasks(sb, pid, tgid ? tgid : pid, comm);
	}
	free(cmd);
	free(tg);
}

static int save_tasks(struct xtrace_recorder *r, bool at_end)
{
	struct sbuf sb = { 0 };
	char *path = xt_path(r->dir, XT_TASKS_FILE);
	int ret, fd;

	if (!path)
		return -ENOMEM;
	if (!at_end)
		append_tasks(&sb, 0, 0, "swapper");
	scan_proc(&sb);
	if (at_end)
		scan_saved_cmdlines(r, &sb);
	/* later lines win: the end's view of a reused pid replaces the start's */
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	free(path);
	if (fd < 0) {
		free(sb.buf);
		return -errno;
	}
	ret = sb.err ? sb.err : xt_write_all(fd, sb.buf, sb.len);
	close(fd);
	free(sb.buf);
	return ret;
}

static int save_syscalls(struct xtrace_recorder *r)
{
	char *path = xt_path(r->dir, XT_SYSCALLS_FILE);
	FILE *f;
	int ret = 0;

	if (!path)
		return -ENOMEM;
	f = fopen(path, "we");
	free(path);
	if (!f)
		return -errno;
	fprintf(f, "# nr name (%s)\n", r->meta.arch);
	for (long nr = 0; nr < xt_syscall_max_native(); nr++)
		if (xt_syscall_name_native(nr))
			fprintf(f, "%ld %s\n", nr, xt_syscall_name_native(nr));
	if (fclose(f))
		ret = -errno;
	return ret;
}

static int save_symbols(struct xtrace_recorder *r, const char *tdir)
{
	char *buf, *path, *pf;
	size_t len;
	int ret;

	/* kallsyms resolves addresses (hrtimer functions, %ps); not fatal if unreadable */
	if (!xt_read_file("/proc/kallsyms", &buf, &len)) {
		path = xt_path(r->dir, XT_KALLSYMS_FILE);
		ret = path ? xt_zstd_file_write(path, buf, len, 3) : -ENOMEM;
		free(path);
		free(buf);
		if (ret)
			return ret;
	} else {
		xt_log(XTRACE_LOG_WARNING, "cannot read /proc/kallsyms: addresses stay unnamed");
	}
	pf = xt_path(r->dir, XT_PRINTK_FILE);
	if (!pf)
		return -ENOMEM;
	ret = copy_tracefs_file(tdir, "printk_formats", pf);
	free(pf);
	return ret == -ENOENT ? 0 : ret;
}

/* ------------------------------------------------------------ instance */

static int instance_write(struct xtrace_recorder *r, const char *file, const char *val)
{
	int ret = tracefs_instance_file_write(r->inst, file, val);

	return ret < 0 ? -(errno ? errno : EIO) : 0;
}

static int select_clock(struct xtrace_recorder *r, enum xtrace_ts_type type)
{
	static const struct { const char *name; int clockid; } tod_clocks[] = {
		{ "boot", CLOCK_BOOTTIME }, { "mono", CLOCK_MONOTONIC },
	};

	if (type == XTRACE_TS_TSC) {
		if (instance_write(r, "trace_clock", "x86-tsc")) {
			xt_log(XTRACE_LOG_ERROR, "this kernel has no x86-tsc trace clock");
			return -ENOTSUP;
		}
		r->clockid = -1;
		r->meta.trace_clock = strdup("x86-tsc");
		r->meta.timestamp = strdup("tsc");
		return 0;
	}
	for (size_t i = 0; i < ARRAY_SIZE(tod_clocks); i++) {
		if (instance_write(r, "trace_clock", tod_clocks[i].name))
			continue;
		r->clockid = tod_clocks[i].clockid;
		r->meta.trace_clock = strdup(tod_clocks[i].name);
		r->meta.timestamp = strdup("tod");
		return 0;
	}
	xt_log(XTRACE_LOG_ERROR, "this kernel offers neither the boot nor the mono trace clock");
	return -ENOTSUP;
}

static int enable_events(struct xtrace_recorder *r, char **events)
{
	for (char **e = events; *e; e++) {
		char *sys = strdup(*e), *ev;
		int ret;

		if (!sys)
			return -ENOMEM;
		ev = strchr(sys, ':');
		*ev++ = '\0';
		/* not tracefs_event_enable(): it takes regexes, and sched_wakeup is a prefix */
		ret = tracefs_event_file_write(r->inst, sys, ev, "enable", "1");
		if (ret < 0) {
			xt_log(XTRACE_LOG_ERROR, "cannot enable event '%s': %s", *e,
			       strerror(errno ? errno : EIO));
			free(sys);
			return -(errno ? errno : EIO);
		}
		free(sys);
	}
	return 0;
}

static int join_strv(char **v, char **out)
{
	size_t len = 1;
	char *s;

	for (char **p = v; *p; p++)
		len += strlen(*p) + 1;
	s = calloc(1, len);
	if (!s)
		return -ENOMEM;
	for (char **p = v; *p; p++) {
		if (p != v)
			strcat(s, ",");
		strcat(s, *p);
	}
	*out = s;
	return 0;
}

static int open_reader(struct cpu_reader *rd)
{
	struct xtrace_recorder *r = rd->r;
	char *path, name[64];
	int ret;

	rd->out = rd->fd = -1;
	snprintf(name, sizeof(name), "per_cpu/cpu%d/trace_pipe_raw", rd->cpu);
	rd->fd = tracefs_instance_file_open(r->inst, name, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (rd->fd < 0)
		return -(errno ? errno : EIO);
	rd->tcpu = tracefs_cpu_alloc_fd(rd->fd, r->page_size, true);
	if (!rd->tcpu)
		return -ENOMEM;
	/* a frame's worth of pages fits in the pipe; without a pipe, read() does it all */
	if (pipe2(rd->pipe, O_CLOEXEC | O_NONBLOCK) == 0 &&
	    fcntl(rd->pipe[1], F_SETPIPE_SZ, FRAME_PAGES * r->page_size) <
	    FRAME_PAGES * r->page_size) {
		close(rd->pipe[0]);
		close(rd->pipe[1]);
		rd->pipe[0] = rd->pipe[1] = -1;
	}
	rd->pages = malloc((size_t)FRAME_PAGES * r->page_size);
	if (!rd->pages)
		return -ENOMEM;
	snprintf(name, sizeof(name), XT_CPU_FILE_FMT, rd->cpu);
	path = xt_path(r->dir, name);
	if (!path)
		return -ENOMEM;
	rd->out = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	free(path);
	if (rd->out < 0)
		return -errno;
	ret = xt_frame_writer_init(&rd->fw, rd->out, XT_FRAME_MAGIC, r->level,
				   (size_t)FRAME_PAGES * r->page_size);
	if (ret)
		return ret;
	rd->out_len = sizeof(struct xt_cpu_header);
	return xt_cpufile_write_header(rd->out, rd->cpu, r->page_size);
}

static int take_sample(struct xtrace_recorder *r, uint32_t flags)
{
	struct xtrace_clock_sample s;
	int ret;

	ret = xtrace_clock_sample_now(r->clockid, &s);
	if (ret)
		return ret;
	s.flags |= flags;
	r->next_sample = s.tod + (r->mode == XTRACE_MODE_STREAM ? SAMPLE_PERIOD_NS :
				  SAMPLE_PERIOD_OVW_NS);
	return xt_clock_append(r->clock_fd, &s);
}

static char *instance_name(void)
{
	static int seq;
	char *name;
	int n = __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED);

	if ((n ? asprintf(&name, "xtrace-%d-%d", getpid(), n) :
		 asprintf(&name, "xtrace-%d", getpid())) < 0)
		return NULL;
	return name;
}

static int fill_system_meta(struct xtrace_recorder *r, const struct xtrace_recorder_opts *o)
{
	struct xtrace_meta *m = &r->meta;
	struct utsname u;
	char cpus[4096];

	uname(&u);
	m->major = XTRACE_FORMAT_MAJOR;
	m->minor = XT_REC_FORMAT_MINOR;
	m->tool = strdup("libxtrace " XTRACE_VERSION);
	m->hostname = strdup(u.nodename);
	m->kernel = strdup(u.release);
	m->arch = strdup(u.machine);
	m->nr_cpus = r->nr_cpus;
	m->long_size = sizeof(long);
	m->page_size = r->page_size;
	m->big_endian = __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__;
	m->mode = strdup(o->mode == XTRACE_MODE_OVERWRITE ? "overwrite" : "stream");
	m->buffer_kb = o->buffer_kb ? o->buffer_kb : DEFAULT_BUFFER_KB;
	m->command = strdup(o->command ? o->command : "");
	m->exit_status = -1;
	m->recorder_pid = getpid();
	m->chrony_error_ns = -1;
	m->cpu = calloc(r->nr_cpus, sizeof(*m->cpu));
	if (xtrace_cpuset_format(&r->cpus, cpus, sizeof(cpus)) < 0)
		return -EINVAL;
	m->cpus = strdup(cpus);
	if (!m->tool || !m->hostname || !m->kernel || !m->arch || !m->mode || !m->command ||
	    !m->cpu || !m->cpus)
		return -ENOMEM;
	return 0;
}

static int select_cpus(struct xtrace_recorder *r, const char *spec)
{
	struct xtrace_cpuset online;
	char *buf;
	int ret;

	r->nr_cpus = sysconf(_SC_NPROCESSORS_CONF);
	if (r->nr_cpus <= 0 || r->nr_cpus > XTRACE_MAX_CPUS)
		return -EINVAL;
	if (xt_read_file("/sys/devices/system/cpu/online", &buf, NULL) == 0) {
		buf[strcspn(buf, "\n")] = '\0';
		ret = xtrace_cpuset_parse(buf, &online);
		free(buf);
		if (ret)
			return ret;
	} else {
		memset(&online, 0, sizeof(online));
		for (int c = 0; c < r->nr_cpus; c++)
			xtrace_cpuset_add(&online, c);
	}
	if (!spec) {
		r->cpus = online;
		return 0;
	}
	ret = xtrace_cpuset_parse(spec, &r->cpus);
	if (ret) {
		xt_log(XTRACE_LOG_ERROR, "invalid CPU list '%s' (expected e.g. 0,2,4-7)", spec);
		return ret;
	}
	for (int c = 0; c < XTRACE_MAX_CPUS; c++) {
		if (xtrace_cpuset_has(&r->cpus, c) && !xtrace_cpuset_has(&online, c)) {
			xt_log(XTRACE_LOG_ERROR, "CPU %d is not online", c);
			return -EINVAL;
		}
	}
	for (int c = 0; c < XTRACE_MAX_CPUS; c++)
		if (xtrace_cpuset_has(&r->cpus, c))
			return 0;
	xt_log(XTRACE_LOG_ERROR, "empty CPU list");
	return -EINVAL;
}

/*
 * The recorder's tracefs instance, made ready but not tracing: named, guarded (a guardian
 * stops it if we die), locked (a live recorder's instance is never taken for a stale one),
 * with its clock, buffer size, CPUs and events set.
 */
static int setup_instance(struct xtrace_recorder *r, const struct xtrace_recorder_opts *o,
			  char **events)
{
	char *name, *idir, num[32];
	int ret;

	xtrace_cleanup_stale_instances();
	name = instance_name();
	if (!name)
		return -ENOMEM;
	r->inst = tracefs_instance_create(name);
	r->meta.instance = name;
	if (!r->inst) {
		ret = -(errno ? errno : EIO);
		xt_log(XTRACE_LOG_ERROR, "cannot create tracefs instance '%s': %s", name,
		       strerror(-ret));
		return ret;
	}
	idir = tracefs_instance_get_dir(r->inst);
	if (!idir || asprintf(&r->marker_path, "%s/trace_marker", idir) < 0)
		r->marker_path = NULL;
	/*
	 * Before tracing is on: from now on the kernel stops tracing however we
	 * die. Without a guardian a killed recorder's instance goes on tracing
	 * until the next xtrace-ctl or xtrace-run removes it.
	 */
	ret = idir ? xt_guard_start(&r->guard, idir) : -ENOMEM;
	if (ret)
		xt_log(XTRACE_LOG_WARNING, "cannot guard tracefs instance '%s': %s", name,
		       strerror(-ret));
	tracefs_put_tracing_file(idir);
	r->lock_fd = tracefs_instance_file_open(r->inst, LOCK_FILE, O_WRONLY | O_CLOEXEC);
	if (r->lock_fd >= 0)
		flock(r->lock_fd, LOCK_EX | LOCK_NB);
	ret = instance_write(r, "tracing_on", "0");
	if (ret) {
		xt_log(XTRACE_LOG_ERROR, "cannot use tracefs instance '%s': %s", name,
		       strerror(-ret));
		return ret;
	}
	ret = select_clock(r, o->ts_type);
	if (ret)
		return ret;
	snprintf(num, sizeof(num), "%llu", (unsigned long long)r->meta.buffer_kb);
	ret = instance_write(r, "buffer_size_kb", num);
	if (ret) {
		xt_log(XTRACE_LOG_ERROR, "cannot set a %s KiB buffer: %s", num, strerror(-ret));
		return ret;
	}
	if (o->cpus && tracefs_instance_set_affinity(r->inst, r->meta.cpus) < 0) {
		xt_log(XTRACE_LOG_ERROR, "cannot restrict tracing to CPUs %s", r->meta.cpus);
		return -EINVAL;
	}
	/* the flight recorder overwrites its oldest events; the stream reads them first */
	instance_write(r, "options/overwrite", "1");
	instance_write(r, "buffer_percent", r->mode == XTRACE_MODE_STREAM ? WAKE_PERCENT : "100");
	return enable_events(r, events);
}

/* What a reader on another machine needs to decode the events, and the clock file begun. */
static int save_decoding_files(struct xtrace_recorder *r, const char *tdir, char **events)
{
	char *cp;
	int ret;

	ret = save_formats(r, tdir, events);
	if (!ret)
		ret = save_symbols(r, tdir);
	if (!ret)
		ret = save_syscalls(r);
	if (!ret)
		ret = save_tasks(r, false);
	if (!ret)
		ret = xt_vms_save(r->dir, false);
	if (ret) {
		xt_log(XTRACE_LOG_ERROR, "cannot save decoding files in '%s': %s", r->dir,
		       strerror(-ret));
		return ret;
	}
	cp = xt_path(r->dir, XT_CLOCK_FILE);
	if (!cp)
		return -ENOMEM;
	r->clock_fd = open(cp, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	free(cp);
	if (r->clock_fd < 0)
		return -errno;
	return xt_write_all(r->clock_fd, "# trace_clock_ns utc_ns error_ns flags\n", 39);
}

/* A reader (buffer, pipe, output file) for every recorded CPU; the threads start later. */
static int open_readers(struct xtrace_recorder *r)
{
	int ret;

	r->readers = calloc(r->nr_cpus, sizeof(*r->readers));
	if (!r->readers)
		return -ENOMEM;
	for (int c = 0; c < r->nr_cpus; c++) {
		struct cpu_reader *rd = &r->readers[c];

		rd->r = r;
		rd->cpu = c;
		rd->fd = rd->out = -1;
		rd->pipe[0] = rd->pipe[1] = -1;
		pthread_mutex_init(&rd->lock, NULL);
		if (!xtrace_cpuset_has(&r->cpus, c))
			continue;
		r->meta.cpu[c].recorded = true;
		ret = open_reader(rd);
		if (ret) {
			xt_log(XTRACE_LOG_ERROR, "cannot open the buffer of CPU %d: %s", c,
			       strerror(-ret));
			return ret;
		}
	}
	return 0;
}

struct xtrace_recorder *xtrace_recorder_new(const struct xtrace_recorder_opts *o)
{
	struct xtrace_recorder *r;
	char **events = NULL, *bad = NULL;
	const char *tdir;
	int ret;

	r = calloc(1, sizeof(*r));
	if (!r) {
		errno = ENOMEM;
		return NULL;
	}
	r->clock_fd = r->stop_fd = r->lock_fd = r->guard.fd = -1;
	r->mode = o->mode;
	r->level = o->compression_level ? o->compression_level : 1;
	r->nice = o->nice;
	pthread_mutex_init(&r->start_lock, NULL);
	pthread_cond_init(&r->start_cond, NULL);
	r->page_size = getpagesize();

	ret = select_cpus(r, o->cpus);
	if (ret)
		goto fail;
	tdir = tracefs_tracing_dir();
	if (!tdir) {
		xt_log(XTRACE_LOG_ERROR, "tracefs is not mounted and cannot be mounted");
		ret = -ENOENT;
		goto fail;
	}
	ret = xtrace_events_resolve(o->events, tdir, &events, &bad);
	if (ret) {
		if (ret == -ENOENT && bad)
			xt_log(XTRACE_LOG_ERROR, "unknown event '%s': nothing on this kernel matches it (see xtrace-run --list-events)",
			       bad);
		free(bad);
		ret = -EINVAL;
		goto fail;
	}
	r->dir = strdup(o->dir);
	ret = r->dir ? xt_make_outdir(o->dir, &r->made_dir) : -ENOMEM;
	if (!ret)
		ret = fill_system_meta(r, o);
	if (!ret)
		ret = join_strv(events, &r->meta.events);
	if (!ret)
		ret = setup_instance(r, o, events);
	if (!ret)
		ret = save_decoding_files(r, tdir, events);
	if (!ret)
		ret = open_readers(r);
	if (ret)
		goto fail;
	r->stop_fd = eventfd(0, EFD_CLOEXEC);
	if (r->stop_fd < 0) {
		ret = -errno;
		goto fail;
	}
	r->meta.chrony_start = xt_chrony_tracking(&r->meta.chrony_error_ns);
	ret = xtrace_meta_write(r->dir, &r->meta);
	if (ret)
		goto fail;
	xtrace_strv_free(events);
	return r;
fail:
	xtrace_strv_free(events);
	xtrace_recorder_free(r);
	errno = -ret;
	return NULL;
}

/* Keep the recorder's own threads out of its trace (a 512-CPU host has 513 of them). */
static void set_notrace_pids(struct xtrace_recorder *r)
{
	int *pids = malloc((r->nr_cpus + 2) * sizeof(*pids));
	char *list = NULL;
	size_t n = 0;

	if (pids) {
		pids[n++] = getpid();
		if (r->guard.pid > 0)
			pids[n++] = r->guard.pid;
		for (int c = 0; c < r->nr_cpus; c++)
			if (r->readers[c].thread_started)
				pids[n++] = r->readers[c].tid;
		list = xt_join_ids(pids, n);
	}
	if (!list || instance_write(r, "set_event_notrace_pid", list))
		xt_log(XTRACE_LOG_WARNING,
		       "cannot exclude the recorder's own threads: it may record itself");
	free(list);
	free(pids);
}

int xtrace_recorder_start(struct xtrace_recorder *r)
{
	int want = 0, ret;

	if (r->mode == XTRACE_MODE_STREAM) {
		for (int c = 0; c < r->nr_cpus; c++) {
			struct cpu_reader *rd = &r->readers[c];

			if (!xtrace_cpuset_has(&r->cpus, c))
				continue;
			ret = pthread_create(&rd->thread, NULL, reader_thread, rd);
			if (ret)
				return -ret;
			rd->thread_started = true;
			want++;
		}
		pthread_mutex_lock(&r->start_lock);
		while (r->threads_ready < want)
			pthread_cond_wait(&r->start_cond, &r->start_lock);
		pthread_mutex_unlock(&r->start_lock);
	}
	set_notrace_pids(r);
	ret = take_sample(r, 0);
	if (ret)
		return ret;
	r->meta.start_tod = xtrace_now_ns(CLOCK_REALTIME);
	ret = instance_write(r, "tracing_on", "1");
	if (ret)
		return ret;
	r->tracing = r->traced = true;
	return xtrace_meta_write(r->dir, &r->meta);
}

int xtrace_recorder_tick(struct xtrace_recorder *r, bool clock_set)
{
	if (r->stopped)
		return 0;
	if (clock_set)
		return take_sample(r, XTRACE_SAMPLE_STEP);
	if (xtrace_now_ns(CLOCK_REALTIME) >= r->next_sample)
		return take_sample(r, 0);
	return 0;
}

static uint64_t stat_field(const char *stats, const char *key)
{
	const char *at = strstr(stats, key);

	return at ? strtoull(at + strlen(key), NULL, 10) : 0;
}

static void read_stats(struct xtrace_recorder *r)
{
	for (int c = 0; c < r->nr_cpus; c++) {
		struct xtrace_cpu_meta *m = &r->meta.cpu[c];
		struct cpu_reader *rd = &r->readers[c];
		char name[48], *stats;

		if (!m->recorded)
			continue;
		snprintf(name, sizeof(name), "per_cpu/cpu%d/stats", c);
		stats = tracefs_instance_file_read(r->inst, name, NULL);
		if (stats) {
			m->events = stat_field(stats, "\nread events:");
			m->overrun = stat_field(stats, "overrun:");
			m->dropped = stat_field(stats, "\ndropped events:");
			free(stats);
		}
		m->pages = rd->written_pages;
		m->bytes_raw = rd->bytes_raw;
		m->bytes_disk = rd->bytes_disk + sizeof(struct xt_cpu_header);
	}
}

int xtrace_recorder_stop(struct xtrace_recorder *r, int exit_status)
{
	uint64_t one = 1;
	int ret = 0;

	if (r->stopped)
		return 0;
	r->stopped = true;
	if (r->tracing) {
		instance_write(r, "tracing_on", "0");
		r->tracing = false;
	}
	if (write(r->stop_fd, &one, sizeof(one)) < 0)
		ret = -errno;
	for (int c = 0; c < r->nr_cpus; c++) {
		struct cpu_reader *rd = &r->readers[c];

		if (rd->thread_started) {
			pthread_join(rd->thread, NULL);
			rd->thread_started = false;
		} else if (rd->fd >= 0) {
			pthread_mutex_lock(&rd->lock);
			drain(rd, true);
			pthread_mutex_unlock(&rd->lock);
		}
		if (rd->err && !r->failed)
			r->failed = rd->err;
	}
	take_sample(r, 0);
	r->meta.end_tod = xtrace_now_ns(CLOCK_REALTIME);
	r->meta.exit_status = exit_status;
	free(r->meta.chrony_end);
	r->meta.chrony_end = xt_chrony_tracking(&(int64_t){ 0 });
	read_stats(r);
	save_tasks(r, true);
	xt_vms_save(r->dir, true);
	r->meta.complete = !r->failed;
	if (r->failed && !r->meta.error) {
		char msg[128];

		snprintf(msg, sizeof(msg), "writing the data failed: %s", strerror(-r->failed));
		r->meta.error = strdup(msg);
	}
	ret = xtrace_meta_write(r->dir, &r->meta);
	if (ret)
		xt_log(XTRACE_LOG_ERROR, "cannot write '%s/" XT_META_FILE "': %s", r->dir,
		       strerror(-ret));
	return r->failed ? r->failed : ret;
}

/* ------------------------------------------------------ control actions */

/*
 * Write a marker into @cpu's buffer: the calling thread moves to that CPU for the
 * write, so a per-CPU flush shows in the CPU it saved.
 */
static void pin(struct xtrace_recorder *r, int cpu)
{
	cpu_set_t *set = CPU_ALLOC(r->nr_cpus);
	size_t sz = CPU_ALLOC_SIZE(r->nr_cpus);

	if (set) {
		CPU_ZERO_S(sz, set);
		CPU_SET_S(cpu, sz, set);
		sched_setaffinity(0, sz, set);
		CPU_FREE(set);
	}
}

static void marker_on(struct xtrace_recorder *r, int cpu, const char *text)
{
	pin(r, cpu);
	if (r->lock_fd < 0 || write(r->lock_fd, text, strlen(text)) < 0)
		xt_log(XTRACE_LOG_WARNING, "cannot write a marker on CPU %d: %s", cpu,
		       strerror(errno));
}

struct affinity {
	cpu_set_t *set;
	size_t size;
};

static void affinity_save(struct xtrace_recorder *r, struct affinity *a)
{
	a->size = CPU_ALLOC_SIZE(r->nr_cpus);
	a->set = CPU_ALLOC(r->nr_cpus);
	if (a->set && sched_getaffinity(0, a->size, a->set)) {
		CPU_FREE(a->set);
		a->set = NULL;
	}
}

static void affinity_restore(struct affinity *a)
{
	if (a->set) {
		sched_setaffinity(0, a->size, a->set);
		CPU_FREE(a->set);
	}
}

static bool wanted(struct xtrace_recorder *r, const struct xtrace_cpuset *cpus, int c)
{
	return xtrace_cpuset_has(&r->cpus, c) && (!cpus || xtrace_cpuset_has(cpus, c));
}

int xtrace_recorder_flush(struct xtrace_recorder *r, const struct xtrace_cpuset *cpus)
{
	struct xtrace_cpuset done = { { 0 } };
	struct xtrace_flush *f;
	struct affinity aff;
	uint64_t pages = 0;
	char text[64], set[256];
	int n = r->meta.nr_flushes + 1, ret = 0;

	if (r->stopped)
		return -ESRCH;
	snprintf(text, sizeof(text), XTRACE_MARK "FLUSH #%d", n);
	affinity_save(r, &aff);
	for (int c = 0; c < r->nr_cpus; c++) {
		struct cpu_reader *rd = &r->readers[c];
		uint64_t before;
		int err;

		if (!wanted(r, cpus, c))
			continue;
		pthread_mutex_lock(&rd->lock);
		before = rd->written_pages;
		if (!xtrace_cpuset_has(&r->paused, c))
			marker_on(r, c, text);
		err = drain(rd, true);
		if (!err && fdatasync(rd->out) && errno != EINVAL)
			err = -errno;
		pages += rd->written_pages - before;
		pthread_mutex_unlock(&rd->lock);
		if (err && !ret)
			ret = err;
		xtrace_cpuset_add(&done, c);
	}
	affinity_restore(&aff);
	take_sample(r, 0);
	xtrace_cpuset_format(&done, set, sizeof(set));
	f = realloc(r->meta.flushes, n * sizeof(*f));
	if (!f)
		return -ENOMEM;
	r->meta.flushes = f;
	f[n - 1] = (struct xtrace_flush){ .tod = xtrace_now_ns(CLOCK_REALTIME), .pages = pages,
					  .cpus = strdup(set) };
	r->meta.nr_flushes = n;
	read_stats(r);
	if (!ret)
		ret = xtrace_meta_write(r->dir, &r->meta);
	return ret ? ret : (int)(pages > INT32_MAX ? INT32_MAX : pages);
}

/* tracing_cpumask: comma-separated 32-bit hex words, most significant first */
static int write_cpumask(struct xtrace_recorder *r)
{
	char buf[XTRACE_MAX_CPUS / 4 + XTRACE_MAX_CPUS / 32 + 2], *p = buf;
	int words = (r->nr_cpus + 31) / 32;

	for (int w = words - 1; w >= 0; w--) {
		uint32_t v = 0;

		for (int b = 0; b < 32; b++) {
			int c = w * 32 + b;

			if (c < r->nr_cpus && xtrace_cpuset_has(&r->cpus, c) &&
			    !xtrace_cpuset_has(&r->paused, c))
				v |= 1u << b;
		}
		p += sprintf(p, "%s%x", w == words - 1 ? "" : ",", v);
	}
	return instance_write(r, "tracing_cpumask", buf);
}

/*
 * Pause and resume act one CPU at a time from that CPU: the mark and the
 * cpumask change are back to back there, so the recorder's own moving about
 * (a migration, its wakeups) cannot fall between them.
 */
int xtrace_recorder_pause(struct xtrace_recorder *r, const struct xtrace_cpuset *cpus)
{
	struct affinity aff;
	int ret = 0;

	if (r->stopped)
		return -ESRCH;
	affinity_save(r, &aff);
	for (int c = 0; c < r->nr_cpus && !ret; c++) {
		if (!wanted(r, cpus, c) || xtrace_cpuset_has(&r->paused, c))
			continue;
		marker_on(r, c, XTRACE_MARK "PAUSE");
		xtrace_cpuset_add(&r->paused, c);
		ret = write_cpumask(r);
	}
	affinity_restore(&aff);
	return ret;
}

int xtrace_recorder_resume(struct xtrace_recorder *r, const struct xtrace_cpuset *cpus)
{
	struct affinity aff;
	int ret = 0;

	if (r->stopped)
		return -ESRCH;
	affinity_save(r, &aff);
	for (int c = 0; c < r->nr_cpus && !ret; c++) {
		if (!wanted(r, cpus, c) || !xtrace_cpuset_has(&r->paused, c))
			continue;
		pin(r, c);
		r->paused.bits[c / 64] &= ~(1ULL << (c % 64));
		ret = write_cpumask(r);
		if (!ret)
			marker_on(r, c, XTRACE_MARK "RESUME");
	}
	affinity_restore(&aff);
	return ret;
}

int xtrace_recorder_status(struct xtrace_recorder *r, struct xtrace_recorder_status *st)
{
	memset(st, 0, sizeof(*st));
	st->dir = r->dir;
	st->mode = r->meta.mode;
	st->cpus = r->meta.cpus;
	st->flushes = r->meta.nr_flushes;
	xtrace_cpuset_format(&r->paused, st->paused, sizeof(st->paused));
	for (int c = 0; c < r->nr_cpus; c++) {
		char name[48], *stats;

		if (!xtrace_cpuset_has(&r->cpus, c))
			continue;
		snprintf(name, sizeof(name), "per_cpu/cpu%d/stats", c);
		stats = tracefs_instance_file_read(r->inst, name, NULL);
		if (!stats)
			return -(errno ? errno : EIO);
		st->saved += stat_field(stats, "\nread events:");
		st->in_buffer += stat_field(stats, "entries:");
		st->overrun += stat_field(stats, "overrun:");
		st->dropped += stat_field(stats, "\ndropped events:");
		free(stats);
	}
	return 0;
}

int xtrace_recorder_set_exit_status(struct xtrace_recorder *r, int exit_status)
{
	r->meta.exit_status = exit_status;
	return xtrace_meta_write(r->dir, &r->meta);
}

int xtrace_recorder_mark(struct xtrace_recorder *r, const char *label)
{
	char text[XTRACE_MARK_MAX + sizeof(XTRACE_MARK)];
	size_t n = strlen(label);

	if (!n || n > XTRACE_MARK_MAX)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)label[i] < 0x20 || label[i] == 0x7f)
			return -EINVAL;
	if (r->stopped)
		return -ESRCH;
	if (r->lock_fd < 0)
		return -EBADF;
	n = snprintf(text, sizeof(text), XTRACE_MARK "%s", label);
	return write(r->lock_fd, text, n) < 0 ? -errno : 0;
}

const char *xtrace_recorder_marker_path(const struct xtrace_recorder *r)
{
	return r->marker_path;
}

uint64_t xtrace_recorder_clock_now(const struct xtrace_recorder *r)
{
	return xt_clock_now(r->clockid);
}

int xtrace_recorder_failed(const struct xtrace_recorder *r)
{
	for (int c = 0; c < r->nr_cpus; c++)
		if (r->readers && r->readers[c].err)
			return r->readers[c].err;
	return r->failed;
}

void xtrace_recorder_free(struct xtrace_recorder *r)
{
	if (!r)
		return;
	if (r->inst && r->tracing)
		instance_write(r, "tracing_on", "0");
	if (r->stop_fd >= 0 && r->readers) {
		uint64_t one = 1;

		if (write(r->stop_fd, &one, sizeof(one)) < 0)
			xt_log(XTRACE_LOG_WARNING, "cannot stop reader threads");
		for (int c = 0; c < r->nr_cpus; c++)
			if (r->readers[c].thread_started)
				pthread_join(r->readers[c].thread, NULL);
	}
	for (int c = 0; r->readers && c < r->nr_cpus; c++) {
		struct cpu_reader *rd = &r->readers[c];

		if (rd->tcpu)
			tracefs_cpu_free_fd(rd->tcpu);
		if (rd->fd >= 0)
			close(rd->fd);
		if (rd->pipe[0] >= 0) {
			close(rd->pipe[0]);
			close(rd->pipe[1]);
		}
		if (rd->out >= 0)
			close(rd->out);
		xt_frame_writer_free(&rd->fw);
		free(rd->pages);
		pthread_mutex_destroy(&rd->lock);
	}
	free(r->readers);
	if (r->clock_fd >= 0)
		close(r->clock_fd);
	if (r->stop_fd >= 0)
		close(r->stop_fd);
	if (r->lock_fd >= 0)
		close(r->lock_fd);
	if (r->inst) {
		/* every file of the instance is closed now, so rmdir cannot answer EBUSY */
		if (tracefs_instance_destroy(r->inst))
			xt_log(XTRACE_LOG_WARNING, "cannot remove tracefs instance '%s': %s",
			       r->meta.instance, strerror(errno));
		tracefs_instance_free(r->inst);
	}
	/* only now: killed before the instance was gone, we still had a guardian */
	xt_guard_end(&r->guard);
	if (r->made_dir && !r->traced && r->dir) {
		/* nothing was recorded: do not leave a half-made directory behind */
		if (rm_tree(r->dir))
			xt_log(XTRACE_LOG_WARNING, "cannot remove '%s'", r->dir);
	}
	free(r->marker_path);
	xtrace_meta_free(&r->meta);
	free(r->dir);
	pthread_mutex_destroy(&r->start_lock);
	pthread_cond_destroy(&r->start_cond);
	free(r);
}

/* ------------------------------------------------- stale instance cleanup */

static int stale_cb(const char *name, void *ctx)
{
	int *removed = ctx;
	struct tracefs_instance *inst;
	int fd, pid;
	char rest;

	if (sscanf(name, "xtrace-%d%c", &pid, &rest) < 1)
		return 0;
	/* a recorder between creating its instance and locking it is alive too */
	if (pid == getpid() || kill(pid, 0) == 0 || errno == EPERM)
		return 0;
	inst = tracefs_instance_alloc(NULL, name);
	if (!inst)
		return 0;
	fd = tracefs_instance_file_open(inst, LOCK_FILE, O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		/* a live recorder holds the lock: leave its instance alone */
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			close(fd);
			tracefs_instance_file_write(inst, "tracing_on", "0");
			if (tracefs_instance_destroy(inst) == 0) {
				(*removed)++;
				xt_log(XTRACE_LOG_INFO,
				       "removed tracefs instance '%s' left by a recorder that died",
				       name);
			}
		} else {
			close(fd);
		}
	}
	tracefs_instance_free(inst);
	return 0;
}

int xtrace_cleanup_stale_instances(void)
{
	int removed = 0;

	if (tracefs_instances_walk(stale_cb, &removed) < 0)
		return -(errno ? errno : EIO);
	return removed;
}
