// SPDX-License-Identifier: GPL-2.0
/*
 * A seeded generic netlink fuzzer for the secgroup family.
 *
 * Messages are valid requests mutated at the attribute level: every
 * command with every attribute of its object, values drawn from the edges
 * and from the objects the senders created (ids learnt from the replies),
 * wrong types and lengths, truncated attributes and bad nla_len, strings
 * without their NUL, nests too deep, duplicates, huge counts (thousands of
 * tags, addresses, rules), and commands and flags that do not exist.
 *
 * Several senders run at once, in rounds: two in one netns (the same state
 * from two sockets), one in another, one unprivileged in that first netns
 * (every request must be refused: EPERM) and one unprivileged user that
 * made its own user and network namespace (root there, so its requests are
 * handled).  Every request needs an answer.  After each round the state of
 * each netns must still dump, and save back consistently: `sgnl save`,
 * `sgnl apply` of that, `sgnl save` again, the same text.  Kernel reports
 * are read from the log by tools/vm/run.
 *
 * Usage: nlfuzz [-s SEED] [-n MESSAGES] [-r ROUNDS] CGROUP1 CGROUP2
 * The seed is printed; -s replays a run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <net/if.h>
#include <grp.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>

#include "sgt.h"

#define MSG_MAX (256 * 1024)
#define DEPTH_MAX 24
#define POOL 64

static int family, cg_fds[2], junk_fd;
static uint64_t cg_ids[2];
static int ifindex[4];

/* ---- a seeded generator ---- */

static uint64_t rng;

