// SPDX-License-Identifier: GPL-2.0
/*
 * kvmrt-edit-config: edit a copy of the KVM-RT configuration with $EDITOR;
 * on save validate it, install it and sync libvirt. A copy with errors is
 * opened again: the configuration file is never left invalid.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kvmrt-tool.h"

static const char *const usage_text[] = {
	"usage: kvmrt-edit-config [options]",
	"",
	"Open a copy of the KVM-RT configuration in $VISUAL, $EDITOR or vi. When the",
	"editor exits the copy is validated: with errors, they are shown and the copy is",
	"opened again (quitting without a change abandons the edit, and so does q at the",
	"prompt, or a 10th try when standard input is not a terminal); without errors it",
	"replaces the configuration and the VMs are synced to libvirt.",
	"",
	"  -f, --file FILE    the configuration (default $KVMRT_CONFIG or /etc/kvmrt.cfg;",
	"                     created if missing)",
	"  -c, --connect URI  libvirt connection URI (default $KVMRT_URI, else libvirt's)",
	"      --sysfs DIR    host topology under DIR instead of /sys ($KVMRT_SYSFS)",
	"      --no-sync      do not sync libvirt after saving",
	"  -q, --quiet        print only errors and warnings",
	"  -h, --help         this text",
	"  -V, --version      print the version",
	"",
	"Exit status: 0 saved (and synced) or nothing changed, 1 edit abandoned, editor",
	"failed or sync failed, 2 usage.",
	NULL,
};

struct edit_opts {
	struct kvmrt_common c;
	bool no_sync;
};

static int write_text(const char *path, const char *text)
{
	FILE *f = fopen(path, "we");
	int ret = 0;

	if (!f)
		return -errno;
	if (fputs(text, f) == EOF)
		ret = -EIO;
	if (fclose(f) && !ret)
		ret = -errno;
	return ret;
}

static int run_editor(const char *file)
{
	const char *ed = getenv("VISUAL");
	int status;
	pid_t pid;

	if (!ed || !*ed)
		ed = getenv("EDITOR");
	if (!ed || !*ed)
		ed = "vi";
	fflush(stdout);
	pid = fork();
	if (pid < 0)
		return tool_error("cannot start the editor: %s", strerror(errno));
	if (pid == 0) {
		char *cmd;

		if (asprintf(&cmd, "%s \"$1\"", ed) < 0)
			_exit(127);
		execl("/bin/sh", "sh", "-c", cmd, "sh", file, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return tool_error("cannot wait for the editor: %s", strerror(errno));
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		return tool_error("the editor '%s' failed (%s %d): configuration unchanged", ed,
				  WIFEXITED(status) ? "exit status" : "signal",
				  WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
	return 0;
}

#define MAX_ROUNDS 10	/* without a terminal to ask on */

/* On a terminal, let the user give up instead of editing again. */
static bool again(int round)
{
	char line[64];

	if (!isatty(STDIN_FILENO))
		return round < MAX_ROUNDS;
	fprintf(stderr, "Press Enter to edit again, or q and Enter to abandon the edit: ");
	if (!fgets(line, sizeof(line), stdin))
		return false;
	return line[0] != 'q' && line[0] != 'Q';
}

static int sync_all(struct edit_opts *o, const struct kvmrt_config *cfg,
		    const struct kvmrt_topo *topo)
{
	struct kvmrt_virt *v;
	char *err = NULL;
	int failed = 0;

	v = kvmrt_virt_open(o->c.uri, &err);
	if (!v) {
		tool_error("saved, but cannot connect to libvirt to sync: %s", err);
		free(err);
		return 1;
	}
	for (int i = 0; i < cfg->nr_vms; i++) {
		bool changed;

		if (cfg->vms[i]->disabled) {
			/* not KVM-RT's (guide 1.4): kvmrt-sync-config NAME syncs it */
			if (!o->c.quiet)
				printf("skipped %s (disabled)\n", cfg->vms[i]->name);
			continue;
		}
		if (kvmrt_sync_vm(v, cfg->vms[i], topo, false, &changed, NULL, &err)) {
			tool_error("VM '%s': not synced: %s", cfg->vms[i]->name, err);
			failed = 1;
		} else if (!o->c.quiet) {
			printf("%s %s\n", changed ? "synced" : "in sync:", cfg->vms[i]->name);
		}
		free(err);
		err = NULL;
	}
	kvmrt_virt_close(v);
	return failed;
}

