// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's configuration as a model (config.h), read straight from
 * the dumps of groups, rules, attachments and remote members: save, the
 * "before" of a diff, a batch's starting point.  Groups and rules keep their ids, so a
 * batch can name them; peers and attachments name groups by name.
 */
#include <errno.h>
#include <string.h>

#include "sgnl.h"
#include "config.h"

struct fetch {
	struct conf *c;
	bool first;		/* no message of the groups' dump yet */
	uint32_t gen;
};

static void ip_of(struct nlattr *a, bool v4, struct sg_ip *ip)
{
	memset(ip, 0, sizeof(*ip));
	ip->family = v4 ? AF_INET : AF_INET6;
	memcpy(&ip->v4, nla_data(a), v4 ? 4 : 16);
	ip->prefix = v4 ? 32 : 128;
}

static int on_group(struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct nlattr *g[SECGROUP_GROUP_A_MAX + 1], *t[SECGROUP_TAG_A_MAX + 1], *a;
	struct fetch *f = arg;
	struct conf_group *cg;
	int rem;

	if (f->first)	/* the generation the dump began at */
		f->gen = tb[SECGROUP_A_GEN] ? nla_get_u32(tb[SECGROUP_A_GEN]) : 0;
	f->first = false;
	if (!tb[SECGROUP_A_GROUP])
		return 0;
	sg_nest(g, SECGROUP_GROUP_A_MAX, tb[SECGROUP_A_GROUP]);
	cg = conf_group_add(f->c, nla_get_string(g[SECGROUP_GROUP_A_NAME]),
			    nla_get_string(g[SECGROUP_GROUP_A_DESCRIPTION]));
	cg->id = nla_get_u32(g[SECGROUP_GROUP_A_ID]);
	if (g[SECGROUP_GROUP_A_TAGS]) {
		nla_for_each_nested(a, g[SECGROUP_GROUP_A_TAGS], rem) {
			sg_nest(t, SECGROUP_TAG_A_MAX, a);
			conf_tag_set(cg, nla_get_string(t[SECGROUP_TAG_A_KEY]),
				     nla_get_string(t[SECGROUP_TAG_A_VALUE]));
		}
	}
	return 0;	/* the members: from MEMBER_GET, however many */
}

static void on_member(uint32_t group, const struct sg_ip *ip, void *arg)
{
	struct conf_group *g = conf_group_by_id(arg, group);

	if (g)	/* not a group made after the groups' dump */
		conf_member_add(g, ip);
}

/* a rule nest as the model's rule, its strings not yet copied */
static void rule_of(struct nlattr **r, const struct conf *c, struct conf_rule *cr)
{
	const struct conf_group *peer;
	bool v4 = r[SECGROUP_RULE_A_PEER_IPV4];

	memset(cr, 0, sizeof(*cr));
	cr->id = nla_get_u32(r[SECGROUP_RULE_A_ID]);
	cr->dir = nla_get_u8(r[SECGROUP_RULE_A_DIRECTION]);
	cr->all = !r[SECGROUP_RULE_A_PROTOCOL];
	if (!cr->all)
		cr->proto = nla_get_u8(r[SECGROUP_RULE_A_PROTOCOL]);
	if (r[SECGROUP_RULE_A_PORT_MIN]) {
		cr->pmin = nla_get_u16(r[SECGROUP_RULE_A_PORT_MIN]);
		cr->pmax = nla_get_u16(r[SECGROUP_RULE_A_PORT_MAX]);
		cr->ports = cr->pmin || cr->pmax != 65535;
		if (!cr->ports)
			cr->pmin = cr->pmax = 0;
	}
	cr->type = r[SECGROUP_RULE_A_ICMP_TYPE];
	if (cr->type)
		cr->itype = nla_get_u8(r[SECGROUP_RULE_A_ICMP_TYPE]);
	cr->code = r[SECGROUP_RULE_A_ICMP_CODE];
	if (cr->code)
		cr->icode = nla_get_u8(r[SECGROUP_RULE_A_ICMP_CODE]);
	if (r[SECGROUP_RULE_A_PEER_GROUP]) {
		/* groups come first in the dumps: a peer is always among them */
		peer = conf_group_by_id(c, nla_get_u32(r[SECGROUP_RULE_A_PEER_GROUP]));
		cr->peer_group = (char *)(peer ? peer->name :
					  sg_id(nla_get_u32(r[SECGROUP_RULE_A_PEER_GROUP])));
	} else {
		ip_of(v4 ? r[SECGROUP_RULE_A_PEER_IPV4] : r[SECGROUP_RULE_A_PEER_IPV6], v4,
		      &cr->peer);
		cr->peer.prefix = nla_get_u8(r[SECGROUP_RULE_A_PEER_PREFIX]);
	}
	cr->desc = r[SECGROUP_RULE_A_DESCRIPTION] ?
		   nla_get_string(r[SECGROUP_RULE_A_DESCRIPTION]) : "";
}

