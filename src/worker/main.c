/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mpworker: a DPDK secondary started by mpmaster as
 *   mpworker [EAL args] -- -n ID [--handler=l2fwd|macswap]
 *                          [--fault=segv|abort|hang --fault-after=N]
 * It attaches to the master's shared objects and forwards the packets the
 * distributor puts on its ring.  Exit codes: 0 stopped on request, 1 usage,
 * 2 could not attach.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include <rte_lcore.h>

#include <rte_eal.h>
#include <rte_errno.h>

#include "log.h"
#include "runtime.h"

static void
usage(void)
{
	fprintf(stderr,
		"Usage: mpworker [EAL args] -- -n ID [--handler=NAME] [--fault=KIND] [--fault-after=N]\n"
		"  -n ID              worker id (its ring, TX queue and table slot)\n"
		"  --handler=NAME     l2fwd (default: out of the paired port) or macswap\n"
		"                     (also swap source and destination MAC)\n"
		"  --fault=KIND       crash for real after --fault-after packets (default 1000):\n"
		"                     segv (NULL write in the handler), abort, hang (no heartbeat)\n");
}

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

static const struct mp_handler *const handlers[] = {
	&mp_l2fwd_handler,
	&mp_macswap_handler,
};

static const struct mp_handler *
find_handler(const char *name)
{
	size_t i;

	for (i = 0; i < RTE_DIM(handlers); i++)
		if (strcmp(handlers[i]->name, name) == 0)
			return handlers[i];
	return NULL;
}

static int
parse_args(int argc, char **argv, unsigned int *id, const struct mp_handler **handler,
	   enum mp_fault *fault, uint64_t *fault_after)
{
	static const struct option longopts[] = {
		{ "handler", required_argument, NULL, 'h' },
		{ "fault", required_argument, NULL, 'f' },
		{ "fault-after", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	bool have_id = false;
	uint64_t v;
	int opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "n:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'n':
			if (parse_uint(optarg, MP_MAX_WORKERS - 1, &v) < 0) {
				fprintf(stderr, "mpworker: bad worker id \"%s\" (0..%u)\n",
					optarg, MP_MAX_WORKERS - 1);
				return -EINVAL;
			}
			*id = (unsigned int)v;
			have_id = true;
			break;
		case 'h':
			*handler = find_handler(optarg);
			if (*handler == NULL) {
				fprintf(stderr, "mpworker: unknown --handler \"%s\" (l2fwd or macswap)\n",
					optarg);
				return -EINVAL;
			}
			break;
		case 'f':
			if (strcmp(optarg, "segv") == 0)
				*fault = MP_FAULT_SEGV;
			else if (strcmp(optarg, "abort") == 0)
				*fault = MP_FAULT_ABORT;
			else if (strcmp(optarg, "hang") == 0)
				*fault = MP_FAULT_HANG;
			else {
				fprintf(stderr, "mpworker: bad --fault \"%s\" (segv, abort or hang)\n",
					optarg);
				return -EINVAL;
			}
			break;
		case 'a':
			if (parse_uint(optarg, UINT64_MAX, fault_after) < 0) {
				fprintf(stderr, "mpworker: bad --fault-after \"%s\"\n", optarg);
				return -EINVAL;
			}
			break;
		default:
			return -EINVAL;
		}
	}
	if (!have_id) {
		fprintf(stderr, "mpworker: missing -n ID\n");
		return -EINVAL;
	}
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
main(int argc, char **argv)
{
	const struct mp_handler *handler = &mp_l2fwd_handler;
	struct mp_worker_ctx ctx;
	enum mp_fault fault = MP_FAULT_NONE;
	uint64_t fault_after = 1000;
	struct timespec t0, t1;
	struct sigaction sa;
	unsigned int id = 0;
	int ret;

	mp_log_init("mpworker", MP_LOG_INFO);
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
	argc -= ret;
	argv += ret;
	argv[0] = (char *)"mpworker";
	if (parse_args(argc, argv, &id, &handler, &fault, &fault_after) < 0) {
		usage();
		return 1;
	}
	if (mp_worker_attach(id, &ctx) < 0)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	mp_info("worker %u attached: pid %d, lcore %u, EAL init and attach took %ld ms",
		id, (int)getpid(), rte_lcore_id(),
		(t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
	ctx.fault = fault;
	ctx.fault_after = fault_after;
	mp_worker_run(&ctx, handler);
	return 0;
}
