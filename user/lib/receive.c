// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkcap: the client of a pcap stream over TCP (PCAP-over-IP, as
 * kcap_stream_*() serves it): the frames recorded into files as a capture
 * records its own (kcap_record_open_frames(): rotation, stops), a new file
 * for each connection, and connecting again with a backoff when the server
 * goes away or is not there yet.
 *
 * The stream is parsed here (kcap_pcap_parser_*()), not by libpcap:
 * pcap_fopen_offline() reads a FILE with blocking fread()s, so a quiet
 * server would hold up the stops in time (-a duration), the writing out of
 * the file and the caller's signals, and a daemon could not wait on the
 * socket with its other work.  The parser is fed what recv() gives, in
 * pieces of any size, and hands out whole records only: a stream that
 * ends inside a record leaves that record out of the file.
 */

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "kcap.h"

#define KCAP_PCAP_FILE_HDR	24	/* struct pcap_file_header */
#define KCAP_PCAP_REC_HDR	16	/* a record's header */
#define KCAP_PCAP_MAGIC_US	0xa1b2c3d4U
#define KCAP_PCAP_MAGIC_NS	0xa1b23c4dU
#define KCAP_PCAP_CAPLEN_MAX	(64U << 20)	/* more: not a pcap stream */
#define KCAP_RECEIVE_READ	65536	/* bytes read at once */
#define KCAP_RECEIVE_READS	16	/* reads before the caller looks again */
#define KCAP_RECEIVE_POLL_MS	250	/* stops in time seen this late */
#define KCAP_RECEIVE_RETRY_MIN	1000
#define KCAP_RECEIVE_RETRY_MAX	30000
#define KCAP_RECEIVE_CONNECT_MS	10000	/* a SYN unanswered: TCP's 2 minutes */

struct kcap_pcap_parser {
	uint8_t		*buf;
	size_t		size, off, len;	/* bytes off..len are not parsed */
	bool		hdr;		/* the file header was parsed */
	bool		swap;		/* the other byte order */
	bool		nano;
	uint32_t	linktype, snaplen;
};

int kcap_pcap_parser_new(struct kcap_pcap_parser **pp)
{
	*pp = calloc(1, sizeof(**pp));
	return *pp ? 0 : -ENOMEM;
}

void kcap_pcap_parser_reset(struct kcap_pcap_parser *p)
{
	p->off = p->len = 0;
	p->hdr = p->swap = p->nano = false;
	p->linktype = p->snaplen = 0;
}

void kcap_pcap_parser_free(struct kcap_pcap_parser *p)
{
	if (!p)
		return;
	free(p->buf);
	free(p);
}

int kcap_pcap_parser_feed(struct kcap_pcap_parser *p, const void *data,
			  size_t len)
{
	size_t need;
	uint8_t *b;

	if (p->off) {	/* what was parsed goes: the rest to the front */
		memmove(p->buf, p->buf + p->off, p->len - p->off);
		p->len -= p->off;
		p->off = 0;
	}
	need = p->len + len;
	if (need > p->size) {
		b = realloc(p->buf, need);
		if (!b)
			return -ENOMEM;
		p->buf = b;
		p->size = need;
	}
	memcpy(p->buf + p->len, data, len);
	p->len += len;
	return 0;
}

static uint32_t kcap_pcap_u32(const struct kcap_pcap_parser *p,
			      const uint8_t *b)
{
	uint32_t v;

	memcpy(&v, b, sizeof(v));
	return p->swap ? __builtin_bswap32(v) : v;
}

static int kcap_pcap_header(struct kcap_pcap_parser *p)
{
	const uint8_t *b = p->buf + p->off;
	uint32_t magic;

	memcpy(&magic, b, sizeof(magic));
	p->swap = magic == __builtin_bswap32(KCAP_PCAP_MAGIC_US) ||
		  magic == __builtin_bswap32(KCAP_PCAP_MAGIC_NS);
	magic = kcap_pcap_u32(p, b);
	if (magic != KCAP_PCAP_MAGIC_US && magic != KCAP_PCAP_MAGIC_NS)
		return -EBADMSG;
	p->nano = magic == KCAP_PCAP_MAGIC_NS;
	/* b[4..7]: version 2.4; b[8..15]: thiszone, sigfigs, unused. */
	p->snaplen = kcap_pcap_u32(p, b + 16);
	/* The link type is the low 16 bits; the FCS bits above are not. */
	p->linktype = kcap_pcap_u32(p, b + 20) & 0xffff;
	p->hdr = true;
	p->off += KCAP_PCAP_FILE_HDR;
	return 0;
}

