// SPDX-License-Identifier: GPL-2.0
/*
 * A libxtrace example: read recordings and count their events per system, CPU
 * and tracepoint, checking on the way that they come out in time order.
 *
 *   count-events DIR...
 *
 * Build against an installed libxtrace with:
 *   cc count-events.c $(pkg-config --cflags --libs xtrace libtraceevent)
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <event-parse.h>
#include <xtrace.h>

struct count {
	char name[96];
	unsigned long long n;
};

int main(int argc, char **argv)
{
	struct xtrace_rec **recs = calloc(argc, sizeof(*recs));
	unsigned long long per_cpu[64][XTRACE_MAX_CPUS / 16] = { { 0 } }, total = 0, lost = 0;
	struct count *counts = NULL;
	int nr_counts = 0, nr = argc - 1, ret;
	struct xtrace_iter *it;
	struct xtrace_event *ev;
	int64_t last = INT64_MIN;
	unsigned long long disorder = 0;

	if (argc < 2 || argc > 65 || !recs) {
		fprintf(stderr, "usage: count-events DIR...\n");
		return 2;
	}
	for (int i = 0; i < nr; i++) {
		recs[i] = xtrace_rec_open(argv[i + 1]);
		if (!recs[i]) {
			fprintf(stderr, "count-events: cannot open '%s': %s\n", argv[i + 1],
				strerror(errno));
			return 1;
		}
	}
	it = xtrace_iter_new(recs, nr, NULL);
	if (!it) {
		perror("count-events");
		return 1;
	}
	while ((ret = xtrace_iter_next(it, &ev)) > 0) {
		struct tep_handle *tep = xtrace_rec_tep(ev->rec);
		struct tep_event *e = tep_find_event_by_record(tep, ev->record);
		char name[96];
		int i;

		if (ev->tod < last)
			disorder++;
		last = ev->tod;
		total++;
		lost += ev->missed;
		if (ev->cpu < XTRACE_MAX_CPUS / 16)
			per_cpu[ev->source][ev->cpu]++;
		snprintf(name, sizeof(name), "%s:%s", e ? e->system : "?", e ? e->name : "?");
		for (i = 0; i < nr_counts && strcmp(counts[i].name, name); i++)
			;
		if (i == nr_counts) {
			struct count *grown = realloc(counts, (nr_counts + 1) * sizeof(*counts));

			if (!grown) {
				fprintf(stderr, "count-events: out of memory\n");
				break;
			}
			counts = grown;
			nr_counts++;
			snprintf(counts[i].name, sizeof(counts[i].name), "%s", name);
			counts[i].n = 0;
		}
		counts[i].n++;
	}
	for (int s = 0; s < nr; s++) {
		const struct xtrace_meta *m = xtrace_rec_meta(recs[s]);

		for (int c = 0; c < m->nr_cpus && c < XTRACE_MAX_CPUS / 16; c++)
			if (m->cpu[c].recorded)
				printf("cpu %s %d %llu\n", m->hostname, c, per_cpu[s][c]);
	}
	for (int i = 0; i < nr_counts; i++)
		printf("event %s %llu\n", counts[i].name, counts[i].n);
	printf("total %llu\nlost %llu\nout_of_order %llu\ndamage %u\n", total, lost, disorder,
	       xtrace_iter_damage(it));
	xtrace_iter_free(it);
	for (int i = 0; i < nr; i++)
		xtrace_rec_close(recs[i]);
	free(recs);
	free(counts);
	return disorder ? 1 : 0;
}
