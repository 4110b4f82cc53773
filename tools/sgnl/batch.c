// SPDX-License-Identifier: GPL-2.0
/*
 * sgnl -b FILE: the changes of FILE, one command per line, all or nothing
 * (as nft -f).
 *
 * Every line is read and checked before anything is asked of the kernel:
 * a usage error anywhere sends nothing.  Then each change is made, in
 * order, to the configuration read from the kernel (as `save` writes it)
 * and the result goes to the kernel as one CONFIG_REPLACE, which takes all
 * of it or none.  Groups keep their ids, rules their ids and counters
 * (kmod/replace.c); a line that could not be made (no such group, a rule
 * that exists) fails the batch before it is sent.  "flush" on any line
 * flushes, once the batch is in force, every connection it no longer
 * allows.  Attachments are sent only if a line attaches or detaches (the
 * replace then lists them all); without, the kernel keeps every attachment
 * as it is.  Any other change another client makes between the read and
 * the replace is overwritten, as with save, edit, apply.
 *
 * -b FILE --continue runs the lines one by one instead, any command,
 * reporting each failure and going on; it exits with the first failure's
 * status.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sgnl.h"
#include "config.h"

struct batch {
	const char *file;
	int line;
	json_object *model;	/* NULL: the first pass, words only */
	json_object *kgroups;	/* the kernel's groups: their ids */
	json_object *krules;	/* the kernel's rules: their ids */
	uint32_t flags;		/* SECGROUP_F_FLUSH if a line asked */
	bool attachments;	/* a line attaches or detaches */
};

/* Split a batch line into words; "..." and '...' quote. */
int split_words(char *line, char **argv, int max)
{
	int n = 0;
	char *p = line, *out;

	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			p++;
		if (!*p || *p == '#')
			break;
		if (n == max)
			return -1;
		argv[n++] = out = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n' && *p != '\r') {
			if (*p == '"' || *p == '\'') {
				char q = *p++;

				while (*p && *p != q)
					*out++ = *p++;
				if (!*p)
					return -1;
				p++;
			} else {
				*out++ = *p++;
			}
		}
		if (*p)
			p++;
		*out = 0;
	}
	return n;
}

