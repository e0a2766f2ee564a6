/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * State-change hooks, an action: hooks.on_state_change runs once per
 * change of a worker's state name (supervisor.h says what it gets).  The
 * observer queues the event and returns; hooks are uv_spawn()ed children
 * reaped through their exit callbacks like the workers, at most
 * MP_HOOKS_MAX_RUNNING at once, so a slow or hanging hook program can
 * delay other hooks, never the loop.  Everything an outsider controls is
 * bounded: the queue (MP_HOOKS_QUEUE_LEN, then events are dropped and
 * counted), a hook's run time (MP_HOOKS_TIMEOUT_MS, then SIGKILL), its
 * output lines (worker_output.c), and the wait for hooks at shutdown
 * (MP_HOOKS_TIMEOUT_MS in all).
 *
 * A hook runs in its own process group (UV_PROCESS_DETACHED), so that the
 * kill on timeout reaches what a hook script started too (a `sleep`), and
 * its output pipes do not keep the loop alive (mp_output_detach()), so
 * that a background job a hook left holding them cannot keep the master
 * from ending.  The process handle of a hook is closed only in its exit
 * callback (or at once if it never spawned), as libuv requires; a slot is
 * free again once that close completed.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "supervisor.h"

/* One event as it was when it happened. */
struct hook_event {
	unsigned int id;
	int pid;
	enum mp_worker_state from, to;
	char last_exit[48];
};

/* A running hook: busy from its spawn until its handle's close completed. */
struct hook {
	uv_process_t proc;
	uv_timer_t timer;		/* MP_HOOKS_TIMEOUT_MS */
	bool busy;
	bool exited;			/* its exit callback ran */
	struct hook_event ev;
	char program[PATH_MAX];
};

static struct {
	struct mp_sup *s;
	bool init;			/* the timers below are initialised */
	bool closed;			/* mp_hooks_close() ran */
	struct hook run[MP_HOOKS_MAX_RUNNING];
	unsigned int nb_busy;
	struct hook_event queue[MP_HOOKS_QUEUE_LEN];
	unsigned int head, len;		/* a ring: oldest at head */
	unsigned long dropped;		/* in all */
	unsigned long episode;		/* dropped since the queue last had room */

	/* Shutdown: mp_hooks_drain(). */
	uv_timer_t deadline;
	bool draining, expired;
	void (*done)(struct mp_sup *s);
} H;

unsigned long
mp_hooks_dropped(void)
{
	return H.dropped;
}

/* "worker 1 running->backoff", for the log. */
static void
describe(char *buf, size_t len, const struct hook_event *ev)
{
	snprintf(buf, len, "worker %u %s->%s", ev->id, mp_worker_state_name(ev->from),
		 mp_worker_state_name(ev->to));
}

/*
 * An overflow episode lasts until the queue is down to half full: one
 * warning for it, with its count, rather than one per event, and not one
 * per event either while a busy queue hovers at the brim.
 */
static void
end_episode(bool now)
{
	if (H.episode == 0 || (!now && H.len > MP_HOOKS_QUEUE_LEN / 2))
		return;
	mp_warn("hooks: queue full (%u events): %lu event(s) dropped (%lu in all)",
		MP_HOOKS_QUEUE_LEN, H.episode, H.dropped);
	H.episode = 0;
}

/* At shutdown, once nothing runs or waits: tell the one who waits. */
static void
check_idle(void)
{
	void (*done)(struct mp_sup *s) = H.done;

	if (!H.draining || H.nb_busy != 0 || H.len != 0 || done == NULL)
		return;
	H.done = NULL;
	uv_timer_stop(&H.deadline);
	done(H.s);
}

static void start_next(void);

static void
on_proc_closed(uv_handle_t *handle)
{
	struct hook *h = handle->data;

	h->busy = false;
	H.nb_busy--;
	start_next();
	check_idle();
}

static void
on_hook_exit(uv_process_t *proc, int64_t exit_status, int term_signal)
{
	struct hook *h = proc->data;
	char what[64], status[48];

	h->exited = true;
	uv_timer_stop(&h->timer);
	if (exit_status != 0 || term_signal != 0) {
		describe(what, sizeof(what), &h->ev);
		mp_reap_describe(status, sizeof(status), exit_status, term_signal);
		mp_warn("hook \"%s\" (pid %d) for %s failed: %s", h->program,
			proc->pid, what, status);
	}
	uv_close((uv_handle_t *)proc, on_proc_closed);
}

