// SPDX-License-Identifier: GPL-2.0
/*
 * kcapd(8): a triggered capture, in a thread of its own: sessions on the
 * message's interfaces (owned by the thread's netlink socket, so that a
 * crash leaves nothing in the kernel), recorded by libkcap until the first
 * of the message's stop controls (pcapdaemon's: packets, bytes with whole
 * frames, duration, timeout between frames) or the daemon's SIGTERM, into
 * memory (while the captures held there, counted by their bytes caps, fit
 * in general.memorylimit) or a spool file, then delivered, and a result
 * published.  A capture cut short by an error is delivered all the same,
 * whole up to its last frame, and its result says "failed".
 *
 * Names: NODE_ALERTID_TIME_IFACES.EXT, with the time to the second; the
 * same name again in this kcapd (the same alert on the same interfaces in
 * the same second) gets the capture's number: NODE_ALERTID_TIME_IFACES-N.EXT.
 *
 * pcapng: one file, an interface per device, the message's tags, customer
 * and alert id in the section's comment.  pcap: one file per interface,
 * each with the message's stop controls.
 */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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
	uint64_t		mem;	/* bytes of general.memorylimit held */
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

/* NODE_ALERTID_YYYYmmddTHHMMSSZ_IF[+IF...]SUFFIX.pcapng */
static void kcapd_key(char *key, size_t size, const struct kcapd_config *cfg,
		      const struct kcapd_request *req, char *const *devs,
		      size_t nr, time_t when, const char *suffix)
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
		snprintf(key, size, "%s_%lld_%s_%s%s.%s", node,
			 (long long)req->alertid, t, ifs, suffix,
			 cfg->format == KCAP_FORMAT_PCAPNG ? "pcapng" : "pcap");
	else
		snprintf(key, size, "%s_%s_%s%s.%s", node, t, ifs, suffix,
			 cfg->format == KCAP_FORMAT_PCAPNG ? "pcapng" : "pcap");
}

