/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Locks in EAL's shared configuration that a secondary killed at the wrong
 * moment leaves held.
 *
 * A worker's rte_eal_init() takes the memzone lock as a writer to attach
 * the memzone table and as a reader in lookups, like the tailq and mempool
 * locks, and holds the memory hotplug lock as a reader through most of its
 * start-up; the tables those locks guard (the memzones, each memseg list)
 * are fbarrays with a reader-writer lock of their own, which its lookups
 * and walks take as a reader.  A worker SIGKILLed while it holds one leaves it held for
 * good: every later secondary then hangs in its own start-up (the memzone
 * lock), or the master's next ring, memzone or mempool call does, or its
 * release of DPDK at exit.  DPDK offers no way to find or break such a
 * lock, so this module finds EAL's shared configuration where EAL mapped
 * it (its "config" runtime file), checks that it is the layout of the DPDK
 * it was built against, and releases a hold that no live process can own.
 *
 * EAL's rwlocks are bare counters: they do not say who holds them.  So a
 * hold is taken to be a dead process's only when (1) no live process but
 * the master and its running workers maps EAL's configuration, which every
 * DPDK process does from its start (a running worker takes none of these
 * locks: the runtime's contract), and (2) it stays in place throughout
 * 200 ms, which filters out the master's own threads (telemetry), whose
 * holds last microseconds.  Time alone is not enough: on a loaded machine a
 * live holder (a starting worker sharing a CPU, dpdk-proc-info attaching)
 * can be descheduled that long, and releasing its hold corrupts the lock.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_eal_memconfig.h>
#include <rte_memory.h>
#include <rte_fbarray.h>
#include <rte_memzone.h>
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
	uint8_t mp_status;
	struct rte_fbarray memzones;
	struct rte_memseg_list memsegs[RTE_MAX_MEMSEG_LISTS];
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
static bool fbarrays_known;	/* memzones and memsegs where the layout says */
static char config_path[PATH_MAX];	/* as /proc/PID/maps names it */

static const char *const lock_names[MP_EALLOCK_ALL_BITS] = {
	"memzone", "tailq", "mempool", "memory hotplug", "table",
};

/* The fbarray whose lock is table lock k: the memzones, then each memseg list. */
static struct rte_fbarray *
table_of(unsigned int k)
{
	if (k == 0)
		return &mcfg->memzones;
	return k <= RTE_MAX_MEMSEG_LISTS ? &mcfg->memsegs[k - 1].memseg_arr : NULL;
}

#define MP_EALLOCK_TABLES (RTE_MAX_MEMSEG_LISTS + 1)
/* The tables' locks, and one lock for each other bit. */
#define MP_EALLOCK_LOCKS (MP_EALLOCK_TABLES + MP_EALLOCK_ALL_BITS - 1)

/* The lock of bit 1 << i, for every bit but MP_EALLOCK_TABLE's, the last. */
_Static_assert(MP_EALLOCK_TABLE == 1 << (MP_EALLOCK_ALL_BITS - 1),
	       "lock_of() indexes every bit below MP_EALLOCK_TABLE");
static rte_rwlock_t *
lock_of(unsigned int i)
{
	rte_rwlock_t *const locks[MP_EALLOCK_ALL_BITS - 1] = {
		&mcfg->mlock, &mcfg->qlock, &mcfg->mplock, &mcfg->memory_hotplug_lock,
	};

	return locks[i];
}

/*
 * Lock k of MP_EALLOCK_LOCKS, in the order a check takes them, innermost
 * first: the tables' (taken inside the others), then memzone, tailq,
 * mempool and memory hotplug.  *bit is its MP_EALLOCK_* bit and *table its
 * table's name ("" for the others).  NULL for a table not in use, or when
 * the tables are not where the layout says.
 */
static rte_rwlock_t *
nth_lock(unsigned int k, unsigned int *bit, const char **table)
{
	struct rte_fbarray *t;

	if (k >= MP_EALLOCK_TABLES) {
		*bit = 1u << (k - MP_EALLOCK_TABLES);
		*table = "";
		return lock_of(k - MP_EALLOCK_TABLES);
	}
	t = table_of(k);
	*bit = MP_EALLOCK_TABLE;
	*table = t->name;
	return fbarrays_known && t->name[0] != '\0' ? &t->rwlock : NULL;
}

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

static int32_t
count_of(const rte_rwlock_t *l)
{
	return __atomic_load_n(&l->cnt, __ATOMIC_ACQUIRE);
}

struct read_probe {
	const rte_rwlock_t *lock;
	int32_t before;
	bool seen;
};

static void
probe_memzone(const struct rte_memzone *mz, void *arg)
{
	struct read_probe *p = arg;

	p->seen = count_of(p->lock) == p->before + RTE_RWLOCK_READ;
}

/*
 * Does each lock sit where this layout says?  Take it through EAL's public
 * API and watch the counter move: a reader adds RTE_RWLOCK_READ while it
 * holds it.  Only while no other DPDK process runs (at start), so that
 * nothing else moves the counters.  The memzone lock has no public lock
 * call in 22.11, but rte_memzone_walk() holds it as a reader around its
 * callback (the master's memzone exists by then).
 */
static bool
layout_matches(void)
{
	static void (*const lock[])(void) = {
		NULL, rte_mcfg_tailq_read_lock, rte_mcfg_mempool_read_lock,
		rte_mcfg_mem_read_lock,
	};
	static void (*const unlock[])(void) = {
		NULL, rte_mcfg_tailq_read_unlock, rte_mcfg_mempool_read_unlock,
		rte_mcfg_mem_read_unlock,
	};
	struct read_probe p;
	int32_t before;
	bool ok;
	unsigned int i;

	if (mcfg->nchannel != rte_memory_get_nchannel() ||
	    mcfg->nrank != rte_memory_get_nrank())
		return false;
	p = (struct read_probe){ &mcfg->mlock, count_of(&mcfg->mlock), false };
	rte_memzone_walk(probe_memzone, &p);
	if (!p.seen || count_of(&mcfg->mlock) != p.before)
		return false;
	for (i = 1; i < RTE_DIM(lock); i++) {
		before = count_of(lock_of(i));
		lock[i]();
		ok = count_of(lock_of(i)) == before + RTE_RWLOCK_READ;
		unlock[i]();
		if (!ok || count_of(lock_of(i)) != before)
			return false;
	}
	rte_mcfg_timer_lock();
	ok = mcfg->tlock.locked == 1;
	rte_mcfg_timer_unlock();
	return ok && mcfg->tlock.locked == 0;
}

/*
 * The tables are where the layout says if the memzone table is named and
 * sized as rte_eal_memzone_init() made it, and every memseg list in use
 * holds memsegs.
 */
static bool
tables_match(void)
{
	const struct rte_fbarray *t;
	unsigned int k;

	if (strcmp(mcfg->memzones.name, "memzone") != 0 ||
	    mcfg->memzones.elt_sz != sizeof(struct rte_memzone))
		return false;
	for (k = 1; k < MP_EALLOCK_TABLES; k++) {
		t = table_of(k);
		if (t->name[0] != '\0' && t->elt_sz != sizeof(struct rte_memseg))
			return false;
	}
	return true;
}

int
mp_eallock_init(void)
{
	char path[4097];
	struct mcfg_head *head;

	if (!MP_EALLOCK_LAYOUT_KNOWN) {
		mp_warn("DPDK %s: layout of EAL's shared configuration unknown, "
			"locks left by killed workers will not be repaired",
			rte_version());
		return -EPROTO;
	}
	/* /proc/self/maps names the file by its resolved path (/var/run -> /run). */
	snprintf(path, sizeof(path), "%s/config", rte_eal_get_runtime_dir());
	head = realpath(path, config_path) != NULL ? mapping_of(config_path) : NULL;
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
	fbarrays_known = tables_match();
	if (!fbarrays_known)
		mp_warn("EAL's memzone and memseg tables are not where DPDK %s's "
			"layout says: their locks left by killed workers will not be "
			"repaired", rte_version());
	if (!layout_matches()) {
		mcfg = NULL;
		mp_warn("EAL's shared configuration (%s) does not hold its locks "
			"where DPDK %s's layout says: locks left by killed workers "
			"will not be repaired", path, rte_version());
		return -EPROTO;
	}
	return 0;
}

/* Does process pid map EAL's configuration?  Its name into comm if so. */
static bool
maps_config(int pid, char *comm, size_t len)
{
	char path[64], line[4352];
	bool found = false;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (f == NULL)
		return false;	/* gone, or a kernel thread */
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		size_t n, k = strlen(config_path);

		line[strcspn(line, "\n")] = '\0';
		n = strlen(line);
		/* The path is the line's last field, after a space. */
		found = n > k && line[n - k - 1] == ' ' &&
			strcmp(line + n - k, config_path) == 0;
	}
	fclose(f);
	if (found) {
		snprintf(path, sizeof(path), "/proc/%d/comm", pid);
		f = fopen(path, "r");
		if (f == NULL || fgets(comm, (int)len, f) == NULL)
			snprintf(comm, len, "?");
		comm[strcspn(comm, "\n")] = '\0';
		if (f != NULL)
			fclose(f);
	}
	return found;
}

