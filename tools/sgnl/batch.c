// SPDX-License-Identifier: GPL-2.0
/*
 * sgnl -b FILE: the changes of FILE, one command per line, all or nothing
 * (as nft -f).
 *
 * Every line is read and checked before anything is asked of the kernel:
 * a usage error anywhere sends nothing.  Then each change is made, in
 * order, to the configuration read from the kernel (config.h's model) and
 * the result goes to the kernel as one CONFIG_REPLACE, which takes all of
 * it or none.  Groups keep their ids, rules their ids and counters
 * (kmod/replace.c); a line that could not be made (no such group, a rule
 * that exists) fails the batch before it is sent.  "flush" on any line
 * flushes, once the batch is in force, every connection it no longer
 * allows.  Attachments are sent only if a line attaches or detaches (the
 * replace then lists them all); without, the kernel keeps every attachment
 * as it is.  The replace names the generation it was read at: if another
 * client changed the configuration meanwhile, the kernel refuses it and
 * the batch is made again from a new read.
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
	struct conf *c;		/* NULL: the first pass, words only */
	struct conf *k;		/* the configuration as read: its ids */
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

/* the group @ref (NAME, or the sg-ID the kernel gave it) of the batch's
 * configuration, or NULL.  An id names the group that had it when the
 * batch read the kernel: deleted and added again by the batch, it is the
 * group of that name (the replace gives it the same id). */
static struct conf_group *find_ref(struct batch *b, const char *ref)
{
	uint32_t id = sg_parse_group_id(ref);
	const struct conf_group *k;

	if (!id)
		return conf_group(b->c, ref);
	k = b->k ? conf_group_by_id(b->k, id) : NULL;
	return k ? conf_group(b->c, k->name) : NULL;
}

/* the same, or NULL told */
static struct conf_group *group_ref(struct batch *b, const char *ref, const char *what)
{
	struct conf_group *g = find_ref(b, ref);

	if (!g)
		refuse(b, "%s: no group '%s'", what, ref);
	return g;
}

/* ---- the changes ---- */

/* @ga's KEY=VALUE tags into @g */
static void tags_set(struct conf_group *g, const struct group_args *ga)
{
	char key[SECGROUP_TAG_KEY_MAX + 1];
	const char *eq;
	int k;

	for (k = 0; k < ga->ntags; k++) {
		eq = strchr(ga->tags[k], '=');
		snprintf(key, sizeof(key), "%.*s", (int)(eq - ga->tags[k]), ga->tags[k]);
		conf_tag_set(g, key, eq + 1);
	}
}

static int b_group_add(struct batch *b, struct args *a)
{
	struct conf_group *g;
	struct group_args ga;
	int err;

	err = group_args_parse(a, &ga, false);
	if (err || !b->c)
		return err;
	if (conf_group(b->c, ga.group))
		return refuse(b, "group add: a group named '%s' exists", ga.group);
	g = conf_group_add(b->c, ga.group, ga.desc ?: "");
	tags_set(g, &ga);
	if (!ga.no_default_egress)	/* as the kernel gives a new group */
		conf_default_rules(g);
	return 0;
}

static int b_group_del(struct batch *b, struct args *a)
{
	const char *ref = next(a), *user;
	struct conf_group *g;

	if (!ref)
		return usage_err("group del: NAME or ID is required");
	if (peek(a))
		return usage_err("group del: unexpected argument '%s'", peek(a));
	if (!b->c)
		return 0;
	g = group_ref(b, ref, "group del");
	if (!g)
		return 1;
	if (!strcmp(g->name, "default"))
		return refuse(b, "group del: the default group cannot be deleted");
	user = conf_group_user(b->c, g);
	if (user)
		return refuse(b, "group del: '%s' is in use: %s", ref, user);
	conf_group_del(b->c, g);
	return 0;
}

static int b_group_set(struct batch *b, struct args *a)
{
	struct conf_group *g;
	struct group_args ga;
	int err, k;

	err = group_args_parse(a, &ga, true);
	if (err || !b->c)
		return err;
	g = group_ref(b, ga.group, "group set");
	if (!g)
		return 1;
	if (ga.desc)
		conf_group_set_desc(g, ga.desc);
	for (k = 0; k < ga.nuntags; k++)	/* as the kernel: untags, then tags */
		conf_tag_del(g, ga.untags[k]);
	tags_set(g, &ga);
	return 0;
}

/* the rules @ra stands for, its peer group by name, into @out: how
 * many, or -1 told */
