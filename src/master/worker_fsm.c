/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The worker state machine: see worker_fsm.h.  The table below is the
 * whole life cycle; each rule names the state an event leads to and the
 * action that goes with it, and mp_fsm_apply() does nothing but look the
 * rule up and carry it out.  An exit has no fixed target: what follows it
 * depends on the worker's want and, for a crash, on the restart policy
 * (restart.c), so its rule's action decides.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "restart.h"
#include "supervisor.h"
#include "worker_fsm.h"

enum action {
	A_IGNORE = 0,		/* the event means nothing here */
	A_NONE,			/* change state, nothing else */
	A_START,		/* (re)start from scratch: new restart memory */
	A_SPAWN,		/* backoff over: spawn */
	A_SPAWNED,
	A_ATTACHED,
	A_DRAIN,		/* SIGTERM, stop timeout; want from the event */
	A_SELF_DRAIN,		/* it drains on its own: stop timeout */
	A_WANT,			/* already going: only the want changes */
	A_KILL,			/* SIGKILL; reason from the event */
	A_CANCEL,		/* no process: stop the timer, want it stopped */
	A_FORGET,		/* no process: stop the timer, forget it */
	A_DECIDE,		/* the process ended: by want and policy */
};

struct rule {
	enum mp_worker_state to;
	enum action action;
};

#define R(state, act) { MP_W_##state, act }

/* Events a worker with a live process takes alike in all its states. */
#define LIVE_STOPS \
	[MP_EV_STOP] = R(DRAINING, A_DRAIN), \
	[MP_EV_RESTART] = R(DRAINING, A_DRAIN), \
	[MP_EV_REMOVE] = R(DRAINING, A_DRAIN), \
	[MP_EV_KILL] = R(STOPPING, A_KILL), \
	[MP_EV_EXITED] = R(STOPPED, A_DECIDE)

/* And those already on the way out. */
#define LEAVING \
	[MP_EV_STOP] = R(STATE_MAX, A_WANT), \
	[MP_EV_RESTART] = R(STATE_MAX, A_WANT), \
	[MP_EV_REMOVE] = R(STATE_MAX, A_WANT), \
	[MP_EV_EXITED] = R(STOPPED, A_DECIDE)

/* MP_W_STATE_MAX as a target: stay in the current state. */
static const struct rule table[MP_W_STATE_MAX][MP_EV_MAX] = {
	[MP_W_STOPPED] = {
		[MP_EV_START] = R(PENDING, A_START),
		[MP_EV_RESTART] = R(PENDING, A_START),
		[MP_EV_STOP] = R(STOPPED, A_CANCEL),
		[MP_EV_REMOVE] = R(STOPPED, A_FORGET),
	},
	[MP_W_PENDING] = {
		[MP_EV_START] = R(PENDING, A_NONE),
		[MP_EV_SPAWNED] = R(STARTING, A_SPAWNED),
		[MP_EV_SPAWN_FAILED] = R(STOPPED, A_DECIDE),
		[MP_EV_STOP] = R(STOPPED, A_CANCEL),
		[MP_EV_KILL] = R(STOPPED, A_CANCEL),
		[MP_EV_RESTART] = R(PENDING, A_START),
		[MP_EV_REMOVE] = R(STOPPED, A_FORGET),
	},
	[MP_W_STARTING] = {
		LIVE_STOPS,
		[MP_EV_ATTACHED] = R(RUNNING, A_ATTACHED),
		[MP_EV_DRAINING] = R(DRAINING, A_SELF_DRAIN),
		[MP_EV_ATTACH_TIMEOUT] = R(STOPPING, A_KILL),
	},
	[MP_W_RUNNING] = {
		LIVE_STOPS,
		[MP_EV_DRAINING] = R(DRAINING, A_SELF_DRAIN),
		[MP_EV_HEARTBEAT_STALLED] = R(STOPPING, A_KILL),
	},
	[MP_W_DRAINING] = {
		LEAVING,
		[MP_EV_KILL] = R(STOPPING, A_KILL),
		[MP_EV_TIMER] = R(STOPPING, A_KILL),
	},
	[MP_W_STOPPING] = {
		LEAVING,
	},
	[MP_W_BACKOFF] = {
		[MP_EV_TIMER] = R(PENDING, A_SPAWN),
		[MP_EV_STOP] = R(STOPPED, A_CANCEL),
		[MP_EV_KILL] = R(STOPPED, A_CANCEL),
		[MP_EV_RESTART] = R(PENDING, A_START),
		[MP_EV_REMOVE] = R(STOPPED, A_FORGET),
	},
	[MP_W_FATAL] = {
		[MP_EV_START] = R(PENDING, A_START),
		[MP_EV_RESTART] = R(PENDING, A_START),
		[MP_EV_STOP] = R(STOPPED, A_CANCEL),
		[MP_EV_REMOVE] = R(STOPPED, A_FORGET),
	},
};

