// SPDX-License-Identifier: GPL-2.0
/*
 * sgnl: configure secgroup security groups.
 *   sgnl [OPTIONS] OBJECT COMMAND [ARGS]
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgnl.h"

struct sg_opts opts;

static const char usage_head[] =
"usage: sgnl [OPTIONS] OBJECT COMMAND [ARGS]     sgnl [OBJECT [COMMAND]] help\n"
"  -j, --json       JSON output          -p, --pretty   pretty JSON\n"
"  -n, --numeric    numbers, not names   -V, --version  sgnl's version\n"
"  -t, --timestamp  monitor: each line starts with the time (UTC)\n"
"  --etcd URL [--vpc NAME]  group, rule and member changes, apply and save\n"
"                   act on the VPC's definition in etcd (default VPC: default)\n"
"  -b, --batch FILE the changes of FILE, one command per line ('-': stdin), made\n"
"                   all together or not at all; with --continue, any commands,\n"
"                   one by one, going on after a failure\n"
"exit status: 0 done, 1 the kernel refused or the system failed, 2 a usage or\n"
"input error (nothing was sent), 3 audit findings at or above fail-on\n";

/*
 * Every command: what runs it and its synopsis.  Dispatch, `sgnl help`,
 * `sgnl rule help` and `sgnl rule add help` (or ... help, last) read this
 * one table.  A NULL cmd: the object is the command.
 */
static const struct help {
	const char *obj, *cmd;
	int (*run)(struct args *a);
	const char *text;
} helps[] = {
	{ "group", "add", group_add,
	  "group add NAME [description TEXT] [tag KEY=VALUE]... [no-default-egress]\n" },
	{ "group", "del", group_del, "group del NAME|ID\n" },
	{ "group", "set", group_set,
	  "group set NAME|ID [description TEXT] [tag KEY=VALUE]... [untag KEY]...\n" },
	{ "group", "list", group_list, "group list\n" },
	{ "group", "show", group_show, "group show NAME|ID\n" },
	{ "rule", "add", rule_add,
	  "rule add GROUP ingress PROTO [port N[-M] | type T [code C]]\n"
	  "         from {CIDR | group NAME|ID} [description TEXT] [flush]\n"
	  "rule add GROUP egress PROTO [port N[-M] | type T [code C]]\n"
	  "         to {CIDR | group NAME|ID} [description TEXT] [flush]\n"
	  "    PROTO: all | tcp | udp | icmp | icmpv6 | sctp | udplite | gre | esp | ah\n"
	  "           | a name from /etc/protocols | NUMBER (1-255)\n"
	  "           | a service, which fixes the port: http https ssh rdp mysql\n"
	  "             postgresql dns (dns: tcp and udp)\n"
	  "    N, M:  0-65535 (0 only to start a range) or a name from /etc/services\n"
	  "    T, C:  numbers, or nft's names (type echo-request, code port-unreachable)\n" },
	{ "rule", "del", rule_del,
	  "rule del GROUP RULE-ID [flush]\n"
	  "rule del GROUP ingress PROTO [port N[-M] | type T [code C]]\n"
	  "         from {CIDR | group NAME|ID} [flush]\n"
	  "rule del GROUP egress PROTO [port N[-M] | type T [code C]]\n"
	  "         to {CIDR | group NAME|ID} [flush]\n" },
	{ "rule", "set", rule_set,
	  "rule set GROUP RULE-ID description TEXT   (id and counters kept)\n" },
	{ "rule", "list", rule_list,
	  "rule list [GROUP] [ingress|egress] [port N] [peer CIDR | peer group NAME|ID]\n" },
	{ "attach", NULL, cmd_attach,
	  "attach {dev IFNAME | cgroup PATH} [group NAME|ID]... [addr ADDR]... [mac MAC] [flowlog]\n"
	  "       [flush]\n" },
	{ "detach", NULL, cmd_detach, "detach {dev IFNAME | cgroup PATH}\n" },
	{ "member", "add", member_add, "member add GROUP ADDR [flush]\n" },
	{ "member", "del", member_del, "member del GROUP ADDR [flush]\n" },
	{ "member", "list", member_list, "member list [GROUP]            the remote members, GROUP ADDR\n" },
	{ "stats", NULL, cmd_stats, "stats [dev IFNAME | cgroup PATH]\n" },
	{ "monitor", NULL, cmd_monitor,
	  "monitor [-t] [events] [flows]   -t: each line with its time\n"
	  "monitor [flows] -o vpc          flows as VPC Flow Logs version 2 lines\n" },
	{ "save", NULL, cmd_save,
	  "save [groups]                  the whole configuration (or its groups), for apply\n" },
	{ "apply", NULL, cmd_apply,
	  "apply FILE [dry-run] [flush]   make FILE the whole configuration, atomically\n"
	  "apply FILE check               FILE as apply reads it, without the kernel\n" },
	{ "sync", NULL, cmd_sync,
	  "sync etcd URL [vpc NAME] [host NAME] [ttl SECONDS]\n"
	  "    the agent: this host's groups and rules kept equal to the VPC's\n"
	  "    definition in etcd, its instances published as members\n" },
	{ "audit", NULL, cmd_audit,
	  "audit [fail-on high|medium|low|info] [unused DURATION]\n" },
};
#define NHELPS (sizeof(helps) / sizeof(helps[0]))

