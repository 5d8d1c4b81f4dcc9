#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kcap capture's outputs: -w - into tcpdump -r -, pcapng read by tshark
# with direction flags and an interface statistics block, SIGUSR1's
# summary without stopping, an idle capture that sleeps until a frame or
# a signal, the live status line on a terminal,
# list-devices in text and JSON; an output that cannot be written fails
# before "listening on", as tcpdump's does.
. "$(dirname "$0")/lib.sh"

require_cmd kcap ip python3 tcpdump tshark
require_kcap_loaded

setup_tmpdir

ktap_print_header
ktap_plan 17

setup_veth_ns ns
dmesg_mark

# -w - into tcpdump -r -; and a pcapng file of both directions alongside.
ip netns exec "$ns" kcap capture -i va -Q in -c 4 -a duration:40 -w - 2>"$tmp/pipe.err" |
	tcpdump -r - -nn >"$tmp/pipe.txt" 2>/dev/null &
pp=$!
defer kill_bg "$(jobs -p %+)" "$pp"
capture_bg -n "$ns" "$tmp/ng.err" capture -i va -c 8 -a duration:40 -F pcapng -w "$tmp/both.pcapng"
pn=$!
wait_for_line "$tmp/pipe.err" '^kcap: listening on' 30
udp_flood --iface vb --count 4 --size 120	# in on va
udp_flood --iface va --count 4 --size 120	# out of va
finish $pp 45
rc=$?
ktap_check "capture -w - | tcpdump -r - gives the 4 frames of 120 bytes in (exit $rc)" \
	test "$(grep -c 'UDP, length 78' "$tmp/pipe.txt")" = 4
ktap_check "4 frames and the summary" grep -q '^4 packets captured' "$tmp/pipe.err"
finish $pn 45
rc=$?
ktap_check "pcapng capture of both directions: exit 0" test $rc = 0
dirs=$(tshark -r "$tmp/both.pcapng" -T fields -e frame.packet_flags_direction 2>/dev/null | sort | uniq -c | awk '{print $1 "x" $2}' | tr '\n' ' ')
ktap_check "tshark reads 4 inbound and 4 outbound frames ($dirs)" \
	test "$dirs" = "4x0x00000001 4x0x00000002 "
ifname=$(tshark -r "$tmp/both.pcapng" -T fields -e frame.interface_name -c 1 2>/dev/null)
ktap_check "its interface is named va ($ifname)" test "$ifname" = va
isb=$(python3 - "$tmp/both.pcapng" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()
off, out, ts = 0, [], []
while off + 12 <= len(d):
    t, n = struct.unpack_from('<II', d, off)
    if t == 6:  # EPB: its time, high word first
        hi, lo = struct.unpack_from('<II', d, off + 12)
        ts.append(hi << 32 | lo)
    if t == 5:  # ISB: options after if_id, ts; isb_ifrecv 4, isb_ifdrop 5
        o, opts = off + 20, {}
        while o + 4 <= off + n - 4:
            code, ln = struct.unpack_from('<HH', d, o)
            if code == 0:
                break
            opts[code] = d[o + 4:o + 4 + ln]
            o += 4 + (ln + 3) // 4 * 4
        # isb_starttime 2 and isb_endtime 3: the first and last frame times
        times = [(lambda hi, lo: hi << 32 | lo)(*struct.unpack('<II', opts[c]))
                 for c in (2, 3) if c in opts]
        out.append('recv=%d drop=%d times=%s' % (
            struct.unpack('<Q', opts[4])[0], struct.unpack('<Q', opts[5])[0],
            'first,last' if ts and times == [ts[0], ts[-1]] else times))
    off += n
print(' '.join(out))
PY
)
ktap_check "it ends with an ISB: 8 received, 0 dropped, the first and last frames' times ($isb)" \
	test "$isb" = "recv=8 drop=0 times=first,last"
ktap_check "tshark reads it whole" tshark -r "$tmp/both.pcapng" -q

