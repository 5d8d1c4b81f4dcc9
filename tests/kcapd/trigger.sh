#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kcapd's triggered captures, with a real redis-server and two kcapd
# instances (nodes n1 and n2) on the same channel: node, nodere and "any"
# pick the right ones; alias resolves; each of pcapdaemon's stop controls
# (packets, bytes with whole frames, duration, timeout) stops a capture
# for the right reason; the file kcapd delivers holds what tcpdump
# captured on the same device, byte for byte, with the message's tags,
# customer and alert id in its section comment; the caps bound a message;
# wrong messages start nothing, are rejected with their reason, and the
# daemon lives on.
. "$(dirname "$0")/lib.sh"

require_cmd kcap kcapd ip redis-server redis-cli tcpdump tshark capinfos
require_kcap_loaded
setup_tmpdir

ktap_print_header
ktap_plan 19

kcapd_veth kta ktb
flood() { "$KCAP_SELFTESTS/traffic.py" udp-flood --iface ktb --dst-mac "$(cat /sys/class/net/kta/address)" "$@" >/dev/null; }

mkdir -p "$tmp/out" "$tmp/spool"
cat >"$tmp/kcapd.json" <<EOF
{
	"general": { "maxpackets": 1000, "writelocal": true, "localdir": "$tmp/out",
		     "spooldir": "$tmp/spool", "maxcaptures": 4, "maxduration": 20,
		     "maxbytes": 1000000, "defaulttimeout": 20, "maxtimeout": 30,
		     "format": "pcapng" },
	"redis": { "listen": true, "host": "127.0.0.1", "port": $REDIS_PORT,
		   "channel": "capture", "results": "capture-results" },
	"interface": [ { "name": "kta", "alias": [ "main" ] } ]
}
EOF
start_redis
collect_results "$tmp/results"
start_kcapd n1 "$tmp/kcapd.json"
start_kcapd n2 "$tmp/kcapd.json"
dmesg_mark
R=$tmp/results
n=0	# results so far

# capture N MSG: publish MSG, wait for N more results.
capture() {
	publish "$2"
	n=$((n + $1))
	wait_results "$R" "$n" 60
}

# A capture on n1 only, next to tcpdump on the same device.
tcpdump -i kta -nn -U -B 4096 -c 5 -w "$tmp/td.pcap" udp 2>"$tmp/td.err" &
tdp=$!
defer kill_bg $tdp
wait_for_line "$tmp/td.err" 'listening on' 30
publish '{"node": "n1", "interface": ["kta"], "bpf": "udp", "packets": 5, "alertid": 42, "tags": "a,b", "customer": "acme"}'
n=1
wait_for_line "$tmp/kcapd-n1.log" 'capture 1 on kta: started' 30
flood --count 8 --size 120 --pps 20
wait_results "$R" 1 30
finish $tdp 10
ktap_check_match "node n1: one result, from n1, 5 frames, stopped by packets" \
	"^n1 ok 5 packets \\['kta'\\] 42 acme a,b$" "$(result "$R" 1 \
	'r["node"], r["status"], r["frames"], r["stopped"], r["interfaces"], r["alertid"], r["customer"], r["tags"]')"
file=$(result "$R" 1 'r["delivered"][0]["where"]')
ktap_check "delivered to the local directory under its final name ($file)" \
	sh -c "test -f '$file' && case '$file' in $tmp/out/n1_42_*_kta.pcapng) ;; *) exit 1;; esac &&
		test -z \"\$(ls -A '$tmp/out' | grep -v '^n[12]_')\""
tshark -r "$file" -F pcap -w "$tmp/kcapd.pcap" 2>/dev/null
ktap_check "its frames are tcpdump's on kta, byte for byte" \
	"$KCAP_SELFTESTS/traffic.py" compare "$tmp/kcapd.pcap" "$tmp/td.pcap"
