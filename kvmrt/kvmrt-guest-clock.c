// SPDX-License-Identifier: GPL-2.0
/*
 * kvmrt-guest-clock: the guide's guest clock set-up (chapter 5, "running
 * chrony"), run inside a guest: chronyd synchronised to the host's clock
 * through the PHC of ptp_kvm. It loads ptp_kvm at boot, comments out chrony's
 * other sources, adds "refclock PHC DEV poll 3 dpoll -2 offset 0", says no to
 * DHCP's NTP servers on RHEL-family systems (PEERNTP=no), removes the drift
 * file and restarts chronyd; every file it changes is kept first, so --undo
 * restores each byte for byte. Then it checks what chronyd says.
 *
 *   kvmrt-guest-clock [-n] [--root DIR] [--layout debian|rhel] [--phc DEV]
 *   kvmrt-guest-clock --undo [-n] [--root DIR]
 *   kvmrt-guest-clock --check [--socket PATH]
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sbuf.h"
#include "rmtree.h"
#include "tool.h"

#define PROG "kvmrt-guest-clock"

#define MODULES_FILE	"/etc/modules-load.d/ptp_kvm.conf"
#define NETWORK_FILE	"/etc/sysconfig/network"
#define STATE_DIR	"/var/lib/kvmrt/guest-clock"	/* what --undo restores */
#define MANIFEST	"manifest"
#define KVM_PTP_NAME	"KVM virtual PTP"

static const char *const usage_text[] = {
	"usage: kvmrt-guest-clock [options]",
	"       kvmrt-guest-clock --undo [options]",
	"       kvmrt-guest-clock --check [--socket PATH]",
	"",
	"Inside a KVM guest: synchronise its clock to the host's with chrony and the PHC",
	"of ptp_kvm (the KVM-RT guide, chapter 5): load ptp_kvm at boot, comment out",
	"chrony's other sources (server, pool, peer, refclock, sourcedir), add",
	"'refclock PHC DEV poll 3 dpoll -2 offset 0', set PEERNTP=no (RHEL family),",
	"remove the drift file, enable and restart chronyd, then check it.",
	"",
	"  -n, --dry-run        show the changes; change nothing",
	"  -u, --undo           restore every file as it was before, restart chronyd",
	"      --check          only check: chronyc -c tracking and sources",
	"  -l, --layout NAME    debian (Debian, Ubuntu: chrony, /etc/chrony/chrony.conf) or",
	"                       rhel (RHEL, CentOS, Rocky: chronyd, /etc/chrony.conf);",
	"                       default: the one whose chrony.conf exists",
	"      --phc DEV        the PHC (default: the one ptp_kvm made, else /dev/ptp0)",
	"  -r, --root DIR       work on the system under DIR (no service is touched)",
	"      --no-restart     do not run modprobe or systemctl",
	"      --socket PATH    chronyd's command socket, for chronyc -h",
	"  -q, --quiet          no notes",
	"  -h, --help           this text",
	"  -V, --version        print the version",
	"",
	"Exit status: 0 done (and chronyd follows the PHC), 1 failed or the check found",
	"a problem, 2 usage.",
	NULL,
};

struct layout {
	const char *name, *service, *conf, *drift;
	bool network;			/* /etc/sysconfig/network: PEERNTP=no */
};

static const struct layout layouts[] = {
	{ "debian", "chrony", "/etc/chrony/chrony.conf", "/var/lib/chrony/chrony.drift", false },
	{ "rhel", "chronyd", "/etc/chrony.conf", "/var/lib/chrony/drift", true },
};

struct opts {
	const char *root;		/* "" for / */
	const struct layout *layout;
	const char *phc, *socket;
	bool dry_run, undo, check, no_restart, quiet;
};

/* One file to change: its new content, or NULL to remove it. */
struct change {
	const char *path;		/* as on the system: /etc/... */
	char *old;			/* NULL: it does not exist */
	size_t old_len;
	char *new;
};

