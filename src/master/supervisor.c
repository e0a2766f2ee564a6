/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The supervisor: mpmaster's main thread, a libuv loop.  It owns the worker
 * table, spawns the workers, learns of their exits from libuv (which reaps
 * them; we never wait for children ourselves), decides what each exit means
 * through mp_restart_decide(), watches heartbeats, and stops everything on
 * SIGTERM/SIGINT.  Signal handlers are libuv's: they only record, and the
 * callbacks below run on the loop.
 *
 * The table's state is mirrored into shared memory (struct mp_worker_slot)
 * for the workers and for telemetry.  Multi-field updates of a slot are
 * made under slot_lock so that the telemetry thread never reads half of one.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <uv.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "log.h"
#include "master.h"
#include "pool.h"
#include "reload.h"
#include "restart.h"

#define MP_TICK_MS 10			/* state and heartbeat polling */
#define MP_ATTACH_TIMEOUT_MS 30000	/* spawned but never attached */

struct sup_worker {
	bool configured;
	struct mp_worker_conf conf;
	struct mp_worker_slot *slot;
	uv_process_t *proc;		/* the live process, or NULL */
	uv_timer_t restart_timer;
	struct mp_restart_state restart;
	uint64_t spawned_ms;
	uint64_t running_ms;		/* when seen running; 0 = not yet */
	bool stop_requested;		/* the master asked it to stop */
	bool removing;			/* reload removed it: stop for good */
	bool respawn_after_stop;	/* reload changed it: start it again */
	bool lcore_wait;		/* its lcore is still held by another */
	const char *kill_reason;	/* why the master killed it */
	uint64_t prev_rx;		/* for the rates in the stats view */
	uint64_t prev_tx;
};

struct sup {
	uv_loop_t loop;
	struct mp_config *cfg;
	struct mp_objects *o;
	struct sup_worker w[MP_MAX_WORKERS];
	char program[PATH_MAX];

	uv_signal_t sig_term;
	uv_signal_t sig_int;
	uv_signal_t sig_hup;
	uv_signal_t sig_usr1;
	uv_timer_t tick;
	uv_timer_t watchdog;
	uv_timer_t stats;
	uv_timer_t stop_timer;

	bool stopping;
	bool ready_sent;		/* systemd told READY=1 */
	bool reloading;
	bool reload_pending;		/* a SIGHUP arrived during a reload */
	int rolling;			/* worker being restarted by a reload, or -1 */
	uint64_t roll_queue;		/* workers still to restart */
	uint64_t stats_ms;
	uint64_t prev_port_rx[MP_MAX_PORTS];
	uint64_t prev_port_tx[MP_MAX_PORTS];
	bool tty;			/* stderr is a terminal: live table */
};

static struct sup sup;
static pthread_mutex_t slot_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t
now_ms(void)
{
	return uv_hrtime() / 1000000;
}

static uint32_t
slot_state(const struct sup_worker *w)
{
	return __atomic_load_n(&w->slot->state, __ATOMIC_ACQUIRE);
}

/*
 * The distributor feeds exactly the workers whose slot says RUNNING.  The
 * mask is recomputed from the table rather than patched bit by bit, so it
 * cannot drift from the states.
 */
static void
publish_active(void)
{
	uint64_t mask = 0;
	unsigned int id;

	for (id = 0; id < MP_MAX_WORKERS; id++)
		if (sup.w[id].configured && sup.w[id].proc != NULL &&
		    slot_state(&sup.w[id]) == MP_W_RUNNING)
			mask |= UINT64_C(1) << id;
	__atomic_store_n(&sup.o->shm->active_mask, mask, __ATOMIC_RELEASE);
}

static void
set_state(struct sup_worker *w, enum mp_worker_state state)
{
	__atomic_store_n(&w->slot->state, state, __ATOMIC_RELEASE);
	publish_active();
}

static void
set_reclaim(unsigned int id, bool on)
{
	uint64_t bit = UINT64_C(1) << id;

	if (on)
		__atomic_fetch_or(&sup.o->shm->reclaim_mask, bit, __ATOMIC_RELEASE);
	else
		__atomic_fetch_and(&sup.o->shm->reclaim_mask, ~bit, __ATOMIC_RELEASE);
}

void
mp_sup_lock(void)
{
	pthread_mutex_lock(&slot_lock);
}

void
mp_sup_unlock(void)
{
	pthread_mutex_unlock(&slot_lock);
}

void
mp_sup_worker_snapshot(const struct mp_objects *o, unsigned int id,
		       struct mp_worker_slot *out)
{
	pthread_mutex_lock(&slot_lock);
	memcpy(out, &o->shm->workers[id], sizeof(*out));
	pthread_mutex_unlock(&slot_lock);
}

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

static void on_worker_exit(uv_process_t *proc, int64_t exit_status,
			   int term_signal);

