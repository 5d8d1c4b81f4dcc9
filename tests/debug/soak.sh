#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The soak of make check-debug: SOAK_S seconds (default 600) of churn
# while pktgen injects frames from two CPUs, on the debug kernel (KASAN,
# lockdep, kmemleak; tests/vm/kmemleak-run scans after it).  Four workers
# run at once until the time is up:
#   sessions  persistent sessions on the loaded device: added with random
#             settings, their filter, snaplen and direction swapped under
#             traffic, readers started and killed with SIGKILL, deleted;
#             every session's counters keep passed == delivered + dropped
#             <= seen, read before it is deleted;
#   devices   a veth pair under a UDP flood, with a session and a reader,
#             deleted and made again: the session detaches and attaches
#             again, and counts frames after;
#   netns     a namespace with a veth pair, a flood, sessions and readers,
#             everything in it killed and the namespace deleted under
#             traffic;
#   exact     a quiet namespace where a session takes N frames: its
#             counters and what its reader reads are exact, every round.
# At the end no session is left, the module's reference count is 0, and
# the kernel logged nothing (the VM run also fails on any splat).
. "$(dirname "$0")/../selftests/lib.sh"

require_cmd kcap ip python3 tcpdump
require_kcap_loaded
setup_tmpdir

SOAK_S=${SOAK_S:-600}
[[ $SOAK_S =~ ^[1-9][0-9]*$ ]] || ktap_exit_fail_msg "SOAK_S: '$SOAK_S' is not a number of seconds"
deadline=$((SECONDS + SOAK_S))
N=200

ktap_print_header
ktap_plan 8
dmesg_mark
# note WORKER TEXT: one line of a worker's log.
note() { echo "$2" >>"$tmp/$1.log"; }
# pick A B ...: one of the arguments, at random.
pick() {
	local a=("$@")
	echo "${a[RANDOM % ${#a[@]}]}"
}
rand_settings() {
	echo "direction $(pick in out inout) snaplen $(pick 64 96 1514 65535)" \
		"ring-size $(pick 4096 65536 1048576)"
}
rand_filter() {
	pick "udp" "udp port 9" "not udp" "ip and len > 100" "arp" "vlan" ""
}
# invariants WORKER NAME [NS]: the counters of session NAME keep passed ==
# delivered + dropped <= seen; a breach is logged for the end.
invariants() {
	local st seen passed delivered dropped
	st=$(${3:+ip netns exec "$3"} kcap show "$2" stats 2>/dev/null) || return 0
	seen=$(stat_of seen "$st")
	passed=$(stat_of passed "$st")
	delivered=$(stat_of delivered "$st")
	dropped=$(stat_of dropped "$st")
	if [ -z "$seen" ] || [ $((delivered + dropped)) != "$passed" ] || [ "$passed" -gt "$seen" ]; then
		echo "$1 $2: $st" >>"$tmp/breaches"
	fi
	note "$1" "$2 at its end: $st"
}

# The load: pktgen injects into kd0's receive path from both CPUs, paced
# (500 us between frames, which pktgen sleeps rather than spins: the churn
# must get CPU time too, and the guest's CPUs share one host thread).
modprobe pktgen || ktap_exit_fail_msg "no pktgen in this kernel"
ip link add kd0 type dummy && ip link set kd0 up || ktap_exit_fail_msg "cannot add dummy kd0"
defer ip link del kd0
pg() { echo "$2" >"/proc/net/pktgen/$1"; }
for t in 0 1; do
	pg "kpktgend_$t" rem_device_all
	pg "kpktgend_$t" "add_device kd0@$t"
	for c in "xmit_mode netif_receive" "count 0" "delay 500000" "dst 10.99.0.2" \
		"dst_mac 02:00:00:00:99:02" "udp_dst_min 7" "udp_dst_max 9" "pkt_size $(pick 60 200 1000)"; do
		pg "kd0@$t" "$c"
	done
done
pg pgctrl start &
pgpid=$!
pktgen_stop() {
	echo stop >/proc/net/pktgen/pgctrl 2>/dev/null
	wait "$pgpid" 2>/dev/null
	return 0
}
pktgen_rem() {
	pktgen_stop
	for t in 0 1; do pg "kpktgend_$t" rem_device_all 2>/dev/null; done
	return 0
}
defer pktgen_rem

