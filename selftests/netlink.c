// SPDX-License-Identifier: GPL-2.0
/*
 * The secgroup generic netlink API and its bad input, with
 * kselftest_harness.h.  Each test runs in a fresh network namespace.
 * Every rejected request is checked for its error code, for an extack
 * message, and for leaving the state -- the dumps of groups, rules and
 * attachments -- byte for byte as it was.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>
#include <net/if.h>
#include <linux/netlink.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <netlink/genl/ctrl.h>
#include <linux/secgroup.h>

#include "sgt.h"

#include "kselftest_harness.h"

/* A rule request on group @gid: tcp @port from 10.0.0.0/8, @dir. */
static struct nl_msg *rule_msg(struct conn *c, uint8_t cmd, uint32_t gid, uint8_t dir,
			       uint16_t port, struct nlattr **n)
{
	struct nl_msg *m = msg(c, cmd, 0);
	uint8_t net[4] = { 10, 0, 0, 0 };

	*n = nest(m, SECGROUP_A_RULE);
	nla_put_u32(m, SECGROUP_RULE_A_GROUP, gid);
	nla_put_u8(m, SECGROUP_RULE_A_DIRECTION, dir);
	nla_put_u8(m, SECGROUP_RULE_A_PROTOCOL, 6);
	nla_put_u16(m, SECGROUP_RULE_A_PORT_MIN, port);
	nla_put(m, SECGROUP_RULE_A_PEER_IPV4, 4, net);
	nla_put_u8(m, SECGROUP_RULE_A_PEER_PREFIX, 8);
	return m;
}

static struct nl_msg *rule_new(struct conn *c, uint32_t gid, uint16_t port)
{
	struct nlattr *n;
	struct nl_msg *m = rule_msg(c, SECGROUP_CMD_RULE_NEW, gid, SECGROUP_INGRESS, port, &n);

	nla_nest_end(m, n);
	return m;
}

static int rule_add(struct conn *c, uint32_t gid, uint16_t port)
{
	return talk(c, rule_new(c, gid, port));
}

static struct nl_msg *attach_msg(struct conn *c, int ifindex, const uint32_t *groups,
				 int n)
{
	struct nl_msg *m = msg(c, SECGROUP_CMD_ATTACH_NEW, 0);
	struct nlattr *a = nest(m, SECGROUP_A_ATTACH), *g;
	int i;

	nla_put_u32(m, SECGROUP_ATTACH_A_IFINDEX, ifindex);
	g = nest(m, SECGROUP_ATTACH_A_GROUPS);
	for (i = 0; i < n; i++)
		nla_put_u32(m, SECGROUP_ATTACH_A_GROUP_ID, groups[i]);
	nla_nest_end(m, g);
	nla_nest_end(m, a);
	return m;
}

FIXTURE(sg) {
	struct conn c;
	uint32_t web;
	int dummy;
};

FIXTURE_SETUP(sg)
{
	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, system("ip link add d0 type veth peer name d1 && ip link set d0 up"));
	self->dummy = if_nametoindex("d0");
	ASSERT_EQ(0, conn_open(&self->c)) TH_LOG("secgroup not loaded?");
	ASSERT_EQ(0, talk(&self->c, group_new(&self->c, "web")));
	self->web = group_id(&self->c, "web");
	ASSERT_NE(0, self->web);
	ASSERT_EQ(0, rule_add(&self->c, self->web, 80));
}

FIXTURE_TEARDOWN(sg)
{
	conn_close(&self->c);
}

/*
 * Assert that @m fails with @want and (if @says) an extack message, changing
 * nothing; self->c.msg keeps that message (the state dumps after it clear it).
 */
#define REJECT_MSG(m, want, says) do {					\
	char why[sizeof(self->c.msg)];					\
	size_t l0, l1;							\
	char *s0 = state(&self->c, &l0), *s1;				\
	int e = talk(&self->c, (m));					\
									\
	EXPECT_EQ(want, e) TH_LOG("message: %s", self->c.msg);		\
	if (says)							\
		EXPECT_NE(0, self->c.msg[0]) TH_LOG("no extack message");	\
	memcpy(why, self->c.msg, sizeof(why));				\
	s1 = state(&self->c, &l1);					\
	memcpy(self->c.msg, why, sizeof(why));				\
	EXPECT_NE(NULL, s0);						\
	EXPECT_NE(NULL, s1);						\
	EXPECT_EQ(l0, l1);						\
	EXPECT_EQ(0, l0 == l1 ? memcmp(s0, s1, l0) : 1)			\
		TH_LOG("state changed by a rejected request");		\
	free(s0);							\
	free(s1);							\
} while (0)
#define REJECT(m, want) REJECT_MSG(m, want, true)

/*
 * A dump's start reports its error with a message from 6.2 on: 6.1's
 * __netlink_dump_start() gives the start callback no extack.
 */
static bool dump_start_says_why(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	uname(&u);
	sscanf(u.release, "%d.%d", &major, &minor);
	return major > 6 || (major == 6 && minor >= 2);
}

TEST_F(sg, group_missing_nest)
{
	REJECT(msg(&self->c, SECGROUP_CMD_GROUP_NEW, 0), -EINVAL);
}

TEST_F(sg, group_missing_name)
{
	struct nl_msg *m = msg(&self->c, SECGROUP_CMD_GROUP_NEW, 0);
	struct nlattr *n = nest(m, SECGROUP_A_GROUP);

	nla_put_string(m, SECGROUP_GROUP_A_DESCRIPTION, "x");
	nla_nest_end(m, n);
	REJECT(m, -EINVAL);
}

TEST_F(sg, group_name_wrong_type)
{
	struct nl_msg *m = msg(&self->c, SECGROUP_CMD_GROUP_NEW, 0);
	struct nlattr *n = nest(m, SECGROUP_A_GROUP);

	nla_put_u32(m, SECGROUP_GROUP_A_NAME, 0x41414141);	/* no NUL */
	nla_nest_end(m, n);
	REJECT(m, -EINVAL);
}

TEST_F(sg, group_name_too_long)
{
	char name[SECGROUP_NAME_MAX + 2];

	memset(name, 'a', sizeof(name) - 1);
	name[sizeof(name) - 1] = 0;
	REJECT(group_new(&self->c, name), -EINVAL);
	name[SECGROUP_NAME_MAX] = 0;	/* exactly the limit is fine */
	EXPECT_EQ(0, talk(&self->c, group_new(&self->c, name)));
}

TEST_F(sg, group_name_rules)
{
	REJECT(group_new(&self->c, ""), -EINVAL);
	REJECT(group_new(&self->c, "sg-12345678"), -EINVAL);
	REJECT(group_new(&self->c, "web"), -EEXIST);
	REJECT(group_new(&self->c, "default"), -EEXIST);
	/* AWS's characters only: what save writes, apply reads back */
	REJECT(group_new(&self->c, "new\nline"), -EINVAL);
	REJECT(group_new(&self->c, "quote\""), -EINVAL);
	REJECT(group_new(&self->c, "\xc3\xa9t\xc3\xa9"), -EINVAL);
	EXPECT_EQ(0, talk(&self->c, group_new(&self->c, "my web (prod) #1: a.b_c-d/e@f[g]+=&;{}!$*")));
}