int kcap_pcap_parser_next(struct kcap_pcap_parser *p, struct kcap_frame *f)
{
	const uint8_t *b;
	uint32_t sec, frac, caplen, len;
	int err;

	if (!p->hdr) {
		if (p->len - p->off < KCAP_PCAP_FILE_HDR)
			return 0;
		err = kcap_pcap_header(p);
		if (err)
			return err;
	}
	if (p->len - p->off < KCAP_PCAP_REC_HDR)
		return 0;
	b = p->buf + p->off;
	sec = kcap_pcap_u32(p, b);
	frac = kcap_pcap_u32(p, b + 4);
	caplen = kcap_pcap_u32(p, b + 8);
	len = kcap_pcap_u32(p, b + 12);
	if (caplen > KCAP_PCAP_CAPLEN_MAX ||
	    frac >= (p->nano ? 1000000000U : 1000000U))
		return -EBADMSG;
	if (p->len - p->off - KCAP_PCAP_REC_HDR < caplen)
		return 0;
	memset(f, 0, sizeof(*f));
	f->tstamp_ns = (uint64_t)sec * 1000000000ULL +
		       (p->nano ? frac : (uint64_t)frac * 1000);
	f->caplen = caplen;
	f->len = len < caplen ? caplen : len;
	f->data = b + KCAP_PCAP_REC_HDR;
	p->off += KCAP_PCAP_REC_HDR + caplen;
	return 1;
}

bool kcap_pcap_parser_header(const struct kcap_pcap_parser *p,
			     uint32_t *linktype, uint32_t *snaplen,
			     bool *nano)
{
	if (!p->hdr)
		return false;
	if (linktype)
		*linktype = p->linktype;
	if (snaplen)
		*snaplen = p->snaplen;
	if (nano)
		*nano = p->nano;
	return true;
}

size_t kcap_pcap_parser_pending(const struct kcap_pcap_parser *p)
{
	return p->len - p->off;
}

/* The client. */

enum kcap_receive_state {
	KCAP_RX_WAIT,		/* to connect at retry_ms */
	KCAP_RX_CONNECTING,
	KCAP_RX_CONNECTED,
};

struct kcap_receive {
	struct kcap_receive_opts	o;
	char				host[256], port[16];
	char				name[280];	/* HOST:PORT */
	struct kcap_record		*rec;
	struct kcap_pcap_parser		*parser;
	uint8_t				*rbuf;
	enum kcap_receive_state		state;
	int				fd;
	struct addrinfo			*ai, *cur;	/* being tried */
	uint64_t			retry_at;	/* ms */
	uint64_t			connect_end;	/* ms */
	uint32_t			backoff;	/* ms, the next wait */
	bool				outage;	/* failed since the last stream */
	bool				has_file;	/* of this connection */
	struct kcap_receive_info	info;
	struct kcap_error		err;
};

static uint64_t kcap_receive_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

int kcap_receive_parse_addr(const char *spec, char *host, size_t host_size,
			    char *port, size_t port_size)
{
	const char *colon = strrchr(spec, ':');
	const char *h = "127.0.0.1", *p = spec;
	size_t n = strlen(h);
	unsigned long v;
	char *end;

	if (colon) {
		h = spec;
		n = (size_t)(colon - spec);
		p = colon + 1;
		if (spec[0] == '[') {	/* [ADDR]:PORT */
			if (n < 3 || colon[-1] != ']')
				return -EINVAL;
			h++;
			n -= 2;
		}
		if (!n || memchr(h, ':', n) != NULL) {
			if (spec[0] != '[' || !n)
				return -EINVAL;	/* an IPv6 address: [ADDR] */
		}
	}
	errno = 0;
	v = strtoul(p, &end, 10);
	if (p[0] < '0' || p[0] > '9' || *end || errno || !v || v > 65535 ||
	    n >= host_size || strlen(p) >= port_size)
		return -EINVAL;
	memcpy(host, h, n);
	host[n] = '\0';
	snprintf(port, port_size, "%lu", v);
	return 0;
}

static void kcap_receive_event(struct kcap_receive *rx,
			       enum kcap_receive_event ev)
{
	if (rx->o.event_cb)
		rx->o.event_cb(ev, &rx->info, rx->o.arg);
}

static void kcap_receive_disconnect(struct kcap_receive *rx)
{
	if (rx->fd >= 0)
		close(rx->fd);
	rx->fd = -1;
	if (rx->ai)
		freeaddrinfo(rx->ai);
	rx->ai = rx->cur = NULL;
}

