/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Differences between the kernels secgroup supports (Debian's 6.1 and 6.12),
 * kept here rather than as #ifdefs through the code.
 */
#ifndef _SG_COMPAT_H
#define _SG_COMPAT_H

#include <linux/version.h>
#include <linux/ip.h>
#include <net/genetlink.h>

/* 6.2 moved the parsed request of a dump into genl_dumpit_info.info */
static inline struct nlattr **sg_dump_attrs(struct netlink_callback *cb)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
	return genl_dumpit_info(cb)->attrs;
#else
	return genl_dumpit_info(cb)->info.attrs;
#endif
}

/* 6.2 gave pre_doit and post_doit the split form of an operation */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define sg_split_ops genl_ops
#else
#define sg_split_ops genl_split_ops
#endif

/* 6.3's BIG TCP for IPv4: a GSO packet past 64 KiB has a tot_len of 0 */
static inline unsigned int sg_ip_totlen(const struct sk_buff *skb)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
	return ntohs(ip_hdr(skb)->tot_len);
#else
	return skb_ip_totlen(skb);
#endif
}

#endif
