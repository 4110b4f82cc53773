// SPDX-License-Identifier: GPL-2.0
/*
 * sgnl sync etcd URL [vpc NAME] [host NAME] [ttl SECONDS]: the agent that
 * makes this host (this network namespace) one of a VPC's hosts.
 *
 * It keeps the host's groups and rules equal to the VPC's definition
 * (vpc.h), with every other host's instances as remote members of their
 * groups, and publishes the addresses of this host's attachments as members
 * under its own keys, bound to its lease.  What the kernel enforces is
 * always one whole state: the definition and the members as one etcd
 * revision saw them, sent as one CONFIG_REPLACE that takes all or nothing
 * (attachments are left as they are: they are this host's).
 *
 * Fail static.  When etcd cannot be reached, the kernel keeps enforcing
 * what it has; the agent retries and, once etcd answers, catches up.  A
 * definition the kernel refuses (or that is not a configuration at all) is
 * refused whole, logged once, and the last good state stays.  The watch
 * resumes from the revision after the last one seen; if etcd compacted it
 * away meanwhile, the agent reads everything again.  A restarted agent
 * rebuilds all of it from etcd and the kernel: it keeps no state of its own.
 *
 * Events wake it: the watch on the VPC's keys, and this host's own
 * attachment events (secgroup's multicast group), read every 200 ms.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netlink/genl/ctrl.h>

#include "sgnl.h"
#include "config.h"
#include "nl.h"
#include "vpc.h"

struct agent {
	struct vpc v;
	char host[VPC_NAME_MAX + 1];
	char mine[192];		/* PREFIX hosts/HOST/ */
	int64_t ttl, lease;
	int64_t rev;		/* the last revision read or watched */
	struct etcd_kvs keys;	/* the VPC's keys at rev: read once, then watched */
	char *applied;		/* the configuration last sent, as text */
	char *refused;		/* the last one the kernel refused */
	bool etcd_down;		/* said so already */
	bool no_definition;	/* said so already */
	struct nl_sock *ev;	/* this host's secgroup events */
};

static volatile sig_atomic_t stopping;

static void on_signal(int sig)
{
	stopping = 1;
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...)
{
	struct timespec ts;
	struct tm tm;
	va_list ap;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ sgnl sync: ",
		tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
		tm.tm_sec, ts.tv_nsec / 1000000);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void etcd_failed(struct agent *ag, const char *what)
{
	if (!ag->etcd_down)
		say("etcd %s: %s: %s; the kernel keeps enforcing the last state",
		    etcd_url(ag->v.e), what, etcd_error(ag->v.e));
	ag->etcd_down = true;
}

/* ---- what the kernel should enforce ---- */

/* ADDR of a member key PREFIX hosts/HOST/GROUP/ADDR: host, group, addr */
static bool member_key(struct agent *ag, char *key, char **host, char **group, char **addr)
{
	unsigned char buf[16];
	char *p;

	if (strncmp(key, ag->v.hosts, strlen(ag->v.hosts)))
		return false;
	*host = key + strlen(ag->v.hosts);
	p = strchr(*host, '/');
	if (!p)
		return false;
	*p = 0;
	*group = p + 1;
	p = strrchr(*group, '/');	/* group names may hold a slash; addresses do not */
	if (!p)
		return false;
	*p = 0;
	*addr = p + 1;
	return vpc_name_ok(*host) && (inet_pton(AF_INET, *addr, buf) == 1 ||
				      inet_pton(AF_INET6, *addr, buf) == 1);
}

/* The other hosts' members into @def's groups (of the same name). */
static void add_members(struct agent *ag, struct conf *def, struct etcd_kvs *kvs)
{
	char *key, *host, *group, *addr;
	struct conf_group *g;
	struct sg_ip ip;
	size_t i;

	for (i = 0; i < kvs->n; i++) {
		key = strdup(kvs->kv[i].key);
		if (key && member_key(ag, key, &host, &group, &addr) &&
		    strcmp(host, ag->host) && (g = conf_group(def, group)) &&
		    !sg_parse_ip(addr, &ip, false) && conf_member_find(g, &ip) < 0)
			conf_member_add(g, &ip);
		free(key);
	}
}

