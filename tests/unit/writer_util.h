/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the writer tests share: filling a file up to a size limit, as a full
 * disk would stop it.
 */
#ifndef _KCAP_WRITER_UTIL_H
#define _KCAP_WRITER_UTIL_H

#include <signal.h>
#include <sys/resource.h>

#include "unit.h"
#include "kcap.h"

/*
 * Write and flush frames[] round robin with the file size limited to LIMIT
 * bytes (SIGXFSZ ignored) until a call fails; return that call's error and
 * set *written to the number of frames that were written and flushed.
 */
static inline int write_until_fsize_limit(struct kcap_writer *w,
					  const struct kcap_frame *frames,
					  size_t nr, rlim_t limit,
					  size_t *written)
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
		if (!err)
			err = kcap_writer_flush(w);
		if (err)
			break;
		(*written)++;
	}
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	signal(SIGXFSZ, SIG_DFL);
	return err;
}

#endif /* _KCAP_WRITER_UTIL_H */
