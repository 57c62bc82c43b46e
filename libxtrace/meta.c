// SPDX-License-Identifier: LGPL-2.1
/*
 * The metadata file of a data directory: INI-style sections of "key = value"
 * lines. Values are escaped (\\, \n, \t, \;, \#) so any text survives. We do not
 * use inih here: Debian's build stops at 200-character lines, and event lists
 * and commands are longer.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xtrace-local.h"
#include "sbuf.h"

static void put_str(struct sbuf *sb, const char *key, const char *val)
{
	const char *v = val ? val : "";
	size_t len = strlen(v);

	sb_printf(sb, "%s = ", key);
	for (const char *p = v; *p; p++) {
		/* blanks at either end would be trimmed by the reader: escape them */
		if ((*p == ' ' || *p == '\t') && (p == v || p == v + len - 1)) {
			sb_put(sb, *p == ' ' ? "\\s" : "\\t", 2);
			continue;
		}
		switch (*p) {
		case '\r': sb_put(sb, "\\r", 2); break;
		case '\\': sb_put(sb, "\\\\", 2); break;
		case '\n': sb_put(sb, "\\n", 2); break;
		case '\t': sb_put(sb, "\\t", 2); break;
		case ';': sb_put(sb, "\\;", 2); break;
		case '#': sb_put(sb, "\\#", 2); break;
		default: sb_put(sb, p, 1);
		}
	}
	sb_put(sb, "\n", 1);
}

static void put_u64(struct sbuf *sb, const char *key, uint64_t v)
{
	sb_printf(sb, "%s = %llu\n", key, (unsigned long long)v);
}

static void put_i64(struct sbuf *sb, const char *key, int64_t v)
{
	sb_printf(sb, "%s = %lld\n", key, (long long)v);
}

static void put_utc(struct sbuf *sb, const char *key, int64_t ns)
{
	char tmp[64];

	xtrace_format_utc(tmp, sizeof(tmp), ns);
	sb_printf(sb, "# %s = %sZ\n", key, tmp);
}

int xtrace_meta_write(const char *dir, const struct xtrace_meta *m)
{
	struct sbuf sb = { 0 };
	char *path;
	int ret;

	sb_printf(&sb, "# xtrace recording metadata (docs/data-directory.md)\n[xtrace]\n");
	sb_printf(&sb, "format = %d.%d\n", m->major, m->minor);
	put_str(&sb, "tool", m->tool);
	sb_printf(&sb, "\n[system]\n");
	put_str(&sb, "hostname", m->hostname);
	put_str(&sb, "kernel", m->kernel);
	put_str(&sb, "arch", m->arch);
	put_u64(&sb, "cpus", m->nr_cpus);
	put_u64(&sb, "long_size", m->long_size);
	put_u64(&sb, "page_size", m->page_size);
	put_str(&sb, "endian", m->big_endian ? "big" : "little");
	sb_printf(&sb, "\n[recording]\n");
	put_str(&sb, "timestamp", m->timestamp);
	put_str(&sb, "trace_clock", m->trace_clock);
	put_str(&sb, "mode", m->mode);
	put_u64(&sb, "buffer_kb", m->buffer_kb);
	put_str(&sb, "cpus", m->cpus);
	put_str(&sb, "events", m->events);
	put_str(&sb, "command", m->command);
	put_i64(&sb, "exit_status", m->exit_status);
	put_i64(&sb, "start", m->start_tod);
	put_utc(&sb, "start", m->start_tod);
	put_i64(&sb, "end", m->end_tod);
	if (m->end_tod)
		put_utc(&sb, "end", m->end_tod);
	put_str(&sb, "complete", m->complete ? "true" : "false");
	if (m->error)
		put_str(&sb, "error", m->error);
	put_i64(&sb, "recorder_pid", m->recorder_pid);
	put_str(&sb, "instance", m->instance);
	sb_printf(&sb, "\n[chrony]\n");
	put_str(&sb, "start", m->chrony_start);
	put_str(&sb, "end", m->chrony_end);
	put_i64(&sb, "error_ns", m->chrony_error_ns);
	if (m->nr_flushes) {
		sb_printf(&sb, "\n[flushes]\n");
		for (int i = 0; i < m->nr_flushes; i++)
			sb_printf(&sb, "flush = %lld %llu %s\n", (long long)m->flushes[i].tod,
				  (unsigned long long)m->flushes[i].pages, m->flushes[i].cpus);
	}
	for (int cpu = 0; cpu < m->nr_cpus && m->cpu; cpu++) {
		const struct xtrace_cpu_meta *c = &m->cpu[cpu];

		if (!c->recorded)
			continue;
		sb_printf(&sb, "\n[cpu%d]\n", cpu);
		put_u64(&sb, "events", c->events);
		put_u64(&sb, "overrun", c->overrun);
		put_u64(&sb, "dropped", c->dropped);
		put_u64(&sb, "pages", c->pages);
		put_u64(&sb, "bytes_raw", c->bytes_raw);
		put_u64(&sb, "bytes_disk", c->bytes_disk);
	}
	if (sb.err) {
		free(sb.buf);
		return sb.err;
	}
	path = xt_path(dir, XT_META_FILE);
	if (!path) {
		free(sb.buf);
		return -ENOMEM;
	}
	ret = xt_write_file_atomic(path, sb.buf, sb.len);
	free(path);
	free(sb.buf);
	return ret;
}

