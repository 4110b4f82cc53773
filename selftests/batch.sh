#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# sgnl -b FILE, all or nothing (as nft -f): a batch whose sixth line cannot
# be made, or that the kernel refuses as a whole, leaves the state byte for
# byte as it was, none of its earlier lines made; a batch that works makes
# every change at once, rule ids and counters kept, and packets see it.
# --continue runs line by line and goes on after a failure.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/.." && pwd)
sg_setup
tmp=$(mktemp -d)
three_tier_instances

rule_of() {	# rule_of GROUP PORT FIELD: a field of the group's rule on that port
	sgnl -j group show "$1" | python3 -c 'import json,sys; print([r.get(sys.argv[2], "") for r in json.load(sys.stdin)[0]["rules"] if r.get("port")==sys.argv[1]][0])' "$2" "$3"
}

# the example and its attachments: one batch, one replace
{
	cat "$top/examples/three-tier.sgnl"
	echo "attach dev v-web group web group mgmt flowlog addr 10.0.1.10"
	echo "attach dev v-app group app group mgmt flowlog addr 10.0.2.10"
	echo "attach dev v-db group db group mgmt flowlog addr 10.0.3.10"
} >"$tmp/tiers.b"
sgnl monitor events >"$tmp/ev" 2>&1 &
mon=$!
sleep 0.5
check "the three tiers and their attachments in one batch" sgnl -b "$tmp/tiers.b"
sleep 0.5
kill $mon 2>/dev/null
wait $mon 2>/dev/null
check "... as one configuration: the one examples/three-tier.json gives" sh -c \
	"sgnl save | cmp -s - '$top/examples/three-tier.json'"
check "... the web tier reaches app:8080" tcp web 10.0.2.10 8080
check "... but not db:5432" no_tcp web 10.0.3.10 5432
check "... the internet reaches web:80" tcp internet 10.0.1.10 80
check "... events announce the new groups" grep -q ' mgmt$' "$tmp/ev"

