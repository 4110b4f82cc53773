#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A group of 50,000 remote members (SG_MEMBERS; make bench loads a
# million): the member map's own accounting at most 64 bytes a member, the
# members on real packets, one leaving and joining among them, the dump
# that lists them all, a replace that keeps half and swaps the rest, a
# duplicate refused with nothing changed, and the group's deletion giving
# its entries back.
. "$(dirname "$0")/lib.sh"
sg_setup
tmp=$(mktemp -d)
n=${SG_MEMBERS:-50000}
echo $((n + 10)) >/sys/module/secgroup/parameters/max_members

inst a 10.0.0.2		# outside: a remote member
inst b 10.0.0.3		# the server
serve b 80
netns() { sgnl -j stats | python3 -c 'import json,sys; print(json.load(sys.stdin)[-1]["netns"][sys.argv[1]])' "$1"; }
count() { sgnl -j member list big | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))'; }
base=$(netns member_bytes)

# conf N SEED OUT: big with N members, half IPv4 and half IPv6 from SEED's
# range, then a's address; web lets big reach port 80
conf() {
	python3 - "$1" "$2" >"$3" <<'PY'
import ipaddress, json, sys
n, seed = int(sys.argv[1]), int(sys.argv[2])
v4 = int(ipaddress.IPv4Address("10.64.0.0")) + seed * 2**20
v6 = int(ipaddress.IPv6Address("fd00:64::")) + seed * 2**32
m = [str(ipaddress.IPv4Address(v4 + i)) for i in range((n - 1) // 2)]
m += [str(ipaddress.IPv6Address(v6 + i)) for i in range(n - 1 - len(m))]
print(json.dumps({"groups": [{"name": "big", "members": m + ["10.0.0.2"]},
                             {"name": "web", "rules": ["ingress tcp port 80 from group big"]}]}))
PY
}

conf "$n" 0 "$tmp/c0.json"
check "a replace loads $n remote members (IPv4 and IPv6)" sgnl apply "$tmp/c0.json"
sgnl attach dev v-b group web addr 10.0.0.3
check "... the netns counts $n remote members, at $n addresses and b's own" \
	test "$(netns members) $(netns addrs)" = "$n $((n + 1))"
bytes=$(( $(netns member_bytes) - base ))
per=$((bytes / n))
check "... the member map holds $bytes bytes for them: $per a member, at most 64" \
	test "$per" -le 64
check "a member (a, outside) reaches b through the group's rule" tcp a 10.0.0.3 80
sgnl member del big 10.0.0.2
check "... leaves the group: a no longer reaches b" no_tcp a 10.0.0.3 80
sgnl member add big 10.0.0.2
check "... joins it again: a reaches b" tcp a 10.0.0.3 80
check "member list big lists all $n" test "$(count)" = "$n"
# an address of big in a second group: a full entry, then compact again
sgnl group add other >/dev/null
held=$(netns member_bytes)
sgnl member add other 10.64.0.4
check "an address of big joins a second group: its entry grows" \
	test "$(netns member_bytes)" -gt "$held"
sgnl member del other 10.64.0.4
check "... leaves it: the member map is as it was, $held bytes" \
	test "$(netns member_bytes)" = "$held"
sgnl group del other
check "save lists all $n, in order" python3 -c '
import ipaddress, json, subprocess, sys
c = json.loads(subprocess.run(["sgnl", "save"], capture_output=True, text=True).stdout)
m = [g for g in c["groups"] if g["name"] == "big"][0]["members"]
key = [(a.version, int(a)) for a in map(ipaddress.ip_address, m)]
sys.exit(not (len(m) == int(sys.argv[1]) and key == sorted(key)))' "$n"

# the same group, half its members kept and half replaced by others
python3 - "$tmp/c0.json" "$tmp/c1.json" <<'PY'
import ipaddress, json, sys
c = json.load(open(sys.argv[1]))
m = c["groups"][0]["members"]
keep = m[0::2]
new = [str(ipaddress.IPv4Address(int(ipaddress.IPv4Address("10.200.0.0")) + i))
       for i in range(len(m) - len(keep))]
c["groups"][0]["members"] = keep + new + (["10.0.0.2"] if "10.0.0.2" not in keep else [])
json.dump(c, open(sys.argv[2], "w"))
PY
want=$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["groups"][0]["members"]))' "$tmp/c1.json")
dropped=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["groups"][0]["members"][1])' "$tmp/c0.json")
kept=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["groups"][0]["members"][2])' "$tmp/c0.json")
check "a replace keeps half the members and swaps the rest" sgnl apply "$tmp/c1.json"
check "... $want members, each address once in the map (and b's own)" \
	test "$(netns members) $(netns addrs) $(count)" = "$want $((want + 1)) $want"
sgnl member list big >"$tmp/list"
check "... $dropped dropped, $kept kept, 10.200.0.0 joined" sh -c \
	"! grep -qx 'big $dropped' '$tmp/list' && grep -qx 'big $kept' '$tmp/list' && grep -qx 'big 10.200.0.0' '$tmp/list'"
check "... and a still reaches b" tcp a 10.0.0.3 80

# one member twice: refused, nothing changed
python3 - "$tmp/c1.json" "$tmp/dup.json" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))
c["groups"][0]["members"].append(c["groups"][0]["members"][7])
json.dump(c, open(sys.argv[2], "w"))
PY
full_state >"$tmp/before"
sgnl member list big | sort >"$tmp/mbefore"
check "a replace naming a member twice is refused" \
	sh -c "! sgnl apply '$tmp/dup.json' 2>'$tmp/err' && grep -q 'already a member' '$tmp/err'"
full_state >"$tmp/after"
sgnl member list big | sort >"$tmp/mafter"
check "... and changed nothing" sh -c "cmp -s '$tmp/before' '$tmp/after' && cmp -s '$tmp/mbefore' '$tmp/mafter'"

# the group deleted: its entries given back
held=$(netns member_bytes)
sgnl detach dev v-b
sgnl group del web
check "deleting the group of $want members" sgnl group del big
check "... leaves no address in the member map" test "$(netns members) $(netns addrs)" = "0 0"
check "... and its entries' bytes freed ($held -> $(netns member_bytes))" \
	test "$(netns member_bytes)" -lt $((held / 2))

rm -rf "$tmp"
finish
