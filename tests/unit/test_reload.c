/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the reload plan (src/master/reload.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "reload.h"

static struct mp_config cur, next;
static struct mp_reload_plan plan;

static void
with_workers(struct mp_config *c, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		c->workers.instances[i].id = i;
		c->workers.instances[i].lcore = 2 + i;
		c->workers.instances[i].cpu = 1;
	}
	c->workers.nb_instances = n;
}

static void
setup(void)
{
	ck_assert_int_eq(mp_config_defaults(&cur), 0);
	ck_assert_int_eq(mp_config_defaults(&next), 0);
	with_workers(&cur, 2);
	with_workers(&next, 2);
}

static void
teardown(void)
{
	mp_config_free(&cur);
	mp_config_free(&next);
}

START_TEST(test_same_config_changes_nothing)
{
	ck_assert_int_eq(mp_reload_plan(&cur, &next, &plan), 0);
	ck_assert_uint_eq(plan.added | plan.removed | plan.restarted, 0);
	ck_assert_uint_eq(plan.nb_needs_restart, 0);
	ck_assert(!plan.live_changes);
}
END_TEST

START_TEST(test_added_and_removed_workers)
{
	with_workers(&next, 3);
	ck_assert_int_eq(mp_reload_plan(&cur, &next, &plan), 0);
	ck_assert_uint_eq(plan.added, 1u << 2);
	with_workers(&next, 1);
	ck_assert_int_eq(mp_reload_plan(&cur, &next, &plan), 0);
	ck_assert_uint_eq(plan.removed, 1u << 1);
	ck_assert_uint_eq(plan.restarted, 0);
}
END_TEST

START_TEST(test_cpu_change_restarts_only_that_worker)
{
	next.workers.instances[1].cpu = 0;
	ck_assert_int_eq(mp_reload_plan(&cur, &next, &plan), 0);
	ck_assert_uint_eq(plan.restarted, 1u << 1);
}
END_TEST

START_TEST(test_program_change_restarts_every_worker)
{
	next.workers.program = strdup("/opt/mpworker-2");
	ck_assert_int_eq(mp_reload_plan(&cur, &next, &plan), 0);
	ck_assert_uint_eq(plan.restarted, 3);
}
END_TEST

START_TEST(test_instance_program_change_restarts_only_that_instance)
{
	next.workers.instances[1].program = strdup("/opt/nf-v2");
	ck_assert_int_eq(mp_reload_plan(&cur, &next, &plan), 0);
	ck_assert_uint_eq(plan.restarted, 1u << 1);
}
END_TEST

START_TEST(test_instance_args_change_restarts_only_that_instance)
{
	next.workers.instances[0].has_args = 1;
	next.workers.instances[0].args.v = calloc(2, sizeof(char *));
	next.workers.instances[0].args.v[0] = strdup("--rules=b");
	next.workers.instances[0].args.n = 1;
	ck_assert_int_eq(mp_reload_plan(&cur, &next, &plan), 0);
	ck_assert_uint_eq(plan.restarted, 1u << 0);
}
END_TEST

START_TEST(test_workers_program_change_spares_an_instance_with_its_own)
{
	cur.workers.instances[1].program = strdup("/opt/canary");
	next.workers.instances[1].program = strdup("/opt/canary");
	next.workers.program = strdup("/opt/mpworker-v2");
	ck_assert_int_eq(mp_reload_plan(&cur, &next, &plan), 0);
	ck_assert_uint_eq(plan.restarted, 1u << 0);
}
END_TEST

START_TEST(test_mempool_change_needs_restart_and_is_kept)
{
	next.mempool.mbufs = 4095;
	free(next.eal.file_prefix);
	next.eal.file_prefix = strdup("other");
	ck_assert_int_eq(mp_reload_plan(&cur, &next, &plan), 0);
	ck_assert_uint_eq(plan.nb_needs_restart, 2);
	ck_assert_str_eq(plan.needs_restart[0], "eal.file_prefix");
	ck_assert_str_eq(plan.needs_restart[1], "mempool.mbufs");
	ck_assert_uint_eq(next.mempool.mbufs, 16383);
	ck_assert_str_eq(next.eal.file_prefix, "mp");
}
END_TEST

START_TEST(test_restart_policy_change_applies_live)
{
	next.workers.restart.max_restarts = 99;
	ck_assert_int_eq(mp_reload_plan(&cur, &next, &plan), 0);
	ck_assert(plan.live_changes);
	ck_assert_uint_eq(plan.restarted, 0);
	ck_assert_uint_eq(plan.nb_needs_restart, 0);
}
END_TEST

START_TEST(test_hook_change_applies_live)
{
	next.hooks.on_state_change = strdup("/usr/local/bin/mp-hook");
	ck_assert_int_eq(mp_reload_plan(&cur, &next, &plan), 0);
	ck_assert(plan.live_changes);
	ck_assert_uint_eq(plan.restarted, 0);
	ck_assert_uint_eq(plan.nb_needs_restart, 0);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("reload");
	TCase *tc = tcase_create("plan");
	SRunner *sr;
	int failed;

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_same_config_changes_nothing);
	tcase_add_test(tc, test_hook_change_applies_live);
	tcase_add_test(tc, test_added_and_removed_workers);
	tcase_add_test(tc, test_cpu_change_restarts_only_that_worker);
	tcase_add_test(tc, test_program_change_restarts_every_worker);
	tcase_add_test(tc, test_instance_program_change_restarts_only_that_instance);
	tcase_add_test(tc, test_instance_args_change_restarts_only_that_instance);
	tcase_add_test(tc, test_workers_program_change_spares_an_instance_with_its_own);
	tcase_add_test(tc, test_mempool_change_needs_restart_and_is_kept);
	tcase_add_test(tc, test_restart_policy_change_applies_live);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
