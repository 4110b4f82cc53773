// SPDX-License-Identifier: GPL-2.0
/*
 * The end of logged flows, for sgnl monitor.  The kernel names each
 * accepted connection it logs by conntrack's id (SECGROUP_FLOW_A_CT_ID)
 * and gives it conntrack's counters and timestamps; conntrack's destroy
 * event (ctnetlink, NFNLGRP_CONNTRACK_DESTROY) then says when it ended and
 * what it carried.  Flows wait here, by id and the original direction's
 * source (the id is 32 bits, and every connection of the netns ends here),
 * for that event.  A connection dropped further on is never confirmed and
 * has no destroy event: an instance may have at most FLOWS_PER_INSTANCE
 * waiting (newer ones are not ended, and that is said), all together at
 * most FLOWS_MAX (the oldest gives way).  An end that comes before its
 * start (the kernel reports starts from a work item) waits among the
 * last FLOWS_GONE ends.
 */
#include <arpa/inet.h>
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
#define FLOWS_PER_INSTANCE 8192
#define FLOWS_GONE 1024

/* a connection as its destroy event and a flow record both name it */
struct conn_key {
	uint32_t id;			/* conntrack's */
	uint8_t proto;
	uint16_t sport;			/* original direction, host order */
	unsigned char src[16];		/* IPv4 in the first 4 bytes */
};

struct pending {
	struct pending *next;		/* in its bucket */
	struct pending *older, *newer;	/* age order */
	struct conn_key key;
	json_object *flow;		/* the start record's */
	char *instance;
};

struct flows {
	struct nl_sock *sk;
	struct pending *bucket[FLOWS_BUCKETS];
	struct pending *oldest, *newest;
	unsigned int n;
	bool full_said;			/* that the oldest give way */
	json_object *per_instance;	/* instance -> flows waiting */
	json_object *warned;		/* instances told they are full */
	struct {
		struct conn_key key;
		json_object *end;	/* counters and times */
		json_object *ended;	/* "instance direction" ended since */
	} gone[FLOWS_GONE];		/* the last ends heard, a ring */
	unsigned int gone_next;
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
	fl->per_instance = json_object_new_object();
	fl->warned = json_object_new_object();
	fl->sk = nl_socket_alloc();
	/* ctnetlink loads when its group is joined; no CAP_NET_ADMIN: no ends */
	if (!fl->sk || nl_connect(fl->sk, NETLINK_NETFILTER) || sg_nl_kernel_only(fl->sk) ||
	    nl_socket_add_membership(fl->sk, NFNLGRP_CONNTRACK_DESTROY)) {
		fprintf(stderr, "sgnl: monitor: no conntrack events (nf_conntrack_netlink): flows are not ended\n");
		if (fl->sk)
			nl_socket_free(fl->sk);
		json_object_put(fl->per_instance);
		json_object_put(fl->warned);
		free(fl);
		return NULL;
	}
	nl_socket_disable_seq_check(fl->sk);
	nl_socket_set_nonblocking(fl->sk);
	/* every connection of the netns ends here: room beyond rmem_max */
	sg_nl_rcvbuf(fl->sk, 4 << 20);
	return fl;
}

int flows_fd(struct flows *fl)
{
	return nl_socket_get_fd(fl->sk);
}

static bool key_eq(const struct conn_key *a, const struct conn_key *b)
{
	return a->id == b->id && a->proto == b->proto && a->sport == b->sport &&
	       !memcmp(a->src, b->src, sizeof(a->src));
}

/* an instance's count of flows waiting, by @delta */
static int instance_add(struct flows *fl, const char *instance, int delta)
{
	json_object *c = json_object_object_get(fl->per_instance, instance);
	int n = (c ? json_object_get_int(c) : 0) + delta;

	if (n > 0)
		json_object_object_add(fl->per_instance, instance, json_object_new_int(n));
	else
		json_object_object_del(fl->per_instance, instance);
	return n;
}

static struct pending **slot(struct flows *fl, uint32_t id)
{
	return &fl->bucket[(id * 2654435761u) >> 20 & (FLOWS_BUCKETS - 1)];
}

/* @p out of its bucket and of the age order */
static void unlink_pending(struct flows *fl, struct pending *p)
{
	struct pending **pp;

	for (pp = slot(fl, p->key.id); *pp != p; pp = &(*pp)->next)
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
	instance_add(fl, p->instance, -1);
	json_object_object_del(fl->warned, p->instance);
	json_object_put(p->flow);
	free(p->instance);
	free(p);
}