/* The definition at @kvs's revision with the members: to the kernel, once. */
static void enforce(struct agent *ag, struct etcd_kvs *kvs)
{
	const struct etcd_kv *kv = NULL;
	struct conf *def = NULL;
	char *text = NULL;
	size_t i;
	FILE *f;
	size_t len;

	for (i = 0; i < kvs->n && !kv; i++)
		if (!strcmp(kvs->kv[i].key, ag->v.config))
			kv = &kvs->kv[i];
	if (!kv) {
		if (!ag->no_definition)
			say("%s: no definition yet; the kernel keeps what it has", ag->v.config);
		ag->no_definition = true;
		return;
	}
	ag->no_definition = false;
	if (vpc_definition(&ag->v, kv->value, &def)) {
		say("%s at revision %lld is not a configuration (above); refused whole, "
		    "the last good state stays", ag->v.config, (long long)kv->mod_revision);
		return;
	}
	add_members(ag, def, kvs);
	f = open_memstream(&text, &len);
	if (!f)
		goto out;
	config_write(f, def);
	fclose(f);
	if ((ag->applied && !strcmp(ag->applied, text)) ||
	    (ag->refused && !strcmp(ag->refused, text)))
		goto out;	/* in force already, or refused already */
	if (config_send(def, 0, 0, "sync")) {
		say("the kernel refused revision %lld (above): refused whole, the last good "
		    "state stays", (long long)ag->rev);
		free(ag->refused);
		ag->refused = text;
	} else {
		say("revision %lld in force", (long long)ag->rev);
		free(ag->applied);
		ag->applied = text;
		free(ag->refused);
		ag->refused = NULL;
	}
	text = NULL;
out:
	free(text);
	conf_free(def);
}

/* ---- this host's members ---- */

/* Each address of each attachment in each of its groups: a key of ours */
static json_object *my_members(struct agent *ag)
{
	struct conf *c = config_fetch(NULL);
	const struct conf_attach *at;
	char key[512], addr[INET6_ADDRSTRLEN];
	json_object *want;
	size_t i, j, k;

	if (!c)
		return NULL;
	want = json_object_new_object();
	for (i = 0; i < c->natts; i++) {
		at = &c->atts[i];
		for (j = 0; j < at->ngroups; j++) {
			for (k = 0; k < at->naddrs; k++) {
				sg_format_ip(at->addrs[k].family, &at->addrs[k].v4, addr, sizeof(addr));
				snprintf(key, sizeof(key), "%s%s/%s", ag->mine, at->groups[j], addr);
				json_object_object_add(want, key, json_object_new_string(at->name));
			}
		}
	}
	conf_free(c);
	return want;
}

/* Our keys in etcd made equal to @want, each under our lease. */
static int publish(struct agent *ag, struct etcd_kvs *kvs)
{
	json_object *want = my_members(ag), *v, *gone = json_object_new_array();
	int changed = 0, err = 0;
	size_t i;

	if (!want) {
		say("cannot read this host's attachments: %s", sg_nl_errmsg);
		json_object_put(gone);
		return 0;	/* the kernel: nothing for etcd to retry */
	}
	for (i = 0; i < kvs->n; i++) {
		const struct etcd_kv *kv = &kvs->kv[i];

		if (strncmp(kv->key, ag->mine, strlen(ag->mine)))
			continue;
		if (!json_object_object_get_ex(want, kv->key, &v))
			json_object_array_add(gone, json_object_new_string(kv->key));
		else if (kv->lease == ag->lease)
			json_object_object_del(want, kv->key);	/* as it should be */
	}
	/* the local copy follows each write at once; the watch confirms it */
	for (i = 0; !err && i < json_object_array_length(gone); i++) {
		const char *key = json_object_get_string(json_object_array_get_idx(gone, i));

		err = etcd_delete(ag->v.e, key);
		if (!err)
			etcd_kvs_drop(kvs, key);
		changed++;
	}
	json_object_object_foreach(want, key, val) {
		if (err)
			break;
		err = etcd_put(ag->v.e, key, json_object_get_string(val), ag->lease);
		if (!err)
			etcd_kvs_set(kvs, key, json_object_get_string(val), 0, ag->lease);
		changed++;
	}
	json_object_put(gone);
	json_object_put(want);
	if (err)
		return -1;
	if (changed)
		say("published this host's members (%d change%s)", changed, changed == 1 ? "" : "s");
	return 0;
}

