/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MP_SHM_H
#define MP_SHM_H

/*
 * The shared-memory contract between mpmaster (DPDK primary) and mpworker
 * (DPDK secondaries): object names and the layout of the memzone.  Bump
 * MP_SHM_LAYOUT_VERSION whenever struct mp_shm changes; a worker refuses to
 * run against a master of another version instead of misreading memory.
 *
 * Ownership rules keep the hot path free of shared atomics: every cache
 * line below has exactly one writer.  The master writes the control part of
 * a worker slot, the worker writes its own stats line, the distributor
 * writes its own stats line.  The only field with two writers is a slot's
 * state, which the worker moves from STARTING to RUNNING (or RUNNING to
 * DRAINING) with a compare-and-swap, once per lifetime, never per packet.
 */

#include <stdint.h>

#include <rte_common.h>

struct rte_mbuf;

#include "config.h"

#define MP_SHM_LAYOUT_VERSION 4
#define MP_SHM_MAGIC 0x4d504d53u	/* "MPMS" */

#define MP_SHM_MZ_NAME "mp_shm"
#define MP_POOL_NAME "mp_pktmbuf_pool"
#define MP_RING_NAME_FMT "mp_ring_%u"	/* worker id */
#define MP_RING_NAME_LEN 32

#define MP_PORT_NONE UINT16_MAX	/* handler verdict: drop the packet */
#define MP_BURST_MAX 512	/* largest distributor.burst the checker allows */

enum mp_worker_state {
	MP_W_STOPPED = 0,	/* no process; will not be started */
	MP_W_STARTING,		/* spawned, not yet attached */
	MP_W_RUNNING,		/* attached; the distributor feeds it */
	MP_W_DRAINING,		/* told to stop: emptying its ring */
	MP_W_STOPPING,		/* being stopped by the master */
	MP_W_BACKOFF,		/* exited unexpectedly; restart pending */
	MP_W_FATAL,		/* restart limit hit; left stopped until reload */
	MP_W_STATE_MAX,
};

/* Written only by the worker that owns the slot, once per burst. */
struct mp_worker_stats {
	uint64_t rx;		/* packets dequeued from its ring */
	uint64_t tx;		/* packets accepted by the ports */
	uint64_t drops;		/* packets refused by a port or by the handler */
	uint64_t heartbeat_tsc;	/* rte_rdtsc() of the last loop iteration */
} __rte_cache_aligned;

/*
 * The burst a worker holds, written only by that worker, read by the master
 * only after the worker died: pkts[done..n) were dequeued from the ring but
 * not yet handed to a port, so the master frees them instead of losing
 * them.  The worker dequeues straight into pkts, so this costs one store of
 * n and one of done per transmit call.  A worker killed inside a transmit
 * call leaves that call's packets to the port (never freed twice).
 */
struct mp_worker_inflight {
	uint32_t n;
	uint32_t done;
	struct rte_mbuf *pkts[MP_BURST_MAX] __rte_cache_aligned;
} __rte_cache_aligned;

struct mp_worker_slot {
	/* Control part, written by the master (state: see above). */
	uint32_t configured;	/* the id is in the running config */
	uint32_t state;		/* enum mp_worker_state, atomic */
	int32_t pid;		/* 0 when no process */
	uint32_t lcore;
	uint32_t cpu;
	uint32_t poll;		/* enum mp_poll_mode */
	uint32_t restarts;
	char last_exit[48];	/* "", "exit 1", "signal 9 (SIGKILL)" */

	struct mp_worker_stats stats;
	struct mp_worker_inflight inflight;
} __rte_cache_aligned;

/* Written only by the distributor lcore. */
struct mp_dist_stats {
	uint64_t rx;		/* packets received from the ports */
	uint64_t enqueued;	/* packets handed to a worker ring */
	uint64_t dropped;	/* ring full or no running worker */
	uint64_t redistributed;	/* taken back from a stopped worker's ring */
	uint64_t reclaim_seen;	/* reclaim_mask as of the current loop */
} __rte_cache_aligned;

struct mp_shm {
	uint32_t magic;
	uint32_t version;
	int32_t master_pid;
	uint32_t nb_ports;
	uint16_t ports[MP_MAX_PORTS];
	uint16_t port_nb_rxq[MP_MAX_PORTS];	/* RX queues of ports[i] */
	/* Output port for each input port id (pairs 0<->1, 2<->3 ...). */
	uint16_t peer_port[RTE_MAX_ETHPORTS];
	uint16_t nb_tx_queues;	/* per port; worker id == its TX queue */
	uint32_t burst;
	uint64_t tsc_hz;

	/*
	 * Workers the distributor feeds, one bit per id.  Written only by the
	 * master's control thread, read once per distributor loop.
	 */
	uint64_t active_mask __rte_cache_aligned;
	/*
	 * Rings of workers without a live process, one bit per id: the
	 * distributor, the one producer of every ring, becomes their consumer
	 * and hands the packets left there to running workers.  The master
	 * clears a bit and waits until dist.reclaim_seen has cleared it too
	 * before a new worker consumes that ring.
	 */
	uint64_t reclaim_mask;
	uint32_t nb_workers;	/* configured worker ids are 0..nb_workers-1 */
	uint64_t generation;	/* config generation: 1, +1 per applied reload */
	uint32_t dist_mode;	/* enum mp_dist_mode */
	uint32_t dist_run;	/* cleared by the master to stop the distributor */
	/* Mbufs the crash recoveries could not give back (written by the master). */
	uint64_t leaked_by_crashes;

	struct mp_dist_stats dist;
	struct mp_worker_slot workers[MP_MAX_WORKERS];
};

static inline const char *
mp_worker_state_name(uint32_t state)
{
	static const char *const names[MP_W_STATE_MAX] = {
		[MP_W_STOPPED] = "stopped",
		[MP_W_STARTING] = "starting",
		[MP_W_RUNNING] = "running",
		[MP_W_DRAINING] = "draining",
		[MP_W_STOPPING] = "stopping",
		[MP_W_BACKOFF] = "backoff",
		[MP_W_FATAL] = "fatal",
	};

	return state < MP_W_STATE_MAX ? names[state] : "invalid";
}

#endif /* MP_SHM_H */
