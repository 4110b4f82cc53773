// SPDX-License-Identifier: GPL-2.0
/* Groups and their remote members over netlink: policies, handlers, replies, events. */
#include <linux/slab.h>
#include <linux/string.h>

#include <linux/sort.h>

#include "netlink.h"

/* ---- policies: a request's groups, tags and members ---- */

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

const struct nla_policy sg_group_policy[SECGROUP_GROUP_A_MAX + 1] = {
	[SECGROUP_GROUP_A_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[SECGROUP_GROUP_A_NAME] = { .type = NLA_NUL_STRING, .len = SECGROUP_NAME_MAX },
	[SECGROUP_GROUP_A_DESCRIPTION] = { .type = NLA_NUL_STRING, .len = SECGROUP_DESC_MAX },
	[SECGROUP_GROUP_A_TAGS] = NLA_POLICY_NESTED(sg_tags_policy),
	[SECGROUP_GROUP_A_UNTAGS] = NLA_POLICY_NESTED(sg_untags_policy),
	[SECGROUP_GROUP_A_FLAGS] = NLA_POLICY_MASK(NLA_U32, SECGROUP_GROUP_F_NO_DEFAULT_EGRESS),
	[SECGROUP_GROUP_A_MEMBERS] = { .type = NLA_REJECT },
	[SECGROUP_GROUP_A_ATTACHMENTS] = { .type = NLA_REJECT },
	[SECGROUP_GROUP_A_NMEMBERS] = { .type = NLA_REJECT },
};

const struct nla_policy sg_member_policy[SECGROUP_MEMBER_A_MAX + 1] = {
	[SECGROUP_MEMBER_A_GROUP] = NLA_POLICY_MIN(NLA_U32, 1),
	[SECGROUP_MEMBER_A_IPV4] = NLA_POLICY_EXACT_LEN(4),
	[SECGROUP_MEMBER_A_IPV6] = NLA_POLICY_EXACT_LEN(16),
	[SECGROUP_MEMBER_A_GROUP_NAME] = { .type = NLA_REJECT },
};

const struct nla_policy sg_cfg_group_policy[SECGROUP_GROUP_A_MAX + 1] = {
	[SECGROUP_GROUP_A_NAME] = SG_NAME_POLICY,
	[SECGROUP_GROUP_A_DESCRIPTION] = { .type = NLA_NUL_STRING, .len = SECGROUP_DESC_MAX },
	[SECGROUP_GROUP_A_TAGS] = NLA_POLICY_NESTED(sg_tags_policy),
};

const struct nla_policy sg_cfg_member_policy[SECGROUP_MEMBER_A_MAX + 1] = {
	[SECGROUP_MEMBER_A_GROUP_NAME] = SG_NAME_POLICY,
	[SECGROUP_MEMBER_A_IPV4] = NLA_POLICY_EXACT_LEN(4),
	[SECGROUP_MEMBER_A_IPV6] = NLA_POLICY_EXACT_LEN(16),
};

static s32 sg_tag_index(const struct sg_tag *tags, u32 n, const char *key)
{
	u32 i;

	for (i = 0; i < n; i++)
		if (!strcmp(tags[i].key, key))
			return i;
	return -1;
}

/* AWS's character set for names, descriptions and tags; no control bytes, no quotes */
static bool sg_name_char_ok(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr(" ._-:/()#,@[]+=&;{}!$*", c));
}

static bool sg_chars_ok(const char *s)
{
	for (; *s; s++)
		if (!sg_name_char_ok(*s))
			return false;
	return true;
}

/*
 * The tags of @g after setting @set and removing @unset, as a new array:
 * nothing of @g changes until the caller swaps it in.
 */
int sg_tags_build(const struct sg_group *g, struct nlattr *set,
		  struct nlattr *unset, struct sg_tag **out, u32 *nout,
		  struct netlink_ext_ack *extack)
{
	struct nlattr *tb[SECGROUP_TAG_A_MAX + 1];
	struct sg_tag *tags;
	struct nlattr *a;
	u32 n = 0, i;
	s32 at;
	int rem, err = -ENOMEM;

