// SPDX-License-Identifier: GPL-2.0
/*
 * etcd v3 through its JSON gateway, on libcurl (see etcd.h).
 *
 * The gateway is part of every etcd since 3.3 and needs nothing but HTTP:
 * no gRPC stack, no generated code.  Each call is one POST of a JSON
 * request; a watch is one POST whose response streams a JSON object per
 * line for as long as it lasts.
 */
#define _GNU_SOURCE	/* asprintf */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dlfcn.h>
#define CURL_DISABLE_TYPECHECK	/* its macros would hide the calls below */
#include <curl/curl.h>

#include "etcd.h"

/*
 * libcurl, and the thirty libraries it brings (TLS, Kerberos, LDAP, ...),
 * are loaded when etcd is first used, not when sgnl starts: the other
 * commands start as fast as without it, and a one-rule change is mostly
 * the time sgnl takes to start.  (systemd loads its optional libraries
 * the same way.)
 */
static struct {
	typeof(curl_global_init) *global_init;
	typeof(curl_easy_init) *easy_init;
	typeof(curl_easy_setopt) *easy_setopt;
	typeof(curl_easy_perform) *easy_perform;
	typeof(curl_easy_getinfo) *easy_getinfo;
	typeof(curl_easy_reset) *easy_reset;
	typeof(curl_easy_cleanup) *easy_cleanup;
	typeof(curl_easy_strerror) *easy_strerror;
	typeof(curl_slist_append) *slist_append;
	typeof(curl_slist_free_all) *slist_free_all;
	typeof(curl_multi_init) *multi_init;
	typeof(curl_multi_add_handle) *multi_add_handle;
	typeof(curl_multi_remove_handle) *multi_remove_handle;
	typeof(curl_multi_perform) *multi_perform;
	typeof(curl_multi_poll) *multi_poll;
	typeof(curl_multi_cleanup) *multi_cleanup;
} lc;

#undef curl_easy_setopt		/* curl.h's pass-through macros */
#undef curl_easy_getinfo
#define curl_global_init (*lc.global_init)
#define curl_easy_init (*lc.easy_init)
#define curl_easy_setopt (*lc.easy_setopt)
#define curl_easy_perform (*lc.easy_perform)
#define curl_easy_getinfo (*lc.easy_getinfo)
#define curl_easy_reset (*lc.easy_reset)
#define curl_easy_cleanup (*lc.easy_cleanup)
#define curl_easy_strerror (*lc.easy_strerror)
#define curl_slist_append (*lc.slist_append)
#define curl_slist_free_all (*lc.slist_free_all)
#define curl_multi_init (*lc.multi_init)
#define curl_multi_add_handle (*lc.multi_add_handle)
#define curl_multi_remove_handle (*lc.multi_remove_handle)
#define curl_multi_perform (*lc.multi_perform)
#define curl_multi_poll (*lc.multi_poll)
#define curl_multi_cleanup (*lc.multi_cleanup)

#define LC_SYM(h, f) ((lc.f = dlsym(h, "curl_" #f)) != NULL)

/* 0, or -1 with the reason on stderr */
static int libcurl_load(void)
{
	static void *h;

	if (h)
		return 0;
	h = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL);
	if (h && LC_SYM(h, global_init) && LC_SYM(h, easy_init) && LC_SYM(h, easy_setopt) &&
	    LC_SYM(h, easy_perform) && LC_SYM(h, easy_getinfo) && LC_SYM(h, easy_reset) &&
	    LC_SYM(h, easy_cleanup) && LC_SYM(h, easy_strerror) && LC_SYM(h, slist_append) &&
	    LC_SYM(h, slist_free_all) && LC_SYM(h, multi_init) &&
	    LC_SYM(h, multi_add_handle) && LC_SYM(h, multi_remove_handle) &&
	    LC_SYM(h, multi_perform) && LC_SYM(h, multi_poll) && LC_SYM(h, multi_cleanup))
		return 0;
	fprintf(stderr, "sgnl: etcd needs libcurl (Debian: libcurl4): %s\n", dlerror());
	if (h)
		dlclose(h);
	h = NULL;
	return -1;
}

