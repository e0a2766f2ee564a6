/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker loop: dequeue a burst from our ring, let the NF pick each
 * packet's output port, transmit runs of packets bound for the same port
 * straight from the burst array on our own TX queue (or hand them to the
 * master's transmitter on our ring to it, for ports whose PMD cannot
 * transmit from a secondary), free what a port refuses.  Counters live in
 * our own cache line of shared memory and are written once per burst; the
 * heartbeat once per iteration.  Every step of
 * a burst's hand-over is recorded first in our in-flight record (shm.h),
 * so that a kill at any instruction leaves the master knowing who owns
 * each of its mbufs.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>
#include <rte_mempool.h>
#include <rte_pause.h>
#include <rte_prefetch.h>
#include <rte_ring.h>

#include "log.h"
#include "pool.h"
#include "prefetch.h"
#include "runtime.h"

#define MP_IDLE_SPINS 256		/* empty polls before adaptive sleeps */
#define MP_IDLE_SLEEP_MIN_NS 10000
#define MP_IDLE_SLEEP_MAX_NS 1000000

static volatile sig_atomic_t stop_requested;

void
mp_worker_request_stop(void)
{
	stop_requested = 1;
}

int
mp_worker_attach(unsigned int id, struct mpw_ctx *ctx)
{
	const struct rte_memzone *mz;
	char name[MP_RING_NAME_LEN];
	uint32_t state;

	ctx->id = id;
	mz = rte_memzone_lookup(MP_SHM_MZ_NAME);
	if (mz == NULL) {
		mp_err("worker %u: memzone \"%s\" not found: is mpmaster running?",
		       id, MP_SHM_MZ_NAME);
		return -ENOENT;
	}
	ctx->shm = mz->addr;
	if (ctx->shm->magic != MP_SHM_MAGIC ||
	    ctx->shm->version != MP_SHM_LAYOUT_VERSION) {
		mp_err("worker %u: shared memory layout version %u, this worker "
		       "needs %u: worker and master are from different builds",
		       id, ctx->shm->version, MP_SHM_LAYOUT_VERSION);
		return -EPROTO;
	}
	if (getppid() != ctx->shm->master_pid) {
		mp_err("worker %u: the master (pid %d) that owns this memory is "
		       "not our parent: exiting", id, ctx->shm->master_pid);
		return -ESRCH;
	}
	if (id >= ctx->shm->nb_tx_queues) {
		mp_err("worker %u: the ports have only %u TX queues", id,
		       ctx->shm->nb_tx_queues);
		return -EINVAL;
	}
	snprintf(name, sizeof(name), MP_RING_NAME_FMT, id);
	ctx->ring = rte_ring_lookup(name);
	if (ctx->ring == NULL) {
		mp_err("worker %u: ring \"%s\" not found", id, name);
		return -ENOENT;
	}
	snprintf(name, sizeof(name), MP_TX_RING_NAME_FMT, id);
	ctx->tx_ring = rte_ring_lookup(name);
	if (ctx->tx_ring == NULL) {
		mp_err("worker %u: ring \"%s\" not found", id, name);
		return -ENOENT;
	}
	ctx->pool = rte_mempool_lookup(MP_POOL_NAME);
	if (ctx->pool == NULL) {
		mp_err("worker %u: mempool \"%s\" not found", id, MP_POOL_NAME);
		return -ENOENT;
	}
	if (mp_pool_attach(ctx->pool, id) < 0) {
		mp_err("worker %u: mempool \"%s\" has an invalid driver index %d",
		       id, MP_POOL_NAME, ctx->pool->ops_index);
		return -EPROTO;
	}
	ctx->lane = mp_pool_lane(ctx->pool, id);
	ctx->cache = rte_mempool_default_cache(ctx->pool, rte_lcore_id());
	ctx->cache_threshold = mp_pool_cache_threshold(ctx->pool);
	ctx->slot = &ctx->shm->workers[id];
	ctx->txq = (uint16_t)id;
	state = __atomic_load_n(&ctx->slot->state, __ATOMIC_ACQUIRE);
	if (state != MP_W_STARTING) {
		mp_err("worker %u: the master has this worker in state %s, "
		       "not starting: exiting", id, mp_worker_state_name(state));
		return -EBUSY;
	}
	mp_pmd_private_handover(ctx);
	return 0;
}

