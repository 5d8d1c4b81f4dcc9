// SPDX-License-Identifier: GPL-2.0
/*
 * libkcap: the pcap writer, read back with libpcap and checked with
 * capinfos(1) and tcpdump(1) where they are installed.
 */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <pcap/pcap.h>

#include "unit.h"
#include "kcap.h"
#include "writer_util.h"

#define NR_FRAMES	3

static const struct kcap_frame frames[NR_FRAMES] = {
	{ 1700000000123456789ULL, 60, 60, 2, KCAP_FRAME_IN, frame_data[0] },
	{ 1700000001000001000ULL, 100, 1514, 2, KCAP_FRAME_OUT, frame_data[1] },
	{ 1700000002999999999ULL, 200, 200, 1, 0, frame_data[2] },
};

static void write_frames(const char *path, bool nano)
{
	struct kcap_writer *w;
	size_t i;

	assert_int_equal(kcap_writer_open(&w, path, KCAP_FORMAT_PCAP,
					  LINKTYPE_ETH, 0, nano), 0);
	for (i = 0; i < NR_FRAMES; i++)
		assert_int_equal(kcap_writer_write(w, &frames[i]), 0);
	assert_int_equal(kcap_writer_flush(w), 0);
	assert_int_equal(kcap_writer_bytes(w),
			 24 + 3 * 16 + 60 + 100 + 200);
	assert_int_equal(kcap_writer_close(w), 0);
}

/* Read @nr frames of frames[] back from @p, and check there are no more. */
static void check_frames(pcap_t *p, bool nano, size_t nr)
{
	struct pcap_pkthdr *hdr;
	const u_char *data;
	size_t i;

	assert_int_equal(pcap_datalink(p), LINKTYPE_ETH);
	for (i = 0; i < nr; i++) {
		const struct kcap_frame *f = &frames[i % NR_FRAMES];
		uint64_t frac = f->tstamp_ns % 1000000000;

		assert_int_equal(pcap_next_ex(p, &hdr, &data), 1);
		assert_int_equal(hdr->caplen, f->caplen);
		assert_int_equal(hdr->len, f->len);
		assert_memory_equal(data, f->data, f->caplen);
		assert_int_equal(hdr->ts.tv_sec, f->tstamp_ns / 1000000000);
		assert_int_equal(hdr->ts.tv_usec, nano ? frac : frac / 1000);
	}
	assert_int_equal(pcap_next_ex(p, &hdr, &data), PCAP_ERROR_BREAK);
}

static void read_back(const char *path, bool nano, size_t nr)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p;

	p = pcap_open_offline_with_tstamp_precision(path,
			nano ? PCAP_TSTAMP_PRECISION_NANO :
			       PCAP_TSTAMP_PRECISION_MICRO, errbuf);
	if (!p)
		fail_msg("pcap_open_offline: %s", errbuf);
	check_frames(p, nano, nr);
	pcap_close(p);
}

static void check_with_tools(const char *path)
{
	char cmd[PATH_MAX + 64];

	if (!have_program("capinfos") || !have_program("tcpdump"))
		skip();
	snprintf(cmd, sizeof(cmd), "capinfos -M '%s' >/dev/null", path);
	assert_int_equal(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "tcpdump -nn -r '%s' >/dev/null 2>&1",
		 path);
	assert_int_equal(system(cmd), 0);
}

/* frames[] to @name and back, with @nano timestamps; the tools read it. */
static void round_trip(const char *name, bool nano)
{
	char path[PATH_MAX];

	tmp_path(path, sizeof(path), name);
	write_frames(path, nano);
	read_back(path, nano, NR_FRAMES);
	check_with_tools(path);
}

static void test_pcap_usec(void **state)
{
	(void)state;
	round_trip("usec.pcap", false);
}

static void test_pcap_nsec(void **state)
{
	(void)state;
	round_trip("nsec.pcap", true);
}

static void test_pcap_snaplen_cuts(void **state)
{
	struct pcap_pkthdr *hdr;
	char errbuf[PCAP_ERRBUF_SIZE];
	char path[PATH_MAX];
	struct kcap_writer *w;
	const u_char *data;
	pcap_t *p;

	(void)state;
	tmp_path(path, sizeof(path), "snap.pcap");
	assert_int_equal(kcap_writer_open(&w, path, KCAP_FORMAT_PCAP,
					  LINKTYPE_ETH, 64, false), 0);
	assert_int_equal(kcap_writer_add_interface(w, 5, "x", 0, 64),
			 -EINVAL);
	assert_int_equal(kcap_writer_write(w, &frames[2]), 0);
	assert_int_equal(kcap_writer_close(w), 0);

	p = pcap_open_offline(path, errbuf);
	assert_non_null(p);
	assert_int_equal(pcap_snapshot(p), 64);
	assert_int_equal(pcap_next_ex(p, &hdr, &data), 1);
	assert_int_equal(hdr->caplen, 64);
	assert_int_equal(hdr->len, 200);
	assert_memory_equal(data, frames[2].data, 64);
	pcap_close(p);
}

