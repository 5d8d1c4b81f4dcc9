#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# --listen: the capture served as a pcap stream over TCP (PCAP-over-IP).
# Two clients, "nc | tcpdump -r -" and "nc -N </dev/null" to a file (which
# shuts its sending side down at once), get the frames of a
# local -w of the same capture, byte for byte with their timestamps; a
# client that connects and never reads does not slow the capture nor
# cost the other client a frame, its drops are reported, and what it was
# sent is whole records.  A port in use is one line and exit 1 before
# "listening on"; dump --listen on [::1] alone prints nothing on stdout.
. "$(dirname "$0")/lib.sh"

require_cmd kcap ip python3 tcpdump nc
require_kcap_loaded

setup_tmpdir

ktap_print_header
ktap_plan 12

setup_veth_ns ns
dmesg_mark

# same_dump A B: the same frames, timestamps and bytes (tcpdump -tt -xx).
same_dump() {
	diff <(tcpdump -nn -tt -xx -r "$1" 2>/dev/null) <(tcpdump -nn -tt -xx -r "$2" 2>/dev/null) >/dev/null
}

# same_records A B: the same pcap records, byte for byte (timestamps,
# lengths, bytes), whatever the file headers say.
same_records() {
	cmp <(tail -c +25 "$1") <(tail -c +25 "$2")
}

# same_frames A B: same_dump, and traffic.py compare's verdict on link type,
# lengths and bytes (scapy's: slow, for a few thousand frames only).
same_frames() {
	same_dump "$1" "$2" && "$KCAP_SELFTESTS/traffic.py" compare "$1" "$2"
}

# A port in use: one line, exit 1, before "listening on".
# (The python helpers print their pid: a job under ip netns exec may be
# a subshell's.)
in_ns python3 -c '
import os, signal, socket, sys, time
signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
s = socket.socket(); s.bind(("127.0.0.1", 5000)); s.listen(1)
print("bound", os.getpid(), flush=True); time.sleep(60)' >"$tmp/busy.out" &
pb=$!
defer kill_bg $pb
wait_for_line "$tmp/busy.out" '^bound' 10
in_ns kcap capture -i va -c 1 --listen 127.0.0.1:5000 >/dev/null 2>"$tmp/busy.err"
rc=$?
kill "$(awk '{print $2}' "$tmp/busy.out")"
wait $pb 2>/dev/null
ktap_check_match "port in use: exit 1, the one line 'kcap: cannot listen on 127.0.0.1:5000: Address already in use'" \
	'^1 kcap: cannot listen on 127\.0\.0\.1:5000: Address already in use$' "$rc $(cat "$tmp/busy.err")"

# Two clients and a local file of the same capture.
N=2000
capture_bg -n "$ns" "$tmp/two.err" capture -i va -Q in -c $N -a duration:120 --listen 127.0.0.1:5000 -w "$tmp/local.pcap"
p=$!
in_ns sh -c "nc -d 127.0.0.1 5000 | tcpdump -r - -w '$tmp/c1.pcap' 2>'$tmp/c1.err'" &
p1=$!
# Client 2 shuts down its sending side at once (-N, its input empty), as
# nc in a script does: it still reads, and is served.
in_ns sh -c "nc -N 127.0.0.1 5000 </dev/null >'$tmp/c2.raw'" &
p2=$!
defer kill_bg "$p1" "$p2"
wait_count "$tmp/two.err" '^kcap: client 127\.0\.0\.1:[0-9]+ connected$' 2 30
udp_flood --iface vb --count $N --size 300
finish $p 120; rc=$?
finish $p1 30; finish $p2 30
tcpdump -r "$tmp/c2.raw" -w "$tmp/c2.pcap" 2>/dev/null
ktap_check "-c $N --listen -w: exit 0, $N frames in the local file (exit $rc, $(pcap_frames "$tmp/local.pcap") frames)" \
	test $rc = 0 -a "$(pcap_frames "$tmp/local.pcap")" = $N
ktap_check "client 1 (nc | tcpdump -r - -w): the local file's frames, timestamps and bytes" \
	same_frames "$tmp/local.pcap" "$tmp/c1.pcap"
ktap_check "client 2 (nc -N </dev/null > file, its sending side shut down): the same" \
	same_frames "$tmp/local.pcap" "$tmp/c2.pcap"
ktap_check_match "each client's line says $N frames sent, 0 dropped" \
	"^2$" "$(grep -cE "^kcap: client 127\.0\.0\.1:[0-9]+: $N frames sent, 0 dropped$" "$tmp/two.err")"
ktap_check_match "the summary: $((2 * N)) frames sent to 2 clients, 0 dropped" \
	"^$((2 * N)) frames sent to 2 clients of 127\.0\.0\.1:5000, 0 dropped for clients that did not keep up$" \
	"$(cat "$tmp/two.err")"

