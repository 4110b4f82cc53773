// SPDX-License-Identifier: GPL-2.0
/*
 * The member map of a netns: address -> the groups it is a member of, and
 * through whom: an attachment (the instance's addresses) or a remote member.
 * Rules that reference a group match a peer whose entry lists that group, so
 * joining or leaving a group costs one map update and recompiles nothing.
 * The map is also the only record of a group's remote members: a group
 * keeps their count, a walk of the map finds them.
 *
 * An address alone proves nothing: a source matches a group only through
 * the owner the packet really came from (sg_member_groups() with an
 * origin), a local member through its own device or cgroup, a remote member
 * from outside the host.  Destinations match through any owner.
 *
 * Two kinds of entry.  The common one, a remote member of one group, is
 * 32 bytes: the hash node, the address and that group.  Any other (a
 * second group, an instance's address) is a full entry whose immutable
 * sg_mset lists (group, owner, count) slots.  An entry changes kind by
 * being replaced in the table.  Readers (the datapath) see either under
 * RCU; writers hold sg_net.lock.  Every byte the map allocates is counted
 * in sg_net.member_bytes, its bucket table too (sg_members_bytes()).
 */
#include <linux/slab.h>
#include <linux/rhashtable.h>

#include "sg.h"

struct sg_mslot {
	u32 id;				/* 0: a slot freed in place */
	u32 cnt;			/* writer side */
	struct sg_attach_key who;
};

struct sg_mset {
	struct rcu_head rcu;
	u32 n;
	struct sg_mslot s[];
};

/* A remote member of one group; remote 0: a struct sg_member_full. */
struct sg_member {
	struct rhash_head node;
	struct sg_addr key;
	u32 remote;
};

struct sg_member_full {
	struct sg_member m;
	struct sg_mset __rcu *set;
	struct rcu_head rcu;
};

const struct sg_attach_key sg_from_remote = { .kind = SG_FROM_REMOTE };

/* entries a walk or a bulk drop takes before it lets others run */
#define SG_WALK_BATCH 1024

/*
 * The key's 20 bytes, the ones the hash reads, compared as words: inlined
 * in every lookup, where rhashtable's memcmp() of a run-time length would
 * be a call.
 */
static int sg_member_cmp(struct rhashtable_compare_arg *arg, const void *obj)
{
	const u32 *x = arg->key, *y = (const u32 *)&((const struct sg_member *)obj)->key;

	BUILD_BUG_ON(sizeof(struct sg_addr) != 5 * sizeof(u32));
	return (x[0] ^ y[0]) | (x[1] ^ y[1]) | (x[2] ^ y[2]) | (x[3] ^ y[3]) | (x[4] ^ y[4]);
}

static const struct rhashtable_params sg_member_params = {
	.head_offset = offsetof(struct sg_member, node),
	.key_offset = offsetof(struct sg_member, key),
	.key_len = sizeof(struct sg_addr),
	.obj_cmpfn = sg_member_cmp,
	.automatic_shrinking = true,
};

static bool sg_who_eq(const struct sg_attach_key *a, const struct sg_attach_key *b)
{
	return a->kind == b->kind && a->id == b->id;
}

static bool sg_is_remote(const struct sg_attach_key *who)
{
	return who->kind == SG_FROM_REMOTE;
}

static struct sg_member_full *sg_full(struct sg_member *m)
{
	return container_of(m, struct sg_member_full, m);
}

/* ---- allocation, counted ---- */

static void *sg_member_alloc(struct sg_net *sn, size_t size)
{
	void *p = kzalloc(size, GFP_KERNEL_ACCOUNT);

	if (p)
		sn->member_bytes += kmalloc_size_roundup(size);
	return p;
}

static size_t sg_mset_size(u32 n)
{
	return sizeof(struct sg_mset) + n * sizeof(struct sg_mslot);	/* n <= 65 */
}

static void sg_mset_free_rcu(struct sg_net *sn, struct sg_mset *s)
{
	sn->member_bytes -= kmalloc_size_roundup(sg_mset_size(s->n));
	kfree_rcu(s, rcu);
}

static void sg_full_free_cb(struct rcu_head *head)
{
	struct sg_member_full *f = container_of(head, struct sg_member_full, rcu);

	kfree(rcu_dereference_protected(f->set, true));
	kfree(f);
}

