// SPDX-License-Identifier: GPL-2.0
/*
 * libkcap errors: the operator hints and the libnl error conversion.
 */

#include <errno.h>
#include <limits.h>
#include <string.h>

#include <netlink/errno.h>
#include <netlink/netlink.h>

#include "unit.h"
#include "kcap.h"
#include "internal.h"

#define HINT_NOMOD	"the kcap kernel module is not loaded: " \
			"run 'modprobe kcap' as root"
#define HINT_PERM	"permission denied: run as root (needs CAP_NET_ADMIN)"
#define HINT_NOGENL	"this kernel has no generic netlink support"

static void test_hint_enoent(void **state)
{
	(void)state;
	assert_string_equal(kcap_strerror_hint(-ENOENT), HINT_NOMOD);
}

static void test_hint_eperm(void **state)
{
	(void)state;
	assert_string_equal(kcap_strerror_hint(-EPERM), HINT_PERM);
}

static void test_hint_eacces(void **state)
{
	(void)state;
	assert_string_equal(kcap_strerror_hint(-EACCES), HINT_PERM);
}

static void test_hint_eprotonosupport(void **state)
{
	(void)state;
	assert_string_equal(kcap_strerror_hint(-EPROTONOSUPPORT), HINT_NOGENL);
}

static void test_hint_eafnosupport(void **state)
{
	(void)state;
	assert_string_equal(kcap_strerror_hint(-EAFNOSUPPORT), HINT_NOGENL);
}

/* The sign of the errno does not matter. */
static void test_hint_positive(void **state)
{
	(void)state;
	assert_string_equal(kcap_strerror_hint(ENOENT), HINT_NOMOD);
	assert_string_equal(kcap_strerror_hint(EPERM), HINT_PERM);
}

/* Errnos without a hint get strerror()'s text. */
static void test_hint_default(void **state)
{
	static const int errs[] = { EIO, EINVAL, ENOMEM, EBUSY, ENODEV, 4095 };
	char want[256];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(errs) / sizeof(errs[0]); i++) {
		snprintf(want, sizeof(want), "%s", strerror(errs[i]));
		assert_string_equal(kcap_strerror_hint(-errs[i]), want);
	}
}

static void test_hint_extremes(void **state)
{
	char want[256];

	(void)state;
	snprintf(want, sizeof(want), "%s", strerror(0));
	assert_string_equal(kcap_strerror_hint(0), want);
	snprintf(want, sizeof(want), "%s", strerror(INT_MIN));
	assert_string_equal(kcap_strerror_hint(INT_MIN), want);
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
		cmocka_unit_test(test_hint_enoent),
		cmocka_unit_test(test_hint_eperm),
		cmocka_unit_test(test_hint_eacces),
		cmocka_unit_test(test_hint_eprotonosupport),
		cmocka_unit_test(test_hint_eafnosupport),
		cmocka_unit_test(test_hint_positive),
		cmocka_unit_test(test_hint_default),
		cmocka_unit_test(test_hint_extremes),
		cmocka_unit_test(test_nlerr_round_trip),
		cmocka_unit_test(test_nlerr_libnl_own_codes),
		cmocka_unit_test(test_nlerr_not_an_error),
	};

	return cmocka_run_group_tests_name("libkcap errors", tests, NULL, NULL);
}
