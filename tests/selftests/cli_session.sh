#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kcap's named-session verbs end to end (add, show in text and JSON, set,
# dump, del), a persistent session following its device when it is
# recreated, renamed or moved between namespaces, and what bad input gets: the documented one line
# and exit status (2 for a bad command line or filter, 1 for a missing
# device or session).
. "$(dirname "$0")/lib.sh"

require_cmd kcap ip python3 tcpdump
require_kcap_loaded

setup_tmpdir

ktap_print_header
ktap_plan 32

setup_veth_ns ns
dmesg_mark
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
# expect STATUS LINE CMD...: CMD exits STATUS with exactly LINE on stderr
# and nothing on stdout.
expect() {
	local want=$1 line=$2 out err rc
	shift 2
	out=$("$@" 2>"$tmp/err")
	rc=$?
	err=$(cat "$tmp/err")
	if [ $rc = "$want" ] && [ "$err" = "$line" ] && [ -z "$out" ]; then
		ktap_pass "'${*:3}': exit $want, '$line'"
	else
		echo "# exit $rc, stderr '$err', stdout '$out'"
		ktap_fail "'${*:3}': exit $want, '$line'"
	fi
}

ktap_check "add web dev va direction in snaplen 128 filter 'udp port 9'" \
	in_ns kcap add web dev va direction in snaplen 128 filter "udp port 9"
ktap_check_match "show web: its settings in text" \
	'^web: id [0-9]+ dev va ifindex [0-9]+ state attached linktype EN10MB' "$(in_ns kcap show web)"
j=$(in_ns kcap show --json)
ktap_check "show --json parses: a list with web, snaplen 128, filter, persistent" \
	test "$(json 'd[0]["name"], d[0]["snaplen"], d[0]["filter_text"], d[0]["persistent"], d[0]["direction"]' <<<"$j")" = "web 128 udp port 9 True in"
j=$(in_ns kcap show web --json)
ktap_check "show web --json parses: one object" \
	test "$(json 'd["ifname"], d["state"], sorted(d["stats"])' <<<"$j")" = "va attached ['bytes', 'cut', 'delivered', 'dropped', 'passed', 'seen']"
ktap_check "set web capture bidirectional snaplen 200 filter 'udp' (older words still taken)" \
	in_ns kcap set web capture bidirectional snaplen 200 filter udp
ktap_check "show web snaplen / filter: the new ones" \
	test "$(in_ns kcap show web snaplen) $(in_ns kcap show web filter)" = "200 udp"
ktap_check "show web stats --json parses" \
	test "$(in_ns kcap show web stats --json | json 'd["seen"] >= 0')" = True

udp_flood --iface vb --count 10 --size 300
capture_bg -n "$ns" "$tmp/dump.err" dump web -c 10 -w "$tmp/web.pcap"
p=$!
finish $p 30
rc=$?
ktap_check "dump web -c 10 reads the 10 frames the ring held, cut to 200 (exit $rc)" \
	sh -c "test $rc = 0 -a $(pcap_frames "$tmp/web.pcap") = 10 && tcpdump -r $tmp/web.pcap 2>/dev/null | head -1 | grep -q 'length 258'"

# A dump that stops at a count leaves what follows to the next one, and
# uses the frame it stopped after: -c 1 (a file's first frame goes on its
# own), -c 2 --print (frames through a callback), then -c 7: the ten frames
# the ring holds, each once.
udp_flood --iface vb --count 10 --size 300
for c in "1" "2 --print" "7"; do
	in_ns timeout 60 kcap dump web -c $c -a duration:30 \
		-w "$tmp/split-${c%% *}.pcap" >/dev/null 2>&1
done
stamps=$(for c in 1 2 7; do tcpdump -tt -nn -r "$tmp/split-$c.pcap" 2>/dev/null; done | awk '{print $1}')
n=$(grep -c . <<<"$stamps")
distinct=$(sort -u <<<"$stamps" | grep -c .)
order=unordered
[ "$(sort -n <<<"$stamps")" = "$stamps" ] && order=ordered
ktap_check "dump -c 1, -c 2 --print, -c 7: ten frames in order, none twice (got $n, $distinct distinct, $order)" \
	test "$n $distinct $order" = "10 10 ordered"
ktap_check "del web" in_ns kcap del web
ktap_check "no session left" test -z "$(in_ns kcap show)"