static uint64_t rnd(void)	/* splitmix64 */
{
	uint64_t z = (rng += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static unsigned int below(unsigned int n)
{
	return n ? rnd() % n : 0;
}

static int one_in(unsigned int n)
{
	return below(n) == 0;
}

/* ids seen in replies: what the next requests refer to */
static uint32_t group_ids[POOL], rule_ids[POOL];

static void learn(uint32_t *pool, uint32_t id)
{
	pool[below(POOL)] = id;
}

/* ---- a message, built attribute by attribute, each maybe mutated ---- */

static struct {
	uint8_t d[MSG_MAX];
	size_t len;
	size_t nests[DEPTH_MAX * 2];
	int depth;
} b;

static int mutate = 8;	/* one attribute in @mutate goes wrong */
static int unprivileged;	/* this sender's requests must all be refused */

static void *room(size_t n)
{
	void *p;

	if (b.len + NLA_ALIGN(n) > MSG_MAX)
		return NULL;
	p = b.d + b.len;
	memset(p, 0, NLA_ALIGN(n));
	b.len += NLA_ALIGN(n);
	return p;
}

static void put(int type, const void *data, size_t len)
{
	struct nlattr *a;
	size_t junk = 0;
	uint8_t *p;

	if (one_in(mutate)) {
		switch (below(6)) {
		case 0: type = below(40); break;			/* another type */
		case 1: len = len ? below(len) : 0; break;		/* truncated */
		case 2: junk = 1 + below(24); break;			/* longer */
		case 3: type |= NLA_F_NESTED; break;
		case 4: put(type, data, len); break;			/* twice */
		case 5: type |= NLA_F_NET_BYTEORDER; break;
		}
	}
	a = room(NLA_HDRLEN + len + junk);
	if (!a)
		return;
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len + junk;
	p = (uint8_t *)a + NLA_HDRLEN;
	if (len)
		memcpy(p, data, len);
	while (junk--)
		p[len + junk] = rnd();
}

static void put_u8(int t, uint8_t v) { put(t, &v, 1); }
static void put_u16(int t, uint16_t v) { put(t, &v, 2); }
static void put_u32(int t, uint32_t v) { put(t, &v, 4); }
static void put_u64(int t, uint64_t v) { put(t, &v, 8); }

static void put_str(int t, const char *s)
{
	put(t, s, strlen(s) + !one_in(mutate * 2));	/* sometimes no NUL */
}

static void nest_start(int type)
{
	struct nlattr *a = room(NLA_HDRLEN);

	if (b.depth < (int)(sizeof(b.nests) / sizeof(b.nests[0])))
		b.nests[b.depth] = a ? (size_t)((uint8_t *)a - b.d) : (size_t)-1;
	b.depth++;
	if (a)
		a->nla_type = type | (one_in(mutate * 2) ? 0 : NLA_F_NESTED);
}

static void nest_end(void)
{
	size_t at = b.nests[--b.depth];
	struct nlattr *a = (struct nlattr *)(b.d + at);

	if (at == (size_t)-1)
		return;
	a->nla_len = b.len - at > 0xffff ? 0xffff : b.len - at;
	if (one_in(mutate * 8))
		a->nla_len = below(b.len - at + 64);	/* a lie: short or past the end */
}

/* a nest of nests, too deep for anyone */
static void put_deep(int type)
{
	int i, n = 2 + below(DEPTH_MAX - 2);

	for (i = 0; i < n; i++)
		nest_start(one_in(2) ? type : (int)below(12));
	put_u32(1 + below(10), rnd());
	for (i = 0; i < n; i++)
		nest_end();
}

/* ---- values ---- */

static const char *const names[] = {
	"default", "web", "app", "db", "g1", "g2", "g3", "", "sg-0000abcd", "sg-x",
	"a b", "\xff\xfe", "-", "ALL",
};

static void put_name(int t)
{
	char s[300];

	if (one_in(20)) {
		memset(s, 'n', sizeof(s) - 1);
		s[below(sizeof(s))] = 0;	/* up to 299 bytes */
		put_str(t, s);
	} else {
		put_str(t, names[below(sizeof(names) / sizeof(names[0]))]);
	}
}

static uint32_t group_ref(void)
{
	switch (below(8)) {
	case 0: return 0;
	case 1: return rnd();
	case 2: return 0xffffffff;
	default: return group_ids[below(POOL)];
	}
}

static uint32_t some_u32(void)
{
	static const uint32_t edge[] = { 0, 1, 2, 0x7f, 0xff, 0x100, 0xffff, 0x10000,
					 0x7fffffff, 0x80000000, 0xffffffff };

	return one_in(2) ? edge[below(sizeof(edge) / sizeof(edge[0]))] : (uint32_t)rnd();
}

static void put_addr4(int t)
{
	uint8_t a[4] = { 10, below(2), below(2), below(4) };

	if (one_in(4))
		*(uint32_t *)a = rnd();
	put(t, a, 4);
}

static void put_addr6(int t)
{
	uint8_t a[16] = { 0xfd, [15] = below(4) };
	uint64_t r = rnd();

	if (one_in(4))
		memcpy(a, &r, 8);
	put(t, a, 16);
}

static void put_tags(int type, int untags)
{
	int i, n = one_in(10) ? below(120) : below(4);
	char k[16];

	nest_start(type);
	for (i = 0; i < n; i++) {
		snprintf(k, sizeof(k), "k%u", below(60));
		if (untags) {
			put_str(SECGROUP_TAG_A_KEY, k);
			continue;
		}
		nest_start(SECGROUP_TAG_A_TAG);
		put_str(SECGROUP_TAG_A_KEY, k);
		if (!one_in(10))
			put_str(SECGROUP_TAG_A_VALUE, one_in(2) ? "" : "v");
		nest_end();
	}
	nest_end();
}

static void put_addrs(int type)
{
	int i, n = one_in(10) ? below(200) : below(5);

	nest_start(type);
	for (i = 0; i < n; i++) {
		if (one_in(2))
			put_addr4(SECGROUP_ADDR_A_IPV4);
		else
			put_addr6(SECGROUP_ADDR_A_IPV6);
	}
	nest_end();
}

/* ---- the objects, every attribute maybe ---- */

static void group_attrs(void)
{
	nest_start(SECGROUP_A_GROUP);
	if (one_in(2))
		put_u32(SECGROUP_GROUP_A_ID, group_ref());
	if (!one_in(4))
		put_name(SECGROUP_GROUP_A_NAME);
	if (one_in(3))
		put_str(SECGROUP_GROUP_A_DESCRIPTION, one_in(2) ? "d" : "");
	if (one_in(3))
		put_tags(SECGROUP_GROUP_A_TAGS, 0);
	if (one_in(5))
		put_tags(SECGROUP_GROUP_A_UNTAGS, 1);
	if (one_in(5))
		put_u32(SECGROUP_GROUP_A_FLAGS, some_u32() & (one_in(4) ? ~0u : 3));
	if (one_in(20))
		put_addrs(SECGROUP_GROUP_A_MEMBERS);		/* reply-only */
	if (one_in(20))
		put_u32(SECGROUP_GROUP_A_ATTACHMENTS, 1);	/* reply-only */
	if (one_in(30))
		put_deep(SECGROUP_GROUP_A_TAGS);
	nest_end();
}

/* RULE_SET: which rule and its description, now and then something more */
static void rule_set_attrs(void)
{
	nest_start(SECGROUP_A_RULE);
	if (!one_in(8))
		put_u32(SECGROUP_RULE_A_GROUP, group_ref());
	if (!one_in(8))
		put_u32(SECGROUP_RULE_A_ID, one_in(4) ? some_u32() : rule_ids[below(POOL)]);
	if (!one_in(8))
		put_str(SECGROUP_RULE_A_DESCRIPTION, one_in(6) ? "not\001this" : "changed");
	if (one_in(6))
		put_u16(SECGROUP_RULE_A_PORT_MIN, 80);
	nest_end();
}

static void rule_attrs(int by_name)
{
	static const uint8_t protos[] = { 6, 17, 1, 58, 132, 136, 33, 47, 50, 0, 255, 4 };

	nest_start(SECGROUP_A_RULE);
	if (by_name || one_in(8))
		put_name(SECGROUP_RULE_A_GROUP_NAME);
	if (!by_name || one_in(8))
		put_u32(SECGROUP_RULE_A_GROUP, group_ref());
	if (one_in(4))
		put_u32(SECGROUP_RULE_A_ID, one_in(2) ? rule_ids[below(POOL)] : some_u32());
	if (!one_in(8))
		put_u8(SECGROUP_RULE_A_DIRECTION, below(3));
	if (!one_in(3))
		put_u8(SECGROUP_RULE_A_PROTOCOL, one_in(8) ? rnd() : protos[below(sizeof(protos))]);
	if (one_in(2))
		put_u16(SECGROUP_RULE_A_PORT_MIN, one_in(2) ? 80 + below(3) : rnd());
	if (one_in(3))
		put_u16(SECGROUP_RULE_A_PORT_MAX, one_in(2) ? 82 : rnd());
	if (one_in(4))
		put_u8(SECGROUP_RULE_A_ICMP_TYPE, below(2) ? 8 : rnd());
	if (one_in(5))
		put_u8(SECGROUP_RULE_A_ICMP_CODE, below(3));
	switch (below(5)) {
	case 0: put_addr4(SECGROUP_RULE_A_PEER_IPV4); break;
	case 1: put_addr6(SECGROUP_RULE_A_PEER_IPV6); break;
	case 2:
		if (by_name)
			put_name(SECGROUP_RULE_A_PEER_GROUP_NAME);
		else
			put_u32(SECGROUP_RULE_A_PEER_GROUP, group_ref());
		break;
	case 3: put_addr4(SECGROUP_RULE_A_PEER_IPV4);
		put_addr6(SECGROUP_RULE_A_PEER_IPV6); break;		/* two peers */
	}
	if (!one_in(3))
		put_u8(SECGROUP_RULE_A_PEER_PREFIX, one_in(4) ? rnd() : 8 * below(17));
	if (one_in(4))
		put_str(SECGROUP_RULE_A_DESCRIPTION, "r");
	if (one_in(20))
		put_u64(SECGROUP_RULE_A_HITS, 1);			/* reply-only */
	if (one_in(20))
		put_u64(SECGROUP_RULE_A_LAST_HIT, rnd());
	nest_end();
}

static void attach_attrs(int by_name)
{
	int i, n;

	nest_start(SECGROUP_A_ATTACH);
	switch (below(6)) {
	case 0: case 1: case 2: put_u32(SECGROUP_ATTACH_A_IFINDEX,
					 one_in(6) ? some_u32() : ifindex[below(4)]); break;
	case 3: put_u32(SECGROUP_ATTACH_A_CGROUP_FD, one_in(4) ? (one_in(2) ? junk_fd : some_u32())
							       : cg_fds[below(2)]); break;
	case 4: put_u64(SECGROUP_ATTACH_A_CGROUP_ID, one_in(4) ? rnd() : cg_ids[below(2)]); break;
	}
	if (one_in(10))
		put_u32(SECGROUP_ATTACH_A_IFINDEX, ifindex[below(4)]);	/* two instances */
	if (!one_in(3)) {
		n = one_in(10) ? below(40) : below(4);
		nest_start(SECGROUP_ATTACH_A_GROUPS);
		for (i = 0; i < n; i++) {
			if (by_name ^ one_in(10))
				put_name(SECGROUP_ATTACH_A_GROUP_NAME);
			else
				put_u32(SECGROUP_ATTACH_A_GROUP_ID, group_ref());
		}
		nest_end();
	}
	if (one_in(2))
		put_addrs(SECGROUP_ATTACH_A_ADDRS);
	if (one_in(3))
		put_u32(SECGROUP_ATTACH_A_FLAGS, some_u32() & (one_in(3) ? ~0u : 1));
	if (one_in(20))
		put_str(SECGROUP_ATTACH_A_IFNAME, "d0");			/* reply-only */
	if (one_in(20))
		put_deep(SECGROUP_ATTACH_A_STATS);
	nest_end();
}

static void member_attrs(int by_name)
{
	nest_start(SECGROUP_A_MEMBER);
	if (by_name ^ one_in(8))
		put_name(SECGROUP_MEMBER_A_GROUP_NAME);
	else
		put_u32(SECGROUP_MEMBER_A_GROUP, group_ref());
	switch (below(4)) {
	case 0: case 1: put_addr4(SECGROUP_MEMBER_A_IPV4); break;
	case 2: put_addr6(SECGROUP_MEMBER_A_IPV6); break;
	case 3: put_addr4(SECGROUP_MEMBER_A_IPV4);
		put_addr6(SECGROUP_MEMBER_A_IPV6); break;
	}
	nest_end();
}

/* a whole configuration: groups, rules, members, attachments, by name */
static void config_attrs(void)
{
	int i, n = one_in(20) ? below(3000) : below(12);

	for (i = 0; i < n && b.len < MSG_MAX - 1024; i++) {
		switch (below(8)) {
		case 0: case 1: group_attrs(); break;
		case 2: case 3: case 4: rule_attrs(1); break;
		case 5: member_attrs(1); break;
		case 6: attach_attrs(1); break;
		case 7: put_u32(SECGROUP_A_FLAGS, below(8)); break;
		}
	}
}

static size_t build(uint32_t seq)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)b.d;
	struct genlmsghdr *g = (struct genlmsghdr *)(b.d + NLMSG_HDRLEN);
	uint8_t cmd = one_in(30) ? rnd() : 1 + below(SECGROUP_CMD_MAX);

	memset(b.d, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	b.len = NLMSG_HDRLEN + GENL_HDRLEN;
	b.depth = 0;
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	if (one_in(4))
		nlh->nlmsg_flags |= NLM_F_DUMP;
	if (!unprivileged && one_in(30))
		nlh->nlmsg_flags |= rnd() & (NLM_F_EXCL | NLM_F_CREATE | NLM_F_APPEND | NLM_F_ECHO);
	nlh->nlmsg_seq = seq;
	g->cmd = cmd;
	g->version = one_in(40) ? rnd() : SECGROUP_GENL_VERSION;
	/* (a reserved field or odd flags are refused before the permissions
	 * are looked at: not for the sender that must meet them) */
	g->reserved = !unprivileged && one_in(40) ? rnd() : 0;
	switch (cmd) {
	case SECGROUP_CMD_GROUP_NEW: case SECGROUP_CMD_GROUP_DEL:
	case SECGROUP_CMD_GROUP_GET: case SECGROUP_CMD_GROUP_SET:
		group_attrs(); break;
	case SECGROUP_CMD_RULE_NEW: case SECGROUP_CMD_RULE_DEL: case SECGROUP_CMD_RULE_GET:
		rule_attrs(0); break;
	case SECGROUP_CMD_ATTACH_NEW: case SECGROUP_CMD_ATTACH_DEL: case SECGROUP_CMD_ATTACH_GET:
		attach_attrs(0); break;
	case SECGROUP_CMD_MEMBER_NEW: case SECGROUP_CMD_MEMBER_DEL:
		member_attrs(0); break;
	case SECGROUP_CMD_CONFIG_REPLACE:
		config_attrs(); break;
	case SECGROUP_CMD_RULE_SET:
		rule_set_attrs(); break;
	default:
		if (one_in(2))
			group_attrs();
	}
	if (one_in(4))
		put_u32(SECGROUP_A_FLAGS, one_in(3) ? some_u32() : below(8));
	if (one_in(40))
		put_deep(below(8));
	while (b.depth > 0)
		nest_end();
	nlh->nlmsg_len = b.len;
	return b.len;
}

/* ---- one sender ---- */

struct counts {
	long sent, ok, errs[134], not_refused, unanswered;
};

/* learn the ids in a reply's object nest */
static void learn_reply(struct nlmsghdr *nlh)
{
	struct nlattr *a = (struct nlattr *)((uint8_t *)NLMSG_DATA(nlh) + GENL_HDRLEN), *o;
	int len = nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN, olen;

	for (; len >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= len;
	     len -= NLA_ALIGN(a->nla_len), a = (struct nlattr *)((uint8_t *)a + NLA_ALIGN(a->nla_len))) {
		int t = a->nla_type & NLA_TYPE_MASK;

		if (t != SECGROUP_A_GROUP && t != SECGROUP_A_RULE)
			continue;
		o = (struct nlattr *)((uint8_t *)a + NLA_HDRLEN);
		for (olen = a->nla_len - NLA_HDRLEN; olen >= NLA_HDRLEN + 4 && o->nla_len <= olen;
		     olen -= NLA_ALIGN(o->nla_len), o = (struct nlattr *)((uint8_t *)o + NLA_ALIGN(o->nla_len))) {
			if (o->nla_len < NLA_HDRLEN)
				break;
			if ((o->nla_type & NLA_TYPE_MASK) == 1)	/* GROUP_A_ID, RULE_A_ID */
				learn(t == SECGROUP_A_GROUP ? group_ids : rule_ids,
				      *(uint32_t *)((uint8_t *)o + NLA_HDRLEN));
		}
	}
}

/* Read to the end of the answer to @seq: 0, -errno, or 1 (no answer). */
static int answer(int fd, uint32_t seq)
{
	static uint8_t buf[1 << 17];
	struct nlmsghdr *nlh;
	ssize_t n;
	int len;

	for (;;) {
		n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			return errno == EAGAIN ? 1 : -errno;
		for (nlh = (struct nlmsghdr *)buf, len = n; NLMSG_OK(nlh, len);
		     nlh = NLMSG_NEXT(nlh, len)) {
			if (nlh->nlmsg_seq != seq)
				continue;
			if (nlh->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(nlh))->error;
			if (nlh->nlmsg_type == NLMSG_DONE)
				return 0;
			learn_reply(nlh);
		}
	}
}

static int sender(long n, int refused_only, struct counts *ct)
{
	struct timeval tv = { .tv_sec = 60 };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	int one = 1, bufsz = 4 << 20;
	uint32_t seq;
	long i;

	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	for (i = 0, seq = 1; i < n; i++, seq++) {
		struct sockaddr_nl k = { .nl_family = AF_NETLINK };
		size_t len = build(seq);
		int err;

		if (sendto(fd, b.d, len, 0, (struct sockaddr *)&k, sizeof(k)) < 0) {
			err = -errno;	/* too big for the socket: still an answer */
		} else {
			err = answer(fd, seq);
		}
		ct->sent++;
		if (err == 1) {
			ct->unanswered++;
			printf("# no answer to message %ld (command %u)\n", i,
			       ((struct genlmsghdr *)(b.d + NLMSG_HDRLEN))->cmd);
			continue;
		}
		if (!err)
			ct->ok++;
		else
			ct->errs[-err < 134 ? -err : 0]++;
		if (refused_only && err != -EPERM && err != -EOPNOTSUPP && err != -EMSGSIZE &&
		    err != -ENOBUFS && ct->not_refused++ < 3) {
			struct nlmsghdr *h = (struct nlmsghdr *)b.d;

			printf("# unprivileged, not refused: command %u, flags %#x: %s\n",
			       ((struct genlmsghdr *)(b.d + NLMSG_HDRLEN))->cmd, h->nlmsg_flags,
			       err ? strerror(-err) : "accepted");
		}
	}
	close(fd);
	return 0;
}

/* ---- rounds of senders, and the checks between them ---- */

enum { S_A1, S_A2, S_B, S_UNPRIV, S_USERNS, SENDERS };
static const char *const who[SENDERS] = {
	"netns A", "netns A, second socket", "netns B", "unprivileged in A",
	"unprivileged user in its own user and netns",
};

static const char *const devices =
	"ip link add d0 type veth peer name d1 && ip link add d2 type veth peer name d3 && "
	"ip link set d0 up && ip link set d1 up && ip link set d2 up";

static int netns_new(void)
{
	int fd = -1;

	if (!unshare(CLONE_NEWNET) && !system(devices))
		fd = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	return fd;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC), ok;

	ok = fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	if (fd >= 0)
		close(fd);
	return ok ? 0 : -1;
}

