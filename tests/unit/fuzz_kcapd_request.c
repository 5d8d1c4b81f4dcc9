// SPDX-License-Identifier: GPL-2.0
/*
 * kcapd's parsers under fuzzing, built with -fsanitize=address,undefined
 * by tests/harness/kcapd-fuzz:
 *
 *	fuzz_kcapd_request request [--count N] [--seed S]
 *	fuzz_kcapd_request config [--count N] [--seed S]
 *	fuzz_kcapd_request corpus
 *
 * "request": valid messages built at random, most of them then mutated
 * (bytes flipped, cut, inserted; a field's value swapped for another
 * type; huge numbers; deep nesting; long strings; invalid UTF-8; NULs;
 * duplicate keys), through kcapd_request_parse().  "config": the same
 * with configuration files through kcapd_config_parse(), and a few
 * messages through each configuration it takes.  "corpus": messages
 * written by hand to hurt (regular expressions that take glibc minutes,
 * megabytes of nesting or text).
 *
 * Each input is handed over in a buffer of exactly its length, so that
 * reading past it is an ASan error.  After every call: a refusal (and a
 * message for another node) leaves nothing allocated, by the sanitizer
 * allocator's count, the request zeroed, and a refusal one line of UTF-8
 * in the error; an accepted message stays within the configuration's
 * limits and kcapd_request_free() gives back every byte.  No input may
 * take a second.  ASan's leak checker runs at exit.  Same seed, same
 * inputs.  Exit 0, or 1 after the first failure.
 */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <jansson.h>

#include "kcapd.h"

#ifdef __SANITIZE_ADDRESS__
/* The sanitizers' allocator_interface.h, which gcc does not install. */
size_t __sanitizer_get_current_allocated_bytes(void);
#endif

#define NODE		"web1"
#define SLOW_NS		1000000000ULL	/* an input may take */

static const char config_text[] =
	"{\"general\": {\"node\": \"web1\", \"snaplength\": 1500,"
	"  \"maxtimeout\": 60, \"maxpackets\": 1000, \"maxduration\": 600,"
	"  \"maxbytes\": 10000000, \"writelocal\": true, \"localdir\": \"/tmp\"},"
	" \"redis\": {\"listen\": true, \"host\": \"redis.example\"},"
	" \"interface\": [{\"name\": \"eth0\", \"alias\": [\"main\", \"public\"]},"
	"  {\"name\": \"lo\", \"alias\": [\"local\"]},"
	"  {\"name\": \"eth9\", \"alias\": [\"gone\"]},"
	"  {\"name\": \"bond0\", \"alias\": [\"uplink\", \"trunk\"]}],"
	" \"s3\": {\"upload\": true, \"bucket\": \"pcaps\", \"folder\": \"a/b\","
	"  \"acl\": \"private\", \"allowbuckets\": [\"other\", \"mybucket\"],"
	"  \"allowendpoints\": [\"minio:9000\"]},"
	" \"cloudshark\": {\"upload\": false, \"token\": \"abc\"},"
	" \"syslog\": {\"priority\": 30, \"tag\": \"kcapd\"},"
	" \"record\": [{\"name\": \"web\", \"interface\": \"eth0\","
	"  \"direction\": \"in\", \"filter\": \"tcp port 80\", \"dir\": \"/r\","
	"  \"filesize\": 10, \"files\": 3, \"format\": \"pcap\"}]}";

static const char *const fields[] = {
	"node", "nodere", "interface", "alias", "bpf", "snap", "packets",
	"timeout", "duration", "bytes", "tags", "customer", "alertid",
	"packetdebug", "folder", "bucket", "acl", "region", "endpoint",
	"encryption",
};

