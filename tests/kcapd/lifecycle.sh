#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kcapd around its captures: at most general.maxcaptures at once (the next
# message is rejected, saying so); SIGHUP reads the configuration again
# while captures in flight finish as they started; Redis killed and
# restarted during a capture: the capture completes, kcapd subscribes
# again, its result is published once Redis is back and the next message
# works; SIGTERM stops every capture, delivers it, publishes its result,
# and kcapd exits 0, leaving no session in the kernel.
. "$(dirname "$0")/lib.sh"

require_cmd kcap kcapd ip redis-server redis-cli capinfos
require_kcap_loaded
setup_tmpdir

ktap_print_header
ktap_plan 11

kcapd_dummy klb
config() {	# config MAXPACKETS: the configuration, maxpackets set
	cat >"$tmp/kcapd.json" <<EOF
{
	"general": { "maxpackets": $1, "writelocal": true, "localdir": "$tmp/out",
		     "spooldir": "$tmp/spool", "maxcaptures": 2, "maxduration": 60 },
	"redis": { "listen": true, "host": "127.0.0.1", "port": $REDIS_PORT }
}
EOF
}
config 1000
start_redis
collect_results "$tmp/results"
start_kcapd n1 "$tmp/kcapd.json"
R=$tmp/results
# of_alert ID EXPR: python expression EXPR over r, the result of alertid
# ID (results come in the order published, and the collector may miss one
# while Redis is away: not by position).
of_alert() {
	/usr/bin/python3 -c 'import json, sys
for line in open(sys.argv[1]):
    r = json.loads(line)
    if r.get("alertid") == int(sys.argv[2]):
        v = eval(sys.argv[3], {"r": r})
        print(" ".join(map(str, v)) if isinstance(v, tuple) else v)
        break' "$R" "$@"
}
dmesg_mark

# Two long captures fill maxcaptures; a third is rejected.
publish '{"node": "n1", "interface": ["klb"], "duration": 6, "alertid": 1}'
publish '{"node": "n1", "interface": ["klb"], "duration": 6, "alertid": 2}'
wait_for_line "$tmp/kcapd-n1.log" 'capture 2 on klb: started' 30
publish '{"node": "n1", "interface": ["klb"], "duration": 6, "alertid": 3}'
wait_results "$R" 1 20
ktap_check_match "a third capture over maxcaptures 2: rejected, saying so" \
	"^rejected .*maxcaptures" "$(result "$R" 1 'r["status"], r["error"]')"

# SIGHUP while the two run: a new maxpackets, the two finish as they began.
config 7
kill -HUP "$kcapd_pid"
wait_for_line "$tmp/kcapd-n1.log" 'SIGHUP: .* read again' 10
wait_results "$R" 3 30
ktap_check "the captures in flight end by their own duration (SIGHUP did not touch them)" \
	test "$(results "$R" 2 3 'r["status"] + "/" + r["stopped"] + "/" + str(r["alertid"])')" = "ok/duration/1 ok/duration/2"
publish '{"node": "n1", "interface": ["klb"], "packets": 100, "duration": 1}'
wait_results "$R" 4 20
ktap_check_match "after SIGHUP: maxpackets 7 bounds a message" 'packets 7' \
	"$(result "$R" 4 'r.get("clamped")')"

# Redis goes away during a capture, and comes back.
publish '{"node": "n1", "interface": ["klb"], "duration": 4, "alertid": 5}'
wait_for_line "$tmp/kcapd-n1.log" 'capture 4 on klb: started' 30
kill "$redis_pid"
wait "$redis_pid" 2>/dev/null
wait_for_line "$tmp/kcapd-n1.log" 'redis subscription: .*connecting again' 20
sleep 5		# the capture ends meanwhile, its result waits
ktap_check_match "Redis away: the capture completes all the same" \
	"capture 4 ended: ok" "$(cat "$tmp/kcapd-n1.log")"
start_redis
# Its second "connected" (the first is from its start): a message
# published before it has subscribed again is lost, as Redis's pub/sub
# keeps none for a subscriber that is away.
wait_count "$tmp/kcapd-n1.log" 'redis subscription: connected' 2 40
# The collector may resubscribe after kcapd publishes: kcapd's log says.
wait_for_line "$tmp/kcapd-n1.log" 'result published: .*"alertid":5' 40
ktap_check "Redis back: kcapd subscribed again, the waiting result published" \
	grep -q 'result published: .*"alertid":5.*"status":"ok"' "$tmp/kcapd-n1.log"
# The next one, once the collector hears again (it may be after kcapd
# published 5's result, which it then missed), found by its alertid.
wait_for_line "$R.ready" '^ready 2$' 40
publish '{"node": "n1", "interface": ["klb"], "duration": 1, "alertid": 6}'
wait_for_line "$R" '"alertid": ?6[,}]' 30
ktap_check "and the next message works" test "$(of_alert 6 'r["alertid"], r["status"]')" = "6 ok"

# SIGTERM during a long capture.
publish '{"node": "n1", "interface": ["klb"], "duration": 50, "alertid": 7}'
wait_for_line "$tmp/kcapd-n1.log" 'capture 6 on klb: started' 30
start=$SECONDS
kill -TERM "$kcapd_pid"
wait "$kcapd_pid"
rc=$?
ktap_check "SIGTERM: kcapd exits 0 within 15 s (exit $rc, $((SECONDS - start)) s)" \
	test $rc = 0 -a $((SECONDS - start)) -le 15
wait_for_line "$R" '"alertid": ?7[,}]' 10
file=$(of_alert 7 'r["delivered"][0]["where"]')
ktap_check "the capture it stopped: result shutdown, delivered, a whole file" \
	sh -c "test \"$(of_alert 7 'r["alertid"], r["stopped"]')\" = \"7 shutdown\" &&
		capinfos '$file' >/dev/null"
# A crash: the sessions are the netlink socket's, the kernel deletes them.
start_kcapd n1 "$tmp/kcapd.json"
publish '{"node": "n1", "interface": ["klb"], "duration": 50, "alertid": 8}'
wait_for_line "$tmp/kcapd-n1.log" 'capture 1 on klb: started' 30
had=$(kcap show | wc -l)
kill -KILL "$kcapd_pid"
wait "$kcapd_pid" 2>/dev/null
for ((i = 0; i < 50; i++)); do
	[ -z "$(kcap show)" ] && break
	sleep 0.1
done
ktap_check "SIGKILL during a capture: its session ($had) goes with kcapd" \
	test "$had" -ge 1 -a -z "$(kcap show)"
# Started again, kcapd keeps what the crash interrupted, whole, and says so.
start_kcapd n1 "$tmp/kcapd.json"
kept=$(sed -n 's/.*interrupted when kcapd last stopped, kept as //p' "$tmp/kcapd-n1.log")
ktap_check "started again: the interrupted capture kept in the spool, readable (${kept#"$tmp"/})" \
	sh -c "case '$kept' in $tmp/spool/n1_8_*_klb.pcapng) ;; *) exit 1;; esac &&
		capinfos '$kept' >/dev/null && test -z \"\$(ls -A '$tmp/spool' | grep -v '^n1_8_')\""
kill -TERM "$kcapd_pid"
wait "$kcapd_pid"
ktap_check "no session left, kernel log clean" \
	sh -c "test -z \"\$(kcap show)\" && test -z \"$(dmesg_splats_since_mark)\""
ktap_finished
