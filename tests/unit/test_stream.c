// SPDX-License-Identifier: GPL-2.0
/*
 * libkcap: the pcap stream over TCP (kcap_stream_*()), served on
 * 127.0.0.1 to clients of this process, read back with libpcap.  A client
 * that reads gets every frame; one that does not read never holds up the
 * server, loses frames that are counted, and what it reads at last is a
 * valid pcap stream of whole records.
 */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
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

#define LINKTYPE_ETHERNET	1
#define BASE_NS			1700000000000000000ULL
#define MAX_FRAME		1500

/* Frame @i: its index in its first 4 bytes, then a pattern. */
static void make_frame(uint32_t i, struct kcap_frame *f, uint8_t *buf)
{
	uint32_t j;

	memset(f, 0, sizeof(*f));
	f->caplen = 60 + (i * 37) % 1400;
	f->len = f->caplen + (i % 3 ? 0 : 100);
	f->tstamp_ns = BASE_NS + (uint64_t)i * 1000003ULL;
	f->ifindex = 2;
	memcpy(buf, &i, sizeof(i));
	for (j = sizeof(i); j < f->caplen; j++)
		buf[j] = (uint8_t)(i + j);
	f->data = buf;
}

struct reader {
	int		fd;
	bool		nano;
	uint64_t	n;		/* frames read */
	uint64_t	bad;		/* that were not as sent */
	int		end;		/* pcap_next_ex()'s last return */
	int64_t		last;		/* the last index read */
	char		err[PCAP_ERRBUF_SIZE];
};

/* Read a client's stream with libpcap, checking each frame. */
static void *reader_run(void *arg)
{
	struct reader *r = arg;
	struct pcap_pkthdr *h;
	const u_char *data;
	uint8_t want[MAX_FRAME];
	struct kcap_frame f;
	uint32_t idx;
	FILE *fp = fdopen(r->fd, "r");
	pcap_t *p;
	uint64_t frac;

	r->last = -1;
	p = fp ? pcap_fopen_offline_with_tstamp_precision(fp,
			r->nano ? PCAP_TSTAMP_PRECISION_NANO :
				  PCAP_TSTAMP_PRECISION_MICRO, r->err) : NULL;
	if (!p) {
		r->end = -100;
		return NULL;
	}
	if (pcap_datalink(p) != DLT_EN10MB || pcap_snapshot(p) != 2000)
		r->bad++;
	while ((r->end = pcap_next_ex(p, &h, &data)) == 1) {
		memcpy(&idx, data, sizeof(idx));
		make_frame(idx, &f, want);
		frac = f.tstamp_ns % 1000000000;
		if ((int64_t)idx <= r->last || h->caplen != f.caplen ||
		    h->len != f.len || memcmp(data, want, f.caplen) ||
		    (uint64_t)h->ts.tv_sec != f.tstamp_ns / 1000000000 ||
		    (uint64_t)h->ts.tv_usec != (r->nano ? frac : frac / 1000))
			r->bad++;
		r->last = idx;
		r->n++;
	}
	if (r->end == PCAP_ERROR)
		snprintf(r->err, sizeof(r->err), "%s", pcap_geterr(p));
	pcap_close(p);	/* fclose()s fp */
	return NULL;
}

struct events {
	unsigned int			joined, left, refused;
	struct kcap_stream_client	gone[4];
};

static void on_event(enum kcap_stream_event ev,
		     const struct kcap_stream_client *c, void *arg)
{
	struct events *e = arg;

	if (ev == KCAP_STREAM_JOINED)
		e->joined++;
	else if (ev == KCAP_STREAM_REFUSED)
		e->refused++;
	else if (e->left < 4)
		e->gone[e->left++] = *c;
	else
		e->left++;
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* The port of @s, from "127.0.0.1:PORT". */
static uint16_t stream_port(const struct kcap_stream *s)
{
	const char *a = kcap_stream_address(s);

	assert_non_null(strrchr(a, ':'));
	return (uint16_t)atoi(strrchr(a, ':') + 1);
}

/* A client connected, with a receive buffer of @rcvbuf bytes (0: as is). */
static int client(uint16_t port, int rcvbuf)
{
	struct sockaddr_in sin = { .sin_family = AF_INET,
				   .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	if (rcvbuf)
		assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf,
					    sizeof(rcvbuf)), 0);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
	return fd;
}

