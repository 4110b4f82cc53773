#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# sgnl save / sgnl apply against the module: the round trip, ids and
# counters kept across a replace, atomicity (a file with one bad rule or
# one missing device changes nothing), dry-run, events, flush, and the
# result on real packets.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/.." && pwd)
sg_setup
tmp=$(mktemp -d)

three_tier_instances

rule_id() {	# rule_id GROUP PORT: the id of the group's rule on that port
	sgnl -j group show "$1" | python3 -c 'import json,sys; print([r["id"] for r in json.load(sys.stdin)[0]["rules"] if r.get("port")==sys.argv[1]][0])' "$2"
}
rule_hits() {
	sgnl -j group show "$1" | python3 -c 'import json,sys; print([r["hits"] for r in json.load(sys.stdin)[0]["rules"] if r.get("port")==sys.argv[1]][0])' "$2"
}

derive() {	# derive FILE PYTHON: examples/three-tier.json as c, changed by PYTHON
	python3 -c 'import json, sys
c = json.load(open(sys.argv[1]))
exec(sys.argv[3])
json.dump(c, open(sys.argv[2], "w"))' "$top/examples/three-tier.json" "$1" "$2"
}
monitor() {	# monitor FILE: sgnl monitor events into FILE until monitor_stop
	sgnl monitor events >"$1" 2>&1 &
	mon=$!
	sleep 0.5
}
monitor_stop() { sleep 0.5; kill $mon 2>/dev/null; wait $mon 2>/dev/null; }

# a fresh netns: save, apply what it saved, nothing changes
sgnl save >"$tmp/s0"
check "save of a fresh netns names the default group" grep -q '"name": "default"' "$tmp/s0"
monitor "$tmp/ev0"
check "save | apply is accepted" sgnl apply "$tmp/s0"
monitor_stop
sgnl save >"$tmp/s1"
check "save | apply is a no-op" cmp -s "$tmp/s0" "$tmp/s1"
check "... that sent no event" test ! -s "$tmp/ev0"

# the three tiers, as a file
monitor "$tmp/ev1"
check "apply examples/three-tier.json" sgnl apply "$top/examples/three-tier.json"
monitor_stop
sgnl save >"$tmp/s2"
check "apply FILE; save prints FILE (it is normalised)" cmp -s "$top/examples/three-tier.json" "$tmp/s2"
check "the apply announced its groups" grep -q '^group add sg-[0-9a-f]* web' "$tmp/ev1"
check "... its rules" grep -q '^rule add .* port 5432' "$tmp/ev1"
check "... and its attachments" grep -q '^attach v-db' "$tmp/ev1"
check "... and nothing about the unchanged default group" sh -c "! grep -q ' default\$' $tmp/ev1"

check "three tiers: internet -> web:80" tcp internet 10.0.1.10 80
check "three tiers: web -> app:8080" tcp web 10.0.2.10 8080
check "three tiers: app -> db:5432" tcp app 10.0.3.10 5432
check "three tiers: web -> db:5432 blocked" no_tcp web 10.0.3.10 5432
check "three tiers: admin -> db:22" tcp admin 10.0.3.10 22
check "three tiers: internet -> app:8080 blocked" no_tcp internet 10.0.2.10 8080

# the same configuration from the batch file: the same state
sgnl save >"$tmp/json-state"
printf '{ "groups": [], "attachments": [] }\n' >"$tmp/empty.json"
check "an empty file resets the netns" sgnl apply "$tmp/empty.json"
sgnl save >"$tmp/reset"
check "... to the fresh state" cmp -s "$tmp/s0" "$tmp/reset"
sgnl -b "$top/examples/three-tier.sgnl" >/dev/null
sgnl attach dev v-web group web group mgmt flowlog addr 10.0.1.10
sgnl attach dev v-app group app group mgmt flowlog addr 10.0.2.10
sgnl attach dev v-db group db group mgmt flowlog addr 10.0.3.10
sgnl save >"$tmp/batch-state"
check "the batch example and the apply example are one configuration" \
	cmp -s "$tmp/json-state" "$tmp/batch-state"

