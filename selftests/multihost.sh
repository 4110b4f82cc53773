#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Three hosts of one VPC, kept in step through etcd by their agents
# (sgnl sync): each host a network namespace with its own secgroup state,
# joined by a routed fabric (the VM's initial netns, where etcd runs), with
# instances behind veths.  The article's three tiers are spread over the
# hosts; every cell is probed with real connections.  Then: a member joins
# on one host and the others enforce it (the delay is measured, median and
# maximum over repeated joins and leaves), a group named with a slash, an agent
# dies and its members expire with its lease, etcd stops and comes back
# (enforcement goes on, a change made meanwhile arrives), a compaction
# forces a full resynchronisation, bad data is refused whole.
. "$(dirname "$0")/lib.sh"
command -v etcd >/dev/null || { echo "TAP version 13"; echo "1..0 # SKIP no etcd"; exit "$ksft_skip"; }
sg_setup
work=$(mktemp -d)
URL=http://10.99.0.1:2379
TTL=4
HOSTS=(h1 h2 h3)
declare -A AGENT

etcd_start() {
	etcd --name vm --data-dir "$work/etcd" --listen-client-urls "$URL" \
		--advertise-client-urls "$URL" --listen-peer-urls http://127.0.0.1:2380 \
		--initial-advertise-peer-urls http://127.0.0.1:2380 \
		--initial-cluster vm=http://127.0.0.1:2380 --auth-token-ttl 3 \
		>>"$work/etcd.log" 2>&1 &
	ETCD=$!
	local _
	for _ in $(seq 150); do
		etcdctl --endpoints "$URL" endpoint health >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}
etcd_stop() { kill "$ETCD"; wait "$ETCD" 2>/dev/null; }
ectl() { etcdctl --endpoints "$URL" "$@"; }

# etcd's users and roles: root (sgnl --etcd and etcdctl here, through
# ETCDCTL_USER, which both read), and one user per host that may read the
# VPC and write under its own hosts/HOST/ only.  Tokens last 3 s, so the
# agents trade them again (h2's, stopped for a while below, must).
etcd_auth() {
	local h
	ETCDCTL_USER= ectl user add root:rootpw >/dev/null || return 1
	for h in "${HOSTS[@]}"; do
		ETCDCTL_USER= ectl user add "$h:${h}pw" >/dev/null &&
		ETCDCTL_USER= ectl role add "host-$h" >/dev/null &&
		ETCDCTL_USER= ectl role grant-permission "host-$h" read /secgroup/t/ --prefix >/dev/null &&
		ETCDCTL_USER= ectl role grant-permission "host-$h" readwrite "/secgroup/t/hosts/$h/" --prefix >/dev/null &&
		ETCDCTL_USER= ectl user grant-role "$h" "host-$h" >/dev/null || return 1
	done
	ectl auth enable >/dev/null 2>&1
}
export ETCDCTL_USER=root:rootpw

# host N: netns hN on the fabric as 10.99.N.1, its instances in 10.N.0.0/16
host() {
	local h=h$1
	ip netns add "$h"
	NS_LIST+=("$h")
	ip link add "f-$h" type veth peer name fab netns "$h"
	ip addr add "10.99.$1.254/24" dev "f-$h"
	ip link set "f-$h" up
	ip -n "$h" link set lo up
	ip -n "$h" link set fab up
	ip -n "$h" addr add "10.99.$1.1/24" dev fab
	ip -n "$h" route add default via "10.99.$1.254"
	ip netns exec "$h" sysctl -qw net.ipv4.ip_forward=1
	ip route add "10.$1.0.0/16" via "10.99.$1.1"
}

