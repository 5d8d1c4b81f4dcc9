/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the CLI tests share: kcap_main() run with its standard output and
 * standard error captured.
 */
#ifndef _KCAP_CLI_UTIL_H
#define _KCAP_CLI_UTIL_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
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

/* A command's parse function over a literal argument list. */
#define ARGV(...)	((char *[]){ __VA_ARGS__, NULL })
#define ARGC(...)	((int)(sizeof((char *[]){ __VA_ARGS__ }) / \
			       sizeof(char *)))
#define PARSE(fn, o, ...)	fn(ARGC(__VA_ARGS__), ARGV(__VA_ARGS__), o)

/* How every usage error ends. */
#define SEE	": see 'kcap help'\n"

/* A wrong command line and the one line it must get on stderr. */
struct bad_line {
	const char	*args[12];
	const char	*err;
};

/* Each wrong command line: exit 2, that line on stderr, nothing else. */
static inline void check_bad_lines(const struct bad_line *cases, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++) {
		const char *const *a = cases[i].args;
		struct run *r;

		r = run_kcap(a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7],
			     a[8], a[9], a[10], a[11]);
		if (r->ret != KCAP_EXIT_USAGE || strcmp(r->err, cases[i].err))
			fail_msg("kcap %s %s %s ...: exit %d, stderr '%s', "
				 "wanted 2 and '%s'", a[0], a[1] ? a[1] : "",
				 a[1] && a[2] ? a[2] : "", r->ret, r->err,
				 cases[i].err);
		assert_string_equal(r->out, "");
	}
}

#endif /* _KCAP_CLI_UTIL_H */
