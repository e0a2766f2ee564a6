/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The distributor: the primary's packet lcore.  It receives bursts from
 * every port and hands each packet to a running worker's ring, round-robin
 * or by a symmetric flow hash.  It is the single producer of every ring,
 * which is what lets the rings be SP/SC.
 *
 * The set of running workers changes rarely and is published by the master
 * as a bit mask; the distributor reads that mask once per loop, never per
 * packet, and keeps its counters locally, publishing them to its own cache
 * line of shared memory once per loop.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "flow_hash.h"
#include "log.h"
#include "master.h"
#include "prefetch.h"

struct dist_ctx {
	struct mp_shm *shm;
	struct rte_ring **rings;	/* every worker id's ring, made at start */
	/* The distributor lcore's cache in the packet pool, or NULL. */
	const struct rte_mempool_cache *cache;
	struct mp_tx *tx;	/* the transmitter, if it runs in our loop */
	/* Every (port, RX queue) pair to poll. */
	uint16_t rx_port[MP_MAX_PORTS * MP_MAX_WORKERS];
	uint16_t rx_queue[MP_MAX_PORTS * MP_MAX_WORKERS];
	unsigned int nb_rx;
	unsigned int nb_ports;
	unsigned int burst;

	/* The running workers, rebuilt whenever shm->active_mask changes. */
	uint64_t mask;
	unsigned int active[MP_MAX_WORKERS];
	unsigned int nb_active;
	unsigned int rr;

	struct mp_dist_stats stats;

	/* Per-worker staging of one burst's packets. */
	struct rte_mbuf **stage[MP_MAX_WORKERS];
	unsigned int nb_staged[MP_MAX_WORKERS];
};

static struct dist_ctx *dist;

/*
 * The distributor's progress, for mp_dist_quiesce().  File-scope rather
 * than in dist_ctx because EAL's threads read it and must never see it
 * freed.
 */
static struct mp_loop_progress progress;

static void
set_active(struct dist_ctx *d, uint64_t mask)
{
	unsigned int id;

	d->mask = mask;
	d->nb_active = 0;
	for (id = 0; id < MP_MAX_WORKERS; id++)
		if (mask & (UINT64_C(1) << id))
			d->active[d->nb_active++] = id;
	d->rr = 0;
}

/*
 * Flow-hash placement: a flow belongs to one of the configured workers,
 * picked by its hash.  Only while that worker is not running does the flow
 * go elsewhere, so a worker's absence moves its own flows and no others,
 * and they come back when it does.  The port's symmetric RSS hash serves
 * where the port delivered one.  The caller reads nb_workers (the
 * configured count, which a reload changes) once per burst.
 */
static inline unsigned int
pick_flow(const struct dist_ctx *d, unsigned int nb_workers,
	  const struct rte_mbuf *m)
{
	uint32_t h = (m->ol_flags & RTE_MBUF_F_RX_RSS_HASH) ? m->hash.rss : mp_flow_hash(m);
	unsigned int id = mp_flow_index(h, nb_workers);

	if (d->mask & (UINT64_C(1) << id))
		return id;
	return d->active[mp_flow_index(h, d->nb_active)];
}

static inline unsigned int
pick_rr(struct dist_ctx *d)
{
	unsigned int id = d->active[d->rr];

	if (++d->rr == d->nb_active)
		d->rr = 0;
	return id;
}

/* Hand n packets to worker id's ring; what does not fit is dropped. */
static inline void
enqueue(struct dist_ctx *d, unsigned int id, struct rte_mbuf **pkts,
	unsigned int n)
{
	unsigned int sent;

	sent = rte_ring_enqueue_burst(d->rings[id], (void **)pkts, n, NULL);
	d->stats.enqueued += sent;
	if (unlikely(sent < n)) {
		rte_pktmbuf_free_bulk(pkts + sent, n - sent);
		d->stats.dropped += n - sent;
	}
}

