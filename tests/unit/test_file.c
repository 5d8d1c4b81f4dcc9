// SPDX-License-Identifier: GPL-2.0
/*
 * libkcap: capture files read back (kcap_file_*()), as kcap capture -r
 * reads them: what libkcap's writers wrote, pcap and pcapng, every field
 * of every frame, directions and interface names included; a big-endian
 * pcapng written by hand, with millisecond timestamps, a simple packet
 * block and a block to skip; a file cut inside a block.
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

static const struct kcap_frame frames[NR_FRAMES] = {
	{ 1700000000123456789ULL, 60, 60, 2, KCAP_FRAME_IN, frame_data[0] },
	{ 1700000000500000001ULL, 98, 98, 1, KCAP_FRAME_OUT, frame_data[1] },
	{ 1700000001000001000ULL, 100, 1514, 2, KCAP_FRAME_OUT,
	  frame_data[2] },
	{ 1700000002999999999ULL, 150, 150, 1, 0, frame_data[3] },
};

static void write_file(const char *path, enum kcap_file_format fmt)
{
	struct kcap_writer *w;
	size_t i;

	assert_int_equal(kcap_writer_open(&w, path, fmt, LINKTYPE_ETH, 0,
					  true), 0);
	if (fmt == KCAP_FORMAT_PCAPNG) {
		assert_int_equal(kcap_writer_add_interface(w, 2, "eth0",
							   LINKTYPE_ETH, 0), 0);
		assert_int_equal(kcap_writer_add_interface(w, 1, "lo",
							   LINKTYPE_ETH, 0), 0);
	}
	for (i = 0; i < NR_FRAMES; i++)
		assert_int_equal(kcap_writer_write(w, &frames[i]), 0);
	assert_int_equal(kcap_writer_close(w), 0);
}

/* Every frame back, as written; pcap has no direction, one interface. */
static void read_back(const char *path, bool ng)
{
	const struct kcap_file_if *fif;
	struct kcap_packet pkt;
	struct kcap_file *f;
	struct kcap_error e;
	size_t i;

	assert_int_equal(kcap_file_open(&f, path, &e), 0);
	if (ng)
		assert_null(kcap_file_pcap_if(f));
	else
		assert_int_equal(kcap_file_pcap_if(f)->linktype, LINKTYPE_ETH);
	for (i = 0; i < NR_FRAMES; i++) {
		assert_int_equal(kcap_file_next(f, &pkt, &fif, path, &e), 1);
		assert_int_equal(pkt.frame.tstamp_ns, frames[i].tstamp_ns);
		assert_int_equal(pkt.frame.caplen, frames[i].caplen);
		assert_int_equal(pkt.frame.len, frames[i].len);
		assert_memory_equal(pkt.frame.data, frames[i].data,
				    frames[i].caplen);
		assert_int_equal(fif->linktype, LINKTYPE_ETH);
		if (ng) {
			assert_int_equal(pkt.frame.direction,
					 frames[i].direction);
			/* eth0 is the file's first interface, lo its second. */
			assert_int_equal(pkt.frame.ifindex,
					 frames[i].ifindex == 2 ? 1 : 2);
			assert_string_equal(fif->name, frames[i].ifindex == 2 ?
					    "eth0" : "lo");
		} else {
			assert_int_equal(pkt.frame.direction, 0);
			assert_string_equal(fif->name, "");
		}
	}
	assert_int_equal(kcap_file_next(f, &pkt, &fif, path, &e), 0);
	kcap_file_close(f);
}

static void test_pcapng(void **state)
{
	char path[PATH_MAX];

	(void)state;
	tmp_path(path, sizeof(path), "r.pcapng");
	write_file(path, KCAP_FORMAT_PCAPNG);
	read_back(path, true);
}

static void test_pcap(void **state)
{
	char path[PATH_MAX];

	(void)state;
	tmp_path(path, sizeof(path), "r.pcap");
	write_file(path, KCAP_FORMAT_PCAP);
	read_back(path, false);
}

/*
 * Big-endian, by hand: a section header, a name resolution block (skipped),
 * an interface of link type 101 with if_tsresol 3 (milliseconds), an
 * enhanced packet block of 5 bytes sent (epb_flags 2), a simple one.
 */
static const uint8_t be_file[] = {
	0x0a, 0x0d, 0x0d, 0x0a, 0, 0, 0, 28, 0x1a, 0x2b, 0x3c, 0x4d,
	0, 1, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0, 0, 0, 28,
	0, 0, 0, 4, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 16,
	0, 0, 0, 1, 0, 0, 0, 32, 0, 101, 0, 0, 0, 0, 0, 4,
	0, 9, 0, 1, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 32,
	0, 0, 0, 6, 0, 0, 0, 52, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0x30, 0x39, 0, 0, 0, 5, 0, 0, 0, 9,
	0x45, 1, 2, 3, 4, 0, 0, 0,
	0, 2, 0, 4, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 52,
	0, 0, 0, 3, 0, 0, 0, 24, 0, 0, 0, 6, 0x60, 1, 2, 3,
	4, 5, 0, 0, 0, 0, 0, 24,
};

