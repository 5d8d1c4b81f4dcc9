#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# 1,000 random and mutated messages published to a running kcapd: it never
# dies, answers every message that names its node (a result each), starts
# captures only for valid ones, leaves no session behind, does not grow
# with them, and still exits 0 on SIGTERM.  (The parsers alone are fuzzed
# on the host under ASan and UBSan: tests/harness/kcapd-fuzz.)
. "$(dirname "$0")/lib.sh"

require_cmd kcap kcapd ip redis-server redis-cli
require_kcap_loaded
setup_tmpdir

ktap_print_header
ktap_plan 7

kcapd_dummy kfz
cat >"$tmp/kcapd.json" <<EOF
{
	"general": { "writelocal": true, "localdir": "$tmp/out", "spooldir": "$tmp/spool",
		     "maxcaptures": 2, "maxduration": 1, "maxpackets": 100 },
	"redis": { "listen": true, "host": "127.0.0.1", "port": $REDIS_PORT },
	"interface": [ { "name": "kfz", "alias": [ "z" ] } ]
}
EOF
start_redis
collect_results "$tmp/results"
start_kcapd k "$tmp/kcapd.json"
R=$tmp/results
dmesg_mark

rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$kcapd_pid/status"; }
# quiet: until no result came for 3 s and no capture runs (at most 120 s).
quiet() {
	local i last=-1 now same=0
	for ((i = 0; i < 240; i++)); do
		now=$(wc -l <"$R")
		if [ "$now" = "$last" ] && [ -z "$(kcap show 2>/dev/null)" ]; then
			same=$((same + 1))
			[ $same -ge 6 ] && return 0
		else
			same=0
		fi
		last=$now
		sleep 0.5
	done
	echo "# still busy after 120 s"
	return 1
}

# Warm up with 100, so the allocator has its working set, then 1,000.
seed=${KCAPD_FUZZ_SEED:-$RANDOM}
echo "# seed $seed (KCAPD_FUZZ_SEED=$seed to run these messages again)"
"$KCAPD_TESTS/fuzzpub.py" "$REDIS_PORT" capture k kfz 100 $((seed + 1)) >/dev/null ||
	ktap_exit_fail_msg "fuzzpub.py failed"
quiet
rss0=$(rss)
before=$(wc -l <"$R")
certain=$("$KCAPD_TESTS/fuzzpub.py" "$REDIS_PORT" capture k kfz 1000 "$seed") ||
	ktap_exit_fail_msg "fuzzpub.py failed"
certain=${certain#certain }
quiet
ktap_check "kcapd lives through 1,000 messages" kill -0 "$kcapd_pid"
got=$(($(wc -l <"$R") - before))
ktap_check "a result for each of the $certain messages sure to name it, none for more than 1,000 ($got)" \
	test "$got" -ge "$certain" -a "$got" -le 1000
stats=$(/usr/bin/python3 -c 'import json, sys
rs = [json.loads(l) for l in open(sys.argv[1]).read().splitlines()[int(sys.argv[2]):]]
st = {}
for r in rs:
	st[r["status"]] = st.get(r["status"], 0) + 1
bad = sum(1 for r in rs if r["status"] == "rejected" and r.get("delivered"))
print(st.get("ok", 0) + st.get("failed", 0), st.get("rejected", 0), bad,
      sum(1 for r in rs if r["status"] not in ("ok", "failed", "rejected")))' "$R" "$before")
read -r started rejected bad odd <<<"$stats"
ktap_check "captures ran for valid ones ($started), most were rejected ($rejected)" \
	test "$started" -gt 0 -a "$rejected" -gt 300
ktap_check "no rejected message captured anything, every status known ($bad, $odd)" \
	test "$bad" = 0 -a "$odd" = 0
ktap_check "no session left in the kernel" test -z "$(kcap show)"
rss1=$(rss)
ktap_check "memory: RSS $rss0 kB before, $rss1 kB after (at most 4 MB more)" \
	test $((rss1 - rss0)) -le 4096
kill -TERM "$kcapd_pid"
wait "$kcapd_pid"
rc=$?
ktap_check "SIGTERM: kcapd exits 0 ($rc), kernel log clean" \
	test "$rc" = 0 -a -z "$(dmesg_splats_since_mark)"
ktap_finished
