// SPDX-License-Identifier: GPL-2.0
/*
 * SECGROUP_CMD_CONFIG_REPLACE: the whole configuration of a netns in one
 * request (`sgnl apply`), all or nothing.
 *
 * Prepare, invisible to the datapath: the new groups are built off to the
 * side, keeping the ids of groups whose name exists and the ids and
 * counters of rules equal to existing ones; the attachments they will have
 * are planned.  The new groups are then swapped into sg_net.groups so that
 * every planned attachment's policy compiles against them, and the member
 * map entries of the new state are taken.  Any error undoes all of it and
 * swaps the old groups back.
 *
 * Commit, which cannot fail: new attachments are published (the last step
 * that can fail, undone like the others), existing ones get their new
 * policy, dropped ones are unlinked, the old state's member entries are
 * released, one event goes out per object that changed, and the old groups
 * are freed after a grace period.
 *
 * Outside a replace no linked rule has stats_shared set; inside, an old
 * rule with it set has lent its counters to the new rule that keeps its id.
 */
#include <linux/etherdevice.h>
#include <linux/slab.h>
#include <linux/cgroup.h>
#include <linux/string.h>
#include <linux/log2.h>
#include <linux/sort.h>
#include <linux/bsearch.h>

#include "netlink.h"

struct sg_plan {
	struct sg_attach_req req;	/* the instance as it will be */
	struct sg_attach *att;		/* its attachment, existing or published */
	bool created;			/* published by this replace */
	struct sg_policy *pol;		/* compiled against the new groups */
};

/*
 * Every rule id in use, old and new, for unique new ids without a walk of
 * every rule per id: open addressing over a power-of-two table, 0 empty.
 */
struct sg_idset {
	u32 mask;
	u32 *ids;
};

/* A remote member of the request: @gid is its new group's id. */
struct sg_stage {
	struct sg_addr a;
	u32 gid;
	u32 added;			/* its member map entry taken here */
	const struct nlattr *at;
};

struct sg_replace {
	struct sg_net *sn;
	struct genl_info *info;
	struct sg_idset rule_ids;
	struct netlink_ext_ack *extack;
	struct sg_group *last;		/* the group the last rule or member named */
	struct sg_group *old_of, *old;	/* a new group and the one it replaces */
	struct list_head groups;	/* the new groups; after the swap, the old */
	struct sg_group *def;
	u32 ngroups;
	struct sg_plan *plan;
	u32 nplan;
	struct sg_stage *stage;		/* the request's remote members, sorted */
	u32 nstage;
	struct sg_mref *drop;		/* the old ones the new state drops */
	int ndrop;
	bool members_got;		/* the new ones' entries are taken */
	u32 plans_got;			/* plans whose member entries are taken */
};

/* ---- building the new groups ---- */

static bool sg_idset_add(struct sg_idset *set, u32 id)
{
	u32 i;

	for (i = id & set->mask; set->ids[i]; i = (i + 1) & set->mask)
		if (set->ids[i] == id)
			return false;
	set->ids[i] = id;
	return true;
}

/* The request's top-level attributes: its objects. */
#define sg_cfg_for_each(a, rp, rem) \
	nlmsg_for_each_attr(a, (rp)->info->nlhdr, GENL_HDRLEN, rem)

/* Room for the rules of the netns and of the request, at most half full. */
static int sg_idset_init(struct sg_replace *rp)
{
	struct sg_group *g;
	struct sg_rule *r;
	struct nlattr *a;
	u32 n = 3;	/* the rules of a default group the request omits */
	int rem, d;

	list_for_each_entry(g, &rp->sn->groups, node)
		n += g->nrules[SECGROUP_INGRESS] + g->nrules[SECGROUP_EGRESS];
	sg_cfg_for_each(a, rp, rem)
		n += nla_type(a) == SECGROUP_A_RULE;
	rp->rule_ids.mask = roundup_pow_of_two(2 * n) - 1;
	rp->rule_ids.ids = kvcalloc(rp->rule_ids.mask + 1, sizeof(u32), GFP_KERNEL_ACCOUNT);
	if (!rp->rule_ids.ids)
		return -ENOMEM;
	n = 0;
	sg_cfg_for_each(a, rp, rem)
		n += nla_type(a) == SECGROUP_A_MEMBER;
	if (n) {
		rp->stage = kvmalloc_array(n, sizeof(*rp->stage), GFP_KERNEL_ACCOUNT);
		if (!rp->stage)
			return -ENOMEM;
	}
	list_for_each_entry(g, &rp->sn->groups, node)
		for (d = 0; d < SG_DIRS; d++)
			list_for_each_entry(r, &g->rules[d], node)
				sg_idset_add(&rp->rule_ids, r->id);
	return 0;
}

