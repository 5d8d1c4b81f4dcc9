#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The character device against a hostile caller (chrfuzz.py): random
# ioctl()s and mmap()s get only the answers an honest caller can get, and
# a reader that scribbles over its rings' control pages and data while
# frames flow harms nothing but its own session.  Meanwhile an honest
# capture of the same device gets every frame, and the hostile session's
# counters keep their invariants.
. "$(dirname "$0")/lib.sh"

require_cmd kcap ip python3 tcpdump
require_kcap_loaded

setup_tmpdir

ktap_print_header
ktap_plan 5

setup_veth_ns ns
dmesg_mark
json() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

in_ns kcap add hostile dev va nopromisc ring-size 64K >/dev/null
defer in_ns kcap del hostile
id=$(in_ns kcap show hostile --json | json 'd["id"]')
capture_bg -n "$ns" "$tmp/honest.err" capture -i va -Q in -p -B 1024 -w "$tmp/honest.pcap" udp
honest=$!

in_ns "$KCAP_SELFTESTS/traffic.py" udp-flood --iface vb --count 12000 --pps 1500 \
	--size 200 >"$tmp/flood.out" &
flood=$!
defer kill_bg $flood
out=$(in_ns "$KCAP_SELFTESTS/chrfuzz.py" --seed "${KCAP_FUZZ_SEED:-1}" --count 1500 \
	--hostile "$id" --seconds 6 2>&1)
rc=$?
ktap_check "random ioctls and mmaps, then a hostile reader: nothing unexpected (exit $rc: $(tail -n 3 <<<"$out" | tr '\n' ';'))" \
	test "$rc" = 0
wait $flood
sent=$(sed -n 's/^sent \([0-9]*\) frames.*/\1/p' "$tmp/flood.out")
sleep 1
kill -INT $honest
wait $honest
rc=$?
n=$(pcap_frames "$tmp/honest.pcap" udp)
ktap_check "the honest capture of the device got all ${sent:-?} frames (exit $rc, $n frames: $(tail -n 1 "$tmp/honest.err"))" \
	test "$rc" = 0 -a -n "$sent" -a "$n" = "${sent:-x}"
got=$(in_ns kcap show hostile --json |
	json '(lambda t: (t["seen"] >= t["passed"], t["passed"] == t["delivered"] + t["dropped"], t["seen"] >= '"${sent:-0}"'))(d["stats"])')
ktap_check "the hostile session's counters keep their invariants and saw every frame ($got)" \
	test "$got" = "(True, True, True)"
# Once the hostile reader is gone, the session takes another one.
ktap_check "the hostile session binds again once its reader has gone" \
	in_ns "$KCAP_SELFTESTS/chrfuzz.py" --count 0 --hostile "$id" --seconds 0.1
ktap_check "no kernel warning, leak or oops" test -z "$(dmesg_splats_since_mark)"
ktap_finished
