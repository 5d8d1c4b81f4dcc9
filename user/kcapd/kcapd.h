/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kcapd(8): captures triggered through Redis, delivered to a directory, S3
 * or an HTTP endpoint; always-on recordings.  What its parts share.
 *
 * The parts apart from the kernel and the network are kept apart so that
 * the host's unit tests (and an ASan build) run them: config.c (the JSON
 * configuration), request.c (a trigger message, checked against the
 * configuration), upload.c (S3 and HTTP uploads through libcurl, with
 * retries), result.c (the JSON result of a capture).
 */
#ifndef _KCAPD_H
#define _KCAPD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kcap.h"

#define KCAPD_NAME_MAX		256	/* node names, tags, folders... */
#define KCAPD_PATH_MAX		4096
#define KCAPD_DEVS_MAX		KCAP_CAPTURE_MAX
#define KCAPD_ALIASES_MAX	16	/* aliases of one interface */
#define KCAPD_ALLOW_MAX		32	/* entries of an allow-list */
#define KCAPD_RECORDS_MAX	16	/* always-on recordings */

/* Why a call failed, for a log line or a result: one line of text. */
struct kcapd_err {
	char	msg[512];
};

/* config.c ----------------------------------------------------------- */

/* An interface the messages may name by alias ([[interface]]). */
struct kcapd_iface {
	char	name[KCAP_IFNAMSIZ];
	char	*alias[KCAPD_ALIASES_MAX];
	size_t	nr_alias;
};

/* An always-on recording: a persistent session written to a ring of files. */
struct kcapd_record {
	char		name[KCAP_NAME_MAX];	/* the session's name */
	char		iface[KCAP_IFNAMSIZ];
	uint8_t		direction;		/* enum kcap_direction */
	char		*filter;		/* NULL: every frame */
	uint32_t	snaplen;		/* 0: KCAP_SNAPLEN_DEFAULT */
	char		*dir;			/* where the files go */
	uint64_t	filesize;		/* bytes a file, 0: no limit */
	uint64_t	seconds;		/* seconds a file, 0: no limit */
	uint32_t	files;			/* the ring's size, 0: no ring */
	enum kcap_file_format format;
};

/**
 * struct kcapd_config - kcapd's configuration: pcapdaemon's sections and
 * keys (general, redis, interface, s3, cloudshark, syslog), and kcapd's
 * own, documented key by key in kcapd.8.
 *
 * Strings are malloc'd (kcapd_config_free()); an absent one is NULL.
 */
struct kcapd_config {
	/* [general] */
	char		*node;		/* default: the host name */
	uint64_t	maxpackets;	/* default 50000 */
	bool		writelocal;	/* deliver to localdir */
	char		*localdir;
	uint32_t	snaplength;	/* default snap of a message, 262144 */
	uint64_t	defaulttimeout;	/* s, default 10 */
	uint64_t	maxtimeout;	/* s, default 3600 */
	uint64_t	maxduration;	/* s, default 3600 */
	uint64_t	maxbytes;	/* default 100000000 */
	uint32_t	maxcaptures;	/* at once, default 4 */
	bool		packetdebug;	/* default false */
	enum kcap_file_format format;	/* default pcapng */
	char		*spooldir;	/* default /var/spool/kcapd */
	uint64_t	memorylimit;	/* bytes held in memory, default 64 MiB */
	uint32_t	retries;	/* delivery attempts after the first, 3 */
	uint32_t	retrydelay;	/* s before the first retry, doubled, 1 */

	/* [redis] */
	bool		redis_listen;
	char		*redis_host;	/* default 127.0.0.1 */
	uint16_t	redis_port;	/* default 6379 */
	char		*redis_channel;	/* default "capture" */
	char		*redis_auth;	/* NULL: no AUTH */
	char		*redis_results;	/* default "capture-results" */
	uint32_t	redis_keepalive;	/* s, default 15 */

	/* [[interface]] */
	struct kcapd_iface	*ifaces;
	size_t			nr_ifaces;

	/* [s3] */
	bool		s3_upload;
	char		*s3_accessid;	/* NULL: AWS_ACCESS_KEY_ID */
	char		*s3_accesskey;	/* NULL: AWS_SECRET_ACCESS_KEY */
	char		*s3_endpoint;	/* default s3.amazonaws.com */
	char		*s3_bucket;
	char		*s3_folder;
	char		*s3_region;	/* default us-east-1 */
	char		*s3_acl;	/* NULL: none sent */
	bool		s3_encryption;	/* x-amz-server-side-encryption: AES256 */
	char		*s3_scheme;	/* default https */
	char		*s3_allow_buckets[KCAPD_ALLOW_MAX];
	size_t		nr_s3_allow_buckets;
	char		*s3_allow_endpoints[KCAPD_ALLOW_MAX];
	size_t		nr_s3_allow_endpoints;

	/* [cloudshark] */
	bool		cs_upload;
	char		*cs_host;	/* default localhost */
	char		*cs_scheme;	/* default https */
	uint16_t	cs_port;	/* 0: the scheme's */
	char		*cs_token;

	/* [syslog] */
	int		syslog_priority;	/* default LOG_DAEMON | LOG_INFO */
	char		*syslog_tag;		/* default "kcapd" */

