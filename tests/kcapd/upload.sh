#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kcapd's deliveries end to end: a triggered capture goes to S3 (a real
# S3-compatible server, s3rver, read back with Debian's awscli) and to a
# Cloudshark-style endpoint (tests/tools/upload-receiver) at once, with the
# message's tags, customer and alert id as metadata; a bucket the
# configuration does not allow is refused; a delivery that fails (a bucket
# the server lacks, the server gone) leaves the file, whole, in the spool
# directory, and the result says where.  (The SigV4 signature itself is
# checked against botocore by tests/harness/kcapd-upload.)
. "$(dirname "$0")/lib.sh"

require_cmd kcap kcapd ip redis-server node capinfos tcpdump tshark
require_kcap_loaded
npm_prefix=$KCAP_CACHE/npm
[ -d "$npm_prefix/node_modules/s3rver" ] ||
	ktap_exit_fail_msg "no s3rver in $npm_prefix: tests/harness/kcapd-upload installs it"
setup_tmpdir

ktap_print_header
ktap_plan 8

kcapd_veth kua kub

wait_port() {
	local i
	for ((i = 0; i < 100; i++)); do
		[ -s "$1" ] && head -n 1 "$1" && return 0
		sleep 0.1
	done
	return 1
}
aws() {
	AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null \
		AWS_ACCESS_KEY_ID=S3RVER AWS_SECRET_ACCESS_KEY=S3RVER \
		AWS_DEFAULT_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true AWS_PAGER= \
		/usr/bin/aws --endpoint-url "http://127.0.0.1:$s3port" "$@"
}
mkdir -p "$tmp/s3rver" "$tmp/cs" "$tmp/spool"
NODE_PATH=$npm_prefix/node_modules node "$KCAP_TOP/tests/tools/s3rver-serve" "$tmp/s3rver" kcap \
	>"$tmp/s3rver.port" 2>"$tmp/s3rver.log" &
s3pid=$!
defer kill_bg $s3pid
s3port=$(wait_port "$tmp/s3rver.port") || ktap_exit_fail_msg "s3rver did not start: $(cat "$tmp/s3rver.log")"
"$KCAP_TOP/tests/tools/upload-receiver" serve cloudshark "$tmp/cs" >"$tmp/cs.port" 2>"$tmp/cs.log" &
defer kill_bg $!
csport=$(wait_port "$tmp/cs.port") || ktap_exit_fail_msg "upload-receiver did not start"

cat >"$tmp/kcapd.json" <<EOF
{
	"general": { "spooldir": "$tmp/spool", "retries": 1, "retrydelay": 1 },
	"redis": { "listen": true, "host": "127.0.0.1", "port": $REDIS_PORT },
	"s3": { "upload": true, "scheme": "http", "endpoint": "127.0.0.1:$s3port",
		"bucket": "kcap", "folder": "pcaps", "region": "us-east-1",
		"accessid": "S3RVER", "accesskey": "S3RVER",
		"allowbuckets": [ "kcap", "other" ] },
	"cloudshark": { "upload": true, "scheme": "http", "host": "127.0.0.1",
			"port": $csport, "token": "t0k3n" }
}
EOF
start_redis
collect_results "$tmp/results"
start_kcapd n1 "$tmp/kcapd.json"
R=$tmp/results
dmesg_mark

tcpdump -i kua -nn -U -c 6 -w "$tmp/td.pcap" udp 2>"$tmp/td.err" &
tdp=$!
defer kill_bg $tdp
wait_for_line "$tmp/td.err" 'listening on' 30
publish '{"node": "n1", "interface": ["kua"], "bpf": "udp", "packets": 6, "alertid": 7, "tags": "x,y", "customer": "acme"}'
wait_for_line "$tmp/kcapd-n1.log" 'capture 1 on kua: started' 30
"$KCAP_SELFTESTS/traffic.py" udp-flood --iface kub --count 6 --size 200 --pps 20 >/dev/null
wait_results "$R" 1 60
finish $tdp 10
ktap_check_match "one capture, delivered to S3 and to the Cloudshark endpoint" \
	"^ok \\['s3', 'http'\\]$" "$(result "$R" 1 'r["status"], [d["to"] for d in r["delivered"]]')"
key=$(result "$R" 1 'r["files"][0]')
aws s3 cp "s3://kcap/pcaps/$key" "$tmp/s3.pcapng" >/dev/null 2>"$tmp/aws.err"
tshark -r "$tmp/s3.pcapng" -F pcap -w "$tmp/s3.pcap" 2>/dev/null
ktap_check "the S3 object, read back by awscli, holds tcpdump's frames byte for byte" \
	"$KCAP_SELFTESTS/traffic.py" compare "$tmp/s3.pcap" "$tmp/td.pcap"
ktap_check_match "its metadata: node, alert id, customer, tags, interfaces" \
	"acme.*7.*kua.*n1.*x,y" "$(aws s3api head-object --bucket kcap --key "pcaps/$key" \
	--query 'Metadata.[customer, alertid, interfaces, node, tags]' --output text 2>&1 | tr '\t' ' ')"
req=$(ls "$tmp"/cs/req-*.json | head -n 1)
ktap_check "the Cloudshark endpoint got the same file, and the tags" \
	sh -c "test \"\$('$KCAP_TOP/tests/tools/upload-receiver' get '$req' form-file:file | cut -d' ' -f2)\" = \
		\"\$(sha256sum '$tmp/s3.pcapng' | cut -d' ' -f1)\" &&
		test \"\$('$KCAP_TOP/tests/tools/upload-receiver' get '$req' form:additional_tags)\" = x,y"

publish '{"node": "n1", "interface": ["kua"], "duration": 1, "bucket": "evil"}'
wait_results "$R" 2 30
ktap_check_match "a bucket not in s3.allowbuckets: rejected" \
	"rejected .*evil" "$(result "$R" 2 'r["status"], r["error"]')"

publish '{"node": "n1", "interface": ["kua"], "duration": 1, "bucket": "other", "alertid": 9}'
wait_results "$R" 3 60
spooled=$(result "$R" 3 'r.get("spooled")')
ktap_check "a bucket the server lacks: S3 failed, the file kept whole in the spool ($spooled)" \
	sh -c "test \"$(result "$R" 3 'r["status"]')\" = failed && capinfos '$spooled' >/dev/null &&
		case '$spooled' in $tmp/spool/n1_9_*) ;; *) exit 1 ;; esac"
kill "$s3pid"
publish '{"node": "n1", "interface": ["kua"], "duration": 1, "alertid": 10}'
wait_results "$R" 4 60
ktap_check_match "S3 gone: the error in the result, the file in the spool" \
	"failed .*s3.*Could.*connect.* $tmp/spool/n1_10_" \
	"$(result "$R" 4 'r["status"], r["errors"], r.get("spooled")')"
ktap_check "no session left, kernel log clean" \
	sh -c "test -z \"\$(kcap show)\" && test -z \"$(dmesg_splats_since_mark)\""
ktap_finished
