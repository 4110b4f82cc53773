#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Real docker containers on docker0, with docker's own iptables rules and
# br_netfilter as dockerd sets them up, attached by tools/secgroup-docker
# from their names.  The image is busybox, imported (no registry here).
#   web (group web): port 80 from anywhere, published as the host's 8080
#   db (group db): port 5432 from group web only, published as 15432
#   other (group other): nothing in
# Every cell is a real connection: container to container on docker0,
# the outside to a published port (docker's DNAT), a container out through
# docker's masquerade.
. "$(dirname "$0")/lib.sh"
top=$(cd "$(dirname "$0")/.." && pwd)
# Debian's docker CLI, beside its dockerd (not another one earlier on PATH)
PATH=$top/tools/sgnl:/usr/sbin:/usr/bin:$PATH
command -v dockerd >/dev/null || { echo "1..0 # SKIP no dockerd (docker.io)"; exit $ksft_skip; }
ip link add sgbrprobe type bridge 2>/dev/null && ip link del sgbrprobe ||
	{ echo "1..0 # SKIP no bridge in this kernel"; exit $ksft_skip; }
# docker's masquerade, as dockerd adds it: without it (the debug kernel has
# no iptables nat) dockerd tries for minutes and gives up
masq=(POSTROUTING -s 192.0.2.0/24 ! -o docker0 -j MASQUERADE)
if ! iptables -t nat -A "${masq[@]}" 2>/dev/null; then
	nft delete table ip nat 2>/dev/null
	echo "1..0 # SKIP no iptables nat MASQUERADE here for dockerd"; exit $ksft_skip
fi
iptables -t nat -D "${masq[@]}"
sg_setup

# dockerd on tmpfs (the VM's root is an overlay: no overlay2 on it)
mkdir -p /var/lib/docker /etc/docker
mount -t tmpfs tmpfs /var/lib/docker
log=$(mktemp)
dockerd --storage-driver overlay2 --log-level warn >"$log" 2>&1 &
for i in $(seq 120); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
docker info >/dev/null 2>&1 || { sed 's/^/# /' "$log"; echo "1..0 # SKIP dockerd did not start"; exit $ksft_skip; }
stop_docker() {
	docker rm -f web db other >/dev/null 2>&1
	pkill -x dockerd
	pkill -f containerd
	for i in $(seq 40); do pgrep -x dockerd >/dev/null || break; sleep 0.25; done
	umount -l /var/lib/docker
	rm -rf "$log" "$www"
	sg_cleanup
}
trap stop_docker EXIT

# the image: busybox's applets and a page
root=$(mktemp -d)
mkdir -p "$root/bin" "$root/www"
cp /bin/busybox "$root/bin/"
for a in sh httpd nc sleep cat; do ln -s busybox "$root/bin/$a"; done
echo ok >"$root/www/index.html"
tar -C "$root" -c . | docker import - sgtest:1 >/dev/null
rm -rf "$root"

