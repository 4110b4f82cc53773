// SPDX-License-Identifier: GPL-2.0
/*
 * sgnl --etcd URL [--vpc NAME] COMMAND: edit a VPC's definition in etcd
 * (vpc.h) instead of this host's kernel.  The same commands, read by the
 * same parser, make the same changes to the definition that -b makes to a
 * kernel's configuration (batch_edit()); the result is checked as `sgnl
 * apply` checks a file and written back only if nobody changed the
 * definition meanwhile (a compare-and-swap on its revision; a conflict is
 * retried from a fresh read).  Every host's agent (sgnl sync) then applies
 * it, atomically, or refuses it as a whole.
 *
 *   group add|del|set, rule add|del|set, member add|del   one change
 *   apply FILE                    FILE becomes the definition
 *   save                          the definition, as apply reads it
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "sgnl.h"
#include "config.h"
#include "vpc.h"

#define VPC_ROOT	"/secgroup/"
#define VPC_TRIES	100	/* concurrent editors: each waits a little longer */

bool vpc_name_ok(const char *s)
{
	size_t n = strlen(s);

	if (!n || n > VPC_NAME_MAX || !strcmp(s, ".") || !strcmp(s, ".."))
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789._-") == n;
}

int vpc_open(struct vpc *v, const char *url, const char *name)
{
	memset(v, 0, sizeof(*v));
	if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))
		return usage_err("etcd: '%s' is not an http:// or https:// URL", url);
	if (!vpc_name_ok(name))
		return usage_err("vpc: '%s' is not a name (letters, digits, . _ -; 63 at most)",
				 name);
	snprintf(v->prefix, sizeof(v->prefix), VPC_ROOT "%s/", name);
	snprintf(v->config, sizeof(v->config), "%sconfig", v->prefix);
	snprintf(v->hosts, sizeof(v->hosts), "%shosts/", v->prefix);
	v->e = etcd_open(url, 3000);
	if (!v->e) {
		fprintf(stderr, "sgnl: etcd: cannot open a client for %s\n", url);
		return 1;
	}
	return 0;
}

void vpc_close(struct vpc *v)
{
	etcd_close(v->e);
	v->e = NULL;
}

/* The empty VPC: the default group alone. */
static struct conf *vpc_empty(void)
{
	struct conf *c = conf_new();

	conf_default_rules(conf_group_add(c, "default", "default security group"));
	return c;
}

int vpc_definition(struct vpc *v, const char *text, struct conf **model)
{
	json_object *in = config_parse_text(v->config, text, strlen(text));
	int err;

	*model = NULL;
	if (!in)
		return EXIT_USAGE;
	if (jget(in, "attachments")) {
		fprintf(stderr, "sgnl: %s: attachments are each host's, not the VPC's\n",
			v->config);
		json_object_put(in);
		return EXIT_USAGE;
	}
	err = config_read(v->config, in, model);
	json_object_put(in);
	return err;
}

int vpc_read(struct vpc *v, struct conf **model, int64_t *rev)
{
	struct etcd_kvs kvs;
	int err;

	*model = NULL;
	*rev = 0;
	if (etcd_get(v->e, v->config, &kvs)) {
		fprintf(stderr, "sgnl: etcd %s: %s\n", etcd_url(v->e), etcd_error(v->e));
		return 1;
	}
	if (!kvs.n) {
		*model = vpc_empty();
		err = 0;
	} else {
		*rev = kvs.kv[0].mod_revision;
		err = vpc_definition(v, kvs.kv[0].value, model);
	}
	etcd_kvs_free(&kvs);
	return err;
}

/* @model as the text of the definition: apply's format, no attachments */
static char *vpc_text(struct conf *model)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		return NULL;
	model->has_attachments = false;
	config_write(f, model);
	fclose(f);
	return text;
}

