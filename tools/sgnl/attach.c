// SPDX-License-Identifier: GPL-2.0
/* sgnl attach / detach / member / stats. */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "sgnl.h"

/* cgroup PATH as a directory: under /sys/fs/cgroup unless it starts there */
void cgroup_path(const char *name, char *path, size_t len)
{
	if (name[0] == '/' && !strncmp(name, "/sys/fs/cgroup", 14))
		snprintf(path, len, "%s", name);
	else
		snprintf(path, len, "/sys/fs/cgroup/%s", name[0] == '/' ? name + 1 : name);
}

/* An instance's identity: a device's ifindex, a cgroup's inode; 0: none */
uint64_t instance_key(const char *kind, const char *name)
{
	char path[4096];
	struct stat st;

	if (!strcmp(kind, "dev"))
		return if_nametoindex(name);
	cgroup_path(name, path, sizeof(path));
	return stat(path, &st) || !S_ISDIR(st.st_mode) ? 0 : st.st_ino;
}

/*
 * The instance @kind ("dev" or "cgroup") @name into the ATTACH nest of @m:
 * an ifindex, or an open cgroup directory left in @fd (a path under
 * /sys/fs/cgroup, with or without that prefix).  1 on failure, said.
 */
int instance_put(struct nl_msg *m, const char *kind, const char *name,
		 const char *what, int *fd)
{
	char path[4096];

	*fd = -1;
	if (!strcmp(kind, "dev")) {
		unsigned int ifindex = if_nametoindex(name);

		if (!ifindex) {
			fprintf(stderr, "sgnl: %s: no device '%s'\n", what, name);
			return 1;
		}
		return nla_put_u32(m, SECGROUP_ATTACH_A_IFINDEX, ifindex) ? 1 : 0;
	}
	cgroup_path(name, path, sizeof(path));
	*fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0) {
		fprintf(stderr, "sgnl: %s: cgroup %s: %s\n", what, path, strerror(errno));
		return 1;
	}
	return nla_put_s32(m, SECGROUP_ATTACH_A_CGROUP_FD, *fd) ? 1 : 0;
}

/* dev IFNAME | cgroup PATH, the last arguments */
static int put_instance(struct nl_msg *m, struct args *a, const char *what, int *fd)
{
	const char *kind = next(a), *name = next(a);

	*fd = -1;
	if (!kind || !name || (strcmp(kind, "dev") && strcmp(kind, "cgroup")))
		return usage_err("%s: 'dev IFNAME' or 'cgroup PATH' expected", what);
	if (peek(a))
		return usage_err("%s: unknown argument '%s'", what, peek(a));
	return instance_put(m, kind, name, what, fd);
}

