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
 * Each hook's priv is its netns's struct sg_net.
 * Priority NF_IP_PRI_CONNTRACK + 1: conntrack has classified the packet.
 * ESTABLISHED and RELATED pass at once; INVALID is dropped; NEW and untracked
 * packets go to the classifier.  No lock, no allocation.  The link's own
 * control traffic, IPv6 neighbour discovery and MLD that cannot have come
 * from or be going beyond the link, is never filtered (as the VPC's implicit
 * traffic on AWS); everything else is classified, or dropped if it cannot be.
 */
#include <linux/netfilter.h>
#include <linux/netfilter_ipv4.h>
#include <linux/netfilter_ipv6.h>
#include <net/sock.h>
#include <net/ipv6.h>
#include <net/netfilter/nf_conntrack.h>
#include <net/netfilter/nf_conntrack_acct.h>
#include <net/netfilter/nf_conntrack_timestamp.h>

#include "sg.h"

/*
 * Sent by the kernel (the host's neighbour discovery and MLD), or not sent
 * here at all: a socket of a process may build link control too, but it
 * is the link's only when the stack makes it.
 */
static bool sg_kernel_sent(const struct sk_buff *skb)
{
	const struct sock *sk = skb->sk;

	return !sk || !sk_fullsock(sk) || sk->sk_kern_sock;
}

bool sg_src_allowed(const struct sg_policy *pol, const struct sg_addr *src)
{
	u32 i;

	if (!pol->naddrs)
		return true;
	for (i = 0; i < pol->naddrs; i++)
		if (sg_addr_eq(&pol->addrs[i], src))
			return true;
	return false;
}

/* Conntrack's timestamps are a kernel option (the debug kernel has none). */
#ifdef CONFIG_NF_CONNTRACK_TIMESTAMP
static void sg_flow_tstamp(struct nf_conn *ct)
{
	if (!nf_conn_tstamp_find(ct))
		nf_ct_ext_add(ct, NF_CT_EXT_TSTAMP, GFP_ATOMIC);
}
#else
static void sg_flow_tstamp(struct nf_conn *ct)
{
}
#endif

/*
 * Counters and times for the end of a logged connection: conntrack's own
 * accounting and timestamp extensions, added to this one connection before
 * it is confirmed, so that its destroy event carries them (sgnl monitor's
 * end records).  The first packet passed conntrack before the counters
 * existed: it is counted here.  GFP_ATOMIC, once per logged connection, as
 * conntrack adds them itself when the netns turns them on.  Not to an
 * entry another packet holds too (a clone that a bridge floods, a
 * multicast copy, maybe on another CPU): its extensions must not move
 * under that packet, as openvswitch's conntrack says.
 */
static void sg_flow_account(struct nf_conn *ct, const struct sk_buff *skb)
{
	struct nf_conn_acct *acct;

	if (nf_ct_is_confirmed(ct) || nf_ct_is_template(ct) ||
	    refcount_read(&ct->ct_general.use) > 1)	/* 6.1's nf_ct_shared() */
		return;
	if (!nf_conn_acct_find(ct)) {
		acct = nf_ct_ext_add(ct, NF_CT_EXT_ACCT, GFP_ATOMIC);
		if (acct) {
			atomic64_set(&acct->counter[IP_CT_DIR_ORIGINAL].packets, 1);
			atomic64_set(&acct->counter[IP_CT_DIR_ORIGINAL].bytes, skb->len);
		}
	}
	sg_flow_tstamp(ct);
}

