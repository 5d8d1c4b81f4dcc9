// SPDX-License-Identifier: GPL-2.0
/*
 * libkcap errors: struct kcap_error and the libnl error conversion.
 */

#include <errno.h>
#include <limits.h>
#include <string.h>

#include <netlink/errno.h>
#include <netlink/netlink.h>

#include "unit.h"
#include "kcap.h"
#include "internal.h"

#define LINE_PERM	"permission denied: needs CAP_NET_ADMIN"

/* The permission errors get the line saying what to do. */
static void test_default_perm(void **state)
{
	struct kcap_error e;

	(void)state;
	assert_int_equal(kcap_error_set(&e, -EPERM, KCAP_ERROR_KERNEL, NULL),
			 -EPERM);
	assert_int_equal(e.err, -EPERM);
	assert_int_equal(e.source, KCAP_ERROR_KERNEL);
	assert_string_equal(e.msg, LINE_PERM);
	kcap_error_set(&e, -EACCES, KCAP_ERROR_SYSTEM, NULL);
	assert_string_equal(e.msg, LINE_PERM);
}

/* Other errnos without a message get strerror()'s text. */
static void test_default_strerror(void **state)
{
	static const int errs[] = { EIO, EINVAL, ENOMEM, EBUSY, ENODEV, 4095 };
	struct kcap_error e;
	char want[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		snprintf(want, sizeof(want), "%s", strerror(errs[i]));
		kcap_error_set(&e, -errs[i], KCAP_ERROR_SYSTEM, NULL);
		assert_string_equal(e.msg, want);
	}
}

/* A message is kept, formatted; an empty one gives the default. */
static void test_message(void **state)
{
	struct kcap_error e;

	(void)state;
	kcap_error_set(&e, -EEXIST, KCAP_ERROR_KERNEL, "name %s taken", "x");
	assert_string_equal(e.msg, "name x taken");
	kcap_error_set(&e, -EPERM, KCAP_ERROR_KERNEL, "%s", "");
	assert_string_equal(e.msg, LINE_PERM);
}

/* A long message is cut, still a string; a NULL error is no error. */
static void test_long_and_null(void **state)
{
	char big[2 * KCAP_ERROR_MSG_MAX];
	struct kcap_error e;

	(void)state;
	memset(big, 'm', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	kcap_error_set(&e, -EINVAL, KCAP_ERROR_FILTER, "%s", big);
	assert_int_equal(strlen(e.msg), KCAP_ERROR_MSG_MAX - 1);
	assert_int_equal(kcap_error_set(NULL, -EIO, KCAP_ERROR_SYSTEM, NULL),
			 -EIO);
	kcap_error_clear(NULL);
	kcap_error_clear(&e);
	assert_int_equal(e.err, 0);
	assert_string_equal(e.msg, "");
}

/* Without the module there is no /dev/kcap: the reader says so. */
static void test_reader_without_device(void **state)
{
	struct kcap_reader *r;
	struct kcap_error e;

	(void)state;
	if (access("/dev/" KCAP_DEVICE_NAME, F_OK) == 0)
		skip();
	assert_int_equal(kcap_reader_open(&r, 1, &e), -ENOENT);
	assert_int_equal(e.err, -ENOENT);
	assert_string_equal(e.msg, "the kcap kernel module is not loaded: "
			    "run 'modprobe kcap' as root");
}

/*
 * libnl folds errnos into -NLE_* codes with nl_syserr2nlerr(); those that
 * fold alone must come back unchanged, the others as the one documented.
 */
static void test_nlerr_round_trip(void **state)
{
	static const struct {
		int err;	/* what the kernel or libc says */
		int want;	/* what libkcap gives back */
	} cases[] = {
		{ ENOENT, ENOENT },		{ ESRCH, ENOENT },
		{ EPERM, EPERM },		{ EACCES, EACCES },
		{ ENOMEM, ENOMEM },		{ ENOBUFS, ENOMEM },
		{ EPROTONOSUPPORT, EPROTONOSUPPORT },
		{ EAFNOSUPPORT, EAFNOSUPPORT },
		{ EINTR, EINTR },		{ EAGAIN, EAGAIN },
		{ EBADF, EBADF },		{ ENOTSOCK, EBADF },
		{ EEXIST, EEXIST },		{ EADDRINUSE, EEXIST },
		{ EINVAL, EINVAL },		{ EFAULT, EINVAL },
		{ EBUSY, EBUSY },		{ ERANGE, ERANGE },
		{ ENODEV, ENODEV },		{ EOPNOTSUPP, EOPNOTSUPP },
		{ EADDRNOTAVAIL, EADDRNOTAVAIL },
		{ EIO, EIO },			{ ETIMEDOUT, EIO },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int nlerr = -nl_syserr2nlerr(cases[i].err);

		assert_int_equal(kcap_errno_from_nl(nlerr), -cases[i].want);
	}
}

static void test_nlerr_libnl_own_codes(void **state)
{
	(void)state;
	assert_int_equal(kcap_errno_from_nl(-NLE_FAILURE), -EIO);
	assert_int_equal(kcap_errno_from_nl(-NLE_PARSE_ERR), -EIO);
	assert_int_equal(kcap_errno_from_nl(-NLE_MISSING_ATTR), -EIO);
	assert_int_equal(kcap_errno_from_nl(-NLE_MAX - 1), -EIO);
	assert_int_equal(kcap_errno_from_nl(INT_MIN), -EIO);
}

static void test_nlerr_not_an_error(void **state)
{
	(void)state;
	assert_int_equal(kcap_errno_from_nl(0), 0);
	assert_int_equal(kcap_errno_from_nl(42), 42);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_perm),
		cmocka_unit_test(test_default_strerror),
		cmocka_unit_test(test_message),
		cmocka_unit_test(test_long_and_null),
		cmocka_unit_test(test_reader_without_device),
		cmocka_unit_test(test_nlerr_round_trip),
		cmocka_unit_test(test_nlerr_libnl_own_codes),
		cmocka_unit_test(test_nlerr_not_an_error),
	};

	return cmocka_run_group_tests_name("libkcap errors", tests, NULL, NULL);
}
