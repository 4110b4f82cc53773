/* SPDX-License-Identifier: GPL-2.0 */
/*
 * secgroup internals shared by the module's files.
 *
 * Writers (netlink, notifiers) hold sg_net.lock; the datapath reads under RCU
 * only: the attachment hash, each attachment's compiled sg_policy and the
 * member map.  Everything the datapath reads is immutable once published.
 */
#ifndef _SG_H
#define _SG_H

#include <linux/types.h>
#include <linux/in6.h>
#include <linux/if_ether.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/rhashtable.h>
#include <linux/workqueue.h>
#include <linux/netlink.h>
#include <linux/netfilter.h>
#include <net/net_namespace.h>
#include <net/ipv6.h>
#include <linux/secgroup.h>

#include "compat.h"
#include "classifier.h"

#define SG_DIRS		2
#define SG_PEER_GROUPS_MAX 64	/* groups one address can be a member of */

extern unsigned int sg_max_rules;		/* per group and direction */
extern unsigned int sg_max_groups_per_attach;
extern unsigned int sg_max_groups;		/* per netns */
extern unsigned int sg_max_members;		/* remote members per group */

/* An address as the store and the member map key it. */
struct sg_addr {
	u8 family;			/* AF_INET or AF_INET6 */
	u8 pad[3];
	union {
		__be32 v4;
		struct in6_addr v6;
	};
};

struct sg_tag {
	char *key;
	char *value;
};

struct sg_rule_stats {
	u64 hits;
	u64 last;			/* unix seconds */
};

struct sg_rule {
	struct list_head node;		/* group->rules[dir] */
	struct rcu_head rcu;
	u32 id;
	u32 group;			/* id of the group holding it */
	u8 dir;
	bool proto_all;
	u8 proto;
	u8 peer_type;			/* enum sgc_peer_type */
	u16 port_min, port_max;
	s16 icmp_type, icmp_code;	/* -1: any */
	u8 prefix;
	struct sg_addr peer;		/* CIDR peers, canonical */
	u32 peer_group;			/* SGC_PEER_GROUP */
	char *desc;
	struct sg_rule_stats __percpu *stats;
	bool stats_shared;		/* replace: @stats belong to another rule */
};

struct sg_group {
	struct list_head node;		/* sg_net.groups, creation order */
	u32 id;
	bool is_default;
	char *name;
	char *desc;
	struct sg_tag *tags;
	u32 ntags;
	struct list_head rules[SG_DIRS];
	u32 nrules[SG_DIRS];
	u32 nmembers;			/* remote members: in the member map */
	bool members_changed;		/* replace: one joined */
	u32 attached;			/* attachments naming it */
};

struct sg_attach_stats {
	u64 new_accepted;
	u64 drop_policy;
	u64 drop_spoof;
	u64 drop_invalid;
};

/* The compiled, immutable view of one attachment the datapath reads. */
struct sg_policy {
	struct rcu_head rcu;
	struct sgc_policy *cls[SG_DIRS];
	struct sg_rule **rules[SG_DIRS];	/* classifier index -> rule */
	u32 flags;				/* SECGROUP_ATTACH_F_* */
	u8 group_peers;				/* BIT(dir): a rule's peer is a group */
	u8 mac[ETH_ALEN];			/* a bridge port's frames'; zero: none */
	u32 naddrs;
	struct sg_addr addrs[];			/* anti-spoofing; none: off */
};

enum sg_attach_kind {
	SG_ATTACH_DEV,
	SG_ATTACH_CGROUP,
	/* where else a packet can come from (struct sg_attach_key as origin) */
	SG_FROM_REMOTE,			/* another host: the remote members' owner */
	SG_FROM_HOST,			/* the host itself, no instance: no member */
};
#define SG_ATTACH_KINDS 2
#define SG_HOOKS_PER_KIND 4		/* IPv4 and IPv6, in and out */
#define SG_ATTACH_SLOTS 256
#define SG_BR_HOOKS 2			/* bridge.c: a port's egress and ingress */

