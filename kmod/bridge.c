// SPDX-License-Identifier: GPL-2.0
/*
 * Bridged instances: a device attachment whose device is a bridge port (a
 * container's veth on docker0, a VM's tap on virbr0).  Frames between two
 * ports of one bridge never reach the IP hooks, so while a netns has such
 * attachments it also has hooks in the bridge family, just after
 * nf_conntrack_bridge's (which it holds meanwhile, for conntrack's verdict):
 *
 *   NF_BR_PRE_ROUTING, in = an attached port   -> the instance's egress
 *   NF_BR_POST_ROUTING, out = an attached port -> its ingress
 *
 * POST_ROUTING follows FORWARD (port to port) and LOCAL_OUT (from the
 * bridge device: routed or sent by the host) alike.  br_netfilter shows
 * the IP hooks the bridge device (or a VLAN device on it), never a port,
 * so no frame is judged twice for one attachment, and none is missed,
 * whatever bridge-nf-call-ip{,6}tables say.
 *
 * A port is an access port, as an ENI is: it sends and gets IPv4, IPv6
 * and ARP, untagged, from and to its instance's MAC address only (the
 * attachment's: a veth's peer's unless given), so it can neither teach
 * the bridge another's address nor get another's frames when the bridge
 * floods them.  Its ARP and neighbour discovery must speak for its own
 * addresses and that MAC address, and it may not advertise itself as a
 * router.  The source MAC address is checked before the bridge gets a
 * frame (a netdev ingress hook on the port), since the bridge learns from
 * some (LLDP, BPDUs) with no hook of its own first.  Nothing has checked a bridged
 * frame's headers yet: they are checked here before the IP path reads
 * them.
 */
#include <linux/etherdevice.h>
#include <linux/if_bridge.h>
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/netdevice.h>
#include <linux/netfilter_bridge.h>
#include <linux/netfilter_ipv4.h>
#include <linux/rtnetlink.h>
#include <net/addrconf.h>
#include <net/ip.h>
#include <net/ndisc.h>
#include <net/netfilter/nf_conntrack.h>

#include "sg.h"

/* An ARP packet for IPv4 over Ethernet. */
struct sg_arp {
	struct arphdr h;
	u8 sha[ETH_ALEN];
	u8 spa[4];
	u8 tha[ETH_ALEN];
	u8 tpa[4];
} __packed;

static bool sg_br_tagged(const struct sk_buff *skb)
{
	return skb_vlan_tag_present(skb) || eth_type_vlan(skb->protocol);
}

/*
 * The family of an IPv4 or IPv6 frame whose header is whole and in the
 * linear part, as the IP hooks' packets are; 0 for anything else.
 */
static u8 sg_br_l3(struct sk_buff *skb)
{
	unsigned int nh = skb_network_offset(skb);
	const struct iphdr *iph;
	unsigned int ihl;

	if (skb->protocol == htons(ETH_P_IP)) {
		if (!pskb_may_pull(skb, nh + sizeof(*iph)))
			return 0;
		iph = ip_hdr(skb);
		ihl = iph->ihl * 4;
		if (iph->version != 4 || ihl < sizeof(*iph) ||
		    !pskb_may_pull(skb, nh + ihl))
			return 0;
		iph = ip_hdr(skb);
		if (sg_ip_totlen(skb) < ihl || sg_ip_totlen(skb) > skb->len - nh)
			return 0;
		return NFPROTO_IPV4;
	}
	if (skb->protocol == htons(ETH_P_IPV6)) {
		if (!pskb_may_pull(skb, nh + sizeof(struct ipv6hdr)) ||
		    ipv6_hdr(skb)->version != 6 ||
		    ntohs(ipv6_hdr(skb)->payload_len) + sizeof(struct ipv6hdr) > skb->len - nh)
			return 0;
		return NFPROTO_IPV6;
	}
	return 0;
}

/*
 * An address of the host's: no instance speaks for it in ARP or neighbour
 * discovery, not even one that lists no addresses (whose sources are not
 * checked), or it could take the router's place for the other ports.
 */