static int rules_of(struct batch *b, const struct rule_args *ra, const char *what,
		    struct conf_rule out[2])
{
	const struct conf_group *peer = NULL;

	if (ra->peer_group) {
		peer = find_ref(b, ra->peer_group);
		if (!peer) {
			refuse(b, "%s: no peer group '%s'", what, ra->peer_group);
			return -1;
		}
	}
	return conf_rules_of(ra, peer ? peer->name : NULL, ra->desc, out);
}

static int b_rule_add(struct batch *b, struct args *a)
{
	const char *ref = next(a);
	char text[SG_RULE_TEXT_MAX];
	struct conf_rule add[2];
	struct conf_group *g;
	struct rule_args ra;
	int err, k, n;

	if (!ref)
		return usage_err("rule add: GROUP is required");
	err = rule_parse(a, &ra, "rule add", RULE_DESC | RULE_FLUSH);
	if (err || !b->c)
		return err;
	g = group_ref(b, ref, "rule add");
	n = g ? rules_of(b, &ra, "rule add", add) : -1;
	if (n < 0)
		return 1;
	for (k = 0; k < n; k++) {
		if (!err && conf_rule_find(g, &add[k]) >= 0) {
			conf_rule_text(&add[k], text, sizeof(text));
			err = refuse(b, "rule add: '%s' has the rule '%s'", ref, text);
		} else if (!err) {
			conf_rule_add(g, &add[k]);
		}
		conf_rule_clear(&add[k]);
	}
	if (ra.flush)
		b->flags |= SECGROUP_F_FLUSH;
	return err;
}

/* the index in @g of the rule that was sgr-@id of its group when the
 * batch read the kernel (deleted and added again since: the same rule,
 * which the replace gives the same id), or -1 */
static int rule_by_id(struct batch *b, const struct conf_group *g, const char *id)
{
	const struct conf_group *k = b->k ? conf_group(b->k, g->name) : NULL;
	size_t i;

	for (i = 0; k && i < k->nrules; i++)
		if (k->rules[i].id == sg_rule_id(id))
			return conf_rule_find(g, &k->rules[i]);
	return -1;
}

/* rule del GROUP {RULE-ID | words} [flush]; rule set GROUP RULE-ID description TEXT */
static int b_rule_change(struct batch *b, struct args *a, bool set)
{
	const char *what = set ? "rule set" : "rule del", *ref = next(a), *id = NULL;
	const char *desc = NULL;
	char text[SG_RULE_TEXT_MAX];
	struct rule_args ra = { 0 };
	struct conf_rule del[2];
	struct conf_group *g;
	int err = 0, k, i, n;

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
	if (err || !b->c)
		return err;
	g = group_ref(b, ref, what);
	if (!g)
		return 1;
	if (id) {
		k = rule_by_id(b, g, id);
		if (k < 0)
			return refuse(b, "%s: '%s' has no rule %s", what, ref, id);
		if (set)	/* an empty description: none */
			conf_rule_set_desc(&g->rules[k], desc);
		else
			conf_rule_del(g, k);
	} else {
		n = rules_of(b, &ra, what, del);
		if (n < 0)
			return 1;
		for (i = 0; i < n; i++) {
			k = err ? -1 : conf_rule_find(g, &del[i]);
			if (!err && k < 0) {
				conf_rule_text(&del[i], text, sizeof(text));
				err = refuse(b, "%s: '%s' has no rule '%s'", what, ref, text);
			} else if (!err) {
				conf_rule_del(g, k);
			}
			conf_rule_clear(&del[i]);
		}
	}
	if (ra.flush)
		b->flags |= SECGROUP_F_FLUSH;
	return err;
}

/* member {add|del} GROUP ADDR [flush] */
static int b_member(struct batch *b, struct args *a, bool add)
{
	char buf[INET6_ADDRSTRLEN];
	struct member_args ma;
	struct conf_group *g;
	int err, k;

	err = member_parse(a, add, &ma);
	if (err || !b->c)
		return err;
	g = group_ref(b, ma.group, "member");
	if (!g)
		return 1;
	k = conf_member_find(g, &ma.ip);
	if (add == (k >= 0)) {
		sg_format_ip(ma.ip.family, &ma.ip.v4, buf, sizeof(buf));
		return refuse(b, add ? "member add: %s is already a member of '%s'" :
			      "member del: %s is not a remote member of '%s'", buf, ma.group);
	}
	if (add)
		conf_member_add(g, &ma.ip);
	else
		conf_member_del(g, k);
	if (ma.flush)
		b->flags |= SECGROUP_F_FLUSH;
	return 0;
}