# ids and counters of unchanged rules survive a replace
tcp web 10.0.2.10 8080
id_before=$(rule_id app 8080)
hits_before=$(rule_hits app 8080)
gid_before=$(sgnl -j group show app | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
derive "$tmp/more.json" 'c["groups"][2]["rules"].insert(1, "ingress tcp port 9090 from group web")'
check "apply a file with one more app rule" sgnl apply "$tmp/more.json"
check "the unchanged rule kept its id ($id_before)" test "$(rule_id app 8080)" = "$id_before"
check "... and its hits ($hits_before)" test "$(rule_hits app 8080)" -ge "${hits_before:-1}" -a "${hits_before:-0}" -ge 1
check "the group kept its id" test "$(sgnl -j group show app | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')" = "$gid_before"
check "the new rule is there" sh -c "sgnl group show app | grep -q 'port 9090'"
serve app 9090
wait_listen app 9090
check "... and lets web reach app:9090" tcp web 10.0.2.10 9090

# dry-run: prints the difference, changes nothing
full_state >"$tmp/before"
sgnl apply "$top/examples/three-tier.json" dry-run >"$tmp/dry"
sed 's/^/# /' "$tmp/dry"
check "dry-run shows the rule it would remove" grep -q '^- rule app ingress tcp port 9090 from group web' "$tmp/dry"
check "dry-run counts one change" grep -q '^1 change;' "$tmp/dry"
full_state >"$tmp/after"
check "dry-run changed nothing" cmp -s "$tmp/before" "$tmp/after"

# atomic: one rule the kernel rejects (a duplicate), nothing changes
derive "$tmp/dup.json" 'c["groups"].append({"name": "extra", "rules": ["ingress tcp port 1 from 10.0.0.0/8"]}); c["groups"][2]["description"] = "changed"; c["groups"][3]["rules"].append("ingress tcp port 5432 from group app")'
sgnl apply "$tmp/dup.json" 2>"$tmp/err"
check "a file with a duplicate rule fails (exit 1)" test $? = 1
check "... with the kernel's reason" grep -q 'Duplicate' "$tmp/err"
full_state >"$tmp/after"
check "... and changed nothing" cmp -s "$tmp/before" "$tmp/after"

# atomic: over the rule quota
derive "$tmp/quota.json" 'c["groups"][1]["rules"] += ["ingress tcp port %d from 10.0.0.0/8" % p for p in range(1000, 1060)]'
sgnl apply "$tmp/quota.json" 2>"$tmp/err"
check "61 ingress rules in a group: exit 1" test $? = 1
check "... quota named" grep -q 'quota' "$tmp/err"
full_state >"$tmp/after"
check "... and nothing changed" cmp -s "$tmp/before" "$tmp/after"

# atomic: a missing device; a group dropped that an unlisted instance uses
sed 's/"v-db"/"v-nope"/' "$top/examples/three-tier.json" >"$tmp/nodev.json"
sgnl apply "$tmp/nodev.json" 2>/dev/null
check "a missing device: exit 1" test $? = 1
derive "$tmp/nodb.json" 'c["groups"] = [g for g in c["groups"] if g["name"] != "db"]; del c["attachments"]'
sgnl apply "$tmp/nodb.json" 2>"$tmp/err"
check "dropping a group an instance uses: exit 1" test $? = 1
check "... DependencyViolation" grep -q 'DependencyViolation' "$tmp/err"
full_state >"$tmp/after"
check "... and nothing changed" cmp -s "$tmp/before" "$tmp/after"

# a file without "attachments" leaves them as they are
derive "$tmp/noatt.json" 'del c["attachments"]'
check "a file without attachments applies" sgnl apply "$tmp/noatt.json"
check "... and keeps them" sh -c "sgnl stats | grep -q v-db"
check "... the removed 9090 rule is enforced" no_tcp web 10.0.2.10 9090
sgnl save groups >"$tmp/groups.json"
check "save groups leaves the attachments out" sh -c "! grep -q attachments $tmp/groups.json"
check "... and applying it changes nothing" sh -c "sgnl apply $tmp/groups.json && sgnl save | cmp -s - $top/examples/three-tier.json"

# flush: a connection the new configuration no longer allows is cut
ip netns exec app socat TCP-LISTEN:7001,fork,reuseaddr SYSTEM:'sleep 60' 2>/dev/null &
wait_listen app 7001
derive "$tmp/7001.json" 'c["groups"][2]["rules"].append("ingress tcp port 7001 from group web")'
sgnl apply "$tmp/7001.json"
sleep 60 | ip netns exec web socat - TCP:10.0.2.10:7001,connect-timeout=$T >/dev/null 2>&1 &
sleep 1
established() { conntrack -L -p tcp --dport 7001 2>/dev/null | grep -q ESTABLISHED; }
check "a connection on 7001 is established" established
check "apply without its rule, without flush" sgnl apply "$top/examples/three-tier.json"
check "... leaves it (as on AWS)" established
sgnl apply "$tmp/7001.json"
check "apply without its rule, with flush" sgnl apply "$top/examples/three-tier.json" flush
check "... cuts it" sh -c '! conntrack -L -p tcp --dport 7001 2>/dev/null | grep -q ESTABLISHED'

# bad files: a clear message, exit 2, nothing sent
printf '{ "groups": [ { "name": "x", "rules": [ "ingress tpc port 1 from 0.0.0.0/0" ] } ] }\n' >"$tmp/bad1"
sgnl apply "$tmp/bad1" 2>"$tmp/err"
check "an unknown protocol: exit 2" test $? = 2
check "... names the rule" grep -q 'groups\[0\].rules\[0\].*tpc' "$tmp/err"
printf '{ "groups": [ { "name": "x", "rulez": [] } ] }\n' >"$tmp/bad2"
sgnl apply "$tmp/bad2" 2>"$tmp/err"
check "an unknown key: exit 2" test $? = 2
check "... names the key" grep -q 'unknown key "rulez"' "$tmp/err"
printf '{ "groups": [\n { "name": "x" ]\n}\n' >"$tmp/bad3"
sgnl apply "$tmp/bad3" 2>"$tmp/err"
check "broken JSON: exit 2" test $? = 2
check "... with the line" grep -q 'bad3:2' "$tmp/err"
check "bad files changed nothing" sh -c "sgnl save | cmp -s - $top/examples/three-tier.json"

# a large configuration in one request: 300 groups, 9,000 rules
python3 - "$tmp/big.json" <<'PY'
import json, sys
groups = [{"name": "default", "description": "default security group",
           "rules": ["ingress all from group default", "egress all to 0.0.0.0/0", "egress all to ::/0"]}]
for g in range(300):
    rules = ["ingress tcp port %d from 10.%d.%d.0/24" % (1000 + r, g % 250, r) for r in range(29)]
    rules.append("ingress udp port 53 from group g%d" % ((g + 1) % 300))
    groups.append({"name": "g%d" % g, "description": "", "rules": rules})
json.dump({"version": 1, "groups": groups, "attachments": []}, open(sys.argv[1], "w"))
PY
sgnl apply "$tmp/big.json" check >"$tmp/big.norm"
start=$EPOCHREALTIME
check "apply 300 groups and 9,000 rules" sgnl apply "$tmp/big.json"
echo "# applied in $(awk "BEGIN { print $EPOCHREALTIME - $start }") s"
sgnl save >"$tmp/big.saved"
check "... save prints them back" cmp -s "$tmp/big.norm" "$tmp/big.saved"
id_big=$(sgnl -j group show g7 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["rules"][3]["id"])')
start=$EPOCHREALTIME
check "... applying them again" sgnl apply "$tmp/big.saved"
echo "# re-applied in $(awk "BEGIN { print $EPOCHREALTIME - $start }") s"
check "... keeps the rule ids" test "$(sgnl -j group show g7 | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["rules"][3]["id"])')" = "$id_big"
ids=$(for i in $(seq 0 299); do sgnl -j group show g$i; done | grep -o '"sgr-[0-9a-f]*"' | sort)
check "... and the 9,000 rule ids are unique" test "$(uniq -d <<<"$ids" | wc -l)" = 0 -a "$(wc -l <<<"$ids")" = 9000
check "an empty configuration clears them" sgnl apply "$tmp/empty.json"

# the largest group the quotas allow: 1,000 IPv6 members and 50 tags of
# the longest keys and values, a 40 KiB message
python3 - "$tmp/members.json" <<'PY'
import json, sys
tags = {("key%02d" % i) + "k" * 122: "v" * 255 for i in range(50)}
members = ["fd00:1::%x" % i for i in range(1, 1001)]
json.dump({"groups": [{"name": "big", "tags": tags, "members": members}], "attachments": []},
          open(sys.argv[1], "w"))
PY
monitor "$tmp/ev2"
check "apply a group with 1,000 members and 50 long tags" sgnl apply "$tmp/members.json"
monitor_stop
check "... group show lists its 1,000 members" test "$(sgnl -j group show big | python3 -c 'import json,sys; print(len(json.load(sys.stdin)[0]["members"]))')" = 1000
check "... its event was sent" grep -q '^group add sg-[0-9a-f]* big' "$tmp/ev2"
sgnl apply "$tmp/members.json" check >"$tmp/members.norm"
check "... and save prints it back" sh -c "sgnl save | cmp -s - $tmp/members.norm"

rm -rf "$tmp"
finish
