// SPDX-License-Identifier: GPL-2.0
/* sgnl group ... : create, delete, update, list and show groups. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sgnl.h"

static char idbuf[16];

const char *sg_id(uint32_t id)
{
	snprintf(idbuf, sizeof(idbuf), "sg-%08x", id);
	return idbuf;
}

static int on_group_id(struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct nlattr *g[SECGROUP_GROUP_A_MAX + 1];

	if (!tb[SECGROUP_A_GROUP] || sg_nest(g, SECGROUP_GROUP_A_MAX, tb[SECGROUP_A_GROUP]) ||
	    !g[SECGROUP_GROUP_A_ID])
		return 0;
	*(uint32_t *)arg = nla_get_u32(g[SECGROUP_GROUP_A_ID]);
	return 0;
}

int group_resolve(const char *s, uint32_t *id)
{
	struct nl_msg *m;
	struct nlattr *n;
	int err;

	*id = sg_parse_group_id(s);
	if (*id)
		return 0;
	if (!*s)
		return -EINVAL;
	m = sg_msg(SECGROUP_CMD_GROUP_GET, 0);
	n = nla_nest_start(m, SECGROUP_A_GROUP);
	nla_put_string(m, SECGROUP_GROUP_A_NAME, s);
	nla_nest_end(m, n);
	err = sg_nl_talk(m, on_group_id, id);
	if (!err && !*id)
		err = -ENOENT;
	return err;
}

/* Put the group @s (NAME or sg-ID) as a u32 id attribute. */
int put_group_ref(struct nl_msg *m, int attr, const char *s)
{
	uint32_t id;
	int err = group_resolve(s, &id);

	if (err) {
		fprintf(stderr, "sgnl: no group '%s'%s%s\n", s,
			sg_nl_errmsg[0] ? ": " : "", sg_nl_errmsg);
		return err;
	}
	return nla_put_u32(m, attr, id) ? -EMSGSIZE : 0;
}

static bool members_missing;	/* a group's message left them to MEMBER_GET */

static json_object *group_json(struct nlattr *nest)
{
	struct nlattr *g[SECGROUP_GROUP_A_MAX + 1], *t[SECGROUP_TAG_A_MAX + 1], *a;
	json_object *o = json_object_new_object(), *tags, *members;
	char ip[64];
	int rem;

	sg_nest(g, SECGROUP_GROUP_A_MAX, nest);
	json_object_object_add(o, "id", json_object_new_string(sg_id(nla_get_u32(g[SECGROUP_GROUP_A_ID]))));
	json_object_object_add(o, "name", json_object_new_string(nla_get_string(g[SECGROUP_GROUP_A_NAME])));
	json_object_object_add(o, "description",
			       json_object_new_string(nla_get_string(g[SECGROUP_GROUP_A_DESCRIPTION])));
	json_object_object_add(o, "default", json_object_new_boolean(
		nla_get_u32(g[SECGROUP_GROUP_A_FLAGS]) & SECGROUP_GROUP_F_DEFAULT));
	json_object_object_add(o, "attachments",
			       json_object_new_int(nla_get_u32(g[SECGROUP_GROUP_A_ATTACHMENTS])));
	tags = json_object_new_object();
	if (g[SECGROUP_GROUP_A_TAGS]) {
		nla_for_each_nested(a, g[SECGROUP_GROUP_A_TAGS], rem) {
			sg_nest(t, SECGROUP_TAG_A_MAX, a);
			json_object_object_add(tags, nla_get_string(t[SECGROUP_TAG_A_KEY]),
				json_object_new_string(nla_get_string(t[SECGROUP_TAG_A_VALUE])));
		}
	}
	json_object_object_add(o, "tags", tags);
	members = json_object_new_array();
	if (g[SECGROUP_GROUP_A_MEMBERS]) {
		nla_for_each_nested(a, g[SECGROUP_GROUP_A_MEMBERS], rem) {
			sg_format_ip(nla_type(a) == SECGROUP_ADDR_A_IPV4 ? AF_INET : AF_INET6,
				     nla_data(a), ip, sizeof(ip));
			json_object_array_add(members, json_object_new_string(ip));
		}
	}
	json_object_object_add(o, "members", members);
	if (g[SECGROUP_GROUP_A_NMEMBERS] &&
	    nla_get_u32(g[SECGROUP_GROUP_A_NMEMBERS]) != json_object_array_length(members))
		members_missing = true;
	return o;
}

static int on_group(struct nlattr **tb, uint8_t cmd, void *arg)
{
	if (tb[SECGROUP_A_GROUP])
		json_object_array_add(arg, group_json(tb[SECGROUP_A_GROUP]));
	return 0;
}

struct members_cb {
	void (*fn)(uint32_t group, const struct sg_ip *ip, void *arg);
	void *arg;
};

