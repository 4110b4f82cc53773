#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# sgnl's argument parsing, without a kernel: tests/bin/sgnl-fake is sgnl
# with tests/nl_fake.c for its netlink layer, which prints each request
# ("sent: command N").  Every malformed argument gets a clear message and
# exit 2 with nothing sent; well-formed commands reach the point of sending
# the right command.  The real sgnl is run where no module can be: help,
# usage errors, and "the module is not loaded".
top=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
sgnl=${SGNL_FAKE:-$top/tests/bin/sgnl-fake}
real=${SGNL:-$top/tools/sgnl/sgnl}
n=0 failed=0

t() {	# t WANT-EXIT WANT-TEXT ARGS...: exit status and a substring of the output
	local want=$1 text=$2 out rc
	shift 2
	out=$("$sgnl" "$@" 2>&1)
	rc=$?
	n=$((n + 1))
	if [ "$rc" = "$want" ] && [[ "$out" == *"$text"* ]]; then
		echo "ok $n - sgnl $* -> $rc"
	else
		failed=$((failed + 1))
		echo "not ok $n - sgnl $* -> $rc, wanted $want and '$text'; got: $out"
	fi
}

echo "TAP version 13"
# usage errors: exit 2, the offending argument named, nothing sent
t 2 "unknown object 'frob'" frob
t 2 "unknown option '-x'" -x group list
t 2 "group add: NAME is required" group add
t 2 "tag needs KEY=VALUE, not 'novalue'" group add web tag novalue
t 2 "tag needs KEY=VALUE, not '=v'" group add web tag =v
t 2 "unknown argument 'colour'" group add web colour blue
t 2 "'ingress' or 'egress' expected, not 'inbound'" rule add web inbound tcp port 80 from 0.0.0.0/0
t 2 "unknown protocol 'tcpp'" rule add web ingress tcpp port 80 from 0.0.0.0/0
t 2 "unknown protocol '256'" rule add web ingress 256 from 0.0.0.0/0
t 2 "bad port or range '65536'" rule add web ingress tcp port 65536 from 0.0.0.0/0
t 2 "bad port or range '90-80'" rule add web ingress tcp port 90-80 from 0.0.0.0/0
t 2 "bad port or range 'htttp'" rule add web ingress tcp port htttp from 0.0.0.0/0
t 2 "bad port or range '0'" rule add web ingress tcp port 0 from 0.0.0.0/0
t 2 "bad port or range '0-0'" rule add web ingress udp port 0-0 from 0.0.0.0/0
t 2 "unknown protocol '0'" rule add web ingress 0 from 0.0.0.0/0
t 2 "'code' needs a 'type' before it" rule add web ingress icmp code 0 from 0.0.0.0/0
t 2 "bad icmp type 'nd-router-advert'" rule add web ingress icmp type nd-router-advert from 0.0.0.0/0
t 2 "group names hold only letters" group add "$(printf 'we\tb')"
t 2 "group names cannot start with \"sg-\"" group add sg-web
t 2 "descriptions hold only letters" group add web description "$(printf 'a\033[2Jb')"
t 2 "descriptions hold only letters" group add web description "it's"
t 2 "descriptions hold only letters" group set web description "é"
t 2 "descriptions hold only letters" rule add web ingress ssh from 10.0.0.0/8 description "$(printf 'a\001b')"
t 2 "unused takes a duration" audit unused 99999999999999999999d
t 2 "unused takes a duration" audit unused 9999999999999999d
t 2 "ports need tcp, udp, sctp or udplite" rule add web ingress icmp port 80 from 0.0.0.0/0
t 2 "the service implies its port" rule add web ingress ssh port 2222 from 0.0.0.0/0
t 2 "type and code need icmp or icmpv6" rule add web ingress tcp type 8 from 0.0.0.0/0
t 2 "bad icmp type '300'" rule add web ingress icmp type 300 from 0.0.0.0/0
t 2 "bad icmp code 'x'" rule add web ingress icmp type 3 code x from 0.0.0.0/0
t 2 "'from' expected before the peer, not 'to'" rule add web ingress tcp port 80 to 0.0.0.0/0
t 2 "'to' expected before the peer, not 'from'" rule add web egress all from 0.0.0.0/0
t 2 "bad peer CIDR '10.0.0.0/33'" rule add web ingress tcp port 80 from 10.0.0.0/33
t 2 "bad peer CIDR '10.0.0.300/8'" rule add web ingress tcp port 80 from 10.0.0.300/8
t 2 "bad peer CIDR '2001:db8::/129'" rule add web ingress tcp port 80 from 2001:db8::/129
t 2 "group needs NAME or ID" rule add web ingress tcp port 80 from group
t 2 "unknown argument 'please'" rule add web ingress http from 0.0.0.0/0 please
t 2 "bad rule id 'sgr-xyz'" rule del web sgr-xyz
t 2 "'dev IFNAME' or 'cgroup PATH' expected" attach veth0 group web
t 2 "member: unknown command 'put'" member put web 10.0.0.1
t 2 "an address are required (got '10.0.0.0/8')" member add web 10.0.0.0/8
t 2 "monitor: unknown argument 'all'" monitor all
t 2 "monitor: unknown format 'csv' (vpc)" monitor flows -o csv
t 2 "monitor: -o needs a format: vpc" monitor flows -o
t 2 "monitor: -o vpc prints flows, not events" monitor events -o vpc
t 2 "group: unknown command 'rename'" group rename a b
t 2 "fail-on takes high, medium, low or info" audit fail-on severe
t 2 "unused takes a duration like 30d" audit unused 3w
t 2 "audit: unknown argument 'now'" audit now
# well-formed: reach the kernel request (command numbers from the uapi)
t 0 "sent: command 1" group add web description "Web tier" tag env=prod no-default-egress
t 0 "sent: command 5" rule add web ingress tcp port 8000-8100 from 10.1.2.3/16 description x
t 0 "sent: command 5" rule add web ingress https from ::/0
t 0 "sent: command 5" rule add sg-0000abcd egress icmpv6 type 128 code 0 to ::/0
t 0 "sent: command 5" rule add web ingress 47 from group app
t 0 "sent: command 6" rule del web sgr-0000abcd flush
t 0 "sent: command 6" rule del web ingress dns from 10.0.0.0/8
t 0 "sent: command 2" group delete web
t 0 "sent: command 15" rule set web sgr-0000abcd description "SSH from the VPN"
t 2 "rule set: GROUP and a rule id (sgr-...) are required" rule set web 12
t 2 "rule set: 'description TEXT' expected" rule set web sgr-0000abcd
t 2 "rule set: unknown argument 'x'" rule set web sgr-0000abcd description a x
t 2 "rule set: descriptions hold only letters" rule set web sgr-0000abcd description "a'b"
t 0 "" rule list web ingress port ssh peer 10.1.2.3/8
t 0 "" rule list peer group app egress
t 2 "rule list: port takes one port, not '22-80'" rule list port 22-80
t 2 "rule list: unknown argument 'frob'" rule list web frob
t 2 "rule list: peer takes a CIDR or 'group NAME', not '10.0.0.300'" rule list peer 10.0.0.300
t 0 "rule list [GROUP]" rule list help
t 0 "sent: command 11" member add web fd00::1
t 3 "unattached-group  default" audit fail-on low unused 30d
t 0 "unattached-group" audit unused 30d
t 0 "usage: sgnl" help
t 2 "save: unknown argument 'now'" save now
t 2 "apply: FILE is required" apply
t 2 "apply: unknown argument 'force'" apply f.json force

