/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the worker state machine (src/master/worker_fsm.c), driven
 * with events and fake actions: no processes, no DPDK, no event loop.  The
 * fakes record what the machine asked for (spawns, signals, timers) and
 * every change the observer was told of.  And the rule of the reclaim
 * hand-over (src/master/worker_table.c).
 */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "supervisor.h"
#include "worker_fsm.h"

static struct mp_config cfg;
static struct mp_objects objects;
static struct mp_sup sup;
static struct mp_worker *w;

static struct {
	unsigned int spawns;
	int last_signal;
	unsigned int signals;
	unsigned int timer_ms;		/* last armed */
	bool timer_armed;
	unsigned int changes;
	enum mp_worker_state last_from;
	uint64_t now;
} fake;

static void fake_spawn(struct mp_worker *x) { fake.spawns++; }
static void fake_signal(struct mp_worker *x, int signum) { fake.signals++; fake.last_signal = signum; }
static void fake_timer_start(struct mp_worker *x, unsigned int ms) { fake.timer_ms = ms; fake.timer_armed = true; }
static void fake_timer_stop(struct mp_worker *x) { fake.timer_armed = false; }
static void fake_changed(struct mp_worker *x, enum mp_worker_state from) { fake.changes++; fake.last_from = from; }
static uint64_t fake_now(void) { return fake.now; }

static const struct mp_fsm_ops ops = {
	.spawn = fake_spawn,
	.signal = fake_signal,
	.timer_start = fake_timer_start,
	.timer_stop = fake_timer_stop,
	.changed = fake_changed,
	.now_ms = fake_now,
};

static void
setup(void)
{
	memset(&fake, 0, sizeof(fake));
	fake.now = 1000000;
	memset(&cfg, 0, sizeof(cfg));
	cfg.workers.restart = (struct mp_restart_conf){
		.policy = MP_RESTART_ALWAYS, .backoff_first_ms = 10,
		.backoff_max_ms = 80, .max_restarts = 3, .window_s = 60,
	};
	cfg.workers.stop_timeout_ms = 2000;
	memset(&sup, 0, sizeof(sup));
	objects.shm = aligned_alloc(RTE_CACHE_LINE_SIZE,
				    RTE_ALIGN_CEIL(sizeof(struct mp_shm), RTE_CACHE_LINE_SIZE));
	ck_assert_ptr_nonnull(objects.shm);
	memset(objects.shm, 0, sizeof(*objects.shm));
	sup.cfg = &cfg;
	sup.o = &objects;
	w = &sup.w[0];
	w->sup = &sup;
	w->id = 0;
	w->slot = &objects.shm->workers[0];
	w->configured = true;
	mp_fsm_init(&ops, &cfg);
}

static void
teardown(void)
{
	free(objects.shm);
}

/* The event must apply, and the mirror must follow the state. */
static void
apply(enum mp_worker_event ev)
{
	ck_assert_int_eq(mp_fsm_apply(w, ev, NULL), 0);
	ck_assert_uint_eq(w->slot->state, w->state);
}

static void
exited(bool clean)
{
	struct mp_worker_exit e = { .clean = clean };

	strcpy(e.what, clean ? "exit 0" : "signal 9 (SIGKILL)");
	ck_assert_int_eq(mp_fsm_apply(w, MP_EV_EXITED, &e), 0);
	ck_assert_uint_eq(w->slot->state, w->state);
}

/* A worker that is running: started, spawned, attached. */
static void
run(void)
{
	apply(MP_EV_START);
	apply(MP_EV_SPAWNED);
	apply(MP_EV_ATTACHED);
	ck_assert_int_eq(w->state, MP_W_RUNNING);
}

START_TEST(test_start_asks_for_a_spawn)
{
	apply(MP_EV_START);
	ck_assert_int_eq(w->state, MP_W_PENDING);
	ck_assert_uint_eq(fake.spawns, 1);
	ck_assert_uint_eq(fake.signals, 0);
}
END_TEST

START_TEST(test_attached_worker_runs_and_is_fed)
{
	run();
	ck_assert_uint_eq(objects.shm->active_mask, 1);
	ck_assert_uint_eq(w->running_ms, fake.now);
}
END_TEST

START_TEST(test_only_running_workers_are_fed)
{
	run();
	apply(MP_EV_STOP);
	ck_assert_int_eq(w->state, MP_W_DRAINING);
	ck_assert_uint_eq(objects.shm->active_mask, 0);
}
END_TEST

