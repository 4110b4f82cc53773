#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Hand-made packets for the adversarial selftests (selftests/adversarial.sh).

  sgpkt.py raw4 DST PROTO HEXPAYLOAD       an IPv4 packet of any protocol
  sgpkt.py icmp6 DST TYPE HOPLIMIT         an ICMPv6 message (ND, MLD); DST
                                           may carry a scope, ff02::1%IFNAME
  sgpkt.py frag4 SRC DST SPORT DPORT       a lone non-first UDP fragment whose
  sgpkt.py frag6 SRC DST SPORT DPORT       payload reads as SPORT, DPORT
  sgpkt.py arp IFNAME OP SPA TPA [SHA]     an ARP request (OP 1) or reply (2)
                                           from IFNAME's MAC address, for SPA
                                           (its sender hardware address SHA)
  sgpkt.py na IFNAME TARGET                an unsolicited, overriding
                                           neighbour advertisement to ff02::1
                                           for TARGET at IFNAME's MAC address
  sgpkt.py ns IFNAME SRC TARGET            a neighbour solicitation from SRC
                                           (any address) for TARGET, whose
                                           source option is IFNAME's MAC
  sgpkt.py eth IFNAME DST SRC ETHERTYPE    a 64-byte Ethernet frame from any
                                           source MAC address (hex ETHERTYPE)
  sgpkt.py bpdu IFNAME                     a spanning tree configuration BPDU
                                           claiming the root, priority 0
  sgpkt.py sniff IFNAME MAC SECONDS        count frames IFNAME gets for MAC
  sgpkt.py recv4 PROTO SECONDS [SRC]       count IPv4 packets of PROTO
  sgpkt.py recv6 TYPE SECONDS [SRC]        count ICMPv6 messages of TYPE
                                           (from SRC only, if given)

