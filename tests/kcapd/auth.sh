#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kcapd and a Redis that wants a password (redis.auth): with a wrong one
# kcapd says so, once, keeps trying and lives on; with the right one it
# subscribes, captures and publishes its result.
. "$(dirname "$0")/lib.sh"

require_cmd kcap kcapd ip redis-server redis-cli
require_kcap_loaded
setup_tmpdir

ktap_print_header
ktap_plan 4

kcapd_dummy kau
config() {	# config PASSWORD FILE
	cat >"$2" <<EOF
{
	"general": { "writelocal": true, "localdir": "$tmp/out", "spooldir": "$tmp/spool" },
	"redis": { "listen": true, "host": "127.0.0.1", "port": $REDIS_PORT, "auth": "$1" }
}
EOF
}
export REDISCLI_AUTH=s3cret	# redis-cli's and collect.py's password
start_redis "$REDIS_PORT" --requirepass s3cret
collect_results "$tmp/results"
R=$tmp/results

config wrong "$tmp/wrong.json"
kcapd -f -n a1 -c "$tmp/wrong.json" 2>"$tmp/kcapd-a1.log" &
pid=$!
defer kill_bg $pid
wait_for_line "$tmp/kcapd-a1.log" 'redis subscription at 127.0.0.1' 20
sleep 4		# a few more attempts (1 s, 2 s...)
sed 's/^/# a1: /' "$tmp/kcapd-a1.log"
ktap_check_match "a wrong password: Redis's refusal, said once, kcapd lives on" \
	"^1 (WRONGPASS|ERR invalid password)" \
	"$(grep -c 'redis subscription at' "$tmp/kcapd-a1.log") $(sed -n 's/.*redis subscription at [^ ]*: //p' "$tmp/kcapd-a1.log")"
ktap_check "and it has not subscribed" \
	sh -c "kill -0 $pid && ! grep -q 'subscribed to' '$tmp/kcapd-a1.log'"

config s3cret "$tmp/right.json"
start_kcapd a2 "$tmp/right.json"
publish '{"node": "a2", "interface": ["kau"], "duration": 1, "alertid": 3}'
wait_results "$R" 1 30
ktap_check_match "the right password: a capture, its result published" \
	'^a2 3 ok duration$' "$(result "$R" 1 'r["node"], r["alertid"], r["status"], r["stopped"]')"
ktap_check "no session left" test -z "$(kcap show)"
ktap_finished