ktap_check_match "the section comment holds node, alert id, customer and tags" \
	'kcapd node=n1 alertid=42 customer=acme tags=a,b' "$(capinfos -k "$file")"
sleep 1
ktap_check "n2 ignored it quietly: one result in all" test "$(wc -l <"$R")" = 1

# nodere and "any": both nodes; an alias.
capture 2 '{"nodere": "^n[12]$", "alias": ["main"], "duration": 1}'
got=$(results "$R" 2 3 'r["node"] + ":" + ",".join(r["interfaces"])')
ktap_check "nodere ^n[12]\$ and alias main: both nodes capture on kta ($got)" \
	test "$got" = "n1:kta n2:kta"
capture 2 '{"node": "any", "interface": ["kta"], "duration": 1}'
ktap_check "node any: both" test "$(wc -l <"$R")" = 5

# The stop controls, each alone.
start=$SECONDS
capture 1 '{"node": "n1", "interface": ["kta"], "duration": 2}'
ktap_check "duration 2, no traffic: stopped by duration after 2..8 s ($(result "$R" $n 'r["stopped"]'), $((SECONDS - start)) s)" \
	test "$(result "$R" $n 'r["stopped"]')" = duration -a $((SECONDS - start)) -ge 2 -a $((SECONDS - start)) -le 8
# (5 datagrams out of kta, sent at once by a C program: scapy's start
# under TCG can take longer than the timeout.)
ip addr add 10.77.0.1/24 dev kta
ip neigh add 10.77.0.2 lladdr "$(cat /sys/class/net/ktb/address)" dev kta
publish '{"node": "n1", "interface": ["kta"], "timeout": 2, "duration": 20}'
n=$((n + 1))
wait_for_line "$tmp/kcapd-n1.log" "capture 5 on kta: started" 30
start=$SECONDS
"$KCAP_TOP/build/user/bench/udpsend" 10.77.0.2 9 100 5 >/dev/null
wait_results "$R" $n 30
ktap_check "timeout 2 after 5 frames: stopped by timeout ($(result "$R" $n 'r["stopped"], r["frames"]'), $((SECONDS - start)) s)" \
	test "$(result "$R" $n 'r["stopped"], r["frames"]')" = "timeout 5"
publish '{"node": "n1", "interface": ["kta"], "bytes": 2000, "duration": 20}'
n=$((n + 1))
wait_for_line "$tmp/kcapd-n1.log" "capture 6 on kta: started" 30
flood --count 20 --size 300 --pps 40
wait_results "$R" $n 30
file=$(result "$R" $n 'r["delivered"][0]["where"]')
size=$(stat -c %s "$file")
ktap_check "bytes 2000: stopped by bytes, whole frames, $size bytes ($(result "$R" $n 'r["stopped"], r["frames"]'))" \
	sh -c "test \"$(result "$R" $n 'r["stopped"]')\" = bytes && test $size -le 2000 && test $size -gt 1500 &&
		capinfos '$file' >/dev/null"

# Two interfaces, one pcapng; the caps lower what is over them, and say
# so; snap; packetdebug logs each frame.  4 datagrams out of kta: 4
# frames out of kta, 4 into ktb.
publish '{"node": "n1", "interface": ["kta", "ktb"], "packets": 50000, "timeout": 99999,
	  "bytes": 999999999999, "snap": 64, "duration": 3, "packetdebug": true, "alertid": 77}'
n=$((n + 1))
wait_for_line "$tmp/kcapd-n1.log" "capture 7 on kta: started" 30
"$KCAP_TOP/build/user/bench/udpsend" 10.77.0.2 9 100 4 >/dev/null
wait_results "$R" $n 30
ktap_check_match "over maxpackets, maxtimeout and maxbytes: lowered to them, said in the result" \
	'^packets 1000, timeout 30, bytes 1000000$' "$(result "$R" $n 'r.get("clamped")')"