/* Connecting failed with @err: again after the backoff. */
static void kcap_receive_retry(struct kcap_receive *rx, int err)
{
	kcap_receive_disconnect(rx);
	rx->info.err = err;
	rx->info.retry_ms = rx->backoff;
	rx->info.first = !rx->outage;
	rx->outage = true;
	rx->state = KCAP_RX_WAIT;
	rx->retry_at = kcap_receive_ms() + rx->backoff;
	kcap_receive_event(rx, KCAP_RECEIVE_RETRY);
	rx->backoff = rx->backoff * 2 > rx->o.retry_max_ms ?
		      rx->o.retry_max_ms : rx->backoff * 2;
}

/*
 * A server gone without a word (its power, a cable, a firewall's state):
 * TCP keepalive probes a connection idle this long, and gives up after
 * KCAP_TCP_KA_CNT probes unanswered, in about 25 s.  The client only
 * reads: without probes, such a server would leave it waiting for ever.
 * (A kernel without these options: best effort, the stream still works.)
 */
void kcap_tcp_keepalive(int fd)
{
	int one = 1, idle = KCAP_TCP_KA_IDLE, intvl = KCAP_TCP_KA_INTVL;
	int cnt = KCAP_TCP_KA_CNT;

	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
}

/* Start connecting to rx->cur, or the next address; false if none left. */
static bool kcap_receive_try(struct kcap_receive *rx, int *err)
{
	const struct addrinfo *a;

	for (; rx->cur; rx->cur = rx->cur->ai_next) {
		a = rx->cur;
		if (rx->fd >= 0)
			close(rx->fd);
		rx->fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK |
				SOCK_CLOEXEC, a->ai_protocol);
		if (rx->fd < 0) {
			*err = -errno;
			continue;
		}
		kcap_tcp_keepalive(rx->fd);
		if (!connect(rx->fd, a->ai_addr, a->ai_addrlen) ||
		    errno == EINPROGRESS) {
			rx->state = KCAP_RX_CONNECTING;
			rx->connect_end = kcap_receive_ms() +
					  rx->o.connect_timeout_ms;
			return true;
		}
		*err = -errno;
	}
	return false;
}

static void kcap_receive_connect(struct kcap_receive *rx)
{
	struct addrinfo hints = {
		.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
		.ai_flags = AI_NUMERICSERV,
	};
	int err = -ECONNREFUSED, gai;

	kcap_receive_disconnect(rx);
	gai = getaddrinfo(rx->host, rx->port, &hints, &rx->ai);
	if (gai) {
		rx->ai = NULL;
		rx->info.gai_err = gai;
		kcap_receive_retry(rx, gai == EAI_SYSTEM ? -errno :
				       -EHOSTUNREACH);
		rx->info.gai_err = 0;
		return;
	}
	rx->cur = rx->ai;
	if (!kcap_receive_try(rx, &err))
		kcap_receive_retry(rx, err);
}

/*
 * The connection's stream: a file for it once its header is in (a quiet
 * server's stream has its file too), then its frames.
 */
static int kcap_receive_frames(struct kcap_receive *rx)
{
	struct kcap_frame f;
	int ret, next;

	do {
		next = kcap_pcap_parser_next(rx->parser, &f);
		if (!rx->has_file &&
		    kcap_pcap_parser_header(rx->parser, &rx->info.linktype,
					    &rx->info.snaplen,
					    &rx->info.nano)) {
			ret = kcap_record_next_file(rx->rec, rx->info.linktype,
						    rx->info.snaplen,
						    rx->info.nano);
			if (ret)
				return ret;
			rx->has_file = true;
			rx->info.connections++;
			rx->outage = false;	/* a server that serves */
			rx->info.file = kcap_record_progress(rx->rec)->file;
			kcap_receive_event(rx, KCAP_RECEIVE_STREAM);
		}
		if (next <= 0)
			return next;
		rx->info.frames++;
		ret = kcap_record_put(rx->rec, &f);
	} while (!ret);
	return ret;
}

