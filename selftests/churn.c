// SPDX-License-Identifier: GPL-2.0
/*
 * Security groups changed under traffic, against a reference model.
 *
 * Instances a (10.0.0.2) and b (10.0.0.3) are netns behind host veths v-a
 * and v-b; c is a cgroup of host processes.  Groups base-a, base-b and
 * base-c never change and keep long-lived flows allowed: TCP and UDP from
 * a to b and from c to b, a numbered message every 10 ms each.  Everything
 * else churns: groups g0..g7 created and deleted, their "ingress tcp port
 * 8000-8007" rules added and deleted (with and without flush), remote
 * members added and removed, the three attachments replaced, and whole
 * configurations replaced (some as dry runs).  Each request's answer must
 * be the one the model predicts (0, EEXIST, ENOENT, EBUSY).
 *
 * Every few changes a new connection opens from a and from c to a port of
 * b, and must get the model's verdict: an allowed one connects; a blocked
 * one does not, and b's policy drop counter says secgroup dropped it (so a
 * blocked verdict is seen, not assumed from a time-out).
 *
 * At the end the flows must have lost nothing (TCP: no reset, no stall
 * over a second; UDP: every number received, in order), and the model is
 * written as an apply file for churn.sh to compare with the kernel's.
 *
 * Usage: churn [-s SEED] [-n CHANGES] [-t SECONDS] CGROUP MODEL-FILE
 * (run in the host netns, with netns "a" and "b" set up by churn.sh;
 * -t: run that long instead, for the soak)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "sgt.h"

/* ---- the model ---- */

enum { BASE_A, BASE_B, BASE_C, G0, NGROUPS = G0 + 8 };
enum { ATT_A, ATT_B, ATT_C, NATT };
#define PORT0 8000
#define NPORTS 8
#define MAX_RULES 24
#define NMEMBERS 8

static const char *const gname[NGROUPS] = {
	"base-a", "base-b", "base-c", "g0", "g1", "g2", "g3", "g4", "g5", "g6", "g7",
};

/* rule peers: a CIDR, or a group (peer < 0: group -peer - 1) */
static const struct { const char *text; int v6; uint8_t a[4], prefix; } cidrs[] = {
	{ "0.0.0.0/0", 0, { 0 }, 0 },
	{ "::/0", 1, { 0 }, 0 },
	{ "10.0.0.2/32", 0, { 10, 0, 0, 2 }, 32 },
	{ "10.0.0.0/24", 0, { 10, 0, 0, 0 }, 24 },
	{ "10.9.0.0/16", 0, { 10, 9, 0, 0 }, 16 },
	{ "10.255.255.1/32", 0, { 10, 255, 255, 1 }, 32 },
};
#define NCIDRS 6
#define V4_ANY 0
#define V6_ANY 1

struct rule {
	uint8_t dir, proto;	/* proto 0: all */
	uint16_t lo, hi;
	int peer;
};

struct group {
	bool exists;
	int nrules;
	struct rule rules[MAX_RULES];
	uint8_t members;	/* bit i: 10.9.0.(i + 1) */
};

struct attach {
	int ngroups;
	int groups[4];
};

struct model {
	struct group g[NGROUPS];
	struct attach at[NATT];
};

static struct model M;
static struct conn C;
static int ifindex[2], cg_fd;
static const char *cg_path;
static const char *const addr_of[NATT] = { "10.0.0.2", "10.0.0.3", NULL };

static uint64_t rng;

static uint64_t rnd(void)
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int below(unsigned int n)
{
	return rnd() % n;
}

static bool rule_eq(const struct rule *a, const struct rule *b)
{
	return a->dir == b->dir && a->proto == b->proto && a->lo == b->lo && a->hi == b->hi &&
	       a->peer == b->peer;
}

static int rule_find(const struct group *g, const struct rule *r)
{
	int i;

	for (i = 0; i < g->nrules; i++)
		if (rule_eq(&g->rules[i], r))
			return i;
	return -1;
}

static void group_init(struct group *g)
{
	memset(g, 0, sizeof(*g));
	g->exists = true;
	g->nrules = 2;		/* egress all, v4 and v6: a new group's defaults */
	g->rules[0] = (struct rule){ SECGROUP_EGRESS, 0, 0, 0, V4_ANY };
	g->rules[1] = (struct rule){ SECGROUP_EGRESS, 0, 0, 0, V6_ANY };
}

static bool attached(const struct model *m, int gi)
{
	int a, i;

	for (a = 0; a < NATT; a++)
		for (i = 0; i < m->at[a].ngroups; i++)
			if (m->at[a].groups[i] == gi)
				return true;
	return false;
}

/* another group has a rule naming @gi as its peer */
static bool referenced(const struct model *m, int gi)
{
	int g, i;

	for (g = 0; g < NGROUPS; g++)
		for (i = 0; g != gi && m->g[g].exists && i < m->g[g].nrules; i++)
			if (m->g[g].rules[i].peer == -gi - 1)
				return true;
	return false;
}

/* The model's verdict on a new TCP connection to b:@port from instance
 * @from (ATT_A: 10.0.0.2 through v-a; ATT_C: the cgroup, as 10.255.255.1). */
