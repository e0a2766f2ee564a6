/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the config parser and checker (src/shared/config.c): every
 * key is read, defaults fill the rest, and every class of error is reported
 * as one FILE:LINE:COL line pointing at the offending node.
 */
#include <check.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"

static char path[64];
static char err[MP_ERR_LEN];
static struct mp_config cfg;

/* Write len bytes of yaml to a fresh temporary file; its name is in path. */
static void
write_yaml_n(const char *yaml, size_t len)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/mpcfgXXXXXX");
	fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, yaml, len), (ssize_t)len);
	close(fd);
}

/* Load len bytes of yaml, which may hold NUL bytes, from a file. */
static int
load_n(const char *yaml, size_t len)
{
	int rc;

	write_yaml_n(yaml, len);
	err[0] = '\0';
	rc = mp_config_load(path, &cfg, err, sizeof(err));
	unlink(path);
	return rc;
}

static int
load(const char *yaml)
{
	return load_n(yaml, strlen(yaml));
}

/* A config of len bytes: ONE_WORKER, then comment lines. */
static char *
padded_config(size_t len)
{
	static const char head[] =
		"workers:\n  instances: [{id: 0, lcore: 2, cpu: 0}]\n";
	char *yaml = malloc(len + 1);
	size_t i;

	ck_assert_ptr_nonnull(yaml);
	ck_assert_uint_ge(len, sizeof(head));
	memcpy(yaml, head, sizeof(head) - 1);
	for (i = sizeof(head) - 1; i < len; i++)
		yaml[i] = (i + 1) % 64 == 0 || i + 1 == len ? '\n' :
			  (yaml[i - 1] == '\n' ? '#' : 'x');
	yaml[len] = '\0';
	return yaml;
}

/* Assert a failure about the file as a whole: "PATH: phrase...". */
static void
assert_file_error(int rc, int want_rc, const char *phrase)
{
	char prefix[128];

	ck_assert_int_eq(rc, want_rc);
	snprintf(prefix, sizeof(prefix), "%s: ", path);
	ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0,
		      "want prefix '%s', got '%s'", prefix, err);
	ck_assert_msg(strstr(err, phrase) != NULL, "want '%s' in '%s'", phrase, err);
	ck_assert_msg(strchr(err, '\n') == NULL, "error is not one line: '%s'", err);
}

/* Assert a load failed with -EINVAL at LINE:COL with phrase in the message. */
static void
assert_error(const char *yaml, int line, int col, const char *phrase)
{
	char prefix[128];

	ck_assert_int_eq(load(yaml), -EINVAL);
	snprintf(prefix, sizeof(prefix), "%s:%d:%d: ", path, line, col);
	ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0,
		      "want prefix '%s', got '%s'", prefix, err);
	ck_assert_msg(strstr(err, phrase) != NULL, "want '%s' in '%s'", phrase, err);
	ck_assert_msg(strchr(err, '\n') == NULL, "error is not one line: '%s'", err);
}

/* A string of n copies of c (freed by the caller). */
static char *
repeat(char c, size_t n)
{
	char *s = malloc(n + 1);

	ck_assert_ptr_nonnull(s);
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

/* printf into a heap string (freed by the caller). */
static char * __attribute__((format(printf, 1, 2)))
yaml_printf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	ck_assert_int_ge(vasprintf(&s, fmt, ap), 0);
	va_end(ap);
	return s;
}

#define ONE_WORKER "workers:\n  instances: [{id: 0, lcore: 2, cpu: 0}]\n"

START_TEST(test_minimal_config_gets_every_default)
{
	ck_assert_int_eq(load(ONE_WORKER), 0);
	ck_assert_str_eq(cfg.eal.file_prefix, "mp");
	ck_assert_uint_eq(cfg.eal.main_lcore, 0);
	ck_assert_uint_eq(cfg.eal.main_cpu, 0);
	ck_assert_uint_eq(cfg.eal.memory_mb, 256);
	ck_assert_uint_eq(cfg.eal.args.n, 3);
	ck_assert_str_eq(cfg.eal.args.v[0], "--no-pci");
	ck_assert_str_eq(cfg.eal.args.v[1], "--vdev=net_null0");
	ck_assert_ptr_null(cfg.eal.args.v[3]);
	ck_assert_str_eq(cfg.pid_file, "/run/mpmaster-mp.pid");
	ck_assert_uint_eq(cfg.nb_ports, 2);
	ck_assert_uint_eq(cfg.ports[1], 1);
	ck_assert_uint_eq(cfg.mempool.mbufs, 16383);
	ck_assert_uint_eq(cfg.mempool.cache, 256);
	ck_assert_uint_eq(cfg.distributor.lcore, 1);
	ck_assert_uint_eq(cfg.distributor.cpu, 0);
	ck_assert_int_eq(cfg.distributor.mode, MP_DIST_ROUND_ROBIN);
	ck_assert_uint_eq(cfg.distributor.burst, 32);
	ck_assert_ptr_null(cfg.workers.program);
	ck_assert_uint_eq(cfg.workers.args.n, 0);
	ck_assert_uint_eq(cfg.workers.ring_size, 2048);
	ck_assert_int_eq(cfg.workers.poll, MP_POLL_BUSY);
	ck_assert_int_eq(cfg.workers.restart.policy, MP_RESTART_ALWAYS);
	ck_assert_uint_eq(cfg.workers.restart.backoff_first_ms, 100);
	ck_assert_uint_eq(cfg.workers.restart.backoff_max_ms, 5000);
	ck_assert_uint_eq(cfg.workers.restart.max_restarts, 10);
	ck_assert_uint_eq(cfg.workers.restart.window_s, 60);
	ck_assert_uint_eq(cfg.workers.stop_timeout_ms, 2000);
	ck_assert_uint_eq(cfg.workers.heartbeat_timeout_ms, 1000);
	ck_assert_uint_eq(cfg.stats.interval_s, 1);
	ck_assert_str_eq(cfg.control.socket, "/run/mpmaster-mp.sock");
	ck_assert_ptr_null(cfg.control.group);
	ck_assert_ptr_null(cfg.metrics.listen);
	ck_assert_ptr_null(cfg.hooks.on_state_change);
	ck_assert_str_eq(cfg.path, path);
	mp_config_free(&cfg);
}
END_TEST

