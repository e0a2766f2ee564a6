/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * router: longest-prefix-match IPv4 routing for mpmaster, on libmpworker
 * and DPDK's rte_lpm.
 *
 *   router [EAL args] -- -n ID --routes FILE
 *
 * The routes file holds one route per line ('#' starts a comment):
 *
 *   PREFIX/LEN port P via NEXT-HOP-MAC
 *
 * P is a DPDK port id of the master's ports.  Every IPv4 packet leaves by
 * the port of the longest prefix that matches its destination, its TTL
 * decremented and its header checksum updated, its source MAC set to that
 * port's, its destination MAC to the next hop's.  Dropped and counted:
 * TTL 1 or 0 (ttl_expired), no route (unrouted), not IPv4 (not_ipv4).
 * Counted: routed.
 *
 * The LPM table lives in shared memory under a per-worker name
 * (mpw_object_name()): a router that replaces a crashed one frees its
 * predecessor's table and builds its own from the routes file, read again
 * at every start.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include <rte_byteorder.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lpm.h>

#include <mpworker.h>

#define RT_MAX_ROUTES 1024

struct next_hop {
	uint16_t port;
	struct rte_ether_addr mac;
};

struct router {
	struct rte_lpm *lpm;
	struct next_hop hop[RT_MAX_ROUTES];
	struct rte_ether_addr port_mac[RTE_MAX_ETHPORTS];
	int routed, ttl_expired, unrouted, not_ipv4;
};

static struct router rt;

static bool
is_our_port(struct mpw_ctx *ctx, unsigned long port)
{
	unsigned int i;

	for (i = 0; i < mpw_nb_ports(ctx); i++)
		if (mpw_port(ctx, i) == port)
			return true;
	return false;
}

/* One route from the words of a line; returns an error message or NULL. */
static const char *
parse_route(struct mpw_ctx *ctx, char **word, int n, uint32_t *addr, uint8_t *depth,
	    struct next_hop *hop)
{
	char *slash, *end;
	unsigned long port;
	long len;
	struct in_addr in;

	if (n != 5 || strcmp(word[1], "port") != 0 || strcmp(word[3], "via") != 0)
		return "a route is PREFIX/LEN port P via NEXT-HOP-MAC";
	slash = strchr(word[0], '/');
	if (slash == NULL)
		return "a prefix needs its length (/LEN)";
	*slash = '\0';
	len = strtol(slash + 1, &end, 10);
	if (inet_pton(AF_INET, word[0], &in) != 1 || slash[1] == '\0' || *end != '\0' ||
	    len < 1 || len > 32)
		return "bad prefix (an IPv4 address /1 to /32)";
	*addr = rte_be_to_cpu_32(in.s_addr);
	*depth = (uint8_t)len;
	port = strtoul(word[2], &end, 10);
	if (*end != '\0' || word[2][0] == '\0' || !is_our_port(ctx, port))
		return "no such port among the master's";
	hop->port = (uint16_t)port;
	if (rte_ether_unformat_addr(word[4], &hop->mac) != 0)
		return "bad next-hop MAC (xx:xx:xx:xx:xx:xx)";
	return NULL;
}

/* Read path into the table; one line on stderr and -EINVAL if bad. */
static int
load_routes(struct mpw_ctx *ctx, struct router *r, const char *path)
{
	char line[512], *word[8], *save, *hash;
	unsigned int lineno = 0, nroutes = 0;
	const char *why;
	uint32_t addr;
	uint8_t depth;
	int n, rc = 0;
	FILE *f;

	f = fopen(path, "r");
	if (f == NULL) {
		fprintf(stderr, "router: %s: cannot open: %s\n", path, strerror(errno));
		return -errno;
	}
	while (rc == 0 && fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			fprintf(stderr, "router: %s:%u: line longer than %zu bytes\n",
				path, lineno, sizeof(line) - 2);
			rc = -EINVAL;
			break;
		}
		hash = strchr(line, '#');
		if (hash != NULL)
			*hash = '\0';
		n = 0;
		for (word[n] = strtok_r(line, " \t\r\n", &save); word[n] != NULL && n < 7;
		     word[n] = strtok_r(NULL, " \t\r\n", &save))
			n++;
		if (n == 0)
			continue;
		why = nroutes == RT_MAX_ROUTES ? "too many routes" :
		      parse_route(ctx, word, n, &addr, &depth, &r->hop[nroutes]);
		if (why == NULL && rte_lpm_add(r->lpm, addr, depth, nroutes) < 0)
			why = "rte_lpm_add() failed";
		if (why != NULL) {
			fprintf(stderr, "router: %s:%u: %s\n", path, lineno, why);
			rc = -EINVAL;
			break;
		}
		nroutes++;
	}
	fclose(f);
	return rc;
}

