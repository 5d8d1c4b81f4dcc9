// SPDX-License-Identifier: GPL-2.0
/*
 * libkcap: the client of a pcap stream (kcap_pcap_parser_*() and
 * kcap_receive_*()): streams of both magics and byte orders parsed a byte
 * at a time, a stream cut inside a record (the record is left out, the
 * file is valid), and a server that is not there yet, then serves two
 * streams: a file for each, read back with libpcap.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <pcap/pcap.h>

#include "unit.h"
#include "kcap.h"

#define BASE_SEC	1700000000U
#define MAX_STREAM	65536

struct stream {
	uint8_t	b[MAX_STREAM];
	size_t	len;
};

static void put32(struct stream *s, uint32_t v, bool swap)
{
	if (swap)
		v = __builtin_bswap32(v);
	memcpy(s->b + s->len, &v, 4);
	s->len += 4;
}

static void put16(struct stream *s, uint16_t v, bool swap)
{
	if (swap)
		v = __builtin_bswap16(v);
	memcpy(s->b + s->len, &v, 2);
	s->len += 2;
}

/* A pcap stream's header, in this host's byte order or the other. */
static void stream_header(struct stream *s, bool nano, bool swap,
			  uint32_t linktype, uint32_t snaplen)
{
	put32(s, nano ? 0xa1b23c4d : 0xa1b2c3d4, swap);
	put16(s, 2, swap);
	put16(s, 4, swap);
	put32(s, 0, swap);
	put32(s, 0, swap);
	put32(s, snaplen, swap);
	put32(s, linktype, swap);
}

/* Record @i: caplen 20 + i, its bytes i + j, timestamp BASE_SEC + i, i. */
static void stream_record(struct stream *s, uint32_t i, bool swap)
{
	uint32_t j, caplen = 20 + i;

	put32(s, BASE_SEC + i, swap);
	put32(s, i, swap);
	put32(s, caplen, swap);
	put32(s, caplen + 10, swap);
	for (j = 0; j < caplen; j++)
		s->b[s->len++] = (uint8_t)(i + j);
}

static void check_frame(const struct kcap_frame *f, uint32_t i, bool nano)
{
	uint32_t j;

	assert_int_equal(f->caplen, 20 + i);
	assert_int_equal(f->len, 30 + i);
	assert_true(f->tstamp_ns == (uint64_t)(BASE_SEC + i) * 1000000000ULL +
				    (nano ? i : i * 1000ULL));
	for (j = 0; j < f->caplen; j++)
		assert_int_equal(f->data[j], (uint8_t)(i + j));
}

/* Both magics, both byte orders, fed a byte at a time. */
static void test_parser_pieces(void **state)
{
	struct kcap_pcap_parser *p;
	struct kcap_frame f;
	struct stream *s = malloc(sizeof(*s));
	uint32_t linktype, snaplen, n;
	bool nano;
	size_t k;
	int v, ret;

	(void)state;
	assert_non_null(s);
	assert_int_equal(kcap_pcap_parser_new(&p), 0);
	for (v = 0; v < 4; v++) {
		bool want_nano = v & 1, swap = v & 2;

		s->len = 0;
		stream_header(s, want_nano, swap, 101, 1234);
		for (n = 0; n < 10; n++)
			stream_record(s, n, swap);
		kcap_pcap_parser_reset(p);
		n = 0;
		for (k = 0; k < s->len; k++) {
			assert_int_equal(kcap_pcap_parser_feed(p, s->b + k, 1),
					 0);
			while ((ret = kcap_pcap_parser_next(p, &f)) == 1)
				check_frame(&f, n++, want_nano);
			assert_int_equal(ret, 0);
			if (k < 23)
				assert_false(kcap_pcap_parser_header(p, NULL,
								     NULL,
								     NULL));
		}
		assert_int_equal(n, 10);
		assert_true(kcap_pcap_parser_header(p, &linktype, &snaplen,
						    &nano));
		assert_int_equal(linktype, 101);
		assert_int_equal(snaplen, 1234);
		assert_int_equal(nano, want_nano);
		assert_int_equal(kcap_pcap_parser_pending(p), 0);
	}

	/* Not a pcap stream: a pcapng one, or garbage. */
	kcap_pcap_parser_reset(p);
	assert_int_equal(kcap_pcap_parser_feed(p, "\x0a\x0d\x0d\x0a"
					       "01234567890123456789", 24), 0);
	assert_int_equal(kcap_pcap_parser_next(p, &f), -EBADMSG);
	kcap_pcap_parser_free(p);
	free(s);
}