static u32 sg_idset_new(struct sg_idset *set)
{
	u32 id;

	do {
		id = get_random_u32();
	} while (!id || !sg_idset_add(set, id));
	return id;
}

/* Give @r, a rule of the new group @g, the id and counters of the equal
 * rule of the group of the same name, if there is one; else a new id.
 */
static void sg_cfg_keep_rule(struct sg_replace *rp, struct sg_group *g,
			     struct sg_rule *r)
{
	struct sg_group *old;
	struct sg_rule *o;

	if (rp->old_of != g) {	/* rules come group by group */
		rp->old_of = g;
		rp->old = sg_group_find(rp->sn, 0, g->name);
	}
	old = rp->old;
	o = old ? sg_rule_find_same(old, r) : NULL;

	if (o && !o->stats_shared) {
		r->id = o->id;
		free_percpu(r->stats);
		r->stats = o->stats;
		r->stats_shared = true;
		o->stats_shared = true;
	} else if (!r->id) {
		r->id = sg_idset_new(&rp->rule_ids);
	} else {
		sg_idset_add(&rp->rule_ids, r->id);	/* the new default's */
	}
}

static int sg_cfg_group_new(struct sg_replace *rp, struct nlattr *a)
{
	struct nlattr *tb[SECGROUP_GROUP_A_MAX + 1];
	struct sg_group *g;
	int err;

	err = nla_parse_nested(tb, SECGROUP_GROUP_A_MAX, a, sg_cfg_group_policy, rp->extack);
	if (err)
		return err;
	g = sg_group_parse(rp->sn, &rp->groups, rp->ngroups, true, tb, a, rp->extack);
	if (IS_ERR(g))
		return PTR_ERR(g);
	list_add_tail(&g->node, &rp->groups);
	rp->ngroups++;
	return 0;
}

/*
 * A RULE or MEMBER object of the request: its attributes in @tb and its
 * group, among the new ones, named by @name_attr.
 */
static struct sg_group *sg_cfg_parse_of(struct sg_replace *rp, struct nlattr *a,
					struct nlattr **tb, int max,
					const struct nla_policy *policy, int name_attr)
{
	const char *name;
	int err;

	err = nla_parse_nested(tb, max, a, policy, rp->extack);
	if (err)
		return ERR_PTR(err);
	if (NL_REQ_ATTR_CHECK(rp->extack, a, tb, name_attr)) {
		NL_SET_ERR_MSG(rp->extack, "the name of its group is required");
		return ERR_PTR(-EINVAL);
	}
	name = nla_data(tb[name_attr]);
	if (!rp->last || strcmp(rp->last->name, name))	/* objects come by group */
		rp->last = sg_group_find_in(&rp->groups, 0, name);
	if (!rp->last) {
		NL_SET_ERR_MSG_ATTR(rp->extack, tb[name_attr], "no such group in the configuration");
		return ERR_PTR(-ENOENT);
	}
	return rp->last;
}

static int sg_cfg_rule_add(struct sg_replace *rp, struct nlattr *a)
{
	struct nlattr *tb[SECGROUP_RULE_A_MAX + 1];
	struct sg_group *g;
	struct sg_rule *r;
	int err;

	g = sg_cfg_parse_of(rp, a, tb, SECGROUP_RULE_A_MAX, sg_cfg_rule_policy,
			    SECGROUP_RULE_A_GROUP_NAME);
	if (IS_ERR(g))
		return PTR_ERR(g);
	r = sg_rule_parse(rp->sn, &rp->groups, tb, a, rp->extack);
	if (IS_ERR(r))
		return PTR_ERR(r);
	err = sg_group_rule_check(g, r, a, rp->extack);
	if (err) {
		sg_rule_free(r);
		return err;
	}
	sg_cfg_keep_rule(rp, g, r);
	sg_group_add_rule(g, r);
	return 0;
}

