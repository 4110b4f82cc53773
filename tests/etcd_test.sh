#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# sgnl --etcd against a real etcd (Debian's etcd-server, started here on a
# loopback port; no kernel is needed): a VPC's definition is written,
# changed and read back as `sgnl apply` reads files; bad changes and bad
# data change nothing, byte for byte; concurrent editors lose no change
# (the compare-and-swap); VPCs do not see each other.
top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
sgnl=${SGNL:-$top/tools/sgnl/sgnl}
n=0 failed=0
echo "TAP version 13"
command -v etcd >/dev/null || { echo "1..0 # SKIP no etcd"; exit 4; }
work=$(mktemp -d)
port=$((20000 + RANDOM % 20000))
URL=http://127.0.0.1:$port
etcd --name t --data-dir "$work/data" --listen-client-urls "$URL" --advertise-client-urls "$URL" \
	--listen-peer-urls "http://127.0.0.1:$((port + 1))" \
	--initial-advertise-peer-urls "http://127.0.0.1:$((port + 1))" \
	--initial-cluster "t=http://127.0.0.1:$((port + 1))" >"$work/etcd.log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 100); do
	etcdctl --endpoints "$URL" endpoint health >/dev/null 2>&1 && break
	sleep 0.1
done

check() {	# check DESCRIPTION COMMAND...
	local d=$1; shift
	n=$((n + 1))
	if "$@"; then echo "ok $n - $d"; else failed=$((failed + 1)); echo "not ok $n - $d"; fi
}
e() { "$sgnl" --etcd "$URL" --vpc t "$@"; }
raw() { etcdctl --endpoints "$URL" get /secgroup/t/config -w json; }
stored() { etcdctl --endpoints "$URL" get --print-value-only /secgroup/t/config; }

# the article's three tiers, without the attachments (they are each host's)
python3 -c 'import json,sys; c = json.load(open(sys.argv[1])); c.pop("attachments", None)
json.dump(c, open(sys.argv[2], "w"), indent=1)' "$top/examples/three-tier.json" "$work/vpc.json"

check "an empty VPC reads as the default group alone" \
	sh -c "$sgnl --etcd $URL --vpc t save | grep -q 'default security group'"
check "apply writes a file" e apply "$work/vpc.json"
check "save gives it back as apply check reads it" \
	cmp <(e save) <("$sgnl" apply "$work/vpc.json" check)
check "what is stored is that text" [ "$(stored)" = "$(e save)" ]
check "group add" e group add extra description "an extra group"
check "rule add" e rule add extra ingress tcp port 9000 from group web
check "member add (a static member)" e member add extra 192.0.2.9
e rule set extra sgr-00000001 description x 2>"$work/err"
rc=$?
check "rule set: refused, rules have no ids in a definition (exit 2)" \
	sh -c "[ $rc = 2 ] && grep -q 'no ids' $work/err"
check "... the three are in the definition" sh -c "$sgnl --etcd $URL --vpc t save | \
	grep -q '192.0.2.9' && $sgnl --etcd $URL --vpc t save | grep -q 'port 9000 from group web'"

# refused changes leave the key as it was: same value, same revision
before=$(raw | python3 -c 'import json,sys; k=json.load(sys.stdin)["kvs"][0]; print(k["mod_revision"], k["value"])')
unchanged() { [ "$(raw | python3 -c 'import json,sys; k=json.load(sys.stdin)["kvs"][0]; print(k["mod_revision"], k["value"])')" = "$before" ]; }
e rule add extra ingress tcp port 9000 from group web 2>"$work/err"
check "a duplicate rule: refused" grep -q "has the rule" "$work/err"
check "... nothing written" unchanged
e group del web 2>"$work/err"
check "deleting a referenced group: refused" grep -q "in use" "$work/err"
check "... nothing written" unchanged
e rule add nope ingress tcp port 1 from 0.0.0.0/0 2>/dev/null
rc=$?
check "a rule of no group: exit 1" [ "$rc" = 1 ]
check "... nothing written" unchanged
printf '{"version": 1, "attachments": []}\n' >"$work/att.json"
e apply "$work/att.json" 2>"$work/err"
check "a file with attachments: refused (they are each host's)" grep -q "each host's" "$work/err"
check "... nothing written" unchanged
printf '{"version": 1, "groups": [], "groups": []}\n' >"$work/dup.json"
e apply "$work/dup.json" 2>/dev/null
check "a file with a duplicate key: refused, nothing written" unchanged

# bad data in etcd: read as a bad file, and not edited
etcdctl --endpoints "$URL" put /secgroup/t/config '{"version": 1, "groups": [' >/dev/null
e save >/dev/null 2>"$work/err"
check "malformed JSON in etcd: save says where" grep -q "/secgroup/t/config" "$work/err"
e group add more 2>/dev/null
check "... and no change is made on top of it" \
	sh -c "[ \"\$(etcdctl --endpoints $URL get --print-value-only /secgroup/t/config)\" = '{\"version\": 1, \"groups\": [' ]"
check "a good file replaces it" e apply "$work/vpc.json"

# two editors at once: every change lands (compare-and-swap, retried)
pids=()
for i in $(seq 10); do
	e rule add web ingress tcp port $((1000 + i)) from 10.0.0.0/8 & pids+=($!)
	e rule add app ingress tcp port $((2000 + i)) from 10.0.0.0/8 & pids+=($!)
done
wait "${pids[@]}"
got=$(e save | grep -c 'port [12]0[01][0-9] from 10.0.0.0/8')
check "20 concurrent rule adds: all 20 in the definition ($got)" [ "$got" = 20 ]

# VPCs are apart
check "another VPC starts empty" \
	sh -c "! $sgnl --etcd $URL --vpc other save | grep -q '\"web\"'"

echo "1..$n"
echo "$((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