/* Serve until @s has @n clients (accept is not instant). */
static void wait_clients(struct kcap_stream *s, unsigned int n)
{
	int i;

	for (i = 0; i < 2000 && kcap_stream_serve(s) != (int)n; i++)
		usleep(1000);
	assert_int_equal(kcap_stream_nr_clients(s), n);
}

static struct kcap_stream *open_stream(bool nano, size_t client_buf,
				       struct events *ev)
{
	struct kcap_stream_opts o = {
		.addr = "127.0.0.1:0", .linktype = LINKTYPE_ETHERNET,
		.snaplen = 2000, .nano = nano, .client_buf = client_buf,
		.event_cb = on_event, .arg = ev,
	};
	struct kcap_stream *s;
	struct kcap_error e;

	assert_int_equal(kcap_stream_open(&s, &o, &e), 0);
	assert_int_equal(strncmp(kcap_stream_address(s), "127.0.0.1:", 10), 0);
	assert_true(stream_port(s) > 0);
	return s;
}

/*
 * Two clients: the first reads all the time, the second not at all until
 * the frames are written.  The writes never wait; the first gets every
 * frame, the second loses frames (counted), and reads whole records.
 */
static void test_stream_stalled_client(void **state)
{
	enum { N = 20000 };
	struct reader r1 = { 0 }, r2 = { 0 };
	struct events ev = { 0 };
	struct kcap_stream *s;
	struct kcap_frame f;
	uint8_t buf[MAX_FRAME];
	pthread_t t1, t2;
	uint64_t t0, spent = 0, worst = 0, d;
	size_t pending;
	uint32_t i;

	(void)state;
	alarm(60);	/* a server that blocks fails here, not forever */
	s = open_stream(false, 256 << 10, &ev);
	r1.fd = client(stream_port(s), 0);
	wait_clients(s, 1);
	r2.fd = client(stream_port(s), 4096);
	wait_clients(s, 2);
	assert_int_equal(ev.joined, 2);
	assert_int_equal(pthread_create(&t1, NULL, reader_run, &r1), 0);

	for (i = 0; i < N; i++) {
		/*
		 * The test waits for the first client (a reader in a thread
		 * here, as fast as the writer or not): the stream itself
		 * never does, and the time is counted in its calls only.
		 */
		while (kcap_stream_client(s, 0, &pending) &&
		       pending > (64 << 10)) {
			usleep(50);
			kcap_stream_serve(s);
		}
		make_frame(i, &f, buf);
		t0 = now_us();
		assert_int_equal(kcap_stream_write(s, &f), 0);
		if (i % 64 == 0)
			kcap_stream_serve(s);
		d = now_us() - t0;
		spent += d;
		worst = d > worst ? d : worst;
	}
	print_message("# %d frames to 2 clients: %llu us in the stream's calls, %llu us the longest\n",
		      N, (unsigned long long)spent, (unsigned long long)worst);
	assert_true(spent < 2000000);
	assert_true(worst < 200000);
	assert_int_equal(kcap_stream_nr_clients(s), 2);
	assert_int_equal(kcap_stream_client(s, 0, NULL)->dropped, 0);
	assert_true(kcap_stream_client(s, 1, NULL)->dropped > 0);

	/*
	 * The stream closes while the second still does not read: what it
	 * was sent must still end on a whole record.  It reads at last.
	 */
	kcap_stream_close(s, 200);
	pthread_join(t1, NULL);
	assert_int_equal(pthread_create(&t2, NULL, reader_run, &r2), 0);
	pthread_join(t2, NULL);
	alarm(0);

	assert_int_equal(ev.left, 2);
	print_message("# first client: %llu read, %llu sent, %llu dropped; second: %llu read, %llu sent, %llu dropped\n",
		      (unsigned long long)r1.n,
		      (unsigned long long)ev.gone[ev.gone[0].dropped ? 1 : 0].sent,
		      (unsigned long long)ev.gone[ev.gone[0].dropped ? 1 : 0].dropped,
		      (unsigned long long)r2.n,
		      (unsigned long long)ev.gone[ev.gone[0].dropped ? 0 : 1].sent,
		      (unsigned long long)ev.gone[ev.gone[0].dropped ? 0 : 1].dropped);
	/* The first: every frame, as written, then the end of the stream. */
	assert_string_equal(r1.err, "");
	assert_int_equal(r1.end, PCAP_ERROR_BREAK);
	assert_int_equal(r1.n, N);
	assert_int_equal(r1.bad, 0);
	/* The second: whole records, in order, as many as it was sent. */
	assert_string_equal(r2.err, "");
	assert_int_equal(r2.end, PCAP_ERROR_BREAK);
	assert_int_equal(r2.bad, 0);
	assert_true(r2.n > 0 && r2.n < N);
	for (i = 0; i < 2; i++) {
		const struct kcap_stream_client *c = &ev.gone[i];

		assert_int_equal(c->err, 0);	/* closed by the stream */
		assert_int_equal(c->sent + c->dropped, N);
		assert_int_equal(c->sent, c->dropped ? r2.n : r1.n);
	}
}