static int on_member(struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct nlattr *m[SECGROUP_MEMBER_A_MAX + 1];
	struct members_cb *cb = arg;
	struct sg_ip ip = { 0 };
	bool v4;

	if (!tb[SECGROUP_A_MEMBER])
		return 0;
	sg_nest(m, SECGROUP_MEMBER_A_MAX, tb[SECGROUP_A_MEMBER]);
	v4 = m[SECGROUP_MEMBER_A_IPV4];
	ip.family = v4 ? AF_INET : AF_INET6;
	ip.prefix = v4 ? 32 : 128;
	memcpy(&ip.v4, nla_data(m[v4 ? SECGROUP_MEMBER_A_IPV4 : SECGROUP_MEMBER_A_IPV6]),
	       v4 ? 4 : 16);
	cb->fn(nla_get_u32(m[SECGROUP_MEMBER_A_GROUP]), &ip, cb->arg);
	return 0;
}

int members_fetch(uint32_t group, void (*fn)(uint32_t group, const struct sg_ip *ip, void *arg),
		  void *arg)
{
	struct nl_msg *m = sg_msg(SECGROUP_CMD_MEMBER_GET, NLM_F_DUMP);
	struct members_cb cb = { fn, arg };
	struct nlattr *n;

	if (group) {
		n = nla_nest_start(m, SECGROUP_A_MEMBER);
		nla_put_u32(m, SECGROUP_MEMBER_A_GROUP, group);
		nla_nest_end(m, n);
	}
	return sg_nl_talk(m, on_member, &cb);
}

/* a member from MEMBER_GET into its group's "members" of the array @arg */
static void add_member(uint32_t group, const struct sg_ip *ip, void *arg)
{
	json_object *g = jfind(arg, "id", sg_id(group), NULL);
	char buf[INET6_ADDRSTRLEN];

	if (!g)
		return;
	sg_format_ip(ip->family, &ip->v4, buf, sizeof(buf));
	json_object_array_add(json_object_object_get(g, "members"), json_object_new_string(buf));
}

/* two addresses as strings, in the order the kernel lists them */
static int addr_cmp(const void *x, const void *y)
{
	struct sg_ip a, b;

	sg_parse_ip(json_object_get_string(*(json_object *const *)x), &a, false);
	sg_parse_ip(json_object_get_string(*(json_object *const *)y), &b, false);
	return sg_ip_cmp(&a, &b);
}

/* Every group, its remote members with it: from MEMBER_GET when the
 * netns has too many for the groups' messages to list. */
json_object *groups_fetch(void)
{
	json_object *arr = json_object_new_array();
	size_t i;

	members_missing = false;
	if (sg_nl_talk(sg_msg(SECGROUP_CMD_GROUP_GET, NLM_F_DUMP), on_group, arr))
		goto fail;
	if (!members_missing)
		return arr;
	for (i = 0; i < json_object_array_length(arr); i++)
		json_object_object_add(json_object_array_get_idx(arr, i), "members",
				       json_object_new_array());
	if (!members_fetch(0, add_member, arr)) {
		for (i = 0; i < json_object_array_length(arr); i++)
			json_object_array_sort(json_object_object_get(
				json_object_array_get_idx(arr, i), "members"), addr_cmp);
		return arr;
	}
fail:
	json_object_put(arr);
	return NULL;
}

const char *group_name(json_object *groups, uint32_t id)
{
	json_object *g = jfind(groups, "id", sg_id(id), NULL);

	return !g ? sg_id(id) : opts.numeric ? jstr(g, "id") : jstr(g, "name");
}

static int on_rule(struct nlattr **tb, uint8_t cmd, void *arg)
{
	if (tb[SECGROUP_A_RULE])
		json_object_array_add(arg, rule_json(tb[SECGROUP_A_RULE]));
	return 0;
}

json_object *rules_fetch(uint32_t group)
{
	json_object *arr = json_object_new_array();
	struct nl_msg *m = sg_msg(SECGROUP_CMD_RULE_GET, NLM_F_DUMP);

	if (group) {
		struct nlattr *n = nla_nest_start(m, SECGROUP_A_RULE);

		nla_put_u32(m, SECGROUP_RULE_A_GROUP, group);
		nla_nest_end(m, n);
	}
	if (sg_nl_talk(m, on_rule, arr)) {
		json_object_put(arr);
		return NULL;
	}
	return arr;
}

/* KEY=VALUE: a non-empty key of at most SECGROUP_TAG_KEY_MAX bytes */
static int tag_check(const char *kv, const char *what)
{
	const char *eq = kv ? strchr(kv, '=') : NULL;

	if (!eq || eq == kv)
		return usage_err("%s: tag needs KEY=VALUE, not '%s'", what, kv ? kv : "");
	if (eq - kv > SECGROUP_TAG_KEY_MAX)
		return usage_err("%s: tag key longer than %d bytes", what, SECGROUP_TAG_KEY_MAX);
	return 0;
}

