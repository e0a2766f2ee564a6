/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The /mp/ telemetry commands, served by the primary's DPDK telemetry
 * thread, so that `dpdk-telemetry.py -f PREFIX` shows the worker table and
 * the pipeline's counters next to the standard /ethdev/ commands.  The
 * callbacks run on the telemetry thread: they read shared memory and
 * snapshot worker slots under the supervisor's lock.
 *
 * DPDK 22.11 cannot unregister a command, and a client may ask at any
 * moment, also while the master stops and frees the rings, the pool and
 * the memzone.  So every callback runs under tel_lock as a reader and
 * answers an error once mp_telemetry_close() has run; the objects a
 * callback reads never change while the master runs (every ring is made
 * at start), and the config a reload replaces is read under the
 * supervisor's lock.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_telemetry.h>

#include "link.h"
#include "log.h"
#include "master.h"

static const struct mp_config *tel_cfg;
static struct mp_objects *tel_obj;
static pthread_rwlock_t tel_lock = PTHREAD_RWLOCK_INITIALIZER;
static bool tel_open;

/* Enter a callback: false (and nothing held) once the objects are going. */
static bool
tel_enter(void)
{
	pthread_rwlock_rdlock(&tel_lock);
	if (tel_open)
		return true;
	pthread_rwlock_unlock(&tel_lock);
	return false;
}

static void
tel_leave(void)
{
	pthread_rwlock_unlock(&tel_lock);
}

/*
 * The readings below are shared with /metrics (metrics_text.c), so that
 * the two views of the pipeline never disagree on what a figure means.
 * They read shared memory only and may run on any thread.
 */

uint64_t
mp_telemetry_heartbeat_age_ms(const struct mp_objects *o,
			      const struct mp_worker_slot *s)
{
	uint64_t now = rte_rdtsc();

	if (s->pid == 0 || s->stats.heartbeat_tsc == 0 ||
	    now < s->stats.heartbeat_tsc)
		return 0;
	return (now - s->stats.heartbeat_tsc) * 1000 / o->shm->tsc_hz;
}

void
mp_telemetry_ring_use(const struct mp_objects *o, unsigned int id,
		      unsigned int *count, unsigned int *size)
{
	const struct rte_ring *ring = o->rings[id];

	*count = ring ? rte_ring_count(ring) : 0;
	*size = ring ? rte_ring_get_capacity(ring) : 0;
}

void
mp_telemetry_pool_use(const struct mp_objects *o, struct mp_pool_use *u)
{
	u->in_use = rte_mempool_in_use_count(o->pool);
	u->free = rte_mempool_avail_count(o->pool);
	u->size = o->pool->size;
}

void
mp_telemetry_port_stats(uint16_t port, struct rte_eth_stats *st)
{
	if (rte_eth_stats_get(port, st) != 0)
		memset(st, 0, sizeof(*st));
}

/* The NF's counters of a worker, as "counters": {"name": value}. */
static void
add_counters(struct rte_tel_data *w, const struct mp_nf_counters *nf)
{
	struct rte_tel_data *c = rte_tel_data_alloc();
	unsigned int k, nb = RTE_MIN(nf->nb, (uint32_t)MP_NF_COUNTERS);
	char name[MP_NF_COUNTER_NAME];

	if (c == NULL)
		return;
	rte_tel_data_start_dict(c);
	for (k = 0; k < nb; k++) {
		memcpy(name, nf->name[k], sizeof(name));
		name[sizeof(name) - 1] = '\0';
		rte_tel_data_add_dict_u64(c, name, nf->value[k]);
	}
	rte_tel_data_add_dict_container(w, "counters", c, 0);
}

