/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MPWORKER_H
#define MPWORKER_H

/**
 * @file
 * libmpworker: write a network function (NF) that runs as an mpmaster
 * worker.
 *
 * The runtime does everything a worker must: EAL as a DPDK secondary,
 * attaching to the master's shared objects, the heartbeat, the counters,
 * the crash-safe accounting of every packet it holds, draining its ring on
 * SIGTERM, adaptive polling and fault injection.  The NF only decides what
 * happens to each packet of a burst.
 *
 * An NF is a struct mpw_nf of callbacks handed to mpw_main():
 *
 * @code
 * static const struct mpw_nf nf = {
 *	.abi = MPW_ABI_VERSION, .name = "firewall",
 *	.init = fw_init, .burst = fw_burst, .fini = fw_fini,
 * };
 * int main(int argc, char **argv) { return mpw_main(argc, argv, &nf); }
 * @endcode
 *
 * Build: cc -O2 nf.c -o nf $(pkg-config --cflags --libs libmpworker)
 * (DPDK is linked statically: a worker then starts three times faster,
 * which is how fast a crashed worker is replaced).
 *
 * Ownership: the runtime owns every mbuf.  An NF reads and writes packet
 * data and sets a verdict per packet; it never frees, keeps, clones or
 * transmits an mbuf, and never allocates from the packet pool (an NF that
 * builds packets needs a pool of its own).  Shared objects an NF creates
 * (an ACL context, an LPM table, a pool) outlive a crashed worker: create
 * them in init under a name from mpw_object_name(), and free or reuse what
 * a predecessor left under that name first.  EAL allocations belong in
 * init only: a worker killed inside one could leave EAL's locks held, and
 * the master repairs those only for workers that die before they run.
 *
 * Threads: every callback runs on the worker's one lcore thread.
 */

#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>

