// SPDX-License-Identifier: GPL-2.0
/*
 * kcapd(8): always-on recordings ([[record]], Polycube's local mode): a
 * persistent session per recording, created at start if the kernel does
 * not hold it already, recorded into a ring of files in a directory
 * (kcap dump's -C/-W), each in a thread of its own.
 *
 * The session outlives kcapd: a restarted kcapd finds it, reads what its
 * rings held meanwhile and goes on in the ring of files after the newest
 * one.  When the session's device goes away the recording waits for it to
 * come back and starts a new session on it; a session found on another
 * device than the configuration now names is made again on that one.
 * Whatever fails (the module, the device, the directory, the ring) is
 * tried again every 2 s, and logged once, not at each try.  SIGTERM stops
 * the threads, not the sessions; SIGHUP stops them and starts those of
 * the new configuration, which go on with the sessions they find (the
 * session of a recording the new configuration drops is deleted).
 */

#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "daemon.h"

#define KCAPD_RETRY_MS	2000	/* a device or the module not there yet */

struct kcapd_recorder {
	struct kcapd			*d;
	atomic_bool			stop;	/* this one: SIGHUP */
	struct kcapd_record		r;	/* a copy: SIGHUP may go */
	char				path[KCAPD_PATH_MAX];
	pthread_t			thread;
	/* The failure logged last, until a recording goes well: "" none. */
	char				failing[KCAP_ERROR_MSG_MAX + 64];
	struct kcapd_recorder		*next;
};

static bool kcapd_recorder_stopping(struct kcapd_recorder *rec)
{
	return atomic_load(&rec->d->stopping) || atomic_load(&rec->stop);
}

/* The file name of a recording: DIR/NAME.pcapng, numbered by the ring. */
static void kcapd_recorder_path(struct kcapd_recorder *rec)
{
	const struct kcapd_record *r = &rec->r;
	const char *ext = r->format == KCAP_FORMAT_PCAPNG ? "pcapng" : "pcap";

	if (r->seconds)
		snprintf(rec->path, sizeof(rec->path),
			 "%s/%s-%%Y%%m%%dT%%H%%M%%S.%s", r->dir, r->name, ext);
	else
		snprintf(rec->path, sizeof(rec->path), "%s/%s.%s", r->dir,
			 r->name, ext);
}

/*
 * Is file @n of the ring, written last at @t, newer than file @best,
 * written last at @bt?  In nanoseconds; a file system's clock ticks more
 * coarsely, so at the same time the file after the other in the ring is.
 */
static bool kcapd_recorder_newer(const struct kcapd_recorder *rec,
				 const struct timespec *t, uint64_t n,
				 const struct timespec *bt, uint64_t best)
{
	uint32_t files = rec->r.files;

	if (t->tv_sec != bt->tv_sec)
		return t->tv_sec > bt->tv_sec;
	if (t->tv_nsec != bt->tv_nsec)
		return t->tv_nsec > bt->tv_nsec;
	if (files && (best + 1) % files == n)
		return true;
	if (files && (n + 1) % files == best)
		return false;
	return n > best;
}

/*
 * Where the ring goes on: after the newest of NAME.EXT<N> in the
 * directory (0 when there is none), as a restarted recording should not
 * overwrite the files it wrote last.
 */
static uint64_t kcapd_recorder_next(const struct kcapd_recorder *rec)
{
	const char *base = strrchr(rec->path, '/') + 1;
	size_t len = strlen(base);
	uint64_t best = 0, n;
	struct timespec newest = { 0 };
	struct dirent *de;
	struct stat st;
	char full[KCAPD_PATH_MAX + 256], *end;
	bool found = false;
	DIR *dir;

	if (rec->r.seconds || !rec->r.filesize)
		return 0;	/* names of their own, or one file */
	dir = opendir(rec->r.dir);
	if (!dir)
		return 0;
	while ((de = readdir(dir))) {
		if (strncmp(de->d_name, base, len))
			continue;
		n = de->d_name[len] ? strtoull(de->d_name + len, &end, 10) : 0;
		if (de->d_name[len] && *end)
			continue;
		snprintf(full, sizeof(full), "%s/%s", rec->r.dir, de->d_name);
		if (stat(full, &st) ||
		    (found && !kcapd_recorder_newer(rec, &st.st_mtim, n,
						    &newest, best)))
			continue;
		found = true;
		newest = st.st_mtim;
		best = n;
	}
	closedir(dir);
	if (!found)
		return 0;
	return rec->r.files ? (best + 1) % rec->r.files : best + 1;
}

/*
 * The session of the recording, as the configuration says: 0, or -errno
 * with @why filled.  "Found" is logged unless @quiet (a failure is being
 * tried again): a new session always is.
 */
