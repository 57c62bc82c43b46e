// SPDX-License-Identifier: LGPL-2.1
/* The IRQs and tasks of the host with their CPU affinities, from /proc. */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kvmrt.h"
#include "kvmrt-local.h"

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;

	return (x > y) - (x < y);
}

/* The numeric entries of @dir, sorted. */
static int numeric_entries(const char *dir, int **out)
{
	struct dirent *de;
	int *v = NULL, n = 0;
	DIR *d = opendir(dir);

	*out = NULL;
	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		char *end;
		long x;
		int *t;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		x = strtol(de->d_name, &end, 10);
		if (*end || x > INT_MAX)
			continue;
		t = realloc(v, (n + 1) * sizeof(*v));
		if (!t) {
			free(v);
			closedir(d);
			return -ENOMEM;
		}
		v = t;
		v[n++] = x;
	}
	closedir(d);
	qsort(v, n, sizeof(*v), cmp_int);
	*out = v;
	return n;
}

/* The description of IRQ @irq in /proc/interrupts: what follows the counts. */
static char *irq_description(const char *text, int irq)
{
	const char *p = text, *nl;
	int ncpus = 0;
	char key[24];

	if (!text)
		return NULL;
	nl = strchr(p, '\n');
	for (const char *q = p; nl && q < nl; q++)
		if (!strncmp(q, "CPU", 3) && (q == p || isspace((unsigned char)q[-1])))
			ncpus++;
	snprintf(key, sizeof(key), "%d:", irq);
	while (nl) {
		p = nl + 1;
		nl = strchr(p, '\n');
		while (*p == ' ')
			p++;
		if (strncmp(p, key, strlen(key)))
			continue;
		p += strlen(key);
		for (int i = 0; i < ncpus; i++) {
			while (*p == ' ')
				p++;
			while (isdigit((unsigned char)*p))
				p++;
		}
		{
			size_t n = nl ? (size_t)(nl - p) : strlen(p);
			char *s = strndup(p, n), *w, *r;

			if (!s)
				return NULL;
			/* squeeze runs of blanks */
			for (w = r = kvmrt_trim(s); *r; r++)
				if (!(isspace((unsigned char)*r) && isspace((unsigned char)r[1])))
					*w++ = isspace((unsigned char)*r) ? ' ' : *r;
			*w = '\0';
			w = strdup(kvmrt_trim(s));
			free(s);
			return w;
		}
	}
	return NULL;
}

void kvmrt_irqs_free(struct kvmrt_irq *irqs, int n)
{
	for (int i = 0; irqs && i < n; i++) {
		free(irqs[i].irq);
		free(irqs[i].name);
		xtrace_idset_free(irqs[i].affinity);
		xtrace_idset_free(irqs[i].effective);
	}
	free(irqs);
}

int kvmrt_irqs_load(const char *procfs, struct kvmrt_irq **out, int *nout)
{
	char dir[PATH_MAX / 2], idir[PATH_MAX], buf[4096];
	struct kvmrt_irq *irqs;
	char *interrupts;
	int *nums, n;

	*out = NULL;
	*nout = 0;
	snprintf(dir, sizeof(dir), "%s/irq", procfs ? procfs : "/proc");
	n = numeric_entries(dir, &nums);
	if (n < 0)
		return n;
	irqs = calloc(n + 1, sizeof(*irqs));
	snprintf(idir, sizeof(idir), "%s/interrupts", procfs ? procfs : "/proc");
	interrupts = kvmrt_read_file(idir, NULL);
	if (!irqs) {
		free(nums);
		free(interrupts);
		return -ENOMEM;
	}
	for (int i = 0; i < n; i++) {
		struct kvmrt_irq *q = &irqs[i];

		snprintf(idir, sizeof(idir), "%s/%d", dir, nums[i]);
		q->irq = kvmrt_asprintf("%d", nums[i]);
		q->affinity = xtrace_idset_new();
		q->name = irq_description(interrupts, nums[i]);
		if (!q->name)
			q->name = strdup("");
		if (!q->irq || !q->affinity || !q->name)
			goto oom;
		if (!kvmrt_read_line_at(idir, "smp_affinity_list", buf, sizeof(buf)))
			xtrace_idset_parse(q->affinity, buf, NULL);
		if (!kvmrt_read_line_at(idir, "effective_affinity_list", buf, sizeof(buf))) {
			q->effective = xtrace_idset_new();
			if (!q->effective)
				goto oom;
			xtrace_idset_parse(q->effective, buf, NULL);
		}
	}
	free(nums);
	free(interrupts);
	*out = irqs;
	*nout = n;
	return 0;
oom:
	free(nums);
	free(interrupts);
	kvmrt_irqs_free(irqs, n);
	return -ENOMEM;
}

void kvmrt_tasks_free(struct kvmrt_task *tasks, int n)
{
	for (int i = 0; tasks && i < n; i++) {
		free(tasks[i].comm);
		xtrace_idset_free(tasks[i].affinity);
	}
	free(tasks);
}

