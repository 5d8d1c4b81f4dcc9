/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the writer tests (test_writer.c, test_pcapng.c, test_simple.c)
 * share: the bytes of their frames and a scratch directory, set up and
 * removed by writer_setup() and writer_teardown() around the group; paths
 * in that directory; whether a program is installed; writers run into a
 * full disk (/dev/full); and the tests of a file size limit that the pcap
 * and the pcapng writer both run.
 *
 * Each test keeps its own table of frames (times, lengths, interfaces and
 * directions are what it checks), their data pointing into frame_data[].
 */
#ifndef _KCAP_WRITER_UTIL_H
#define _KCAP_WRITER_UTIL_H

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit.h"
#include "kcap.h"

#define LINKTYPE_ETH		1

/* Rows of frame bytes: byte j of row i is (uint8_t)(i * 13 + j * 3). */
#define FRAME_DATA_ROWS		4
#define FRAME_DATA_LEN		300
static uint8_t frame_data[FRAME_DATA_ROWS][FRAME_DATA_LEN]
	__attribute__((unused));

/* The group's scratch directory, made by writer_setup(). */
static char tmpdir[] __attribute__((unused)) = "/tmp/kcap-test.XXXXXX";

/* A group setup: fill frame_data[] and make tmpdir. */
static inline int writer_setup(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < FRAME_DATA_ROWS; i++)
		for (j = 0; j < FRAME_DATA_LEN; j++)
			frame_data[i][j] = (uint8_t)(i * 13 + j * 3);
	return mkdtemp(tmpdir) ? 0 : -1;
}

/* A group teardown: remove tmpdir and all in it. */
static inline int writer_teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

/* @name in tmpdir. */
static inline void tmp_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", tmpdir, name);
}

static inline bool have_program(const char *name)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", name);
	return system(cmd) == 0;
}

/*
 * A writer of @fmt on /dev/full, where every write fails with -ENOSPC: its
 * file header is written at once, so it fails to open, and leaves no
 * writer; so does one given the file's descriptor.
 */
static inline void dev_full_open(enum kcap_file_format fmt)
{
	struct kcap_writer_opts o = { .fd = -1, .format = fmt,
				      .linktype = LINKTYPE_ETH };
	struct kcap_writer *w = (struct kcap_writer *)&o;

	assert_int_equal(kcap_writer_open(&w, "/dev/full", fmt, LINKTYPE_ETH,
					  0, false), -ENOSPC);
	assert_null(w);
	o.fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
	assert_true(o.fd >= 0);
	w = (struct kcap_writer *)&o;
	assert_int_equal(kcap_writer_create(&w, &o), -ENOSPC);
	assert_null(w);
	close(o.fd);
}

/*
 * Write frames[] round robin, each flushed when @flush_each, with the file
 * size limited to LIMIT bytes (SIGXFSZ ignored) until a call fails; return
 * that call's error and set *written to the number of frames that were
 * written (and flushed, with @flush_each).
 */
static inline int write_until_fsize_limit(struct kcap_writer *w,
					  const struct kcap_frame *frames,
					  size_t nr, rlim_t limit,
					  bool flush_each, size_t *written)
{
	struct rlimit old, lim = { limit, RLIM_INFINITY };
	int err;

	*written = 0;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	lim.rlim_max = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	for (;;) {
		err = kcap_writer_write(w, &frames[*written % nr]);
		if (!err && flush_each)
			err = kcap_writer_flush(w);
		if (err)
			break;
		(*written)++;
	}
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	return err;
}

/* The sum of the captured lengths of the first @n of frames[] (round robin). */
static inline uint64_t frames_caplen(const struct kcap_frame *frames,
				     size_t nr, size_t n)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < n; i++)
		sum += frames[i % nr].caplen;
	return sum;
}

/*
 * A file format, for the tests that test_writer.c (pcap) and test_pcapng.c
 * both run, with it as their state: its frames[] and the function of its
 * test that reads a file back, checking that it holds exactly the first
 * @n of them (round robin), and nothing more.
 */
struct writer_format {
	enum kcap_file_format	fmt;
	const char		*ext;		/* of the files' names */
	const struct kcap_frame	*frames;
	size_t			nr;
	void			(*read_back)(const char *path, size_t n);
};

/* A writer of @f's format on @name.EXT in tmpdir, its path in @path. */
static inline struct kcap_writer *format_open(const struct writer_format *f,
					      const char *name, char *path,
					      size_t size)
{
	struct kcap_writer *w;

	snprintf(path, size, "%s/%s.%s", tmpdir, name, f->ext);
	assert_int_equal(kcap_writer_open(&w, path, f->fmt, LINKTYPE_ETH, 0,
					  false), 0);
	return w;
}

/*
 * A file that reaches RLIMIT_FSIZE (4096 bytes), as on a full disk: the
 * writes, each flushed, stop with -EFBIG, and so do the next and the
 * close; the file holds exactly the frames written before.
 */
static inline void test_file_size_limit(void **state)
{
	const struct writer_format *f = *state;
	char path[PATH_MAX];
	struct kcap_writer *w = format_open(f, "fsize", path, sizeof(path));
	size_t written;

	assert_int_equal(write_until_fsize_limit(w, f->frames, f->nr, 4096,
						 true, &written), -EFBIG);
	assert_int_equal(kcap_writer_write(w, &f->frames[0]), -EFBIG);
	assert_int_equal(kcap_writer_close(w), -EFBIG);
	assert_true(written > 10);
	f->read_back(path, written);
}

/*
 * Frames buffered when the disk fills are lost, and kcap_writer_kept()
 * says so: the file, cut back to its last whole record, holds exactly the
 * frames it counts.  Written without flushes until the writer's buffer
 * met a file size limit of 1000000 bytes, the writer took more frames than
 * the file holds; a failed flush or close keeps no more.  Of the write
 * that the limit cut short, the whole records stay: the file ends within
 * a record (at most 400 bytes here) of the limit.
 */
static inline void test_kept(void **state)
{
	const struct writer_format *f = *state;
	char path[PATH_MAX];
	struct kcap_writer *w = format_open(f, "kept", path, sizeof(path));
	uint64_t kept, now, bytes;
	struct stat st;
	size_t taken;

	assert_int_equal(write_until_fsize_limit(w, f->frames, f->nr, 1000000,
						 false, &taken), -EFBIG);
	kcap_writer_kept(w, &kept, &bytes);
	if (!kept || kept >= taken)
		fail_msg("%s: %llu frames kept of %zu taken", path,
			 (unsigned long long)kept, taken);
	assert_int_equal(bytes, frames_caplen(f->frames, f->nr, kept));
	assert_int_equal(kcap_writer_flush(w), -EFBIG);
	kcap_writer_kept(w, &now, &bytes);
	assert_int_equal(now, kept);
	assert_int_equal(kcap_writer_close(w), -EFBIG);
	assert_int_equal(stat(path, &st), 0);
	if (st.st_size > 1000000 || st.st_size < 1000000 - 400)
		fail_msg("%s: %lld bytes kept under a limit of 1000000",
			 path, (long long)st.st_size);
	f->read_back(path, kept);
}

/* The entries of a group's tests[] that run the tests above on @format. */
#define WRITER_FORMAT_TESTS(format)					\
	cmocka_unit_test_prestate(test_file_size_limit, (void *)&(format)), \
	cmocka_unit_test_prestate(test_kept, (void *)&(format))

#endif /* _KCAP_WRITER_UTIL_H */