static void
dispatch(struct dist_ctx *d, struct rte_mbuf **pkts, unsigned int n)
{
	unsigned int i, k, id;

	if (unlikely(d->nb_active == 0)) {
		rte_pktmbuf_free_bulk(pkts, n);
		d->stats.dropped += n;
		return;
	}
	if (d->nb_active == 1) {
		enqueue(d, d->active[0], pkts, n);
		return;
	}
	if (d->shm->dist_mode == MP_DIST_FLOW_HASH) {
		unsigned int nb_workers = d->shm->nb_workers;

		for (i = 0; i < n; i++) {
			id = pick_flow(d, nb_workers, pkts[i]);
			d->stage[id][d->nb_staged[id]++] = pkts[i];
		}
	} else {
		for (i = 0; i < n; i++) {
			id = pick_rr(d);
			d->stage[id][d->nb_staged[id]++] = pkts[i];
		}
	}
	for (k = 0; k < d->nb_active; k++) {
		id = d->active[k];
		if (d->nb_staged[id] != 0) {
			enqueue(d, id, d->stage[id], d->nb_staged[id]);
			d->nb_staged[id] = 0;
		}
	}
}

/*
 * Take back what a worker without a process left on its ring (shm.h, the
 * reclaim word).  The caller acknowledges the word's generation after this
 * pass, so a ring whose bit the master cleared is not touched again once
 * the ack has reached that generation.
 */
static void
reclaim(struct dist_ctx *d, uint32_t mask)
{
	struct rte_mbuf *pkts[MP_BURST_MAX];
	unsigned int id, n;

	RTE_BUILD_BUG_ON(MP_MAX_WORKERS > 32);
	for (id = 0; id < MP_MAX_WORKERS; id++) {
		if (!(mask & (UINT32_C(1) << id)))
			continue;
		n = rte_ring_dequeue_burst(d->rings[id], (void **)pkts,
					   d->burst, NULL);
		if (n == 0)
			continue;
		d->stats.redistributed += n;
		dispatch(d, pkts, n);
	}
}

/*
 * Prefetch, for writing, the mbufs the next receive will take from our
 * mempool cache (from its top).  They come back from the workers' CPUs,
 * which read both header lines and wrote the first, and the PMD's receive
 * rewrites both; asking a burst ahead overlaps those transfers with the
 * dispatch of this burst.
 */
static inline void
prefetch_alloc(const struct rte_mempool_cache *c, unsigned int burst)
{
	unsigned int len = c->len, i;

	for (i = 1; i <= burst && i <= len; i++) {
		const void *m = c->objs[len - i];

		mp_prefetch_write(m);
		mp_prefetch_write(RTE_PTR_ADD(m, RTE_CACHE_LINE_SIZE));
	}
}

