// SPDX-License-Identifier: GPL-2.0
/*
 * sgnl save / sgnl apply FILE [dry-run] [flush]: the whole configuration of
 * the netns as one JSON file (Documentation/apply-format.md).
 *
 * Both sides go through one normalised model, a json-c object shaped like
 * the file: the kernel's state (save, and the "before" of a diff) and a
 * file (apply) each become one, so `save | apply` is a no-op and
 * `apply FILE; save` prints FILE normalised.  apply sends the model as one
 * SECGROUP_CMD_CONFIG_REPLACE request: the kernel validates all of it and
 * swaps it in, or changes nothing.
 */
#define _GNU_SOURCE	/* vasprintf */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sgnl.h"
#include "strict.h"

#define CONFIG_VERSION	1
#define MSG_MAX		(16 << 20)	/* bytes of one replace request */

static json_object *jget(json_object *o, const char *k)
{
	return json_object_object_get(o, k);
}

/* ---- the kernel's state as a model ---- */

static const char *name_of(json_object *groups, const char *id)
{
	json_object *g = jfind(groups, "id", id, NULL);

	return g ? jstr(g, "name") : id;
}

/* A rule entry: its canonical words, with its description if it has one. */
json_object *rule_entry(const char *text, const char *desc)
{
	json_object *o;

	if (!desc || !*desc)
		return json_object_new_string(text);
	o = json_object_new_object();
	json_object_object_add(o, "rule", json_object_new_string(text));
	json_object_object_add(o, "description", json_object_new_string(desc));
	return o;
}

/* The canonical words of rule @r as the kernel dumps it (rules_fetch). */
void rule_kernel_text(json_object *r, json_object *groups, char *text, size_t len)
{
	/* the longest: a 255-byte peer group name, quoted, and every field */
	json_object *t = jget(r, "type"), *c = jget(r, "code");
	char peer[300];

	if (jstr(r, "peer_group"))
		peer_group_text(peer, sizeof(peer), name_of(groups, jstr(r, "peer_group")));
	else
		snprintf(peer, sizeof(peer), "%s", jstr(r, "peer"));
	rule_canon(text, len, strcmp(jstr(r, "direction"), "ingress") ?
		   SECGROUP_EGRESS : SECGROUP_INGRESS, jstr(r, "protocol"),
		   jstr(r, "port"), t ? json_object_get_int(t) : -1,
		   c ? json_object_get_int(c) : -1, peer);
}

static json_object *kernel_rule(json_object *r, json_object *groups)
{
	char text[SG_RULE_TEXT_MAX];

	rule_kernel_text(r, groups, text, sizeof(text));
	return rule_entry(text, jstr(r, "description"));
}

/* @rules of group @g: @by_group maps group ids to their rules, in order. */
static json_object *kernel_group(json_object *g, json_object *groups, json_object *by_group)
{
	json_object *o = json_object_new_object(), *list = json_object_new_array();
	json_object *rules = jget(by_group, jstr(g, "id"));
	size_t i;

	json_object_object_add(o, "name", json_object_new_string(jstr(g, "name")));
	json_object_object_add(o, "description", json_object_new_string(jstr(g, "description")));
	if (json_object_object_length(jget(g, "tags")))
		json_object_object_add(o, "tags", json_object_get(jget(g, "tags")));
	if (json_object_array_length(jget(g, "members")))
		json_object_object_add(o, "members", json_object_get(jget(g, "members")));
	for (i = 0; rules && i < json_object_array_length(rules); i++)
		json_object_array_add(list, kernel_rule(json_object_array_get_idx(rules, i), groups));
	json_object_object_add(o, "rules", list);
	return o;
}

static json_object *kernel_attach(json_object *at, json_object *groups)
{
	json_object *o = json_object_new_object(), *list = json_object_new_array();
	json_object *ids = jget(at, "groups");
	size_t i;

	if (jstr(at, "dev"))
		json_object_object_add(o, "dev", json_object_new_string(jstr(at, "dev")));
	else
		json_object_object_add(o, "cgroup", json_object_new_string(jstr(at, "cgroup")));
	for (i = 0; i < json_object_array_length(ids); i++)
		json_object_array_add(list, json_object_new_string(
			name_of(groups, json_object_get_string(json_object_array_get_idx(ids, i)))));
	json_object_object_add(o, "groups", list);
	if (json_object_array_length(jget(at, "addrs")))
		json_object_object_add(o, "addrs", json_object_get(jget(at, "addrs")));
	if (json_object_get_boolean(jget(at, "flowlog")))
		json_object_object_add(o, "flowlog", json_object_new_boolean(1));
	return o;
}

