// SPDX-License-Identifier: GPL-2.0
/*
 * sgnl monitor [-t] [events] [flows [-o vpc]]: print changes and flow
 * records as they happen.  Flow records read like VPC flow logs, with the
 * group and rule that allowed the connection; an accepted connection's
 * record is followed by its end, with conntrack's counters (flows.c).
 * With -o vpc, flows are VPC Flow Logs version 2 lines, one per direction
 * of a connection that carried packets, written when it ends.
 */
#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "sgnl.h"
#include "flows.h"

struct mon {
	bool events, flows, stamp, vpc;
	char now[40];
	char account[24];		/* -o vpc's account-id: the netns */
	struct flows *fl;		/* NULL: accepted flows are not ended */
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
	if (f[SECGROUP_FLOW_A_CT_ID])
		json_object_object_add(o, "ct_id", json_object_new_int64(
			nla_get_u32(f[SECGROUP_FLOW_A_CT_ID])));
	json_object_object_add(o, "start", json_object_new_int64(time(NULL)));
	/* a rejected flow is its one packet */
	if (nla_get_u8(f[SECGROUP_FLOW_A_VERDICT]) != SECGROUP_VERDICT_ACCEPT) {
		json_object_object_add(o, "end", json_object_new_int64(time(NULL)));
		json_object_object_add(o, "packets", json_object_new_int(1));
		json_object_object_add(o, "bytes", json_object_new_int64(
			f[SECGROUP_FLOW_A_LEN] ? nla_get_u32(f[SECGROUP_FLOW_A_LEN]) : 0));
	}
	return o;
}

/* the instance of flow record @o: its device, or cgroup-ID */
static const char *instance_of(json_object *o, char *buf, size_t len)
{
	if (json_object_object_get(o, "interface"))
		snprintf(buf, len, "%s", safe(jstr(o, "interface")));
	else
		snprintf(buf, len, "cgroup-%s", jstr(o, "cgroup_id") ?: "?");
	return buf;
}

/*
 * One VPC Flow Logs version 2 line (or object, with -j) for one direction
 * of @o: the record's own (@reply false) or its replies'.  interface-id is
 * the instance, account-id the netns.
 */
static void vpc_line(struct mon *mon, json_object *o, bool reply)
{
	static const char *const names[] = {
		"version", "account-id", "interface-id", "srcaddr", "dstaddr", "srcport",
		"dstport", "protocol", "packets", "bytes", "start", "end", "action",
		"log-status",
	};
	const char *v[sizeof(names) / sizeof(names[0])];
	char iface[48];
	json_object *j;
	size_t i;

	instance_of(o, iface, sizeof(iface));
	v[0] = "2";
	v[1] = mon->account;
	v[2] = iface;
	v[3] = jstr(o, reply ? "dstaddr" : "srcaddr");
	v[4] = jstr(o, reply ? "srcaddr" : "dstaddr");
	v[5] = jstr(o, reply ? "dstport" : "srcport");
	v[6] = jstr(o, reply ? "srcport" : "dstport");
	v[7] = jstr(o, "protocol");
	v[8] = jstr(o, reply ? "reply_packets" : "packets");
	v[9] = jstr(o, reply ? "reply_bytes" : "bytes");
	v[10] = jstr(o, "start");
	v[11] = jstr(o, "end");
	v[12] = jstr(o, "action");
	v[13] = v[8] ? "OK" : "NODATA";
	if (!opts.json) {
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			printf("%s%s", i ? " " : "", v[i] ?: "-");
		printf("\n");
		return;
	}
	j = json_object_new_object();
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		json_object_object_add(j, names[i], !v[i] ? NULL :
				       i == 1 || i == 2 || i == 3 || i == 4 || i >= 12 ?
				       json_object_new_string(v[i]) :
				       json_object_new_int64(strtoll(v[i], NULL, 10)));
	print_json(j);
	json_object_put(j);
}

/* the flow of connection @o ended: counters and times are in @o */
static void flow_ended(json_object *o, void *arg)
{
	struct mon *mon = arg;
	char inst[48];
	json_object *ev;

	if (mon->vpc) {
		vpc_line(mon, o, false);
		if (json_object_get_int64(json_object_object_get(o, "reply_packets")))
			vpc_line(mon, o, true);
	} else if (!opts.json) {
		if (mon->stamp) {
			stamp(mon);
			printf("%s ", mon->now);
		}
		printf("flow-end %s %s %s %s %s %s %s packets %s bytes %s reply-packets %s reply-bytes %s start %s end %s\n",
		       instance_of(o, inst, sizeof(inst)), jstr(o, "direction"),
		       jstr(o, "srcaddr"), jstr(o, "dstaddr"), jstr(o, "srcport"),
		       jstr(o, "dstport"), jstr(o, "protocol"), jstr(o, "packets") ?: "-",
		       jstr(o, "bytes") ?: "-", jstr(o, "reply_packets") ?: "-",
		       jstr(o, "reply_bytes") ?: "-", jstr(o, "start"), jstr(o, "end"));
	} else {
		ev = json_object_new_object();
		if (mon->stamp) {
			stamp(mon);
			json_object_object_add(ev, "time", json_object_new_string(mon->now));
		}
		json_object_object_add(ev, "event", json_object_new_string("flow end"));
		json_object_object_add(ev, "flow", json_object_get(o));
		print_json(ev);
		json_object_put(ev);
	}
	fflush(stdout);
}

