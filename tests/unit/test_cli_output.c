// SPDX-License-Identifier: GPL-2.0
/*
 * kcap(8): the output options of capture and dump (-C, -G, -W, -a,
 * --idle): what they accept, the line and exit status 2 of what they do
 * not, the names of rotated files, and when to rotate and to stop.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

/* File number @seq of @o opened at @when is named @want. */
static void expect_name(const struct cli_output *o, uint64_t seq, time_t when,
			const char *want)
{
	char buf[CLI_PATH_MAX];

	assert_int_equal(cli_file_name(buf, sizeof(buf), o, seq, when), 0);
	assert_string_equal(buf, want);
}

static void test_names(void **state)
{
	struct cli_output o;
	char buf[CLI_PATH_MAX];
	/* 2023-11-14 22:13:20 UTC */
	time_t t = 1700000000;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	cli_output_init(&o);
	o.file = "cap.pcap";

	/* No rotation: the name as given. */
	expect_name(&o, 0, t, "cap.pcap");

	/* -C: FILE, FILE1, FILE2, ... */
	o.rotate_bytes = 1000000;
	expect_name(&o, 0, t, "cap.pcap");
	expect_name(&o, 1, t, "cap.pcap1");
	expect_name(&o, 12, t, "cap.pcap12");

	/* -C -W 3: FILE0, FILE1, FILE2, FILE0 ... */
	o.ring_files = 3;
	expect_name(&o, 0, t, "cap.pcap0");
	expect_name(&o, 2, t, "cap.pcap2");
	expect_name(&o, 3, t, "cap.pcap0");
	expect_name(&o, 7, t, "cap.pcap1");

	/* -W 11: two digits (those of 10); -W 10: one; -W 1: none. */
	o.ring_files = 11;
	expect_name(&o, 3, t, "cap.pcap03");
	expect_name(&o, 21, t, "cap.pcap10");
	o.ring_files = 10;
	expect_name(&o, 9, t, "cap.pcap9");
	o.ring_files = 1;
	expect_name(&o, 5, t, "cap.pcap");

	/* -G: strftime; with -C the number follows. */
	cli_output_init(&o);
	o.file = "cap-%Y%m%d-%H%M%S.pcap";
	o.rotate_secs = 60;
	expect_name(&o, 4, t, "cap-20231114-221320.pcap");
	expect_name(&o, 4, t + 61, "cap-20231114-221421.pcap");
	o.rotate_bytes = 1000000;
	expect_name(&o, 2, t, "cap-20231114-221320.pcap2");
	o.ring_files = 100;
	expect_name(&o, 102, t, "cap-20231114-221320.pcap02");

	/* Too long. */
	assert_int_equal(cli_file_name(buf, 8, &o, 0, t), -ENAMETOOLONG);
}

static struct cli_progress progress(void)
{
	struct cli_progress p = {
		.packets = 0, .files = 1, .file_packets = 0,
		.file_bytes = 24, .start_ms = 10000, .file_ms = 10000,
		.last_ms = 10000,
	};

	return p;
}

static void test_rotate_size(void **state)
{
	struct cli_output o;
	struct cli_progress p = progress();
	enum cli_stop why;

	(void)state;
	cli_output_init(&o);
	o.file = "f";
	o.rotate_bytes = 1000000;

	/* A file takes its first packet, however big. */
	assert_int_equal(cli_before_packet(&o, &p, 2000000, 10000, &why),
			 CLI_STEP_WRITE);
	p.file_packets = 1;
	p.file_bytes = 999000;
	/* Up to the size exactly; one byte more rotates. */
	assert_int_equal(cli_before_packet(&o, &p, 1000, 10000, &why),
			 CLI_STEP_WRITE);
	assert_int_equal(cli_before_packet(&o, &p, 1001, 10000, &why),
			 CLI_STEP_ROTATE);
	assert_int_equal(why, CLI_STOP_NONE);

	/* -a files:2 with the second file open: stop instead. */
	o.stop_files = 2;
	assert_int_equal(cli_before_packet(&o, &p, 1001, 10000, &why),
			 CLI_STEP_ROTATE);
	p.files = 2;
	assert_int_equal(cli_before_packet(&o, &p, 1001, 10000, &why),
			 CLI_STEP_STOP);
	assert_int_equal(why, CLI_STOP_FILES);
	assert_int_equal(cli_before_packet(&o, &p, 10, 10000, &why),
			 CLI_STEP_WRITE);
}

