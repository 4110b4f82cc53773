// SPDX-License-Identifier: GPL-2.0
/* The model as one SECGROUP_CMD_CONFIG_REPLACE request: the kernel
 * validates all of it and swaps it in, or changes nothing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sgnl.h"
#include "config.h"

static int put_ip(struct nl_msg *m, int v4, int v6, const struct sg_ip *ip)
{
	return nla_put(m, ip->family == AF_INET ? v4 : v6, ip->family == AF_INET ? 4 : 16,
		       &ip->v4);
}

/* The rules and remote members of group @g, each a top-level object. */
static int put_rules(struct nl_msg *m, const struct conf_group *g)
{
	struct rule_args ra;
	struct nlattr *n;
	size_t i;

	for (i = 0; i < g->nrules; i++) {
		conf_rule_args(&g->rules[i], &ra);
		n = nla_nest_start(m, SECGROUP_A_RULE);
		if (!n || nla_put_string(m, SECGROUP_RULE_A_GROUP_NAME, g->name) ||
		    rule_put(m, &ra, 0, true))
			return -EMSGSIZE;
		nla_nest_end(m, n);
	}
	for (i = 0; i < g->nmembers; i++) {
		n = nla_nest_start(m, SECGROUP_A_MEMBER);
		if (!n || nla_put_string(m, SECGROUP_MEMBER_A_GROUP_NAME, g->name) ||
		    put_ip(m, SECGROUP_MEMBER_A_IPV4, SECGROUP_MEMBER_A_IPV6, &g->members[i]))
			return -EMSGSIZE;
		nla_nest_end(m, n);
	}
	return 0;
}

static int put_group(struct nl_msg *m, const struct conf_group *g)
{
	struct nlattr *n = nla_nest_start(m, SECGROUP_A_GROUP), *tags, *tag;
	size_t i;

	if (!n || nla_put_string(m, SECGROUP_GROUP_A_NAME, g->name) ||
	    nla_put_string(m, SECGROUP_GROUP_A_DESCRIPTION, g->desc))
		return -EMSGSIZE;
	if (g->ntags) {
		tags = nla_nest_start(m, SECGROUP_GROUP_A_TAGS);
		for (i = 0; i < g->ntags; i++) {
			tag = nla_nest_start(m, SECGROUP_TAG_A_TAG);
			if (!tag || nla_put_string(m, SECGROUP_TAG_A_KEY, g->tags[i].key) ||
			    nla_put_string(m, SECGROUP_TAG_A_VALUE, g->tags[i].value))
				return -EMSGSIZE;
			nla_nest_end(m, tag);
		}
		nla_nest_end(m, tags);
	}
	nla_nest_end(m, n);
	return 0;
}

static int put_attach(struct nl_msg *m, const struct conf_attach *at, int *fd)
{
	struct nlattr *n = nla_nest_start(m, SECGROUP_A_ATTACH), *l;
	size_t i;

	if (instance_put(m, at->cgroup ? "cgroup" : "dev", at->name, "apply", fd))
		return 1;
	l = nla_nest_start(m, SECGROUP_ATTACH_A_GROUPS);
	for (i = 0; i < at->ngroups; i++)
		if (nla_put_string(m, SECGROUP_ATTACH_A_GROUP_NAME, at->groups[i]))
			return 1;
	nla_nest_end(m, l);
	if (at->naddrs) {
		l = nla_nest_start(m, SECGROUP_ATTACH_A_ADDRS);
		for (i = 0; i < at->naddrs; i++)
			if (put_ip(m, SECGROUP_ADDR_A_IPV4, SECGROUP_ADDR_A_IPV6, &at->addrs[i]))
				return 1;
		nla_nest_end(m, l);
	}
	if (nla_put_u32(m, SECGROUP_ATTACH_A_FLAGS, at->flowlog ? SECGROUP_ATTACH_F_FLOWLOG : 0) ||
	    (at->has_mac && nla_put(m, SECGROUP_ATTACH_A_MAC, 6, at->mac)))
		return 1;
	nla_nest_end(m, n);
	return 0;
}

/* Send @c; @fds collects the cgroup directories held open for it. */
static int send_model(const struct conf *c, uint32_t flags, uint32_t gen, int *fds,
		      size_t *nfds)
{
	struct nl_msg *m = nlmsg_alloc_size(CONFIG_MSG_MAX);
	int size, err = -EMSGSIZE;
	size_t i;

	if (!m || !genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, GENL_ID_CTRL, 0,
			       NLM_F_REQUEST | NLM_F_ACK, SECGROUP_CMD_CONFIG_REPLACE,
			       SECGROUP_GENL_VERSION))
		goto fail;
	if (c->has_attachments)	/* the model lists every attachment */
		flags |= SECGROUP_F_ATTACHMENTS;
	if ((flags && nla_put_u32(m, SECGROUP_A_FLAGS, flags)) ||
	    (gen && nla_put_u32(m, SECGROUP_A_GEN, gen)))
		goto fail;
	/* groups first: rules name them, and may name any */
	for (i = 0; i < c->ngroups; i++)
		if (put_group(m, &c->groups[i]))
			goto fail;
	for (i = 0; i < c->ngroups; i++)
		if (put_rules(m, &c->groups[i]))
			goto fail;
	for (i = 0; c->has_attachments && i < c->natts; i++) {
		fds[*nfds] = -1;
		if (put_attach(m, &c->atts[i], &fds[*nfds])) {
			nlmsg_free(m);
			return -ENODEV;
		}
		if (fds[*nfds] >= 0)
			(*nfds)++;
	}
	/* one request, however large: let the socket take it (CAP_NET_ADMIN) */
	size = nlmsg_hdr(m)->nlmsg_len * 2 + 4096;
	sg_nl_sndbuf(size);
	return sg_nl_talk(m, NULL, NULL);
fail:
	fprintf(stderr, "sgnl: apply: the configuration is over %d MiB\n", CONFIG_MSG_MAX >> 20);
	nlmsg_free(m);
	return err;
}

int config_send(struct conf *want, uint32_t flags, uint32_t gen, const char *what)
{
	size_t nfds = 0, i;
	int *fds, err;

	conf_sort_members(want);	/* in the kernel's order: it need not sort them */
	fds = calloc(want->natts + 1, sizeof(*fds));
	if (!fds)
		return nl_err(what, -ENOMEM);
	err = send_model(want, flags, gen, fds, &nfds);
	if (err == -ENODEV)	/* an instance that is gone: told already */
		err = 1;
	else if (err && !(err == -EAGAIN && gen))
		err = nl_err(what, err);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	free(fds);
	return err;
}