/* Out of the table already: freed after the readers that may see it. */
static void sg_entry_free_rcu(struct sg_net *sn, struct sg_member *m)
{
	struct sg_member_full *f;
	struct sg_mset *s;

	if (m->remote) {
		sn->member_bytes -= kmalloc_size_roundup(sizeof(*m));
		kvfree_rcu_mightsleep(m);	/* no room for an rcu_head */
		return;
	}
	f = sg_full(m);
	s = rcu_dereference_protected(f->set, lockdep_is_held(&sn->lock));
	sn->member_bytes -= kmalloc_size_roundup(sizeof(*f)) +
			    kmalloc_size_roundup(sg_mset_size(s->n));
	call_rcu(&f->rcu, sg_full_free_cb);
}

int sg_members_init(struct sg_net *sn)
{
	sn->member_bytes = 0;
	return rhashtable_init(&sn->members, &sg_member_params);
}

static void sg_member_free(void *ptr, void *arg)
{
	struct sg_member *m = ptr;

	if (!m->remote)
		kfree(rcu_dereference_protected(sg_full(m)->set, true));
	kfree(m);	/* the full entry starts with it */
}

/* At netns exit, after the hooks are gone and a grace period has passed. */
void sg_members_exit(struct sg_net *sn)
{
	rhashtable_free_and_destroy(&sn->members, sg_member_free, NULL);
}

/* Bytes the map holds: its entries, their sets and its bucket table. */
u64 sg_members_bytes(struct sg_net *sn)
{
	const struct bucket_table *tbl;
	u64 n;

	lockdep_assert_held(&sn->lock);
	rcu_read_lock();
	tbl = rcu_dereference(sn->members.tbl);
	n = sn->member_bytes + (u64)tbl->size * sizeof(tbl->buckets[0]);
	rcu_read_unlock();
	return n;
}

u32 sg_members_addrs(struct sg_net *sn)
{
	return atomic_read(&sn->members.nelems);
}

static struct sg_mset *sg_mset_of(struct sg_net *sn, struct sg_member *m)
{
	return rcu_dereference_protected(sg_full(m)->set, lockdep_is_held(&sn->lock));
}

/* Whether the entry @m lists @group for a remote member. */
static bool sg_entry_is_remote(struct sg_net *sn, struct sg_member *m, u32 group)
{
	struct sg_mset *s;
	u32 i;

	if (m->remote)
		return m->remote == group;
	s = sg_mset_of(sn, m);
	for (i = 0; i < s->n; i++)
		if (s->s[i].id == group && sg_is_remote(&s->s[i].who))
			return true;
	return false;
}

/*
 * A copy of @old (or an empty set) without the slots freed in place, with
 * room for @more.
 */
static struct sg_mset *sg_mset_copy(struct sg_net *sn, const struct sg_mset *old, u32 more)
{
	struct sg_mset *new;
	u32 i, live = 0;

	for (i = 0; old && i < old->n; i++)
		live += !!old->s[i].id;
	new = sg_member_alloc(sn, sg_mset_size(live + more));
	if (!new || !old)
		return new;
	for (i = 0; i < old->n; i++)
		if (old->s[i].id)
			new->s[new->n++] = old->s[i];
	return new;
}

/* A full entry for @a holding @s, or NULL. */
static struct sg_member *sg_full_new(struct sg_net *sn, const struct sg_addr *a,
				     struct sg_mset *s)
{
	struct sg_member_full *f = sg_member_alloc(sn, sizeof(*f));

	if (!f)
		return NULL;
	f->m.key = *a;
	RCU_INIT_POINTER(f->set, s);
	return &f->m;
}

static void sg_mset_add(struct sg_mset *s, u32 group, const struct sg_attach_key *who)
{
	s->s[s->n].id = group;
	s->s[s->n].who = *who;
	s->s[s->n].cnt = 1;
	s->n++;
}

/* The compact entry @m becomes a full one with (@group, @who) too. */
static int sg_member_widen(struct sg_net *sn, struct sg_member *m, u32 group,
			   const struct sg_attach_key *who)
{
	struct sg_member *f;
	struct sg_mset *s;
	int err;

	s = sg_mset_copy(sn, NULL, 2);
	f = s ? sg_full_new(sn, &m->key, s) : NULL;
	if (!f)
		goto nomem;
	sg_mset_add(s, m->remote, &sg_from_remote);
	sg_mset_add(s, group, who);
	err = rhashtable_replace_fast(&sn->members, &m->node, &f->node, sg_member_params);
	if (err) {
		sg_entry_free_rcu(sn, f);
		return err;
	}
	sg_entry_free_rcu(sn, m);
	return 0;
nomem:
	if (s) {
		sn->member_bytes -= kmalloc_size_roundup(sg_mset_size(2));
		kfree(s);
	}
	return -ENOMEM;
}