/* Nanosecond timestamps; a client that goes away is noticed and counted. */
static void test_stream_nano_and_leaving(void **state)
{
	struct reader r = { .nano = true };
	struct events ev = { 0 };
	struct kcap_stream *s;
	struct kcap_frame f;
	uint8_t buf[MAX_FRAME];
	int gone;
	uint32_t i;

	(void)state;
	alarm(30);
	s = open_stream(true, 0, &ev);
	r.fd = client(stream_port(s), 0);
	gone = client(stream_port(s), 0);
	wait_clients(s, 2);
	close(gone);
	for (i = 0; i < 50 && kcap_stream_serve(s) != 1; i++)
		usleep(1000);
	assert_int_equal(kcap_stream_nr_clients(s), 1);
	assert_int_equal(ev.left, 1);
	assert_int_equal(ev.gone[0].err, -ECONNRESET);
	assert_int_equal(ev.gone[0].sent, 0);
	for (i = 0; i < 10; i++) {
		make_frame(i, &f, buf);
		assert_int_equal(kcap_stream_write(s, &f), 0);
	}
	kcap_stream_close(s, 5000);
	reader_run(&r);
	alarm(0);
	assert_int_equal(r.end, PCAP_ERROR_BREAK);
	assert_int_equal(r.n, 10);
	assert_int_equal(r.bad, 0);
	assert_int_equal(ev.left, 2);
	assert_int_equal(ev.gone[1].sent, 10);
	assert_int_equal(ev.gone[1].dropped, 0);
}

/*
 * A client that shuts its sending side down (nc -N does, once its input
 * ends) still reads: it is served to the end.  One that closes whole,
 * which the stream cannot tell from that until it sends, leaves at the
 * first frames sent to it.
 */
static void test_stream_half_close(void **state)
{
	struct reader r = { 0 };
	struct events ev = { 0 };
	struct kcap_stream *s;
	struct kcap_frame f;
	uint8_t buf[MAX_FRAME], hdr[24];
	uint32_t i, k;
	int whole;

	(void)state;
	alarm(30);
	s = open_stream(false, 0, &ev);
	r.fd = client(stream_port(s), 0);
	assert_int_equal(shutdown(r.fd, SHUT_WR), 0);
	whole = client(stream_port(s), 0);
	wait_clients(s, 2);
	/* Its file header read, nothing unread: close() sends a FIN. */
	assert_int_equal(recv(whole, hdr, sizeof(hdr), MSG_WAITALL), sizeof(hdr));
	close(whole);
	for (i = 0; i < 100; i++) {
		kcap_stream_serve(s);
		usleep(1000);
	}
	assert_int_equal(kcap_stream_nr_clients(s), 2);
	assert_int_equal(ev.left, 0);
	/* Frames: the closed one's socket is reset, and it is dropped. */
	for (i = 0; i < 10; i++) {
		make_frame(i, &f, buf);
		assert_int_equal(kcap_stream_write(s, &f), 0);
		kcap_stream_serve(s);
	}
	for (i = 0, k = 10; i < 2000 && kcap_stream_serve(s) != 1; i++) {
		if (i % 100 == 99) {	/* sends provoke the reset */
			make_frame(k++, &f, buf);
			assert_int_equal(kcap_stream_write(s, &f), 0);
		}
		usleep(1000);
	}
	assert_int_equal(kcap_stream_nr_clients(s), 1);
	assert_int_equal(ev.left, 1);
	assert_true(ev.gone[0].err == -EPIPE || ev.gone[0].err == -ECONNRESET);
	kcap_stream_close(s, 5000);
	reader_run(&r);
	alarm(0);
	assert_int_equal(r.end, PCAP_ERROR_BREAK);
	assert_int_equal(r.n, k);
	assert_int_equal(r.bad, 0);
	assert_int_equal(ev.left, 2);
	assert_int_equal(ev.gone[1].err, 0);	/* closed by the stream */
	assert_int_equal(ev.gone[1].sent, r.n);
	assert_int_equal(ev.gone[1].dropped, 0);
}

