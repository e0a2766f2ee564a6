/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MP_WORKER_RUNTIME_H
#define MP_WORKER_RUNTIME_H

/*
 * The worker runtime's internals (libmpworker): the context behind the
 * public struct mpw_ctx, attaching to the primary's shared objects, and
 * the receive-verdict-transmit loop.  NFs see only mpworker.h.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "mpworker.h"
#include "pool.h"
#include "shm.h"

enum mp_fault {
	MP_FAULT_NONE = 0,
	MP_FAULT_SEGV,		/* dereference NULL in the burst path */
	MP_FAULT_ABORT,		/* abort() */
	MP_FAULT_HANG,		/* spin forever without a heartbeat */
};

struct mpw_ctx {
	/* First, for mpw_count() in mpworker.h: the NF's counters. */
	struct mpw_ctx_counters counters;
	unsigned int nb_counters;
	bool in_init;			/* mpw_counter() is allowed */

	const struct mpw_nf *nf;
	void *state;			/* the NF's */
	unsigned int id;
	struct mp_shm *shm;
	struct mp_worker_slot *slot;
	struct rte_ring *ring;
	struct rte_ring *tx_ring;	/* to the transmitter, for tx: primary ports */
	struct rte_mempool *pool;
	struct mp_lane *lane;		/* where our frees go (pool.h) */
	struct rte_mempool_cache *cache;	/* our lcore's, or NULL */
	uint32_t cache_threshold;	/* while we turn it on */
	uint16_t txq;			/* this worker's TX queue on every port */
	enum mp_fault fault;		/* fault injection for demos and tests */
	uint64_t fault_after;		/* ... once this many packets were seen */
};

/*
 * Find the shared objects of worker id after rte_eal_init().  Returns 0;
 * -ENOENT if an object is missing (no master), -EPROTO if the master's
 * layout version differs, -ESRCH if the master that spawned us is gone,
 * -EBUSY if the master does not expect this worker to start.  Logs the
 * reason.
 */
int mp_worker_attach(unsigned int id, struct mpw_ctx *ctx);

/*
 * pmd_private.c: record what this process's PMDs allocated for it alone in
 * the shared heap, and free what the previous process of this worker id
 * recorded (it never freed it).  Logs nothing; does nothing on a DPDK of
 * another layout.
 */
void mp_pmd_private_handover(struct mpw_ctx *ctx);

/* Tell the master we attached: it marks us running and we are fed. */
void mp_worker_report_attached(struct mpw_ctx *ctx);

/*
 * Run the worker loop until mp_worker_request_stop() was called and the
 * ring has been drained.  Returns 0.
 */
int mp_worker_run(struct mpw_ctx *ctx);

/* Async-signal-safe: ask the loop to drain its ring and return. */
void mp_worker_request_stop(void);

#endif /* MP_WORKER_RUNTIME_H */
