#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The README's example session, run as written (readme-blocks print
# session) in a namespace whose eth0 is one end of a veth pair, while the
# other end sends traffic.py's mixed stream (TCP to port 80, DNS, ICMP,
# ARP, VLAN...) over and over.  Then what each command promised: 100
# frames of tcp port 80 in web.pcap, 10 inbound frames printed by tshark
# from the pcapng on the pipe, the persistent session's counters adding up,
# DNS frames in the first file of its ring, and no session left.
. "$(dirname "$0")/lib.sh"

require_cmd kcap ip python3 tcpdump tshark
require_kcap_loaded

setup_tmpdir

ktap_print_header
ktap_plan 8

setup_ns ns
veth_pair "$ns" eth0 peer0
dmesg_mark

# Traffic into eth0 until the test ends.
mac=$(in_ns cat /sys/class/net/eth0/address)
peer=$(in_ns cat /sys/class/net/peer0/address)
ip netns exec "$ns" "$KCAP_SELFTESTS/traffic.py" mixed --iface peer0 \
	--src-mac "$peer" --dst-mac "$mac" --forever >/dev/null &
defer kill_bg $!

"$KCAP_TOP/tests/tools/readme-blocks" print session >"$tmp/readme.sh" ||
	ktap_exit_fail_msg "no session block in the README"
sed 's/^/# README: /' "$tmp/readme.sh"
# A command put in the background is listening before the next line runs,
# as when a user types them (else kcap del may come before kcap dump has
# found the session: seen on a slow guest).  Its stderr is the file err.
awk '/&[[:space:]]*(#.*)?$/ { print "n=$(grep -c \"^kcap: listening on\" err || true)" }
{ print }
/&[[:space:]]*(#.*)?$/ {
	print "for i in $(seq 600); do [ \"$(grep -c \"^kcap: listening on\" err)\" -gt \"$n\" ] && break; sleep 0.1; done"
}' "$tmp/readme.sh" >"$tmp/session.sh"
echo wait >>"$tmp/session.sh"
(cd "$tmp" && timeout 120 ip netns exec "$ns" bash -e session.sh) >"$tmp/out" 2>"$tmp/err"
rc=$?
sed 's/^/# out: /' "$tmp/out"
sed 's/^/# err: /' "$tmp/err"
ktap_check "the README's example session runs to the end, exit 0 (exit $rc)" test $rc = 0

n=$(pcap_frames "$tmp/web.pcap")
other=$(pcap_frames "$tmp/web.pcap" not tcp port 80)
ktap_check "web.pcap: 100 frames of tcp port 80 ($n frames, $other others)" \
	test "$n/$other" = 100/0
n=$(grep -c ' → ' "$tmp/out")
ktap_check "tshark -r - printed the 10 frames of the pcapng on the pipe ($n)" test "$n" = 10

st=$(grep -E '^seen [0-9]+ passed [0-9]+ delivered [0-9]+ dropped [0-9]+ bytes [0-9]+ cut [0-9]+$' "$tmp/out")
read -r _ seen _ passed _ delivered _ dropped _ <<<"$st"
ktap_check "kcap show dns stats: counters that add up ($st)" \
	test -n "$st" -a "${passed:-0}" -gt 0 -a "${passed:-0}" = $((${delivered:-0} + ${dropped:-0})) \
	-a "${seen:-0}" -ge "${passed:-0}"
ktap_check "kcap show dns: direction in, snaplen 128, the new filter" \
	grep -Pzq '\tdirection in snaplen 128 [^\n]*\n\tfilter "port 53" insns' "$tmp/out"
n=$(pcap_frames "$tmp/dns.pcap0")
other=$(pcap_frames "$tmp/dns.pcap0" not port 53)
ktap_check "dns.pcap0, the first file of the dump's ring: DNS frames only ($n frames, $other others)" \
	test "$n" -gt 0 -a "$other" = 0
ktap_check "no session is left" test -z "$(in_ns kcap show)"
ktap_check "kernel log clean" test -z "$(dmesg_splats_since_mark)"
ktap_finished
