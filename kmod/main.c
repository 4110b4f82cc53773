// SPDX-License-Identifier: GPL-2.0
/*
 * secgroup: AWS EC2-style security groups for Linux instances.
 * Module parameters, per-netns state and the init ladder.
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <net/netns/generic.h>

#include "sg.h"

unsigned int sg_max_rules = 60;
unsigned int sg_max_groups_per_attach = 5;
unsigned int sg_max_groups = 2500;
unsigned int sg_max_members = 1000;

static int sg_param_set_range(const char *val, const struct kernel_param *kp,
			      unsigned int min, unsigned int max)
{
	unsigned int n;
	int err = kstrtouint(val, 0, &n);

	if (err)
		return err;
	if (n < min || n > max)
		return -ERANGE;
	*(unsigned int *)kp->arg = n;
	return 0;
}

static int sg_param_set_groups(const char *val, const struct kernel_param *kp)
{
	return sg_param_set_range(val, kp, 1, SECGROUP_ATTACH_GROUPS_MAX);
}

static int sg_param_set_count(const char *val, const struct kernel_param *kp)
{
	return sg_param_set_range(val, kp, 1, 1000000);
}

static const struct kernel_param_ops sg_groups_param_ops = {
	.set = sg_param_set_groups,
	.get = param_get_uint,
};

static const struct kernel_param_ops sg_count_param_ops = {
	.set = sg_param_set_count,
	.get = param_get_uint,
};

module_param_cb(max_rules, &sg_count_param_ops, &sg_max_rules, 0644);
MODULE_PARM_DESC(max_rules, "rules per group and direction (default 60)");
module_param_cb(max_groups_per_attach, &sg_groups_param_ops,
		&sg_max_groups_per_attach, 0644);
MODULE_PARM_DESC(max_groups_per_attach, "groups per instance, 1..16 (default 5)");
module_param_cb(max_groups, &sg_count_param_ops, &sg_max_groups, 0644);
MODULE_PARM_DESC(max_groups, "groups per network namespace (default 2500)");
module_param_cb(max_members, &sg_count_param_ops, &sg_max_members, 0644);
MODULE_PARM_DESC(max_members, "remote members per group, 1..1000000 (default 1000)");

static unsigned int sg_net_id __read_mostly;

struct sg_net *sg_pernet(const struct net *net)
{
	return net_generic(net, sg_net_id);
}

static int __net_init sg_net_init(struct net *net)
{
	struct sg_net *sn = sg_pernet(net);
	int err;

	sn->net = net;
	sn->gen = 1;			/* 0 is "no dump started" */
	mutex_init(&sn->lock);
	mutex_lock(&sn->lock);
	err = sg_store_init(sn);
	if (err)
		goto unlock;
	err = sg_members_init(sn);
	if (err)
		goto store;
	err = sg_attach_init(sn);
	if (err)
		goto members;
	err = sg_flowlog_init(sn);
	if (err)
		goto attach;
	mutex_unlock(&sn->lock);
	return 0;
attach:
	sg_attach_exit(sn);
members:
	sg_members_exit(sn);
store:
	sg_store_exit(sn);
unlock:
	mutex_unlock(&sn->lock);
	return err;
}

/*
 * First the hooks go.  Packets already in them may still run: the netns
 * core (cleanup_net, or unregister_pernet_subsys at module unload) waits
 * for an RCU grace period between pre_exit and exit, so sg_net_exit frees
 * nothing a packet can still read.
 */
static void __net_exit sg_net_pre_exit(struct net *net)
{
	struct sg_net *sn = sg_pernet(net);

	mutex_lock(&sn->lock);
	sn->dying = true;		/* devices going away now register nothing */
	sg_hooks_exit(sn);
	mutex_unlock(&sn->lock);
	sg_attach_stop_sweeper(sn);
}

static void __net_exit sg_net_exit(struct net *net)
{
	struct sg_net *sn = sg_pernet(net);

	sg_flowlog_exit(sn);		/* no producer is left */
	mutex_lock(&sn->lock);
	sg_attach_exit(sn);
	sg_store_exit(sn);
	mutex_unlock(&sn->lock);
	rcu_barrier();			/* attachments and members freed */
	sg_members_exit(sn);
}

static struct pernet_operations sg_net_ops = {
	.init = sg_net_init,
	.pre_exit = sg_net_pre_exit,
	.exit = sg_net_exit,
	.id = &sg_net_id,
	.size = sizeof(struct sg_net),
};

static int __init sg_init(void)
{
	int err;

	err = register_pernet_subsys(&sg_net_ops);
	if (err)
		goto out;
	err = sg_attach_notifier_init();
	if (err)
		goto pernet;
	err = sg_genl_init();
	if (err)
		goto notifier;
	return 0;
notifier:
	sg_attach_notifier_exit();
pernet:
	unregister_pernet_subsys(&sg_net_ops);
out:
	/*
	 * A netns init that failed half-way freed what it had built with
	 * call_rcu(), and when that netns was the first no sg_net_exit()
	 * waited for those callbacks: they must run before our code goes.
	 */
	rcu_barrier();
	return err;
}

static void __exit sg_exit(void)
{
	sg_genl_exit();
	sg_attach_notifier_exit();
	unregister_pernet_subsys(&sg_net_ops);
	rcu_barrier();
}

module_init(sg_init);
module_exit(sg_exit);
MODULE_LICENSE("GPL");
MODULE_AUTHOR("The secgroup authors");
MODULE_DESCRIPTION("AWS EC2-style security groups for Linux instances");
MODULE_ALIAS_GENL_FAMILY(SECGROUP_GENL_NAME);
