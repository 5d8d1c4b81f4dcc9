// SPDX-License-Identifier: GPL-2.0
/*
 * kcapd: trigger messages.  pcapdaemon's example message, which node a
 * message is for (node, "any", nodere), interfaces and aliases, the
 * defaults and caps of the configuration, the S3 allow-lists, and the one
 * line of what is refused.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit.h"
#include "kcapd.h"
#include "kcapd_util.h"

#define NODE	"web1"

/* The configuration the messages are checked against. */
static const char config_json[] =
	"{'general': {'node': 'web1', 'snaplength': 1500, 'maxtimeout': 60,"
	"  'writelocal': true, 'localdir': '/tmp'},"
	" 'redis': {'listen': true},"
	" 'interface': [{'name': 'eth0', 'alias': ['main', 'public']},"
	"  {'name': 'lo', 'alias': ['local']},"
	"  {'name': 'eth9', 'alias': ['gone']}],"
	" 's3': {'bucket': 'pcaps', 'allowbuckets': ['other', 'mybucket'],"
	"  'allowendpoints': ['minio:9000']}}";

static struct kcapd_config cfg;

/* The interfaces of this "node": eth0, eth1, lo, bond0, if0..if99. */
static bool exists(const char *name)
{
	char *end;

	if (!strncmp(name, "if", 2) && name[2])
		return strtoul(name + 2, &end, 10) < 100 && !*end;
	return !strcmp(name, "eth0") || !strcmp(name, "eth1") ||
	       !strcmp(name, "lo") || !strcmp(name, "bond0");
}

static enum kcapd_verdict parse_with(const struct kcapd_config *c,
				     const char *json,
				     struct kcapd_request *req,
				     struct kcapd_err *err)
{
	err->msg[0] = '\0';
	return kcapd_request_parse(json, strlen(json), c, NODE, exists, req,
				   err);
}

static void accepted_with(const struct kcapd_config *c, const char *json,
			  struct kcapd_request *req)
{
	struct kcapd_err err;

	if (parse_with(c, json, req, &err) != KCAPD_REQ_OK)
		fail_msg("refused: '%s'\n%s", err.msg, json);
}

static void accepted(const char *json, struct kcapd_request *req)
{
	accepted_with(&cfg, json, req);
}

/* Nothing allocated, nothing left in the request. */
static void assert_zero(const struct kcapd_request *req)
{
	static const struct kcapd_request zero;

	assert_memory_equal(req, &zero, sizeof(*req));
}

static void refused_with(const struct kcapd_config *c, const char *json,
			 const char *msg)
{
	struct kcapd_request req;
	struct kcapd_err err;

	memset(&req, 0x5a, sizeof(req));
	assert_int_equal(parse_with(c, json, &req, &err), KCAPD_REQ_INVALID);
	assert_string_equal(err.msg, msg);
	assert_zero(&req);
}

static void refused(const char *json, const char *msg)
{
	refused_with(&cfg, json, msg);
}

/* For another node: quietly, whatever else the message holds. */
static void not_ours(const char *json)
{
	struct kcapd_request req;
	struct kcapd_err err;

	memset(&req, 0x5a, sizeof(req));
	assert_int_equal(parse_with(&cfg, json, &req, &err),
			 KCAPD_REQ_NOT_OURS);
	assert_string_equal(err.msg, "");
	assert_zero(&req);
}