/* the synopses of @obj (NULL: all) and @cmd (NULL: all of @obj), each
 * line indented; how many commands matched */
static int help(FILE *f, const char *obj, const char *cmd)
{
	const char *p;
	size_t i;
	int n = 0;

	if (!obj)
		fprintf(f, "%scommands:\n", usage_head);
	for (i = 0; i < NHELPS; i++) {
		if ((obj && strcmp(obj, helps[i].obj)) ||
		    (cmd && helps[i].cmd && strcmp(cmd, helps[i].cmd)))
			continue;
		for (p = helps[i].text; *p; p = strchr(p, '\n') + 1)
			fprintf(f, "  %.*s\n", (int)(strchr(p, '\n') - p), p);
		n++;
	}
	return n;
}

static bool is_help(const char *w)
{
	return !strcmp(w, "help") || !strcmp(w, "-h") || !strcmp(w, "--help");
}

/* the aliases of commands */
const char *canon_cmd(const char *c)
{
	if (!strcmp(c, "create"))
		return "add";
	if (!strcmp(c, "delete"))
		return "del";
	if (!strcmp(c, "ls"))
		return "list";
	return c;
}

/* `sgnl OBJECT [COMMAND] ... help`: that object's or command's synopsis */
static int help_for(int argc, char **argv)
{
	const char *cmd = argc > 2 ? canon_cmd(argv[1]) : NULL;
	size_t i;

	for (i = 0; i < NHELPS && strcmp(helps[i].obj, argv[0]); i++)
		;
	if (i == NHELPS)
		return usage_err("unknown object '%s'", argv[0]);
	if (!help(stdout, argv[0], cmd))
		return usage_err("%s: unknown command '%s'", argv[0], argv[1]);
	return 0;
}

/*
 * The command being read ends with "help" where a value may stand too
 * ("group add web description help"): it runs as written if it reads
 * well, and prints its synopsis instead of a usage error if it does not
 * ("rule add web ingress help").
 */
static struct {
	int argc;
	char **argv;
} pending_help;

static int usage_status = EXIT_USAGE;

int usage_err(const char *fmt, ...)
{
	int argc = pending_help.argc;
	va_list ap;

	if (argc) {
		pending_help.argc = 0;
		usage_status = help_for(argc, pending_help.argv);
		return usage_status = usage_status ?: HELP_SHOWN;
	}
	fputs("sgnl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\n(try 'sgnl help')\n", stderr);
	return usage_status = EXIT_USAGE;
}

