/* SPDX-License-Identifier: ((GPL-2.0 WITH Linux-syscall-note) OR MIT) */
/*
 * secgroup: AWS EC2-style security groups for Linux instances.
 *
 * Generic netlink family "secgroup", version 1.  All objects live in the
 * network namespace of the socket that sends the request; every netns is its
 * own "VPC".
 *
 * Objects
 *   group       id (u32, shown as sg-%08x), unique name, description, tags,
 *               ingress and egress rules, remote members.
 *   rule        id (u32, shown as sgr-%08x), direction, protocol (absent: all),
 *               port range (tcp, udp, sctp, udplite) or icmp type/code (icmp,
 *               icmpv6), and one peer: a CIDR or a referenced group.
 *   attachment  an instance -- a network device (ifindex) or a cgroup v2 --
 *               bound to an ordered list of groups and to its addresses.
 *
 * Commands (requests carry one object nest; replies and events the same)
 *   GROUP_NEW    SECGROUP_A_GROUP { NAME, [DESCRIPTION], [TAGS], [FLAGS] }
 *                reply: the new group.  FLAGS may hold NO_DEFAULT_EGRESS.
 *   GROUP_DEL    SECGROUP_A_GROUP { ID | NAME }; EBUSY if attached or
 *                referenced by another group's rule.
 *   GROUP_GET    do: SECGROUP_A_GROUP { ID | NAME }; dump: every group.
 *                Replies hold the remote members; rules come from RULE_GET.
 *   GROUP_SET    SECGROUP_A_GROUP { ID | NAME, [DESCRIPTION], [TAGS],
 *                [UNTAGS] }: TAGS are set (added or replaced), UNTAGS keys
 *                removed.
 *   RULE_NEW     SECGROUP_A_RULE { GROUP, DIRECTION, ... }; reply: the rule.
 *                EEXIST for a rule equal to one the group has.
 *   RULE_DEL     SECGROUP_A_RULE { GROUP, ID } or the rule's full match.
 *   RULE_GET     dump: every rule, or those of SECGROUP_A_RULE { GROUP }.
 *   ATTACH_NEW   SECGROUP_A_ATTACH { IFINDEX | CGROUP_FD, GROUPS, [ADDRS],
 *                [FLAGS] }; replaces an existing attachment of the instance.
 *                GROUPS absent: the netns's default group.
 *   ATTACH_DEL   SECGROUP_A_ATTACH { IFINDEX | CGROUP_FD | CGROUP_ID }
 *   ATTACH_GET   do: one attachment with its counters; dump: every one.
 *   MEMBER_NEW   SECGROUP_A_MEMBER { GROUP, IPV4 | IPV6 }: a remote member.
 *   MEMBER_DEL   the same, removed.
 *   MEMBER_GET   dump: every remote member, or those of SECGROUP_A_MEMBER
 *                { GROUP }, one per message (a group may have a million).
 *   NET_GET      the netns's totals: SECGROUP_A_NET { GROUPS, MEMBERS,
 *                ADDRS, MEMBER_BYTES }.
 *   CONFIG_REPLACE  the netns's whole configuration as a flat list of
 *                top-level objects, each naming its group by name (so that
 *                no attribute outgrows netlink's 64 KiB):
 *                  SECGROUP_A_GROUP  { NAME, [DESCRIPTION], [TAGS] } each group
 *                  SECGROUP_A_RULE   { GROUP_NAME, DIRECTION, ..., [PEER_GROUP_NAME] }
 *                                    every rule, in order
 *                  SECGROUP_A_MEMBER { GROUP_NAME, IPV4 | IPV6 } every remote member
 *                  SECGROUP_A_ATTACH { IFINDEX | CGROUP_FD, [GROUPS of
 *                                    GROUP_NAME], [ADDRS], [FLAGS] }
 *                Validated completely, then swapped in under the netns's
 *                lock; on any error nothing changes.  Groups and rules equal
 *                to existing ones keep their ids and counters; groups not
 *                listed are deleted; a "default" group not listed is reset
 *                to its initial state.  With SECGROUP_F_ATTACHMENTS the
 *                attachments listed are all of them (others are removed);
 *                without it, attachments are kept (and the groups they use
 *                must stay).  SECGROUP_F_DRY_RUN validates (quotas, devices,
 *                references) and changes nothing.  Events: one per object
 *                that changed.
 *
 * SECGROUP_A_FLAGS (u32, SECGROUP_F_*) may accompany any change.  With
 * SECGROUP_F_FLUSH, tracked connections of the affected instances that the
 * new rules no longer allow are removed from conntrack before the reply.
 *
 * Every change is announced on the multicast group "events" with the same
 * command and the object as it is after the change (before, for deletions).
 * New connections of instances attached with SECGROUP_ATTACH_F_FLOWLOG are
 * reported there too, rate-limited, as SECGROUP_CMD_FLOW.
 *
 * Unknown attributes, attributes of another object, reply-only attributes
 * and unknown flag bits are rejected with EINVAL, values outside an
 * attribute's range (a direction of 2, a prefix of 129, a 3-byte address)
 * with ERANGE, both by the kernel's policy validation, with an extack
 * message and the offending attribute; nothing is ignored.  Errors after
 * validation are AWS's: EEXIST (a duplicate), ENOSPC (a quota), EBUSY (a
 * group attached or referenced: DependencyViolation), ENOENT (no such
 * object), ENODEV (no such device), EINVAL (inconsistent input).  A
 * rejected request changes nothing.
 * Every request, reads included (as nft list and wg show), and the events
 * group need CAP_NET_ADMIN in the user namespace owning the netns.
 */
