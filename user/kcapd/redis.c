// SPDX-License-Identifier: GPL-2.0
/*
 * kcapd(8): Redis, through hiredis in the daemon's own poll loop: one
 * connection subscribed to the trigger channel, one to publish results (a
 * subscribed connection cannot publish).  Each is made again, with a
 * backoff of 1, 2, 4... up to 30 seconds, when Redis goes away; the
 * subscription is made again on the new connection.  TCP keepalives find a
 * Redis that vanished without closing.  Results wait in the daemon's queue
 * while Redis is away (at most KCAPD_RESULTS_MAX, the oldest dropped and
 * logged).  Captures in flight never wait for Redis.
 */

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>

#include <hiredis/hiredis.h>

#include "daemon.h"

#define KCAPD_BACKOFF_MAX_MS	30000
#define KCAPD_CONNECT_S		5	/* to connect, and for a reply */
#define KCAPD_CONNECT_MS	(KCAPD_CONNECT_S * 1000)
#define KCAPD_STR_(x)		#x
#define KCAPD_STR(x)		KCAPD_STR_(x)

struct kcapd_conn {
	redisContext	*c;
	uint64_t	next_ms;	/* when to try connecting again */
	uint32_t	backoff_ms;
	bool		said;		/* the failure was logged */
};

struct kcapd_redis {
	struct kcapd_conn	sub;
	struct kcapd_conn	pub;
};

struct kcapd_redis *kcapd_redis_new(void)
{
	return calloc(1, sizeof(struct kcapd_redis));
}

static void kcapd_conn_drop(struct kcapd_conn *k, const char *what,
			    const char *why)
{
	if (k->c) {
		kcapd_log(LOG_WARNING, "redis %s: %s; connecting again", what,
			  why);
		redisFree(k->c);
		k->c = NULL;
		k->said = true;
	}
	k->backoff_ms = k->backoff_ms ? k->backoff_ms * 2 : 1000;
	if (k->backoff_ms > KCAPD_BACKOFF_MAX_MS)
		k->backoff_ms = KCAPD_BACKOFF_MAX_MS;
	k->next_ms = kcapd_now_ms() + k->backoff_ms;
}

void kcapd_redis_free(struct kcapd_redis *r)
{
	if (!r)
		return;
	if (r->sub.c)
		redisFree(r->sub.c);
	if (r->pub.c)
		redisFree(r->pub.c);
	free(r);
}

