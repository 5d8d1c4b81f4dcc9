#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Live changes.  While UDP frames to ports 9 and 10 flow into a device and a
# reader drains its session, the session's settings are swapped 1000 times
# (by swap.py, from one process: a thousand runs of 'kcap set' take too long
# under emulation; kcap set is checked once) between three versions:
#   A: filter "udp dst port 9",  snaplen 60, direction in
#   B: filter "udp dst port 10", snaplen 90, direction in
#   C: direction off
# Every captured frame must be consistent with one version: port 9 cut to
# 60 bytes, or port 10 cut to 90; never port 9 at 90 or port 10 at 60, which
# a frame that saw half of a change would show.  The counters must still
# add up, and the kernel must stay quiet.
. "$(dirname "$0")/lib.sh"

require_cmd kcap ip python3
require_kcap_loaded

setup_tmpdir
SWAPS=1000

ktap_print_header
ktap_plan 8

setup_veth_ns ns
dmesg_mark

ktap_check "session created" in_ns kcap add live dev va direction in \
	snaplen 60 filter "udp dst port 9"
capture_bg -n "$ns" "$tmp/dump.err" dump live -w "$tmp/live.pcap"
dpid=$!

# Traffic for as long as the swaps last, paced so that the swaps get a CPU.
ip netns exec "$ns" "$KCAP_SELFTESTS/traffic.py" udp-flood --iface vb \
	--count 100000000 --dport 9,10 --size 200 --pps 2000 >/dev/null &
tpid=$!
defer kill_bg "$tpid"
for ((i = 0; i < 300; i++)); do	# until frames flow
	seen=$(in_ns kcap show live stats | sed -n 's/^seen \([0-9]*\).*/\1/p')
	[ "${seen:-0}" -gt 100 ] && break
	sleep 0.1
done

# The filters as libpcap compiles them on va, as kcap add/set do.
ip netns exec "$ns" tcpdump -i va -s 60 -ddd "udp dst port 9" >"$tmp/p9"
ip netns exec "$ns" tcpdump -i va -s 90 -ddd "udp dst port 10" >"$tmp/p10"
out=$(ip netns exec "$ns" "$KCAP_SELFTESTS/swap.py" --name live --count "$SWAPS" \
	"in:90:$tmp/p10:udp dst port 10" off "in:60:$tmp/p9:udp dst port 9")
ktap_print_msg "$out"
ktap_check_match "$SWAPS settings swaps under traffic succeeded" \
	"^swapped $SWAPS times, 0 failed" "$out"
ktap_check_match "kcap set swaps them too" '^direction in snaplen 90' \
	"$(in_ns kcap set live direction in snaplen 90 filter 'udp dst port 10' >/dev/null &&
	   in_ns kcap show live | sed -n 's/^\t//p' | grep '^direction')"

kill "$tpid"
wait "$tpid" 2>/dev/null
sleep 1
kill -INT "$dpid"
wait "$dpid"
ktap_check "the reader exited 0" test $? = 0

verdict=$(python3 - "$tmp/live.pcap" <<'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()
off, ok, bad = 24, {9: 0, 10: 0}, []
while off < len(d):
    _, _, caplen, length = struct.unpack_from('<IIII', d, off)
    frame = d[off + 16:off + 16 + caplen]
    off += 16 + caplen
    dport = struct.unpack_from('!H', frame, 14 + 20 + 2)[0]
    if (dport, caplen) in ((9, 60), (10, 90)) and length == 200:
        ok[dport] += 1
    else:
        bad.append((dport, caplen, length))
print('port9=%d port10=%d inconsistent=%d %s' % (ok[9], ok[10], len(bad), bad[:5]))
EOF
)
ktap_print_msg "$verdict"
ktap_check_match "every frame matches one version of the settings" \
	'inconsistent=0 ' "$verdict"
ktap_check_match "frames of both versions were captured" \
	'port9=[1-9][0-9]* port10=[1-9]' "$verdict"

st=$(in_ns kcap show live stats)
passed=$(sed -n 's/.*passed \([0-9]*\).*/\1/p' <<<"$st")
delivered=$(sed -n 's/.*delivered \([0-9]*\).*/\1/p' <<<"$st")
dropped=$(sed -n 's/.*dropped \([0-9]*\).*/\1/p' <<<"$st")
ktap_check "counters add up ($st)" test "$passed" = $((delivered + dropped))

in_ns kcap del live
ktap_check "kernel log clean" test -z "$(dmesg_splats_since_mark)"
ktap_finished
