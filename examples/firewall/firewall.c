/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * firewall: an IPv4/IPv6 5-tuple firewall for mpmaster, on libmpworker and
 * DPDK's rte_acl.
 *
 *   firewall [EAL args] -- -n ID --rules FILE
 *
 * The rules file holds one rule per line, the first that matches wins:
 *
 *   allow|deny [proto tcp|udp|sctp|icmp|icmp6|any|N] [src CIDR] [dst CIDR]
 *              [sport P[-Q]] [dport P[-Q]]
 *   default allow|deny          (what matches no rule; deny if absent)
 *
 * '#' starts a comment.  A rule with an IPv4 address applies to IPv4, one
 * with an IPv6 address to IPv6, one with neither (and not icmp/icmp6) to
 * both.  Ports are those of TCP, UDP and SCTP; other packets have ports 0.
 * Packets that are not IP (ARP, ...) pass.  Counters: allowed, denied.
 *
 * The two ACL contexts live in shared memory under per-worker names
 * (mpw_object_name()), so a firewall that replaces a crashed one frees
 * what its predecessor built and builds its own from the rules file, read
 * again at every start.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_acl.h>
#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_malloc.h>

#include <mpworker.h>

#define FW_MAX_RULES 4096
#define FW_PRIORITY_TOP (RTE_ACL_MAX_PRIORITY - 1)

/* What classification looks at, gathered from the headers (network order). */
struct key4 {
	uint8_t proto;
	uint8_t pad[3];
	uint32_t src, dst;
	uint16_t sport, dport;
};

struct key6 {
	uint8_t proto;
	uint8_t pad[3];
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
};

enum { F4_PROTO, F4_SRC, F4_DST, F4_SPORT, F4_DPORT, F4_NUM };
enum { F6_PROTO, F6_SRC0, F6_DST0 = F6_SRC0 + 4, F6_SPORT = F6_DST0 + 4, F6_DPORT, F6_NUM };

RTE_ACL_RULE_DEF(rule4, F4_NUM);
RTE_ACL_RULE_DEF(rule6, F6_NUM);

static struct rte_acl_field_def defs4[F4_NUM] = {
	[F4_PROTO] = { RTE_ACL_FIELD_TYPE_BITMASK, 1, F4_PROTO, 0, offsetof(struct key4, proto) },
	[F4_SRC] = { RTE_ACL_FIELD_TYPE_MASK, 4, F4_SRC, 1, offsetof(struct key4, src) },
	[F4_DST] = { RTE_ACL_FIELD_TYPE_MASK, 4, F4_DST, 2, offsetof(struct key4, dst) },
	[F4_SPORT] = { RTE_ACL_FIELD_TYPE_RANGE, 2, F4_SPORT, 3, offsetof(struct key4, sport) },
	[F4_DPORT] = { RTE_ACL_FIELD_TYPE_RANGE, 2, F4_DPORT, 3, offsetof(struct key4, dport) },
};

static struct rte_acl_field_def defs6[F6_NUM];

/* One parsed rule; family 0 is both. */
struct rule {
	int allow;
	int family;		/* 0, 4 or 6 */
	int proto;		/* -1 any */
	uint8_t src[16], dst[16];
	int src_len, dst_len;	/* prefix lengths; 0 any */
	uint16_t sport[2], dport[2];
};

struct firewall {
	struct rte_acl_ctx *acl4, *acl6;
	unsigned int nb4, nb6;		/* rules in each (an empty one is not built) */
	int default_allow;
	uint8_t action[FW_MAX_RULES + 1];	/* by userdata: 1 allow */
	int allowed, denied;
};

static void
init_defs6(void)
{
	unsigned int i;

	defs6[F6_PROTO] = (struct rte_acl_field_def){ RTE_ACL_FIELD_TYPE_BITMASK, 1,
		F6_PROTO, 0, offsetof(struct key6, proto) };
	for (i = 0; i < 4; i++) {
		defs6[F6_SRC0 + i] = (struct rte_acl_field_def){ RTE_ACL_FIELD_TYPE_MASK, 4,
			F6_SRC0 + i, 1 + i, offsetof(struct key6, src) + 4 * i };
		defs6[F6_DST0 + i] = (struct rte_acl_field_def){ RTE_ACL_FIELD_TYPE_MASK, 4,
			F6_DST0 + i, 5 + i, offsetof(struct key6, dst) + 4 * i };
	}
	defs6[F6_SPORT] = (struct rte_acl_field_def){ RTE_ACL_FIELD_TYPE_RANGE, 2,
		F6_SPORT, 9, offsetof(struct key6, sport) };
	defs6[F6_DPORT] = (struct rte_acl_field_def){ RTE_ACL_FIELD_TYPE_RANGE, 2,
		F6_DPORT, 9, offsetof(struct key6, dport) };
}