static bool allowed(int from, uint16_t port)
{
	const struct attach *b = &M.at[ATT_B], *src = &M.at[from];
	int i, j, k;

	for (i = 0; i < b->ngroups; i++) {
		const struct group *g = &M.g[b->groups[i]];

		for (j = 0; j < g->nrules; j++) {
			const struct rule *r = &g->rules[j];

			if (r->dir != SECGROUP_INGRESS || (r->proto && r->proto != IPPROTO_TCP) ||
			    (r->proto && (port < r->lo || port > r->hi)))
				continue;
			if (r->peer == V4_ANY)
				return true;
			if (r->peer >= 0 && from == ATT_A && (r->peer == 2 || r->peer == 3))
				return true;
			if (r->peer == 5 && from == ATT_C)
				return true;
			/* a group: members are attachments with addresses */
			for (k = 0; r->peer < 0 && from == ATT_A && k < src->ngroups; k++)
				if (src->groups[k] == -r->peer - 1)
					return true;
		}
	}
	return false;
}

/* ---- requests ---- */

static void put_peer(struct nl_msg *m, int peer, int by_name)
{
	if (peer < 0) {
		if (by_name)
			nla_put_string(m, SECGROUP_RULE_A_PEER_GROUP_NAME, gname[-peer - 1]);
		else
			nla_put_u32(m, SECGROUP_RULE_A_PEER_GROUP, group_id(&C, gname[-peer - 1]));
		return;
	}
	if (cidrs[peer].v6) {
		uint8_t z[16] = { 0 };

		nla_put(m, SECGROUP_RULE_A_PEER_IPV6, 16, z);
	} else {
		nla_put(m, SECGROUP_RULE_A_PEER_IPV4, 4, cidrs[peer].a);
	}
	nla_put_u8(m, SECGROUP_RULE_A_PEER_PREFIX, cidrs[peer].prefix);
}

/* a rule's match; by group id (a request) or by name (a configuration) */
static void put_rule(struct nl_msg *m, int gi, const struct rule *r, int by_name)
{
	struct nlattr *n = nest(m, SECGROUP_A_RULE);

	if (by_name)
		nla_put_string(m, SECGROUP_RULE_A_GROUP_NAME, gname[gi]);
	else
		nla_put_u32(m, SECGROUP_RULE_A_GROUP, group_id(&C, gname[gi]));
	nla_put_u8(m, SECGROUP_RULE_A_DIRECTION, r->dir);
	if (r->proto) {
		nla_put_u8(m, SECGROUP_RULE_A_PROTOCOL, r->proto);
		nla_put_u16(m, SECGROUP_RULE_A_PORT_MIN, r->lo);
		nla_put_u16(m, SECGROUP_RULE_A_PORT_MAX, r->hi);
	}
	put_peer(m, r->peer, by_name);
	nla_nest_end(m, n);
}

static void put_member(struct nl_msg *m, int bit)
{
	uint8_t a[4] = { 10, 9, 0, bit + 1 };

	nla_put(m, SECGROUP_MEMBER_A_IPV4, 4, a);
}

static void put_attach(struct nl_msg *m, int ai, const struct attach *at, int by_name)
{
	struct nlattr *n = nest(m, SECGROUP_A_ATTACH), *l;
	struct in_addr a;
	int i;

	if (ai == ATT_C)
		nla_put_s32(m, SECGROUP_ATTACH_A_CGROUP_FD, cg_fd);
	else
		nla_put_u32(m, SECGROUP_ATTACH_A_IFINDEX, ifindex[ai]);
	l = nest(m, SECGROUP_ATTACH_A_GROUPS);
	for (i = 0; i < at->ngroups; i++) {
		if (by_name)
			nla_put_string(m, SECGROUP_ATTACH_A_GROUP_NAME, gname[at->groups[i]]);
		else
			nla_put_u32(m, SECGROUP_ATTACH_A_GROUP_ID, group_id(&C, gname[at->groups[i]]));
	}
	nla_nest_end(m, l);
	if (addr_of[ai]) {
		l = nest(m, SECGROUP_ATTACH_A_ADDRS);
		inet_pton(AF_INET, addr_of[ai], &a);
		nla_put(m, SECGROUP_ADDR_A_IPV4, 4, &a);
		nla_nest_end(m, l);
	}
	nla_nest_end(m, n);
}

static struct nl_msg *config_msg(const struct model *m, uint32_t flags)
{
	struct nl_msg *nm = msg(&C, SECGROUP_CMD_CONFIG_REPLACE, 0);
	struct nlattr *n;
	int g, i;

