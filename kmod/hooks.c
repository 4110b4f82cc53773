// SPDX-License-Identifier: GPL-2.0
/*
 * The datapath: netfilter hooks, registered per netns only while it has
 * attachments of their kind, holding a conntrack reference meanwhile.
 *
 *   device   PRE_ROUTING, indev attached   -> the instance's egress rules
 *            POST_ROUTING, outdev attached -> its ingress rules
 *   cgroup   LOCAL_OUT, the sending socket's cgroup or an ancestor -> egress
 *            LOCAL_IN, the receiving socket's (found as xt_socket does) -> ingress
 *
 * Priority NF_IP_PRI_CONNTRACK + 1: conntrack has classified the packet.
 * ESTABLISHED and RELATED pass at once; INVALID is dropped; NEW and untracked
 * packets go to the classifier.  No lock, no allocation.  IPv6 neighbour
 * discovery and MLD, the link's own control traffic, are never filtered (as
 * the VPC's implicit traffic on AWS).
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/icmp.h>
#include <linux/icmpv6.h>
#include <linux/cgroup.h>
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <linux/slab.h>
#include <net/sock.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_socket.h>

#include "sg.h"

/* What the classifier and the anti-spoofing check need from a packet. */
struct sg_pkt {
	struct sg_addr src, dst;
	u8 proto;
	u16 sport, dport;
	u8 icmp_type, icmp_code;
	bool nd;		/* IPv6 neighbour discovery, MLD: never filtered */
};

static bool sg_parse_l4(const struct sk_buff *skb, unsigned int thoff, struct sg_pkt *p)
{
	__be16 _ports[2];
	const __be16 *ports;
	u8 _icmp[2];
	const u8 *icmp;

	if (sgc_proto_has_ports(p->proto)) {
		ports = skb_header_pointer(skb, thoff, sizeof(_ports), _ports);
		if (!ports)
			return false;
		p->sport = ntohs(ports[0]);
		p->dport = ntohs(ports[1]);
	} else if (sgc_proto_is_icmp(p->proto)) {
		icmp = skb_header_pointer(skb, thoff, sizeof(_icmp), _icmp);
		if (!icmp)
			return false;
		p->icmp_type = icmp[0];
		p->icmp_code = icmp[1];
		p->nd = p->proto == IPPROTO_ICMPV6 &&
			((p->icmp_type >= NDISC_ROUTER_SOLICITATION &&
			  p->icmp_type <= NDISC_REDIRECT) ||
			 (p->icmp_type >= ICMPV6_MGM_QUERY &&
			  p->icmp_type <= ICMPV6_MGM_REDUCTION) ||
			 p->icmp_type == ICMPV6_MLD2_REPORT);
	}
	return true;
}

static bool sg_parse(const struct sk_buff *skb, u8 pf, struct sg_pkt *p)
{
	unsigned int thoff = 0;
	int proto;

	memset(p, 0, sizeof(*p));
	if (pf == NFPROTO_IPV4) {
		const struct iphdr *iph = ip_hdr(skb);

		p->src = sg_addr_v4(iph->saddr);
		p->dst = sg_addr_v4(iph->daddr);
		p->proto = iph->protocol;
		return sg_parse_l4(skb, skb_network_offset(skb) + ip_hdrlen(skb), p);
	}
	p->src = sg_addr_v6(&ipv6_hdr(skb)->saddr);
	p->dst = sg_addr_v6(&ipv6_hdr(skb)->daddr);
	proto = ipv6_find_hdr(skb, &thoff, -1, NULL, NULL);
	if (proto < 0)
		return false;
	p->proto = proto;
	return sg_parse_l4(skb, thoff, p);
}

static bool sg_src_allowed(const struct sg_policy *pol, const struct sg_addr *src)
{
	u32 i;

	if (!pol->naddrs)
		return true;
	for (i = 0; i < pol->naddrs; i++)
		if (sg_addr_eq(&pol->addrs[i], src))
			return true;
	return false;
}

static void sg_flow_log(struct sg_net *sn, const struct sg_attach *att,
			const struct sg_pkt *p, u8 dir, u8 verdict,
			const struct sg_rule *r)
{
	struct sg_flow f = {
		.verdict = verdict, .dir = dir, .kind = att->key.kind,
		.proto = p->proto, .family = p->src.family,
		.icmp_type = p->icmp_type, .icmp_code = p->icmp_code,
		.sport = p->sport, .dport = p->dport, .id = att->key.id,
		.src = p->src, .dst = p->dst,
		.group = r ? r->group : 0, .rule = r ? r->id : 0,
	};

	sg_flowlog_record(sn, &f);
}

