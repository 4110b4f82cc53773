// SPDX-License-Identifier: GPL-2.0
/* sgnl rule ... : add and delete rules; their JSON and text forms. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sgnl.h"

json_object *rule_json(struct nlattr *nest)
{
	struct nlattr *r[SECGROUP_RULE_A_MAX + 1];
	json_object *o = json_object_new_object();
	char buf[80], ip[64];

	sg_nest(r, SECGROUP_RULE_A_MAX, nest);
	snprintf(buf, sizeof(buf), "sgr-%08x", nla_get_u32(r[SECGROUP_RULE_A_ID]));
	json_object_object_add(o, "id", json_object_new_string(buf));
	snprintf(buf, sizeof(buf), "sg-%08x", nla_get_u32(r[SECGROUP_RULE_A_GROUP]));
	json_object_object_add(o, "group", json_object_new_string(buf));
	json_object_object_add(o, "direction", json_object_new_string(
		nla_get_u8(r[SECGROUP_RULE_A_DIRECTION]) ? "egress" : "ingress"));
	json_object_object_add(o, "protocol", json_object_new_string(
		r[SECGROUP_RULE_A_PROTOCOL] ? sg_proto_name(nla_get_u8(r[SECGROUP_RULE_A_PROTOCOL])) : "all"));
	if (r[SECGROUP_RULE_A_PORT_MIN]) {
		uint16_t lo = nla_get_u16(r[SECGROUP_RULE_A_PORT_MIN]);
		uint16_t hi = nla_get_u16(r[SECGROUP_RULE_A_PORT_MAX]);

		if (lo == hi)
			snprintf(buf, sizeof(buf), "%u", lo);
		else
			snprintf(buf, sizeof(buf), "%u-%u", lo, hi);
		if (lo != 0 || hi != 65535)
			json_object_object_add(o, "port", json_object_new_string(buf));
	}
	if (r[SECGROUP_RULE_A_ICMP_TYPE])
		json_object_object_add(o, "type", json_object_new_int(nla_get_u8(r[SECGROUP_RULE_A_ICMP_TYPE])));
	if (r[SECGROUP_RULE_A_ICMP_CODE])
		json_object_object_add(o, "code", json_object_new_int(nla_get_u8(r[SECGROUP_RULE_A_ICMP_CODE])));
	if (r[SECGROUP_RULE_A_PEER_GROUP]) {
		snprintf(buf, sizeof(buf), "sg-%08x", nla_get_u32(r[SECGROUP_RULE_A_PEER_GROUP]));
		json_object_object_add(o, "peer_group", json_object_new_string(buf));
	} else {
		bool v4 = r[SECGROUP_RULE_A_PEER_IPV4];

		sg_format_ip(v4 ? AF_INET : AF_INET6,
			     nla_data(v4 ? r[SECGROUP_RULE_A_PEER_IPV4] : r[SECGROUP_RULE_A_PEER_IPV6]),
			     ip, sizeof(ip));
		snprintf(buf, sizeof(buf), "%s/%u", ip, nla_get_u8(r[SECGROUP_RULE_A_PEER_PREFIX]));
		json_object_object_add(o, "peer", json_object_new_string(buf));
	}
	json_object_object_add(o, "description",
			       json_object_new_string(nla_get_string(r[SECGROUP_RULE_A_DESCRIPTION])));
	json_object_object_add(o, "hits", json_object_new_int64(nla_get_u64(r[SECGROUP_RULE_A_HITS])));
	json_object_object_add(o, "last_hit", json_object_new_int64(nla_get_u64(r[SECGROUP_RULE_A_LAST_HIT])));
	return o;
}

#define RS(k) jstr(r, k)

void rule_text(json_object *r, json_object *groups, const char *indent)
{
	bool in = !strcmp(jstr(r, "direction") ?: "", "ingress");
	int64_t last = json_object_get_int64(json_object_object_get(r, "last_hit"));

	printf("%s%s  %s", indent, RS("id"), RS("protocol"));
	if (RS("port"))
		printf(" port %s", RS("port"));
	if (RS("type")) {	/* nft's names, as nft prints them; -n: numbers */
		uint8_t proto = strcmp(RS("protocol"), "icmpv6") ? IPPROTO_ICMP : IPPROTO_ICMPV6;
		int type = atoi(RS("type"));
		const char *tn = opts.numeric ? NULL : sg_icmp_type_name(proto, type);
		const char *cn = opts.numeric || !RS("code") ? NULL :
				 sg_icmp_code_name(proto, type, atoi(RS("code")));

		printf(" type %s", tn ?: RS("type"));
		if (RS("code"))
			printf(" code %s", cn ?: RS("code"));
	}
	if (RS("peer_group"))
		printf(" %s group %s", in ? "from" : "to",
		       group_name(groups, strtoul(RS("peer_group") + 3, NULL, 16)));
	else
		printf(" %s %s", in ? "from" : "to", RS("peer"));
	if (RS("description") && *RS("description"))
		printf("  \"%s\"", RS("description"));
	printf("  hits %s", RS("hits"));
	if (last) {
		char when[32];
		time_t t = last;

		strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
		printf(" last %s", when);
	}
	printf("\n");
}