#ifdef __cplusplus
extern "C" {
#endif

/** The version of this API; set struct mpw_nf.abi to it. */
#define MPW_ABI_VERSION 1

/** The verdict that drops a packet (counted in the worker's drops). */
#define MPW_DROP UINT16_MAX

/** How many counters an NF may declare. */
#define MPW_MAX_COUNTERS 16

/** The longest counter name, in bytes, without the terminating NUL. */
#define MPW_COUNTER_NAME_MAX 31

/** The runtime's context of one worker; opaque but for mpw_count(). */
struct mpw_ctx;

/** A network function: its callbacks (see mpw_main()). */
struct mpw_nf {
	/** MPW_ABI_VERSION of the header the NF was built with. */
	unsigned int abi;
	/** Its name, for the log. */
	const char *name;
	/**
	 * Optional.  Called once, after the worker attached to the master's
	 * shared objects and before it takes packets.  argv[0] is the
	 * program's name; argv[1..argc) the worker arguments the runtime did
	 * not consume (workers.args, or the instance's args).  Build tables,
	 * declare counters (mpw_counter()), keep state (mpw_set_state()).
	 * Return 0, or a negative errno value after printing one line saying
	 * why (for a file: "FILE:LINE: message"); the worker then exits 1 and
	 * the master's restart policy applies.
	 */
	int (*init)(struct mpw_ctx *ctx, int argc, char **argv);
	/**
	 * Required.  Decide the fate of pkts[0..n).  On entry out[i] holds
	 * the default output port of pkts[i] (the port paired with the one
	 * it came in on); set it to another port id or to MPW_DROP.  Packet
	 * data may be read and written.  A verdict that is not one of the
	 * master's ports is a drop, counted in the worker's drops.
	 */
	void (*burst)(struct mpw_ctx *ctx, struct rte_mbuf **pkts,
		      uint16_t *out, uint16_t n);
	/**
	 * Optional.  Called once at a graceful stop, after the ring was
	 * drained and every packet handed on.  A crash never reaches it.
	 */
	void (*fini)(struct mpw_ctx *ctx);
	/**
	 * Optional.  Check the worker arguments init would get (argc, argv
	 * as for init) without DPDK, the master or any side effect: parse
	 * them with the parser init uses, so that the two cannot disagree.
	 * Return 0, or a negative errno value after printing one line saying
	 * why.  `mpmaster -t` runs `PROGRAM --check-args ARGS...`, which
	 * calls it (see mpw_main()); without it only the runtime's own
	 * arguments are checked.
	 */
	int (*check_args)(int argc, char **argv);
};

/**
 * Run a worker with nf: initialise EAL as a secondary from argv (the EAL
 * arguments the master passes, then "--", then the worker arguments),
 * attach, call nf->init, then feed bursts to nf->burst until SIGTERM has
 * drained the ring, then call nf->fini.
 *
 * The runtime consumes these worker arguments itself: -n ID (the worker
 * id, from the master), --fault=segv|abort|hang and --fault-after=N
 * (crash for real once N packets were seen; for demos and tests).
 *
 * Run as `PROGRAM --check-args [WORKER ARGS...]`, it only checks the
 * worker arguments (the runtime's, then nf->check_args with the rest) and
 * exits 0 if they are good, else 1 after one line saying why: no EAL, no
 * master.  mpmaster -t asks every worker program so.
 *
 * @return
 *   The process's exit status: 0 stopped on request (or arguments
 *   good, with --check-args); 1 bad arguments, an
 *   NF built for another ABI, or nf->init failed; 2 EAL or the master's
 *   objects not found (no master running, or another build's).
 */
int mpw_main(int argc, char **argv, const struct mpw_nf *nf);

/** @return The worker's id (0..31): its ring, its TX queue, its counters. */
unsigned int mpw_worker_id(const struct mpw_ctx *ctx);

/** @return The number of ports the master runs. */
unsigned int mpw_nb_ports(const struct mpw_ctx *ctx);

/**
 * @return
 *   The DPDK port id of the master's i-th port (0 <= i < mpw_nb_ports()),
 *   or MPW_DROP for an i out of range.
 */
uint16_t mpw_port(const struct mpw_ctx *ctx, unsigned int i);

/** @return What the NF stored with mpw_set_state(), or NULL. */
void *mpw_state(const struct mpw_ctx *ctx);

/** Store the NF's own state, for the callbacks to find; the NF owns it. */
void mpw_set_state(struct mpw_ctx *ctx, void *state);

/**
 * Declare a counter, in nf->init only.  It appears in the master's
 * telemetry (/mp/workers: "counters": {"name": value}) and metrics, per
 * worker, published once per burst.  A counter of the same name and place
 * as the previous process of this worker id declared goes on from its
 * value, so counters only grow across restarts.
 *
 * @param name
 *   1 to MPW_COUNTER_NAME_MAX characters of [A-Za-z0-9_].
 * @return
 *   The counter's index for mpw_count(), or -EINVAL (bad name, or called
 *   outside init), -EEXIST (declared already), -ENOSPC (MPW_MAX_COUNTERS
 *   declared).
 */
int mpw_counter(struct mpw_ctx *ctx, const char *name);

/**
 * Build the name of a shared object of this worker id into buf: what,
 * then "_w" and the worker id ("fw_acl" -> "fw_acl_w3").  A process of the
 * same id finds its predecessor's objects under it (rte_acl_find_existing(),
 * rte_lpm_find_existing() ...) to free or reuse them.
 *
 * @return
 *   0, or -ENAMETOOLONG if it does not fit in len bytes.
 */
int mpw_object_name(const struct mpw_ctx *ctx, const char *what, char *buf,
		    size_t len);

/** @internal The part of struct mpw_ctx that mpw_count() touches. */
struct mpw_ctx_counters {
	uint64_t value[MPW_MAX_COUNTERS];
};

/**
 * Add n to counter idx (from mpw_counter()).  A store into the worker's
 * own memory: cheap enough per packet.  An invalid idx (a failed
 * mpw_counter()) is ignored.
 */
static inline void
mpw_count(struct mpw_ctx *ctx, int idx, uint64_t n)
{
	struct mpw_ctx_counters *c = (struct mpw_ctx_counters *)(void *)ctx;

	if (likely((unsigned int)idx < MPW_MAX_COUNTERS))
		c->value[idx] += n;
}

#ifdef __cplusplus
}
#endif

#endif /* MPWORKER_H */