# vm HOST NAME ADDR: an instance NAME behind veth v-NAME on HOST
vm() {
	local h=$1 name=$2 a=$3
	ip netns add "$name"
	NS_LIST+=("$name")
	ip -n "$h" link add "v-$name" type veth peer name eth0 netns "$name"
	ip -n "$h" addr add 10.255.255.1/32 dev "v-$name"
	ip -n "$h" link set "v-$name" up
	ip -n "$name" link set lo up
	ip -n "$name" link set eth0 up
	ip -n "$name" addr add "$a/32" dev eth0
	ip -n "$name" route add 10.255.255.1/32 dev eth0
	ip -n "$name" route add default via 10.255.255.1 dev eth0
	ip -n "$h" route add "$a/32" dev "v-$name"
}

# agent HOST [TTL]: its sgnl sync as HOST's etcd user, logging to
# $work/HOST.log.  h2's lease outlasts the compaction scene, where its agent
# is stopped for a while.
agent() {
	ETCDCTL_USER="$1:${1}pw" ip netns exec "$1" sgnl sync etcd "$URL" vpc t host "$1" \
		ttl "${2:-$TTL}" >>"$work/$1.log" 2>&1 &
	AGENT[$1]=$!
}

# until SECONDS COMMAND...: COMMAND succeeds within SECONDS (polled)
until_ok() {
	local end=$(( $(date +%s) + $1 )); shift
	until "$@"; do
		[ "$(date +%s)" -lt "$end" ] || return 1
		sleep 0.2
	done
}
log_has() { grep -q "$2" "$work/$1.log"; }
ms() { date +%s%3N; }

# ---- the fabric, etcd, the hosts ----
ip link add etcd0 type dummy
ip addr add 10.99.0.1/32 dev etcd0
ip link set etcd0 up
for n in 1 2 3; do host $n; done
for n in 1 2 3; do ip -n h$n route add 10.99.0.1/32 via "10.99.$n.254" 2>/dev/null; done
inst internet 198.51.100.7
serve internet 80
check "etcd starts" etcd_start
check "etcd's users: root, and one per host limited to its own keys" etcd_auth

vm h1 web1 10.1.0.10
vm h2 app1 10.2.0.10
vm h3 db1 10.3.0.10
vm h3 web2 10.3.0.20
for t in web1 app1 db1 web2; do serve $t 80 8080 5432 9090; done

cat >"$work/vpc.json" <<'EOF'
{ "version": 1, "groups": [
  { "name": "web", "rules": [ "ingress tcp port 80 from 0.0.0.0/0",
                              "egress all to 0.0.0.0/0" ] },
  { "name": "app", "rules": [ "ingress tcp port 8080 from group web",
                              "egress all to 0.0.0.0/0" ] },
  { "name": "db",  "rules": [ "ingress tcp port 5432 from group app",
                              "egress all to 0.0.0.0/0" ] },
  { "name": "ops/db", "rules": [ "ingress tcp port 9090 from group ops/db" ] } ] }
EOF
check "the VPC's definition goes to etcd (sgnl --etcd apply)" \
	sgnl --etcd "$URL" --vpc t apply "$work/vpc.json"
check "sgnl --etcd rejects a bad change, nothing written" \
	sh -c "! sgnl --etcd $URL --vpc t rule add nope ingress tcp port 1 from 0.0.0.0/0"

agent h1; agent h2 20; agent h3
for h in "${HOSTS[@]}"; do
	check "$h's agent puts the definition in force" until_ok 30 log_has "$h" "in force"
done
check "h2 has the VPC's groups" ip netns exec h2 sgnl group show db
ip netns exec h1 sgnl attach dev v-web1 group web addr 10.1.0.10
ip netns exec h2 sgnl attach dev v-app1 group app addr 10.2.0.10
ip netns exec h3 sgnl attach dev v-db1 group db group ops/db addr 10.3.0.10
members() {	# members HOST GROUP ADDR...: GROUP on HOST has them all
	local h=$1 g=$2 a; shift 2
	local got
	got=$(ip netns exec "$h" sgnl -j group show "$g" 2>/dev/null) || return 1
	for a in "$@"; do echo "$got" | grep -q "\"$a\"" || return 1; done
}
check "h2 sees web1 (h1) as a member of web" until_ok 30 members h2 web 10.1.0.10
check "h3 sees app1 (h2) as a member of app" until_ok 30 members h3 app 10.2.0.10

