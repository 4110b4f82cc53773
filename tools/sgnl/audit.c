// SPDX-License-Identifier: GPL-2.0
/*
 * sgnl audit [fail-on high|medium|low|info] [unused DURATION]
 *
 * Findings, most severe first:
 *   high    a rule open to 0.0.0.0/0 or ::/0 on a high-risk port (the list
 *           of AWS Security Hub control EC2.19), or on all protocols
 *   medium  the default group allows traffic (as AWS's EC2.2); an ingress
 *           rule shadowed by, or a duplicate of, a rule of another group of
 *           the same instance (egress is left out: every group carries the
 *           same default egress rule)
 *   low     a group attached nowhere; an attached rule with no hit in
 *           DURATION (30d, 12h, 90m, 3600s; default: never hit)
 * Exits 3 if any finding is at or above fail-on (default high); 1 is a
 * failure to read the configuration.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sgnl.h"

static const uint16_t risky[] = {
	20, 21, 22, 23, 25, 110, 135, 143, 445, 1433, 1434, 3000, 3306, 3389,
	4333, 5000, 5432, 5500, 5601, 8080, 8088, 8888, 9200, 9300,
};

enum sev { INFO, LOW, MEDIUM, HIGH };
static const char *const sev_name[] = { "info", "low", "medium", "high" };

struct audit {
	json_object *groups, *rules, *attach;
	json_object *findings;
	int worst;
	time_t unused_before;		/* 0: never hit */
};

static const char *js(json_object *o, const char *k)
{
	json_object *v = json_object_object_get(o, k);

	return v ? json_object_get_string(v) : NULL;
}

