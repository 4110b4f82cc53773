// SPDX-License-Identifier: GPL-2.0
/*
 * The member map of a netns: address -> the groups it is a member of, through
 * an attachment (the instance's addresses) or as a remote member.  Rules that
 * reference a group match a peer whose entry lists that group, so joining or
 * leaving a group costs one map update and recompiles nothing.
 *
 * Readers (the datapath) see an immutable sg_mset under RCU.  Writers hold
 * sg_net.lock; an address in the same group twice (say, two attachments) is
 * counted, and leaves the set when its count drops to zero.
 */
#include <linux/slab.h>
#include <linux/rhashtable.h>

#include "sg.h"

struct sg_mset {
	struct rcu_head rcu;
	u32 n;
	u32 ids[SG_PEER_GROUPS_MAX];
	u32 cnt[SG_PEER_GROUPS_MAX];	/* writer side */
};

struct sg_member {
	struct rhash_head node;
	struct sg_addr key;
	struct sg_mset __rcu *set;
	struct rcu_head rcu;
};

static const struct rhashtable_params sg_member_params = {
	.head_offset = offsetof(struct sg_member, node),
	.key_offset = offsetof(struct sg_member, key),
	.key_len = sizeof(struct sg_addr),
	.automatic_shrinking = true,
};

int sg_members_init(struct sg_net *sn)
{
	return rhashtable_init(&sn->members, &sg_member_params);
}

static void sg_member_free_rcu(struct rcu_head *head)
{
	struct sg_member *m = container_of(head, struct sg_member, rcu);

	kfree(rcu_dereference_protected(m->set, true));
	kfree(m);
}

static void sg_member_free(void *ptr, void *arg)
{
	struct sg_member *m = ptr;

	kfree(rcu_dereference_protected(m->set, true));
	kfree(m);
}

/* At netns exit, after the hooks are gone and a grace period has passed. */
void sg_members_exit(struct sg_net *sn)
{
	rhashtable_free_and_destroy(&sn->members, sg_member_free, NULL);
}

static struct sg_mset *sg_mset_of(struct sg_net *sn, struct sg_member *m)
{
	return rcu_dereference_protected(m->set, lockdep_is_held(&sn->lock));
}

int sg_member_get(struct sg_net *sn, const struct sg_addr *a, u32 group,
		  struct netlink_ext_ack *extack)
{
	struct sg_mset *old, *new;
	struct sg_member *m;
	u32 i;
	int err;

	lockdep_assert_held(&sn->lock);
	m = rhashtable_lookup_fast(&sn->members, a, sg_member_params);
	old = m ? sg_mset_of(sn, m) : NULL;
	for (i = 0; old && i < old->n; i++) {
		if (old->ids[i] == group) {
			old->cnt[i]++;	/* readers ignore counts */
			return 0;
		}
	}
	if (old && old->n == SG_PEER_GROUPS_MAX) {
		NL_SET_ERR_MSG(extack, "address is already a member of the maximum number of groups");
		return -ENOSPC;
	}
	new = kzalloc(sizeof(*new), GFP_KERNEL);
	if (!new)
		return -ENOMEM;
	if (old)
		memcpy(new, old, sizeof(*new));
	new->ids[new->n] = group;
	new->cnt[new->n] = 1;
	new->n++;

	if (m) {
		rcu_assign_pointer(m->set, new);
		kfree_rcu(old, rcu);
		return 0;
	}
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m) {
		kfree(new);
		return -ENOMEM;
	}
	m->key = *a;
	RCU_INIT_POINTER(m->set, new);
	err = rhashtable_insert_fast(&sn->members, &m->node, sg_member_params);
	if (err) {
		kfree(new);
		kfree(m);
	}
	return err;
}

/*
 * Drop one count of @group for @a.  Never fails: when the smaller set cannot
 * be allocated, the group is overwritten in place by the last entry after
 * shrinking n, which readers see either before or after, never torn.
 */
void sg_member_put(struct sg_net *sn, const struct sg_addr *a, u32 group)
{
	struct sg_mset *old, *new;
	struct sg_member *m;
	u32 i;

	lockdep_assert_held(&sn->lock);
	m = rhashtable_lookup_fast(&sn->members, a, sg_member_params);
	if (WARN_ON_ONCE(!m))
		return;
	old = sg_mset_of(sn, m);
	for (i = 0; i < old->n; i++)
		if (old->ids[i] == group)
			break;
	if (WARN_ON_ONCE(i == old->n))
		return;
	if (--old->cnt[i])
		return;

	if (old->n == 1) {
		rhashtable_remove_fast(&sn->members, &m->node, sg_member_params);
		call_rcu(&m->rcu, sg_member_free_rcu);
		return;
	}
	new = kmemdup(old, sizeof(*old), GFP_KERNEL);
	if (new) {
		new->ids[i] = new->ids[new->n - 1];
		new->cnt[i] = new->cnt[new->n - 1];
		new->n--;
		rcu_assign_pointer(m->set, new);
		kfree_rcu(old, rcu);
		return;
	}
	/* ids[i] stays visible to readers for at most this update */
	WRITE_ONCE(old->ids[i], old->ids[old->n - 1]);
	old->cnt[i] = old->cnt[old->n - 1];
	smp_wmb();	/* the moved id before the shorter count; pairs with the reader's smp_rmb() */
	WRITE_ONCE(old->n, old->n - 1);
}

/* The groups of @a, for the datapath; under rcu_read_lock(). */
u32 sg_member_groups(struct sg_net *sn, const struct sg_addr *a, u32 *out, u32 max)
{
	struct sg_member *m;
	struct sg_mset *s;
	u32 i, n;

	m = rhashtable_lookup(&sn->members, a, sg_member_params);
	if (!m)
		return 0;
	s = rcu_dereference(m->set);
	n = min(READ_ONCE(s->n), max);
	smp_rmb();	/* the count before the ids; pairs with sg_member_put()'s smp_wmb() */
	for (i = 0; i < n; i++)
		out[i] = READ_ONCE(s->ids[i]);
	return n;
}