/* A stream cut inside a record: a valid file of the whole ones. */
static void test_record_cut(void **state)
{
	char dir[] = "/tmp/kcap-receive-XXXXXX", path[256];
	char errbuf[PCAP_ERRBUF_SIZE];
	struct kcap_record_config cfg = { .format = KCAP_FORMAT_PCAP };
	struct kcap_pcap_parser *p;
	struct kcap_record *r;
	struct pcap_pkthdr *h;
	const u_char *data;
	struct kcap_frame f;
	struct stream *s = malloc(sizeof(*s));
	pcap_t *pc;
	uint32_t n;

	(void)state;
	assert_non_null(s);
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/cut.pcap", dir);
	cfg.path = path;
	s->len = 0;
	stream_header(s, true, true, 1, 65535);
	for (n = 0; n < 5; n++)
		stream_record(s, n, true);
	s->len -= 7;	/* the last record cut short */
	assert_int_equal(kcap_pcap_parser_new(&p), 0);
	assert_int_equal(kcap_pcap_parser_feed(p, s->b, s->len), 0);
	assert_int_equal(kcap_record_open_frames(&r, &cfg, NULL), 0);
	n = 0;
	while (kcap_pcap_parser_next(p, &f) == 1) {
		if (!n)
			assert_int_equal(kcap_record_next_file(r, 1, 65535, true), 0);
		assert_int_equal(kcap_record_put(r, &f), 0);
		n++;
	}
	assert_int_equal(n, 4);
	assert_int_equal(kcap_pcap_parser_pending(p), 16 + 24 - 7);
	assert_int_equal(kcap_record_finish(r), 0);
	kcap_record_close(r);
	kcap_pcap_parser_free(p);

	pc = pcap_open_offline_with_tstamp_precision(path,
			PCAP_TSTAMP_PRECISION_NANO, errbuf);
	assert_non_null(pc);
	for (n = 0; pcap_next_ex(pc, &h, &data) == 1; n++) {
		assert_int_equal(h->caplen, 20 + n);
		assert_int_equal(data[0], (uint8_t)n);
		assert_int_equal(h->ts.tv_usec, n);	/* nanoseconds kept */
	}
	assert_int_equal(n, 4);
	pcap_close(pc);
	unlink(path);
	rmdir(dir);
	free(s);
}

/* The server: not there at first, then two streams, one after the other. */
struct server {
	uint16_t	port;
	int		err;
};

static void *server_run(void *arg)
{
	struct server *sv = arg;
	struct sockaddr_in sin = {
		.sin_family = AF_INET, .sin_port = htons(sv->port),
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK),
	};
	struct stream *s = malloc(sizeof(*s));
	int one = 1, l, c, k;
	uint32_t n;

	usleep(300000);	/* the client finds no one first */
	l = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (!s || l < 0 || bind(l, (struct sockaddr *)&sin, sizeof(sin)) ||
	    listen(l, 4)) {
		sv->err = errno ? errno : ENOMEM;
		return NULL;
	}
	for (k = 0; k < 2; k++) {
		c = accept(l, NULL, NULL);
		if (c < 0) {
			sv->err = errno;
			break;
		}
		s->len = 0;
		/* 1: Ethernet, µs, 3 frames and a cut one; 2: raw IP, ns. */
		stream_header(s, k, k, k ? 101 : 1, 65535);
		for (n = 0; n < (k ? 2U : 4U); n++)
			stream_record(s, n, k);
		if (!k)
			s->len -= 5;
		if (write(c, s->b, s->len) != (ssize_t)s->len)
			sv->err = EIO;
		close(c);
	}
	close(l);
	free(s);
	return NULL;
}

struct events {
	int	retries, first_retries, streams, closed;
	int	last_err;
	size_t	partial;
};

