/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kcapd: what config.c and request.c share, the checks of the JSON values
 * that both read.  Not for kcapd's other parts: they use kcapd.h.
 */
#ifndef _KCAPD_PARSE_H
#define _KCAPD_PARSE_H

#include <stdint.h>

#include "kcapd.h"

struct json_t;

#define KCAPD_IFACES_MAX	256	/* [[interface]] entries */
#define KCAPD_SECONDS_MAX	UINT32_MAX

/*
 * What a string must be, one check each: NULL if @s is one, else the end
 * of the error line ("is not an S3 canned ACL (private, ...)").
 */
typedef const char *(*kcapd_check_fn)(const char *s);

const char *kcapd_check_ifname(const char *s);
const char *kcapd_check_bucket(const char *s);
const char *kcapd_check_endpoint(const char *s);
const char *kcapd_check_folder(const char *s);
const char *kcapd_check_region(const char *s);
const char *kcapd_check_acl(const char *s);

/*
 * Fill @err (NULL: nowhere) with one line of UTF-8 (control characters,
 * which a file or message may hold, as '?'); return -1.
 */
int kcapd_parse_err(struct kcapd_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/*
 * @s for an error line: control characters as '?', cut to 64 bytes at
 * most (between UTF-8 characters) and "...", in @buf.  Every string of a
 * file or message is shown through it.
 */
#define KCAPD_QUOTE_MAX	72
const char *kcapd_quote(const char *s, char buf[KCAPD_QUOTE_MAX]);

/*
 * The string @v, named @where in an error: a JSON string of at most @max
 * bytes, without control characters, and that @check (NULL: none) takes.
 * *@s is it, or NULL for "" (an empty string is an absent one).
 * 0, or -1 with @err filled.
 */
int kcapd_json_string(const char *where, const struct json_t *v, size_t max,
		      kcapd_check_fn check, const char **s,
		      struct kcapd_err *err);

/*
 * The integer @v, named @where in an error, within @min..@max (at most
 * INT64_MAX, JSON's integers being int64_t's here).  0, or -1 with @err
 * filled.
 */
int kcapd_json_uint(const char *where, const struct json_t *v, uint64_t min,
		    uint64_t max, uint64_t *n, struct kcapd_err *err);

#endif /* _KCAPD_PARSE_H */
