// SPDX-License-Identifier: GPL-2.0
/*
 * sgnl: configure secgroup security groups.
 *   sgnl [-j] [-p] [-n] [-b FILE] OBJECT COMMAND [ARGS]
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgnl.h"

struct sg_opts opts;

static const char usage_text[] =
"usage: sgnl [-j] [-p] [-n] [-b FILE] OBJECT COMMAND [ARGS]\n"
"  -j  JSON output   -p  pretty JSON   -n  numeric (ids, not names)\n"
"  -b FILE  run the commands of FILE, one per line ('-' for stdin)\n"
"objects:\n"
"  group add NAME [description TEXT] [tag KEY=VALUE]... [no-default-egress]\n"
"  group del NAME|ID\n"
"  group set NAME|ID [description TEXT] [tag KEY=VALUE]... [untag KEY]...\n"
"  group list\n"
"  group show NAME|ID\n"
"  rule add GROUP {ingress|egress} PROTO [port N[-M] | type T [code C]]\n"
"           {from|to} PEER [description TEXT] [flush]\n"
"      PROTO: all | tcp | udp | icmp | icmpv6 | NUMBER | http | https | ssh\n"
"             | rdp | mysql | postgresql | dns\n"
"      PEER:  CIDR | group NAME|ID\n"
"  rule del GROUP RULE-ID [flush]\n"
"  rule del GROUP {ingress|egress} PROTO ... {from|to} PEER [flush]\n"
"  attach dev IFNAME [group NAME]... [addr ADDR]... [flowlog] [flush]\n"
"  attach cgroup PATH [group NAME]... [flowlog] [flush]\n"
"  detach {dev IFNAME | cgroup PATH}\n"
"  member {add|del} GROUP ADDR [flush]\n"
"  stats [dev IFNAME | cgroup PATH]\n"
"  monitor [events] [flows]\n"
"  save [groups]                     the whole configuration (or its groups), for apply\n"
"  apply FILE [dry-run] [flush]      make FILE the whole configuration, atomically\n"
"  audit [fail-on high|medium|low|info] [unused DURATION]\n";

int usage_err(const char *fmt, ...)
{
	va_list ap;

	fputs("sgnl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n(try 'sgnl help')\n", stderr);
	return EXIT_USAGE;
}

int nl_err(const char *what, int err)
{
	if (sg_nl_errmsg[0])
		fprintf(stderr, "sgnl: %s: %s: %s\n", what, strerror(-err), sg_nl_errmsg);
	else
		fprintf(stderr, "sgnl: %s: %s\n", what, strerror(-err));
	return 1;
}

bool match(struct args *a, const char *word)
{
	if (a->argc && !strcmp(a->argv[0], word)) {
		next(a);
		return true;
	}
	return false;
}

void print_json(json_object *o)
{
	puts(json_object_to_json_string_ext(o, opts.pretty ? JSON_C_TO_STRING_PRETTY |
					    JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN));
}

static int need_kernel(void)
{
	int err = sg_nl_open();

	if (!err)
		return 0;
	if (err == -ENOENT)
		fprintf(stderr, "sgnl: the secgroup module is not loaded (modprobe secgroup)\n");
	else
		fprintf(stderr, "sgnl: cannot open a generic netlink socket: %s\n", strerror(-err));
	return 1;
}

static int run(int argc, char **argv)
{
	struct args a = { argc, argv };
	const char *obj = next(&a);

	if (!obj || !strcmp(obj, "help") || !strcmp(obj, "-h") || !strcmp(obj, "--help")) {
		fputs(usage_text, obj ? stdout : stderr);
		return obj ? 0 : EXIT_USAGE;
	}
	if (a.argc && (!strcmp(peek(&a), "help") || !strcmp(peek(&a), "-h"))) {
		fputs(usage_text, stdout);
		return 0;
	}
	if (!strcmp(obj, "group"))
		return cmd_group(&a);
	if (!strcmp(obj, "rule"))
		return cmd_rule(&a);
	if (!strcmp(obj, "attach"))
		return cmd_attach(&a);
	if (!strcmp(obj, "detach"))
		return cmd_detach(&a);
	if (!strcmp(obj, "member"))
		return cmd_member(&a);
	if (!strcmp(obj, "stats"))
		return cmd_stats(&a);
	if (!strcmp(obj, "monitor"))
		return cmd_monitor(&a);
	if (!strcmp(obj, "audit"))
		return cmd_audit(&a);
	if (!strcmp(obj, "save"))
		return cmd_save(&a);
	if (!strcmp(obj, "apply"))
		return cmd_apply(&a);
	return usage_err("unknown object '%s'", obj);
}

/* Split a batch line into words; "..." and '...' quote. */
int split_words(char *line, char **argv, int max)
{
	int n = 0;
	char *p = line, *out;

	while (*p) {
		while (*p == ' ' || *p == '\t' || *p == '\n')
			p++;
		if (!*p || *p == '#')
			break;
		if (n == max)
			return -1;
		argv[n++] = out = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\n') {
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

static int batch(const char *file)
{
	FILE *f = strcmp(file, "-") ? fopen(file, "r") : stdin;
	char line[4096], *argv[256];
	int lineno = 0, argc, err;

	if (!f) {
		fprintf(stderr, "sgnl: %s: %s\n", file, strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		argc = split_words(line, argv, 256);
		if (argc < 0) {
			fprintf(stderr, "sgnl: %s:%d: unbalanced quote or too many words\n",
				file, lineno);
			return EXIT_USAGE;
		}
		if (!argc)
			continue;
		err = run(argc, argv);
		if (err) {
			fprintf(stderr, "sgnl: %s:%d: command failed\n", file, lineno);
			return err;
		}
	}
	if (f != stdin)
		fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	const char *bfile = NULL;
	int i, err;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		if (!strcmp(argv[i], "-j"))
			opts.json = true;
		else if (!strcmp(argv[i], "-p"))
			opts.json = opts.pretty = true;
		else if (!strcmp(argv[i], "-n"))
			opts.numeric = true;
		else if (!strcmp(argv[i], "-b") && i + 1 < argc)
			bfile = argv[++i];
		else if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help"))
			return run(1, (char *[]){ "help" });
		else
			return usage_err("unknown option '%s'", argv[i]);
	}
	if (!bfile && i == argc)
		return run(0, NULL);
	if (!bfile && (!strcmp(argv[i], "help")))
		return run(argc - i, argv + i);
	if (getenv("SGNL_PARSE_ONLY") == NULL && need_kernel())
		return 1;
	err = bfile ? batch(bfile) : run(argc - i, argv + i);
	sg_nl_close();
	return err;
}
