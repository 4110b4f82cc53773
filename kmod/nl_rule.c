// SPDX-License-Identifier: GPL-2.0
/* Rules over netlink: policies, handlers, replies, events. */
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "netlink.h"

/* ---- policies: a request's rules ---- */

/* what a rule matches, and its description: the same in both kinds of request */
#define SG_RULE_MATCH_POLICY								\
	[SECGROUP_RULE_A_DIRECTION] = NLA_POLICY_MAX(NLA_U8, SECGROUP_EGRESS),		\
	[SECGROUP_RULE_A_PROTOCOL] = { .type = NLA_U8 },				\
	[SECGROUP_RULE_A_PORT_MIN] = { .type = NLA_U16 },				\
	[SECGROUP_RULE_A_PORT_MAX] = { .type = NLA_U16 },				\
	[SECGROUP_RULE_A_ICMP_TYPE] = { .type = NLA_U8 },				\
	[SECGROUP_RULE_A_ICMP_CODE] = { .type = NLA_U8 },				\
	[SECGROUP_RULE_A_PEER_IPV4] = NLA_POLICY_EXACT_LEN(4),				\
	[SECGROUP_RULE_A_PEER_IPV6] = NLA_POLICY_EXACT_LEN(16),				\
	[SECGROUP_RULE_A_PEER_PREFIX] = NLA_POLICY_MAX(NLA_U8, 128),			\
	[SECGROUP_RULE_A_DESCRIPTION] = { .type = NLA_NUL_STRING, .len = SECGROUP_DESC_MAX }

