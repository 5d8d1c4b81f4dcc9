// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkcap: frames to and from a Kafka topic, in Pycapa's format, through
 * librdkafka.
 *
 * A message is a frame: its key the capture time in microseconds since
 * the epoch as an 8-byte big-endian integer, its value the frame's bytes
 * as captured (cut to the snaplen), as Pycapa and Apache Metron write and
 * read them.  One header that they ignore, "kcap", carries what the key
 * and the bytes do not say (kcap.h: KCAP_KAFKA_H_*).
 *
 * Producing never waits: rd_kafka_producev() queues the message in
 * librdkafka, which sends it from its own threads; a full queue (the
 * broker is away and queue.buffering.max.messages or .kbytes is reached)
 * drops the frame, counted; a frame librdkafka refuses (too large) is
 * counted failed.  Delivery reports come in at
 * kcap_kafka_poll() and every KCAP_KAFKA_POLL_EVERY messages produced,
 * counted delivered or failed; kcap_kafka_producer_close()
 * waits a bounded time for the rest and counts what did not make it as
 * failed.
 *
 * A consumer in a group takes the partitions the group gives it through
 * a rebalance callback, which keeps count of them: -e ends at the end of
 * this member's partitions.
 */

#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <librdkafka/rdkafka.h>

#include "internal.h"
#include "kcap.h"

#define KCAP_KAFKA_METADATA_MS	10000	/* the broker at open */
#define KCAP_KAFKA_CLOSE_MS	10000	/* flush at close */
#define KCAP_KAFKA_POLL_EVERY	1024	/* messages between delivery reports */
#define KCAP_KAFKA_MAX_PARTS	(1 << 20)	/* of a group's assignment */

#define LINKTYPE_ETHERNET	1
#define LINKTYPE_RAW		101
#define LINKTYPE_LINUX_SLL	113
#define LINKTYPE_IPV4		228
#define LINKTYPE_IPV6		229

/* Big-endian stores of fixed widths: one byte swap each. */
static void kcap_put_be32(uint8_t *p, uint32_t v)
{
	v = htobe32(v);
	memcpy(p, &v, sizeof(v));
}

static void kcap_put_be64(uint8_t *p, uint64_t v)
{
	v = htobe64(v);
	memcpy(p, &v, sizeof(v));
}

_Static_assert(KCAP_KAFKA_KEY_LEN == sizeof(uint64_t), "the key is a u64");

void kcap_kafka_key(uint8_t key[KCAP_KAFKA_KEY_LEN], uint64_t tstamp_ns)
{
	kcap_put_be64(key, tstamp_ns / 1000);
}

static uint64_t kcap_be(const uint8_t *p, size_t len)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len; i++)
		v = v << 8 | p[i];
	return v;
}

int kcap_kafka_key_us(const void *key, size_t len, uint64_t *us)
{
	if (!key || len != KCAP_KAFKA_KEY_LEN)
		return -EINVAL;
	*us = kcap_be(key, len);
	return 0;
}

/* The flow hash: FNV-1a over bytes, then kcap_fmix(). */
static uint32_t kcap_fnv(uint32_t h, const uint8_t *p, size_t len)
{
	while (len--) {
		h ^= *p++;
		h *= 16777619u;
	}
	return h;
}

/*
 * FNV-1a's low bits depend only on the inputs' low bits (a multiply by an
 * odd number keeps bit 0, and each bit depends on none above it), so
 * modulo a few partitions it would spread flows by the parity of their
 * bytes: ports 1000 and 1002 always alike.  MurmurHash3's finalizer mixes
 * every bit into every other.
 */
