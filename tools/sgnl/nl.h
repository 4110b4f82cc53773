/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SGNL_NL_H
#define SGNL_NL_H

#include <netlink/netlink.h>
#include <netlink/genl/genl.h>
#include <linux/secgroup.h>

/* Called for each message of a reply or a dump with its top-level attrs. */
typedef int (*sg_msg_cb)(struct nlattr **tb, uint8_t cmd, void *arg);

#include <stdbool.h>
#include <sys/socket.h>
#include <linux/netlink.h>

int sg_nl_open(void);
/* open on first use, or say the module is missing and exit 1 */
void sg_nl_need(void);
void sg_nl_close(void);
struct nl_msg *sg_msg(uint8_t cmd, int flags);
/* Send @msg (consumed), deliver replies to @cb; returns 0 or -errno with
 * the kernel's extack message in sg_nl_errmsg. */
int sg_nl_talk(struct nl_msg *msg, sg_msg_cb cb, void *arg);
extern char sg_nl_errmsg[512];
/* what the last sg_nl_talk() returned: -EAGAIN for a dump a change cut */
extern int sg_nl_last_err;
int sg_nl_family(void);
int sg_nl_events_group(void);
/* let the socket take one request of @bytes */
void sg_nl_sndbuf(int bytes);
struct nl_sock *sg_nl_sock(void);

/* @msg came from the kernel, not from another process of the netns
 * writing to our socket's port (CAP_NET_ADMIN in the netns may) */
static inline bool sg_nl_from_kernel(struct nl_msg *msg)
{
	return nlmsg_get_src(msg)->nl_pid == 0;
}

/* Only the kernel may write to @sk's port from now on: another sender
 * gets ECONNREFUSED, whatever the message (an error, a done, an ack). */
static inline int sg_nl_kernel_only(struct nl_sock *sk)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };

	return connect(nl_socket_get_fd(sk), (struct sockaddr *)&kernel, sizeof(kernel));
}

/* a receive buffer of @bytes, beyond net.core.rmem_max with CAP_NET_ADMIN */
static inline void sg_nl_rcvbuf(struct nl_sock *sk, int bytes)
{
	if (setsockopt(nl_socket_get_fd(sk), SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)))
		setsockopt(nl_socket_get_fd(sk), SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
}

/* Parse a nest into @tb of @max entries. */
int sg_nest(struct nlattr **tb, int max, struct nlattr *nest);

#endif
