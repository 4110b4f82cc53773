// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the classifier (kmod/classifier.c built for userspace),
 * TAP output.  Each case builds a policy and checks lookups against the
 * expected rule index, and against the reference matcher.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

static int tests, failed;

static void ok(int cond, const char *fmt, ...)
{
	va_list ap;

	tests++;
	if (!cond)
		failed++;
	printf("%sok %d - ", cond ? "" : "not ", tests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

#define TCP 6
#define UDP 17
#define ICMP 1
#define ICMPV6 58

static struct sgc_rule cidr4(const char *a, int prefix, u32 lo, u32 hi)
{
	struct sgc_rule r = { .key_lo = lo, .key_hi = hi, .peer_type = SGC_PEER_V4,
			      .prefix = prefix };

	r.addr = sgc_addr_mask(addr4(a), prefix, 4);
	return r;
}

static struct sgc_rule cidr6(const char *a, int prefix, u32 lo, u32 hi)
{
	struct sgc_rule r = { .key_lo = lo, .key_hi = hi, .peer_type = SGC_PEER_V6,
			      .prefix = prefix };

	r.addr = sgc_addr_mask(addr6(a), prefix, 6);
	return r;
}

static struct sgc_rule grp(u32 g, u32 lo, u32 hi)
{
	struct sgc_rule r = { .key_lo = lo, .key_hi = hi, .peer_type = SGC_PEER_GROUP,
			      .group = g };
	return r;
}

#define PORT(p, n) sgc_key(p, n)
#define ALL 0, SGC_KEY_MAX

/* Build, look one packet up, compare with @want and the reference. */
static void check(const char *name, const struct sgc_rule *rules, u32 n,
		  int family, struct sgc_addr peer, u32 key, const u32 *groups,
		  u32 ngroups, int want)
{
	struct sgc_pkt pkt = { .family = family, .key = key, .peer = peer,
			       .groups = groups, .ngroups = ngroups };
	struct sgc_policy *p;
	int got, ref;

	if (sgc_build(rules, n, &p)) {
		ok(0, "%s: build failed", name);
		return;
	}
	got = sgc_lookup(p, &pkt);
	ref = ref_lookup(rules, n, &pkt);
	ok(got == want && ref == want, "%s (got %d, reference %d, want %d)", name, got, ref, want);
	sgc_free(p);
}

static void test_empty(void)
{
	check("empty policy allows nothing", NULL, 0, 4, addr4("10.0.0.1"),
	      PORT(TCP, 80), NULL, 0, -1);
}

static void test_ports(void)
{
	struct sgc_rule r[] = {
		cidr4("0.0.0.0", 0, PORT(TCP, 80), PORT(TCP, 80)),
		cidr4("0.0.0.0", 0, PORT(TCP, 0), PORT(TCP, 0)),
		cidr4("0.0.0.0", 0, PORT(TCP, 65535), PORT(TCP, 65535)),
		cidr4("0.0.0.0", 0, PORT(UDP, 1000), PORT(UDP, 2000)),
		cidr4("0.0.0.0", 0, PORT(UDP, 1), PORT(UDP, 1)),
	};
	struct sgc_addr a = addr4("192.0.2.7");

	check("tcp 80 matches 80", r, 5, 4, a, PORT(TCP, 80), NULL, 0, 0);
	check("tcp 80 does not match 81", r, 5, 4, a, PORT(TCP, 81), NULL, 0, -1);
	check("tcp 80 does not match 79", r, 5, 4, a, PORT(TCP, 79), NULL, 0, -1);
	check("tcp 80 does not match udp 80", r, 5, 4, a, PORT(UDP, 80), NULL, 0, -1);
	check("port 0", r, 5, 4, a, PORT(TCP, 0), NULL, 0, 1);
	check("port 65535", r, 5, 4, a, PORT(TCP, 65535), NULL, 0, 2);
	check("udp range start", r, 5, 4, a, PORT(UDP, 1000), NULL, 0, 3);
	check("udp range end", r, 5, 4, a, PORT(UDP, 2000), NULL, 0, 3);
	check("udp below range", r, 5, 4, a, PORT(UDP, 999), NULL, 0, -1);
	check("udp above range", r, 5, 4, a, PORT(UDP, 2001), NULL, 0, -1);
	check("udp port 1", r, 5, 4, a, PORT(UDP, 1), NULL, 0, 4);
	check("udp port 2", r, 5, 4, a, PORT(UDP, 2), NULL, 0, -1);
	check("v4 rules do not match IPv6", r, 5, 6, addr6("2001:db8::1"), PORT(TCP, 80), NULL, 0, -1);
}

static void test_icmp(void)
{
	struct sgc_rule r[] = {
		cidr4("0.0.0.0", 0, PORT(ICMP, 8 << 8), PORT(ICMP, 8 << 8 | 255)),	/* echo, any code */
		cidr4("0.0.0.0", 0, PORT(ICMP, 3 << 8 | 4), PORT(ICMP, 3 << 8 | 4)),	/* frag needed */
		cidr6("::", 0, PORT(ICMPV6, 128 << 8), PORT(ICMPV6, 128 << 8 | 255)),
	};
	struct sgc_addr a = addr4("198.51.100.1");

	check("icmp echo type only, code 0", r, 3, 4, a, PORT(ICMP, 8 << 8), NULL, 0, 0);
	check("icmp echo type only, code 9", r, 3, 4, a, PORT(ICMP, 8 << 8 | 9), NULL, 0, 0);
	check("icmp echo reply not allowed", r, 3, 4, a, PORT(ICMP, 0), NULL, 0, -1);
	check("icmp type and code", r, 3, 4, a, PORT(ICMP, 3 << 8 | 4), NULL, 0, 1);
	check("icmp type, other code", r, 3, 4, a, PORT(ICMP, 3 << 8 | 3), NULL, 0, -1);
	check("icmpv6 echo", r, 3, 6, addr6("2001:db8::2"), PORT(ICMPV6, 128 << 8), NULL, 0, 2);
	check("icmpv6 rule vs icmp packet", r, 3, 6, addr6("2001:db8::2"), PORT(ICMP, 128 << 8), NULL, 0, -1);
}

static void test_prefixes(void)
{
	struct sgc_rule r[] = {
		cidr4("10.0.0.0", 8, PORT(TCP, 22), PORT(TCP, 22)),
		cidr4("10.1.0.0", 16, PORT(TCP, 80), PORT(TCP, 80)),
		cidr4("10.1.2.0", 24, ALL),
		cidr4("192.0.2.1", 32, PORT(TCP, 443), PORT(TCP, 443)),
		cidr6("2001:db8::1", 128, PORT(TCP, 443), PORT(TCP, 443)),
		cidr6("2001:db8::", 32, PORT(TCP, 8080), PORT(TCP, 8080)),
		cidr4("0.0.0.0", 0, PORT(UDP, 53), PORT(UDP, 53)),
	};

	check("nested: /8 rule from inside a /24", r, 7, 4, addr4("10.1.2.3"), PORT(TCP, 22), NULL, 0, 0);
	check("nested: /24 all-protocol rule", r, 7, 4, addr4("10.1.2.3"), PORT(TCP, 443), NULL, 0, 2);
	check("nested: /16 rule", r, 7, 4, addr4("10.1.9.9"), PORT(TCP, 80), NULL, 0, 1);
	check("outside the /16", r, 7, 4, addr4("10.2.0.1"), PORT(TCP, 80), NULL, 0, -1);
	check("/32 exact", r, 7, 4, addr4("192.0.2.1"), PORT(TCP, 443), NULL, 0, 3);
	check("/32 neighbour", r, 7, 4, addr4("192.0.2.2"), PORT(TCP, 443), NULL, 0, -1);
	check("/128 exact", r, 7, 6, addr6("2001:db8::1"), PORT(TCP, 443), NULL, 0, 4);
	check("/128 neighbour", r, 7, 6, addr6("2001:db8::2"), PORT(TCP, 443), NULL, 0, -1);
	check("v6 /32", r, 7, 6, addr6("2001:db8:ffff::9"), PORT(TCP, 8080), NULL, 0, 5);
	check("/0 v4 highest address", r, 7, 4, addr4("255.255.255.255"), PORT(UDP, 53), NULL, 0, 6);
	check("/0 v4 lowest address", r, 7, 4, addr4("0.0.0.0"), PORT(UDP, 53), NULL, 0, 6);
	check("IPv4-mapped IPv6 is not IPv4", r, 7, 6, addr6("::ffff:10.1.2.3"), PORT(TCP, 22), NULL, 0, -1);
}

static void test_overlap_and_groups(void)
{
	struct sgc_rule r[] = {
		cidr4("0.0.0.0", 0, PORT(TCP, 1000), PORT(TCP, 3000)),
		cidr4("0.0.0.0", 0, PORT(TCP, 2000), PORT(TCP, 4000)),
		cidr4("0.0.0.0", 0, PORT(TCP, 2000), PORT(TCP, 4000)),	/* duplicate */
		grp(7, PORT(TCP, 5432), PORT(TCP, 5432)),
		grp(9, ALL),
	};
	u32 g7[] = { 3, 7 }, g3[] = { 3 }, g9[] = { 9 };

	check("overlap: lowest index wins", r, 5, 4, addr4("1.2.3.4"), PORT(TCP, 2500), NULL, 0, 0);
	check("overlap: second range", r, 5, 4, addr4("1.2.3.4"), PORT(TCP, 3500), NULL, 0, 1);
	check("group member allowed", r, 5, 4, addr4("10.0.0.9"), PORT(TCP, 5432), g7, 2, 3);
	check("not a group member", r, 5, 4, addr4("10.0.0.9"), PORT(TCP, 5432), g3, 1, -1);
	check("group reference covers IPv6", r, 5, 6, addr6("fd00::9"), PORT(UDP, 9), g9, 1, 4);
	check("group reference, wrong port", r, 5, 4, addr4("10.0.0.9"), PORT(TCP, 5433), g7, 2, -1);
}

static void test_invalid(void)
{
	struct sgc_rule bad[] = {
		{ .key_lo = 5, .key_hi = 4, .peer_type = SGC_PEER_V4 },
		{ .key_hi = SGC_KEY_MAX + 1, .peer_type = SGC_PEER_V4 },
		{ .peer_type = SGC_PEER_V4, .prefix = 33 },
		{ .peer_type = SGC_PEER_V4, .prefix = 8, .addr = { 0, 0x0a000001 } },
		{ .peer_type = 3 },
	};
	struct sgc_policy *p;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ok(sgc_build(&bad[i], 1, &p) == -EINVAL, "malformed rule %u rejected", i);
}

/* Every allocation of a build fails in turn; each must fail cleanly. */
static void test_enomem(void)
{
	struct sgc_rule r[] = {
		cidr4("10.0.0.0", 8, PORT(TCP, 22), PORT(TCP, 22)),
		cidr6("2001:db8::", 32, ALL),
		grp(1, PORT(UDP, 53), PORT(UDP, 53)),
	};
	struct sgc_policy *p;
	int n, err, failures = 0;

	for (n = 0; n < 100; n++) {
		sgc_fail_after = n;
		err = sgc_build(r, 3, &p);
		sgc_fail_after = -1;
		if (!err) {
			sgc_free(p);
			break;
		}
		if (err != -ENOMEM)
			failures++;
	}
	ok(n > 5 && n < 100 && !failures,
	   "each of the %d allocations of a build fails with ENOMEM and leaks nothing", n);
}

/* Random rule sets against the reference, deterministic seed. */
static u32 rnd(void)
{
	static u64 s = 0x9e3779b97f4a7c15ull;

	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return s;
}

static struct sgc_rule random_rule(void)
{
	static const u8 protos[] = { 6, 17, 1, 58, 47 };
	struct sgc_rule r = { 0 };
	u8 proto = protos[rnd() % 5];
	u32 a = rnd() % 4096, b = a + rnd() % 64;

	switch (rnd() % 16) {
	case 0:
		r.key_lo = 0;
		r.key_hi = SGC_KEY_MAX;
		break;
	default:
		r.key_lo = sgc_key(proto, a);
		r.key_hi = sgc_key(proto, b > 65535 ? 65535 : b);
		break;
	}
	switch (rnd() % 3) {
	case 0:
		r.peer_type = SGC_PEER_V4;
		r.prefix = rnd() % 8 ? 16 + rnd() % 17 : rnd() % 33;
		r.addr.lo = 0x0a000000 | (rnd() & 0xffff);
		r.addr = sgc_addr_mask(r.addr, r.prefix, 4);
		break;
	case 1:
		r.peer_type = SGC_PEER_V6;
		r.prefix = rnd() % 8 ? 112 + rnd() % 17 : rnd() % 129;
		r.addr.hi = 0x20010db800000000ull | (rnd() & 0xff);
		r.addr.lo = rnd() & 0xffff;
		r.addr = sgc_addr_mask(r.addr, r.prefix, 6);
		break;
	default:
		r.peer_type = SGC_PEER_GROUP;
		r.group = 1 + rnd() % 8;
		break;
	}
	return r;
}

static void test_random(void)
{
	static struct sgc_rule r[600];
	struct sgc_policy *p;
	int round, i, diffs = 0, hits = 0;

	for (round = 0; round < 20; round++) {
		u32 n = rnd() % 600;

		for (i = 0; i < (int)n; i++)
			r[i] = random_rule();
		if (sgc_build(r, n, &p)) {
			diffs++;
			continue;
		}
		for (i = 0; i < 2000; i++) {
			u32 groups[3] = { 1 + rnd() % 8, 1 + rnd() % 8, 1 + rnd() % 8 };
			struct sgc_pkt pkt = { .family = rnd() % 2 ? 4 : 6,
					       .key = sgc_key((u8[]){ 6, 17, 1, 58, 47 }[rnd() % 5],
							      rnd() % 4200),
					       .groups = groups, .ngroups = rnd() % 4 };
			int got, ref;

			if (pkt.family == 4) {
				pkt.peer.lo = 0x0a000000 | (rnd() & 0xffff);
			} else {
				pkt.peer.hi = 0x20010db800000000ull | (rnd() & 0xff);
				pkt.peer.lo = rnd() & 0xffff;
			}
			got = sgc_lookup(p, &pkt);
			ref = ref_lookup(r, n, &pkt);
			diffs += got != ref;
			hits += ref >= 0;
		}
		sgc_free(p);
	}
	ok(!diffs && hits > 4000 && hits < 36000,
	   "40000 random lookups agree with the reference (%d matched, %d differ)", hits, diffs);
}

int main(void)
{
	printf("TAP version 13\n");
	test_empty();
	test_ports();
	test_icmp();
	test_prefixes();
	test_overlap_and_groups();
	test_invalid();
	test_enomem();
	test_random();
	printf("1..%d\n", tests);
	printf("%d passed, %d failed\n", tests - failed, failed);
	return failed ? 1 : 0;
}
