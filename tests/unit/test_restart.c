/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the restart decision (src/master/restart.c). */
#include <check.h>
#include <stdlib.h>

#include "restart.h"

static const struct mp_restart_conf always = {
	.policy = MP_RESTART_ALWAYS, .backoff_first_ms = 100,
	.backoff_max_ms = 5000, .max_restarts = 10, .window_s = 60,
};

START_TEST(test_requested_stop_is_never_restarted)
{
	struct mp_restart_state st = { 0 };
	unsigned int delay;

	ck_assert_int_eq(mp_restart_decide(&always, &st, 1000, true, false, 0, &delay),
			 MP_RESTART_ACTION_STOP);
}
END_TEST

START_TEST(test_policy_never_leaves_a_crashed_worker_stopped)
{
	struct mp_restart_conf c = always;
	struct mp_restart_state st = { 0 };
	unsigned int delay;

	c.policy = MP_RESTART_NEVER;
	ck_assert_int_eq(mp_restart_decide(&c, &st, 1000, false, false, 0, &delay),
			 MP_RESTART_ACTION_STOP);
}
END_TEST

START_TEST(test_on_failure_keeps_a_clean_exit_stopped)
{
	struct mp_restart_conf c = always;
	struct mp_restart_state st = { 0 };
	unsigned int delay;

	c.policy = MP_RESTART_ON_FAILURE;
	ck_assert_int_eq(mp_restart_decide(&c, &st, 1000, false, true, 0, &delay),
			 MP_RESTART_ACTION_STOP);
	ck_assert_int_eq(mp_restart_decide(&c, &st, 1000, false, false, 0, &delay),
			 MP_RESTART_ACTION_RESTART);
}
END_TEST

START_TEST(test_always_restarts_a_clean_exit)
{
	struct mp_restart_state st = { 0 };
	unsigned int delay;

	ck_assert_int_eq(mp_restart_decide(&always, &st, 1000, false, true, 0, &delay),
			 MP_RESTART_ACTION_RESTART);
	ck_assert_uint_eq(delay, 100);
}
END_TEST

START_TEST(test_backoff_doubles_up_to_the_cap)
{
	static const unsigned int expected[] = { 100, 200, 400, 800, 1600, 3200, 5000, 5000 };
	struct mp_restart_conf c = always;
	struct mp_restart_state st = { 0 };
	unsigned int i, delay;

	c.max_restarts = 100;
	for (i = 0; i < sizeof(expected) / sizeof(expected[0]); i++) {
		ck_assert_int_eq(mp_restart_decide(&c, &st, 1000 + i, false, false, 10, &delay),
				 MP_RESTART_ACTION_RESTART);
		ck_assert_uint_eq(delay, expected[i]);
	}
}
END_TEST

START_TEST(test_backoff_resets_after_running_longer_than_the_cap)
{
	struct mp_restart_state st = { 0 };
	unsigned int delay;

	mp_restart_decide(&always, &st, 1000, false, false, 10, &delay);
	mp_restart_decide(&always, &st, 1100, false, false, 10, &delay);
	ck_assert_uint_eq(delay, 200);
	mp_restart_decide(&always, &st, 9000, false, false, 5001, &delay);
	ck_assert_uint_eq(delay, 100);
}
END_TEST

START_TEST(test_more_than_max_restarts_in_window_is_fatal)
{
	struct mp_restart_conf c = always;
	struct mp_restart_state st = { 0 };
	unsigned int i, delay;

	c.max_restarts = 3;
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(mp_restart_decide(&c, &st, 1000 + i, false, false, 0, &delay),
				 MP_RESTART_ACTION_RESTART);
	ck_assert_int_eq(mp_restart_decide(&c, &st, 1010, false, false, 0, &delay),
			 MP_RESTART_ACTION_FATAL);
}
END_TEST

START_TEST(test_restarts_in_a_new_window_are_counted_afresh)
{
	struct mp_restart_conf c = always;
	struct mp_restart_state st = { 0 };
	unsigned int i, delay;

	c.max_restarts = 2;
	for (i = 0; i < 2; i++)
		mp_restart_decide(&c, &st, 1000 + i, false, false, 0, &delay);
	ck_assert_int_eq(mp_restart_decide(&c, &st, 1000 + 60000, false, false, 0, &delay),
			 MP_RESTART_ACTION_RESTART);
}
END_TEST

static Suite *
restart_suite(void)
{
	Suite *s = suite_create("restart");
	TCase *tc = tcase_create("decide");

	tcase_add_test(tc, test_requested_stop_is_never_restarted);
	tcase_add_test(tc, test_policy_never_leaves_a_crashed_worker_stopped);
	tcase_add_test(tc, test_on_failure_keeps_a_clean_exit_stopped);
	tcase_add_test(tc, test_always_restarts_a_clean_exit);
	tcase_add_test(tc, test_backoff_doubles_up_to_the_cap);
	tcase_add_test(tc, test_backoff_resets_after_running_longer_than_the_cap);
	tcase_add_test(tc, test_more_than_max_restarts_in_window_is_fatal);
	tcase_add_test(tc, test_restarts_in_a_new_window_are_counted_afresh);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(restart_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
