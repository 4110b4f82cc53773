// SPDX-License-Identifier: GPL-2.0
/*
 * sgnl __complete WORDS...: what may follow WORDS, one word per line, for
 * the bash completion (tools/sgnl/sgnl.bash-completion).
 *
 * The grammar is the synopses of the command table in sgnl.c, the one
 * that dispatches and prints help: each is compiled into a small NFA
 *   [ ... ]  optional        { ... }  one of        a | b  alternatives
 *   [...]... repeated        a|b  one word of a set, NAME|ID one value
 *   UPPERCASE  a value: GROUP, NAME|ID (groups, from the kernel if it is
 *   there), PROTO, T, C (the parser's own tables), IFNAME, PATH, FILE
 * and WORDS run through it; the words the states reached can take next
 * are the answer.  "@files" asks bash for file names, "@cgroups" for
 * directories under /sys/fs/cgroup (where sgnl looks for a cgroup PATH).
 * tests/grammar_check.py checks every synopsis against the parser.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sgnl.h"

#define NFA_MAX		256
#define TOK_MAX		64

#define EPS_MAX		8

struct state {
	int eps[EPS_MAX];	/* -1: none */
	const char *label;	/* a word edge to next, or NULL */
	int len;
	int next;
};

struct nfa {
	struct state s[NFA_MAX];
	int n;
	const char *tok[TOK_MAX];	/* the synopsis, tokenised */
	int toklen[TOK_MAX], ntok, pos;
};

static int new_state(struct nfa *a)
{
	struct state *s;

	if (a->n == NFA_MAX)
		return -1;
	s = &a->s[a->n];
	memset(s->eps, -1, sizeof(s->eps));
	s->next = -1;
	s->label = NULL;
	return a->n++;
}

static void eps(struct nfa *a, int from, int to)
{
	int i;

	for (i = 0; from >= 0 && to >= 0 && i < EPS_MAX; i++) {
		if (a->s[from].eps[i] < 0) {
			a->s[from].eps[i] = to;
			return;
		}
	}
}

/* The words of one synopsis line: [ ] { } a spaced |, and words (which
 * may hold a|b or N[-M]) */
static void tokenise(struct nfa *a, const char *p, const char *end)
{
	a->ntok = a->pos = 0;
	while (p < end && a->ntok < TOK_MAX) {
		const char *w = p;
		int depth = 0;

		if (*p == ' ') {
			p++;
			continue;
		}
		if (strchr("[]{}", *p) || (*p == '|' && p[1] == ' ')) {
			p++;
		} else if (!strncmp(p, "...", 3)) {
			p += 3;
		} else {
			for (; p < end && *p != ' ' && (depth || !strchr("]}", *p)); p++)
				depth += *p == '[' ? 1 : *p == ']' ? -1 : 0;
		}
		a->tok[a->ntok] = w;
		a->toklen[a->ntok++] = p - w;
	}
}

static bool tok_is(struct nfa *a, const char *s)
{
	return a->pos < a->ntok && a->toklen[a->pos] == (int)strlen(s) &&
	       !strncmp(a->tok[a->pos], s, a->toklen[a->pos]);
}

static int build_seq(struct nfa *a, int from);

/* [ alt | alt ]... or { alt | alt }: from @from, the state after it */
static int build_group(struct nfa *a, int from, bool optional)
{
	int end = new_state(a), s;

	while (a->pos < a->ntok) {
		s = new_state(a);
		eps(a, from, s);
		eps(a, build_seq(a, s), end);
		if (tok_is(a, "|")) {
			a->pos++;
			continue;
		}
		break;
	}
	a->pos++;		/* ] or } */
	if (optional)
		eps(a, from, end);
	if (tok_is(a, "...")) {	/* again, as often as wanted */
		a->pos++;
		eps(a, end, from);
	}
	return end;
}

