/* SPDX-License-Identifier: GPL-2.0 */
/*
 * sgnl's configuration model: one json-c object shaped like the file
 * `save` writes and `apply` reads (Documentation/apply-format.md).
 *   model.c    the kernel's state as a model; rule entries
 *   read.c     a file into a model, strictly checked
 *   save.c     a model written out, in a stable order
 *   diff.c     the changes between two models (dry-run)
 *   replace.c  a model as one CONFIG_REPLACE request
 *   apply.c, batch.c   the commands that use them
 */
#ifndef SGNL_CONFIG_H
#define SGNL_CONFIG_H

#include <stdio.h>

#include "sgnl.h"

#define CONFIG_VERSION	1
#define CONFIG_MSG_MAX	(16 << 20)	/* bytes of one replace request */

static inline json_object *jget(json_object *o, const char *k)
{
	return json_object_object_get(o, k);
}

/* model.c */
json_object *config_fetch(void);	/* the kernel's, as save writes it */
/* a rule entry: the words, or { "rule": words, "description": desc } */
json_object *rule_entry(const char *text, const char *desc);
const char *rule_entry_text(json_object *e);
int rule_entry_find(json_object *rules, const char *text);	/* index, -1 */
/* the canonical words of a rule as rules_fetch() gives it */
void rule_kernel_text(json_object *r, json_object *groups, char *text, size_t len);

/* read.c: 0, or the exit status with the fault told */
json_object *config_read_json(const char *file);
json_object *config_parse_text(const char *what, const char *text, size_t len);
int config_read(const char *file, json_object *in, json_object **out);
/* the entries of @ra (dns: two) with its peer as @peer's words, into @out */
void rule_entries(const struct rule_args *ra, const char *peer, const char *desc,
		  json_object *out);

/* save.c */
void config_write(FILE *f, json_object *m);
const char *config_one_line(json_object *o);	/* @o as JSON on one line */

/* diff.c: printed, or (-j) objects added to @out; how many */
int config_diff(json_object *have, json_object *want, json_object *out);

/* replace.c: send a model (read by config_read) or a file's object
 * (config_apply checks it first) with @flags; 0 or the exit status,
 * failures told as @what's */
int config_send(json_object *want, uint32_t flags, uint32_t gen, const char *what);
int config_apply(json_object *in, const char *file, uint32_t flags, uint32_t gen,
		 const char *what);

#endif
