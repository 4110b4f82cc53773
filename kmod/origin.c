// SPDX-License-Identifier: GPL-2.0
/*
 * Who sends and who receives: the sockets behind a packet, and so the
 * cgroup instances it belongs to, and the instance (or the outside) a packet
 * came from.  Under rcu_read_lock(), on the packet path: lookups in the
 * stack's own socket tables, no lock, no allocation.
 *
 * A packet is attributed to a local instance only by what the kernel knows
 * of it -- the device it came in on, the socket that sent it -- never by its
 * source address, which its sender chose.  What cannot be attributed is
 * the host's, which is no member of anything.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/cgroup.h>
#include <net/sock.h>
#include <net/ip.h>
#include <net/route.h>
#include <net/tcp.h>
#include <net/udp.h>
#include <net/udplite.h>
#include <net/raw.h>
#include <net/rawv6.h>
#include <net/inet_hashtables.h>
#include <net/inet6_hashtables.h>
#include <net/netfilter/nf_socket.h>

#include "sg.h"

/* The nearest attached cgroup of @sk's cgroup and its ancestors. */
struct sg_attach *sg_attach_of_sock(struct sg_net *sn, struct sock *sk)
{
	struct sg_attach *att;
	struct cgroup *cgrp;
	int level;

	if (!sk || !sk_fullsock(sk))
		return NULL;
	cgrp = sock_cgroup_ptr(&sk->sk_cgrp_data);
	for (level = cgrp->level; level >= 0; level--) {
		att = sg_attach_lookup_rcu(sn, SG_ATTACH_CGROUP,
					   cgroup_id(cgrp->ancestors[level]));
		if (att)
			return att;
	}
	return NULL;
}

/*
 * The local socket at the source end of @p's flow: its TCP connection, or
 * a connected UDP socket (an unconnected one would match any datagram
 * from its port, whoever built it).  A reference is taken.
 */
static struct sock *sg_sender_sock(struct net *net, const struct sg_pkt *p)
{
	__be16 sport = htons(p->sport), dport = htons(p->dport);
	struct sock *sk = NULL;

	if (p->proto == IPPROTO_TCP)
		return p->src.family == AF_INET ?
		       __inet_lookup_established(net, net->ipv4.tcp_death_row.hashinfo,
						 p->dst.v4, dport, p->src.v4, p->sport, 0, 0) :
		       __inet6_lookup_established(net, net->ipv4.tcp_death_row.hashinfo,
						  &p->dst.v6, dport, &p->src.v6, p->sport,
						  0, 0);
	if (p->proto != IPPROTO_UDP)
		return NULL;
	sk = p->src.family == AF_INET ?
	     udp4_lib_lookup(net, p->dst.v4, dport, p->src.v4, sport, 0) :
	     udp6_lib_lookup(net, &p->dst.v6, dport, &p->src.v6, sport, 0);
	if (sk && sk->sk_state != TCP_ESTABLISHED) {
		sock_put(sk);
		sk = NULL;
	}
	return sk;
}

/* The instance whose socket sent @p over loopback, or the host. */
void sg_local_origin(struct sg_net *sn, struct net *net, const struct sg_pkt *p,
		     struct sg_attach_key *o)
{
	const struct sg_attach *att = NULL;
	struct sock *sk = sg_sender_sock(net, p);

	if (sk) {
		att = sg_attach_of_sock(sn, sk);
		sock_gen_put(sk);
	}
	memset(o, 0, sizeof(*o));
	if (att)
		*o = att->key;
	else
		o->kind = SG_FROM_HOST;
}

/*
 * Where @skb, about to reach an instance, came from: the attached device it
 * came in on (@in at LOCAL_IN, skb_iif after forwarding), the attached
 * cgroup whose socket sent it, the host itself, or the outside
 * (SG_FROM_REMOTE).  A multicast copy looped back by the host is the
 * host's, whatever device it was looped on.
 */
void sg_origin(struct sg_net *sn, struct net *net, const struct sk_buff *skb,
	       const struct net_device *in, const struct sg_pkt *p,
	       struct sg_attach_key *o)
{
	int iif = in ? in->ifindex : skb->skb_iif;
	const struct sg_attach *att;

