// SPDX-License-Identifier: GPL-2.0
/*
 * Times on the command line: --from/--to/--around take a UTC time of day
 * (2026-11-22T10:00:01.5, or 10:00:01.5 on the day the recording started),
 * epoch seconds (1795000000.25) or an offset from the start (+1.5s, +250ms);
 * a window is TIME±WIDTH (or TIME+-WIDTH).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "view.h"

/* "123", "1.5": ns, digits after the point up to 9 */
static int parse_secs(const char *s, const char **end, int64_t *ns)
{
	int64_t sec = 0, frac = 0;
	int digits = 0, nd = 0;

	while (*s >= '0' && *s <= '9') {
		if (sec > 9000000000LL)
			return -ERANGE;
		sec = sec * 10 + (*s++ - '0');
		nd++;
	}
	if (*s == '.') {
		s++;
		while (*s >= '0' && *s <= '9') {
			if (digits < 9) {
				frac = frac * 10 + (*s - '0');
				digits++;
			}
			s++;
			nd++;
		}
	}
	if (!nd)
		return -EINVAL;
	while (digits++ < 9)
		frac *= 10;
	*ns = sec * 1000000000LL + frac;
	*end = s;
	return 0;
}

/* a duration, unsigned: the library's grammar (a bare number is seconds) */
int parse_duration(const char *s, int64_t *ns)
{
	if (*s == '+' || *s == '-')
		return -EINVAL;
	return xtrace_parse_duration(s, ns) ? -EINVAL : 0;
}

int parse_time(const char *s, int64_t start, int64_t *tod)
{
	struct tm tm = { 0 };
	const char *rest;
	int64_t ns;

	if (*s == '+') {
		if (parse_duration(s + 1, &ns))
			return -EINVAL;
		*tod = start + ns;
		return 0;
	}
	rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!rest) {
		rest = strptime(s, "%Y-%m-%d %H:%M:%S", &tm);
	}
	if (!rest) {
		/* a time of day: on the day the recording started */
		time_t t0 = start / 1000000000LL;

		gmtime_r(&t0, &tm);
		rest = strptime(s, "%H:%M:%S", &tm);
		if (rest && rest - s < 8)
			rest = NULL;
	}
	if (rest) {
		int64_t frac = 0;

		if (*rest == '.') {
			const char *end;
			int64_t v;

			/* ".5" -> parse "0.5" */
			char tmp[32];

			snprintf(tmp, sizeof(tmp), "0%s", rest);
			if (parse_secs(tmp, &end, &v))
				return -EINVAL;
			frac = v;
			rest += end - tmp - 1;
		}
		if (*rest == 'Z')
			rest++;
		if (*rest)
			return -EINVAL;
		*tod = (int64_t)timegm(&tm) * 1000000000LL + frac;
		return 0;
	}
	/* epoch seconds */
	if (parse_secs(s, &rest, &ns) || *rest)
		return -EINVAL;
	*tod = ns;
	return 0;
}

int parse_window(const char *s, int64_t start, int64_t *from, int64_t *to)
{
	const char *sep = strstr(s, "\xc2\xb1");	/* ± */
	size_t seplen = 2;
	char *t;
	int64_t at, w;
	int ret;

	if (!sep) {
		sep = strstr(s + (*s == '+'), "+-");
		seplen = 2;
	}
	if (!sep)
		return -EINVAL;
	t = strndup(s, sep - s);
	if (!t)
		return -ENOMEM;
	ret = parse_time(t, start, &at);
	free(t);
	if (ret || parse_duration(sep + seplen, &w) || w < 0)
		return -EINVAL;
	*from = at - w;
	*to = at + w;
	return 0;
}

/* every system read has no time of day (a trace.dat without --date): times as seconds */
static bool untimed;

void set_untimed(void)
{
	untimed = true;
}

void format_tod(int64_t tod, char *buf, size_t len)
{
	if (untimed)
		snprintf(buf, len, "%lld.%09lld", (long long)(tod / 1000000000LL),
			 (long long)(tod % 1000000000LL < 0 ? -(tod % 1000000000LL) :
				     tod % 1000000000LL));
	else
		xtrace_format_utc(buf, len, tod);
}
