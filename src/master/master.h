/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MP_MASTER_H
#define MP_MASTER_H

/*
 * Internal interfaces of mpmaster, one section per source file.  All
 * functions follow the project's error convention: 0 on success or a
 * negative errno value; those that can fail for a reason worth telling the
 * user log exactly one line saying what failed and why.
 */

#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "shm.h"

struct rte_mempool;
struct rte_ring;
struct rte_memzone;
struct rte_eth_stats;

/* Exit codes of mpmaster (SPEC.md). */
#define MP_EXIT_OK 0
#define MP_EXIT_CONFIG 1
#define MP_EXIT_STARTUP 2
/* Stopped, but DPDK's release of shared memory hung and was abandoned. */
#define MP_EXIT_UNCLEAN 3

/* The DPDK objects shared with the workers (objects.c). */
struct mp_tx;

struct mp_objects {
	struct rte_mempool *pool;
	const struct rte_memzone *mz;
	struct mp_shm *shm;
	struct rte_ring *rings[MP_MAX_WORKERS];	/* distributor -> worker */
	struct rte_ring *tx_rings[MP_MAX_WORKERS];	/* worker -> transmitter */
};

/* eal_args.c */

/*
 * Build the EAL argument vector of the primary from cfg into a NULL
 * terminated, heap-allocated vector.  Returns 0 or -ENOMEM.
 */
int mp_eal_primary_argv(const struct mp_config *cfg, const char *argv0,
			struct mp_strv *out);

/*
 * Build the argument vector that starts worker w with program: EAL's, then
 * "--", "-n ID" and the instance's args (or workers.args).  Returns 0 or
 * -ENOMEM.
 */
int mp_eal_worker_argv(const struct mp_config *cfg, const char *program,
		       const struct mp_worker_conf *w, struct mp_strv *out);

void mp_strv_free(struct mp_strv *v);

/* objects.c */

/*
 * Create the mempool (with a lane per worker id), the memzone with the
 * worker table and one ring per worker id, MP_MAX_WORKERS of each.  On
 * failure logs the failing call, frees what it created and returns a
 * negative errno.
 */
int mp_objects_create(const struct mp_config *cfg, struct mp_objects *o);

/*
 * Return to the pool the mbufs still queued on the workers' rings.  Only
 * once the distributor and every worker have stopped.
 */
void mp_objects_return_queued(struct mp_objects *o);

/* Free what o holds and zero it; a zeroed o is left as it is. */
void mp_objects_free(struct mp_objects *o);

/* ports.c */

/*
 * Check, configure and start every configured port: its RX queues for the
 * distributor, and one TX queue per possible worker id, or (tx: primary)
 * the transmitter's.  Fills the port fields of shm (among them, which
 * ports free what they transmit inside the call, and which transmit
 * through the primary).  Returns 0, -ENODEV for a port that does not
 * exist, -ENOTSUP or -EINVAL for a port that cannot work as configured
 * (one line naming the port and its driver), or the negative errno of
 * the failing ethdev call.
 */
int mp_ports_start(const struct mp_config *cfg, struct rte_mempool *pool,
		   struct mp_shm *shm);

void mp_ports_stop(const struct mp_config *cfg);

/* Does a configured port transmit through the primary (after start)? */
bool mp_ports_any_primary(const struct mp_config *cfg, const struct mp_shm *shm);

/* distributor.c */

/*
 * Launch the distributor on cfg->distributor.lcore; it polls tx (if not
 * NULL) in its loop.  Returns 0 or -errno.
 */
int mp_dist_start(const struct mp_config *cfg, struct mp_objects *o,
		  struct mp_tx *tx);

/* Tell the distributor to stop and wait for its lcore to return. */
void mp_dist_stop(const struct mp_config *cfg, struct mp_objects *o);