START_TEST(test_every_key_is_read)
{
	ck_assert_int_eq(load(
		"eal:\n"
		"  file_prefix: pfx-1\n"
		"  main_lcore: 5\n"
		"  main_cpu: 0\n"
		"  memory_mb: 512\n"
		"  args: [--no-pci, --vdev=net_ring0]\n"
		"pid_file: /tmp/x.pid\n"
		"ports: [2, 3, 0]\n"
		"mempool: {mbufs: 4095, cache: 64}\n"
		"distributor: {lcore: 6, cpu: 0, mode: flow-hash, burst: 64}\n"
		"workers:\n"
		"  program: /opt/w\n"
		"  args: [--fault=segv]\n"
		"  ring_size: 512\n"
		"  poll: adaptive\n"
		"  restart:\n"
		"    policy: on-failure\n"
		"    backoff_ms: [10, 200]\n"
		"    max_restarts: 3\n"
		"    window_s: 5\n"
		"  stop_timeout_ms: 100\n"
		"  heartbeat_timeout_ms: 0\n"
		"  instances:\n"
		"    - {id: 1, lcore: 8, cpu: 0}\n"
		"    - {id: 0, lcore: 7, cpu: 0}\n"
		"stats: {interval_s: 0}\n"), 0);
	ck_assert_str_eq(cfg.eal.file_prefix, "pfx-1");
	ck_assert_uint_eq(cfg.eal.main_lcore, 5);
	ck_assert_uint_eq(cfg.eal.memory_mb, 512);
	ck_assert_uint_eq(cfg.eal.args.n, 2);
	ck_assert_str_eq(cfg.eal.args.v[1], "--vdev=net_ring0");
	ck_assert_str_eq(cfg.pid_file, "/tmp/x.pid");
	ck_assert_uint_eq(cfg.nb_ports, 3);
	ck_assert_uint_eq(cfg.ports[0], 2);
	ck_assert_uint_eq(cfg.ports[2], 0);
	ck_assert_uint_eq(cfg.mempool.mbufs, 4095);
	ck_assert_uint_eq(cfg.mempool.cache, 64);
	ck_assert_uint_eq(cfg.distributor.lcore, 6);
	ck_assert_int_eq(cfg.distributor.mode, MP_DIST_FLOW_HASH);
	ck_assert_uint_eq(cfg.distributor.burst, 64);
	ck_assert_str_eq(cfg.workers.program, "/opt/w");
	ck_assert_str_eq(cfg.workers.args.v[0], "--fault=segv");
	ck_assert_uint_eq(cfg.workers.ring_size, 512);
	ck_assert_int_eq(cfg.workers.poll, MP_POLL_ADAPTIVE);
	ck_assert_int_eq(cfg.workers.restart.policy, MP_RESTART_ON_FAILURE);
	ck_assert_uint_eq(cfg.workers.restart.backoff_first_ms, 10);
	ck_assert_uint_eq(cfg.workers.restart.backoff_max_ms, 200);
	ck_assert_uint_eq(cfg.workers.restart.max_restarts, 3);
	ck_assert_uint_eq(cfg.workers.restart.window_s, 5);
	ck_assert_uint_eq(cfg.workers.stop_timeout_ms, 100);
	ck_assert_uint_eq(cfg.workers.heartbeat_timeout_ms, 0);
	ck_assert_uint_eq(cfg.stats.interval_s, 0);
	mp_config_free(&cfg);
}
END_TEST

START_TEST(test_instances_are_sorted_by_id)
{
	ck_assert_int_eq(load("workers:\n  instances:\n"
			      "    - {id: 2, lcore: 4, cpu: 0}\n"
			      "    - {id: 0, lcore: 2, cpu: 0}\n"
			      "    - {id: 1, lcore: 3, cpu: 0}\n"), 0);
	ck_assert_uint_eq(cfg.workers.nb_instances, 3);
	ck_assert_uint_eq(cfg.workers.instances[0].lcore, 2);
	ck_assert_uint_eq(cfg.workers.instances[1].lcore, 3);
	ck_assert_uint_eq(cfg.workers.instances[2].lcore, 4);
	mp_config_free(&cfg);
}
END_TEST

START_TEST(test_pid_file_follows_the_prefix)
{
	ck_assert_int_eq(load("eal: {file_prefix: blue}\n" ONE_WORKER), 0);
	ck_assert_str_eq(cfg.pid_file, "/run/mpmaster-blue.pid");
	mp_config_free(&cfg);
}
END_TEST

START_TEST(test_unknown_key_is_rejected_at_the_key)
{
	assert_error("eal:\n  file_prefix: x\n  file_prefx: y\n" ONE_WORKER,
		     3, 3, "unknown key \"file_prefx\" in eal");
}
END_TEST

START_TEST(test_unknown_top_level_key_is_rejected)
{
	assert_error(ONE_WORKER "statz: {}\n", 3, 1, "unknown key \"statz\"");
}
END_TEST

START_TEST(test_duplicate_key_is_rejected)
{
	assert_error("stats: {interval_s: 1}\nstats: {interval_s: 2}\n" ONE_WORKER,
		     2, 1, "duplicate key \"stats\"");
}
END_TEST

START_TEST(test_yaml_syntax_error_reports_its_position)
{
	assert_error("workers:\n  instances: [{id: 0, lcore: 2, cpu: 0}\n",
		     3, 1, "did not find expected");
}
END_TEST

START_TEST(test_empty_file_is_rejected)
{
	assert_error("", 1, 1, "empty config");
}
END_TEST

START_TEST(test_missing_instances_is_rejected)
{
	assert_error("workers:\n  ring_size: 64\n", 2, 3, "workers.instances is required");
}
END_TEST

START_TEST(test_wrong_type_is_rejected_at_the_value)
{
	assert_error("mempool: {mbufs: lots}\n" ONE_WORKER, 1, 18,
		     "mempool.mbufs must be a non-negative integer");
}
END_TEST

START_TEST(test_negative_number_is_rejected)
{
	assert_error("stats:\n  interval_s: -1\n" ONE_WORKER, 2, 15, "stats.interval_s");
}
END_TEST

START_TEST(test_mapping_expected_is_rejected)
{
	assert_error("eal: [1, 2]\n" ONE_WORKER, 1, 6, "eal must be a mapping");
}
END_TEST

START_TEST(test_out_of_range_is_rejected)
{
	assert_error("distributor: {burst: 1000}\n" ONE_WORKER, 1, 22,
		     "distributor.burst must be between 1 and 512, not 1000");
}
END_TEST

START_TEST(test_unknown_enum_value_lists_the_choices)
{
	assert_error("distributor: {mode: random}\n" ONE_WORKER, 1, 21,
		     "distributor.mode must be round-robin or flow-hash");
}
END_TEST