# ---- a host forges another's members: etcd refuses, nothing changes ----
# root on a rogue host has h1's etcd password; with it, it claims web1's
# address is a member of db published by h3: directly, and through an
# agent that names itself h3 and has an instance in db at that address.
check "h1's user cannot put a key under hosts/h3/" \
	sh -c "! ETCDCTL_USER=h1:h1pw etcdctl --endpoints $URL put /secgroup/t/hosts/h3/db/10.1.0.10 dev:x 2>/dev/null"
check "h1's user cannot change the definition" \
	sh -c "! ETCDCTL_USER=h1:h1pw sgnl --etcd $URL --vpc t group add evil 2>/dev/null"
check "h1's user can read it" sh -c "ETCDCTL_USER=h1:h1pw sgnl --etcd $URL --vpc t save >/dev/null"
host 4	# the rogue host, h4 on the fabric
ip -n h4 route add 10.99.0.1/32 via 10.99.4.254 2>/dev/null
ip -n h4 link add d0 type dummy
ETCDCTL_USER=h1:h1pw ip netns exec h4 sgnl sync etcd "$URL" vpc t host h3 ttl "$TTL" \
	>>"$work/rogue.log" 2>&1 &
rogue=$!
check "a rogue agent with h1's user, named h3, reads the VPC" until_ok 30 log_has rogue "in force"
ip netns exec h4 sgnl attach dev d0 group db addr 10.1.0.10
check "... its publication of a db member is refused" until_ok 30 log_has rogue "permission denied"
kill "$rogue"; wait "$rogue" 2>/dev/null
sed 's/^/# rogue: /' "$work/rogue.log" | tail -8
check "... no key of h3 holds web1's address" \
	sh -c "! etcdctl --endpoints $URL get --prefix /secgroup/t/hosts/h3/ --keys-only | grep -q 10.1.0.10"
check "... and h2 does not count it in db" \
	sh -c "! ip netns exec h2 sgnl -j group show db | grep -q 10.1.0.10"

# ---- the three tiers across the hosts ----
while read -r src dst port want; do
	case $dst in web1) a=10.1.0.10 ;; app1) a=10.2.0.10 ;; db1) a=10.3.0.10 ;; esac
	if [ "$want" = allow ]; then
		check "$src -> $dst:$port allowed" tcp "$src" "$a" "$port"
	else
		check "$src -> $dst:$port blocked" no_tcp "$src" "$a" "$port"
	fi
done <<'MATRIX'
internet web1 80 allow
internet web1 8080 block
web1 app1 8080 allow
internet app1 8080 block
web1 app1 80 block
app1 db1 5432 allow
web1 db1 5432 block
internet db1 5432 block
web2 app1 8080 block
MATRIX

# ---- a member joins on h3: enforced on h2, the delay measured ----
# JOINS times: web2 attached on h3 (joins web) until h2's kernel holds it,
# then detached until h2's kernel has dropped it.  h2 is polled every 10 ms
# through sgnl, whose own run (about 10 ms here) is part of each figure.
gone() { ! members "$@"; }
until_ms() {	# until_ms MS COMMAND...: COMMAND succeeds within MS, polled
	local end=$(( $(ms) + $1 )); shift
	until "$@"; do
		[ "$(ms)" -lt "$end" ] || return 1
		sleep 0.01
	done
}
JOINS=${JOINS:-10}
joins=() leaves=() bad=0
for _ in $(seq "$JOINS"); do
	t0=$(ms)
	ip netns exec h3 sgnl attach dev v-web2 group web addr 10.3.0.20
	until_ms 30000 members h2 web 10.3.0.20 || bad=$((bad + 1))
	joins+=($(( $(ms) - t0 )))
	t0=$(ms)
	ip netns exec h3 sgnl detach dev v-web2
	until_ms 30000 gone h2 web 10.3.0.20 || bad=$((bad + 1))
	leaves+=($(( $(ms) - t0 )))