static int kcapd_recorder_session(struct kcapd_recorder *rec,
				  struct kcap_ctl *ctl, bool quiet,
				  char *why, size_t whylen)
{
	const struct kcapd_record *r = &rec->r;
	struct kcap_session_config cfg = {
		.name = r->name, .ifname = r->iface,
		.set = KCAP_CFG_FLAGS | KCAP_CFG_DIRECTION |
		       KCAP_CFG_SNAPLEN | KCAP_CFG_FILTER,
		.flags = KCAP_SESSION_F_PERSISTENT,
		.direction = r->direction,
		.snaplen = r->snaplen ? r->snaplen : KCAP_SNAPLEN_DEFAULT,
		.filter = r->filter,
	};
	struct kcap_session_info *info = malloc(sizeof(*info));
	int err;

	if (!info) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	err = kcap_session_get(ctl, r->name, 0, info);
	if (!err && info->state != KCAP_STATE_ATTACHED) {
		/* Its device went away: a new session once it is back. */
		kcap_session_del(ctl, r->name, 0);
		err = -ENOENT;
	} else if (!err && strcmp(info->ifname, r->iface)) {
		/*
		 * The configuration names another device now: the session
		 * is made again there (what the old one holds unread goes
		 * with it).
		 */
		kcapd_log(LOG_NOTICE, "recording %s: session found on %s, the configuration says %s: deleted, to be made on %s",
			  r->name, info->ifname, r->iface, r->iface);
		err = kcap_session_del(ctl, r->name, 0);
		if (err) {
			snprintf(why, whylen, "deleting its session on %s: %s",
				 info->ifname, kcap_ctl_error(ctl)->msg);
			free(info);
			return err;
		}
		err = -ENOENT;
	}
	if (err == -ENOENT) {
		if (strcmp(r->iface, KCAP_ANY_DEVICE) &&
		    !if_nametoindex(r->iface)) {
			snprintf(why, whylen, "%s: no such device", r->iface);
			free(info);
			return -ENODEV;
		}
		err = kcap_session_new(ctl, &cfg, NULL);
		if (!err)
			kcapd_log(LOG_NOTICE, "recording %s: session created on %s",
				  r->name, r->iface);
	} else if (!err) {
		/* Found from before: the settings the configuration says. */
		cfg.name = r->name;
		cfg.ifname = NULL;
		cfg.set &= ~KCAP_CFG_FLAGS;
		err = kcap_session_set(ctl, &cfg, NULL);
		if (!err && !quiet)
			kcapd_log(LOG_NOTICE, "recording %s: session found on %s, going on",
				  r->name, info->ifname);
	}
	if (err)
		snprintf(why, whylen, "%s", kcap_ctl_error(ctl)->msg);
	free(info);
	return err;
}

/*
 * Record until the daemon stops or the session hangs up: 0, or -1 when it
 * did not start or stopped on an error, with @why filled.
 */
static int kcapd_recorder_record(struct kcapd_recorder *rec,
				 struct kcap_ctl *ctl, char *why,
				 size_t whylen)
{
	const char *name = rec->r.name;
	struct kcap_record_config cfg = {
		.path = rec->path, .format = rec->r.format,
		.rotate_bytes = rec->r.filesize, .rotate_secs = rec->r.seconds,
		.ring_files = rec->r.files,
	};
	struct kcap_capture *cap;
	struct kcap_record *r;
	struct kcap_error e;
	uint64_t start;
	int ret = 0;

	if (kcap_capture_attach(ctl, &name, 1, &cap)) {
		snprintf(why, whylen, "%s", kcap_ctl_error(ctl)->msg);
		return -1;
	}
	cfg.first_file = kcapd_recorder_next(rec);
	if (kcap_record_open(&r, cap, &cfg, &e)) {
		snprintf(why, whylen, "%s", e.msg);
		kcap_capture_close(cap);
		return -1;
	}
	start = kcapd_now_ms();
	while (!kcapd_recorder_stopping(rec) && !kcap_record_step(r, 250)) {
		/* Going well for a while: what failed before is over. */
		if (rec->failing[0] &&
		    kcapd_now_ms() - start >= KCAPD_RETRY_MS) {
			kcapd_log(LOG_NOTICE, "recording %s: recording into %s again",
				  name, rec->r.dir);
			rec->failing[0] = '\0';
		}
	}
	if (kcap_record_finish(r)) {
		snprintf(why, whylen, "%s", kcap_record_error(r)->msg);
		ret = -1;
	} else if (kcap_record_progress(r)->why == KCAP_RECORD_HUP) {
		kcapd_log(LOG_WARNING, "recording %s: %s went away, waiting for it",
			  name, rec->r.iface);
	}
	kcap_record_close(r);
	kcap_capture_close(cap);
	return ret;
}