/* in a new user namespace: be its root (uid and gid 65534 outside) */
static int map_root(void)
{
	return write_file("/proc/self/setgroups", "deny") ||
	       write_file("/proc/self/uid_map", "0 65534 1") ||
	       write_file("/proc/self/gid_map", "0 65534 1") || setgid(0) || setuid(0);
}

static void run_sender(int i, int ns_a, int ns_b, long n, uint64_t seed, struct counts *ct)
{
	rng = seed;
	switch (i) {
	case S_A1: case S_A2: case S_UNPRIV:
		if (setns(ns_a, CLONE_NEWNET))
			exit(1);
		break;
	case S_B:
		if (setns(ns_b, CLONE_NEWNET))
			exit(1);
		break;
	}
	if (i == S_UNPRIV || i == S_USERNS) {
		/* nobody, and still allowed to write its own /proc/self maps */
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534) ||
		    prctl(PR_SET_DUMPABLE, 1))
			exit(1);
	}
	unprivileged = i == S_UNPRIV;
	if (i == S_USERNS && (unshare(CLONE_NEWUSER | CLONE_NEWNET) || map_root() ||
			      system(devices) || (ifindex[0] = if_nametoindex("d0")) == 0))
		exit(1);
	exit(sender(n, unprivileged, ct) ? 1 : 0);
}

