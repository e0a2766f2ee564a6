/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MP_POOL_H
#define MP_POOL_H

/*
 * The packet pool and its mempool driver, "mp_lanes".
 *
 * A process killed inside an operation on a shared multi-producer ring
 * leaves the ring's head ahead of its tail for good, and every other
 * process then spins forever in its next mempool call: with DPDK's stock
 * ring drivers one SIGKILLed worker can wedge the whole pipeline.  Workers
 * are killed on purpose here (crashes, the watchdog, operators), so the
 * pool is built so that they never touch a shared multi-producer ring:
 *
 *  - every worker lcore returns mbufs into its own single-producer,
 *    single-consumer "lane" (a ring that holds the whole pool, so it never
 *    fills), drained only by the distributor's lcore when it allocates;
 *  - every other lcore (the master, the distributor) uses a central ring.
 *
 * When a worker dies the master calls mp_pool_repair_lane(), which discards
 * the half-done enqueue a killed worker may have left on its lane (its
 * objects are lost, at most one cache flush), so that the replacement
 * worker and the distributor carry on.  Single-producer rings are also
 * cheaper than the stock multi-producer one, and workers no longer contend
 * with each other.
 *
 * Workers must not allocate from this pool (a handler that builds new
 * packets should use a pool of its own): their gets would go to the
 * central ring.
 */

#include <stdint.h>

#include <rte_config.h>

struct rte_mempool;
struct rte_ring;

#define MP_POOL_OPS_NAME "mp_lanes"

struct mp_pool_conf {
	unsigned int drainer_lcore;	/* the only lcore that takes from lanes */
	unsigned int nb_lane_lcores;
	unsigned int lane_lcores[RTE_MAX_LCORE];	/* lcores that get a lane */
};

/*
 * Create a packet mbuf pool of n mbufs with per-lcore caches of cache
 * objects on the mp_lanes driver.  Returns the pool, or NULL with rte_errno
 * set (ENOMEM, EEXIST, EINVAL).
 */
struct rte_mempool *mp_pool_create(const char *name, unsigned int n,
				   unsigned int cache, int socket,
				   const struct mp_pool_conf *conf);

/*
 * Give lcore a lane, for a worker started on an lcore that had none.  Call
 * from the primary before the worker starts.  Returns 0 or -ENOMEM.
 */
int mp_pool_add_lane(struct rte_mempool *mp, unsigned int lcore);

/*
 * Undo a half-done enqueue on lcore's lane.  Call only when no process runs
 * on that lcore (its worker died and no replacement started yet).
 */
void mp_pool_repair_lane(struct rte_mempool *mp, unsigned int lcore);

/*
 * Register the mp_lanes driver: in the master, after rte_eal_init().
 * Returns its index in the mempool driver table or a negative errno.
 */
int mp_pool_register(void);

/*
 * In a worker: make this process use the mp_lanes driver for mp, at the
 * index the master gave it (the two processes link DPDK differently, so
 * their driver tables differ).  Returns 0 or -EPROTO.
 */
int mp_pool_attach(struct rte_mempool *mp);

typedef void mp_pool_walk_fn(void *obj, void *arg);

/*
 * Call fn for every object the pool holds (its rings and its per-lcore
 * caches), once per place it is found.  Only when nothing uses the pool.
 */
void mp_pool_walk_free(const struct rte_mempool *mp, mp_pool_walk_fn *fn,
		       void *arg);

/* Undo a half-done dequeue by a killed single consumer of ring r. */
void mp_ring_repair_consumer(struct rte_ring *r);

#endif /* MP_POOL_H */
