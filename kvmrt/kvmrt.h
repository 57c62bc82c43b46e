/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * libkvmrt: the KVM-RT host configuration (/etc/kvmrt.cfg), the host's CPU
 * topology, the placement of a VM's threads on host CPUs, the validation
 * rules, and the libvirt domain XML that follows from a VM's settings.
 *
 * Conventions (the same as libxtrace's):
 *  - functions returning int give 0 (or a count) on success and -errno on
 *    failure; -EINVAL means malformed input;
 *  - constructors return NULL and set errno;
 *  - the library never prints and never exits: problems in a configuration
 *    are collected as diagnostics (struct kvmrt_diags) for the tool to print,
 *    and libvirt's messages are returned as strings.
 *
 * The file format and the rules are described in docs/kvmrt.md.
 */
#ifndef _KVMRT_H
#define _KVMRT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "xtrace.h"	/* struct xtrace_idset: the ID-sets of the whole tree */

#define KVMRT_DEFAULT_CONFIG	"/etc/kvmrt.cfg"

/* ------------------------------------------------------------- diagnostics */

enum kvmrt_level { KVMRT_WARNING, KVMRT_ERROR };

struct kvmrt_diag {
	enum kvmrt_level level;
	char *file;		/* NULL when not about a file */
	int line;		/* 0 when not about a line */
	char *vm;		/* the VM's name (or UUID), NULL for the whole file */
	char *attr;		/* the attribute, NULL if none */
	char *msg;
};

struct kvmrt_diags {
	struct kvmrt_diag *v;
	int n;
	int errors;
	int warnings;
};

void kvmrt_diag_add(struct kvmrt_diags *d, enum kvmrt_level level, const char *file, int line,
		    const char *vm, const char *attr, const char *fmt, ...)
	__attribute__((format(printf, 7, 8)));
/** kvmrt_diag_format - "FILE:LINE: error: VM 'x': attr: message" (malloc'd) */
char *kvmrt_diag_format(const struct kvmrt_diag *d);
void kvmrt_diags_release(struct kvmrt_diags *d);
/** kvmrt_diags_find - the first diagnostic whose message contains @needle, or NULL */
const struct kvmrt_diag *kvmrt_diags_find(const struct kvmrt_diags *d, enum kvmrt_level level,
					  const char *needle);

/* ----------------------------------------------------------- configuration */

/* The attributes of a VM section, in the order a new section is written. */
enum kvmrt_attr_id {
	KA_NAME, KA_TITLE, KA_DESCRIPTION, KA_NR_VCPUS, KA_CPU_TOPOLOGY, KA_CPUSET, KA_RT,
	KA_RT_MEMORY, KA_NUMATUNE, KA_HIDE_KVM, KA_AUTOSTART, KA_DISABLED, KA_PCIDEVS,
	KA_COMMENTS, KA_GUEST_SERVICES, KA_NR, KA_UNKNOWN = -1,
};

/** kvmrt_attr_name - the attribute's name in the file ("nr_vcpus") */
const char *kvmrt_attr_name(enum kvmrt_attr_id a);
/** kvmrt_attr_lookup - the attribute called @name (any case), or KA_UNKNOWN */
enum kvmrt_attr_id kvmrt_attr_lookup(const char *name);

/* A name = value line of a section as it is in the file (or will be). */
struct kvmrt_attr {
	char *key;		/* as written (known attributes in lower case) */
	char *value;		/* continuation lines joined with '\n' */
	int line, last_line;	/* in the file; 0 for an attribute added since */
	bool changed;		/* set by kvmrt_vm_set: to be rewritten */
};

enum kvmrt_auto { KVMRT_AUTO = -1, KVMRT_NO = 0, KVMRT_YES = 1 };

struct kvmrt_vm {
	char *uuid;		/* the section name, as written */
	int line;		/* of the [UUID] line; 0 for a VM added since */
	struct kvmrt_attr *attrs;
	int nr_attrs;

	/* interpreted (defaults applied) by kvmrt_vm_interpret() */
	const char *name, *title, *description, *comments;
	int nr_vcpus;
	bool nr_vcpus_auto;		/* nr_vcpus = auto: the cpuset's usable CPUs - 1 */
	bool cpuset_unresolved;		/* prefixes or '~' read without a topology */
	const struct kvmrt_topo *topo;	/* borrowed, set by kvmrt_config_resolve() */
	bool topo_auto;
	int sockets, cores, threads;
	struct xtrace_idset *cpuset;	/* empty = unbound */
	bool rt;
	enum kvmrt_auto rt_memory;
	bool numatune_auto;
	struct xtrace_idset *numatune;	/* when not auto; empty = unrestricted */
	bool hide_kvm, autostart, disabled;
	char **pcidevs;			/* "0000:03:00.0" */
	int nr_pcidevs;
	unsigned guest_services;	/* GS_SVC_* bits (kvmrt-gs/gs-proto.h); 0: off */
	int attr_line[KA_NR];		/* line of each known attribute, 0 if not set */
};

/* The guest services' channel (kvmrt-gs/, docs/guest-services.md): its virtio-serial port
 * name in the guest and the directory of its host sockets (NAME.sock per VM). */
#define KVMRT_GS_CHANNEL	"org.kvmrt.gs.0"
#define KVMRT_GS_SOCKET_DIR	"/run/kvmrt-gs"

struct kvmrt_config {
	char *path;
	char **lines;		/* the file as read, for rewriting it in place */
	int nr_lines;
	struct kvmrt_vm **vms;
	int nr_vms;
	struct kvmrt_diags diags;	/* from reading the file */
};

/** kvmrt_config_new - an empty configuration to be written to @path */
struct kvmrt_config *kvmrt_config_new(const char *path);

/**
 * kvmrt_config_load - read and interpret a configuration file
 * @path: the file
 * @cfg: set to the configuration, also when the file has errors: they are in
 *	 (*cfg)->diags, each with its line
 *
 * Returns 0, or -errno when the file cannot be read (*cfg is then NULL).
 */
int kvmrt_config_load(const char *path, struct kvmrt_config **cfg);
/** kvmrt_config_parse - the same from text in memory (@path names it in messages) */
int kvmrt_config_parse(const char *text, const char *path, struct kvmrt_config **cfg);
void kvmrt_config_free(struct kvmrt_config *cfg);

/**
 * kvmrt_config_resolve - interpret again what depends on the host @topo (a
 * cpuset with prefixes or '~', nr_vcpus = auto) for every VM of @cfg; the new
 * problems are added to cfg->diags. @topo is borrowed until @cfg is freed.
 * Returns the number of errors added, or -ENOMEM.
 */
int kvmrt_config_resolve(struct kvmrt_config *cfg, const struct kvmrt_topo *topo);

/** kvmrt_config_find - the VM whose name or UUID (any case) is @key, or NULL */
struct kvmrt_vm *kvmrt_config_find(const struct kvmrt_config *cfg, const char *key);
struct kvmrt_vm *kvmrt_config_find_uuid(const struct kvmrt_config *cfg, const char *uuid);

/** kvmrt_config_add_vm - a new section [@uuid] at the end; NULL with errno */
struct kvmrt_vm *kvmrt_config_add_vm(struct kvmrt_config *cfg, const char *uuid);

/**
 * kvmrt_vm_set - set attribute @key to @value (marking it to be rewritten)
 * unless it already has that value; re-interprets the VM. Returns 1 if the
 * attribute changed, 0 if not, -errno.
 */
int kvmrt_vm_set(struct kvmrt_vm *vm, const char *key, const char *value);
/** kvmrt_vm_get - the raw value of attribute @key, or NULL when not set */
const char *kvmrt_vm_get(const struct kvmrt_vm *vm, const char *key);

/**
 * kvmrt_vm_format - attribute @a of @vm as KVM-RT interprets it, in the
 * file's syntax ("true", "2,1,1", "auto", "0-3"); malloc'd
 */
char *kvmrt_vm_format(const struct kvmrt_vm *vm, enum kvmrt_attr_id a);

/**
 * kvmrt_config_write - write the configuration: the lines of the file as read,
 * with changed attributes rewritten in place, new attributes added at the end
 * of their section and new VMs at the end; unknown attributes and comment
 * lines are kept
 */
int kvmrt_config_write(const struct kvmrt_config *cfg, FILE *f);
/** kvmrt_config_save - kvmrt_config_write() to @path (or cfg->path), atomically */
int kvmrt_config_save(const struct kvmrt_config *cfg, const char *path);

/* Parsers of the value types, shared with the tools. */
int kvmrt_parse_bool(const char *s, bool *out);
int kvmrt_parse_int(const char *s, long min, long max, long *out);
/** kvmrt_parse_pci - "03:00.0" or "0000:03:00.0" to the long form in @out[13] */
int kvmrt_parse_pci(const char *s, char out[13]);
bool kvmrt_valid_uuid(const char *s);

/* --------------------------------------------------------------- topology */

struct kvmrt_cpu {
	int id;
	bool online;
	int socket;		/* physical_package_id, -1 if unknown */
	int core_id;		/* topology/core_id, -1 if unknown */
	int core;		/* index into topo->cores */
	int node;		/* NUMA node */
};

struct kvmrt_core {
	int socket, core_id, node;
	struct xtrace_idset *cpus;	/* its hardware threads */
};

struct kvmrt_topo {
	char *root;			/* the sysfs root it was read from */
	struct xtrace_idset *cpus;	/* every present CPU */
	struct xtrace_idset *nodes;	/* every NUMA node */
	struct kvmrt_cpu *cpu;		/* indexed by CPU number, nr_cpu_ids entries */
	int nr_cpu_ids;			/* highest CPU + 1 */
	struct kvmrt_core *cores;	/* in order of their first CPU */
	int nr_cores;
	struct xtrace_idset **node_cpus;	/* indexed by node number */
	int nr_node_ids;
	struct xtrace_idset *sockets;	/* socket numbers */
};

/**
 * kvmrt_topo_load - read the CPU and NUMA topology under @sysfs ("/sys" or
 * a fake tree with devices/system/cpu and devices/system/node); NULL with
 * errno (ENOENT when there is no CPU)
 */
struct kvmrt_topo *kvmrt_topo_load(const char *sysfs);
void kvmrt_topo_free(struct kvmrt_topo *t);
/** kvmrt_topo_nodes_of - the NUMA nodes of the CPUs in @cpus (added to @nodes) */
int kvmrt_topo_nodes_of(const struct kvmrt_topo *t, const struct xtrace_idset *cpus,
			struct xtrace_idset *nodes);
/** kvmrt_topo_siblings_of - every hardware thread of the cores of @cpus (added to @out) */
int kvmrt_topo_siblings_of(const struct kvmrt_topo *t, const struct xtrace_idset *cpus,
			   struct xtrace_idset *out);
/** kvmrt_topo_first_cpu_of_socket - the lowest CPU number of @socket, or -1 */
int kvmrt_topo_first_cpu_of_socket(const struct kvmrt_topo *t, int socket);

/**
 * kvmrt_cpuset_parse - the CPUs of a cpuset value into @set: CPUs and ranges
 * ("0,1,16-19"), items prefixed n (NUMA node), c (core, numbered as
 * cpu-topology shows them), t (hardware thread: that CPU) or p (package), and
 * '~' before an item to exclude it ("n1,~t8"; "~n0" alone is every other CPU).
 * Returns 0, -EINVAL (malformed: *@bad at the item), -ERANGE, -ENOENT (*@bad at
 * an item naming a node, core, thread or package @topo does not have), -EAGAIN
 * (prefixes or '~' and no @topo to resolve them) or -ENOMEM.
 */
int kvmrt_cpuset_parse(struct xtrace_idset *set, const char *spec, const struct kvmrt_topo *topo,
		       const char **bad);
/** kvmrt_cpuset_is_plain - whether @spec has no prefix and no '~' (a plain ID-set) */
bool kvmrt_cpuset_is_plain(const char *spec);

/* -------------------------------------------------------------- placement */

/* Where a VM's threads run on the host, as KVM-RT sets it up. */
struct kvmrt_placement {
	bool bound;			/* false: empty cpuset, not bound */
	int emulator_cpu;		/* runs every non-vCPU thread; -1 if unbound */
	struct xtrace_idset **vcpu;	/* nr_vcpus sets of host CPUs */
	int nr_vcpus;
	enum { KVMRT_PROV_EXACT, KVMRT_PROV_OVER, KVMRT_PROV_UNDER, KVMRT_PROV_NONE } prov;
	bool rt_memory;			/* memory locked */
	struct xtrace_idset *numa_nodes;	/* numatune resolved; empty = unrestricted */
	struct xtrace_idset *cpuset_nodes; /* NUMA nodes of the cpuset */
	struct xtrace_idset *offline;	/* hyper-thread siblings a real-time VM takes offline */
	struct xtrace_idset *owned;	/* cpuset + every sibling a real-time VM owns */
};

/**
 * kvmrt_place - the placement of @vm on the host @topo (@topo may be NULL:
 * no NUMA nodes or siblings then); NULL with errno
 *
 * The first CPU of the cpuset runs every non-vCPU thread; vCPU i gets the
 * other CPUs j (0-based among them) with j mod nr_vcpus == i when there are
 * at least nr_vcpus of them (over-provisioned: some vCPUs get several), and
 * otherwise CPU i mod (their number) (under-provisioned: vCPUs share). With
 * a one-CPU cpuset every thread runs on that CPU. For a real-time VM the
 * cpuset is taken without its siblings going offline (kvmrt_place_offline).
 */
struct kvmrt_placement *kvmrt_place(const struct kvmrt_vm *vm, const struct kvmrt_topo *topo);
void kvmrt_placement_free(struct kvmrt_placement *p);
/**
 * kvmrt_place_offline - the hyper-thread siblings real-time @vm takes offline
 * on @topo (none when it is not real-time or @topo is NULL), added to
 * @offline: every CPU of the cores its cpuset touches but the lowest of the
 * cpuset's CPUs on each. Its vCPUs run on the cpuset without them. 0 or -ENOMEM.
 */
int kvmrt_place_offline(const struct kvmrt_vm *vm, const struct kvmrt_topo *topo,
			struct xtrace_idset *offline);

/* ------------------------------------------------------------- validation */

/**
 * kvmrt_validate - apply the KVM-RT rules to @cfg on the host @topo, adding
 * errors and warnings to @d (each naming the VM, the attribute and the CPUs
 * or nodes involved). Returns the number of errors added.
 */
int kvmrt_validate(const struct kvmrt_config *cfg, const struct kvmrt_topo *topo,
		   struct kvmrt_diags *d);

/**
 * kvmrt_validate_pcidevs - the pcidevs rules on the host of @topo (read under
 * topo->root): each device of a VM that is not disabled exists and is in an
 * IOMMU group whose other devices (PCI bridges aside) go to the same VM;
 * a warning when its NUMA node is not one of the cpuset's. Part of
 * kvmrt_validate(). Returns the number of errors added, or -ENOMEM.
 */
int kvmrt_validate_pcidevs(const struct kvmrt_config *cfg, const struct kvmrt_topo *topo,
			   struct kvmrt_diags *d);
/**
 * kvmrt_pci_irqs - the IRQs of PCI device @addr ("0000:03:00.0") now: its INTx
 * line, its MSI/MSI-X vectors (msi_irqs/) and the IRQs /proc/interrupts names
 * after it (VFIO's handlers), those the kernel has under @procfs/irq, added to
 * @irqs. Returns 0, -ENOENT when @sysfs has no such device, -ENOMEM.
 */
int kvmrt_pci_irqs(const char *sysfs, const char *procfs, const char *addr,
		   struct xtrace_idset *irqs);

/* ------------------------------------------------------- libvirt domain XML */

/**
 * kvmrt_domxml_apply - @vm's settings written into the domain XML @xml
 * @out: the new XML (malloc'd) on success
 * @changed: whether anything changed
 * @err: on failure, a message (malloc'd)
 *
 * Sets name, title, description, vcpu count, CPU topology, the cputune pins
 * (vcpupin, emulatorpin, iothreadpin) and vcpusched FIFO for real-time VMs,
 * numatune memory strict, memoryBacking locked, hidden KVM, the PCI host
 * devices and memballoon none for real-time VMs. Every other element and
 * attribute is kept.
 */
int kvmrt_domxml_apply(const char *xml, const struct kvmrt_vm *vm, const struct kvmrt_topo *topo,
		       char **out, bool *changed, char **err);

/* The attributes read back from a domain XML, in the file's syntax. */
struct kvmrt_domsettings {
	char uuid[37];
	char *val[KA_NR];	/* NULL: not described by the XML (keep the file's) */
};

/**
 * kvmrt_domxml_read - the KVM-RT attributes that the domain XML @xml
 * describes (name, title, description, nr_vcpus, cpu_topology, cpuset, rt,
 * rt_memory, numatune, hide_kvm, pcidevs); "auto" where the XML matches
 * what auto would give on @topo
 */
int kvmrt_domxml_read(const char *xml, const struct kvmrt_topo *topo,
		      struct kvmrt_domsettings *s, char **err);
void kvmrt_domsettings_release(struct kvmrt_domsettings *s);

/* ---------------------------------------------------------------- libvirt */

struct kvmrt_virt;

/** kvmrt_virt_open - connect to libvirt at @uri (NULL: libvirt's default); NULL + @err */
struct kvmrt_virt *kvmrt_virt_open(const char *uri, char **err);
void kvmrt_virt_close(struct kvmrt_virt *v);

/** kvmrt_virt_list - the UUIDs of every domain (malloc'd array of malloc'd strings) */
int kvmrt_virt_list(struct kvmrt_virt *v, char ***uuids, char **err);
/**
 * kvmrt_virt_get_xml - the persistent (inactive) XML of the domain with UUID
 * or name @key; -ENOENT when libvirt does not know it
 */
int kvmrt_virt_get_xml(struct kvmrt_virt *v, const char *key, char **xml, char **err);
/**
 * kvmrt_virt_state - the state of domain @key: "running", "paused", "shut off",
 * "crashed", "shutting down", "blocked", "suspended" or "unknown" in @state
 * (static); -ENOENT when libvirt does not know it
 */
int kvmrt_virt_state(struct kvmrt_virt *v, const char *key, const char **state, char **err);
/** kvmrt_virt_define - define (or redefine) a domain from @xml */
int kvmrt_virt_define(struct kvmrt_virt *v, const char *xml, char **err);
/** kvmrt_virt_rename - rename the inactive domain @uuid to @name */
int kvmrt_virt_rename(struct kvmrt_virt *v, const char *uuid, const char *name, char **err);

/**
 * kvmrt_virt_start - start the defined domain @key (virDomainCreate); on
 * failure -EIO and libvirt's message alone in @err (free it), -ENOENT when
 * libvirt does not know the domain
 */
int kvmrt_virt_start(struct kvmrt_virt *v, const char *key, char **err);
/** kvmrt_virt_shutdown - ask the guest to shut down (ACPI); the same returns */
int kvmrt_virt_shutdown(struct kvmrt_virt *v, const char *key, char **err);
/** kvmrt_virt_destroy - stop the domain at once (virDomainDestroy); the same returns */
int kvmrt_virt_destroy(struct kvmrt_virt *v, const char *key, char **err);

/**
 * kvmrt_sync_vm - write @vm's settings into its libvirt domain (found by UUID)
 * by redefining its XML. @changed tells whether the domain changed; with
 * @dry_run the new XML is only returned in @xml_out (may be NULL).
 * Returns 0, -ENOENT when libvirt does not know the VM, -errno (@err set).
 */
int kvmrt_sync_vm(struct kvmrt_virt *v, const struct kvmrt_vm *vm, const struct kvmrt_topo *topo,
		  bool dry_run, bool *changed, char **xml_out, char **err);

/**
 * kvmrt_update_vm - set @vm's attributes from its libvirt domain's XML
 * (kvmrt-sync-config -r, kvmrt-import -u); autostart, disabled, comments and
 * unknown attributes stay, and so does a value written another way that means
 * the same on @topo ("1,4,1" for auto with 4 vCPUs). A VM without any
 * attribute yet (a new one) gets every attribute written out. Returns the
 * number of attributes changed or -errno.
 */
int kvmrt_update_vm(struct kvmrt_vm *vm, const struct kvmrt_domsettings *s,
		    const struct kvmrt_topo *topo);

/* ---------------------------------------------------------- host inspection */

struct kvmrt_irq {
	char *irq;		/* "24", "NMI", ... (numbered ones only are listed) */
	struct xtrace_idset *affinity;
	struct xtrace_idset *effective;	/* NULL when the kernel does not tell */
	char *name;		/* the actions of /proc/interrupts, "" if none */
};

/** kvmrt_irqs_load - every IRQ of /proc/irq under @procfs, in number order */
int kvmrt_irqs_load(const char *procfs, struct kvmrt_irq **irqs, int *n);
void kvmrt_irqs_free(struct kvmrt_irq *irqs, int n);

struct kvmrt_task {
	int pid, tid;
	char *comm;
	int policy;		/* SCHED_OTHER, SCHED_FIFO, ... */
	int rt_priority;
	int last_cpu;		/* the CPU it last ran on (stat field 39) */
	struct xtrace_idset *affinity;
};

/** kvmrt_tasks_load - every thread of every process under @procfs, by pid and tid */
int kvmrt_tasks_load(const char *procfs, struct kvmrt_task **tasks, int *n);
void kvmrt_tasks_free(struct kvmrt_task *tasks, int n);
const char *kvmrt_policy_name(int policy);

/**
 * kvmrt_find_qemu - the PID of the QEMU process of the VM with UUID @uuid
 * (its command line has "-uuid UUID") under @procfs; 0 if none runs, -errno
 */
int kvmrt_find_qemu(const char *procfs, const char *uuid);

/* What a QEMU thread does, from its name. */
enum kvmrt_thread_role { KVMRT_THREAD_EMULATOR, KVMRT_THREAD_VCPU, KVMRT_THREAD_IOTHREAD };

/**
 * kvmrt_thread_role - the role of the QEMU thread named @comm: "CPU n/KVM" or
 * "CPU n/TCG" is vCPU n (*@vcpu), "IO iothreadN" an I/O thread, anything else
 * (the main thread, "worker", "SPICE Worker", "IO mon_iothread") the emulator's
 */
enum kvmrt_thread_role kvmrt_thread_role(const char *comm, int *vcpu);

/* ------------------------------------------------------------ host checks */

enum kvmrt_check_level { KVMRT_PASS, KVMRT_WARN, KVMRT_FAIL };

/* One line of kvmrt-validate-host. */
struct kvmrt_check {
	enum kvmrt_check_level level;
	char *what;		/* "kernel preemption", "isolcpus", ... */
	char *result;		/* what was found */
	char *fix;		/* how to fix it (WARN and FAIL), NULL if none */
};

struct kvmrt_checks {
	struct kvmrt_check *v;
	int n;
	enum kvmrt_check_level worst;
};

/* Where the host is read: "/sys", "/proc", "/dev" or fake trees. */
struct kvmrt_host_roots {
	const char *sysfs, *procfs, *devfs;
};

/**
 * kvmrt_check_host - check whether the host can run real-time VMs: kernel
 * preemption model, boot parameters, IOMMU and VFIO, /dev/kvm and the kvm
 * modules, SMT, cpufreq, idle states, irqbalance, THP, RT throttling, timer
 * migration, RT group scheduling, the cpuset cgroup, the memlock limit and
 * chronyd. @cfg (may be NULL) gives the real-time CPUs (placed on @topo) and
 * the PCI devices the checks are about. Checks are added to @c (release it).
 * Returns 0 or -ENOMEM.
 */
int kvmrt_check_host(const struct kvmrt_host_roots *r, const struct kvmrt_config *cfg,
		     const struct kvmrt_topo *topo, struct kvmrt_checks *c);
/** kvmrt_checks_add - add a check; @fix is dropped for PASS. 0 or -ENOMEM */
int kvmrt_checks_add(struct kvmrt_checks *c, enum kvmrt_check_level level, const char *what,
		     const char *fix, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void kvmrt_checks_release(struct kvmrt_checks *c);
/** kvmrt_checks_find - the first check called @what, or NULL */
const struct kvmrt_check *kvmrt_checks_find(const struct kvmrt_checks *c, const char *what);
const char *kvmrt_check_level_name(enum kvmrt_check_level l);
/**
 * kvmrt_cmdline_param - the value of kernel parameter @name on @cmdline (the
 * last wins; "" for a bare flag; words after "--" are init's), NULL when absent;
 * free it
 */
char *kvmrt_cmdline_param(const char *cmdline, const char *name);

/* ----------------------------------------------------------------- shield */

/* What kvmrt_shield_apply() does for one real-time VM. */
struct kvmrt_shield_req {
	const char *sysfs, *procfs;	/* "/sys", "/proc" or fake trees */
	const char *name;		/* the VM's cpuset is kvmrt-NAME (its UUID) */
	const struct xtrace_idset *cpus;		/* shielded: the VM's cpuset */
	const struct xtrace_idset *offline;	/* hyper-thread siblings to take offline */
	const struct xtrace_idset *housekeeping;	/* where everything else goes */
	const int *pids;	/* the processes whose threads move to housekeeping; */
	int nr_pids;		/* -1: every task of the root cpuset */
	/*
	 * the journal of what every shield shares (housekeeping cpuset, task
	 * moves, workqueues, IRQs, default affinity: for all real-time VMs
	 * at once), undone with the last shield; NULL: in the VM's journal
	 */
	const char *host_journal;
};

/**
 * kvmrt_shield_apply - shield @q->cpus: siblings offline, the cgroup v1
 * cpusets kvmrt-housekeeping and kvmrt-NAME (exclusive, no load balancing),
 * the tasks in scope moved to housekeeping, IRQs (smp_affinity_list) and
 * default_smp_affinity off the shielded CPUs. Each change is appended to the
 * journal @journal before it is made. @report (malloc'd) says what was done
 * and what could not be (managed IRQs by number and device). Returns 0 or
 * -errno; on failure the journal holds what was changed (kvmrt_shield_undo).
 */
int kvmrt_shield_apply(const struct kvmrt_shield_req *q, const char *journal, char **report);
/**
 * kvmrt_shield_pin_irqs - pin IRQs @irqs (a real-time VM's passthrough devices')
 * to @cpus (the VM's), each old smp_affinity_list journalled in @journal
 * (appended: kvmrt_shield_undo restores them). @report (malloc'd) says what
 * was pinned and what the kernel refused. Returns 0 or -errno.
 */
int kvmrt_shield_pin_irqs(const char *procfs, const struct xtrace_idset *irqs,
			  const struct xtrace_idset *cpus, const char *journal, char **report);
/**
 * kvmrt_shield_undo - undo the journal @journal from its end (old values
 * written back, tasks moved back, cpusets removed), then remove it. A
 * missing journal is nothing to undo. @report (malloc'd) lists what failed.
 */
int kvmrt_shield_undo(const char *journal, char **report);
/** xtrace_idset_mask - the set as the kernel's hex CPU mask ("f", "1,00000000"); malloc'd */
char *xtrace_idset_mask(const struct xtrace_idset *set);
/** kvmrt_rm_files - remove the files of directory @dir, then @dir (fake trees) */
int kvmrt_rm_files(const char *dir);

/* ------------------------------------------------------------------ utils */

/** kvmrt_read_file - a whole file (malloc'd, NUL-terminated); NULL with errno */
char *kvmrt_read_file(const char *path, size_t *len);
/** kvmrt_read_line_at - the first line of @dir/@name, trimmed, in @buf */
int kvmrt_read_line_at(const char *dir, const char *name, char *buf, size_t len);

#endif
