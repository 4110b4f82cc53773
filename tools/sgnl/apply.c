// SPDX-License-Identifier: GPL-2.0
/*
 * sgnl apply FILE [dry-run] [flush] | apply FILE check: make FILE the
 * whole configuration of the netns in one CONFIG_REPLACE, show what that
 * would change, or read FILE alone.
 */
#include <errno.h>
#include <stdio.h>

#include "sgnl.h"
#include "config.h"

int cmd_apply(struct args *a)
{
	const char *file = next(a);
	struct conf *want = NULL, *have = NULL;
	json_object *in, *changes = NULL;
	bool dry = false, flush = false, check = false;
	int err, nchanges = 0;

	if (!file)
		return usage_err("apply: FILE is required");
	while (peek(a)) {
		if (match(a, "dry-run"))
			dry = true;
		else if (match(a, "flush"))
			flush = true;
		else if (match(a, "check"))
			check = true;
		else
			return usage_err("apply: unknown argument '%s'", peek(a));
	}
	if (check && (dry || flush))
		return usage_err("apply: check reads FILE without the kernel: no %s",
				 dry ? "dry-run" : "flush");
	in = config_read_json(file);
	if (!in)
		return EXIT_USAGE;
	err = config_read(file, in, &want);
	json_object_put(in);
	if (err)
		goto out;
	if (check) {	/* the file as apply reads it, without the kernel */
		config_write(stdout, want);
		goto out;
	}
	if (dry) {
		have = config_fetch(NULL);
		if (!have) {
			err = nl_err("apply", -EIO);
			goto out;
		}
		changes = json_object_new_array();
		nchanges = config_diff(have, want, changes);
	}
	err = config_send(want, (dry ? SECGROUP_F_DRY_RUN : 0) | (flush ? SECGROUP_F_FLUSH : 0),
			  0, dry ? "apply dry-run" : "apply");
	if (!err && dry && opts.json)
		print_json(changes);
	else if (!err && dry)
		printf("%d change%s; the kernel accepts the file\n", nchanges,
		       nchanges == 1 ? "" : "s");
out:
	json_object_put(changes);
	conf_free(want);
	conf_free(have);
	return err;
}
