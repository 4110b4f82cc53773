// SPDX-License-Identifier: GPL-2.0
/* The model as one SECGROUP_CMD_CONFIG_REPLACE request: the kernel
 * validates all of it and swaps it in, or changes nothing. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "sgnl.h"
#include "config.h"

static int put_addrs(struct nl_msg *m, int type, json_object *list)
{
	struct nlattr *n;
	struct sg_ip ip;
	size_t i;

	if (!list)
		return 0;
	n = nla_nest_start(m, type);
	for (i = 0; i < json_object_array_length(list); i++) {
		sg_parse_ip(json_object_get_string(json_object_array_get_idx(list, i)), &ip, false);
		if (nla_put(m, ip.family == AF_INET ? SECGROUP_ADDR_A_IPV4 : SECGROUP_ADDR_A_IPV6,
			    ip.family == AF_INET ? 4 : 16, &ip.v4))
			return -EMSGSIZE;
	}
	nla_nest_end(m, n);
	return 0;
}

/* The rules and remote members of group @g, each a top-level object. */
static int put_rules(struct nl_msg *m, json_object *g)
{
	json_object *rules = jget(g, "rules"), *members = jget(g, "members");
	char buf[SG_RULE_TEXT_MAX], *w[32];
	struct rule_args ra;
	struct nlattr *n;
	struct sg_ip ip;
	struct args a;
	size_t i;

	for (i = 0; i < json_object_array_length(rules); i++) {
		json_object *e = json_object_array_get_idx(rules, i);
		bool obj = json_object_is_type(e, json_type_object);

		snprintf(buf, sizeof(buf), "%s", obj ? jstr(e, "rule") : json_object_get_string(e));
		a.argc = split_words(buf, w, 32);
		a.argv = w;
		if (a.argc <= 0 || rule_parse(&a, &ra, "apply", 0))
			return -EINVAL;	/* canonical words always parse */
		ra.desc = obj ? jstr(e, "description") : NULL;
		n = nla_nest_start(m, SECGROUP_A_RULE);
		if (!n || nla_put_string(m, SECGROUP_RULE_A_GROUP_NAME, jstr(g, "name")) ||
		    rule_put(m, &ra, 0, true))
			return -EMSGSIZE;
		nla_nest_end(m, n);
	}
	for (i = 0; members && i < json_object_array_length(members); i++) {
		sg_parse_ip(json_object_get_string(json_object_array_get_idx(members, i)), &ip, false);
		n = nla_nest_start(m, SECGROUP_A_MEMBER);
		if (!n || nla_put_string(m, SECGROUP_MEMBER_A_GROUP_NAME, jstr(g, "name")) ||
		    nla_put(m, ip.family == AF_INET ? SECGROUP_MEMBER_A_IPV4 : SECGROUP_MEMBER_A_IPV6,
			    ip.family == AF_INET ? 4 : 16, &ip.v4))
			return -EMSGSIZE;
		nla_nest_end(m, n);
	}
	return 0;
}

static int put_group(struct nl_msg *m, json_object *g)
{
	struct nlattr *n = nla_nest_start(m, SECGROUP_A_GROUP), *tags, *tag;
	json_object *t = jget(g, "tags");

	if (!n || nla_put_string(m, SECGROUP_GROUP_A_NAME, jstr(g, "name")) ||
	    nla_put_string(m, SECGROUP_GROUP_A_DESCRIPTION, jstr(g, "description")))
		return -EMSGSIZE;
	if (t) {
		tags = nla_nest_start(m, SECGROUP_GROUP_A_TAGS);
		json_object_object_foreach(t, key, val) {
			tag = nla_nest_start(m, SECGROUP_TAG_A_TAG);
			if (nla_put_string(m, SECGROUP_TAG_A_KEY, key) ||
			    nla_put_string(m, SECGROUP_TAG_A_VALUE, json_object_get_string(val)))
				return -EMSGSIZE;
			nla_nest_end(m, tag);
		}
		nla_nest_end(m, tags);
	}
	nla_nest_end(m, n);
	return 0;
}

static int put_attach(struct nl_msg *m, json_object *at, int *fd)
{
	struct nlattr *n = nla_nest_start(m, SECGROUP_A_ATTACH), *l;
	json_object *groups = jget(at, "groups");
	size_t i;

	if (instance_put(m, jstr(at, "dev") ? "dev" : "cgroup",
			 jstr(at, "dev") ?: jstr(at, "cgroup"), "apply", fd))
		return 1;
	l = nla_nest_start(m, SECGROUP_ATTACH_A_GROUPS);
	for (i = 0; i < json_object_array_length(groups); i++)
		if (nla_put_string(m, SECGROUP_ATTACH_A_GROUP_NAME,
				   json_object_get_string(json_object_array_get_idx(groups, i))))
			return 1;
	nla_nest_end(m, l);
	if (put_addrs(m, SECGROUP_ATTACH_A_ADDRS, jget(at, "addrs")) ||
	    nla_put_u32(m, SECGROUP_ATTACH_A_FLAGS, jget(at, "flowlog") ?
			SECGROUP_ATTACH_F_FLOWLOG : 0))
		return 1;
	nla_nest_end(m, n);
	return 0;
}

/* Send @model; @fds collects the cgroup directories held open for it. */
static int send_model(json_object *model, uint32_t flags, uint32_t gen, int *fds,
		      size_t *nfds)
{
	json_object *groups = jget(model, "groups"), *atts = jget(model, "attachments");
	struct nl_msg *m = nlmsg_alloc_size(CONFIG_MSG_MAX);
	int size, err = -EMSGSIZE;
	size_t i;

	if (!m || !genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, GENL_ID_CTRL, 0,
			       NLM_F_REQUEST | NLM_F_ACK, SECGROUP_CMD_CONFIG_REPLACE,
			       SECGROUP_GENL_VERSION))
		goto fail;
	if (atts)	/* the file lists every attachment */
		flags |= SECGROUP_F_ATTACHMENTS;
	if ((flags && nla_put_u32(m, SECGROUP_A_FLAGS, flags)) ||
	    (gen && nla_put_u32(m, SECGROUP_A_GEN, gen)))
		goto fail;
	/* groups first: rules name them, and may name any */
	for (i = 0; i < json_object_array_length(groups); i++)
		if (put_group(m, json_object_array_get_idx(groups, i)))
			goto fail;
	for (i = 0; i < json_object_array_length(groups); i++)
		if (put_rules(m, json_object_array_get_idx(groups, i)))
			goto fail;
	for (i = 0; atts && i < json_object_array_length(atts); i++) {
		fds[*nfds] = -1;
		if (put_attach(m, json_object_array_get_idx(atts, i), &fds[*nfds])) {
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

/* Send the model @want (as read_model gives it) with request @flags, if
 * the configuration is still at generation @gen (0: whatever it is); 0,
 * -EAGAIN (not reported) when it is not, or the exit status with the
 * failure reported as @what's */
int config_send(json_object *want, uint32_t flags, uint32_t gen, const char *what)
{
	json_object *atts = jget(want, "attachments");
	size_t nfds = 0, i;
	int *fds, err;

	fds = calloc((atts ? json_object_array_length(atts) : 0) + 1, sizeof(*fds));
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

/* Check @in, a configuration as `save` writes it, and send it (batch.c). */
int config_apply(json_object *in, const char *file, uint32_t flags, uint32_t gen,
		 const char *what)
{
	json_object *want = NULL;
	int err;

	err = config_read(file, in, &want);
	if (!err)
		err = config_send(want, flags, gen, what);
	json_object_put(want);
	return err;
}