/* SIGKILL h's process group, or h alone if that fails. */
static void
kill_hook(struct hook *h)
{
	int rc;

	if (kill(-h->proc.pid, SIGKILL) == 0)
		return;
	rc = uv_process_kill(&h->proc, SIGKILL);
	if (rc < 0 && rc != UV_ESRCH)
		mp_err("uv_process_kill() failed for hook \"%s\" (pid %d): %s",
		       h->program, h->proc.pid, uv_strerror(rc));
}

static void
on_timeout(uv_timer_t *timer)
{
	struct hook *h = timer->data;
	char what[64];

	describe(what, sizeof(what), &h->ev);
	mp_warn("hook \"%s\" (pid %d) for %s still running after %u ms: SIGKILL",
		h->program, h->proc.pid, what, MP_HOOKS_TIMEOUT_MS);
	kill_hook(h);
}

/*
 * A child starts with the affinity of the thread that forks it, the main
 * lcore's, whose CPU is by default the distributor's too.  A hook is
 * control-plane work and must not take cycles from the busy-polling
 * distributor, and on this project's VM a process exiting on that CPU can
 * stall the kernel for seconds (README, dpdk-dumpcap).  So the main
 * thread forks hooks from the other CPUs: widen its affinity for the
 * uv_spawn() and restore it.  Returns whether saved must be restored.
 */
static bool
affinity_off_distributor(cpu_set_t *saved)
{
	long cpu, n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	if (pthread_getaffinity_np(pthread_self(), sizeof(*saved), saved) != 0)
		return false;
	CPU_ZERO(&set);
	for (cpu = 0; cpu < n && cpu < CPU_SETSIZE; cpu++)
		if (cpu != (long)H.s->cfg->distributor.cpu)
			CPU_SET(cpu, &set);
	return CPU_COUNT(&set) != 0 &&
	       pthread_setaffinity_np(pthread_self(), sizeof(set), &set) == 0;
}

static void
spawn(struct hook *h, const char *program)
{
	cpu_set_t saved;
	bool moved;
	char id[32], from[32], to[32], pid[32], last[80], prefix[64], what[64];
	const char *const extra[] = { id, from, to, pid, last, prefix };
	uv_stdio_container_t stdio[3];
	uv_process_options_t opt;
	struct mp_output *out[2];
	char *argv[2];
	int rc;

	describe(what, sizeof(what), &h->ev);
	snprintf(h->program, sizeof(h->program), "%s", program);
	snprintf(id, sizeof(id), "MP_WORKER_ID=%u", h->ev.id);
	snprintf(from, sizeof(from), "MP_OLD_STATE=%s", mp_worker_state_name(h->ev.from));
	snprintf(to, sizeof(to), "MP_NEW_STATE=%s", mp_worker_state_name(h->ev.to));
	snprintf(pid, sizeof(pid), "MP_PID=%d", h->ev.pid);
	snprintf(last, sizeof(last), "MP_LAST_EXIT=%s", h->ev.last_exit);
	snprintf(prefix, sizeof(prefix), "MP_FILE_PREFIX=%s", H.s->cfg->eal.file_prefix);

	memset(&opt, 0, sizeof(opt));
	memset(stdio, 0, sizeof(stdio));
	opt.env = mp_spawn_env(extra, sizeof(extra) / sizeof(extra[0]));
	if (opt.env == NULL) {
		mp_err("out of memory while starting hook \"%s\" for %s", program, what);
		return;
	}
	argv[0] = h->program;
	argv[1] = NULL;
	stdio[0].flags = UV_IGNORE;
	mp_output_prepare(H.s, "hook", stdio, out);
	mp_output_detach(out);
	opt.file = h->program;
	opt.args = argv;
	opt.stdio = stdio;
	opt.stdio_count = 3;
	opt.exit_cb = on_hook_exit;
	opt.flags = UV_PROCESS_DETACHED;	/* its own process group */
	h->proc.data = h;
	h->busy = true;
	h->exited = false;
	H.nb_busy++;
	moved = affinity_off_distributor(&saved);
	rc = uv_spawn(&H.s->loop, &h->proc, &opt);
	if (moved)
		pthread_setaffinity_np(pthread_self(), sizeof(saved), &saved);
	free(opt.env);
	mp_output_started(out, h->proc.pid, rc);
	if (rc < 0) {
		mp_err("uv_spawn() failed for hook \"%s\" (%s): %s", program, what,
		       uv_strerror(rc));
		/* Initialised but never active: closing it now is allowed. */
		h->exited = true;
		uv_close((uv_handle_t *)&h->proc, on_proc_closed);
		return;
	}
	mp_debug("hook \"%s\" (pid %d) for %s", program, h->proc.pid, what);
	uv_timer_start(&h->timer, on_timeout, MP_HOOKS_TIMEOUT_MS, 0);
}