static const char *const strings[] = {
	"", "eth0", "eth1", "lo", "bond0", "eth9", "if7", "if99", "if100",
	"main", "public", "local", "gone", "uplink", "nope", "any", "web1",
	"web2", "web", "^web[0-9]+$", "^db", "(", "web{2}", "(a)\\1", ".*",
	"private", "public-read", "bucket-owner-full-control", "open",
	"other", "mybucket", "pcaps", "evil", "minio:9000", "MINIO:9000",
	"s3.amazonaws.com", "evil.example", "../x", "/x", "a/b", "a//b",
	"tcp port 80", "ip", "a\nb", "\x7f", "caf\xc3\xa9", "\xe2\x98\x83",
	"eu-west-1", "us east", "a,b,c", "eth0/x", ".", "..", "eth0:1",
	"((((((((((a*)*)*)*)*)*)*)*)*)*)*", "[[:alpha:]]+[[:digit:]]*",
};

static const int64_t numbers[] = {
	0, 1, -1, 2, 10, 15, 50, 60, 61, 600, 601, 1000, 1001, 1500, 3600,
	65535, 65536, 262144, 262145, 10000000, 10000001, INT32_MAX,
	UINT32_MAX, (int64_t)UINT32_MAX + 1, INT64_MAX, INT64_MIN,
};

/* Text that is not a JSON value's, or is a hard one. */
static const char *const splices[] = {
	"\xff", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x98",
	"\\u0000", "\\ud800", "\\udc00x", "\\uZZZZ", "\\", "\"", "\x01",
	"1e400", "-1e400", "99999999999999999999", "-9223372036854775809",
	"9223372036854775808", "-0", "1.0", "0x10", "NaN", "Infinity", "01",
	"null", "true", "[]", "{}", ",", ":", "}", "]", "{\"node\":\"web1\"}",
	"\"node\":\"any\",", "\"interface\":[\"eth0\"],", "/*", "\t\n ",
};

static uint64_t rng_state;

/* splitmix64: a deterministic stream from the seed. */
static uint64_t rnd64(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static size_t rnd(size_t n)
{
	return n ? (size_t)(rnd64() % n) : 0;
}

#define PICK(a)	((a)[rnd(sizeof(a) / sizeof((a)[0]))])

static const char *what;	/* the input being parsed, for a failure */
static size_t what_len;

static __attribute__((format(printf, 1, 2), noreturn))
void fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "FAIL: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\ninput (%zu bytes): %.*s\n", what_len,
		(int)(what_len < 2000 ? what_len : 2000), what ? what : "");
	exit(1);
}

#define CHECK(cond, ...)	do { if (!(cond)) fail(__VA_ARGS__); } while (0)

