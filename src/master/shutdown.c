/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The graceful stop of the whole master, an event source.  The distributor
 * stops first so that rings stop filling, then every worker gets SIGTERM,
 * drains its ring and exits; stragglers get SIGKILL after stop_timeout_ms
 * (the state machine's stop timeout).  A second stop signal kills them at
 * once, wherever they are.  Once no worker has a process left and the
 * hooks of their last state changes have run (hooks.c bounds that wait),
 * every handle of ours is closed so that uv_run() returns.
 */
#include <signal.h>
#include <string.h>

#include "link.h"
#include "log.h"
#include "supervisor.h"

static void
close_if_open(uv_handle_t *h)
{
	if (h->loop != NULL && !uv_is_closing(h))
		uv_close(h, NULL);
}

/*
 * The signal handles are only unreferenced and stay installed until the
 * process exits, because libuv restores a signal's default action when
 * its last handle closes, and a stop signal arriving while the master
 * releases DPDK or exits would then kill it half-way.  So the loop is
 * never closed.
 */
static void
finish(struct mp_sup *s)
{
	unsigned int id;

	uv_unref((uv_handle_t *)&s->sig_term);
	uv_unref((uv_handle_t *)&s->sig_int);
	uv_unref((uv_handle_t *)&s->sig_hup);
	uv_unref((uv_handle_t *)&s->sig_usr1);
	close_if_open((uv_handle_t *)&s->watchdog);
	close_if_open((uv_handle_t *)&s->tick);
	close_if_open((uv_handle_t *)&s->stats);
	close_if_open((uv_handle_t *)&s->spawn_poll);
	close_if_open((uv_handle_t *)&s->repair_retry);
	mp_link_close(s);
	mp_hooks_close(s);
	for (id = 0; id < MP_MAX_WORKERS; id++)
		close_if_open((uv_handle_t *)&s->w[id].timer);
	mp_metrics_stop(s);
	mp_control_close(s);
	mp_info("all workers stopped");
}

/* The hooks of the last state changes have run, or were given up on. */
static void
hooks_drained(struct mp_sup *s)
{
	mp_shutdown_changed(s);
}

void
mp_shutdown_changed(struct mp_sup *s)
{
	if (s->stopping && !uv_is_closing((uv_handle_t *)&s->tick) &&
	    !mp_sup_any_alive(s) && mp_hooks_drain(s, hooks_drained))
		finish(s);
}

void
mp_shutdown_begin(struct mp_sup *s, int signum)
{
	unsigned int id;

	if (s->stopping) {
		mp_warn("SIG%s during shutdown: killing the workers now",
			sigabbrev_np(signum));
		for (id = 0; id < MP_MAX_WORKERS; id++)
			if (s->w[id].proc != NULL)
				mp_fsm_apply(&s->w[id], MP_EV_KILL, NULL);
		return;
	}
	s->stopping = true;
	mp_notify("STOPPING=1");
	mp_info("SIG%s: stopping (timeout %u ms)", sigabbrev_np(signum),
		s->cfg->workers.stop_timeout_ms);
	mp_dist_stop(s->cfg, s->o);
	for (id = 0; id < MP_MAX_WORKERS; id++)
		if (s->w[id].configured || s->w[id].proc != NULL)
			mp_fsm_apply(&s->w[id], MP_EV_STOP, NULL);
	mp_shutdown_changed(s);
}
