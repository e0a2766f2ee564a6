/*
 * Repair after a worker's death, before anyone else uses what it shared.
 *
 * Its ring: a consumer killed inside a dequeue leaves the ring's consumer
 * head ahead of its tail; setting it back delivers those slots again.
 *
 * Its burst: the worker recorded in its in-flight record (shm.h) where its
 * burst began on the ring, how much of it it had handed on, and what it
 * was doing with the run it was handing on.  Each mbuf of the burst has
 * exactly one owner, and the master frees exactly the dead worker's share:
 *
 *  - back in the pool: on the worker's lane since the burst's mark, or in
 *    its lcore's mempool cache, where only the PMDs that free inside
 *    rte_eth_tx_burst() put packets, and only during this burst (pool.h);
 *  - not handed on yet, or in a run being freed and not back: the
 *    worker's, freed;
 *  - in the run inside rte_eth_tx_burst() and not back: the PMD ran in the
 *    dead process; if it frees what it takes inside the call (net_null,
 *    net_tap, net_pcap), nothing references the packet any more, and it
 *    is freed; otherwise it may sit in the port's TX ring, which frees it
 *    some day, so it is counted as lost and never freed here;
 *  - handed on earlier in the burst and not back: the port's, if the port
 *    keeps packets; on a port that frees inside the call that cannot be,
 *    and it is counted as lost rather than freed;
 *  - for a port that transmits through the primary: in the run being
 *    enqueued onto the worker's ring to the transmitter, the transmitter's
 *    if the ring's producer tail moved past it, else the worker's (a kill
 *    inside the enqueue left the producer head ahead of the tail: it is
 *    set back, so what was copied but not published is written again by
 *    the next process); handed on earlier in the burst, the
 *    transmitter's.
 *
 * The cache needs care: DPDK's put raises the cache's length before it
 * copies the pointer in, and its flush leaves the flushed pointers in
 * place until it resets the length, so the cache may also hold stale
 * pointers (of other packets, or of packets the flush put on the lane).
 * Only a packet of this burst on such a port, not on the lane, counts
 * from it, each slot once; the cache is then left empty and off for the
 * next process on that lcore.  A packet's port is the NF's verdict, which
 * the worker keeps in its in-flight record beside the packet.
 *
 * Then the lane's unpublished puts are published and the ring goes to
 * the distributor, which hands what is queued there to the running
 * workers until a new process of this id consumes it.
 */
#include <inttypes.h>

#include <rte_mbuf.h>
#include <rte_ring.h>

#include "log.h"
#include "pool.h"
#include "supervisor.h"

/* Did the dead worker put m onto its lane at or after position mark? */
static bool
freed_since(const struct rte_mempool *mp, unsigned int lane, uint32_t mark,
	    const struct rte_mbuf *m, uint32_t size)
{
	uint32_t put = mp_lane_put_pos(mp_pool_lane(mp, lane)), pos;

	if (put - mark > size)	/* not a mark of this lane's producer */
		return false;
	for (pos = mark; pos != put; pos++)
		if (mp_pool_lane_slot(mp, lane, pos) == m)
			return true;
	return false;
}

/* Take m from the dead worker's cache, if it is there; each slot once. */
static bool
in_cache(struct rte_mempool_cache *c, const struct rte_mbuf *m, uint8_t *taken)
{
	unsigned int k;

	for (k = 0; c != NULL && k < c->len && k < RTE_MEMPOOL_CACHE_MAX_SIZE * 2; k++)
		if (!taken[k] && c->objs[k] == m) {
			taken[k] = 1;
			return true;
		}
	return false;
}

enum fate { FREE, HOME, CACHED, PORT, LOST };

/*
 * Who owns pkts[i] of the dead worker's burst (see above); ring_took is
 * how many packets of an MP_PHASE_RING run its ring to the transmitter
 * took.
 */