START_TEST(test_crash_restarts_after_the_first_backoff)
{
	run();
	exited(false);
	ck_assert_int_eq(w->state, MP_W_BACKOFF);
	ck_assert(fake.timer_armed);
	ck_assert_uint_eq(fake.timer_ms, 10);
	ck_assert_uint_eq(w->slot->restarts, 1);
	ck_assert_str_eq(w->slot->last_exit, "signal 9 (SIGKILL)");
	ck_assert_int_eq(w->slot->pid, 0);
	apply(MP_EV_TIMER);
	ck_assert_int_eq(w->state, MP_W_PENDING);
	ck_assert_uint_eq(fake.spawns, 2);
}
END_TEST

START_TEST(test_backoff_doubles_with_each_crash)
{
	unsigned int want[] = { 10, 20, 40 }, i;

	run();
	for (i = 0; i < 3; i++) {
		exited(false);
		ck_assert_uint_eq(fake.timer_ms, want[i]);
		apply(MP_EV_TIMER);
		apply(MP_EV_SPAWNED);
		apply(MP_EV_ATTACHED);
	}
}
END_TEST

START_TEST(test_too_many_restarts_make_it_fatal)
{
	unsigned int i;

	apply(MP_EV_START);
	for (i = 0; i < 3; i++) {
		apply(MP_EV_SPAWNED);
		exited(false);
		ck_assert_int_eq(w->state, MP_W_BACKOFF);
		apply(MP_EV_TIMER);
	}
	apply(MP_EV_SPAWNED);
	exited(false);
	ck_assert_int_eq(w->state, MP_W_FATAL);
	ck_assert(!fake.timer_armed);
}
END_TEST

START_TEST(test_clean_exit_under_on_failure_stays_stopped)
{
	cfg.workers.restart.policy = MP_RESTART_ON_FAILURE;
	run();
	exited(true);
	ck_assert_int_eq(w->state, MP_W_STOPPED);
	ck_assert_uint_eq(w->slot->restarts, 0);
}
END_TEST

START_TEST(test_stop_drains_then_kills_after_the_timeout)
{
	run();
	apply(MP_EV_STOP);
	ck_assert_int_eq(w->state, MP_W_DRAINING);
	ck_assert_int_eq(fake.last_signal, SIGTERM);
	ck_assert_uint_eq(fake.timer_ms, 2000);
	apply(MP_EV_TIMER);
	ck_assert_int_eq(w->state, MP_W_STOPPING);
	ck_assert_int_eq(fake.last_signal, SIGKILL);
	ck_assert_str_eq(w->kill_reason, "stop timeout");
	exited(false);
	ck_assert_int_eq(w->state, MP_W_STOPPED);
	ck_assert_uint_eq(fake.spawns, 1);
	ck_assert_uint_eq(w->slot->restarts, 0);
}
END_TEST

START_TEST(test_second_stop_signal_kills_a_draining_worker)
{
	run();
	apply(MP_EV_STOP);
	apply(MP_EV_KILL);
	ck_assert_int_eq(w->state, MP_W_STOPPING);
	ck_assert_int_eq(fake.last_signal, SIGKILL);
	ck_assert(!fake.timer_armed);
	exited(false);
	ck_assert_int_eq(w->state, MP_W_STOPPED);
}
END_TEST

START_TEST(test_restart_request_respawns_at_once)
{
	run();
	exited(false);			/* one crash: restart memory */
	apply(MP_EV_TIMER);
	apply(MP_EV_SPAWNED);
	apply(MP_EV_ATTACHED);
	apply(MP_EV_RESTART);
	ck_assert_int_eq(w->state, MP_W_DRAINING);
	ck_assert_int_eq(fake.last_signal, SIGTERM);
	exited(true);
	ck_assert_int_eq(w->state, MP_W_PENDING);
	ck_assert_uint_eq(fake.spawns, 3);
	ck_assert_uint_eq(w->slot->restarts, 1);	/* not counted */
	ck_assert_uint_eq(w->restart.in_window, 0);	/* memory starts over */
}
END_TEST

START_TEST(test_restart_of_a_backoff_worker_skips_the_wait)
{
	run();
	exited(false);
	apply(MP_EV_RESTART);
	ck_assert_int_eq(w->state, MP_W_PENDING);
	ck_assert(!fake.timer_armed);
	ck_assert_uint_eq(fake.spawns, 2);
}
END_TEST

