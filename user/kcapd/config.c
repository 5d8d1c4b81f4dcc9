// SPDX-License-Identifier: GPL-2.0
/*
 * kcapd: the configuration file.
 *
 * One JSON object whose members are sections: pcapdaemon's TOML file in
 * JSON, section for section and key for key ([general] is "general": {},
 * [[interface]] is "interface": [{}, ...]), and kcapd's own keys.  Every
 * section and key is optional.  The rules:
 *
 *  - A section or key kcapd does not know is an error naming it ("unknown
 *    section 'foo'", "unknown key general.maxpacket"), and so is a key
 *    given twice.  pcapdaemon's "sqs" section is refused: "sqs is not
 *    supported by kcapd (use redis)".
 *  - Sections are objects, but "interface" and "record", arrays of objects.
 *    Numbers are integers (not 1.5, not "15"), booleans true or false;
 *    null is not a value.
 *  - Strings have no control characters.  An empty string is the same as
 *    leaving the key out: its default, or none.  Names (node, tags,
 *    hosts, channels, secrets, aliases...) are at most 255 bytes, paths at
 *    most 4095 and absolute.
 *
 * "general":
 *   node            this node's name, as messages give it: 1..255 of
 *                   A-Z a-z 0-9 . _ -; default the host name
 *   maxpackets      packets of a capture at most: 1.., default 50000
 *   writelocal      deliver captures to localdir: default false
 *   localdir        an absolute path; writelocal needs it
 *   snaplength      a message's default snap: 1..262144, default 262144
 *   defaulttimeout  a message's default timeout (s between frames):
 *                   1..maxtimeout, default 10
 *   maxtimeout      1..4294967295 s, default 3600
 *   maxduration     s a capture lasts at most: 1..4294967295, default 3600
 *   maxbytes        bytes of a capture file at most: 1.., default 100000000
 *   packetdebug     the default of a message's packetdebug: default false
 *   maxcaptures     captures at once: 1..1024, default 4
 *   format          "pcap" or "pcapng" (default): of captures and records
 *   spooldir        an absolute path, default /var/spool/kcapd
 *   memorylimit     bytes of captures held in memory, 0.. (0: none, all
 *                   spooled), default 67108864 (64 MiB)
 *   retries         delivery attempts after the first: 0..10, default 3
 *   retrydelay      s before the first retry, doubled for each next one:
 *                   0..3600, default 1
 * "redis":
 *   listen          subscribe to channel: default false
 *   host            a host name or address, default 127.0.0.1
 *   port            1..65535, default 6379
 *   channel         default "capture"
 *   auth            the AUTH password; none by default
 *   results         the channel results are published on, default
 *                   "capture-results"
 *   keepalive       s between TCP keepalive probes: 0..3600 (0: none),
 *                   default 15
 * "interface": [{"name": "eth0", "alias": ["main", "public"]}, ...]
 *   name            the interface: 1..15 bytes, not . or .., no / : or
 *                   blanks; required, each once
 *   alias           names messages may give instead ("alias": [...]): at
 *                   most 16 an interface, each the alias of one interface
 *                   only; at most 256 interfaces
 * "s3":
 *   upload          deliver captures to S3: default false; needs bucket
 *   accessid        default: $AWS_ACCESS_KEY_ID
 *   accesskey       default: $AWS_SECRET_ACCESS_KEY
 *   endpoint        host[:port], default s3.amazonaws.com
 *   bucket          1..255 of A-Z a-z 0-9 . _ -
 *   folder          a key prefix: names of A-Z a-z 0-9 ! _ . * ' ( ) -
 *                   separated by single slashes, no leading or trailing
 *                   slash, no ".."; none by default
 *   region          A-Z a-z 0-9 _ -, default us-east-1
 *   acl             an S3 canned ACL (private, public-read,
 *                   public-read-write, authenticated-read, aws-exec-read,
 *                   bucket-owner-read, bucket-owner-full-control); none
 *                   sent by default
 *   encryption      x-amz-server-side-encryption: AES256; default false
 *   scheme          "http" or "https" (default)
 *   allowbuckets    buckets a message may name besides bucket: an array of
 *                   at most 32
 *   allowendpoints  endpoints a message may name besides endpoint: an
 *                   array of at most 32
 * "cloudshark":
 *   upload          deliver captures to Cloudshark: default false; needs
 *                   token
 *   host            default localhost
 *   scheme          "http" or "https" (default)
 *   port            0..65535, default 0: the scheme's
 *   token           the API token: A-Z a-z 0-9 . _ ~ -
 * "syslog":
 *   priority        facility | level, 0..191, default LOG_DAEMON | LOG_INFO
 *                   (30)
 *   tag             default "kcapd"
 * "record": [{...}, ...], at most 16 always-on recordings:
 *   name            the session's name, 1..31 of A-Z a-z 0-9 _ . -;
 *                   required, each once
 *   interface       required, as interface's name
 *   direction       "in", "out" or "inout" (default)
 *   filter          a pcap-filter(7) expression, at most 4095 bytes; none
 *                   by default
 *   snaplen         1..262144, default 262144
 *   dir             where the files go: an absolute path, required
 *   filesize        MB a file (as kcap -C), 0 (default): no limit
 *   seconds         s a file (as kcap -G), 0..4294967295, 0 (default):
 *                   no limit
 *   files           the ring's size (as kcap -W), 0..1000000, 0
 *                   (default): no ring; needs filesize or seconds
 *   format          "pcap" or "pcapng", default general.format
 *
 * And between sections: redis.listen needs somewhere to deliver to
 * (general.writelocal, s3.upload or cloudshark.upload), and kcapd needs
 * something to do: redis.listen, or a record.
 */

