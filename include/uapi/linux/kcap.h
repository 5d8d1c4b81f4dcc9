/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * kcap: packet capture sessions on Linux net devices.
 *
 * The interface between kcap.ko and userland: the generic-netlink family
 * that controls capture sessions and the character device that maps their
 * rings.  This header is an ABI: it only ever grows.  Values are never
 * renumbered or reused; new commands and attributes are added at the end,
 * before the __KCAP_*_MAX sentinels.
 */
#ifndef _UAPI_LINUX_KCAP_H
#define _UAPI_LINUX_KCAP_H

#include <linux/types.h>

/* Generic-netlink family name and version (CTRL_ATTR_FAMILY_NAME/VERSION). */
#define KCAP_GENL_NAME		"kcap"
#define KCAP_GENL_VERSION	1

/* The misc device through which session rings are mapped: /dev/kcap. */
#define KCAP_DEVICE_NAME	"kcap"

/*
 * Commands of the KCAP_GENL_NAME family.  None is defined yet: the family
 * exists so that userland can find the module and its version.
 */
enum kcap_cmd {
	KCAP_CMD_UNSPEC,

	__KCAP_CMD_MAX,
	KCAP_CMD_MAX = __KCAP_CMD_MAX - 1
};

#endif /* _UAPI_LINUX_KCAP_H */