void
mp_worker_report_attached(struct mpw_ctx *ctx)
{
	ctx->slot->stats.heartbeat_tsc = rte_rdtsc();
	/* The master marks us running (and the distributor feeds us) on this. */
	__atomic_store_n(&ctx->slot->attached_pid, (int32_t)getpid(), __ATOMIC_RELEASE);
}

/* Not sanitized: under UBSan the NULL write would become a report and exit 1. */
static void __attribute__((noinline, no_sanitize("undefined", "address")))
inject_fault(const struct mpw_ctx *ctx)
{
	volatile int *volatile nowhere = NULL;

	mp_warn("worker %u: injecting fault after %" PRIu64 " packets as asked",
		ctx->id, ctx->fault_after);
	switch (ctx->fault) {
	case MP_FAULT_SEGV:
		*nowhere = 1;
		break;
	case MP_FAULT_ABORT:
		abort();
	case MP_FAULT_HANG:
		for (;;)
			rte_pause();
	case MP_FAULT_NONE:
		break;
	}
}

/*
 * Announce that pkts[start..end) go to port (MP_PHASE_PORT) or to the
 * pool (MP_PHASE_FREE): the run first, then the step that makes it count.
 */
static inline void
hand_on(struct mp_worker_inflight *in, uint32_t pos, unsigned int phase,
	unsigned int start, unsigned int end, uint16_t port)
{
	in->run_start = start;
	in->run_port = port;
	__atomic_store_n(&in->step, MP_STEP(pos, phase, end), __ATOMIC_RELEASE);
}

/*
 * Turn our lcore's mempool cache on or off (pool.h): on only while a PMD
 * that frees what it takes inside rte_eth_tx_burst() runs, so that its
 * per-packet frees cost what they cost with a stock cache.
 */
static inline void
cache_switch(const struct mpw_ctx *ctx, bool *on, bool want)
{
	if (ctx->cache != NULL && *on != want) {
		ctx->cache->flushthresh = want ? ctx->cache_threshold : 0;
		*on = want;
	}
}

/* Free pkts[start..end), which are ours: refused by a port, or dropped. */
static inline void
free_run(const struct mpw_ctx *ctx, struct mp_worker_inflight *in,
	 uint32_t pos, unsigned int start, unsigned int end, bool *cache_on)
{
	cache_switch(ctx, cache_on, false);
	hand_on(in, pos, MP_PHASE_FREE, start, end, MP_PORT_NONE);
	rte_pktmbuf_free_bulk(in->pkts + start, end - start);
	__atomic_store_n(&in->step, MP_STEP(pos, MP_PHASE_OWN, end), __ATOMIC_RELEASE);
}

/*
 * Hand pkts[start..end) for port to the transmitter: each packet carries
 * its output port in mbuf->port, and the run is announced with the ring's
 * producer tail before it, so that after a kill the master knows how much
 * of it the ring took (shm.h).  Returns how many the ring took.
 */
static inline unsigned int
hand_to_transmitter(const struct mpw_ctx *ctx, struct mp_worker_inflight *in,
		    uint32_t pos, unsigned int start, unsigned int end, uint16_t port)
{
	struct rte_mbuf **pkts = in->pkts;
	unsigned int k;

	for (k = start; k < end; k++)
		pkts[k]->port = port;
	in->tx_mark = ctx->tx_ring->prod.tail;	/* we are its only producer */
	hand_on(in, pos, MP_PHASE_RING, start, end, port);
	return rte_ring_enqueue_burst(ctx->tx_ring, (void **)(pkts + start),
				      end - start, NULL);
}

/*
 * Transmit the burst pkts[0..n) that began at ring position pos, whose
 * verdicts the NF set.  Consecutive packets for the same port go
 * out in one rte_eth_tx_burst() straight from the array, which with a
 * distributor that enqueues per input port means one call per port per
 * burst.  A port that is not one of ours drops its packets.  What the
 * PMDs freed into our cache goes onto our lane at the end, once per
 * burst.  Returns the number of packets dropped.
 */
