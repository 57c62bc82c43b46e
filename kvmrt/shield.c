// SPDX-License-Identifier: LGPL-2.1
/*
 * The shield of a real-time VM's CPUs: hyper-thread siblings offline, a
 * cpuset (cgroup v1) for the VM and one for housekeeping that movable tasks
 * go to, or an isolated partition (cgroup v2), the unbound workqueues' CPU
 * masks (writeback's among them) and the IRQs and the default IRQ affinity
 * moved off the shielded CPUs.
 *
 * Every change is first written to a journal (the state file), one line per
 * change, flushed to disk before the change is made:
 *	write PATH<TAB>OLD	PATH held OLD (its first line)
 *	put PATH<TAB>UNDO	UNDO is written to PATH to undo ("-cpuset")
 *	mkdir PATH		PATH was created
 *	move TID<TAB>TASKS	task TID was in the cgroup whose tasks file is TASKS
 * so that undoing the journal from its end restores exactly what was changed,
 * also after a crash in the middle.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvmrt.h"
#include "kvmrt-local.h"

struct kvmrt_shield {
	FILE *journal;
	char *path;
};

static int journal_line(struct kvmrt_shield *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int journal_line(struct kvmrt_shield *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(s->journal, fmt, ap);
	va_end(ap);
	if (fflush(s->journal) || fsync(fileno(s->journal)))
		return -errno;
	return 0;
}

/*
 * write @val to @path: 0 or -errno (the kernel's answer comes on close);
 * with @create a missing file is made (a cpuset just made in a fake tree)
 */
static int write_file(const char *path, const char *val, bool create)
{
	int fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC | (create ? O_CREAT : 0), 0644);
	char *line = kvmrt_asprintf("%s\n", val);
	size_t n = line ? strlen(line) : 0;
	int ret = 0;

	if (fd < 0) {
		free(line);
		return -errno;
	}
	if (!line)
		ret = -ENOMEM;
	else if (write(fd, line, n) != (ssize_t)n)
		ret = -errno;
	free(line);
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

static int write_str(const char *path, const char *val)
{
	return write_file(path, val, false);
}

static int read_first_line(const char *path, char *buf, size_t len)
{
	char *slash = strrchr(path, '/'), dir[PATH_MAX];

	if (!slash || (size_t)(slash - path) >= sizeof(dir))
		return -EINVAL;
	memcpy(dir, path, slash - path);
	dir[slash - path] = '\0';
	return kvmrt_read_line_at(dir, slash + 1, buf, len);
}

/*
 * journal the old value of @path, read from @old_path (the same file, or one
 * that holds what the user asked for when @path shows what the kernel made of
 * it), then write @val
 */
static int shield_write_from(struct kvmrt_shield *s, const char *path, const char *val,
			     const char *old_path)
{
	char old[4096], now[4096];
	int ret = read_first_line(old_path, old, sizeof(old));

	if (!ret && old_path != path)
		ret = read_first_line(path, now, sizeof(now));
	if (ret)
		return ret;
	if (!strcmp(old_path != path ? now : old, val))
		return 0;
	ret = journal_line(s, "write %s\t%s\n", path, old);
	return ret ? ret : write_str(path, val);
}

static int shield_write(struct kvmrt_shield *s, const char *path, const char *val)
{
	return shield_write_from(s, path, val, path);
}

/* write @val to @path, @undo to be written back when the journal is undone */
static int shield_put(struct kvmrt_shield *s, const char *path, const char *val, const char *undo)
{
	int ret = journal_line(s, "put %s\t%s\n", path, undo);

	return ret ? ret : write_str(path, val);
}

/*
 * a write the kernel refuses (a managed IRQ, a workqueue that keeps its mask):
 * said in the report, and the shield goes on
 */
static bool kernel_refuses(int ret)
{
	return ret == -EIO || ret == -EINVAL || ret == -EPERM;
}

static int shield_mkdir(struct kvmrt_shield *s, const char *path)
{
	int ret = journal_line(s, "mkdir %s\n", path);

	if (ret)
		return ret;
	return mkdir(path, 0755) ? -errno : 0;
}

