/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MP_SUPERVISOR_H
#define MP_SUPERVISOR_H

/*
 * The supervisor's internals, one section per file.  The files form
 * layers, and calls only go down (../shared/design/supervisor.md):
 *
 *   supervisor.c                 the loop, the signals, the wiring
 *   rollout.c shutdown.c health.c reap.c
 *                                event sources: each turns what it saw
 *                                into an event for one worker
 *   worker_fsm.c                 states x events: the only writer of a
 *                                worker's state
 *   spawn.c crash_repair.c lock_repair.c
 *                                actions
 *   worker_table.c worker_output.c restart.c reload.c stats.c
 *   metrics.c metrics_text.c
 *
 * News travels up through one observer hook that supervisor.c installs
 * (mp_fsm_ops.changed), so an event source can wait for "worker 3 is
 * running" without the state machine knowing it.  Everything here runs on
 * the loop thread, except what worker_table.c says.
 */

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#include <uv.h>

#include "master.h"
#include "restart.h"
#include "worker_fsm.h"

/* The supervisor's record of one worker id. */
struct mp_worker {
	struct mp_sup *sup;
	unsigned int id;
	bool configured;		/* in the running config */
	struct mp_worker_conf conf;	/* what its next process runs with */
	struct mp_worker_slot *slot;	/* its shared-memory mirror */

	/* Owned by worker_fsm.c. */
	enum mp_worker_state state;
	enum mp_worker_want want;
	struct mp_restart_state restart;
	const char *kill_reason;	/* why the master killed it, for the log */
	uv_timer_t timer;		/* backoff, or stop timeout */

	/* The live process: spawn.c sets it, reap.c clears it. */
	uv_process_t *proc;
	int pid;
	unsigned int proc_lcore;	/* the lcore it runs on */
	uint64_t spawned_ms;
	uint64_t running_ms;		/* when it attached; 0 before */
	bool attach_seen;		/* health.c: its report seen one tick ago */

	/* spawn.c: the reclaim generation its ring waits for, 0 if none. */
	uint32_t ring_gen;

	uint64_t prev_rx, prev_tx, prev_drops;	/* stats.c */
	double rx_pps, tx_pps;		/* stats.c: over the last interval */
};

struct mp_sup {
	uv_loop_t loop;
	struct mp_config *cfg;
	struct mp_objects *o;
	struct mp_worker w[MP_MAX_WORKERS];
	bool stopping;			/* shutdown.c */
	bool ready_sent;		/* systemd told READY=1 (supervisor.c) */

	uv_signal_t sig_term, sig_int, sig_hup, sig_usr1;
	uv_timer_t tick;		/* health.c */
	uv_timer_t spawn_poll;		/* spawn.c: waits for ring hand-overs */
	uv_timer_t watchdog;		/* supervisor.c: systemd pings */
	uv_timer_t stats;		/* stats.c */

	/* rollout.c */
	bool reloading;			/* a rollout runs: a reload or a restart */
	bool roll_restart_only;		/* mpctl restart: no new config */
	bool reload_pending;		/* a SIGHUP arrived during a reload */
	int rolling;			/* worker being restarted, or -1 */
	uint64_t roll_queue;		/* workers still to restart */

	/* lock_repair.c */
	bool repair_pending;		/* a repair waits or runs: no spawns */
	bool repair_running;
	bool repair_again;		/* another request came while it ran */
	char repair_when[64];		/* "after worker 1 died before running" */
	uv_work_t repair_work;
	uv_timer_t repair_retry;
	struct mp_eallock_check repair_check;
	int repair_blocker_logged;	/* pid last logged as blocking, or 0 */

	/* stats.c */
	uint64_t stats_ms;
	uint64_t prev_dist_dropped;
	uint64_t prev_port_rx[MP_MAX_PORTS];
	uint64_t prev_port_tx[MP_MAX_PORTS];
	bool tty;			/* stderr is a terminal: live table */
};

uint64_t mp_now_ms(void);

/* True if any worker has a live process. */
bool mp_sup_any_alive(const struct mp_sup *s);

/* worker_table.c: the shared-memory mirror and its lock */