static int setup(void **state)
{
	struct kcapd_err err;
	const char *json = J(config_json);

	(void)state;
	if (kcapd_config_parse(json, strlen(json), &cfg, &err)) {
		fprintf(stderr, "config: %s\n", err.msg);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	kcapd_config_free(&cfg);
	return 0;
}

/* The interfaces of @req: @nr of them, these. */
static void assert_devs(const struct kcapd_request *req, size_t nr, ...)
{
	va_list ap;
	size_t i;

	assert_int_equal(req->nr_devs, nr);
	va_start(ap, nr);
	for (i = 0; i < nr; i++)
		assert_string_equal(req->devs[i], va_arg(ap, const char *));
	va_end(ap);
}

/* @s is @want, or NULL when @want is. */
static void assert_string_or_null(const char *s, const char *want)
{
	if (want)
		assert_string_equal(s, want);
	else
		assert_null(s);
}

/* The S3 fields of @req, in the message's order; NULL: none given. */
static void assert_s3(const struct kcapd_request *req, const char *folder,
		      const char *bucket, const char *acl, const char *region,
		      const char *endpoint)
{
	assert_string_or_null(req->folder, folder);
	assert_string_or_null(req->bucket, bucket);
	assert_string_or_null(req->acl, acl);
	assert_string_or_null(req->region, region);
	assert_string_or_null(req->endpoint, endpoint);
}

/* @json, for eth0 and otherwise fields left out or empty: all defaults. */
static void all_defaults(const char *json)
{
	struct kcapd_request req;

	accepted(json, &req);
	assert_devs(&req, 1, "eth0");
	assert_null(req.bpf);
	assert_int_equal(req.snap, 1500);		/* general.snaplength */
	assert_int_equal(req.packets, 50000);		/* maxpackets */
	assert_int_equal(req.timeout, 10);		/* defaulttimeout */
	assert_int_equal(req.duration, 3600);		/* maxduration */
	assert_int_equal(req.bytes, 100000000);		/* maxbytes */
	assert_null(req.tags);
	assert_null(req.customer);
	assert_false(req.has_alertid);
	assert_false(req.packetdebug);
	assert_s3(&req, NULL, NULL, NULL, NULL, NULL);
	assert_false(req.has_encryption);
	assert_string_equal(req.clamped, "");
	kcapd_request_free(&req);
	assert_zero(&req);
}

static void test_defaults(void **state)
{
	(void)state;
	all_defaults(J("{'node': 'web1', 'interface': ['eth0']}"));
}

/* pcapdaemon's example, but for its "alias" next to "interface". */
static void test_pcapdaemon_example(void **state)
{
	struct kcapd_request req;

	(void)state;
	accepted(J("{'node': 'web1', 'interface': ['eth0', 'lo'],"
		   " 'tags': 'blah,tagme,stuff', 'bpf': 'dst ip 10.0.0.1',"
		   " 'customer': 'importantcustomer', 'snap': 1500,"
		   " 'packets': 50, 'alertid': 655443, 'timeout': 15,"
		   " 'duration': 60, 'bytes': 1000, 'packetdebug': false,"
		   " 'folder': 'myfolder', 'bucket': 'mybucket',"
		   " 'acl': 'public-read', 'region': 'us-east-1',"
		   " 'endpoint': 's3.amazonaws.com', 'encryption': false}"),
		 &req);
	assert_devs(&req, 2, "eth0", "lo");
	assert_string_equal(req.tags, "blah,tagme,stuff");
	assert_string_equal(req.bpf, "dst ip 10.0.0.1");
	assert_string_equal(req.customer, "importantcustomer");
	assert_int_equal(req.snap, 1500);
	assert_int_equal(req.packets, 50);
	assert_true(req.has_alertid);
	assert_int_equal(req.alertid, 655443);
	assert_int_equal(req.timeout, 15);
	assert_int_equal(req.duration, 60);
	assert_int_equal(req.bytes, 1000);
	assert_false(req.packetdebug);
	assert_s3(&req, "myfolder", "mybucket", "public-read", "us-east-1",
		  "s3.amazonaws.com");
	assert_true(req.has_encryption);
	assert_false(req.encryption);
	assert_string_equal(req.clamped, "");
	kcapd_request_free(&req);
}

static void test_node(void **state)
{
	struct kcapd_request req;

	(void)state;
	accepted(J("{'node': 'any', 'interface': ['eth0']}"), &req);
	kcapd_request_free(&req);
	not_ours(J("{'node': 'web2', 'interface': ['eth0']}"));
	not_ours(J("{'node': 'WEB1', 'interface': ['eth0']}"));
	not_ours(J("{'node': 'web', 'interface': ['eth0']}"));
	not_ours(J("{'node': 'Any', 'interface': ['eth0']}"));
	/* The rest of another node's message is its business. */
	not_ours(J("{'node': 'db1', 'interface': ['nosuch', 5], 'snap': -1,"
		   " 'newfield': {}, 'bucket': 'evil'}"));
	not_ours(J("{'node': 'db1'}"));
	refused(J("{'node': '%s', 'interface': ['eth0']}", rep('n', 256)),
		S("node: '%s...' is longer than 255 bytes", rep('n', 64)));
}

static void test_nodere(void **state)
{
	static const char *const ours[] = {
		"^web[0-9]+$", "web", "eb", "^(web|db)1$", "^w.*1$", ".*",
		"[[:alpha:]]+[[:digit:]]", "^web\\\\{?1", "web1|nothing",
	};
	static const char *const others[] = {
		"^db", "^web$", "web2", "^WEB1$", "x*y",
	};
	struct kcapd_request req;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(ours); i++) {
		accepted(J("{'nodere': '%s', 'interface': ['eth0']}", ours[i]),
			 &req);
		kcapd_request_free(&req);
	}
	for (i = 0; i < ARRAY_SIZE(others); i++)
		not_ours(J("{'nodere': '%s', 'interface': ['eth0']}",
			   others[i]));
	refused(J("{'nodere': '%s', 'interface': ['eth0']}", rep('.', 256)),
		S("nodere: '%s...' is longer than 255 bytes", rep('.', 64)));
}