START_TEST(test_ring_size_not_power_of_two_is_rejected)
{
	assert_error("workers:\n  ring_size: 1000\n  instances: [{id: 0, lcore: 2, cpu: 0}]\n",
		     2, 14, "not a power of two");
}
END_TEST

START_TEST(test_backoff_cap_below_first_is_rejected)
{
	assert_error("workers:\n  restart: {backoff_ms: [500, 100]}\n"
		     "  instances: [{id: 0, lcore: 2, cpu: 0}]\n",
		     2, 31, "below the first delay");
}
END_TEST

START_TEST(test_duplicate_worker_id_is_rejected)
{
	assert_error("workers:\n  instances:\n"
		     "    - {id: 0, lcore: 2, cpu: 0}\n"
		     "    - {id: 0, lcore: 3, cpu: 0}\n",
		     4, 12, "worker id 0 is used twice");
}
END_TEST

START_TEST(test_worker_ids_must_be_dense)
{
	assert_error("workers:\n  instances:\n"
		     "    - {id: 0, lcore: 2, cpu: 0}\n"
		     "    - {id: 2, lcore: 3, cpu: 0}\n",
		     3, 5, "id 1 is missing");
}
END_TEST

START_TEST(test_port_entry_may_be_a_map_with_tx_and_rx_queues)
{
	ck_assert_int_eq(load("ports: [0, {id: 1, tx: primary, rx_queues: 4}, {id: 2, tx: direct}]\n"
			      ONE_WORKER), 0);
	ck_assert_uint_eq(cfg.nb_ports, 3);
	ck_assert_uint_eq(cfg.ports[1], 1);
	ck_assert_int_eq(cfg.port_conf[0].tx, MP_PORT_TX_AUTO);
	ck_assert_uint_eq(cfg.port_conf[0].rx_queues, 0);
	ck_assert_int_eq(cfg.port_conf[1].tx, MP_PORT_TX_PRIMARY);
	ck_assert_uint_eq(cfg.port_conf[1].rx_queues, 4);
	ck_assert_int_eq(cfg.port_conf[2].tx, MP_PORT_TX_DIRECT);
	mp_config_free(&cfg);
}
END_TEST

START_TEST(test_port_map_needs_its_id)
{
	assert_error("ports: [0, {tx: primary}]\n" ONE_WORKER, 1, 12, "a port needs its id");
}
END_TEST

START_TEST(test_port_map_unknown_key_names_the_keys)
{
	assert_error("ports: [{id: 0, txq: 2}]\n" ONE_WORKER, 1, 17,
		     "unknown key \"txq\" in a port (id, tx, rx_queues)");
}
END_TEST

START_TEST(test_port_tx_lists_the_choices)
{
	assert_error("ports: [{id: 0, tx: kernel}]\n" ONE_WORKER, 1, 21, "auto");
}
END_TEST

START_TEST(test_port_rx_queues_out_of_range_is_rejected)
{
	assert_error("ports: [{id: 0, rx_queues: 33}]\n" ONE_WORKER, 1, 28, "ports.rx_queues");
}
END_TEST

START_TEST(test_transmitter_defaults_to_the_distributor)
{
	ck_assert_int_eq(load("distributor: {lcore: 5, cpu: 1}\n"
			      "workers:\n  instances: [{id: 0, lcore: 2, cpu: 0}]\n"), 0);
	ck_assert_uint_eq(cfg.transmitter.lcore, 5);
	ck_assert_uint_eq(cfg.transmitter.cpu, 1);
	ck_assert(!mp_config_transmitter_own_lcore(&cfg));
	mp_config_free(&cfg);
}
END_TEST

START_TEST(test_transmitter_on_its_own_lcore)
{
	ck_assert_int_eq(load("transmitter: {lcore: 7, cpu: 1}\n" ONE_WORKER), 0);
	ck_assert_uint_eq(cfg.transmitter.lcore, 7);
	ck_assert_uint_eq(cfg.transmitter.cpu, 1);
	ck_assert(mp_config_transmitter_own_lcore(&cfg));
	mp_config_free(&cfg);
}
END_TEST

START_TEST(test_transmitter_lcore_clash_is_rejected)
{
	assert_error("transmitter: {lcore: 0, cpu: 0}\n" ONE_WORKER, 1, 22,
		     "lcore 0 of the transmitter is already used by the main lcore");
}
END_TEST

START_TEST(test_worker_lcore_clash_with_transmitter_is_rejected)
{
	assert_error("transmitter: {lcore: 2}\n" ONE_WORKER, 3, 30,
		     "lcore 2 of worker 0 is already used by the transmitter");
}
END_TEST

START_TEST(test_transmitter_cpu_on_the_distributors_lcore_is_rejected)
{
	assert_error("transmitter: {cpu: 1}\n" ONE_WORKER, 1, 20,
		     "the transmitter runs on the distributor's lcore 1");
}
END_TEST

START_TEST(test_instance_needs_every_field)
{
	assert_error("workers:\n  instances:\n    - {id: 0, cpu: 0}\n",
		     3, 7, "missing lcore");
}
END_TEST

START_TEST(test_worker_lcore_clash_with_distributor_is_rejected)
{
	assert_error("distributor: {lcore: 1, cpu: 0}\nworkers:\n  instances:\n"
		     "    - {id: 0, lcore: 2, cpu: 0}\n"
		     "    - {id: 1, lcore: 1, cpu: 0}\n",
		     5, 22, "lcore 1 of worker 1 is already used by the distributor");
}
END_TEST

START_TEST(test_lcore_clash_between_workers_is_rejected)
{
	assert_error("workers:\n  instances:\n"
		     "    - {id: 0, lcore: 2, cpu: 0}\n"
		     "    - {id: 1, lcore: 2, cpu: 0}\n",
		     4, 22, "already used by worker 0");
}
END_TEST

START_TEST(test_distributor_on_the_main_lcore_is_rejected)
{
	assert_error("distributor: {lcore: 0}\n" ONE_WORKER, 1, 22,
		     "already used by the main lcore");
}
END_TEST

START_TEST(test_missing_cpu_is_rejected)
{
	assert_error("workers:\n  instances:\n    - {id: 0, lcore: 2, cpu: 999}\n",
		     3, 30, "CPU 999 does not exist on this machine");
}
END_TEST

START_TEST(test_shared_cpus_are_allowed)
{
	ck_assert_int_eq(load("workers:\n  instances:\n"
			      "    - {id: 0, lcore: 2, cpu: 0}\n"
			      "    - {id: 1, lcore: 3, cpu: 0}\n"), 0);
	mp_config_free(&cfg);
}
END_TEST

