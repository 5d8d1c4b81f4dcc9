/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libkcap: the userland version, the one place it is defined.
 */
#ifndef _LIBKCAP_VERSION_H
#define _LIBKCAP_VERSION_H

#define KCAP_USER_VERSION	"0.1.0"

#endif /* _LIBKCAP_VERSION_H */
