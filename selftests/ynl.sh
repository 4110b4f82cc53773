#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The family as a user of the kernel's own YNL tools drives it: cli.py of
# Debian's linux-source-6.12 (make vm-prep extracts it into build/ynl) with
# Documentation/netlink/specs/secgroup.yaml, and nothing of sgnl's: create
# a group, add a rule and two members, dump, and see each change arrive on
# the events group.  sgnl then reads the same state back.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/.." && pwd)
ynl=$top/build/ynl
sg_setup
if [ ! -f "$ynl/tools/net/ynl/cli.py" ]; then
	echo "1..0 # SKIP no build/ynl (make vm-prep extracts it from linux-source-6.12)"
	exit $ksft_skip
fi
out=$(mktemp -d)
cli() {
	python3 "$ynl/tools/net/ynl/cli.py" --spec "$top/Documentation/netlink/specs/secgroup.yaml" \
		--schema "$ynl/Documentation/netlink/genetlink-legacy.yaml" --output-json "$@"
}
# a JSON document's value at a python expression
at() { python3 -c "import json, sys; d = json.load(open(sys.argv[1])); print($2)" "$1"; }

# the listener: subscribed at once, reports what arrived when its time is
# up (long enough for the five requests below, python starting each time)
cli --subscribe events --sleep $((4 * T + 20)) >"$out/ntf" 2>&1 &
ntf=$!
sleep $((T > 3 ? 3 : T))

cli --do group-new --json '{"group": [{"name": "web", "description": "made by ynl"}]}' >"$out/new" 2>&1
check "ynl --do group-new answers with the group" \
	sh -c "python3 -c 'import json, sys; g = json.load(open(sys.argv[1]))[\"group\"][0]
sys.exit(not (g[\"name\"] == \"web\" and g[\"id\"] > 0))' '$out/new'"
gid=$(at "$out/new" 'd["group"][0]["id"]' 2>/dev/null)
cli --do rule-new --json "{\"rule\": [{\"group\": ${gid:-0}, \"direction\": \"ingress\",
	\"protocol\": 6, \"port-min\": 80, \"peer-ipv4\": \"0a000000\", \"peer-prefix\": 8}]}" \
	>"$out/rule" 2>&1
check "ynl --do rule-new answers with the rule" \
	sh -c "python3 -c 'import json, sys; r = json.load(open(sys.argv[1]))[\"rule\"][0]
sys.exit(not (r[\"port-min\"] == 80 and r[\"peer-ipv4\"] == \"10.0.0.0\"))' '$out/rule'"
check "ynl --do member-new, IPv4" \
	cli --do member-new --json "{\"member\": [{\"group\": ${gid:-0}, \"ipv4\": \"c0000201\"}]}"
check "ynl --do member-new, IPv6" \
	cli --do member-new --json "{\"member\": [{\"group\": ${gid:-0}, \"ipv6\": \"20010db8000000000000000000000001\"}]}"
cli --dump group-get >"$out/dump" 2>&1
check "ynl --dump group-get: web with its two members, as addresses" \
	sh -c "python3 -c 'import json, sys
web = [m[\"group\"][0] for m in json.load(open(sys.argv[1])) if m[\"group\"][0][\"name\"] == \"web\"]
sys.exit(not (web and sorted(web[0][\"members\"][\"ipv4\"] + web[0][\"members\"][\"ipv6\"]) ==
              [\"192.0.2.1\", \"2001:db8::1\"]))' '$out/dump'"
check "sgnl reads what ynl made" \
	sh -c "sgnl group show web | grep -q 'tcp port 80 from 10.0.0.0/8' &&
	       sgnl group show web | grep -q 'remote members: 192.0.2.1 2001:db8::1'"
wait "$ntf"
sed 's/^/# /' "$out/ntf" | head -c 3000
check "ynl --subscribe events: the group, the rule and both members, as notifications" \
	sh -c "python3 -c 'import json, sys
names = [n[\"name\"] for n in json.load(open(sys.argv[1]))]
sys.exit(not all(names.count(k) == c for k, c in
                 ((\"group-new-ntf\", 1), (\"rule-new-ntf\", 1), (\"member-new-ntf\", 2))))' '$out/ntf'"
rm -rf "$out"
finish