/*
 * The timer of the established TCP socket on 127.0.0.1:@port, as
 * /proc/net/tcp says ("tr": 0 none, 1 retransmit, 2 keepalive), or -1.
 */
static int tcp_timer(uint16_t port)
{
	char line[512], local[64];
	unsigned int st, tr, lport;
	FILE *f = fopen("/proc/net/tcp", "r");
	int found = -1;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, " %*u: %63s %*s %x %*x:%*x %x:", local, &st,
			   &tr) != 3 || !strchr(local, ':'))
			continue;
		lport = (unsigned int)strtoul(strchr(local, ':') + 1, NULL, 16);
		if (st == 1 && lport == port)
			found = (int)tr;
	}
	fclose(f);
	return found;
}

/*
 * Each client's connection is probed by TCP keepalive, so that one gone
 * (closed whole, or without a word) while the capture sends nothing does
 * not keep its place: the kernel holds the keepalive timer of the
 * stream's end of it once the file header is acknowledged.
 */
static void test_stream_client_keepalive(void **state)
{
	struct events ev = { 0 };
	struct kcap_stream *s;
	int fd, i, tr = -1;

	(void)state;
	alarm(30);
	s = open_stream(false, 0, &ev);
	fd = client(stream_port(s), 0);
	wait_clients(s, 1);
	for (i = 0; i < 1000 && (tr = tcp_timer(stream_port(s))) != 2; i++) {
		kcap_stream_serve(s);
		usleep(1000);
	}
	assert_int_equal(tr, 2);
	close(fd);
	kcap_stream_close(s, 0);
	alarm(0);
}

/* A port in use: one clear error; addresses as [ADDR:]PORT. */
static void test_stream_addresses(void **state)
{
	struct kcap_stream_opts o = { .linktype = LINKTYPE_ETHERNET };
	struct kcap_stream *s, *s2;
	struct sockaddr_storage ss;
	struct kcap_error e;
	char addr[64], want[128];
	socklen_t len;
	static const char *const bad[] = {
		"", "x", "70000", "127.0.0.1", "127.0.0.1:", ":5000",
		"[::1]", "[::1:5000", "::1:5000", "1.2.3:5000", "localhost:5000",
		"5000x", "-1", "[127.0.0.1]:5000",
	};
	size_t i;

	(void)state;
	assert_int_equal(kcap_stream_parse_addr("5000", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(((struct sockaddr_in *)&ss)->sin_addr.s_addr,
			 htonl(INADDR_LOOPBACK));
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 5000);
	assert_int_equal(kcap_stream_parse_addr("0.0.0.0:5001", &ss, &len), 0);
	assert_int_equal(((struct sockaddr_in *)&ss)->sin_addr.s_addr, 0);
	assert_int_equal(kcap_stream_parse_addr("[::1]:5002", &ss, &len), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(ntohs(((struct sockaddr_in6 *)&ss)->sin6_port), 5002);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (kcap_stream_parse_addr(bad[i], &ss, &len) != -EINVAL)
			fail_msg("'%s' taken", bad[i]);
	}

	o.addr = "127.0.0.1:0";
	assert_int_equal(kcap_stream_open(&s, &o, &e), 0);
	snprintf(addr, sizeof(addr), "%s", kcap_stream_address(s));
	o.addr = addr;
	assert_int_equal(kcap_stream_open(&s2, &o, &e), -EADDRINUSE);
	assert_null(s2);
	snprintf(want, sizeof(want),
		 "cannot listen on %s: Address already in use", addr);
	assert_string_equal(e.msg, want);
	kcap_stream_close(s, 0);

	o.addr = "nope";
	assert_int_equal(kcap_stream_open(&s, &o, &e), -EINVAL);
	assert_non_null(strstr(e.msg, "cannot listen on 'nope': not [ADDR:]PORT"));

	/* IPv6 loopback, where the host has it. */
	o.addr = "[::1]:0";
	if (!kcap_stream_open(&s, &o, &e)) {
		assert_int_equal(strncmp(kcap_stream_address(s), "[::1]:", 6), 0);
		kcap_stream_close(s, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stream_stalled_client),
		cmocka_unit_test(test_stream_nano_and_leaving),
		cmocka_unit_test(test_stream_half_close),
		cmocka_unit_test(test_stream_client_keepalive),
		cmocka_unit_test(test_stream_addresses),
	};

	return cmocka_run_group_tests_name("stream", tests, NULL, NULL);
}
