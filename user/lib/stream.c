// SPDX-License-Identifier: LGPL-2.1-or-later
/*
 * libkcap: a live capture served as a pcap stream over TCP to every client
 * that connects (PCAP-over-IP, as NetworkMiner and "nc HOST PORT |
 * tcpdump -r -" read it).
 *
 * One thread, no waiting: the listening socket and the clients' sockets are
 * non-blocking.  kcap_stream_write() puts a frame's pcap record into each
 * client's buffer (KCAP_STREAM_CLIENT_BUF by default) and sends from it
 * once it holds KCAP_STREAM_SEND_BYTES; kcap_stream_serve() accepts the
 * clients that connected, sends what is buffered and notices the clients
 * that went away.  A record that does not fit in a client's buffer is
 * dropped for that client alone and counted: a client's stream only ever
 * holds whole records, so that it stays a valid pcap stream however slow
 * the client is, and no client ever holds up the capture or the others.
 *
 * TCP takes what fits in the socket's send buffer, which may be part of a
 * record; the rest would follow, but a client that stops reading never
 * gets it, and its stream would end cut inside a record when it is
 * closed.  So a send carries whole records only, as many as fit in half
 * of the room the kernel says the socket has (SO_MEMINFO: its send
 * buffer, less what is queued, which counts the kernel's overhead too;
 * TCP refuses data only once that room is used up).
 *
 * The bytes are those of the pcap writer (writer_pcap.c), which are
 * libpcap's own: the file header and each record are formatted once and
 * copied into the clients' buffers.  libpcap cannot write to the sockets
 * itself: its pcap_dump() writes to a blocking FILE, whole or not at all
 * is not its concern, and one dumper cannot drop a record for one reader
 * and not for another.
 */

#define _GNU_SOURCE	/* accept4() */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <linux/sock_diag.h>

#include "internal.h"
#include "kcap.h"
#include "writer.h"

#define KCAP_STREAM_FILE_HDR	KCAP_PCAP_FILE_HDR
#define KCAP_STREAM_REC_HDR	KCAP_PCAP_REC_HDR
#define KCAP_STREAM_MAX_SNAPLEN	KCAP_PCAP_MAX_SNAPLEN
#define KCAP_STREAM_SEND_BYTES	65536	/* sent once a client has this many */

struct kcap_stream_conn {
	int				fd;
	struct kcap_stream_client	info;
	uint8_t				*buf;
	size_t				head, tail;	/* bytes to send */
	uint64_t			queued;		/* records put in buf */
	size_t				rec_left;	/* of the record at head */
	bool				in_rec;		/* part of it sent */
	bool				hdr_sent;	/* the file header */
	bool				rd_eof;	/* it sends no more */
	int				gone;	/* why it is to be closed */
};

struct kcap_stream {
	int				fd;	/* listening */
	struct kcap_stream_opts		o;
	char				addr[KCAP_STREAM_ADDR_MAX];
	uint32_t			snaplen;
	uint8_t				*rec;	/* mem's buffer */
	size_t				rec_size;
	uint8_t				hdr[KCAP_STREAM_FILE_HDR];
	struct kcap_stream_conn		*conns[KCAP_STREAM_CLIENTS_MAX];
	unsigned int			nr;
	struct kcap_stream_totals	t;
};

/* "ADDR:PORT" or "[ADDR]:PORT" of a socket address. */
static void kcap_stream_name(const struct sockaddr *sa, socklen_t len,
			     char *buf, size_t size)
{
	char host[NI_MAXHOST], serv[NI_MAXSERV];

	if (getnameinfo(sa, len, host, sizeof(host), serv, sizeof(serv),
			NI_NUMERICHOST | NI_NUMERICSERV)) {
		snprintf(buf, size, "?");
		return;
	}
	snprintf(buf, size, sa->sa_family == AF_INET6 ? "[%s]:%s" : "%s:%s",
		 host, serv);
}

