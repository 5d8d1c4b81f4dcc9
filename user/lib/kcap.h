/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libkcap: the userland library of kcap.
 *
 * Calls that can fail return 0 (or a non-negative value) on success and a
 * negative errno on failure; kcap_strerror_hint() turns such an errno into
 * a line telling the operator what to do about it.
 */
#ifndef _LIBKCAP_KCAP_H
#define _LIBKCAP_KCAP_H

/**
 * struct kcap_ctl - opaque control handle.
 *
 * A generic netlink socket bound to the kcap family of the running kernel.
 * Obtained with kcap_ctl_open(), released with kcap_ctl_close().  A handle
 * must not be used from two threads at once.
 */
struct kcap_ctl;

/**
 * kcap_ctl_open() - open a control handle on the kcap kernel module.
 * @ctl: where to store the new handle; set to NULL on failure.
 *
 * Connects a generic netlink socket and resolves the KCAP_GENL_NAME family,
 * which the kernel may load the module to provide, and records its numeric
 * id and version.
 *
 * Return: 0 on success, or a negative errno:
 * -ENOENT if the family is not registered (the module is not loaded),
 * -EPERM or -EACCES if the kernel refused the request,
 * -EPROTONOSUPPORT or -EAFNOSUPPORT if the kernel has no generic netlink,
 * -ENOMEM if memory ran out, another negative errno (-EIO if no better
 * one is known) otherwise.
 */
int kcap_ctl_open(struct kcap_ctl **ctl);

/**
 * kcap_ctl_family_id() - the generic netlink id of the kcap family.
 * @ctl: an open handle.
 *
 * Return: the family id that the kernel assigned when the module registered
 * it, as found by kcap_ctl_open().
 */
int kcap_ctl_family_id(const struct kcap_ctl *ctl);

/**
 * kcap_ctl_family_version() - the version of the kcap family.
 * @ctl: an open handle.
 *
 * Return: the version the module registered the family with, as found by
 * kcap_ctl_open(); compare with KCAP_GENL_VERSION from <linux/kcap.h>.
 */
unsigned int kcap_ctl_family_version(const struct kcap_ctl *ctl);

/**
 * kcap_ctl_close() - close a control handle and free it.
 * @ctl: a handle from kcap_ctl_open(), or NULL (then nothing is done).
 */
void kcap_ctl_close(struct kcap_ctl *ctl);

/**
 * kcap_strerror_hint() - what the operator should do about an error.
 * @err: an errno returned by a libkcap call; its sign is ignored.
 *
 * The hints are written for the errors of kcap_ctl_open(): -ENOENT there
 * means the module is not loaded.
 *
 * Return: a one-line hint without a trailing newline, or strerror(3) text
 * for errors that have no hint.  The string must not be modified; for
 * errors without a hint it may be overwritten by a later strerror() call.
 */
const char *kcap_strerror_hint(int err);

/**
 * kcap_version() - the version of the kcap userland.
 *
 * Return: a static "MAJOR.MINOR.PATCH" string, KCAP_USER_VERSION.
 */
const char *kcap_version(void);

#endif /* _LIBKCAP_KCAP_H */
