// SPDX-License-Identifier: GPL-2.0
/*
 * A stand-in for tools/sgnl/nl.c, linked into tests/bin/sgnl-fake: the
 * argument tests (tests/sgnl_test.sh) run sgnl's own code up to the
 * request, without a kernel.  Each request is printed as
 * "sent: command N" and acknowledged.  The "kernel" knows the default
 * group and a group for every name it is asked about (GROUP_GET by name:
 * the next id), lists those in a dump of groups, and has no rules or
 * attachments; a monitor ends at once.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nl.h"

char sg_nl_errmsg[512];
int sg_nl_last_err;

static char *names[64] = { "default" };
static int nnames = 1;

int sg_nl_open(void) { return 0; }
void sg_nl_need(void) { }
void sg_nl_close(void) { }
int sg_nl_family(void) { return 0; }
struct nl_sock *sg_nl_sock(void) { return NULL; }
void sg_nl_sndbuf(int bytes) { }

int sg_nl_events_group(void)
{
	printf("sent: monitor\n");
	exit(0);
}

/* the id of group @name, made on first sight */
static uint32_t fake_group_id(const char *name)
{
	int i;

	for (i = 0; i < nnames; i++)
		if (!strcmp(names[i], name))
			return i + 1;
	if (nnames == (int)(sizeof(names) / sizeof(names[0])))
		return 0;	/* not freed: the process is short */
	names[nnames] = strdup(name);
	return ++nnames;
}

/* a reply holding group @id called @name, handed to @cb */
static int fake_group(sg_msg_cb cb, void *arg, uint32_t id, const char *name)
{
	struct nlattr *tb[SECGROUP_A_MAX + 1];
	struct nl_msg *m = sg_msg(SECGROUP_CMD_GROUP_GET, 0);
	struct nlattr *n;
	int err;

	n = nla_nest_start(m, SECGROUP_A_GROUP);
	nla_put_u32(m, SECGROUP_GROUP_A_ID, id);
	nla_put_string(m, SECGROUP_GROUP_A_NAME, name);
	nla_put_string(m, SECGROUP_GROUP_A_DESCRIPTION, "");
	nla_put_u32(m, SECGROUP_GROUP_A_FLAGS, 0);
	nla_put_u32(m, SECGROUP_GROUP_A_ATTACHMENTS, 0);
	nla_nest_end(m, n);
	err = genlmsg_parse(nlmsg_hdr(m), 0, tb, SECGROUP_A_MAX, NULL);
	if (!err && cb)
		err = cb(tb, SECGROUP_CMD_GROUP_GET, arg);
	nlmsg_free(m);
	return err;
}

/* GROUP_GET: by name, by id, or a dump of the groups seen so far */
static int fake_group_get(struct nl_msg *msg, sg_msg_cb cb, void *arg)
{
	struct nlattr *tb[SECGROUP_A_MAX + 1], *g[SECGROUP_GROUP_A_MAX + 1];
	uint32_t id;
	int i, err = 0;

	if (nlmsg_hdr(msg)->nlmsg_flags & NLM_F_DUMP) {
		for (i = 0; !err && i < nnames; i++)
			err = fake_group(cb, arg, i + 1, names[i]);
		return err;
	}
	if (genlmsg_parse(nlmsg_hdr(msg), 0, tb, SECGROUP_A_MAX, NULL) ||
	    !tb[SECGROUP_A_GROUP] || sg_nest(g, SECGROUP_GROUP_A_MAX, tb[SECGROUP_A_GROUP]))
		return -EINVAL;
	if (g[SECGROUP_GROUP_A_NAME]) {
		id = fake_group_id(nla_get_string(g[SECGROUP_GROUP_A_NAME]));
		return id ? fake_group(cb, arg, id, nla_get_string(g[SECGROUP_GROUP_A_NAME])) :
			    -ENOSPC;
	}
	if (g[SECGROUP_GROUP_A_ID])
		return fake_group(cb, arg, nla_get_u32(g[SECGROUP_GROUP_A_ID]), "g");
	return -EINVAL;
}

int sg_nl_talk(struct nl_msg *msg, sg_msg_cb cb, void *arg)
{
	uint8_t cmd = ((struct genlmsghdr *)nlmsg_data(nlmsg_hdr(msg)))->cmd;
	int err = 0;

	sg_nl_errmsg[0] = 0;
	printf("sent: command %u\n", cmd);
	if (cmd == SECGROUP_CMD_GROUP_GET)
		err = fake_group_get(msg, cb, arg);
	nlmsg_free(msg);
	return err;
}
