# SPDX-License-Identifier: GPL-2.0
# Shared by the secgroup selftests (run inside the VM, as root): TAP output
# in the kselftest shape, instances as network namespaces behind routed
# veths, and probes with real connections.

ksft_skip=4
# seconds a probe waits: the debug kernel (KASAN, lockdep) is slow under TCG
T=2
case "$(uname -r)" in *sgdebug*) T=12 ;; esac
ntests=0
nfail=0
NS_LIST=()

ok()   { ntests=$((ntests + 1)); echo "ok $ntests - $*"; }
fail() { ntests=$((ntests + 1)); nfail=$((nfail + 1)); echo "not ok $ntests - $*"; }
check() { local d=$1; shift; if "$@"; then ok "$d"; else fail "$d"; fi; }
finish() { echo "1..$ntests"; [ "$nfail" = 0 ] && exit 0 || exit 1; }

sg_setup() {
	echo "TAP version 13"
	modprobe secgroup || { echo "1..0 # SKIP cannot load secgroup"; exit $ksft_skip; }
	sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	trap sg_cleanup EXIT
}

sg_cleanup() {
	local ns
	for ns in "${NS_LIST[@]}"; do
		# the host side too: a netns kept alive by an orphaned socket
		# would otherwise keep its veth, and the name, for minutes
		ip link del "v-$ns" 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	jobs -p | xargs -r kill 2>/dev/null
	wait 2>/dev/null
	modprobe -r secgroup || echo "# secgroup did not unload"
}

# inst NAME IPV4 [IPV6]: an instance behind host veth "v-NAME", routed
# (/32 and /128 routes on the host, like Calico); the host side answers
# as 10.255.255.1 / fd00:ffff::1 on every veth.
inst() {
	local name=$1 a4=$2 a6=${3:-}
	ip netns add "$name"
	NS_LIST+=("$name")
	ip link add "v-$name" type veth peer name eth0 netns "$name"
	ip addr add 10.255.255.1/32 dev "v-$name"
	ip link set "v-$name" up
	ip -n "$name" link set lo up
	ip -n "$name" link set eth0 up
	ip -n "$name" addr add "$a4/32" dev eth0
	ip -n "$name" route add 10.255.255.1/32 dev eth0
	ip -n "$name" route add default via 10.255.255.1 dev eth0
	ip route add "$a4/32" dev "v-$name"
	if [ -n "$a6" ]; then
		ip addr add fd00:ffff::1/128 dev "v-$name" nodad
		ip -n "$name" addr add "$a6/128" dev eth0 nodad
		ip -n "$name" route add fd00:ffff::1/128 dev eth0
		ip -n "$name" route add default via fd00:ffff::1 dev eth0
		ip route add "$a6/128" dev "v-$name"
	fi
}

# serve NS PORT...: TCP servers answering "ok" (IPv4 and IPv6)
serve() {
	local ns=$1 p; shift
	for p in "$@"; do
		ip netns exec "$ns" socat TCP6-LISTEN:"$p",ipv6only=0,fork,reuseaddr \
			SYSTEM:'echo ok' 2>/dev/null &
	done
}

serve_udp() {
	local ns=$1 p; shift
	for p in "$@"; do
		ip netns exec "$ns" socat UDP6-RECVFROM:"$p",ipv6only=0,fork,reuseaddr \
			SYSTEM:'echo ok' 2>/dev/null &
	done
}

wait_listen() {	# wait_listen NS PORT
	local i
	for i in $(seq 50); do
		ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q . && return 0
		sleep 0.1
	done
	return 1
}

# tcp SRC DST PORT: a new connection from SRC gets "ok" back
tcp() {
	local addr=$2
	case "$addr" in *:*) addr="[$addr]" ;; esac
	[ "$(ip netns exec "$1" socat -T$((T + 1)) - TCP:"$addr":"$3",connect-timeout=$T \
		</dev/null 2>/dev/null)" = ok ]
}
no_tcp() { ! tcp "$@"; }

udp() {
	local addr=$2
	case "$addr" in *:*) addr="[$addr]" ;; esac
	[ "$(echo hi | ip netns exec "$1" socat -T$T - UDP:"$addr":"$3" 2>/dev/null)" = ok ]
}
no_udp() { ! udp "$@"; }

ping_ok() { ip netns exec "$1" ping -c1 -W$T "$2" >/dev/null 2>&1; }
no_ping() { ! ping_ok "$@"; }

# the kernel state as sgnl sees it, for before/after comparisons
state() {
	sgnl -j group list
	local g
	for g in $(sgnl -j group list | python3 -c 'import json,sys; [print(g["id"]) for g in json.load(sys.stdin)]'); do
		sgnl -j group show "$g" | python3 -c 'import json,sys; g=json.load(sys.stdin); [r.pop("hits") and r.pop("last_hit") for r in g["rules"]]; print(json.dumps(g))'
	done
	sgnl -j stats | python3 -c 'import json,sys; a=json.load(sys.stdin)["attachments"]; [x.pop("stats") for x in a]; print(json.dumps(a))'
}

# The article's three tiers and two outside sources, with servers on the
# ports the example uses (selftests/three_tier.sh, the demo).
three_tier_instances() {
	inst web 10.0.1.10
	inst app 10.0.2.10
	inst db 10.0.3.10
	inst admin 203.0.113.10
	inst internet 198.51.100.7
	local t
	for t in web app db; do serve $t 22 80 443 8080 5432; done
	serve internet 80 443 9000
	wait_listen db 5432
}