static void test_not_json(void **state)
{
	static const char msg[] = "{\"node\": \"web1\", \"interface\": [\"lo\"]}";
	struct kcapd_request req;
	struct kcapd_err err;
	char buf[sizeof(msg) + 8];

	(void)state;
	/* @len bytes, not up to a NUL. */
	memcpy(buf, msg, sizeof(msg) - 1);
	memcpy(buf + sizeof(msg) - 1, "garbage", 8);
	assert_int_equal(kcapd_request_parse(buf, sizeof(msg) - 1, &cfg, NODE,
					     exists, &req, &err),
			 KCAPD_REQ_OK);
	assert_string_equal(req.devs[0], "lo");
	kcapd_request_free(&req);
	assert_int_equal(kcapd_request_parse(buf, sizeof(msg) + 2, &cfg, NODE,
					     exists, &req, &err),
			 KCAPD_REQ_INVALID);
	assert_string_equal(err.msg,
			    "not JSON: line 1 column 40: end of file expected near 'gar'");
}

static void test_interfaces(void **state)
{
	struct kcapd_request req;
	char list[100 * 8] = "";
	const char *json;
	size_t i;

	(void)state;
	accepted(J("{'node': 'web1', 'interface': ['eth0', 'eth0', 'lo',"
		   " 'eth0']}"), &req);
	assert_devs(&req, 2, "eth0", "lo");
	kcapd_request_free(&req);

	refused(J("{'node': 'web1', 'interface': ['%s']}", rep('e', 16)),
		S("interface[0]: '%s' is longer than 15 bytes", rep('e', 16)));

	/* Without dev_exists, any name is taken. */
	json = J("{'node': 'web1', 'interface': ['nosuch']}");
	assert_int_equal(kcapd_request_parse(json, strlen(json), &cfg, NODE,
					     NULL, &req, NULL), KCAPD_REQ_OK);
	assert_string_equal(req.devs[0], "nosuch");
	kcapd_request_free(&req);

	/* The most, and one more. */
	for (i = 0; i < 64; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list),
			 "%s'if%zu'", i ? ", " : "", i);
	accepted(J("{'node': 'web1', 'interface': [%s, 'if0']}", list), &req);
	assert_int_equal(req.nr_devs, 64);
	assert_string_equal(req.devs[63], "if63");
	kcapd_request_free(&req);
	refused(J("{'node': 'web1', 'interface': [%s, 'if64']}", list),
		"interface: more than 64 interfaces");
}