int kcap_stream_parse_addr(const char *spec, struct sockaddr_storage *ss,
			   socklen_t *len)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	const char *port, *colon = strrchr(spec, ':');
	char host[INET6_ADDRSTRLEN];
	unsigned long p;
	size_t n = 0;
	char *end;
	bool v6;

	memset(ss, 0, sizeof(*ss));
	if (!colon) {			/* PORT */
		snprintf(host, sizeof(host), "127.0.0.1");
		port = spec;
		v6 = false;
	} else {
		v6 = spec[0] == '[';	/* [ADDR]:PORT, else ADDR:PORT */
		n = (size_t)(colon - spec) - (v6 ? 2 : 0);
		if ((v6 && (colon == spec || colon[-1] != ']')) ||
		    n >= sizeof(host))
			return -EINVAL;
		memcpy(host, spec + v6, n);
		host[n] = '\0';
		port = colon + 1;
	}
	errno = 0;
	p = strtoul(port, &end, 10);
	if (port[0] < '0' || port[0] > '9' || *end || errno || p > 65535)
		return -EINVAL;
	/* inet_pton(): the literal forms only, no names, no "1.2.3". */
	if (v6) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((uint16_t)p);
		*len = sizeof(*sin6);
		return inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1 ?
		       0 : -EINVAL;
	}
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)p);
	*len = sizeof(*sin);
	return inet_pton(AF_INET, host, &sin->sin_addr) == 1 ? 0 : -EINVAL;
}

/* The file header, and room to format a record. */
static int kcap_stream_format(struct kcap_stream *s)
{
	s->rec_size = KCAP_STREAM_REC_HDR + s->snaplen;
	s->rec = malloc(s->rec_size);
	if (!s->rec)
		return -ENOMEM;
	kcap_pcap_file_header(s->hdr, s->o.linktype, s->snaplen, s->o.nano);
	return 0;
}

int kcap_stream_open(struct kcap_stream **sp, const struct kcap_stream_opts *o,
		     struct kcap_error *e)
{
	struct sockaddr_storage ss;
	struct kcap_stream *s;
	socklen_t len;
	int err, one = 1;

	*sp = NULL;
	kcap_error_clear(e);
	if (kcap_stream_parse_addr(o->addr, &ss, &len))
		return kcap_error_set(e, -EINVAL, KCAP_ERROR_SYSTEM,
				      "cannot listen on '%s': not [ADDR:]PORT (PORT 0 to 65535, ADDR an IPv4 address or an IPv6 one in brackets)",
				      o->addr);
	s = calloc(1, sizeof(*s));
	if (!s)
		return kcap_error_set(e, -ENOMEM, KCAP_ERROR_SYSTEM, NULL);
	s->fd = -1;
	s->o = *o;
	s->o.addr = NULL;
	if (!s->o.client_buf)
		s->o.client_buf = KCAP_STREAM_CLIENT_BUF;
	if (!s->o.max_clients || s->o.max_clients > KCAP_STREAM_CLIENTS_MAX)
		s->o.max_clients = KCAP_STREAM_CLIENTS_MAX;
	s->snaplen = o->snaplen && o->snaplen < KCAP_STREAM_MAX_SNAPLEN ?
		     o->snaplen : KCAP_STREAM_MAX_SNAPLEN;
	kcap_stream_name((struct sockaddr *)&ss, len, s->addr,
			 sizeof(s->addr));
	/* A client buffer holds one largest record at least. */
	if (s->o.client_buf < KCAP_STREAM_FILE_HDR + KCAP_STREAM_REC_HDR +
			      s->snaplen)
		s->o.client_buf = KCAP_STREAM_FILE_HDR + KCAP_STREAM_REC_HDR +
				  s->snaplen;
	err = kcap_stream_format(s);
	if (err) {
		kcap_stream_close(s, 0);
		return kcap_error_set(e, err, KCAP_ERROR_SYSTEM,
				      "cannot start the pcap stream: %s",
				      strerror(-err));
	}
	s->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
		       0);
	if (s->fd < 0 ||
	    setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s->fd, (struct sockaddr *)&ss, len) || listen(s->fd, 16)) {
		err = -errno;
		kcap_stream_close(s, 0);
		return kcap_error_set(e, err, KCAP_ERROR_SYSTEM,
				      "cannot listen on %s: %s",
				      s->addr, strerror(-err));
	}
	/* Port 0: the one the kernel chose. */
	len = sizeof(ss);
	if (!getsockname(s->fd, (struct sockaddr *)&ss, &len))
		kcap_stream_name((struct sockaddr *)&ss, len, s->addr,
				 sizeof(s->addr));
	*sp = s;
	return 0;
}

const char *kcap_stream_address(const struct kcap_stream *s)
{
	return s->addr;
}