done
check "$JOINS joins and leaves on h3, each in h2's kernel within 30 s" test "$bad" = 0
spread() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { printf "median %d ms, max %d ms", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2, v[NR] }'; }
echo "# figures: propagation of a join, h3 to h2's kernel, $JOINS times: $(spread "${joins[@]}")"
echo "# figures: propagation of a leave, h3 to h2's kernel, $JOINS times: $(spread "${leaves[@]}")"
check "web2 detached: h2 blocks it" no_tcp web2 10.2.0.10 8080
t0=$(ms)
ip netns exec h3 sgnl attach dev v-web2 group web addr 10.3.0.20
check "web2 joins web on h3: h2 lets it in" until_ok 30 tcp web2 10.2.0.10 8080
echo "# propagation: web2 joined on h3, a connection to h2 let in after $(( $(ms) - t0 )) ms (probe included)"

# ---- a group whose name holds a slash: its member keys still parse ----
check "web1 -> db1:9090 blocked while web1 is not in ops/db" no_tcp web1 10.3.0.10 9090
ip netns exec h1 sgnl attach dev v-web1 group web group ops/db addr 10.1.0.10
check "web1 joins ops/db on h1: h3 sees it in ops/db" until_ok 30 members h3 ops/db 10.1.0.10
check "... and h3 lets web1 reach db1:9090" until_ok 30 tcp web1 10.3.0.10 9090
check "... while h3 does not put web1 in a group 'ops'" sh -c "! ip netns exec h3 sgnl group show ops 2>/dev/null"
ip netns exec h1 sgnl attach dev v-web1 group web addr 10.1.0.10
check "web1 leaves ops/db: h3 blocks db1:9090 again" until_ok 30 no_tcp web1 10.3.0.10 9090

# ---- h3's agent dies: its members expire with its lease ----
kill -9 "${AGENT[h3]}"
wait "${AGENT[h3]}" 2>/dev/null
check "h3's agent killed: web2's membership expires on h2" \
	until_ok $((TTL * 4)) sh -c "! ip netns exec h2 sgnl -j group show web | grep -q 10.3.0.20"
check "... and h2 blocks web2 again" no_tcp web2 10.2.0.10 8080
check "... while web1 (h1) is still let in" tcp web1 10.2.0.10 8080
agent h3
check "h3's agent back: web2 is published again" until_ok 30 members h2 web 10.3.0.20

# ---- etcd stops: enforcement goes on; a change made meanwhile arrives ----
etcd_stop
check "etcd down: h2 still lets web1 in" tcp web1 10.2.0.10 8080
check "etcd down: h2 still blocks the internet" no_tcp internet 10.2.0.10 8080
check "h1's agent says it keeps the last state" until_ok 20 log_has h1 "keeps enforcing"
ip netns exec h1 sgnl attach dev v-web1 group web group app addr 10.1.0.10
check "etcd back" etcd_start
check "the change made meanwhile (web1 in app) reaches h3" until_ok 30 members h3 app 10.1.0.10
check "h3 lets web1 reach db now" tcp web1 10.3.0.10 5432
ip netns exec h1 sgnl attach dev v-web1 group web addr 10.1.0.10

# ---- a compaction: a watch that cannot resume reads everything again ----
kill -STOP "${AGENT[h2]}"
etcd_stop
check "etcd back for the compaction" etcd_start
check "a rule added while h2's agent is stopped" \
	sgnl --etcd "$URL" --vpc t rule add app ingress tcp port 9090 from group web
rev=$(ectl get /secgroup/t/config -w json | python3 -c 'import json,sys; print(json.load(sys.stdin)["header"]["revision"])')
check "compacted to revision $rev" ectl compaction "$rev"
kill -CONT "${AGENT[h2]}"
check "h2's agent reads everything again" until_ok 30 log_has h2 "compacted away"
check "... and enforces the new rule (web1 -> app1:9090)" until_ok 30 tcp web1 10.2.0.10 9090

