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

#define KCAP_PERM_LINE	"permission denied: run as root (needs CAP_NET_ADMIN)"

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "kcap: %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": see 'kcap help'\n");
	return KCAP_EXIT_USAGE;
}

int cli_fail(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "kcap: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return KCAP_EXIT_FAIL;
}

int cli_ctl_error(const struct kcap_ctl *ctl, int err, const char *fmt, ...)
{
	const char *msg = ctl ? kcap_ctl_last_error(ctl) : NULL;
	va_list ap;

	fflush(stdout);
	if (err == -EPERM || err == -EACCES) {
		fprintf(stderr, "kcap: %s\n", KCAP_PERM_LINE);
		return KCAP_EXIT_FAIL;
	}
	fprintf(stderr, "kcap: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, ": %s\n", msg ? msg : strerror(-err));
	return KCAP_EXIT_FAIL;
}

int cli_filter_error(int err, const char *errbuf)
{
	fflush(stdout);
	fprintf(stderr, "kcap: bad filter: %s\n",
		errbuf && errbuf[0] ? errbuf : strerror(-err));
	return err == -ENOMEM ? KCAP_EXIT_FAIL : KCAP_EXIT_USAGE;
}

const char *cli_filter_dev(const struct kcap_session_info *info)
{
	return info->state == KCAP_STATE_ATTACHED ? info->ifname : NULL;
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
char **cli_getopt_argv(const char *cmd, int argc, char **argv)
{
	char **av = calloc((size_t)argc + 2, sizeof(*av));

	if (!av)
		return NULL;
	av[0] = (char *)cmd;
	memcpy(av + 1, argv, (size_t)argc * sizeof(*av));
	optind = 0;	/* glibc: start over, whoever parsed before */
	opterr = 0;
	return av;
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
	int err = kcap_ctl_open(ctl);

	if (!err)
		return 0;
	return cli_fail("%s", kcap_strerror_hint(err));
}

bool cli_parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
	unsigned long long n;
	char *end;

	if (!s || !isdigit((unsigned char)s[0]))
		return false;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno || *end || n < min || n > max)
		return false;
	*v = n;
	return true;
}

bool cli_parse_u32(const char *s, uint32_t min, uint32_t max, uint32_t *v)
{
	uint64_t n;

	if (!cli_parse_u64(s, min, max, &n))
		return false;
	*v = (uint32_t)n;
	return true;
}

bool cli_valid_name(const char *name)
{
	size_t len = strlen(name);

	if (!len || len >= KCAP_NAME_MAX)
		return false;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789_.-") == len;
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

static const char *cli_name_of(const struct cli_word *w, uint8_t val)
{
	for (; w->word; w++) {
		if (w->val == val)
			return w->word;
	}
	return "unknown";
}

static const struct cli_word cli_q_words[] = {
	{ "in", KCAP_DIR_IN },
	{ "out", KCAP_DIR_OUT },
	{ "inout", KCAP_DIR_INOUT },
	{ "off", KCAP_DIR_OFF },	/* for printing only */
	{ NULL, 0 },
};

static const struct cli_word cli_capture_words[] = {
	{ "ingress", KCAP_DIR_IN },
	{ "egress", KCAP_DIR_OUT },
	{ "bidirectional", KCAP_DIR_INOUT },
	{ "off", KCAP_DIR_OFF },
	{ NULL, 0 },
};

static const struct cli_word cli_hook_words[] = {
	{ "netfilter", KCAP_HOOK_NETFILTER },
	{ "rx_handler", KCAP_HOOK_RX_HANDLER },
	{ NULL, 0 },
};

static const struct cli_word cli_state_words[] = {
	{ "attached", KCAP_STATE_ATTACHED },
	{ "detached", KCAP_STATE_DETACHED },
	{ NULL, 0 },
};

bool cli_parse_q(const char *s, uint8_t *dir)
{
	return strcmp(s, "off") && cli_lookup(cli_q_words, s, dir);
}

const char *cli_q_word(uint8_t dir)
{
	return cli_name_of(cli_q_words, dir);
}

bool cli_parse_capture_word(const char *s, uint8_t *dir)
{
	return cli_lookup(cli_capture_words, s, dir);
}

const char *cli_capture_word(uint8_t dir)
{
	return cli_name_of(cli_capture_words, dir);
}

bool cli_parse_hook(const char *s, uint8_t *hook)
{
	return cli_lookup(cli_hook_words, s, hook);
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

void cli_json_string(FILE *f, const char *s)
{
	const unsigned char *p;

	fputc('"', f);
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		default:
			if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\u%04x", *p);
			else
				fputc(*p, f);
		}
	}
	fputc('"', f);
}
