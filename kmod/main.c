// SPDX-License-Identifier: GPL-2.0
/*
 * kcap: packet capture sessions on Linux net devices.
 *
 * Module entry points and parameters: bring up the session registry, the
 * device through which rings are mapped and the control plane (generic
 * netlink), and take them down in reverse.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/rcupdate.h>
#include <net/genetlink.h>
#include <linux/kcap.h>

#include "internal.h"
#include "version.h"

/*
 * Limits.  Each network namespace has its own, so that what a user does in
 * a namespace of its own (unshare -Urn) cannot use up another's; the
 * namespaces other than the initial one share ceilings on top, so that
 * together they cannot take the system's memory.  The initial namespace,
 * the machine's administrator's, is held only to its own limits.
 */
unsigned int kcap_max_sessions = 64;
module_param_named(max_sessions, kcap_max_sessions, uint, 0644);
MODULE_PARM_DESC(max_sessions,
		 "Most capture sessions of a network namespace (default 64)");

unsigned int kcap_ring_size_max = 64 << 20;
module_param_named(ring_size_max, kcap_ring_size_max, uint, 0644);
MODULE_PARM_DESC(ring_size_max,
		 "Largest per-CPU ring a session may ask for, in bytes (default 64 MiB)");

unsigned long kcap_mem_max = 256UL << 20;
module_param_named(mem_max, kcap_mem_max, ulong, 0644);
MODULE_PARM_DESC(mem_max,
		 "Most memory the rings of a network namespace's sessions may take, in bytes (default 256 MiB)");

unsigned int kcap_max_sessions_all = 256;
module_param_named(max_sessions_all, kcap_max_sessions_all, uint, 0644);
MODULE_PARM_DESC(max_sessions_all,
		 "Most sessions of all network namespaces but the initial one together (default 256)");

unsigned long kcap_mem_max_all = 1UL << 30;
module_param_named(mem_max_all, kcap_mem_max_all, ulong, 0644);
MODULE_PARM_DESC(mem_max_all,
		 "Most ring memory of all network namespaces but the initial one together, in bytes (default 1 GiB)");

static int __init kcap_init(void)
{
	int err;

	err = kcap_session_registry_init();
	if (err)
		return err;

	err = kcap_chrdev_init();
	if (err)
		goto err_registry;

	err = kcap_genl_init();
	if (err)
		goto err_chrdev;

	pr_info("version " KCAP_VERSION " loaded\n");
	return 0;

err_chrdev:
	kcap_chrdev_exit();
err_registry:
	kcap_session_registry_exit();
	return err;
}

static void __exit kcap_exit(void)
{
	kcap_genl_exit();
	kcap_chrdev_exit();
	kcap_session_registry_exit();
	/*
	 * Settings a SET replaced are freed by call_rcu() with a callback in
	 * this module's text: let the last of them run before it goes.
	 */
	rcu_barrier();
}

module_init(kcap_init);
module_exit(kcap_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("The kcap authors");
MODULE_DESCRIPTION("Packet capture sessions on net devices, with mmap'd rings");
MODULE_VERSION(KCAP_VERSION);
MODULE_ALIAS_GENL_FAMILY(KCAP_GENL_NAME);
