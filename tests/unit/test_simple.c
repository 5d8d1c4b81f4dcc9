// SPDX-License-Identifier: GPL-2.0
/*
 * libkcap: kcap_read_file() over the files the writers produce,
 * kcap_writer_frame_bytes() against what the writers write, and what the
 * capture convenience calls refuse.
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit.h"
#include "kcap.h"
#include "writer_util.h"

#define NR_FRAMES	4
#define LINKTYPE_RAW	101

static const struct kcap_frame frames[NR_FRAMES] = {
	{ 1700000000123456789ULL, 60, 60, 2, KCAP_FRAME_IN, frame_data[0] },
	{ 1700000001000001000ULL, 101, 1514, 2, KCAP_FRAME_OUT,
	  frame_data[1] },
	{ 1700000002999999999ULL, 300, 300, 2, 0, frame_data[2] },
	{ 1700000003000000007ULL, 1, 1, 2, KCAP_FRAME_IN, frame_data[3] },
};

/* Write frames[] with a snaplen, checking each record's predicted size. */
static void write_file(const char *path, enum kcap_file_format fmt,
		       int linktype, uint32_t snaplen, bool nano)
{
	struct kcap_writer *w;
	uint64_t before, predicted;
	size_t i;

	assert_int_equal(kcap_writer_open(&w, path, fmt, linktype, snaplen,
					  nano), 0);
	if (fmt == KCAP_FORMAT_PCAPNG)
		assert_int_equal(kcap_writer_add_interface(w, 2, "veth0",
							   linktype, snaplen),
				 0);
	for (i = 0; i < NR_FRAMES; i++) {
		before = kcap_writer_bytes(w);
		predicted = kcap_writer_frame_bytes(w, &frames[i]);
		assert_int_equal(kcap_writer_write(w, &frames[i]), 0);
		assert_int_equal(kcap_writer_bytes(w) - before, predicted);
	}
	assert_int_equal(kcap_writer_close(w), 0);
}

struct seen {
	size_t		n;
	size_t		stop_at;	/* 0: never stop */
	uint32_t	linktype;
	uint32_t	snaplen;
	bool		usec;
};

static int check_frame(const struct kcap_frame *f, uint32_t linktype,
		       void *arg)
{
	struct seen *s = arg;
	const struct kcap_frame *want = &frames[s->n];
	uint32_t caplen = want->caplen;

	if (s->snaplen && caplen > s->snaplen)
		caplen = s->snaplen;
	assert_true(s->n < NR_FRAMES);
	assert_int_equal(linktype, s->linktype);
	assert_int_equal(f->caplen, caplen);
	assert_int_equal(f->len, want->len);
	assert_memory_equal(f->data, want->data, caplen);
	assert_int_equal(f->tstamp_ns, s->usec ?
			 want->tstamp_ns / 1000 * 1000 : want->tstamp_ns);
	assert_int_equal(f->ifindex, 0);
	assert_int_equal(f->direction, 0);
	s->n++;
	return s->stop_at && s->n == s->stop_at;
}

static void read_back(enum kcap_file_format fmt, int linktype,
		      uint32_t snaplen, bool nano)
{
	struct seen s = { 0, 0, (uint32_t)linktype, snaplen,
			  fmt == KCAP_FORMAT_PCAP && !nano };
	char path[PATH_MAX];

	snprintf(path, sizeof(path), "%s/f-%d-%d-%u-%d", tmpdir, fmt,
		 linktype, snaplen, nano);
	write_file(path, fmt, linktype, snaplen, nano);
	assert_int_equal(kcap_read_file(path, check_frame, &s), NR_FRAMES);
	assert_int_equal(s.n, NR_FRAMES);

	/* A callback's non-zero return stops after that frame. */
	memset(&s, 0, sizeof(s));
	s.stop_at = 2;
	s.linktype = (uint32_t)linktype;
	s.snaplen = snaplen;
	s.usec = fmt == KCAP_FORMAT_PCAP && !nano;
	assert_int_equal(kcap_read_file(path, check_frame, &s), 2);
	assert_int_equal(s.n, 2);
}