/*
 * A worker's stdout or stderr, read by the master and written to its log
 * one whole line at a time, prefixed with the worker's id and pid, so that
 * worker output never interleaves mid-line with anything else.
 */
struct out_pipe {
	uv_pipe_t pipe;
	unsigned int id;
	int pid;
	size_t len;
	char buf[2048];
};

static void
out_pipe_emit(struct out_pipe *p, size_t n)
{
	mp_info("w%u[%d]: %.*s", p->id, p->pid, (int)n, p->buf);
}

static void
on_out_alloc(uv_handle_t *handle, size_t suggested, uv_buf_t *buf)
{
	struct out_pipe *p = handle->data;

	*buf = uv_buf_init(p->buf + p->len, (unsigned int)(sizeof(p->buf) - p->len));
}

static void
on_out_read(uv_stream_t *stream, ssize_t nread, const uv_buf_t *buf)
{
	struct out_pipe *p = stream->data;
	char *nl;
	size_t used;

	if (nread < 0) {
		if (p->len != 0)
			out_pipe_emit(p, p->len);
		uv_close((uv_handle_t *)stream, (uv_close_cb)free);
		return;
	}
	p->len += (size_t)nread;
	while ((nl = memchr(p->buf, '\n', p->len)) != NULL) {
		used = (size_t)(nl - p->buf) + 1;
		out_pipe_emit(p, used - 1);
		memmove(p->buf, p->buf + used, p->len - used);
		p->len -= used;
	}
	if (p->len == sizeof(p->buf)) {	/* an overlong line: cut it */
		out_pipe_emit(p, p->len);
		p->len = 0;
	}
}

static void
free_handle(uv_handle_t *handle)
{
	free(handle);
}

/* What an exit looked like, for the log and for /mp/workers last_exit. */
static void
describe_exit(char *buf, size_t len, int64_t exit_status, int term_signal)
{
	if (term_signal != 0)
		snprintf(buf, len, "signal %d (SIG%s)", term_signal,
			 sigabbrev_np(term_signal) ? sigabbrev_np(term_signal) : "?");
	else
		snprintf(buf, len, "exit %" PRId64, exit_status);
}

static void handle_exit(struct sup_worker *w, bool clean_exit,
			const char *what);

/*
 * Spawn worker w.  A failure to spawn is handled like an exit of the worker,
 * so the restart policy and its backoff apply to it too.
 */
static void
spawn_worker(struct sup_worker *w)
{
	uv_process_options_t opt;
	uv_stdio_container_t stdio[3];
	struct out_pipe *out[2] = { NULL, NULL };
	struct mp_strv argv;
	uv_process_t *proc;
	char what[128];
	int rc;

	rc = mp_eal_worker_argv(sup.cfg, sup.program, &w->conf, &argv);
	if (rc < 0) {
		mp_err("out of memory while spawning worker %u", w->conf.id);
		handle_exit(w, false, "spawn failed: out of memory");
		return;
	}
	proc = calloc(1, sizeof(*proc));
	if (proc == NULL) {
		mp_strv_free(&argv);
		handle_exit(w, false, "spawn failed: out of memory");
		return;
	}
	memset(&opt, 0, sizeof(opt));
	memset(stdio, 0, sizeof(stdio));
	stdio[0].flags = UV_IGNORE;
	for (int i = 0; i < 2; i++) {
		out[i] = calloc(1, sizeof(*out[i]));
		if (out[i] == NULL) {
			stdio[1 + i].flags = UV_INHERIT_FD;
			stdio[1 + i].data.fd = 1 + i;
			continue;
		}
		uv_pipe_init(&sup.loop, &out[i]->pipe, 0);
		out[i]->pipe.data = out[i];
		out[i]->id = w->conf.id;
		stdio[1 + i].flags = UV_CREATE_PIPE | UV_WRITABLE_PIPE;
		stdio[1 + i].data.stream = (uv_stream_t *)&out[i]->pipe;
	}
	opt.file = sup.program;
	opt.args = argv.v;
	opt.exit_cb = on_worker_exit;
	opt.stdio = stdio;
	opt.stdio_count = 3;
	proc->data = w;

	pthread_mutex_lock(&slot_lock);
	w->slot->lcore = w->conf.lcore;
	w->slot->cpu = w->conf.cpu;
	w->slot->poll = sup.cfg->workers.poll;
	w->slot->stats.heartbeat_tsc = 0;
	set_state(w, MP_W_STARTING);
	pthread_mutex_unlock(&slot_lock);

	rc = uv_spawn(&sup.loop, proc, &opt);
	mp_strv_free(&argv);
	for (int i = 0; i < 2; i++) {
		if (out[i] == NULL)
			continue;
		if (rc == 0) {
			out[i]->pid = proc->pid;
			uv_read_start((uv_stream_t *)&out[i]->pipe, on_out_alloc, on_out_read);
		} else {
			uv_close((uv_handle_t *)&out[i]->pipe, (uv_close_cb)free);
		}
	}
	if (rc < 0) {
		mp_err("uv_spawn() failed while spawning worker %u (\"%s\"): %s",
		       w->conf.id, sup.program, uv_strerror(rc));
		/* A handle that failed to spawn is initialised but never active. */
		uv_close((uv_handle_t *)proc, free_handle);
		snprintf(what, sizeof(what), "spawn failed: %s", uv_strerror(rc));
		handle_exit(w, false, what);
		return;
	}
	w->proc = proc;
	w->spawned_ms = now_ms();
	w->running_ms = 0;
	w->stop_requested = false;
	w->kill_reason = NULL;
	pthread_mutex_lock(&slot_lock);
	w->slot->pid = proc->pid;
	pthread_mutex_unlock(&slot_lock);
	mp_info("worker %u spawned: pid %d, lcore %u, cpu %u", w->conf.id,
		proc->pid, w->conf.lcore, w->conf.cpu);
}