/*
 * The first live process other than us and the allowed ones that maps
 * EAL's configuration: a DPDK process that may hold its locks.  Returns
 * its pid (and its name in c->blocker_comm), or 0.
 */
static int
find_blocker(struct mp_eallock_check *c)
{
	struct dirent *e;
	int pid, self = getpid(), found = 0;
	unsigned int i;
	DIR *proc;
	char *end;

	proc = opendir("/proc");
	if (proc == NULL)
		return -1;
	while (found == 0 && (e = readdir(proc)) != NULL) {
		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		pid = (int)strtol(e->d_name, &end, 10);
		if (*end != '\0' || pid == self)
			continue;
		for (i = 0; i < c->nb_allowed && c->allowed[i] != pid; i++)
			;
		if (i == c->nb_allowed &&
		    maps_config(pid, c->blocker_comm, sizeof(c->blocker_comm)))
			found = pid;
	}
	closedir(proc);
	return found;
}

/*
 * How much of l has been held throughout the last MP_EALLOCK_STUCK_MS, as
 * the amount to take off its count: RTE_RWLOCK_WRITE for a writer, or
 * RTE_RWLOCK_READ times the readers present in every sample; or
 * RTE_RWLOCK_WAIT when nobody held it but its writer-waiting bit stayed
 * set throughout, which only a writer killed while it waited leaves (a
 * live waiter takes the lock as soon as it is free).  DPDK 22.11's
 * readers wait while that bit is set, so it alone stops every later
 * start-up.  0 as soon as the lock is seen free.
 */
