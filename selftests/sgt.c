// SPDX-License-Identifier: GPL-2.0
/* The secgroup selftests' netlink helpers: see sgt.h. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>

#include "sgt.h"

int conn_open(struct conn *c)
{
	int one = 1;

	memset(c, 0, sizeof(*c));
	c->sk = nl_socket_alloc();
	if (!c->sk || genl_connect(c->sk))
		return -1;
	setsockopt(nl_socket_get_fd(c->sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(c->sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	nl_socket_set_buffer_size(c->sk, 1 << 20, 1 << 20);
	c->family = genl_ctrl_resolve(c->sk, SECGROUP_GENL_NAME);
	return c->family < 0 ? -1 : 0;
}

void conn_close(struct conn *c)
{
	nl_socket_free(c->sk);
	free(c->buf);
}

struct nl_msg *msg(struct conn *c, uint8_t cmd, int flags)
{
	struct nl_msg *m = nlmsg_alloc_size(SGT_MSG_SIZE);

	if (!m) {
		fprintf(stderr, "# no memory for a request\n");
		abort();
	}

	genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, c->family, 0,
		    NLM_F_REQUEST | NLM_F_ACK | flags, cmd, SECGROUP_GENL_VERSION);
	return m;
}

static int on_err(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct conn *c = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	int len = nlh->nlmsg_len - NLMSG_HDRLEN - sizeof(*e);

	c->err = e->error;
	c->done = 1;
	if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && len > 0 &&
	    !nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)(e + 1), len, NULL) &&
	    tb[NLMSGERR_ATTR_MSG])
		snprintf(c->msg, sizeof(c->msg), "%s", (char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	return NL_STOP;
}

static int on_valid(struct nl_msg *m, void *arg)
{
	struct conn *c = arg;
	struct nlmsghdr *nlh = nlmsg_hdr(m), *copy;
	struct nlattr *a;
	int rem;

	c->buf = realloc(c->buf, c->len + nlh->nlmsg_len);
	copy = memcpy(c->buf + c->len, nlh, nlh->nlmsg_len);
	/* the sequence number differs between dumps; blank it */
	copy->nlmsg_seq = 0;
	copy->nlmsg_pid = 0;
	/* and the generation, which is no part of the state: kept apart */
	nlmsg_for_each_attr(a, copy, GENL_HDRLEN, rem) {
		if (nla_type(a) == SECGROUP_A_GEN && nla_len(a) == sizeof(uint32_t)) {
			c->gen = nla_get_u32(a);
			memset(nla_data(a), 0, sizeof(uint32_t));
		}
	}
	c->len += nlh->nlmsg_len;
	return NL_OK;
}

static int on_done(struct nl_msg *m, void *arg)
{
	((struct conn *)arg)->done = 1;
	return NL_STOP;
}

/* Send @m; 0 or -errno, the extack message in c->msg, replies in c->buf.
 * Ends at the ACK, the error or a dump's DONE. */
int talk_send(struct conn *c, struct nl_msg *m)
{
	int err;

	c->err = 0;
	c->done = 0;
	c->msg[0] = 0;
	err = nl_send_auto(c->sk, m);
	nlmsg_free(m);
	return err < 0 ? -EIO : 0;
}

int talk_recv(struct conn *c)
{
	struct nl_cb *cb = nl_cb_alloc(NL_CB_DEFAULT);
	int err = 0;

	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, c);
	nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_done, c);
	nl_cb_set(cb, NL_CB_FINISH, NL_CB_CUSTOM, on_done, c);
	nl_cb_err(cb, NL_CB_CUSTOM, on_err, c);
	while (err >= 0 && !c->done)
		err = nl_recvmsgs(c->sk, cb);
	nl_cb_put(cb);
	return c->err ? c->err : (err < 0 ? -EIO : 0);
}

int talk(struct conn *c, struct nl_msg *m)
{
	return talk_send(c, m) ?: talk_recv(c);
}

/* The whole state, as the three dumps return it. */
char *state(struct conn *c, size_t *len)
{
	static const uint8_t cmds[] = { SECGROUP_CMD_GROUP_GET, SECGROUP_CMD_RULE_GET,
					SECGROUP_CMD_ATTACH_GET };
	char *out;
	int i, err = 0;

	free(c->buf);
	c->buf = NULL;
	c->len = 0;
	for (i = 0; i < 3 && !err; i++)
		err = talk(c, msg(c, cmds[i], NLM_F_DUMP));
	out = c->buf;
	*len = c->len;
	c->buf = NULL;
	c->len = 0;
	if (err) {
		fprintf(stderr, "# the state does not dump: %s (%s)\n", strerror(-err), c->msg);
		free(out);
		out = NULL;
		*len = 0;
	}
	return out;
}

/* A nest that does not fit is a bug in the test: say so, do not crash
 * later in nla_nest_end(NULL). */
struct nlattr *nest(struct nl_msg *m, int type)
{
	struct nlattr *n = nla_nest_start(m, type);

	if (!n) {
		fprintf(stderr, "# a request over %d bytes: make SGT_MSG_SIZE larger\n",
			SGT_MSG_SIZE);
		abort();
	}
	return n;
}

struct nl_msg *group_new(struct conn *c, const char *name)
{
	struct nl_msg *m = msg(c, SECGROUP_CMD_GROUP_NEW, 0);
	struct nlattr *n = nest(m, SECGROUP_A_GROUP);

	nla_put_string(m, SECGROUP_GROUP_A_NAME, name);
	nla_nest_end(m, n);
	return m;
}

/* The u32 @attr of the object nest @type of the first reply to @m, or 0. */
uint32_t first_u32(struct conn *c, struct nl_msg *m, int type, int attr)
{
	struct nlattr *tb[SECGROUP_A_MAX + 1], *o[64];
	uint32_t v = 0;

	_Static_assert(SECGROUP_GROUP_A_MAX < 64 && SECGROUP_RULE_A_MAX < 64, "o[] too small");
	free(c->buf);
	c->buf = NULL;
	c->len = 0;
	if (!talk(c, m) && c->len &&
	    !genlmsg_parse((struct nlmsghdr *)c->buf, 0, tb, SECGROUP_A_MAX, NULL) &&
	    tb[type] && !nla_parse_nested(o, 63, tb[type], NULL) && o[attr])
		v = nla_get_u32(o[attr]);
	return v;
}

uint32_t group_id(struct conn *c, const char *name)
{
	struct nl_msg *m = msg(c, SECGROUP_CMD_GROUP_GET, 0);
	struct nlattr *n = nest(m, SECGROUP_A_GROUP);

	nla_put_string(m, SECGROUP_GROUP_A_NAME, name);
	nla_nest_end(m, n);
	return first_u32(c, m, SECGROUP_A_GROUP, SECGROUP_GROUP_A_ID);
}