const struct nla_policy sg_rule_policy[SECGROUP_RULE_A_MAX + 1] = {
	SG_RULE_MATCH_POLICY,
	[SECGROUP_RULE_A_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[SECGROUP_RULE_A_GROUP] = NLA_POLICY_MIN(NLA_U32, 1),
	[SECGROUP_RULE_A_PEER_GROUP] = NLA_POLICY_MIN(NLA_U32, 1),
	[SECGROUP_RULE_A_HITS] = { .type = NLA_REJECT },
	[SECGROUP_RULE_A_LAST_HIT] = { .type = NLA_REJECT },
	[SECGROUP_RULE_A_PAD] = { .type = NLA_REJECT },
	[SECGROUP_RULE_A_GROUP_NAME] = { .type = NLA_REJECT },
	[SECGROUP_RULE_A_PEER_GROUP_NAME] = { .type = NLA_REJECT },
};

const struct nla_policy sg_cfg_rule_policy[SECGROUP_RULE_A_MAX + 1] = {
	SG_RULE_MATCH_POLICY,
	[SECGROUP_RULE_A_GROUP_NAME] = SG_NAME_POLICY,
	[SECGROUP_RULE_A_PEER_GROUP_NAME] = SG_NAME_POLICY,
};

static int sg_rule_parse_l4(struct nlattr **tb, struct sg_rule *r,
			    struct netlink_ext_ack *extack)
{
	struct nlattr *pmin = tb[SECGROUP_RULE_A_PORT_MIN];
	struct nlattr *pmax = tb[SECGROUP_RULE_A_PORT_MAX];
	struct nlattr *type = tb[SECGROUP_RULE_A_ICMP_TYPE];
	struct nlattr *code = tb[SECGROUP_RULE_A_ICMP_CODE];
	bool ports = !r->proto_all && sgc_proto_has_ports(r->proto);
	bool icmp = !r->proto_all && sgc_proto_is_icmp(r->proto);

	if ((pmin || pmax) && !ports) {
		NL_SET_ERR_MSG_ATTR(extack, pmin ?: pmax,
				    "ports need protocol tcp, udp, sctp or udplite");
		return -EINVAL;
	}
	if ((type || code) && !icmp) {
		NL_SET_ERR_MSG_ATTR(extack, type ?: code,
				    "icmp type and code need protocol icmp or icmpv6");
		return -EINVAL;
	}
	if (pmax && !pmin) {
		NL_SET_ERR_MSG_ATTR(extack, pmax, "port range without its first port");
		return -EINVAL;
	}
	if (code && !type) {
		NL_SET_ERR_MSG_ATTR(extack, code, "icmp code without icmp type");
		return -EINVAL;
	}
	if (ports) {
		r->port_min = pmin ? nla_get_u16(pmin) : 0;
		r->port_max = pmax ? nla_get_u16(pmax) : pmin ? r->port_min : 65535;
		if (r->port_min > r->port_max) {
			NL_SET_ERR_MSG_ATTR(extack, pmax, "port range ends before it starts");
			return -EINVAL;
		}
		if (!r->port_max) {
			NL_SET_ERR_MSG_ATTR(extack, pmax ?: pmin,
					    "port 0 is no port: it can only start a range");
			return -EINVAL;
		}
	}
	if (type)
		r->icmp_type = nla_get_u8(type);
	if (code)
		r->icmp_code = nla_get_u8(code);
	return 0;
}

static int sg_rule_parse_peer_group(struct sg_net *sn, struct list_head *names,
				    struct nlattr *grp, struct sg_rule *r,
				    struct netlink_ext_ack *extack)
{
	struct sg_group *g;

	if (nla_type(grp) == SECGROUP_RULE_A_PEER_GROUP_NAME)
		g = sg_group_find_in(names, 0, nla_data(grp));
	else
		g = sg_group_find(sn, nla_get_u32(grp), NULL);
	if (!g) {
		NL_SET_ERR_MSG_ATTR(extack, grp, "no such peer group");
		return -ENOENT;
	}
	r->peer_type = SGC_PEER_GROUP;
	r->peer_group = g->id;
	return 0;
}

static int sg_rule_parse_peer(struct sg_net *sn, struct list_head *names,
			      struct nlattr **tb, struct nlattr *nest,
			      struct sg_rule *r, struct netlink_ext_ack *extack)
{
	struct nlattr *a4 = tb[SECGROUP_RULE_A_PEER_IPV4];
	struct nlattr *a6 = tb[SECGROUP_RULE_A_PEER_IPV6];
	struct nlattr *pfx = tb[SECGROUP_RULE_A_PEER_PREFIX];
	struct nlattr *grp = tb[SECGROUP_RULE_A_PEER_GROUP] ?:
			     tb[SECGROUP_RULE_A_PEER_GROUP_NAME];
	struct sgc_addr c;
	bool v4;
	int err;

	if (grp) {
		if (a4 || a6 || pfx) {
			NL_SET_ERR_MSG_ATTR(extack, grp, "a peer is a CIDR or a group, not both");
			return -EINVAL;
		}
		return sg_rule_parse_peer_group(sn, names, grp, r, extack);
	}
	err = sg_nl_addr(a4, a6, &r->peer, nest, extack);
	if (err)
		return err;
	if (!pfx) {
		NL_SET_ERR_MSG_ATTR(extack, nest, "the peer's prefix length is required");
		return -EINVAL;
	}
	r->prefix = nla_get_u8(pfx);
	v4 = r->peer.family == AF_INET;
	if (v4 && r->prefix > 32) {
		NL_SET_ERR_MSG_ATTR(extack, pfx, "IPv4 prefix length over 32");
		return -EINVAL;
	}
	if (!r->proto_all && ((r->proto == IPPROTO_ICMP && !v4) ||
			      (r->proto == IPPROTO_ICMPV6 && v4))) {
		NL_SET_ERR_MSG_ATTR(extack, a4 ?: a6,
				    "icmp goes with IPv4 peers, icmpv6 with IPv6 peers");
		return -EINVAL;
	}
	r->peer_type = v4 ? SGC_PEER_V4 : SGC_PEER_V6;
	/* canonical, as AWS: 10.1.2.3/16 is 10.1.0.0/16; 4 and 6: the classifier's families */
	c = sgc_addr_mask(sg_addr_to_sgc(&r->peer), r->prefix, v4 ? 4 : 6);
	r->peer = sg_addr_from_sgc(c, r->peer.family);
	return 0;
}

/*
 * A rule from its attributes, validated; not linked anywhere.  A peer
 * group is PEER_GROUP, an id in the netns, or (configuration replace)
 * PEER_GROUP_NAME, a name among @names.
 */
struct sg_rule *sg_rule_parse(struct sg_net *sn, struct list_head *names,
			      struct nlattr **tb, struct nlattr *nest,
			      struct netlink_ext_ack *extack)
{
	struct sg_rule *r;
	int err;

	if (NL_REQ_ATTR_CHECK(extack, nest, tb, SECGROUP_RULE_A_DIRECTION)) {
		NL_SET_ERR_MSG(extack, "rule: a direction is required");
		return ERR_PTR(-EINVAL);
	}
	if (!sg_desc_ok(tb[SECGROUP_RULE_A_DESCRIPTION], extack))
		return ERR_PTR(-EINVAL);
	r = sg_rule_alloc();
	if (!r)
		return ERR_PTR(-ENOMEM);
	r->dir = nla_get_u8(tb[SECGROUP_RULE_A_DIRECTION]);
	r->proto_all = !tb[SECGROUP_RULE_A_PROTOCOL];
	if (!r->proto_all)
		r->proto = nla_get_u8(tb[SECGROUP_RULE_A_PROTOCOL]);
	err = sg_rule_parse_l4(tb, r, extack);
	if (!err)
		err = sg_rule_parse_peer(sn, names, tb, nest, r, extack);
	if (!err && tb[SECGROUP_RULE_A_DESCRIPTION]) {
		r->desc = kstrdup(nla_data(tb[SECGROUP_RULE_A_DESCRIPTION]), GFP_KERNEL_ACCOUNT);
		if (!r->desc)
			err = -ENOMEM;
	}
	if (err) {
		sg_rule_free(r);
		return ERR_PTR(err);
	}
	return r;
}

/* The reply to RULE_NEW, filled before the change so that sending cannot fail it. */
static struct sk_buff *sg_rule_reply_new(struct genl_info *info, const struct sg_rule *r)
{
	struct sk_buff *msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	int err;

	if (!msg)
		return ERR_PTR(-ENOMEM);
	err = sg_fill_rule(msg, r, info->snd_portid, info->snd_seq, 0,
			   info->genlhdr->cmd);
	if (err) {
		nlmsg_free(msg);
		return ERR_PTR(err);
	}
	return msg;
}

int sg_nl_rule_new(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = info->user_ptr[0];
	struct nlattr *tb[SECGROUP_RULE_A_MAX + 1];
	struct nlattr *nest = info->attrs[SECGROUP_A_RULE];
	struct sk_buff *reply;
	struct sg_group *g;
	struct sg_rule *r;
	int err;

	err = sg_nl_parse_nest(info, SECGROUP_A_RULE, tb, SECGROUP_RULE_A_MAX,
			       sg_rule_policy);
	if (err)
		return err;
	if (tb[SECGROUP_RULE_A_ID]) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[SECGROUP_RULE_A_ID],
				    "rule ids are assigned by the kernel");
		return -EINVAL;
	}
	g = sg_nl_group(sn, tb, SECGROUP_RULE_A_GROUP, 0, nest, info->extack);
	if (IS_ERR(g))
		return PTR_ERR(g);
	r = sg_rule_parse(sn, NULL, tb, nest, info->extack);
	if (IS_ERR(r))
		return PTR_ERR(r);
	err = sg_group_rule_check(g, r, nest, info->extack);
	if (err)
		goto drop;
	r->id = sg_rule_new_id(sn, NULL);
	r->group = g->id;	/* as sg_group_add_rule() will: the reply says it */
	reply = sg_rule_reply_new(info, r);
	if (IS_ERR(reply)) {
		err = PTR_ERR(reply);
		goto drop;
	}
	sg_group_add_rule(g, r);
	/* builds every policy first: on failure none was published */
	err = sg_rebuild_group(sn, g->id);
	if (err) {
		sg_group_del_rule(g, r);
		nlmsg_free(reply);
		NL_SET_ERR_MSG(info->extack, "out of memory compiling the policies");
		goto drop;
	}
	if (sg_nl_flush(info))
		sg_ct_flush(sn);
	sg_notify_rule(sn, SECGROUP_CMD_RULE_NEW, r);
	/* committed: a reply the socket cannot take does not undo it */
	genlmsg_reply(reply, info);
	return 0;
