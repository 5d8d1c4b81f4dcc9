#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kcap receive: the client of capture --listen's pcap stream.  It and
# "nc | tcpdump -r -" get the frames of the server's local -w, byte for
# byte with their timestamps; when the server goes away and comes back,
# receive says so once, connects again and writes the second run into a
# file of its own (FILE1); with -C it rotates as capture does, every file
# complete, and -c stops it.
. "$(dirname "$0")/lib.sh"

require_cmd kcap ip python3 tcpdump nc
require_kcap_loaded

setup_tmpdir

ktap_print_header
ktap_plan 9

setup_veth_ns ns
dmesg_mark

PORT=5010

# same_dump A B...: the frames of A, timestamps and bytes, are those of
# the files B... one after the other (tcpdump -tt -xx).
same_dump() {
	local a=$1 f
	shift
	diff <(tcpdump -nn -tt -xx -r "$a" 2>/dev/null) \
	     <(for f in "$@"; do tcpdump -nn -tt -xx -r "$f" 2>/dev/null; done) >/dev/null
}

kcap receive 127.0.0.1:$PORT >/dev/null 2>"$tmp/usage.err"
rc=$?
ktap_check_match "receive without -w: exit 2, one line" \
	"^2 1 kcap: receive: where to\? -w FILE is needed" "$rc $(wc -l <"$tmp/usage.err") $(cat "$tmp/usage.err")"

# The first run of the server, with a client of each kind.
N=1500
capture_bg -n "$ns" "$tmp/s1.err" capture -i va -Q in -c $N -a duration:120 --listen 127.0.0.1:$PORT -w "$tmp/local1.pcap"
s1=$!
in_ns sh -c "nc -d 127.0.0.1 $PORT | tcpdump -r - -w '$tmp/nc.pcap' 2>/dev/null" &
pnc=$!
defer kill_bg "$pnc"
# (ip netns exec, not in_ns: $! must be kcap's pid, for SIGINT; a
# function's background job is a subshell, which ignores it.)
ip netns exec "$ns" kcap receive 127.0.0.1:$PORT -w "$tmp/rx.pcap" -a duration:300 2>"$tmp/rx.err" &
prx=$!
defer kill_bg "$prx"
wait_count "$tmp/s1.err" '^kcap: client 127\.0\.0\.1:[0-9]+ connected$' 2 30
wait_for_line "$tmp/rx.err" "^kcap: receiving from 127\.0\.0\.1:$PORT, link-type EN10MB \(Ethernet\), snapshot length [0-9]+ bytes, to $tmp/rx\.pcap\$" 30
udp_flood --iface vb --count $((N + 200)) --size 300 --pps 5000
finish $s1 120; rc1=$?
finish $pnc 30
ktap_check "server run 1: exit 0, $N frames in its local file ($(pcap_frames "$tmp/local1.pcap"))" \
	test $rc1 = 0 -a "$(pcap_frames "$tmp/local1.pcap")" = $N
ktap_check "nc | tcpdump -r -: the local file's frames, timestamps and bytes" \
	same_dump "$tmp/local1.pcap" "$tmp/nc.pcap"
wait_for_line "$tmp/rx.err" "^kcap: 127\.0\.0\.1:$PORT: the stream ended \(closed by the server\) after $N frames\$" 30
ktap_check "kcap receive: the same, in $tmp/rx.pcap" \
	same_dump "$tmp/local1.pcap" "$tmp/rx.pcap"

# The server again: receive connects again, to a new file; a second
# receive rotates with -C 1 (MB) and stops at -c.
M=2500
capture_bg -n "$ns" "$tmp/s2.err" capture -i va -Q in -c $M -a duration:120 --listen 127.0.0.1:$PORT -w "$tmp/local2.pcap"
s2=$!
ip netns exec "$ns" kcap receive 127.0.0.1:$PORT -w "$tmp/rot.pcap" -C 1 -c $M -a duration:300 2>"$tmp/rot.err" &
prot=$!
defer kill_bg "$prot"
wait_for_line "$tmp/rx.err" "^kcap: receiving from 127\.0\.0\.1:$PORT, .*, to $tmp/rx\.pcap1\$" 40 ||
	ktap_print_msg "sockets: $(in_ns ss -tanpi | tr '\n' ';'); server 2 said: $(tr '\n' ';' <"$tmp/s2.err")"
wait_for_line "$tmp/rot.err" "^kcap: receiving from 127\.0\.0\.1:$PORT, .*, to $tmp/rot\.pcap\$" 30
udp_flood --iface vb --count $((M + 200)) --size 1000 --pps 5000
finish $s2 120; rc2=$?
finish $prot 60; rcrot=$?
wait_for_line "$tmp/rx.err" "^kcap: 127\.0\.0\.1:$PORT: the stream ended \(closed by the server\) after $M frames\$" 30
kill -INT $prx
finish $prx 30; rcrx=$?
ktap_print_msg "receive said: $(tr '\n' ';' <"$tmp/rx.err")"
run2_ok() {
	# (one line for the outage between the runs: another may follow
	# the second run's end, before SIGINT)
	test $rc2 = 0 &&
		test "$(sed -n '1,/ to .*rx\.pcap1$/p' "$tmp/rx.err" | grep -c 'retrying in')" = 1 &&
		test "$(pcap_frames "$tmp/local2.pcap")" = $M &&
		same_dump "$tmp/local2.pcap" "$tmp/rx.pcap1"
}
ktap_check "server restarted: receive said the outage once and wrote run 2 ($M frames, server exit $rc2) into rx.pcap1, frames, timestamps and bytes" \
	run2_ok
ktap_check_match "receive: exit 0 on SIGINT, the summary counts both runs in 2 files" \
	"^0 $((N + M)) packets received 2 files written \(the last: $tmp/rx\.pcap1\) 2 streams from 127\.0\.0\.1:$PORT\$" \
	"$rcrx $(grep -A2 'packets received' "$tmp/rx.err" | tr '\n' ' ' | sed 's/ $//')"

rot=("$tmp"/rot.pcap*)
rot_ok() {
	local f
	test $rcrot = 0 && test ${#rot[@]} -ge 3 &&
		grep -q "^$M packets received" "$tmp/rot.err" || return 1
	for f in "${rot[@]}"; do
		pcap_valid "$f" || return 1
	done
}
ktap_check "receive -C 1 -c $M: exit 0 ($rcrot) at $M frames, ${#rot[@]} files (3 at least), each complete" \
	rot_ok
files=("$tmp/rot.pcap")
for ((i = 1; i < ${#rot[@]}; i++)); do files+=("$tmp/rot.pcap$i"); done
ktap_check "... together, in order, the frames of the server's local file" \
	same_dump "$tmp/local2.pcap" "${files[@]}"

ktap_check "kernel log clean" test -z "$(dmesg_splats_since_mark)"
ktap_finished
