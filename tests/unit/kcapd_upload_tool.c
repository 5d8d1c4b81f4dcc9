// SPDX-License-Identifier: GPL-2.0
/*
 * kcapd_upload_tool: kcapd_s3_put() and kcapd_http_post() from the command
 * line, for tests/harness/kcapd-upload.
 *
 *	kcapd_upload_tool s3 --endpoint HOST:PORT --bucket B [--folder F]
 *		[--scheme http|https] [--region R] [--acl A] [--encryption]
 *		[--id ID --secret KEY] COMMON FILE
 *	kcapd_upload_tool http --url URL [--token T] [--form-tags TAGS]
 *		COMMON FILE
 *
 * COMMON: --key K [--type T] [--node N] [--tags T] [--customer C]
 *	   [--alertid A] [--interfaces I] [--retries N] [--delay S]
 *	   [--threads N] [--hwm]
 *
 * Prints "ok WHERE" for each upload that succeeded and "error: MSG" (on
 * stderr) for each that failed; exit 0 if all succeeded, 1 if one failed,
 * 2 on a usage error.  --threads N uploads FILE N times at once, from N
 * threads sharing its one descriptor, under the keys "I-KEY" (I from 0);
 * --hwm prints "VmHWM N" (kB, the peak of the resident set) last.
 */

#include <fcntl.h>
#include <getopt.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kcapd.h"

#define TOOL_THREADS_MAX	16

struct tool {
	bool				s3;
	struct kcapd_s3_target		s3t;
	struct kcapd_http_target	ht;
	struct kcapd_object		obj;
	uint32_t			retries, delay;
};

/* One upload, in a thread of its own. */
struct tool_job {
	const struct tool	*tool;
	struct kcapd_object	obj;
	char			key[KCAPD_PATH_MAX];
	char			where[KCAPD_PATH_MAX];
	struct kcapd_err	err;
	int			rc;
	pthread_t		thread;
};

static void *tool_upload(void *arg)
{
	struct tool_job *j = arg;
	const struct tool *t = j->tool;

	if (t->s3)
		j->rc = kcapd_s3_put(&t->s3t, &j->obj, t->retries, t->delay,
				     j->where, sizeof(j->where), &j->err);
	else
		j->rc = kcapd_http_post(&t->ht, &j->obj, t->retries, t->delay,
					j->where, sizeof(j->where), &j->err);
	return NULL;
}

static int usage(void)
{
	fprintf(stderr, "usage: kcapd_upload_tool s3|http [OPTIONS] FILE (see the source)\n");
	return 2;
}