static uint32_t kcap_fmix(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/*
 * The two ends (address, port) of an IP flow, the lower one first, so that
 * both directions hash alike.
 */
static uint32_t kcap_flow_ends(const uint8_t *a, const uint8_t *b,
			       size_t alen, const uint8_t *l4, size_t l4len,
			       uint8_t proto)
{
	uint8_t ports[4] = { 0 }, pa[2], pb[2];
	uint32_t h = 2166136261u;
	int c;

	if (l4 && l4len >= 4 && (proto == 6 || proto == 17 || proto == 132 ||
				 proto == 33))
		memcpy(ports, l4, 4);
	memcpy(pa, ports, 2);
	memcpy(pb, ports + 2, 2);
	c = memcmp(a, b, alen);
	if (c > 0 || (!c && memcmp(pa, pb, 2) > 0)) {
		const uint8_t *t = a;

		a = b;
		b = t;
		memcpy(pa, ports + 2, 2);
		memcpy(pb, ports, 2);
	}
	h = kcap_fnv(h, &proto, 1);
	h = kcap_fnv(h, a, alen);
	h = kcap_fnv(h, pa, 2);
	h = kcap_fnv(h, b, alen);
	h = kcap_fnv(h, pb, 2);
	return kcap_fmix(h);
}

static int kcap_flow_ip(const uint8_t *p, size_t len, uint32_t *hash)
{
	size_t hl;

	if (len >= 20 && p[0] >> 4 == 4) {
		hl = (size_t)(p[0] & 0x0f) * 4;
		if (hl < 20 || hl > len)
			return -EINVAL;
		/*
		 * Every fragment (MF set, or an offset) by its addresses:
		 * only the first has the ports, and all of a datagram's go
		 * to one partition.
		 */
		*hash = kcap_flow_ends(p + 12, p + 16, 4,
				       (kcap_be(p + 6, 2) & 0x3fff) ? NULL :
				       p + hl, len - hl, p[9]);
		return 0;
	}
	if (len >= 40 && p[0] >> 4 == 6) {
		/* No walk of extension headers: their flows hash by address. */
		*hash = kcap_flow_ends(p + 8, p + 24, 16, p + 40, len - 40,
				       p[6]);
		return 0;
	}
	return -EINVAL;
}

int kcap_kafka_flow_hash(const void *data, uint32_t caplen, uint32_t linktype,
			 uint32_t *hash)
{
	const uint8_t *p = data;
	size_t len = caplen, off;
	uint16_t type;

	switch (linktype) {
	case LINKTYPE_ETHERNET:
		off = 12;
		if (len < off + 2)
			return -EINVAL;
		type = kcap_be(p + off, 2);
		/* Up to two VLAN tags (802.1Q, 802.1ad). */
		while ((type == 0x8100 || type == 0x88a8) && off < 20 &&
		       len >= off + 6) {
			off += 4;
			type = kcap_be(p + off, 2);
		}
		off += 2;
		break;
	case LINKTYPE_LINUX_SLL:
		off = 16;
		if (len < off)
			return -EINVAL;
		type = kcap_be(p + 14, 2);
		break;
	case KCAP_LINKTYPE_LINUX_SLL2:
		off = KCAP_SLL2_HDR_LEN;
		if (len < off)
			return -EINVAL;
		type = kcap_be(p, 2);
		break;
	case LINKTYPE_RAW:
	case LINKTYPE_IPV4:
	case LINKTYPE_IPV6:
		return kcap_flow_ip(p, len, hash);
	default:
		return -EINVAL;
	}
	if (type != 0x0800 && type != 0x86dd)
		return -EINVAL;
	return kcap_flow_ip(p + off, len - off, hash);
}

int kcap_kafka_header_put(uint8_t v[KCAP_KAFKA_H_MAX],
			  const struct kcap_frame *f, uint32_t linktype,
			  const char *ifname)
{
	size_t n = ifname ? strnlen(ifname, KCAP_IFNAMSIZ - 1) : 0;

	v[0] = KCAP_KAFKA_H_VERSION;
	v[1] = f->direction;
	v[2] = n;
	v[3] = 0;
	kcap_put_be32(v + 4, linktype);
	kcap_put_be32(v + 8, f->ifindex);
	kcap_put_be32(v + 12, f->len);
	kcap_put_be64(v + 16, f->tstamp_ns);
	if (n)
		memcpy(v + KCAP_KAFKA_H_FIXED, ifname, n);
	return KCAP_KAFKA_H_FIXED + n;
}

int kcap_kafka_header_get(const void *value, size_t len,
			  struct kcap_kafka_msg *m)
{
	const uint8_t *v = value;
	size_t n;

	/* A later version keeps these fields and adds after the name. */
	if (!v || len < KCAP_KAFKA_H_FIXED || v[0] < KCAP_KAFKA_H_VERSION)
		return -EINVAL;
	n = v[2];
	if (n >= KCAP_IFNAMSIZ || len < KCAP_KAFKA_H_FIXED + n)
		return -EINVAL;
	m->frame.direction = v[1];
	m->linktype = kcap_be(v + 4, 4);
	m->frame.ifindex = kcap_be(v + 8, 4);
	m->frame.len = kcap_be(v + 12, 4);
	m->frame.tstamp_ns = kcap_be(v + 16, 8);
	memcpy(m->ifname, v + KCAP_KAFKA_H_FIXED, n);
	m->ifname[n] = '\0';
	if (m->frame.len < m->frame.caplen)
		m->frame.len = m->frame.caplen;
	return 0;
}

/* librdkafka's own log, unless asked for: kcap's lines say what failed. */
static void kcap_kafka_quiet(const rd_kafka_t *rk, int level, const char *fac,
			     const char *buf)
{
	(void)rk;
	(void)level;
	(void)fac;
	(void)buf;
}

/*
 * A new handle of @type: the brokers, then each "KEY=VALUE" of the
 * caller, then @extra ("KEY", "VALUE" pairs, NULL-ended) where the
 * caller did not set them; @cbs sets kcap's callbacks.
 */
static rd_kafka_t *kcap_kafka_new(rd_kafka_type_t type, const char *brokers,
				  const char *const *conf, unsigned int nr,
				  const char *const *extra, void *opaque,
				  void (*cbs)(rd_kafka_conf_t *),
				  struct kcap_error *e)
{
	rd_kafka_conf_t *c = rd_kafka_conf_new();
	char err[512], *key;
	const char *eq;
	bool logs = false;
	unsigned int i;
	rd_kafka_t *rk;

	if (!c) {
		kcap_error_set(e, -ENOMEM, KCAP_ERROR_SYSTEM, NULL);
		return NULL;
	}
	if (rd_kafka_conf_set(c, "bootstrap.servers", brokers, err,
			      sizeof(err)) != RD_KAFKA_CONF_OK)
		goto bad;
	for (i = 0; extra && extra[i]; i += 2) {
		if (rd_kafka_conf_set(c, extra[i], extra[i + 1], err,
				      sizeof(err)) != RD_KAFKA_CONF_OK)
			goto bad;
	}
	for (i = 0; i < nr; i++) {
		eq = strchr(conf[i], '=');
		if (!eq || eq == conf[i]) {
			rd_kafka_conf_destroy(c);
			kcap_error_set(e, -EINVAL, KCAP_ERROR_SYSTEM,
				       "librdkafka setting '%s': must be KEY=VALUE",
				       conf[i]);
			return NULL;
		}
		/* Values of any length: PEM certificates, JAAS configs. */
		key = strndup(conf[i], (size_t)(eq - conf[i]));
		if (!key) {
			rd_kafka_conf_destroy(c);
			kcap_error_set(e, -ENOMEM, KCAP_ERROR_SYSTEM, NULL);
			return NULL;
		}
		logs = logs || !strcmp(key, "debug") || !strcmp(key, "log_level");
		if (rd_kafka_conf_set(c, key, eq + 1, err, sizeof(err)) !=
		    RD_KAFKA_CONF_OK) {
			free(key);
			goto bad;
		}
		free(key);
	}
	if (!logs)
		rd_kafka_conf_set_log_cb(c, kcap_kafka_quiet);
	rd_kafka_conf_set_opaque(c, opaque);
	if (cbs)
		cbs(c);
	rk = rd_kafka_new(type, c, err, sizeof(err));
	if (!rk) {
		rd_kafka_conf_destroy(c);
		kcap_error_set(e, -EINVAL, KCAP_ERROR_SYSTEM, "librdkafka: %s",
			       err);
		return NULL;
	}
	return rk;
bad:
	rd_kafka_conf_destroy(c);
	kcap_error_set(e, -EINVAL, KCAP_ERROR_SYSTEM, "librdkafka: %s", err);
	return NULL;
}

/*
 * The partitions of @topic, from a broker within @ms: a broker not
 * reached and a topic that does not exist are each one clear line.
 */
static int kcap_kafka_partitions(rd_kafka_t *rk, const char *brokers,
				 const char *topic, int ms, int *nr,
				 struct kcap_error *e)
{
	const struct rd_kafka_metadata *md = NULL;
	rd_kafka_resp_err_t err;
	int i;

	/*
	 * Every topic, not this one: asking for one topic has the brokers
	 * create it where they may, and a capture into a misspelt topic
	 * would go on unnoticed.
	 */
	err = rd_kafka_metadata(rk, 1, NULL, &md, ms);
	if (err)
		return kcap_error_set(e, -EHOSTUNREACH, KCAP_ERROR_SYSTEM,
				      "Kafka brokers %s: no answer within %d ms (%s): check the address and that a broker runs",
				      brokers, ms, rd_kafka_err2str(err));
	for (i = 0; i < md->topic_cnt; i++)
		if (!strcmp(md->topics[i].topic, topic))
			break;
	if (i == md->topic_cnt || md->topics[i].err ||
	    md->topics[i].partition_cnt < 1) {
		err = i < md->topic_cnt ? md->topics[i].err :
					  RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
		rd_kafka_metadata_destroy(md);
		return kcap_error_set(e, -ENOENT, KCAP_ERROR_SYSTEM,
				      "Kafka topic '%s': %s: create it first",
				      topic, err ? rd_kafka_err2str(err) :
						   "no partitions");
	}
	*nr = md->topics[i].partition_cnt;
	rd_kafka_metadata_destroy(md);
	return 0;
}

struct kcap_kafka_producer {
	rd_kafka_t			*rk;
	rd_kafka_topic_t		*rkt;
	enum kcap_kafka_partition	by;
	int				nr_partitions;
	unsigned int			unpolled;	/* produced since */
	struct kcap_kafka_counts	counts;
};

static void kcap_kafka_dr(rd_kafka_t *rk, const rd_kafka_message_t *m,
			  void *opaque)
{
	struct kcap_kafka_producer *p = opaque;

	(void)rk;
	if (m->err)
		p->counts.failed++;
	else
		p->counts.delivered++;
}

static void kcap_kafka_producer_cbs(rd_kafka_conf_t *c)
{
	rd_kafka_conf_set_dr_msg_cb(c, kcap_kafka_dr);
}

int kcap_kafka_producer_open(struct kcap_kafka_producer **pp,
			     const struct kcap_kafka_opts *o,
			     struct kcap_error *e)
{
	/* Frames go out soon: a capture is a live thing. */
	static const char *const extra[] = { "linger.ms", "100", NULL };
	struct kcap_kafka_producer *p;
	int err;

	kcap_error_clear(e);
	*pp = NULL;
	if (!o->brokers || !o->brokers[0] || !o->topic || !o->topic[0])
		return kcap_error_set(e, -EINVAL, KCAP_ERROR_SYSTEM,
				      "Kafka: brokers and a topic are needed");
	p = calloc(1, sizeof(*p));
	if (!p)
		return kcap_error_set(e, -ENOMEM, KCAP_ERROR_SYSTEM, NULL);
	p->by = o->partition_by;
	p->rk = kcap_kafka_new(RD_KAFKA_PRODUCER, o->brokers, o->conf,
			       o->nr_conf, extra, p, kcap_kafka_producer_cbs,
			       e);
	if (!p->rk) {
		free(p);
		return e ? e->err : -EINVAL;
	}
	err = kcap_kafka_partitions(p->rk, o->brokers, o->topic,
				    o->timeout_ms > 0 ? o->timeout_ms :
				    KCAP_KAFKA_METADATA_MS, &p->nr_partitions,
				    e);
	if (err)
		goto fail;
	p->rkt = rd_kafka_topic_new(p->rk, o->topic, NULL);
	if (!p->rkt) {
		err = kcap_error_set(e, -EINVAL, KCAP_ERROR_SYSTEM,
				     "Kafka topic '%s': %s", o->topic,
				     rd_kafka_err2str(rd_kafka_last_error()));
		goto fail;
	}
	*pp = p;
	return 0;
fail:
	if (p->rkt)
		rd_kafka_topic_destroy(p->rkt);
	rd_kafka_destroy(p->rk);
	free(p);
	return err;
}

int kcap_kafka_produce(struct kcap_kafka_producer *p,
		       const struct kcap_frame *f, uint32_t linktype,
		       const char *ifname)
{
	int32_t part = RD_KAFKA_PARTITION_UA;
	uint8_t key[KCAP_KAFKA_KEY_LEN];
	uint8_t hdr[KCAP_KAFKA_H_MAX];
	rd_kafka_resp_err_t err;
	uint32_t hash;
	int len;

	kcap_kafka_key(key, f->tstamp_ns);
	/*
	 * A topic of one partition: the partitioner's answer is known (it
	 * would hash the key, about a twentieth of librdkafka's work here).
	 */
	if (p->nr_partitions == 1)
		part = 0;
	else if (p->by == KCAP_KAFKA_BY_FLOW &&
		 !kcap_kafka_flow_hash(f->data, f->caplen, linktype, &hash))
		part = hash % (uint32_t)p->nr_partitions;
	/*
	 * One header, not one per field: librdkafka's cost per message
	 * grows with each header (about 1500 instructions each).
	 */
	len = kcap_kafka_header_put(hdr, f, linktype, ifname);
	err = rd_kafka_producev(p->rk, RD_KAFKA_V_RKT(p->rkt),
				RD_KAFKA_V_PARTITION(part),
				RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
				RD_KAFKA_V_TIMESTAMP((int64_t)(f->tstamp_ns /
							       1000000)),
				RD_KAFKA_V_KEY(key, sizeof(key)),
				RD_KAFKA_V_VALUE((void *)f->data, f->caplen),
				RD_KAFKA_V_HEADER(KCAP_KAFKA_H_NAME, hdr, len),
				RD_KAFKA_V_END);
	if (!err) {
		p->counts.produced++;
		/*
		 * librdkafka frees a delivered message only once its report
		 * is served: under a load that never lets the rings go
		 * empty, kcap_kafka_poll() alone would leave them to fill
		 * its queue.
		 */
		if (++p->unpolled == KCAP_KAFKA_POLL_EVERY)
			kcap_kafka_poll(p);
		return 0;
	}
	if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
		/*
		 * Refused (too large, say): librdkafka's failure, not the
		 * brokers' pace; produced and failed, so that every frame
		 * produced is still delivered or failed.
		 */
		p->counts.produced++;
		p->counts.failed++;
		return -EIO;
	}
	p->counts.dropped++;
	/* Delivered messages may be what fills it: let them go. */
	kcap_kafka_poll(p);
	return -ENOBUFS;
}