/* attach's groups (by name), addresses and flow log into @to */
static int attach_lists(struct batch *b, const struct attach_args *at,
			struct conf_attach *to)
{
	const struct conf_group *g;
	char buf[INET6_ADDRSTRLEN];
	size_t j;
	int k;

	for (k = 0; k < at->ngroups; k++) {
		g = find_ref(b, at->groups[k]);
		if (!g)
			return refuse(b, "attach: no group '%s'", at->groups[k]);
		for (j = 0; j < to->ngroups && strcmp(to->groups[j], g->name); j++)
			;
		if (j < to->ngroups)
			return refuse(b, "attach: group '%s' listed twice", at->groups[k]);
		conf_attach_add_group(to, g->name);
	}
	for (k = 0; k < at->naddrs; k++) {
		sg_format_ip(at->addrs[k].family, &at->addrs[k].v4, buf, sizeof(buf));
		if (conf_addr_find(to, &at->addrs[k]) >= 0)
			return refuse(b, "attach: address %s listed twice", buf);
		conf_attach_add_addr(to, &at->addrs[k]);
	}
	if (!to->ngroups)
		conf_attach_add_group(to, "default");
	to->flowlog = at->flags & SECGROUP_ATTACH_F_FLOWLOG;
	to->has_mac = at->has_mac;
	memcpy(to->mac, at->mac, sizeof(to->mac));
	return 0;
}

/* attach {dev IFNAME | cgroup PATH} ...: replaces the instance's attachment */
static int b_attach(struct batch *b, struct args *a)
{
	const char *kind = next(a), *name = next(a);
	struct conf_attach *to, new = { 0 };
	struct attach_args at;
	bool cgroup;
	int err;

	if (!kind || !name || (strcmp(kind, "dev") && strcmp(kind, "cgroup")))
		return usage_err("attach: 'dev IFNAME' or 'cgroup PATH' expected");
	err = attach_parse(a, &at);
	if (err || !b->c)
		return err;
	cgroup = !strcmp(kind, "cgroup");
	if (!instance_key(kind, name))
		return refuse(b, "attach: no %s '%s'", cgroup ? "cgroup" : "device", name);
	err = attach_lists(b, &at, &new);
	if (!err) {
		to = conf_attach_find(b->c, cgroup, name) ?: conf_attach_add(b->c, cgroup, name);
		conf_attach_clear(to);
		to->groups = new.groups;
		to->ngroups = new.ngroups;
		to->addrs = new.addrs;
		to->naddrs = new.naddrs;
		to->flowlog = new.flowlog;
		to->has_mac = new.has_mac;
		memcpy(to->mac, new.mac, sizeof(to->mac));
		b->attachments = true;
	} else {
		conf_attach_clear(&new);
	}
	if (!err && at.flush)
		b->flags |= SECGROUP_F_FLUSH;
	return err;
}

static int b_detach(struct batch *b, struct args *a)
{
	const char *kind = next(a), *name = next(a);
	struct conf_attach *at;

	if (!kind || !name || (strcmp(kind, "dev") && strcmp(kind, "cgroup")))
		return usage_err("detach: 'dev IFNAME' or 'cgroup PATH' expected");
	if (peek(a))
		return usage_err("detach: unknown argument '%s'", peek(a));
	if (!b->c)
		return 0;
	at = conf_attach_find(b->c, !strcmp(kind, "cgroup"), name);
	if (!at)
		return refuse(b, "detach: %s '%s' is not attached", kind, name);
	conf_attach_del(b->c, at);
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

int batch_edit(struct conf *c, int argc, char **argv)
{
	struct batch b = { .file = "etcd", .c = c };

	if (argc && (!strcmp(argv[0], "attach") || !strcmp(argv[0], "detach")))
		return usage_err("--etcd: attachments are each host's, not the VPC's");
	return b_line(&b, argc, argv);
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

	b.c = config_fetch(&gen);
	if (!b.c)	/* a dump that a change cut: read again */
		return sg_nl_last_err == -EAGAIN ? -EAGAIN : nl_err("batch", -EIO);
	b.k = conf_dup(b.c);
	err = b_pass(&b, l);
	/* no attach or detach: the replace leaves every attachment as it is,
	 * one that a runtime makes meanwhile too */
	if (!b.attachments)
		b.c->has_attachments = false;
	if (!err)
		err = config_send(b.c, b.flags, gen, "batch");
	conf_free(b.c);
	conf_free(b.k);
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
