// SPDX-License-Identifier: LGPL-2.1
/*
 * fuzz-meta: the input is an xtrace.meta file. Read as a recording's and as a
 * merged directory's metadata; what reads is written again and must read back
 * the same (the writer escapes what the reader unescapes).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "xtrace-local.h"
#include "fuzz.h"

static bool str_eq(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b)) || (!a && b && !*b) || (a && !*a && !b);
}

static void check_meta(const char *out, struct xtrace_meta *m)
{
	struct xtrace_meta r;

	xtrace_meta_lost(m);
	if (xtrace_meta_write(out, m) || xtrace_meta_read(out, &r))
		abort();
	if (r.nr_cpus != m->nr_cpus || r.long_size != m->long_size ||
	    r.page_size != m->page_size || r.big_endian != m->big_endian ||
	    r.start_tod != m->start_tod || r.end_tod != m->end_tod ||
	    r.nr_flushes != m->nr_flushes || r.complete != m->complete ||
	    !str_eq(r.hostname, m->hostname) || !str_eq(r.timestamp, m->timestamp) ||
	    !str_eq(r.command, m->command) || !str_eq(r.events, m->events) ||
	    !str_eq(r.error, m->error))
		abort();
	for (int c = 0; c < m->nr_cpus; c++)
		if (r.cpu[c].recorded != m->cpu[c].recorded ||
		    (m->cpu[c].recorded && (r.cpu[c].events != m->cpu[c].events ||
					    r.cpu[c].bytes_disk != m->cpu[c].bytes_disk)))
			abort();
	xtrace_meta_free(&r);
}

static void check_merge_meta(const char *out, struct xtrace_merge_meta *m)
{
	struct xtrace_merge_meta r;

	if (xtrace_merge_meta_write(out, m) || xtrace_merge_meta_read(out, &r))
		abort();
	if (r.nr_sources != m->nr_sources || r.events != m->events ||
	    r.nr_warnings != m->nr_warnings || r.complete != m->complete)
		abort();
	for (int i = 0; i < m->nr_sources; i++)
		if (!str_eq(r.sources[i].name, m->sources[i].name) ||
		    r.sources[i].offset != m->sources[i].offset)
			abort();
	xtrace_merge_meta_free(&r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *in, *out;
	struct xtrace_merge_meta mm;
	struct xtrace_meta m;

	if (!in) {
		fz_quiet();
		in = xt_path(fz_workdir(), "in");
		out = xt_path(fz_workdir(), "out");
		if (!in || !out || mkdir(in, 0755) || mkdir(out, 0755))
			abort();
	}
	if (fz_write(in, XT_META_FILE, data, size))
		abort();
	if (!xtrace_meta_read(in, &m)) {
		check_meta(out, &m);
		xtrace_meta_free(&m);
	}
	xtrace_dir_is_merged(in);
	if (!xtrace_merge_meta_read(in, &mm)) {
		check_merge_meta(out, &mm);
		xtrace_merge_meta_free(&mm);
	}
	return 0;
}
