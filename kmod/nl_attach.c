// SPDX-License-Identifier: GPL-2.0
/* Attachments over netlink: policies, handlers, replies, events. */
#include <linux/cgroup.h>
#include <linux/etherdevice.h>
#include <linux/percpu.h>
#include <linux/slab.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>

#include "netlink.h"

/* ---- policies: a request's attachments ---- */

static const struct nla_policy sg_addr_policy[SECGROUP_ADDR_A_MAX + 1] = {
	[SECGROUP_ADDR_A_IPV4] = NLA_POLICY_EXACT_LEN(4),
	[SECGROUP_ADDR_A_IPV6] = NLA_POLICY_EXACT_LEN(16),
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
	[SECGROUP_ATTACH_A_MAC] = NLA_POLICY_EXACT_LEN(ETH_ALEN),
	[SECGROUP_ATTACH_A_MAC_DEFAULT] = { .type = NLA_REJECT },
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
	[SECGROUP_ATTACH_A_MAC] = NLA_POLICY_EXACT_LEN(ETH_ALEN),
};

/*
 * The groups of an attachment, in order: GROUP_ID attributes, ids in the
 * netns, or (configuration replace) GROUP_NAME ones, names among @names.
 * No list: the default group (whose id a replace keeps).
 */
static int sg_attach_parse_groups(struct sg_net *sn, struct list_head *names,
				  struct nlattr *list, struct sg_attach_conf *c,
				  struct netlink_ext_ack *extack)
{
	struct sg_group *g;
	struct nlattr *a;
	int rem;

	if (!list) {
		c->groups[0] = sn->def->id;
		c->ngroups = 1;
		return 0;
	}
	nla_for_each_nested(a, list, rem) {
		g = names ? sg_group_find_in(names, 0, nla_data(a)) :
			    sg_group_find(sn, nla_get_u32(a), NULL);
		if (!g) {
			NL_SET_ERR_MSG_ATTR(extack, a, "no such group");
			return -ENOENT;
		}
		if (c->ngroups >= sg_max_groups_per_attach) {
			NL_SET_ERR_MSG_ATTR(extack, a,
					    "too many groups for one instance (module parameter max_groups_per_attach)");
			return -ENOSPC;
		}
		if (sg_attach_uses(c, g->id)) {
			NL_SET_ERR_MSG_ATTR(extack, a, "group listed twice");
			return -EINVAL;
		}
		c->groups[c->ngroups++] = g->id;
	}
	if (!c->ngroups) {
		NL_SET_ERR_MSG_ATTR(extack, list, "at least one group is required");
		return -EINVAL;
	}
	return 0;
}

static int sg_attach_parse_addrs(struct nlattr *list, struct sg_attach_conf *c,
				 struct netlink_ext_ack *extack)
{
	struct nlattr *a;
	u32 i;
	int rem;

	if (!list || !nla_len(list))	/* none: no anti-spoofing, no buffer */
		return 0;
	c->addrs = kcalloc(SECGROUP_ATTACH_ADDRS_MAX, sizeof(*c->addrs), GFP_KERNEL_ACCOUNT);
	if (!c->addrs) {
		NL_SET_ERR_MSG(extack, "out of memory reading the addresses");
		return -ENOMEM;
	}
	nla_for_each_nested(a, list, rem) {
		struct sg_addr x;

		if (c->naddrs == SECGROUP_ATTACH_ADDRS_MAX) {
			NL_SET_ERR_MSG_ATTR(extack, a, "too many addresses (at most 64)");
			return -ENOSPC;
		}
		x = nla_type(a) == SECGROUP_ADDR_A_IPV4 ?
		    sg_addr_v4(nla_get_in_addr(a)) :
		    sg_addr_v6((const struct in6_addr *)nla_data(a));
		for (i = 0; i < c->naddrs; i++) {
			if (sg_addr_eq(&c->addrs[i], &x)) {
				NL_SET_ERR_MSG_ATTR(extack, a, "address listed twice");
				return -EINVAL;
			}
		}
		c->addrs[c->naddrs++] = x;
	}
	return 0;
}

/*
 * The instance's MAC address when none is given: the attachment's, if it
 * has one already (its instance does not get to change it by changing its
 * veth's), given or not as it was, else a veth's peer's as it is now (a
 * container's eth0), which is not given.
 */
static void sg_attach_default_mac(struct sg_net *sn, struct net_device *dev,
				  struct sg_attach_req *req)
{
	struct sg_attach *att = sg_attach_find(sn, SG_ATTACH_DEV, req->key.id);

