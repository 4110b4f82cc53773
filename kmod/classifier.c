// SPDX-License-Identifier: GPL-2.0
/*
 * secgroup classifier: compile rules into an immutable policy, look packets
 * up in it.  See classifier.h for the structure.  No kernel dependencies but
 * sg_shim.h.
 */
#include "classifier.h"

/* Key intervals of one peer: kstart[off..off+len) sorted, kstart[off] == 0. */
struct sgc_ktab {
	u32 off;
	u32 len;
};

/*
 * Elementary address intervals of one family, with the peers covering each.
 * Large tables get a radix index over the SGC_IDX_BITS bits that follow the
 * common prefix of their boundaries (the region [rlo, rhi]): bidx[b] counts
 * the starts below bucket b, so a lookup searches one bucket, not the table.
 */
#define SGC_IDX_BITS	12
#define SGC_IDX_MIN	32		/* fewer starts: plain binary search */

struct sgc_atab {
	u32 n;
	struct sgc_addr *start;		/* n sorted starts, start[0] is 0 */
	u32 *cover_off;			/* n + 1 offsets into cover */
	u32 *cover;			/* ktab indices, outermost first */
	u8 width;			/* 32 or 128 */
	u8 plen;			/* common prefix length */
	u8 bits;			/* index bits, 0: no index */
	struct sgc_addr rlo, rhi;
	u32 *bidx;			/* (1 << bits) + 1 counts */
};

struct sgc_policy {
	u32 nrules;
	struct sgc_atab af[2];		/* IPv4, IPv6 */
	u32 ngroups;
	u32 *group_id;			/* sorted */
	u32 *group_tab;			/* ktab of group_id[i] */
	u32 ntabs;
	struct sgc_ktab *tabs;
	u32 nkeys;
	u32 *kstart;
	s32 *krule;
	size_t bytes;
};

/* ---- addresses ---- */

static int sgc_acmp(const struct sgc_addr *a, const struct sgc_addr *b)
{
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return 0;
}

/* host part of a prefix, as a mask */
static struct sgc_addr sgc_hostmask(u8 prefix, u8 family)
{
	struct sgc_addr m = { 0, 0 };

	if (family == 4) {
		m.lo = prefix >= 32 ? 0 : 0xffffffffull >> prefix;
		return m;
	}
	if (prefix == 0) {
		m.hi = ~0ull;
		m.lo = ~0ull;
	} else if (prefix < 64) {
		m.hi = ~0ull >> prefix;
		m.lo = ~0ull;
	} else if (prefix < 128) {
		m.lo = ~0ull >> (prefix - 64);
	}
	return m;
}

struct sgc_addr sgc_addr_mask(struct sgc_addr a, u8 prefix, u8 family)
{
	struct sgc_addr m = sgc_hostmask(prefix, family);

	a.hi &= ~m.hi;
	a.lo &= ~m.lo;
	if (family == 4)
		a.lo &= 0xffffffffull;
	return a;
}

/* a += 1 within the family's space; false when a was its last address */
static bool sgc_aincr(struct sgc_addr *a, u8 family)
{
	if (family == 4) {
		if (a->lo >= 0xffffffffull)
			return false;
		a->lo++;
		return true;
	}
	if (++a->lo == 0 && ++a->hi == 0)
		return false;
	return true;
}

/*
 * @count (<= 32) bits of @a from bit @from, counting from the top of a
 * @width-bit address
 */
static u32 sgc_abits(const struct sgc_addr *a, u8 width, u8 from, u8 count)
{
	u32 lowbit = width - from - count;	/* position of the lowest bit taken */
	u64 v;

	if (lowbit >= 64)
		v = a->hi >> (lowbit - 64);
	else if (lowbit == 0)
		v = a->lo;
	else
		v = a->lo >> lowbit | a->hi << (64 - lowbit);
	return v & ((1ull << count) - 1);
}

/* length of the common prefix of @a and @b within @width bits */
static u8 sgc_common(const struct sgc_addr *a, const struct sgc_addr *b, u8 width)
{
	u8 l = 0;

	while (l < width && sgc_abits(a, width, l, 1) == sgc_abits(b, width, l, 1))
		l++;
	return l;
}

/* ---- keys ---- */

bool sgc_proto_has_ports(u8 proto)
{
	return proto == 6 || proto == 17 || proto == 132 || proto == 136;
}

bool sgc_proto_is_icmp(u8 proto)
{
	return proto == 1 || proto == 58;
}

u32 sgc_key(u8 proto, u16 l4)
{
	if (!sgc_proto_has_ports(proto) && !sgc_proto_is_icmp(proto))
		l4 = 0;
	return (u32)proto << 16 | l4;
}

