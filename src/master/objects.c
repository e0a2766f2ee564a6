/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The objects the primary creates for its secondaries: the packet mempool,
 * the memzone holding struct mp_shm, and two single-producer
 * single-consumer rings per worker id: its input (the distributor is the
 * only producer, the worker the only consumer) and its hand-over to the
 * transmitter (the worker produces, the transmitter consumes).  Everything is made at start for every
 * worker id the config may ever name, so that a reload adding workers
 * makes no EAL allocation on the loop thread: EAL's allocations take the
 * locks a worker killed in its start-up can leave held (eal_locks.c).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>
#include <rte_ring.h>

#include "log.h"
#include "master.h"
#include "pool.h"

static int
ring_create(const struct mp_config *cfg, bool to_transmitter, unsigned int id,
	    struct rte_ring **out)
{
	char name[MP_RING_NAME_LEN];

	if (to_transmitter)
		snprintf(name, sizeof(name), MP_TX_RING_NAME_FMT, id);
	else
		snprintf(name, sizeof(name), MP_RING_NAME_FMT, id);
	*out = rte_ring_create(name, cfg->workers.ring_size, rte_socket_id(),
			       RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (*out == NULL) {
		mp_err("rte_ring_create() failed for \"%s\" (%u entries): %s",
		       name, cfg->workers.ring_size, rte_strerror(rte_errno));
		return -rte_errno;
	}
	return 0;
}


int
mp_objects_create(const struct mp_config *cfg, struct mp_objects *o)
{
	struct mp_pool_conf pool_conf;
	unsigned int i;
	int rc;

	memset(o, 0, sizeof(*o));
	/* Crash-safe pool: workers return mbufs on lanes of their own (pool.h). */
	memset(&pool_conf, 0, sizeof(pool_conf));
	pool_conf.drainer_lcore = cfg->distributor.lcore;
	pool_conf.nb_lanes = MP_MAX_WORKERS;
	pool_conf.cache_lcores[0] = cfg->eal.main_lcore;
	pool_conf.cache_lcores[1] = cfg->distributor.lcore;
	pool_conf.cache_lcores[2] = cfg->transmitter.lcore;
	o->pool = mp_pool_create(MP_POOL_NAME, cfg->mempool.mbufs,
				 cfg->mempool.cache, rte_socket_id(), &pool_conf);
	if (o->pool == NULL) {
		rc = -rte_errno;
		mp_err("mp_pool_create() failed for %u mbufs: %s "
		       "(raise eal.memory_mb or lower mempool.mbufs)",
		       cfg->mempool.mbufs, rte_strerror(rte_errno));
		goto fail;
	}
	o->mz = rte_memzone_reserve(MP_SHM_MZ_NAME, sizeof(struct mp_shm),
				    rte_socket_id(), 0);
	if (o->mz == NULL) {
		rc = -rte_errno;
		mp_err("rte_memzone_reserve() failed for \"%s\": %s",
		       MP_SHM_MZ_NAME, rte_strerror(rte_errno));
		goto fail;
	}
	o->shm = o->mz->addr;
	memset(o->shm, 0, sizeof(*o->shm));
	o->shm->magic = MP_SHM_MAGIC;
	o->shm->version = MP_SHM_LAYOUT_VERSION;
	o->shm->master_pid = getpid();
	o->shm->burst = cfg->distributor.burst;
	o->shm->tsc_hz = rte_get_tsc_hz();
	for (i = 0; i < MP_MAX_WORKERS; i++) {
		rc = ring_create(cfg, false, i, &o->rings[i]);
		if (rc == 0)
			rc = ring_create(cfg, true, i, &o->tx_rings[i]);
		if (rc < 0)
			goto fail;
	}
	return 0;

fail:
	mp_objects_free(o);
	return rc;
}

void
mp_objects_return_queued(struct mp_objects *o)
{
	struct rte_mbuf *m;
	unsigned int i;

	for (i = 0; i < MP_MAX_WORKERS; i++) {
		while (o->rings[i] != NULL &&
		       rte_ring_dequeue(o->rings[i], (void **)&m) == 0)
			rte_pktmbuf_free(m);
		while (o->tx_rings[i] != NULL &&
		       rte_ring_dequeue(o->tx_rings[i], (void **)&m) == 0)
			rte_pktmbuf_free(m);
	}
}

/*
 * Called once every worker and the distributor have stopped, so nothing
 * references the objects any more.  Mbufs still on the rings go with the
 * pool.
 */
void
mp_objects_free(struct mp_objects *o)
{
	unsigned int i;

	for (i = 0; i < MP_MAX_WORKERS; i++) {
		rte_ring_free(o->rings[i]);
		rte_ring_free(o->tx_rings[i]);
	}
	if (o->mz != NULL)
		rte_memzone_free(o->mz);
	rte_mempool_free(o->pool);
	memset(o, 0, sizeof(*o));
}