START_TEST(test_bad_file_prefix_is_rejected)
{
	assert_error("eal: {file_prefix: \"a/b\"}\n" ONE_WORKER, 1, 20,
		     "may contain only");
}
END_TEST

START_TEST(test_nonexistent_file_is_reported)
{
	ck_assert_int_eq(mp_config_load("/nonexistent/mp.yaml", &cfg, err, sizeof(err)),
			 -ENOENT);
	ck_assert_str_eq(err, "/nonexistent/mp.yaml: cannot open: No such file or directory");
}
END_TEST

START_TEST(test_shipped_config_is_valid)
{
	ck_assert_int_eq(mp_config_load(TOP_SRCDIR "/etc/mp.yaml", &cfg, err,
					sizeof(err)), 0);
	ck_assert_uint_eq(cfg.workers.nb_instances, 2);
	mp_config_free(&cfg);
}
END_TEST

START_TEST(test_file_of_1_mib_is_accepted)
{
	char *yaml = padded_config(1024 * 1024);

	ck_assert_int_eq(load(yaml), 0);
	mp_config_free(&cfg);
	free(yaml);
}
END_TEST

START_TEST(test_file_over_1_mib_is_refused)
{
	char *yaml = padded_config(1024 * 1024 + 1);

	assert_file_error(load(yaml), -EFBIG, "larger than 1 MiB (1048577 bytes)");
	free(yaml);
}
END_TEST

START_TEST(test_fifo_is_refused_without_blocking)
{
	snprintf(path, sizeof(path), "/tmp/mpcfg-fifo-%d", (int)getpid());
	unlink(path);
	ck_assert_int_eq(mkfifo(path, 0600), 0);
	err[0] = '\0';
	assert_file_error(mp_config_load(path, &cfg, err, sizeof(err)), -EINVAL,
			  "not a regular file (a FIFO)");
	unlink(path);
}
END_TEST

START_TEST(test_directory_is_reported_as_a_directory)
{
	snprintf(path, sizeof(path), "/tmp");
	err[0] = '\0';
	assert_file_error(mp_config_load(path, &cfg, err, sizeof(err)), -EISDIR,
			  "is a directory");
}
END_TEST

START_TEST(test_config_is_parsed_from_a_buffer)
{
	static const char yaml[] = ONE_WORKER "stats: {interval_s: 7}\n";
	char *copy = malloc(sizeof(yaml) - 1);	/* no NUL after the text */

	ck_assert_ptr_nonnull(copy);
	memcpy(copy, yaml, sizeof(yaml) - 1);
	ck_assert_int_eq(mp_config_parse("<buffer>", copy, sizeof(yaml) - 1, &cfg,
					 err, sizeof(err)), 0);
	ck_assert_str_eq(cfg.path, "<buffer>");
	ck_assert_uint_eq(cfg.stats.interval_s, 7);
	mp_config_free(&cfg);
	ck_assert_int_eq(mp_config_parse("<buffer>", copy, 7, &cfg, err,
					 sizeof(err)), -EINVAL);
	ck_assert_str_eq(err, "<buffer>:1:1: the config must be a mapping");
	free(copy);
}
END_TEST

START_TEST(test_control_socket_follows_the_prefix)
{
	ck_assert_int_eq(load("eal: {file_prefix: blue}\n" ONE_WORKER), 0);
	ck_assert_str_eq(cfg.control.socket, "/run/mpmaster-blue.sock");
}
END_TEST

START_TEST(test_operations_keys_are_read)
{
	ck_assert_int_eq(load("control: {socket: /tmp/c.sock, group: root}\n"
			      "metrics: {listen: \"127.0.0.1:9641\"}\n"
			      "hooks: {on_state_change: /bin/true}\n" ONE_WORKER), 0);
	ck_assert_str_eq(cfg.control.socket, "/tmp/c.sock");
	ck_assert_str_eq(cfg.control.group, "root");
	ck_assert_str_eq(cfg.metrics.listen, "127.0.0.1:9641");
	ck_assert_int_eq(cfg.metrics.addr.ss_family, AF_INET);
	ck_assert_str_eq(cfg.hooks.on_state_change, "/bin/true");
}
END_TEST

START_TEST(test_empty_operations_strings_turn_them_off)
{
	ck_assert_int_eq(load("control: {group: \"\"}\nmetrics: {listen: \"\"}\n"
			      "hooks: {on_state_change: \"\"}\n" ONE_WORKER), 0);
	ck_assert_ptr_null(cfg.control.group);
	ck_assert_ptr_null(cfg.metrics.listen);
	ck_assert_ptr_null(cfg.hooks.on_state_change);
}
END_TEST

START_TEST(test_listen_takes_ipv4_and_bracketed_ipv6)
{
	struct sockaddr_storage a;
	socklen_t len;

	ck_assert_int_eq(mp_config_parse_listen("0.0.0.0:1", &a, &len), 0);
	ck_assert_int_eq(a.ss_family, AF_INET);
	ck_assert_int_eq(mp_config_parse_listen("[::1]:65535", &a, &len), 0);
	ck_assert_int_eq(a.ss_family, AF_INET6);
	ck_assert_uint_eq(len, sizeof(struct sockaddr_in6));
}
END_TEST

START_TEST(test_listen_refuses_names_missing_and_out_of_range_ports)
{
	static const char *const bad[] = {
		"localhost:9641", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0",
		"127.0.0.1:65536", "127.0.0.1:96x", "::1:9641", "[127.0.0.1]:80",
		"[::1:80", ":80", "127.0.0.1:-1",
	};
	struct sockaddr_storage a;
	socklen_t len;
	unsigned int i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(mp_config_parse_listen(bad[i], &a, &len) == -EINVAL,
			      "%s was accepted", bad[i]);
}
END_TEST

START_TEST(test_bad_listen_is_rejected_at_its_position)
{
	assert_error("metrics:\n  listen: localhost:9641\n" ONE_WORKER, 2, 11,
		     "metrics.listen must be ADDRESS:PORT");
}
END_TEST

START_TEST(test_unknown_control_group_is_rejected)
{
	assert_error("control: {group: no-such-group-mp}\n" ONE_WORKER, 1, 18,
		     "control.group: no group \"no-such-group-mp\" on this machine");
}
END_TEST