/* "198.18.0.0/16", "2001:db8::/32", "10.1.2.3": family and prefix. */
static int
parse_cidr(const char *s, uint8_t *addr, int *len, int *family)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	long bits;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, buf, addr) == 1)
		*family = 4;
	else if (inet_pton(AF_INET6, buf, addr) == 1)
		*family = 6;
	else
		return -1;
	bits = *family == 4 ? 32 : 128;
	if (slash != NULL) {
		bits = strtol(slash, &end, 10);
		if (*slash == '\0' || *end != '\0' || bits < 0 || bits > (*family == 4 ? 32 : 128))
			return -1;
	}
	*len = (int)bits;
	return 0;
}

static int
parse_ports(const char *s, uint16_t *range)
{
	char *end;
	long a, b;

	a = strtol(s, &end, 10);
	b = a;
	if (*end == '-')
		b = strtol(end + 1, &end, 10);
	if (end == s || *end != '\0' || a < 0 || b < a || b > 65535)
		return -1;
	range[0] = (uint16_t)a;
	range[1] = (uint16_t)b;
	return 0;
}

static int
parse_proto(const char *s, int *proto, int *family)
{
	static const struct { const char *name; int proto, family; } names[] = {
		{ "tcp", IPPROTO_TCP, 0 }, { "udp", IPPROTO_UDP, 0 },
		{ "sctp", IPPROTO_SCTP, 0 }, { "icmp", IPPROTO_ICMP, 4 },
		{ "icmp6", IPPROTO_ICMPV6, 6 }, { "any", -1, 0 },
	};
	unsigned int i;
	char *end;
	long v;

	for (i = 0; i < RTE_DIM(names); i++)
		if (strcmp(s, names[i].name) == 0) {
			*proto = names[i].proto;
			*family = names[i].family;
			return 0;
		}
	v = strtol(s, &end, 10);
	if (end == s || *end != '\0' || v < 0 || v > 255)
		return -1;
	*proto = (int)v;
	*family = 0;
	return 0;
}

/* One rule from the words of a line; returns an error message or NULL. */
static const char *
parse_rule(char **word, int n, struct rule *r)
{
	int i, family = 0, fam;

	memset(r, 0, sizeof(*r));
	r->proto = -1;
	r->sport[1] = r->dport[1] = 65535;
	if (strcmp(word[0], "allow") == 0)
		r->allow = 1;
	else if (strcmp(word[0], "deny") != 0)
		return "a rule starts with allow, deny or default";
	for (i = 1; i < n; i += 2) {
		if (i + 1 >= n)
			return "a keyword without its value";
		if (strcmp(word[i], "proto") == 0) {
			if (parse_proto(word[i + 1], &r->proto, &fam) < 0)
				return "bad protocol (tcp, udp, sctp, icmp, icmp6, any or 0-255)";
		} else if (strcmp(word[i], "src") == 0 || strcmp(word[i], "dst") == 0) {
			bool src = word[i][0] == 's';

			if (parse_cidr(word[i + 1], src ? r->src : r->dst,
				       src ? &r->src_len : &r->dst_len, &fam) < 0)
				return "bad address (an IPv4 or IPv6 address, optionally /LEN)";
		} else if (strcmp(word[i], "sport") == 0 || strcmp(word[i], "dport") == 0) {
			if (parse_ports(word[i + 1], word[i][0] == 's' ? r->sport : r->dport) < 0)
				return "bad port range (P or P-Q, 0-65535)";
			continue;
		} else {
			return "unknown keyword (proto, src, dst, sport, dport)";
		}
		if (fam != 0) {
			if (family != 0 && family != fam)
				return "mixes IPv4 and IPv6";
			family = fam;
		}
	}
	r->family = family;
	return NULL;
}

/* A 32-bit word of a 16-byte address, in host order, for rte_acl. */
static uint32_t
word_of(const uint8_t *a, int i)
{
	uint32_t w;

	memcpy(&w, a + 4 * i, 4);
	return rte_be_to_cpu_32(w);
}