json_object *config_fetch(void)
{
	json_object *groups = groups_fetch(), *rules = rules_fetch(0), *atts = attach_fetch();
	json_object *m = NULL, *list, *by_group = json_object_new_object();
	size_t i;

	if (!groups || !rules || !atts)
		goto out;
	for (i = 0; i < json_object_array_length(rules); i++) {
		json_object *r = json_object_array_get_idx(rules, i);

		list = jget(by_group, jstr(r, "group"));
		if (!list) {
			list = json_object_new_array();
			json_object_object_add(by_group, jstr(r, "group"), list);
		}
		json_object_array_add(list, json_object_get(r));
	}
	m = json_object_new_object();
	json_object_object_add(m, "version", json_object_new_int(CONFIG_VERSION));
	list = json_object_new_array();
	for (i = 0; i < json_object_array_length(groups); i++)
		json_object_array_add(list, kernel_group(json_object_array_get_idx(groups, i),
							 groups, by_group));
	json_object_object_add(m, "groups", list);
	list = json_object_new_array();
	for (i = 0; i < json_object_array_length(atts); i++)
		json_object_array_add(list, kernel_attach(json_object_array_get_idx(atts, i), groups));
	json_object_object_add(m, "attachments", list);
out:
	json_object_put(by_group);
	json_object_put(groups);
	json_object_put(rules);
	json_object_put(atts);
	return m;
}

/* ---- writing a model: stable order, one rule per line ---- */

static const char *one_line(json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_SPACED |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
}

static void write_list(FILE *f, json_object *list, const char *indent)
{
	size_t i, n = json_object_array_length(list);

	if (!n) {
		fputs("[]", f);
		return;
	}
	fputs("[\n", f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s  %s%s\n", indent, one_line(json_object_array_get_idx(list, i)),
			i + 1 < n ? "," : "");
	fprintf(f, "%s]", indent);
}

static void write_model(FILE *f, json_object *m)
{
	json_object *groups = jget(m, "groups");
	size_t i, n = json_object_array_length(groups);

	fprintf(f, "{\n  \"version\": %d,\n  \"groups\": [\n", CONFIG_VERSION);
	for (i = 0; i < n; i++) {
		json_object *g = json_object_array_get_idx(groups, i);

		fprintf(f, "    {\n      \"name\": %s,\n", one_line(jget(g, "name")));
		fprintf(f, "      \"description\": %s,\n", one_line(jget(g, "description")));
		if (jget(g, "tags"))
			fprintf(f, "      \"tags\": %s,\n", one_line(jget(g, "tags")));
		if (jget(g, "members"))
			fprintf(f, "      \"members\": %s,\n", one_line(jget(g, "members")));
		fputs("      \"rules\": ", f);
		write_list(f, jget(g, "rules"), "      ");
		fprintf(f, "\n    }%s\n", i + 1 < n ? "," : "");
	}
	fputs("  ]", f);
	if (jget(m, "attachments")) {
		fputs(",\n  \"attachments\": ", f);
		write_list(f, jget(m, "attachments"), "  ");
	}
	fputs("\n}\n", f);
}

int cmd_save(struct args *a)
{
	bool groups_only = match(a, "groups");
	json_object *m;

	if (peek(a))
		return usage_err("save: unknown argument '%s'", peek(a));
	m = config_fetch();
	if (!m)
		return nl_err("save", -EIO);
	if (groups_only)	/* a file that apply leaves attachments alone with */
		json_object_object_del(m, "attachments");
	write_model(stdout, m);
	json_object_put(m);
	return 0;
}

/* ---- reading a file into a model ---- */

struct reader {
	const char *file;
	char where[128];
};

