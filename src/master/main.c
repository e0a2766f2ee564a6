/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * mpmaster: command line, start-up and shutdown of the DPDK primary.
 *
 * Start-up order matters: the config is checked before anything touches
 * DPDK, so a bad file never disturbs a running master; the "already
 * running" checks come before rte_eal_init(), so the user gets one clear
 * line instead of EAL's lock error; the pid file is written only once the
 * primary is up.  Exit codes are those of SPEC.md: 0 clean stop, 1 config
 * or usage error, 2 start-up failure; and 3, stopped without DPDK's
 * release finishing (see release_dpdk()).
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/personality.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_log.h>
#include <rte_version.h>

#include "log.h"
#include "master.h"
#include "pool.h"
#include "supervisor.h"

static void
usage(FILE *out)
{
	fprintf(out,
		"Usage: mpmaster [-c FILE]             run the pipeline in the foreground\n"
		"       mpmaster -t [-c FILE]          check the config and exit (0 valid, 1 invalid)\n"
		"       mpmaster -s stop|reload [-c FILE | -p PIDFILE]\n"
		"                                      signal the master running FILE (exit 2\n"
		"                                      if none runs)\n"
		"       mpmaster --list-config-keys    every config key the parser knows\n"
		"       mpmaster -V | --version        version\n"
		"       mpmaster -h | --help           this help\n"
		"\n"
		"FILE defaults to %s/mp.yaml.  Exit codes: 0 clean stop, 1 config or\n"
		"usage error, 2 start-up failure, 3 stopped but DPDK's release hung.\n"
		"See mpmaster(8) and mp.yaml(5).\n",
		MP_CONFDIR);
}

/* The longest workers.stop_timeout_ms the checker allows. */
#define MP_STOP_TIMEOUT_MAX_MS 600000

/*
 * `-s stop|reload`: the pid file is -p's, else the config's, else, for a
 * stop with a file broken since the master started, read leniently from
 * it (only its pid_file or eal.file_prefix must be valid), so that the
 * operator is never locked out of a stop.  A reload of a broken file is
 * refused here, with the file's error, as the master would refuse it.  `-s stop` waits for the master to be gone,
 * so that scripts can start a new one right after; it allows the
 * workers' stop timeout plus a margin.
 */
static int
send_signal(const char *path, const char *pid_file, const char *what)
{
	char err[MP_ERR_LEN], *lenient = NULL;
	struct timespec ts = { 0, 20 * 1000 * 1000 };
	long waited_ms, limit_ms = MP_STOP_TIMEOUT_MAX_MS + 10000;
	struct mp_config cfg;
	bool loaded = false;
	int sig, pid;

	if (strcmp(what, "stop") == 0)
		sig = SIGTERM;
	else if (strcmp(what, "reload") == 0)
		sig = SIGHUP;
	else {
		fprintf(stderr, "mpmaster: unknown signal \"%s\" (use stop or reload)\n", what);
		return MP_EXIT_CONFIG;
	}
	if (pid_file == NULL) {
		if (mp_config_load(path, &cfg, err, sizeof(err)) == 0) {
			loaded = true;
			pid_file = cfg.pid_file;
			limit_ms = cfg.workers.stop_timeout_ms + 10000;
		} else if (sig == SIGHUP) {
			/* The master would refuse the file: say why here. */
			fprintf(stderr, "%s\n", err);
			return MP_EXIT_CONFIG;
		} else if (mp_config_pid_file(path, &lenient, err, sizeof(err)) == 0) {
			pid_file = lenient;
		} else {
			fprintf(stderr, "%s (give the master's pid file with -p PIDFILE)\n", err);
			return MP_EXIT_CONFIG;
		}
	}
	pid = mp_pidfile_read_live(pid_file);
	if (pid == 0) {
		if (lenient != NULL || loaded)
			fprintf(stderr, "mpmaster: no running master for %s (pid file %s)\n",
				path, pid_file);
		else
			fprintf(stderr, "mpmaster: no running master (pid file %s)\n", pid_file);
		sig = 0;
	} else if (kill(pid, sig) != 0) {
		fprintf(stderr, "mpmaster: kill(%d) failed: %s\n", pid, strerror(errno));
		sig = 0;
	}
	if (loaded)
		mp_config_free(&cfg);
	free(lenient);
	if (sig == 0)
		return MP_EXIT_STARTUP;
	if (sig != SIGTERM)
		return MP_EXIT_OK;
	for (waited_ms = 0; waited_ms < limit_ms; waited_ms += 20) {
		if (kill(pid, 0) != 0 && errno == ESRCH)
			return MP_EXIT_OK;
		nanosleep(&ts, NULL);
	}
	fprintf(stderr, "mpmaster: master pid %d still running after %ld ms\n",
		pid, limit_ms);
	return MP_EXIT_STARTUP;
}

