#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What each hook sees, beside tcpdump on the same device.  The tap hook
# (where AF_PACKET, and so tcpdump, sees frames) must give tcpdump's frames
# byte for byte where the netfilter hooks cannot:
#  - frames tc redirects out of the device (mirred egress redirect from
#    another device's ingress), which skip the netfilter egress hook;
#  - frames tc drops at the device's ingress, before netfilter's;
#  - a TCP bulk transfer out of a veth with TSO off: the stack builds GSO
#    frames that the device segments in software after the egress hook, so
#    netfilter sees them whole and tcpdump the segments on the wire.
# What the netfilter hooks saw is reported alongside, as kcap.8 documents.
# And frames sent past the qdisc (PACKET_QDISC_BYPASS), which only the
# netfilter egress hook sees, from process context.
. "$(dirname "$0")/lib.sh"

require_cmd kcap ip tc ethtool python3 tcpdump
require_kcap_loaded

setup_tmpdir

ktap_print_header
ktap_plan 7

setup_veth_ns ns
veth_pair "$ns" vc vd
dmesg_mark

# Into vc: redirected out of va.  Into va: dropped by tc.
in_ns tc qdisc add dev vc clsact
in_ns tc filter add dev vc ingress matchall action mirred egress redirect dev va
in_ns tc qdisc add dev va clsact
in_ns tc filter add dev va ingress matchall action drop

capture_bg -n "$ns" "$tmp/tap.err" capture -i va --hook tap -B 256 -w "$tmp/tap.pcap"
tap=$!
capture_bg -n "$ns" "$tmp/nf.err" capture -i va --hook netfilter -B 256 -w "$tmp/nf.pcap"
nf=$!
ip netns exec "$ns" tcpdump -i va -nn -U --immediate-mode -B 4096 -w "$tmp/t.pcap" 2>"$tmp/t.err" &
td=$!
defer kill_bg $td
wait_for_line "$tmp/t.err" 'listening on' 60
udp_flood --iface vd --count 3 --size 100 --pps 50	# redirected out of va
udp_flood --iface vb --count 3 --size 120 --pps 50	# dropped at va's ingress
sleep 2
kill -INT $tap $nf $td
wait $tap
rc=$?
wait $nf
wait $td
# The redirected frames are 100 bytes long, the dropped ones 120 (a pcap
# file has no directions to filter on).
t_out=$(pcap_frames "$tmp/t.pcap" udp and len == 100)
t_in=$(pcap_frames "$tmp/t.pcap" udp and len == 120)
ktap_check "tcpdump saw the 3 redirected frames out of va and the 3 that tc dropped in ($t_out, $t_in)" \
	test "$t_out/$t_in" = 3/3
out=$("$KCAP_SELFTESTS/traffic.py" compare --sort "$tmp/tap.pcap" "$tmp/t.pcap" 2>&1)
ktap_check "--hook tap: tcpdump's frames byte for byte (exit $rc; $(tr '\n' ';' <<<"$out"))" \
	test "$rc" = 0 -a -z "$(grep -v '^identical: 6 frames$' <<<"$out")"
ktap_print_msg "--hook netfilter saw $(pcap_frames "$tmp/nf.pcap" udp and len == 100) of the redirected frames and $(pcap_frames "$tmp/nf.pcap" udp and len == 120) of the dropped ones (documented: after tc ingress; tc's redirects skip the egress hook from 5.16)"
n=$(pcap_frames "$tmp/nf.pcap" udp and len == 120)
ktap_check "--hook netfilter runs after tc ingress: none of the dropped frames ($n)" test "$n" = 0