	tags = kcalloc(SECGROUP_TAGS_MAX + 1, sizeof(*tags), GFP_KERNEL_ACCOUNT);
	if (!tags)
		return -ENOMEM;
	for (i = 0; g && i < g->ntags; i++) {
		tags[n].key = kstrdup(g->tags[i].key, GFP_KERNEL_ACCOUNT);
		tags[n].value = kstrdup(g->tags[i].value, GFP_KERNEL_ACCOUNT);
		n++;
		if (!tags[n - 1].key || !tags[n - 1].value)
			goto fail;
	}
	if (unset) {
		nla_for_each_nested(a, unset, rem) {
			at = sg_tag_index(tags, n, nla_data(a));
			if (at < 0)
				continue;	/* as AWS DeleteTags */
			kfree(tags[at].key);
			kfree(tags[at].value);
			tags[at] = tags[--n];
		}
	}
	if (set) {
		nla_for_each_nested(a, set, rem) {
			err = nla_parse_nested(tb, SECGROUP_TAG_A_MAX, a, NULL, extack);
			if (err)
				goto fail;
			err = -EINVAL;
			if (!tb[SECGROUP_TAG_A_KEY] || !nla_len(tb[SECGROUP_TAG_A_KEY]) ||
			    !*(char *)nla_data(tb[SECGROUP_TAG_A_KEY])) {
				NL_SET_ERR_MSG_ATTR(extack, a, "tag: a non-empty key is required");
				goto fail;
			}
			/* what sgnl save writes, apply must read back: no raw bytes */
			if (!sg_chars_ok(nla_data(tb[SECGROUP_TAG_A_KEY])) ||
			    (tb[SECGROUP_TAG_A_VALUE] &&
			     !sg_chars_ok(nla_data(tb[SECGROUP_TAG_A_VALUE])))) {
				NL_SET_ERR_MSG_ATTR(extack, a,
						    "tags hold only letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*");
				goto fail;
			}
			at = sg_tag_index(tags, n, nla_data(tb[SECGROUP_TAG_A_KEY]));
			if (at < 0) {
				if (n == SECGROUP_TAGS_MAX) {
					NL_SET_ERR_MSG_ATTR(extack, a, "too many tags (at most 50)");
					err = -ENOSPC;
					goto fail;
				}
				at = n++;
			} else {
				kfree(tags[at].key);
				kfree(tags[at].value);
			}
			err = -ENOMEM;
			tags[at].key = kstrdup(nla_data(tb[SECGROUP_TAG_A_KEY]), GFP_KERNEL_ACCOUNT);
			tags[at].value = kstrdup(tb[SECGROUP_TAG_A_VALUE] ?
						 nla_data(tb[SECGROUP_TAG_A_VALUE]) : "",
						 GFP_KERNEL_ACCOUNT);
			if (!tags[at].key || !tags[at].value)
				goto fail;
		}
	}
	*out = tags;
	*nout = n;
	return 0;
fail:
	sg_tags_free(tags, n);
	return err;
}

static int sg_group_reply(struct genl_info *info, const struct sg_group *g)
{
	struct sg_net *sn = info->user_ptr[0];
	struct sk_buff *msg = genlmsg_new(sg_group_msg_size(sn, g), GFP_KERNEL);

	if (!msg)
		return -ENOMEM;
	return sg_nl_reply(info, msg, sg_fill_group(msg, sn, g, info->snd_portid,
						    info->snd_seq, 0, info->genlhdr->cmd));
}

bool sg_name_ok(struct nlattr *a, struct netlink_ext_ack *extack)
{
	const char *name = nla_data(a);

	if (!*name) {
		NL_SET_ERR_MSG_ATTR(extack, a, "group name is empty");
		return false;
	}
	if (!sg_chars_ok(name)) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "group names hold only letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*");
		return false;
	}
	if (!strncmp(name, "sg-", 3)) {
		NL_SET_ERR_MSG_ATTR(extack, a, "group names cannot start with \"sg-\"");
		return false;
	}
	return true;
}