static bool
any_worker_alive(void)
{
	unsigned int id;

	for (id = 0; id < MP_MAX_WORKERS; id++)
		if (sup.w[id].proc != NULL)
			return true;
	return false;
}

static void
close_if_open(uv_handle_t *h)
{
	if (h->loop != NULL && !uv_is_closing(h))
		uv_close(h, NULL);
}

/*
 * Close every handle of ours so that uv_run() returns, except the signal
 * handles: they are only unreferenced and stay installed until the process
 * exits, because libuv restores a signal's default action when its last
 * handle closes, and a stop signal arriving while the master releases DPDK
 * or exits would then kill it half-way.  So the loop is never closed.
 */
static void
finish(void)
{
	unsigned int id;

	uv_timer_stop(&sup.stop_timer);
	uv_unref((uv_handle_t *)&sup.sig_term);
	uv_unref((uv_handle_t *)&sup.sig_int);
	uv_unref((uv_handle_t *)&sup.sig_hup);
	uv_unref((uv_handle_t *)&sup.sig_usr1);
	close_if_open((uv_handle_t *)&sup.watchdog);
	close_if_open((uv_handle_t *)&sup.tick);
	close_if_open((uv_handle_t *)&sup.stats);
	close_if_open((uv_handle_t *)&sup.stop_timer);
	for (id = 0; id < MP_MAX_WORKERS; id++)
		close_if_open((uv_handle_t *)&sup.w[id].restart_timer);
	mp_info("all workers stopped");
}

/* The worker whose live process runs on lcore, other than w; NULL if none. */
static struct sup_worker *
lcore_holder(const struct sup_worker *w)
{
	unsigned int id;

	for (id = 0; id < MP_MAX_WORKERS; id++)
		if (&sup.w[id] != w && sup.w[id].proc != NULL &&
		    sup.w[id].conf.lcore == w->conf.lcore)
			return &sup.w[id];
	return NULL;
}

static void stop_worker(struct sup_worker *w);

static void
on_restart_timer(uv_timer_t *timer)
{
	struct sup_worker *w = timer->data;
	uint64_t bit = UINT64_C(1) << w->conf.id;
	struct sup_worker *holder;

	if (sup.stopping)
		return;
	/*
	 * Two processes on one lcore id would share its mempool cache and pool
	 * lane.  After a reload moved lcores around, wait for the holder, and
	 * if a reload is about to restart it anyway, stop it now.
	 */
	holder = lcore_holder(w);
	if (holder != NULL) {
		w->lcore_wait = true;
		if (sup.roll_queue & (UINT64_C(1) << holder->conf.id)) {
			sup.roll_queue &= ~(UINT64_C(1) << holder->conf.id);
			holder->respawn_after_stop = true;
			stop_worker(holder);
		}
		return;
	}
	w->lcore_wait = false;
	if (mp_pool_add_lane(sup.o->pool, w->conf.lcore) < 0) {
		mp_err("cannot create the pool lane of lcore %u for worker %u: "
		       "retrying", w->conf.lcore, w->conf.id);
		uv_timer_start(timer, on_restart_timer, 100, 0);
		return;
	}
	/* The distributor must have let go of the ring before a worker reads it. */
	set_reclaim(w->conf.id, false);
	if (__atomic_load_n(&sup.o->shm->dist.reclaim_seen, __ATOMIC_ACQUIRE) & bit) {
		uv_timer_start(timer, on_restart_timer, 1, 0);
		return;
	}
	spawn_worker(w);
}

static void
start_worker_soon(struct sup_worker *w)
{
	uv_timer_start(&w->restart_timer, on_restart_timer, 0, 0);
}

static void reload_step(void);

/*
 * A worker the reload removed has stopped: forget it.  Its ring stays
 * reclaimed by the distributor and the mempool cache of its lcore is
 * flushed, so nothing it leaves behind is lost.
 */