/* The peak resident set, from /proc/self/status. */
static long tool_hwm(void)
{
	char line[256];
	long kb = -1;
	FILE *f = fopen("/proc/self/status", "r");

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmHWM: %ld kB", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

static const struct option tool_opts[] = {
	{ "endpoint", required_argument, NULL, 'e' },
	{ "bucket", required_argument, NULL, 'b' },
	{ "folder", required_argument, NULL, 'f' },
	{ "scheme", required_argument, NULL, 's' },
	{ "region", required_argument, NULL, 'r' },
	{ "acl", required_argument, NULL, 'a' },
	{ "encryption", no_argument, NULL, 'E' },
	{ "id", required_argument, NULL, 'i' },
	{ "secret", required_argument, NULL, 'S' },
	{ "url", required_argument, NULL, 'U' },
	{ "token", required_argument, NULL, 'T' },
	{ "form-tags", required_argument, NULL, 'F' },
	{ "key", required_argument, NULL, 'k' },
	{ "type", required_argument, NULL, 't' },
	{ "node", required_argument, NULL, 'n' },
	{ "tags", required_argument, NULL, 'g' },
	{ "customer", required_argument, NULL, 'c' },
	{ "alertid", required_argument, NULL, 'A' },
	{ "interfaces", required_argument, NULL, 'I' },
	{ "retries", required_argument, NULL, 'R' },
	{ "delay", required_argument, NULL, 'D' },
	{ "threads", required_argument, NULL, 'N' },
	{ "hwm", no_argument, NULL, 'H' },
	{ NULL, 0, NULL, 0 },
};

/* The options into @t; the number of threads, or -1 on a usage error. */
static int tool_parse(int argc, char **argv, struct tool *t, bool *hwm)
{
	int opt, threads = 1;

	t->s3t.scheme = "http";
	t->s3t.region = "us-east-1";
	while ((opt = getopt_long(argc, argv, "", tool_opts, NULL)) != -1) {
		switch (opt) {
		case 'e': t->s3t.endpoint = optarg; break;
		case 'b': t->s3t.bucket = optarg; break;
		case 'f': t->s3t.folder = optarg; break;
		case 's': t->s3t.scheme = optarg; break;
		case 'r': t->s3t.region = optarg; break;
		case 'a': t->s3t.acl = optarg; break;
		case 'E': t->s3t.encryption = true; break;
		case 'i': t->s3t.accessid = optarg; break;
		case 'S': t->s3t.accesskey = optarg; break;
		case 'U': t->ht.url = optarg; break;
		case 'T': t->ht.token = optarg; break;
		case 'F': t->ht.tags = optarg; break;
		case 'k': t->obj.key = optarg; break;
		case 't': t->obj.content_type = optarg; break;
		case 'n': t->obj.node = optarg; break;
		case 'g': t->obj.tags = optarg; break;
		case 'c': t->obj.customer = optarg; break;
		case 'A': t->obj.alertid = optarg; break;
		case 'I': t->obj.interfaces = optarg; break;
		case 'R': t->retries = strtoul(optarg, NULL, 10); break;
		case 'D': t->delay = strtoul(optarg, NULL, 10); break;
		case 'N': threads = atoi(optarg); break;
		case 'H': *hwm = true; break;
		default: return -1;
		}
	}
	if (optind != argc - 1 || !t->obj.key || threads < 1 ||
	    threads > TOOL_THREADS_MAX)
		return -1;
	return threads;
}

/* Open FILE into @t->obj. */
static int tool_open(const char *path, struct tool *t)
{
	struct stat st;

	t->obj.fd = open(path, O_RDONLY | O_CLOEXEC);
	if (t->obj.fd < 0 || fstat(t->obj.fd, &st)) {
		perror(path);
		return -1;
	}
	t->obj.size = st.st_size;
	return 0;
}

static int tool_run(struct tool *t, int threads)
{
	struct tool_job jobs[TOOL_THREADS_MAX];
	int i, failed = 0;

	for (i = 0; i < threads; i++) {
		struct tool_job *j = &jobs[i];

		memset(j, 0, sizeof(*j));
		j->tool = t;
		j->obj = t->obj;
		if (threads > 1) {
			snprintf(j->key, sizeof(j->key), "%d-%s", i, t->obj.key);
			j->obj.key = j->key;
		}
		if (pthread_create(&j->thread, NULL, tool_upload, j)) {
			fprintf(stderr, "error: pthread_create\n");
			return 1;
		}
	}
	for (i = 0; i < threads; i++) {
		pthread_join(jobs[i].thread, NULL);
		if (jobs[i].rc) {
			fprintf(stderr, "error: %s\n", jobs[i].err.msg);
			failed = 1;
		} else {
			printf("ok %s\n", jobs[i].where);
		}
	}
	return failed;
}

int main(int argc, char **argv)
{
	struct tool t = { 0 };
	bool hwm = false;
	int threads, rc;

	if (argc < 2 || (strcmp(argv[1], "s3") && strcmp(argv[1], "http")))
		return usage();
	t.s3 = !strcmp(argv[1], "s3");
	threads = tool_parse(argc - 1, argv + 1, &t, &hwm);
	if (threads < 0)
		return usage();
	if (tool_open(argv[argc - 1], &t))
		return 1;
	if (kcapd_upload_init()) {
		fprintf(stderr, "error: kcapd_upload_init failed\n");
		return 1;
	}
	rc = tool_run(&t, threads);
	kcapd_upload_exit();
	if (hwm)
		printf("VmHWM %ld\n", tool_hwm());
	close(t.obj.fd);
	return rc;
}
