// SPDX-License-Identifier: GPL-2.0
/*
 * kvmrt-sync-config: write each VM's KVM-RT settings into its libvirt
 * domain XML, or (-r) read them back from libvirt into the file.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kvmrt-tool.h"

static const char *const usage_text[] = {
	"usage: kvmrt-sync-config [options] [VM...]",
	"",
	"Write the settings of the VMs of the KVM-RT configuration (all, or those named",
	"by name or UUID) into their libvirt domains: vcpu count, CPU topology, vcpupin,",
	"emulatorpin and iothreadpin from cpuset, vcpusched FIFO for real-time VMs,",
	"numatune strict, locked memory, hidden KVM, PCI host devices, no memory balloon",
	"for real-time VMs. Nothing else in the domain XML changes. A configuration with",
	"errors is refused. Disabled VMs are left alone unless named or --all.",
	"",
	"  -a, --all          disabled VMs too",
	"  -r, --reverse      the other way: update the file from the libvirt domains",
	"                     (after editing the domain XML outside KVM-RT)",
	"  -n, --dry-run      change nothing: print the new domain XML (or with -r the",
	"                     new file)",
	"  -p, --print-xml    print each domain's XML as libvirt has it after the sync",
	"      --force        sync even if the validation rules find errors",
	"  -f, --file FILE    the configuration (default $KVMRT_CONFIG or /etc/kvmrt.cfg)",
	"  -c, --connect URI  libvirt connection URI (default $KVMRT_URI, else libvirt's)",
	"      --sysfs DIR    host topology under DIR instead of /sys ($KVMRT_SYSFS)",
	"  -q, --quiet        print only errors",
	"  -h, --help         this text",
	"  -V, --version      print the version",
	"",
	"Exit status: 0 in sync, 1 a failure (a VM unknown to libvirt, a file with",
	"errors, libvirt refused the XML or is unreachable), 2 usage.",
	NULL,
};

enum { OPT_FORCE = 2000 };

struct sync_opts {
	struct kvmrt_common c;
	bool reverse, dry_run, print_xml, force, all;
	char **names;
	int nr_names;
};

static int to_libvirt(struct sync_opts *o, struct kvmrt_virt *v, struct kvmrt_vm **vms, int n,
		      const struct kvmrt_topo *topo)
{
	int failed = 0;

	for (int i = 0; i < n; i++) {
		char *xml = NULL, *err = NULL;
		bool changed;
		int ret;

		ret = kvmrt_sync_vm(v, vms[i], topo, o->dry_run, &changed,
				    o->dry_run || o->print_xml ? &xml : NULL, &err);
		if (ret) {
			tool_error("VM '%s': %s", vms[i]->name,
				   err ? err : strerror(-ret));
			failed = 1;
		} else {
			if (!o->c.quiet && !o->dry_run)
				printf("%s %s\n", changed ? "synced" : "in sync:", vms[i]->name);
			if (xml)
				fputs(xml, stdout);
		}
		free(xml);
		free(err);
	}
	return failed;
}

static int from_libvirt(struct sync_opts *o, struct kvmrt_config *cfg, struct kvmrt_virt *v,
			struct kvmrt_vm **vms, int n, const struct kvmrt_topo *topo)
{
	int failed = 0, ret;

	for (int i = 0; i < n; i++) {
		struct kvmrt_domsettings s;
		char *xml = NULL, *err = NULL;

		ret = kvmrt_virt_get_xml(v, vms[i]->uuid, &xml, &err);
		if (ret == -ENOENT) {
			free(err);
			if (asprintf(&err, "unknown to libvirt (no domain with UUID %s)",
				     vms[i]->uuid) < 0)
				err = NULL;
		}
		if (!ret)
			ret = kvmrt_domxml_read(xml, topo, &s, &err);
		free(xml);
		if (!ret) {
			ret = kvmrt_update_vm(vms[i], &s, topo);
			kvmrt_domsettings_release(&s);
			if (ret < 0 && !err)
				err = strdup("a value from libvirt does not fit the file");
		}
		if (ret < 0) {
			tool_error("VM '%s': %s", vms[i]->name, err ? err : strerror(-ret));
			failed = 1;
		} else if (!o->c.quiet) {
			if (ret)
				printf("updated %s: %d attribute%s\n", vms[i]->name, ret,
				       ret == 1 ? "" : "s");
			else
				printf("in sync: %s\n", vms[i]->name);
		}
		free(err);
	}
	if (o->dry_run)
		return kvmrt_config_write(cfg, stdout) ? 1 : failed;
	ret = kvmrt_config_save(cfg, NULL);
	if (ret)
		return tool_error("cannot write '%s': %s", cfg->path, strerror(-ret));
	return failed;
}

static int run_sync(struct sync_opts *o)
{
	struct kvmrt_config *cfg;
	struct kvmrt_topo *topo = NULL;
	struct kvmrt_virt *v = NULL;
	struct kvmrt_vm **vms = NULL;
	int n, ret = 1;

	cfg = tool_load_config(o->c.config, false, false);
	if (!cfg)
		return 1;
	topo = tool_load_topo_cfg(o->c.sysfs, cfg, false);
	if (!topo)
		goto out;
	vms = tool_select(cfg, o->names, o->nr_names, &n);
	if (!vms)
		goto out;
	/* a disabled VM is not KVM-RT's (guide 1.4): left alone unless asked for */
	if (!o->nr_names && !o->all) {
		int kept = 0;

		for (int i = 0; i < n; i++) {
			if (!vms[i]->disabled)
				vms[kept++] = vms[i];
			else if (!o->c.quiet)
				printf("skipped %s (disabled: --all or its name syncs it)\n",
				       vms[i]->name);
		}
		n = kept;
	}
	if (!o->reverse) {
		struct kvmrt_diags d = { 0 };

		if (kvmrt_validate(cfg, topo, &d) > 0 && !o->force) {
			tool_print_diags(&d, stderr, true);
			tool_error("'%s' breaks the KVM-RT rules: nothing synced (--force to sync anyway)",
				   cfg->path);
			kvmrt_diags_release(&d);
			goto out;
		}
		kvmrt_diags_release(&d);
	}
	v = tool_virt_open(o->c.uri);
	if (!v)
		goto out;
	if (o->reverse)
		ret = from_libvirt(o, cfg, v, vms, n, topo);
	else
		ret = to_libvirt(o, v, vms, n, topo);
