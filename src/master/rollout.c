/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reloads, an event source.  SIGHUP checks the file again; if it is
 * invalid nothing changes, else the difference (reload.c computes it) is
 * rolled out: added workers start, removed ones are drained and forgotten,
 * changed ones are restarted one at a time, the next only once the
 * previous one's replacement runs, so that capacity drops by one worker
 * at most.  Then the new generation is published.  A SIGHUP during a
 * reload is queued and applied after it.
 *
 * mpctl's "restart" rolls the same way through the workers it names,
 * without a new config or generation.
 */
#include <errno.h>
#include <stddef.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "pool.h"
#include "reload.h"
#include "supervisor.h"

/* Replace the running config by next (which it takes over). */
static void
swap_config(struct mp_sup *s, struct mp_config *next)
{
	struct mp_config old;

	mp_sup_lock();
	old = *s->cfg;
	*s->cfg = *next;
	mp_sup_unlock();
	mp_config_free(&old);
	s->o->shm->dist_mode = s->cfg->distributor.mode;
	s->o->shm->nb_workers = s->cfg->workers.nb_instances;
	mp_pool_poll_lanes(s->o->pool, s->cfg->workers.nb_instances);
	mp_stats_arm(s);
}

static bool
removal_pending(const struct mp_sup *s)
{
	unsigned int id;

	for (id = 0; id < MP_MAX_WORKERS; id++)
		if (s->w[id].configured && s->w[id].want == MP_WANT_REMOVE)
			return true;
	return false;
}

/*
 * Restart the next changed worker, or finish.  A worker whose new lcore is
 * still held by another one's process waits for it (spawn.c); if that one
 * is to be restarted too (two workers swapped lcores), it is restarted
 * now, or neither would ever start.
 */
static void
step(struct mp_sup *s)
{
	struct mp_worker *w, *holder;
	unsigned int id;

	if (!s->reloading || s->stopping || s->rolling >= 0)
		return;
	if (s->roll_queue != 0) {
		id = (unsigned int)__builtin_ctzll(s->roll_queue);
		s->roll_queue &= ~(UINT64_C(1) << id);
		w = &s->w[id];
		s->rolling = (int)id;
		mp_info("%s: restarting worker %u", s->roll_restart_only ?
			"restart" : "reload", id);
		holder = mp_spawn_lcore_holder(s, w, s->cfg->workers.instances[id].lcore);
		if (holder != NULL && (s->roll_queue & (UINT64_C(1) << holder->id))) {
			s->roll_queue &= ~(UINT64_C(1) << holder->id);
			mp_info("%s: restarting worker %u, which holds lcore %u",
				s->roll_restart_only ? "restart" : "reload",
				holder->id, holder->proc_lcore);
			mp_fsm_apply(holder, MP_EV_RESTART, NULL);
		}
		mp_fsm_apply(w, MP_EV_RESTART, NULL);
		return;
	}
	if (removal_pending(s))
		return;
	s->reloading = false;
	if (s->roll_restart_only) {
		mp_info("restart done");
	} else {
		__atomic_store_n(&s->o->shm->generation, s->o->shm->generation + 1,
				 __ATOMIC_RELEASE);
		mp_info("reload applied: generation %" PRIu64, s->o->shm->generation);
		mp_notify("READY=1");
	}
	if (s->reload_pending) {
		s->reload_pending = false;
		mp_rollout_begin(s);
	}
}

/* A restarted worker is done once it runs again, or will not. */
void
mp_rollout_changed(struct mp_sup *s, struct mp_worker *w,
		   enum mp_worker_state from)
{
	if (!s->reloading)
		return;
	if (s->rolling == (int)w->id &&
	    (w->state == MP_W_RUNNING || w->state == MP_W_FATAL ||
	     w->state == MP_W_STOPPED))
		s->rolling = -1;
	step(s);
}

int
mp_rollout_restart(struct mp_sup *s, uint64_t ids)
{
	if (s->reloading || s->stopping)
		return -EBUSY;
	s->reloading = true;
	s->roll_restart_only = true;
	s->rolling = -1;
	s->roll_queue = ids;
	step(s);
	return 0;
}

static int
refuse(const struct mp_sup *s, const char *why)
{
	mp_err("reload refused%s, keeping generation %" PRIu64, why,
	       s->o->shm->generation);
	mp_notify("READY=1");
	return -EINVAL;
}

void
mp_rollout_begin(struct mp_sup *s)
{
	if (s->reloading) {
		s->reload_pending = true;
		mp_info("SIGHUP during a reload: queued");
		return;
	}
	mp_rollout_reload(s, NULL, 0);
}

int
mp_rollout_reload(struct mp_sup *s, char *err, size_t errlen)
{
	struct mp_reload_plan plan;
	char why[MP_ERR_LEN];
	struct mp_config next;
	struct mp_worker *w;
	unsigned int i, id;
	uint64_t bit;
	int rc;

	if (s->reloading || s->stopping)
		return -EBUSY;
	mp_notify("RELOADING=1");
	rc = mp_config_load(s->cfg->path, &next, why, sizeof(why));
	if (rc < 0) {
		mp_err("%s", why);
		if (err != NULL)
			snprintf(err, errlen, "%s", why);
		return refuse(s, "");
	}
	rc = mp_spawn_check_programs(&next, why, sizeof(why));
	if (rc == 0)
		rc = mp_reload_plan(s->cfg, &next, &plan);
	if (rc < 0) {
		mp_config_free(&next);
		if (rc == -ENOMEM)
			snprintf(why, sizeof(why), "out of memory");
		if (err != NULL)
			snprintf(err, errlen, "%s", why);
		return refuse(s, rc == -ENOMEM ? ": out of memory" : "");
	}
	for (i = 0; i < plan.nb_needs_restart; i++)
		mp_warn("reload: %s changed: needs restart, keeping the running value",
			plan.needs_restart[i]);
	swap_config(s, &next);
	/*
	 * A worker's conf is what its next process runs with, and it points
	 * into the config: take it from the new one (the old one is gone).
	 */
	for (id = 0; id < MP_MAX_WORKERS; id++) {
		if (id < s->cfg->workers.nb_instances)
			s->w[id].conf = s->cfg->workers.instances[id];
		else
			memset(&s->w[id].conf.program, 0, sizeof(s->w[id].conf) -
			       offsetof(struct mp_worker_conf, program));
	}
	s->reloading = true;
	s->roll_restart_only = false;
	s->rolling = -1;
	s->roll_queue = plan.restarted;
	for (id = 0; id < MP_MAX_WORKERS; id++) {
		w = &s->w[id];
		bit = UINT64_C(1) << id;
		if (plan.removed & bit) {
			mp_info("reload: removing worker %u", id);
			mp_fsm_apply(w, MP_EV_REMOVE, NULL);
		} else if (plan.added & bit) {
			mp_info("reload: adding worker %u", id);
			mp_wtable_set_configured(w, true);
			mp_fsm_apply(w, MP_EV_START, NULL);
		} else if (w->configured && !(plan.restarted & bit) &&
			   (w->state == MP_W_FATAL || w->state == MP_W_STOPPED)) {
			/*
			 * A reload gives fatal workers another chance, and
			 * starts those an operator stopped.
			 */
			s->roll_queue |= bit;
		}
	}
	step(s);
	return 0;
}