static void test_aliases(void **state)
{
	struct kcapd_request req;

	(void)state;
	accepted(J("{'node': 'web1', 'alias': ['main']}"), &req);
	assert_devs(&req, 1, "eth0");
	kcapd_request_free(&req);
	/* Two aliases of one interface: captured once. */
	accepted(J("{'node': 'web1', 'alias': ['public', 'local', 'main']}"),
		 &req);
	assert_devs(&req, 2, "eth0", "lo");
	kcapd_request_free(&req);

	refused(J("{'node': 'web1', 'alias': ['%s']}", rep('a', 256)),
		S("alias[0]: '%s...' is longer than 255 bytes", rep('a', 64)));
}

/* What a message asks for against the caps, and what it is given. */
static void test_caps(void **state)
{
	static const struct {
		const char *json;
		uint32_t snap;
		uint64_t packets, timeout, duration, bytes;
		const char *clamped;
	} caps[] = {
		/* Within the caps: as given.  snap is not capped by snaplength. */
		{ "{'node': 'web1', 'interface': ['eth0'], 'snap': 9000,"
		  " 'packets': 50000, 'timeout': 60, 'duration': 1, 'bytes': 1}",
		  9000, 50000, 60, 1, 1, "" },
		/* Over them: lowered, and said. */
		{ "{'node': 'web1', 'interface': ['eth0'], 'packets': 50001,"
		  " 'duration': 86400}",
		  1500, 50000, 10, 3600, 100000000,
		  "packets 50000, duration 3600" },
		{ "{'node': 'web1', 'interface': ['eth0'], 'snap': 262145,"
		  " 'packets': 9223372036854775807, 'timeout': 61,"
		  " 'duration': 3601, 'bytes': 100000001}",
		  262144, 50000, 60, 3600, 100000000,
		  "snap 262144, packets 50000, timeout 60, duration 3600, bytes 100000000" },
		/* 0: the most frames (tcpdump -s 0), maxpackets. */
		{ "{'node': 'web1', 'interface': ['eth0'], 'snap': 0,"
		  " 'packets': 0}",
		  262144, 50000, 10, 3600, 100000000, "" },
	};
	struct kcapd_request req;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(caps); i++) {
		accepted(J("%s", caps[i].json), &req);
		assert_int_equal(req.snap, caps[i].snap);
		assert_int_equal(req.packets, caps[i].packets);
		assert_int_equal(req.timeout, caps[i].timeout);
		assert_int_equal(req.duration, caps[i].duration);
		assert_int_equal(req.bytes, caps[i].bytes);
		assert_string_equal(req.clamped, caps[i].clamped);
		kcapd_request_free(&req);
	}
}

static void test_alertid(void **state)
{
	struct kcapd_request req;

	(void)state;
	accepted(J("{'node': 'web1', 'interface': ['eth0'], 'alertid': 0}"),
		 &req);
	assert_true(req.has_alertid);
	assert_int_equal(req.alertid, 0);
	kcapd_request_free(&req);
	accepted(J("{'node': 'web1', 'interface': ['eth0'],"
		   " 'alertid': 9223372036854775807}"), &req);
	assert_int_equal(req.alertid, INT64_MAX);
	kcapd_request_free(&req);
}

static void test_strings(void **state)
{
	struct kcapd_request req;

	(void)state;
	accepted(J("{'node': 'web1', 'interface': ['eth0'], 'bpf': '%s',"
		   " 'tags': '%s', 'customer': 'caf\u00e9 \u2603'}",
		   rep('b', 4095), rep('t', 255)), &req);
	assert_int_equal(strlen(req.bpf), 4095);
	assert_int_equal(strlen(req.tags), 255);
	assert_string_equal(req.customer, "caf\u00e9 \u2603");
	kcapd_request_free(&req);
	/* Empty: none. */
	all_defaults(J("{'node': 'web1', 'interface': ['eth0'], 'bpf': '',"
		       " 'tags': '', 'customer': '', 'folder': '', 'bucket': '',"
		       " 'acl': '', 'region': '', 'endpoint': ''}"));

	refused(J("{'node': 'web1', 'interface': ['eth0'], 'bpf': '%s'}",
		  rep('b', 4096)),
		S("bpf: '%s...' is longer than 4095 bytes", rep('b', 64)));
	refused(J("{'node': 'web1', 'interface': ['eth0'], 'tags': '%s'}",
		  rep('t', 256)),
		S("tags: '%s...' is longer than 255 bytes", rep('t', 64)));
	refused(J("{'node': 'web1', 'interface': ['eth0'], 'customer': '%s'}",
		  rep('c', 256)),
		S("customer: '%s...' is longer than 255 bytes", rep('c', 64)));
}