static void on_event(enum kcap_receive_event ev,
		     const struct kcap_receive_info *i, void *arg)
{
	struct events *e = arg;

	switch (ev) {
	case KCAP_RECEIVE_RETRY:
		e->retries++;
		e->last_err = i->err;
		e->first_retries += i->first;
		break;
	case KCAP_RECEIVE_STREAM:
		e->streams++;
		break;
	case KCAP_RECEIVE_CLOSED:
		e->closed++;
		e->partial += i->partial;
		break;
	case KCAP_RECEIVE_CONNECTED:
		break;
	}
}

/* Frames of @path: how many, the link type, each as made. */
static uint32_t read_back(const char *path, int *linktype)
{
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *data;
	pcap_t *pc;
	uint32_t n;

	pc = pcap_open_offline_with_tstamp_precision(path,
			PCAP_TSTAMP_PRECISION_NANO, errbuf);
	assert_non_null(pc);
	*linktype = pcap_datalink(pc);
	for (n = 0; pcap_next_ex(pc, &h, &data) == 1; n++) {
		assert_int_equal(h->caplen, 20 + n);
		assert_int_equal(h->len, 30 + n);
		assert_int_equal(data[h->caplen - 1], (uint8_t)(n + h->caplen - 1));
	}
	pcap_close(pc);
	return n;
}

static void test_receive_reconnect(void **state)
{
	char dir[] = "/tmp/kcap-receive-XXXXXX", path[256], addr[32];
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct kcap_receive_opts o = { 0 };
	struct server sv = { 0 };
	struct events ev = { 0 };
	socklen_t len = sizeof(sin);
	struct kcap_receive *rx;
	struct kcap_error e;
	pthread_t t;
	int fd, i, ret = 0, linktype;
	time_t end;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/rx.pcap", dir);
	/* A free port, closed again: nothing listens there at first. */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
	sv.port = ntohs(sin.sin_port);
	close(fd);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", sv.port);

	o.addr = addr;
	o.rec.path = path;
	o.rec.format = KCAP_FORMAT_PCAP;
	o.rec.packets = 5;	/* 3 of the first stream, 2 of the second */
	o.retry_min_ms = 20;
	o.retry_max_ms = 80;
	o.event_cb = on_event;
	o.arg = &ev;
	assert_int_equal(kcap_receive_open(&rx, &o, &e), 0);
	assert_int_equal(pthread_create(&t, NULL, server_run, &sv), 0);
	end = time(NULL) + 10;
	for (i = 0; !ret && time(NULL) < end; i++)
		ret = kcap_receive_step(rx, 100);
	assert_int_equal(ret, 1);
	assert_int_equal(kcap_record_progress(kcap_receive_record(rx))->why,
			 KCAP_RECORD_PACKETS);
	assert_int_equal(kcap_receive_finish(rx), 0);
	assert_int_equal(kcap_receive_info(rx)->connections, 2);
	kcap_receive_close(rx);
	pthread_join(t, NULL);
	assert_int_equal(sv.err, 0);

	assert_true(ev.retries >= 1);
	assert_int_equal(ev.first_retries, 1);	/* told once */
	assert_int_equal(ev.streams, 2);
	assert_int_equal(ev.closed, 1);
	assert_int_equal(ev.partial, 16 + 23 - 5);

	/* A file per stream, named as -C names them, each valid. */
	assert_int_equal(read_back(path, &linktype), 3);
	assert_int_equal(linktype, 1);
	unlink(path);
	snprintf(path, sizeof(path), "%s/rx.pcap1", dir);
	assert_int_equal(read_back(path, &linktype), 2);
	assert_int_equal(linktype, DLT_RAW);	/* LINKTYPE_RAW, 101 */
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
}

/*
 * A server of one kind, listening already (on a port of its own choosing):
 * the client connects as soon as it steps.
 */
enum serve_kind {
	SERVE_FAST,		/* large records, as fast as it can */
	SERVE_HEADER_ONLY,	/* a header, then closed */
	SERVE_GARBAGE,		/* a header and garbage, or a header only */
};

