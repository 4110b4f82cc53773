/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SGNL_H
#define SGNL_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

#include "nl.h"
#include "parse.h"

/* exit status: 0 done, 1 the kernel refused or the system failed */
#define EXIT_USAGE 2		/* a usage or input error: nothing was sent */
#define EXIT_FINDINGS 3		/* audit: findings at or above fail-on */

struct sg_opts {
	bool json;
	bool pretty;
	bool numeric;
	bool timestamp;		/* -t: monitor's lines start with the time */
};
extern struct sg_opts opts;

/* Report a usage error naming the argument; returns EXIT_USAGE. */
int usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* what the last usage_err() returned: EXIT_USAGE, or HELP_SHOWN */
int usage_err_status(void);
/* a usage error that printed the command's help instead ("... help"):
 * nothing is sent, and sgnl exits 0 */
#define HELP_SHOWN 100
/* Report a failed request with the kernel's message; returns 1. */
int nl_err(const char *what, int err);

/* Arguments as a cursor. */
struct args {
	int argc;
	char **argv;
};
static inline const char *peek(struct args *a) { return a->argc ? a->argv[0] : NULL; }
static inline const char *next(struct args *a) { return a->argc ? (a->argc--, *a->argv++) : NULL; }
bool match(struct args *a, const char *word);
/* a command's canonical name: create is add, delete del, ls list */
const char *canon_cmd(const char *c);
/* Split @line into words in place; "..." and '...' quote; -1: too many. */
int split_words(char *line, char **argv, int max);

/* Groups: resolve NAME|ID to an id, fetch them all as JSON. */
int group_resolve(const char *s, uint32_t *id);
json_object *groups_fetch(void);		/* array, creation order */
json_object *rules_fetch(uint32_t group);	/* array; 0: every group */
/* every remote member (of @group; 0: all) through @fn: 0 or -errno */
int members_fetch(uint32_t group, void (*fn)(uint32_t group, const struct sg_ip *ip, void *arg),
		  void *arg);
json_object *attach_fetch(void);
const char *group_name(json_object *groups, uint32_t id);
/* "sg-%08x": the text of a group id, until the next call */
const char *sg_id(uint32_t id);
void print_json(json_object *o);
/* @s with control bytes escaped, for text output (four at a time) */
const char *safe(const char *s);
static inline json_object *jget(json_object *o, const char *k)
{
	return json_object_object_get(o, k);
}
/* The string value of key @k of @o, or NULL (json.c). */
const char *jstr(json_object *o, const char *k);
/* The element of array @arr whose member @k is the string @v, or NULL;
 * its index in @at if not NULL */
json_object *jfind(json_object *arr, const char *k, const char *v, size_t *at);
int instance_put(struct nl_msg *m, const char *kind, const char *name,
		 const char *what, int *fd);
int put_group_ref(struct nl_msg *m, int attr, const char *s);
void cgroup_path(const char *name, char *path, size_t len);
uint64_t instance_key(const char *kind, const char *name);
/* member add|del's words after the command (attach.c) */
struct member_args {
	const char *group;
	struct sg_ip ip;
	bool flush;
};
int member_parse(struct args *a, bool add, struct member_args *ma);
/* attach's words after the instance (attach.c) */
struct attach_args {
	const char *groups[SECGROUP_ATTACH_GROUPS_MAX];
	struct sg_ip addrs[SECGROUP_ATTACH_ADDRS_MAX + 1];	/* + the one refused */
	int ngroups, naddrs;
	bool has_mac;
	uint8_t mac[6];
	uint32_t flags;		/* SECGROUP_ATTACH_F_* */
	bool flush;
};
int attach_parse(struct args *a, struct attach_args *at);

/* the commands (the table in sgnl.c runs them) */
int group_add(struct args *a);
int group_del(struct args *a);
int group_set(struct args *a);
int group_list(struct args *a);
int group_show(struct args *a);
int rule_add(struct args *a);
int rule_del(struct args *a);
int rule_set(struct args *a);
int rule_list(struct args *a);
int member_add(struct args *a);
int member_del(struct args *a);
int member_list(struct args *a);
int cmd_attach(struct args *a);
int cmd_detach(struct args *a);
int cmd_stats(struct args *a);
int cmd_monitor(struct args *a);
int cmd_audit(struct args *a);

/* A rule as its words give it (rule.c). */
struct rule_args {
	uint8_t dir;
	struct sg_proto proto;
	bool ports, type, code;
	uint16_t pmin, pmax;
	uint8_t itype, icode;
	struct sg_ip peer;
	const char *peer_group;
	const char *desc;
	bool flush;
};
#define RULE_DESC	1	/* "description TEXT" allowed */
#define RULE_FLUSH	2	/* "flush" allowed */
int rule_parse(struct args *a, struct rule_args *ra, const char *what, int allow);
int rule_put(struct nl_msg *m, const struct rule_args *ra, int k, bool by_name);
int rule_nprotos(const struct rule_args *ra);
void peer_group_text(char *buf, size_t len, const char *name);
/* "sgr-1234abcd" (hex, either case) -> its id; 0 if it is not one */
uint32_t sg_rule_id(const char *s);
/* room for a rule's canonical words: a quoted 255-byte group name and all */
#define SG_RULE_TEXT_MAX 1024
void rule_canon(char *buf, size_t len, uint8_t dir, const char *proto,
		const char *port, int type, int code, const char *peer);

/* group add/set's words (group.c) */
struct group_args {
	const char *group;		/* add: NAME; set: NAME|ID */
	const char *desc;		/* NULL: not given */
	const char *tags[SECGROUP_TAGS_MAX];	/* "KEY=VALUE" */
	const char *untags[SECGROUP_TAGS_MAX];
	int ntags, nuntags;
	bool no_default_egress;
};
int group_args_parse(struct args *a, struct group_args *ga, bool set);

int cmd_save(struct args *a);
int cmd_apply(struct args *a);
/* sgnl __complete WORDS... (complete.c): what may follow, for bash */
int complete(int argc, char **argv);
void complete_add(const char *w, void *o);
void sg_complete_table(int argc, char **argv,
		       void (*fn)(const char *text, int n, char **words, void *o), void *o);
/* sgnl -b FILE (batch.c): all or nothing, or (@continue_on_error) each
 * line on its own */
int batch(const char *file, bool continue_on_error);
/* vpc.c, sync.c: a VPC's definition in etcd, and the agent */
int etcd_command(const char *url, const char *vpc, int argc, char **argv);
int cmd_sync(struct args *a);
int run(int argc, char **argv);

/* json of one rule nest, and its text form */
json_object *rule_json(struct nlattr *nest);
void rule_text(json_object *r, json_object *groups, const char *indent);

#endif
