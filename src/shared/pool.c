/* SPDX-License-Identifier: BSD-3-Clause */
/* The mp_lanes mempool driver and the packet pool; see pool.h for why. */
#include <errno.h>
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
	struct rte_ring *lane[RTE_MAX_LCORE];	/* NULL: uses central */
	unsigned int drainer;
	unsigned int next;			/* drainer's round-robin position */
	unsigned int nb_lanes;
	unsigned int lane_lcore[RTE_MAX_LCORE];	/* dense list of lane owners */
};

static struct rte_ring *
ring_for(const struct rte_mempool *mp, const char *what, unsigned int id,
	 unsigned int flags)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), "%.14s_%s%u", mp->name, what, id);
	return rte_ring_create(name, mp->size, mp->socket_id,
			       flags | RING_F_EXACT_SZ);
}

static int
lanes_alloc(struct rte_mempool *mp)
{
	const struct mp_pool_conf *conf = mp->pool_config;
	struct lanes *l;
	unsigned int i;

	if (conf == NULL || conf->drainer_lcore >= RTE_MAX_LCORE)
		return -EINVAL;
	l = rte_zmalloc_socket(mp->name, sizeof(*l), RTE_CACHE_LINE_SIZE,
			       mp->socket_id);
	if (l == NULL)
		return -ENOMEM;
	l->drainer = conf->drainer_lcore;
	l->central = ring_for(mp, "c", 0, 0);
	if (l->central == NULL)
		goto fail;
	mp->pool_data = l;
	for (i = 0; i < conf->nb_lane_lcores; i++)
		if (mp_pool_add_lane(mp, conf->lane_lcores[i]) < 0)
			goto fail;
	return 0;

fail:
	for (i = 0; i < RTE_MAX_LCORE; i++)
		rte_ring_free(l->lane[i]);
	rte_ring_free(l->central);
	rte_free(l);
	mp->pool_data = NULL;
	return -rte_errno;
}

static void
lanes_free(struct rte_mempool *mp)
{
	struct lanes *l = mp->pool_data;
	unsigned int i;

	if (l == NULL)
		return;
	for (i = 0; i < RTE_MAX_LCORE; i++)
		rte_ring_free(l->lane[i]);
	rte_ring_free(l->central);
	rte_free(l);
}

static int
lanes_enqueue(struct rte_mempool *mp, void * const *objs, unsigned int n)
{
	struct lanes *l = mp->pool_data;
	unsigned int lcore = rte_lcore_id();
	struct rte_ring *r = lcore < RTE_MAX_LCORE ? l->lane[lcore] : NULL;

	if (likely(r != NULL))
		return rte_ring_sp_enqueue_bulk(r, objs, n, NULL) ? 0 : -ENOBUFS;
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
	unsigned int got = 0, k, i;

	if (rte_lcore_id() != l->drainer)
		return rte_ring_mc_dequeue_bulk(l->central, objs, n, NULL) ? 0 : -ENOBUFS;
	for (k = 0, i = l->next; k < l->nb_lanes && got < n; k++) {
		got += rte_ring_sc_dequeue_burst(l->lane[l->lane_lcore[i]],
						 objs + got, n - got, NULL);
		if (++i == l->nb_lanes)
			i = 0;
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
		count += rte_ring_count(l->lane[l->lane_lcore[i]]);
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
mp_pool_attach(struct rte_mempool *mp)
{
	struct rte_mempool_ops_table *t = &rte_mempool_ops_table;

	if (mp->ops_index < 0 || mp->ops_index >= RTE_MEMPOOL_MAX_OPS_IDX)
		return -EPROTO;
	rte_spinlock_lock(&t->sl);
	t->ops[mp->ops_index] = lanes_ops;
	if (t->num_ops <= (uint32_t)mp->ops_index)
		t->num_ops = (uint32_t)mp->ops_index + 1;
	rte_spinlock_unlock(&t->sl);
	return 0;
}

int
mp_pool_add_lane(struct rte_mempool *mp, unsigned int lcore)
{
	struct lanes *l = mp->pool_data;

	if (lcore >= RTE_MAX_LCORE || lcore == l->drainer)
		return -EINVAL;
	if (l->lane[lcore] != NULL)
		return 0;
	l->lane[lcore] = ring_for(mp, "l", lcore, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (l->lane[lcore] == NULL)
		return -ENOMEM;
	l->lane_lcore[l->nb_lanes] = lcore;
	/* Publish the lane only once the drainer can see it whole. */
	__atomic_store_n(&l->nb_lanes, l->nb_lanes + 1, __ATOMIC_RELEASE);
	return 0;
}

/*
 * A single producer moves prod.head, copies, then moves prod.tail; killed
 * in between, it leaves head ahead of tail and the next producer would
 * publish the half-copied slots.  Setting head back to tail forgets them.
 */
void
mp_pool_repair_lane(struct rte_mempool *mp, unsigned int lcore)
{
	struct lanes *l = mp->pool_data;
	struct rte_ring *r = lcore < RTE_MAX_LCORE ? l->lane[lcore] : NULL;

	if (r != NULL)
		r->prod.head = r->prod.tail;
}

/* The consumer side of the same repair: the slots are delivered again. */
void
mp_ring_repair_consumer(struct rte_ring *r)
{
	r->cons.head = r->cons.tail;
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
	unsigned int i, k;

	walk_ring(l->central, fn, arg);
	for (i = 0; i < RTE_MAX_LCORE; i++)
		if (l->lane[i] != NULL)
			walk_ring(l->lane[i], fn, arg);
	if (mp->cache_size == 0)
		return;
	for (i = 0; i < RTE_MAX_LCORE; i++)
		for (k = 0; k < mp->local_cache[i].len; k++)
			fn(mp->local_cache[i].objs[k], arg);
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
