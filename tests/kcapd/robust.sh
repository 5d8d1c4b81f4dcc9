#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kcapd when things go wrong: the same alert twice in a second makes two
# files, not one overwritten; a file of the capture's name in localdir (an
# earlier kcapd's) is kept, the capture gets a -2 name; captures held in
# memory share general.memorylimit; a full spool disk cuts a capture short
# but it is still delivered, whole up to its last frame, and its result
# says why; a recording whose directory is missing is tried again quietly
# and starts once the directory is there; SIGTERM while a delivery waits
# to retry an unreachable S3 stops kcapd at once, with the file spooled and
# the result published, and an upload to an S3 that never answers is given
# up 30 s after SIGTERM.
. "$(dirname "$0")/lib.sh"

require_cmd kcap kcapd ip redis-server redis-cli capinfos tcpdump
require_kcap_loaded
setup_tmpdir

ktap_print_header
ktap_plan 10

kcapd_veth kra krb
flood() { "$KCAP_SELFTESTS/traffic.py" udp-flood --iface krb "$@" >/dev/null; }

# The spool on a file system of 256 KiB, to fill.
mkdir -p "$tmp/out" "$tmp/spool"
mount -t tmpfs -o size=256k kcapd-spool "$tmp/spool" ||
	ktap_exit_fail_msg "cannot mount a small tmpfs on $tmp/spool"
defer umount "$tmp/spool"
cat >"$tmp/kcapd.json" <<EOF
{
	"general": { "spooldir": "$tmp/spool", "writelocal": true,
		     "localdir": "$tmp/out", "memorylimit": 100000 },
	"redis": { "listen": true, "host": "127.0.0.1", "port": $REDIS_PORT },
	"record": [ { "name": "robust", "interface": "kra", "filter": "udp dst port 7777",
		      "dir": "$tmp/rec", "filesize": 1, "files": 2 } ]
}
EOF
start_redis
start=$(date +%s)
R=$tmp/results
collect_results "$R"
start_kcapd n1 "$tmp/kcapd.json"
n1pid=$kcapd_pid
L=$tmp/kcapd-n1.log
dmesg_mark

# Twice the same message, in one redis-cli: the same second, mostly.
msg='{"node": "n1", "interface": ["kra"], "duration": 1, "alertid": 5}'
printf 'PUBLISH capture %s\n' "'$msg'" "'$msg'" | redis-cli -p "$REDIS_PORT" >/dev/null
wait_results "$R" 2 30
f1=$(result "$R" 1 'r["delivered"][0]["where"]')
f2=$(result "$R" 2 'r["delivered"][0]["where"]')
echo "# $f1, $f2"
ktap_check "the same alert twice at once: two files, both whole" \
	sh -c "test '$(results "$R" 1 2 'r["status"]')' = 'ok ok' && test '$f1' != '$f2' &&
		capinfos '$f1' >/dev/null && capinfos '$f2' >/dev/null &&
		test \$(ls '$tmp/out' | grep -c '^n1_5_.*_kra.*\\.pcapng\$') = 2"

# Files of the names the next capture may have (an earlier kcapd's).
now=$(date +%s)
for ((s = now; s < now + 10; s++)); do
	echo old >"$tmp/out/n1_6_$(date -u -d "@$s" +%Y%m%dT%H%M%SZ)_kra.pcapng"
done
publish '{"node": "n1", "interface": ["kra"], "duration": 1, "alertid": 6}'
wait_results "$R" 3 30
f3=$(result "$R" 3 'r["delivered"][0]["where"]')
ktap_check "a file of its name in localdir is kept: the capture is ${f3##*/}" \
	sh -c "case '$f3' in */n1_6_*_kra-2.pcapng) ;; *) exit 1 ;; esac &&
		capinfos '$f3' >/dev/null &&
		test \$(cat '$tmp'/out/n1_6_*_kra.pcapng | sort -u) = old"

# 60000 bytes each, 100000 for all: the first in memory, the second not.
publish '{"node": "n1", "interface": ["kra"], "duration": 2, "bytes": 60000, "alertid": 7}'
wait_for_line "$L" 'capture 4 on kra: started' 30
publish '{"node": "n1", "interface": ["kra"], "duration": 2, "bytes": 60000, "alertid": 8}'
wait_results "$R" 5 30
ktap_check_match "general.memorylimit is for all captures: one in memory, the other spooled" \
	"^capture 4 on kra: started, in memory \\(general.memorylimit: 60000 of 100000 bytes held\\) capture 5 on kra: started, spooled " \
	"$(grep -oE 'capture [45] on kra: started.*' "$L" | tr '\n' ' ')"