/* a group's or a rule's description, if given: AWS's characters, or empty */
bool sg_desc_ok(struct nlattr *a, struct netlink_ext_ack *extack)
{
	if (a && !sg_chars_ok(nla_data(a))) {
		NL_SET_ERR_MSG_ATTR(extack, a,
				    "descriptions hold only letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*");
		return false;
	}
	return true;
}

/*
 * A new group for @groups, @n of them, from a GROUP nest (@tb, @nest), not
 * linked: GROUP_NEW (@replace false) and CONFIG_REPLACE (true: the list
 * being built; the id of the netns's group of the same name is kept, and
 * there are no default egress rules: the request lists every rule) check
 * and build it alike.
 */
struct sg_group *sg_group_parse(struct sg_net *sn, struct list_head *groups,
				u32 n, bool replace, struct nlattr **tb,
				struct nlattr *nest, struct netlink_ext_ack *extack)
{
	struct nlattr *desc = tb[SECGROUP_GROUP_A_DESCRIPTION];
	struct nlattr *flags = tb[SECGROUP_GROUP_A_FLAGS];
	struct sg_group *g, *old;
	const char *name;
	bool egress;
	int err;

	if (NL_REQ_ATTR_CHECK(extack, nest, tb, SECGROUP_GROUP_A_NAME)) {
		NL_SET_ERR_MSG(extack, "group: a name is required");
		return ERR_PTR(-EINVAL);
	}
	if (!sg_name_ok(tb[SECGROUP_GROUP_A_NAME], extack) || !sg_desc_ok(desc, extack))
		return ERR_PTR(-EINVAL);
	name = nla_data(tb[SECGROUP_GROUP_A_NAME]);
	err = sg_group_check(groups, n, name, tb[SECGROUP_GROUP_A_NAME], extack);
	if (err)
		return ERR_PTR(err);
	egress = !replace && !(flags && nla_get_u32(flags) & SECGROUP_GROUP_F_NO_DEFAULT_EGRESS);
	old = replace ? sg_group_find(sn, 0, name) : NULL;
	g = sg_group_create(sn, replace ? groups : NULL, old ? old->id : 0, name,
			    desc ? nla_data(desc) : "", egress, extack);
	if (IS_ERR(g))
		return g;
	g->is_default = !strcmp(name, SG_DEFAULT_NAME);
	if (!tb[SECGROUP_GROUP_A_TAGS])
		return g;
	err = sg_tags_build(NULL, tb[SECGROUP_GROUP_A_TAGS], NULL, &g->tags, &g->ntags,
			    extack);
	if (err) {
		sg_group_free(g);
		return ERR_PTR(err);
	}
	return g;
}

int sg_nl_group_new(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = info->user_ptr[0];
	struct nlattr *tb[SECGROUP_GROUP_A_MAX + 1];
	struct sg_group *g;
	int err;

	err = sg_nl_parse_nest(info, SECGROUP_A_GROUP, tb, SECGROUP_GROUP_A_MAX,
			       sg_group_policy);
	if (err)
		return err;
	if (tb[SECGROUP_GROUP_A_ID] || tb[SECGROUP_GROUP_A_UNTAGS]) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[SECGROUP_GROUP_A_ID] ?:
				    tb[SECGROUP_GROUP_A_UNTAGS],
				    "not allowed when creating a group");
		return -EINVAL;
	}
	g = sg_group_parse(sn, &sn->groups, sn->ngroups, false, tb,
			   info->attrs[SECGROUP_A_GROUP], info->extack);
	if (IS_ERR(g))
		return PTR_ERR(g);
	err = sg_group_reply(info, g);
	if (err) {
		sg_group_free(g);
		return err;
	}
	list_add_tail(&g->node, &sn->groups);
	sn->ngroups++;
	sg_notify_group(sn, SECGROUP_CMD_GROUP_NEW, g);
	return 0;
}