drop:
	sg_rule_free(r);
	return err;
}

/* The rule of @g a RULE_DEL request names: by id, or by what it matches. */
static struct sg_rule *sg_nl_rule_find(struct sg_net *sn, struct sg_group *g,
				       struct nlattr **tb, struct nlattr *nest,
				       struct netlink_ext_ack *extack)
{
	struct sg_rule *r, *match;

	if (tb[SECGROUP_RULE_A_ID]) {
		r = sg_rule_find_id(g, nla_get_u32(tb[SECGROUP_RULE_A_ID]));
		if (!r)
			NL_SET_ERR_MSG_ATTR(extack, tb[SECGROUP_RULE_A_ID],
					    "the group has no rule with this id");
		return r ?: ERR_PTR(-ENOENT);
	}
	match = sg_rule_parse(sn, NULL, tb, nest, extack);
	if (IS_ERR(match))
		return match;
	r = sg_rule_find_same(g, match);
	sg_rule_free(match);
	if (!r)
		NL_SET_ERR_MSG_ATTR(extack, nest, "the group has no such rule");
	return r ?: ERR_PTR(-ENOENT);
}

int sg_nl_rule_del(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = info->user_ptr[0];
	struct nlattr *tb[SECGROUP_RULE_A_MAX + 1];
	struct nlattr *nest = info->attrs[SECGROUP_A_RULE];
	struct list_head *prev;
	struct sg_group *g;
	struct sg_rule *r;
	int err;

	err = sg_nl_parse_nest(info, SECGROUP_A_RULE, tb, SECGROUP_RULE_A_MAX,
			       sg_rule_policy);
	if (err)
		return err;
	g = sg_nl_group(sn, tb, SECGROUP_RULE_A_GROUP, 0, nest, info->extack);
	if (IS_ERR(g))
		return PTR_ERR(g);
	r = sg_nl_rule_find(sn, g, tb, nest, info->extack);
	if (IS_ERR(r))
		return PTR_ERR(r);
	prev = r->node.prev;
	sg_group_del_rule(g, r);
	err = sg_rebuild_group(sn, g->id);
	if (err) {
		list_add(&r->node, prev);	/* where it was */
		g->nrules[r->dir]++;
		NL_SET_ERR_MSG(info->extack, "out of memory compiling the policies");
		return err;
	}
	if (sg_nl_flush(info))
		sg_ct_flush(sn);
	sg_notify_rule(sn, SECGROUP_CMD_RULE_DEL, r);
	sg_rule_free_rcu(r);
	return 0;
}

