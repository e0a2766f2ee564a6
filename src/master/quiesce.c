/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Waiting for the packet lcores (the distributor, the transmitter) to
 * leave what another thread is about to take away.
 *
 * A loop iteration that began before mp_loop_quiesce() may still use what
 * the caller unlinked (an ethdev callback, a port's connection); one that
 * begins after cannot.  So once the counter has moved on from the value
 * read here, after a full fence that orders the unlink before the read,
 * nothing uses it any more.
 *
 * One PMD needs this and cannot be told to wait: when a memif peer goes
 * away, DPDK 22.11's memif_disconnect(), on EAL's interrupt thread, clears
 * the port's connected flag and then unmaps the connection's regions at
 * once, while the distributor may be inside rte_eth_rx_burst() of that
 * port reading them (a SIGSEGV of the master, unfixed upstream).  The
 * master therefore defines munmap(): on EAL's interrupt thread it first
 * waits for the iteration of every watched loop under way, whose next
 * rx/tx call sees the flag cleared and touches nothing, then unmaps.
 * Every other thread, and the interrupt thread with no loop running, goes
 * straight to libc's.
 */
#include <dlfcn.h>
#include <errno.h>
#include <stddef.h>
#include <sys/mman.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_interrupts.h>

#include "log.h"
#include "master.h"

/*
 * Far longer than an iteration takes, since a loaded machine can keep a
 * packet lcore off its CPU in the middle of one for long; bounded, so that
 * a loop that hangs for good does not stop EAL's interrupt thread too.
 */
#define MP_UNMAP_QUIESCE_MS 5000

static struct mp_loop_progress *watched[MP_LOOP_MAX];

int
mp_loop_quiesce(struct mp_loop_progress *p, unsigned int timeout_ms)
{
	struct timespec pause = { .tv_sec = 0, .tv_nsec = 10000 };
	uint64_t deadline, seen;

	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	seen = __atomic_load_n(&p->loops, __ATOMIC_ACQUIRE);
	deadline = rte_get_timer_cycles() + rte_get_timer_hz() * timeout_ms / 1000;
	while (__atomic_load_n(&p->running, __ATOMIC_ACQUIRE) &&
	       __atomic_load_n(&p->loops, __ATOMIC_ACQUIRE) == seen) {
		if (rte_get_timer_cycles() > deadline)
			return -ETIMEDOUT;
		nanosleep(&pause, NULL);
	}
	return 0;
}

void
mp_quiesce_watch(enum mp_loop_id id, struct mp_loop_progress *p)
{
	__atomic_store_n(&watched[id], p, __ATOMIC_RELEASE);
}

int
munmap(void *addr, size_t len)
{
	static int (*libc_munmap)(void *, size_t);
	struct mp_loop_progress *p;
	unsigned int i;

	if (libc_munmap == NULL)
		*(void **)&libc_munmap = dlsym(RTLD_NEXT, "munmap");
	if (libc_munmap == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (rte_thread_is_intr())
		for (i = 0; i < MP_LOOP_MAX; i++) {
			p = __atomic_load_n(&watched[i], __ATOMIC_ACQUIRE);
			if (p != NULL && mp_loop_quiesce(p, MP_UNMAP_QUIESCE_MS) < 0)
				mp_warn("an unmap on EAL's interrupt thread waited %d ms "
					"for the %s's loop in vain: unmapping anyway",
					MP_UNMAP_QUIESCE_MS, i == MP_LOOP_DISTRIBUTOR ?
					"distributor" : "transmitter");
		}
	return libc_munmap(addr, len);
}
