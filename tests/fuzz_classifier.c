// SPDX-License-Identifier: GPL-2.0
/*
 * Differential fuzzing: random rule sets and packets, the compiled policy
 * against the reference linear matcher (ref.c).  Any difference in the rule
 * reported aborts.  Addresses are drawn near rule boundaries so that prefix
 * edges are hit.
 */
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

struct in {
	const u8 *p;
	size_t n;
};

static u32 take(struct in *in, int bytes)
{
	u32 v = 0;

	while (bytes--) {
		v = v << 8 | (in->n ? *in->p : 0);
		if (in->n) {
			in->p++;
			in->n--;
		}
	}
	return v;
}

static const u8 protos[] = { 6, 17, 1, 58, 132, 47 };

static struct sgc_rule rule(struct in *in)
{
	struct sgc_rule r = { 0 };
	u32 kind = take(in, 1);
	u8 proto = protos[kind % 6];
	u32 a = take(in, 2), b = a + take(in, 1);

	if (kind & 0x80) {
		r.key_lo = 0;
		r.key_hi = SGC_KEY_MAX;
	} else {
		r.key_lo = sgc_key(proto, a);
		r.key_hi = sgc_key(proto, b > 65535 ? 65535 : b);
	}
	switch ((kind >> 3) % 3) {
	case 0:
		r.peer_type = SGC_PEER_V4;
		r.prefix = take(in, 1) % 33;
		r.addr.lo = 0x0a000000 | take(in, 2);
		r.addr = sgc_addr_mask(r.addr, r.prefix, 4);
		break;
	case 1:
		r.peer_type = SGC_PEER_V6;
		r.prefix = take(in, 1) % 129;
		r.addr.hi = (u64)take(in, 1) << 56;
		r.addr.lo = take(in, 2);
		r.addr = sgc_addr_mask(r.addr, r.prefix, 6);
		break;
	default:
		r.peer_type = SGC_PEER_GROUP;
		r.group = 1 + take(in, 1) % 8;
		break;
	}
	return r;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct in in = { data, size };
	struct sgc_rule rules[64];
	struct sgc_policy *p;
	u32 n = take(&in, 1) % 64, i;

	for (i = 0; i < n; i++)
		rules[i] = rule(&in);
	if (sgc_build(rules, n, &p))
		abort();
	while (in.n) {
		u32 groups[2] = { 1 + take(&in, 1) % 8, 1 + take(&in, 1) % 8 };
		u32 sel = take(&in, 1);
		struct sgc_pkt pkt = {
			.family = sel & 1 ? 6 : 4,
			.key = sgc_key(protos[(sel >> 1) % 6], take(&in, 2)),
			.groups = groups,
			.ngroups = (sel >> 4) % 3,
		};
		u32 near = n ? take(&in, 1) % n : 0;

		if (n && (sel & 0x80) && rules[near].peer_type != SGC_PEER_GROUP) {
			/* at or just outside a rule's edge */
			pkt.family = rules[near].peer_type == SGC_PEER_V4 ? 4 : 6;
			pkt.peer = rules[near].addr;
			pkt.peer.lo += (sel & 0x40) ? (u64)-1 : 0;
			if (pkt.family == 4)
				pkt.peer.lo &= 0xffffffff;
		} else if (pkt.family == 4) {
			pkt.peer.lo = 0x0a000000 | take(&in, 2);
		} else {
			pkt.peer.hi = (u64)take(&in, 1) << 56;
			pkt.peer.lo = take(&in, 2);
		}
		if (sgc_lookup(p, &pkt) != ref_lookup(rules, n, &pkt))
			abort();
	}
	sgc_free(p);
	return 0;
}
