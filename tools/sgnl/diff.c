// SPDX-License-Identifier: GPL-2.0
/* The changes between two models, as apply dry-run prints them. */
#define _GNU_SOURCE	/* vasprintf */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgnl.h"
#include "config.h"

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

static void diff_members(const struct conf_group *a, const struct conf_group *b,
			 const char *sign)
{
	char buf[INET6_ADDRSTRLEN];
	size_t i;

	for (i = 0; b && i < b->nmembers; i++) {
		if (a && conf_member_find(a, &b->members[i]) >= 0)
			continue;
		sg_format_ip(b->members[i].family, &b->members[i].v4, buf, sizeof(buf));
		change("%s member %s %s", sign, b->name, buf);
	}
}

static void diff_rules(const struct conf_group *old, const struct conf_group *new)
{
	char text[SG_RULE_TEXT_MAX];
	size_t i;
	int k;

	for (i = 0; i < new->nrules; i++) {
		const struct conf_rule *r = &new->rules[i];

		k = old ? conf_rule_find(old, r) : -1;
		conf_rule_text(r, text, sizeof(text));
		if (k < 0)
			change("+ rule %s %s", new->name, text);
		else if (strcmp(old->rules[k].desc, r->desc))
			change("~ rule %s %s description \"%s\"", new->name, text, r->desc);
	}
	for (i = 0; old && i < old->nrules; i++) {
		if (conf_rule_find(new, &old->rules[i]) >= 0)
			continue;
		conf_rule_text(&old->rules[i], text, sizeof(text));
		change("- rule %s %s", new->name, text);
	}
}

static void diff_group(const struct conf_group *old, const struct conf_group *new)
{
	json_object *tags;
	size_t i;

	if (!old)
		change("+ group %s", new->name);
	if (old && strcmp(old->desc, new->desc))
		change("~ group %s description \"%s\"", new->name, new->desc);
	if (old && !conf_tags_equal(old, new)) {
		tags = json_object_new_object();
		for (i = 0; i < new->ntags; i++)
			json_object_object_add(tags, new->tags[i].key,
					       json_object_new_string(new->tags[i].value));
		change("~ group %s tags %s", new->name, new->ntags ? config_one_line(tags) : "{}");
		json_object_put(tags);
	}
	diff_members(old, new, "+");
	if (old)
		diff_members(new, old, "-");
	diff_rules(old, new);
}

static const char *attach_key(const struct conf_attach *at, char *buf, size_t len)
{
	snprintf(buf, len, "%s %s", at->cgroup ? "cgroup" : "dev", at->name);
	return buf;
}

/* An attachment in sgnl attach's words. */
static const char *attach_words(const struct conf_attach *at, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];
	size_t i, n;

	attach_key(at, buf, len);
	for (i = 0; i < at->ngroups; i++) {
		n = strlen(buf);
		snprintf(buf + n, len - n, " group %s", at->groups[i]);
	}
	for (i = 0; i < at->naddrs; i++) {
		n = strlen(buf);
		sg_format_ip(at->addrs[i].family, &at->addrs[i].v4, ip, sizeof(ip));
		snprintf(buf + n, len - n, " addr %s", ip);
	}
	n = strlen(buf);
	if (at->has_mac) {
		sg_format_mac(at->mac, ip, sizeof(ip));
		snprintf(buf + n, len - n, " mac %s", ip);
		n = strlen(buf);
	}
	if (at->flowlog)
		snprintf(buf + n, len - n, " flowlog");
	return buf;
}

/* @at's instance in @c, by its name or as the same instance (a cgroup
 * named by another path), as a batch finds it */
static const struct conf_attach *find_attach(const struct conf *c, const struct conf_attach *at)
{
	return conf_attach_find(c, at->cgroup, at->name);
}

static void diff_models(const struct conf *have, const struct conf *want)
{
	const struct conf_attach *o;
	char buf[8192];
	size_t i;

	for (i = 0; i < have->ngroups; i++)
		if (!conf_group(want, have->groups[i].name))
			change("- group %s", have->groups[i].name);
	for (i = 0; i < want->ngroups; i++)
		diff_group(conf_group(have, want->groups[i].name), &want->groups[i]);
	if (!want->has_attachments)
		return;		/* the file leaves attachments as they are */
	for (i = 0; i < have->natts; i++)
		if (!find_attach(want, &have->atts[i]))
			change("- attach %s", attach_key(&have->atts[i], buf, sizeof(buf)));
	for (i = 0; i < want->natts; i++) {
		o = find_attach(have, &want->atts[i]);
		if (!o)
			change("+ attach %s", attach_words(&want->atts[i], buf, sizeof(buf)));
		else if (!conf_attach_equal(o, &want->atts[i]))
			change("~ attach %s", attach_words(&want->atts[i], buf, sizeof(buf)));
	}
}

/* The changes from @have to @want: printed, or (-j) objects added to
 * @out; how many */
int config_diff(const struct conf *have, const struct conf *want, json_object *out)
{
	nchanges = 0;
	changes = out;
	diff_models(have, want);
	changes = NULL;
	return nchanges;
}