static int sg_cfg_member_add(struct sg_replace *rp, struct nlattr *a)
{
	struct nlattr *tb[SECGROUP_MEMBER_A_MAX + 1];
	struct sg_group *g;
	struct sg_addr x;
	int err;

	g = sg_cfg_parse_of(rp, a, tb, SECGROUP_MEMBER_A_MAX, sg_cfg_member_policy,
			    SECGROUP_MEMBER_A_GROUP_NAME);
	if (IS_ERR(g))
		return PTR_ERR(g);
	err = sg_nl_addr(tb[SECGROUP_MEMBER_A_IPV4], tb[SECGROUP_MEMBER_A_IPV6], &x, a,
			 rp->extack);
	if (err)
		return err;
	if (g->nmembers >= sg_max_members) {
		NL_SET_ERR_MSG_ATTR(rp->extack, a,
				    "member quota of the group reached (module parameter max_members)");
		return -ENOSPC;
	}
	g->nmembers++;
	rp->stage[rp->nstage++] = (struct sg_stage){ .a = x, .gid = g->id, .at = a };
	return 0;
}

/* Addresses in sgnl's order: the family, then the address as a number */
static int sg_addr_order(const struct sg_addr *a, const struct sg_addr *b)
{
	struct sgc_addr x = sg_addr_to_sgc(a), y = sg_addr_to_sgc(b);

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	if (x.hi != y.hi)
		return x.hi < y.hi ? -1 : 1;
	return x.lo < y.lo ? -1 : x.lo > y.lo;
}

static int sg_stage_cmp(const void *x, const void *y)
{
	const struct sg_stage *a = x, *b = y;

	if (a->gid != b->gid)
		return a->gid < b->gid ? -1 : 1;
	return sg_addr_order(&a->a, &b->a);
}

/* ... and equal ones in the request's order, the later one refused */
static int sg_stage_order(const void *x, const void *y)
{
	const struct sg_stage *a = x, *b = y;

	return sg_stage_cmp(a, b) ?: (a->at < b->at ? -1 : a->at > b->at);
}

/* Whether the request's remote members are in order and each once. */
static bool sg_stage_sorted(const struct sg_replace *rp)
{
	u32 i;

	for (i = 1; i < rp->nstage; i++)
		if (sg_stage_cmp(&rp->stage[i - 1], &rp->stage[i]) >= 0)
			return false;
	return true;
}

/*
 * The request's remote members in order, each once: O(n) when they come
 * so, else O(n log n).  sgnl sends each group's members in order, so a
 * request whose members are in one group (or in groups whose ids rise in
 * the request's order) is not sorted again.
 */
static int sg_cfg_members_sort(struct sg_replace *rp)
{
	u32 i;

	if (sg_stage_sorted(rp))
		return 0;
	sort(rp->stage, rp->nstage, sizeof(*rp->stage), sg_stage_order, NULL);
	for (i = 1; i < rp->nstage; i++) {
		if (!sg_stage_cmp(&rp->stage[i - 1], &rp->stage[i])) {
			NL_SET_ERR_MSG_ATTR(rp->extack, rp->stage[i].at,
					    "address is already a member");
			return -EEXIST;
		}
	}
	return 0;
}

/* Whether the new state has the remote membership @r. */
static bool sg_cfg_keeps(const struct sg_mref *r, void *arg)
{
	struct sg_replace *rp = arg;
	struct sg_stage key = { .a = r->a, .gid = r->group };

	return bsearch(&key, rp->stage, rp->nstage, sizeof(*rp->stage), sg_stage_cmp);
}

/* A configuration without "default" resets it to how a netns starts. */
static int sg_cfg_default(struct sg_replace *rp)
{
	struct sg_group *g;
	struct sg_rule *r;
	int d;

	rp->def = sg_group_find_in(&rp->groups, 0, SG_DEFAULT_NAME);
	if (rp->def)
		return 0;
	if (rp->ngroups >= sg_max_groups) {
		NL_SET_ERR_MSG(rp->extack,
			       "group quota of the netns reached with the default group (module parameter max_groups)");
		return -ENOSPC;
	}
	g = sg_default_group_create(rp->sn, &rp->groups, rp->sn->def->id);
	if (IS_ERR(g))
		return PTR_ERR(g);
	list_add(&g->node, &rp->groups);
	rp->ngroups++;
	for (d = 0; d < SG_DIRS; d++)
		list_for_each_entry(r, &g->rules[d], node)
			sg_cfg_keep_rule(rp, g, r);
	rp->def = g;
	return 0;
}

