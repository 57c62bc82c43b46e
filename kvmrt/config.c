// SPDX-License-Identifier: LGPL-2.1
/*
 * The KVM-RT configuration file: an INI file (read with inih) with one
 * [UUID] section per VM. The file's lines are kept so that a tool changing a
 * few attributes rewrites only those lines: comment lines, unknown
 * attributes and the user's layout survive.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kvmrt.h"
#include "kvmrt-local.h"
#include "gs-proto.h"

#define MAX_LINE	65536
#define MAX_VCPUS	4096

static const char *const attr_names[KA_NR] = {
	[KA_NAME] = "name",
	[KA_TITLE] = "title",
	[KA_DESCRIPTION] = "description",
	[KA_NR_VCPUS] = "nr_vcpus",
	[KA_CPU_TOPOLOGY] = "cpu_topology",
	[KA_CPUSET] = "cpuset",
	[KA_RT] = "rt",
	[KA_RT_MEMORY] = "rt_memory",
	[KA_NUMATUNE] = "numatune",
	[KA_HIDE_KVM] = "hide_kvm",
	[KA_AUTOSTART] = "autostart",
	[KA_DISABLED] = "disabled",
	[KA_PCIDEVS] = "pcidevs",
	[KA_COMMENTS] = "comments",
	[KA_GUEST_SERVICES] = "guest_services",
};

const char *kvmrt_attr_name(enum kvmrt_attr_id a)
{
	return a >= 0 && a < KA_NR ? attr_names[a] : "?";
}

enum kvmrt_attr_id kvmrt_attr_lookup(const char *name)
{
	for (int a = 0; a < KA_NR; a++)
		if (!strcasecmp(name, attr_names[a]))
			return a;
	return KA_UNKNOWN;
}

/* ------------------------------------------------------------ value types */

