/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libmpworker's public API (mpworker.h): mpw_main() takes a worker from
 * its command line to the end of its life, and the accessors an NF uses.
 *
 * The order of a start matters to crash recovery: the NF's init runs after
 * the worker found the master's objects but before it reports attached,
 * so that a worker killed inside it (where EAL allocations take EAL's
 * locks) counts as one that died before running, after which the master
 * checks those locks (master: eal_locks.c).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_service_component.h>

#include "log.h"
#include "mpworker.h"
#include "runtime.h"

_Static_assert(MPW_MAX_COUNTERS == MP_NF_COUNTERS &&
	       MPW_COUNTER_NAME_MAX + 1 == MP_NF_COUNTER_NAME, "mpworker.h and shm.h disagree");
_Static_assert(MPW_DROP == MP_PORT_NONE, "mpworker.h and shm.h disagree");

static void
on_stop_signal(int signum)
{
	mp_worker_request_stop();
}

static int
parse_uint(const char *s, uint64_t max, uint64_t *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* The value of option opt in argv[*i] ("--opt=V", or "-n V", "-nV"). */
static const char *
option_value(int argc, char **argv, int *i, const char *opt)
{
	size_t len = strlen(opt);

	if (strncmp(argv[*i], opt, len) != 0)
		return NULL;
	if (argv[*i][len] == '=')
		return argv[*i] + len + 1;
	if (opt[1] != '-' && argv[*i][len] != '\0')
		return argv[*i] + len;	/* -nV */
	if (argv[*i][len] == '\0' && *i + 1 < argc)
		return argv[++*i];
	return NULL;
}

/*
 * Take the runtime's own options out of argv (the worker arguments, after
 * EAL's), leaving the NF's in order in argv[1..*argc).  Prints one line
 * and returns -EINVAL on a bad one.
 */
static int
take_runtime_args(int *argc, char **argv, struct mpw_ctx *ctx, bool *have_id)
{
	const char *v;
	uint64_t u;
	int i, kept = 1;

	for (i = 1; i < *argc; i++) {
		if ((v = option_value(*argc, argv, &i, "-n")) != NULL) {
			if (parse_uint(v, MP_MAX_WORKERS - 1, &u) < 0) {
				mp_err("bad worker id \"%s\" (0..%u)", v, MP_MAX_WORKERS - 1);
				return -EINVAL;
			}
			ctx->id = (unsigned int)u;
			*have_id = true;
		} else if ((v = option_value(*argc, argv, &i, "--fault-after")) != NULL) {
			if (parse_uint(v, UINT64_MAX, &ctx->fault_after) < 0) {
				mp_err("bad --fault-after \"%s\"", v);
				return -EINVAL;
			}
		} else if ((v = option_value(*argc, argv, &i, "--fault")) != NULL) {
			if (strcmp(v, "segv") == 0)
				ctx->fault = MP_FAULT_SEGV;
			else if (strcmp(v, "abort") == 0)
				ctx->fault = MP_FAULT_ABORT;
			else if (strcmp(v, "hang") == 0)
				ctx->fault = MP_FAULT_HANG;
			else {
				mp_err("bad --fault \"%s\" (segv, abort or hang)", v);
				return -EINVAL;
			}
		} else {
			argv[kept++] = argv[i];
		}
	}
	argv[kept] = NULL;
	*argc = kept;
	return 0;
}

/*
 * `PROGRAM --check-args ARGS...`: the worker arguments parsed as a start
 * parses them (take_runtime_args(), then the NF's check), nothing else.
 */
static int
check_args(int argc, char **argv, const struct mpw_nf *nf)
{
	struct mpw_ctx ctx;
	bool have_id = false;

	memset(&ctx, 0, sizeof(ctx));
	argv[1] = argv[0];	/* drop --check-args */
	argc--;
	argv++;
	if (take_runtime_args(&argc, argv, &ctx, &have_id) < 0)
		return 1;
	if (nf->check_args != NULL && nf->check_args(argc, argv) < 0)
		return 1;
	return 0;
}

/*
 * No path calls rte_eal_cleanup(): in a secondary it write-locks the
 * primary's memory map to detach, and a worker killed there (stop
 * escalation, the watchdog) would leave the lock held and the master
 * waiting on it forever.  Exiting releases everything the worker holds;
 * what it owes the pool it has returned before.
 */
int
mpw_main(int argc, char **argv, const struct mpw_nf *nf)
{
	static struct mpw_ctx ctx;
	const char *name = argv[0];
	struct timespec t0, t1;
	struct sigaction sa;
	bool have_id = false;
	int ret;

	mp_log_init(nf != NULL && nf->name != NULL ? nf->name : "mpworker", MP_LOG_INFO);
	if (nf == NULL || nf->abi != MPW_ABI_VERSION || nf->burst == NULL) {
		mp_err("the network function was built for libmpworker ABI %u, this "
		       "is %u, or has no burst callback", nf != NULL ? nf->abi : 0,
		       MPW_ABI_VERSION);
		return 1;
	}
	if (argc > 1 && strcmp(argv[1], "--check-args") == 0)
		return check_args(argc, argv, nf);
	/*
	 * If the master dies we must not spin on a CPU.  Nothing is left to
	 * drain towards (the distributor died with it) and a secondary's EAL
	 * clean-up stalls without its primary, so the kernel kills us.
	 */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		mp_err("rte_eal_init() failed: %s (is mpmaster running with this file prefix?)",
		       rte_strerror(rte_errno));
		return 2;
	}
	/*
	 * Every DPDK process allocates the service cores' tables in the
	 * shared heap in rte_eal_init() (about 150 KB) and frees them only in
	 * rte_eal_cleanup(), which a worker never calls and a crash never
	 * reaches: a worker restarted 100 times took 15 MB of hugepage memory
	 * for good.  Workers run no services; give them back at once.
	 */
	rte_service_finalize();
	argc -= ret;
	argv += ret;
	argv[0] = (char *)name;
	ctx.nf = nf;
	ctx.fault_after = 1000;
	if (take_runtime_args(&argc, argv, &ctx, &have_id) < 0)
		return 1;
	if (!have_id) {
		mp_err("missing -n ID (a worker is started by mpmaster)");
		return 1;
	}
	if (mp_worker_attach(ctx.id, &ctx) < 0)
		return 2;
	__atomic_store_n(&ctx.slot->nf.nb, 0, __ATOMIC_RELEASE);
	if (nf->init != NULL) {
		ctx.in_init = true;
		ret = nf->init(&ctx, argc, argv);
		ctx.in_init = false;
		/* Names a predecessor had beyond ours are not ours. */
		__atomic_store_n(&ctx.slot->nf.nb, ctx.nb_counters, __ATOMIC_RELEASE);
		if (ret < 0) {
			mp_err("worker %u: %s: init failed: %s", ctx.id, nf->name,
			       strerror(-ret));
			return 1;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* Before the report, so that the master's log has it before "running". */
	mp_info("worker %u attached: pid %d, lcore %u, %s, EAL init and attach took %ld ms",
		ctx.id, (int)getpid(), rte_lcore_id(), nf->name,
		(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
	mp_worker_report_attached(&ctx);
	mp_worker_run(&ctx);
	if (nf->fini != NULL)
		nf->fini(&ctx);
	return 0;
}

unsigned int
mpw_worker_id(const struct mpw_ctx *ctx)
{
	return ctx->id;
}

unsigned int
mpw_nb_ports(const struct mpw_ctx *ctx)
{
	return ctx->shm->nb_ports;
}

uint16_t
mpw_port(const struct mpw_ctx *ctx, unsigned int i)
{
	return i < ctx->shm->nb_ports ? ctx->shm->ports[i] : MPW_DROP;
}

void *
mpw_state(const struct mpw_ctx *ctx)
{
	return ctx->state;
}

void
mpw_set_state(struct mpw_ctx *ctx, void *state)
{
	ctx->state = state;
}

static bool
counter_name_ok(const char *name)
{
	size_t i, len = name != NULL ? strlen(name) : 0;

	if (len == 0 || len > MPW_COUNTER_NAME_MAX)
		return false;
	for (i = 0; i < len; i++)
		if (!((name[i] >= 'a' && name[i] <= 'z') || (name[i] >= 'A' && name[i] <= 'Z') ||
		      (name[i] >= '0' && name[i] <= '9') || name[i] == '_'))
			return false;
	return true;
}

/*
 * The names go into our slot before we report attached, and their number
 * (nf.nb, 0 until then) after init, so that telemetry never shows a name
 * without its value.  A name the previous process of this id had at the
 * same index keeps counting from its value.
 */
int
mpw_counter(struct mpw_ctx *ctx, const char *name)
{
	struct mp_nf_counters *nf = &ctx->slot->nf;
	unsigned int k, idx = ctx->nb_counters;

	if (!ctx->in_init || !counter_name_ok(name))
		return -EINVAL;
	for (k = 0; k < idx; k++)
		if (strcmp(nf->name[k], name) == 0)
			return -EEXIST;
	if (idx == MPW_MAX_COUNTERS)
		return -ENOSPC;
	if (strcmp(nf->name[idx], name) == 0) {
		ctx->counters.value[idx] = nf->value[idx];
	} else {
		snprintf(nf->name[idx], sizeof(nf->name[idx]), "%s", name);
		nf->value[idx] = 0;
		ctx->counters.value[idx] = 0;
	}
	ctx->nb_counters = idx + 1;
	return (int)idx;
}

int
mpw_object_name(const struct mpw_ctx *ctx, const char *what, char *buf, size_t len)
{
	int n = snprintf(buf, len, "%s_w%u", what, ctx->id);

	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}