void kcap_kafka_poll(struct kcap_kafka_producer *p)
{
	if (!p)
		return;
	p->unpolled = 0;
	rd_kafka_poll(p->rk, 0);
}

const struct kcap_kafka_counts *
kcap_kafka_producer_counts(const struct kcap_kafka_producer *p)
{
	return &p->counts;
}

void kcap_kafka_producer_close(struct kcap_kafka_producer *p, int timeout_ms,
			       struct kcap_kafka_counts *counts)
{
	uint64_t done;

	if (!p)
		return;
	rd_kafka_flush(p->rk, timeout_ms >= 0 ? timeout_ms :
			      KCAP_KAFKA_CLOSE_MS);
	rd_kafka_poll(p->rk, 0);
	/* What is still queued will not be delivered now: failed. */
	done = p->counts.delivered + p->counts.failed;
	if (p->counts.produced > done)
		p->counts.failed += p->counts.produced - done;
	if (counts)
		*counts = p->counts;
	/* Purge, so that destroying does not wait for what is left. */
	rd_kafka_purge(p->rk, RD_KAFKA_PURGE_F_QUEUE |
			      RD_KAFKA_PURGE_F_INFLIGHT);
	p->counts.delivered = p->counts.failed = 0;
	rd_kafka_poll(p->rk, 0);
	rd_kafka_topic_destroy(p->rkt);
	rd_kafka_destroy(p->rk);
	free(p);
}