int sg_nl_group_del(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = info->user_ptr[0];
	struct nlattr *tb[SECGROUP_GROUP_A_MAX + 1];
	struct nlattr *nest = info->attrs[SECGROUP_A_GROUP];
	struct sg_mref *members;
	struct sg_group *g;
	int err, n;

	err = sg_nl_parse_nest(info, SECGROUP_A_GROUP, tb, SECGROUP_GROUP_A_MAX,
			       sg_group_policy);
	if (err)
		return err;
	g = sg_nl_group(sn, tb, SECGROUP_GROUP_A_ID, SECGROUP_GROUP_A_NAME, nest,
			info->extack);
	if (IS_ERR(g))
		return PTR_ERR(g);
	err = sg_group_del_check(sn, g, nest, info->extack);
	if (err)
		return err;
	n = sg_group_remote_list(sn, g, &members);
	if (n < 0) {
		NL_SET_ERR_MSG(info->extack, "out of memory listing the group's members");
		return n;
	}
	sg_notify_group(sn, SECGROUP_CMD_GROUP_DEL, g);
	sg_group_remove(sn, g, members, n);
	return 0;
}

int sg_nl_group_get(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *tb[SECGROUP_GROUP_A_MAX + 1];
	struct sg_group *g;
	int err;

	err = sg_nl_parse_nest(info, SECGROUP_A_GROUP, tb, SECGROUP_GROUP_A_MAX,
			       sg_group_policy);
	if (err)
		return err;
	g = sg_nl_group(info->user_ptr[0], tb, SECGROUP_GROUP_A_ID, SECGROUP_GROUP_A_NAME,
			info->attrs[SECGROUP_A_GROUP], info->extack);
	err = IS_ERR(g) ? PTR_ERR(g) : sg_group_reply(info, g);
	if (err == -EMSGSIZE)
		NL_SET_ERR_MSG(info->extack,
			       "the group does not fit in one message (a nest is at most 64 KiB)");
	return err;
}

/*
 * A group's message can outgrow a page (1,000 IPv6 members, 50 long tags):
 * ask for dump buffers that fit the largest one, with its generation.
 */
int sg_nl_group_dump_start(struct netlink_callback *cb)
{
	struct sg_net *sn = sg_pernet(sock_net(cb->skb->sk));
	struct sg_group *g;
	size_t size = 0;

	mutex_lock(&sn->lock);
	list_for_each_entry(g, &sn->groups, node)
		size = max(size, sg_group_msg_size(sn, g));
	mutex_unlock(&sn->lock);
	size += nla_total_size(sizeof(u32));	/* SECGROUP_A_GEN */
	cb->min_dump_alloc = min_t(size_t, size, U16_MAX);
	return 0;
}

int sg_nl_group_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct sg_net *sn = sg_pernet(sock_net(skb->sk));
	struct sg_group *g;
	long idx = 0, start = cb->args[0];
	int at, err;

	mutex_lock(&sn->lock);
	cb->seq = sn->gen;
	list_for_each_entry(g, &sn->groups, node) {
		if (idx++ < start)
			continue;
		at = skb->len;
		err = sg_fill_group(skb, sn, g, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
				    NLM_F_MULTI, SECGROUP_CMD_GROUP_GET) ?:
		      sg_dump_put_gen(skb, at, sn->gen);
		if (sg_dump_one(skb, cb, err)) {
			idx--;
			if (!skb->len)	/* too big even alone: say so */
				idx = -EMSGSIZE;
			break;
		}
	}
	mutex_unlock(&sn->lock);
	if (idx < 0)
		return idx;
	cb->args[0] = idx;
	return skb->len;
}

