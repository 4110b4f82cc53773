// SPDX-License-Identifier: GPL-2.0
/*
 * The group and rule store of a netns.  All callers hold sg_net.lock.
 */
#include <linux/slab.h>
#include <linux/random.h>
#include <linux/percpu.h>
#include <linux/string.h>

#include "sg.h"

/* The group of @groups (a list of sg_group) with id @id, or named @name. */
struct sg_group *sg_group_find_in(struct list_head *groups, u32 id, const char *name)
{
	struct sg_group *g;

	list_for_each_entry(g, groups, node)
		if (id ? g->id == id : name && !strcmp(g->name, name))
			return g;
	return NULL;
}

struct sg_group *sg_group_find(struct sg_net *sn, u32 id, const char *name)
{
	lockdep_assert_held(&sn->lock);
	return sg_group_find_in(&sn->groups, id, name);
}

static bool sg_rule_id_in(struct list_head *groups, u32 id)
{
	struct sg_group *g;
	struct sg_rule *r;
	int d;

	list_for_each_entry(g, groups, node)
		for (d = 0; d < SG_DIRS; d++)
			list_for_each_entry(r, &g->rules[d], node)
				if (r->id == id)
					return true;
	return false;
}

/*
 * Ids look like AWS's: random, never 0, unique in the netns and, during a
 * configuration replace, among the groups being built (@also, or NULL).
 */
u32 sg_group_new_id(struct sg_net *sn, struct list_head *also)
{
	u32 id;

	do {
		id = get_random_u32();
	} while (!id || sg_group_find_in(&sn->groups, id, NULL) ||
		 (also && sg_group_find_in(also, id, NULL)));
	return id;
}

u32 sg_rule_new_id(struct sg_net *sn, struct list_head *also)
{
	u32 id;

	do {
		id = get_random_u32();
	} while (!id || sg_rule_id_in(&sn->groups, id) ||
		 (also && sg_rule_id_in(also, id)));
	return id;
}

struct sg_rule *sg_rule_alloc(void)
{
	struct sg_rule *r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);

	if (!r)
		return NULL;
	r->stats = alloc_percpu_gfp(struct sg_rule_stats, GFP_KERNEL_ACCOUNT);
	if (!r->stats) {
		kfree(r);
		return NULL;
	}
	r->icmp_type = -1;
	r->icmp_code = -1;
	return r;
}

/* A rule never published, or after its grace period. */
void sg_rule_free(struct sg_rule *r)
{
	if (!r->stats_shared)
		free_percpu(r->stats);
	kfree(r->desc);
	kfree(r);
}

static void sg_rule_free_cb(struct rcu_head *head)
{
	sg_rule_free(container_of(head, struct sg_rule, rcu));
}

/* The datapath may still count a hit on it: free after a grace period. */
void sg_rule_free_rcu(struct sg_rule *r)
{
	if (r)
		call_rcu(&r->rcu, sg_rule_free_cb);
}

struct sg_rule *sg_rule_find_id(struct sg_group *g, u32 id)
{
	struct sg_rule *r;
	int d;

	for (d = 0; d < SG_DIRS; d++)
		list_for_each_entry(r, &g->rules[d], node)
			if (r->id == id)
				return r;
	return NULL;
}

static bool sg_rule_same(const struct sg_rule *a, const struct sg_rule *b)
{
	if (a->dir != b->dir || a->proto_all != b->proto_all ||
	    a->peer_type != b->peer_type)
		return false;
	if (!a->proto_all && a->proto != b->proto)
		return false;
	if (a->port_min != b->port_min || a->port_max != b->port_max ||
	    a->icmp_type != b->icmp_type || a->icmp_code != b->icmp_code)
		return false;
	if (a->peer_type == SGC_PEER_GROUP)
		return a->peer_group == b->peer_group;
	return a->prefix == b->prefix && sg_addr_eq(&a->peer, &b->peer);
}

/* The rule of @g that matches the same traffic as @r (descriptions aside). */
struct sg_rule *sg_rule_find_same(struct sg_group *g, const struct sg_rule *r)
{
	struct sg_rule *x;

	list_for_each_entry(x, &g->rules[r->dir], node)
		if (sg_rule_same(x, r))
			return x;
	return NULL;
}

/* A rule allowing all traffic to or from 0.0.0.0/0, ::/0 or a group. */
struct sg_rule *sg_rule_all_to(struct sg_net *sn, struct list_head *also,
			       u8 dir, u8 family, u32 peer_group)
{
	struct sg_rule *r = sg_rule_alloc();

	if (!r)
		return NULL;
	r->id = sg_rule_new_id(sn, also);
	r->dir = dir;
	r->proto_all = true;
	if (peer_group) {
		r->peer_type = SGC_PEER_GROUP;
		r->peer_group = peer_group;
	} else {
		r->peer_type = family == AF_INET ? SGC_PEER_V4 : SGC_PEER_V6;
		r->peer.family = family;
		r->prefix = 0;
	}
	return r;
}

