// SPDX-License-Identifier: GPL-2.0
/*
 * libkcap: the control handle, against the running kernel.
 *
 * The host that runs the unit tests has no kcap module and cannot load one,
 * so opening a handle must fail with -ENOENT.  Where the module is loaded
 * that test is skipped: what an open handle finds is checked in a guest
 * that has the module, not here.  The same code is run to success on the
 * generic netlink controller's own family, which every kernel has.
 */

#include <errno.h>

#include <linux/genetlink.h>

#include "unit.h"
#include "kcap.h"
#include "internal.h"

static void test_open_without_module(void **state)
{
	static char junk;
	struct kcap_ctl *ctl = (struct kcap_ctl *)&junk;	/* must be reset */
	int err;

	(void)state;
	err = kcap_ctl_open(&ctl);
	/* Checked after the call: the kernel may have loaded the module. */
	if (kcap_module_loaded()) {
		if (!err)
			kcap_ctl_close(ctl);
		skip();
	}
	assert_int_equal(err, -ENOENT);
	assert_null(ctl);
}

/* The family of the generic netlink controller: "nlctrl", id GENL_ID_CTRL. */
static void test_open_nlctrl(void **state)
{
	struct kcap_ctl *ctl;
	int err;

	(void)state;
	err = kcap_ctl_open_family(&ctl, "nlctrl");
	assert_int_equal(err, 0);
	assert_non_null(ctl);
	assert_int_equal(kcap_ctl_family_id(ctl), GENL_ID_CTRL);
	assert_true(kcap_ctl_family_version(ctl) >= 1);
	kcap_ctl_close(ctl);
}

static void test_open_no_such_family(void **state)
{
	struct kcap_ctl *ctl;

	(void)state;
	assert_int_equal(kcap_ctl_open_family(&ctl, "kcap-no-such"), -ENOENT);
	assert_null(ctl);
}

static void test_close_null(void **state)
{
	(void)state;
	kcap_ctl_close(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_without_module),
		cmocka_unit_test(test_open_nlctrl),
		cmocka_unit_test(test_open_no_such_family),
		cmocka_unit_test(test_close_null),
	};

	return cmocka_run_group_tests_name("libkcap ctl", tests, NULL, NULL);
}