/* Every group first, then their rules and members: rules name groups. */
static int sg_cfg_groups(struct sg_replace *rp)
{
	struct nlattr *a;
	int rem, err;

	sg_cfg_for_each(a, rp, rem) {
		if (nla_type(a) != SECGROUP_A_GROUP)
			continue;
		err = sg_cfg_group_new(rp, a);
		if (err)
			return err;
	}
	err = sg_cfg_default(rp);
	if (err)
		return err;
	sg_cfg_for_each(a, rp, rem) {
		if (nla_type(a) == SECGROUP_A_RULE)
			err = sg_cfg_rule_add(rp, a);
		else if (nla_type(a) == SECGROUP_A_MEMBER)
			err = sg_cfg_member_add(rp, a);
		if (err)
			return err;
	}
	return sg_cfg_members_sort(rp);
}

/* ---- planning the attachments ---- */

static struct sg_plan *sg_cfg_plan_find(struct sg_replace *rp,
					const struct sg_attach_key *key)
{
	u32 i;

	for (i = 0; i < rp->nplan; i++)
		if (rp->plan[i].req.key.kind == key->kind && rp->plan[i].req.key.id == key->id)
			return &rp->plan[i];
	return NULL;
}

static int sg_cfg_attach(struct sg_replace *rp, struct nlattr *a)
{
	struct nlattr *tb[SECGROUP_ATTACH_A_MAX + 1];
	struct sg_plan *p = &rp->plan[rp->nplan];
	int err;

	err = nla_parse_nested(tb, SECGROUP_ATTACH_A_MAX, a, sg_cfg_attach_policy, rp->extack);
	if (err)
		return err;
	err = sg_attach_parse_key(rp->sn, tb, a, &p->req, true, rp->extack);
	if (err)
		return err;
	rp->nplan++;	/* from here on, sg_cfg_free() releases the cgroup */
	if (sg_cfg_plan_find(rp, &p->req.key) != p) {
		NL_SET_ERR_MSG_ATTR(rp->extack, a, "instance listed twice");
		return -EINVAL;
	}
	p->att = sg_attach_find(rp->sn, p->req.key.kind, p->req.key.id);
	return sg_attach_parse_conf(rp->sn, &rp->groups, tb, &p->req, rp->extack);
}

/* Without a list of attachments, each keeps its groups: they must stay. */
static int sg_cfg_keep_attach(struct sg_replace *rp, struct sg_attach *att)
{
	struct sg_plan *p = &rp->plan[rp->nplan++];
	u32 i;

	for (i = 0; i < att->conf.ngroups; i++) {
		if (!sg_group_find_in(&rp->groups, att->conf.groups[i], NULL)) {
			NL_SET_ERR_MSG(rp->extack,
				       "a group left out is attached to an instance not in the configuration (DependencyViolation)");
			return -EBUSY;
		}
	}
	p->att = att;
	p->req.key = att->key;
	p->req.conf = att->conf;
	p->req.conf.addrs = NULL;	/* the plan's own copy, or none */
	if (att->conf.naddrs) {
		p->req.conf.addrs = kmemdup(att->conf.addrs,
					    att->conf.naddrs * sizeof(*att->conf.addrs),
					    GFP_KERNEL_ACCOUNT);
		if (!p->req.conf.addrs) {
			NL_SET_ERR_MSG(rp->extack, "out of memory planning the attachments");
			return -ENOMEM;
		}
	}
	return 0;
}

/* A bridged instance's MAC address and its bridge, for sg_cfg_macs(). */
struct sg_mac_use {
	u8 mac[ETH_ALEN];
	int br;
};

static int sg_mac_use_cmp(const void *x, const void *y)
{
	const struct sg_mac_use *a = x, *b = y;
	int c = memcmp(a->mac, b->mac, ETH_ALEN);

	if (c)
		return c;
	return a->br < b->br ? -1 : a->br > b->br;
}

