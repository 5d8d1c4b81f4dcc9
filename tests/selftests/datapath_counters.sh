#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Exact counters and snap lengths.  A persistent session with a one-page
# ring and no reader takes a burst of N UDP frames (plus frames its filter
# rejects): seen counts them all, passed == N, delivered + dropped == N with
# some of each.  Then a reader drains exactly the delivered frames, each cut
# to the snaplen with its original length kept.  A lone frame reaches a
# sleeping reader without more traffic behind it (the wakeup timer).  On
# lo, where every frame sent comes back in, a capture sees each frame once,
# as received, as tcpdump does: ping -c 2 gives 4 frames with -Q inout and
# -Q in, none with -Q out, on either hook.
. "$(dirname "$0")/lib.sh"

require_cmd kcap ip python3 tcpdump
require_kcap_loaded

setup_tmpdir
N=300
OTHER=40

ktap_print_header
ktap_plan 19

setup_veth_ns ns
dmesg_mark

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

# The counters read while frames flow: every snapshot keeps the promise
# of the uapi, passed == delivered + dropped and passed <= seen.
in_ns kcap add poll dev va direction in ring-size 4096 filter "udp port 9"
ip netns exec "$ns" "$KCAP_SELFTESTS/traffic.py" udp-flood --iface vb \
	--count 10000000 --dport 9 --size 60 >/dev/null &
fp=$!
broken=
for ((i = 0; i < 10; i++)); do
	st=$(in_ns kcap show poll stats)
	seen=$(stat_of seen "$st")
	passed=$(stat_of passed "$st")
	delivered=$(stat_of delivered "$st")
	dropped=$(stat_of dropped "$st")
	if [ $((delivered + dropped)) != "$passed" ] || [ "$passed" -gt "$seen" ]; then
		broken+=" [$st]"
	fi
done
flowing=$(kill -0 $fp 2>/dev/null && echo yes)
kill $fp
wait $fp 2>/dev/null
ktap_check "10 snapshots during a flood keep passed == delivered + dropped <= seen${broken} (last: $st)" \
	test "$flowing" = yes -a -z "$broken" -a "${seen:-0}" -gt 0
in_ns kcap del poll

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

# lo_frames FILE: what a pcapng file of pings on lo holds: frames in and
# out (by their EPB flags), echo requests and replies, and its ISB's
# received and dropped counters.
lo_frames() {
	python3 - "$1" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
off, n = 0, {'in': 0, 'out': 0, 'req': 0, 'rep': 0, 'isb': '-'}
while off + 12 <= len(d):
    t, ln = struct.unpack_from('<II', d, off)
    if t == 6:  # EPB: options after the frame; epb_flags (2) bits 0-1
        caplen = struct.unpack_from('<I', d, off + 20)[0]
        frame = d[off + 28:off + 28 + caplen]
        o = off + 28 + (caplen + 3) // 4 * 4
        while o + 4 <= off + ln - 4:
            code, olen = struct.unpack_from('<HH', d, o)
            if code == 0:
                break
            if code == 2:
                n[{1: 'in', 2: 'out'}[struct.unpack_from('<I', d, o + 4)[0] & 3]] += 1
            o += 4 + (olen + 3) // 4 * 4
        if frame[12:14] == b'\x08\x00' and frame[23] == 1:
            icmp = frame[14 + (frame[14] & 15) * 4]
            n['req'] += icmp == 8
            n['rep'] += icmp == 0
    if t == 5:  # ISB: isb_ifrecv (4) and isb_ifdrop (5)
        o, opts = off + 20, {}
        while o + 4 <= off + ln - 4:
            code, olen = struct.unpack_from('<HH', d, o)
            if code == 0:
                break
            opts[code] = struct.unpack_from('<Q', d, o + 4)[0]
            o += 4 + (olen + 3) // 4 * 4
        n['isb'] = '%d/%d' % (opts.get(4, -1), opts.get(5, -1))
    off += ln
print('in %(in)d out %(out)d requests %(req)d replies %(rep)d isb %(isb)s' % n)
PY
}

# Loopback: each frame once, as received, whatever the hook; -Q out gets
# nothing, but the session keeps the direction it was given.
for hook in netfilter rx_handler; do
	for q in inout in out; do
		f=$tmp/lo-$hook-$q.pcapng
		# Until the 4 frames, not for a time a slow VM could spend
		# before ping starts; -Q out, where none come, for 4 s.
		stop=(-c 4 -a duration:60)
		[ "$q" = out ] && stop=(-a duration:4)
		capture_bg -n "$ns" "$tmp/lo.err" capture -i lo -Q "$q" \
			--hook "$hook" "${stop[@]}" -F pcapng -w "$f" icmp
		lpid=$!
		dir=$(in_ns kcap show --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["direction"])')
		in_ns ping -c 2 -i 0.2 -q 127.0.0.1 >/dev/null
		finish $lpid 30
		rc=$?
		got=$(lo_frames "$f")
		if [ "$q" = out ]; then
			want="in 0 out 0 requests 0 replies 0 isb 0/0"
		else
			want="in 4 out 0 requests 2 replies 2 isb 4/0"
		fi
		ktap_check "lo, hook $hook, -Q $q: ping -c 2 gives $want (got $got, direction $dir, exit $rc)" \
			test "$got" = "$want" -a "$dir" = "$q" -a "$rc" = 0
	done
done

# Frames larger than half a ring (10 KB datagrams on lo, 4 KiB rings) are
# kept, cut to 2048 - 40 bytes of record header, and counted as cut; they
# were dropped every time (issue 10, finding 6).
in_ns kcap add big dev lo ring-size 4K filter "udp port 9999"
capture_bg -n "$ns" "$tmp/big.err" dump big -c 3 -a duration:60 -w "$tmp/big.pcap"
bpid=$!
in_ns python3 -c '
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for i in range(3):
    s.sendto(bytes(10000), ("127.0.0.1", 9999))
    time.sleep(0.3)
'
finish $bpid 60
rc=$?
caps=$(python3 - "$tmp/big.pcap" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
off, out = 24, []
while off + 16 <= len(d):
    caplen, length = struct.unpack_from('<II', d, off + 8)
    out.append(f'{caplen}/{length}')
    off += 16 + caplen
print(' '.join(out))
PY
)
st=$(in_ns kcap show big stats)
ktap_check_match "10 KB frames in 4 KiB rings: 3 kept, cut to 2008 bytes, counted cut (exit $rc: $caps; $st)" \
	'^0 2008/10042 2008/10042 2008/10042 seen [0-9]+ passed 3 delivered 3 dropped 0 bytes 6024 cut 3$' \
	"$rc $caps $st"
in_ns kcap del big

ktap_check "no session left" test -z "$(in_ns kcap show)"
ktap_check "kernel log clean" test -z "$(dmesg_splats_since_mark)"
ktap_finished
