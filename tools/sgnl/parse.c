// SPDX-License-Identifier: GPL-2.0
/* sgnl's parsing of addresses, protocols, ports and group names. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/ether.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/secgroup.h>

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

int sg_parse_mac(const char *s, uint8_t mac[6])
{
	struct ether_addr e;
	static const uint8_t zero[6];

	if (strlen(s) != 17 || !ether_aton_r(s, &e))
		return -EINVAL;
	memcpy(mac, e.ether_addr_octet, 6);
	return (mac[0] & 1) || !memcmp(mac, zero, 6) ? -EINVAL : 0;
}

void sg_format_mac(const uint8_t mac[6], char *buf, size_t len)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x",
		 mac[0], mac[1], mac[2], mac[3], mac[4], mac[5]);
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

/* /etc/protocols, through libc */
static int sg_proto_by_name(const char *s, struct sg_proto *p)
{
	const struct protoent *pe = getprotobyname(s);

	if (!pe || pe->p_proto <= 0 || pe->p_proto > 255)
		return -EINVAL;
	p->proto[0] = pe->p_proto;
	p->nproto = 1;
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
	if (!parse_ulong(s, 255, &n)) {
		if (!n)
			return -EINVAL;	/* 0 is IPv6 hop-by-hop; "all" is all */
		p->proto[0] = n;
		p->nproto = 1;
		return 0;
	}
	return sg_proto_by_name(s, p);
}

/* a port: a number, or a service of /etc/services for @proto (0: any) */
static int parse_port(const char *s, uint8_t proto, unsigned long *port)
{
	const char *pname = proto == IPPROTO_UDP ? "udp" : proto == IPPROTO_TCP ? "tcp" :
			    proto == IPPROTO_SCTP ? "sctp" : proto == IPPROTO_UDPLITE ? "udp" : NULL;
	struct servent *se;

	if (!parse_ulong(s, 65535, port))
		return 0;
	if (!*s || isdigit((unsigned char)*s))
		return -EINVAL;
	se = getservbyname(s, pname);
	if (!se && proto == IPPROTO_SCTP)	/* few are listed for sctp: tcp's */
		se = getservbyname(s, "tcp");
	if (!se)
		return -EINVAL;
	*port = ntohs(se->s_port);
	return 0;
}

/*
 * N, N-M, or names of /etc/services ("ssh", "ssh-http"); a name with a
 * dash of its own ("netbios-ns") is looked up whole first.  Port 0 only
 * starts a range: alone it is no port at all.
 */
int sg_parse_ports(const char *s, uint8_t proto, uint16_t *lo, uint16_t *hi)
{
	char buf[64];
	const char *dash;
	unsigned long a, b;
	size_t n;

	if (!parse_port(s, proto, &a)) {
		if (!a)
			return -EINVAL;
		*lo = *hi = a;
		return 0;
	}
	for (dash = strchr(s, '-'); dash; dash = strchr(dash + 1, '-')) {
		n = dash - s;
		if (n >= sizeof(buf))
			return -EINVAL;
		memcpy(buf, s, n);
		buf[n] = 0;
		if (parse_port(buf, proto, &a) || parse_port(dash + 1, proto, &b))
			continue;
		if (a > b || !b)
			return -ERANGE;
		*lo = a;
		*hi = b;
		return 0;
	}
	return -EINVAL;
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

/* AWS's character set for names and descriptions, as the kernel's */
bool sg_text_ok(const char *s)
{
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && !strchr(" ._-:/()#,@[]+=&;{}!$*", *s))
			return false;
	return true;
}

/* What is wrong with a group name, as the kernel checks it: AWS's
 * character set, not empty, not "sg-..." (an id); NULL if nothing. */
const char *sg_name_problem(const char *s)
{
	if (!*s)
		return "a group name is empty";
	if (strlen(s) > SECGROUP_NAME_MAX)
		return "group names are at most 255 bytes";
	if (!sg_text_ok(s))
		return "group names hold only letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*";
	if (!strncmp(s, "sg-", 3))
		return "group names cannot start with \"sg-\"";
	return NULL;
}

/* ICMP and ICMPv6 types and codes, as nft(8) names them */
struct icmp_name {
	const char *name;
	uint8_t v;
};

static const struct icmp_name icmp_types[] = {
	{ "echo-reply", 0 }, { "destination-unreachable", 3 }, { "source-quench", 4 },
	{ "redirect", 5 }, { "echo-request", 8 }, { "router-advertisement", 9 },
	{ "router-solicitation", 10 }, { "time-exceeded", 11 }, { "parameter-problem", 12 },
	{ "timestamp-request", 13 }, { "timestamp-reply", 14 }, { "info-request", 15 },
	{ "info-reply", 16 }, { "address-mask-request", 17 }, { "address-mask-reply", 18 },
	{ NULL, 0 },
};