static int bad(struct reader *rd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(struct reader *rd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "sgnl: apply: %s: %s: ", rd->file, rd->where);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return EXIT_USAGE;
}

/* Only @keys (NULL-terminated) may appear in @o. */
static int check_keys(struct reader *rd, json_object *o, const char *const *keys)
{
	const char *const *k;

	if (!json_object_is_type(o, json_type_object))
		return bad(rd, "an object is expected");
	json_object_object_foreach(o, key, val) {
		(void)val;
		for (k = keys; *k && strcmp(*k, key); k++)
			;
		if (!*k)
			return bad(rd, "unknown key \"%s\"", key);
	}
	return 0;
}

static int want_type(struct reader *rd, json_object *v, json_type t, const char *key)
{
	if (v && !json_object_is_type(v, t))
		return bad(rd, "\"%s\" must be %s", key,
			   t == json_type_string ? "a string" : t == json_type_array ?
			   "an array" : t == json_type_boolean ? "true or false" : "an object");
	return 0;
}

/* One entry of "rules": its canonical rules (dns gives two) into @out[dir]. */
static int read_rule(struct reader *rd, json_object *e, json_object *names,
		     json_object **out)
{
	static const char *const keys[] = { "rule", "description", NULL };
	char buf[2048], text[SG_RULE_TEXT_MAX], peer[300], *w[32];
	const char *s, *desc = NULL;
	struct rule_args ra;
	struct args a;
	int n, err;

	if (json_object_is_type(e, json_type_object)) {
		err = check_keys(rd, e, keys);
		if (!err)
			err = want_type(rd, jget(e, "rule"), json_type_string, "rule");
		if (!err)
			err = want_type(rd, jget(e, "description"), json_type_string, "description");
		if (err)
			return err;
		if (!jget(e, "rule"))
			return bad(rd, "\"rule\" is required");
		s = jstr(e, "rule");
		desc = jstr(e, "description");
		if (desc && !sg_text_ok(desc))
			return bad(rd, SG_TEXT_CHARS);
	} else if (json_object_is_type(e, json_type_string)) {
		s = json_object_get_string(e);
	} else {
		return bad(rd, "a rule is a string or an object");
	}
	if (strlen(s) >= sizeof(buf))
		return bad(rd, "a rule over %zu bytes", sizeof(buf) - 1);
	snprintf(buf, sizeof(buf), "%s", s);
	n = split_words(buf, w, 32);
	if (n <= 0)
		return bad(rd, "an empty or overlong rule, or an unbalanced quote");
	a.argc = n;
	a.argv = w;
	snprintf(text, sizeof(text), "apply: %s: %s", rd->file, rd->where);
	err = rule_parse(&a, &ra, text, RULE_DESC);
	if (err)
		return err;
	if (ra.desc && desc)
		return bad(rd, "a description in the rule and beside it");
	desc = desc ?: ra.desc;
	if (ra.peer_group) {
		if (sg_parse_group_id(ra.peer_group))
			return bad(rd, "name the peer group, not its id '%s'", ra.peer_group);
		if (!json_object_object_get_ex(names, ra.peer_group, NULL))
			return bad(rd, "no group '%s' in the file", ra.peer_group);
		peer_group_text(peer, sizeof(peer), ra.peer_group);
	} else {
		sg_cidr_canon(&ra.peer, peer, sizeof(peer));
	}
	rule_entries(&ra, peer, desc, out[ra.dir]);
	return 0;
}

/* The canonical entries of @ra (dns gives two) with peer @peer, into @out. */
void rule_entries(const struct rule_args *ra, const char *peer, const char *desc,
		  json_object *out)
{
	char text[SG_RULE_TEXT_MAX], port[16] = "";
	int k;

	if (ra->ports && (ra->pmin || ra->pmax != 65535)) {
		if (ra->pmin == ra->pmax)
			snprintf(port, sizeof(port), "%u", ra->pmin);
		else
			snprintf(port, sizeof(port), "%u-%u", ra->pmin, ra->pmax);
	}
	for (k = 0; k < rule_nprotos(ra); k++) {
		rule_canon(text, sizeof(text), ra->dir,
			   ra->proto.all ? "all" : sg_proto_name(ra->proto.proto[k]),
			   port[0] ? port : NULL, ra->type ? ra->itype : -1,
			   ra->code ? ra->icode : -1, peer);
		json_object_array_add(out, rule_entry(text, desc));
	}
}