int sg_nl_group_set(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = info->user_ptr[0];
	struct nlattr *tb[SECGROUP_GROUP_A_MAX + 1];
	struct sg_tag *tags = NULL;
	char *desc = NULL;
	struct sg_group *g;
	u32 ntags = 0;
	int err;

	err = sg_nl_parse_nest(info, SECGROUP_A_GROUP, tb, SECGROUP_GROUP_A_MAX,
			       sg_group_policy);
	if (err)
		return err;
	if (tb[SECGROUP_GROUP_A_FLAGS]) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[SECGROUP_GROUP_A_FLAGS],
				    "group flags are set at creation only");
		return -EINVAL;
	}
	if (tb[SECGROUP_GROUP_A_ID] && tb[SECGROUP_GROUP_A_NAME]) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[SECGROUP_GROUP_A_NAME],
				    "a group cannot be renamed");
		return -EINVAL;
	}
	if (!sg_desc_ok(tb[SECGROUP_GROUP_A_DESCRIPTION], info->extack))
		return -EINVAL;
	g = sg_nl_group(sn, tb, SECGROUP_GROUP_A_ID, SECGROUP_GROUP_A_NAME,
			info->attrs[SECGROUP_A_GROUP], info->extack);
	if (IS_ERR(g))
		return PTR_ERR(g);
	if (tb[SECGROUP_GROUP_A_DESCRIPTION]) {
		desc = kstrdup(nla_data(tb[SECGROUP_GROUP_A_DESCRIPTION]), GFP_KERNEL_ACCOUNT);
		if (!desc) {
			NL_SET_ERR_MSG(info->extack, "out of memory changing the group");
			return -ENOMEM;
		}
	}
	if (tb[SECGROUP_GROUP_A_TAGS] || tb[SECGROUP_GROUP_A_UNTAGS]) {
		err = sg_tags_build(g, tb[SECGROUP_GROUP_A_TAGS],
				    tb[SECGROUP_GROUP_A_UNTAGS], &tags, &ntags,
				    info->extack);
		if (err) {
			kfree(desc);
			return err;
		}
		sg_tags_free(g->tags, g->ntags);
		g->tags = tags;
		g->ntags = ntags;
	}
	if (desc) {
		kfree(g->desc);
		g->desc = desc;
	}
	sg_notify_group(sn, SECGROUP_CMD_GROUP_SET, g);
	sg_group_reply(info, g);	/* committed: a lost reply does not fail it */
	return 0;
}

/* ---- remote members ---- */

/* The group and the address a MEMBER request names. */
static struct sg_group *sg_nl_member_parse(struct genl_info *info, struct sg_addr *a)
{
	struct nlattr *tb[SECGROUP_MEMBER_A_MAX + 1];
	struct nlattr *nest = info->attrs[SECGROUP_A_MEMBER];
	int err;

	err = sg_nl_parse_nest(info, SECGROUP_A_MEMBER, tb, SECGROUP_MEMBER_A_MAX,
			       sg_member_policy);
	if (!err)
		err = sg_nl_addr(tb[SECGROUP_MEMBER_A_IPV4], tb[SECGROUP_MEMBER_A_IPV6],
				 a, nest, info->extack);
	if (err)
		return ERR_PTR(err);
	return sg_nl_group(info->user_ptr[0], tb, SECGROUP_MEMBER_A_GROUP, 0, nest,
			   info->extack);
}

int sg_nl_member_new(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = info->user_ptr[0];
	struct sg_group *g;
	struct sg_addr a;
	int err;

	g = sg_nl_member_parse(info, &a);
	if (IS_ERR(g))
		return PTR_ERR(g);
	err = sg_remote_add(sn, g, &a, info->attrs[SECGROUP_A_MEMBER], info->extack);
	if (err)
		return err;
	sg_notify_member(sn, SECGROUP_CMD_MEMBER_NEW, g->id, &a);
	return 0;
}

int sg_nl_member_del(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = info->user_ptr[0];
	struct sg_group *g;
	struct sg_addr a;
	int err;

	g = sg_nl_member_parse(info, &a);
	if (IS_ERR(g))
		return PTR_ERR(g);
	err = sg_remote_del(sn, g, &a, info->attrs[SECGROUP_A_MEMBER], info->extack);
	if (err)
		return err;
	if (sg_nl_flush(info))
		sg_ct_flush(sn);
	sg_notify_member(sn, SECGROUP_CMD_MEMBER_DEL, g->id, &a);
	return 0;
}

/* ---- MEMBER_GET: the dump of remote members ---- */