static size_t allocated(void)
{
#ifdef __SANITIZE_ADDRESS__
	return __sanitizer_get_current_allocated_bytes();
#else
	return 0;
#endif
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The interfaces this "node" has. */
static bool exists(const char *name)
{
	char *end;

	if (!strncmp(name, "if", 2) && name[2] >= '0' && name[2] <= '9')
		return strtoul(name + 2, &end, 10) < 100 && !*end;
	return !strcmp(name, "eth0") || !strcmp(name, "eth1") ||
	       !strcmp(name, "lo") || !strcmp(name, "bond0");
}

/* A growing text. */
struct text {
	char	*s;
	size_t	len, size;
};

static void text_splice(struct text *t, size_t at, size_t del,
			const char *ins, size_t n)
{
	if (at > t->len)
		at = t->len;
	if (del > t->len - at)
		del = t->len - at;
	if (t->len - del + n + 1 > t->size) {
		t->size = (t->len - del + n + 1) * 2;
		t->s = realloc(t->s, t->size);
		CHECK(t->s, "out of memory");
	}
	memmove(t->s + at + n, t->s + at + del, t->len - at - del + 1);
	memcpy(t->s + at, ins, n);
	t->len = t->len - del + n;
}

static void text_set(struct text *t, const char *s)
{
	t->len = 0;
	if (!t->s) {
		t->size = 64;
		t->s = malloc(t->size);
		CHECK(t->s, "out of memory");
	}
	t->s[0] = '\0';
	text_splice(t, 0, 0, s, strlen(s));
}

static const char *long_string(void)
{
	static char buf[300000];
	static const size_t lens[] = { 255, 256, 4095, 4096, 70000, 299999 };
	size_t n = PICK(lens), i;

	for (i = 0; i < n; i++)
		buf[i] = (char)('a' + i % 26);
	buf[n] = '\0';
	return buf;
}

static json_t *rand_value(int depth);

static json_t *rand_string(void)
{
	json_t *v = json_string(rnd(20) ? PICK(strings) : long_string());

	return v ? v : json_string("x");
}

static json_t *rand_list(int depth)
{
	json_t *a = json_array();
	size_t n = rnd(8) ? 1 + rnd(4) : rnd(80), i;

	for (i = 0; i < n; i++)
		json_array_append_new(a, rnd(8) || depth > 3 ? rand_string() :
					 rand_value(depth + 1));
	return a;
}

static json_t *rand_value(int depth)
{
	json_t *o;
	size_t i, n;

	switch (rnd(depth > 3 ? 5 : 7)) {
	case 0:
		return json_null();
	case 1:
		return json_boolean(rnd(2));
	case 2:
		return json_integer(rnd(4) ? PICK(numbers) : (int64_t)rnd64());
	case 3:
		return json_real(rnd(2) ? 0.5 : -1e300);
	case 4:
		return rand_string();
	case 5:
		return rand_list(depth);
	default:
		o = json_object();
		for (i = 0, n = rnd(4); i < n; i++)
			json_object_set_new(o, PICK(fields), rand_value(depth + 1));
		return o;
	}
}

static json_t *pool_list(const char *const *pool, size_t nr)
{
	json_t *a = json_array();
	size_t n = rnd(8) ? 1 + rnd(3) : rnd(160), i;
	char name[16];

	for (i = 0; i < n; i++) {
		if (pool) {
			json_array_append_new(a, json_string(pool[rnd(nr)]));
			continue;
		}
		snprintf(name, sizeof(name), "if%zu", rnd(110));
		json_array_append_new(a, json_string(name));
	}
	return a;
}

/* A number for a capped field: mostly within the caps, some over. */
static json_t *rand_count(void)
{
	switch (rnd(6)) {
	case 0:
		return json_integer(PICK(numbers));
	case 1:
		return json_integer((json_int_t)(rnd64() >> 1));
	default:
		return json_integer(1 + (json_int_t)rnd(rnd(2) ? 100 : 20000000));
	}
}

/* A field's value as a sender would write it, or now and then not. */
static json_t *rand_field(const char *f)
{
	static const char *const ifs[] = { "eth0", "eth1", "lo", "bond0",
					   "eth9", "nope0" };
	static const char *const aliases[] = { "main", "public", "local",
					       "uplink", "trunk", "gone" };
	static const char *const good[][6] = {
		{ "bpf", "tcp port 80", "ip", "", "udp and port 53",
		  "not arp" },
		{ "tags", "a,b", "incident", "", "x", "caf\xc3\xa9" },
		{ "customer", "acme", "", "c1", "c2", "c3" },
		{ "folder", "pcaps", "a/b", "x-y/z_1", "", "2024/01" },
		{ "bucket", "pcaps", "other", "mybucket", "", "evil" },
		{ "acl", "private", "public-read", "bucket-owner-read", "",
		  "aws-exec-read" },
		{ "region", "us-east-1", "eu-west-1", "garage", "", "r" },
		{ "endpoint", "s3.amazonaws.com", "minio:9000", "MINIO:9000",
		  "", "evil.example" },
	};
	size_t i;

	if (!rnd(12))
		return rand_value(1);
	if (!strcmp(f, "interface"))
		return rnd(4) ? pool_list(ifs, 6) : pool_list(NULL, 0);
	if (!strcmp(f, "alias"))
		return pool_list(aliases, 6);
	if (!strcmp(f, "packetdebug") || !strcmp(f, "encryption"))
		return json_boolean(rnd(2));
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (!strcmp(f, good[i][0]))
			return json_string(good[i][1 + rnd(5)]);
	}
	return rand_count();	/* the numbers, alertid */
}