struct kcap_kafka_consumer {
	rd_kafka_t		*rk;
	rd_kafka_message_t	*msg;	/* the last one given */
	bool			exit_at_end;
	int			nr_partitions;	/* of the arrays */
	int			nr_assigned;	/* partitions this one reads */
	uint8_t			*assigned;	/* which */
	int			at_end;	/* assigned partitions at their end */
	uint8_t			*eof;	/* which */
	char			*topic;
	bool			group;
	int64_t			*next;	/* per partition: after the last given */
	bool			unstored;	/* messages given since the store */
	rd_kafka_resp_err_t	assign_err;	/* the group's, not taken */
};

/*
 * Room for partitions 0 to @n - 1: a group may assign partitions added to
 * the topic since the open.
 */
static int kcap_kafka_grow(struct kcap_kafka_consumer *c, int n)
{
	size_t old = (size_t)c->nr_partitions, len = (size_t)n;
	uint8_t *assigned, *eof;
	int64_t *next;

	if (n <= c->nr_partitions)
		return 0;
	assigned = realloc(c->assigned, len);
	if (!assigned)
		return -ENOMEM;
	c->assigned = assigned;
	eof = realloc(c->eof, len);
	if (!eof)
		return -ENOMEM;
	c->eof = eof;
	next = realloc(c->next, len * sizeof(*next));
	if (!next)
		return -ENOMEM;
	c->next = next;
	memset(assigned + old, 0, len - old);
	memset(eof + old, 0, len - old);
	memset(next + old, 0, (len - old) * sizeof(*next));
	c->nr_partitions = n;
	return 0;
}

