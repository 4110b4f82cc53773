/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The secgroup classifier: compiled, immutable policies answering "does any
 * rule allow this new connection, and which one".  Plain C; the same source
 * builds into the module and into the userspace tests (see sg_shim.h).
 *
 * A rule is a key range and a peer.  The key packs the IP protocol and the
 * layer-4 selector: proto << 16 | dport for tcp/udp/sctp/udplite,
 * proto << 16 | type << 8 | code for icmp/icmpv6, proto << 16 otherwise.
 * "All protocols" is the whole key space.  The peer is a CIDR of one family
 * or a referenced group.
 *
 * Compiled, each distinct peer (CIDR or group) owns a table of elementary
 * key intervals giving the lowest-numbered rule covering each.  Addresses
 * map to the peers containing them through elementary address intervals;
 * CIDRs nest or are disjoint, so each interval lists at most 33 (IPv4) or
 * 129 (IPv6) peers.  A lookup is one binary search over the address
 * intervals, one per covering CIDR and one per group of the packet's peer:
 * its cost depends on the nesting of prefixes and on the peer's groups, not
 * on the number of rules.  Memory is linear in the number of rules.
 */
#ifndef _SG_CLASSIFIER_H
#define _SG_CLASSIFIER_H

#include "sg_shim.h"

#define SGC_KEY_MAX	0xffffffu

enum sgc_peer_type {
	SGC_PEER_V4,
	SGC_PEER_V6,
	SGC_PEER_GROUP,
};

/* An address in host order; IPv4 lives in lo, hi = 0. */
struct sgc_addr {
	u64 hi;
	u64 lo;
};

struct sgc_rule {
	u32 key_lo;		/* inclusive */
	u32 key_hi;		/* inclusive, <= SGC_KEY_MAX */
	u8 peer_type;		/* enum sgc_peer_type */
	u8 prefix;		/* CIDR peers */
	struct sgc_addr addr;	/* CIDR peers, host bits clear */
	u32 group;		/* SGC_PEER_GROUP */
};

struct sgc_pkt {
	u8 family;		/* 4 or 6 */
	u32 key;
	struct sgc_addr peer;
	const u32 *groups;	/* the peer's groups, any order */
	u32 ngroups;
};

struct sgc_policy;

/*
 * Compile @n rules; a match reports the lowest index.  Returns 0 and the
 * policy in @out, or -ENOMEM / -EINVAL (a malformed rule).
 */
int sgc_build(const struct sgc_rule *rules, u32 n, struct sgc_policy **out);
void sgc_free(struct sgc_policy *p);

/* Index of the first rule allowing @pkt, or -1. */
int sgc_lookup(const struct sgc_policy *p, const struct sgc_pkt *pkt);

/* Bytes held by a compiled policy. */
size_t sgc_size(const struct sgc_policy *p);

/* Helpers shared by the module, the tool-facing code and the tests. */
u32 sgc_key(u8 proto, u16 l4);
bool sgc_proto_has_ports(u8 proto);
bool sgc_proto_is_icmp(u8 proto);
struct sgc_addr sgc_addr_mask(struct sgc_addr a, u8 prefix, u8 family);

#endif