	nla_put_u32(nm, SECGROUP_A_FLAGS, flags | SECGROUP_F_ATTACHMENTS);
	for (g = 0; g < NGROUPS; g++) {
		if (!m->g[g].exists)
			continue;
		n = nest(nm, SECGROUP_A_GROUP);
		nla_put_string(nm, SECGROUP_GROUP_A_NAME, gname[g]);
		nla_nest_end(nm, n);
	}
	for (g = 0; g < NGROUPS; g++) {
		for (i = 0; m->g[g].exists && i < m->g[g].nrules; i++)
			put_rule(nm, g, &m->g[g].rules[i], 1);
		for (i = 0; m->g[g].exists && i < NMEMBERS; i++) {
			if (!(m->g[g].members & (1 << i)))
				continue;
			n = nest(nm, SECGROUP_A_MEMBER);
			nla_put_string(nm, SECGROUP_MEMBER_A_GROUP_NAME, gname[g]);
			put_member(nm, i);
			nla_nest_end(nm, n);
		}
	}
	for (i = 0; i < NATT; i++)
		put_attach(nm, i, &m->at[i], 1);
	return nm;
}

/* ---- the changes: each predicts its answer and updates the model ---- */

struct counts {
	long changes, refused, requests, probes_open, probes_blocked, wrong;
	long by_kind[16];
};
static struct counts N;

static int existing_churn_group(void)
{
	int tries, g;

	for (tries = 0; tries < 32; tries++) {
		g = G0 + below(NGROUPS - G0);
		if (M.g[g].exists)
			return g;
	}
	return -1;
}

static int random_peer(void)
{
	int g;

	if (below(3) == 0 && (g = existing_churn_group()) >= 0)
		return -g - 1;
	return below(NCIDRS);
}

/* a request whose replies are not kept */
static int req(struct nl_msg *m)
{
	int err = talk(&C, m);

	free(C.buf);
	C.buf = NULL;
	C.len = 0;
	return err;
}

static int expect(const char *what, int err, int want)
{
	N.requests++;
	if (err == want)
		return 0;
	printf("# %s: got %s (%s), the model says %s\n", what, err ? strerror(-err) : "success",
	       C.msg, want ? strerror(-want) : "success");
	N.wrong++;
	return -1;
}

static void maybe_flush(struct nl_msg *m)
{
	if (below(2))
		nla_put_u32(m, SECGROUP_A_FLAGS, SECGROUP_F_FLUSH);
}

static int ch_rule_add(void)
{
	int g = existing_churn_group(), want;
	struct rule r;
	struct nl_msg *m;

	if (g < 0 || M.g[g].nrules >= MAX_RULES)
		return 1;
	r = (struct rule){ SECGROUP_INGRESS, IPPROTO_TCP, 0, 0, random_peer() };
	r.lo = PORT0 + below(NPORTS);
	r.hi = below(4) ? r.lo : r.lo + below(3);
	want = rule_find(&M.g[g], &r) >= 0 ? -EEXIST : 0;
	m = msg(&C, SECGROUP_CMD_RULE_NEW, 0);
	put_rule(m, g, &r, 0);
	maybe_flush(m);
	if (expect("rule add", req(m), want))
		return -1;
	if (!want)
		M.g[g].rules[M.g[g].nrules++] = r;
	return want ? 1 : 0;
}

static int ch_rule_del(void)
{
	int g = existing_churn_group(), i, want = 0;
	struct rule r;
	struct nl_msg *m;

	if (g < 0 || M.g[g].nrules <= 2)
		return 1;
	i = 2 + below(M.g[g].nrules - 2);	/* a churn rule, or (1 in 8) none */
	r = M.g[g].rules[i];
	if (below(8) == 0) {
		r.lo = r.hi = 9999;
		want = -ENOENT;
	}
	m = msg(&C, SECGROUP_CMD_RULE_DEL, 0);
	put_rule(m, g, &r, 0);
	maybe_flush(m);
	if (expect("rule del", req(m), want))
		return -1;
	if (!want)
		memmove(&M.g[g].rules[i], &M.g[g].rules[i + 1],
			(--M.g[g].nrules - i) * sizeof(r));
	return want ? 1 : 0;
}

static int ch_member(void)
{
	int g = existing_churn_group(), bit = below(NMEMBERS), add = below(2), want;
	struct nl_msg *m;
	struct nlattr *n;

	if (g < 0)
		return 1;
	if (add)
		want = M.g[g].members & (1 << bit) ? -EEXIST : 0;
	else
		want = M.g[g].members & (1 << bit) ? 0 : -ENOENT;
	m = msg(&C, add ? SECGROUP_CMD_MEMBER_NEW : SECGROUP_CMD_MEMBER_DEL, 0);
	n = nest(m, SECGROUP_A_MEMBER);
	nla_put_u32(m, SECGROUP_MEMBER_A_GROUP, group_id(&C, gname[g]));
	put_member(m, bit);
	nla_nest_end(m, n);
	if (expect(add ? "member add" : "member del", req(m), want))
		return -1;
	if (!want)
		M.g[g].members ^= 1 << bit;
	return want ? 1 : 0;
}

/* the instance's base group, then up to three churn groups */
static void random_groups(int ai, struct attach *at, const struct model *m)
{
	int i, k, g, n = below(4);

	at->ngroups = 1;
	at->groups[0] = BASE_A + ai;
	for (i = 0; i < n; i++) {
		g = G0 + below(NGROUPS - G0);
		for (k = 1; k < at->ngroups && at->groups[k] != g; k++)
			;
		if (m->g[g].exists && k == at->ngroups)
			at->groups[at->ngroups++] = g;
	}
}

