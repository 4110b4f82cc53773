// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation failures injected into every control-plane request, the way
 * syzkaller does it: the n-th fault-injection site that a request passes
 * fails (/proc/thread-self/fail-nth, armed for the sendmsg() in which the
 * kernel handles the request), for n = 1, 2, ... until the request passes
 * them all.  After each fault:
 *
 *   the request failed       the state is byte for byte what it was;
 *   it succeeded anyway      the configuration is the one the request makes
 *   (a lost event)           without a fault (sgnl save, which has no ids);
 *   its answer was lost      one of the two.
 *
 * Use-after-frees and lockdep reports go to the kernel log, which
 * tools/vm/run reads; leaks on the error paths are kmemleak's, at the end of
 * the run.  Needs CONFIG_FAULT_INJECTION with failslab and fail_page_alloc
 * failing sleeping allocations too (selftests/faults.sh sets that up).
 *
 * First the module's own load: finit_module() with the n-th site failing,
 * over the last sites of a load (the module's init comes last), each
 * failed load leaving no trace (KASAN, kmemleak) and a clean load after.
 *
 * Usage: faults MODULE.ko CGROUP1 CGROUP2 (the module not loaded; two
 * empty cgroup v2 directories)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/syscall.h>

#include "sgt.h"

#define MAX_SITES 5000
#define LOAD_WINDOW 800		/* the module's init is in the last sites */

static const char *cg1, *cg2;
static char base_file[] = "/tmp/sgfaults.XXXXXX";
static int nth_fd;

/* what the injected faults led to, for one request */
struct tally {
	int faults, failed, succeeded, lost, extack, bad;
	int errs[4];	/* ENOMEM, ENOBUFS, other, and the last other errno */
};

static int sh(const char *cmd)
{
	int rc = system(cmd);

	if (rc)
		printf("# '%s' exited %d\n", cmd, rc);
	return rc;
}

/* The output of @cmd, NUL-terminated (free it). */
static char *capture(const char *cmd)
{
	FILE *p = popen(cmd, "r");
	size_t len = 0, cap = 4096, n;
	char *out = malloc(cap);

	while (p && (n = fread(out + len, 1, cap - len - 1, p)) > 0) {
		len += n;
		if (cap - len < 2)
			out = realloc(out, cap *= 2);
	}
	out[len] = 0;
	if (p)
		pclose(p);
	return out;
}

static void set_nth(unsigned int n)
{
	char b[16];
	int l = snprintf(b, sizeof(b), "%u", n);

	if (pwrite(nth_fd, b, l, 0) != l) {
		perror("fail-nth");
		exit(1);
	}
}

static unsigned int get_nth(void)
{
	char b[16] = "";

	if (pread(nth_fd, b, sizeof(b) - 1, 0) <= 0) {
		perror("fail-nth");
		exit(1);
	}
	return strtoul(b, NULL, 10);
}

/* ---- the requests ---- */

static void put_tag(struct nl_msg *m, const char *k, const char *v)
{
	struct nlattr *t = nest(m, SECGROUP_TAG_A_TAG);

	nla_put_string(m, SECGROUP_TAG_A_KEY, k);
	nla_put_string(m, SECGROUP_TAG_A_VALUE, v);
	nla_nest_end(m, t);
}

static struct nl_msg *group_obj(struct conn *c, uint8_t cmd, const char *name,
				struct nlattr **n)
{
	struct nl_msg *m = msg(c, cmd, 0);

	*n = nest(m, SECGROUP_A_GROUP);
	nla_put_string(m, SECGROUP_GROUP_A_NAME, name);
	return m;
}

static struct nl_msg *r_group_new(struct conn *c)
{
	struct nlattr *n, *t;
	struct nl_msg *m = group_obj(c, SECGROUP_CMD_GROUP_NEW, "x", &n);

	nla_put_string(m, SECGROUP_GROUP_A_DESCRIPTION, "made under faults");
	t = nest(m, SECGROUP_GROUP_A_TAGS);
	put_tag(m, "team", "net");
	put_tag(m, "env", "prod");
	nla_nest_end(m, t);
	nla_nest_end(m, n);
	return m;
}

static struct nl_msg *r_group_set(struct conn *c)
{
	struct nlattr *n, *t;
	struct nl_msg *m = group_obj(c, SECGROUP_CMD_GROUP_SET, "web", &n);

	nla_put_string(m, SECGROUP_GROUP_A_DESCRIPTION, "changed");
	t = nest(m, SECGROUP_GROUP_A_TAGS);
	put_tag(m, "tier", "front");
	nla_nest_end(m, t);
	t = nest(m, SECGROUP_GROUP_A_UNTAGS);
	nla_put_string(m, SECGROUP_TAG_A_KEY, "owner");
	nla_nest_end(m, t);
	nla_nest_end(m, n);
	return m;
}

static struct nl_msg *r_group_del(struct conn *c)
{
	struct nlattr *n;
	struct nl_msg *m = group_obj(c, SECGROUP_CMD_GROUP_DEL, "spare", &n);

	nla_nest_end(m, n);
	return m;
}

static struct nl_msg *rule_obj(struct conn *c, uint8_t cmd, const char *group, uint8_t proto,
			       uint16_t port, struct nlattr **n)
{
	struct nl_msg *m = msg(c, cmd, 0);
	uint32_t gid = group_id(c, group);

	*n = nest(m, SECGROUP_A_RULE);
	nla_put_u32(m, SECGROUP_RULE_A_GROUP, gid);
	nla_put_u8(m, SECGROUP_RULE_A_DIRECTION, SECGROUP_INGRESS);
	nla_put_u8(m, SECGROUP_RULE_A_PROTOCOL, proto);
	nla_put_u16(m, SECGROUP_RULE_A_PORT_MIN, port);
	return m;
}

static struct nl_msg *r_rule_new(struct conn *c)
{
	struct nlattr *n;
	struct nl_msg *m = rule_obj(c, SECGROUP_CMD_RULE_NEW, "web", 6, 443, &n);
	uint8_t net[16] = { 0xfd };

	nla_put_u16(m, SECGROUP_RULE_A_PORT_MAX, 444);
	nla_put(m, SECGROUP_RULE_A_PEER_IPV6, 16, net);
	nla_put_u8(m, SECGROUP_RULE_A_PEER_PREFIX, 8);
	nla_put_string(m, SECGROUP_RULE_A_DESCRIPTION, "https from the ULA");
	nla_nest_end(m, n);
	return m;
}

static struct nl_msg *r_rule_new_peer_flush(struct conn *c)
{
	struct nlattr *n;
	struct nl_msg *m = rule_obj(c, SECGROUP_CMD_RULE_NEW, "app", 17, 53, &n);

	nla_put_u32(m, SECGROUP_RULE_A_PEER_GROUP, group_id(c, "web"));
	nla_nest_end(m, n);
	nla_put_u32(m, SECGROUP_A_FLAGS, SECGROUP_F_FLUSH);
	return m;
}

/* the baseline's "ingress tcp port 80 from 10.0.0.0/8" of web, by match */
static struct nl_msg *r_rule_del_flush(struct conn *c)
{
	struct nlattr *n;
	struct nl_msg *m = rule_obj(c, SECGROUP_CMD_RULE_DEL, "web", 6, 80, &n);
	uint8_t net[4] = { 10 };

	nla_put(m, SECGROUP_RULE_A_PEER_IPV4, 4, net);
	nla_put_u8(m, SECGROUP_RULE_A_PEER_PREFIX, 8);
	nla_nest_end(m, n);
	nla_put_u32(m, SECGROUP_A_FLAGS, SECGROUP_F_FLUSH);
	return m;
}

/* a new description for web's first rule, in place */
static struct nl_msg *r_rule_set(struct conn *c)
{
	struct nl_msg *m = msg(c, SECGROUP_CMD_RULE_GET, NLM_F_DUMP);
	struct nlattr *n = nest(m, SECGROUP_A_RULE);
	uint32_t gid = group_id(c, "web"), id;

	nla_put_u32(m, SECGROUP_RULE_A_GROUP, gid);
	nla_nest_end(m, n);
	id = first_u32(c, m, SECGROUP_A_RULE, SECGROUP_RULE_A_ID);
	m = msg(c, SECGROUP_CMD_RULE_SET, 0);
	n = nest(m, SECGROUP_A_RULE);
	nla_put_u32(m, SECGROUP_RULE_A_GROUP, gid);
	nla_put_u32(m, SECGROUP_RULE_A_ID, id);
	nla_put_string(m, SECGROUP_RULE_A_DESCRIPTION, "described again");
	nla_nest_end(m, n);
	return m;
}

static struct nl_msg *member_obj(struct conn *c, uint8_t cmd, int v6)
{
	struct nl_msg *m = msg(c, cmd, 0);
	struct nlattr *n = nest(m, SECGROUP_A_MEMBER);
	uint8_t a4[4] = { 10, 9, 0, 2 }, a6[16] = { 0xfd, 0, 0, 9, [15] = 2 };

	nla_put_u32(m, SECGROUP_MEMBER_A_GROUP, group_id(c, "web"));
	if (v6)
		nla_put(m, SECGROUP_MEMBER_A_IPV6, 16, a6);
	else
		nla_put(m, SECGROUP_MEMBER_A_IPV4, 4, a4);
	nla_nest_end(m, n);
	return m;
}

static struct nl_msg *r_member_new4(struct conn *c)
{
	return member_obj(c, SECGROUP_CMD_MEMBER_NEW, 0);
}

static struct nl_msg *r_member_new6(struct conn *c)
{
	return member_obj(c, SECGROUP_CMD_MEMBER_NEW, 1);
}

/* the baseline's member 10.9.0.1 of web */
static struct nl_msg *r_member_del(struct conn *c)
{
	struct nl_msg *m = msg(c, SECGROUP_CMD_MEMBER_DEL, 0);
	struct nlattr *n = nest(m, SECGROUP_A_MEMBER);
	uint8_t a4[4] = { 10, 9, 0, 1 };

	nla_put_u32(m, SECGROUP_MEMBER_A_GROUP, group_id(c, "web"));
	nla_put(m, SECGROUP_MEMBER_A_IPV4, 4, a4);
	nla_nest_end(m, n);
	return m;
}

static void put_groups(struct conn *c, struct nl_msg *m, const char *const *names)
{
	struct nlattr *g = nest(m, SECGROUP_ATTACH_A_GROUPS);

	for (; *names; names++)
		nla_put_u32(m, SECGROUP_ATTACH_A_GROUP_ID, group_id(c, *names));
	nla_nest_end(m, g);
}

static struct nl_msg *r_attach_dev(struct conn *c)
{
	static const char *const groups[] = { "web", "app", NULL };
	struct nl_msg *m = msg(c, SECGROUP_CMD_ATTACH_NEW, 0);
	struct nlattr *a = nest(m, SECGROUP_A_ATTACH), *l;
	uint8_t a4[4] = { 10, 0, 0, 3 }, a6[16] = { 0xfd, [15] = 3 };

	nla_put_u32(m, SECGROUP_ATTACH_A_IFINDEX, if_nametoindex("d2"));
	put_groups(c, m, groups);
	l = nest(m, SECGROUP_ATTACH_A_ADDRS);
	nla_put(m, SECGROUP_ADDR_A_IPV4, 4, a4);
	nla_put(m, SECGROUP_ADDR_A_IPV6, 16, a6);
	nla_nest_end(m, l);
	nla_put_u32(m, SECGROUP_ATTACH_A_FLAGS, SECGROUP_ATTACH_F_FLOWLOG);
	nla_nest_end(m, a);
	return m;
}

static struct nl_msg *r_attach_replace_flush(struct conn *c)
{
	static const char *const groups[] = { "app", NULL };
	struct nl_msg *m = msg(c, SECGROUP_CMD_ATTACH_NEW, 0);
	struct nlattr *a = nest(m, SECGROUP_A_ATTACH);

	nla_put_u32(m, SECGROUP_ATTACH_A_IFINDEX, if_nametoindex("d0"));
	put_groups(c, m, groups);
	nla_nest_end(m, a);
	nla_put_u32(m, SECGROUP_A_FLAGS, SECGROUP_F_FLUSH);
	return m;
}

static int cg1_fd = -1, cg2_fd = -1;

static struct nl_msg *r_attach_cgroup(struct conn *c)
{
	static const char *const groups[] = { "web", NULL };
	struct nl_msg *m = msg(c, SECGROUP_CMD_ATTACH_NEW, 0);
	struct nlattr *a = nest(m, SECGROUP_A_ATTACH);

	nla_put_s32(m, SECGROUP_ATTACH_A_CGROUP_FD, cg2_fd);
	put_groups(c, m, groups);
	nla_nest_end(m, a);
	return m;
}

/* @cmd for d0's attachment */
static struct nl_msg *d0_msg(struct conn *c, uint8_t cmd)
{
	struct nl_msg *m = msg(c, cmd, 0);
	struct nlattr *a = nest(m, SECGROUP_A_ATTACH);

	nla_put_u32(m, SECGROUP_ATTACH_A_IFINDEX, if_nametoindex("d0"));
	nla_nest_end(m, a);
	return m;
}

static struct nl_msg *r_detach_dev(struct conn *c)
{
	return d0_msg(c, SECGROUP_CMD_ATTACH_DEL);
}

static struct nl_msg *r_attach_get(struct conn *c)
{
	return d0_msg(c, SECGROUP_CMD_ATTACH_GET);
}

static struct nl_msg *r_group_dump(struct conn *c)
{
	return msg(c, SECGROUP_CMD_GROUP_GET, NLM_F_DUMP);
}

static struct nl_msg *r_rule_dump(struct conn *c)
{
	return msg(c, SECGROUP_CMD_RULE_GET, NLM_F_DUMP);
}

static void cfg_rule(struct nl_msg *m, const char *group, uint16_t port, const char *peer)
{
	struct nlattr *r = nest(m, SECGROUP_A_RULE);
	uint8_t net[4] = { 192, 168 };

	nla_put_string(m, SECGROUP_RULE_A_GROUP_NAME, group);
	nla_put_u8(m, SECGROUP_RULE_A_DIRECTION, SECGROUP_INGRESS);
	nla_put_u8(m, SECGROUP_RULE_A_PROTOCOL, 6);
	nla_put_u16(m, SECGROUP_RULE_A_PORT_MIN, port);
	if (peer) {
		nla_put_string(m, SECGROUP_RULE_A_PEER_GROUP_NAME, peer);
	} else {
		nla_put(m, SECGROUP_RULE_A_PEER_IPV4, 4, net);
		nla_put_u8(m, SECGROUP_RULE_A_PEER_PREFIX, 16);
	}
	nla_nest_end(m, r);
}

/* A whole configuration: web kept as it is, app changed, db new, spare
 * gone, members, and (with the attachments) d0 and the first cgroup
 * attached anew. */
static struct nl_msg *config(struct conn *c, uint32_t flags)
{
	static const char *const names[] = { "web", "app", "db" };
	struct nl_msg *m = msg(c, SECGROUP_CMD_CONFIG_REPLACE, 0);
	struct nlattr *o, *l;
	uint8_t a4[4] = { 10, 9, 0, 1 };
	unsigned int i;

	nla_put_u32(m, SECGROUP_A_FLAGS, flags);
	for (i = 0; i < 3; i++) {
		o = nest(m, SECGROUP_A_GROUP);
		nla_put_string(m, SECGROUP_GROUP_A_NAME, names[i]);
		if (i == 2) {
			l = nest(m, SECGROUP_GROUP_A_TAGS);
			put_tag(m, "tier", "db");
			nla_nest_end(m, l);
		}
		nla_nest_end(m, o);
	}
	cfg_rule(m, "web", 80, NULL);
	cfg_rule(m, "app", 8080, "web");
	cfg_rule(m, "db", 5432, "app");
	o = nest(m, SECGROUP_A_MEMBER);
	nla_put_string(m, SECGROUP_MEMBER_A_GROUP_NAME, "db");
	nla_put(m, SECGROUP_MEMBER_A_IPV4, 4, a4);
	nla_nest_end(m, o);
	if (!(flags & SECGROUP_F_ATTACHMENTS))	/* then none may be listed */
		return m;
	o = nest(m, SECGROUP_A_ATTACH);
	nla_put_u32(m, SECGROUP_ATTACH_A_IFINDEX, if_nametoindex("d0"));
	l = nest(m, SECGROUP_ATTACH_A_GROUPS);
	nla_put_string(m, SECGROUP_ATTACH_A_GROUP_NAME, "db");
	nla_put_string(m, SECGROUP_ATTACH_A_GROUP_NAME, "web");
	nla_nest_end(m, l);
	nla_nest_end(m, o);
	o = nest(m, SECGROUP_A_ATTACH);
	nla_put_s32(m, SECGROUP_ATTACH_A_CGROUP_FD, cg1_fd);
	nla_nest_end(m, o);
	return m;
}

static struct nl_msg *r_replace(struct conn *c)
{
	return config(c, SECGROUP_F_ATTACHMENTS | SECGROUP_F_FLUSH);
}

static struct nl_msg *r_replace_keep(struct conn *c)
{
	return config(c, 0);
}

static struct nl_msg *r_replace_dry(struct conn *c)
{
	return config(c, SECGROUP_F_ATTACHMENTS | SECGROUP_F_DRY_RUN);
}

static const struct req {
	const char *name;
	struct nl_msg *(*build)(struct conn *c);
} reqs[] = {
	{ "group new, with tags", r_group_new },
	{ "group set", r_group_set },
	{ "group del", r_group_del },
	{ "rule new", r_rule_new },
	{ "rule new, group peer, flush", r_rule_new_peer_flush },
	{ "rule del, flush", r_rule_del_flush },
	{ "rule set, description", r_rule_set },
	{ "member new, IPv4", r_member_new4 },
	{ "member new, IPv6", r_member_new6 },
	{ "member del", r_member_del },
	{ "attach dev, new", r_attach_dev },
	{ "attach dev, replaced, flush", r_attach_replace_flush },
	{ "attach cgroup", r_attach_cgroup },
	{ "detach dev", r_detach_dev },
	{ "attachment get", r_attach_get },
	{ "group dump", r_group_dump },
	{ "rule dump", r_rule_dump },
	{ "config replace, with attachments", r_replace },
	{ "config replace, attachments kept", r_replace_keep },
	{ "config replace, dry run", r_replace_dry },
};

/* ---- the run ---- */

static int restore(void)
{
	char cmd[64];

	snprintf(cmd, sizeof(cmd), "sgnl apply %s", base_file);
	return sh(cmd);
}

static int same(const char *a, size_t la, const char *b, size_t lb)
{
	return la == lb && !memcmp(a, b, la);
}

static void count_err(struct tally *t, int err)
{
	if (err == -ENOMEM)
		t->errs[0]++;
	else if (err == -ENOBUFS)
		t->errs[1]++;
	else
		t->errs[2]++, t->errs[3] = -err;
}

/*
 * Request @r with its @n-th fault-injection site failing.  1: the fault
 * was injected, 0: the request passed fewer than @n sites (and succeeded),
 * -1: the state is wrong, said.
 */
static int attempt(struct conn *c, const struct req *r, unsigned int n, const char *ok,
		   struct tally *t)
{
	size_t l0, l1 = 0;
	char *s0 = state(c, &l0), *s1 = NULL, *saved = NULL;
	struct nl_msg *m = r->build(c);
	unsigned int left;
	int err, ret = 1, sent;

	set_nth(n);
	sent = talk_send(c, m);
	left = get_nth();
	set_nth(0);
	err = sent ?: talk_recv(c);
	if (!left) {
		/* a lost request or answer leaves libnl's sequence numbers,
		 * or a dump, behind: the next requests on a new socket */
		conn_close(c);
		if (conn_open(c)) {
			printf("# %s: cannot reopen the netlink socket\n", r->name);
			ret = -1;
			goto out;
		}
	}
	s1 = state(c, &l1);
	if (!s0 || !s1) {
		printf("# %s, fault %u: the state does not dump\n", r->name, n);
		ret = -1;
		goto out;
	}
	if (left) {			/* every site passed */
		ret = 0;
		if (err) {
			printf("# %s: failed without a fault: %s (%s)\n", r->name,
			       strerror(-err), c->msg);
			ret = -1;
		}
		goto out;
	}
	t->faults++;
	if (err && err != -EIO) {	/* the kernel said it failed */
		t->failed++;
		t->extack += !!c->msg[0];
		count_err(t, err);
		if (!same(s0, l0, s1, l1)) {
			printf("# %s, fault %u: failed (%s) but changed the state\n", r->name,
			       n, strerror(-err));
			ret = -1;
		}
		goto out;
	}
	saved = capture("sgnl save");
	if (!err) {
		t->succeeded++;
		if (strcmp(saved, ok)) {
			printf("# %s, fault %u: succeeded with another result:\n%s\n", r->name,
			       n, saved);
			ret = -1;
		}
	} else {			/* no answer: the fault hit the ACK */
		t->lost++;
		if (!same(s0, l0, s1, l1) && strcmp(saved, ok)) {
			printf("# %s, fault %u: answer lost, and the state is neither before nor after:\n%s\n",
			       r->name, n, saved);
			ret = -1;
		}
	}
out:
	if (ret >= 0 && !same(s0, l0, s1, l1) && restore())
		ret = -1;
	free(saved);
	free(s0);
	free(s1);
	return ret;
}

static int run(struct conn *c, const struct req *r, int num)
{
	struct tally t = {};
	unsigned int n;
	char *ok;
	int ret = 0, err;

	err = talk(c, r->build(c));
	ok = capture("sgnl save");
	if (err || restore()) {
		printf("not ok %d - %s: fails without a fault: %s (%s)\n", num, r->name,
		       strerror(-err), c->msg);
		free(ok);
		return 1;
	}
	for (n = 1; n < MAX_SITES; n++) {
		ret = attempt(c, r, n, ok, &t);
		if (ret <= 0)
			break;
	}
	free(ok);
	if (!ret && !t.faults)
		ret = -1, printf("# %s: no fault could be injected\n", r->name);
	printf("%s %d - %s: %d faults; %d failed cleanly (ENOMEM %d, ENOBUFS %d, other %d%s%s), "
	       "%d succeeded whole, %d lost the answer\n", ret ? "not ok" : "ok", num, r->name,
	       t.faults, t.failed, t.errs[0], t.errs[1], t.errs[2], t.errs[2] ? ", last " : "",
	       t.errs[2] ? strerror(t.errs[3]) : "", t.succeeded, t.lost);
	return !!ret;
}

/* ---- the module's load ---- */

static int load(int fd)
{
	return syscall(SYS_finit_module, fd, "", 0) ? -errno : 0;
}

static int unload(void)
{
	return syscall(SYS_delete_module, "secgroup", O_NONBLOCK) ? -errno : 0;
}

static int run_load(const char *ko, int num)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC), err, faults = 0, failed = 0, loaded = 0;
	int unload_err = 0;
	unsigned int n, sites, left;
	struct conn c;

	/* how many sites a load passes */
	set_nth(1u << 30);
	err = fd < 0 ? -errno : load(fd);
	sites = (1u << 30) - get_nth();
	set_nth(0);
	if (err || unload()) {
		printf("not ok %d - module load: %s\n", num, strerror(-err));
		return 1;
	}
	for (n = sites; n > 0 && n + LOAD_WINDOW > sites; n--) {
		set_nth(n);
		err = load(fd);
		left = get_nth();
		set_nth(0);
		if (left) {		/* a shorter load this time: no fault */
			if (!err && (unload_err = unload()))
				break;
			continue;
		}
		faults++;
		if (err) {
			failed++;
			continue;
		}
		loaded++;		/* a failure it could do without */
		if ((unload_err = unload()))
			break;
	}
	err = unload_err ?: load(fd);	/* EEXIST: a failed load stayed */
	if (!err && !conn_open(&c))
		conn_close(&c);
	else if (!err)
		err = -ENOENT;
	close(fd);
	printf("%s %d - module load: %u sites; the last %d failed in turn: %d loads failed, "
	       "%d loaded anyway; then a clean load works%s%s\n", err ? "not ok" : "ok", num,
	       sites, faults, failed, loaded, err ? ": " : "", err ? strerror(-err) : "");
	return !!err;
}

