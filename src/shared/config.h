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
#include <stdio.h>
#include <sys/socket.h>

#define MP_MAX_WORKERS 32	/* worker ids 0..MP_MAX_WORKERS-1 */
#define MP_MAX_PORTS 32
#define MP_MAX_RX_QUEUES 32	/* ports.rx_queues */
#define MP_MAX_ARGS 64		/* eal.args and workers.args entries */
/*
 * Longest eal.args or workers.args entry, in bytes.  No EAL option value
 * or worker argument needs more than a path, and with it the arguments of
 * a worker (at most MP_MAX_ARGS of them) stay far below what execve()
 * accepts (128 KiB a string, ARG_MAX in all): a config that passes the
 * check cannot make every worker's start fail with E2BIG.
 */
#define MP_MAX_ARG_LEN 4095
#define MP_ERR_LEN 512		/* size of an error buffer */
#define MP_CONFIG_MAX_SIZE (1024 * 1024)	/* largest config, in bytes */

enum mp_dist_mode {
	MP_DIST_ROUND_ROBIN = 0,
	MP_DIST_FLOW_HASH,
};

enum mp_poll_mode {
	MP_POLL_BUSY = 0,
	MP_POLL_ADAPTIVE,
};

/*
 * How workers' packets leave a port: on each worker's own TX queue
 * (direct), or handed to the master, whose transmitter sends them
 * (primary), for PMDs that cannot transmit from a secondary process.
 * auto picks by driver at start.
 */
enum mp_port_tx {
	MP_PORT_TX_AUTO = 0,
	MP_PORT_TX_DIRECT,
	MP_PORT_TX_PRIMARY,
};

/* One entry of ports: an id, or {id, tx, rx_queues}. */
struct mp_port_conf {
	enum mp_port_tx tx;	/* default auto */
	unsigned int rx_queues;	/* 0 (default): what the device has, see ports.c */
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
	char *program;		/* NULL: workers.program */
	struct mp_strv args;	/* if has_args, instead of workers.args */
	int has_args;
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
	struct mp_port_conf port_conf[MP_MAX_PORTS];	/* of ports[i] */
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

	/*
	 * The master's lcore that sends what workers hand it for ports with
	 * tx: primary.  By default the distributor's lcore does it in its
	 * own loop; another lcore gives it a loop of its own.
	 */
	struct {
		unsigned int lcore;	/* default distributor.lcore */
		unsigned int cpu;	/* default distributor.cpu */
	} transmitter;

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

	struct {
		char *socket;	/* default "/run/mpmaster-<file_prefix>.sock" */
		char *group;	/* NULL (""): mode 0600; else 0660 with this group */
	} control;

	struct {
		char *listen;	/* "ADDR:PORT", "[ADDR6]:PORT"; NULL ("") = off */
		struct sockaddr_storage addr;	/* listen, parsed */
		socklen_t addr_len;
	} metrics;

	struct {
		char *on_state_change;	/* program; NULL ("") = off */
	} hooks;
};

/* "auto", "direct", "primary". */
const char *mp_config_port_tx_name(enum mp_port_tx tx);

/* Does the transmitter run on an lcore of its own (not the distributor's)? */
static inline int
mp_config_transmitter_own_lcore(const struct mp_config *cfg)
{
	return cfg->transmitter.lcore != cfg->distributor.lcore;
}

/*
 * Parse a metrics.listen value: a numeric IPv4 address or a bracketed
 * IPv6 one, a colon and a port 1..65535 ("127.0.0.1:9641",
 * "[::1]:9641"); no host names, so that checking a config never waits
 * for a resolver.  Returns 0 and fills *addr and *len, or -EINVAL.
 */
int mp_config_parse_listen(const char *s, struct sockaddr_storage *addr,
			   socklen_t *len);

/*
 * The control socket of the config at path, for mpctl: control.socket,
 * else the default of eal.file_prefix.  Lenient on purpose: the file only
 * has to be YAML with valid values for those two keys, so that mpctl
 * reaches the master while the file is being edited.  Returns 0 and a
 * heap string in *socket_path (the caller frees it), or a negative errno
 * with one line in err (FILE:LINE:COL: ... for the file's errors).
 */
int mp_config_control_socket(const char *path, char **socket_path, char *err,
			     size_t errlen);

/*
 * The pid file of the config at path, as leniently, for `mpmaster -s`:
 * a master whose file was broken after it started can still be stopped.
 */