static void unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (*s != '\\' || !s[1]) {
			*d++ = *s;
			continue;
		}
		s++;
		*d++ = *s == 'n' ? '\n' : *s == 't' ? '\t' : *s == 'r' ? '\r' :
		       *s == 's' ? ' ' : *s;
	}
	*d = '\0';
}

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int get_i64(const char *v, int64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoll(v, &end, 10);
	return (errno || end == v || *end) ? -EBADMSG : 0;
}

static int get_u64(const char *v, uint64_t *out)
{
	char *end;

	errno = 0;
	*out = strtoull(v, &end, 10);
	return (errno || end == v || *end || *v == '-') ? -EBADMSG : 0;
}

static int set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
	return *dst ? 0 : -ENOMEM;
}

/*
 * Apply one line of the metadata to @m: 0, -ENOMEM, or -EBADMSG with *@why saying what is wrong
 * with the value when it is more than "not a number" (the caller names the file and the key).
 */
static int apply(struct xtrace_meta *m, const char *sec, const char *key, const char *val,
		 const char **why)
{
	uint64_t u;
	int64_t i;
	int ret = 0;

#define IS(s, k) (!strcmp(sec, s) && !strcmp(key, k))
	if (IS("xtrace", "tool"))
		return set_str(&m->tool, val);
	if (!strcmp(sec, "system")) {
		if (!strcmp(key, "hostname"))
			return set_str(&m->hostname, val);
		if (!strcmp(key, "kernel"))
			return set_str(&m->kernel, val);
		if (!strcmp(key, "arch"))
			return set_str(&m->arch, val);
		/* the layout of every sub-buffer follows from these three: no guess is safe */
		if (!strcmp(key, "long_size")) {
			ret = get_u64(val, &u);
			if (!ret && u != 4 && u != 8) {
				*why = "the kernel's long is 4 or 8 bytes";
				ret = -EBADMSG;
			}
			m->long_size = ret ? 0 : u;
		} else if (!strcmp(key, "page_size")) {
			ret = get_u64(val, &u);
			if (!ret && (u < XT_PAGE_SIZE_MIN || u > XT_PAGE_SIZE_MAX ||
				     (u & (u - 1)))) {
				*why = "a sub-buffer is a power of two from 64 bytes to 16 MiB";
				ret = -EBADMSG;
			}
			m->page_size = ret ? 0 : u;
		} else if (!strcmp(key, "endian")) {
			if (strcmp(val, "big") && strcmp(val, "little")) {
				*why = "'little' or 'big'";
				ret = -EBADMSG;
			}
			m->big_endian = !strcmp(val, "big");
		}
		return ret;
	}
	if (!strcmp(sec, "recording")) {
		char **s = !strcmp(key, "timestamp") ? &m->timestamp :
			   !strcmp(key, "trace_clock") ? &m->trace_clock :
			   !strcmp(key, "mode") ? &m->mode :
			   !strcmp(key, "cpus") ? &m->cpus :
			   !strcmp(key, "events") ? &m->events :
			   !strcmp(key, "command") ? &m->command :
			   !strcmp(key, "error") ? &m->error :
			   !strcmp(key, "instance") ? &m->instance : NULL;

		if (s)
			return set_str(s, val);
		if (!strcmp(key, "buffer_kb"))
			return get_u64(val, &m->buffer_kb);
		if (!strcmp(key, "exit_status")) {
			ret = get_i64(val, &i);
			m->exit_status = i;
		} else if (!strcmp(key, "start")) {
			ret = get_i64(val, &m->start_tod);
		} else if (!strcmp(key, "end")) {
			ret = get_i64(val, &m->end_tod);
		} else if (!strcmp(key, "complete")) {
			m->complete = !strcmp(val, "true");
		} else if (!strcmp(key, "recorder_pid")) {
			ret = get_i64(val, &i);
			m->recorder_pid = i;
		}
		return ret;
	}
	if (IS("chrony", "start"))
		return set_str(&m->chrony_start, val);
	if (IS("chrony", "end"))
		return set_str(&m->chrony_end, val);
	if (IS("chrony", "error_ns"))
		return get_i64(val, &m->chrony_error_ns);
	if (IS("flushes", "flush")) {
		struct xtrace_flush *f = realloc(m->flushes, (m->nr_flushes + 1) * sizeof(*f));
		long long tod;
		unsigned long long pages;
		char cpus[256];

		if (!f)
			return -ENOMEM;
		m->flushes = f;
		cpus[0] = '\0';
		if (sscanf(val, "%lld %llu %255s", &tod, &pages, cpus) < 2)
			return -EBADMSG;
		f = &m->flushes[m->nr_flushes];
		f->tod = tod;
		f->pages = pages;
		f->cpus = strdup(cpus);
		if (!f->cpus)
			return -ENOMEM;
		m->nr_flushes++;
		return 0;
	}
	if (!strncmp(sec, "cpu", 3)) {
		char *end;
		long cpu = strtol(sec + 3, &end, 10);
		struct xtrace_cpu_meta *c;
		uint64_t *field;

		if (end == sec + 3 || *end || cpu < 0 || cpu >= m->nr_cpus) {
			*why = "a section of a CPU the system does not have";
			return -EBADMSG;
		}
		c = &m->cpu[cpu];
		c->recorded = true;
		field = !strcmp(key, "events") ? &c->events :
			!strcmp(key, "overrun") ? &c->overrun :
			!strcmp(key, "dropped") ? &c->dropped :
			!strcmp(key, "pages") ? &c->pages :
			!strcmp(key, "bytes_raw") ? &c->bytes_raw :
			!strcmp(key, "bytes_disk") ? &c->bytes_disk : NULL;
		return field ? get_u64(val, field) : 0;
	}
#undef IS
	return 0;	/* unknown keys of the same major version are ignored */
}