int kcap_stream_fd(const struct kcap_stream *s)
{
	return s->fd;
}

/*
 * @n bytes from the head of @c's buffer went out: count the records that
 * are now sent whole.  Each record's length is in its header, in the buffer.
 */
static void kcap_stream_sent(struct kcap_stream *s, struct kcap_stream_conn *c,
			     size_t n)
{
	size_t pos = c->head, k;
	uint32_t caplen;

	c->info.bytes += n;
	while (n) {
		if (!c->rec_left) {	/* a record's header at pos */
			memcpy(&caplen, c->buf + pos + 8, sizeof(caplen));
			c->rec_left = KCAP_STREAM_REC_HDR + caplen;
		}
		k = n < c->rec_left ? n : c->rec_left;
		pos += k;
		n -= k;
		c->rec_left -= k;
		c->in_rec = c->rec_left != 0;
		if (c->rec_left)
			break;
		if (c->hdr_sent) {
			c->info.sent++;
			s->t.sent++;
		}
		c->hdr_sent = true;
	}
	c->head = pos;
	if (c->head == c->tail)
		c->head = c->tail = 0;
}

/*
 * How many bytes from the head of @c's buffer to send now: whole records
 * that fit in half the room of its socket (the rest of a record already
 * begun whatever the room: it has to go).
 */
static size_t kcap_stream_whole(const struct kcap_stream_conn *c)
{
	uint32_t mi[SK_MEMINFO_VARS], caplen;
	socklen_t len = sizeof(mi);
	size_t room, pos, rec;

	if (getsockopt(c->fd, SOL_SOCKET, SO_MEMINFO, mi, &len) ||
	    len < sizeof(uint32_t) * (SK_MEMINFO_WMEM_QUEUED + 1))
		return c->tail - c->head;	/* (no such kernel) */
	room = mi[SK_MEMINFO_SNDBUF] > mi[SK_MEMINFO_WMEM_QUEUED] ?
	       (mi[SK_MEMINFO_SNDBUF] - mi[SK_MEMINFO_WMEM_QUEUED]) / 2 : 0;
	/*
	 * A record larger than that room (a send buffer smaller than twice
	 * a 64 KiB GRO frame) goes alone once the socket's queue is empty:
	 * else it would never go.
	 */
	if (!mi[SK_MEMINFO_WMEM_QUEUED] && room < c->tail - c->head)
		room = SIZE_MAX / 2;
	pos = c->head;
	if (c->rec_left) {	/* the file header, or a record begun */
		pos += c->rec_left;
		if (!c->in_rec && c->rec_left > room)
			return 0;
	}
	while (pos < c->tail) {
		memcpy(&caplen, c->buf + pos + 8, sizeof(caplen));
		rec = KCAP_STREAM_REC_HDR + caplen;
		if (pos + rec - c->head > room)
			break;
		pos += rec;
		if (room == SIZE_MAX / 2)
			break;	/* that one alone */
	}
	return pos - c->head;
}

/* Send what @c's buffer holds, whole records, as its socket takes now. */
static void kcap_stream_flush(struct kcap_stream *s, struct kcap_stream_conn *c)
{
	size_t want;
	ssize_t n;

	while (!c->gone && c->head < c->tail) {
		want = kcap_stream_whole(c);
		if (!want)
			return;
		n = send(c->fd, c->buf + c->head, want,
			 MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n <= 0) {
			c->gone = n < 0 ? -errno : -EPIPE;
			return;
		}
		kcap_stream_sent(s, c, (size_t)n);
	}
}

/* Room for @n more bytes at the tail of @c's buffer, or false. */
static bool kcap_stream_room(struct kcap_stream *s, struct kcap_stream_conn *c,
			     size_t n)
{
	if (c->tail - c->head + n > s->o.client_buf) {
		kcap_stream_flush(s, c);	/* what it takes now, first */
		if (c->tail - c->head + n > s->o.client_buf)
			return false;
	}
	/*
	 * Room twice the limit, so that bytes are moved back at most once
	 * per client_buf bytes written: not per frame for a client that
	 * keeps its buffer near full.
	 */
	if (c->tail + n > 2 * s->o.client_buf) {
		memmove(c->buf, c->buf + c->head, c->tail - c->head);
		c->tail -= c->head;
		c->head = 0;
	}
	return true;
}

