// SPDX-License-Identifier: GPL-2.0
/*
 * sgnl monitor [-t] [events] [flows]: print changes and flow records as they
 * happen.  Flow records read like VPC flow logs, with the group and rule
 * that allowed the connection.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "sgnl.h"

struct mon {
	bool events, flows, stamp;
	char now[40];
};

/* the time of an event, ISO 8601 in UTC to the millisecond */
static void stamp(struct mon *mon)
{
	struct timespec ts;
	struct tm tm;
	size_t n;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(mon->now, sizeof(mon->now), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(mon->now + n, sizeof(mon->now) - n, ".%03ldZ", ts.tv_nsec / 1000000);
}

static const char *cmd_name(uint8_t cmd)
{
	static const char *const names[] = {
		[SECGROUP_CMD_GROUP_NEW] = "group add", [SECGROUP_CMD_GROUP_DEL] = "group del",
		[SECGROUP_CMD_GROUP_SET] = "group set", [SECGROUP_CMD_RULE_NEW] = "rule add",
		[SECGROUP_CMD_RULE_DEL] = "rule del", [SECGROUP_CMD_ATTACH_NEW] = "attach",
		[SECGROUP_CMD_ATTACH_DEL] = "detach", [SECGROUP_CMD_MEMBER_NEW] = "member add",
		[SECGROUP_CMD_MEMBER_DEL] = "member del", [SECGROUP_CMD_FLOW] = "flow",
		[SECGROUP_CMD_RULE_SET] = "rule set",
	};

	return cmd < sizeof(names) / sizeof(names[0]) && names[cmd] ? names[cmd] : "?";
}

static json_object *flow_json(struct nlattr *nest)
{
	struct nlattr *f[SECGROUP_FLOW_A_MAX + 1];
	json_object *o = json_object_new_object();
	char buf[64], ifname[IF_NAMESIZE];
	bool v4;

	sg_nest(f, SECGROUP_FLOW_A_MAX, nest);
	v4 = f[SECGROUP_FLOW_A_SRC_IPV4];
	json_object_object_add(o, "action", json_object_new_string(
		nla_get_u8(f[SECGROUP_FLOW_A_VERDICT]) == SECGROUP_VERDICT_ACCEPT ? "ACCEPT" : "REJECT"));
	json_object_object_add(o, "direction", json_object_new_string(
		nla_get_u8(f[SECGROUP_FLOW_A_DIRECTION]) ? "egress" : "ingress"));
	if (f[SECGROUP_FLOW_A_IFINDEX]) {
		uint32_t ifi = nla_get_u32(f[SECGROUP_FLOW_A_IFINDEX]);

		json_object_object_add(o, "interface", json_object_new_string(
			if_indextoname(ifi, ifname) ? ifname : "?"));
	} else {
		json_object_object_add(o, "cgroup_id", json_object_new_int64(
			nla_get_u64(f[SECGROUP_FLOW_A_CGROUP_ID])));
	}
	sg_format_ip(v4 ? AF_INET : AF_INET6,
		     nla_data(f[v4 ? SECGROUP_FLOW_A_SRC_IPV4 : SECGROUP_FLOW_A_SRC_IPV6]), buf, sizeof(buf));
	json_object_object_add(o, "srcaddr", json_object_new_string(buf));
	sg_format_ip(v4 ? AF_INET : AF_INET6,
		     nla_data(f[v4 ? SECGROUP_FLOW_A_DST_IPV4 : SECGROUP_FLOW_A_DST_IPV6]), buf, sizeof(buf));
	json_object_object_add(o, "dstaddr", json_object_new_string(buf));
	json_object_object_add(o, "srcport", json_object_new_int(
		f[SECGROUP_FLOW_A_SRC_PORT] ? nla_get_u16(f[SECGROUP_FLOW_A_SRC_PORT]) : 0));
	json_object_object_add(o, "dstport", json_object_new_int(
		f[SECGROUP_FLOW_A_DST_PORT] ? nla_get_u16(f[SECGROUP_FLOW_A_DST_PORT]) : 0));
	json_object_object_add(o, "protocol", json_object_new_int(nla_get_u8(f[SECGROUP_FLOW_A_PROTOCOL])));
	if (f[SECGROUP_FLOW_A_ICMP_TYPE])
		json_object_object_add(o, "icmp_type", json_object_new_int(
			nla_get_u8(f[SECGROUP_FLOW_A_ICMP_TYPE])));
	if (f[SECGROUP_FLOW_A_ICMP_CODE])
		json_object_object_add(o, "icmp_code", json_object_new_int(
			nla_get_u8(f[SECGROUP_FLOW_A_ICMP_CODE])));
	if (f[SECGROUP_FLOW_A_RULE]) {
		snprintf(buf, sizeof(buf), "sg-%08x", nla_get_u32(f[SECGROUP_FLOW_A_GROUP]));
		json_object_object_add(o, "group", json_object_new_string(buf));
		snprintf(buf, sizeof(buf), "sgr-%08x", nla_get_u32(f[SECGROUP_FLOW_A_RULE]));
		json_object_object_add(o, "rule", json_object_new_string(buf));
	}
	if (f[SECGROUP_FLOW_A_SUPPRESSED] && nla_get_u32(f[SECGROUP_FLOW_A_SUPPRESSED]))
		json_object_object_add(o, "suppressed", json_object_new_int(
			nla_get_u32(f[SECGROUP_FLOW_A_SUPPRESSED])));
	return o;
}

/* what a group, attachment or member event is about, into @ev */
static void event_subject(struct nlattr **tb, json_object *ev)
{
	struct nlattr *g[SECGROUP_GROUP_A_MAX + 1], *at[SECGROUP_ATTACH_A_MAX + 1];
	struct nlattr *mb[SECGROUP_MEMBER_A_MAX + 1];
	json_object *o = json_object_new_object();
	char buf[64];

	if (tb[SECGROUP_A_GROUP] && !sg_nest(g, SECGROUP_GROUP_A_MAX, tb[SECGROUP_A_GROUP])) {
		snprintf(buf, sizeof(buf), "sg-%08x", nla_get_u32(g[SECGROUP_GROUP_A_ID]));
		json_object_object_add(o, "id", json_object_new_string(buf));
		json_object_object_add(o, "name", json_object_new_string(
			nla_get_string(g[SECGROUP_GROUP_A_NAME])));
		json_object_object_add(ev, "group", o);
	} else if (tb[SECGROUP_A_ATTACH] &&
		   !sg_nest(at, SECGROUP_ATTACH_A_MAX, tb[SECGROUP_A_ATTACH])) {
		/* a device being unregistered has no name any more: its index */
		if (at[SECGROUP_ATTACH_A_IFNAME])
			json_object_object_add(o, "dev", json_object_new_string(
				nla_get_string(at[SECGROUP_ATTACH_A_IFNAME])));
		if (at[SECGROUP_ATTACH_A_IFINDEX])
			json_object_object_add(o, "ifindex", json_object_new_int64(
				nla_get_u32(at[SECGROUP_ATTACH_A_IFINDEX])));
		else if (at[SECGROUP_ATTACH_A_CGROUP_ID])
			json_object_object_add(o, "cgroup_id", json_object_new_int64(
				nla_get_u64(at[SECGROUP_ATTACH_A_CGROUP_ID])));
		json_object_object_add(ev, "attach", o);
	} else if (tb[SECGROUP_A_MEMBER] &&
		   !sg_nest(mb, SECGROUP_MEMBER_A_MAX, tb[SECGROUP_A_MEMBER])) {
		bool v4 = mb[SECGROUP_MEMBER_A_IPV4];

		snprintf(buf, sizeof(buf), "sg-%08x", nla_get_u32(mb[SECGROUP_MEMBER_A_GROUP]));
		json_object_object_add(o, "group", json_object_new_string(buf));
		sg_format_ip(v4 ? AF_INET : AF_INET6,
			     nla_data(mb[v4 ? SECGROUP_MEMBER_A_IPV4 : SECGROUP_MEMBER_A_IPV6]),
			     buf, sizeof(buf));
		json_object_object_add(o, "addr", json_object_new_string(buf));
		json_object_object_add(ev, "member", o);
	} else {
		json_object_put(o);
	}
}

/* a group, attachment or member event as a line */
static void event_text(json_object *ev)
{
	json_object *o;

	printf("%s", jstr(ev, "event"));
	if ((o = json_object_object_get(ev, "group")))
		printf(" %s %s", jstr(o, "id"), jstr(o, "name"));
	else if ((o = json_object_object_get(ev, "attach")) && jstr(o, "dev"))
		printf(" %s", safe(jstr(o, "dev")));
	else if (o && jstr(o, "ifindex"))
		printf(" ifindex %s", jstr(o, "ifindex"));
	else if (o)
		printf(" cgroup");
	else if ((o = json_object_object_get(ev, "member")))
		printf(" %s %s", jstr(o, "group"), jstr(o, "addr"));
	printf("\n");
}

#define FS(k) (json_object_object_get(o, k) ? json_object_get_string(json_object_object_get(o, k)) : "-")

static int on_event(struct nl_msg *msg, void *arg)
{
	struct mon *mon = arg;
	struct nlattr *tb[SECGROUP_A_MAX + 1];
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	json_object *o = NULL, *ev;

	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, SECGROUP_A_MAX, NULL))
		return NL_SKIP;
	if (gh->cmd == SECGROUP_CMD_FLOW ? !mon->flows : !mon->events)
		return NL_OK;
	if (mon->stamp) {
		stamp(mon);
		if (!opts.json)
			printf("%s ", mon->now);
	}
	if (tb[SECGROUP_A_FLOW]) {
		o = flow_json(tb[SECGROUP_A_FLOW]);
		if (!opts.json) {
			printf("flow %s %s %s %s %s %s %s %s %s %s\n", safe(FS("interface")),
			       FS("direction"), FS("srcaddr"), FS("dstaddr"), FS("srcport"),
			       FS("dstport"), FS("protocol"), FS("action"), FS("group"), FS("rule"));
			goto out;
		}
	} else if (tb[SECGROUP_A_RULE]) {
		o = rule_json(tb[SECGROUP_A_RULE]);
		if (!opts.json) {
			printf("%s %s ", cmd_name(gh->cmd), FS("group"));
			rule_text(o, NULL, "");
			goto out;
		}
	}
	ev = json_object_new_object();
	if (mon->stamp)
		json_object_object_add(ev, "time", json_object_new_string(mon->now));
	json_object_object_add(ev, "event", json_object_new_string(cmd_name(gh->cmd)));
	if (o)
		json_object_object_add(ev, gh->cmd == SECGROUP_CMD_FLOW ? "flow" : "rule", o);
	else
		event_subject(tb, ev);
	if (opts.json)
		print_json(ev);
	else
		event_text(ev);
	json_object_put(ev);
	fflush(stdout);
	return NL_OK;
