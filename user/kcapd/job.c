// SPDX-License-Identifier: GPL-2.0
/*
 * kcapd(8): a triggered capture, in a thread of its own: sessions on the
 * message's interfaces (owned by the thread's netlink socket, so that a
 * crash leaves nothing in the kernel), recorded by libkcap until the first
 * of the message's stop controls (pcapdaemon's: packets, bytes with whole
 * frames, duration, timeout between frames) or the daemon's SIGTERM, into
 * memory (up to general.memorylimit) or a spool file, then delivered, and
 * a result published.
 *
 * pcapng: one file, an interface per device, the message's tags, customer
 * and alert id in the section's comment.  pcap: one file per interface,
 * each with the message's stop controls.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "daemon.h"

struct kcapd_job {
	struct kcapd		*d;
	struct kcapd_conf	*conf;
	struct kcapd_request	req;
	unsigned long		seq;
	pthread_t		thread;
	bool			done;
	struct kcapd_job	*next;
};

/* One output of a job: its capture and recording. */
struct kcapd_out {
	struct kcap_capture	*cap;
	struct kcap_record	*rec;
	char			spool[KCAPD_PATH_MAX];	/* "" in memory */
	char			key[KCAPD_PATH_MAX];
	char			ifaces[1024];
};

uint64_t kcapd_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void kcapd_iso8601(char *buf, size_t size, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* What a file name may hold of a node or an interface: [A-Za-z0-9._-]. */
static void kcapd_name_part(char *to, size_t size, const char *from)
{
	size_t i;

	for (i = 0; i + 1 < size && from[i]; i++)
		to[i] = strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			       "0123456789._-", from[i]) ? from[i] : '_';
	to[i] = '\0';
}

/* NODE_ALERTID_YYYYmmddTHHMMSSZ_IF[+IF...].pcapng */
static void kcapd_key(char *key, size_t size, const struct kcapd_config *cfg,
		      const struct kcapd_request *req, char *const *devs,
		      size_t nr, time_t when)
{
	char node[128], t[32], ifs[512] = "", part[64];
	struct tm tm;
	size_t i;

	kcapd_name_part(node, sizeof(node), cfg->node);
	gmtime_r(&when, &tm);
	strftime(t, sizeof(t), "%Y%m%dT%H%M%SZ", &tm);
	for (i = 0; i < nr; i++) {
		kcapd_name_part(part, sizeof(part), devs[i]);
		if (strlen(ifs) + strlen(part) + 2 < sizeof(ifs))
			strcat(strcat(ifs, i ? "+" : ""), part);
	}
	if (req->has_alertid)
		snprintf(key, size, "%s_%lld_%s_%s.%s", node,
			 (long long)req->alertid, t, ifs,
			 cfg->format == KCAP_FORMAT_PCAPNG ? "pcapng" : "pcap");
	else
		snprintf(key, size, "%s_%s_%s.%s", node, t, ifs,
			 cfg->format == KCAP_FORMAT_PCAPNG ? "pcapng" : "pcap");
}

/* packetdebug: kcap capture's line of each frame, in the log. */
static int kcapd_debug_frame(const struct kcap_packet *pkt,
			     const struct kcap_session_info *s, void *arg)
{
	char line[512];

	(void)arg;
	kcap_format_packet(line, sizeof(line), pkt, s->linktype, s->ifname,
			   false);
	kcapd_log(LOG_INFO, "%s", line);
	return 0;
}

static const char *kcapd_stopped(enum kcap_record_stop why, bool stopping)
{
	switch (why) {
	case KCAP_RECORD_PACKETS:	return "packets";
	case KCAP_RECORD_BYTES:		return "bytes";
	case KCAP_RECORD_SECONDS:	return "duration";
	case KCAP_RECORD_IDLE:		return "timeout";
	case KCAP_RECORD_HUP:		return "interface";
	case KCAP_RECORD_ERROR:		return "error";
	default:			return stopping ? "shutdown" : "error";
	}
}

/* Start the capture and recording of @devs into @o. */
static int kcapd_out_open(struct kcapd_job *j, struct kcap_ctl *ctl,
			  char *const *devs, size_t nr, const char *name,
			  const char *comment, struct kcapd_out *o,
			  struct kcapd_err *err)
{
	const struct kcapd_config *cfg = &j->conf->c;
	struct kcap_session_config scfg = {
		.name = name,
		.set = KCAP_CFG_SNAPLEN | KCAP_CFG_FILTER,
		.snaplen = j->req.snap, .filter = j->req.bpf,
	};
	struct kcap_record_config rcfg = {
		.format = cfg->format, .comment = comment,
		.packets = j->req.packets, .bytes = j->req.bytes,
		.seconds = j->req.duration, .idle_secs = j->req.timeout,
		.frame_cb = j->req.packetdebug ? kcapd_debug_frame : NULL,
	};
	struct kcap_error e;
	size_t i;

