/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the tests of the ring readers (test_ring.c, test_spans.c) share:
 * writers on memory files, and the bytes those files end up holding, to
 * compare what two ways of writing the same frames wrote.  Its includer
 * defines _GNU_SOURCE before any header, for memfd_create().
 */
#ifndef _KCAP_MEMFD_UTIL_H
#define _KCAP_MEMFD_UTIL_H

#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "unit.h"
#include "kcap.h"

/*
 * A writer of @fmt (Ethernet, snaplen @snaplen, nanoseconds if @nano) on
 * a new memory file, whose descriptor goes to *@fd.
 */
static inline struct kcap_writer *memfd_writer(enum kcap_file_format fmt,
					       uint32_t snaplen, bool nano,
					       int *fd)
{
	struct kcap_writer_opts o = {
		.format = fmt, .linktype = 1, .snaplen = snaplen, .nano = nano,
	};
	struct kcap_writer *w;

	*fd = memfd_create("kcap-test", 0);
	assert_true(*fd >= 0);
	o.fd = *fd;
	assert_int_equal(kcap_writer_create(&w, &o), 0);
	return w;
}

/* The bytes of memory file @fd, which is closed, in a buffer to free. */
static inline uint8_t *memfd_bytes(int fd, size_t *len)
{
	off_t end = lseek(fd, 0, SEEK_END);
	uint8_t *buf;

	assert_true(end >= 0);
	buf = malloc((size_t)end + 1);
	assert_non_null(buf);
	assert_int_equal(pread(fd, buf, (size_t)end, 0), end);
	*len = (size_t)end;
	close(fd);
	return buf;
}

#endif /* _KCAP_MEMFD_UTIL_H */
