// SPDX-License-Identifier: GPL-2.0
/*
 * The kcap generic-netlink family: the control plane of capture sessions.
 */

#include <net/genetlink.h>
#include <linux/kcap.h>

#include "kcap.h"

static struct genl_family kcap_genl_family __ro_after_init = {
	.name		= KCAP_GENL_NAME,
	.version	= KCAP_GENL_VERSION,
	.netnsok	= true,
	.module		= THIS_MODULE,
};

int __init kcap_genl_init(void)
{
	return genl_register_family(&kcap_genl_family);
}

void kcap_genl_exit(void)
{
	genl_unregister_family(&kcap_genl_family);
}