# SIGUSR1: the summary on one line, and the capture goes on; SIGINT: an
# empty line (after a terminal's ^C), then the three lines.
capture_bg -n "$ns" "$tmp/usr1.err" capture -i va -Q in -a duration:60 -w "$tmp/usr1.pcap"
pu=$!
udp_flood --iface vb --count 3 --size 100
sleep 0.5
kill -USR1 $pu
wait_for_line "$tmp/usr1.err" '^kcap: 3 packets captured' 10
ktap_check_match "SIGUSR1 prints the summary on one line and the capture goes on" \
	"^kcap: 3 packets captured, 3 packets received by filter, 0 packets dropped by kernel$" \
	"$(kill -0 $pu && grep 'packets captured' "$tmp/usr1.err")"
kill -INT $pu
wait $pu
rc=$?
ktap_check_match "SIGINT then ends it: exit 0, an empty line, the three lines of the summary" \
	"^0 kcap: 3 packets captured, 3 packets received by filter, 0 packets dropped by kernel  3 packets captured 3 packets received by filter 0 packets dropped by kernel $" \
	"$rc $(sed -n '/^kcap: 3 packets captured/,$p' "$tmp/usr1.err" | tr '\n' ' ')"

# A capture into a file with nothing of time to watch sleeps until a frame
# or a signal: no wake-ups of its own (it had four a second), and SIGINT
# still ends it at once, its file whole.
# wakeups PID: its sleeps so far (voluntary context switches, all threads).
wakeups() {
	cat /proc/"$1"/task/*/status |
		awk '/^voluntary_ctxt_switches/ { n += $2 } END { print n }'
}
capture_bg -n "$ns" "$tmp/idle.err" capture -i va -Q in -w "$tmp/idle.pcap"
pi=$!
udp_flood --iface vb --count 2 --size 100
sleep 1
sw0=$(wakeups $pi)
sleep 2
sw1=$(wakeups $pi)
t0=$(date +%s%N)
kill -INT $pi
wait $pi
rc=$?
ms=$((($(date +%s%N) - t0) / 1000000))
ktap_check "an idle capture does not wake on its own: $((sw1 - sw0)) wake-ups in 2 s" \
	test $((sw1 - sw0)) -le 1
ktap_check "SIGINT ends it at once: exit $rc after $ms ms, its 2 frames read whole" \
	test "$rc.$(pcap_frames "$tmp/idle.pcap")" = 0.2 -a $ms -lt 2000 -a \
	"$(pcap_valid "$tmp/idle.pcap" && echo ok)" = ok

# The status line on a terminal (script(1) gives one).
if command -v script >/dev/null; then
	TERM=xterm ip netns exec "$ns" script -qfec "kcap capture -i va -Q in -a packets:5 -a duration:40 -w $tmp/tty.pcap" "$tmp/tty.txt" >/dev/null &
	pt=$!
	defer kill_bg "$pt"
	sleep 2
	udp_flood --iface vb --count 5 --size 100
	finish $pt 45
	ktap_check_match "a status line with packets, bytes, rate and drops, then the summary" \
		'[0-9]+ packets, [0-9]+ bytes, [0-9]+ pkt/s, [0-9]+ dropped by kernel.*5 packets captured' "$(tr '\r\033' '\n[' <"$tmp/tty.txt" | tr -d '\n' )"
else
	ktap_skip "status line" "no script(1)"
fi

# list-devices: va and vb with their index and link type.
out=$(in_ns kcap list-devices)
ktap_check_match "list-devices names va with its index, state and link type" \
	"^[0-9]+: va: state up running linktype EN10MB$" "$out"
ktap_check "list-devices --json parses, va's index as ip link says" \
	test "$(in_ns kcap list-devices --json | python3 -c 'import json,sys; print([d["index"] for d in json.load(sys.stdin) if d["name"] == "va"][0])')" = \
	"$(in_ns cat /sys/class/net/va/ifindex)"

# An output that cannot be written: one line, exit 1, never "listening on".
for w in /nonexistent/dir/x.pcap /tmp; do
	in_ns kcap capture -i va -c 1 -a duration:10 -w "$w" >/dev/null 2>"$tmp/badw.err"
	rc=$?
	ktap_check "-w $w: exit 1 at once, one line, not listening, no session ($rc: $(head -n 1 "$tmp/badw.err"))" \
		test "$rc" = 1 -a "$(wc -l <"$tmp/badw.err")" = 1 \
		-a -z "$(grep 'listening on' "$tmp/badw.err")" -a -z "$(in_ns kcap show)"
done
ktap_check "kernel log clean" test -z "$(dmesg_splats_since_mark)"
ktap_finished