	memset(o, 0, sizeof(*o));
	o->kind = SG_FROM_HOST;
	if (skb->pkt_type == PACKET_LOOPBACK)
		return;
	if (iif == LOOPBACK_IFINDEX) {	/* orphaned on the way: find the sender */
		sg_local_origin(sn, net, p, o);
		return;
	}
	if (iif) {
		if (sg_attach_lookup_rcu(sn, SG_ATTACH_DEV, iif)) {
			o->kind = SG_ATTACH_DEV;
			o->id = iif;
		} else {
			o->kind = SG_FROM_REMOTE;
		}
		return;
	}
	att = sg_attach_of_sock(sn, skb->sk);	/* sent here: still on its socket */
	if (att)
		*o = att->key;
}

/* A UDP-Lite socket, which nf_sk_lookup_slow_*() do not know; no reference. */
static struct sock *sg_udplite_sock(struct net *net, const struct sg_pkt *p,
				    const struct net_device *in)
{
	__be16 sport = htons(p->sport), dport = htons(p->dport);

	if (p->src.family == AF_INET)
		return __udp4_lib_lookup(net, p->src.v4, sport, p->dst.v4, dport,
					 in->ifindex, 0, &udplite_table, NULL);
	return __udp6_lib_lookup(net, &p->src.v6, sport, &p->dst.v6, dport,
				 in->ifindex, 0, &udplite_table, NULL);
}

/*
 * The listener a TCP SYN that found a TIME_WAIT or request socket goes on
 * to, as tcp_v4_rcv() hands it on.  Listeners are freed after a grace
 * period: no reference is taken.
 */
static struct sock *sg_listener(struct net *net, struct sk_buff *skb,
				const struct sg_pkt *p, const struct net_device *in)
{
	struct inet_hashinfo *h = net->ipv4.tcp_death_row.hashinfo;

	if (p->src.family == AF_INET)
		return inet_lookup_listener(net, h, skb, p->tcp_hdrlen, p->src.v4,
					    htons(p->sport), p->dst.v4, htons(p->dport),
					    in->ifindex, 0);
	return inet6_lookup_listener(net, h, skb, p->tcp_hdrlen, &p->src.v6,
				     htons(p->sport), &p->dst.v6, p->dport,
				     in->ifindex, 0);
}

/* Does the packet reach every socket bound to it, not one? */
static bool sg_to_many(const struct sk_buff *skb, const struct sg_pkt *p)
{
	if (p->src.family == AF_INET6)
		return ipv6_addr_is_multicast(&p->dst.v6);
	return skb_rtable(skb) &&
	       (skb_rtable(skb)->rt_flags & (RTCF_BROADCAST | RTCF_MULTICAST));
}

/* ICMP the kernel answers itself: no socket but raw ones gets it. */
static bool sg_icmp_to_kernel(const struct sg_pkt *p)
{
	if (p->proto == IPPROTO_ICMP)
		return p->icmp_type == ICMP_ECHO || p->icmp_type == ICMP_TIMESTAMP;
	return p->icmp_type == ICMPV6_ECHO_REQUEST;
}

/*
 * The attached cgroup whose socket @skb, arriving at LOCAL_IN, will reach,
 * or NULL when no socket of an attached cgroup will.  *@known is false when
 * the receiving sockets cannot be told: SCTP, DCCP and L2TP sockets, whose
 * tables are out of reach here, a multicast or broadcast datagram that
 * every bound socket gets, ICMP that reaches ping sockets or the sockets
 * of the flows its errors quote.  The caller then fails closed.  Any other
 * protocol reaches the kernel's own handlers (ESP, GRE, ...) and raw
 * sockets only, which sg_raw_receivers() covers.
 */