# A client that connects and never reads (until told to, after the
# capture), with a small receive buffer; another one reads.  More frames
# are sent than -c takes: the capture stops at M whatever the veth lost;
# the rings (-B) hold them all, so that a VM that stalls loses none.
M=12000
cat >"$tmp/stall.py" <<'EOF'
import os, signal, socket, sys
signal.pthread_sigmask(signal.SIG_BLOCK, [signal.SIGUSR1])
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", 5001))
print("connected", os.getpid(), flush=True)
signal.sigwait([signal.SIGUSR1])
with open(sys.argv[1], "wb") as f:
    while True:
        try:
            b = s.recv(65536)
        except OSError as e:
            print("read, then", e, flush=True)
            break
        if not b:
            print("read", flush=True)
            break
        f.write(b)
EOF
capture_bg -n "$ns" "$tmp/st.err" capture -i va -Q in -B 32768 -c $M -a duration:120 --listen 127.0.0.1:5001 -w "$tmp/local2.pcap"
p=$!
in_ns python3 "$tmp/stall.py" "$tmp/stalled.raw" >"$tmp/stall.out" &
defer kill_bg $!
wait_count "$tmp/st.err" '^kcap: client 127\.0\.0\.1:[0-9]+ connected$' 1 30
in_ns sh -c "nc -d 127.0.0.1 5001 | tcpdump -r - -w '$tmp/fast.pcap' 2>/dev/null" &
p1=$!
defer kill_bg "$p1"
wait_count "$tmp/st.err" '^kcap: client 127\.0\.0\.1:[0-9]+ connected$' 2 30
t0=$SECONDS
udp_flood --iface vb --count $((M + 500)) --size 1400 --pps 6000
t1=$SECONDS
finish $p 120; rc=$?
t2=$SECONDS
finish $p1 30
kill -USR1 "$(awk '/^connected/ {print $2}' "$tmp/stall.out")"
wait_for_line "$tmp/stall.out" '^read$' 30
ktap_print_msg "kcap said: $(grep -E '^kcap: client|dropped|sent' "$tmp/st.err" | tr '\n' ';'); the stalled client: $(tail -n 1 "$tmp/stall.out")"
fast_ok() {
	test $rc = 0 && test "$(pcap_frames "$tmp/local2.pcap")" = $M &&
		grep -q '^0 packets dropped by kernel' "$tmp/st.err" &&
		same_records "$tmp/local2.pcap" "$tmp/fast.pcap"
}
ktap_check "a stalled client: exit 0, the other client still gets every frame of the local file, byte for byte ($(pcap_frames "$tmp/fast.pcap") of $M), none dropped by the kernel" \
	fast_ok
ktap_check "... and kcap ended within 5 s of the last frame sent (sent in $((t1 - t0)) s, ended after $((t2 - t1)) s more)" \
	test $((t2 - t1)) -le 5
st=$(grep -E '^kcap: client 127\.0\.0\.1:[0-9]+: [0-9]+ frames sent, [1-9][0-9]* dropped \(it did not keep up\)$' "$tmp/st.err")
sent=$(sed -E 's/.*: ([0-9]+) frames sent, ([0-9]+) dropped.*/\1/' <<<"$st")
dropped=$(sed -E 's/.*: ([0-9]+) frames sent, ([0-9]+) dropped.*/\2/' <<<"$st")
ktap_check_match "the stalled client's drops are reported: '$st' (sent + dropped = $M)" \
	"^$M$" "$((${sent:-0} + ${dropped:-0}))"
ktap_check "what the stalled client was sent is a valid pcap stream of whole records: ${sent:-?} frames" \
	sh -c "tcpdump -r '$tmp/stalled.raw' -w '$tmp/stalled.pcap' 2>/dev/null && test \"\$(tcpdump -r '$tmp/stalled.pcap' 2>/dev/null | wc -l)\" = '${sent:-x}'"

# dump NAME --listen [::1]:PORT alone: nothing on stdout, frames to the client.
in_ns kcap add lsn dev va direction in
defer in_ns kcap del lsn
capture_bg -n "$ns" "$tmp/d.err" dump lsn -c 5 -a duration:60 --listen '[::1]:5002' --nano >"$tmp/d.out"
p=$!
in_ns sh -c "nc -d ::1 5002 | tcpdump --time-stamp-precision nano -r - -w '$tmp/d.pcap' 2>/dev/null" &
p1=$!
defer kill_bg "$p1"
wait_count "$tmp/d.err" '^kcap: client \[::1\]:[0-9]+ connected$' 1 30
udp_flood --iface vb --count 5 --size 100
finish $p 60; rc=$?
finish $p1 30
ktap_check_match "dump --listen [::1]:5002 --nano alone: exit 0, the client got 5 frames, stdout empty" \
	'^0 5 0 served$' "$rc $(pcap_frames "$tmp/d.pcap") $(wc -c <"$tmp/d.out") $(grep -q '^kcap: serving a pcap stream on \[::1\]:5002 to each client that connects$' "$tmp/d.err" && echo served)"

ktap_check "kernel log clean" test -z "$(dmesg_splats_since_mark)"
ktap_finished