/* "0-3" as the kernel's hex mask ("f", "ff,ffffffff" in 32-bit groups) */
char *xtrace_idset_mask(const struct xtrace_idset *set)
{
	int last = -1, groups;
	struct sbuf b = { 0 };

	xtrace_idset_for_each(id, set)
		last = id;
	groups = last < 0 ? 1 : last / 32 + 1;
	for (int g = groups - 1; g >= 0; g--) {
		unsigned int w = 0;

		for (int i = 0; i < 32; i++)
			if (xtrace_idset_has(set, g * 32 + i))
				w |= 1u << i;
		if (g == groups - 1)
			sb_printf(&b, "%x", w);
		else
			sb_printf(&b, ",%08x", w);
	}
	return sb_steal(&b);
}

int kvmrt_rm_files(const char *dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	DIR *d = opendir(dir);

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		unlink(path);
	}
	closedir(d);
	return rmdir(dir) ? -errno : 0;
}

int kvmrt_shield_undo(const char *journal, char **report)
{
	char *text = kvmrt_read_file(journal, NULL), **lines = NULL, *save = NULL;
	int n = 0, failed = 0;
	struct sbuf r = { 0 };

	*report = NULL;
	if (!text)
		return errno == ENOENT ? 0 : -errno;
	for (char *l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (TOOL_GROW_LOCAL(lines, n + 1)) {
			free(lines);
			free(text);
			return -ENOMEM;
		}
		lines[n++] = l;
	}
	for (int i = n - 1; i >= 0; i--) {
		char *l = lines[i], *tab = strchr(l, '\t');
		int ret = 0;

		if (!strncmp(l, "write ", 6) && tab) {
			char now[4096];

			*tab = '\0';
			ret = write_str(l + 6, tab + 1);
			/*
			 * a refused write of the old value is no failure when the file
			 * holds it: a managed IRQ, journalled before the kernel refused it
			 */
			if (ret && !read_first_line(l + 6, now, sizeof(now)) &&
			    !strcmp(now, tab + 1))
				ret = 0;
		} else if (!strncmp(l, "put ", 4) && tab) {
			*tab = '\0';
			ret = write_str(l + 4, tab + 1);
		} else if (!strncmp(l, "move ", 5) && tab) {
			*tab = '\0';
			ret = write_str(tab + 1, l + 5);
			if (ret == -ESRCH)
				ret = 0;	/* the task has ended */
		} else if (!strncmp(l, "mkdir ", 6)) {
			if (rmdir(l + 6) && errno != ENOENT) {
				ret = -errno;
				/* a fake tree: files written into it (cgroupfs refuses unlink) */
				if (ret == -ENOTEMPTY)
					ret = kvmrt_rm_files(l + 6);
			}
		}
		if (ret) {
			sb_printf(&r, "cannot undo '%s': %s\n", l, strerror(-ret));
			failed++;
		}
	}
	free(lines);
	free(text);
	if (!failed && unlink(journal) && errno != ENOENT)
		failed++;
	*report = sb_steal(&r);
	return failed ? -EIO : 0;
}


/* move thread @tid (whose cpuset is /proc/TID/cpuset) into @tasks */
static int move_task(struct kvmrt_shield *s, const char *procfs, const char *cpuset_root,
		     const char *tasks, const char *mine, int tid, int *moved, int *refused)
{
	char name[64], cg[PATH_MAX / 2], *old;
	int ret;

	snprintf(name, sizeof(name), "%d/cpuset", tid);
	if (kvmrt_read_line_at(procfs, name, cg, sizeof(cg)))
		return 0;	/* gone */
	if (!strncmp(cg, mine, strlen(mine)))
		return 0;	/* already in a kvmrt cpuset */
	old = kvmrt_asprintf("%s%s/tasks", cpuset_root, strcmp(cg, "/") ? cg : "");
	snprintf(name, sizeof(name), "%d", tid);
	ret = old ? journal_line(s, "move %d\t%s\n", tid, old) : -ENOMEM;
	free(old);
	if (ret)
		return ret;
	if (write_file(tasks, name, true))
		(*refused)++;	/* a per-CPU kernel thread, or gone */
	else
		(*moved)++;
	return 0;
}

