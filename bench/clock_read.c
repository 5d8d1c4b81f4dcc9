// SPDX-License-Identifier: GPL-2.0
/*
 * clock-read: what one read of the wall clock costs here, the read that
 * kcap's kernel side (ktime_get_real_ns()) and AF_PACKET's
 * (ktime_get_real_ts64()) make for every frame they take.  In the VM of
 * make bench the clock source is the TSC, so clock_gettime(CLOCK_REALTIME)
 * reads it in the vDSO, as the kernel does: under TCG each read of the
 * TSC is a call into the emulator.
 *
 *	clock-read [COUNT]
 *
 * COUNT reads (default 1000000), timed together.  Prints
 * "reads N ns_per_read X" and exits 0; one line on stderr and exit 1 if
 * the clock cannot be read, 2 on a bad COUNT.
 */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

/* Where each read goes, so that none is left out. */
static volatile long sink;

int main(int argc, char **argv)
{
	struct timespec t0, t1, ts;
	unsigned long n = 1000000, i;
	char *end;

	if (argc > 2 || (argc == 2 && (errno = 0, n = strtoul(argv[1], &end, 10),
					errno || *end || !n || n > 1000000000))) {
		fprintf(stderr, "usage: clock-read [COUNT], COUNT from 1 to 1000000000\n");
		return 2;
	}
	if (clock_gettime(CLOCK_MONOTONIC, &t0)) {
		perror("clock-read: clock_gettime");
		return 1;
	}
	for (i = 0; i < n; i++) {
		clock_gettime(CLOCK_REALTIME, &ts);
		sink = ts.tv_nsec;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("reads %lu ns_per_read %.1f\n", n,
	       ((double)(t1.tv_sec - t0.tv_sec) * 1e9 +
		(double)(t1.tv_nsec - t0.tv_nsec)) / (double)n);
	return 0;
}