/* Write @model if the definition is still at @rev: 0, 1 (failed), -1 (changed) */
static int vpc_write(struct vpc *v, struct conf *model, int64_t rev)
{
	char *text = vpc_text(model);
	struct conf *checked;
	int put;

	if (!text)
		return 1;
	/* the text as apply reads it, as every agent will */
	put = vpc_definition(v, text, &checked);
	conf_free(checked);
	if (put) {
		free(text);
		return put;
	}
	put = etcd_put_if(v->e, v->config, rev, text);
	free(text);
	if (put < 0) {
		fprintf(stderr, "sgnl: etcd %s: %s\n", etcd_url(v->e), etcd_error(v->e));
		return 1;
	}
	return put ? 0 : -1;
}

/* One change to the definition, retried from a fresh read on a conflict. */
static int vpc_change(struct vpc *v, int argc, char **argv)
{
	struct conf *model;
	int64_t rev;
	int err, i;

	err = batch_edit(NULL, argc, argv);	/* the words, before etcd */
	if (err)
		return err;
	srandom(getpid() ^ time(NULL));
	for (i = 0; i < VPC_TRIES; i++) {
		err = vpc_read(v, &model, &rev);
		if (err)
			return err;
		err = batch_edit(model, argc, argv);
		if (!err)
			err = vpc_write(v, model, rev);
		conf_free(model);
		if (err != -1)
			return err;
		/* changed meanwhile: again, from what it is now, after a
		 * random pause that grows, so that editors fall out of step */
		usleep((useconds_t)(random() % (1000 * (i < 20 ? i + 1 : 20))) * 10);
	}
	fprintf(stderr, "sgnl: %s changed %d times while being edited; nothing written\n",
		v->config, VPC_TRIES);
	return 1;
}

static int vpc_apply(struct vpc *v, struct args *a)
{
	const char *file = next(a);
	struct conf *model = NULL;
	struct etcd_kvs kvs;
	json_object *in;
	int err;

	if (!file || peek(a))
		return usage_err("apply: with --etcd, FILE and nothing else");
	in = config_read_json(file);
	if (!in)
		return EXIT_USAGE;
	if (jget(in, "attachments")) {
		json_object_put(in);
		return usage_err("apply: %s: attachments are each host's, not the VPC's", file);
	}
	err = config_read(file, in, &model);
	json_object_put(in);
	if (!err && etcd_get(v->e, v->config, &kvs)) {
		fprintf(stderr, "sgnl: etcd %s: %s\n", etcd_url(v->e), etcd_error(v->e));
		err = 1;
	} else if (!err) {
		err = vpc_write(v, model, kvs.n ? kvs.kv[0].mod_revision : 0);
		etcd_kvs_free(&kvs);
		if (err < 0) {
			fprintf(stderr, "sgnl: %s changed while being written; nothing written\n",
				v->config);
			err = 1;
		}
	}
	conf_free(model);
	return err;
}

int etcd_command(const char *url, const char *name, int argc, char **argv)
{
	struct args a = { argc, argv };
	const char *obj = peek(&a);
	struct conf *model;
	struct vpc v;
	int64_t rev;
	int err;

	if (!obj)
		return usage_err("--etcd: a command is required");
	if (!strcmp(obj, "attach") || !strcmp(obj, "detach"))
		return usage_err("--etcd: attachments are each host's, not the VPC's");
	if (strcmp(obj, "group") && strcmp(obj, "rule") && strcmp(obj, "member") &&
	    strcmp(obj, "apply") && strcmp(obj, "save"))
		return usage_err("--etcd: '%s' is not part of a VPC's definition "
				 "(group, rule and member changes, apply, save)", obj);
	if (!strcmp(obj, "rule") && argc > 1 && !strcmp(canon_cmd(argv[1]), "set"))
		return usage_err("rule set: rules have no ids in a VPC's definition: "
				 "delete the rule and add it with its description");
	err = vpc_open(&v, url, name);
	if (err)
		return err;
	next(&a);
	if (!strcmp(obj, "apply")) {
		err = vpc_apply(&v, &a);
	} else if (!strcmp(obj, "save")) {
		err = peek(&a) ? usage_err("save: with --etcd, no arguments") :
				 vpc_read(&v, &model, &rev);
		if (!err) {
			config_write(stdout, model);
			conf_free(model);
		}
	} else {
		err = vpc_change(&v, argc, argv);
	}
	vpc_close(&v);
	return err;
}