/* RULE_SET may say which rule (group, id) and its new description only */
static int sg_rule_set_check(struct genl_info *info, struct nlattr **tb, struct nlattr *nest)
{
	int i;

	if (info->attrs[SECGROUP_A_FLAGS]) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[SECGROUP_A_FLAGS],
				    "changing a description takes no flags");
		return -EINVAL;
	}
	for (i = 1; i <= SECGROUP_RULE_A_MAX; i++) {
		if (!tb[i] || i == SECGROUP_RULE_A_GROUP || i == SECGROUP_RULE_A_ID ||
		    i == SECGROUP_RULE_A_DESCRIPTION)
			continue;
		NL_SET_ERR_MSG_ATTR(info->extack, tb[i],
				    "only a rule's description can change: delete the rule and add the new one");
		return -EINVAL;
	}
	if (NL_REQ_ATTR_CHECK(info->extack, nest, tb, SECGROUP_RULE_A_ID) ||
	    NL_REQ_ATTR_CHECK(info->extack, nest, tb, SECGROUP_RULE_A_DESCRIPTION)) {
		NL_SET_ERR_MSG(info->extack, "rule: its id and the new description are required");
		return -EINVAL;
	}
	return sg_desc_ok(tb[SECGROUP_RULE_A_DESCRIPTION], info->extack) ? 0 : -EINVAL;
}

/*
 * A rule's description, changed in place (AWS's modify-security-group-rules):
 * the rule keeps its id and its counters, and the policies do not change,
 * so nothing is rebuilt.  Descriptions are read under sn->lock only.
 */
int sg_nl_rule_set(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = info->user_ptr[0];
	struct nlattr *tb[SECGROUP_RULE_A_MAX + 1];
	struct nlattr *nest = info->attrs[SECGROUP_A_RULE];
	struct sg_group *g;
	struct sg_rule *r;
	char *desc;
	int err;

	err = sg_nl_parse_nest(info, SECGROUP_A_RULE, tb, SECGROUP_RULE_A_MAX,
			       sg_rule_policy);
	if (!err)
		err = sg_rule_set_check(info, tb, nest);
	if (err)
		return err;
	g = sg_nl_group(sn, tb, SECGROUP_RULE_A_GROUP, 0, nest, info->extack);
	if (IS_ERR(g))
		return PTR_ERR(g);
	r = sg_nl_rule_find(sn, g, tb, nest, info->extack);
	if (IS_ERR(r))
		return PTR_ERR(r);
	desc = kstrdup(nla_data(tb[SECGROUP_RULE_A_DESCRIPTION]), GFP_KERNEL_ACCOUNT);
	if (!desc) {
		NL_SET_ERR_MSG(info->extack, "out of memory changing the rule");
		return -ENOMEM;
	}
	kfree(r->desc);
	r->desc = desc;
	sg_notify_rule(sn, SECGROUP_CMD_RULE_SET, r);
	return 0;
}

