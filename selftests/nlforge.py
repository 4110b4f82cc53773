#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Forge what only the kernel should send, to every netlink socket of a
protocol in this netns (anyone may write to a socket's port): sgnl must
ignore it.

  nlforge.py ct-destroy ID            ctnetlink's destroy event of conntrack
                                      id ID, with 999999 packets and bytes
  nlforge.py sg-flow FAMILY IFINDEX   a secgroup flow record: ACCEPT,
                                      6.6.6.6:4444 -> 10.0.0.3:4444, on IFINDEX
  nlforge.py error                    an error (EPERM) to every netfilter socket

Prints how many were sent: the kernel refuses a sender without
CAP_NET_ADMIN, and any sender but itself to a socket connected to it.
"""
import socket
import struct
import sys

NETLINK_NETFILTER, NETLINK_GENERIC = 12, 16
NESTED = 0x8000


def attr(t, payload):
    n = 4 + len(payload)
    return struct.pack("=HH", n, t) + payload + b"\0" * (-n % 4)


def ports(proto):
    """the port ids of the user sockets of @proto, from /proc/net/netlink"""
    with open("/proc/net/netlink") as f:
        next(f)
        for line in f:
            col = line.split()
            if int(col[1]) == proto and int(col[2]) > 0:
                yield int(col[2])


def send(proto, mtype, body):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, proto)
    s.bind((0, 0))
    msg = struct.pack("=IHHII", 16 + len(body), mtype, 0, 0, 0) + body
    n = 0
    for p in ports(proto):
        if p == s.getsockname()[0]:
            continue
        try:
            s.sendto(msg, (p, 0))
            n += 1
        except OSError:
            pass
    return n


def main():
    if sys.argv[1] == "error":
        n = send(NETLINK_NETFILTER, 2, struct.pack("=i", -1) + struct.pack("=IHHII", 16, 0, 0, 0, 0))
    elif sys.argv[1] == "ct-destroy":
        ctid = int(sys.argv[2])
        counters = attr(1, struct.pack(">Q", 999999)) + attr(2, struct.pack(">Q", 999999))
        body = struct.pack("=BBH", socket.AF_INET, 0, 0) + attr(12, struct.pack(">I", ctid)) + \
            attr(9 | NESTED, counters) + attr(10 | NESTED, counters)
        n = send(NETLINK_NETFILTER, (1 << 8) | 2, body)
    else:
        fam, ifindex = int(sys.argv[2], 0), int(sys.argv[3])
        flow = attr(1, b"\0") + attr(2, b"\0") + attr(3, struct.pack("=I", ifindex)) + \
            attr(5, b"\x06") + attr(6, socket.inet_aton("6.6.6.6")) + \
            attr(7, socket.inet_aton("10.0.0.3")) + attr(10, struct.pack("=H", 4444)) + \
            attr(11, struct.pack("=H", 4444))
        # a second record without any attribute: a reader that trusts the
        # sender would dereference what is not there
        n = send(NETLINK_GENERIC, fam, struct.pack("=BBH", 13, 1, 0) + attr(6 | NESTED, flow))
        n += send(NETLINK_GENERIC, fam, struct.pack("=BBH", 13, 1, 0) + attr(6 | NESTED, b""))
    print(n)


main()