/*
 * No two instances of the request on one bridge have one MAC address:
 * each was checked against its bridge (sg_attach_parse_mac()), not
 * against the others, which are all of the attachments to be.  Sorted,
 * two such are next to each other.
 */
static int sg_cfg_macs(struct sg_replace *rp)
{
	struct sg_mac_use *use;
	struct net_device *dev, *br;
	u32 i, n = 0;
	int err = 0;

	ASSERT_RTNL();
	use = kvmalloc_array(rp->nplan ?: 1, sizeof(*use), GFP_KERNEL_ACCOUNT);
	if (!use) {
		NL_SET_ERR_MSG(rp->extack, "out of memory planning the attachments");
		return -ENOMEM;
	}
	for (i = 0; i < rp->nplan; i++) {
		if (rp->plan[i].req.key.kind != SG_ATTACH_DEV)
			continue;
		dev = __dev_get_by_index(rp->sn->net, rp->plan[i].req.key.id);
		br = dev && netif_is_bridge_port(dev) ? netdev_master_upper_dev_get(dev) : NULL;
		if (!br)
			continue;
		ether_addr_copy(use[n].mac, rp->plan[i].req.conf.mac);
		use[n++].br = br->ifindex;
	}
	sort(use, n, sizeof(*use), sg_mac_use_cmp, NULL);
	for (i = 1; i < n && !err; i++) {
		if (!sg_mac_use_cmp(&use[i - 1], &use[i])) {
			NL_SET_ERR_MSG(rp->extack,
				       "two attached ports of one bridge have one MAC address");
			err = -EADDRINUSE;
		}
	}
	kvfree(use);
	return err;
}

/*
 * With SECGROUP_F_ATTACHMENTS (@listed) the request's attachments are all of
 * them; without, every attachment stays as it is.
 */
static int sg_cfg_attachments(struct sg_replace *rp, bool listed)
{
	struct sg_attach *att;
	struct nlattr *a;
	u32 n = 0;
	int rem, err;

	sg_cfg_for_each(a, rp, rem)
		n += nla_type(a) == SECGROUP_A_ATTACH;
	if (n && !listed) {
		NL_SET_ERR_MSG(rp->extack, "attachments need SECGROUP_F_ATTACHMENTS: they are all of them");
		return -EINVAL;
	}
	if (!listed)
		n = rp->sn->nattach[SG_ATTACH_DEV] + rp->sn->nattach[SG_ATTACH_CGROUP];
	rp->plan = kvcalloc(n + 1, sizeof(*rp->plan), GFP_KERNEL_ACCOUNT);
	if (!rp->plan)
		return -ENOMEM;
	if (listed) {
		sg_cfg_for_each(a, rp, rem) {
			if (nla_type(a) != SECGROUP_A_ATTACH)
				continue;
			err = sg_cfg_attach(rp, a);
			if (err)
				return err;
		}
		return sg_cfg_macs(rp);
	}
	list_for_each_entry(att, &rp->sn->attachments, node) {
		err = sg_cfg_keep_attach(rp, att);
		if (err)
			return err;
	}
	return 0;
}

/* ---- prepare: swap, compile, take member entries ---- */

static void sg_cfg_swap(struct sg_replace *rp)
{
	struct sg_net *sn = rp->sn;
	LIST_HEAD(tmp);

	list_splice_init(&sn->groups, &tmp);
	list_splice_init(&rp->groups, &sn->groups);
	list_splice_init(&tmp, &rp->groups);
	swap(sn->def, rp->def);
	swap(sn->ngroups, rp->ngroups);
}

static int sg_cfg_compile(struct sg_replace *rp)
{
	struct sg_plan *p;
	u32 i;

	for (i = 0; i < rp->nplan; i++) {
		p = &rp->plan[i];
		p->pol = sg_policy_build(rp->sn, &p->req.conf);
		if (IS_ERR(p->pol)) {
			p->pol = NULL;
			NL_SET_ERR_MSG(rp->extack, "out of memory compiling the policies");
			return -ENOMEM;
		}
	}
	return 0;
}

