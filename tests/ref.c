// SPDX-License-Identifier: GPL-2.0
/*
 * The reference matcher: a linear scan, bit by bit, written apart from the
 * classifier and meant to be obviously right.
 */
#include "testlib.h"

static int bit(const struct sgc_addr *a, int family, int i)
{
	/* bit i from the top of the family's address */
	if (family == 4)
		return (a->lo >> (31 - i)) & 1;
	if (i < 64)
		return (a->hi >> (63 - i)) & 1;
	return (a->lo >> (127 - i)) & 1;
}

static int in_prefix(const struct sgc_addr *addr, const struct sgc_addr *net,
		     int prefix, int family)
{
	int i;

	for (i = 0; i < prefix; i++)
		if (bit(addr, family, i) != bit(net, family, i))
			return 0;
	return 1;
}

int ref_lookup(const struct sgc_rule *rules, u32 n, const struct sgc_pkt *pkt)
{
	u32 i, j;

	for (i = 0; i < n; i++) {
		const struct sgc_rule *r = &rules[i];
		int hit = 0;

		if (pkt->key < r->key_lo || pkt->key > r->key_hi)
			continue;
		switch (r->peer_type) {
		case SGC_PEER_V4:
			hit = pkt->family == 4 && in_prefix(&pkt->peer, &r->addr, r->prefix, 4);
			break;
		case SGC_PEER_V6:
			hit = pkt->family == 6 && in_prefix(&pkt->peer, &r->addr, r->prefix, 6);
			break;
		case SGC_PEER_GROUP:
			for (j = 0; j < pkt->ngroups; j++)
				if (pkt->groups[j] == r->group)
					hit = 1;
			break;
		}
		if (hit)
			return i;
	}
	return -1;
}
