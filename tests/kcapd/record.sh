#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kcapd's always-on recordings ([[record]]: a flight recorder): the
# persistent session is made at start and recorded into a ring of files;
# kcapd stopped, the session keeps capturing; kcapd started again finds it,
# reads what its rings held meanwhile and goes on in the ring after the
# newest file, so nothing captured while it was away is lost and no recent
# file is overwritten; the device deleted and made again, the recording
# follows it; SIGHUP without the recording deletes its session.
. "$(dirname "$0")/lib.sh"

require_cmd kcap kcapd ip redis-server capinfos tcpdump
require_kcap_loaded
setup_tmpdir

ktap_print_header
ktap_plan 8

mk_pair() {
	ip link add krc type veth peer name krd || return 1
	for d in krc krd; do
		sysctl -qw "net.ipv6.conf.$d.disable_ipv6=1"
		ip link set "$d" up
	done
}
mk_pair || ktap_exit_fail_msg "cannot add a veth pair"
defer ip link del krc
flood() { "$KCAP_SELFTESTS/traffic.py" udp-flood --iface krd "$@" >/dev/null; }
total() { local f n=0; for f in "$tmp"/rec/flight.pcapng*; do n=$((n + $(pcap_frames "$f"))); done; echo $n; }

mkdir -p "$tmp/rec" "$tmp/spool"
cat >"$tmp/kcapd.json" <<EOF
{
	"general": { "spooldir": "$tmp/spool" },
	"record": [ { "name": "flight", "interface": "krc", "direction": "in",
		      "filter": "udp", "dir": "$tmp/rec", "filesize": 1, "files": 3 } ]
}
EOF
start_redis
start_kcapd n1 "$tmp/kcapd.json" "" 'recording flight: session created on krc'
dmesg_mark

# 1500 frames of 1000 bytes: 1.5 MB, two files of -C 1.
flood --count 1500 --size 1000
sleep 3
ktap_check_match "the persistent session: flight on krc, direction in, filter udp" \
	'^flight: .* dev krc .*state attached' "$(kcap show flight)"
kill -TERM "$kcapd_pid"
wait "$kcapd_pid"
rc=$?
ls -l "$tmp/rec" | sed 's/^/# /'
ktap_check "1500 frames in flight.pcapng0 and 1 (exit $rc: $(total) frames)" \
	test $rc = 0 -a "$(total)" = 1500 -a -s "$tmp/rec/flight.pcapng1"
ktap_check "kcapd stopped, the session stays and captures" \
	sh -c "kcap show flight | grep -q 'state attached'"

# Away: 300 frames; back: they are read, into the file after the newest.
flood --count 300 --size 1000
sleep 1
start_kcapd n1 "$tmp/kcapd.json" "" 'recording flight: session found on krc, going on'
sleep 3
kill -TERM "$kcapd_pid"
wait "$kcapd_pid"
ls -l "$tmp/rec" | sed 's/^/# /'
n2=$(pcap_frames "$tmp/rec/flight.pcapng2")
ktap_check "restarted: the 300 frames captured meanwhile, in flight.pcapng2 ($n2), 1800 in all ($(total))" \
	test "$n2" -ge 300 -a "$(total)" = 1800
ktap_check "every file whole" sh -c "for f in $tmp/rec/flight.pcapng*; do capinfos \$f >/dev/null || exit 1; done"

# The device goes away and comes back.
start_kcapd n1 "$tmp/kcapd.json" "" 'recording flight: session found'
ip link del krc
wait_for_line "$tmp/kcapd-n1.log" 'recording flight: krc went away' 20
mk_pair
wait_for_line "$tmp/kcapd-n1.log" 'recording flight: session created on krc' 30
ktap_check "krc deleted and made again: the recording follows it (a new session)" \
	sh -c "kcap show flight | grep -q 'state attached'"

# SIGHUP with the recording gone from the configuration (Redis instead).
mkdir -p "$tmp/out"
cat >"$tmp/kcapd.json" <<EOF
{
	"general": { "spooldir": "$tmp/spool", "writelocal": true, "localdir": "$tmp/out" },
	"redis": { "listen": true, "host": "127.0.0.1", "port": $REDIS_PORT }
}
EOF
kill -HUP "$kcapd_pid"
wait_for_line "$tmp/kcapd-n1.log" 'recording flight: no longer configured, session deleted' 20
ktap_check "SIGHUP without it: its session is deleted" test -z "$(kcap show)"
kill -TERM "$kcapd_pid"
wait "$kcapd_pid"
ktap_check "kernel log clean" test -z "$(dmesg_splats_since_mark)"
ktap_finished
