// SPDX-License-Identifier: GPL-2.0
/*
 * kcapd: the configuration file.  pcapdaemon's example in JSON, kcapd's
 * own keys, the defaults, and the one line of what is refused: unknown
 * sections and keys, wrong types, values out of range, bad strings,
 * duplicates, too many entries, and what keys need of each other.
 */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "unit.h"
#include "kcapd.h"
#include "kcapd_util.h"

/* Something to do without redis, so that the other sections are free. */
#define REC	"'record': [{'name': 'r', 'interface': 'eth0', 'dir': '/r'}]"
/* Listening, with somewhere to deliver, leaving general and record free. */
#define LISTEN	"'redis': {'listen': true}, " \
		"'cloudshark': {'upload': true, 'token': 't'}"

static int parse(const char *json, struct kcapd_config *cfg,
		 struct kcapd_err *err)
{
	return kcapd_config_parse(json, strlen(json), cfg, err);
}

static void parse_ok(const char *json, struct kcapd_config *cfg)
{
	struct kcapd_err err = { "" };

	if (parse(json, cfg, &err))
		fail_msg("refused: %s\n%s", err.msg, json);
}

/* @json is refused with the line @msg, and leaves nothing allocated. */
static void refused(const char *json, const char *msg)
{
	static const struct kcapd_config zero;
	struct kcapd_config cfg;
	struct kcapd_err err = { "" };

	memset(&cfg, 0x5a, sizeof(cfg));
	assert_int_equal(parse(json, &cfg, &err), -1);
	assert_string_equal(err.msg, msg);
	assert_memory_equal(&cfg, &zero, sizeof(cfg));
}

/*
 * The most entries of a list, @max, and one more: @fmt with the list for
 * its %s, entries the printf of @entry with their index, is taken into
 * @cfg; with @more after them, it is refused with the line @msg.
 */
static void most_entries(struct kcapd_config *cfg, const char *fmt,
			 const char *entry, size_t max, const char *more,
			 const char *msg)
{
	static char list[KCAPD_TEST_JSON_MAX / 4];
	size_t i, len = 0;

	for (i = 0; i < max; i++) {
		if (i)
			len += snprintf(list + len, sizeof(list) - len, ", ");
		len += snprintf(list + len, sizeof(list) - len, entry, i);
	}
	parse_ok(J(fmt, list), cfg);
	snprintf(list + len, sizeof(list) - len, ", %s", more);
	refused(J(fmt, list), msg);
}

/* @json, REC and keys left out or empty: all else is the defaults. */
static void all_defaults(const char *json)
{
	char host[KCAPD_NAME_MAX] = "";
	struct kcapd_config cfg;

	assert_int_equal(gethostname(host, sizeof(host) - 1), 0);
	parse_ok(json, &cfg);
	assert_string_equal(cfg.node, host);
	assert_int_equal(cfg.maxpackets, 50000);
	assert_false(cfg.writelocal);
	assert_null(cfg.localdir);
	assert_int_equal(cfg.snaplength, 262144);
	assert_int_equal(cfg.defaulttimeout, 10);
	assert_int_equal(cfg.maxtimeout, 3600);
	assert_int_equal(cfg.maxduration, 3600);
	assert_int_equal(cfg.maxbytes, 100000000);
	assert_int_equal(cfg.maxcaptures, 4);
	assert_false(cfg.packetdebug);
	assert_int_equal(cfg.format, KCAP_FORMAT_PCAPNG);
	assert_string_equal(cfg.spooldir, "/var/spool/kcapd");
	assert_int_equal(cfg.memorylimit, 64 << 20);
	assert_int_equal(cfg.retries, 3);
	assert_int_equal(cfg.retrydelay, 1);

	assert_false(cfg.redis_listen);
	assert_string_equal(cfg.redis_host, "127.0.0.1");
	assert_int_equal(cfg.redis_port, 6379);
	assert_string_equal(cfg.redis_channel, "capture");
	assert_null(cfg.redis_auth);
	assert_string_equal(cfg.redis_results, "capture-results");
	assert_int_equal(cfg.redis_keepalive, 15);

	assert_int_equal(cfg.nr_ifaces, 0);

	assert_false(cfg.s3_upload);
	assert_null(cfg.s3_accessid);
	assert_null(cfg.s3_accesskey);
	assert_string_equal(cfg.s3_endpoint, "s3.amazonaws.com");
	assert_null(cfg.s3_bucket);
	assert_null(cfg.s3_folder);
	assert_string_equal(cfg.s3_region, "us-east-1");
	assert_null(cfg.s3_acl);
	assert_false(cfg.s3_encryption);
	assert_string_equal(cfg.s3_scheme, "https");
	assert_int_equal(cfg.nr_s3_allow_buckets, 0);
	assert_int_equal(cfg.nr_s3_allow_endpoints, 0);

	assert_false(cfg.cs_upload);
	assert_string_equal(cfg.cs_host, "localhost");
	assert_string_equal(cfg.cs_scheme, "https");
	assert_int_equal(cfg.cs_port, 0);
	assert_null(cfg.cs_token);

	assert_int_equal(cfg.syslog_priority, LOG_DAEMON | LOG_INFO);
	assert_string_equal(cfg.syslog_tag, "kcapd");

	assert_int_equal(cfg.nr_records, 1);
	assert_string_equal(cfg.records[0].name, "r");
	assert_string_equal(cfg.records[0].iface, "eth0");
	assert_int_equal(cfg.records[0].direction, KCAP_DIR_INOUT);
	assert_null(cfg.records[0].filter);
	assert_int_equal(cfg.records[0].snaplen, 0);
	assert_string_equal(cfg.records[0].dir, "/r");
	assert_int_equal(cfg.records[0].filesize, 0);
	assert_int_equal(cfg.records[0].seconds, 0);
	assert_int_equal(cfg.records[0].files, 0);
	assert_int_equal(cfg.records[0].format, KCAP_FORMAT_PCAPNG);
	kcapd_config_free(&cfg);
}