/* The mask length of word i of a prefix of len bits. */
static uint32_t
mask_of(int len, int i)
{
	int bits = len - 32 * i;

	return bits <= 0 ? 0 : bits >= 32 ? 32 : (uint32_t)bits;
}

static void
proto_field(struct rte_acl_field *f, int proto)
{
	f->value.u8 = proto < 0 ? 0 : (uint8_t)proto;
	f->mask_range.u8 = proto < 0 ? 0 : 0xff;
}

static int
add_rule(struct firewall *fw, const struct rule *r, uint32_t userdata)
{
	int priority = FW_PRIORITY_TOP - (int)userdata;
	struct rule4 r4;
	struct rule6 r6;
	int i, rc = 0;

	if (r->family != 6) {
		memset(&r4, 0, sizeof(r4));
		r4.data = (struct rte_acl_rule_data){ 1, priority, userdata };
		proto_field(&r4.field[F4_PROTO], r->proto);
		r4.field[F4_SRC].value.u32 = word_of(r->src, 0);
		r4.field[F4_SRC].mask_range.u32 = (uint32_t)r->src_len;
		r4.field[F4_DST].value.u32 = word_of(r->dst, 0);
		r4.field[F4_DST].mask_range.u32 = (uint32_t)r->dst_len;
		r4.field[F4_SPORT].value.u16 = r->sport[0];
		r4.field[F4_SPORT].mask_range.u16 = r->sport[1];
		r4.field[F4_DPORT].value.u16 = r->dport[0];
		r4.field[F4_DPORT].mask_range.u16 = r->dport[1];
		rc = rte_acl_add_rules(fw->acl4, (struct rte_acl_rule *)&r4, 1);
		fw->nb4 += rc == 0;
	}
	if (rc == 0 && r->family != 4) {
		memset(&r6, 0, sizeof(r6));
		r6.data = (struct rte_acl_rule_data){ 1, priority, userdata };
		proto_field(&r6.field[F6_PROTO], r->proto);
		for (i = 0; i < 4; i++) {
			r6.field[F6_SRC0 + i].value.u32 = word_of(r->src, i);
			r6.field[F6_SRC0 + i].mask_range.u32 = mask_of(r->src_len, i);
			r6.field[F6_DST0 + i].value.u32 = word_of(r->dst, i);
			r6.field[F6_DST0 + i].mask_range.u32 = mask_of(r->dst_len, i);
		}
		r6.field[F6_SPORT].value.u16 = r->sport[0];
		r6.field[F6_SPORT].mask_range.u16 = r->sport[1];
		r6.field[F6_DPORT].value.u16 = r->dport[0];
		r6.field[F6_DPORT].mask_range.u16 = r->dport[1];
		rc = rte_acl_add_rules(fw->acl6, (struct rte_acl_rule *)&r6, 1);
		fw->nb6 += rc == 0;
	}
	return rc;
}

/* Read path into the two contexts; one line on stderr and -EINVAL if bad. */
static int
load_rules(struct firewall *fw, const char *path)
{
	char line[1024], *word[16], *save, *hash;
	unsigned int lineno = 0, nrules = 0;
	const char *why;
	struct rule r;
	int n, rc = 0;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "firewall: %s: cannot open: %s\n", path, strerror(errno));
		return -errno;
	}
	fw->default_allow = 0;
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			fprintf(stderr, "firewall: %s:%u: line longer than %zu bytes\n",
				path, lineno, sizeof(line) - 2);
			rc = -EINVAL;
			break;
		}
		hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		n = 0;
		for (word[n] = strtok_r(line, " \t\r\n", &save); word[n] != NULL && n < 15;
		     word[n] = strtok_r(NULL, " \t\r\n", &save))
			n++;
		if (n == 0)
			continue;
		if (strcmp(word[0], "default") == 0) {
			if (n != 2 || (strcmp(word[1], "allow") != 0 && strcmp(word[1], "deny") != 0)) {
				fprintf(stderr, "firewall: %s:%u: default allow or default deny\n",
					path, lineno);
				rc = -EINVAL;
			}
			fw->default_allow = n == 2 && strcmp(word[1], "allow") == 0;
			continue;
		}
		why = n >= 15 ? "too many words" : parse_rule(word, n, &r);
		if (why == NULL && nrules == FW_MAX_RULES)
			why = "too many rules";
		if (why != NULL) {
			fprintf(stderr, "firewall: %s:%u: %s\n", path, lineno, why);
			rc = -EINVAL;
			break;
		}
		nrules++;
		fw->action[nrules] = (uint8_t)r.allow;
		rc = add_rule(fw, &r, nrules);
		if (rc < 0)
			fprintf(stderr, "firewall: %s:%u: rte_acl_add_rules() failed: %s\n",
				path, lineno, strerror(-rc));
	}
	fclose(f);
	return rc;
}