#ifndef _UAPI_LINUX_SECGROUP_H
#define _UAPI_LINUX_SECGROUP_H

#define SECGROUP_GENL_NAME	"secgroup"
#define SECGROUP_GENL_VERSION	1
#define SECGROUP_MCGRP_EVENTS	"events"

#define SECGROUP_NAME_MAX	255	/* bytes, without the NUL */
#define SECGROUP_DESC_MAX	255
#define SECGROUP_TAG_KEY_MAX	127
#define SECGROUP_TAG_VALUE_MAX	255
#define SECGROUP_TAGS_MAX	50	/* per group, as on AWS */
#define SECGROUP_ATTACH_GROUPS_MAX 16	/* hard cap; the quota is lower */
#define SECGROUP_ATTACH_ADDRS_MAX  64

enum secgroup_cmd {
	SECGROUP_CMD_UNSPEC,
	SECGROUP_CMD_GROUP_NEW,
	SECGROUP_CMD_GROUP_DEL,
	SECGROUP_CMD_GROUP_GET,
	SECGROUP_CMD_GROUP_SET,
	SECGROUP_CMD_RULE_NEW,
	SECGROUP_CMD_RULE_DEL,
	SECGROUP_CMD_RULE_GET,
	SECGROUP_CMD_ATTACH_NEW,
	SECGROUP_CMD_ATTACH_DEL,
	SECGROUP_CMD_ATTACH_GET,
	SECGROUP_CMD_MEMBER_NEW,
	SECGROUP_CMD_MEMBER_DEL,
	SECGROUP_CMD_FLOW,		/* notification only */
	SECGROUP_CMD_CONFIG_REPLACE,
	SECGROUP_CMD_RULE_SET,		/* a rule's description, in place */
	SECGROUP_CMD_MEMBER_GET,	/* dump: every remote member, or one group's */
	SECGROUP_CMD_NET_GET,		/* the netns's totals: SECGROUP_A_NET */

	__SECGROUP_CMD_MAX
};
#define SECGROUP_CMD_MAX (__SECGROUP_CMD_MAX - 1)

/* request flags, SECGROUP_A_FLAGS */
enum secgroup_flags {
	SECGROUP_F_FLUSH	= 1 << 0,
	SECGROUP_F_DRY_RUN	= 1 << 1,	/* CONFIG_REPLACE only */
	SECGROUP_F_ATTACHMENTS	= 1 << 2,	/* CONFIG_REPLACE: every attachment listed */
};
#define SECGROUP_F_ALL \
	(SECGROUP_F_FLUSH | SECGROUP_F_DRY_RUN | SECGROUP_F_ATTACHMENTS)

