/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The mempool audit at stop.  Once the distributor, the workers and the
 * ports have stopped and the rings are empty, every mbuf of the packet pool
 * must be back in the pool exactly once, except those the crash recoveries
 * counted as lost.  A buffer found twice was freed twice: two packets would
 * later have shared it.  A buffer found nowhere that no recovery counted
 * leaked without anyone knowing.  The audit walks the pool's own storage
 * (pool.c knows where that is) against the list of every object the pool
 * was populated with, so both show up as numbers in one log line.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_mempool.h>

#include "log.h"
#include "master.h"
#include "pool.h"

struct audit_walk {
	uintptr_t *objs;	/* every object of the pool, sorted */
	uint32_t *seen;		/* how often each was found in the pool */
	unsigned int n;
	unsigned int foreign;
};

static void
collect(struct rte_mempool *mp, void *arg, void *obj, unsigned int idx)
{
	struct audit_walk *w = arg;

	w->objs[w->n++] = (uintptr_t)obj;
}

static int
cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

static void
count(void *obj, void *arg)
{
	struct audit_walk *w = arg;
	uintptr_t key = (uintptr_t)obj;
	uintptr_t *hit = bsearch(&key, w->objs, w->n, sizeof(*w->objs), cmp_ptr);

	if (hit == NULL)
		w->foreign++;
	else
		w->seen[hit - w->objs]++;
}

int
mp_audit_pool(struct rte_mempool *mp, struct mp_audit *a)
{
	struct audit_walk w = { 0 };
	unsigned int i;

	memset(a, 0, sizeof(*a));
	w.objs = calloc(mp->populated_size, sizeof(*w.objs));
	w.seen = calloc(mp->populated_size, sizeof(*w.seen));
	if (w.objs == NULL || w.seen == NULL) {
		free(w.objs);
		free(w.seen);
		return -ENOMEM;
	}
	rte_mempool_obj_iter(mp, collect, &w);
	qsort(w.objs, w.n, sizeof(*w.objs), cmp_ptr);
	mp_pool_walk_free(mp, count, &w);
	a->size = w.n;
	a->foreign = w.foreign;
	for (i = 0; i < w.n; i++) {
		if (w.seen[i] == 0) {
			a->missing++;
			continue;
		}
		a->home++;
		a->duplicated += w.seen[i] - 1;
	}
	free(w.objs);
	free(w.seen);
	return 0;
}

void
mp_audit_log(const struct mp_audit *a, uint64_t leaked)
{
	char foreign[48] = "";

	if (a->foreign != 0)
		snprintf(foreign, sizeof(foreign), ", %u foreign pointers", a->foreign);
	if (a->duplicated == 0 && a->foreign == 0 && a->missing == leaked) {
		mp_info("mempool audit: %u mbufs: %u home, 0 duplicated, %u missing "
			"(%" PRIu64 " leaked by crashes)", a->size, a->home,
			a->missing, leaked);
		return;
	}
	mp_err("mempool audit: %u mbufs: %u home, %u duplicated, %u missing "
	       "(%" PRIu64 " leaked by crashes)%s: %s", a->size, a->home,
	       a->duplicated, a->missing, leaked, foreign,
	       a->duplicated != 0 ? "mbufs were freed twice" :
	       a->missing > leaked ? "mbufs were lost without being counted" :
	       a->missing < leaked ? "mbufs counted as leaked came back" :
	       "the pool holds pointers that are not its mbufs");
}