# ---- bad data is refused whole; the last good state stays ----
ectl put /secgroup/t/config '{"version": 1, "groups": [' >/dev/null
check "malformed JSON: each agent refuses it" until_ok 30 log_has h1 "not a configuration"
check "... and h2 still enforces the last good state" tcp web1 10.2.0.10 9090
check "... and still blocks the internet" no_tcp internet 10.2.0.10 8080
python3 - "$work/vpc.json" "$work/big.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["groups"][1]["rules"] += ["ingress tcp port %d from 10.0.0.0/8" % p for p in range(1000, 1070)]
json.dump(c, open(sys.argv[2], "w"))
EOF
ectl put /secgroup/t/config "$(cat "$work/big.json")" >/dev/null
check "over the kernel's rule quota: refused whole" until_ok 30 log_has h2 "the kernel refused"
check "... the last good state stays (web1 -> app1:8080)" tcp web1 10.2.0.10 8080
check "... none of the refused rules is in force" no_tcp internet 10.2.0.10 8080
check "a good definition again is taken" sgnl --etcd "$URL" --vpc t apply "$work/vpc.json"
check "... web1 -> app1:9090 is gone with it" until_ok 30 no_tcp web1 10.2.0.10 9090

# ---- figures for Documentation/multi-host.md: 960 members of a host "h9"
# put at once (8 transactions; the group's quota, max_members, is 1,000);
# etcd's and h2's agent's memory per key, and the time until h2 enforces
# them all ----
dbsize() { ectl endpoint status -w json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["Status"]["dbSize"])'; }
rss() { awk '/VmRSS/ { print $2 * 1024 }' "/proc/$1/status"; }
ectl compaction "$(ectl get /secgroup/t/config -w json | python3 -c 'import json,sys; print(json.load(sys.stdin)["header"]["revision"])')" >/dev/null
ectl defrag >/dev/null
db0=$(dbsize); rss0=$(rss "${AGENT[h2]}")
t0=$(ms)
for b in $(seq 0 7); do
	for i in $(seq 0 119); do
		k=$((b * 120 + i))
		echo "put /secgroup/t/hosts/h9/web/10.9.$((k / 250)).$((k % 250 + 1)) dev:v$k"
	done | { echo; cat; echo; echo; } | ectl txn >/dev/null
done
if until_ok 60 members h2 web 10.9.3.210 10.9.0.1; then
	ok "960 members of h9 reach h2"
	t1=$(ms)
	ectl defrag >/dev/null
	db1=$(dbsize); rss1=$(rss "${AGENT[h2]}")
	echo "# figures: 960 member keys enforced on h2 $((t1 - t0)) ms after the first put"
	echo "# figures: etcd database $(( (db1 - db0) / 960 )) bytes per member key (defragmented)"
	echo "# figures: h2's agent $(( (rss1 - rss0) / 960 )) bytes of RSS per member key"
else
	fail "960 members of h9 reach h2"
	tail -5 "$work/h2.log" | sed 's/^/# /'
fi

kill "${AGENT[@]}" 2>/dev/null
wait "${AGENT[@]}" 2>/dev/null	# not the servers, which run till cleanup
etcd_stop
ip link del etcd0
for h in "${HOSTS[@]}" h4; do ip link del "f-$h" 2>/dev/null; done
ip route del 10.1.0.0/16 2>/dev/null; ip route del 10.2.0.0/16 2>/dev/null; ip route del 10.3.0.0/16 2>/dev/null; ip route del 10.4.0.0/16 2>/dev/null
grep -h "in force\|refused\|compacted\|keeps\|answers again\|lease" "$work"/h?.log | sed 's/^/# /' | tail -40
rm -rf "$work"
finish
