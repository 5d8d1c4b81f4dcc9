// SPDX-License-Identifier: GPL-2.0
/*
 * kcapd(8): logging, to syslog with the configuration's tag and the
 * facility of its priority ([syslog] priority, tag: pcapdaemon's), or to
 * stderr in the foreground.  Each line has a severity of its own.
 */

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <syslog.h>
#include <time.h>

#include "daemon.h"

static bool log_stderr = true;
static int log_facility = LOG_DAEMON;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;

void kcapd_log_open(bool foreground, const struct kcapd_config *cfg)
{
	log_stderr = foreground;
	log_facility = LOG_FAC(cfg->syslog_priority) << 3;
	if (!foreground)
		openlog(cfg->syslog_tag ? cfg->syslog_tag : "kcapd", LOG_PID,
			log_facility);
}

void kcapd_log(int prio, const char *fmt, ...)
{
	static const char *const names[] = {
		"emerg", "alert", "crit", "error", "warning", "notice",
		"info", "debug",
	};
	char line[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (!log_stderr) {
		syslog(log_facility | LOG_PRI(prio), "%s", line);
		return;
	}
	pthread_mutex_lock(&log_lock);
	fprintf(stderr, "kcapd: %s: %s\n", names[LOG_PRI(prio)], line);
	fflush(stderr);
	pthread_mutex_unlock(&log_lock);
}

void kcapd_log_close(void)
{
	if (!log_stderr)
		closelog();
}
