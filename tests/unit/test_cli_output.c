// SPDX-License-Identifier: GPL-2.0
/*
 * kcap(8): the output options of capture and dump (-C, -G, -W, -a,
 * --idle): what they accept, and the line and exit status 2 of what they
 * do not.  (libkcap's recording names, rotates and stops: test_record.c.)
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "cli.h"
#include "cli_util.h"

/* The rotations and the stops of @out (-C, -G, -W, -a, --idle) are @want's. */
static void expect_limits(const struct cli_output *out,
			  const struct cli_output *want)
{
	assert_int_equal(out->rotate_bytes, want->rotate_bytes);
	assert_int_equal(out->rotate_secs, want->rotate_secs);
	assert_int_equal(out->ring_files, want->ring_files);
	assert_int_equal(out->stop_secs, want->stop_secs);
	assert_int_equal(out->stop_bytes, want->stop_bytes);
	assert_int_equal(out->stop_packets, want->stop_packets);
	assert_int_equal(out->stop_files, want->stop_files);
	assert_int_equal(out->idle_secs, want->idle_secs);
}

static void test_parse_capture(void **state)
{
	static const struct cli_output all = {
		.rotate_bytes = 10000000, .rotate_secs = 60, .ring_files = 5,
		.stop_secs = 30, .stop_bytes = 500000, .stop_packets = 1000,
		.stop_files = 3, .idle_secs = 7,
	};
	/* Nothing of it by default; a later -a of the same key wins. */
	static const struct cli_output packets = { .stop_packets = 6 };
	struct capture_opts o;

	(void)state;
	assert_int_equal(PARSE(capture_parse, &o, "-i", "eth0", "-w", "f",
			       "-C", "10", "-G", "60", "-W", "5", "-a",
			       "duration:30", "-a", "filesize:500", "-a",
			       "packets:1000", "-a", "files:3", "--idle", "7",
			       "udp"), 0);
	expect_limits(&o.out, &all);
	assert_string_equal(o.filter, "udp");
	free(o.filter);

	assert_int_equal(PARSE(capture_parse, &o, "-i", "lo", "-a",
			       "packets:5", "-a", "packets:6"), 0);
	expect_limits(&o.out, &packets);
}

/*
 * tcpdump's habits: -n, -nn, -l, -U, --immediate-mode change nothing; the
 * print flags are counted for tcpdump; --time-stamp-precision is --nano.
 */
static void test_parse_print(void **state)
{
	struct capture_opts o;
	struct dump_opts d;

	(void)state;
	assert_int_equal(PARSE(capture_parse, &o, "-i", "lo", "-n", "-nn",
			       "-l", "-U", "--immediate-mode", "icmp"), 0);
	assert_false(cli_print_flags(&o.out));
	assert_false(o.out.nano);
	assert_string_equal(o.filter, "icmp");
	free(o.filter);

	assert_int_equal(PARSE(capture_parse, &o, "-i", "lo", "-nevvxXXAq",
			       "-tttt", "--time-stamp-precision", "nano"), 0);
	assert_true(cli_print_flags(&o.out));
	assert_int_equal(o.out.print.e, 1);
	assert_int_equal(o.out.print.v, 2);
	assert_int_equal(o.out.print.x, 1);
	assert_int_equal(o.out.print.X, 2);
	assert_int_equal(o.out.print.A, 1);
	assert_int_equal(o.out.print.q, 1);
	assert_int_equal(o.out.print.t, 4);
	assert_true(o.out.nano);
	assert_false(o.out.print_too);

	assert_int_equal(PARSE(capture_parse, &o, "-i", "lo", "--nano",
			       "--time-stamp-precision=micro", "-w", "f",
			       "--print"), 0);
	assert_false(o.out.nano);
	assert_true(o.out.print_too);
	assert_false(cli_print_flags(&o.out));

	assert_int_equal(PARSE(dump_parse, &d, "web", "-ttttt", "-v"), 0);
	assert_int_equal(d.out.print.t, 5);
	assert_int_equal(d.out.print.v, 1);
}

static void test_parse_dump(void **state)
{
	static const struct cli_output want = {
		.rotate_secs = 1, .ring_files = 2, .stop_files = 4,
		.idle_secs = 3,
	};
	struct dump_opts o;

	(void)state;
	assert_int_equal(PARSE(dump_parse, &o, "web", "-w", "x.pcapng", "-F",
			       "pcapng", "-G", "1", "-W", "2", "--idle",
			       "3", "-a", "files:4"), 0);
	assert_string_equal(o.names[0], "web");
	expect_limits(&o.out, &want);
	assert_int_equal(o.out.format, KCAP_FORMAT_PCAPNG);
}


#define AUTOSTOP	"(must be duration:SECONDS, filesize:KB, packets:N or " \
			"files:N)" SEE