	if (att && !is_zero_ether_addr(att->conf.mac)) {
		ether_addr_copy(req->conf.mac, att->conf.mac);
		req->conf.mac_default = att->conf.mac_default;
	} else {
		req->conf.mac_default = sg_dev_peer_mac(dev, req->conf.mac);
	}
}

/*
 * The instance's MAC address: given, or the default.  A bridge port's
 * frames must come from it: a bridge port whose MAC address is not known
 * is refused, and so is one that is the bridge's or another port's (of
 * the attachments there are, unless @replace puts new ones in their place).
 */
static int sg_attach_parse_mac(struct sg_net *sn, struct nlattr **tb,
			       struct sg_attach_req *req, bool replace,
			       struct netlink_ext_ack *extack)
{
	struct nlattr *mac = tb[SECGROUP_ATTACH_A_MAC];
	struct net_device *dev;

	if (mac && !is_valid_ether_addr(nla_data(mac))) {
		NL_SET_ERR_MSG_ATTR(extack, mac, "not a unicast MAC address");
		return -EINVAL;
	}
	if (req->key.kind != SG_ATTACH_DEV) {
		if (mac) {
			NL_SET_ERR_MSG_ATTR(extack, mac, "a cgroup has no MAC address");
			return -EINVAL;
		}
		return 0;
	}
	dev = __dev_get_by_index(sn->net, req->key.id);	/* sg_attach_parse_key */
	if (!dev)
		return 0;
	if (mac)
		ether_addr_copy(req->conf.mac, nla_data(mac));
	else
		sg_attach_default_mac(sn, dev, req);
	if (!netif_is_bridge_port(dev))
		return 0;
	if (is_zero_ether_addr(req->conf.mac)) {
		NL_SET_ERR_MSG_ATTR(extack, tb[SECGROUP_ATTACH_A_IFINDEX],
				    "a bridge port needs its instance's MAC address: it is not a veth to read it from");
		return -EINVAL;
	}
	return sg_bridge_mac_ok(sn, dev, netdev_master_upper_dev_get(dev), req->conf.mac,
				!replace, extack);
}

/*
 * An attachment's flags, groups, addresses and MAC address from @tb;
 * group names among @names (configuration replace) or ids in the netns
 * (@names NULL).  @req names its instance already.
 */
int sg_attach_parse_conf(struct sg_net *sn, struct list_head *names,
			 struct nlattr **tb, struct sg_attach_req *req,
			 struct netlink_ext_ack *extack)
{
	struct sg_attach_conf *c = &req->conf;
	int err;

	if (tb[SECGROUP_ATTACH_A_FLAGS])
		c->flags = nla_get_u32(tb[SECGROUP_ATTACH_A_FLAGS]);
	err = sg_attach_parse_groups(sn, names, tb[SECGROUP_ATTACH_A_GROUPS], c, extack);
	if (!err)
		err = sg_attach_parse_addrs(tb[SECGROUP_ATTACH_A_ADDRS], c, extack);
	if (!err)
		err = sg_attach_parse_mac(sn, tb, req, !!names, extack);
	return err;
}

/*
 * The cgroup v2 directory open as @fdnum, if the caller may write to it:
 * it is the caller's or was delegated to it.  Holding the file while the
 * cgroup is looked up by the same number, and comparing the two, keeps a
 * concurrent dup2() from swapping in a cgroup that was not checked.
 */
static struct cgroup *sg_cgroup_get_writable(int fdnum, struct nlattr *attr,
					     struct netlink_ext_ack *extack)
{
	struct file *file = fget(fdnum);
	struct cgroup *cgrp;
	int err;

	if (!file) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "not an open file descriptor");
		return ERR_PTR(-EBADF);
	}
	cgrp = cgroup_get_from_fd(fdnum);
	if (IS_ERR(cgrp)) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "not an open cgroup v2 directory");
		goto out;
	}
	if (file_inode(file)->i_ino != cgroup_id(cgrp)) {
		NL_SET_ERR_MSG_ATTR(extack, attr, "the descriptor changed during the request");
		err = -EBADF;
	} else {
		err = file_permission(file, MAY_WRITE);
		if (err)
			NL_SET_ERR_MSG_ATTR(extack, attr,
					    "no write permission on the cgroup (not yours, not delegated to you)");
	}
	if (err) {
		cgroup_put(cgrp);
		cgrp = ERR_PTR(err);
	}
out:
	fput(file);
	return cgrp;
}

/*
 * The instance named by @tb: a device of the netns or a cgroup v2.  With
 * @need_fd (a new attachment) the device must exist and the cgroup be
 * given as an fd the caller may write to; lookups take the bare numbers.
 */
