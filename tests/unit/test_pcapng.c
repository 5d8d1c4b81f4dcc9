// SPDX-License-Identifier: GPL-2.0
/*
 * libkcap: the pcapng writer, read back with libpcap, checked with tshark(1)
 * and capinfos(1) where they are installed, and its statistics blocks
 * parsed from the file.
 */

#define _GNU_SOURCE	/* memfd_create() */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <pcap/pcap.h>

#include "unit.h"
#include "kcap.h"
#include "writer_util.h"

#define NR_FRAMES	4

static const struct kcap_frame frames[NR_FRAMES] = {
	{ 1700000000123456789ULL, 60, 60, 2, KCAP_FRAME_IN, frame_data[0] },
	{ 1700000000500000001ULL, 98, 98, 1, KCAP_FRAME_OUT, frame_data[1] },
	{ 1700000001000001000ULL, 100, 1514, 2, KCAP_FRAME_OUT,
	  frame_data[2] },
	{ 1700000002999999999ULL, 150, 150, 7, 0, frame_data[3] },
};

/* Read @nr frames from frames[], cycling, back from @path. */
static void read_back(const char *path, size_t nr)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *hdr;
	const u_char *data;
	pcap_t *p;
	size_t i;

	p = pcap_open_offline_with_tstamp_precision(path,
			PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!p)
		fail_msg("pcap_open_offline: %s", errbuf);
	assert_int_equal(pcap_datalink(p), LINKTYPE_ETH);
	for (i = 0; i < nr; i++) {
		const struct kcap_frame *f = &frames[i % NR_FRAMES];

		assert_int_equal(pcap_next_ex(p, &hdr, &data), 1);
		assert_int_equal(hdr->caplen, f->caplen);
		assert_int_equal(hdr->len, f->len);
		assert_memory_equal(data, f->data, f->caplen);
		assert_int_equal(hdr->ts.tv_sec, f->tstamp_ns / 1000000000);
		assert_int_equal(hdr->ts.tv_usec, f->tstamp_ns % 1000000000);
	}
	assert_int_equal(pcap_next_ex(p, &hdr, &data), PCAP_ERROR_BREAK);
	pcap_close(p);
}

static void write_two_interfaces(const char *path)
{
	struct kcap_writer *w;
	size_t i;

	assert_int_equal(kcap_writer_open(&w, path, KCAP_FORMAT_PCAPNG,
					  LINKTYPE_ETH, 0, false), 0);
	assert_int_equal(kcap_writer_add_interface(w, 2, "eth0", LINKTYPE_ETH,
						   0), 0);
	assert_int_equal(kcap_writer_add_interface(w, 1, "lo", LINKTYPE_ETH,
						   0), 0);
	assert_int_equal(kcap_writer_add_interface(w, 1, "lo", LINKTYPE_ETH,
						   0), -EEXIST);
	for (i = 0; i < NR_FRAMES; i++)
		assert_int_equal(kcap_writer_write(w, &frames[i]), 0);
	assert_int_equal(kcap_writer_set_stats(w, 2, 1000, 17), 0);
	assert_int_equal(kcap_writer_set_stats(w, 1, 50, 0), 0);
	assert_int_equal(kcap_writer_flush(w), 0);
	assert_true(kcap_writer_bytes(w) > 4 * 32 + 60 + 98 + 100 + 150);
	assert_int_equal(kcap_writer_close(w), 0);
}

static void test_pcapng_libpcap(void **state)
{
	char path[PATH_MAX];

	(void)state;
	tmp_path(path, sizeof(path), "two.pcapng");
	write_two_interfaces(path);
	read_back(path, NR_FRAMES);
}