static void kcap_stream_event(struct kcap_stream *s,
			      enum kcap_stream_event ev,
			      const struct kcap_stream_client *info)
{
	if (s->o.event_cb)
		s->o.event_cb(ev, info, s->o.arg);
}

/* @c leaves: what it was not sent counts as dropped. */
static void kcap_stream_drop_conn(struct kcap_stream *s, unsigned int i)
{
	struct kcap_stream_conn *c = s->conns[i];
	uint64_t unsent = c->queued - c->info.sent - c->info.dropped;
	char junk[4096];

	c->info.dropped += unsent;
	s->t.dropped += unsent;
	c->info.err = c->gone;
	if (!c->gone) {
		/*
		 * Closed by us: the end of the stream after the last record.
		 * What it sent is read first: close() with unread bytes would
		 * reset the connection, and what is in flight with it.
		 */
		shutdown(c->fd, SHUT_WR);
		while (recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT) > 0)
			;
	}
	close(c->fd);
	kcap_stream_event(s, KCAP_STREAM_LEFT, &c->info);
	free(c->buf);
	free(c);
	s->conns[i] = s->conns[--s->nr];
}

static void kcap_stream_reap(struct kcap_stream *s)
{
	unsigned int i = 0;

	while (i < s->nr) {
		if (s->conns[i]->gone)
			kcap_stream_drop_conn(s, i);
		else
			i++;
	}
}

int kcap_stream_write(struct kcap_stream *s, const struct kcap_frame *f)
{
	uint32_t caplen = f->caplen < s->snaplen ? f->caplen : s->snaplen;
	size_t n = KCAP_STREAM_REC_HDR + caplen;
	struct kcap_stream_conn *c;
	unsigned int i;
	bool gone = false;

	if (!s->nr)
		return 0;
	kcap_pcap_rec_header(s->rec, f->tstamp_ns, caplen, f->len, s->o.nano);
	memcpy(s->rec + KCAP_STREAM_REC_HDR, f->data, caplen);
	for (i = 0; i < s->nr; i++) {
		c = s->conns[i];
		if (c->gone)
			continue;
		c->queued++;
		if (!kcap_stream_room(s, c, (size_t)n)) {
			c->info.dropped++;
			s->t.dropped++;
			continue;
		}
		memcpy(c->buf + c->tail, s->rec, (size_t)n);
		c->tail += (size_t)n;
		if (c->tail - c->head >= KCAP_STREAM_SEND_BYTES)
			kcap_stream_flush(s, c);
		gone = gone || c->gone;
	}
	if (gone)
		kcap_stream_reap(s);
	return 0;
}

/* A client that connected: its stream starts with the file header. */
static void kcap_stream_accept(struct kcap_stream *s)
{
	struct sockaddr_storage ss;
	struct kcap_stream_client info;
	struct kcap_stream_conn *c;
	socklen_t len;
	int fd;

	for (;;) {
		len = sizeof(ss);
		fd = accept4(s->fd, (struct sockaddr *)&ss, &len,
			     SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0 && errno == EINTR)
			continue;
		if (fd < 0)
			return;	/* EAGAIN: none left; else try again later */
		memset(&info, 0, sizeof(info));
		kcap_stream_name((struct sockaddr *)&ss, len, info.addr,
				 sizeof(info.addr));
		c = s->nr < s->o.max_clients ? calloc(1, sizeof(*c)) : NULL;
		if (c)
			c->buf = malloc(2 * s->o.client_buf);
		if (!c || !c->buf) {
			free(c);
			close(fd);
			info.err = s->nr < s->o.max_clients ? -ENOMEM :
							      -EMFILE;
			kcap_stream_event(s, KCAP_STREAM_REFUSED, &info);
			continue;
		}
		/*
		 * A client that closed its connection whole is noticed at the
		 * first send after it; on a capture that sends nothing, the
		 * probes notice it once its end is gone (the peer's FIN_WAIT2,
		 * a minute on Linux), or a client gone without a word.
		 */
		kcap_tcp_keepalive(fd);
		c->fd = fd;
		c->info = info;
		c->rec_left = KCAP_STREAM_FILE_HDR;
		memcpy(c->buf, s->hdr, KCAP_STREAM_FILE_HDR);
		c->tail = KCAP_STREAM_FILE_HDR;
		s->conns[s->nr++] = c;
		s->t.clients++;
		kcap_stream_event(s, KCAP_STREAM_JOINED, &c->info);
		kcap_stream_flush(s, c);
	}
}

