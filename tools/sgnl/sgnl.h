/* SPDX-License-Identifier: GPL-2.0 */
#ifndef SGNL_H
#define SGNL_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

#include "nl.h"
#include "parse.h"

#define EXIT_USAGE 2

struct sg_opts {
	bool json;
	bool pretty;
	bool numeric;
};
extern struct sg_opts opts;

/* Report a usage error naming the argument; returns EXIT_USAGE. */
int usage_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
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

/* Groups: resolve NAME|ID to an id, fetch them all as JSON. */
int group_resolve(const char *s, uint32_t *id);
json_object *groups_fetch(void);		/* array, creation order */
json_object *rules_fetch(uint32_t group);	/* array; 0: every group */
json_object *attach_fetch(void);
const char *group_name(json_object *groups, uint32_t id);
void print_json(json_object *o);
int put_group_ref(struct nl_msg *m, int attr, const char *s);

int cmd_group(struct args *a);
int cmd_rule(struct args *a);
int cmd_attach(struct args *a);
int cmd_detach(struct args *a);
int cmd_member(struct args *a);
int cmd_stats(struct args *a);
int cmd_monitor(struct args *a);
int cmd_audit(struct args *a);

/* json of one rule nest, and its text form */
json_object *rule_json(struct nlattr *nest);
void rule_text(json_object *r, json_object *groups, const char *indent);

#endif