/* words and groups up to a | ] } or the end: the state after them */
static int build_seq(struct nfa *a, int s)
{
	while (s >= 0 && a->pos < a->ntok && !tok_is(a, "|") && !tok_is(a, "]") &&
	       !tok_is(a, "}")) {
		if (tok_is(a, "[") || tok_is(a, "{")) {
			bool opt = tok_is(a, "[");

			a->pos++;
			s = build_group(a, s, opt);
		} else if (tok_is(a, "...")) {
			a->pos++;
		} else {
			int t = new_state(a);

			if (t < 0)
				return -1;
			a->s[s].label = a->tok[a->pos];
			a->s[s].len = a->toklen[a->pos++];
			a->s[s].next = t;
			s = t;
		}
	}
	return s;
}

/* ---- running words through it ---- */

static void closure(struct nfa *a, int s, bool *set)
{
	int i;

	if (s < 0 || set[s])
		return;
	set[s] = true;
	for (i = 0; i < EPS_MAX; i++)
		closure(a, a->s[s].eps[i], set);
}

static bool is_value(const char *label)
{
	return *label >= 'A' && *label <= 'Z';
}

/* does the word @w fit the edge @label (a word, a set a|b, or a value;
 * a RULE-ID is sgr-...) */
static bool fits(const char *label, int len, const char *w)
{
	const char *p = label, *bar;
	size_t n = strlen(w);

	if (len == 7 && !strncmp(label, "RULE-ID", 7))
		return sg_rule_id(w) != 0;
	if (is_value(label))
		return true;
	while (p < label + len) {
		bar = memchr(p, '|', label + len - p);
		if (!bar)
			bar = label + len;
		if ((size_t)(bar - p) == n && !strncmp(p, w, n))
			return true;
		p = bar + 1;
	}
	return false;
}

struct out {
	char **w;
	int n, cap;
};

static void add(const char *w, void *arg)
{
	struct out *o = arg;
	int i;

	for (i = 0; i < o->n; i++)
		if (!strcmp(o->w[i], w))
			return;
	if (o->n == o->cap) {
		o->cap = o->cap ? 2 * o->cap : 64;
		o->w = realloc(o->w, o->cap * sizeof(*o->w));
		if (!o->w)
			exit(1);
	}
	o->w[o->n++] = strdup(w);
}

static void value_words(const char *v, int len, struct out *o)
{
	json_object *groups;
	size_t i;
	DIR *d;
	struct dirent *e;

	if ((len == 5 && !strncmp(v, "GROUP", 5)) || (len == 7 && !strncmp(v, "NAME|ID", 7))) {
		if (sg_nl_open())	/* no module: no names, and no complaint */
			return;
		groups = groups_fetch();
		for (i = 0; groups && i < json_object_array_length(groups); i++)
			add(jstr(json_object_array_get_idx(groups, i), "name"), o);
		json_object_put(groups);
	} else if (len == 5 && !strncmp(v, "PROTO", 5)) {
		sg_words(SG_WORDS_PROTO, add, o);
	} else if (len == 1 && *v == 'T') {
		sg_words(SG_WORDS_ICMP_TYPE, add, o);
	} else if (len == 1 && *v == 'C') {
		sg_words(SG_WORDS_ICMP_CODE, add, o);
	} else if (len == 6 && !strncmp(v, "IFNAME", 6)) {
		d = opendir("/sys/class/net");
		while (d && (e = readdir(d)))
			if (e->d_name[0] != '.')
				add(e->d_name, o);
		if (d)
			closedir(d);
	} else if (len == 4 && !strncmp(v, "PATH", 4)) {
		add("@cgroups", o);	/* directories under /sys/fs/cgroup */
	} else if (len == 4 && !strncmp(v, "FILE", 4)) {
		add("@files", o);
	}
}

