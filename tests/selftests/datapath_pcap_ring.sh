#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Rings of pcap records and of pcapng blocks (KCAP_ATTR_RING_FORMAT), read
# as the ABI describes them.  On a veth pair va <-> vb in a namespace,
# pcapring.py (which knows the uapi header, not libkcap) reads three
# sessions of va, one of each format, with small rings so that records wrap
# around their ends several times, while tcpdump captures va too and
# traffic.py sends its mixed stream into va and out of it.  Each session's
# file must hold the same frames as tcpdump's, every frame sent (or, where
# a ring was full when a frame came, every other: the python reader can
# fall behind on a loaded machine, and what the session counted as dropped
# is what is missing), and the session's counters must match what its
# rings held.  The pcapng blocks must say each frame's direction, and the
# file made of them as they are must read back.  A reader that does not
# say it reads the format must be refused (pcapring.py checks that).
. "$(dirname "$0")/lib.sh"

require_cmd tcpdump ip python3
require_kcap_loaded

MAC_A=02:00:00:00:00:11
MAC_B=02:00:00:00:00:12
setup_tmpdir

# "format|snaplen|ring size": rings that wrap a few times, and that one
# reader in python empties in time.
cases=("pcap|262144|16384" "pcap-nsec|64|4096" "pcapng|128|4096")

