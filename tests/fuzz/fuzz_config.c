/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for the config parser (src/shared/config.c).  It gives
 * mp_config_parse() any bytes and checks what config.h promises, not only
 * that nothing crashes (ASan and UBSan see to that):
 *  - on failure: -EINVAL, -EFBIG or -ENOMEM; *cfg zeroed; err one line of
 *    printable ASCII that starts with the name, then LINE:COL (within the
 *    input) for -EINVAL; and the same line cut short, with a smaller
 *    buffer, is a prefix of it (no escape is split);
 *  - on success: every rule the checker enforces holds of *cfg, and
 *    every string it owns is there and bounded.
 * A broken invariant aborts, which libFuzzer reports as a crash.
 *
 * Build and run: `make fuzz` and `make fuzz-run` (README.md).
 */
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define NAME "fuzz.yaml"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
broken(const char *what, int line, const char *err)
{
	fprintf(stderr, "fuzz_config.c:%d: invariant broken: %s\nerr: \"%s\"\n",
		line, what, err);
	abort();
}

#define CHECK(cond, err) do { if (!(cond)) broken(#cond, __LINE__, err); } while (0)

static bool
zeroed(const void *p, size_t n)
{
	const unsigned char *c = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (c[i] != 0)
			return false;
	return true;
}

static void
check_string(const char *s, bool nonempty, size_t max)
{
	CHECK(s != NULL, "");
	CHECK(!nonempty || s[0] != '\0', s);
	CHECK(strlen(s) <= max, "");
}

static void
check_strv(const struct mp_strv *v)
{
	unsigned int i;

	CHECK(v->n <= MP_MAX_ARGS, "");
	CHECK(v->n == 0 || v->v != NULL, "");
	if (v->v == NULL)
		return;
	for (i = 0; i < v->n; i++)
		check_string(v->v[i], false, MP_MAX_ARG_LEN);
	CHECK(v->v[v->n] == NULL, "");
}