/* The connection ended (@err 0: the server closed it). */
static void kcap_receive_closed(struct kcap_receive *rx, int err)
{
	bool served;

	/*
	 * No stream came: the server is going away (its backlog reset), or
	 * not serving yet: a failure to connect, told once per outage.
	 */
	if (!rx->has_file && err != -EBADMSG &&
	    !kcap_pcap_parser_pending(rx->parser)) {
		kcap_pcap_parser_reset(rx->parser);
		kcap_receive_retry(rx, err ? err : -ECONNRESET);
		return;
	}
	/*
	 * After a stream of frames, at once.  After garbage, or a stream
	 * that ended without a frame, as after a failure: a server that
	 * only ever sends those is not connected to in a loop, with a file
	 * each time.
	 */
	served = rx->has_file && rx->info.frames && err != -EBADMSG;
	if (served)
		rx->backoff = rx->o.retry_min_ms;
	rx->info.err = err;
	rx->info.partial = kcap_pcap_parser_pending(rx->parser);
	rx->info.retry_ms = served ? 0 : rx->backoff;
	kcap_receive_event(rx, KCAP_RECEIVE_CLOSED);
	kcap_receive_disconnect(rx);
	kcap_pcap_parser_reset(rx->parser);
	rx->state = KCAP_RX_WAIT;
	rx->retry_at = kcap_receive_ms() + rx->info.retry_ms;
	if (!served)
		rx->backoff = rx->backoff * 2 > rx->o.retry_max_ms ?
			      rx->o.retry_max_ms : rx->backoff * 2;
	rx->has_file = false;
}

/*
 * What the socket has, up to KCAP_RECEIVE_READS reads of it: a server that
 * sends faster than the files take it must not keep the caller from its
 * signals and stops in time.  0 (read, or more to come), 1 stopped, < 0
 * error.
 */
static int kcap_receive_read(struct kcap_receive *rx)
{
	unsigned int reads;
	ssize_t n;
	int ret;

	for (reads = 0; reads < KCAP_RECEIVE_READS; reads++) {
		n = recv(rx->fd, rx->rbuf, KCAP_RECEIVE_READ, 0);
		if (n < 0 && errno == EINTR)
			return -EINTR;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0;
		if (n <= 0) {
			kcap_receive_closed(rx, n < 0 ? -errno : 0);
			return 0;
		}
		rx->info.bytes += (uint64_t)n;
		ret = kcap_pcap_parser_feed(rx->parser, rx->rbuf, (size_t)n);
		if (!ret)
			ret = kcap_receive_frames(rx);
		if (ret == -EBADMSG) {
			kcap_receive_closed(rx, ret);
			return 0;
		}
		if (ret)
			return ret < 0 ? ret : 1;
		if (n < KCAP_RECEIVE_READ)
			return 0;
	}
	return 0;
}

int kcap_receive_open(struct kcap_receive **rxp,
		      const struct kcap_receive_opts *o, struct kcap_error *e)
{
	struct kcap_record_config cfg = o->rec;
	struct kcap_receive *rx;
	int err;

	*rxp = NULL;
	kcap_error_clear(e);
	rx = calloc(1, sizeof(*rx));
	if (!rx)
		return kcap_error_set(e, -ENOMEM, KCAP_ERROR_SYSTEM, NULL);
	rx->o = *o;
	rx->fd = -1;
	if (!rx->o.retry_min_ms)
		rx->o.retry_min_ms = KCAP_RECEIVE_RETRY_MIN;
	if (!rx->o.retry_max_ms)
		rx->o.retry_max_ms = KCAP_RECEIVE_RETRY_MAX;
	if (!rx->o.connect_timeout_ms)
		rx->o.connect_timeout_ms = KCAP_RECEIVE_CONNECT_MS;
	if (rx->o.retry_max_ms < rx->o.retry_min_ms)
		rx->o.retry_max_ms = rx->o.retry_min_ms;
	rx->backoff = rx->o.retry_min_ms;
	if (!o->addr || kcap_receive_parse_addr(o->addr, rx->host,
						sizeof(rx->host), rx->port,
						sizeof(rx->port))) {
		free(rx);
		return kcap_error_set(e, -EINVAL, KCAP_ERROR_SYSTEM,
				      "invalid address '%s' (must be [HOST:]PORT)",
				      o->addr ? o->addr : "");
	}
	snprintf(rx->name, sizeof(rx->name), strchr(rx->host, ':') ?
		 "[%s]:%s" : "%s:%s", rx->host, rx->port);
	rx->info.addr = rx->name;
	cfg.number_files = true;	/* a file per connection */
	err = kcap_record_open_frames(&rx->rec, &cfg, e);
	if (!err)
		err = kcap_pcap_parser_new(&rx->parser);
	if (!err) {
		rx->rbuf = malloc(KCAP_RECEIVE_READ);
		if (!rx->rbuf)
			err = -ENOMEM;
	}
	if (err) {
		if (err == -ENOMEM)
			kcap_error_set(e, err, KCAP_ERROR_SYSTEM, NULL);
		kcap_receive_close(rx);
		return err;
	}
	rx->state = KCAP_RX_WAIT;
	rx->retry_at = kcap_receive_ms();
	*rxp = rx;
	return 0;
}

