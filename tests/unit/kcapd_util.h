/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kcapd unit tests share: JSON written with single quotes, error
 * lines built with printf, long strings, and tables of what is refused.
 */
#ifndef _KCAPD_UTIL_H
#define _KCAPD_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#define KCAPD_TEST_JSON_MAX	(256 * 1024)

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/* A JSON text, as J() takes it, that is refused; and the line why. */
struct kcapd_refusal {
	const char *json;
	const char *msg;
};

/*
 * The printf of @fmt, in a buffer of its own (the last four stay valid);
 * with every ' as " if @json.
 */
static inline __attribute__((format(printf, 2, 3)))
const char *kcapd_test_printf(bool json, const char *fmt, ...)
{
	static char bufs[4][KCAPD_TEST_JSON_MAX];
	static unsigned int next;
	char *buf = bufs[next++ % 4], *c;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, KCAPD_TEST_JSON_MAX, fmt, ap);
	va_end(ap);
	for (c = buf; json && *c; c++) {
		if (*c == '\'')
			*c = '"';
	}
	return buf;
}

/*
 * JSON written with single quotes: the printf of @fmt with every ' as ":
 * J("{'node': '%s'}", name).  A ' in the JSON itself is written \u0027.
 */
#define J(...)	kcapd_test_printf(true, __VA_ARGS__)

/* The printf of @fmt as it is: an error line to expect. */
#define S(...)	kcapd_test_printf(false, __VA_ARGS__)

/* Each JSON text of @table is refused with its line, as @refused checks. */
static inline void kcapd_test_refusals(const struct kcapd_refusal *table,
				       size_t nr,
				       void (*refused)(const char *json,
						       const char *msg))
{
	size_t i;

	for (i = 0; i < nr; i++)
		refused(J("%s", table[i].json), table[i].msg);
}

/* @n times @c, in a buffer of its own (the last four stay valid). */
static inline const char *rep(char c, size_t n)
{
	static char bufs[4][KCAPD_TEST_JSON_MAX / 4];
	static unsigned int next;
	char *buf = bufs[next++ % 4];

	if (n >= sizeof(bufs[0]))
		n = sizeof(bufs[0]) - 1;
	memset(buf, c, n);
	buf[n] = '\0';
	return buf;
}

#endif /* _KCAPD_UTIL_H */
