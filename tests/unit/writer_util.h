/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the writer tests (test_writer.c, test_pcapng.c, test_simple.c)
 * share: the bytes of their frames and a scratch directory, set up and
 * removed by writer_setup() and writer_teardown() around the group; paths
 * in that directory; whether a program is installed; and writers run into
 * a full disk (/dev/full) and into a file size limit.
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
#include <sys/resource.h>

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
 * A writer of @fmt on /dev/full, where every write fails with -ENOSPC.
 * Buffered, it takes @f, and the error shows when the buffer is written:
 * at the flush.
 */
static inline struct kcap_writer *dev_full_writer(enum kcap_file_format fmt,
						  const struct kcap_frame *f)
{
	struct kcap_writer *w;

	assert_int_equal(kcap_writer_open(&w, "/dev/full", fmt, LINKTYPE_ETH,
					  0, false), 0);
	assert_int_equal(kcap_writer_write(w, f), 0);
	assert_int_equal(kcap_writer_flush(w), -ENOSPC);
	return w;
}

/* A writer of @fmt on /dev/full that writes nothing fails at its close. */
static inline void dev_full_close_unwritten(enum kcap_file_format fmt)
{
	struct kcap_writer *w;

	assert_int_equal(kcap_writer_open(&w, "/dev/full", fmt, LINKTYPE_ETH,
					  0, false), 0);
	assert_int_equal(kcap_writer_close(w), -ENOSPC);
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

/*
 * A writer of @fmt on @name in tmpdir (its path in @path) that has reached
 * a file size limit of 4096 bytes, as on a full disk: the writes stopped
 * with -EFBIG after *written frames of frames[].
 */
static inline struct kcap_writer *
fsize_limited_writer(char *path, size_t size, const char *name,
		     enum kcap_file_format fmt,
		     const struct kcap_frame *frames, size_t nr,
		     size_t *written)
{
	struct kcap_writer *w;

	tmp_path(path, size, name);
	assert_int_equal(kcap_writer_open(&w, path, fmt, LINKTYPE_ETH, 0,
					  false), 0);
	assert_int_equal(write_until_fsize_limit(w, frames, nr, 4096, true,
						 written), -EFBIG);
	return w;
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
 * Frames of @fmt into @name in tmpdir (its path in @path), written without
 * flushes until the writer's buffer met a file size limit of 1000000
 * bytes, as on a full disk.  It took more frames of frames[] than the file
 * holds: kcap_writer_kept() says how many it holds, and a failed flush or
 * close keeps no more.  Return: that number, for the caller to read back.
 */
static inline uint64_t write_into_full_disk(char *path, size_t size,
					    const char *name,
					    enum kcap_file_format fmt,
					    const struct kcap_frame *frames,
					    size_t nr)
{
	struct kcap_writer *w;
	uint64_t kept, now, bytes;
	size_t taken;

	tmp_path(path, size, name);
	assert_int_equal(kcap_writer_open(&w, path, fmt, LINKTYPE_ETH, 0,
					  false), 0);
	assert_int_equal(write_until_fsize_limit(w, frames, nr, 1000000, false,
						 &taken), -EFBIG);
	kcap_writer_kept(w, &kept, &bytes);
	if (!kept || kept >= taken)
		fail_msg("%s: %llu frames kept of %zu taken", name,
			 (unsigned long long)kept, taken);
	assert_int_equal(bytes, frames_caplen(frames, nr, kept));
	assert_int_equal(kcap_writer_flush(w), -EFBIG);
	kcap_writer_kept(w, &now, &bytes);
	assert_int_equal(now, kept);
	assert_int_equal(kcap_writer_close(w), -EFBIG);
	return kept;
}

#endif /* _KCAP_WRITER_UTIL_H */
