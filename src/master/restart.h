/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MP_RESTART_H
#define MP_RESTART_H

/*
 * The restart policy as a pure function, so that what happens on a worker
 * exit is decided in one place and can be tested without processes.
 */

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

enum mp_restart_action {
	MP_RESTART_ACTION_STOP = 0,	/* leave the worker stopped */
	MP_RESTART_ACTION_RESTART,	/* restart after *delay_ms */
	MP_RESTART_ACTION_FATAL,	/* restart limit hit: leave it fatal */
};

/* Per-worker memory of past restarts; zero-initialise. */
struct mp_restart_state {
	uint64_t window_start_ms;
	unsigned int in_window;		/* restarts within the current window */
	unsigned int next_backoff_ms;	/* 0: start from backoff_first_ms */
	bool backoff_started;
};

/*
 * Decide what to do about a worker that exited.
 *
 * requested: the master asked it to stop (stop, reload) - never restarted.
 * clean_exit: it exited with status 0, not by a signal.
 * ran_ms: how long it was running before it exited (0 if never attached);
 *   a worker that ran longer than the backoff cap starts again from the
 *   first delay.
 * now_ms: a monotonic clock.
 *
 * Restarts are counted in fixed windows of window_s starting at the first
 * restart; the (max_restarts + 1)th within one window is refused (FATAL).
 * Returns the action and, for RESTART, the delay in *delay_ms.
 */
enum mp_restart_action mp_restart_decide(const struct mp_restart_conf *conf,
					 struct mp_restart_state *st,
					 uint64_t now_ms, bool requested,
					 bool clean_exit, uint64_t ran_ms,
					 unsigned int *delay_ms);

#endif /* MP_RESTART_H */