static int read_addrs(struct reader *rd, json_object *list, const char *key,
		      json_object **out)
{
	char buf[INET6_ADDRSTRLEN];
	struct sg_ip ip;
	size_t i;

	*out = json_object_new_array();
	for (i = 0; list && i < json_object_array_length(list); i++) {
		json_object *v = json_object_array_get_idx(list, i);

		if (!json_object_is_type(v, json_type_string) ||
		    sg_parse_ip(json_object_get_string(v), &ip, false))
			return bad(rd, "%s[%zu]: an IPv4 or IPv6 address is expected", key, i);
		sg_format_ip(ip.family, &ip.v4, buf, sizeof(buf));
		json_object_array_add(*out, json_object_new_string(buf));
	}
	return 0;
}

static int read_group(struct reader *rd, json_object *g, json_object *names,
		      json_object **out)
{
	static const char *const keys[] = { "name", "description", "tags", "members",
					    "rules", NULL };
	json_object *o, *rules[2], *members, *tags = jget(g, "tags"), *list;
	size_t i;
	int err;

	err = check_keys(rd, g, keys);
	if (!err)
		err = want_type(rd, jget(g, "description"), json_type_string, "description");
	if (!err && jget(g, "description") && !sg_text_ok(jstr(g, "description")))
		err = bad(rd, SG_TEXT_CHARS);
	if (!err)
		err = want_type(rd, tags, json_type_object, "tags");
	if (!err)
		err = want_type(rd, jget(g, "members"), json_type_array, "members");
	if (!err)
		err = want_type(rd, jget(g, "rules"), json_type_array, "rules");
	if (err)
		return err;
	if (tags) {
		json_object_object_foreach(tags, key, val) {
			(void)key;
			if (!json_object_is_type(val, json_type_string))
				return bad(rd, "tag values are strings");
		}
	}
	o = json_object_new_object();
	*out = o;
	json_object_object_add(o, "name", json_object_new_string(jstr(g, "name")));
	json_object_object_add(o, "description",
			       json_object_new_string(jstr(g, "description") ?: ""));
	if (tags && json_object_object_length(tags))
		json_object_object_add(o, "tags", json_object_get(tags));
	err = read_addrs(rd, jget(g, "members"), "members", &members);
	if (err || !json_object_array_length(members))
		json_object_put(members);
	else
		json_object_object_add(o, "members", members);
	if (err)
		return err;
	rules[0] = json_object_new_array();
	rules[1] = json_object_new_array();
	list = jget(g, "rules");
	for (i = 0; !err && list && i < json_object_array_length(list); i++) {
		size_t at = strlen(rd->where);

		snprintf(rd->where + at, sizeof(rd->where) - at, ".rules[%zu]", i);
		err = read_rule(rd, json_object_array_get_idx(list, i), names, rules);
		rd->where[at] = 0;
	}
	/* the kernel lists ingress rules, then egress ones */
	for (i = 0; i < json_object_array_length(rules[1]); i++)
		json_object_array_add(rules[0], json_object_get(json_object_array_get_idx(rules[1], i)));
	json_object_put(rules[1]);
	json_object_object_add(o, "rules", rules[0]);
	return err;
}

/* The groups' names, checked: present, strings, each once. */
static int read_names(struct reader *rd, json_object *groups, json_object *names)
{
	size_t i;

	for (i = 0; i < json_object_array_length(groups); i++) {
		json_object *g = json_object_array_get_idx(groups, i);
		const char *name;

		snprintf(rd->where, sizeof(rd->where), "groups[%zu]", i);
		if (!json_object_is_type(g, json_type_object))
			return bad(rd, "a group is an object");
		if (!json_object_is_type(jget(g, "name"), json_type_string))
			return bad(rd, "\"name\" (a string) is required");
		name = jstr(g, "name");
		if (sg_name_problem(name))
			return bad(rd, "%s", sg_name_problem(name));
		if (json_object_object_get_ex(names, name, NULL))
			return bad(rd, "group '%s' is listed twice", name);
		json_object_object_add(names, name, NULL);
	}
	return 0;
}

