// SPDX-License-Identifier: LGPL-2.1
/* Event selection: groups, systems and system:event globs -> concrete events. */
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <tracefs.h>

#include "xtrace-local.h"

struct group {
	const char *name, *desc, *members;
	bool optional;	/* in the default set only where the kernel has it */
};

static const struct group groups[] = {
	{ "sched", "context switches, wakeups, fork/exec/exit, migrations",
	  "sched:sched_switch,sched:sched_wakeup,sched:sched_wakeup_new,sched:sched_process_fork,"
	  "sched:sched_process_exec,sched:sched_process_exit,sched:sched_migrate_task", false },
	{ "irq", "hard and soft interrupts, APIC vectors (local timer, IPIs)",
	  "irq:irq_handler_entry,irq:irq_handler_exit,irq:softirq_entry,irq:softirq_exit,"
	  "irq_vectors:*_entry,irq_vectors:*_exit", false },
	{ "timer", "hrtimer start/cancel/expiry and timer-wheel expiry",
	  "timer:hrtimer_start,timer:hrtimer_cancel,timer:hrtimer_expire_entry,"
	  "timer:hrtimer_expire_exit,timer:timer_expire_entry,timer:timer_expire_exit", false },
	{ "syscalls", "entry and exit of every system call",
	  "raw_syscalls:sys_enter,raw_syscalls:sys_exit", false },
	{ "file", "arguments of read, write, open and close",
	  "syscalls:sys_enter_read,syscalls:sys_enter_write,syscalls:sys_enter_pread64,"
	  "syscalls:sys_enter_pwrite64,syscalls:sys_enter_openat,syscalls:sys_enter_close", false },
	{ "kvm", "VM entries, exits, hypercalls and wakeups (KVM hosts)",
	  "kvm:kvm_entry,kvm:kvm_exit,kvm:kvm_hypercall,kvm:kvm_userspace_exit,"
	  "kvm:kvm_vcpu_wakeup", true },
};

#define DEFAULT_SET "sched,irq,timer,syscalls,kvm"
#define KVM_DEV "/dev/kvm"

int xtrace_events_group(int i, const char **name, const char **desc)
{
	if (i < 0 || i > (int)ARRAY_SIZE(groups))
		return -ENOENT;
	if (i == ARRAY_SIZE(groups)) {
		*name = "default";
		*desc = DEFAULT_SET " (kvm on KVM hosts: where " KVM_DEV " exists)";
		return 0;
	}
	*name = groups[i].name;
	*desc = groups[i].desc;
	return 0;
}

struct ctx {
	const char *tdir;
	char **systems;
	char ***events;		/* per system, loaded lazily */
	char **sel;
	size_t nsel;
};

static char **sys_events(struct ctx *c, int i)
{
	if (!c->events[i])
		c->events[i] = tracefs_system_events(c->tdir, c->systems[i]);
	return c->events[i];
}

static int sel_has(struct ctx *c, const char *name)
{
	for (size_t i = 0; i < c->nsel; i++)
		if (!strcmp(c->sel[i], name))
			return i;
	return -1;
}

/* Add (or remove, @del) every event matching sys:ev globs; returns how many matched. */
static int match(struct ctx *c, const char *sysglob, const char *evglob, bool del)
{
	int found = 0;

	for (int i = 0; c->systems[i]; i++) {
		char **evs;

		/* ftrace's own events (markers) are always recorded, never enabled */
		if (!strcmp(c->systems[i], "ftrace") || fnmatch(sysglob, c->systems[i], 0))
			continue;
		evs = sys_events(c, i);
		for (int j = 0; evs && evs[j]; j++) {
			char *name;
			int at;

			if (fnmatch(evglob, evs[j], 0))
				continue;
			found++;
			if (asprintf(&name, "%s:%s", c->systems[i], evs[j]) < 0)
				return -ENOMEM;
			at = sel_has(c, name);
			if (del && at >= 0) {
				free(c->sel[at]);
				memmove(&c->sel[at], &c->sel[at + 1],
					(c->nsel - at) * sizeof(char *));
				c->nsel--;
			}
			if (del || at >= 0) {
				free(name);
				continue;
			}
			if (xt_strv_push(&c->sel, &c->nsel, name)) {
				free(name);
				return -ENOMEM;
			}
		}
	}
	return found;
}

