// SPDX-License-Identifier: GPL-2.0
/*
 * sgnl's configuration model (Documentation/apply-format.md): one json-c
 * object shaped like the file `save` writes and `apply` reads.  The
 * kernel's state becomes one here (save, the "before" of a diff, a
 * batch), a file in read.c; so `save | apply` is a no-op and
 * `apply FILE; save` prints FILE normalised.
 */
#include <stdio.h>
#include <string.h>

#include "sgnl.h"
#include "config.h"

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
	json_object *groups, *rules = NULL, *atts = NULL;
	json_object *m = NULL, *list, *by_group = json_object_new_object();
	size_t i;

	/* the first that fails stops it: sg_nl_last_err says why */
	groups = groups_fetch();
	rules = groups ? rules_fetch(0) : NULL;
	atts = rules ? attach_fetch() : NULL;
	if (!atts)
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


/* The words of a rule entry (a string, or an object with "rule") */
const char *rule_entry_text(json_object *e)
{
	return json_object_is_type(e, json_type_object) ? jstr(e, "rule") :
	       json_object_get_string(e);
}

/* The index of the entry of @rules with the words @text, or -1 */
int rule_entry_find(json_object *rules, const char *text)
{
	size_t i;

	for (i = 0; rules && i < json_object_array_length(rules); i++)
		if (!strcmp(rule_entry_text(json_object_array_get_idx(rules, i)), text))
			return i;
	return -1;
}