TEST_F(sg, unknown_attributes)
{
	struct nl_msg *m = group_new(&self->c, "x");
	struct nlattr *n;

	nla_put_u32(m, 30, 1);				/* unknown top-level type */
	REJECT(m, -EINVAL);
	m = msg(&self->c, SECGROUP_CMD_GROUP_NEW, 0);
	n = nest(m, SECGROUP_A_GROUP);
	nla_put_string(m, SECGROUP_GROUP_A_NAME, "x");
	nla_put_u32(m, 20, 1);				/* unknown in the nest */
	nla_nest_end(m, n);
	REJECT(m, -EINVAL);
	m = group_new(&self->c, "x");
	nla_put_u32(m, SECGROUP_A_RULE, 1);		/* another object's nest */
	REJECT(m, -EINVAL);
	m = msg(&self->c, SECGROUP_CMD_GROUP_NEW, 0);
	n = nest(m, SECGROUP_A_GROUP);
	nla_put_string(m, SECGROUP_GROUP_A_NAME, "x");
	nla_put_u32(m, SECGROUP_GROUP_A_ATTACHMENTS, 3);	/* reply-only */
	nla_nest_end(m, n);
	REJECT(m, -EINVAL);
}

TEST_F(sg, unknown_flag_bits)
{
	struct nl_msg *m = msg(&self->c, SECGROUP_CMD_GROUP_NEW, 0);
	struct nlattr *n = nest(m, SECGROUP_A_GROUP);

	nla_put_string(m, SECGROUP_GROUP_A_NAME, "x");
	nla_put_u32(m, SECGROUP_GROUP_A_FLAGS, 1 << 7);
	nla_nest_end(m, n);
	REJECT(m, -EINVAL);
	m = group_new(&self->c, "x");
	nla_put_u32(m, SECGROUP_A_FLAGS, 1 << 5);
	REJECT(m, -EINVAL);
}

TEST_F(sg, rule_bad_values)
{
	struct nlattr *n;
	struct nl_msg *m;

	m = rule_msg(&self->c, SECGROUP_CMD_RULE_NEW, self->web, 2, 81, &n);	/* direction */
	nla_nest_end(m, n);
	REJECT(m, -ERANGE);

	m = msg(&self->c, SECGROUP_CMD_RULE_NEW, 0);				/* no direction */
	n = nest(m, SECGROUP_A_RULE);
	nla_put_u32(m, SECGROUP_RULE_A_GROUP, self->web);
	nla_nest_end(m, n);
	REJECT(m, -EINVAL);

	m = rule_msg(&self->c, SECGROUP_CMD_RULE_NEW, self->web, 0, 81, &n);
	nla_put_u16(m, SECGROUP_RULE_A_PORT_MAX, 80);				/* max < min */
	nla_nest_end(m, n);
	REJECT(m, -EINVAL);

	m = rule_msg(&self->c, SECGROUP_CMD_RULE_NEW, self->web, 0, 81, &n);
	nla_put_u8(m, SECGROUP_RULE_A_ICMP_TYPE, 8);				/* icmp on tcp */
	nla_nest_end(m, n);
	REJECT(m, -EINVAL);

	m = rule_msg(&self->c, SECGROUP_CMD_RULE_NEW, self->web, 0, 81, &n);
	nla_put_u32(m, SECGROUP_RULE_A_PEER_GROUP, self->web);			/* two peers */
	nla_nest_end(m, n);
	REJECT(m, -EINVAL);

	m = rule_msg(&self->c, SECGROUP_CMD_RULE_NEW, 0x7fffffff, 0, 81, &n);	/* no group */
	nla_nest_end(m, n);
	REJECT(m, -ENOENT);

	m = rule_msg(&self->c, SECGROUP_CMD_RULE_NEW, self->web, 0, 0, &n);	/* port 0 */
	nla_nest_end(m, n);
	REJECT(m, -EINVAL);
	m = rule_msg(&self->c, SECGROUP_CMD_RULE_NEW, self->web, 0, 0, &n);	/* 0 starts one */
	nla_put_u16(m, SECGROUP_RULE_A_PORT_MAX, 1023);
	nla_nest_end(m, n);
	EXPECT_EQ(0, talk(&self->c, m)) TH_LOG("%s", self->c.msg);
}

TEST_F(sg, rule_bad_peers)
{
	uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	struct nl_msg *m;
	struct nlattr *n;

	m = msg(&self->c, SECGROUP_CMD_RULE_NEW, 0);
	n = nest(m, SECGROUP_A_RULE);
	nla_put_u32(m, SECGROUP_RULE_A_GROUP, self->web);
	nla_put_u8(m, SECGROUP_RULE_A_DIRECTION, 0);
	nla_put(m, SECGROUP_RULE_A_PEER_IPV4, 3, v6);				/* short address */
	nla_put_u8(m, SECGROUP_RULE_A_PEER_PREFIX, 8);
	nla_nest_end(m, n);
	REJECT(m, -ERANGE);

	m = msg(&self->c, SECGROUP_CMD_RULE_NEW, 0);
	n = nest(m, SECGROUP_A_RULE);
	nla_put_u32(m, SECGROUP_RULE_A_GROUP, self->web);
	nla_put_u8(m, SECGROUP_RULE_A_DIRECTION, 0);
	nla_put(m, SECGROUP_RULE_A_PEER_IPV6, 16, v6);
	nla_put_u8(m, SECGROUP_RULE_A_PEER_PREFIX, 129);			/* prefix */
	nla_nest_end(m, n);
	REJECT(m, -ERANGE);

	m = msg(&self->c, SECGROUP_CMD_RULE_NEW, 0);
	n = nest(m, SECGROUP_A_RULE);
	nla_put_u32(m, SECGROUP_RULE_A_GROUP, self->web);
	nla_put_u8(m, SECGROUP_RULE_A_DIRECTION, 0);
	nla_put(m, SECGROUP_RULE_A_PEER_IPV4, 4, v6);
	nla_put_u8(m, SECGROUP_RULE_A_PEER_PREFIX, 33);				/* v4 prefix */
	nla_nest_end(m, n);
	REJECT(m, -EINVAL);

	m = msg(&self->c, SECGROUP_CMD_RULE_NEW, 0);
	n = nest(m, SECGROUP_A_RULE);
	nla_put_u32(m, SECGROUP_RULE_A_GROUP, self->web);
	nla_put_u8(m, SECGROUP_RULE_A_DIRECTION, 0);				/* no peer */
	nla_nest_end(m, n);
	REJECT(m, -EINVAL);

	m = msg(&self->c, SECGROUP_CMD_RULE_NEW, 0);
	n = nest(m, SECGROUP_A_RULE);
	nla_put_u32(m, SECGROUP_RULE_A_GROUP, self->web);
	nla_put_u8(m, SECGROUP_RULE_A_DIRECTION, 0);
	nla_put_u8(m, SECGROUP_RULE_A_PROTOCOL, 1);				/* icmp, v6 peer */
	nla_put(m, SECGROUP_RULE_A_PEER_IPV6, 16, v6);
	nla_put_u8(m, SECGROUP_RULE_A_PEER_PREFIX, 32);
	nla_nest_end(m, n);
	REJECT(m, -EINVAL);
}