START_TEST(test_control_socket_longer_than_sun_path_is_rejected)
{
	char *value = repeat('s', 108), *yaml;

	yaml = yaml_printf("control:\n  socket: /%s\n" ONE_WORKER, value);
	assert_error(yaml, 2, 11, "control.socket is 109 bytes long, at most 107 are allowed");
	free(yaml);
	free(value);
}
END_TEST

START_TEST(test_buffer_over_1_mib_is_refused)
{
	char *yaml = padded_config(1024 * 1024 + 1);

	ck_assert_int_eq(mp_config_parse("big", yaml, strlen(yaml), &cfg, err,
					 sizeof(err)), -EFBIG);
	ck_assert_str_eq(err, "big: larger than 1 MiB (1048577 bytes)");
	free(yaml);
}
END_TEST

/* The three path keys, as "KEY: VALUE" lines of a config (for printf). */
/* Every path key, the config around its value, and where the value stands. */
static const struct {
	const char *key, *before, *after;
	int line, column;
} path_keys[] = {
	{ "pid_file", "pid_file: ", "\n" ONE_WORKER, 1, 11 },
	{ "log_file", "log_file: ", "\n" ONE_WORKER, 1, 11 },
	{ "workers.program", "workers:\n  program: ",
	  "\n  instances: [{id: 0, lcore: 2, cpu: 0}]\n", 2, 12 },
};

static char *
path_yaml(unsigned int i, const char *value)
{
	return yaml_printf("%s%s%s", path_keys[i].before, value, path_keys[i].after);
}

START_TEST(test_empty_path_is_rejected)
{
	unsigned int i;
	char *yaml, want[64];

	for (i = 0; i < sizeof(path_keys) / sizeof(path_keys[0]); i++) {
		yaml = path_yaml(i, "\"\"");
		snprintf(want, sizeof(want), "%s must not be empty", path_keys[i].key);
		assert_error(yaml, path_keys[i].line, path_keys[i].column, want);
		free(yaml);
	}
}
END_TEST

START_TEST(test_path_longer_than_path_max_minus_1_is_rejected)
{
	char *value = repeat('p', PATH_MAX), *yaml, want[96];
	unsigned int i;

	for (i = 0; i < sizeof(path_keys) / sizeof(path_keys[0]); i++) {
		yaml = path_yaml(i, value);
		snprintf(want, sizeof(want), "%s is %d bytes long, at most %d are allowed",
			 path_keys[i].key, PATH_MAX, PATH_MAX - 1);
		assert_error(yaml, path_keys[i].line, path_keys[i].column, want);
		free(yaml);
	}
	free(value);
}
END_TEST

START_TEST(test_path_of_path_max_minus_1_bytes_is_accepted)
{
	char *value = repeat('p', PATH_MAX - 1), *yaml;
	unsigned int i;

	for (i = 0; i < sizeof(path_keys) / sizeof(path_keys[0]); i++) {
		yaml = path_yaml(i, value);
		ck_assert_int_eq(load(yaml), 0);
		mp_config_free(&cfg);
		free(yaml);
	}
	free(value);
}
END_TEST

START_TEST(test_arg_longer_than_4095_bytes_is_rejected)
{
	char *value = repeat('a', 4096), *yaml;

	yaml = yaml_printf("eal:\n  args: [--no-pci, %s]\n" ONE_WORKER, value);
	assert_error(yaml, 2, 20, "eal.args entry is 4096 bytes long, at most 4095 are allowed");
	free(yaml);
	yaml = yaml_printf("workers:\n  args: [%s]\n"
			   "  instances: [{id: 0, lcore: 2, cpu: 0}]\n", value);
	assert_error(yaml, 2, 10, "workers.args entry is 4096 bytes long, at most 4095 are allowed");
	free(yaml);
	free(value);
}
END_TEST

START_TEST(test_arg_of_4095_bytes_is_accepted)
{
	char *value = repeat('a', 4095), *yaml;

	yaml = yaml_printf("eal:\n  args: [--vdev=%s]\n" ONE_WORKER, value + 7);
	ck_assert_int_eq(load(yaml), 0);
	ck_assert_uint_eq(strlen(cfg.eal.args.v[0]), 4095);
	mp_config_free(&cfg);
	free(yaml);
	free(value);
}
END_TEST

START_TEST(test_nesting_deeper_than_32_levels_is_rejected)
{
	char *flow = repeat('[', 40), *block = malloc(2 * 40 + 2);
	unsigned int i;

	ck_assert_ptr_nonnull(block);
	assert_error(flow, 1, 33, "nested deeper than 32 levels");
	for (i = 0; i < 40; i++)
		memcpy(block + 2 * i, "- ", 2);
	strcpy(block + 2 * 40, "x");
	assert_error(block, 1, 65, "nested deeper than 32 levels");
	free(flow);
	free(block);
}
END_TEST

START_TEST(test_1_mib_of_nesting_is_refused_quickly)
{
	char *yaml = repeat('[', MP_CONFIG_MAX_SIZE);

	assert_error(yaml, 1, 33, "nested deeper than 32 levels");
	free(yaml);
}
END_TEST

START_TEST(test_scalar_with_nul_is_rejected)
{
	static const char prefix[] = "eal: {file_prefix: \"mp\\0../../etc\"}\n" ONE_WORKER;
	static const char poll[] = "workers:\n  poll: \"busy\\0garbage\"\n"
				   "  instances: [{id: 0, lcore: 2, cpu: 0}]\n";
	static const char key[] = "\"stats\\0x\": {}\n" ONE_WORKER;
	static const char raw[] = "eal: {file_prefix: \"mp\0x\"}\n" ONE_WORKER;

	assert_error(prefix, 1, 20, "contains a NUL character");
	assert_error(poll, 2, 9, "contains a NUL character");
	assert_error(key, 1, 1, "contains a NUL character");
	ck_assert_int_eq(load_n(raw, sizeof(raw) - 1), -EINVAL);
}
END_TEST

START_TEST(test_second_document_is_rejected)
{
	assert_error(ONE_WORKER "---\n" ONE_WORKER, 3, 1,
		     "only one YAML document is allowed");
	assert_error(ONE_WORKER "---\nfoo: [\n", 3, 1,
		     "only one YAML document is allowed");
	assert_error(ONE_WORKER "...\n%YAML 1.1\n--- {}\n", 4, 1,
		     "only one YAML document is allowed");
}
END_TEST

START_TEST(test_document_markers_are_accepted)
{
	ck_assert_int_eq(load("%YAML 1.1\n---\n" ONE_WORKER "...\n# end\n"), 0);
	mp_config_free(&cfg);
}
END_TEST