# Spooled (no bytes cap) into 256 KiB: 1000 frames of 1000 bytes fill it.
publish '{"node": "n1", "interface": ["kra"], "packets": 1000, "alertid": 9}'
wait_for_line "$L" 'capture 6 on kra: started' 30
flood --count 1000 --size 1000 --pps 2000
wait_results "$R" 6 60
f6=$(result "$R" 6 'r["delivered"][0]["where"]')
n6=$(result "$R" 6 'r["frames"]')
ktap_check_match "a full spool disk: the capture failed, stopped on the error" \
	"^failed error .*No space left on device" \
	"$(result "$R" 6 'r["status"], r["stopped"], r["errors"]')"
read6=$(pcap_frames "$f6")
left=$(ls -A "$tmp/spool")
ktap_check "... and is delivered whole up to its last frame ($n6 frames, $read6 read back; spool left: '$left')" \
	test "$n6" -gt 0 -a "$n6" -lt 1000 -a "$read6" = "$n6" -a -z "$left" \
	-a "$(pcap_valid "$f6" && echo valid)" = valid

# The recording: its directory has been missing since kcapd started.
ktap_check_match "a missing recording directory: logged once in $(($(date +%s) - start)) s, tried again every 2 s" \
	"^1 .*trying again every 2 s$" \
	"$(grep -c 'recording robust: .*trying again' "$L") $(grep 'recording robust: .*trying again' "$L" | tail -n 1)"
mkdir "$tmp/rec"
wait_for_line "$L" 'recording robust: recording into .* again' 15
flood --count 200 --size 100 --dport 7777
sleep 3
ktap_check_match "once it is there, the recording starts" \
	"^200$" "$(pcap_frames "$tmp/rec/robust.pcapng0")"

# stop_in_delivery NODE ALERTID: kcapd NODE (the last started) captures 1 s
# for ALERTID, and gets SIGTERM 4 s after the capture started, while its
# delivery is under way; t: the seconds it took to exit, rc: its status.
stop_in_delivery() {
	local t0
	publish "{\"node\": \"$1\", \"interface\": [\"kra\"], \"duration\": 1, \"alertid\": $2}"
	wait_for_line "$tmp/kcapd-$1.log" 'capture 1 on kra: started' 30
	sleep 4
	t0=$(date +%s)
	kill -TERM "$kcapd_pid"
	wait "$kcapd_pid"
	rc=$?
	t=$(($(date +%s) - t0))
}

# S3 unreachable, a retry in 60 s: SIGTERM does not wait for it.
cat >"$tmp/kcapd2.json" <<EOF
{
	"general": { "spooldir": "$tmp/spool2", "retries": 3, "retrydelay": 60 },
	"redis": { "listen": true, "host": "127.0.0.1", "port": $REDIS_PORT },
	"s3": { "upload": true, "scheme": "http", "endpoint": "127.0.0.1:9",
		"bucket": "kcap", "region": "us-east-1",
		"accessid": "x", "accesskey": "y" }
}
EOF
mkdir "$tmp/spool2"
start_kcapd n2 "$tmp/kcapd2.json"
stop_in_delivery n2 10
wait_results "$R" 7 10
ktap_check_match "SIGTERM while S3 is retried: kcapd exits in $t s (exit $rc), the file spooled" \
	"^ok failed .*not made: kcapd is stopping.* $tmp/spool2/n2_10_" \
	"$([ "$t" -lt 20 ] && [ "$rc" = 0 ] && echo ok) $(result "$R" 7 'r["status"], r["errors"], r.get("spooled")')"

# An S3 that takes the request and never answers (a black hole): once
# kcapd is stopping, the attempt has 30 s, not libcurl's 60 s of no speed.
/usr/bin/python3 -c 'import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(8)
print(s.getsockname()[1], flush=True)
time.sleep(600)' >"$tmp/hole.port" &
defer kill_bg $!
wait_for_line "$tmp/hole.port" '^[0-9]+$' 10
sed -e "s/127.0.0.1:9\"/127.0.0.1:$(cat "$tmp/hole.port")\"/" -e 's/spool2/spool3/' \
	-e 's/"retries": 3/"retries": 0/' "$tmp/kcapd2.json" >"$tmp/kcapd3.json"
mkdir "$tmp/spool3"
start_kcapd n3 "$tmp/kcapd3.json"
stop_in_delivery n3 11
wait_results "$R" 8 10
ktap_check_match "SIGTERM while S3 does not answer: given up after 30 s, kcapd exits in $t s (exit $rc), the file spooled" \
	"^ok failed .*given up, kcapd has been stopping for 30 s.* $tmp/spool3/n3_11_" \
	"$([ "$t" -ge 28 ] && [ "$t" -lt 55 ] && [ "$rc" = 0 ] && echo ok) $(result "$R" 8 'r["status"], r["errors"], r.get("spooled")')"
kill -TERM "$n1pid" && wait "$n1pid"
kcap del robust
ktap_check "no splat in the kernel log" test -z "$(dmesg_splats_since_mark)"
ktap_finished
