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


static void test_parse_capture(void **state)
{
	struct capture_opts o;

	(void)state;
	assert_int_equal(PARSE(capture_parse, &o, "-i", "eth0", "-w", "f",
			       "-C", "10", "-G", "60", "-W", "5", "-a",
			       "duration:30", "-a", "filesize:500", "-a",
			       "packets:1000", "-a", "files:3", "--idle", "7",
			       "udp"), 0);
	assert_int_equal(o.out.rotate_bytes, 10000000);
	assert_int_equal(o.out.rotate_secs, 60);
	assert_int_equal(o.out.ring_files, 5);
	assert_int_equal(o.out.stop_secs, 30);
	assert_int_equal(o.out.stop_bytes, 500000);
	assert_int_equal(o.out.stop_packets, 1000);
	assert_int_equal(o.out.stop_files, 3);
	assert_int_equal(o.out.idle_secs, 7);
	assert_string_equal(o.filter, "udp");
	free(o.filter);

	/* Nothing of it by default; a later -a of the same key wins. */
	assert_int_equal(PARSE(capture_parse, &o, "-i", "lo", "-a",
			       "packets:5", "-a", "packets:6"), 0);
	assert_int_equal(o.out.stop_packets, 6);
	assert_int_equal(o.out.rotate_bytes, 0);
	assert_int_equal(o.out.rotate_secs, 0);
	assert_int_equal(o.out.ring_files, 0);
	assert_int_equal(o.out.stop_secs, 0);
	assert_int_equal(o.out.idle_secs, 0);
}

static void test_parse_dump(void **state)
{
	struct dump_opts o;

	(void)state;
	assert_int_equal(PARSE(dump_parse, &o, "web", "-w", "x.pcapng", "-F",
			       "pcapng", "-G", "1", "-W", "2", "--idle",
			       "3", "-a", "files:4"), 0);
	assert_string_equal(o.names[0], "web");
	assert_int_equal(o.out.rotate_secs, 1);
	assert_int_equal(o.out.ring_files, 2);
	assert_int_equal(o.out.idle_secs, 3);
	assert_int_equal(o.out.stop_files, 4);
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
		{ { "list-devices", "eth0", NULL },
		  "kcap: list-devices: unexpected argument 'eth0'" SEE },
		{ { "list-devices", "--jsn", NULL },
		  "kcap: list-devices: unknown option '--jsn'" SEE },
	};

	(void)state;
	check_bad_lines(cases, sizeof(cases) / sizeof(cases[0]));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_capture),
		cmocka_unit_test(test_parse_dump),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
