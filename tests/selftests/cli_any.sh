#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kcap capture -i any, beside tcpdump -i any.  In a namespace with a veth
# va to a peer namespace, a VLAN device on it, a bond with one port and its
# loopback, kcap and tcpdump both capture "any" while pings cross each, and
# then a device that moves into the namespace during the capture (vc) and
# is deleted again.  The files must
# hold the same frames byte for byte (Linux cooked v2: the cooked header
# and the frame from its network header), each loopback frame once, sent
# frames Out and received ones In.  Filters run in the kernel from the
# network header with the cooked header's fields moved to its metadata
# ("inbound", "ifindex N"): each such capture must be what tcpdump's own
# file gives through the same filter.  A persistent session on every
# device follows devices as they come and go and stays attached.
. "$(dirname "$0")/lib.sh"

require_cmd kcap ip python3 tcpdump ping tshark setpriv
require_kcap_loaded

setup_tmpdir

ktap_print_header
ktap_plan 18

setup_ns ns peer
ip -n "$ns" link add va type veth peer name vb netns "$peer" ||
	ktap_exit_fail_msg "cannot add a veth pair va <-> vb"
for side in "$ns va 10.0.1.1" "$peer vb 10.0.1.2"; do
	read -r n d a <<<"$side"
	ip netns exec "$n" sysctl -qw "net.ipv6.conf.$d.disable_ipv6=1"
	ip -n "$n" addr add "$a/24" dev "$d"
	ip -n "$n" link set "$d" up
done
# A VLAN on va, and a bond whose one port is bp: a frame crosses two
# devices there, and tcpdump -i any shows it on both.
ip -n "$ns" link add link va name va.100 type vlan id 100
ip -n "$peer" link add link vb name vb.100 type vlan id 100
ip -n "$ns" link add bond0 type bond mode active-backup
ip -n "$peer" link add bq type veth peer name bp netns "$ns"
ip -n "$ns" link set bp master bond0
for side in "$ns va.100 10.0.3.1" "$peer vb.100 10.0.3.2" "$ns bond0 10.0.4.1" \
	    "$ns bp" "$peer bq 10.0.4.2"; do
	read -r n d a <<<"$side"
	ip netns exec "$n" sysctl -qw "net/ipv6/conf/$d/disable_ipv6=1"
	[ -n "$a" ] && ip -n "$n" addr add "$a/24" dev "$d"
	ip -n "$n" link set "$d" up
done
ip -n "$ns" link show bond0 >/dev/null 2>&1 && ip -n "$ns" link show va.100 >/dev/null 2>&1 ||
	ktap_exit_fail_msg "cannot add a VLAN device and a bond"
va_index=$(ip -n "$ns" -o link show va | cut -d: -f1)
dmesg_mark

capture_bg -n "$ns" "$tmp/k.err" capture -i any -B 1024 -w "$tmp/k.pcap"
kpid=$!
capture_bg -n "$ns" "$tmp/in.err" capture -i any -w "$tmp/in.pcap" icmp and inbound
inpid=$!
capture_bg -n "$ns" "$tmp/ix.err" capture -i any -w "$tmp/ix.pcap" "ifindex $va_index and icmp"
ixpid=$!
ip netns exec "$ns" kcap add anyp dev any >/dev/null
ip netns exec "$ns" tcpdump -i any -nn -U --immediate-mode -B 4096 -w "$tmp/t.pcap" \
	>/dev/null 2>"$tmp/t.err" &
tpid=$!
defer kill_bg $tpid
wait_for_line "$tmp/t.err" 'listening on' 60
ktap_check "kcap capture -i any says where it listens ($(head -n 1 "$tmp/k.err"))" \
	grep -qE '^kcap: listening on any, link-type LINUX_SLL2' "$tmp/k.err"

