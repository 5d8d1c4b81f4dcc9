// SPDX-License-Identifier: GPL-2.0
/*
 * kcap(8): the command dispatcher, run through kcap_main() with its
 * standard output and standard error captured.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "cli.h"
#include "cli_util.h"
#include "../../kmod/version.h"

static void assert_usage(const char *text)
{
	assert_true(!strncmp(text, "Usage: kcap ", strlen("Usage: kcap ")));
	assert_non_null(strstr(text, "\n    version "));
	assert_non_null(strstr(text, "\n    help "));
}

/* A usage error: exit status 2, nothing on stdout, @err on stderr. */
static void assert_usage_error(const struct run *r, const char *err)
{
	assert_int_equal(r->ret, KCAP_EXIT_USAGE);
	assert_string_equal(r->out, "");
	assert_string_equal(r->err, err);
}

static void test_help(void **state)
{
	struct run *r = run_kcap("help", NULL);

	(void)state;
	assert_int_equal(r->ret, KCAP_EXIT_OK);
	assert_usage(r->out);
	assert_string_equal(r->err, "");
}

/* -h and --help print exactly what 'help' prints. */
static void test_help_options(void **state)
{
	static const char *const opts[] = { "-h", "--help" };
	char help[OUT_MAX];
	struct run *r;
	size_t i;

	(void)state;
	r = run_kcap("help", NULL);
	memcpy(help, r->out, sizeof(help));
	for (i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
		r = run_kcap(opts[i], NULL);
		assert_int_equal(r->ret, KCAP_EXIT_OK);
		assert_string_equal(r->out, help);
		assert_string_equal(r->err, "");
	}
}

/*
 * One command's usage: 'kcap help CMD', and -h or --help anywhere among
 * its arguments, as tcpdump takes them.
 */
static void test_command_help(void **state)
{
	char help[OUT_MAX];
	struct run *r;

	(void)state;
	r = run_kcap("help", "capture", NULL);
	assert_int_equal(r->ret, KCAP_EXIT_OK);
	assert_string_equal(r->err, "");
	assert_true(!strncmp(r->out, "Usage: kcap capture -i DEV [-i DEV]...",
			     38));
	assert_non_null(strstr(r->out, "\nCapture a device's frames to a "
				       "file or the terminal.\nSee kcap(8), "
				       "section capture.\n"));
	memcpy(help, r->out, sizeof(help));
	r = run_kcap("capture", "--help", NULL);
	assert_int_equal(r->ret, KCAP_EXIT_OK);
	assert_string_equal(r->out, help);
	r = run_kcap("capture", "-i", "lo", "-h", NULL);
	assert_int_equal(r->ret, KCAP_EXIT_OK);
	assert_string_equal(r->out, help);

	/* The value of an option is not a request for help. */
	r = run_kcap("capture", "-r", "/nonexistent", "-w", "-h", NULL);
	assert_int_equal(r->ret, KCAP_EXIT_FAIL);
	assert_string_equal(r->err, "kcap: cannot read '/nonexistent': No such "
			    "file or directory\n");

	r = run_kcap("help", "show", NULL);
	assert_string_equal(r->out, "Usage: kcap show [NAME] "
			    "[filter|snaplen|stats] [--json]\n\nShow sessions."
			    "\nSee kcap(8), section show.\n");
	memcpy(help, r->out, sizeof(help));
	r = run_kcap("show", "-h", NULL);
	assert_string_equal(r->out, help);

	assert_usage_error(run_kcap("help", "capture", "dump", NULL),
		"kcap: help: one COMMAND at most: see 'kcap help'\n");
	assert_usage_error(run_kcap("help", "me", NULL),
		"kcap: help: unknown command 'me': see 'kcap help'\n");
}

/* tcpdump's -D: kcap -D and kcap capture -D are list-devices. */
static void test_list_devices_alias(void **state)
{
	char list[OUT_MAX];
	struct run *r;

	(void)state;
	r = run_kcap("list-devices", NULL);
	assert_int_equal(r->ret, KCAP_EXIT_OK);
	assert_non_null(strstr(r->out, ": lo: "));
	memcpy(list, r->out, sizeof(list));
	r = run_kcap("-D", NULL);
	assert_int_equal(r->ret, KCAP_EXIT_OK);
	assert_string_equal(r->out, list);
	r = run_kcap("capture", "-D", NULL);
	assert_int_equal(r->ret, KCAP_EXIT_OK);
	assert_string_equal(r->out, list);
}

static void test_no_command(void **state)
{
	char help[OUT_MAX];
	struct run *r;

	(void)state;
	r = run_kcap("help", NULL);
	memcpy(help, r->out, sizeof(help));
	assert_usage_error(run_kcap(NULL), help);
}

static void test_unknown_command(void **state)
{
	(void)state;
	assert_usage_error(run_kcap("frobnicate", "now", NULL),
		"kcap: unknown command 'frobnicate': see 'kcap help'\n");
}

/* Commands are matched whole: no abbreviations, no case folding. */
static void test_no_abbreviation(void **state)
{
	struct run *r;

	(void)state;
	assert_usage_error(run_kcap("vers", NULL),
		"kcap: unknown command 'vers': see 'kcap help'\n");
	r = run_kcap("HELP", NULL);
	assert_int_equal(r->ret, KCAP_EXIT_USAGE);
}

static void test_unknown_option(void **state)
{
	(void)state;
	assert_usage_error(run_kcap("-x", "help", NULL),
		"kcap: unknown option '-x': see 'kcap help'\n");
}

static void test_extra_arguments(void **state)
{
	(void)state;
	assert_usage_error(run_kcap("version", "now", NULL),
		"kcap: 'version' takes no arguments: see 'kcap help'\n");

}

static void test_version_without_module(void **state)
{
	struct run *r;

	(void)state;
	r = run_kcap("version", NULL);
	if (kcap_module_loaded())
		skip();
	assert_int_equal(r->ret, KCAP_EXIT_FAIL);
	assert_string_equal(r->out, "kcap " KCAP_VERSION "\n");
	assert_string_equal(r->err, "kcap: the kcap kernel module is not "
				    "loaded: run 'modprobe kcap' as root\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help),
		cmocka_unit_test(test_help_options),
		cmocka_unit_test(test_command_help),
		cmocka_unit_test(test_list_devices_alias),
		cmocka_unit_test(test_no_command),
		cmocka_unit_test(test_unknown_command),
		cmocka_unit_test(test_no_abbreviation),
		cmocka_unit_test(test_unknown_option),
		cmocka_unit_test(test_extra_arguments),
		cmocka_unit_test(test_version_without_module),
	};

	return cmocka_run_group_tests_name("kcap cli", tests, NULL, NULL);
}
