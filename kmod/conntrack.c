// SPDX-License-Identifier: GPL-2.0
/*
 * Revocation with SECGROUP_F_FLUSH: remove every tracked connection of the
 * netns that the current policies would not allow as a new one.  Each
 * connection is judged as its first packet was: the egress rules of the
 * device instance it came from and the ingress rules of the one it goes to,
 * found by routing its addresses (after DNAT, for the receiver); an
 * address routed to a bridge is a bridged instance's that lists it.
 * Connections of cgroup instances are not judged (conntrack does not record
 * the socket).
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

/*
 * The attachment of a port of the bridge @br whose instance lists @a as its
 * own address.  Under sn->lock and rcu_read_lock().
 */
static struct sg_attach *sg_ct_port_of(struct sg_net *sn, const struct net_device *br,
				       const struct sg_addr *a)
{
	struct net_device *dev;
	struct sg_attach *att;
	u32 i;

	lockdep_assert_held(&sn->lock);
	list_for_each_entry(att, &sn->attachments, node) {
		if (!att->bridged)
			continue;
		dev = dev_get_by_index_rcu(sn->net, att->key.id);
		if (!dev || netdev_master_upper_dev_get_rcu(dev) != br)
			continue;
		for (i = 0; i < att->conf.naddrs; i++)
			if (sg_addr_eq(&att->conf.addrs[i], a))
				return att;
	}
	return NULL;
}

/* The device instance @a routes to (or a port of the bridge it routes to). */
static struct sg_attach *sg_ct_instance(struct sg_net *sn, const struct sg_addr *a,
					int ifindex)
{
	struct sg_attach *att = sg_attach_lookup_rcu(sn, SG_ATTACH_DEV, ifindex);
	struct net_device *dev;

	if (att || !sn->nbridged)
		return att;
	dev = dev_get_by_index_rcu(sn->net, ifindex);
	return dev && netif_is_bridge_master(dev) ? sg_ct_port_of(sn, dev, a) : NULL;
}

/*
 * Where the connection's first packet came from, as sg_origin() saw it:
 * the attached device its source routes to, the local socket that opened
 * it (its source is the host's own), or the outside.
 */
static void sg_ct_origin(struct sg_net *sn, const struct sg_pkt *first,
			 struct sg_attach_key *o)
{
	int ifindex = sg_route_ifindex(sn->net, &first->src);
	struct sg_attach *att;

	if (ifindex == LOOPBACK_IFINDEX) {
		sg_local_origin(sn, sn->net, first, o);
		return;
	}
	memset(o, 0, sizeof(*o));
	o->kind = SG_FROM_REMOTE;
	att = ifindex ? sg_ct_instance(sn, &first->src, ifindex) : NULL;
	if (att) {
		o->kind = SG_ATTACH_DEV;
		o->id = att->key.id;
	}
}

/* Would the device instance at @at refuse this connection now? */
static bool sg_ct_denied(struct sg_net *sn, const struct sg_addr *at,
			 const struct sg_pkt *first, u8 dir, u16 l4)
{
	const struct sg_addr *peer = dir == SECGROUP_EGRESS ? &first->dst : &first->src;
	const struct sg_attach *att;
	struct sg_attach_key origin;
	int ifindex = sg_route_ifindex(sn->net, at);

	if (!ifindex)
		return false;
	att = sg_ct_instance(sn, at, ifindex);
	if (!att)
		return false;
	if (dir == SECGROUP_INGRESS)
		sg_ct_origin(sn, first, &origin);
	return sg_policy_match(sn, rcu_dereference(att->policy), dir, peer,
			       dir == SECGROUP_INGRESS ? &origin : NULL,
			       first->proto, l4) < 0;
}

static void sg_ct_addrs(const struct nf_conntrack_tuple *t, struct sg_addr *src,
			struct sg_addr *dst)
{
	if (t->src.l3num == NFPROTO_IPV4) {
		*src = sg_addr_v4(t->src.u3.ip);
		*dst = sg_addr_v4(t->dst.u3.ip);
	} else {
		*src = sg_addr_v6(&t->src.u3.in6);
		*dst = sg_addr_v6(&t->dst.u3.in6);
	}
}

/*
 * A connection is judged as the hooks judged its first packet: the
 * sender's egress rules in PRE_ROUTING, ahead of DNAT, with the original
 * tuple; the receiver's ingress rules in POST_ROUTING, after DNAT and ahead
 * of SNAT, with the original source and the address and port it was
 * translated to, which are the reply tuple's source.
 */
static int sg_ct_iter(struct nf_conn *ct, void *data)
{
	const struct nf_conntrack_tuple *o = &ct->tuplehash[IP_CT_DIR_ORIGINAL].tuple;
	const struct nf_conntrack_tuple *r = &ct->tuplehash[IP_CT_DIR_REPLY].tuple;
	struct sg_net *sn = data;
	struct sg_pkt first = { .proto = o->dst.protonum };
	struct sg_addr to, unused;
	u16 l4 = 0, l4_to = 0;
	bool kill;

	if (o->src.l3num != NFPROTO_IPV4 && o->src.l3num != NFPROTO_IPV6)
		return 0;
	sg_ct_addrs(o, &first.src, &first.dst);
	sg_ct_addrs(r, &to, &unused);
	if (sgc_proto_has_ports(first.proto)) {
		first.sport = ntohs(o->src.u.all);
		first.dport = ntohs(o->dst.u.all);
		l4 = first.dport;
		l4_to = ntohs(r->src.u.all);
	} else if (sgc_proto_is_icmp(first.proto)) {
		l4 = (u16)o->dst.u.icmp.type << 8 | o->dst.u.icmp.code;
		l4_to = l4;
	}

	rcu_read_lock();
	kill = sg_ct_denied(sn, &first.src, &first, SECGROUP_EGRESS, l4) ||
	       sg_ct_denied(sn, &to, &first, SECGROUP_INGRESS, l4_to);
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