/* An instance; also who makes an address a member, and a packet's origin. */
struct sg_attach_key {
	u64 id;				/* ifindex or cgroup id */
	u8 kind;
	u8 pad[7];
};

extern const struct sg_attach_key sg_from_remote;

/* What an instance is attached with: its groups, addresses and flags. */
struct sg_attach_conf {
	u32 flags;			/* SECGROUP_ATTACH_F_* */
	u32 ngroups;
	u32 groups[SECGROUP_ATTACH_GROUPS_MAX];
	u32 naddrs;
	struct sg_addr *addrs;		/* anti-spoofing; none: off */
	u8 mac[ETH_ALEN];		/* the instance's; zero: not known */
	bool mac_default;		/* @mac was not given: the kernel took it */
};

/* A request to attach an instance: ATTACH_NEW, or one CONFIG_REPLACE plans. */
struct sg_attach_req {
	struct sg_attach_key key;
	struct cgroup *cgrp;		/* a cgroup instance's, until attached */
	struct sg_attach_conf conf;
};

struct sg_attach {
	struct rhash_head hnode;	/* sg_net.attach_ht */
	struct list_head node;		/* sg_net.attachments */
	struct hlist_node cg_node;	/* sg_net.cgroups (RCU), cgroup kind */
	struct rcu_head rcu;
	struct sg_attach_key key;
	struct cgroup *cgrp;		/* held while attached */
	struct sg_attach_conf conf;	/* writer side; the datapath reads @policy */
	struct sg_policy __rcu *policy;
	struct sg_attach_stats __percpu *stats;
	bool bridged;			/* a device that is a bridge port */
	struct nf_hook_ops port_ops;	/* bridge.c: its netdev ingress hook, if so */
};

struct sg_flowlog;

struct sg_net {
	struct net *net;
	struct mutex lock;
	struct list_head groups;
	u32 ngroups;
	struct sg_group *def;
	struct list_head attachments;
	struct hlist_head cgroups;	/* the cgroup attachments, for the datapath */
	u32 nattach[SG_ATTACH_KINDS];	/* by enum sg_attach_kind */
	struct rhashtable attach_ht;
	/*
	 * Attachments counted by sg_attach_slot(): a packet on a device (or
	 * from a cgroup) whose slot is empty is not looked up at all.
	 */
	u32 attach_slots[SG_ATTACH_SLOTS];
	struct rhashtable members;
	u64 member_bytes;		/* the member map's entries and sets */
	bool hooks[SG_ATTACH_KINDS];	/* registered, by kind */
	/* the hooks as registered, each with this as its priv */
	struct nf_hook_ops ops[SG_ATTACH_KINDS][SG_HOOKS_PER_KIND];
	u32 nbridged;			/* device attachments on bridge ports */
	bool br_hooks;			/* the bridge family's, registered */
	struct nf_hook_ops br_ops[SG_BR_HOOKS];
	bool dying;			/* past pre_exit: no hooks any more */
	u32 gen;			/* bumped by every change: dump consistency */
	struct sg_flowlog *flowlog;
	struct delayed_work sweeper;	/* drops removed cgroups' attachments */
};

struct sg_net *sg_pernet(const struct net *net);

/* a remote membership */
struct sg_mref {
	struct sg_addr a;
	u32 group;
};

/* store.c: groups, rules, remote members */
#define SG_DEFAULT_NAME	"default"
#define SG_DEFAULT_DESC	"default security group"
struct sg_group *sg_group_find(struct sg_net *sn, u32 id, const char *name);
struct sg_group *sg_group_find_in(struct list_head *groups, u32 id, const char *name);
struct sg_group *sg_group_create(struct sg_net *sn, struct list_head *also,
				 u32 id, const char *name, const char *desc,
				 bool default_egress, struct netlink_ext_ack *extack);
struct sg_group *sg_default_group_create(struct sg_net *sn, struct list_head *also,
					 u32 id);
u32 sg_group_new_id(struct sg_net *sn, struct list_head *also);
int sg_group_check(struct list_head *groups, u32 n, const char *name,
		   const struct nlattr *at, struct netlink_ext_ack *extack);
