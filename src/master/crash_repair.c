/* SPDX-License-Identifier: BSD-3-Clause */
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
 *  - packets not handed on yet: the worker's, freed;
 *  - a run inside rte_eth_tx_burst(): those the PMD freed are on the
 *    worker's lane since the mark (in the pool).  The PMD ran in the dead
 *    process: if it frees what it takes inside the call (net_null,
 *    net_tap, net_pcap), nothing references the rest any more, and they
 *    are freed; otherwise they may sit in the port's TX ring, which frees
 *    them some day, so they are counted as lost and never freed here;
 *  - a run being freed (refused or dropped): those on the lane since the
 *    mark are in the pool, the rest still the worker's: freed.
 *
 * Then the ring goes to the distributor, which hands what is queued there
 * to the running workers until a new process of this id consumes it.
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
	uint32_t tail = mp_lane_tail(mp_pool_lane(mp, lane)), pos;

	if (tail - mark > size)	/* not a mark of this lane's producer */
		return false;
	for (pos = mark; pos != tail; pos++)
		if (mp_pool_lane_slot(mp, lane, pos) == m)
			return true;
	return false;
}

void
mp_crash_repair(struct mp_sup *s, struct mp_worker *w)
{
	struct rte_ring *r = s->o->rings[w->id];
	struct rte_mempool *mp = s->o->pool;
	struct mp_worker_inflight *in = &w->slot->inflight;
	uint64_t step = __atomic_load_n(&in->step, __ATOMIC_ACQUIRE);
	unsigned int phase = MP_STEP_PHASE(step), done = MP_STEP_DONE(step);
	unsigned int held, freed = 0, home = 0, lost = 0, i, nfree = 0;
	struct rte_mbuf *to_free[MP_BURST_MAX];
	uint32_t n;

	mp_ring_repair_consumer(r);
	n = r->cons.tail - MP_STEP_POS(step);
	if (n > MP_BURST_MAX || done > n || phase > MP_PHASE_FREE ||
	    (phase != MP_PHASE_OWN && in->run_start > done)) {
		mp_err("worker %u (pid %d) left an inconsistent in-flight record "
		       "(step %#" PRIx64 ", ring tail %u): its burst is not recovered",
		       w->id, w->pid, step, r->cons.tail);
		goto out;
	}
	held = n - done;
	if (phase != MP_PHASE_OWN) {
		held += done - in->run_start;
		for (i = in->run_start; i < done; i++) {
			if (freed_since(mp, w->id, in->lane_mark, in->pkts[i], mp->size))
				home++;
			else if (phase == MP_PHASE_PORT &&
				 !mp_ports_frees_in_tx(in->run_port))
				lost++;
			else
				to_free[nfree++] = in->pkts[i];
		}
	}
	for (i = done; i < n; i++)
		to_free[nfree++] = in->pkts[i];
	freed = nfree;
	if (nfree != 0)
		rte_pktmbuf_free_bulk(to_free, nfree);
	if (held != 0) {
		w->slot->stats.drops += freed + lost;
		s->o->shm->leaked_by_crashes += lost;
		mp_info("worker %u (pid %d) died holding %u packets: freed %u, "
			"%u already back in the pool, %u lost", w->id, w->pid,
			held, freed, home, lost);
	}
out:
	__atomic_store_n(&in->step, MP_STEP(r->cons.tail, MP_PHASE_OWN, 0),
			 __ATOMIC_RELEASE);
	mp_wtable_reclaim(s, w->id, true);
}
