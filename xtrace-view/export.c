// SPDX-License-Identifier: GPL-2.0
/*
 * --format perfetto: Chrome's trace-event JSON that ui.perfetto.dev opens (one
 * process per system, one track per CPU; VM exits, guest runs, hypercalls, tasks,
 * interrupts and system calls as slices; markers, FLUSH and other events as
 * instants), from the slices of spans.c. The native protobuf format is
 * perfetto-proto.c, the HTML timeline html.c.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"
#include "spans.h"

struct pf {
	struct view *v;
	struct out *out;
	bool first;
};

static void pf_ts(struct out *o, int64_t ns)
{
	/* microseconds with ns precision, from the view's start */
	int64_t a = ns < 0 ? -ns : ns;

	out_printf(o, "%s%lld.%03lld", ns < 0 ? "-" : "", (long long)(a / 1000),
		   (long long)(a % 1000));
}

static void pf_span(void *ctx, const struct span *s)
{
	struct pf *p = ctx;
	struct out *o = p->out;
	const char *name;
	char buf[80];
	size_t len;

	out_printf(o, "%s\n{\"pid\":%d,\"tid\":%d,\"ts\":", p->first ? "" : ",", s->src + 1,
		   s->cpu);
	p->first = false;
	pf_ts(o, xtrace_time_sub(s->tod, p->v->start));
	if (span_instant(s)) {
		out_printf(o, ",\"ph\":\"i\",\"s\":\"t\"");
	} else {
		out_printf(o, ",\"ph\":\"X\",\"dur\":");
		pf_ts(o, s->dur);
	}
	out_printf(o, ",\"cat\":\"%s\",\"name\":", span_kind_names[s->k]);
	name = span_title(s, buf, sizeof(buf), &len);
	out_json_str(o, name, len);
	out_printf(o, ",\"args\":{\"text\":");
	out_json_str(o, s->text, strlen(s->text));
	out_printf(o, "}}");
}

int run_perfetto(struct view *v)
{
	struct out *out = calloc(1, sizeof(*out));
	struct pf p = { .v = v, .out = out, .first = true };
	uint64_t *seen = NULL;
	int ret, ncpu = view_max_cpus(v);

	if (!out)
		return -ENOMEM;
	out_printf(out, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[");
	ret = view_spans(v, pf_span, &p, &seen);
	/* one process per system, one thread (track) per CPU */
	for (int i = 0; i < v->nr && seen; i++) {
		if (!v->src[i].selected)
			continue;
		out_printf(out, "%s\n{\"ph\":\"M\",\"pid\":%d,\"name\":\"process_name\",\"args\":{\"name\":",
			   p.first ? "" : ",", i + 1);
		p.first = false;
		out_json_str(out, v->src[i].host, strlen(v->src[i].host));
		out_printf(out, "}}");
		for (int c = 0; c < ncpu; c++)
			if (seen[i * ncpu + c])
				out_printf(out, ",\n{\"ph\":\"M\",\"pid\":%d,\"tid\":%d,\"name\":\"thread_name\",\"args\":{\"name\":\"CPU %d\"}}",
					   i + 1, c, c);
	}
	out_printf(out, "\n]}\n");
	out_flush(out);
	if (out->failed)
		ret = -EIO;
	free(seen);
	free(out);
	return ret;
}