int kvmrt_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = { "true", "on", "yes", "1" };
	static const char *const no[] = { "false", "off", "no", "0" };

	for (size_t i = 0; i < ARRAY_SIZE(yes); i++) {
		if (!strcasecmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcasecmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

int kvmrt_parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	while (isspace((unsigned char)*s))
		s++;
	if (!*s || !(isdigit((unsigned char)*s) || *s == '-' || *s == '+'))
		return -EINVAL;
	errno = 0;
	v = strtol(s, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return -EINVAL;
	if (errno == ERANGE || v < min || v > max)
		return -ERANGE;
	*out = v;
	return 0;
}

static bool is_hex(const char *s, int n)
{
	for (int i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

bool kvmrt_valid_uuid(const char *s)
{
	static const int groups[] = { 8, 4, 4, 4, 12 };

	for (int g = 0; g < 5; g++) {
		if (!is_hex(s, groups[g]))
			return false;
		s += groups[g];
		if (*s != (g < 4 ? '-' : '\0'))
			return false;
		s += g < 4;
	}
	return true;
}

int kvmrt_parse_pci(const char *s, char out[13])
{
	unsigned int dom = 0, bus, slot, fn;
	int n = 0;

	if (sscanf(s, "%x:%x:%x.%x%n", &dom, &bus, &slot, &fn, &n) == 4 && !s[n] &&
	    is_hex(s, 4) && s[4] == ':')
		goto ok;
	dom = 0;
	n = 0;
	if (sscanf(s, "%x:%x.%x%n", &bus, &slot, &fn, &n) == 3 && !s[n] && is_hex(s, 2) &&
	    s[2] == ':')
		goto ok;
	return -EINVAL;
ok:
	if (dom > 0xffff || bus > 0xff || slot > 0x1f || fn > 7)
		return -EINVAL;
	snprintf(out, 13, "%04x:%02x:%02x.%x", dom, bus, slot, fn);
	return 0;
}

/* ---------------------------------------------------------- VM sections */

static void vm_release_parsed(struct kvmrt_vm *vm)
{
	xtrace_idset_free(vm->cpuset);
	xtrace_idset_free(vm->numatune);
	vm->cpuset = vm->numatune = NULL;
	for (int i = 0; i < vm->nr_pcidevs; i++)
		free(vm->pcidevs[i]);
	free(vm->pcidevs);
	vm->pcidevs = NULL;
	vm->nr_pcidevs = 0;
}

static void vm_free(struct kvmrt_vm *vm)
{
	if (!vm)
		return;
	vm_release_parsed(vm);
	for (int i = 0; i < vm->nr_attrs; i++) {
		free(vm->attrs[i].key);
		free(vm->attrs[i].value);
	}
	free(vm->attrs);
	free(vm->uuid);
	free(vm);
}

static struct kvmrt_attr *vm_attr(const struct kvmrt_vm *vm, const char *key)
{
	for (int i = 0; i < vm->nr_attrs; i++)
		if (!strcasecmp(vm->attrs[i].key, key))
			return &vm->attrs[i];
	return NULL;
}

const char *kvmrt_vm_get(const struct kvmrt_vm *vm, const char *key)
{
	struct kvmrt_attr *a = vm_attr(vm, key);

	return a ? a->value : NULL;
}

static struct kvmrt_attr *vm_add_attr(struct kvmrt_vm *vm, const char *key, const char *value,
				      int line)
{
	struct kvmrt_attr *v = realloc(vm->attrs, (vm->nr_attrs + 1) * sizeof(*v));
	struct kvmrt_attr *a;

	if (!v)
		return NULL;
	vm->attrs = v;
	a = &v[vm->nr_attrs];
	memset(a, 0, sizeof(*a));
	a->key = strdup(key);
	a->value = strdup(value);
	if (!a->key || !a->value) {
		free(a->key);
		free(a->value);
		return NULL;
	}
	a->line = a->last_line = line;
	vm->nr_attrs++;
	return a;
}

const char *kvmrt_vm_label(const struct kvmrt_vm *vm)
{
	return vm->name && *vm->name ? vm->name : vm->uuid;
}

int kvmrt_vm_line(const struct kvmrt_vm *vm, enum kvmrt_attr_id a)
{
	return vm->attr_line[a] ? vm->attr_line[a] : vm->line;
}

static int parse_pcidevs(struct kvmrt_vm *vm, const char *value, const char **bad_item)
{
	char *copy = strdup(value), *save = NULL, *tok;
	static char bad[64];
	char pci[13];

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ", \t\n", &save); tok; tok = strtok_r(NULL, ", \t\n", &save)) {
		char **v;

		if (kvmrt_parse_pci(tok, pci)) {
			snprintf(bad, sizeof(bad), "%s", tok);
			*bad_item = bad;
			free(copy);
			return -EINVAL;
		}
		v = realloc(vm->pcidevs, (vm->nr_pcidevs + 1) * sizeof(*v));
		if (!v || !(v[vm->nr_pcidevs] = strdup(pci))) {
			if (v)
				vm->pcidevs = v;
			free(copy);
			return -ENOMEM;
		}
		vm->pcidevs = v;
		vm->nr_pcidevs++;
	}
	free(copy);
	return 0;
}

static void idset_error(struct kvmrt_diags *d, const char *file, int line, const char *vm,
			const char *attr, const char *value, int ret, const char *bad)
{
	if (ret == -ERANGE)
		kvmrt_diag_add(d, KVMRT_ERROR, file, line, vm, attr,
			       "'%s': an ID above %d", value, XTRACE_MAX_ID);
	else
		kvmrt_diag_add(d, KVMRT_ERROR, file, line, vm, attr,
			       "malformed ID-set '%s' at '%.10s' (expected a list such as 0,2,4-7)",
			       value, bad && *bad ? bad : "(end)");
}

/*
 * nr_vcpus = auto: the cpuset's CPUs that run vCPUs (without the siblings a
 * real-time VM takes offline) but the first (the emulator's); -ENOMEM
 */
static int auto_vcpus(const struct kvmrt_vm *vm)
{
	struct xtrace_idset *usable = xtrace_idset_dup(vm->cpuset), *off = xtrace_idset_new();
	unsigned int n = 0;
	int ret = usable && off ? kvmrt_place_offline(vm, vm->topo, off) : -ENOMEM;

	if (!ret) {
		xtrace_idset_andnot(usable, off);
		n = xtrace_idset_count(usable);
	}
	xtrace_idset_free(usable);
	xtrace_idset_free(off);
	if (ret)
		return ret;
	return n > 1 ? (int)(n - 1 > MAX_VCPUS ? MAX_VCPUS : n - 1) : 1;
}

/*
 * Fill the interpreted fields of @vm from its attributes (defaults for the
 * missing ones); problems go to @d with their lines.
 */
static int vm_interpret(struct kvmrt_vm *vm, struct kvmrt_diags *d, const char *file)
{
	bool cpuset_bad = false;
	const char *label;
	const char *bad;
	int ret, n;
	long v;

	vm_release_parsed(vm);
	vm->name = vm->title = vm->description = vm->comments = NULL;
	vm->nr_vcpus = 1;
	vm->nr_vcpus_auto = vm->cpuset_unresolved = false;
	vm->topo_auto = true;
	vm->sockets = vm->cores = vm->threads = 0;
	vm->rt = false;
	vm->rt_memory = KVMRT_AUTO;
	vm->numatune_auto = true;
	vm->hide_kvm = false;
	vm->autostart = true;
	vm->disabled = false;
	vm->guest_services = 0;
	memset(vm->attr_line, 0, sizeof(vm->attr_line));
	vm->cpuset = xtrace_idset_new();
	vm->numatune = xtrace_idset_new();
	if (!vm->cpuset || !vm->numatune)
		return -ENOMEM;

	/* the name first: messages about the other attributes name the VM */
	for (int i = 0; i < vm->nr_attrs; i++)
		if (kvmrt_attr_lookup(vm->attrs[i].key) == KA_NAME)
			vm->name = vm->attrs[i].value;
	label = kvmrt_vm_label(vm);

	for (int i = 0; i < vm->nr_attrs; i++) {
		struct kvmrt_attr *at = &vm->attrs[i];
		enum kvmrt_attr_id a = kvmrt_attr_lookup(at->key);
		const char *val = at->value;
		int line = at->line;
		bool b;

		if (a == KA_UNKNOWN) {
			kvmrt_diag_add(d, KVMRT_WARNING, file, line, label, at->key,
				       "unknown attribute (kept as it is)");
			continue;
		}
		vm->attr_line[a] = line;
		switch (a) {
		case KA_NAME:
			if (!*val)
				kvmrt_diag_add(d, KVMRT_ERROR, file, line, label, at->key,
					       "must not be empty");
			break;
		case KA_TITLE:
			vm->title = val;
			break;
		case KA_DESCRIPTION:
			vm->description = val;
			break;
		case KA_COMMENTS:
			vm->comments = val;
			break;
		case KA_NR_VCPUS:
			if (!strcasecmp(val, "auto")) {
				vm->nr_vcpus_auto = true;
				break;
			}
			ret = kvmrt_parse_int(val, 1, MAX_VCPUS, &v);
			if (ret)
				kvmrt_diag_add(d, KVMRT_ERROR, file, line, label, at->key,
					       "'%s' is not a number of vCPUs from 1 to %d, nor auto",
					       val, MAX_VCPUS);
			else
				vm->nr_vcpus = v;
			break;
		case KA_CPU_TOPOLOGY: {
			int s, c, t, n = 0;

			if (!strcasecmp(val, "auto"))
				break;
			if (sscanf(val, " %d , %d , %d %n", &s, &c, &t, &n) == 3 && !val[n] &&
			    s > 0 && c > 0 && t > 0 && (long)s * c * t <= MAX_VCPUS) {
				vm->topo_auto = false;
				vm->sockets = s;
				vm->cores = c;
				vm->threads = t;
			} else {
				kvmrt_diag_add(d, KVMRT_ERROR, file, line, label, at->key,
					       "'%s' is neither auto nor sockets,cores,threads "
					       "(three positive integers)", val);
			}
			break;
		}
		case KA_CPUSET:
			ret = kvmrt_cpuset_parse(vm->cpuset, val, vm->topo, &bad);
			cpuset_bad = ret && ret != -EAGAIN;
			if (ret == -ENOMEM)
				return ret;
			if (ret == -EAGAIN)
				vm->cpuset_unresolved = true;
			else if (ret == -ENOENT)
				kvmrt_diag_add(d, KVMRT_ERROR, file, line, label, at->key,
					       "'%s': '%.*s' is not on this host (cpu-topology shows its nodes, cores and packages)",
					       val, (int)strcspn(bad, ","), bad);
			else if (ret && !kvmrt_cpuset_is_plain(val))
				kvmrt_diag_add(d, KVMRT_ERROR, file, line, label, at->key,
					       "malformed cpuset '%s' at '%.*s' (expected CPUs such as 0,2,4-7, or n1, c3, t5, p0 for a NUMA node, core, thread or package, '~' before an item to exclude it)",
					       val, (int)strcspn(bad, ","), bad);
			else if (ret)
				idset_error(d, file, line, label, at->key, val, ret, bad);
			break;
		case KA_NUMATUNE:
			if (!strcasecmp(val, "auto"))
				break;
			ret = xtrace_idset_parse(vm->numatune, val, &bad);
			if (ret)
				idset_error(d, file, line, label, at->key, val, ret, bad);
			else
				vm->numatune_auto = false;
			break;
		case KA_RT_MEMORY:
			if (!strcasecmp(val, "auto"))
				break;
			/* fall through */
		case KA_RT:
		case KA_HIDE_KVM:
		case KA_AUTOSTART:
		case KA_DISABLED:
			if (kvmrt_parse_bool(val, &b)) {
				kvmrt_diag_add(d, KVMRT_ERROR, file, line, label, at->key,
					       "'%s' is not a boolean (true/false, on/off, "
					       "yes/no, 1/0)%s", val,
					       a == KA_RT_MEMORY ? " nor auto" : "");
				break;
			}
			if (a == KA_RT)
				vm->rt = b;
			else if (a == KA_RT_MEMORY)
				vm->rt_memory = b ? KVMRT_YES : KVMRT_NO;
			else if (a == KA_HIDE_KVM)
				vm->hide_kvm = b;
			else if (a == KA_AUTOSTART)
				vm->autostart = b;
			else
				vm->disabled = b;
			break;
		case KA_PCIDEVS:
			ret = parse_pcidevs(vm, val, &bad);
			if (ret == -ENOMEM)
				return ret;
			if (ret)
				kvmrt_diag_add(d, KVMRT_ERROR, file, line, label, at->key,
					       "'%s' is not a PCI address (such as 0000:03:00.0)",
					       bad);
			break;
		case KA_GUEST_SERVICES: {
			char word[64];

			if (gs_services_parse(val, &vm->guest_services, word, sizeof(word)))
				kvmrt_diag_add(d, KVMRT_ERROR, file, line, label, at->key,
					       "'%s' is not a guest service (ping, log_msg, xtrace_flush, xtrace_log_data, all, none)",
					       word);
			break;
		}
		default:
			break;
		}
	}

	if (!vm->name)
		kvmrt_diag_add(d, KVMRT_ERROR, file, vm->line, label, "name",
			       "missing: every VM needs a name");
	/* a malformed cpuset is said once, about the cpuset */
	if (vm->nr_vcpus_auto && !vm->cpuset_unresolved && !cpuset_bad) {
		if (xtrace_idset_empty(vm->cpuset))
			kvmrt_diag_add(d, KVMRT_ERROR, file, vm->attr_line[KA_NR_VCPUS], label,
				       "nr_vcpus", "auto needs a cpuset (it gives one vCPU per CPU of the cpuset but the first)");
		else if ((n = auto_vcpus(vm)) < 0)
			return n;
		else
			vm->nr_vcpus = n;
	}
	/*
	 * auto gives a real-time VM's number only on the host (its siblings go
	 * offline): nothing said about it before kvmrt_config_resolve()
	 */
	if (!vm->topo_auto &&
	    !(vm->nr_vcpus_auto && (vm->cpuset_unresolved || (vm->rt && !vm->topo))) &&
	    vm->sockets * vm->cores * vm->threads != vm->nr_vcpus)
		kvmrt_diag_add(d, KVMRT_ERROR, file, vm->attr_line[KA_CPU_TOPOLOGY], label,
			       "cpu_topology", "%d sockets x %d cores x %d threads make %d vCPUs, but nr_vcpus is %d", vm->sockets, vm->cores, vm->threads,
			       vm->sockets * vm->cores * vm->threads, vm->nr_vcpus);
	if (vm->topo_auto) {
		vm->sockets = 1;
		vm->cores = vm->nr_vcpus;
		vm->threads = 1;
	}
	return 0;
}

/* ---------------------------------------------------------------- parsing */

struct parse_ctx {
	struct kvmrt_config *cfg;
	const char *text;
	size_t pos;
	int line;		/* the line being read */
	bool indented;		/* it starts with a blank */
	struct kvmrt_vm *cur;	/* the section being read */
	struct kvmrt_attr *prev;	/* the last attribute, for continuation lines */
	int *bad_lines;		/* lines with a syntax error found by the reader */
	int nr_bad;
	int oom;
};

static void note_bad_line(struct parse_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void note_bad_line(struct parse_ctx *c, const char *fmt, ...)
{
	int *v = realloc(c->bad_lines, (c->nr_bad + 1) * sizeof(*v));
	va_list ap;
	char *msg;

	if (!v) {
		c->oom = 1;
		return;
	}
	c->bad_lines = v;
	v[c->nr_bad++] = c->line;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	kvmrt_diag_add(&c->cfg->diags, KVMRT_ERROR, c->cfg->path, c->line, NULL, NULL, "%s",
		       msg ? msg : "syntax error");
	free(msg);
}

static void start_section(struct parse_ctx *c, const char *start)
{
	const char *end = strchr(start, ']');
	struct kvmrt_config *cfg = c->cfg;
	struct kvmrt_vm **v, *vm;
	char *name;

	c->prev = NULL;
	c->cur = NULL;
	if (!end) {
		note_bad_line(c, "section line without ']'");
		return;
	}
	name = strndup(start + 1, end - start - 1);
	vm = calloc(1, sizeof(*vm));
	v = realloc(cfg->vms, (cfg->nr_vms + 1) * sizeof(*v));
	if (!name || !vm || !v) {
		free(name);
		free(vm);
		if (v)
			cfg->vms = v;
		c->oom = 1;
		return;
	}
	cfg->vms = v;
	memmove(name, kvmrt_trim(name), strlen(kvmrt_trim(name)) + 1);
	vm->uuid = name;
	vm->line = c->line;
	cfg->vms[cfg->nr_vms++] = vm;
	c->cur = vm;
}

/*
 * The reader inih calls for each line: it counts lines and sees what inih
 * does not report (where sections start, empty sections, syntax errors, the
 * indentation that makes a continuation line), classifying each line the
 * way inih does.
 */
static char *reader(char *str, int num, void *stream)
{
	struct parse_ctx *c = stream;
	const char *p = c->text + c->pos, *nl, *s;
	size_t n, full;

	if (!*p)
		return NULL;
	nl = strchr(p, '\n');
	full = nl ? (size_t)(nl - p + 1) : strlen(p);
	n = full;
	c->line++;
	if (n > (size_t)num - 1) {
		note_bad_line(c, "line longer than %d characters", num - 2);
		n = num - 2;
		memcpy(str, p, n);
		str[n++] = '\n';
	} else {
		memcpy(str, p, n);
	}
	str[n] = '\0';
	c->pos += full;

	c->indented = isblank((unsigned char)*str);
	s = str;
	while (isspace((unsigned char)*s))
		s++;
	if (!*s || *s == ';' || *s == '#')
		return str;
	if (c->prev && c->indented)
		return str;	/* a continuation line */
	if (*s == '[') {
		start_section(c, s);
	} else if (!strpbrk(s, "=:")) {
		note_bad_line(c, "syntax error: not a [UUID] line, a 'name = value' line, a comment or an indented continuation line");
	}
	return str;
}

static int handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse_ctx *c = user;
	struct kvmrt_config *cfg = c->cfg;
	struct kvmrt_attr *a;
	char *v;

	(void)section;
	if (!c->cur) {
		kvmrt_diag_add(&cfg->diags, KVMRT_ERROR, cfg->path, c->line, NULL, name,
			       "attribute outside a [UUID] section");
		c->prev = NULL;
		return 1;
	}
	if (c->indented && c->prev && !strcmp(name, c->prev->key)) {
		/* a continuation line of a multi-line value */
		if (asprintf(&v, "%s\n%s", c->prev->value, value) < 0) {
			c->oom = 1;
			return 1;
		}
		free(c->prev->value);
		c->prev->value = v;
		c->prev->last_line = c->line;
		return 1;
	}
	a = vm_attr(c->cur, name);
	if (a) {
		kvmrt_diag_add(&cfg->diags, KVMRT_ERROR, cfg->path, c->line, c->cur->uuid, name,
			       "set twice in this VM (first at line %d); this one is ignored",
			       a->line);
		c->prev = NULL;
		return 1;
	}
	c->prev = vm_add_attr(c->cur, name, value, c->line);
	if (!c->prev)
		c->oom = 1;
	return 1;
}

static int split_lines(struct kvmrt_config *cfg, const char *text)
{
	const char *p = text;

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		char **v = realloc(cfg->lines, (cfg->nr_lines + 1) * sizeof(*v));

		if (!v)
			return -ENOMEM;
		cfg->lines = v;
		if (n && p[n - 1] == '\r')
			n--;
		v[cfg->nr_lines] = strndup(p, n);
		if (!v[cfg->nr_lines])
			return -ENOMEM;
		cfg->nr_lines++;
		p += nl ? (size_t)(nl - p + 1) : strlen(p);
	}
	return 0;
}

/* The checks across sections: unique UUIDs and names. */
static void check_unique(struct kvmrt_config *cfg)
{
	struct kvmrt_diags *d = &cfg->diags;

	for (int i = 0; i < cfg->nr_vms; i++) {
		struct kvmrt_vm *a = cfg->vms[i];

		if (!kvmrt_valid_uuid(a->uuid))
			kvmrt_diag_add(d, KVMRT_ERROR, cfg->path, a->line, kvmrt_vm_label(a), NULL,
				       "section name '%s' is not a UUID such as "
				       "aeec46cc-0638-4949-ac04-146b233194a9", a->uuid);
		for (int j = 0; j < i; j++) {
			struct kvmrt_vm *b = cfg->vms[j];

			if (!strcasecmp(a->uuid, b->uuid))
				kvmrt_diag_add(d, KVMRT_ERROR, cfg->path, a->line,
					       kvmrt_vm_label(a), NULL, "duplicate UUID %s (also the section at line %d)",
					       a->uuid, b->line);
			if (a->name && b->name && *a->name && !strcmp(a->name, b->name))
				kvmrt_diag_add(d, KVMRT_ERROR, cfg->path,
					       a->attr_line[KA_NAME], a->name, "name",
					       "duplicate name (also VM %s at line %d)", b->uuid,
					       b->attr_line[KA_NAME]);
		}
	}
}

struct kvmrt_config *kvmrt_config_new(const char *path)
{
	struct kvmrt_config *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		return NULL;
	cfg->path = strdup(path ? path : KVMRT_DEFAULT_CONFIG);
	if (!cfg->path) {
		free(cfg);
		return NULL;
	}
	return cfg;
}

int kvmrt_config_parse(const char *text, const char *path, struct kvmrt_config **out)
{
	struct kvmrt_config *cfg = kvmrt_config_new(path);
	struct parse_ctx c = { .cfg = cfg, .text = text };
	int ret;

	*out = NULL;
	if (!cfg)
		return -ENOMEM;
	if (!strncmp(text, "\xef\xbb\xbf", 3))
		c.pos = 3;
	ret = split_lines(cfg, text + c.pos);
	if (ret)
		goto fail;

	/* values as written: ';' in a value is text, long lines are fine */
	ini_allow_inline_comments = false;
	ini_allow_multiline = true;
	ini_use_stack = false;
	ini_allow_realloc = false;
	ini_max_line = MAX_LINE;
	ini_initial_alloc = MAX_LINE;
	ret = ini_parse_stream(reader, &c, handler, &c);
	if (ret == -2 || c.oom) {
		ret = -ENOMEM;
		goto fail;
	}
	if (ret > 0) {
		bool known = false;

		for (int i = 0; i < c.nr_bad; i++)
			known |= c.bad_lines[i] == ret;
		if (!known)
			kvmrt_diag_add(&cfg->diags, KVMRT_ERROR, cfg->path, ret, NULL, NULL,
				       "syntax error");
	}
	for (int i = 0; i < cfg->nr_vms; i++) {
		ret = vm_interpret(cfg->vms[i], &cfg->diags, cfg->path);
		if (ret)
			goto fail;
	}
	check_unique(cfg);
	free(c.bad_lines);
	*out = cfg;
	return 0;
fail:
	free(c.bad_lines);
	kvmrt_config_free(cfg);
	return ret;
}

static bool same_diag(const struct kvmrt_diag *a, const struct kvmrt_diag *b)
{
	return a->level == b->level && a->line == b->line && !strcmp(a->msg, b->msg) &&
	       !strcmp(a->attr ? a->attr : "", b->attr ? b->attr : "");
}

int kvmrt_config_resolve(struct kvmrt_config *cfg, const struct kvmrt_topo *topo)
{
	int errors = cfg->diags.errors;

	for (int i = 0; i < cfg->nr_vms; i++) {
		struct kvmrt_diags d = { 0 };
		int ret;

		cfg->vms[i]->topo = topo;
		ret = vm_interpret(cfg->vms[i], &d, cfg->path);
		/* what the first reading said already is not said twice */
		for (int j = 0; !ret && j < d.n; j++) {
			const struct kvmrt_diag *x = &d.v[j];
			bool known = false;

			for (int k = 0; k < cfg->diags.n && !known; k++)
				known = same_diag(x, &cfg->diags.v[k]);
			if (!known)
				kvmrt_diag_add(&cfg->diags, x->level, x->file, x->line, x->vm,
					       x->attr, "%s", x->msg);
		}
		kvmrt_diags_release(&d);
		if (ret)
			return ret;
	}
	return cfg->diags.errors - errors;
}

int kvmrt_config_load(const char *path, struct kvmrt_config **cfg)
{
	char *text = kvmrt_read_file(path, NULL);
	int ret;

	*cfg = NULL;
	if (!text)
		return -errno;
	ret = kvmrt_config_parse(text, path, cfg);
	free(text);
	return ret;
}

void kvmrt_config_free(struct kvmrt_config *cfg)
{
	if (!cfg)
		return;
	for (int i = 0; i < cfg->nr_vms; i++)
		vm_free(cfg->vms[i]);
	free(cfg->vms);
	for (int i = 0; i < cfg->nr_lines; i++)
		free(cfg->lines[i]);
	free(cfg->lines);
	kvmrt_diags_release(&cfg->diags);
	free(cfg->path);
	free(cfg);
}

struct kvmrt_vm *kvmrt_config_find_uuid(const struct kvmrt_config *cfg, const char *uuid)
{
	for (int i = 0; i < cfg->nr_vms; i++)
		if (!strcasecmp(cfg->vms[i]->uuid, uuid))
			return cfg->vms[i];
	return NULL;
}

struct kvmrt_vm *kvmrt_config_find(const struct kvmrt_config *cfg, const char *key)
{
	for (int i = 0; i < cfg->nr_vms; i++)
		if (cfg->vms[i]->name && !strcmp(cfg->vms[i]->name, key))
			return cfg->vms[i];
	return kvmrt_config_find_uuid(cfg, key);
}

struct kvmrt_vm *kvmrt_config_add_vm(struct kvmrt_config *cfg, const char *uuid)
{
	struct kvmrt_vm **v = realloc(cfg->vms, (cfg->nr_vms + 1) * sizeof(*v));
	struct kvmrt_vm *vm = calloc(1, sizeof(*vm));
	struct kvmrt_diags d = { 0 };

	if (v)
		cfg->vms = v;
	if (!v || !vm || !(vm->uuid = strdup(uuid)) || vm_interpret(vm, &d, NULL)) {
		kvmrt_diags_release(&d);
		vm_free(vm);
		errno = ENOMEM;
		return NULL;
	}
	kvmrt_diags_release(&d);
	cfg->vms[cfg->nr_vms++] = vm;
	return vm;
}

int kvmrt_vm_set(struct kvmrt_vm *vm, const char *key, const char *value)
{
	struct kvmrt_attr *a = vm_attr(vm, key);
	struct kvmrt_diags d = { 0 };
	char *old = NULL, *nv;
	int ret;

	if (a && !strcmp(a->value, value))
		return 0;
	if (a) {
		nv = strdup(value);
		if (!nv)
			return -ENOMEM;
		old = a->value;
		a->value = nv;
		a->changed = true;
	} else {
		a = vm_add_attr(vm, key, value, 0);
		if (!a)
			return -ENOMEM;
		a->changed = true;
	}
	ret = vm_interpret(vm, &d, NULL);
	for (int i = 0; !ret && i < d.n; i++)
		if (d.v[i].level == KVMRT_ERROR && d.v[i].attr && !strcasecmp(d.v[i].attr, key))
			ret = -EINVAL;
	kvmrt_diags_release(&d);
	if (ret == -EINVAL && old) {
		/* put the old value back */
		free(a->value);
		a->value = old;
		old = NULL;
		vm_interpret(vm, &d, NULL);
		kvmrt_diags_release(&d);
	}
	free(old);
	return ret ? ret : 1;
}

char *kvmrt_vm_format(const struct kvmrt_vm *vm, enum kvmrt_attr_id a)
{
	struct sbuf b = { 0 };

	switch (a) {
	case KA_NAME:
		return strdup(vm->name ? vm->name : "");
	case KA_TITLE:
		return strdup(vm->title ? vm->title : "");
	case KA_DESCRIPTION:
		return strdup(vm->description ? vm->description : "");
	case KA_COMMENTS:
		return strdup(vm->comments ? vm->comments : "");
	case KA_NR_VCPUS:
		if (vm->nr_vcpus_auto)
			return strdup("auto");
		return kvmrt_asprintf("%d", vm->nr_vcpus);
	case KA_CPU_TOPOLOGY:
		if (vm->topo_auto)
			return strdup("auto");
		return kvmrt_asprintf("%d,%d,%d", vm->sockets, vm->cores, vm->threads);
	case KA_CPUSET:
		return xtrace_idset_format(vm->cpuset);
	case KA_NUMATUNE:
		return vm->numatune_auto ? strdup("auto") : xtrace_idset_format(vm->numatune);
	case KA_RT_MEMORY:
		if (vm->rt_memory == KVMRT_AUTO)
			return strdup("auto");
		return strdup(vm->rt_memory == KVMRT_YES ? "true" : "false");
	case KA_RT:
		return strdup(vm->rt ? "true" : "false");
	case KA_HIDE_KVM:
		return strdup(vm->hide_kvm ? "true" : "false");
	case KA_AUTOSTART:
		return strdup(vm->autostart ? "true" : "false");
	case KA_DISABLED:
		return strdup(vm->disabled ? "true" : "false");
	case KA_PCIDEVS:
		sb_puts(&b, "");
		for (int i = 0; i < vm->nr_pcidevs; i++)
			sb_printf(&b, "%s%s", i ? "," : "", vm->pcidevs[i]);
		return sb_steal(&b);
	case KA_GUEST_SERVICES: {
		char list[64];

		gs_services_format(vm->guest_services, list, sizeof(list));
		return strdup(list);
	}
	default:
		errno = EINVAL;
		return NULL;
	}
}

/* ---------------------------------------------------------------- writing */

static void write_attr(FILE *f, const struct kvmrt_attr *a)
{
	const char *p = a->value, *nl;
	bool first = true;

	fprintf(f, "%s =", a->key);
	do {
		nl = strchr(p, '\n');
		int n = nl ? (int)(nl - p) : (int)strlen(p);

		while (n && isspace((unsigned char)*p)) {
			p++;
			n--;
		}
		if (first)
			fprintf(f, n ? " %.*s\n" : "%.*s\n", n, p);
		else if (n)
			fprintf(f, "    %.*s\n", n, p);
		first = false;
		p = nl ? nl + 1 : NULL;
	} while (p);
}

static void write_new_attrs(FILE *f, const struct kvmrt_vm *vm)
{
	for (int i = 0; i < vm->nr_attrs; i++)
		if (!vm->attrs[i].line)
			write_attr(f, &vm->attrs[i]);
}

int kvmrt_config_write(const struct kvmrt_config *cfg, FILE *f)
{
	int n = cfg->nr_lines;
	const struct kvmrt_attr **replace = calloc(n + 2, sizeof(*replace));
	const struct kvmrt_vm **append = calloc(n + 2, sizeof(*append));
	bool *skip = calloc(n + 2, sizeof(*skip));
	bool wrote = false;
	int ret = 0;

	if (!replace || !append || !skip) {
		ret = -ENOMEM;
		goto out;
	}
	for (int i = 0; i < cfg->nr_vms; i++) {
		const struct kvmrt_vm *vm = cfg->vms[i];
		int anchor = vm->line;

		if (!vm->line)
			continue;
		for (int j = 0; j < vm->nr_attrs; j++) {
			const struct kvmrt_attr *a = &vm->attrs[j];

			if (!a->line)
				continue;
			if (a->last_line > anchor)
				anchor = a->last_line;
			if (!a->changed)
				continue;
			replace[a->line] = a;
			for (int l = a->line + 1; l <= a->last_line && l <= n; l++)
				skip[l] = true;
		}
		if (anchor <= n)
			append[anchor] = vm;
	}
	for (int l = 1; l <= n; l++) {
		if (replace[l])
			write_attr(f, replace[l]);
		else if (!skip[l])
			fprintf(f, "%s\n", cfg->lines[l - 1]);
		if (append[l])
			write_new_attrs(f, append[l]);
		wrote = true;
	}
	for (int i = 0; i < cfg->nr_vms; i++) {
		const struct kvmrt_vm *vm = cfg->vms[i];

		if (vm->line)
			continue;
		if (wrote)
			fputc('\n', f);
		fprintf(f, "[%s]\n", vm->uuid);
		write_new_attrs(f, vm);
		wrote = true;
	}
	if (fflush(f) || ferror(f))
		ret = -EIO;
out:
	free(replace);
	free(append);
	free(skip);
	return ret;
}

int kvmrt_config_save(const struct kvmrt_config *cfg, const char *path)
{
	struct stat st;
	char *tmp;
	FILE *f;
	int fd, ret;

	if (!path)
		path = cfg->path;
	tmp = kvmrt_asprintf("%s.tmpXXXXXX", path);
	if (!tmp)
		return -ENOMEM;
	fd = mkstemp(tmp);
	if (fd < 0) {
		ret = -errno;
		free(tmp);
		return ret;
	}
	fchmod(fd, stat(path, &st) ? 0644 : (st.st_mode & 07777));
	f = fdopen(fd, "w");
	if (!f) {
		ret = -errno;
		close(fd);
		goto fail;
	}
	ret = kvmrt_config_write(cfg, f);
	if (!ret && fsync(fileno(f)))
		ret = -errno;
	if (fclose(f) && !ret)
		ret = -errno;
	if (ret)
		goto fail;
	if (rename(tmp, path)) {
		ret = -errno;
		goto fail;
	}
	free(tmp);
	return 0;
fail:
	unlink(tmp);
	free(tmp);
	return ret;
}