/* The rules of config.c's header comment and of check_config(). */
static void
check_config(const struct mp_config *c)
{
	bool lcore_used[128] = { false }, port_used[MP_MAX_PORTS] = { false };
	const struct mp_worker_conf *w;
	unsigned int i, v;
	const char *p;

	CHECK(c->path != NULL && strcmp(c->path, NAME) == 0, "");
	check_string(c->eal.file_prefix, true, 32);
	for (p = c->eal.file_prefix; *p; p++)
		CHECK((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '-', c->eal.file_prefix);
	check_string(c->pid_file, true, PATH_MAX - 1);
	if (c->log_file != NULL)
		check_string(c->log_file, true, PATH_MAX - 1);
	if (c->workers.program != NULL)
		check_string(c->workers.program, true, PATH_MAX - 1);
	check_strv(&c->eal.args);
	check_strv(&c->workers.args);
	CHECK(c->eal.memory_mb >= 16 && c->eal.memory_mb <= 65536, "");

	CHECK(c->nb_ports >= 1 && c->nb_ports <= MP_MAX_PORTS, "");
	for (i = 0; i < c->nb_ports; i++) {
		CHECK(c->ports[i] < MP_MAX_PORTS && !port_used[c->ports[i]], "");
		port_used[c->ports[i]] = true;
	}
	CHECK(c->mempool.mbufs >= 1024 && c->mempool.mbufs <= 4194304, "");
	CHECK(c->mempool.cache <= 512, "");
	CHECK(c->distributor.burst >= 1 && c->distributor.burst <= 512, "");
	CHECK(c->distributor.mode == MP_DIST_ROUND_ROBIN ||
	      c->distributor.mode == MP_DIST_FLOW_HASH, "");

	v = c->workers.ring_size;
	CHECK(v >= 64 && v <= 1048576 && (v & (v - 1)) == 0, "");
	CHECK(c->workers.poll == MP_POLL_BUSY || c->workers.poll == MP_POLL_ADAPTIVE, "");
	CHECK(c->workers.restart.policy == MP_RESTART_ALWAYS ||
	      c->workers.restart.policy == MP_RESTART_ON_FAILURE ||
	      c->workers.restart.policy == MP_RESTART_NEVER, "");
	CHECK(c->workers.restart.backoff_first_ms <= c->workers.restart.backoff_max_ms, "");
	CHECK(c->workers.restart.backoff_max_ms <= 3600000, "");
	CHECK(c->workers.restart.max_restarts <= 1000000, "");
	CHECK(c->workers.restart.window_s >= 1 && c->workers.restart.window_s <= 86400, "");
	CHECK(c->workers.stop_timeout_ms <= 600000, "");
	v = c->workers.heartbeat_timeout_ms;
	CHECK(v == 0 || (v >= 50 && v <= 600000), "");
	CHECK(c->stats.interval_s <= 3600, "");

	/* Workers: 1..32, sorted and dense ids; every lcore id used once. */
	CHECK(c->workers.nb_instances >= 1 && c->workers.nb_instances <= MP_MAX_WORKERS, "");
	CHECK(c->eal.main_lcore < 128 && c->distributor.lcore < 128, "");
	lcore_used[c->eal.main_lcore] = true;
	CHECK(!lcore_used[c->distributor.lcore], "");
	lcore_used[c->distributor.lcore] = true;
	for (i = 0; i < c->workers.nb_instances; i++) {
		w = &c->workers.instances[i];
		CHECK(w->id == i, "");
		CHECK(w->lcore < 128 && !lcore_used[w->lcore], "");
		lcore_used[w->lcore] = true;
	}
}

/* An upper bound of the lines in the input, for any way of counting them. */
static size_t
max_lines(const uint8_t *data, size_t size)
{
	size_t i, n = 1;

	for (i = 0; i < size; i++)
		if (data[i] == '\n' || data[i] == '\r' || data[i] == 0x85 ||
		    data[i] == 0xa8 || data[i] == 0xa9 || data[i] == 0x28 || data[i] == 0x29)
			n++;
	return n;
}

static void
check_error(const uint8_t *data, size_t size, int rc, const char *err)
{
	unsigned long line, col;
	const char *c;
	char *end;

	CHECK(rc == -EINVAL || rc == -EFBIG || rc == -ENOMEM, err);
	CHECK(strncmp(err, NAME ":", strlen(NAME) + 1) == 0, err);
	for (c = err; *c; c++)
		CHECK(*c >= 0x20 && *c <= 0x7e, err);
	CHECK(strlen(err) > strlen(NAME) + 2, err);
	if (rc != -EINVAL)
		return;
	/* NAME:LINE:COL: message, inside the input. */
	c = err + strlen(NAME) + 1;
	line = strtoul(c, &end, 10);
	CHECK(end != c && *end == ':', err);
	c = end + 1;
	col = strtoul(c, &end, 10);
	CHECK(end != c && end[0] == ':' && end[1] == ' ' && end[2] != '\0', err);
	CHECK(line >= 1 && line <= max_lines(data, size), err);
	CHECK(col >= 1 && col <= size + 1, err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[MP_ERR_LEN], cut[MP_ERR_LEN];
	struct mp_config cfg;
	size_t cutlen;
	int rc;

	memset(err, 0, sizeof(err));
	memset(&cfg, 0xa5, sizeof(cfg));	/* need not be initialised */
	rc = mp_config_parse(NAME, (const char *)data, size, &cfg, err, sizeof(err));
	if (rc == 0) {
		CHECK(err[0] == '\0', err);	/* left alone on success */
		check_config(&cfg);
		mp_config_free(&cfg);
		CHECK(zeroed(&cfg, sizeof(cfg)), "");
		return 0;
	}
	CHECK(memchr(err, '\0', sizeof(err)) != NULL, "");
	CHECK(zeroed(&cfg, sizeof(cfg)), err);
	check_error(data, size, rc, err);

	/* A shorter buffer holds a prefix of the same line. */
	cutlen = 1 + (size > 0 ? data[0] : 0) % 48 + strlen(NAME);
	memset(cut, 0x5a, sizeof(cut));
	CHECK(mp_config_parse(NAME, (const char *)data, size, &cfg, cut, cutlen) == rc, err);
	CHECK(memchr(cut, '\0', cutlen) != NULL, err);
	CHECK(strncmp(cut, err, strlen(cut)) == 0, err);
	CHECK(strlen(cut) == strlen(err) || strlen(cut) + 4 >= cutlen, err);
	return 0;
}
