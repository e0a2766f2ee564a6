/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Locks in EAL's shared configuration that a secondary killed at the wrong
 * moment leaves held.
 *
 * A worker's rte_eal_init() takes the memzone lock as a writer to attach
 * the memzone table and as a reader in lookups, like the tailq and mempool
 * locks, and holds the memory hotplug lock as a reader through most of its
 * start-up.  A worker SIGKILLed while it holds one leaves it held for
 * good: every later secondary then hangs in its own start-up (the memzone
 * lock), or the master's next ring, memzone or mempool call does, or its
 * release of DPDK at exit.  DPDK offers no way to find or break such a
 * lock, so this module finds EAL's shared configuration where EAL mapped
 * it (its "config" runtime file), checks that it is the layout of the DPDK
 * it was built against, and releases a hold that stays in place long
 * after the process that took it can have let go.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
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

/*
 * How much of l has been held throughout the last MP_EALLOCK_STUCK_MS, as
 * the amount to take off its count: RTE_RWLOCK_WRITE for a writer, or
 * RTE_RWLOCK_READ times the readers present in every sample; 0 as soon as
 * the lock is seen free.
 */
static int32_t
stuck_hold(rte_rwlock_t *l)
{
	struct timespec ms = { .tv_sec = 0, .tv_nsec = 1000000 };
	int32_t cnt, writer = RTE_RWLOCK_WRITE, readers = INT32_MAX;
	unsigned int i;

	for (i = 0; i < MP_EALLOCK_STUCK_MS && (writer || readers); i++) {
		cnt = __atomic_load_n(&l->cnt, __ATOMIC_ACQUIRE);
		writer &= cnt;
		readers = RTE_MIN(readers, cnt > 0 ? cnt & ~RTE_RWLOCK_MASK : 0);
		nanosleep(&ms, NULL);
	}
	return writer ? writer : readers;
}

bool
mp_eallock_release_stuck(unsigned int which, const char *when)
{
	int32_t hold;
	unsigned int i;

	if (mcfg == NULL)
		return false;
	/* Innermost first: DPDK nests mempool, tailq, memzone. */
	const struct {
		rte_rwlock_t *lock;
		const char *name;
	} locks[] = {
		{ &mcfg->mlock, "memzone" },
		{ &mcfg->qlock, "tailq" },
		{ &mcfg->mplock, "mempool" },
		{ &mcfg->memory_hotplug_lock, "memory hotplug" },
	};
	RTE_BUILD_BUG_ON(RTE_DIM(locks) != MP_EALLOCK_ALL_BITS);
	for (i = 0; i < RTE_DIM(locks); i++) {
		if (!(which & (1u << i)))
			continue;
		hold = stuck_hold(locks[i].lock);
		if (hold == 0)
			continue;
		/* What the dead holders' unlocks would have done. */
		__atomic_fetch_sub(&locks[i].lock->cnt, hold, __ATOMIC_RELEASE);
		if (hold == RTE_RWLOCK_WRITE)
			mp_warn("EAL's %s lock is still held by a writer %d ms %s: "
				"released that hold", locks[i].name,
				MP_EALLOCK_STUCK_MS, when);
		else
			mp_warn("EAL's %s lock is still held by %d reader(s) %d ms "
				"%s: released those holds", locks[i].name,
				hold / RTE_RWLOCK_READ, MP_EALLOCK_STUCK_MS, when);
		return true;
	}
	return false;
}