int sg_nl_rule_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct sg_net *sn = sg_pernet(sock_net(skb->sk));
	struct nlattr **attrs = sg_dump_attrs(cb);
	struct nlattr *tb[SECGROUP_RULE_A_MAX + 1];
	long idx = 0, start = cb->args[0];
	u32 only = 0;
	struct sg_group *g;
	struct sg_rule *r;
	int d, err;

	if (attrs && attrs[SECGROUP_A_RULE]) {
		err = nla_parse_nested(tb, SECGROUP_RULE_A_MAX, attrs[SECGROUP_A_RULE],
				       sg_rule_policy, cb->extack);
		if (err)
			return err;
		if (tb[SECGROUP_RULE_A_GROUP])
			only = nla_get_u32(tb[SECGROUP_RULE_A_GROUP]);
	}
	mutex_lock(&sn->lock);
	cb->seq = sn->gen;
	list_for_each_entry(g, &sn->groups, node) {
		if (only && g->id != only)
			continue;
		for (d = 0; d < SG_DIRS; d++) {
			list_for_each_entry(r, &g->rules[d], node) {
				if (idx++ < start)
					continue;
				if (sg_dump_one(skb, cb,
						sg_fill_rule(skb, r, NETLINK_CB(cb->skb).portid,
							     cb->nlh->nlmsg_seq, NLM_F_MULTI,
							     SECGROUP_CMD_RULE_GET))) {
					idx--;
					goto done;
				}
			}
		}
	}
done:
	mutex_unlock(&sn->lock);
	cb->args[0] = idx;
	return skb->len;
}

/* ---- messages: rules, in replies and events ---- */
static void sg_rule_stats_sum(const struct sg_rule *r, u64 *hits, u64 *last)
{
	int cpu;

	*hits = 0;
	*last = 0;
	for_each_possible_cpu(cpu) {
		const struct sg_rule_stats *s = per_cpu_ptr(r->stats, cpu);

		*hits += READ_ONCE(s->hits);
		*last = max_t(u64, *last, READ_ONCE(s->last));
	}
}

static int sg_fill_rule_attrs(struct sk_buff *skb, const struct sg_rule *r)
{
	u64 hits, last;

	sg_rule_stats_sum(r, &hits, &last);
	if (nla_put_u32(skb, SECGROUP_RULE_A_ID, r->id) ||
	    nla_put_u32(skb, SECGROUP_RULE_A_GROUP, r->group) ||
	    nla_put_u8(skb, SECGROUP_RULE_A_DIRECTION, r->dir))
		return -EMSGSIZE;
	if (!r->proto_all && nla_put_u8(skb, SECGROUP_RULE_A_PROTOCOL, r->proto))
		return -EMSGSIZE;
	if (!r->proto_all && sgc_proto_has_ports(r->proto) &&
	    (nla_put_u16(skb, SECGROUP_RULE_A_PORT_MIN, r->port_min) ||
	     nla_put_u16(skb, SECGROUP_RULE_A_PORT_MAX, r->port_max)))
		return -EMSGSIZE;
	if (r->icmp_type >= 0 && nla_put_u8(skb, SECGROUP_RULE_A_ICMP_TYPE, r->icmp_type))
		return -EMSGSIZE;
	if (r->icmp_code >= 0 && nla_put_u8(skb, SECGROUP_RULE_A_ICMP_CODE, r->icmp_code))
		return -EMSGSIZE;
	if (r->peer_type == SGC_PEER_GROUP) {
		if (nla_put_u32(skb, SECGROUP_RULE_A_PEER_GROUP, r->peer_group))
			return -EMSGSIZE;
	} else if (sg_put_addr(skb, SECGROUP_RULE_A_PEER_IPV4,
			       SECGROUP_RULE_A_PEER_IPV6, &r->peer) ||
		   nla_put_u8(skb, SECGROUP_RULE_A_PEER_PREFIX, r->prefix)) {
		return -EMSGSIZE;
	}
	if (nla_put_string(skb, SECGROUP_RULE_A_DESCRIPTION, r->desc ? r->desc : "") ||
	    nla_put_u64_64bit(skb, SECGROUP_RULE_A_HITS, hits, SECGROUP_RULE_A_PAD) ||
	    nla_put_u64_64bit(skb, SECGROUP_RULE_A_LAST_HIT, last, SECGROUP_RULE_A_PAD))
		return -EMSGSIZE;
	return 0;
}

int sg_fill_rule(struct sk_buff *skb, const struct sg_rule *r, u32 portid,
		 u32 seq, int flags, u8 cmd)
{
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &sg_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, SECGROUP_A_RULE);
	if (!nest || sg_fill_rule_attrs(skb, r)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
}

void sg_notify_rule(struct sg_net *sn, u8 cmd, const struct sg_rule *r)
{
	struct sk_buff *msg = sg_change_new(sn, NLMSG_GOODSIZE);

	if (msg)
		sg_event_send(sn, msg, sg_fill_rule(msg, r, 0, 0, 0, cmd));
}
