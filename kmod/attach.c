// SPDX-License-Identifier: GPL-2.0
/*
 * Attachments: an instance (a device or a cgroup v2) bound to an ordered
 * list of groups and to its addresses.  The datapath finds them through an
 * RCU hash; writers hold sg_net.lock (and RTNL for devices, which orders
 * them against the unregistration notifier).
 */
#include <linux/jhash.h>
#include <linux/slab.h>
#include <linux/percpu.h>
#include <linux/cgroup.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>

#include "sg.h"

/*
 * The key's two words of id and its kind, seeded: the owner of a user
 * namespace chooses ifindexes (ip link add ... index N) and could line up
 * an unseeded hash's buckets.  Cheaper than jhash() of the padded key.
 */
static u32 sg_attach_hashfn(const void *data, u32 len, u32 seed)
{
	const struct sg_attach_key *k = data;

	return jhash_3words((u32)k->id, (u32)(k->id >> 32), k->kind, seed);
}

static const struct rhashtable_params sg_attach_params = {
	.head_offset = offsetof(struct sg_attach, hnode),
	.key_offset = offsetof(struct sg_attach, key),
	.key_len = sizeof(struct sg_attach_key),
	.hashfn = sg_attach_hashfn,
	.automatic_shrinking = true,
};

static u32 sg_attach_slot(u8 kind, u64 id)
{
	return ((u32)id ^ kind) % SG_ATTACH_SLOTS;
}

/*
 * Into the hash, counted in its slot first: the datapath reads the slot
 * before the hash, so a packet may miss an attachment being made, as it
 * would a moment earlier, but never one that is in place.
 */
static int sg_attach_hash_insert(struct sg_net *sn, struct sg_attach *att)
{
	u32 *slot = &sn->attach_slots[sg_attach_slot(att->key.kind, att->key.id)];
	int err;

	WRITE_ONCE(*slot, *slot + 1);
	err = rhashtable_insert_fast(&sn->attach_ht, &att->hnode, sg_attach_params);
	if (err)
		WRITE_ONCE(*slot, *slot - 1);
	return err;
}

static void sg_attach_hash_remove(struct sg_net *sn, struct sg_attach *att)
{
	u32 *slot = &sn->attach_slots[sg_attach_slot(att->key.kind, att->key.id)];

	rhashtable_remove_fast(&sn->attach_ht, &att->hnode, sg_attach_params);
	WRITE_ONCE(*slot, *slot - 1);
}

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

	if (!READ_ONCE(sn->attach_slots[sg_attach_slot(kind, id)]))
		return NULL;
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