static int
workers(struct rte_tel_data *d)
{
	struct mp_worker_slot s;
	struct rte_tel_data *w;
	unsigned int id, ring_count, ring_size;
	char key[16];

	rte_tel_data_start_dict(d);
	for (id = 0; id < MP_MAX_WORKERS; id++) {
		mp_sup_worker_snapshot(tel_obj, id, &s);
		if (!s.configured)
			continue;
		w = rte_tel_data_alloc();
		if (w == NULL)
			return -ENOMEM;
		mp_telemetry_ring_use(tel_obj, id, &ring_count, &ring_size);
		rte_tel_data_start_dict(w);
		rte_tel_data_add_dict_int(w, "id", (int)id);
		rte_tel_data_add_dict_int(w, "pid", s.pid);
		rte_tel_data_add_dict_int(w, "lcore", (int)s.lcore);
		rte_tel_data_add_dict_int(w, "cpu", (int)s.cpu);
		rte_tel_data_add_dict_string(w, "state", mp_worker_state_name(s.state));
		rte_tel_data_add_dict_u64(w, "restarts", s.restarts);
		rte_tel_data_add_dict_string(w, "last_exit", s.last_exit);
		rte_tel_data_add_dict_u64(w, "rx", s.stats.rx);
		rte_tel_data_add_dict_u64(w, "tx", s.stats.tx);
		rte_tel_data_add_dict_u64(w, "drops", s.stats.drops);
		rte_tel_data_add_dict_u64(w, "heartbeat_age_ms",
					  mp_telemetry_heartbeat_age_ms(tel_obj, &s));
		rte_tel_data_add_dict_u64(w, "ring_count", ring_count);
		rte_tel_data_add_dict_u64(w, "ring_size", ring_size);
		rte_tel_data_add_dict_string(w, "program", s.program);
		add_counters(w, &s.nf);
		snprintf(key, sizeof(key), "%u", id);
		rte_tel_data_add_dict_container(d, key, w, 0);
	}
	return 0;
}

static int
add_container(struct rte_tel_data *d, const char *name, struct rte_tel_data *c)
{
	if (c == NULL)
		return -ENOMEM;
	return rte_tel_data_add_dict_container(d, name, c, 0);
}

static int
stats(struct rte_tel_data *d)
{
	const struct mp_dist_stats *ds = &tel_obj->shm->dist;
	struct mp_pool_use pool;
	struct rte_eth_stats st;
	struct rte_tel_data *c;
	struct mp_link link;
	unsigned int i;
	char key[16];

	rte_tel_data_start_dict(d);
	for (i = 0; i < tel_obj->shm->nb_ports; i++) {
		c = rte_tel_data_alloc();
		if (c == NULL)
			return -ENOMEM;
		rte_tel_data_start_dict(c);
		mp_telemetry_port_stats(tel_obj->shm->ports[i], &st);
		rte_tel_data_add_dict_u64(c, "rx", st.ipackets);
		rte_tel_data_add_dict_u64(c, "tx", st.opackets);
		rte_tel_data_add_dict_u64(c, "rx_missed", st.imissed);
		rte_tel_data_add_dict_u64(c, "tx_errors", st.oerrors);
		rte_tel_data_add_dict_string(c, "tx_path",
					     tel_obj->shm->port_tx_primary[tel_obj->shm->ports[i]] ?
					     "primary" : "direct");
		mp_link_get(tel_obj->shm->ports[i], &link);
		rte_tel_data_add_dict_string(c, "link", link.up ? "up" : "down");
		rte_tel_data_add_dict_u64(c, "link_speed_mbps", link.speed_mbps);
		snprintf(key, sizeof(key), "port%u", tel_obj->shm->ports[i]);
		add_container(d, key, c);
	}
	c = rte_tel_data_alloc();
	if (c != NULL) {
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_u64(c, "rx", ds->rx);
		rte_tel_data_add_dict_u64(c, "enqueued", ds->enqueued);
		rte_tel_data_add_dict_u64(c, "dropped", ds->dropped);
		rte_tel_data_add_dict_u64(c, "redistributed", ds->redistributed);
	}
	add_container(d, "distributor", c);
	c = rte_tel_data_alloc();
	if (c != NULL) {
		rte_tel_data_start_dict(c);
		rte_tel_data_add_dict_u64(c, "handed", tel_obj->shm->tx.handed);
		rte_tel_data_add_dict_u64(c, "sent", tel_obj->shm->tx.sent);
		rte_tel_data_add_dict_u64(c, "dropped", tel_obj->shm->tx.dropped);
	}
	add_container(d, "transmitter", c);
	c = rte_tel_data_alloc();
	if (c != NULL) {
		rte_tel_data_start_dict(c);
		mp_telemetry_pool_use(tel_obj, &pool);
		rte_tel_data_add_dict_u64(c, "in_use", pool.in_use);
		rte_tel_data_add_dict_u64(c, "free", pool.free);
		rte_tel_data_add_dict_u64(c, "size", pool.size);
	}
	return add_container(d, "mempool", c);
}

