/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker table's mirror in shared memory (struct mp_worker_slot), for
 * the workers, the distributor and telemetry.  The loop thread writes it;
 * DPDK's telemetry thread reads it.  Multi-field updates of a slot, and
 * the replacement of the config on a reload, are made under table_lock so
 * that a reader never sees half of one (mp_sup_lock(),
 * mp_sup_worker_snapshot()).
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "supervisor.h"

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;

void
mp_sup_lock(void)
{
	pthread_mutex_lock(&table_lock);
}

void
mp_sup_unlock(void)
{
	pthread_mutex_unlock(&table_lock);
}

void
mp_sup_worker_snapshot(const struct mp_objects *o, unsigned int id,
		       struct mp_worker_slot *out)
{
	pthread_mutex_lock(&table_lock);
	memcpy(out, &o->shm->workers[id], sizeof(*out));
	pthread_mutex_unlock(&table_lock);
}

/*
 * Recomputed from the states rather than patched bit by bit, so that the
 * set the distributor feeds cannot drift from them.
 */
void
mp_wtable_publish_active(const struct mp_sup *s)
{
	uint64_t mask = 0;
	unsigned int id;

	for (id = 0; id < MP_MAX_WORKERS; id++)
		if (s->w[id].state == MP_W_RUNNING)
			mask |= UINT64_C(1) << id;
	__atomic_store_n(&s->o->shm->active_mask, mask, __ATOMIC_RELEASE);
}

void
mp_wtable_set_state(struct mp_worker *w, enum mp_worker_state state,
		    const char *last_exit, bool restarted)
{
	struct mp_worker_slot *slot = w->slot;

	pthread_mutex_lock(&table_lock);
	__atomic_store_n(&slot->state, state, __ATOMIC_RELEASE);
	slot->configured = w->configured;
	if (last_exit != NULL) {
		slot->pid = 0;
		snprintf(slot->last_exit, sizeof(slot->last_exit), "%s", last_exit);
	}
	if (restarted)
		slot->restarts++;
	pthread_mutex_unlock(&table_lock);
	mp_wtable_publish_active(w->sup);
}

void
mp_wtable_set_process(struct mp_worker *w, int pid, const char *program)
{
	struct mp_worker_slot *slot = w->slot;
	const char *base = strrchr(program, '/');

	pthread_mutex_lock(&table_lock);
	slot->pid = pid;
	snprintf(slot->program, sizeof(slot->program), "%s", base ? base + 1 : program);
	slot->lcore = w->conf.lcore;
	slot->cpu = w->conf.cpu;
	slot->poll = w->sup->cfg->workers.poll;
	slot->stats.heartbeat_tsc = 0;
	pthread_mutex_unlock(&table_lock);
}

void
mp_wtable_set_configured(struct mp_worker *w, bool configured)
{
	pthread_mutex_lock(&table_lock);
	w->configured = configured;
	w->slot->configured = configured;
	if (configured) {
		w->slot->restarts = 0;
		w->slot->last_exit[0] = '\0';
	}
	pthread_mutex_unlock(&table_lock);
}

/*
 * The loop thread is the reclaim word's only writer, so a plain
 * read-modify-write does; the generation makes every change visible to
 * mp_wtable_reclaim_acked() even if a bit goes back and forth.
 */
uint32_t
mp_wtable_reclaim(const struct mp_sup *s, unsigned int id, bool on)
{
	uint64_t word = s->o->shm->reclaim;
	uint32_t mask = MP_RECLAIM_MASK(word), gen = MP_RECLAIM_GEN(word) + 1;

	if (on)
		mask |= UINT32_C(1) << id;
	else
		mask &= ~(UINT32_C(1) << id);
	if (gen == 0)	/* 0 means "waits for nothing" (struct mp_worker.ring_gen) */
		gen = 1;
	__atomic_store_n(&s->o->shm->reclaim, MP_RECLAIM(gen, mask), __ATOMIC_RELEASE);
	return gen;
}

bool
mp_wtable_reclaim_acked(const struct mp_sup *s, uint32_t gen)
{
	uint32_t ack = (uint32_t)__atomic_load_n(&s->o->shm->dist.reclaim_ack,
						 __ATOMIC_ACQUIRE);

	return (int32_t)(ack - gen) >= 0;
}