/* A rule's words after GROUP into @ra; @allow: RULE_DESC, RULE_FLUSH. */
int rule_parse(struct args *a, struct rule_args *ra, const char *what, int allow)
{
	const char *w;

	memset(ra, 0, sizeof(*ra));
	if (match(a, "ingress"))
		ra->dir = SECGROUP_INGRESS;
	else if (match(a, "egress"))
		ra->dir = SECGROUP_EGRESS;
	else
		return usage_err("%s: 'ingress' or 'egress' expected, not '%s'", what,
				 peek(a) ? peek(a) : "");
	w = next(a);
	if (!w || sg_parse_proto(w, &ra->proto))
		return usage_err("%s: unknown protocol '%s'", what, w ? w : "");
	if (match(a, "port")) {
		w = next(a);
		if (ra->proto.has_port)
			return usage_err("%s: the service implies its port", what);
		if (ra->proto.all || (ra->proto.proto[0] != IPPROTO_TCP && ra->proto.proto[0] != IPPROTO_UDP &&
				      ra->proto.proto[0] != IPPROTO_SCTP && ra->proto.proto[0] != IPPROTO_UDPLITE))
			return usage_err("%s: ports need tcp, udp, sctp or udplite", what);
		if (!w || sg_parse_ports(w, ra->proto.proto[0], &ra->pmin, &ra->pmax))
			return usage_err("%s: bad port or range '%s'", what, w ? w : "");
		ra->ports = true;
	} else if (match(a, "type")) {
		w = next(a);
		if (ra->proto.all || (ra->proto.proto[0] != IPPROTO_ICMP &&
				      ra->proto.proto[0] != IPPROTO_ICMPV6))
			return usage_err("%s: type and code need icmp or icmpv6", what);
		if (!w || sg_parse_icmp_type(w, ra->proto.proto[0], &ra->itype))
			return usage_err("%s: bad icmp type '%s'", what, w ? w : "");
		ra->type = true;
		if (match(a, "code")) {
			w = next(a);
			if (!w || sg_parse_icmp_code(w, ra->proto.proto[0], &ra->icode))
				return usage_err("%s: bad icmp code '%s'", what, w ? w : "");
			ra->code = true;
		}
	} else if (peek(a) && !strcmp(peek(a), "code")) {
		return usage_err("%s: 'code' needs a 'type' before it", what);
	}
	if (ra->proto.has_port) {
		ra->ports = true;
		ra->pmin = ra->pmax = ra->proto.port;
	}
	w = next(a);
	if (!w || strcmp(w, ra->dir == SECGROUP_INGRESS ? "from" : "to"))
		return usage_err("%s: '%s' expected before the peer, not '%s'", what,
				 ra->dir == SECGROUP_INGRESS ? "from" : "to", w ? w : "");
	if (match(a, "group")) {
		ra->peer_group = next(a);
		if (!ra->peer_group)
			return usage_err("%s: group needs NAME or ID", what);
	} else {
		w = next(a);
		if (!w || sg_parse_ip(w, &ra->peer, true))
			return usage_err("%s: bad peer CIDR '%s'", what, w ? w : "");
	}
	while (peek(a)) {
		if ((allow & RULE_DESC) && match(a, "description")) {
			ra->desc = next(a);
			if (!ra->desc)
				return usage_err("%s: description needs TEXT", what);
			if (!sg_text_ok(ra->desc))
				return usage_err("%s: %s", what, SG_TEXT_CHARS);
		} else if ((allow & RULE_FLUSH) && match(a, "flush")) {
			ra->flush = true;
		} else {
			return usage_err("%s: unknown argument '%s'", what, peek(a));
		}
	}
	return 0;
}

/*
 * The attributes of protocol @k of @ra (dns is tcp and udp); a peer group
 * by id in the netns, or @by_name (the configuration of `apply`).
 */
