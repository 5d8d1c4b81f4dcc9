#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Limits a user cannot take from others.  The root of a user namespace of
# its own (unshare -Urn, which any user may do) fills its namespace's
# max_sessions; another namespace still has all of its own, and together
# the namespaces other than the initial one stop at max_sessions_all,
# while the initial namespace is held only to its own limit.  A session's
# rings are charged to the memory cgroup of the task that made it, and
# given back when it goes.
. "$(dirname "$0")/lib.sh"

require_cmd kcap ip unshare mount awk
require_kcap_loaded

setup_tmpdir

ktap_print_header
ktap_plan 8

setup_ns ns
ip -n "$ns" link add d0 type dummy
dmesg_mark

kcap_param max_sessions 3
kcap_param max_sessions_all 4

# A user namespace of its own, with a network namespace: it asks for four
# sessions on its lo and keeps what it got until told to go.
unshare -U -r -n sh -c '
	for i in 1 2 3 4; do
		kcap add u$i dev lo 2>&1 && echo "added u$i"
	done
	echo ready
	while [ ! -e "$1" ]; do sleep 0.1; done' sh "$tmp/go" >"$tmp/uns.out" 2>&1 &
upid=$!
defer sh -c "touch '$tmp/go'; wait $upid 2>/dev/null; true"
wait_for_line "$tmp/uns.out" '^ready$' 30
ktap_check "a user namespace gets max_sessions (3) sessions, not a 4th" \
	sh -c 'test "$(grep -c "^added" "$1")" = 3 &&
		grep -q "too many sessions in this network namespace (module parameter max_sessions)" "$1"' sh "$tmp/uns.out"
ktap_check "another namespace still adds a session" \
	ip netns exec "$ns" kcap add n1 dev d0
out=$(ip netns exec "$ns" kcap add n2 dev d0 2>&1)
ktap_check_match "past max_sessions_all (4) for the namespaces but the initial one: refused" \
	'too many sessions in all network namespaces together \(module parameter max_sessions_all\)' "$out"
ktap_check "the initial namespace still adds a session" kcap add i1 dev lo
kcap del i1
touch "$tmp/go"
wait $upid
ktap_check "the user namespace gone, its sessions went with it: n2 is added" \
	ip netns exec "$ns" kcap add n2 dev d0
ip netns exec "$ns" kcap del n1
ip netns exec "$ns" kcap del n2

# Memory cgroup accounting: the rings of a session made from a cgroup are
# in its memory.current.
cg=$tmp/cgroup
mkdir "$cg"
mount -t cgroup2 none "$cg" || ktap_exit_fail_msg "cannot mount cgroup2"
defer umount "$cg"
echo +memory >"$cg/cgroup.subtree_control" ||
	ktap_exit_fail_msg "cannot enable the memory controller"
mkdir "$cg/kcap"
defer rmdir "$cg/kcap"
ring=$((4 << 20))
# Rings are per possible CPU: count them ("0-3", "0,2-5").
ncpu=$(awk -F, '{ n = 0; for (i = 1; i <= NF; i++) { k = split($i, r, "-"); n += k == 2 ? r[2] - r[1] + 1 : 1 } print n }' \
	/sys/devices/system/cpu/possible)
in_cg() { sh -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' sh "$cg/kcap" "$@"; }
in_cg kcap show >/dev/null	# what running kcap costs the cgroup, once
before=$(cat "$cg/kcap/memory.current")
in_cg ip netns exec "$ns" kcap add big dev d0 ring-size 4M
after=$(cat "$cg/kcap/memory.current")
# (Both ways, all of it but what the memory cgroup keeps in its per-CPU
# charge caches: up to 64 pages a CPU, charged before or given back after.)
ktap_check "a session's rings are charged to its maker's memory cgroup (+$(((after - before) >> 10)) KiB, rings $((ncpu * ring >> 10)) KiB)" \
	test $((after - before)) -ge $((ncpu * (ring - 64 * 4096)))
ip netns exec "$ns" kcap del big
gone=$(cat "$cg/kcap/memory.current")
ktap_check "and uncharged when it goes (-$(((after - gone) >> 10)) KiB)" \
	test $((after - gone)) -ge $((ncpu * (ring - 64 * 4096)))
ktap_check "kernel log clean" test -z "$(dmesg_splats_since_mark)"
ktap_finished
