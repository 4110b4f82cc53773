#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Attacks on the policy, sent for real, by the attackers of the threat model
# in Documentation/design.md: another instance (a), a remote host (c, an
# unattached netns behind the host), an unprivileged user with a user
# namespace, root in a netns of its own.  Each attack must be stopped, and
# the legitimate traffic next to it must still flow.
. "$(dirname "$0")/lib.sh"
PKT="$(dirname "$0")/sgpkt.py"
sg_setup

inst a 10.0.0.2 fd00::2
inst b 10.0.0.3 fd00::3
inst c 10.0.0.4 fd00::4		# not attached: a host outside
serve b 80 81 10000
serve_udp b 53
sgnl group add sa no-default-egress >/dev/null
sgnl rule add sa egress tcp port 80 to 10.0.0.0/24 >/dev/null
sgnl rule add sa egress tcp port 80 to fd00::/64 >/dev/null
sgnl group add sb >/dev/null
sgnl rule add sb ingress tcp port 80 from 10.0.0.0/24 >/dev/null
sgnl rule add sb ingress tcp port 80 from fd00::/64 >/dev/null
sgnl rule add sb ingress udp port 53 from 10.0.0.0/24 >/dev/null
sgnl rule add sb ingress udp port 53 from fd00::/64 >/dev/null
sgnl attach dev v-a group sa addr 10.0.0.2 addr fd00::2 flowlog
sgnl attach dev v-b group sb addr 10.0.0.3 addr fd00::3 flowlog

stat_of() {	# stat_of DEV FIELD
	sgnl -j stats dev "$1" |
		python3 -c "import json,sys; print(json.load(sys.stdin)[0]['stats']['$2'])"
}

hits_of() {	# hits_of GROUP PORT: the hits of GROUP's rules for PORT, summed
	sgnl -j group show "$1" | python3 -c "
import json, sys
print(sum(r['hits'] for r in json.load(sys.stdin)[0]['rules'] if r.get('port') == '$2'))"
}

# receive NS OUTFILE ARGS...: an sgpkt.py receiver, ready when it returns
receive() {
	local ns=$1 out=$2 i
	shift 2
	rm -f "$out" "$out.err"
	ip netns exec "$ns" python3 "$PKT" "$@" >"$out" 2>"$out.err" &
	for i in $(seq 100); do grep -q ready "$out.err" 2>/dev/null && return 0; sleep 0.1; done
	echo "# receiver in $ns did not start"
}
got() {	# got PID OUTFILE: what the receiver counted, in $n
	wait "$1"
	n=$(cat "$2")
	grep -v '^ready$' "$2.err" | sed 's/^/# receiver: /'
	return 0
}
out=$(mktemp)

# ---- 1. neighbour discovery and MLD are exempt only as the link's own

# sent TO FROM ARGS...: FROM sends ARGS with sgpkt.py while TO counts
# what arrives (RECV, the receiver's arguments, set before); in $n
sent() {
	local to=$1 from=$2 r
	shift 2
	receive "$to" "$out" $RECV
	r=$!
	ip netns exec "$from" python3 "$PKT" "$@"
	got $r "$out"
}
RECV="recv4 58 $((T + 1)) 10.0.0.2" sent c a raw4 10.0.0.4 58 8700000000000000
check "IPv4 with protocol 58 and an ND type does not leave a ($n arrived)" test "$n" = 0
RECV="recv6 135 $((T + 1)) fd00::2" sent c a icmp6 fd00::4 135 255
check "a forged neighbour solicitation to a routed address does not leave a ($n arrived)" \
	test "$n" = 0
RECV="recv6 135 $((T + 1)) fd00::4" sent b c icmp6 fd00::3 135 255
check "a forwarded neighbour solicitation does not reach b ($n arrived)" test "$n" = 0
RECV="recv6 130 $((T + 1)) fd00::4" sent b c icmp6 fd00::3 130 255
check "an MLD query to a unicast address with hop limit 255 does not reach b ($n arrived)" \
	test "$n" = 0

