/* SPDX-License-Identifier: BSD-3-Clause */
#include <rte_ether.h>
#include <rte_prefetch.h>

#include "runtime.h"

/*
 * Swap source and destination MAC and send back out of the paired port:
 * the cheapest handler that reads and writes packet data, used to measure
 * what touching the packet costs.  The headers of the packets a few ahead
 * are prefetched so that their cache misses overlap the current swap.
 */
#define MACSWAP_PREFETCH_AHEAD 4

static void
macswap_process(struct rte_mbuf **pkts, uint16_t n, const struct mp_worker_ctx *ctx)
{
	const uint16_t *peer = ctx->shm->peer_port;
	struct rte_ether_hdr *eth;
	struct rte_ether_addr tmp;
	uint16_t i;

	for (i = 0; i < n && i < MACSWAP_PREFETCH_AHEAD; i++)
		rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (i = 0; i < n; i++) {
		if (i + MACSWAP_PREFETCH_AHEAD < n)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + MACSWAP_PREFETCH_AHEAD], void *));
		pkts[i]->port = peer[pkts[i]->port];
		if (unlikely(rte_pktmbuf_data_len(pkts[i]) < sizeof(*eth)))
			continue;
		eth = rte_pktmbuf_mtod(pkts[i], struct rte_ether_hdr *);
		rte_ether_addr_copy(&eth->src_addr, &tmp);
		rte_ether_addr_copy(&eth->dst_addr, &eth->src_addr);
		rte_ether_addr_copy(&tmp, &eth->dst_addr);
	}
}

const struct mp_handler mp_macswap_handler = {
	.name = "macswap",
	.process = macswap_process,
};