/* A new connection (or an untracked packet) against one direction. */
static unsigned int sg_classify(struct sg_net *sn, const struct sg_attach *att,
				const struct sg_policy *pol, const struct sg_pkt *p,
				u8 dir)
{
	const struct sg_addr *peer = dir == SECGROUP_EGRESS ? &p->dst : &p->src;
	u16 l4 = sgc_proto_is_icmp(p->proto) ?
		 (u16)p->icmp_type << 8 | p->icmp_code : p->dport;
	struct sg_rule *r;
	int idx;

	idx = sg_policy_match(sn, pol, dir, peer, p->proto, l4);
	if (idx < 0) {
		this_cpu_inc(att->stats->drop_policy);
		if (unlikely(pol->flags & SECGROUP_ATTACH_F_FLOWLOG))
			sg_flow_log(sn, att, p, dir, SECGROUP_VERDICT_REJECT, NULL);
		return NF_DROP;
	}
	r = pol->rules[dir][idx];
	this_cpu_inc(r->stats->hits);
	this_cpu_write(r->stats->last, ktime_get_real_seconds());
	this_cpu_inc(att->stats->new_accepted);
	if (unlikely(pol->flags & SECGROUP_ATTACH_F_FLOWLOG))
		sg_flow_log(sn, att, p, dir, SECGROUP_VERDICT_ACCEPT, r);
	return NF_ACCEPT;
}

/*
 * The order matters.  Neighbour discovery and MLD pass before anything
 * else: conntrack marks them untracked, and with no rule for them they
 * would be classified and dropped.  Anti-spoofing comes before the
 * conntrack verdict so that an instance cannot send with the address of a
 * neighbour's established connection.  Parsing the ports of an
 * established packet costs one skb_header_pointer(); splitting L3 from L4
 * to save it is not worth a second parse path.
 */
static unsigned int sg_filter(struct sg_net *sn, const struct sg_attach *att,
			      struct sk_buff *skb, u8 pf, u8 dir)
{
	const struct sg_policy *pol = rcu_dereference(att->policy);
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct;
	struct sg_pkt p;

	if (!sg_parse(skb, pf, &p)) {
		this_cpu_inc(att->stats->drop_invalid);
		return NF_DROP;
	}
	if (p.nd)
		return NF_ACCEPT;
	if (dir == SECGROUP_EGRESS && !sg_src_allowed(pol, &p.src)) {
		this_cpu_inc(att->stats->drop_spoof);
		return NF_DROP;
	}

	ct = nf_ct_get(skb, &ctinfo);
	if (ct) {
		if (ctinfo != IP_CT_NEW)
			return NF_ACCEPT;	/* established, related, replies */
	} else if (ctinfo != IP_CT_UNTRACKED) {
		this_cpu_inc(att->stats->drop_invalid);
		return NF_DROP;
	}
	return sg_classify(sn, att, pol, &p, dir);
}

static unsigned int sg_hook_dev_in(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	struct sg_net *sn = priv;
	struct sg_attach *att;

	att = sg_attach_lookup(sn, SG_ATTACH_DEV, state->in->ifindex);
	if (!att)
		return NF_ACCEPT;
	return sg_filter(sn, att, skb, state->pf, SECGROUP_EGRESS);
}

static unsigned int sg_hook_dev_out(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	struct sg_net *sn = priv;
	struct sg_attach *att;

	att = sg_attach_lookup(sn, SG_ATTACH_DEV, state->out->ifindex);
	if (!att)
		return NF_ACCEPT;
	return sg_filter(sn, att, skb, state->pf, SECGROUP_INGRESS);
}

/* The nearest attached cgroup of @sk's cgroup and its ancestors. */
static struct sg_attach *sg_attach_of_sock(struct sg_net *sn, struct sock *sk)
{
	struct sg_attach *att;
	struct cgroup *cgrp;
	int level;

	if (!sk || !sk_fullsock(sk))
		return NULL;
	cgrp = sock_cgroup_ptr(&sk->sk_cgrp_data);
	for (level = cgrp->level; level >= 0; level--) {
		att = sg_attach_lookup(sn, SG_ATTACH_CGROUP,
				       cgroup_id(cgrp->ancestors[level]));
		if (att)
			return att;
	}
	return NULL;
}

static unsigned int sg_hook_cg_out(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	struct sg_net *sn = priv;
	struct sg_attach *att = sg_attach_of_sock(sn, skb->sk);

	if (!att)
		return NF_ACCEPT;
	return sg_filter(sn, att, skb, state->pf, SECGROUP_EGRESS);
}

