// SPDX-License-Identifier: GPL-2.0
/* sgnl save [groups]: the model, written in a stable order, one rule per line. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sgnl.h"
#include "config.h"

const char *config_one_line(json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_SPACED |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* the JSON of each part, for json-c to quote as JSON wants */
static json_object *rule_json_entry(const struct conf_rule *r)
{
	char text[SG_RULE_TEXT_MAX];
	json_object *o;

	conf_rule_text(r, text, sizeof(text));
	if (!r->desc[0])
		return json_object_new_string(text);
	o = json_object_new_object();
	json_object_object_add(o, "rule", json_object_new_string(text));
	json_object_object_add(o, "description", json_object_new_string(r->desc));
	return o;
}

static json_object *addrs_json(const struct sg_ip *ip, size_t n)
{
	json_object *o = json_object_new_array();
	char buf[INET6_ADDRSTRLEN];
	size_t i;

	for (i = 0; i < n; i++) {
		sg_format_ip(ip[i].family, &ip[i].v4, buf, sizeof(buf));
		json_object_array_add(o, json_object_new_string(buf));
	}
	return o;
}

static json_object *attach_json_entry(const struct conf_attach *at)
{
	json_object *o = json_object_new_object(), *l = json_object_new_array();
	size_t i;

	json_object_object_add(o, at->cgroup ? "cgroup" : "dev", json_object_new_string(at->name));
	for (i = 0; i < at->ngroups; i++)
		json_object_array_add(l, json_object_new_string(at->groups[i]));
	json_object_object_add(o, "groups", l);
	if (at->naddrs)
		json_object_object_add(o, "addrs", addrs_json(at->addrs, at->naddrs));
	if (at->has_mac) {
		char buf[18];

		sg_format_mac(at->mac, buf, sizeof(buf));
		json_object_object_add(o, "mac", json_object_new_string(buf));
	}
	if (at->flowlog)
		json_object_object_add(o, "flowlog", json_object_new_boolean(1));
	return o;
}

/* one line of JSON for @o (consumed) */
static void put_line(FILE *f, const char *fmt, json_object *o)
{
	fprintf(f, fmt, config_one_line(o));
	json_object_put(o);
}

/* a list, one entry per line: entry(@arg, i) of @n */
static void write_list(FILE *f, size_t n, json_object *(*entry)(const void *arg, size_t i),
		       const void *arg, const char *indent)
{
	size_t i;

	if (!n) {
		fputs("[]", f);
		return;
	}
	fputs("[\n", f);
	for (i = 0; i < n; i++) {
		fputs(indent, f);
		put_line(f, i + 1 < n ? "  %s,\n" : "  %s\n", entry(arg, i));
	}
	fprintf(f, "%s]", indent);
}

static json_object *rule_at(const void *g, size_t i)
{
	return rule_json_entry(&((const struct conf_group *)g)->rules[i]);
}

static json_object *attach_at(const void *c, size_t i)
{
	return attach_json_entry(&((const struct conf *)c)->atts[i]);
}

static void write_group(FILE *f, const struct conf_group *g)
{
	json_object *tags;
	size_t i;

	put_line(f, "    {\n      \"name\": %s,\n", json_object_new_string(g->name));
	put_line(f, "      \"description\": %s,\n", json_object_new_string(g->desc));
	if (g->ntags) {
		tags = json_object_new_object();
		for (i = 0; i < g->ntags; i++)
			json_object_object_add(tags, g->tags[i].key,
					       json_object_new_string(g->tags[i].value));
		put_line(f, "      \"tags\": %s,\n", tags);
	}
	if (g->nmembers)
		put_line(f, "      \"members\": %s,\n", addrs_json(g->members, g->nmembers));
	fputs("      \"rules\": ", f);
	write_list(f, g->nrules, rule_at, g, "      ");
}

void config_write(FILE *f, const struct conf *c)
{
	size_t i;

	fprintf(f, "{\n  \"version\": %d,\n  \"groups\": [\n", CONFIG_VERSION);
	for (i = 0; i < c->ngroups; i++) {
		write_group(f, &c->groups[i]);
		fprintf(f, "\n    }%s\n", i + 1 < c->ngroups ? "," : "");
	}
	fputs("  ]", f);
	if (c->has_attachments) {
		fputs(",\n  \"attachments\": ", f);
		write_list(f, c->natts, attach_at, c, "  ");
	}
	fputs("\n}\n", f);
}

int cmd_save(struct args *a)
{
	bool groups_only = match(a, "groups");
	struct conf *c;

	if (peek(a))
		return usage_err("save: unknown argument '%s'", peek(a));
	c = config_fetch(NULL);
	if (!c)
		return nl_err("save", -EIO);
	if (groups_only)	/* a file that apply leaves attachments alone with */
		c->has_attachments = false;
	config_write(stdout, c);
	conf_free(c);
	return 0;
}
