// SPDX-License-Identifier: GPL-2.0
/*
 * kcapd(8): captures triggered through Redis, delivered to a directory, S3
 * or an HTTP endpoint; always-on recordings.
 *
 *	kcapd [-c CONFIG] [-f] [-n NODE] [-t]
 *
 * The main thread runs one poll loop: the Redis subscription, a pipe the
 * capture threads write to when they end or have a result, and a signalfd
 * for SIGTERM, SIGINT (every capture stops, is delivered, its result
 * published, then kcapd exits) and SIGHUP (the configuration read again;
 * captures in flight keep the one they started with).  A message never
 * ends the daemon: a wrong one gets a "rejected" result.
 */

#define _GNU_SOURCE	/* pipe2(), strsignal() */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include <jansson.h>

#include "daemon.h"

#define KCAPD_CONFIG		"/etc/kcapd/kcapd.json"
#define KCAPD_RESULTS_MAX	1000	/* results waiting for Redis */
#define KCAPD_FLUSH_MS		5000	/* results published at exit, at most */

#define KCAPD_EXIT_OK		0
#define KCAPD_EXIT_FAIL		1	/* could not start */
#define KCAPD_EXIT_USAGE	2

struct kcapd_conf *kcapd_conf_get(struct kcapd_conf *conf)
{
	atomic_fetch_add(&conf->refs, 1);
	return conf;
}

void kcapd_conf_put(struct kcapd_conf *conf)
{
	if (conf && atomic_fetch_sub(&conf->refs, 1) == 1) {
		kcapd_config_free(&conf->c);
		free(conf);
	}
}

/*
 * Read the configuration, and make the spool directory it names, unless
 * @check (kcapd -t changes nothing: a spool that is not there yet is
 * fine, one that is not a directory is not).
 */
static struct kcapd_conf *kcapd_conf_load(const char *path, const char *node,
					  bool check, struct kcapd_err *err)
{
	struct kcapd_conf *conf = calloc(1, sizeof(*conf));
	const char *dir;
	struct stat st;
	int fail;

	if (!conf) {
		snprintf(err->msg, sizeof(err->msg), "out of memory");
		return NULL;
	}
	atomic_init(&conf->refs, 1);
	if (kcapd_config_load(path, &conf->c, err)) {
		free(conf);
		return NULL;
	}
	if (node) {
		if (!*node || strlen(node) >= KCAPD_NAME_MAX ||
		    kcapd_check_node(node)) {
			snprintf(err->msg, sizeof(err->msg),
				 "-n: '%.64s' is not a node name (1..255 of A-Z a-z 0-9 . _ -)",
				 node);
			kcapd_conf_put(conf);
			return NULL;
		}
		free(conf->c.node);
		conf->c.node = strdup(node);
		if (!conf->c.node) {
			snprintf(err->msg, sizeof(err->msg), "out of memory");
			kcapd_conf_put(conf);
			return NULL;
		}
	}
	dir = conf->c.spooldir;
	if (!check) {
		fail = mkdir(dir, 0750) && errno != EEXIST;
	} else if (stat(dir, &st)) {
		fail = errno != ENOENT;
	} else {
		fail = !S_ISDIR(st.st_mode);
		errno = ENOTDIR;
	}
	if (fail) {
		snprintf(err->msg, sizeof(err->msg),
			 "spool directory %s: %s", dir, strerror(errno));
		kcapd_conf_put(conf);
		return NULL;
	}
	return conf;
}

/*
 * A capture that a crash interrupted, spooled as .KEY.recording: kept as
 * KEY in the spool, and said.  libkcap writes whole records only, so the
 * file is complete up to its last frame.
 */
static void kcapd_spool_recover(const struct kcapd_config *cfg)
{
	static const char suffix[] = ".recording";
	char from[KCAPD_PATH_MAX], to[KCAPD_PATH_MAX];
	DIR *dir = opendir(cfg->spooldir);
	struct dirent *de;
	size_t len;

	if (!dir)
		return;
	while ((de = readdir(dir))) {
		len = strlen(de->d_name);
		if (de->d_name[0] != '.' || len <= sizeof(suffix) ||
		    strcmp(de->d_name + len - strlen(suffix), suffix))
			continue;
		snprintf(from, sizeof(from), "%s/%s", cfg->spooldir,
			 de->d_name);
		snprintf(to, sizeof(to), "%s/%.*s", cfg->spooldir,
			 (int)(len - 1 - strlen(suffix)), de->d_name + 1);
		if (rename(from, to))
			kcapd_log(LOG_ERR, "spool: cannot keep %s as %s: %s",
				  from, to, strerror(errno));
		else
			kcapd_log(LOG_WARNING,
				  "spool: a capture interrupted when kcapd last stopped, kept as %s",
				  to);
	}
	closedir(dir);
}