ip netns exec "$ns" ping -c 2 -i 0.2 -W 2 10.0.1.2 >/dev/null
ip netns exec "$ns" ping -c 2 -i 0.2 -W 2 127.0.0.1 >/dev/null
ip netns exec "$ns" ping -c 2 -i 0.2 -W 2 10.0.3.2 >/dev/null
ip netns exec "$ns" ping -c 2 -i 0.2 -W 2 10.0.4.2 >/dev/null
# A device that comes into the namespace during the capture, then goes.
ip -n "$peer" link add vc type veth peer name vd
ip -n "$peer" link set vc netns "$ns"
vc_index=$(ip -n "$ns" -o link show vc | cut -d: -f1)
ip netns exec "$ns" sysctl -qw net.ipv6.conf.vc.disable_ipv6=1
ip netns exec "$peer" sysctl -qw net.ipv6.conf.vd.disable_ipv6=1
ip -n "$ns" addr add 10.0.2.1/24 dev vc
ip -n "$peer" addr add 10.0.2.2/24 dev vd
ip -n "$ns" link set vc up
ip -n "$peer" link set vd up
ip netns exec "$ns" ping -c 2 -i 0.2 -W 2 10.0.2.2 >/dev/null
ip -n "$ns" link del vc
# Let every reader catch up, then stop them all.
last=-1
for ((t = 0; t < 30; t++)); do
	sleep 1
	size=$(cat "$tmp"/*.pcap 2>/dev/null | wc -c)
	[ "$size" = "$last" ] && [ $t -ge 2 ] && break
	last=$size
done
kill -INT $kpid $inpid $ixpid $tpid
rc=0
for p in $kpid $inpid $ixpid; do
	wait $p || rc=$?
done
wait $tpid
ktap_check "the captures exit 0 on SIGINT (exit $rc)" test "$rc" = 0

lt=$(tcpdump -r "$tmp/k.pcap" -c 1 2>&1 >/dev/null | head -n 1)
ktap_check_match "the file is Linux cooked v2, as tcpdump's ($lt)" \
	'link-type LINUX_SLL2' "$lt"
out=$("$KCAP_SELFTESTS/traffic.py" compare --sort "$tmp/k.pcap" "$tmp/t.pcap" 2>&1)
n=$(pcap_frames "$tmp/k.pcap")
ktap_check "the same $n frames as tcpdump -i any, byte for byte ($(tr '\n' ';' <<<"$out"))" \
	test "$n" -ge 12 -a -z "$(grep -v '^identical: ' <<<"$out")"
n=$(pcap_frames "$tmp/k.pcap" icmp and host 127.0.0.1)
ktap_check "each loopback frame once: 4 for 2 pings of 127.0.0.1 ($n)" test "$n" = 4
# In the namespace: tcpdump names devices by the cooked header's ifindex.
ip netns exec "$ns" tcpdump -r "$tmp/k.pcap" -nn icmp 2>/dev/null >"$tmp/k.txt"
# frames DEV DIR SRC DST WHAT: lines of tcpdump's reading of k.pcap with
# those fields.
frames() {
	awk -v d="$1" -v dir="$2" -v src="$3" -v dst="$4:" -v what="$5" \
		'$2 == d && $3 == dir && $5 == src && $7 == dst && index($0, what) { n++ }
		 END { print n + 0 }' "$tmp/k.txt"
}
stack=
for d in va.100:10.0.3 va:10.0.3 bond0:10.0.4 bp:10.0.4; do
	a=${d#*:}
	d=${d%:*}
	stack+="$(frames "$d" Out "$a.1" "$a.2" 'ICMP echo request')/"
	stack+="$(frames "$d" In "$a.2" "$a.1" 'ICMP echo reply') "
done
ktap_check "a frame through a VLAN or a bond, on both devices: va.100 va bond0 bp ($stack)" \
	test "$stack" = "2/2 2/2 2/2 2/2 "
req=$(frames va Out 10.0.1.1 10.0.1.2 'ICMP echo request')
rep=$(frames va In 10.0.1.2 10.0.1.1 'ICMP echo reply')
ktap_check "on va, 2 requests Out and 2 replies In ($req, $rep)" test "$req/$rep" = 2/2
n=$(pcap_frames "$tmp/k.pcap" "ifindex $vc_index and icmp and net 10.0.2.0/24")
ktap_check "the device that came during the capture is captured too: 4 frames on vc ($n)" \
	test "$n" = 4

# The kernel's verdicts against tcpdump's filter over its own file.
tcpdump -r "$tmp/t.pcap" -w "$tmp/t-in.pcap" icmp and inbound 2>/dev/null
tcpdump -r "$tmp/t.pcap" -w "$tmp/t-ix.pcap" "ifindex $va_index and icmp" 2>/dev/null
out=$("$KCAP_SELFTESTS/traffic.py" compare --sort "$tmp/in.pcap" "$tmp/t-in.pcap" 2>&1)
n=$(pcap_frames "$tmp/in.pcap")
ktap_check "'icmp and inbound' in the kernel: tcpdump's $n frames ($(tr '\n' ';' <<<"$out"))" \
	test "$n" = 16 -a -z "$(grep -v '^identical: ' <<<"$out")"
out=$("$KCAP_SELFTESTS/traffic.py" compare --sort "$tmp/ix.pcap" "$tmp/t-ix.pcap" 2>&1)
n=$(pcap_frames "$tmp/ix.pcap")
ktap_check "'ifindex $va_index and icmp' in the kernel: tcpdump's $n frames ($(tr '\n' ';' <<<"$out"))" \
	test "$n" = 8 -a -z "$(grep -v '^identical: ' <<<"$out")"

# The persistent session saw it all, and is still attached.
show=$(ip netns exec "$ns" kcap show anyp --json)
got=$(python3 -c 'import json,sys; s=json.load(sys.stdin)
print(s["state"], s["stats"]["delivered"] >= 12, s["stats"]["dropped"])' <<<"$show")
ktap_check "a persistent session on any stays attached, with every frame ($got)" \
	test "$got" = "attached True 0"
ktap_check_match "kcap show names its device 'any'" 'dev any' \
	"$(ip netns exec "$ns" kcap show anyp)"

# kcap's own lines name the device and the direction.
# The same, written to a pcapng as dumpcap -i any writes it: one
# interface, "any", of link type LINUX_SLL2.
capture_bg -n "$ns" "$tmp/l.err" capture -i any -c 2 -a duration:60 --print \
	-F pcapng -w "$tmp/l.pcapng" icmp >"$tmp/l.out"
lpid=$!
ip netns exec "$ns" ping -c 1 -W 2 10.0.1.2 >/dev/null
finish $lpid 30
ifs=$(tshark -r "$tmp/l.pcapng" -T fields -e frame.interface_name -e frame.encap_type \
	-e sll.ifindex 2>/dev/null | sort | uniq -c | awk '{ $1 = $1 "x"; print }' | tr '\n' ';')
ktap_check "-F pcapng: 2 frames on one interface 'any', cooked, ifindex $va_index ($ifs)" \
	test "$ifs" = "2x any 210 $va_index;"
ktap_check "kcap's lines: 'va Out' then 'va In' ($(tr '\n' ';' <<<"$(cut -c 17- "$tmp/l.out")"))" \
	test "$(grep -cE ' va Out IP 10\.0\.1\.1 > 10\.0\.1\.2' "$tmp/l.out")/$(grep -cE ' va In IP 10\.0\.1\.2 > 10\.0\.1\.1' "$tmp/l.out")" = 1/1

# What tcpdump -i any needs: CAP_NET_RAW, nothing else (no promiscuity).
ip netns exec "$ns" setpriv --reuid=65534 --regid=65534 --clear-groups \
	--inh-caps=+net_raw --ambient-caps=+net_raw \
	kcap capture -i any -c 2 -a duration:60 -w - icmp >"$tmp/raw.pcap" 2>"$tmp/raw.err" &
rpid=$!
defer kill_bg $rpid
wait_ready $rpid "$tmp/raw.err" '^kcap: listening on' 30
ip netns exec "$ns" ping -c 1 -W 2 10.0.1.2 >/dev/null
finish $rpid 30
rc=$?
n=$(pcap_frames "$tmp/raw.pcap" icmp)
ktap_check "as uid 65534 with CAP_NET_RAW alone: -i any takes 2 frames (exit $rc, $n frames: $(tail -n 1 "$tmp/raw.err"))" \
	test "$rc/$n" = 0/2

out=$(ip netns exec "$ns" kcap add anyr dev any hook rx_handler 2>&1)
ktap_check_match "an rx_handler on every device is refused ($out)" 'netfilter' "$out"
# What the kernel refuses of a session on every device, said raw.
raw=$(ip netns exec "$ns" python3 - "$KCAP_SELFTESTS" <<'PY'
import sys
sys.path.insert(0, sys.argv[1])
import nlfuzz as nl
g = nl.Genl(timeout=5)
fam, _ = g.family_id(nl.KCAP_GENL_NAME)
ANY, NOPROMISC = 4, 2
for what, attrs in (("promisc", nl.u32(nl.A_FLAGS, ANY)),
                     ("ifindex", nl.u32(nl.A_FLAGS, ANY | NOPROMISC) + nl.u32(nl.A_IFINDEX, 1))):
    err, msg, _ = g.request(fam, nl.NLM_F_REQUEST | nl.NLM_F_ACK,
                            nl.genl(nl.CMD_NEW, nl.string(nl.A_NAME, "raw") + attrs))
    print(f"{what}: {err} {msg}")
PY
)
ktap_check "anydev without nopromisc, or with a device, is EINVAL with a reason ($(tr '\n' ';' <<<"$raw"))" \
	test "$(grep -cE '^promisc: -22 .*set nopromisc$|^ifindex: -22 .*names no device$' <<<"$raw")" = 2
ip netns exec "$ns" kcap del anyp
ktap_check "no kernel warning, leak or oops" test -z "$(dmesg_splats_since_mark)"
ktap_finished