int sg_nl_member_dump_start(struct netlink_callback *cb)
{
	struct sg_net *sn = sg_pernet(sock_net(cb->skb->sk));
	struct nlattr *tb[SECGROUP_MEMBER_A_MAX + 1], *nest;
	struct sg_member_iter *mi;
	u32 group = 0;
	int err;

	nest = sg_dump_attrs(cb)[SECGROUP_A_MEMBER];
	if (nest) {
		err = nla_parse_nested(tb, SECGROUP_MEMBER_A_MAX, nest, sg_member_policy,
				       cb->extack);
		if (err)
			return err;
		if (tb[SECGROUP_MEMBER_A_IPV4] || tb[SECGROUP_MEMBER_A_IPV6]) {
			NL_SET_ERR_MSG_ATTR(cb->extack, nest, "a dump of members takes a group only");
			return -EINVAL;
		}
		if (tb[SECGROUP_MEMBER_A_GROUP]) {
			group = nla_get_u32(tb[SECGROUP_MEMBER_A_GROUP]);
			mutex_lock(&sn->lock);
			err = sg_group_find(sn, group, NULL) ? 0 : -ENOENT;
			mutex_unlock(&sn->lock);
			if (err) {
				NL_SET_ERR_MSG_ATTR(cb->extack, tb[SECGROUP_MEMBER_A_GROUP],
						    "no such group id");
				return err;
			}
		}
	}
	mi = sg_member_iter_new(sn);
	if (!mi)
		return -ENOMEM;
	cb->args[0] = (long)mi;
	cb->args[1] = group;
	return 0;
}

int sg_nl_member_dump_done(struct netlink_callback *cb)
{
	sg_member_iter_free((struct sg_member_iter *)cb->args[0]);
	return 0;
}

struct sg_member_dump {
	struct sk_buff *skb;
	struct netlink_callback *cb;
};

static int sg_fill_member(const struct sg_addr *a, u32 group, void *arg)
{
	struct sg_member_dump *d = arg;
	struct netlink_callback *cb = d->cb;
	struct sk_buff *skb = d->skb;
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, NETLINK_CB(cb->skb).portid, cb->nlh->nlmsg_seq,
			  &sg_genl_family, NLM_F_MULTI, SECGROUP_CMD_MEMBER_GET);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, SECGROUP_A_MEMBER);
	if (!nest || nla_put_u32(skb, SECGROUP_MEMBER_A_GROUP, group) ||
	    sg_put_addr(skb, SECGROUP_MEMBER_A_IPV4, SECGROUP_MEMBER_A_IPV6, a)) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	nl_dump_check_consistent(cb, nlmsg_hdr(skb));
	return 0;
}

/*
 * The walk resumes where the last message stopped.  A change between two
 * parts of the dump (the generation), or a resize of the map that made the
 * walk start again, marks it interrupted: the reader reads it again.
 */
int sg_nl_member_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct sg_net *sn = sg_pernet(sock_net(skb->sk));
	struct sg_member_dump d = { .skb = skb, .cb = cb };
	bool restarted = false;
	int err;

	mutex_lock(&sn->lock);
	cb->seq = sn->gen;
	err = sg_member_iter_next((struct sg_member_iter *)cb->args[0], cb->args[1],
				  &restarted, sg_fill_member, &d);
	mutex_unlock(&sn->lock);
	if (restarted)
		cb->args[2] = 1;
	if (cb->args[2]) {	/* every message from then on says so */
		cb->seq = cb->prev_seq + 1;
		if (skb->len)
			nl_dump_check_consistent(cb, nlmsg_hdr(skb));
	}
	if (err && !skb->len)
		return err;
	return skb->len;
}

/* ---- NET_GET: the netns's totals ---- */