START_TEST(test_more_than_16_directives_are_rejected)
{
	size_t n = 60000, i, len = 0;
	char *yaml = malloc(n * 20 + sizeof(ONE_WORKER) + 8);

	ck_assert_ptr_nonnull(yaml);
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(yaml + len, "%%TAG !t%zu! x:\n", i);
	strcpy(yaml + len, "---\n" ONE_WORKER);
	assert_error(yaml, 17, 1, "more than 16 YAML directives");
	free(yaml);
}
END_TEST

START_TEST(test_more_than_4096_nodes_are_rejected)
{
	size_t n = 60000, i, len;
	char *yaml = malloc(n * 10 + 16);

	ck_assert_ptr_nonnull(yaml);
	len = (size_t)sprintf(yaml, "x: [");
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(yaml + len, "&a%zu 1,", i);
	strcpy(yaml + len - 1, "]\n");
	/* Node 4097 is entry 4093: after the root mapping, x and the list. */
	assert_error(yaml, 1, 5 + 6 * 10 + 7 * 90 + 8 * 900 + 9 * (4093 - 1000),
		     "more than 4096 YAML nodes");
	free(yaml);
}
END_TEST

/* Assert err holds printable ASCII only (so it is one line, too). */
static void
assert_printable(void)
{
	const char *c;

	for (c = err; *c; c++)
		ck_assert_msg(*c >= 0x20 && *c <= 0x7e, "byte 0x%02x at %zu of '%s'",
			      (unsigned char)*c, (size_t)(c - err), err);
}

START_TEST(test_echoed_value_is_escaped)
{
	/* The key is k ESC ] 0 ; x BEL LF \ " */
	assert_error("\"k\\e]0;x\\a\\n\\\\\\\"\": 1\n" ONE_WORKER, 1, 1,
		     "unknown key \"k\\x1b]0;x\\x07\\x0a\\\\\\\"\"");
	assert_printable();
	assert_error("mempool: {mbufs: 1\xe2\x91\xa0}\n" ONE_WORKER, 1, 18,
		     "not \"1\\xe2\\x91\\xa0\"");
	assert_printable();
}
END_TEST

START_TEST(test_long_echoed_value_is_cut)
{
	char *key = repeat('k', 200), *yaml = yaml_printf("%s: 1\n" ONE_WORKER, key);
	char want[96];

	snprintf(want, sizeof(want), "unknown key \"%.64s...\"", key);
	assert_error(yaml, 1, 1, want);
	ck_assert_ptr_null(strstr(err, key + 135));
	free(yaml);
	free(key);
}
END_TEST

START_TEST(test_input_name_is_escaped)
{
	ck_assert_int_eq(mp_config_parse("a\nb\x1b", "x", 1, &cfg, err, sizeof(err)),
			 -EINVAL);
	ck_assert_str_eq(err, "a\\x0ab\\x1b:1:1: the config must be a mapping");
}
END_TEST

START_TEST(test_bad_utf8_is_reported_where_it_is)
{
	static const char lead[] = "workers:\n  program: /\xc3\xa9\xff\n"
				   "  instances: [{id: 0, lcore: 2, cpu: 0}]\n";
	static const char crlf[] = "workers:\r\n  program: /x\r\n  args: [\xe2\x82]\n";
	static const char ctrl[] = "eal: {file_prefix: \"a\x1b[31m\"}\n" ONE_WORKER;

	assert_error(lead, 2, 14, "invalid leading UTF-8 octet");
	assert_error(crlf, 3, 11, "invalid trailing UTF-8 octet");
	assert_error(ctrl, 1, 22, "control characters are not allowed");
	assert_printable();
}
END_TEST

/* An eal.args entry of the master's own, in one of its spellings. */
struct owned_arg {
	const char *args;	/* after "  args: [--no-pci, " */
	const char *phrase;
};

/* Each case, after "--no-pci, " in eal.args, is refused at its entry. */
static void
assert_eal_args_refused(const struct owned_arg *cases, unsigned int n)
{
	unsigned int i;
	char *yaml;

	for (i = 0; i < n; i++) {
		yaml = yaml_printf("eal:\n  args: [--no-pci, %s]\n" ONE_WORKER,
				   cases[i].args);
		assert_error(yaml, 2, 20, cases[i].phrase);
		free(yaml);
	}
}

#define SETS_PREFIX "the master sets --file-prefix itself; use eal.file_prefix"
#define SETS_LCORES "the master sets the lcores (--lcores) itself; use " \
	"eal.main_lcore, distributor.lcore and workers.instances"
#define SETS_MAIN "the master sets --main-lcore itself; use eal.main_lcore"
#define SETS_PROC "the master sets --proc-type itself; it is always the primary"
#define SETS_MEMORY "the master sets the memory (-m) itself; use eal.memory_mb"

START_TEST(test_eal_option_the_master_sets_is_rejected_in_every_spelling)
{
	static const struct owned_arg cases[] = {
		{ "--file-prefix=x", "\"--file-prefix=x\": " SETS_PREFIX },
		{ "--file-prefix, x", "\"--file-prefix\": " SETS_PREFIX },
		{ "--file-pre=x", "\"--file-pre=x\": " SETS_PREFIX },
		{ "--file-prefix=", SETS_PREFIX },
		{ "-l, 0-3", "\"-l\": " SETS_LCORES },
		{ "-l0-3", "\"-l0-3\": " SETS_LCORES },
		{ "-c0x3", SETS_LCORES },
		{ "-c, 0x3", SETS_LCORES },
		{ "-vl0", "\"-vl0\": " SETS_LCORES },
		{ "--lcores=0@0", SETS_LCORES },
		{ "--lcores, 0@0", SETS_LCORES },
		{ "--lc=0@0", SETS_LCORES },
		{ "--main-lcore=1", SETS_MAIN },
		{ "--main-lcore, 1", SETS_MAIN },
		{ "--mai=1", SETS_MAIN },
		{ "--master-lcore=1", SETS_MAIN },
		{ "--proc-type=secondary", SETS_PROC },
		{ "--proc-type, auto", SETS_PROC },
		{ "--proc=primary", SETS_PROC },
		{ "-m, 512", "\"-m\": " SETS_MEMORY },
		{ "-m512", SETS_MEMORY },
		{ "--socket-mem=512", SETS_MEMORY },
		{ "--socket-m, 512", SETS_MEMORY },
	};

	assert_eal_args_refused(cases, sizeof(cases) / sizeof(cases[0]));
	assert_error("eal:\n  args:\n    - --no-pci\n    - -l\n    - 0-3\n" ONE_WORKER,
		     4, 7, "eal.args: \"-l\": " SETS_LCORES);
}
END_TEST

