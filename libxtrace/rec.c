// SPDX-License-Identifier: LGPL-2.1
/*
 * Opening a data directory: its metadata, clock and decoding files (the
 * kernel's formats into a tep_handle, tasks, syscall names, symbols). The events
 * are read by streams (stream.c), one per CPU, merged by an iterator (iter.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <event-parse.h>

#include "reader.h"

static void load_tasks(struct xtrace_rec *rec)
{
	char *path = xt_path(rec->dir, XT_TASKS_FILE), *buf, *line, *save;

	if (!path || xt_read_file(path, &buf, NULL)) {
		free(path);
		return;
	}
	free(path);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		int pid, tgid, n = 0;

		if (sscanf(line, "%d %d %n", &pid, &tgid, &n) < 2 || !n || !line[n])
			continue;
		tep_register_comm(rec->tep, line + n, pid);
	}
	free(buf);
}

static void load_syscalls(struct xtrace_rec *rec)
{
	char *path = xt_path(rec->dir, XT_SYSCALLS_FILE), *buf, *line, *save;
	long max = -1;

	if (!path || xt_read_file(path, &buf, NULL)) {
		free(path);
		return;
	}
	free(path);
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char name[64];
		long nr;

		if (*line == '#' || sscanf(line, "%ld %63s", &nr, name) != 2 || nr < 0 ||
		    nr > 100000)
			continue;
		if (nr > max) {
			char **s = realloc(rec->syscalls, (nr + 1) * sizeof(*s));

			if (!s)
				break;
			memset(s + max + 1, 0, (nr - max) * sizeof(*s));
			rec->syscalls = s;
			max = nr;
		}
		free(rec->syscalls[nr]);
		rec->syscalls[nr] = strdup(name);
	}
	rec->nr_syscalls = max + 1;
	free(buf);
}

/*
 * Keep the lines of printk_formats that libtraceevent (1.7.1) reads within them: it takes the
 * text after the first ':' but one, strips a quote from its start and three characters from
 * its end without looking, so "ADDR" alone or "ADDR : x" reads outside the line's copy. The
 * kernel's lines are ADDR : "FORMAT". Edits @buf in place.
 */
static void printk_safe_lines(char *buf)
{
	char *out = buf, *line = buf;

	while (*line) {
		size_t len = strcspn(line, "\n");
		char *colon, *fmt, save = line[len];

		line[len] = '\0';
		colon = strchr(line + strspn(line, ":"), ':');
		fmt = colon && colon[1] ? colon + 2 : NULL;
		if (fmt && *fmt == '"')
			fmt++;
		if (fmt && strlen(fmt) >= 3) {
			memmove(out, line, len);
			out += len;
			if (save)
				*out++ = '\n';
		}
		line += len + (save ? 1 : 0);
	}
	*out = '\0';
}

void xt_parse_printk(struct tep_handle *tep, char *buf)
{
	printk_safe_lines(buf);
	tep_parse_printk_formats(tep, buf);
}

int xtrace_rec_load_symbols(struct xtrace_rec *rec)
{
	char *path, *buf;
	int ret;

	if (rec->tdat)
		return xt_tdat_symbols(rec);
	path = xt_path(rec->dir, XT_KALLSYMS_FILE);
	if (!path)
		return -ENOMEM;
	ret = xt_zstd_file_read(path, &buf, NULL);
	free(path);
	if (!ret) {
		ret = tep_parse_kallsyms(rec->tep, buf) ? -EBADMSG : 0;
		free(buf);
	}
	path = xt_path(rec->dir, XT_PRINTK_FILE);
	if (path && !xt_read_file(path, &buf, NULL)) {
		xt_parse_printk(rec->tep, buf);
		free(buf);
	}
	free(path);
	return ret;
}

/* A trace.dat file (or a merged directory's copy of one) as a recording. */
static struct xtrace_rec *tdat_open(char *path)
{
	struct xtrace_rec *rec = calloc(1, sizeof(*rec));
	int ret;

	if (!rec) {
		free(path);
		return NULL;
	}
	rec->dir = path;
	ret = xt_tdat_rec_open(rec, path);
	if (ret) {
		if (ret != -ENOTSUP && ret != -ENOMEM)
			xt_log(XTRACE_LOG_ERROR, "'%s': not a readable trace.dat file (%s)", path,
			       strerror(-ret));
		xtrace_rec_close(rec);
		errno = -ret;
		return NULL;
	}
	return rec;
}

struct xtrace_rec *xtrace_rec_open(const char *dir)
{
	struct xtrace_rec *rec;
	struct stat st;
	char *path;
	int ret;