static int ch_attach(void)
{
	int ai = below(NATT);
	struct attach at = {};
	struct nl_msg *m;

	random_groups(ai, &at, &M);
	m = msg(&C, SECGROUP_CMD_ATTACH_NEW, 0);
	put_attach(m, ai, &at, 0);
	maybe_flush(m);
	if (expect("attach", req(m), 0))
		return -1;
	M.at[ai] = at;
	return 0;
}

static int ch_group_add(void)
{
	int g = G0 + below(NGROUPS - G0), want = M.g[g].exists ? -EEXIST : 0;

	if (expect("group add", req(group_new(&C, gname[g])), want))
		return -1;
	if (!want)
		group_init(&M.g[g]);
	return want ? 1 : 0;
}

static int ch_group_del(void)
{
	int g = existing_churn_group(), want;
	struct nl_msg *m;
	struct nlattr *n;

	if (g < 0)
		return 1;
	want = attached(&M, g) || referenced(&M, g) ? -EBUSY : 0;
	m = msg(&C, SECGROUP_CMD_GROUP_DEL, 0);
	n = nest(m, SECGROUP_A_GROUP);
	nla_put_string(m, SECGROUP_GROUP_A_NAME, gname[g]);
	nla_nest_end(m, n);
	if (expect("group del", req(m), want))
		return -1;
	if (!want)
		M.g[g].exists = false;
	return want ? 1 : 0;
}

/* drop group @gi from a model, with the rules naming it and its uses */
static void drop_group(struct model *m, int gi)
{
	int g, i, a, n;

	m->g[gi].exists = false;
	for (g = 0; g < NGROUPS; g++) {
		for (i = n = 0; i < m->g[g].nrules; i++)
			if (m->g[g].rules[i].peer != -gi - 1)
				m->g[g].rules[n++] = m->g[g].rules[i];
		m->g[g].nrules = n;
	}
	for (a = 0; a < NATT; a++) {
		for (i = n = 0; i < m->at[a].ngroups; i++)
			if (m->at[a].groups[i] != gi)
				m->at[a].groups[n++] = m->at[a].groups[i];
		m->at[a].ngroups = n;
	}
}

static int ch_replace(void)
{
	struct model next = M;
	int i, g, dry = below(5) == 0;
	struct nl_msg *m;

	for (i = below(3); i > 0; i--)
		if ((g = existing_churn_group()) >= 0)
			drop_group(&next, g);
	for (i = below(3); i > 0; i--) {
		g = G0 + below(NGROUPS - G0);
		if (!next.g[g].exists)
			group_init(&next.g[g]);
		if (next.g[g].nrules < MAX_RULES) {
			struct rule r = { SECGROUP_INGRESS, IPPROTO_TCP, 0, 0, below(NCIDRS) };

			r.lo = r.hi = PORT0 + below(NPORTS);
			if (rule_find(&next.g[g], &r) < 0)
				next.g[g].rules[next.g[g].nrules++] = r;
		}
	}
	for (i = 0; i < NATT; i++)
		if (below(3) == 0)
			random_groups(i, &next.at[i], &next);
	m = config_msg(&next, (dry ? SECGROUP_F_DRY_RUN : 0) |
			      (below(2) ? SECGROUP_F_FLUSH : 0));
	if (expect(dry ? "replace, dry run" : "replace", req(m), 0))
		return -1;
	if (!dry)
		M = next;
	return dry;
}

/* the changes, as often as they appear here */
static const struct change {
	const char *name;
	int (*fn)(void);
} changes[] = {
	{ "rule add", ch_rule_add }, { "rule add", ch_rule_add }, { "rule add", ch_rule_add },
	{ "rule add", ch_rule_add }, { "rule del", ch_rule_del }, { "rule del", ch_rule_del },
	{ "rule del", ch_rule_del }, { "member", ch_member }, { "member", ch_member },
	{ "attach", ch_attach }, { "attach", ch_attach }, { "attach", ch_attach },
	{ "group add", ch_group_add }, { "group del", ch_group_del }, { "replace", ch_replace },
};
#define NCHANGES (sizeof(changes) / sizeof(changes[0]))

/* ---- traffic: long-lived flows, and the probes ---- */

enum { F_TCP_A, F_UDP_A, F_TCP_C, F_UDP_C, NFLOWS };
static const char *const flow_name[NFLOWS] = {
	"tcp a -> b", "udp a -> b", "tcp c (cgroup) -> b", "udp c (cgroup) -> b",
};
static const uint16_t flow_port[NFLOWS] = { 7000, 7100, 7001, 7101 };

struct flow {
	long sent, recvd, got, reordered;	/* recvd: the next number expected */
	long max_pause_ms;	/* the longest time without a message received */
	int send_err, recv_err, connected;
};

static struct shared {
	struct flow f[NFLOWS];
	volatile int stop;
} *S;

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* a helper process's failure, said in the TAP output */
static void die_said(const char *who)
{
	printf("# %s: %s\n", who, strerror(errno));
	exit(1);
}

static int enter_netns(const char *name)
{
	char path[64];
	int fd, err;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	err = fd < 0 || setns(fd, CLONE_NEWNET);
	if (fd >= 0)
		close(fd);
	return err ? -1 : 0;
}

