/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What can be checked of a parsed config short of EAL: that its programs
 * can run, that its paths' directories exist, that the worker programs
 * accept their arguments, that no other master holds its pid file or file
 * prefix.  A start, a reload and `mpmaster -t` each run the checks they
 * need, so that -t says what a start would; each failure is one line
 * "FILE:LINE:COL: message" at the key it is about.
 */
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "master.h"
#include "supervisor.h"

/* How long a worker program may take to answer --check-args. */
#define MP_CHECK_ARGS_TIMEOUT_MS 5000

struct check {
	const struct mp_config *cfg;
	mp_check_report_fn *report;
	void *arg;
	unsigned int failures;
};

static void __attribute__((format(printf, 3, 4)))
fail(struct check *c, const char *key, const char *fmt, ...)
{
	char msg[MP_ERR_LEN], line[MP_ERR_LEN + PATH_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	mp_config_error_at(c->cfg->path, key, line, sizeof(line), "%s", msg);
	c->report(c->arg, line);
	c->failures++;
}

/* 0 if path is an executable regular file, else -errno with why. */
static int
runnable(const char *path, const char **why)
{
	struct stat st;

	if (stat(path, &st) != 0 || access(path, X_OK) != 0) {
		*why = strerror(errno);
		return -errno;
	}
	if (!S_ISREG(st.st_mode)) {
		*why = "not a regular file";
		return -EINVAL;
	}
	return 0;
}

/* The key of instance i's program or args: its own, else the workers' one. */
static void
instance_key(const struct mp_worker_conf *w, const char *what, bool own,
	     char *key, size_t len)
{
	if (own)
		snprintf(key, len, "workers.instances.%u.%s", w->id, what);
	else
		snprintf(key, len, "workers.%s", what);
}

static void
check_programs(struct check *c)
{
	const struct mp_config *cfg = c->cfg;
	char program[MP_MAX_WORKERS][PATH_MAX], key[64];
	const char *reason;
	unsigned int i, j;
	int rc;

	for (i = 0; i < cfg->workers.nb_instances; i++) {
		const struct mp_worker_conf *w = &cfg->workers.instances[i];

		instance_key(w, "program", w->program != NULL, key, sizeof(key));
		rc = mp_spawn_program_path(cfg, w, program[i]);
		if (rc < 0) {
			program[i][0] = '\0';
			fail(c, key, "worker %u: cannot find its program: %s", w->id,
			     strerror(-rc));
			continue;
		}
		/* One line a program, not one a worker that runs it. */
		for (j = 0; j < i; j++)
			if (strcmp(program[j], program[i]) == 0)
				break;
		if (j == i && runnable(program[i], &reason) < 0)
			fail(c, key, "program \"%s\" is not executable: %s", program[i],
			     reason);
	}
	if (cfg->hooks.on_state_change != NULL &&
	    runnable(cfg->hooks.on_state_change, &reason) < 0)
		fail(c, "hooks.on_state_change", "hooks.on_state_change: program "
		     "\"%s\" is not executable: %s", cfg->hooks.on_state_change, reason);
}

/* The directory of path (a file the master creates) must exist. */
static void
check_dir(struct check *c, const char *key, const char *path)
{
	char dir[PATH_MAX];
	const char *slash;
	struct stat st;

	if (path == NULL)
		return;
	slash = strrchr(path, '/');
	if (slash == NULL)
		snprintf(dir, sizeof(dir), ".");
	else if (slash == path)
		snprintf(dir, sizeof(dir), "/");
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	if (stat(dir, &st) != 0)
		fail(c, key, "%s \"%s\": directory \"%s\": %s", key, path, dir,
		     strerror(errno));
	else if (!S_ISDIR(st.st_mode))
		fail(c, key, "%s \"%s\": \"%s\" is not a directory", key, path, dir);
}

static void
check_paths(struct check *c)
{
	check_dir(c, "pid_file", c->cfg->pid_file);
	check_dir(c, "log_file", c->cfg->log_file);
	check_dir(c, "control.socket", c->cfg->control.socket);
}

/*
 * Run `program --check-args -n ID args...` (mpw_main() answers it) and
 * put what it said into why.  0 if it accepted them.
 */
static int
ask_program(const char *program, unsigned int id, const struct mp_strv *args,
	    char *why, size_t len)
{
	char **argv, idbuf[16], out[1024], *line, *nl;
	struct timespec start, now;
	struct pollfd pfd;
	size_t got = 0;
	int fds[2], status, elapsed, null;
	ssize_t n;
	pid_t pid;

	argv = calloc(args->n + 5, sizeof(*argv));
	if (argv == NULL || pipe2(fds, O_CLOEXEC) != 0) {
		free(argv);
		snprintf(why, len, "cannot ask it: %s", strerror(errno));
		return -errno;
	}
	snprintf(idbuf, sizeof(idbuf), "%u", id);
	argv[0] = (char *)program;
	argv[1] = "--check-args";
	argv[2] = "-n";
	argv[3] = idbuf;
	if (args->n != 0)	/* v may be NULL then */
		memcpy(argv + 4, args->v, args->n * sizeof(*argv));
	pid = fork();
	if (pid == 0) {
		null = open("/dev/null", O_RDONLY);
		if (null >= 0)
			dup2(null, STDIN_FILENO);
		dup2(fds[1], STDOUT_FILENO);
		dup2(fds[1], STDERR_FILENO);
		/* Plain "<N>message" lines, as a worker writes for the master. */
		setenv(MP_LOG_ENV_TAGGED, "1", 1);
		execv(program, argv);
		dprintf(STDERR_FILENO, "cannot run it: %s\n", strerror(errno));
		_exit(127);
	}
	free(argv);
	close(fds[1]);
	if (pid < 0) {
		close(fds[0]);
		snprintf(why, len, "cannot ask it: fork() failed: %s", strerror(errno));
		return -errno;
	}
	/* Its output until it closes it, within the time allowed. */
	clock_gettime(CLOCK_MONOTONIC, &start);
	pfd = (struct pollfd){ .fd = fds[0], .events = POLLIN };
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		elapsed = (int)((now.tv_sec - start.tv_sec) * 1000 +
				(now.tv_nsec - start.tv_nsec) / 1000000);
		if (elapsed >= MP_CHECK_ARGS_TIMEOUT_MS ||
		    poll(&pfd, 1, MP_CHECK_ARGS_TIMEOUT_MS - elapsed) == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			close(fds[0]);
			snprintf(why, len, "no answer to --check-args within %d s (is "
				 "it built on libmpworker?)", MP_CHECK_ARGS_TIMEOUT_MS / 1000);
			return -ETIMEDOUT;
		}
		n = read(fds[0], out + got, sizeof(out) - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (got == sizeof(out) - 1)
			break;	/* enough to say why; it exits on its own */
	}
	close(fds[0]);
	out[got] = '\0';
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	/* Its first line says why; a worker's log tag "<3>" is no part of it. */
	line = out + strspn(out, "\n");
	nl = strchr(line, '\n');
	if (nl != NULL)
		*nl = '\0';
	if (line[0] == '<' && line[1] != '\0' && line[2] == '>')
		line += 3;
	if (*line != '\0')
		snprintf(why, len, "%s", line);
	else if (WIFEXITED(status))
		snprintf(why, len, "--check-args: exit %d", WEXITSTATUS(status));
	else
		snprintf(why, len, "--check-args: signal %d", WTERMSIG(status));
	return -EINVAL;
}

static bool
same_args(const struct mp_strv *a, const struct mp_strv *b)
{
	unsigned int i;

	if (a->n != b->n)
		return false;
	for (i = 0; i < a->n; i++)
		if (strcmp(a->v[i], b->v[i]) != 0)
			return false;
	return true;
}

static const struct mp_strv *
instance_args(const struct mp_config *cfg, const struct mp_worker_conf *w)
{
	return w->has_args ? &w->args : &cfg->workers.args;
}

static void
check_args(struct check *c)
{
	const struct mp_config *cfg = c->cfg;
	char program[MP_MAX_WORKERS][PATH_MAX], key[64], why[MP_ERR_LEN];
	unsigned int i, j;

	for (i = 0; i < cfg->workers.nb_instances; i++) {
		const struct mp_worker_conf *w = &cfg->workers.instances[i];

		if (mp_spawn_program_path(cfg, w, program[i]) < 0)
			return;	/* check_programs() said so */
		for (j = 0; j < i; j++)
			if (strcmp(program[j], program[i]) == 0 &&
			    same_args(instance_args(cfg, &cfg->workers.instances[j]),
				      instance_args(cfg, w)))
				break;
		if (j < i)
			continue;
		if (ask_program(program[i], w->id, instance_args(cfg, w), why,
				sizeof(why)) < 0) {
			instance_key(w, "args", w->has_args, key, sizeof(key));
			fail(c, key, "worker %u: %s refuses its arguments: %s", w->id,
			     program[i], why);
		}
	}
}

/*
 * The config file a running mpmaster was started with (its -c, else the
 * default), resolved from its working directory; 0 or -errno.
 */
static int
running_config(int pid, char *out)
{
	char proc[64], buf[8192], joined[PATH_MAX + 64];
	const char *arg, *path = MP_CONFDIR "/mp.yaml";
	ssize_t n;
	int fd;

	snprintf(proc, sizeof(proc), "/proc/%d/cmdline", pid);
	fd = open(proc, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -EIO;
	buf[n] = '\0';
	for (arg = buf; arg < buf + n; arg += strlen(arg) + 1) {
		if (strcmp(arg, "-c") == 0 && arg + strlen(arg) + 1 < buf + n)
			path = arg + strlen(arg) + 1;
		else if (strncmp(arg, "-c", 2) == 0 && arg[2] != '\0')
			path = arg + 2;
	}
	if (path[0] != '/')
		snprintf(joined, sizeof(joined), "/proc/%d/cwd/%s", pid, path);
	else
		snprintf(joined, sizeof(joined), "%s", path);
	return realpath(joined, out) != NULL ? 0 : -errno;
}

/*
 * A master that holds what this config needs is another one unless it
 * runs this very file: `mpmaster -t` before a reload must pass.
 */
static bool
another_master(const struct mp_config *cfg, int pid)
{
	char theirs[PATH_MAX], ours[PATH_MAX];

	return running_config(pid, theirs) < 0 || realpath(cfg->path, ours) == NULL ||
	       strcmp(theirs, ours) != 0;
}

static void
check_running(struct check *c)
{
	const struct mp_config *cfg = c->cfg;
	int pid;

	pid = mp_pidfile_read_live(cfg->pid_file);
	if (pid != 0 && another_master(cfg, pid))
		fail(c, "pid_file", "pid file \"%s\" is held by another mpmaster "
		     "(pid %d), which runs another config", cfg->pid_file, pid);
	pid = mp_rtfiles_primary_pid(cfg->eal.file_prefix);
	if (pid != 0 && another_master(cfg, pid))
		fail(c, "eal.file_prefix", "another DPDK primary (pid %d) runs with "
		     "file prefix \"%s\"", pid, cfg->eal.file_prefix);
}

unsigned int
mp_check_config(const struct mp_config *cfg, unsigned int what,
		mp_check_report_fn *report, void *arg)
{
	struct check c = { cfg, report, arg, 0 };

	if (what & MP_CHECK_PROGRAMS)
		check_programs(&c);
	if (what & MP_CHECK_PATHS)
		check_paths(&c);
	/* Programs that cannot run cannot be asked about their arguments. */
	if ((what & MP_CHECK_ARGS) && c.failures == 0)
		check_args(&c);
	if (what & MP_CHECK_RUNNING)
		check_running(&c);
	return c.failures;
}

struct first_line {
	char *err;
	size_t len;
};

static void
log_and_keep_first(void *arg, const char *line)
{
	struct first_line *f = arg;

	mp_err("%s", line);
	if (f->err != NULL) {
		snprintf(f->err, f->len, "%s", line);
		f->err = NULL;
	}
}

int
mp_spawn_check_programs(const struct mp_config *cfg, char *err, size_t errlen)
{
	struct first_line f = { err, errlen };

	return mp_check_config(cfg, MP_CHECK_PROGRAMS, log_and_keep_first, &f) ?
	       -ENOENT : 0;
}
