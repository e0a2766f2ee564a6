/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The supervisor: mpmaster's main thread, a libuv loop.  This file keeps
 * the loop, the signals and the wiring of the layers (supervisor.h):
 * signal handlers are libuv's, they only record, and the callbacks below
 * run on the loop and hand what happened to the event sources; the state
 * machine's actions and its observer hook are installed here.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "link.h"
#include "log.h"
#include "pool.h"
#include "supervisor.h"

static struct mp_sup sup;

uint64_t
mp_now_ms(void)
{
	return uv_hrtime() / 1000000;
}

bool
mp_sup_any_alive(const struct mp_sup *s)
{
	unsigned int id;

	for (id = 0; id < MP_MAX_WORKERS; id++)
		if (s->w[id].proc != NULL)
			return true;
	return false;
}

/* The state machine's actions. */

static void
act_spawn(struct mp_worker *w)
{
	mp_spawn_schedule(w->sup);
}

static void
act_signal(struct mp_worker *w, int signum)
{
	int rc;

	if (w->proc == NULL)
		return;
	rc = uv_process_kill(w->proc, signum);
	if (rc < 0 && rc != UV_ESRCH)
		mp_err("uv_process_kill() failed for worker %u (pid %d): %s",
		       w->id, w->pid, uv_strerror(rc));
}

static void
on_worker_timer(uv_timer_t *timer)
{
	mp_fsm_apply(timer->data, MP_EV_TIMER, NULL);
}

static void
act_timer_start(struct mp_worker *w, unsigned int ms)
{
	uv_timer_start(&w->timer, on_worker_timer, ms, 0);
}

static void
act_timer_stop(struct mp_worker *w)
{
	uv_timer_stop(&w->timer);
}

/* READY=1 for systemd once every configured worker runs (or is fatal). */
static void
notify_ready_once(struct mp_sup *s)
{
	unsigned int id;

	if (s->ready_sent || s->stopping)
		return;
	for (id = 0; id < MP_MAX_WORKERS; id++)
		if (s->w[id].configured && s->w[id].state != MP_W_RUNNING &&
		    s->w[id].state != MP_W_FATAL)
			return;
	s->ready_sent = true;
	mp_notify("READY=1");
	mp_info("all workers running");
}

/* The observer: news of a state change goes up to the event sources. */
static void
act_changed(struct mp_worker *w, enum mp_worker_state from)
{
	struct mp_sup *s = w->sup;

	mp_hooks_changed(s, w, from);
	mp_rollout_changed(s, w, from);
	mp_control_changed(s, w, from);
	mp_shutdown_changed(s);
	notify_ready_once(s);
	/* A start ended or an lcore came free: another may spawn now. */
	if (!s->stopping)
		mp_spawn_schedule(s);
}

static const struct mp_fsm_ops fsm_ops = {
	.spawn = act_spawn,
	.signal = act_signal,
	.timer_start = act_timer_start,
	.timer_stop = act_timer_stop,
	.changed = act_changed,
	.now_ms = mp_now_ms,
};

static void
on_watchdog(uv_timer_t *timer)
{
	mp_notify("WATCHDOG=1");
}

static void
on_signal(uv_signal_t *handle, int signum)
{
	struct mp_sup *s = handle->data;

	if (signum == SIGHUP)
		mp_rollout_begin(s);
	else if (signum == SIGUSR1)
		mp_log_reopen(s->cfg->log_file);
	else
		mp_shutdown_begin(s, signum);
}

static void
signal_init(struct mp_sup *s, uv_signal_t *h, int signum)
{
	uv_signal_init(&s->loop, h);
	h->data = s;
	uv_signal_start(h, on_signal, signum);
}

int
mp_sup_run(struct mp_config *cfg, struct mp_objects *o)
{
	struct mp_sup *s = &sup;
	struct mp_worker *w;
	unsigned int i, id;
	int rc;

	memset(s, 0, sizeof(*s));
	s->cfg = cfg;
	s->o = o;
	s->rolling = -1;
	rc = uv_loop_init(&s->loop);
	if (rc < 0) {
		mp_err("uv_loop_init() failed: %s", uv_strerror(rc));
		return -ENOMEM;
	}
	rc = mp_control_start(s);
	if (rc < 0)
		return rc;
	rc = mp_metrics_start(s);
	if (rc < 0) {
		mp_control_close(s);
		return rc;
	}
	o->shm->nb_workers = cfg->workers.nb_instances;
	mp_pool_poll_lanes(o->pool, cfg->workers.nb_instances);
	o->shm->generation = 1;
	for (id = 0; id < MP_MAX_WORKERS; id++) {
		w = &s->w[id];
		w->sup = s;
		w->id = id;
		w->slot = &o->shm->workers[id];
		uv_timer_init(&s->loop, &w->timer);
		w->timer.data = w;
	}
	mp_fsm_init(&fsm_ops, cfg);
	signal_init(s, &s->sig_term, SIGTERM);
	signal_init(s, &s->sig_int, SIGINT);
	signal_init(s, &s->sig_hup, SIGHUP);
	signal_init(s, &s->sig_usr1, SIGUSR1);
	uv_timer_init(&s->loop, &s->watchdog);
	if (mp_notify_watchdog_ms() != 0)
		uv_timer_start(&s->watchdog, on_watchdog, 0, mp_notify_watchdog_ms());
	mp_health_init(s);
	mp_spawn_init(s);
	mp_lock_repair_init(s);
	uv_timer_init(&s->loop, &s->stats);
	s->stats_ms = mp_now_ms();
	s->tty = cfg->log_file == NULL && isatty(STDERR_FILENO);
	mp_stats_arm(s);
	mp_link_start(s);

	for (i = 0; i < cfg->workers.nb_instances; i++) {
		w = &s->w[cfg->workers.instances[i].id];
		w->conf = cfg->workers.instances[i];
		mp_wtable_set_configured(w, true);
		mp_fsm_apply(w, MP_EV_START, NULL);
	}
	uv_run(&s->loop, UV_RUN_DEFAULT);
	return 0;
}