static int32_t
stuck_hold(rte_rwlock_t *l)
{
	struct timespec ms = { .tv_sec = 0, .tv_nsec = 1000000 };
	int32_t cnt, writer = RTE_RWLOCK_WRITE, readers = INT32_MAX;
	int32_t wait = RTE_RWLOCK_WAIT;
	unsigned int i;

	for (i = 0; i < MP_EALLOCK_STUCK_MS && (writer || readers || wait); i++) {
		cnt = count_of(l);
		writer &= cnt;
		readers = RTE_MIN(readers, cnt > 0 ? cnt & ~RTE_RWLOCK_MASK : 0);
		wait &= cnt;
		nanosleep(&ms, NULL);
	}
	return writer ? writer : readers ? readers : wait;
}

/*
 * Release l's stuck hold, if it has one and no live process may be its
 * holder.  Returns true when the check is over: released, or blocked.
 */
static bool
try_release(struct mp_eallock_check *c, unsigned int bit, rte_rwlock_t *l,
	    const char *table)
{
	int32_t hold = stuck_hold(l);

	if (hold == 0)
		return false;
	c->blocker = find_blocker(c);
	if (c->blocker != 0)
		return true;
	/*
	 * What the dead holders' unlocks would have done; a dead waiter's
	 * bit is cleared, not subtracted, in case a live writer took the
	 * lock meanwhile (one still waiting sets it again).
	 */
	if (hold == RTE_RWLOCK_WAIT)
		__atomic_fetch_and(&l->cnt, ~RTE_RWLOCK_WAIT, __ATOMIC_RELEASE);
	else
		__atomic_fetch_sub(&l->cnt, hold, __ATOMIC_RELEASE);
	c->released = bit;
	c->hold = hold;
	snprintf(c->table, sizeof(c->table), "%s", table);
	return true;
}