/* A context of ours, after freeing what a crashed predecessor left. */
static struct rte_acl_ctx *
acl_context(struct mpw_ctx *ctx, const char *what, unsigned int nb_fields)
{
	struct rte_acl_param param;
	struct rte_acl_ctx *old;
	char name[RTE_ACL_NAMESIZE];

	if (mpw_object_name(ctx, what, name, sizeof(name)) < 0)
		return NULL;
	old = rte_acl_find_existing(name);
	if (old != NULL)
		rte_acl_free(old);
	param = (struct rte_acl_param){
		.name = name, .socket_id = SOCKET_ID_ANY,
		.rule_size = RTE_ACL_RULE_SZ(nb_fields), .max_rule_num = FW_MAX_RULES,
	};
	return rte_acl_create(&param);
}

/* Build a context that has rules; one line and a negative errno if it fails. */
static int
build(struct rte_acl_ctx *acl, unsigned int nb_rules,
      const struct rte_acl_field_def *defs, unsigned int n)
{
	struct rte_acl_config cfg;
	int rc;

	if (nb_rules == 0)
		return 0;
	memset(&cfg, 0, sizeof(cfg));
	cfg.num_categories = 1;
	cfg.num_fields = n;
	memcpy(cfg.defs, defs, sizeof(defs[0]) * n);
	rc = rte_acl_build(acl, &cfg);
	if (rc < 0)
		fprintf(stderr, "firewall: rte_acl_build() failed: %s\n", strerror(-rc));
	return rc;
}

static struct firewall fw;

static void
fw_fini(struct mpw_ctx *ctx)
{
	rte_acl_free(fw.acl4);
	rte_acl_free(fw.acl6);
	fw.acl4 = fw.acl6 = NULL;
}

/*
 * The worker arguments, for init and for --check-args alike (mpmaster -t
 * asks): --rules FILE into *file.  0, or -EINVAL after one line saying why.
 */
