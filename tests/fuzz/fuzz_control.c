/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the control protocol's request parser
 * (src/shared/control_proto.c), fed whatever a local client could send.
 * It checks what control_proto.h promises, not only that nothing crashes
 * (ASan and UBSan see to that):
 *  - on failure: -EINVAL and an error of one line of printable ASCII,
 *    also when the buffer is small;
 *  - on success: a valid command and id, and the request formatted back
 *    (what mpctl sends) parses to the same request.
 * A broken invariant aborts, which libFuzzer reports as a crash.
 *
 * Build and run: `make fuzz` and `make fuzz-run FUZZ_TARGET=fuzz_control`.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "control_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
broken(const char *what, int line, const char *err)
{
	fprintf(stderr, "fuzz_control.c:%d: invariant broken: %s\nerr: \"%s\"\n",
		line, what, err);
	abort();
}

#define CHECK(cond, err) do { if (!(cond)) broken(#cond, __LINE__, err); } while (0)

static void
check_line(const char *err, size_t cap)
{
	size_t i, len = strnlen(err, cap);

	CHECK(len < cap, err);
	CHECK(len > 0, err);
	for (i = 0; i < len; i++)
		CHECK(err[i] >= 0x20 && err[i] < 0x7f, err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_ctl_request req, again;
	char err[MP_ERR_LEN], small[24], line[64];
	char *copy;
	int rc, n;

	if (size > MP_CTL_MAX_REQUEST)
		return 0;
	/* Exactly size bytes, no NUL after them: the parser must not need one. */
	copy = malloc(size ? size : 1);
	if (copy == NULL)
		return 0;
	memcpy(copy, data, size);
	memset(err, 'X', sizeof(err));
	rc = mp_ctl_parse_request(copy, size, &req, err, sizeof(err));
	if (rc < 0) {
		CHECK(rc == -EINVAL, err);
		check_line(err, sizeof(err));
		memset(small, 'X', sizeof(small));
		CHECK(mp_ctl_parse_request(copy, size, &req, small, sizeof(small)) == -EINVAL,
		      small);
		check_line(small, sizeof(small));
		CHECK(strncmp(small, err, strlen(small)) == 0, small);
	} else {
		CHECK(rc == 0, "");
		CHECK(mp_ctl_cmd_name(req.cmd) != NULL, "");
		CHECK(req.id == MP_CTL_ALL || (req.id >= 0 && req.id < MP_MAX_WORKERS), "");
		CHECK(req.id != MP_CTL_ALL || req.cmd == MP_CTL_RESTART, "");
		n = mp_ctl_format_request(&req, line, sizeof(line));
		CHECK(n > 0 && line[n - 1] == '\n', line);
		CHECK(mp_ctl_parse_request(line, (size_t)n - 1, &again, err, sizeof(err)) == 0,
		      err);
		CHECK(again.cmd == req.cmd && again.id == req.id, line);
	}
	free(copy);
	return 0;
}