# the real thing still works: neighbours resolved afresh, both ways
ip -n a -6 neigh flush all; ip -n b -6 neigh flush all
ip -6 neigh flush dev v-a; ip -6 neigh flush dev v-b
check "IPv6 neighbour discovery still resolves: a -> b:80 over IPv6" tcp a fd00::3 80
check "... and the host resolved b's address on its veth" sh -c \
	'ip -6 neigh show dev v-b | grep -q "fd00::3.*\(REACHABLE\|STALE\|DELAY\|PROBE\)"'

# ---- 2. a flushed connection stays dead, whichever side sends first

sgnl rule add sb ingress tcp port 7100 from 10.0.0.4/32 >/dev/null
ip netns exec b socat TCP6-LISTEN:7100,ipv6only=0,reuseaddr \
	SYSTEM:'while echo tick; do sleep 0.3; done' 2>/dev/null &
wait_listen b 7100
coproc TICK { ip netns exec c socat -T60 - TCP:10.0.0.3:7100 2>/dev/null; }
exec 5<&"${TICK[0]}"
line=; read -r -t "$T" line <&5
check "c's connection to b:7100 is established" test "$line" = tick
inv0=$(stat_of v-b drop_invalid)
sgnl rule del sb ingress tcp port 7100 from 10.0.0.4/32 flush >/dev/null
sleep 1
while read -r -t 0.2 line <&5; do :; done	# ticks in flight before the flush
line=; read -r -t $((T + 1)) line <&5
check "the server's next segments do not revive the flushed connection" test -z "$line"
check "... they are dropped as no new connection ($inv0 -> $(stat_of v-b drop_invalid))" \
	test "$(stat_of v-b drop_invalid)" -gt "$inv0"
check "... and conntrack holds no entry for it" sh -c \
	'! conntrack -L -p tcp 2>/dev/null | grep -q "port=7100"'
kill "$TICK_PID" 2>/dev/null; exec 5<&-
ip netns exec b pkill -f TCP6-LISTEN:7100

# ---- 3. events and reads: CAP_NET_ADMIN in the netns's user namespace

nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
timeout $((T + 5)) bash -c "$(declare -f nobody); nobody sgnl monitor" >/dev/null 2>&1
rc=$?
check "an unprivileged user cannot subscribe to the events (exit $rc)" \
	sh -c "[ $rc != 0 ] && [ $rc != 124 ]"
no_nobody() { ! nobody "$@" >/dev/null 2>&1; }
check "an unprivileged user cannot read the groups" no_nobody sgnl group list
check "root of its own user and network namespace reads and watches its own" \
	nobody unshare -Urn sh -c 'sgnl group list | grep -q default &&
		{ timeout 2 sgnl monitor; [ $? = 124 ]; }'

# ---- 4. fragments without conntrack get no verdict from garbage

# notrack ahead of defragmentation, as only root in the netns can set up
check "nftables skips conntrack for c's UDP to b, ahead of defragmentation" nft -f - <<'EOF'
table inet sgadv {
	chain pre {
		type filter hook prerouting priority -500;
		ip saddr 10.0.0.4 ip daddr 10.0.0.3 meta l4proto udp notrack
		ip6 saddr fd00::4 ip6 daddr fd00::3 meta l4proto udp notrack
	}
}
EOF
hits0=$(hits_of sb 53) inv0=$(stat_of v-b drop_invalid)
ip netns exec c python3 "$PKT" frag4 10.0.0.4 10.0.0.3 1234 53
ip netns exec c python3 "$PKT" frag6 fd00::4 fd00::3 1234 53
sleep 1
check "untracked non-first fragments whose payload reads as port 53 match no rule" \
	test "$(hits_of sb 53)" = "$hits0"
check "... they are dropped as invalid ($inv0 -> $(stat_of v-b drop_invalid))" \
	test "$(stat_of v-b drop_invalid)" -ge $((inv0 + 2))
nft delete table inet sgadv
check "tracked udp 53 from c to b is still answered" udp c 10.0.0.3 53
check "... over IPv6 too" udp c fd00::3 53

# ---- 5. a conntrack helper opens no port that no rule opens

