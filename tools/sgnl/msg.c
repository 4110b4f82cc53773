// SPDX-License-Identifier: GPL-2.0
/* Requests to the secgroup family, and nests of replies: no socket here. */
#include "nl.h"

struct nl_msg *sg_msg(uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	/* the family's id is known once the socket opens: sg_nl_talk() */
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, GENL_ID_CTRL, 0,
			 NLM_F_REQUEST | NLM_F_ACK | flags, cmd, SECGROUP_GENL_VERSION)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

int sg_nest(struct nlattr **tb, int max, struct nlattr *nest)
{
	return nla_parse_nested(tb, max, nest, NULL);
}
