// SPDX-License-Identifier: GPL-2.0
/*
 * --format perfetto-proto: Perfetto's native trace format (a Trace message: repeated
 * TracePacket, field 1), which the Perfetto UI and trace processor load far faster and
 * larger than the JSON. The protobuf encoding is written here directly: track events on
 * tracks described by TrackDescriptors, one process track per system and, under it, one
 * track per CPU and kind of slice (task, kvm: exits and guest runs, hypercall, irq,
 * softirq, syscall, lost) plus one of instants (markers, FLUSH, other events). A slice is
 * a TYPE_SLICE_BEGIN and a TYPE_SLICE_END packet, an instant a TYPE_INSTANT; each begin
 * or instant has its category (the kind), its name and the event's line as a debug
 * annotation "text". Timestamps are UTC ns on the sequence's default clock. Field
 * numbers: protos/perfetto/trace/trace_packet.proto and track_event/ of Perfetto.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tool.h"
#include "spans.h"

/* TracePacket */
#define TP_TIMESTAMP		8
#define TP_SEQUENCE_ID		10	/* trusted_packet_sequence_id */
#define TP_TRACK_EVENT		11
#define TP_SEQUENCE_FLAGS	13
#define TP_TRACK_DESCRIPTOR	60
#define SEQ_INCREMENTAL_STATE_CLEARED 1
/* TrackDescriptor, ProcessDescriptor */
#define TD_UUID			1
#define TD_NAME			2
#define TD_PROCESS		3
#define TD_PARENT_UUID		5
#define PD_PID			1
#define PD_PROCESS_NAME		6
/* TrackEvent, DebugAnnotation */
#define TE_DEBUG_ANNOTATIONS	4
#define TE_TYPE			9
#define TE_TRACK_UUID		11
#define TE_CATEGORIES		22
#define TE_NAME			23
#define DA_STRING_VALUE		6
#define DA_NAME			10
enum { TYPE_SLICE_BEGIN = 1, TYPE_SLICE_END = 2, TYPE_INSTANT = 3 };

enum lane { L_TASK, L_KVM, L_HC, L_IRQ, L_SOFTIRQ, L_SYSCALL, L_EVENTS, L_LOST, NR_LANES };

static const char *const lane_names[NR_LANES] = {
	"task", "kvm", "hypercall", "irq", "softirq", "syscall", "events", "lost",
};

static const enum lane lane_of[NR_SPAN_KINDS] = {
	[S_EXIT] = L_KVM, [S_GUEST] = L_KVM, [S_HC] = L_HC, [S_IRQ] = L_IRQ,
	[S_SOFTIRQ] = L_SOFTIRQ, [S_SYSCALL] = L_SYSCALL, [S_TASK] = L_TASK,
	[S_MARK] = L_EVENTS, [S_EVENT] = L_EVENTS, [S_LOST] = L_LOST,
};

/* a message being built: the strings in it are bounded (spans.h), so is the buffer */
struct pb {
	size_t len;
	uint8_t b[4096];
};

