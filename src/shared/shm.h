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
 * a worker slot (the supervisor's state machine alone writes its state),
 * the worker writes its own stats line and in-flight record, the
 * distributor writes its own stats line.  A worker reports what the master
 * must know of it (attached, draining) in fields of its own, by pid.
 */

#include <stdint.h>

#include <rte_common.h>

struct rte_mbuf;

#include "config.h"

#define MP_SHM_LAYOUT_VERSION 8
#define MP_SHM_MAGIC 0x4d504d53u	/* "MPMS" */

#define MP_SHM_MZ_NAME "mp_shm"
#define MP_POOL_NAME "mp_pktmbuf_pool"
#define MP_RING_NAME_FMT "mp_ring_%u"	/* worker id */
#define MP_TX_RING_NAME_FMT "mp_txring_%u"	/* worker id: to the transmitter */
#define MP_RING_NAME_LEN 32

#define MP_PORT_NONE UINT16_MAX	/* handler verdict: drop the packet */
#define MP_BURST_MAX 512	/* largest distributor.burst the checker allows */

enum mp_worker_state {
	MP_W_STOPPED = 0,	/* no process; will not be started */
	MP_W_PENDING,		/* to be spawned once nothing stands in the way */
	MP_W_STARTING,		/* spawned, not yet attached */
	MP_W_RUNNING,		/* attached; the distributor feeds it */
	MP_W_DRAINING,		/* told to stop (SIGTERM): emptying its ring */
	MP_W_STOPPING,		/* killed by the master (SIGKILL), exit pending */
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
 * only after the worker died, so that each of its mbufs is owned by
 * exactly one of the worker, a port, the pool, or "lost in this crash"
 * (counted) at every instruction, and the master frees the worker's share
 * and nothing else.
 *
 * The worker dequeues straight into pkts.  step is one 64-bit store that
 * says at once where the burst began on the worker's ring (the consumer
 * tail before the dequeue: the burst is pkts[0 .. tail now - pos)), how
 * many of its packets have been handed on (done), and what happens to the
 * run pkts[run_start..done) right now (phase):
 *
 *  MP_PHASE_OWN	nothing: pkts[done..) are the worker's;
 *  MP_PHASE_PORT	the run is inside rte_eth_tx_burst() of run_port: a
 *			packet the PMD freed is back in the pool, else it is
 *			the port's; if the port frees what it accepts inside
 *			the call (port_frees_in_tx), the PMD died with the
 *			worker and it is nobody's (the master frees it), else
 *			it is counted lost;
 *  MP_PHASE_FREE	the run was refused or dropped and the worker is
 *			freeing it: what is not back in the pool is still
 *			the worker's;
 *  MP_PHASE_RING	the run is being enqueued onto the worker's ring to
 *			the transmitter (run_port transmits through the
 *			primary): the first (ring's producer tail now -
 *			tx_mark) packets of the run are the transmitter's,
 *			the rest still the worker's.
 *
 * "Back in the pool" means on the worker's lane since lane_mark (its put
 * position when the burst began), or in its lcore's mempool cache, which
 * the worker turns on only inside rte_eth_tx_burst() of such ports and
 * empties onto its lane at the end of every burst (pool.h): so the cache
 * holds nothing but packets of this burst freed by such a PMD, or stale
 * pointers, which the master tells apart by that.  A new burst's step is
 * stored before its lane_mark, and both before its dequeue: the mark
 * never moves while step still describes the last burst, whose packets a
 * kill there would otherwise find neither on the lane nor anywhere else.
 *
 * The master resets step and lane_mark before a new process consumes the
 * ring.  It costs a few stores per burst and per run of packets to one
 * port, nothing per packet.
 */
enum mp_inflight_phase {
	MP_PHASE_OWN = 0,
	MP_PHASE_PORT,
	MP_PHASE_FREE,
	MP_PHASE_RING,
};

#define MP_STEP(pos, phase, done) \
	(((uint64_t)(pos) << 32) | ((uint64_t)(phase) << 16) | (uint64_t)(done))
#define MP_STEP_POS(step) ((uint32_t)((step) >> 32))
#define MP_STEP_PHASE(step) ((unsigned int)((step) >> 16) & 0xffu)
#define MP_STEP_DONE(step) ((unsigned int)(step) & 0xffffu)

struct mp_worker_inflight {
	uint64_t step;		/* MP_STEP(ring position, phase, done) */
	uint32_t run_start;	/* first packet of the run the phase is about */
	uint32_t lane_mark;	/* its lane's put position when the burst began */
	uint32_t tx_mark;	/* its transmitter ring's producer tail before an MP_PHASE_RING run */
	uint16_t run_port;	/* the port of an MP_PHASE_PORT or MP_PHASE_RING run */
	struct rte_mbuf *pkts[MP_BURST_MAX] __rte_cache_aligned;
	/* The output port of each packet: the NF's verdicts, MP_PORT_NONE a drop. */
	uint16_t verdict[MP_BURST_MAX] __rte_cache_aligned;
} __rte_cache_aligned;