/*
 * Secondaries must map the primary's hugepage memory at the same virtual
 * addresses.  With address-space randomisation off in the primary and, by
 * inheritance of the personality across fork and exec, in every worker, the
 * layouts match and a worker never fails to attach for want of a free
 * range.  The personality takes effect at exec, so we re-exec once.
 */
static void
disable_aslr(char **argv)
{
	int persona = personality(0xffffffff);
	char self[PATH_MAX];
	ssize_t n;

	if (persona < 0 || (persona & ADDR_NO_RANDOMIZE))
		return;
	/* The real path, not /proc/self/exe, keeps the process name mpmaster. */
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n < 0)
		return;
	self[n] = '\0';
	if (personality((unsigned long)persona | ADDR_NO_RANDOMIZE) < 0)
		return;
	execv(self, argv);
	mp_warn("re-exec without address randomisation failed: %s", strerror(errno));
}

/* Refuse to start next to a live master of the same prefix or pid file. */
static int
check_not_running(const struct mp_config *cfg)
{
	int pid;

	pid = mp_rtfiles_primary_pid(cfg->eal.file_prefix);
	if (pid != 0) {
		mp_err("another DPDK primary (pid %d) is running with file prefix \"%s\"",
		       pid, cfg->eal.file_prefix);
		return -EEXIST;
	}
	pid = mp_pidfile_read_live(cfg->pid_file);
	if (pid != 0) {
		mp_err("mpmaster is already running (pid %d, pid file %s)", pid,
		       cfg->pid_file);
		return -EEXIST;
	}
	/* Whatever a dead primary left behind would confuse EAL and workers. */
	mp_rtfiles_remove(cfg->eal.file_prefix, &cfg->eal.args);
	return 0;
}

static void
deadline_in_ms(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static bool
deadline_passed(const struct timespec *deadline)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	return now.tv_sec > deadline->tv_sec ||
	       (now.tv_sec == deadline->tv_sec && now.tv_nsec >= deadline->tv_nsec);
}

/* How long rte_eal_init() may take before the master says what it may wait for. */
#define MP_EAL_INIT_WARN_S 5

struct init_watch {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	bool done;
};

/*
 * A primary's rte_eal_init() takes an exclusive flock() on the hugepage
 * directory, and waits for it without a word for as long as another DPDK
 * process holds it, whatever its file prefix: one stopped (SIGSTOP, a
 * debugger) or stuck inside its own start-up.  Say so once if the wait
 * gets long, so that a start that hangs is not a silent one.
 */
static void *
init_watch_thread(void *arg)
{
	struct init_watch *w = arg;
	struct timespec deadline;
	int rc = 0;

	deadline_in_ms(&deadline, MP_EAL_INIT_WARN_S * 1000L);
	pthread_mutex_lock(&w->lock);
	while (!w->done && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&w->cond, &w->lock, &deadline);
	if (!w->done)
		mp_warn("rte_eal_init() has not returned after %d s: it may be "
			"waiting for the hugepage directory's lock, held by another "
			"DPDK process that is stopped or stuck inside its start-up",
			MP_EAL_INIT_WARN_S);
	pthread_mutex_unlock(&w->lock);
	return NULL;
}

/*
 * DPDK's log lines (EAL's and every library's) go through our logger, so
 * that log_file holds everything, each line with the same timestamp and
 * prefix as ours and at its DPDK level.  DPDK writes a message with one
 * vfprintf() and then fflush()es the stream, under the stream's lock, so
 * these run one at a time and on the thread that logs; a message may
 * still come in pieces, so a line is collected until its newline, and a
 * line longer than the buffer is logged in pieces.  mp_log() never calls
 * back into DPDK.
 */