START_TEST(test_eal_options_that_break_the_workers_are_rejected)
{
	static const struct owned_arg cases[] = {
		{ "--in-memory", "\"--in-memory\": the workers attach to the master's shared memory" },
		{ "--in-mem", "the workers attach to the master's shared memory" },
		{ "--no-shconf", "the workers attach to the master's shared memory" },
		{ "--help", "\"--help\": EAL would print its usage and make the master exit" },
		{ "-h", "EAL would print its usage" },
		{ "-s, 0x4", "\"-s\": " SETS_LCORES },
		{ "-S4", SETS_LCORES },
	};

	assert_eal_args_refused(cases, sizeof(cases) / sizeof(cases[0]));
}
END_TEST

START_TEST(test_eal_options_sharing_a_prefix_are_accepted)
{
	ck_assert_int_eq(load("eal:\n  args: [--no-pci, --log-level=lib.eal:debug, "
			      "--log-level, '8', --legacy-mem, --match-allocations, "
			      "--mbuf-pool-ops-name=ring_mp_mc, --socket-limit=512, "
			      "-n4, -r, '2', --lcoresx, --file-prefixes=x]\n" ONE_WORKER), 0);
	ck_assert_uint_eq(cfg.eal.args.n, 13);
	mp_config_free(&cfg);
}
END_TEST

START_TEST(test_eal_option_values_and_args_after_double_dash_are_not_read)
{
	ck_assert_int_eq(load("eal:\n  args: [--no-pci, --huge-dir, -mnt, -d, -lpmd.so, "
			      "--, -l, 0-3, --file-prefix=x]\n" ONE_WORKER), 0);
	mp_config_free(&cfg);
}
END_TEST

START_TEST(test_instance_may_run_its_own_program_and_args)
{
	ck_assert_int_eq(load("workers:\n  args: [--handler=macswap]\n  instances:\n"
			      "    - {id: 0, lcore: 2, cpu: 0}\n"
			      "    - {id: 1, lcore: 3, cpu: 0, program: /opt/fw, "
			      "args: [--rules, /etc/fw.rules]}\n"), 0);
	ck_assert_ptr_null(cfg.workers.instances[0].program);
	ck_assert(!cfg.workers.instances[0].has_args);
	ck_assert_str_eq(cfg.workers.instances[1].program, "/opt/fw");
	ck_assert(cfg.workers.instances[1].has_args);
	ck_assert_uint_eq(cfg.workers.instances[1].args.n, 2);
	ck_assert_str_eq(cfg.workers.instances[1].args.v[1], "/etc/fw.rules");
	mp_config_free(&cfg);
}
END_TEST

START_TEST(test_instance_program_must_not_be_empty)
{
	assert_error("workers:\n  instances: [{id: 0, lcore: 2, cpu: 0, program: \"\"}]\n",
		     2, 50, "the program of a worker instance must not be empty");
}
END_TEST

START_TEST(test_worker_id_option_in_instance_args_is_rejected)
{
	assert_error("workers:\n  instances: [{id: 0, lcore: 2, cpu: 0, args: [-n3]}]\n",
		     2, 48, "the master passes -n ID to each worker itself");
}
END_TEST

START_TEST(test_worker_id_option_in_workers_args_is_rejected)
{
	static const char *const forms[] = { "-n, '3'", "-n3", "-n" };
	unsigned int i;
	char *yaml;

	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++) {
		yaml = yaml_printf("workers:\n  args: [--handler=l2fwd, %s]\n"
				   "  instances: [{id: 0, lcore: 2, cpu: 0}]\n", forms[i]);
		assert_error(yaml, 2, 27, "the master passes -n ID to each worker "
			     "itself; workers.instances sets the ids");
		free(yaml);
	}
	ck_assert_int_eq(load("workers:\n  args: [--fault=segv, --, -n, '3']\n"
			      "  instances: [{id: 0, lcore: 2, cpu: 0}]\n"), 0);
	mp_config_free(&cfg);
}
END_TEST

START_TEST(test_error_at_the_end_of_a_file_without_newline_is_inside_it)
{
	assert_error("workers:\n  instances: [{id: 0, lcore: 2, cpu: 0}", 2, 40,
		     "did not find expected ',' or ']'");
	assert_error("workers:\r\n  instances: [{id: 0, lcore: 2, cpu: 0}", 2, 40,
		     "did not find expected ',' or ']'");
	assert_error("---", 1, 4, "the config must be a mapping");
}
END_TEST

/* Checks after parsing place their errors at the key they are about. */
START_TEST(test_error_at_finds_the_key_or_its_nearest_mapping)
{
	char line[MP_ERR_LEN], want[MP_ERR_LEN];

	write_yaml_n("workers:\n  args: [--x]\n  instances:\n"
		     "    - {id: 1, lcore: 3, cpu: 0, args: [--y]}\n"
		     "    - {id: 0, lcore: 2, cpu: 0}\n", 113);
	ck_assert_int_eq(mp_config_error_at(path, "workers.args", line, sizeof(line),
					    "bad %s", "args"), -EINVAL);
	snprintf(want, sizeof(want), "%s:2:9: bad args", path);
	ck_assert_str_eq(line, want);
	/* A number is the instance of that id, not the list's index. */
	mp_config_error_at(path, "workers.instances.1.args", line, sizeof(line), "x");
	snprintf(want, sizeof(want), "%s:4:39: x", path);
	ck_assert_str_eq(line, want);
	/* Not in the file: its nearest mapping that is. */
	mp_config_error_at(path, "workers.program", line, sizeof(line), "y");
	snprintf(want, sizeof(want), "%s:2:3: y", path);
	ck_assert_str_eq(line, want);
	unlink(path);
}
END_TEST