struct etcd {
	char *url;
	long timeout_ms;
	/*
	 * TLS and authentication from etcdctl's variables, so a host set up
	 * for etcdctl works as is.  The gateway ignores a client
	 * certificate's name, so a user is a name and a password, traded for
	 * a token sent with every call (and traded again when it expires).
	 */
	const char *cacert, *cert, *key;
	char *user, *password;
	char *token;		/* NULL: none yet */
	bool token_stale;	/* etcd said it is no longer good */
	bool quiet;		/* a failing answer is not logged raw (it may echo the password) */
	struct curl_slist *hdr;
	CURL *curl;
	char err[256];
};

struct buf {
	char *p;
	size_t len, cap;
};

static size_t buf_add(struct buf *b, const void *data, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p)
			return 0;
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = 0;
	return n;
}

static size_t on_data(char *data, size_t size, size_t n, void *arg)
{
	return buf_add(arg, data, size * n);
}

/* ---- base64, as the gateway carries keys and values ---- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *b64_encode(const void *data, size_t n)
{
	const unsigned char *s = data;
	char *out = malloc(4 * ((n + 2) / 3) + 1), *o = out;
	size_t i;

	if (!out)
		return NULL;
	for (i = 0; i + 2 < n; i += 3) {
		*o++ = b64[s[i] >> 2];
		*o++ = b64[(s[i] & 3) << 4 | s[i + 1] >> 4];
		*o++ = b64[(s[i + 1] & 15) << 2 | s[i + 2] >> 6];
		*o++ = b64[s[i + 2] & 63];
	}
	if (i < n) {
		*o++ = b64[s[i] >> 2];
		if (i + 1 < n) {
			*o++ = b64[(s[i] & 3) << 4 | s[i + 1] >> 4];
			*o++ = b64[(s[i + 1] & 15) << 2];
		} else {
			*o++ = b64[(s[i] & 3) << 4];
			*o++ = '=';
		}
		*o++ = '=';
	}
	*o = 0;
	return out;
}

static int b64_val(char c)
{
	const char *p = c ? strchr(b64, c) : NULL;

	return p ? p - b64 : -1;
}

/* NUL-terminated; NULL if @s is not base64 */
static char *b64_decode(const char *s, size_t *len)
{
	size_t n = strlen(s), i, o = 0;
	char *out = malloc(n / 4 * 3 + 1);
	int v[4], k;

	if (!out || n % 4)
		goto bad;
	for (i = 0; i < n; i += 4) {
		for (k = 0; k < 4; k++) {
			v[k] = s[i + k] == '=' && i + 4 == n && k >= 2 ? 0 : b64_val(s[i + k]);
			if (v[k] < 0)
				goto bad;
		}
		out[o++] = v[0] << 2 | v[1] >> 4;
		if (s[i + 2] != '=')
			out[o++] = (v[1] & 15) << 4 | v[2] >> 2;
		if (s[i + 3] != '=')
			out[o++] = (v[2] & 3) << 6 | v[3];
	}
	out[o] = 0;
	if (len)
		*len = o;
	return out;
bad:
	free(out);
	return NULL;
}

/* The end of the range of every key starting with @prefix (etcd's rule). */
static char *prefix_end(const char *prefix)
{
	char *end = strdup(prefix);
	size_t n = strlen(end);

	while (n && (unsigned char)end[n - 1] == 0xff)
		end[--n] = 0;
	if (n)
		end[n - 1]++;
	return end;
}

static void add_b64(json_object *o, const char *k, const char *s)
{
	char *v = b64_encode(s, strlen(s));

	json_object_object_add(o, k, json_object_new_string(v ? v : ""));
	free(v);
}

/* ---- calls ---- */