TEST_F(sg, rule_duplicate_and_canonical)
{
	struct nlattr *n;
	struct nl_msg *m;
	uint8_t host[4] = { 10, 1, 2, 3 };

	REJECT(rule_new(&self->c, self->web, 80), -EEXIST);
	/* 10.1.2.3/8 is 10.0.0.0/8: the same rule */
	m = rule_msg(&self->c, SECGROUP_CMD_RULE_NEW, self->web, 0, 80, &n);
	nla_nest_cancel(m, n);
	n = nest(m, SECGROUP_A_RULE);
	nla_put_u32(m, SECGROUP_RULE_A_GROUP, self->web);
	nla_put_u8(m, SECGROUP_RULE_A_DIRECTION, 0);
	nla_put_u8(m, SECGROUP_RULE_A_PROTOCOL, 6);
	nla_put_u16(m, SECGROUP_RULE_A_PORT_MIN, 80);
	nla_put(m, SECGROUP_RULE_A_PEER_IPV4, 4, host);
	nla_put_u8(m, SECGROUP_RULE_A_PEER_PREFIX, 8);
	nla_nest_end(m, n);
	REJECT(m, -EEXIST);
}

TEST_F(sg, delete_errors)
{
	struct nl_msg *m;
	struct nlattr *n;
	uint32_t app;

	m = msg(&self->c, SECGROUP_CMD_RULE_DEL, 0);
	n = nest(m, SECGROUP_A_RULE);
	nla_put_u32(m, SECGROUP_RULE_A_GROUP, self->web);
	nla_put_u32(m, SECGROUP_RULE_A_ID, 1);
	nla_nest_end(m, n);
	REJECT(m, -ENOENT);

	m = msg(&self->c, SECGROUP_CMD_GROUP_DEL, 0);
	n = nest(m, SECGROUP_A_GROUP);
	nla_put_string(m, SECGROUP_GROUP_A_NAME, "nope");
	nla_nest_end(m, n);
	REJECT(m, -ENOENT);

	m = msg(&self->c, SECGROUP_CMD_GROUP_DEL, 0);
	n = nest(m, SECGROUP_A_GROUP);
	nla_put_string(m, SECGROUP_GROUP_A_NAME, "default");
	nla_nest_end(m, n);
	REJECT(m, -EBUSY);

	/* referenced by another group's rule: DependencyViolation */
	ASSERT_EQ(0, talk(&self->c, group_new(&self->c, "app")));
	app = group_id(&self->c, "app");
	m = rule_msg(&self->c, SECGROUP_CMD_RULE_NEW, app, 0, 8080, &n);
	nla_nest_cancel(m, n);
	n = nest(m, SECGROUP_A_RULE);
	nla_put_u32(m, SECGROUP_RULE_A_GROUP, app);
	nla_put_u8(m, SECGROUP_RULE_A_DIRECTION, 0);
	nla_put_u32(m, SECGROUP_RULE_A_PEER_GROUP, self->web);
	nla_nest_end(m, n);
	ASSERT_EQ(0, talk(&self->c, m));
	m = msg(&self->c, SECGROUP_CMD_GROUP_DEL, 0);
	n = nest(m, SECGROUP_A_GROUP);
	nla_put_u32(m, SECGROUP_GROUP_A_ID, self->web);
	nla_nest_end(m, n);
	REJECT(m, -EBUSY);

	/* attached */
	ASSERT_EQ(0, talk(&self->c, attach_msg(&self->c, self->dummy, &app, 1)));
	m = msg(&self->c, SECGROUP_CMD_GROUP_DEL, 0);
	n = nest(m, SECGROUP_A_GROUP);
	nla_put_u32(m, SECGROUP_GROUP_A_ID, app);
	nla_nest_end(m, n);
	REJECT(m, -EBUSY);
}

TEST_F(sg, attach_errors)
{
	uint32_t groups[2] = { self->web, self->web }, bogus = 0x7ffffff0;
	struct nl_msg *m;
	struct nlattr *a;

	REJECT(attach_msg(&self->c, 9999, groups, 1), -ENODEV);
	REJECT(attach_msg(&self->c, self->dummy, groups, 2), -EINVAL);	/* twice */
	REJECT(attach_msg(&self->c, self->dummy, &bogus, 1), -ENOENT);
	m = msg(&self->c, SECGROUP_CMD_ATTACH_NEW, 0);			/* empty list */
	a = nest(m, SECGROUP_A_ATTACH);
	nla_put_u32(m, SECGROUP_ATTACH_A_IFINDEX, self->dummy);
	nla_put(m, SECGROUP_ATTACH_A_GROUPS | NLA_F_NESTED, 0, NULL);	/* libnl trims empty nests */
	nla_nest_end(m, a);
	REJECT(m, -EINVAL);

	m = msg(&self->c, SECGROUP_CMD_ATTACH_NEW, 0);			/* two instances */
	a = nest(m, SECGROUP_A_ATTACH);
	nla_put_u32(m, SECGROUP_ATTACH_A_IFINDEX, self->dummy);
	nla_put_u64(m, SECGROUP_ATTACH_A_CGROUP_ID, 1);
	nla_nest_end(m, a);
	REJECT(m, -EINVAL);

	m = msg(&self->c, SECGROUP_CMD_ATTACH_DEL, 0);			/* not attached */
	a = nest(m, SECGROUP_A_ATTACH);
	nla_put_u32(m, SECGROUP_ATTACH_A_IFINDEX, self->dummy);
	nla_nest_end(m, a);
	REJECT(m, -ENOENT);
}

/* ---- the whole-configuration replace ---- */

static struct nl_msg *cfg_msg(struct conn *c, uint32_t flags)
{
	struct nl_msg *m = msg(c, SECGROUP_CMD_CONFIG_REPLACE, 0);

	if (flags)
		nla_put_u32(m, SECGROUP_A_FLAGS, flags);
	return m;
}

/* A config rule of group @name: "ingress tcp @port from 10.0.0.0/8", open. */
static struct nlattr *cfg_rule(struct nl_msg *m, const char *name, uint16_t port)
{
	struct nlattr *r = nest(m, SECGROUP_A_RULE);
	uint8_t net[4] = { 10, 0, 0, 0 };

	nla_put_string(m, SECGROUP_RULE_A_GROUP_NAME, name);
	nla_put_u8(m, SECGROUP_RULE_A_DIRECTION, SECGROUP_INGRESS);
	nla_put_u8(m, SECGROUP_RULE_A_PROTOCOL, 6);
	nla_put_u16(m, SECGROUP_RULE_A_PORT_MIN, port);
	nla_put(m, SECGROUP_RULE_A_PEER_IPV4, 4, net);
	nla_put_u8(m, SECGROUP_RULE_A_PEER_PREFIX, 8);
	return r;
}

/* A config group @name, and its rule on @port (0: none). */
static void cfg_group(struct nl_msg *m, const char *name, uint16_t port)
{
	struct nlattr *g = nest(m, SECGROUP_A_GROUP);

	nla_put_string(m, SECGROUP_GROUP_A_NAME, name);
	nla_nest_end(m, g);
	if (port)
		nla_nest_end(m, cfg_rule(m, name, port));
}