START_TEST(test_pid_file_is_read_from_a_file_the_checker_refuses)
{
	char *pid_file = NULL;

	write_yaml_n("eal: {file_prefix: p1}\nbogus: 1\n", 32);
	ck_assert_int_eq(mp_config_pid_file(path, &pid_file, err, sizeof(err)), 0);
	ck_assert_str_eq(pid_file, "/run/mpmaster-p1.pid");
	free(pid_file);
	unlink(path);
	write_yaml_n("pid_file: /tmp/q.pid\nworkers: 3\n", 32);
	ck_assert_int_eq(mp_config_pid_file(path, &pid_file, err, sizeof(err)), 0);
	ck_assert_str_eq(pid_file, "/tmp/q.pid");
	free(pid_file);
	unlink(path);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *ok = tcase_create("valid");
	TCase *bad = tcase_create("invalid");

	tcase_add_test(ok, test_port_entry_may_be_a_map_with_tx_and_rx_queues);
	tcase_add_test(ok, test_transmitter_defaults_to_the_distributor);
	tcase_add_test(ok, test_transmitter_on_its_own_lcore);
	tcase_add_test(ok, test_minimal_config_gets_every_default);
	tcase_add_test(ok, test_instance_may_run_its_own_program_and_args);
	tcase_add_test(ok, test_every_key_is_read);
	tcase_add_test(ok, test_instances_are_sorted_by_id);
	tcase_add_test(ok, test_pid_file_follows_the_prefix);
	tcase_add_test(ok, test_control_socket_follows_the_prefix);
	tcase_add_test(ok, test_error_at_finds_the_key_or_its_nearest_mapping);
	tcase_add_test(ok, test_pid_file_is_read_from_a_file_the_checker_refuses);
	tcase_add_test(ok, test_operations_keys_are_read);
	tcase_add_test(ok, test_empty_operations_strings_turn_them_off);
	tcase_add_test(ok, test_listen_takes_ipv4_and_bracketed_ipv6);
	tcase_add_test(bad, test_listen_refuses_names_missing_and_out_of_range_ports);
	tcase_add_test(bad, test_bad_listen_is_rejected_at_its_position);
	tcase_add_test(bad, test_unknown_control_group_is_rejected);
	tcase_add_test(bad, test_control_socket_longer_than_sun_path_is_rejected);
	tcase_add_test(ok, test_shared_cpus_are_allowed);
	tcase_add_test(ok, test_shipped_config_is_valid);
	tcase_add_test(ok, test_file_of_1_mib_is_accepted);
	tcase_add_test(ok, test_config_is_parsed_from_a_buffer);
	tcase_add_test(ok, test_path_of_path_max_minus_1_bytes_is_accepted);
	tcase_add_test(ok, test_arg_of_4095_bytes_is_accepted);
	tcase_add_test(ok, test_document_markers_are_accepted);
	tcase_add_test(ok, test_eal_options_sharing_a_prefix_are_accepted);
	tcase_add_test(ok, test_eal_option_values_and_args_after_double_dash_are_not_read);
	tcase_add_test(bad, test_unknown_key_is_rejected_at_the_key);
	tcase_add_test(bad, test_unknown_top_level_key_is_rejected);
	tcase_add_test(bad, test_duplicate_key_is_rejected);
	tcase_add_test(bad, test_yaml_syntax_error_reports_its_position);
	tcase_add_test(bad, test_port_map_needs_its_id);
	tcase_add_test(bad, test_port_map_unknown_key_names_the_keys);
	tcase_add_test(bad, test_port_tx_lists_the_choices);
	tcase_add_test(bad, test_port_rx_queues_out_of_range_is_rejected);
	tcase_add_test(bad, test_transmitter_lcore_clash_is_rejected);
	tcase_add_test(bad, test_worker_lcore_clash_with_transmitter_is_rejected);
	tcase_add_test(bad, test_transmitter_cpu_on_the_distributors_lcore_is_rejected);
	tcase_add_test(bad, test_empty_file_is_rejected);
	tcase_add_test(bad, test_missing_instances_is_rejected);
	tcase_add_test(bad, test_wrong_type_is_rejected_at_the_value);
	tcase_add_test(bad, test_negative_number_is_rejected);
	tcase_add_test(bad, test_mapping_expected_is_rejected);
	tcase_add_test(bad, test_out_of_range_is_rejected);
	tcase_add_test(bad, test_unknown_enum_value_lists_the_choices);
	tcase_add_test(bad, test_ring_size_not_power_of_two_is_rejected);
	tcase_add_test(bad, test_backoff_cap_below_first_is_rejected);
	tcase_add_test(bad, test_duplicate_worker_id_is_rejected);
	tcase_add_test(bad, test_worker_ids_must_be_dense);
	tcase_add_test(bad, test_instance_needs_every_field);
	tcase_add_test(bad, test_worker_lcore_clash_with_distributor_is_rejected);
	tcase_add_test(bad, test_lcore_clash_between_workers_is_rejected);
	tcase_add_test(bad, test_distributor_on_the_main_lcore_is_rejected);
	tcase_add_test(bad, test_missing_cpu_is_rejected);
	tcase_add_test(bad, test_bad_file_prefix_is_rejected);
	tcase_add_test(bad, test_nonexistent_file_is_reported);
	tcase_add_test(bad, test_file_over_1_mib_is_refused);
	tcase_add_test(bad, test_buffer_over_1_mib_is_refused);
	tcase_add_test(bad, test_fifo_is_refused_without_blocking);
	tcase_add_test(bad, test_directory_is_reported_as_a_directory);
	tcase_add_test(bad, test_empty_path_is_rejected);
	tcase_add_test(bad, test_path_longer_than_path_max_minus_1_is_rejected);
	tcase_add_test(bad, test_arg_longer_than_4095_bytes_is_rejected);
	tcase_add_test(bad, test_nesting_deeper_than_32_levels_is_rejected);
	tcase_add_test(bad, test_1_mib_of_nesting_is_refused_quickly);
	tcase_add_test(bad, test_scalar_with_nul_is_rejected);
	tcase_add_test(bad, test_second_document_is_rejected);
	tcase_add_test(bad, test_more_than_16_directives_are_rejected);
	tcase_add_test(bad, test_more_than_4096_nodes_are_rejected);
	tcase_add_test(bad, test_echoed_value_is_escaped);
	tcase_add_test(bad, test_long_echoed_value_is_cut);
	tcase_add_test(bad, test_input_name_is_escaped);
	tcase_add_test(bad, test_bad_utf8_is_reported_where_it_is);
	tcase_add_test(bad, test_eal_option_the_master_sets_is_rejected_in_every_spelling);
	tcase_add_test(bad, test_eal_options_that_break_the_workers_are_rejected);
	tcase_add_test(bad, test_instance_program_must_not_be_empty);
	tcase_add_test(bad, test_worker_id_option_in_instance_args_is_rejected);
	tcase_add_test(bad, test_worker_id_option_in_workers_args_is_rejected);
	tcase_add_test(bad, test_error_at_the_end_of_a_file_without_newline_is_inside_it);
	suite_add_tcase(s, ok);
	suite_add_tcase(s, bad);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(config_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
