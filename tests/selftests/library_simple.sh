#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# libkcap's convenience calls against the kernel, through the example
# program that embeds them (user/examples/kcap-simple.c):
# kcap_capture_to_file() in pcapng and pcap, kcap_capture_simple() into a
# callback, kcap_read_file() reading both kcap's and tcpdump's files.  The
# frames must be the ones tcpdump captured alongside, byte for byte; the
# calls stop at their count or timeout and leave no session behind.
. "$(dirname "$0")/lib.sh"

require_cmd kcap ip python3 tcpdump tshark
require_kcap_loaded
simple=$(dirname "$(command -v kcap)")/examples/kcap-simple
[ -x "$simple" ] || { echo "# $simple is not built: make -C user"; exit 1; }

setup_tmpdir

ktap_print_header
ktap_plan 11

setup_veth_ns ns
dmesg_mark

# wait_session DIR: until a session of the example's captures in DIR (each
# capture below has a direction of its own, so the one before cannot match).
wait_session() {
	local i
	for ((i = 0; i < 100; i++)); do
		in_ns kcap show --json 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
d = d if isinstance(d, list) else [d]
sys.exit(0 if any(s["name"].startswith("kcap-lib-") and s["direction"] == sys.argv[1] for s in d) else 1)' "$1" &&
			return 0
		sleep 0.1
	done
	echo "# no session of kcap-simple capturing $1 after 10 s"
	return 1
}

# The frames' linktype, lengths and bytes (direction left out: pcap has none).
frames_of() { "$simple" read "$1" | awk 'NF == 5 { print $1, $2, $3, $5 }'; }

# kcap_capture_to_file(), pcapng, both directions, next to tcpdump.
ip netns exec "$ns" "$simple" file va inout 6 30000 "$tmp/lib.pcapng" pcapng "udp port 5000" \
	>"$tmp/file.out" 2>"$tmp/file.err" &
pf=$!
defer kill_bg "$pf"
ip netns exec "$ns" tcpdump -i va -nn -U -c 6 -w "$tmp/td.pcap" "udp port 5000" 2>"$tmp/td.err" &
pt=$!
defer kill_bg "$pt"
wait_session inout
wait_for_line "$tmp/td.err" 'listening on' 30
udp_flood --iface vb --count 6 --size 90 --dport 9,5000	# in on va: 3 to port 5000
udp_flood --iface va --count 3 --size 110 --dport 5000			# out of va
finish $pf 40
rc=$?
finish $pt 40
ktap_check "kcap_capture_to_file() returns the 6 frames of its count (exit $rc: $(cat "$tmp/file.out" "$tmp/file.err"))" \
	test "$rc/$(cat "$tmp/file.out")" = "0/6 frames"
frames_of "$tmp/lib.pcapng" >"$tmp/lib.txt"
frames_of "$tmp/td.pcap" >"$tmp/td.txt"
ktap_check "kcap_read_file() reads them back: tcpdump's frames, byte for byte ($(wc -l <"$tmp/lib.txt") and $(wc -l <"$tmp/td.txt"))" \
	sh -c "test -s '$tmp/td.txt' && cmp -s '$tmp/lib.txt' '$tmp/td.txt'"
# libpcap does not report pcapng's direction flags: tshark does.
dirs=$(tshark -r "$tmp/lib.pcapng" -T fields -e frame.packet_flags_direction 2>/dev/null |
	sort | uniq -c | awk '{ printf "%sx%s ", $1, $2 }')
ktap_check "tshark: the pcapng file has 3 frames in and 3 out ($dirs)" \
	test "$dirs" = "3x0x00000001 3x0x00000002 "

# kcap_capture_simple() into a callback, inbound only.
ip netns exec "$ns" "$simple" print va in 2 30000 "udp port 5000" >"$tmp/print.out" 2>&1 &
pp=$!
defer kill_bg "$pp"
ip netns exec "$ns" tcpdump -i va -nn -U -Q in -c 2 -w "$tmp/td-in.pcap" "udp port 5000" 2>"$tmp/td.err" &
pt=$!
defer kill_bg "$pt"
wait_session in
wait_for_line "$tmp/td.err" 'listening on' 30
udp_flood --iface va --count 2 --size 70 --dport 5000	# out: not wanted
udp_flood --iface vb --count 4 --size 80 --dport 9,5000	# in
finish $pp 40
rc=$?
finish $pt 40
awk 'NF == 5 { print $1, $2, $3, $5 }' "$tmp/print.out" >"$tmp/print.txt"
frames_of "$tmp/td-in.pcap" >"$tmp/td-in.txt"
ktap_check "kcap_capture_simple() hands the callback 2 frames and stops (exit $rc, $(tail -n 1 "$tmp/print.out"))" \
	test "$rc/$(tail -n 1 "$tmp/print.out")" = "0/2 frames"
ktap_check "they are inbound, and tcpdump -Q in's frames byte for byte" \
	sh -c "test \"\$(awk 'NF == 5 { print \$4 }' '$tmp/print.out' | sort -u)\" = in &&
		test -s '$tmp/td-in.txt' && cmp -s '$tmp/print.txt' '$tmp/td-in.txt'"

# kcap_capture_to_file() in pcap, read by tcpdump too.
ip netns exec "$ns" "$simple" file va out 3 30000 "$tmp/lib.pcap" pcap >"$tmp/pcap.out" 2>&1 &
pf=$!
defer kill_bg "$pf"
wait_session out
udp_flood --iface va --count 3 --size 200 --dport 7
finish $pf 40
rc=$?
n=$(tcpdump -r "$tmp/lib.pcap" -nn 2>/dev/null | grep -c 'UDP, length 158')
ktap_check "a pcap file of 3 outbound frames, read by tcpdump (exit $rc, $n frames)" \
	test "$rc/$n" = 0/3

# A timeout with no traffic: 0 frames, after the timeout and not before.
start=$(date +%s%N)
out=$(in_ns "$simple" print va inout 0 1500 2>&1)
rc=$?
ms=$((($(date +%s%N) - start) / 1000000))
ktap_check "a 1500 ms timeout with no traffic returns 0 frames after ${ms} ms (exit $rc: $out)" \
	test "$rc/$out" = "0/0 frames" -a "$ms" -ge 1500

# Errors come back as errnos, and leave nothing behind.
out=$(in_ns "$simple" print va inout 1 1000 "udp port" 2>&1)
rc=$?
ktap_check "a bad filter: EINVAL ($out)" test "$rc/$out" = "1/kcap-simple: print: Invalid argument"
out=$(in_ns "$simple" print nosuchdev inout 1 1000 2>&1)
rc=$?
ktap_check "no such device: ENODEV ($out)" test "$rc/$out" = "1/kcap-simple: print: No such device"
left=$(kcap_sessions "$ns" | tr '\n' ' ')
ktap_check "no session is left (${left:-none})" test -z "$left"

ktap_check "kernel log clean" test -z "$(dmesg_splats_since_mark)"
ktap_finished