/* A config attachment of d0 to the groups @names. */
static void cfg_attach(struct nl_msg *m, int ifindex, const char *const *names, int n)
{
	struct nlattr *a = nest(m, SECGROUP_A_ATTACH), *g;
	int i;

	nla_put_u32(m, SECGROUP_ATTACH_A_IFINDEX, ifindex);
	if (n) {
		g = nest(m, SECGROUP_ATTACH_A_GROUPS);
		for (i = 0; i < n; i++)
			nla_put_string(m, SECGROUP_ATTACH_A_GROUP_NAME, names[i]);
		nla_nest_end(m, g);
	}
	nla_nest_end(m, a);
}

/* The id of the first rule the dump of group @gid returns. */
static uint32_t first_rule_id(struct conn *c, uint32_t gid)
{
	struct nl_msg *m = msg(c, SECGROUP_CMD_RULE_GET, NLM_F_DUMP);
	struct nlattr *n = nest(m, SECGROUP_A_RULE);

	nla_put_u32(m, SECGROUP_RULE_A_GROUP, gid);
	nla_nest_end(m, n);
	return first_u32(c, m, SECGROUP_A_RULE, SECGROUP_RULE_A_ID);
}

/* The ifindex of the first attachment a dump returns, or 0. */
static uint32_t first_attached(struct conn *c)
{
	return first_u32(c, msg(c, SECGROUP_CMD_ATTACH_GET, NLM_F_DUMP), SECGROUP_A_ATTACH,
			 SECGROUP_ATTACH_A_IFINDEX);
}

static struct nl_msg *member_msg(struct conn *c, uint32_t gid, const char *name)
{
	struct nl_msg *m = gid ? msg(c, SECGROUP_CMD_MEMBER_NEW, 0) : NULL;
	struct nlattr *n;

	if (!m) {
		m = msg(c, SECGROUP_CMD_CONFIG_REPLACE, 0);
		cfg_group(m, name, 80);
		n = nest(m, SECGROUP_A_MEMBER);
		nla_put_string(m, SECGROUP_MEMBER_A_GROUP_NAME, name);
		nla_put(m, SECGROUP_MEMBER_A_IPV4, 4, (uint8_t[4]){ 192, 0, 2, 1 });
		nla_nest_end(m, n);
	}
	n = nest(m, SECGROUP_A_MEMBER);
	if (gid)
		nla_put_u32(m, SECGROUP_MEMBER_A_GROUP, gid);
	else
		nla_put_string(m, SECGROUP_MEMBER_A_GROUP_NAME, name);
	nla_put(m, SECGROUP_MEMBER_A_IPV4, 4, (uint8_t[4]){ 192, 0, 2, 1 });
	nla_nest_end(m, n);
	return m;
}

/* One store decides: the same fault gets the same answer, word for word,
 * through a single request and through a whole-configuration replace. */
TEST_F(sg, same_fault_same_answer)
{
	char single[256];
	struct nl_msg *m;

	REJECT(rule_new(&self->c, self->web, 80), -EEXIST);	/* the fixture's rule */
	snprintf(single, sizeof(single), "%s", self->c.msg);
	EXPECT_NE(NULL, strstr(single, "Duplicate")) TH_LOG("%s", single);
	m = cfg_msg(&self->c, 0);
	cfg_group(m, "web", 80);
	nla_nest_end(m, cfg_rule(m, "web", 80));
	REJECT(m, -EEXIST);
	EXPECT_STREQ(single, self->c.msg);

	ASSERT_EQ(0, talk(&self->c, member_msg(&self->c, self->web, "web")));
	REJECT(member_msg(&self->c, self->web, "web"), -EEXIST);
	snprintf(single, sizeof(single), "%s", self->c.msg);
	EXPECT_NE(NULL, strstr(single, "already a member")) TH_LOG("%s", single);
	REJECT(member_msg(&self->c, 0, "web"), -EEXIST);
	EXPECT_STREQ(single, self->c.msg);

	REJECT(group_new(&self->c, "web"), -EEXIST);		/* a group's name */
	snprintf(single, sizeof(single), "%s", self->c.msg);
	EXPECT_NE(NULL, strstr(single, "Duplicate")) TH_LOG("%s", single);
	m = cfg_msg(&self->c, 0);
	cfg_group(m, "web", 80);
	cfg_group(m, "web", 81);
	REJECT(m, -EEXIST);
	EXPECT_STREQ(single, self->c.msg);
}