int rule_put(struct nl_msg *m, const struct rule_args *ra, int k, bool by_name)
{
	if (nla_put_u8(m, SECGROUP_RULE_A_DIRECTION, ra->dir))
		return -EMSGSIZE;
	if (!ra->proto.all)
		nla_put_u8(m, SECGROUP_RULE_A_PROTOCOL, ra->proto.proto[k]);
	if (ra->ports) {
		nla_put_u16(m, SECGROUP_RULE_A_PORT_MIN, ra->pmin);
		nla_put_u16(m, SECGROUP_RULE_A_PORT_MAX, ra->pmax);
	}
	if (ra->type)
		nla_put_u8(m, SECGROUP_RULE_A_ICMP_TYPE, ra->itype);
	if (ra->code)
		nla_put_u8(m, SECGROUP_RULE_A_ICMP_CODE, ra->icode);
	if (ra->peer_group && by_name) {
		if (nla_put_string(m, SECGROUP_RULE_A_PEER_GROUP_NAME, ra->peer_group))
			return -EMSGSIZE;
	} else if (ra->peer_group) {
		if (put_group_ref(m, SECGROUP_RULE_A_PEER_GROUP, ra->peer_group))
			return -ENOENT;
	} else {
		if (ra->peer.family == AF_INET)
			nla_put(m, SECGROUP_RULE_A_PEER_IPV4, 4, &ra->peer.v4);
		else
			nla_put(m, SECGROUP_RULE_A_PEER_IPV6, 16, &ra->peer.v6);
		nla_put_u8(m, SECGROUP_RULE_A_PEER_PREFIX, ra->peer.prefix);
	}
	if (ra->desc && nla_put_string(m, SECGROUP_RULE_A_DESCRIPTION, ra->desc))
		return -EMSGSIZE;
	return 0;
}

int rule_nprotos(const struct rule_args *ra)
{
	return ra->proto.all ? 1 : ra->proto.nproto;
}

/* "group NAME" as a rule's peer, NAME quoted when it would not read back
 * as one word (split_words): a space, or a leading '#' */
void peer_group_text(char *buf, size_t len, const char *name)
{
	if (!strpbrk(name, " \t") && name[0] != '#' && !strpbrk(name, "\"'"))
		snprintf(buf, len, "group %s", name);
	else
		snprintf(buf, len, strchr(name, '"') ? "group '%s'" : "group \"%s\"", name);
}

/* The canonical words of a rule, as `save` writes it. */
void rule_canon(char *buf, size_t len, uint8_t dir, const char *proto,
		const char *port, int type, int code, const char *peer)
{
	int n = snprintf(buf, len, "%s %s", dir == SECGROUP_INGRESS ? "ingress" : "egress",
			 proto);

	if (port)
		n += snprintf(buf + n, len - n, " port %s", port);
	if (type >= 0)
		n += snprintf(buf + n, len - n, " type %d", type);
	if (code >= 0)
		n += snprintf(buf + n, len - n, " code %d", code);
	snprintf(buf + n, len - n, " %s %s", dir == SECGROUP_INGRESS ? "from" : "to", peer);
}

/* the rules a request created, into the array @arg */
static int on_rule_collect(struct nlattr **tb, uint8_t cmd, void *arg)
{
	if (tb[SECGROUP_A_RULE])
		json_object_array_add(arg, rule_json(tb[SECGROUP_A_RULE]));
	return 0;
}

static struct nl_msg *rule_msg(uint8_t cmd, const char *group, bool flush,
			       struct nlattr **nest)
{
	struct nl_msg *m = sg_msg(cmd, 0);

	if (flush)
		nla_put_u32(m, SECGROUP_A_FLAGS, SECGROUP_F_FLUSH);
	*nest = nla_nest_start(m, SECGROUP_A_RULE);
	if (put_group_ref(m, SECGROUP_RULE_A_GROUP, group)) {
		nlmsg_free(m);
		return NULL;
	}
	return m;
}

/* One request per protocol of the rule (dns is tcp and udp). */
static int rule_send(uint8_t cmd, const char *group, const struct rule_args *ra,
		     sg_msg_cb cb, void *arg, const char *what)
{
	int k, err, n_proto = rule_nprotos(ra);
	struct nl_msg *m;
	struct nlattr *n;

	for (k = 0; k < n_proto; k++) {
		m = rule_msg(cmd, group, ra->flush, &n);
		if (!m)
			return 1;
		if (rule_put(m, ra, k, false)) {
			nlmsg_free(m);
			return 1;
		}
		nla_nest_end(m, n);
		err = sg_nl_talk(m, cb, arg);
		if (err)
			return nl_err(what, err);
	}
	return 0;
}

