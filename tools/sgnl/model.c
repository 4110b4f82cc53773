// SPDX-License-Identifier: GPL-2.0
/*
 * sgnl's configuration model (config.h): groups with their tags, remote
 * members and rules, and attachments, as typed structures.  A file
 * (read.c) and the kernel (fetch.c) each become one, once; save, diff,
 * replace and the batch's changes work on it as it is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgnl.h"
#include "config.h"

static void *xrealloc(void *p, size_t n, size_t size)
{
	p = realloc(p, (n ?: 1) * size);
	if (!p) {
		fputs("sgnl: out of memory\n", stderr);
		exit(1);
	}
	return p;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s ?: "");

	if (!d) {
		fputs("sgnl: out of memory\n", stderr);
		exit(1);
	}
	return d;
}

/* room for one more element at the end of @arr, of @n: the array doubles
 * when @n is 0 or a power of two, so that a million members cost a few
 * copies, not a million */
#define GROW(arr, n) \
	((arr) = ((n) & ((n) - 1)) ? (arr) : xrealloc((arr), 2 * (n) ?: 1, sizeof(*(arr))), \
	 &(arr)[(n)++])
/* element @i of @arr, of @n, taken out */
#define TAKE(arr, n, i) memmove(&(arr)[i], &(arr)[(i) + 1], (--(n) - (i)) * sizeof(*(arr)))

struct conf *conf_new(void)
{
	return memset(xrealloc(NULL, 1, sizeof(struct conf)), 0, sizeof(struct conf));
}

void conf_rule_clear(struct conf_rule *r)
{
	free(r->peer_group);
	free(r->desc);
}

static void index_free(struct conf_group *g);

static void group_free(struct conf_group *g)
{
	size_t i;

	for (i = 0; i < g->ntags; i++) {
		free(g->tags[i].key);
		free(g->tags[i].value);
	}
	for (i = 0; i < g->nrules; i++)
		conf_rule_clear(&g->rules[i]);
	free(g->tags);
	free(g->members);
	index_free(g);
	free(g->rules);
	free(g->name);
	free(g->desc);
}

void conf_attach_clear(struct conf_attach *at)
{
	size_t i;

	for (i = 0; i < at->ngroups; i++)
		free(at->groups[i]);
	free(at->groups);
	free(at->addrs);
	at->groups = NULL;
	at->addrs = NULL;
	at->ngroups = 0;
	at->naddrs = 0;
	at->has_mac = false;
	at->flowlog = false;
}

void conf_free(struct conf *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < c->ngroups; i++)
		group_free(&c->groups[i]);
	for (i = 0; i < c->natts; i++) {
		conf_attach_clear(&c->atts[i]);
		free(c->atts[i].name);
	}
	free(c->groups);
	free(c->atts);
	free(c);
}

/* A copy of @c, ids with it: what a batch read, as it read it. */
struct conf *conf_dup(const struct conf *c)
{
	struct conf *d = conf_new();
	const struct conf_group *g;
	struct conf_group *n;
	size_t i, j;

	for (i = 0; i < c->ngroups; i++) {
		g = &c->groups[i];
		n = conf_group_add(d, g->name, g->desc);
		n->id = g->id;
		for (j = 0; j < g->ntags; j++)
			conf_tag_set(n, g->tags[j].key, g->tags[j].value);
		for (j = 0; j < g->nmembers; j++)
			conf_member_add(n, &g->members[j]);
		for (j = 0; j < g->nrules; j++)
			conf_rule_add(n, &g->rules[j]);
	}
	return d;	/* the attachments: not needed */
}

/* ---- groups ---- */

struct conf_group *conf_group(const struct conf *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->ngroups; i++)
		if (!strcmp(c->groups[i].name, name))
			return &c->groups[i];
	return NULL;
}

struct conf_group *conf_group_by_id(const struct conf *c, uint32_t id)
{
	size_t i;

	for (i = 0; id && i < c->ngroups; i++)
		if (c->groups[i].id == id)
			return &c->groups[i];
	return NULL;
}