static void test_big_endian(void **state)
{
	const struct kcap_file_if *fif;
	char path[PATH_MAX];
	struct kcap_packet pkt;
	struct kcap_file *f;
	struct kcap_error e;
	FILE *fp;

	(void)state;
	tmp_path(path, sizeof(path), "be.pcapng");
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(be_file, 1, sizeof(be_file), fp),
			 sizeof(be_file));
	assert_int_equal(fclose(fp), 0);

	assert_int_equal(kcap_file_open(&f, path, &e), 0);
	assert_int_equal(kcap_file_next(f, &pkt, &fif, path, &e), 1);
	assert_int_equal(fif->linktype, 101);
	assert_int_equal(fif->snaplen, 4);
	assert_int_equal(pkt.frame.tstamp_ns, 12345000000ULL); /* 12345 ms */
	assert_int_equal(pkt.frame.caplen, 5);
	assert_int_equal(pkt.frame.len, 9);
	assert_int_equal(pkt.frame.direction, KCAP_FRAME_OUT);
	assert_memory_equal(pkt.frame.data, "\x45\x01\x02\x03\x04", 5);
	/* A simple packet block: cut to the interface's snaplen, 4. */
	assert_int_equal(kcap_file_next(f, &pkt, &fif, path, &e), 1);
	assert_int_equal(pkt.frame.caplen, 4);
	assert_int_equal(pkt.frame.len, 6);
	assert_int_equal(pkt.frame.direction, 0);
	assert_memory_equal(pkt.frame.data, "\x60\x01\x02\x03", 4);
	assert_int_equal(kcap_file_next(f, &pkt, &fif, path, &e), 0);
	kcap_file_close(f);
}

/*
 * Two sections (two pcapng files one after the other), each numbering its
 * interfaces from 0: the frames' interfaces are told apart, file-wide.
 */
static void test_sections(void **state)
{
	const struct kcap_file_if *fif;
	char a[PATH_MAX], b[PATH_MAX], cmd[3 * PATH_MAX];
	struct kcap_packet pkt;
	struct kcap_writer *w;
	struct kcap_file *f;
	struct kcap_error e;

	(void)state;
	tmp_path(a, sizeof(a), "s1.pcapng");
	tmp_path(b, sizeof(b), "s2.pcapng");
	write_file(a, KCAP_FORMAT_PCAPNG);
	assert_int_equal(kcap_writer_open(&w, b, KCAP_FORMAT_PCAPNG, 101, 0,
					  false), 0);
	assert_int_equal(kcap_writer_add_interface(w, 5, "tun0", 101, 0), 0);
	assert_int_equal(kcap_writer_write(w, &(struct kcap_frame){
		1700000003000000000ULL, 20, 20, 5, KCAP_FRAME_IN,
		frame_data[0] }), 0);
	assert_int_equal(kcap_writer_close(w), 0);
	snprintf(cmd, sizeof(cmd), "cat '%s' >>'%s'", b, a);
	assert_int_equal(system(cmd), 0);

	assert_int_equal(kcap_file_open(&f, a, &e), 0);
	while (kcap_file_next(f, &pkt, &fif, a, &e) == 1 &&
	       fif->linktype != 101)
		assert_true(pkt.frame.ifindex == 1 || pkt.frame.ifindex == 2);
	assert_int_equal(fif->linktype, 101);
	assert_string_equal(fif->name, "tun0");
	assert_int_equal(fif->number, 2);	/* eth0 0, lo 1, tun0 2 */
	assert_int_equal(pkt.frame.ifindex, 3);
	assert_int_equal(kcap_file_next(f, &pkt, &fif, a, &e), 0);
	kcap_file_close(f);
}

/* A block whose trailing length is not its leading one: refused. */
static void test_lengths_differ(void **state)
{
	const struct kcap_file_if *fif;
	uint8_t bad[sizeof(be_file)];
	char path[PATH_MAX];
	struct kcap_packet pkt;
	struct kcap_file *f;
	struct kcap_error e;
	FILE *fp;

	(void)state;
	memcpy(bad, be_file, sizeof(bad));
	bad[28 + 16 + 32 + 52 - 1] = 53;	/* the EPB's trailing length */
	tmp_path(path, sizeof(path), "differ.pcapng");
	fp = fopen(path, "w");
	assert_non_null(fp);
	assert_int_equal(fwrite(bad, 1, sizeof(bad), fp), sizeof(bad));
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(kcap_file_open(&f, path, &e), 0);
	assert_int_equal(kcap_file_next(f, &pkt, &fif, path, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "a pcapng block whose two lengths differ"));
	kcap_file_close(f);
}

/* A file cut inside a block: its frames before, then one clear error. */
static void test_cut(void **state)
{
	const struct kcap_file_if *fif;
	char path[PATH_MAX];
	struct kcap_packet pkt;
	struct kcap_file *f;
	struct kcap_error e;
	int n, ret;

	(void)state;
	tmp_path(path, sizeof(path), "cut.pcapng");
	write_file(path, KCAP_FORMAT_PCAPNG);
	/* Inside the last frame's block: the three before it, then -EIO. */
	assert_int_equal(truncate(path, 530), 0);
	assert_int_equal(kcap_file_open(&f, path, &e), 0);
	for (n = 0; (ret = kcap_file_next(f, &pkt, &fif, path, &e)) == 1; n++)
		assert_int_equal(pkt.frame.caplen, frames[n].caplen);
	assert_int_equal(n, 3);
	assert_int_equal(ret, -EIO);
	assert_non_null(strstr(e.msg, "the file ends inside a block"));
	kcap_file_close(f);

	assert_int_equal(kcap_file_open(&f, "/nonexistent.pcap", &e), -ENOENT);
	assert_string_equal(e.msg, "cannot read '/nonexistent.pcap': No such "
			    "file or directory");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcapng),
		cmocka_unit_test(test_pcap),
		cmocka_unit_test(test_big_endian),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_sections),
		cmocka_unit_test(test_lengths_differ),
	};

	return cmocka_run_group_tests(tests, writer_setup, writer_teardown);
}