#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <unistd.h>

#include <jansson.h>

#include "kcapd.h"
#include "parse.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define MB		1000000ULL	/* record.filesize, as kcap -C */
#define WHERE_MAX	64		/* "interface[255].alias" */

/* Characters of the checks below. */
#define ALNUM		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" \
			"0123456789"

int kcapd_parse_err(struct kcapd_err *err, const char *fmt, ...)
{
	json_t *valid;
	va_list ap;
	char *c;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	/*
	 * One line, whatever a file or message held (Jansson quotes it), and
	 * UTF-8, as a JSON result needs it: ASCII if a cut made it invalid.
	 */
	valid = json_string(err->msg);
	for (c = err->msg; *c; c++) {
		if ((unsigned char)*c < 0x20 || *c == 0x7f ||
		    (!valid && (unsigned char)*c >= 0x80))
			*c = '?';
	}
	json_decref(valid);
	return -1;
}

const char *kcapd_quote(const char *s, char buf[KCAPD_QUOTE_MAX])
{
	size_t i;

	for (i = 0; s[i] && i < KCAPD_QUOTE_MAX - 8; i++)
		buf[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	if (s[i]) {
		/* Not in the middle of a UTF-8 character. */
		while (i && ((unsigned char)s[i] & 0xc0) == 0x80)
			i--;
		strcpy(buf + i, "...");
	} else {
		buf[i] = '\0';
	}
	return buf;
}

/* @s is of @chars only, and not empty. */
static bool kcapd_only(const char *s, const char *chars)
{
	return s[0] && strspn(s, chars) == strlen(s);
}

const char *kcapd_check_ifname(const char *s)
{
	/* The kernel's dev_valid_name(). */
	if (s[0] && strlen(s) < KCAP_IFNAMSIZ && strcmp(s, ".") &&
	    strcmp(s, "..") &&
	    !strpbrk(s, "/: \t\n\v\f\r"))
		return NULL;
	return "is not an interface name (1 to 15 bytes, not . or .., "
	       "no / : or blanks)";
}

const char *kcapd_check_bucket(const char *s)
{
	return kcapd_only(s, ALNUM "._-") ? NULL :
	       "is not a bucket name (A-Z a-z 0-9 . _ -)";
}

static const char *kcapd_check_host(const char *s)
{
	return kcapd_only(s, ALNUM ".-_:[]") ? NULL :
	       "is not a host name or address";
}

const char *kcapd_check_endpoint(const char *s)
{
	return kcapd_check_host(s) ? "is not host[:port]" : NULL;
}

const char *kcapd_check_folder(const char *s)
{
	static const char why[] =
		"is not a folder (names of A-Z a-z 0-9 ! _ . * ' ( ) - "
		"between single slashes, no ..)";
	size_t n;

	if (strstr(s, ".."))
		return why;
	for (;;) {
		n = strspn(s, ALNUM "!_.*'()-");
		if (!n)
			return why;
		s += n;
		if (!*s)
			return NULL;
		if (*s++ != '/')
			return why;
	}
}

const char *kcapd_check_region(const char *s)
{
	return kcapd_only(s, ALNUM "_-") ? NULL :
	       "is not a region (A-Z a-z 0-9 _ -)";
}

const char *kcapd_check_acl(const char *s)
{
	static const char *const acls[] = {
		"private", "public-read", "public-read-write",
		"authenticated-read", "aws-exec-read", "bucket-owner-read",
		"bucket-owner-full-control",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(acls); i++) {
		if (!strcmp(s, acls[i]))
			return NULL;
	}
	return "is not an S3 canned ACL (private, public-read, "
	       "public-read-write, authenticated-read, aws-exec-read, "
	       "bucket-owner-read, bucket-owner-full-control)";
}

const char *kcapd_check_node(const char *s)
{
	return kcapd_only(s, ALNUM "._-") ? NULL :
	       "is not a node name (A-Z a-z 0-9 . _ -)";
}

static const char *kcapd_check_path(const char *s)
{
	return s[0] == '/' ? NULL : "is not an absolute path";
}

static const char *kcapd_check_scheme(const char *s)
{
	return !strcmp(s, "http") || !strcmp(s, "https") ? NULL :
	       "is not http or https";
}

static const char *kcapd_check_token(const char *s)
{
	return kcapd_only(s, ALNUM "._~-") ? NULL :
	       "is not a token (A-Z a-z 0-9 . _ ~ -)";
}

static const char *kcapd_check_session(const char *s)
{
	return kcapd_only(s, ALNUM "_.-") ? NULL :
	       "is not a session name (1 to 31 of A-Z a-z 0-9 _ . -)";
}

int kcapd_json_string(const char *where, const json_t *v, size_t max,
		      kcapd_check_fn check, const char **s,
		      struct kcapd_err *err)
{
	char q[KCAPD_QUOTE_MAX];
	const char *why;
	size_t i;

	*s = NULL;
	if (!json_is_string(v))
		return kcapd_parse_err(err, "%s: must be a string", where);
	*s = json_string_value(v);
	if (json_string_length(v) > max)
		return kcapd_parse_err(err, "%s: '%s' is longer than %zu bytes",
				       where, kcapd_quote(*s, q), max);
	for (i = 0; (*s)[i]; i++) {
		if ((unsigned char)(*s)[i] < 0x20 || (*s)[i] == 0x7f)
			return kcapd_parse_err(err,
					       "%s: '%s' has a control character",
					       where, kcapd_quote(*s, q));
	}
	if (!(*s)[0]) {
		*s = NULL;
		return 0;
	}
	why = check ? check(*s) : NULL;
	if (why)
		return kcapd_parse_err(err, "%s: '%s' %s", where,
				       kcapd_quote(*s, q), why);
	return 0;
}

int kcapd_json_uint(const char *where, const json_t *v, uint64_t min,
		    uint64_t max, uint64_t *n, struct kcapd_err *err)
{
	json_int_t i;

	if (!json_is_integer(v))
		return kcapd_parse_err(err, "%s: must be an integer", where);
	i = json_integer_value(v);
	if (i >= 0 && (uint64_t)i >= min && (uint64_t)i <= max) {
		*n = (uint64_t)i;
		return 0;
	}
	if (max >= INT64_MAX)
		return kcapd_parse_err(err,
				       "%s: %lld is out of range (%llu or more)",
				       where, (long long)i,
				       (unsigned long long)min);
	return kcapd_parse_err(err, "%s: %lld is out of range (%llu to %llu)",
			       where, (long long)i, (unsigned long long)min,
			       (unsigned long long)max);
}

/* A string of @v into *@p (a malloc'd copy, NULL for none). */
static int kcapd_config_strdup(const char *where, const json_t *v,
			       size_t max, kcapd_check_fn check, char **p,
			       struct kcapd_err *err)
{
	const char *s;

	if (kcapd_json_string(where, v, max, check, &s, err))
		return -1;
	free(*p);
	*p = s ? strdup(s) : NULL;
	if (s && !*p)
		return kcapd_parse_err(err, "%s: out of memory", where);
	return 0;
}

/* The kinds of values of the keys below. */
enum kcapd_key_type {
	KCAPD_BOOL,
	KCAPD_U16,
	KCAPD_U32,
	KCAPD_U64,
	KCAPD_INT,
	KCAPD_STR,	/* char *, malloc'd */
	KCAPD_BUF,	/* char[@max + 1] */
	KCAPD_LIST,	/* char *[KCAPD_ALLOW_MAX] and its count at @nr */
	KCAPD_FORMAT,	/* enum kcap_file_format: "pcap" or "pcapng" */
	KCAPD_DIRECTION, /* uint8_t: "in", "out" or "inout" */
};

/**
 * struct kcapd_key - a key of a section, and where its value goes.
 * @name: the key.
 * @type: its kind of value.
 * @off: its field, in struct kcapd_config (struct kcapd_record for records).
 * @min: a number's least value.
 * @max: a number's greatest (in the file's unit); a string's bytes.
 * @scale: a number's unit in the field's (record.filesize: MB), or 0 for 1.
 * @check: a string's check, or NULL.
 * @nr: KCAPD_LIST: the field of its count.
 */
struct kcapd_key {
	const char		*name;
	enum kcapd_key_type	type;
	size_t			off;
	uint64_t		min;
	uint64_t		max;
	uint64_t		scale;
	kcapd_check_fn		check;
	size_t			nr;
};

#define C(f)		offsetof(struct kcapd_config, f)
#define R(f)		offsetof(struct kcapd_record, f)
#define NUM(n, t, o, lo, hi)	{ .name = n, .type = t, .off = o, \
				  .min = lo, .max = hi }