/* A message as a sender would write it, give or take a field. */
static json_t *rand_message(void)
{
	json_t *m = json_object();
	const char *f;
	size_t i, n;

	if (rnd(2))
		json_object_set_new(m, "node", json_string(rnd(8) ? "web1" :
							   rnd(2) ? "any" :
							   PICK(strings)));
	else
		json_object_set_new(m, "nodere", json_string(rnd(2) ? "^web" :
							     PICK(strings)));
	f = rnd(2) ? "interface" : "alias";
	json_object_set_new(m, f, rand_field(f));
	for (i = 0, n = rnd(10); i < n; i++) {
		/* Now and then a second node, interface or alias. */
		f = rnd(30) ? fields[4 + rnd(sizeof(fields) / sizeof(fields[0]) - 4)] :
			      PICK(fields);

		json_object_set_new(m, f, rand_field(f));
	}
	if (!rnd(30))
		json_object_set_new(m, rnd(2) ? "newfield" : "Node",
				    json_integer(1));
	return m;
}

/* Mutations of the text, one to four. */
static void mutate(struct text *t)
{
	static char nest[5 * 3000 + 16];
	size_t i, n = 1 + rnd(4), at, k, depth;
	const char *hard;
	char c;

	for (i = 0; i < n; i++) {
		at = rnd(t->len + 1);
		switch (rnd(9)) {
		case 0:		/* flip bits */
			if (t->len)
				t->s[rnd(t->len)] ^= (char)(1 << rnd(8));
			break;
		case 1:		/* a random byte */
			if (t->len)
				t->s[rnd(t->len)] = (char)rnd(256);
			break;
		case 2:		/* cut */
			t->len = at;
			t->s[at] = '\0';
			break;
		case 3:		/* delete a run */
			text_splice(t, at, 1 + rnd(16), "", 0);
			break;
		case 4:		/* hard text */
			hard = PICK(splices);
			text_splice(t, at, rnd(2) ? 0 : rnd(8), hard,
				    strlen(hard));
			break;
		case 5:		/* deep nesting, around the limit of 2048 */
			depth = PICK(((const size_t[]){ 10, 2047, 2049, 3000 }));
			c = rnd(2) ? '[' : '{';
			for (k = 0; k < depth; k++) {
				if (c == '[')
					nest[k] = '[';
				else
					memcpy(nest + 5 * k, "{\"a\":", 5);
			}
			k = c == '[' ? depth : 5 * depth;
			text_splice(t, at, 0, nest, k);
			break;
		case 6:		/* duplicate a chunk */
			k = rnd(t->len - at + 1);
			if (k) {
				char *dup = malloc(k);	/* may hold NULs */

				CHECK(dup, "out of memory");
				memcpy(dup, t->s + at, k);
				text_splice(t, rnd(t->len + 1), 0, dup, k);
				free(dup);
			}
			break;
		case 7:		/* a long string value */
			text_splice(t, at, 0, "\"", 1);
			text_splice(t, at + 1, 0, long_string(),
				    strlen(long_string()));
			break;
		default:	/* random bytes */
			for (k = rnd(8); k; k--) {
				c = (char)rnd(256);
				text_splice(t, rnd(t->len + 1), 0, &c, 1);
			}
		}
	}
}

/* What a check of a string from a file or message must leave out. */
static bool clean(const char *s)
{
	for (; *s; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return false;
	}
	return true;
}

static void check_err(const struct kcapd_err *err)
{
	json_t *utf8;

	CHECK(err->msg[0] && memchr(err->msg, '\0', sizeof(err->msg)),
	      "a refusal without a line");
	CHECK(clean(err->msg), "an error of more than one line: %s",
	      err->msg);
	utf8 = json_string(err->msg);
	CHECK(utf8, "an error not in UTF-8: %s", err->msg);
	json_decref(utf8);
}

static void check_zero(const void *p, size_t n, const char *name)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		CHECK(!b[i], "%s not zeroed at byte %zu", name, i);
}

static void check_str(const char *s, size_t max, const char *name)
{
	CHECK(!s || (s[0] && strlen(s) <= max && clean(s)),
	      "%s: bad string", name);
}

