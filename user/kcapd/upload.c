// SPDX-License-Identifier: GPL-2.0
/*
 * kcapd: a finished capture to S3 (a path-style PUT, signed with AWS
 * Signature V4 by libcurl) or to a Cloudshark-style endpoint (a
 * multipart/form-data POST built with curl_mime), retried with a doubling
 * delay.
 *
 * The file is streamed with pread() from the object's fd: it is never held
 * in memory, and two uploads of one file at once (S3 and Cloudshark, from
 * two threads) do not share a file offset.  Everything a call uses is its
 * own (easy handle, header list, form), so calls may run in several threads
 * once kcapd_upload_init() has run.
 *
 * In kcapd, uploads also watch the daemon's stopping flag
 * (kcapd_upload_watch()): once it is set they retry no more, a wait
 * before a retry ends at once, and an attempt that goes on past
 * KCAPD_STOP_GRACE seconds is given up, so that a stopping kcapd spools
 * the file and exits within systemd's stop timeout.
 */

#include <curl/curl.h>
#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"

/* CURLOPT_PROTOCOLS_STR; CURLOPT_AWS_SIGV4 came in 7.75. */
#if LIBCURL_VERSION_NUM < 0x075500
#error "kcapd needs libcurl 7.85 or later"
#endif

#define UPLOAD_CONNECT_TIMEOUT	10L	/* s to connect */
/* No total timeout, a capture may be large: a transfer below this many
 * bytes/s for this many seconds is given up. */
#define UPLOAD_LOW_SPEED	1024L
#define UPLOAD_LOW_SPEED_TIME	60L
#define UPLOAD_REPLY_MAX	1024	/* bytes of a reply kept */
#define UPLOAD_EXCERPT		200	/* bytes of it in an error line */
#define UPLOAD_DELAY_MAX	3600	/* s, the longest wait between attempts */
#define UPLOAD_WAIT_SLICE_MS	100	/* a wait looks at stopping this often */

/* The file being sent, read from off with pread(). */
struct upload_src {
	int		fd;
	uint64_t	size;
	uint64_t	off;
	int		err;	/* errno of a failed read, or EIO: ended early */
};

/* The start of the server's reply. */
struct upload_reply {
	char	body[UPLOAD_REPLY_MAX + 1];
	size_t	len;
};

/* One upload: the handle is set up once and performed for each attempt. */
struct upload {
	const char		*what;	/* "s3 PUT", "http POST" */
	char			*shown;	/* the URL as error lines show it */
	CURL			*curl;
	struct upload_src	src;
	struct upload_reply	reply;
	char			errbuf[CURL_ERROR_SIZE];
	bool			given_up;	/* stopping: the attempt aborted */
};

/* The daemon's stopping flag (NULL: none, a tool), and when an upload
 * first saw it set (ms of CLOCK_MONOTONIC, 0: not yet). */
static _Atomic(const atomic_bool *) upload_stopping;
static _Atomic uint64_t upload_stop_ms;

void kcapd_upload_watch(const atomic_bool *stopping)
{
	atomic_store(&upload_stopping, stopping);
}

static uint64_t upload_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Is the daemon stopping?  The first upload to see it notes when. */
static bool upload_stopped(void)
{
	const atomic_bool *stopping = atomic_load(&upload_stopping);
	uint64_t none = 0;

	if (!stopping || !atomic_load(stopping))
		return false;
	atomic_compare_exchange_strong(&upload_stop_ms, &none,
				       upload_now_ms());
	return true;
}

/* Has the daemon been stopping for longer than KCAPD_STOP_GRACE? */
static bool upload_past_grace(void)
{
	return upload_stopped() &&
	       upload_now_ms() - atomic_load(&upload_stop_ms) >=
	       KCAPD_STOP_GRACE * 1000ULL;
}

int kcapd_upload_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void kcapd_upload_exit(void)
{
	curl_global_cleanup();
}

static int upload_fail(struct kcapd_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static char *upload_strf(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));

