// SPDX-License-Identifier: GPL-2.0
/*
 * kcapd(8): delivering a finished capture file, to each place the
 * configuration enables at once: the local directory (writelocal), S3
 * (s3.upload) and a Cloudshark-style endpoint (cloudshark.upload).
 *
 * A file is written under a hidden temporary name in the directory it is
 * for and renamed when whole, so that the final name never holds part of
 * a capture, and no file is ever replaced: a name taken already (a
 * capture of an earlier kcapd in the same second) gets a suffix, -2,
 * -3...  When a delivery still fails after its retries, or none is
 * enabled, the file is kept in the spool directory (a spool file renamed
 * there, not copied) and the result says where: nothing captured is lost
 * silently.
 */

#define _GNU_SOURCE	/* renameat2() */
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

#define KCAPD_SUFFIX_MAX	100	/* KEY, KEY-2 ... KEY-100 tried */

/* @dir/@key, or with @n > 1 @dir/STEM-N.EXT: 0, or -1 if too long. */
static int kcapd_name_in(char *path, size_t pathlen, const char *dir,
			 const char *key, unsigned int n)
{
	const char *ext = strrchr(key, '.');
	int len;

	if (!ext || ext == key)
		ext = key + strlen(key);
	if (n < 2)
		len = snprintf(path, pathlen, "%s/%s", dir, key);
	else
		len = snprintf(path, pathlen, "%s/%.*s-%u%s", dir,
			       (int)(ext - key), key, n, ext);
	return len < 0 || (size_t)len >= pathlen ? -1 : 0;
}

/* rename(2) that never replaces @to: -1 with errno EEXIST if it is there. */
static int kcapd_rename_noreplace(const char *from, const char *to)
{
	if (!renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE))
		return 0;
	if (errno != EINVAL && errno != ENOSYS)
		return -1;
	/* A file system without RENAME_NOREPLACE: link(2) replaces nothing. */
	if (link(from, to))
		return -1;
	if (unlink(from))
		kcapd_log(LOG_WARNING, "cannot remove %s (now %s too): %s",
			  from, to, strerror(errno));
	return 0;
}

/*
 * Give @from, a whole file in @dir, its final name: @dir/@key, or the
 * first of @dir/STEM-2.EXT... that is free, so that no file is ever
 * replaced (a capture of an earlier kcapd, in the same second).  @path
 * gets the name.  0, or -1 with @err filled and @from left as it was.
 */
static int kcapd_place(const char *from, const char *dir, const char *key,
		       char *path, size_t pathlen, struct kcapd_err *err)
{
	unsigned int n;

	for (n = 1; n <= KCAPD_SUFFIX_MAX; n++) {
		if (kcapd_name_in(path, pathlen, dir, key, n)) {
			snprintf(err->msg, sizeof(err->msg),
				 "%.200s/%.200s: name too long", dir, key);
			return -1;
		}
		if (!kcapd_rename_noreplace(from, path)) {
			if (n > 1)
				kcapd_log(LOG_WARNING, "%s/%s exists already: not replaced, this capture is %s",
					  dir, key, path);
			return 0;
		}
		if (errno != EEXIST) {
			snprintf(err->msg, sizeof(err->msg),
				 "renaming %.200s to %.200s: %s", from, path,
				 strerror(errno));
			return -1;
		}
	}
	snprintf(err->msg, sizeof(err->msg),
		 "%.200s/%.200s and %u more with a -N suffix exist already: none replaced",
		 dir, key, KCAPD_SUFFIX_MAX - 1);
	return -1;
}

/*
 * Copy @f into @dir, whole or not at all: into a hidden temporary file,
 * synced, then given its final name (kcapd_place()) in @path.  0, or -1
 * with @err filled and nothing left behind.
 */
static int kcapd_copy_into(const char *dir, const struct kcapd_file *f,
			   char *path, size_t pathlen, struct kcapd_err *err)
{
	char tmp[KCAPD_PATH_MAX], buf[65536];
	uint64_t off = 0;
	ssize_t n, w, done;
	int out;

	if (snprintf(tmp, sizeof(tmp), "%s/.%s.partial", dir, f->key) >=
	    (int)sizeof(tmp)) {
		snprintf(err->msg, sizeof(err->msg), "%.200s/%.200s: name too long",
			 dir, f->key);
		return -1;
	}
	out = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (out < 0) {
		snprintf(err->msg, sizeof(err->msg), "creating %.400s: %s",
			 tmp, strerror(errno));
		return -1;
	}
	while (off < f->size) {
		n = pread(f->fd, buf, f->size - off < sizeof(buf) ?
			  (size_t)(f->size - off) : sizeof(buf), (off_t)off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err->msg, sizeof(err->msg),
				 "reading the capture %.400s: %s",
				 f->spool ? f->spool : "(in memory)",
				 n ? strerror(errno) :
				 "it ended before its size");
			goto fail;
		}
		/* A short write is followed by one that says why. */
		for (done = 0; done < n; done += w) {
			w = write(out, buf + done, (size_t)(n - done));
			if (w < 0 && errno == EINTR) {
				w = 0;
				continue;
			}
			if (w <= 0) {
				snprintf(err->msg, sizeof(err->msg),
					 "writing %.400s: %s", tmp,
					 w ? strerror(errno) :
					 "nothing written");
				goto fail;
			}
		}
		off += (uint64_t)n;
	}
	if (fsync(out)) {
		snprintf(err->msg, sizeof(err->msg), "syncing %.400s: %s", tmp,
			 strerror(errno));
		goto fail;
	}
	w = close(out);
	out = -1;	/* closed, even when close() fails */
	if (w) {
		snprintf(err->msg, sizeof(err->msg), "closing %.400s: %s", tmp,
			 strerror(errno));
		goto fail;
	}
	if (kcapd_place(tmp, dir, f->key, path, pathlen, err))
		goto fail;
	return 0;