/* "KEY=VALUE" as a SECGROUP_TAG_A_TAG nest (checked by tag_check) */
static void put_tag(struct nl_msg *m, const char *kv)
{
	const char *eq = strchr(kv, '=');
	char key[SECGROUP_TAG_KEY_MAX + 1];
	struct nlattr *t;

	snprintf(key, sizeof(key), "%.*s", (int)(eq - kv), kv);
	t = nla_nest_start(m, SECGROUP_TAG_A_TAG);
	nla_put_string(m, SECGROUP_TAG_A_KEY, key);
	nla_put_string(m, SECGROUP_TAG_A_VALUE, eq + 1);
	nla_nest_end(m, t);
}

/*
 * group add NAME [description TEXT] [tag KEY=VALUE]... [no-default-egress]
 * group set NAME|ID [description TEXT] [tag KEY=VALUE]... [untag KEY]...
 * into @ga (@set: the second); a usage error names @what.
 */
int group_args_parse(struct args *a, struct group_args *ga, bool set)
{
	const char *what = set ? "group set" : "group add";
	int err;

	memset(ga, 0, sizeof(*ga));
	ga->group = next(a);
	if (!ga->group)
		return usage_err("%s: %s is required", what, set ? "NAME or ID" : "NAME");
	if (!set && sg_name_problem(ga->group))
		return usage_err("%s: %s", what, sg_name_problem(ga->group));
	while (peek(a)) {
		if (match(a, "description")) {
			ga->desc = next(a);
			if (!ga->desc)
				return usage_err("%s: description needs TEXT", what);
			if (!sg_text_ok(ga->desc))
				return usage_err("%s: %s", what, SG_TEXT_CHARS);
		} else if (match(a, "tag")) {
			err = tag_check(peek(a), what);
			if (err)
				return err;
			if (ga->ntags == SECGROUP_TAGS_MAX)
				return usage_err("%s: at most %d tags", what, SECGROUP_TAGS_MAX);
			ga->tags[ga->ntags++] = next(a);
		} else if (set && match(a, "untag")) {
			if (!peek(a))
				return usage_err("%s: untag needs a KEY", what);
			if (strlen(peek(a)) > SECGROUP_TAG_KEY_MAX)
				return usage_err("%s: tag key longer than %d bytes", what,
						 SECGROUP_TAG_KEY_MAX);
			if (ga->nuntags == SECGROUP_TAGS_MAX)
				return usage_err("%s: at most %d untags", what, SECGROUP_TAGS_MAX);
			ga->untags[ga->nuntags++] = next(a);
		} else if (!set && match(a, "no-default-egress")) {
			ga->no_default_egress = true;
		} else {
			return usage_err("%s: unknown argument '%s'", what, peek(a));
		}
	}
	return 0;
}

/* put NAME or ID of a group as GROUP_A_ID / GROUP_A_NAME */
static void put_group_key(struct nl_msg *m, const char *s)
{
	uint32_t id = sg_parse_group_id(s);

	if (id)
		nla_put_u32(m, SECGROUP_GROUP_A_ID, id);
	else
		nla_put_string(m, SECGROUP_GROUP_A_NAME, s);
}

/* the SECGROUP_A_GROUP nest of group add (@add) or set */
static struct nl_msg *group_msg(const struct group_args *ga, bool add)
{
	struct nl_msg *m = sg_msg(add ? SECGROUP_CMD_GROUP_NEW : SECGROUP_CMD_GROUP_SET, 0);
	struct nlattr *n, *t;
	int k;

	n = nla_nest_start(m, SECGROUP_A_GROUP);
	if (add)
		nla_put_string(m, SECGROUP_GROUP_A_NAME, ga->group);
	else
		put_group_key(m, ga->group);
	if (ga->desc)
		nla_put_string(m, SECGROUP_GROUP_A_DESCRIPTION, ga->desc);
	if (ga->ntags) {	/* the attributes of a nest stay together */
		t = nla_nest_start(m, SECGROUP_GROUP_A_TAGS);
		for (k = 0; k < ga->ntags; k++)
			put_tag(m, ga->tags[k]);
		nla_nest_end(m, t);
	}
	if (ga->nuntags) {
		t = nla_nest_start(m, SECGROUP_GROUP_A_UNTAGS);
		for (k = 0; k < ga->nuntags; k++)
			nla_put_string(m, SECGROUP_TAG_A_KEY, ga->untags[k]);
		nla_nest_end(m, t);
	}
	if (ga->no_default_egress)
		nla_put_u32(m, SECGROUP_GROUP_A_FLAGS, SECGROUP_GROUP_F_NO_DEFAULT_EGRESS);
	nla_nest_end(m, n);
	return m;
}