static void sg_flow_log(struct sg_net *sn, const struct sg_attach *att,
			struct sk_buff *skb, const struct sg_pkt *p, u8 dir,
			u8 verdict, const struct sg_rule *r)
{
	enum ip_conntrack_info ctinfo;
	struct nf_conn *ct = nf_ct_get(skb, &ctinfo);
	struct sg_flow f = {
		.verdict = verdict, .dir = dir, .kind = att->key.kind,
		.proto = p->proto, .family = p->src.family,
		.icmp_type = p->icmp_type, .icmp_code = p->icmp_code,
		.sport = p->sport, .dport = p->dport, .id = att->key.id,
		.src = p->src, .dst = p->dst,
		.group = r ? r->group : 0, .rule = r ? r->id : 0,
		.len = skb->len,
	};

	/* as ctnetlink's CTA_ID reads, and conntrack -L -o id shows it */
	if (ct && verdict == SECGROUP_VERDICT_ACCEPT)
		f.ct_id = be32_to_cpu((__force __be32)nf_ct_get_id(ct));
	/* counters only for a record that the rate limit let through */
	if (sg_flowlog_record(sn, &f) && f.ct_id)
		sg_flow_account(ct, skb);
}

/* One packet on its way through a hook. */
struct sg_ctx {
	struct net *net;
	struct sg_net *sn;
	struct sk_buff *skb;
	const struct net_device *in;	/* LOCAL_IN's; NULL: skb_iif */
	u8 pf;
	bool bridged;			/* at a bridge port (bridge.c) */
	struct sg_pkt p;
	bool read;			/* p is read (or could not be) */
	bool parsed;			/* p is read */
};

/* The packet read into c->p once, when a hook first needs more than conntrack's verdict. */
static bool sg_ctx_parse(struct sg_ctx *c)
{
	if (!c->read) {
		c->parsed = sg_parse(c->skb, c->pf, &c->p);
		c->read = true;
	}
	return c->parsed;
}

/*
 * A packet of a connection judged already, or of its replies: what
 * conntrack says is enough, and only the source is read (for
 * anti-spoofing).  A connection a helper expects is judged as a new one:
 * its first packet, RELATED to a master and not confirmed yet (an ICMP
 * error is RELATED to a confirmed connection).  At a bridge port every
 * packet of it until the reply (all RELATED): one routed into the bridge
 * was confirmed at the bridge device before the port's hook.
 */
static bool sg_ct_judged(const struct nf_conn *ct, enum ip_conntrack_info ctinfo,
			 bool bridged)
{
	if (!ct || ctinfo == IP_CT_NEW)
		return false;
	if (ctinfo != IP_CT_RELATED || !ct->master)
		return true;
	return !bridged && nf_ct_is_confirmed(ct);
}

/*
 * Ingress: a packet of a connection judged already passes, whoever
 * receives it, before the receiver is looked for.
 */
static bool sg_judged_in(const struct sk_buff *skb)
{
	enum ip_conntrack_info ctinfo;
	const struct nf_conn *ct = nf_ct_get(skb, &ctinfo);

	return sg_ct_judged(ct, ctinfo, false);
}

/* The source address alone, for anti-spoofing on the judged path. */
static struct sg_addr sg_ctx_src(const struct sg_ctx *c)
{
	if (c->parsed)
		return c->p.src;
	return c->pf == NFPROTO_IPV4 ? sg_addr_v4(ip_hdr(c->skb)->saddr) :
				       sg_addr_v6(&ipv6_hdr(c->skb)->saddr);
}

/*
 * A new connection (or an untracked packet) against one direction.  For
 * ingress the source belongs to the groups it is a member of through the
 * instance (or the outside) the packet really came from.
 */