int rule_add(struct args *a)
{
	const char *group = next(a);
	struct rule_args ra;
	json_object *out;
	size_t i;
	int err;

	if (!group)
		return usage_err("rule add: GROUP is required");
	err = rule_parse(a, &ra, "rule add", RULE_DESC | RULE_FLUSH);
	if (err)
		return err;
	out = json_object_new_array();
	err = rule_send(SECGROUP_CMD_RULE_NEW, group, &ra, on_rule_collect, out, "rule add");
	if (opts.json && json_object_array_length(out)) {	/* dns's two rules, or one */
		print_json(out);
	} else {
		for (i = 0; i < json_object_array_length(out); i++)
			printf("%s\n", jstr(json_object_array_get_idx(out, i), "id"));
	}
	json_object_put(out);
	return err;
}

int rule_del(struct args *a)
{
	const char *group = next(a);
	struct rule_args ra;
	struct nl_msg *m;
	struct nlattr *n;
	uint32_t id;
	int err;

	if (!group)
		return usage_err("rule del: GROUP is required");
	if (peek(a) && !strncmp(peek(a), "sgr-", 4)) {
		const char *s = next(a);
		bool flush = match(a, "flush");

		id = sg_rule_id(s);
		if (!id)
			return usage_err("rule del: bad rule id '%s'", s);
		if (peek(a))
			return usage_err("rule del: unknown argument '%s'", peek(a));
		m = rule_msg(SECGROUP_CMD_RULE_DEL, group, flush, &n);
		if (!m)
			return 1;
		nla_put_u32(m, SECGROUP_RULE_A_ID, id);
		nla_nest_end(m, n);
		err = sg_nl_talk(m, NULL, NULL);
		return err ? nl_err("rule del", err) : 0;
	}
	err = rule_parse(a, &ra, "rule del", RULE_FLUSH);
	if (err)
		return err;
	return rule_send(SECGROUP_CMD_RULE_DEL, group, &ra, NULL, NULL, "rule del");
}

/* "sgr-1234abcd" -> its id; 0 if it is not one */
uint32_t sg_rule_id(const char *s)
{
	unsigned long id;
	char *end;

	if (strncmp(s, "sgr-", 4) || strlen(s) != 12 || !isxdigit((unsigned char)s[4]))
		return 0;
	id = strtoul(s + 4, &end, 16);
	return *end ? 0 : id;
}

/* rule set GROUP RULE-ID description TEXT: in place, id and counters kept */
int rule_set(struct args *a)
{
	const char *group = next(a), *id = next(a), *desc;
	struct nl_msg *m;
	struct nlattr *n;
	int err;

	if (!group || !id || !sg_rule_id(id))
		return usage_err("rule set: GROUP and a rule id (sgr-...) are required");
	if (!match(a, "description") || !(desc = next(a)))
		return usage_err("rule set: 'description TEXT' expected");
	if (peek(a))
		return usage_err("rule set: unknown argument '%s'", peek(a));
	if (!sg_text_ok(desc))
		return usage_err("rule set: %s", SG_TEXT_CHARS);
	m = rule_msg(SECGROUP_CMD_RULE_SET, group, false, &n);
	if (!m)
		return 1;
	nla_put_u32(m, SECGROUP_RULE_A_ID, sg_rule_id(id));
	nla_put_string(m, SECGROUP_RULE_A_DESCRIPTION, desc);
	nla_nest_end(m, n);
	err = sg_nl_talk(m, NULL, NULL);
	return err ? nl_err("rule set", err) : 0;
}

/* rule list's filters: unset ones match every rule */
struct rule_filter {
	const char *group;
	const char *dir;
	bool port;
	uint16_t portnum;
	char peer[80];		/* canonical CIDR, or "" */
	const char *peer_group;
};

