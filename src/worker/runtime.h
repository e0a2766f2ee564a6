/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MP_WORKER_RUNTIME_H
#define MP_WORKER_RUNTIME_H

/*
 * The worker runtime: attaching to the primary's shared objects and the
 * receive-handle-transmit loop.  Packet processing is a separate handler
 * so that custom workers can reuse the runtime with their own logic.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "pool.h"
#include "shm.h"

enum mp_fault {
	MP_FAULT_NONE = 0,
	MP_FAULT_SEGV,		/* dereference NULL in the handler */
	MP_FAULT_ABORT,		/* abort() */
	MP_FAULT_HANG,		/* spin forever without a heartbeat */
};

struct mp_worker_ctx {
	unsigned int id;
	struct mp_shm *shm;
	struct mp_worker_slot *slot;
	struct rte_ring *ring;
	struct rte_mempool *pool;
	struct mp_lane *lane;		/* where our frees go (pool.h) */
	struct rte_mempool_cache *cache;	/* our lcore's, or NULL */
	uint32_t cache_threshold;	/* while we turn it on */
	uint16_t txq;			/* this worker's TX queue on every port */
	enum mp_fault fault;		/* fault injection for demos and tests */
	uint64_t fault_after;		/* ... once this many packets were seen */
};

/*
 * A packet handler sets each packet's mbuf->port to the port it must leave
 * by, or to MP_PORT_NONE to drop it.  On entry mbuf->port is the port it
 * arrived on.
 */
struct mp_handler {
	const char *name;
	void (*process)(struct rte_mbuf **pkts, uint16_t n,
			const struct mp_worker_ctx *ctx);
};

/* L2 forwarding to the paired port (0<->1, 2<->3 ...). */
extern const struct mp_handler mp_l2fwd_handler;
/* The same, swapping source and destination MAC: a handler that touches data. */
extern const struct mp_handler mp_macswap_handler;

/*
 * Find the shared objects of worker id after rte_eal_init() and tell the
 * master the worker attached.  Returns 0; -ENOENT if an object is missing (no master),
 * -EPROTO if the master's layout version differs, -ESRCH if the master that
 * spawned us is gone, -EBUSY if the master does not expect this worker to
 * start.  Logs the reason.
 */
int mp_worker_attach(unsigned int id, struct mp_worker_ctx *ctx);

/*
 * Run the worker loop until mp_worker_request_stop() was called and the
 * ring has been drained.  Returns 0.
 */
int mp_worker_run(struct mp_worker_ctx *ctx, const struct mp_handler *h);

/* Async-signal-safe: ask the loop to drain its ring and return. */
void mp_worker_request_stop(void);

#endif /* MP_WORKER_RUNTIME_H */