enum secgroup_attr {
	SECGROUP_A_UNSPEC,
	SECGROUP_A_GROUP,		/* nest, SECGROUP_GROUP_A_* */
	SECGROUP_A_RULE,		/* nest, SECGROUP_RULE_A_* */
	SECGROUP_A_ATTACH,		/* nest, SECGROUP_ATTACH_A_* */
	SECGROUP_A_MEMBER,		/* nest, SECGROUP_MEMBER_A_* */
	SECGROUP_A_FLAGS,		/* u32, SECGROUP_F_* */
	SECGROUP_A_FLOW,		/* nest, SECGROUP_FLOW_A_* */
	SECGROUP_A_GEN,			/* u32, the configuration's generation:
					 * in each GROUP_GET dump message; in
					 * CONFIG_REPLACE, the one it was built
					 * from (EAGAIN once it changed) */
	SECGROUP_A_NET,			/* nest, SECGROUP_NET_A_* (NET_GET replies) */

	__SECGROUP_A_MAX
};
#define SECGROUP_A_MAX (__SECGROUP_A_MAX - 1)

/* group flags, SECGROUP_GROUP_A_FLAGS */
enum secgroup_group_flags {
	SECGROUP_GROUP_F_NO_DEFAULT_EGRESS = 1 << 0,	/* at creation only */
	SECGROUP_GROUP_F_DEFAULT	   = 1 << 1,	/* read-only: the netns default */
};
#define SECGROUP_GROUP_F_ALL \
	(SECGROUP_GROUP_F_NO_DEFAULT_EGRESS | SECGROUP_GROUP_F_DEFAULT)

enum secgroup_group_attr {
	SECGROUP_GROUP_A_UNSPEC,
	SECGROUP_GROUP_A_ID,		/* u32 */
	SECGROUP_GROUP_A_NAME,		/* string, 1..SECGROUP_NAME_MAX of AWS's
					 * a-zA-Z0-9 ._-:/()#,@[]+=&;{}!$* */
	SECGROUP_GROUP_A_DESCRIPTION,	/* string, 0..SECGROUP_DESC_MAX */
	SECGROUP_GROUP_A_TAGS,		/* nest of SECGROUP_TAG_A_TAG nests */
	SECGROUP_GROUP_A_UNTAGS,	/* nest of SECGROUP_TAG_A_KEY strings */
	SECGROUP_GROUP_A_FLAGS,		/* u32, SECGROUP_GROUP_F_* */
	SECGROUP_GROUP_A_MEMBERS,	/* nest of SECGROUP_ADDR_A_* (replies) */
	SECGROUP_GROUP_A_ATTACHMENTS,	/* u32, instances attached (replies) */
	SECGROUP_GROUP_A_NMEMBERS,	/* u32, remote members (replies) */

	__SECGROUP_GROUP_A_MAX
};
#define SECGROUP_GROUP_A_MAX (__SECGROUP_GROUP_A_MAX - 1)

/*
 * GROUP_GET and group events list a group's remote members (MEMBERS) while
 * the netns has at most this many remote members in all; beyond, MEMBERS
 * is left out and MEMBER_GET dumps them.
 */
#define SECGROUP_GROUP_MEMBERS_INLINE 2000

enum secgroup_tag_attr {
	SECGROUP_TAG_A_UNSPEC,
	SECGROUP_TAG_A_TAG,		/* nest of KEY and VALUE */
	SECGROUP_TAG_A_KEY,		/* string, 1..SECGROUP_TAG_KEY_MAX */
	SECGROUP_TAG_A_VALUE,		/* string, 0..SECGROUP_TAG_VALUE_MAX */

	__SECGROUP_TAG_A_MAX
};
#define SECGROUP_TAG_A_MAX (__SECGROUP_TAG_A_MAX - 1)

/* an address in a list (members, attachment addresses) */
enum secgroup_addr_attr {
	SECGROUP_ADDR_A_UNSPEC,
	SECGROUP_ADDR_A_IPV4,		/* 4 bytes, network order */
	SECGROUP_ADDR_A_IPV6,		/* 16 bytes */

	__SECGROUP_ADDR_A_MAX
};
#define SECGROUP_ADDR_A_MAX (__SECGROUP_ADDR_A_MAX - 1)