static bool sg_br_host4(struct net *net, __be32 a)
{
	return inet_addr_type(net, a) == RTN_LOCAL;
}

/*
 * ARP from an instance: Ethernet and IPv4, a request or a reply, from the
 * frame's own MAC address, for one of the instance's addresses (or none,
 * in a request: an address probe, RFC 5227), never the host's.
 */
static bool sg_br_arp_ok(struct net *net, const struct sg_policy *pol,
			 const struct sk_buff *skb)
{
	const struct sg_arp *a;
	struct sg_arp _a;
	struct sg_addr spa;

	a = skb_header_pointer(skb, skb_network_offset(skb), sizeof(_a), &_a);
	if (!a || a->h.ar_hrd != htons(ARPHRD_ETHER) || a->h.ar_pro != htons(ETH_P_IP) ||
	    a->h.ar_hln != ETH_ALEN || a->h.ar_pln != 4)
		return false;
	if (a->h.ar_op != htons(ARPOP_REQUEST) && a->h.ar_op != htons(ARPOP_REPLY))
		return false;
	if (!ether_addr_equal(a->sha, eth_hdr(skb)->h_source))
		return false;
	spa = sg_addr_v4(get_unaligned((const __be32 *)a->spa));
	if (!spa.v4 && a->h.ar_op == htons(ARPOP_REQUEST))
		return true;
	return sg_src_allowed(pol, &spa) && !sg_br_host4(net, spa.v4);
}

/* A link-layer address option (source or target), if any, is the frame's. */
static bool sg_br_nd_opts_ok(const struct sk_buff *skb, unsigned int off,
			     unsigned int end, bool none)
{
	const u8 *o, *ll;
	u8 _o[2], _ll[ETH_ALEN];

	while (off + 2 <= end) {
		o = skb_header_pointer(skb, off, sizeof(_o), _o);
		if (!o || !o[1] || off + o[1] * 8 > end)
			return false;	/* a length of 0 is invalid (RFC 4861) */
		if (o[0] == ND_OPT_SOURCE_LL_ADDR || o[0] == ND_OPT_TARGET_LL_ADDR) {
			if (none)
				return false;
			ll = skb_header_pointer(skb, off + 2, ETH_ALEN, _ll);
			if (!ll || !ether_addr_equal(ll, eth_hdr(skb)->h_source))
				return false;
		}
		off += o[1] * 8;
	}
	return true;
}

/*
 * An IPv6 address the instance may speak for: one of its addresses (any,
 * when it lists none) but the host's, or if link-local, one it lists or
 * the one its MAC address makes (fe80::/64 with the modified EUI-64, RFC
 * 4291), so that it cannot claim the router's or another's link-local
 * address.
 */
static bool sg_br_own6(struct net *net, const struct sg_policy *pol,
		       const struct in6_addr *a)
{
	struct in6_addr ll = { .s6_addr = { 0xfe, 0x80 } };
	struct sg_addr x = sg_addr_v6(a);
	u32 i;

	if (ipv6_chk_addr(net, a, NULL, 0))
		return false;
	if (!(ipv6_addr_type(a) & IPV6_ADDR_LINKLOCAL))
		return sg_src_allowed(pol, &x);
	addrconf_addr_eui48(&ll.s6_addr[8], (const char *)pol->mac);
	if (ipv6_addr_equal(a, &ll))
		return true;
	for (i = 0; i < pol->naddrs; i++)
		if (sg_addr_eq(&pol->addrs[i], &x))
			return true;
	return false;
}

/* The target of a neighbour solicitation or advertisement is the instance's. */
static bool sg_br_nd_target_ok(struct net *net, const struct sg_policy *pol,
			       const struct sk_buff *skb, unsigned int thoff)
{
	const struct in6_addr *t;
	struct in6_addr _t;

	t = skb_header_pointer(skb, thoff + 8, sizeof(_t), &_t);
	return t && sg_br_own6(net, pol, t);
}