modprobe nf_conntrack_ftp 2>/dev/null
check "nftables assigns the ftp helper to port 21" nft -f - <<'EOF'
table inet sgftp {
	ct helper ftp-std {
		type "ftp" protocol tcp;
	}
	chain pre {
		type filter hook prerouting priority filter;
		tcp dport 21 ct helper set "ftp-std"
	}
}
EOF
sgnl rule add sb ingress tcp port 21 from 10.0.0.4/32 >/dev/null
# The helper reads a line only in a segment that follows a complete one:
# a banner first, as servers send.  (socat splits addresses at commas:
# the server is a script.)
cat >"$out.ftp" <<'EOF'
printf '220 ready\r\n'
sleep 1
printf '227 Entering Passive Mode (10,0,0,3,39,16).\r\n'
sleep 5
EOF
ip netns exec b socat TCP6-LISTEN:21,ipv6only=0,reuseaddr,fork SYSTEM:"sh $out.ftp" 2>/dev/null &
wait_listen b 21
# c reads b's lines until the server closes (20 s at most): a slow VM gets
# its 227 however late it comes
pasv() { ip netns exec c timeout 20 socat -u TCP:10.0.0.3:21 - 2>/dev/null | grep -q '^227'; }
check "c's control connection to b:21 gets the passive-mode reply" pasv
check "... and the ftp helper expects a data connection to b:10000" sh -c \
	'conntrack -L expect 2>/dev/null | grep -q "dport=10000"'
check "the expected connection to b:10000 is judged by b's rules: blocked" no_tcp c 10.0.0.3 10000
sgnl rule add sb ingress tcp port 10000 from 10.0.0.4/32 >/dev/null
pasv
check "with a rule for it, the expected connection opens" tcp c 10.0.0.3 10000
nft delete table inet sgftp
ip netns exec b pkill -f TCP6-LISTEN:21

# ---- 6. a revoke with flush reaches connections that DNAT rewrote

check "nftables DNATs 192.0.2.80:8080 to b:7200" nft -f - <<'EOF'
table ip sgnat {
	chain pre {
		type nat hook prerouting priority dstnat;
		ip daddr 192.0.2.80 tcp dport 8080 dnat to 10.0.0.3:7200
	}
}
EOF
sgnl rule add sb ingress tcp port 7200 from 10.0.0.4/32 >/dev/null
ip netns exec b socat TCP6-LISTEN:7200,ipv6only=0,reuseaddr EXEC:cat 2>/dev/null &
wait_listen b 7200
coproc NAT { ip netns exec c socat -T60 - TCP:192.0.2.80:8080 2>/dev/null; }
exec 7<&"${NAT[0]}" 8>&"${NAT[1]}"
echo one >&8; line=; read -r -t "$T" line <&7
check "c reaches b:7200 through DNAT of 192.0.2.80:8080" test "$line" = one
sgnl rule del sb ingress tcp port 7200 from 10.0.0.4/32 flush >/dev/null
echo two >&8; line=; read -r -t "$T" line <&7
check "the flush removed the DNAT'd connection" test -z "$line"
check "... conntrack no longer holds it" sh -c \
	'! conntrack -L -p tcp --orig-dst 192.0.2.80 2>/dev/null | grep -q ESTABLISHED'
kill "$NAT_PID" 2>/dev/null; exec 7<&- 8>&-
nft delete table ip sgnat

# ---- 7. a dry run never reaches the datapath

sgnl group add friends >/dev/null
sgnl rule add sb ingress tcp port 81 from group friends >/dev/null
cfg=$(mktemp)
sgnl save groups | python3 -c '
import json, sys
c = json.load(sys.stdin)
for g in c["groups"]:
    if g["name"] == "friends":
        g["members"] = ["10.0.0.4"]
print(json.dumps(c))' >"$cfg"
check "the dry run would make c a friend" sh -c "sgnl apply $cfg dry-run | grep -q 10.0.0.4"
( for i in $(seq 40); do sgnl apply "$cfg" dry-run >/dev/null; done ) &
dry=$!
got_in=0
while kill -0 $dry 2>/dev/null; do
	ip netns exec c socat -T1 -t1 - TCP:10.0.0.3:81,connect-timeout=1 </dev/null 2>/dev/null |
		grep -q ok && got_in=$((got_in + 1))
done
check "no connection got in during 40 dry runs ($got_in did)" test "$got_in" = 0
check "after them c is still no friend" no_tcp c 10.0.0.3 81
rm -f "$cfg"