/*
 * All of these run on the loop thread, the only writer of the slots; they
 * take the table lock (mp_sup_lock()) around what a reader must see
 * whole.
 */

/*
 * Recompute the distributor's set of workers to feed from the states:
 * exactly the RUNNING ones.  Called by mp_wtable_set_state().
 */
void mp_wtable_publish_active(const struct mp_sup *s);

/*
 * worker_fsm.c, the only caller: mirror w's new state into its slot, and
 * the end of its process if last_exit is not NULL (pid 0, last_exit
 * copied); count a restart if restarted.  Then republish the active set.
 */
void mp_wtable_set_state(struct mp_worker *w, enum mp_worker_state state,
			 const char *last_exit, bool restarted);

/*
 * spawn.c: record w's next process (pid, or 0 just before uv_spawn()) and
 * the file name of its program.
 */
void mp_wtable_set_process(struct mp_worker *w, int pid, const char *program);

/* rollout.c, supervisor.c: w joins the config (restarts, last_exit reset). */
void mp_wtable_set_configured(struct mp_worker *w, bool configured);

/*
 * Set (on) or clear worker id's bit in the reclaim word (shm.h) and bump
 * its generation.  Returns the new generation, never 0.
 */
uint32_t mp_wtable_reclaim(const struct mp_sup *s, unsigned int id, bool on);

/*
 * Has the distributor ended a pass with a reclaim word of generation gen
 * or later?  Then a ring whose bit that generation cleared is no longer
 * touched by it.
 */
bool mp_wtable_reclaim_acked(const struct mp_sup *s, uint32_t gen);

/* worker_output.c */

/*
 * Prepare the stdout and stderr pipes of a child about to be spawned (a
 * worker, a hook) into stdio[1] and stdio[2] (falling back to the
 * master's own on failure); out[0..1] receive the pipes' state (NULL where
 * it fell back).  Its lines are logged as "NAME[PID]: line" (name at most
 * 15 bytes: "w3", "hook"), at the level of a "<N>" tag if the line has one.
 * After uv_spawn(), call mp_output_started() with its result: each pipe is
 * read until the child closes it, then frees itself; if the spawn failed,
 * it is closed and freed at once.
 */
struct mp_output;
void mp_output_prepare(struct mp_sup *s, const char *name, uv_stdio_container_t *stdio,
		       struct mp_output **out);
void mp_output_started(struct mp_output **out, int pid, int spawn_rc);

/*
 * Between the two: the pipes do not keep the loop alive.  For a child
 * whose descendants may hold them open after it exited (a hook's
 * background job), so that they can never keep the master from ending.
 */
void mp_output_detach(struct mp_output **out);

/* spawn.c */

/*
 * Start every PENDING worker whose way is clear: no shutdown, no EAL lock
 * repair under way, no other worker starting (starts are serialised, so
 * that a worker dying in its EAL start-up never leaves a live starting
 * sibling that might hold EAL's locks), its lcore free of any live
 * process, its ring no longer touched by the distributor.  Reports
 * MP_EV_SPAWNED or MP_EV_SPAWN_FAILED.  Call whenever one of these may
 * have changed.
 */
void mp_spawn_pending(struct mp_sup *s);

/* Run mp_spawn_pending() from the next loop iteration. */
void mp_spawn_schedule(struct mp_sup *s);

/*
 * The worker other than w whose live process runs on lcore (the lcore of
 * the process, not of its conf), or NULL.
 */
struct mp_worker *mp_spawn_lcore_holder(const struct mp_sup *s,
					const struct mp_worker *w,
					unsigned int lcore);

/*
 * The program of worker instance conf into out (PATH_MAX): the instance's,
 * else workers.program, else the mpworker beside this executable.
 * Returns 0, or -errno if this executable's path cannot be read.
 */
int mp_spawn_program_path(const struct mp_config *cfg,
			  const struct mp_worker_conf *conf, char *out);

/* The same, and is it executable?  0, or -ENOENT (logged). */
int mp_spawn_resolve_program(const struct mp_config *cfg,
			     const struct mp_worker_conf *conf, char *out);

/* check.c */