static void
finish_removal(struct sup_worker *w)
{
	pthread_mutex_lock(&slot_lock);
	w->configured = false;
	w->removing = false;
	w->slot->configured = 0;
	pthread_mutex_unlock(&slot_lock);
	rte_mempool_cache_flush(rte_mempool_default_cache(sup.o->pool, w->conf.lcore),
				sup.o->pool);
	mp_info("worker %u removed", w->conf.id);
}

/*
 * The one place that decides what a worker's exit means.  what describes
 * the exit ("exit 1", "signal 9 (SIGKILL)", "spawn failed: ...").
 */
static void
handle_exit(struct sup_worker *w, bool clean_exit, const char *what)
{
	enum mp_restart_action action;
	uint64_t now = now_ms();
	uint64_t ran = w->running_ms ? now - w->running_ms : 0;
	unsigned int delay;
	char reason[96] = "";

	if (w->kill_reason != NULL)
		snprintf(reason, sizeof(reason), " after %s", w->kill_reason);
	action = mp_restart_decide(&sup.cfg->workers.restart, &w->restart, now,
				   w->stop_requested || sup.stopping,
				   clean_exit, ran, &delay);

	pthread_mutex_lock(&slot_lock);
	w->slot->pid = 0;
	snprintf(w->slot->last_exit, sizeof(w->slot->last_exit), "%s", what);
	if (action == MP_RESTART_ACTION_RESTART)
		w->slot->restarts++;
	set_state(w, action == MP_RESTART_ACTION_RESTART ? MP_W_BACKOFF :
		     action == MP_RESTART_ACTION_FATAL ? MP_W_FATAL : MP_W_STOPPED);
	pthread_mutex_unlock(&slot_lock);
	/* Packets left on its ring go to the running workers. */
	set_reclaim(w->conf.id, true);

	switch (action) {
	case MP_RESTART_ACTION_RESTART:
		mp_warn("worker %u exited (%s)%s; restarting in %u ms (restart %u)",
			w->conf.id, what, reason, delay, w->slot->restarts);
		uv_timer_start(&w->restart_timer, on_restart_timer, delay, 0);
		break;
	case MP_RESTART_ACTION_FATAL:
		if (sup.rolling == (int)w->conf.id)
			sup.rolling = -1;
		mp_err("worker %u exited (%s)%s; more than %u restarts within %u s: "
		       "state fatal, not restarting until the next reload",
		       w->conf.id, what, reason,
		       sup.cfg->workers.restart.max_restarts,
		       sup.cfg->workers.restart.window_s);
		break;
	case MP_RESTART_ACTION_STOP:
		if (sup.stopping || w->stop_requested) {
			mp_info("worker %u stopped (%s)", w->conf.id, what);
		} else {
			mp_warn("worker %u exited (%s)%s; restart policy %s: left stopped",
				w->conf.id, what, reason,
				mp_config_policy_name(sup.cfg->workers.restart.policy));
			if (sup.rolling == (int)w->conf.id)
				sup.rolling = -1;
		}
		if (sup.stopping)
			break;
		if (w->removing) {
			finish_removal(w);
		} else if (w->respawn_after_stop) {
			/* A reload changed it: start it with its new settings. */
			w->respawn_after_stop = false;
			w->conf = sup.cfg->workers.instances[w->conf.id];
			memset(&w->restart, 0, sizeof(w->restart));
			start_worker_soon(w);
		}
		break;
	}
	reload_step();
}

/*
 * Free the packets a dead worker had dequeued but not handed to a port (see
 * struct mp_worker_inflight), so that a crash loses no mbuf to the pool.
 * They count as that worker's drops.  Returns how many were freed.
 */
static unsigned int
recover_inflight(struct sup_worker *w)
{
	struct mp_worker_inflight *in = &w->slot->inflight;
	unsigned int n = in->n, done = in->done, k = 0;

	if (n <= MP_BURST_MAX && done < n) {
		k = n - done;
		rte_pktmbuf_free_bulk(in->pkts + done, k);
		w->slot->stats.drops += k;
	}
	in->n = 0;
	in->done = 0;
	return k;
}