	kcapd_key(o->key, sizeof(o->key), cfg, &j->req, devs, nr, time(NULL));
	for (i = 0; i < nr; i++)
		snprintf(o->ifaces + strlen(o->ifaces),
			 sizeof(o->ifaces) - strlen(o->ifaces), "%s%s",
			 i ? "," : "", devs[i]);
	if (kcap_capture_open(ctl, &scfg, (const char *const *)devs,
			      (unsigned int)nr, &o->cap)) {
		snprintf(err->msg, sizeof(err->msg), "%s",
			 kcap_ctl_error(ctl)->msg);
		return -1;
	}
	/* In memory up to general.memorylimit, else spooled to disk. */
	if (!j->req.bytes || j->req.bytes > cfg->memorylimit) {
		/* Not .KEY.partial: a failed delivery copies it to that. */
		snprintf(o->spool, sizeof(o->spool), "%s/.%s.recording",
			 cfg->spooldir, o->key);
		rcfg.path = o->spool;
	} else {
		rcfg.memory = true;
	}
	if (kcap_record_open(&o->rec, o->cap, &rcfg, &e)) {
		snprintf(err->msg, sizeof(err->msg), "%s", e.msg);
		return -1;
	}
	return 0;
}

static void kcapd_out_close(struct kcapd_out *o)
{
	kcap_record_close(o->rec);
	kcap_capture_close(o->cap);
	if (o->spool[0])
		unlink(o->spool);
}

/* Deliver what @o recorded; its numbers and places go into @result. */
static void kcapd_out_deliver(struct kcapd_job *j, struct kcapd_out *o,
			      json_t *result, json_t *files)
{
	const struct kcap_record_progress *p = kcap_record_progress(o->rec);
	uint64_t size = 0;
	int fd;

	json_array_append_new(files, kcapd_json_text(o->key, strlen(o->key)));
	json_object_set_new(result, "frames",
			    json_integer((json_int_t)(p->packets +
			    json_integer_value(json_object_get(result,
							       "frames")))));
	json_object_set_new(result, "bytes",
			    json_integer((json_int_t)(p->bytes +
			    json_integer_value(json_object_get(result,
							       "bytes")))));
	json_object_set_new(result, "captured",
			    json_integer((json_int_t)(p->stats.passed +
			    json_integer_value(json_object_get(result,
							       "captured")))));
	json_object_set_new(result, "dropped",
			    json_integer((json_int_t)(p->stats.dropped +
			    json_integer_value(json_object_get(result,
							       "dropped")))));
	if (o->spool[0]) {
		fd = open(o->spool, O_RDONLY | O_CLOEXEC);
		if (fd >= 0) {
			size = (uint64_t)lseek(fd, 0, SEEK_END);
			kcapd_deliver(&j->conf->c, &j->req, o->key, fd, size,
				      o->ifaces, result);
			close(fd);
		}
	} else {
		fd = kcap_record_memfd(o->rec, &size);
		if (fd >= 0)
			kcapd_deliver(&j->conf->c, &j->req, o->key, fd, size,
				      o->ifaces, result);
	}
	if (fd < 0)
		json_array_append_new(json_object_get(result, "errors"),
				      json_string("the capture file is gone"));
}