#define STR(n, o, len, fn)	{ .name = n, .type = KCAPD_STR, .off = o, \
				  .max = (len) - 1, .check = fn }
#define BOOL(n, o)		{ .name = n, .type = KCAPD_BOOL, .off = o }
#define NAME			KCAPD_NAME_MAX
#define PATH			KCAPD_PATH_MAX

static const struct kcapd_key kcapd_general_keys[] = {
	STR("node", C(node), NAME, kcapd_check_node),
	NUM("maxpackets", KCAPD_U64, C(maxpackets), 1, INT64_MAX),
	BOOL("writelocal", C(writelocal)),
	STR("localdir", C(localdir), PATH, kcapd_check_path),
	NUM("snaplength", KCAPD_U32, C(snaplength), 1, KCAP_SNAPLEN_MAX),
	NUM("defaulttimeout", KCAPD_U64, C(defaulttimeout), 1,
	    KCAPD_SECONDS_MAX),
	NUM("maxtimeout", KCAPD_U64, C(maxtimeout), 1, KCAPD_SECONDS_MAX),
	NUM("maxduration", KCAPD_U64, C(maxduration), 1, KCAPD_SECONDS_MAX),
	NUM("maxbytes", KCAPD_U64, C(maxbytes), 1, INT64_MAX),
	NUM("maxcaptures", KCAPD_U32, C(maxcaptures), 1, 1024),
	BOOL("packetdebug", C(packetdebug)),
	{ .name = "format", .type = KCAPD_FORMAT, .off = C(format) },
	STR("spooldir", C(spooldir), PATH, kcapd_check_path),
	NUM("memorylimit", KCAPD_U64, C(memorylimit), 0, INT64_MAX),
	NUM("retries", KCAPD_U32, C(retries), 0, 10),
	NUM("retrydelay", KCAPD_U32, C(retrydelay), 0, 3600),
	{ NULL }
};

