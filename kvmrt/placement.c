// SPDX-License-Identifier: LGPL-2.1
/*
 * Where a VM's threads run: the first CPU of its cpuset runs every non-vCPU
 * thread (emulator, I/O threads), the vCPUs go round-robin over the rest;
 * for a real-time VM, the rest without the hyper-thread siblings it takes
 * offline.
 */
#include <errno.h>
#include <stdlib.h>

#include "kvmrt.h"
#include "kvmrt-local.h"

void kvmrt_placement_free(struct kvmrt_placement *p)
{
	if (!p)
		return;
	for (int i = 0; i < p->nr_vcpus; i++)
		xtrace_idset_free(p->vcpu[i]);
	free(p->vcpu);
	xtrace_idset_free(p->numa_nodes);
	xtrace_idset_free(p->cpuset_nodes);
	xtrace_idset_free(p->offline);
	xtrace_idset_free(p->owned);
	free(p);
}

/*
 * A real-time VM owns every hyper-thread of its cores and keeps one online
 * per core: the lowest of its cpuset's CPUs on that core.
 */
int kvmrt_place_offline(const struct kvmrt_vm *vm, const struct kvmrt_topo *topo,
			struct xtrace_idset *offline)
{
	struct xtrace_idset *mine;
	int ret = 0;

	if (!vm->rt || !topo)
		return 0;
	mine = xtrace_idset_new();
	if (!mine)
		return -ENOMEM;
	for (int i = 0; i < topo->nr_cores && !ret; i++) {
		const struct xtrace_idset *core = topo->cores[i].cpus;
		int kept;

		xtrace_idset_clear(mine);
		ret = xtrace_idset_or(mine, core);
		xtrace_idset_and(mine, vm->cpuset);
		kept = xtrace_idset_next(mine, 0);
		if (ret || kept < 0)
			continue;
		ret = xtrace_idset_or(offline, core);
		xtrace_idset_del(offline, kept);
	}
	xtrace_idset_free(mine);
	return ret ? -ENOMEM : 0;
}

struct kvmrt_placement *kvmrt_place(const struct kvmrt_vm *vm, const struct kvmrt_topo *topo)
{
	struct kvmrt_placement *p = calloc(1, sizeof(*p));
	unsigned int ncpus, rest, n = vm->nr_vcpus, k;
	struct xtrace_idset *usable;

	if (!p)
		return NULL;
	p->nr_vcpus = n;
	p->vcpu = calloc(n, sizeof(*p->vcpu));
	p->numa_nodes = xtrace_idset_new();
	p->cpuset_nodes = xtrace_idset_new();
	p->offline = xtrace_idset_new();
	p->owned = xtrace_idset_dup(vm->cpuset);
	if (!p->vcpu || !p->numa_nodes || !p->cpuset_nodes || !p->offline || !p->owned)
		goto oom;
	for (unsigned int i = 0; i < n; i++)
		if (!(p->vcpu[i] = xtrace_idset_new()))
			goto oom;

	p->rt_memory = vm->rt_memory == KVMRT_AUTO ? vm->rt : vm->rt_memory == KVMRT_YES;
	p->bound = !xtrace_idset_empty(vm->cpuset);
	p->emulator_cpu = xtrace_idset_nth(vm->cpuset, 0);
	if (!p->bound) {
		p->prov = KVMRT_PROV_NONE;
		return p;
	}

	if (topo && kvmrt_topo_nodes_of(topo, vm->cpuset, p->cpuset_nodes))
		goto oom;
	/* memory is not restricted when the VM is not bound to CPUs */
	if (xtrace_idset_or(p->numa_nodes, vm->numatune_auto ? p->cpuset_nodes : vm->numatune))
		goto oom;

	if (vm->rt && topo && kvmrt_topo_siblings_of(topo, vm->cpuset, p->owned))
		goto oom;
	if (kvmrt_place_offline(vm, topo, p->offline))
		goto oom;

	/* the CPUs that stay online: a sibling taken offline runs no vCPU */
	usable = xtrace_idset_dup(vm->cpuset);
	if (!usable)
		goto oom;
	xtrace_idset_andnot(usable, p->offline);
	ncpus = xtrace_idset_count(usable);
	p->emulator_cpu = xtrace_idset_nth(usable, 0);
	p->prov = ncpus == n + 1 ? KVMRT_PROV_EXACT :
		  ncpus > n + 1 ? KVMRT_PROV_OVER : KVMRT_PROV_UNDER;
	rest = ncpus - 1;
	if (!rest) {
		/* one CPU: it runs everything */
		for (unsigned int i = 0; i < n; i++)
			xtrace_idset_add(p->vcpu[i], p->emulator_cpu);
	} else {
		for (k = 0; k < (rest > n ? rest : n); k++) {
			int cpu = xtrace_idset_nth(usable, 1 + k % rest);

			if (xtrace_idset_add(p->vcpu[k % n], cpu)) {
				xtrace_idset_free(usable);
				goto oom;
			}
		}
	}
	xtrace_idset_free(usable);
	return p;
oom:
	kvmrt_placement_free(p);
	errno = ENOMEM;
	return NULL;
}
