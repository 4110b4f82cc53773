#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Packets conntrack finds INVALID (here TCP SYN+FIN) from an attached
# instance are dropped and counted, even where a rule would allow the port;
# the instance's new-connection counters do not move.
. "$(dirname "$0")/lib.sh"
sg_setup
inst a 10.0.0.2
inst b 10.0.0.3
inst c 10.0.0.4

# send_bad NS DST: three TCP SYN+FIN segments to DST port 80 from a raw socket
send_bad() {
	ip netns exec "$1" python3 - "$2" <<'PY'
import socket, struct, sys
dst = sys.argv[1]
src = "10.0.0.2"
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    s = (s >> 16) + (s & 0xffff); s += s >> 16
    return ~s & 0xffff
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_TCP)
for sport in (40001, 40002, 40003):
    hdr = struct.pack("!HHIIBBHHH", sport, 80, 1, 0, 5 << 4, 0x03, 512, 0, 0)
    pseudo = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 6, len(hdr))
    hdr = hdr[:16] + struct.pack("!H", csum(pseudo + hdr)) + hdr[18:]
    s.sendto(hdr, (dst, 0))
PY
}
invalid() { sgnl -j stats dev "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["stats"]["drop_invalid"])'; }

sgnl group add open >/dev/null
sgnl rule add open ingress all from 0.0.0.0/0 >/dev/null
sgnl attach dev v-a group open addr 10.0.0.2
sgnl attach dev v-b group open addr 10.0.0.3
check "no invalid drops yet" test "$(invalid v-a)" = 0
send_bad a 10.0.0.3
check "SYN+FIN from a dropped as invalid ($(invalid v-a))" test "$(invalid v-a)" -ge 3
check "nothing reached b's ingress check" test "$(invalid v-b)" = 0
check "a's policy counters saw no new connection" sh -c \
	"sgnl -j stats dev v-a | grep -q '\"new_accepted\":0'"
finish
