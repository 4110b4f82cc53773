#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Rules on their own: `sgnl rule list` and its filters over a configuration
# that carries traffic, and `sgnl rule set ... description` changing a
# description in place -- the rule keeps its id, its hit counter and the
# connection it allowed, and the change is announced.
. "$(dirname "$0")/lib.sh"
sg_setup
inst a 10.0.0.2
inst b 10.0.0.3
serve b 22
# b:80 echoes: a connection the http rule allows, kept open throughout
ip netns exec b socat TCP-LISTEN:80,reuseaddr,fork EXEC:cat 2>/dev/null &
wait_listen b 80 || echo "# b:80 is not listening"

sgnl group add web >/dev/null
sgnl group add admin >/dev/null
http=$(sgnl rule add web ingress http from 10.0.0.0/24 description "HTTP from the VPC")
ssh=$(sgnl rule add web ingress ssh from group admin)
range=$(sgnl rule add web ingress tcp port 8000-8100 from 10.9.0.0/16)
echo_=$(sgnl rule add admin ingress icmp type echo-request from 0.0.0.0/0)
sgnl attach dev v-a group admin addr 10.0.0.2
sgnl attach dev v-b group web addr 10.0.0.3
coproc conn { ip netns exec a socat - TCP:10.0.0.3:80 2>/dev/null; }
say() { echo "$1" >&"${conn[1]}" && read -r -t "$T" line <&"${conn[0]}" && [ "$line" = "$1" ]; }
check "http allowed: a long connection through its rule" say one
check "ssh allowed from the admin group" tcp a 10.0.0.3 22

# ids of `rule list ARGS...`, sorted, one line
ids() { sgnl -j rule list "$@" | python3 -c 'import json, sys
print(" ".join(sorted(r["id"] for r in json.load(sys.stdin))))'; }
sorted() { printf '%s\n' "$@" | sort | tr '\n' ' ' | sed 's/ $//'; }
hits() { sgnl -j rule list web | python3 -c 'import json, sys
print([r["hits"] for r in json.load(sys.stdin) if r["id"] == sys.argv[1]][0])' "$1"; }

all=$(sgnl -j rule list | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))')
shown=$(for g in default web admin; do sgnl -j group show "$g"; done |
	python3 -c 'import json, sys
d = json.JSONDecoder(); s = sys.stdin.read().strip(); n = 0
while s:
    o, i = d.raw_decode(s); n += len(o[0]["rules"]); s = s[i:].strip()
print(n)')
check "rule list: every rule of every group ($all, as group show: $shown)" test "$all" = "$shown"
check "rule list -j is an array of rule objects" \
	sh -c 'sgnl -j rule list | python3 -c "import json, sys; a = json.load(sys.stdin); sys.exit(not (isinstance(a, list) and all(\"id\" in r and \"group\" in r for r in a)))"'
check "rule list web ingress: web's three ingress rules" \
	test "$(ids web ingress)" = "$(sorted "$http" "$ssh" "$range")"
check "rule list web ingress port 22: the ssh rule" test "$(ids web ingress port 22)" = "$ssh"
check "rule list web ingress port ssh: the same, by name" test "$(ids web ingress port ssh)" = "$ssh"
check "rule list ingress port 8050: the range, and default's all-protocol rule" \
	test "$(ids ingress port 8050)" = "$(sorted "$range" "$(ids default ingress)")"
check "rule list peer 10.0.0.77/24: the http rule, by its canonical CIDR" \
	test "$(ids peer 10.0.0.77/24)" = "$http"
check "rule list peer group admin: the ssh rule" test "$(ids peer group admin)" = "$ssh"
check "rule list admin ingress: the icmp rule" test "$(ids admin ingress)" = "$echo_"
check "... printed with nft's name for its type" \
	sh -c "sgnl rule list admin ingress | grep -q ' icmp type echo-request from 0.0.0.0/0'"
check "... and with -n its number" sh -c "sgnl -n rule list admin ingress | grep -q ' icmp type 8 from'"
sgnl rule list web | sed 's/^/# /'
check "rule list text: group, direction, id and match on a line" \
	sh -c "sgnl rule list web | grep -q '^web ingress $http  tcp port 80 from 10.0.0.0/24  \"HTTP from the VPC\"  hits [1-9]'"
check "rule list of no group: the kernel's answer, exit 1" \
	sh -c 'sgnl rule list nosuch; test $? = 1'

# the description changes while the connection it allowed is open
h0=$(hits "$http")
before=$(sgnl save)
check "rule set: a new description" sgnl rule set web "$http" description "HTTP from the VPC, v2"
check "... the rule kept its id and its description changed" \
	sh -c "sgnl rule list web ingress port 80 | grep -q '^web ingress $http .*\"HTTP from the VPC, v2\"'"
check "... and its hit counter ($h0 -> $(hits "$http"))" test "$(hits "$http")" -ge "$h0"
check "... the connection it allowed goes on (the id above says it was not replaced)" say two
only_the_description() {
	diff <(printf '%s\n' "$before" | sed 's/HTTP from the VPC"/HTTP from the VPC, v2"/') \
		<(sgnl save)
}
check "... and nothing else changed" only_the_description
# seen(PATTERN): the monitor of lib.sh prints it, within T seconds
seen() {
	local i
	for i in $(seq $((T * 10))); do grep -q -- "$1" "$MONLOG" && return 0; sleep 0.1; done
	return 1
}
check "rule set announced with the rule's id and its new description" \
	seen "^rule set .*$http .*HTTP from the VPC, v2"
# the same change through a whole-configuration replace: kept, announced
sgnl save | python3 -c 'import json, sys
c = json.load(sys.stdin)
for g in c["groups"]:
    g["rules"] = [dict(r, description="HTTP, applied") if isinstance(r, dict) and
                  r["description"].startswith("HTTP from") else r for r in g["rules"]]
json.dump(c, sys.stdout)' >"$MONLOG.apply"
check "apply with only a description changed" sgnl apply "$MONLOG.apply"
check "... the rule kept its id" \
	sh -c "sgnl rule list web ingress port 80 | grep -q '^web ingress $http .*\"HTTP, applied\"'"
check "... and the change was announced as a rule set" seen "^rule set .*$http .*HTTP, applied"
rm -f "$MONLOG.apply"
before=$(sgnl save)
sgnl rule set admin "$http" description x 2>/dev/null
check "rule set of another group's rule: refused" test $? = 1
sgnl rule set web sgr-0fffffff description x 2>/dev/null
check "rule set of no such rule: refused" test $? = 1
sgnl rule set web "$http" description "it's" 2>/dev/null
check "rule set with a quote: a usage error" test $? = 2
check "... none of them changed anything" test "$before" = "$(sgnl save)"
finish
