// SPDX-License-Identifier: GPL-2.0
/*
 * kvmrt-shutdown: shut VMs down through libvirt (ACPI, then with --forced a
 * destroy after the timeout) and undo the shield kvmrt-boot journalled.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kvmrt-tool.h"

enum { OPT_STATE_DIR = 1200, OPT_ALL, OPT_FORCED, OPT_TIMEOUT };

static const char *const usage_text[] = {
	"usage: kvmrt-shutdown [options] [VM...]",
	"",
	"Shut down the VMs named (by name or UUID), or every VM of the configuration that",
	"is not disabled: an ACPI shutdown request, then a wait for the VM to be off.",
	"Once it is off, the shield kvmrt-boot put in place (STATE_DIR/UUID.state) is",
	"undone: CPUs online, cpusets removed, tasks and IRQ affinities as before boot.",
	"",
	"      --forced         destroy a VM that is still running after the timeout",
	"      --timeout S      seconds to wait for each VM (default 60)",
	"      --all            disabled VMs too",
	"  -f, --file FILE      the configuration (default $KVMRT_CONFIG or /etc/kvmrt.cfg)",
	"  -c, --connect URI    the libvirt connection ($KVMRT_URI)",
	"      --state-dir DIR  kvmrt-boot's journals ($KVMRT_STATE_DIR, /run/kvmrt)",
	"  -h, --help           this text",
	"  -V, --version        print the version",
	"",
	"Exit status: 0 every VM off and its shield undone, 1 a VM could not be stopped",
	"(its shield stays) or a shield could not be undone, 2 usage.",
	NULL,
};

struct shutdown_opts {
	struct kvmrt_common c;
	const char *state_dir;
	double timeout;
	bool forced, all;
};

static bool is_running(const char *state)
{
	return strcmp(state, "shut off") && strcmp(state, "crashed") && strcmp(state, "unknown");
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* wait up to @timeout seconds for VM @uuid to stop; true when it has */
static bool wait_off(struct kvmrt_virt *v, const char *uuid, double timeout)
{
	double end = now() + timeout;

	for (;;) {
		const char *state = "unknown";
		char *err = NULL;
		int ret = kvmrt_virt_state(v, uuid, &state, &err);

		free(err);
		if (ret == -ENOENT || (!ret && !is_running(state)))
			return true;
		if (now() >= end)
			return false;
		usleep(100000);
	}
}

/* Stop one VM and undo its shield: 0, or 1 when it still runs or the undo failed. */
static int shutdown_vm(const struct shutdown_opts *o, struct kvmrt_virt *v,
		       const struct kvmrt_vm *vm)
{
	char *err = NULL, *journal = tool_journal_path(o->state_dir, vm->uuid);
	const char *state = "unknown";
	int ret;

	if (!journal)
		return tool_error("out of memory");
	ret = kvmrt_virt_state(v, vm->uuid, &state, &err);
	if (ret == -ENOENT) {
		state = "undefined";
	} else if (ret) {
		ret = tool_error("%s: %s", vm->name, err);
		goto out;
	}
	ret = 0;
	if (!is_running(state)) {
		printf("%s: not running (%s)\n", vm->name, state);
	} else {
		if (kvmrt_virt_shutdown(v, vm->uuid, &err)) {
			/* a paused VM cannot take an ACPI request: the timeout decides */
			printf("%s: ACPI shutdown refused: %s\n", vm->name, err);
			free(err);
			err = NULL;
		}
		if (wait_off(v, vm->uuid, o->timeout)) {
			printf("%s: shut down\n", vm->name);
		} else if (!o->forced) {
			ret = tool_error("%s: still running after %g s (--forced destroys it); its shield stays",
					 vm->name, o->timeout);
			goto out;
		} else if (kvmrt_virt_destroy(v, vm->uuid, &err) || !wait_off(v, vm->uuid, 10)) {
			ret = tool_error("%s: cannot destroy the VM: %s; its shield stays", vm->name,
					 err ? err : "still running");
			goto out;
		} else {
			printf("%s: destroyed (still running after %g s)\n", vm->name, o->timeout);
		}
	}
	if (tool_undo_shield(vm->name, journal))
		ret = 1;
out:
	free(err);
	free(journal);
	return ret ? 1 : 0;
}

static int run_shutdown(const struct shutdown_opts *o, char **names, int nr_names)
{
	struct kvmrt_config *cfg = tool_load_config(o->c.config, false, true);
	struct kvmrt_virt *v = NULL;
	struct kvmrt_vm **vms = NULL;
	int count = 0, ret = 1;

	if (!cfg)
		return 1;
	vms = tool_select(cfg, names, nr_names, &count);
	if (!vms)
		goto out;
	v = tool_virt_open(o->c.uri);
	if (!v)
		goto out;
	ret = 0;
	for (int i = 0; i < count; i++) {
		if (!nr_names && vms[i]->disabled && !o->all)
			continue;
		if (shutdown_vm(o, v, vms[i]))
			ret = 1;
	}
out:
	free(vms);
	kvmrt_virt_close(v);
	kvmrt_config_free(cfg);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "forced", no_argument, NULL, OPT_FORCED },
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "all", no_argument, NULL, OPT_ALL },
		{ "file", required_argument, NULL, 'f' },
		{ "connect", required_argument, NULL, 'c' },
		{ "state-dir", required_argument, NULL, OPT_STATE_DIR },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct shutdown_opts o = { .timeout = 60 };
	char *end;
	int c;

	tool_start("kvmrt-shutdown", &o.c);
	o.state_dir = tool_state_dir();
	while ((c = getopt_long(argc, argv, "f:c:hV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_FORCED: o.forced = true; break;
		case OPT_TIMEOUT:
			o.timeout = strtod(optarg, &end);
			if (*end || end == optarg || !(o.timeout >= 0) || o.timeout > 86400)
				return tool_bad_usage("invalid timeout '%s' (seconds, 0 to 86400)",
						      optarg);
			break;
		case OPT_ALL: o.all = true; break;
		case 'f': o.c.config = optarg; break;
		case 'c': o.c.uri = optarg; break;
		case OPT_STATE_DIR: o.state_dir = optarg; break;
		case 'h': tool_usage(stdout, usage_text); return tool_exit(0);
		case 'V': return tool_exit(tool_version());
		default: return tool_try_help();
		}
	}
	return tool_exit(run_shutdown(&o, argv + optind, argc - optind));
}
