/* SPDX-License-Identifier: BSD-3-Clause */
#include "runtime.h"

/* The primary precomputed each port's peer, so this is one load a packet. */
static void
l2fwd_process(struct rte_mbuf **pkts, uint16_t n, const struct mp_worker_ctx *ctx)
{
	const uint16_t *peer = ctx->shm->peer_port;
	uint16_t i;

	for (i = 0; i < n; i++)
		pkts[i]->port = peer[pkts[i]->port];
}

const struct mp_handler mp_l2fwd_handler = {
	.name = "l2fwd",
	.process = l2fwd_process,
};
