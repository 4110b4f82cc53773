// SPDX-License-Identifier: GPL-2.0
/*
 * Attachments: an instance (a device or a cgroup v2) bound to an ordered
 * list of groups and to its addresses.  The datapath finds them through an
 * RCU hash; writers hold sg_net.lock (and RTNL for devices, which orders
 * them against the unregistration notifier).
 */
#include <linux/slab.h>
#include <linux/percpu.h>
#include <linux/cgroup.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>

#include "sg.h"

static const struct rhashtable_params sg_attach_params = {
	.head_offset = offsetof(struct sg_attach, hnode),
	.key_offset = offsetof(struct sg_attach, key),
	.key_len = sizeof(struct sg_attach_key),
	.automatic_shrinking = true,
};

static void sg_attach_sweeper(struct work_struct *work);

int sg_attach_init(struct sg_net *sn)
{
	INIT_LIST_HEAD(&sn->attachments);
	INIT_HLIST_HEAD(&sn->cgroups);
	INIT_DELAYED_WORK(&sn->sweeper, sg_attach_sweeper);
	return rhashtable_init(&sn->attach_ht, &sg_attach_params);
}

/* Datapath: under rcu_read_lock(). */
struct sg_attach *sg_attach_lookup_rcu(struct sg_net *sn, u8 kind, u64 id)
{
	struct sg_attach_key key = { .id = id, .kind = kind };

	return rhashtable_lookup(&sn->attach_ht, &key, sg_attach_params);
}

struct sg_attach *sg_attach_find(struct sg_net *sn, u8 kind, u64 id)
{
	struct sg_attach_key key = { .id = id, .kind = kind };

	lockdep_assert_held(&sn->lock);
	return rhashtable_lookup_fast(&sn->attach_ht, &key, sg_attach_params);
}

/* Datapath: @fn for every cgroup attachment, until it returns non-zero. */
int sg_attach_each_cgroup_rcu(struct sg_net *sn,
			      int (*fn)(struct sg_attach *att, void *arg), void *arg)
{
	struct sg_attach *att;
	int ret;

	hlist_for_each_entry_rcu(att, &sn->cgroups, cg_node) {
		ret = fn(att, arg);
		if (ret)
			return ret;
	}
	return 0;
}

bool sg_attach_uses(const struct sg_attach *att, u32 group)
{
	u32 i;

	for (i = 0; i < att->ngroups; i++)
		if (att->groups[i] == group)
			return true;
	return false;
}

void sg_attach_stats_sum(const struct sg_attach *att, struct sg_attach_stats *out)
{
	int cpu;

	memset(out, 0, sizeof(*out));
	for_each_possible_cpu(cpu) {
		const struct sg_attach_stats *s = per_cpu_ptr(att->stats, cpu);

		out->new_accepted += READ_ONCE(s->new_accepted);
		out->drop_policy += READ_ONCE(s->drop_policy);
		out->drop_spoof += READ_ONCE(s->drop_spoof);
		out->drop_invalid += READ_ONCE(s->drop_invalid);
	}
}

void sg_attach_free(struct sg_attach *att)
{
	if (!att)
		return;
	sg_policy_free(rcu_dereference_protected(att->policy, true));
	free_percpu(att->stats);
	kfree(att->addrs);
	if (att->cgrp)
		cgroup_put(att->cgrp);
	kfree(att);
}

static void sg_attach_free_rcu(struct rcu_head *head)
{
	sg_attach_free(container_of(head, struct sg_attach, rcu));
}

/* Member map entries: every address of the instance in every group. */
void sg_attach_put_members(struct sg_net *sn, const struct sg_attach_key *who,
			   const u32 *groups, u32 ng, const struct sg_addr *addrs, u32 na)
{
	u32 g, a;

	for (g = 0; g < ng; g++)
		for (a = 0; a < na; a++)
			sg_member_put(sn, &addrs[a], groups[g], who);
}

int sg_attach_get_members(struct sg_net *sn, const struct sg_attach *t,
			  struct netlink_ext_ack *extack)
{
	u32 g, a;
	int err;

	for (g = 0; g < t->ngroups; g++) {
		for (a = 0; a < t->naddrs; a++) {
			err = sg_member_get(sn, &t->addrs[a], t->groups[g], &t->key,
					    extack);
			if (err) {
				/* undo the pairs taken so far */
				sg_attach_put_members(sn, &t->key, t->groups, g,
						      t->addrs, t->naddrs);
				sg_attach_put_members(sn, &t->key, &t->groups[g], 1,
						      t->addrs, a);
				return err;
			}
		}
	}
	return 0;
}