/* pcapdaemon honours the message's packetdebug; so does kcapd. */
static void test_packetdebug(void **state)
{
	struct kcapd_config on = cfg;
	struct kcapd_request req;

	(void)state;
	on.packetdebug = true;
	accepted(J("{'node': 'web1', 'interface': ['eth0'],"
		   " 'packetdebug': true}"), &req);
	assert_true(req.packetdebug);
	kcapd_request_free(&req);
	accepted_with(&on, J("{'node': 'web1', 'interface': ['eth0']}"), &req);
	assert_true(req.packetdebug);
	kcapd_request_free(&req);
	accepted_with(&on, J("{'node': 'web1', 'interface': ['eth0'],"
			     " 'packetdebug': false}"), &req);
	assert_false(req.packetdebug);
	kcapd_request_free(&req);
}

static void test_s3_fields(void **state)
{
	struct kcapd_request req;

	(void)state;
	accepted(J("{'node': 'web1', 'interface': ['eth0'], 'folder': 'a/b-c',"
		   " 'acl': 'bucket-owner-full-control', 'region': 'eu-west-1',"
		   " 'encryption': true}"), &req);
	assert_s3(&req, "a/b-c", NULL, "bucket-owner-full-control", "eu-west-1",
		  NULL);
	assert_true(req.has_encryption);
	assert_true(req.encryption);
	kcapd_request_free(&req);

}

/* A bucket or endpoint only where the operator allowed it. */
static void test_allow_lists(void **state)
{
	struct kcapd_config none = cfg;
	struct kcapd_request req;

	(void)state;
	accepted(J("{'node': 'web1', 'interface': ['eth0'], 'bucket': 'pcaps',"
		   " 'endpoint': 's3.amazonaws.com'}"), &req);	/* its own */
	assert_s3(&req, NULL, "pcaps", NULL, NULL, "s3.amazonaws.com");
	kcapd_request_free(&req);
	accepted(J("{'node': 'web1', 'interface': ['eth0'], 'bucket': 'other',"
		   " 'endpoint': 'MINIO:9000'}"), &req);	/* listed */
	assert_s3(&req, NULL, "other", NULL, NULL, "MINIO:9000");
	kcapd_request_free(&req);

	/* Empty allow-lists: only the config's own. */
	none.nr_s3_allow_buckets = 0;
	none.nr_s3_allow_endpoints = 0;
	accepted_with(&none, J("{'node': 'web1', 'interface': ['eth0'],"
			       " 'bucket': 'pcaps'}"), &req);
	kcapd_request_free(&req);
	refused_with(&none, J("{'node': 'web1', 'interface': ['eth0'],"
			      " 'bucket': 'other'}"),
		     "bucket 'other' is not in s3.allowbuckets");
	refused_with(&none, J("{'node': 'web1', 'interface': ['eth0'],"
			      " 'endpoint': 'minio:9000'}"),
		     "endpoint 'minio:9000' is not in s3.allowendpoints");
	/* No bucket of its own either: none. */
	none.s3_bucket = NULL;
	refused_with(&none, J("{'node': 'web1', 'interface': ['eth0'],"
			      " 'bucket': 'pcaps'}"),
		     "bucket 'pcaps' is not in s3.allowbuckets");
}