struct conf_group *conf_group_add(struct conf *c, const char *name, const char *desc)
{
	struct conf_group *g = GROW(c->groups, c->ngroups);

	memset(g, 0, sizeof(*g));
	g->name = xstrdup(name);
	g->desc = xstrdup(desc);
	return g;
}

void conf_group_del(struct conf *c, struct conf_group *g)
{
	size_t i = g - c->groups;

	group_free(g);
	TAKE(c->groups, c->ngroups, i);
}

void conf_group_set_desc(struct conf_group *g, const char *desc)
{
	char *d = xstrdup(desc);	/* @desc may be the old one */

	free(g->desc);
	g->desc = d;
}

static struct conf_tag *tag_find(const struct conf_group *g, const char *key)
{
	size_t i;

	for (i = 0; i < g->ntags; i++)
		if (!strcmp(g->tags[i].key, key))
			return &g->tags[i];
	return NULL;
}

const char *conf_tag(const struct conf_group *g, const char *key)
{
	struct conf_tag *t = tag_find(g, key);

	return t ? t->value : NULL;
}

/* a tag that exists keeps its place and takes the new value */
void conf_tag_set(struct conf_group *g, const char *key, const char *value)
{
	struct conf_tag *t = tag_find(g, key);
	char *v = xstrdup(value);	/* @value may be the old one */

	if (!t) {
		t = GROW(g->tags, g->ntags);
		t->key = xstrdup(key);
	} else {
		free(t->value);
	}
	t->value = v;
}

void conf_tag_del(struct conf_group *g, const char *key)
{
	struct conf_tag *t = tag_find(g, key);

	if (!t)
		return;
	free(t->key);
	free(t->value);
	TAKE(g->tags, g->ntags, (size_t)(t - g->tags));
}

/* the same keys with the same values, in any order */
bool conf_tags_equal(const struct conf_group *a, const struct conf_group *b)
{
	size_t i;

	if (a->ntags != b->ntags)
		return false;
	for (i = 0; i < a->ntags; i++) {
		const char *v = conf_tag(b, a->tags[i].key);

		if (!v || strcmp(v, a->tags[i].value))
			return false;
	}
	return true;
}

static void add_rule_text(struct conf_group *g, const char *text)
{
	char buf[SG_RULE_TEXT_MAX], *w[32];
	struct conf_rule r[2];
	struct rule_args ra;
	struct args a;
	int k, n;

	snprintf(buf, sizeof(buf), "%s", text);
	a.argc = split_words(buf, w, 32);
	a.argv = w;
	if (rule_parse(&a, &ra, "default rules", 0))
		abort();	/* our own words */
	n = conf_rules_of(&ra, ra.peer_group, "", r);
	for (k = 0; k < n; k++) {
		conf_rule_add(g, &r[k]);
		conf_rule_clear(&r[k]);
	}
}

/* The rules the kernel gives a new group; for "default", its own too. */
void conf_default_rules(struct conf_group *g)
{
	if (!strcmp(g->name, "default"))
		add_rule_text(g, "ingress all from group default");
	add_rule_text(g, "egress all to 0.0.0.0/0");
	add_rule_text(g, "egress all to ::/0");
}

/* a rule of a group other than @g, or an attachment, that names @g */
const char *conf_group_user(const struct conf *c, const struct conf_group *g)
{
	size_t i, j;

	for (i = 0; i < c->ngroups; i++) {
		const struct conf_group *o = &c->groups[i];

		for (j = 0; o != g && j < o->nrules; j++)
			if (o->rules[j].peer_group && !strcmp(o->rules[j].peer_group, g->name))
				return "a rule of another group refers to it";
	}
	for (i = 0; i < c->natts; i++)
		for (j = 0; j < c->atts[i].ngroups; j++)
			if (!strcmp(c->atts[i].groups[j], g->name))
				return "it is attached to an instance";
	return NULL;
}

/* ---- rules ---- */