static json_object *attach_json(struct nlattr *nest)
{
	struct nlattr *t[SECGROUP_ATTACH_A_MAX + 1], *s[SECGROUP_STATS_A_MAX + 1], *x;
	json_object *o = json_object_new_object(), *arr, *st;
	char buf[64];
	int rem;

	sg_nest(t, SECGROUP_ATTACH_A_MAX, nest);
	if (t[SECGROUP_ATTACH_A_IFINDEX]) {
		json_object_object_add(o, "dev", json_object_new_string(
			t[SECGROUP_ATTACH_A_IFNAME] ? nla_get_string(t[SECGROUP_ATTACH_A_IFNAME]) : "?"));
		json_object_object_add(o, "ifindex", json_object_new_int(nla_get_u32(t[SECGROUP_ATTACH_A_IFINDEX])));
	} else {
		json_object_object_add(o, "cgroup", json_object_new_string(
			t[SECGROUP_ATTACH_A_CGROUP_PATH] ? nla_get_string(t[SECGROUP_ATTACH_A_CGROUP_PATH]) : "?"));
		json_object_object_add(o, "cgroup_id", json_object_new_int64(nla_get_u64(t[SECGROUP_ATTACH_A_CGROUP_ID])));
	}
	arr = json_object_new_array();
	nla_for_each_nested(x, t[SECGROUP_ATTACH_A_GROUPS], rem) {
		snprintf(buf, sizeof(buf), "sg-%08x", nla_get_u32(x));
		json_object_array_add(arr, json_object_new_string(buf));
	}
	json_object_object_add(o, "groups", arr);
	arr = json_object_new_array();
	nla_for_each_nested(x, t[SECGROUP_ATTACH_A_ADDRS], rem) {
		sg_format_ip(nla_type(x) == SECGROUP_ADDR_A_IPV4 ? AF_INET : AF_INET6,
			     nla_data(x), buf, sizeof(buf));
		json_object_array_add(arr, json_object_new_string(buf));
	}
	json_object_object_add(o, "addrs", arr);
	if (t[SECGROUP_ATTACH_A_MAC]) {
		sg_format_mac(nla_data(t[SECGROUP_ATTACH_A_MAC]), buf, sizeof(buf));
		json_object_object_add(o, "mac", json_object_new_string(buf));
	}
	json_object_object_add(o, "flowlog", json_object_new_boolean(
		nla_get_u32(t[SECGROUP_ATTACH_A_FLAGS]) & SECGROUP_ATTACH_F_FLOWLOG));
	st = json_object_new_object();
	sg_nest(s, SECGROUP_STATS_A_MAX, t[SECGROUP_ATTACH_A_STATS]);
	json_object_object_add(st, "new_accepted", json_object_new_int64(nla_get_u64(s[SECGROUP_STATS_A_NEW_ACCEPTED])));
	json_object_object_add(st, "drop_policy", json_object_new_int64(nla_get_u64(s[SECGROUP_STATS_A_DROP_POLICY])));
	json_object_object_add(st, "drop_spoof", json_object_new_int64(nla_get_u64(s[SECGROUP_STATS_A_DROP_SPOOF])));
	json_object_object_add(st, "drop_invalid", json_object_new_int64(nla_get_u64(s[SECGROUP_STATS_A_DROP_INVALID])));
	json_object_object_add(o, "stats", st);
	return o;
}

static int on_attach(struct nlattr **tb, uint8_t cmd, void *arg)
{
	if (tb[SECGROUP_A_ATTACH])
		json_object_array_add(arg, attach_json(tb[SECGROUP_A_ATTACH]));
	return 0;
}

json_object *attach_fetch(void)
{
	json_object *arr = json_object_new_array();

	if (sg_nl_talk(sg_msg(SECGROUP_CMD_ATTACH_GET, NLM_F_DUMP), on_attach, arr)) {
		json_object_put(arr);
		return NULL;
	}
	return arr;
}

/* attach's words after the instance: usage errors before anything is sent */
/* attach's words after the instance into @at: each keyword with its value,
 * so a group named "addr" is a group */
int attach_parse(struct args *a, struct attach_args *at)
{
	const char *w, *v;

	memset(at, 0, sizeof(*at));
	while ((w = next(a))) {
		if (!strcmp(w, "group")) {
			v = next(a);
			if (!v)
				return usage_err("attach: group needs NAME or ID");
			if (at->ngroups == SECGROUP_ATTACH_GROUPS_MAX)
				return usage_err("attach: at most %d groups", SECGROUP_ATTACH_GROUPS_MAX);
			at->groups[at->ngroups++] = v;
		} else if (!strcmp(w, "addr")) {
			v = next(a);
			if (!v || sg_parse_ip(v, &at->addrs[at->naddrs], false))
				return usage_err("attach: bad address '%s'", v ? v : "");
			if (++at->naddrs == SECGROUP_ATTACH_ADDRS_MAX + 1)
				return usage_err("attach: at most %d addresses",
						 SECGROUP_ATTACH_ADDRS_MAX);
		} else if (!strcmp(w, "mac")) {
			v = next(a);
			if (!v || sg_parse_mac(v, at->mac))
				return usage_err("attach: bad MAC address '%s' (a unicast one, as 02:42:ac:11:00:02)",
						 v ? v : "");
			at->has_mac = true;
		} else if (!strcmp(w, "flowlog")) {
			at->flags |= SECGROUP_ATTACH_F_FLOWLOG;
		} else if (!strcmp(w, "flush")) {
			at->flush = true;
		} else {
			return usage_err("attach: unknown argument '%s'", w);
		}
	}
	return 0;
}

