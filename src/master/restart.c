/* SPDX-License-Identifier: BSD-3-Clause */
#include "restart.h"

enum mp_restart_action
mp_restart_decide(const struct mp_restart_conf *conf,
		  struct mp_restart_state *st, uint64_t now_ms, bool requested,
		  bool clean_exit, uint64_t ran_ms, unsigned int *delay_ms)
{
	unsigned int delay;

	*delay_ms = 0;
	if (requested || conf->policy == MP_RESTART_NEVER)
		return MP_RESTART_ACTION_STOP;
	if (conf->policy == MP_RESTART_ON_FAILURE && clean_exit)
		return MP_RESTART_ACTION_STOP;

	if (!st->backoff_started || ran_ms > conf->backoff_max_ms) {
		st->next_backoff_ms = conf->backoff_first_ms;
		st->backoff_started = true;
	}
	if (st->in_window == 0 ||
	    now_ms - st->window_start_ms >= (uint64_t)conf->window_s * 1000) {
		st->window_start_ms = now_ms;
		st->in_window = 0;
	}
	if (++st->in_window > conf->max_restarts)
		return MP_RESTART_ACTION_FATAL;

	delay = st->next_backoff_ms;
	st->next_backoff_ms = delay > conf->backoff_max_ms / 2 ?
			      conf->backoff_max_ms : delay * 2;
	*delay_ms = delay;
	return MP_RESTART_ACTION_RESTART;
}