/* Wait KCAPD_RETRY_MS, or until the recorder stops. */
static void kcapd_recorder_wait(struct kcapd_recorder *rec)
{
	int i;

	for (i = 0; i < KCAPD_RETRY_MS / 100 &&
		    !kcapd_recorder_stopping(rec); i++)
		usleep(100000);
}

static void *kcapd_recorder_run(void *arg)
{
	struct kcapd_recorder *rec = arg;
	struct kcap_ctl *ctl = NULL;
	char why[sizeof(rec->failing)];
	struct kcap_error e;

	kcapd_recorder_path(rec);
	while (!kcapd_recorder_stopping(rec)) {
		if (!ctl && kcap_ctl_open(&ctl, &e)) {
			snprintf(why, sizeof(why), "%s", e.msg);
		} else if (kcapd_recorder_session(rec, ctl,
						  rec->failing[0] != '\0',
						  why, sizeof(why))) {
			/* Opened again next time: the module may be new. */
			kcap_ctl_close(ctl);
			ctl = NULL;
		} else if (!kcapd_recorder_record(rec, ctl, why, sizeof(why))) {
			continue;	/* stopped, or the device went away */
		}
		/* The same failure again is not logged again. */
		if (strcmp(why, rec->failing)) {
			kcapd_log(LOG_WARNING, "recording %s: %s; trying again every %d s",
				  rec->r.name, why, KCAPD_RETRY_MS / 1000);
			snprintf(rec->failing, sizeof(rec->failing), "%s", why);
		}
		kcapd_recorder_wait(rec);
	}
	kcap_ctl_close(ctl);
	return NULL;
}

void kcapd_recorders_start(struct kcapd *d)
{
	const struct kcapd_config *cfg = &d->conf->c;
	struct kcapd_recorder *rec;
	size_t i;

	for (i = 0; i < cfg->nr_records; i++) {
		rec = calloc(1, sizeof(*rec));
		if (!rec) {
			kcapd_log(LOG_ERR, "recording %s: out of memory",
				  cfg->records[i].name);
			continue;
		}
		rec->d = d;
		rec->r = cfg->records[i];
		/* The strings are the configuration's: copies of its own. */
		rec->r.filter = cfg->records[i].filter ?
				strdup(cfg->records[i].filter) : NULL;
		rec->r.dir = strdup(cfg->records[i].dir);
		if (!rec->r.dir || pthread_create(&rec->thread, NULL,
						  kcapd_recorder_run, rec)) {
			kcapd_log(LOG_ERR, "recording %s: cannot start",
				  rec->r.name);
			free(rec->r.filter);
			free(rec->r.dir);
			free(rec);
			continue;
		}
		rec->next = d->recorders;
		d->recorders = rec;
	}
}

/*
 * Stop the threads (the daemon is stopping, or reloading its
 * configuration).  The sessions stay: they go on capturing into their
 * rings, which a new thread reads.
 */
void kcapd_recorders_stop(struct kcapd *d)
{
	struct kcapd_recorder *rec;

	for (rec = d->recorders; rec; rec = rec->next)
		atomic_store(&rec->stop, true);
	while ((rec = d->recorders)) {
		d->recorders = rec->next;
		pthread_join(rec->thread, NULL);
		free(rec->r.filter);
		free(rec->r.dir);
		free(rec);
	}
}

void kcapd_recorders_forget(struct kcapd *d, const struct kcapd_config *old)
{
	const struct kcapd_config *cfg = &d->conf->c;
	struct kcap_ctl *ctl = NULL;
	struct kcap_error e;
	size_t i, j;
	int err;

	for (i = 0; i < old->nr_records; i++) {
		for (j = 0; j < cfg->nr_records; j++)
			if (!strcmp(old->records[i].name, cfg->records[j].name))
				break;
		if (j < cfg->nr_records)
			continue;
		if (!ctl && kcap_ctl_open(&ctl, &e)) {
			kcapd_log(LOG_ERR, "recording %s: no longer configured, but its session cannot be deleted: %s",
				  old->records[i].name, e.msg);
			continue;
		}
		err = kcap_session_del(ctl, old->records[i].name, 0);
		if (!err)
			kcapd_log(LOG_NOTICE, "recording %s: no longer configured, session deleted",
				  old->records[i].name);
		else if (err != -ENOENT)
			kcapd_log(LOG_ERR, "recording %s: no longer configured, but deleting its session failed: %s",
				  old->records[i].name,
				  kcap_ctl_error(ctl)->msg);
	}
	kcap_ctl_close(ctl);
}