/* The entries the new remote members took, given back. */
static void sg_cfg_stage_put(struct sg_replace *rp)
{
	u32 i;

	for (i = 0; i < rp->nstage; i++) {
		if (!rp->stage[i].added)
			continue;
		sg_member_put(rp->sn, &rp->stage[i].a, rp->stage[i].gid, &sg_from_remote);
		rp->stage[i].added = 0;
	}
}

static void sg_cfg_members_put(struct sg_replace *rp)
{
	struct sg_plan *p;

	while (rp->plans_got) {
		p = &rp->plan[--rp->plans_got];
		sg_attach_put_members(rp->sn, &p->req.key, &p->req.conf);
	}
	if (rp->members_got)
		sg_cfg_stage_put(rp);
	rp->members_got = false;
}

/*
 * The old remote members the new state drops, listed now (the commit
 * cannot fail): every remote membership of the member map that the
 * request does not have.  The old groups are on rp->groups.
 */
static int sg_cfg_members_drop(struct sg_replace *rp)
{
	struct sg_group *o;
	u64 n = 0;

	list_for_each_entry(o, &rp->groups, node)
		n += o->nmembers;
	if (!n)
		return 0;
	if (n > U32_MAX)
		return -ENOMEM;
	rp->drop = kvmalloc_array(n, sizeof(*rp->drop), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!rp->drop)
		return -ENOMEM;
	rp->ndrop = sg_members_collect(rp->sn, 0, sg_cfg_keeps, rp, rp->drop, n);
	if (WARN_ON_ONCE(rp->ndrop < 0))	/* more than the groups count */
		return rp->ndrop;
	return 0;
}

/*
 * Member map entries for the new remote members the old state lacks, and
 * for the instances.  A group some joined has changed (its event).
 */
static int sg_cfg_members_get(struct sg_replace *rp)
{
	struct sg_group *g = NULL;
	struct sg_stage *st;
	int err;
	u32 i;

	err = sg_cfg_members_drop(rp);
	if (err) {
		NL_SET_ERR_MSG(rp->extack, "out of memory listing the remote members");
		return err;
	}
	rp->members_got = true;
	for (i = 0; i < rp->nstage; i++) {
		st = &rp->stage[i];
		err = sg_member_get(rp->sn, &st->a, st->gid, &sg_from_remote, rp->extack);
		if (err == -EEXIST)
			continue;	/* the old state has it: kept */
		if (err)
			goto undo;
		st->added = 1;
		if (!g || g->id != st->gid)	/* sorted: group by group */
			g = sg_group_find(rp->sn, st->gid, NULL);
		if (g)
			g->members_changed = true;
	}
	for (; rp->plans_got < rp->nplan; rp->plans_got++) {
		err = sg_attach_get_members(rp->sn, &rp->plan[rp->plans_got].req.key,
					    &rp->plan[rp->plans_got].req.conf, rp->extack);
		if (err)
			goto undo;
	}
	return 0;
undo:
	sg_cfg_members_put(rp);
	return err;
}

/* Publish the new attachments: the last step that can fail. */
static int sg_cfg_publish(struct sg_replace *rp)
{
	struct sg_attach *att;
	struct sg_plan *p;
	u32 i;
	int err;

	for (i = 0; i < rp->nplan; i++) {
		p = &rp->plan[i];
		if (p->att)
			continue;
		att = sg_attach_create(rp->sn, &p->req, p->pol, rp->extack);
		if (IS_ERR(att)) {
			err = PTR_ERR(att);
			goto undo;
		}
		p->att = att;
		p->created = true;
		p->pol = NULL;
	}
	return 0;
undo:
	while (i--) {
		p = &rp->plan[i];
		if (!p->created)
			continue;
		sg_attach_unlink(rp->sn, p->att);
		p->att = NULL;
		p->created = false;
	}
	sg_hooks_update(rp->sn);	/* unregistering cannot fail */
	return err;
}

/* ---- commit ---- */

static bool sg_attach_changed(const struct sg_attach_conf *a,
			       const struct sg_attach_conf *b)
{
	u32 i;

	if (a->ngroups != b->ngroups || a->naddrs != b->naddrs ||
	    a->flags != b->flags || !ether_addr_equal(a->mac, b->mac) ||
	    a->mac_default != b->mac_default ||
	    memcmp(a->groups, b->groups, b->ngroups * sizeof(*b->groups)))
		return true;
	for (i = 0; i < b->naddrs; i++)
		if (!sg_addr_eq(&a->addrs[i], &b->addrs[i]))
			return true;
	return false;
}