/* (@group, @who) added to the full entry @m, or its count raised. */
static int sg_member_full_get(struct sg_net *sn, struct sg_member *m, u32 group,
			      const struct sg_attach_key *who,
			      struct netlink_ext_ack *extack)
{
	struct sg_mset *old = sg_mset_of(sn, m), *new;
	u32 i, live = 0;

	for (i = 0; i < old->n; i++) {
		if (old->s[i].id == group && sg_who_eq(&old->s[i].who, who)) {
			old->s[i].cnt++;	/* readers ignore counts */
			return 0;
		}
		live += !!old->s[i].id;
	}
	if (live >= SG_PEER_GROUPS_MAX) {
		NL_SET_ERR_MSG(extack, "address is already a member of the maximum number of groups");
		return -ENOSPC;
	}
	new = sg_mset_copy(sn, old, 1);
	if (!new)
		return -ENOMEM;
	sg_mset_add(new, group, who);
	rcu_assign_pointer(sg_full(m)->set, new);
	sg_mset_free_rcu(sn, old);
	return 0;
}

/* A new entry for @a: compact for a remote member, else full. */
static int sg_member_insert(struct sg_net *sn, const struct sg_addr *a, u32 group,
			    const struct sg_attach_key *who)
{
	struct sg_member *m;
	struct sg_mset *s = NULL;
	int err;

	if (sg_is_remote(who)) {
		m = sg_member_alloc(sn, sizeof(*m));
		if (!m)
			return -ENOMEM;
		m->key = *a;
		m->remote = group;
	} else {
		s = sg_mset_copy(sn, NULL, 1);
		m = s ? sg_full_new(sn, a, s) : NULL;
		if (!m) {
			if (s) {
				sn->member_bytes -= kmalloc_size_roundup(sg_mset_size(1));
				kfree(s);
			}
			return -ENOMEM;
		}
		sg_mset_add(s, group, who);
	}
	err = rhashtable_insert_fast(&sn->members, &m->node, sg_member_params);
	if (err)
		sg_entry_free_rcu(sn, m);	/* never published: freed all the same */
	return err;
}

/*
 * @a is a member of @group through @who from now on, once more.  A remote
 * member is one per group: -EEXIST, and nothing said, when it is already
 * (one lookup for the check and the change).
 */
int sg_member_get(struct sg_net *sn, const struct sg_addr *a, u32 group,
		  const struct sg_attach_key *who, struct netlink_ext_ack *extack)
{
	struct sg_member *m;
	int err;

	lockdep_assert_held(&sn->lock);
	m = rhashtable_lookup_fast(&sn->members, a, sg_member_params);
	if (!m)
		err = sg_member_insert(sn, a, group, who);
	else if (sg_is_remote(who) && sg_entry_is_remote(sn, m, group))
		return -EEXIST;
	else if (m->remote)
		err = sg_member_widen(sn, m, group, who);
	else
		err = sg_member_full_get(sn, m, group, who, extack);
	if (err == -ENOMEM)
		NL_SET_ERR_MSG(extack, "out of memory adding the address to the member map");
	return err;
}

static void sg_member_remove(struct sg_net *sn, struct sg_member *m)
{
	rhashtable_remove_fast(&sn->members, &m->node, sg_member_params);
	sg_entry_free_rcu(sn, m);
}

/*
 * The full entry @m, whose set @s has one live slot left, a compact entry
 * again if that slot is a remote member's: 32 bytes instead of 128, and
 * what a widening undone leaves is as it was.  False: left full (not a
 * remote slot, or no memory).
 */
static bool sg_member_narrow(struct sg_net *sn, struct sg_member *m, const struct sg_mset *s)
{
	struct sg_member *c;
	u32 i;

	for (i = 0; i < s->n && !s->s[i].id; i++)
		;
	if (i == s->n || !sg_is_remote(&s->s[i].who) || s->s[i].cnt != 1)
		return false;
	c = sg_member_alloc(sn, sizeof(*c));
	if (!c)
		return false;
	c->key = m->key;
	c->remote = s->s[i].id;
	if (rhashtable_replace_fast(&sn->members, &m->node, &c->node, sg_member_params)) {
		sn->member_bytes -= kmalloc_size_roundup(sizeof(*c));
		kfree(c);
		return false;
	}
	sg_entry_free_rcu(sn, m);
	return true;
}

/*
 * Drop one count of (@group, @who) from the entry @m.  Never fails: when
 * the smaller set cannot be allocated, the slot is freed in place (its
 * group id set to 0, which no rule references) and compacted by the next
 * copy.
 */
