// SPDX-License-Identifier: GPL-2.0
/*
 * kcapd(8): delivering a finished capture file, to each place the
 * configuration enables at once: the local directory (writelocal), S3
 * (s3.upload) and a Cloudshark-style endpoint (cloudshark.upload).
 *
 * A file is written under a hidden temporary name in the directory it is
 * for and renamed when whole, so that the final name never holds part of
 * a capture.  When a delivery still fails after its retries, or none is
 * enabled, the file is kept in the spool directory and the result says
 * where: nothing captured is lost silently.
 */

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <jansson.h>

#include "daemon.h"

/* Copy @size bytes of @fd into @dir/@key, whole or not at all. */
static int kcapd_copy_into(const char *dir, const char *key, int fd,
			   uint64_t size, char *path, size_t pathlen,
			   struct kcapd_err *err)
{
	char tmp[KCAPD_PATH_MAX], buf[65536];
	uint64_t off = 0;
	ssize_t n;
	int out;

	if (snprintf(path, pathlen, "%s/%s", dir, key) >= (int)pathlen ||
	    snprintf(tmp, sizeof(tmp), "%s/.%s.partial", dir, key) >=
	    (int)sizeof(tmp)) {
		snprintf(err->msg, sizeof(err->msg), "%s/%s: name too long",
			 dir, key);
		return -1;
	}
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (out < 0)
		goto fail;
	while (off < size) {
		n = pread(fd, buf, size - off < sizeof(buf) ?
			  (size_t)(size - off) : sizeof(buf), (off_t)off);
		if (n <= 0) {
			if (!n)
				errno = EIO;	/* shorter than it said */
			goto fail_out;
		}
		if (write(out, buf, (size_t)n) != n)
			goto fail_out;
		off += (uint64_t)n;
	}
	if (fsync(out) || close(out)) {
		out = -1;
		goto fail_unlink;
	}
	if (rename(tmp, path))
		goto fail_unlink;
	return 0;
fail_out:
	close(out);
fail_unlink:
	snprintf(err->msg, sizeof(err->msg), "writing %.400s: %s", tmp,
		 strerror(errno));
	unlink(tmp);
	return -1;
fail:
	snprintf(err->msg, sizeof(err->msg), "writing %.400s: %s", tmp,
		 strerror(errno));
	return -1;
}

static void kcapd_delivered(json_t *result, const char *to, const char *where)
{
	json_t *d = json_object();

	json_object_set_new(d, "to", json_string(to));
	json_object_set_new(d, "where", kcapd_json_text(where, strlen(where)));
	json_array_append_new(json_object_get(result, "delivered"), d);
}

static void kcapd_failed(json_t *result, const char *what,
			 const struct kcapd_err *err)
{
	char line[sizeof(err->msg) + 64];

	snprintf(line, sizeof(line), "%s: %s", what, err->msg);
	kcapd_log(LOG_ERR, "%s", line);
	json_array_append_new(json_object_get(result, "errors"),
			      kcapd_json_text(line, strlen(line)));
}

/* S3: the config's, with the message's fields where it gave them. */
static int kcapd_to_s3(const struct kcapd_config *cfg,
		       const struct kcapd_request *req,
		       const struct kcapd_object *obj, char *where,
		       size_t wherelen, struct kcapd_err *err)
{
	const struct kcapd_s3_target t = {
		.scheme = cfg->s3_scheme,
		.endpoint = req->endpoint ? req->endpoint : cfg->s3_endpoint,
		.bucket = req->bucket ? req->bucket : cfg->s3_bucket,
		.folder = req->folder ? req->folder : cfg->s3_folder,
		.region = req->region ? req->region : cfg->s3_region,
		.acl = req->acl ? req->acl : cfg->s3_acl,
		.encryption = req->has_encryption ? req->encryption :
						    cfg->s3_encryption,
		.accessid = cfg->s3_accessid ? cfg->s3_accessid :
			    getenv("AWS_ACCESS_KEY_ID"),
		.accesskey = cfg->s3_accesskey ? cfg->s3_accesskey :
			     getenv("AWS_SECRET_ACCESS_KEY"),
	};

	if (!t.accessid || !t.accesskey) {
		snprintf(err->msg, sizeof(err->msg),
			 "no S3 credentials: s3.accessid and s3.accesskey, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
		return -1;
	}
	return kcapd_s3_put(&t, obj, cfg->retries, cfg->retrydelay, where,
			    wherelen, err);
}

static int kcapd_to_cloudshark(const struct kcapd_config *cfg,
			       const struct kcapd_request *req,
			       const struct kcapd_object *obj, char *where,
			       size_t wherelen, struct kcapd_err *err)
{
	char url[1024], port[16] = "";
	struct kcapd_http_target t = {
		.url = url, .token = cfg->cs_token, .tags = req->tags,
	};

	if (cfg->cs_port)
		snprintf(port, sizeof(port), ":%u", cfg->cs_port);
	snprintf(url, sizeof(url), "%s://%s%s/api/v1/%s/upload",
		 cfg->cs_scheme, cfg->cs_host, port, cfg->cs_token);
	return kcapd_http_post(&t, obj, cfg->retries, cfg->retrydelay, where,
			       wherelen, err);
}

void kcapd_deliver(const struct kcapd_config *cfg,
		   const struct kcapd_request *req, const char *key, int fd,
		   uint64_t size, const char *interfaces, json_t *result)
{
	char alertid[32], where[KCAPD_PATH_MAX];
	struct kcapd_object obj = {
		.key = key, .fd = fd, .size = size, .node = cfg->node,
		.tags = req->tags, .customer = req->customer,
		.alertid = req->has_alertid ? alertid : NULL,
		.interfaces = interfaces,
		.content_type = cfg->format == KCAP_FORMAT_PCAPNG ?
				"application/x-pcapng" :
				"application/vnd.tcpdump.pcap",
	};
	bool failed = false, any = false;
	struct kcapd_err err;

	snprintf(alertid, sizeof(alertid), "%lld", (long long)req->alertid);
	if (cfg->writelocal) {
		any = true;
		if (!kcapd_copy_into(cfg->localdir, key, fd, size, where,
				     sizeof(where), &err)) {
			kcapd_delivered(result, "local", where);
		} else {
			kcapd_failed(result, "local", &err);
			failed = true;
		}
	}
	if (cfg->s3_upload) {
		any = true;
		if (!kcapd_to_s3(cfg, req, &obj, where, sizeof(where), &err)) {
			kcapd_delivered(result, "s3", where);
		} else {
			kcapd_failed(result, "s3", &err);
			failed = true;
		}
	}
	if (cfg->cs_upload) {
		any = true;
		if (!kcapd_to_cloudshark(cfg, req, &obj, where, sizeof(where),
					 &err)) {
			kcapd_delivered(result, "http", where);
		} else {
			kcapd_failed(result, "http", &err);
			failed = true;
		}
	}
	if (!failed && any)
		return;
	/* Kept where the operator finds it, and said so. */
	if (!kcapd_copy_into(cfg->spooldir, key, fd, size, where,
			     sizeof(where), &err)) {
		json_object_set_new(result, "spooled",
				    kcapd_json_text(where, strlen(where)));
		kcapd_log(LOG_NOTICE, "%s kept in %s", key, where);
	} else {
		kcapd_failed(result, "spool", &err);
	}
}