static const struct kcapd_key kcapd_redis_keys[] = {
	BOOL("listen", C(redis_listen)),
	STR("host", C(redis_host), NAME, kcapd_check_host),
	NUM("port", KCAPD_U16, C(redis_port), 1, UINT16_MAX),
	STR("channel", C(redis_channel), NAME, NULL),
	STR("auth", C(redis_auth), NAME, NULL),
	STR("results", C(redis_results), NAME, NULL),
	NUM("keepalive", KCAPD_U32, C(redis_keepalive), 0, 3600),
	{ NULL }
};

static const struct kcapd_key kcapd_s3_keys[] = {
	BOOL("upload", C(s3_upload)),
	STR("accessid", C(s3_accessid), NAME, NULL),
	STR("accesskey", C(s3_accesskey), NAME, NULL),
	STR("endpoint", C(s3_endpoint), NAME, kcapd_check_endpoint),
	STR("bucket", C(s3_bucket), NAME, kcapd_check_bucket),
	STR("folder", C(s3_folder), NAME, kcapd_check_folder),
	STR("region", C(s3_region), NAME, kcapd_check_region),
	STR("acl", C(s3_acl), NAME, kcapd_check_acl),
	BOOL("encryption", C(s3_encryption)),
	STR("scheme", C(s3_scheme), NAME, kcapd_check_scheme),
	{ .name = "allowbuckets", .type = KCAPD_LIST,
	  .off = C(s3_allow_buckets), .max = NAME - 1,
	  .check = kcapd_check_bucket, .nr = C(nr_s3_allow_buckets) },
	{ .name = "allowendpoints", .type = KCAPD_LIST,
	  .off = C(s3_allow_endpoints), .max = NAME - 1,
	  .check = kcapd_check_endpoint, .nr = C(nr_s3_allow_endpoints) },
	{ NULL }
};

static const struct kcapd_key kcapd_cloudshark_keys[] = {
	BOOL("upload", C(cs_upload)),
	STR("host", C(cs_host), NAME, kcapd_check_host),
	STR("scheme", C(cs_scheme), NAME, kcapd_check_scheme),
	NUM("port", KCAPD_U16, C(cs_port), 0, UINT16_MAX),
	STR("token", C(cs_token), NAME, kcapd_check_token),
	{ NULL }
};

static const struct kcapd_key kcapd_syslog_keys[] = {
	NUM("priority", KCAPD_INT, C(syslog_priority), 0,
	    (LOG_NFACILITIES << 3) - 1),
	STR("tag", C(syslog_tag), NAME, NULL),
	{ NULL }
};

static const struct kcapd_key kcapd_record_keys[] = {
	{ .name = "name", .type = KCAPD_BUF, .off = R(name),
	  .max = KCAP_NAME_MAX - 1, .check = kcapd_check_session },
	{ .name = "interface", .type = KCAPD_BUF, .off = R(iface),
	  .max = KCAP_IFNAMSIZ - 1, .check = kcapd_check_ifname },
	{ .name = "direction", .type = KCAPD_DIRECTION, .off = R(direction) },
	STR("filter", R(filter), KCAP_FILTER_TEXT_MAX, NULL),
	NUM("snaplen", KCAPD_U32, R(snaplen), 1, KCAP_SNAPLEN_MAX),
	STR("dir", R(dir), PATH, kcapd_check_path),
	{ .name = "filesize", .type = KCAPD_U64, .off = R(filesize),
	  .max = INT64_MAX / MB, .scale = MB },
	NUM("seconds", KCAPD_U64, R(seconds), 0, KCAPD_SECONDS_MAX),
	NUM("files", KCAPD_U32, R(files), 0, 1000000),
	{ .name = "format", .type = KCAPD_FORMAT, .off = R(format) },
	{ NULL }
};

