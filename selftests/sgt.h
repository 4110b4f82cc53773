/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the secgroup selftests in C share: a generic netlink connection on
 * libnl-genl-3, requests that end at their ACK or error with the extack
 * message kept, and the whole state as the dumps return it.
 */
#ifndef SGT_H
#define SGT_H
#include <stddef.h>
#include <stdint.h>
#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <linux/secgroup.h>

struct conn {
	struct nl_sock *sk;
	int family;
	int err;
	int done;
	char msg[256];
	uint32_t gen;		/* the generation the last group dump read */
	/* a dump's messages, concatenated */
	char *buf;
	size_t len;
};

/* a request's room: a whole churn configuration (some 20 KB) fits */
#define SGT_MSG_SIZE (1 << 16)

int conn_open(struct conn *c);
void conn_close(struct conn *c);
/* a request of @cmd (flags: NLM_F_DUMP or 0), acked */
struct nl_msg *msg(struct conn *c, uint8_t cmd, int flags);
/* Send @m (and free it); 0 or -errno, the extack message in c->msg,
 * replies appended to c->buf.  -EIO: no answer could be read. */
int talk(struct conn *c, struct nl_msg *m);
/* talk() in two steps: the request (the kernel handles it before
 * sendmsg() returns), then its answer */
int talk_send(struct conn *c, struct nl_msg *m);
int talk_recv(struct conn *c);
/* the dumps of groups, rules and attachments, concatenated (free it);
 * NULL, said on stderr, if one fails */
char *state(struct conn *c, size_t *len);
struct nlattr *nest(struct nl_msg *m, int type);
struct nl_msg *group_new(struct conn *c, const char *name);
uint32_t first_u32(struct conn *c, struct nl_msg *m, int type, int attr);
uint32_t group_id(struct conn *c, const char *name);

#endif