/* ---- compilation ---- */

struct sgc_build {
	const struct sgc_rule *rules;
	u32 n;
	u32 *order;		/* rule indices sorted by peer, then index */
	u32 *tab_of;		/* ktab index of each rule */
	struct sgc_policy *p;
};

static u8 sgc_family(u8 peer_type)
{
	return peer_type == SGC_PEER_V4 ? 4 : 6;
}

/* a rule's peer as a sort key: by type, address, prefix (outer first), index */
struct sgc_ord {
	struct sgc_addr addr;	/* or the group id in lo */
	u8 type;
	u8 prefix;
	u32 idx;
};

static int sgc_cmp_ord(const void *a, const void *b)
{
	const struct sgc_ord *x = a, *y = b;
	int c;

	if (x->type != y->type)
		return x->type < y->type ? -1 : 1;
	c = sgc_acmp(&x->addr, &y->addr);
	if (c)
		return c;
	if (x->prefix != y->prefix)
		return x->prefix < y->prefix ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int sgc_sort_by_peer(struct sgc_build *b)
{
	struct sgc_ord *ord;
	u32 i;

	ord = sgc_calloc(b->n + 1, sizeof(*ord));
	if (!ord)
		return -ENOMEM;
	for (i = 0; i < b->n; i++) {
		const struct sgc_rule *r = &b->rules[i];

		ord[i].type = r->peer_type;
		ord[i].idx = i;
		if (r->peer_type == SGC_PEER_GROUP) {
			ord[i].addr.lo = r->group;
		} else {
			ord[i].addr = r->addr;
			ord[i].prefix = r->prefix;
		}
	}
	sgc_sort(ord, b->n, sizeof(*ord), sgc_cmp_ord);
	for (i = 0; i < b->n; i++)
		b->order[i] = ord[i].idx;
	sgc_release(ord);
	return 0;
}

static bool sgc_same_peer(const struct sgc_rule *a, const struct sgc_rule *b)
{
	if (a->peer_type != b->peer_type)
		return false;
	if (a->peer_type == SGC_PEER_GROUP)
		return a->group == b->group;
	return a->prefix == b->prefix && !sgc_acmp(&a->addr, &b->addr);
}

static int sgc_cmp_u32(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

static int sgc_check_rule(const struct sgc_rule *r)
{
	if (r->key_lo > r->key_hi || r->key_hi > SGC_KEY_MAX)
		return -EINVAL;
	switch (r->peer_type) {
	case SGC_PEER_V4:
		if (r->prefix > 32 || r->addr.hi || r->addr.lo > 0xffffffffull)
			return -EINVAL;
		break;
	case SGC_PEER_V6:
		if (r->prefix > 128)
			return -EINVAL;
		break;
	case SGC_PEER_GROUP:
		break;
	default:
		return -EINVAL;
	}
	if (r->peer_type != SGC_PEER_GROUP) {
		struct sgc_addr m = sgc_addr_mask(r->addr, r->prefix,
						  sgc_family(r->peer_type));

		if (sgc_acmp(&m, &r->addr))
			return -EINVAL;	/* host bits set */
	}
	return 0;
}

static u32 sgc_lower_bound(const u32 *a, u32 n, u32 v)
{
	u32 lo = 0, hi = n;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (a[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* next unpainted interval at or after i (path-halving union-find) */
static u32 sgc_next_free(u32 *next, u32 i)
{
	while (next[i] != i) {
		next[i] = next[next[i]];
		i = next[i];
	}
	return i;
}

/*
 * Key table of the peer whose rules are order[first..last): elementary
 * intervals of their key ranges, each painted with the lowest rule covering
 * it, adjacent equal intervals merged.  @scratch holds 2 * (count + 1) u32s.
 */
static void sgc_build_ktab(struct sgc_build *b, u32 first, u32 last, u32 *scratch)
{
	struct sgc_policy *p = b->p;
	struct sgc_ktab *kt = &p->tabs[p->ntabs];
	u32 *start = p->kstart + p->nkeys;
	s32 *rule = p->krule + p->nkeys;
	u32 *next = scratch;
	u32 m = 0, i, j, k, out;

	start[m++] = 0;
	for (i = first; i < last; i++) {
		const struct sgc_rule *r = &b->rules[b->order[i]];

		start[m++] = r->key_lo;
		if (r->key_hi < SGC_KEY_MAX)
			start[m++] = r->key_hi + 1;
	}
	sgc_sort(start, m, sizeof(*start), sgc_cmp_u32);
	for (i = 1, j = 1; i < m; i++)
		if (start[i] != start[j - 1])
			start[j++] = start[i];
	m = j;

	for (i = 0; i <= m; i++)
		next[i] = i;
	for (i = 0; i < m; i++)
		rule[i] = -1;
	/* order[first..last) is ascending in rule index: lowest paints first */
	for (i = first; i < last; i++) {
		const struct sgc_rule *r = &b->rules[b->order[i]];
		u32 from = sgc_lower_bound(start, m, r->key_lo);
		u32 to = r->key_hi < SGC_KEY_MAX ?
			 sgc_lower_bound(start, m, r->key_hi + 1) : m;

		for (k = sgc_next_free(next, from); k < to;
		     k = sgc_next_free(next, k + 1)) {
			rule[k] = b->order[i];
			next[k] = k + 1;
		}
	}

	for (i = 1, out = 1; i < m; i++) {
		if (rule[i] == rule[out - 1])
			continue;
		start[out] = start[i];
		rule[out] = rule[i];
		out++;
	}
	kt->off = p->nkeys;
	kt->len = out;
	p->nkeys += out;
	for (i = first; i < last; i++)
		b->tab_of[b->order[i]] = p->ntabs;
	p->ntabs++;
}

/* One CIDR peer of a family: its interval and its ktab. */
struct sgc_span {
	struct sgc_addr lo;
	struct sgc_addr hi;
	u32 tab;
};

static int sgc_cmp_addr(const void *a, const void *b)
{
	return sgc_acmp(a, b);
}

/*
 * Sweep the elementary intervals of the family's CIDR peers, keeping the
 * peers that cover the current interval on a stack (they nest).  With
 * @at == NULL only counts the cover entries.
 */
static u32 sgc_sweep(const struct sgc_span *sp, u32 nsp, const struct sgc_addr *bnd,
		     u32 nb, u32 *stack, struct sgc_atab *at)
{
	u32 depth = 0, total = 0, next = 0, i, k;

	for (i = 0; i < nb; i++) {
		while (depth && sgc_acmp(&sp[stack[depth - 1]].hi, &bnd[i]) < 0)
			depth--;
		while (next < nsp && !sgc_acmp(&sp[next].lo, &bnd[i]))
			stack[depth++] = next++;
		if (at) {
			at->start[i] = bnd[i];
			at->cover_off[i] = total;
			for (k = 0; k < depth; k++)
				at->cover[total + k] = sp[stack[k]].tab;
		}
		total += depth;
	}
	if (at)
		at->cover_off[nb] = total;
	return total;
}

static int sgc_build_index(struct sgc_atab *at)
{
	struct sgc_addr host;
	u32 i, nb;
	u8 plen;

	if (at->n < SGC_IDX_MIN)
		return 0;
	/* start[0] is 0; the others share a prefix */
	plen = sgc_common(&at->start[1], &at->start[at->n - 1], at->width);
	if (plen == at->width)
		return 0;
	at->plen = plen;
	at->bits = at->width - plen < SGC_IDX_BITS ? at->width - plen : SGC_IDX_BITS;
	at->rlo = sgc_addr_mask(at->start[1], plen, at->width == 32 ? 4 : 6);
	host = sgc_hostmask(plen, at->width == 32 ? 4 : 6);
	at->rhi.hi = at->rlo.hi | host.hi;
	at->rhi.lo = at->rlo.lo | host.lo;
	nb = 1u << at->bits;
	at->bidx = sgc_calloc(nb + 1, sizeof(*at->bidx));
	if (!at->bidx)
		return -ENOMEM;
	/* bidx[b] = starts below bucket b: those below rlo, then per bucket */
	for (i = 0; i < at->n; i++) {
		if (sgc_acmp(&at->start[i], &at->rlo) < 0)
			at->bidx[0]++;
		else if (sgc_acmp(&at->start[i], &at->rhi) <= 0)
			at->bidx[sgc_abits(&at->start[i], at->width, plen, at->bits) + 1]++;
	}
	for (i = 1; i <= nb; i++)
		at->bidx[i] += at->bidx[i - 1];
	return 0;
}

static int sgc_build_atab(struct sgc_build *b, u8 type, struct sgc_atab *at)
{
	u8 family = sgc_family(type);
	struct sgc_span *sp = NULL;
	struct sgc_addr *bnd = NULL;
	u32 *stack = NULL;
	u32 nsp = 0, nb = 0, i, total;
	int err = -ENOMEM;

	for (i = 0; i < b->n; i++) {
		const struct sgc_rule *r = &b->rules[b->order[i]];

		if (r->peer_type == type &&
		    (!nsp || b->tab_of[b->order[i]] != sp[nsp - 1].tab)) {
			if (!sp) {
				sp = sgc_calloc(b->n, sizeof(*sp));
				if (!sp)
					goto out;
			}
			sp[nsp].lo = r->addr;
			sp[nsp].hi = r->addr;
			sp[nsp].hi.hi |= sgc_hostmask(r->prefix, family).hi;
			sp[nsp].hi.lo |= sgc_hostmask(r->prefix, family).lo;
			sp[nsp].tab = b->tab_of[b->order[i]];
			nsp++;
		}
	}

	bnd = sgc_calloc(2 * nsp + 1, sizeof(*bnd));
	stack = sgc_calloc(nsp + 1, sizeof(*stack));
	if (!bnd || !stack)
		goto out;
	bnd[nb++] = (struct sgc_addr){ 0, 0 };
	for (i = 0; i < nsp; i++) {
		struct sgc_addr end = sp[i].hi;

		bnd[nb++] = sp[i].lo;
		if (sgc_aincr(&end, family))
			bnd[nb++] = end;
	}
	sgc_sort(bnd, nb, sizeof(*bnd), sgc_cmp_addr);
	for (i = 1, total = 1; i < nb; i++)
		if (sgc_acmp(&bnd[i], &bnd[total - 1]))
			bnd[total++] = bnd[i];
	nb = total;

	total = sgc_sweep(sp, nsp, bnd, nb, stack, NULL);
	at->start = sgc_calloc(nb, sizeof(*at->start));
	at->cover_off = sgc_calloc(nb + 1, sizeof(*at->cover_off));
	at->cover = sgc_calloc(total + 1, sizeof(*at->cover));
	if (!at->start || !at->cover_off || !at->cover)
		goto out;
	sgc_sweep(sp, nsp, bnd, nb, stack, at);
	at->n = nb;
	at->width = family == 4 ? 32 : 128;
	b->p->bytes += nb * (sizeof(*at->start) + sizeof(*at->cover_off)) +
		       (total + 1) * sizeof(*at->cover);
	err = sgc_build_index(at);
	if (!err)
		b->p->bytes += at->bits ? ((1u << at->bits) + 1) * sizeof(u32) : 0;
out:
	sgc_release(stack);
	sgc_release(bnd);
	sgc_release(sp);
	return err;
}

static int sgc_build_groups(struct sgc_build *b)
{
	struct sgc_policy *p = b->p;
	u32 i, n = 0;

	for (i = 0; i < b->n; i++)
		if (b->rules[b->order[i]].peer_type == SGC_PEER_GROUP)
			n++;
	p->group_id = sgc_calloc(n + 1, sizeof(*p->group_id));
	p->group_tab = sgc_calloc(n + 1, sizeof(*p->group_tab));
	if (!p->group_id || !p->group_tab)
		return -ENOMEM;
	for (i = 0; i < b->n; i++) {
		u32 r = b->order[i];

		if (b->rules[r].peer_type != SGC_PEER_GROUP)
			continue;
		if (p->ngroups && p->group_tab[p->ngroups - 1] == b->tab_of[r])
			continue;
		p->group_id[p->ngroups] = b->rules[r].group;
		p->group_tab[p->ngroups] = b->tab_of[r];
		p->ngroups++;
	}
	p->bytes += p->ngroups * 2 * sizeof(u32);
	return 0;
}

void sgc_free(struct sgc_policy *p)
{
	int f;

	if (!p)
		return;
	for (f = 0; f < 2; f++) {
		sgc_release(p->af[f].start);
		sgc_release(p->af[f].cover_off);
		sgc_release(p->af[f].cover);
		sgc_release(p->af[f].bidx);
	}
	sgc_release(p->group_id);
	sgc_release(p->group_tab);
	sgc_release(p->tabs);
	sgc_release(p->kstart);
	sgc_release(p->krule);
	sgc_release(p);
}

int sgc_build(const struct sgc_rule *rules, u32 n, struct sgc_policy **out)
{
	struct sgc_build b = { .rules = rules, .n = n };
	struct sgc_policy *p;
	u32 *scratch = NULL;
	u32 i, first;
	int err;

	for (i = 0; i < n; i++) {
		err = sgc_check_rule(&rules[i]);
		if (err)
			return err;
	}

	p = sgc_calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	b.p = p;
	p->nrules = n;
	err = -ENOMEM;
	b.order = sgc_calloc(n + 1, sizeof(*b.order));
	b.tab_of = sgc_calloc(n + 1, sizeof(*b.tab_of));
	scratch = sgc_calloc(2 * n + 2, sizeof(*scratch));
	p->tabs = sgc_calloc(n + 1, sizeof(*p->tabs));
	p->kstart = sgc_calloc(2 * n + n + 1, sizeof(*p->kstart));
	p->krule = sgc_calloc(2 * n + n + 1, sizeof(*p->krule));
	if (!b.order || !b.tab_of || !scratch || !p->tabs || !p->kstart || !p->krule)
		goto fail;

	if (sgc_sort_by_peer(&b))
		goto fail;

	for (first = 0; first < n; first = i) {
		for (i = first + 1; i < n; i++)
			if (!sgc_same_peer(&rules[b.order[first]], &rules[b.order[i]]))
				break;
		sgc_build_ktab(&b, first, i, scratch);
	}
	p->bytes = sizeof(*p) + p->ntabs * sizeof(*p->tabs) +
		   p->nkeys * (sizeof(*p->kstart) + sizeof(*p->krule));

	err = sgc_build_atab(&b, SGC_PEER_V4, &p->af[0]);
	if (!err)
		err = sgc_build_atab(&b, SGC_PEER_V6, &p->af[1]);
	if (!err)
		err = sgc_build_groups(&b);
	if (err)
		goto fail;

	sgc_release(scratch);
	sgc_release(b.order);
	sgc_release(b.tab_of);
	*out = p;
	return 0;
fail:
	sgc_release(scratch);
	sgc_release(b.order);
	sgc_release(b.tab_of);
	sgc_free(p);
	return err;
}

size_t sgc_size(const struct sgc_policy *p)
{
	return p->bytes;
}

/* ---- lookup ---- */

static s32 sgc_ktab_lookup(const struct sgc_policy *p, u32 t, u32 key)
{
	const struct sgc_ktab *kt = &p->tabs[t];
	const u32 *s = p->kstart + kt->off;
	u32 lo = 0, hi = kt->len;

	while (hi - lo > 1) {
		u32 mid = lo + (hi - lo) / 2;

		if (s[mid] <= key)
			lo = mid;
		else
			hi = mid;
	}
	return p->krule[kt->off + lo];
}

/* The last interval in [lo, hi) starting at or below @a; start[lo] <= @a. */
static u32 sgc_atab_search(const struct sgc_atab *at, const struct sgc_addr *a,
			   u32 lo, u32 hi)
{
	while (hi - lo > 1) {
		u32 mid = lo + (hi - lo) / 2;

		if (sgc_acmp(&at->start[mid], a) <= 0)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

static u32 sgc_atab_find(const struct sgc_atab *at, const struct sgc_addr *a)
{
	u32 b, lo;

	if (!at->bits)
		return sgc_atab_search(at, a, 0, at->n);
	if (sgc_acmp(a, &at->rlo) < 0)
		return sgc_atab_search(at, a, 0, at->bidx[0]);
	if (sgc_acmp(a, &at->rhi) > 0)
		return sgc_atab_search(at, a, at->bidx[1u << at->bits] - 1, at->n);
	b = sgc_abits(a, at->width, at->plen, at->bits);
	lo = at->bidx[b] ? at->bidx[b] - 1 : 0;
	return sgc_atab_search(at, a, lo, at->bidx[b + 1]);
}

static s32 sgc_group_tab(const struct sgc_policy *p, u32 group)
{
	u32 lo = 0, hi = p->ngroups;

	while (lo < hi) {
		u32 mid = lo + (hi - lo) / 2;

		if (p->group_id[mid] == group)
			return p->group_tab[mid];
		if (p->group_id[mid] < group)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

static void sgc_take(s32 *best, s32 r)
{
	if (r >= 0 && (*best < 0 || r < *best))
		*best = r;
}

int sgc_lookup(const struct sgc_policy *p, const struct sgc_pkt *pkt)
{
	const struct sgc_atab *at = &p->af[pkt->family == 4 ? 0 : 1];
	s32 best = -1, t;
	u32 i, k;

	if (at->n) {
		i = sgc_atab_find(at, &pkt->peer);
		for (k = at->cover_off[i]; k < at->cover_off[i + 1]; k++)
			sgc_take(&best, sgc_ktab_lookup(p, at->cover[k], pkt->key));
	}
	for (i = 0; i < pkt->ngroups && p->ngroups; i++) {
		t = sgc_group_tab(p, pkt->groups[i]);
		if (t >= 0)
			sgc_take(&best, sgc_ktab_lookup(p, t, pkt->key));
	}
	return best;
}
