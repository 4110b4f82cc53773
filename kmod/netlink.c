// SPDX-License-Identifier: GPL-2.0
/*
 * The "secgroup" generic netlink family: its operations, their top-level
 * policies, and what every handler shares (parsing helpers, dump
 * consistency, events).  Each object's policies, handlers, replies and
 * events live in its own file: nl_group.c (groups and remote members),
 * nl_rule.c, nl_attach.c; the configuration replace in replace.c.
 *
 * Every operation validates strictly: unknown attributes, attributes of
 * another object, reply-only attributes, unknown flag bits and out-of-range
 * values are rejected with an extack message naming the attribute.
 */
#include <linux/rtnetlink.h>

#include "netlink.h"

/* Top-level policies: each operation takes its own object and the flags. */
#define SG_FLAGS_POLICY NLA_POLICY_MASK(NLA_U32, SECGROUP_F_FLUSH)

#define SG_OP_POLICY(_name, _attr, _nested)				\
	static const struct nla_policy _name[SECGROUP_A_MAX + 1] = {	\
		[_attr] = NLA_POLICY_NESTED(_nested),			\
		[SECGROUP_A_FLAGS] = SG_FLAGS_POLICY,			\
	}

SG_OP_POLICY(sg_group_op_policy, SECGROUP_A_GROUP, sg_group_policy);
SG_OP_POLICY(sg_rule_op_policy, SECGROUP_A_RULE, sg_rule_policy);
SG_OP_POLICY(sg_attach_op_policy, SECGROUP_A_ATTACH, sg_attach_policy);
SG_OP_POLICY(sg_member_op_policy, SECGROUP_A_MEMBER, sg_member_policy);

/* NET_GET takes nothing */
static const struct nla_policy sg_net_op_policy[SECGROUP_A_MAX + 1] = {
	[SECGROUP_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, 0),
};

static const struct nla_policy sg_config_op_policy[SECGROUP_A_MAX + 1] = {
	[SECGROUP_A_GROUP] = NLA_POLICY_NESTED(sg_cfg_group_policy),
	[SECGROUP_A_RULE] = NLA_POLICY_NESTED(sg_cfg_rule_policy),
	[SECGROUP_A_MEMBER] = NLA_POLICY_NESTED(sg_cfg_member_policy),
	[SECGROUP_A_ATTACH] = NLA_POLICY_NESTED(sg_cfg_attach_policy),
	[SECGROUP_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, SECGROUP_F_ALL),
	[SECGROUP_A_GEN] = NLA_POLICY_MIN(NLA_U32, 1),
};

/* ---- helpers for the handlers ---- */

int sg_nl_parse_nest(struct genl_info *info, int type, struct nlattr **tb,
		     int max, const struct nla_policy *policy)
{
	if (GENL_REQ_ATTR_CHECK(info, type)) {
		NL_SET_ERR_MSG(info->extack, "the request's object nest is missing");
		return -EINVAL;
	}
	return nla_parse_nested(tb, max, info->attrs[type], policy, info->extack);
}

int sg_nl_addr(struct nlattr *a4, struct nlattr *a6, struct sg_addr *out,
	       struct nlattr *nest, struct netlink_ext_ack *extack)
{
	if (a4 && a6) {
		NL_SET_ERR_MSG_ATTR(extack, a6, "give an IPv4 or an IPv6 address, not both");
		return -EINVAL;
	}
	if (a4) {
		*out = sg_addr_v4(nla_get_in_addr(a4));
		return 0;
	}
	if (a6) {
		*out = sg_addr_v6((const struct in6_addr *)nla_data(a6));
		return 0;
	}
	NL_SET_ERR_MSG_ATTR(extack, nest, "an IPv4 or IPv6 address is required");
	return -EINVAL;
}

struct sg_group *sg_nl_group(struct sg_net *sn, struct nlattr **tb, int id_attr,
			     int name_attr, struct nlattr *nest,
			     struct netlink_ext_ack *extack)
{
	struct sg_group *g;

	if (tb[id_attr]) {
		g = sg_group_find(sn, nla_get_u32(tb[id_attr]), NULL);
		if (!g)
			NL_SET_ERR_MSG_ATTR(extack, tb[id_attr], "no such group id");
	} else if (name_attr && tb[name_attr]) {
		g = sg_group_find(sn, 0, nla_data(tb[name_attr]));
		if (!g)
			NL_SET_ERR_MSG_ATTR(extack, tb[name_attr], "no such group name");
	} else {
		if (name_attr)
			NL_SET_ERR_MSG_ATTR(extack, nest, "a group id or name is required");
		else
			NL_SET_ERR_MSG_ATTR(extack, nest, "a group id is required");
		return ERR_PTR(-EINVAL);
	}
	return g ? g : ERR_PTR(-ENOENT);
}

