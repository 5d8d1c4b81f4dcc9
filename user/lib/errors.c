// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkcap: struct kcap_error, the one way a failure is explained.
 */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kcap.h"
#include "internal.h"

void kcap_error_clear(struct kcap_error *e)
{
	if (!e)
		return;
	e->err = 0;
	e->source = KCAP_ERROR_SYSTEM;
	e->msg[0] = '\0';
}

/*
 * What an errno means to the operator when nothing more specific is known.
 * The kcap module says which capability a refusal lacks; a refusal without
 * a message comes from a module that wanted CAP_NET_ADMIN for everything.
 */
static const char *kcap_error_default(int err)
{
	switch (err) {
	case -EPERM:
	case -EACCES:
		return "permission denied: needs CAP_NET_ADMIN";
	default:
		return strerror(-err);
	}
}

int kcap_error_set(struct kcap_error *e, int err,
		   enum kcap_error_source source, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return err;
	e->err = err;
	e->source = source;
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(e->msg, sizeof(e->msg), fmt, ap);
		va_end(ap);
	} else {
		e->msg[0] = '\0';
	}
	if (!e->msg[0])
		snprintf(e->msg, sizeof(e->msg), "%s", kcap_error_default(err));
	return err;
}
