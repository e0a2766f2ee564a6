/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The transmitter: the master's sender for ports whose PMD cannot
 * transmit from a secondary process (AF_PACKET, AF_XDP, vhost: their
 * sockets and mappings exist only in the primary), and for ports
 * configured with tx: primary.  Workers hand it their packets for such a
 * port on a ring of their own, of which each is the single producer and
 * the transmitter the single consumer (crash_repair.c settles a worker
 * killed in the middle of a hand-over); each packet carries its output
 * port in mbuf->port.  It sends them on TX queue 0 of those ports, which
 * no worker uses, and frees what a port refuses.
 *
 * It runs in the distributor's loop by default (transmitter.lcore unset),
 * or in a loop of its own on another lcore.  Either way it is the only
 * sender on those queues while it runs; once it has stopped, mp_tx_stop()
 * sends what the workers left on their rings, so that nothing handed to
 * it is lost at a stop.  Its counters are its own cache line of shared
 * memory, written once per poll that moved packets.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "log.h"
#include "master.h"

#define MP_TX_QUEUE 0	/* the transmitter's queue on its ports */

struct mp_tx {
	struct mp_shm *shm;
	struct rte_ring **rings;	/* every worker id's ring to us */
	unsigned int nb_polled;		/* ids 0..nb_polled-1 ever configured */
	unsigned int burst;
	unsigned int lcore;		/* its own, or the distributor's */
	bool own_lcore;
	uint32_t run;			/* cleared to stop an own-lcore loop */
	struct mp_tx_stats stats;
};

static struct mp_tx *transmitter;
/* Its own loop's progress, for quiesce.c (static: EAL's threads read it). */
static struct mp_loop_progress progress;

/* Send pkts[0..n): runs of one output port each in one call; frees what a port refuses. */
static void
send_runs(struct mp_tx *t, struct rte_mbuf **pkts, unsigned int n)
{
	unsigned int i = 0, j, sent;
	uint16_t port;

	while (i < n) {
		port = pkts[i]->port;
		for (j = i + 1; j < n && pkts[j]->port == port; j++)
			;
		sent = rte_eth_tx_burst(port, MP_TX_QUEUE, pkts + i, (uint16_t)(j - i));
		t->stats.sent += sent;
		if (unlikely(sent < j - i)) {
			rte_pktmbuf_free_bulk(pkts + i + sent, j - i - sent);
			t->stats.dropped += j - i - sent;
		}
		i = j;
	}
}

unsigned int
mp_tx_poll(struct mp_tx *t)
{
	struct rte_mbuf *pkts[MP_BURST_MAX];
	unsigned int id, n, moved = 0;
	unsigned int configured = __atomic_load_n(&t->shm->nb_workers, __ATOMIC_RELAXED);

	/* A removed id's ring still holds what its last process handed over. */
	if (unlikely(configured > t->nb_polled))
		t->nb_polled = RTE_MIN(configured, (unsigned int)MP_MAX_WORKERS);
	for (id = 0; id < t->nb_polled; id++) {
		n = rte_ring_dequeue_burst(t->rings[id], (void **)pkts, t->burst, NULL);
		if (n == 0)
			continue;
		moved += n;
		send_runs(t, pkts, n);
	}
	if (moved != 0) {
		t->stats.handed += moved;
		t->shm->tx.handed = t->stats.handed;
		t->shm->tx.sent = t->stats.sent;
		t->shm->tx.dropped = t->stats.dropped;
	}
	return moved;
}

static int
tx_main(void *arg)
{
	struct mp_tx *t = arg;

	mp_info("transmitter running on lcore %u", rte_lcore_id());
	mp_loop_begin(&progress);
	while (__atomic_load_n(&t->run, __ATOMIC_ACQUIRE)) {
		mp_loop_tick(&progress);
		mp_tx_poll(t);
	}
	mp_loop_end(&progress);
	return 0;
}

int
mp_tx_start(const struct mp_config *cfg, struct mp_objects *o,
	    struct mp_tx **in_distributor)
{
	struct mp_tx *t;
	int rc;

	*in_distributor = NULL;
	if (!mp_ports_any_primary(cfg, o->shm))
		return 0;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	t->shm = o->shm;
	t->rings = o->tx_rings;
	t->burst = RTE_MIN(cfg->distributor.burst, (unsigned int)MP_BURST_MAX);
	t->nb_polled = cfg->workers.nb_instances;
	t->lcore = cfg->transmitter.lcore;
	t->own_lcore = mp_config_transmitter_own_lcore(cfg);
	if (t->own_lcore) {
		mp_quiesce_watch(MP_LOOP_TRANSMITTER, &progress);
		__atomic_store_n(&t->run, 1, __ATOMIC_RELEASE);
		rc = rte_eal_remote_launch(tx_main, t, t->lcore);
		if (rc < 0) {
			mp_err("rte_eal_remote_launch() failed for the transmitter on "
			       "lcore %u: %s", t->lcore, strerror(-rc));
			free(t);
			return rc;
		}
	} else {
		mp_info("transmitter runs in the distributor's loop on lcore %u", t->lcore);
		*in_distributor = t;
	}
	transmitter = t;
	return 0;
}

/*
 * After every worker and the distributor stopped: stop an own-lcore loop,
 * then send what is still on the rings (nothing produces any more).
 */
void
mp_tx_stop(void)
{
	struct mp_tx *t = transmitter;

	if (t == NULL)
		return;
	if (t->own_lcore) {
		__atomic_store_n(&t->run, 0, __ATOMIC_RELEASE);
		rte_eal_wait_lcore(t->lcore);
	}
	t->nb_polled = MP_MAX_WORKERS;
	while (mp_tx_poll(t) != 0)
		;
	mp_info("transmitter stopped: sent %" PRIu64 " dropped %" PRIu64,
		t->stats.sent, t->stats.dropped);
	transmitter = NULL;
	free(t);
}