/* Send @msg as the reply to @info if filling it (@err) worked, else free it. */
int sg_nl_reply(struct genl_info *info, struct sk_buff *msg, int err)
{
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

bool sg_nl_flush(struct genl_info *info)
{
	return info->attrs[SECGROUP_A_FLAGS] &&
	       (nla_get_u32(info->attrs[SECGROUP_A_FLAGS]) & SECGROUP_F_FLUSH);
}

/* ---- filling messages ---- */

int sg_put_addr(struct sk_buff *skb, int a4, int a6, const struct sg_addr *a)
{
	if (a->family == AF_INET)
		return nla_put_in_addr(skb, a4, a->v4);
	return nla_put_in6_addr(skb, a6, &a->v6);
}

/*
 * nla_nest_end(), except that a nest longer than its 16-bit length can
 * say fails (a group with tens of thousands of members) instead of
 * wrapping into a corrupt message.
 */
int sg_nest_end(struct sk_buff *skb, struct nlattr *nest)
{
	if (skb_tail_pointer(skb) - (unsigned char *)nest > U16_MAX)
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * A dump's message was filled (@err 0) or not.  Marks it when the state
 * changed since the dump began (cb->seq, from sg_net.gen), so that the
 * reader sees NLM_F_DUMP_INTR and starts again.
 */
int sg_dump_one(struct sk_buff *skb, struct netlink_callback *cb, int err)
{
	if (!err)
		nl_dump_check_consistent(cb, nlmsg_hdr(skb));
	return err;
}

/*
 * The message just filled from @start in @skb carries the generation it
 * was read at, for a CONFIG_REPLACE built from it to name.
 */
int sg_dump_put_gen(struct sk_buff *skb, int start, u32 gen)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)(skb->data + start);

	if (nla_put_u32(skb, SECGROUP_A_GEN, gen)) {
		nlmsg_trim(skb, nlh);
		return -EMSGSIZE;
	}
	nlmsg_end(skb, nlh);
	return 0;
}

/* ---- events: every change bumps the generation dumps check ---- */

static void sg_multicast(struct sg_net *sn, struct sk_buff *msg)
{
	genlmsg_multicast_netns(&sg_genl_family, sn->net, msg, 0, 0, GFP_KERNEL);
}

/*
 * Whether the family is registered: at module unload the attachments go
 * (and say so) after it is gone, when its multicast group's id may already
 * be another family's.
 */
static bool sg_events_live;

struct sk_buff *sg_event_new(struct sg_net *sn, size_t size)
{
	if (!READ_ONCE(sg_events_live) ||
	    !genl_has_listeners(&sg_genl_family, sn->net, 0))
		return NULL;
	return genlmsg_new(size, GFP_KERNEL);
}

/*
 * Every change bumps the generation that dumps check; never 0, which
 * nl_dump_check_consistent() takes for "not started".
 */
void sg_changed(struct sg_net *sn)
{
	lockdep_assert_held(&sn->lock);
	if (!++sn->gen)
		sn->gen = 1;
}

/* A change: bumps the generation, then an event if anyone listens. */
struct sk_buff *sg_change_new(struct sg_net *sn, size_t size)
{
	sg_changed(sn);
	return sg_event_new(sn, size);
}

/* Multicast @msg if filling it (@err) worked. */
void sg_event_send(struct sg_net *sn, struct sk_buff *msg, int err)
{
	if (err)
		nlmsg_free(msg);
	else
		sg_multicast(sn, msg);
}

/* ---- the family ---- */

/*
 * What sg_pre_doit() takes for an operation (genl_ops.internal_flags):
 * every request runs under its netns's sg_net.lock; a change first drops
 * the attachments of removed cgroups; one that may name a device takes
 * RTNL before the lock, the order of the netdevice notifier.
 */
#define SG_READ		0
#define SG_CHANGE	BIT(0)
#define SG_RTNL		BIT(1)

static int sg_pre_doit(const struct sg_split_ops *ops, struct sk_buff *skb,
		       struct genl_info *info)
{
	struct sg_net *sn = sg_pernet(genl_info_net(info));

	if (ops->internal_flags & SG_RTNL)
		rtnl_lock();
	mutex_lock(&sn->lock);
	if (ops->internal_flags & SG_CHANGE)
		sg_attach_sweep(sn);
	info->user_ptr[0] = sn;
	return 0;
}

static void sg_post_doit(const struct sg_split_ops *ops, struct sk_buff *skb,
			 struct genl_info *info)
{
	struct sg_net *sn = info->user_ptr[0];