static inline unsigned int
transmit(const struct mpw_ctx *ctx, struct mp_worker_inflight *in,
	 uint32_t pos, unsigned int n)
{
	struct rte_mbuf **pkts = in->pkts;
	const uint16_t *out = in->verdict;
	struct rte_mempool_cache *c = ctx->cache;
	unsigned int i = 0, j, sent, dropped = 0;
	bool cache_on = false;
	uint16_t port;

	while (i < n) {
		port = out[i];
		for (j = i + 1; j < n && out[j] == port; j++)
			;
		if (unlikely(port >= RTE_MAX_ETHPORTS ||
			     ctx->shm->peer_port[port] == MP_PORT_NONE)) {
			free_run(ctx, in, pos, i, j, &cache_on);
			dropped += j - i;
			i = j;
			continue;
		}
		if (ctx->shm->port_tx_primary[port]) {
			cache_switch(ctx, &cache_on, false);
			sent = hand_to_transmitter(ctx, in, pos, i, j, port);
		} else {
			hand_on(in, pos, MP_PHASE_PORT, i, j, port);
			cache_switch(ctx, &cache_on, ctx->shm->port_frees_in_tx[port]);
			sent = rte_eth_tx_burst(port, ctx->txq, pkts + i,
						(uint16_t)(j - i));
		}
		if (likely(sent == j - i)) {
			__atomic_store_n(&in->step, MP_STEP(pos, MP_PHASE_OWN, j),
					 __ATOMIC_RELEASE);
		} else {
			/*
			 * What the port or ring took is handed on before the
			 * run moves to the refused tail: hand_on() rewrites
			 * run_start, which the current step still reads.
			 */
			__atomic_store_n(&in->step, MP_STEP(pos, MP_PHASE_OWN, i + sent),
					 __ATOMIC_RELEASE);
			free_run(ctx, in, pos, i + sent, j, &cache_on);
			dropped += j - i - sent;
		}
		i = j;
	}
	cache_switch(ctx, &cache_on, false);
	/* rte_mempool_cache_flush(), without the driver call. */
	if (c != NULL && c->len != 0) {
		mp_lane_put(ctx->lane, c->objs, c->len);
		c->len = 0;
	}
	return dropped;
}

/*
 * Prefetch the mbufs of the next bursts while this one is handled.  The
 * worker's time goes to cache misses on lines the distributor's CPU wrote:
 * the ring slots and each mbuf's two header lines (the handler writes
 * mbuf->port in the first, rte_pktmbuf_free() reads mbuf->next in the
 * second).  Asking for them ahead overlaps those misses with the work on
 * this burst.  The caller asks for up to two bursts, so each line is asked
 * for twice, two bursts and one burst before its use: measured, that beats
 * asking once, one or two bursts ahead (1.80x client_server_mp against
 * 1.42x and 1.67x in one of this VM's placements, equal in another),
 * presumably because a prefetch issued while too many misses are in flight
 * can be dropped and the second request catches it.  The n slots after our
 * consumer head are published (the dequeue said how many), so reading
 * them is safe; that the mbufs they point to are not ours yet does not
 * matter to a prefetch.
 */
static inline void
prefetch_next(const struct rte_ring *r, unsigned int n)
{
	void * const *slots = (void * const *)&r[1];	/* rte_ring_elem_pvt.h */
	uint32_t head = r->cons.head, i;

	for (i = 0; i < n; i++) {
		const struct rte_mbuf *m = slots[(head + i) & r->mask];

		mp_prefetch_write(m);
		rte_prefetch0(RTE_PTR_ADD(m, RTE_CACHE_LINE_SIZE));
	}
}

/* Adaptive polling: spin a little, then sleep, longer the longer it is idle. */
static inline void
idle(unsigned int *empty, long *sleep_ns)
{
	struct timespec ts;

	if (++*empty < MP_IDLE_SPINS) {
		rte_pause();
		return;
	}
	ts.tv_sec = 0;
	ts.tv_nsec = *sleep_ns;
	nanosleep(&ts, NULL);
	if (*sleep_ns < MP_IDLE_SLEEP_MAX_NS)
		*sleep_ns *= 2;
}