static int
dist_main(void *arg)
{
	struct dist_ctx *d = arg;
	struct mp_shm *shm = d->shm;
	struct mp_tx *tx = d->tx;
	struct rte_mbuf *pkts[MP_BURST_MAX];
	uint64_t mask, word;
	unsigned int i, n, got;

	mp_info("distributor running on lcore %u (%s, burst %u, %u port(s))",
		rte_lcore_id(), mp_config_dist_mode_name(shm->dist_mode),
		d->burst, d->nb_ports);
	mp_loop_begin(&progress);
	while (__atomic_load_n(&shm->dist_run, __ATOMIC_ACQUIRE)) {
		mp_loop_tick(&progress);
		mask = __atomic_load_n(&shm->active_mask, __ATOMIC_ACQUIRE);
		if (unlikely(mask != d->mask))
			set_active(d, mask);
		got = 0;
		/*
		 * With no worker running nothing is received: what arrives
		 * waits in the ports (a tap's kernel queue, a NIC's RX ring, a
		 * pcap file) for a worker, and what overflows them is the
		 * ports' imissed, rather than received only to be dropped.
		 */
		for (i = 0; likely(d->nb_active != 0) && i < d->nb_rx; i++) {
			n = rte_eth_rx_burst(d->rx_port[i], d->rx_queue[i], pkts,
					     d->burst);
			if (n == 0)
				continue;
			if (d->cache != NULL)
				prefetch_alloc(d->cache, d->burst);
			got += n;
			dispatch(d, pkts, n);
		}
		if (tx != NULL)
			mp_tx_poll(tx);
		word = __atomic_load_n(&shm->reclaim, __ATOMIC_ACQUIRE);
		/* With none running, a dead worker's packets wait for its successor. */
		if (unlikely(MP_RECLAIM_MASK(word) != 0) && d->nb_active != 0)
			reclaim(d, MP_RECLAIM_MASK(word));
		if (unlikely(MP_RECLAIM_GEN(word) != d->stats.reclaim_ack)) {
			d->stats.reclaim_ack = MP_RECLAIM_GEN(word);
			__atomic_store_n(&shm->dist.reclaim_ack, d->stats.reclaim_ack,
					 __ATOMIC_RELEASE);
		}
		if (got != 0) {
			d->stats.rx += got;
			shm->dist.rx = d->stats.rx;
			shm->dist.enqueued = d->stats.enqueued;
			shm->dist.dropped = d->stats.dropped;
			shm->dist.redistributed = d->stats.redistributed;
		}
	}
	mp_loop_end(&progress);
	shm->dist.redistributed = d->stats.redistributed;
	mp_info("distributor stopped: rx %" PRIu64 " enqueued %" PRIu64
		" dropped %" PRIu64, d->stats.rx, d->stats.enqueued,
		d->stats.dropped);
	return 0;
}

int
mp_dist_start(const struct mp_config *cfg, struct mp_objects *o, struct mp_tx *tx)
{
	struct dist_ctx *d;
	unsigned int i, q;
	int rc;

	d = calloc(1, sizeof(*d));
	if (d == NULL)
		return -ENOMEM;
	d->shm = o->shm;
	d->tx = tx;
	d->nb_ports = cfg->nb_ports;
	for (i = 0; i < cfg->nb_ports; i++) {
		for (q = 0; q < o->shm->port_nb_rxq[i]; q++) {
			d->rx_port[d->nb_rx] = cfg->ports[i];
			d->rx_queue[d->nb_rx++] = q;
		}
	}
	d->burst = cfg->distributor.burst;
	d->rings = o->rings;
	d->cache = rte_mempool_default_cache(o->pool, cfg->distributor.lcore);
	for (i = 0; i < MP_MAX_WORKERS; i++) {
		d->stage[i] = malloc(sizeof(*d->stage[i]) * d->burst);
		if (d->stage[i] == NULL) {
			rc = -ENOMEM;
			goto fail;
		}
	}
	o->shm->dist_mode = cfg->distributor.mode;
	mp_quiesce_watch(MP_LOOP_DISTRIBUTOR, &progress);
	__atomic_store_n(&o->shm->dist_run, 1, __ATOMIC_RELEASE);
	rc = rte_eal_remote_launch(dist_main, d, cfg->distributor.lcore);
	if (rc < 0) {
		mp_err("rte_eal_remote_launch() failed for the distributor on lcore %u: %s",
		       cfg->distributor.lcore, strerror(-rc));
		goto fail;
	}
	dist = d;
	return 0;

fail:
	for (i = 0; i < MP_MAX_WORKERS; i++)
		free(d->stage[i]);
	free(d);
	return rc;
}

int
mp_dist_quiesce(unsigned int timeout_ms)
{
	return mp_loop_quiesce(&progress, timeout_ms);
}

void
mp_dist_stop(const struct mp_config *cfg, struct mp_objects *o)
{
	unsigned int i;

	if (dist == NULL)
		return;
	__atomic_store_n(&o->shm->dist_run, 0, __ATOMIC_RELEASE);
	rte_eal_wait_lcore(cfg->distributor.lcore);
	for (i = 0; i < MP_MAX_WORKERS; i++)
		free(dist->stage[i]);
	free(dist);
	dist = NULL;
}