static unsigned int sg_classify(struct sg_ctx *c, const struct sg_attach *att,
				const struct sg_policy *pol, u8 dir)
{
	const struct sg_pkt *p = &c->p;
	const struct sg_addr *peer = dir == SECGROUP_EGRESS ? &p->dst : &p->src;
	u16 l4 = sgc_proto_is_icmp(p->proto) ?
		 (u16)p->icmp_type << 8 | p->icmp_code : p->dport;
	struct sg_attach_key origin;
	struct sg_rule *r;
	int idx;

	if (dir == SECGROUP_INGRESS && sg_policy_group_peers(pol, dir))
		sg_origin(c->sn, c->net, c->skb, c->in, p, &origin);
	idx = sg_policy_match(c->sn, pol, dir, peer,
			      dir == SECGROUP_INGRESS ? &origin : NULL, p->proto, l4);
	if (idx < 0) {
		this_cpu_inc(att->stats->drop_policy);
		if (unlikely(pol->flags & SECGROUP_ATTACH_F_FLOWLOG))
			sg_flow_log(c->sn, att, c->skb, p, dir,
				    SECGROUP_VERDICT_REJECT, NULL);
		return NF_DROP;
	}
	r = pol->rules[dir][idx];
	this_cpu_inc(r->stats->hits);
	this_cpu_write(r->stats->last, ktime_get_real_seconds());
	this_cpu_inc(att->stats->new_accepted);
	if (unlikely(pol->flags & SECGROUP_ATTACH_F_FLOWLOG))
		sg_flow_log(c->sn, att, c->skb, p, dir, SECGROUP_VERDICT_ACCEPT, r);
	return NF_ACCEPT;
}

/*
 * The order matters.  Anti-spoofing comes before the conntrack verdict so
 * that an instance cannot send with the address of a neighbour's
 * established connection.  The link's control traffic passes before it is
 * classified: conntrack does not track it (but for an ND redirect, RELATED
 * to the connection it quotes), and without a rule of its own it would be
 * dropped; it is held to anti-spoofing too, but for link-local and
 * unspecified sources, which are the link's own.
 */
static unsigned int sg_filter(struct sg_ctx *c, const struct sg_attach *att, u8 dir)
{
	const struct sg_policy *pol = rcu_dereference(att->policy);
	enum ip_conntrack_info ctinfo;
	struct sg_addr src;
	struct nf_conn *ct;
	bool link;

	/*
	 * Judged, from an address of the instance: pass.  Another source
	 * takes the whole path below, where link control (an ND redirect
	 * is RELATED to the connection it quotes) may still pass it.
	 */
	ct = nf_ct_get(c->skb, &ctinfo);
	if (sg_ct_judged(ct, ctinfo, c->bridged)) {
		if (dir == SECGROUP_INGRESS)
			return NF_ACCEPT;	/* established, related, replies */
		src = sg_ctx_src(c);
		if (sg_src_allowed(pol, &src))
			return NF_ACCEPT;
	}
	if (!sg_ctx_parse(c))
		goto invalid;
	/* bridged, to another port: a frame for the bridge's MAC is routed */
	link = sg_link_control(c->net, &c->p, dir,
			       c->bridged && c->skb->pkt_type != PACKET_HOST) &&
	       sg_kernel_sent(c->skb);
	if (dir == SECGROUP_EGRESS && !sg_src_allowed(pol, &c->p.src) &&
	    !(link && sg_link_source(&c->p.src))) {
		this_cpu_inc(att->stats->drop_spoof);
		return NF_DROP;
	}
	if (link)
		return NF_ACCEPT;

	if (ct) {
		if (ctinfo == IP_CT_NEW && sg_tcp_not_syn(&c->p))
			goto invalid;
	} else if (ctinfo != IP_CT_UNTRACKED) {
		goto invalid;
	}
	return sg_classify(c, att, pol, dir);
invalid:
	this_cpu_inc(att->stats->drop_invalid);
	return NF_DROP;
}

static void sg_ctx_init(struct sg_ctx *c, struct sg_net *sn, struct sk_buff *skb,
			const struct nf_hook_state *state, const struct net_device *in)
{
	c->net = state->net;
	c->sn = sn;
	c->skb = skb;
	c->in = in;
	c->pf = state->pf;
	c->bridged = false;
	c->read = false;
	c->parsed = false;
}

/*
 * A frame a bridge port of @att sends (egress) or gets (ingress), read as
 * IPv4 or IPv6 (@pf) once bridge.c has checked its header.
 */