/* Partition @p taken (at no end yet) or given up (nothing to store). */
static void kcap_kafka_own(struct kcap_kafka_consumer *c, int32_t p, bool own)
{
	if (p < 0 || p >= c->nr_partitions || c->assigned[p] == own)
		return;
	c->assigned[p] = own;
	if (own) {
		c->nr_assigned++;
		return;
	}
	c->nr_assigned--;
	if (c->eof[p]) {
		c->eof[p] = 0;
		c->at_end--;
	}
	/* Not stored now: its next reader starts at the group's commit. */
	c->next[p] = 0;
}

/*
 * A group's rebalance, served by kcap_kafka_consume() (and the close):
 * the partitions assigned or revoked, taken or given up as the protocol
 * wants (the whole assignment when eager, these when cooperative).
 */
static void kcap_kafka_rebalance(rd_kafka_t *rk, rd_kafka_resp_err_t err,
				 rd_kafka_topic_partition_list_t *l,
				 void *opaque)
{
	const char *proto = rd_kafka_rebalance_protocol(rk);
	bool coop = proto && !strcmp(proto, "COOPERATIVE");
	struct kcap_kafka_consumer *c = opaque;
	rd_kafka_resp_err_t rerr = RD_KAFKA_RESP_ERR_NO_ERROR;
	rd_kafka_error_t *error = NULL;
	int32_t p;
	int i;

	if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
		if (coop)
			error = rd_kafka_incremental_assign(rk, l);
		else
			rerr = rd_kafka_assign(rk, l);
		if (error) {
			rerr = rd_kafka_error_code(error);
			rd_kafka_error_destroy(error);
		}
		if (rerr) {
			c->assign_err = rerr;
			return;
		}
		for (i = 0; i < l->cnt; i++) {
			p = l->elems[i].partition;
			if (strcmp(l->elems[i].topic, c->topic) || p < 0)
				continue;
			if (p >= KCAP_KAFKA_MAX_PARTS)
				c->assign_err =
					RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION;
			else if (kcap_kafka_grow(c, p + 1))
				c->assign_err =
					RD_KAFKA_RESP_ERR__CRIT_SYS_RESOURCE;
			else
				kcap_kafka_own(c, p, true);
		}
		return;
	}
	if (coop && err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
		error = rd_kafka_incremental_unassign(rk, l);
		if (error)
			rd_kafka_error_destroy(error);
		for (i = 0; i < l->cnt; i++)
			if (!strcmp(l->elems[i].topic, c->topic))
				kcap_kafka_own(c, l->elems[i].partition, false);
		return;
	}
	/* Revoked (eager), or the rebalance failed: all given up. */
	rd_kafka_assign(rk, NULL);
	for (i = 0; i < c->nr_partitions; i++)
		kcap_kafka_own(c, i, false);
}