# ---- 8. the u16 length of a nest: the members a group's message lists fit

old=$(cat /sys/module/secgroup/parameters/max_members)
check "max_members cannot exceed a million" \
	sh -c '! echo 1000001 >/sys/module/secgroup/parameters/max_members 2>/dev/null'
echo 2000 >/sys/module/secgroup/parameters/max_members
sgnl group add big >/dev/null
{
	for i in $(seq 2000); do printf 'member add big fd00:aaaa::%x\n' "$i"; done
	for i in $(seq 50); do
		printf 'group set big tag %s%02d=%s\n' "$(printf 'k%.0s' $(seq 125))" "$i" \
			"$(printf 'v%.0s' $(seq 255))"
	done
} >"$out.b"
check "a group gets 2,000 IPv6 members and 50 of the longest tags" sgnl -b "$out.b"
check "... and shows all of them" sh -c \
	'[ "$(sgnl -j group show big | python3 -c "import json,sys; g=json.load(sys.stdin)[0]; print(len(g[\"members\"]), len(g[\"tags\"]))")" = "2000 50" ]'
check "... and saves back whole" sh -c \
	'[ "$(sgnl save groups | python3 -c "import json,sys; print(sum(len(g.get(\"members\", [])) for g in json.load(sys.stdin)[\"groups\"]))")" = 2000 ]'
sgnl group del big
echo "$old" >/sys/module/secgroup/parameters/max_members
rm -f "$out.b"

# ---- 9. another user's cgroup cannot be attached by an unprivileged user

cgdir=/sys/fs/cgroup/sgadv
mkdir -p "$cgdir/mine"
chown 65534:65534 "$cgdir/mine"
check "an unprivileged user cannot attach a cgroup it may not write to" \
	no_nobody unshare -Urn sgnl attach cgroup sgadv
check "... but can attach the cgroup delegated to it" \
	nobody unshare -Urn sgnl attach cgroup sgadv/mine
rmdir "$cgdir/mine" "$cgdir"

# ---- 10. "from group X" means from X's instances, not from X's addresses