const char *kvmrt_policy_name(int policy)
{
	switch (policy) {
	case SCHED_OTHER: return "OTHER";
	case SCHED_FIFO: return "FIFO";
	case SCHED_RR: return "RR";
	case SCHED_BATCH: return "BATCH";
	case SCHED_IDLE: return "IDLE";
	case 6: return "DEADLINE";
	default: return "?";
	}
}

/* One thread from @dir (/proc/PID/task/TID); -ENOENT if it has gone. */
static int load_task(const char *dir, struct kvmrt_task *t)
{
	char path[PATH_MAX + 16], *stat, *status, *p, *close_paren, *line;
	int field = 3;

	snprintf(path, sizeof(path), "%s/stat", dir);
	stat = kvmrt_read_file(path, NULL);
	if (!stat)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/status", dir);
	status = kvmrt_read_file(path, NULL);
	p = strchr(stat, '(');
	close_paren = strrchr(stat, ')');
	if (!status || !p || !close_paren || close_paren < p) {
		free(stat);
		free(status);
		return -ENOENT;
	}
	t->comm = strndup(p + 1, close_paren - p - 1);
	t->affinity = xtrace_idset_new();
	/* fields after "pid (comm)": state is field 3, rt_priority 40, policy 41 */
	for (p = strtok(close_paren + 1, " \n"); p; p = strtok(NULL, " \n"), field++) {
		if (field == 39)
			t->last_cpu = atoi(p);
		else if (field == 40)
			t->rt_priority = atoi(p);
		else if (field == 41)
			t->policy = atoi(p);
	}
	line = strstr(status, "\nCpus_allowed_list:");
	if (line && t->affinity) {
		char *end;

		line += strlen("\nCpus_allowed_list:");
		end = strchr(line, '\n');
		if (end)
			*end = '\0';
		xtrace_idset_parse(t->affinity, line, NULL);
	}
	free(stat);
	free(status);
	return t->comm && t->affinity ? 0 : -ENOMEM;
}

int kvmrt_tasks_load(const char *procfs, struct kvmrt_task **out, int *nout)
{
	const char *root = procfs ? procfs : "/proc";
	struct kvmrt_task *v = NULL;
	char dir[PATH_MAX];
	int *pids, np, n = 0, ret = 0;

	*out = NULL;
	*nout = 0;
	np = numeric_entries(root, &pids);
	if (np < 0)
		return np;
	for (int i = 0; i < np && !ret; i++) {
		int *tids, nt;

		snprintf(dir, sizeof(dir), "%s/%d/task", root, pids[i]);
		nt = numeric_entries(dir, &tids);
		if (nt < 0)
			continue;	/* gone */
		for (int j = 0; j < nt; j++) {
			struct kvmrt_task *t = realloc(v, (n + 1) * sizeof(*v));

			if (!t) {
				ret = -ENOMEM;
				break;
			}
			v = t;
			t = &v[n];
			memset(t, 0, sizeof(*t));
			t->pid = pids[i];
			t->tid = tids[j];
			snprintf(dir, sizeof(dir), "%s/%d/task/%d", root, pids[i], tids[j]);
			ret = load_task(dir, t);
			if (ret == -ENOENT) {
				free(t->comm);
				xtrace_idset_free(t->affinity);
				ret = 0;
				continue;
			}
			if (ret) {
				n++;
				break;
			}
			n++;
		}
		free(tids);
	}
	free(pids);
	if (ret) {
		kvmrt_tasks_free(v, n);
		return ret;
	}
	*out = v;
	*nout = n;
	return 0;
}

int kvmrt_find_qemu(const char *procfs, const char *uuid)
{
	const char *root = procfs ? procfs : "/proc";
	int *pids, np, found = 0;
	char path[PATH_MAX];

	np = numeric_entries(root, &pids);
	if (np < 0)
		return np;
	for (int i = 0; i < np && !found; i++) {
		size_t len;
		char *cmd;

		snprintf(path, sizeof(path), "%s/%d/cmdline", root, pids[i]);
		cmd = kvmrt_read_file(path, &len);
		if (!cmd)
			continue;
		/* NUL-separated words: "-uuid" then the UUID */
		for (size_t o = 0; o < len; o += strlen(cmd + o) + 1) {
			size_t next = o + strlen(cmd + o) + 1;

			if (!strcmp(cmd + o, "-uuid") && next < len && !strcasecmp(cmd + next, uuid)) {
				found = pids[i];
				break;
			}
		}
		free(cmd);
	}
	free(pids);
	return found;
}

enum kvmrt_thread_role kvmrt_thread_role(const char *comm, int *vcpu)
{
	char kind[8];
	int n, end = 0;

	if (sscanf(comm, "CPU %d/%7[A-Za-z]%n", &n, kind, &end) == 2 && !comm[end] && n >= 0) {
		*vcpu = n;
		return KVMRT_THREAD_VCPU;
	}
	*vcpu = -1;
	if (!strncmp(comm, "IO ", 3) && strcmp(comm, "IO mon_iothread"))
		return KVMRT_THREAD_IOTHREAD;
	return KVMRT_THREAD_EMULATOR;
}