static int move_tasks(struct kvmrt_shield *s, const struct kvmrt_shield_req *q,
		      const char *cpuset_root, const char *tasks, struct sbuf *rep)
{
	char path[PATH_MAX], *list;
	int moved = 0, refused = 0, ret = 0;

	if (q->nr_pids < 0) {	/* every task of the root cpuset */
		char *save = NULL;

		snprintf(path, sizeof(path), "%s/tasks", cpuset_root);
		list = kvmrt_read_file(path, NULL);
		if (!list)
			return -errno;
		for (char *t = strtok_r(list, "\n", &save); t && !ret;
		     t = strtok_r(NULL, "\n", &save))
			ret = move_task(s, q->procfs, cpuset_root, tasks, "/kvmrt-", atoi(t), &moved,
					&refused);
		free(list);
	}
	for (int i = 0; i < q->nr_pids && !ret; i++) {
		struct dirent *de;
		DIR *d;

		snprintf(path, sizeof(path), "%s/%d/task", q->procfs, q->pids[i]);
		d = opendir(path);
		while (d && !ret && (de = readdir(d)))
			if (de->d_name[0] != '.')
				ret = move_task(s, q->procfs, cpuset_root, tasks, "/kvmrt-",
						atoi(de->d_name), &moved, &refused);
		if (d)
			closedir(d);
	}
	sb_printf(rep,
		  "tasks: %d moved to the housekeeping CPUs, %d refused (per-CPU kernel threads)\n",
		  moved, refused);
	return ret;
}

static int move_irqs(struct kvmrt_shield *s, const struct kvmrt_shield_req *q, struct sbuf *rep)
{
	struct xtrace_idset *shielded = xtrace_idset_dup(q->cpus), *na = xtrace_idset_new();
	struct kvmrt_irq *irqs = NULL;
	char path[PATH_MAX], old[4096];
	char *mask = NULL;
	int n = 0, ret;

	ret = shielded && na ? xtrace_idset_or(shielded, q->offline) : -ENOMEM;
	ret = ret ? ret : kvmrt_irqs_load(q->procfs, &irqs, &n);
	for (int i = 0; i < n && !ret; i++) {
		char *val;

		if (!xtrace_idset_intersects(irqs[i].affinity, shielded))
			continue;
		xtrace_idset_clear(na);
		xtrace_idset_or(na, irqs[i].affinity);
		xtrace_idset_andnot(na, shielded);
		if (xtrace_idset_empty(na))
			xtrace_idset_or(na, q->housekeeping);
		val = xtrace_idset_format(na);
		snprintf(path, sizeof(path), "%s/irq/%s/smp_affinity_list", q->procfs, irqs[i].irq);
		/* an unreadable file is an error; a refused write, a managed IRQ */
		ret = val ? read_first_line(path, old, sizeof(old)) : -ENOMEM;
		if (ret) {
			free(val);
			break;
		}
		ret = shield_write(s, path, val);
		free(val);
		if (kernel_refuses(ret)) {
			/* a managed IRQ (the kernel keeps it where the driver put it) */
			char *a = xtrace_idset_format(irqs[i].affinity);

			sb_printf(rep,
				  "IRQ %s (%s) is managed by the kernel and stays on CPUs %s: %s\n",
				  irqs[i].irq, *irqs[i].name ? irqs[i].name : "no device",
				  a ? a : "?", strerror(-ret));
			free(a);
			ret = 0;
		}
	}
	if (!ret) {
		mask = xtrace_idset_mask(q->housekeeping);
		snprintf(path, sizeof(path), "%s/irq/default_smp_affinity", q->procfs);
		ret = !mask ? -ENOMEM : access(path, F_OK) ? 0 : shield_write(s, path, mask);
	}
	free(mask);
	kvmrt_irqs_free(irqs, n);
	xtrace_idset_free(shielded);
	xtrace_idset_free(na);
	return ret;
}