/*
 * One lock per call, the innermost first (nth_lock()), because a thread of
 * ours waiting for an inner lock may itself hold an outer one as a writer.
 * A process that could be a live holder stops the check before and after
 * sampling.
 */
void
mp_eallock_check(struct mp_eallock_check *c)
{
	unsigned int k, bit;
	const char *table;
	rte_rwlock_t *l;

	c->released = 0;
	c->blocker = 0;
	if (mcfg == NULL)
		return;
	c->blocker = find_blocker(c);
	if (c->blocker != 0)
		return;
	for (k = 0; k < MP_EALLOCK_LOCKS; k++) {
		l = nth_lock(k, &bit, &table);
		if (l != NULL && (c->which & bit) && try_release(c, bit, l, table))
			return;
	}
}

void
mp_eallock_check_log(const struct mp_eallock_check *c, const char *when)
{
	unsigned int i;

	for (i = 0; i < MP_EALLOCK_ALL_BITS; i++) {
		if (!(c->released & (1u << i)))
			continue;
		if (c->hold == RTE_RWLOCK_WAIT)
			mp_warn("EAL's %s%s%s lock has said a writer waits, with no holder, "
				"for %d ms %s: cleared that (a writer killed while it waited)",
				c->table, *c->table ? " " : "", lock_names[i],
				MP_EALLOCK_STUCK_MS, when);
		else if (c->hold == RTE_RWLOCK_WRITE)
			mp_warn("EAL's %s%s%s lock is still held by a writer %d ms %s: "
				"released that hold", c->table, *c->table ? " " : "",
				lock_names[i], MP_EALLOCK_STUCK_MS, when);
		else
			mp_warn("EAL's %s%s%s lock is still held by %d reader(s) %d ms "
				"%s: released those holds", c->table, *c->table ? " " : "",
				lock_names[i], c->hold / RTE_RWLOCK_READ,
				MP_EALLOCK_STUCK_MS, when);
	}
}

bool
mp_eallock_release_stuck(unsigned int which, const char *when)
{
	struct mp_eallock_check c = { .which = which };

	mp_eallock_check(&c);
	if (c.blocker > 0)
		mp_warn("EAL's locks are not repaired %s: pid %d (%s) maps EAL's "
			"shared configuration and may hold them", when, c.blocker,
			c.blocker_comm);
	mp_eallock_check_log(&c, when);
	return c.released != 0;
}

void
mp_eallock_release_all_stuck(const char *when)
{
	unsigned int i;

	for (i = 0; i < 2 * MP_EALLOCK_LOCKS; i++)
		if (!mp_eallock_release_stuck(MP_EALLOCK_ALL, when))
			break;
}

void
mp_eallock_log_state(const char *when)
{
	unsigned int k, bit;
	const char *table;
	char text[160];
	rte_rwlock_t *l;
	int len = 0;

	if (mcfg == NULL)
		return;
	/* The memzone table's, then the others: the memseg lists' would not fit. */
	for (k = 0; k < MP_EALLOCK_LOCKS && len >= 0 && (size_t)len < sizeof(text);
	     k = k == 0 ? MP_EALLOCK_TABLES : k + 1) {
		l = nth_lock(k, &bit, &table);
		if (l != NULL)
			len += snprintf(text + len, sizeof(text) - len, "%s%s%s%s %#x",
					len ? ", " : "", table, *table ? " " : "",
					lock_names[__builtin_ctz(bit)], (unsigned int)count_of(l));
	}
	mp_warn("EAL's lock counters %s: %s", when, text);
}