static void *kcapd_job_run(void *arg)
{
	struct kcapd_job *j = arg;
	const struct kcapd_config *cfg = &j->conf->c;
	struct kcapd_out out[KCAPD_DEVS_MAX];
	size_t nr = cfg->format == KCAP_FORMAT_PCAP ? j->req.nr_devs : 1;
	char name[KCAP_NAME_MAX], when[32], comment[1024], alertid[32] = "";
	json_t *result = kcapd_result_new(cfg, &j->req);
	json_t *files = json_array();
	const struct kcap_record_progress *p;
	struct kcap_ctl *ctl = NULL;
	struct kcap_error e;
	struct kcapd_err err = { "" };
	bool running, failed = false;
	size_t i;

	memset(out, 0, sizeof(out));
	kcapd_iso8601(when, sizeof(when), time(NULL));
	json_object_set_new(result, "started", json_string(when));
	if (j->req.has_alertid)
		snprintf(alertid, sizeof(alertid), "%lld",
			 (long long)j->req.alertid);
	snprintf(comment, sizeof(comment),
		 "kcapd node=%s alertid=%s customer=%s tags=%s", cfg->node,
		 alertid, j->req.customer ? j->req.customer : "",
		 j->req.tags ? j->req.tags : "");
	if (kcap_ctl_open(&ctl, &e)) {
		snprintf(err.msg, sizeof(err.msg), "%s", e.msg);
		failed = true;
	}
	for (i = 0; !failed && i < nr; i++) {
		/* pcap: a capture per interface, kcapd-PID-SEQ.I */
		snprintf(name, sizeof(name), nr > 1 ? "kcapd-%ld-%lu.%zu" :
			 "kcapd-%ld-%lu", (long)getpid(), j->seq, i);
		failed = kcapd_out_open(j, ctl, nr > 1 ? &j->req.devs[i] :
					j->req.devs, nr > 1 ? 1 : j->req.nr_devs,
					name, comment, &out[i], &err);
	}
	kcapd_log(failed ? LOG_ERR : LOG_NOTICE, "capture %lu on %s%s%s",
		  j->seq, json_string_value(json_array_get(json_object_get(
		  result, "interfaces"), 0)), failed ? ": " : ": started",
		  failed ? err.msg : "");
	/* Record until every output stops, or the daemon does. */
	do {
		running = false;
		for (i = 0; !failed && i < nr; i++) {
			if (kcap_record_progress(out[i].rec)->why !=
			    KCAP_RECORD_RUNNING)
				continue;
			if (atomic_load(&j->d->stopping))
				continue;
			if (kcap_record_step(out[i].rec, 250 / (int)nr) == 0)
				running = true;
		}
	} while (running && !atomic_load(&j->d->stopping));
	for (i = 0; !failed && i < nr; i++) {
		p = kcap_record_progress(out[i].rec);
		json_object_set_new(result, "stopped",
				    json_string(kcapd_stopped(p->why,
						atomic_load(&j->d->stopping))));
		if (kcap_record_finish(out[i].rec)) {
			json_array_append_new(json_object_get(result, "errors"),
					      kcapd_json_text(kcap_record_error(out[i].rec)->msg,
							      strlen(kcap_record_error(out[i].rec)->msg)));
			failed = true;
			continue;
		}
		kcapd_out_deliver(j, &out[i], result, files);
	}
	if (failed && err.msg[0])
		json_array_append_new(json_object_get(result, "errors"),
				      kcapd_json_text(err.msg, strlen(err.msg)));
	for (i = 0; i < nr; i++)
		kcapd_out_close(&out[i]);
	kcap_ctl_close(ctl);
	kcapd_iso8601(when, sizeof(when), time(NULL));
	json_object_set_new(result, "ended", json_string(when));
	json_object_set_new(result, "files", files);
	json_object_set_new(result, "status",
			    json_string(failed || json_array_size(json_object_get(result, "errors")) ?
					"failed" : "ok"));
	kcapd_log(LOG_NOTICE, "capture %lu ended: %s", j->seq,
		  json_string_value(json_object_get(result, "status")));
	kcapd_publish(j->d, kcapd_result_dump(result));
	json_decref(result);
	pthread_mutex_lock(&j->d->lock);
	j->done = true;
	pthread_mutex_unlock(&j->d->lock);
	(void)!write(j->d->wake[1], "j", 1);
	return NULL;
}

int kcapd_job_start(struct kcapd *d, struct kcapd_request *req)
{
	struct kcapd_job *j = calloc(1, sizeof(*j));
	pthread_attr_t attr;
	int err;

	if (!j)
		return -ENOMEM;
	j->d = d;
	j->req = *req;		/* the job takes the request's strings */
	memset(req, 0, sizeof(*req));
	pthread_mutex_lock(&d->lock);
	j->conf = kcapd_conf_get(d->conf);
	j->seq = ++d->nr_started;
	j->next = d->jobs;
	d->jobs = j;
	d->nr_jobs++;
	pthread_mutex_unlock(&d->lock);
	pthread_attr_init(&attr);
	err = pthread_create(&j->thread, &attr, kcapd_job_run, j);
	pthread_attr_destroy(&attr);
	if (!err)
		return 0;
	pthread_mutex_lock(&d->lock);
	d->jobs = j->next;
	d->nr_jobs--;
	pthread_mutex_unlock(&d->lock);
	*req = j->req;		/* the caller's again */
	kcapd_conf_put(j->conf);
	free(j);
	return -err;
}

void kcapd_jobs_reap(struct kcapd *d, bool all)
{
	struct kcapd_job **pj, *j;
	unsigned int left;

	for (;;) {
		pthread_mutex_lock(&d->lock);
		for (pj = &d->jobs; *pj && !(*pj)->done; pj = &(*pj)->next)
			;
		j = *pj;
		if (j) {
			*pj = j->next;
			d->nr_jobs--;
		}
		left = d->nr_jobs;
		pthread_mutex_unlock(&d->lock);
		if (!j) {
			if (!all || !left)
				return;
			/* Wait for a job to end: each says so on wake. */
			usleep(100000);
			continue;
		}
		pthread_join(j->thread, NULL);
		kcapd_request_free(&j->req);
		kcapd_conf_put(j->conf);
		free(j);
	}
}