static const struct icmp_name icmpv6_types[] = {
	{ "destination-unreachable", 1 }, { "packet-too-big", 2 }, { "time-exceeded", 3 },
	{ "parameter-problem", 4 }, { "echo-request", 128 }, { "echo-reply", 129 },
	{ "mld-listener-query", 130 }, { "mld-listener-report", 131 },
	{ "mld-listener-done", 132 }, { "mld-listener-reduction", 132 },
	{ "nd-router-solicit", 133 }, { "nd-router-advert", 134 },
	{ "nd-neighbor-solicit", 135 }, { "nd-neighbor-advert", 136 }, { "nd-redirect", 137 },
	{ "router-renumbering", 138 }, { "ind-neighbor-solicit", 141 },
	{ "ind-neighbor-advert", 142 }, { "mld2-listener-report", 143 },
	{ NULL, 0 },
};

static const struct icmp_name icmp_codes[] = {
	{ "net-unreachable", 0 }, { "host-unreachable", 1 }, { "prot-unreachable", 2 },
	{ "port-unreachable", 3 }, { "frag-needed", 4 }, { "net-prohibited", 9 },
	{ "host-prohibited", 10 }, { "admin-prohibited", 13 },
	{ NULL, 0 },
};

static const struct icmp_name icmpv6_codes[] = {
	{ "no-route", 0 }, { "admin-prohibited", 1 }, { "addr-unreachable", 3 },
	{ "port-unreachable", 4 }, { "policy-fail", 5 }, { "reject-route", 6 },
	{ NULL, 0 },
};

static int icmp_lookup(const struct icmp_name *t, const char *s, uint8_t *v)
{
	if (!sg_parse_u8(s, v))
		return 0;
	for (; t->name; t++) {
		if (!strcmp(t->name, s)) {
			*v = t->v;
			return 0;
		}
	}
	return -EINVAL;
}

static const char *icmp_name(const struct icmp_name *t, int v)
{
	for (; t->name; t++)
		if (t->v == v)
			return t->name;
	return NULL;
}

/* nft's name of an ICMP or ICMPv6 type, or NULL */
const char *sg_icmp_type_name(uint8_t proto, int type)
{
	return icmp_name(proto == IPPROTO_ICMPV6 ? icmpv6_types : icmp_types, type);
}

/* ... of a code, of destination unreachable (the only one nft names) */
const char *sg_icmp_code_name(uint8_t proto, int type, int code)
{
	if (type != (proto == IPPROTO_ICMPV6 ? 1 : 3))
		return NULL;
	return icmp_name(proto == IPPROTO_ICMPV6 ? icmpv6_codes : icmp_codes, code);
}

/* an ICMP (@proto IPPROTO_ICMP) or ICMPv6 type or code: a number or its name */
int sg_parse_icmp_type(const char *s, uint8_t proto, uint8_t *v)
{
	return icmp_lookup(proto == IPPROTO_ICMPV6 ? icmpv6_types : icmp_types, s, v);
}

int sg_parse_icmp_code(const char *s, uint8_t proto, uint8_t *v)
{
	return icmp_lookup(proto == IPPROTO_ICMPV6 ? icmpv6_codes : icmp_codes, s, v);
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

/* @ip with the bits past its prefix cleared, as the kernel keeps it */
void sg_cidr_clear(struct sg_ip *ip)
{
	unsigned char *b = (unsigned char *)&ip->v4;
	int i, bytes = ip->family == AF_INET ? 4 : 16;

	for (i = 0; i < bytes; i++) {
		int keep = ip->prefix - i * 8;

		if (keep <= 0)
			b[i] = 0;
		else if (keep < 8)
			b[i] &= 0xff << (8 - keep);
	}
}

/* "10.1.2.3/16" as the kernel keeps it: "10.1.0.0/16" */
void sg_cidr_canon(const struct sg_ip *ip, char *buf, size_t len)
{
	char addr[INET6_ADDRSTRLEN];
	struct sg_ip c = *ip;

	sg_cidr_clear(&c);
	inet_ntop(c.family, &c.v4, addr, sizeof(addr));
	snprintf(buf, len, "%s/%u", addr, c.prefix);
}

void sg_format_ip(int family, const void *addr, char *buf, size_t len)
{
	if (!inet_ntop(family, addr, buf, len))
		snprintf(buf, len, "?");
}

/* The words the parser knows for @what (SG_WORDS_*), each to @fn: what
 * completion offers, from the tables the parser reads */
void sg_words(int what, void (*fn)(const char *word, void *arg), void *arg)
{
	const struct icmp_name *t[2] = { NULL, NULL };
	size_t i, k;

	switch (what) {
	case SG_WORDS_PROTO:
		fn("all", arg);
		for (i = 0; i < sizeof(protos) / sizeof(protos[0]); i++)
			fn(protos[i].name, arg);
		for (i = 0; i < sizeof(services) / sizeof(services[0]); i++)
			fn(services[i].name, arg);
		return;
	case SG_WORDS_ICMP_TYPE:
		t[0] = icmp_types;
		t[1] = icmpv6_types;
		break;
	case SG_WORDS_ICMP_CODE:
		t[0] = icmp_codes;
		t[1] = icmpv6_codes;
		break;
	}
	for (k = 0; k < 2 && t[k]; k++)
		for (i = 0; t[k][i].name; i++)
			fn(t[k][i].name, arg);
}

int sg_ip_cmp(const struct sg_ip *a, const struct sg_ip *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(&a->v4, &b->v4, a->family == AF_INET ? 4 : 16);
}
