// SPDX-License-Identifier: GPL-2.0
/*
 * kcap(8): what the commands share: words and numbers of the command line,
 * and the one line each error gets.
 */

#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);		/* keep the lines in order on a terminal */
	fprintf(stderr, "kcap: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(": see 'kcap help'\n", stderr);
	return KCAP_EXIT_USAGE;
}

int cli_invalid(const char *cmd, const char *what, const char *arg,
		const char *must)
{
	return cli_usage_error(cmd, "invalid %s '%s' (must be %s)", what, arg,
			       must);
}

/* A maximum this large is no limit an operator needs told. */
#define CLI_NUMBER_UNBOUNDED	(1ULL << 40)

int cli_number(const char *cmd, const char *what, const char *arg,
	       uint64_t min, uint64_t max, const char *unit, uint64_t *v)
{
	unsigned long long n;
	char must[96];
	char *end;

	errno = 0;
	if (arg && isdigit((unsigned char)arg[0])) {
		n = strtoull(arg, &end, 10);
		if (!errno && !*end && n >= min && n <= max) {
			*v = n;
			return 0;
		}
	}
	if (max >= CLI_NUMBER_UNBOUNDED)
		snprintf(must, sizeof(must), "%llu or more %s",
			 (unsigned long long)min, unit);
	else
		snprintf(must, sizeof(must), "%llu to %llu %s",
			 (unsigned long long)min, (unsigned long long)max,
			 unit);
	return cli_invalid(cmd, what, arg ? arg : "", must);
}

int cli_number32(const char *cmd, const char *what, const char *arg,
		 uint32_t min, uint32_t max, const char *unit, uint32_t *v)
{
	uint64_t n;
	int ret;

	ret = cli_number(cmd, what, arg, min, max, unit, &n);
	if (!ret)
		*v = (uint32_t)n;
	return ret;
}

int cli_fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fputs("kcap: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return KCAP_EXIT_FAIL;
}

int cli_error(const struct kcap_error *e, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	if (e->source == KCAP_ERROR_FILTER) {
		fprintf(stderr, "kcap: bad filter: %s\n", e->msg);
		return e->err == -ENOMEM ? KCAP_EXIT_FAIL : KCAP_EXIT_USAGE;
	}
	fputs("kcap: ", stderr);
	if (fmt) {
		va_start(ap, fmt);
		vfprintf(stderr, fmt, ap);
		va_end(ap);
		fputs(": ", stderr);
	}
	fprintf(stderr, "%s\n", e->msg);
	return KCAP_EXIT_FAIL;
}

int cli_session_error(const struct kcap_ctl *ctl, const char *name,
		      const char *verb)
{
	const struct kcap_error *e = kcap_ctl_error(ctl);

	if (e->err == -ENOENT)
		return cli_fail("no session named '%s'", name);
	return cli_error(e, "%s session '%s'", verb, name);
}

/* Report getopt's complaint about av[optind - 1]. */
int cli_getopt_error(const char *cmd, char **av, int opt, const char *optstr)
{
	const char *arg = av[optind - 1];

	if (opt == ':')
		return cli_usage_error(cmd, "option '%s' needs a value", arg);
	if (optopt && !strchr(optstr, optopt))
		return cli_usage_error(cmd, "unknown option '-%c'", optopt);
	return cli_usage_error(cmd, "unknown option '%s'", arg);
}

/* argv as getopt wants it: a program name first, and a NULL at the end. */
int cli_getopt_argv(const char *cmd, int argc, char **argv, char ***av)
{
	char **v = calloc((size_t)argc + 2, sizeof(*v));

	*av = v;
	if (!v)
		return cli_fail("out of memory");
	v[0] = (char *)cmd;
	memcpy(v + 1, argv, (size_t)argc * sizeof(*v));
	optind = 0;	/* glibc: start over, whoever parsed before */
	opterr = 0;
	return 0;
}

int cli_getopt(int argc, char **av, const char *optstr,
	       const struct option *longopts)
{
	return getopt_long(argc + 1, av, optstr, longopts, NULL);
}

/* The words left, joined by spaces as tcpdump does; NULL if none. */
char *cli_join(int argc, char **argv)
{
	size_t len = 1;
	char *s;
	int i;

	if (!argc)
		return NULL;
	for (i = 0; i < argc; i++)
		len += strlen(argv[i]) + 1;
	s = malloc(len);
	if (!s)
		return NULL;
	s[0] = '\0';
	for (i = 0; i < argc; i++) {
		if (i)
			strcat(s, " ");
		strcat(s, argv[i]);
	}
	return s;
}

int cli_open_ctl(struct kcap_ctl **ctl)
{
	struct kcap_error e;

	if (!kcap_ctl_open(ctl, &e))
		return 0;
	return cli_error(&e, NULL);
}