static int add_item(struct ctx *c, const char *item, bool in_default);

static int add_list(struct ctx *c, const char *list, bool in_default, char **bad)
{
	char *copy = strdup(list), *save, *it;
	int ret = 0;

	if (!copy)
		return -ENOMEM;
	for (it = strtok_r(copy, ",", &save); it && !ret; it = strtok_r(NULL, ",", &save)) {
		while (*it == ' ')
			it++;
		if (!*it)
			continue;
		ret = add_item(c, it, in_default);
		if (ret == -ENOENT && bad && !*bad)
			*bad = strdup(it);
	}
	free(copy);
	return ret;
}

static int add_item(struct ctx *c, const char *item, bool in_default)
{
	bool del = item[0] == '-';
	const char *colon;
	int n;

	if (del)
		item++;
	if (!strcmp(item, "default") || !strcmp(item, "all")) {
		if (!strcmp(item, "all"))
			return match(c, "*", "*", del) < 0 ? -ENOMEM : 0;
		return add_list(c, DEFAULT_SET, true, NULL);
	}
	for (size_t g = 0; g < ARRAY_SIZE(groups); g++) {
		char *copy, *save, *m;
		int total = 0;

		if (strcmp(item, groups[g].name))
			continue;
		/* the default set has kvm only on a KVM host, where VMs can run (/dev/kvm) */
		if (in_default && groups[g].optional && !del && access(KVM_DEV, F_OK))
			return 0;
		copy = strdup(groups[g].members);
		if (!copy)
			return -ENOMEM;
		for (m = strtok_r(copy, ",", &save); m; m = strtok_r(NULL, ",", &save)) {
			char *col = strchr(m, ':');

			*col = '\0';
			n = match(c, m, col + 1, del);
			if (n < 0) {
				free(copy);
				return n;
			}
			total += n;
		}
		free(copy);
		/* a group the kernel lacks is an error, unless the default set asked */
		if (!total && !(in_default && groups[g].optional))
			return -ENOENT;
		return 0;
	}
	colon = strchr(item, ':');
	if (colon) {
		char *sys = strndup(item, colon - item);

		if (!sys)
			return -ENOMEM;
		n = match(c, sys, colon + 1, del);
		free(sys);
	} else {
		n = match(c, item, "*", del);
	}
	if (n < 0)
		return n;
	if (!n)
		return -ENOENT;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int xtrace_events_resolve(const char *spec, const char *tracing_dir, char ***out, char **bad)
{
	struct ctx c = { .tdir = tracing_dir };
	int nsys = 0, ret;

	*out = NULL;
	if (bad)
		*bad = NULL;
	c.systems = tracefs_event_systems(tracing_dir);
	if (!c.systems)
		return -ENOENT;
	while (c.systems[nsys])
		nsys++;
	c.events = calloc(nsys, sizeof(*c.events));
	if (!c.events) {
		tracefs_list_free(c.systems);
		return -ENOMEM;
	}
	ret = add_list(&c, spec && *spec ? spec : "default", false, bad);
	if (!ret && !c.nsel)
		ret = -ENOENT;
	for (int i = 0; i < nsys; i++)
		tracefs_list_free(c.events[i]);
	free(c.events);
	tracefs_list_free(c.systems);
	if (ret) {
		xtrace_strv_free(c.sel);
		return ret;
	}
	qsort(c.sel, c.nsel, sizeof(char *), cmp_str);
	*out = c.sel;
	return 0;
}