/*
 * Neighbour discovery from an instance speaks for itself: from its own
 * address (or none, probing), its link-layer address options are the
 * frame's source, an advertisement or a duplicate address probe is for its
 * own address, and it sends no router advertisement or redirect (RA
 * guard, RFC 6105).  Any ICMPv6 from a link-local source must be from its
 * own: the IP path lets ND and MLD from any link-local source pass as the
 * link's.  Anything else passes to the IP path.
 */
static bool sg_br_nd_ok(struct net *net, const struct sg_policy *pol, struct sk_buff *skb)
{
	const struct ipv6hdr *ip6 = ipv6_hdr(skb);
	unsigned int thoff = 0, end;
	unsigned short frag = 0;
	const u8 *type;
	u8 _type;
	bool dad;

	if (ip6->nexthdr == IPPROTO_TCP || ip6->nexthdr == IPPROTO_UDP)
		return true;
	if (ipv6_find_hdr(skb, &thoff, -1, &frag, NULL) != IPPROTO_ICMPV6 || frag)
		return true;
	type = skb_header_pointer(skb, thoff, 1, &_type);
	if (!type)
		return true;	/* the IP path drops what it cannot read */
	ip6 = ipv6_hdr(skb);	/* ipv6_find_hdr() may have pulled */
	dad = ipv6_addr_any(&ip6->saddr);
	if (!dad && !sg_br_own6(net, pol, &ip6->saddr))
		return false;
	end = skb_network_offset(skb) + sizeof(*ip6) + ntohs(ip6->payload_len);
	switch (*type) {
	case NDISC_ROUTER_SOLICITATION:
		return sg_br_nd_opts_ok(skb, thoff + 8, end, dad);
	case NDISC_NEIGHBOUR_SOLICITATION:
		if (dad && !sg_br_nd_target_ok(net, pol, skb, thoff))
			return false;
		return sg_br_nd_opts_ok(skb, thoff + 24, end, dad);
	case NDISC_NEIGHBOUR_ADVERTISEMENT:
		return sg_br_nd_target_ok(net, pol, skb, thoff) &&
		       sg_br_nd_opts_ok(skb, thoff + 24, end, false);
	case NDISC_ROUTER_ADVERTISEMENT:
	case NDISC_REDIRECT:
		return false;
	default:
		return true;
	}
}

/* A unicast IP destination: a frame for one receiver, not a flood's copy. */
static bool sg_br_ip_unicast(const struct sk_buff *skb, u8 pf)
{
	if (pf == NFPROTO_IPV4)
		return !ipv4_is_multicast(ip_hdr(skb)->daddr) &&
		       !ipv4_is_lbcast(ip_hdr(skb)->daddr);
	return !ipv6_addr_is_multicast(&ipv6_hdr(skb)->daddr);
}

/* DHCP (IPv4): a client's message (68 to 67), a server's (67 to 68), or none. */
enum sg_dhcp { SG_DHCP_NONE, SG_DHCP_CLIENT, SG_DHCP_SERVER };

static enum sg_dhcp sg_br_dhcp(const struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);
	const struct udphdr *uh;
	struct udphdr _uh;

	if (iph->protocol != IPPROTO_UDP || ip_is_fragment(iph))
		return SG_DHCP_NONE;
	uh = skb_header_pointer(skb, skb_network_offset(skb) + iph->ihl * 4, sizeof(_uh), &_uh);
	if (!uh)
		return SG_DHCP_NONE;
	if (uh->source == htons(68) && uh->dest == htons(67))
		return SG_DHCP_CLIENT;
	if (uh->source == htons(67) && uh->dest == htons(68))
		return SG_DHCP_SERVER;
	return SG_DHCP_NONE;
}

/*
 * DHCP on a bridge port is the link's, as ND is: a VM on libvirt's
 * network asks the host's dnsmasq for its address.  A client's message
 * on the link (broadcast, or to the host) passes, from no address yet
 * (0.0.0.0) or one of its own; to anywhere else it is a datagram like
 * any other, for the rules (or 68 to 67 would be a way out past them).
 * A server's from an instance does not pass (DHCP guard: no port hands
 * out leases to the others, as no port advertises a route).  NF_REPEAT:
 * for the rules.
 */
