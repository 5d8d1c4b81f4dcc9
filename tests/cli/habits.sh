#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A tcpdump user's habits.  kcap capture's print flags: with -v, -x,
# -e, -t, -q (and -n, -l, -U taken as no-ops) frames are printed by tcpdump
# itself, with kcap's device and direction columns; --print prints while
# writing; without tcpdump, one line and exit 1 before "listening on";
# -r reads kcap's pcapng back with the directions.
# The status line never lands on frames piped to the terminal, nor with
# TERM=dumb.  A dump of a session that captures nothing says so.  What
# printing through tcpdump costs is measured and shown.
. "$(dirname "$0")/lib.sh"

require_cmd kcap ip python3 tcpdump
require_kcap_loaded

setup_tmpdir

ktap_print_header
ktap_plan 20

setup_veth_ns ns
dmesg_mark

# tcpdump's lines without the device and direction columns kcap's have.
strip_cols() {
	sed -E 's/^([0-9:.]+ )?va +(In|Out|P|B|M) +/\1/' "$@"
}

# -n -l -U -v -x with --print while writing: the lines are tcpdump's own,
# for the same frames read back from the file, plus "va  In/Out".
capture_bg -n "$ns" "$tmp/vx.err" capture -i va -c 4 -a duration:60 -nn -l -U -v -x --print -w "$tmp/vx.pcap" >"$tmp/vx.out"
p=$!
udp_flood --iface vb --count 2 --size 120	# in on va
udp_flood --iface va --count 2 --size 120	# out of va
finish $p 60; rc=$?
tcpdump -nn -v -x -r "$tmp/vx.pcap" >"$tmp/vx.want" 2>/dev/null
ktap_check "-v -x --print -w: exit 0, 4 frames in the file (exit $rc, $(pcap_frames "$tmp/vx.pcap") frames)" \
	test $rc = 0 -a "$(pcap_frames "$tmp/vx.pcap")" = 4
# The frames sent in are for another host: tcpdump's "P" (PACKET_OTHERHOST).
ktap_check_match "each frame's line names va and its direction as tcpdump -i any does: P, P, Out, Out" \
	'^P P Out Out $' "$(grep -oE '^[0-9:.]+ va +(In|Out|P|B|M) ' "$tmp/vx.out" | awk '{printf "%s ", $3}')"
ktap_check "the rest is what tcpdump -v -x prints of the same frames ($(wc -l <"$tmp/vx.want") lines)" \
	diff <(strip_cols "$tmp/vx.out") "$tmp/vx.want"
ktap_check "tcpdump's 'reading from file' and interface warning are not passed on" \
	sh -c "! grep -qE 'reading from|interface names' '$tmp/vx.err'"

# -r of a pcapng file kcap wrote: directions back, and through tcpdump
# (-v) the device named, its lines tcpdump's own for the rest.
capture_bg -n "$ns" "$tmp/ng.err" capture -i va -c 4 -a duration:60 -F pcapng -w "$tmp/ng.pcapng"
p=$!
udp_flood --iface vb --count 2 --size 120
udp_flood --iface va --count 2 --size 120
finish $p 60
ktap_check_match "capture -r FILE.pcapng: the 4 frames with their directions; -Q out: the 2 sent" \
	'^In In Out Out / 2$' "$(in_ns kcap capture -r "$tmp/ng.pcapng" | awk '{printf "%s ", $2}')/ $(in_ns kcap capture -r "$tmp/ng.pcapng" -Q out | grep -c ' Out IP .*UDP, length 78$')"
in_ns kcap capture -r "$tmp/ng.pcapng" -v >"$tmp/ng.out" 2>"$tmp/ng.rerr"
rc=$?
ng_dirs=$(grep -oE '^[0-9:.]+ va +(In|Out) ' "$tmp/ng.out" | awk '{printf "%s ", $3}')
ktap_check "capture -r FILE.pcapng -v: exit 0, 'va In' twice, 'va Out' twice (exit $rc: $ng_dirs)" \
	test $rc = 0 -a "$ng_dirs" = "In In Out Out "
ktap_check "... and the rest is tcpdump -v's lines for the file" \
	diff <(strip_cols "$tmp/ng.out") <(tcpdump -nn -v -r "$tmp/ng.pcapng" 2>/dev/null)

