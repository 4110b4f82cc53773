// SPDX-License-Identifier: GPL-2.0
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "testlib.h"

int sgc_fail_after = -1;

void *sgc_test_calloc(size_t n, size_t size)
{
	if (sgc_fail_after == 0)
		return NULL;
	if (sgc_fail_after > 0)
		sgc_fail_after--;
	return calloc(n, size);
}

struct sgc_addr addr4(const char *s)
{
	struct in_addr a;
	struct sgc_addr r = { 0, 0 };

	if (inet_pton(AF_INET, s, &a) != 1)
		abort();
	r.lo = ntohl(a.s_addr);
	return r;
}

struct sgc_addr addr6(const char *s)
{
	unsigned char b[16];
	struct sgc_addr r = { 0, 0 };
	int i;

	if (inet_pton(AF_INET6, s, b) != 1)
		abort();
	for (i = 0; i < 8; i++) {
		r.hi = r.hi << 8 | b[i];
		r.lo = r.lo << 8 | b[i + 8];
	}
	return r;
}
