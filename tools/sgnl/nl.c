// SPDX-License-Identifier: GPL-2.0
/* sgnl's netlink layer: one libnl-genl socket, requests, dumps, extack.
 * tests/nl_fake.c stands in for it in the tests that run without a kernel. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>

#include "nl.h"

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_CAP_ACK
#define NETLINK_CAP_ACK 10
#endif

static struct nl_sock *sk;
static int family = -1;
char sg_nl_errmsg[512];
int sg_nl_last_err;

struct nl_sock *sg_nl_sock(void)
{
	return sk;
}

int sg_nl_family(void)
{
	return family;
}

int sg_nl_open(void)
{
	int one = 1;

	if (sk)
		return 0;
	sk = nl_socket_alloc();
	if (!sk)
		return -ENOMEM;
	if (genl_connect(sk) || sg_nl_kernel_only(sk)) {
		nl_socket_free(sk);
		sk = NULL;
		return -ECONNREFUSED;
	}
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	family = genl_ctrl_resolve(sk, SECGROUP_GENL_NAME);
	if (family < 0) {
		nl_socket_free(sk);
		sk = NULL;
		return -ENOENT;
	}
	nl_socket_set_buffer_size(sk, 1 << 20, 1 << 20);
	nl_socket_enable_msg_peek(sk);	/* a message may outgrow a page */
	return 0;
}

/*
 * The socket, opened on the first request: every argument has been read
 * by then, so a usage error never needs the module.  Without the module
 * there is nothing sgnl can do: say so and exit 1.
 */
void sg_nl_need(void)
{
	int err = sg_nl_open();

	if (!err)
		return;
	if (err == -ENOENT)
		fprintf(stderr, "sgnl: the secgroup module is not loaded (modprobe secgroup)\n");
	else
		fprintf(stderr, "sgnl: cannot open a generic netlink socket: %s\n", strerror(-err));
	exit(1);
}

void sg_nl_close(void)
{
	if (sk)
		nl_socket_free(sk);
	sk = NULL;
}

/* room for one request of @bytes (a whole replace): CAP_NET_ADMIN may */
void sg_nl_sndbuf(int bytes)
{
	sg_nl_need();
	setsockopt(nl_socket_get_fd(sk), SOL_SOCKET, SO_SNDBUFFORCE, &bytes, sizeof(bytes));
}

int sg_nl_events_group(void)
{
	sg_nl_need();
	return genl_ctrl_resolve_grp(sk, SECGROUP_GENL_NAME, SECGROUP_MCGRP_EVENTS);
}

struct talk {
	sg_msg_cb cb;
	void *arg;
	int err;
	int done;
};

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct talk *t = arg;
	struct genlmsghdr *gh = nlmsg_data(nlmsg_hdr(msg));
	struct nlattr *tb[SECGROUP_A_MAX + 1];

	if (!sg_nl_from_kernel(msg) ||
	    genlmsg_parse(nlmsg_hdr(msg), 0, tb, SECGROUP_A_MAX, NULL))
		return NL_SKIP;
	if (t->cb) {
		int err = t->cb(tb, gh->cmd, t->arg);

		if (err) {
			t->err = err;
			return NL_STOP;
		}
	}
	return NL_OK;
}

/* The extack message after a capped nlmsgerr. */
static void extack_msg(struct nlmsghdr *nlh, struct nlmsgerr *e)
{
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	int off = sizeof(*e);
	int len = nlh->nlmsg_len - NLMSG_HDRLEN - off;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS) || len <= 0)
		return;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
		len = nlh->nlmsg_len - NLMSG_HDRLEN - off;
	}
	if (nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)e + off), len, NULL))
		return;
	if (tb[NLMSGERR_ATTR_MSG])
		snprintf(sg_nl_errmsg, sizeof(sg_nl_errmsg), "%s",
			 (char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
}

static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct talk *t = arg;
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);

	t->err = e->error;
	extack_msg(nlh, e);
	t->done = 1;
	return NL_STOP;
}

static int on_finish(struct nl_msg *msg, void *arg)
{
	struct talk *t = arg;

	t->done = 1;
	return NL_STOP;
}

static int on_ack(struct nl_msg *msg, void *arg)
{
	struct talk *t = arg;

	t->done = 1;
	return NL_STOP;
}

int sg_nl_talk(struct nl_msg *msg, sg_msg_cb cb, void *arg)
{
	struct talk t = { .cb = cb, .arg = arg };
	struct nl_cb *c;
	int err;

	sg_nl_errmsg[0] = 0;
	sg_nl_need();
	nlmsg_hdr(msg)->nlmsg_type = family;
	c = nl_cb_alloc(NL_CB_DEFAULT);
	if (!c) {
		nlmsg_free(msg);
		return -ENOMEM;
	}
	nl_cb_set(c, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &t);
	nl_cb_set(c, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, &t);
	nl_cb_set(c, NL_CB_ACK, NL_CB_CUSTOM, on_ack, &t);
	nl_cb_err(c, NL_CB_CUSTOM, on_error, &t);
	err = nl_send_auto(sk, msg);
	nlmsg_free(msg);
	if (err < 0) {
		nl_cb_put(c);
		return -EIO;
	}
	while (!t.done && !t.err) {
		err = nl_recvmsgs(sk, c);
		if (err < 0 && !t.err) {
			/* a change came during the dump: read it again */
			t.err = err == -NLE_DUMP_INTR ? -EAGAIN : -EIO;
			break;
		}
	}
	nl_cb_put(c);
	sg_nl_last_err = t.err;
	return t.err;
}