struct kv {
	char *sec, *key, *val;
};

static int parse_lines(const char *path, char *buf, struct kv **out, size_t *nout)
{
	size_t n = 0, cap = 0;
	char *sec = "", *line, *save;
	struct kv *kv = NULL;

	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *eq, *s = trim(line);

		if (!*s || *s == '#' || *s == ';')
			continue;
		if (*s == '[') {
			char *e = strchr(s, ']');

			if (!e || e[1])
				goto bad;
			*e = '\0';
			sec = s + 1;
			continue;
		}
		eq = strchr(s, '=');
		if (!eq)
			goto bad;
		*eq = '\0';
		if (n == cap) {
			struct kv *nk = realloc(kv, (cap = cap ? cap * 2 : 64) * sizeof(*kv));

			if (!nk) {
				free(kv);
				return -ENOMEM;
			}
			kv = nk;
		}
		kv[n].sec = sec;
		kv[n].key = trim(s);
		kv[n].val = trim(eq + 1);
		unescape(kv[n].val);
		n++;
	}
	*out = kv;
	*nout = n;
	return 0;
bad:
	xt_log(XTRACE_LOG_ERROR, "'%s': a line is neither '[section]' nor 'key = value': '%.64s'",
	       path, line);
	free(kv);
	return -EBADMSG;
}

/*
 * Read @dir's metadata file into key/value lines. The version comes first: a
 * newer major version may use a syntax this reader does not know, and deserves
 * "too new" (-ENOTSUP, with the version found set), not "damaged".
 */