static unsigned int sg_br_dhcp_out(struct net *net, const struct sg_policy *pol,
				   const struct sk_buff *skb)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct sg_addr src;

	switch (sg_br_dhcp(skb)) {
	case SG_DHCP_CLIENT:
		if (!ipv4_is_lbcast(iph->daddr) && !sg_br_host4(net, iph->daddr))
			return NF_REPEAT;
		src = sg_addr_v4(iph->saddr);
		return !src.v4 || sg_src_allowed(pol, &src) ? NF_ACCEPT : NF_DROP;
	case SG_DHCP_SERVER:
		return NF_DROP;
	default:
		return NF_REPEAT;
	}
}

static unsigned int sg_br_drop(const struct sg_attach *att, bool spoof)
{
	if (spoof)
		this_cpu_inc(att->stats->drop_spoof);
	else
		this_cpu_inc(att->stats->drop_invalid);
	return NF_DROP;
}

/* From the instance's MAC address, or the bridge would learn another's on its port. */
static bool sg_br_from_own_mac(const struct sg_policy *pol, const struct sk_buff *skb)
{
	return ether_addr_equal(eth_hdr(skb)->h_source, pol->mac);
}

/*
 * Every frame a bridge port of @priv's instance gets, before the bridge
 * does (its rx_handler runs after the ingress hooks): from the instance's
 * MAC address, and not to the link's own control protocols (STP's BPDUs,
 * LLDP, 802.1X: 01:80:c2:00:00:0X), which the bridge takes or passes up
 * the port with no hook of its own: an instance may not make itself the
 * spanning tree's root.
 */
static unsigned int sg_hook_port(void *priv, struct sk_buff *skb,
				 const struct nf_hook_state *state)
{
	const struct sg_attach *att = priv;	/* unregistered before it is freed */

	if (!sg_br_from_own_mac(rcu_dereference(att->policy), skb))
		return sg_br_drop(att, true);
	if (is_link_local_ether_addr(eth_hdr(skb)->h_dest))
		return sg_br_drop(att, false);
	return NF_ACCEPT;
}

/*
 * Egress: a frame the instance sends into the bridge.  sg_hook_port()
 * passed it, unless the frame skipped the ingress hooks (tc_skip_classify,
 * which ifb sets, if a veth passes it on: a review's reading, not
 * reproduced): its source is checked again before the bridge learns it.
 */
static unsigned int sg_hook_br_in(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	const struct sg_policy *pol;
	unsigned int verdict;
	struct sg_attach *att;
	u8 pf;

	att = sg_attach_lookup_rcu(priv, SG_ATTACH_DEV, state->in->ifindex);
	if (!att)
		return NF_ACCEPT;
	pol = rcu_dereference(att->policy);
	if (!sg_br_from_own_mac(pol, skb))
		return sg_br_drop(att, true);
	if (sg_br_tagged(skb) || skb_network_offset(skb))	/* not as the bridge passes it */
		return sg_br_drop(att, false);
	if (skb->protocol == htons(ETH_P_ARP))
		return sg_br_arp_ok(state->net, pol, skb) ? NF_ACCEPT : sg_br_drop(att, true);
	pf = sg_br_l3(skb);
	if (!pf)
		return sg_br_drop(att, false);
	if (pf == NFPROTO_IPV6 && !sg_br_nd_ok(state->net, pol, skb))
		return sg_br_drop(att, true);
	if (pf == NFPROTO_IPV4) {
		verdict = sg_br_dhcp_out(state->net, pol, skb);
		if (verdict != NF_REPEAT)
			return verdict == NF_ACCEPT ? NF_ACCEPT : sg_br_drop(att, true);
	}
	return sg_filter_bridged(priv, att, skb, state, pf, SECGROUP_EGRESS);
}