/* a change that cannot be made: nothing is sent, exit status 1 */
static int refuse(struct batch *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int refuse(struct batch *b, const char *fmt, ...)
{
	va_list ap;

	if (b->line)
		fprintf(stderr, "sgnl: %s:%d: ", b->file, b->line);
	else
		fprintf(stderr, "sgnl: %s: ", b->file);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("; nothing was changed\n", stderr);
	return 1;
}

static json_object *model_groups(struct batch *b)
{
	return json_object_object_get(b->model, "groups");
}

static json_object *find_group(struct batch *b, const char *name, size_t *at)
{
	return jfind(model_groups(b), "name", name, at);
}

/* NAME or sg-ID of a group of the kernel: its name; NULL if no such id */
static const char *ref_name(struct batch *b, const char *ref)
{
	uint32_t id = sg_parse_group_id(ref);
	json_object *g;
	char key[16];

	if (!id)
		return ref;
	snprintf(key, sizeof(key), "sg-%08x", id);
	g = jfind(b->kgroups, "id", key, NULL);
	return g ? jstr(g, "name") : NULL;
}

/* the group @ref (NAME or ID) of the batch's configuration, or NULL told */
static json_object *group_ref(struct batch *b, const char *ref, const char *what)
{
	const char *name = ref_name(b, ref);
	json_object *g = name ? find_group(b, name, NULL) : NULL;

	if (!g)
		refuse(b, "%s: no group '%s'", what, ref);
	return g;
}

/* the list @key of @o, created empty if it is not there */
static json_object *list_of(json_object *o, const char *key)
{
	json_object *l = json_object_object_get(o, key);

	if (!l) {
		l = json_object_new_array();
		json_object_object_add(o, key, l);
	}
	return l;
}

/* ---- the changes ---- */

/* @ga's KEY=VALUE tags into the object @tags */
static void tags_set(json_object *tags, const struct group_args *ga)
{
	char key[SECGROUP_TAG_KEY_MAX + 1];
	const char *eq;
	int k;

	for (k = 0; k < ga->ntags; k++) {
		eq = strchr(ga->tags[k], '=');
		snprintf(key, sizeof(key), "%.*s", (int)(eq - ga->tags[k]), ga->tags[k]);
		json_object_object_add(tags, key, json_object_new_string(eq + 1));
	}
}

static int b_group_add(struct batch *b, struct args *a)
{
	struct group_args ga;
	json_object *g, *tags, *rules;
	int err;

	err = group_args_parse(a, &ga, false);
	if (err || !b->model)
		return err;
	if (find_group(b, ga.group, NULL))
		return refuse(b, "group add: a group named '%s' exists", ga.group);
	g = json_object_new_object();
	json_object_object_add(g, "name", json_object_new_string(ga.group));
	json_object_object_add(g, "description", json_object_new_string(ga.desc ?: ""));
	tags = json_object_new_object();
	tags_set(tags, &ga);
	json_object_object_add(g, "tags", tags);
	rules = json_object_new_array();
	if (!ga.no_default_egress) {	/* as the kernel gives a new group */
		json_object_array_add(rules, json_object_new_string("egress all to 0.0.0.0/0"));
		json_object_array_add(rules, json_object_new_string("egress all to ::/0"));
	}
	json_object_object_add(g, "rules", rules);
	json_object_array_add(model_groups(b), g);
	return 0;
}

/* a rule of a group other than @g, or an attachment, that names @g */
static const char *group_user(struct batch *b, json_object *g)
{
	json_object *groups = model_groups(b), *atts;
	char peer[300];
	size_t i, j;

	peer_group_text(peer, sizeof(peer), jstr(g, "name"));
	for (i = 0; i < json_object_array_length(groups); i++) {
		json_object *o = json_object_array_get_idx(groups, i);
		json_object *rules = json_object_object_get(o, "rules");

		for (j = 0; o != g && j < json_object_array_length(rules); j++) {
			const char *t = rule_entry_text(json_object_array_get_idx(rules, j));
			size_t n = strlen(t), p = strlen(peer);

			if (n > p && !strcmp(t + n - p, peer) && t[n - p - 1] == ' ')
				return "a rule of another group refers to it";
		}
	}
	atts = json_object_object_get(b->model, "attachments");
	for (i = 0; i < json_object_array_length(atts); i++) {
		json_object *l = json_object_object_get(json_object_array_get_idx(atts, i), "groups");

		for (j = 0; j < json_object_array_length(l); j++)
			if (!strcmp(json_object_get_string(json_object_array_get_idx(l, j)),
				    jstr(g, "name")))
				return "it is attached to an instance";
	}
	return NULL;
}

static int b_group_del(struct batch *b, struct args *a)
{
	const char *ref = next(a), *user;
	json_object *g;
	size_t at;

	if (!ref)
		return usage_err("group del: NAME or ID is required");
	if (peek(a))
		return usage_err("group del: unexpected argument '%s'", peek(a));
	if (!b->model)
		return 0;
	g = group_ref(b, ref, "group del");
	if (!g)
		return 1;
	if (!strcmp(jstr(g, "name"), "default"))
		return refuse(b, "group del: the default group cannot be deleted");
	user = group_user(b, g);
	if (user)
		return refuse(b, "group del: '%s' is in use: %s", ref, user);
	find_group(b, jstr(g, "name"), &at);
	json_object_array_del_idx(model_groups(b), at, 1);
	return 0;
}

static int b_group_set(struct batch *b, struct args *a)
{
	struct group_args ga;
	json_object *g, *tags;
	int err, k;

	err = group_args_parse(a, &ga, true);
	if (err || !b->model)
		return err;
	g = group_ref(b, ga.group, "group set");
	if (!g)
		return 1;
	if (ga.desc)
		json_object_object_add(g, "description", json_object_new_string(ga.desc));
	tags = json_object_object_get(g, "tags");
	if (!tags) {
		tags = json_object_new_object();
		json_object_object_add(g, "tags", tags);
	}
	for (k = 0; k < ga.nuntags; k++)	/* as the kernel: untags, then tags */
		json_object_object_del(tags, ga.untags[k]);
	tags_set(tags, &ga);
	return 0;
}

/* @ra's entries, with its peer group by name, into a new array */
static json_object *rule_words(struct batch *b, const struct rule_args *ra,
			       const char *what)
{
	char peer[300];
	const char *name;
	json_object *out;

	if (ra->peer_group) {
		name = ref_name(b, ra->peer_group);
		if (!name || !find_group(b, name, NULL)) {
			refuse(b, "%s: no peer group '%s'", what, ra->peer_group);
			return NULL;
		}
		peer_group_text(peer, sizeof(peer), name);
	} else {
		sg_cidr_canon(&ra->peer, peer, sizeof(peer));
	}
	out = json_object_new_array();
	rule_entries(ra, peer, ra->desc, out);
	return out;
}

static int b_rule_add(struct batch *b, struct args *a)
{
	const char *ref = next(a);
	struct rule_args ra;
	json_object *g, *add;
	size_t i;
	int err;

	if (!ref)
		return usage_err("rule add: GROUP is required");
	err = rule_parse(a, &ra, "rule add", RULE_DESC | RULE_FLUSH);
	if (err || !b->model)
		return err;
	g = group_ref(b, ref, "rule add");
	add = g ? rule_words(b, &ra, "rule add") : NULL;
	if (!add)
		return 1;
	for (i = 0; i < json_object_array_length(add); i++) {
		json_object *e = json_object_array_get_idx(add, i);

		if (rule_entry_find(list_of(g, "rules"), rule_entry_text(e)) >= 0) {
			err = refuse(b, "rule add: '%s' has the rule '%s'", ref, rule_entry_text(e));
			break;
		}
		json_object_array_add(list_of(g, "rules"), json_object_get(e));
	}
	json_object_put(add);
	if (ra.flush)
		b->flags |= SECGROUP_F_FLUSH;
	return err;
}

/* the words of the kernel's rule sgr-@id of group @g, or NULL */
static const char *rule_by_id(struct batch *b, json_object *g, const char *id,
			      char *text, size_t len)
{
	size_t i;

	for (i = 0; i < json_object_array_length(b->krules); i++) {
		json_object *r = json_object_array_get_idx(b->krules, i);

		if (sg_rule_id(jstr(r, "id")) == sg_rule_id(id) &&
		    !strcmp(ref_name(b, jstr(r, "group")) ?: "", jstr(g, "name"))) {
			rule_kernel_text(r, b->kgroups, text, len);
			return text;
		}
	}
	return NULL;
}

/* rule del GROUP {RULE-ID | words} [flush]; rule set GROUP RULE-ID description TEXT */
static int b_rule_change(struct batch *b, struct args *a, bool set)
{
	const char *what = set ? "rule set" : "rule del", *ref = next(a), *id = NULL;
	const char *desc = NULL;
	char text[SG_RULE_TEXT_MAX];
	struct rule_args ra = { 0 };
	json_object *g, *rules, *del = NULL;
	size_t i;
	int err = 0, k;

	if (!ref)
		return usage_err("%s: GROUP is required", what);
	if (peek(a) && !strncmp(peek(a), "sgr-", 4)) {
		id = next(a);
		if (!sg_rule_id(id))
			return usage_err("%s: bad rule id '%s'", what, id);
		if (set && (!match(a, "description") || !(desc = next(a))))
			return usage_err("%s: 'description TEXT' expected", what);
		if (set && !sg_text_ok(desc))
			return usage_err("%s: %s", what, SG_TEXT_CHARS);
		ra.flush = !set && match(a, "flush");
		if (peek(a))
			return usage_err("%s: unknown argument '%s'", what, peek(a));
	} else if (set) {
		return usage_err("%s: GROUP and a rule id (sgr-...) are required", what);
	} else {
		err = rule_parse(a, &ra, what, RULE_FLUSH);
	}
	if (err || !b->model)
		return err;
	g = group_ref(b, ref, what);
	if (!g)
		return 1;
	rules = list_of(g, "rules");
	if (id && !rule_by_id(b, g, id, text, sizeof(text)))
		return refuse(b, "%s: '%s' has no rule %s", what, ref, id);
	if (!id && !(del = rule_words(b, &ra, what)))
		return 1;
	for (i = 0; !err && i < (del ? json_object_array_length(del) : 1); i++) {
		const char *t = del ? rule_entry_text(json_object_array_get_idx(del, i)) : text;

		k = rule_entry_find(rules, t);
		if (k < 0)
			err = refuse(b, "%s: '%s' has no rule '%s'", what, ref, t);
		else if (set)	/* an empty description: none */
			json_object_array_put_idx(rules, k, rule_entry(t, desc));
		else
			json_object_array_del_idx(rules, k, 1);
	}
	json_object_put(del);
	if (ra.flush)
		b->flags |= SECGROUP_F_FLUSH;
	return err;
}

/* member {add|del} GROUP ADDR [flush] */
static int b_member(struct batch *b, struct args *a, bool add)
{
	char buf[INET6_ADDRSTRLEN];
	struct member_args ma;
	json_object *g, *list;
	const char *ref;
	size_t i;
	int err;

	err = member_parse(a, add, &ma);
	if (err || !b->model)
		return err;
	ref = ma.group;
	g = group_ref(b, ref, "member");
	if (!g)
		return 1;
	sg_format_ip(ma.ip.family, &ma.ip.v4, buf, sizeof(buf));
	list = list_of(g, "members");
	for (i = 0; i < json_object_array_length(list); i++)
		if (!strcmp(json_object_get_string(json_object_array_get_idx(list, i)), buf))
			break;
	if (add && i < json_object_array_length(list))
		return refuse(b, "member add: %s is already a member of '%s'", buf, ref);
	if (!add && i == json_object_array_length(list))
		return refuse(b, "member del: %s is not a remote member of '%s'", buf, ref);
	if (add)
		json_object_array_add(list, json_object_new_string(buf));
	else
		json_object_array_del_idx(list, i, 1);
	if (ma.flush)
		b->flags |= SECGROUP_F_FLUSH;
	return 0;
}

/* the index of @kind @name's attachment in the batch's configuration, or -1 */
static int find_attach(struct batch *b, const char *kind, const char *name)
{
	json_object *atts = json_object_object_get(b->model, "attachments");
	uint64_t key = instance_key(kind, name);
	size_t i;

	for (i = 0; key && i < json_object_array_length(atts); i++) {
		json_object *at = json_object_array_get_idx(atts, i);
		const char *n = jstr(at, kind);

		if (n && instance_key(kind, n) == key)
			return i;
	}
	return -1;
}

/* attach's groups (by name) and addresses (canonical) into @o */
static int attach_lists(struct batch *b, const struct attach_args *at, json_object *o)
{
	json_object *groups = json_object_new_array(), *addrs = json_object_new_array();
	char buf[INET6_ADDRSTRLEN];
	const char *name;
	int k, err = 0;

	json_object_object_add(o, "groups", groups);
	json_object_object_add(o, "addrs", addrs);
	for (k = 0; !err && k < at->ngroups; k++) {
		name = ref_name(b, at->groups[k]);
		if (!name || !find_group(b, name, NULL))
			err = refuse(b, "attach: no group '%s'", at->groups[k]);
		else if (rule_entry_find(groups, name) >= 0)
			err = refuse(b, "attach: group '%s' listed twice", at->groups[k]);
		else
			json_object_array_add(groups, json_object_new_string(name));
	}
	for (k = 0; !err && k < at->naddrs; k++) {
		sg_format_ip(at->addrs[k].family, &at->addrs[k].v4, buf, sizeof(buf));
		if (rule_entry_find(addrs, buf) >= 0)
			err = refuse(b, "attach: address %s listed twice", buf);
		else
			json_object_array_add(addrs, json_object_new_string(buf));
	}
	if (!json_object_array_length(groups))
		json_object_array_add(groups, json_object_new_string("default"));
	return err;
}

/* attach {dev IFNAME | cgroup PATH} ...: replaces the instance's attachment */
static int b_attach(struct batch *b, struct args *a)
{
	const char *kind = next(a), *name = next(a);
	struct attach_args at;
	json_object *atts, *o;
	int err, i;

	if (!kind || !name || (strcmp(kind, "dev") && strcmp(kind, "cgroup")))
		return usage_err("attach: 'dev IFNAME' or 'cgroup PATH' expected");
	err = attach_parse(a, &at);
	if (err || !b->model)
		return err;
	if (!instance_key(kind, name))
		return refuse(b, "attach: no %s '%s'", strcmp(kind, "dev") ? "cgroup" : "device",
			      name);
	o = json_object_new_object();
	json_object_object_add(o, kind, json_object_new_string(name));
	if (at.flags & SECGROUP_ATTACH_F_FLOWLOG)
		json_object_object_add(o, "flowlog", json_object_new_boolean(1));
	err = attach_lists(b, &at, o);
	if (err) {
		json_object_put(o);
		return err;
	}
	b->attachments = true;
	atts = list_of(b->model, "attachments");
	i = find_attach(b, kind, name);
	if (i >= 0)
		json_object_array_put_idx(atts, i, o);
	else
		json_object_array_add(atts, o);
	if (at.flush)
		b->flags |= SECGROUP_F_FLUSH;
	return 0;
}

static int b_detach(struct batch *b, struct args *a)
{
	const char *kind = next(a), *name = next(a);
	int i;

	if (!kind || !name || (strcmp(kind, "dev") && strcmp(kind, "cgroup")))
		return usage_err("detach: 'dev IFNAME' or 'cgroup PATH' expected");
	if (peek(a))
		return usage_err("detach: unknown argument '%s'", peek(a));
	if (!b->model)
		return 0;
	i = find_attach(b, kind, name);
	if (i < 0)
		return refuse(b, "detach: %s '%s' is not attached", kind, name);
	json_object_array_del_idx(json_object_object_get(b->model, "attachments"), i, 1);
	b->attachments = true;
	return 0;
}

static int b_rule_del(struct batch *b, struct args *a) { return b_rule_change(b, a, false); }
static int b_rule_set(struct batch *b, struct args *a) { return b_rule_change(b, a, true); }
static int b_member_add(struct batch *b, struct args *a) { return b_member(b, a, true); }
static int b_member_del(struct batch *b, struct args *a) { return b_member(b, a, false); }

/* the commands a batch holds: the changes */
static const struct {
	const char *obj, *cmd;		/* cmd NULL: the object is the command */
	int (*change)(struct batch *b, struct args *a);
} changes[] = {
	{ "group", "add", b_group_add },
	{ "group", "del", b_group_del },
	{ "group", "set", b_group_set },
	{ "rule", "add", b_rule_add },
	{ "rule", "del", b_rule_del },
	{ "rule", "set", b_rule_set },
	{ "member", "add", b_member_add },
	{ "member", "del", b_member_del },
	{ "attach", NULL, b_attach },
	{ "detach", NULL, b_detach },
};

/* one line's change; a command that is not a change is a usage error */
static int b_line(struct batch *b, int argc, char **argv)
{
	struct args a = { argc, argv };
	const char *obj = next(&a), *cmd = peek(&a);
	size_t i;

	for (i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
		if (strcmp(obj, changes[i].obj))
			continue;
		if (!changes[i].cmd)
			return changes[i].change(b, &a);
		if (cmd && !strcmp(canon_cmd(cmd), changes[i].cmd)) {
			next(&a);
			return changes[i].change(b, &a);
		}
	}
	return usage_err("'%s%s%s' is not a change: a batch holds group, rule and member "
			 "add|del|set, attach and detach (-b FILE --continue runs any command)",
			 obj, cmd ? " " : "", cmd ?: "");
}

/*
 * One change (group, rule or member add|del|set, words as on the command
 * line) made to @model, a configuration without ids or attachments (a
 * VPC's definition in etcd: vpc.c); with @model NULL, only the words are
 * read.  0, or the exit status with the fault told.
 */
int batch_edit(json_object *model, int argc, char **argv)
{
	json_object *none = json_object_new_array();
	struct batch b = { .file = "etcd", .model = model,
			   .kgroups = none, .krules = none };
	int err;

	if (argc && (!strcmp(argv[0], "attach") || !strcmp(argv[0], "detach")))
		err = usage_err("--etcd: attachments are each host's, not the VPC's");
	else
		err = b_line(&b, argc, argv);
	json_object_put(none);
	return err;
}

/* A batch's lines, split into words. */
struct lines {
	char **buf;		/* each line, split in place */
	char ***argv;
	int *argc, n;
};

static void lines_free(struct lines *l)
{
	int i;

	for (i = 0; i < l->n; i++) {
		free(l->buf[i]);
		free(l->argv[i]);
	}
	free(l->buf);
	free(l->argv);
	free(l->argc);
}

/* @f's lines into @l; 0, or the exit status with the problem told */
static int lines_read(FILE *f, const char *file, struct lines *l)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	int err = 0;

	while (!err && (len = getline(&line, &cap, f)) >= 0) {
		size_t max = strlen(line) / 2 + 1;	/* words and their spaces */
		int n = l->n++;

		if ((size_t)len != strlen(line)) {
			fprintf(stderr, "sgnl: %s:%d: a NUL byte\n", file, l->n);
			err = EXIT_USAGE;
			break;
		}

		if (!(n & (n - 1))) {	/* 0, 1, 2, 4...: room for twice as many */
			l->buf = realloc(l->buf, 2 * (n + 1) * sizeof(*l->buf));
			l->argv = realloc(l->argv, 2 * (n + 1) * sizeof(*l->argv));
			l->argc = realloc(l->argc, 2 * (n + 1) * sizeof(*l->argc));
			if (!l->buf || !l->argv || !l->argc) {
				fprintf(stderr, "sgnl: %s: out of memory\n", file);
				exit(1);
			}
		}
		l->buf[n] = strdup(line);
		l->argv[n] = calloc(max + 1, sizeof(char *));
		if (!l->buf[n] || !l->argv[n]) {
			fprintf(stderr, "sgnl: %s: out of memory\n", file);
			exit(1);
		}
		l->argc[n] = split_words(l->buf[n], l->argv[n], max);
		if (l->argc[n] < 0) {
			fprintf(stderr, "sgnl: %s:%d: unbalanced quote\n", file, l->n);
			err = EXIT_USAGE;
		}
	}
	if (!err && ferror(f)) {
		fprintf(stderr, "sgnl: %s: %s\n", file, strerror(errno));
		err = 1;
	}
	free(line);
	return err;
}