	if (stat(dir, &st))
		return NULL;
	path = xt_tdat_path(dir);
	if (path)
		return tdat_open(path);
	if (!S_ISDIR(st.st_mode)) {
		errno = ENOTDIR;
		return NULL;
	}
	rec = calloc(1, sizeof(*rec));
	if (!rec)
		return NULL;
	rec->dir = strdup(dir);
	if (!rec->dir) {
		ret = -ENOMEM;
		goto fail;
	}
	ret = xtrace_meta_read(dir, &rec->meta);
	if (ret)
		goto fail;
	rec->tep = tep_alloc();
	if (!rec->tep) {
		ret = -ENOMEM;
		goto fail;
	}
	tep_set_long_size(rec->tep, rec->meta.long_size);
	tep_set_page_size(rec->tep, rec->meta.page_size);
	tep_set_cpus(rec->tep, rec->meta.nr_cpus);
	tep_set_file_bigendian(rec->tep, rec->meta.big_endian ? TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	tep_set_local_bigendian(rec->tep, __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__ ?
				TEP_BIG_ENDIAN : TEP_LITTLE_ENDIAN);
	ret = xt_load_formats(rec);
	if (ret && ret != -ENOMEM)
		ret = -EBADMSG;	/* the metadata is there: the recording is damaged */
	if (ret) {
		xt_log(XTRACE_LOG_ERROR, "'%s': the kernel's event formats are missing or damaged",
		       dir);
		goto fail;
	}
	path = xt_path(dir, XT_CLOCK_FILE);
	ret = path ? xt_clock_read_file(path, &rec->clock) : -ENOMEM;
	free(path);
	if (ret == -ENOENT)
		ret = 0;
	if (ret)
		goto fail;
	rec->clock.ns_units = strcmp(rec->meta.trace_clock ? rec->meta.trace_clock : "", "x86-tsc");
	ret = xt_clock_fast_init(&rec->fclock, &rec->clock);
	if (ret)
		goto fail;
	load_tasks(rec);
	load_syscalls(rec);
	return rec;
fail:
	xtrace_rec_close(rec);
	errno = -ret;
	return NULL;
}

void xtrace_rec_close(struct xtrace_rec *rec)
{
	if (!rec)
		return;
	xt_tdat_free(rec->tdat);
	if (rec->tep)
		tep_free(rec->tep);
	for (long i = 0; i < rec->nr_syscalls; i++)
		free(rec->syscalls[i]);
	free(rec->syscalls);
	xt_clock_fast_free(&rec->fclock);
	free(rec->clock.samples);
	xtrace_meta_free(&rec->meta);
	free(rec->dir);
	free(rec->name);
	free(rec);
}

const struct xtrace_meta *xtrace_rec_meta(const struct xtrace_rec *rec)
{
	return &rec->meta;
}

const struct xtrace_clock *xtrace_rec_clock(const struct xtrace_rec *rec)
{
	return &rec->clock;
}

struct tep_handle *xtrace_rec_tep(struct xtrace_rec *rec)
{
	return rec->tep;
}

const char *xtrace_rec_dir(const struct xtrace_rec *rec)
{
	return rec->dir;
}

const char *xtrace_rec_name(const struct xtrace_rec *rec)
{
	return rec->name ? rec->name : rec->meta.hostname;
}

int64_t xtrace_rec_offset(const struct xtrace_rec *rec)
{
	return rec->offset;
}

int xt_rec_set_source(struct xtrace_rec *rec, const char *name, int64_t offset)
{
	char *n = name ? strdup(name) : NULL;

	if (name && !n)
		return -ENOMEM;
	free(rec->name);
	rec->name = n;
	rec->offset = offset;
	return 0;
}

int xt_rec_set_clock(struct xtrace_rec *rec, struct xtrace_clock_sample *samples, size_t n)
{
	xt_clock_fast_free(&rec->fclock);
	free(rec->clock.samples);
	rec->clock.samples = samples;
	rec->clock.nr_samples = n;
	rec->mapped = true;
	return xt_clock_fast_init(&rec->fclock, &rec->clock);
}

int xt_rec_nr_streams(const struct xtrace_rec *rec)
{
	return rec->tdat ? xt_tdat_nr_streams(rec) : rec->meta.nr_cpus;
}

int xt_rec_stream_cpu(const struct xtrace_rec *rec, int k)
{
	if (rec->tdat)
		return xt_tdat_stream_cpu(rec, k);
	return rec->meta.cpu[k].recorded ? k : -1;
}

const char *xtrace_rec_syscall_name(const struct xtrace_rec *rec, long nr)
{
	if (nr < 0 || nr >= rec->nr_syscalls)
		return NULL;
	return rec->syscalls[nr];
}

const char *xtrace_rec_comm(const struct xtrace_rec *rec, int pid)
{
	if (!tep_is_pid_registered(rec->tep, pid))
		return NULL;
	return tep_data_comm_from_pid(rec->tep, pid);
}