enum secgroup_direction {
	SECGROUP_INGRESS,
	SECGROUP_EGRESS,
};

enum secgroup_rule_attr {
	SECGROUP_RULE_A_UNSPEC,
	SECGROUP_RULE_A_ID,		/* u32 */
	SECGROUP_RULE_A_GROUP,		/* u32, id of the group holding the rule */
	SECGROUP_RULE_A_DIRECTION,	/* u8, enum secgroup_direction */
	SECGROUP_RULE_A_PROTOCOL,	/* u8, IP protocol; absent: all */
	SECGROUP_RULE_A_PORT_MIN,	/* u16; tcp, udp, sctp, udplite only */
	SECGROUP_RULE_A_PORT_MAX,	/* u16; absent: PORT_MIN */
	SECGROUP_RULE_A_ICMP_TYPE,	/* u8; icmp, icmpv6 only; absent: any */
	SECGROUP_RULE_A_ICMP_CODE,	/* u8; needs ICMP_TYPE; absent: any */
	SECGROUP_RULE_A_PEER_IPV4,	/* 4 bytes, network order */
	SECGROUP_RULE_A_PEER_IPV6,	/* 16 bytes */
	SECGROUP_RULE_A_PEER_PREFIX,	/* u8, prefix length of the peer CIDR */
	SECGROUP_RULE_A_PEER_GROUP,	/* u32, referenced group id */
	SECGROUP_RULE_A_DESCRIPTION,	/* string, 0..SECGROUP_DESC_MAX */
	SECGROUP_RULE_A_HITS,		/* u64: new connections it allowed */
	SECGROUP_RULE_A_LAST_HIT,	/* u64: unix time of the last, 0: never */
	SECGROUP_RULE_A_PAD,
	SECGROUP_RULE_A_GROUP_NAME,	/* string, the group holding it (CONFIG_REPLACE) */
	SECGROUP_RULE_A_PEER_GROUP_NAME,	/* string, referenced group (CONFIG_REPLACE) */

	__SECGROUP_RULE_A_MAX
};
#define SECGROUP_RULE_A_MAX (__SECGROUP_RULE_A_MAX - 1)

/* attachment flags, SECGROUP_ATTACH_A_FLAGS */
enum secgroup_attach_flags {
	SECGROUP_ATTACH_F_FLOWLOG = 1 << 0,	/* report new connections */
};
#define SECGROUP_ATTACH_F_ALL (SECGROUP_ATTACH_F_FLOWLOG)

enum secgroup_attach_attr {
	SECGROUP_ATTACH_A_UNSPEC,
	SECGROUP_ATTACH_A_IFINDEX,	/* u32, a device in the request's netns */
	SECGROUP_ATTACH_A_CGROUP_FD,	/* s32, an open cgroup v2 directory */
	SECGROUP_ATTACH_A_CGROUP_ID,	/* u64, kernfs id of the cgroup */
	SECGROUP_ATTACH_A_GROUPS,	/* nest of SECGROUP_ATTACH_A_GROUP_ID, in order */
	SECGROUP_ATTACH_A_GROUP_ID,	/* u32, only inside GROUPS */
	SECGROUP_ATTACH_A_ADDRS,	/* nest of SECGROUP_ADDR_A_* */
	SECGROUP_ATTACH_A_FLAGS,	/* u32, SECGROUP_ATTACH_F_* */
	SECGROUP_ATTACH_A_IFNAME,	/* string (replies) */
	SECGROUP_ATTACH_A_CGROUP_PATH,	/* string (replies) */
	SECGROUP_ATTACH_A_STATS,	/* nest, SECGROUP_STATS_A_* (replies) */
	SECGROUP_ATTACH_A_PAD,
	SECGROUP_ATTACH_A_GROUP_NAME,	/* string, only inside GROUPS (CONFIG_REPLACE) */
	SECGROUP_ATTACH_A_MAC,		/* 6 bytes, the instance's MAC address (a bridge
					 * port's frames must come from it); absent: a
					 * veth's peer's, taken when attached */
	SECGROUP_ATTACH_A_MAC_DEFAULT,	/* flag (replies): MAC was not given, the
					 * kernel took it (sgnl save leaves it out) */

