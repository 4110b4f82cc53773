// SPDX-License-Identifier: GPL-2.0
/*
 * Flow records: the datapath writes each logged new connection into a
 * per-CPU ring of its netns (no allocation, no lock), rate-limited per CPU;
 * a work item drains the rings into SECGROUP_CMD_FLOW events.  Records over
 * the rate are counted and reported with the next one that gets through.
 */
#include <linux/slab.h>
#include <linux/percpu.h>
#include <linux/jiffies.h>
#include <linux/moduleparam.h>

#include "netlink.h"

#define SG_FLOW_RING 64		/* power of two */

static unsigned int sg_flowlog_rate = 200;
module_param_named(flowlog_rate, sg_flowlog_rate, uint, 0644);
MODULE_PARM_DESC(flowlog_rate, "flow records per second and CPU (default 200)");

struct sg_flow_ring {
	u32 head;			/* written by the CPU's producer */
	u32 tail;			/* written by the work */
	unsigned long window;		/* jiffies when the second began */
	u32 count;			/* records this second */
	u32 suppressed;
	struct sg_flow rec[SG_FLOW_RING];
};

struct sg_flowlog {
	struct sg_net *sn;
	struct work_struct work;
	struct sg_flow_ring __percpu *ring;
};

static void sg_flowlog_drain(struct work_struct *work)
{
	struct sg_flowlog *fl = container_of(work, struct sg_flowlog, work);
	int cpu;

	for_each_possible_cpu(cpu) {
		struct sg_flow_ring *r = per_cpu_ptr(fl->ring, cpu);
		/* pairs with the producer's release: records before head are written */
		u32 head = smp_load_acquire(&r->head);
		u32 tail = r->tail;

		while (tail != head) {
			sg_notify_flow(fl->sn, &r->rec[tail % SG_FLOW_RING]);
			tail++;
		}
		/* pairs with the producer's acquire: the slots are free again */
		smp_store_release(&r->tail, tail);
	}
}

/* Whether @f was recorded (not over the rate, nor the ring full). */
bool sg_flowlog_record(struct sg_net *sn, const struct sg_flow *f)
{
	struct sg_flowlog *fl = sn->flowlog;
	struct sg_flow_ring *r;
	bool recorded = false;
	u32 head, tail;

	local_bh_disable();
	r = this_cpu_ptr(fl->ring);
	if (time_after(jiffies, r->window + HZ)) {
		r->window = jiffies;
		r->count = 0;
	}
	head = r->head;
	/* pairs with the drain's release: a slot is reused once it was read */
	tail = smp_load_acquire(&r->tail);
	if (r->count >= sg_flowlog_rate || head - tail >= SG_FLOW_RING) {
		r->suppressed++;
		goto out;
	}
	r->count++;
	r->rec[head % SG_FLOW_RING] = *f;
	r->rec[head % SG_FLOW_RING].suppressed = r->suppressed;
	r->suppressed = 0;
	/* publish the record before the new head (the drain acquires head) */
	smp_store_release(&r->head, head + 1);
	schedule_work(&fl->work);
	recorded = true;
out:
	local_bh_enable();
	return recorded;
}

int sg_flowlog_init(struct sg_net *sn)
{
	struct sg_flowlog *fl = kzalloc(sizeof(*fl), GFP_KERNEL_ACCOUNT);

	if (!fl)
		return -ENOMEM;
	fl->ring = alloc_percpu_gfp(struct sg_flow_ring, GFP_KERNEL_ACCOUNT);
	if (!fl->ring) {
		kfree(fl);
		return -ENOMEM;
	}
	fl->sn = sn;
	INIT_WORK(&fl->work, sg_flowlog_drain);
	sn->flowlog = fl;
	return 0;
}

/* After the hooks are gone: no producer is left. */
void sg_flowlog_exit(struct sg_net *sn)
{
	struct sg_flowlog *fl = sn->flowlog;

	cancel_work_sync(&fl->work);
	free_percpu(fl->ring);
	kfree(fl);
	sn->flowlog = NULL;
}

/* ---- the record as an event ---- */
static int sg_fill_flow(struct sk_buff *skb, const struct sg_flow *f)
{
	struct nlattr *nest;
	void *hdr;

	hdr = genlmsg_put(skb, 0, 0, &sg_genl_family, 0, SECGROUP_CMD_FLOW);
	if (!hdr)
		return -EMSGSIZE;
	nest = nla_nest_start(skb, SECGROUP_A_FLOW);
	if (!nest ||
	    nla_put_u8(skb, SECGROUP_FLOW_A_VERDICT, f->verdict) ||
	    nla_put_u8(skb, SECGROUP_FLOW_A_DIRECTION, f->dir) ||
	    (f->kind == SG_ATTACH_DEV ?
	     nla_put_u32(skb, SECGROUP_FLOW_A_IFINDEX, f->id) :
	     nla_put_u64_64bit(skb, SECGROUP_FLOW_A_CGROUP_ID, f->id, SECGROUP_FLOW_A_PAD)) ||
	    nla_put_u8(skb, SECGROUP_FLOW_A_PROTOCOL, f->proto) ||
	    sg_put_addr(skb, SECGROUP_FLOW_A_SRC_IPV4, SECGROUP_FLOW_A_SRC_IPV6, &f->src) ||
	    sg_put_addr(skb, SECGROUP_FLOW_A_DST_IPV4, SECGROUP_FLOW_A_DST_IPV6, &f->dst) ||
	    nla_put_u32(skb, SECGROUP_FLOW_A_SUPPRESSED, f->suppressed) ||
	    nla_put_u32(skb, SECGROUP_FLOW_A_LEN, f->len) ||
	    (f->ct_id && nla_put_u32(skb, SECGROUP_FLOW_A_CT_ID, f->ct_id)))
		goto cancel;
	if (sgc_proto_has_ports(f->proto) &&
	    (nla_put_u16(skb, SECGROUP_FLOW_A_SRC_PORT, f->sport) ||
	     nla_put_u16(skb, SECGROUP_FLOW_A_DST_PORT, f->dport)))
		goto cancel;
	if (sgc_proto_is_icmp(f->proto) &&
	    (nla_put_u8(skb, SECGROUP_FLOW_A_ICMP_TYPE, f->icmp_type) ||
	     nla_put_u8(skb, SECGROUP_FLOW_A_ICMP_CODE, f->icmp_code)))
		goto cancel;
	if (f->rule && (nla_put_u32(skb, SECGROUP_FLOW_A_GROUP, f->group) ||
			nla_put_u32(skb, SECGROUP_FLOW_A_RULE, f->rule)))
		goto cancel;
	nla_nest_end(skb, nest);
	genlmsg_end(skb, hdr);
	return 0;
cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

void sg_notify_flow(struct sg_net *sn, const struct sg_flow *f)
{
	struct sk_buff *msg = sg_event_new(sn, NLMSG_GOODSIZE);

	if (msg)
		sg_event_send(sn, msg, sg_fill_flow(msg, f));
}
