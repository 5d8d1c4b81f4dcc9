# SPDX-License-Identifier: GPL-2.0
#
# What kcapd's tests share, on top of the selftests' lib.sh: a real
# redis-server of the test's own, kcapd instances, messages published with
# redis-cli and results collected by a subscriber (collect.py), all torn
# down when the test exits.  kcapd's tests run in a VM on the default
# kernel only (make check), not in every kernel's suite: the kernel does
# not matter to the daemon.
. "$(dirname "${BASH_SOURCE[0]}")/../selftests/lib.sh"

KCAPD_TESTS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REDIS_PORT=${REDIS_PORT:-6390}

# kcapd_dummy DEV: a dummy device DEV, up, deleted when the test ends; and
# $tmp/out and $tmp/spool, for the configuration's localdir and spooldir.
kcapd_dummy() {
	ip link add "$1" type dummy || ktap_exit_fail_msg "cannot add a dummy device $1"
	defer ip link del "$1"
	ip link set "$1" up
	mkdir -p "$tmp/out" "$tmp/spool"
}

# kcapd_veth A B: a veth pair A <-> B in the VM's own namespace (as kcapd
# sees an appliance's), up, IPv6 off, deleted when the test ends.
kcapd_veth() {
	local d
	ip link add "$1" type veth peer name "$2" || ktap_exit_fail_msg "cannot add a veth pair $1 <-> $2"
	defer ip link del "$1"
	for d in "$1" "$2"; do
		sysctl -qw "net.ipv6.conf.$d.disable_ipv6=1"
		ip link set "$d" up
	done
}

# start_redis [PORT [ARGS...]]: a redis-server on 127.0.0.1 that keeps
# nothing on disk, with ARGS (--requirepass ...); its PID in redis_pid.
start_redis() {
	local port=${1:-$REDIS_PORT} i
	redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no \
		--daemonize no --logfile "$tmp/redis-$port.log" "${@:2}" &
	redis_pid=$!
	defer kill_bg "$redis_pid"
	for ((i = 0; i < 100; i++)); do
		redis-cli -p "$port" ping 2>/dev/null | grep -q PONG && return 0
		sleep 0.1
	done
	ktap_exit_fail_msg "redis-server on port $port did not start"
}

# collect_results FILE [CHANNEL]: every message of the results channel, a
# line of JSON each, into FILE, from now on.
collect_results() {
	/usr/bin/python3 "$KCAPD_TESTS/collect.py" "$REDIS_PORT" "${2:-capture-results}" "$1" &
	defer kill_bg $!
	wait_for_line "$1.ready" ready 10 >/dev/null
}

# start_kcapd NAME CONFIG [NS [READY]]: kcapd in the foreground as node
# NAME (in namespace NS, "" for none), its log in $tmp/kcapd-NAME.log, its
# PID in kcapd_pid; waits until its log says READY (default: it has
# subscribed), and fails at once if it exits.
start_kcapd() {
	local run=() log=$tmp/kcapd-$1.log ready=${4:-subscribed to}
	[ -n "${3:-}" ] && run=(ip netns exec "$3")
	"${run[@]}" kcapd -f -n "$1" -c "$2" 2>"$log" &
	kcapd_pid=$!
	defer kill_bg "$kcapd_pid"
	wait_ready "$kcapd_pid" "$log" "$ready" 30 && return 0
	ktap_exit_fail_msg "kcapd $1 is not ready (/$ready/): $(tail -n 3 "$log")"
}

# publish JSON: a message on the trigger channel.
publish() {
	redis-cli -p "$REDIS_PORT" PUBLISH capture "$1" >/dev/null
}

# wait_results FILE N [SECS]: until FILE holds N results (default 60 s).
wait_results() {
	local i
	for ((i = 0; i < ${3:-60} * 10; i++)); do
		[ "$(wc -l <"$1" 2>/dev/null)" -ge "$2" ] && return 0
		sleep 0.1
	done
	echo "# $(wc -l <"$1" 2>/dev/null) of $2 results after ${3:-60} s"
	return 1
}

# result FILE N EXPR: python expression EXPR over r, the Nth result (1..);
# a tuple's items separated by spaces.
result() {
	/usr/bin/python3 -c 'import json, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[int(sys.argv[2]) - 1])
v = eval(sys.argv[3])
print(" ".join(map(str, v)) if isinstance(v, tuple) else v)' "$1" "$2" "$3"
}

# results FILE FROM TO EXPR: EXPR over r for the results FROM..TO (1..),
# sorted, on one line.
results() {
	/usr/bin/python3 -c 'import json, sys
rs = [json.loads(l) for l in open(sys.argv[1]).read().splitlines()[int(sys.argv[2]) - 1:int(sys.argv[3])]]
print(" ".join(sorted(str(eval(sys.argv[4], {"r": r})) for r in rs)))' "$@"
}
