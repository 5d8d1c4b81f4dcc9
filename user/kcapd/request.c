// SPDX-License-Identifier: GPL-2.0
/*
 * kcapd: a trigger message, checked against the configuration.
 *
 * A message is pcapdaemon's, field for field: one JSON object, e.g.
 *
 *	{"node": "web1", "interface": ["eth0"], "bpf": "port 53",
 *	 "packets": 1000, "duration": 60, "alertid": 655443}
 *
 * Which node it is for comes first:
 *
 *  - node: this node's name (general.node), exactly, or "any" for every
 *    node; nodere: a POSIX extended regular expression that this node's
 *    name matches (anywhere in it: "^web[0-9]+$" to match all of it).
 *    Exactly one of them; a string of 1..255 bytes.  A regular
 *    expression takes no intervals ({m,n}) and no back-references (\N):
 *    with them a few bytes can make the C library's matcher take minutes.
 *  - A message for another node is ignored, quietly, whatever else it
 *    holds (KCAPD_REQ_NOT_OURS).  A message that is not JSON, not an
 *    object, or whose node or nodere is malformed, is for no node in
 *    particular: it is refused (KCAPD_REQ_INVALID), as is a message for
 *    this node that breaks a rule below.  A refusal says why in one line
 *    that names the field.
 *
 * Then the rest, for this node:
 *
 *  - A field kcapd does not know is refused ("unknown field 'x'"), as is
 *    one given twice.  Numbers are integers, not negative; flags true or
 *    false; strings have no control characters, and an empty string is
 *    the same as none.
 *  - interface: the interfaces, or alias: aliases of them from the
 *    configuration's [[interface]] entries; exactly one of the two, an
 *    array of 1 or more strings.  Every interface must exist on this
 *    node.  An interface named twice, directly or by aliases, is captured
 *    once; at most 64 interfaces.
 *  - bpf: a pcap-filter(7) expression, at most 4095 bytes; none: every
 *    frame.
 *  - snap: bytes kept of each frame: default general.snaplength; 0 is
 *    the most, 262144, as tcpdump -s 0.
 *  - packets: the capture stops after so many frames: default, and at
 *    most, general.maxpackets; 0 is the default.
 *  - timeout: s without a frame after which the capture stops: 1 or
 *    more, default general.defaulttimeout, at most general.maxtimeout.
 *  - duration: s the capture lasts at most: 1 or more, default and at
 *    most general.maxduration.
 *  - bytes: the capture stops once its file holds so many bytes (whole
 *    frames: it can pass them by one frame): 1 or more, default and at
 *    most general.maxbytes.
 *    A value over its limit is lowered to it, not refused; the result of
 *    the capture says which were ("packets 50000, duration 3600").
 *  - tags (comma-separated), customer: text for the capture's metadata,
 *    at most 255 bytes each.  alertid: an integer, 0 or more.
 *  - packetdebug: log every captured frame; default general.packetdebug.
 *    As in pcapdaemon the message decides, whatever the configuration
 *    says: a message can turn it on (packets and duration still bound
 *    what it logs).
 *  - S3 fields, for this capture's upload: folder (as s3.folder: names of
 *    A-Z a-z 0-9 ! _ . * ' ( ) - between single slashes, no ".."), acl (an
 *    S3 canned ACL), region, encryption (true or false); bucket and
 *    endpoint only if s3.allowbuckets and s3.allowendpoints list them, or
 *    they are the configuration's own s3.bucket and s3.endpoint: a message
 *    cannot send a capture where the operator did not say it may go.
 */

#include <ctype.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "kcapd.h"
#include "parse.h"

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define NAME		(KCAPD_NAME_MAX - 1)

static const char *const kcapd_fields[] = {
	"node", "nodere", "interface", "alias", "bpf", "snap", "packets",
	"timeout", "duration", "bytes", "tags", "customer", "alertid",
	"packetdebug", "folder", "bucket", "acl", "region", "endpoint",
	"encryption",
};

/* What glibc's regcomp() and regexec() can take in reasonable time. */
static const char *kcapd_check_regex(const char *s)
{
	for (; *s; s++) {
		if (*s == '{')
			return "has an interval ({m,n}), which kcapd does not take";
		if (*s == '\\' && isdigit((unsigned char)s[1]))
			return "has a back-reference (\\N), which kcapd does not take";
		if (*s == '\\' && s[1])
			s++;
	}
	return NULL;
}

/* Whether this node's name @node matches the regular expression @re. */
static enum kcapd_verdict kcapd_request_nodere(const char *re,
					       const char *node,
					       struct kcapd_err *err)
{
	char q[KCAPD_QUOTE_MAX], why[128];
	regex_t rx;
	int ret;

