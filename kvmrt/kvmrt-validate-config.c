// SPDX-License-Identifier: GPL-2.0
/*
 * kvmrt-validate-config: check the KVM-RT configuration against the rules
 * and the host's topology.
 */
#include <stdio.h>
#include <stdlib.h>

#include "kvmrt-tool.h"

static const char *const usage_text[] = {
	"usage: kvmrt-validate-config [options]",
	"",
	"Check the KVM-RT configuration: its syntax and values, then the real-time rules",
	"against the host's CPU topology (sockets, cores, hyper-threads, NUMA nodes).",
	"Each problem is printed as FILE:LINE: error|warning: VM 'name': attribute: message.",
	"",
	"  -f, --file FILE          the configuration (default $KVMRT_CONFIG or /etc/kvmrt.cfg)",
	"      --sysfs DIR          read the topology under DIR instead of /sys ($KVMRT_SYSFS)",
	"  -W, --warnings-as-errors exit 2 on warnings too",
	"  -q, --quiet              print only the problems, not the summary line",
	"  -h, --help               this text",
	"  -V, --version            print the version",
	"",
	"Exit status: 0 valid, 1 warnings only, 2 errors (or -W and warnings, or a file",
	"that cannot be read, or a usage error).",
	NULL,
};

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "sysfs", required_argument, NULL, OPT_SYSFS },
		{ "warnings-as-errors", no_argument, NULL, 'W' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct kvmrt_common o;
	struct kvmrt_config *cfg;
	struct kvmrt_topo *topo;
	bool werror = false;
	int c, ret, errors, warnings;

	tool_start("kvmrt-validate-config", &o);
	while ((c = getopt_long(argc, argv, "f:WqhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': o.config = optarg; break;
		case OPT_SYSFS: o.sysfs = optarg; break;
		case 'W': werror = true; break;
		case 'q': o.quiet = true; break;
		case 'h': tool_usage(stdout, usage_text); return tool_exit(0);
		case 'V': return tool_exit(tool_version());
		default: return tool_try_help();
		}
	}
	if (optind < argc)
		return tool_bad_usage("unexpected argument '%s'", argv[optind]);

	cfg = tool_load_config(o.config, false, true);
	if (!cfg)
		return 2;
	topo = tool_load_topo_cfg(o.sysfs, cfg, true);
	if (!topo) {
		kvmrt_config_free(cfg);
		return 2;
	}
	ret = kvmrt_validate(cfg, topo, &cfg->diags);
	if (ret < 0) {
		tool_error("out of memory");
		ret = 2;
		goto out;
	}
	tool_print_diags(&cfg->diags, stdout, false);
	errors = cfg->diags.errors;
	warnings = cfg->diags.warnings;
	if (!o.quiet)
		printf("%s: %d VM%s, %d error%s, %d warning%s\n", cfg->path, cfg->nr_vms,
		       cfg->nr_vms == 1 ? "" : "s", errors, errors == 1 ? "" : "s", warnings,
		       warnings == 1 ? "" : "s");
	ret = errors ? 2 : warnings ? (werror ? 2 : 1) : 0;
out:
	kvmrt_topo_free(topo);
	kvmrt_config_free(cfg);
	return tool_exit(ret);
}