/*
 * Clients send nothing: what one sends is read and thrown away.  The end
 * of what it sends is not the end of what it reads: "nc -N" and the like
 * shut their sending side down and go on reading, so such a client is
 * served until a send to it fails, or the kernel says the connection is
 * reset (POLLERR, POLLHUP), as it will soon after the first send to a
 * client that closed the connection whole, or when keepalive's probes
 * find its end gone.
 */
static void kcap_stream_poll(struct kcap_stream *s)
{
	struct pollfd pfd[KCAP_STREAM_CLIENTS_MAX];
	struct kcap_stream_conn *c;
	char junk[4096];
	unsigned int i;
	socklen_t len;
	int err;
	ssize_t n;

	/*
	 * POLLOUT for a client with bytes waiting: a socket found full so
	 * is one whose send buffer TCP grows (SOCK_NOSPACE), as it would
	 * after a send that did not fit, which kcap_stream_whole() avoids.
	 */
	for (i = 0; i < s->nr; i++) {
		pfd[i].fd = s->conns[i]->fd;
		pfd[i].events = s->conns[i]->rd_eof ? 0 : POLLIN;
		if (s->conns[i]->head < s->conns[i]->tail)
			pfd[i].events |= POLLOUT;
		pfd[i].revents = 0;
	}
	if (poll(pfd, s->nr, 0) <= 0)
		return;
	for (i = 0; i < s->nr; i++) {
		c = s->conns[i];
		if (c->rd_eof && (pfd[i].revents & (POLLHUP | POLLERR))) {
			len = sizeof(err);
			if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) ||
			    !err)
				err = ECONNRESET;
			c->gone = -err;
			continue;
		}
		if (c->rd_eof ||
		    !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = recv(c->fd, junk, sizeof(junk), MSG_DONTWAIT);
		if (n == 0)
			c->rd_eof = true;
		else if (n < 0 && errno != EAGAIN && errno != EINTR)
			c->gone = -errno;
	}
}

int kcap_stream_serve(struct kcap_stream *s)
{
	unsigned int i;

	kcap_stream_accept(s);
	kcap_stream_poll(s);
	for (i = 0; i < s->nr; i++)
		kcap_stream_flush(s, s->conns[i]);
	kcap_stream_reap(s);
	return (int)s->nr;
}

unsigned int kcap_stream_nr_clients(const struct kcap_stream *s)
{
	return s->nr;
}

const struct kcap_stream_client *
kcap_stream_client(const struct kcap_stream *s, unsigned int i,
		   size_t *pending)
{
	if (i >= s->nr)
		return NULL;
	if (pending)
		*pending = s->conns[i]->tail - s->conns[i]->head;
	return &s->conns[i]->info;
}

const struct kcap_stream_totals *
kcap_stream_totals(const struct kcap_stream *s)
{
	return &s->t;
}

static uint64_t kcap_stream_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

void kcap_stream_close(struct kcap_stream *s, int timeout_ms)
{
	struct pollfd pfd[KCAP_STREAM_CLIENTS_MAX];
	uint64_t end = kcap_stream_ms() + (uint64_t)(timeout_ms > 0 ?
						     timeout_ms : 0);
	unsigned int i, k;
	int64_t left;

	if (!s)
		return;
	/* What the clients were given, out within @timeout_ms. */
	for (;;) {
		kcap_stream_poll(s);
		for (i = k = 0; i < s->nr; i++) {
			kcap_stream_flush(s, s->conns[i]);
			if (s->conns[i]->head < s->conns[i]->tail &&
			    !s->conns[i]->gone) {
				pfd[k].fd = s->conns[i]->fd;
				pfd[k].events = POLLOUT;
				pfd[k++].revents = 0;
			}
		}
		kcap_stream_reap(s);
		left = (int64_t)end - (int64_t)kcap_stream_ms();
		if (!k || left <= 0)
			break;
		poll(pfd, k, left < 100 ? (int)left : 100);
	}
	while (s->nr)
		kcap_stream_drop_conn(s, s->nr - 1);
	if (s->fd >= 0)
		close(s->fd);
	free(s->rec);
	free(s);
}