/* TCP keepalives every @s seconds, so that a vanished Redis is noticed. */
static void kcapd_keepalive(int fd, uint32_t s)
{
	int one = 1, idle = (int)s, intvl = (int)(s / 3 ? s / 3 : 1), cnt = 3;

	if (!s)
		return;
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

/* One command whose reply must not be an error (AUTH, SUBSCRIBE). */
static int kcapd_command(redisContext *c, char *why, size_t whylen,
			 const char *fmt, const char *arg)
{
	redisReply *reply = redisCommand(c, fmt, arg);
	int err = 0;

	if (!reply) {
		/* hiredis says a timeout as the read's EAGAIN. */
		snprintf(why, whylen, "%s",
			 c->err == REDIS_ERR_IO && !strcmp(c->errstr, strerror(EAGAIN)) ?
			 "no reply within " KCAPD_STR(KCAPD_CONNECT_S) " s" :
			 c->errstr);
		return -1;
	}
	if (reply->type == REDIS_REPLY_ERROR) {
		snprintf(why, whylen, "%s", reply->str);
		err = -1;
	}
	freeReplyObject(reply);
	return err;
}

/* Connect @k if it is due: 0 once connected, -1 not (yet). */
static int kcapd_conn_up(struct kcapd_conn *k, const struct kcapd_config *cfg,
			 const char *what, bool subscribe)
{
	const struct timeval tv = { KCAPD_CONNECT_MS / 1000, 0 };
	char why[256] = "";

	if (k->c)
		return 0;
	if (kcapd_now_ms() < k->next_ms)
		return -1;
	k->c = redisConnectWithTimeout(cfg->redis_host, cfg->redis_port, tv);
	if (!k->c || k->c->err) {
		snprintf(why, sizeof(why), "%s",
			 k->c ? k->c->errstr : "out of memory");
	} else if (redisSetTimeout(k->c, tv) != REDIS_OK) {
		/* Commands block at most this long: Redis is on the network. */
		snprintf(why, sizeof(why), "cannot set a timeout: %s",
			 k->c->errstr);
	} else if (cfg->redis_auth &&
		   kcapd_command(k->c, why, sizeof(why), "AUTH %s",
				 cfg->redis_auth)) {
		/* why says */
	} else if (subscribe &&
		   kcapd_command(k->c, why, sizeof(why), "SUBSCRIBE %s",
				 cfg->redis_channel)) {
		/* why says */
	}
	if (why[0]) {
		if (!k->said)
			kcapd_log(LOG_WARNING, "redis %s at %s:%u: %s; trying again",
				  what, cfg->redis_host, cfg->redis_port, why);
		k->said = true;
		if (k->c)
			redisFree(k->c);
		k->c = NULL;
		kcapd_conn_drop(k, what, why);
		return -1;
	}
	kcapd_keepalive(k->c->fd, cfg->redis_keepalive);
	kcapd_log(LOG_NOTICE, "redis %s: connected to %s:%u%s%s", what,
		  cfg->redis_host, cfg->redis_port,
		  subscribe ? ", subscribed to " : "",
		  subscribe ? cfg->redis_channel : "");
	k->backoff_ms = 0;
	k->said = false;
	return 0;
}

static int kcapd_strcmp(const char *a, const char *b)
{
	return a && b ? strcmp(a, b) : a != b;
}

int kcapd_redis_fd(const struct kcapd_redis *r)
{
	return r->sub.c ? r->sub.c->fd : -1;
}

static unsigned int kcapd_results_pending(struct kcapd *d)
{
	unsigned int n;

	pthread_mutex_lock(&d->lock);
	n = d->nr_results;
	pthread_mutex_unlock(&d->lock);
	return n;
}

int kcapd_redis_timeout(const struct kcapd_redis *r, struct kcapd *d)
{
	uint64_t now = kcapd_now_ms();
	uint64_t next = UINT64_MAX;

	/* A connection is made when it is wanted: to listen, to publish. */
	if (d->conf->c.redis_listen && !r->sub.c)
		next = r->sub.next_ms;
	if (!r->pub.c && kcapd_results_pending(d) && r->pub.next_ms < next)
		next = r->pub.next_ms;
	if (next == UINT64_MAX)
		return 1000;
	return next <= now ? 0 : (int)(next - now);
}

/* Whatever came on the subscription: messages to @fn. */
static void kcapd_redis_read(struct kcapd_redis *r, struct kcapd *d,
			     void (*fn)(struct kcapd *d, const char *msg,
					size_t len))
{
	redisContext *c = r->sub.c;
	struct pollfd pfd = { .fd = c->fd, .events = POLLIN };
	redisReply *reply;
	void *rep;

	for (;;) {
		/* First what hiredis holds already (it may have read a
		 * message with the reply to SUBSCRIBE), then the socket. */
		if (redisGetReplyFromReader(c, &rep) != REDIS_OK) {
			kcapd_conn_drop(&r->sub, "subscription", c->errstr);
			return;
		}
		reply = rep;
		if (!reply) {
			if (poll(&pfd, 1, 0) <= 0)
				return;
			if (redisBufferRead(c) != REDIS_OK) {
				kcapd_conn_drop(&r->sub, "subscription",
						c->errstr);
				return;
			}
			continue;
		}
		/* ["message", CHANNEL, PAYLOAD] */
		if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
		    reply->element[0]->type == REDIS_REPLY_STRING &&
		    !strcmp(reply->element[0]->str, "message") &&
		    reply->element[2]->type == REDIS_REPLY_STRING)
			fn(d, reply->element[2]->str, reply->element[2]->len);
		freeReplyObject(reply);
		/* SIGTERM waits for no flood of messages. */
		if (atomic_load(&d->stopping))
			return;
	}
}

/* Take the oldest result to publish, or NULL. */
static struct kcapd_result *kcapd_result_take(struct kcapd *d)
{
	struct kcapd_result *res;