/* An accepted message within the limits of @cfg. */
static void check_request(const struct kcapd_request *r,
			  const struct kcapd_config *cfg)
{
	size_t i, j;

	CHECK(r->nr_devs >= 1 && r->nr_devs <= KCAPD_DEVS_MAX,
	      "%zu devs", r->nr_devs);
	for (i = 0; i < KCAPD_DEVS_MAX; i++) {
		if (i >= r->nr_devs) {
			CHECK(!r->devs[i], "devs[%zu] past nr_devs", i);
			continue;
		}
		CHECK(r->devs[i] && r->devs[i][0] &&
		      strlen(r->devs[i]) < KCAP_IFNAMSIZ &&
		      exists(r->devs[i]), "devs[%zu] bad", i);
		for (j = 0; j < i; j++)
			CHECK(strcmp(r->devs[i], r->devs[j]),
			      "devs[%zu] twice", i);
	}
	CHECK(r->snap >= 1 && r->snap <= KCAP_SNAPLEN_MAX, "snap %u",
	      r->snap);
	CHECK(r->packets >= 1 && r->packets <= cfg->maxpackets,
	      "packets %" PRIu64, r->packets);
	CHECK(r->timeout >= 1 && r->timeout <= cfg->maxtimeout,
	      "timeout %" PRIu64, r->timeout);
	CHECK(r->duration >= 1 && r->duration <= cfg->maxduration,
	      "duration %" PRIu64, r->duration);
	CHECK(r->bytes >= 1 && r->bytes <= cfg->maxbytes,
	      "bytes %" PRIu64, r->bytes);
	CHECK(!r->has_alertid ? !r->alertid : r->alertid >= 0, "alertid");
	check_str(r->bpf, KCAP_FILTER_TEXT_MAX - 1, "bpf");
	check_str(r->tags, KCAPD_NAME_MAX - 1, "tags");
	check_str(r->customer, KCAPD_NAME_MAX - 1, "customer");
	check_str(r->folder, KCAPD_NAME_MAX - 1, "folder");
	check_str(r->acl, KCAPD_NAME_MAX - 1, "acl");
	check_str(r->region, KCAPD_NAME_MAX - 1, "region");
	check_str(r->bucket, KCAPD_NAME_MAX - 1, "bucket");
	check_str(r->endpoint, KCAPD_NAME_MAX - 1, "endpoint");
	CHECK(!r->folder || (!strstr(r->folder, "..") && r->folder[0] != '/'),
	      "folder %s", r->folder);
	CHECK(memchr(r->clamped, '\0', sizeof(r->clamped)), "clamped");
	if (r->bucket && !(cfg->s3_bucket && !strcmp(r->bucket, cfg->s3_bucket))) {
		for (i = 0; i < cfg->nr_s3_allow_buckets &&
			    strcmp(r->bucket, cfg->s3_allow_buckets[i]); i++)
			;
		CHECK(i < cfg->nr_s3_allow_buckets, "bucket %s not allowed",
		      r->bucket);
	}
	if (r->endpoint && !(cfg->s3_endpoint &&
			     !strcasecmp(r->endpoint, cfg->s3_endpoint))) {
		for (i = 0; i < cfg->nr_s3_allow_endpoints &&
			    strcasecmp(r->endpoint, cfg->s3_allow_endpoints[i]);
		     i++)
			;
		CHECK(i < cfg->nr_s3_allow_endpoints,
		      "endpoint %s not allowed", r->endpoint);
	}
}

struct counts {
	unsigned long	ok, not_ours, invalid, mutated;
	uint64_t	slowest_ns;
};

static void timed(struct counts *c, uint64_t t0)
{
	uint64_t ns = now_ns() - t0;

	if (ns > c->slowest_ns)
		c->slowest_ns = ns;
	CHECK(ns < SLOW_NS, "took %" PRIu64 " ms", ns / 1000000);
}