/* ETCDCTL_USER, "NAME:PASSWORD" or "NAME" with ETCDCTL_PASSWORD */
static int user_from_env(struct etcd *e)
{
	const char *u = getenv("ETCDCTL_USER"), *pw = getenv("ETCDCTL_PASSWORD");
	const char *colon;

	if (!u || !*u)
		return 0;
	colon = strchr(u, ':');
	e->user = colon ? strndup(u, colon - u) : strdup(u);
	e->password = strdup(colon ? colon + 1 : pw ? pw : "");
	return e->user && e->password ? 0 : -1;
}

/* the headers every call sends: JSON, and the token if there is one */
static struct curl_slist *header_list(const char *token)
{
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json"), *t;
	char *line;

	if (!h || !token)
		return h;
	if (asprintf(&line, "Authorization: %s", token) < 0) {
		curl_slist_free_all(h);
		return NULL;
	}
	t = curl_slist_append(h, line);
	free(line);
	if (!t)
		curl_slist_free_all(h);
	return t;
}

/* The answers that mean "authenticate again": the request was not applied. */
static bool auth_stale(const char *msg)
{
	return strstr(msg, "invalid auth token") || strstr(msg, "auth store is old") ||
	       strstr(msg, "user name is empty");
}

/* A token goes into a header line: simple tokens and JWTs are [A-Za-z0-9._-] */
static bool token_ok(json_object *t)
{
	const char *p;

	if (!json_object_is_type(t, json_type_string) || !json_object_get_string_len(t))
		return false;
	for (p = json_object_get_string(t); *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			return false;
	return true;
}

static int headers(struct etcd *e)
{
	struct curl_slist *h = header_list(e->token);

	if (!h)
		return -1;
	curl_slist_free_all(e->hdr);
	e->hdr = h;
	return 0;
}

struct etcd *etcd_open(const char *url, long timeout_ms)
{
	struct etcd *e;

	if (libcurl_load())
		return NULL;
	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	e->url = strdup(url);
	e->curl = curl_easy_init();
	if (!e->url || !e->curl) {
		etcd_close(e);
		return NULL;
	}
	while (*e->url && e->url[strlen(e->url) - 1] == '/')
		e->url[strlen(e->url) - 1] = 0;
	e->timeout_ms = timeout_ms;
	e->cacert = getenv("ETCDCTL_CACERT");
	e->cert = getenv("ETCDCTL_CERT");
	e->key = getenv("ETCDCTL_KEY");
	if (user_from_env(e) || headers(e)) {
		etcd_close(e);
		return NULL;
	}
	if (e->user && strncmp(e->url, "https://", 8))
		fprintf(stderr, "sgnl: warning: etcd user %s's password goes to %s in clear; use https://\n",
			e->user, e->url);
	return e;
}

void etcd_close(struct etcd *e)
{
	if (!e)
		return;
	if (e->curl)
		curl_easy_cleanup(e->curl);
	curl_slist_free_all(e->hdr);
	free(e->user);
	free(e->password);
	free(e->token);
	free(e->url);
	free(e);
}

const char *etcd_url(const struct etcd *e)
{
	return e->url;
}

const char *etcd_error(const struct etcd *e)
{
	return e->err;
}

static int fail(struct etcd *e, const char *fmt, const char *what)
{
	snprintf(e->err, sizeof(e->err), fmt, what);
	return -1;
}

static CURL *post_setup(const struct etcd *e, CURL *c, const char *url, const char *body,
			struct curl_slist *hdr, struct buf *b, long timeout_ms)
{
	curl_easy_reset(c);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
	if (timeout_ms)
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
	if (e->cacert)
		curl_easy_setopt(c, CURLOPT_CAINFO, e->cacert);
	if (e->cert)
		curl_easy_setopt(c, CURLOPT_SSLCERT, e->cert);
	if (e->key)
		curl_easy_setopt(c, CURLOPT_SSLKEY, e->key);
	return c;
}

/* POST @body to @path; the parsed answer in *resp, or -1. */
static int call_once(struct etcd *e, const char *path, const char *body, json_object **resp)
{
	char url[512];
	struct buf b = { 0 };
	json_object *err, *msg;
	long code = 0;
	CURLcode rc;

	*resp = NULL;
	snprintf(url, sizeof(url), "%s%s", e->url, path);
	post_setup(e, e->curl, url, body, e->hdr, &b, e->timeout_ms);
	rc = curl_easy_perform(e->curl);
	if (rc != CURLE_OK) {
		free(b.p);
		return fail(e, "%s", curl_easy_strerror(rc));
	}
	curl_easy_getinfo(e->curl, CURLINFO_RESPONSE_CODE, &code);
	*resp = b.p ? json_tokener_parse(b.p) : NULL;
	if (code != 200 || !*resp) {
		/* {"error": "...", "message": "...", "code": N}, or "error" an object */
		err = *resp && json_object_object_get_ex(*resp, "error", &err) &&
		      json_object_is_type(err, json_type_object) ? err : *resp;
		msg = json_object_is_type(err, json_type_object) &&
		      json_object_object_get_ex(err, "message", &msg) ? msg : NULL;
		snprintf(e->err, sizeof(e->err), "HTTP %ld: %s", code,
			 msg ? json_object_get_string(msg) :
			 !b.p ? "no answer" : e->quiet ? "an answer that is not etcd's" : b.p);
		if (msg && auth_stale(json_object_get_string(msg)))
			e->token_stale = true;
		free(b.p);
		json_object_put(*resp);
		*resp = NULL;
		return -1;
	}
	free(b.p);
	return 0;
}

/* Trade the user's name and password for a token (etcd's auth/authenticate). */
static int authenticate(struct etcd *e)
{
	json_object *req = json_object_new_object(), *resp, *t;
	int ret;

	free(e->token);
	e->token = NULL;
	e->token_stale = false;
	if (headers(e))
		return fail(e, "%s", "out of memory");
	json_object_object_add(req, "name", json_object_new_string(e->user));
	json_object_object_add(req, "password", json_object_new_string(e->password));
	e->quiet = true;
	ret = call_once(e, "/v3/auth/authenticate",
			json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN), &resp);
	e->quiet = false;
	json_object_put(req);
	if (ret)
		return -1;
	t = json_object_object_get_ex(resp, "token", &t) ? t : NULL;
	if (!t || !token_ok(t)) {
		json_object_put(resp);
		return fail(e, "%s", "authenticate: no usable token in the answer");
	}
	e->token = strdup(json_object_get_string(t));
	json_object_put(resp);
	return !e->token || headers(e) ? fail(e, "%s", "out of memory") : 0;
}

