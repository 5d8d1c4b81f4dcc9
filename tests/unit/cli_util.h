/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the CLI tests share: kcap_main() run with its standard output and
 * standard error captured.
 */
#ifndef _KCAP_CLI_UTIL_H
#define _KCAP_CLI_UTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "unit.h"
#include "cli.h"

#define OUT_MAX		4096

struct run {
	int	ret;
	char	out[OUT_MAX];
	char	err[OUT_MAX];
};

struct redirect {
	FILE	*stream;
	FILE	*tmp;
	int	saved_fd;
};

static inline void redirect_start(struct redirect *r, FILE *stream)
{
	r->stream = stream;
	r->tmp = tmpfile();
	assert_non_null(r->tmp);
	assert_int_equal(fflush(stream), 0);
	r->saved_fd = dup(fileno(stream));
	assert_true(r->saved_fd >= 0);
	assert_true(dup2(fileno(r->tmp), fileno(stream)) >= 0);
}

static inline void redirect_end(struct redirect *r, char *buf, size_t size)
{
	size_t n;

	fflush(r->stream);
	dup2(r->saved_fd, fileno(r->stream));
	close(r->saved_fd);
	clearerr(r->stream);

	rewind(r->tmp);
	n = fread(buf, 1, size - 1, r->tmp);
	buf[n] = '\0';
	fclose(r->tmp);
}

/* Run kcap_main() on a NULL-terminated argument list, "kcap" prepended. */
static inline struct run *run_kcap(const char *arg, ...)
{
	static struct run run;
	struct redirect out, err;
	char *argv[32] = { "kcap" };
	int argc = 1;
	va_list ap;

	va_start(ap, arg);
	for (; arg; arg = va_arg(ap, const char *)) {
		assert_true(argc < (int)(sizeof(argv) / sizeof(argv[0])) - 1);
		argv[argc++] = (char *)arg;
	}
	va_end(ap);

	redirect_start(&out, stdout);
	redirect_start(&err, stderr);
	run.ret = kcap_main(argc, argv);
	redirect_end(&err, run.err, sizeof(run.err));
	redirect_end(&out, run.out, sizeof(run.out));
	return &run;
}

#endif /* _KCAP_CLI_UTIL_H */