static void sg_entry_put(struct sg_net *sn, struct sg_member *m, u32 group,
			 const struct sg_attach_key *who)
{
	struct sg_mset *old, *new;
	u32 i, live = 0;

	if (m->remote) {
		if (!WARN_ON_ONCE(m->remote != group || !sg_is_remote(who)))
			sg_member_remove(sn, m);
		return;
	}
	old = sg_mset_of(sn, m);
	for (i = 0; i < old->n; i++)
		if (old->s[i].id == group && sg_who_eq(&old->s[i].who, who))
			break;
	if (WARN_ON_ONCE(i == old->n))
		return;
	if (--old->s[i].cnt)
		return;

	WRITE_ONCE(old->s[i].id, 0);	/* matches nothing from now on */
	for (i = 0; i < old->n; i++)
		live += !!old->s[i].id;
	if (!live) {
		sg_member_remove(sn, m);
		return;
	}
	if (live == 1 && sg_member_narrow(sn, m, old))
		return;
	new = sg_mset_copy(sn, old, 0);
	if (!new)
		return;		/* the freed slot stays until the next copy */
	rcu_assign_pointer(sg_full(m)->set, new);
	sg_mset_free_rcu(sn, old);
}

void sg_member_put(struct sg_net *sn, const struct sg_addr *a, u32 group,
		   const struct sg_attach_key *who)
{
	struct sg_member *m;

	lockdep_assert_held(&sn->lock);
	m = rhashtable_lookup_fast(&sn->members, a, sg_member_params);
	if (!WARN_ON_ONCE(!m))
		sg_entry_put(sn, m, group, who);
}

/* @a leaves @group's remote members; -ENOENT: it is not one. */
int sg_member_put_remote(struct sg_net *sn, const struct sg_addr *a, u32 group)
{
	struct sg_member *m;

	lockdep_assert_held(&sn->lock);
	m = rhashtable_lookup_fast(&sn->members, a, sg_member_params);
	if (!m || !sg_entry_is_remote(sn, m, group))
		return -ENOENT;
	sg_entry_put(sn, m, group, &sg_from_remote);
	return 0;
}

/*
 * The remote memberships @refs (@n) dropped at once: the compact entries
 * unlinked, one grace period, then freed (kvfree_rcu_mightsleep() per
 * entry could wait a grace period each when memory is short); the others
 * as sg_member_put() drops them.
 */
void sg_members_drop(struct sg_net *sn, const struct sg_mref *refs, u32 n)
{
	struct sg_member **gone, *m;
	u32 i, k = 0;

	lockdep_assert_held(&sn->lock);
	gone = n ? kvmalloc_array(n, sizeof(*gone), GFP_KERNEL | __GFP_NOWARN) : NULL;
	for (i = 0; i < n; i++) {
		m = rhashtable_lookup_fast(&sn->members, &refs[i].a, sg_member_params);
		if (gone && m && m->remote == refs[i].group) {
			rhashtable_remove_fast(&sn->members, &m->node, sg_member_params);
			sn->member_bytes -= kmalloc_size_roundup(sizeof(*m));
			gone[k++] = m;
		} else {
			sg_member_put(sn, &refs[i].a, refs[i].group, &sg_from_remote);
		}
		if (i % SG_WALK_BATCH == SG_WALK_BATCH - 1)
			cond_resched();
	}
	if (k) {
		synchronize_rcu();
		for (i = 0; i < k; i++)
			kfree(gone[i]);
	}
	kvfree(gone);
}

/* Whether @a is a remote member of @group. */
bool sg_member_is_remote(struct sg_net *sn, const struct sg_addr *a, u32 group)
{
	struct sg_member *m;

	lockdep_assert_held(&sn->lock);
	m = rhashtable_lookup_fast(&sn->members, a, sg_member_params);
	return m && sg_entry_is_remote(sn, m, group);
}

/*
 * The remote groups of entry @m (with @group nonzero, that one only) into
 * @out (SG_PEER_GROUPS_MAX); how many.  Under RCU or sg_net.lock.
 */
static u32 sg_entry_remote(struct sg_member *m, u32 group, u32 *out)
{
	struct sg_mset *s;
	u32 i, n = 0;

	if (m->remote) {
		if (!group || m->remote == group)
			out[n++] = m->remote;
		return n;
	}
	s = rcu_dereference_check(sg_full(m)->set, true);
	for (i = 0; i < s->n && n < SG_PEER_GROUPS_MAX; i++)
		if (s->s[i].id && sg_is_remote(&s->s[i].who) &&
		    (!group || s->s[i].id == group))
			out[n++] = s->s[i].id;
	return n;
}

/*
 * One pass of sg_members_collect(): -EAGAIN when a resize moved entries
 * under it (then it may have missed some, or seen some twice).
 */