/* the groups (resolved to ids), then the addresses: nests must not interleave */
static int attach_put_lists(struct nl_msg *m, const struct attach_args *at)
{
	struct nlattr *n;
	int k;

	if (at->ngroups) {
		n = nla_nest_start(m, SECGROUP_ATTACH_A_GROUPS);
		for (k = 0; k < at->ngroups; k++)
			if (put_group_ref(m, SECGROUP_ATTACH_A_GROUP_ID, at->groups[k]))
				return 1;
		nla_nest_end(m, n);
	}
	if (at->naddrs) {
		n = nla_nest_start(m, SECGROUP_ATTACH_A_ADDRS);
		for (k = 0; k < at->naddrs; k++) {
			if (at->addrs[k].family == AF_INET)
				nla_put(m, SECGROUP_ADDR_A_IPV4, 4, &at->addrs[k].v4);
			else
				nla_put(m, SECGROUP_ADDR_A_IPV6, 16, &at->addrs[k].v6);
		}
		nla_nest_end(m, n);
	}
	return 0;
}

int cmd_attach(struct args *a)
{
	const char *kind = next(a), *name = next(a);
	struct attach_args at;
	struct nl_msg *m;
	struct nlattr *n;
	int fd = -1, err;

	if (!kind || !name || (strcmp(kind, "dev") && strcmp(kind, "cgroup")))
		return usage_err("attach: 'dev IFNAME' or 'cgroup PATH' expected");
	err = attach_parse(a, &at);
	if (err)
		return err;
	m = sg_msg(SECGROUP_CMD_ATTACH_NEW, 0);
	n = nla_nest_start(m, SECGROUP_A_ATTACH);
	err = instance_put(m, kind, name, "attach", &fd) ?: attach_put_lists(m, &at);
	if (err) {
		nlmsg_free(m);
		goto out;
	}
	if (at.flags)
		nla_put_u32(m, SECGROUP_ATTACH_A_FLAGS, at.flags);
	if (at.has_mac)
		nla_put(m, SECGROUP_ATTACH_A_MAC, 6, at.mac);
	nla_nest_end(m, n);
	if (at.flush)
		nla_put_u32(m, SECGROUP_A_FLAGS, SECGROUP_F_FLUSH);
	err = sg_nl_talk(m, NULL, NULL);
	if (err)
		err = nl_err("attach", err);
out:
	if (fd >= 0)
		close(fd);
	return err;
}

int cmd_detach(struct args *a)
{
	struct nl_msg *m = sg_msg(SECGROUP_CMD_ATTACH_DEL, 0);
	struct nlattr *n = nla_nest_start(m, SECGROUP_A_ATTACH);
	int fd, err;

	err = put_instance(m, a, "detach", &fd);
	if (err) {
		nlmsg_free(m);
		goto out;
	}
	nla_nest_end(m, n);
	err = sg_nl_talk(m, NULL, NULL);
	if (err)
		err = nl_err("detach", err);
out:
	if (fd >= 0)
		close(fd);
	return err;
}

/* member {add|del} GROUP ADDR [flush]: the words after add or del */
int member_parse(struct args *a, bool add, struct member_args *ma)
{
	const char *what = add ? "member add" : "member del", *addr;

	ma->group = next(a);
	addr = next(a);
	ma->flush = match(a, "flush");
	if (!ma->group || !addr || sg_parse_ip(addr, &ma->ip, false))
		return usage_err("%s: GROUP and an address are required (got '%s')",
				 what, addr ? addr : "");
	if (peek(a))
		return usage_err("member: unknown argument '%s'", peek(a));
	return 0;
}

