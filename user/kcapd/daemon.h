/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kcapd(8): the daemon's own parts, apart from the configuration, the
 * messages and the uploads (kcapd.h): the main loop and Redis (main.c,
 * redis.c), triggered captures (job.c), their delivery (deliver.c) and
 * results (result.c), always-on recordings (recorder.c), logging (log.c).
 */
#ifndef _KCAPD_DAEMON_H
#define _KCAPD_DAEMON_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "kcapd.h"

/* log.c: syslog with the configured priority and tag, or stderr. */
void kcapd_log_open(bool foreground, const struct kcapd_config *cfg);
void kcapd_log(int prio, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void kcapd_log_close(void);

/* A configuration shared by the jobs it started: SIGHUP makes a new one. */
struct kcapd_conf {
	atomic_int		refs;
	struct kcapd_config	c;
};

struct kcapd_conf *kcapd_conf_get(struct kcapd_conf *conf);
void kcapd_conf_put(struct kcapd_conf *conf);

/* A result waiting to be published on the results channel. */
struct kcapd_result {
	char			*json;
	struct kcapd_result	*next;
};

struct kcapd_job;
struct kcapd_recorder;

/* Names of captures started lately (job.c), so that no two are the same. */
#define KCAPD_NAMES_MAX		1024
struct kcapd_name {
	time_t		sec;		/* the second in the name */
	uint64_t	hash;		/* of the whole name */
};

/* The daemon. */
struct kcapd {
	struct kcapd_conf	*conf;		/* the current one */
	const char		*config_path;
	bool			foreground;
	atomic_bool		stopping;	/* SIGTERM: captures stop */
	bool			failed;		/* the main loop broke: exit 1 */
	int			wake[2];	/* a job ended, or a result came */
	pthread_mutex_t		lock;		/* what follows */
	struct kcapd_job	*jobs;		/* started, not yet reaped */
	unsigned int		nr_jobs;
	unsigned long		nr_started;
	struct kcapd_result	*results;	/* to publish, oldest first */
	struct kcapd_result	**results_tail;
	unsigned int		nr_results;
	struct kcapd_recorder	*recorders;
	/* job.c: general.memorylimit is for all captures together. */
	uint64_t		mem_held;	/* bytes reserved in memory */
	struct kcapd_name	names[KCAPD_NAMES_MAX];	/* a ring */
	unsigned int		names_next;
};

/* main.c: a result to publish (the daemon takes @json), from any thread. */
void kcapd_publish(struct kcapd *d, char *json);

/* job.c: a triggered capture, in a thread of its own. */
int kcapd_job_start(struct kcapd *d, struct kcapd_request *req);
/* Join the jobs that have ended; with @all, wait for every one. */
void kcapd_jobs_reap(struct kcapd *d, bool all);

/* A finished capture file, to deliver. */
struct kcapd_file {
	const char	*key;		/* its name where it goes */
	int		fd;		/* read with pread() */
	uint64_t	size;
	const char	*spool;		/* its spool file, NULL: in memory */
	const char	*interfaces;	/* comma-separated */
};

/*
 * deliver.c: @f to where the configuration and the request send it.
 * Fills the result's "delivered" and "errors" and, when a delivery failed
 * or none is configured, keeps the file in the spool directory
 * ("spooled"): a spool file is renamed there, not copied.  No file is
 * ever overwritten: a name taken already gets a suffix, -2, -3...
 * Return: true when @f->spool was kept (renamed): it is no longer the
 * caller's to remove.
 */
struct json_t;
bool kcapd_deliver(const struct kcapd_config *cfg,
		   const struct kcapd_request *req, const struct kcapd_file *f,
		   struct json_t *result);

/*
 * upload.c (its calls are in kcapd.h): uploads watch @stopping, the
 * daemon's.  Once it is set, a failed attempt is not retried, a wait
 * before a retry ends at once, and an attempt still running
 * KCAPD_STOP_GRACE seconds after an upload first saw it set is given up:
 * the file is then spooled, and kcapd stops in time.
 */
#define KCAPD_STOP_GRACE	30
void kcapd_upload_watch(const atomic_bool *stopping);

/* result.c: the JSON of results. */
struct json_t *kcapd_result_new(const struct kcapd_config *cfg,
				const struct kcapd_request *req);
/* A line of the result's "errors". */
void kcapd_result_error(struct json_t *result, const char *line);
/* A file kept in the spool: "spooled" (the first), "spooled_files". */
void kcapd_result_spooled(struct json_t *result, const char *path);
char *kcapd_result_rejected(const struct kcapd_config *cfg, const char *why,
			    const char *msg, size_t len);
char *kcapd_result_dump(struct json_t *result);
/* A JSON string of text from outside: printable ASCII, the rest '?'. */
struct json_t *kcapd_json_text(const char *text, size_t len);
struct json_t *kcapd_json_str(const char *text);	/* of strlen(@text) */

/* recorder.c: the always-on recordings of the configuration. */
void kcapd_recorders_start(struct kcapd *d);
void kcapd_recorders_stop(struct kcapd *d);
/* Delete the sessions of @old's recordings that d's configuration drops. */
void kcapd_recorders_forget(struct kcapd *d, const struct kcapd_config *old);

/* redis.c: the subscription and the results, reconnected with backoff. */
struct kcapd_redis;
struct kcapd_redis *kcapd_redis_new(void);
void kcapd_redis_free(struct kcapd_redis *r);
/* The descriptor to poll for messages, or -1 while disconnected. */
int kcapd_redis_fd(const struct kcapd_redis *r);
/* Milliseconds until it wants to be called again (a reconnection). */
int kcapd_redis_timeout(const struct kcapd_redis *r, struct kcapd *d);
/*
 * Connect if due, read what came, hand each message of the channel to
 * @fn, publish what is queued.  Never blocks for long.
 */
void kcapd_redis_run(struct kcapd_redis *r, struct kcapd *d,
		     void (*fn)(struct kcapd *d, const char *msg, size_t len));
/*
 * Publish what is queued, waiting up to @ms for Redis, at exit; what is
 * left is logged, result by result.
 */
void kcapd_redis_flush(struct kcapd_redis *r, struct kcapd *d, int ms);
/* SIGHUP: make again the connections whose settings @cfg changed. */
void kcapd_redis_reconfigure(struct kcapd_redis *r,
			     const struct kcapd_config *old,
			     const struct kcapd_config *cfg);

uint64_t kcapd_now_ms(void);

#endif /* _KCAPD_DAEMON_H */