static int on_rule(struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct nlattr *r[SECGROUP_RULE_A_MAX + 1];
	struct fetch *f = arg;
	struct conf_group *g;
	struct conf_rule cr;

	if (!tb[SECGROUP_A_RULE])
		return 0;
	sg_nest(r, SECGROUP_RULE_A_MAX, tb[SECGROUP_A_RULE]);
	g = conf_group_by_id(f->c, nla_get_u32(r[SECGROUP_RULE_A_GROUP]));
	if (!g)		/* a group made after the groups' dump */
		return 0;
	rule_of(r, f->c, &cr);
	conf_rule_add(g, &cr);	/* copies the strings */
	return 0;
}

static int on_attach(struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct nlattr *t[SECGROUP_ATTACH_A_MAX + 1], *x;
	const struct conf_group *g;
	struct fetch *f = arg;
	struct conf_attach *at;
	struct sg_ip ip;
	bool dev;
	int rem;

	if (!tb[SECGROUP_A_ATTACH])
		return 0;
	sg_nest(t, SECGROUP_ATTACH_A_MAX, tb[SECGROUP_A_ATTACH]);
	dev = t[SECGROUP_ATTACH_A_IFINDEX];
	x = t[dev ? SECGROUP_ATTACH_A_IFNAME : SECGROUP_ATTACH_A_CGROUP_PATH];
	at = conf_attach_add(f->c, !dev, x ? nla_get_string(x) : "?");
	nla_for_each_nested(x, t[SECGROUP_ATTACH_A_GROUPS], rem) {
		g = conf_group_by_id(f->c, nla_get_u32(x));
		conf_attach_add_group(at, g ? g->name : sg_id(nla_get_u32(x)));
	}
	nla_for_each_nested(x, t[SECGROUP_ATTACH_A_ADDRS], rem) {
		ip_of(x, nla_type(x) == SECGROUP_ADDR_A_IPV4, &ip);
		conf_attach_add_addr(at, &ip);
	}
	at->flowlog = nla_get_u32(t[SECGROUP_ATTACH_A_FLAGS]) & SECGROUP_ATTACH_F_FLOWLOG;
	/* a MAC address the kernel took is not configuration: save leaves it out */
	if (t[SECGROUP_ATTACH_A_MAC] && !t[SECGROUP_ATTACH_A_MAC_DEFAULT]) {
		at->has_mac = true;
		memcpy(at->mac, nla_data(t[SECGROUP_ATTACH_A_MAC]), sizeof(at->mac));
	}
	return 0;
}

struct conf *config_fetch(uint32_t *gen)
{
	struct fetch f = { .c = conf_new(), .first = true };

	/* the first that fails stops it: sg_nl_last_err says why */
	if (sg_nl_talk(sg_msg(SECGROUP_CMD_GROUP_GET, NLM_F_DUMP), on_group, &f) ||
	    sg_nl_talk(sg_msg(SECGROUP_CMD_RULE_GET, NLM_F_DUMP), on_rule, &f) ||
	    sg_nl_talk(sg_msg(SECGROUP_CMD_ATTACH_GET, NLM_F_DUMP), on_attach, &f) ||
	    members_fetch(0, on_member, f.c)) {
		conf_free(f.c);
		return NULL;
	}
	f.c->has_attachments = true;
	conf_sort_members(f.c);	/* MEMBER_GET gives them in hash order */
	if (gen)
		*gen = f.gen;
	return f.c;
}