/* One of @words, the value of an enum; its index, or -1 with @err filled. */
static int kcapd_config_word(const char *where, const json_t *v,
			     const char *const *words, size_t nr,
			     const char *say, struct kcapd_err *err)
{
	char q[KCAPD_QUOTE_MAX];
	size_t i;

	if (!json_is_string(v))
		return kcapd_parse_err(err, "%s: must be a string", where);
	for (i = 0; i < nr; i++) {
		if (!strcmp(json_string_value(v), words[i]))
			return (int)i;
	}
	return kcapd_parse_err(err, "%s: '%s' is not %s", where,
			       kcapd_quote(json_string_value(v), q), say);
}

/*
 * @v, at @where, is an array of @of ("strings", "objects") of @most
 * entries at most; @entries, what they are in an error.
 */
static int kcapd_config_array(const char *where, const json_t *v,
			      const char *of, size_t most,
			      const char *entries, struct kcapd_err *err)
{
	if (!json_is_array(v))
		return kcapd_parse_err(err, "%s: must be an array of %s",
				       where, of);
	if (json_array_size(v) > most)
		return kcapd_parse_err(err, "%s: more than %zu %s", where,
				       most, entries);
	return 0;
}

static int kcapd_config_list(const char *where, const struct kcapd_key *k,
			     const json_t *v, void *base,
			     struct kcapd_err *err)
{
	char **list = (char **)((char *)base + k->off);
	size_t *nr = (size_t *)((char *)base + k->nr);
	char at[WHERE_MAX + 24];
	const json_t *e;
	size_t i;

	if (kcapd_config_array(where, v, "strings", KCAPD_ALLOW_MAX,
			       "entries", err))
		return -1;
	json_array_foreach(v, i, e) {
		snprintf(at, sizeof(at), "%s[%zu]", where, i);
		if (kcapd_config_strdup(at, e, k->max, k->check, &list[i], err))
			return -1;
		if (!list[i])
			return kcapd_parse_err(err, "%s: empty", at);
		*nr = i + 1;
	}
	return 0;
}

/* The value @v of the key @k into its field in @base. */
static int kcapd_config_value(const char *where, const struct kcapd_key *k,
			      const json_t *v, void *base,
			      struct kcapd_err *err)
{
	static const char *const formats[] = { "pcap", "pcapng" };
	static const char *const dirs[] = { "in", "out", "inout" };
	static const uint8_t dir_values[] = {
		KCAP_DIR_IN, KCAP_DIR_OUT, KCAP_DIR_INOUT,
	};
	void *field = (char *)base + k->off;
	const char *s;
	uint64_t n;
	int i;

	switch (k->type) {
	case KCAPD_BOOL:
		if (!json_is_boolean(v))
			return kcapd_parse_err(err, "%s: must be true or false",
					       where);
		*(bool *)field = json_is_true(v);
		return 0;
	case KCAPD_U16:
	case KCAPD_U32:
	case KCAPD_U64:
	case KCAPD_INT:
		if (kcapd_json_uint(where, v, k->min, k->max, &n, err))
			return -1;
		n *= k->scale ? k->scale : 1;
		if (k->type == KCAPD_U16)
			*(uint16_t *)field = (uint16_t)n;
		else if (k->type == KCAPD_U32)
			*(uint32_t *)field = (uint32_t)n;
		else if (k->type == KCAPD_U64)
			*(uint64_t *)field = n;
		else
			*(int *)field = (int)n;
		return 0;
	case KCAPD_STR:
		return kcapd_config_strdup(where, v, k->max, k->check, field,
					   err);
	case KCAPD_BUF:
		if (kcapd_json_string(where, v, k->max, k->check, &s, err))
			return -1;
		strcpy(field, s ? s : "");
		return 0;
	case KCAPD_LIST:
		return kcapd_config_list(where, k, v, base, err);
	case KCAPD_FORMAT:
		i = kcapd_config_word(where, v, formats, ARRAY_SIZE(formats),
				      "pcap or pcapng", err);
		if (i < 0)
			return -1;
		*(enum kcap_file_format *)field =
			i ? KCAP_FORMAT_PCAPNG : KCAP_FORMAT_PCAP;
		return 0;
	case KCAPD_DIRECTION:
		i = kcapd_config_word(where, v, dirs, ARRAY_SIZE(dirs),
				      "in, out or inout", err);
		if (i < 0)
			return -1;
		*(uint8_t *)field = dir_values[i];
		return 0;
	}
	return kcapd_parse_err(err, "%s: not handled", where);
}

/*
 * The object @obj, section @sect (its name in errors: "general",
 * "record[2]"), into @base through @keys.
 */
static int kcapd_config_section(const char *sect, const json_t *obj,
				const struct kcapd_key *keys, void *base,
				struct kcapd_err *err)
{
	char where[WHERE_MAX], q[KCAPD_QUOTE_MAX];
	const struct kcapd_key *k;
	const char *key;
	json_t *v;