#define MP_NF_COUNTERS 16	/* MPW_MAX_COUNTERS */
#define MP_NF_COUNTER_NAME 32	/* MPW_COUNTER_NAME_MAX + 1 */

/*
 * The counters an NF declared, written only by the worker: the names in
 * its init, before it reports attached, the values once per burst.
 */
struct mp_nf_counters {
	uint32_t nb;
	char name[MP_NF_COUNTERS][MP_NF_COUNTER_NAME];
	uint64_t value[MP_NF_COUNTERS] __rte_cache_aligned;
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
	char program[64];	/* the file name of its program */

	/* Written by the worker: pids of the processes that attached, that drain. */
	int32_t attached_pid __rte_cache_aligned;
	int32_t draining_pid;
	/*
	 * What its PMDs allocated in the shared heap for its process alone
	 * (ports[i]'s process_private), which it never frees: the next
	 * process of this id frees it (runtime.c).
	 */
	uint64_t port_private[MP_MAX_PORTS];

	struct mp_worker_stats stats;
	struct mp_nf_counters nf;
	struct mp_worker_inflight inflight;
} __rte_cache_aligned;

/* Written only by the distributor lcore. */
struct mp_dist_stats {
	uint64_t rx;		/* packets received from the ports */
	uint64_t enqueued;	/* packets handed to a worker ring */
	uint64_t dropped;	/* ring full or no running worker */
	uint64_t redistributed;	/* taken back from a stopped worker's ring */
	/* The generation of the last reclaim word whose pass has ended. */
	uint64_t reclaim_ack;
} __rte_cache_aligned;

/* Written only by the transmitter (the master's lcore that sends for workers). */
struct mp_tx_stats {
	uint64_t handed;	/* packets taken from the workers' rings */
	uint64_t sent;		/* accepted by the ports */
	uint64_t dropped;	/* refused by the ports, freed */
} __rte_cache_aligned;

/*
 * The reclaim word: rings of workers without a live process, one bit per
 * id in the low half, and in the high half a generation that the master
 * bumps with every change.  The distributor, the one producer of every
 * ring, becomes the consumer of those rings and hands the packets left
 * there to running workers.  Once its pass over them has ended it
 * publishes in dist.reclaim_ack the generation of the word it loaded: when
 * the ack reaches the generation that cleared a bit, the distributor no
 * longer touches that ring, and a new worker may consume it.
 */
#define MP_RECLAIM(gen, mask) (((uint64_t)(gen) << 32) | (uint32_t)(mask))
#define MP_RECLAIM_GEN(word) ((uint32_t)((word) >> 32))
#define MP_RECLAIM_MASK(word) ((uint32_t)(word))

struct mp_shm {
	uint32_t magic;
	uint32_t version;
	int32_t master_pid;
	uint32_t nb_ports;
	uint16_t ports[MP_MAX_PORTS];
	uint16_t port_nb_rxq[MP_MAX_PORTS];	/* RX queues of ports[i] */
	/* Output port for each input port id (pairs 0<->1, 2<->3 ...). */
	uint16_t peer_port[RTE_MAX_ETHPORTS];
	/*
	 * Ports whose PMD frees every packet it accepts before
	 * rte_eth_tx_burst() returns (net_null, net_tap, net_pcap): a worker
	 * killed inside the call leaves none of them with the port.
	 */
	uint8_t port_frees_in_tx[RTE_MAX_ETHPORTS];
	/*
	 * Ports whose packets workers hand to the master's transmitter
	 * (their tx, resolved at start) rather than send themselves; the
	 * worker sets mbuf->port to the output port before the hand-over.
	 */
	uint8_t port_tx_primary[RTE_MAX_ETHPORTS];
	uint16_t nb_tx_queues;	/* per direct port; worker id == its TX queue */
	uint32_t burst;
	uint64_t tsc_hz;

	/*
	 * Workers the distributor feeds, one bit per id.  Written only by the
	 * master's control thread, read once per distributor loop.
	 */
	uint64_t active_mask __rte_cache_aligned;
	uint64_t reclaim;	/* MP_RECLAIM(generation, mask), see above */
	uint32_t nb_workers;	/* configured worker ids are 0..nb_workers-1 */
	uint64_t generation;	/* config generation: 1, +1 per applied reload */
	uint32_t dist_mode;	/* enum mp_dist_mode */
	uint32_t dist_run;	/* cleared by the master to stop the distributor */
	/* Mbufs the crash recoveries could not give back (written by the master). */
	uint64_t leaked_by_crashes;

	struct mp_dist_stats dist;
	struct mp_tx_stats tx;
	struct mp_worker_slot workers[MP_MAX_WORKERS];
};

static inline const char *
mp_worker_state_name(uint32_t state)
{
	static const char *const names[MP_W_STATE_MAX] = {
		[MP_W_STOPPED] = "stopped",
		[MP_W_PENDING] = "starting",	/* not spawned yet: pid 0 */
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