	ret = regcomp(&rx, re, REG_EXTENDED | REG_NOSUB);
	if (ret) {
		regerror(ret, &rx, why, sizeof(why));
		kcapd_parse_err(err, "nodere: '%s' is not a regular expression: %s",
				kcapd_quote(re, q), why);
		return KCAPD_REQ_INVALID;
	}
	ret = regexec(&rx, node, 0, NULL, 0);
	regfree(&rx);
	return ret ? KCAPD_REQ_NOT_OURS : KCAPD_REQ_OK;
}

/* Whether @msg is for this node, @node. */
static enum kcapd_verdict kcapd_request_node(const json_t *msg,
					     const char *node,
					     struct kcapd_err *err)
{
	const json_t *n = json_object_get(msg, "node");
	const json_t *re = json_object_get(msg, "nodere");
	const char *s;

	if (n && re) {
		kcapd_parse_err(err, "node and nodere: give one, not both");
		return KCAPD_REQ_INVALID;
	}
	if (!n && !re) {
		kcapd_parse_err(err, "no node or nodere");
		return KCAPD_REQ_INVALID;
	}
	if (kcapd_json_string(n ? "node" : "nodere", n ? n : re, NAME,
			      n ? NULL : kcapd_check_regex, &s, err))
		return KCAPD_REQ_INVALID;
	if (!s) {
		kcapd_parse_err(err, "%s: empty", n ? "node" : "nodere");
		return KCAPD_REQ_INVALID;
	}
	if (re)
		return kcapd_request_nodere(s, node, err);
	return !strcmp(s, "any") || !strcmp(s, node) ? KCAPD_REQ_OK :
						       KCAPD_REQ_NOT_OURS;
}

static int kcapd_request_fields(const json_t *msg, struct kcapd_err *err)
{
	char q[KCAPD_QUOTE_MAX];
	const char *key;
	size_t i;
	json_t *v;

	json_object_foreach((json_t *)msg, key, v) {
		for (i = 0; i < ARRAY_SIZE(kcapd_fields) &&
			    strcmp(kcapd_fields[i], key); i++)
			;
		if (i == ARRAY_SIZE(kcapd_fields))
			return kcapd_parse_err(err, "unknown field '%s'",
					       kcapd_quote(key, q));
	}
	return 0;
}

/* The interface an alias stands for, or NULL. */
static const char *kcapd_request_alias(const struct kcapd_config *cfg,
				       const char *alias)
{
	size_t i, j;

	for (i = 0; i < cfg->nr_ifaces; i++) {
		for (j = 0; j < cfg->ifaces[i].nr_alias; j++) {
			if (!strcmp(cfg->ifaces[i].alias[j], alias))
				return cfg->ifaces[i].name;
		}
	}
	return NULL;
}

static bool kcapd_request_has_dev(const struct kcapd_request *req,
				  const char *dev)
{
	size_t i;

	for (i = 0; i < req->nr_devs; i++) {
		if (!strcmp(req->devs[i], dev))
			return true;
	}
	return false;
}

/* Entry @at of the list @field: an interface, or an alias resolved. */
static int kcapd_request_dev(const char *field, const char *at,
			     const json_t *v, const struct kcapd_config *cfg,
			     bool (*dev_exists)(const char *name),
			     struct kcapd_request *req, struct kcapd_err *err)
{
	bool alias = !strcmp(field, "alias");
	char q[KCAPD_QUOTE_MAX];
	const char *s, *dev;

	if (kcapd_json_string(at, v, alias ? NAME : KCAP_IFNAMSIZ - 1,
			      alias ? NULL : kcapd_check_ifname, &s, err))
		return -1;
	if (!s)
		return kcapd_parse_err(err, "%s: empty", at);
	dev = alias ? kcapd_request_alias(cfg, s) : s;
	if (!dev)
		return kcapd_parse_err(err, "%s: unknown alias '%s'", at,
				       kcapd_quote(s, q));
	if (kcapd_request_has_dev(req, dev))
		return 0;
	if (dev_exists && !dev_exists(dev))
		return alias ? kcapd_parse_err(err,
					       "%s: '%s' is %s, which does not exist",
					       at, s, dev) :
			       kcapd_parse_err(err, "%s: %s does not exist",
					       at, dev);
	if (req->nr_devs == KCAPD_DEVS_MAX)
		return kcapd_parse_err(err, "%s: more than %d interfaces",
				       field, KCAPD_DEVS_MAX);
	req->devs[req->nr_devs] = strdup(dev);
	if (!req->devs[req->nr_devs])
		return kcapd_parse_err(err, "%s: out of memory", at);
	req->nr_devs++;
	return 0;
}

