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

static const char *rule_desc(json_object *e)
{
	return json_object_is_type(e, json_type_object) ? jstr(e, "description") : "";
}

static json_object *find_rule(json_object *rules, const char *text)
{
	int k = rule_entry_find(rules, text);

	return k < 0 ? NULL : json_object_array_get_idx(rules, k);
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

		o = find_rule(old ? jget(old, "rules") : NULL, rule_entry_text(e));
		if (!o)
			change("+ rule %s %s", group, rule_entry_text(e));
		else if (strcmp(rule_desc(o), rule_desc(e)))
			change("~ rule %s %s description \"%s\"", group, rule_entry_text(e), rule_desc(e));
	}
	rules = old ? jget(old, "rules") : NULL;
	for (i = 0; rules && i < json_object_array_length(rules); i++) {
		json_object *e = json_object_array_get_idx(rules, i);

		if (!find_rule(jget(new, "rules"), rule_entry_text(e)))
			change("- rule %s %s", group, rule_entry_text(e));
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
		       jget(new, "tags") ? config_one_line(jget(new, "tags")) : "{}");
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


/* The changes from @have to @want: printed, or (-j) objects added to
 * @out; how many */
int config_diff(json_object *have, json_object *want, json_object *out)
{
	nchanges = 0;
	changes = out;
	diff_models(have, want);
	changes = NULL;
	return nchanges;
}
