/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Spawning workers: the gate a PENDING worker waits behind, the argument
 * vector, uv_spawn() and the output pipes.  A failure to spawn is reported
 * to the state machine like an exit, so the restart policy and its backoff
 * apply to it too.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_ring.h>

#include "log.h"
#include "pool.h"
#include "supervisor.h"

/* How often a worker waiting for its ring checks the distributor's ack. */
#define MP_SPAWN_POLL_MS 1

struct mp_worker *
mp_spawn_lcore_holder(const struct mp_sup *s, const struct mp_worker *w,
		      unsigned int lcore)
{
	unsigned int id;

	for (id = 0; id < MP_MAX_WORKERS; id++)
		if (&s->w[id] != w && s->w[id].proc != NULL &&
		    s->w[id].proc_lcore == lcore)
			return (struct mp_worker *)&s->w[id];
	return NULL;
}

static bool
any_starting(const struct mp_sup *s)
{
	unsigned int id;

	for (id = 0; id < MP_MAX_WORKERS; id++)
		if (s->w[id].state == MP_W_STARTING)
			return true;
	return false;
}

/*
 * The distributor takes back what a dead worker left on its ring until the
 * master clears its reclaim bit; a new consumer may use the ring only once
 * the distributor acknowledged that change (shm.h, the reclaim word).
 * Returns whether the ring is free for w's next process.
 */
static bool
ring_handed_over(struct mp_sup *s, struct mp_worker *w)
{
	uint32_t bit = UINT32_C(1) << w->id;

	if (MP_RECLAIM_MASK(s->o->shm->reclaim) & bit)
		w->ring_gen = mp_wtable_reclaim(s, w->id, false);
	if (w->ring_gen != 0 && !mp_wtable_reclaim_acked(s, w->ring_gen))
		return false;
	w->ring_gen = 0;
	return true;
}

static void
free_handle(uv_handle_t *handle)
{
	free(handle);
}

void
mp_spawn_close(uv_process_t *proc)
{
	uv_close((uv_handle_t *)proc, free_handle);
}

extern char **environ;

/* Does environment entry entry ("NAME=value") set the variable of extra? */
static bool
same_name(const char *entry, const char *extra)
{
	size_t n = strcspn(extra, "=");

	return strncmp(entry, extra, n) == 0 && entry[n] == '=';
}

char **
mp_spawn_env(const char *const *extra, unsigned int n)
{
	unsigned int i, k, used, nb = 0;
	char **env;

	while (environ[nb] != NULL)
		nb++;
	env = calloc(nb + n + 1, sizeof(*env));
	if (env == NULL)
		return NULL;
	for (used = 0; used < n; used++)
		env[used] = (char *)extra[used];
	for (k = 0; k < nb; k++) {
		for (i = 0; i < n && !same_name(environ[k], extra[i]); i++)
			;
		if (i == n)
			env[used++] = environ[k];
	}
	return env;
}