static enum fate
fate_of(const struct mp_sup *s, const struct mp_worker *w,
	struct rte_mempool_cache *cache, uint8_t *taken, unsigned int i,
	uint64_t step, uint32_t ring_took)
{
	const struct mp_worker_inflight *in = &w->slot->inflight;
	unsigned int phase = MP_STEP_PHASE(step), done = MP_STEP_DONE(step);
	bool current = phase != MP_PHASE_OWN && i >= in->run_start && i < done;
	const struct rte_mbuf *m = in->pkts[i];
	bool frees_in_tx;

	if (i >= done)
		return FREE;
	if (freed_since(s->o->pool, w->id, in->lane_mark, m, s->o->pool->size))
		return HOME;
	if (current && phase == MP_PHASE_FREE)
		return FREE;
	if (current && phase == MP_PHASE_RING)
		return i - in->run_start < ring_took ? PORT : FREE;
	if (in->verdict[i] < RTE_MAX_ETHPORTS &&
	    s->o->shm->port_tx_primary[in->verdict[i]])
		return PORT;
	frees_in_tx = in->verdict[i] < RTE_MAX_ETHPORTS &&
		      s->o->shm->port_frees_in_tx[in->verdict[i]];
	if (frees_in_tx && in_cache(cache, m, taken))
		return CACHED;
	if (current)
		return frees_in_tx ? FREE : LOST;
	return frees_in_tx ? LOST : PORT;
}

void
mp_crash_repair(struct mp_sup *s, struct mp_worker *w)
{
	struct rte_ring *r = s->o->rings[w->id];
	struct rte_mempool *mp = s->o->pool;
	struct mp_worker_inflight *in = &w->slot->inflight;
	uint64_t step = __atomic_load_n(&in->step, __ATOMIC_ACQUIRE);
	unsigned int phase = MP_STEP_PHASE(step), done = MP_STEP_DONE(step);
	struct rte_mempool_cache *cache = rte_mempool_default_cache(mp, w->proc_lcore);
	uint8_t taken[RTE_MEMPOOL_CACHE_MAX_SIZE * 2] = { 0 };
	struct rte_mbuf *to_free[MP_BURST_MAX], *cached[MP_BURST_MAX];
	unsigned int count[LOST + 1] = { 0 }, i, nfree = 0, ncached = 0;
	struct rte_ring *tx_ring = s->o->tx_rings[w->id];
	uint32_t n, ring_took = 0;
	enum fate f;

	mp_ring_repair_consumer(r);
	mp_ring_repair_producer(tx_ring);
	n = r->cons.tail - MP_STEP_POS(step);
	if (phase == MP_PHASE_RING)
		ring_took = tx_ring->prod.tail - in->tx_mark;
	if (n > MP_BURST_MAX || done > n || phase > MP_PHASE_RING ||
	    (phase != MP_PHASE_OWN && in->run_start > done) ||
	    (phase == MP_PHASE_RING && ring_took > done - in->run_start)) {
		mp_err("worker %u (pid %d) left an inconsistent in-flight record "
		       "(step %#" PRIx64 ", ring tail %u, transmitter ring %u/%u): "
		       "its burst is not recovered", w->id, w->pid, step,
		       r->cons.tail, in->tx_mark, tx_ring->prod.tail);
		goto out;
	}
	for (i = 0; i < n; i++) {
		f = fate_of(s, w, cache, taken, i, step, ring_took);
		count[f]++;
		if (f == FREE)
			to_free[nfree++] = in->pkts[i];
		else if (f == CACHED)
			cached[ncached++] = in->pkts[i];
	}
	if (nfree != 0)
		rte_pktmbuf_free_bulk(to_free, nfree);
	/* Out of the cache that goes, into the pool: they were freed already. */
	if (ncached != 0)
		rte_mempool_put_bulk(mp, (void **)cached, ncached);
	if (n != 0) {
		w->slot->stats.drops += count[FREE] + count[LOST];
		s->o->shm->leaked_by_crashes += count[LOST];
		mp_info("worker %u (pid %d) died in a burst of %u packets: freed %u, "
			"%u already back in the pool, %u with a port or the transmitter, "
			"%u lost",
			w->id, w->pid, n, count[FREE], count[HOME] + count[CACHED],
			count[PORT], count[LOST]);
	}
out:
	mp_pool_cache_off(cache);
	mp_pool_lane_publish_dead(mp, w->id);
	mp_wtable_reclaim(s, w->id, true);
}