static void test_defaults(void **state)
{
	(void)state;
	all_defaults(J("{" REC "}"));
}

/* pcapdaemon's example file, in JSON, without its [sqs]. */
static const char pcapdaemon_example[] =
	"{'general': {'maxpackets': 50000, 'writelocal': false,"
	"  'localdir': '/tmp', 'snaplength': 500, 'defaulttimeout': 10,"
	"  'maxtimeout': 3600, 'maxduration': 3600, 'maxbytes': 100000000,"
	"  'packetdebug': false},"
	" 'cloudshark': {'host': 'www.cloudshark.org', 'scheme': 'https',"
	"  'port': 443, 'token': 'fffffffffffffffffff', 'upload': true},"
	" 'redis': {'listen': true, 'host': 'node.running.redis.net',"
	"  'port': 6379, 'channel': 'capture', 'auth': 'password'},"
	" 'syslog': {'priority': 25, 'tag': 'pcapdaemon'},"
	" 'interface': [{'name': 'eth0', 'alias': ['main', 'public']},"
	"  {'name': 'lo', 'alias': ['local']}],"
	" 's3': {'accessid': 'xxxxxxxxxxxxxxxxxxxxxxxxx',"
	"  'accesskey': 'xxxxxxxxxxxxxxxxxxxxxxx',"
	"  'endpoint': 's3.amazonaws.com', 'bucket': 'pcapdaemon',"
	"  'folder': 'pcaps', 'upload': true, 'region': 'us-east-1',"
	"  'acl': 'private', 'encryption': false}}";

static void test_pcapdaemon_example(void **state)
{
	struct kcapd_config cfg;

	(void)state;
	parse_ok(J(pcapdaemon_example), &cfg);
	assert_int_equal(cfg.snaplength, 500);
	assert_string_equal(cfg.localdir, "/tmp");
	assert_string_equal(cfg.cs_host, "www.cloudshark.org");
	assert_int_equal(cfg.cs_port, 443);
	assert_string_equal(cfg.cs_token, "fffffffffffffffffff");
	assert_true(cfg.cs_upload);
	assert_true(cfg.redis_listen);
	assert_string_equal(cfg.redis_host, "node.running.redis.net");
	assert_string_equal(cfg.redis_auth, "password");
	assert_int_equal(cfg.syslog_priority, 25);
	assert_string_equal(cfg.syslog_tag, "pcapdaemon");
	assert_int_equal(cfg.nr_ifaces, 2);
	assert_string_equal(cfg.ifaces[0].name, "eth0");
	assert_int_equal(cfg.ifaces[0].nr_alias, 2);
	assert_string_equal(cfg.ifaces[0].alias[0], "main");
	assert_string_equal(cfg.ifaces[0].alias[1], "public");
	assert_string_equal(cfg.ifaces[1].name, "lo");
	assert_int_equal(cfg.ifaces[1].nr_alias, 1);
	assert_string_equal(cfg.ifaces[1].alias[0], "local");
	assert_string_equal(cfg.s3_accessid, "xxxxxxxxxxxxxxxxxxxxxxxxx");
	assert_string_equal(cfg.s3_accesskey, "xxxxxxxxxxxxxxxxxxxxxxx");
	assert_string_equal(cfg.s3_bucket, "pcapdaemon");
	assert_string_equal(cfg.s3_folder, "pcaps");
	assert_true(cfg.s3_upload);
	assert_string_equal(cfg.s3_acl, "private");
	assert_int_equal(cfg.nr_records, 0);
	kcapd_config_free(&cfg);
}

