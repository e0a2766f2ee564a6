/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MP_WORKER_FSM_H
#define MP_WORKER_FSM_H

/*
 * The life cycle of a worker as data: a table of states x events and one
 * function, mp_fsm_apply(), that applies an event to a worker.  It is the
 * only writer of a worker's state (struct mp_worker.state and its mirror
 * in shared memory, struct mp_worker_slot.state), as nginx's
 * ngx_reap_children() is the one place that decides a child's fate.  It
 * decides; it does not know who asked: the event sources (health, reap,
 * rollout, shutdown) call it, and it acts through struct mp_fsm_ops, so
 * that unit tests can drive it with fake actions and no DPDK.
 *
 * Besides its state a worker has a want, what should follow the exit of
 * its process: run again per the restart policy (a crash), run again at
 * once with its new settings (a reload changed it), stay stopped, or be
 * forgotten (a reload removed it).  Stop, restart and remove requests set
 * the want; only the exit reads it.
 *
 *            START                   SPAWNED         ATTACHED
 *   STOPPED -------> PENDING ---------------> STARTING -------> RUNNING
 *   FATAL   -------/    ^   \ SPAWN_FAILED     |  STOP, RESTART,  |
 *                       |    v                 |  REMOVE (SIGTERM)|
 *                 TIMER |  BACKOFF, FATAL,     v                  v
 *                       +- STOPPED <------- DRAINING <------------+
 *                          (EXITED: by want)   | TIMER, KILL
 *                                              v (SIGKILL)
 *                                           STOPPING
 *
 * (HEARTBEAT_STALLED on RUNNING and ATTACH_TIMEOUT on STARTING SIGKILL
 * into STOPPING too; EXITED in any state with a process decides by the
 * want.)
 */

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "shm.h"

struct mp_worker;

enum mp_worker_want {
	MP_WANT_RUN = 0,	/* keep it running; after a crash, per the policy */
	MP_WANT_RESTART,	/* start it again at once after its exit */
	MP_WANT_STOP,		/* leave it stopped after its exit */
	MP_WANT_REMOVE,		/* forget it after its exit */
};

enum mp_worker_event {
	MP_EV_START = 0,	/* start it: at start-up, added by a reload, retry a fatal one */
	MP_EV_SPAWNED,		/* its process was spawned */
	MP_EV_SPAWN_FAILED,	/* spawning it failed (exit.what says why) */
	MP_EV_ATTACHED,		/* its process attached to the shared objects */
	MP_EV_DRAINING,		/* its process drains on its own (a SIGTERM not ours) */
	MP_EV_HEARTBEAT_STALLED,	/* it stopped advancing its heartbeat */
	MP_EV_ATTACH_TIMEOUT,	/* it did not attach in time */
	MP_EV_STOP,		/* drain it and leave it stopped */
	MP_EV_KILL,		/* stop it now, wherever it is (SIGKILL) */
	MP_EV_RESTART,		/* drain it and start it again with its conf */
	MP_EV_REMOVE,		/* drain it and forget it */
	MP_EV_TIMER,		/* its timer expired: the backoff, or the stop timeout */
	MP_EV_EXITED,		/* its process exited (and was repaired) */
	MP_EV_MAX,
};

/* How a process ended, for MP_EV_EXITED and MP_EV_SPAWN_FAILED. */
struct mp_worker_exit {
	bool clean;		/* exit status 0 */
	char what[48];		/* "exit 1", "signal 9 (SIGKILL)", "spawn failed: ..." */
};

/* The actions the state machine takes; supervisor.c installs the real ones. */
struct mp_fsm_ops {
	/* w entered PENDING: spawn it once nothing stands in the way. */
	void (*spawn)(struct mp_worker *w);
	/* Send signum to w's live process. */
	void (*signal)(struct mp_worker *w, int signum);
	/* Arm w's one timer for ms (MP_EV_TIMER when it expires), or stop it. */
	void (*timer_start)(struct mp_worker *w, unsigned int ms);
	void (*timer_stop)(struct mp_worker *w);
	/* The observer: w went from state from to w->state. */
	void (*changed)(struct mp_worker *w, enum mp_worker_state from);
	/* A monotonic clock in ms. */
	uint64_t (*now_ms)(void);
};

/*
 * Install the actions and the config whose restart policy and timeouts
 * apply (read at every event, so a reload's new values apply at once).
 * ops and cfg must outlive every call of mp_fsm_apply().
 */
void mp_fsm_init(const struct mp_fsm_ops *ops, const struct mp_config *cfg);

/*
 * Apply event ev to w: change its state as the table says, take the
 * actions that go with it, log what an operator must know (exits and what
 * follows them, kills and why, attachment), and tell the observer.  exit
 * describes the process's end for MP_EV_EXITED and MP_EV_SPAWN_FAILED
 * (NULL otherwise).
 *
 * Returns 0, or -EINVAL if the event means nothing in w's state (it is
 * ignored; e.g. a heartbeat stall reported for a worker that is already
 * being stopped).
 */
int mp_fsm_apply(struct mp_worker *w, enum mp_worker_event ev,
		 const struct mp_worker_exit *exit);

/* "start", "spawned", ... for messages and tests. */
const char *mp_fsm_event_name(enum mp_worker_event ev);

#endif /* MP_WORKER_FSM_H */
