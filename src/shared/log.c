/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static const char *log_ident = "mp";
static enum mp_log_level log_max = MP_LOG_INFO;
static unsigned long log_lines;
static bool log_tagged;		/* MP_LOG_ENV_TAGGED: "<N>message" */

unsigned long
mp_log_lines(void)
{
	return __atomic_load_n(&log_lines, __ATOMIC_RELAXED);
}

void
mp_log_init(const char *ident, enum mp_log_level max_level)
{
	const char *tagged = getenv(MP_LOG_ENV_TAGGED);

	log_ident = ident;
	log_max = max_level;
	log_tagged = tagged != NULL && strcmp(tagged, "1") == 0;
}

/*
 * The line is formatted into one buffer and written at once: writes of up
 * to PIPE_BUF bytes are atomic, so concurrent writers (the master, the
 * distributor lcore and every worker) never split each other's lines.
 */
void
mp_log(enum mp_log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warning", "info", "debug" };
	static const char priorities[] = { '3', '4', '6', '7' };
	char line[1024];
	struct timeval tv;
	struct tm tm;
	va_list ap;
	size_t len;
	int n;

	if (level > log_max)
		return;
	if (log_tagged) {
		line[0] = '<';
		line[1] = priorities[level];
		line[2] = '>';
		len = 3;
	} else {
		gettimeofday(&tv, NULL);
		gmtime_r(&tv.tv_sec, &tm);
		len = strftime(line, sizeof(line), "%Y-%m-%dT%H:%M:%S", &tm);
		n = snprintf(line + len, sizeof(line) - len, ".%03ldZ %s[%d]: %s: ",
			     (long)tv.tv_usec / 1000, log_ident, (int)getpid(),
			     names[level]);
		len += (size_t)n;
	}
	va_start(ap, fmt);
	n = vsnprintf(line + len, sizeof(line) - len, fmt, ap);
	va_end(ap);
	if (n < 0)
		n = 0;
	len += (size_t)n;
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	__atomic_fetch_add(&log_lines, 1, __ATOMIC_RELAXED);
	if (write(STDERR_FILENO, line, len) < 0)
		return;
}

/*
 * Point stdout and stderr (ours, EAL's and DPDK's) at path, opened anew:
 * at start-up, and on SIGUSR1 after logrotate moved the old file away.
 */
int
mp_log_reopen(const char *path)
{
	int fd, rc;

	if (path == NULL)
		return 0;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = -errno;
		mp_err("cannot open log file \"%s\": %s", path, strerror(errno));
		return rc;
	}
	fflush(stdout);
	dup2(fd, STDOUT_FILENO);
	dup2(fd, STDERR_FILENO);
	close(fd);
	mp_info("logging to %s", path);
	return 0;
}