/* With a user, a token that etcd has not refused yet. */
static int auth_ready(struct etcd *e)
{
	if (!e->user || (e->token && !e->token_stale))
		return 0;
	return authenticate(e);
}

/*
 * POST @req (consumed) to @path; the parsed answer in *resp, or -1.  With a
 * user, authenticate first, and once more if etcd refuses the token (it
 * then applied nothing, so even a compare-and-swap is safe to send again).
 */
static int call(struct etcd *e, const char *path, json_object *req, json_object **resp)
{
	char *body = strdup(json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN));
	int ret = -1;

	json_object_put(req);
	*resp = NULL;
	if (!body)
		return fail(e, "%s", "out of memory");
	if (auth_ready(e))
		goto out;
	ret = call_once(e, path, body, resp);
	if (ret && e->user && e->token_stale && !authenticate(e))
		ret = call_once(e, path, body, resp);
out:
	free(body);
	return ret;
}

/* A 64-bit number the gateway writes as a string. */
static int64_t jnum(json_object *o, const char *k)
{
	json_object *v;

	if (!o || !json_object_object_get_ex(o, k, &v))
		return 0;
	return strtoll(json_object_get_string(v), NULL, 10);
}

static json_object *jobj(json_object *o, const char *k)
{
	json_object *v;

	return o && json_object_object_get_ex(o, k, &v) ? v : NULL;
}

void etcd_kvs_free(struct etcd_kvs *kvs)
{
	size_t i;

	for (i = 0; i < kvs->n; i++) {
		free(kvs->kv[i].key);
		free(kvs->kv[i].value);
	}
	free(kvs->kv);
	memset(kvs, 0, sizeof(*kvs));
}