static void test_rotate_time(void **state)
{
	struct cli_output o;
	struct cli_progress p = progress();
	enum cli_stop why;

	(void)state;
	cli_output_init(&o);
	o.file = "f";
	o.rotate_secs = 5;
	assert_int_equal(cli_before_packet(&o, &p, 100, 14999, &why),
			 CLI_STEP_WRITE);
	/* Even an empty file gives way when its time is up. */
	assert_int_equal(cli_before_packet(&o, &p, 100, 15000, &why),
			 CLI_STEP_ROTATE);
	p.file_ms = 15000;
	p.file_packets = 3;
	assert_int_equal(cli_before_packet(&o, &p, 100, 19999, &why),
			 CLI_STEP_WRITE);
	assert_int_equal(cli_before_packet(&o, &p, 100, 20000, &why),
			 CLI_STEP_ROTATE);
}

static void test_stops(void **state)
{
	struct cli_output o;
	struct cli_progress p = progress();
	enum cli_stop why;

	(void)state;
	cli_output_init(&o);
	o.file = "f";

	/* Nothing set: never. */
	p.packets = 1000000;
	assert_int_equal(cli_stop_after_packet(&o, &p), CLI_STOP_NONE);
	assert_int_equal(cli_stop_on_timeout(&o, &p, 99999999),
			 CLI_STOP_NONE);
	assert_int_equal(cli_before_packet(&o, &p, 100, 99999999, &why),
			 CLI_STEP_WRITE);

	/* -c and -a packets: the smaller wins. */
	o.count = 5;
	o.stop_packets = 7;
	p.packets = 4;
	assert_int_equal(cli_stop_after_packet(&o, &p), CLI_STOP_NONE);
	p.packets = 5;
	assert_int_equal(cli_stop_after_packet(&o, &p), CLI_STOP_COUNT);
	o.count = 0;
	assert_int_equal(cli_stop_after_packet(&o, &p), CLI_STOP_NONE);
	p.packets = 7;
	assert_int_equal(cli_stop_after_packet(&o, &p), CLI_STOP_PACKETS);

	/* -a duration: on a timeout, and before a late packet. */
	o.stop_secs = 2;
	assert_int_equal(cli_stop_on_timeout(&o, &p, 11999), CLI_STOP_NONE);
	assert_int_equal(cli_stop_on_timeout(&o, &p, 12000),
			 CLI_STOP_DURATION);
	assert_int_equal(cli_before_packet(&o, &p, 100, 11999, &why),
			 CLI_STEP_WRITE);
	assert_int_equal(cli_before_packet(&o, &p, 100, 12000, &why),
			 CLI_STEP_STOP);
	assert_int_equal(why, CLI_STOP_DURATION);
	o.stop_secs = 0;

	/* --idle: from the last packet, or the start. */
	o.idle_secs = 3;
	assert_int_equal(cli_stop_on_timeout(&o, &p, 12999), CLI_STOP_NONE);
	assert_int_equal(cli_stop_on_timeout(&o, &p, 13000), CLI_STOP_IDLE);
	p.last_ms = 12500;
	assert_int_equal(cli_stop_on_timeout(&o, &p, 15499), CLI_STOP_NONE);
	assert_int_equal(cli_stop_on_timeout(&o, &p, 15500), CLI_STOP_IDLE);
	/* With -a duration too: the first to come wins. */
	o.stop_secs = 4;
	assert_int_equal(cli_stop_on_timeout(&o, &p, 14000),
			 CLI_STOP_DURATION);
	o.stop_secs = 0;
	o.idle_secs = 0;

	/* -a filesize: the packet that would exceed it is not written. */
	o.stop_bytes = 10000;
	p.file_packets = 9;
	p.file_bytes = 24 + 9 * 1016;
	assert_int_equal(cli_before_packet(&o, &p, 832, 10000, &why),
			 CLI_STEP_WRITE);
	assert_int_equal(cli_before_packet(&o, &p, 1016, 10000, &why),
			 CLI_STEP_STOP);
	assert_int_equal(why, CLI_STOP_FILESIZE);
	/* ... but the first of a file is. */
	p.file_packets = 0;
	p.file_bytes = 24;
	assert_int_equal(cli_before_packet(&o, &p, 20000, 10000, &why),
			 CLI_STEP_WRITE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_capture),
		cmocka_unit_test(test_parse_dump),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_rotate_size),
		cmocka_unit_test(test_rotate_time),
		cmocka_unit_test(test_stops),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