rule_hits() {	# rule_hits GROUP PORT PEER: the hits of that one rule
	sgnl -j group show "$1" | python3 -c "
import json, sys
print(sum(r['hits'] for r in json.load(sys.stdin)[0]['rules']
          if r.get('port') == '$2' and r.get('peer_group', r.get('peer')) == '$3'))"
}
sa_id=$(sgnl -j group show sa | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
sgnl rule add sb ingress udp port 82 from group sa >/dev/null
sgnl rule add sb ingress tcp port 82 from group sa >/dev/null
sgnl rule add sa egress tcp port 82 to 10.0.0.3/32 >/dev/null
serve b 82
check "a, a member of sa, reaches b:82" tcp a 10.0.0.3 82
h0=$(rule_hits sb 82 "$sa_id")
# no reverse-path filter to hide behind: the policy alone must stop it
sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.v-c.rp_filter=0
ip -n c addr add 10.0.0.2/32 dev eth0
for i in 1 2 3; do
	echo x | ip netns exec c socat -u - UDP:10.0.0.3:82,bind=10.0.0.2 2>/dev/null
done
sleep 1
check "c sending with a's address matches no rule of group sa ($h0 -> $(rule_hits sb 82 "$sa_id"))" \
	test "$(rule_hits sb 82 "$sa_id")" = "$h0"
ip -n c addr del 10.0.0.2/32 dev eth0

# a remote member matches only traffic from outside, not from an instance
# attached without addresses (no anti-spoofing) that borrows its address
inst d 10.0.0.5
sgnl group add open >/dev/null
sgnl attach dev v-d group open
sgnl member add friends 10.0.0.9
sgnl rule add sb ingress udp port 83 from group friends >/dev/null
fr_id=$(sgnl -j group show friends | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["id"])')
ip -n d addr add 10.0.0.9/32 dev eth0
h0=$(rule_hits sb 83 "$fr_id")
for i in 1 2 3; do
	echo x | ip netns exec d socat -u - UDP:10.0.0.3:83,bind=10.0.0.9 2>/dev/null
done
sleep 1
check "an attached instance borrowing a remote member's address matches nothing" \
	test "$(rule_hits sb 83 "$fr_id")" = "$h0"
ip -n c addr add 10.0.0.9/32 dev eth0
for i in 1 2 3; do
	echo x | ip netns exec c socat -u - UDP:10.0.0.3:83,bind=10.0.0.9 2>/dev/null
done
sleep 1
check "the same address from outside matches the remote member" \
	test "$(rule_hits sb 83 "$fr_id")" -gt "$h0"
ip -n c addr del 10.0.0.9/32 dev eth0

# ---- 11. cgroup instances: identity of local senders, every protocol

cg=/sys/fs/cgroup/sgadv
mkdir -p "$cg/web" "$cg/db" "$cg/other"
in_cg "$cg/db" socat -t$T TCP-LISTEN:5432,bind=127.0.0.1,fork,reuseaddr SYSTEM:'echo ok' 2>/dev/null &
in_cg "$cg/db" socat -t$T TCP6-LISTEN:5433,ipv6only=0,reuseaddr,fork SYSTEM:'echo ok' 2>/dev/null &
for p in 5432 5433; do
	for i in $(seq 50); do ss -Hltn "sport = :$p" | grep -q . && break; sleep 0.1; done
done
sgnl group add web >/dev/null
sgnl group add db no-default-egress >/dev/null
sgnl rule add db ingress tcp port 5432 from group web >/dev/null
sgnl rule add db ingress tcp port 5433 from 127.0.0.0/8 >/dev/null
sgnl rule add db ingress tcp port 5433 from ::1/128 >/dev/null
sgnl attach cgroup sgadv/web group web addr 127.0.0.1 addr ::1
sgnl attach cgroup sgadv/db group db addr 127.0.0.1 addr ::1
get_from() { [ "$(in_cg "$1" socat -T$T -t$T - TCP:127.0.0.1:"$2",connect-timeout=$T,shut-none \
	</dev/null 2>/dev/null)" = ok ]; }
check "a process of the web cgroup reaches db:5432 (from group web)" get_from "$cg/web" 5432
no_get_from() { ! get_from "$@"; }
check "a process of another cgroup, same address, does not" no_get_from "$cg/other" 5432
check "... nor does a process of the host outside any cgroup instance" \
	sh -c '[ "$(socat -T'"$T"' -t'"$T"' - TCP:127.0.0.1:5432,connect-timeout='"$T"',shut-none </dev/null 2>/dev/null)" != ok ]'

# Every socket of db's cgroup that a packet would reach must be allowed it:
# UDP-Lite (its own table), a raw socket of another protocol, a ping socket
# (an unsolicited echo reply), a raw IPv6 socket of an extension header the
# packet carries.  db allows none of it.
sysctl -qw net.ipv4.ping_group_range="0 2147483647"
cat >"$out.rx" <<'EOF'
import select, socket, sys
socks = {
    "udplite": socket.socket(socket.AF_INET, socket.SOCK_DGRAM, 136),
    "raw253": socket.socket(socket.AF_INET, socket.SOCK_RAW, 253),
    "ping": socket.socket(socket.AF_INET, socket.SOCK_DGRAM, socket.IPPROTO_ICMP),
    "dstopts": socket.socket(socket.AF_INET6, socket.SOCK_RAW, 60),
}
socks["udplite"].bind(("127.0.0.1", 9999))
socks["ping"].bind(("127.0.0.1", 0))
open(sys.argv[2], "w").write(str(socks["ping"].getsockname()[1]))
sys.stderr.write("ready\n"); sys.stderr.flush()
got = {k: 0 for k in socks}
while True:
    r = select.select(list(socks.values()), [], [], float(sys.argv[1]))[0]
    if not r:
        break
    for k, v in socks.items():
        if v in r:
            v.recv(1000); got[k] += 1
print(sum(got.values()), " ".join("%s=%d" % kv for kv in got.items()))
EOF
cat >"$out.tx" <<'EOF'
import socket, struct, sys
def csum(d):
    d += b"\0" * (len(d) % 2)
    s = sum(struct.unpack("!%dH" % (len(d) // 2), d))
    s = (s & 0xFFFF) + (s >> 16)
    return ~(s + (s >> 16)) & 0xFFFF
socket.socket(socket.AF_INET, socket.SOCK_DGRAM, 136).sendto(b"x", ("127.0.0.1", 9999))
socket.socket(socket.AF_INET, socket.SOCK_RAW, 253).sendto(b"x", ("127.0.0.1", 0))
echo = struct.pack("!BBHHH", 0, 0, 0, int(sys.argv[1]), 1) + b"pong"
echo = echo[:2] + struct.pack("!H", csum(echo)) + echo[4:]
socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).sendto(echo, ("127.0.0.1", 0))
lo = socket.inet_pton(socket.AF_INET6, "::1")
body = bytes([17, 0, 1, 4, 0, 0, 0, 0]) + struct.pack("!HHHH", 1234, 9, 9, 0) + b"x"
pkt = struct.pack("!IHBB16s16s", 6 << 28, len(body), 60, 64, lo, lo) + body
socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW).sendto(pkt, ("::1", 0))
EOF
in_cg "$cg/db" python3 "$out.rx" $((T + 1)) "$out.id" >"$out" 2>"$out.err" &
r=$!
for i in $(seq 100); do grep -q ready "$out.err" 2>/dev/null && break; sleep 0.1; done
python3 "$out.tx" "$(cat "$out.id")"
got $r "$out"
check "db's UDP-Lite, raw, ping and IPv6 option sockets get nothing no rule allows ($n)" \
	test "${n%% *}" = 0

# GRE, like ESP, reaches the kernel's handler and raw sockets only: with
# no raw socket of an attached cgroup for it, it passes (the host's
# tunnels and IPsec keep working)
python3 "$PKT" recv4 47 $((T + 1)) 127.0.0.1 >"$out" 2>"$out.err" &
r=$!
for i in $(seq 100); do grep -q ready "$out.err" 2>/dev/null && break; sleep 0.1; done
python3 "$PKT" raw4 127.0.0.1 47 0000080045000014
got $r "$out"
check "GRE to the host, which no cgroup's socket receives, still arrives ($n)" test "$n" = 1

# link control is the kernel's: a process's raw socket building "ND" to
# the link gets no pass, from a cgroup instance to a device instance
receive b "$out" recv6 133 $((T + 1)); r=$!
in_cg "$cg/web" python3 "$PKT" icmp6 ff02::1%v-b 133 255
got $r "$out"
check "a router solicitation built by a cgroup's process does not reach b ($n arrived)" \
	test "$n" = 0

# a SYN that reuses a TIME_WAIT tuple reaches the listener: judged like any
# the client keeps its side open until the server has closed: the
# server's side, which closed first, keeps the tuple in TIME_WAIT
from40000() { [ "$(sleep 2 | socat -T$T - TCP:127.0.0.1:5433,sourceport=40000,reuseaddr,connect-timeout=$T 2>/dev/null)" = ok ]; }
no_from40000() { ! from40000; }
from40000v6() { [ "$(sleep 2 | socat -T$T - TCP6:[::1]:5433,sourceport=40000,reuseaddr,connect-timeout=$T 2>/dev/null)" = ok ]; }
no_from40000v6() { ! from40000v6; }
check "db:5433 answers from port 40000" from40000
check "... over IPv6 too" from40000v6
check "... leaving the server's side in TIME_WAIT" sh -c \
	'[ "$(ss -Htan state time-wait "sport = :5433" | grep -c ":40000")" = 2 ]'
sgnl rule del db ingress tcp port 5433 from 127.0.0.0/8 >/dev/null
sgnl rule del db ingress tcp port 5433 from ::1/128 >/dev/null
check "after the revoke the same tuple does not get in through TIME_WAIT" no_from40000
check "... nor over IPv6" no_from40000v6
sgnl detach cgroup sgadv/web
sgnl detach cgroup sgadv/db
kill $(cat "$cg"/*/cgroup.procs) 2>/dev/null
for i in $(seq 50); do [ -z "$(cat "$cg"/*/cgroup.procs)" ] && break; sleep 0.1; done
rmdir "$cg/web" "$cg/db" "$cg/other" "$cg"

rm -f "$out" "$out.err" "$out.ftp" "$out.rx" "$out.tx" "$out.id"
finish