/* Every key of the VPC, read again at one revision.  0, or -1 (etcd). */
static int read_all(struct agent *ag)
{
	struct etcd_kvs kvs;

	if (etcd_range(ag->v.e, ag->v.prefix, &kvs)) {
		etcd_failed(ag, "reading the VPC");
		return -1;
	}
	etcd_kvs_free(&ag->keys);
	ag->keys = kvs;
	ag->rev = kvs.revision;
	say("read the VPC at revision %lld: %zu keys", (long long)ag->rev, kvs.n);
	return 0;
}

/* A watched change, into the local copy. */
static void on_event(const struct etcd_kv *kv, bool deleted, void *arg)
{
	struct agent *ag = arg;

	if (deleted)
		etcd_kvs_drop(&ag->keys, kv->key);
	else
		etcd_kvs_set(&ag->keys, kv->key, kv->value, kv->mod_revision, kv->lease);
}

/* The local copy to the kernel, this host's members to etcd.  0, or -1. */
static int reconcile(struct agent *ag)
{
	int err;

	enforce(ag, &ag->keys);
	err = publish(ag, &ag->keys);
	if (err) {
		etcd_failed(ag, "publishing this host's members");
		return -1;
	}
	if (ag->etcd_down)
		say("etcd %s answers again", etcd_url(ag->v.e));
	ag->etcd_down = false;
	return 0;
}

/* ---- this host's attachments changing ---- */

static int ev_open(struct agent *ag)
{
	int grp = sg_nl_events_group();

	ag->ev = nl_socket_alloc();
	if (grp < 0 || !ag->ev || genl_connect(ag->ev) || sg_nl_kernel_only(ag->ev) ||
	    nl_socket_add_membership(ag->ev, grp) || nl_socket_set_nonblocking(ag->ev))
		return -1;
	nl_socket_set_buffer_size(ag->ev, 1 << 20, 0);
	return 0;
}

/* Whether an attachment changed since the last call (or events were lost). */
static bool ev_attach_changed(struct agent *ag)
{
	char buf[16384];
	bool changed = false;
	ssize_t n;
	int fd = nl_socket_get_fd(ag->ev);

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) != 0) {
		struct nlmsghdr *h = (struct nlmsghdr *)buf;
		int len = n;

		if (n < 0) {
			if (errno == ENOBUFS)	/* lost some: look again */
				changed = true;
			if (errno != EINTR && errno != ENOBUFS)
				break;
			continue;
		}
		for (; NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
			struct genlmsghdr *g = NLMSG_DATA(h);

			if (g->cmd == SECGROUP_CMD_ATTACH_NEW || g->cmd == SECGROUP_CMD_ATTACH_DEL)
				changed = true;
		}
	}
	return changed;
}

/* ---- the loop ---- */

/* Keep the lease alive, or take a new one: then true (publish again). */
static bool lease_keep(struct agent *ag, double *next)
{
	if (now() < *next)
		return false;
	*next = now() + (double)ag->ttl / 3;
	if (ag->lease && etcd_lease_keepalive(ag->v.e, ag->lease)) {
		if (strstr(etcd_error(ag->v.e), "expired")) {
			say("lease %llx expired: a new one, and the members again",
			    (unsigned long long)ag->lease);
			ag->lease = 0;
		} else {
			etcd_failed(ag, "keeping the lease");
		}
	}
	if (ag->lease)
		return false;
	if (etcd_lease_grant(ag->v.e, ag->ttl, &ag->lease)) {
		etcd_failed(ag, "granting a lease");
		*next = now() + 1;
		return false;
	}
	say("lease %llx of %llds", (unsigned long long)ag->lease, (long long)ag->ttl);
	return true;
}