struct serve {
	enum serve_kind	kind;
	int		l;
	char		addr[32];
	int		accepted;
	int		err;
	double		secs;	/* how long it accepts */
	pthread_t	t;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *serve_run(void *arg)
{
	struct serve *sv = arg;
	struct stream *s = malloc(sizeof(*s));
	uint8_t *big = NULL;
	double end = now_s() + sv->secs;
	struct pollfd pfd = { .fd = sv->l, .events = POLLIN };
	size_t off, blen = 0;
	uint32_t j;
	int c;

	if (!s) {
		sv->err = ENOMEM;
		return NULL;
	}
	if (sv->kind == SERVE_FAST) {
		/* 16 records of 65000 bytes, sent over and over. */
		blen = 16 * (16 + 65000);
		big = malloc(blen);
		if (!big) {
			sv->err = ENOMEM;
			free(s);
			return NULL;
		}
		for (off = 0; off < blen; off += 16 + 65000) {
			s->len = 0;
			stream_record(s, 0, false);
			memcpy(big + off, s->b, 16);
			memcpy(big + off + 8, "\xe8\xfd\x00\x00\xe8\xfd\x00\x00", 8);
			for (j = 0; j < 65000; j++)
				big[off + 16 + j] = (uint8_t)j;
		}
	}
	while (now_s() < end) {
		if (poll(&pfd, 1, 20) != 1)
			continue;
		c = accept(sv->l, NULL, NULL);
		if (c < 0) {
			sv->err = errno;
			break;
		}
		sv->accepted++;
		s->len = 0;
		stream_header(s, false, false, 1, 0);
		if (sv->kind == SERVE_GARBAGE && sv->accepted % 2) {
			memset(s->b + s->len, 0xff, 40);	/* caplen too big */
			s->len += 40;
		}
		/*
		 * Until the client goes, or the time is up; a client that
		 * went is EPIPE here, not a SIGPIPE that kills the test.
		 */
		if (send(c, s->b, s->len, MSG_NOSIGNAL) != (ssize_t)s->len)
			sv->err = EIO;
		while (sv->kind == SERVE_FAST && now_s() < end &&
		       send(c, big, blen, MSG_NOSIGNAL) > 0)
			;
		close(c);
		if (sv->kind == SERVE_FAST)
			break;	/* one client */
	}
	free(big);
	free(s);
	return NULL;
}

static void serve_start(struct serve *sv, enum serve_kind kind, double secs)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	socklen_t len = sizeof(sin);