static const struct mp_fsm_ops *ops;
static const struct mp_config *cfg;

void
mp_fsm_init(const struct mp_fsm_ops *o, const struct mp_config *c)
{
	ops = o;
	cfg = c;
}

const char *
mp_fsm_event_name(enum mp_worker_event ev)
{
	static const char *const names[MP_EV_MAX] = {
		[MP_EV_START] = "start",
		[MP_EV_SPAWNED] = "spawned",
		[MP_EV_SPAWN_FAILED] = "spawn failed",
		[MP_EV_ATTACHED] = "attached",
		[MP_EV_DRAINING] = "draining",
		[MP_EV_HEARTBEAT_STALLED] = "heartbeat stalled",
		[MP_EV_ATTACH_TIMEOUT] = "attach timeout",
		[MP_EV_STOP] = "stop",
		[MP_EV_KILL] = "kill",
		[MP_EV_RESTART] = "restart",
		[MP_EV_REMOVE] = "remove",
		[MP_EV_TIMER] = "timer",
		[MP_EV_EXITED] = "exited",
	};

	return (unsigned int)ev < MP_EV_MAX ? names[ev] : "?";
}

/* The want a stop-like event asks for. */
static enum mp_worker_want
want_of(enum mp_worker_event ev)
{
	switch (ev) {
	case MP_EV_RESTART:
		return MP_WANT_RESTART;
	case MP_EV_REMOVE:
		return MP_WANT_REMOVE;
	default:
		return MP_WANT_STOP;
	}
}

/* Why the master kills a worker on ev, for the log and last_exit. */
static const char *
kill_reason(enum mp_worker_event ev)
{
	switch (ev) {
	case MP_EV_HEARTBEAT_STALLED:
		return "heartbeat stall";
	case MP_EV_ATTACH_TIMEOUT:
		return "no attach";
	case MP_EV_TIMER:
		return "stop timeout";
	default:
		return "repeated stop signal";
	}
}

/* Move w to state to; the mirror and the distributor's set follow. */
static void
enter(struct mp_worker *w, enum mp_worker_state to, const char *last_exit,
      bool restarted)
{
	enum mp_worker_state from = w->state;

	w->state = to;
	mp_wtable_set_state(w, to, last_exit, restarted);
	if (from != to)
		ops->changed(w, from);
}

/* A reload removed w: it leaves the config, stopped. */
static void
forget(struct mp_worker *w, const char *last_exit)
{
	w->want = MP_WANT_REMOVE;
	w->configured = false;
	enter(w, MP_W_STOPPED, last_exit, false);
	mp_info("worker %u removed", w->id);
}

