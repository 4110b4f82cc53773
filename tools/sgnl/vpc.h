/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VPC's definition in etcd, shared by `sgnl sync` (sync.c) and
 * `sgnl --etcd URL` (vpc.c).  The keys of VPC NAME:
 *
 *   /secgroup/NAME/config                 its groups, rules and static
 *                                         members: the file `sgnl apply`
 *                                         reads, without attachments
 *   /secgroup/NAME/hosts/HOST/GROUP/ADDR  ADDR, an instance's address on
 *                                         HOST, is a member of GROUP; put
 *                                         by HOST's agent under its lease,
 *                                         so that it goes with the host
 */
#ifndef SGNL_VPC_H
#define SGNL_VPC_H

#include "etcd.h"

struct conf;

#define VPC_NAME_MAX	63

struct vpc {
	struct etcd *e;
	char prefix[96];	/* /secgroup/NAME/ */
	char config[112];	/* ... config */
	char hosts[112];	/* ... hosts/ */
};

/* 0, or EXIT_USAGE with the fault told (a bad name or URL) */
int vpc_open(struct vpc *v, const char *url, const char *name);
void vpc_close(struct vpc *v);
/* a VPC, host or group name as a key part: [A-Za-z0-9._-], 1 to 63 */
bool vpc_name_ok(const char *s);

/*
 * The definition at v->config, checked as `sgnl apply` checks a file (and
 * without attachments), normalised; *rev its mod_revision (0: there is
 * none yet, and *model is the empty VPC).  0, 1 (etcd failed) or 2 (the
 * definition is bad: told).
 */
int vpc_definition(struct vpc *v, const char *text, struct conf **model);
int vpc_read(struct vpc *v, struct conf **model, int64_t *rev);

#endif
