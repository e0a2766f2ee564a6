/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MP_POOL_H
#define MP_POOL_H

/*
 * The packet pool and its mempool driver, "mp_lanes".
 *
 * Workers are SIGKILLed on purpose (crashes, the watchdog, operators), so
 * every structure they write must be left consistent by a kill at any
 * instruction, and must tell the master afterwards exactly what the dead
 * worker had already given back.  DPDK's own pieces do neither:
 *
 *  - a process killed inside an operation on a shared multi-producer ring
 *    leaves the ring's head ahead of its tail for good, and every other
 *    process then spins forever in its next mempool call;
 *  - DPDK 22.11's per-lcore mempool cache raises its length before it
 *    copies the pointers in, and its flush leaves the flushed pointers in
 *    place: a worker killed there leaves stale pointers that the next
 *    process on that lcore hands out a second time.
 *
 * So workers never touch a shared multi-producer ring nor a cache:
 *
 *  - every worker id has a lane of its own, a single-producer ring that
 *    holds the whole pool (it cannot fill) and that only the distributor's
 *    lcore drains when it allocates.  A put writes the slots, then
 *    publishes them with one store of the tail: a kill before that store
 *    gives back nothing of that put, a kill after it all of it, and the
 *    slots behind the tail stay readable, so the master can tell which
 *    mbufs a dead worker freed since a point it recorded (struct
 *    mp_worker_inflight in shm.h);
 *  - the mempool cache of every lcore but the master's and the
 *    distributor's is disabled (size 0), so a worker's frees, its PMD's
 *    included, go straight onto its lane;
 *  - every other process and lcore puts into and takes from a central
 *    multi-producer ring; only the master's process does.
 *
 * Workers must not allocate from this pool (a handler that builds packets
 * needs a pool of its own): their gets would go to the central ring.
 */

#include <stdint.h>

#include <rte_common.h>
#include <rte_config.h>

struct rte_mempool;
struct rte_ring;

#define MP_POOL_OPS_NAME "mp_lanes"
#define MP_POOL_MAX_LANES 64

/*
 * One worker id's lane, in shared memory.  The producer line is written
 * only by the worker process of that id (one at a time), the consumer
 * line only by the drainer.  The slots follow the structure.
 */
struct mp_lane {
	uint32_t tail;		/* objects published: slots[head..tail) */
	uint32_t limit;		/* tail may grow to here (a head + size once seen) */
	uint32_t head __rte_cache_aligned;	/* the drainer's position */
} __rte_cache_aligned;

struct mp_pool_conf {
	unsigned int drainer_lcore;	/* the only lcore that takes from lanes */
	unsigned int nb_lanes;		/* lanes 0..nb_lanes-1, one per worker id */
	unsigned int cache_lcores[2];	/* the lcores that keep their cache */
};

/*
 * Create a packet mbuf pool of n mbufs on the mp_lanes driver, with
 * per-lcore caches of cache objects on conf's cache lcores only.  Call in
 * the primary after mp_pool_register().  Returns the pool, or NULL with
 * rte_errno set (ENOMEM, EEXIST, EINVAL).
 */
struct rte_mempool *mp_pool_create(const char *name, unsigned int n,
				   unsigned int cache, int socket,
				   const struct mp_pool_conf *conf);

/*
 * Register the mp_lanes driver: in the master, after rte_eal_init().
 * Returns its index in the mempool driver table or a negative errno.
 */
int mp_pool_register(void);

/*
 * In a worker: make this process use the mp_lanes driver for mp, at the
 * index the master gave it (the two processes link DPDK differently, so
 * their driver tables differ), and free onto lane (its worker id).
 * Returns 0, -EPROTO for a bad driver index, -EINVAL for a bad lane.
 */
int mp_pool_attach(struct rte_mempool *mp, unsigned int lane);

/*
 * Lane lane of mp, for the worker that owns it (its tail is where its next
 * put goes) and for the master (what a dead worker freed), or NULL.
 */
const struct mp_lane *mp_pool_lane(const struct rte_mempool *mp,
				   unsigned int lane);

/*
 * The object lane's producer put at position pos.  Meaningful for a pos a
 * recorded mark at or after which the producer wrote, and before its tail:
 * no one overwrites those slots until its next producer puts again.
 */
void *mp_pool_lane_slot(const struct rte_mempool *mp, unsigned int lane,
			uint32_t pos);

/* The tail of a lane: the position of its producer's next put. */
static inline uint32_t
mp_lane_tail(const struct mp_lane *l)
{
	return __atomic_load_n(&l->tail, __ATOMIC_ACQUIRE);
}

typedef void mp_pool_walk_fn(void *obj, void *arg);

/*
 * Call fn for every object the pool holds (its central ring, its lanes and
 * the per-lcore caches), once per place it is found.  Only when nothing
 * uses the pool.
 */
void mp_pool_walk_free(const struct rte_mempool *mp, mp_pool_walk_fn *fn,
		       void *arg);

/*
 * Undo a half-done dequeue by a killed single consumer of ring r: the
 * slots it was taking are delivered again.  Only when r has no consumer.
 */
void mp_ring_repair_consumer(struct rte_ring *r);

#endif /* MP_POOL_H */
