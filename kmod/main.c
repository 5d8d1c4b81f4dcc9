// SPDX-License-Identifier: GPL-2.0
/*
 * kcap: packet capture sessions on Linux net devices.
 *
 * Module entry points: bring up the control plane (generic netlink) and the
 * device through which rings are mapped, and take them down in reverse.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <net/genetlink.h>
#include <linux/kcap.h>

#include "kcap.h"
#include "version.h"

static int __init kcap_init(void)
{
	int err;

	err = kcap_chrdev_init();
	if (err)
		return err;

	err = kcap_genl_init();
	if (err)
		goto err_chrdev;

	pr_info("version " KCAP_VERSION " loaded\n");
	return 0;

err_chrdev:
	kcap_chrdev_exit();
	return err;
}

static void __exit kcap_exit(void)
{
	kcap_genl_exit();
	kcap_chrdev_exit();
}

module_init(kcap_init);
module_exit(kcap_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The kcap authors");
MODULE_DESCRIPTION("Packet capture sessions on net devices, with mmap'd rings");
MODULE_VERSION(KCAP_VERSION);
MODULE_ALIAS_GENL_FAMILY(KCAP_GENL_NAME);