static void test_read_pcap(void **state)
{
	(void)state;
	read_back(KCAP_FORMAT_PCAP, LINKTYPE_ETH, 0, false);
	read_back(KCAP_FORMAT_PCAP, LINKTYPE_ETH, 0, true);
	read_back(KCAP_FORMAT_PCAP, LINKTYPE_ETH, 100, false);
	/* LINKTYPE_RAW (101) is DLT_RAW (12) inside libpcap: 101 again. */
	read_back(KCAP_FORMAT_PCAP, LINKTYPE_RAW, 0, true);
}

static void test_read_pcapng(void **state)
{
	(void)state;
	read_back(KCAP_FORMAT_PCAPNG, LINKTYPE_ETH, 0, false);
	read_back(KCAP_FORMAT_PCAPNG, LINKTYPE_ETH, 64, false);
}

static int count_frame(const struct kcap_frame *f, uint32_t linktype,
		       void *arg)
{
	(void)f;
	(void)linktype;
	(*(size_t *)arg)++;
	return 0;
}

static void test_read_bad(void **state)
{
	char path[PATH_MAX], cut[PATH_MAX];
	size_t n = 0;
	FILE *f;

	(void)state;
	snprintf(path, sizeof(path), "%s/nosuch.pcap", tmpdir);
	assert_int_equal(kcap_read_file(path, count_frame, &n), -ENOENT);
	assert_int_equal(kcap_read_file(NULL, count_frame, &n), -EINVAL);

	snprintf(path, sizeof(path), "%s/text", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("this is not a capture file, not at all\n", f);
	fclose(f);
	assert_int_equal(kcap_read_file(path, count_frame, &n), -EINVAL);
	assert_int_equal(n, 0);

	/* A file cut in its last record: the whole ones, then -EBADMSG. */
	snprintf(path, sizeof(path), "%s/whole.pcap", tmpdir);
	snprintf(cut, sizeof(cut), "%s/cut.pcap", tmpdir);
	write_file(path, KCAP_FORMAT_PCAP, LINKTYPE_ETH, 0, false);
	{
		char cmd[3 * PATH_MAX];

		snprintf(cmd, sizeof(cmd), "head -c -1 '%s' > '%s'", path,
			 cut);
		assert_int_equal(system(cmd), 0);
	}
	assert_int_equal(kcap_read_file(cut, count_frame, &n), -EBADMSG);
	assert_int_equal(n, NR_FRAMES - 1);
}

static int never(const struct kcap_frame *f, uint32_t linktype, void *arg)
{
	(void)f;
	(void)linktype;
	(void)arg;
	fail_msg("no frame was expected");
	return 1;
}

static void test_capture_refused(void **state)
{
	(void)state;
	assert_int_equal(kcap_capture_simple("lo", NULL, KCAP_DIR_INOUT, 0, 1,
					     0, NULL, NULL), -EINVAL);
	assert_int_equal(kcap_capture_simple(NULL, NULL, KCAP_DIR_INOUT, 0, 1,
					     0, never, NULL), -EINVAL);
	assert_int_equal(kcap_capture_simple("lo", NULL, 7, 0, 1, 0, never,
					     NULL), -EINVAL);
	assert_int_equal(kcap_capture_simple("lo", NULL, KCAP_DIR_OFF, 0, 1,
					     0, never, NULL), -EINVAL);
	assert_int_equal(kcap_capture_simple("lo", NULL, KCAP_DIR_IN,
					     KCAP_SNAPLEN_MAX + 1, 1, 0,
					     never, NULL), -EINVAL);
	assert_int_equal(kcap_capture_to_file("lo", NULL, KCAP_DIR_IN, 0, 1,
					      0, NULL, KCAP_FORMAT_PCAP),
			 -EINVAL);
	if (kcap_module_loaded())
		skip();
	/* No module, no family: what kcap_ctl_open() says. */
	assert_int_equal(kcap_capture_simple("lo", "tcp", KCAP_DIR_IN, 0, 1, 0,
					     never, NULL), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_pcap),
		cmocka_unit_test(test_read_pcapng),
		cmocka_unit_test(test_read_bad),
		cmocka_unit_test(test_capture_refused),
	};

	return cmocka_run_group_tests(tests, writer_setup, writer_teardown);
}
