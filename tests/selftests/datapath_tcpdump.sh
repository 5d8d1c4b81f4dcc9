#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Same bytes as tcpdump.  On a veth pair va <-> vb in a namespace, kcap and
# tcpdump capture va at the same time, for each filter in each direction
# (and a few snap lengths), while traffic.py sends its mixed stream (ARP,
# ICMP, ICMPv6, TCP, UDP, IPv4 fragments, 802.1Q frames, a frame at MTU)
# into va from vb, then out of va.  Each pair of files must hold the same
# frames, with the same lengths; each must hold at least one frame, and the
# unfiltered one every frame sent, so that two empty or equally short files
# cannot pass.  The sessions all run at once, so this is also many sessions
# with different filters on one device, each getting only its own frames.
# One more pair captures vb with kcap's rx_handler hook.  kcap writes the
# -Q in captures as pcapng, which it reads from rings of pcapng blocks, the
# -Q out ones as pcap, from rings of pcap records, and the -Q inout ones
# as pcapng while printing them (--print), which reads rings
# of struct kcap_rec records: each of the kernel's record formats is held
# to tcpdump's bytes.
#
# "inbound" and "outbound" are checked against tcpdump's unfiltered -Q in
# and -Q out captures rather than against tcpdump with the same filter:
# after setting a filter libpcap runs it in userland over the first ring
# block, where its BPF interpreter has no packet type and rejects, so tcpdump
# loses the first frame that these two filters should pass.
. "$(dirname "$0")/lib.sh"

require_cmd kcap tcpdump ip python3
require_kcap_loaded

MAC_A=02:00:00:00:00:11
MAC_B=02:00:00:00:00:12
setup_tmpdir

# Cases: "device|hook|direction|snaplen|filter"; empty snaplen: the default.
cases=()
for dir in in out inout; do
	for f in "" "tcp" "udp port 53" "ip src 10.0.2.11" "vlan 100" "icmp6" \
		 "not arp" "ether host $MAC_A" "ip[2:2] > 100" \
		 "tcp[tcpflags] & tcp-syn != 0" "vlan and udp" "greater 1000"; do
		cases+=("va|netfilter|$dir||$f")
	done