/* @p's attachment takes the planned groups, addresses, flags and policy. */
static void sg_cfg_commit_attach(struct sg_replace *rp, struct sg_plan *p)
{
	struct sg_attach *att = p->att;
	bool changed = p->created || sg_attach_changed(&att->conf, &p->req.conf);

	if (!p->created) {
		sg_attach_put_members(rp->sn, &att->key, &att->conf);
		sg_policy_free_rcu(rcu_replace_pointer(att->policy, p->pol,
						       lockdep_is_held(&rp->sn->lock)));
		p->pol = NULL;
	}
	kfree(att->conf.addrs);
	att->conf = p->req.conf;
	p->req.conf.addrs = NULL;
	if (changed)
		sg_notify_attach(rp->sn, SECGROUP_CMD_ATTACH_NEW, att);
}

static void sg_cfg_commit_attachments(struct sg_replace *rp)
{
	struct sg_net *sn = rp->sn;
	struct sg_attach *att, *t;
	struct sg_group *g;
	struct sg_plan *p;

	list_for_each_entry_safe(att, t, &sn->attachments, node) {
		p = sg_cfg_plan_find(rp, &att->key);
		if (p) {
			sg_cfg_commit_attach(rp, p);
			continue;
		}
		sg_notify_attach(sn, SECGROUP_CMD_ATTACH_DEL, att);
		sg_attach_put_members(sn, &att->key, &att->conf);
		sg_attach_unlink(sn, att);
	}
	sg_hooks_update(sn);	/* unregistering cannot fail */
	list_for_each_entry(g, &sn->groups, node)
		g->attached = 0;
	list_for_each_entry(att, &sn->attachments, node)
		sg_attach_count_groups(sn, &att->conf, 1);
}

/* As many remote members and none joined: the same ones. */
static bool sg_group_changed(const struct sg_group *o, const struct sg_group *g)
{
	u32 i;
	s32 at;

	if (strcmp(o->desc, g->desc) || o->ntags != g->ntags ||
	    o->nmembers != g->nmembers || g->members_changed)
		return true;
	for (i = 0; i < g->ntags; i++) {
		for (at = o->ntags - 1; at >= 0; at--)
			if (!strcmp(o->tags[at].key, g->tags[i].key))
				break;
		if (at < 0 || strcmp(o->tags[at].value, g->tags[i].value))
			return true;
	}
	return false;
}

/* Events for every group and rule that changed; old groups on rp->groups. */
/* A rule of the new configuration: new, or kept with its description changed */
static void sg_cfg_notify_rule(struct sg_net *sn, struct sg_group *old, struct sg_rule *r)
{
	struct sg_rule *o;

	if (!r->stats_shared) {
		sg_notify_rule(sn, SECGROUP_CMD_RULE_NEW, r);
		return;
	}
	o = old ? sg_rule_find_id(old, r->id) : NULL;
	if (o && strcmp(o->desc ?: "", r->desc ?: ""))
		sg_notify_rule(sn, SECGROUP_CMD_RULE_SET, r);
}

/* The old groups the configuration drops, each as it was. */
static void sg_cfg_notify_deleted(struct sg_replace *rp)
{
	struct sg_group *o;

	list_for_each_entry(o, &rp->groups, node)
		if (!sg_group_find(rp->sn, o->id, NULL))
			sg_notify_group(rp->sn, SECGROUP_CMD_GROUP_DEL, o);
}

/* The groups and rules that are new or changed. */
static void sg_cfg_notify_groups(struct sg_replace *rp)
{
	struct sg_net *sn = rp->sn;
	struct sg_group *g, *o;
	struct sg_rule *r;
	int d;

	list_for_each_entry(g, &sn->groups, node) {
		o = sg_group_find_in(&rp->groups, g->id, NULL);
		if (!o)
			sg_notify_group(sn, SECGROUP_CMD_GROUP_NEW, g);
		else if (sg_group_changed(o, g))
			sg_notify_group(sn, SECGROUP_CMD_GROUP_SET, g);
		for (d = 0; o && d < SG_DIRS; d++)
			list_for_each_entry(r, &o->rules[d], node)
				if (!r->stats_shared)
					sg_notify_rule(sn, SECGROUP_CMD_RULE_DEL, r);
		for (d = 0; d < SG_DIRS; d++)
			list_for_each_entry(r, &g->rules[d], node)
				sg_cfg_notify_rule(sn, o, r);
	}
}