static int rule_list_parse(struct args *a, struct rule_filter *f)
{
	struct sg_ip ip;
	const char *w;

	memset(f, 0, sizeof(*f));
	if (peek(a) && strcmp(peek(a), "ingress") && strcmp(peek(a), "egress") &&
	    strcmp(peek(a), "port") && strcmp(peek(a), "peer"))
		f->group = next(a);
	while ((w = next(a))) {
		if (!strcmp(w, "ingress") || !strcmp(w, "egress")) {
			f->dir = w;
		} else if (!strcmp(w, "port")) {
			uint16_t hi;

			w = next(a);
			if (!w || sg_parse_ports(w, 0, &f->portnum, &hi) || hi != f->portnum)
				return usage_err("rule list: port takes one port, not '%s'", w ?: "");
			f->port = true;
		} else if (!strcmp(w, "peer")) {
			if (match(a, "group")) {
				f->peer_group = next(a);
				if (!f->peer_group)
					return usage_err("rule list: peer group needs NAME or ID");
			} else if (!(w = next(a)) || sg_parse_ip(w, &ip, true)) {
				return usage_err("rule list: peer takes a CIDR or 'group NAME', not '%s'",
						 w ?: "");
			} else {
				sg_cidr_canon(&ip, f->peer, sizeof(f->peer));
			}
		} else {
			return usage_err("rule list: unknown argument '%s'", w);
		}
	}
	return 0;
}

/* @r admits traffic to port @f->portnum: a protocol with ports, all ports
 * or a range holding it; or every protocol */
static bool rule_has_port(json_object *r, const struct rule_filter *f)
{
	const char *proto = jstr(r, "protocol"), *port = jstr(r, "port");
	uint16_t lo, hi;

	if (!strcmp(proto, "all"))
		return true;
	if (strcmp(proto, "tcp") && strcmp(proto, "udp") && strcmp(proto, "sctp") &&
	    strcmp(proto, "udplite"))
		return false;
	if (!port)
		return true;
	return !sg_parse_ports(port, 0, &lo, &hi) && lo <= f->portnum && f->portnum <= hi;
}

static bool rule_matches(json_object *r, const struct rule_filter *f, uint32_t peer_group)
{
	char id[16];

	if (f->dir && strcmp(jstr(r, "direction"), f->dir))
		return false;
	if (f->port && !rule_has_port(r, f))
		return false;
	if (f->peer[0] && strcmp(jstr(r, "peer") ?: "", f->peer))
		return false;
	snprintf(id, sizeof(id), "sg-%08x", peer_group);
	return !f->peer_group || !strcmp(jstr(r, "peer_group") ?: "", id);
}

/* 0 if the group of id @id exists (an sg-... id needs no lookup to read) */
static int group_exists(uint32_t id)
{
	char want[16];
	json_object *groups = groups_fetch();
	size_t i;
	int err = -ENOENT;

	snprintf(want, sizeof(want), "sg-%08x", id);
	for (i = 0; groups && i < json_object_array_length(groups); i++)
		if (!strcmp(jstr(json_object_array_get_idx(groups, i), "id"), want))
			err = 0;
	if (!groups)
		err = -EIO;
	json_object_put(groups);
	if (err == -ENOENT)
		snprintf(sg_nl_errmsg, sizeof(sg_nl_errmsg), "no group %s", want);
	return err;
}

/* rule list [GROUP] [ingress|egress] [port N] [peer CIDR | peer group G] */
int rule_list(struct args *a)
{
	json_object *rules, *groups, *out;
	struct rule_filter f;
	uint32_t gid = 0, pgid = 0;
	size_t i;
	int err;

	err = rule_list_parse(a, &f);
	if (err)
		return err;
	if (f.group && (err = group_resolve(f.group, &gid)))
		return nl_err("rule list", err);
	if (gid && (err = group_exists(gid)))
		return nl_err("rule list", err);
	if (f.peer_group && (err = group_resolve(f.peer_group, &pgid)))
		return nl_err("rule list", err);
	rules = rules_fetch(gid);
	groups = groups_fetch();
	if (!rules || !groups) {
		json_object_put(rules);
		json_object_put(groups);
		return nl_err("rule list", -EIO);
	}
	out = json_object_new_array();
	for (i = 0; i < json_object_array_length(rules); i++) {
		json_object *r = json_object_array_get_idx(rules, i);
		char prefix[300];

		if (!rule_matches(r, &f, pgid))
			continue;
		if (opts.json) {
			json_object_array_add(out, json_object_get(r));
			continue;
		}
		snprintf(prefix, sizeof(prefix), "%s %s ",
			 group_name(groups, strtoul(jstr(r, "group") + 3, NULL, 16)),
			 jstr(r, "direction"));
		rule_text(r, groups, prefix);
	}
	if (opts.json)
		print_json(out);
	json_object_put(out);
	json_object_put(rules);
	json_object_put(groups);
	return 0;
}