	pthread_mutex_lock(&d->lock);
	res = d->results;
	if (res) {
		d->results = res->next;
		if (!d->results)
			d->results_tail = &d->results;
		d->nr_results--;
	}
	pthread_mutex_unlock(&d->lock);
	return res;
}

/* Put a result back at the head: Redis went away while publishing it. */
static void kcapd_result_untake(struct kcapd *d, struct kcapd_result *res)
{
	pthread_mutex_lock(&d->lock);
	res->next = d->results;
	d->results = res;
	if (!res->next)
		d->results_tail = &res->next;
	d->nr_results++;
	pthread_mutex_unlock(&d->lock);
}

static void kcapd_redis_publish(struct kcapd_redis *r, struct kcapd *d)
{
	const struct kcapd_config *cfg = &d->conf->c;
	struct kcapd_result *res;
	redisReply *reply;

	for (;;) {
		if (!kcapd_results_pending(d) ||
		    kcapd_conn_up(&r->pub, cfg, "publisher", false))
			return;
		res = kcapd_result_take(d);
		if (!res)
			return;
		reply = redisCommand(r->pub.c, "PUBLISH %s %s",
				     cfg->redis_results, res->json);
		if (!reply) {
			/* Sent or not: published at least once, maybe twice. */
			kcapd_result_untake(d, res);
			kcapd_conn_drop(&r->pub, "publisher", r->pub.c->errstr);
			return;
		}
		if (reply->type == REDIS_REPLY_ERROR)
			kcapd_log(LOG_ERR, "result not published, Redis said '%s': %s",
				  reply->str, res->json);
		else
			kcapd_log(LOG_INFO, "result published: %s", res->json);
		freeReplyObject(reply);
		free(res->json);
		free(res);
	}
}

void kcapd_redis_run(struct kcapd_redis *r, struct kcapd *d,
		     void (*fn)(struct kcapd *d, const char *msg, size_t len))
{
	const struct kcapd_config *cfg = &d->conf->c;

	if (cfg->redis_listen && !atomic_load(&d->stopping) &&
	    !kcapd_conn_up(&r->sub, cfg, "subscription", true))
		kcapd_redis_read(r, d, fn);
	kcapd_redis_publish(r, d);
}

void kcapd_redis_flush(struct kcapd_redis *r, struct kcapd *d, int ms)
{
	uint64_t end = kcapd_now_ms() + (uint64_t)ms;
	struct kcapd_result *res;

	/* Once at least, whatever the backoff says. */
	r->pub.next_ms = 0;
	while (kcapd_results_pending(d) && kcapd_now_ms() < end) {
		kcapd_redis_publish(r, d);
		if (kcapd_results_pending(d))
			poll(NULL, 0, 100);
		if (!r->pub.c && r->pub.next_ms > end)
			r->pub.next_ms = end - 1;	/* a last try */
	}
	while ((res = kcapd_result_take(d))) {
		kcapd_log(LOG_ERR, "result not published (Redis away at exit): %s",
			  res->json);
		free(res->json);
		free(res);
	}
}

/* SIGHUP: connections whose settings changed are made again, at once. */
void kcapd_redis_reconfigure(struct kcapd_redis *r,
			     const struct kcapd_config *old,
			     const struct kcapd_config *cfg)
{
	bool same = !kcapd_strcmp(old->redis_host, cfg->redis_host) &&
		    old->redis_port == cfg->redis_port &&
		    !kcapd_strcmp(old->redis_auth, cfg->redis_auth) &&
		    old->redis_keepalive == cfg->redis_keepalive;

	if (r->sub.c && (!same || !cfg->redis_listen ||
			 kcapd_strcmp(old->redis_channel, cfg->redis_channel))) {
		kcapd_log(LOG_NOTICE, "redis subscription: %s",
			  cfg->redis_listen ? "settings changed, connecting again" :
			  "redis.listen is false now, unsubscribed");
		redisFree(r->sub.c);
		r->sub = (struct kcapd_conn){ 0 };
	}
	if (r->pub.c && !same) {
		redisFree(r->pub.c);
		r->pub = (struct kcapd_conn){ 0 };
	}
}