/* Start queued events, oldest first, while slots are free. */
static void
start_next(void)
{
	const char *program;
	unsigned int i;
	struct hook *h;

	while (H.len != 0 && H.nb_busy < MP_HOOKS_MAX_RUNNING && !H.closed) {
		program = H.s->cfg->hooks.on_state_change;
		if (program == NULL) {
			/* A reload turned the hook off: what waits is moot. */
			mp_info("hooks: hooks.on_state_change is off: %u queued event(s) "
				"not run", H.len);
			H.len = 0;
			end_episode(true);
			break;
		}
		for (i = 0; H.run[i].busy; i++)
			;
		h = &H.run[i];
		h->ev = H.queue[H.head];
		H.head = (H.head + 1) % MP_HOOKS_QUEUE_LEN;
		H.len--;
		end_episode(false);
		spawn(h, program);
	}
}

static void
init_once(struct mp_sup *s)
{
	unsigned int i;

	if (H.init)
		return;
	H.s = s;
	for (i = 0; i < MP_HOOKS_MAX_RUNNING; i++) {
		uv_timer_init(&s->loop, &H.run[i].timer);
		H.run[i].timer.data = &H.run[i];
	}
	uv_timer_init(&s->loop, &H.deadline);
	H.init = true;
}

void
mp_hooks_changed(struct mp_sup *s, const struct mp_worker *w,
		 enum mp_worker_state from)
{
	struct hook_event *ev;

	if (s->cfg->hooks.on_state_change == NULL || H.closed ||
	    strcmp(mp_worker_state_name(from), mp_worker_state_name(w->state)) == 0)
		return;
	init_once(s);
	if (H.len == MP_HOOKS_QUEUE_LEN || H.expired) {
		H.dropped++;
		H.episode++;
		return;
	}
	ev = &H.queue[(H.head + H.len) % MP_HOOKS_QUEUE_LEN];
	ev->id = w->id;
	ev->pid = w->pid;
	ev->from = from;
	ev->to = w->state;
	snprintf(ev->last_exit, sizeof(ev->last_exit), "%s", w->slot->last_exit);
	H.len++;
	start_next();
}

/* Shutdown took long enough: kill what runs, drop what waits. */
static void
on_deadline(uv_timer_t *timer)
{
	unsigned int i;

	H.expired = true;
	if (H.len != 0) {
		mp_warn("hooks: %u queued event(s) dropped at shutdown", H.len);
		H.dropped += H.len;
		H.len = 0;
	}
	for (i = 0; i < MP_HOOKS_MAX_RUNNING; i++) {
		if (!H.run[i].busy || H.run[i].exited)
			continue;
		mp_warn("hook \"%s\" (pid %d) still running at shutdown: SIGKILL",
			H.run[i].program, H.run[i].proc.pid);
		kill_hook(&H.run[i]);
	}
	check_idle();
}

bool
mp_hooks_drain(struct mp_sup *s, void (*done)(struct mp_sup *s))
{
	if (!H.init || (H.nb_busy == 0 && H.len == 0))
		return true;
	H.done = done;
	if (!H.draining) {
		H.draining = true;
		mp_info("waiting for hooks: %u running, %u queued (at most %u ms)",
			H.nb_busy, H.len, MP_HOOKS_TIMEOUT_MS);
		uv_timer_start(&H.deadline, on_deadline, MP_HOOKS_TIMEOUT_MS, 0);
	}
	return false;
}

void
mp_hooks_close(struct mp_sup *s)
{
	unsigned int i;

	if (!H.init || H.closed)
		return;
	H.closed = true;
	end_episode(true);
	for (i = 0; i < MP_HOOKS_MAX_RUNNING; i++)
		uv_close((uv_handle_t *)&H.run[i].timer, NULL);
	uv_close((uv_handle_t *)&H.deadline, NULL);
}