static void
on_worker_exit(uv_process_t *proc, int64_t exit_status, int term_signal)
{
	struct sup_worker *w = proc->data;
	unsigned int freed;
	char what[48];

	describe_exit(what, sizeof(what), exit_status, term_signal);
	if (w->running_ms == 0) {
		char when[64];

		snprintf(when, sizeof(when), "after worker %u died before running",
			 w->conf.id);
		while (mp_eallock_release_stuck(MP_EALLOCK_MEMZONE |
						MP_EALLOCK_TAILQ |
						MP_EALLOCK_MEMPOOL, when))
			;
	}
	/* Before anyone else uses what it shared: its pool lane and its ring. */
	mp_pool_repair_lane(sup.o->pool, w->conf.lcore);
	mp_ring_repair_consumer(sup.o->rings[w->conf.id]);
	freed = recover_inflight(w);
	if (freed != 0)
		mp_info("worker %u (pid %d) died holding %u packets: freed them",
			w->conf.id, proc->pid, freed);
	w->proc = NULL;
	uv_timer_stop(&w->restart_timer);
	uv_close((uv_handle_t *)proc, free_handle);
	handle_exit(w, exit_status == 0 && term_signal == 0, what);
	if (sup.stopping && !any_worker_alive()) {
		finish();
		return;
	}
	/* Its lcore is free now: start whoever waited for it. */
	for (unsigned int id = 0; id < MP_MAX_WORKERS; id++)
		if (sup.w[id].lcore_wait && !sup.stopping)
			start_worker_soon(&sup.w[id]);
}

static void
kill_worker(struct sup_worker *w, int signum, const char *reason)
{
	int rc;

	if (w->proc == NULL)
		return;
	if (reason != NULL)
		w->kill_reason = reason;
	rc = uv_process_kill(w->proc, signum);
	if (rc < 0 && rc != UV_ESRCH)
		mp_err("uv_process_kill() failed for worker %u (pid %d): %s",
		       w->conf.id, w->proc->pid, uv_strerror(rc));
}

/* READY=1 for systemd once every configured worker runs (or is fatal). */
static void
notify_ready_once(void)
{
	unsigned int id;
	uint32_t state;

	if (sup.ready_sent)
		return;
	for (id = 0; id < MP_MAX_WORKERS; id++) {
		if (!sup.w[id].configured)
			continue;
		state = slot_state(&sup.w[id]);
		if (state != MP_W_RUNNING && state != MP_W_FATAL)
			return;
	}
	sup.ready_sent = true;
	mp_notify("READY=1");
	mp_info("all workers running");
}

static void
on_watchdog(uv_timer_t *timer)
{
	mp_notify("WATCHDOG=1");
}

/*
 * Poll what workers report through shared memory: attachment (STARTING to
 * RUNNING), a worker draining on its own initiative, and stalled
 * heartbeats.
 */
static void
on_tick(uv_timer_t *timer)
{
	uint64_t now = now_ms(), age;
	unsigned int hb_timeout = sup.cfg->workers.heartbeat_timeout_ms;
	struct sup_worker *w;
	unsigned int id;
	uint32_t state;

	if (sup.stopping)
		return;
	for (id = 0; id < MP_MAX_WORKERS; id++) {
		w = &sup.w[id];
		if (!w->configured || w->proc == NULL || w->kill_reason != NULL)
			continue;
		state = slot_state(w);
		if (state == MP_W_RUNNING && w->running_ms == 0) {
			w->running_ms = now;
			publish_active();
			mp_info("worker %u running: pid %d, %" PRIu64 " ms after spawn",
				id, w->proc->pid, now - w->spawned_ms);
			if (sup.rolling == (int)id) {
				sup.rolling = -1;
				reload_step();
			}
			notify_ready_once();
		} else if (state == MP_W_DRAINING && !w->stop_requested) {
			publish_active();
		} else if (state == MP_W_STARTING &&
			   now - w->spawned_ms > MP_ATTACH_TIMEOUT_MS) {
			mp_err("worker %u (pid %d) did not attach within %u ms: killing it",
			       id, w->proc->pid, MP_ATTACH_TIMEOUT_MS);
			kill_worker(w, SIGKILL, "no attach");
		}
		if (state == MP_W_RUNNING && hb_timeout != 0) {
			age = heartbeat_age_ms(w->slot, sup.o->shm->tsc_hz);
			if (age > hb_timeout) {
				mp_err("worker %u (pid %d) heartbeat stalled for %" PRIu64
				       " ms (limit %u ms): killing it",
				       id, w->proc->pid, age, hb_timeout);
				kill_worker(w, SIGKILL, "heartbeat stall");
			}
		}
	}
}

static double
rate(uint64_t cur, uint64_t prev, uint64_t ms)
{
	return ms == 0 || cur < prev ? 0.0 : (double)(cur - prev) * 1000.0 / ms;
}

/*
 * Per interval: port and per-worker packet rates and drops, as a live
 * table when an operator watches the master's terminal, as one log line
 * otherwise.
 */