static void sg_attach_count_groups(struct sg_net *sn, const u32 *groups, u32 n,
				   int delta)
{
	struct sg_group *g;
	u32 i;

	for (i = 0; i < n; i++) {
		g = sg_group_find(sn, groups[i], NULL);
		if (!WARN_ON_ONCE(!g))
			g->attached += delta;
	}
}

/* A new attachment for @t's instance; its cgroup reference is still @t's. */
struct sg_attach *sg_attach_alloc(const struct sg_attach *t)
{
	struct sg_attach *att = kzalloc(sizeof(*att), GFP_KERNEL_ACCOUNT);

	if (!att)
		return NULL;
	att->stats = alloc_percpu_gfp(struct sg_attach_stats, GFP_KERNEL_ACCOUNT);
	if (!att->stats) {
		kfree(att);
		return NULL;
	}
	att->key = t->key;
	att->cgrp = t->cgrp;
	return att;
}

/*
 * Make the new attachment @att, with policy @pol, visible to the datapath
 * and register the hooks its kind needs.  On failure it is unpublished and
 * still the caller's (to free with sg_attach_free() after setting ->cgrp
 * and ->policy to what the caller keeps).
 */
int sg_attach_publish(struct sg_net *sn, struct sg_attach *att,
		      struct sg_policy *pol, struct netlink_ext_ack *extack)
{
	int err;

	lockdep_assert_held(&sn->lock);
	/* the datapath may find it as soon as it is in the hash */
	RCU_INIT_POINTER(att->policy, pol);
	err = rhashtable_insert_fast(&sn->attach_ht, &att->hnode, sg_attach_params);
	if (err) {
		NL_SET_ERR_MSG(extack, "out of memory adding the attachment");
		return err;
	}
	sn->nattach[att->key.kind]++;
	err = sg_hooks_update(sn);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot register the netfilter hooks");
		sn->nattach[att->key.kind]--;
		rhashtable_remove_fast(&sn->attach_ht, &att->hnode, sg_attach_params);
		synchronize_rcu();
		return err;
	}
	list_add_tail(&att->node, &sn->attachments);
	if (att->key.kind == SG_ATTACH_CGROUP) {
		hlist_add_head_rcu(&att->cg_node, &sn->cgroups);
		schedule_delayed_work(&sn->sweeper, HZ);
	}
	return 0;
}

/*
 * Create or replace the attachment of @t->key with @t's groups, addresses
 * and flags.  @t->addrs and @t->cgrp pass to the attachment on success.
 * On failure nothing changed.
 */
int sg_attach_set(struct sg_net *sn, struct sg_attach *t, struct netlink_ext_ack *extack)
{
	struct sg_attach *att;
	struct sg_policy *pol;
	int err;

	lockdep_assert_held(&sn->lock);
	pol = sg_policy_build(sn, t);
	if (IS_ERR(pol)) {
		NL_SET_ERR_MSG(extack, "out of memory compiling the policy");
		return PTR_ERR(pol);
	}
	err = sg_attach_get_members(sn, t, extack);
	if (err)
		goto free_pol;

	att = sg_attach_find(sn, t->key.kind, t->key.id);
	if (att) {
		sg_attach_put_members(sn, &att->key, att->groups, att->ngroups,
				      att->addrs, att->naddrs);
		sg_attach_count_groups(sn, att->groups, att->ngroups, -1);
		kfree(att->addrs);
		if (t->cgrp)
			cgroup_put(t->cgrp);	/* the attachment holds one */
	} else {
		err = -ENOMEM;
		att = sg_attach_alloc(t);
		if (!att)
			goto put_members;
		err = sg_attach_publish(sn, att, pol, extack);
		if (err)
			goto free_att;
		pol = NULL;	/* published */
	}
	memcpy(att->groups, t->groups, t->ngroups * sizeof(*t->groups));
	att->ngroups = t->ngroups;
	att->addrs = t->addrs;
	att->naddrs = t->naddrs;
	att->flags = t->flags;
	sg_attach_count_groups(sn, att->groups, att->ngroups, 1);
	if (pol)
		sg_policy_free_rcu(rcu_replace_pointer(att->policy, pol,
						       lockdep_is_held(&sn->lock)));
	t->addrs = NULL;
	t->cgrp = NULL;
	return 0;

free_att:
	att->cgrp = NULL;	/* still the caller's */
	RCU_INIT_POINTER(att->policy, NULL);	/* freed below */
	sg_attach_free(att);
put_members:
	sg_attach_put_members(sn, &t->key, t->groups, t->ngroups, t->addrs, t->naddrs);
free_pol:
	sg_policy_free(pol);
	return err;
}