static void kcap_kafka_group_cbs(rd_kafka_conf_t *c)
{
	rd_kafka_conf_set_rebalance_cb(c, kcap_kafka_rebalance);
}

int kcap_kafka_consumer_open(struct kcap_kafka_consumer **cp,
			     const struct kcap_kafka_consumer_opts *o,
			     struct kcap_error *e)
{
	const char *extra[16];
	struct kcap_kafka_consumer *c;
	rd_kafka_topic_partition_list_t *l = NULL;
	rd_kafka_resp_err_t rerr;
	unsigned int n = 0;
	int64_t off;
	int err, i, nr;

	kcap_error_clear(e);
	*cp = NULL;
	if (!o->brokers || !o->brokers[0] || !o->topic || !o->topic[0])
		return kcap_error_set(e, -EINVAL, KCAP_ERROR_SYSTEM,
				      "Kafka: brokers and a topic are needed");
	if (o->from == KCAP_KAFKA_FROM_STORED && !o->group)
		return kcap_error_set(e, -EINVAL, KCAP_ERROR_SYSTEM,
				      "Kafka: stored offsets are a group's: give a group");
	c = calloc(1, sizeof(*c));
	if (!c)
		return kcap_error_set(e, -ENOMEM, KCAP_ERROR_SYSTEM, NULL);
	c->exit_at_end = o->exit_at_end;
	extra[n++] = "enable.partition.eof";
	extra[n++] = "true";
	if (o->group) {
		extra[n++] = "group.id";
		extra[n++] = o->group;
		/* Offsets of what the caller has written: _store(). */
		extra[n++] = "enable.auto.offset.store";
		extra[n++] = "false";
		if (o->from != KCAP_KAFKA_FROM_STORED) {
			extra[n++] = "auto.offset.reset";
			extra[n++] = o->from == KCAP_KAFKA_FROM_END ?
				     "latest" : "earliest";
		}
	} else {
		/* assign() wants a group.id; no group is joined, nothing stored. */
		extra[n++] = "group.id";
		extra[n++] = "kcap-consume";
		extra[n++] = "enable.auto.commit";
		extra[n++] = "false";
	}
	extra[n] = NULL;
	/* The topic's name first: the rebalance callback compares it. */
	c->topic = strdup(o->topic);
	if (!c->topic) {
		free(c);
		return kcap_error_set(e, -ENOMEM, KCAP_ERROR_SYSTEM, NULL);
	}
	c->rk = kcap_kafka_new(RD_KAFKA_CONSUMER, o->brokers, o->conf,
			       o->nr_conf, extra, c,
			       o->group ? kcap_kafka_group_cbs : NULL, e);
	if (!c->rk) {
		free(c->topic);
		free(c);
		return e ? e->err : -EINVAL;
	}
	err = kcap_kafka_partitions(c->rk, o->brokers, o->topic,
				    o->timeout_ms > 0 ? o->timeout_ms :
				    KCAP_KAFKA_METADATA_MS, &nr, e);
	if (err)
		goto fail;
	c->group = o->group != NULL;
	l = rd_kafka_topic_partition_list_new(nr);
	if (kcap_kafka_grow(c, nr) || !l) {
		err = kcap_error_set(e, -ENOMEM, KCAP_ERROR_SYSTEM, NULL);
		goto fail;
	}
	rd_kafka_poll_set_consumer(c->rk);
	if (o->group) {
		rd_kafka_topic_partition_list_add(l, o->topic,
						  RD_KAFKA_PARTITION_UA);
		rerr = rd_kafka_subscribe(c->rk, l);
	} else {
		off = o->from == KCAP_KAFKA_FROM_END ? RD_KAFKA_OFFSET_END :
						       RD_KAFKA_OFFSET_BEGINNING;
		for (i = 0; i < c->nr_partitions; i++)
			rd_kafka_topic_partition_list_add(l, o->topic, i)->offset = off;
		rerr = rd_kafka_assign(c->rk, l);
		/* All of them, for good: no group, no rebalance. */
		for (i = 0; !rerr && i < c->nr_partitions; i++)
			kcap_kafka_own(c, i, true);
	}
	rd_kafka_topic_partition_list_destroy(l);
	l = NULL;
	if (rerr) {
		err = kcap_error_set(e, -EIO, KCAP_ERROR_SYSTEM,
				     "Kafka topic '%s': %s", o->topic,
				     rd_kafka_err2str(rerr));
		goto fail;
	}
	*cp = c;
	return 0;
fail:
	if (l)
		rd_kafka_topic_partition_list_destroy(l);
	rd_kafka_destroy(c->rk);
	free(c->assigned);
	free(c->eof);
	free(c->next);
	free(c->topic);
	free(c);
	return err;
}

