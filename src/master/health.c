/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Health checks, an event source: what workers report through shared
 * memory (attached, draining on their own), workers that never attach, and
 * stalled heartbeats, each turned into an event for the state machine.
 * Workers report by writing their pid into their slot, so that a field
 * left by a previous process of the same id never counts.
 */
#include <inttypes.h>

#include <rte_cycles.h>

#include "log.h"
#include "supervisor.h"

#define MP_TICK_MS 10			/* heartbeats and reports */
#define MP_TICK_STARTING_MS 1		/* while a worker is starting */
#define MP_ATTACH_TIMEOUT_MS 30000	/* spawned but never attached */

/* Milliseconds since the worker's last loop iteration. */
static uint64_t
heartbeat_age_ms(const struct mp_worker_slot *slot, uint64_t tsc_hz)
{
	uint64_t hb = __atomic_load_n(&slot->stats.heartbeat_tsc, __ATOMIC_RELAXED);
	uint64_t now = rte_rdtsc();

	if (hb == 0 || now < hb)
		return 0;
	return (now - hb) * 1000 / tsc_hz;
}

static bool
reported(const struct mp_worker *w, const int32_t *field)
{
	return __atomic_load_n(field, __ATOMIC_ACQUIRE) == w->pid;
}

static void
check(struct mp_sup *s, struct mp_worker *w, uint64_t now)
{
	unsigned int hb_timeout = s->cfg->workers.heartbeat_timeout_ms;
	uint64_t age;

	if (w->state == MP_W_STARTING) {
		if (reported(w, &w->slot->attached_pid)) {
			/*
			 * The worker logs "attached" before it reports it: one
			 * tick later the loop has passed through its I/O and
			 * read that line from the pipe, so that the log says
			 * "attached", "running", "all workers running" in order.
			 */
			if (w->attach_seen)
				mp_fsm_apply(w, MP_EV_ATTACHED, NULL);
			w->attach_seen = true;
		} else if (now - w->spawned_ms > MP_ATTACH_TIMEOUT_MS) {
			mp_err("worker %u (pid %d) did not attach within %u ms: killing it",
			       w->id, w->pid, MP_ATTACH_TIMEOUT_MS);
			mp_fsm_apply(w, MP_EV_ATTACH_TIMEOUT, NULL);
			return;
		}
	}
	if (w->state != MP_W_RUNNING)
		return;
	if (reported(w, &w->slot->draining_pid)) {
		mp_fsm_apply(w, MP_EV_DRAINING, NULL);
		return;
	}
	if (hb_timeout == 0)
		return;
	age = heartbeat_age_ms(w->slot, s->o->shm->tsc_hz);
	if (age > hb_timeout) {
		mp_err("worker %u (pid %d) heartbeat stalled for %" PRIu64
		       " ms (limit %u ms): killing it", w->id, w->pid, age, hb_timeout);
		mp_fsm_apply(w, MP_EV_HEARTBEAT_STALLED, NULL);
	}
}

static void
on_tick(uv_timer_t *timer)
{
	struct mp_sup *s = timer->data;
	uint64_t now = mp_now_ms();
	bool starting = false;
	unsigned int id;

	if (s->stopping)
		return;
	for (id = 0; id < MP_MAX_WORKERS; id++) {
		if (s->w[id].proc == NULL)
			continue;
		check(s, &s->w[id], now);
		starting |= s->w[id].state == MP_W_STARTING;
	}
	if (!starting && uv_timer_get_repeat(timer) != MP_TICK_MS)
		uv_timer_start(timer, on_tick, MP_TICK_MS, MP_TICK_MS);
}

/* A worker is starting: look for its attachment every millisecond. */
void
mp_health_kick(struct mp_sup *s)
{
	if (uv_timer_get_repeat(&s->tick) != MP_TICK_STARTING_MS)
		uv_timer_start(&s->tick, on_tick, MP_TICK_STARTING_MS,
			       MP_TICK_STARTING_MS);
}

void
mp_health_init(struct mp_sup *s)
{
	uv_timer_init(&s->loop, &s->tick);
	s->tick.data = s;
	uv_timer_start(&s->tick, on_tick, MP_TICK_MS, MP_TICK_MS);
}