/* every line through b_line: words only (no model), or changes */
static int b_pass(struct batch *b, struct lines *l)
{
	int i, err = 0;

	for (i = 0; !err && i < l->n; i++) {
		b->line = i + 1;
		if (!l->argc[i])
			continue;
		err = b_line(b, l->argc[i], l->argv[i]);
		if (err == EXIT_USAGE)
			fprintf(stderr, "sgnl: %s:%d: nothing was sent\n", b->file, b->line);
	}
	return err;
}

/*
 * The lines made to the configuration as read, sent only if nothing
 * changed it since (its generation): or -EAGAIN, to read it again.
 */
static int atomic_once(const char *file, struct lines *l)
{
	struct batch b = { .file = file };
	uint32_t gen;
	int err;

	b.kgroups = groups_fetch();
	gen = groups_gen;
	b.krules = b.kgroups ? rules_fetch(0) : NULL;
	b.model = b.krules ? config_fetch() : NULL;
	if (!b.model)	/* a dump that a change cut: read again */
		err = sg_nl_last_err == -EAGAIN ? -EAGAIN : nl_err("batch", -EIO);
	else
		err = b_pass(&b, l);
	/* no attach or detach: the replace leaves every attachment as it is,
	 * one that a runtime makes meanwhile too */
	if (!err && !b.attachments)
		json_object_object_del(b.model, "attachments");
	if (!err)
		err = config_apply(b.model, file, b.flags, gen, "batch");
	json_object_put(b.model);
	json_object_put(b.krules);
	json_object_put(b.kgroups);
	return err;
}

