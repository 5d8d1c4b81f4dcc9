// SPDX-License-Identifier: GPL-2.0
/*
 * kcap(8): the KEY VALUE words of 'kcap add' and 'kcap set', in
 * iproute2's manner:
 *
 *	NAME dev DEV [capture ingress|egress|bidirectional|off] [snaplen N]
 *	     [filter EXPR] [ring-size BYTES] [hook netfilter|rx_handler]
 *	     [nopromisc]
 *
 * set takes capture, snaplen and filter only: the rest is fixed when the
 * session is created.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum {
	KEY_DEV		= 1 << 0,
	KEY_CAPTURE	= 1 << 1,
	KEY_SNAPLEN	= 1 << 2,
	KEY_FILTER	= 1 << 3,
	KEY_RING_SIZE	= 1 << 4,
	KEY_HOOK	= 1 << 5,
	KEY_NOPROMISC	= 1 << 6,
};

static const struct {
	const char	*word;
	unsigned int	key;
	bool		has_value;
} session_keys[] = {
	{ "dev",	KEY_DEV,	true },
	{ "capture",	KEY_CAPTURE,	true },
	{ "snaplen",	KEY_SNAPLEN,	true },
	{ "filter",	KEY_FILTER,	true },
	{ "ring-size",	KEY_RING_SIZE,	true },
	{ "hook",	KEY_HOOK,	true },
	{ "nopromisc",	KEY_NOPROMISC,	false },
};

#define NR_KEYS	(sizeof(session_keys) / sizeof(session_keys[0]))

/* BYTES, or with a K, M or G suffix (powers of 1024). */
static bool parse_ring_size(const char *s, uint32_t *size)
{
	unsigned long long n;
	char *end;

	if (!s[0] || s[0] < '0' || s[0] > '9')
		return false;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno)
		return false;
	if (*end) {
		if (end[1])
			return false;
		switch (*end) {
		case 'K': case 'k':
			n <<= 10;
			break;
		case 'M': case 'm':
			n <<= 20;
			break;
		case 'G': case 'g':
			n <<= 30;
			break;
		default:
			return false;
		}
	}
	if (n < KCAP_RING_SIZE_MIN || n > (1ULL << 31) || (n & (n - 1)))
		return false;
	*size = (uint32_t)n;
	return true;
}

static int session_value(const char *cmd, unsigned int key, const char *val,
			 struct session_opts *o)
{
	switch (key) {
	case KEY_DEV:
		if (!val[0] || strlen(val) >= KCAP_IFNAMSIZ)
			return cli_usage_error(cmd, "bad device name '%s'",
					       val);
		o->dev = val;
		break;
	case KEY_CAPTURE:
		if (!cli_parse_capture_word(val, &o->direction))
			return cli_usage_error(cmd, "capture takes ingress, "
					       "egress, bidirectional or off, "
					       "not '%s'", val);
		o->dir_set = true;
		break;
	case KEY_SNAPLEN:
		if (!cli_parse_u32(val, 1, KCAP_SNAPLEN_MAX, &o->snaplen))
			return cli_usage_error(cmd, "snaplen takes 1 to %d, "
					       "not '%s'", KCAP_SNAPLEN_MAX,
					       val);
		o->snaplen_set = true;
		break;
	case KEY_FILTER:
		o->filter = val;
		break;
	case KEY_RING_SIZE:
		if (!parse_ring_size(val, &o->ring_size))
			return cli_usage_error(cmd, "ring-size takes a power "
					       "of two from 4096 to 2G bytes, "
					       "not '%s'", val);
		o->ring_set = true;
		break;
	case KEY_HOOK:
		if (!cli_parse_hook(val, &o->hook))
			return cli_usage_error(cmd, "hook takes netfilter or "
					       "rx_handler, not '%s'", val);
		o->hook_set = true;
		break;
	}
	return 0;
}

/* NAME, then the keys in @allowed; @needed of them must be there. */
static int session_parse(const char *cmd, int argc, char **argv,
			 unsigned int allowed, unsigned int needed,
			 struct session_opts *o)
{
	unsigned int seen = 0;
	int i, ret;
	size_t k;

	memset(o, 0, sizeof(*o));
	if (argc < 1)
		return cli_usage_error(cmd, "which session? NAME is needed");
	if (!cli_valid_name(argv[0]))
		return cli_usage_error(cmd, "bad session name '%s' (1 to 31 "
				       "of A-Z a-z 0-9 _ . -)", argv[0]);
	o->name = argv[0];

	for (i = 1; i < argc; i++) {
		for (k = 0; k < NR_KEYS; k++) {
			if (!strcmp(argv[i], session_keys[k].word))
				break;
		}
		if (k == NR_KEYS)
			return cli_usage_error(cmd, "unknown keyword '%s'",
					       argv[i]);
		if (!(session_keys[k].key & allowed))
			return cli_usage_error(cmd, "'%s' cannot change once "
					       "the session exists (del and "
					       "add it again)", argv[i]);
		if (seen & session_keys[k].key)
			return cli_usage_error(cmd, "'%s' given twice",
					       argv[i]);
		seen |= session_keys[k].key;
		if (session_keys[k].key == KEY_NOPROMISC) {
			o->nopromisc = true;
			continue;
		}
		if (i + 1 >= argc)
			return cli_usage_error(cmd, "'%s' needs a value",
					       argv[i]);
		ret = session_value(cmd, session_keys[k].key, argv[++i], o);
		if (ret)
			return ret;
	}
	if ((needed & KEY_DEV) && !(seen & KEY_DEV))
		return cli_usage_error(cmd, "which device? 'dev DEV' is "
				       "needed");
	if (needed && !(needed & KEY_DEV) && !(seen & needed))
		return cli_usage_error(cmd, "nothing to set (give capture, "
				       "snaplen or filter)");
	return 0;
}

int add_parse(int argc, char **argv, struct session_opts *o)
{
	return session_parse("add", argc, argv,
			     KEY_DEV | KEY_CAPTURE | KEY_SNAPLEN | KEY_FILTER |
			     KEY_RING_SIZE | KEY_HOOK | KEY_NOPROMISC,
			     KEY_DEV, o);
}

int set_parse(int argc, char **argv, struct session_opts *o)
{
	unsigned int keys = KEY_CAPTURE | KEY_SNAPLEN | KEY_FILTER;

	return session_parse("set", argc, argv, keys, keys, o);
}