# GSO: bulk TCP out of a veth with TSO off.
setup_ns peer
ip -n "$ns" link add vg type veth peer name vh netns "$peer"
ip -n "$ns" addr add 10.0.9.1/24 dev vg
ip -n "$peer" addr add 10.0.9.2/24 dev vh
ip -n "$ns" link set vg up
ip -n "$peer" link set vh up
in_ns ethtool -K vg tso off gso on >/dev/null
capture_bg -n "$ns" "$tmp/gtap.err" capture -i vg -Q out --hook tap -B 4096 -w "$tmp/gtap.pcap" tcp
gtap=$!
capture_bg -n "$ns" "$tmp/gnf.err" capture -i vg -Q out -B 4096 -w "$tmp/gnf.pcap" tcp
gnf=$!
# -s 2048: with an offload on, libpcap sizes each ring slot for the full
# snaplen (256 KiB), and an 8 MiB ring of 32 slots overflows under TCG.
ip netns exec "$ns" tcpdump -i vg -Q out -nn -U --immediate-mode -s 2048 -B 8192 -w "$tmp/gt.pcap" tcp 2>"$tmp/gt.err" &
gtd=$!
defer kill_bg $gtd
wait_for_line "$tmp/gt.err" 'listening on' 60
# The server says when it listens (python starts slowly under TCG: a
# client that came first was refused, and the server waited for ever);
# both give up after a minute, with a message, rather than hang.
ip netns exec "$peer" python3 -c '
import socket
s = socket.socket()
s.settimeout(60)
s.bind(("10.0.9.2", 5001))
s.listen()
print("listening", flush=True)
c, _ = s.accept()
c.settimeout(60)
while c.recv(65536):
    pass
' >"$tmp/srv.out" 2>&1 &
srv=$!
defer kill_bg $srv
wait_for_line "$tmp/srv.out" '^listening' 60 ||
	ktap_print_msg "the TCP server did not start: $(tr '\n' ';' <"$tmp/srv.out")"
in_ns python3 -c '
import socket
c = socket.create_connection(("10.0.9.2", 5001), timeout=60)
c.sendall(b"x" * 300000)
c.close()
' || ktap_print_msg "the TCP client failed"
wait $srv || ktap_print_msg "the TCP server failed: $(tr '\n' ';' <"$tmp/srv.out")"
sleep 2
kill -INT $gtap $gnf $gtd
wait $gtap
rc=$?
wait $gnf
wait $gtd
largest() {
	tcpdump -r "$1" -nn -e 2>/dev/null | sed -n 's/.*, length \([0-9]*\): .*/\1/p' | sort -n | tail -n 1
}
n=$(pcap_frames "$tmp/gt.pcap")
ktap_check "tcpdump saw the transfer in wire-sized frames ($n frames, largest $(largest "$tmp/gt.pcap"), $(grep -o "[0-9]* packets dropped by kernel" "$tmp/gt.err"))" \
	test "$n" -ge 200 -a "$(largest "$tmp/gt.pcap")" -le 1514
out=$("$KCAP_SELFTESTS/traffic.py" compare --sort "$tmp/gtap.pcap" "$tmp/gt.pcap" 2>&1)
ktap_check "--hook tap with TSO off: tcpdump's $n segments byte for byte (exit $rc; $(tr '\n' ';' <<<"$out"))" \
	test "$rc" = 0 -a -z "$(grep -v "^identical: $n frames\$" <<<"$out")"
ktap_print_msg "--hook netfilter saw $(pcap_frames "$tmp/gnf.pcap") frames, largest $(largest "$tmp/gnf.pcap") (documented: before software segmentation)"
# Frames sent past the qdisc (PACKET_QDISC_BYPASS, as trafgen and pktgen
# users send): where the netfilter egress hook exists (5.16 on) AF_PACKET
# runs it itself, in process context, and kcap's hook turns bottom halves
# off for its ring; no packet tap sees them, so tcpdump does not.
capture_bg -n "$ns" "$tmp/qb.err" capture -i va -Q out --hook netfilter -B 256 \
	-w "$tmp/qb.pcap" udp
qb=$!
in_ns python3 -c '
import socket
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
s.setsockopt(263, 20, 1)        # SOL_PACKET, PACKET_QDISC_BYPASS
s.bind(("va", 0))
ip = bytes.fromhex("4500002000004000401100000a0000010a000002")
udp = bytes.fromhex("9c400009000c0000") + b"qbyp"
for i in range(5):
    s.send(bytes.fromhex("02000000000202000000000108 00".replace(" ", "")) + ip + udp)
'
sleep 2
kill -INT $qb
wait $qb
rc=$?
n=$(pcap_frames "$tmp/qb.pcap" udp)
read -r kmaj kmin _ < <(uname -r | tr '.-' '  ')
want=0
[ "$kmaj" -gt 5 ] || [ "$kmaj" = 5 -a "$kmin" -ge 16 ] && want=5
ktap_check "frames sent with PACKET_QDISC_BYPASS: --hook netfilter takes $n of 5 (exit $rc; $want where the egress hook exists: $(uname -r))" \
	test "$rc" = 0 -a "$n" = "$want"
ktap_check "no kernel warning, leak or oops" test -z "$(dmesg_splats_since_mark)"
ktap_finished