/*
 * Wait until the distributor has finished the loop iteration it is in, so
 * that nothing it unlinked before the call (an RX callback) is still in
 * use.  Callable from any thread; returns at once if the distributor does
 * not run.  Returns 0, or -ETIMEDOUT after timeout_ms.
 */
int mp_dist_quiesce(unsigned int timeout_ms);

/* quiesce.c */

/*
 * A packet lcore's loop as other threads see it: a counter of iterations
 * and whether the loop runs, written only by that lcore (a cache line of
 * their own), so that a thread about to free what the loop may use can
 * wait for the iteration under way to end.
 */
struct mp_loop_progress {
	uint64_t loops;
	bool running;
} __attribute__((aligned(64)));

static inline void
mp_loop_begin(struct mp_loop_progress *p)
{
	__atomic_store_n(&p->running, true, __ATOMIC_RELEASE);
}

static inline void
mp_loop_tick(struct mp_loop_progress *p)
{
	__atomic_store_n(&p->loops, p->loops + 1, __ATOMIC_RELEASE);
}

static inline void
mp_loop_end(struct mp_loop_progress *p)
{
	__atomic_store_n(&p->running, false, __ATOMIC_RELEASE);
}

/*
 * Wait until the iteration of p's loop under way at the call has ended
 * (at once if the loop does not run): what the caller unlinked before the
 * call is no longer in use.  Any thread.  Returns 0, or -ETIMEDOUT after
 * timeout_ms.
 */
int mp_loop_quiesce(struct mp_loop_progress *p, unsigned int timeout_ms);

/* The loops an unmap on EAL's interrupt thread waits for (quiesce.c). */
enum mp_loop_id {
	MP_LOOP_DISTRIBUTOR = 0,
	MP_LOOP_TRANSMITTER,
	MP_LOOP_MAX,
};

/* Watch loop id's progress p (static storage, never freed). */
void mp_quiesce_watch(enum mp_loop_id id, struct mp_loop_progress *p);

/* transmitter.c */

/*
 * Start the transmitter if a port transmits through the primary: on its
 * own lcore, or (transmitter.lcore unset) set *in_distributor for the
 * distributor to poll it.  Returns 0 (also with nothing to start) or a
 * negative errno after logging it.
 */
int mp_tx_start(const struct mp_config *cfg, struct mp_objects *o,
		struct mp_tx **in_distributor);

/*
 * Send what workers handed over since the last call, one burst per worker
 * ring.  Only on the transmitter's lcore.  Returns the packets moved.
 */
unsigned int mp_tx_poll(struct mp_tx *t);

/*
 * Once every worker and the distributor have stopped: stop the
 * transmitter and send what is left on the workers' rings to it.
 */
void mp_tx_stop(void);

/* audit.c */

/* Where the mbufs of the packet pool are, counted by mp_audit_pool(). */
struct mp_audit {
	unsigned int size;		/* mbufs the pool was populated with */
	unsigned int home;		/* found in the pool */
	unsigned int duplicated;	/* extra times found: freed twice */
	unsigned int missing;		/* found nowhere */
	unsigned int foreign;		/* pointers in the pool to no mbuf of it */
};

/*
 * Count every mbuf of mp found in the pool's storage.  Only once nothing
 * uses the pool: distributor, workers and ports stopped, rings returned.
 * Returns 0 or -ENOMEM.
 */
int mp_audit_pool(struct rte_mempool *mp, struct mp_audit *a);

/*
 * Log the audit as one line, an error unless it is exact: nothing
 * duplicated or foreign, and missing equal to leaked, the mbufs the crash
 * recoveries counted as lost.
 */
void mp_audit_log(const struct mp_audit *a, uint64_t leaked);

/* capture.c */

/*
 * Serve dpdk-dumpcap and dpdk-pdump: initialise librte_pdump.  The
 * distributor runs on dist_lcore and receives into packet_pool; a
 * capture turns that lcore's cache off in every other mempool (the
 * tools').  A failure is logged and leaves the pipeline without capture;
 * it never stops it.
 */