/* What mp_check_config() checks (flags). */
#define MP_CHECK_PROGRAMS 0x1	/* worker programs and the hook can run */
#define MP_CHECK_PATHS 0x2	/* pid_file, log_file, control.socket: directories exist */
#define MP_CHECK_ARGS 0x4	/* worker programs accept their args (--check-args) */
#define MP_CHECK_RUNNING 0x8	/* no other master holds pid_file or eal.file_prefix */

/* Receives one failure, a line "FILE:LINE:COL: message" without newline. */
typedef void mp_check_report_fn(void *arg, const char *line);

/*
 * Check what of cfg can be checked short of EAL (a start: programs and
 * paths; mpmaster -t: all four); argument checks run only once every
 * program can.  Calls report for each failure; returns their number.
 */
unsigned int mp_check_config(const struct mp_config *cfg, unsigned int what,
			     mp_check_report_fn *report, void *arg);

/*
 * mp_check_config(MP_CHECK_PROGRAMS), for a reload: 0, or -ENOENT with
 * each failure logged and the first said in err unless err is NULL.
 */
int mp_spawn_check_programs(const struct mp_config *cfg, char *err, size_t errlen);

/*
 * The environment of a child: the n entries of extra ("NAME=value") and
 * every entry of the master's own environment that none of them
 * overrides, in a NULL-terminated array that points into both (free() the
 * array only).  NULL if out of memory.
 */
char **mp_spawn_env(const char *const *extra, unsigned int n);

/*
 * Close and free a process handle of spawn()'s: one whose exit callback
 * ran, or that failed to spawn (libuv: never before the exit callback).
 */
void mp_spawn_close(uv_process_t *proc);

void mp_spawn_init(struct mp_sup *s);

/* crash_repair.c */

/*
 * After w's process was reaped, before anything else uses what it shared
 * and before a new process of w's id is spawned: repair its ring's
 * consumer side, settle the burst it held (free what was still its own,
 * count what was lost in shm.leaked_by_crashes and the worker's drops),
 * empty and turn off its lcore's mempool cache, publish its lane, and
 * hand its ring to the distributor (the reclaim word).  Logs what the
 * dead worker held.
 */
void mp_crash_repair(struct mp_sup *s, struct mp_worker *w);

/* lock_repair.c */

/*
 * A worker died in its start-up and may have left EAL's memzone, tailq or
 * mempool lock held: hold every spawn until the locks are checked, off the
 * loop thread, and a dead holder's hold is released (eal_locks.c).  The
 * check waits while any live process other than the master and its running
 * workers maps EAL's shared configuration (it could be a live holder).
 */
void mp_lock_repair_request(struct mp_sup *s, const struct mp_worker *w);

void mp_lock_repair_init(struct mp_sup *s);

/* health.c */

/*
 * Every tick: attachment and self-draining as workers report them,
 * attach timeouts, stalled heartbeats.  Ticks every 10 ms, every 1 ms
 * while a worker is starting (so that it is fed as soon as it attached).
 */
void mp_health_init(struct mp_sup *s);
void mp_health_kick(struct mp_sup *s);

/* reap.c */

/*
 * The exit callback of every worker process (uv_process_options_t.exit_cb):
 * repairs, closes the handle, and hands MP_EV_EXITED to the state machine.
 */
void mp_reap_exit_cb(uv_process_t *proc, int64_t exit_status, int term_signal);

/* What an exit looked like: "exit 1", "signal 9 (SIGKILL)". */
void mp_reap_describe(char *buf, size_t len, int64_t exit_status, int term_signal);

/* rollout.c */

/* SIGHUP: mp_rollout_reload(), or queued after the rollout that runs. */
void mp_rollout_begin(struct mp_sup *s);

/*
 * Check the file again, plan the difference and begin to roll it out.
 * Returns 0 once begun (s->reloading is false again when it is over), or
 * -EBUSY while a rollout runs or the master stops, or -EINVAL (the file
 * is invalid) with the reason in err (FILE:LINE:COL: ...) if err is not
 * NULL; the running config is left untouched then.
 */
int mp_rollout_reload(struct mp_sup *s, char *err, size_t errlen);

/*
 * Drain and replace the workers of ids one at a time, as a reload does
 * with the changed ones.  Returns 0 once begun, or -EBUSY while a
 * rollout runs or the master stops.
 */