# the apply format (Documentation/apply-format.md), read without a kernel
ex=$(dirname "$0")/../examples/three-tier.json
tmpd=$(mktemp -d)
af() {	# af WANT-EXIT WANT-TEXT JSON: apply a file holding JSON
	printf '%s\n' "$3" >"$tmpd/f.json"
	t "$1" "$2" apply "$tmpd/f.json" check
}
t 0 '"name": "mgmt"' apply "$ex" check
t 2 "apply: check reads FILE without the kernel: no dry-run" apply "$ex" check dry-run
n=$((n + 1))
if "$real" apply "$ex" check | cmp -s - "$ex"; then echo "ok $n - examples/three-tier.json is normalised"
else failed=$((failed + 1)); echo "not ok $n - examples/three-tier.json is not normalised"; fi
af 0 '"ingress tcp port 80 from 0.0.0.0/0"' '{ "groups": [ { "name": "w", "rules": [ "ingress http from 0.0.0.0/0" ] } ] }'
af 0 '"ingress tcp port 53 from 10.0.0.0/8",' '{ "groups": [ { "name": "w", "rules": [ "ingress dns from 10.1.2.3/8" ] } ] }'
af 0 '"ingress udp port 53 from 10.0.0.0/8"' '{ "groups": [ { "name": "w", "rules": [ "ingress dns from 10.1.2.3/8" ] } ] }'
af 0 '"egress tcp to 2001:db8::/32"' '{ "groups": [ { "name": "w", "rules": [ "egress 6 port 0-65535 to 2001:db8:1::5/32" ] } ] }'
af 0 '"ingress icmp type 8 code 0 from 0.0.0.0/0"' '{ "groups": [ { "name": "w", "rules": [ "ingress icmp type 8 code 0 from 0.0.0.0/0" ] } ] }'
af 0 '{ "rule": "ingress all from group w", "description": "self" }' '{ "groups": [ { "name": "w", "rules": [ { "rule": "ingress all from group w", "description": "self" } ] } ] }'
af 0 '"ingress all from group default",' '{ "groups": [] }'
af 0 '"members": [ "192.0.2.1", "2001:db8::1" ]' '{ "groups": [ { "name": "w", "members": [ "192.0.2.1", "2001:db8:0::1" ] } ] }'
af 0 '{ "dev": "eth9", "groups": [ "default" ] }' '{ "attachments": [ { "dev": "eth9" } ] }'
af 0 '"flowlog": true' '{ "groups": [ { "name": "w" } ], "attachments": [ { "cgroup": "/a", "groups": [ "w" ], "flowlog": true } ] }'
af 0 '"mac": "02:42:ac:11:00:0b"' '{ "attachments": [ { "dev": "eth9", "mac": "02:42:AC:11:00:0B" } ] }'
af 2 "mac: not a unicast MAC address ('01:00:5e:00:00:01')" '{ "attachments": [ { "dev": "eth9", "mac": "01:00:5e:00:00:01" } ] }'
af 2 "mac: not a unicast MAC address ('2:42:ac:11:0:b')" '{ "attachments": [ { "dev": "eth9", "mac": "2:42:ac:11:0:b" } ] }'
# a name that is more than one word reads back as one
sp='{ "groups": [ { "name": "my web", "rules": [ "ingress all from group \"my web\"" ] }, { "name": "#x", "rules": [ "ingress all from group \"#x\"" ] } ] }'
af 0 '"ingress all from group \"my web\""' "$sp"
printf '%s\n' "$sp" >"$tmpd/sp.json"
n=$((n + 1))
if "$real" apply "$tmpd/sp.json" check >"$tmpd/sp2.json" && "$real" apply "$tmpd/sp2.json" check | cmp -s - "$tmpd/sp2.json"
then echo "ok $n - names with a space or a leading # round-trip"
else failed=$((failed + 1)); echo "not ok $n - names with a space or a leading # do not round-trip"; fi
af 2 'unknown key "rulez"' '{ "groups": [ { "name": "w", "rulez": [] } ] }'
af 2 'top level: unknown key "group"' '{ "group": [] }'
af 2 '"version" must be 1' '{ "version": 2, "groups": [] }'
af 2 "groups[1]: group 'w' is listed twice" '{ "groups": [ { "name": "w" }, { "name": "w" } ] }'
af 2 'groups[0]: "name" (a string) is required' '{ "groups": [ { "description": "x" } ] }'
af 2 'groups[0].rules[1]: unknown protocol' '{ "groups": [ { "name": "w", "rules": [ "ingress http from 0.0.0.0/0", "ingress htp from 0.0.0.0/0" ] } ] }'
af 2 "no group 'app' in the file" '{ "groups": [ { "name": "w", "rules": [ "ingress all from group app" ] } ] }'
af 2 "name the peer group, not its id" '{ "groups": [ { "name": "w", "rules": [ "ingress all from group sg-0000abcd" ] } ] }'
af 0 '{ "rule": "ingress tcp port 22 from 10.0.0.0/8", "description": "admin VPN" }' '{ "groups": [ { "name": "w", "rules": [ "ingress ssh from 10.0.0.0/8 description \"admin VPN\"" ] } ] }'
af 2 'a description in the rule and beside it' '{ "groups": [ { "name": "w", "rules": [ { "rule": "ingress ssh from 10.0.0.0/8 description a", "description": "b" } ] } ] }'
af 2 'unbalanced quote' '{ "groups": [ { "name": "w", "rules": [ "ingress ssh from 10.0.0.0/8 description \"a" ] } ] }'
af 2 "unknown argument 'flush'" '{ "groups": [ { "name": "w", "rules": [ "ingress all from 0.0.0.0/0 flush" ] } ] }'
af 2 'members[0]: an IPv4 or IPv6 address' '{ "groups": [ { "name": "w", "members": [ "10.0.0.0/8" ] } ] }'
af 2 '"tags" must be an object' '{ "groups": [ { "name": "w", "tags": [ "a" ] } ] }'
af 2 'tag values are strings' '{ "groups": [ { "name": "w", "tags": { "a": 1 } } ] }'
af 2 '"rule" is required' '{ "groups": [ { "name": "w", "rules": [ { "description": "x" } ] } ] }'
af 2 'attachments[0]: name one instance' '{ "attachments": [ { "dev": "a", "cgroup": "/b" } ] }'
af 2 'attachments[0]: groups[0]: not a group of the file' '{ "attachments": [ { "dev": "a", "groups": [ "web" ] } ] }'
af 2 '"flowlog" must be true or false' '{ "attachments": [ { "dev": "a", "flowlog": "yes" } ] }'
# names as users write them: /etc/services, /etc/protocols, nft's ICMP names
af 0 '"ingress tcp port 22 from 0.0.0.0/0"' '{ "groups": [ { "name": "w", "rules": [ "ingress tcp port ssh from 0.0.0.0/0" ] } ] }'
af 0 '"ingress tcp port 22-80 from 0.0.0.0/0"' '{ "groups": [ { "name": "w", "rules": [ "ingress tcp port ssh-http from 0.0.0.0/0" ] } ] }'
af 0 '"ingress udp port 53 from 0.0.0.0/0"' '{ "groups": [ { "name": "w", "rules": [ "ingress udp port domain from 0.0.0.0/0" ] } ] }'
af 0 '"ingress tcp port 0-1023 from 0.0.0.0/0"' '{ "groups": [ { "name": "w", "rules": [ "ingress tcp port 0-1023 from 0.0.0.0/0" ] } ] }'
af 0 '"ingress icmp type 8 from 0.0.0.0/0"' '{ "groups": [ { "name": "w", "rules": [ "ingress icmp type echo-request from 0.0.0.0/0" ] } ] }'
af 0 '"ingress icmp type 3 code 3 from 0.0.0.0/0"' '{ "groups": [ { "name": "w", "rules": [ "ingress icmp type destination-unreachable code port-unreachable from 0.0.0.0/0" ] } ] }'
af 0 '"ingress icmpv6 type 2 from ::/0"' '{ "groups": [ { "name": "w", "rules": [ "ingress icmpv6 type packet-too-big from ::/0" ] } ] }'
af 0 '"ingress icmpv6 type 135 from ::/0"' '{ "groups": [ { "name": "w", "rules": [ "ingress ipv6-icmp type nd-neighbor-solicit from ::/0" ] } ] }'
af 0 '"ingress sctp from 0.0.0.0/0"' '{ "groups": [ { "name": "w", "rules": [ "ingress 132 from 0.0.0.0/0" ] } ] }'
# strict JSON: a key twice, or data after the value, is refused and placed
af 2 'f.json:1:55: duplicate object key near '"'"'"groups"'"'" '{ "version": 1, "groups": [ { "name": "w" } ], "groups": [] }'
af 2 'duplicate object key near '"'"'"name"'"'" '{ "groups": [ { "name": "w", "name": "x" } ] }'
af 2 'f.json:1:18: end of file expected' '{ "groups": [] } { "groups": [] }'
af 2 'groups[0]: group names hold only letters' '{ "groups": [ { "name": "a\u0001b" } ] }'
af 2 'groups[0]: descriptions hold only letters' '{ "groups": [ { "name": "w", "description": "a\u001bb" } ] }'
af 2 'f.json:3:3: ' '{ "groups": [
  { "name": "w" }
  { "name": "x" } ] }'

