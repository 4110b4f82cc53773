// SPDX-License-Identifier: GPL-2.0
/*
 * Compiling an attachment: the rules of its groups, in order, per direction,
 * into classifier policies, plus the addresses for anti-spoofing, in one
 * immutable sg_policy published with RCU.  Builds run in process context
 * under sg_net.lock and may fail with ENOMEM; the old policy then stays.
 */
#include <linux/etherdevice.h>
#include <linux/slab.h>

#include "sg.h"

/* A rule as the classifier sees it: a key range and a peer. */
static void sg_rule_to_sgc(const struct sg_rule *r, struct sgc_rule *c)
{
	u32 base = (u32)r->proto << 16;

	memset(c, 0, sizeof(*c));
	if (r->proto_all) {
		c->key_lo = 0;
		c->key_hi = SGC_KEY_MAX;
	} else if (sgc_proto_has_ports(r->proto)) {
		c->key_lo = base | r->port_min;
		c->key_hi = base | r->port_max;
	} else if (sgc_proto_is_icmp(r->proto) && r->icmp_type >= 0) {
		c->key_lo = base | (u32)r->icmp_type << 8;
		c->key_hi = c->key_lo | 0xff;
		if (r->icmp_code >= 0) {
			c->key_lo |= r->icmp_code;
			c->key_hi = c->key_lo;
		}
	} else {
		c->key_lo = base;
		c->key_hi = base | 0xffff;
	}
	c->peer_type = r->peer_type;
	if (r->peer_type == SGC_PEER_GROUP) {
		c->group = r->peer_group;
	} else {
		c->prefix = r->prefix;
		c->addr = sg_addr_to_sgc(&r->peer);
	}
}

void sg_policy_free(struct sg_policy *p)
{
	int d;

	if (!p)
		return;
	for (d = 0; d < SG_DIRS; d++) {
		sgc_free(p->cls[d]);
		kvfree(p->rules[d]);
	}
	kfree(p);
}

static void sg_policy_free_cb(struct rcu_head *head)
{
	sg_policy_free(container_of(head, struct sg_policy, rcu));
}

void sg_policy_free_rcu(struct sg_policy *p)
{
	if (p)
		call_rcu(&p->rcu, sg_policy_free_cb);
}

static int sg_policy_build_dir(struct sg_net *sn, const struct sg_attach_conf *c,
			       struct sg_policy *p, u8 dir)
{
	struct sgc_rule *crules;
	struct sg_group *g;
	struct sg_rule *r;
	u32 n = 0, i;
	int err;

	for (i = 0; i < c->ngroups; i++) {
		g = sg_group_find(sn, c->groups[i], NULL);
		if (g)
			n += g->nrules[dir];
	}
	p->rules[dir] = kvcalloc(n + 1, sizeof(*p->rules[dir]), GFP_KERNEL_ACCOUNT);
	crules = kvcalloc(n + 1, sizeof(*crules), GFP_KERNEL_ACCOUNT);
	if (!p->rules[dir] || !crules) {
		kvfree(crules);
		return -ENOMEM;
	}
	n = 0;
	for (i = 0; i < c->ngroups; i++) {
		g = sg_group_find(sn, c->groups[i], NULL);
		if (!g)
			continue;
		list_for_each_entry(r, &g->rules[dir], node) {
			sg_rule_to_sgc(r, &crules[n]);
			p->rules[dir][n++] = r;
			if (r->peer_type == SGC_PEER_GROUP)
				p->group_peers |= BIT(dir);
		}
	}
	err = sgc_build(crules, n, &p->cls[dir]);
	kvfree(crules);
	return err;
}

struct sg_policy *sg_policy_build(struct sg_net *sn, const struct sg_attach_conf *c)
{
	struct sg_policy *p;
	int d, err;

	lockdep_assert_held(&sn->lock);
	p = kzalloc(struct_size(p, addrs, c->naddrs), GFP_KERNEL_ACCOUNT);
	if (!p)
		return ERR_PTR(-ENOMEM);
	p->flags = c->flags;
	ether_addr_copy(p->mac, c->mac);
	p->naddrs = c->naddrs;
	memcpy(p->addrs, c->addrs, c->naddrs * sizeof(*c->addrs));
	for (d = 0; d < SG_DIRS; d++) {
		err = sg_policy_build_dir(sn, c, p, d);
		if (err) {
			sg_policy_free(p);
			return ERR_PTR(err);
		}
	}
	return p;
}

/*
 * Recompile every attachment using @group.  All new policies are built
 * before any is published, so that on ENOMEM nothing changes and the
 * caller can undo its change to the store.
 */
int sg_rebuild_group(struct sg_net *sn, u32 group)
{
	struct sg_policy **fresh;
	struct sg_attach *att;
	u32 n = 0, i = 0;

	lockdep_assert_held(&sn->lock);
	list_for_each_entry(att, &sn->attachments, node)
		if (sg_attach_uses(&att->conf, group))
			n++;
	if (!n)
		return 0;
	fresh = kvcalloc(n, sizeof(*fresh), GFP_KERNEL_ACCOUNT);
	if (!fresh)
		return -ENOMEM;
	list_for_each_entry(att, &sn->attachments, node) {
		if (!sg_attach_uses(&att->conf, group))
			continue;
		fresh[i] = sg_policy_build(sn, &att->conf);
		if (IS_ERR(fresh[i])) {
			while (i--)
				sg_policy_free(fresh[i]);
			kvfree(fresh);
			return -ENOMEM;
		}
		i++;
	}
	i = 0;
	list_for_each_entry(att, &sn->attachments, node) {
		if (!sg_attach_uses(&att->conf, group))
			continue;
		sg_policy_free_rcu(rcu_replace_pointer(att->policy, fresh[i++],
						       lockdep_is_held(&sn->lock)));
	}
	kvfree(fresh);
	return 0;
}

/*
 * The index of the rule of @pol allowing a new connection in direction @dir
 * with @peer at the other end, or -1.  @origin, for a source peer, is where
 * the packet came from: the peer belongs to the groups it is a member of
 * through that origin only.  The member map is read only when a rule's peer
 * is a group.  Under rcu_read_lock().
 */
int sg_policy_match(struct sg_net *sn, const struct sg_policy *pol, u8 dir,
		    const struct sg_addr *peer, const struct sg_attach_key *origin,
		    u8 proto, u16 l4)
{
	u32 groups[SG_PEER_GROUPS_MAX] __uninitialized;	/* the first cp.ngroups */
	struct sgc_pkt cp = {
		.family = peer->family == AF_INET ? 4 : 6,
		.key = sgc_key(proto, l4),
		.peer = sg_addr_to_sgc(peer),
		.groups = groups,
	};

	if (sg_policy_group_peers(pol, dir))
		cp.ngroups = sg_member_groups(sn, peer, origin, groups,
					      ARRAY_SIZE(groups));
	return sgc_lookup(pol->cls[dir], &cp);
}