# a batch that works: ids and counters of what it leaves alone are kept
id=$(rule_of app 8080 id)
hits=$(rule_of app 8080 hits)
gid=$(sgnl -j group show app | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
cat >"$tmp/more.b" <<B
rule add app ingress tcp port 9090 from group web description "metrics"
rule set app $id description "app port, kept"
member add app 192.0.2.9
B
check "a batch: a rule added, a description changed, a member added" sgnl -b "$tmp/more.b"
check "the app rule kept its id ($id)" test "$(rule_of app 8080 id)" = "$id"
check "... and its hits ($hits)" test "$(rule_of app 8080 hits)" -ge "${hits:-1}" -a "${hits:-0}" -ge 1
check "... and has its new description" test "$(rule_of app 8080 description)" = "app port, kept"
check "the group kept its id" test "$(sgnl -j group show app | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')" = "$gid"
serve app 9090
wait_listen app 9090
check "... and web reaches app:9090" tcp web 10.0.2.10 9090

# the sixth line cannot be made: nothing of the batch is
full_state >"$tmp/before"
cat >"$tmp/bad.b" <<'B'
group add extra description "never made"
rule add extra ingress tcp port 1 from 10.0.0.0/8
member add app 10.9.9.9
detach dev v-web
rule del db ingress tcp port 5432 from group app
member add nosuch 10.0.0.1
B
sgnl -b "$tmp/bad.b" 2>"$tmp/err"
check "a batch with a line that cannot be made: exit 1" test $? = 1
check "... the line named" grep -q 'bad.b:6: member: no group' "$tmp/err"
full_state >"$tmp/after"
check "... and nothing changed" cmp -s "$tmp/before" "$tmp/after"
check "... web is still attached: internet -> web:22 blocked" no_tcp internet 10.0.1.10 22
check "... db still lets app in" tcp app 10.0.3.10 5432
full_state >"$tmp/before"	# the probes moved the counters

# the kernel refuses the whole (a group over its rule quota): nothing changes
{
	echo "group add extra"
	for p in $(seq 1000 1060); do echo "rule add extra ingress tcp port $p from 10.0.0.0/8"; done
} >"$tmp/quota.b"
sgnl -b "$tmp/quota.b" 2>"$tmp/err"
check "61 ingress rules in a group in one batch: exit 1" test $? = 1
check "... the quota named" grep -q 'quota' "$tmp/err"
full_state >"$tmp/after"
check "... and nothing changed" cmp -s "$tmp/before" "$tmp/after"

# a group in use cannot go, in a batch as alone
printf 'group add x\ngroup del web\n' >"$tmp/inuse.b"
sgnl -b "$tmp/inuse.b" 2>"$tmp/err"
check "deleting an attached group in a batch: exit 1" test $? = 1
check "... in use" grep -q 'in use' "$tmp/err"
full_state >"$tmp/after"
check "... and nothing changed" cmp -s "$tmp/before" "$tmp/after"

# a usage error: nothing sent (exit 2)
printf 'group add y\nrule add y ingress tcp port 70000 from 0.0.0.0/0\n' >"$tmp/usage.b"
sgnl -b "$tmp/usage.b" 2>/dev/null
check "a batch with a usage error: exit 2" test $? = 2
full_state >"$tmp/after"
check "... and nothing changed" cmp -s "$tmp/before" "$tmp/after"

# --continue: line by line, past a failure
printf 'group add c1\nrule add nosuch ingress tcp port 1 from 10.0.0.0/8\ngroup add c2\n' >"$tmp/cont.b"
sgnl -b "$tmp/cont.b" --continue >/dev/null 2>&1
check "--continue: exit 1 for the failed line" test $? = 1
check "... the lines before and after it made" sh -c \
	"sgnl group show c1 >/dev/null && sgnl group show c2 >/dev/null"

# flush on a line: connections the batch no longer allows are cut
ip netns exec db socat TCP-LISTEN:7002,fork,reuseaddr SYSTEM:'sleep 60' 2>/dev/null &
wait_listen db 7002
sgnl rule add db ingress tcp port 7002 from group app >/dev/null
sleep 60 | ip netns exec app socat - TCP:10.0.3.10:7002,connect-timeout=$T >/dev/null 2>&1 &
sleep 1
established() { conntrack -L -p tcp --dport 7002 2>/dev/null | grep -q ESTABLISHED; }
check "a connection app -> db:7002 is established" established
printf 'rule del db ingress tcp port 7002 from group app flush\n' >"$tmp/flush.b"
check "a batch revoking it with flush" sgnl -b "$tmp/flush.b"
check "... cuts it" sh -c '! conntrack -L -p tcp --dport 7002 2>/dev/null | grep -q ESTABLISHED'
# completion (sgnl __complete) names the kernel's groups, a space quoted
sgnl group add "my web" >/dev/null
. "$top/tools/sgnl/sgnl.bash-completion"
comp() { COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMPREPLY=(); _sgnl; echo "${COMPREPLY[*]}"; }
check "completing 'group del my' offers my\\ web" test "$(comp sgnl group del my)" = 'my\ web'
check "completing a peer group offers the groups" sh -c \
	"echo '$(comp sgnl rule add web ingress tcp port 80 from group "")' | grep -qw mgmt"
# a group named "addr" is a group, the address after it an address (sgnl
# once read the group's name as an address and sent :: as the instance's)
sgnl group add addr >/dev/null
addrs() { sgnl -j stats dev v-app | python3 -c 'import json,sys; a=json.load(sys.stdin)[0]; print(" ".join(a["addrs"]), len(a["groups"]))'; }
sgnl attach dev v-app group app group addr addr 10.0.2.10
check "attach ... group addr addr 10.0.2.10: one address, two groups" test "$(addrs)" = "10.0.2.10 2"
printf 'attach dev v-app group app group addr addr 10.0.2.10 addr fd00::9\n' >"$tmp/addr.b"
check "... and the same in a batch" sh -c "sgnl -b $tmp/addr.b"
check "... gives both addresses" test "$(addrs)" = "10.0.2.10 fd00::9 2"
# A batch and another writer at once: a batch reads, changes and replaces,
# naming the generation it read; a change that came in between is not
# undone: the kernel refuses the replace (EAGAIN) and the batch reads again.
sgnl group add race >/dev/null
( for i in $(seq 60); do sgnl member add race 10.9.0.$i || echo "# member $i failed"; done ) &
w=$!
bad=0
for i in $(seq 15); do
	echo "rule add race ingress tcp port $((2000 + i)) from 10.0.0.0/8" | sgnl -b - 2>&1 |
		sed 's/^/# /'
	[ "${PIPESTATUS[1]}" = 0 ] || bad=$((bad + 1))
done
wait $w
count() {	# count members | count rules: the group's members, its ingress rules
	sgnl -j group show race | python3 -c "import json, sys
g = json.load(sys.stdin)[0]
print(len([x for x in g['$1'] if '$1' == 'members' or x['direction'] == 'ingress']))"
}
check "15 batches beside 60 member adds: every batch made" [ "$bad" = 0 ]
check "... no member undone: 60" [ "$(count members)" = 60 ]
check "... no rule lost: 15" [ "$(count rules)" = 15 ]
[ "$(count rules)" = 15 ] || sgnl group show race | sed 's/^/# /'
rm -rf "$tmp"
finish
