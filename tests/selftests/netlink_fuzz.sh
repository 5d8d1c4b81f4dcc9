#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bad input.  nlfuzz.py sends 3000 random and mutated messages to the kcap
# family from a namespace of its own (wrong types and lengths, bad nesting,
# malformed headers, huge and invalid filters, mutations of a valid
# request): every one is answered, every message built to be invalid is
# rejected and every valid one accepted (--strict); no session is left;
# the kernel log stays clean.
. "$(dirname "$0")/lib.sh"

require_cmd kcap ip python3
require_kcap_loaded

ktap_print_header
ktap_plan 3

setup_ns ns
ip -n "$ns" link add fz0 type dummy
ip -n "$ns" link set fz0 up
dmesg_mark

out=$(ip netns exec "$ns" "$KCAP_SELFTESTS/nlfuzz.py" --count 3000 --seed 1 \
	--ifname fz0 --strict 2>&1)
rc=$?
ktap_print_msg "$(tail -n 5 <<<"$out")"
ktap_check "3000 messages all answered as they should be (exit $rc)" test "$rc" = 0
ktap_check "no session left" test -z "$(ip netns exec "$ns" kcap show)"
ktap_check "kernel log clean" test -z "$(dmesg_splats_since_mark)"
ktap_finished
