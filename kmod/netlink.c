// SPDX-License-Identifier: GPL-2.0
/*
 * The "secgroup" generic netlink family: policies, operations, replies and
 * events.  The handlers live in nl_group.c, nl_rule.c and nl_attach.c.
 *
 * Every operation validates strictly: unknown attributes, attributes of
 * another object, reply-only attributes, unknown flag bits and out-of-range
 * values are rejected with an extack message naming the attribute.
 */
#include <linux/cgroup.h>
#include <linux/netdevice.h>
#include <linux/percpu.h>
#include <linux/nsproxy.h>

#include "netlink.h"

static const struct nla_policy sg_tag_kv_policy[SECGROUP_TAG_A_MAX + 1] = {
	[SECGROUP_TAG_A_KEY] = { .type = NLA_NUL_STRING, .len = SECGROUP_TAG_KEY_MAX },
	[SECGROUP_TAG_A_VALUE] = { .type = NLA_NUL_STRING, .len = SECGROUP_TAG_VALUE_MAX },
};

static const struct nla_policy sg_tags_policy[SECGROUP_TAG_A_MAX + 1] = {
	[SECGROUP_TAG_A_TAG] = NLA_POLICY_NESTED(sg_tag_kv_policy),
};

static const struct nla_policy sg_untags_policy[SECGROUP_TAG_A_MAX + 1] = {
	[SECGROUP_TAG_A_KEY] = { .type = NLA_NUL_STRING, .len = SECGROUP_TAG_KEY_MAX },
};

static const struct nla_policy sg_addr_policy[SECGROUP_ADDR_A_MAX + 1] = {
	[SECGROUP_ADDR_A_IPV4] = NLA_POLICY_EXACT_LEN(4),
	[SECGROUP_ADDR_A_IPV6] = NLA_POLICY_EXACT_LEN(16),
};