The receivers print how many packets arrived before SECONDS passed; they
print "ready" on stderr once their socket is open.
"""
import select
import socket
import struct
import sys
import time


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def send(s, data, addr):
    try:
        s.sendto(data, addr)
    except PermissionError:     # a netfilter drop on the way out: fine
        sys.stderr.write("dropped on the way out\n")


def raw4(dst, proto, payload):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, int(proto))
    send(s, bytes.fromhex(payload), (dst, 0))


def icmp6(dst, typ, hops):
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    hops = int(hops)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_UNICAST_HOPS, hops)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, hops)
    # type, code, checksum (the kernel fills it in), 4 reserved bytes and
    # a target address: the shape of a neighbour solicitation
    addr = socket.getaddrinfo(dst, None, socket.AF_INET6)[0][4]
    msg = struct.pack("!BBHI", int(typ), 0, 0, 0) + socket.inet_pton(socket.AF_INET6, addr[0])
    send(s, msg, addr)


def frag4(src, dst, sport, dport):
    # offset 8 bytes (1 unit), last fragment: the "ports" are payload
    payload = struct.pack("!HH", int(sport), int(dport)) + b"x" * 12
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0x5eed, 1,
                      64, socket.IPPROTO_UDP, 0,
                      socket.inet_aton(src), socket.inet_aton(dst))
    hdr = hdr[:10] + struct.pack("!H", csum(hdr)) + hdr[12:]
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    send(s, hdr + payload, (dst, 0))


def frag6(src, dst, sport, dport):
    payload = struct.pack("!HH", int(sport), int(dport)) + b"x" * 12
    # fragment header: next header UDP, offset 1 (8 bytes), last fragment
    fh = struct.pack("!BBHI", socket.IPPROTO_UDP, 0, 1 << 3, 0x5eed)
    body = fh + payload
    hdr = struct.pack("!IHBB16s16s", 6 << 28, len(body), 44, 64,
                      socket.inet_pton(socket.AF_INET6, src),
                      socket.inet_pton(socket.AF_INET6, dst))
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_RAW)
    send(s, hdr + body, (dst, 0))


def mac_of(ifname):
    return bytes.fromhex(open("/sys/class/net/%s/address" % ifname).read().strip().replace(":", ""))


def ether(ifname, dst, ethertype, payload, src=None):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((ifname, 0))
    s.send(dst + (src or mac_of(ifname)) + struct.pack("!H", ethertype) + payload)


def mac(text):
    return bytes.fromhex(text.replace(":", ""))


def eth(ifname, dst, src, ethertype):
    ether(ifname, mac(dst), int(ethertype, 16), b"\0" * 50, mac(src))


def bpdu(ifname):
    me = b"\0\0" + mac_of(ifname)   # bridge id: priority 0 and the MAC address
    # protocol 0, version 0, type 0 (configuration), flags; root id, its
    # path cost, the sender's id, port 0x8001; message age 0, max age 20 s,
    # hello 2 s, forward delay 15 s (in 1/256 s)
    body = struct.pack("!HBBB8sI8sHHHHH", 0, 0, 0, 0, me, 0, me, 0x8001,
                       0, 20 * 256, 2 * 256, 15 * 256)
    llc = b"\x42\x42\x03"           # 802.2 LLC, the spanning tree's SAP
    ether(ifname, mac("01:80:c2:00:00:00"), len(llc + body), llc + body)


def sniff(ifname, dst, seconds):
    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(3))  # ETH_P_ALL
    s.bind((ifname, 0))
    count(s, seconds, lambda f: f[:6] == mac(dst), None)


def arp(ifname, op, spa, tpa, sha=None):
    sha = mac(sha) if sha else mac_of(ifname)
    body = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, int(op), sha,
                       socket.inet_aton(spa), b"\0" * 6, socket.inet_aton(tpa))
    ether(ifname, b"\xff" * 6, 0x0806, body)


def nd(ifname, src, dst, msg):
    """an ND message with hop limit 255 from src to dst (packed addresses)"""
    pseudo = src + dst + struct.pack("!I3xB", len(msg), socket.IPPROTO_ICMPV6)
    msg = msg[:2] + struct.pack("!H", csum(pseudo + msg)) + msg[4:]
    hdr = struct.pack("!IHBB16s16s", 6 << 28, len(msg), socket.IPPROTO_ICMPV6, 255, src, dst)
    ether(ifname, b"\x33\x33" + dst[12:], 0x86DD, hdr + msg)


def na(ifname, target):
    mac = mac_of(ifname)
    src = socket.inet_pton(socket.AF_INET6, "fe80::" + ":".join(
        "%x" % x for x in struct.unpack("!4H", bytes([mac[0] ^ 2]) + mac[1:3] +
                                      b"\xff\xfe" + mac[3:])))
    # router 0, solicited 0, override 1; the target link-layer address
    msg = struct.pack("!BBHI16s", 136, 0, 0, 0x20000000,
                      socket.inet_pton(socket.AF_INET6, target)) + bytes([2, 1]) + mac
    nd(ifname, src, socket.inet_pton(socket.AF_INET6, "ff02::1"), msg)


def ns(ifname, src, target):
    t = socket.inet_pton(socket.AF_INET6, target)
    snm = socket.inet_pton(socket.AF_INET6, "ff02::1:ff00:0")[:13] + t[13:]
    # the source link-layer address option: IFNAME's MAC
    msg = struct.pack("!BBHI16s", 135, 0, 0, 0, t) + bytes([1, 1]) + mac_of(ifname)
    nd(ifname, socket.inet_pton(socket.AF_INET6, src), snm, msg)


def count(s, seconds, match, src):
    sys.stderr.write("ready\n")
    sys.stderr.flush()
    n = 0
    end = time.monotonic() + float(seconds)
    while True:
        left = end - time.monotonic()
        if left <= 0:
            break
        r, _, _ = select.select([s], [], [], left)
        if not r:
            continue
        data, addr = s.recvfrom(65535)
        if match(data) and (src is None or addr[0] == src):
            n += 1
    print(n)


def recv4(proto, seconds, src=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, int(proto))
    count(s, seconds, lambda p: True, src)


def recv6(typ, seconds, src=None):
    s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
    count(s, seconds, lambda p: p[0] == int(typ), src)


if __name__ == "__main__":
    cmds = {"raw4": raw4, "icmp6": icmp6, "frag4": frag4, "frag6": frag6,
            "arp": arp, "na": na, "ns": ns, "eth": eth, "bpdu": bpdu, "sniff": sniff,
            "recv4": recv4, "recv6": recv6}
    if len(sys.argv) < 2 or sys.argv[1] not in cmds:
        sys.exit(__doc__)
    cmds[sys.argv[1]](*sys.argv[2:])
