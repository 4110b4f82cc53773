// SPDX-License-Identifier: GPL-2.0
/* sgnl's parsing of addresses, protocols, ports and group names. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

static const struct {
	const char *name;
	uint8_t proto[2];
	int nproto;
	uint16_t port;
} services[] = {
	{ "http", { IPPROTO_TCP }, 1, 80 },
	{ "https", { IPPROTO_TCP }, 1, 443 },
	{ "ssh", { IPPROTO_TCP }, 1, 22 },
	{ "rdp", { IPPROTO_TCP }, 1, 3389 },
	{ "mysql", { IPPROTO_TCP }, 1, 3306 },
	{ "postgresql", { IPPROTO_TCP }, 1, 5432 },
	{ "dns", { IPPROTO_TCP, IPPROTO_UDP }, 2, 53 },
};

static const struct {
	const char *name;
	uint8_t proto;
} protos[] = {
	{ "icmp", IPPROTO_ICMP }, { "tcp", IPPROTO_TCP }, { "udp", IPPROTO_UDP },
	{ "icmpv6", IPPROTO_ICMPV6 }, { "sctp", IPPROTO_SCTP },
	{ "udplite", IPPROTO_UDPLITE }, { "gre", IPPROTO_GRE },
	{ "esp", IPPROTO_ESP }, { "ah", IPPROTO_AH },
};

static int parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!*s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || *end || *out > max)
		return -EINVAL;
	return 0;
}

int sg_parse_u8(const char *s, uint8_t *v)
{
	unsigned long x;

	if (parse_ulong(s, 255, &x))
		return -EINVAL;
	*v = x;
	return 0;
}

int sg_parse_ip(const char *s, struct sg_ip *ip, bool cidr)
{
	char buf[INET6_ADDRSTRLEN + 8];
	const char *slash = strchr(s, '/');
	unsigned long pfx;
	size_t n = slash ? (size_t)(slash - s) : strlen(s);

	if (n >= INET6_ADDRSTRLEN)
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = 0;
	memset(ip, 0, sizeof(*ip));
	if (inet_pton(AF_INET, buf, &ip->v4) == 1)
		ip->family = AF_INET;
	else if (inet_pton(AF_INET6, buf, &ip->v6) == 1)
		ip->family = AF_INET6;
	else
		return -EINVAL;
	ip->prefix = ip->family == AF_INET ? 32 : 128;
	if (slash) {
		if (!cidr || parse_ulong(slash + 1, ip->prefix, &pfx))
			return -EINVAL;
		ip->prefix = pfx;
	}
	return 0;
}

int sg_parse_proto(const char *s, struct sg_proto *p)
{
	unsigned long n;
	size_t i;

	memset(p, 0, sizeof(*p));
	if (!strcmp(s, "all") || !strcmp(s, "-1")) {
		p->all = true;
		return 0;
	}
	for (i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
		if (strcmp(s, services[i].name))
			continue;
		memcpy(p->proto, services[i].proto, sizeof(p->proto));
		p->nproto = services[i].nproto;
		p->has_port = true;
		p->port = services[i].port;
		return 0;
	}
	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (!strcmp(s, protos[i].name)) {
			p->proto[0] = protos[i].proto;
			p->nproto = 1;
			return 0;
		}
	}
	if (parse_ulong(s, 255, &n))
		return -EINVAL;
	p->proto[0] = n;
	p->nproto = 1;
	return 0;
}

int sg_parse_ports(const char *s, uint16_t *lo, uint16_t *hi)
{
	char buf[16];
	const char *dash = strchr(s, '-');
	unsigned long a, b;
	size_t n = dash ? (size_t)(dash - s) : strlen(s);

	if (n >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = 0;
	if (parse_ulong(buf, 65535, &a))
		return -EINVAL;
	b = a;
	if (dash && parse_ulong(dash + 1, 65535, &b))
		return -EINVAL;
	if (a > b)
		return -ERANGE;
	*lo = a;
	*hi = b;
	return 0;
}

uint32_t sg_parse_group_id(const char *s)
{
	unsigned long id;
	char *end;

	if (strncmp(s, "sg-", 3) || strlen(s) != 11)
		return 0;
	errno = 0;
	id = strtoul(s + 3, &end, 16);
	if (errno || *end || !isxdigit((unsigned char)s[3]))
		return 0;
	return id;
}

const char *sg_proto_name(uint8_t proto)
{
	static char num[4];
	size_t i;

	for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
		if (protos[i].proto == proto)
			return protos[i].name;
	snprintf(num, sizeof(num), "%u", proto);
	return num;
}

void sg_format_ip(int family, const void *addr, char *buf, size_t len)
{
	if (!inet_ntop(family, addr, buf, len))
		snprintf(buf, len, "?");
}