static struct etcd_kv *kvs_find(struct etcd_kvs *kvs, const char *key)
{
	size_t i;

	for (i = 0; i < kvs->n; i++)
		if (!strcmp(kvs->kv[i].key, key))
			return &kvs->kv[i];
	return NULL;
}

int etcd_kvs_set(struct etcd_kvs *kvs, const char *key, const char *value,
		 int64_t mod_revision, int64_t lease)
{
	struct etcd_kv *kv = kvs_find(kvs, key), *more;
	char *v = strdup(value);

	if (!v)
		return -1;
	if (!kv) {
		more = realloc(kvs->kv, (kvs->n + 1) * sizeof(*kvs->kv));
		if (!more || !(more[kvs->n].key = strdup(key))) {
			if (more)
				kvs->kv = more;
			free(v);
			return -1;
		}
		kvs->kv = more;
		kv = &kvs->kv[kvs->n++];
		kv->value = NULL;
	}
	free(kv->value);
	kv->value = v;
	kv->value_len = strlen(v);
	kv->mod_revision = mod_revision;
	kv->lease = lease;
	return 0;
}

void etcd_kvs_drop(struct etcd_kvs *kvs, const char *key)
{
	struct etcd_kv *kv = kvs_find(kvs, key);

	if (!kv)
		return;
	free(kv->key);
	free(kv->value);
	*kv = kvs->kv[--kvs->n];
}

static int kv_decode(json_object *j, struct etcd_kv *kv)
{
	json_object *k = jobj(j, "key"), *v = jobj(j, "value");

	memset(kv, 0, sizeof(*kv));
	kv->key = k ? b64_decode(json_object_get_string(k), NULL) : NULL;
	kv->value = b64_decode(v ? json_object_get_string(v) : "", &kv->value_len);
	kv->mod_revision = jnum(j, "mod_revision");
	kv->lease = jnum(j, "lease");
	return kv->key && kv->value ? 0 : -1;
}

static int range(struct etcd *e, const char *key, bool prefix, struct etcd_kvs *out)
{
	json_object *req = json_object_new_object(), *resp, *kvs;
	char *end = prefix ? prefix_end(key) : NULL;
	size_t i, n;

	memset(out, 0, sizeof(*out));
	add_b64(req, "key", key);
	if (end)
		add_b64(req, "range_end", end);
	free(end);
	if (call(e, "/v3/kv/range", req, &resp))
		return -1;
	out->revision = jnum(jobj(resp, "header"), "revision");
	kvs = jobj(resp, "kvs");
	n = kvs ? json_object_array_length(kvs) : 0;
	out->kv = calloc(n + 1, sizeof(*out->kv));
	for (i = 0; out->kv && i < n; i++) {
		if (kv_decode(json_object_array_get_idx(kvs, i), &out->kv[out->n]))
			continue;	/* not base64: not ours */
		out->n++;
	}
	json_object_put(resp);
	return out->kv ? 0 : fail(e, "%s", strerror(ENOMEM));
}

int etcd_range(struct etcd *e, const char *prefix, struct etcd_kvs *out)
{
	return range(e, prefix, true, out);
}

int etcd_get(struct etcd *e, const char *key, struct etcd_kvs *out)
{
	return range(e, key, false, out);
}

static json_object *put_req(const char *key, const char *value, int64_t lease)
{
	json_object *req = json_object_new_object();

	add_b64(req, "key", key);
	add_b64(req, "value", value);
	if (lease)
		json_object_object_add(req, "lease", json_object_new_int64(lease));
	return req;
}

static int call_done(struct etcd *e, const char *path, json_object *req)
{
	json_object *resp;

	if (call(e, path, req, &resp))
		return -1;
	json_object_put(resp);
	return 0;
}

int etcd_put(struct etcd *e, const char *key, const char *value, int64_t lease)
{
	return call_done(e, "/v3/kv/put", put_req(key, value, lease));
}