done
in_cases=$((${#cases[@]} / 3))	# case 0 is "-Q in ''", case in_cases "-Q out ''"
cases+=("va|netfilter|inout||inbound" "va|netfilter|inout||outbound"
	"va|netfilter|inout|64|" "va|netfilter|in|100|tcp"
	"va|netfilter|inout|14|vlan" "vb|rx_handler|in||")

ktap_print_header
ktap_plan $((${#cases[@]} + 5))

setup_veth_ns ns
ip -n "$ns" link set va address "$MAC_A"
ip -n "$ns" link set vb address "$MAC_B"
dmesg_mark

i=0
for c in "${cases[@]}"; do
	IFS='|' read -r dev hook dir snap filter <<<"$c"
	sopt=()
	[ -n "$snap" ] && sopt=(-s "$snap")
	fopt=()
	[ "$dir" = in ] && fopt=(-F pcapng)
	[ "$dir" = inout ] && fopt=(-F pcapng --print)
	# shellcheck disable=SC2086 # the filter is words, as tcpdump takes it
	capture_bg -n "$ns" -o /dev/null "$tmp/k$i.err" capture -i "$dev" --hook "$hook" -Q "$dir" \
		"${sopt[@]}" "${fopt[@]}" -B 256 -w "$tmp/k$i.pcap" $filter
	kpid[i]=$!
	# shellcheck disable=SC2086
	# The reference must not drop: in immediate mode libpcap uses
	# TPACKET_V2, one 64 KiB frame per 128 KiB block on a device with
	# offloads, so 1 MiB held 8 frames and a tcpdump that was not
	# scheduled in time lost some.  6 MiB holds both directions' 44.
	ip netns exec "$ns" tcpdump -i "$dev" -Q "$dir" "${sopt[@]}" -B 6144 \
		--immediate-mode -U -w "$tmp/t$i.pcap" $filter \
		>/dev/null 2>"$tmp/t$i.err" &
	tpid[i]=$!
	defer kill_bg "${tpid[i]}"
	i=$((i + 1))
done

started=0
for ((i = 0; i < ${#cases[@]}; i++)); do
	wait_for_line "$tmp/t$i.err" '^tcpdump: listening on' 60 &&
		started=$((started + 1))
done
ktap_check "all ${#cases[@]} kcap and tcpdump captures started" \
	test "$started" = "${#cases[@]}"
# Each direction's captures read the rings of the format said above.
fmts=
for i in 0 "$in_cases" $((2 * in_cases)); do
	# (no ring-format in a line of show: the default, kcap; no line: ?)
	f=$(ip netns exec "$ns" kcap show "kcap-${kpid[i]}" | sed -n 2p)
	[ -n "$f" ] && f=$(sed -n 's/.* ring-format \([a-z-]*\) .*/\1/p' <<<"$f" | grep . || echo kcap)
	fmts="$fmts ${f:-?}"
done
ktap_check "-Q in, out and inout read rings of pcapng blocks, pcap records and kcap records ($fmts)" \
	test "$fmts" = " pcapng pcap kcap"

sent_in=$(ip netns exec "$ns" "$KCAP_SELFTESTS/traffic.py" mixed --iface vb \
	--src-mac "$MAC_A" --dst-mac "$MAC_B" | sed -n 's/^sent \([0-9]*\) frames.*/\1/p')
sent_out=$(ip netns exec "$ns" "$KCAP_SELFTESTS/traffic.py" mixed --iface va \
	--src-mac "$MAC_A" --dst-mac "$MAC_B" | sed -n 's/^sent \([0-9]*\) frames.*/\1/p')
ktap_print_msg "sent ${sent_in:-?} frames into va and ${sent_out:-?} out of it"
# Stop the captures once their files stop growing: on a loaded machine the
# 84 readers take a while to catch up, and SIGINT ends them where they are.
last=-1
for ((t = 0; t < 60; t++)); do
	sleep 1
	size=$(cat "$tmp"/k*.pcap "$tmp"/t*.pcap 2>/dev/null | wc -c)
	[ "$size" = "$last" ] && [ $t -ge 2 ] && break
	last=$size
done

kill -INT "${kpid[@]}" "${tpid[@]}" 2>/dev/null
kfail=0
for ((i = 0; i < ${#cases[@]}; i++)); do
	wait "${kpid[i]}" || { kfail=$((kfail + 1)); sed 's/^/# k: /' "$tmp/k$i.err"; }
	wait "${tpid[i]}"
done
ktap_check "every kcap capture exited 0 on SIGINT" test "$kfail" = 0

# One comparator run for all pairs: python and scapy start slowly here.
pairs=()
for ((i = 0; i < ${#cases[@]}; i++)); do
	ref=$i
	case ${cases[i]##*|} in
	inbound) ref=0 ;;
	outbound) ref=$in_cases ;;
	esac
	pairs+=("$tmp/k$i.pcap" "$tmp/t$ref.pcap")
done
"$KCAP_SELFTESTS/traffic.py" compare --sort "${pairs[@]}" >"$tmp/compare" 2>&1

for ((i = 0; i < ${#cases[@]}; i++)); do
	IFS='|' read -r dev hook dir snap filter <<<"${cases[i]}"
	name="$dev $hook -Q $dir${snap:+ -s $snap} '$filter'"
	ref=$i
	case $filter in
	inbound) ref=0; name="$name (vs tcpdump -Q in)" ;;
	outbound) ref=$in_cases; name="$name (vs tcpdump -Q out)" ;;
	esac
	out=$(sed -n "s/^pair $i: //p" "$tmp/compare")
	n=$(sed -n 's/^identical: \([0-9]*\) frames$/\1/p' <<<"$out")
	if [ -z "$n" ]; then
		ktap_print_msg "${out:-no result: $(tail -n 2 "$tmp/compare")}"
		ktap_print_msg "kcap: $(tr '\n' ' ' <"$tmp/k$i.err")"
		ktap_print_msg "tcpdump: $(tr '\n' ' ' <"$tmp/t$ref.err")"
		tcpdump -nnr "$tmp/k$i.pcap" -e 2>/dev/null | cut -d' ' -f2- | sort >"$tmp/kl"
		tcpdump -nnr "$tmp/t$ref.pcap" -e 2>/dev/null | cut -d' ' -f2- | sort >"$tmp/tl"
		diff "$tmp/kl" "$tmp/tl" | sed 's/^/# kcap<>tcpdump: /'
		tcpdump -nnr "$tmp/k$i.pcap" -tt 2>/dev/null | sed 's/^/# kcap: /'
		tcpdump -nnr "$tmp/t$ref.pcap" -tt 2>/dev/null | sed 's/^/# tcpdump: /'
		ktap_fail "$name: same frames as tcpdump"
	elif [ "$n" = 0 ]; then
		ktap_fail "$name: same frames as tcpdump, but none"
	elif [ -z "$filter$snap" ] && [ "$dev" = va ] && [ "$dir" = inout ] &&
	     [ "$n" != "$((sent_in + sent_out))" ]; then
		ktap_fail "$name: $n frames, not the $((sent_in + sent_out)) sent"
	else
		ktap_pass "$name: same $n frames as tcpdump"
	fi
done

left=$(ip netns exec "$ns" kcap show 2>&1)
ktap_check "no session left behind (kcap show: '$left')" test -z "$left"
ktap_check "kernel log clean" test -z "$(dmesg_splats_since_mark)"
ktap_finished