/* reads a batch may take while other writers change the configuration */
#define BATCH_TRIES 20

static int atomic(const char *file, struct lines *l)
{
	struct batch b = { .file = file };
	int err, i;

	err = b_pass(&b, l);	/* usage errors: without the kernel */
	for (i = 0; !err && i < l->n && !l->argc[i]; i++)
		;
	if (err || i == l->n)	/* nothing to change */
		return err;
	/* another change came between the read and the replace: again,
	 * after a pause of 1 to 2^i ms (at most 128), out of step with the
	 * other writer */
	srand(getpid());
	for (i = 0; i < BATCH_TRIES; i++) {
		err = atomic_once(file, l);
		if (err != -EAGAIN)
			return err;
		usleep(1000 * (1 + rand() % (1 << (i < 7 ? i : 7))));
	}
	return nl_err("batch", -EAGAIN);
}

/* the old way: each line as it is read, failures told, the rest still run */
static int one_by_one(const char *file, struct lines *l)
{
	int i, err, first = 0;

	for (i = 0; i < l->n; i++) {
		if (!l->argc[i])
			continue;
		err = run(l->argc[i], l->argv[i]);
		if (err) {
			fprintf(stderr, "sgnl: %s:%d: command failed\n", file, i + 1);
			first = first ?: err;
		}
	}
	return first;
}

int batch(const char *file, bool continue_on_error)
{
	FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
	struct lines l = { 0 };
	int err;

	if (!f) {	/* an input error, as apply's: nothing sent */
		fprintf(stderr, "sgnl: %s: %s\n", file, strerror(errno));
		return EXIT_USAGE;
	}
	err = lines_read(f, file, &l);
	if (f != stdin)
		fclose(f);
	if (!err)
		err = continue_on_error ? one_by_one(file, &l) : atomic(file, &l);
	lines_free(&l);
	return err;
}