/* a flow record from the kernel: printed now, and (accepted) ended later */
static bool flow_heard(struct mon *mon, json_object *o)
{
	json_object *id = json_object_object_get(o, "ct_id");
	char inst[48];

	if (id && mon->fl)
		flows_start(mon->fl, (uint32_t)json_object_get_int64(id), o,
			    instance_of(o, inst, sizeof(inst)));
	if (!mon->vpc)
		return false;
	if (!id || !mon->fl)	/* rejected, or no end to wait for */
		vpc_line(mon, o, false);
	fflush(stdout);
	return true;
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

	if (!sg_nl_from_kernel(msg) ||
	    genlmsg_parse(nlmsg_hdr(msg), 0, tb, SECGROUP_A_MAX, NULL))
		return NL_SKIP;
	if (gh->cmd == SECGROUP_CMD_FLOW ? !mon->flows : !mon->events)
		return NL_OK;
	if (mon->stamp) {
		stamp(mon);
		if (!opts.json && !mon->vpc)
			printf("%s ", mon->now);
	}
	if (tb[SECGROUP_A_FLOW]) {
		o = flow_json(tb[SECGROUP_A_FLOW]);
		if (flow_heard(mon, o))
			goto out;
		if (!opts.json) {
			char inst[48];

			printf("flow %s %s %s %s %s %s %s %s %s %s\n", instance_of(o, inst, sizeof(inst)),
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

/* -o vpc's account-id: the netns, as ip netns identify does not name it */
static void netns_id(struct mon *mon)
{
	struct stat st;

	if (stat("/proc/self/ns/net", &st))
		snprintf(mon->account, sizeof(mon->account), "-");
	else
		snprintf(mon->account, sizeof(mon->account), "%llu",
			 (unsigned long long)st.st_ino);
}

static int monitor_args(struct args *a, struct mon *mon)
{
	while (peek(a)) {
		if (match(a, "events")) {
			mon->events = true;
		} else if (match(a, "flows")) {
			mon->flows = true;
		} else if (match(a, "-t") || match(a, "timestamp")) {
			mon->stamp = true;
		} else if (match(a, "-o")) {
			if (!peek(a))
				return usage_err("monitor: -o needs a format: vpc");
			if (!match(a, "vpc"))
				return usage_err("monitor: unknown format '%s' (vpc)", peek(a));
			mon->vpc = true;
		} else {
			return usage_err("monitor: unknown argument '%s'", peek(a));
		}
	}
	if (mon->vpc && mon->events)
		return usage_err("monitor: -o vpc prints flows, not events");
	if (!mon->events && !mon->flows)
		mon->events = mon->flows = !mon->vpc;
	mon->flows |= mon->vpc;
	return 0;
}

/* the events group and conntrack's destroy events, as they come */
static int monitor_loop(struct mon *mon, struct nl_sock *sk)
{
	struct pollfd pfd[2] = { { .fd = nl_socket_get_fd(sk), .events = POLLIN } };
	int err;

	nl_socket_set_nonblocking(sk);
	pfd[1].fd = mon->fl ? flows_fd(mon->fl) : -1;
	pfd[1].events = POLLIN;
	for (;;) {
		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("sgnl: monitor: poll");
			return 1;
		}
		/* records first: an end read before its start waits less */
		err = pfd[0].revents ? nl_recvmsgs_default(sk) : 0;
		/* the socket overran (ENOBUFS): say so and go on, as ip monitor does */
		if (err == -NLE_NOMEM)
			fprintf(stderr, "sgnl: monitor: events were lost (the socket overran)\n");
		else if (err < 0 && err != -NLE_INTR && err != -NLE_AGAIN) {
			fprintf(stderr, "sgnl: monitor: %s\n", nl_geterror(err));
			return 1;
		}
		if (pfd[1].revents && (err = flows_recv(mon->fl))) {
			fprintf(stderr, "sgnl: monitor: conntrack: %s\n", nl_geterror(err));
			return 1;
		}
	}
}

int cmd_monitor(struct args *a)
{
	struct mon mon = { .stamp = opts.timestamp };
	struct nl_sock *sk;
	int grp, err;

	err = monitor_args(a, &mon);
	if (err)
		return err;
	netns_id(&mon);
	grp = sg_nl_events_group();	/* opens the socket */
	sk = sg_nl_sock();
	if (grp < 0 || nl_socket_add_membership(sk, grp))
		return nl_err("monitor", -ENOENT);
	nl_socket_disable_seq_check(sk);
	nl_socket_modify_cb(sk, NL_CB_VALID, NL_CB_CUSTOM, on_event, &mon);
	if (mon.flows)
		mon.fl = flows_open(flow_ended, &mon);
	return monitor_loop(&mon, sk);
}