static const char *const setup =
	"ip link add d0 type veth peer name d1 && ip link add d2 type veth peer name d3 && "
	"ip link set d0 up && ip link set d2 up && "
	"sgnl group add web description 'the web tier' tag owner=ops >/dev/null && "
	"sgnl rule add web ingress tcp port 80 from 10.0.0.0/8 >/dev/null && "
	"sgnl group add app >/dev/null && "
	"sgnl rule add app ingress tcp port 8080 from group web >/dev/null && "
	"sgnl group add spare >/dev/null && "
	"sgnl member add web 10.9.0.1 && "
	"sgnl attach dev d0 group web group app addr 10.0.0.2 flowlog && "
	"sgnl attach cgroup %s group web";

int main(int argc, char **argv)
{
	char cmd[1024];
	struct conn c;
	unsigned int i;
	int fails = 0, fd;

	if (argc != 4) {
		fprintf(stderr, "usage: faults MODULE.ko CGROUP1 CGROUP2\n");
		return 2;
	}
	cg1 = argv[2];
	cg2 = argv[3];
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("TAP version 13\n1..%zu\n", 1 + sizeof(reqs) / sizeof(reqs[0]));
	nth_fd = open("/proc/thread-self/fail-nth", O_RDWR | O_CLOEXEC);
	if (nth_fd < 0 || run_load(argv[1], 1))
		return 1;
	cg1_fd = open(cg1, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cg2_fd = open(cg2, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	fd = mkstemp(base_file);
	snprintf(cmd, sizeof(cmd), setup, cg1);
	if (cg1_fd < 0 || cg2_fd < 0 || fd < 0 || unshare(CLONE_NEWNET) || sh(cmd) ||
	    conn_open(&c)) {
		printf("Bail out! no cgroups or secgroup: %s\n", strerror(errno));
		return 1;
	}
	close(fd);
	snprintf(cmd, sizeof(cmd), "sgnl save >%s", base_file);
	if (sh(cmd))
		return 1;
	for (i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++)
		fails += run(&c, &reqs[i], i + 2);
	conn_close(&c);
	unlink(base_file);
	return fails ? 1 : 0;
}