/*
 * A message as a frame: Pycapa's (Ethernet, µs from the key), or kcap's.
 * Without Pycapa's key (or with one past what ns hold, not a time), the
 * message's own ms; without those either, 0.
 */
static void kcap_kafka_decode(const rd_kafka_message_t *rm,
			      struct kcap_kafka_msg *m)
{
	rd_kafka_headers_t *h = NULL;
	const void *v;
	int64_t ms;
	size_t len;
	uint64_t us;

	memset(m, 0, sizeof(*m));
	m->frame.data = rm->payload;
	m->frame.caplen = rm->len;
	m->frame.len = rm->len;
	m->linktype = LINKTYPE_ETHERNET;
	m->partition = rm->partition;
	m->offset = rm->offset;
	if (!kcap_kafka_key_us(rm->key, rm->key_len, &us) &&
	    us <= UINT64_MAX / 1000) {
		m->frame.tstamp_ns = us * 1000;
	} else {
		ms = rd_kafka_message_timestamp(rm, NULL);
		if (ms > 0 && (uint64_t)ms <= UINT64_MAX / 1000000)
			m->frame.tstamp_ns = (uint64_t)ms * 1000000;
	}
	if (!rd_kafka_message_headers(rm, &h) &&
	    !rd_kafka_header_get_last(h, KCAP_KAFKA_H_NAME, &v, &len))
		m->kcap = !kcap_kafka_header_get(v, len, m);
}