static int sg_members_collect_pass(struct sg_net *sn, u32 group,
				   bool (*keep)(const struct sg_mref *r, void *arg), void *arg,
				   struct sg_mref *out, u32 max)
{
	u32 ids[SG_PEER_GROUPS_MAX], i, k, got = 0, seen = 0;
	struct rhashtable_iter it;
	struct sg_member *m;
	int ret;

	rhashtable_walk_enter(&sn->members, &it);
	ret = rhashtable_walk_start_check(&it);
	while (!ret && (m = rhashtable_walk_next(&it))) {
		if (IS_ERR(m)) {
			ret = PTR_ERR(m);
			break;
		}
		k = sg_entry_remote(m, group, ids);
		for (i = 0; i < k; i++) {
			struct sg_mref r = { .a = m->key, .group = ids[i] };

			if (keep && keep(&r, arg))
				continue;
			if (got == max) {
				ret = -E2BIG;
				goto out;
			}
			out[got++] = r;
		}
		if (++seen % SG_WALK_BATCH == 0) {	/* resumes after @m */
			rhashtable_walk_stop(&it);
			cond_resched();
			ret = rhashtable_walk_start_check(&it);
		}
	}
out:
	rhashtable_walk_stop(&it);
	rhashtable_walk_exit(&it);
	return ret ?: got;
}

/*
 * The remote memberships (of @group; 0: of every group) that @keep does not
 * keep, into @out, room for @max: how many, or -E2BIG.  Changes nothing:
 * the caller drops them after, outside the walk's RCU sections (a put may
 * sleep).  Only a pass that no resize crossed counts: the writers are
 * locked out (sg_net.lock), so the resize worker finishes and a pass after
 * it sees every entry once.
 */
int sg_members_collect(struct sg_net *sn, u32 group,
		       bool (*keep)(const struct sg_mref *r, void *arg), void *arg,
		       struct sg_mref *out, u32 max)
{
	int ret;

	lockdep_assert_held(&sn->lock);
	while ((ret = sg_members_collect_pass(sn, group, keep, arg, out, max)) == -EAGAIN)
		cond_resched();
	return ret;
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
	id = READ_ONCE(m->remote);
	if (id) {
		if (origin && !sg_is_remote(origin))
			return 0;
		out[0] = id;
		return 1;
	}
	s = rcu_dereference(sg_full(m)->set);
	n = min(s->n, max);
	for (i = 0; i < n; i++) {
		id = READ_ONCE(s->s[i].id);
		if (id && (!origin || sg_who_eq(&s->s[i].who, origin)))
			out[got++] = id;
	}
	return got;
}

/* ---- the dump of remote members (MEMBER_GET) ---- */

struct sg_member_iter {
	struct rhashtable_iter it;
	struct sg_addr a;		/* the entry being sent */
	u32 ids[SG_PEER_GROUPS_MAX];
	u32 n, next;			/* its memberships, the next to send */
};

struct sg_member_iter *sg_member_iter_new(struct sg_net *sn)
{
	struct sg_member_iter *mi = kzalloc(sizeof(*mi), GFP_KERNEL_ACCOUNT);

	if (mi)
		rhashtable_walk_enter(&sn->members, &mi->it);
	return mi;
}

void sg_member_iter_free(struct sg_member_iter *mi)
{
	if (!mi)
		return;
	rhashtable_walk_exit(&mi->it);
	kfree(mi);
}

/*
 * @fn for each remote membership from where the last call stopped, until
 * @fn fails (it is given the same one first next time) or the map ends
 * (returns 0).  @restarted is set when a resize made the walk start again:
 * the dump may repeat memberships and must be marked interrupted.
 */
int sg_member_iter_next(struct sg_member_iter *mi, u32 group, bool *restarted,
			int (*fn)(const struct sg_addr *a, u32 group, void *arg), void *arg)
{
	struct sg_member *m;
	int err = 0;

	if (rhashtable_walk_start_check(&mi->it) == -EAGAIN)
		*restarted = true;	/* resized since the last part: from slot 0 */
	for (;;) {
		while (mi->next < mi->n) {
			err = fn(&mi->a, mi->ids[mi->next], arg);
			if (err)
				goto out;
			mi->next++;
		}
		m = rhashtable_walk_next(&mi->it);
		if (!m)
			break;
		if (IS_ERR(m)) {
			*restarted = true;
			continue;
		}
		mi->a = m->key;
		mi->n = sg_entry_remote(m, group, mi->ids);
		mi->next = 0;
	}
out:
	rhashtable_walk_stop(&mi->it);
	return err;
}