int mp_rollout_restart(struct mp_sup *s, uint64_t ids);

/* The observer's news for the rollout. */
void mp_rollout_changed(struct mp_sup *s, struct mp_worker *w,
			enum mp_worker_state from);

/* control.c */

/*
 * Serve control.socket (mode 0600, or 0660 with control.group).  Returns
 * 0, or a negative errno after logging why (the path is another
 * process's socket, not a socket, or cannot be bound).
 */
int mp_control_start(struct mp_sup *s);

/* The observer's news for requests waiting on a worker or a rollout. */
void mp_control_changed(struct mp_sup *s, struct mp_worker *w,
			enum mp_worker_state from);

/* Answer what still waits, close every client and remove the socket. */
void mp_control_close(struct mp_sup *s);

/* shutdown.c */

/* SIGTERM/SIGINT: stop the distributor and every worker; a second one kills. */
void mp_shutdown_begin(struct mp_sup *s, int signum);

/* The observer's news for a shutdown: ends the loop once all have stopped. */
void mp_shutdown_changed(struct mp_sup *s);

/* hooks.c: hooks.on_state_change */

/*
 * The program of hooks.on_state_change runs once per change of a worker's
 * state name (mp_worker_state_name(): PENDING and STARTING are both
 * "starting", so that change runs none), with MP_WORKER_ID, MP_OLD_STATE,
 * MP_NEW_STATE, MP_PID (0 if none), MP_LAST_EXIT and MP_FILE_PREFIX added
 * to the master's environment, in its own process group and off the
 * distributor's CPU, its stdout and stderr logged as "hook[PID]: ".  It never blocks the loop: at most
 * MP_HOOKS_MAX_RUNNING run at once, further events wait in a queue of
 * MP_HOOKS_QUEUE_LEN, in order; when it is full an event is dropped and
 * counted, and each such episode logs one warning with the count.  A hook
 * still running after MP_HOOKS_TIMEOUT_MS is killed (SIGKILL to its
 * process group).  The program is read from the running config when a
 * hook starts, so a reload applies to the events still queued too.
 */
#define MP_HOOKS_MAX_RUNNING 4
#define MP_HOOKS_QUEUE_LEN 256
#define MP_HOOKS_TIMEOUT_MS 10000

/* The observer's news for the hooks: w went from state from to w->state. */
void mp_hooks_changed(struct mp_sup *s, const struct mp_worker *w,
		      enum mp_worker_state from);


/*
 * Shutdown: true if no hook runs or waits.  Else the hooks running and
 * queued get MP_HOOKS_TIMEOUT_MS more in all (then the running ones are
 * killed and the queued ones dropped), and done(s) is called once none
 * is left; false.
 */
bool mp_hooks_drain(struct mp_sup *s, void (*done)(struct mp_sup *s));

/* Close the hooks' handles: once mp_hooks_drain() returned true. */
void mp_hooks_close(struct mp_sup *s);

/* How many events were dropped because the queue was full, or at shutdown. */
unsigned long mp_hooks_dropped(void);

/* stats.c */

/* (Re)arm the periodic stats view for cfg->stats.interval_s. */
void mp_stats_arm(struct mp_sup *s);

/* metrics.c: GET /metrics, served from the loop */

/*
 * With metrics.listen set: listen there and serve /metrics from s's loop
 * until mp_metrics_stop().  Returns 0 (also when it is off) or a negative
 * errno, after one line naming metrics.listen and the cause.
 */
int mp_metrics_start(struct mp_sup *s);

/* Close the handles mp_metrics_start() put on the loop, then the server. */
void mp_metrics_stop(struct mp_sup *s);

/* metrics_text.c */

struct mp_metrics_buf {
	char *p;		/* NUL-terminated text, malloc()ed */
	size_t len;
	size_t cap;
	int err;		/* the first failure while rendering */
};

/*
 * Render every family of /metrics into b (zeroed first; the caller frees
 * b->p).  Loop thread only.  Returns 0, or -ENOMEM or -E2BIG (b->p NULL).
 */
int mp_metrics_render(const struct mp_sup *s, struct mp_metrics_buf *b);

#endif /* MP_SUPERVISOR_H */