	if (!json_is_object(obj))
		return kcapd_parse_err(err, "%s: must be an object", sect);
	json_object_foreach((json_t *)obj, key, v) {
		for (k = keys; k->name && strcmp(k->name, key); k++)
			;
		if (!k->name)
			return kcapd_parse_err(err, "unknown key %s.%s", sect,
					       kcapd_quote(key, q));
		snprintf(where, sizeof(where), "%s.%s", sect, key);
		if (kcapd_config_value(where, k, v, base, err))
			return -1;
	}
	return 0;
}

/* The interface, if any, that has the alias @alias; NULL if none has. */
static const struct kcapd_iface *
kcapd_config_alias_of(const struct kcapd_config *cfg, const char *alias)
{
	size_t i, j;

	for (i = 0; i < cfg->nr_ifaces; i++) {
		for (j = 0; j < cfg->ifaces[i].nr_alias; j++) {
			if (!strcmp(cfg->ifaces[i].alias[j], alias))
				return &cfg->ifaces[i];
		}
	}
	return NULL;
}

static int kcapd_config_aliases(const char *where, const json_t *v,
				struct kcapd_config *cfg,
				struct kcapd_iface *iface,
				struct kcapd_err *err)
{
	char at[WHERE_MAX + 24];
	const struct kcapd_iface *other;
	const json_t *e;
	const char *s;
	size_t i;

	if (kcapd_config_array(where, v, "strings", KCAPD_ALIASES_MAX,
			       "aliases", err))
		return -1;
	json_array_foreach(v, i, e) {
		snprintf(at, sizeof(at), "%s[%zu]", where, i);
		if (kcapd_json_string(at, e, NAME - 1, NULL, &s, err))
			return -1;
		if (!s)
			return kcapd_parse_err(err, "%s: empty", at);
		other = kcapd_config_alias_of(cfg, s);
		if (other)
			return kcapd_parse_err(err,
					       "%s: '%s' is already an alias of %s",
					       at, s, other->name);
		iface->alias[i] = strdup(s);
		if (!iface->alias[i])
			return kcapd_parse_err(err, "%s: out of memory", at);
		iface->nr_alias = i + 1;
	}
	return 0;
}

/* "interface": [{"name": ..., "alias": [...]}, ...] */
static int kcapd_config_ifaces(const json_t *v, struct kcapd_config *cfg,
			       struct kcapd_err *err)
{
	char where[WHERE_MAX / 2], key_at[WHERE_MAX], q[KCAPD_QUOTE_MAX];
	struct kcapd_iface *iface;
	const json_t *obj, *name, *alias;
	const char *s, *key;
	size_t i, j;
	json_t *kv;

	if (kcapd_config_array("interface", v, "objects", KCAPD_IFACES_MAX,
			       "entries", err))
		return -1;
	cfg->ifaces = calloc(json_array_size(v) ? json_array_size(v) : 1,
			     sizeof(*cfg->ifaces));
	if (!cfg->ifaces)
		return kcapd_parse_err(err, "interface: out of memory");
	json_array_foreach(v, i, obj) {
		snprintf(where, sizeof(where), "interface[%zu]", i);
		if (!json_is_object(obj))
			return kcapd_parse_err(err, "%s: must be an object",
					       where);
		json_object_foreach((json_t *)obj, key, kv) {
			if (strcmp(key, "name") && strcmp(key, "alias"))
				return kcapd_parse_err(err, "unknown key %s.%s",
						       where,
						       kcapd_quote(key, q));
		}
		iface = &cfg->ifaces[i];
		cfg->nr_ifaces = i + 1;
		name = json_object_get(obj, "name");
		snprintf(key_at, sizeof(key_at), "%s.name", where);
		if (name && kcapd_json_string(key_at, name, KCAP_IFNAMSIZ - 1,
					      kcapd_check_ifname, &s, err))
			return -1;
		if (!name || !s)
			return kcapd_parse_err(err, "%s: no name", where);
		for (j = 0; j < i; j++) {
			if (!strcmp(cfg->ifaces[j].name, s))
				return kcapd_parse_err(err,
						       "%s: '%s' is already interface[%zu]",
						       key_at, s, j);
		}
		strcpy(iface->name, s);
		alias = json_object_get(obj, "alias");
		snprintf(key_at, sizeof(key_at), "%s.alias", where);
		if (alias && kcapd_config_aliases(key_at, alias, cfg, iface,
						  err))
			return -1;
	}
	return 0;
}

/* "record": [{...}, ...] */
static int kcapd_config_records(const json_t *v, struct kcapd_config *cfg,
				struct kcapd_err *err)
{
	struct kcapd_record *rec;
	char where[WHERE_MAX];
	const json_t *obj;
	size_t i, j;