/* Free is safe on a zeroed request, and twice; err may be NULL. */
static void test_request_free(void **state)
{
	struct kcapd_request req;
	const char *json;

	(void)state;
	memset(&req, 0, sizeof(req));
	kcapd_request_free(&req);
	accepted(J("{'node': 'web1', 'alias': ['main', 'local'], 'bpf': 'ip',"
		   " 'tags': 't', 'customer': 'c', 'folder': 'f',"
		   " 'bucket': 'other', 'acl': 'private', 'region': 'r',"
		   " 'endpoint': 'minio:9000'}"), &req);
	kcapd_request_free(&req);
	assert_zero(&req);
	kcapd_request_free(&req);
	/* Refused after much was allocated: all of it freed. */
	memset(&req, 0x5a, sizeof(req));
	json = J("{'node': 'web1', 'alias': ['main', 'local'], 'bpf': 'ip',"
		 " 'tags': 't', 'bucket': 'evil'}");
	assert_int_equal(kcapd_request_parse(json, strlen(json), &cfg, NODE,
					     exists, &req, NULL),
			 KCAPD_REQ_INVALID);
	assert_zero(&req);
}

/* Each message of the table is refused with its line. */
static const struct kcapd_refusal refusals[] = {
	/* pcapdaemon's example as its README writes it, alias and all. */
	{ "{'node': 'web1', 'interface': ['bond1', 'bond2'],"
	  " 'alias': ['local', 'public']}",
	  "interface and alias: give one, not both" },
	/* node */
	{ "{'interface': ['eth0']}", "no node or nodere" },
	{ "{'node': 'web1', 'nodere': 'web', 'interface': ['eth0']}",
	  "node and nodere: give one, not both" },
	{ "{'node': 5, 'interface': ['eth0']}", "node: must be a string" },
	{ "{'node': ['web1'], 'interface': ['eth0']}",
	  "node: must be a string" },
	{ "{'node': null, 'interface': ['eth0']}", "node: must be a string" },
	{ "{'node': '', 'interface': ['eth0']}", "node: empty" },
	{ "{'node': 'web1\\n', 'interface': ['eth0']}",
	  "node: 'web1?' has a control character" },
	/* nodere */
	{ "{'nodere': '(', 'interface': ['eth0']}",
	  "nodere: '(' is not a regular expression: Unmatched ( or \\(" },
	{ "{'nodere': 'web[', 'interface': ['eth0']}",
	  "nodere: 'web[' is not a regular expression: Invalid regular expression" },
	{ "{'nodere': 'web[0-9]{1,3}', 'interface': ['eth0']}",
	  "nodere: 'web[0-9]{1,3}' has an interval ({m,n}), which kcapd does not take" },
	{ "{'nodere': '(w)\\\\1', 'interface': ['eth0']}",
	  "nodere: '(w)\\1' has a back-reference (\\N), which kcapd does not take" },
	{ "{'nodere': '', 'interface': ['eth0']}", "nodere: empty" },
	{ "{'nodere': 1, 'interface': ['eth0']}", "nodere: must be a string" },
	/* A bad expression is refused whoever it was for. */
	{ "{'nodere': '^db(', 'interface': ['eth0']}",
	  "nodere: '^db(' is not a regular expression: Unmatched ( or \\(" },
	/* Not JSON, or not an object. */
	{ "",
	  "not JSON: line 1 column 0: '[' or '{' expected near end of file" },
	{ "{",
	  "not JSON: line 1 column 1: string or '}' expected near end of file" },
	{ "web1 capture eth0",
	  "not JSON: line 1 column 3: '[' or '{' expected near 'web'" },
	{ "{'node': 'web1', 'node': 'web2', 'interface': ['eth0']}",
	  "not JSON: line 1 column 23: duplicate object key near '\"node\"'" },
	{ "{'node': 'web1', 'interface': ['eth0'], 'packets': 99999999999999999999}",
	  "not JSON: line 1 column 71: too big integer near '99999999999999999999'" },
	{ "{\"node\": \"web\xc3\x28\"}",
	  "not JSON: line 1 column 13: unable to decode byte 0xc3 near '\"web'" },
	{ "[{'node': 'web1', 'interface': ['eth0']}]",
	  "the message is not a JSON object" },
	/* Unknown fields. */
	{ "{'node': 'web1', 'interface': ['eth0'], 'pakets': 5}",
	  "unknown field 'pakets'" },
	{ "{'node': 'web1', 'interface': ['eth0'], 'Snap': 5}",
	  "unknown field 'Snap'" },
	{ "{'node': 'any', 'interface': ['eth0'], 'a\\r\\nb': 5}",
	  "unknown field 'a??b'" },
	/* interface */
	{ "{'node': 'web1'}", "no interface or alias" },
	{ "{'node': 'web1', 'interface': 'eth0'}",
	  "interface: must be an array of strings" },
	{ "{'node': 'web1', 'interface': {'eth0': 1}}",
	  "interface: must be an array of strings" },
	{ "{'node': 'web1', 'interface': []}", "interface: empty list" },
	{ "{'node': 'web1', 'interface': ['eth0', 5]}",
	  "interface[1]: must be a string" },
	{ "{'node': 'web1', 'interface': ['eth0', ['lo']]}",
	  "interface[1]: must be a string" },
	{ "{'node': 'web1', 'interface': ['']}", "interface[0]: empty" },
	{ "{'node': 'web1', 'interface': ['eth1', 'eth9']}",
	  "interface[1]: eth9 does not exist" },
	{ "{'node': 'web1', 'interface': ['../x']}",
	  "interface[0]: '../x' is not an interface name (1 to 15 bytes, not . or .., no / : or blanks)" },
	{ "{'node': 'web1', 'interface': ['eth0 ']}",
	  "interface[0]: 'eth0 ' is not an interface name (1 to 15 bytes, not . or .., no / : or blanks)" },
	/* alias */
	{ "{'node': 'web1', 'alias': ['main', 'nope']}",
	  "alias[1]: unknown alias 'nope'" },
	{ "{'node': 'web1', 'alias': ['eth0']}",
	  "alias[0]: unknown alias 'eth0'" },
	{ "{'node': 'web1', 'alias': ['gone']}",
	  "alias[0]: 'gone' is eth9, which does not exist" },
	{ "{'node': 'web1', 'alias': []}", "alias: empty list" },
	{ "{'node': 'web1', 'alias': 'main'}",
	  "alias: must be an array of strings" },
	{ "{'node': 'web1', 'alias': [true]}", "alias[0]: must be a string" },
	/* Numbers. */
	{ "{'node': 'web1', 'interface': ['eth0'], 'timeout': 0}",
	  "timeout: 0 is out of range (1 or more)" },
	{ "{'node': 'web1', 'interface': ['eth0'], 'duration': 0}",
	  "duration: 0 is out of range (1 or more)" },
	{ "{'node': 'web1', 'interface': ['eth0'], 'bytes': 0}",
	  "bytes: 0 is out of range (1 or more)" },
	{ "{'node': 'web1', 'interface': ['eth0'], 'packets': -1}",
	  "packets: -1 is out of range (0 or more)" },
	{ "{'node': 'web1', 'interface': ['eth0'], 'snap': -1500}",
	  "snap: -1500 is out of range (0 or more)" },
	{ "{'node': 'web1', 'interface': ['eth0'], 'timeout': -9223372036854775808}",
	  "timeout: -9223372036854775808 is out of range (1 or more)" },
	{ "{'node': 'web1', 'interface': ['eth0'], 'packets': '50'}",
	  "packets: must be an integer" },
	{ "{'node': 'web1', 'interface': ['eth0'], 'snap': 1500.0}",
	  "snap: must be an integer" },
	{ "{'node': 'web1', 'interface': ['eth0'], 'duration': 1e3}",
	  "duration: must be an integer" },
	{ "{'node': 'web1', 'interface': ['eth0'], 'bytes': null}",
	  "bytes: must be an integer" },
	{ "{'node': 'web1', 'interface': ['eth0'], 'timeout': true}",
	  "timeout: must be an integer" },
	/* alertid */
	{ "{'node': 'web1', 'interface': ['eth0'], 'alertid': -1}",
	  "alertid: -1 is out of range (0 or more)" },
	{ "{'node': 'web1', 'interface': ['eth0'], 'alertid': '655443'}",
	  "alertid: must be an integer" },
	/* Strings. */
	/* Tags and customer go into headers: no line breaks. */
	{ "{'node': 'web1', 'interface': ['eth0'], 'tags': 'a\\r\\nX-Evil: 1'}",
	  "tags: 'a??X-Evil: 1' has a control character" },
	{ "{'node': 'web1', 'interface': ['eth0'], 'bpf': 'tcp\\tport 80'}",
	  "bpf: 'tcp?port 80' has a control character" },
	{ "{'node': 'web1', 'interface': ['eth0'], 'bpf': ['tcp']}",
	  "bpf: must be a string" },
	{ "{'node': 'web1', 'interface': ['eth0'], 'customer': 5}",
	  "customer: must be a string" },
	/* packetdebug */
	{ "{'node': 'web1', 'interface': ['eth0'], 'packetdebug': 1}",
	  "packetdebug: must be true or false" },
	/* S3 fields. */
	{ "{'node': 'web1', 'interface': ['eth0'], 'folder': '../etc'}",
	  "folder: '../etc' is not a folder (names of A-Z a-z 0-9 ! _ . * ' ( ) - between single slashes, no ..)" },
	{ "{'node': 'web1', 'interface': ['eth0'], 'folder': '/root'}",
	  "folder: '/root' is not a folder (names of A-Z a-z 0-9 ! _ . * ' ( ) - between single slashes, no ..)" },
	{ "{'node': 'web1', 'interface': ['eth0'], 'folder': 'a b'}",
	  "folder: 'a b' is not a folder (names of A-Z a-z 0-9 ! _ . * ' ( ) - between single slashes, no ..)" },
	{ "{'node': 'web1', 'interface': ['eth0'], 'acl': 'public'}",
	  "acl: 'public' is not an S3 canned ACL (private, public-read, public-read-write, authenticated-read, aws-exec-read, bucket-owner-read, bucket-owner-full-control)" },
	{ "{'node': 'web1', 'interface': ['eth0'], 'region': 'us/east'}",
	  "region: 'us/east' is not a region (A-Z a-z 0-9 _ -)" },
	{ "{'node': 'web1', 'interface': ['eth0'], 'encryption': 'AES256'}",
	  "encryption: must be true or false" },
	/* A bucket or endpoint the operator did not allow. */
	{ "{'node': 'web1', 'interface': ['eth0'], 'bucket': 'evil'}",
	  "bucket 'evil' is not in s3.allowbuckets" },
	{ "{'node': 'web1', 'interface': ['eth0'], 'bucket': 'Other'}",
	  "bucket 'Other' is not in s3.allowbuckets" },
	{ "{'node': 'web1', 'interface': ['eth0'],"
	  " 'endpoint': 'evil.example:443'}",
	  "endpoint 'evil.example:443' is not in s3.allowendpoints" },
	{ "{'node': 'web1', 'interface': ['eth0'],"
	  " 'endpoint': 'http://evil.example/'}",
	  "endpoint: 'http://evil.example/' is not host[:port]" },
	{ "{'node': 'web1', 'interface': ['eth0'], 'bucket': 'a/b'}",
	  "bucket: 'a/b' is not a bucket name (A-Z a-z 0-9 . _ -)" },
};

static void test_refused(void **state)
{
	(void)state;
	kcapd_test_refusals(refusals, ARRAY_SIZE(refusals), refused);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_pcapdaemon_example),
		cmocka_unit_test(test_node),
		cmocka_unit_test(test_nodere),
		cmocka_unit_test(test_not_json),
		cmocka_unit_test(test_interfaces),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_alertid),
		cmocka_unit_test(test_strings),
		cmocka_unit_test(test_packetdebug),
		cmocka_unit_test(test_s3_fields),
		cmocka_unit_test(test_allow_lists),
		cmocka_unit_test(test_request_free),
		cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests_name("kcapd trigger messages", tests,
					   setup, teardown);
}