docker run -d --name web -p 8080:80 sgtest:1 httpd -f -p 80 -h /www >/dev/null
docker run -d --name db -p 15432:5432 sgtest:1 httpd -f -p 5432 -h /www >/dev/null
docker run -d --name other sgtest:1 sleep 100000 >/dev/null
ip_of() { docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$1"; }
mac_of() { docker inspect -f '{{range .NetworkSettings.Networks}}{{.MacAddress}}{{end}}' "$1"; }
dbip=$(ip_of db) webip=$(ip_of web)
# tcp_http NS ADDR PORT: an HTTP request from netns NS gets the page
tcp_http() {
	printf 'GET / HTTP/1.0\r\n\r\n' | ip netns exec "$1" socat -T$((T + 1)) -t$T - \
		TCP:"$2":"$3",connect-timeout=$T 2>/dev/null | grep -q '^ok'
}
no_tcp_http() { ! T=$TB tcp_http "$@"; }
# get NAME ADDR PORT: the page, fetched from inside container NAME (with
# nc: busybox-static's wget crashes in a root with no libc of its own)
get() {
	printf 'GET / HTTP/1.0\r\n\r\n' |
		docker exec -i "$1" nc -w "${T2:-$T}" "$2" "$3" 2>/dev/null | grep -q '^ok'
}
no_get() { ! T2=$TB get "$@"; }
check "docker runs: other reaches db:5432 before anything is attached (a control)" \
	get other "$dbip" 5432
check "docker's own rules are in place (DOCKER chain, DNAT to web)" \
	sh -c 'iptables -t nat -S DOCKER | grep -q "to-destination '"$webip"':80"'
check "dockerd loaded br_netfilter and calls iptables for bridged frames" \
	test "$(sysctl -n net.bridge.bridge-nf-call-iptables)" = 1

# the outside: a routed netns, reaching the host at 10.255.255.1
inst internet 198.51.100.7
www=$(mktemp -d)
echo ok >"$www/index.html"
ip netns exec internet busybox httpd -f -p 80 -h "$www" &
wait_listen internet 80

sgnl group add web >/dev/null
sgnl rule add web ingress tcp port 80 from 0.0.0.0/0 >/dev/null
sgnl group add db >/dev/null
sgnl rule add db ingress tcp port 5432 from group web >/dev/null
sgnl group add other >/dev/null
for c in web db other; do
	check "secgroup-docker attaches $c by its name" "$top/tools/secgroup-docker" "$c" group "$c"
done
veth_of() {	# the host side of container NAME's eth0
	local pid
	pid=$(docker inspect -f '{{.State.Pid}}' "$1")
	ip -o link show | awk -v i="$(nsenter -t "$pid" -n ip -o link show dev eth0 |
		sed -n 's/.*@if\([0-9]*\).*/\1/p')" -F': ' '$1 == i { sub("@.*", "", $2); print $2 }'
}
stat_of() {	# stat_of NAME FIELD
	sgnl -j stats dev "$(veth_of "$1")" |
		python3 -c "import json,sys; print(json.load(sys.stdin)[0]['stats']['$2'])"
}
att_of() {	# att_of NAME KEY
	sgnl -j stats dev "$(veth_of "$1")" |
		python3 -c "import json,sys; print(json.load(sys.stdin)[0].get('$2'))"
}
check "db is attached with docker's MAC address for it ($(mac_of db))" \
	test "$(att_of db mac)" = "$(mac_of db)"
check "... and its address, from docker inspect" \
	sh -c "sgnl -j stats dev $(veth_of db) | grep -q '\"$dbip\"'"

p0=$(stat_of db drop_policy)
check "web -> db:5432 on docker0: web is in group web" get web "$dbip" 5432
check "other -> db:5432 blocked: not in group web" no_get other "$dbip" 5432
check "... dropped by db's policy" test "$(stat_of db drop_policy)" -gt "$p0"
check "other -> web:80 on docker0: open to all" get other "$webip" 80
check "internet -> host:8080, docker's DNAT to web:80" tcp_http internet 10.255.255.1 8080
check "internet -> host:15432, docker's DNAT to db:5432, blocked: not in group web" \
	no_tcp_http internet 10.255.255.1 15432
check "web -> internet:80, out through docker's masquerade" get web 198.51.100.7 80

# each connection judged once although br_netfilter calls iptables
a0=$(stat_of web new_accepted) b0=$(stat_of db new_accepted)
get web "$dbip" 5432
check "one connection web -> db: one new connection for each attachment" \
	test "$(( $(stat_of web new_accepted) - a0 )) $(( $(stat_of db new_accepted) - b0 ))" = "1 1"

# a container that takes web's MAC address teaches docker0 nothing
m0=$(stat_of other drop_spoof)
nsenter -t "$(docker inspect -f '{{.State.Pid}}' other)" -n ip link set eth0 address "$(mac_of web)"
sleep 0.5
T2=1 get other "$webip" 80
check "other, with web's MAC address, is dropped as spoofed" test "$(stat_of other drop_spoof)" -gt "$m0"
check "... and web still gets its frames: internet -> host:8080" tcp_http internet 10.255.255.1 8080
nsenter -t "$(docker inspect -f '{{.State.Pid}}' other)" -n ip link set eth0 address "$(mac_of other)"

check "secgroup-docker detaches db" "$top/tools/secgroup-docker" db detach
check "detached: other -> db:5432 passes again" get other "$dbip" 5432
finish