unsigned int sg_filter_bridged(struct sg_net *sn, const struct sg_attach *att,
			       struct sk_buff *skb, const struct nf_hook_state *state,
			       u8 pf, u8 dir)
{
	struct sg_ctx c __uninitialized;	/* sg_ctx_init() */

	sg_ctx_init(&c, sn, skb, state, NULL);	/* skb_iif: the port it came in on */
	c.pf = pf;
	c.bridged = true;
	return sg_filter(&c, att, dir);
}

static unsigned int sg_hook_dev_in(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	struct sg_attach *att;
	struct sg_ctx c __uninitialized;	/* sg_ctx_init() */

	att = sg_attach_lookup_rcu(priv, SG_ATTACH_DEV, state->in->ifindex);
	if (!att)
		return NF_ACCEPT;
	sg_ctx_init(&c, priv, skb, state, NULL);
	return sg_filter(&c, att, SECGROUP_EGRESS);
}

static unsigned int sg_hook_dev_out(void *priv, struct sk_buff *skb,
				    const struct nf_hook_state *state)
{
	struct sg_attach *att;
	struct sg_ctx c __uninitialized;	/* sg_ctx_init() */

	if (sg_judged_in(skb))
		return NF_ACCEPT;
	att = sg_attach_lookup_rcu(priv, SG_ATTACH_DEV, state->out->ifindex);
	if (!att)
		return NF_ACCEPT;
	sg_ctx_init(&c, priv, skb, state, NULL);	/* came in on skb_iif, if forwarded */
	return sg_filter(&c, att, SECGROUP_INGRESS);
}

static unsigned int sg_hook_cg_out(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	struct sg_attach *att = sg_attach_of_sock(priv, skb->sk);
	struct sg_ctx c __uninitialized;	/* sg_ctx_init() */

	if (!att)
		return NF_ACCEPT;
	sg_ctx_init(&c, priv, skb, state, NULL);
	return sg_filter(&c, att, SECGROUP_EGRESS);
}

/* One more attachment that may receive the packet: stop at the first drop. */
static int sg_judge_ingress(struct sg_attach *att, void *arg)
{
	return sg_filter(arg, att, SECGROUP_INGRESS) != NF_ACCEPT;
}

/*
 * Every socket of an attached cgroup that a packet would reach must be
 * allowed to get it: the socket it is addressed to, and any raw socket
 * that gets a copy.  When the receiving socket of a protocol cannot be
 * found, the packet must be allowed by every attached cgroup (fail closed).
 * A packet that cannot be read reaches no socket either: it is dropped.
 */
static unsigned int sg_hook_cg_in(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	struct sg_attach *att;
	struct sg_ctx c __uninitialized;	/* sg_ctx_init() */
	bool known;

	if (sg_judged_in(skb))
		return NF_ACCEPT;
	sg_ctx_init(&c, priv, skb, state, state->in);
	if (!sg_ctx_parse(&c))
		return NF_DROP;
	att = sg_receiver(c.sn, c.net, skb, &c.p, state->in, &known);
	if (att && sg_filter(&c, att, SECGROUP_INGRESS) != NF_ACCEPT)
		return NF_DROP;
	if (!known && sg_attach_each_cgroup_rcu(c.sn, sg_judge_ingress, &c))
		return NF_DROP;
	if (sg_raw_receivers(c.sn, c.net, skb, &c.p, sg_judge_ingress, &c))
		return NF_DROP;
	return NF_ACCEPT;
}

#define SG_PRI (NF_IP_PRI_CONNTRACK + 1)

