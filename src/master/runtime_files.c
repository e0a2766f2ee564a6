/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK's on-disk state for a file prefix: the runtime directory (config,
 * fbarrays, multi-process sockets) and the hugepage files.  A primary
 * that dies leaves both behind; the next start must tell a dead primary's
 * leftovers from a live primary, which holds a write lock on the runtime
 * directory's "config" file for its whole life.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mntent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "master.h"

/* The runtime directory EAL uses for prefix (eal_create_runtime_dir()). */
static void
runtime_dir(const char *prefix, char *buf, size_t len)
{
	const char *base = "/var/run";

	if (getuid() != 0) {
		base = getenv("XDG_RUNTIME_DIR");
		if (base == NULL)
			base = "/tmp";
	}
	snprintf(buf, len, "%s/dpdk/%s", base, prefix);
}

int
mp_rtfiles_primary_pid(const char *prefix)
{
	char dir[PATH_MAX], path[PATH_MAX + 8];
	struct flock lk;
	int fd, pid = 0;

	runtime_dir(prefix, dir, sizeof(dir));
	snprintf(path, sizeof(path), "%s/config", dir);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return 0;
	memset(&lk, 0, sizeof(lk));
	lk.l_type = F_WRLCK;
	lk.l_whence = SEEK_SET;
	if (fcntl(fd, F_GETLK, &lk) == 0 && lk.l_type != F_UNLCK)
		pid = lk.l_pid > 0 ? lk.l_pid : -1;
	close(fd);
	return pid;
}

/* Remove the regular files of dir whose names start with prefix. */
static void
remove_matching(const char *dir, const char *prefix)
{
	char path[PATH_MAX];
	struct dirent *de;
	size_t plen = strlen(prefix);
	DIR *d;

	d = opendir(dir);
	if (d == NULL)
		return;
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.' || strncmp(de->d_name, prefix, plen) != 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		if (unlink(path) != 0 && errno != ENOENT)
			mp_warn("cannot remove \"%s\": %s", path, strerror(errno));
	}
	closedir(d);
}

/*
 * Hugepage files are named "<prefix>map_<n>" in the hugetlbfs mount, or in
 * the directory given with --huge-dir.
 */
void
mp_rtfiles_remove(const char *prefix, const struct mp_strv *eal_args)
{
	char dir[PATH_MAX], name[PATH_MAX];
	struct mntent *me;
	unsigned int i;
	FILE *mounts;

	snprintf(name, sizeof(name), "%smap_", prefix);
	for (i = 0; i < eal_args->n; i++) {
		if (strncmp(eal_args->v[i], "--huge-dir=", 11) == 0)
			remove_matching(eal_args->v[i] + 11, name);
		else if (strcmp(eal_args->v[i], "--huge-dir") == 0 && i + 1 < eal_args->n)
			remove_matching(eal_args->v[i + 1], name);
	}
	mounts = setmntent("/proc/mounts", "r");
	if (mounts != NULL) {
		while ((me = getmntent(mounts)) != NULL)
			if (strcmp(me->mnt_type, "hugetlbfs") == 0)
				remove_matching(me->mnt_dir, name);
		endmntent(mounts);
	}

	runtime_dir(prefix, dir, sizeof(dir));
	remove_matching(dir, "");
	if (rmdir(dir) != 0 && errno != ENOENT)
		mp_warn("cannot remove runtime directory \"%s\": %s", dir,
			strerror(errno));
}