static int enter_cgroup(void)
{
	char path[512];
	int fd, ok;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg_path);
	fd = open(path, O_WRONLY | O_CLOEXEC);
	ok = fd >= 0 && write(fd, "0", 1) == 1;
	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/* where instance @ai's processes run */
static int enter(int ai)
{
	return ai == ATT_C ? enter_cgroup() : enter_netns("a");
}

static struct sockaddr_in to_b(uint16_t port)
{
	struct sockaddr_in b = { .sin_family = AF_INET, .sin_port = htons(port) };

	inet_pton(AF_INET, "10.0.0.3", &b.sin_addr);
	return b;
}

static int listener(int type, uint16_t port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), one = 1;

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&a, sizeof(a)) || (type == SOCK_STREAM && listen(fd, 128)))
		return -1;
	return fd;
}

/* A flow's message arrived (at @t): check its number. */
static void received(struct flow *f, uint64_t seq, long *last, long t)
{
	if (*last && t - *last > f->max_pause_ms)
		f->max_pause_ms = t - *last;
	*last = t;
	f->got++;
	if ((long)seq < f->recvd)
		f->reordered++;
	else
		f->recvd = seq + 1;
}

/* In b: the sinks of the four flows, and listeners on the probe ports
 * that accept and close.  Until the sources have stopped and said all. */
static void b_server(int ready_fd)
{
	struct pollfd p[NFLOWS + NPORTS];
	uint8_t buf[NFLOWS][4096];
	size_t have[NFLOWS] = { 0 };
	long last[NFLOWS] = { 0 };
	int i, n, fd, open_tcp = 2;
	long stopped = 0;
	bool ended = false;

	if (enter_netns("b"))
		die_said("b: cannot enter netns b");
	for (i = 0; i < NFLOWS; i++) {
		int big = 8 << 20;	/* minutes of datagrams, should b wait */

		p[i] = (struct pollfd){ listener(i == F_UDP_A || i == F_UDP_C ? SOCK_DGRAM
						: SOCK_STREAM, flow_port[i]), POLLIN };
		setsockopt(p[i].fd, SOL_SOCKET, SO_RCVBUFFORCE, &big, sizeof(big));
	}
	for (i = 0; i < NPORTS; i++)
		p[NFLOWS + i] = (struct pollfd){ listener(SOCK_STREAM, PORT0 + i), POLLIN };
	for (i = 0; i < NFLOWS + NPORTS; i++)
		if (p[i].fd < 0)
			exit(1);
	if (write(ready_fd, "r", 1) != 1)
		exit(1);
	/* once stopped: until the TCP flows end and 300 ms more, or 5 s */
	for (;;) {
		if (S->stop && !stopped)
			stopped = now_ms();
		if (stopped && now_ms() - stopped > (open_tcp > 0 ? 5000 : 300))
			break;
		if (stopped && !open_tcp && !ended) {
			ended = true;	/* the last datagrams: 300 ms from now */
			stopped = now_ms();
		}
		if (poll(p, NFLOWS + NPORTS, 100) < 0)
			continue;
		for (i = NFLOWS; i < NFLOWS + NPORTS; i++) {
			fd = p[i].revents ? accept(p[i].fd, NULL, NULL) : -1;
			if (fd >= 0)
				close(fd);
		}
		for (i = 0; i < NFLOWS; i++) {
			struct flow *f = &S->f[i];
			long t = now_ms();

			if (!p[i].revents)
				continue;
			if (i == F_UDP_A || i == F_UDP_C) {
				uint64_t seq;

				while (recv(p[i].fd, &seq, 8, 0) == 8)
					received(f, seq, &last[i], t);
				continue;
			}
			if (!f->connected) {	/* the listener: take the flow */
				fd = accept4(p[i].fd, NULL, NULL, SOCK_NONBLOCK);
				if (fd >= 0) {
					close(p[i].fd);
					p[i].fd = fd;
					f->connected = 1;
				}
				continue;
			}
			n = read(p[i].fd, buf[i] + have[i], sizeof(buf[i]) - have[i]);
			if (n <= 0) {
				if (n < 0 && errno == EAGAIN)
					continue;
				f->recv_err = n < 0 ? errno : 0;
				close(p[i].fd);
				p[i].fd = -1;
				open_tcp--;
				continue;
			}
			have[i] += n;
			for (n = 0; have[i] - n >= 8; n += 8)
				received(f, *(uint64_t *)(buf[i] + n), &last[i], t);
			memmove(buf[i], buf[i] + n, have[i] - n);
			have[i] -= n;
		}
	}
	exit(0);
}

/*
 * In a or in the cgroup: the two flows of instance @ai, a message every
 * 10 ms each, until told to stop.  On one CPU: a veth hands a packet to
 * the backlog of the CPU that sends it, so a sender that moved while its
 * last datagram waited there (the debug kernel under load) would see the
 * next one overtake it, which is no doing of secgroup's.
 */