TEST_F(sg, config_replace_rejects)
{
	static const char *const nope[] = { "nope" };
	struct nlattr *g, *r;
	struct nl_msg *m;

	m = cfg_msg(&self->c, 0);				/* ids are not for configs */
	g = nest(m, SECGROUP_A_GROUP);
	nla_put_string(m, SECGROUP_GROUP_A_NAME, "web");
	nla_put_u32(m, SECGROUP_GROUP_A_ID, self->web);
	nla_nest_end(m, g);
	REJECT(m, -EINVAL);

	m = cfg_msg(&self->c, 0);				/* nor peer group ids */
	cfg_group(m, "web", 0);
	r = cfg_rule(m, "web", 80);
	nla_put_u32(m, SECGROUP_RULE_A_PEER_GROUP, self->web);
	nla_nest_end(m, r);
	REJECT(m, -EINVAL);

	m = cfg_msg(&self->c, 0);				/* a rule without its group */
	cfg_group(m, "web", 0);
	r = nest(m, SECGROUP_A_RULE);
	nla_put_u8(m, SECGROUP_RULE_A_DIRECTION, SECGROUP_INGRESS);
	nla_put_string(m, SECGROUP_RULE_A_PEER_GROUP_NAME, "web");
	nla_nest_end(m, r);
	REJECT(m, -EINVAL);

	m = cfg_msg(&self->c, 0);				/* a rule of an unknown group */
	cfg_group(m, "web", 80);
	nla_nest_end(m, cfg_rule(m, "nope", 81));
	REJECT(m, -ENOENT);

	m = cfg_msg(&self->c, 0);				/* an unknown peer name */
	cfg_group(m, "web", 0);
	r = nest(m, SECGROUP_A_RULE);
	nla_put_string(m, SECGROUP_RULE_A_GROUP_NAME, "web");
	nla_put_u8(m, SECGROUP_RULE_A_DIRECTION, SECGROUP_INGRESS);
	nla_put_string(m, SECGROUP_RULE_A_PEER_GROUP_NAME, "nope");
	nla_nest_end(m, r);
	REJECT(m, -ENOENT);

	m = cfg_msg(&self->c, 0);				/* a name twice */
	cfg_group(m, "web", 80);
	cfg_group(m, "web", 81);
	REJECT(m, -EEXIST);

	m = cfg_msg(&self->c, 0);				/* a bad description */
	g = nest(m, SECGROUP_A_GROUP);
	nla_put_string(m, SECGROUP_GROUP_A_NAME, "web");
	nla_put_string(m, SECGROUP_GROUP_A_DESCRIPTION, "Bob's");
	nla_nest_end(m, g);
	REJECT(m, -EINVAL);
	m = cfg_msg(&self->c, 0);				/* ... of a rule */
	cfg_group(m, "web", 0);
	r = cfg_rule(m, "web", 80);
	nla_put_string(m, SECGROUP_RULE_A_DESCRIPTION, "tab\there");
	nla_nest_end(m, r);
	REJECT(m, -EINVAL);

	m = cfg_msg(&self->c, 0);				/* a bad name, late */
	cfg_group(m, "web", 80);
	cfg_group(m, "sg-1", 0);
	REJECT(m, -EINVAL);

	m = cfg_msg(&self->c, 0);				/* a duplicate rule, late */
	cfg_group(m, "web", 80);
	cfg_group(m, "app", 8080);
	cfg_group(m, "db", 5432);
	r = cfg_rule(m, "db", 5432);
	nla_put_u16(m, SECGROUP_RULE_A_PORT_MAX, 5432);		/* the same rule */
	nla_nest_end(m, r);
	REJECT(m, -EEXIST);

	m = cfg_msg(&self->c, 0);				/* a member twice */
	cfg_group(m, "web", 80);
	for (int i = 0; i < 2; i++) {
		r = nest(m, SECGROUP_A_MEMBER);
		nla_put_string(m, SECGROUP_MEMBER_A_GROUP_NAME, "web");
		nla_put(m, SECGROUP_MEMBER_A_IPV4, 4, (uint8_t[4]){ 192, 0, 2, 1 });
		nla_nest_end(m, r);
	}
	REJECT(m, -EEXIST);

	m = cfg_msg(&self->c, SECGROUP_F_ATTACHMENTS);		/* an unknown group */
	cfg_group(m, "web", 80);
	cfg_attach(m, self->dummy, nope, 1);
	REJECT(m, -ENOENT);

	m = cfg_msg(&self->c, SECGROUP_F_ATTACHMENTS);		/* a device twice */
	cfg_group(m, "web", 80);
	cfg_attach(m, self->dummy, NULL, 0);
	cfg_attach(m, self->dummy, NULL, 0);
	REJECT(m, -EINVAL);

	m = cfg_msg(&self->c, SECGROUP_F_ATTACHMENTS);		/* no such device */
	cfg_group(m, "web", 80);
	cfg_attach(m, 9999, NULL, 0);
	REJECT(m, -ENODEV);

	m = cfg_msg(&self->c, 0);				/* attachments, not all of them */
	cfg_group(m, "web", 80);
	cfg_attach(m, self->dummy, NULL, 0);
	REJECT(m, -EINVAL);

	/* dry-run belongs to the replace only; name attributes to configs */
	m = rule_new(&self->c, self->web, 81);
	nla_put_u32(m, SECGROUP_A_FLAGS, SECGROUP_F_DRY_RUN);
	REJECT(m, -EINVAL);
	m = rule_msg(&self->c, SECGROUP_CMD_RULE_NEW, self->web, 0, 81, &r);
	nla_put_string(m, SECGROUP_RULE_A_PEER_GROUP_NAME, "web");
	nla_nest_end(m, r);
	REJECT(m, -EINVAL);
}

TEST_F(sg, config_replace)
{
	static const char *const app_web[] = { "app", "web" };
	uint32_t rule = first_rule_id(&self->c, self->web), app;
	size_t l0, l1;
	char *s0, *s1;
	struct nl_msg *m;

	ASSERT_NE(0, rule);
	/* dry-run: accepted, nothing changes */
	s0 = state(&self->c, &l0);
	m = cfg_msg(&self->c, SECGROUP_F_DRY_RUN);
	cfg_group(m, "app", 8080);
	EXPECT_EQ(0, talk(&self->c, m)) TH_LOG("%s", self->c.msg);
	s1 = state(&self->c, &l1);
	EXPECT_EQ(l0, l1);
	EXPECT_EQ(0, l0 == l1 ? memcmp(s0, s1, l0) : 1) TH_LOG("a dry run changed the state");
	free(s0);
	free(s1);

	/* web kept (same id, same rule id), app new and attached */
	m = cfg_msg(&self->c, SECGROUP_F_ATTACHMENTS);
	cfg_group(m, "web", 80);
	cfg_group(m, "app", 8080);
	cfg_attach(m, self->dummy, app_web, 2);
	ASSERT_EQ(0, talk(&self->c, m)) TH_LOG("%s", self->c.msg);
	EXPECT_EQ(self->web, group_id(&self->c, "web"));
	EXPECT_EQ(rule, first_rule_id(&self->c, self->web));
	app = group_id(&self->c, "app");
	EXPECT_NE(0, app);
	EXPECT_NE(0, first_rule_id(&self->c, app));

	/* the same again, attachments kept: byte for byte what it was */
	s0 = state(&self->c, &l0);
	m = cfg_msg(&self->c, 0);
	cfg_group(m, "web", 80);
	cfg_group(m, "app", 8080);
	EXPECT_EQ(0, talk(&self->c, m)) TH_LOG("%s", self->c.msg);
	s1 = state(&self->c, &l1);
	EXPECT_EQ(l0, l1);
	EXPECT_EQ(0, l0 == l1 ? memcmp(s0, s1, l0) : 1) TH_LOG("a no-op replace changed the state");
	free(s0);
	free(s1);

	/* app is attached to d0, which a config without attachments keeps */
	m = cfg_msg(&self->c, 0);
	cfg_group(m, "web", 80);
	REJECT(m, -EBUSY);

	/* an empty configuration: only the default group, nothing attached */
	ASSERT_EQ(0, talk(&self->c, cfg_msg(&self->c, SECGROUP_F_ATTACHMENTS)))
		TH_LOG("%s", self->c.msg);
	EXPECT_EQ(0, group_id(&self->c, "web"));
	EXPECT_EQ(0, group_id(&self->c, "app"));
	EXPECT_NE(0, group_id(&self->c, "default"));
}

static void set_param(const char *name, const char *val)
{
	char path[128];
	FILE *f;

	snprintf(path, sizeof(path), "/sys/module/secgroup/parameters/%s", name);
	f = fopen(path, "w");
	if (f) {
		fputs(val, f);
		fclose(f);
	}
}

/*
 * An attachment given an empty address list has none.  A replace that
 * keeps it (no SECGROUP_F_ATTACHMENTS), committed or dry, must not share
 * its address buffer with its plan: that was a double free, within reach of
 * anyone with CAP_NET_ADMIN in a user namespace.  The kernel's report (a
 * SLUB double free, or KASAN on the debug kernel) fails the VM run.
 */