START_TEST(test_removed_worker_is_forgotten_after_its_exit)
{
	run();
	apply(MP_EV_REMOVE);
	ck_assert_int_eq(w->state, MP_W_DRAINING);
	ck_assert(w->configured);
	exited(true);
	ck_assert_int_eq(w->state, MP_W_STOPPED);
	ck_assert(!w->configured);
	ck_assert_uint_eq(w->slot->configured, 0);
}
END_TEST

START_TEST(test_removed_idle_worker_is_forgotten_at_once)
{
	run();
	exited(false);
	ck_assert(fake.timer_armed);
	apply(MP_EV_REMOVE);
	ck_assert_int_eq(w->state, MP_W_STOPPED);
	ck_assert(!fake.timer_armed);
	ck_assert(!w->configured);
}
END_TEST

START_TEST(test_heartbeat_stall_kills_and_restarts)
{
	run();
	apply(MP_EV_HEARTBEAT_STALLED);
	ck_assert_int_eq(w->state, MP_W_STOPPING);
	ck_assert_int_eq(fake.last_signal, SIGKILL);
	ck_assert_str_eq(w->kill_reason, "heartbeat stall");
	exited(false);
	ck_assert_int_eq(w->state, MP_W_BACKOFF);
}
END_TEST

START_TEST(test_attach_timeout_kills_a_starting_worker)
{
	apply(MP_EV_START);
	apply(MP_EV_SPAWNED);
	apply(MP_EV_ATTACH_TIMEOUT);
	ck_assert_int_eq(w->state, MP_W_STOPPING);
	ck_assert_str_eq(w->kill_reason, "no attach");
}
END_TEST

START_TEST(test_self_draining_worker_is_not_signalled)
{
	run();
	apply(MP_EV_DRAINING);
	ck_assert_int_eq(w->state, MP_W_DRAINING);
	ck_assert_uint_eq(fake.signals, 0);
	ck_assert(fake.timer_armed);
	exited(true);
	ck_assert_int_eq(w->state, MP_W_BACKOFF);	/* policy always */
}
END_TEST

START_TEST(test_spawn_failure_counts_like_a_crash)
{
	struct mp_worker_exit e = { .clean = false, .what = "spawn failed: ENOENT" };

	apply(MP_EV_START);
	ck_assert_int_eq(mp_fsm_apply(w, MP_EV_SPAWN_FAILED, &e), 0);
	ck_assert_int_eq(w->state, MP_W_BACKOFF);
	ck_assert_str_eq(w->slot->last_exit, "spawn failed: ENOENT");
}
END_TEST

START_TEST(test_stop_of_a_pending_worker_needs_no_signal)
{
	apply(MP_EV_START);
	apply(MP_EV_STOP);
	ck_assert_int_eq(w->state, MP_W_STOPPED);
	ck_assert_uint_eq(fake.signals, 0);
}
END_TEST

START_TEST(test_reload_start_retries_a_fatal_worker)
{
	w->state = MP_W_FATAL;
	w->restart.in_window = 4;
	apply(MP_EV_START);
	ck_assert_int_eq(w->state, MP_W_PENDING);
	ck_assert_uint_eq(w->restart.in_window, 0);
}
END_TEST

START_TEST(test_meaningless_events_are_refused_and_change_nothing)
{
	ck_assert_int_eq(mp_fsm_apply(w, MP_EV_ATTACHED, NULL), -EINVAL);
	ck_assert_int_eq(w->state, MP_W_STOPPED);
	run();
	apply(MP_EV_HEARTBEAT_STALLED);
	ck_assert_int_eq(mp_fsm_apply(w, MP_EV_HEARTBEAT_STALLED, NULL), -EINVAL);
	ck_assert_int_eq(mp_fsm_apply(w, MP_EV_TIMER, NULL), -EINVAL);
	ck_assert_int_eq(w->state, MP_W_STOPPING);
	ck_assert_uint_eq(fake.signals, 1);
}
END_TEST

START_TEST(test_observer_hears_every_change_once)
{
	run();
	ck_assert_uint_eq(fake.changes, 3);
	ck_assert_int_eq(fake.last_from, MP_W_STARTING);
	apply(MP_EV_STOP);
	apply(MP_EV_STOP);	/* no change: no news */
	ck_assert_uint_eq(fake.changes, 4);
}
END_TEST

