// SPDX-License-Identifier: GPL-2.0
/*
 * The member map of a netns: address -> the groups it is a member of, and
 * through whom: an attachment (the instance's addresses) or a remote member.
 * Rules that reference a group match a peer whose entry lists that group, so
 * joining or leaving a group costs one map update and recompiles nothing.
 *
 * An address alone proves nothing: a source matches a group only through
 * the owner the packet really came from (sg_member_groups() with an
 * origin), a local member through its own device or cgroup, a remote member
 * from outside the host.  Destinations match through any owner.
 *
 * Readers (the datapath) see an immutable sg_mset under RCU.  Writers hold
 * sg_net.lock; the same (group, owner) pair twice is counted, and leaves the
 * set when its count drops to zero.
 */
#include <linux/slab.h>
#include <linux/rhashtable.h>

#include "sg.h"

struct sg_mset {
	struct rcu_head rcu;
	u32 n;
	u32 ids[SG_PEER_GROUPS_MAX];	/* 0: a slot freed in place */
	struct sg_attach_key who[SG_PEER_GROUPS_MAX];
	u32 cnt[SG_PEER_GROUPS_MAX];	/* writer side */
};

static bool sg_who_eq(const struct sg_attach_key *a, const struct sg_attach_key *b)
{
	return a->kind == b->kind && a->id == b->id;
}

/* A copy of @old (or an empty set) without the slots freed in place. */
static struct sg_mset *sg_mset_copy(const struct sg_mset *old)
{
	struct sg_mset *new = kzalloc(sizeof(*new), GFP_KERNEL_ACCOUNT);
	u32 i;

	if (!new || !old)
		return new;
	for (i = 0; i < old->n; i++) {
		if (!old->ids[i])
			continue;
		new->ids[new->n] = old->ids[i];
		new->who[new->n] = old->who[i];
		new->cnt[new->n] = old->cnt[i];
		new->n++;
	}
	return new;
}

struct sg_member {
	struct rhash_head node;
	struct sg_addr key;
	struct sg_mset __rcu *set;
	struct rcu_head rcu;
};

const struct sg_attach_key sg_from_remote = { .kind = SG_FROM_REMOTE };

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
		  const struct sg_attach_key *who, struct netlink_ext_ack *extack)
{
	struct sg_mset *old, *new;
	struct sg_member *m;
	u32 i;
	int err;

	lockdep_assert_held(&sn->lock);
	m = rhashtable_lookup_fast(&sn->members, a, sg_member_params);
	old = m ? sg_mset_of(sn, m) : NULL;
	for (i = 0; old && i < old->n; i++) {
		if (old->ids[i] == group && sg_who_eq(&old->who[i], who)) {
			old->cnt[i]++;	/* readers ignore counts */
			return 0;
		}
	}
	new = sg_mset_copy(old);
	if (!new)
		goto nomem;
	if (new->n == SG_PEER_GROUPS_MAX) {
		kfree(new);
		NL_SET_ERR_MSG(extack, "address is already a member of the maximum number of groups");
		return -ENOSPC;
	}
	new->ids[new->n] = group;
	new->who[new->n] = *who;
	new->cnt[new->n] = 1;
	new->n++;

	if (m) {
		rcu_assign_pointer(m->set, new);
		kfree_rcu(old, rcu);
		return 0;
	}
	m = kzalloc(sizeof(*m), GFP_KERNEL_ACCOUNT);
	if (!m) {
		kfree(new);
		goto nomem;
	}
	m->key = *a;
	RCU_INIT_POINTER(m->set, new);
	err = rhashtable_insert_fast(&sn->members, &m->node, sg_member_params);
	if (err) {
		kfree(new);
		kfree(m);
		NL_SET_ERR_MSG(extack, "out of memory adding the address to the member map");
	}
	return err;
nomem:
	NL_SET_ERR_MSG(extack, "out of memory adding the address to the member map");
	return -ENOMEM;
}

/*
 * Drop one count of (@group, @who) for @a.  Never fails: when the smaller
 * set cannot be allocated, the slot is freed in place (its group id set to
 * 0, which no rule references) and compacted by the next copy.
 */
void sg_member_put(struct sg_net *sn, const struct sg_addr *a, u32 group,
		   const struct sg_attach_key *who)
{
	struct sg_mset *old, *new;
	struct sg_member *m;
	u32 i, live = 0;

	lockdep_assert_held(&sn->lock);
	m = rhashtable_lookup_fast(&sn->members, a, sg_member_params);
	if (WARN_ON_ONCE(!m))
		return;
	old = sg_mset_of(sn, m);
	for (i = 0; i < old->n; i++)
		if (old->ids[i] == group && sg_who_eq(&old->who[i], who))
			break;
	if (WARN_ON_ONCE(i == old->n))
		return;
	if (--old->cnt[i])
		return;

	WRITE_ONCE(old->ids[i], 0);	/* matches nothing from now on */
	for (i = 0; i < old->n; i++)
		live += !!old->ids[i];
	if (!live) {
		rhashtable_remove_fast(&sn->members, &m->node, sg_member_params);
		call_rcu(&m->rcu, sg_member_free_rcu);
		return;
	}
	new = sg_mset_copy(old);
	if (!new)
		return;		/* the freed slot stays until the next copy */
	rcu_assign_pointer(m->set, new);
	kfree_rcu(old, rcu);
}

/*
 * The groups of @a, for the datapath; under rcu_read_lock().  With
 * @origin, only those @a is a member of through the instance (or, for
 * SG_FROM_REMOTE, the outside) that the packet came from.
 */
u32 sg_member_groups(struct sg_net *sn, const struct sg_addr *a,
		     const struct sg_attach_key *origin, u32 *out, u32 max)
{
	struct sg_member *m;
	struct sg_mset *s;
	u32 i, n, got = 0, id;

	m = rhashtable_lookup(&sn->members, a, sg_member_params);
	if (!m)
		return 0;
	s = rcu_dereference(m->set);
	n = min(s->n, max);
	for (i = 0; i < n; i++) {
		id = READ_ONCE(s->ids[i]);
		if (id && (!origin || sg_who_eq(&s->who[i], origin)))
			out[got++] = id;
	}
	return got;
}
