// SPDX-License-Identifier: GPL-2.0
/*
 * wake-cost: what waking up costs a process that does nothing else, the
 * floor under every reader's wake-up.  Under a steady load kcap's reader
 * wakes about 48 times a second whatever the load's rate, to keep its
 * 20 ms promise (KCAP_WAKEUP_MAX_MS); tcpdump's wakes once a ring block
 * fills.  Where a
 * wake-up is dear, as under TCG, that sets the two readers' CPU time per
 * frame apart at low rates; this measures how dear, with no reader code
 * at all.
 *
 *	wake-cost [COUNT [MS]]
 *
 * COUNT times (default 500) sleeps MS milliseconds (default 20) in poll()
 * with no file descriptors, and reads the process's CPU time around them
 * (CLOCK_THREAD_CPUTIME_ID: the scheduler's exact runtime, what make
 * bench reads from /proc/PID/task/TID/schedstat).  Prints
 * "wakes N cpu_ns_per_wake X wall_ms_per_wake Y" and exits 0; one line on
 * stderr and exit 1 if a clock cannot be read or poll() fails, 2 on bad
 * arguments.
 */

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int arg(const char *s, unsigned long max, unsigned long *v)
{
	char *end;

	errno = 0;
	*v = strtoul(s, &end, 10);
	return errno || *end || !*v || *v > max ? -1 : 0;
}

static double ns(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e9 +
	       (double)(b->tv_nsec - a->tv_nsec);
}

int main(int argc, char **argv)
{
	struct timespec c0, c1, w0, w1;
	unsigned long n = 500, ms = 20, i;

	if (argc > 3 || (argc > 1 && arg(argv[1], 1000000, &n)) ||
	    (argc > 2 && arg(argv[2], 10000, &ms))) {
		fprintf(stderr, "usage: wake-cost [COUNT [MS]], COUNT from 1 to 1000000, MS from 1 to 10000\n");
		return 2;
	}
	if (clock_gettime(CLOCK_MONOTONIC, &w0) ||
	    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c0)) {
		fprintf(stderr, "wake-cost: clock_gettime: %s\n", strerror(errno));
		return 1;
	}
	for (i = 0; i < n; i++) {
		if (poll(NULL, 0, (int)ms) < 0) {
			fprintf(stderr, "wake-cost: poll: %s\n", strerror(errno));
			return 1;
		}
	}
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c1) ||
	    clock_gettime(CLOCK_MONOTONIC, &w1)) {
		fprintf(stderr, "wake-cost: clock_gettime: %s\n", strerror(errno));
		return 1;
	}
	printf("wakes %lu cpu_ns_per_wake %.0f wall_ms_per_wake %.2f\n", n,
	       ns(&c0, &c1) / (double)n, ns(&w0, &w1) / 1e6 / (double)n);
	return 0;
}