/* A file without "default" resets it: the model says so explicitly. */
static json_object *default_group(void)
{
	json_object *o = json_object_new_object(), *rules = json_object_new_array();

	json_object_object_add(o, "name", json_object_new_string("default"));
	json_object_object_add(o, "description", json_object_new_string("default security group"));
	json_object_array_add(rules, json_object_new_string("ingress all from group default"));
	json_object_array_add(rules, json_object_new_string("egress all to 0.0.0.0/0"));
	json_object_array_add(rules, json_object_new_string("egress all to ::/0"));
	json_object_object_add(o, "rules", rules);
	return o;
}

static int read_attach(struct reader *rd, json_object *at, json_object *names,
		       json_object **out)
{
	static const char *const keys[] = { "dev", "cgroup", "groups", "addrs", "flowlog", NULL };
	json_object *o, *list = jget(at, "groups"), *addrs;
	bool dev = jget(at, "dev");
	size_t i;
	int err;

	err = check_keys(rd, at, keys);
	if (!err)
		err = want_type(rd, jget(at, dev ? "dev" : "cgroup"), json_type_string,
				dev ? "dev" : "cgroup");
	if (!err)
		err = want_type(rd, list, json_type_array, "groups");
	if (!err)
		err = want_type(rd, jget(at, "addrs"), json_type_array, "addrs");
	if (!err)
		err = want_type(rd, jget(at, "flowlog"), json_type_boolean, "flowlog");
	if (err)
		return err;
	if (!!jget(at, "dev") + !!jget(at, "cgroup") != 1)
		return bad(rd, "name one instance: \"dev\" or \"cgroup\"");
	o = json_object_new_object();
	*out = o;
	json_object_object_add(o, dev ? "dev" : "cgroup", json_object_get(jget(at, dev ? "dev" : "cgroup")));
	for (i = 0; list && i < json_object_array_length(list); i++) {
		json_object *v = json_object_array_get_idx(list, i);

		if (!json_object_is_type(v, json_type_string) ||
		    !json_object_object_get_ex(names, json_object_get_string(v), NULL))
			return bad(rd, "groups[%zu]: not a group of the file", i);
	}
	if (list) {
		json_object_object_add(o, "groups", json_object_get(list));
	} else {
		list = json_object_new_array();
		json_object_array_add(list, json_object_new_string("default"));
		json_object_object_add(o, "groups", list);
	}
	err = read_addrs(rd, jget(at, "addrs"), "addrs", &addrs);
	if (err || !json_object_array_length(addrs))
		json_object_put(addrs);
	else
		json_object_object_add(o, "addrs", addrs);
	if (!err && json_object_get_boolean(jget(at, "flowlog")))
		json_object_object_add(o, "flowlog", json_object_new_boolean(1));
	return err;
}

static int read_model(struct reader *rd, json_object *in, json_object **out)
{
	static const char *const keys[] = { "version", "groups", "attachments", NULL };
	json_object *m, *groups = jget(in, "groups"), *atts = jget(in, "attachments");
	json_object *names = json_object_new_object(), *list, *x;
	size_t i;
	int err;

	snprintf(rd->where, sizeof(rd->where), "top level");
	err = check_keys(rd, in, keys);
	if (!err && jget(in, "version") &&
	    (!json_object_is_type(jget(in, "version"), json_type_int) ||
	     json_object_get_int(jget(in, "version")) != CONFIG_VERSION))
		err = bad(rd, "\"version\" must be %d", CONFIG_VERSION);
	if (!err)
		err = want_type(rd, groups, json_type_array, "groups");
	if (!err)
		err = want_type(rd, atts, json_type_array, "attachments");
	if (!err && groups)
		err = read_names(rd, groups, names);
	m = json_object_new_object();
	*out = m;
	json_object_object_add(m, "version", json_object_new_int(CONFIG_VERSION));
	list = json_object_new_array();
	json_object_object_add(m, "groups", list);
	if (!err && !json_object_object_get_ex(names, "default", NULL)) {
		json_object_array_add(list, default_group());
		json_object_object_add(names, "default", NULL);
	}
	for (i = 0; !err && groups && i < json_object_array_length(groups); i++) {
		snprintf(rd->where, sizeof(rd->where), "groups[%zu]", i);
		x = NULL;
		err = read_group(rd, json_object_array_get_idx(groups, i), names, &x);
		if (x)
			json_object_array_add(list, x);
	}
	if (!err && atts) {
		list = json_object_new_array();
		json_object_object_add(m, "attachments", list);
		for (i = 0; !err && i < json_object_array_length(atts); i++) {
			snprintf(rd->where, sizeof(rd->where), "attachments[%zu]", i);
			x = NULL;
			err = read_attach(rd, json_object_array_get_idx(atts, i), names, &x);
			if (x)
				json_object_array_add(list, x);
		}
	}
	json_object_put(names);
	return err;
}