int sg_nl_net_get(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = info->user_ptr[0];
	struct sk_buff *msg = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	struct nlattr *nest;
	void *hdr;

	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &sg_genl_family, 0, info->genlhdr->cmd);
	if (!hdr)
		goto fail;
	nest = nla_nest_start(msg, SECGROUP_A_NET);
	if (!nest ||
	    nla_put_u32(msg, SECGROUP_NET_A_GROUPS, sn->ngroups) ||
	    nla_put_u64_64bit(msg, SECGROUP_NET_A_MEMBERS, sg_remote_total(sn),
			      SECGROUP_NET_A_PAD) ||
	    nla_put_u32(msg, SECGROUP_NET_A_ADDRS, sg_members_addrs(sn)) ||
	    nla_put_u64_64bit(msg, SECGROUP_NET_A_MEMBER_BYTES, sg_members_bytes(sn),
			      SECGROUP_NET_A_PAD))
		goto fail;
	nla_nest_end(msg, nest);
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);
fail:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* ---- messages: groups and members, in replies and events ---- */
/*
 * A group's message lists its remote members while the netns has at most
 * SECGROUP_GROUP_MEMBERS_INLINE of them in all: finding a group's members
 * is a walk of the member map, and a nest holds 64 KiB.  Beyond, they are
 * read with MEMBER_GET; SECGROUP_GROUP_A_NMEMBERS always counts them.
 */
static bool sg_members_inline(struct sg_net *sn)
{
	return sg_remote_total(sn) <= SECGROUP_GROUP_MEMBERS_INLINE;
}

/*
 * Room for a group's message: NLMSG_GOODSIZE holds everything but its
 * members (when inline) and tags (up to 50 of 383 bytes).
 */
size_t sg_group_msg_size(struct sg_net *sn, const struct sg_group *g)
{
	size_t n = NLMSG_GOODSIZE;

	if (g->nmembers && sg_members_inline(sn))
		n += g->nmembers * nla_total_size(sizeof(struct in6_addr));
	u32 i;

	for (i = 0; i < g->ntags; i++)
		n += nla_total_size(0) + nla_total_size(strlen(g->tags[i].key) + 1) +
		     nla_total_size(strlen(g->tags[i].value) + 1);
	return n;
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

static int sg_mref_cmp(const void *x, const void *y)
{
	const struct sg_mref *a = x, *b = y;

	return memcmp(&a->a, &b->a, sizeof(a->a));
}

/* The members in the order of their addresses, not of the map's hash. */
static int sg_fill_members(struct sk_buff *skb, struct sg_net *sn,
			   const struct sg_group *g)
{
	struct sg_mref *list;
	struct nlattr *nest;
	int i, n, err = 0;

	if (nla_put_u32(skb, SECGROUP_GROUP_A_NMEMBERS, g->nmembers))
		return -EMSGSIZE;
	if (!sn || !sg_members_inline(sn))
		return 0;
	n = sg_group_remote_list(sn, (struct sg_group *)g, &list);
	if (n < 0)
		return n;
	sort(list, n, sizeof(*list), sg_mref_cmp, NULL);
	nest = nla_nest_start(skb, SECGROUP_GROUP_A_MEMBERS);
	if (!nest)
		err = -EMSGSIZE;
	for (i = 0; !err && i < n; i++)
		if (sg_put_addr(skb, SECGROUP_ADDR_A_IPV4, SECGROUP_ADDR_A_IPV6, &list[i].a))
			err = -EMSGSIZE;
	kvfree(list);
	return err ?: sg_nest_end(skb, nest);
}

int sg_fill_group(struct sk_buff *skb, struct sg_net *sn, const struct sg_group *g,
		  u32 portid, u32 seq, int flags, u8 cmd)
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
	    sg_fill_tags(skb, g) || sg_fill_members(skb, sn, g) ||
	    sg_nest_end(skb, nest))
		goto cancel;
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

void sg_notify_group(struct sg_net *sn, u8 cmd, const struct sg_group *g)
{
	struct sk_buff *msg = sg_change_new(sn, sg_group_msg_size(sn, g));

	if (msg)
		sg_event_send(sn, msg, sg_fill_group(msg, sn, g, 0, 0, 0, cmd));
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
	sg_event_send(sn, msg, 0);
	return;
free:
	nlmsg_free(msg);
}
