#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Load and unload kcap.ko 50 times: each load registers the generic-netlink
# family and /dev/kcap, each unload removes both, and the kernel log stays
# free of splats throughout.
. "$(dirname "$0")/lib.sh"

require_root
require_cmd insmod rmmod genl
require_kcap_ko

family_listed() {
	genl ctrl list 2>/dev/null | grep -q '^Name: kcap$'
}

ktap_print_header
ktap_plan 5
was_loaded=0
kcap_loaded && was_loaded=1
dmesg_mark

cycles=0 bad_load=0 bad_unload=0 bad_family=0 bad_dev=0
if [ $was_loaded = 1 ] && ! rmmod kcap; then
	ktap_print_msg "kcap is loaded and in use: cannot cycle it"
	bad_unload=1
fi
for i in $(seq 50); do
	[ $bad_unload = 0 ] || break
	if ! insmod "$ko"; then
		bad_load=$((bad_load + 1))
		break
	fi
	family_listed || bad_family=$((bad_family + 1))
	[ -c /dev/kcap ] || bad_dev=$((bad_dev + 1))
	if ! rmmod kcap; then
		bad_unload=$((bad_unload + 1))
		break
	fi
	family_listed && bad_family=$((bad_family + 1))
	[ -e /dev/kcap ] && bad_dev=$((bad_dev + 1))
	cycles=$i
done
[ $was_loaded = 1 ] && ! kcap_loaded && insmod "$ko"

ktap_print_msg "$cycles load/unload cycles completed"
[ $cycles = 50 ] && [ $bad_load = 0 ] && ktap_pass "50 load/unload cycles" ||
	ktap_fail "50 load/unload cycles (load failures: $bad_load, unload failures: $bad_unload)"
[ $bad_family = 0 ] && [ $cycles -gt 0 ] && ktap_pass "genl family kcap registered while loaded, gone after unload" ||
	ktap_fail "genl family kcap registered while loaded, gone after unload ($bad_family wrong)"
[ $bad_dev = 0 ] && [ $cycles -gt 0 ] && ktap_pass "/dev/kcap present while loaded, gone after unload" ||
	ktap_fail "/dev/kcap present while loaded, gone after unload ($bad_dev wrong)"
if [ $was_loaded = 1 ]; then kcap_loaded; else ! kcap_loaded; fi &&
	ktap_pass "module state restored" || ktap_fail "module state restored"
splats=$(dmesg_splats_since_mark)
[ -z "$splats" ] && ktap_pass "kernel log clean" || {
	printf '%s\n' "$splats" | sed 's/^/# /'
	ktap_fail "kernel log clean"
}
ktap_finished
