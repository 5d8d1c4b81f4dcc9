#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# poll() on /dev/kcap, batched and not (pollbatch.py, which knows the uapi
# header, not libkcap).  A reader that binds without KCAP_BIND_F_BATCH is
# told of a frame as soon as it is there, as before the flag.  A reader
# that binds with it is told of records once a ring is a quarter full, or
# once they have waited for the wake timer, within KCAP_WAKEUP_MAX_MS, and
# poll() keeps telling it of them until it has read them (a level, which
# any number of poll()s and epoll files see alike): so a reader that keeps
# up with the kernel on a CPU of its own takes them in batches, as
# TPACKET_V3's reader takes retired blocks.  A deleted session's last
# records are reported before its hangup, and a flag the ABI does not
# define is refused.
. "$(dirname "$0")/lib.sh"

require_cmd ip python3
require_kcap_loaded

cases=(plain below level mark hup flags)

ktap_print_header
ktap_plan $((${#cases[@]} + 1))

setup_veth_ns ns
dmesg_mark

for c in "${cases[@]}"; do
	out=$(in_ns "$KCAP_SELFTESTS/pollbatch.py" --ifname va --peer vb "$c" 2>&1)
	rc=$?
	if [ "$rc" = 4 ]; then
		ktap_skip "$c: $out"
		continue
	fi
	ktap_check "$c: $out" test "$rc" = 0
done
ktap_check "kernel log clean" test -z "$(dmesg_splats_since_mark)"
ktap_finished
