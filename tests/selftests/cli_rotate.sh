#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kcap capture's file rotation: -C MB (FILE, FILE1, FILE2, each within the
# size), -C with -W (a ring: FILE0, FILE1, oldest overwritten), -G seconds
# with strftime names, and -G with -W (only the newest files kept).  Every
# file is valid (tcpdump -r, capinfos) and no frame is lost between them.
. "$(dirname "$0")/lib.sh"

require_cmd kcap ip python3 tcpdump capinfos
require_kcap_loaded

setup_tmpdir

ktap_print_header
ktap_plan 11

setup_veth_ns ns
dmesg_mark
all_valid() { local f; for f; do pcap_valid "$f" || { echo "# $f is not valid"; return 1; }; done; }
total() { local f n=0; for f; do n=$((n + $(pcap_frames "$f"))); done; echo $n; }

# 2500 frames of 1000 bytes: 2.54 MB of pcap, so three files of -C 1, and
# a ring of two of them.  Both captures at once, on the same traffic.
mkdir "$tmp/c" "$tmp/w"
capture_bg -n "$ns" "$tmp/c.err" capture -i va -Q in -B 8192 -C 1 -a packets:2500 --idle 20 -w "$tmp/c/f.pcap"
p1=$!
capture_bg -n "$ns" "$tmp/w.err" capture -i va -Q in -B 8192 -C 1 -W 2 -a packets:2500 --idle 20 -w "$tmp/w/f.pcap"
p2=$!
udp_flood --iface vb --count 2500 --size 1000
finish $p1 40; rc1=$?
finish $p2 40; rc2=$?
got=$(cd "$tmp/c" && echo *)
ktap_check "-C 1 makes f.pcap f.pcap1 f.pcap2 (got '$got', exit $rc1)" \
	test "$got" = "f.pcap f.pcap1 f.pcap2" -a $rc1 = 0
ktap_check "each is valid" all_valid "$tmp"/c/*
sizes=$(stat -c %s "$tmp"/c/* | tr '\n' ' ')
ktap_check "none exceeds 1000000 bytes, the first two within a frame of it ($sizes)" \
	sh -c "set -- $sizes; test \$1 -le 1000000 -a \$1 -gt 998984 -a \$2 -le 1000000 -a \$2 -gt 998984 -a \$3 -le 1000000"
n=$(total "$tmp"/c/*)
dropped=$(sed -n 's/^\([0-9]*\) packets dropped by kernel/\1/p' "$tmp/c.err")
ktap_check "together they hold every frame: $n + $dropped dropped = 2500" \
	test $((n + dropped)) = 2500
got=$(cd "$tmp/w" && echo *)
ktap_check "-C 1 -W 2 keeps a ring of f.pcap0 f.pcap1 (got '$got', exit $rc2)" \
	test "$got" = "f.pcap0 f.pcap1" -a $rc2 = 0
ktap_check "both valid" all_valid "$tmp"/w/*
# The third file overwrote f.pcap0: it starts with frame 2 * 984.
first=$(tcpdump -r "$tmp/w/f.pcap0" -c 1 -x 2>/dev/null | awk '/0x0010:/ {print $8 $9}')
ktap_check "f.pcap0 is the third file: its first frame is number 1968 ($first)" \
	test "$((16#${first:-0}))" = 1968

# -G 1 with strftime names over 4.5 s of traffic; and -G 1 -W 2 alongside.
mkdir "$tmp/g" "$tmp/gw"
capture_bg -n "$ns" "$tmp/g.err" capture -i va -Q in -G 1 -a packets:45 --idle 20 -w "$tmp/g/%H%M%S.pcap"
p1=$!
capture_bg -n "$ns" "$tmp/gw.err" capture -i va -Q in -G 1 -W 2 -a packets:45 --idle 20 -w "$tmp/gw/%H%M%S.pcap"
p2=$!
udp_flood --iface vb --count 45 --pps 10 --size 100
finish $p1 30; rc1=$?
finish $p2 30; rc2=$?
files=("$tmp"/g/*)
ktap_check "-G 1: a file per second, named by strftime (${#files[@]}: $(cd "$tmp/g" && echo *), exit $rc1)" \
	sh -c "test ${#files[@]} -ge 4 -a ${#files[@]} -le 8 -a $rc1 = 0 && ls $tmp/g | grep -Eqx '[0-9]{6}\.pcap'"
ktap_check "each valid, 45 frames in all ($(total "${files[@]}"))" \
	sh -c "$(declare -f pcap_frames pcap_valid all_valid total); all_valid ${files[*]} && test \$(total ${files[*]}) = 45"
files=("$tmp"/gw/*)
ktap_check "-G 1 -W 2: only the newest two are left ($(cd "$tmp/gw" && echo *), exit $rc2)" \
	sh -c "$(declare -f pcap_frames pcap_valid all_valid); test ${#files[@]} = 2 -a $rc2 = 0 && all_valid ${files[*]}"

ktap_check "kernel log clean" test -z "$(dmesg_splats_since_mark)"
ktap_finished