static int run_edit(struct edit_opts *o)
{
	char *orig, *text = NULL, *last_bad = NULL, tmp[] = "/tmp/kvmrt-edit-XXXXXX.cfg";
	struct kvmrt_config *cfg = NULL;
	struct kvmrt_topo *topo;
	int fd, ret = 1, round = 0, n;

	topo = tool_load_topo(o->c.sysfs);
	if (!topo)
		return 1;
	orig = kvmrt_read_file(o->c.config, NULL);
	if (!orig && errno == ENOENT)
		orig = strdup("# KVM-RT configuration: one [UUID] section per VM (see kvmrt-show-config)\n");
	if (!orig) {
		kvmrt_topo_free(topo);
		return tool_error("cannot read '%s': %s", o->c.config, strerror(errno));
	}
	fd = mkstemps(tmp, 4);
	if (fd < 0 || (close(fd), write_text(tmp, orig))) {
		tool_error("cannot create a copy to edit: %s", strerror(errno));
		goto out;
	}
	for (;;) {
		struct kvmrt_diags d = { 0 };

		if (run_editor(tmp))
			goto out;
		free(text);
		text = kvmrt_read_file(tmp, NULL);
		if (!text) {
			tool_error("cannot read back '%s': %s", tmp, strerror(errno));
			goto out;
		}
		if (!strcmp(text, orig)) {
			if (!o->c.quiet)
				printf("%s: no changes\n", o->c.config);
			ret = 0;
			goto out;
		}
		if (last_bad && !strcmp(text, last_bad)) {
			tool_error("no change since the errors: edit abandoned, '%s' left as it was",
				   o->c.config);
			goto out;
		}
		kvmrt_config_free(cfg);
		if (kvmrt_config_parse(text, o->c.config, &cfg) ||
		    kvmrt_config_resolve(cfg, topo) < 0) {
			tool_error("out of memory");
			goto out;
		}
		kvmrt_validate(cfg, topo, &d);
		tool_print_diags(&cfg->diags, stderr, false);
		tool_print_diags(&d, stderr, false);
		if (!cfg->diags.errors && !d.errors) {
			kvmrt_diags_release(&d);
			break;
		}
		n = cfg->diags.errors + d.errors;
		tool_error("%d error%s: the configuration is not saved", n, n == 1 ? "" : "s");
		kvmrt_diags_release(&d);
		free(last_bad);
		last_bad = strdup(text);
		if (!again(++round)) {
			tool_error("edit abandoned, '%s' left as it was", o->c.config);
			goto out;
		}
	}
	ret = kvmrt_config_save(cfg, NULL);
	if (ret) {
		tool_error("cannot write '%s': %s", o->c.config, strerror(-ret));
		ret = 1;
		goto out;
	}
	if (!o->c.quiet)
		printf("%s: saved\n", o->c.config);
	ret = o->no_sync ? 0 : sync_all(o, cfg, topo);
out:
	unlink(tmp);
	free(orig);
	free(text);
	free(last_bad);
	kvmrt_config_free(cfg);
	kvmrt_topo_free(topo);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "file", required_argument, NULL, 'f' },
		{ "connect", required_argument, NULL, 'c' },
		{ "sysfs", required_argument, NULL, OPT_SYSFS },
		{ "no-sync", no_argument, NULL, OPT_NO_SYNC },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct edit_opts o = { 0 };
	int c;

	tool_start("kvmrt-edit-config", &o.c);
	while ((c = getopt_long(argc, argv, "f:c:qhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'f': o.c.config = optarg; break;
		case 'c': o.c.uri = optarg; break;
		case OPT_SYSFS: o.c.sysfs = optarg; break;
		case OPT_NO_SYNC: o.no_sync = true; break;
		case 'q': o.c.quiet = true; break;
		case 'h': tool_usage(stdout, usage_text); return tool_exit(0);
		case 'V': return tool_exit(tool_version());
		default: return tool_try_help();
		}
	}
	if (optind < argc)
		return tool_bad_usage("unexpected argument '%s'", argv[optind]);
	return tool_exit(run_edit(&o));
}
