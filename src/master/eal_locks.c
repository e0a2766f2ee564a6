/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Locks in EAL's shared configuration that a secondary killed at the wrong
 * moment leaves held.
 *
 * A worker's rte_eal_init() takes the memzone lock as a writer to attach
 * the memzone table, and its lookups take the tailq and mempool locks.  A
 * worker SIGKILLed inside one of these leaves the lock held for good, and
 * every later secondary then hangs in its own start-up (the memzone lock),
 * as does the master's next ring, memzone or mempool call.  DPDK offers no
 * way to find or break such a lock, so this module finds EAL's shared
 * configuration where EAL mapped it (its "config" runtime file), checks
 * that it is the layout of the DPDK it was built against, and releases a
 * writer that stays in place long after a worker died before running.
 */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_rwlock.h>
#include <rte_spinlock.h>
#include <rte_version.h>

#include "log.h"
#include "master.h"

/*
 * The head of struct rte_mem_config in DPDK 22.11
 * (lib/eal/common/eal_memcfg.h); the rest of it is not touched.
 */
struct mcfg_head {
	volatile uint32_t magic;	/* RTE_MAGIC once the primary is up */
	uint32_t version;		/* RTE_VERSION */
	uint32_t nchannel;
	uint32_t nrank;
	rte_rwlock_t mlock;		/* memzones */
	rte_rwlock_t qlock;		/* tailqs: rings, mempool lists */
	rte_rwlock_t mplock;		/* mempools */
	rte_spinlock_t tlock;
	rte_rwlock_t memory_hotplug_lock;
};

#if RTE_VERSION < RTE_VERSION_NUM(22, 11, 0, 0) || \
	RTE_VERSION >= RTE_VERSION_NUM(22, 12, 0, 0)
#define MP_EALLOCK_LAYOUT_KNOWN 0
#else
#define MP_EALLOCK_LAYOUT_KNOWN 1
#endif

/* A live holder keeps these locks for microseconds; a dead one forever. */
#define MP_EALLOCK_STUCK_MS 200

static struct mcfg_head *mcfg;

/* Where EAL mapped runtime file path in this process, or NULL. */
static void *
mapping_of(const char *path)
{
	char line[4352], file[4097];
	uintptr_t start;
	void *addr = NULL;
	FILE *maps;

	maps = fopen("/proc/self/maps", "r");
	if (maps == NULL)
		return NULL;
	while (fgets(line, sizeof(line), maps) != NULL) {
		if (sscanf(line, "%" SCNxPTR "-%*x %*s %*x %*s %*u %4096s",
			   &start, file) == 2 && strcmp(file, path) == 0) {
			addr = (void *)start;
			break;
		}
	}
	fclose(maps);
	return addr;
}

int
mp_eallock_init(void)
{
	char path[4097], real[PATH_MAX];
	struct mcfg_head *head;

	if (!MP_EALLOCK_LAYOUT_KNOWN) {
		mp_warn("DPDK %s: layout of EAL's shared configuration unknown, "
			"locks left by killed workers will not be repaired",
			rte_version());
		return -EPROTO;
	}
	/* /proc/self/maps names the file by its resolved path (/var/run -> /run). */
	snprintf(path, sizeof(path), "%s/config", rte_eal_get_runtime_dir());
	head = realpath(path, real) != NULL ? mapping_of(real) : NULL;
	if (head == NULL) {
		mp_warn("EAL's shared configuration (%s) is not mapped: locks left "
			"by killed workers will not be repaired", path);
		return -ENOENT;
	}
	if (head->magic != RTE_MAGIC || head->version != RTE_VERSION) {
		mp_warn("EAL's shared configuration (%s) has magic %" PRIu32
			", version %#" PRIx32 ", not those of this build: locks left "
			"by killed workers will not be repaired", path, head->magic,
			head->version);
		return -EPROTO;
	}
	mcfg = head;
	return 0;
}

/* Whether l has been held by a writer throughout the last few samples. */
static int
writer_stuck(rte_rwlock_t *l)
{
	struct timespec ms = { .tv_sec = 0, .tv_nsec = 1000000 };
	unsigned int i;

	for (i = 0; i < MP_EALLOCK_STUCK_MS; i++) {
		if (!(__atomic_load_n(&l->cnt, __ATOMIC_ACQUIRE) & RTE_RWLOCK_WRITE))
			return 0;
		nanosleep(&ms, NULL);
	}
	return 1;
}

void
mp_eallock_release_dead_writers(unsigned int worker_id)
{
	struct {
		rte_rwlock_t *lock;
		const char *name;
	} locks[3];
	unsigned int i;

	if (mcfg == NULL)
		return;
	locks[0].lock = &mcfg->mlock;
	locks[0].name = "memzone";
	locks[1].lock = &mcfg->qlock;
	locks[1].name = "tailq";
	locks[2].lock = &mcfg->mplock;
	locks[2].name = "mempool";
	for (i = 0; i < RTE_DIM(locks); i++) {
		if (!writer_stuck(locks[i].lock))
			continue;
		/* What the holder's rte_rwlock_write_unlock() would have done. */
		__atomic_fetch_sub(&locks[i].lock->cnt, RTE_RWLOCK_WRITE,
				   __ATOMIC_RELEASE);
		mp_warn("worker %u died holding EAL's %s lock as a writer (held "
			"for %d ms after its death): released it", worker_id,
			locks[i].name, MP_EALLOCK_STUCK_MS);
	}
}