static int member_change(struct args *a, bool add)
{
	struct member_args ma;
	struct nl_msg *m;
	struct nlattr *n;
	int err;

	err = member_parse(a, add, &ma);
	if (err)
		return err;
	m = sg_msg(add ? SECGROUP_CMD_MEMBER_NEW : SECGROUP_CMD_MEMBER_DEL, 0);
	if (ma.flush)
		nla_put_u32(m, SECGROUP_A_FLAGS, SECGROUP_F_FLUSH);
	n = nla_nest_start(m, SECGROUP_A_MEMBER);
	if (put_group_ref(m, SECGROUP_MEMBER_A_GROUP, ma.group)) {
		nlmsg_free(m);
		return 1;
	}
	if (ma.ip.family == AF_INET)
		nla_put(m, SECGROUP_MEMBER_A_IPV4, 4, &ma.ip.v4);
	else
		nla_put(m, SECGROUP_MEMBER_A_IPV6, 16, &ma.ip.v6);
	nla_nest_end(m, n);
	err = sg_nl_talk(m, NULL, NULL);
	return err ? nl_err("member", err) : 0;
}

int member_add(struct args *a)
{
	return member_change(a, true);
}

int member_del(struct args *a)
{
	return member_change(a, false);
}

/* member list [GROUP]: every remote member, "GROUP ADDR" */
struct member_list {
	json_object *out, *groups;
};

static void on_listed(uint32_t group, const struct sg_ip *ip, void *arg)
{
	struct member_list *ml = arg;
	char buf[INET6_ADDRSTRLEN];
	json_object *o;

	sg_format_ip(ip->family, &ip->v4, buf, sizeof(buf));
	if (!opts.json) {
		printf("%s %s\n", safe(group_name(ml->groups, group)), buf);
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "group", json_object_new_string(sg_id(group)));
	json_object_object_add(o, "addr", json_object_new_string(buf));
	json_object_array_add(ml->out, o);
}

int member_list(struct args *a)
{
	struct member_list ml = { .out = json_object_new_array() };
	const char *ref = next(a);
	uint32_t id = 0;
	int err;

	if (peek(a)) {
		json_object_put(ml.out);
		return usage_err("member list: unknown argument '%s'", peek(a));
	}
	err = ref ? group_resolve(ref, &id) : 0;
	if (err) {
		json_object_put(ml.out);
		return nl_err("member list", err);
	}
	ml.groups = groups_fetch();
	err = ml.groups ? members_fetch(id, on_listed, &ml) : -EIO;
	if (!err && opts.json)
		print_json(ml.out);
	json_object_put(ml.out);
	json_object_put(ml.groups);
	return err ? nl_err("member list", err) : 0;
}

static void stats_text(json_object *at, json_object *groups)
{
	json_object *g = json_object_object_get(at, "groups");
	json_object *s = json_object_object_get(at, "stats");
	size_t i;

	if (json_object_object_get(at, "dev"))
		printf("dev %s", safe(json_object_get_string(json_object_object_get(at, "dev"))));
	else
		printf("cgroup %s", safe(json_object_get_string(json_object_object_get(at, "cgroup"))));
	printf("  groups");
	for (i = 0; i < json_object_array_length(g); i++)
		printf(" %s", group_name(groups, strtoul(json_object_get_string(
			json_object_array_get_idx(g, i)) + 3, NULL, 16)));
	g = json_object_object_get(at, "addrs");
	if (json_object_array_length(g)) {
		printf("  addrs");
		for (i = 0; i < json_object_array_length(g); i++)
			printf(" %s", json_object_get_string(json_object_array_get_idx(g, i)));
	}
	if (json_object_object_get(at, "mac"))
		printf("  mac %s", json_object_get_string(json_object_object_get(at, "mac")));
	if (json_object_get_boolean(json_object_object_get(at, "flowlog")))
		printf("  flowlog");
	printf("\n  new accepted %s  dropped: policy %s spoofed %s invalid %s\n",
	       json_object_get_string(json_object_object_get(s, "new_accepted")),
	       json_object_get_string(json_object_object_get(s, "drop_policy")),
	       json_object_get_string(json_object_object_get(s, "drop_spoof")),
	       json_object_get_string(json_object_object_get(s, "drop_invalid")));
}