int mp_config_pid_file(const char *path, char **pid_file, char *err, size_t errlen);

/*
 * Fill *cfg with the defaults of SPEC.md (no workers: instances are
 * required).  Returns 0 or -ENOMEM.
 */
int mp_config_defaults(struct mp_config *cfg);

/**
 * Read, parse and check the YAML config file at path.
 *
 * The file is read whole into memory first (see mp_config_parse() for the
 * checks): it must be a regular file of at most MP_CONFIG_MAX_SIZE bytes.
 * Anything else is refused without being read, and a FIFO or device
 * without even being opened for long, so that a reload never blocks the
 * master's event loop.
 *
 * @param path
 *   The file; copied into cfg->path.
 * @param cfg
 *   Where to put the result; need not be initialised.
 * @param err
 *   Receives one line on failure (see mp_config_parse()).
 * @param errlen
 *   Size of err; MP_ERR_LEN holds any message but the longest file names.
 * @return
 *   - 0: Success; the caller owns *cfg and releases it with mp_config_free().
 *   - -ENOENT, -EACCES...: "FILE: cannot open: <strerror>"
 *   - -EISDIR: "FILE: is a directory"
 *   - -EINVAL: "FILE: not a regular file (a FIFO)" (or a socket, a device),
 *     or any error of mp_config_parse()
 *   - -EFBIG: "FILE: larger than 1 MiB (N bytes)"
 *   - -ENOMEM: "FILE: out of memory"
 *   On failure *cfg is left zeroed and need not be freed.
 */
int mp_config_load(const char *path, struct mp_config *cfg,
		   char *err, size_t errlen);

/**
 * Parse and check a YAML config held in memory.
 *
 * Checks: YAML syntax; unknown keys; types; ranges; ring size a power of
 * two; worker ids unique and dense from 0; every lcore id (main,
 * distributor, workers) used once; every CPU present on this machine.
 *
 * Reads nothing but buf and /sys/devices/system/cpu/present, never
 * blocks, and takes time and memory in proportion to len: any input is
 * safe to give it.
 *
 * @param name
 *   What to call the input in messages, normally its file name; copied
 *   into cfg->path.
 * @param buf
 *   The YAML text; need not be NUL-terminated and may hold any bytes.
 *   May be NULL if len is 0.  Not kept after the call.
 * @param len
 *   Its length in bytes.
 * @param cfg
 *   Where to put the result; need not be initialised.
 * @param err
 *   Receives one line on failure, NUL-terminated and cut to errlen; left
 *   alone on success.
 * @param errlen
 *   Size of err (may be 0).
 * @return
 *   - 0: Success; the caller owns *cfg and releases it with mp_config_free().
 *   - -EINVAL: Not a valid config: "NAME:LINE:COL: <message>", with the
 *     1-based line and column of the offending YAML node.
 *   - -EFBIG: len exceeds MP_CONFIG_MAX_SIZE: "NAME: larger than 1 MiB
 *     (N bytes)".
 *   - -ENOMEM: "NAME: out of memory".
 *   On failure *cfg is left zeroed and need not be freed.
 */
int mp_config_parse(const char *name, const char *buf, size_t len,
		    struct mp_config *cfg, char *err, size_t errlen);

/*
 * Print every key the parser knows, one a line, qualified with its
 * mappings ("workers.restart.policy"), from the parser's own tables: the
 * list the docs are checked against (mpmaster --list-config-keys).
 */
void mp_config_list_keys(FILE *out);

/*
 * Write one line "FILE:LINE:COL: message" into err for a check made
 * after parsing (a program that cannot run, a directory that is not
 * there), at the value of the dotted key in the file at path; a number
 * selects the worker instance of that id ("workers.instances.1.args").
 * A key the file does not have is placed at its nearest mapping that it
 * has (the default applies), a file that cannot be read gives
 * "FILE: message".  Returns -EINVAL.
 */
int mp_config_error_at(const char *path, const char *key, char *err, size_t errlen,
		       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Release everything *cfg owns and zero it.  Safe on a zeroed struct. */
void mp_config_free(struct mp_config *cfg);

/* "round-robin"/"flow-hash", "busy"/"adaptive", "always"/"on-failure"/"never". */
const char *mp_config_dist_mode_name(enum mp_dist_mode mode);
const char *mp_config_poll_name(enum mp_poll_mode poll);
const char *mp_config_policy_name(enum mp_restart_policy policy);

#endif /* MP_CONFIG_H */