static unsigned int sg_hook_cg_in(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	struct sg_net *sn = priv;
	struct sg_attach *att;
	struct sock *sk = skb->sk;
	bool ref = false;

	if (!sk) {
		sk = state->pf == NFPROTO_IPV4 ?
		     nf_sk_lookup_slow_v4(state->net, skb, state->in) :
		     nf_sk_lookup_slow_v6(state->net, skb, state->in);
		ref = sk != NULL;	/* the lookup took a reference */
	}
	att = sg_attach_of_sock(sn, sk);
	if (ref)
		sock_gen_put(sk);
	if (!att)
		return NF_ACCEPT;
	return sg_filter(sn, att, skb, state->pf, SECGROUP_INGRESS);
}

#define SG_PRI (NF_IP_PRI_CONNTRACK + 1)

static const struct nf_hook_ops sg_dev_ops[] = {
	{ .hook = sg_hook_dev_in, .pf = NFPROTO_IPV4, .hooknum = NF_INET_PRE_ROUTING, .priority = SG_PRI },
	{ .hook = sg_hook_dev_out, .pf = NFPROTO_IPV4, .hooknum = NF_INET_POST_ROUTING, .priority = SG_PRI },
	{ .hook = sg_hook_dev_in, .pf = NFPROTO_IPV6, .hooknum = NF_INET_PRE_ROUTING, .priority = SG_PRI },
	{ .hook = sg_hook_dev_out, .pf = NFPROTO_IPV6, .hooknum = NF_INET_POST_ROUTING, .priority = SG_PRI },
};

static const struct nf_hook_ops sg_cg_ops[] = {
	{ .hook = sg_hook_cg_out, .pf = NFPROTO_IPV4, .hooknum = NF_INET_LOCAL_OUT, .priority = SG_PRI },
	{ .hook = sg_hook_cg_in, .pf = NFPROTO_IPV4, .hooknum = NF_INET_LOCAL_IN, .priority = SG_PRI },
	{ .hook = sg_hook_cg_out, .pf = NFPROTO_IPV6, .hooknum = NF_INET_LOCAL_OUT, .priority = SG_PRI },
	{ .hook = sg_hook_cg_in, .pf = NFPROTO_IPV6, .hooknum = NF_INET_LOCAL_IN, .priority = SG_PRI },
};

static int sg_hooks_on(struct sg_net *sn, int kind)
{
	const struct nf_hook_ops *tmpl = kind == SG_ATTACH_DEV ? sg_dev_ops : sg_cg_ops;
	unsigned int n = ARRAY_SIZE(sg_dev_ops), i;
	struct nf_hook_ops *ops;
	int err;

	ops = kmemdup(tmpl, sizeof(sg_dev_ops), GFP_KERNEL);
	if (!ops)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		ops[i].priv = sn;
	err = nf_ct_netns_get(sn->net, NFPROTO_INET);
	if (err)
		goto free;
	err = nf_register_net_hooks(sn->net, ops, n);
	if (err)
		goto put;
	sn->ops[kind] = ops;
	sn->hooks[kind] = true;
	return 0;
put:
	nf_ct_netns_put(sn->net, NFPROTO_INET);
free:
	kfree(ops);
	return err;
}

static void sg_hooks_off(struct sg_net *sn, int kind)
{
	nf_unregister_net_hooks(sn->net, sn->ops[kind], ARRAY_SIZE(sg_dev_ops));
	nf_ct_netns_put(sn->net, NFPROTO_INET);
	kfree(sn->ops[kind]);
	sn->ops[kind] = NULL;
	sn->hooks[kind] = false;
}

/* Register or unregister each kind's hooks as its attachments come and go. */
int sg_hooks_update(struct sg_net *sn)
{
	int kind, err;

	lockdep_assert_held(&sn->lock);
	for (kind = SG_ATTACH_DEV; kind <= SG_ATTACH_CGROUP; kind++) {
		if (sn->nattach[kind] && !sn->hooks[kind]) {
			err = sg_hooks_on(sn, kind);
			if (err)
				return err;
		} else if (!sn->nattach[kind] && sn->hooks[kind]) {
			sg_hooks_off(sn, kind);
		}
	}
	return 0;
}

void sg_hooks_exit(struct sg_net *sn)
{
	int kind;

	for (kind = SG_ATTACH_DEV; kind <= SG_ATTACH_CGROUP; kind++)
		if (sn->hooks[kind])
			sg_hooks_off(sn, kind);
}