int sg_group_del_check(struct sg_net *sn, const struct sg_group *g,
		       const struct nlattr *at, struct netlink_ext_ack *extack);
int sg_group_remote_list(struct sg_net *sn, struct sg_group *g, struct sg_mref **out);
void sg_group_remove(struct sg_net *sn, struct sg_group *g, struct sg_mref *list, int n);
void sg_group_free(struct sg_group *g);
void sg_tags_free(struct sg_tag *tags, u32 n);
/* a rule never published: at once; a published one: after a grace period */
void sg_rule_free(struct sg_rule *r);
void sg_rule_free_rcu(struct sg_rule *r);
struct sg_rule *sg_rule_all_to(struct sg_net *sn, struct list_head *also,
			       u8 dir, u8 family, u32 peer_group);
int sg_group_rule_check(struct sg_group *g, const struct sg_rule *r,
			const struct nlattr *at, struct netlink_ext_ack *extack);
void sg_group_add_rule(struct sg_group *g, struct sg_rule *r);
int sg_remote_add(struct sg_net *sn, struct sg_group *g, const struct sg_addr *a,
		  const struct nlattr *at, struct netlink_ext_ack *extack);
int sg_remote_del(struct sg_net *sn, struct sg_group *g, const struct sg_addr *a,
		  const struct nlattr *at, struct netlink_ext_ack *extack);
u64 sg_remote_total(struct sg_net *sn);
void sg_group_del_rule(struct sg_group *g, struct sg_rule *r);
struct sg_rule *sg_rule_find_id(struct sg_group *g, u32 id);
struct sg_rule *sg_rule_find_same(struct sg_group *g, const struct sg_rule *r);
u32 sg_rule_new_id(struct sg_net *sn, struct list_head *also);
struct sg_rule *sg_rule_alloc(void);
int sg_store_init(struct sg_net *sn);
void sg_store_exit(struct sg_net *sn);

/* members.c: address -> groups, the remote members' only record */
int sg_members_init(struct sg_net *sn);
void sg_members_exit(struct sg_net *sn);
int sg_member_get(struct sg_net *sn, const struct sg_addr *a, u32 group,
		  const struct sg_attach_key *who, struct netlink_ext_ack *extack);
void sg_member_put(struct sg_net *sn, const struct sg_addr *a, u32 group,
		   const struct sg_attach_key *who);
u32 sg_member_groups(struct sg_net *sn, const struct sg_addr *a,
		     const struct sg_attach_key *origin, u32 *out, u32 max);
bool sg_member_is_remote(struct sg_net *sn, const struct sg_addr *a, u32 group);
int sg_member_put_remote(struct sg_net *sn, const struct sg_addr *a, u32 group);
int sg_members_collect(struct sg_net *sn, u32 group,
		       bool (*keep)(const struct sg_mref *r, void *arg), void *arg,
		       struct sg_mref *out, u32 max);
void sg_members_drop(struct sg_net *sn, const struct sg_mref *refs, u32 n);
u64 sg_members_bytes(struct sg_net *sn);
u32 sg_members_addrs(struct sg_net *sn);
struct sg_member_iter;
struct sg_member_iter *sg_member_iter_new(struct sg_net *sn);
void sg_member_iter_free(struct sg_member_iter *mi);
int sg_member_iter_next(struct sg_member_iter *mi, u32 group, bool *restarted,
			int (*fn)(const struct sg_addr *a, u32 group, void *arg), void *arg);

/* policy.c: compile an attachment's rules */
struct sg_policy *sg_policy_build(struct sg_net *sn, const struct sg_attach_conf *c);
void sg_policy_free(struct sg_policy *p);
void sg_policy_free_rcu(struct sg_policy *p);
static inline bool sg_policy_group_peers(const struct sg_policy *pol, u8 dir)
{
	return pol->group_peers & BIT(dir);
}

int sg_policy_match(struct sg_net *sn, const struct sg_policy *pol, u8 dir,
		    const struct sg_addr *peer, const struct sg_attach_key *origin,
		    u8 proto, u16 l4);