static int load_meta(const char *dir, char **buf, struct kv **kv, size_t *n, int *major,
		     int *minor)
{
	char *path = xt_path(dir, XT_META_FILE);
	const char *at;
	int ret;

	*kv = NULL;
	*n = 0;
	if (!path)
		return -ENOMEM;
	ret = xt_read_file(path, buf, NULL);
	if (ret) {
		free(path);
		return ret;
	}
	at = strstr(*buf, "\nformat = ");
	if (!at || sscanf(at + 10, "%d.%d", major, minor) != 2) {
		ret = -EBADMSG;
		goto out;
	}
	if (*major > XTRACE_FORMAT_MAJOR) {
		ret = -ENOTSUP;
		goto out;
	}
	ret = parse_lines(path, *buf, kv, n);
	if (ret) {
		free(path);
		return ret;
	}
	/* within our major version the syntax is known: the version must be where it belongs */
	for (size_t i = 0; i < *n; i++) {
		if (strcmp((*kv)[i].sec, "xtrace") || strcmp((*kv)[i].key, "format"))
			continue;
		ret = sscanf((*kv)[i].val, "%d.%d", major, minor) == 2 ? 0 : -EBADMSG;
		if (!ret && *major > XTRACE_FORMAT_MAJOR)
			ret = -ENOTSUP;
		goto out;
	}
	ret = -EBADMSG;
out:
	if (ret == -EBADMSG)
		xt_log(XTRACE_LOG_ERROR, "'%s': no format version ('[xtrace] format = 1.0')", path);
	free(path);
	return ret;
}

/* Name what is wrong with the value of [@sec] @key in the metadata file of @dir. */
static void bad_value(const char *dir, const char *sec, const char *key, const char *val,
		      const char *why)
{
	xt_log(XTRACE_LOG_ERROR, "'%s/" XT_META_FILE "': [%s] %s = '%.64s' is not valid%s%s", dir,
	       sec, key, val, why ? ": " : "", why ? why : "");
}

int xtrace_meta_read(const char *dir, struct xtrace_meta *m)
{
	const char *why = NULL, *missing;
	struct kv *kv = NULL;
	size_t n = 0, i;
	char *buf = NULL;
	int ret;

	memset(m, 0, sizeof(*m));
	m->exit_status = -1;
	m->chrony_error_ns = -1;
	ret = load_meta(dir, &buf, &kv, &n, &m->major, &m->minor);
	if (ret)
		goto out;
	for (i = 0; i < n; i++) {
		if (!strcmp(kv[i].sec, "system") && !strcmp(kv[i].key, "cpus")) {
			uint64_t c;

			if (get_u64(kv[i].val, &c) || !c || c > XTRACE_MAX_CPUS) {
				bad_value(dir, kv[i].sec, kv[i].key, kv[i].val, "from 1 to 1024 CPUs");
				ret = -EBADMSG;
				goto out;
			}
			m->nr_cpus = c;
		}
	}
	if (!m->nr_cpus) {
		xt_log(XTRACE_LOG_ERROR, "'%s/" XT_META_FILE "': [system] cpus is missing", dir);
		ret = -EBADMSG;
		goto out;
	}
	m->cpu = calloc(m->nr_cpus, sizeof(*m->cpu));
	if (!m->cpu) {
		ret = -ENOMEM;
		goto out;
	}
	for (i = 0; i < n && !ret; i++)
		ret = apply(m, kv[i].sec, kv[i].key, kv[i].val, &why);
	if (ret == -EBADMSG) {
		bad_value(dir, kv[i - 1].sec, kv[i - 1].key, kv[i - 1].val, why);
		goto out;
	}
	missing = !m->hostname ? "[system] hostname" : !m->long_size ? "[system] long_size" :
		  !m->page_size ? "[system] page_size" : !m->timestamp ? "[recording] timestamp" :
		  NULL;
	if (!ret && missing) {
		xt_log(XTRACE_LOG_ERROR, "'%s/" XT_META_FILE "': %s is missing", dir, missing);
		ret = -EBADMSG;
	}
out:
	free(kv);
	free(buf);
	if (ret) {
		int major = m->major, minor = m->minor;

		xtrace_meta_free(m);
		m->major = major;
		m->minor = minor;
	}
	return ret;
}

uint64_t xtrace_meta_lost(const struct xtrace_meta *m)
{
	bool ovw = m->mode && !strcmp(m->mode, "overwrite");
	uint64_t lost = 0;

	for (int c = 0; c < m->nr_cpus && m->cpu; c++)
		lost += m->cpu[c].dropped + (ovw ? 0 : m->cpu[c].overrun);
	return lost;
}

void xtrace_meta_free(struct xtrace_meta *m)
{
	free(m->tool);
	free(m->hostname);
	free(m->kernel);
	free(m->arch);
	free(m->timestamp);
	free(m->trace_clock);
	free(m->mode);
	free(m->cpus);
	free(m->events);
	free(m->command);
	free(m->error);
	free(m->instance);
	free(m->chrony_start);
	free(m->chrony_end);
	free(m->cpu);
	for (int i = 0; i < m->nr_flushes; i++)
		free(m->flushes[i].cpus);
	free(m->flushes);
	memset(m, 0, sizeof(*m));
}

