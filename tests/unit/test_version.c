// SPDX-License-Identifier: GPL-2.0
/*
 * libkcap: kcap_version(), the version of kmod/version.h.
 */

#include <regex.h>

#include "unit.h"
#include "kcap.h"
#include "../../kmod/version.h"

static void test_version_is_the_modules(void **state)
{
	(void)state;
	assert_non_null(kcap_version());
	assert_string_equal(kcap_version(), KCAP_VERSION);
}

static void test_version_is_semver(void **state)
{
	regex_t re;
	int ret;

	(void)state;
	assert_int_equal(regcomp(&re, "^(0|[1-9][0-9]*)(\\.(0|[1-9][0-9]*)){2}$",
				 REG_EXTENDED | REG_NOSUB), 0);
	ret = regexec(&re, kcap_version(), 0, NULL, 0);
	regfree(&re);
	assert_int_equal(ret, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_version_is_the_modules),
		cmocka_unit_test(test_version_is_semver),
	};

	return cmocka_run_group_tests_name("libkcap version", tests, NULL, NULL);
}
