// SPDX-License-Identifier: GPL-2.0
/*
 * libkcap's recording: the names of rotated files, and when to rotate and
 * to stop (record.c's decisions, with made-up clocks).
 */

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "unit.h"
#include "kcap.h"
#include "internal.h"

/* File number @seq of @o opened at @when is named @want. */
static void expect_name(const struct kcap_record_config *o, uint64_t seq, time_t when,
			const char *want)
{
	char buf[KCAP_RECORD_PATH_MAX];

	assert_int_equal(kcap_record_name(buf, sizeof(buf), o, seq, when), 0);
	assert_string_equal(buf, want);
}

static void test_names(void **state)
{
	struct kcap_record_config o;
	char buf[KCAP_RECORD_PATH_MAX];
	/* 2023-11-14 22:13:20 UTC */
	time_t t = 1700000000;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	memset(&o, 0, sizeof(o));
	o.path = "cap.pcap";

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
	memset(&o, 0, sizeof(o));
	o.path = "cap-%Y%m%d-%H%M%S.pcap";
	o.rotate_secs = 60;
	expect_name(&o, 4, t, "cap-20231114-221320.pcap");
	expect_name(&o, 4, t + 61, "cap-20231114-221421.pcap");
	o.rotate_bytes = 1000000;
	expect_name(&o, 2, t, "cap-20231114-221320.pcap2");
	o.ring_files = 100;
	expect_name(&o, 102, t, "cap-20231114-221320.pcap02");

	/* Too long. */
	assert_int_equal(kcap_record_name(buf, 8, &o, 0, t), -ENAMETOOLONG);
}

static struct kcap_record_at at_start(void)
{
	struct kcap_record_at p = {
		.packets = 0, .files = 1, .file_packets = 0,
		.file_bytes = 24, .start_ms = 10000, .file_ms = 10000,
		.last_ms = 10000,
	};

	return p;
}

/*
 * Before a record of @rec bytes at @now_ms, kcap_record_before() decides
 * @act.  Returns the reason it gives (KCAP_RECORD_RUNNING but to stop).
 */
static enum kcap_record_stop expect_before(const struct kcap_record_config *o,
					   const struct kcap_record_at *p,
					   uint64_t rec, uint64_t now_ms,
					   enum kcap_record_act act)
{
	enum kcap_record_stop why;

	assert_int_equal(kcap_record_before(o, p, rec, now_ms, &why), act);
	return why;
}

/* Before a record of @rec bytes at @now_ms, the recording stops for @why. */
static void expect_stop(const struct kcap_record_config *o,
			const struct kcap_record_at *p, uint64_t rec,
			uint64_t now_ms, enum kcap_record_stop why)
{
	assert_int_equal(expect_before(o, p, rec, now_ms, KCAP_RECORD_STOP),
			 why);
}

static void test_rotate_size(void **state)
{
	struct kcap_record_config o = { .path = "f", .rotate_bytes = 1000000 };
	struct kcap_record_at p = at_start();

	(void)state;
	/* A file takes its first packet, however big. */
	expect_before(&o, &p, 2000000, 10000, KCAP_RECORD_WRITE);
	p.file_packets = 1;
	p.file_bytes = 999000;
	/* Up to the size exactly; one byte more rotates. */
	expect_before(&o, &p, 1000, 10000, KCAP_RECORD_WRITE);
	assert_int_equal(expect_before(&o, &p, 1001, 10000, KCAP_RECORD_ROTATE),
			 KCAP_RECORD_RUNNING);

	/* -a files:2 with the second file open: stop instead. */
	o.files = 2;
	expect_before(&o, &p, 1001, 10000, KCAP_RECORD_ROTATE);
	p.files = 2;
	expect_stop(&o, &p, 1001, 10000, KCAP_RECORD_FILES);
	expect_before(&o, &p, 10, 10000, KCAP_RECORD_WRITE);
}

static void test_rotate_time(void **state)
{
	struct kcap_record_config o = { .path = "f", .rotate_secs = 5 };
	struct kcap_record_at p = at_start();

	(void)state;
	expect_before(&o, &p, 100, 14999, KCAP_RECORD_WRITE);
	/* Even an empty file gives way when its time is up. */
	expect_before(&o, &p, 100, 15000, KCAP_RECORD_ROTATE);
	p.file_ms = 15000;
	p.file_packets = 3;
	expect_before(&o, &p, 100, 19999, KCAP_RECORD_WRITE);
	expect_before(&o, &p, 100, 20000, KCAP_RECORD_ROTATE);
}