/*
 * LINKTYPE_RAW (101) is DLT_RAW (12 on Linux) to libpcap: the file says
 * 101 in its header and reads back as DLT_RAW.
 */
static void test_pcap_linktype_raw(void **state)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	char path[PATH_MAX];
	struct pcap_file_header fh;
	struct kcap_writer *w;
	FILE *fp;
	pcap_t *p;

	(void)state;
	tmp_path(path, sizeof(path), "raw.pcap");
	assert_int_equal(kcap_writer_open(&w, path, KCAP_FORMAT_PCAP, 101, 0,
					  false), 0);
	assert_int_equal(kcap_writer_add_interface(w, 5, "tun0", 101, 0), 0);
	assert_int_equal(kcap_writer_write(w, &frames[0]), 0);
	assert_int_equal(kcap_writer_close(w), 0);

	fp = fopen(path, "rb");
	assert_non_null(fp);
	assert_int_equal(fread(&fh, sizeof(fh), 1, fp), 1);
	fclose(fp);
	assert_int_equal(fh.linktype, 101);

	p = pcap_open_offline(path, errbuf);
	assert_non_null(p);
	assert_int_equal(pcap_datalink(p), DLT_RAW);
	pcap_close(p);
}

/* The whole of @path, which is at most @size bytes; its length. */
static size_t slurp(const char *path, uint8_t *buf, size_t size)
{
	FILE *fp = fopen(path, "rb");
	size_t n;

	assert_non_null(fp);
	n = fread(buf, 1, size, fp);
	assert_true(n < size);
	fclose(fp);
	return n;
}

/*
 * frames[], several times over, written by kcap and by libpcap's own
 * pcap_dump() with the same link type, snaplen and precision (as kcap
 * always did, no limit and a limit over libpcap's MAXIMUM_SNAPLEN are
 * that maximum, 262144): the two files must be the same bytes.
 */
static void same_as_libpcap(int linktype, uint32_t snaplen, bool nano)
{
	static uint8_t a[8192], b[8192];
	char pa[PATH_MAX], pb[PATH_MAX];
	struct pcap_pkthdr hdr;
	struct kcap_writer *w;
	pcap_dumper_t *d;
	pcap_t *dead;
	size_t i, na, nb;

	tmp_path(pa, sizeof(pa), "same-kcap.pcap");
	tmp_path(pb, sizeof(pb), "same-libpcap.pcap");
	assert_int_equal(kcap_writer_open(&w, pa, KCAP_FORMAT_PCAP, linktype,
					  snaplen, nano), 0);
	dead = pcap_open_dead_with_tstamp_precision(
			kcap_linktype_to_dlt((uint32_t)linktype),
			snaplen && snaplen < 262144 ? (int)snaplen : 262144,
			nano ? PCAP_TSTAMP_PRECISION_NANO :
			       PCAP_TSTAMP_PRECISION_MICRO);
	assert_non_null(dead);
	d = pcap_dump_open(dead, pb);
	assert_non_null(d);
	for (i = 0; i < 4 * NR_FRAMES; i++) {
		const struct kcap_frame *f = &frames[i % NR_FRAMES];
		uint64_t frac = f->tstamp_ns % 1000000000;

		assert_int_equal(kcap_writer_write(w, f), 0);
		hdr.ts.tv_sec = (time_t)(f->tstamp_ns / 1000000000);
		hdr.ts.tv_usec = (suseconds_t)(nano ? frac : frac / 1000);
		hdr.caplen = snaplen && f->caplen > snaplen ? snaplen :
							      f->caplen;
		hdr.len = f->len;
		pcap_dump((u_char *)d, &hdr, f->data);
	}
	assert_int_equal(kcap_writer_close(w), 0);
	pcap_dump_close(d);
	pcap_close(dead);

	na = slurp(pa, a, sizeof(a));
	nb = slurp(pb, b, sizeof(b));
	for (i = 0; i < na && i < nb; i++)
		if (a[i] != b[i])
			fail_msg("linktype %d snaplen %u%s: byte %zu is %#x, libpcap wrote %#x",
				 linktype, snaplen, nano ? " nano" : "", i,
				 a[i], b[i]);
	assert_int_equal(na, nb);
}