static char *rooted(const struct opts *o, const char *path)
{
	char *p;

	if (asprintf(&p, "%s%s", o->root, path) < 0)
		return NULL;
	return p;
}

/* The whole file, NUL-terminated; NULL with errno (ENOENT: there is none) */
static char *slurp(const char *path, size_t *len)
{
	struct sbuf sb = { 0 };
	char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return NULL;
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sb_put(&sb, buf, n);
	close(fd);
	if (n < 0) {
		sb_release(&sb);
		return NULL;
	}
	if (len)
		*len = sb.len;
	sb_put(&sb, "", 0);
	return sb_steal(&sb) ?: strdup("");
}

static bool exists(const struct opts *o, const char *path)
{
	char *p = rooted(o, path);
	bool yes = p && !access(p, F_OK);

	free(p);
	return yes;
}

static const struct layout *detect_layout(const struct opts *o)
{
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (exists(o, layouts[i].conf))
			return &layouts[i];
	return NULL;
}

/* The first word of a configuration line, if the line is not a comment */
static bool first_word_is(const char *line, size_t len, const char *const *words)
{
	size_t i = 0, w;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	w = i;
	while (w < len && line[w] != ' ' && line[w] != '\t')
		w++;
	for (int k = 0; words[k]; k++)
		if (w - i == strlen(words[k]) && !strncmp(line + i, words[k], w - i))
			return true;
	return false;
}

/*
 * @text with each line that @match accepts commented out ("#" in front), then
 * @add (a line) at the end
 */
static char *comment_out(const char *text, bool (*match)(const char *, size_t), const char *add)
{
	struct sbuf sb = { 0 };
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		if (match(p, len))
			sb_put(&sb, "#", 1);
		sb_put(&sb, p, len);
		sb_put(&sb, "\n", 1);
		p += len + (nl ? 1 : 0);
	}
	sb_puts(&sb, add);
	return sb_steal(&sb);
}

static bool is_source(const char *line, size_t len)
{
	static const char *const words[] = { "server", "pool", "peer", "refclock", "sourcedir",
					      NULL };

	return first_word_is(line, len, words);
}

static bool is_peerntp(const char *line, size_t len)
{
	size_t i = 0;

	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	return len - i >= 7 && !strncmp(line + i, "PEERNTP", 7);
}

/* The PHC of ptp_kvm: the /dev/ptpN whose clock_name says KVM, else /dev/ptp_kvm; NULL */
static char *find_phc(const struct opts *o)
{
	char *dir = rooted(o, "/sys/class/ptp"), *dev = NULL;
	struct dirent *e;
	DIR *d = dir ? opendir(dir) : NULL;

	while (d && !dev && (e = readdir(d))) {
		char *path, *name;

		if (strncmp(e->d_name, "ptp", 3) ||
		    asprintf(&path, "%s/%s/clock_name", dir, e->d_name) < 0)
			continue;
		name = slurp(path, NULL);
		free(path);
		if (name && !strncmp(name, KVM_PTP_NAME, strlen(KVM_PTP_NAME)) &&
		    asprintf(&dev, "/dev/%s", e->d_name) < 0)
			dev = NULL;
		free(name);
	}
	if (d)
		closedir(d);
	free(dir);
	if (!dev && exists(o, "/dev/ptp_kvm"))
		dev = strdup("/dev/ptp_kvm");
	return dev;
}

/* Why there may be no PHC, in words: the clocksource, the module */
static void explain_no_phc(const struct opts *o)
{
	char *path = rooted(o, "/sys/devices/system/clocksource/clocksource0/current_clocksource");
	char *cs = path ? slurp(path, NULL) : NULL;

	free(path);
	if (cs)
		cs[strcspn(cs, "\n")] = '\0';
	if (cs && strcmp(cs, "kvm-clock"))
		tool_msg("the clocksource is '%s', not kvm-clock: this is not a KVM guest, or its host hides KVM (hide_kvm = true in the host's /etc/kvmrt.cfg); ptp_kvm needs kvm-clock",
			 cs);
	else if (!cs)
		tool_msg("no clocksource found under %s/sys: cannot tell whether this is a KVM guest",
			 o->root);
	else
		tool_msg("kvm-clock is the clocksource but ptp_kvm made no PHC: is the module loaded (modprobe ptp_kvm)?");
	free(cs);
}

