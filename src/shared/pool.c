/* SPDX-License-Identifier: BSD-3-Clause */
/* The mp_lanes mempool driver and the packet pool; see pool.h for why. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "pool.h"

/* Lives in shared memory (mp->pool_data), the same for every process. */
struct lanes {
	struct rte_ring *central;
	unsigned int drainer;
	unsigned int next;		/* the drainer's round-robin position */
	unsigned int nb_lanes;
	unsigned int nb_polled;		/* lanes 0..nb_polled-1 may hold objects */
	uint32_t size;			/* slots of every lane, a power of two */
	uint32_t mask;
	struct mp_lane *lane[MP_POOL_MAX_LANES];
};

/* The lane this process frees onto: set in a worker by mp_pool_attach(). */
static struct mp_lane *my_lane;
static const struct rte_mempool *my_pool;

/* The drainer takes up to n objects; returns how many it took. */
static inline unsigned int
lane_take(struct mp_lane *ln, const struct lanes *l, void **objs, unsigned int n)
{
	void * const *slots = mp_lane_slots(ln);
	uint32_t h = ln->head, avail, i;

	avail = __atomic_load_n(&ln->tail, __ATOMIC_ACQUIRE) - h;
	if (avail == 0)
		return 0;	/* most lanes, most of the time: no store */
	if (avail < n)
		n = avail;
	for (i = 0; i < n; i++)
		objs[i] = slots[(h + i) & l->mask];
	__atomic_store_n(&ln->head, h + n, __ATOMIC_RELEASE);
	return n;
}

static void
lanes_release(struct lanes *l)
{
	unsigned int i;

	for (i = 0; i < MP_POOL_MAX_LANES; i++)
		rte_free(l->lane[i]);
	rte_ring_free(l->central);
	rte_free(l);
}

static int
lanes_alloc(struct rte_mempool *mp)
{
	const struct mp_pool_conf *conf = mp->pool_config;
	struct lanes *l;
	char name[RTE_RING_NAMESIZE];
	unsigned int i;

	if (conf == NULL || conf->drainer_lcore >= RTE_MAX_LCORE ||
	    conf->nb_lanes > MP_POOL_MAX_LANES)
		return -EINVAL;
	l = rte_zmalloc_socket(mp->name, sizeof(*l), RTE_CACHE_LINE_SIZE,
			       mp->socket_id);
	if (l == NULL)
		return -ENOMEM;
	l->drainer = conf->drainer_lcore;
	l->size = rte_align32pow2(mp->size);
	l->mask = l->size - 1;
	snprintf(name, sizeof(name), "%.14s_c", mp->name);
	l->central = rte_ring_create(name, mp->size, mp->socket_id, RING_F_EXACT_SZ);
	if (l->central == NULL)
		goto fail;
	for (i = 0; i < conf->nb_lanes; i++) {
		l->lane[i] = rte_zmalloc_socket(mp->name, sizeof(struct mp_lane) +
						sizeof(void *) * l->size,
						RTE_CACHE_LINE_SIZE, mp->socket_id);
		if (l->lane[i] == NULL)
			goto fail;
		l->lane[i]->limit = l->size;	/* put, tail, head start at 0 */
		l->lane[i]->size = l->size;
		l->lane[i]->mask = l->mask;
	}
	l->nb_lanes = conf->nb_lanes;
	mp->pool_data = l;
	return 0;

fail:
	lanes_release(l);
	return -ENOMEM;
}

static void
lanes_free(struct rte_mempool *mp)
{
	if (mp->pool_data != NULL)
		lanes_release(mp->pool_data);
}

static int
lanes_enqueue(struct rte_mempool *mp, void * const *objs, unsigned int n)
{
	struct lanes *l = mp->pool_data;

	if (likely(my_lane != NULL && mp == my_pool))
		return mp_lane_put(my_lane, objs, n);
	return rte_ring_mp_enqueue_bulk(l->central, objs, n, NULL) ? 0 : -ENOBUFS;
}

/*
 * The drainer takes from the lanes round-robin, then from the central
 * ring; a get is all or nothing, so a partial haul goes back to central.
 */
