// SPDX-License-Identifier: LGPL-2.1
/*
 * The KVM-RT rules (guide, chapter 3 "Configuring Real-Time Virtual
 * Machines") checked against the host's real topology. Disabled VMs are
 * checked on their own but take no part in the rules between VMs.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmrt.h"
#include "kvmrt-local.h"

struct vctx {
	const struct kvmrt_config *cfg;
	const struct kvmrt_topo *topo;
	struct kvmrt_diags *d;
	struct kvmrt_placement **pl;
};

__attribute__((format(printf, 5, 6)))
static void diag(struct vctx *c, enum kvmrt_level lvl, const struct kvmrt_vm *vm,
		 enum kvmrt_attr_id a, const char *fmt, ...)
{
	char *msg;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	kvmrt_diag_add(c->d, lvl, c->cfg->path, vm ? kvmrt_vm_line(vm, a) : 0,
		       vm ? kvmrt_vm_label(vm) : NULL, vm ? kvmrt_attr_name(a) : NULL, "%s",
		       msg ? msg : "(no memory)");
	free(msg);
}

/* @a & @b (or @a - @b) formatted; "" when empty. Caller frees. */
static char *set_op(const struct xtrace_idset *a, const struct xtrace_idset *b, bool minus)
{
	struct xtrace_idset *s = xtrace_idset_dup(a);
	char *r;

	if (!s)
		return NULL;
	if (minus)
		xtrace_idset_andnot(s, b);
	else
		xtrace_idset_and(s, b);
	r = xtrace_idset_format(s);
	xtrace_idset_free(s);
	return r;
}

static int plural(const struct xtrace_idset *s)
{
	return xtrace_idset_count(s) != 1;
}

/* The rules about one VM alone. */
static void check_vm(struct vctx *c, const struct kvmrt_vm *vm, const struct kvmrt_placement *p)
{
	const struct kvmrt_topo *t = c->topo;
	struct xtrace_idset *nodes;
	char *s, *s2;

	s = set_op(vm->cpuset, t->cpus, true);
	if (s && *s) {
		char *all = xtrace_idset_format(t->cpus);

		diag(c, KVMRT_ERROR, vm, KA_CPUSET, "CPU%s %s not on this host (it has CPUs %s)",
		     strpbrk(s, ",-") ? "s" : "", s, all ? all : "?");
		free(all);
	}
	free(s);
	if (!vm->numatune_auto) {
		s = set_op(vm->numatune, t->nodes, true);
		if (s && *s) {
			char *all = xtrace_idset_format(t->nodes);

			diag(c, KVMRT_ERROR, vm, KA_NUMATUNE,
			     "NUMA node%s %s not on this host (it has nodes %s)",
			     strpbrk(s, ",-") ? "s" : "", s, all ? all : "?");
			free(all);
		}
		free(s);
		if (!p->bound && !xtrace_idset_empty(vm->numatune))
			diag(c, KVMRT_WARNING, vm, KA_NUMATUNE,
			     "ignored: the cpuset is empty, so memory is not restricted to NUMA "
			     "nodes");
	}
	if (vm->hide_kvm)
		diag(c, KVMRT_WARNING, vm, KA_HIDE_KVM, "hides KVM from the guest, which then has no kvm-clock and so no ptp_kvm: its clock cannot follow the host's, and xtrace's merge of host and guest events loses its accuracy");
	if (!vm->rt)
		return;

	if (!p->bound) {
		diag(c, KVMRT_ERROR, vm, KA_RT, "a real-time VM needs a cpuset (the host CPUs it owns); set cpuset to at least %d CPUs",
		     vm->nr_vcpus + 1);
		return;
	}
	if (vm->rt_memory == KVMRT_NO)
		diag(c, KVMRT_ERROR, vm, KA_RT_MEMORY, "a real-time VM needs locked memory: set rt_memory to auto or true");
	if (p->prov == KVMRT_PROV_UNDER) {
		s = xtrace_idset_format(vm->cpuset);
		diag(c, KVMRT_ERROR, vm, KA_CPUSET, "under-provisioned: %u CPU%s (%s) for %d vCPU%s; a real-time VM needs at least nr_vcpus + 1 = %d (one for the emulator threads, one per vCPU)",
		     xtrace_idset_count(vm->cpuset),
		     plural(vm->cpuset) ? "s" : "", s ? s : "?", vm->nr_vcpus,
		     vm->nr_vcpus == 1 ? "" : "s", vm->nr_vcpus + 1);
		free(s);
	}
	if (xtrace_idset_count(p->cpuset_nodes) > 1) {
		s = xtrace_idset_format(vm->cpuset);
		s2 = xtrace_idset_format(p->cpuset_nodes);
		diag(c, KVMRT_WARNING, vm, KA_CPUSET, "CPUs %s span NUMA nodes %s: a real-time VM is best kept in one node",
		     s ? s : "?", s2 ? s2 : "?");
		free(s);
		free(s2);
	}
	if (!vm->numatune_auto && xtrace_idset_empty(vm->numatune)) {
		diag(c, KVMRT_WARNING, vm, KA_NUMATUNE, "off: the memory of a real-time VM may come from any NUMA node (auto is recommended)");
	} else if (!vm->numatune_auto && !xtrace_idset_subset(vm->numatune, p->cpuset_nodes)) {
		s = set_op(vm->numatune, p->cpuset_nodes, true);
		s2 = xtrace_idset_format(p->cpuset_nodes);
		diag(c, KVMRT_WARNING, vm, KA_NUMATUNE, "NUMA nodes %s are outside the nodes of the cpuset (%s) (auto is recommended)",
		     s ? s : "?", s2 ? s2 : "?");
		free(s);
		free(s2);
	}
	xtrace_idset_for_each(sock, t->sockets) {
		int first = kvmrt_topo_first_cpu_of_socket(t, sock);

		if (first >= 0 && xtrace_idset_has(vm->cpuset, first))
			diag(c, KVMRT_WARNING, vm, KA_CPUSET, "CPU %d is the first CPU of socket %d: leave it to the host (its IRQs may not migrate)",
			     first, sock);
	}
	/* two threads of one core in the cpuset: one of them goes offline */
	nodes = xtrace_idset_dup(vm->cpuset);
	if (nodes) {
		xtrace_idset_and(nodes, p->offline);
		if (!xtrace_idset_empty(nodes)) {
			s = xtrace_idset_format(nodes);
			diag(c, KVMRT_WARNING, vm, KA_CPUSET, "CPU%s %s share%s a core with another CPU of the cpuset: a real-time VM keeps one thread per core online, so %s will be taken offline and not used",
			     plural(nodes) ? "s" : "",
			     s ? s : "?", plural(nodes) ? "" : "s", s ? s : "?");
			free(s);
		}
		xtrace_idset_free(nodes);
	}
}

