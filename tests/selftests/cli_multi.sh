#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Captures over several devices (kcap capture -i A -i B, as dumpcap; kcap
# dump NAME NAME): one pcapng file with an interface per device, the
# frames merged in time order, each device's frames byte for byte what
# tcpdump captured on it, each interface's counters in its own statistics
# block; a pcap file when the link types agree; the errors of a device
# given twice or missing; a device deleted mid-capture ends it cleanly.
. "$(dirname "$0")/lib.sh"

require_cmd kcap ip python3 tcpdump tshark
require_kcap_loaded

setup_tmpdir

ktap_print_header
ktap_plan 10

setup_veth_ns ns
veth_pair "$ns" vc vd
dmesg_mark

# Two captures at once, and tcpdump on each device alongside.
capture_bg -n "$ns" "$tmp/ng.err" capture -i va -i vc -c 10 -a duration:60 -F pcapng \
	-w "$tmp/multi.pcapng" udp
png=$!
capture_bg -n "$ns" "$tmp/p.err" capture -i vc -i va -c 10 -a duration:60 -w "$tmp/multi.pcap" udp
pp=$!
td=()
for d in va vc; do
	ip netns exec "$ns" tcpdump -i $d -nn -U -B 4096 -c 5 -w "$tmp/td-$d.pcap" udp \
		2>"$tmp/td-$d.err" &
	td+=($!)
	defer kill_bg $!
	wait_for_line "$tmp/td-$d.err" 'listening on' 30
done
udp_flood --iface vb --count 3 --size 100 --pps 50	# in on va
udp_flood --iface vd --count 3 --size 120 --pps 50	# in on vc
udp_flood --iface va --count 2 --size 140 --pps 50	# out of va
udp_flood --iface vc --count 2 --size 160 --pps 50	# out of vc
finish $png 60
rc=$?
finish $pp 60
rcp=$?
finish "${td[0]}" 30
finish "${td[1]}" 30
line=$(head -n 1 "$tmp/ng.err")
ktap_check_match "-i va -i vc: one listening line naming both (exit $rc)" \
	'^kcap: listening on va and vc, link-type EN10MB \(Ethernet\)' "$([ $rc = 0 ] && echo "$line")"
ifs=$(tshark -r "$tmp/multi.pcapng" -T fields -e frame.interface_name 2>/dev/null | sort | uniq -c |
	awk '{ printf "%s%sx%s", sep, $1, $2; sep = " " }')
ktap_check "the pcapng has 5 frames of va and 5 of vc ($ifs)" test "$ifs" = "5xva 5xvc"
for d in va vc; do
	tshark -r "$tmp/multi.pcapng" -Y "frame.interface_name == \"$d\"" -F pcap \
		-w "$tmp/kc-$d.pcap" 2>/dev/null
done
out=$("$KCAP_SELFTESTS/traffic.py" compare "$tmp/kc-va.pcap" "$tmp/td-va.pcap" \
	"$tmp/kc-vc.pcap" "$tmp/td-vc.pcap" 2>&1)
ktap_check "each device's frames are tcpdump's there, byte for byte ($(tr '\n' ';' <<<"$out"))" \
	"$KCAP_SELFTESTS/traffic.py" compare "$tmp/kc-va.pcap" "$tmp/td-va.pcap" \
	"$tmp/kc-vc.pcap" "$tmp/td-vc.pcap"
ktap_check "the frames are in time order" sh -c "tshark -r '$tmp/multi.pcapng' -T fields \
	-e frame.time_epoch 2>/dev/null | sort -c -g"
isb=$(python3 - "$tmp/multi.pcapng" <<'PY'
import struct, sys
d = open(sys.argv[1], 'rb').read()

def options(o, end):
    """(code, value) of each option from o to the block's end."""
    while o + 4 <= end:
        code, ln = struct.unpack_from('<HH', d, o)
        if code == 0:
            return
        yield code, d[o + 4:o + 4 + ln]
        o += 4 + (ln + 3) // 4 * 4

off, names, out = 0, [], []
while off + 12 <= len(d):
    t, n = struct.unpack_from('<II', d, off)
    if t == 1:    # IDB: if_name is option 2
        names += [v.decode() for c, v in options(off + 16, off + n - 4) if c == 2]
    if t == 5:    # ISB: if_id, then isb_ifrecv (4)
        if_id = struct.unpack_from('<I', d, off + 8)[0]
        out += ['%s:%d' % (names[if_id], struct.unpack('<Q', v)[0])
                for c, v in options(off + 20, off + n - 4) if c == 4]
    off += n
print(' '.join(out))
PY
)
ktap_check "a statistics block per interface, with its own counters ($isb)" test "$isb" = "va:5 vc:5"
n=$(pcap_frames "$tmp/multi.pcap")
ktap_check "-i vc -i va into pcap (one link type): exit 0, 10 frames ($n)" test $rcp = 0 -a "$n" = 10

# Two persistent sessions read as one.
in_ns kcap add s1 dev va direction in
in_ns kcap add s2 dev vc direction in
udp_flood --iface vb --count 2 --size 100
udp_flood --iface vd --count 2 --size 100
out=$(timeout 30 ip netns exec "$ns" kcap dump s1 s2 -c 4 -F pcapng -w "$tmp/dump.pcapng" 2>&1)
rc=$?
ifs=$(tshark -r "$tmp/dump.pcapng" -T fields -e frame.interface_name 2>/dev/null | sort | uniq -c |
	awk '{ printf "%s%sx%s", sep, $1, $2; sep = " " }')
ktap_check "dump s1 s2: the 4 frames the two rings held, 2 of each device (exit $rc: $ifs)" \
	test "$rc/$ifs" = "0/2xva 2xvc"
in_ns kcap del s1
in_ns kcap del s2

# Errors, and a device that goes away.
out=$(in_ns kcap capture -i va -i va 2>&1)
ktap_check_match "a device given twice: one line, exit 1" \
	"^kcap: cannot capture on va: device va given twice$" "$out"
capture_bg -n "$ns" "$tmp/gone.err" capture -i va -i vc -F pcapng -w "$tmp/gone.pcapng"
pg=$!
udp_flood --iface vd --count 2 --size 100
in_ns ip link del vc
finish $pg 30
rc=$?
ktap_check "vc deleted mid-capture: exit 1, said, the file valid with vc's frames ($(grep 'went away' "$tmp/gone.err"))" \
	sh -c "test $rc = 1 && grep -q \"^kcap: device 'vc' went away: capture stopped\" '$tmp/gone.err' &&
		test \"\$(tshark -r '$tmp/gone.pcapng' -T fields -e frame.interface_name 2>/dev/null | sort -u)\" = vc"
ktap_check "no session left, kernel log clean" \
	sh -c "test -z \"\$(ip netns exec $ns kcap show)\" && test -z \"$(dmesg_splats_since_mark)\""
ktap_finished