/* How long a recording with no frame waiting may sleep. */
static void test_wait(void **state)
{
	struct kcap_record_config o = { .path = "f", .rotate_secs = 5 };
	struct kcap_record_at p = at_start();

	(void)state;
	/* No stop of time (a rotation waits for its frame): no wake-up. */
	assert_int_equal(kcap_record_wait(&o, &p, 10000), -1);

	/* -a duration: until it is up, then at once. */
	o.seconds = 2;
	assert_int_equal(kcap_record_wait(&o, &p, 10500), 1500);
	assert_int_equal(kcap_record_wait(&o, &p, 12000), 0);
	assert_int_equal(kcap_record_wait(&o, &p, 13000), 0);

	/* --idle, from the last frame; with -a duration, the first due. */
	o.idle_secs = 1;
	p.last_ms = 10600;
	assert_int_equal(kcap_record_wait(&o, &p, 10700), 900);
	p.last_ms = 11500;
	assert_int_equal(kcap_record_wait(&o, &p, 11600), 400);
	o.seconds = 0;
	assert_int_equal(kcap_record_wait(&o, &p, 11600), 900);

	/* Longer than poll() takes: its longest. */
	o.idle_secs = 3000000;
	assert_int_equal(kcap_record_wait(&o, &p, 11600), INT_MAX);

	/* Seconds whose ms overflow: for ever, not at once. */
	o.idle_secs = 0;
	o.seconds = UINT64_MAX / 10;
	assert_int_equal(kcap_record_wait(&o, &p, 11600), INT_MAX);
	assert_int_equal(kcap_record_idle(&o, &p, 11600), KCAP_RECORD_RUNNING);
	o.seconds = 0;
	o.idle_secs = UINT64_MAX;
	assert_int_equal(kcap_record_wait(&o, &p, 11600), INT_MAX);
	assert_int_equal(kcap_record_idle(&o, &p, 11600), KCAP_RECORD_RUNNING);
}

static void test_stops(void **state)
{
	struct kcap_record_config o = { .path = "f" };
	struct kcap_record_at p = at_start();

	(void)state;
	/* Nothing set: never. */
	p.packets = 1000000;
	assert_int_equal(kcap_record_after(&o, &p), KCAP_RECORD_RUNNING);
	assert_int_equal(kcap_record_idle(&o, &p, 99999999),
			 KCAP_RECORD_RUNNING);
	expect_before(&o, &p, 100, 99999999, KCAP_RECORD_WRITE);

	/* packets (the smaller of -c and -a packets, as kcap gives it). */
	o.packets = 5;
	p.packets = 4;
	assert_int_equal(kcap_record_after(&o, &p), KCAP_RECORD_RUNNING);
	p.packets = 5;
	assert_int_equal(kcap_record_after(&o, &p), KCAP_RECORD_PACKETS);
	o.packets = 0;
	assert_int_equal(kcap_record_after(&o, &p), KCAP_RECORD_RUNNING);

	/* -a duration: on a timeout, and before a late packet. */
	o.seconds = 2;
	assert_int_equal(kcap_record_idle(&o, &p, 11999), KCAP_RECORD_RUNNING);
	assert_int_equal(kcap_record_idle(&o, &p, 12000),
			 KCAP_RECORD_SECONDS);
	expect_before(&o, &p, 100, 11999, KCAP_RECORD_WRITE);
	expect_stop(&o, &p, 100, 12000, KCAP_RECORD_SECONDS);
	o.seconds = 0;

	/* --idle: from the last packet, or the start. */
	o.idle_secs = 3;
	assert_int_equal(kcap_record_idle(&o, &p, 12999), KCAP_RECORD_RUNNING);
	assert_int_equal(kcap_record_idle(&o, &p, 13000), KCAP_RECORD_IDLE);
	p.last_ms = 12500;
	assert_int_equal(kcap_record_idle(&o, &p, 15499), KCAP_RECORD_RUNNING);
	assert_int_equal(kcap_record_idle(&o, &p, 15500), KCAP_RECORD_IDLE);
	/* With -a duration too: the first to come wins. */
	o.seconds = 4;
	assert_int_equal(kcap_record_idle(&o, &p, 14000),
			 KCAP_RECORD_SECONDS);
	o.seconds = 0;
	o.idle_secs = 0;

	/* -a filesize: the packet that would exceed it is not written. */
	o.bytes = 10000;
	p.file_packets = 9;
	p.file_bytes = 24 + 9 * 1016;
	expect_before(&o, &p, 832, 10000, KCAP_RECORD_WRITE);
	expect_stop(&o, &p, 1016, 10000, KCAP_RECORD_BYTES);
	/* ... but the first of a file is. */
	p.file_packets = 0;
	p.file_bytes = 24;
	expect_before(&o, &p, 20000, 10000, KCAP_RECORD_WRITE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_rotate_size),
		cmocka_unit_test(test_rotate_time),
		cmocka_unit_test(test_stops),
		cmocka_unit_test(test_wait),
	};

	return cmocka_run_group_tests_name("libkcap record", tests, NULL, NULL);
}