static int add_change(struct change **v, int *n, const struct opts *o, const char *path,
		      char *new)
{
	struct change *c;
	char *p = rooted(o, path);

	if (!p || TOOL_GROW(*v, *n + 1)) {
		free(p);
		free(new);
		return -ENOMEM;
	}
	c = &(*v)[(*n)++];
	memset(c, 0, sizeof(*c));
	c->path = path;
	c->new = new;
	c->old = slurp(p, &c->old_len);
	free(p);
	if (!c->old && errno != ENOENT)
		return -errno;
	return 0;
}

/* What the set-up changes; -errno (said why) if it cannot be planned. */
static int plan(const struct opts *o, const char *phc, struct change **ch, int *n)
{
	const struct layout *l = o->layout;
	char *conf = rooted(o, l->conf), *text, *line = NULL;
	int ret;

	text = conf ? slurp(conf, NULL) : NULL;
	if (!text) {
		ret = -errno;
		tool_error("cannot read '%s': %s (is chrony installed?)", conf ?: l->conf,
			   strerror(errno));
		free(conf);
		return ret;
	}
	free(conf);
	ret = add_change(ch, n, o, MODULES_FILE, strdup("ptp_kvm\n"));
	if (!ret && asprintf(&line, "refclock PHC %s poll 3 dpoll -2 offset 0\n", phc) < 0)
		ret = -ENOMEM;
	if (!ret)
		ret = add_change(ch, n, o, l->conf, comment_out(text, is_source, line));
	free(line);
	free(text);
	if (!ret && l->network) {
		char *net = rooted(o, NETWORK_FILE);

		text = net ? slurp(net, NULL) : NULL;
		free(net);
		ret = add_change(ch, n, o, NETWORK_FILE,
				 comment_out(text ?: "", is_peerntp, "PEERNTP=no\n"));
		free(text);
	}
	if (!ret && exists(o, l->drift))
		ret = add_change(ch, n, o, l->drift, NULL);
	for (int i = 0; i < *n && !ret; i++)
		if ((*ch)[i].path != l->drift && !(*ch)[i].new)
			ret = -ENOMEM;
	return ret;
}

/* The change as a diff of whole lines: "-old", "+new" (only lines that differ) */
static void show(const struct opts *o, const struct change *c)
{
	const char *a = c->old ?: "", *b = c->new ?: "";

	if (!c->new) {
		printf("%s%s: remove\n", o->root, c->path);
		return;
	}
	if (c->old && !strcmp(c->old, c->new))
		return;
	printf("%s%s:%s\n", o->root, c->path, c->old ? "" : " new file");
	/* the files only gain lines or have lines commented out: walk both in step */
	while (*a || *b) {
		size_t la = strcspn(a, "\n"), lb = strcspn(b, "\n");

		if (*a && la == lb && !strncmp(a, b, la)) {
			a += la + (a[la] ? 1 : 0);
			b += lb + (b[lb] ? 1 : 0);
			continue;
		}
		if (*a && *b == '#' && lb == la + 1 && !strncmp(a, b + 1, la)) {
			printf("-%.*s\n+%.*s\n", (int)la, a, (int)lb, b);
			a += la + (a[la] ? 1 : 0);
			b += lb + (b[lb] ? 1 : 0);
			continue;
		}
		if (*b) {
			printf("+%.*s\n", (int)lb, b);
			b += lb + (b[lb] ? 1 : 0);
		} else {
			printf("-%.*s\n", (int)la, a);
			a += la + (a[la] ? 1 : 0);
		}
	}
}