	/* [[record]] */
	struct kcapd_record	records[KCAPD_RECORDS_MAX];
	size_t			nr_records;
};

/*
 * Read the configuration in @path (JSON) into @cfg, defaults first.  A
 * key kcapd does not know is an error naming it ("unknown key
 * general.maxpacket"), as is a wrong type or a value out of range.
 * 0, or -1 with @err filled.
 */
int kcapd_config_load(const char *path, struct kcapd_config *cfg,
		      struct kcapd_err *err);
/* The same from a string, for the tests. */
int kcapd_config_parse(const char *json, size_t len, struct kcapd_config *cfg,
		       struct kcapd_err *err);
void kcapd_config_free(struct kcapd_config *cfg);
/*
 * NULL if @s is a node name (general.node, kcapd -n: A-Z a-z 0-9 . _ -),
 * else the end of an error line.
 */
const char *kcapd_check_node(const char *s);

/* request.c ---------------------------------------------------------- */

/* A trigger message, checked and bounded by the configuration. */
struct kcapd_request {
	char		*devs[KCAPD_DEVS_MAX];	/* interfaces, aliases resolved */
	size_t		nr_devs;
	char		*bpf;		/* NULL: every frame */
	uint32_t	snap;
	uint64_t	packets;	/* 0: no limit but maxpackets */
	uint64_t	bytes;		/* file bytes, whole frames */
	uint64_t	timeout;	/* s between frames */
	uint64_t	duration;	/* s in all */
	char		*tags;		/* comma-separated, or NULL */
	char		*customer;
	bool		has_alertid;
	int64_t		alertid;
	bool		packetdebug;
	/* Upload fields a message may give, where the config allows them. */
	char		*folder;
	char		*bucket;
	char		*acl;
	char		*region;
	char		*endpoint;
	bool		has_encryption;
	bool		encryption;
	/* What the caps changed, for the result: "packets 50000", ... */
	char		clamped[256];
};

enum kcapd_verdict {
	KCAPD_REQ_OK,		/* for this node, valid */
	KCAPD_REQ_NOT_OURS,	/* for another node: ignore quietly */
	KCAPD_REQ_INVALID,	/* for this node (or unknown), wrong: @err */
};

/*
 * Parse the message @json (@len bytes, not NUL-terminated necessarily) for
 * node @node under @cfg.  Interfaces must exist where @dev_exists says so
 * (NULL: not checked).  On KCAPD_REQ_OK, free @req with
 * kcapd_request_free(); on KCAPD_REQ_INVALID, @err says why in one line.
 */
enum kcapd_verdict kcapd_request_parse(const char *json, size_t len,
				       const struct kcapd_config *cfg,
				       const char *node,
				       bool (*dev_exists)(const char *name),
				       struct kcapd_request *req,
				       struct kcapd_err *err);
void kcapd_request_free(struct kcapd_request *req);

/* upload.c ----------------------------------------------------------- */

/* What is uploaded: a finished capture file, and what describes it. */
struct kcapd_object {
	const char	*key;		/* file name: node_alertid_time_ifaces.pcapng */
	int		fd;		/* read from offset 0 */
	uint64_t	size;
	const char	*content_type;	/* application/vnd.tcpdump.pcap... */
	const char	*node;
	const char	*tags;		/* NULL: none */
	const char	*customer;
	const char	*alertid;	/* as text, NULL: none */
	const char	*interfaces;	/* comma-separated */
};

/* Where it goes on S3: the config's, with a message's allowed fields. */
struct kcapd_s3_target {
	const char	*scheme;	/* http or https */
	const char	*endpoint;	/* host[:port] */
	const char	*bucket;
	const char	*folder;	/* NULL: the bucket's top */
	const char	*region;
	const char	*acl;		/* NULL: none */
	bool		encryption;
	const char	*accessid;
	const char	*accesskey;
};

struct kcapd_http_target {
	const char	*url;		/* Cloudshark: scheme://host:port/api/v1/TOKEN/upload */
	const char	*token;
	const char	*tags;		/* additional_tags, NULL: none */
};

/*
 * PUT @obj to S3 (path-style, AWS Signature V4 through libcurl), retrying
 * @retries times after a failure, the delay doubling from @delay_s.  On
 * success *@where is the object's URL.  0, or -1 with @err filled (the
 * last attempt's error: HTTP status and body excerpt, or curl's message).
 */
int kcapd_s3_put(const struct kcapd_s3_target *t,
		 const struct kcapd_object *obj, uint32_t retries,
		 uint32_t delay_s, char *where, size_t wherelen,
		 struct kcapd_err *err);

/*
 * POST @obj as multipart/form-data (field "file", and "additional_tags")
 * to a Cloudshark-style endpoint, retrying as kcapd_s3_put().  0, or -1
 * with @err filled.
 */
int kcapd_http_post(const struct kcapd_http_target *t,
		    const struct kcapd_object *obj, uint32_t retries,
		    uint32_t delay_s, char *where, size_t wherelen,
		    struct kcapd_err *err);

/*
 * libcurl's global setup, once: call kcapd_upload_init() before any thread
 * uploads (0, or -1), kcapd_upload_exit() after the last has finished.
 */
int kcapd_upload_init(void);
void kcapd_upload_exit(void);

#endif /* _KCAPD_H */