/*
 * Whether @g may take @r (@at: the attribute to blame): not a rule it has,
 * not over the quota.  RULE_NEW and CONFIG_REPLACE both ask here, so the
 * same fault gets the same answer whichever way it came.
 */
int sg_group_rule_check(struct sg_group *g, const struct sg_rule *r,
			const struct nlattr *at, struct netlink_ext_ack *extack)
{
	if (sg_rule_find_same(g, r)) {
		NL_SET_ERR_MSG_ATTR(extack, at,
				    "the group has this rule already (InvalidPermission.Duplicate)");
		return -EEXIST;
	}
	if (g->nrules[r->dir] >= sg_max_rules) {
		NL_SET_ERR_MSG_ATTR(extack, at,
				    "rule quota of the group in this direction reached (module parameter max_rules)");
		return -ENOSPC;
	}
	return 0;
}

void sg_group_add_rule(struct sg_group *g, struct sg_rule *r)
{
	r->group = g->id;
	list_add_tail(&r->node, &g->rules[r->dir]);
	g->nrules[r->dir]++;
}

void sg_group_del_rule(struct sg_group *g, struct sg_rule *r)
{
	list_del(&r->node);
	g->nrules[r->dir]--;
}

/* ---- remote members: the member map is their record ---- */

/*
 * @a joins @g's remote members: one member map update.  Refused as
 * sg_group_rule_check() refuses: a member already first, then the quota.
 */
int sg_remote_add(struct sg_net *sn, struct sg_group *g, const struct sg_addr *a,
		  const struct nlattr *at, struct netlink_ext_ack *extack)
{
	bool full = g->nmembers >= sg_max_members;
	int err = -ENOSPC;

	if (!full)
		err = sg_member_get(sn, a, g->id, &sg_from_remote, extack);
	else if (sg_member_is_remote(sn, a, g->id))
		err = -EEXIST;
	if (err == -EEXIST)
		NL_SET_ERR_MSG_ATTR(extack, at, "address is already a member");
	else if (full)
		NL_SET_ERR_MSG_ATTR(extack, at,
				    "member quota of the group reached (module parameter max_members)");
	if (!err)
		g->nmembers++;
	return err;
}

int sg_remote_del(struct sg_net *sn, struct sg_group *g, const struct sg_addr *a,
		  const struct nlattr *at, struct netlink_ext_ack *extack)
{
	if (sg_member_put_remote(sn, a, g->id)) {
		NL_SET_ERR_MSG_ATTR(extack, at, "address is not a remote member");
		return -ENOENT;
	}
	if (!WARN_ON_ONCE(!g->nmembers))
		g->nmembers--;
	return 0;
}

/* Remote memberships of the netns, all groups */
u64 sg_remote_total(struct sg_net *sn)
{
	struct sg_group *g;
	u64 n = 0;

	list_for_each_entry(g, &sn->groups, node)
		n += g->nmembers;
	return n;
}

void sg_tags_free(struct sg_tag *tags, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++) {
		kfree(tags[i].key);
		kfree(tags[i].value);
	}
	kfree(tags);
}

void sg_group_free(struct sg_group *g)
{
	struct sg_rule *r, *rt;
	int d;

	if (!g)
		return;
	for (d = 0; d < SG_DIRS; d++)
		list_for_each_entry_safe(r, rt, &g->rules[d], node) {
			list_del(&r->node);
			sg_rule_free_rcu(r);
		}
	sg_tags_free(g->tags, g->ntags);
	kfree(g->desc);
	kfree(g->name);
	kfree(g);
}

/*
 * Whether a group named @name may join @groups, @n of them (@at: the
 * attribute to blame): not a name they have, not over the quota.
 * GROUP_NEW and CONFIG_REPLACE both ask here.
 */
int sg_group_check(struct list_head *groups, u32 n, const char *name,
		   const struct nlattr *at, struct netlink_ext_ack *extack)
{
	if (sg_group_find_in(groups, 0, name)) {
		NL_SET_ERR_MSG_ATTR(extack, at,
				    "a group with this name exists (InvalidGroup.Duplicate)");
		return -EEXIST;
	}
	if (n >= sg_max_groups) {
		NL_SET_ERR_MSG_ATTR(extack, at,
				    "group quota of the netns reached (module parameter max_groups)");
		return -ENOSPC;
	}
	return 0;
}

/* The first group other than @g with a rule referencing @g. */
static struct sg_group *sg_group_referrer(struct sg_net *sn, const struct sg_group *g)
{
	struct sg_group *o;
	struct sg_rule *r;
	int d;

	list_for_each_entry(o, &sn->groups, node) {
		if (o == g)
			continue;
		for (d = 0; d < SG_DIRS; d++)
			list_for_each_entry(r, &o->rules[d], node)
				if (r->peer_type == SGC_PEER_GROUP && r->peer_group == g->id)
					return o;
	}
	return NULL;
}