worker_sessions() {
	local i=0 name reader j
	while [ $SECONDS -lt $deadline ]; do
		name=soak$((i++ % 6))
		kcap show "$name" >/dev/null 2>&1 && { invariants sessions "$name"; kcap del "$name"; }
		# shellcheck disable=SC2046
		kcap add "$name" dev kd0 $(rand_settings) filter "$(rand_filter)" 2>>"$tmp/sessions.log" ||
			{ note sessions "add $name failed"; continue; }
		kcap dump "$name" -w "$tmp/$name.pcap" 2>/dev/null &
		reader=$!
		for ((j = 0; j < 3; j++)); do
			sleep 0.$((RANDOM % 10))
			case $((RANDOM % 4)) in
			0) kcap set "$name" filter "$(rand_filter)" ;;
			1) kcap set "$name" snaplen "$(pick 64 128 65535)" ;;
			2) kcap set "$name" direction "$(pick in out inout)" ;;
			3)
				kill -KILL "$reader" 2>/dev/null
				wait "$reader" 2>/dev/null
				kcap dump "$name" -w "$tmp/$name.pcap" 2>/dev/null &
				reader=$!
				;;
			esac 2>>"$tmp/sessions.log" >/dev/null
		done
		kill -KILL "$reader" 2>/dev/null
		wait "$reader" 2>/dev/null
		# Every other session stays for the next round, its reader gone.
		if [ $((RANDOM % 2)) = 0 ]; then
			invariants sessions "$name"
			kcap del "$name" || note sessions "del $name failed"
		fi
		echo >>"$tmp/sessions.rounds"
	done
	for name in $(kcap_sessions | grep '^soak'); do
		invariants sessions "$name"
		kcap del "$name"
	done
}

worker_devices() {
	local ns=$1 reader flood before after j
	while [ $SECONDS -lt $deadline ]; do
		veth_pair "$ns" dva dvb
		ip netns exec "$ns" kcap show dv >/dev/null 2>&1 ||
			ip netns exec "$ns" kcap add dv dev dva direction inout filter udp
		before=$(stat_of seen "$(ip netns exec "$ns" kcap show dv stats)")
		ip netns exec "$ns" "$KCAP_SELFTESTS/traffic.py" udp-flood --iface dvb \
			--count 100000000 --pps 500 --dport 9 --size 100 >/dev/null 2>&1 &
		flood=$!
		ip netns exec "$ns" kcap dump dv -w /dev/null 2>/dev/null &
		reader=$!
		# The session attached again: it counts the flood's frames.
		for ((j = 0; j < 600; j++)); do
			after=$(stat_of seen "$(ip netns exec "$ns" kcap show dv stats)")
			[ "${after:-0}" -gt "${before:-0}" ] && break
			sleep 0.1
		done
		sleep 0.$((RANDOM % 10))
		# Under traffic: the device goes, the flood and the reader with it.
		ip -n "$ns" link del dva
		kill -KILL "$reader" "$flood" 2>/dev/null
		wait "$reader" "$flood" 2>/dev/null
		if [ "${after:-0}" -gt "${before:-0}" ]; then
			echo >>"$tmp/devices.rounds"
		else
			note devices "the session counted nothing on the new device in 60 s (seen $before, then $after)"
		fi
		ip netns exec "$ns" kcap show dv 2>&1 | grep -q 'state detached' ||
			note devices "dv is not detached once dva is gone: $(ip netns exec "$ns" kcap show dv 2>&1)"
	done
	invariants devices dv "$ns"
	ip netns exec "$ns" kcap del dv
}

worker_netns() {
	local ns
	while [ $SECONDS -lt $deadline ]; do
		ns=soakns-$(mktemp -u XXXXXX)
		ip netns add "$ns" || { note netns "cannot add $ns"; sleep 1; continue; }
		ip -n "$ns" link set lo up
		veth_pair "$ns" na nb
		ip netns exec "$ns" kcap add n1 dev na direction in
		ip netns exec "$ns" kcap add n2 dev nb direction inout filter "udp port 9" snaplen 64
		ip netns exec "$ns" "$KCAP_SELFTESTS/traffic.py" udp-flood --iface nb \
			--count 100000000 --pps 500 --dport 9 --size 300 >/dev/null 2>&1 &
		ip netns exec "$ns" kcap dump n1 -w /dev/null 2>/dev/null &
		ip netns exec "$ns" kcap capture -i na -w /dev/null 2>/dev/null &
		sleep 0.$((RANDOM % 10 + 2))
		# Everything in it killed, then the namespace goes with its
		# sessions, devices and rings, under traffic.
		ip netns pids "$ns" | xargs -r kill -KILL
		ip netns del "$ns"
		echo >>"$tmp/netns.rounds"
	done
}

