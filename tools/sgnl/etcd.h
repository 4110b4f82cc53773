/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small client of etcd's v3 API through its JSON gateway (HTTP/1.1 POST
 * to /v3/..., keys and values base64), on libcurl: what `sgnl sync` and
 * `sgnl --etcd` need and nothing more.
 */
#ifndef SGNL_ETCD_H
#define SGNL_ETCD_H

#include <stdbool.h>
#include <stdint.h>
#include <json-c/json.h>

struct etcd;

/* One key as a range returns it. */
struct etcd_kv {
	char *key;
	char *value;
	size_t value_len;
	int64_t mod_revision;
	int64_t lease;
};

struct etcd_kvs {
	struct etcd_kv *kv;
	size_t n;
	int64_t revision;	/* the store's revision the range saw */
};

struct etcd *etcd_open(const char *url, long timeout_ms);
void etcd_close(struct etcd *e);
const char *etcd_url(const struct etcd *e);
/* The last failure, for a log line: "connection refused", "etcdserver: ..." */
const char *etcd_error(const struct etcd *e);

/* 0, or -1 with etcd_error() set.  A prefix range: every key under @prefix. */
int etcd_range(struct etcd *e, const char *prefix, struct etcd_kvs *out);
int etcd_get(struct etcd *e, const char *key, struct etcd_kvs *out);	/* 0 or 1 kv */
void etcd_kvs_free(struct etcd_kvs *kvs);
/* a local copy kept up to date: set (a put) or drop (a delete) one key */
int etcd_kvs_set(struct etcd_kvs *kvs, const char *key, const char *value,
		 int64_t mod_revision, int64_t lease);
void etcd_kvs_drop(struct etcd_kvs *kvs, const char *key);
int etcd_put(struct etcd *e, const char *key, const char *value, int64_t lease);
int etcd_delete(struct etcd *e, const char *key);
/*
 * Put @value at @key only if the key's mod_revision is still @mod_revision
 * (0: the key must not exist).  1 if it was put, 0 if the key had changed,
 * -1 on failure.
 */
int etcd_put_if(struct etcd *e, const char *key, int64_t mod_revision, const char *value);
int etcd_compact(struct etcd *e, int64_t revision);

/* Leases: grant one of @ttl seconds; keep it alive (0, or -1: it is gone). */
int etcd_lease_grant(struct etcd *e, int64_t ttl, int64_t *id);
int etcd_lease_keepalive(struct etcd *e, int64_t id);

/*
 * A watch of every key under @prefix from @start_revision, read as its
 * responses arrive: etcd_watch_wait() waits up to @timeout_ms, hands each
 * event to @fn (@kv: the key, its value and mod_revision; @deleted for a
 * delete) and returns 1 (events came: the revision of the last response in
 * *rev), 0 (nothing yet), -2 (the start revision was compacted:
 * resynchronise from a range) or -1 (the watch broke: open a new one from
 * the last revision seen + 1).
 */
struct etcd_watch;
typedef void (*etcd_event_fn)(const struct etcd_kv *kv, bool deleted, void *arg);
struct etcd_watch *etcd_watch_open(struct etcd *e, const char *prefix, int64_t start_revision);
int etcd_watch_wait(struct etcd_watch *w, int timeout_ms, int64_t *rev,
		    etcd_event_fn fn, void *arg);
void etcd_watch_close(struct etcd_watch *w);

#endif