static int shield_cpusets(struct kvmrt_shield *s, struct kvmrt_shield *h,
			  const struct kvmrt_shield_req *q, struct sbuf *rep)
{
	char root[PATH_MAX / 2], dir[PATH_MAX], path[PATH_MAX + 32], mems[256];
	char *cpus = NULL, *hk = NULL;
	int ret;

	snprintf(root, sizeof(root), "%s/fs/cgroup/cpuset", q->sysfs);
	snprintf(path, sizeof(path), "%s/cpuset.mems", root);
	if (read_first_line(path, mems, sizeof(mems))) {
		sb_printf(rep, "no cgroup v1 cpuset under %s: tasks are not moved\n", root);
		return 0;
	}
	cpus = xtrace_idset_format(q->cpus);
	hk = xtrace_idset_format(q->housekeeping);
	if (!cpus || !hk) {
		ret = -ENOMEM;
		goto out;
	}
	/* the housekeeping cpuset, shared by every shield (made by the first) */
	snprintf(dir, sizeof(dir), "%s/kvmrt-housekeeping", root);
	ret = access(dir, F_OK) ? shield_mkdir(h, dir) : 0;
	snprintf(path, sizeof(path), "%s/cpuset.mems", dir);
	ret = ret ? ret : write_file(path, mems, true);
	snprintf(path, sizeof(path), "%s/cpuset.cpus", dir);
	ret = ret ? ret : write_file(path, hk, true);
	/* the VM's exclusive cpuset, without load balancing */
	snprintf(dir, sizeof(dir), "%s/kvmrt-%s", root, q->name);
	ret = ret ? ret : shield_mkdir(s, dir);
	snprintf(path, sizeof(path), "%s/cpuset.mems", dir);
	ret = ret ? ret : write_file(path, mems, true);
	snprintf(path, sizeof(path), "%s/cpuset.cpus", dir);
	ret = ret ? ret : write_file(path, cpus, true);
	snprintf(path, sizeof(path), "%s/cpuset.cpu_exclusive", dir);
	if (!ret && write_file(path, "1", true))
		sb_printf(rep, "cpuset %s: CPUs %s not exclusive (another cpuset uses them)\n",
			  dir, cpus);
	snprintf(path, sizeof(path), "%s/cpuset.sched_load_balance", dir);
	ret = ret ? ret : write_file(path, "0", true);
	if (ret)
		goto out;
	snprintf(path, sizeof(path), "%s/kvmrt-housekeeping/tasks", root);
	ret = move_tasks(h, q, root, path, rep);
	/* load balancing over every CPU stops only when every task has moved */
	snprintf(path, sizeof(path), "%s/cpuset.sched_load_balance", root);
	if (!ret && q->nr_pids < 0)
		ret = shield_write(h, path, "0");
out:
	free(cpus);
	free(hk);
	return ret;
}

/*
 * The unbound workqueues (writeback among them) off the shielded CPUs: each
 * workqueue's own cpumask first, then the global one that bounds them all, so
 * that undoing (from the end) widens the global mask before the workqueues'.
 */
static int shield_workqueues(struct kvmrt_shield *s, const struct kvmrt_shield_req *q,
			     struct sbuf *rep)
{
	char dir[PATH_MAX / 2], path[PATH_MAX], req[PATH_MAX];
	char *mask = xtrace_idset_mask(q->housekeeping);
	struct sbuf names = { 0 };
	struct dirent *de;
	int ret = 0, n = 0;
	DIR *d;

	if (!mask)
		return -ENOMEM;
	snprintf(dir, sizeof(dir), "%s/devices/virtual/workqueue", q->sysfs);
	snprintf(path, sizeof(path), "%s/cpumask", dir);
	if (access(path, F_OK)) {
		sb_printf(rep, "no workqueue cpumask under %s: workqueues are not moved\n", dir);
		free(mask);
		return 0;
	}
	d = opendir(dir);
	while (d && !ret && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/cpumask", dir, de->d_name);
		if (access(path, F_OK))
			continue;
		ret = shield_write(s, path, mask);
		if (kernel_refuses(ret)) {
			sb_printf(rep, "workqueue %s: the kernel refuses CPU mask %s (%s)\n",
				  de->d_name, mask, strerror(-ret));
			ret = 0;
			continue;
		}
		sb_printf(&names, "%s%s", n++ ? ", " : "", de->d_name);
	}
	if (d)
		closedir(d);
	snprintf(path, sizeof(path), "%s/cpumask", dir);
	/* what was asked for, when the kernel shows it without its isolated CPUs */
	snprintf(req, sizeof(req), "%s/cpumask_requested", dir);
	if (!ret)
		ret = shield_write_from(s, path, mask, access(req, F_OK) ? path : req);
	if (!ret)
		sb_printf(rep, "workqueues: unbound CPU mask %s, and that of %d workqueue%s (%s)\n",
			  mask, n, n == 1 ? "" : "s", names.len ? names.buf : "none");
	sb_release(&names);
	free(mask);
	return ret;
}