static void sources(int ai)
{
	int ft = ai == ATT_A ? F_TCP_A : F_TCP_C, fu = ft + 1;
	struct sockaddr_in bt = to_b(flow_port[ft]), bu = to_b(flow_port[fu]);
	int tcp, udp, one = 1;
	cpu_set_t cpu;
	uint64_t seq;

	CPU_ZERO(&cpu);
	CPU_SET(0, &cpu);
	if (sched_setaffinity(0, sizeof(cpu), &cpu))
		die_said("flows: cannot stay on CPU 0");
	if (enter(ai))		/* first: a socket belongs to its netns for life */
		die_said("flows: cannot enter their instance");
	tcp = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	udp = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (connect(tcp, (struct sockaddr *)&bt, sizeof(bt)) ||
	    connect(udp, (struct sockaddr *)&bu, sizeof(bu)))
		die_said("flows: cannot connect to b");
	setsockopt(tcp, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	for (seq = 0; !S->stop; seq++) {
		if (!S->f[ft].send_err && send(tcp, &seq, 8, MSG_NOSIGNAL) == 8)
			S->f[ft].sent++;
		else if (!S->f[ft].send_err)
			S->f[ft].send_err = errno;
		if (send(udp, &seq, 8, 0) == 8)
			S->f[fu].sent++;
		else if (!S->f[fu].send_err)
			S->f[fu].send_err = errno;
		usleep(10000);
	}
	close(tcp);
	exit(0);
}

/*
 * In a or in the cgroup: connects to b when asked.  A request is a port
 * and a mode: 'o' (must open: wait for it, up to the limit) or 'b' (is
 * blocked: answer once the SYN is out, keep trying, and on a second
 * request answer whether it has connected since).  Answers: 1 connected,
 * 0 not, -errno refused.
 */
static void prober(int ai, int fd, int limit_ms)
{
	struct { uint16_t port; char mode; } q;
	struct linger l = { 1, 0 };	/* close with a reset: no TIME_WAIT pile */
	int8_t a;
	char mode;

	if (enter(ai))
		die_said("prober: cannot enter its instance");
	while (read(fd, &q, sizeof(q)) == sizeof(q)) {
		struct sockaddr_in b = to_b(q.port);
		int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0), e = 0;
		struct pollfd p = { s, POLLOUT };
		socklen_t el = sizeof(e);

		setsockopt(s, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
		if (connect(s, (struct sockaddr *)&b, sizeof(b)) && errno != EINPROGRESS) {
			a = -errno;
			goto answer;
		}
		mode = q.mode;
		if (mode == 'b') {
			a = 0;
			if (write(fd, &a, 1) != 1 || read(fd, &q, sizeof(q)) != sizeof(q))
				die_said("prober: lost the driver");
		}
		a = poll(&p, 1, mode == 'b' ? 0 : limit_ms) == 1 &&
		    !getsockopt(s, SOL_SOCKET, SO_ERROR, &e, &el) && !e;
		if (e)
			a = -e;
answer:
		close(s);
		if (write(fd, &a, 1) != 1)
			die_said("prober: lost the driver");
	}
	exit(0);
}

static int probe_fd[NATT];

/* b's policy drops so far */
static uint64_t b_drops(void)
{
	struct nl_msg *m = msg(&C, SECGROUP_CMD_ATTACH_GET, 0);
	struct nlattr *n = nest(m, SECGROUP_A_ATTACH), *tb[SECGROUP_A_MAX + 1];
	struct nlattr *at[SECGROUP_ATTACH_A_MAX + 1], *st[SECGROUP_STATS_A_MAX + 1];

	nla_put_u32(m, SECGROUP_ATTACH_A_IFINDEX, ifindex[ATT_B]);
	nla_nest_end(m, n);
	free(C.buf);
	C.buf = NULL;
	C.len = 0;
	if (talk(&C, m) || !C.len ||
	    genlmsg_parse((struct nlmsghdr *)C.buf, 0, tb, SECGROUP_A_MAX, NULL) ||
	    !tb[SECGROUP_A_ATTACH] ||
	    nla_parse_nested(at, SECGROUP_ATTACH_A_MAX, tb[SECGROUP_A_ATTACH], NULL) ||
	    !at[SECGROUP_ATTACH_A_STATS] ||
	    nla_parse_nested(st, SECGROUP_STATS_A_MAX, at[SECGROUP_ATTACH_A_STATS], NULL) ||
	    !st[SECGROUP_STATS_A_DROP_POLICY])
		return 0;
	return nla_get_u64(st[SECGROUP_STATS_A_DROP_POLICY]);
}

static int ask(int ai, uint16_t port, char mode)
{
	struct { uint16_t port; char mode; } q = { port, mode };
	int8_t a;

	if (write(probe_fd[ai], &q, sizeof(q)) != sizeof(q) || read(probe_fd[ai], &a, 1) != 1)
		return -EPIPE;
	return a;
}

/* A new connection from @ai to b gets the model's verdict. */
static int probe(int ai, int limit_ms)
{
	uint16_t port = PORT0 + below(NPORTS), open[NPORTS];
	int r, n = 0;
	uint64_t d0;
	long until;

	/* half the time a port the model allows, if there is one: both
	 * verdicts get tried often, whatever the churn made of b */
	for (r = 0; r < NPORTS; r++)
		if (allowed(ai, PORT0 + r))
			open[n++] = PORT0 + r;
	if (n && below(2))
		port = open[below(n)];

	if (allowed(ai, port)) {
		r = ask(ai, port, 'o');
		if (r == 1) {
			N.probes_open++;
			return 0;
		}
		printf("# %s -> b:%u should open: %s\n", ai == ATT_A ? "a" : "c", port,
		       r ? strerror(-r) : "no answer");
		return -1;
	}
	d0 = b_drops();
	if ((r = ask(ai, port, 'b')))
		goto wrong;
	for (until = now_ms() + limit_ms; b_drops() == d0 && now_ms() < until; )
		usleep(2000);
	if ((r = ask(ai, port, 'c')) || b_drops() == d0)
		goto wrong;
	N.probes_blocked++;
	return 0;
wrong:
	printf("# %s -> b:%u should be dropped by b's policy: %s\n", ai == ATT_A ? "a" : "c",
	       port, r == 1 ? "it opened" : r ? strerror(-r) : "no drop was counted");
	return -1;
}

/* ---- setup, the run, and what it says ---- */

static void rule_text(FILE *f, const struct rule *r)
{
	fprintf(f, "\"%s %s", r->dir == SECGROUP_INGRESS ? "ingress" : "egress",
		!r->proto ? "all" : r->proto == IPPROTO_UDP ? "udp" : "tcp");
	if (r->proto && r->lo == r->hi)
		fprintf(f, " port %u", r->lo);
	else if (r->proto)
		fprintf(f, " port %u-%u", r->lo, r->hi);
	fprintf(f, " %s ", r->dir == SECGROUP_INGRESS ? "from" : "to");
	if (r->peer < 0)
		fprintf(f, "group %s\"", gname[-r->peer - 1]);
	else
		fprintf(f, "%s\"", cidrs[r->peer].text);
}

/* the model as an apply file */
static int write_model(const char *path)
{
	FILE *f = fopen(path, "w");
	const char *sep = "";
	int g, i, a;

	if (!f)
		return -1;
	fprintf(f, "{ \"version\": 1, \"groups\": [");
	for (g = 0; g < NGROUPS; g++) {
		if (!M.g[g].exists)
			continue;
		fprintf(f, "%s\n  { \"name\": \"%s\", \"rules\": [", sep, gname[g]);
		for (i = 0; i < M.g[g].nrules; i++) {
			fprintf(f, i ? ", " : " ");
			rule_text(f, &M.g[g].rules[i]);
		}
		fprintf(f, " ], \"members\": [");
		for (i = 0, sep = " "; i < NMEMBERS; i++)
			if (M.g[g].members & (1 << i)) {
				fprintf(f, "%s\"10.9.0.%d\"", sep, i + 1);
				sep = ", ";
			}
		fprintf(f, " ] }");
		sep = ",";
	}
	fprintf(f, " ],\n  \"attachments\": [");
	for (a = 0; a < NATT; a++) {
		if (a == ATT_C)
			fprintf(f, ",\n  { \"cgroup\": \"%s\", \"groups\": [", cg_path);
		else
			fprintf(f, "%s\n  { \"dev\": \"v-%c\", \"groups\": [", a ? "," : "", 'a' + a);
		for (i = 0; i < M.at[a].ngroups; i++)
			fprintf(f, "%s\"%s\"", i ? ", " : " ", gname[M.at[a].groups[i]]);
		fprintf(f, " ]");
		if (addr_of[a])
			fprintf(f, ", \"addrs\": [ \"%s\" ]", addr_of[a]);
		fprintf(f, " }");
	}
	fprintf(f, " ] }\n");
	return fclose(f);
}

static void initial_model(void)
{
	int i;

	memset(&M, 0, sizeof(M));
	for (i = BASE_A; i <= BASE_C; i++) {
		group_init(&M.g[i]);
		M.at[i - BASE_A] = (struct attach){ 1, { i } };
	}
	M.g[BASE_B].rules[M.g[BASE_B].nrules++] =
		(struct rule){ SECGROUP_INGRESS, IPPROTO_TCP, 7000, 7001, V4_ANY };
	M.g[BASE_B].rules[M.g[BASE_B].nrules++] =
		(struct rule){ SECGROUP_INGRESS, IPPROTO_UDP, 7100, 7101, V4_ANY };
}

static pid_t kids[8];
static int nkids;

/* A child running @fn(@arg), with no descriptor of ours but @keep (then
 * its argument, as fd 3), dying with us. */
static void spawn(void (*fn)(int), int arg, int keep)
{
	pid_t p = fork();

	if (p == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (keep >= 0 && dup2(keep, 3) < 0)
			exit(1);
		close_range(keep >= 0 ? 4 : 3, ~0U, 0);
		fn(keep >= 0 ? 3 : arg);
	}
	kids[nkids++] = p;
	if (keep >= 0)
		close(keep);
}

static int limit;	/* ms a probe may wait */

static void prober_a(int fd) { prober(ATT_A, fd, limit); }
static void prober_c(int fd) { prober(ATT_C, fd, limit); }

int main(int argc, char **argv)
{
	long want = 10000, seconds = 0, t0;
	uint64_t seed = 0;
	int o, i, r, sv[2], ready[2], fails = 0, bad = 0, status;
	char c;

	while ((o = getopt(argc, argv, "s:n:t:")) != -1) {
		switch (o) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'n': want = atol(optarg); break;
		case 't': seconds = atol(optarg); break;
		default: goto usage;
		}
	}
	if (argc - optind != 2)
		goto usage;
	cg_path = argv[optind];
	if (!seed)
		seed = (uint64_t)time(NULL) << 20 ^ getpid();
	rng = seed;
	limit = 15000;
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);	/* a dead helper is an error said, not our death */
	printf("TAP version 13\n# seed %#llx\n1..%d\n", (unsigned long long)seed, 2 + NFLOWS);
	S = mmap(NULL, sizeof(*S), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ifindex[ATT_A] = if_nametoindex("v-a");
	ifindex[ATT_B] = if_nametoindex("v-b");
	cg_fd = open(cg_path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (S == MAP_FAILED || !ifindex[ATT_A] || !ifindex[ATT_B] || cg_fd < 0 || conn_open(&C) ||
	    pipe(ready))
		goto bail;
	initial_model();
	if (req(config_msg(&M, 0))) {
		printf("Bail out! the initial configuration: %s\n", C.msg);
		return 1;
	}
	spawn(b_server, 0, ready[1]);
	if (read(ready[0], &c, 1) != 1)
		goto bail;
	spawn(sources, ATT_A, -1);
	spawn(sources, ATT_C, -1);
	for (i = 0; i < NATT; i += 2) {
		if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv))
			goto bail;
		spawn(i == ATT_A ? prober_a : prober_c, 0, sv[1]);
		probe_fd[i] = sv[0];
	}
	for (t0 = now_ms(); !(S->f[F_TCP_A].connected && S->f[F_TCP_C].connected); usleep(10000))
		if (now_ms() - t0 > limit)
			goto bail;
	usleep(200000);
	for (t0 = now_ms(); seconds ? now_ms() - t0 < seconds * 1000 : N.changes < want; ) {
		int k = below(NCHANGES);

		r = changes[k].fn();
		if (r < 0 && ++bad > 10)
			break;
		if (r == 0) {
			N.changes++;
			N.by_kind[k]++;
			if (N.changes % 5 == 0 &&
			    (probe(ATT_A, limit) | probe(ATT_C, limit)) && ++bad > 10)
				break;
		} else if (r > 0) {
			N.refused++;
		}
	}
	printf("# changes made:");
	for (i = 0; i < (int)NCHANGES; i++) {
		long n = 0;
		int j;

		for (j = 0; j < i && strcmp(changes[j].name, changes[i].name); j++)
			;
		if (j < i)
			continue;	/* counted with the first of its name */
		for (; j < (int)NCHANGES; j++)
			if (!strcmp(changes[j].name, changes[i].name))
				n += N.by_kind[j];
		printf(" %s %ld;", changes[i].name, n);
	}
	printf("\n%s 1 - %ld changes made in %ld s (and %ld requests that changed nothing, "
	       "refused or dry runs, as the model said); every answer the model's\n",
	       N.wrong ? "not ok" : "ok", N.changes, (now_ms() - t0) / 1000, N.refused);
	fails += !!N.wrong;
	printf("%s 2 - %ld new connections got the model's verdict: %ld opened, %ld dropped by b's policy\n",
	       bad - N.wrong ? "not ok" : "ok", N.probes_open + N.probes_blocked, N.probes_open,
	       N.probes_blocked);
	fails += bad - N.wrong > 0;
	S->stop = 1;
	close(probe_fd[ATT_A]);
	close(probe_fd[ATT_C]);
	for (i = 0; i < nkids; i++)
		waitpid(kids[i], &status, 0);
	for (i = 0; i < NFLOWS; i++) {
		struct flow *f = &S->f[i];
		int ok = f->sent > 0 && f->got == f->sent && f->recvd == f->sent &&
			 !f->reordered && !f->send_err && !f->recv_err && f->max_pause_ms <= 1000;

		printf("%s %d - flow %s: %ld messages sent, %ld received, %ld lost, %ld out of order, "
		       "longest pause %ld ms%s%s%s%s\n", ok ? "ok" : "not ok", 3 + i, flow_name[i],
		       f->sent, f->got, f->sent - f->got, f->reordered, f->max_pause_ms,
		       f->send_err ? ", send error: " : "", f->send_err ? strerror(f->send_err) : "",
		       f->recv_err ? ", receive error: " : "", f->recv_err ? strerror(f->recv_err) : "");
		fails += !ok;
	}
	if (write_model(argv[optind + 1]))
		goto bail;
	conn_close(&C);
	return fails ? 1 : 0;
bail:
	printf("Bail out! %s\n", strerror(errno));
	for (i = 0; i < nkids; i++) {
		kill(kids[i], SIGKILL);
		waitpid(kids[i], &status, 0);
	}
	return 1;
usage:
	fprintf(stderr, "usage: churn [-s SEED] [-n CHANGES] [-t SECONDS] CGROUP MODEL-FILE\n");
	return 2;
}