/* ---- the model as a CONFIG_REPLACE request ---- */

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
static int send_model(json_object *model, uint32_t flags, int *fds, size_t *nfds)
{
	json_object *groups = jget(model, "groups"), *atts = jget(model, "attachments");
	struct nl_msg *m = nlmsg_alloc_size(MSG_MAX);
	int size, err = -EMSGSIZE;
	size_t i;

	if (!m || !genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, GENL_ID_CTRL, 0,
			       NLM_F_REQUEST | NLM_F_ACK, SECGROUP_CMD_CONFIG_REPLACE,
			       SECGROUP_GENL_VERSION))
		goto fail;
	if (atts)	/* the file lists every attachment */
		flags |= SECGROUP_F_ATTACHMENTS;
	if (flags && nla_put_u32(m, SECGROUP_A_FLAGS, flags))
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
	fprintf(stderr, "sgnl: apply: the configuration is over %d MiB\n", MSG_MAX >> 20);
	nlmsg_free(m);
	return err;
}

/* ---- the difference between two models (dry-run) ---- */

static int nchanges;
static json_object *changes;	/* -j: the changes as objects */

/* One change, "OP OBJECT WORDS": printed, or (-j) kept as
 * { "op": OP, "object": OBJECT, "change": WORDS } */
static void change(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void change(const char *fmt, ...)
{
	char *line, *object, *words;
	json_object *o;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&line, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	nchanges++;
	if (!opts.json) {
		puts(line);
		free(line);
		return;
	}
	object = line + 2;
	words = strchr(object, ' ');
	if (words)
		*words++ = 0;
	line[1] = 0;
	o = json_object_new_object();
	json_object_object_add(o, "op", json_object_new_string(line));
	json_object_object_add(o, "object", json_object_new_string(object));
	json_object_object_add(o, "change", json_object_new_string(words ?: ""));
	json_object_array_add(changes, o);
	free(line);
}

static const char *rule_words(json_object *e)
{
	return json_object_is_type(e, json_type_object) ? jstr(e, "rule") :
	       json_object_get_string(e);
}

static const char *rule_desc(json_object *e)
{
	return json_object_is_type(e, json_type_object) ? jstr(e, "description") : "";
}

static json_object *find_rule(json_object *rules, const char *text)
{
	size_t i;

	for (i = 0; rules && i < json_object_array_length(rules); i++)
		if (!strcmp(rule_words(json_object_array_get_idx(rules, i)), text))
			return json_object_array_get_idx(rules, i);
	return NULL;
}

static bool in_list(json_object *list, const char *s)
{
	size_t i;

	for (i = 0; list && i < json_object_array_length(list); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(list, i)), s))
			return true;
	return false;
}

static void diff_list(json_object *a, json_object *b, const char *sign, const char *what)
{
	size_t i;

	for (i = 0; b && i < json_object_array_length(b); i++) {
		const char *s = json_object_get_string(json_object_array_get_idx(b, i));

		if (!in_list(a, s))
			change("%s %s %s", sign, what, s);
	}
}