/*
 * The reclaim hand-over (shm.h, the reclaim word): a ring whose bit the
 * master cleared goes to a new worker only once the distributor has
 * acknowledged the generation that cleared it.  The distributor
 * acknowledges the generation of the word it loaded, after its pass over
 * the rings that word names.
 */
static void
dist_acks(uint32_t gen)
{
	objects.shm->dist.reclaim_ack = gen;
}

START_TEST(test_ring_waits_for_the_ack_of_the_clearing_generation)
{
	uint32_t set = mp_wtable_reclaim(&sup, 0, true), cleared;

	dist_acks(set);
	cleared = mp_wtable_reclaim(&sup, 0, false);
	ck_assert_uint_eq(MP_RECLAIM_MASK(objects.shm->reclaim), 0);
	ck_assert(!mp_wtable_reclaim_acked(&sup, cleared));
	dist_acks(cleared);
	ck_assert(mp_wtable_reclaim_acked(&sup, cleared));
}
END_TEST

/*
 * The race masks could not see: the distributor loaded the word with the
 * bit set and has published nothing of it yet when the master clears the
 * bit.  The ack it then publishes, of the word it loaded, does not hand
 * the ring over.
 */
START_TEST(test_an_ack_of_the_word_loaded_before_the_clear_is_not_enough)
{
	uint32_t set = mp_wtable_reclaim(&sup, 0, true), cleared;

	cleared = mp_wtable_reclaim(&sup, 0, false);
	ck_assert(!mp_wtable_reclaim_acked(&sup, cleared));
	dist_acks(set);
	ck_assert(!mp_wtable_reclaim_acked(&sup, cleared));
}
END_TEST

START_TEST(test_reclaim_generations_survive_wrapping)
{
	uint32_t gen;

	objects.shm->reclaim = MP_RECLAIM(UINT32_MAX, 0);
	gen = mp_wtable_reclaim(&sup, 3, true);
	ck_assert_uint_eq(gen, 1);	/* 0 stands for "waits for nothing" */
	dist_acks(UINT32_MAX);
	ck_assert(!mp_wtable_reclaim_acked(&sup, gen));
	dist_acks(gen);
	ck_assert(mp_wtable_reclaim_acked(&sup, gen));
	ck_assert_uint_eq(MP_RECLAIM_MASK(objects.shm->reclaim), 1u << 3);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("worker_fsm");
	TCase *tc = tcase_create("events");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_start_asks_for_a_spawn);
	tcase_add_test(tc, test_attached_worker_runs_and_is_fed);
	tcase_add_test(tc, test_only_running_workers_are_fed);
	tcase_add_test(tc, test_crash_restarts_after_the_first_backoff);
	tcase_add_test(tc, test_backoff_doubles_with_each_crash);
	tcase_add_test(tc, test_too_many_restarts_make_it_fatal);
	tcase_add_test(tc, test_clean_exit_under_on_failure_stays_stopped);
	tcase_add_test(tc, test_stop_drains_then_kills_after_the_timeout);
	tcase_add_test(tc, test_second_stop_signal_kills_a_draining_worker);
	tcase_add_test(tc, test_restart_request_respawns_at_once);
	tcase_add_test(tc, test_restart_of_a_backoff_worker_skips_the_wait);
	tcase_add_test(tc, test_removed_worker_is_forgotten_after_its_exit);
	tcase_add_test(tc, test_removed_idle_worker_is_forgotten_at_once);
	tcase_add_test(tc, test_heartbeat_stall_kills_and_restarts);
	tcase_add_test(tc, test_attach_timeout_kills_a_starting_worker);
	tcase_add_test(tc, test_self_draining_worker_is_not_signalled);
	tcase_add_test(tc, test_spawn_failure_counts_like_a_crash);
	tcase_add_test(tc, test_stop_of_a_pending_worker_needs_no_signal);
	tcase_add_test(tc, test_reload_start_retries_a_fatal_worker);
	tcase_add_test(tc, test_meaningless_events_are_refused_and_change_nothing);
	tcase_add_test(tc, test_observer_hears_every_change_once);
	suite_add_tcase(s, tc);
	tc = tcase_create("reclaim");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_ring_waits_for_the_ack_of_the_clearing_generation);
	tcase_add_test(tc, test_an_ack_of_the_word_loaded_before_the_clear_is_not_enough);
	tcase_add_test(tc, test_reclaim_generations_survive_wrapping);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