/* ------------------------------------------------------ merged directories */

int xtrace_dir_is_merged(const char *dir)
{
	char *path = xt_path(dir, XT_META_FILE), *buf;
	int ret;

	if (!path)
		return -ENOMEM;
	ret = xt_read_file(path, &buf, NULL);
	free(path);
	if (ret)
		return ret;
	ret = strstr(buf, "\nkind = merged\n") != NULL;
	free(buf);
	return ret;
}

int xtrace_merge_meta_write(const char *dir, const struct xtrace_merge_meta *m)
{
	struct sbuf sb = { 0 };
	char *path;
	int ret;

	sb_printf(&sb, "# xtrace merged directory (docs/data-directory.md)\n[xtrace]\n");
	sb_printf(&sb, "format = %d.%d\nkind = merged\n", m->major, m->minor);
	put_str(&sb, "tool", m->tool);
	sb_printf(&sb, "\n[merge]\n");
	put_u64(&sb, "sources", m->nr_sources);
	put_u64(&sb, "events", m->events);
	put_i64(&sb, "typical_gap_ns", m->typical_gap);
	put_u64(&sb, "uncertain", m->uncertain);
	put_str(&sb, "complete", m->complete ? "true" : "false");
	if (m->error)
		put_str(&sb, "error", m->error);
	for (int i = 0; i < m->nr_warnings; i++)
		put_str(&sb, "warning", m->warnings[i]);
	for (int i = 0; i < m->nr_sources; i++) {
		const struct xtrace_merge_source *s = &m->sources[i];

		sb_printf(&sb, "\n[source%d]\n", i);
		put_str(&sb, "name", s->name);
		put_str(&sb, "hostname", s->hostname);
		put_str(&sb, "input", s->input);
		put_i64(&sb, "offset_ns", s->offset);
		put_u64(&sb, "events", s->events);
		put_u64(&sb, "lost", s->lost);
		put_i64(&sb, "first", s->first);
		put_i64(&sb, "last", s->last);
		put_i64(&sb, "clock_error_ns", s->clock_error);
		put_u64(&sb, "sample_error_ns", s->sample_error);
		put_u64(&sb, "steps", s->steps);
		put_u64(&sb, "damage", s->damage);
		if (s->clock_basis)
			put_str(&sb, "clock_basis", s->clock_basis);
		put_i64(&sb, "clock_offset_ns", s->clock_offset);
		put_i64(&sb, "drift_ppb", s->drift_ppb);
		put_i64(&sb, "clock_bound_ns", s->clock_bound);
		put_u64(&sb, "exchanges", s->exchanges);
	}
	if (sb.err) {
		free(sb.buf);
		return sb.err;
	}
	path = xt_path(dir, XT_META_FILE);
	ret = path ? xt_write_file_atomic(path, sb.buf, sb.len) : -ENOMEM;
	free(path);
	free(sb.buf);
	return ret;
}