file=$(result "$R" $n 'r["delivered"][0]["where"]')
got=$(tshark -r "$file" -T fields -e frame.interface_name -e frame.cap_len 2>/dev/null | sort | uniq -c | tr -s ' \t\n' ' ')
ktap_check "kta and ktb in one pcapng ($(basename "$file")): 4 frames each, cut to snap 64 ($got)" \
	test "$got" = " 4 kta 64 4 ktb 64 " -a "${file%_kta+ktb.pcapng}" != "$file"
got=$(grep -cE 'info: [0-9:.]+ (kta Out|ktb In) IP 10\.77\.0\.1\.[0-9]+ > 10\.77\.0\.2\.9: UDP' "$tmp/kcapd-n1.log")
ktap_check "packetdebug: a line of the log for each of the 8 frames ($got)" test "$got" = 8

# Wrong messages: nothing started, a rejected result with the reason.
# One that is not JSON, or names both node and nodere, is for no node in
# particular: both refuse it.
for m in 'not json' '{"node": "n1", "nodere": "n", "interface": ["kta"]}' \
	'{"node": "n1", "alias": ["nosuch"]}' '{"node": "n1", "interface": ["kta"], "packets": -1}' \
	'{"node": "n1", "interface": ["nosuch0"]}'; do
	publish "$m"
done
n=$((n + 7))
wait_results "$R" $n 30
sleep 1
rej=$(results "$R" $((n - 6)) $((n + 1)) 'r["node"] + ":" + r["status"]' | tr ' ' '\n' | sort | uniq -c | tr -s ' \n' ' ')
ktap_check "5 wrong messages: 7 rejected results, 5 from n1, 2 from n2 ($rej)" \
	test "$rej" = " 5 n1:rejected 2 n2:rejected "
capture 1 '{"node": "n1", "interface": ["kta"], "bpf": "udp and", "duration": 1}'
ktap_check_match "a filter that does not compile: failed, libpcap's reason, nothing captured" \
	"failed .*syntax error" "$(result "$R" $n 'r["status"], r["errors"]')"
# format pcap: a file per interface, each with the message's stop controls.
sed 's/"pcapng"/"pcap"/' "$tmp/kcapd.json" >"$tmp/kcapd-pcap.json"
start_kcapd n3 "$tmp/kcapd-pcap.json"
publish '{"node": "n3", "interface": ["kta", "ktb"], "packets": 4, "duration": 20}'
n=$((n + 1))
wait_for_line "$tmp/kcapd-n3.log" "capture 1 on kta: started" 30
"$KCAP_TOP/build/user/bench/udpsend" 10.77.0.2 9 100 4 >/dev/null
wait_results "$R" $n 30
got=$(result "$R" $n '" ".join("%s:%s" % (d["where"].rsplit("_", 1)[1], d["where"]) for d in r["delivered"])')
ok=1
for d in kta ktb; do
	f=$(tr ' ' '\n' <<<"$got" | sed -n "s/^$d.pcap://p")
	[ -n "$f" ] && [ "$(pcap_frames "$f")" = 4 ] && capinfos -E "$f" | grep -q 'Ethernet' || ok=0
done
ktap_check "format pcap: kta.pcap and ktb.pcap, 4 frames each ($(result "$R" $n 'r["status"], r["stopped"], len(r["delivered"])'))" \
	test $ok = 1 -a "$(result "$R" $n 'r["status"], r["stopped"], len(r["delivered"])')" = "ok packets 2"
ktap_check "both daemons live on, no session left in the kernel" \
	sh -c "kill -0 $kcapd_pid && pgrep -f 'kcapd -f -n n1' >/dev/null && test -z \"\$(kcap show)\""
ktap_check "the spool is empty: every delivery succeeded" test -z "$(ls -A "$tmp/spool")"
ktap_check "kernel log clean" test -z "$(dmesg_splats_since_mark)"
ktap_finished