/*
 * No rule of the netns's groups has lent its counters: after a commit, the
 * kept rules own theirs; after a failure, the old groups lent nothing.
 */
static void sg_cfg_unlend(struct sg_net *sn)
{
	struct sg_group *g;
	struct sg_rule *r;
	int d;

	list_for_each_entry(g, &sn->groups, node)
		for (d = 0; d < SG_DIRS; d++)
			list_for_each_entry(r, &g->rules[d], node)
				r->stats_shared = false;
}

static void sg_cfg_commit(struct sg_replace *rp)
{
	sg_changed(rp->sn);	/* an order changed alone sends no event */
	sg_cfg_commit_attachments(rp);
	sg_cfg_notify_deleted(rp);	/* with their members, before they go */
	sg_members_drop(rp->sn, rp->drop, rp->ndrop);
	sg_cfg_notify_groups(rp);
	sg_cfg_unlend(rp->sn);
}

/* ---- the request ---- */

/* The groups on rp->groups (new after a failure, old after a commit). */
static void sg_cfg_free(struct sg_replace *rp)
{
	struct sg_group *g, *t;
	struct sg_plan *p;
	u32 i;

	list_for_each_entry_safe(g, t, &rp->groups, node) {
		list_del(&g->node);
		sg_group_free(g);
	}
	for (i = 0; rp->plan && i < rp->nplan; i++) {
		p = &rp->plan[i];
		sg_policy_free(p->pol);
		sg_attach_req_release(&p->req);
	}
	kvfree(rp->plan);
	kvfree(rp->stage);
	kvfree(rp->drop);
	kvfree(rp->rule_ids.ids);
	kfree(rp);
}

static int sg_cfg_prepare(struct sg_replace *rp, u32 flags)
{
	int err;

	err = sg_idset_init(rp);
	if (!err)
		err = sg_cfg_groups(rp);
	if (!err)
		err = sg_cfg_attachments(rp, flags & SECGROUP_F_ATTACHMENTS);
	return err;
}

int sg_nl_config_replace(struct sk_buff *skb, struct genl_info *info)
{
	struct sg_net *sn = info->user_ptr[0];
	u32 flags = 0;
	struct sg_replace *rp;
	int err;

	if (info->attrs[SECGROUP_A_FLAGS])
		flags = nla_get_u32(info->attrs[SECGROUP_A_FLAGS]);
	/* built from a read that a change has overtaken since */
	if (info->attrs[SECGROUP_A_GEN] &&
	    nla_get_u32(info->attrs[SECGROUP_A_GEN]) != sn->gen) {
		NL_SET_ERR_MSG_ATTR(info->extack, info->attrs[SECGROUP_A_GEN],
				    "the configuration changed since it was read: read it again");
		return -EAGAIN;
	}
	rp = kzalloc(sizeof(*rp), GFP_KERNEL_ACCOUNT);
	if (!rp)
		return -ENOMEM;
	rp->sn = sn;
	rp->info = info;
	rp->extack = info->extack;
	INIT_LIST_HEAD(&rp->groups);

	err = sg_cfg_prepare(rp, flags);
	if (err)
		goto unlend;
	sg_cfg_swap(rp);
	err = sg_cfg_compile(rp);
	/*
	 * The member map is the datapath's: a dry run stops before it, so
	 * it does not check the limit of groups per address (ENOSPC).
	 */
	if (err || (flags & SECGROUP_F_DRY_RUN))
		goto swap_back;
	err = sg_cfg_members_get(rp);
	if (err)
		goto swap_back;
	err = sg_cfg_publish(rp);
	if (err)
		goto put_members;
	sg_cfg_commit(rp);
	if (flags & SECGROUP_F_FLUSH)
		sg_ct_flush(sn);
	goto out;

put_members:
	sg_cfg_members_put(rp);
swap_back:
	sg_cfg_swap(rp);
unlend:
	sg_cfg_unlend(sn);
out:
	sg_cfg_free(rp);
	return err;
}
