// SPDX-License-Identifier: GPL-2.0
/*
 * host-speed: how steady this machine's own CPUs are, the floor of any
 * timing make bench takes on it.  The same work, a chain of multiplies
 * and loads from 32 MiB (like an emulator's: arithmetic and memory),
 * done in chunks on each CPU in turn, one chunk at a time; each chunk's
 * time is what it was.  On a quiet machine every chunk takes the same;
 * on a virtual machine whose cores are shared with other guests, a chunk
 * can take half as long again as another, in phases of a second or more.
 *
 *	host-speed [SECONDS]
 *
 * Runs SECONDS (default 20, at most 3600) on every CPU it may run on, and
 * prints, per CPU, one line "cpu C chunks N ms T0 T1 ..." (each chunk's
 * milliseconds, in order), and exits 0; one line on stderr and exit 1 if
 * a CPU cannot be had or memory is short, 2 on a bad SECONDS.
 */

#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WORDS		(8u << 20)	/* 32 MiB of uint32_t */
#define CHUNK_STEPS	600000L	/* about 0.1 s on these machines */
#define MAX_CHUNKS	200000	/* over all CPUs: 0.1 s each, 5 ms at the least */

static volatile uint64_t sink;

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One chunk of the work on @buf: its time, in seconds. */
static double chunk(const uint32_t *buf, uint64_t seed)
{
	uint64_t acc = seed | 1;
	uint32_t x = (uint32_t)seed;
	double t0 = now();
	long i;

	for (i = 0; i < CHUNK_STEPS; i++) {
		acc = acc * 6364136223846793005ULL + (uint64_t)i;
		x += buf[(x ^ acc) & (WORDS - 1)];
	}
	sink += acc + x;
	return now() - t0;
}

int main(int argc, char **argv)
{
	unsigned long secs = 20, max, i, j, *n;
	int *cpus, ncpu = 0, c;
	double end, *ms;
	cpu_set_t set;
	uint32_t *buf;
	char *e;

	if (argc > 2 || (argc == 2 && (errno = 0, secs = strtoul(argv[1], &e, 10),
				       errno || *e || !secs || secs > 3600))) {
		fprintf(stderr, "usage: host-speed [SECONDS], SECONDS from 1 to 3600\n");
		return 2;
	}
	if (sched_getaffinity(0, sizeof(set), &set)) {
		perror("host-speed: sched_getaffinity");
		return 1;
	}
	cpus = calloc((size_t)CPU_COUNT(&set) + 1, sizeof(*cpus));
	n = calloc((size_t)CPU_COUNT(&set) + 1, sizeof(*n));
	buf = malloc(WORDS * sizeof(*buf));
	ms = malloc(MAX_CHUNKS * sizeof(*ms));
	if (!cpus || !n || !buf || !ms) {
		fprintf(stderr, "host-speed: out of memory (it needs 34 MiB)\n");
		return 1;
	}
	for (c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			cpus[ncpu++] = c;
	/* Each CPU's chunks, in turn: chunk i is CPU i % ncpu's. */
	max = MAX_CHUNKS / (unsigned long)ncpu * (unsigned long)ncpu;
	for (i = 0; i < WORDS; i++)
		buf[i] = (uint32_t)(i * 2654435761u);
	end = now() + (double)secs;
	for (i = 0; i < max && (i % (unsigned long)ncpu || now() < end); i++) {
		c = (int)(i % (unsigned long)ncpu);
		CPU_ZERO(&set);
		CPU_SET(cpus[c], &set);
		if (sched_setaffinity(0, sizeof(set), &set)) {
			fprintf(stderr, "host-speed: cannot run on CPU %d: %s\n",
				cpus[c], strerror(errno));
			return 1;
		}
		ms[i] = 1e3 * chunk(buf, i);
		n[c]++;
	}
	for (c = 0; c < ncpu; c++) {
		printf("cpu %d chunks %lu ms", cpus[c], n[c]);
		for (j = 0; j < n[c]; j++)
			printf(" %.2f", ms[j * (unsigned long)ncpu + (unsigned long)c]);
		printf("\n");
	}
	free(ms);
	free(buf);
	free(n);
	free(cpus);
	return 0;
}
