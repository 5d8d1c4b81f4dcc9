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
#include <string.h>

#include <linux/genetlink.h>

#include <netlink/attr.h>
#include <netlink/msg.h>

#include "unit.h"
#include "kcap.h"
#include "internal.h"

static void test_open_without_module(void **state)
{
	static char junk;
	struct kcap_ctl *ctl = (struct kcap_ctl *)&junk;	/* must be reset */
	struct kcap_error e;
	int err;

	(void)state;
	err = kcap_ctl_open(&ctl, &e);
	/* Checked after the call: the kernel may have loaded the module. */
	if (kcap_module_loaded()) {
		if (!err)
			kcap_ctl_close(ctl);
		skip();
	}
	assert_int_equal(err, -ENOENT);
	assert_null(ctl);
	assert_int_equal(e.err, -ENOENT);
	assert_string_equal(e.msg, "the kcap kernel module is not loaded: "
			    "run 'modprobe kcap' as root");
	/* Without a struct for the reason: the errno alone. */
	assert_int_equal(kcap_ctl_open(&ctl, NULL), -ENOENT);
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
	/*
	 * nlctrl has a policy per command: no maxattr to go by, so no
	 * attribute counts as newer than the module.
	 */
	if (!kcap_ctl_family_maxattr(ctl))
		assert_false(kcap_ctl_module_older(ctl, 1000));
	else
		assert_true(kcap_ctl_module_older(ctl,
				kcap_ctl_family_maxattr(ctl) + 1));
	assert_false(kcap_ctl_module_older(ctl, 0));
	kcap_ctl_close(ctl);
}

static void test_open_no_such_family(void **state)
{
	struct kcap_ctl *ctl;

	(void)state;
	assert_int_equal(kcap_ctl_open_family(&ctl, "kcap-no-such"), -ENOENT);
	assert_null(ctl);
}

static int count_reply(struct nl_msg *msg, void *arg)
{
	(void)msg;
	++*(int *)arg;
	return 0;
}

static int fail_reply(struct nl_msg *msg, void *arg)
{
	(void)msg;
	++*(int *)arg;
	return -ENOMEM;
}

/* A CTRL_CMD_GETFAMILY request for @name, or a dump of every family. */
static struct nl_msg *getfamily(struct kcap_ctl *ctl, const char *name)
{
	struct nl_msg *msg;

	assert_int_equal(kcap_ctl_msg(ctl, CTRL_CMD_GETFAMILY,
				      name ? 0 : NLM_F_DUMP, &msg), 0);
	if (name)
		assert_int_equal(nla_put_string(msg, CTRL_ATTR_FAMILY_NAME,
						name), 0);
	return msg;
}

/* A request for the controller's own family gets its one reply. */
static void expect_nlctrl_reply(struct kcap_ctl *ctl)
{
	int n = 0;

	assert_int_equal(kcap_ctl_request(ctl, getfamily(ctl, "nlctrl"),
					  count_reply, &n), 0);
	assert_int_equal(n, 1);
}

/*
 * Requests on the controller's family: a reply and its ack, a dump, and a
 * rejection with the kernel's extended-ack message, kept until the next
 * request.
 */
static void test_request_nlctrl(void **state)
{
	const struct kcap_error *e;
	char name[100];
	struct kcap_ctl *ctl;
	int n;

	(void)state;
	assert_int_equal(kcap_ctl_open_family(&ctl, "nlctrl"), 0);
	assert_true(kcap_ctl_port(ctl) != 0);

	expect_nlctrl_reply(ctl);
	assert_int_equal(kcap_ctl_error(ctl)->err, 0);

	n = 0;
	assert_int_equal(kcap_ctl_request(ctl, getfamily(ctl, NULL),
					  count_reply, &n), 0);
	assert_true(n >= 2);	/* nlctrl and at least another family */

	/* A name longer than the policy allows: the kernel says so. */
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	n = 0;
	assert_int_equal(kcap_ctl_request(ctl, getfamily(ctl, name),
					  count_reply, &n), -EINVAL);
	assert_int_equal(n, 0);
	e = kcap_ctl_error(ctl);
	assert_int_equal(e->err, -EINVAL);
	assert_int_equal(e->source, KCAP_ERROR_KERNEL);
	assert_true(strlen(e->msg) > 0);
	assert_string_not_equal(e->msg, strerror(EINVAL));

	/* No such family: an error without a message, and the old one gone. */
	assert_int_equal(kcap_ctl_request(ctl, getfamily(ctl, "kcap-no-such"),
					  count_reply, &n), -ENOENT);
	assert_int_equal(e->err, -ENOENT);
	assert_int_equal(e->source, KCAP_ERROR_KERNEL);
	assert_string_equal(e->msg, strerror(ENOENT));

	/* The socket is still in step after the failures. */
	expect_nlctrl_reply(ctl);
	kcap_ctl_close(ctl);
}

/* A reply handler's error fails the request; the rest is still read. */
static void test_request_reply_error(void **state)
{
	struct kcap_ctl *ctl;
	int n = 0;

	(void)state;
	assert_int_equal(kcap_ctl_open_family(&ctl, "nlctrl"), 0);
	assert_int_equal(kcap_ctl_request(ctl, getfamily(ctl, NULL),
					  fail_reply, &n), -ENOMEM);
	assert_int_equal(n, 1);
	assert_int_equal(kcap_ctl_error(ctl)->source, KCAP_ERROR_SYSTEM);
	assert_string_equal(kcap_ctl_error(ctl)->msg, strerror(ENOMEM));
	/* And the socket is still in step. */
	expect_nlctrl_reply(ctl);
	kcap_ctl_close(ctl);
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
		cmocka_unit_test(test_request_nlctrl),
		cmocka_unit_test(test_request_reply_error),
		cmocka_unit_test(test_close_null),
	};

	return cmocka_run_group_tests_name("libkcap ctl", tests, NULL, NULL);
}
