// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkcap: the version, the module's: kmod/version.h is its one place.
 */

#include "kcap.h"
#include "../../kmod/version.h"

const char *kcap_version(void)
{
	return KCAP_VERSION;
}
