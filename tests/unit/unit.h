/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kcap unit tests share.
 */
#ifndef _KCAP_UNIT_H
#define _KCAP_UNIT_H

/* cmocka.h needs these first. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <unistd.h>

/*
 * Whether the kcap module is loaded on this host, so that the kcap family
 * exists.  The tests expect it not to be and skip() what depends on that.
 */
static inline bool kcap_module_loaded(void)
{
	return access("/sys/module/kcap", F_OK) == 0;
}

#endif /* _KCAP_UNIT_H */