/* guest_services: the VM's name names its socket (KVMRT_GS_SOCKET_DIR/NAME.sock) */
static void check_gs(struct vctx *c, const struct kvmrt_vm *vm)
{
	if (!vm->guest_services || !vm->name)
		return;
	if (strchr(vm->name, '/') || !strcmp(vm->name, ".") || !strcmp(vm->name, "..") ||
	    strlen(vm->name) > 80)
		diag(c, KVMRT_ERROR, vm, KA_GUEST_SERVICES, "the VM's name '%s' cannot name its guest services socket (no '/', at most 80 bytes)", vm->name);
	else if (vm->disabled)
		diag(c, KVMRT_WARNING, vm, KA_GUEST_SERVICES, "set on a disabled VM: kvmrt-gsd answers it only once it is enabled");
}

/* The rules between the real-time VM @a and another VM @b. */
static void check_pair(struct vctx *c, const struct kvmrt_vm *a,
		       const struct kvmrt_placement *pa, const struct kvmrt_vm *b,
		       const struct kvmrt_placement *pb, bool report_overlap)
{
	struct xtrace_idset *sib, *bnodes;
	char *s;

	if (!pa->bound)
		return;
	if (pb->bound && xtrace_idset_intersects(a->cpuset, b->cpuset) && report_overlap) {
		s = set_op(a->cpuset, b->cpuset, false);
		diag(c, KVMRT_ERROR, a, KA_CPUSET, "overlaps the cpuset of VM '%s' on CPU%s %s: a real-time VM's CPUs are its own",
		     kvmrt_vm_label(b), s && strpbrk(s, ",-") ? "s" : "",
		     s ? s : "?");
		free(s);
	}
	/* the hyper-thread siblings a real-time VM owns (and takes offline) */
	sib = xtrace_idset_dup(pa->owned);
	if (sib && pb->bound) {
		xtrace_idset_andnot(sib, a->cpuset);
		xtrace_idset_and(sib, b->cpuset);
		if (!xtrace_idset_empty(sib)) {
			s = xtrace_idset_format(sib);
			diag(c, KVMRT_ERROR, b, KA_CPUSET, "CPU%s %s %s hyper-thread sibling%s of the CPUs of real-time VM '%s', which owns them and takes them offline",
			     plural(sib) ? "s" : "", s ? s : "?", plural(sib) ? "are" : "is a",
			     plural(sib) ? "s" : "", kvmrt_vm_label(a));
			free(s);
		}
	}
	xtrace_idset_free(sib);
	/* NUMA nodes shared with a real-time VM */
	bnodes = xtrace_idset_dup(pb->cpuset_nodes);
	if (bnodes && pb->bound) {
		xtrace_idset_and(bnodes, pa->cpuset_nodes);
		if (!xtrace_idset_empty(bnodes)) {
			s = xtrace_idset_format(bnodes);
			diag(c, KVMRT_WARNING, b, KA_CPUSET, "shares NUMA node%s %s with real-time VM '%s'",
			     plural(bnodes) ? "s" : "", s ? s : "?", kvmrt_vm_label(a));
			free(s);
		}
	}
	xtrace_idset_free(bnodes);
	if (!b->numatune_auto && pb->bound &&
	    xtrace_idset_intersects(pb->numa_nodes, pa->cpuset_nodes)) {
		s = set_op(pb->numa_nodes, pa->cpuset_nodes, false);
		diag(c, KVMRT_WARNING, b, KA_NUMATUNE, "NUMA node%s %s %s used by the cpuset of real-time VM '%s'",
		     s && strpbrk(s, ",-") ? "s" : "", s ? s : "?",
		     s && strpbrk(s, ",-") ? "are" : "is", kvmrt_vm_label(a));
		free(s);
	}
}