/* Run @cmd and compare all it prints with @expect. */
static void assert_output(const char *cmd, const char *expect)
{
	char out[4096];
	size_t n;
	FILE *p;

	p = popen(cmd, "r");
	assert_non_null(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
	assert_string_equal(out, expect);
}

/*
 * Skip without @tool; else write a file of two interfaces, run @cmd on it
 * (the file is "$FILE") and compare all @cmd prints with @expect.
 */
static void assert_tool_output(const char *tool, const char *cmd,
			       const char *expect)
{
	char path[PATH_MAX], name[64];

	if (!have_program(tool))
		skip();
	snprintf(name, sizeof(name), "%s.pcapng", tool);
	tmp_path(path, sizeof(path), name);
	write_two_interfaces(path);
	setenv("FILE", path, 1);
	assert_output(cmd, expect);
}

static void test_pcapng_tshark(void **state)
{
	(void)state;
	/* Direction 1 is inbound, 2 outbound; if7 has no epb_flags. */
	assert_tool_output("tshark",
		"tshark -r \"$FILE\" -T fields -e frame.interface_id "
		"-e frame.interface_name -e frame.len -e frame.cap_len "
		"-e frame.packet_flags_direction "
		"-e frame.time_epoch 2>/dev/null",
		"0\teth0\t60\t60\t0x00000001\t1700000000.123456789\n"
		"1\tlo\t98\t98\t0x00000002\t1700000000.500000001\n"
		"0\teth0\t1514\t100\t0x00000002\t1700000001.000001000\n"
		"2\tif7\t150\t150\t\t1700000002.999999999\n");
}

static void test_pcapng_capinfos(void **state)
{
	(void)state;
	assert_tool_output("capinfos",
		"capinfos -M \"$FILE\" | sed -n "
		"'s/^\\(File encapsulation\\|Number of packets\\|"
		"Number of interfaces in file\\): *//p'",
		"ether\n4\n3\n");
}

/*
 * kcap_writer_create() into a file it is given (a memfd, as libkcap's
 * recording keeps captures in memory), with a section comment that
 * capinfos reads back.
 */
static void test_pcapng_fd_comment(void **state)
{
	const struct kcap_writer_opts o = {
		.fd = memfd_create("test", 0), .format = KCAP_FORMAT_PCAPNG,
		.linktype = LINKTYPE_ETH,
		.comment = "tags=a,b customer=acme alertid=42",
	};
	char path[PATH_MAX], cmd[PATH_MAX + 128], buf[4096];
	struct kcap_writer *w;
	ssize_t n;
	FILE *f;

	(void)state;
	assert_true(o.fd >= 0);
	assert_int_equal(kcap_writer_create(&w, &o), 0);
	assert_int_equal(kcap_writer_write(w, &frames[0]), 0);
	assert_int_equal(kcap_writer_close(w), 0);
	/* Written from offset 0, not closed: copy it out to read it. */
	tmp_path(path, sizeof(path), "memfd.pcapng");
	f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(lseek(o.fd, 0, SEEK_SET), 0);
	while ((n = read(o.fd, buf, sizeof(buf))) > 0)
		assert_int_equal(fwrite(buf, 1, (size_t)n, f), (size_t)n);
	assert_int_equal(fclose(f), 0);
	close(o.fd);
	read_back(path, 1);
	if (!have_program("capinfos"))
		skip();
	snprintf(cmd, sizeof(cmd), "capinfos -k '%s' | sed -n 's/^Capture comment: *//p'",
		 path);
	assert_output(cmd, "tags=a,b customer=acme alertid=42\n");
}

/* What the interface statistics block of an interface holds. */
struct isb {
	int		seen;
	uint64_t	start, end, recv, drop;
	bool		have_start, have_end, have_recv, have_drop;
};

static uint32_t get32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* Timestamps are written high word first. */
static uint64_t get_ts(const uint8_t *p)
{
	return (uint64_t)get32(p) << 32 | get32(p + 4);
}

/* Walk the blocks of @buf and collect its ISBs by interface id into @isb. */
static void parse_isbs(const uint8_t *buf, size_t size, struct isb *isb,
		       size_t nr)
{
	size_t off = 0;

	assert_true(size >= 28);
	assert_int_equal(get32(buf), 0x0A0D0D0A);
	assert_int_equal(get32(buf + 8), 0x1A2B3C4D);
	while (off < size) {
		uint32_t type = get32(buf + off), len = get32(buf + off + 4);
		size_t o, end = off + len - 4;
		struct isb *s;

		assert_true(len >= 12 && len % 4 == 0 && off + len <= size);
		assert_int_equal(get32(buf + end), len);
		if (type != 5) {
			off += len;
			continue;
		}
		assert_true(get32(buf + off + 8) < nr);
		s = &isb[get32(buf + off + 8)];
		s->seen++;
		for (o = off + 20; o < end; ) {
			uint16_t code, olen;

			memcpy(&code, buf + o, 2);
			memcpy(&olen, buf + o + 2, 2);
			if (!code)
				break;
			assert_int_equal(olen, 8);
			if (code == 2) {
				s->have_start = true;
				s->start = get_ts(buf + o + 4);
			} else if (code == 3) {
				s->have_end = true;
				s->end = get_ts(buf + o + 4);
			} else if (code == 4) {
				s->have_recv = true;
				s->recv = get64(buf + o + 4);
			} else if (code == 5) {
				s->have_drop = true;
				s->drop = get64(buf + o + 4);
			}
			o += 4 + ((olen + 3) & ~3);
		}
		off += len;
	}
	assert_int_equal(off, size);
}

static void test_pcapng_isb(void **state)
{
	struct isb isb[3] = { 0 };
	char path[PATH_MAX];
	uint8_t buf[8192];
	size_t size;
	FILE *f;

	(void)state;
	tmp_path(path, sizeof(path), "isb.pcapng");
	write_two_interfaces(path);
	f = fopen(path, "rb");
	assert_non_null(f);
	size = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_true(size < sizeof(buf));
	parse_isbs(buf, size, isb, 3);

	assert_int_equal(isb[0].seen, 1);	/* eth0 */
	assert_true(isb[0].have_recv && isb[0].have_drop);
	assert_int_equal(isb[0].recv, 1000);
	assert_int_equal(isb[0].drop, 17);
	assert_true(isb[0].have_start && isb[0].have_end);
	assert_int_equal(isb[0].start, frames[0].tstamp_ns);
	assert_int_equal(isb[0].end, frames[2].tstamp_ns);

	assert_int_equal(isb[1].seen, 1);	/* lo */
	assert_true(isb[1].have_recv && isb[1].have_drop);
	assert_int_equal(isb[1].recv, 50);
	assert_int_equal(isb[1].drop, 0);
	assert_int_equal(isb[1].start, frames[1].tstamp_ns);
	assert_int_equal(isb[1].end, frames[1].tstamp_ns);

	assert_int_equal(isb[2].seen, 1);	/* if7: no counters set */
	assert_false(isb[2].have_recv || isb[2].have_drop);
	assert_int_equal(isb[2].start, frames[3].tstamp_ns);
}

static void test_pcapng_dev_full(void **state)
{
	(void)state;
	dev_full_open(KCAP_FORMAT_PCAPNG);
}

/*
 * A frame larger than libpcap reads (262144 bytes), with no snapshot
 * length given: cut to 262144 in both formats, not an unreadable file.
 */
static void test_big_frame(void **state)
{
	static const enum kcap_file_format fmts[] = {
		KCAP_FORMAT_PCAP, KCAP_FORMAT_PCAPNG,
	};
	char errbuf[PCAP_ERRBUF_SIZE], path[PATH_MAX];
	struct kcap_frame f = { .tstamp_ns = 1700000000000000000ULL };
	struct pcap_pkthdr *hdr;
	const u_char *data;
	struct kcap_writer *w;
	uint8_t *big;
	size_t i, k;
	pcap_t *p;

	(void)state;
	big = malloc(300000);
	assert_non_null(big);
	for (i = 0; i < 300000; i++)
		big[i] = (uint8_t)(i * 7);
	f.caplen = f.len = 300000;
	f.data = big;
	for (k = 0; k < 2; k++) {
		tmp_path(path, sizeof(path), k ? "big.pcapng" : "big.pcap");
		assert_int_equal(kcap_writer_open(&w, path, fmts[k],
						  LINKTYPE_ETH, 0, false), 0);
		assert_int_equal(kcap_writer_write(w, &f), 0);
		assert_int_equal(kcap_writer_write(w, &frames[0]), 0);
		assert_int_equal(kcap_writer_close(w), 0);

		p = pcap_open_offline(path, errbuf);
		if (!p)
			fail_msg("%s: %s", path, errbuf);
		assert_int_equal(pcap_next_ex(p, &hdr, &data), 1);
		assert_int_equal(hdr->caplen, 262144);
		assert_int_equal(hdr->len, 300000);
		assert_memory_equal(data, big, 262144);
		assert_int_equal(pcap_next_ex(p, &hdr, &data), 1);
		assert_int_equal(hdr->caplen, frames[0].caplen);
		assert_memory_equal(data, frames[0].data, frames[0].caplen);
		assert_int_equal(pcap_next_ex(p, &hdr, &data), PCAP_ERROR_BREAK);
		pcap_close(p);
	}
	free(big);
}

/* For writer_util.h's tests of a file size limit. */
static const struct writer_format pcapng = {
	KCAP_FORMAT_PCAPNG, "pcapng", frames, NR_FRAMES, read_back,
};

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcapng_libpcap),
		cmocka_unit_test(test_pcapng_tshark),
		cmocka_unit_test(test_pcapng_capinfos),
		cmocka_unit_test(test_pcapng_fd_comment),
		cmocka_unit_test(test_pcapng_isb),
		cmocka_unit_test(test_pcapng_dev_full),
		cmocka_unit_test(test_big_frame),
		WRITER_FORMAT_TESTS(pcapng),
	};

	return cmocka_run_group_tests_name("libkcap pcapng writer", tests,
					   writer_setup, writer_teardown);
}