static void test_kcapd_keys(void **state)
{
	struct kcapd_config cfg;

	(void)state;
	parse_ok(J("{'general': {'node': 'web-1.example', 'maxcaptures': 1024,"
		   "  'format': 'pcap', 'spooldir': '/srv/spool',"
		   "  'memorylimit': 0, 'retries': 10, 'retrydelay': 0,"
		   "  'writelocal': true, 'localdir': '/srv/pcaps',"
		   "  'maxpackets': 9223372036854775807,"
		   "  'maxduration': 4294967295, 'maxtimeout': 1,"
		   "  'defaulttimeout': 1, 'packetdebug': true},"
		   " 'redis': {'listen': true, 'results': 'done',"
		   "  'keepalive': 0, 'port': 65535, 'host': '::1'},"
		   " 's3': {'scheme': 'http', 'endpoint': 'minio:9000',"
		   "  'folder': 'a/b.c/d_e', 'region': 'garage',"
		   "  'acl': 'bucket-owner-full-control', 'encryption': true,"
		   "  'allowbuckets': ['b1', 'B_2.x'],"
		   "  'allowendpoints': ['s3.eu-west-1.amazonaws.com',"
		   "   '[::1]:9000']},"
		   " 'syslog': {'priority': 191},"
		   " 'record': [{'name': 'web.0-x_y', 'interface': 'eth0',"
		   "  'direction': 'in', 'filter': 'tcp port 80',"
		   "  'snaplen': 96, 'dir': '/var/lib/kcapd/web',"
		   "  'filesize': 100, 'seconds': 3600, 'files': 24},"
		   "  {'name': 'dns', 'interface': 'bond0.100',"
		   "   'direction': 'out', 'dir': '/d', 'format': 'pcapng',"
		   "   'snaplen': 262144, 'filesize': 9223372036854}]}"),
		 &cfg);
	assert_string_equal(cfg.node, "web-1.example");
	assert_int_equal(cfg.maxcaptures, 1024);
	assert_int_equal(cfg.format, KCAP_FORMAT_PCAP);
	assert_string_equal(cfg.spooldir, "/srv/spool");
	assert_int_equal(cfg.memorylimit, 0);
	assert_int_equal(cfg.retries, 10);
	assert_int_equal(cfg.retrydelay, 0);
	assert_true(cfg.writelocal);
	assert_true(cfg.packetdebug);
	assert_int_equal(cfg.maxpackets, INT64_MAX);
	assert_int_equal(cfg.maxduration, UINT32_MAX);
	assert_string_equal(cfg.redis_results, "done");
	assert_int_equal(cfg.redis_keepalive, 0);
	assert_int_equal(cfg.redis_port, 65535);
	assert_string_equal(cfg.redis_host, "::1");
	assert_string_equal(cfg.s3_scheme, "http");
	assert_string_equal(cfg.s3_endpoint, "minio:9000");
	assert_string_equal(cfg.s3_folder, "a/b.c/d_e");
	assert_string_equal(cfg.s3_region, "garage");
	assert_string_equal(cfg.s3_acl, "bucket-owner-full-control");
	assert_true(cfg.s3_encryption);
	assert_int_equal(cfg.nr_s3_allow_buckets, 2);
	assert_string_equal(cfg.s3_allow_buckets[0], "b1");
	assert_string_equal(cfg.s3_allow_buckets[1], "B_2.x");
	assert_int_equal(cfg.nr_s3_allow_endpoints, 2);
	assert_string_equal(cfg.s3_allow_endpoints[1], "[::1]:9000");
	assert_int_equal(cfg.syslog_priority, 191);
	assert_int_equal(cfg.nr_records, 2);
	assert_string_equal(cfg.records[0].name, "web.0-x_y");
	assert_int_equal(cfg.records[0].direction, KCAP_DIR_IN);
	assert_string_equal(cfg.records[0].filter, "tcp port 80");
	assert_int_equal(cfg.records[0].snaplen, 96);
	assert_string_equal(cfg.records[0].dir, "/var/lib/kcapd/web");
	assert_int_equal(cfg.records[0].filesize, 100000000);	/* MB */
	assert_int_equal(cfg.records[0].seconds, 3600);
	assert_int_equal(cfg.records[0].files, 24);
	assert_int_equal(cfg.records[0].format, KCAP_FORMAT_PCAP);	/* general's */
	assert_string_equal(cfg.records[1].iface, "bond0.100");
	assert_int_equal(cfg.records[1].direction, KCAP_DIR_OUT);
	assert_int_equal(cfg.records[1].format, KCAP_FORMAT_PCAPNG);
	assert_int_equal(cfg.records[1].snaplen, 262144);
	assert_int_equal(cfg.records[1].filesize, 9223372036854000000ULL);
	kcapd_config_free(&cfg);
}

/* general.format is a record's default wherever the two are in the file. */
static void test_section_order(void **state)
{
	struct kcapd_config cfg;

	(void)state;
	parse_ok(J("{" REC ", 'general': {'format': 'pcap'}}"), &cfg);
	assert_int_equal(cfg.records[0].format, KCAP_FORMAT_PCAP);
	kcapd_config_free(&cfg);
}

/* An empty string is a key left out: its default, or none. */
static void test_empty_strings(void **state)
{
	(void)state;
	all_defaults(J("{" REC ", 'general': {'node': '', 'spooldir': ''},"
		       " 'redis': {'auth': '', 'host': ''},"
		       " 's3': {'acl': '', 'folder': '', 'accessid': '',"
		       "  'bucket': '', 'allowbuckets': []},"
		       " 'syslog': {'tag': ''}, 'interface': []}"));
}