static int on_net(struct nlattr **tb, uint8_t cmd, void *arg)
{
	struct nlattr *n[SECGROUP_NET_A_MAX + 1];
	json_object *o;

	if (!tb[SECGROUP_A_NET])
		return 0;
	sg_nest(n, SECGROUP_NET_A_MAX, tb[SECGROUP_A_NET]);
	o = json_object_new_object();
	json_object_object_add(o, "groups", json_object_new_int64(nla_get_u32(n[SECGROUP_NET_A_GROUPS])));
	json_object_object_add(o, "members", json_object_new_int64(nla_get_u64(n[SECGROUP_NET_A_MEMBERS])));
	json_object_object_add(o, "addrs", json_object_new_int64(nla_get_u32(n[SECGROUP_NET_A_ADDRS])));
	json_object_object_add(o, "member_bytes",
			       json_object_new_int64(nla_get_u64(n[SECGROUP_NET_A_MEMBER_BYTES])));
	json_object_object_add(arg, "netns", o);
	return 0;
}

/* The netns's totals: { "netns": { groups, members, addrs, member_bytes } } */
static json_object *net_fetch(void)
{
	json_object *o = json_object_new_object();

	if (sg_nl_talk(sg_msg(SECGROUP_CMD_NET_GET, 0), on_net, o) || !jget(o, "netns")) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static void net_text(json_object *o)
{
	json_object *n = jget(o, "netns");
	int64_t members = json_object_get_int64(jget(n, "members"));
	int64_t bytes = json_object_get_int64(jget(n, "member_bytes"));

	printf("netns  groups %s  remote members %s  addresses %s\n"
	       "  member map %lld bytes", jstr(n, "groups"), jstr(n, "members"),
	       jstr(n, "addrs"), (long long)bytes);
	if (members)
		printf(" (%lld per remote member)", (long long)(bytes / members));
	printf("\n");
}

int cmd_stats(struct args *a)
{
	json_object *all, *groups, *net;
	int fd = -1, err = 0;
	size_t i;

	if (peek(a)) {
		struct nl_msg *m = sg_msg(SECGROUP_CMD_ATTACH_GET, 0);
		struct nlattr *n = nla_nest_start(m, SECGROUP_A_ATTACH);

		err = put_instance(m, a, "stats", &fd);
		if (err) {
			nlmsg_free(m);
			goto out;
		}
		nla_nest_end(m, n);
		all = json_object_new_array();
		err = sg_nl_talk(m, on_attach, all);
		if (err) {
			json_object_put(all);
			err = nl_err("stats", err);
			goto out;
		}
	} else {
		all = attach_fetch();
		net = all ? net_fetch() : NULL;
		if (!net) {
			json_object_put(all);
			return nl_err("stats", -EIO);
		}
		if (!opts.json)
			net_text(net);
		json_object_array_add(all, net);	/* -j: the last object */
	}
	groups = groups_fetch();
	if (opts.json) {
		print_json(all);
		json_object_put(all);
	} else {
		for (i = 0; i < json_object_array_length(all); i++)
			if (!jget(json_object_array_get_idx(all, i), "netns"))
				stats_text(json_object_array_get_idx(all, i), groups);
		json_object_put(all);
	}
	json_object_put(groups);
out:
	if (fd >= 0)
		close(fd);
	return err;
}
