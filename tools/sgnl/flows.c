// SPDX-License-Identifier: GPL-2.0
/*
 * The end of logged flows, for sgnl monitor.  The kernel names each
 * accepted connection it logs by conntrack's id (SECGROUP_FLOW_A_CT_ID)
 * and gives it conntrack's counters and timestamps; conntrack's destroy
 * event (ctnetlink, NFNLGRP_CONNTRACK_DESTROY) then says when it ended and
 * what it carried.  Flows wait here, by id, for that event; the oldest
 * gives way when FLOWS_MAX wait (a connection dropped further on, never
 * confirmed, has no destroy event).
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netfilter/nfnetlink_conntrack.h>

#include "sgnl.h"
#include "nl.h"
#include "flows.h"

#define FLOWS_BUCKETS 4096		/* power of two */
#define FLOWS_MAX 65536

struct pending {
	struct pending *next;		/* in its bucket */
	struct pending *older, *newer;	/* age order */
	uint32_t id;
	json_object *flow;		/* the start record's */
};

struct flows {
	struct nl_sock *sk;
	struct pending *bucket[FLOWS_BUCKETS];
	struct pending *oldest, *newest;
	unsigned int n;
	flow_end_fn end;
	void *arg;
};

struct flows *flows_open(flow_end_fn end, void *arg)
{
	struct flows *fl = calloc(1, sizeof(*fl));

	if (!fl)
		return NULL;
	fl->end = end;
	fl->arg = arg;
	fl->sk = nl_socket_alloc();
	/* ctnetlink loads when its group is joined; no CAP_NET_ADMIN: no ends */
	if (!fl->sk || nl_connect(fl->sk, NETLINK_NETFILTER) ||
	    nl_socket_add_membership(fl->sk, NFNLGRP_CONNTRACK_DESTROY)) {
		fprintf(stderr, "sgnl: monitor: no conntrack events (nf_conntrack_netlink): flows are not ended\n");
		if (fl->sk)
			nl_socket_free(fl->sk);
		free(fl);
		return NULL;
	}
	nl_socket_disable_seq_check(fl->sk);
	nl_socket_set_nonblocking(fl->sk);
	nl_socket_set_buffer_size(fl->sk, 4 << 20, 0);
	return fl;
}

int flows_fd(struct flows *fl)
{
	return nl_socket_get_fd(fl->sk);
}

static struct pending **slot(struct flows *fl, uint32_t id)
{
	return &fl->bucket[(id * 2654435761u) >> 20 & (FLOWS_BUCKETS - 1)];
}

/* @p out of its bucket and of the age order */
static void unlink_pending(struct flows *fl, struct pending *p)
{
	struct pending **pp;

	for (pp = slot(fl, p->id); *pp != p; pp = &(*pp)->next)
		;
	*pp = p->next;
	if (p->older)
		p->older->newer = p->newer;
	else
		fl->oldest = p->newer;
	if (p->newer)
		p->newer->older = p->older;
	else
		fl->newest = p->older;
	fl->n--;
}

static void drop_pending(struct flows *fl, struct pending *p)
{
	unlink_pending(fl, p);
	json_object_put(p->flow);
	free(p);
}

/* the same instance, direction and connection: a retransmitted first packet */
static bool same_flow(json_object *a, json_object *b)
{
	static const char *const keys[] = { "interface", "cgroup_id", "direction" };
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		json_object *x = json_object_object_get(a, keys[i]);
		json_object *y = json_object_object_get(b, keys[i]);

		if (!x != !y || (x && strcmp(json_object_get_string(x), json_object_get_string(y))))
			return false;
	}
	return true;
}

void flows_start(struct flows *fl, uint32_t id, json_object *flow)
{
	struct pending *p;

	for (p = *slot(fl, id); p; p = p->next)
		if (p->id == id && same_flow(p->flow, flow))
			return;
	if (fl->n == FLOWS_MAX)
		drop_pending(fl, fl->oldest);
	p = calloc(1, sizeof(*p));
	if (!p)
		return;
	p->id = id;
	p->flow = json_object_get(flow);
	p->next = *slot(fl, id);
	*slot(fl, id) = p;
	p->older = fl->newest;
	if (fl->newest)
		fl->newest->newer = p;
	else
		fl->oldest = p;
	fl->newest = p;
	fl->n++;
}