static void finding(struct audit *a, enum sev sev, const char *check,
		    json_object *rule, const char *group, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static void finding(struct audit *a, enum sev sev, const char *check,
		    json_object *rule, const char *group, const char *fmt, ...)
{
	json_object *f = json_object_new_object();
	char text[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	json_object_object_add(f, "severity", json_object_new_string(sev_name[sev]));
	json_object_object_add(f, "check", json_object_new_string(check));
	if (group)
		json_object_object_add(f, "group", json_object_new_string(group));
	if (rule)
		json_object_object_add(f, "rule", json_object_new_string(js(rule, "id")));
	json_object_object_add(f, "message", json_object_new_string(text));
	json_object_array_add(a->findings, f);
	if ((int)sev > a->worst)
		a->worst = sev;
}

/* A rule's port range; all ports when it has none. */
static void ports(json_object *r, uint16_t *lo, uint16_t *hi)
{
	const char *p = js(r, "port");

	*lo = 0;
	*hi = 65535;
	if (p)
		sg_parse_ports(p, 0, lo, hi);
}

static bool world(json_object *r)
{
	const char *peer = js(r, "peer");

	return peer && (!strcmp(peer, "0.0.0.0/0") || !strcmp(peer, "::/0"));
}

static void check_open(struct audit *a, json_object *r, const char *gname)
{
	const char *proto = js(r, "protocol");
	uint16_t lo, hi;
	size_t i;

	if (strcmp(js(r, "direction"), "ingress") || !world(r))
		return;
	if (!strcmp(proto, "all")) {
		finding(a, HIGH, "open-all", r, gname, "%s %s: all protocols open to %s",
			gname, js(r, "id"), js(r, "peer"));
		return;
	}
	if (strcmp(proto, "tcp") && strcmp(proto, "udp"))
		return;
	ports(r, &lo, &hi);
	for (i = 0; i < sizeof(risky) / sizeof(risky[0]); i++) {
		if (risky[i] < lo || risky[i] > hi)
			continue;
		finding(a, HIGH, "open-admin-port", r, gname,
			"%s %s: %s port %u open to %s (EC2.19 high-risk port)",
			gname, js(r, "id"), proto, risky[i], js(r, "peer"));
		return;	/* one finding per rule */
	}
}

static json_object *group_by_id(struct audit *a, const char *id)
{
	size_t i;

	for (i = 0; i < json_object_array_length(a->groups); i++) {
		json_object *g = json_object_array_get_idx(a->groups, i);

		if (!strcmp(js(g, "id"), id))
			return g;
	}
	return NULL;
}

/* Does @x allow everything @y allows? */
static bool covers(json_object *x, json_object *y)
{
	struct sg_ip px, py;
	uint16_t xl, xh, yl, yh;
	json_object *xt, *yt;

	if (strcmp(js(x, "direction"), js(y, "direction")))
		return false;
	if (strcmp(js(x, "protocol"), "all") && strcmp(js(x, "protocol"), js(y, "protocol")))
		return false;
	if (strcmp(js(x, "protocol"), "all")) {
		ports(x, &xl, &xh);
		ports(y, &yl, &yh);
		if (xl > yl || xh < yh)
			return false;
		xt = json_object_object_get(x, "type");
		yt = json_object_object_get(y, "type");
		if (xt && (!yt || json_object_get_int(xt) != json_object_get_int(yt)))
			return false;
		xt = json_object_object_get(x, "code");
		yt = json_object_object_get(y, "code");
		if (xt && (!yt || json_object_get_int(xt) != json_object_get_int(yt)))
			return false;
	}
	if (js(x, "peer_group") || js(y, "peer_group"))
		return js(x, "peer_group") && js(y, "peer_group") &&
		       !strcmp(js(x, "peer_group"), js(y, "peer_group"));
	if (sg_parse_ip(js(x, "peer"), &px, true) || sg_parse_ip(js(y, "peer"), &py, true) ||
	    px.family != py.family || px.prefix > py.prefix)
		return false;
	/* y's network inside x's: compare the first x.prefix bits */
	{
		const uint8_t *bx = (const uint8_t *)&px.v4, *by = (const uint8_t *)&py.v4;
		int bit;

		if (px.family == AF_INET6) {
			bx = px.v6.s6_addr;
			by = py.v6.s6_addr;
		}
		for (bit = 0; bit < px.prefix; bit++)
			if (((bx[bit / 8] ^ by[bit / 8]) >> (7 - bit % 8)) & 1)
				return false;
	}
	return true;
}

static void check_shadowed(struct audit *a, json_object *at)
{
	json_object *gl = json_object_object_get(at, "groups");
	const char *inst = js(at, "dev") ? js(at, "dev") : js(at, "cgroup");
	size_t gi, gj, i, j, n = json_object_array_length(a->rules);

	for (gi = 0; gi < json_object_array_length(gl); gi++) {
		const char *g1 = json_object_get_string(json_object_array_get_idx(gl, gi));

		for (gj = 0; gj < json_object_array_length(gl); gj++) {
			const char *g2 = json_object_get_string(json_object_array_get_idx(gl, gj));

			if (gi == gj)
				continue;
			for (i = 0; i < n; i++) {
				json_object *x = json_object_array_get_idx(a->rules, i);

				if (strcmp(js(x, "group"), g1) ||
				    strcmp(js(x, "direction"), "ingress"))
					continue;
				for (j = 0; j < n; j++) {
					json_object *y = json_object_array_get_idx(a->rules, j);

					if (strcmp(js(y, "group"), g2) || !covers(x, y))
						continue;
					/* a duplicate pair is reported once */
					if (covers(y, x) && gi > gj)
						continue;
					finding(a, MEDIUM, covers(y, x) ? "duplicate" : "shadowed", y,
						group_name(a->groups, strtoul(g2 + 3, NULL, 16)),
						"on %s: %s %s is %s %s %s", inst,
						group_name(a->groups, strtoul(g2 + 3, NULL, 16)), js(y, "id"),
						covers(y, x) ? "a duplicate of" : "shadowed by",
						group_name(a->groups, strtoul(g1 + 3, NULL, 16)), js(x, "id"));
				}
			}
		}
	}
}

static int parse_duration(const char *s, time_t *out)
{
	char *end;
	long v;
	int mult = 1;

	errno = 0;
	v = strtol(s, &end, 10);
	if (end == s || v <= 0 || errno)
		return -EINVAL;
	switch (*end) {
	case 'd': mult = 86400; end++; break;
	case 'h': mult = 3600; end++; break;
	case 'm': mult = 60; end++; break;
	case 's': end++; break;
	case 0: break;
	default: return -EINVAL;
	}
	if (*end || v > time(NULL) / mult)	/* before 1970: not a duration */
		return -EINVAL;
	*out = time(NULL) - (time_t)v * mult;
	return 0;
}

int cmd_audit(struct args *args)
{
	struct audit a = { .worst = -1 };
	int fail_on = HIGH, i;
	size_t k;

	while (peek(args)) {
		if (match(args, "fail-on")) {
			const char *s = next(args);

			for (i = 0; s && i <= HIGH; i++)
				if (!strcmp(s, sev_name[i]))
					break;
			if (!s || i > HIGH)
				return usage_err("audit: fail-on takes high, medium, low or info");
			fail_on = i;
		} else if (match(args, "unused")) {
			const char *s = next(args);

			if (!s || parse_duration(s, &a.unused_before))
				return usage_err("audit: unused takes a duration like 30d, 12h, 90m");
		} else {
			return usage_err("audit: unknown argument '%s'", peek(args));
		}
	}
	a.groups = groups_fetch();
	a.rules = rules_fetch(0);
	a.attach = attach_fetch();
	if (!a.groups || !a.rules || !a.attach)
		return nl_err("audit", -EIO);
	a.findings = json_object_new_array();

	for (k = 0; k < json_object_array_length(a.rules); k++) {
		json_object *r = json_object_array_get_idx(a.rules, k);
		json_object *g = group_by_id(&a, js(r, "group"));
		const char *gname = g ? js(g, "name") : js(r, "group");

		check_open(&a, r, gname);
		if (g && json_object_get_int(json_object_object_get(g, "attachments")) &&
		    json_object_get_int64(json_object_object_get(r, "last_hit")) <= a.unused_before)
			finding(&a, LOW, "unused-rule", r, gname, "%s %s: %s", gname, js(r, "id"),
				a.unused_before ? "no hit in that time" : "never hit");
	}
	for (k = 0; k < json_object_array_length(a.groups); k++) {
		json_object *g = json_object_array_get_idx(a.groups, k);
		bool def = json_object_get_boolean(json_object_object_get(g, "default"));
		size_t j, nrules = 0;

		for (j = 0; j < json_object_array_length(a.rules); j++)
			nrules += !strcmp(js(json_object_array_get_idx(a.rules, j), "group"), js(g, "id"));
		if (def && nrules)
			finding(&a, MEDIUM, "default-allows", NULL, js(g, "name"),
				"the default group allows traffic (%zu rules): instances attached "
				"without groups get it", nrules);
		if (!def && !json_object_get_int(json_object_object_get(g, "attachments")))
			finding(&a, LOW, "unattached-group", NULL, js(g, "name"),
				"%s %s is attached to no instance", js(g, "name"), js(g, "id"));
	}
	for (k = 0; k < json_object_array_length(a.attach); k++)
		check_shadowed(&a, json_object_array_get_idx(a.attach, k));

	if (opts.json) {
		print_json(a.findings);
	} else {
		for (i = HIGH; i >= INFO; i--)
			for (k = 0; k < json_object_array_length(a.findings); k++) {
				json_object *f = json_object_array_get_idx(a.findings, k);

				if (!strcmp(js(f, "severity"), sev_name[i]))
					printf("%-6s %-17s %s\n", sev_name[i], js(f, "check"), js(f, "message"));
			}
		if (!json_object_array_length(a.findings))
			printf("no findings\n");
	}
	json_object_put(a.findings);
	json_object_put(a.groups);
	json_object_put(a.rules);
	json_object_put(a.attach);
	return a.worst >= fail_on ? EXIT_FINDINGS : 0;
}