static int
config(struct rte_tel_data *d)
{
	mp_sup_lock();
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "path", tel_cfg->path);
	rte_tel_data_add_dict_u64(d, "generation", tel_obj->shm->generation);
	rte_tel_data_add_dict_string(d, "mode",
				     mp_config_dist_mode_name(tel_cfg->distributor.mode));
	rte_tel_data_add_dict_string(d, "file_prefix", tel_cfg->eal.file_prefix);
	rte_tel_data_add_dict_int(d, "workers", (int)tel_cfg->workers.nb_instances);
	rte_tel_data_add_dict_string(d, "poll",
				     mp_config_poll_name(tel_cfg->workers.poll));
	mp_sup_unlock();
	return 0;
}

/* One wrapper per command: DPDK's callback type, under tel_lock. */
#define TEL_COMMAND(name)						\
	static int							\
	tel_##name(const char *cmd, const char *params,			\
		   struct rte_tel_data *d)				\
	{								\
		int rc;							\
									\
		if (!tel_enter())					\
			return -ENODEV;					\
		rc = name(d);						\
		tel_leave();						\
		return rc;						\
	}

TEL_COMMAND(workers)
TEL_COMMAND(stats)
TEL_COMMAND(config)

int
mp_telemetry_register(const struct mp_config *cfg, struct mp_objects *o)
{
	static const struct {
		const char *cmd;
		telemetry_cb fn;
		const char *help;
	} cmds[] = {
		{ "/mp/workers", tel_workers,
		  "Returns the worker table: state, pid, lcore, cpu, restarts, counters, ring use. No parameters." },
		{ "/mp/stats", tel_stats,
		  "Returns port counters and link state, distributor and mempool counters. No parameters." },
		{ "/mp/config", tel_config,
		  "Returns the config path, generation and distributor mode. No parameters." },
	};
	unsigned int i;
	int rc;

	pthread_rwlock_wrlock(&tel_lock);
	tel_cfg = cfg;
	tel_obj = o;
	tel_open = true;
	pthread_rwlock_unlock(&tel_lock);
	for (i = 0; i < RTE_DIM(cmds); i++) {
		rc = rte_telemetry_register_cmd(cmds[i].cmd, cmds[i].fn, cmds[i].help);
		if (rc < 0) {
			mp_err("rte_telemetry_register_cmd() failed for %s: %s",
			       cmds[i].cmd, strerror(-rc));
			return rc;
		}
	}
	return 0;
}

/*
 * Waits for callbacks under way, then makes every later one answer an
 * error.  The telemetry socket goes too, so that no new client connects
 * while DPDK's memory is released (DPDK's own commands cannot be told to
 * stop).
 */
void
mp_telemetry_close(void)
{
	char path[PATH_MAX];

	pthread_rwlock_wrlock(&tel_lock);
	tel_open = false;
	pthread_rwlock_unlock(&tel_lock);
	snprintf(path, sizeof(path), "%s/dpdk_telemetry.v2", rte_eal_get_runtime_dir());
	unlink(path);
}