/*
 * Take @att out of the datapath's view and free it after a grace period.
 * Its member map entries, group counts and the hooks are the caller's.
 */
void sg_attach_unlink(struct sg_net *sn, struct sg_attach *att)
{
	lockdep_assert_held(&sn->lock);
	rhashtable_remove_fast(&sn->attach_ht, &att->hnode, sg_attach_params);
	list_del(&att->node);
	if (att->key.kind == SG_ATTACH_CGROUP)
		hlist_del_rcu(&att->cg_node);
	sn->nattach[att->key.kind]--;
	call_rcu(&att->rcu, sg_attach_free_rcu);
}

void sg_attach_remove(struct sg_net *sn, struct sg_attach *att)
{
	lockdep_assert_held(&sn->lock);
	sg_attach_put_members(sn, &att->key, att->groups, att->ngroups, att->addrs, att->naddrs);
	sg_attach_count_groups(sn, att->groups, att->ngroups, -1);
	sg_attach_unlink(sn, att);
	sg_hooks_update(sn);	/* unregistering cannot fail */
}

/*
 * A removed cgroup: cgroup_destroy_locked() clears CSS_ONLINE from the
 * cgroup's own css on every kernel (css_is_dying() does not work for it on
 * 6.12, where it reads CSS_DYING, which only subsystem states get).
 */
static bool sg_cgroup_removed(const struct cgroup *cgrp)
{
	return !(READ_ONCE(cgrp->self.flags) & CSS_ONLINE);
}

/*
 * Drop the attachments of removed cgroups.  No notifier tells a module of a
 * cgroup's removal; the attachment pins the cgroup and matches no socket
 * once it is gone, so it is dropped before the next change of the netns's
 * attachments or groups, and within a second by the sweeper.
 */
void sg_attach_sweep(struct sg_net *sn)
{
	struct sg_attach *att, *t;

	lockdep_assert_held(&sn->lock);
	if (!sn->nattach[SG_ATTACH_CGROUP])
		return;
	list_for_each_entry_safe(att, t, &sn->attachments, node) {
		if (att->key.kind != SG_ATTACH_CGROUP || !sg_cgroup_removed(att->cgrp))
			continue;
		sg_notify_attach(sn, SECGROUP_CMD_ATTACH_DEL, att);
		sg_attach_remove(sn, att);
	}
}

/* Once a second while the netns has cgroup attachments. */
static void sg_attach_sweeper(struct work_struct *work)
{
	struct sg_net *sn = container_of(to_delayed_work(work), struct sg_net, sweeper);

	mutex_lock(&sn->lock);
	sg_attach_sweep(sn);
	if (sn->nattach[SG_ATTACH_CGROUP] && !sn->dying)
		schedule_delayed_work(&sn->sweeper, HZ);
	mutex_unlock(&sn->lock);
}

/* At netns exit, once sn->dying is set: the sweeper does not rearm. */
void sg_attach_stop_sweeper(struct sg_net *sn)
{
	cancel_delayed_work_sync(&sn->sweeper);
}

/* At netns exit: the hooks are gone. */
void sg_attach_exit(struct sg_net *sn)
{
	struct sg_attach *att, *t;

	list_for_each_entry_safe(att, t, &sn->attachments, node) {
		rhashtable_remove_fast(&sn->attach_ht, &att->hnode, sg_attach_params);
		list_del(&att->node);
		if (att->key.kind == SG_ATTACH_CGROUP)
			hlist_del_rcu(&att->cg_node);
		sg_attach_put_members(sn, &att->key, att->groups, att->ngroups,
				      att->addrs, att->naddrs);
		sn->nattach[att->key.kind]--;
		call_rcu(&att->rcu, sg_attach_free_rcu);
	}
	rhashtable_destroy(&sn->attach_ht);
}

static int sg_netdev_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct sg_net *sn;
	struct sg_attach *att;

	if (event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	sn = sg_pernet(dev_net(dev));
	mutex_lock(&sn->lock);
	att = sg_attach_find(sn, SG_ATTACH_DEV, dev->ifindex);
	if (att) {
		sg_notify_attach(sn, SECGROUP_CMD_ATTACH_DEL, att);
		sg_attach_remove(sn, att);
	}
	mutex_unlock(&sn->lock);
	return NOTIFY_DONE;
}

static struct notifier_block sg_netdev_nb = {
	.notifier_call = sg_netdev_event,
};

int sg_attach_notifier_init(void)
{
	return register_netdevice_notifier(&sg_netdev_nb);
}

void sg_attach_notifier_exit(void)
{
	unregister_netdevice_notifier(&sg_netdev_nb);
}