/*
 * cgroup v2: the VM's CPUs an isolated partition kvmrt-NAME of the root
 * cgroup (no load balancing, no other task); the kernel takes its CPUs out of
 * every other cgroup's effective CPUs. Returns 1 when there is no cgroup v2
 * cpuset controller (the caller tries v1), 0 or -errno.
 */
static int shield_partition(struct kvmrt_shield *s, struct kvmrt_shield *h,
			    const struct kvmrt_shield_req *q, struct sbuf *rep)
{
	char root[PATH_MAX / 2], dir[PATH_MAX], path[PATH_MAX + 32], v[4096];
	char *cpus = NULL;
	int ret;

	snprintf(root, sizeof(root), "%s/fs/cgroup", q->sysfs);
	if (kvmrt_read_line_at(root, "cgroup.controllers", v, sizeof(v)) || !strstr(v, "cpuset"))
		return 1;
	snprintf(path, sizeof(path), "%s/cgroup.subtree_control", root);
	if (kvmrt_read_line_at(root, "cgroup.subtree_control", v, sizeof(v)))
		return -ENOENT;
	ret = strstr(v, "cpuset") ? 0 : shield_put(h, path, "+cpuset", "-cpuset");
	snprintf(dir, sizeof(dir), "%s/kvmrt-%s", root, q->name);
	ret = ret ? ret : shield_mkdir(s, dir);
	cpus = xtrace_idset_format(q->cpus);
	if (!ret && !cpus)
		ret = -ENOMEM;
	snprintf(path, sizeof(path), "%s/cpuset.cpus", dir);
	ret = ret ? ret : write_file(path, cpus, true);
	snprintf(path, sizeof(path), "%s/cpuset.cpus.partition", dir);
	if (!ret && write_file(path, "isolated", true)) {
		/* a kernel before 6.2 has root partitions only */
		sb_printf(rep, "cgroup v2: no isolated partition here, a root partition instead (load balancing stays)\n");
		ret = write_file(path, "root", true);
	}
	if (ret)
		goto out;
	/* the kernel accepts the word but says on reading whether it is in force */
	snprintf(path, sizeof(path), "%s/kvmrt-%s", root, q->name);
	if (!kvmrt_read_line_at(path, "cpuset.cpus.partition", v, sizeof(v)) && strstr(v, "invalid")) {
		sb_printf(rep, "cgroup v2: partition kvmrt-%s of CPUs %s is not in force: %s\n",
			  q->name, cpus, v);
		ret = -EBUSY;
		goto out;
	}
	sb_printf(rep, "cgroup v2: CPUs %s are the %s partition kvmrt-%s: no other task runs there\n",
		  cpus, strncmp(v, "root", 4) ? "isolated" : "root", q->name);
out:
	free(cpus);
	return ret;
}

int kvmrt_shield_pin_irqs(const char *procfs, const struct xtrace_idset *irqs,
			  const struct xtrace_idset *cpus, const char *journal, char **report)
{
	struct kvmrt_shield s = { 0 };
	char path[PATH_MAX], *val = xtrace_idset_format(cpus);
	struct sbuf rep = { 0 };
	int ret = val ? 0 : -ENOMEM;

	*report = NULL;
	s.journal = ret ? NULL : fopen(journal, "ae");
	if (!ret && !s.journal)
		ret = -errno;
	xtrace_idset_for_each(irq, irqs) {
		int r;

		if (ret)
			break;
		snprintf(path, sizeof(path), "%s/irq/%d/smp_affinity_list", procfs, irq);
		r = shield_write(&s, path, val);
		if (kernel_refuses(r))
			sb_printf(&rep, "IRQ %d (passthrough) stays where it is: the kernel refuses to move it (%s)\n",
				  irq, strerror(-r));
		else if (r)
			ret = r;
		else
			sb_printf(&rep, "IRQ %d (passthrough) pinned to the VM's CPUs %s\n", irq, val);
	}
	if (s.journal && fclose(s.journal) && !ret)
		ret = -errno;
	free(val);
	*report = sb_steal(&rep);
	return ret;
}