/* Strings may be UTF-8 and as long as their limit; no longer. */
static void test_string_limits(void **state)
{
	struct kcapd_config cfg;

	(void)state;
	parse_ok(J("{" REC ", 'general': {'node': '%s', 'localdir': '/%s'},"
		   " 'syslog': {'tag': 'k\u00e7apd \u2603'},"
		   " 'interface': [{'name': '%s', 'alias': ['%s']}]}",
		   rep('n', 255), rep('d', 4094), rep('i', 15), rep('a', 255)),
		 &cfg);
	assert_int_equal(strlen(cfg.node), 255);
	assert_int_equal(strlen(cfg.localdir), 4095);
	assert_string_equal(cfg.syslog_tag, "k\u00e7apd \u2603");
	assert_int_equal(strlen(cfg.ifaces[0].name), 15);
	kcapd_config_free(&cfg);

	refused(J("{" REC ", 'general': {'node': '%s'}}", rep('n', 256)),
		S("general.node: '%s...' is longer than 255 bytes",
		  rep('n', 64)));
	refused(J("{" REC ", 'general': {'spooldir': '/%s'}}",
		  rep('d', 4095)),
		S("general.spooldir: '/%s...' is longer than 4095 bytes",
		  rep('d', 63)));
	refused(J("{" REC ", 'syslog': {'tag': '%s'}}", rep('t', 256)),
		S("syslog.tag: '%s...' is longer than 255 bytes",
		  rep('t', 64)));
	refused(J("{" REC ", 'interface': [{'name': '%s'}]}", rep('i', 16)),
		S("interface[0].name: '%s' is longer than 15 bytes",
		  rep('i', 16)));
	refused(J("{'record': [{'name': '%s', 'interface': 'eth0',"
		  " 'dir': '/r'}]}", rep('r', 32)),
		S("record[0].name: '%s' is longer than 31 bytes",
		  rep('r', 32)));
	refused(J("{'record': [{'name': 'r', 'interface': 'eth0',"
		  " 'dir': '/r', 'filter': '%s'}]}", rep('f', 4096)),
		S("record[0].filter: '%s...' is longer than 4095 bytes",
		  rep('f', 64)));
	/* Cut between UTF-8 characters: the line stays UTF-8. */
	refused(J("{" REC ", 'general': {'node': 'a%s'}}",
		  "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
		  "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
		  "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
		  "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
		  "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"),
		"general.node: 'a\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
		"\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
		"\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
		"\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9...' is not a "
		"node name (A-Z a-z 0-9 . _ -)");
}