int etcd_delete(struct etcd *e, const char *key)
{
	json_object *req = json_object_new_object();

	add_b64(req, "key", key);
	return call_done(e, "/v3/kv/deleterange", req);
}

int etcd_put_if(struct etcd *e, const char *key, int64_t mod_revision, const char *value)
{
	json_object *req = json_object_new_object(), *cmp = json_object_new_object();
	json_object *op = json_object_new_object(), *list, *resp, *ok;
	int put;

	add_b64(cmp, "key", key);
	json_object_object_add(cmp, "target", json_object_new_string("MOD"));
	json_object_object_add(cmp, "result", json_object_new_string("EQUAL"));
	json_object_object_add(cmp, "mod_revision", json_object_new_int64(mod_revision));
	list = json_object_new_array();
	json_object_array_add(list, cmp);
	json_object_object_add(req, "compare", list);
	json_object_object_add(op, "request_put", put_req(key, value, 0));
	list = json_object_new_array();
	json_object_array_add(list, op);
	json_object_object_add(req, "success", list);
	if (call(e, "/v3/kv/txn", req, &resp))
		return -1;
	ok = jobj(resp, "succeeded");
	put = ok && json_object_get_boolean(ok);
	json_object_put(resp);
	return put;
}

int etcd_compact(struct etcd *e, int64_t revision)
{
	json_object *req = json_object_new_object();

	json_object_object_add(req, "revision", json_object_new_int64(revision));
	return call_done(e, "/v3/kv/compaction", req);
}

int etcd_lease_grant(struct etcd *e, int64_t ttl, int64_t *id)
{
	json_object *req = json_object_new_object(), *resp;

	json_object_object_add(req, "TTL", json_object_new_int64(ttl));
	if (call(e, "/v3/lease/grant", req, &resp))
		return -1;
	*id = jnum(resp, "ID");
	json_object_put(resp);
	return *id ? 0 : fail(e, "%s", "no lease granted");
}

int etcd_lease_keepalive(struct etcd *e, int64_t id)
{
	json_object *req = json_object_new_object(), *resp;
	int64_t ttl;

	json_object_object_add(req, "ID", json_object_new_int64(id));
	if (call(e, "/v3/lease/keepalive", req, &resp))
		return -1;
	ttl = jnum(jobj(resp, "result"), "TTL");
	json_object_put(resp);
	return ttl > 0 ? 0 : fail(e, "%s", "the lease has expired");
}

/* ---- watches ---- */

struct etcd_watch {
	CURLM *multi;
	CURL *curl;
	struct buf in;
	size_t used;		/* of in: lines already read */
	char *body;
	struct curl_slist *hdr;	/* its own: the call headers change with the token */
	struct timespec opened;
	bool created;		/* etcd said so: the watch is in place */
	bool done;
};

/* A watch etcd has not confirmed this long after it was asked for is dead. */
#define WATCH_CREATE_MS 5000

static long ms_since(const struct timespec *t)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - t->tv_sec) * 1000 + (now.tv_nsec - t->tv_nsec) / 1000000;
}

struct etcd_watch *etcd_watch_open(struct etcd *e, const char *prefix, int64_t start_revision)
{
	struct etcd_watch *w = calloc(1, sizeof(*w));
	json_object *req = json_object_new_object(), *cr = json_object_new_object();
	char url[512], *end = prefix_end(prefix);

