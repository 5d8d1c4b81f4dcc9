#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Exact counters and snap lengths.  A persistent session with a one-page
# ring and no reader takes a burst of N UDP frames (plus frames its filter
# rejects): seen counts them all, passed == N, delivered + dropped == N with
# some of each.  Then a reader drains exactly the delivered frames, each cut
# to the snaplen with its original length kept.  A lone frame reaches a
# sleeping reader without more traffic behind it (the wakeup timer).
. "$(dirname "$0")/lib.sh"

require_cmd kcap ip python3 tcpdump
require_kcap_loaded

setup_tmpdir
N=300
OTHER=40

ktap_print_header
ktap_plan 11

setup_veth_ns ns
dmesg_mark
stat_of() { sed -n "s/.*\b$1 \([0-9]*\).*/\1/p" <<<"$2"; }

ktap_check "a persistent session with a 4 KiB ring, filter udp port 9, snaplen 100" \
	ip netns exec "$ns" kcap add burst dev va direction in snaplen 100 \
	ring-size 4096 filter "udp port 9"

in_ns "$KCAP_SELFTESTS/traffic.py" udp-flood --iface vb --count "$N" \
	--dport 9 --size 200 >/dev/null
in_ns "$KCAP_SELFTESTS/traffic.py" udp-flood --iface vb --count "$OTHER" \
	--dport 7 --size 200 >/dev/null

st=$(in_ns kcap show burst stats)
ktap_print_msg "stats: $st"
seen=$(stat_of seen "$st")
passed=$(stat_of passed "$st")
delivered=$(stat_of delivered "$st")
dropped=$(stat_of dropped "$st")
ktap_check "seen == $((N + OTHER)) (every frame in)" test "$seen" = $((N + OTHER))
ktap_check "passed == $N (only udp port 9)" test "$passed" = "$N"
ktap_check "delivered + dropped == passed" \
	test $((delivered + dropped)) = "$passed"
ktap_check "the ring overflowed: some dropped, some delivered" \
	test "$dropped" -gt 0 -a "$delivered" -gt 0

# Drain what the ring holds: exactly 'delivered' frames, then nothing.
capture_bg -n "$ns" "$tmp/dump.err" dump burst -w "$tmp/burst.pcap" -c "$delivered"
dpid=$!
finish $dpid 30
rc=$?
got=$(tcpdump -r "$tmp/burst.pcap" 2>/dev/null | wc -l)
ktap_check "kcap dump reads the $delivered delivered frames back (got $got, exit $rc)" \
	test "$got" = "$delivered" -a "$rc" = 0

lens=$(python3 - "$tmp/burst.pcap" <<'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()
off, out = 24, set()
while off < len(d):
    _, _, caplen, length = struct.unpack_from('<IIII', d, off)
    out.add((caplen, length))
    off += 16 + caplen
print(' '.join('%d/%d' % x for x in sorted(out)))
EOF
)
ktap_check_match "every frame cut to 100 bytes of its 200 (caplen/len: $lens)" \
	'^100/200$' "$lens"

ktap_check "the session is deleted" in_ns kcap del burst

# A lone frame and a sleeping reader: it must come without more traffic.
capture_bg -n "$ns" "$tmp/lone.err" capture -i va -Q in -c 1 -w "$tmp/lone.pcap"
cpid=$!
sleep 1
udp_flood --iface vb --count 1
for ((i = 0; i < 50; i++)); do
	kill -0 $cpid 2>/dev/null || break
	sleep 0.1
done
if kill -0 $cpid 2>/dev/null; then
	kill -INT $cpid
	ktap_fail "a lone frame reaches a sleeping reader (still waiting after 5 s)"
else
	ktap_pass "a lone frame reaches a sleeping reader"
fi
wait $cpid

ktap_check "no session left" test -z "$(in_ns kcap show)"
ktap_check "kernel log clean" test -z "$(dmesg_splats_since_mark)"
ktap_finished