static void test_pcap_same_as_libpcap(void **state)
{
	(void)state;
	same_as_libpcap(LINKTYPE_ETH, 0, false);
	same_as_libpcap(LINKTYPE_ETH, 0, true);
	same_as_libpcap(LINKTYPE_ETH, 64, false);
	same_as_libpcap(101, 1000000, true);	/* LINKTYPE_RAW, cut to max */
	same_as_libpcap(276, 128, false);	/* LINKTYPE_LINUX_SLL2 */
}

static void test_caplen_over_len(void **state)
{
	struct kcap_frame f = frames[1];
	char path[PATH_MAX];
	struct kcap_writer *w;

	(void)state;
	tmp_path(path, sizeof(path), "bad.pcap");
	assert_int_equal(kcap_writer_open(&w, path, KCAP_FORMAT_PCAP,
					  LINKTYPE_ETH, 0, false), 0);
	f.len = f.caplen - 1;
	assert_int_equal(kcap_writer_write(w, &f), -EINVAL);
	assert_int_equal(kcap_writer_close(w), 0);
	read_back(path, false, 0);
}

/* /dev/full, where every write fails with -ENOSPC: no writer opens. */
static void test_pcap_dev_full(void **state)
{
	(void)state;
	dev_full_open(KCAP_FORMAT_PCAP);
}

/* A file of microsecond timestamps holds the first @nr of frames[]. */
static void read_back_usec(const char *path, size_t nr)
{
	read_back(path, false, nr);
}

/* For writer_util.h's tests of a file size limit. */
static const struct writer_format pcap = {
	KCAP_FORMAT_PCAP, "pcap", frames, NR_FRAMES, read_back_usec,
};

/* A child that writes frames[] as a pcap file to "-", a pipe; its read end. */
static pid_t spawn_stdout_writer(int *rfd, bool nano)
{
	int fds[2];
	pid_t pid;

	assert_int_equal(pipe(fds), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		struct kcap_writer *w;
		int i, err;

		close(fds[0]);
		if (dup2(fds[1], STDOUT_FILENO) < 0)
			_exit(100);
		close(fds[1]);
		err = kcap_writer_open(&w, "-", KCAP_FORMAT_PCAP,
				       LINKTYPE_ETH, 0, nano);
		for (i = 0; !err && i < NR_FRAMES; i++)
			err = kcap_writer_write(w, &frames[i]);
		if (!err)
			err = kcap_writer_close(w);
		/* Stdout is still open and usable. */
		if (!err && write(STDOUT_FILENO, "", 0) < 0)
			err = -errno;
		_exit(err ? 101 : 0);
	}
	close(fds[1]);
	*rfd = fds[0];
	return pid;
}

static void wait_ok(pid_t pid)
{
	int status;

	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* "-": a child writes to its stdout, a pipe that libpcap reads. */
static void test_pcap_stdout(void **state)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	pcap_t *p;
	FILE *in;
	pid_t pid;
	int rfd;

	(void)state;
	pid = spawn_stdout_writer(&rfd, true);
	in = fdopen(rfd, "rb");
	assert_non_null(in);
	p = pcap_fopen_offline_with_tstamp_precision(in,
			PCAP_TSTAMP_PRECISION_NANO, errbuf);
	if (!p)
		fail_msg("pcap_fopen_offline: %s", errbuf);
	check_frames(p, true, NR_FRAMES);
	pcap_close(p);		/* closes in */
	wait_ok(pid);
}

/* The same through tcpdump -r -, which must print the three frames. */
static void test_pcap_stdout_tcpdump(void **state)
{
	char cmd[128], line[512] = "";
	int rfd;
	FILE *out;
	pid_t pid;

	(void)state;
	if (!have_program("tcpdump"))
		skip();
	pid = spawn_stdout_writer(&rfd, false);
	/* --count: one "N packets" line, whatever the frames look like. */
	snprintf(cmd, sizeof(cmd), "tcpdump -r - --count <&%d 2>/dev/null",
		 rfd);
	out = popen(cmd, "r");
	assert_non_null(out);
	close(rfd);
	assert_non_null(fgets(line, sizeof(line), out));
	assert_int_equal(pclose(out), 0);
	assert_string_equal(line, "3 packets\n");
	wait_ok(pid);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pcap_usec),
		cmocka_unit_test(test_pcap_nsec),
		cmocka_unit_test(test_pcap_snaplen_cuts),
		cmocka_unit_test(test_pcap_linktype_raw),
		cmocka_unit_test(test_pcap_same_as_libpcap),
		cmocka_unit_test(test_caplen_over_len),
		cmocka_unit_test(test_pcap_dev_full),
		WRITER_FORMAT_TESTS(pcap),
		cmocka_unit_test(test_pcap_stdout),
		cmocka_unit_test(test_pcap_stdout_tcpdump),
	};

	return cmocka_run_group_tests_name("libkcap pcap writer", tests,
					   writer_setup, writer_teardown);
}