/* One message through the parser, in a buffer of exactly its length. */
static enum kcapd_verdict one_request(const char *text, size_t len,
			const struct kcapd_config *cfg, struct counts *c)
{
	char *buf = malloc(len ? len : 1);
	struct kcapd_request req;
	struct kcapd_err err;
	enum kcapd_verdict v;
	size_t before;
	uint64_t t0;

	CHECK(buf, "out of memory");
	memcpy(buf, text, len);
	what = text;
	what_len = len;
	memset(&req, 0x5a, sizeof(req));
	memset(&err, 0x5a, sizeof(err));
	before = allocated();
	t0 = now_ns();
	v = kcapd_request_parse(buf, len, cfg, NODE, exists, &req, &err);
	timed(c, t0);
	switch (v) {
	case KCAPD_REQ_OK:
		c->ok++;
		check_request(&req, cfg);
		kcapd_request_free(&req);
		break;
	case KCAPD_REQ_NOT_OURS:
		c->not_ours++;
		CHECK(!err.msg[0], "not ours, but an error: %s", err.msg);
		break;
	case KCAPD_REQ_INVALID:
		c->invalid++;
		check_err(&err);
		break;
	default:
		fail("verdict %d", v);
	}
	check_zero(&req, sizeof(req), "the request");
	CHECK(allocated() == before, "%zd bytes left allocated (verdict %d)",
	      (ssize_t)(allocated() - before), v);
	free(buf);
	what = NULL;
	return v;
}

static void gen_request(struct text *t, struct counts *c)
{
	json_t *m = rand_message();
	char *s = json_dumps(m, rnd(2) ? JSON_COMPACT : 0);

	CHECK(s, "json_dumps");
	text_set(t, s);
	free(s);
	json_decref(m);
	if (rnd(2)) {
		mutate(t);
		c->mutated++;
	}
}

static void report(const char *name, unsigned long n, const struct counts *c)
{
	printf("%s: %lu inputs (%lu mutated): %lu ok, %lu not ours, "
	       "%lu invalid; slowest %" PRIu64 " ms\n", name, n, c->mutated,
	       c->ok, c->not_ours, c->invalid, c->slowest_ns / 1000000);
}

static void load_config(const char *text, struct kcapd_config *cfg)
{
	struct kcapd_err err;

	if (kcapd_config_parse(text, strlen(text), cfg, &err))
		fail("the fuzzer's configuration: %s", err.msg);
}

/* The first parses allocate what the C library keeps (locale, seeds). */
static void warm_up(const struct kcapd_config *cfg)
{
	static const char *const msgs[] = {
		"{\"nodere\": \"^web\", \"interface\": [\"eth0\"]}",
		"{\"nodere\": \"(\", \"interface\": [\"eth0\"]}",
		"{\"node\": \"web1\", \"alias\": [\"main\"], \"bpf\": \"ip\"}",
	};
	struct kcapd_request req;
	struct kcapd_err err;
	size_t i;

	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		if (kcapd_request_parse(msgs[i], strlen(msgs[i]), cfg, NODE,
					exists, &req, &err) == KCAPD_REQ_OK)
			kcapd_request_free(&req);
	}
}

static int run_requests(unsigned long count)
{
	struct kcapd_config cfg;
	struct counts c = { 0 };
	struct text t = { 0 };
	unsigned long i;

	load_config(config_text, &cfg);
	warm_up(&cfg);
	for (i = 0; i < count; i++) {
		gen_request(&t, &c);
		one_request(t.s, t.len, &cfg, &c);
	}
	report("request", count, &c);
	CHECK(c.ok && c.not_ours && c.invalid, "a verdict never given");
	free(t.s);
	kcapd_config_free(&cfg);
	return 0;
}