fail:
	if (out >= 0)
		close(out);
	unlink(tmp);
	return -1;
}

static void kcapd_delivered(json_t *result, const char *to, const char *where)
{
	json_t *d = json_object();

	json_object_set_new(d, "to", json_string(to));
	json_object_set_new(d, "where", kcapd_json_str(where));
	json_array_append_new(json_object_get(result, "delivered"), d);
}

static void kcapd_failed(json_t *result, const char *what,
			 const struct kcapd_err *err)
{
	char line[sizeof(err->msg) + 64];

	snprintf(line, sizeof(line), "%s: %s", what, err->msg);
	kcapd_log(LOG_ERR, "%s", line);
	kcapd_result_error(result, line);
}

/*
 * How delivering to @to went, in @result: @rc 0, it is at @where; else
 * @err says why, and true is returned.
 */
static bool kcapd_outcome(json_t *result, const char *to, int rc,
			  const char *where, const struct kcapd_err *err)
{
	if (rc) {
		kcapd_failed(result, to, err);
		return true;
	}
	kcapd_delivered(result, to, where);
	return false;
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

/*
 * Keep @f in the spool: its spool file renamed to its final name there,
 * or the memory file copied.  A spool file that cannot be renamed stays
 * as it is (.KEY.recording): kcapd keeps it under its name when it starts
 * again.  Return: true when @f->spool was kept.
 */
static bool kcapd_to_spool(const struct kcapd_config *cfg,
			   const struct kcapd_file *f, json_t *result)
{
	char where[KCAPD_PATH_MAX];
	struct kcapd_err err;

	if (f->spool) {
		if (!kcapd_place(f->spool, cfg->spooldir, f->key, where,
				 sizeof(where), &err))
			goto kept;
		/* (the same directory: a copy would fail as the rename did) */
		snprintf(err.msg + strlen(err.msg),
			 sizeof(err.msg) - strlen(err.msg),
			 "; left as %s, kept under its name when kcapd starts again",
			 f->spool);
		kcapd_failed(result, "spool", &err);
		kcapd_result_spooled(result, f->spool);
		return true;
	}
	if (kcapd_copy_into(cfg->spooldir, f, where, sizeof(where), &err)) {
		snprintf(err.msg + strlen(err.msg),
			 sizeof(err.msg) - strlen(err.msg),
			 "; the capture %s is lost", f->key);
		kcapd_failed(result, "spool", &err);
		return false;
	}
kept:
	kcapd_result_spooled(result, where);
	kcapd_log(LOG_NOTICE, "%s kept in %s", f->key, where);
	return f->spool != NULL;
}

bool kcapd_deliver(const struct kcapd_config *cfg,
		   const struct kcapd_request *req, const struct kcapd_file *f,
		   json_t *result)
{
	char alertid[32], where[KCAPD_PATH_MAX];
	struct kcapd_object obj = {
		.key = f->key, .fd = f->fd, .size = f->size, .node = cfg->node,
		.tags = req->tags, .customer = req->customer,
		.alertid = req->has_alertid ? alertid : NULL,
		.interfaces = f->interfaces,
		.content_type = cfg->format == KCAP_FORMAT_PCAPNG ?
				"application/x-pcapng" :
				"application/vnd.tcpdump.pcap",
	};
	bool failed = false;
	struct kcapd_err err;
	int rc;

	snprintf(alertid, sizeof(alertid), "%lld", (long long)req->alertid);
	if (cfg->writelocal) {
		rc = kcapd_copy_into(cfg->localdir, f, where, sizeof(where),
				     &err);
		failed |= kcapd_outcome(result, "local", rc, where, &err);
	}
	if (cfg->s3_upload) {
		rc = kcapd_to_s3(cfg, req, &obj, where, sizeof(where), &err);
		failed |= kcapd_outcome(result, "s3", rc, where, &err);
	}
	if (cfg->cs_upload) {
		rc = kcapd_to_cloudshark(cfg, req, &obj, where, sizeof(where),
					 &err);
		failed |= kcapd_outcome(result, "http", rc, where, &err);
	}
	if (!failed && (cfg->writelocal || cfg->s3_upload || cfg->cs_upload))
		return false;
	/* Kept where the operator finds it, and said so. */
	return kcapd_to_spool(cfg, f, result);
}