	mutex_unlock(&sn->lock);
	if (ops->internal_flags & SG_RTNL)
		rtnl_unlock();
}

#define SG_OP(_cmd, _doit, _policy, _lock)				\
	{ .cmd = SECGROUP_CMD_##_cmd, .doit = _doit, .policy = _policy,	\
	  .maxattr = SECGROUP_A_MAX, .flags = GENL_UNS_ADMIN_PERM,	\
	  .internal_flags = _lock }

/* A read: doit for one object, dumpit (which locks itself) for all. */
#define SG_GET(_cmd, _doit, _start, _dump, _policy)			\
	{ .cmd = SECGROUP_CMD_##_cmd, .doit = _doit, .start = _start,	\
	  .dumpit = _dump, .policy = _policy, .maxattr = SECGROUP_A_MAX,	\
	  .flags = GENL_UNS_ADMIN_PERM,	/* as nft list and wg show */	\
	  .internal_flags = SG_READ }

static const struct genl_ops sg_genl_ops[] = {
	SG_OP(GROUP_NEW, sg_nl_group_new, sg_group_op_policy, SG_CHANGE),
	SG_OP(GROUP_DEL, sg_nl_group_del, sg_group_op_policy, SG_CHANGE),
	SG_OP(GROUP_SET, sg_nl_group_set, sg_group_op_policy, SG_CHANGE),
	SG_GET(GROUP_GET, sg_nl_group_get, sg_nl_group_dump_start,
	       sg_nl_group_dump, sg_group_op_policy),
	SG_OP(RULE_NEW, sg_nl_rule_new, sg_rule_op_policy, SG_CHANGE),
	SG_OP(RULE_DEL, sg_nl_rule_del, sg_rule_op_policy, SG_CHANGE),
	SG_OP(RULE_SET, sg_nl_rule_set, sg_rule_op_policy, SG_CHANGE),
	SG_GET(RULE_GET, NULL, NULL, sg_nl_rule_dump, sg_rule_op_policy),
	SG_OP(ATTACH_NEW, sg_nl_attach_new, sg_attach_op_policy, SG_CHANGE | SG_RTNL),
	SG_OP(ATTACH_DEL, sg_nl_attach_del, sg_attach_op_policy, SG_CHANGE | SG_RTNL),
	SG_GET(ATTACH_GET, sg_nl_attach_get, sg_nl_attach_dump_start,
	       sg_nl_attach_dump, sg_attach_op_policy),
	SG_OP(MEMBER_NEW, sg_nl_member_new, sg_member_op_policy, SG_CHANGE),
	SG_OP(MEMBER_DEL, sg_nl_member_del, sg_member_op_policy, SG_CHANGE),
	{ .cmd = SECGROUP_CMD_MEMBER_GET, .start = sg_nl_member_dump_start,
	  .dumpit = sg_nl_member_dump, .done = sg_nl_member_dump_done,
	  .policy = sg_member_op_policy, .maxattr = SECGROUP_A_MAX,
	  .flags = GENL_UNS_ADMIN_PERM },
	SG_OP(NET_GET, sg_nl_net_get, sg_net_op_policy, SG_READ),
	SG_OP(CONFIG_REPLACE, sg_nl_config_replace, sg_config_op_policy,
	      SG_CHANGE | SG_RTNL),
};

/* Flow records and the audit trail: CAP_NET_ADMIN in the netns's user ns. */
static const struct genl_multicast_group sg_mcgrps[] = {
	{ .name = SECGROUP_MCGRP_EVENTS, .flags = GENL_MCAST_CAP_NET_ADMIN },
};

struct genl_family sg_genl_family __ro_after_init = {
	.name = SECGROUP_GENL_NAME,
	.version = SECGROUP_GENL_VERSION,
	.maxattr = SECGROUP_A_MAX,
	.netnsok = true,
	.parallel_ops = true,	/* serialised per netns by sg_net.lock */
	.pre_doit = sg_pre_doit,
	.post_doit = sg_post_doit,
	.module = THIS_MODULE,
	.ops = sg_genl_ops,
	.n_ops = ARRAY_SIZE(sg_genl_ops),
	/* 0: every operation validates strictly, reserved header fields too */
	.resv_start_op = 0,
	.mcgrps = sg_mcgrps,
	.n_mcgrps = ARRAY_SIZE(sg_mcgrps),
};

int sg_genl_init(void)
{
	int err = genl_register_family(&sg_genl_family);

	WRITE_ONCE(sg_events_live, !err);
	return err;
}

void sg_genl_exit(void)
{
	WRITE_ONCE(sg_events_live, false);
	genl_unregister_family(&sg_genl_family);
}
