// SPDX-License-Identifier: LGPL-2.1
/*
 * The 1.4 guide's CPUSET syntax: a comma-separated list of items, each a CPU
 * or range of CPUs ("0,1,16-19"), or one prefixed with n (NUMA node), c (core,
 * numbered as cpu-topology shows them), t (hardware thread, the CPU of that
 * number) or p (package, the socket), and any item may start with '~' to
 * exclude its CPUs. The value is the union of the items without '~' (every CPU
 * of the host when there are none) minus the union of those with it. The IDs
 * of each item are an ID-set of libxtrace's grammar ("n0-1" is nodes 0 and 1);
 * a value without prefix and '~' is parsed by xtrace_idset_parse() as a whole.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kvmrt.h"
#include "kvmrt-local.h"

bool kvmrt_cpuset_is_plain(const char *spec)
{
	for (const char *p = spec; *p; p++)
		if (strchr("nctpNCTP~", *p))
			return false;
	return true;
}

/* The CPUs of item @kind @id on @t added to @out; -ENOENT when the host has no such thing. */
static int add_item(const struct kvmrt_topo *t, char kind, int id, struct xtrace_idset *out)
{
	bool found = false;

	switch (kind) {
	case 'n':
		if (id >= t->nr_node_ids || !t->node_cpus[id] || !xtrace_idset_has(t->nodes, id))
			return -ENOENT;
		return xtrace_idset_or(out, t->node_cpus[id]);
	case 'c':
		if (id >= t->nr_cores)
			return -ENOENT;
		return xtrace_idset_or(out, t->cores[id].cpus);
	case 't':
		if (!xtrace_idset_has(t->cpus, id))
			return -ENOENT;
		return xtrace_idset_add(out, id);
	case 'p':
		xtrace_idset_for_each(cpu, t->cpus) {
			if (t->cpu[cpu].socket != id)
				continue;
			found = true;
			if (xtrace_idset_add(out, cpu))
				return -ENOMEM;
		}
		return found ? 0 : -ENOENT;
	default:
		return xtrace_idset_add(out, id);
	}
}

int kvmrt_cpuset_parse(struct xtrace_idset *set, const char *spec, const struct kvmrt_topo *topo,
		       const char **bad)
{
	struct xtrace_idset *yes = xtrace_idset_new(), *no = xtrace_idset_new();
	struct xtrace_idset *ids = xtrace_idset_new();
	bool any_yes = false, needs_topo = false;
	const char *p = spec, *item = spec;
	char *copy = NULL;
	int ret = 0;

	xtrace_idset_clear(set);
	if (!yes || !no || !ids) {
		ret = -ENOMEM;
		goto out;
	}
	if (kvmrt_cpuset_is_plain(spec)) {
		ret = xtrace_idset_parse(set, spec, bad);
		goto out;
	}
	/* the syntax of every item first, then (with a topology) its CPUs */
	for (int pass = 0; pass < 2 && !ret; pass++) {
		xtrace_idset_clear(yes);
		xtrace_idset_clear(no);
		any_yes = false;
		for (p = spec; *p && !ret; ) {
			const char *end = strchr(p, ',');
			size_t len = end ? (size_t)(end - p) : strlen(p);
			const char *q, *ibad = NULL;
			bool neg = false;
			char kind = 0;

			item = p;
			free(copy);
			copy = strndup(p, len);
			if (!copy) {
				ret = -ENOMEM;
				break;
			}
			q = copy;
			while (isblank((unsigned char)*q))
				q++;
			if (*q == '~') {
				neg = true;
				q++;
				while (isblank((unsigned char)*q))
					q++;
			}
			if (strchr("nctpNCTP", *q) && *q) {
				kind = tolower((unsigned char)*q);
				q++;
			}
			/* one ID or range: the item's own commas would be items */
			ret = xtrace_idset_parse(ids, q, &ibad);
			if (!ret && xtrace_idset_empty(ids))
				ret = -EINVAL;
			if (ret)
				break;
			needs_topo |= neg || kind;
			any_yes |= !neg;
			if (pass == 0)
				goto next;
			xtrace_idset_for_each(id, ids) {
				ret = add_item(topo, kind, id, neg ? no : yes);
				if (ret)
					break;
			}
next:
			p += len + (end ? 1 : 0);
			if (end && !*p) {
				item = p;	/* a trailing comma: nothing after it */
				ret = -EINVAL;
			}
		}
		if (!ret && pass == 0 && needs_topo && !topo)
			ret = -EAGAIN;
	}
	if (ret)
		goto out;
	if (!any_yes && xtrace_idset_or(yes, topo->cpus)) {
		ret = -ENOMEM;
		goto out;
	}
	xtrace_idset_andnot(yes, no);
	ret = xtrace_idset_or(set, yes);
out:
	if (ret && ret != -EAGAIN && ret != -ENOMEM && bad && !kvmrt_cpuset_is_plain(spec))
		*bad = item;
	free(copy);
	xtrace_idset_free(yes);
	xtrace_idset_free(no);
	xtrace_idset_free(ids);
	if (ret)
		xtrace_idset_clear(set);
	return ret;
}