# -e -t -q without -w, in the terminal's place: the link-level header as
# tcpdump -i any shows it, no timestamp, quick output.
capture_bg -n "$ns" "$tmp/e.err" capture -i va -Q out -c 1 -a duration:60 -e -t -q >"$tmp/e.out"
p=$!
udp_flood --iface va --count 1 --size 100
finish $p 60; rc=$?
mac=$(in_ns cat /sys/class/net/va/address)
ifindex=$(in_ns cat /sys/class/net/va/ifindex)
ktap_check_match "-e -t -q: 'va Out ifindex N MAC ... UDP, length 58', exit 0" \
	"^0 va +Out ifindex $ifindex $mac .*UDP, length 58$" "$rc $(cat "$tmp/e.out")"

# Without tcpdump on PATH: one line, exit 1, before "listening on".
in_ns env PATH=/nonexistent "$(command -v kcap)" capture -i va -c 1 -v >/dev/null 2>"$tmp/nt.err"
rc=$?
ktap_check_match "no tcpdump: exit 1 and one line saying to install it" \
	"^1 kcap: printing with -e, -v, -x, -X, -A, -q or -t needs tcpdump\(8\): install it \(apt install tcpdump\)$" \
	"$rc $(cat "$tmp/nt.err")"

# A reader that goes away (head) ends the capture without an error.
{ in_ns kcap capture -i va -Q in -q -a duration:60 2>"$tmp/head.err"; echo $? >"$tmp/head.rc"; } |
	head -n 1 >"$tmp/head.out" &
ph=$!
defer kill_bg "$ph"
wait_for_line "$tmp/head.err" '^kcap: listening on' 30
udp_flood --iface vb --count 20 --size 100 --pps 20
wait_for_line "$tmp/head.rc" . 30
ktap_check_match "-q | head -n 1: one line, then the capture ends with exit 0 before its -a duration:60" \
	'^0 1$' "$(cat "$tmp/head.rc") $(wc -l <"$tmp/head.out")"

# kcap dump of a session with direction off says so, and still listens;
# no filter is null in show's JSON, as in 'show NAME filter --json'.
in_ns kcap add offs dev va direction off
capture_bg -n "$ns" "$tmp/off.err" dump offs -a duration:2
finish $! 20; rc=$?
ktap_check_match "dump of a session with direction off says it captures nothing, and ends at -a duration:2 with exit 0" \
	"^0 kcap: session 'offs' has direction off and captures nothing until 'kcap set offs direction inout' \(or in, out\)$" \
	"$rc $(grep 'direction off' "$tmp/off.err")"
ktap_check_match "no filter: null in show --json and in show NAME filter --json, 'all' in text" \
	'^None null all$' "$(in_ns kcap show offs --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["filter_text"])') $(in_ns kcap show offs filter --json) $(in_ns kcap show offs filter)"
in_ns kcap del offs

# -z CMD: CMD FILE for each file once it is complete, the last one too,
# before kcap exits; a failing CMD is one line.
cat >"$tmp/post.sh" <<EOF
#!/bin/sh
tcpdump -r "\$1" -w /dev/null 2>/dev/null && echo "ok \$1" >>"$tmp/post.log" || echo "bad \$1" >>"$tmp/post.log"
EOF
chmod +x "$tmp/post.sh"
mkdir "$tmp/rot"
capture_bg -n "$ns" "$tmp/z.err" capture -i va -Q in -c 30 -a duration:60 -G 1 -w "$tmp/rot/r-%s.pcap" -z "$tmp/post.sh"
p=$!
udp_flood --iface vb --count 30 --size 100 --pps 10
finish $p 60; rc=$?
nf=$(ls "$tmp/rot" | wc -l)
ktap_check_match "-G 1 -z CMD: exit 0, CMD ran once on each of the $nf files, each complete then" \
	"^0 $nf $nf$" "$rc $(grep -c '^ok ' "$tmp/post.log") $(ls "$tmp"/rot/*.pcap | while read -r f; do grep -c "^ok $f\$" "$tmp/post.log"; done | grep -c '^1$')"
capture_bg -n "$ns" "$tmp/zf.err" capture -i va -Q in -c 2 -a duration:60 -G 1 -w "$tmp/rot/f-%s.pcap" -z /bin/false
p=$!
udp_flood --iface vb --count 2 --size 100
finish $p 60; rc=$?
ktap_check_match "-z /bin/false: exit 0, and one line saying how it ended" \
	'^0 kcap: -z /bin/false: exited with status 1$' "$rc $(grep -- '-z' "$tmp/zf.err")"