static int merge_apply(struct xtrace_merge_meta *m, const char *sec, const char *key,
		       const char *val)
{
	struct xtrace_merge_source *s;
	uint64_t u;
	int64_t i;
	char *end;
	long idx;

	if (!strcmp(sec, "xtrace"))
		return strcmp(key, "tool") ? 0 : set_str(&m->tool, val);
	if (!strcmp(sec, "merge")) {
		if (!strcmp(key, "events"))
			return get_u64(val, &m->events);
		if (!strcmp(key, "typical_gap_ns"))
			return get_i64(val, &m->typical_gap);
		if (!strcmp(key, "uncertain"))
			return get_u64(val, &m->uncertain);
		if (!strcmp(key, "complete"))
			m->complete = !strcmp(val, "true");
		if (!strcmp(key, "error"))
			return set_str(&m->error, val);
		if (!strcmp(key, "warning")) {
			char *w = strdup(val);
			size_t n = m->nr_warnings;

			if (!w || xt_strv_push(&m->warnings, &n, w)) {
				free(w);
				return -ENOMEM;
			}
			m->nr_warnings = n;
		}
		return 0;
	}
	if (strncmp(sec, "source", 6))
		return 0;
	idx = strtol(sec + 6, &end, 10);
	if (end == sec + 6 || *end || idx < 0 || idx >= m->nr_sources)
		return -EBADMSG;
	s = &m->sources[idx];
	if (!strcmp(key, "name"))
		return set_str(&s->name, val);
	if (!strcmp(key, "hostname"))
		return set_str(&s->hostname, val);
	if (!strcmp(key, "input"))
		return set_str(&s->input, val);
	if (!strcmp(key, "offset_ns"))
		return get_i64(val, &s->offset);
	if (!strcmp(key, "events"))
		return get_u64(val, &s->events);
	if (!strcmp(key, "lost"))
		return get_u64(val, &s->lost);
	if (!strcmp(key, "first"))
		return get_i64(val, &s->first);
	if (!strcmp(key, "last"))
		return get_i64(val, &s->last);
	if (!strcmp(key, "clock_error_ns"))
		return get_i64(val, &s->clock_error);
	if (!strcmp(key, "clock_basis"))
		return set_str(&s->clock_basis, val);
	if (!strcmp(key, "clock_offset_ns"))
		return get_i64(val, &s->clock_offset);
	if (!strcmp(key, "drift_ppb"))
		return get_i64(val, &s->drift_ppb);
	if (!strcmp(key, "clock_bound_ns"))
		return get_i64(val, &s->clock_bound);
	if (!strcmp(key, "exchanges")) {
		int ret = get_u64(val, &u);

		s->exchanges = u > INT32_MAX ? INT32_MAX : (int)u;
		return ret;
	}
	if (!strcmp(key, "sample_error_ns") || !strcmp(key, "steps") || !strcmp(key, "damage")) {
		int ret = get_u64(val, &u);

		i = (int64_t)u;
		if (key[0] == 's' && key[1] == 'a')
			s->sample_error = i;
		else if (key[1] == 't')
			s->steps = i;
		else
			s->damage = i;
		return ret;
	}
	return 0;
}

int xtrace_merge_meta_read(const char *dir, struct xtrace_merge_meta *m)
{
	struct kv *kv = NULL;
	size_t n = 0;
	char *buf = NULL;
	int ret;

	memset(m, 0, sizeof(*m));
	ret = load_meta(dir, &buf, &kv, &n, &m->major, &m->minor);
	if (ret)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (!strcmp(kv[i].sec, "merge") && !strcmp(kv[i].key, "sources")) {
			uint64_t c;

			if (get_u64(kv[i].val, &c) || !c || c > 65535) {
				bad_value(dir, kv[i].sec, kv[i].key, kv[i].val, "from 1 to 65535");
				ret = -EBADMSG;
				goto out;
			}
			m->nr_sources = c;
		}
	}
	m->sources = m->nr_sources ? calloc(m->nr_sources, sizeof(*m->sources)) : NULL;
	if (!m->sources) {
		if (!m->nr_sources)
			xt_log(XTRACE_LOG_ERROR, "'%s/" XT_META_FILE "': [merge] sources is missing",
			       dir);
		ret = m->nr_sources ? -ENOMEM : -EBADMSG;
		goto out;
	}
	for (int i = 0; i < m->nr_sources; i++)
		m->sources[i].clock_error = m->sources[i].clock_bound = -1;
	for (size_t i = 0; i < n && !ret; i++) {
		ret = merge_apply(m, kv[i].sec, kv[i].key, kv[i].val);
		if (ret == -EBADMSG)
			bad_value(dir, kv[i].sec, kv[i].key, kv[i].val, NULL);
	}
	for (int i = 0; i < m->nr_sources && !ret; i++) {
		const char *name = m->sources[i].name;

		if (!name || !*name || strchr(name, '/')) {
			xt_log(XTRACE_LOG_ERROR, "'%s/" XT_META_FILE "': [source%d] name is missing or not a directory name",
			       dir, i);
			ret = -EBADMSG;
		}
	}
out:
	free(kv);
	free(buf);
	if (ret) {
		int major = m->major, minor = m->minor;

		xtrace_merge_meta_free(m);
		m->major = major;
		m->minor = minor;
	}
	return ret;
}

void xtrace_merge_meta_free(struct xtrace_merge_meta *m)
{
	for (int i = 0; i < m->nr_sources && m->sources; i++) {
		free(m->sources[i].name);
		free(m->sources[i].hostname);
		free(m->sources[i].input);
		free(m->sources[i].clock_basis);
	}
	free(m->sources);
	for (int i = 0; i < m->nr_warnings; i++)
		free(m->warnings[i]);
	free(m->warnings);
	free(m->tool);
	free(m->error);
	memset(m, 0, sizeof(*m));
}