static void
on_stats(uv_timer_t *timer)
{
	uint64_t now = now_ms(), ms = now - sup.stats_ms;
	struct mp_view v;
	struct rte_eth_stats st;
	struct mp_worker_slot s;
	struct sup_worker *w;
	unsigned int i, id;

	memset(&v, 0, sizeof(v));
	v.generation = sup.o->shm->generation;
	v.mode = mp_config_dist_mode_name(sup.cfg->distributor.mode);
	v.dist_dropped = sup.o->shm->dist.dropped;
	for (i = 0; i < sup.cfg->nb_ports; i++) {
		if (rte_eth_stats_get(sup.cfg->ports[i], &st) != 0)
			memset(&st, 0, sizeof(st));
		v.ports[i].id = sup.cfg->ports[i];
		v.ports[i].rx_pps = rate(st.ipackets, sup.prev_port_rx[i], ms);
		v.ports[i].tx_pps = rate(st.opackets, sup.prev_port_tx[i], ms);
		v.rx_pps += v.ports[i].rx_pps;
		v.tx_pps += v.ports[i].tx_pps;
		sup.prev_port_rx[i] = st.ipackets;
		sup.prev_port_tx[i] = st.opackets;
	}
	v.nb_ports = sup.cfg->nb_ports;
	for (id = 0; id < MP_MAX_WORKERS; id++) {
		w = &sup.w[id];
		if (!w->configured)
			continue;
		mp_sup_worker_snapshot(sup.o, id, &s);
		v.workers[v.nb_workers++] = (struct mp_view_worker){
			.id = id, .state = mp_worker_state_name(s.state),
			.pid = s.pid, .lcore = s.lcore, .cpu = s.cpu,
			.restarts = s.restarts,
			.rx_pps = rate(s.stats.rx, w->prev_rx, ms),
			.tx_pps = rate(s.stats.tx, w->prev_tx, ms),
			.drops = s.stats.drops,
		};
		w->prev_rx = s.stats.rx;
		w->prev_tx = s.stats.tx;
	}
	sup.stats_ms = now;
	mp_view_print(&v, sup.tty);
}

/* SIGKILL every worker still alive; reason (a literal) says why, for the log. */
static void
kill_remaining(const char *reason)
{
	unsigned int id;

	for (id = 0; id < MP_MAX_WORKERS; id++) {
		if (sup.w[id].proc == NULL)
			continue;
		mp_warn("worker %u (pid %d): SIGKILL (%s)", id, sup.w[id].proc->pid, reason);
		kill_worker(&sup.w[id], SIGKILL, reason);
	}
}

static void
on_stop_timeout(uv_timer_t *timer)
{
	mp_warn("stop_timeout_ms (%u) expired", sup.cfg->workers.stop_timeout_ms);
	kill_remaining("stop timeout");
}

/*
 * Graceful stop: the distributor stops first so that rings stop filling,
 * then every worker gets SIGTERM, drains its ring and exits; stragglers get
 * SIGKILL after stop_timeout_ms.  A second stop signal skips the wait.
 */
static void
begin_stop(int signum)
{
	unsigned int id;

	if (sup.stopping) {
		mp_warn("SIG%s during shutdown: killing the workers now",
			sigabbrev_np(signum));
		kill_remaining("repeated stop signal");
		return;
	}
	sup.stopping = true;
	mp_notify("STOPPING=1");
	mp_info("SIG%s: stopping (timeout %u ms)", sigabbrev_np(signum),
		sup.cfg->workers.stop_timeout_ms);
	mp_dist_stop(sup.cfg, sup.o);
	for (id = 0; id < MP_MAX_WORKERS; id++) {
		struct sup_worker *w = &sup.w[id];

		if (!w->configured)
			continue;
		uv_timer_stop(&w->restart_timer);
		if (w->proc == NULL) {
			if (slot_state(w) == MP_W_BACKOFF)
				set_state(w, MP_W_STOPPED);
			continue;
		}
		w->stop_requested = true;
		set_state(w, MP_W_DRAINING);
		kill_worker(w, SIGTERM, NULL);
	}
	if (!any_worker_alive()) {
		finish();
		return;
	}
	uv_timer_start(&sup.stop_timer, on_stop_timeout,
		       sup.cfg->workers.stop_timeout_ms, 0);
}

/*
 * Stop one worker for a reload: the distributor stops feeding it at once,
 * it drains its ring and exits on SIGTERM; SIGKILL after stop_timeout_ms.
 */
static void
on_worker_stop_timeout(uv_timer_t *timer)
{
	struct sup_worker *w = timer->data;

	if (w->proc == NULL)
		return;
	mp_warn("worker %u (pid %d) did not stop within %u ms: SIGKILL",
		w->conf.id, w->proc->pid, sup.cfg->workers.stop_timeout_ms);
	kill_worker(w, SIGKILL, "stop timeout");
}

static void
stop_worker(struct sup_worker *w)
{
	if (w->proc == NULL)
		return;
	w->stop_requested = true;
	set_state(w, MP_W_DRAINING);
	kill_worker(w, SIGTERM, NULL);
	uv_timer_start(&w->restart_timer, on_worker_stop_timeout,
		       sup.cfg->workers.stop_timeout_ms, 0);
}

