/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mpworker: the built-in network function, a small program on libmpworker,
 * started by mpmaster as
 *   mpworker [EAL args] -- -n ID [--handler=l2fwd|macswap]
 *                          [--fault=segv|abort|hang --fault-after=N]
 * l2fwd (the default) sends every packet out of the port paired with the
 * one it came in on, which is the runtime's default verdict; macswap also
 * swaps source and destination MAC, the cheapest handler that reads and
 * writes packet data, used to measure what touching a packet costs.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <rte_ether.h>
#include <rte_prefetch.h>

#include "mpworker.h"

/* The default verdicts are l2fwd's. */
static void
l2fwd_burst(struct mpw_ctx *ctx, struct rte_mbuf **pkts, uint16_t *out, uint16_t n)
{
}

/*
 * The headers of the packets a few ahead are prefetched so that their
 * cache misses overlap the current swap.
 */
#define MACSWAP_PREFETCH_AHEAD 4

static void
macswap_burst(struct mpw_ctx *ctx, struct rte_mbuf **pkts, uint16_t *out, uint16_t n)
{
	struct rte_ether_hdr *eth;
	struct rte_ether_addr tmp;
	uint16_t i;

	for (i = 0; i < n && i < MACSWAP_PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (i = 0; i < n; i++) {
		if (i + MACSWAP_PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + MACSWAP_PREFETCH_AHEAD], void *));
		if (unlikely(rte_pktmbuf_data_len(pkts[i]) < sizeof(*eth)))
			continue;
		eth = rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);
		rte_ether_addr_copy(&eth->src_addr, &tmp);
		rte_ether_addr_copy(&eth->dst_addr, &eth->src_addr);
		rte_ether_addr_copy(&tmp, &eth->dst_addr);
	}
}

typedef void burst_fn(struct mpw_ctx *, struct rte_mbuf **, uint16_t *, uint16_t);

static const struct {
	const char *name;
	burst_fn *burst;
} handlers[] = {
	{ "l2fwd", l2fwd_burst },
	{ "macswap", macswap_burst },
};

static burst_fn *chosen = l2fwd_burst;

/*
 * The worker arguments, for init and for --check-args alike: the handler
 * into *burst.  Returns 0, or -EINVAL after one line saying why.
 */
static int
parse_args(int argc, char **argv, burst_fn **burst)
{
	static const struct option longopts[] = {
		{ "handler", required_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	unsigned int i;
	int opt;

	optind = 1;
	opterr = 0;
	while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		if (opt != 'h') {
			fprintf(stderr, "mpworker: unknown argument \"%s\" (--handler=l2fwd|macswap)\n",
				argv[optind - 1]);
			return -EINVAL;
		}
		for (i = 0; i < RTE_DIM(handlers); i++)
			if (strcmp(handlers[i].name, optarg) == 0)
				break;
		if (i == RTE_DIM(handlers)) {
			fprintf(stderr, "mpworker: unknown --handler \"%s\" (l2fwd or macswap)\n",
				optarg);
			return -EINVAL;
		}
		*burst = handlers[i].burst;
	}
	if (optind < argc) {
		fprintf(stderr, "mpworker: unexpected argument \"%s\"\n", argv[optind]);
		return -EINVAL;
	}
	return 0;
}

static int
worker_init(struct mpw_ctx *ctx, int argc, char **argv)
{
	return parse_args(argc, argv, &chosen);
}

static int
worker_check_args(int argc, char **argv)
{
	burst_fn *burst;

	return parse_args(argc, argv, &burst);
}

static void
worker_burst(struct mpw_ctx *ctx, struct rte_mbuf **pkts, uint16_t *out, uint16_t n)
{
	chosen(ctx, pkts, out, n);
}

static const struct mpw_nf mpworker_nf = {
	.abi = MPW_ABI_VERSION,
	.name = "mpworker",
	.init = worker_init,
	.burst = worker_burst,
	.check_args = worker_check_args,
};

int
main(int argc, char **argv)
{
	return mpw_main(argc, argv, &mpworker_nf);
}