/* Each configuration of the table is refused with its line. */
static const struct kcapd_refusal refusals[] = {
	/* pcapdaemon's [sqs]: refused, saying what to use instead. */
	{ "{'redis': {'listen': true}, 'sqs': {'listen': true,"
	  " 'region': 'us-east-1', 'waitseconds': 20}}",
	  "sqs is not supported by kcapd (use redis)" },
	{ "{'sqs': {}}", "sqs is not supported by kcapd (use redis)" },
	/* A control character, shown as '?': the error is one line. */
	{ "{" REC ", 'redis': {'channel': 'a\\nb'}}",
	  "redis.channel: 'a?b' has a control character" },
	{ "{" REC ", 's3': {'accesskey': 'x\\u007f'}}",
	  "s3.accesskey: 'x?' has a control character" },
	/* Not JSON, or not an object. */
	{ "", "line 1 column 0: '[' or '{' expected near end of file" },
	{ "{" REC ",}", "line 1 column 62: string or '}' expected near '}'" },
	{ "[]", "the configuration is not a JSON object" },
	{ "\"general\"",
	  "line 1 column 9: '[' or '{' expected near '\"general\"'" },
	{ "{" REC ", 'general': {'node': 'a', 'node': 'b'}}",
	  "line 1 column 93: duplicate object key near '\"node\"'" },
	{ "{'general': {'node': '\\u0000'}}",
	  "line 1 column 29: \\u0000 is not allowed without JSON_ALLOW_NUL near '\"\\u0000\"'" },
	{ "{\"general\": {\"node\": \"\xff\"}}",
	  "line 1 column 22: unable to decode byte 0xff near '\"'" },
	/* Unknown sections and keys. */
	{ "{" REC ", 'general': {'maxpacket': 5}}",
	  "unknown key general.maxpacket" },
	{ "{" REC ", 'redis': {'password': 'x'}}",
	  "unknown key redis.password" },
	{ "{" REC ", 's3': {'allowbucket': []}}",
	  "unknown key s3.allowbucket" },
	{ "{" REC ", 'cloudshark': {'url': 'x'}}",
	  "unknown key cloudshark.url" },
	{ "{" REC ", 'syslog': {'facility': 3}}",
	  "unknown key syslog.facility" },
	{ "{" REC ", 'interface': [{'name': 'eth0', 'aliases': []}]}",
	  "unknown key interface[0].aliases" },
	{ "{'record': [{'name': 'r', 'interface': 'eth0', 'dir': '/r',"
	  " 'size': 1}]}", "unknown key record[0].size" },
	{ "{" REC ", 'General': {}}", "unknown section 'General'" },
	{ "{" REC ", 'a\\tb': {}}", "unknown section 'a?b'" },
	/* general */
	{ "{" REC ", 'general': []}", "general: must be an object" },
	{ "{" REC ", 'general': null}", "general: must be an object" },
	{ "{" REC ", 'general': {'maxpackets': '5'}}",
	  "general.maxpackets: must be an integer" },
	{ "{" REC ", 'general': {'maxpackets': 5.0}}",
	  "general.maxpackets: must be an integer" },
	{ "{" REC ", 'general': {'maxpackets': -1}}",
	  "general.maxpackets: -1 is out of range (1 or more)" },
	{ "{" REC ", 'general': {'maxbytes': 0}}",
	  "general.maxbytes: 0 is out of range (1 or more)" },
	{ "{" REC ", 'general': {'snaplength': 262145}}",
	  "general.snaplength: 262145 is out of range (1 to 262144)" },
	{ "{" REC ", 'general': {'maxtimeout': 4294967296}}",
	  "general.maxtimeout: 4294967296 is out of range (1 to 4294967295)" },
	{ "{" REC ", 'general': {'maxduration': 0}}",
	  "general.maxduration: 0 is out of range (1 to 4294967295)" },
	{ "{" REC ", 'general': {'maxcaptures': 1025}}",
	  "general.maxcaptures: 1025 is out of range (1 to 1024)" },
	{ "{" REC ", 'general': {'retries': 11}}",
	  "general.retries: 11 is out of range (0 to 10)" },
	{ "{" REC ", 'general': {'retrydelay': 3601}}",
	  "general.retrydelay: 3601 is out of range (0 to 3600)" },
	{ "{" REC ", 'general': {'memorylimit': -1}}",
	  "general.memorylimit: -1 is out of range (0 or more)" },
	{ "{" REC ", 'general': {'writelocal': 'yes'}}",
	  "general.writelocal: must be true or false" },
	{ "{" REC ", 'general': {'packetdebug': 1}}",
	  "general.packetdebug: must be true or false" },
	{ "{" REC ", 'general': {'writelocal': true}}",
	  "general.writelocal needs general.localdir" },
	{ "{" REC ", 'general': {'localdir': 'tmp'}}",
	  "general.localdir: 'tmp' is not an absolute path" },
	{ "{" REC ", 'general': {'spooldir': 5}}",
	  "general.spooldir: must be a string" },
	{ "{" REC ", 'general': {'node': 'a b'}}",
	  "general.node: 'a b' is not a node name (A-Z a-z 0-9 . _ -)" },
	{ "{" REC ", 'general': {'node': 'a/b'}}",
	  "general.node: 'a/b' is not a node name (A-Z a-z 0-9 . _ -)" },
	{ "{" REC ", 'general': {'format': 'pcapx'}}",
	  "general.format: 'pcapx' is not pcap or pcapng" },
	{ "{" REC ", 'general': {'format': 1}}",
	  "general.format: must be a string" },
	{ "{" REC ", 'general': {'defaulttimeout': 100, 'maxtimeout': 50}}",
	  "general.defaulttimeout: 100 is more than general.maxtimeout (50)" },
	{ "{" REC ", 'general': {'maxtimeout': 5}}",
	  "general.defaulttimeout: 10 is more than general.maxtimeout (5)" },
	/* redis */
	{ "{" REC ", 'redis': {'port': 0}}",
	  "redis.port: 0 is out of range (1 to 65535)" },
	{ "{" REC ", 'redis': {'port': 65536}}",
	  "redis.port: 65536 is out of range (1 to 65535)" },
	{ "{" REC ", 'redis': {'host': 'a/b'}}",
	  "redis.host: 'a/b' is not a host name or address" },
	{ "{" REC ", 'redis': {'keepalive': 3601}}",
	  "redis.keepalive: 3601 is out of range (0 to 3600)" },
	{ "{" REC ", 'redis': {'listen': 'true'}}",
	  "redis.listen: must be true or false" },
	{ "{" REC ", 'redis': {'channel': ['capture']}}",
	  "redis.channel: must be a string" },
	/* What kcapd needs to do anything, as pcapdaemon says. */
	{ "{'redis': {'listen': true}}",
	  "redis.listen: captures have nowhere to go: set general.writelocal, s3.upload or cloudshark.upload" },
	{ "{}", "nothing to do: set redis.listen or add a record" },
	/* Its own results would come back to it as messages, refused. */
	{ "{'general': {'writelocal': true, 'localdir': '/tmp'}, "
	  "'redis': {'listen': true, 'results': 'capture'}}",
	  "redis.results: 'capture' is redis.channel too: give results a channel of their own" },
	{ "{'redis': {'listen': false}, 'record': []}",
	  "nothing to do: set redis.listen or add a record" },
	/* interface */
	{ "{" REC ", 'interface': {'name': 'eth0'}}",
	  "interface: must be an array of objects" },
	{ "{" REC ", 'interface': ['eth0']}",
	  "interface[0]: must be an object" },
	{ "{" REC ", 'interface': [{'alias': ['x']}]}",
	  "interface[0]: no name" },
	{ "{" REC ", 'interface': [{'name': ''}]}", "interface[0]: no name" },
	{ "{" REC ", 'interface': [{'name': 3}]}",
	  "interface[0].name: must be a string" },
	{ "{" REC ", 'interface': [{'name': 'a/b'}]}",
	  "interface[0].name: 'a/b' is not an interface name (1 to 15 bytes, not . or .., no / : or blanks)" },
	{ "{" REC ", 'interface': [{'name': 'eth0:1'}]}",
	  "interface[0].name: 'eth0:1' is not an interface name (1 to 15 bytes, not . or .., no / : or blanks)" },
	{ "{" REC ", 'interface': [{'name': '..'}]}",
	  "interface[0].name: '..' is not an interface name (1 to 15 bytes, not . or .., no / : or blanks)" },
	{ "{" REC ", 'interface': [{'name': 'eth0', 'alias': ['main']},"
	  " {'name': 'eth1', 'alias': ['main']}]}",
	  "interface[1].alias[0]: 'main' is already an alias of eth0" },
	{ "{" REC ", 'interface': [{'name': 'eth0',"
	  " 'alias': ['main', 'main']}]}",
	  "interface[0].alias[1]: 'main' is already an alias of eth0" },
	{ "{" REC ", 'interface': [{'name': 'eth0'}, {'name': 'lo'},"
	  " {'name': 'eth0'}]}",
	  "interface[2].name: 'eth0' is already interface[0]" },
	{ "{" REC ", 'interface': [{'name': 'eth0', 'alias': 'main'}]}",
	  "interface[0].alias: must be an array of strings" },
	{ "{" REC ", 'interface': [{'name': 'eth0', 'alias': ['']}]}",
	  "interface[0].alias[0]: empty" },
	{ "{" REC ", 'interface': [{'name': 'eth0', 'alias': [1]}]}",
	  "interface[0].alias[0]: must be a string" },
	{ "{" REC ", 'interface': [{'name': 'eth0', 'alias': ['a',"
	  " 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm',"
	  " 'n', 'o', 'p', 'q']}]}",
	  "interface[0].alias: more than 16 aliases" },
	/* s3 */
	{ "{" REC ", 's3': {'upload': true}}", "s3.upload needs s3.bucket" },
	{ "{" REC ", 's3': {'upload': true, 'bucket': ''}}",
	  "s3.upload needs s3.bucket" },
	{ "{" REC ", 's3': {'acl': 'open'}}",
	  "s3.acl: 'open' is not an S3 canned ACL (private, public-read, public-read-write, authenticated-read, aws-exec-read, bucket-owner-read, bucket-owner-full-control)" },
	{ "{" REC ", 's3': {'bucket': 'a/b'}}",
	  "s3.bucket: 'a/b' is not a bucket name (A-Z a-z 0-9 . _ -)" },
	{ "{" REC ", 's3': {'endpoint': 'https://s3.example'}}",
	  "s3.endpoint: 'https://s3.example' is not host[:port]" },
	{ "{" REC ", 's3': {'region': 'us east'}}",
	  "s3.region: 'us east' is not a region (A-Z a-z 0-9 _ -)" },
	{ "{" REC ", 's3': {'scheme': 'ftp'}}",
	  "s3.scheme: 'ftp' is not http or https" },
	{ "{" REC ", 's3': {'encryption': 'AES256'}}",
	  "s3.encryption: must be true or false" },
	{ "{" REC ", 's3': {'allowbuckets': 'b'}}",
	  "s3.allowbuckets: must be an array of strings" },
	{ "{" REC ", 's3': {'allowbuckets': ['ok', 'bad/x']}}",
	  "s3.allowbuckets[1]: 'bad/x' is not a bucket name (A-Z a-z 0-9 . _ -)" },
	{ "{" REC ", 's3': {'allowbuckets': ['']}}",
	  "s3.allowbuckets[0]: empty" },
	{ "{" REC ", 's3': {'allowendpoints': ['x y']}}",
	  "s3.allowendpoints[0]: 'x y' is not host[:port]" },
	{ "{" REC ", 's3': {'allowendpoints': [{}]}}",
	  "s3.allowendpoints[0]: must be a string" },
	/* cloudshark and syslog */
	{ "{" REC ", 'cloudshark': {'upload': true}}",
	  "cloudshark.upload needs cloudshark.token" },
	{ "{" REC ", 'cloudshark': {'token': 'a/b'}}",
	  "cloudshark.token: 'a/b' is not a token (A-Z a-z 0-9 . _ ~ -)" },
	{ "{" REC ", 'cloudshark': {'port': 70000}}",
	  "cloudshark.port: 70000 is out of range (0 to 65535)" },
	{ "{" REC ", 'cloudshark': {'scheme': 'HTTPS'}}",
	  "cloudshark.scheme: 'HTTPS' is not http or https" },
	{ "{" REC ", 'syslog': {'priority': 192}}",
	  "syslog.priority: 192 is out of range (0 to 191)" },
	{ "{" REC ", 'syslog': {'priority': -1}}",
	  "syslog.priority: -1 is out of range (0 to 191)" },
	/* record */
	{ "{'record': {}}", "record: must be an array of objects" },
	{ "{'record': [[]]}", "record[0]: must be an object" },
	{ "{'record': [{'interface': 'eth0', 'dir': '/r'}]}",
	  "record[0]: no name" },
	{ "{'record': [{'name': 'r', 'dir': '/r'}]}",
	  "record[0]: no interface" },
	{ "{'record': [{'name': 'r', 'interface': 'eth0'}]}",
	  "record[0]: no dir" },
	{ "{'record': [{'name': 'bad name', 'interface': 'eth0',"
	  " 'dir': '/r'}]}",
	  "record[0].name: 'bad name' is not a session name (1 to 31 of A-Z a-z 0-9 _ . -)" },
	{ "{'record': [{'name': 'r', 'interface': 'eth/0', 'dir': '/r'}]}",
	  "record[0].interface: 'eth/0' is not an interface name (1 to 15 bytes, not . or .., no / : or blanks)" },
	{ "{'record': [{'name': 'r', 'interface': 'eth0',"
	  " 'dir': 'r'}]}", "record[0].dir: 'r' is not an absolute path" },
	{ "{'record': [{'name': 'r', 'interface': 'eth0', 'dir': '/r',"
	  " 'direction': 'both'}]}",
	  "record[0].direction: 'both' is not in, out or inout" },
	{ "{'record': [{'name': 'r', 'interface': 'eth0', 'dir': '/r',"
	  " 'files': 10}]}", "record[0].files needs filesize or seconds" },
	{ "{'record': [{'name': 'r', 'interface': 'eth0', 'dir': '/r',"
	  " 'files': 1000001, 'seconds': 1}]}",
	  "record[0].files: 1000001 is out of range (0 to 1000000)" },
	{ "{'record': [{'name': 'r', 'interface': 'eth0', 'dir': '/r',"
	  " 'filesize': -1}]}",
	  "record[0].filesize: -1 is out of range (0 to 9223372036854)" },
	{ "{'record': [{'name': 'r', 'interface': 'eth0', 'dir': '/r',"
	  " 'filesize': 9223372036855}]}",
	  "record[0].filesize: 9223372036855 is out of range (0 to 9223372036854)" },
	{ "{'record': [{'name': 'r', 'interface': 'eth0', 'dir': '/r',"
	  " 'snaplen': 0}]}",
	  "record[0].snaplen: 0 is out of range (1 to 262144)" },
	{ "{'record': [{'name': 'r', 'interface': 'eth0', 'dir': '/r',"
	  " 'seconds': 4294967296}]}",
	  "record[0].seconds: 4294967296 is out of range (0 to 4294967295)" },
	{ "{'record': [{'name': 'r', 'interface': 'eth0', 'dir': '/r',"
	  " 'format': 'erf'}]}",
	  "record[0].format: 'erf' is not pcap or pcapng" },
	{ "{'record': [{'name': 'r', 'interface': 'eth0', 'dir': '/r'},"
	  " {'name': 'r', 'interface': 'eth1', 'dir': '/s'}]}",
	  "record[1].name: 'r' is already record[0]'s" },
};

