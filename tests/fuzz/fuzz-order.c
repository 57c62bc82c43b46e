// SPDX-License-Identifier: LGPL-2.1
/*
 * fuzz-order: byte 0 says whether the rest is the order file of a merged
 * directory (the template recording merged with itself, opened once) as is, or
 * its varints, framed by the harness. The directory is replayed, all of it and
 * its CPU 0 only: a replay never shows more events than the sources hold.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "xtrace-local.h"
#include "fuzz.h"

static struct xtrace_set set;
static struct xtrace_cpuset cpu0;
static uint32_t nr_streams;
static size_t total;			/* events of the sources */

static void setup(void)
{
	char *merged = xt_path(fz_workdir(), "merged"), *dirs[] = { merged };
	struct xt_order_header h;
	struct xtrace_event *ev;
	struct xtrace_iter *it;
	size_t len;
	char *buf;
	int bad;

	fz_quiet();
	if (!merged || fz_make_merged(fz_workdir()) || xtrace_set_open(dirs, 1, &set, &bad) ||
	    !set.order)
		abort();
	it = xtrace_iter_new(set.recs, set.nr, NULL);
	while (it && xtrace_iter_next(it, &ev) == 1)
		total++;
	xtrace_iter_free(it);
	if (!total || xtrace_cpuset_parse("0", &cpu0))
		abort();
	if (xt_read_file(set.order, &buf, &len) || len < sizeof(h))
		abort();
	memcpy(&h, buf, sizeof(h));
	nr_streams = h.nr_streams;
	free(buf);
	free(merged);
}

static size_t replay(const struct xtrace_cpuset *cpus)
{
	struct xtrace_iter *it = xtrace_set_iter(&set, cpus);
	struct xtrace_event *ev;
	size_t n = 0;

	if (!it)
		abort();
	for (; xtrace_iter_next(it, &ev) == 1; n++)
		fz_sink += ev->cpu + ev->source + (unsigned int)ev->tod;
	xtrace_iter_free(it);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int ret;

	if (!total)
		setup();
	if (!size)
		return 0;
	if (data[0] % 2 == FZ_RAW_FILE)
		ret = xt_write_file(set.order, data + 1, size - 1);
	else
		ret = fz_write_order(set.order, nr_streams, data + 1, size - 1);
	if (ret)
		abort();
	if (replay(NULL) > total || replay(&cpu0) > total)
		abort();
	return 0;
}
