/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MP_CONFIG_H
#define MP_CONFIG_H

/*
 * The mpmaster configuration: a typed image of the YAML file described in
 * SPEC.md, with every default filled in.
 *
 * Error convention (the whole project): functions return 0 on success or a
 * negative errno value on failure.  Functions that parse user input also
 * write one human-readable line into a caller-supplied buffer; for config
 * files that line has the form "FILE:LINE:COL: message" (1-based line and
 * column of the offending YAML node).
 */

#include <stddef.h>
#include <stdint.h>

#define MP_MAX_WORKERS 32	/* worker ids 0..MP_MAX_WORKERS-1 */
#define MP_MAX_PORTS 32
#define MP_MAX_ARGS 64		/* eal.args and workers.args entries */
#define MP_ERR_LEN 512		/* size of an error buffer */

enum mp_dist_mode {
	MP_DIST_ROUND_ROBIN = 0,
	MP_DIST_FLOW_HASH,
};

enum mp_poll_mode {
	MP_POLL_BUSY = 0,
	MP_POLL_ADAPTIVE,
};

enum mp_restart_policy {
	MP_RESTART_ALWAYS = 0,
	MP_RESTART_ON_FAILURE,
	MP_RESTART_NEVER,
};

/* A NULL-terminated, heap-owned string vector (argv style). */
struct mp_strv {
	char **v;		/* v[n] == NULL; v itself may be NULL when n == 0 */
	unsigned int n;
};

struct mp_restart_conf {
	enum mp_restart_policy policy;	/* default always */
	unsigned int backoff_first_ms;	/* default 100 */
	unsigned int backoff_max_ms;	/* default 5000, >= first */
	unsigned int max_restarts;	/* default 10 */
	unsigned int window_s;		/* default 60, >= 1 */
};

struct mp_worker_conf {
	unsigned int id;
	unsigned int lcore;
	unsigned int cpu;
};

struct mp_config {
	char *path;			/* the file this was read from */

	struct {
		char *file_prefix;	/* default "mp" */
		unsigned int main_lcore;	/* default 0 */
		unsigned int main_cpu;	/* default 0 */
		unsigned int memory_mb;	/* default 256 */
		struct mp_strv args;	/* default [--no-pci, --vdev=net_null0, --vdev=net_null1] */
	} eal;

	char *pid_file;			/* default "/run/mpmaster-<file_prefix>.pid" */
	char *log_file;			/* NULL: log to stderr */

	uint16_t ports[MP_MAX_PORTS];	/* default [0, 1] */
	unsigned int nb_ports;

	struct {
		unsigned int mbufs;	/* default 16383 */
		unsigned int cache;	/* default 256, at most 512 (RTE_MEMPOOL_CACHE_MAX_SIZE) */
	} mempool;

	struct {
		unsigned int lcore;	/* default 1 */
		unsigned int cpu;	/* default 0 */
		enum mp_dist_mode mode;	/* default round-robin */
		unsigned int burst;	/* default 32, 1..512 */
	} distributor;

	struct {
		char *program;		/* NULL = the mpworker beside mpmaster */
		struct mp_strv args;	/* default [] */
		unsigned int ring_size;	/* default 2048, power of two, 64..1048576 */
		enum mp_poll_mode poll;	/* default busy */
		struct mp_restart_conf restart;
		unsigned int stop_timeout_ms;		/* default 2000 */
		unsigned int heartbeat_timeout_ms;	/* default 1000, 0 = off */
		/* Sorted by id; ids are dense from 0 (the checker enforces it). */
		struct mp_worker_conf instances[MP_MAX_WORKERS];
		unsigned int nb_instances;	/* required, >= 1 */
	} workers;

	struct {
		unsigned int interval_s;	/* default 1, 0 = off */
	} stats;
};

/*
 * Fill *cfg with the defaults of SPEC.md (no workers: instances are
 * required).  Returns 0 or -ENOMEM.
 */
int mp_config_defaults(struct mp_config *cfg);

/*
 * Read, parse and check the YAML file at path into *cfg (which need not be
 * initialised; on failure it is left empty and need not be freed).
 *
 * Checks: YAML syntax; unknown keys; types; ranges; ring size a power of
 * two; worker ids unique and dense from 0; every lcore id (main,
 * distributor, workers) used once; every CPU present on this machine.
 *
 * Returns 0, or a negative errno with one line in err:
 *   -ENOENT/-EACCES/... "FILE: cannot open: <strerror>"
 *   -EINVAL            "FILE:LINE:COL: <message>"
 *   -ENOMEM            "FILE: out of memory"
 */
int mp_config_load(const char *path, struct mp_config *cfg,
		   char *err, size_t errlen);

/* Release everything *cfg owns and zero it.  Safe on a zeroed struct. */
void mp_config_free(struct mp_config *cfg);

/* "round-robin"/"flow-hash", "busy"/"adaptive", "always"/"on-failure"/"never". */
const char *mp_config_dist_mode_name(enum mp_dist_mode mode);
const char *mp_config_poll_name(enum mp_poll_mode poll);
const char *mp_config_policy_name(enum mp_restart_policy policy);

#endif /* MP_CONFIG_H */
