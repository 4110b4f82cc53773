/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace test support: TAP output, allocation failure injection, and the
 * naive reference matcher the classifier is checked against. */
#ifndef SG_TESTLIB_H
#define SG_TESTLIB_H

#include <stdio.h>
#include "classifier.h"

/* The next allocations succeed this many times, then one fails; -1: never. */
extern int sgc_fail_after;

/* First rule (lowest index) matching @pkt by a linear scan, or -1. */
int ref_lookup(const struct sgc_rule *rules, u32 n, const struct sgc_pkt *pkt);

struct sgc_addr addr4(const char *s);
struct sgc_addr addr6(const char *s);
#endif