	__SECGROUP_ATTACH_A_MAX
};
#define SECGROUP_ATTACH_A_MAX (__SECGROUP_ATTACH_A_MAX - 1)

enum secgroup_stats_attr {
	SECGROUP_STATS_A_UNSPEC,
	SECGROUP_STATS_A_NEW_ACCEPTED,	/* u64 */
	SECGROUP_STATS_A_DROP_POLICY,	/* u64 */
	SECGROUP_STATS_A_DROP_SPOOF,	/* u64 */
	SECGROUP_STATS_A_DROP_INVALID,	/* u64 */
	SECGROUP_STATS_A_PAD,

	__SECGROUP_STATS_A_MAX
};
#define SECGROUP_STATS_A_MAX (__SECGROUP_STATS_A_MAX - 1)

enum secgroup_member_attr {
	SECGROUP_MEMBER_A_UNSPEC,
	SECGROUP_MEMBER_A_GROUP,	/* u32 */
	SECGROUP_MEMBER_A_IPV4,		/* 4 bytes */
	SECGROUP_MEMBER_A_IPV6,		/* 16 bytes */
	SECGROUP_MEMBER_A_GROUP_NAME,	/* string (CONFIG_REPLACE) */

	__SECGROUP_MEMBER_A_MAX
};
#define SECGROUP_MEMBER_A_MAX (__SECGROUP_MEMBER_A_MAX - 1)

/* the netns's totals (NET_GET) */
enum secgroup_net_attr {
	SECGROUP_NET_A_UNSPEC,
	SECGROUP_NET_A_GROUPS,		/* u32 */
	SECGROUP_NET_A_MEMBERS,		/* u64, remote members of all groups */
	SECGROUP_NET_A_ADDRS,		/* u32, addresses in the member map */
	SECGROUP_NET_A_MEMBER_BYTES,	/* u64, the member map's kernel memory */
	SECGROUP_NET_A_PAD,

	__SECGROUP_NET_A_MAX
};
#define SECGROUP_NET_A_MAX (__SECGROUP_NET_A_MAX - 1)

enum secgroup_verdict {
	SECGROUP_VERDICT_ACCEPT,
	SECGROUP_VERDICT_REJECT,
};

enum secgroup_flow_attr {
	SECGROUP_FLOW_A_UNSPEC,
	SECGROUP_FLOW_A_VERDICT,	/* u8, enum secgroup_verdict */
	SECGROUP_FLOW_A_DIRECTION,	/* u8, enum secgroup_direction */
	SECGROUP_FLOW_A_IFINDEX,	/* u32, or CGROUP_ID */
	SECGROUP_FLOW_A_CGROUP_ID,	/* u64 */
	SECGROUP_FLOW_A_PROTOCOL,	/* u8 */
	SECGROUP_FLOW_A_SRC_IPV4,	/* 4 bytes */
	SECGROUP_FLOW_A_DST_IPV4,
	SECGROUP_FLOW_A_SRC_IPV6,	/* 16 bytes */
	SECGROUP_FLOW_A_DST_IPV6,
	SECGROUP_FLOW_A_SRC_PORT,	/* u16, host order */
	SECGROUP_FLOW_A_DST_PORT,	/* u16 */
	SECGROUP_FLOW_A_ICMP_TYPE,	/* u8 */
	SECGROUP_FLOW_A_ICMP_CODE,	/* u8 */
	SECGROUP_FLOW_A_GROUP,		/* u32, group of the rule that allowed it */
	SECGROUP_FLOW_A_RULE,		/* u32, that rule */
	SECGROUP_FLOW_A_SUPPRESSED,	/* u32, records dropped by the rate limit */
	SECGROUP_FLOW_A_PAD,
	SECGROUP_FLOW_A_LEN,		/* u32, bytes of the packet (its IP length) */
	SECGROUP_FLOW_A_CT_ID,		/* u32, conntrack's id of an accepted
					 * connection, as CTA_ID (big endian)
					 * reads: its destroy event ends the
					 * flow, with its counters */

	__SECGROUP_FLOW_A_MAX
};
#define SECGROUP_FLOW_A_MAX (__SECGROUP_FLOW_A_MAX - 1)

#endif /* _UAPI_LINUX_SECGROUP_H */
