#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# --kafka and kcap consume against a real Kafka protocol endpoint
# (librdkafka's mock cluster, tests/tools/kafka-mock, over TCP in the
# test's namespace), with Debian's kcat as the independent client:
#  - frames kcap capture --kafka produces, read back with kcat: tcpdump's
#    capture of the same traffic, byte for byte, each key the frame's
#    microseconds (8 bytes big-endian) as kcap's own -w has them;
#  - messages kcat produces in Pycapa's format (key built here, value a
#    frame of tcpdump's capture): kcap consume writes the source pcap back
#    (tcpdump -tt -xx), with a filter too;
#  - kcap consume of kcap's own messages into pcapng: link type, device,
#    direction, lengths and nanosecond timestamps of kcap's own pcapng;
#  - kcap dump of a persistent session --kafka: its frames produced;
#  - no broker at start, the broker killed mid-capture, a topic that is
#    not there: one line, counted failures, exit 1, nothing hangs.
. "$(dirname "$0")/lib.sh"

require_cmd kcap ip python3 tcpdump kcat tshark
require_kcap_loaded

mock=$(dirname "$(command -v kcap)")/tests/kafka-mock
[ -x "$mock" ] || ksft_skip_all "no $mock: make -C user"

setup_tmpdir

ktap_print_header
ktap_plan 18

setup_veth_ns ns
dmesg_mark

# start_mock NAME ARGS...: a mock cluster in $ns with topics ARGS; its
# address in $B, its pid in $mock_pid.
start_mock() {
	local out=$tmp/$1.mock

	shift
	# Not through in_ns: $! must be the mock's own pid (ip netns exec
	# executes it), not a subshell's, for the kill of case (e).
	ip netns exec "$ns" "$mock" "$@" >"$out" 2>"$out.err" &
	mock_pid=$!
	defer kill_bg $mock_pid
	wait_ready $mock_pid "$out" '^127\.0\.0\.1:[0-9]+$' 30 ||
		ktap_exit_fail_msg "kafka-mock did not start: $(cat "$out.err")"
	B=$(head -n 1 "$out")
}

cat >"$tmp/kk.py" <<'PY'
import struct, sys