/*
 * Ingress: a frame the bridge sends to the instance.  A unicast frame for
 * another MAC address is one the bridge floods, as it does when it has not
 * learnt the destination yet: not the instance's, and not judged.  A first
 * packet routed into the bridge (of a new connection, or of one a helper
 * expects) was confirmed at the bridge device already: if it is dropped
 * here, its conntrack entry goes too, or the instance could answer it (as
 * a "reply", past its egress rules) after all.  A broadcast or multicast
 * one is shared by every port the bridge floods it to (as a unicast frame,
 * with multicast_to_unicast), and so is an IP-unicast one in a broadcast
 * frame (to a subnet's broadcast address): one port's drop leaves it to
 * the others.
 */
static unsigned int sg_hook_br_out(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	const u8 *dest = eth_hdr(skb)->h_dest;
	enum ip_conntrack_info ctinfo;
	struct sg_attach *att;
	unsigned int verdict;
	struct nf_conn *ct;
	u8 pf;

	att = sg_attach_lookup_rcu(priv, SG_ATTACH_DEV, state->out->ifindex);
	if (!att)
		return NF_ACCEPT;
	if (is_unicast_ether_addr(dest) &&
	    !ether_addr_equal(dest, rcu_dereference(att->policy)->mac))
		return NF_DROP;
	if (sg_br_tagged(skb) || skb_network_offset(skb))
		return sg_br_drop(att, false);
	if (skb->protocol == htons(ETH_P_ARP))
		return NF_ACCEPT;
	pf = sg_br_l3(skb);
	if (!pf)
		return sg_br_drop(att, false);
	/*
	 * The host's DHCP server is the link's (ports send none:
	 * sg_br_dhcp_out()); no skb_iif: the host sent it, nothing
	 * forwarded or bridged from elsewhere.
	 */
	if (pf == NFPROTO_IPV4 && !skb->skb_iif && sg_br_dhcp(skb) == SG_DHCP_SERVER)
		return NF_ACCEPT;
	verdict = sg_filter_bridged(priv, att, skb, state, pf, SECGROUP_INGRESS);
	if (verdict != NF_ACCEPT && is_unicast_ether_addr(dest) && sg_br_ip_unicast(skb, pf)) {
		ct = nf_ct_get(skb, &ctinfo);
		if (ct && nf_ct_is_confirmed(ct) &&
		    (ctinfo == IP_CT_NEW || (ctinfo == IP_CT_RELATED && ct->master)))
			nf_ct_kill(ct);
	}
	return verdict;
}

/* Just after nf_conntrack_bridge's PRE_ROUTING hook (NF_IP_PRI_CONNTRACK). */
#define SG_BR_PRI (NF_IP_PRI_CONNTRACK + 1)

static const struct nf_hook_ops sg_br_ops[SG_BR_HOOKS] = {
	{ .hook = sg_hook_br_in, .pf = NFPROTO_BRIDGE, .hooknum = NF_BR_PRE_ROUTING,
	  .priority = SG_BR_PRI },
	{ .hook = sg_hook_br_out, .pf = NFPROTO_BRIDGE, .hooknum = NF_BR_POST_ROUTING,
	  .priority = SG_BR_PRI },
};

static int sg_bridge_hooks_on(struct sg_net *sn)
{
	int err, i;

	/* conntrack at the bridge hooks; loads nf_conntrack_bridge if need be */
	err = nf_ct_netns_get(sn->net, NFPROTO_BRIDGE);
	if (err)
		return err;
	memcpy(sn->br_ops, sg_br_ops, sizeof(sg_br_ops));
	for (i = 0; i < SG_BR_HOOKS; i++)
		sn->br_ops[i].priv = sn;
	err = nf_register_net_hooks(sn->net, sn->br_ops, SG_BR_HOOKS);
	if (err) {
		nf_ct_netns_put(sn->net, NFPROTO_BRIDGE);
		return err;
	}
	sn->br_hooks = true;
	return 0;
}

/* As sg_hooks_off(): a packet in a hook may still run after this returns. */
void sg_bridge_hooks_off(struct sg_net *sn)
{
	nf_unregister_net_hooks(sn->net, sn->br_ops, SG_BR_HOOKS);
	nf_ct_netns_put(sn->net, NFPROTO_BRIDGE);
	sn->br_hooks = false;
}

