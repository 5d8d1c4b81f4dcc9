// SPDX-License-Identifier: GPL-2.0
/*
 * kcap(8): the KEY VALUE words of 'kcap add' and 'kcap set', in
 * iproute2's manner, parsed straight into the request's
 * struct kcap_session_config (its set mask is devlink's "present"):
 *
 *	NAME dev DEV|any [direction in|out|inout|off] [snaplen N]
 *	     [filter EXPR|all] [ring-size BYTES[K|M|G]]
 *	     [hook netfilter|rx_handler|tap] [nopromisc]
 *
 * set takes direction, snaplen and filter only: the rest is fixed when
 * the session is created.  "capture" is accepted for "direction".  dev
 * any is a session on every device (libkcap's KCAP_ANY_DEVICE): never
 * promiscuous, from the netfilter hook only.
 */

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* A key's value into @cfg: 0, or KCAP_EXIT_USAGE after a line. */
typedef int (*key_fn)(const char *cmd, const char *key, const char *val,
		      struct kcap_session_config *cfg);

static int key_dev(const char *cmd, const char *key, const char *val,
		   struct kcap_session_config *cfg)
{
	if (!val[0] || strlen(val) >= KCAP_IFNAMSIZ)
		return cli_invalid(cmd, "device name", val,
				   "1 to 15 bytes");
	(void)key;
	cfg->ifname = val;
	return 0;
}

static int key_direction(const char *cmd, const char *key, const char *val,
			 struct kcap_session_config *cfg)
{
	if (!cli_parse_direction(val, &cfg->direction))
		return cli_invalid(cmd, key, val, "in, out, inout or off");
	return 0;
}

static int key_snaplen(const char *cmd, const char *key, const char *val,
		       struct kcap_session_config *cfg)
{
	return cli_number32(cmd, key, val, 1, KCAP_SNAPLEN_MAX, "bytes",
			    &cfg->snaplen);
}

static int key_filter(const char *cmd, const char *key, const char *val,
		      struct kcap_session_config *cfg)
{
	(void)cmd;
	(void)key;
	cfg->filter = val;
	return 0;
}

/* BYTES, or with a K, M or G suffix (powers of 1024), a power of two. */
static int key_ring_size(const char *cmd, const char *key, const char *val,
			 struct kcap_session_config *cfg)
{
	static const char must[] = "a power of two from 4096 to 2G bytes";
	unsigned long long n;
	const char *units = "KMG";
	const char *u;
	char *end;

	errno = 0;
	n = val[0] >= '0' && val[0] <= '9' ? strtoull(val, &end, 10) : 0;
	if (!n || errno)
		return cli_invalid(cmd, key, val, must);
	if (*end) {
		u = strchr(units, *end & ~0x20);
		if (!u || end[1])
			return cli_invalid(cmd, key, val, must);
		n <<= 10 * (u - units + 1);
	}
	if (n < KCAP_RING_SIZE_MIN || n > (1ULL << 31) || (n & (n - 1)))
		return cli_invalid(cmd, key, val, must);
	cfg->ring_size = (uint32_t)n;
	return 0;
}

static int key_hook(const char *cmd, const char *key, const char *val,
		    struct kcap_session_config *cfg)
{
	return cli_hook_arg(cmd, key, val, &cfg->hook);
}

#define KEY_DEV		(1U << 31)	/* not a KCAP_CFG_ bit: always sent */
#define KEY_NOPROMISC	(1U << 30)	/* a flag of KCAP_CFG_FLAGS */

static const struct {
	const char	*word;
	uint32_t	bit;	/* a KCAP_CFG_ bit, or KEY_* */
	key_fn		fn;	/* NULL: a key without a value */
} session_keys[] = {
	{ "dev",	KEY_DEV,		key_dev },
	{ "direction",	KCAP_CFG_DIRECTION,	key_direction },
	{ "capture",	KCAP_CFG_DIRECTION,	key_direction },
	{ "snaplen",	KCAP_CFG_SNAPLEN,	key_snaplen },
	{ "filter",	KCAP_CFG_FILTER,	key_filter },
	{ "ring-size",	KCAP_CFG_RING_SIZE,	key_ring_size },
	{ "hook",	KCAP_CFG_HOOK,		key_hook },
	{ "nopromisc",	KEY_NOPROMISC,		NULL },
};

#define NR_KEYS	(sizeof(session_keys) / sizeof(session_keys[0]))

/* NAME, then the keys in @allowed into @cfg, @seen the keys given. */
static int session_parse(const char *cmd, int argc, char **argv,
			 uint32_t allowed, uint32_t *seen,
			 struct kcap_session_config *cfg)
{
	int i, ret;
	size_t k;

	memset(cfg, 0, sizeof(*cfg));
	*seen = 0;
	if (argc < 1)
		return cli_usage_error(cmd, "which session? NAME is needed");
	ret = cli_session_name(cmd, argv[0]);
	if (ret)
		return ret;
	cfg->name = argv[0];

	for (i = 1; i < argc; i++) {
		for (k = 0; k < NR_KEYS; k++) {
			if (!strcmp(argv[i], session_keys[k].word))
				break;
		}
		if (k == NR_KEYS)
			return cli_usage_error(cmd, "unknown keyword '%s'",
					       argv[i]);
		if (!(session_keys[k].bit & allowed))
			return cli_usage_error(cmd, "'%s' cannot change once "
					       "the session exists (del and "
					       "add it again)", argv[i]);
		if (*seen & session_keys[k].bit)
			return cli_usage_error(cmd, "'%s' given twice",
					       argv[i]);
		*seen |= session_keys[k].bit;
		if (!session_keys[k].fn)
			continue;
		if (i + 1 >= argc)
			return cli_usage_error(cmd, "'%s' needs a value",
					       argv[i]);
		ret = session_keys[k].fn(cmd, argv[i], argv[i + 1], cfg);
		if (ret)
			return ret;
		i++;
	}
	cfg->set = *seen & ~(KEY_DEV | KEY_NOPROMISC);
	return 0;
}

int add_parse(int argc, char **argv, struct kcap_session_config *cfg)
{
	uint32_t seen;
	int ret;

	ret = session_parse("add", argc, argv, ~0U, &seen, cfg);
	if (ret)
		return ret;
	if (!(seen & KEY_DEV))
		return cli_usage_error("add", "which device? 'dev DEV' is "
				       "needed");
	if (!strcmp(cfg->ifname, KCAP_ANY_DEVICE) &&
	    (seen & KCAP_CFG_HOOK) && cfg->hook != KCAP_HOOK_NETFILTER)
		return cli_usage_error("add", "dev any captures from the "
				       "netfilter hook: not 'hook %s'",
				       cli_hook_word(cfg->hook));
	cfg->set |= KCAP_CFG_FLAGS;
	cfg->flags = KCAP_SESSION_F_PERSISTENT |
		     (seen & KEY_NOPROMISC ? KCAP_SESSION_F_NOPROMISC : 0);
	return 0;
}

int set_parse(int argc, char **argv, struct kcap_session_config *cfg)
{
	const uint32_t keys = KCAP_CFG_DIRECTION | KCAP_CFG_SNAPLEN |
			      KCAP_CFG_FILTER;
	uint32_t seen;
	int ret;

	ret = session_parse("set", argc, argv, keys, &seen, cfg);
	if (!ret && !seen)
		return cli_usage_error("set", "nothing to set (give "
				       "direction, snaplen or filter)");
	return ret;
}