static int
lanes_dequeue(struct rte_mempool *mp, void **objs, unsigned int n)
{
	struct lanes *l = mp->pool_data;
	unsigned int got = 0, k, i, polled;

	if (rte_lcore_id() != l->drainer)
		return rte_ring_mc_dequeue_bulk(l->central, objs, n, NULL) ? 0 : -ENOBUFS;
	polled = __atomic_load_n(&l->nb_polled, __ATOMIC_ACQUIRE);
	for (k = 0, i = l->next; k < polled && got < n; k++) {
		if (i >= polled)
			i = 0;
		got += lane_take(l->lane[i], l, objs + got, n - got);
		i++;
	}
	l->next = i;
	if (got < n)
		got += rte_ring_mc_dequeue_burst(l->central, objs + got, n - got, NULL);
	if (got == n)
		return 0;
	rte_ring_mp_enqueue_bulk(l->central, objs, got, NULL);
	return -ENOBUFS;
}

static unsigned int
lanes_get_count(const struct rte_mempool *mp)
{
	const struct lanes *l = mp->pool_data;
	unsigned int i, count = rte_ring_count(l->central);

	for (i = 0; i < l->nb_lanes; i++)
		count += __atomic_load_n(&l->lane[i]->tail, __ATOMIC_ACQUIRE) -
			 __atomic_load_n(&l->lane[i]->head, __ATOMIC_ACQUIRE);
	return count;
}

static const struct rte_mempool_ops lanes_ops = {
	.name = MP_POOL_OPS_NAME,
	.alloc = lanes_alloc,
	.free = lanes_free,
	.enqueue = lanes_enqueue,
	.dequeue = lanes_dequeue,
	.get_count = lanes_get_count,
};

/*
 * Mempools name their driver by an index into a per-process table, filled
 * in the order drivers register.  The master links DPDK dynamically, like
 * the stock tools (dpdk-dumpcap, dpdk-pdump), so the drivers its plugins
 * register get the same indexes as in those tools, which create mempools
 * the master uses for captures; registering ours after rte_eal_init()
 * keeps it from shifting them.
 */
int
mp_pool_register(void)
{
	return rte_mempool_register_ops(&lanes_ops);
}

/*
 * Workers link DPDK statically (it starts three times faster), so their
 * table differs from the master's.  They use no pool but this one, whose
 * index the master chose: a worker puts our driver at that index.
 */
int
mp_pool_attach(struct rte_mempool *mp, unsigned int lane)
{
	struct rte_mempool_ops_table *t = &rte_mempool_ops_table;
	struct lanes *l = mp->pool_data;

	if (mp->ops_index < 0 || mp->ops_index >= RTE_MEMPOOL_MAX_OPS_IDX)
		return -EPROTO;
	if (lane >= l->nb_lanes)
		return -EINVAL;
	rte_spinlock_lock(&t->sl);
	t->ops[mp->ops_index] = lanes_ops;
	if (t->num_ops <= (uint32_t)mp->ops_index)
		t->num_ops = (uint32_t)mp->ops_index + 1;
	rte_spinlock_unlock(&t->sl);
	my_pool = mp;
	my_lane = l->lane[lane];
	return 0;
}

/*
 * Only so many lanes are polled, so that the drainer's refill does not
 * read the lines of 32 lanes when two workers run (measured: a tenth of
 * the distributor's time went there).  Never shrinks: a removed worker's
 * lane still holds what it freed until the drainer takes it.
 */
void
mp_pool_poll_lanes(struct rte_mempool *mp, unsigned int n)
{
	struct lanes *l = mp->pool_data;

	if (n > l->nb_lanes)
		n = l->nb_lanes;
	if (n > l->nb_polled)
		__atomic_store_n(&l->nb_polled, n, __ATOMIC_RELEASE);
}

unsigned int
mp_pool_cache_threshold(const struct rte_mempool *mp)
{
	return mp->cache_size * 3 / 2;	/* CALC_CACHE_FLUSHTHRESH() in rte_mempool.c */
}

void
mp_pool_lane_publish_dead(struct rte_mempool *mp, unsigned int lane)
{
	struct lanes *l = mp->pool_data;

	if (lane < l->nb_lanes)
		mp_lane_publish(l->lane[lane]);
}