/* An accepted configuration within its limits. */
static void check_config(const struct kcapd_config *cfg)
{
	size_t i, j;

	CHECK(cfg->node && cfg->spooldir && cfg->redis_host &&
	      cfg->redis_channel && cfg->redis_results && cfg->s3_endpoint &&
	      cfg->s3_region && cfg->s3_scheme && cfg->cs_host &&
	      cfg->cs_scheme && cfg->syslog_tag, "a default missing");
	check_str(cfg->node, KCAPD_NAME_MAX - 1, "node");
	check_str(cfg->localdir, KCAPD_PATH_MAX - 1, "localdir");
	check_str(cfg->spooldir, KCAPD_PATH_MAX - 1, "spooldir");
	check_str(cfg->s3_folder, KCAPD_NAME_MAX - 1, "s3.folder");
	check_str(cfg->syslog_tag, KCAPD_NAME_MAX - 1, "syslog.tag");
	CHECK(cfg->maxpackets >= 1 && cfg->maxbytes >= 1 &&
	      cfg->maxduration >= 1 && cfg->defaulttimeout >= 1 &&
	      cfg->defaulttimeout <= cfg->maxtimeout, "general's numbers");
	CHECK(cfg->snaplength >= 1 && cfg->snaplength <= KCAP_SNAPLEN_MAX,
	      "snaplength");
	CHECK(!cfg->writelocal || cfg->localdir, "writelocal");
	CHECK(!cfg->s3_upload || cfg->s3_bucket, "s3.upload");
	CHECK(!cfg->cs_upload || cfg->cs_token, "cloudshark.upload");
	CHECK(cfg->redis_listen || cfg->nr_records, "nothing to do");
	CHECK(cfg->nr_s3_allow_buckets <= KCAPD_ALLOW_MAX &&
	      cfg->nr_s3_allow_endpoints <= KCAPD_ALLOW_MAX, "allow-lists");
	for (i = 0; i < cfg->nr_ifaces; i++) {
		CHECK(cfg->ifaces[i].name[0] &&
		      cfg->ifaces[i].nr_alias <= KCAPD_ALIASES_MAX,
		      "interface[%zu]", i);
		for (j = 0; j < cfg->ifaces[i].nr_alias; j++)
			check_str(cfg->ifaces[i].alias[j], KCAPD_NAME_MAX - 1,
				  "alias");
		for (j = 0; j < i; j++)
			CHECK(strcmp(cfg->ifaces[i].name, cfg->ifaces[j].name),
			      "interface[%zu] twice", i);
	}
	CHECK(cfg->nr_records <= KCAPD_RECORDS_MAX, "records");
	for (i = 0; i < cfg->nr_records; i++) {
		CHECK(cfg->records[i].name[0] && cfg->records[i].iface[0] &&
		      cfg->records[i].dir && cfg->records[i].dir[0] == '/' &&
		      cfg->records[i].snaplen <= KCAP_SNAPLEN_MAX,
		      "record[%zu]", i);
		check_str(cfg->records[i].filter, KCAP_FILTER_TEXT_MAX - 1,
			  "record.filter");
	}
}

/* Configurations: the fuzzer's own, mutated; messages through those taken. */
static int run_configs(unsigned long count)
{
	struct counts c = { 0 }, rc = { 0 };
	struct kcapd_config cfg;
	struct text t = { 0 }, m;
	struct kcapd_err err;
	unsigned long i, j, taken = 0;
	size_t before;
	uint64_t t0;
	int ret;

	load_config(config_text, &cfg);
	warm_up(&cfg);
	kcapd_config_free(&cfg);
	for (i = 0; i < count; i++) {
		text_set(&t, config_text);
		if (rnd(8)) {
			mutate(&t);
			c.mutated++;
		}
		what = t.s;
		what_len = t.len;
		memset(&cfg, 0x5a, sizeof(cfg));
		before = allocated();
		t0 = now_ns();
		ret = kcapd_config_parse(t.s, t.len, &cfg, &err);
		timed(&c, t0);
		if (ret) {
			c.invalid++;
			check_err(&err);
			check_zero(&cfg, sizeof(cfg), "the configuration");
			CHECK(allocated() == before, "a refused file left %zd bytes",
			      (ssize_t)(allocated() - before));
			continue;
		}
		c.ok++;
		check_config(&cfg);
		memset(&m, 0, sizeof(m));	/* freed before the count */
		for (j = 0; j < 4; j++) {
			gen_request(&m, &rc);
			one_request(m.s, m.len, &cfg, &rc);
			taken++;
		}
		free(m.s);
		what = t.s;
		what_len = t.len;
		kcapd_config_free(&cfg);
		check_zero(&cfg, sizeof(cfg), "the freed configuration");
		CHECK(allocated() == before, "a freed file left %zd bytes",
		      (ssize_t)(allocated() - before));
	}
	report("config", count, &c);
	report("  its messages", taken, &rc);
	CHECK(c.ok && c.invalid, "a verdict never given");
	free(t.s);
	return 0;
}