/* "interface": [...] or "alias": [...] into req->devs. */
static int kcapd_request_devs(const json_t *msg,
			      const struct kcapd_config *cfg,
			      bool (*dev_exists)(const char *name),
			      struct kcapd_request *req, struct kcapd_err *err)
{
	const json_t *ifs = json_object_get(msg, "interface");
	const json_t *as = json_object_get(msg, "alias");
	const char *field = ifs ? "interface" : "alias";
	const json_t *list = ifs ? ifs : as, *v;
	char at[32];
	size_t i;

	if (ifs && as)
		return kcapd_parse_err(err,
				       "interface and alias: give one, not both");
	if (!list)
		return kcapd_parse_err(err, "no interface or alias");
	if (!json_is_array(list))
		return kcapd_parse_err(err, "%s: must be an array of strings",
				       field);
	if (!json_array_size(list))
		return kcapd_parse_err(err, "%s: empty list", field);
	json_array_foreach(list, i, v) {
		snprintf(at, sizeof(at), "%s[%zu]", field, i);
		if (kcapd_request_dev(field, at, v, cfg, dev_exists, req, err))
			return -1;
	}
	return 0;
}

/**
 * kcapd_request_number() - a number that a cap of the configuration bounds.
 * @msg: the message.
 * @field: the number's field.
 * @min: its least value, but for 0 when @zero is not 0.
 * @def: its value when absent.
 * @zero: what 0 stands for; 0 when 0 is refused.
 * @cap: its greatest value: a greater one is lowered to it, and noted in
 *	req->clamped.
 * @n: where to store it.
 * @req: the request, for its clamped.
 * @err: why it was refused.
 *
 * Return: 0, or -1 with @err filled.
 */
static int kcapd_request_number(const json_t *msg, const char *field,
				uint64_t min, uint64_t def, uint64_t zero,
				uint64_t cap, uint64_t *n,
				struct kcapd_request *req,
				struct kcapd_err *err)
{
	const json_t *v = json_object_get(msg, field);
	size_t len = strlen(req->clamped);

	*n = def;
	if (!v)
		return 0;
	if (kcapd_json_uint(field, v, zero ? 0 : min, INT64_MAX, n, err))
		return -1;
	if (!*n)
		*n = zero;
	if (*n > cap) {
		*n = cap;
		snprintf(req->clamped + len, sizeof(req->clamped) - len,
			 "%s%s %llu", len ? ", " : "", field,
			 (unsigned long long)cap);
	}
	return 0;
}

static int kcapd_request_numbers(const json_t *msg,
				 const struct kcapd_config *cfg,
				 struct kcapd_request *req,
				 struct kcapd_err *err)
{
	uint64_t snap;

	if (kcapd_request_number(msg, "snap", 1, cfg->snaplength,
				 KCAP_SNAPLEN_MAX, KCAP_SNAPLEN_MAX, &snap,
				 req, err) ||
	    kcapd_request_number(msg, "packets", 1, cfg->maxpackets,
				 cfg->maxpackets, cfg->maxpackets,
				 &req->packets, req, err) ||
	    kcapd_request_number(msg, "timeout", 1, cfg->defaulttimeout, 0,
				 cfg->maxtimeout, &req->timeout, req, err) ||
	    kcapd_request_number(msg, "duration", 1, cfg->maxduration, 0,
				 cfg->maxduration, &req->duration, req, err) ||
	    kcapd_request_number(msg, "bytes", 1, cfg->maxbytes, 0,
				 cfg->maxbytes, &req->bytes, req, err))
		return -1;
	req->snap = (uint32_t)snap;
	return 0;
}

/* A boolean field: *@b, and whether the message gave it. */
static int kcapd_request_bool(const json_t *msg, const char *field, bool *b,
			      bool *given, struct kcapd_err *err)
{
	const json_t *v = json_object_get(msg, field);

	if (given)
		*given = v;
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return kcapd_parse_err(err, "%s: must be true or false", field);
	*b = json_is_true(v);
	return 0;
}

/* alertid: an integer, 0 or more; req->has_alertid, whether it is given. */
static int kcapd_request_alertid(const json_t *msg, struct kcapd_request *req,
				 struct kcapd_err *err)
{
	const json_t *v = json_object_get(msg, "alertid");
	uint64_t id;

	req->has_alertid = v;
	if (!v)
		return 0;
	if (kcapd_json_uint("alertid", v, 0, INT64_MAX, &id, err))
		return -1;
	req->alertid = (int64_t)id;
	return 0;
}

/* A string field into *@p, a malloc'd copy; NULL if absent or empty. */
static int kcapd_request_string(const json_t *msg, const char *field,
				size_t max, kcapd_check_fn check, char **p,
				struct kcapd_err *err)
{
	const json_t *v = json_object_get(msg, field);
	const char *s;

	if (!v)
		return 0;
	if (kcapd_json_string(field, v, max, check, &s, err))
		return -1;
	if (!s)
		return 0;
	*p = strdup(s);
	return *p ? 0 : kcapd_parse_err(err, "%s: out of memory", field);
}