static void test_refused(void **state)
{
	(void)state;
	kcapd_test_refusals(refusals, ARRAY_SIZE(refusals), refused);
}

static void test_redis(void **state)
{
	struct kcapd_config cfg;

	(void)state;
	/* Listening, with somewhere to deliver to. */
	parse_ok(J("{'redis': {'listen': true},"
		   " 'general': {'writelocal': true, 'localdir': '/p'}}"), &cfg);
	kcapd_config_free(&cfg);
	parse_ok(J("{'redis': {'listen': true},"
		   " 's3': {'upload': true, 'bucket': 'b'}}"), &cfg);
	kcapd_config_free(&cfg);
	parse_ok(J("{" LISTEN "}"), &cfg);
	kcapd_config_free(&cfg);
}

static void test_interface(void **state)
{
	struct kcapd_config cfg;

	(void)state;
	refused(J("{" REC ", 'interface': [{'name': 'eth0', 'alias': ['%s']}]}",
		  rep('a', 256)),
		S("interface[0].alias[0]: '%s...' is longer than 255 bytes",
		  rep('a', 64)));
	most_entries(&cfg, "{" REC ", 'interface': [%s]}",
		     "{'name': 'if%1$zu', 'alias': ['a%1$zu']}", 256,
		     "{'name': 'x'}", "interface: more than 256 entries");
	assert_int_equal(cfg.nr_ifaces, 256);
	assert_string_equal(cfg.ifaces[255].name, "if255");
	assert_string_equal(cfg.ifaces[255].alias[0], "a255");
	kcapd_config_free(&cfg);
	/* An alias may be another interface's name: they are not mixed. */
	parse_ok(J("{" REC ", 'interface': [{'name': 'eth0', 'alias': ['lo']},"
		   " {'name': 'lo'}]}"), &cfg);
	kcapd_config_free(&cfg);
}

