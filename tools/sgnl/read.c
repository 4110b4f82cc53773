// SPDX-License-Identifier: GPL-2.0
/* A configuration file (Documentation/apply-format.md) into the model:
 * strict JSON, every key and value checked, the place of a fault named. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgnl.h"
#include "config.h"
#include "strict.h"

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

/* One entry of "rules": its rules (dns gives two) into @g. */
static int read_rule(struct reader *rd, json_object *e, json_object *names,
		     struct conf_group *g)
{
	static const char *const keys[] = { "rule", "description", NULL };
	char buf[2048], text[SG_RULE_TEXT_MAX], *w[32];
	const char *s, *desc = NULL;
	struct conf_rule r[2];
	struct rule_args ra;
	struct args a;
	int n, k, err;

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
	if (ra.peer_group) {
		if (sg_parse_group_id(ra.peer_group))
			return bad(rd, "name the peer group, not its id '%s'", ra.peer_group);
		if (!json_object_object_get_ex(names, ra.peer_group, NULL))
			return bad(rd, "no group '%s' in the file", ra.peer_group);
	}
	n = conf_rules_of(&ra, ra.peer_group, desc ?: ra.desc, r);
	for (k = 0; k < n; k++) {
		conf_rule_add(g, &r[k]);
		conf_rule_clear(&r[k]);
	}
	return 0;
}

/* "members" or "addrs": host addresses, each added by @add */
static int read_addrs(struct reader *rd, json_object *list, const char *key,
		      void (*add)(void *to, const struct sg_ip *ip), void *to)
{
	struct sg_ip ip;
	size_t i;

	for (i = 0; list && i < json_object_array_length(list); i++) {
		json_object *v = json_object_array_get_idx(list, i);

		if (!json_object_is_type(v, json_type_string) ||
		    sg_parse_ip(json_object_get_string(v), &ip, false))
			return bad(rd, "%s[%zu]: an IPv4 or IPv6 address is expected", key, i);
		add(to, &ip);
	}
	return 0;
}

static void add_member(void *g, const struct sg_ip *ip)
{
	conf_member_add(g, ip);
}

static void add_addr(void *at, const struct sg_ip *ip)
{
	conf_attach_add_addr(at, ip);
}

static int read_group(struct reader *rd, json_object *g, json_object *names,
		      struct conf *c)
{
	static const char *const keys[] = { "name", "description", "tags", "members",
					    "rules", NULL };
	json_object *tags = jget(g, "tags"), *list;
	struct conf_group *cg;
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
	cg = conf_group_add(c, jstr(g, "name"), jstr(g, "description") ?: "");
	if (tags) {
		json_object_object_foreach(tags, key, val)
			conf_tag_set(cg, key, json_object_get_string(val));
	}
	err = read_addrs(rd, jget(g, "members"), "members", add_member, cg);
	list = jget(g, "rules");
	for (i = 0; !err && list && i < json_object_array_length(list); i++) {
		size_t at = strlen(rd->where);

		snprintf(rd->where + at, sizeof(rd->where) - at, ".rules[%zu]", i);
		err = read_rule(rd, json_object_array_get_idx(list, i), names, cg);
		rd->where[at] = 0;
	}
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

static int read_attach(struct reader *rd, json_object *at, json_object *names,
		       struct conf *c)
{
	static const char *const keys[] = { "dev", "cgroup", "groups", "addrs", "mac", "flowlog",
					    NULL };
	json_object *list = jget(at, "groups");
	bool dev = jget(at, "dev");
	struct conf_attach *ca;
	uint8_t mac[6] = { 0 };
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
	if (!err)
		err = want_type(rd, jget(at, "mac"), json_type_string, "mac");
	if (err)
		return err;
	if (jget(at, "mac") && sg_parse_mac(jstr(at, "mac"), mac))
		return bad(rd, "mac: not a unicast MAC address ('%s')", jstr(at, "mac"));
	if (!!jget(at, "dev") + !!jget(at, "cgroup") != 1)
		return bad(rd, "name one instance: \"dev\" or \"cgroup\"");
	for (i = 0; list && i < json_object_array_length(list); i++) {
		json_object *v = json_object_array_get_idx(list, i);

		if (!json_object_is_type(v, json_type_string) ||
		    !json_object_object_get_ex(names, json_object_get_string(v), NULL))
			return bad(rd, "groups[%zu]: not a group of the file", i);
	}
	ca = conf_attach_add(c, !dev, jstr(at, dev ? "dev" : "cgroup"));
	for (i = 0; list && i < json_object_array_length(list); i++)
		conf_attach_add_group(ca, json_object_get_string(json_object_array_get_idx(list, i)));
	if (!list)
		conf_attach_add_group(ca, "default");
	ca->flowlog = json_object_get_boolean(jget(at, "flowlog"));
	ca->has_mac = jget(at, "mac");
	memcpy(ca->mac, mac, sizeof(mac));
	return read_addrs(rd, jget(at, "addrs"), "addrs", add_addr, ca);
}

static int read_model(struct reader *rd, json_object *in, struct conf *c)
{
	static const char *const keys[] = { "version", "groups", "attachments", NULL };
	json_object *groups = jget(in, "groups"), *atts = jget(in, "attachments");
	json_object *names = json_object_new_object();
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
	/* a file without "default" resets it: the model says so explicitly */
	if (!err && !json_object_object_get_ex(names, "default", NULL)) {
		conf_default_rules(conf_group_add(c, "default", "default security group"));
		json_object_object_add(names, "default", NULL);
	}
	for (i = 0; !err && groups && i < json_object_array_length(groups); i++) {
		snprintf(rd->where, sizeof(rd->where), "groups[%zu]", i);
		err = read_group(rd, json_object_array_get_idx(groups, i), names, c);
	}
	c->has_attachments = !err && atts;
	for (i = 0; !err && atts && i < json_object_array_length(atts); i++) {
		snprintf(rd->where, sizeof(rd->where), "attachments[%zu]", i);
		err = read_attach(rd, json_object_array_get_idx(atts, i), names, c);
	}
	json_object_put(names);
	return err;
}

/* @in, a configuration from @file, checked and normalised into @out */
int config_read(const char *file, json_object *in, struct conf **out)
{
	struct reader rd = { .file = file };
	int err;

	*out = conf_new();
	err = read_model(&rd, in, *out);
	if (err) {
		conf_free(*out);
		*out = NULL;
	}
	return err;
}

/* @text (@len bytes, NUL after them) as JSON, strictly; @what names it */
json_object *config_parse_text(const char *what, const char *text, size_t len)
{
	json_tokener *tok;
	json_object *o;
	size_t i;
	int line = 1;

	if (!json_strict(what, text, len))
		return NULL;
	tok = json_tokener_new();
	o = json_tokener_parse_ex(tok, text, len + 1);
	if (!o) {
		for (i = 0; i < json_tokener_get_parse_end(tok) && i < len; i++)
			line += text[i] == '\n';
		fprintf(stderr, "sgnl: apply: %s:%d: %s\n", what, line,
			json_tokener_error_desc(json_tokener_get_error(tok)));
	}
	json_tokener_free(tok);
	return o;
}

json_object *config_read_json(const char *file)
{
	FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
	json_object *o = NULL;
	char *text = NULL;
	size_t len = 0, cap = 0, n;

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
	o = config_parse_text(file, text, len);
out:
	free(text);
	if (f != stdin)
		fclose(f);
	return o;
}