struct sg_attach *sg_receiver(struct sg_net *sn, struct net *net, struct sk_buff *skb,
			      const struct sg_pkt *p, const struct net_device *in,
			      bool *known)
{
	struct sg_attach *att;
	struct sock *sk = skb->sk;	/* early demux */
	bool ref = false;

	*known = false;
	if (sg_to_many(skb, p))
		return NULL;
	switch (p->proto) {
	case IPPROTO_TCP:
	case IPPROTO_UDP:
		if (!sk) {
			sk = p->src.family == AF_INET ?
			     nf_sk_lookup_slow_v4(net, skb, in) :
			     nf_sk_lookup_slow_v6(net, skb, in);
			ref = sk != NULL;
		}
		break;
	case IPPROTO_UDPLITE:
		if (!sk)
			sk = sg_udplite_sock(net, p, in);
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		*known = sg_icmp_to_kernel(p);	/* raw sockets: sg_raw_receivers() */
		return NULL;
	case IPPROTO_SCTP:
	case IPPROTO_DCCP:
	case IPPROTO_L2TP:
		return NULL;	/* sockets in tables out of reach here */
	default:
		/* the kernel's own (ESP, GRE, IPIP, ...): only raw sockets */
		*known = true;
		return NULL;
	}
	*known = true;
	/* a SYN reusing a TIME_WAIT tuple goes on to the listener */
	if (sk && !sk_fullsock(sk) && p->proto == IPPROTO_TCP &&
	    (p->tcp_flags & (TCPHDR_SYN | TCPHDR_ACK)) == TCPHDR_SYN) {
		if (ref)
			sock_gen_put(sk);
		sk = sg_listener(net, skb, p, in);
		ref = false;
	}
	att = sg_attach_of_sock(sn, sk);
	if (ref)
		sock_gen_put(sk);
	return att;
}

/* @fn for each raw socket bound to @proto that gets a copy of @p. */
static int sg_raw_proto(struct sg_net *sn, struct net *net, const struct sk_buff *skb,
			const struct sg_pkt *p, u8 proto,
			int (*fn)(struct sg_attach *att, void *arg), void *arg)
{
	bool v4 = p->src.family == AF_INET;
	struct hlist_head *head = v4 ? &raw_v4_hashinfo.ht[raw_hashfunc(net, proto)] :
				       &raw_v6_hashinfo.ht[raw_hashfunc(net, proto)];
	struct sg_attach *att;
	struct sock *sk;
	int ret;

	sk_for_each_rcu(sk, head) {
		if (v4 ? !raw_v4_match(net, sk, proto, p->src.v4, p->dst.v4,
				       inet_iif(skb), inet_sdif(skb)) :
			 !raw_v6_match(net, sk, proto, &p->dst.v6, &p->src.v6,
				       inet6_iif(skb), inet6_sdif(skb)))
			continue;
		att = sg_attach_of_sock(sn, sk);
		if (att) {
			ret = fn(att, arg);
			if (ret)
				return ret;
		}
	}
	return 0;
}

/*
 * Call @fn for each raw socket in @net that belongs to an attached cgroup
 * and gets a copy of @p: those of its protocol and, for IPv6, those of each
 * extension header on the way (raw6_local_deliver() runs for every one).
 * Stop at the first non-zero.
 */
int sg_raw_receivers(struct sg_net *sn, struct net *net, const struct sk_buff *skb,
		     const struct sg_pkt *p,
		     int (*fn)(struct sg_attach *att, void *arg), void *arg)
{
	unsigned int off = skb_network_offset(skb) + sizeof(struct ipv6hdr);
	struct ipv6_opt_hdr _h;
	const struct ipv6_opt_hdr *h;
	u8 next;
	int ret;

	if (p->src.family == AF_INET6) {
		next = ipv6_hdr(skb)->nexthdr;
		while (next != p->proto && ipv6_ext_hdr(next) && next != NEXTHDR_NONE) {
			ret = sg_raw_proto(sn, net, skb, p, next, fn, arg);
			if (ret)
				return ret;
			h = skb_header_pointer(skb, off, sizeof(_h), &_h);
			if (!h)
				break;
			if (next == NEXTHDR_FRAGMENT)
				off += sizeof(struct frag_hdr);
			else if (next == NEXTHDR_AUTH)
				off += ipv6_authlen(h);
			else
				off += ipv6_optlen(h);
			next = h->nexthdr;
		}
	}
	return sg_raw_proto(sn, net, skb, p, p->proto, fn, arg);
}