int usage_err_status(void)
{
	return usage_status;
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

/* @s for a terminal: control bytes as \xNN, so a tag, a device or a
 * cgroup name cannot move the cursor or clear the screen */
const char *safe(const char *s)
{
	static char buf[4][1024];
	static int slot;
	char *out = buf[slot++ % 4], *p = out;

	for (; *s && p < out + sizeof(buf[0]) - 5; s++) {
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			p += sprintf(p, "\\x%02x", (unsigned char)*s);
		else
			*p++ = *s;
	}
	*p = 0;
	return out;
}

void print_json(json_object *o)
{
	puts(json_object_to_json_string_ext(o, opts.pretty ? JSON_C_TO_STRING_PRETTY |
					    JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN));
}

static int run_object(const char *obj, struct args *a);

int run(int argc, char **argv)
{
	struct args a = { argc, argv };
	const char *obj = next(&a);
	int err;

	if (!obj || is_help(obj)) {
		help(obj ? stdout : stderr, NULL, NULL);
		return obj ? 0 : EXIT_USAGE;
	}
	/* OBJECT help, OBJECT COMMAND help: nothing else could be meant */
	if ((argc == 2 || argc == 3) && is_help(argv[argc - 1]))
		return help_for(argc, argv);
	pending_help.argc = argc > 1 && is_help(argv[argc - 1]) ? argc : 0;
	pending_help.argv = argv;
	err = run_object(obj, &a);
	pending_help.argc = 0;
	return err == HELP_SHOWN ? 0 : err;
}

/* OBJECT [COMMAND] ARGS: the entry of the table that runs it */
static int run_object(const char *obj, struct args *a)
{
	const char *cmd;
	char cmds[64] = "";
	size_t i;

	for (i = 0; i < NHELPS && strcmp(helps[i].obj, obj); i++)
		;
	if (i == NHELPS)
		return usage_err("unknown object '%s'", obj);
	if (!helps[i].cmd)
		return helps[i].run(a);
	cmd = next(a);
	for (; i < NHELPS && !strcmp(helps[i].obj, obj); i++) {
		if (cmd && !strcmp(canon_cmd(cmd), helps[i].cmd))
			return helps[i].run(a);
		snprintf(cmds + strlen(cmds), sizeof(cmds) - strlen(cmds), "%s%s",
			 cmds[0] ? ", " : "", helps[i].cmd);
	}
	if (!cmd)
		return usage_err("%s: a command is required (%s)", obj, cmds);
	return usage_err("%s: unknown command '%s'", obj, cmd);
}

static const struct option long_opts[] = {
	{ "json", no_argument, NULL, 'j' },
	{ "pretty", no_argument, NULL, 'p' },
	{ "numeric", no_argument, NULL, 'n' },
	{ "batch", required_argument, NULL, 'b' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "timestamp", no_argument, NULL, 't' },
	{ "continue", no_argument, NULL, 'C' },
	{ "etcd", required_argument, NULL, 'E' },
	{ "vpc", required_argument, NULL, 'Y' },
	{ NULL, 0, NULL, 0 },
};

/*
 * For completion (complete.c), after the options: with no word yet, the
 * objects and the options; else @fn with the synopsis of each command of
 * the object argv[0] and the words so far.
 */
void sg_complete_table(int argc, char **argv,
		       void (*fn)(const char *text, int n, char **words, void *o), void *o)
{
	const struct option *lo;
	char w[32];
	size_t i;

	if (!argc) {
		for (i = 0; i < NHELPS; i++)
			complete_add(helps[i].obj, o);
		complete_add("help", o);
		for (lo = long_opts; lo->name; lo++) {
			snprintf(w, sizeof(w), "--%s", lo->name);
			complete_add(w, o);
			if (!strchr("CEY", lo->val)) {	/* long only */
				snprintf(w, sizeof(w), "-%c", lo->val);
				complete_add(w, o);
			}
		}
		return;
	}
	for (i = 0; i < NHELPS; i++)
		if (!strcmp(helps[i].obj, argv[0]))
			fn(helps[i].text, argc, argv, o);
}

int main(int argc, char **argv)
{
	const char *bfile = NULL, *etcd = NULL, *vpc = NULL;
	bool cont = false;
	int o, err;

	if (argc > 1 && !strcmp(argv[1], "__complete"))
		return complete(argc - 2, argv + 2);
	opterr = 0;
	/* '+': options end at the object, so "rule add ... -1" stays a word;
	 * ':': a missing value is told apart */
	while ((o = getopt_long(argc, argv, "+:jpntb:hV", long_opts, NULL)) != -1) {
		switch (o) {
		case 'j': opts.json = true; break;
		case 'p': opts.json = opts.pretty = true; break;
		case 'n': opts.numeric = true; break;
		case 't': opts.timestamp = true; break;
		case 'b': bfile = optarg; break;
		case 'C': cont = true; break;
		case 'E': etcd = optarg; break;
		case 'Y': vpc = optarg; break;
		case 'h': return run(1, (char *[]){ "help" });
		case 'V': printf("sgnl %s\n", SGNL_VERSION); return 0;
		case ':': return usage_err("option '-%c' needs a value", optopt);
		default:
			if (optopt)
				return usage_err("unknown option '-%c'", optopt);
			return usage_err("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (cont && !bfile)
		return usage_err("--continue goes with -b FILE");
	if (bfile && optind < argc)
		return usage_err("-b FILE takes its commands from FILE, not '%s'", argv[optind]);
	if (vpc && !etcd)
		return usage_err("--vpc goes with --etcd URL");
	if (etcd && bfile)
		return usage_err("--etcd takes one change at a time, not -b");
	if (etcd)
		return etcd_command(etcd, vpc ?: "default", argc - optind, argv + optind);
	err = bfile ? batch(bfile, cont) : run(argc - optind, argv + optind);
	sg_nl_close();
	return err;
}