	add_b64(cr, "key", prefix);
	add_b64(cr, "range_end", end);
	free(end);
	json_object_object_add(cr, "start_revision", json_object_new_int64(start_revision));
	json_object_object_add(req, "create_request", cr);
	/*
	 * A watch lasts, and a stale token may not come back as an error on
	 * its stream: each one starts with a fresh token (the agent waits
	 * longer after each broken watch, so this is no storm).
	 */
	if (!w || (e->user && authenticate(e)))
		goto fail;
	clock_gettime(CLOCK_MONOTONIC, &w->opened);
	w->body = strdup(json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN));
	w->multi = curl_multi_init();
	w->curl = curl_easy_init();
	w->hdr = header_list(e->token);
	if (!w->body || !w->multi || !w->curl || !w->hdr)
		goto fail;
	snprintf(url, sizeof(url), "%s/v3/watch", e->url);
	post_setup(e, w->curl, url, w->body, w->hdr, &w->in, 0);
	curl_easy_setopt(w->curl, CURLOPT_CONNECTTIMEOUT_MS, e->timeout_ms);
	/* a watch that hears nothing for long is a dead connection */
	curl_easy_setopt(w->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(w->curl, CURLOPT_TCP_KEEPIDLE, 5L);
	curl_easy_setopt(w->curl, CURLOPT_TCP_KEEPINTVL, 2L);
	curl_multi_add_handle(w->multi, w->curl);
	json_object_put(req);
	return w;
fail:
	json_object_put(req);
	etcd_watch_close(w);
	return NULL;
}

void etcd_watch_close(struct etcd_watch *w)
{
	if (!w)
		return;
	if (w->multi && w->curl)
		curl_multi_remove_handle(w->multi, w->curl);
	if (w->curl)
		curl_easy_cleanup(w->curl);
	if (w->multi)
		curl_multi_cleanup(w->multi);
	curl_slist_free_all(w->hdr);
	free(w->in.p);
	free(w->body);
	free(w);
}

/* One response line: 1 events (*rev), 0 nothing to do, -2 compacted, -1 broken */
static int watch_line(struct etcd_watch *w, const char *line, int64_t *rev,
		      etcd_event_fn fn, void *arg)
{
	json_object *o = json_tokener_parse(line), *r = jobj(o, "result"), *ev, *e, *t;
	struct etcd_kv kv;
	int ret = 0;
	size_t i;

	if (r && jobj(r, "created"))
		w->created = true;
	if (!o || !r) {
		ret = -1;		/* an error object, or not JSON */
	} else if (jnum(r, "compact_revision")) {
		ret = -2;
	} else if (jobj(r, "canceled")) {
		ret = -1;
	} else {
		ev = jobj(r, "events");
		for (i = 0; ev && i < json_object_array_length(ev); i++) {
			e = json_object_array_get_idx(ev, i);
			t = jobj(e, "type");	/* PUT is the default, left out */
			if (kv_decode(jobj(e, "kv"), &kv) == 0)
				fn(&kv, t && !strcmp(json_object_get_string(t), "DELETE"), arg);
			free(kv.key);
			free(kv.value);
		}
		if (ev && json_object_array_length(ev)) {
			*rev = jnum(jobj(r, "header"), "revision");
			ret = 1;
		}
	}
	json_object_put(o);
	return ret;
}

int etcd_watch_wait(struct etcd_watch *w, int timeout_ms, int64_t *rev,
		    etcd_event_fn fn, void *arg)
{
	int running = 0, got = 0, r;
	char *nl;

	for (;;) {
		/* every complete line received so far */
		while ((nl = memchr(w->in.p + w->used, '\n', w->in.len - w->used))) {
			*nl = 0;
			r = watch_line(w, w->in.p + w->used, rev, fn, arg);
			w->used = nl + 1 - w->in.p;
			if (r < 0)
				return r;
			got |= r;
		}
		if (w->used) {	/* keep only the line still arriving */
			memmove(w->in.p, w->in.p + w->used, w->in.len - w->used);
			w->in.len -= w->used;
			w->used = 0;
		}
		if (got)
			return 1;
		if (w->done) {
			/* read what it ended with: the last line need not end in a newline */
			if (w->in.len && buf_add(&w->in, "\n", 1))
				continue;
			return -1;
		}
		curl_multi_perform(w->multi, &running);
		if (!running) {
			w->done = true;
			continue;	/* read what came last, then report the end */
		}
		if (!w->created && ms_since(&w->opened) > WATCH_CREATE_MS)
			return -1;	/* asked for, never confirmed */
		if (timeout_ms <= 0)
			return 0;
		curl_multi_poll(w->multi, NULL, 0, timeout_ms, NULL);
		timeout_ms = 0;		/* one wait, then what it brought */
	}
}