static void diff_rules(const char *group, json_object *old, json_object *new)
{
	json_object *rules = jget(new, "rules"), *o;
	size_t i;

	for (i = 0; i < json_object_array_length(rules); i++) {
		json_object *e = json_object_array_get_idx(rules, i);

		o = find_rule(old ? jget(old, "rules") : NULL, rule_words(e));
		if (!o)
			change("+ rule %s %s", group, rule_words(e));
		else if (strcmp(rule_desc(o), rule_desc(e)))
			change("~ rule %s %s description \"%s\"", group, rule_words(e), rule_desc(e));
	}
	rules = old ? jget(old, "rules") : NULL;
	for (i = 0; rules && i < json_object_array_length(rules); i++) {
		json_object *e = json_object_array_get_idx(rules, i);

		if (!find_rule(jget(new, "rules"), rule_words(e)))
			change("- rule %s %s", group, rule_words(e));
	}
}

static void diff_group(json_object *old, json_object *new)
{
	const char *name = jstr(new, "name");
	char what[300];

	if (!old)
		change("+ group %s", name);
	if (old && strcmp(jstr(old, "description"), jstr(new, "description")))
		change("~ group %s description \"%s\"", name, jstr(new, "description"));
	if (old && !json_object_equal(jget(old, "tags"), jget(new, "tags")))
		change("~ group %s tags %s", name,
		       jget(new, "tags") ? one_line(jget(new, "tags")) : "{}");
	snprintf(what, sizeof(what), "member %s", name);
	diff_list(old ? jget(old, "members") : NULL, jget(new, "members"), "+", what);
	if (old)
		diff_list(jget(new, "members"), jget(old, "members"), "-", what);
	diff_rules(name, old, new);
}

static const char *attach_key(json_object *at, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s", jstr(at, "dev") ? "dev" : "cgroup",
		 jstr(at, "dev") ?: jstr(at, "cgroup"));
	return buf;
}

/* An attachment in sgnl attach's words. */
static const char *attach_words(json_object *at, char *buf, size_t len)
{
	json_object *l = jget(at, "groups");
	size_t i, n;

	attach_key(at, buf, len);
	for (i = 0; i < json_object_array_length(l); i++) {
		n = strlen(buf);
		snprintf(buf + n, len - n, " group %s",
			 json_object_get_string(json_object_array_get_idx(l, i)));
	}
	l = jget(at, "addrs");
	for (i = 0; l && i < json_object_array_length(l); i++) {
		n = strlen(buf);
		snprintf(buf + n, len - n, " addr %s",
			 json_object_get_string(json_object_array_get_idx(l, i)));
	}
	n = strlen(buf);
	if (jget(at, "flowlog"))
		snprintf(buf + n, len - n, " flowlog");
	return buf;
}

static json_object *find_attach(json_object *list, json_object *at)
{
	char a[4200], b[4200];
	size_t i;

	attach_key(at, a, sizeof(a));
	for (i = 0; list && i < json_object_array_length(list); i++)
		if (!strcmp(attach_key(json_object_array_get_idx(list, i), b, sizeof(b)), a))
			return json_object_array_get_idx(list, i);
	return NULL;
}

static void diff_models(json_object *have, json_object *want)
{
	json_object *hg = jget(have, "groups"), *wg = jget(want, "groups");
	json_object *ha = jget(have, "attachments"), *wa = jget(want, "attachments"), *o;
	char buf[8192];
	size_t i;

	for (i = 0; i < json_object_array_length(hg); i++) {
		o = json_object_array_get_idx(hg, i);
		if (!jfind(wg, "name", jstr(o, "name"), NULL))
			change("- group %s", jstr(o, "name"));
	}
	for (i = 0; i < json_object_array_length(wg); i++) {
		o = json_object_array_get_idx(wg, i);
		diff_group(jfind(hg, "name", jstr(o, "name"), NULL), o);
	}
	if (!wa)
		return;		/* the file leaves attachments as they are */
	for (i = 0; i < json_object_array_length(ha); i++) {
		o = json_object_array_get_idx(ha, i);
		if (!find_attach(wa, o))
			change("- attach %s", attach_key(o, buf, sizeof(buf)));
	}
	for (i = 0; i < json_object_array_length(wa); i++) {
		json_object *w = json_object_array_get_idx(wa, i);

		o = find_attach(ha, w);
		if (!o)
			change("+ attach %s", attach_words(w, buf, sizeof(buf)));
		else if (!json_object_equal(o, w))
			change("~ attach %s", attach_words(w, buf, sizeof(buf)));
	}
}