# -Z nobody: the capture runs as nobody once its session is open, every
# file (rotation's too) created by nobody, counters still read; a
# directory nobody cannot write fails before "listening on".
chmod 755 "$tmp"
mkdir "$tmp/zown" "$tmp/zroot"
chown nobody "$tmp/zown"
capture_bg -n "$ns" "$tmp/Z.err" capture -i va -Q in -c 20 -a duration:60 -G 1 -w "$tmp/zown/z-%s.pcap" -Z nobody
p=$!
zuid=$(awk '/^Uid:/ {print $2 "/" $3}' "/proc/$p/status")
udp_flood --iface vb --count 20 --size 100 --pps 10
finish $p 60; rc=$?
zfiles=$(ls "$tmp/zown" | wc -l)
zframes=$(for f in "$tmp"/zown/*.pcap; do pcap_frames "$f"; done | awk '{n += $1} END {print n}')
ktap_check_match "-Z nobody -G 1: runs as nobody, exit 0, 20 frames in $zfiles files all owned by nobody, 20 received by filter" \
	"^65534/65534 0 20 $zfiles 20$" \
	"$zuid $rc $zframes $(stat -c %U "$tmp"/zown/* | grep -c '^nobody$') $(sed -n 's/^\([0-9]*\) packets received by filter$/\1/p' "$tmp/Z.err")"
in_ns kcap capture -i va -c 1 -Z nobody -w "$tmp/zroot/x.pcap" 2>"$tmp/Zr.err"
rc=$?
ktap_check_match "-Z nobody into a directory nobody cannot write: exit 1, one line before listening" \
	"^1 kcap: cannot write '$tmp/zroot/x.pcap': Permission denied \(-Z nobody: that user creates the files\)$" \
	"$rc $(cat "$tmp/Zr.err")"

# The status line: never with frames on stdout (to a pipe the terminal
# shows), never with TERM=dumb; with -w FILE on a terminal, it is there.
if command -v script >/dev/null; then
	TERM=xterm in_ns script -qfec "kcap capture -i va -Q in -a duration:4 | cat >/dev/null" "$tmp/t-pipe.txt" >/dev/null &
	p1=$!
	TERM=dumb in_ns script -qfec "kcap capture -i va -Q in -a duration:4 -w $tmp/t-dumb.pcap" "$tmp/t-dumb.txt" >/dev/null &
	p2=$!
	TERM=xterm in_ns script -qfec "kcap capture -i va -Q in -a duration:4 -w $tmp/t-file.pcap" "$tmp/t-file.txt" >/dev/null &
	p3=$!
	defer kill_bg "$p1" "$p2" "$p3"
	sleep 1.5
	udp_flood --iface vb --count 20 --size 100 --pps 10
	finish $p1 30; finish $p2 30; finish $p3 30
	ktap_check "frames to a pipe: no status line, no escape code on the terminal" \
		sh -c "! grep -qE \"\$(printf '\\033')|pkt/s\" '$tmp/t-pipe.txt'"
	ktap_check "TERM=dumb: no status line" \
		sh -c "! grep -q \$(printf '\\033') '$tmp/t-dumb.txt'"
	ktap_check_match "-w FILE on a terminal: the status line" \
		'[0-9]+ packets, [0-9]+ bytes, [0-9]+ pkt/s, [0-9]+ dropped by kernel' "$(tr '\r\033' '\n[' <"$tmp/t-file.txt")"
else
	ktap_skip "status line: frames to a pipe" "no script(1)"
	ktap_skip "status line: TERM=dumb" "no script(1)"
	ktap_skip "status line: -w FILE" "no script(1)"
fi

# What printing through tcpdump costs: 3000 frames printed by kcap's own
# lines, then by tcpdump -q; CPU seconds (user, system) of kcap, tcpdump
# and the traffic generator together (shown, not asserted).
TIMEFORMAT="%U %S"
for mode in default q; do
	flags=()
	[ $mode = q ] && flags=(-q)
	{ time {
		in_ns kcap capture -i va -Q in -c 3000 -a duration:120 ${flags[@]+"${flags[@]}"} >/dev/null 2>"$tmp/cost-$mode.err" &
		pc=$!
		wait_ready $pc "$tmp/cost-$mode.err" '^kcap: listening on' 30
		udp_flood --iface vb --count 3000 --size 100
		finish $pc 120 >/dev/null
	} ; } 2>"$tmp/cost-$mode.time"
done
ktap_print_msg "3000 frames printed, CPU s (user sys) with the traffic: kcap's lines $(cat "$tmp/cost-default.time"), tcpdump -q $(cat "$tmp/cost-q.time"); $(grep -h 'packets captured' "$tmp"/cost-*.err | tr '\n' ' ')"

ktap_check "kernel log clean" test -z "$(dmesg_splats_since_mark)"
ktap_finished
