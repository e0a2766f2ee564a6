/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EAL lock repair on the loop's side (the mechanism is eal_locks.c).  A
 * worker that died before it attached may have left EAL's memzone, tailq,
 * mempool, table or memory hotplug lock held, and every later secondary
 * would hang on it (on the hotplug lock as soon as any process waits to
 * take it as a writer, to grow or shrink DPDK's heap: a waiting writer
 * stops new readers): so no worker is spawned until the locks were
 * checked.  No other worker is starting then (one start at a time, none
 * while the check is pending), so none holds them legitimately.  The
 * check scans /proc and samples the locks for up to 200 ms, so it runs on
 * libuv's thread pool, never blocking the loop; its completion releases
 * the spawns, or checks again while it still finds holds to release, or
 * while a live DPDK process that could hold them (a tool attaching) is
 * around.
 */
#include <stdio.h>

#include "log.h"
#include "supervisor.h"

#define MP_LOCK_REPAIR_RETRY_MS 100

static void start(struct mp_sup *s);

static void
work(uv_work_t *req)
{
	struct mp_sup *s = req->data;

	mp_eallock_check(&s->repair_check);
}

static void
on_retry(uv_timer_t *timer)
{
	start(timer->data);
}

static void
done(uv_work_t *req, int status)
{
	struct mp_sup *s = req->data;
	struct mp_eallock_check *c = &s->repair_check;

	s->repair_running = false;
	mp_eallock_check_log(c, s->repair_when);
	if (s->repair_again && !s->stopping) {
		/* Another worker died in its start-up while this check ran. */
		s->repair_again = false;
		start(s);
		return;
	}
	if (c->blocker != 0 && !s->stopping) {
		if (c->blocker != s->repair_blocker_logged)
			mp_warn("EAL lock check %s waits for pid %d (%s), a live "
				"process that maps EAL's shared configuration",
				s->repair_when, c->blocker, c->blocker_comm);
		s->repair_blocker_logged = c->blocker;
		uv_timer_start(&s->repair_retry, on_retry, MP_LOCK_REPAIR_RETRY_MS, 0);
		return;
	}
	if (c->released != 0 && !s->stopping) {
		start(s);	/* another lock may be held too */
		return;
	}
	s->repair_pending = false;
	s->repair_blocker_logged = 0;
	mp_spawn_schedule(s);
}

/* Our workers that attached take no EAL lock any more. */
static void
start(struct mp_sup *s)
{
	struct mp_eallock_check *c = &s->repair_check;
	unsigned int id;

	if (s->repair_running) {
		s->repair_again = true;
		return;
	}
	c->which = MP_EALLOCK_ALL;
	c->nb_allowed = 0;
	for (id = 0; id < MP_MAX_WORKERS; id++)
		if (s->w[id].proc != NULL && s->w[id].running_ms != 0)
			c->allowed[c->nb_allowed++] = s->w[id].pid;
	s->repair_running = true;
	s->repair_work.data = s;
	if (uv_queue_work(&s->loop, &s->repair_work, work, done) < 0) {
		s->repair_running = false;
		uv_timer_start(&s->repair_retry, on_retry, MP_LOCK_REPAIR_RETRY_MS, 0);
	}
}

void
mp_lock_repair_request(struct mp_sup *s, const struct mp_worker *w)
{
	snprintf(s->repair_when, sizeof(s->repair_when),
		 "after worker %u died before running", w->id);
	s->repair_pending = true;
	uv_timer_stop(&s->repair_retry);
	start(s);
}

void
mp_lock_repair_init(struct mp_sup *s)
{
	uv_timer_init(&s->loop, &s->repair_retry);
	s->repair_retry.data = s;
}