static bool
removal_pending(void)
{
	unsigned int id;

	for (id = 0; id < MP_MAX_WORKERS; id++)
		if (sup.w[id].removing)
			return true;
	return false;
}

static void begin_reload(void);
static int resolve_program(const struct mp_config *cfg, char *out);

/*
 * Advance a reload: restart the changed workers one at a time, the next
 * only once the previous one's replacement is running, so that capacity
 * drops by one worker at most; then publish the new generation.
 */
static void
reload_step(void)
{
	struct sup_worker *w;
	unsigned int id;

	if (!sup.reloading || sup.stopping || sup.rolling >= 0)
		return;
	if (sup.roll_queue != 0) {
		id = (unsigned int)__builtin_ctzll(sup.roll_queue);
		sup.roll_queue &= ~(UINT64_C(1) << id);
		w = &sup.w[id];
		sup.rolling = (int)id;
		mp_info("reload: restarting worker %u", id);
		if (w->proc != NULL) {
			w->respawn_after_stop = true;
			stop_worker(w);
		} else {
			uv_timer_stop(&w->restart_timer);
			w->conf = sup.cfg->workers.instances[id];
			memset(&w->restart, 0, sizeof(w->restart));
			start_worker_soon(w);
		}
		return;
	}
	if (removal_pending())
		return;
	sup.reloading = false;
	__atomic_store_n(&sup.o->shm->generation, sup.o->shm->generation + 1,
			 __ATOMIC_RELEASE);
	mp_info("reload applied: generation %" PRIu64, sup.o->shm->generation);
	mp_notify("READY=1");
	if (sup.reload_pending) {
		sup.reload_pending = false;
		begin_reload();
	}
}

/* Replace the running config by next (which it takes over). */
static void
swap_config(struct mp_config *next)
{
	struct mp_config old;

	pthread_mutex_lock(&slot_lock);
	old = *sup.cfg;
	*sup.cfg = *next;
	pthread_mutex_unlock(&slot_lock);
	mp_config_free(&old);
	sup.o->shm->dist_mode = sup.cfg->distributor.mode;
	sup.o->shm->nb_workers = sup.cfg->workers.nb_instances;
	uv_timer_stop(&sup.stats);
	if (sup.cfg->stats.interval_s != 0)
		uv_timer_start(&sup.stats, on_stats, sup.cfg->stats.interval_s * 1000,
			       sup.cfg->stats.interval_s * 1000);
}

/*
 * SIGHUP: check the file again; if it is invalid change nothing, else apply
 * the difference (reload.c computes it).  A SIGHUP during a reload is
 * queued and applied after it.
 */
static void
begin_reload(void)
{
	struct mp_reload_plan plan;
	char program[PATH_MAX];
	char err[MP_ERR_LEN];
	struct mp_config next;
	struct sup_worker *w;
	unsigned int i, id;
	uint64_t bit;
	int rc;

	if (sup.reloading) {
		sup.reload_pending = true;
		mp_info("SIGHUP during a reload: queued");
		return;
	}
	mp_notify("RELOADING=1");
	rc = mp_config_load(sup.cfg->path, &next, err, sizeof(err));
	if (rc < 0) {
		mp_err("%s", err);
		mp_err("reload refused, keeping generation %" PRIu64,
		       sup.o->shm->generation);
		mp_notify("READY=1");
		return;
	}
	rc = resolve_program(&next, program);
	if (rc == 0)
		rc = mp_reload_plan(sup.cfg, &next, &plan);
	if (rc == -ENOENT) {
		mp_config_free(&next);
		mp_err("reload refused, keeping generation %" PRIu64,
		       sup.o->shm->generation);
		mp_notify("READY=1");
		return;
	}
	if (rc < 0) {
		mp_config_free(&next);
		mp_err("reload refused: out of memory, keeping generation %" PRIu64,
		       sup.o->shm->generation);
		mp_notify("READY=1");
		return;
	}
	for (i = 0; i < plan.nb_needs_restart; i++)
		mp_warn("reload: %s changed: needs restart, keeping the running value",
			plan.needs_restart[i]);
	swap_config(&next);
	memcpy(sup.program, program, sizeof(sup.program));
	sup.reloading = true;
	sup.rolling = -1;
	sup.roll_queue = plan.restarted;
	for (id = 0; id < MP_MAX_WORKERS; id++) {
		w = &sup.w[id];
		bit = UINT64_C(1) << id;
		if (plan.removed & bit) {
			mp_info("reload: removing worker %u", id);
			uv_timer_stop(&w->restart_timer);
			w->removing = true;
			if (w->proc != NULL) {
				stop_worker(w);
			} else {
				set_state(w, MP_W_STOPPED);
				finish_removal(w);
			}
		} else if (plan.added & bit) {
			mp_info("reload: adding worker %u", id);
			if (mp_objects_ring_create(sup.cfg, sup.o, id) < 0)
				continue;
			w->configured = true;
			w->conf = sup.cfg->workers.instances[id];
			w->removing = false;
			w->respawn_after_stop = false;
			memset(&w->restart, 0, sizeof(w->restart));
			pthread_mutex_lock(&slot_lock);
			w->slot->configured = 1;
			w->slot->restarts = 0;
			w->slot->last_exit[0] = '\0';
			pthread_mutex_unlock(&slot_lock);
			start_worker_soon(w);
		} else if (w->configured && !(plan.restarted & bit) &&
			   slot_state(w) == MP_W_FATAL) {
			/* A reload gives fatal workers another chance. */
			sup.roll_queue |= bit;
		}
	}
	reload_step();
}

