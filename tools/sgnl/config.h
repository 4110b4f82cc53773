/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sgnl's configuration model: typed, read once from a file
 * (Documentation/apply-format.md) or from the kernel, and used as it is
 * by every part that follows:
 *   model.c    the model's structures and their changes
 *   fetch.c    the kernel's state as a model
 *   read.c     a file into a model, strictly checked
 *   save.c     a model written out, in a stable order
 *   diff.c     the changes between two models (dry-run)
 *   replace.c  a model as one CONFIG_REPLACE request
 *   apply.c, batch.c, vpc.c, sync.c   the commands that use them
 */
#ifndef SGNL_CONFIG_H
#define SGNL_CONFIG_H

#include <stdio.h>

#include "sgnl.h"

#define CONFIG_VERSION	1
#define CONFIG_MSG_MAX	(64 << 20)	/* bytes of one replace request: a million
					 * IPv6 members take 32 MiB */

/* One rule: one protocol (a service such as dns is two rules). */
struct conf_rule {
	uint32_t id;			/* the kernel's; 0: not in the kernel yet */
	uint8_t dir;			/* SECGROUP_INGRESS, SECGROUP_EGRESS */
	bool all;			/* every protocol; @proto unused */
	uint8_t proto;
	bool ports, type, code;		/* ports: not the whole range */
	uint16_t pmin, pmax;
	uint8_t itype, icode;
	struct sg_ip peer;		/* @peer_group NULL: host bits clear */
	char *peer_group;		/* the peer group's name, or NULL */
	char *desc;			/* "" when it has none */
};

struct conf_tag {
	char *key, *value;
};

struct conf_group {
	uint32_t id;			/* the kernel's; 0 from a file */
	char *name, *desc;
	struct conf_tag *tags;		/* in the order given */
	size_t ntags;
	struct sg_ip *members;		/* remote members, host addresses */
	size_t nmembers;
	struct member_index *idx;	/* members by address (model.c) */
	struct conf_rule *rules;	/* ingress rules, then egress ones */
	size_t nrules;
};

struct conf_attach {
	bool cgroup;			/* @name is a cgroup path, or a device */
	char *name;
	char **groups;			/* names, in order */
	size_t ngroups;
	struct sg_ip *addrs;
	size_t naddrs;
	bool has_mac;			/* false: the kernel's default (a veth's peer's) */
	uint8_t mac[6];
	bool flowlog;
};

struct conf {
	struct conf_group *groups;	/* in order */
	size_t ngroups;
	bool has_attachments;		/* false: attachments are left alone */
	struct conf_attach *atts;
	size_t natts;
};

/* model.c: every function that adds exits on a failed allocation */
struct conf *conf_new(void);
void conf_free(struct conf *c);
struct conf *conf_dup(const struct conf *c);	/* groups, ids and all */
struct conf_group *conf_group(const struct conf *c, const char *name);
struct conf_group *conf_group_by_id(const struct conf *c, uint32_t id);
struct conf_group *conf_group_add(struct conf *c, const char *name, const char *desc);
void conf_group_del(struct conf *c, struct conf_group *g);
void conf_group_set_desc(struct conf_group *g, const char *desc);
void conf_tag_set(struct conf_group *g, const char *key, const char *value);
void conf_tag_del(struct conf_group *g, const char *key);
const char *conf_tag(const struct conf_group *g, const char *key);
bool conf_tags_equal(const struct conf_group *a, const struct conf_group *b);
/* the rules the kernel gives a new group (egress to all; "default":
 * ingress from itself too) */
void conf_default_rules(struct conf_group *g);

/* the rules @ra stands for (a service may be two) with the peer group
 * by its name @peer_group: into @out; how many */
int conf_rules_of(const struct rule_args *ra, const char *peer_group,
		  const char *desc, struct conf_rule out[2]);
/* the same rule: every field but the id and the description */
bool conf_rule_same(const struct conf_rule *a, const struct conf_rule *b);
/* the index in @g of the rule that is @r's same, or -1 */
int conf_rule_find(const struct conf_group *g, const struct conf_rule *r);
/* @r (its strings copied) appended to @g's rules in the kernel's order */
void conf_rule_add(struct conf_group *g, const struct conf_rule *r);
void conf_rule_del(struct conf_group *g, size_t i);
void conf_rule_clear(struct conf_rule *r);	/* its strings freed */
void conf_rule_set_desc(struct conf_rule *r, const char *desc);
/* @r as a command line's words, canonical: "ingress tcp port 22 from ..." */
void conf_rule_text(const struct conf_rule *r, char *buf, size_t len);
/* @r as rule_put() sends it */
void conf_rule_args(const struct conf_rule *r, struct rule_args *ra);

int conf_member_find(const struct conf_group *g, const struct sg_ip *ip);	/* -1 */
void conf_member_add(struct conf_group *g, const struct sg_ip *ip);
void conf_member_del(struct conf_group *g, size_t i);
void conf_sort_members(struct conf *c);	/* as the kernel lists them */
bool conf_ip_equal(const struct sg_ip *a, const struct sg_ip *b);

struct conf_attach *conf_attach_find(const struct conf *c, bool cgroup, const char *name);
struct conf_attach *conf_attach_add(struct conf *c, bool cgroup, const char *name);
void conf_attach_del(struct conf *c, struct conf_attach *at);
void conf_attach_clear(struct conf_attach *at);	/* its groups, addrs, flowlog */
void conf_attach_add_group(struct conf_attach *at, const char *name);
void conf_attach_add_addr(struct conf_attach *at, const struct sg_ip *ip);
int conf_addr_find(const struct conf_attach *at, const struct sg_ip *ip);	/* -1 */
bool conf_attach_equal(const struct conf_attach *a, const struct conf_attach *b);
/* a rule of a group other than @g, or an attachment, that names @g: why */
const char *conf_group_user(const struct conf *c, const struct conf_group *g);

/* fetch.c: the kernel's configuration with its ids, NULL on a failure
 * (sg_nl_last_err says which); @gen: its generation when the read began */
struct conf *config_fetch(uint32_t *gen);

/* read.c: 0, or the exit status with the fault told */
json_object *config_read_json(const char *file);
json_object *config_parse_text(const char *what, const char *text, size_t len);
int config_read(const char *file, json_object *in, struct conf **out);

/* save.c */
void config_write(FILE *f, const struct conf *c);
const char *config_one_line(json_object *o);	/* @o as JSON on one line */

/* diff.c: printed, or (-j) objects added to @out; how many */
int config_diff(const struct conf *have, const struct conf *want, json_object *out);

/* replace.c: send @want with @flags if the configuration is still at
 * generation @gen (0: whatever it is); 0, -EAGAIN (not reported) when it
 * is not, or the exit status with the failure reported as @what's */
int config_send(struct conf *want, uint32_t flags, uint32_t gen, const char *what);

/* batch.c: one change (group, rule or member add|del|set, words as on
 * the command line) made to @c, a VPC's definition (vpc.c); with @c
 * NULL, only the words are read */
int batch_edit(struct conf *c, int argc, char **argv);

#endif