static void test_s3(void **state)
{
	struct kcapd_config cfg;

	(void)state;
	most_entries(&cfg, "{" REC ", 's3': {'allowbuckets': [%s]}}", "'b%zu'",
		     32, "'x'", "s3.allowbuckets: more than 32 entries");
	assert_int_equal(cfg.nr_s3_allow_buckets, 32);
	assert_string_equal(cfg.s3_allow_buckets[31], "b31");
	kcapd_config_free(&cfg);
}

/* A folder: names between single slashes, no "..", S3's safe characters. */
static void test_folder(void **state)
{
	static const char *const good[] = {
		"pcaps", "a/b/c", "x.y", "A-Z_0.9", "it\\u0027s", "(x)*!",
	};
	static const char *const bad[] = {
		"/pcaps", "pcaps/", "a//b", "..", "a/../b", "a..b", "a b",
		"a\\\\b", "caf\u00e9", "a?b", "a%2f", "/", ".../x",
	};
	struct kcapd_config cfg;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		parse_ok(J("{" REC ", 's3': {'folder': '%s'}}", good[i]), &cfg);
		assert_non_null(cfg.s3_folder);
		kcapd_config_free(&cfg);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		struct kcapd_err err = { "" };

		assert_int_equal(parse(J("{" REC ", 's3': {'folder': '%s'}}",
					 bad[i]), &cfg, &err), -1);
		if (!strstr(err.msg, "' is not a folder (names of A-Z a-z 0-9 ! _ . * ' ( ) - between single slashes, no ..)"))
			fail_msg("%s: %s", bad[i], err.msg);
	}
}

