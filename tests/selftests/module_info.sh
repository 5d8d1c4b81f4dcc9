#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kcap.ko describes itself: license, description, version, a description
# for every parameter, the genl family alias; /dev/kcap is root's and open
# to all (0666, like /dev/net/tun): binding a session's rings checks the
# opener's CAP_NET_RAW, as a packet socket does (datapath_security.sh).
. "$(dirname "$0")/lib.sh"

require_root
require_cmd modinfo stat
require_kcap_ko

ktap_print_header
ktap_plan 6

want=$(sed -n 's/^#define KCAP_VERSION "\(.*\)"$/\1/p' "$KCAP_TOP/kmod/version.h")
ktap_check "license is GPL" test "$(modinfo -F license "$ko")" = GPL
ktap_check "has a description" test -n "$(modinfo -F description "$ko")"
ktap_check "version is $want (kmod/version.h)" test "$(modinfo -F version "$ko")" = "$want"

# Every parameter (parmtype) has a description (parm "name:text").
undocumented=
for p in $(modinfo -F parmtype "$ko" | cut -d: -f1); do
	modinfo -F parm "$ko" | grep -Eq "^$p:[^ ]" || undocumented+=" $p"
done
ktap_print_msg "parameters: $(modinfo -F parmtype "$ko" | cut -d: -f1 | tr '\n' ' ')"
[ -z "$undocumented" ] && ktap_pass "every parameter has a description" ||
	ktap_fail "every parameter has a description (missing:$undocumented)"

ktap_check_match "alias for genl family autoload" '^net-pf-16-proto-16-family-kcap$' \
	"$(modinfo -F alias "$ko")"

kcap_loaded || insmod "$ko"
mode=$(stat -c '%F %a %U %G' /dev/kcap 2>&1)
ktap_print_msg "/dev/kcap: $mode"
ktap_check "/dev/kcap is root's character device, open to all (the check is at bind)" \
	test "$mode" = "character special file 666 root root"
ktap_finished