const struct nla_policy sg_group_policy[SECGROUP_GROUP_A_MAX + 1] = {
	[SECGROUP_GROUP_A_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[SECGROUP_GROUP_A_NAME] = { .type = NLA_NUL_STRING, .len = SECGROUP_NAME_MAX },
	[SECGROUP_GROUP_A_DESCRIPTION] = { .type = NLA_NUL_STRING, .len = SECGROUP_DESC_MAX },
	[SECGROUP_GROUP_A_TAGS] = NLA_POLICY_NESTED(sg_tags_policy),
	[SECGROUP_GROUP_A_UNTAGS] = NLA_POLICY_NESTED(sg_untags_policy),
	[SECGROUP_GROUP_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, SECGROUP_GROUP_F_NO_DEFAULT_EGRESS),
	[SECGROUP_GROUP_A_MEMBERS] = { .type = NLA_REJECT },
	[SECGROUP_GROUP_A_ATTACHMENTS] = { .type = NLA_REJECT },
};

const struct nla_policy sg_rule_policy[SECGROUP_RULE_A_MAX + 1] = {
	[SECGROUP_RULE_A_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[SECGROUP_RULE_A_GROUP] = NLA_POLICY_MIN(NLA_U32, 1),
	[SECGROUP_RULE_A_DIRECTION] = NLA_POLICY_MAX(NLA_U8, SECGROUP_EGRESS),
	[SECGROUP_RULE_A_PROTOCOL] = { .type = NLA_U8 },
	[SECGROUP_RULE_A_PORT_MIN] = { .type = NLA_U16 },
	[SECGROUP_RULE_A_PORT_MAX] = { .type = NLA_U16 },
	[SECGROUP_RULE_A_ICMP_TYPE] = { .type = NLA_U8 },
	[SECGROUP_RULE_A_ICMP_CODE] = { .type = NLA_U8 },
	[SECGROUP_RULE_A_PEER_IPV4] = NLA_POLICY_EXACT_LEN(4),
	[SECGROUP_RULE_A_PEER_IPV6] = NLA_POLICY_EXACT_LEN(16),
	[SECGROUP_RULE_A_PEER_PREFIX] = NLA_POLICY_MAX(NLA_U8, 128),
	[SECGROUP_RULE_A_PEER_GROUP] = NLA_POLICY_MIN(NLA_U32, 1),
	[SECGROUP_RULE_A_DESCRIPTION] = { .type = NLA_NUL_STRING, .len = SECGROUP_DESC_MAX },
	[SECGROUP_RULE_A_HITS] = { .type = NLA_REJECT },
	[SECGROUP_RULE_A_LAST_HIT] = { .type = NLA_REJECT },
	[SECGROUP_RULE_A_PAD] = { .type = NLA_REJECT },
	[SECGROUP_RULE_A_GROUP_NAME] = { .type = NLA_REJECT },
	[SECGROUP_RULE_A_PEER_GROUP_NAME] = { .type = NLA_REJECT },
};

static const struct nla_policy sg_attach_groups_policy[SECGROUP_ATTACH_A_MAX + 1] = {
	[SECGROUP_ATTACH_A_GROUP_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

const struct nla_policy sg_attach_policy[SECGROUP_ATTACH_A_MAX + 1] = {
	[SECGROUP_ATTACH_A_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[SECGROUP_ATTACH_A_CGROUP_FD] = NLA_POLICY_MIN(NLA_S32, 0),
	[SECGROUP_ATTACH_A_CGROUP_ID] = NLA_POLICY_MIN(NLA_U64, 1),
	[SECGROUP_ATTACH_A_GROUPS] = NLA_POLICY_NESTED(sg_attach_groups_policy),
	[SECGROUP_ATTACH_A_GROUP_ID] = { .type = NLA_REJECT },
	[SECGROUP_ATTACH_A_ADDRS] = NLA_POLICY_NESTED(sg_addr_policy),
	[SECGROUP_ATTACH_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, SECGROUP_ATTACH_F_ALL),
	[SECGROUP_ATTACH_A_IFNAME] = { .type = NLA_REJECT },
	[SECGROUP_ATTACH_A_CGROUP_PATH] = { .type = NLA_REJECT },
	[SECGROUP_ATTACH_A_STATS] = { .type = NLA_REJECT },
	[SECGROUP_ATTACH_A_PAD] = { .type = NLA_REJECT },
	[SECGROUP_ATTACH_A_GROUP_NAME] = { .type = NLA_REJECT },
};

const struct nla_policy sg_member_policy[SECGROUP_MEMBER_A_MAX + 1] = {
	[SECGROUP_MEMBER_A_GROUP] = NLA_POLICY_MIN(NLA_U32, 1),
	[SECGROUP_MEMBER_A_IPV4] = NLA_POLICY_EXACT_LEN(4),
	[SECGROUP_MEMBER_A_IPV6] = NLA_POLICY_EXACT_LEN(16),
	[SECGROUP_MEMBER_A_GROUP_NAME] = { .type = NLA_REJECT },
};

/*
 * CONFIG_REPLACE: top-level objects that refer to groups by name; ids, the
 * flags of GROUP_NEW and reply-only attributes are rejected there.
 */
#define SG_NAME_POLICY { .type = NLA_NUL_STRING, .len = SECGROUP_NAME_MAX }

const struct nla_policy sg_cfg_group_policy[SECGROUP_GROUP_A_MAX + 1] = {
	[SECGROUP_GROUP_A_NAME] = SG_NAME_POLICY,
	[SECGROUP_GROUP_A_DESCRIPTION] = { .type = NLA_NUL_STRING, .len = SECGROUP_DESC_MAX },
	[SECGROUP_GROUP_A_TAGS] = NLA_POLICY_NESTED(sg_tags_policy),
};

const struct nla_policy sg_cfg_rule_policy[SECGROUP_RULE_A_MAX + 1] = {
	[SECGROUP_RULE_A_GROUP_NAME] = SG_NAME_POLICY,
	[SECGROUP_RULE_A_DIRECTION] = NLA_POLICY_MAX(NLA_U8, SECGROUP_EGRESS),
	[SECGROUP_RULE_A_PROTOCOL] = { .type = NLA_U8 },
	[SECGROUP_RULE_A_PORT_MIN] = { .type = NLA_U16 },
	[SECGROUP_RULE_A_PORT_MAX] = { .type = NLA_U16 },
	[SECGROUP_RULE_A_ICMP_TYPE] = { .type = NLA_U8 },
	[SECGROUP_RULE_A_ICMP_CODE] = { .type = NLA_U8 },
	[SECGROUP_RULE_A_PEER_IPV4] = NLA_POLICY_EXACT_LEN(4),
	[SECGROUP_RULE_A_PEER_IPV6] = NLA_POLICY_EXACT_LEN(16),
	[SECGROUP_RULE_A_PEER_PREFIX] = NLA_POLICY_MAX(NLA_U8, 128),
	[SECGROUP_RULE_A_PEER_GROUP_NAME] = SG_NAME_POLICY,
	[SECGROUP_RULE_A_DESCRIPTION] = { .type = NLA_NUL_STRING, .len = SECGROUP_DESC_MAX },
};

const struct nla_policy sg_cfg_member_policy[SECGROUP_MEMBER_A_MAX + 1] = {
	[SECGROUP_MEMBER_A_GROUP_NAME] = SG_NAME_POLICY,
	[SECGROUP_MEMBER_A_IPV4] = NLA_POLICY_EXACT_LEN(4),
	[SECGROUP_MEMBER_A_IPV6] = NLA_POLICY_EXACT_LEN(16),
};

static const struct nla_policy sg_cfg_attach_groups_policy[SECGROUP_ATTACH_A_MAX + 1] = {
	[SECGROUP_ATTACH_A_GROUP_NAME] = SG_NAME_POLICY,
};

const struct nla_policy sg_cfg_attach_policy[SECGROUP_ATTACH_A_MAX + 1] = {
	[SECGROUP_ATTACH_A_IFINDEX] = NLA_POLICY_MIN(NLA_U32, 1),
	[SECGROUP_ATTACH_A_CGROUP_FD] = NLA_POLICY_MIN(NLA_S32, 0),
	[SECGROUP_ATTACH_A_GROUPS] = NLA_POLICY_NESTED(sg_cfg_attach_groups_policy),
	[SECGROUP_ATTACH_A_ADDRS] = NLA_POLICY_NESTED(sg_addr_policy),
	[SECGROUP_ATTACH_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, SECGROUP_ATTACH_F_ALL),
};

/* Top-level policies: each operation takes its own object and the flags. */
#define SG_FLAGS_POLICY NLA_POLICY_MASK(NLA_U32, SECGROUP_F_FLUSH)

static const struct nla_policy sg_group_op_policy[SECGROUP_A_MAX + 1] = {
	[SECGROUP_A_GROUP] = NLA_POLICY_NESTED(sg_group_policy),
	[SECGROUP_A_FLAGS] = SG_FLAGS_POLICY,
};

static const struct nla_policy sg_rule_op_policy[SECGROUP_A_MAX + 1] = {
	[SECGROUP_A_RULE] = NLA_POLICY_NESTED(sg_rule_policy),
	[SECGROUP_A_FLAGS] = SG_FLAGS_POLICY,
};

static const struct nla_policy sg_attach_op_policy[SECGROUP_A_MAX + 1] = {
	[SECGROUP_A_ATTACH] = NLA_POLICY_NESTED(sg_attach_policy),
	[SECGROUP_A_FLAGS] = SG_FLAGS_POLICY,
};

static const struct nla_policy sg_member_op_policy[SECGROUP_A_MAX + 1] = {
	[SECGROUP_A_MEMBER] = NLA_POLICY_NESTED(sg_member_policy),
	[SECGROUP_A_FLAGS] = SG_FLAGS_POLICY,
};

static const struct nla_policy sg_config_op_policy[SECGROUP_A_MAX + 1] = {
	[SECGROUP_A_GROUP] = NLA_POLICY_NESTED(sg_cfg_group_policy),
	[SECGROUP_A_RULE] = NLA_POLICY_NESTED(sg_cfg_rule_policy),
	[SECGROUP_A_MEMBER] = NLA_POLICY_NESTED(sg_cfg_member_policy),
	[SECGROUP_A_ATTACH] = NLA_POLICY_NESTED(sg_cfg_attach_policy),
	[SECGROUP_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, SECGROUP_F_ALL),
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

bool sg_nl_flush(struct genl_info *info)
{
	return info->attrs[SECGROUP_A_FLAGS] &&
	       (nla_get_u32(info->attrs[SECGROUP_A_FLAGS]) & SECGROUP_F_FLUSH);
}

/* ---- filling messages ---- */

/*
 * Room for a group's message: NLMSG_GOODSIZE holds everything but its
 * members (up to max_members) and tags (up to 50 of 383 bytes).
 */
size_t sg_group_msg_size(const struct sg_group *g)
{
	size_t n = NLMSG_GOODSIZE + g->nmembers * nla_total_size(sizeof(struct in6_addr));
	u32 i;

	for (i = 0; i < g->ntags; i++)
		n += nla_total_size(0) + nla_total_size(strlen(g->tags[i].key) + 1) +
		     nla_total_size(strlen(g->tags[i].value) + 1);
	return n;
}

/* ... and an attachment's: its addresses and a cgroup's path. */
size_t sg_attach_msg_size(const struct sg_attach *att)
{
	return NLMSG_GOODSIZE + nla_total_size(PATH_MAX) +
	       att->naddrs * nla_total_size(sizeof(struct in6_addr));
}

static int sg_put_addr(struct sk_buff *skb, int a4, int a6, const struct sg_addr *a)
{
	if (a->family == AF_INET)
		return nla_put_in_addr(skb, a4, a->v4);
	return nla_put_in6_addr(skb, a6, &a->v6);
}

static int sg_fill_tags(struct sk_buff *skb, const struct sg_group *g)
{
	struct nlattr *tags, *tag;
	u32 i;

	tags = nla_nest_start(skb, SECGROUP_GROUP_A_TAGS);
	if (!tags)
		return -EMSGSIZE;
	for (i = 0; i < g->ntags; i++) {
		tag = nla_nest_start(skb, SECGROUP_TAG_A_TAG);
		if (!tag ||
		    nla_put_string(skb, SECGROUP_TAG_A_KEY, g->tags[i].key) ||
		    nla_put_string(skb, SECGROUP_TAG_A_VALUE, g->tags[i].value))
			return -EMSGSIZE;
		nla_nest_end(skb, tag);
	}
	nla_nest_end(skb, tags);
	return 0;
}

/*
 * nla_nest_end(), except that a nest longer than its 16-bit length can
 * say fails (a group with tens of thousands of members) instead of
 * wrapping into a corrupt message.
 */
static int sg_nest_end(struct sk_buff *skb, struct nlattr *nest)
{
	if (skb_tail_pointer(skb) - (unsigned char *)nest > U16_MAX)
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

static int sg_fill_members(struct sk_buff *skb, const struct sg_group *g)
{
	const struct sg_rmember *m;
	struct nlattr *nest;

	nest = nla_nest_start(skb, SECGROUP_GROUP_A_MEMBERS);
	if (!nest)
		return -EMSGSIZE;
	list_for_each_entry(m, &g->members, node)
		if (sg_put_addr(skb, SECGROUP_ADDR_A_IPV4, SECGROUP_ADDR_A_IPV6, &m->addr))
			return -EMSGSIZE;
	return sg_nest_end(skb, nest);
}

int sg_fill_group(struct sk_buff *skb, const struct sg_group *g, u32 portid,
		  u32 seq, int flags, u8 cmd)
{
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &sg_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, SECGROUP_A_GROUP);
	if (!nest ||
	    nla_put_u32(skb, SECGROUP_GROUP_A_ID, g->id) ||
	    nla_put_string(skb, SECGROUP_GROUP_A_NAME, g->name) ||
	    nla_put_string(skb, SECGROUP_GROUP_A_DESCRIPTION, g->desc) ||
	    nla_put_u32(skb, SECGROUP_GROUP_A_FLAGS,
			g->is_default ? SECGROUP_GROUP_F_DEFAULT : 0) ||
	    nla_put_u32(skb, SECGROUP_GROUP_A_ATTACHMENTS, g->attached) ||
	    sg_fill_tags(skb, g) || sg_fill_members(skb, g) ||
	    sg_nest_end(skb, nest))
		goto cancel;
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

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

static int sg_fill_stats(struct sk_buff *skb, const struct sg_attach *att)
{
	struct sg_attach_stats s;
	struct nlattr *nest;

	sg_attach_stats_sum(att, &s);
	nest = nla_nest_start(skb, SECGROUP_ATTACH_A_STATS);
	if (!nest ||
	    nla_put_u64_64bit(skb, SECGROUP_STATS_A_NEW_ACCEPTED, s.new_accepted, SECGROUP_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, SECGROUP_STATS_A_DROP_POLICY, s.drop_policy, SECGROUP_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, SECGROUP_STATS_A_DROP_SPOOF, s.drop_spoof, SECGROUP_STATS_A_PAD) ||
	    nla_put_u64_64bit(skb, SECGROUP_STATS_A_DROP_INVALID, s.drop_invalid, SECGROUP_STATS_A_PAD))
		return -EMSGSIZE;
	nla_nest_end(skb, nest);
	return 0;
}

/*
 * @cgrp's path as the reader sees it: relative to the root of its cgroup
 * namespace, as cgroup_path_ns() gives it, but without its cgroup_mutex,
 * which must not be taken under RTNL (net_prio takes RTNL under it).  The
 * namespace's root css_set and its default-hierarchy cgroup are fixed for
 * the namespace's life.
 */
static int sg_cgroup_path(struct cgroup *cgrp, char *buf, size_t len)
{
	struct cgroup *root = current->nsproxy->cgroup_ns->root_cset->dfl_cgrp;

	return kernfs_path_from_node(cgrp->kn, root->kn, buf, len);
}

static int sg_fill_instance(struct sk_buff *skb, struct sg_net *sn,
			    const struct sg_attach *att)
{
	struct net_device *dev;
	char *path;
	int err = 0;

	if (att->key.kind == SG_ATTACH_DEV) {
		if (nla_put_u32(skb, SECGROUP_ATTACH_A_IFINDEX, att->key.id))
			return -EMSGSIZE;
		rcu_read_lock();
		dev = dev_get_by_index_rcu(sn->net, att->key.id);
		if (dev)
			err = nla_put_string(skb, SECGROUP_ATTACH_A_IFNAME, dev->name);
		rcu_read_unlock();
		return err;
	}
	if (nla_put_u64_64bit(skb, SECGROUP_ATTACH_A_CGROUP_ID, att->key.id,
			      SECGROUP_ATTACH_A_PAD))
		return -EMSGSIZE;
	path = kmalloc(PATH_MAX, GFP_KERNEL_ACCOUNT);
	if (!path)
		return -ENOMEM;
	if (sg_cgroup_path(att->cgrp, path, PATH_MAX) > 0)
		err = nla_put_string(skb, SECGROUP_ATTACH_A_CGROUP_PATH, path);
	kfree(path);
	return err;
}

int sg_fill_attach(struct sk_buff *skb, struct sg_net *sn,
		   const struct sg_attach *att, u32 portid, u32 seq, int flags,
		   u8 cmd)
{
	struct nlattr *nest, *list;
	int err = -EMSGSIZE;
	void *hdr;
	u32 i;

	hdr = genlmsg_put(skb, portid, seq, &sg_genl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, SECGROUP_A_ATTACH);
	if (!nest)
		goto cancel;
	err = sg_fill_instance(skb, sn, att);	/* -ENOMEM is not "too big" */
	if (err)
		goto cancel;
	err = -EMSGSIZE;
	if (nla_put_u32(skb, SECGROUP_ATTACH_A_FLAGS, att->flags))
		goto cancel;
	list = nla_nest_start(skb, SECGROUP_ATTACH_A_GROUPS);
	if (!list)
		goto cancel;
	for (i = 0; i < att->ngroups; i++)
		if (nla_put_u32(skb, SECGROUP_ATTACH_A_GROUP_ID, att->groups[i]))
			goto cancel;
	nla_nest_end(skb, list);
	list = nla_nest_start(skb, SECGROUP_ATTACH_A_ADDRS);
	if (!list)
		goto cancel;
	for (i = 0; i < att->naddrs; i++)
		if (sg_put_addr(skb, SECGROUP_ADDR_A_IPV4, SECGROUP_ADDR_A_IPV6,
				&att->addrs[i]))
			goto cancel;
	nla_nest_end(skb, list);
	if (sg_fill_stats(skb, att))
		goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return err;
}

static int sg_fill_flow(struct sk_buff *skb, const struct sg_flow *f)
{
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, 0, 0, &sg_genl_family, 0, SECGROUP_CMD_FLOW);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, SECGROUP_A_FLOW);
	if (!nest ||
	    nla_put_u8(skb, SECGROUP_FLOW_A_VERDICT, f->verdict) ||
	    nla_put_u8(skb, SECGROUP_FLOW_A_DIRECTION, f->dir) ||
	    (f->kind == SG_ATTACH_DEV ?
	     nla_put_u32(skb, SECGROUP_FLOW_A_IFINDEX, f->id) :
	     nla_put_u64_64bit(skb, SECGROUP_FLOW_A_CGROUP_ID, f->id, SECGROUP_FLOW_A_PAD)) ||
	    nla_put_u8(skb, SECGROUP_FLOW_A_PROTOCOL, f->proto) ||
	    sg_put_addr(skb, SECGROUP_FLOW_A_SRC_IPV4, SECGROUP_FLOW_A_SRC_IPV6, &f->src) ||
	    sg_put_addr(skb, SECGROUP_FLOW_A_DST_IPV4, SECGROUP_FLOW_A_DST_IPV6, &f->dst) ||
	    nla_put_u32(skb, SECGROUP_FLOW_A_SUPPRESSED, f->suppressed))
		goto cancel;
	if (sgc_proto_has_ports(f->proto) &&
	    (nla_put_u16(skb, SECGROUP_FLOW_A_SRC_PORT, f->sport) ||
	     nla_put_u16(skb, SECGROUP_FLOW_A_DST_PORT, f->dport)))
		goto cancel;
	if (sgc_proto_is_icmp(f->proto) &&
	    (nla_put_u8(skb, SECGROUP_FLOW_A_ICMP_TYPE, f->icmp_type) ||
	     nla_put_u8(skb, SECGROUP_FLOW_A_ICMP_CODE, f->icmp_code)))
		goto cancel;
	if (f->rule && (nla_put_u32(skb, SECGROUP_FLOW_A_GROUP, f->group) ||
			nla_put_u32(skb, SECGROUP_FLOW_A_RULE, f->rule)))
		goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
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

static struct sk_buff *sg_event_new(struct sg_net *sn, size_t size)
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
static struct sk_buff *sg_change_new(struct sg_net *sn, size_t size)
{
	sg_changed(sn);
	return sg_event_new(sn, size);
}

/* Multicast @msg if filling it (@err) worked. */
static void sg_event_send(struct sg_net *sn, struct sk_buff *msg, int err)
{
	if (err)
		nlmsg_free(msg);
	else
		sg_multicast(sn, msg);
}

void sg_notify_group(struct sg_net *sn, u8 cmd, const struct sg_group *g)
{
	struct sk_buff *msg = sg_change_new(sn, sg_group_msg_size(g));

	if (msg)
		sg_event_send(sn, msg, sg_fill_group(msg, g, 0, 0, 0, cmd));
}

void sg_notify_rule(struct sg_net *sn, u8 cmd, const struct sg_rule *r)
{
	struct sk_buff *msg = sg_change_new(sn, NLMSG_GOODSIZE);

	if (msg)
		sg_event_send(sn, msg, sg_fill_rule(msg, r, 0, 0, 0, cmd));
}

void sg_notify_attach(struct sg_net *sn, u8 cmd, const struct sg_attach *att)
{
	struct sk_buff *msg = sg_change_new(sn, sg_attach_msg_size(att));

	if (msg)
		sg_event_send(sn, msg, sg_fill_attach(msg, sn, att, 0, 0, 0, cmd));
}

void sg_notify_member(struct sg_net *sn, u8 cmd, u32 group, const struct sg_addr *a)
{
	struct sk_buff *msg = sg_change_new(sn, NLMSG_GOODSIZE);
	struct nlattr *nest;
	void *hdr;

	if (!msg)
		return;
	hdr = genlmsg_put(msg, 0, 0, &sg_genl_family, 0, cmd);
	if (!hdr)
		goto free;
	nest = nla_nest_start(msg, SECGROUP_A_MEMBER);
	if (!nest || nla_put_u32(msg, SECGROUP_MEMBER_A_GROUP, group) ||
	    sg_put_addr(msg, SECGROUP_MEMBER_A_IPV4, SECGROUP_MEMBER_A_IPV6, a))
		goto free;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	sg_multicast(sn, msg);
	return;
free:
	nlmsg_free(msg);
}

void sg_notify_flow(struct sg_net *sn, const struct sg_flow *f)
{
	struct sk_buff *msg = sg_event_new(sn, NLMSG_GOODSIZE);

	if (msg)
		sg_event_send(sn, msg, sg_fill_flow(msg, f));
}

/* ---- the family ---- */

#define SG_OP(_cmd, _doit, _policy)					\
	{ .cmd = SECGROUP_CMD_##_cmd, .doit = _doit, .policy = _policy,	\
	  .maxattr = SECGROUP_A_MAX, .flags = GENL_UNS_ADMIN_PERM }

static const struct genl_ops sg_genl_ops[] = {
	SG_OP(GROUP_NEW, sg_nl_group_new, sg_group_op_policy),
	SG_OP(GROUP_DEL, sg_nl_group_del, sg_group_op_policy),
	SG_OP(GROUP_SET, sg_nl_group_set, sg_group_op_policy),
	{
		.cmd = SECGROUP_CMD_GROUP_GET,
		.flags = GENL_UNS_ADMIN_PERM,	/* as nft list and wg show */
		.doit = sg_nl_group_get,
		.start = sg_nl_group_dump_start,
		.dumpit = sg_nl_group_dump,
		.policy = sg_group_op_policy,
		.maxattr = SECGROUP_A_MAX,
	},
	SG_OP(RULE_NEW, sg_nl_rule_new, sg_rule_op_policy),
	SG_OP(RULE_DEL, sg_nl_rule_del, sg_rule_op_policy),
	SG_OP(RULE_SET, sg_nl_rule_set, sg_rule_op_policy),
	{
		.cmd = SECGROUP_CMD_RULE_GET,
		.flags = GENL_UNS_ADMIN_PERM,	/* as nft list and wg show */
		.dumpit = sg_nl_rule_dump,
		.policy = sg_rule_op_policy,
		.maxattr = SECGROUP_A_MAX,
	},
	SG_OP(ATTACH_NEW, sg_nl_attach_new, sg_attach_op_policy),
	SG_OP(ATTACH_DEL, sg_nl_attach_del, sg_attach_op_policy),
	{
		.cmd = SECGROUP_CMD_ATTACH_GET,
		.flags = GENL_UNS_ADMIN_PERM,	/* as nft list and wg show */
		.doit = sg_nl_attach_get,
		.start = sg_nl_attach_dump_start,
		.dumpit = sg_nl_attach_dump,
		.policy = sg_attach_op_policy,
		.maxattr = SECGROUP_A_MAX,
	},
	SG_OP(MEMBER_NEW, sg_nl_member_new, sg_member_op_policy),
	SG_OP(MEMBER_DEL, sg_nl_member_del, sg_member_op_policy),
	SG_OP(CONFIG_REPLACE, sg_nl_config_replace, sg_config_op_policy),
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