/* ---- sgnl apply ---- */

static json_object *read_json(const char *file)
{
	FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
	json_tokener *tok;
	json_object *o = NULL;
	char *text = NULL;
	size_t len = 0, cap = 0, n, i;
	int line = 1;

	if (!f) {
		fprintf(stderr, "sgnl: apply: %s: %s\n", file, strerror(errno));
		return NULL;
	}
	do {
		if (len + 65536 > cap) {
			char *t = realloc(text, cap = len + 65536);

			if (!t)
				goto out;
			text = t;
		}
		n = fread(text + len, 1, cap - len - 1, f);
		len += n;
	} while (n);
	text[len] = 0;
	if (!json_strict(file, text, len))
		goto out;
	tok = json_tokener_new();
	o = json_tokener_parse_ex(tok, text, len + 1);
	if (!o) {
		for (i = 0; i < json_tokener_get_parse_end(tok) && i < len; i++)
			line += text[i] == '\n';
		fprintf(stderr, "sgnl: apply: %s:%d: %s\n", file, line,
			json_tokener_error_desc(json_tokener_get_error(tok)));
	}
	json_tokener_free(tok);
out:
	free(text);
	if (f != stdin)
		fclose(f);
	return o;
}

/* Send the model @want (as read_model gives it) with request @flags;
 * 0, or the exit status with the failure reported as @what's */
int config_send(json_object *want, uint32_t flags, const char *what)
{
	json_object *atts = jget(want, "attachments");
	size_t nfds = 0, i;
	int *fds, err;

	fds = calloc((atts ? json_object_array_length(atts) : 0) + 1, sizeof(*fds));
	if (!fds)
		return nl_err(what, -ENOMEM);
	err = send_model(want, flags, fds, &nfds);
	if (err == -ENODEV)	/* an instance that is gone: told already */
		err = 1;
	else if (err)
		err = nl_err(what, err);
	for (i = 0; i < nfds; i++)
		close(fds[i]);
	free(fds);
	return err;
}

/* Check @in, a configuration as `save` writes it, and send it (batch.c). */
int config_apply(json_object *in, const char *file, uint32_t flags, const char *what)
{
	struct reader rd = { .file = file };
	json_object *want = NULL;
	int err;

	err = read_model(&rd, in, &want);
	if (!err)
		err = config_send(want, flags, what);
	json_object_put(want);
	return err;
}

int cmd_apply(struct args *a)
{
	const char *file = next(a);
	struct reader rd = { .file = file };
	json_object *in, *want = NULL, *have = NULL;
	bool dry = false, flush = false, check = false;
	int err;

	if (!file)
		return usage_err("apply: FILE is required");
	while (peek(a)) {
		if (match(a, "dry-run"))
			dry = true;
		else if (match(a, "flush"))
			flush = true;
		else if (match(a, "check"))
			check = true;
		else
			return usage_err("apply: unknown argument '%s'", peek(a));
	}
	if (check && (dry || flush))
		return usage_err("apply: check reads FILE without the kernel: no %s",
				 dry ? "dry-run" : "flush");
	in = read_json(file);
	if (!in)
		return EXIT_USAGE;
	err = read_model(&rd, in, &want);
	json_object_put(in);
	if (err)
		goto out;
	if (check) {	/* the file as apply reads it, without the kernel */
		write_model(stdout, want);
		goto out;
	}
	if (dry) {
		have = config_fetch();
		if (!have) {
			err = nl_err("apply", -EIO);
			goto out;
		}
		changes = json_object_new_array();
		diff_models(have, want);
	}
	err = config_send(want, (dry ? SECGROUP_F_DRY_RUN : 0) | (flush ? SECGROUP_F_FLUSH : 0),
			  dry ? "apply dry-run" : "apply");
	if (!err && dry && opts.json)
		print_json(changes);
	else if (!err && dry)
		printf("%d change%s; the kernel accepts the file\n", nchanges,
		       nchanges == 1 ? "" : "s");
out:
	json_object_put(changes);
	changes = NULL;
	json_object_put(want);
	json_object_put(have);
	return err;
}
