// SPDX-License-Identifier: LGPL-2.1
/*
 * The "vms" file of a recording (docs/data-directory.md): on a KVM host, which
 * qemu process is which VM and which of its threads runs which vCPU, so the
 * view can name the VM of a kvm_entry/kvm_exit. Written at start and at stop
 * (appended; later lines win):
 *
 *   vm PID NAME
 *   thread TID PID VCPU        (VCPU -1: not a vCPU thread, or not known)
 *
 * A process is a VM when its comm or its argv[0] contains "qemu". Its name is
 * libvirt's (/run/libvirt/qemu/NAME.pid holding the pid), else qemu's
 * "-name guest=NAME,..." or "-name NAME"; else "qemu-PID". vCPU threads are
 * named "CPU N/KVM" by qemu (libvirt turns on debug-threads).
 *
 * Its reader (xtrace_vms_read()) is here too: the file is untrusted input, and
 * lines it cannot read are skipped.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "reader.h"
#include "sbuf.h"

#define LIBVIRT_RUN	"/run/libvirt/qemu"

__hidden int xt_vms_save(const char *dir, bool at_end);

/* A name for the view: one word of printable characters. */
static void clean(char *s)
{
	for (; *s; s++)
		if (*s <= ' ' || *s == 0x7f)
			*s = '_';
}

/* libvirt's pid file naming @pid, if any: NAME.pid */
static bool libvirt_name(int pid, char *name, size_t len)
{
	DIR *d = opendir(LIBVIRT_RUN);
	struct dirent *de;
	bool found = false;

	if (!d)
		return false;
	while (!found && (de = readdir(d))) {
		size_t n = strlen(de->d_name);
		char path[512], *buf;

		if (n < 5 || strcmp(de->d_name + n - 4, ".pid"))
			continue;
		snprintf(path, sizeof(path), LIBVIRT_RUN "/%s", de->d_name);
		if (xt_read_file(path, &buf, NULL))
			continue;
		if (atoi(buf) == pid) {
			snprintf(name, len, "%.*s", (int)(n - 4), de->d_name);
			found = true;
		}
		free(buf);
	}
	closedir(d);
	return found;
}

/*
 * qemu's -name: "guest=NAME,debug-threads=on" or "NAME[,process=...]"; a comma in
 * a value is written ",,".
 */
static bool qemu_name(const char *arg, char *name, size_t len)
{
	const char *p = arg;

	for (int item = 0; *p; item++) {
		char val[256];
		size_t n = 0;
		bool has_eq = false;

		/* one item, up to a single comma; ",," is a comma in it */
		for (; *p && !(p[0] == ',' && p[1] != ','); p++) {
			if (p[0] == ',')
				p++;
			if (*p == '=' && !has_eq)
				has_eq = true;
			if (n + 1 < sizeof(val))
				val[n++] = *p;
		}
		val[n] = '\0';
		if (*p)
			p++;
		if ((!strncmp(val, "guest=", 6) && val[6]) || (!item && !has_eq && n)) {
			const char *v = has_eq ? val + 6 : val;
			size_t vl = strlen(v) < len - 1 ? strlen(v) : len - 1;

			memcpy(name, v, vl);
			name[vl] = '\0';
			return true;
		}
	}
	return false;
}