void kcapd_publish(struct kcapd *d, char *json)
{
	struct kcapd_result *res, *old = NULL;

	if (!json)
		return;
	res = calloc(1, sizeof(*res));
	if (!res) {
		kcapd_log(LOG_ERR, "result dropped (out of memory): %s", json);
		free(json);
		return;
	}
	res->json = json;
	pthread_mutex_lock(&d->lock);
	*d->results_tail = res;
	d->results_tail = &res->next;
	if (++d->nr_results > KCAPD_RESULTS_MAX) {
		old = d->results;
		d->results = old->next;
		d->nr_results--;
	}
	pthread_mutex_unlock(&d->lock);
	if (old) {
		kcapd_log(LOG_ERR, "redis away too long, result dropped: %s",
			  old->json);
		free(old->json);
		free(old);
	}
	(void)!write(d->wake[1], "r", 1);
}

/* A device here, or "any": a session on every device. */
static bool kcapd_dev_exists(const char *name)
{
	return !strcmp(name, KCAP_ANY_DEVICE) || if_nametoindex(name) != 0;
}

/* A message on the channel: a capture, a rejection, or nothing. */
static void kcapd_message(struct kcapd *d, const char *msg, size_t len)
{
	const struct kcapd_config *cfg = &d->conf->c;
	struct kcapd_request req;
	struct kcapd_err err = { "" };
	unsigned int running;
	int ret;

	switch (kcapd_request_parse(msg, len, cfg, cfg->node, kcapd_dev_exists,
				    &req, &err)) {
	case KCAPD_REQ_NOT_OURS:
		return;
	case KCAPD_REQ_INVALID:
		kcapd_log(LOG_WARNING, "message rejected: %s", err.msg);
		kcapd_publish(d, kcapd_result_rejected(cfg, err.msg, msg, len));
		return;
	case KCAPD_REQ_OK:
		break;
	}
	pthread_mutex_lock(&d->lock);
	running = d->nr_jobs;
	pthread_mutex_unlock(&d->lock);
	if (running >= cfg->maxcaptures) {
		snprintf(err.msg, sizeof(err.msg),
			 "%u captures running already (general.maxcaptures)",
			 running);
	} else {
		ret = kcapd_job_start(d, &req);
		if (!ret) {
			kcapd_request_free(&req);	/* the job took it */
			return;
		}
		snprintf(err.msg, sizeof(err.msg), "cannot start a capture: %s",
			 strerror(-ret));
	}
	kcapd_log(LOG_WARNING, "message rejected: %s", err.msg);
	kcapd_publish(d, kcapd_result_rejected(cfg, err.msg, msg, len));
	kcapd_request_free(&req);
}

/* SIGHUP: a new configuration for what starts from now on. */
static void kcapd_reload(struct kcapd *d, struct kcapd_redis *redis,
			 const char *node)
{
	struct kcapd_conf *conf, *old;
	struct kcapd_err err;

	conf = kcapd_conf_load(d->config_path, node, false, &err);
	if (!conf) {
		kcapd_log(LOG_ERR, "SIGHUP: %s: %s; keeping the configuration in use",
			  d->config_path, err.msg);
		return;
	}
	kcapd_recorders_stop(d);
	pthread_mutex_lock(&d->lock);
	old = d->conf;
	d->conf = conf;
	pthread_mutex_unlock(&d->lock);
	kcapd_recorders_forget(d, &old->c);
	kcapd_redis_reconfigure(redis, &old->c, &conf->c);
	kcapd_log_close();
	kcapd_log_open(d->foreground, &conf->c);
	kcapd_conf_put(old);
	kcapd_recorders_start(d);
	kcapd_log(LOG_NOTICE, "SIGHUP: %s read again", d->config_path);
}

static int kcapd_usage(FILE *f, int status)
{
	fprintf(f, "usage: kcapd [-c CONFIG] [-f] [-n NODE] [-t]\n"
		"  -c, --config CONFIG  the configuration (default " KCAPD_CONFIG ")\n"
		"  -f, --foreground     stay in the foreground, log to stderr\n"
		"  -n, --node NODE      this node's name (default: general.node, or the host name)\n"
		"  -t, --test           check the configuration and exit\n"
		"  -h, --help           this help\n"
		"  -V, --version        kcapd's version\n"
		"See kcapd(8).\n");
	return status;
}