static void test_bad(void **state)
{
	static const struct bad_line cases[] = {
		{ { "capture", "-i", "lo", "-w", "f", "-C", "0", NULL },
		  "kcap: capture: invalid -C file size '0' (must be 1 or more "
		  "MB)" SEE },
		{ { "capture", "-i", "lo", "-w", "f", "-C", "1.5", NULL },
		  "kcap: capture: invalid -C file size '1.5' (must be 1 or more "
		  "MB)" SEE },
		{ { "capture", "-i", "lo", "-w", "f", "-G", "-1", NULL },
		  "kcap: capture: invalid -G rotation time '-1' (must be 1 or "
		  "more seconds)" SEE },
		{ { "capture", "-i", "lo", "-w", "f", "-C", "1", "-W", "0",
		    NULL },
		  "kcap: capture: invalid -W file count '0' (must be 1 to "
		  "1000000 files)" SEE },
		{ { "capture", "-i", "lo", "-a", "packets", NULL },
		  "kcap: capture: invalid -a condition 'packets' " AUTOSTOP },
		{ { "capture", "-i", "lo", "-a", "size:10", NULL },
		  "kcap: capture: invalid -a condition 'size:10' " AUTOSTOP },
		{ { "capture", "-i", "lo", "-a", "duration:0", NULL },
		  "kcap: capture: invalid -a duration '0' (must be 1 or more "
		  "seconds)" SEE },
		{ { "capture", "-i", "lo", "-w", "f", "-a", "filesize:",
		    NULL },
		  "kcap: capture: invalid -a filesize '' (must be 1 or more kB)"
		  SEE },
		{ { "capture", "-i", "lo", "-a", "packets:1x", NULL },
		  "kcap: capture: invalid -a packets '1x' (must be 1 or more "
		  "packets)" SEE },
		{ { "capture", "-i", "lo", "--idle", "0", NULL },
		  "kcap: capture: invalid --idle time '0' (must be 1 or more "
		  "seconds)" SEE },
		{ { "capture", "-i", "lo", "--idle", NULL },
		  "kcap: capture: option '--idle' needs a value" SEE },
		{ { "capture", "-i", "lo", "-C", "1", NULL },
		  "kcap: capture: -C needs -w FILE (not -)" SEE },
		{ { "capture", "-i", "lo", "-w", "-", "-G", "1", NULL },
		  "kcap: capture: -G needs -w FILE (not -)" SEE },
		{ { "capture", "-i", "lo", "-w", "f", "-W", "3", NULL },
		  "kcap: capture: -W needs -C or -G" SEE },
		{ { "capture", "-i", "lo", "-a", "filesize:5", NULL },
		  "kcap: capture: -a filesize needs -w FILE" SEE },
		{ { "capture", "-i", "lo", "-w", "f", "-a", "files:2", NULL },
		  "kcap: capture: -a files needs -C or -G" SEE },
		{ { "dump", "web", "-C", "1", NULL },
		  "kcap: dump: -C needs -w FILE (not -)" SEE },
		{ { "dump", "web", "-a", "x:1", NULL },
		  "kcap: dump: invalid -a condition 'x:1' " AUTOSTOP },
		{ { "capture", "-i", "lo", "--time-stamp-precision", "pico",
		    NULL },
		  "kcap: capture: invalid --time-stamp-precision 'pico' (must "
		  "be micro or nano)" SEE },
		{ { "capture", "-i", "lo", "-tttttt", NULL },
		  "kcap: capture: -t given more than 5 times" SEE },
		{ { "capture", "-i", "lo", "-w", "-", "--print", NULL },
		  "kcap: capture: --print with -w -: frames and lines would "
		  "share standard output" SEE },
		{ { "list-devices", "eth0", NULL },
		  "kcap: list-devices: unexpected argument 'eth0'" SEE },
		{ { "list-devices", "--jsn", NULL },
		  "kcap: list-devices: unknown option '--jsn'" SEE },
	};

	(void)state;
	check_bad_lines(cases, sizeof(cases) / sizeof(cases[0]));
}

/*
 * The status line is drawn with \r and escape codes: only when frames go
 * to a file, stderr is a terminal and $TERM can take them (issue 14:
 * 'kcap capture | cat' and '-w - | tcpdump -r -' had it glued to lines).
 */
static void test_status_line(void **state)
{
	struct cli_output o;

	(void)state;
	cli_output_init(&o);
	assert_false(cli_status_line_wanted(&o, true, "xterm"));
	o.file = "cap.pcap";
	o.print_too = true;		/* --print: lines on stdout */
	assert_false(cli_status_line_wanted(&o, true, "xterm"));
	o.file = NULL;
	o.print_too = false;
	o.file = "-";
	assert_false(cli_status_line_wanted(&o, true, "xterm"));
	o.file = "cap.pcap";
	assert_true(cli_status_line_wanted(&o, true, "xterm"));
	assert_false(cli_status_line_wanted(&o, false, "xterm"));
	assert_false(cli_status_line_wanted(&o, true, "dumb"));
	assert_false(cli_status_line_wanted(&o, true, ""));
	assert_false(cli_status_line_wanted(&o, true, NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_capture),
		cmocka_unit_test(test_parse_print),
		cmocka_unit_test(test_parse_dump),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_status_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