static struct {
	size_t len;
	char buf[1024];
} eal_line;

static void
eal_log_emit(void)
{
	int level = rte_log_cur_msg_loglevel();
	enum mp_log_level ours;

	if (level <= (int)RTE_LOG_ERR)
		ours = MP_LOG_ERR;
	else if (level == (int)RTE_LOG_WARNING)
		ours = MP_LOG_WARN;
	else if (level < (int)RTE_LOG_DEBUG)
		ours = MP_LOG_INFO;
	else
		ours = MP_LOG_DEBUG;
	mp_log(ours, "%.*s", (int)eal_line.len, eal_line.buf);
	eal_line.len = 0;
}

static ssize_t
eal_log_write(void *cookie, const char *buf, size_t size)
{
	size_t i;

	for (i = 0; i < size; i++) {
		if (buf[i] == '\n') {
			eal_log_emit();
			continue;
		}
		eal_line.buf[eal_line.len++] = buf[i];
		if (eal_line.len == sizeof(eal_line.buf))
			eal_log_emit();
	}
	return (ssize_t)size;
}

/* Before rte_eal_init(), whose own stream would otherwise take over. */
static void
eal_log_open(void)
{
	static const cookie_io_functions_t io = { .write = eal_log_write };
	FILE *f = fopencookie(NULL, "w", io);

	if (f == NULL || rte_openlog_stream(f) != 0) {
		mp_warn("cannot route DPDK's log through ours: %s", strerror(errno));
		if (f != NULL)
			fclose(f);
	}
}

static int
eal_init(const struct mp_config *cfg, const char *argv0)
{
	struct init_watch watch = {
		PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, false
	};
	struct mp_strv args;
	pthread_t watcher;
	bool watching;
	int rc;

	rc = mp_eal_primary_argv(cfg, argv0, &args);
	if (rc < 0)
		return rc;
	/* rte_eal_init() may permute argv; give it a copy of the pointers. */
	char **copy = calloc(args.n + 1, sizeof(*copy));

	if (copy == NULL) {
		mp_strv_free(&args);
		return -ENOMEM;
	}
	memcpy(copy, args.v, args.n * sizeof(*copy));
	watching = pthread_create(&watcher, NULL, init_watch_thread, &watch) == 0;
	rc = rte_eal_init((int)args.n, copy);
	if (watching) {
		pthread_mutex_lock(&watch.lock);
		watch.done = true;
		pthread_cond_signal(&watch.cond);
		pthread_mutex_unlock(&watch.lock);
		pthread_join(watcher, NULL);
	}
	free(copy);
	mp_strv_free(&args);
	if (rc < 0) {
		mp_err("rte_eal_init() failed: %s (check hugepages, eal.args and "
		       "that no other primary uses file prefix \"%s\")",
		       rte_strerror(rte_errno), cfg->eal.file_prefix);
		return -rte_errno;
	}
	return 0;
}

/*
 * How long the master waits for DPDK's release at exit: far more than it
 * takes once stale holds are released, since a loaded machine can keep
 * the master off its CPU for seconds.
 */
#define MP_RELEASE_TIMEOUT_S 15
/* How long a release may take before it counts as stuck. */
#define MP_RELEASE_STUCK_MS 1000

struct release_job {
	const struct mp_config *cfg;
	struct mp_objects *objects;	/* all zero if never created */
	bool ports;			/* the ports were started */
};

static void *
release_thread(void *arg)
{
	struct release_job *job = arg;
	struct mp_audit audit;

	if (job->ports) {
		mp_capture_uninit();
		mp_ports_stop(job->cfg);
	}
	if (job->objects->pool != NULL) {
		mp_objects_return_queued(job->objects);
		if (mp_audit_pool(job->objects->pool, &audit) == 0)
			mp_audit_log(&audit, job->objects->shm->leaked_by_crashes);
		else
			mp_warn("mempool audit: out of memory, not audited");
	}
	mp_objects_free(job->objects);
	rte_eal_cleanup();
	return NULL;
}