/*
 * Connecting: done, or failed (then the next address, or a retry); @soerr
 * ETIMEDOUT: it took too long.
 */
static void kcap_receive_connected(struct kcap_receive *rx, int soerr)
{
	socklen_t len = sizeof(int);
	int err;

	if (!soerr && getsockopt(rx->fd, SOL_SOCKET, SO_ERROR, &soerr, &len))
		soerr = errno;
	if (!soerr) {
		freeaddrinfo(rx->ai);
		rx->ai = rx->cur = NULL;
		rx->state = KCAP_RX_CONNECTED;
		rx->has_file = false;
		rx->info.frames = rx->info.bytes = 0;
		rx->info.err = 0;
		kcap_receive_event(rx, KCAP_RECEIVE_CONNECTED);
		return;
	}
	err = -soerr;
	rx->cur = rx->cur->ai_next;
	if (!kcap_receive_try(rx, &err))
		kcap_receive_retry(rx, err);
}

/* The recording stopped (1) or failed (< 0): the error kept. */
static int kcap_receive_stopped(struct kcap_receive *rx, int ret)
{
	if (ret < 0 && !rx->err.err)
		rx->err = *kcap_record_error(rx->rec);
	return ret < 0 ? ret : 1;
}

int kcap_receive_step(struct kcap_receive *rx, int timeout_ms)
{
	uint64_t now = kcap_receive_ms(), end;
	struct pollfd pfd;
	int64_t wait;
	int ret, n;

	end = timeout_ms < 0 ? UINT64_MAX : now + (uint64_t)timeout_ms;
	for (;;) {
		now = kcap_receive_ms();
		if (rx->state == KCAP_RX_WAIT && now >= rx->retry_at) {
			kcap_receive_connect(rx);
			continue;	/* (a failure waits: retry_at moved) */
		}
		wait = KCAP_RECEIVE_POLL_MS;
		if (rx->state == KCAP_RX_CONNECTING && now >= rx->connect_end) {
			kcap_receive_connected(rx, ETIMEDOUT);
			continue;
		}
		if (rx->state == KCAP_RX_WAIT &&
		    (int64_t)(rx->retry_at - now) < wait)
			wait = (int64_t)(rx->retry_at - now);
		if (rx->state == KCAP_RX_CONNECTING &&
		    (int64_t)(rx->connect_end - now) < wait)
			wait = (int64_t)(rx->connect_end - now);
		if (end != UINT64_MAX && (int64_t)(end - now) < wait)
			wait = end > now ? (int64_t)(end - now) : 0;
		pfd.fd = rx->fd;
		pfd.events = rx->state == KCAP_RX_CONNECTING ? POLLOUT : POLLIN;
		pfd.revents = 0;
		n = poll(&pfd, rx->state == KCAP_RX_WAIT ? 0 : 1, (int)wait);
		if (n < 0 && errno == EINTR)
			return 0;	/* a signal: the caller looks */
		if (n > 0 && rx->state == KCAP_RX_CONNECTING) {
			kcap_receive_connected(rx, 0);
		} else if (n > 0) {
			ret = kcap_receive_read(rx);
			if (ret == -EINTR)
				return 0;
			if (ret)
				return kcap_receive_stopped(rx, ret);
		}
		/* Nothing more waiting: out with the file, stops in time. */
		ret = kcap_record_tick(rx->rec);
		if (ret)
			return kcap_receive_stopped(rx, ret);
		if (kcap_receive_ms() >= end)
			return 0;
	}
}

const struct kcap_receive_info *
kcap_receive_info(const struct kcap_receive *rx)
{
	return &rx->info;
}

struct kcap_record *kcap_receive_record(const struct kcap_receive *rx)
{
	return rx->rec;
}

int kcap_receive_fd(const struct kcap_receive *rx)
{
	return rx->fd;
}

int kcap_receive_finish(struct kcap_receive *rx)
{
	kcap_receive_disconnect(rx);
	return kcap_record_finish(rx->rec);
}

void kcap_receive_close(struct kcap_receive *rx)
{
	if (!rx)
		return;
	kcap_receive_disconnect(rx);
	kcap_record_close(rx->rec);
	kcap_pcap_parser_free(rx->parser);
	free(rx->rbuf);
	free(rx);
}