out:
	free(vms);
	kvmrt_virt_close(v);
	kvmrt_topo_free(topo);
	kvmrt_config_free(cfg);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "reverse", no_argument, NULL, 'r' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "print-xml", no_argument, NULL, 'p' },
		{ "force", no_argument, NULL, OPT_FORCE },
		{ "all", no_argument, NULL, 'a' },
		{ "file", required_argument, NULL, 'f' },
		{ "connect", required_argument, NULL, 'c' },
		{ "sysfs", required_argument, NULL, OPT_SYSFS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct sync_opts o = { 0 };
	int c;

	tool_start("kvmrt-sync-config", &o.c);
	while ((c = getopt_long(argc, argv, "arnpf:c:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'a': o.all = true; break;
		case 'r': o.reverse = true; break;
		case 'n': o.dry_run = true; break;
		case 'p': o.print_xml = true; break;
		case OPT_FORCE: o.force = true; break;
		case 'f': o.c.config = optarg; break;
		case 'c': o.c.uri = optarg; break;
		case OPT_SYSFS: o.c.sysfs = optarg; break;
		case 'q': o.c.quiet = true; break;
		case 'h': tool_usage(stdout, usage_text); return tool_exit(0);
		case 'V': return tool_exit(tool_version());
		default: return tool_try_help();
		}
	}
	o.names = argv + optind;
	o.nr_names = argc - optind;
	return tool_exit(run_sync(&o));
}