TEST_F(sg, replace_keeps_attachment_without_addrs)
{
	struct nlattr *a, *g;
	struct nl_msg *m;
	int i;

	m = msg(&self->c, SECGROUP_CMD_ATTACH_NEW, 0);
	a = nest(m, SECGROUP_A_ATTACH);
	nla_put_u32(m, SECGROUP_ATTACH_A_IFINDEX, self->dummy);
	g = nest(m, SECGROUP_ATTACH_A_GROUPS);
	nla_put_u32(m, SECGROUP_ATTACH_A_GROUP_ID, self->web);
	nla_nest_end(m, g);
	nla_put(m, SECGROUP_ATTACH_A_ADDRS | NLA_F_NESTED, 0, NULL);	/* no address */
	nla_nest_end(m, a);
	ASSERT_EQ(0, talk(&self->c, m)) TH_LOG("%s", self->c.msg);

	for (i = 0; i < 4; i++) {	/* kept: committed, dry, committed again... */
		m = cfg_msg(&self->c, i == 1 ? SECGROUP_F_DRY_RUN : 0);
		cfg_group(m, "web", 80 + i % 2);
		EXPECT_EQ(0, talk(&self->c, m)) TH_LOG("replace %d: %s", i, self->c.msg);
	}
	EXPECT_EQ(self->dummy, first_attached(&self->c));
	m = msg(&self->c, SECGROUP_CMD_ATTACH_DEL, 0);
	a = nest(m, SECGROUP_A_ATTACH);
	nla_put_u32(m, SECGROUP_ATTACH_A_IFINDEX, self->dummy);
	nla_nest_end(m, a);
	EXPECT_EQ(0, talk(&self->c, m)) TH_LOG("%s", self->c.msg);
	EXPECT_EQ(0, first_attached(&self->c));
}

TEST_F(sg, quota_rules)
{
	int p;

	set_param("max_rules", "4");
	for (p = 81; p < 84; p++)	/* web has one ingress rule: up to 4 */
		EXPECT_EQ(0, rule_add(&self->c, self->web, p));
	REJECT(rule_new(&self->c, self->web, 84), -ENOSPC);
	set_param("max_rules", "60");
}

TEST_F(sg, quota_groups_per_attach)
{
	uint32_t g[6];
	char name[8];
	int i;

	for (i = 0; i < 6; i++) {
		snprintf(name, sizeof(name), "q%d", i);
		ASSERT_EQ(0, talk(&self->c, group_new(&self->c, name)));
		g[i] = group_id(&self->c, name);
	}
	EXPECT_EQ(0, talk(&self->c, attach_msg(&self->c, self->dummy, g, 5)));
	REJECT(attach_msg(&self->c, self->dummy, g, 6), -ENOSPC);
}

TEST_F(sg, member_errors)
{
	uint8_t a4[4] = { 192, 0, 2, 1 }, a6[16] = { 0xfd };
	struct nl_msg *m;
	struct nlattr *n;

	m = msg(&self->c, SECGROUP_CMD_MEMBER_NEW, 0);
	n = nest(m, SECGROUP_A_MEMBER);
	nla_put_u32(m, SECGROUP_MEMBER_A_GROUP, self->web);
	nla_put(m, SECGROUP_MEMBER_A_IPV4, 4, a4);
	nla_put(m, SECGROUP_MEMBER_A_IPV6, 16, a6);
	nla_nest_end(m, n);
	REJECT(m, -EINVAL);

	m = msg(&self->c, SECGROUP_CMD_MEMBER_DEL, 0);
	n = nest(m, SECGROUP_A_MEMBER);
	nla_put_u32(m, SECGROUP_MEMBER_A_GROUP, self->web);
	nla_put(m, SECGROUP_MEMBER_A_IPV4, 4, a4);
	nla_nest_end(m, n);
	REJECT(m, -ENOENT);

	/* the dump of members takes a group, nothing else */
	m = msg(&self->c, SECGROUP_CMD_MEMBER_GET, NLM_F_DUMP);
	n = nest(m, SECGROUP_A_MEMBER);
	nla_put_u32(m, SECGROUP_MEMBER_A_GROUP, self->web);
	nla_put(m, SECGROUP_MEMBER_A_IPV4, 4, a4);
	nla_nest_end(m, n);
	REJECT_MSG(m, -EINVAL, dump_start_says_why());
	m = msg(&self->c, SECGROUP_CMD_MEMBER_GET, NLM_F_DUMP);
	n = nest(m, SECGROUP_A_MEMBER);
	nla_put_u32(m, SECGROUP_MEMBER_A_GROUP, 0x7e57);
	nla_nest_end(m, n);
	REJECT_MSG(m, -ENOENT, dump_start_says_why());
	m = msg(&self->c, SECGROUP_CMD_MEMBER_GET, NLM_F_DUMP);
	n = nest(m, SECGROUP_A_MEMBER);
	nla_put_string(m, SECGROUP_MEMBER_A_GROUP_NAME, "web");
	nla_nest_end(m, n);
	REJECT(m, -EINVAL);
	/* and the totals nothing at all */
	m = msg(&self->c, SECGROUP_CMD_NET_GET, 0);
	nla_put_u32(m, SECGROUP_A_FLAGS, SECGROUP_F_FLUSH);
	REJECT(m, -EINVAL);
	m = msg(&self->c, SECGROUP_CMD_NET_GET, 0);
	nest(m, SECGROUP_A_GROUP);
	REJECT(m, -EINVAL);
}

