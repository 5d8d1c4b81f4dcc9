#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Settings replaced by SET are freed after an RCU grace period, by a
# callback in kcap.ko's text: unloading the module right after a storm of
# SETs must wait for those callbacks (rcu_barrier() at exit), or one runs
# in freed module memory (issue 10, finding 3; KASAN, or an oops on any
# kernel).  Five rounds of 200 SETs (swap.py, settings and filters), a DEL
# and rmmod at once; the kernel log stays clean and the module loads again.
# A guard, not a reproducer: without the barrier it still passed on 6.1
# (the callbacks ran before the module's memory went), so the window is
# narrower than this test can hit every time.
. "$(dirname "$0")/lib.sh"

require_root
require_cmd kcap insmod rmmod ip tcpdump python3
require_kcap_ko

setup_tmpdir
tcpdump -ddd udp >"$tmp/udp.bpf" 2>/dev/null &&
	tcpdump -ddd 'tcp port 80' >"$tmp/tcp.bpf" 2>/dev/null ||
	ktap_exit_fail_msg "tcpdump cannot compile the filters"

ktap_print_header
ktap_plan 3
was_loaded=0
kcap_loaded && was_loaded=1
dmesg_mark
setup_ns ns
ip -n "$ns" link add st0 type dummy && ip -n "$ns" link set st0 up ||
	ktap_exit_fail_msg "cannot add a dummy device"

rounds=0 bad=
for round in $(seq 5); do
	kcap_loaded || insmod "$ko" || { bad="insmod failed in round $round"; break; }
	ip netns exec "$ns" kcap add storm dev st0 >/dev/null || { bad="add failed in round $round"; break; }
	ip netns exec "$ns" "$KCAP_SELFTESTS/swap.py" --name storm --count 200 \
		"in:64:$tmp/udp.bpf" "inout:1514" "out:96:$tmp/tcp.bpf:tcp port 80" >/dev/null ||
		{ bad="swap.py failed in round $round"; break; }
	ip netns exec "$ns" kcap del storm && rmmod kcap || { bad="del or rmmod failed in round $round"; break; }
	rounds=$round
done
ktap_check "5 rounds of 200 SETs, DEL and rmmod at once${bad:+ ($bad)}" test "$rounds" = 5
if [ $was_loaded = 1 ] && ! kcap_loaded; then
	insmod "$ko"
elif [ $was_loaded = 0 ] && kcap_loaded; then
	rmmod kcap
fi
ktap_check "the module loads again, as it was before" \
	test "$(kcap_loaded && echo 1 || echo 0)" = $was_loaded
splats=$(dmesg_splats_since_mark)
ktap_check "kernel log clean${splats:+: $(head -n 3 <<<"$splats")}" test -z "$splats"
ktap_finished