	memset(sv, 0, sizeof(*sv));
	sv->kind = kind;
	sv->secs = secs;
	sv->l = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(sv->l >= 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(sv->l, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(getsockname(sv->l, (struct sockaddr *)&sin, &len), 0);
	assert_int_equal(listen(sv->l, 4), 0);
	snprintf(sv->addr, sizeof(sv->addr), "127.0.0.1:%u",
		 ntohs(sin.sin_port));
	assert_int_equal(pthread_create(&sv->t, NULL, serve_run, sv), 0);
}

static void serve_stop(struct serve *sv)
{
	pthread_join(sv->t, NULL);
	close(sv->l);
	assert_int_equal(sv->err, 0);
}

/*
 * A server that sends faster than the file takes it: each step still
 * returns in its time (the caller sees its signals), not when the stream
 * ends.
 */
static void test_receive_fast_server(void **state)
{
	char dir[] = "/tmp/kcap-receive-XXXXXX", path[256];
	struct kcap_receive_opts o = { 0 };
	struct kcap_receive *rx;
	struct kcap_error e;
	struct serve sv;
	double t, longest = 0, end;
	int i;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/fast.pcap", dir);
	serve_start(&sv, SERVE_FAST, 6);
	o.addr = sv.addr;
	o.rec.path = path;
	o.rec.format = KCAP_FORMAT_PCAP;
	assert_int_equal(kcap_receive_open(&rx, &o, &e), 0);
	end = now_s() + 3;
	while (!kcap_receive_info(rx)->frames && now_s() < end)
		assert_int_equal(kcap_receive_step(rx, 50), 0);
	assert_true(kcap_receive_info(rx)->frames > 0);
	for (i = 0; i < 5; i++) {
		t = now_s();
		assert_int_equal(kcap_receive_step(rx, 50), 0);
		t = now_s() - t;
		if (t > longest)
			longest = t;
	}
	/* Still receiving, and every step back in well under a second. */
	assert_true(kcap_receive_info(rx)->frames > 16);
	assert_true(longest < 0.5);
	assert_int_equal(kcap_receive_finish(rx), 0);
	kcap_receive_close(rx);
	serve_stop(&sv);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
}

/* A pcapng file of a stream without frames is read: it has its IDB. */
static void test_receive_no_frames_pcapng(void **state)
{
	char dir[] = "/tmp/kcap-receive-XXXXXX", path[256];
	char errbuf[PCAP_ERRBUF_SIZE];
	struct kcap_receive_opts o = { 0 };
	struct events ev = { 0 };
	struct pcap_pkthdr *h;
	const u_char *data;
	struct kcap_receive *rx;
	struct kcap_error e;
	struct serve sv;
	double end;
	pcap_t *pc;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/none.pcapng", dir);
	serve_start(&sv, SERVE_HEADER_ONLY, 0.5);
	o.addr = sv.addr;
	o.rec.path = path;
	o.rec.format = KCAP_FORMAT_PCAPNG;
	o.retry_min_ms = 5000;	/* one connection */
	o.event_cb = on_event;
	o.arg = &ev;
	assert_int_equal(kcap_receive_open(&rx, &o, &e), 0);
	end = now_s() + 3;
	while (!ev.closed && now_s() < end)
		assert_int_equal(kcap_receive_step(rx, 50), 0);
	assert_int_equal(ev.streams, 1);
	assert_int_equal(ev.closed, 1);
	assert_int_equal(kcap_receive_finish(rx), 0);
	kcap_receive_close(rx);
	serve_stop(&sv);

	pc = pcap_open_offline(path, errbuf);
	if (!pc)
		fail_msg("%s: %s", path, errbuf);
	assert_int_equal(pcap_datalink(pc), 1);
	assert_int_equal(pcap_next_ex(pc, &h, &data), PCAP_ERROR_BREAK);
	pcap_close(pc);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
}

/*
 * A server that sends a header and garbage, or a header and nothing: the
 * client backs off as after a failure, not connecting (and starting a
 * file) again at once, over and over.
 */
static void test_receive_garbage_backoff(void **state)
{
	char dir[] = "/tmp/kcap-receive-XXXXXX", path[256], cmd[300];
	struct kcap_receive_opts o = { 0 };
	struct events ev = { 0 };
	struct kcap_receive *rx;
	struct kcap_error e;
	struct serve sv;
	double end;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/bad.pcap", dir);
	serve_start(&sv, SERVE_GARBAGE, 1.6);
	o.addr = sv.addr;
	o.rec.path = path;
	o.rec.format = KCAP_FORMAT_PCAP;
	o.retry_min_ms = 100;	/* 100, 200, 400, 400: 5 in 1.5 s */
	o.retry_max_ms = 400;
	o.event_cb = on_event;
	o.arg = &ev;
	assert_int_equal(kcap_receive_open(&rx, &o, &e), 0);
	end = now_s() + 1.5;
	while (now_s() < end)
		assert_int_equal(kcap_receive_step(rx, 50), 0);
	assert_int_equal(kcap_receive_finish(rx), 0);
	kcap_receive_close(rx);
	serve_stop(&sv);
	assert_true(sv.accepted >= 3);
	assert_true(sv.accepted <= 7);
	/*
	 * Each connection read is a stream, but the last one the server
	 * accepted may come as the client stops, before its header is read.
	 */
	assert_true(ev.streams == sv.accepted ||
		    ev.streams + 1 == sv.accepted);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static int sockopt(int fd, int level, int name)
{
	socklen_t len = sizeof(int);
	int v = -1;

	assert_int_equal(getsockopt(fd, level, name, &v, &len), 0);
	return v;
}

/*
 * A server whose SYNs go unanswered (its accept queue full): the client
 * gives up after connect_timeout_ms, -ETIMEDOUT, and tries again after
 * the backoff, where TCP alone would wait two minutes.  Its sockets are
 * probed by keepalive: a server gone without a word is noticed.
 */
static void test_receive_connect_timeout(void **state)
{
	char dir[] = "/tmp/kcap-receive-XXXXXX", path[256], addr[32];
	struct sockaddr_in sin = { .sin_family = AF_INET };
	struct kcap_receive_opts o = { 0 };
	socklen_t len = sizeof(sin);
	struct events ev = { 0 };
	struct kcap_receive *rx;
	struct kcap_error e;
	int lfd, cfd, fd;
	double t0, end;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/t.pcap", dir);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	lfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(listen(lfd, 0), 0);
	assert_int_equal(getsockname(lfd, (struct sockaddr *)&sin, &len), 0);
	/* One connection not accepted: the queue is full, SYNs dropped. */
	cfd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(cfd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", ntohs(sin.sin_port));
	o.addr = addr;
	o.rec.path = path;
	o.rec.format = KCAP_FORMAT_PCAP;
	o.retry_min_ms = 100;
	o.connect_timeout_ms = 300;
	o.event_cb = on_event;
	o.arg = &ev;
	assert_int_equal(kcap_receive_open(&rx, &o, &e), 0);
	t0 = now_s();
	assert_int_equal(kcap_receive_step(rx, 50), 0);
	fd = kcap_receive_fd(rx);
	assert_true(fd >= 0);	/* connecting, unanswered */
	assert_int_equal(ev.retries, 0);
	assert_int_equal(sockopt(fd, SOL_SOCKET, SO_KEEPALIVE), 1);
	assert_int_equal(sockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE), 10);
	assert_int_equal(sockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL), 5);
	assert_int_equal(sockopt(fd, IPPROTO_TCP, TCP_KEEPCNT), 3);
	end = t0 + 5;
	while (ev.retries < 2 && now_s() < end)
		assert_int_equal(kcap_receive_step(rx, 50), 0);
	/* 300 ms, 100 ms of backoff, 300 ms again. */
	assert_int_equal(ev.retries, 2);
	assert_int_equal(ev.first_retries, 1);
	assert_int_equal(ev.last_err, -ETIMEDOUT);
	assert_true(now_s() - t0 >= 0.65);
	assert_true(now_s() - t0 < 3);
	assert_int_equal(ev.streams, 0);
	assert_int_equal(kcap_receive_finish(rx), 0);
	kcap_receive_close(rx);
	close(cfd);
	close(lfd);
	unlink(path);
	rmdir(dir);
}

static void test_receive_addresses(void **state)
{
	char host[64], port[8];

	(void)state;
	assert_int_equal(kcap_receive_parse_addr("57012", host, sizeof(host),
						 port, sizeof(port)), 0);
	assert_string_equal(host, "127.0.0.1");
	assert_string_equal(port, "57012");
	assert_int_equal(kcap_receive_parse_addr("box.example:9", host,
						 sizeof(host), port,
						 sizeof(port)), 0);
	assert_string_equal(host, "box.example");
	assert_int_equal(kcap_receive_parse_addr("[::1]:9", host, sizeof(host),
						 port, sizeof(port)), 0);
	assert_string_equal(host, "::1");
	assert_int_equal(kcap_receive_parse_addr("::1:9", host, sizeof(host),
						 port, sizeof(port)), -EINVAL);
	assert_int_equal(kcap_receive_parse_addr("h:0", host, sizeof(host),
						 port, sizeof(port)), -EINVAL);
	assert_int_equal(kcap_receive_parse_addr("h:", host, sizeof(host),
						 port, sizeof(port)), -EINVAL);
	assert_int_equal(kcap_receive_parse_addr(":9", host, sizeof(host),
						 port, sizeof(port)), -EINVAL);
	assert_int_equal(kcap_receive_parse_addr("h:65536", host, sizeof(host),
						 port, sizeof(port)), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parser_pieces),
		cmocka_unit_test(test_record_cut),
		cmocka_unit_test(test_receive_reconnect),
		cmocka_unit_test(test_receive_fast_server),
		cmocka_unit_test(test_receive_no_frames_pcapng),
		cmocka_unit_test(test_receive_garbage_backoff),
		cmocka_unit_test(test_receive_connect_timeout),
		cmocka_unit_test(test_receive_addresses),
	};

	return cmocka_run_group_tests_name("receive", tests, NULL, NULL);
}
