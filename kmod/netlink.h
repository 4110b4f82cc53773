/* SPDX-License-Identifier: GPL-2.0 */
/* Shared by the generic netlink files: netlink.c and nl_*.c. */
#ifndef _SG_NETLINK_H
#define _SG_NETLINK_H

#include <net/genetlink.h>
#include "sg.h"

extern struct genl_family sg_genl_family;

/*
 * CONFIG_REPLACE's objects refer to groups by name; ids, the flags of
 * GROUP_NEW and reply-only attributes are rejected there.
 */
#define SG_NAME_POLICY { .type = NLA_NUL_STRING, .len = SECGROUP_NAME_MAX }

extern const struct nla_policy sg_group_policy[SECGROUP_GROUP_A_MAX + 1];
extern const struct nla_policy sg_rule_policy[SECGROUP_RULE_A_MAX + 1];
extern const struct nla_policy sg_attach_policy[SECGROUP_ATTACH_A_MAX + 1];
extern const struct nla_policy sg_member_policy[SECGROUP_MEMBER_A_MAX + 1];
extern const struct nla_policy sg_cfg_group_policy[SECGROUP_GROUP_A_MAX + 1];
extern const struct nla_policy sg_cfg_rule_policy[SECGROUP_RULE_A_MAX + 1];
extern const struct nla_policy sg_cfg_attach_policy[SECGROUP_ATTACH_A_MAX + 1];
extern const struct nla_policy sg_cfg_member_policy[SECGROUP_MEMBER_A_MAX + 1];

size_t sg_group_msg_size(struct sg_net *sn, const struct sg_group *g);
size_t sg_attach_msg_size(const struct sg_attach *att);
int sg_fill_group(struct sk_buff *skb, struct sg_net *sn, const struct sg_group *g,
		  u32 portid, u32 seq, int flags, u8 cmd);
int sg_fill_rule(struct sk_buff *skb, const struct sg_rule *r, u32 portid,
		 u32 seq, int flags, u8 cmd);
int sg_fill_attach(struct sk_buff *skb, struct sg_net *sn,
		   const struct sg_attach *att, u32 portid, u32 seq, int flags,
		   u8 cmd);

/* Parse the object nest @type of a request into @tb; -EINVAL if missing. */
int sg_nl_parse_nest(struct genl_info *info, int type, struct nlattr **tb,
		     int max, const struct nla_policy *policy);
/* An address from IPV4/IPV6 attributes @a4/@a6; exactly one must be there. */
int sg_nl_addr(struct nlattr *a4, struct nlattr *a6, struct sg_addr *out,
	       struct nlattr *nest, struct netlink_ext_ack *extack);
/* The group named by ID or NAME in @tb. */
struct sg_group *sg_nl_group(struct sg_net *sn, struct nlattr **tb, int id_attr,
			     int name_attr, struct nlattr *nest,
			     struct netlink_ext_ack *extack);
bool sg_nl_flush(struct genl_info *info);
int sg_nl_reply(struct genl_info *info, struct sk_buff *msg, int err);
int sg_dump_one(struct sk_buff *skb, struct netlink_callback *cb, int err);
int sg_dump_put_gen(struct sk_buff *skb, int start, u32 gen);

/* filling replies and events */
int sg_put_addr(struct sk_buff *skb, int a4, int a6, const struct sg_addr *a);
int sg_nest_end(struct sk_buff *skb, struct nlattr *nest);
/*
 * An event message if anyone listens (NULL if not); for a change, the
 * generation that dumps check is bumped first.
 */
struct sk_buff *sg_event_new(struct sg_net *sn, size_t size);
struct sk_buff *sg_change_new(struct sg_net *sn, size_t size);
/* multicast @msg if filling it (@err) worked, else free it */
void sg_event_send(struct sg_net *sn, struct sk_buff *msg, int err);

/* shared by the handlers and the configuration replace (replace.c) */
struct sg_rule *sg_rule_parse(struct sg_net *sn, struct list_head *names,
			      struct nlattr **tb, struct nlattr *nest,
			      struct netlink_ext_ack *extack);
struct sg_group *sg_group_parse(struct sg_net *sn, struct list_head *groups,
				u32 n, bool replace, struct nlattr **tb,
				struct nlattr *nest, struct netlink_ext_ack *extack);
int sg_tags_build(const struct sg_group *g, struct nlattr *set,
		  struct nlattr *unset, struct sg_tag **out, u32 *nout,
		  struct netlink_ext_ack *extack);
bool sg_name_ok(struct nlattr *a, struct netlink_ext_ack *extack);
bool sg_desc_ok(struct nlattr *a, struct netlink_ext_ack *extack);
int sg_attach_parse_key(struct sg_net *sn, struct nlattr **tb,
			struct nlattr *nest, struct sg_attach_req *req,
			bool need_fd, struct netlink_ext_ack *extack);
int sg_attach_parse_conf(struct sg_net *sn, struct list_head *names,
			 struct nlattr **tb, struct sg_attach_req *req,
			 struct netlink_ext_ack *extack);

int sg_nl_group_new(struct sk_buff *skb, struct genl_info *info);
int sg_nl_group_del(struct sk_buff *skb, struct genl_info *info);
int sg_nl_group_get(struct sk_buff *skb, struct genl_info *info);
int sg_nl_group_dump_start(struct netlink_callback *cb);
int sg_nl_group_dump(struct sk_buff *skb, struct netlink_callback *cb);
int sg_nl_group_set(struct sk_buff *skb, struct genl_info *info);
int sg_nl_member_new(struct sk_buff *skb, struct genl_info *info);
int sg_nl_member_dump_start(struct netlink_callback *cb);
int sg_nl_member_dump(struct sk_buff *skb, struct netlink_callback *cb);
int sg_nl_member_dump_done(struct netlink_callback *cb);
int sg_nl_net_get(struct sk_buff *skb, struct genl_info *info);
int sg_nl_member_del(struct sk_buff *skb, struct genl_info *info);
int sg_nl_rule_new(struct sk_buff *skb, struct genl_info *info);
int sg_nl_rule_del(struct sk_buff *skb, struct genl_info *info);
int sg_nl_rule_set(struct sk_buff *skb, struct genl_info *info);
int sg_nl_rule_dump(struct sk_buff *skb, struct netlink_callback *cb);
int sg_nl_attach_new(struct sk_buff *skb, struct genl_info *info);
int sg_nl_attach_del(struct sk_buff *skb, struct genl_info *info);
int sg_nl_attach_get(struct sk_buff *skb, struct genl_info *info);
int sg_nl_attach_dump_start(struct netlink_callback *cb);
int sg_nl_attach_dump(struct sk_buff *skb, struct netlink_callback *cb);
int sg_nl_config_replace(struct sk_buff *skb, struct genl_info *info);

#endif