int sg_rebuild_group(struct sg_net *sn, u32 group);

/* attach.c */
int sg_attach_init(struct sg_net *sn);
void sg_attach_exit(struct sg_net *sn);
struct sg_attach *sg_attach_lookup_rcu(struct sg_net *sn, u8 kind, u64 id);
struct sg_attach *sg_attach_find(struct sg_net *sn, u8 kind, u64 id);
void sg_attach_req_release(struct sg_attach_req *req);
struct sg_attach *sg_attach_set(struct sg_net *sn, struct sg_attach_req *req,
				struct netlink_ext_ack *extack);
void sg_attach_remove(struct sg_net *sn, struct sg_attach *att);
void sg_attach_unlink(struct sg_net *sn, struct sg_attach *att);
struct sg_attach *sg_attach_create(struct sg_net *sn, struct sg_attach_req *req,
				   struct sg_policy *pol, struct netlink_ext_ack *extack);
int sg_attach_get_members(struct sg_net *sn, const struct sg_attach_key *who,
			  const struct sg_attach_conf *c, struct netlink_ext_ack *extack);
void sg_attach_put_members(struct sg_net *sn, const struct sg_attach_key *who,
			   const struct sg_attach_conf *c);
void sg_attach_count_groups(struct sg_net *sn, const struct sg_attach_conf *c,
			    int delta);
void sg_attach_sweep(struct sg_net *sn);
void sg_attach_stop_sweeper(struct sg_net *sn);
bool sg_attach_uses(const struct sg_attach_conf *c, u32 group);
int sg_attach_notifier_init(void);
void sg_attach_notifier_exit(void);
void sg_attach_stats_sum(const struct sg_attach *att, struct sg_attach_stats *out);

/* What the classifier and the anti-spoofing check need from a packet. */
struct sg_pkt {
	struct sg_addr src, dst;
	u8 proto;
	u16 sport, dport;
	u8 icmp_type, icmp_code;
	u8 tcp_flags;
	u8 tcp_hdrlen;
	u8 hop_limit;		/* IPv6 */
	unsigned int thoff;	/* the transport header */
};

/* packet.c */
bool sg_parse(const struct sk_buff *skb, u8 pf, struct sg_pkt *p);
bool sg_link_control(struct net *net, const struct sg_pkt *p, u8 dir, bool to_port);
bool sg_link_source(const struct sg_addr *src);
bool sg_tcp_not_syn(const struct sg_pkt *p);

/* origin.c: the sockets and instances behind a packet */
struct sg_attach *sg_attach_of_sock(struct sg_net *sn, struct sock *sk);
void sg_origin(struct sg_net *sn, struct net *net, const struct sk_buff *skb,
	       const struct net_device *in, const struct sg_pkt *p,
	       struct sg_attach_key *o);
void sg_local_origin(struct sg_net *sn, struct net *net, const struct sg_pkt *p,
		     struct sg_attach_key *o);
struct sg_attach *sg_receiver(struct sg_net *sn, struct net *net, struct sk_buff *skb,
			      const struct sg_pkt *p, const struct net_device *in,
			      bool *known);
int sg_raw_receivers(struct sg_net *sn, struct net *net, const struct sk_buff *skb,
		     const struct sg_pkt *p,
		     int (*fn)(struct sg_attach *att, void *arg), void *arg);
int sg_attach_each_cgroup_rcu(struct sg_net *sn,
			      int (*fn)(struct sg_attach *att, void *arg), void *arg);

/* hooks.c */
int sg_hooks_update(struct sg_net *sn);
void sg_hooks_exit(struct sg_net *sn);
bool sg_src_allowed(const struct sg_policy *pol, const struct sg_addr *src);
unsigned int sg_filter_bridged(struct sg_net *sn, const struct sg_attach *att,
			       struct sk_buff *skb, const struct nf_hook_state *state,
			       u8 pf, u8 dir);

