/* SPDX-License-Identifier: GPL-2.0 */
/* sgnl's parsing of addresses, protocols, ports and group names. */
#ifndef SGNL_PARSE_H
#define SGNL_PARSE_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

struct sg_ip {
	int family;			/* AF_INET, AF_INET6 */
	union {
		struct in_addr v4;
		struct in6_addr v6;
	};
	uint8_t prefix;
};

/* What a PROTO word means; a service can stand for two protocols (dns). */
struct sg_proto {
	bool all;
	int nproto;
	uint8_t proto[2];
	bool has_port;			/* the service fixes the port */
	uint16_t port;
};

int sg_parse_ip(const char *s, struct sg_ip *ip, bool cidr);
/* a unicast MAC address, 02:42:ac:11:00:02 */
int sg_parse_mac(const char *s, uint8_t mac[6]);
void sg_format_mac(const uint8_t mac[6], char *buf, size_t len);
int sg_parse_proto(const char *s, struct sg_proto *p);
/* N, N-M; numbers or /etc/services names for @proto */
int sg_parse_ports(const char *s, uint8_t proto, uint16_t *lo, uint16_t *hi);
int sg_parse_u8(const char *s, uint8_t *v);
/* a number or nft's name of an ICMP (IPPROTO_ICMP) or ICMPv6 type or code */
int sg_parse_icmp_type(const char *s, uint8_t proto, uint8_t *v);
int sg_parse_icmp_code(const char *s, uint8_t proto, uint8_t *v);
/* nft's names for output; NULL: print the number */
const char *sg_icmp_type_name(uint8_t proto, int type);
const char *sg_icmp_code_name(uint8_t proto, int type, int code);
/* "sg-1234abcd" -> its id; 0 when @s is a name */
uint32_t sg_parse_group_id(const char *s);
const char *sg_proto_name(uint8_t proto);
/* the words the parser knows, for completion (duplicates possible) */
enum { SG_WORDS_PROTO, SG_WORDS_ICMP_TYPE, SG_WORDS_ICMP_CODE };
void sg_words(int what, void (*fn)(const char *word, void *arg), void *arg);
/* why @s cannot be a group name (the kernel's rule), or NULL */
const char *sg_name_problem(const char *s);
/* @s holds only AWS's characters (a description; names have more rules) */
bool sg_text_ok(const char *s);
#define SG_TEXT_CHARS "descriptions hold only letters, digits, spaces and ._-:/()#,@[]+=&;{}!$*"
void sg_format_ip(int family, const void *addr, char *buf, size_t len);
void sg_cidr_clear(struct sg_ip *ip);
/* the kernel's order of addresses: IPv4 first, then by their bytes */
int sg_ip_cmp(const struct sg_ip *a, const struct sg_ip *b);
void sg_cidr_canon(const struct sg_ip *ip, char *buf, size_t len);

#endif
