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
 * So workers never touch a shared multi-producer ring, and use a cache
 * only where the master can check it afterwards:
 *
 *  - every worker id has a lane of its own, a single-producer ring that
 *    holds the whole pool (it cannot fill) and that only the distributor's
 *    lcore drains when it allocates.  A put writes the slots, then
 *    counts them with one store: a kill before that store gives back
 *    nothing of that put, a kill after it all of it, and the slots stay
 *    readable, so the master can tell which mbufs a dead worker freed
 *    since a point it recorded (struct mp_worker_inflight in shm.h);
 *  - the mempool cache of every lcore but the master's and the
 *    distributor's is off (size and flush threshold 0), so a worker's
 *    frees go straight onto its lane.  A worker turns its cache on only
 *    for the time of a rte_eth_tx_burst() call on a port that frees the
 *    packets inside the call, which saves that PMD a driver call per
 *    packet, and empties it onto its lane right after: so after a kill
 *    the cache can only hold packets of the run in that call, each the
 *    master checks against the run (crash_repair.c), and stale pointers a
 *    killed put or flush left there are told apart and dropped;
 *  - every other process and lcore puts into and takes from a central
 *    multi-producer ring; only the master's process does.
 *
 * Workers must not allocate from this pool (a handler that builds packets
 * needs a pool of its own): their gets would go to the central ring.
 */

#include <errno.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_common.h>
#include <rte_config.h>

struct rte_mempool;
struct rte_mempool_cache;
struct rte_ring;

#define MP_POOL_OPS_NAME "mp_lanes"
#define MP_POOL_MAX_LANES 64

/*
 * One worker id's lane, in shared memory, a line per writer.  The drainer
 * takes slots[head..tail).  The lane's producer (the worker process of that
 * id, one at a time) writes slots at put, then moves put past them with
 * one store: slots[tail..put) are given back but not yet visible to the
 * drainer, and a worker killed anywhere has given back exactly
 * slots[..put), which the master reads after its death and publishes.
 * The producer publishes (tail = put) every MP_LANE_PUBLISH objects and
 * when it idles, rather than at every put: the tail's line is read by
 * the drainer, and moving it for every burst made the line travel
 * between the two CPUs each time.  The slots follow the structure.
 */
struct mp_lane {
	uint32_t tail;		/* published: the drainer may take up to here */
	uint32_t head __rte_cache_aligned;	/* the drainer's position */
	/* The producer's line. */
	uint32_t put __rte_cache_aligned;	/* the next slot to write */
	uint32_t published;	/* the producer's copy of tail */
	uint32_t limit;		/* put may grow to here (a head + size once seen) */
	uint32_t size;		/* slots, a power of two (set at creation) */
	uint32_t mask;
} __rte_cache_aligned;

#define MP_LANE_PUBLISH 256

static inline void **
mp_lane_slots(const struct mp_lane *ln)
{
	return (void **)(uintptr_t)&ln[1];
}

/* Make everything put so far visible to the drainer.  Producer only. */
static inline void
mp_lane_publish(struct mp_lane *ln)
{
	if (ln->published != ln->put) {
		ln->published = ln->put;
		__atomic_store_n(&ln->tail, ln->put, __ATOMIC_RELEASE);
	}
}

/*
 * Put n objects onto lane ln: write the slots, then count them all with
 * one store of put, so that a worker killed anywhere in here has given
 * back either none or all of them.  Only the lane's producer (its worker)
 * calls it.  The lane holds the whole pool, so it fills only if an object
 * was freed twice; then the put fails rather than overwrite slots the
 * drainer has not taken.  Returns 0 or -ENOBUFS.
 */
static inline int
mp_lane_put(struct mp_lane *ln, void * const *objs, unsigned int n)
{
	void **slots = mp_lane_slots(ln);
	uint32_t p = ln->put, i;

	if (unlikely((int32_t)(p + n - ln->limit) > 0)) {
		ln->limit = __atomic_load_n(&ln->head, __ATOMIC_ACQUIRE) + ln->size;
		if ((int32_t)(p + n - ln->limit) > 0)
			return -ENOBUFS;
	}
	for (i = 0; i < n; i++)
		slots[(p + i) & ln->mask] = objs[i];	/* MP_LANE_PUT_COPY */
	__atomic_store_n(&ln->put, p + n, __ATOMIC_RELEASE);
	if (p + n - ln->published >= MP_LANE_PUBLISH)
		mp_lane_publish(ln);
	return 0;
}

struct mp_pool_conf {
	unsigned int drainer_lcore;	/* the only lcore that takes from lanes */
	unsigned int nb_lanes;		/* lanes 0..nb_lanes-1, one per worker id */
	unsigned int cache_lcores[3];	/* the lcores that keep their cache */
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
 * Have the drainer take from lanes 0..n-1 (worker ids that are or were
 * configured); the count only grows.  Call in the master before a worker
 * of a higher id starts.
 */
void mp_pool_poll_lanes(struct rte_mempool *mp, unsigned int n);

/*
 * The flush threshold a worker gives its lcore's cache while it turns it
 * on (DPDK's own for the pool's cache size), 0 if the pool has no caches.
 */
unsigned int mp_pool_cache_threshold(const struct rte_mempool *mp);

/*
 * Leave cache empty and off: every put and get then goes straight to the
 * driver.  For every worker lcore's cache at creation, and for a dead
 * worker's cache once the master has taken what it held (crash_repair.c).
 * Does nothing for NULL.
 */
void mp_pool_cache_off(struct rte_mempool_cache *cache);

/*
 * Lane lane of mp, for the worker that owns it (its tail is where its next
 * put goes) and for the master (what a dead worker freed), or NULL.
 */
struct mp_lane *mp_pool_lane(const struct rte_mempool *mp, unsigned int lane);

/*
 * The object lane's producer put at position pos.  Meaningful for a pos a
 * recorded mark at or after which the producer wrote, and before its tail:
 * no one overwrites those slots until its next producer puts again.
 */
void *mp_pool_lane_slot(const struct rte_mempool *mp, unsigned int lane,
			uint32_t pos);

/* The position of a lane's producer's next put. */
static inline uint32_t
mp_lane_put_pos(const struct mp_lane *l)
{
	return __atomic_load_n(&l->put, __ATOMIC_ACQUIRE);
}

/*
 * After the death of lane's producer: publish what it put and did not
 * publish.  In the master, before the lane's next producer starts.
 */
void mp_pool_lane_publish_dead(struct rte_mempool *mp, unsigned int lane);

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

/*
 * Undo a half-done enqueue by a killed single producer of ring r: the
 * slots it was filling are not published, and the next producer writes
 * them again.  Only when r has no producer.
 */
void mp_ring_repair_producer(struct rte_ring *r);

#endif /* MP_POOL_H */
