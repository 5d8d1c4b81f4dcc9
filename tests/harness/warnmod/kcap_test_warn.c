// SPDX-License-Identifier: GPL-2.0
/*
 * Test-only module for the kcap VM harness: it WARNs once on load, so a run
 * that loads it must be reported as failed by the harness's log scanner.
 */

#include <linux/bug.h>
#include <linux/module.h>

static int __init kcap_test_warn_init(void)
{
	WARN(1, "kcap_test_warn: deliberate warning for the harness self-test\n");
	return 0;
}

static void __exit kcap_test_warn_exit(void)
{
}

module_init(kcap_test_warn_init);
module_exit(kcap_test_warn_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kcap test harness: WARN on load (never shipped)");
