/* SPDX-License-Identifier: BSD-3-Clause */
/* The control protocol's requests: what the master accepts and refuses. */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "control_proto.h"

static struct mp_ctl_request req;
static char err[MP_ERR_LEN];

static int
parse(const char *line)
{
	err[0] = '\0';
	return mp_ctl_parse_request(line, strlen(line), &req, err, sizeof(err));
}

static void
assert_refused(const char *line, const char *phrase)
{
	ck_assert_int_eq(parse(line), -EINVAL);
	ck_assert_msg(strstr(err, phrase) != NULL, "\"%s\": want \"%s\" in \"%s\"",
		      line, phrase, err);
}

START_TEST(test_every_command_is_parsed)
{
	ck_assert_int_eq(parse("status"), 0);
	ck_assert_int_eq(req.cmd, MP_CTL_STATUS);
	ck_assert_int_eq(parse("reload"), 0);
	ck_assert_int_eq(req.cmd, MP_CTL_RELOAD);
	ck_assert_int_eq(parse("shutdown"), 0);
	ck_assert_int_eq(req.cmd, MP_CTL_SHUTDOWN);
	ck_assert_int_eq(parse("stop 3"), 0);
	ck_assert_int_eq(req.cmd, MP_CTL_STOP);
	ck_assert_int_eq(req.id, 3);
	ck_assert_int_eq(parse("start 31"), 0);
	ck_assert_int_eq(req.cmd, MP_CTL_START);
	ck_assert_int_eq(req.id, 31);
	ck_assert_int_eq(parse("restart 0"), 0);
	ck_assert_int_eq(req.cmd, MP_CTL_RESTART);
	ck_assert_int_eq(req.id, 0);
}
END_TEST

START_TEST(test_restart_all_is_the_only_all)
{
	ck_assert_int_eq(parse("restart all"), 0);
	ck_assert_int_eq(req.id, MP_CTL_ALL);
	assert_refused("stop all", "\"all\" is not a worker id (0..31)");
	assert_refused("start all", "is not a worker id");
}
END_TEST

START_TEST(test_spaces_tabs_and_a_final_cr_are_allowed)
{
	ck_assert_int_eq(parse("  \tstop\t 2  \r"), 0);
	ck_assert_int_eq(req.cmd, MP_CTL_STOP);
	ck_assert_int_eq(req.id, 2);
}
END_TEST

START_TEST(test_ids_outside_0_to_31_are_refused)
{
	assert_refused("stop 32", "\"32\" is not a worker id");
	assert_refused("stop -1", "\"-1\" is not a worker id");
	assert_refused("stop 007", "\"007\" is not a worker id");
	assert_refused("stop 1x", "\"1x\" is not a worker id");
	assert_refused("stop +1", "is not a worker id");
}
END_TEST

START_TEST(test_missing_and_extra_arguments_are_refused)
{
	assert_refused("stop", "stop needs a worker id");
	assert_refused("restart", "restart needs a worker id or \"all\"");
	assert_refused("status now", "status takes no argument");
	assert_refused("stop 1 2", "stop takes one argument");
	assert_refused("stop 1 2 3 4 5", "too many words");
}
END_TEST

START_TEST(test_unknown_and_empty_requests_are_refused)
{
	assert_refused("frobnicate", "unknown command \"frobnicate\"");
	assert_refused("STATUS", "unknown command");
	assert_refused("", "empty request");
	assert_refused(" \t ", "empty request");
}
END_TEST

START_TEST(test_control_bytes_are_refused_and_quoted_escaped)
{
	static const char bin[] = "stat\0us";

	ck_assert_int_eq(mp_ctl_parse_request(bin, sizeof(bin) - 1, &req, err,
					      sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "byte 5 of the request is not printable ASCII (0x00)");
	assert_refused("status\x1b[2J", "not printable ASCII (0x1b)");
	assert_refused("st\"a\\tus", "unknown command \"st\\x22a\\x5ctus\"");
}
END_TEST

START_TEST(test_a_long_word_is_quoted_cut_short)
{
	char line[200];

	memset(line, 'w', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	assert_refused(line, "unknown command \"wwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww...\"");
}
END_TEST

START_TEST(test_formatted_requests_parse_back)
{
	static const struct mp_ctl_request all[] = {
		{ MP_CTL_STATUS, 0 }, { MP_CTL_RELOAD, 0 }, { MP_CTL_SHUTDOWN, 0 },
		{ MP_CTL_STOP, 5 }, { MP_CTL_START, 31 }, { MP_CTL_RESTART, MP_CTL_ALL },
	};
	char line[32];
	unsigned int i;
	int n;

	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		n = mp_ctl_format_request(&all[i], line, sizeof(line));
		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(line[n - 1], '\n');
		ck_assert_int_eq(mp_ctl_parse_request(line, (size_t)n - 1, &req, err,
						      sizeof(err)), 0);
		ck_assert_int_eq(req.cmd, all[i].cmd);
		ck_assert_int_eq(req.id, all[i].id);
	}
	ck_assert_int_eq(mp_ctl_format_request(&all[5], line, 5), -ENOSPC);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("control_proto");
	TCase *tc = tcase_create("requests");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_every_command_is_parsed);
	tcase_add_test(tc, test_restart_all_is_the_only_all);
	tcase_add_test(tc, test_spaces_tabs_and_a_final_cr_are_allowed);
	tcase_add_test(tc, test_ids_outside_0_to_31_are_refused);
	tcase_add_test(tc, test_missing_and_extra_arguments_are_refused);
	tcase_add_test(tc, test_unknown_and_empty_requests_are_refused);
	tcase_add_test(tc, test_control_bytes_are_refused_and_quoted_escaped);
	tcase_add_test(tc, test_a_long_word_is_quoted_cut_short);
	tcase_add_test(tc, test_formatted_requests_parse_back);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