/* Each packet's default output: the port paired with the one it came in on. */
static inline void
default_verdicts(const struct mpw_ctx *ctx, struct rte_mbuf **pkts,
		 uint16_t *out, unsigned int n)
{
	const uint16_t *peer = ctx->shm->peer_port;
	unsigned int i;

	for (i = 0; i < n; i++)
		out[i] = pkts[i]->port < RTE_MAX_ETHPORTS ? peer[pkts[i]->port] : MP_PORT_NONE;
}

/* The NF's counters into our slot, where telemetry reads them. */
static inline void
publish_counters(const struct mpw_ctx *ctx)
{
	unsigned int k;

	for (k = 0; k < ctx->nb_counters; k++)
		__atomic_store_n(&ctx->slot->nf.value[k], ctx->counters.value[k],
				 __ATOMIC_RELAXED);
}

int
mp_worker_run(struct mpw_ctx *ctx)
{
	struct mp_worker_inflight *inflight = &ctx->slot->inflight;
	struct rte_mbuf **pkts = inflight->pkts;
	uint32_t pos, published = MP_STEP_POS(inflight->step);
	struct mp_worker_stats *st = &ctx->slot->stats;
	unsigned int burst = RTE_MIN(ctx->shm->burst, (unsigned int)MP_BURST_MAX);
	/* Counters are per worker id and survive restarts of its process. */
	uint64_t rx = st->rx, tx = st->tx, drops = st->drops, drain_budget = 0;
	uint64_t seen = 0;
	bool adaptive = ctx->slot->poll == MP_POLL_ADAPTIVE;
	long sleep_ns = MP_IDLE_SLEEP_MIN_NS;
	unsigned int n, queued, lost, empty = 0;
	bool stopping = false;

	for (;;) {
		__atomic_store_n(&st->heartbeat_tsc, rte_rdtsc(), __ATOMIC_RELAXED);
		if (unlikely(stop_requested && !stopping)) {
			/* Stop being fed, then empty what is queued, boundedly. */
			stopping = true;
			__atomic_store_n(&ctx->slot->draining_pid, (int32_t)getpid(),
					 __ATOMIC_RELEASE);
			drain_budget = 2ULL * rte_ring_get_capacity(ctx->ring);
		}
		/* The next burst begins where the last one ended (we are the consumer). */
		pos = ctx->ring->cons.tail;
		if (pos != published) {
			/* The step first, then the mark (shm.h). */
			__atomic_store_n(&inflight->step, MP_STEP(pos, MP_PHASE_OWN, 0),
					 __ATOMIC_RELEASE);
			__atomic_store_n(&inflight->lane_mark, mp_lane_put_pos(ctx->lane),
					 __ATOMIC_RELAXED);
			published = pos;
		}
		n = rte_ring_dequeue_burst(ctx->ring, (void **)pkts, burst, &queued);
		if (n == 0) {
			mp_lane_publish(ctx->lane);	/* idle: let the drainer have it */
			if (stopping)
				break;
			if (adaptive)
				idle(&empty, &sleep_ns);
			continue;
		}
		empty = 0;
		sleep_ns = MP_IDLE_SLEEP_MIN_NS;
		prefetch_next(ctx->ring, RTE_MIN(queued, 2 * burst));
		rx += n;
		seen += n;
		if (unlikely(ctx->fault != MP_FAULT_NONE && seen >= ctx->fault_after))
			inject_fault(ctx);
		default_verdicts(ctx, pkts, inflight->verdict, n);
		ctx->nf->burst(ctx, pkts, inflight->verdict, (uint16_t)n);
		lost = transmit(ctx, inflight, pos, n);
		drops += lost;
		tx += n - lost;
		__atomic_store_n(&st->rx, rx, __ATOMIC_RELAXED);
		__atomic_store_n(&st->tx, tx, __ATOMIC_RELAXED);
		__atomic_store_n(&st->drops, drops, __ATOMIC_RELAXED);
		publish_counters(ctx);
		if (unlikely(stopping)) {
			if (drain_budget <= n)
				break;
			drain_budget -= n;
		}
	}
	mp_lane_publish(ctx->lane);
	mp_info("worker %u stopping: rx %" PRIu64 " tx %" PRIu64 " drops %" PRIu64,
		ctx->id, rx, tx, drops);
	return 0;
}