/*
 * The message's @field, @s if it gave it, must be the configuration's
 * @own or one of @list, its key @key (@icase: ignoring case, as hosts).
 */
static int kcapd_request_allowed(const char *field, const char *s,
				 const char *own, char *const *list, size_t nr,
				 const char *key, bool icase,
				 struct kcapd_err *err)
{
	int (*cmp)(const char *, const char *) = icase ? strcasecmp : strcmp;
	char q[KCAPD_QUOTE_MAX];
	size_t i;

	if (!s || (own && !cmp(s, own)))
		return 0;
	for (i = 0; i < nr; i++) {
		if (!cmp(s, list[i]))
			return 0;
	}
	return kcapd_parse_err(err, "%s '%s' is not in %s", field,
			       kcapd_quote(s, q), key);
}

static int kcapd_request_s3(const json_t *msg, const struct kcapd_config *cfg,
			    struct kcapd_request *req, struct kcapd_err *err)
{
	if (kcapd_request_string(msg, "folder", NAME, kcapd_check_folder,
				 &req->folder, err) ||
	    kcapd_request_string(msg, "acl", NAME, kcapd_check_acl, &req->acl,
				 err) ||
	    kcapd_request_string(msg, "region", NAME, kcapd_check_region,
				 &req->region, err) ||
	    kcapd_request_bool(msg, "encryption", &req->encryption,
			       &req->has_encryption, err) ||
	    kcapd_request_string(msg, "bucket", NAME, kcapd_check_bucket,
				 &req->bucket, err) ||
	    kcapd_request_string(msg, "endpoint", NAME, kcapd_check_endpoint,
				 &req->endpoint, err) ||
	    kcapd_request_allowed("bucket", req->bucket, cfg->s3_bucket,
				  cfg->s3_allow_buckets,
				  cfg->nr_s3_allow_buckets, "s3.allowbuckets",
				  false, err) ||
	    kcapd_request_allowed("endpoint", req->endpoint, cfg->s3_endpoint,
				  cfg->s3_allow_endpoints,
				  cfg->nr_s3_allow_endpoints,
				  "s3.allowendpoints", true, err))
		return -1;
	return 0;
}

/* The fields of a message for this node. */
static int kcapd_request_fill(const json_t *msg,
			      const struct kcapd_config *cfg,
			      bool (*dev_exists)(const char *name),
			      struct kcapd_request *req, struct kcapd_err *err)
{
	req->packetdebug = cfg->packetdebug;
	if (kcapd_request_fields(msg, err) ||
	    kcapd_request_devs(msg, cfg, dev_exists, req, err) ||
	    kcapd_request_string(msg, "bpf", KCAP_FILTER_TEXT_MAX - 1, NULL,
				 &req->bpf, err) ||
	    kcapd_request_numbers(msg, cfg, req, err) ||
	    kcapd_request_string(msg, "tags", NAME, NULL, &req->tags, err) ||
	    kcapd_request_string(msg, "customer", NAME, NULL, &req->customer,
				 err) ||
	    kcapd_request_alertid(msg, req, err) ||
	    kcapd_request_bool(msg, "packetdebug", &req->packetdebug, NULL,
			       err))
		return -1;
	return kcapd_request_s3(msg, cfg, req, err);
}

enum kcapd_verdict kcapd_request_parse(const char *json, size_t len,
				       const struct kcapd_config *cfg,
				       const char *node,
				       bool (*dev_exists)(const char *name),
				       struct kcapd_request *req,
				       struct kcapd_err *err)
{
	enum kcapd_verdict v = KCAPD_REQ_INVALID;
	json_error_t je;
	json_t *msg;

	memset(req, 0, sizeof(*req));
	if (err)
		err->msg[0] = '\0';
	msg = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
	if (!msg) {
		kcapd_parse_err(err, "not JSON: line %d column %d: %s",
				je.line, je.column, je.text);
		return KCAPD_REQ_INVALID;
	}
	if (!json_is_object(msg))
		kcapd_parse_err(err, "the message is not a JSON object");
	else
		v = kcapd_request_node(msg, node, err);
	if (v == KCAPD_REQ_OK &&
	    kcapd_request_fill(msg, cfg, dev_exists, req, err))
		v = KCAPD_REQ_INVALID;
	if (v != KCAPD_REQ_OK)
		kcapd_request_free(req);
	json_decref(msg);
	return v;
}

void kcapd_request_free(struct kcapd_request *req)
{
	size_t i;

	for (i = 0; i < req->nr_devs; i++)
		free(req->devs[i]);
	free(req->bpf);
	free(req->tags);
	free(req->customer);
	free(req->folder);
	free(req->bucket);
	free(req->acl);
	free(req->region);
	free(req->endpoint);
	memset(req, 0, sizeof(*req));
}