/* @text as the file @path (a new one put in place), with @mode and, unless -1, @uid/@gid */
static int write_file(const char *path, const char *text, size_t len, mode_t mode, uid_t uid,
		      gid_t gid)
{
	char *tmp;
	int fd, ret = 0;

	if (asprintf(&tmp, "%s.kvmrt-new", path) < 0)
		return -ENOMEM;
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0) {
		ret = -errno;
		free(tmp);
		return ret;
	}
	if (write(fd, text, len) != (ssize_t)len)
		ret = -EIO;
	if (fchmod(fd, mode) && !ret)
		ret = -errno;
	if (uid != (uid_t)-1 && fchown(fd, uid, gid) && !ret)
		ret = -errno;
	if (close(fd) && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path))
		ret = -errno;
	if (ret)
		unlink(tmp);
	free(tmp);
	return ret;
}

static int mkdir_p(const char *path)
{
	char *p = strdup(path);
	int ret = 0;

	if (!p)
		return -ENOMEM;
	for (char *s = p + 1; *s && !ret; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) && errno != EEXIST)
			ret = -errno;
		*s = '/';
	}
	if (!ret && mkdir(p, 0755) && errno != EEXIST)
		ret = -errno;
	free(p);
	return ret;
}

static int run_cmd(const struct opts *o, const char *cmd)
{
	int st;

	if (o->dry_run) {
		printf("run: %s\n", cmd);
		return 0;
	}
	if (!o->quiet)
		tool_msg("running: %s", cmd);
	st = system(cmd);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		tool_error("'%s' failed (exit status %d)", cmd, st == -1 ? -1 :
			   WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st));
		return -EIO;
	}
	return 0;
}

static bool services(const struct opts *o)
{
	return !o->no_restart && !*o->root;
}

/* Note "dir 755 PATH" for each directory above @path (as on the system) not there yet */
static void note_new_dirs(const struct opts *o, const char *path, struct sbuf *sb, char ***seen,
			  int *nr_seen)
{
	char *p = strdup(path);

	for (char *s = p ? p + 1 : NULL; s && *s; s++) {
		bool dup = false;

		if (*s != '/')
			continue;
		*s = '\0';
		for (int i = 0; i < *nr_seen && !dup; i++)
			dup = !strcmp((*seen)[i], p);
		if (!dup && !exists(o, p) && !TOOL_GROW(*seen, *nr_seen + 1)) {
			(*seen)[(*nr_seen)++] = strdup(p);
			sb_printf(sb, "dir 755 0:0 %s\n", p);
		}
		*s = '/';
	}
	free(p);
}

/*
 * Keep every file about to change in STATE_DIR (its bytes, whether it existed,
 * its mode) before changing any; then change them.
 */