void mp_capture_init(unsigned int dist_lcore,
		     const struct rte_mempool *packet_pool);

/* Stop serving capture tools. */
void mp_capture_uninit(void);

/* eal_locks.c */

/*
 * Find EAL's shared configuration, after rte_eal_init(), so that locks left
 * held by killed workers can be released.  Returns 0; -ENOENT or -EPROTO
 * (logged) if it is not where or what this build expects, and then the
 * repair below does nothing.
 */
int mp_eallock_init(void);

/* The locks mp_eallock_release_stuck() looks at, as bits of which. */
enum {
	MP_EALLOCK_MEMZONE = 1 << 0,
	MP_EALLOCK_TAILQ = 1 << 1,
	MP_EALLOCK_MEMPOOL = 1 << 2,
	MP_EALLOCK_HOTPLUG = 1 << 3,	/* readers: most of a secondary's start-up */
	MP_EALLOCK_TABLE = 1 << 4,	/* the memzone and memseg tables' own */
	MP_EALLOCK_ALL_BITS = 5,
	MP_EALLOCK_ALL = (1 << MP_EALLOCK_ALL_BITS) - 1,
};

/*
 * A check for holds that no live process can own (eal_locks.c explains
 * how they are told apart from live ones).  Fill which and the pids of
 * the processes besides the master known to take none of these locks (the
 * running workers); mp_eallock_check() fills the rest.
 */
struct mp_eallock_check {
	unsigned int which;		/* MP_EALLOCK_* bits to look at */
	int allowed[MP_MAX_WORKERS];
	unsigned int nb_allowed;
	int blocker;			/* a live process that may hold them, or 0 */
	char blocker_comm[32];		/* its name */
	unsigned int released;		/* the bit of the lock released, or 0 */
	int32_t hold;			/* what was taken off its count */
	char table[64];			/* MP_EALLOCK_TABLE: which table's */
};

/*
 * Release what a dead process holds of the innermost lock in c->which
 * that is still held 200 ms on: a writer's hold, or those of the readers
 * present all along, as their unlocks would have.  Does nothing (and says
 * who in c->blocker) while another live process maps EAL's shared
 * configuration, except the allowed ones.  One lock per call, innermost
 * first, because a thread of ours waiting for an inner lock may itself
 * hold an outer one as a writer.  Blocks for those 200 ms when a lock is
 * held, and scans /proc: call it off the libuv loop.
 */
void mp_eallock_check(struct mp_eallock_check *c);

/* Log what a check released; when ends the line ("after worker 1 ..."). */
void mp_eallock_check_log(const struct mp_eallock_check *c, const char *when);

/*
 * mp_eallock_check() with no allowed process, logged: for the release of
 * DPDK at exit, when every worker is gone.  Returns whether it released
 * anything.
 */
bool mp_eallock_release_stuck(unsigned int which, const char *when);

/*
 * mp_eallock_release_stuck() of every lock, again while it releases
 * something: at most twice per lock (its holders, then a dead waiter's
 * bit).
 */
void mp_eallock_release_all_stuck(const char *when);

/* Log the counters of the locks this module knows; when ends the line. */
void mp_eallock_log_state(const char *when);

/* supervisor.c, worker_table.c */

/*
 * Run the libuv control loop: spawn every configured worker, supervise
 * them, publish stats, and return once a SIGTERM/SIGINT-initiated graceful
 * stop has stopped every worker.  Stop signals stay caught (and ignored)
 * after it returns, until the process exits.  Returns 0 or a negative
 * errno if the loop could not be set up.
 */
int mp_sup_run(struct mp_config *cfg, struct mp_objects *o);

/*
 * The lock under which the supervisor changes worker slots and replaces the
 * config on a reload; reader threads (telemetry) hold it while they read
 * either.
 */
void mp_sup_lock(void);
void mp_sup_unlock(void);