static void
on_signal(uv_signal_t *handle, int signum)
{
	if (signum == SIGHUP)
		begin_reload();
	else if (signum == SIGUSR1)
		mp_log_reopen(sup.cfg->log_file);
	else
		begin_stop(signum);
}

/*
 * The worker program of cfg into out (PATH_MAX): the configured one, or the
 * mpworker beside this executable.  Returns 0 or -ENOENT (logged) if it is
 * not executable.
 */
static int
resolve_program(const struct mp_config *cfg, char *out)
{
	char self[PATH_MAX - 16];
	ssize_t n;
	char *slash;

	if (cfg->workers.program != NULL) {
		snprintf(out, PATH_MAX, "%s", cfg->workers.program);
	} else {
		n = readlink("/proc/self/exe", self, sizeof(self) - 1);
		if (n < 0)
			return -errno;
		self[n] = '\0';
		slash = strrchr(self, '/');
		if (slash != NULL)
			*slash = '\0';
		snprintf(out, PATH_MAX, "%s/mpworker", self);
	}
	if (access(out, X_OK) != 0) {
		mp_err("worker program \"%s\" is not executable: %s", out,
		       strerror(errno));
		return -ENOENT;
	}
	return 0;
}

int
mp_sup_run(struct mp_config *cfg, struct mp_objects *o)
{
	unsigned int i, id;
	int rc;

	memset(&sup, 0, sizeof(sup));
	sup.cfg = cfg;
	sup.o = o;
	rc = resolve_program(cfg, sup.program);
	if (rc < 0)
		return rc;
	rc = uv_loop_init(&sup.loop);
	if (rc < 0) {
		mp_err("uv_loop_init() failed: %s", uv_strerror(rc));
		return -ENOMEM;
	}
	o->shm->nb_workers = cfg->workers.nb_instances;
	o->shm->generation = 1;
	sup.rolling = -1;
	for (id = 0; id < MP_MAX_WORKERS; id++) {
		sup.w[id].slot = &o->shm->workers[id];
		uv_timer_init(&sup.loop, &sup.w[id].restart_timer);
		sup.w[id].restart_timer.data = &sup.w[id];
	}
	for (i = 0; i < cfg->workers.nb_instances; i++) {
		id = cfg->workers.instances[i].id;
		sup.w[id].configured = true;
		sup.w[id].conf = cfg->workers.instances[i];
		sup.w[id].slot->configured = 1;
	}
	uv_signal_init(&sup.loop, &sup.sig_term);
	uv_signal_init(&sup.loop, &sup.sig_int);
	uv_signal_init(&sup.loop, &sup.sig_hup);
	uv_signal_start(&sup.sig_term, on_signal, SIGTERM);
	uv_signal_start(&sup.sig_int, on_signal, SIGINT);
	uv_signal_start(&sup.sig_hup, on_signal, SIGHUP);
	uv_signal_init(&sup.loop, &sup.sig_usr1);
	uv_signal_start(&sup.sig_usr1, on_signal, SIGUSR1);
	uv_timer_init(&sup.loop, &sup.watchdog);
	if (mp_notify_watchdog_ms() != 0)
		uv_timer_start(&sup.watchdog, on_watchdog, 0, mp_notify_watchdog_ms());
	uv_timer_init(&sup.loop, &sup.tick);
	uv_timer_init(&sup.loop, &sup.stats);
	uv_timer_init(&sup.loop, &sup.stop_timer);
	uv_timer_start(&sup.tick, on_tick, MP_TICK_MS, MP_TICK_MS);
	sup.stats_ms = now_ms();
	sup.tty = cfg->log_file == NULL && isatty(STDERR_FILENO);
	if (cfg->stats.interval_s != 0)
		uv_timer_start(&sup.stats, on_stats, cfg->stats.interval_s * 1000,
			       cfg->stats.interval_s * 1000);

	for (id = 0; id < MP_MAX_WORKERS; id++)
		if (sup.w[id].configured)
			spawn_worker(&sup.w[id]);

	uv_run(&sup.loop, UV_RUN_DEFAULT);
	return 0;
}