bool sg_attach_uses(const struct sg_attach_conf *c, u32 group)
{
	u32 i;

	for (i = 0; i < c->ngroups; i++)
		if (c->groups[i] == group)
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

static void sg_attach_free(struct sg_attach *att)
{
	sg_policy_free(rcu_dereference_protected(att->policy, true));
	free_percpu(att->stats);
	kfree(att->conf.addrs);
	if (att->cgrp)
		cgroup_put(att->cgrp);
	kfree(att);
}

static void sg_attach_free_rcu(struct rcu_head *head)
{
	sg_attach_free(container_of(head, struct sg_attach, rcu));
}

/* What a request still holds: its addresses and its cgroup reference. */
void sg_attach_req_release(struct sg_attach_req *req)
{
	kfree(req->conf.addrs);
	req->conf.addrs = NULL;
	if (req->cgrp)
		cgroup_put(req->cgrp);
	req->cgrp = NULL;
}

/* Member map entries of the first @ng groups and, of group @ng, @na addresses */
static void sg_attach_put_some(struct sg_net *sn, const struct sg_attach_key *who,
			       const struct sg_attach_conf *c, u32 ng, u32 na)
{
	u32 g, a;

	for (g = 0; g <= ng && g < c->ngroups; g++)
		for (a = 0; a < (g < ng ? c->naddrs : na); a++)
			sg_member_put(sn, &c->addrs[a], c->groups[g], who);
}

/* Member map entries: every address of the instance in every group. */
void sg_attach_put_members(struct sg_net *sn, const struct sg_attach_key *who,
			   const struct sg_attach_conf *c)
{
	sg_attach_put_some(sn, who, c, c->ngroups, 0);
}

int sg_attach_get_members(struct sg_net *sn, const struct sg_attach_key *who,
			  const struct sg_attach_conf *c, struct netlink_ext_ack *extack)
{
	u32 g, a;
	int err;

	for (g = 0; g < c->ngroups; g++) {
		for (a = 0; a < c->naddrs; a++) {
			err = sg_member_get(sn, &c->addrs[a], c->groups[g], who, extack);
			if (err) {
				sg_attach_put_some(sn, who, c, g, a);
				return err;
			}
		}
	}
	return 0;
}

/* Each group of @c counts one attachment more (@delta 1) or less (-1). */
void sg_attach_count_groups(struct sg_net *sn, const struct sg_attach_conf *c,
			    int delta)
{
	struct sg_group *g;
	u32 i;

	for (i = 0; i < c->ngroups; i++) {
		g = sg_group_find(sn, c->groups[i], NULL);
		if (!WARN_ON_ONCE(!g))
			g->attached += delta;
	}
}

/* @att's device, if it is a bridge port (RTNL orders it against the notifier). */
static struct net_device *sg_dev_bridged(struct sg_net *sn, const struct sg_attach *att)
{
	struct net_device *dev;

	ASSERT_RTNL();
	if (att->key.kind != SG_ATTACH_DEV)
		return NULL;
	dev = __dev_get_by_index(sn->net, att->key.id);
	return dev && netif_is_bridge_port(dev) ? dev : NULL;
}

/* Make @att visible to the datapath and register the hooks its kind needs. */
static int sg_attach_publish(struct sg_net *sn, struct sg_attach *att,
			     struct netlink_ext_ack *extack)
{
	struct net_device *dev;
	int err;

	err = sg_attach_hash_insert(sn, att);
	if (err) {
		NL_SET_ERR_MSG(extack, "out of memory adding the attachment");
		return err;
	}
	sn->nattach[att->key.kind]++;
	dev = sg_dev_bridged(sn, att);
	err = dev ? sg_bridge_track(sn, att, dev, true) : 0;
	if (!err)
		err = sg_hooks_update(sn);
	if (err) {
		NL_SET_ERR_MSG(extack, "cannot register the netfilter hooks");
		sn->nattach[att->key.kind]--;
		sg_bridge_track(sn, att, NULL, false);
		sg_hooks_update(sn);	/* unregistering cannot fail */
		sg_attach_hash_remove(sn, att);
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
 * A new attachment for @req's instance with policy @pol, published with no
 * groups and no addresses yet (the caller sets ->conf).  It takes @pol and
 * @req's cgroup reference; on failure nothing changed and both stay the
 * caller's.
 */
struct sg_attach *sg_attach_create(struct sg_net *sn, struct sg_attach_req *req,
				   struct sg_policy *pol, struct netlink_ext_ack *extack)
{
	struct sg_attach *att;
	int err;

	lockdep_assert_held(&sn->lock);
	att = kzalloc(sizeof(*att), GFP_KERNEL_ACCOUNT);
	if (att)
		att->stats = alloc_percpu_gfp(struct sg_attach_stats, GFP_KERNEL_ACCOUNT);
	if (!att || !att->stats) {
		kfree(att);
		NL_SET_ERR_MSG(extack, "out of memory adding the attachment");
		return ERR_PTR(-ENOMEM);
	}
	att->key = req->key;
	/* the datapath may find it as soon as it is in the hash */
	RCU_INIT_POINTER(att->policy, pol);
	err = sg_attach_publish(sn, att, extack);
	if (err) {
		free_percpu(att->stats);
		kfree(att);
		return ERR_PTR(err);
	}
	att->cgrp = req->cgrp;
	req->cgrp = NULL;
	return att;
}

/*
 * Create or replace the attachment of @req->key with @req's groups,
 * addresses and flags, and return it.  @req's addresses and cgroup pass to
 * the attachment on success.  On failure nothing changed: an ERR_PTR.
 */
struct sg_attach *sg_attach_set(struct sg_net *sn, struct sg_attach_req *req,
				struct netlink_ext_ack *extack)
{
	struct sg_attach *att;
	struct sg_policy *pol;
	int err;

	lockdep_assert_held(&sn->lock);
	pol = sg_policy_build(sn, &req->conf);
	if (IS_ERR(pol)) {
		NL_SET_ERR_MSG(extack, "out of memory compiling the policy");
		return ERR_CAST(pol);
	}
	err = sg_attach_get_members(sn, &req->key, &req->conf, extack);
	if (err)
		goto free_pol;

	att = sg_attach_find(sn, req->key.kind, req->key.id);
	if (att) {
		sg_attach_put_members(sn, &att->key, &att->conf);
		sg_attach_count_groups(sn, &att->conf, -1);
		kfree(att->conf.addrs);
		sg_policy_free_rcu(rcu_replace_pointer(att->policy, pol,
						       lockdep_is_held(&sn->lock)));
	} else {
		att = sg_attach_create(sn, req, pol, extack);
		if (IS_ERR(att)) {
			err = PTR_ERR(att);
			sg_attach_put_members(sn, &req->key, &req->conf);
			goto free_pol;
		}
	}
	att->conf = req->conf;
	req->conf.addrs = NULL;
	sg_attach_count_groups(sn, &att->conf, 1);
	return att;

free_pol:
	sg_policy_free(pol);
	return ERR_PTR(err);
}

/*
 * Take @att out of the datapath's view and free it after a grace period.
 * Its member map entries, group counts and the hooks are the caller's.
 */
void sg_attach_unlink(struct sg_net *sn, struct sg_attach *att)
{
	lockdep_assert_held(&sn->lock);
	sg_attach_hash_remove(sn, att);
	list_del(&att->node);
	if (att->key.kind == SG_ATTACH_CGROUP)
		hlist_del_rcu(&att->cg_node);
	sn->nattach[att->key.kind]--;
	sg_bridge_track(sn, att, NULL, false);
	call_rcu(&att->rcu, sg_attach_free_rcu);
}

void sg_attach_remove(struct sg_net *sn, struct sg_attach *att)
{
	lockdep_assert_held(&sn->lock);
	sg_attach_put_members(sn, &att->key, &att->conf);
	sg_attach_count_groups(sn, &att->conf, -1);
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
 * once it is gone, so it is dropped before the next change the netns
 * is asked for (sg_pre_doit), and within a second by the sweeper.
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
		sg_attach_hash_remove(sn, att);
		list_del(&att->node);
		if (att->key.kind == SG_ATTACH_CGROUP)
			hlist_del_rcu(&att->cg_node);
		sg_attach_put_members(sn, &att->key, &att->conf);
		sn->nattach[att->key.kind]--;
		sg_bridge_track(sn, att, NULL, false);
		call_rcu(&att->rcu, sg_attach_free_rcu);
	}
	rhashtable_destroy(&sn->attach_ht);
}

static int sg_netdev_event(struct notifier_block *nb, unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct sg_net *sn;
	struct sg_attach *att;

	if (event == NETDEV_PRECHANGEUPPER || event == NETDEV_CHANGEUPPER)
		return notifier_from_errno(sg_bridge_event(dev, event, ptr));
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