/* Copy a consistent view of worker slot id for a reader thread. */
void mp_sup_worker_snapshot(const struct mp_objects *o, unsigned int id,
			    struct mp_worker_slot *out);

/* view.c */

struct mp_view_worker {
	unsigned int id;
	const char *state;
	int pid;
	unsigned int lcore;
	unsigned int cpu;
	unsigned int restarts;
	double rx_pps;
	double tx_pps;
	double drop_pps;	/* a rate, like the others beside it */
	char counters[128];	/* the NF's: "allowed=12 denied=3" */
};

struct mp_view_port {
	unsigned int id;
	double rx_pps;
	double tx_pps;
	bool link_up;
	uint32_t link_speed_mbps;	/* 0 if down or unknown */
};

/* One interval's figures, as the supervisor computed them. */
struct mp_view {
	uint64_t generation;
	const char *mode;
	double rx_pps;			/* all ports */
	double tx_pps;
	double dist_drop_pps;
	struct mp_view_port ports[MP_MAX_PORTS];
	unsigned int nb_ports;
	struct mp_view_worker workers[MP_MAX_WORKERS];
	unsigned int nb_workers;
};

/* A live table on a terminal (table), or one log line. */
void mp_view_print(const struct mp_view *v, bool table);

/* telemetry.c */

/*
 * Register /mp/workers, /mp/stats and /mp/config, which read cfg and o
 * until mp_telemetry_close().  Returns 0 or -errno.
 */
int mp_telemetry_register(const struct mp_config *cfg, struct mp_objects *o);

/*
 * Before cfg or o go away: wait for the callbacks under way; every later
 * one answers an error.  Safe to call if nothing was registered.
 */
void mp_telemetry_close(void);

/* Readings shared by the telemetry commands and /metrics; any thread. */

/* Since worker slot s's last heartbeat; 0 without a process or a beat. */
uint64_t mp_telemetry_heartbeat_age_ms(const struct mp_objects *o,
				       const struct mp_worker_slot *s);

/* Packets queued on worker id's ring, and its capacity. */
void mp_telemetry_ring_use(const struct mp_objects *o, unsigned int id,
			   unsigned int *count, unsigned int *size);

struct mp_pool_use {
	uint64_t in_use;	/* mbufs out of the pool */
	uint64_t free;		/* in the pool and its caches */
	uint64_t size;
};

/*
 * The packet pool's use.  The two counts are read one after the other
 * while packets move: under traffic they need not add up to size.
 */
void mp_telemetry_pool_use(const struct mp_objects *o, struct mp_pool_use *u);

/* rte_eth_stats_get() of port, all zero if it fails. */
void mp_telemetry_port_stats(uint16_t port, struct rte_eth_stats *st);

/* notify.c */

/* Send msg ("READY=1", ...) to systemd if it started us; never fails. */
void mp_notify(const char *msg);

/* Interval of WATCHDOG=1 pings systemd asks for, in ms; 0 for none. */
unsigned int mp_notify_watchdog_ms(void);

/* Where the config lives by default (Makefile.am sets it). */
#ifndef MP_CONFDIR
#define MP_CONFDIR "/etc/mpmaster"
#endif

/* pidfile.c */

/*
 * Return the pid of a live mpmaster recorded in path, 0 if there is none
 * (no file, or a stale one).
 */
int mp_pidfile_read_live(const char *path);

/* Write getpid() to path atomically.  Returns 0 or -errno (logged). */
int mp_pidfile_write(const char *path);

void mp_pidfile_remove(const char *path);

/* runtime_files.c */

/*
 * Return the pid of the live DPDK primary holding the lock of file prefix
 * prefix, 0 if there is none.
 */
int mp_rtfiles_primary_pid(const char *prefix);

/*
 * Remove the runtime directory and hugepage files of file prefix prefix.
 * Only call when no primary of that prefix is alive.
 */
void mp_rtfiles_remove(const char *prefix, const struct mp_strv *eal_args);

#endif /* MP_MASTER_H */