/* The state of the netns @ns dumps, and saves back as it was. */
static int check_netns(int ns, const char *name)
{
	static const uint8_t dumps[] = { SECGROUP_CMD_GROUP_GET, SECGROUP_CMD_RULE_GET,
					 SECGROUP_CMD_ATTACH_GET };
	static const char *const roundtrip =
		"f=$(mktemp) && sgnl save >$f.1 && sgnl apply $f.1 && sgnl save >$f.2 && "
		"cmp $f.1 $f.2 || { echo '# saved:'; sed 's/^/# /' $f.1; "
		"echo '# after apply:'; sed 's/^/# /' $f.2; false; }; r=$?; rm -f $f $f.1 $f.2; exit $r";
	struct conn c;
	int i, err = 0, bad = 0;

	if (setns(ns, CLONE_NEWNET) || conn_open(&c))
		return 1;
	for (i = 0; i < 3; i++) {
		err = talk(&c, msg(&c, dumps[i], NLM_F_DUMP));
		if (err) {
			printf("# %s: dump %u failed: %s (%s)\n", name, dumps[i], strerror(-err), c.msg);
			bad = 1;
		}
	}
	conn_close(&c);
	if (system(roundtrip)) {
		printf("# %s: the saved configuration does not apply back as it was\n", name);
		bad = 1;
	}
	return bad;
}