static int apply(const struct opts *o, struct change *ch, int n)
{
	char *state = rooted(o, STATE_DIR), *man = NULL, **seen = NULL;
	struct sbuf sb = { 0 };
	int ret, nr_seen = 0;

	if (!state)
		return -ENOMEM;
	if (!access(state, F_OK)) {
		tool_error("already set up ('%s' holds what --undo restores): run --undo first",
			   state);
		free(state);
		return -EEXIST;
	}
	/* the directories made, so that --undo leaves no trace */
	note_new_dirs(o, STATE_DIR, &sb, &seen, &nr_seen);
	for (int i = 0; i < n; i++)
		note_new_dirs(o, ch[i].path, &sb, &seen, &nr_seen);
	for (int i = 0; i < nr_seen; i++)
		free(seen[i]);
	free(seen);
	ret = mkdir_p(state);
	for (int i = 0; i < n && !ret; i++) {
		struct stat st = { .st_mode = 0644 };
		char *p = rooted(o, ch[i].path), *keep = NULL;

		if (!p || asprintf(&keep, "%s/%d", state, i) < 0) {
			ret = -ENOMEM;
		} else if (ch[i].old) {
			stat(p, &st);
			ret = write_file(keep, ch[i].old, ch[i].old_len, 0600, -1, -1);
		}
		sb_printf(&sb, "%s %o %u:%u %s\n", ch[i].old ? "kept" : "new", st.st_mode & 07777,
			  (unsigned int)st.st_uid, (unsigned int)st.st_gid, ch[i].path);
		free(p);
		free(keep);
	}
	if (!ret && asprintf(&man, "%s/" MANIFEST, state) < 0)
		ret = -ENOMEM;
	if (!ret && !sb.err)
		ret = write_file(man, sb.buf ?: "", sb.len, 0600, -1, -1);
	sb_release(&sb);
	free(man);
	if (ret) {
		tool_error("cannot keep the files to change in '%s': %s; nothing changed", state,
			   strerror(-ret));
		rm_tree(state);
		free(state);
		return ret;
	}
	free(state);
	for (int i = 0; i < n && !ret; i++) {
		char *p = rooted(o, ch[i].path), *dir;
		struct stat st = { .st_mode = 0644, .st_uid = -1, .st_gid = -1 };

		if (!p)
			return -ENOMEM;
		if (!ch[i].new) {
			ret = unlink(p) && errno != ENOENT ? -errno : 0;
		} else if (!ch[i].old || strcmp(ch[i].old, ch[i].new)) {
			stat(p, &st);
			dir = strdup(p);
			if (dir && strrchr(dir, '/'))
				*strrchr(dir, '/') = '\0';
			ret = dir ? mkdir_p(dir) : -ENOMEM;
			free(dir);
			if (!ret)
				ret = write_file(p, ch[i].new, strlen(ch[i].new),
						 st.st_mode & 07777, st.st_uid, st.st_gid);
		}
		if (ret)
			tool_error("cannot change '%s': %s (--undo restores what was changed)", p,
				   strerror(-ret));
		else if (!o->quiet)
			tool_msg("%s %s", ch[i].new ? "changed" : "removed", p);
		free(p);
	}
	return ret;
}

static int undo(const struct opts *o)
{
	char *state = rooted(o, STATE_DIR), *man = NULL, *text, *line, *save, **dirs = NULL;
	int ret = 0, i = 0, nr_dirs = 0;

	if (!state || asprintf(&man, "%s/" MANIFEST, state) < 0)
		return -ENOMEM;
	text = slurp(man, NULL);
	if (!text) {
		ret = -errno;
		tool_error("nothing to undo: no '%s' (%s)", man, strerror(errno));
		goto out;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save), i++) {
		char what[8], path[4096], *p, *keep = NULL, *old;
		unsigned int mode, uid, gid;
		size_t len;

		if (sscanf(line, "%7s %o %u:%u %4095s", what, &mode, &uid, &gid, path) != 5 ||
		    path[0] != '/' ||
		    strstr(path, "/../")) {
			tool_error("'%s' is damaged: '%s'", man, line);
			ret = -EBADMSG;
			break;
		}
		p = rooted(o, path);
		if (p && !strcmp(what, "dir")) {
			/* made by the set-up: removed last, the deepest first */
			if (TOOL_GROW(dirs, nr_dirs + 1))
				free(p);
			else
				dirs[nr_dirs++] = p;
			i--;
			continue;
		}
		if (!p || asprintf(&keep, "%s/%d", state, i) < 0) {
			free(p);
			ret = -ENOMEM;
			break;
		}
		if (o->dry_run) {
			printf("%s%s: %s\n", o->root, path, strcmp(what, "kept") ? "remove" : "restore");
		} else if (!strcmp(what, "kept")) {
			old = slurp(keep, &len);
			ret = old ? write_file(p, old, len, mode & 07777, uid, gid) : -errno;
			free(old);
		} else {
			ret = unlink(p) && errno != ENOENT ? -errno : 0;
		}
		if (ret)
			tool_error("cannot restore '%s': %s", p, strerror(-ret));
		else if (!o->dry_run && !o->quiet)
			tool_msg("%s %s", strcmp(what, "kept") ? "removed" : "restored", p);
		free(p);
		free(keep);
		if (ret)
			break;
	}
	if (!ret && !o->dry_run)
		ret = rm_tree(state);
	for (int k = nr_dirs - 1; k >= 0; k--) {
		if (!ret && o->dry_run)
			printf("%s: remove the directory\n", dirs[k]);
		else if (!ret && rmdir(dirs[k]) && errno != ENOENT && errno != ENOTEMPTY)
			tool_msg("cannot remove '%s': %s", dirs[k], strerror(errno));
		free(dirs[k]);
	}
	free(dirs);