/* The process ended: what now, by want and, after a crash, by policy. */
static void
decide(struct mp_worker *w, const struct mp_worker_exit *exit)
{
	const struct mp_restart_conf *rc = &cfg->workers.restart;
	uint64_t now = ops->now_ms();
	uint64_t ran = w->running_ms != 0 ? now - w->running_ms : 0;
	enum mp_worker_want want = w->want;
	enum mp_restart_action action;
	char reason[96] = "";
	unsigned int delay;

	ops->timer_stop(w);
	if (w->kill_reason != NULL)
		snprintf(reason, sizeof(reason), " after %s", w->kill_reason);
	switch (want) {
	case MP_WANT_RUN:
		break;
	case MP_WANT_RESTART:
		mp_info("worker %u stopped (%s)", w->id, exit->what);
		w->want = MP_WANT_RUN;
		memset(&w->restart, 0, sizeof(w->restart));
		enter(w, MP_W_PENDING, exit->what, false);
		ops->spawn(w);
		return;
	case MP_WANT_STOP:
		mp_info("worker %u stopped (%s)", w->id, exit->what);
		enter(w, MP_W_STOPPED, exit->what, false);
		return;
	case MP_WANT_REMOVE:
		mp_info("worker %u stopped (%s)", w->id, exit->what);
		forget(w, exit->what);
		return;
	}
	action = mp_restart_decide(rc, &w->restart, now, false, exit->clean,
				   ran, &delay);
	switch (action) {
	case MP_RESTART_ACTION_RESTART:
		enter(w, MP_W_BACKOFF, exit->what, true);
		mp_warn("worker %u exited (%s)%s; restarting in %u ms (restart %u)",
			w->id, exit->what, reason, delay, w->slot->restarts);
		ops->timer_start(w, delay);
		break;
	case MP_RESTART_ACTION_FATAL:
		enter(w, MP_W_FATAL, exit->what, false);
		mp_err("worker %u exited (%s)%s; more than %u restarts within %u s: "
		       "state fatal, not restarting until the next reload",
		       w->id, exit->what, reason, rc->max_restarts, rc->window_s);
		break;
	case MP_RESTART_ACTION_STOP:
		enter(w, MP_W_STOPPED, exit->what, false);
		mp_warn("worker %u exited (%s)%s; restart policy %s: left stopped",
			w->id, exit->what, reason, mp_config_policy_name(rc->policy));
		break;
	}
}

int
mp_fsm_apply(struct mp_worker *w, enum mp_worker_event ev,
	     const struct mp_worker_exit *exit)
{
	struct rule r;
	enum mp_worker_state to;

	if ((unsigned int)w->state >= MP_W_STATE_MAX || (unsigned int)ev >= MP_EV_MAX)
		return -EINVAL;
	r = table[w->state][ev];
	if (r.action == A_IGNORE)
		return -EINVAL;
	to = r.to == MP_W_STATE_MAX ? w->state : r.to;
	switch (r.action) {
	case A_IGNORE:		/* refused above */
		break;
	case A_NONE:
		enter(w, to, NULL, false);
		break;
	case A_START:
		ops->timer_stop(w);
		w->want = MP_WANT_RUN;
		memset(&w->restart, 0, sizeof(w->restart));
		enter(w, to, NULL, false);
		ops->spawn(w);
		break;
	case A_SPAWN:
		enter(w, to, NULL, false);
		ops->spawn(w);
		break;
	case A_SPAWNED:
		w->kill_reason = NULL;
		w->running_ms = 0;
		enter(w, to, NULL, false);
		break;
	case A_ATTACHED:
		w->running_ms = ops->now_ms();
		mp_info("worker %u running: pid %d, %" PRIu64 " ms after spawn",
			w->id, w->pid, w->running_ms - w->spawned_ms);
		enter(w, to, NULL, false);
		break;
	case A_DRAIN:
		w->want = want_of(ev);
		enter(w, to, NULL, false);
		ops->signal(w, SIGTERM);
		ops->timer_start(w, cfg->workers.stop_timeout_ms);
		break;
	case A_SELF_DRAIN:
		enter(w, to, NULL, false);
		ops->timer_start(w, cfg->workers.stop_timeout_ms);
		break;
	case A_WANT:
		w->want = want_of(ev);
		break;
	case A_KILL:
		if (ev == MP_EV_KILL)
			w->want = MP_WANT_STOP;
		w->kill_reason = kill_reason(ev);
		if (ev == MP_EV_TIMER)
			mp_warn("worker %u (pid %d) did not stop within %u ms: SIGKILL",
				w->id, w->pid, cfg->workers.stop_timeout_ms);
		else if (ev == MP_EV_KILL)
			mp_warn("worker %u (pid %d): SIGKILL (%s)", w->id, w->pid,
				w->kill_reason);
		ops->timer_stop(w);
		enter(w, to, NULL, false);
		ops->signal(w, SIGKILL);
		break;
	case A_CANCEL:
		ops->timer_stop(w);
		w->want = MP_WANT_STOP;
		enter(w, to, NULL, false);
		break;
	case A_FORGET:
		ops->timer_stop(w);
		forget(w, NULL);
		break;
	case A_DECIDE:
		decide(w, exit);
		break;
	}
	return 0;
}