static const struct nf_hook_ops sg_ops[SG_ATTACH_KINDS][SG_HOOKS_PER_KIND] = {
	[SG_ATTACH_DEV] = {
		{ .hook = sg_hook_dev_in, .pf = NFPROTO_IPV4, .hooknum = NF_INET_PRE_ROUTING, .priority = SG_PRI },
		{ .hook = sg_hook_dev_out, .pf = NFPROTO_IPV4, .hooknum = NF_INET_POST_ROUTING, .priority = SG_PRI },
		{ .hook = sg_hook_dev_in, .pf = NFPROTO_IPV6, .hooknum = NF_INET_PRE_ROUTING, .priority = SG_PRI },
		{ .hook = sg_hook_dev_out, .pf = NFPROTO_IPV6, .hooknum = NF_INET_POST_ROUTING, .priority = SG_PRI },
	},
	[SG_ATTACH_CGROUP] = {
		{ .hook = sg_hook_cg_out, .pf = NFPROTO_IPV4, .hooknum = NF_INET_LOCAL_OUT, .priority = SG_PRI },
		{ .hook = sg_hook_cg_in, .pf = NFPROTO_IPV4, .hooknum = NF_INET_LOCAL_IN, .priority = SG_PRI },
		{ .hook = sg_hook_cg_out, .pf = NFPROTO_IPV6, .hooknum = NF_INET_LOCAL_OUT, .priority = SG_PRI },
		{ .hook = sg_hook_cg_in, .pf = NFPROTO_IPV6, .hooknum = NF_INET_LOCAL_IN, .priority = SG_PRI },
	},
};

/*
 * Each netns registers its own copy of the ops, whose priv is its state:
 * the hooks need no net_generic() lookup per packet.
 */
static struct nf_hook_ops *sg_ops_of(struct sg_net *sn, int kind)
{
	struct nf_hook_ops *ops = sn->ops[kind];
	int i;

	memcpy(ops, sg_ops[kind], sizeof(sg_ops[kind]));
	for (i = 0; i < SG_HOOKS_PER_KIND; i++)
		ops[i].priv = sn;
	return ops;
}

static int sg_hooks_on(struct sg_net *sn, int kind)
{
	int err;

	err = nf_ct_netns_get(sn->net, NFPROTO_INET);
	if (err)
		return err;
	err = nf_register_net_hooks(sn->net, sg_ops_of(sn, kind), SG_HOOKS_PER_KIND);
	if (err) {
		nf_ct_netns_put(sn->net, NFPROTO_INET);
		return err;
	}
	sn->hooks[kind] = true;
	return 0;
}

/*
 * Packets already in a hook may still run after this returns: whoever
 * frees what they read waits for a grace period first (sg_net_exit runs
 * after one; sg_attach_unlink frees with call_rcu).
 */
static void sg_hooks_off(struct sg_net *sn, int kind)
{
	nf_unregister_net_hooks(sn->net, sn->ops[kind], SG_HOOKS_PER_KIND);
	nf_ct_netns_put(sn->net, NFPROTO_INET);
	sn->hooks[kind] = false;
}

/* Register or unregister each kind's hooks as its attachments come and go. */
int sg_hooks_update(struct sg_net *sn)
{
	int kind, err;

	lockdep_assert_held(&sn->lock);
	for (kind = SG_ATTACH_DEV; kind <= SG_ATTACH_CGROUP; kind++) {
		if (sn->nattach[kind] && !sn->hooks[kind] && !sn->dying) {
			err = sg_hooks_on(sn, kind);
			if (err)
				return err;
		} else if (!sn->nattach[kind] && sn->hooks[kind]) {
			sg_hooks_off(sn, kind);
		}
	}
	return sg_bridge_hooks_update(sn);
}

void sg_hooks_exit(struct sg_net *sn)
{
	int kind;

	lockdep_assert_held(&sn->lock);
	for (kind = SG_ATTACH_DEV; kind <= SG_ATTACH_CGROUP; kind++)
		if (sn->hooks[kind])
			sg_hooks_off(sn, kind);
	if (sn->br_hooks)
		sg_bridge_hooks_off(sn);
}