/* the connection a flow record names: its id, protocol and source */
static bool record_key(json_object *flow, uint32_t id, struct conn_key *k)
{
	const char *src = jstr(flow, "srcaddr");

	memset(k, 0, sizeof(*k));
	k->id = id;
	k->proto = (uint8_t)json_object_get_int(json_object_object_get(flow, "protocol"));
	k->sport = (uint16_t)json_object_get_int(json_object_object_get(flow, "srcport"));
	return src && (inet_pton(AF_INET, src, k->src) == 1 ||
		       inet_pton(AF_INET6, src, k->src) == 1);
}

static void end_flow(struct flows *fl, json_object *flow, json_object *end);
static const char *flow_who(json_object *flow, const char *instance, char *who, size_t len);

void flows_start(struct flows *fl, uint32_t id, json_object *flow, const char *instance)
{
	struct conn_key k;
	struct pending *p;
	unsigned int i;
	char who[96], other[96];

	if (!record_key(flow, id, &k))
		return;
	/* ended already: once for each instance and direction (a connection
	 * between two instances has a record of each; a first packet sent
	 * again, a second of the same) */
	flow_who(flow, instance, who, sizeof(who));
	for (i = 0; i < FLOWS_GONE; i++)
		if (fl->gone[i].end && key_eq(&fl->gone[i].key, &k)) {
			if (!json_object_object_get(fl->gone[i].ended, who))
				end_flow(fl, flow, fl->gone[i].end);
			json_object_object_add(fl->gone[i].ended, who, json_object_new_boolean(1));
			return;
		}
	/* the same instance and direction: a first packet sent again */
	for (p = *slot(fl, id); p; p = p->next)
		if (key_eq(&p->key, &k) &&
		    !strcmp(flow_who(p->flow, p->instance, other, sizeof(other)), who))
			return;
	if (instance_add(fl, instance, 0) >= FLOWS_PER_INSTANCE) {
		if (!json_object_object_get(fl->warned, instance))
			fprintf(stderr, "sgnl: monitor: %s has %d flows waiting for their end: newer ones will not be ended\n",
				instance, FLOWS_PER_INSTANCE);
		json_object_object_add(fl->warned, instance, json_object_new_boolean(1));
		return;
	}
	if (fl->n == FLOWS_MAX) {
		if (!fl->full_said)	/* once, until there is room again */
			fprintf(stderr, "sgnl: monitor: %d flows wait for their end: the oldest will not be ended\n",
				FLOWS_MAX);
		fl->full_said = true;
		drop_pending(fl, fl->oldest);
	} else if (fl->n < FLOWS_MAX / 2) {
		fl->full_said = false;
	}
	p = calloc(1, sizeof(*p));
	if (!p || !(p->instance = strdup(instance))) {
		free(p);
		return;
	}
	p->key = k;
	p->flow = json_object_get(flow);
	instance_add(fl, instance, 1);
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

static struct nla_policy tuple_policy[CTA_TUPLE_MAX + 1] = {
	[CTA_TUPLE_IP] = { .type = NLA_NESTED },
	[CTA_TUPLE_PROTO] = { .type = NLA_NESTED },
};

static struct nla_policy ip_policy[CTA_IP_MAX + 1] = {
	[CTA_IP_V4_SRC] = { .minlen = 4, .maxlen = 4 },
	[CTA_IP_V6_SRC] = { .minlen = 16, .maxlen = 16 },
};

static struct nla_policy proto_policy[CTA_PROTO_MAX + 1] = {
	[CTA_PROTO_NUM] = { .type = NLA_U8 },
	[CTA_PROTO_SRC_PORT] = { .type = NLA_U16 },
};

/* the destroyed connection's id, protocol and original source */
static bool event_key(struct nlattr **tb, struct conn_key *k)
{
	struct nlattr *t[CTA_TUPLE_MAX + 1], *ip[CTA_IP_MAX + 1], *pr[CTA_PROTO_MAX + 1];

	memset(k, 0, sizeof(*k));
	if (!tb[CTA_ID] || !tb[CTA_TUPLE_ORIG] ||
	    nla_parse_nested(t, CTA_TUPLE_MAX, tb[CTA_TUPLE_ORIG], tuple_policy) ||
	    !t[CTA_TUPLE_IP] || !t[CTA_TUPLE_PROTO] ||
	    nla_parse_nested(ip, CTA_IP_MAX, t[CTA_TUPLE_IP], ip_policy) ||
	    nla_parse_nested(pr, CTA_PROTO_MAX, t[CTA_TUPLE_PROTO], proto_policy) ||
	    !pr[CTA_PROTO_NUM])
		return false;
	k->id = be32toh(nla_get_u32(tb[CTA_ID]));
	k->proto = nla_get_u8(pr[CTA_PROTO_NUM]);
	if (pr[CTA_PROTO_SRC_PORT])
		k->sport = ntohs(nla_get_u16(pr[CTA_PROTO_SRC_PORT]));
	if (ip[CTA_IP_V4_SRC])
		memcpy(k->src, nla_data(ip[CTA_IP_V4_SRC]), 4);
	else if (ip[CTA_IP_V6_SRC])
		memcpy(k->src, nla_data(ip[CTA_IP_V6_SRC]), 16);
	else
		return false;
	return true;
}

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

/* start (when conntrack has it) and end in unix seconds: conntrack's, or
 * when sgnl heard of the end */
static void put_times(json_object *o, struct nlattr *nest)
{
	struct nlattr *t[CTA_TIMESTAMP_MAX + 1];
	int64_t e = time(NULL);

	if (nest && !nla_parse_nested(t, CTA_TIMESTAMP_MAX, nest, times_policy)) {
		if (t[CTA_TIMESTAMP_START])
			json_object_object_add(o, "start", json_object_new_int64((int64_t)
				(be64toh(nla_get_u64(t[CTA_TIMESTAMP_START])) / 1000000000)));
		if (t[CTA_TIMESTAMP_STOP])
			e = (int64_t)(be64toh(nla_get_u64(t[CTA_TIMESTAMP_STOP])) / 1000000000);
	}
	json_object_object_add(o, "end", json_object_new_int64(e));
}

/* @flow's start record ended with @end: counters and times */
static void end_flow(struct flows *fl, json_object *flow, json_object *end)
{
	json_object *o = json_object_new_object();

	json_object_object_foreach(flow, k, val) {
		if (strcmp(k, "packets") && strcmp(k, "bytes") && strcmp(k, "end") &&
		    (strcmp(k, "start") || !json_object_object_get(end, "start")))
			json_object_object_add(o, k, json_object_get(val));
	}
	json_object_object_foreach(end, k2, v2)
		json_object_object_add(o, k2, json_object_get(v2));
	fl->end(o, fl->arg);
	json_object_put(o);
}

/* "instance direction" of a flow record, into @who */
static const char *flow_who(json_object *flow, const char *instance, char *who, size_t len)
{
	snprintf(who, len, "%s %s", instance, jstr(flow, "direction") ?: "");
	return who;
}

/*
 * Every flow waiting for connection @k ends with @end.  The end is kept
 * among the last ones, with whom it ended, for a start still on its way
 * (or one sent again).
 */
static void ended(struct flows *fl, const struct conn_key *k, json_object *end)
{
	struct pending *p = *slot(fl, k->id), *next;
	unsigned int g = fl->gone_next;
	char who[96];

	json_object_put(fl->gone[g].end);
	json_object_put(fl->gone[g].ended);
	fl->gone[g].key = *k;
	fl->gone[g].end = json_object_get(end);
	fl->gone[g].ended = json_object_new_object();
	fl->gone_next = (g + 1) % FLOWS_GONE;
	for (; p; p = next) {
		next = p->next;
		if (!key_eq(&p->key, k))
			continue;
		end_flow(fl, p->flow, end);
		json_object_object_add(fl->gone[g].ended, flow_who(p->flow, p->instance, who, sizeof(who)),
				       json_object_new_boolean(1));
		drop_pending(fl, p);
	}
}

static int on_destroy(struct nl_msg *msg, void *arg)
{
	struct nlmsghdr *nlh = nlmsg_hdr(msg);
	struct nlattr *tb[CTA_MAX + 1];
	struct conn_key k;
	json_object *end;

	if (!sg_nl_from_kernel(msg) ||
	    NFNL_SUBSYS_ID(nlh->nlmsg_type) != NFNL_SUBSYS_CTNETLINK ||
	    NFNL_MSG_TYPE(nlh->nlmsg_type) != IPCTNL_MSG_CT_DELETE ||
	    nlmsg_parse(nlh, sizeof(struct nfgenmsg), tb, CTA_MAX, ct_policy) ||
	    !event_key(tb, &k))
		return NL_OK;
	end = json_object_new_object();
	put_counters(end, tb[CTA_COUNTERS_ORIG], "packets", "bytes");
	put_counters(end, tb[CTA_COUNTERS_REPLY], "reply_packets", "reply_bytes");
	put_times(end, tb[CTA_TIMESTAMP]);
	ended(arg, &k, end);
	json_object_put(end);
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
