// SPDX-License-Identifier: GPL-2.0
/*
 * udpsend: the egress load of make bench: COUNT UDP datagrams from one
 * connected socket, in batches of sendmmsg(2), as fast as they go.
 *
 *	udpsend DST_IPV4 PORT PAYLOAD_BYTES COUNT
 *
 * Prints "sent N seconds S pps P" and exits 0, or one line on stderr and
 * exits 1.  A full queue (ENOBUFS, EAGAIN) is waited out and an ICMP error
 * (ECONNREFUSED) passed over; neither counts as sent.
 */

#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH	64

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static unsigned char payload[65507];
	struct mmsghdr msgs[BATCH];
	struct iovec iov[BATCH];
	struct sockaddr_in dst = { .sin_family = AF_INET };
	unsigned long long count, sent = 0;
	unsigned long size;
	double start, took;
	int fd, i, n;

	if (argc != 5 || inet_pton(AF_INET, argv[1], &dst.sin_addr) != 1) {
		fprintf(stderr, "usage: udpsend DST_IPV4 PORT PAYLOAD_BYTES COUNT\n");
		return 2;
	}
	dst.sin_port = htons((unsigned short)strtoul(argv[2], NULL, 0));
	size = strtoul(argv[3], NULL, 0);
	count = strtoull(argv[4], NULL, 0);
	if (size > sizeof(payload)) {
		fprintf(stderr, "udpsend: at most %zu payload bytes\n",
			sizeof(payload));
		return 2;
	}
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&dst, sizeof(dst))) {
		fprintf(stderr, "udpsend: cannot connect to %s: %s\n", argv[1],
			strerror(errno));
		return 1;
	}
	memset(msgs, 0, sizeof(msgs));
	for (i = 0; i < BATCH; i++) {
		iov[i].iov_base = payload;
		iov[i].iov_len = size;
		msgs[i].msg_hdr.msg_iov = &iov[i];
		msgs[i].msg_hdr.msg_iovlen = 1;
	}
	start = now();
	while (sent < count) {
		n = count - sent < BATCH ? (int)(count - sent) : BATCH;
		n = sendmmsg(fd, msgs, (unsigned int)n, 0);
		if (n < 0) {
			if (errno == ENOBUFS || errno == EAGAIN ||
			    errno == ECONNREFUSED ||
			    errno == EINTR) {
				usleep(100);
				continue;
			}
			fprintf(stderr, "udpsend: sendmmsg: %s\n",
				strerror(errno));
			return 1;
		}
		sent += (unsigned long long)n;
	}
	took = now() - start;
	printf("sent %llu seconds %.6f pps %.0f\n", sent, took,
	       took > 0 ? (double)sent / took : 0.0);
	close(fd);
	return 0;
}