int conf_rules_of(const struct rule_args *ra, const char *peer_group,
		  const char *desc, struct conf_rule out[2])
{
	int k, n = rule_nprotos(ra);

	for (k = 0; k < n; k++) {
		struct conf_rule *r = &out[k];

		memset(r, 0, sizeof(*r));
		r->dir = ra->dir;
		r->all = ra->proto.all;
		r->proto = ra->proto.all ? 0 : ra->proto.proto[k];
		/* the whole range is no port at all */
		r->ports = ra->ports && (ra->pmin || ra->pmax != 65535);
		r->pmin = r->ports ? ra->pmin : 0;
		r->pmax = r->ports ? ra->pmax : 0;
		r->type = ra->type;
		r->itype = ra->type ? ra->itype : 0;
		r->code = ra->code;
		r->icode = ra->code ? ra->icode : 0;
		if (peer_group) {
			r->peer_group = xstrdup(peer_group);
		} else {
			r->peer = ra->peer;
			sg_cidr_clear(&r->peer);
		}
		r->desc = xstrdup(desc);
	}
	return n;
}

bool conf_ip_equal(const struct sg_ip *a, const struct sg_ip *b)
{
	return a->family == b->family && a->prefix == b->prefix &&
	       !memcmp(&a->v4, &b->v4, a->family == AF_INET ? 4 : 16);
}

bool conf_rule_same(const struct conf_rule *a, const struct conf_rule *b)
{
	if (a->dir != b->dir || a->all != b->all || a->proto != b->proto ||
	    a->ports != b->ports || a->pmin != b->pmin || a->pmax != b->pmax ||
	    a->type != b->type || a->itype != b->itype ||
	    a->code != b->code || a->icode != b->icode ||
	    !a->peer_group != !b->peer_group)
		return false;
	return a->peer_group ? !strcmp(a->peer_group, b->peer_group) :
			       conf_ip_equal(&a->peer, &b->peer);
}

int conf_rule_find(const struct conf_group *g, const struct conf_rule *r)
{
	size_t i;

	for (i = 0; i < g->nrules; i++)
		if (conf_rule_same(&g->rules[i], r))
			return i;
	return -1;
}

/* after the last rule of its direction: ingress rules come first */
void conf_rule_add(struct conf_group *g, const struct conf_rule *r)
{
	size_t at = g->nrules;
	struct conf_rule *n;

	if (r->dir == SECGROUP_INGRESS)
		for (at = 0; at < g->nrules && g->rules[at].dir == SECGROUP_INGRESS; at++)
			;
	n = GROW(g->rules, g->nrules);
	memmove(&g->rules[at + 1], &g->rules[at], (n - &g->rules[at]) * sizeof(*n));
	n = &g->rules[at];
	*n = *r;
	n->peer_group = r->peer_group ? xstrdup(r->peer_group) : NULL;
	n->desc = xstrdup(r->desc);
}

void conf_rule_del(struct conf_group *g, size_t i)
{
	conf_rule_clear(&g->rules[i]);
	TAKE(g->rules, g->nrules, i);
}

void conf_rule_set_desc(struct conf_rule *r, const char *desc)
{
	char *d = xstrdup(desc);	/* @desc may be the old one */

	free(r->desc);
	r->desc = d;
}

void conf_rule_text(const struct conf_rule *r, char *buf, size_t len)
{
	char port[16] = "", peer[300];

	if (r->ports && r->pmin == r->pmax)
		snprintf(port, sizeof(port), "%u", r->pmin);
	else if (r->ports)
		snprintf(port, sizeof(port), "%u-%u", r->pmin, r->pmax);
	if (r->peer_group)
		peer_group_text(peer, sizeof(peer), r->peer_group);
	else
		sg_cidr_canon(&r->peer, peer, sizeof(peer));
	rule_canon(buf, len, r->dir, r->all ? "all" : sg_proto_name(r->proto),
		   port[0] ? port : NULL, r->type ? r->itype : -1, r->code ? r->icode : -1,
		   peer);
}

void conf_rule_args(const struct conf_rule *r, struct rule_args *ra)
{
	memset(ra, 0, sizeof(*ra));
	ra->dir = r->dir;
	ra->proto.all = r->all;
	ra->proto.nproto = 1;
	ra->proto.proto[0] = r->proto;
	ra->ports = r->ports;
	ra->pmin = r->pmin;
	ra->pmax = r->pmax;
	ra->type = r->type;
	ra->itype = r->itype;
	ra->code = r->code;
	ra->icode = r->icode;
	ra->peer = r->peer;
	ra->peer_group = r->peer_group;
	ra->desc = r->desc[0] ? r->desc : NULL;
}

