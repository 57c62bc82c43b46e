/* SPDX-License-Identifier: LGPL-2.1 */
/*
 * The guest services' wire protocol (docs/guest-services.md), shared by the guest library and
 * the host agent: one line of printable ASCII per message, at most GS_LINE_MAX bytes with its
 * '\n'. Requests "ID VERB ARGS", replies "ID ok TEXT" or "ID err TEXT". Binary data travels in
 * hex. Nothing here allocates: the guest library uses it on real-time paths.
 */
#ifndef _KVMRT_GS_PROTO_H
#define _KVMRT_GS_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GS_LINE_MAX	512

enum gs_verb { GS_HELLO, GS_PING, GS_PINGED, GS_LOG_MSG, GS_FLUSH, GS_LOG_DATA, GS_NR_VERBS };

/* services, as bits: what the host offers a VM */
#define GS_SVC_PING	(1u << 0)
#define GS_SVC_LOG_MSG	(1u << 1)
#define GS_SVC_FLUSH	(1u << 2)
#define GS_SVC_DATA	(1u << 3)
#define GS_SVC_ALL	(GS_SVC_PING | GS_SVC_LOG_MSG | GS_SVC_FLUSH | GS_SVC_DATA)

struct gs_req {
	uint32_t id;
	enum gs_verb verb;
	/* ping: cookie, t_req; pinged: + t_ans, t_host; flush: scope, vcpu */
	uint64_t arg[4];
	uint8_t data[256];	/* log_msg, log_data: the bytes (hex on the wire) */
	size_t len;
};

/** gs_verb_name - "hello", "ping", ... as on the wire */
const char *gs_verb_name(enum gs_verb v);

/** gs_service_of - the service bit a verb needs (0 for hello and pinged's ping) */
unsigned gs_service_of(enum gs_verb v);

/**
 * gs_services_format - @mask as "ping,log_msg,xtrace_flush,xtrace_log_data" ("none" if 0)
 * into @buf of @len bytes (64 are enough)
 */
void gs_services_format(unsigned mask, char *buf, size_t len);

/** gs_services_parse - a list such as "ping, log_msg" (also "all", "none"); -EINVAL: *@bad */
int gs_services_parse(const char *list, unsigned *mask, char *bad, size_t badlen);

/**
 * gs_hex_encode - @len bytes of @data as lowercase hex into @out (@outlen bytes, with the
 * NUL); returns the characters written or -EMSGSIZE
 */
int gs_hex_encode(const void *data, size_t len, char *out, size_t outlen);

/**
 * gs_hex_decode - @n hex characters of @hex into @out (at most @max bytes); returns the
 * bytes decoded, -EINVAL for an odd count or a character that is not hex, -EMSGSIZE
 */
int gs_hex_decode(const char *hex, size_t n, uint8_t *out, size_t max);

/**
 * gs_req_format - @r as a request line with its '\n' into @buf (GS_LINE_MAX bytes); returns
 * its length or -EMSGSIZE
 */
int gs_req_format(const struct gs_req *r, char *buf, size_t len);

/**
 * gs_req_parse - one request line of @len bytes (without its '\n'), from an untrusted guest
 * Returns 0, or -EBADMSG (not a request; r->id is set when the line began with one),
 * -EMSGSIZE (data too long), -EINVAL (an argument out of range).
 */
int gs_req_parse(const char *line, size_t len, struct gs_req *r);

/**
 * gs_reply_parse - a reply line (without '\n'): *@id, *@ok and *@text (points into @line)
 * Returns 0 or -EBADMSG.
 */
int gs_reply_parse(const char *line, uint32_t *id, bool *ok, const char **text);

/** gs_printable - @len bytes of @s are printable ASCII (a message for a log) */
bool gs_printable(const uint8_t *s, size_t len);

/* A token bucket: @rate tokens a second, at most @burst saved. */
struct gs_bucket {
	double rate, burst, tokens;
	int64_t last_ns;
};

/** gs_bucket_init - a full bucket at @now_ns */
void gs_bucket_init(struct gs_bucket *b, double rate, double burst, int64_t now_ns);

/** gs_bucket_take - take a token at @now_ns: true if there was one */
bool gs_bucket_take(struct gs_bucket *b, int64_t now_ns);

#endif