static void scan_vm(struct sbuf *sb, int pid, const char *cmdline, size_t clen)
{
	char name[128] = "", path[300];
	struct dirent *te;
	DIR *task;

	if (!libvirt_name(pid, name, sizeof(name))) {
		for (size_t off = 0; off < clen; off += strlen(cmdline + off) + 1) {
			const char *a = cmdline + off;

			if (!strcmp(a, "-name") && off + strlen(a) + 1 < clen &&
			    qemu_name(a + strlen(a) + 1, name, sizeof(name)))
				break;
		}
	}
	if (!name[0])
		snprintf(name, sizeof(name), "qemu-%d", pid);
	clean(name);
	sb_printf(sb, "vm %d %s\n", pid, name);
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	task = opendir(path);
	while (task && (te = readdir(task))) {
		int tid = atoi(te->d_name), vcpu = -1;
		char *comm;

		if (tid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%d/comm", pid, tid);
		if (!xt_read_file(path, &comm, NULL)) {
			if (sscanf(comm, "CPU %d/KVM", &vcpu) != 1)
				vcpu = -1;
			free(comm);
		}
		sb_printf(sb, "thread %d %d %d\n", tid, pid, vcpu);
	}
	if (task)
		closedir(task);
}

/*
 * xt_vms_save - append the VMs running now to @dir/vms (creating it with its
 * header at the start, so a host without VMs has an empty list)
 */
int xt_vms_save(const char *dir, bool at_end)
{
	struct sbuf sb = { 0 };
	DIR *proc = opendir("/proc");
	struct dirent *pe;
	char *path;
	int fd, ret;

	if (!proc)
		return -errno;
	if (!at_end)
		sb_printf(&sb, "# xtrace vms: \"vm PID NAME\" and \"thread TID PID VCPU\" (-1: not a vCPU); written at start and stop, later lines win\n");
	while ((pe = readdir(proc))) {
		int pid = atoi(pe->d_name);
		char p[300], *comm = NULL, *cmd = NULL;
		const char *argv0;
		size_t clen = 0;

		if (pid <= 0)
			continue;
		snprintf(p, sizeof(p), "/proc/%d/comm", pid);
		if (xt_read_file(p, &comm, NULL))
			continue;
		snprintf(p, sizeof(p), "/proc/%d/cmdline", pid);
		if (xt_read_file(p, &cmd, &clen))
			cmd = NULL;
		argv0 = cmd && clen ? (strrchr(cmd, '/') ? strrchr(cmd, '/') : cmd) : "";
		if (strstr(comm, "qemu") || strstr(argv0, "qemu"))
			scan_vm(&sb, pid, cmd ? cmd : "", cmd ? clen : 0);
		free(comm);
		free(cmd);
	}
	closedir(proc);
	path = xt_path(dir, XT_VMS_FILE);
	if (!path) {
		free(sb.buf);
		return -ENOMEM;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	free(path);
	if (fd < 0) {
		free(sb.buf);
		return -errno;
	}
	ret = sb.err ? sb.err : sb.len ? xt_write_all(fd, sb.buf, sb.len) : 0;
	if (close(fd) && !ret)
		ret = -errno;
	free(sb.buf);
	return ret;
}

/* ------------------------------------------------------------ reading */

static int cmp_thread(const void *a, const void *b)
{
	const struct xtrace_vm_thread *x = a, *y = b;

	return (x->tid > y->tid) - (x->tid < y->tid);
}

struct numbered {
	struct xtrace_vm_thread t;
	int line;
};

static int cmp_numbered(const void *a, const void *b)
{
	const struct numbered *x = a, *y = b;

	if (x->t.tid != y->t.tid)
		return (x->t.tid > y->t.tid) - (x->t.tid < y->t.tid);
	return (x->line > y->line) - (x->line < y->line);
}

/* Sort the threads by tid, keeping for each tid its latest line. */
int xt_vms_sort(struct xtrace_vms *v)
{
	struct numbered *n;
	int k = 0;

	if (!v->nr_threads)
		return 0;
	n = malloc(v->nr_threads * sizeof(*n));
	if (!n)
		return -ENOMEM;
	for (int i = 0; i < v->nr_threads; i++)
		n[i] = (struct numbered){ v->threads[i], i };
	qsort(n, v->nr_threads, sizeof(*n), cmp_numbered);
	for (int i = 0; i < v->nr_threads; i++) {
		if (k && v->threads[k - 1].tid == n[i].t.tid)
			k--;
		v->threads[k++] = n[i].t;
	}
	v->nr_threads = k;
	free(n);
	return 0;
}

int xtrace_vms_read(const char *dir, struct xtrace_vms *v)
{
	char *path = xt_tdat_path(dir), line[256];
	int cap_t = 0, cap_v = 0;
	FILE *f;

	memset(v, 0, sizeof(*v));
	if (path) {
		/* a trace.dat: its GUEST options */
		int ret = xt_tdat_vms(path, v);

		free(path);
		return ret;
	}
	path = xt_path(dir, XT_VMS_FILE);
	if (!path)
		return -ENOMEM;
	f = fopen(path, "re");
	free(path);
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		struct xtrace_vm_thread t;
		char name[64];
		int pid, i;

		if (sscanf(line, "thread %d %d %d", &t.tid, &t.pid, &t.vcpu) == 3) {
			if (v->nr_threads == cap_t) {
				struct xtrace_vm_thread *p;

				cap_t = cap_t * 2 + 16;
				p = realloc(v->threads, cap_t * sizeof(*p));
				if (!p)
					goto nomem;
				v->threads = p;
			}
			v->threads[v->nr_threads++] = t;
		} else if (sscanf(line, "vm %d %63s", &pid, name) == 2) {
			/* later lines win */
			for (i = 0; i < v->nr_vms && v->vms[i].pid != pid; i++)
				;
			if (i == v->nr_vms) {
				if (v->nr_vms == cap_v) {
					struct xtrace_vm *p;

					cap_v = cap_v * 2 + 4;
					p = realloc(v->vms, cap_v * sizeof(*p));
					if (!p)
						goto nomem;
					v->vms = p;
				}
				v->nr_vms++;
			}
			v->vms[i].pid = pid;
			snprintf(v->vms[i].name, sizeof(v->vms[i].name), "%s", name);
		}
	}
	fclose(f);
	return xt_vms_sort(v);
nomem:
	fclose(f);
	return -ENOMEM;
}

const struct xtrace_vm_thread *xtrace_vms_thread(const struct xtrace_vms *v, int tid)
{
	struct xtrace_vm_thread key = { .tid = tid };

	if (!v->nr_threads)
		return NULL;
	return bsearch(&key, v->threads, v->nr_threads, sizeof(key), cmp_thread);
}

const char *xtrace_vms_name(const struct xtrace_vms *v, int pid)
{
	for (int i = 0; i < v->nr_vms; i++)
		if (v->vms[i].pid == pid)
			return v->vms[i].name;
	return NULL;
}

void xtrace_vms_free(struct xtrace_vms *v)
{
	free(v->vms);
	free(v->threads);
	memset(v, 0, sizeof(*v));
}