static int kcapd_signals(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	/* Blocked here, so in every thread: the loop reads them. */
	if (pthread_sigmask(SIG_BLOCK, &set, NULL))
		return -1;
	signal(SIGPIPE, SIG_IGN);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void kcapd_loop(struct kcapd *d, int sfd, const char *node)
{
	struct kcapd_redis *redis = kcapd_redis_new();
	struct signalfd_siginfo si;
	struct pollfd pfd[3];
	char drain[64];
	int n, timeout;

	while (!atomic_load(&d->stopping)) {
		pfd[0] = (struct pollfd){ .fd = sfd, .events = POLLIN };
		pfd[1] = (struct pollfd){ .fd = d->wake[0], .events = POLLIN };
		pfd[2] = (struct pollfd){ .fd = kcapd_redis_fd(redis),
					  .events = POLLIN };
		n = pfd[2].fd >= 0 ? 3 : 2;
		timeout = kcapd_redis_timeout(redis, d);
		if (poll(pfd, (nfds_t)n, timeout > 1000 ? 1000 : timeout) < 0 &&
		    errno != EINTR) {
			kcapd_log(LOG_CRIT, "poll: %s; stopping", strerror(errno));
			atomic_store(&d->stopping, true);
			d->failed = true;
			break;
		}
		while (read(sfd, &si, sizeof(si)) == sizeof(si)) {
			if (si.ssi_signo == SIGHUP) {
				kcapd_reload(d, redis, node);
			} else {
				kcapd_log(LOG_NOTICE, "%s: stopping the captures",
					  strsignal((int)si.ssi_signo));
				atomic_store(&d->stopping, true);
			}
		}
		while (read(d->wake[0], drain, sizeof(drain)) > 0)
			;
		kcapd_jobs_reap(d, false);
		kcapd_redis_run(redis, d, kcapd_message);
	}
	/* Every capture stops, is delivered, its result published. */
	kcapd_jobs_reap(d, true);
	kcapd_recorders_stop(d);
	kcapd_redis_flush(redis, d, KCAPD_FLUSH_MS);
	kcapd_redis_free(redis);
}

int main(int argc, char **argv)
{
	const char *node = NULL;
	struct kcapd d = {
		.config_path = KCAPD_CONFIG,
		.lock = PTHREAD_MUTEX_INITIALIZER,
	};
	struct kcapd_err err;
	bool check = false;
	int opt, sfd;

	static const struct option longopts[] = {
		{ "config",	required_argument,	NULL, 'c' },
		{ "foreground",	no_argument,		NULL, 'f' },
		{ "node",	required_argument,	NULL, 'n' },
		{ "test",	no_argument,		NULL, 't' },
		{ "help",	no_argument,		NULL, 'h' },
		{ "version",	no_argument,		NULL, 'V' },
		{ NULL,		0,			NULL, 0 }
	};

	while ((opt = getopt_long(argc, argv, "c:fn:thV", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			d.config_path = optarg;
			break;
		case 'f':
			d.foreground = true;
			break;
		case 'n':
			node = optarg;
			break;
		case 't':
			check = true;
			break;
		case 'h':
			return kcapd_usage(stdout, KCAPD_EXIT_OK);
		case 'V':
			printf("kcapd %s\n", kcap_version());
			return KCAPD_EXIT_OK;
		default:
			return kcapd_usage(stderr, KCAPD_EXIT_USAGE);
		}
	}
	if (optind < argc)
		return kcapd_usage(stderr, KCAPD_EXIT_USAGE);
	d.results_tail = &d.results;
	d.conf = kcapd_conf_load(d.config_path, node, check, &err);
	if (!d.conf) {
		fprintf(stderr, "kcapd: %s: %s (see kcapd(8))\n",
			d.config_path, err.msg);
		return KCAPD_EXIT_FAIL;
	}
	if (check) {
		printf("kcapd: %s: ok (node %s)\n", d.config_path,
		       d.conf->c.node);
		kcapd_conf_put(d.conf);
		return KCAPD_EXIT_OK;
	}
	atomic_init(&d.stopping, false);
	sfd = kcapd_signals();
	if (sfd < 0) {
		fprintf(stderr, "kcapd: cannot start: signalfd: %s\n",
			strerror(errno));
		return KCAPD_EXIT_FAIL;
	}
	if (pipe2(d.wake, O_CLOEXEC | O_NONBLOCK)) {
		fprintf(stderr, "kcapd: cannot start: pipe2: %s\n",
			strerror(errno));
		return KCAPD_EXIT_FAIL;
	}
	if (kcapd_upload_init()) {
		fprintf(stderr, "kcapd: cannot start: libcurl's global initialisation failed\n");
		return KCAPD_EXIT_FAIL;
	}
	kcapd_upload_watch(&d.stopping);
	kcapd_log_open(d.foreground, &d.conf->c);
	kcapd_log(LOG_NOTICE, "kcapd %s: node %s, %s", kcap_version(),
		  d.conf->c.node, d.conf->c.redis_listen ?
		  "listening on redis" : "not listening (redis.listen false)");
	kcapd_spool_recover(&d.conf->c);
	kcapd_recorders_start(&d);
	kcapd_loop(&d, sfd, node);
	kcapd_log(LOG_NOTICE, "stopped");
	kcapd_log_close();
	kcapd_upload_exit();
	kcapd_conf_put(d.conf);
	close(sfd);
	close(d.wake[0]);
	close(d.wake[1]);
	return d.failed ? KCAPD_EXIT_FAIL : KCAPD_EXIT_OK;
}