/* what the edge @label offers: its words, or a value's */
static void offer(const char *label, int len, struct out *o)
{
	const char *p = label, *bar;
	char w[64];

	if (is_value(label)) {
		value_words(label, len, o);
		return;
	}
	while (p < label + len) {
		bar = memchr(p, '|', label + len - p);
		if (!bar)
			bar = label + len;
		snprintf(w, sizeof(w), "%.*s", (int)(bar - p), p);
		add(w, o);
		p = bar + 1;
	}
}

/* the synopsis line [@p, @end) after @words: what may come next, into @o */
static void complete_line(const char *p, const char *end, int nwords, char **words,
			  struct out *o)
{
	static struct nfa a;
	bool cur[NFA_MAX], nxt[NFA_MAX];
	int i, k, start;

	a.n = 0;
	tokenise(&a, p, end);
	start = new_state(&a);
	if (build_seq(&a, start) < 0)
		return;
	memset(cur, 0, sizeof(cur));
	closure(&a, start, cur);
	for (k = 0; k < nwords; k++) {
		const char *w = k == 1 ? canon_cmd(words[k]) : words[k];
		bool keyword = false;

		/* a keyword that fits is the keyword, not a value (as the
		 * parser reads "rule list peer ...") */
		for (i = 0; i < a.n; i++)
			keyword |= cur[i] && a.s[i].label && !is_value(a.s[i].label) &&
				    fits(a.s[i].label, a.s[i].len, w);
		memset(nxt, 0, sizeof(nxt));
		for (i = 0; i < a.n; i++)
			if (cur[i] && a.s[i].label && (!keyword || !is_value(a.s[i].label)) &&
			    fits(a.s[i].label, a.s[i].len, w))
				closure(&a, a.s[i].next, nxt);
		memcpy(cur, nxt, sizeof(cur));
	}
	for (i = 0; i < a.n; i++)
		if (cur[i] && a.s[i].label)
			offer(a.s[i].label, a.s[i].len, o);
}

/* each grammar line of a synopsis: "OBJ ...", continued by lines indented
 * by more than four spaces, up to three spaces (a comment) */
static void complete_synopsis(const char *text, int nwords, char **words, void *o)
{
	char line[512];
	const char *p, *nl, *cut;
	bool def = false;
	size_t len = 0;

	for (p = text; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!strncmp(p, "    ", 4) && strncmp(p, "     ", 5))
			def = true;			/* "    PROTO: ...", and what follows */
		if (*p == ' ' && (def || !len))
			continue;
		if (*p == ' ') {			/* a continuation */
			while (*p == ' ')
				p++;
			len += snprintf(line + len, sizeof(line) - len, " ");
		} else if (len) {
			complete_line(line, line + len, nwords, words, o);
			len = 0;
		}
		if (*p != ' ')
			def = false;
		cut = strstr(p, "   ");
		if (!cut || cut > nl)
			cut = nl;
		len += snprintf(line + len, sizeof(line) - len, "%.*s", (int)(cut - p), p);
		if (len >= sizeof(line))
			return;
	}
	if (len)
		complete_line(line, line + len, nwords, words, o);
}

int complete(int argc, char **argv)
{
	struct out o = { 0 };
	bool batch = false;
	int i;

	/* the options before the object, and -b's FILE */
	while (argc && argv[0][0] == '-') {
		if ((!strcmp(argv[0], "-b") || !strcmp(argv[0], "--batch")) && argc == 1) {
			add("@files", &o);
			break;
		}
		if (!strcmp(argv[0], "-b") || !strcmp(argv[0], "--batch")) {
			batch = true;
			argc--, argv++;
		}
		argc--, argv++;
	}
	if (batch && !argc)		/* the commands are in the file */
		add("--continue", &o);
	else if (!o.n)
		sg_complete_table(argc, argv, complete_synopsis, &o);
	for (i = 0; i < o.n; i++) {
		puts(o.w[i]);
		free(o.w[i]);
	}
	free(o.w);
	return 0;
}

/* for sgnl.c: a word of the answer */
void complete_add(const char *w, void *o)
{
	add(w, o);
}