int sg_bridge_hooks_update(struct sg_net *sn)
{
	lockdep_assert_held(&sn->lock);
	if (sn->nbridged && !sn->br_hooks && !sn->dying)
		return sg_bridge_hooks_on(sn);
	if (!sn->nbridged && sn->br_hooks)
		sg_bridge_hooks_off(sn);
	return 0;
}

/* Before nftables' netdev chains at any usual priority. */
#define SG_PORT_PRI (NF_IP_PRI_FIRST + 1)

/*
 * @att's device @dev is a bridge port now (@bridged), or no longer (@dev
 * may then be NULL).  Only becoming one can fail: its ingress hook.
 */
int sg_bridge_track(struct sg_net *sn, struct sg_attach *att, struct net_device *dev,
		    bool bridged)
{
	int err;

	lockdep_assert_held(&sn->lock);
	if (att->bridged == bridged)
		return 0;
	if (bridged) {
		att->port_ops = (struct nf_hook_ops) {
			.hook = sg_hook_port, .pf = NFPROTO_NETDEV,
			.hooknum = NF_NETDEV_INGRESS, .priority = SG_PORT_PRI,
			.priv = att, .dev = dev,
		};
		err = nf_register_net_hook(sn->net, &att->port_ops);
		if (err)
			return err;
		sn->nbridged++;
	} else {
		nf_unregister_net_hook(sn->net, &att->port_ops);
		sn->nbridged--;
	}
	att->bridged = bridged;
	return 0;
}

/*
 * An attached device joins a bridge: the bridge hooks are in place before
 * it can forward (a port is disabled until br_add_if() has linked it), or
 * it does not join.  PRECHANGEUPPER only registers them: a later notifier
 * may still veto the link, and nothing would take a count back.  The port
 * counts from CHANGEUPPER, linking; leaving one, it no longer does.
 */
int sg_bridge_event(struct net_device *dev, unsigned long event, void *ptr)
{
	struct netdev_notifier_changeupper_info *info = ptr;
	struct sg_net *sn = sg_pernet(dev_net(dev));
	struct sg_attach *att;
	int err = 0;

	mutex_lock(&sn->lock);
	att = sg_attach_find(sn, SG_ATTACH_DEV, dev->ifindex);
	if (!att)
		goto out;
	if (!netif_is_bridge_master(info->upper_dev)) {
		if (event == NETDEV_PRECHANGEUPPER && info->linking) {
			NL_SET_ERR_MSG(info->info.extack,
				       "secgroup: an attached device's frames would go to this upper device unjudged: only a bridge may be over it");
			err = -EBUSY;
		}
		goto out;
	}
	if (event == NETDEV_PRECHANGEUPPER) {
		if (info->linking && is_zero_ether_addr(att->conf.mac)) {
			NL_SET_ERR_MSG(info->info.extack,
				       "secgroup: an attached device needs its instance's MAC address (mac) to be a bridge port");
			err = -EINVAL;
			goto out;
		}
		if (info->linking)
			err = sg_bridge_mac_ok(sn, dev, info->upper_dev, att->conf.mac,
					       true, info->info.extack);
		if (err)
			goto out;
		if (info->linking && !sn->br_hooks && !sn->dying)
			err = sg_bridge_hooks_on(sn);
		if (err)
			NL_SET_ERR_MSG(info->info.extack,
				       "secgroup: cannot register the bridge hooks for an attached port");
		goto out;
	}
	err = sg_bridge_track(sn, att, dev, info->linking);
	if (err) {
		NL_SET_ERR_MSG(info->info.extack,
			       "secgroup: cannot register the port's ingress hook");
		goto out;
	}
	err = sg_hooks_update(sn);	/* registered at PRECHANGEUPPER: no error */
	if (err) {
		sg_bridge_track(sn, att, NULL, false);
		sg_hooks_update(sn);	/* unregistering cannot fail */
	}
out:
	mutex_unlock(&sn->lock);
	return err;
}