# every name the kernel accepts reads back as itself through save | apply:
# random names of AWS's character set, as peers of rules too
seed=${SGNL_NAMES_SEED:-$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')}
echo "# random names: SGNL_NAMES_SEED=$seed"
python3 - "$tmpd/names.json" "$seed" <<'PY'
import json, random, sys
random.seed(int(sys.argv[2]))
chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ._-:/()#,@[]+=&;{}!$*"
names = set()
while len(names) < 200:
    # short ones, and up to the 255 bytes the kernel takes
    n = "".join(random.choice(chars) for _ in range(random.choice(
        [random.randint(1, 40), random.randint(200, 255)])))
    if not n.startswith("sg-") and n != "default":
        names.add(n)
# a name that is another's first 222 bytes: a cut rule must not name it
long = "db-" + "x" * 240
names |= {long, long[:222]}
groups = [{"name": n, "rules": [{"rule": "ingress tcp port 22 from group \"%s\"" % n,
                                  "description": n}]} for n in names]
json.dump({"version": 1, "groups": groups}, open(sys.argv[1], "w"))
PY
n=$((n + 1))
if "$real" apply "$tmpd/names.json" check >"$tmpd/n1.json" && "$real" apply "$tmpd/n1.json" check >"$tmpd/n2.json" &&
	cmp -s "$tmpd/n1.json" "$tmpd/n2.json" &&
	python3 -c 'import json, sys
a = {g["name"] for g in json.load(open(sys.argv[1]))["groups"]}
b = {g["name"] for g in json.load(open(sys.argv[2]))["groups"]}
sys.exit(0 if a - {"default"} == b - {"default"} else 1)' "$tmpd/names.json" "$tmpd/n2.json"
then echo "ok $n - 200 random valid names round-trip through apply's reading"
else failed=$((failed + 1)); echo "not ok $n - random names do not round-trip: $(diff "$tmpd/n1.json" "$tmpd/n2.json" | head -5)"; fi

# "help" where a value fits is the value; where nothing fits, the help
t 0 "sent: command 1" group add web description help
t 0 "sent: command 15" rule set web sgr-0000abcd description help
t 0 "rule add GROUP ingress PROTO" rule add web ingress tcp port 80 from 10.0.0.0/8 frob help
n=$((n + 1))
out=$("$sgnl" rule add web ingress help 2>&1)
if [[ "$out" == *"rule add GROUP"* ]] && [[ "$out" != *sent:* ]]; then
	echo "ok $n - a command that reads badly before 'help' prints its help and sends nothing"
else failed=$((failed + 1)); echo "not ok $n - 'rule add web ingress help': $out"; fi
t 2 "unknown option '-x'" -jx group list

# etcd: the VPC's definition (tests/etcd_test.sh has etcd itself)
t 2 "--vpc goes with --etcd URL" --vpc t group add web
t 2 "not an http:// or https:// URL" --etcd ftp://x group add web
t 2 "'stats' is not part of a VPC's definition" --etcd http://127.0.0.1:1 stats
t 2 "attachments are each host's" --etcd http://127.0.0.1:1 attach dev lo group web
t 2 "vpc: 'a/b' is not a name" --etcd http://127.0.0.1:1 --vpc a/b save
t 2 "--etcd takes one change at a time, not -b" --etcd http://127.0.0.1:1 -b /dev/null
t 2 "unknown protocol 'tcpp'" --etcd http://127.0.0.1:1 rule add web ingress tcpp port 1 from 0.0.0.0/0
t 1 "Couldn't connect" --etcd http://127.0.0.1:1 group add web
t 2 "sync: etcd URL is required" sync
t 2 "ttl: '1' is not 2 to 3600 seconds" sync etcd http://127.0.0.1:1 ttl 1
t 2 "host: 'a b' is not a name" sync etcd http://127.0.0.1:1 host "a b"
t 0 "sent: monitor" sync etcd http://127.0.0.1:1 host h1	# listens to events first

# batch: a line of any length is one command (50 tags of 200-byte values)
v=$(printf 'v%.0s' $(seq 200))
{ printf 'group add web'; for i in $(seq 50); do printf ' tag k%d=%s' "$i" "$v"; done; printf '\n'; } >"$tmpd/long.batch"
n=$((n + 1))
out=$("$sgnl" -b "$tmpd/long.batch" --continue 2>&1)
if [ "$(wc -c <"$tmpd/long.batch")" -gt 8192 ] && [ "$out" = "sent: command 1" ]; then
	echo "ok $n - a batch line of $(wc -c <"$tmpd/long.batch") bytes is one command"
else failed=$((failed + 1)); echo "not ok $n - a long batch line: $out"; fi
# all or nothing: the changes go as one CONFIG_REPLACE (14) ...
t 0 "sent: command 14" --batch "$tmpd/long.batch"
# ... a usage error on any line sends nothing, not even a read
printf 'group add a\nrule add a ingress tcp port 80 from 0.0.0.0/0\nrule add a ingress tcp port 99999 from 0.0.0.0/0\n' >"$tmpd/bad.batch"
t 2 "bad.batch:3: nothing was sent" -b "$tmpd/bad.batch"
t 2 "bad port or range '99999'" -b "$tmpd/bad.batch"
unsent() {	# unsent PATTERN DESCRIPTION ARGS...: sgnl ARGS prints no PATTERN
	local pat=$1 d=$2
	shift 2
	n=$((n + 1))
	if ! "$sgnl" "$@" 2>/dev/null | grep -q "$pat"; then echo "ok $n - $d"
	else failed=$((failed + 1)); echo "not ok $n - $d: it was sent"; fi
}
unsent "sent:" "a batch with a bad third line asks nothing of the kernel" -b "$tmpd/bad.batch"
# ... a change that cannot be made (no such group) sends no change
printf 'group add a\nrule add nosuch ingress tcp port 80 from 0.0.0.0/0\n' >"$tmpd/nogroup.batch"
t 1 "nogroup.batch:2: rule add: no group 'nosuch'; nothing was changed" -b "$tmpd/nogroup.batch"
unsent "command 14" "... and no replace is sent" -b "$tmpd/nogroup.batch"
# members: 3,000 join, a third leave (the last one takes the place of each
# that leaves), some join again; then one that is a member cannot be added
# and one that is not cannot be deleted, wherever it sits
python3 - "$tmpd" >"$tmpd/members.cases" <<'EOF'
import random, sys
d = sys.argv[1]
random.seed(7)
ips = ["10.%d.%d.%d" % (1 + i // 65536, i // 256 % 256, i % 256) for i in range(3000)]
lines, have = ["group add big"], set()
for a in ips:
    lines.append("member add big " + a)
    have.add(a)
gone = random.sample(ips, 1000)
for a in gone:
    lines.append("member del big " + a)
    have.discard(a)
for a in gone[::3]:
    lines.append("member add big " + a)
    have.add(a)
open(d + "/members.batch", "w").write("\n".join(lines) + "\n")
last = len(lines) + 1
for i, a in enumerate(random.sample(sorted(have), 3)):
    open("%s/dupe%d.batch" % (d, i), "w").write("\n".join(lines + ["member add big " + a]) + "\n")
    print("dupe%d %d %s" % (i, last, a))
for i, a in enumerate(random.sample(sorted(set(ips) - have), 3)):
    open("%s/absent%d.batch" % (d, i), "w").write("\n".join(lines + ["member del big " + a]) + "\n")
    print("absent%d %d %s" % (i, last, a))
EOF
t 0 "sent: command 14" -b "$tmpd/members.batch"
while read -r f line a; do
	case $f in
	dupe*) t 1 "$f.batch:$line: member add: $a is already a member of 'big'" -b "$tmpd/$f.batch" ;;
	*) t 1 "$f.batch:$line: member del: $a is not a remote member of 'big'" -b "$tmpd/$f.batch" ;;
	esac
done <"$tmpd/members.cases"
printf 'group add a\ngroup list\n' >"$tmpd/read.batch"
t 2 "'group list' is not a change" -b "$tmpd/read.batch"
t 0 "sent: command 1" -b "$tmpd/read.batch" --continue
t 2 "--continue goes with -b FILE" --continue group list
# --continue: a failing line is told and the next still runs
printf 'group add\ngroup add b\n' >"$tmpd/cont.batch"
t 2 "cont.batch:1: command failed" -b "$tmpd/cont.batch" --continue
t 2 "sent: command 1" -b "$tmpd/cont.batch" --continue

# help, version and options need no kernel: the real sgnl, where the
# module cannot be (this host loads no module)
if [ ! -d /sys/module/secgroup ]; then
	fake=$sgnl
	sgnl=$real
	printf '{ "groups": [], "groups": [] }\n' >"$tmpd/dup.json"
	t 0 "usage: sgnl" help
	t 0 "usage: sgnl" --help
	t 0 "rule add GROUP ingress PROTO" rule help
	t 0 "rule del GROUP RULE-ID" rule del help
	t 0 "rule add GROUP ingress PROTO" rule add web ingress help
	t 0 "group add NAME" group create help
	t 0 "attach {dev IFNAME" attach dev veth0 help
	t 2 "rule: unknown command 'frob'" rule frob help
	t 2 "unknown object 'frob'" frob
	t 2 "unknown object 'frob'" frob help
	t 0 "sgnl 0." --version
	t 0 "sgnl 0." -V
	t 2 "unknown option '--frob'" --frob group list
	t 2 "option '-b' needs a value" -b
	t 2 "unknown protocol 'tcpp'" rule add web ingress tcpp port 80 from 0.0.0.0/0
	t 2 "bad port or range '0'" --json rule add web ingress tcp port 0 from 0.0.0.0/0
	t 2 "attach: unknown argument 'colour'" attach dev veth0 group web colour
	t 2 "attach: bad MAC address '00:00:00:00:00:00'" attach dev veth0 mac 00:00:00:00:00:00
	t 2 "attach: bad MAC address ''" attach dev veth0 group web mac
	t 2 "detach: unknown argument 'now'" detach dev nosuchdev now
	t 2 "duplicate object key" apply "$tmpd/dup.json"
	t 1 "the secgroup module is not loaded" group list
	t 1 "the secgroup module is not loaded" --json --numeric group list
	t 1 "the secgroup module is not loaded" rule add web ingress tcp port ssh from 10.0.0.0/8
	t 1 "the secgroup module is not loaded" -b "$tmpd/long.batch"
	t 0 '"name": "mgmt"' apply "$ex" check
	sgnl=$fake
fi
rm -rf "$tmpd"

# the JSON schema of -j: a valid 2020-12 schema whose definitions can refuse
n=$((n + 1))
if python3 - "$(dirname "$0")/../Documentation/sgnl.schema.json" <<'PY'
import json, sys
import jsonschema
s = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(s)
def ok(d, doc):
    return jsonschema.Draft202012Validator({"$ref": "#/$defs/" + d, "$defs": s["$defs"]}).is_valid(doc)
g = {"id": "sg-0000abcd", "name": "web", "description": "", "default": False,
     "attachments": 0, "tags": {}, "members": []}
r = {"id": "sgr-0000abcd", "group": "sg-0000abcd", "direction": "ingress", "protocol": "tcp",
     "port": "80", "peer": "10.0.0.0/8", "description": "", "hits": 0, "last_hit": 0}
assert ok("group-list", [g]) and ok("group-add", [g]) and ok("rule-list", [r])
assert not ok("group-add", []) and not ok("group-add", g) and not ok("stats", {"attachments": []})
assert not ok("rule-list", [dict(r, peer_group="sg-00000001")])   # two peers
assert not ok("rule-list", [dict(r, direction="inbound")])
PY
then echo "ok $n - Documentation/sgnl.schema.json is a schema, and refuses what it should"
else failed=$((failed + 1)); echo "not ok $n - Documentation/sgnl.schema.json"; fi

# the man page: no groff warnings, every object documented
top=$(cd "$(dirname "$0")/.." && pwd)
n=$((n + 1))
w=$(groff -man -ww -z "$top/Documentation/sgnl.8" 2>&1)
if [ -z "$w" ]; then echo "ok $n - sgnl.8 formats without warnings"; else
	failed=$((failed + 1)); echo "not ok $n - sgnl.8: $w"; fi
# rendered as a reader sees it: no keyword run into its placeholder
# ("devIFNAME"), and examples kept as written, not justified
page=$(groff -man -Tascii -P-cbou "$top/Documentation/sgnl.8" 2>/dev/null)
n=$((n + 1))
bad=$(printf '%s\n' "$page" | grep -E '(^|[ {[|])(dev|cgroup|group|addr|description|port|type|code|tag|untag|unused|fail-on|peer|from|to)[A-Z]')
if [ -n "$page" ] && [ -z "$bad" ]; then echo "ok $n - sgnl.8 renders every keyword apart from its placeholder"
else failed=$((failed + 1)); echo "not ok $n - sgnl.8 renders words together: $bad"; fi
n=$((n + 1))
if printf '%s\n' "$page" | grep -q '^ *flow v-web ingress 198.51.100.7 10.0.1.10 40112 80 6 ACCEPT$'
then echo "ok $n - sgnl.8's flow example is shown as written"
else failed=$((failed + 1)); echo "not ok $n - sgnl.8's flow example is reflowed"; fi
for obj in group rule attach detach member stats monitor audit save apply; do
	n=$((n + 1))
	if grep -q "^\\.B.* $obj\|^\\.B $obj\|^\\.BI \"$obj\|^\\.BR \"$obj\|^\\.B $obj\b\|\"$obj \|^\\\\fB$obj\\\\fR" "$top/Documentation/sgnl.8"; then
		echo "ok $n - sgnl.8 documents $obj"
	else
		failed=$((failed + 1)); echo "not ok $n - sgnl.8 does not document $obj"
	fi
done

# bash completion
comp() {	# comp WORDS...: what completing the last word offers
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMPREPLY=()
	_sgnl
	echo "${COMPREPLY[*]}"
}
. "$top/tools/sgnl/sgnl.bash-completion"
PATH=$(dirname "$real"):$PATH	# completion asks sgnl itself
cc() {	# cc WANT WORDS...
	local want=$1 got
	shift
	got=$(comp "$@")
	n=$((n + 1))
	if [ "$got" = "$want" ]; then echo "ok $n - completion of '$*'"; else
		failed=$((failed + 1)); echo "not ok $n - completion of '$*': '$got', wanted '$want'"; fi
}
cc "group" sgnl gr
cc "add del set list show" sgnl group ""
cc "all" sgnl rule add web ingress al
cc "http https" sgnl rule add web ingress ht
cc "-t events flows -o" sgnl monitor ""
cc "vpc" sgnl monitor flows -o ""
cc "set" sgnl rule s
cc "flowlog flush" sgnl attach dev v0 f
cc "-j" sgnl -j
cc "dry-run" sgnl apply f.json d
cc "groups" sgnl save g
# where the old script offered the wrong things
cc "ingress egress" sgnl rule add web ""
cc "group" sgnl rule add web ingress tcp port 80 from ""
cc "group" sgnl rule add web egress all to ""
cc "description flush" sgnl rule add web ingress all from 10.0.0.0/8 ""
cc "" sgnl member add web ""
cc "" sgnl attach dev lo addr ""
cc "sctp ssh" sgnl rule add web ingress s
cc "udp udplite" sgnl rule add web ingress ud
cc "echo-reply echo-request" sgnl rule add web ingress icmp type echo
cc "port-unreachable" sgnl rule add web ingress icmp type 3 code port
cc "check" sgnl apply f.json c
cc "--continue" sgnl --con
cc "no-default-egress" sgnl group add web no
cc "untag" sgnl group set web un
# the protocols completion offers are the parser's: each one parses
n=$((n + 1))
bad=
for p in $(sgnl __complete rule add web ingress); do
	"$sgnl" rule add web ingress "$p" from 10.0.0.0/8 >/dev/null 2>&1 || bad="$bad $p"
done
if [ -z "$bad" ] && [ "$(sgnl __complete rule add web ingress | wc -l)" -ge 17 ]; then
	echo "ok $n - every protocol completion offers is one the parser takes"
else failed=$((failed + 1)); echo "not ok $n - protocols offered but refused:$bad"; fi
# ... and the man page and the help name every one of them
n=$((n + 1))
bad=
for p in $(sgnl __complete rule add web ingress); do
	grep -qw -- "$p" "$top/Documentation/sgnl.8" && "$real" rule add help | grep -qw -- "$p" ||
		bad="$bad $p"
done
if [ -z "$bad" ]; then echo "ok $n - sgnl.8 and 'sgnl rule add help' list every protocol the parser takes"
else failed=$((failed + 1)); echo "not ok $n - not listed in sgnl.8 or the help:$bad"; fi
# the grammar completion runs (the help's synopses) against the parser
n=$((n + 1))
if python3 "$top/tests/grammar_check.py" "$sgnl" "$real" 400 >"$tmpd.grammar" 2>&1; then
	echo "ok $n - 400 sentences of the synopses' grammar: the parser takes each"
else failed=$((failed + 1)); echo "not ok $n - the synopses allow what the parser refuses"; fi
sed 's/^/# /; s/^# # /# /' "$tmpd.grammar"
rm -f "$tmpd.grammar"

echo "1..$n"
echo "$((n - failed)) passed, $failed failed"
[ "$failed" = 0 ]