static void tally(const struct counts *ct, long *sent, long *ok, long errs[134])
{
	int e;

	*sent += ct->sent;
	*ok += ct->ok;
	for (e = 0; e < 134; e++)
		errs[e] += ct->errs[e];
}

static void print_errs(const long errs[134])
{
	int e;

	for (e = 1; e < 134; e++)
		if (errs[e])
			printf(" %s %ld;", strerrorname_np(e) ?: "?", errs[e]);
	if (errs[0])
		printf(" other %ld;", errs[0]);
}

int main(int argc, char **argv)
{
	long n = 100000, sent = 0, ok = 0, errs[134] = {}, per;
	uint64_t seed = 0;
	int rounds = 10, r, i, o, fails = 0, init_ns, ns_a, ns_b;
	struct counts *ct;
	struct conn c;
	struct stat st;

	while ((o = getopt(argc, argv, "s:n:r:m:")) != -1) {
		switch (o) {
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'n': n = atol(optarg); break;
		case 'r': rounds = atoi(optarg); break;
		case 'm': mutate = atoi(optarg); break;
		default: goto usage;
		}
	}
	if (argc - optind != 2 || rounds < 1 || mutate < 1)
		goto usage;
	if (!seed)
		seed = (uint64_t)time(NULL) << 20 ^ getpid();
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n# seed %#llx\n1..%d\n", (unsigned long long)seed, rounds + 1);
	for (i = 0; i < 2; i++) {
		cg_fds[i] = open(argv[optind + i], O_RDONLY | O_DIRECTORY);
		if (cg_fds[i] < 0 || fstat(cg_fds[i], &st))
			goto bail;
		cg_ids[i] = st.st_ino;
	}
	junk_fd = open("/dev/null", O_RDONLY);
	init_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	ns_a = netns_new();
	for (i = 0; i < 4; i++)
		ifindex[i] = if_nametoindex((const char *[]){ "d0", "d1", "d2", "lo" }[i]);
	ns_b = netns_new();
	if (init_ns < 0 || ns_a < 0 || ns_b < 0 || conn_open(&c))
		goto bail;
	family = c.family;
	conn_close(&c);
	ct = mmap(NULL, sizeof(*ct) * SENDERS, PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (ct == MAP_FAILED)
		goto bail;
	per = n / rounds / SENDERS + 1;
	for (r = 1; r <= rounds; r++) {
		long rsent = 0, rok = 0, rerrs[134] = {};
		int status, bad = 0;

		memset(ct, 0, sizeof(*ct) * SENDERS);
		for (i = 0; i < SENDERS; i++) {
			if (fork() == 0)
				run_sender(i, ns_a, ns_b, per, seed ^ ((uint64_t)r << 32 | i), &ct[i]);
		}
		for (i = 0; i < SENDERS; i++) {
			if (wait(&status) < 0 || !WIFEXITED(status) || WEXITSTATUS(status)) {
				printf("# a sender died: status %#x\n", status);
				bad = 1;
			}
		}
		for (i = 0; i < SENDERS; i++) {
			tally(&ct[i], &rsent, &rok, rerrs);
			if (ct[i].unanswered || ct[i].not_refused) {
				printf("# %s: %ld unanswered, %ld not refused\n", who[i],
				       ct[i].unanswered, ct[i].not_refused);
				bad = 1;
			}
		}
		bad |= check_netns(ns_a, "netns A") | check_netns(ns_b, "netns B");
		if (setns(init_ns, CLONE_NEWNET))
			goto bail;
		printf("%s %d - round %d: %ld messages, %ld accepted;", bad ? "not ok" : "ok", r, r,
		       rsent, rok);
		print_errs(rerrs);
		printf(" both netns dump and save back\n");
		fails += bad;
		sent += rsent;
		ok += rok;
		for (i = 0; i < 134; i++)
			errs[i] += rerrs[i];
	}
	printf("%s %d - %ld messages in all (%ld wanted), %ld accepted;", sent >= n ? "ok" : "not ok",
	       rounds + 1, sent, n, ok);
	print_errs(errs);
	printf("\n");
	fails += sent < n;
	if (fails)
		printf("# replay: nlfuzz -s %#llx -n %ld -r %d -m %d\n", (unsigned long long)seed,
		       n, rounds, mutate);
	return fails ? 1 : 0;
bail:
	printf("Bail out! %s\n", strerror(errno));
	return 1;
usage:
	fprintf(stderr, "usage: nlfuzz [-s SEED] [-n MESSAGES] [-r ROUNDS] [-m 1-IN-N] CGROUP1 CGROUP2\n");
	return 2;
}
