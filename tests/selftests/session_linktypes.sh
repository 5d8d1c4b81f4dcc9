#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Link types.  A session reports its device's ARPHRD type and the pcap link
# type its frames have: Ethernet for a dummy device and for loopback (which
# Linux frames as Ethernet), raw IP for a tun device; a filter compiles for
# each; a capture on loopback writes a file of the right link type.
. "$(dirname "$0")/lib.sh"

require_cmd kcap ip python3 tcpdump
require_kcap_loaded

setup_tmpdir

ktap_print_header
ktap_plan 5

setup_ns ns
ip -n "$ns" link add d0 type dummy
modprobe tun 2>/dev/null
ip -n "$ns" tuntap add t0 mode tun || ktap_print_msg "no tun device here"
dmesg_mark
field() {	# field SESSION KEY...: values from kcap show SESSION --json
	ip netns exec "$ns" kcap show "$1" --json | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(" ".join(str(d[k]) for k in sys.argv[1:]))' "${@:2}"
}

ip netns exec "$ns" kcap add lt-d dev d0 filter "udp"
ip netns exec "$ns" kcap add lt-l dev lo filter "udp"
ip netns exec "$ns" kcap add lt-t dev t0 filter "ip and udp"
ktap_check_match "dummy: ARPHRD_ETHER, LINKTYPE_ETHERNET" '^1 1 EN10MB [1-9]' \
	"$(field lt-d dev_type linktype linktype_name filter_len)"
ktap_check_match "loopback: ARPHRD_LOOPBACK, LINKTYPE_ETHERNET" '^772 1 EN10MB$' \
	"$(field lt-l dev_type linktype linktype_name)"
ktap_check_match "tun: ARPHRD_NONE, LINKTYPE_RAW, filter compiled for raw IP" \
	'^65534 101 RAW [1-9]' "$(field lt-t dev_type linktype linktype_name filter_len)"

capture_bg -n "$ns" "$tmp/lo.err" capture -i lo -c 1 -w "$tmp/lo.pcap" udp port 9999
cpid=$!
ip netns exec "$ns" python3 -c 'import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.sendto(b"kcap", ("127.0.0.1", 9999))'
wait $cpid
ktap_check_match "a capture on loopback: an Ethernet-framed UDP datagram" \
	'EN10MB.*127\.0\.0\.1\.[0-9]* > 127\.0\.0\.1\.9999: UDP, length 4' \
	"$(tcpdump -r "$tmp/lo.pcap" -nn 2>&1 | tr '\n' ' ')"

for s in lt-d lt-l lt-t; do ip netns exec "$ns" kcap del $s; done
ktap_check "kernel log clean" test -z "$(dmesg_splats_since_mark)"
ktap_finished