static int upload_fail(struct kcapd_err *err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

/* printf to a malloc'd string; NULL: out of memory. */
static char *upload_strf(const char *fmt, ...)
{
	char *s = NULL;
	size_t len;
	va_list ap;
	FILE *f;

	f = open_memstream(&s, &len);
	if (!f)
		return NULL;
	va_start(ap, fmt);
	vfprintf(f, fmt, ap);
	va_end(ap);
	if (fclose(f)) {
		free(s);
		return NULL;
	}
	return s;
}

/* CURLOPT_READFUNCTION and curl_mime_data_cb()'s: the next bytes. */
static size_t upload_read(char *buf, size_t size, size_t nitems, void *arg)
{
	struct upload_src *s = arg;
	size_t want = size * nitems;
	ssize_t n;

	if (s->off >= s->size)
		return 0;
	if (want > s->size - s->off)
		want = s->size - s->off;
	do {
		n = pread(s->fd, buf, want, s->off);
	} while (n < 0 && errno == EINTR);
	if (n <= 0) {
		/* A file shorter than its size would leave the server waiting. */
		s->err = n < 0 ? errno : EIO;
		return CURL_READFUNC_ABORT;
	}
	s->off += n;
	return n;
}

/* Where curl rewinds (a retried request, a 417 to Expect: 100-continue). */
static int upload_seek(void *arg, curl_off_t offset, int origin)
{
	struct upload_src *s = arg;

	if (origin != SEEK_SET || offset < 0 || (uint64_t)offset > s->size)
		return CURL_SEEKFUNC_FAIL;
	s->off = offset;
	return CURL_SEEKFUNC_OK;
}

/* Keep the start of the reply, for an error line or Cloudshark's id. */
static size_t upload_write(char *data, size_t size, size_t nmemb, void *arg)
{
	struct upload_reply *r = arg;
	size_t n = size * nmemb, room = UPLOAD_REPLY_MAX - r->len;

	memcpy(r->body + r->len, data, n < room ? n : room);
	r->len += n < room ? n : room;
	r->body[r->len] = '\0';
	return n;
}

/* The start of a reply on one line: control characters become spaces. */
static void upload_excerpt(const struct upload_reply *r, char *out,
			   size_t outlen)
{
	size_t i, n = r->len < UPLOAD_EXCERPT ? r->len : UPLOAD_EXCERPT;

	if (n >= outlen)
		n = outlen - 1;
	for (i = 0; i < n; i++) {
		unsigned char c = r->body[i];

		out[i] = c < 0x20 || c == 0x7f ? ' ' : c;
	}
	while (i > 0 && out[i - 1] == ' ')
		i--;
	out[i] = '\0';
}

/*
 * CURLOPT_XFERINFOFUNCTION: called often during an attempt, and about once
 * a second when nothing moves: a non-zero return aborts it.
 */
static int upload_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
			   curl_off_t ultotal, curl_off_t ulnow)
{
	struct upload *u = arg;

	(void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
	if (!upload_past_grace())
		return 0;
	u->given_up = true;
	return 1;
}

/* The handle, with what every upload has; the caller adds its method's. */
static int upload_setup(struct upload *u, const struct kcapd_object *obj,
			struct kcapd_err *err)
{
	char agent[64];

	u->src.fd = obj->fd;
	u->src.size = obj->size;
	u->curl = curl_easy_init();
	if (!u->curl)
		return upload_fail(err, "%s: cannot make a curl handle", u->what);
	snprintf(agent, sizeof(agent), "kcapd/%s", kcap_version());
	curl_easy_setopt(u->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(u->curl, CURLOPT_USERAGENT, agent);
	/* Signals are the daemon's, and several threads may be in here. */
	curl_easy_setopt(u->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(u->curl, CURLOPT_CONNECTTIMEOUT, UPLOAD_CONNECT_TIMEOUT);
	curl_easy_setopt(u->curl, CURLOPT_LOW_SPEED_LIMIT, UPLOAD_LOW_SPEED);
	curl_easy_setopt(u->curl, CURLOPT_LOW_SPEED_TIME, UPLOAD_LOW_SPEED_TIME);
	curl_easy_setopt(u->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(u->curl, CURLOPT_ERRORBUFFER, u->errbuf);
	curl_easy_setopt(u->curl, CURLOPT_WRITEFUNCTION, upload_write);
	curl_easy_setopt(u->curl, CURLOPT_WRITEDATA, &u->reply);
	curl_easy_setopt(u->curl, CURLOPT_XFERINFOFUNCTION, upload_progress);
	curl_easy_setopt(u->curl, CURLOPT_XFERINFODATA, u);
	curl_easy_setopt(u->curl, CURLOPT_NOPROGRESS, 0L);
	return 0;
}

/* One attempt: 0 on a 2xx status, else -1 with @err saying why. */
static int upload_attempt(struct upload *u, struct kcapd_err *err)
{
	char excerpt[UPLOAD_EXCERPT + 1];
	CURLcode rc;
	long status = 0;

	u->src.off = 0;
	u->src.err = 0;
	u->reply.len = 0;
	u->reply.body[0] = '\0';
	u->errbuf[0] = '\0';
	rc = curl_easy_perform(u->curl);
	if (u->src.err) {
		char buf[128];

		if (strerror_r(u->src.err, buf, sizeof(buf)))
			snprintf(buf, sizeof(buf), "error %d", u->src.err);
		return upload_fail(err, "%s %s: reading the file: %s", u->what,
				   u->shown, u->src.err == EIO ?
				   "shorter than its size, or I/O error" : buf);
	}
	if (rc == CURLE_ABORTED_BY_CALLBACK && u->given_up)
		return upload_fail(err, "%s %s: given up, kcapd has been stopping for %d s",
				   u->what, u->shown, KCAPD_STOP_GRACE);
	if (rc != CURLE_OK)
		return upload_fail(err, "%s %s: %s", u->what, u->shown,
				   u->errbuf[0] ? u->errbuf : curl_easy_strerror(rc));
	curl_easy_getinfo(u->curl, CURLINFO_RESPONSE_CODE, &status);
	if (status >= 200 && status < 300)
		return 0;
	upload_excerpt(&u->reply, excerpt, sizeof(excerpt));
	return upload_fail(err, "%s %s: HTTP %ld%s%s", u->what, u->shown,
			   status, excerpt[0] ? ": " : "", excerpt);
}

/*
 * Sleep @s seconds, whatever signals interrupt, in slices: false, or true
 * as soon as the daemon is stopping.
 */
static bool upload_sleep(uint64_t s)
{
	uint64_t end = upload_now_ms() + s * 1000, now;
	struct timespec ts;

	while (!upload_stopped()) {
		now = upload_now_ms();
		if (now >= end)
			return false;
		now = end - now < UPLOAD_WAIT_SLICE_MS ? end - now :
						       UPLOAD_WAIT_SLICE_MS;
		ts = (struct timespec){ .tv_nsec = (long)now * 1000000 };
		nanosleep(&ts, NULL);	/* EINTR: the loop sees to it */
	}
	return true;
}

/* End @err's line with @note, cutting the line if need be. */
static void upload_note(struct kcapd_err *err, const char *note)
{
	size_t len = strlen(err->msg), n = strlen(note);

	if (len + n >= sizeof(err->msg))
		len = sizeof(err->msg) - 1 - n;
	memcpy(err->msg + len, note, n + 1);
}

/*
 * 1 + @retries attempts, @delay_s seconds before the first retry, doubled
 * before each next one (at most UPLOAD_DELAY_MAX).  Every failure is
 * retried, a 4xx too: a bucket created late, a token fixed, a clock put
 * right are worth the next attempt.  But not once the daemon is stopping
 * (kcapd_upload_watch()), which also ends a wait at once.  @err holds the
 * last attempt's error.
 */
static int upload_run(struct upload *u, uint32_t retries, uint32_t delay_s,
		      struct kcapd_err *err)
{
	uint64_t delay = delay_s < UPLOAD_DELAY_MAX ? delay_s : UPLOAD_DELAY_MAX;
	uint32_t i;

	for (i = 0;; i++) {
		if (!upload_attempt(u, err))
			return 0;
		if (u->given_up)
			return -1;
		if (i == retries)
			return -1;
		if (upload_stopped() || upload_sleep(delay)) {
			upload_note(err, retries - i == 1 ?
				    "; its retry not made: kcapd is stopping" :
				    "; its retries not made: kcapd is stopping");
			return -1;
		}
		delay = delay * 2 > UPLOAD_DELAY_MAX ? UPLOAD_DELAY_MAX : delay * 2;
	}
}

static void upload_free(struct upload *u)
{
	curl_easy_cleanup(u->curl);
	free(u->shown);
}

/* S3 ---------------------------------------------------------------- */

/*
 * Header values must not end the header or start another: control
 * characters are refused.  Other bytes go as they are, but for the
 * metadata (below).
 */
static bool s3_header_safe(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v < 0x20 || *v == 0x7f)
			return false;
	return true;
}

static bool s3_ascii(const char *v)
{
	for (; *v; v++)
		if ((unsigned char)*v >= 0x80)
			return false;
	return true;
}

/*
 * "x-amz-meta-NAME: VALUE".  S3 takes US-ASCII metadata as it is; other
 * text it wants RFC 2047-encoded (it stores it decoded), which is also
 * what keeps the signature the same on both sides.  UTF-8 is assumed: the
 * values come from JSON.
 */
static char *s3_meta_header(const char *name, const char *value)
{
	char *h = NULL;
	size_t len;
	FILE *f;

	if (s3_ascii(value))
		return upload_strf("x-amz-meta-%s: %s", name, value);
	f = open_memstream(&h, &len);
	if (!f)
		return NULL;
	fprintf(f, "x-amz-meta-%s: =?UTF-8?Q?", name);
	for (; *value; value++) {
		unsigned char c = *value;

		if (c == ' ')
			fputc('_', f);
		else if (c < 0x80 && c != '=' && c != '?' && c != '_')
			fputc(c, f);
		else
			fprintf(f, "=%02X", c);
	}
	fputs("?=", f);
	if (fclose(f)) {
		free(h);
		return NULL;
	}
	return h;
}

static int s3_add(struct curl_slist **hdrs, char *h)
{
	struct curl_slist *l;

	if (!h)
		return -1;
	l = curl_slist_append(*hdrs, h);
	free(h);
	if (!l)
		return -1;
	*hdrs = l;
	return 0;
}

/*
 * The request's own headers; libcurl signs them all (with Host and
 * X-Amz-Date).  curl 7.88 signs exactly CURLOPT_HTTPHEADER's lines, so
 * none may be a "Name:" that removes one of curl's headers (it would be
 * signed but not sent), and it does not add x-amz-content-sha256, which S3
 * requires with SigV4: it is set here, UNSIGNED-PAYLOAD, since the file is
 * streamed, not read twice.  0, -1 with @err filled.
 */
static int s3_headers(const struct kcapd_s3_target *t,
		      const struct kcapd_object *obj, const char *shown,
		      struct curl_slist **hdrs, struct kcapd_err *err)
{
	const struct { const char *name, *value; } meta[] = {
		{ "node", obj->node },
		{ "tags", obj->tags },
		{ "customer", obj->customer },
		{ "alertid", obj->alertid },
		{ "interfaces", obj->interfaces },
	};
	const char *type = obj->content_type ? obj->content_type :
			   "application/octet-stream";
	size_t i;
	int rc;

	if (!s3_header_safe(type) || (t->acl && !s3_header_safe(t->acl)))
		return upload_fail(err, "s3 PUT %s: a control character in the %s",
				   shown, s3_header_safe(type) ? "acl" : "content type");
	for (i = 0; i < sizeof(meta) / sizeof(meta[0]); i++)
		if (meta[i].value && !s3_header_safe(meta[i].value))
			return upload_fail(err, "s3 PUT %s: a control character in the metadata %s",
					   shown, meta[i].name);
	rc = s3_add(hdrs, upload_strf("Content-Type: %s", type));
	if (!rc)
		rc = s3_add(hdrs, upload_strf("x-amz-content-sha256: UNSIGNED-PAYLOAD"));
	if (!rc && t->acl && *t->acl)
		rc = s3_add(hdrs, upload_strf("x-amz-acl: %s", t->acl));
	if (!rc && t->encryption)
		rc = s3_add(hdrs, upload_strf("x-amz-server-side-encryption: AES256"));
	for (i = 0; !rc && i < sizeof(meta) / sizeof(meta[0]); i++)
		if (meta[i].value && *meta[i].value)
			rc = s3_add(hdrs, s3_meta_header(meta[i].name, meta[i].value));
	return rc ? upload_fail(err, "s3 PUT %s: out of memory", shown) : 0;
}

/*
 * Append @s to @f, each '/'-separated segment URI-encoded as S3's
 * canonical URI has it: curl_easy_escape() leaves only A-Z a-z 0-9 - . _ ~
 * and writes upper-case hex.  (curl's URL API with CURLU_URLENCODE writes
 * lower-case hex, which S3 would sign differently.)
 */
static int s3_path(FILE *f, CURL *curl, const char *s)
{
	size_t n;
	char *e;

	for (;;) {
		n = strcspn(s, "/");
		/* (a length of 0 would make curl escape up to the NUL) */
		if (n) {
			e = curl_easy_escape(curl, s, n);
			if (!e)
				return -1;
			fputs(e, f);
			curl_free(e);
		}
		if (!s[n])
			return 0;
		fputc('/', f);
		s += n + 1;
	}
}

/* SCHEME://ENDPOINT/BUCKET/[FOLDER/]KEY, malloc'd; NULL: out of memory. */
static char *s3_url(const struct kcapd_s3_target *t, const char *key,
		    CURL *curl)
{
	const char *folder = t->folder ? t->folder : "";
	size_t len;
	char *url = NULL;
	FILE *f;
	int rc;

	f = open_memstream(&url, &len);
	if (!f)
		return NULL;
	fprintf(f, "%s://%s/", t->scheme, t->endpoint);
	rc = s3_path(f, curl, t->bucket);
	/* "pcaps/", "/pcaps" and "pcaps" are one folder. */
	folder += strspn(folder, "/");
	len = strlen(folder);
	while (len && folder[len - 1] == '/')
		len--;
	if (!rc && len) {
		char *dir = strndup(folder, len);

		fputc('/', f);
		rc = dir ? s3_path(f, curl, dir) : -1;
		free(dir);
	}
	fputc('/', f);
	if (!rc)
		rc = s3_path(f, curl, key);
	if (fclose(f) || rc) {
		free(url);
		return NULL;
	}
	return url;
}

/*
 * A "." or ".." segment: curl (or a proxy) would resolve it away, and the
 * object land elsewhere, in another bucket even.
 */
static bool s3_dot_segment(const char *s)
{
	size_t n;

	while (*s) {
		n = strcspn(s, "/");
		if ((n == 1 && s[0] == '.') || (n == 2 && !strncmp(s, "..", 2)))
			return true;
		s += n + (s[n] == '/');
	}
	return false;
}

/* The target's parts that go into the URL and the signature. */
static const char *s3_target_invalid(const struct kcapd_s3_target *t,
				     const struct kcapd_object *obj)
{
	if (!t->scheme || (strcmp(t->scheme, "http") && strcmp(t->scheme, "https")))
		return "the scheme is not http or https";
	if (!t->endpoint || !*t->endpoint ||
	    t->endpoint[strcspn(t->endpoint, "/?#@ ")] ||
	    !s3_header_safe(t->endpoint))
		return "the endpoint is not host[:port]";
	if (!t->bucket || !*t->bucket || strchr(t->bucket, '/') ||
	    s3_dot_segment(t->bucket))
		return "no bucket, or a '/' in it, or it is . or ..";
	/* curl reads "aws:amz:REGION:s3" with sscanf("%64[^:]"). */
	if (!t->region || !*t->region || strlen(t->region) > 64 ||
	    t->region[strcspn(t->region, ": \t")] || !s3_header_safe(t->region))
		return "the region is empty, too long or has a ':' or a blank";
	if (!obj->key || !*obj->key)
		return "the object has no key";
	if ((t->folder && s3_dot_segment(t->folder)) || s3_dot_segment(obj->key))
		return "a . or .. in the folder or the key";
	return NULL;
}

/* The credentials: the target's, else the environment's, as AWS tools do. */
static void s3_credentials(const struct kcapd_s3_target *t, const char **id,
			   const char **key)
{
	*id = t->accessid ? t->accessid : getenv("AWS_ACCESS_KEY_ID");
	*key = t->accesskey ? t->accesskey : getenv("AWS_SECRET_ACCESS_KEY");
}

static int s3_setup(struct upload *u, const struct kcapd_s3_target *t,
		    const struct kcapd_object *obj, struct curl_slist **hdrs,
		    struct kcapd_err *err)
{
	const char *bad = s3_target_invalid(t, obj), *id, *key;
	char sigv4[100];

	if (bad)
		return upload_fail(err, "s3 PUT to bucket %s: %s",
				   t->bucket ? t->bucket : "(none)", bad);
	s3_credentials(t, &id, &key);
	if (!id || !key)
		return upload_fail(err, "s3 PUT to bucket %s: no credentials (accessid and accesskey, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)",
				   t->bucket);
	if (upload_setup(u, obj, err))
		return -1;
	u->shown = s3_url(t, obj->key, u->curl);
	if (!u->shown)
		return upload_fail(err, "s3 PUT to bucket %s: out of memory",
				   t->bucket);
	if (s3_headers(t, obj, u->shown, hdrs, err))
		return -1;
	curl_easy_setopt(u->curl, CURLOPT_URL, u->shown);
	snprintf(sigv4, sizeof(sigv4), "aws:amz:%s:s3", t->region);
	curl_easy_setopt(u->curl, CURLOPT_AWS_SIGV4, sigv4);
	curl_easy_setopt(u->curl, CURLOPT_USERNAME, id);
	curl_easy_setopt(u->curl, CURLOPT_PASSWORD, key);
	curl_easy_setopt(u->curl, CURLOPT_HTTPHEADER, *hdrs);
	curl_easy_setopt(u->curl, CURLOPT_UPLOAD, 1L);
	curl_easy_setopt(u->curl, CURLOPT_INFILESIZE_LARGE,
			 (curl_off_t)obj->size);
	curl_easy_setopt(u->curl, CURLOPT_READFUNCTION, upload_read);
	curl_easy_setopt(u->curl, CURLOPT_READDATA, &u->src);
	curl_easy_setopt(u->curl, CURLOPT_SEEKFUNCTION, upload_seek);
	curl_easy_setopt(u->curl, CURLOPT_SEEKDATA, &u->src);
	return 0;
}

int kcapd_s3_put(const struct kcapd_s3_target *t,
		 const struct kcapd_object *obj, uint32_t retries,
		 uint32_t delay_s, char *where, size_t wherelen,
		 struct kcapd_err *err)
{
	struct upload u = { .what = "s3 PUT" };
	struct curl_slist *hdrs = NULL;
	int rc;

	rc = s3_setup(&u, t, obj, &hdrs, err);
	if (!rc)
		rc = upload_run(&u, retries, delay_s, err);
	if (!rc && where && wherelen)
		snprintf(where, wherelen, "%s", u.shown);
	upload_free(&u);
	curl_slist_free_all(hdrs);
	return rc;
}

/* HTTP (Cloudshark) -------------------------------------------------- */

/* @url with the token in it hidden, for error lines and logs; malloc'd. */
static char *http_hide_token(const char *url, const char *token)
{
	size_t n = token ? strlen(token) : 0, len;
	const char *p;
	char *out = NULL;
	FILE *f;

	f = open_memstream(&out, &len);
	if (!f)
		return NULL;
	while (n && (p = strstr(url, token))) {
		fprintf(f, "%.*sTOKEN", (int)(p - url), url);
		url = p + n;
	}
	fputs(url, f);
	if (fclose(f)) {
		free(out);
		return NULL;
	}
	return out;
}

/*
 * Cloudshark answers {"filename": "...", "id": "f27d1494400c"}, and the
 * capture is then at the API's base + /captures/ID.  The id, or NULL.
 */
static char *http_capture_id(const char *body)
{
	const char *p = strstr(body, "\"id\"");
	size_t n;

	if (!p)
		return NULL;
	p += strlen("\"id\"");
	p += strspn(p, " \t\r\n");
	if (*p++ != ':')
		return NULL;
	p += strspn(p, " \t\r\n");
	if (*p++ != '"')
		return NULL;
	n = strspn(p, "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_");
	return n && p[n] == '"' ? strndup(p, n) : NULL;
}

/* Where the upload is: the capture's page when Cloudshark names it. */
static void http_where(const struct upload *u, const char *url, char *where,
		       size_t wherelen)
{
	char *id = http_capture_id(u->reply.body), *path = NULL, *base = NULL;
	CURLU *h = curl_url();

	snprintf(where, wherelen, "%s", u->shown);
	if (id && h && !curl_url_set(h, CURLUPART_URL, url, 0) &&
	    !curl_url_get(h, CURLUPART_PATH, &path, 0)) {
		char *api = strstr(path, "/api/v1/"), *page = NULL;

		if (api) {
			*api = '\0';
			page = upload_strf("%s/captures/%s", path, id);
		}
		if (page) {
			if (!curl_url_set(h, CURLUPART_PATH, page, 0) &&
			    !curl_url_set(h, CURLUPART_QUERY, NULL, 0) &&
			    !curl_url_get(h, CURLUPART_URL, &base, 0))
				snprintf(where, wherelen, "%s", base);
			free(page);
		}
	}
	curl_free(base);
	curl_free(path);
	curl_url_cleanup(h);
	free(id);
}

/* A form field of text. */
static int http_field(curl_mime *mime, const char *name, const char *value)
{
	curl_mimepart *p = curl_mime_addpart(mime);

	if (!p || curl_mime_name(p, name) ||
	    curl_mime_data(p, value, CURL_ZERO_TERMINATED))
		return -1;
	return 0;
}

/*
 * The form: "file" (the capture, streamed), "filename" (Cloudshark names
 * the capture after it, else after the client and the time) and
 * "additional_tags" when there are tags.
 */
static int http_form(struct upload *u, const struct kcapd_http_target *t,
		     const struct kcapd_object *obj, curl_mime **mime)
{
	curl_mimepart *p;

	*mime = curl_mime_init(u->curl);
	p = *mime ? curl_mime_addpart(*mime) : NULL;
	if (!p || curl_mime_name(p, "file") ||
	    curl_mime_filename(p, obj->key) ||
	    curl_mime_type(p, obj->content_type ? obj->content_type :
			   "application/octet-stream") ||
	    curl_mime_data_cb(p, obj->size, upload_read, upload_seek, NULL,
			      &u->src))
		return -1;
	if (http_field(*mime, "filename", obj->key))
		return -1;
	if (t->tags && *t->tags && http_field(*mime, "additional_tags", t->tags))
		return -1;
	return 0;
}

/*
 * Cloudshark's API takes the token in the URL only
 * (POST /api/v1/TOKEN/upload): nothing else carries it.  @t->token is
 * what error lines hide.
 */
static int http_setup(struct upload *u, const struct kcapd_http_target *t,
		      const struct kcapd_object *obj, curl_mime **mime,
		      struct kcapd_err *err)
{
	if (!t->url || !*t->url)
		return upload_fail(err, "http POST: no URL");
	u->shown = http_hide_token(t->url, t->token);
	if (!u->shown)
		return upload_fail(err, "http POST: out of memory");
	if (!obj->key || !*obj->key)
		return upload_fail(err, "http POST %s: the object has no key",
				   u->shown);
	if (upload_setup(u, obj, err))
		return -1;
	curl_easy_setopt(u->curl, CURLOPT_URL, t->url);
	if (http_form(u, t, obj, mime))
		return upload_fail(err, "http POST %s: cannot build the form",
				   u->shown);
	curl_easy_setopt(u->curl, CURLOPT_MIMEPOST, *mime);
	return 0;
}

int kcapd_http_post(const struct kcapd_http_target *t,
		    const struct kcapd_object *obj, uint32_t retries,
		    uint32_t delay_s, char *where, size_t wherelen,
		    struct kcapd_err *err)
{
	struct upload u = { .what = "http POST" };
	curl_mime *mime = NULL;
	int rc;

	rc = http_setup(&u, t, obj, &mime, err);
	if (!rc)
		rc = upload_run(&u, retries, delay_s, err);
	if (!rc && where && wherelen)
		http_where(&u, t->url, where, wherelen);
	curl_mime_free(mime);
	upload_free(&u);
	return rc;
}