/* Messages written to hurt. */
static int run_corpus(void)
{
	static const char *const res[] = {
		"((a*)*\\\\2)*c", "(((a*)*\\\\3)*\\\\2)*\\\\1c", "(.*){1,32767}",
		"((a{0,255}){0,255}){0,255}", "(((a*)*)*|b*|c?){16}",
		"x{32767}", "((((((((((a*)*)*)*)*)*)*)*)*)*)*b",
		"(a|b)*a(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)(a|b)",
		"(.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*.*)*x",
		"[[:alpha:][:digit:][:alnum:]]*$", "\\\\", "[", "*", "a**",
		"(|)", "()", "^$", "$^", "[^]]", "[]a]", "a|*",
	};
	struct kcapd_config cfg;
	struct counts c = { 0 };
	struct text t = { 0 };
	unsigned long n = 0;
	size_t i, k;

	load_config(config_text, &cfg);
	warm_up(&cfg);
	for (i = 0; i < sizeof(res) / sizeof(res[0]); i++) {
		text_set(&t, "{\"nodere\": \"");
		text_splice(&t, t.len, 0, res[i], strlen(res[i]));
		text_splice(&t, t.len, 0, "\", \"interface\": [\"eth0\"]}", 25);
		one_request(t.s, t.len, &cfg, &c);
		n++;
	}
	/* The most interfaces, and one more. */
	for (k = 64; k <= 65; k++) {
		text_set(&t, "{\"node\": \"web1\", \"interface\": [\"if0\"");
		for (i = 1; i < k; i++) {
			char name[32];

			snprintf(name, sizeof(name), ", \"if%zu\"", i);
			text_splice(&t, t.len, 0, name, strlen(name));
		}
		text_splice(&t, t.len, 0, "]}", 2);
		CHECK(one_request(t.s, t.len, &cfg, &c) ==
		      (k == 64 ? KCAPD_REQ_OK : KCAPD_REQ_INVALID),
		      "%zu interfaces", k);
		n++;
	}
	/* A megabyte of nesting, of text, of aliases. */
	text_set(&t, "{\"node\": \"web1\", \"interface\": [\"eth0\"], \"bpf\": ");
	for (k = 0; k < 1000000; k++)
		text_splice(&t, t.len, 0, "[", 1);
	one_request(t.s, t.len, &cfg, &c);
	text_set(&t, "{\"node\": \"web1\", \"interface\": [\"eth0\"], \"bpf\": \"");
	for (k = 0; k < 1000000; k++)
		text_splice(&t, t.len, 0, "x", 1);
	text_splice(&t, t.len, 0, "\"}", 2);
	one_request(t.s, t.len, &cfg, &c);
	text_set(&t, "{\"node\": \"web1\", \"alias\": [");
	for (k = 0; k < 100000; k++)
		text_splice(&t, t.len, 0, "\"main\",", 7);
	text_splice(&t, t.len, 0, "\"local\"]}", 9);
	CHECK(one_request(t.s, t.len, &cfg, &c) == KCAPD_REQ_OK,
	      "the aliases not taken");
	n += 3;
	report("corpus", n, &c);
	free(t.s);
	kcapd_config_free(&cfg);
	return 0;
}

int main(int argc, char **argv)
{
	unsigned long count = 0;
	uint64_t seed = 1;
	int i;

	for (i = 2; i + 1 < argc; i += 2) {
		if (!strcmp(argv[i], "--count"))
			count = strtoul(argv[i + 1], NULL, 0);
		else if (!strcmp(argv[i], "--seed"))
			seed = strtoull(argv[i + 1], NULL, 0);
		else
			break;
	}
	if (argc < 2 || i < argc) {
		fprintf(stderr, "usage: %s request|config|corpus [--count N] "
			"[--seed S]\n", argv[0]);
		return 2;
	}
	rng_state = seed;
	if (!strcmp(argv[1], "request"))
		return run_requests(count ? count : 5000);
	if (!strcmp(argv[1], "config"))
		return run_configs(count ? count : 1000);
	if (!strcmp(argv[1], "corpus"))
		return run_corpus();
	fprintf(stderr, "%s: unknown mode '%s'\n", argv[0], argv[1]);
	return 2;
}