ktap_print_header
ktap_plan $((3 * ${#cases[@]} + 5))

setup_veth_ns ns
ip -n "$ns" link set va address "$MAC_A"
ip -n "$ns" link set vb address "$MAC_B"
dmesg_mark

for ((i = 0; i < ${#cases[@]}; i++)); do
	IFS='|' read -r fmt snap ring <<<"${cases[i]}"
	ip netns exec "$ns" "$KCAP_SELFTESTS/pcapring.py" --ifname va \
		--name "pr$i" --format "$fmt" --snaplen "$snap" --ring-size "$ring" \
		--out "$tmp/k$i.pcap" --ready "$tmp/k$i.ready" >"$tmp/k$i.out" 2>&1 &
	kpid[i]=$!
	defer kill_bg "${kpid[i]}"
	ip netns exec "$ns" tcpdump -i va -s "$snap" -B 6144 --immediate-mode \
		-U -w "$tmp/t$i.pcap" >/dev/null 2>"$tmp/t$i.err" &
	tpid[i]=$!
	defer kill_bg "${tpid[i]}"
done
started=0
for ((i = 0; i < ${#cases[@]}; i++)); do
	wait_ready "${kpid[i]}" "$tmp/k$i.ready" . 60 &&
		wait_for_line "$tmp/t$i.err" '^tcpdump: listening on' 60 &&
		started=$((started + 1))
done
ktap_check "the readers and tcpdump started" test "$started" = "${#cases[@]}" ||
	sed 's/^/# /' "$tmp"/k*.out

sent_in=$(ip netns exec "$ns" "$KCAP_SELFTESTS/traffic.py" mixed --iface vb \
	--src-mac "$MAC_A" --dst-mac "$MAC_B" --count-repeat 3 |
	sed -n 's/^sent \([0-9]*\) frames.*/\1/p')
sent_out=$(ip netns exec "$ns" "$KCAP_SELFTESTS/traffic.py" mixed --iface va \
	--src-mac "$MAC_A" --dst-mac "$MAC_B" --count-repeat 3 |
	sed -n 's/^sent \([0-9]*\) frames.*/\1/p')
sent=$((${sent_in:-0} + ${sent_out:-0}))
ktap_print_msg "sent ${sent_in:-?} frames into va and ${sent_out:-?} out of it"
sleep 2

kill -INT "${kpid[@]}" "${tpid[@]}" 2>/dev/null
pairs=()
for ((i = 0; i < ${#cases[@]}; i++)); do
	wait "${kpid[i]}"
	rc[i]=$?
	wait "${tpid[i]}"
	pairs+=("$tmp/k$i.pcap" "$tmp/t$i.pcap")
done
"$KCAP_SELFTESTS/traffic.py" compare --sort "${pairs[@]}" >"$tmp/compare" 2>&1

for ((i = 0; i < ${#cases[@]}; i++)); do
	IFS='|' read -r fmt snap ring <<<"${cases[i]}"
	name="$fmt, snaplen $snap, rings of $ring bytes"
	out=$(cat "$tmp/k$i.out")
	ktap_print_msg "$name: $out"
	ktap_check "$name: the rings' records were all valid and counted" \
		test "${rc[i]}" = 0
	# A reader in python can fall behind on a loaded machine: the frames
	# the full rings dropped (counted) are missing, the rest are tcpdump's,
	# which only then is compared as such.
	dropped=$(sed -n 's/.* dropped \([0-9]*\),.*/\1/p' <<<"$out")
	n=$(sed -n "s/^pair $i: identical: \([0-9]*\) frames$/\1/p" "$tmp/compare")
	sub=
	if [ -n "$n" ] && [ "$n" = "$sent" ] && [ "$sent" -gt 0 ]; then
		ktap_pass "$name: the same $n frames as tcpdump, all those sent"
	elif [ "${dropped:-0}" -gt 0 ] && [ "$sent" -gt 0 ] &&
	     sub=$("$KCAP_SELFTESTS/traffic.py" compare --subset \
		   "$tmp/k$i.pcap" "$tmp/t$i.pcap" 2>&1) &&
	     [ "$sub" = "subset: $((sent - dropped)) of $sent frames" ]; then
		ktap_pass "$name: $((sent - dropped)) of tcpdump's $sent frames, the same bytes; the $dropped others dropped, full ring, counted"
	else
		sed -n "s/^pair $i: /# /p" "$tmp/compare"
		[ -n "$sub" ] && sed "s/^/# /" <<<"$sub"
		ktap_fail "$name: the same frames as tcpdump (${n:-none}; ${dropped:-?} dropped), all $sent sent"
	fi
	wraps=$(sed -n 's/.* wraps \([0-9]*\),.*/\1/p' <<<"$out")
	ktap_check "$name: the records wrapped around the rings' ends (${wraps:-?} times)" \
		test "${wraps:-0}" -gt 0
	[ "$fmt" = pcapng ] && png=$i
done

# Each block says the direction its frame went, as the frames were sent:
# all, or with drops no more than sent each way.
out=$(cat "$tmp/k$png.out")
n_in=$(sed -n 's/.*, in \([0-9]*\),.*/\1/p' <<<"$out")
n_out=$(sed -n 's/.*, out \([0-9]*\),.*/\1/p' <<<"$out")
records=$(sed -n 's/^records \([0-9]*\),.*/\1/p' <<<"$out")
dropped=$(sed -n 's/.* dropped \([0-9]*\),.*/\1/p' <<<"$out")
if [ "${dropped:-0}" = 0 ]; then
	ktap_check "pcapng: blocks in ${n_in:-?}, out ${n_out:-?}, as sent (${sent_in:-?} in, ${sent_out:-?} out)" \
		test "${n_in:-x}" = "${sent_in:-y}" -a "${n_out:-x}" = "${sent_out:-y}"
else
	ktap_check "pcapng: blocks in ${n_in:-?}, out ${n_out:-?}, no more than sent (${sent_in:-?}, ${sent_out:-?}; $dropped dropped)" \
		test "${n_in:-0}" -le "${sent_in:-0}" -a "${n_out:-0}" -le "${sent_out:-0}" -a \
		"$((${n_in:-0} + ${n_out:-0} + dropped))" = "$sent"
fi
# The file of the blocks as the rings held them: tcpdump reads them all,
# in nanoseconds.
n=$(tcpdump -nn -r "$tmp/k$png.pcap" --time-stamp-precision nano -tt 2>/dev/null |
    grep -cE '^[0-9]+\.[0-9]{9} ')
ktap_check "pcapng: tcpdump reads the ${records:-?} blocks as the rings held them ($n, in ns)" \
	test "${records:-0}" -gt 0 -a "$n" = "${records:-x}"

# The magic says the resolution, and tcpdump reads the fractions as such.
ktap_check "the nanosecond file reads back in nanoseconds" \
	sh -c "tcpdump -nn -r '$tmp/k1.pcap' --time-stamp-precision nano -tt 2>/dev/null |
	       head -n 1 | grep -qE '^[0-9]+\\.[0-9]{9} '"
ktap_check "kernel log clean" test -z "$(dmesg_splats_since_mark)"
ktap_finished