/*
 * Stop the ports, free the shared objects and release EAL.  DPDK takes
 * locks in shared memory for this that a secondary killed at the wrong
 * moment can have left held, and then waits for them forever: most often
 * the memory hotplug lock, which a worker holds as a reader through most
 * of its rte_eal_init(), so that rte_eal_cleanup() can never take it as a
 * writer.  Every worker has exited by now, so once the release has been
 * stuck for a second, whatever still holds one of EAL's locks is dead and
 * the master releases those holds (eal_locks.c), lock after lock for as
 * long as the release stays stuck.  It first releases what is already
 * stuck before the release begins (a hold that stays for 200 ms while no
 * other process maps EAL's configuration), which saves the second in the
 * common case of a worker killed in its start-up.  A lock it does not know about it
 * cannot help with: the release runs on its own thread and the master
 * waits for it at most MP_RELEASE_TIMEOUT_S, since an exit with the
 * release unfinished is better than a stop that never ends.  The kernel frees the memory either
 * way.  Returns 0, or -ETIMEDOUT after logging it.
 */
static int
release_dpdk(const struct mp_config *cfg, struct mp_objects *objects, bool ports)
{
	struct release_job job = { cfg, objects, ports };
	struct timespec deadline, step;
	pthread_t thread;
	int rc;

	mp_eallock_release_all_stuck("before DPDK's release at exit");
	rc = pthread_create(&thread, NULL, release_thread, &job);
	if (rc != 0) {
		mp_warn("pthread_create() failed while releasing DPDK: %s; releasing inline",
			strerror(rc));
		release_thread(&job);
		return 0;
	}
	deadline_in_ms(&deadline, MP_RELEASE_TIMEOUT_S * 1000L);
	deadline_in_ms(&step, MP_RELEASE_STUCK_MS);
	while ((rc = pthread_timedjoin_np(thread, NULL, &step)) != 0 &&
	       !deadline_passed(&deadline)) {
		mp_eallock_release_stuck(MP_EALLOCK_ALL,
					 "into a stuck release of DPDK at exit");
		deadline_in_ms(&step, 10);
	}
	if (rc != 0) {
		mp_eallock_log_state("when DPDK's release at exit gave up");
		mp_err("releasing DPDK did not finish within %d s (a lock in shared "
		       "memory held by a killed secondary?): exiting without it",
		       MP_RELEASE_TIMEOUT_S);
		return -ETIMEDOUT;
	}
	return 0;
}

/* Start the primary, supervise until stopped, tear down. */
static int
run(struct mp_config *cfg, char **argv)
{
	struct mp_objects objects = { 0 };
	struct mp_tx *tx = NULL;
	bool pidfile = false, ports = false;
	int status = MP_EXIT_STARTUP;
	int rc;

	disable_aslr(argv);
	if (mp_log_reopen(cfg->log_file) < 0)
		return MP_EXIT_STARTUP;
	if (check_not_running(cfg) < 0)
		return MP_EXIT_STARTUP;
	eal_log_open();
	if (eal_init(cfg, argv[0]) < 0) {
		/*
		 * EAL creates the runtime directory early and leaves it when it
		 * fails later (too little hugepage memory, a bad --vdev): of no
		 * use to anyone, unless a primary of the prefix started meanwhile.
		 */
		if (mp_rtfiles_primary_pid(cfg->eal.file_prefix) == 0)
			mp_rtfiles_remove(cfg->eal.file_prefix, &cfg->eal.args);
		return MP_EXIT_STARTUP;
	}
	rc = mp_pool_register();
	if (rc < 0) {
		mp_err("rte_mempool_register_ops() failed for %s: %s",
		       MP_POOL_OPS_NAME, strerror(-rc));
		goto out;
	}
	mp_info("primary up: file prefix \"%s\", main lcore %u@%u, distributor lcore %u@%u, %u worker(s)",
		cfg->eal.file_prefix, cfg->eal.main_lcore, cfg->eal.main_cpu,
		cfg->distributor.lcore, cfg->distributor.cpu,
		cfg->workers.nb_instances);

	rc = mp_objects_create(cfg, &objects);
	if (rc < 0)
		goto out;
	/* Its layout check walks the memzones: ours exists by now. */
	mp_eallock_init();
	rc = mp_ports_start(cfg, objects.pool, objects.shm);
	if (rc < 0)
		goto out;
	ports = true;
	mp_capture_init(cfg->distributor.lcore, objects.pool);
	rc = mp_telemetry_register(cfg, &objects);
	if (rc < 0)
		goto out;
	rc = mp_pidfile_write(cfg->pid_file);
	if (rc < 0)
		goto out;
	pidfile = true;
	rc = mp_tx_start(cfg, &objects, &tx);
	if (rc < 0)
		goto out;
	rc = mp_dist_start(cfg, &objects, tx);
	if (rc < 0)
		goto out;
	rc = mp_sup_run(cfg, &objects);
	mp_dist_stop(cfg, &objects);
	if (rc == 0)
		status = MP_EXIT_OK;

out:
	mp_tx_stop();	/* after the distributor, which may poll it */
	mp_telemetry_close();
	rc = release_dpdk(cfg, &objects, ports);
	mp_rtfiles_remove(cfg->eal.file_prefix, &cfg->eal.args);
	if (pidfile)
		mp_pidfile_remove(cfg->pid_file);
	if (rc < 0)
		_exit(MP_EXIT_UNCLEAN);	/* not exit(): the release thread still runs */
	if (status == MP_EXIT_OK)
		mp_info("stopped");
	return status;
}