worker_exact() {
	local ns=$1 round=0 st got rc
	while [ $SECONDS -lt $deadline ]; do
		round=$((round + 1))
		ip netns exec "$ns" kcap add ex dev va direction in ring-size 1048576 filter "udp port 9"
		ip netns exec "$ns" "$KCAP_SELFTESTS/traffic.py" udp-flood --iface vb --count $N \
			--dport 9 --size 120 >/dev/null
		st=$(ip netns exec "$ns" kcap show ex stats)
		ip netns exec "$ns" timeout 120 kcap dump ex -c $N -w "$tmp/ex.pcap" 2>/dev/null
		rc=$?
		got=$(pcap_frames "$tmp/ex.pcap")
		ip netns exec "$ns" kcap del ex
		if [ "$(stat_of seen "$st")" = $N ] && [ "$(stat_of passed "$st")" = $N ] &&
			[ "$(stat_of delivered "$st")" = $N ] && [ "$(stat_of dropped "$st")" = 0 ] &&
			[ "$got" = $N ] && [ $rc = 0 ]; then
			echo >>"$tmp/exact.rounds"
		else
			note exact "round $round: $st; the reader read $got frames (exit $rc)"
		fi
	done
}

setup_ns devns exactns
veth_pair "$exactns" va vb
ktap_print_msg "soaking for ${SOAK_S}s: pktgen on kd0 from two CPUs, four workers"
# (Their stderr, with bash's word on the jobs they kill, in their logs.)
worker_sessions 2>>"$tmp/sessions.err" &
w1=$!
worker_devices "$devns" 2>>"$tmp/devices.err" &
w2=$!
worker_netns 2>>"$tmp/netns.err" &
w3=$!
worker_exact "$exactns" 2>>"$tmp/exact.err" &
w4=$!
defer kill_bg $w1 $w2 $w3 $w4
# Each worker ends its round after the deadline: give them time, then stop.
for w in $w1 $w2 $w3 $w4; do
	finish $w $((SOAK_S + 300)) >/dev/null
done
pktgen_stop
sent=
for t in 0 1; do
	n=$(sed -n 's/^Result: OK: .* usec, \([0-9]*\) (.*/\1/p' "/proc/net/pktgen/kd0@$t")
	sent+=" ${n:-0}"
done

rounds() { [ -e "$tmp/$1.rounds" ] && wc -l <"$tmp/$1.rounds" || echo 0; }
problems() { [ -e "$tmp/$1.log" ] && grep -v ' at its end: ' "$tmp/$1.log" | head -n 5 | tr '\n' ';'; }
for w in sessions devices netns exact; do
	ktap_print_msg "$w: $(rounds $w) rounds"
	[ -e "$tmp/$w.log" ] && tail -n 3 "$tmp/$w.log" | sed 's/^/#   /'
done
read -r sent0 sent1 <<<"$sent"
ktap_check "pktgen injected frames from both CPUs throughout (sent:$sent)" \
	test "$sent0" -gt 0 -a "$sent1" -gt 0
ktap_check "sessions: rounds of add/set/kill/del, none failing $(problems sessions)" \
	test "$(rounds sessions)" -gt 0 -a -z "$(problems sessions)"
ktap_check "sessions: counters keep passed == delivered + dropped <= seen $(cat "$tmp/breaches" 2>/dev/null | head -n 3)" \
	test ! -e "$tmp/breaches"
ktap_check "devices: deleted under traffic and made again, the session follows $(problems devices)" \
	test "$(rounds devices)" -gt 0 -a -z "$(problems devices)"
ktap_check "namespaces: deleted under traffic with sessions and readers ($(rounds netns) rounds)" \
	test "$(rounds netns)" -gt 0
ktap_check "exact: every round's counters and frames exact ($(rounds exact) rounds) $(problems exact)" \
	test "$(rounds exact)" -gt 0 -a -z "$(problems exact)"
left=$( (kcap_sessions; kcap_sessions "$devns"; kcap_sessions "$exactns") 2>/dev/null | tr '\n' ' ')
ktap_check "no session left, module references 0 (sessions: '${left}', refcnt $(cat /sys/module/kcap/refcnt))" \
	test -z "$left" -a "$(cat /sys/module/kcap/refcnt)" = 0
splats=$(dmesg_splats_since_mark)
ktap_check "the kernel logged nothing${splats:+: $(head -n 3 <<<"$splats")}" test -z "$splats"
ktap_finished
