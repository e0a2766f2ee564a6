/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The pid file lets `mpmaster -s stop|reload` find the running master.  A
 * file left by a master that died is stale, not a reason to refuse a start:
 * a pid counts only if that process is alive and is an mpmaster.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "master.h"

static bool
is_mpmaster(int pid)
{
	char path[64], exe[PATH_MAX];
	const char *base;
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%d/exe", pid);
	n = readlink(path, exe, sizeof(exe) - 1);
	if (n < 0)
		return errno == EACCES;	/* alive but not ours to inspect */
	exe[n] = '\0';
	base = strrchr(exe, '/');
	base = base ? base + 1 : exe;
	return strncmp(base, "mpmaster", 8) == 0;
}

int
mp_pidfile_read_live(const char *path)
{
	char buf[32];
	ssize_t n;
	long pid;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = strtol(buf, NULL, 10);
	if (pid <= 0 || pid > INT_MAX || pid == getpid())
		return 0;
	if (kill((pid_t)pid, 0) != 0 && errno == ESRCH)
		return 0;
	return is_mpmaster((int)pid) ? (int)pid : 0;
}

/* Written to a temporary name and renamed, so readers never see half a pid. */
int
mp_pidfile_write(const char *path)
{
	char tmp[PATH_MAX], buf[32];
	int fd, len, rc;

	snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = -errno;
		mp_err("cannot write pid file \"%s\": %s", path, strerror(errno));
		return rc;
	}
	len = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
	if (write(fd, buf, (size_t)len) != len || close(fd) != 0 ||
	    rename(tmp, path) != 0) {
		rc = -errno;
		mp_err("cannot write pid file \"%s\": %s", path, strerror(errno));
		unlink(tmp);
		return rc;
	}
	return 0;
}

void
mp_pidfile_remove(const char *path)
{
	if (unlink(path) != 0 && errno != ENOENT)
		mp_warn("cannot remove pid file \"%s\": %s", path, strerror(errno));
}