static struct nla_policy counters_policy[CTA_COUNTERS_MAX + 1] = {
	[CTA_COUNTERS_PACKETS] = { .type = NLA_U64 },
	[CTA_COUNTERS_BYTES] = { .type = NLA_U64 },
};

static struct nla_policy times_policy[CTA_TIMESTAMP_MAX + 1] = {
	[CTA_TIMESTAMP_START] = { .type = NLA_U64 },
	[CTA_TIMESTAMP_STOP] = { .type = NLA_U64 },
};

static struct nla_policy ct_policy[CTA_MAX + 1] = {
	[CTA_ID] = { .type = NLA_U32 },
};

static void put_counters(json_object *o, struct nlattr *nest, const char *packets,
			 const char *bytes)
{
	struct nlattr *c[CTA_COUNTERS_MAX + 1];

	if (!nest || nla_parse_nested(c, CTA_COUNTERS_MAX, nest, counters_policy) ||
	    !c[CTA_COUNTERS_PACKETS] || !c[CTA_COUNTERS_BYTES])
		return;
	json_object_object_add(o, packets, json_object_new_int64(
		(int64_t)be64toh(nla_get_u64(c[CTA_COUNTERS_PACKETS]))));
	json_object_object_add(o, bytes, json_object_new_int64(
		(int64_t)be64toh(nla_get_u64(c[CTA_COUNTERS_BYTES]))));
}

/* start and end in unix seconds: conntrack's, or when sgnl heard of them */
static void put_times(json_object *o, json_object *start, struct nlattr *nest)
{
	struct nlattr *t[CTA_TIMESTAMP_MAX + 1];
	int64_t s = json_object_get_int64(start), e = time(NULL);

	if (nest && !nla_parse_nested(t, CTA_TIMESTAMP_MAX, nest, times_policy)) {
		if (t[CTA_TIMESTAMP_START])
			s = (int64_t)(be64toh(nla_get_u64(t[CTA_TIMESTAMP_START])) / 1000000000);
		if (t[CTA_TIMESTAMP_STOP])
			e = (int64_t)(be64toh(nla_get_u64(t[CTA_TIMESTAMP_STOP])) / 1000000000);
	}
	json_object_object_add(o, "start", json_object_new_int64(s));
	json_object_object_add(o, "end", json_object_new_int64(e));
}

/* every flow waiting for connection @id, ended with what @tb says */
static void ended(struct flows *fl, uint32_t id, struct nlattr **tb)
{
	struct pending *p = *slot(fl, id), *next;
	json_object *o, *v;

	for (; p; p = next) {
		next = p->next;
		if (p->id != id)
			continue;
		o = json_object_new_object();
		json_object_object_foreach(p->flow, k, val) {
			if (strcmp(k, "packets") && strcmp(k, "bytes") && strcmp(k, "start"))
				json_object_object_add(o, k, json_object_get(val));
		}
		v = json_object_object_get(p->flow, "start");
		put_counters(o, tb[CTA_COUNTERS_ORIG], "packets", "bytes");
		put_counters(o, tb[CTA_COUNTERS_REPLY], "reply_packets", "reply_bytes");
		put_times(o, v, tb[CTA_TIMESTAMP]);
		drop_pending(fl, p);
		fl->end(o, fl->arg);
		json_object_put(o);
	}
}

static int on_destroy(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[CTA_MAX + 1];

	if (!sg_nl_from_kernel(msg) ||
	    NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_CTNETLINK ||
	    NFNL_MSG_TYPE(nlh->nlmsg_type) != IPCTNL_MSG_CT_DELETE ||
	    nlmsg_parse(nlh, sizeof(struct nfgenmsg), tb, CTA_MAX, ct_policy) || !tb[CTA_ID])
		return NL_OK;
	ended(arg, be32toh(nla_get_u32(tb[CTA_ID])), tb);
	return NL_OK;
}

int flows_recv(struct flows *fl)
{
	int err;

	nl_socket_modify_cb(fl->sk, NL_CB_VALID, NL_CB_CUSTOM, on_destroy, fl);
	err = nl_recvmsgs_default(fl->sk);
	if (err == -NLE_NOMEM) {
		fprintf(stderr, "sgnl: monitor: conntrack events were lost (the socket overran)\n");
		return 0;
	}
	return err == -NLE_AGAIN || err == -NLE_INTR ? 0 : err;
}