int sg_attach_parse_key(struct sg_net *sn, struct nlattr **tb,
			struct nlattr *nest, struct sg_attach_req *req,
			bool need_fd, struct netlink_ext_ack *extack)
{
	struct nlattr *ifi = tb[SECGROUP_ATTACH_A_IFINDEX];
	struct nlattr *fd = tb[SECGROUP_ATTACH_A_CGROUP_FD];
	struct nlattr *cgid = tb[SECGROUP_ATTACH_A_CGROUP_ID];
	struct net_device *dev;
	struct cgroup *cgrp;

	if (!!ifi + !!fd + !!cgid != 1) {
		NL_SET_ERR_MSG_ATTR(extack, nest,
				    "name one instance: an ifindex or a cgroup");
		return -EINVAL;
	}
	if (ifi) {
		if (need_fd) {
			dev = __dev_get_by_index(sn->net, nla_get_u32(ifi));
			if (!dev) {
				NL_SET_ERR_MSG_ATTR(extack, ifi, "no such device in this netns");
				return -ENODEV;
			}
			/* its ports are the instances, judged at the bridge hooks */
			if (netif_is_bridge_master(dev)) {
				NL_SET_ERR_MSG_ATTR(extack, ifi,
						    "a bridge is no instance: attach its ports");
				return -EOPNOTSUPP;
			}
			if (sg_dev_other_upper(dev)) {
				NL_SET_ERR_MSG_ATTR(extack, ifi,
						    "the device's frames go to an upper device (a bond, team, OVS or VLAN device, a macvlan): attach that one");
				return -EBUSY;
			}
		}
		req->key.kind = SG_ATTACH_DEV;
		req->key.id = nla_get_u32(ifi);
		return 0;
	}
	req->key.kind = SG_ATTACH_CGROUP;
	if (cgid) {
		if (need_fd) {
			NL_SET_ERR_MSG_ATTR(extack, cgid, "attach a cgroup by an open fd");
			return -EINVAL;
		}
		req->key.id = nla_get_u64(cgid);
		return 0;
	}
	cgrp = sg_cgroup_get_writable(nla_get_s32(fd), fd, extack);
	if (IS_ERR(cgrp))
		return PTR_ERR(cgrp);
	req->key.id = cgroup_id(cgrp);
	if (need_fd)
		req->cgrp = cgrp;
	else
		cgroup_put(cgrp);
	return 0;
}

static int sg_attach_reply(struct genl_info *info, struct sg_net *sn,
			   const struct sg_attach *att)
{
	struct sk_buff *msg = genlmsg_new(sg_attach_msg_size(att), GFP_KERNEL);

	if (!msg)
		return -ENOMEM;
	return sg_nl_reply(info, msg, sg_fill_attach(msg, sn, att, info->snd_portid,
						     info->snd_seq, 0, info->genlhdr->cmd));
}

int sg_nl_attach_new(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = info->user_ptr[0];
	struct nlattr *tb[SECGROUP_ATTACH_A_MAX + 1];
	struct nlattr *nest = info->attrs[SECGROUP_A_ATTACH];
	struct sg_attach_req *req;
	struct sg_attach *att;
	int err;

	err = sg_nl_parse_nest(info, SECGROUP_A_ATTACH, tb, SECGROUP_ATTACH_A_MAX,
			       sg_attach_policy);
	if (err)
		return err;
	req = kzalloc(sizeof(*req), GFP_KERNEL_ACCOUNT);
	if (!req) {
		NL_SET_ERR_MSG(info->extack, "out of memory reading the request");
		return -ENOMEM;
	}
	err = sg_attach_parse_key(sn, tb, nest, req, true, info->extack);
	if (!err)
		err = sg_attach_parse_conf(sn, NULL, tb, req, info->extack);
	att = err ? ERR_PTR(err) : sg_attach_set(sn, req, info->extack);
	sg_attach_req_release(req);
	kfree(req);
	if (IS_ERR(att))
		return PTR_ERR(att);
	if (sg_nl_flush(info))
		sg_ct_flush(sn);
	sg_notify_attach(sn, SECGROUP_CMD_ATTACH_NEW, att);
	sg_attach_reply(info, sn, att);	/* committed: a lost reply does not fail it */
	return 0;
}

/* The attachment a request names, or an ERR_PTR. */
static struct sg_attach *sg_nl_attach_find(struct sg_net *sn, struct genl_info *info)
{
	struct nlattr *tb[SECGROUP_ATTACH_A_MAX + 1];
	struct nlattr *nest = info->attrs[SECGROUP_A_ATTACH];
	struct sg_attach_req req = {};
	struct sg_attach *att;
	int err;