static void pb_varint(struct pb *p, uint64_t v)
{
	while (v >= 0x80 && p->len < sizeof(p->b)) {
		p->b[p->len++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	if (p->len < sizeof(p->b))
		p->b[p->len++] = (uint8_t)v;
}

static void pb_uint(struct pb *p, int field, uint64_t v)
{
	pb_varint(p, (uint64_t)field << 3);
	pb_varint(p, v);
}

/* a length-delimited field: bytes, a string or an embedded message */
static void pb_bytes(struct pb *p, int field, const void *s, size_t len)
{
	pb_varint(p, (uint64_t)field << 3 | 2);
	pb_varint(p, len);
	if (len > sizeof(p->b) - p->len)
		len = sizeof(p->b) - p->len;	/* not reached: the callers' strings are bounded */
	memcpy(p->b + p->len, s, len);
	p->len += len;
}

static void pb_str(struct pb *p, int field, const char *s)
{
	pb_bytes(p, field, s, strlen(s));
}

struct pp {
	struct view *v;
	FILE *ev;			/* the events, written after the descriptors */
	int ncpu;
	uint8_t *lanes;			/* per system and CPU: a bit per lane used */
	bool first;
	struct pb buf[3];		/* a track event, its packet, its annotation */
};

/* a TracePacket (field 1 of Trace) holding @body */
static void packet(FILE *f, const struct pb *body)
{
	struct pb hdr = { 0 };

	pb_varint(&hdr, 1 << 3 | 2);
	pb_varint(&hdr, body->len);
	fwrite(hdr.b, 1, hdr.len, f);
	fwrite(body->b, 1, body->len, f);
}

static uint64_t track_uuid(int src, int cpu, int lane)
{
	/* a system's process track is (src + 1) << 32 */
	return (uint64_t)(src + 1) << 32 | (uint64_t)(cpu + 1) << 8 | (uint64_t)(lane + 1);
}

static void track_event(struct pp *p, int64_t ts, uint64_t uuid, int type, const char *cat,
			const char *name, size_t name_len, const char *text)
{
	struct pb *te = &p->buf[0], *pk = &p->buf[1], *da = &p->buf[2];

	te->len = pk->len = da->len = 0;
	pb_uint(te, TE_TYPE, type);
	pb_uint(te, TE_TRACK_UUID, uuid);
	if (type != TYPE_SLICE_END) {
		pb_str(te, TE_CATEGORIES, cat);
		pb_bytes(te, TE_NAME, name, name_len);
		pb_str(da, DA_NAME, "text");
		pb_str(da, DA_STRING_VALUE, text);
		pb_bytes(te, TE_DEBUG_ANNOTATIONS, da->b, da->len);
	}
	pb_uint(pk, TP_TIMESTAMP, (uint64_t)ts);
	pb_uint(pk, TP_SEQUENCE_ID, 1);
	if (p->first)
		pb_uint(pk, TP_SEQUENCE_FLAGS, SEQ_INCREMENTAL_STATE_CLEARED);
	p->first = false;
	pb_bytes(pk, TP_TRACK_EVENT, te->b, te->len);
	packet(p->ev, pk);
}

static void pp_span(void *ctx, const struct span *s)
{
	struct pp *p = ctx;
	enum lane l = lane_of[s->k];
	uint64_t uuid = track_uuid(s->src, s->cpu, l);
	const char *cat = span_kind_names[s->k], *name;
	char buf[80];
	size_t len;

	p->lanes[s->src * p->ncpu + s->cpu] |= 1u << l;
	name = span_title(s, buf, sizeof(buf), &len);
	if (span_instant(s)) {
		/* an instant named by its label, the line in its "text" */
		track_event(p, s->tod, uuid, TYPE_INSTANT, cat, name, len, s->text);
		return;
	}
	track_event(p, s->tod, uuid, TYPE_SLICE_BEGIN, cat, name, len, s->text);
	track_event(p, xtrace_time_add(s->tod, s->dur), uuid, TYPE_SLICE_END, NULL, NULL, 0, NULL);
}

static void descriptor(FILE *f, uint64_t uuid, uint64_t parent, const char *name, int pid)
{
	struct pb td = { 0 }, pd = { 0 }, pk = { 0 };

	pb_uint(&td, TD_UUID, uuid);
	if (parent) {
		pb_uint(&td, TD_PARENT_UUID, parent);
		pb_str(&td, TD_NAME, name);
	} else {
		pb_uint(&pd, PD_PID, pid);
		pb_str(&pd, PD_PROCESS_NAME, name);
		pb_bytes(&td, TD_PROCESS, pd.b, pd.len);
	}
	pb_uint(&pk, TP_SEQUENCE_ID, 1);
	pb_bytes(&pk, TP_TRACK_DESCRIPTOR, td.b, td.len);
	packet(f, &pk);
}

int run_perfetto_proto(struct view *v)
{
	struct pp *p = calloc(1, sizeof(*p));
	uint64_t *seen = NULL;
	char buf[1 << 16];
	size_t n;
	int ret, ncpu = view_max_cpus(v);

	if (!p)
		return -ENOMEM;
	p->v = v;
	p->first = true;
	p->ncpu = ncpu;
	p->lanes = calloc((size_t)(v->nr ? v->nr : 1) * ncpu, 1);
	p->ev = tmpfile();
	if (!p->lanes || !p->ev) {
		ret = p->lanes ? -errno : -ENOMEM;
		goto out;
	}
	ret = view_spans(v, pp_span, p, &seen);
	if (ret && ret != -EBADMSG)
		goto out;
	/* the tracks first: one process per system, its CPUs' lanes under it */
	for (int i = 0; i < v->nr; i++) {
		uint64_t proc = (uint64_t)(i + 1) << 32;

		if (!v->src[i].selected)
			continue;
		descriptor(stdout, proc, 0, v->src[i].host, i + 1);
		for (int c = 0; c < p->ncpu; c++)
			for (int l = 0; l < NR_LANES; l++) {
				char name[64];

				if (!(p->lanes[i * p->ncpu + c] & 1u << l))
					continue;
				snprintf(name, sizeof(name), "CPU %d %s", c, lane_names[l]);
				descriptor(stdout, track_uuid(i, c, l), proc, name, 0);
			}
	}
	if (fflush(p->ev) || ferror(p->ev) || fseek(p->ev, 0, SEEK_SET)) {
		ret = -errno;
		goto out;
	}
	while ((n = fread(buf, 1, sizeof(buf), p->ev)) > 0)
		fwrite(buf, 1, n, stdout);
	if (ferror(p->ev))
		ret = -EIO;
	if (fflush(stdout) || ferror(stdout))
		ret = -EIO;
out:
	if (p->ev)
		fclose(p->ev);
	free(seen);
	free(p->lanes);
	free(p);
	return ret;
}