out:
	free(text);
	free(man);
	free(state);
	return ret;
}

/* The fields of a chronyc -c line (empty ones too: a reference may have no name) */
static int csv(char *line, char **f, int max)
{
	int n = 0;
	char *s;

	line[strcspn(line, "\n")] = '\0';
	while (n < max && (s = strsep(&line, ",")))
		f[n++] = s;
	return n;
}

static FILE *chronyc(const struct opts *o, const char *what)
{
	char *cmd = NULL;
	FILE *p;

	if (asprintf(&cmd, "chronyc -c -n%s%s %s 2>&1", o->socket ? " -h " : "",
		     o->socket ?: "", what) < 0)
		return NULL;
	p = popen(cmd, "r");
	free(cmd);
	return p;
}

/* chronyd's view: its reference, offset, and whether it follows a PHC. 0, or -1 */
static int check(const struct opts *o)
{
	char line[1024], *f[16];
	bool phc = false, selected = false;
	FILE *p = chronyc(o, "tracking");
	int n, st;

	if (!p)
		return tool_error("cannot run chronyc: %s", strerror(errno));
	n = fgets(line, sizeof(line), p) ? csv(line, f, 16) : 0;
	st = pclose(p);
	if (n < 14 || st) {
		tool_error("chronyd does not answer (chronyc tracking: %s)",
			   n ? f[0] : "no output; is chrony installed?");
		return -1;
	}
	printf("tracking: %s (stratum %s), system time offset %+.9f s, last offset %+.9f s, rms offset %.9f s, frequency %+.3f ppm\n",
	       *f[1] ? f[1] : f[0], f[2], strtod(f[4], NULL), strtod(f[5], NULL),
	       strtod(f[6], NULL), strtod(f[7], NULL));
	p = chronyc(o, "sources");
	if (!p)
		return tool_error("cannot run chronyc: %s", strerror(errno));
	while (fgets(line, sizeof(line), p)) {
		n = csv(line, f, 16);
		if (n < 10)
			continue;
		/* mode '#' is a reference clock; a PHC's default name is PHC0, PHC1, ... */
		if (strcmp(f[0], "#") || strncmp(f[2], "PHC", 3))
			continue;
		phc = true;
		selected |= !strcmp(f[1], "*");
		printf("source: %s, state %s, reach %s, offset %+.9f s, error %.9f s\n", f[2],
		       f[1], f[5], strtod(f[8], NULL), strtod(f[9], NULL));
	}
	pclose(p);
	if (!phc) {
		tool_error("chronyd has no PHC source: the guest's clock does not follow the host's");
		if (!find_phc(o))
			explain_no_phc(o);
		return -1;
	}
	if (!selected) {
		tool_error("chronyd has a PHC source but does not follow it yet (give it a minute, then check again)");
		return -1;
	}
	return 0;
}