out:
	json_object_put(o);
	fflush(stdout);
	return NL_OK;
}

int cmd_monitor(struct args *a)
{
	struct mon mon = { .stamp = opts.timestamp };
	struct nl_sock *sk;
	int grp;

	while (peek(a)) {
		if (match(a, "events"))
			mon.events = true;
		else if (match(a, "flows"))
			mon.flows = true;
		else if (match(a, "-t") || match(a, "timestamp"))
			mon.stamp = true;
		else
			return usage_err("monitor: unknown argument '%s'", peek(a));
	}
	if (!mon.events && !mon.flows)
		mon.events = mon.flows = true;
	grp = sg_nl_events_group();	/* opens the socket */
	sk = sg_nl_sock();
	if (grp < 0 || nl_socket_add_membership(sk, grp))
		return nl_err("monitor", -ENOENT);
	nl_socket_disable_seq_check(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, &mon);
	for (;;) {
		int err = nl_recvmsgs_default(sk);

		/* the socket overran (ENOBUFS): say so and go on, as ip monitor does */
		if (err == -NLE_NOMEM) {
			fprintf(stderr, "sgnl: monitor: events were lost (the socket overran)\n");
			continue;
		}
		if (err < 0 && err != -NLE_INTR && err != -NLE_AGAIN) {
			fprintf(stderr, "sgnl: monitor: %s\n", nl_geterror(err));
			return 1;
		}
	}
}