/* bridge.c: device attachments on bridge ports */
int sg_bridge_hooks_update(struct sg_net *sn);
void sg_bridge_hooks_off(struct sg_net *sn);
int sg_bridge_track(struct sg_net *sn, struct sg_attach *att, struct net_device *dev,
		    bool bridged);
int sg_bridge_event(struct net_device *dev, unsigned long event, void *ptr);
bool sg_dev_peer_mac(struct net_device *dev, u8 *mac);
bool sg_dev_other_upper(struct net_device *dev);
int sg_bridge_mac_ok(struct sg_net *sn, const struct net_device *dev,
		     const struct net_device *br, const u8 *mac, bool others,
		     struct netlink_ext_ack *extack);

/* conntrack.c: flush connections the current policies no longer allow */
void sg_ct_flush(struct sg_net *sn);

/* flowlog.c */
int sg_flowlog_init(struct sg_net *sn);
void sg_flowlog_exit(struct sg_net *sn);
struct sg_flow;
bool sg_flowlog_record(struct sg_net *sn, const struct sg_flow *f);

/* netlink.c */
int sg_genl_init(void);
void sg_genl_exit(void);
void sg_notify_group(struct sg_net *sn, u8 cmd, const struct sg_group *g);
void sg_notify_rule(struct sg_net *sn, u8 cmd, const struct sg_rule *r);
void sg_notify_attach(struct sg_net *sn, u8 cmd, const struct sg_attach *att);
void sg_notify_member(struct sg_net *sn, u8 cmd, u32 group, const struct sg_addr *a);
void sg_notify_flow(struct sg_net *sn, const struct sg_flow *f);
void sg_changed(struct sg_net *sn);

/* A new connection as the datapath saw it (flow logs). */
struct sg_flow {
	u8 verdict;
	u8 dir;
	u8 kind;
	u8 proto;
	u8 family;
	u8 icmp_type, icmp_code;
	u16 sport, dport;
	u64 id;				/* ifindex or cgroup id */
	struct sg_addr src, dst;
	u32 group, rule;
	u32 len;			/* the packet's bytes */
	u32 ct_id;			/* conntrack's id; 0: no end to wait for */
	u32 suppressed;			/* records lost to the rate limit before */
};

static inline bool sg_addr_eq(const struct sg_addr *a, const struct sg_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->v4 == b->v4;
	return ipv6_addr_equal(&a->v6, &b->v6);
}

/*
 * An sg_addr is a hash key, all 20 bytes of it: the union starts as a zero
 * in6_addr (a partial initializer need not zero a union past its first
 * member), so a v4 address is followed by zeros.
 */
static inline struct sg_addr sg_addr_v4(__be32 a)
{
	struct sg_addr x = { .family = AF_INET, .v6 = {} };

	x.v4 = a;
	return x;
}

static inline struct sg_addr sg_addr_v6(const struct in6_addr *a)
{
	struct sg_addr x = { .family = AF_INET6 };

	x.v6 = *a;
	return x;
}

/* The classifier's host-order view of an address. */
static inline struct sgc_addr sg_addr_to_sgc(const struct sg_addr *a)
{
	struct sgc_addr c = { 0, 0 };

	if (a->family == AF_INET) {
		c.lo = ntohl(a->v4);
	} else {
		c.hi = (u64)ntohl(a->v6.s6_addr32[0]) << 32 | ntohl(a->v6.s6_addr32[1]);
		c.lo = (u64)ntohl(a->v6.s6_addr32[2]) << 32 | ntohl(a->v6.s6_addr32[3]);
	}
	return c;
}

/* ... and back. */
static inline struct sg_addr sg_addr_from_sgc(struct sgc_addr c, u8 family)
{
	struct sg_addr a = { .family = family, .v6 = {} };

	if (family == AF_INET) {
		a.v4 = htonl((u32)c.lo);
	} else {
		a.v6.s6_addr32[0] = htonl(c.hi >> 32);
		a.v6.s6_addr32[1] = htonl((u32)c.hi);
		a.v6.s6_addr32[2] = htonl(c.lo >> 32);
		a.v6.s6_addr32[3] = htonl((u32)c.lo);
	}
	return a;
}

#endif