static int run_guest_clock(struct opts *o)
{
	struct change *ch = NULL;
	char *phc = NULL, cmd[256];
	int n = 0, ret;

	if (o->check)
		return check(o) ? 1 : 0;
	if (o->undo) {
		const struct layout *l = o->layout ?: detect_layout(o);

		ret = undo(o);
		if (!ret && l && services(o)) {
			snprintf(cmd, sizeof(cmd), "systemctl restart %s", l->service);
			ret = run_cmd(o, cmd);
		}
		return ret ? 1 : 0;
	}
	if (!o->layout)
		o->layout = detect_layout(o);
	if (!o->layout)
		return tool_error("no chrony configuration under '%s/' (/etc/chrony/chrony.conf or /etc/chrony.conf): install chrony first, or say --layout",
				  o->root);
	phc = o->phc ? strdup(o->phc) : find_phc(o);
	if (!phc) {
		if (!o->quiet) {
			tool_msg("no PHC of ptp_kvm yet (it comes once the module is loaded): /dev/ptp0 assumed, as the guide does");
			explain_no_phc(o);
		}
		phc = strdup("/dev/ptp0");
	}
	ret = phc ? plan(o, phc, &ch, &n) : -ENOMEM;
	if (!ret && o->dry_run) {
		printf("# %s layout: service %s, %s, drift file %s\n", o->layout->name,
		       o->layout->service, o->layout->conf, o->layout->drift);
		for (int i = 0; i < n; i++)
			show(o, &ch[i]);
	} else if (!ret) {
		ret = apply(o, ch, n);
	}
	if (!ret && services(o)) {
		run_cmd(o, "modprobe ptp_kvm");
		snprintf(cmd, sizeof(cmd), "systemctl enable %s", o->layout->service);
		ret = run_cmd(o, cmd);
		snprintf(cmd, sizeof(cmd), "systemctl restart %s", o->layout->service);
		if (!ret)
			ret = run_cmd(o, cmd);
		if (!ret && !o->dry_run) {
			sleep(2);	/* chronyd's first samples of the PHC */
			check(o);
		}
	}
	for (int i = 0; i < n; i++) {
		free(ch[i].old);
		free(ch[i].new);
	}
	free(ch);
	free(phc);
	return ret ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "dry-run", no_argument, NULL, 'n' },
		{ "undo", no_argument, NULL, 'u' },
		{ "check", no_argument, NULL, 'C' },
		{ "layout", required_argument, NULL, 'l' },
		{ "phc", required_argument, NULL, 'P' },
		{ "root", required_argument, NULL, 'r' },
		{ "no-restart", no_argument, NULL, 'N' },
		{ "socket", required_argument, NULL, 'S' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct opts o = { .root = "" };
	int opt;

	tool_init(PROG, 0);
	while ((opt = getopt_long(argc, argv, "nul:r:qhV", lopts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			o.dry_run = true;
			break;
		case 'u':
			o.undo = true;
			break;
		case 'C':
			o.check = true;
			break;
		case 'l':
			for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
				if (!strcmp(optarg, layouts[i].name))
					o.layout = &layouts[i];
			if (!o.layout)
				return tool_bad_usage("--layout takes debian or rhel, not '%s'",
						      optarg);
			break;
		case 'P':
			if (optarg[0] != '/' || strpbrk(optarg, " \t\n"))
				return tool_bad_usage("--phc takes a device path such as /dev/ptp0, not '%s'",
						      optarg);
			o.phc = optarg;
			break;
		case 'r':
			o.root = strcmp(optarg, "/") ? optarg : "";
			break;
		case 'N':
			o.no_restart = true;
			break;
		case 'S':
			o.socket = optarg;
			break;
		case 'q':
			o.quiet = true;
			break;
		case 'h':
			tool_usage(stdout, usage_text);
			return tool_exit(0);
		case 'V':
			return tool_version();
		default:
			return tool_try_help();
		}
	}
	if (optind < argc)
		return tool_bad_usage("unexpected argument '%s'", argv[optind]);
	if (o.undo + o.check > 1)
		return tool_bad_usage("--undo and --check do not go together");
	if (*o.root && o.root[strlen(o.root) - 1] == '/')
		return tool_bad_usage("--root takes a directory without a trailing '/', not '%s'",
				      o.root);
	return tool_exit(run_guest_clock(&o));
}