int kcap_kafka_consume(struct kcap_kafka_consumer *c, int timeout_ms,
		       struct kcap_kafka_msg *m, struct kcap_error *e)
{
	rd_kafka_message_t *rm;

	kcap_error_clear(e);
	if (c->msg) {
		rd_kafka_message_destroy(c->msg);
		c->msg = NULL;
	}
	for (;;) {
		if (c->assign_err) {
			kcap_error_set(e, -EIO, KCAP_ERROR_SYSTEM,
				       "Kafka topic '%s': the group's partitions not taken: %s",
				       c->topic, rd_kafka_err2str(c->assign_err));
			c->assign_err = RD_KAFKA_RESP_ERR_NO_ERROR;
			return e ? e->err : -EIO;
		}
		/* This member's partitions: a group gives it some of them. */
		if (c->exit_at_end && c->nr_assigned > 0 &&
		    c->at_end >= c->nr_assigned)
			return -ENODATA;
		rm = rd_kafka_consumer_poll(c->rk, timeout_ms);
		if (!rm)
			return 0;
		if (rm->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
			if (rm->partition >= 0 &&
			    rm->partition < c->nr_partitions &&
			    c->assigned[rm->partition] &&
			    !c->eof[rm->partition]) {
				c->eof[rm->partition] = 1;
				c->at_end++;
			}
			rd_kafka_message_destroy(rm);
			continue;
		}
		if (rm->err) {
			kcap_error_set(e, -EIO, KCAP_ERROR_SYSTEM, "Kafka: %s",
				       rd_kafka_message_errstr(rm));
			rd_kafka_message_destroy(rm);
			return e ? e->err : -EIO;
		}
		if (rm->partition >= 0 && rm->partition < c->nr_partitions &&
		    c->eof[rm->partition]) {
			c->eof[rm->partition] = 0;	/* more came */
			c->at_end--;
		}
		if (rm->partition >= 0 && rm->partition < c->nr_partitions &&
		    c->assigned[rm->partition]) {
			c->next[rm->partition] = rm->offset + 1;
			c->unstored = true;
		}
		c->msg = rm;
		kcap_kafka_decode(rm, m);
		return 1;
	}
}

int kcap_kafka_consumer_store(struct kcap_kafka_consumer *c,
			      struct kcap_error *e)
{
	rd_kafka_topic_partition_list_t *l;
	rd_kafka_resp_err_t rerr;
	int i;

	kcap_error_clear(e);
	if (!c->group || !c->unstored)
		return 0;
	l = rd_kafka_topic_partition_list_new(c->nr_partitions);
	if (!l)
		return kcap_error_set(e, -ENOMEM, KCAP_ERROR_SYSTEM, NULL);
	/* Those still this member's: a rebalance cleared the others'. */
	for (i = 0; i < c->nr_partitions; i++)
		if (c->assigned[i] && c->next[i] > 0)
			rd_kafka_topic_partition_list_add(l, c->topic, i)->offset =
				c->next[i];
	rerr = l->cnt ? rd_kafka_offsets_store(c->rk, l) :
			RD_KAFKA_RESP_ERR_NO_ERROR;
	rd_kafka_topic_partition_list_destroy(l);
	/* One taken away since, unbeknown to us: not ours to store. */
	if (rerr && rerr != RD_KAFKA_RESP_ERR__STATE &&
	    rerr != RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION)
		return kcap_error_set(e, -EIO, KCAP_ERROR_SYSTEM,
				      "Kafka: storing the offsets: %s",
				      rd_kafka_err2str(rerr));
	c->unstored = false;
	return 0;
}

void kcap_kafka_consumer_close(struct kcap_kafka_consumer *c)
{
	if (!c)
		return;
	if (c->msg)
		rd_kafka_message_destroy(c->msg);
	rd_kafka_consumer_close(c->rk);
	rd_kafka_destroy(c->rk);
	free(c->assigned);
	free(c->eof);
	free(c->next);
	free(c->topic);
	free(c);
}