static void
spawn(struct mp_sup *s, struct mp_worker *w)
{
	struct mp_worker_inflight *in = &w->slot->inflight;
	uv_process_options_t opt;
	uv_stdio_container_t stdio[3];
	static const char *const tagged[] = { MP_LOG_ENV_TAGGED "=1" };
	struct mp_output *out[2];
	struct mp_worker_exit fail = { .clean = false };
	char name[16];
	char program[PATH_MAX];
	struct mp_strv argv;
	uv_process_t *proc;
	int rc;

	if (mp_spawn_resolve_program(s->cfg, &w->conf, program) < 0) {
		snprintf(fail.what, sizeof(fail.what), "spawn failed: not executable");
		mp_fsm_apply(w, MP_EV_SPAWN_FAILED, &fail);
		return;
	}
	rc = mp_eal_worker_argv(s->cfg, program, &w->conf, &argv);
	proc = rc == 0 ? calloc(1, sizeof(*proc)) : NULL;
	if (proc == NULL) {
		if (rc == 0)
			mp_strv_free(&argv);
		mp_err("out of memory while spawning worker %u", w->id);
		snprintf(fail.what, sizeof(fail.what), "spawn failed: out of memory");
		mp_fsm_apply(w, MP_EV_SPAWN_FAILED, &fail);
		return;
	}
	/* The new process consumes its ring, and fills its lane, from here. */
	in->lane_mark = mp_lane_put_pos(mp_pool_lane(s->o->pool, w->id));
	in->step = MP_STEP(s->o->rings[w->id]->cons.tail, MP_PHASE_OWN, 0);
	w->slot->attached_pid = 0;
	w->slot->draining_pid = 0;

	memset(&opt, 0, sizeof(opt));
	memset(stdio, 0, sizeof(stdio));
	stdio[0].flags = UV_IGNORE;
	snprintf(name, sizeof(name), "w%u", w->id);
	mp_output_prepare(s, name, stdio, out);
	opt.file = program;
	opt.args = argv.v;
	/* Its log lines come tagged only if they come through our pipe. */
	opt.env = out[1] != NULL ? mp_spawn_env(tagged, 1) : NULL;
	opt.exit_cb = mp_reap_exit_cb;
	opt.stdio = stdio;
	opt.stdio_count = 3;
	proc->data = w;
	mp_wtable_set_process(w, 0, program);
	rc = uv_spawn(&s->loop, proc, &opt);
	mp_strv_free(&argv);
	free(opt.env);
	mp_output_started(out, proc->pid, rc);
	if (rc < 0) {
		mp_err("uv_spawn() failed while spawning worker %u (\"%s\"): %s",
		       w->id, program, uv_strerror(rc));
		/* A handle that failed to spawn is initialised but never active. */
		mp_spawn_close(proc);
		snprintf(fail.what, sizeof(fail.what), "spawn failed: %s", uv_strerror(rc));
		mp_fsm_apply(w, MP_EV_SPAWN_FAILED, &fail);
		return;
	}
	w->proc = proc;
	w->pid = proc->pid;
	w->attach_seen = false;
	w->proc_lcore = w->conf.lcore;
	w->spawned_ms = mp_now_ms();
	mp_wtable_set_process(w, proc->pid, program);
	mp_info("worker %u spawned: pid %d, lcore %u, cpu %u", w->id, proc->pid,
		w->conf.lcore, w->conf.cpu);
	mp_fsm_apply(w, MP_EV_SPAWNED, NULL);
	mp_health_kick(s);
}

static void on_spawn_poll(uv_timer_t *timer);

void
mp_spawn_pending(struct mp_sup *s)
{
	bool waiting_for_ring = false;
	struct mp_worker *w;
	unsigned int id;

	if (s->stopping || s->repair_pending || any_starting(s))
		return;
	for (id = 0; id < MP_MAX_WORKERS; id++) {
		w = &s->w[id];
		if (w->state != MP_W_PENDING ||
		    mp_spawn_lcore_holder(s, w, w->conf.lcore) != NULL)
			continue;
		if (!ring_handed_over(s, w)) {
			waiting_for_ring = true;
			continue;
		}
		spawn(s, w);
		return;		/* one start at a time */
	}
	if (waiting_for_ring)
		uv_timer_start(&s->spawn_poll, on_spawn_poll, MP_SPAWN_POLL_MS, 0);
}

static void
on_spawn_poll(uv_timer_t *timer)
{
	mp_spawn_pending(timer->data);
}

/*
 * From the next loop iteration rather than at once: the callers are deep
 * inside a state change, which a spawn would nest another one into.
 */
void
mp_spawn_schedule(struct mp_sup *s)
{
	uv_timer_start(&s->spawn_poll, on_spawn_poll, 0, 0);
}

void
mp_spawn_init(struct mp_sup *s)
{
	uv_timer_init(&s->loop, &s->spawn_poll);
	s->spawn_poll.data = s;
}

int
mp_spawn_program_path(const struct mp_config *cfg,
		      const struct mp_worker_conf *conf, char *out)
{
	const char *program = conf->program != NULL ? conf->program : cfg->workers.program;
	char self[PATH_MAX - 16];
	ssize_t n;
	char *slash;

	if (program != NULL) {
		snprintf(out, PATH_MAX, "%s", program);
		return 0;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return -errno;
	self[n] = '\0';
	slash = strrchr(self, '/');
	if (slash != NULL)
		*slash = '\0';
	snprintf(out, PATH_MAX, "%s/mpworker", self);
	return 0;
}

int
mp_spawn_resolve_program(const struct mp_config *cfg,
			 const struct mp_worker_conf *conf, char *out)
{
	int rc = mp_spawn_program_path(cfg, conf, out);

	if (rc < 0) {
		mp_err("worker %u: readlink(/proc/self/exe) failed: %s", conf->id,
		       strerror(-rc));
		return rc;
	}
	if (access(out, X_OK) != 0) {
		mp_err("worker %u: program \"%s\" is not executable: %s", conf->id,
		       out, strerror(errno));
		return -ENOENT;
	}
	return 0;
}
