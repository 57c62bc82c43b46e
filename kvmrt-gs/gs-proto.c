// SPDX-License-Identifier: LGPL-2.1
/*
 * The guest services' wire protocol: formatting and strict parsing of its lines, the service
 * names, hex, and the token bucket of the host's rate limits. No allocation anywhere.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "gs-proto.h"
#include "kvmrt_gs.h"

static const char *const verbs[GS_NR_VERBS] = {
	[GS_HELLO] = "hello", [GS_PING] = "ping", [GS_PINGED] = "pinged",
	[GS_LOG_MSG] = "log_msg", [GS_FLUSH] = "flush", [GS_LOG_DATA] = "log_data",
};
/* the number of decimal arguments of each verb */
static const int nr_args[GS_NR_VERBS] = {
	[GS_HELLO] = 0, [GS_PING] = 2, [GS_PINGED] = 4, [GS_LOG_MSG] = 0, [GS_FLUSH] = 2,
	[GS_LOG_DATA] = 0,
};
static const struct { const char *name; unsigned bit; } services[] = {
	{ "ping", GS_SVC_PING }, { "log_msg", GS_SVC_LOG_MSG },
	{ "xtrace_flush", GS_SVC_FLUSH }, { "xtrace_log_data", GS_SVC_DATA },
};

const char *gs_verb_name(enum gs_verb v)
{
	return v >= 0 && v < GS_NR_VERBS ? verbs[v] : "?";
}

unsigned gs_service_of(enum gs_verb v)
{
	switch (v) {
	case GS_PING:
	case GS_PINGED:
		return GS_SVC_PING;
	case GS_LOG_MSG:
		return GS_SVC_LOG_MSG;
	case GS_FLUSH:
		return GS_SVC_FLUSH;
	case GS_LOG_DATA:
		return GS_SVC_DATA;
	default:
		return 0;
	}
}

void gs_services_format(unsigned mask, char *buf, size_t len)
{
	size_t used = 0;

	if (!len)
		return;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
		int n;

		if (!(mask & services[i].bit))
			continue;
		n = snprintf(buf + used, len - used, "%s%s", used ? "," : "", services[i].name);
		if (n < 0 || (size_t)n >= len - used)
			return;
		used += n;
	}
	if (!used)
		snprintf(buf, len, "none");
}

int gs_services_parse(const char *list, unsigned *mask, char *bad, size_t badlen)
{
	const char *p = list;

	*mask = 0;
	while (*p) {
		size_t n, i;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		n = strcspn(p, " \t,");
		if (n == 3 && !strncasecmp(p, "all", 3)) {
			*mask |= GS_SVC_ALL;
		} else if (n == 4 && !strncasecmp(p, "none", 4)) {
			/* nothing */
		} else {
			for (i = 0; i < sizeof(services) / sizeof(services[0]); i++)
				if (strlen(services[i].name) == n &&
				    !strncasecmp(p, services[i].name, n))
					break;
			if (i == sizeof(services) / sizeof(services[0])) {
				if (bad && badlen)
					snprintf(bad, badlen, "%.*s", (int)n, p);
				return -EINVAL;
			}
			*mask |= services[i].bit;
		}
		p += n;
	}
	return 0;
}

