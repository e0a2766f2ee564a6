/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef MP_PREFETCH_H
#define MP_PREFETCH_H

/*
 * Fetch the cache line holding p, for writing: the line arrives exclusive,
 * so the store that follows needs no second coherence transaction to take
 * it from another CPU's cache.
 *
 * __builtin_prefetch(p, 1, ...) cannot be relied on for this: it becomes
 * PREFETCHW only when the target has PRFCHW, and DPDK's pkg-config flags
 * (-march=corei7 in Debian's 22.11) do not, so GCC emits a read prefetch.
 * PREFETCHW is in every x86-64 CPU from AMD and in Intel's since
 * Broadwell; older Intel CPUs execute its encoding as a NOP.
 */
static inline void
mp_prefetch_write(const void *p)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("prefetchw %0" : : "m" (*(const volatile char *)p));
#else
	__builtin_prefetch(p, 1, 3);
#endif
}

#endif /* MP_PREFETCH_H */