	if (kcapd_config_array("record", v, "objects", KCAPD_RECORDS_MAX,
			       "entries", err))
		return -1;
	json_array_foreach(v, i, obj) {
		snprintf(where, sizeof(where), "record[%zu]", i);
		rec = &cfg->records[i];
		rec->direction = KCAP_DIR_INOUT;
		rec->format = cfg->format;
		cfg->nr_records = i + 1;
		if (kcapd_config_section(where, obj, kcapd_record_keys, rec,
					 err))
			return -1;
		if (!rec->name[0] || !rec->iface[0] || !rec->dir)
			return kcapd_parse_err(err, "%s: no %s", where,
					       !rec->name[0] ? "name" :
					       !rec->iface[0] ? "interface" :
					       "dir");
		if (rec->files && !rec->filesize && !rec->seconds)
			return kcapd_parse_err(err,
					       "%s.files needs filesize or seconds",
					       where);
		for (j = 0; j < i; j++) {
			if (!strcmp(cfg->records[j].name, rec->name))
				return kcapd_parse_err(err,
						       "%s.name: '%s' is already record[%zu]'s",
						       where, rec->name, j);
		}
	}
	return 0;
}

/* What one key of a section cannot say alone. */
static int kcapd_config_check(const struct kcapd_config *cfg,
			      struct kcapd_err *err)
{
	if (cfg->defaulttimeout > cfg->maxtimeout)
		return kcapd_parse_err(err,
				       "general.defaulttimeout: %llu is more than general.maxtimeout (%llu)",
				       (unsigned long long)cfg->defaulttimeout,
				       (unsigned long long)cfg->maxtimeout);
	if (cfg->writelocal && !cfg->localdir)
		return kcapd_parse_err(err,
				       "general.writelocal needs general.localdir");
	if (cfg->s3_upload && !cfg->s3_bucket)
		return kcapd_parse_err(err, "s3.upload needs s3.bucket");
	if (cfg->cs_upload && !cfg->cs_token)
		return kcapd_parse_err(err,
				       "cloudshark.upload needs cloudshark.token");
	if (cfg->redis_listen && !cfg->writelocal && !cfg->s3_upload &&
	    !cfg->cs_upload)
		return kcapd_parse_err(err,
				       "redis.listen: captures have nowhere to go: set general.writelocal, s3.upload or cloudshark.upload");
	/* kcapd would read its own results, and refuse them, for ever. */
	if (!strcmp(cfg->redis_channel, cfg->redis_results))
		return kcapd_parse_err(err,
				       "redis.results: '%s' is redis.channel too: give results a channel of their own",
				       cfg->redis_channel);
	if (!cfg->redis_listen && !cfg->nr_records)
		return kcapd_parse_err(err,
				       "nothing to do: set redis.listen or add a record");
	return 0;
}

static void kcapd_config_defaults(struct kcapd_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->maxpackets = 50000;
	cfg->snaplength = KCAP_SNAPLEN_MAX;
	cfg->defaulttimeout = 10;
	cfg->maxtimeout = 3600;
	cfg->maxduration = 3600;
	cfg->maxbytes = 100000000;
	cfg->maxcaptures = 4;
	cfg->format = KCAP_FORMAT_PCAPNG;
	cfg->memorylimit = 64 << 20;
	cfg->retries = 3;
	cfg->retrydelay = 1;
	cfg->redis_port = 6379;
	cfg->redis_keepalive = 15;
	cfg->syslog_priority = LOG_DAEMON | LOG_INFO;
}

/* The default of a string the file left out. */
static int kcapd_config_default(char **p, const char *def,
				struct kcapd_err *err)
{
	if (!*p)
		*p = strdup(def);
	return *p ? 0 : kcapd_parse_err(err, "out of memory");
}

static int kcapd_config_string_defaults(struct kcapd_config *cfg,
					struct kcapd_err *err)
{
	char host[KCAPD_NAME_MAX] = "";
	char q[KCAPD_QUOTE_MAX];

	if (!cfg->node) {
		if (gethostname(host, sizeof(host) - 1))
			return kcapd_parse_err(err,
					       "general.node: no host name (%s): set general.node",
					       strerror(errno));
		if (kcapd_check_node(host))
			return kcapd_parse_err(err,
					       "general.node: the host name '%s' %s: set general.node",
					       kcapd_quote(host, q),
					       kcapd_check_node(host));
	}
	return kcapd_config_default(&cfg->node, host, err) ||
	       kcapd_config_default(&cfg->spooldir, "/var/spool/kcapd", err) ||
	       kcapd_config_default(&cfg->redis_host, "127.0.0.1", err) ||
	       kcapd_config_default(&cfg->redis_channel, "capture", err) ||
	       kcapd_config_default(&cfg->redis_results, "capture-results",
				    err) ||
	       kcapd_config_default(&cfg->s3_endpoint, "s3.amazonaws.com",
				    err) ||
	       kcapd_config_default(&cfg->s3_region, "us-east-1", err) ||
	       kcapd_config_default(&cfg->s3_scheme, "https", err) ||
	       kcapd_config_default(&cfg->cs_host, "localhost", err) ||
	       kcapd_config_default(&cfg->cs_scheme, "https", err) ||
	       kcapd_config_default(&cfg->syslog_tag, "kcapd", err) ? -1 : 0;
}