int kvmrt_validate(const struct kvmrt_config *cfg, const struct kvmrt_topo *topo,
		   struct kvmrt_diags *d)
{
	struct vctx c = { .cfg = cfg, .topo = topo, .d = d };
	struct xtrace_idset *rt_all = xtrace_idset_new();
	struct xtrace_idset *rt_shielded = xtrace_idset_new();
	int errors = d->errors;
	bool any_rt = false;

	c.pl = calloc(cfg->nr_vms + 1, sizeof(*c.pl));
	if (!c.pl || !rt_all || !rt_shielded) {
		free(c.pl);
		xtrace_idset_free(rt_all);
		xtrace_idset_free(rt_shielded);
		return -ENOMEM;
	}
	for (int i = 0; i < cfg->nr_vms; i++) {
		c.pl[i] = kvmrt_place(cfg->vms[i], topo);
		if (!c.pl[i])
			goto oom;
		check_vm(&c, cfg->vms[i], c.pl[i]);
		check_gs(&c, cfg->vms[i]);
	}
	for (int i = 0; i < cfg->nr_vms; i++) {
		const struct kvmrt_vm *a = cfg->vms[i];

		if (!a->rt || a->disabled)
			continue;
		any_rt = true;
		if (xtrace_idset_or(rt_all, c.pl[i]->owned))
			goto oom;
		/*
		 * what kvmrt-boot shields: the vCPUs' CPUs and the siblings it takes
		 * offline; the first CPU (the emulator's) stays open to housekeeping
		 */
		for (int v = 0; v < c.pl[i]->nr_vcpus; v++)
			if (xtrace_idset_or(rt_shielded, c.pl[i]->vcpu[v]))
				goto oom;
		if (xtrace_idset_or(rt_shielded, c.pl[i]->offline))
			goto oom;
		for (int j = 0; j < cfg->nr_vms; j++) {
			const struct kvmrt_vm *b = cfg->vms[j];

			if (j == i || b->disabled)
				continue;
			/* two real-time VMs overlapping: said once */
			check_pair(&c, a, c.pl[i], b, c.pl[j], !b->rt || j > i);
		}
	}
	for (int i = 0; i < cfg->nr_vms; i++) {
		const struct kvmrt_vm *a = cfg->vms[i];

		if (a->disabled)
			continue;
		for (int j = i + 1; j < cfg->nr_vms; j++) {
			const struct kvmrt_vm *b = cfg->vms[j];

			if (b->disabled)
				continue;
			for (int x = 0; x < a->nr_pcidevs; x++)
				for (int y = 0; y < b->nr_pcidevs; y++)
					if (!strcmp(a->pcidevs[x], b->pcidevs[y]))
						diag(&c, KVMRT_ERROR, b, KA_PCIDEVS, "PCI device %s is also passed to VM '%s'",
						     b->pcidevs[y],
						     kvmrt_vm_label(a));
		}
	}
	if (kvmrt_validate_pcidevs(cfg, topo, d) < 0)
		goto oom;
	if (any_rt && xtrace_idset_subset(topo->cpus, rt_shielded)) {
		char *s = xtrace_idset_format(topo->cpus);

		kvmrt_diag_add(d, KVMRT_ERROR, cfg->path, 0, NULL, "cpuset",
			       "the real-time VMs (with their hyper-thread siblings) take every host "
			       "CPU (%s): leave at least one to the host", s ? s : "?");
		free(s);
	} else if (any_rt && xtrace_idset_subset(topo->cpus, rt_all)) {
		char *s = xtrace_idset_format(topo->cpus);

		kvmrt_diag_add(d, KVMRT_WARNING, cfg->path, 0, NULL, "cpuset",
			       "the real-time VMs (with their hyper-thread siblings) take every host CPU (%s): the host's housekeeping work and interrupts share their emulator CPUs",
			       s ? s : "?");
		free(s);
	}
	for (int i = 0; i < cfg->nr_vms; i++)
		kvmrt_placement_free(c.pl[i]);
	free(c.pl);
	xtrace_idset_free(rt_all);
	xtrace_idset_free(rt_shielded);
	return d->errors - errors;
oom:
	for (int i = 0; i < cfg->nr_vms; i++)
		kvmrt_placement_free(c.pl[i]);
	free(c.pl);
	xtrace_idset_free(rt_all);
	xtrace_idset_free(rt_shielded);
	return -ENOMEM;
}
