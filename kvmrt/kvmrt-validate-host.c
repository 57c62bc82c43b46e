// SPDX-License-Identifier: GPL-2.0
/*
 * kvmrt-validate-host: can this host run real-time VMs? One line per check,
 * PASS, WARN or FAIL, with the fix (like virt-host-validate).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kvmrt-tool.h"

enum { OPT_DEV = 1100, OPT_NO_LIBVIRT };

static const char *const usage_text[] = {
	"usage: kvmrt-validate-host [options]",
	"",
	"Check whether this host is fit to run KVM-RT's real-time VMs: the kernel's",
	"preemption model, the boot parameters (isolcpus, nohz_full, rcu_nocbs, irqaffinity,",
	"the IOMMU, vfio-pci.ids), IOMMU groups and VFIO, /dev/kvm and the kvm modules, SMT,",
	"the cpufreq governor and idle states, irqbalance, transparent huge pages, RT",
	"throttling, timer migration, RT group scheduling in libvirt's cgroup, the cpuset",
	"cgroup, the memlock limit, libvirt and chronyd. One line per check:",
	"PASS, WARN or FAIL, what it is about and what was found; then the fix.",
	"With a configuration file the boot parameters are checked against the CPUs the",
	"real-time VMs own and the PCI devices against pcidevs.",
	"",
	"  -f, --file FILE     the configuration (default $KVMRT_CONFIG or /etc/kvmrt.cfg;",
	"                      the default may be missing)",
	"  -c, --connect URI   the libvirt connection to try ($KVMRT_URI)",
	"      --no-libvirt    do not try libvirt",
	"      --sysfs DIR     read DIR instead of /sys ($KVMRT_SYSFS)",
	"      --proc DIR      read DIR instead of /proc ($KVMRT_PROCFS)",
	"      --dev DIR       look for kvm in DIR instead of /dev ($KVMRT_DEVFS)",
	"  -q, --quiet         print only the WARN and FAIL lines",
	"  -h, --help          this text",
	"  -V, --version       print the version",
	"",
	"Exit status: 0 every check passed, 1 warnings, 2 failures (or a usage error,",
	"or a configuration that cannot be read).",
	NULL,
};

static void print_check(const struct kvmrt_check *k)
{
	printf("%s  %-20s %s\n", kvmrt_check_level_name(k->level), k->what, k->result);
	if (k->fix)
		printf("      fix: %s\n", k->fix);
}

static int check_libvirt(struct kvmrt_checks *c, const char *uri)
{
	char *err = NULL, **uuids = NULL;
	struct kvmrt_virt *v = kvmrt_virt_open(uri, &err);
	int n, ret;

	if (!v) {
		ret = kvmrt_checks_add(c, KVMRT_FAIL, "libvirt", "start libvirtd (systemctl enable --now libvirtd) or give the URI with -c",
				       "not reachable: %s", err ? err : "?");
		free(err);
		return ret;
	}
	n = kvmrt_virt_list(v, &uuids, &err);
	if (n < 0)
		ret = kvmrt_checks_add(c, KVMRT_FAIL, "libvirt", "check libvirtd's log",
				       "connected to %s but cannot list domains: %s",
				       uri ? uri : "libvirt's default", err ? err : "?");
	else
		ret = kvmrt_checks_add(c, KVMRT_PASS, "libvirt", NULL, "%s answers, %d domain%s",
				       uri ? uri : "libvirt's default connection", n,
				       n == 1 ? "" : "s");
	for (int i = 0; n > 0 && i < n; i++)
		free(uuids[i]);
	free(uuids);
	free(err);
	kvmrt_virt_close(v);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "connect", required_argument, NULL, 'c' },
		{ "no-libvirt", no_argument, NULL, OPT_NO_LIBVIRT },
		{ "sysfs", required_argument, NULL, OPT_SYSFS },
		{ "proc", required_argument, NULL, OPT_PROC },
		{ "dev", required_argument, NULL, OPT_DEV },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct kvmrt_host_roots roots = { .procfs = getenv("KVMRT_PROCFS"),
					  .devfs = getenv("KVMRT_DEVFS") };
	struct kvmrt_config *cfg = NULL;
	struct kvmrt_checks checks = { 0 };
	struct kvmrt_topo *topo;
	bool file_given = getenv("KVMRT_CONFIG") && *getenv("KVMRT_CONFIG");
	bool libvirt = true;
	struct kvmrt_common o;
	int c, ret;

	tool_start("kvmrt-validate-host", &o);
	if (!roots.procfs || !*roots.procfs)
		roots.procfs = "/proc";
	if (!roots.devfs || !*roots.devfs)
		roots.devfs = "/dev";
	while ((c = getopt_long(argc, argv, "f:c:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': o.config = optarg; file_given = true; break;
		case 'c': o.uri = optarg; break;
		case OPT_NO_LIBVIRT: libvirt = false; break;
		case OPT_SYSFS: o.sysfs = optarg; break;
		case OPT_PROC: roots.procfs = optarg; break;
		case OPT_DEV: roots.devfs = optarg; break;
		case 'q': o.quiet = true; break;
		case 'h': tool_usage(stdout, usage_text); return tool_exit(0);
		case 'V': return tool_exit(tool_version());
		default: return tool_try_help();
		}
	}
	if (optind < argc)
		return tool_bad_usage("unexpected argument '%s'", argv[optind]);
	roots.sysfs = o.sysfs;

	if (file_given || access(o.config, F_OK) == 0) {
		cfg = tool_load_config(o.config, false, false);
		if (!cfg)
			return 2;
	}
	topo = tool_load_topo_cfg(o.sysfs, cfg, false);
	if (!topo) {
		kvmrt_config_free(cfg);
		return 2;
	}
	ret = kvmrt_check_host(&roots, cfg, topo, &checks);
	if (!ret && libvirt)
		ret = check_libvirt(&checks, o.uri);
	if (ret) {
		tool_error("out of memory");
		ret = 2;
		goto out;
	}
	for (int i = 0; i < checks.n; i++)
		if (!o.quiet || checks.v[i].level != KVMRT_PASS)
			print_check(&checks.v[i]);
	ret = checks.worst == KVMRT_FAIL ? 2 : checks.worst == KVMRT_WARN ? 1 : 0;
	if (!o.quiet) {
		int n[3] = { 0 };

		for (int i = 0; i < checks.n; i++)
			n[checks.v[i].level]++;
		printf("%d checks: %d passed, %d warnings, %d failures\n", checks.n, n[KVMRT_PASS],
		       n[KVMRT_WARN], n[KVMRT_FAIL]);
	}
out:
	kvmrt_checks_release(&checks);
	kvmrt_topo_free(topo);
	kvmrt_config_free(cfg);
	return tool_exit(ret);
}