/* A check's failure, in the form of the config's own errors. */
static void
print_line(void *arg, const char *line)
{
	fprintf(stderr, "%s\n", line);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ "list-config-keys", no_argument, NULL, 'K' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = MP_CONFDIR "/mp.yaml", *sig = NULL, *pid_file = NULL;
	char err[MP_ERR_LEN];
	struct mp_config cfg;
	bool test = false;
	unsigned int checks;
	int opt, rc;

	mp_log_init("mpmaster", MP_LOG_INFO);
	/*
	 * A control client or a log reader that goes away must cost an
	 * EPIPE, not the master (libuv writes with write(2)); workers get
	 * the default back from uv_spawn().
	 */
	signal(SIGPIPE, SIG_IGN);
	while ((opt = getopt_long(argc, argv, "c:ts:p:Vh", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			path = optarg;
			break;
		case 't':
			test = true;
			break;
		case 's':
			sig = optarg;
			break;
		case 'p':
			pid_file = optarg;
			break;
		case 'K':
			mp_config_list_keys(stdout);
			return MP_EXIT_OK;
		case 'V':
			/* rte_version() is "DPDK 22.11.11": it names DPDK itself. */
			printf("mpmaster %s (%s)\n", PACKAGE_VERSION, rte_version());
			return MP_EXIT_OK;
		case 'h':
			usage(stdout);
			return MP_EXIT_OK;
		default:
			usage(stderr);
			return MP_EXIT_CONFIG;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "mpmaster: unexpected argument \"%s\"\n", argv[optind]);
		usage(stderr);
		return MP_EXIT_CONFIG;
	}
	if (pid_file != NULL && sig == NULL) {
		fprintf(stderr, "mpmaster: -p goes with -s stop|reload\n");
		return MP_EXIT_CONFIG;
	}
	if (sig != NULL)
		return send_signal(path, pid_file, sig);

	rc = mp_config_load(path, &cfg, err, sizeof(err));
	if (rc < 0) {
		fprintf(stderr, "%s\n", err);
		return MP_EXIT_CONFIG;
	}
	/*
	 * What a start checks before EAL; -t also asks the worker programs
	 * about their arguments and looks for another master, so that it
	 * says what a start would.
	 */
	checks = MP_CHECK_PROGRAMS | MP_CHECK_PATHS;
	if (test)
		checks |= MP_CHECK_ARGS | MP_CHECK_RUNNING;
	if (mp_check_config(&cfg, checks, print_line, NULL) > 0) {
		mp_config_free(&cfg);
		return MP_EXIT_CONFIG;
	}
	if (test) {
		printf("%s: configuration is valid\n", path);
		rc = MP_EXIT_OK;
	} else {
		rc = run(&cfg, argv);
	}
	mp_config_free(&cfg);
	return rc;
}