static void test_cloudshark_syslog(void **state)
{
	struct kcapd_config cfg;

	(void)state;
	parse_ok(J("{" REC ", 'cloudshark': {'upload': true, 'token': 'ab-c_1.~',"
		   " 'host': '10.0.0.1', 'scheme': 'http', 'port': 8080},"
		   " 'syslog': {'priority': 0}}"), &cfg);
	assert_string_equal(cfg.cs_token, "ab-c_1.~");
	assert_string_equal(cfg.cs_scheme, "http");
	assert_int_equal(cfg.cs_port, 8080);
	assert_int_equal(cfg.syslog_priority, 0);
	kcapd_config_free(&cfg);
}

static void test_record(void **state)
{
	struct kcapd_config cfg;

	(void)state;
	most_entries(&cfg, "{'record': [%s]}",
		     "{'name': 'r%zu', 'interface': 'eth0', 'dir': '/r'}", 16,
		     "{}", "record: more than 16 entries");
	assert_int_equal(cfg.nr_records, 16);
	assert_string_equal(cfg.records[15].name, "r15");
	kcapd_config_free(&cfg);
	/* A ring by time alone, or by size alone. */
	parse_ok(J("{'record': [{'name': 'r', 'interface': 'eth0', 'dir': '/r',"
		   " 'files': 3, 'seconds': 60}, {'name': 's',"
		   " 'interface': 'eth0', 'dir': '/r', 'files': 3,"
		   " 'filesize': 1}]}"), &cfg);
	assert_int_equal(cfg.records[1].filesize, 1000000);
	kcapd_config_free(&cfg);
}

static void test_load(void **state)
{
	char path[] = "/tmp/kcapd-config-XXXXXX";
	struct kcapd_config cfg;
	struct kcapd_err err = { "" };
	FILE *f;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(J(pcapdaemon_example), f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(kcapd_config_load(path, &cfg, &err), 0);
	assert_string_equal(cfg.s3_bucket, "pcapdaemon");
	kcapd_config_free(&cfg);

	f = fopen(path, "w");
	assert_non_null(f);
	fputs("{\n  \"general\": {\"maxpackets\": 1,}\n}\n", f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(kcapd_config_load(path, &cfg, &err), -1);
	assert_string_equal(err.msg,
			    S("%s: line 2 column 31: string or '}' expected near '}'",
			      path));

	f = fopen(path, "w");
	assert_non_null(f);
	fputs(J("{'general': {'maxpacket': 1}}"), f);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(kcapd_config_load(path, &cfg, &err), -1);
	assert_string_equal(err.msg, "unknown key general.maxpacket");

	assert_int_equal(unlink(path), 0);
	assert_int_equal(kcapd_config_load(path, &cfg, &err), -1);
	assert_string_equal(err.msg,
			    S("unable to open %s: No such file or directory",
			      path));
}

/* Free is safe on a zeroed config and twice; a failed parse leaves one. */
static void test_config_free(void **state)
{
	struct kcapd_config cfg;
	struct kcapd_err err;

	(void)state;
	memset(&cfg, 0, sizeof(cfg));
	kcapd_config_free(&cfg);
	parse_ok(J(pcapdaemon_example), &cfg);
	kcapd_config_free(&cfg);
	kcapd_config_free(&cfg);
	/* A failure late in the file: what was read before is freed. */
	assert_int_equal(parse(J("{'general': {'node': 'n', 'localdir': '/l'},"
				 " 'interface': [{'name': 'eth0',"
				 "  'alias': ['a', 'b']}, {'name': 'x',"
				 "  'alias': ['c', 'a']}]}"), &cfg, &err), -1);
	assert_string_equal(err.msg,
			    "interface[1].alias[1]: 'a' is already an alias of eth0");
	kcapd_config_free(&cfg);
	assert_int_equal(kcapd_config_parse("{", 1, &cfg, NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_pcapdaemon_example),
		cmocka_unit_test(test_kcapd_keys),
		cmocka_unit_test(test_section_order),
		cmocka_unit_test(test_empty_strings),
		cmocka_unit_test(test_string_limits),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_redis),
		cmocka_unit_test(test_interface),
		cmocka_unit_test(test_s3),
		cmocka_unit_test(test_folder),
		cmocka_unit_test(test_cloudshark_syslog),
		cmocka_unit_test(test_record),
		cmocka_unit_test(test_load),
		cmocka_unit_test(test_config_free),
	};

	return cmocka_run_group_tests_name("kcapd configuration", tests,
					   NULL, NULL);
}