static int run_agent(struct agent *ag)
{
	struct etcd_watch *w = NULL;
	double next_keep = 0, next_try = 0, backoff = 0.25;
	bool dirty = true, stale = true;	/* stale: read everything first */
	int64_t rev;
	int r, watch_wait = 500;	/* ms before a broken watch is opened again */

	if (ev_open(ag)) {
		fprintf(stderr, "sgnl: sync: cannot listen to secgroup's events\n");
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	say("host %s of VPC %s at %s", ag->host, ag->v.prefix, etcd_url(ag->v.e));
	while (!stopping) {
		if (lease_keep(ag, &next_keep))
			dirty = true;
		if (ag->lease && (dirty || stale) && now() >= next_try) {
			if ((stale && read_all(ag)) || reconcile(ag)) {
				next_try = now() + backoff;
				backoff = backoff < 4 ? backoff * 2 : 4;
			} else {
				dirty = stale = false;
				backoff = 0.25;
			}
		}
		if (!w && ag->rev)
			w = etcd_watch_open(ag->v.e, ag->v.prefix, ag->rev + 1);
		r = w ? etcd_watch_wait(w, 200, &rev, on_event, ag) : (poll(NULL, 0, 200), 0);
		if (r == 1) {
			ag->rev = rev;
			dirty = true;
			watch_wait = 500;
		} else if (r == -2) {
			say("revision %lld was compacted away: reading everything again",
			    (long long)ag->rev + 1);
			etcd_watch_close(w);
			w = NULL;
			ag->rev = 0;	/* the next watch starts after the next read */
			stale = true;
		} else if (r == -1) {
			etcd_watch_close(w);	/* resumes from ag->rev + 1 */
			w = NULL;
			/* a watch refused again and again is not opened twice a second */
			poll(NULL, 0, watch_wait);
			watch_wait = watch_wait < 4000 ? watch_wait * 2 : 4000;
		}
		if (ev_attach_changed(ag))
			dirty = true;
	}
	etcd_watch_close(w);
	/* the lease is left to expire: a restart keeps the members meanwhile */
	say("stopped");
	return 0;
}

int cmd_sync(struct args *a)
{
	const char *url = NULL, *vpc = "default", *ttl = "10";
	char host[VPC_NAME_MAX + 1] = "";
	struct agent ag = { 0 };
	char *end;
	int err;

	while (peek(a)) {
		if (match(a, "etcd"))
			url = next(a);
		else if (match(a, "vpc"))
			vpc = next(a);
		else if (match(a, "host"))
			snprintf(host, sizeof(host), "%s", next(a) ?: "");
		else if (match(a, "ttl"))
			ttl = next(a);
		else
			return usage_err("sync: unknown argument '%s'", peek(a));
		if (!url || !vpc || !ttl)
			return usage_err("sync: a value is missing");
	}
	if (!url)
		return usage_err("sync: etcd URL is required");
	ag.ttl = strtoll(ttl, &end, 10);
	if (*end || ag.ttl < 2 || ag.ttl > 3600)
		return usage_err("sync: ttl: '%s' is not 2 to 3600 seconds", ttl);
	if (!host[0] && gethostname(host, sizeof(host)))
		return usage_err("sync: host NAME is required (no hostname)");
	if (!vpc_name_ok(host))
		return usage_err("sync: host: '%s' is not a name (letters, digits, . _ -)", host);
	snprintf(ag.host, sizeof(ag.host), "%s", host);
	err = vpc_open(&ag.v, url, vpc);
	if (err)
		return err;
	snprintf(ag.mine, sizeof(ag.mine), "%s%s/", ag.v.hosts, ag.host);
	err = run_agent(&ag);
	if (ag.ev)
		nl_socket_free(ag.ev);
	free(ag.applied);
	free(ag.refused);
	etcd_kvs_free(&ag.keys);
	vpc_close(&ag.v);
	return err;
}
