// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer harness of the guest services' wire protocol (kvmrt-gs/gs-proto.c): what a guest
 * sends the host agent. Each input is split into lines as kvmrt-gsd splits them; a line the
 * parser accepts must format back to itself (up to the case of its hex), replies are parsed
 * as the guest library parses them. t-gs-fuzz.sh runs it for a bounded time in make check.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gs-proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *p = (const char *)data, *end = p + size;

	while (p < end) {
		const char *nl = memchr(p, '\n', end - p);
		size_t len = (nl ? nl : end) - p;
		char line[GS_LINE_MAX + 1], again[GS_LINE_MAX + 1];
		struct gs_req r;

		if (!gs_req_parse(p, len, &r)) {
			int n = gs_req_format(&r, again, sizeof(again));

			if (n <= 0 || (size_t)n != len + 1 || strncasecmp(again, p, len))
				abort();
		}
		if (len < sizeof(line)) {
			const char *text;
			uint32_t id;
			bool ok;

			memcpy(line, p, len);
			line[len] = '\0';
			if (!gs_reply_parse(line, &id, &ok, &text) &&
			    (text < line || text > line + len))
				abort();
		}
		p += len + 1;
	}
	return 0;
}