struct mp_lane *
mp_pool_lane(const struct rte_mempool *mp, unsigned int lane)
{
	const struct lanes *l = mp->pool_data;

	return lane < l->nb_lanes ? l->lane[lane] : NULL;
}

void *
mp_pool_lane_slot(const struct rte_mempool *mp, unsigned int lane, uint32_t pos)
{
	const struct lanes *l = mp->pool_data;

	return mp_lane_slots(l->lane[lane])[pos & l->mask];
}

/* The consumer side of a repair: the slots are delivered again. */
void
mp_ring_repair_consumer(struct rte_ring *r)
{
	r->cons.head = r->cons.tail;
}

/* The producer side: what was not published was never the consumer's. */
void
mp_ring_repair_producer(struct rte_ring *r)
{
	r->prod.head = r->prod.tail;
}

/* The objects between a ring's consumer and producer tails. */
static void
walk_ring(const struct rte_ring *r, mp_pool_walk_fn *fn, void *arg)
{
	void * const *slots = (void * const *)&r[1];	/* rte_ring_elem_pvt.h */
	uint32_t i, n = r->prod.tail - r->cons.tail;

	for (i = 0; i < n; i++)
		fn(slots[(r->cons.tail + i) & r->mask], arg);
}

void
mp_pool_walk_free(const struct rte_mempool *mp, mp_pool_walk_fn *fn, void *arg)
{
	const struct lanes *l = mp->pool_data;
	const struct mp_lane *ln;
	unsigned int i, k;
	uint32_t pos;

	walk_ring(l->central, fn, arg);
	for (i = 0; i < l->nb_lanes; i++) {
		ln = l->lane[i];
		for (pos = ln->head; pos != ln->tail; pos++)
			fn(mp_lane_slots(ln)[pos & l->mask], arg);
	}
	if (mp->cache_size == 0)
		return;
	for (i = 0; i < RTE_MAX_LCORE; i++)
		for (k = 0; k < mp->local_cache[i].len; k++)
			fn(mp->local_cache[i].objs[k], arg);
}

static bool
keeps_cache(const struct mp_pool_conf *conf, unsigned int lcore)
{
	return lcore == conf->cache_lcores[0] || lcore == conf->cache_lcores[1] ||
	       lcore == conf->cache_lcores[2];
}

/*
 * A cache of size 0 sends every put (whose size always exceeds the flush
 * threshold 0) and every get straight to the driver: DPDK 22.11's
 * rte_mempool_do_generic_put() and _get() read these fields, nothing else
 * rewrites them after the pool's creation.  A worker raises the threshold
 * of its own lcore's cache while it wants puts cached (pool.h).
 */
void
mp_pool_cache_off(struct rte_mempool_cache *cache)
{
	if (cache == NULL)
		return;
	cache->len = 0;
	cache->flushthresh = 0;
	cache->size = 0;
}

static void
disable_caches(struct rte_mempool *mp, const struct mp_pool_conf *conf)
{
	unsigned int i;

	if (mp->cache_size == 0)
		return;
	for (i = 0; i < RTE_MAX_LCORE; i++)
		if (!keeps_cache(conf, i))
			mp_pool_cache_off(&mp->local_cache[i]);
}

struct rte_mempool *
mp_pool_create(const char *name, unsigned int n, unsigned int cache,
	       int socket, const struct mp_pool_conf *conf)
{
	struct rte_pktmbuf_pool_private priv;
	struct rte_mempool *mp;
	int rc;

	mp = rte_mempool_create_empty(name, n, sizeof(struct rte_mbuf) +
				      RTE_MBUF_DEFAULT_BUF_SIZE, cache,
				      sizeof(priv), socket, 0);
	if (mp == NULL)
		return NULL;
	disable_caches(mp, conf);
	rc = rte_mempool_set_ops_byname(mp, MP_POOL_OPS_NAME, (void *)conf);
	if (rc < 0)
		goto fail;
	memset(&priv, 0, sizeof(priv));
	priv.mbuf_data_room_size = RTE_MBUF_DEFAULT_BUF_SIZE;
	rte_pktmbuf_pool_init(mp, &priv);
	rc = rte_mempool_populate_default(mp);
	if (rc < 0)
		goto fail;
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	return mp;

fail:
	rte_mempool_free(mp);
	rte_errno = -rc;
	return NULL;
}