/* The sections, in the order they are read (general's format first). */
static const struct {
	const char		*name;
	const struct kcapd_key	*keys;	/* NULL: an array, read apart */
} kcapd_sections[] = {
	{ "general", kcapd_general_keys },
	{ "redis", kcapd_redis_keys },
	{ "interface", NULL },
	{ "s3", kcapd_s3_keys },
	{ "cloudshark", kcapd_cloudshark_keys },
	{ "syslog", kcapd_syslog_keys },
	{ "record", NULL },
};

static int kcapd_config_json(const json_t *root, struct kcapd_config *cfg,
			     struct kcapd_err *err)
{
	char q[KCAPD_QUOTE_MAX];
	const char *key;
	const json_t *v;
	size_t i;

	if (!json_is_object(root))
		return kcapd_parse_err(err,
				       "the configuration is not a JSON object");
	json_object_foreach((json_t *)root, key, v) {
		for (i = 0; i < ARRAY_SIZE(kcapd_sections) &&
			    strcmp(kcapd_sections[i].name, key); i++)
			;
		if (!strcmp(key, "sqs"))
			return kcapd_parse_err(err,
					       "sqs is not supported by kcapd (use redis)");
		if (i == ARRAY_SIZE(kcapd_sections))
			return kcapd_parse_err(err, "unknown section '%s'",
					       kcapd_quote(key, q));
	}
	for (i = 0; i < ARRAY_SIZE(kcapd_sections); i++) {
		v = json_object_get(root, kcapd_sections[i].name);
		if (!v)
			continue;
		if (kcapd_sections[i].keys ?
		    kcapd_config_section(kcapd_sections[i].name, v,
					 kcapd_sections[i].keys, cfg, err) :
		    !strcmp(kcapd_sections[i].name, "interface") ?
		    kcapd_config_ifaces(v, cfg, err) :
		    kcapd_config_records(v, cfg, err))
			return -1;
	}
	return kcapd_config_string_defaults(cfg, err) ||
	       kcapd_config_check(cfg, err) ? -1 : 0;
}

/* @root (NULL: @je says why it is not JSON) into @cfg; @root is put. */
static int kcapd_config_from(json_t *root, const json_error_t *je,
			     const char *path, struct kcapd_config *cfg,
			     struct kcapd_err *err)
{
	int ret;

	if (!root) {
		memset(cfg, 0, sizeof(*cfg));
		if (json_error_code(je) == json_error_cannot_open_file)
			return kcapd_parse_err(err, "%s", je->text);
		return kcapd_parse_err(err, "%s%sline %d column %d: %s",
				       path ? path : "", path ? ": " : "",
				       je->line, je->column, je->text);
	}
	kcapd_config_defaults(cfg);
	ret = kcapd_config_json(root, cfg, err);
	json_decref(root);
	if (ret)
		kcapd_config_free(cfg);
	return ret;
}

int kcapd_config_load(const char *path, struct kcapd_config *cfg,
		      struct kcapd_err *err)
{
	json_error_t je;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);

	return kcapd_config_from(root, &je, path, cfg, err);
}

int kcapd_config_parse(const char *json, size_t len, struct kcapd_config *cfg,
		       struct kcapd_err *err)
{
	json_error_t je;
	json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);

	return kcapd_config_from(root, &je, NULL, cfg, err);
}

static void kcapd_free_list(char **list, size_t nr)
{
	size_t i;

	for (i = 0; i < nr; i++)
		free(list[i]);
}

void kcapd_config_free(struct kcapd_config *cfg)
{
	size_t i;

	free(cfg->node);
	free(cfg->localdir);
	free(cfg->spooldir);
	free(cfg->redis_host);
	free(cfg->redis_channel);
	free(cfg->redis_auth);
	free(cfg->redis_results);
	for (i = 0; i < cfg->nr_ifaces; i++)
		kcapd_free_list(cfg->ifaces[i].alias, cfg->ifaces[i].nr_alias);
	free(cfg->ifaces);
	free(cfg->s3_accessid);
	free(cfg->s3_accesskey);
	free(cfg->s3_endpoint);
	free(cfg->s3_bucket);
	free(cfg->s3_folder);
	free(cfg->s3_region);
	free(cfg->s3_acl);
	free(cfg->s3_scheme);
	kcapd_free_list(cfg->s3_allow_buckets, cfg->nr_s3_allow_buckets);
	kcapd_free_list(cfg->s3_allow_endpoints, cfg->nr_s3_allow_endpoints);
	free(cfg->cs_host);
	free(cfg->cs_scheme);
	free(cfg->cs_token);
	free(cfg->syslog_tag);
	for (i = 0; i < cfg->nr_records; i++) {
		free(cfg->records[i].filter);
		free(cfg->records[i].dir);
	}
	memset(cfg, 0, sizeof(*cfg));
}
