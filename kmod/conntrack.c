// SPDX-License-Identifier: GPL-2.0
/*
 * Revocation with SECGROUP_F_FLUSH: remove every tracked connection of the
 * netns that the current policies would not allow as a new one.  Each
 * connection is judged as its first packet was: the egress rules of the
 * device instance it came from and the ingress rules of the one it goes to,
 * found by routing its original addresses.  Connections of cgroup instances
 * are not judged (conntrack does not record the socket).
 */
#include <linux/netdevice.h>
#include <net/route.h>
#include <net/ip6_route.h>
#include <net/netfilter/nf_conntrack.h>

#include "sg.h"

/* The device a packet to @a leaves by; under rcu_read_lock(). */
static int sg_route_ifindex(struct net *net, const struct sg_addr *a)
{
	int ifindex = 0;

	if (a->family == AF_INET) {
		struct flowi4 fl4 = { .daddr = a->v4 };
		struct rtable *rt = ip_route_output_key(net, &fl4);

		if (IS_ERR(rt))
			return 0;
		ifindex = rt->dst.dev->ifindex;
		ip_rt_put(rt);
	} else {
		struct flowi6 fl6 = { .daddr = a->v6 };
		struct dst_entry *dst = ip6_route_output(net, NULL, &fl6);

		if (!dst->error)
			ifindex = dst->dev->ifindex;
		dst_release(dst);
	}
	return ifindex;
}

static bool sg_ct_denied(struct sg_net *sn, const struct sg_addr *at,
			 const struct sg_addr *peer, u8 dir, u8 proto, u16 l4)
{
	const struct sg_attach *att;
	const struct sg_policy *pol;
	int ifindex = sg_route_ifindex(sn->net, at);

	if (!ifindex)
		return false;
	att = sg_attach_lookup(sn, SG_ATTACH_DEV, ifindex);
	if (!att)
		return false;
	pol = rcu_dereference(att->policy);
	return sg_policy_match(sn, pol, dir, peer, proto, l4) < 0;
}

static int sg_ct_iter(struct nf_conn *ct, void *data)
{
	const struct nf_conntrack_tuple *t = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	struct sg_net *sn = data;
	struct sg_addr src, dst;
	u8 proto = t->dst.protonum;
	u16 l4 = 0;
	bool kill;

	if (t->src.l3num == NFPROTO_IPV4) {
		src = sg_addr_v4(t->src.u3.ip);
		dst = sg_addr_v4(t->dst.u3.ip);
	} else if (t->src.l3num == NFPROTO_IPV6) {
		src = sg_addr_v6(&t->src.u3.in6);
		dst = sg_addr_v6(&t->dst.u3.in6);
	} else {
		return 0;
	}
	if (sgc_proto_has_ports(proto))
		l4 = ntohs(t->dst.u.all);
	else if (sgc_proto_is_icmp(proto))
		l4 = (u16)t->dst.u.icmp.type << 8 | t->dst.u.icmp.code;

	rcu_read_lock();
	kill = sg_ct_denied(sn, &src, &dst, SECGROUP_EGRESS, proto, l4) ||
	       sg_ct_denied(sn, &dst, &src, SECGROUP_INGRESS, proto, l4);
	rcu_read_unlock();
	return kill;
}

void sg_ct_flush(struct sg_net *sn)
{
	struct nf_ct_iter_data d = { .net = sn->net, .data = sn };

	lockdep_assert_held(&sn->lock);
	if (sn->nattach[SG_ATTACH_DEV])
		nf_ct_iterate_cleanup_net(sg_ct_iter, &d);
}
