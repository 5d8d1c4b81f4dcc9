// SPDX-License-Identifier: GPL-2.0
/*
 * kcapd(8): the results published on the results channel, one JSON object
 * per message that was for this node:
 *
 *	{"node": ..., "alertid": ..., "tags": ..., "customer": ...,
 *	 "interfaces": [...], "status": "ok"|"failed"|"rejected",
 *	 "started": ISO 8601, "ended": ..., "frames": N, "bytes": N,
 *	 "captured": N, "dropped": N, "stopped": "packets"|"bytes"|
 *	 "duration"|"timeout"|"interface"|"shutdown"|"error",
 *	 "clamped": "...", "files": [KEY, ...],
 *	 "delivered": [{"to": "local"|"s3"|"http", "where": PATH|URL}],
 *	 "spooled": PATH, "spooled_files": [PATH, ...], "errors": ["..."]}
 *
 * "files": the name of each file of the capture (pcapng: one; pcap: one
 * an interface); the numbers are of them all.  "stopped": why the capture
 * ended (job.c: with several files, the last to stop says, but "error"
 * when one was cut short and "shutdown" when SIGTERM stopped one).
 * "spooled": the first file kept in the spool, "spooled_files": every
 * one, when any was.  "status" is "failed" whenever "errors" is not empty.
 *
 * A message that was for this node but wrong gets {"node", "status":
 * "rejected", "error": WHY, "message": its first 512 bytes}.
 */

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "daemon.h"

/* A JSON string of text from outside: printable ASCII, the rest as '?'. */
json_t *kcapd_json_text(const char *text, size_t len)
{
	json_t *j;
	char *t = malloc(len + 1);
	size_t i;

	if (!t)
		return json_null();
	for (i = 0; i < len; i++)
		t[i] = text[i] >= 0x20 && text[i] < 0x7f ? text[i] : '?';
	t[len] = '\0';
	j = json_stringn(t, len);
	free(t);
	return j ? j : json_null();
}

json_t *kcapd_json_str(const char *text)
{
	return kcapd_json_text(text, strlen(text));
}

json_t *kcapd_result_new(const struct kcapd_config *cfg,
			 const struct kcapd_request *req)
{
	json_t *r = json_object(), *ifs = json_array();
	size_t i;

	json_object_set_new(r, "node", kcapd_json_str(cfg->node));
	if (req->has_alertid)
		json_object_set_new(r, "alertid",
				    json_integer((json_int_t)req->alertid));
	if (req->tags)
		json_object_set_new(r, "tags", kcapd_json_str(req->tags));
	if (req->customer)
		json_object_set_new(r, "customer",
				    kcapd_json_str(req->customer));
	for (i = 0; i < req->nr_devs; i++)
		json_array_append_new(ifs, kcapd_json_str(req->devs[i]));
	json_object_set_new(r, "interfaces", ifs);
	if (req->clamped[0])
		json_object_set_new(r, "clamped", kcapd_json_str(req->clamped));
	json_object_set_new(r, "delivered", json_array());
	json_object_set_new(r, "errors", json_array());
	return r;
}

void kcapd_result_error(json_t *result, const char *line)
{
	json_array_append_new(json_object_get(result, "errors"),
			      kcapd_json_str(line));
}

void kcapd_result_spooled(json_t *result, const char *path)
{
	json_t *all = json_object_get(result, "spooled_files");

	if (!json_object_get(result, "spooled"))
		json_object_set_new(result, "spooled", kcapd_json_str(path));
	if (!all) {
		all = json_array();
		json_object_set_new(result, "spooled_files", all);
	}
	json_array_append_new(all, kcapd_json_str(path));
}

char *kcapd_result_rejected(const struct kcapd_config *cfg, const char *why,
			    const char *msg, size_t len)
{
	json_t *r = json_object();
	char *s;

	json_object_set_new(r, "node", kcapd_json_str(cfg->node));
	json_object_set_new(r, "status", json_string("rejected"));
	json_object_set_new(r, "error", kcapd_json_str(why));
	json_object_set_new(r, "message",
			    kcapd_json_text(msg, len < 512 ? len : 512));
	s = kcapd_result_dump(r);
	json_decref(r);
	return s;
}

char *kcapd_result_dump(json_t *result)
{
	return json_dumps(result, JSON_COMPACT | JSON_ENSURE_ASCII);
}
