// SPDX-License-Identifier: GPL-2.0
/*
 * Classifier benchmark, run under callgrind by bench_classifier.sh:
 *   bench_classifier ENGINE RULES MIX    (engine: sgc | linear;
 *                                         mix: first | last | none | random)
 * builds a policy of RULES rules (tcp ports from CIDR and group peers) and
 * does LOOKUPS lookups of the mix inside lookup_loop(), the only function
 * callgrind collects.  Without arguments: memory and build time per size.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "testlib.h"

#define LOOKUPS 1000

void *sgc_test_calloc(size_t n, size_t size);

static u64 seed = 88172645463325252ull;

static u32 rnd(void)
{
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	return seed;
}

/* Rule i: tcp port 1000+i from a /16../32 inside 10.0.0.0/8, every tenth
 * from a referenced group instead.  Ports are distinct, so a packet to
 * rule i's port from its peer matches rule i only. */
static void make_rules(struct sgc_rule *r, u32 n)
{
	u32 i;

	for (i = 0; i < n; i++) {
		memset(&r[i], 0, sizeof(r[i]));
		r[i].key_lo = r[i].key_hi = sgc_key(6, 1000 + i);
		if (i % 10 == 9) {
			r[i].peer_type = SGC_PEER_GROUP;
			r[i].group = 1 + i % 50;
		} else {
			r[i].peer_type = SGC_PEER_V4;
			r[i].prefix = 16 + rnd() % 17;
			r[i].addr.lo = 0x0a000000 | (rnd() & 0xffffff);
			r[i].addr = sgc_addr_mask(r[i].addr, r[i].prefix, 4);
		}
	}
}

static u32 groups[1] = { 0 };

static void pkt_for(const struct sgc_rule *r, struct sgc_pkt *p)
{
	p->family = 4;
	p->key = r->key_lo;
	if (r->peer_type == SGC_PEER_GROUP) {
		p->peer.lo = 0xc0a80001;
		groups[0] = r->group;
		p->groups = groups;
		p->ngroups = 1;
	} else {
		p->peer = r->addr;
		p->groups = NULL;
		p->ngroups = 0;
	}
}

static struct sgc_pkt pkts[LOOKUPS];
static const struct sgc_rule *g_rules;
static u32 g_n;

/* A fair linear baseline: masked compares, first match wins. */
static int linear_lookup(const struct sgc_rule *r, u32 n, const struct sgc_pkt *p)
{
	u32 i, j;

	for (i = 0; i < n; i++) {
		if (p->key < r[i].key_lo || p->key > r[i].key_hi)
			continue;
		if (r[i].peer_type == SGC_PEER_GROUP) {
			for (j = 0; j < p->ngroups; j++)
				if (p->groups[j] == r[i].group)
					return i;
			continue;
		}
		if ((r[i].peer_type == SGC_PEER_V4) != (p->family == 4))
			continue;
		struct sgc_addr m = sgc_addr_mask(p->peer, r[i].prefix, p->family);

		if (m.hi == r[i].addr.hi && m.lo == r[i].addr.lo)
			return i;
	}
	return -1;
}

__attribute__((noinline)) int lookup_loop(const struct sgc_policy *p, int linear)
{
	int i, acc = 0;

	for (i = 0; i < LOOKUPS; i++)
		acc += linear ? linear_lookup(g_rules, g_n, &pkts[i]) : sgc_lookup(p, &pkts[i]);
	return acc;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int info(void)
{
	static const u32 sizes[] = { 1, 10, 100, 1000, 10000 };
	unsigned int k;

	printf("| rules | build (ms) | memory (KiB) |\n|---:|---:|---:|\n");
	for (k = 0; k < 5; k++) {
		struct sgc_rule *r = calloc(sizes[k], sizeof(*r));
		struct sgc_policy *p;
		double t;

		make_rules(r, sizes[k]);
		t = now();
		if (sgc_build(r, sizes[k], &p))
			return 1;
		t = now() - t;
		printf("| %u | %.2f | %.1f |\n", sizes[k], t * 1e3, sgc_size(p) / 1024.0);
		sgc_free(p);
		free(r);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct sgc_policy *p;
	struct sgc_rule *r;
	u32 n, i;
	int linear, acc;

	if (argc == 1)
		return info();
	if (argc != 4)
		return 2;
	linear = !strcmp(argv[1], "linear");
	n = atoi(argv[2]);
	r = calloc(n, sizeof(*r));
	make_rules(r, n);
	g_rules = r;
	g_n = n;
	if (sgc_build(r, n, &p))
		return 1;
	for (i = 0; i < LOOKUPS; i++) {
		if (!strcmp(argv[3], "first")) {
			pkt_for(&r[0], &pkts[i]);
		} else if (!strcmp(argv[3], "last")) {
			pkt_for(&r[n - 1], &pkts[i]);
		} else if (!strcmp(argv[3], "none")) {
			pkt_for(&r[rnd() % n], &pkts[i]);
			pkts[i].key = sgc_key(6, 80);	/* no rule has port 80 */
		} else {
			pkt_for(&r[rnd() % n], &pkts[i]);
			if (rnd() % 2)
				pkts[i].peer.lo ^= 0x00ff0000;	/* often outside the CIDR */
		}
		if (pkts[i].ngroups) {	/* keep each packet's own group */
			static u32 gs[LOOKUPS];

			gs[i] = groups[0];
			pkts[i].groups = &gs[i];
		}
	}
	acc = lookup_loop(p, linear);
	/* the classifier and the reference must agree on every packet */
	for (i = 0; i < LOOKUPS; i++)
		if (sgc_lookup(p, &pkts[i]) != ref_lookup(r, n, &pkts[i]))
			return 3;
	sgc_free(p);
	free(r);
	return acc == 12345678;	/* keep the result alive */
}

/* the benchmark never fails allocations */
int sgc_fail_after = -1;
void *sgc_test_calloc(size_t n, size_t size)
{
	return calloc(n, size);
}
