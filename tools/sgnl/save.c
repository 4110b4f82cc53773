// SPDX-License-Identifier: GPL-2.0
/* sgnl save [groups]: the model, written in a stable order, one rule per line. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sgnl.h"
#include "config.h"

const char *config_one_line(json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_SPACED |
					      JSON_C_TO_STRING_NOSLASHESCAPE);
}

static void write_list(FILE *f, json_object *list, const char *indent)
{
	size_t i, n = json_object_array_length(list);

	if (!n) {
		fputs("[]", f);
		return;
	}
	fputs("[\n", f);
	for (i = 0; i < n; i++)
		fprintf(f, "%s  %s%s\n", indent, config_one_line(json_object_array_get_idx(list, i)),
			i + 1 < n ? "," : "");
	fprintf(f, "%s]", indent);
}

void config_write(FILE *f, json_object *m)
{
	json_object *groups = jget(m, "groups");
	size_t i, n = json_object_array_length(groups);

	fprintf(f, "{\n  \"version\": %d,\n  \"groups\": [\n", CONFIG_VERSION);
	for (i = 0; i < n; i++) {
		json_object *g = json_object_array_get_idx(groups, i);

		fprintf(f, "    {\n      \"name\": %s,\n", config_one_line(jget(g, "name")));
		fprintf(f, "      \"description\": %s,\n", config_one_line(jget(g, "description")));
		if (jget(g, "tags"))
			fprintf(f, "      \"tags\": %s,\n", config_one_line(jget(g, "tags")));
		if (jget(g, "members"))
			fprintf(f, "      \"members\": %s,\n", config_one_line(jget(g, "members")));
		fputs("      \"rules\": ", f);
		write_list(f, jget(g, "rules"), "      ");
		fprintf(f, "\n    }%s\n", i + 1 < n ? "," : "");
	}
	fputs("  ]", f);
	if (jget(m, "attachments")) {
		fputs(",\n  \"attachments\": ", f);
		write_list(f, jget(m, "attachments"), "  ");
	}
	fputs("\n}\n", f);
}

int cmd_save(struct args *a)
{
	bool groups_only = match(a, "groups");
	json_object *m;

	if (peek(a))
		return usage_err("save: unknown argument '%s'", peek(a));
	m = config_fetch();
	if (!m)
		return nl_err("save", -EIO);
	if (groups_only)	/* a file that apply leaves attachments alone with */
		json_object_object_del(m, "attachments");
	config_write(stdout, m);
	json_object_put(m);
	return 0;
}