# A persistent session follows its device by name: deleted, it is
# detached (set says so and keeps the change, dump refuses); recreated,
# it attaches again with the change; renamed into the name, too.
state() { in_ns kcap show pv --json | json 'd["state"], d["ifindex"], d["filter_text"]'; }
# settle CMD...: CMD, again for up to 5 s until it succeeds (the module
# attaches a session, and drops a promiscuity count, from a work item).
settle() {
	local i
	for ((i = 0; i < 50; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	"$@"
}
# attached_to NS DEV PROMISC: pv is attached to DEV of NS, whose
# promiscuity count is PROMISC.
attached_to() {
	[[ "$(state)" =~ ^attached\ $(ip netns exec "$1" cat "/sys/class/net/$2/ifindex")\  ]] &&
		promisc_is "$1" "$2" "$3"
}
promisc_is() {
	[ "$(ip -n "$1" -d link show "$2" | grep -o 'promiscuity [0-9]*')" = "promiscuity $3" ]
}
veth_pair "$ns" vx0 vy0
in_ns kcap add pv dev vx0 direction in
old_ifindex=$(in_ns cat /sys/class/net/vx0/ifindex)
ip -n "$ns" link del vx0
ktap_check_match "device deleted: pv detached" '^detached ' "$(state)"
in_ns kcap set pv filter "udp port 9" 2>"$tmp/set.err"
rc=$?
ktap_check_match "set on the detached session: exit 0, and a line saying it is detached" \
	"^0 kcap: session 'pv' is detached \(device 'vx0' is gone\): it captures nothing until a device of that name is back, with this change$" \
	"$rc $(cat "$tmp/set.err")"
expect 1 "kcap: session 'pv' is detached: device 'vx0' is gone; it attaches again when a device of that name is back" \
	in_ns kcap dump pv -c 1
veth_pair "$ns" vx0 vy0
ifindex=$(in_ns cat /sys/class/net/vx0/ifindex)
settle attached_to "$ns" vx0 1
ktap_check_match "device recreated: pv attached to the new vx0 (ifindex $old_ifindex -> $ifindex), its filter kept" \
	"^attached $ifindex udp port 9$" "$(state)"
capture_bg -n "$ns" "$tmp/pv.err" dump pv -c 3 -a duration:60 -w "$tmp/pv.pcap"
p=$!
udp_flood --iface vy0 --count 3 --size 100 --dport 10	# filtered out
udp_flood --iface vy0 --count 3 --size 100 --dport 9
finish $p 60; rc=$?
ktap_check "dump pv: exit 0, the 3 frames to port 9 (got $(pcap_frames "$tmp/pv.pcap" udp port 9) of $(pcap_frames "$tmp/pv.pcap"))" \
	test $rc = 0 -a "$(pcap_frames "$tmp/pv.pcap" udp port 9)" = 3 -a "$(pcap_frames "$tmp/pv.pcap")" = 3
# Dummy devices ask for the instance lock (request_ops_lock, 6.15 on),
# which some notifiers run under: promiscuity changed from the notifier
# hung the kernel there.
ip -n "$ns" link del vx0
ip -n "$ns" link add vx0 type dummy
ktap_check "a dummy vx0 registered: pv attached to it, promiscuous" settle attached_to "$ns" vx0 1
ip -n "$ns" link del vx0
ip -n "$ns" link add vtmp type dummy
ip -n "$ns" link set vtmp name vx0
ktap_check "a dummy renamed to vx0: pv attached to it, promiscuous" settle attached_to "$ns" vx0 1
setup_ns away
ip -n "$ns" link set vx0 netns "$away"
detached_away() { [[ "$(state)" =~ ^detached\  ]] && promisc_is "$away" vx0 0; }
ktap_check "vx0 moved to another namespace: pv detached, and vx0 no longer promiscuous" \
	settle detached_away
ip -n "$away" link set vx0 netns "$ns"
ktap_check "vx0 moved back: pv attached to it, promiscuous" settle attached_to "$ns" vx0 1
in_ns kcap del pv
ktap_check "del pv: vx0 no longer promiscuous" promisc_is "$ns" vx0 0
ip -n "$ns" link del vx0

# Bad input: one line, the documented status.
expect 2 "kcap: bad filter: can't parse filter expression: syntax error" \
	in_ns kcap capture -i va "tcp port"
expect 2 "kcap: bad filter: can't parse filter expression: syntax error" \
	in_ns kcap add bad dev va filter "udp and"
expect 1 "kcap: no such device 'nosuch0'" \
	in_ns kcap capture -i nosuch0
expect 1 "kcap: no such device 'nosuch0'" \
	in_ns kcap add x dev nosuch0
expect 1 "kcap: no session named 'ghost'" \
	in_ns kcap dump ghost
expect 1 "kcap: no session named 'ghost'" \
	in_ns kcap del ghost
expect 2 "kcap: capture: invalid -a condition 'forever' (must be duration:SECONDS, filesize:KB, packets:N or files:N): see 'kcap help'" \
	in_ns kcap capture -i va -a forever
expect 2 "kcap: capture: -C needs -w FILE (not -): see 'kcap help'" \
	in_ns kcap capture -i va -C 5
expect 2 "kcap: dump: invalid -G rotation time 'soon' (must be 1 or more seconds): see 'kcap help'" \
	in_ns kcap dump web -w x -G soon
ktap_check "no session left behind by the failures" test -z "$(in_ns kcap show)"
ktap_check "kernel log clean" test -z "$(dmesg_splats_since_mark)"
ktap_finished