static int
parse_args(int argc, char **argv, const char **file)
{
	static const struct option longopts[] = {
		{ "rules", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	*file = NULL;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (opt != 'r') {
			fprintf(stderr, "firewall: unknown or incomplete argument \"%s\" "
				"(usage: --rules FILE)\n", argv[optind - 1]);
			return -EINVAL;
		}
		*file = optarg;
	}
	if (*file == NULL || optind != argc) {
		fprintf(stderr, "firewall: usage: firewall [EAL args] -- --rules FILE\n");
		return -EINVAL;
	}
	return 0;
}

/* The arguments, and that init will be able to read the file. */
static int
firewall_check_args(int argc, char **argv)
{
	const char *file;

	if (parse_args(argc, argv, &file) < 0)
		return -EINVAL;
	if (access(file, R_OK) != 0) {
		fprintf(stderr, "firewall: cannot read %s: %s\n", file, strerror(errno));
		return -EINVAL;
	}
	return 0;
}

static int
fw_init(struct mpw_ctx *ctx, int argc, char **argv)
{
	const char *rules;
	int rc;

	if (parse_args(argc, argv, &rules) < 0)
		return -EINVAL;
	init_defs6();
	fw.acl4 = acl_context(ctx, "fw4", F4_NUM);
	fw.acl6 = acl_context(ctx, "fw6", F6_NUM);
	if (fw.acl4 == NULL || fw.acl6 == NULL) {
		fprintf(stderr, "firewall: rte_acl_create() failed: %s\n", rte_strerror(rte_errno));
		fw_fini(ctx);
		return -ENOMEM;
	}
	rc = load_rules(&fw, rules);
	if (rc == 0)
		rc = build(fw.acl4, fw.nb4, defs4, F4_NUM);
	if (rc == 0)
		rc = build(fw.acl6, fw.nb6, defs6, F6_NUM);
	if (rc < 0) {
		fw_fini(ctx);
		return rc;
	}
	fw.allowed = mpw_counter(ctx, "allowed");
	fw.denied = mpw_counter(ctx, "denied");
	mpw_set_state(ctx, &fw);
	return 0;
}

/* The ports of a TCP, UDP or SCTP header at l4 (all start with them). */
static void
ports_of(uint8_t proto, const void *l4, const void *end, uint16_t *sport, uint16_t *dport)
{
	const uint16_t *p = l4;

	*sport = *dport = 0;
	if ((proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP) &&
	    (const uint8_t *)l4 + 4 <= (const uint8_t *)end) {
		*sport = p[0];
		*dport = p[1];
	}
}

/*
 * Classify the n keys of one family in one call and drop the packets
 * (idx[i] in the burst) that a deny rule, or the default deny, matched.
 * A context without rules is not built: then the default decides.
 */
static void
judge(const struct firewall *f, const struct rte_acl_ctx *acl, unsigned int nb_rules,
      const uint8_t **keys, const uint16_t *idx, uint16_t n, uint16_t *out,
      uint64_t *allowed, uint64_t *denied)
{
	uint32_t res[n != 0 ? n : 1];
	uint16_t i;

	if (n == 0)
		return;
	if (nb_rules != 0)
		rte_acl_classify(acl, keys, res, n, 1);
	else
		memset(res, 0, sizeof(res[0]) * n);
	for (i = 0; i < n; i++) {
		if (res[i] != 0 ? f->action[res[i]] : f->default_allow) {
			(*allowed)++;
		} else {
			out[idx[i]] = MPW_DROP;
			(*denied)++;
		}
	}
}

/*
 * Sorts the burst into IPv4 and IPv6 keys, classifies each family in one
 * call, and sets the verdicts: a drop for what a deny rule (or the default
 * deny) matched.
 */
static void
fw_burst(struct mpw_ctx *ctx, struct rte_mbuf **pkts, uint16_t *out, uint16_t n)
{
	struct firewall *f = mpw_state(ctx);
	struct key4 k4[n];
	struct key6 k6[n];
	const uint8_t *d4[n], *d6[n];
	uint16_t i4[n], i6[n], n4 = 0, n6 = 0, i;
	uint64_t allowed = 0, denied = 0;

	for (i = 0; i < n; i++) {
		const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(pkts[i], const struct rte_ether_hdr *);
		const uint8_t *end = (const uint8_t *)eth + rte_pktmbuf_data_len(pkts[i]);
		const uint8_t *l3 = (const uint8_t *)(eth + 1);

		if (l3 > end)
			continue;
		if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) &&
		    l3 + sizeof(struct rte_ipv4_hdr) <= end) {
			const struct rte_ipv4_hdr *ip = (const void *)l3;
			struct key4 *k = &k4[n4];
			bool first = (ip->fragment_offset & rte_cpu_to_be_16(RTE_IPV4_HDR_OFFSET_MASK)) == 0;

			memset(k, 0, sizeof(*k));
			k->proto = ip->next_proto_id;
			k->src = ip->src_addr;
			k->dst = ip->dst_addr;
			if (first)
				ports_of(k->proto, l3 + rte_ipv4_hdr_len(ip), end, &k->sport, &k->dport);
			d4[n4] = (const uint8_t *)k;
			i4[n4++] = i;
		} else if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6) &&
			   l3 + sizeof(struct rte_ipv6_hdr) <= end) {
			const struct rte_ipv6_hdr *ip = (const void *)l3;
			struct key6 *k = &k6[n6];

			memset(k, 0, sizeof(*k));
			k->proto = ip->proto;
			memcpy(k->src, ip->src_addr, 16);
			memcpy(k->dst, ip->dst_addr, 16);
			ports_of(k->proto, l3 + sizeof(*ip), end, &k->sport, &k->dport);
			d6[n6] = (const uint8_t *)k;
			i6[n6++] = i;
		}
	}
	judge(f, f->acl4, f->nb4, d4, i4, n4, out, &allowed, &denied);
	judge(f, f->acl6, f->nb6, d6, i6, n6, out, &allowed, &denied);
	mpw_count(ctx, f->allowed, allowed);
	mpw_count(ctx, f->denied, denied);
}

static const struct mpw_nf firewall_nf = {
	.abi = MPW_ABI_VERSION,
	.name = "firewall",
	.init = fw_init,
	.burst = fw_burst,
	.fini = fw_fini,
	.check_args = firewall_check_args,
};

int
main(int argc, char **argv)
{
	return mpw_main(argc, argv, &firewall_nf);
}