	err = sg_nl_parse_nest(info, SECGROUP_A_ATTACH, tb, SECGROUP_ATTACH_A_MAX,
			       sg_attach_policy);
	if (!err)
		err = sg_attach_parse_key(sn, tb, nest, &req, false, info->extack);
	if (err)
		return ERR_PTR(err);
	att = sg_attach_find(sn, req.key.kind, req.key.id);
	if (!att) {
		NL_SET_ERR_MSG_ATTR(info->extack, nest, "the instance is not attached");
		return ERR_PTR(-ENOENT);
	}
	return att;
}

int sg_nl_attach_del(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = info->user_ptr[0];
	struct sg_attach *att = sg_nl_attach_find(sn, info);

	if (IS_ERR(att))
		return PTR_ERR(att);
	sg_notify_attach(sn, SECGROUP_CMD_ATTACH_DEL, att);
	sg_attach_remove(sn, att);
	return 0;
}

int sg_nl_attach_get(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = info->user_ptr[0];
	struct sg_attach *att = sg_nl_attach_find(sn, info);

	return IS_ERR(att) ? PTR_ERR(att) : sg_attach_reply(info, sn, att);
}

/* A cgroup's path can be long: dump buffers that fit the largest message. */
int sg_nl_attach_dump_start(struct netlink_callback *cb)
{
	struct sg_net *sn = sg_pernet(sock_net(cb->skb->sk));
	struct sg_attach *att;
	size_t size = 0;

	mutex_lock(&sn->lock);
	list_for_each_entry(att, &sn->attachments, node)
		size = max(size, sg_attach_msg_size(att));
	mutex_unlock(&sn->lock);
	cb->min_dump_alloc = min_t(size_t, size, U16_MAX);
	return 0;
}

int sg_nl_attach_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct sg_net *sn = sg_pernet(sock_net(skb->sk));
	long idx = 0, start = cb->args[0];
	struct sg_attach *att;
	int err;

	mutex_lock(&sn->lock);
	cb->seq = sn->gen;
	list_for_each_entry(att, &sn->attachments, node) {
		if (idx++ < start)
			continue;
		err = sg_dump_one(skb, cb, sg_fill_attach(skb, sn, att,
							  NETLINK_CB(cb->skb).portid,
							  cb->nlh->nlmsg_seq, NLM_F_MULTI,
							  SECGROUP_CMD_ATTACH_GET));
		if (err) {
			idx--;
			if (err != -EMSGSIZE || !skb->len)	/* too big even alone */
				idx = err;
			break;
		}
	}
	mutex_unlock(&sn->lock);
	if (idx < 0)
		return idx;
	cb->args[0] = idx;
	return skb->len;
}

/* ---- messages: attachments, in replies and events ---- */
/* ... and an attachment's: its addresses and a cgroup's path. */
size_t sg_attach_msg_size(const struct sg_attach *att)
{
	return NLMSG_GOODSIZE + nla_total_size(PATH_MAX) +
	       att->conf.naddrs * nla_total_size(sizeof(struct in6_addr));
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
	if (nla_put_u32(skb, SECGROUP_ATTACH_A_FLAGS, att->conf.flags))
		goto cancel;
	list = nla_nest_start(skb, SECGROUP_ATTACH_A_GROUPS);
	if (!list)
		goto cancel;
	for (i = 0; i < att->conf.ngroups; i++)
		if (nla_put_u32(skb, SECGROUP_ATTACH_A_GROUP_ID, att->conf.groups[i]))
			goto cancel;
	nla_nest_end(skb, list);
	list = nla_nest_start(skb, SECGROUP_ATTACH_A_ADDRS);
	if (!list)
		goto cancel;
	for (i = 0; i < att->conf.naddrs; i++)
		if (sg_put_addr(skb, SECGROUP_ADDR_A_IPV4, SECGROUP_ADDR_A_IPV6,
				&att->conf.addrs[i]))
			goto cancel;
	nla_nest_end(skb, list);
	if (!is_zero_ether_addr(att->conf.mac) &&
	    nla_put(skb, SECGROUP_ATTACH_A_MAC, ETH_ALEN, att->conf.mac))
		goto cancel;
	if (att->conf.mac_default && nla_put_flag(skb, SECGROUP_ATTACH_A_MAC_DEFAULT))
		goto cancel;
	if (sg_fill_stats(skb, att))
		goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return err;
}

void sg_notify_attach(struct sg_net *sn, u8 cmd, const struct sg_attach *att)
{
	struct sk_buff *msg = sg_change_new(sn, sg_attach_msg_size(att));

	if (msg)
		sg_event_send(sn, msg, sg_fill_attach(msg, sn, att, 0, 0, 0, cmd));
}