def pcap_records(path):
    """(us since the epoch, bytes) of each record of a pcap file."""
    d = open(path, "rb").read()
    magic = struct.unpack("<I", d[:4])[0]
    div = 1000 if magic == 0xa1b23c4d else 1
    off, out = 24, []
    while off < len(d):
        s, frac, cl, _ = struct.unpack("<IIII", d[off:off + 16])
        out.append((s * 1000000 + frac // div, d[off + 16:off + 16 + cl]))
        off += 16 + cl
    return out

def kcat_records(path):
    """kcat -f '%K %S %p %T\\n%k%s' output: (key, value, partition, ms)."""
    d = open(path, "rb").read()
    off, out = 0, []
    while off < len(d):
        nl = d.index(b"\n", off)
        kl, vl, p, ms = (int(x) for x in d[off:nl].split())
        off = nl + 1
        out.append((d[off:off + kl], d[off + kl:off + kl + vl], p, ms))
        off += kl + vl
    return out

cmd = sys.argv[1]
if cmd == "head":	# PCAP N OUT: the first N records
    d = open(sys.argv[2], "rb").read()
    off = 24
    for _ in range(int(sys.argv[3])):
        off += 16 + struct.unpack("<I", d[off + 8:off + 12])[0]
    open(sys.argv[4], "wb").write(d[:off])
elif cmd == "pycapa":	# pcap -> kcat -K@KEY@ -D@MSG@ input
    with open(sys.argv[3], "wb") as f:
        for us, b in pcap_records(sys.argv[2]):
            f.write(struct.pack(">Q", us) + b"@KEY@" + b + b"@MSG@")
elif cmd == "check":	# KCAT TCPDUMP.pcap KCAP.pcap
    msgs = kcat_records(sys.argv[2])
    td = pcap_records(sys.argv[3])
    kc = pcap_records(sys.argv[4])
    bad = [m for m in msgs if len(m[0]) != 8]
    keyed = sorted((struct.unpack(">Q", k)[0], v) for k, v, p, ms in msgs)
    print("messages %d keys8 %d tcpdump %d" % (len(msgs), len(msgs) - len(bad), len(td)))
    # The bytes: tcpdump's, frame for frame, in capture order.
    print("bytes", "same" if [v for _, v in keyed] == [b for _, b in td] else "differ")
    # The keys: kcap's own -w timestamps, in microseconds.
    print("keys", "same" if keyed == sorted(kc) else "differ")
    # And tcpdump saw each frame within a second of that.
    print("near", "yes" if all(abs(a[0] - b[0]) < 1000000 for a, b in zip(keyed, td)) else "no")
    # One flow (one UDP port pair): one partition.
    print("partitions", len(set(m[2] for m in msgs)))
    # The message's timestamp: the key's time, in milliseconds.
    print("stamps", "capture" if all(ms == struct.unpack(">Q", k)[0] // 1000
                                     for k, _, _, ms in msgs) else "differ")
PY

# tshark's view of a pcapng: time (ns), device, direction, lengths, link
# type and bytes of each frame, sorted.
ng_fields() {
	tshark -r "$1" -T fields -e frame.time_epoch -e frame.interface_name \
		-e frame.packet_flags_direction -e frame.len -e frame.cap_len \
		-e frame.encap_type -e data.data -e udp.payload 2>/dev/null | sort
}

N=300
start_mock main -p 3 cap pycapa pcap dumped
B_main=$B

# (b) capture --kafka, with -w pcapng --nano, against tcpdump.
in_ns tcpdump -i va -Q in -nn -w "$tmp/td.pcap" -c $N udp 2>"$tmp/td.err" &
ptd=$!
defer kill_bg $ptd
wait_for_line "$tmp/td.err" 'listening on' 30
capture_bg -n "$ns" "$tmp/b.err" capture -i va -Q in -c $N -a duration:120 \
	--kafka "$B" --topic cap --partition-by flow -w "$tmp/kc.pcapng" -F pcapng --nano udp
p=$!
udp_flood --iface vb --count $N --size 200
finish $p 120; rc=$?
finish $ptd 30
ktap_check_match "capture -c $N --kafka: exit 0, the summary says $N produced, $N delivered, 0 failed, 0 dropped" \
	"^0 $N frames produced to Kafka topic cap, $N delivered, 0 failed, 0 dropped" \
	"$rc $(grep 'frames produced to Kafka' "$tmp/b.err")"

in_ns kcat -C -b "$B" -t cap -e -q -f '%K %S %p %T\n%k%s' >"$tmp/b.kcat" 2>"$tmp/b.kcat.err"
tcpdump -r "$tmp/kc.pcapng" -w "$tmp/kc.pcap" 2>/dev/null	# µs, for the keys
python3 "$tmp/kk.py" check "$tmp/b.kcat" "$tmp/td.pcap" "$tmp/kc.pcap" >"$tmp/b.check"
ktap_check_match "kcat reads $N messages, each with an 8-byte key" \
	"messages $N keys8 $N tcpdump $N" "$(cat "$tmp/b.check")"
ktap_check_match "their values are tcpdump's frames, byte for byte" \
	"bytes same" "$(cat "$tmp/b.check")"
ktap_check_match "their keys are the frames' microseconds since the epoch (kcap's -w), big-endian, near tcpdump's" \
	"keys same.*near yes" "$(tr '\n' ' ' <"$tmp/b.check")"
ktap_check_match "--partition-by flow: one flow, one partition of 3" \
	"partitions 1" "$(cat "$tmp/b.check")"
ktap_check_match "their timestamps (kcat's %T) are the keys' time in ms" \
	"stamps capture" "$(cat "$tmp/b.check")"

# (c) kcap consume of kcap's messages: kcap's own pcapng again.
in_ns kcap consume --kafka "$B" --topic cap -F pcapng --nano -w "$tmp/c.pcapng" 2>"$tmp/c.err"
rc=$?
ktap_check_match "consume -F pcapng: exit 0, $N consumed, $N written" \
	"^0 $N messages consumed, $N frames written" "$rc $(tail -n 1 "$tmp/c.err")"
ng_fields "$tmp/c.pcapng" >"$tmp/c.fields"
ng_fields "$tmp/kc.pcapng" >"$tmp/kc.fields"
# What differs, when something does (shown before the check).
cmp -s "$tmp/c.fields" "$tmp/kc.fields" ||
	diff "$tmp/c.fields" "$tmp/kc.fields" | head -n 6 | cut -c 1-200 | sed 's/^/# /'
ktap_check "... link type, device (va), direction (in), lengths, ns timestamps and bytes of kcap's -w pcapng ($(wc -l <"$tmp/c.fields") frames)" \
	sh -c "cmp -s '$tmp/c.fields' '$tmp/kc.fields' && test \$(wc -l <'$tmp/c.fields') = $N && awk -F'\t' '\$2 != \"va\" || \$3 != \"0x00000001\" || length(\$1) - index(\$1, \".\") != 9 { exit 1 }' '$tmp/c.fields'"

# (a) Pycapa's messages from kcat: the source pcap back.
python3 "$tmp/kk.py" head "$tmp/td.pcap" 50 "$tmp/src.pcap"
python3 "$tmp/kk.py" pycapa "$tmp/src.pcap" "$tmp/a.in"
in_ns kcat -P -b "$B" -t pycapa -p 0 -K '@KEY@' -D '@MSG@' <"$tmp/a.in"
in_ns kcap consume --kafka "$B" --topic pycapa -w "$tmp/a.pcap" 2>"$tmp/a.err"
rc=$?
ktap_check "kcat -P in Pycapa's format, kcap consume -w: exit 0, the source pcap (tcpdump -tt -xx), $(pcap_frames "$tmp/src.pcap") frames" \
	bash -c "test $rc = 0 && test $(pcap_frames "$tmp/src.pcap") = 50 && diff <(tcpdump -nn -tt -xx -r '$tmp/src.pcap' 2>/dev/null) <(tcpdump -nn -tt -xx -r '$tmp/a.pcap' 2>/dev/null) >/dev/null"
in_ns kcap consume --kafka "$B" --topic pycapa -c 3 -w - 'udp and not port 1' 2>/dev/null >"$tmp/a3.pcap"
ktap_check_match "consume -c 3 -w - with a filter: the first 3 frames" \
	"^3 same$" "$(pcap_frames "$tmp/a3.pcap") $(diff <(tcpdump -nn -tt -xx -r "$tmp/src.pcap" -c 3 2>/dev/null) <(tcpdump -nn -tt -xx -r "$tmp/a3.pcap" 2>/dev/null) >/dev/null && echo same)"

# (g) kcap dump of a persistent session --kafka: its frames, produced.
in_ns kcap add kq dev va direction in filter udp
defer in_ns kcap del kq
capture_bg -n "$ns" "$tmp/g.err" dump kq -c 100 -a duration:120 --kafka "$B" --topic dumped
p=$!
udp_flood --iface vb --count 100 --size 120
finish $p 120; rc=$?
in_ns kcat -C -b "$B" -t dumped -e -q -f '%K %S\n' >"$tmp/g.kcat" 2>/dev/null
ktap_check_match "dump of a session --kafka: exit 0, 100 produced and delivered, kcat reads 100 messages of 120 bytes, 8-byte keys" \
	"^0 100 frames produced to Kafka topic dumped, 100 delivered, 0 failed, 0 dropped .* 100 100$" \
	"$rc $(grep 'frames produced to Kafka' "$tmp/g.err") $(grep -c '^8 120$' "$tmp/g.kcat") $(grep -c . "$tmp/g.kcat")"

# (f) A topic that is not there (the mock creates one only when a client
# names it; kcap asks for the list): one line, exit 1.
in_ns kcap capture -i va -c 1 --kafka "$B" --topic nosuch >/dev/null 2>"$tmp/f.err"
rc=$?
in_ns kcap consume --kafka "$B" --topic nosuch -w "$tmp/f.pcap" 2>"$tmp/f2.err"
rc2=$?
ktap_check_match "topic missing: capture and consume exit 1 with one line 'kcap: Kafka topic 'nosuch': ...: create it first'" \
	"^1 1 1 kcap: Kafka topic 'nosuch': .*: create it first$" \
	"$rc $rc2 $(wc -l <"$tmp/f.err") $(cat "$tmp/f.err")"

# (d) No broker at start: one line, exit 1, within the 10 s it waits.
t0=$(date +%s)
in_ns kcap capture -i va -c 1 --kafka 127.0.0.1:1 --topic cap >/dev/null 2>"$tmp/d.err"
rc=$?
t1=$(date +%s)
ktap_check_match "no broker: exit 1, one line 'kcap: Kafka brokers 127.0.0.1:1: no answer within 10000 ms ...', in $((t1 - t0)) s (<= 20)" \
	"^1 1 yes kcap: Kafka brokers 127\.0\.0\.1:1: no answer within 10000 ms" \
	"$rc $(wc -l <"$tmp/d.err") $([ $((t1 - t0)) -le 20 ] && echo yes) $(cat "$tmp/d.err")"

# (e) The broker killed mid-capture: frames after it are failed or
# dropped, all counted, exit 1, in bounded time.
start_mock e -p 1 cap
capture_bg -n "$ns" "$tmp/e.err" capture -i va -Q in -a duration:120 udp \
	--kafka "$B" --topic cap --kafka-conf message.timeout.ms=3000 \
	--kafka-conf queue.buffering.max.messages=50
p=$!
udp_flood --iface vb --count 40 --size 100
sleep 2
kill $mock_pid
wait $mock_pid 2>/dev/null
udp_flood --iface vb --count 200 --size 100
sleep 1
t0=$(date +%s)
kill -INT $p
finish $p 60; rc=$?
t1=$(date +%s)
s=$(grep 'frames produced to Kafka' "$tmp/e.err")
read -r prod deliv fail drop < <(sed -E 's/^([0-9]+) frames produced to Kafka topic cap, ([0-9]+) delivered, ([0-9]+) failed, ([0-9]+) dropped.*/\1 \2 \3 \4/' <<<"$s")
cap=$(sed -nE 's/^([0-9]+) packets captured$/\1/p' "$tmp/e.err")
ktap_check_match "broker killed: exit 1 after '$s', $cap captured, in $((t1 - t0)) s (<= 15)" \
	"^1 yes$" "$rc $([ $((t1 - t0)) -le 15 ] && echo yes)"
ktap_check "... the 40 before were delivered, the rest failed or dropped (some dropped: the queue holds 50), every frame counted" \
	test "${deliv:-0}" = 40 -a "${drop:-0}" -ge 1 -a \
	"$((${deliv:-0} + ${fail:-0} + ${drop:-0}))" = "${cap:-x}" -a \
	"$((${prod:-0} + ${drop:-0}))" = "${cap:-x}" -a "${cap:-0}" -ge 240
ktap_check_match "... and says so in one line" \
	"^kcap: Kafka: [0-9]+ of $cap frames not delivered to topic cap: check the brokers" "$(tail -n 1 "$tmp/e.err")"

# The README's kafka block, as written but for the device and the brokers.
"$KCAP_TOP/tests/tools/readme-blocks" print kafka |
	sed -e 's/-i eth0/-i va/' -e "s/kafka1:9092/$B_main/g" >"$tmp/block.sh"
sed 's/^/# README: /' "$tmp/block.sh"
(cd "$tmp" && exec ip netns exec "$ns" bash -e block.sh >"$tmp/r.out" 2>"$tmp/r.err") &
p=$!
defer kill_bg $p
wait_for_line "$tmp/r.err" '^kcap: listening on' 60
udp_flood --iface vb --count 150 --size 80
finish $p 120; rc=$?
ktap_check_match "the README's kafka block runs (exit $rc): 100 frames produced, delivered, consumed into udp.pcapng" \
	"^0 100 100 frames produced to Kafka topic pcap, 100 delivered, 0 failed, 0 dropped" \
	"$rc $(pcap_frames "$tmp/udp.pcapng" udp) $(grep 'frames produced' "$tmp/r.err")"

ktap_check "kernel log clean" test -z "$(dmesg_splats_since_mark)"
ktap_finished
