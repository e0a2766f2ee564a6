/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a worker's PMDs leave behind.  A DPDK secondary's PMDs allocate
 * their per-process state (net_tap's queue file descriptors, net_pcap's
 * handles) in the shared heap when the process attaches to the ports, and
 * free it only when the port closes, which in a worker never happens: it
 * exits or is killed.  256 bytes per tap port and per start, for good; a
 * worker restarted a thousand times takes half a megabyte of hugepage
 * memory.  So each worker records its ports' state in its slot (shm.h,
 * port_private) and frees what the previous process of its id recorded.
 *
 * The state hangs off each port's struct rte_eth_dev, which 22.11 keeps in
 * a header it does not install (ethdev_driver.h); the head of that struct
 * is mirrored here, and checked at run time against the port names the
 * public API reports before anything is trusted.
 */
#include <stdbool.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_malloc.h>
#include <rte_memory.h>
#include <rte_version.h>

#include "runtime.h"

#if RTE_VERSION >= RTE_VERSION_NUM(22, 11, 0, 0) && \
	RTE_VERSION < RTE_VERSION_NUM(22, 12, 0, 0)
#define MP_ETH_DEV_LAYOUT_KNOWN 1
#else
#define MP_ETH_DEV_LAYOUT_KNOWN 0
#endif

/* struct rte_eth_dev of DPDK 22.11 (lib/ethdev/ethdev_driver.h). */
struct eth_dev_2211 {
	void *burst_fns[6];
	const char *data;		/* struct rte_eth_dev_data, name first */
	void *process_private;
	void *dev_ops, *device, *intr_handle;
	void *link_intr_cbs[2];
	void *post_rx_burst_cbs[RTE_MAX_QUEUES_PER_PORT];
	void *pre_tx_burst_cbs[RTE_MAX_QUEUES_PER_PORT];
	int state;
	void *security_ctx;
} __rte_cache_aligned;

extern struct eth_dev_2211 mp_eth_devices[] __asm__("rte_eth_devices");

/* port's per-process state, if the mirror fits and it is in DPDK's heap. */
static void *
private_of(uint16_t port)
{
	char name[RTE_ETH_NAME_MAX_LEN];
	const struct eth_dev_2211 *dev;
	void *p;

	if (!MP_ETH_DEV_LAYOUT_KNOWN || port >= RTE_MAX_ETHPORTS ||
	    rte_eth_dev_get_name_by_port(port, name) != 0)
		return NULL;
	dev = &mp_eth_devices[port];
	if (dev->data == NULL || strncmp(dev->data, name, sizeof(name)) != 0)
		return NULL;
	p = dev->process_private;
	return p != NULL && rte_mem_virt2memseg_list(p) != NULL ? p : NULL;
}

/*
 * Ours first, then the predecessor's freed: a kill in between loses the
 * predecessor's, never frees anything twice.
 */
void
mp_pmd_private_handover(struct mpw_ctx *ctx)
{
	uint64_t old[MP_MAX_PORTS];
	unsigned int i, n = RTE_MIN(ctx->shm->nb_ports, (uint32_t)MP_MAX_PORTS);
	void *p;

	memcpy(old, ctx->slot->port_private, sizeof(old));
	for (i = 0; i < MP_MAX_PORTS; i++) {
		p = i < n ? private_of(ctx->shm->ports[i]) : NULL;
		__atomic_store_n(&ctx->slot->port_private[i], (uint64_t)(uintptr_t)p,
				 __ATOMIC_RELEASE);
	}
	for (i = 0; i < MP_MAX_PORTS; i++) {
		p = (void *)(uintptr_t)old[i];
		if (p != NULL && rte_mem_virt2memseg_list(p) != NULL)
			rte_free(p);
	}
}
