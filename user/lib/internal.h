/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libkcap internals, shared between its files and with the unit tests.
 */
#ifndef _LIBKCAP_INTERNAL_H
#define _LIBKCAP_INTERNAL_H

struct kcap_ctl;

int kcap_errno_from_nl(int nlerr);

/*
 * kcap_ctl_open() on the generic netlink family @name instead of kcap's,
 * so that the tests can open a family that every kernel has.
 */
int kcap_ctl_open_family(struct kcap_ctl **ctl, const char *name);

#endif /* _LIBKCAP_INTERNAL_H */
