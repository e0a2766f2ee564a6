/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MP_RELOAD_H
#define MP_RELOAD_H

/*
 * What a SIGHUP reload changes, computed from the running and the new
 * config without side effects, so that the supervisor only executes a plan
 * and the plan can be tested on its own.
 */

#include <stdbool.h>
#include <stdint.h>

#include "config.h"

#define MP_RELOAD_MAX_NOTES 16

struct mp_reload_plan {
	/* Settings that need a full restart; they keep their running value. */
	const char *needs_restart[MP_RELOAD_MAX_NOTES];
	unsigned int nb_needs_restart;

	uint64_t added;		/* worker ids to start */
	uint64_t removed;	/* worker ids to drain and stop for good */
	uint64_t restarted;	/* worker ids to restart one at a time */
	bool live_changes;	/* restart policy, timeouts, stats, mode, hooks */
};

/*
 * Compare the running config cur with next and fill plan.  Settings that
 * need a full restart (eal.*, pid_file, log_file, control.*,
 * metrics.listen, ports, mempool.*, distributor lcore, cpu and burst,
 * workers.ring_size) are copied from cur into next, so
 * next describes what will actually run.  A worker is restarted when its
 * lcore, cpu, program or args changed (its own, or workers.program and
 * workers.args for an instance without its own), or workers.poll (then
 * every worker is).  Returns 0 or -ENOMEM.
 */
int mp_reload_plan(const struct mp_config *cur, struct mp_config *next,
		   struct mp_reload_plan *plan);

#endif /* MP_RELOAD_H */
