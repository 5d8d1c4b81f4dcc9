// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkcap: hints for the operator, one per errno that libkcap returns.
 */

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <string.h>

#include "kcap.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

struct kcap_hint {
	int		err;
	const char	*hint;
};

static const struct kcap_hint kcap_hints[] = {
	{ ENOENT,
	  "the kcap kernel module is not loaded: run 'modprobe kcap' as root" },
	{ EPERM,
	  "permission denied: run as root (needs CAP_NET_ADMIN)" },
	{ EACCES,
	  "permission denied: run as root (needs CAP_NET_ADMIN)" },
	{ EPROTONOSUPPORT,
	  "this kernel has no generic netlink support" },
	{ EAFNOSUPPORT,
	  "this kernel has no generic netlink support" },
};

const char *kcap_strerror_hint(int err)
{
	size_t i;

	/* Negate the table's entries, not err: err may be INT_MIN. */
	for (i = 0; i < ARRAY_SIZE(kcap_hints); i++) {
		if (err == kcap_hints[i].err || err == -kcap_hints[i].err)
			return kcap_hints[i].hint;
	}
	return strerror(err < 0 && err != INT_MIN ? -err : err);
}