/*
 * The MAC address of a veth's peer (a container's eth0), as it is now;
 * false for a device with no peer.
 */
bool sg_dev_peer_mac(struct net_device *dev, u8 *mac)
{
	struct net_device *peer;
	bool ok = false;

	ASSERT_RTNL();	/* orders us against a change of the peer's address */
	if (!dev->netdev_ops->ndo_get_peer_dev)
		return false;
	rcu_read_lock();
	peer = dev->netdev_ops->ndo_get_peer_dev(dev);
	if (peer && is_valid_ether_addr(peer->dev_addr)) {
		ether_addr_copy(mac, peer->dev_addr);
		ok = true;
	}
	rcu_read_unlock();
	return ok;
}

/*
 * A device some upper device other than a bridge takes frames from (a
 * bond, team, OVS or VLAN device, a macvlan): the IP hooks would see that
 * one, never an attachment of this one.
 */
bool sg_dev_other_upper(struct net_device *dev)
{
	struct list_head *iter;
	struct net_device *up;
	bool other = false;

	ASSERT_RTNL();
	rcu_read_lock();
	netdev_for_each_upper_dev_rcu(dev, up, iter) {
		if (!netif_is_bridge_master(up)) {
			other = true;
			break;
		}
	}
	rcu_read_unlock();
	return other;
}

/*
 * Has the bridge @br learnt @mac on a port other than @dev, in any VLAN?
 * A device joining a VLAN-filtering bridge is a port at PRECHANGEUPPER
 * but has no VLAN yet (nbp_vlan_init() comes later): it is to get the
 * bridge's default PVID, which modules cannot read, and the bridge
 * device's own PVID may differ or be none.  A port may also be moved to
 * another VLAN later.  VLAN_N_VID hash lookups, when an instance is
 * attached or joins, not per packet.
 */
static bool sg_bridge_learnt_other(const struct net_device *br,
				   const struct net_device *dev, const u8 *mac)
{
	u16 vid, last = br_vlan_enabled(br) ? VLAN_N_VID - 2 : 0;
	struct net_device *port;

	for (vid = 0; vid <= last; vid++) {
		port = br_fdb_find_port(br, mac, vid);
		if (port && port != dev)
			return true;
	}
	return false;
}

/*
 * May the instance behind @dev, a port of the bridge @br (or joining it),
 * have @mac?  Not if it is the bridge's own, one the bridge has learnt on
 * another port (an instance that is not attached, a router on the
 * uplink), or, with @others, another attached port's instance's: its
 * instance could pick that address for its veth before it is attached.
 * A configuration replace checks its instances against each other instead
 * (sg_cfg_macs()): they are all of the attachments.
 */
int sg_bridge_mac_ok(struct sg_net *sn, const struct net_device *dev,
		     const struct net_device *br, const u8 *mac, bool others,
		     struct netlink_ext_ack *extack)
{
	struct sg_attach *att;
	struct net_device *d;

	lockdep_assert_held(&sn->lock);
	ASSERT_RTNL();
	if (ether_addr_equal(mac, br->dev_addr)) {
		NL_SET_ERR_MSG(extack, "secgroup: the MAC address is the bridge's own");
		return -EADDRINUSE;
	}
	if (sg_bridge_learnt_other(br, dev, mac)) {
		NL_SET_ERR_MSG(extack, "secgroup: the bridge has the MAC address on another port");
		return -EADDRINUSE;
	}
	if (!others)
		return 0;
	list_for_each_entry(att, &sn->attachments, node) {
		if (att->key.kind != SG_ATTACH_DEV || att->key.id == dev->ifindex ||
		    !ether_addr_equal(att->conf.mac, mac))
			continue;
		d = __dev_get_by_index(sn->net, att->key.id);
		if (d && netdev_master_upper_dev_get(d) == br) {
			NL_SET_ERR_MSG(extack,
				       "secgroup: another attached port of the bridge has the MAC address");
			return -EADDRINUSE;
		}
	}
	return 0;
}