/*
 * cgroup v1: taking a CPU offline removes it from every cpuset, and bringing it
 * back does not return it. The cpuset.cpus of every cpuset under @dir that has
 * one of @q->offline is journalled as it is (the children before their parent,
 * so that the undo, from the end, widens a parent before its children), for
 * the undo to write back once the CPUs are online again. Returns the number
 * of cpusets saved, or -errno.
 */
static int save_cpusets(struct kvmrt_shield *s, const struct kvmrt_shield_req *q,
			const char *dir, bool root)
{
	char path[PATH_MAX], v[4096];
	struct xtrace_idset *cpus;
	struct dirent *de;
	int ret = 0, n = 0;
	DIR *d = opendir(dir);

	if (!d)
		return root ? 0 : -errno;
	while (!ret && (de = readdir(d))) {
		struct stat st;

		if (de->d_name[0] == '.' || (root && !strncmp(de->d_name, "kvmrt-", 6)))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (lstat(path, &st) || !S_ISDIR(st.st_mode))
			continue;
		ret = save_cpusets(s, q, path, false);
		n += ret > 0 ? ret : 0;
		ret = ret < 0 ? ret : 0;
	}
	closedir(d);
	if (ret || root)
		return ret ? ret : n;
	/* the root cpuset follows the online CPUs by itself */
	snprintf(path, sizeof(path), "%s/cpuset.cpus", dir);
	cpus = xtrace_idset_new();
	if (!cpus)
		return -ENOMEM;
	if (!read_first_line(path, v, sizeof(v)) && !xtrace_idset_parse(cpus, v, NULL) &&
	    xtrace_idset_intersects(cpus, q->offline)) {
		ret = journal_line(s, "write %s\t%s\n", path, v);
		n++;
	}
	xtrace_idset_free(cpus);
	return ret ? ret : n;
}

int kvmrt_shield_apply(const struct kvmrt_shield_req *q, const char *journal, char **report)
{
	struct kvmrt_shield s = { 0 }, hs = { 0 }, *h = &s;
	struct sbuf rep = { 0 };
	char path[PATH_MAX];
	int ret = 0;

	*report = NULL;
	s.journal = fopen(journal, "ae");
	if (!s.journal)
		return -errno;
	if (q->host_journal) {
		hs.journal = fopen(q->host_journal, "ae");
		if (!hs.journal) {
			ret = -errno;
			fclose(s.journal);
			return ret;
		}
		h = &hs;
	}
	if (!xtrace_idset_empty(q->offline)) {
		snprintf(path, sizeof(path), "%s/fs/cgroup/cpuset", q->sysfs);
		ret = save_cpusets(&s, q, path, true);
		if (ret > 0)
			sb_printf(&rep, "%d cpuset%s with CPUs going offline saved, to be given back\n",
				  ret, ret == 1 ? "" : "s");
		ret = ret < 0 ? ret : 0;
	}
	xtrace_idset_for_each(cpu, q->offline) {
		if (ret)
			break;
		snprintf(path, sizeof(path), "%s/devices/system/cpu/cpu%d/online", q->sysfs, cpu);
		ret = shield_write(&s, path, "0");
		if (ret) {
			sb_printf(&rep, "cannot take CPU %d offline: %s\n", cpu, strerror(-ret));
			break;
		}
		sb_printf(&rep, "CPU %d (a hyper-thread sibling) offline\n", cpu);
	}
	if (!ret) {
		ret = shield_partition(&s, h, q, &rep);
		if (ret == 1)
			ret = shield_cpusets(&s, h, q, &rep);
	}
	ret = ret ? ret : shield_workqueues(h, q, &rep);
	ret = ret ? ret : move_irqs(h, q, &rep);
	if (hs.journal && fclose(hs.journal) && !ret)
		ret = -errno;
	if (fclose(s.journal) && !ret)
		ret = -errno;
	*report = sb_steal(&rep);
	return ret;
}
