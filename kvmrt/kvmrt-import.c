// SPDX-License-Identifier: GPL-2.0
/* kvmrt-import: add libvirt's domains to the KVM-RT configuration. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kvmrt-tool.h"

static const char *const usage_text[] = {
	"usage: kvmrt-import [options] [VM...]",
	"",
	"Add libvirt domains (all, or those named by name or UUID) to the KVM-RT",
	"configuration, with the settings their domain XML describes. Domains already in",
	"the file are skipped, or updated from libvirt with -u. The file is created if",
	"missing; the rest of it (comments, unknown attributes) is kept.",
	"",
	"  -u, --update       update the VMs already in the file from libvirt",
	"  -n, --dry-run      print the resulting file instead of writing it",
	"  -f, --file FILE    the configuration (default $KVMRT_CONFIG or /etc/kvmrt.cfg)",
	"  -c, --connect URI  libvirt connection URI (default $KVMRT_URI, else libvirt's)",
	"      --sysfs DIR    host topology under DIR instead of /sys ($KVMRT_SYSFS)",
	"  -q, --quiet        print only errors",
	"  -h, --help         this text",
	"  -V, --version      print the version",
	"",
	"Exit status: 0 done, 1 a failure (a VM unknown to libvirt, a file with errors,",
	"libvirt unreachable), 2 usage.",
	NULL,
};

struct import_opts {
	struct kvmrt_common c;
	bool update, dry_run;
	char **names;
	int nr_names;
};

static int import_one(struct import_opts *o, struct kvmrt_config *cfg, struct kvmrt_virt *v,
		      const struct kvmrt_topo *topo, const char *key)
{
	struct kvmrt_domsettings s;
	struct kvmrt_vm *vm, *other;
	char *xml = NULL, *err = NULL;
	bool fresh;
	int ret;

	ret = kvmrt_virt_get_xml(v, key, &xml, &err);
	if (!ret)
		ret = kvmrt_domxml_read(xml, topo, &s, &err);
	free(xml);
	if (ret) {
		tool_error("VM '%s': %s", key, err ? err : strerror(-ret));
		free(err);
		return 1;
	}
	vm = kvmrt_config_find_uuid(cfg, s.uuid);
	other = kvmrt_config_find(cfg, s.val[KA_NAME]);
	if (other && other != vm) {
		tool_error("VM '%s' (%s): the file already has a VM of that name with UUID %s",
			   s.val[KA_NAME], s.uuid, other->uuid);
		kvmrt_domsettings_release(&s);
		return 1;
	}
	if (vm && !o->update) {
		if (!o->c.quiet)
			printf("skipped %s (%s): already in the configuration\n", s.val[KA_NAME],
			       s.uuid);
		kvmrt_domsettings_release(&s);
		return 0;
	}
	fresh = !vm;
	if (!vm)
		vm = kvmrt_config_add_vm(cfg, s.uuid);
	ret = vm ? kvmrt_update_vm(vm, &s, topo) : -ENOMEM;
	if (ret < 0) {
		tool_error("VM '%s': cannot take its settings: %s", s.val[KA_NAME], strerror(-ret));
		kvmrt_domsettings_release(&s);
		return 1;
	}
	if (!o->c.quiet) {
		if (fresh)
			printf("imported %s (%s)\n", s.val[KA_NAME], s.uuid);
		else if (ret)
			printf("updated %s (%s): %d attribute%s\n", s.val[KA_NAME], s.uuid, ret,
			       ret == 1 ? "" : "s");
		else
			printf("unchanged %s (%s)\n", s.val[KA_NAME], s.uuid);
	}
	kvmrt_domsettings_release(&s);
	return 0;
}

static int run_import(struct import_opts *o)
{
	struct kvmrt_config *cfg;
	struct kvmrt_topo *topo;
	struct kvmrt_virt *v = NULL;
	char **uuids = NULL, *err = NULL;
	int n = 0, ret = 1, failed = 0;

	cfg = tool_load_config(o->c.config, true, false);
	if (!cfg)
		return 1;
	topo = tool_load_topo_cfg(o->c.sysfs, cfg, false);
	if (!topo)
		goto out;
	v = tool_virt_open(o->c.uri);
	if (!v)
		goto out;
	if (o->nr_names) {
		for (int i = 0; i < o->nr_names; i++)
			failed |= import_one(o, cfg, v, topo, o->names[i]);
	} else {
		n = kvmrt_virt_list(v, &uuids, &err);
		if (n < 0) {
			tool_error("%s", err);
			goto out;
		}
		for (int i = 0; i < n; i++)
			failed |= import_one(o, cfg, v, topo, uuids[i]);
	}
	if (o->dry_run) {
		ret = kvmrt_config_write(cfg, stdout) ? 1 : failed;
		goto out;
	}
	ret = kvmrt_config_save(cfg, NULL);
	if (ret) {
		tool_error("cannot write '%s': %s", cfg->path, strerror(-ret));
		ret = 1;
		goto out;
	}
	ret = failed;
out:
	for (int i = 0; uuids && i < n; i++)
		free(uuids[i]);
	free(uuids);
	free(err);
	kvmrt_virt_close(v);
	kvmrt_topo_free(topo);
	kvmrt_config_free(cfg);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "update", no_argument, NULL, 'u' },
		{ "dry-run", no_argument, NULL, 'n' },
		{ "file", required_argument, NULL, 'f' },
		{ "connect", required_argument, NULL, 'c' },
		{ "sysfs", required_argument, NULL, OPT_SYSFS },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct import_opts o = { 0 };
	int c;

	tool_start("kvmrt-import", &o.c);
	while ((c = getopt_long(argc, argv, "unf:c:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'u': o.update = true; break;
		case 'n': o.dry_run = true; break;
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
	return tool_exit(run_import(&o));
}
