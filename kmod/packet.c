// SPDX-License-Identifier: GPL-2.0
/*
 * Reading a packet for the datapath: addresses, protocol, ports or ICMP
 * type and code, TCP flags; and what the link's own control traffic looks
 * like.  Nothing here trusts a field it has not bounds-checked.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/icmpv6.h>
#include <net/ipv6.h>
#include <net/addrconf.h>
#include <net/ndisc.h>
#include <net/tcp.h>

#include "sg.h"


static bool sg_parse_l4(const struct sk_buff *skb, unsigned int thoff, struct sg_pkt *p)
{
	__be16 _ports[2];
	const __be16 *ports;
	u8 _b[2];
	const u8 *b;

	if (sgc_proto_has_ports(p->proto)) {
		ports = skb_header_pointer(skb, thoff, sizeof(_ports), _ports);
		if (!ports)
			return false;
		p->sport = ntohs(ports[0]);
		p->dport = ntohs(ports[1]);
		if (p->proto != IPPROTO_TCP)
			return true;
		/* data offset and flags: a new connection starts with a SYN */
		b = skb_header_pointer(skb, thoff + 12, 2, _b);
		if (!b)
			return false;
		p->tcp_hdrlen = (b[0] >> 4) * 4;
		p->tcp_flags = b[1];
	} else if (sgc_proto_is_icmp(p->proto)) {
		b = skb_header_pointer(skb, thoff, sizeof(_b), _b);
		if (!b)
			return false;
		p->icmp_type = b[0];
		p->icmp_code = b[1];
	}
	return true;
}

/*
 * The addresses and the transport header.  A non-first fragment has no
 * transport header: it fails, and is dropped (conntrack reassembles what it
 * tracks, so only untracked fragments ever get here).
 */
bool sg_parse(const struct sk_buff *skb, u8 pf, struct sg_pkt *p)
{
	unsigned int thoff = 0;
	unsigned short fragoff = 0;
	int proto;

	memset(p, 0, sizeof(*p));
	if (pf == NFPROTO_IPV4) {
		const struct iphdr *iph = ip_hdr(skb);

		p->src = sg_addr_v4(iph->saddr);
		p->dst = sg_addr_v4(iph->daddr);
		p->proto = iph->protocol;
		if (iph->frag_off & htons(IP_OFFSET))
			return false;
		p->thoff = skb_network_offset(skb) + ip_hdrlen(skb);
		return sg_parse_l4(skb, p->thoff, p);
	}
	p->src = sg_addr_v6(&ipv6_hdr(skb)->saddr);
	p->dst = sg_addr_v6(&ipv6_hdr(skb)->daddr);
	p->hop_limit = ipv6_hdr(skb)->hop_limit;
	proto = ipv6_find_hdr(skb, &thoff, -1, &fragoff, NULL);
	if (proto < 0 || fragoff)
		return false;
	p->proto = proto;
	p->thoff = thoff;
	return sg_parse_l4(skb, thoff, p);
}

static bool sg_link_scope(const struct in6_addr *a)
{
	int type = ipv6_addr_type(a);

	if (type & IPV6_ADDR_MULTICAST)
		return IPV6_ADDR_MC_SCOPE(a) <= IPV6_ADDR_SCOPE_LINKLOCAL;
	return type & IPV6_ADDR_LINKLOCAL;
}

/*
 * The link's own control traffic, which conntrack does not track and no
 * rule is needed for: neighbour discovery with the hop limit of 255 that
 * proves it was not forwarded (RFC 4861), to a link-scope address or, for
 * unicast neighbour unreachability detection, to the host itself (or, from
 * a bridge port, whose ND bridge.c has vetted, to another port: @to_port);
 * MLD with a hop limit of 1 from a link-local (or, in DAD, unspecified)
 * source to a link-scope multicast group (RFC 3810).  Forwarding decrements the hop
 * limit before POST_ROUTING, so nothing forwarded qualifies there.
 */
bool sg_link_control(struct net *net, const struct sg_pkt *p, u8 dir, bool to_port)
{
	const struct in6_addr *dst = &p->dst.v6, *src = &p->src.v6;

	if (p->src.family != AF_INET6 || p->proto != IPPROTO_ICMPV6)
		return false;
	switch (p->icmp_type) {
	case NDISC_ROUTER_SOLICITATION ... NDISC_REDIRECT:
		if (p->hop_limit != 255)
			return false;
		if (sg_link_scope(dst))
			return true;
		return dir == SECGROUP_INGRESS || to_port || ipv6_chk_addr(net, dst, NULL, 0);
	case ICMPV6_MGM_QUERY ... ICMPV6_MGM_REDUCTION:
	case ICMPV6_MLD2_REPORT:
		return p->hop_limit == 1 && ipv6_addr_is_multicast(dst) &&
		       sg_link_scope(dst) &&
		       (ipv6_addr_any(src) ||
			(ipv6_addr_type(src) & IPV6_ADDR_LINKLOCAL));
	default:
		return false;
	}
}

/* A NEW TCP packet that is no SYN: conntrack's mid-stream pickup, not a new connection. */
bool sg_tcp_not_syn(const struct sg_pkt *p)
{
	return p->proto == IPPROTO_TCP &&
	       (p->tcp_flags & (TCPHDR_SYN | TCPHDR_ACK | TCPHDR_RST | TCPHDR_FIN)) !=
	       TCPHDR_SYN;
}

bool sg_link_source(const struct sg_addr *src)
{
	return ipv6_addr_any(&src->v6) ||
	       (ipv6_addr_type(&src->v6) & IPV6_ADDR_LINKLOCAL);
}
