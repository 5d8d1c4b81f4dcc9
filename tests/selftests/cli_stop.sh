#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kcap capture's stop conditions: -c, -a packets, -a filesize, -a duration,
# --idle, several -a at once (the first to hit wins), each stopping at the
# right place with exit 0 and a valid file; and a full filesystem (a 64k
# tmpfs), which leaves a valid file, one clear line and exit 1.
. "$(dirname "$0")/lib.sh"

require_cmd kcap ip python3 tcpdump capinfos
require_kcap_loaded

setup_tmpdir

ktap_print_header
ktap_plan 15

setup_veth_ns ns
dmesg_mark

# -c 5 and -a packets:7 at once with 20 frames: -c wins at 5.
capture_bg -n "$ns" "$tmp/c.err" capture -i va -Q in -c 5 -a packets:7 -w "$tmp/c.pcap"
p1=$!
# -a packets:7 alone.
capture_bg -n "$ns" "$tmp/p.err" capture -i va -Q in -a packets:7 -w "$tmp/p.pcap"
p2=$!
# -a filesize:10 (10000 bytes): 24 + 9 * (16 + 1000) fit, a 10th does not.
capture_bg -n "$ns" "$tmp/f.err" capture -i va -Q in -a filesize:10 -w "$tmp/f.pcap"
p3=$!
udp_flood --iface vb --count 20 --size 1000
finish $p1 10; rc1=$?
finish $p2 10; rc2=$?
finish $p3 10; rc3=$?
ktap_check "-c 5 (with -a packets:7) stops at 5 frames, exit 0 (got $(pcap_frames "$tmp/c.pcap"), exit $rc1)" \
	test "$(pcap_frames "$tmp/c.pcap")" = 5 -a $rc1 = 0
ktap_check "-a packets:7 stops at 7 frames, exit 0 (got $(pcap_frames "$tmp/p.pcap"), exit $rc2)" \
	test "$(pcap_frames "$tmp/p.pcap")" = 7 -a $rc2 = 0
size=$(stat -c %s "$tmp/f.pcap")
ktap_check "-a filesize:10 stops before 10000 bytes: 9 frames, $size bytes, exit 0 (got $(pcap_frames "$tmp/f.pcap"), exit $rc3)" \
	test "$(pcap_frames "$tmp/f.pcap")" = 9 -a "$size" = $((24 + 9 * 1016)) -a $rc3 = 0

# -c 6 with exactly 6 frames and nothing after: the sixth also empties the
# rings, and the capture stops there by itself, not at the next frame.
capture_bg -n "$ns" "$tmp/c6.err" capture -i va -Q in -c 6 -w "$tmp/c6.pcap"
p4=$!
udp_flood --iface vb --count 6 --size 200
finish $p4 15 >"$tmp/c6.fin"; rc4=$?
ktap_check "-c 6 with exactly 6 frames stops by itself at 6, exit 0 (got $(pcap_frames "$tmp/c6.pcap"), exit $rc4$(sed 's/^# /, /' "$tmp/c6.fin"))" \
	test "$(pcap_frames "$tmp/c6.pcap")" = 6 -a $rc4 = 0 -a ! -s "$tmp/c6.fin"
ktap_check "the three files are valid" sh -c "$(declare -f pcap_valid); pcap_valid $tmp/c.pcap && pcap_valid $tmp/p.pcap && pcap_valid $tmp/f.pcap"

# -a duration:2 without traffic: about 2 s, exit 0.
start=$SECONDS
capture_bg -n "$ns" "$tmp/d.err" capture -i va -a duration:2 -w "$tmp/d.pcap"
p=$!
finish $p 15; rc=$?
took=$((SECONDS - start))
ktap_check "-a duration:2 stops by itself in 2..10 s, exit 0 (took $took s, exit $rc)" \
	test $rc = 0 -a $took -ge 2 -a $took -le 10
ktap_check "its file is valid and has its summary" \
	sh -c "$(declare -f pcap_valid); pcap_valid $tmp/d.pcap && grep -q '^0 packets captured' $tmp/d.err"

# --idle 8 (counted from the start too: python takes seconds to start
# here) after 6 frames: all 6, then stop; -a duration:60 does not win.
capture_bg -n "$ns" "$tmp/i.err" capture -i va -Q in --idle 8 -a duration:60 -w "$tmp/i.pcap"
p=$!
start=$SECONDS
udp_flood --iface vb --count 6 --size 100
finish $p 30; rc=$?
took=$((SECONDS - start))
ktap_check "--idle 8 stops after the traffic with all 6 frames, exit 0 (got $(pcap_frames "$tmp/i.pcap"), exit $rc, $took s)" \
	test "$(pcap_frames "$tmp/i.pcap")" = 6 -a $rc = 0 -a $took -ge 8 -a $took -le 25
# -a duration:10 and -a packets:1000 with a few frames: duration wins.
capture_bg -n "$ns" "$tmp/dp.err" capture -i va -Q in -a packets:1000 -a duration:10 -w "$tmp/dp.pcap"
p=$!
udp_flood --iface vb --count 4 --size 100
finish $p 20; rc=$?
ktap_check "-a packets:1000 -a duration:10: duration wins with 4 frames, exit 0 (got $(pcap_frames "$tmp/dp.pcap"), exit $rc)" \
	test "$(pcap_frames "$tmp/dp.pcap")" = 4 -a $rc = 0

# A full filesystem: a 64k tmpfs.
mkdir "$tmp/small"
defer_scope_push
mount -t tmpfs -o size=64k tmpfs "$tmp/small" || exit 1
defer umount "$tmp/small"
capture_bg -n "$ns" "$tmp/full.err" capture -i va -Q in -w "$tmp/small/full.pcap"
p=$!
udp_flood --iface vb --count 200 --size 1000
finish $p 15; rc=$?
sed 's/^/# /' "$tmp/full.err"
ktap_check "a full disk stops the capture with exit 1 (exit $rc)" test $rc = 1
ktap_check_match "one clear line says so" \
	"^kcap: writing '$tmp/small/full.pcap': No space left on device$" "$(cat "$tmp/full.err")"
n=$(pcap_frames "$tmp/small/full.pcap")
ktap_check "the file left is valid, with whole frames only ($n)" \
	sh -c "$(declare -f pcap_valid); pcap_valid $tmp/small/full.pcap && test $n -gt 10 && test \$(stat -c %s $tmp/small/full.pcap) = \$((24 + $n * 1016))"
defer_scope_pop

# pcapng on a full disk too.
defer_scope_push
mount -t tmpfs -o size=64k tmpfs "$tmp/small" || exit 1
defer umount "$tmp/small"
capture_bg -n "$ns" "$tmp/fullng.err" capture -i va -Q in -F pcapng -w "$tmp/small/full.pcapng"
p=$!
udp_flood --iface vb --count 200 --size 1000
finish $p 15; rc=$?
ktap_check "pcapng on a full disk: exit 1, a valid file (exit $rc, $(pcap_frames "$tmp/small/full.pcapng") frames)" \
	sh -c "$(declare -f pcap_valid); test $rc = 1 && pcap_valid $tmp/small/full.pcapng"
defer_scope_pop

ktap_check "no session left" test -z "$(in_ns kcap show)"
ktap_check "kernel log clean" test -z "$(dmesg_splats_since_mark)"
ktap_finished
