// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkcap: the userland version.
 */

#include "kcap.h"
#include "version.h"

const char *kcap_version(void)
{
	return KCAP_USER_VERSION;
}