/* FNV-1a: names are remembered by their hash. */
static uint64_t kcapd_hash(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

/* Is @hash, a name of second @when, one this kcapd gave?  Under d->lock. */
static bool kcapd_name_taken(const struct kcapd *d, time_t when,
			     uint64_t hash)
{
	const struct kcapd_name *oldest = &d->names[d->names_next];
	unsigned int i;

	/* Every name remembered is of this second: others may be forgotten. */
	if (oldest->sec == when && oldest->hash)
		return true;
	for (i = 0; i < KCAPD_NAMES_MAX; i++)
		if (d->names[i].sec == when && d->names[i].hash == hash)
			return true;
	return false;
}

/*
 * The name of an output of capture j->seq, on @devs at @when: one no
 * other capture of this kcapd had.  Names have the time to the second,
 * so the same alert on the same interfaces twice in a second would share
 * one (and its spool file): the second gets its number, -SEQ (-SEQ-2...
 * in the unlikely case that an interface's name makes that one taken).
 */
static void kcapd_key_unique(struct kcapd_job *j, char *key, size_t size,
			     char *const *devs, size_t nr, time_t when)
{
	struct kcapd *d = j->d;
	char suffix[48] = "";
	unsigned int n;
	uint64_t hash;

	pthread_mutex_lock(&d->lock);
	for (n = 0;; n++) {
		if (n == 1)
			snprintf(suffix, sizeof(suffix), "-%lu", j->seq);
		else if (n > 1)
			snprintf(suffix, sizeof(suffix), "-%lu-%u", j->seq, n);
		kcapd_key(key, size, &j->conf->c, &j->req, devs, nr, when,
			  suffix);
		hash = kcapd_hash(key);
		/* (past 8, the deliveries' own check replaces nothing) */
		if (n == 8 || !kcapd_name_taken(d, when, hash))
			break;
	}
	d->names[d->names_next] = (struct kcapd_name){ when, hash };
	d->names_next = (d->names_next + 1) % KCAPD_NAMES_MAX;
	pthread_mutex_unlock(&d->lock);
	if (n)
		kcapd_log(LOG_NOTICE, "capture %lu: another capture of this second has its name: this one is %s",
			  j->seq, key);
}

/*
 * Hold @bytes of a capture in memory if they fit in what the captures
 * held there already leave of general.memorylimit (@limit).
 */
static bool kcapd_mem_take(struct kcapd *d, uint64_t limit, uint64_t bytes)
{
	bool ok;

	pthread_mutex_lock(&d->lock);
	/* (a SIGHUP may have made the limit smaller than what is held) */
	ok = bytes && bytes <= limit && d->mem_held <= limit - bytes;
	if (ok)
		d->mem_held += bytes;
	pthread_mutex_unlock(&d->lock);
	return ok;
}

static void kcapd_mem_give(struct kcapd *d, uint64_t bytes)
{
	pthread_mutex_lock(&d->lock);
	d->mem_held -= bytes;
	pthread_mutex_unlock(&d->lock);
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

	kcapd_key_unique(j, o->key, sizeof(o->key), devs, nr, time(NULL));
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
	/*
	 * In memory if its bytes cap fits in what the captures there leave
	 * of general.memorylimit, else spooled to disk.
	 */
	if (kcapd_mem_take(j->d, cfg->memorylimit, j->req.bytes)) {
		o->mem = j->req.bytes;
		rcfg.memory = true;
	} else {
		/* Not .KEY.partial: a delivery to the spool writes that. */
		if (snprintf(o->spool, sizeof(o->spool), "%s/.%s.recording",
			     cfg->spooldir, o->key) >= (int)sizeof(o->spool)) {
			o->spool[0] = '\0';
			snprintf(err->msg, sizeof(err->msg),
				 "%.200s/.%.200s.recording: name too long",
				 cfg->spooldir, o->key);
			return -1;
		}
		rcfg.path = o->spool;
	}
	if (kcap_record_open(&o->rec, o->cap, &rcfg, &e)) {
		snprintf(err->msg, sizeof(err->msg), "%s", e.msg);
		return -1;
	}
	return 0;
}

static void kcapd_out_close(struct kcapd_job *j, struct kcapd_out *o)
{
	kcap_record_close(o->rec);
	kcap_capture_close(o->cap);
	if (o->spool[0])
		unlink(o->spool);
	if (o->mem)
		kcapd_mem_give(j->d, o->mem);
}

/* Add @n to the result's number @name. */
static void kcapd_result_add(json_t *result, const char *name, uint64_t n)
{
	json_int_t was = json_integer_value(json_object_get(result, name));

	json_object_set_new(result, name, json_integer(was + (json_int_t)n));
}

/* A line of the result's errors, and of the log. */
static void kcapd_job_error(struct kcapd_job *j, json_t *result,
			    const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void kcapd_job_error(struct kcapd_job *j, json_t *result,
			    const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	kcapd_log(LOG_ERR, "capture %lu: %s", j->seq, line);
	kcapd_result_error(result, line);
}

/*
 * Deliver what @o recorded, finished (whole, or up to its last frame
 * after an error); its numbers and places go into @result.
 */
static void kcapd_out_deliver(struct kcapd_job *j, struct kcapd_out *o,
			      json_t *result, json_t *files)
{
	const struct kcap_record_progress *p = kcap_record_progress(o->rec);
	struct kcapd_file f = {
		.key = o->key, .interfaces = o->ifaces,
		.spool = o->spool[0] ? o->spool : NULL,
	};
	struct stat st;
	int fd;

	json_array_append_new(files, kcapd_json_str(o->key));
	kcapd_result_add(result, "frames", p->packets);
	kcapd_result_add(result, "bytes", p->bytes);
	kcapd_result_add(result, "captured", p->stats.passed);
	kcapd_result_add(result, "dropped", p->stats.dropped);
	if (f.spool) {
		fd = open(f.spool, O_RDONLY | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st)) {
			int e = errno;

			if (fd >= 0)
				close(fd);
			if (e == ENOENT) {
				kcapd_job_error(j, result, "%s: its spool file %s is gone",
						o->key, f.spool);
				return;
			}
			/* Left where kcapd finds it when it starts again. */
			kcapd_job_error(j, result, "%s: cannot read its spool file %s: %s; left there, kept under its name when kcapd starts again",
					o->key, f.spool, strerror(e));
			kcapd_result_spooled(result, f.spool);
			o->spool[0] = '\0';
			return;
		}
		f.fd = fd;
		f.size = (uint64_t)st.st_size;
		/* Renamed into the spool: it is no longer ours to remove. */
		if (kcapd_deliver(&j->conf->c, &j->req, &f, result))
			o->spool[0] = '\0';
		close(fd);
	} else {
		f.fd = kcap_record_memfd(o->rec, &f.size);
		if (f.fd < 0) {
			kcapd_job_error(j, result, "%s: its memory file is gone",
					o->key);
			return;
		}
		kcapd_deliver(&j->conf->c, &j->req, &f, result);
	}
}

/*
 * Why the capture ended, for "stopped": "error" when an error cut any of
 * its files short, "shutdown" when SIGTERM stopped one, else the reason
 * of the last of its files to stop (pcap: one a device, each with the
 * message's stop controls) - what ended the capture.  @last is that
 * file's, -1 when none stopped by itself.
 */
static const char *kcapd_job_stopped(const struct kcapd_out *out, size_t nr,
				     int last, bool stopping)
{
	enum kcap_record_stop why;
	bool shutdown = false;
	size_t i;

	for (i = 0; i < nr; i++) {
		why = kcap_record_progress(out[i].rec)->why;
		if (why == KCAP_RECORD_ERROR)
			return "error";
		if (why == KCAP_RECORD_RUNNING)
			shutdown = true;
	}
	if (shutdown || last < 0)
		return kcapd_stopped(KCAP_RECORD_RUNNING, stopping);
	return kcapd_stopped(kcap_record_progress(out[last].rec)->why,
			     stopping);
}

/* "started, in memory (general.memorylimit: 2000 of 5000 bytes held)" */
static void kcapd_job_held(struct kcapd_job *j, const struct kcapd_out *out,
			   size_t nr, char *buf, size_t size)
{
	uint64_t held;
	size_t i, mem = 0;

	for (i = 0; i < nr; i++)
		mem += out[i].mem ? 1 : 0;
	pthread_mutex_lock(&j->d->lock);
	held = j->d->mem_held;
	pthread_mutex_unlock(&j->d->lock);
	if (mem == nr)
		snprintf(buf, size, "started, in memory");
	else if (!mem)
		snprintf(buf, size, "started, spooled");
	else
		snprintf(buf, size, "started, %zu of %zu files in memory, the others spooled",
			 mem, nr);
	snprintf(buf + strlen(buf), size - strlen(buf),
		 " (general.memorylimit: %llu of %llu bytes held)",
		 (unsigned long long)held,
		 (unsigned long long)j->conf->c.memorylimit);
}

static void *kcapd_job_run(void *arg)
{
	struct kcapd_job *j = arg;
	const struct kcapd_config *cfg = &j->conf->c;
	struct kcapd_out out[KCAPD_DEVS_MAX];
	size_t nr = cfg->format == KCAP_FORMAT_PCAP ? j->req.nr_devs : 1;
	char name[KCAP_NAME_MAX], when[32], comment[1024], alertid[32] = "";
	char held[256] = "";
	json_t *result = kcapd_result_new(cfg, &j->req);
	json_t *files = json_array();
	struct kcap_ctl *ctl = NULL;
	struct kcap_error e;
	struct kcapd_err err = { "" };
	bool running, failed = false, stopping;
	int last = -1;
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
	if (!failed)
		kcapd_job_held(j, out, nr, held, sizeof(held));
	kcapd_log(failed ? LOG_ERR : LOG_NOTICE, "capture %lu on %s: %s",
		  j->seq, json_string_value(json_array_get(json_object_get(
		  result, "interfaces"), 0)), failed ? err.msg : held);
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
			else
				last = (int)i;
		}
	} while (running && !atomic_load(&j->d->stopping));
	stopping = atomic_load(&j->d->stopping);
	if (failed) {
		/* Nothing recorded: the start failed (logged above). */
		json_object_set_new(result, "stopped", json_string("error"));
		kcapd_result_error(result, err.msg);
	} else {
		json_object_set_new(result, "stopped", json_string(
				    kcapd_job_stopped(out, nr, last, stopping)));
	}
	/*
	 * Every file finished and delivered: one that an error cut short
	 * (a full disk, a ring read error) is whole up to its last frame.
	 */
	for (i = 0; !failed && i < nr; i++) {
		if (kcap_record_finish(out[i].rec))
			kcapd_job_error(j, result, "%s: %s; the file stops at the last frame before, whole",
					out[i].key,
					kcap_record_error(out[i].rec)->msg);
		kcapd_out_deliver(j, &out[i], result, files);
	}
	for (i = 0; i < nr; i++)
		kcapd_out_close(j, &out[i]);
	kcap_ctl_close(ctl);
	kcapd_iso8601(when, sizeof(when), time(NULL));
	json_object_set_new(result, "ended", json_string(when));
	json_object_set_new(result, "files", files);
	json_object_set_new(result, "status",
			    json_string(json_array_size(json_object_get(result, "errors")) ?
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
