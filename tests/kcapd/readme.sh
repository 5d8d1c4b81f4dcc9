#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The README's kcapd block, run as written (readme-blocks print kcapd) in a
# namespace whose eth0 is one end of a veth pair while the other end sends
# traffic.py's mixed stream over and over, with a redis-server of its own
# on 127.0.0.1:6379 there.  Then what the README promised: kcapd -t says
# ok, the subscriber prints an ok result, and the capture is in
# /var/spool/kcapd/captures under HOSTNAME_7_TIME_eth0.pcapng with 100
# frames of tcp port 80.  (The guest's root is a tmpfs overlay: /etc and
# /var/spool are the VM's, not the host's.)
. "$(dirname "$0")/lib.sh"

require_cmd kcap kcapd ip redis-server redis-cli tcpdump
require_kcap_loaded
setup_tmpdir

ktap_print_header
ktap_plan 5

[ ! -e /etc/kcapd ] && [ ! -e /var/spool/kcapd ] ||
	ktap_exit_fail_msg "/etc/kcapd or /var/spool/kcapd exists already: not a VM's fresh root?"
defer rm -rf /etc/kcapd /var/spool/kcapd
setup_ns ns
veth_pair "$ns" eth0 peer0
dmesg_mark
mac=$(in_ns cat /sys/class/net/eth0/address)
peer=$(in_ns cat /sys/class/net/peer0/address)
ip netns exec "$ns" redis-server --port 6379 --bind 127.0.0.1 --save '' --appendonly no \
	--logfile "$tmp/redis.log" &
defer kill_bg $!
for ((i = 0; i < 100; i++)); do
	in_ns redis-cli ping 2>/dev/null | grep -q PONG && break
	sleep 0.1
done
ip netns exec "$ns" "$KCAP_SELFTESTS/traffic.py" mixed --iface peer0 \
	--src-mac "$peer" --dst-mac "$mac" --forever >/dev/null &
defer kill_bg $!

# Frames on eth0 before the block runs (scapy is slow to start under TCG,
# and the capture stops after 10 s without a frame, general.defaulttimeout).
timeout 90 ip netns exec "$ns" kcap capture -i eth0 -c 1 -w /dev/null 2>/dev/null ||
	ktap_exit_fail_msg "no traffic on eth0 after 90 s"
"$KCAP_TOP/tests/tools/readme-blocks" print kcapd >"$tmp/block.sh" ||
	ktap_exit_fail_msg "no kcapd block in the README"
sed 's/^/# README: /' "$tmp/block.sh"
# Then, as the reader would: wait for the result, stop what the block
# left running.
cat >>"$tmp/block.sh" <<'EOF'
while [ $SECONDS -lt 90 ] && ! grep -q '"status"' out; do sleep 0.5; done
kill %1 %2
wait
EOF
(cd "$tmp" && timeout 180 ip netns exec "$ns" bash -e block.sh >"$tmp/out" 2>"$tmp/err")
rc=$?
sed 's/^/# out: /' "$tmp/out"
sed 's/^/# err: /' "$tmp/err"
ktap_check "the README's kcapd block runs to the end (exit $rc)" test $rc = 0
ktap_check "kcapd -t: ok, with the host name as the node" \
	grep -qx "kcapd: /etc/kcapd/kcapd.json: ok (node $(hostname))" "$tmp/out"
res=$(grep '"status"' "$tmp/out" | head -n 1)
echo "$res" >"$tmp/result"
ktap_check_match "the subscriber printed an ok result: 100 frames, stopped by packets" \
	"^ok 100 packets \\['eth0'\\] 7$" \
	"$(result "$tmp/result" 1 'r["status"], r["frames"], r["stopped"], r["interfaces"], r["alertid"]')"
files=$(ls /var/spool/kcapd/captures)
ktap_check "one file in /var/spool/kcapd/captures, $(hostname)_7_TIME_eth0.pcapng ($files)" \
	sh -c "case '$files' in $(hostname)_7_20[0-9][0-9][0-9][0-9][0-9][0-9]T[0-9][0-9][0-9][0-9][0-9][0-9]Z_eth0.pcapng) ;; *) exit 1;; esac"
f=/var/spool/kcapd/captures/$files
ktap_check "it holds 100 frames of tcp port 80, no other ($(pcap_frames "$f") frames, $(pcap_frames "$f" not tcp port 80) others)" \
	test "$(pcap_frames "$f")/$(pcap_frames "$f" not tcp port 80)" = 100/0
ktap_finished