int gs_hex_encode(const void *data, size_t len, char *out, size_t outlen)
{
	static const char digits[] = "0123456789abcdef";
	const uint8_t *d = data;

	if (len * 2 + 1 > outlen)
		return -EMSGSIZE;
	for (size_t i = 0; i < len; i++) {
		out[2 * i] = digits[d[i] >> 4];
		out[2 * i + 1] = digits[d[i] & 15];
	}
	out[2 * len] = '\0';
	return len * 2;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int gs_hex_decode(const char *hex, size_t n, uint8_t *out, size_t max)
{
	if (n % 2)
		return -EINVAL;
	if (n / 2 > max)
		return -EMSGSIZE;
	for (size_t i = 0; i < n; i += 2) {
		int hi = hexval(hex[i]), lo = hexval(hex[i + 1]);

		if (hi < 0 || lo < 0)
			return -EINVAL;
		out[i / 2] = hi << 4 | lo;
	}
	return n / 2;
}

int gs_req_format(const struct gs_req *r, char *buf, size_t len)
{
	int n, k;

	if (r->verb < 0 || r->verb >= GS_NR_VERBS || len < 2)
		return -EINVAL;
	n = snprintf(buf, len, "%u %s", r->id, verbs[r->verb]);
	for (int i = 0; i < nr_args[r->verb] && n > 0 && (size_t)n < len; i++)
		n += snprintf(buf + n, len - n, " %llu", (unsigned long long)r->arg[i]);
	if (n < 0 || (size_t)n >= len - 1)
		return -EMSGSIZE;
	if (r->verb == GS_LOG_MSG || r->verb == GS_LOG_DATA) {
		buf[n++] = ' ';
		k = gs_hex_encode(r->data, r->len, buf + n, len - n - 1);
		if (k < 0)
			return k;
		n += k;
	}
	if ((size_t)n + 2 > len)
		return -EMSGSIZE;
	buf[n++] = '\n';
	buf[n] = '\0';
	return n;
}

/* A decimal number of @line at *@pos up to the next space or the end; strict: no sign, no
 * leading zeros but "0", at most 20 digits, no overflow. */
static int number(const char *line, size_t len, size_t *pos, uint64_t *v)
{
	size_t p = *pos, start = p;
	uint64_t x = 0;

	while (p < len && line[p] >= '0' && line[p] <= '9') {
		unsigned d = line[p] - '0';

		if (x > (UINT64_MAX - d) / 10)
			return -EBADMSG;
		x = x * 10 + d;
		p++;
	}
	if (p == start || (p - start > 1 && line[start] == '0') || (p < len && line[p] != ' '))
		return -EBADMSG;
	*v = x;
	*pos = p;
	return 0;
}

int gs_req_parse(const char *line, size_t len, struct gs_req *r)
{
	size_t pos = 0, w;
	uint64_t id;
	int v, ret;

	memset(r, 0, sizeof(*r));
	if (len >= GS_LINE_MAX || number(line, len, &pos, &id) || id > UINT32_MAX ||
	    pos >= len)
		return -EBADMSG;
	r->id = id;
	pos++;
	w = 0;
	while (pos + w < len && line[pos + w] != ' ')
		w++;
	for (v = 0; v < GS_NR_VERBS; v++)
		if (strlen(verbs[v]) == w && !memcmp(line + pos, verbs[v], w))
			break;
	if (v == GS_NR_VERBS)
		return -EBADMSG;
	r->verb = v;
	pos += w;
	for (int i = 0; i < nr_args[v]; i++) {
		if (pos >= len || line[pos] != ' ')
			return -EBADMSG;
		pos++;
		if (number(line, len, &pos, &r->arg[i]))
			return -EBADMSG;
	}
	if (v == GS_LOG_MSG || v == GS_LOG_DATA) {
		size_t max = v == GS_LOG_MSG ? KVMRT_GS_MSG_MAX : KVMRT_GS_DATA_MAX;

		if (pos >= len || line[pos] != ' ')
			return -EBADMSG;
		pos++;
		ret = gs_hex_decode(line + pos, len - pos, r->data, max);
		if (ret == -EINVAL)
			return -EBADMSG;
		if (ret < 0)
			return ret;
		if (!ret)
			return -EINVAL;
		r->len = ret;
		pos = len;
	}
	if (pos != len)
		return -EBADMSG;
	if (v == GS_FLUSH && r->arg[0] > KVMRT_GS_XTRACE_CPU_ALL)
		return -EINVAL;
	if (v == GS_FLUSH && r->arg[1] > 4095)
		return -EINVAL;
	return 0;
}

int gs_reply_parse(const char *line, uint32_t *id, bool *ok, const char **text)
{
	size_t len = strlen(line), pos = 0;
	uint64_t v;

	if (number(line, len, &pos, &v) || v > UINT32_MAX || pos >= len)
		return -EBADMSG;
	*id = v;
	pos++;
	if (!strncmp(line + pos, "ok", 2) && (line[pos + 2] == ' ' || !line[pos + 2])) {
		*ok = true;
		pos += 2;
	} else if (!strncmp(line + pos, "err", 3) && (line[pos + 3] == ' ' || !line[pos + 3])) {
		*ok = false;
		pos += 3;
	} else {
		return -EBADMSG;
	}
	*text = line + pos + (line[pos] == ' ');
	return 0;
}

bool gs_printable(const uint8_t *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] >= 0x7f)
			return false;
	return true;
}

void gs_bucket_init(struct gs_bucket *b, double rate, double burst, int64_t now_ns)
{
	b->rate = rate;
	b->burst = burst < 1 ? 1 : burst;
	b->tokens = b->burst;
	b->last_ns = now_ns;
}

bool gs_bucket_take(struct gs_bucket *b, int64_t now_ns)
{
	if (now_ns > b->last_ns) {
		b->tokens += (now_ns - b->last_ns) / 1e9 * b->rate;
		if (b->tokens > b->burst)
			b->tokens = b->burst;
		b->last_ns = now_ns;
	}
	if (b->tokens < 1)
		return false;
	b->tokens -= 1;
	return true;
}