/* Whether @g may be deleted: not the default, not attached, not referenced. */
int sg_group_del_check(struct sg_net *sn, const struct sg_group *g,
		       const struct nlattr *at, struct netlink_ext_ack *extack)
{
	lockdep_assert_held(&sn->lock);
	if (g->is_default) {
		NL_SET_ERR_MSG_ATTR(extack, at, "the default group cannot be deleted");
		return -EBUSY;
	}
	if (g->attached) {
		NL_SET_ERR_MSG_ATTR(extack, at,
				    "group is attached to an instance (DependencyViolation)");
		return -EBUSY;
	}
	if (sg_group_referrer(sn, g)) {
		NL_SET_ERR_MSG_ATTR(extack, at,
				    "group is referenced by a rule of another group (DependencyViolation)");
		return -EBUSY;
	}
	return 0;
}

/*
 * @g's remote members, found in the member map, to drop: into a new array
 * in *@out; how many, or -ENOMEM.  Nothing changes yet.
 */
int sg_group_remote_list(struct sg_net *sn, struct sg_group *g, struct sg_mref **out)
{
	int n;

	*out = NULL;
	if (!g->nmembers)
		return 0;
	*out = kvmalloc_array(g->nmembers, sizeof(**out), GFP_KERNEL_ACCOUNT | __GFP_NOWARN);
	if (!*out)
		return -ENOMEM;
	n = sg_members_collect(sn, g->id, NULL, NULL, *out, g->nmembers);
	if (WARN_ON_ONCE(n < 0))	/* more than it counts */
		n = g->nmembers;
	return n;
}

/*
 * Unlink and free @g, which sg_group_del_check() let go; @list, @n: its
 * remote members (sg_group_remote_list()), freed here.
 */
void sg_group_remove(struct sg_net *sn, struct sg_group *g, struct sg_mref *list, int n)
{
	lockdep_assert_held(&sn->lock);
	sg_members_drop(sn, list, n);
	kvfree(list);
	list_del(&g->node);
	sn->ngroups--;
	sg_group_free(g);
}

/*
 * A new group, not yet linked, with id @id (0: a new one): default egress
 * rules (all traffic to 0.0.0.0/0 and ::/0) unless opted out.  The caller
 * links it with list_add_tail.
 */
struct sg_group *sg_group_create(struct sg_net *sn, struct list_head *also,
				 u32 id, const char *name, const char *desc,
				 bool default_egress, struct netlink_ext_ack *extack)
{
	struct sg_group *g;
	struct sg_rule *r;
	int d;

	g = kzalloc(sizeof(*g), GFP_KERNEL_ACCOUNT);
	if (!g)
		goto nomem;
	for (d = 0; d < SG_DIRS; d++)
		INIT_LIST_HEAD(&g->rules[d]);
	g->name = kstrdup(name, GFP_KERNEL_ACCOUNT);
	g->desc = kstrdup(desc ? desc : "", GFP_KERNEL_ACCOUNT);
	if (!g->name || !g->desc)
		goto nomem;
	g->id = id ?: sg_group_new_id(sn, also);

	if (default_egress) {
		r = sg_rule_all_to(sn, also, SECGROUP_EGRESS, AF_INET, 0);
		if (!r)
			goto nomem;
		sg_group_add_rule(g, r);
		r = sg_rule_all_to(sn, also, SECGROUP_EGRESS, AF_INET6, 0);
		if (!r)
			goto nomem;
		sg_group_add_rule(g, r);
	}
	return g;
nomem:
	sg_group_free(g);
	NL_SET_ERR_MSG(extack, "out of memory creating the group");
	return ERR_PTR(-ENOMEM);
}

/*
 * Each netns has a "default" group: ingress from its own members, egress
 * to anywhere.  A new one, not linked; @also as for sg_group_new_id().
 */
struct sg_group *sg_default_group_create(struct sg_net *sn, struct list_head *also,
					 u32 id)
{
	struct sg_group *g;
	struct sg_rule *r;

	g = sg_group_create(sn, also, id, SG_DEFAULT_NAME, SG_DEFAULT_DESC, true, NULL);
	if (IS_ERR(g))
		return g;
	g->is_default = true;
	r = sg_rule_all_to(sn, also, SECGROUP_INGRESS, 0, g->id);
	if (!r) {
		sg_group_free(g);
		return ERR_PTR(-ENOMEM);
	}
	sg_group_add_rule(g, r);
	return g;
}

int sg_store_init(struct sg_net *sn)
{
	struct sg_group *g;

	INIT_LIST_HEAD(&sn->groups);
	g = sg_default_group_create(sn, NULL, 0);
	if (IS_ERR(g))
		return PTR_ERR(g);
	list_add_tail(&g->node, &sn->groups);
	sn->ngroups = 1;
	sn->def = g;
	return 0;
}

void sg_store_exit(struct sg_net *sn)
{
	struct sg_group *g, *t;

	list_for_each_entry_safe(g, t, &sn->groups, node) {
		list_del(&g->node);
		sg_group_free(g);
	}
	sn->ngroups = 0;
	sn->def = NULL;
}