/* CAP_NET_ADMIN is needed in the netns's own user namespace, to read too. */
TEST_F(sg, unprivileged)
{
	pid_t pid = fork();
	int status;

	ASSERT_LE(0, pid);
	if (!pid) {
		struct conn c;

		if (unshare(CLONE_NEWUSER))
			_exit(10);
		if (conn_open(&c))
			_exit(11);
		if (talk(&c, group_new(&c, "evil")) != -EPERM)
			_exit(12);
		if (talk(&c, msg(&c, SECGROUP_CMD_RULE_SET, 0)) != -EPERM)
			_exit(15);
		/* reads too, as nft list and wg show */
		if (talk(&c, msg(&c, SECGROUP_CMD_GROUP_GET, NLM_F_DUMP)) != -EPERM)
			_exit(13);
		if (talk(&c, msg(&c, SECGROUP_CMD_MEMBER_GET, NLM_F_DUMP)) != -EPERM)
			_exit(16);
		if (talk(&c, msg(&c, SECGROUP_CMD_NET_GET, 0)) != -EPERM)
			_exit(17);
		/* and the events: flow records and the audit trail */
		if (nl_socket_add_membership(c.sk, genl_ctrl_resolve_grp(c.sk,
				SECGROUP_GENL_NAME, SECGROUP_MCGRP_EVENTS)) == 0)
			_exit(14);
		_exit(0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	EXPECT_EQ(0, group_id(&self->c, "evil"));
}

TEST_F(sg, netns_isolation)
{
	struct conn other;

	ASSERT_EQ(0, unshare(CLONE_NEWNET));
	ASSERT_EQ(0, conn_open(&other));
	EXPECT_EQ(0, group_id(&other, "web"));	/* the first netns's group */
	EXPECT_NE(0, group_id(&other, "default"));
	EXPECT_EQ(0, talk(&other, group_new(&other, "web")));	/* names are per netns */
	conn_close(&other);
}

struct writer {
	int idx;
	int errors;
};

static void *write_many(void *arg)
{
	struct writer *w = arg;
	struct conn c;
	char name[32];
	int i;

	if (conn_open(&c)) {
		w->errors++;
		return NULL;
	}
	for (i = 0; i < 25; i++) {
		snprintf(name, sizeof(name), "t%d-%d", w->idx, i);
		if (talk(&c, group_new(&c, name)) ||
		    rule_add(&c, group_id(&c, name), 22) ||
		    rule_add(&c, group_id(&c, name), 443))
			w->errors++;
	}
	conn_close(&c);
	return NULL;
}

TEST_F(sg, concurrent_writers)
{
	struct writer w[4];
	pthread_t t[4];
	char *s;
	size_t len, off;
	int i, groups = 0;

	for (i = 0; i < 4; i++) {
		w[i] = (struct writer){ .idx = i };
		ASSERT_EQ(0, pthread_create(&t[i], NULL, write_many, &w[i]));
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		EXPECT_EQ(0, w[i].errors);
	}
	free(self->c.buf);
	self->c.buf = NULL;
	self->c.len = 0;
	talk(&self->c, msg(&self->c, SECGROUP_CMD_GROUP_GET, NLM_F_DUMP));
	s = self->c.buf;
	len = self->c.len;
	for (off = 0; off < len; off += NLMSG_ALIGN(((struct nlmsghdr *)(s + off))->nlmsg_len))
		groups++;
	EXPECT_EQ(102, groups);	/* default, web and 100 */
}

/* Descriptions hold AWS's characters, like names: what save writes,
 * apply reads back. */
TEST_F(sg, descriptions)
{
	struct nl_msg *m = msg(&self->c, SECGROUP_CMD_GROUP_NEW, 0);
	struct nlattr *n = nest(m, SECGROUP_A_GROUP);

	nla_put_string(m, SECGROUP_GROUP_A_NAME, "db");
	nla_put_string(m, SECGROUP_GROUP_A_DESCRIPTION, "it's");
	nla_nest_end(m, n);
	REJECT(m, -EINVAL);
	m = rule_msg(&self->c, SECGROUP_CMD_RULE_NEW, self->web, SECGROUP_INGRESS, 81, &n);
	nla_put_string(m, SECGROUP_RULE_A_DESCRIPTION, "bell\a");
	nla_nest_end(m, n);
	REJECT(m, -EINVAL);
	m = msg(&self->c, SECGROUP_CMD_GROUP_SET, 0);
	n = nest(m, SECGROUP_A_GROUP);
	nla_put_u32(m, SECGROUP_GROUP_A_ID, self->web);
	nla_put_string(m, SECGROUP_GROUP_A_DESCRIPTION, "\xc3\xa9");
	nla_nest_end(m, n);
	REJECT(m, -EINVAL);
	m = rule_msg(&self->c, SECGROUP_CMD_RULE_NEW, self->web, SECGROUP_INGRESS, 81, &n);
	nla_put_string(m, SECGROUP_RULE_A_DESCRIPTION, "web (prod) #1: a.b_c-d/e@f[g]+=&;{}!$*");
	nla_nest_end(m, n);
	EXPECT_EQ(0, talk(&self->c, m));
}

/* A GROUP_SET request tagging @gid with @key=@value */
static struct nl_msg *tag_msg(struct conn *c, uint32_t gid, const char *key, const char *value)
{
	struct nl_msg *m = msg(c, SECGROUP_CMD_GROUP_SET, 0);
	struct nlattr *n = nest(m, SECGROUP_A_GROUP), *tags, *t;

	nla_put_u32(m, SECGROUP_GROUP_A_ID, gid);
	tags = nest(m, SECGROUP_GROUP_A_TAGS);
	t = nest(m, SECGROUP_TAG_A_TAG);
	nla_put_string(m, SECGROUP_TAG_A_KEY, key);
	nla_put_string(m, SECGROUP_TAG_A_VALUE, value);
	nla_nest_end(m, t);
	nla_nest_end(m, tags);
	nla_nest_end(m, n);
	return m;
}

/*
 * Tags hold the characters descriptions do: sgnl save writes them into
 * JSON, which apply reads back (nlfuzz found a key of raw bytes that saved
 * and did not apply).
 */
TEST_F(sg, tag_chars)
{
	REJECT(tag_msg(&self->c, self->web, "k44\xe8G\x1d", "v"), -EINVAL);
	REJECT(tag_msg(&self->c, self->web, "env", "pr\xc3\xa9"), -EINVAL);
	REJECT(tag_msg(&self->c, self->web, "env", "a\"b"), -EINVAL);
	EXPECT_EQ(0, talk(&self->c, tag_msg(&self->c, self->web, "tier:web/1", "a b=c@d")));
}

/* A RULE_SET request for @id of @gid; @desc NULL: none */
static struct nl_msg *rule_set_msg(struct conn *c, uint32_t gid, uint32_t id,
				   const char *desc, struct nlattr **n)
{
	struct nl_msg *m = msg(c, SECGROUP_CMD_RULE_SET, 0);

	*n = nest(m, SECGROUP_A_RULE);
	nla_put_u32(m, SECGROUP_RULE_A_GROUP, gid);
	if (id)
		nla_put_u32(m, SECGROUP_RULE_A_ID, id);
	if (desc)
		nla_put_string(m, SECGROUP_RULE_A_DESCRIPTION, desc);
	return m;
}

/* The description of the first rule the dump of @gid's rules holds with
 * id @id, in @buf; 0 if found. */
static int rule_desc(struct conn *c, uint32_t gid, uint32_t id, char *buf, size_t len)
{
	struct nl_msg *m = msg(c, SECGROUP_CMD_RULE_GET, NLM_F_DUMP);
	struct nlattr *n = nest(m, SECGROUP_A_RULE), *tb[SECGROUP_A_MAX + 1];
	struct nlattr *r[SECGROUP_RULE_A_MAX + 1];
	struct nlmsghdr *h;
	int rem;

	nla_put_u32(m, SECGROUP_RULE_A_GROUP, gid);
	nla_nest_end(m, n);
	free(c->buf);
	c->buf = NULL;
	c->len = 0;
	if (talk(c, m))
		return -1;
	rem = c->len;
	for (h = (struct nlmsghdr *)c->buf; nlmsg_ok(h, rem); h = nlmsg_next(h, &rem)) {
		if (genlmsg_parse(h, 0, tb, SECGROUP_A_MAX, NULL) || !tb[SECGROUP_A_RULE] ||
		    nla_parse_nested(r, SECGROUP_RULE_A_MAX, tb[SECGROUP_A_RULE], NULL) ||
		    !r[SECGROUP_RULE_A_ID] || nla_get_u32(r[SECGROUP_RULE_A_ID]) != id)
			continue;
		snprintf(buf, len, "%s", nla_get_string(r[SECGROUP_RULE_A_DESCRIPTION]));
		return 0;
	}
	return -1;
}

/* A rule's description changes in place: same id; nothing else may change
 * through RULE_SET, and every refusal leaves the state as it was. */
TEST_F(sg, rule_set)
{
	uint32_t id = first_u32(&self->c, rule_new(&self->c, self->web, 8443),
				SECGROUP_A_RULE, SECGROUP_RULE_A_ID);
	uint32_t db;
	struct nlattr *n;
	struct nl_msg *m;
	char d[256];

	ASSERT_NE(0, id);
	ASSERT_EQ(0, talk(&self->c, group_new(&self->c, "db")));
	db = group_id(&self->c, "db");
	m = rule_set_msg(&self->c, self->web, id, "https from the VPN", &n);
	nla_nest_end(m, n);
	EXPECT_EQ(0, talk(&self->c, m)) TH_LOG("%s", self->c.msg);
	ASSERT_EQ(0, rule_desc(&self->c, self->web, id, d, sizeof(d)));
	EXPECT_STREQ("https from the VPN", d);
	m = rule_set_msg(&self->c, self->web, id, "", &n);	/* cleared */
	nla_nest_end(m, n);
	EXPECT_EQ(0, talk(&self->c, m));
	ASSERT_EQ(0, rule_desc(&self->c, self->web, id, d, sizeof(d)));
	EXPECT_STREQ("", d);

	m = rule_set_msg(&self->c, self->web, id, "x", &n);	/* not the match */
	nla_put_u16(m, SECGROUP_RULE_A_PORT_MIN, 22);
	nla_nest_end(m, n);
	REJECT(m, -EINVAL);
	m = rule_set_msg(&self->c, self->web, id, NULL, &n);	/* no description */
	nla_nest_end(m, n);
	REJECT(m, -EINVAL);
	m = rule_set_msg(&self->c, self->web, 0, "x", &n);	/* no id */
	nla_nest_end(m, n);
	REJECT(m, -EINVAL);
	m = rule_set_msg(&self->c, self->web, id, "quote\"", &n);
	nla_nest_end(m, n);
	REJECT(m, -EINVAL);
	m = rule_set_msg(&self->c, self->web, id, "x", &n);
	nla_nest_end(m, n);
	nla_put_u32(m, SECGROUP_A_FLAGS, SECGROUP_F_FLUSH);
	REJECT(m, -EINVAL);
	m = rule_set_msg(&self->c, self->web, 0xfffffff, "x", &n);
	nla_nest_end(m, n);
	REJECT(m, -ENOENT);
	m = rule_set_msg(&self->c, db, id, "x", &n);		/* another group's */
	nla_nest_end(m, n);
	REJECT(m, -ENOENT);
	m = rule_set_msg(&self->c, 0xfffffff, id, "x", &n);
	nla_nest_end(m, n);
	REJECT(m, -ENOENT);
}

/* RULE_NEW's reply is the rule as it is: its id and its group's. */
TEST_F(sg, rule_new_reply)
{
	EXPECT_EQ(self->web, first_u32(&self->c, rule_new(&self->c, self->web, 8443),
				       SECGROUP_A_RULE, SECGROUP_RULE_A_GROUP));
	EXPECT_NE(0, first_u32(&self->c, rule_new(&self->c, self->web, 8444),
			       SECGROUP_A_RULE, SECGROUP_RULE_A_ID));
}

/* Reserved genetlink header bytes are rejected, as in every strict family. */
TEST_F(sg, reserved_header)
{
	struct nl_msg *m = group_new(&self->c, "resv");
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(m));

	g->reserved = 1;
	REJECT(m, -EINVAL);
}

/*
 * A change that was committed reports success even when its reply cannot
 * be delivered: requests sent on a socket whose receive buffer is full
 * all take effect, and none is rolled back after its policy was published.
 */
TEST_F(sg, committed_despite_lost_reply)
{
	struct conn small;
	int i;

	ASSERT_EQ(0, conn_open(&small));
	nl_socket_set_buffer_size(small.sk, 1, 1);	/* the kernel's minimum */
	for (i = 0; i < 40; i++)
		ASSERT_LE(0, nl_send_auto(small.sk, rule_new(&small, self->web, 1000 + i)));
	conn_close(&small);
	for (i = 0; i < 40; i++)	/* each is there: adding it again is a duplicate */
		EXPECT_EQ(-EEXIST, rule_add(&self->c, self->web, 1000 + i)) TH_LOG("port %d", 1000 + i);
}

/*
 * A dump that a change interrupts says so (NLM_F_DUMP_INTR), so that the
 * reader starts again instead of trusting a mix of two states.
 */
/*
 * A replace built from a read names the generation it read: a change in
 * between makes it fail with EAGAIN, changing nothing (sgnl -b reads
 * again), instead of undoing that change.
 */
TEST_F(sg, config_replace_generation)
{
	uint32_t gen, now;
	size_t len;
	struct nl_msg *m;

	free(state(&self->c, &len));
	gen = self->c.gen;
	ASSERT_NE(0, gen);
	ASSERT_EQ(0, rule_add(&self->c, self->web, 443));	/* another writer */
	free(state(&self->c, &len));
	now = self->c.gen;
	EXPECT_NE(gen, now);

	m = cfg_msg(&self->c, 0);
	nla_put_u32(m, SECGROUP_A_GEN, gen);
	cfg_group(m, "web", 80);
	REJECT(m, -EAGAIN);
	EXPECT_NE(NULL, strstr(self->c.msg, "changed since it was read"));

	m = cfg_msg(&self->c, 0);
	nla_put_u32(m, SECGROUP_A_GEN, 0);
	cfg_group(m, "web", 80);
	REJECT(m, -ERANGE);

	/* at the generation it was read at: made */
	m = cfg_msg(&self->c, 0);
	nla_put_u32(m, SECGROUP_A_GEN, now);
	cfg_group(m, "web", 80);
	EXPECT_EQ(0, talk(&self->c, m)) TH_LOG("%s", self->c.msg);
	free(state(&self->c, &len));
	EXPECT_NE(now, self->c.gen);
}

TEST_F(sg, dump_interrupted)
{
	static char buf[1 << 16];
	char name[32], desc[201];
	struct nl_msg *m;
	struct nlattr *n;
	int i, fd, r, nrecv = 0, intr = 0, done = 0;

	memset(desc, 'd', 200);
	desc[200] = 0;
	for (i = 0; i < 400; i++) {
		snprintf(name, sizeof(name), "g%d", i);
		m = msg(&self->c, SECGROUP_CMD_GROUP_NEW, 0);
		n = nest(m, SECGROUP_A_GROUP);
		nla_put_string(m, SECGROUP_GROUP_A_NAME, name);
		nla_put_string(m, SECGROUP_GROUP_A_DESCRIPTION, desc);
		nla_nest_end(m, n);
		ASSERT_EQ(0, talk(&self->c, m));
	}
	fd = nl_socket_get_fd(self->c.sk);
	m = msg(&self->c, SECGROUP_CMD_GROUP_GET, NLM_F_DUMP);
	ASSERT_LE(0, nl_send_auto(self->c.sk, m));
	nlmsg_free(m);
	while (!done) {
		struct nlmsghdr *h;

		r = recv(fd, buf, sizeof(buf), 0);
		ASSERT_LT(0, r);
		if (++nrecv == 1) {	/* a change between two parts of the dump */
			struct conn other;

			ASSERT_EQ(0, conn_open(&other));
			ASSERT_EQ(0, talk(&other, group_new(&other, "between")));
			conn_close(&other);
		}
		for (h = (struct nlmsghdr *)buf; NLMSG_OK(h, r); h = NLMSG_NEXT(h, r)) {
			if (h->nlmsg_flags & NLM_F_DUMP_INTR)
				intr = 1;
			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR)
				done = 1;
		}
	}
	EXPECT_LT(2, nrecv);
	EXPECT_EQ(1, intr);
}

TEST_HARNESS_MAIN