int cli_open_ctl_after(int parsed, struct kcap_ctl **ctl)
{
	return parsed ? parsed : cli_open_ctl(ctl);
}

int cli_session_name(const char *cmd, const char *name)
{
	size_t len = strlen(name);

	if (len && len < KCAP_NAME_MAX &&
	    strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789_.-") == len)
		return 0;
	return cli_invalid(cmd, "session name", name,
			   "1 to 31 of A-Z a-z 0-9 _ . -");
}

int cli_json_args(const char *cmd, int argc, char **argv, bool *json,
		  const char **word, int words)
{
	int i, n = 0;

	*json = false;
	for (i = 0; i < argc; i++) {
		if (!strcmp(argv[i], "--json") || !strcmp(argv[i], "-j"))
			*json = true;
		else if (argv[i][0] == '-')
			return cli_usage_error(cmd, "unknown option '%s'",
					       argv[i]);
		else if (n < words)
			word[n++] = argv[i];
		else
			return cli_usage_error(cmd, "unexpected argument "
					       "'%s'", argv[i]);
	}
	return 0;
}

struct cli_word {
	const char	*word;
	uint8_t		val;
};

static bool cli_lookup(const struct cli_word *w, const char *s, uint8_t *val)
{
	for (; w->word; w++) {
		if (!strcmp(w->word, s)) {
			*val = w->val;
			return true;
		}
	}
	return false;
}

/* The first word of @val: the one printed. */
static const char *cli_name_of(const struct cli_word *w, uint8_t val)
{
	for (; w->word; w++) {
		if (w->val == val)
			return w->word;
	}
	return "unknown";
}

static const struct cli_word cli_direction_words[] = {
	{ "in", KCAP_DIR_IN },
	{ "out", KCAP_DIR_OUT },
	{ "inout", KCAP_DIR_INOUT },
	{ "off", KCAP_DIR_OFF },
	/* accepted as input */
	{ "ingress", KCAP_DIR_IN },
	{ "egress", KCAP_DIR_OUT },
	{ "bidirectional", KCAP_DIR_INOUT },
	{ "both", KCAP_DIR_INOUT },
	{ NULL, 0 },
};

static const struct cli_word cli_hook_words[] = {
	{ "netfilter", KCAP_HOOK_NETFILTER },
	{ "rx_handler", KCAP_HOOK_RX_HANDLER },
	{ "tap", KCAP_HOOK_TAP },
	{ NULL, 0 },
};

static const struct cli_word cli_state_words[] = {
	{ "attached", KCAP_STATE_ATTACHED },
	{ "detached", KCAP_STATE_DETACHED },
	{ NULL, 0 },
};

bool cli_parse_direction(const char *s, uint8_t *dir)
{
	return cli_lookup(cli_direction_words, s, dir);
}

const char *cli_direction_word(uint8_t dir)
{
	return cli_name_of(cli_direction_words, dir);
}

bool cli_parse_hook(const char *s, uint8_t *hook)
{
	return cli_lookup(cli_hook_words, s, hook);
}

int cli_hook_arg(const char *cmd, const char *what, const char *arg,
		 uint8_t *hook)
{
	if (!cli_parse_hook(arg, hook))
		return cli_invalid(cmd, what, arg, "netfilter, rx_handler or tap");
	return 0;
}

const char *cli_hook_word(uint8_t hook)
{
	return cli_name_of(cli_hook_words, hook);
}

const char *cli_state_word(uint8_t state)
{
	return cli_name_of(cli_state_words, state);
}

bool cli_parse_format(const char *s, enum kcap_file_format *fmt)
{
	if (!strcmp(s, "pcap"))
		*fmt = KCAP_FORMAT_PCAP;
	else if (!strcmp(s, "pcapng"))
		*fmt = KCAP_FORMAT_PCAPNG;
	else
		return false;
	return true;
}

const char *cli_linktype(uint32_t linktype)
{
	static char buf[128];
	const char *name = kcap_linktype_name(linktype);
	const char *desc = kcap_linktype_description(linktype);

	if (name)
		snprintf(buf, sizeof(buf), "%s (%s)", name, desc ? desc : name);
	else
		snprintf(buf, sizeof(buf), "%u", linktype);
	return buf;
}

void cli_json_string(FILE *f, const char *s)
{
	static const char *const esc[] = {
		['"'] = "\\\"", ['\\'] = "\\\\", ['\n'] = "\\n",
		['\r'] = "\\r", ['\t'] = "\\t",
	};
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		if (*p < sizeof(esc) / sizeof(esc[0]) && esc[*p])
			fputs(esc[*p], f);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else
			fputc(*p, f);
	}
	fputc('"', f);
}