int group_add(struct args *a)
{
	struct group_args ga;
	json_object *out;
	int err;

	err = group_args_parse(a, &ga, false);
	if (err)
		return err;
	out = json_object_new_array();
	err = sg_nl_talk(group_msg(&ga, true), on_group, out);
	if (err) {
		json_object_put(out);
		return nl_err("group add", err);
	}
	if (opts.json)
		print_json(out);
	else if (json_object_array_length(out))
		printf("%s\n", jstr(json_object_array_get_idx(out, 0), "id"));
	json_object_put(out);
	return 0;
}

int group_del(struct args *a)
{
	const char *g = next(a);
	struct nl_msg *m;
	struct nlattr *n;
	int err;

	if (!g)
		return usage_err("group del: NAME or ID is required");
	if (peek(a))
		return usage_err("group del: unexpected argument '%s'", peek(a));
	m = sg_msg(SECGROUP_CMD_GROUP_DEL, 0);
	n = nla_nest_start(m, SECGROUP_A_GROUP);
	put_group_key(m, g);
	nla_nest_end(m, n);
	err = sg_nl_talk(m, NULL, NULL);
	return err ? nl_err("group del", err) : 0;
}

int group_set(struct args *a)
{
	struct group_args ga;
	int err;

	err = group_args_parse(a, &ga, true);
	if (err)
		return err;
	err = sg_nl_talk(group_msg(&ga, false), NULL, NULL);
	return err ? nl_err("group set", err) : 0;
}

static void tags_text(json_object *g)
{
	json_object *tags = json_object_object_get(g, "tags");
	const char *sep = "";

	json_object_object_foreach(tags, k, v) {
		printf("%s%s=%s", sep, safe(k), safe(json_object_get_string(v)));
		sep = ",";
	}
}

int group_list(struct args *a)
{
	json_object *groups;
	size_t i;

	if (peek(a))
		return usage_err("group list: unexpected argument '%s'", peek(a));
	groups = groups_fetch();
	if (!groups)
		return nl_err("group list", -EIO);
	if (opts.json) {
		print_json(groups);
	} else {
		for (i = 0; i < json_object_array_length(groups); i++) {
			json_object *g = json_object_array_get_idx(groups, i);

#define S(k) json_object_get_string(json_object_object_get(g, k))
			printf("%s  %-20s attached %d  ", S("id"), S("name"),
			       json_object_get_int(json_object_object_get(g, "attachments")));
			tags_text(g);
			printf("%s\"%s\"\n", json_object_object_length(json_object_object_get(g, "tags")) ?
			       "  " : "", S("description"));
		}
	}
	json_object_put(groups);
	return 0;
}

int group_show(struct args *a)
{
	const char *name = next(a);
	json_object *groups, *g, *rules, *r;
	uint32_t id;
	size_t i;
	int err, dir;

	if (!name)
		return usage_err("group show: NAME or ID is required");
	if (peek(a))
		return usage_err("group show: unexpected argument '%s'", peek(a));
	err = group_resolve(name, &id);
	groups = err ? NULL : groups_fetch();
	g = jfind(groups, "id", sg_id(id), NULL);
	if (!g)
		return nl_err("group show", err ? err : -ENOENT);
	rules = rules_fetch(id);
	if (!rules)
		return nl_err("group show", -EIO);
	if (opts.json) {
		json_object *out = json_object_new_array();

		json_object_object_add(g, "rules", json_object_get(rules));
		json_object_array_add(out, json_object_get(g));
		print_json(out);
		json_object_put(out);
	} else {
		printf("%s %s \"%s\"\n", S("id"), S("name"), S("description"));
		if (json_object_object_length(json_object_object_get(g, "tags"))) {
			printf("  tags: ");
			tags_text(g);
			printf("\n");
		}
		for (dir = 0; dir < 2; dir++) {
			printf("  %s:\n", dir ? "egress" : "ingress");
			for (i = 0; i < json_object_array_length(rules); i++) {
				r = json_object_array_get_idx(rules, i);
				if (strcmp(json_object_get_string(json_object_object_get(r, "direction")),
					   dir ? "egress" : "ingress"))
					continue;
				rule_text(r, groups, "    ");
			}
		}
		r = json_object_object_get(g, "members");
		if (json_object_array_length(r)) {
			printf("  remote members:");
			for (i = 0; i < json_object_array_length(r); i++)
				printf(" %s", json_object_get_string(json_object_array_get_idx(r, i)));
			printf("\n");
		}
		printf("  attached to %d instance(s)\n",
		       json_object_get_int(json_object_object_get(g, "attachments")));
#undef S
	}
	json_object_put(rules);
	json_object_put(groups);
	return 0;
}