/* ---- remote members ---- */

/* the same host address, whatever prefix @b was parsed with */
static bool same_host(const struct sg_ip *a, const struct sg_ip *b)
{
	return a->family == b->family && !memcmp(&a->v4, &b->v4, a->family == AF_INET ? 4 : 16);
}

/*
 * A group's members by address, for conf_member_find(): open addressing
 * with linear probing, built by the first find and kept from then on as
 * members come and go.  A batch of n member lines, or a diff of two
 * groups, then costs O(n), not O(n) a line: a million members are a use.
 */
struct member_index {
	uint32_t *slot;			/* a member's index + 1; 0: empty */
	size_t mask;			/* slots - 1 */
};

static size_t ip_hash(const struct sg_ip *ip)
{
	const uint8_t *b = (const uint8_t *)&ip->v4;
	size_t i, n = ip->family == AF_INET ? 4 : 16;
	uint64_t h = 0xcbf29ce484222325ULL ^ ip->family;	/* FNV-1a */

	for (i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ULL;
	return h ^ (h >> 29);
}

static void index_put(struct member_index *x, const struct sg_ip *members, size_t i)
{
	size_t h = ip_hash(&members[i]) & x->mask;

	while (x->slot[h])
		h = (h + 1) & x->mask;
	x->slot[h] = i + 1;
}

/* @g's index, for at least @n members (a half of its slots at most) */
static void index_build(struct conf_group *g, size_t n)
{
	struct member_index *x = g->idx;
	size_t slots = 64, i;

	while (slots < 2 * n)
		slots *= 2;
	if (!x)
		x = g->idx = xrealloc(NULL, 1, sizeof(*x));
	else
		free(x->slot);
	x->slot = xrealloc(NULL, slots, sizeof(*x->slot));
	memset(x->slot, 0, slots * sizeof(*x->slot));
	x->mask = slots - 1;
	for (i = 0; i < g->nmembers; i++)
		index_put(x, g->members, i);
}

static void index_free(struct conf_group *g)
{
	if (g->idx)
		free(g->idx->slot);
	free(g->idx);
	g->idx = NULL;
}

/* the slot of @ip, or of the empty one where it would go */
static size_t index_slot(const struct conf_group *g, const struct sg_ip *ip)
{
	const struct member_index *x = g->idx;
	size_t h = ip_hash(ip) & x->mask;

	while (x->slot[h] && !same_host(&g->members[x->slot[h] - 1], ip))
		h = (h + 1) & x->mask;
	return h;
}

/* slot @h emptied; those after it that probed past it moved back */
static void index_unslot(struct conf_group *g, size_t h)
{
	struct member_index *x = g->idx;
	size_t j = h, home;

	x->slot[h] = 0;
	for (;;) {
		j = (j + 1) & x->mask;
		if (!x->slot[j])
			return;
		home = ip_hash(&g->members[x->slot[j] - 1]) & x->mask;
		/* stays if its home is cyclically in (h, j] */
		if (((j - home) & x->mask) < ((j - h) & x->mask))
			continue;
		x->slot[h] = x->slot[j];
		x->slot[j] = 0;
		h = j;
	}
}

int conf_member_find(const struct conf_group *g, const struct sg_ip *ip)
{
	size_t h;

	if (!g->idx)	/* a cache: building it changes no member */
		index_build((struct conf_group *)g, g->nmembers);
	h = index_slot(g, ip);
	return g->idx->slot[h] ? (int)g->idx->slot[h] - 1 : -1;
}

int conf_addr_find(const struct conf_attach *at, const struct sg_ip *ip)
{
	size_t i;

	for (i = 0; i < at->naddrs; i++)
		if (same_host(&at->addrs[i], ip))
			return i;
	return -1;
}

/* a host address: its prefix is the whole address */
static struct sg_ip host_ip(const struct sg_ip *ip)
{
	struct sg_ip h = *ip;

	h.prefix = h.family == AF_INET ? 32 : 128;
	return h;
}

void conf_member_add(struct conf_group *g, const struct sg_ip *ip)
{
	*GROW(g->members, g->nmembers) = host_ip(ip);
	if (!g->idx)
		return;
	if (2 * g->nmembers > g->idx->mask + 1)
		index_build(g, g->nmembers);	/* every member, this one too */
	else
		index_put(g->idx, g->members, g->nmembers - 1);
}

static int ip_cmp(const void *x, const void *y)
{
	return sg_ip_cmp(x, y);
}

static bool ips_sorted(const struct sg_ip *ip, size_t n)
{
	size_t i;

	for (i = 1; i < n; i++)
		if (sg_ip_cmp(&ip[i - 1], &ip[i]) > 0)
			return false;
	return true;
}

/* every group's members in the order of their addresses (often already) */
void conf_sort_members(struct conf *c)
{
	struct conf_group *g;
	size_t i;

	for (i = 0; i < c->ngroups; i++) {
		g = &c->groups[i];
		if (ips_sorted(g->members, g->nmembers))
			continue;
		qsort(g->members, g->nmembers, sizeof(*g->members), ip_cmp);
		index_free(g);	/* the indexes moved */
	}
}

/* member @i taken out; the last takes its place */
void conf_member_del(struct conf_group *g, size_t i)
{
	size_t last = g->nmembers - 1;

	if (g->idx) {
		index_unslot(g, index_slot(g, &g->members[i]));
		if (i != last)
			g->idx->slot[index_slot(g, &g->members[last])] = i + 1;
	}
	g->members[i] = g->members[last];
	g->nmembers--;
}

/* ---- attachments ---- */

struct conf_attach *conf_attach_find(const struct conf *c, bool cgroup, const char *name)
{
	uint64_t key = instance_key(cgroup ? "cgroup" : "dev", name);
	size_t i;

	for (i = 0; i < c->natts; i++) {
		const struct conf_attach *at = &c->atts[i];

		if (at->cgroup != cgroup)
			continue;
		/* the same instance however named (a cgroup's path) */
		if (!strcmp(at->name, name) ||
		    (key && instance_key(cgroup ? "cgroup" : "dev", at->name) == key))
			return &c->atts[i];
	}
	return NULL;
}

struct conf_attach *conf_attach_add(struct conf *c, bool cgroup, const char *name)
{
	struct conf_attach *at = GROW(c->atts, c->natts);

	memset(at, 0, sizeof(*at));
	at->cgroup = cgroup;
	at->name = xstrdup(name);
	c->has_attachments = true;
	return at;
}

void conf_attach_del(struct conf *c, struct conf_attach *at)
{
	conf_attach_clear(at);
	free(at->name);
	TAKE(c->atts, c->natts, (size_t)(at - c->atts));
}

void conf_attach_add_group(struct conf_attach *at, const char *name)
{
	*GROW(at->groups, at->ngroups) = xstrdup(name);
}

void conf_attach_add_addr(struct conf_attach *at, const struct sg_ip *ip)
{
	*GROW(at->addrs, at->naddrs) = host_ip(ip);
}

/*
 * The same instance, groups in the same order, addresses and flow log;
 * and MAC address, if both give one (none: whatever the kernel reads).
 */
bool conf_attach_equal(const struct conf_attach *a, const struct conf_attach *b)
{
	size_t i;

	if (a->cgroup != b->cgroup || strcmp(a->name, b->name) || a->flowlog != b->flowlog ||
	    a->ngroups != b->ngroups || a->naddrs != b->naddrs ||
	    (a->has_mac && b->has_mac && memcmp(a->mac, b->mac, sizeof(a->mac))))
		return false;
	for (i = 0; i < a->ngroups; i++)
		if (strcmp(a->groups[i], b->groups[i]))
			return false;
	for (i = 0; i < a->naddrs; i++)
		if (!conf_ip_equal(&a->addrs[i], &b->addrs[i]))
			return false;
	return true;
}