/* Our table, after freeing what a crashed predecessor left. */
static struct rte_lpm *
lpm_table(struct mpw_ctx *ctx)
{
	struct rte_lpm_config cfg = {
		.max_rules = RT_MAX_ROUTES, .number_tbl8s = 256, .flags = 0,
	};
	char name[RTE_LPM_NAMESIZE];
	struct rte_lpm *old;

	if (mpw_object_name(ctx, "rt_lpm", name, sizeof(name)) < 0)
		return NULL;
	old = rte_lpm_find_existing(name);
	if (old != NULL)
		rte_lpm_free(old);
	return rte_lpm_create(name, SOCKET_ID_ANY, &cfg);
}

static void
rt_fini(struct mpw_ctx *ctx)
{
	rte_lpm_free(rt.lpm);
	rt.lpm = NULL;
}

/*
 * The worker arguments, for init and for --check-args alike (mpmaster -t
 * asks): --routes FILE into *file.  0, or -EINVAL after one line saying why.
 */
static int
parse_args(int argc, char **argv, const char **file)
{
	static const struct option longopts[] = {
		{ "routes", required_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	int opt;

	*file = NULL;
	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (opt != 'r') {
			fprintf(stderr, "router: unknown or incomplete argument \"%s\" "
				"(usage: --routes FILE)\n", argv[optind - 1]);
			return -EINVAL;
		}
		*file = optarg;
	}
	if (*file == NULL || optind != argc) {
		fprintf(stderr, "router: usage: router [EAL args] -- --routes FILE\n");
		return -EINVAL;
	}
	return 0;
}

/* The arguments, and that init will be able to read the file. */
static int
router_check_args(int argc, char **argv)
{
	const char *file;

	if (parse_args(argc, argv, &file) < 0)
		return -EINVAL;
	if (access(file, R_OK) != 0) {
		fprintf(stderr, "router: cannot read %s: %s\n", file, strerror(errno));
		return -EINVAL;
	}
	return 0;
}

static int
rt_init(struct mpw_ctx *ctx, int argc, char **argv)
{
	const char *routes;
	unsigned int i;
	int rc;

	if (parse_args(argc, argv, &routes) < 0)
		return -EINVAL;
	for (i = 0; i < mpw_nb_ports(ctx); i++)
		rte_eth_macaddr_get(mpw_port(ctx, i), &rt.port_mac[mpw_port(ctx, i)]);
	rt.lpm = lpm_table(ctx);
	if (rt.lpm == NULL) {
		fprintf(stderr, "router: rte_lpm_create() failed: %s\n", rte_strerror(rte_errno));
		return -ENOMEM;
	}
	rc = load_routes(ctx, &rt, routes);
	if (rc < 0) {
		rt_fini(ctx);
		return rc;
	}
	rt.routed = mpw_counter(ctx, "routed");
	rt.ttl_expired = mpw_counter(ctx, "ttl_expired");
	rt.unrouted = mpw_counter(ctx, "unrouted");
	rt.not_ipv4 = mpw_counter(ctx, "not_ipv4");
	mpw_set_state(ctx, &rt);
	return 0;
}

/*
 * One less TTL adds 0x0100 to the 16-bit word holding it, so the checksum
 * (its one's complement) goes down by as much: RFC 1624's incremental
 * update, the same in either byte order.
 */
static inline void
ttl_decrement(struct rte_ipv4_hdr *ip)
{
	uint32_t sum = (uint32_t)ip->hdr_checksum + rte_cpu_to_be_16(0x0100);

	ip->time_to_live--;
	ip->hdr_checksum = (uint16_t)(sum + (sum >> 16));
}

static void
rt_burst(struct mpw_ctx *ctx, struct rte_mbuf **pkts, uint16_t *out, uint16_t n)
{
	struct router *r = mpw_state(ctx);
	uint64_t routed = 0, expired = 0, unrouted = 0, other = 0;
	uint32_t hop;
	uint16_t i;

	for (i = 0; i < n; i++) {
		struct rte_ether_hdr *eth = rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

		if (rte_pktmbuf_data_len(pkts[i]) < sizeof(*eth) + sizeof(*ip) ||
		    eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4) ||
		    (ip->version_ihl >> 4) != 4) {
			out[i] = MPW_DROP;
			other++;
		} else if (ip->time_to_live <= 1) {
			out[i] = MPW_DROP;
			expired++;
		} else if (rte_lpm_lookup(r->lpm, rte_be_to_cpu_32(ip->dst_addr), &hop) != 0) {
			out[i] = MPW_DROP;
			unrouted++;
		} else {
			ttl_decrement(ip);
			out[i] = r->hop[hop].port;
			rte_ether_addr_copy(&r->port_mac[out[i]], &eth->src_addr);
			rte_ether_addr_copy(&r->hop[hop].mac, &eth->dst_addr);
			routed++;
		}
	}
	mpw_count(ctx, r->routed, routed);
	mpw_count(ctx, r->ttl_expired, expired);
	mpw_count(ctx, r->unrouted, unrouted);
	mpw_count(ctx, r->not_ipv4, other);
}

static const struct mpw_nf router_nf = {
	.abi = MPW_ABI_VERSION,
	.name = "router",
	.init = rt_init,
	.burst = rt_burst,
	.fini = rt_fini,
	.check_args = router_check_args,
};

int
main(int argc, char **argv)
{
	return mpw_main(argc, argv, &router_nf);
}
