#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The kcap generic-netlink family: registered with its version, visible from
# another network namespace, its policy the one kcap.yaml states (dumped
# from the kernel), and found (or missed, with the right hint) by the kcap
# CLI.
. "$(dirname "$0")/lib.sh"

require_root
require_cmd genl ip kcap
require_kcap_ko

ktap_print_header
ktap_plan 8
ktap_check "kcap.ko is loaded" sh -c "grep -q '^kcap ' /proc/modules || insmod '$ko'"

ktap_check_match "family kcap registered with version 1" 'Version: 0x0*1\b' \
	"$(genl ctrl get name kcap 2>&1)"

setup_ns ns
ktap_check "family visible from another network namespace" \
	ip netns exec "$ns" genl ctrl get name kcap
out=$("$KCAP_SELFTESTS/../tools/check-yaml-spec" --kernel 2>&1)
ktap_check "kcap.yaml's types and checks are the policy the kernel dumps ($(tr '\n' ';' <<<"$out"))" \
	grep -q '^ok: ' <<<"$out"

want=$(modinfo -F version "$ko")
ktap_check_match "kcap version reports module $want and family version 1" \
	"^module $want, genl family kcap version 1 " "$(kcap version 2>&1)"

rmmod kcap
err=$(kcap version 2>&1 >/dev/null)
rc=$?
ktap_check "kcap version without the module exits 1" test $rc = 1
ktap_check_match "and says how to load it" \
	"^kcap: the kcap kernel module is not loaded: run 'modprobe kcap' as root$" "$err"
ktap_check "kcap.ko loads again" insmod "$ko"
ktap_finished
